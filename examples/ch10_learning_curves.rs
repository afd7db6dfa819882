//! Chapter 10's learning curves at full scale: soft Q-learning, soft policy-gradient ascent
//! (exact and sampled), PCL and discrete SAC, each as a distance to the exact soft optimum
//! over 16 seeds (median line, min–max band shaded); and the fixed points of the soft and
//! the A2C-bonus gradients on the two-branch MDP of Claim 10.3.
//!
//! Writes `book/src/figures/ch10-learning-curves.svg` and `book/src/figures/ch10-myopic.svg`.
//! Deterministic for the fixed seeds. Run with
//! `cargo run --release --example ch10_learning_curves` (about half a minute on one core).
//! The claims' tests in `tests/ch10_learning_from_samples.rs` run shorter versions.

use std::path::PathBuf;

use maxent_rl::{
    DiscreteSac, DiscreteSacConfig, Gridworld, Mdp, Pcl, SacTables, SoftQLearning,
    SoftValueIteration, TabularPolicy, a2c_bonus_gradient, garnet, reinforce_soft_gradient,
    soft_policy_evaluation, soft_policy_gradient, softmax_policy,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SEEDS: u64 = 16;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn palette(i: usize) -> RGBColor {
    // Colour-blind-safe (Okabe & Ito 2008), as in tests/figures.rs.
    [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
    ][i % 4]
}

fn sup(x: &[f64], y: &[f64]) -> f64 {
    x.iter()
        .zip(y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

/// `max_s KL(π(·|s) ‖ π*(·|s))` over non-terminal states, from log-probabilities.
fn max_kl(mdp: &Mdp, log_pi: impl Fn(usize) -> Vec<f64>, star: &TabularPolicy) -> f64 {
    (0..mdp.num_states())
        .filter(|&s| !mdp.is_terminal(s))
        .map(|s| {
            log_pi(s)
                .iter()
                .zip(star.action_log_probs(s))
                .map(|(l, ls)| l.exp() * (l - ls))
                .sum::<f64>()
        })
        .fold(0.0, f64::max)
}

/// A labelled family of curves over seeds, all on the same x grid.
struct Family {
    label: String,
    x: Vec<f64>,
    runs: Vec<Vec<f64>>,
}

impl Family {
    /// (x, median, min, max) at each grid point, keeping only positive x.
    fn summary(&self) -> Vec<(f64, f64, f64, f64)> {
        (0..self.x.len())
            .filter(|&i| self.x[i] > 0.0)
            .map(|i| {
                let mut v: Vec<f64> = self.runs.iter().map(|r| r[i].max(1e-17)).collect();
                v.sort_by(f64::total_cmp);
                let n = v.len();
                let median = if n % 2 == 1 {
                    v[n / 2]
                } else {
                    (v[n / 2 - 1] * v[n / 2]).sqrt()
                };
                (self.x[i], median, v[0], v[n - 1])
            })
            .collect()
    }
}

fn panel(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    x_range: (f64, f64),
    y_range: (f64, f64),
    families: &[Family],
) {
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 17))
        .margin(10)
        .x_label_area_size(38)
        .y_label_area_size(62)
        .build_cartesian_2d(
            (x_range.0..x_range.1).log_scale(),
            (y_range.0..y_range.1).log_scale(),
        )
        .unwrap();
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|x| format!("{x:.0e}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .label_style(("sans-serif", 13))
        .draw()
        .unwrap();
    for (i, f) in families.iter().enumerate() {
        let color = palette(i);
        let s = f.summary();
        let clamp = |y: f64| y.clamp(y_range.0, y_range.1);
        let mut band: Vec<(f64, f64)> = s.iter().map(|p| (p.0, clamp(p.3))).collect();
        band.extend(s.iter().rev().map(|p| (p.0, clamp(p.2))));
        chart
            .draw_series(std::iter::once(Polygon::new(band, color.mix(0.2).filled())))
            .unwrap();
        chart
            .draw_series(LineSeries::new(
                s.iter().map(|p| (p.0, clamp(p.1))),
                color.stroke_width(2),
            ))
            .unwrap()
            .label(f.label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .label_font(("sans-serif", 13))
        .position(SeriesLabelPosition::LowerLeft)
        .draw()
        .unwrap();
}

fn open_start(mdp: Mdp) -> Mdp {
    let n = mdp.num_states();
    let open = (0..n).filter(|&s| !mdp.is_terminal(s)).count() as f64;
    let d0: Vec<f64> = (0..n)
        .map(|s| if mdp.is_terminal(s) { 0.0 } else { 1.0 / open })
        .collect();
    mdp.with_initial_distribution(d0).unwrap()
}

fn soft_q_learning_family(name: &str, mdp: &Mdp, alpha: f64) -> Family {
    let exact = SoftValueIteration::new(alpha)
        .tolerance(1e-12)
        .run(mdp)
        .unwrap();
    let mu = TabularPolicy::uniform(mdp.num_states(), mdp.num_actions()).unwrap();
    let steps = 1_000_000;
    let mut f = Family {
        label: name.to_string(),
        x: Vec::new(),
        runs: Vec::new(),
    };
    for seed in 0..SEEDS {
        let run = SoftQLearning::new(alpha)
            .steps(steps)
            .step_size_exponent(0.6)
            .max_episode_length(100)
            .record_every(1000)
            .run(mdp, &mu, &mut ChaCha8Rng::seed_from_u64(1000 + seed), |q| {
                sup(q, &exact.q_values)
            })
            .unwrap();
        f.x = run.curve.steps.iter().map(|&s| s as f64).collect();
        f.runs.push(run.curve.values);
    }
    f
}

fn pg_families(mdp: &Mdp, alpha: f64) -> Vec<Family> {
    let star = SoftValueIteration::new(alpha)
        .tolerance(1e-12)
        .run(mdp)
        .unwrap()
        .policy()
        .unwrap();
    let a = mdp.num_actions();
    let kl = |z: &[f64]| {
        let pi = softmax_policy(z, a).unwrap();
        max_kl(mdp, |s| pi.action_log_probs(s).to_vec(), &star)
    };
    let iterations = 2000;
    let eta = 0.5;
    // Exact ascent: one curve (no randomness), repeated so that it draws as a line.
    let mut z = vec![0.0; mdp.num_states() * a];
    let mut exact = vec![kl(&z)];
    for _ in 0..iterations {
        let g = soft_policy_gradient(mdp, &z, alpha).unwrap().gradient;
        z.iter_mut().zip(&g).for_each(|(zi, gi)| *zi += eta * gi);
        exact.push(kl(&z));
    }
    let x: Vec<f64> = (0..=iterations).map(|i| i as f64).collect();
    // The sampled ascent needs Robbins–Monro steps η_k = η (1 + k/50)^(−0.7): with a
    // constant step the noise of the estimate keeps the policy wandering.
    let mut sampled = Family {
        label: "REINFORCE, soft return (20 episodes/step, η ∝ k^−0.7)".into(),
        x: x.clone(),
        runs: Vec::new(),
    };
    for seed in 0..SEEDS {
        let mut rng = ChaCha8Rng::seed_from_u64(2000 + seed);
        let mut z = vec![0.0; mdp.num_states() * a];
        let mut curve = vec![kl(&z)];
        for k in 0..iterations {
            let g = reinforce_soft_gradient(mdp, &z, alpha, 20, 60, None, &mut rng)
                .unwrap()
                .mean;
            let eta_k = eta * (1.0 + k as f64 / 50.0).powf(-0.7);
            z.iter_mut().zip(&g).for_each(|(zi, gi)| *zi += eta_k * gi);
            curve.push(kl(&z));
        }
        sampled.runs.push(curve);
    }
    vec![
        Family {
            label: "exact soft policy gradient".into(),
            x,
            runs: vec![exact],
        },
        sampled,
    ]
}

fn pcl_family(alpha: f64) -> Family {
    let mdp = open_start(Gridworld::new(4, 3).walls(&[(1, 1)]).build(0.9).unwrap());
    let exact = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap();
    let star = exact.policy().unwrap();
    let mut f = Family {
        label: "PCL, deterministic 4×3 grid".into(),
        x: Vec::new(),
        runs: Vec::new(),
    };
    for seed in 0..SEEDS {
        let run = Pcl::new(alpha)
            .episodes(3000)
            .record_every(10)
            .run(&mdp, &mut ChaCha8Rng::seed_from_u64(3000 + seed), |t| {
                max_kl(&mdp, |s| t.log_pi[s * 4..(s + 1) * 4].to_vec(), &star)
            })
            .unwrap();
        f.x = run.curve.steps.iter().map(|&s| s as f64).collect();
        f.runs.push(run.curve.values);
    }
    f
}

fn sac_family(label: &str, slip: f64, alpha: f64) -> Family {
    let mdp = open_start(Gridworld::new(3, 3).slip(slip).build(0.8).unwrap());
    let star = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap()
        .policy()
        .unwrap();
    let mut f = Family {
        label: label.into(),
        x: Vec::new(),
        runs: Vec::new(),
    };
    for seed in 0..SEEDS {
        let mut config = DiscreteSacConfig::new(4, 40_000).with_fixed_alpha(alpha);
        config.record_every = 100;
        let run = DiscreteSac::new(config)
            .run(
                &mdp,
                &mut ChaCha8Rng::seed_from_u64(4000 + seed),
                |t: &SacTables| max_kl(&mdp, |s| t.log_policy(s), &star),
            )
            .unwrap();
        f.x = run.curve.steps.iter().map(|&s| s as f64).collect();
        f.runs.push(run.curve.values);
    }
    f
}

fn learning_curves() -> String {
    let alpha = 0.5;
    let mut rng = ChaCha8Rng::seed_from_u64(10);
    let g = garnet(8, 3, 3, 0.8, &mut rng).unwrap();
    let grid = open_start(Gridworld::new(3, 3).slip(0.1).build(0.8).unwrap());
    let sql = vec![
        soft_q_learning_family("8-state Garnet", &g, alpha),
        soft_q_learning_family("3×3 gridworld, slip 0.1", &grid, alpha),
    ];
    let pg = pg_families(&g, alpha);
    let pcl = vec![pcl_family(alpha)];
    let sac = vec![
        sac_family("deterministic 3×3 grid", 0.0, alpha),
        sac_family("3×3 grid, slip 0.2", 0.2, alpha),
    ];
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (1000, 760)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let panels = root.split_evenly((2, 2));
        panel(
            &panels[0],
            "Soft Q-learning, ω = 0.6",
            "updates",
            "‖Q − Q*‖∞",
            (1e3, 1e6),
            (1e-3, 10.0),
            &sql,
        );
        panel(
            &panels[1],
            "Soft policy-gradient ascent (Garnet)",
            "gradient steps",
            "max_s KL(π ‖ π*)",
            (1.0, 2000.0),
            (1e-12, 1.0),
            &pg,
        );
        panel(
            &panels[2],
            "Path consistency learning",
            "episodes",
            "max_s KL(π ‖ π*)",
            (10.0, 3000.0),
            (1e-17, 1.0),
            &pcl,
        );
        panel(
            &panels[3],
            "Discrete SAC, fixed α",
            "environment steps",
            "max_s KL(π ‖ π*)",
            (100.0, 40_000.0),
            (1e-17, 1.0),
            &sac,
        );
        root.present().unwrap();
    }
    out
}

/// A panel of the myopic figure: title, y label, y range, which trace column, the exact
/// optimum and its label.
type PanelSpec<'a> = (&'a str, &'a str, (f64, f64), usize, f64, &'a str);

/// Constants of Claim 10.3's MDP: discount, temperature, δ, c.
const MYOPIC: (f64, f64, f64, f64) = (0.9, 0.5, 0.2, 1.5);

fn myopic_mdp() -> Mdp {
    let (gamma, _, delta, c) = MYOPIC;
    let p = vec![
        vec![(1, 1.0)],
        vec![(2, 1.0)],
        vec![(3, 1.0)],
        vec![(3, 1.0)],
        vec![(3, 1.0)],
        vec![(3, 1.0)],
        vec![(3, 1.0)],
        vec![(3, 1.0)],
    ];
    let r = vec![0.0, 0.0, -delta, -delta, 0.0, -c, 0.0, 0.0];
    Mdp::new(4, 2, &p, r, gamma)
        .unwrap()
        .with_terminal_states(&[3])
        .unwrap()
        .with_initial_state(0)
        .unwrap()
}

fn myopic() -> String {
    let (_, alpha, _, _) = MYOPIC;
    let mdp = myopic_mdp();
    let iterations = 300;
    let trace = |grad: &dyn Fn(&[f64]) -> Vec<f64>| {
        let mut z = vec![0.0; 8];
        let mut out = Vec::new();
        for i in 0..=iterations {
            let pi = softmax_policy(&z, 2).unwrap();
            out.push((
                i as f64,
                pi.prob(0, 0),
                soft_policy_evaluation(&mdp, &pi, alpha).unwrap()[0],
            ));
            let g = grad(&z);
            z.iter_mut().zip(&g).for_each(|(zi, gi)| *zi += 2.0 * gi);
        }
        out
    };
    let soft = trace(&|z| soft_policy_gradient(&mdp, z, alpha).unwrap().gradient);
    let a2c = trace(&|z| a2c_bonus_gradient(&mdp, z, alpha).unwrap().gradient);
    let star = SoftValueIteration::new(alpha)
        .tolerance(1e-13)
        .run(&mdp)
        .unwrap();
    let p_star = star.policy().unwrap().prob(0, 0);
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (960, 380)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let panels = root.split_evenly((1, 2));
        let specs: [PanelSpec; 2] = [
            (
                "π(free | start) during gradient ascent",
                "π(free | start)",
                (0.4, 0.65),
                1,
                p_star,
                "π* (soft value iteration)",
            ),
            (
                "Soft objective J_α during gradient ascent",
                "J_α",
                (0.40, 0.43),
                2,
                star.values[0],
                "J_α(π*) = V*(start)",
            ),
        ];
        for (area, (title, y_desc, (lo, hi), k, optimum, opt_label)) in panels.iter().zip(specs) {
            let mut chart = ChartBuilder::on(area)
                .caption(title, ("sans-serif", 17))
                .margin(10)
                .x_label_area_size(38)
                .y_label_area_size(62)
                .build_cartesian_2d(0.0..iterations as f64, lo..hi)
                .unwrap();
            chart
                .configure_mesh()
                .x_desc("gradient steps")
                .y_desc(y_desc)
                .label_style(("sans-serif", 13))
                .draw()
                .unwrap();
            chart
                .draw_series(LineSeries::new(
                    vec![(0.0, optimum), (iterations as f64, optimum)],
                    BLACK.stroke_width(1),
                ))
                .unwrap()
                .label(opt_label)
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(1))
                });
            for (i, (label, t)) in [("soft policy gradient", &soft), ("A2C entropy bonus", &a2c)]
                .iter()
                .enumerate()
            {
                let color = palette(i);
                chart
                    .draw_series(LineSeries::new(
                        t.iter().map(|p| (p.0, if k == 1 { p.1 } else { p.2 })),
                        color.stroke_width(2),
                    ))
                    .unwrap()
                    .label(*label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                    });
            }
            chart
                .configure_series_labels()
                .border_style(BLACK)
                .background_style(WHITE.mix(0.9))
                .label_font(("sans-serif", 13))
                .position(if k == 1 {
                    SeriesLabelPosition::MiddleRight
                } else {
                    SeriesLabelPosition::LowerRight
                })
                .draw()
                .unwrap();
        }
        root.present().unwrap();
    }
    out
}

fn main() {
    let figures = repo_root().join("book/src/figures");
    std::fs::write(figures.join("ch10-myopic.svg"), myopic()).unwrap();
    std::fs::write(figures.join("ch10-learning-curves.svg"), learning_curves()).unwrap();
    println!("wrote book/src/figures/ch10-myopic.svg and ch10-learning-curves.svg");
}
