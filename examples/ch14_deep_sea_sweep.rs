//! Chapter 14's DeepSea sweep at full scale: episodes to the first reward of the five
//! exploration agents for sizes up to 12 (dithering) and 30 (directed), 20 seeds each,
//! a budget of 20 000 episodes; the median per size, the censored runs, and the fitted
//! exponential rate and polynomial degree with 95% intervals.
//!
//! Rewrites the generated block `ch14-deep-sea-sweep` in `book/src/ch14-exploration.md`.
//! Deterministic for the fixed seeds. Run with
//! `cargo run --release --example ch14_deep_sea_sweep`.
//! The claim's test in `tests/ch14_exploration.rs` runs a shorter version.

use std::path::PathBuf;

use maxent_rl::{DeepSea, ExplorationConfig, Explorer, fit_growth, run_exploration};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

const SEEDS: u64 = 20;
const BUDGET: usize = 20_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dithering: Vec<usize> = (3..=12).collect();
    let directed: Vec<usize> = (4..=30).step_by(2).collect();
    let agents = [
        (
            "ε-greedy Q-learning (ε₀ = 1, k₀ = 500)",
            Explorer::EpsilonGreedy {
                epsilon0: 1.0,
                decay_episodes: 500.0,
            },
            &dithering,
        ),
        (
            "Boltzmann Q-learning (τ = 0.1)",
            Explorer::Boltzmann { temperature: 0.1 },
            &dithering,
        ),
        (
            "soft Q-learning (α = 0.1)",
            Explorer::SoftQ { alpha: 0.1 },
            &dithering,
        ),
        (
            "count bonus (β = 1)",
            Explorer::CountBonus { beta: 1.0 },
            &directed,
        ),
        (
            "randomised value (σ = 1)",
            Explorer::RandomisedValue { sigma: 1.0 },
            &directed,
        ),
    ];
    let mut table = String::from(
        "| Agent | $N$: median episodes to first reward (censored runs) | rate $b$ | degree $d$ |\n\
         |---|---|---|---|\n",
    );
    for (name, explorer, sizes) in agents {
        let (mut xs, mut ys, mut cells) = (Vec::new(), Vec::new(), Vec::new());
        for &n in sizes.iter() {
            let mdp = DeepSea::new(n).build()?;
            let mut ts = Vec::new();
            let mut censored = 0;
            for seed in 0..SEEDS {
                let mut rng = ChaCha8Rng::seed_from_u64(1000 * n as u64 + seed);
                let config = ExplorationConfig::new(explorer, BUDGET, n);
                let run = run_exploration(&mdp, &config, &mut rng)?;
                let t = run.first_reward_episode.unwrap_or_else(|| {
                    censored += 1;
                    BUDGET
                });
                ts.push(t);
                xs.push(n as f64);
                ys.push((t as f64).ln());
            }
            ts.sort_unstable();
            let median = (ts[ts.len() / 2 - 1] + ts[ts.len() / 2]) / 2;
            cells.push(if censored > 0 {
                format!("{n}: {median} ({censored})")
            } else {
                format!("{n}: {median}")
            });
            eprintln!("{name} N = {n}: median {median}, censored {censored}");
        }
        let ci = |x: &[f64]| -> Result<String, Box<dyn std::error::Error>> {
            let fit = fit_growth(x, &ys)?;
            let t = StudentsT::new(0.0, 1.0, (fit.points - 2) as f64)?.inverse_cdf(0.975);
            let h = t * fit.slope_std_error;
            Ok(format!(
                "{:.2} [{:.2}, {:.2}]",
                fit.slope,
                fit.slope - h,
                fit.slope + h
            ))
        };
        let ln_x: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
        table += &format!(
            "| {name} | {} | {} | {} |\n",
            cells.join(", "),
            ci(&xs)?,
            ci(&ln_x)?
        );
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("book/src/ch14-exploration.md");
    let text = std::fs::read_to_string(&path)?;
    let open = text
        .find("<!-- generated:ch14-deep-sea-sweep ")
        .ok_or("no marker")?;
    let body = open + text[open..].find("-->\n").ok_or("marker unclosed")? + 4;
    let end = body
        + text[body..]
            .find("<!-- /generated -->")
            .ok_or("no closing marker")?;
    let new = format!("{}{}{}", &text[..body], table, &text[end..]);
    std::fs::write(&path, new)?;
    println!("{table}");
    Ok(())
}
