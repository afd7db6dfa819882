//! The chapter-2 bandit experiment's configuration, shared by its test
//! (`tests/ch02_entropy_bonus.rs`) and its full-scale run
//! (`examples/ch02_premature_convergence.rs`), so that the two cannot drift apart.
//! Included with `#[path]`; not part of `common/mod.rs`.
#![allow(dead_code)]

use maxent_rl::experiments::SoftmaxBanditConfig;

/// Entropy weights compared: none, a small bonus, a large one.
pub const ALPHAS: [f64; 3] = [0.0, 0.05, 0.2];

/// Seeds of the full-scale run quoted in the book.
pub const BOOK_SEEDS: std::ops::Range<u64> = 0..2000;

/// Seeds of the test's run: disjoint from the book's, so the test is an independent
/// replication, not a re-computation.
pub const TEST_SEEDS: std::ops::Range<u64> = 1_000_000..1_000_400;

/// Five arms 0.2 apart, noise σ = 0.25, one pull per update, a large step size.
pub fn bandit_config(alpha: f64) -> SoftmaxBanditConfig {
    SoftmaxBanditConfig {
        arm_means: vec![1.0, 0.8, 0.6, 0.4, 0.2],
        reward_std: 0.25,
        alpha,
        learning_rate: 2.0,
        baseline_learning_rate: 0.1,
        batch_size: 1,
        steps: 5000,
        record_every: 50,
    }
}

/// Steps at which the book's over-time table reports the stuck fraction.
pub const CHECKPOINTS: [usize; 5] = [200, 500, 1000, 2000, 5000];

/// Per-run records of the book's full run (every α, every seed of `BOOK_SEEDS`), written by
/// the example and read by the claim test, which re-runs a sample of the seeds to check
/// them and recomputes the book's tables from all of them.
pub const RECORD_FILE: &str = "tests/data/ch02-bandit-book-runs.txt";

/// What the book's tables need from one run: stuck or not at each checkpoint, and the
/// final best-arm probability and entropy (6 decimals: the tables show 3).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub stuck_at: [bool; 5],
    pub best_arm_prob: String,
    pub entropy: String,
}

impl RunRecord {
    /// The record of a finished run (its trace must include every checkpoint).
    pub fn of(run: &maxent_rl::experiments::SoftmaxBanditRun) -> Self {
        let at = |step: usize| {
            run.trace
                .iter()
                .find(|t| t.step == step)
                .unwrap_or_else(|| panic!("no trace point at step {step}"))
        };
        let last = run.trace.last().expect("a trace");
        Self {
            stuck_at: CHECKPOINTS.map(|s| at(s).stuck),
            best_arm_prob: format!("{:.6}", last.best_arm_prob),
            entropy: format!("{:.6}", last.entropy),
        }
    }

    /// `01101 0.997123 0.016123`.
    pub fn to_line(&self) -> String {
        let flags: String = self
            .stuck_at
            .iter()
            .map(|&b| if b { '1' } else { '0' })
            .collect();
        format!("{flags} {} {}", self.best_arm_prob, self.entropy)
    }

    pub fn parse(line: &str) -> Self {
        let mut parts = line.split_whitespace();
        let flags = parts.next().expect("flags");
        let mut stuck_at = [false; 5];
        for (s, c) in stuck_at.iter_mut().zip(flags.chars()) {
            *s = c == '1';
        }
        Self {
            stuck_at,
            best_arm_prob: parts.next().expect("best-arm probability").to_string(),
            entropy: parts.next().expect("entropy").to_string(),
        }
    }
}

/// The record file's text: a comment, then one line per run, α-major in `ALPHAS` order and
/// seed-minor in `BOOK_SEEDS` order.
pub fn records_to_text(records: &[Vec<RunRecord>]) -> String {
    let mut out = format!(
        "# ch02 bandit, full run: alphas {ALPHAS:?}, seeds {}..{}; per run: stuck at steps \
         {CHECKPOINTS:?}, final best-arm probability, final entropy.\n",
        BOOK_SEEDS.start, BOOK_SEEDS.end
    );
    for per_alpha in records {
        for r in per_alpha {
            out.push_str(&r.to_line());
            out.push('\n');
        }
    }
    out
}

/// Parses `records_to_text`'s output: one vector per α.
pub fn records_from_text(text: &str) -> Vec<Vec<RunRecord>> {
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let n = (BOOK_SEEDS.end - BOOK_SEEDS.start) as usize;
    assert_eq!(
        lines.len(),
        n * ALPHAS.len(),
        "record file has the wrong length"
    );
    lines
        .chunks(n)
        .map(|c| c.iter().map(|l| RunRecord::parse(l)).collect())
        .collect()
}

/// The book's two tables (`bandit-table`, `bandit-over-time`) from the records.
pub fn tables_from_records(records: &[Vec<RunRecord>]) -> (String, String) {
    let means = bandit_config(0.0).arm_means;
    let mut table = String::from(
        "| $\\alpha$ | runs stuck on a sub-optimal arm | mean $\\pi(\\text{best})$ at the end | \
         mean entropy at the end | $\\operatorname{softmax}(r/\\alpha)_{\\text{best}}$ |\n\
         |---:|---:|---:|---:|---:|\n",
    );
    let mut over_time = String::from("| $\\alpha$ |");
    for step in CHECKPOINTS {
        over_time.push_str(&format!(" stuck after {step} |"));
    }
    over_time.push_str("\n|---:|");
    over_time.push_str(&"---:|".repeat(CHECKPOINTS.len()));
    over_time.push('\n');
    for (&alpha, runs) in ALPHAS.iter().zip(records) {
        let n = runs.len() as f64;
        let mean = |f: &dyn Fn(&RunRecord) -> f64| runs.iter().map(f).sum::<f64>() / n;
        let stuck = runs.iter().filter(|r| r.stuck_at[4]).count();
        let boltzmann = if alpha > 0.0 {
            let scaled: Vec<f64> = means.iter().map(|m| m / alpha).collect();
            format!("{:.3}", maxent_rl::softmax(&scaled)[0])
        } else {
            "1 (greedy)".to_string()
        };
        table.push_str(&format!(
            "| {alpha} | {stuck} / {} ({:.1} %) | {:.3} | {:.3} | {boltzmann} |\n",
            runs.len(),
            100.0 * stuck as f64 / n,
            mean(&|r| r.best_arm_prob.parse().unwrap()),
            mean(&|r| r.entropy.parse().unwrap()),
        ));
        over_time.push_str(&format!("| {alpha} |"));
        for i in 0..CHECKPOINTS.len() {
            let k = runs.iter().filter(|r| r.stuck_at[i]).count();
            over_time.push_str(&format!(" {:.1} % |", 100.0 * k as f64 / n));
        }
        over_time.push('\n');
    }
    (table, over_time)
}
