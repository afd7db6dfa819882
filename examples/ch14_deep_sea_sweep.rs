//! Chapter 14's DeepSea sweep at full scale: episodes to the first reward of the eight
//! exploration agents for sizes up to 12 (per-step randomisation) and 30 (directed), 20
//! seeds each, a budget of 20 000 episodes; the median per size, the censored runs, and the
//! fitted exponential rate and polynomial degree with 95% intervals; the measured table of
//! alternatives; and the figure of episodes to first reward against `N`.
//!
//! Rewrites the generated blocks `ch14-deep-sea-sweep` and `ch14-alternatives` in
//! `book/src/ch14-exploration.md` and the figure `book/src/figures/ch14-deep-sea.svg`.
//! Deterministic for the fixed seeds, except the time-per-step column, which is wall-clock
//! time on whatever machine runs it. Run with
//! `cargo run --release --example ch14_deep_sea_sweep` (a few minutes on one core).
//! The claims' tests in `tests/ch14_exploration.rs` run shorter versions.

#[path = "../tests/common/figure_style.rs"]
mod figure_style;

use std::path::{Path, PathBuf};
use std::time::Instant;

use figure_style::{draw_legend, palette};
use maxent_rl::{DeepSea, ExplorationConfig, Explorer, fit_growth, run_exploration};
use plotters::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

const SEEDS: u64 = 20;
const BUDGET: usize = 20_000;

/// One agent of the sweep: its label, its explorer, its sizes, and its method as the table
/// of alternatives names it.
struct Agent {
    name: &'static str,
    explorer: Explorer,
    sizes: Vec<usize>,
    method: &'static str,
}

/// What the sweep measured for one agent.
struct Measured {
    /// (N, sorted episodes to first reward, censored runs entered at the budget).
    per_size: Vec<(usize, Vec<usize>)>,
    rate: String,
    degree: String,
    nanos_per_step: f64,
    /// Median over the seeds of the regret of `REGRET_EPISODES` episodes on DeepSea of each
    /// size in `REGRET_SIZES`.
    regret: Vec<f64>,
}

const REGRET_SIZES: [usize; 3] = [6, 10, 14];
const REGRET_EPISODES: usize = 1000;

/// The regret `Σ_k (V* − G_k)` of one run of `REGRET_EPISODES` episodes on DeepSea of size
/// `size`, `V* = 1 − 0.01` the return of the all-right path; the median over the seeds.
fn median_regret(explorer: Explorer, size: usize) -> Result<f64, Box<dyn std::error::Error>> {
    let mdp = DeepSea::new(size).build()?;
    let mut regrets = Vec::new();
    for seed in 0..SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(5000 + seed);
        let config =
            ExplorationConfig::new(explorer, REGRET_EPISODES, size).stop_at_first_reward(false);
        let run = run_exploration(&mdp, &config, &mut rng)?;
        regrets.push(run.returns.values.iter().map(|g| 0.99 - g).sum::<f64>());
    }
    regrets.sort_by(f64::total_cmp);
    Ok(0.5 * (regrets[regrets.len() / 2 - 1] + regrets[regrets.len() / 2]))
}

fn agents() -> Vec<Agent> {
    let dithering: Vec<usize> = (3..=12).collect();
    let directed: Vec<usize> = (4..=30).step_by(2).collect();
    vec![
        Agent {
            name: "ε-greedy Q-learning (ε₀ = 1, k₀ = 500)",
            explorer: Explorer::EpsilonGreedy {
                epsilon0: 1.0,
                decay_episodes: 500.0,
            },
            sizes: dithering.clone(),
            method: "ε-greedy",
        },
        Agent {
            name: "Boltzmann Q-learning (τ = 0.1)",
            explorer: Explorer::Boltzmann { temperature: 0.1 },
            sizes: dithering.clone(),
            method: "Boltzmann",
        },
        Agent {
            name: "soft Q-learning (α = 0.1)",
            explorer: Explorer::SoftQ { alpha: 0.1 },
            sizes: dithering.clone(),
            method: "soft Q-learning (maximum entropy)",
        },
        Agent {
            name: "policy gradient + entropy bonus (β = 0.1)",
            explorer: Explorer::EntropyPolicyGradient {
                entropy_bonus: 0.1,
                learning_rate: 0.5,
            },
            sizes: dithering.clone(),
            method: "entropy bonus (A3C)",
        },
        Agent {
            name: "PUCT, uniform prior (c = 1)",
            explorer: Explorer::Puct { c: 1.0 },
            sizes: dithering,
            method: "PUCT (AlphaZero)",
        },
        Agent {
            name: "curiosity, ε-greedy (η_c = 1, λ = 0.1)",
            explorer: Explorer::Curiosity {
                scale: 1.0,
                model_rate: 0.1,
                epsilon0: 1.0,
                decay_episodes: 500.0,
            },
            sizes: directed.clone(),
            method: "curiosity (ICM)",
        },
        Agent {
            name: "count bonus (β = 1)",
            explorer: Explorer::CountBonus { beta: 1.0 },
            sizes: directed.clone(),
            method: "count bonus (MBIE-EB)",
        },
        Agent {
            name: "randomised value (σ = 1)",
            explorer: Explorer::RandomisedValue { sigma: 1.0 },
            sizes: directed,
            method: "noise injection (RLSVI, NoisyNet's tabular analogue)",
        },
    ]
}

fn ci(x: &[f64], y: &[f64]) -> Result<String, Box<dyn std::error::Error>> {
    let fit = fit_growth(x, y)?;
    let t = StudentsT::new(0.0, 1.0, (fit.points - 2) as f64)?.inverse_cdf(0.975);
    let h = t * fit.slope_std_error;
    Ok(format!(
        "{:.2} [{:.2}, {:.2}]",
        fit.slope,
        fit.slope - h,
        fit.slope + h
    ))
}

fn measure(agent: &Agent) -> Result<Measured, Box<dyn std::error::Error>> {
    let (mut xs, mut ys, mut per_size) = (Vec::new(), Vec::new(), Vec::new());
    let (mut steps, start) = (0_usize, Instant::now());
    for &n in &agent.sizes {
        let mdp = DeepSea::new(n).build()?;
        let mut ts = Vec::new();
        for seed in 0..SEEDS {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 * n as u64 + seed);
            let config = ExplorationConfig::new(agent.explorer, BUDGET, n);
            let run = run_exploration(&mdp, &config, &mut rng)?;
            steps += run.steps;
            let t = run.first_reward_episode.unwrap_or(BUDGET + 1);
            ts.push(t);
            xs.push(n as f64);
            ys.push((t.min(BUDGET) as f64).ln());
        }
        ts.sort_unstable();
        eprintln!("{} N = {n}: {ts:?}", agent.name);
        per_size.push((n, ts));
    }
    let nanos_per_step = start.elapsed().as_nanos() as f64 / steps as f64;
    let ln_x: Vec<f64> = xs.iter().map(|x| x.ln()).collect();
    Ok(Measured {
        per_size,
        rate: ci(&xs, &ys)?,
        degree: ci(&ln_x, &ys)?,
        nanos_per_step,
        regret: REGRET_SIZES
            .iter()
            .map(|&n| median_regret(agent.explorer, n))
            .collect::<Result<_, _>>()?,
    })
}

/// Median of sorted run lengths, censored runs (`BUDGET + 1`) counting as the budget.
fn median(ts: &[usize]) -> usize {
    (ts[ts.len() / 2 - 1].min(BUDGET) + ts[ts.len() / 2].min(BUDGET)) / 2
}

fn censored(ts: &[usize]) -> usize {
    ts.iter().filter(|&&t| t > BUDGET).count()
}

fn sweep_table(agents: &[Agent], measured: &[Measured]) -> String {
    let mut table = String::from(
        "| Agent | $N$: median episodes to first reward (censored runs) | rate $b$ | degree $d$ |\n\
         |---|---|---|---|\n",
    );
    for (agent, m) in agents.iter().zip(measured) {
        let cells: Vec<String> = m
            .per_size
            .iter()
            .map(|(n, ts)| match censored(ts) {
                0 => format!("{n}: {}", median(ts)),
                c => format!("{n}: {} ({c})", median(ts)),
            })
            .collect();
        table += &format!(
            "| {} | {} | {} | {} |\n",
            agent.name,
            cells.join(", "),
            m.rate,
            m.degree
        );
    }
    table
}

fn alternatives_table(agents: &[Agent], measured: &[Measured]) -> String {
    let mut table = String::from(
        "| Method | Median episodes, $N = 8$ / $12$ | Every seed solved up to $N =$ | \
         Rate $b$ | Regret of 1000 episodes, $N = 6$ / $10$ / $14$ | Time per step |\n\
         |---|---|---|---|---|---|\n",
    );
    for (agent, m) in agents.iter().zip(measured) {
        let at = |n: usize| {
            m.per_size
                .iter()
                .find(|(k, _)| *k == n)
                .map_or("—".to_string(), |(_, ts)| match censored(ts) {
                    0 => median(ts).to_string(),
                    c if c * 2 >= ts.len() => "> budget".to_string(),
                    c => format!("{} ({c} cens.)", median(ts)),
                })
        };
        let solved_sizes = m
            .per_size
            .iter()
            .take_while(|(_, ts)| censored(ts) == 0)
            .count();
        let solved = match solved_sizes {
            0 => "—".to_string(),
            k if k == m.per_size.len() => format!("{} (all sizes run)", m.per_size[k - 1].0),
            k => m.per_size[k - 1].0.to_string(),
        };
        table += &format!(
            "| {} | {} / {} | {solved} | {} | {:.0} / {:.0} / {:.0} | {:.0} ns |\n",
            agent.method,
            at(8),
            at(12),
            m.rate.split(' ').next().unwrap_or(""),
            m.regret[0],
            m.regret[1],
            m.regret[2],
            m.nanos_per_step,
        );
    }
    table
}

fn figure(agents: &[Agent], measured: &[Measured]) -> String {
    let colour = |i: usize| match i {
        6 => RGBColor(0, 0, 0),
        7 => RGBColor(117, 112, 179),
        _ => palette(i),
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (900, 560)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "DeepSea: episodes to the first reward (median, interquartile band)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(64)
            .build_cartesian_2d(2.0..31.0f64, (1.0..60_000.0f64).log_scale())
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("DeepSea size N")
            .y_desc("episodes to first reward")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()
            .unwrap();
        chart
            .draw_series(DashedLineSeries::new(
                vec![(2.0, BUDGET as f64), (31.0, BUDGET as f64)],
                6,
                4,
                BLACK.stroke_width(1),
            ))
            .unwrap()
            .label("budget: censored runs drawn here")
            .legend(|(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(0, 0), (6, 0)], BLACK.stroke_width(1))
                    + PathElement::new(vec![(10, 0), (16, 0)], BLACK.stroke_width(1))
            });
        for (i, (agent, m)) in agents.iter().zip(measured).enumerate() {
            let c = colour(i);
            let q = |ts: &[usize], f: f64| {
                ts[((ts.len() - 1) as f64 * f).round() as usize].min(BUDGET) as f64
            };
            let mut band: Vec<(f64, f64)> = m
                .per_size
                .iter()
                .map(|(n, ts)| (*n as f64, q(ts, 0.75)))
                .collect();
            band.extend(
                m.per_size
                    .iter()
                    .rev()
                    .map(|(n, ts)| (*n as f64, q(ts, 0.25))),
            );
            chart
                .draw_series(std::iter::once(Polygon::new(band, c.mix(0.18).filled())))
                .unwrap();
            chart
                .draw_series(LineSeries::new(
                    m.per_size
                        .iter()
                        .map(|(n, ts)| (*n as f64, median(ts) as f64)),
                    c.stroke_width(2),
                ))
                .unwrap()
                .label(agent.name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
                });
            chart
                .draw_series(
                    m.per_size
                        .iter()
                        .map(|(n, ts)| Circle::new((*n as f64, median(ts) as f64), 3, c.filled())),
                )
                .unwrap();
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight);
        root.present().unwrap();
    }
    out
}

fn replace_block(text: &str, name: &str, body: &str) -> Result<String, Box<dyn std::error::Error>> {
    let open = text
        .find(&format!("<!-- generated:{name} "))
        .ok_or("no marker")?;
    let start = open + text[open..].find("-->\n").ok_or("marker unclosed")? + 4;
    let end = start
        + text[start..]
            .find("<!-- /generated -->")
            .ok_or("no closing marker")?;
    Ok(format!("{}{}{}", &text[..start], body, &text[end..]))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let agents = agents();
    let measured = agents.iter().map(measure).collect::<Result<Vec<_>, _>>()?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let path = root.join("book/src/ch14-exploration.md");
    let mut text = std::fs::read_to_string(&path)?;
    let sweep = sweep_table(&agents, &measured);
    let alternatives = alternatives_table(&agents, &measured);
    text = replace_block(&text, "ch14-deep-sea-sweep", &sweep)?;
    text = replace_block(&text, "ch14-alternatives", &alternatives)?;
    std::fs::write(&path, text)?;
    std::fs::write(
        root.join(Path::new("book/src/figures/ch14-deep-sea.svg")),
        figure(&agents, &measured),
    )?;
    println!("{sweep}\n{alternatives}");
    Ok(())
}
