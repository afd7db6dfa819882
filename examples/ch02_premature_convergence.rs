//! Chapter 2's experiment at full scale: a five-armed bandit trained by softmax policy
//! gradient over 2000 seeds, without and with an entropy bonus. Writes the figure
//! `book/src/figures/ch02-premature-convergence.svg`, the tables `bandit-table` and
//! `bandit-over-time` in `book/src/ch02-entropy-bonus.md`, and the per-run records
//! `tests/data/ch02-bandit-book-runs.txt`. Deterministic for the fixed seeds.
//!
//! Run with `cargo run --release --example ch02_premature_convergence`; it prints its
//! progress and, at the end, the files it rewrote. Measured on 2026-12-02 on 2 busy cores:
//! about 12 s of running, after a 3.5-minute first release build.
//! The test `claim_2_8_entropy_bonus_reduces_premature_convergence` re-runs every 40th of
//! these seeds against the records, recomputes both tables from the records, and re-runs
//! the configuration on 400 other seeds to check the numbers within their binomial error.

#[path = "../tests/common/ch02_bandit.rs"]
mod ch02_bandit;

use std::path::{Path, PathBuf};

use ch02_bandit::{
    ALPHAS, BOOK_SEEDS, RECORD_FILE, RunRecord, bandit_config, records_to_text, tables_from_records,
};
use maxent_rl::experiments::run_softmax_bandit;
use plotters::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// Seed-averaged curves for one α.
struct Curves {
    alpha: f64,
    steps: Vec<usize>,
    best_arm_prob: Vec<f64>,
    entropy: Vec<f64>,
    stuck_fraction: Vec<f64>,
    stuck: usize,
    seeds: usize,
    records: Vec<RunRecord>,
}

fn run(alpha: f64) -> Curves {
    let config = bandit_config(alpha);
    let mut c = Curves {
        alpha,
        steps: Vec::new(),
        best_arm_prob: Vec::new(),
        entropy: Vec::new(),
        stuck_fraction: Vec::new(),
        stuck: 0,
        seeds: 0,
        records: Vec::new(),
    };
    for seed in BOOK_SEEDS {
        let r = run_softmax_bandit(&config, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap();
        if c.steps.is_empty() {
            c.steps = r.trace.iter().map(|t| t.step).collect();
            c.best_arm_prob = vec![0.0; c.steps.len()];
            c.entropy = vec![0.0; c.steps.len()];
            c.stuck_fraction = vec![0.0; c.steps.len()];
        }
        for (i, t) in r.trace.iter().enumerate() {
            c.best_arm_prob[i] += t.best_arm_prob;
            c.entropy[i] += t.entropy;
            c.stuck_fraction[i] += f64::from(u8::from(t.stuck));
        }
        c.records.push(RunRecord::of(&r));
        c.stuck += usize::from(r.stuck);
        c.seeds += 1;
    }
    let n = c.seeds as f64;
    for v in [&mut c.best_arm_prob, &mut c.entropy, &mut c.stuck_fraction] {
        v.iter_mut().for_each(|x| *x /= n);
    }
    c
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Replaces the body of `<!-- generated:NAME … -->` … `<!-- /generated -->` in `file`.
fn write_generated_block(file: &str, name: &str, content: &str) {
    let path = repo_root().join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let open = format!("<!-- generated:{name} ");
    let start = text.find(&open).expect("marker");
    let body_start = start + text[start..].find("-->\n").unwrap() + 4;
    let end = body_start + text[body_start..].find("<!-- /generated -->").unwrap();
    let new = format!("{}{}{}", &text[..body_start], content, &text[end..]);
    std::fs::write(&path, new).unwrap();
}

fn palette(i: usize) -> RGBColor {
    // Colour-blind-safe (Okabe & Ito 2008), as in tests/figures.rs.
    [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
    ][i % 3]
}

fn figure(curves: &[Curves]) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (720, 960)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let panels = root.split_evenly((3, 1));
        type Pick = fn(&Curves) -> &Vec<f64>;
        // The stuck fraction's axis reaches the largest value, rounded up to a tenth.
        let stuck_max = curves
            .iter()
            .flat_map(|c| c.stuck_fraction.iter().copied())
            .fold(0.1, f64::max);
        let stuck_max = (stuck_max * 10.0).ceil() / 10.0;
        let spec: [(&str, &str, f64, SeriesLabelPosition, Pick); 3] = [
            (
                "Probability of the best arm (mean over seeds)",
                "π(best)",
                1.05,
                SeriesLabelPosition::LowerRight,
                |c| &c.best_arm_prob,
            ),
            (
                "Entropy of the policy (mean over seeds)",
                "H(π) (nats)",
                1.7,
                SeriesLabelPosition::UpperRight,
                |c| &c.entropy,
            ),
            (
                "Fraction of runs stuck (a sub-optimal arm has π ≥ 0.9)",
                "fraction",
                stuck_max,
                SeriesLabelPosition::UpperRight,
                |c| &c.stuck_fraction,
            ),
        ];
        let x_max = *curves[0].steps.last().unwrap() as f64;
        for (panel, (caption, y_desc, y_max, legend_at, pick)) in panels.iter().zip(spec) {
            let mut chart = ChartBuilder::on(panel)
                .caption(caption, ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(35)
                .y_label_area_size(55)
                .build_cartesian_2d(0.0..x_max, 0.0..y_max)
                .unwrap();
            chart
                .configure_mesh()
                .label_style(("sans-serif", 16))
                .axis_desc_style(("sans-serif", 17))
                .x_desc("update")
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_desc(y_desc)
                .draw()
                .unwrap();
            for (i, c) in curves.iter().enumerate() {
                let color = palette(i);
                let points: Vec<(f64, f64)> = c
                    .steps
                    .iter()
                    .map(|&s| s as f64)
                    .zip(pick(c).iter().copied())
                    .collect();
                chart
                    .draw_series(LineSeries::new(points, color.stroke_width(2)))
                    .unwrap()
                    .label(format!("α = {}", c.alpha))
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE.mix(0.9))
                .label_font(("sans-serif", 16))
                .position(legend_at)
                .draw()
                .unwrap();
        }
        root.present().unwrap();
    }
    out
}

fn main() {
    let curves: Vec<Curves> = ALPHAS
        .iter()
        .map(|&a| {
            eprintln!(
                "α = {a}: {} seeds × {} updates …",
                BOOK_SEEDS.end - BOOK_SEEDS.start,
                bandit_config(a).steps
            );
            run(a)
        })
        .collect();
    // The tables are computed from the per-run records, the same way the claim test
    // recomputes them from the record file.
    let records: Vec<Vec<RunRecord>> = curves.iter().map(|c| c.records.clone()).collect();
    let (table, over_time) = tables_from_records(&records);
    std::fs::create_dir_all(repo_root().join("tests/data")).unwrap();
    std::fs::write(repo_root().join(RECORD_FILE), records_to_text(&records)).unwrap();
    print!("{table}");
    print!("{over_time}");
    write_generated_block(
        "book/src/ch02-entropy-bonus.md",
        "bandit-over-time",
        &over_time,
    );
    write_generated_block("book/src/ch02-entropy-bonus.md", "bandit-table", &table);
    let svg = figure(&curves);
    let figure_path = "book/src/figures/ch02-premature-convergence.svg";
    std::fs::write(repo_root().join(Path::new(figure_path)), svg).unwrap();
    eprintln!(
        "rewrote book/src/ch02-entropy-bonus.md (blocks `bandit-table`, `bandit-over-time`), \
         {figure_path} and {RECORD_FILE}"
    );
}
