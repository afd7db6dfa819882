//! Every figure in the book, drawn from the library. The committed SVGs must equal what
//! this code draws; regenerate them all with `MAXENT_BLESS=1 cargo test --test figures`.

#[path = "common/ch07_bandit.rs"]
mod ch07_bandit;
mod common;
#[path = "common/figure_style.rs"]
mod figure_style;

use std::path::Path;

use common::check_generated_file;
use figure_style::{draw_legend, palette};
use maxent_rl::{TanhGaussian, log_one_minus_tanh_sq};
use plotters::prelude::*;

const SIZE: (u32, u32) = (720, 440);

/// Draws into an SVG string.
fn svg(draw: impl FnOnce(DrawingArea<SVGBackend<'_>, plotters::coord::Shift>)) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        root.fill(&WHITE).unwrap();
        draw(root.clone());
        root.present().unwrap();
    }
    out
}

#[test]
fn figure_ch01_tanh_jacobian() {
    let out = svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "ln(1 − tanh² u): exact vs naive vs +1e-6",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..25.0f64, -50.0..2.0f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("u")
            .y_desc("log-Jacobian (nats)")
            .draw()
            .unwrap();
        let us: Vec<f64> = (0..=500).map(|k| k as f64 * 0.05).collect();
        type Curve = (&'static str, fn(f64) -> f64);
        let series: [Curve; 3] = [
            ("exact: 2(ln 2 − u − softplus(−2u))", log_one_minus_tanh_sq),
            ("naive: ln(1 − tanh² u)", |u| {
                (1.0 - u.tanh().powi(2)).ln()
            }),
            ("ln(1 − tanh² u + 1e-6)", |u| {
                (1.0 - u.tanh().powi(2) + 1e-6).ln()
            }),
        ];
        for (i, (label, f)) in series.iter().enumerate() {
            let color = palette(i);
            let points: Vec<(f64, f64)> = us
                .iter()
                .map(|&u| (u, f(u)))
                .filter(|(_, y)| y.is_finite() && *y >= -50.0)
                .collect();
            // The exact curve is drawn wide underneath, so the naive one stays visible on it.
            let width = if i == 0 { 5 } else { 2 };
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(width)))
                .unwrap()
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::LowerLeft);
    });
    check_generated_file(
        Path::new("book/src/figures/ch01-tanh-jacobian.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch01_squashed_density() {
    let out = svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .caption("Density of a = tanh(u), u ~ N(0, σ²)", ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(-1.0..1.0f64, 0.0..2.5f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("a")
            .y_desc("π(a)")
            .draw()
            .unwrap();
        for (i, sigma) in [0.3, 0.8, 1.5, 3.0f64].into_iter().enumerate() {
            let policy = TanhGaussian::new(vec![0.0], vec![sigma.ln()]).unwrap();
            let color = palette(i);
            let points: Vec<(f64, f64)> = (1..2000)
                .map(|k| -1.0 + k as f64 / 1000.0)
                .map(|a| (a, policy.log_prob(&[a]).unwrap().exp().min(2.5)))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .unwrap()
                .label(format!("σ = {sigma}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperMiddle);
    });
    check_generated_file(
        Path::new("book/src/figures/ch01-squashed-density.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch07_temperature() {
    use maxent_rl::experiments::run_temperature_bandit;
    use rand::SeedableRng;
    let runs: Vec<_> = ch07_bandit::runs()
        .into_iter()
        .map(|(label, config)| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(ch07_bandit::SEED);
            (
                label,
                config.temperature.target_entropy,
                run_temperature_bandit(&config, &mut rng).unwrap(),
            )
        })
        .collect();
    let steps = runs[0].2.trace.last().unwrap().step as f64;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (720, 720)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let (top, bottom) = root.split_vertically(360);
        let mut chart = ChartBuilder::on(&top)
            .caption("Temperature: log₁₀ α over training", ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..steps, -3.0..0.5f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("update")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("log₁₀ α")
            .draw()
            .unwrap();
        for (i, (label, _, run)) in runs.iter().enumerate() {
            let color = palette(i);
            let points: Vec<(f64, f64)> = run
                .trace
                .iter()
                .map(|t| (t.step as f64, t.alpha.log10()))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .unwrap()
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight);

        let mut chart = ChartBuilder::on(&bottom)
            .caption(
                "Policy entropy (Monte-Carlo ± 2 SE) and the target",
                ("sans-serif", 18),
            )
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..steps, -3.0..1.0f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("update")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_desc("H(π) (nats)")
            .draw()
            .unwrap();
        let target = runs[0].1;
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, target), (steps, target)],
                BLACK.stroke_width(1),
            ))
            .unwrap()
            .label(format!("target H̄ = {target}"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(1)));
        for (i, (_, _, run)) in runs.iter().enumerate() {
            let color = palette(i);
            let points: Vec<(f64, f64)> = run
                .trace
                .iter()
                .map(|t| (t.step as f64, t.entropy.mean))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .unwrap();
            chart
                .draw_series(run.trace.iter().map(|t| {
                    let (x, m, e) = (t.step as f64, t.entropy.mean, 2.0 * t.entropy.std_error);
                    PathElement::new(vec![(x, m - e), (x, m + e)], color.stroke_width(1))
                }))
                .unwrap();
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight);
        root.present().unwrap();
    }
    check_generated_file(
        Path::new("book/src/figures/ch07-temperature.svg"),
        out.as_bytes(),
    );
}

// ------------------------------------------------------------- chapters 5 and 6

/// The gridworld of chapters 5 and 6: 8 × 6, a wall with a gap, slip 0.1, step reward −1,
/// goal reward 10 on arrival, γ = 0.95.
fn figure_gridworld() -> maxent_rl::Gridworld {
    maxent_rl::Gridworld::new(8, 6)
        .walls(&[(3, 0), (3, 1), (3, 2), (3, 3), (5, 5), (5, 4), (5, 3)])
        .goal(7, 0)
        .start(0, 5)
        .slip(0.1)
        .goal_reward(10.0)
}

#[test]
fn figure_ch05_gridworld_boltzmann_policies() {
    use maxent_rl::SoftValueIteration;
    let grid = figure_gridworld();
    let mdp = grid.build(0.95).unwrap();
    let alphas = [0.05, 0.3, 1.0, 3.0];
    let out = {
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (720, 600)).into_drawing_area();
            root.fill(&WHITE).unwrap();
            let panels = root.split_evenly((2, 2));
            for (panel, &alpha) in panels.iter().zip(&alphas) {
                let sol = SoftValueIteration::new(alpha)
                    .tolerance(1e-9)
                    .run(&mdp)
                    .unwrap();
                let pi = sol.policy().unwrap();
                let open: Vec<usize> = (0..mdp.num_states())
                    .filter(|&s| !mdp.is_terminal(s))
                    .collect();
                let lo = open
                    .iter()
                    .map(|&s| sol.values[s])
                    .fold(f64::INFINITY, f64::min);
                let hi = open
                    .iter()
                    .map(|&s| sol.values[s])
                    .fold(f64::NEG_INFINITY, f64::max);
                let (w, h) = (grid.width() as f64, grid.height() as f64);
                let mut chart = ChartBuilder::on(panel)
                    .caption(
                        format!("α = {alpha}: V* from {lo:.1} to {hi:.1}"),
                        ("sans-serif", 20),
                    )
                    .margin(8)
                    .build_cartesian_2d(0.0..w, h..0.0)
                    .unwrap();
                for s in 0..mdp.num_states() {
                    let (x, y) = grid.cell(s);
                    let (x, y) = (x as f64, y as f64);
                    let fill = if grid.is_wall(x as usize, y as usize) {
                        RGBColor(60, 60, 60)
                    } else if mdp.is_terminal(s) {
                        palette(2)
                    } else {
                        // White (lowest) to blue (highest soft value) within the panel.
                        let t = if hi > lo {
                            (sol.values[s] - lo) / (hi - lo)
                        } else {
                            1.0
                        };
                        let mix = |c: u8| (255.0 - t * (255.0 - c as f64)).round() as u8;
                        RGBColor(mix(0), mix(114), mix(178))
                    };
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x, y), (x + 1.0, y + 1.0)],
                            fill.filled(),
                        )))
                        .unwrap();
                    if mdp.is_terminal(s) {
                        continue;
                    }
                    // One segment per action from the dot at the centre, length ∝ π(a|s).
                    let (cx, cy) = (x + 0.5, y + 0.5);
                    chart
                        .draw_series(std::iter::once(Circle::new((cx, cy), 2, BLACK.filled())))
                        .unwrap();
                    let dirs = [(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)];
                    for (a, (dx, dy)) in dirs.iter().enumerate() {
                        let len = 0.45 * pi.prob(s, a);
                        chart
                            .draw_series(std::iter::once(PathElement::new(
                                vec![(cx, cy), (cx + dx * len, cy + dy * len)],
                                BLACK.stroke_width(2),
                            )))
                            .unwrap();
                    }
                }
            }
            root.present().unwrap();
        }
        out
    };
    check_generated_file(
        Path::new("book/src/figures/ch05-gridworld-boltzmann.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch06_soft_value_iteration_error() {
    use maxent_rl::{SoftPolicyIteration, soft_bellman_backup};
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(6);
    let grid_mdp = figure_gridworld().build(0.95).unwrap();
    let garnet = maxent_rl::garnet(50, 4, 5, 0.95, &mut rng).unwrap();
    let alpha = 0.3;
    const ITERATIONS: usize = 650;
    let out = svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Soft value iteration, α = 0.3, γ = 0.95: error against iteration",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..ITERATIONS as f64, (1e-13..1e3f64).log_scale())
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("iteration k")
            .y_desc("‖V_k − V*‖∞")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()
            .unwrap();
        for (i, (name, mdp)) in [("gridworld 8×6", &grid_mdp), ("Garnet(50, 4, 5)", &garnet)]
            .into_iter()
            .enumerate()
        {
            let reference = SoftPolicyIteration::new(alpha)
                .tolerance(1e-12)
                .run(mdp)
                .unwrap()
                .values;
            let mut v = vec![0.0; mdp.num_states()];
            let mut next = v.clone();
            let (mut errors, mut bounds) = (Vec::new(), Vec::new());
            let dist = |x: &[f64], y: &[f64]| {
                x.iter()
                    .zip(y)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0, f64::max)
            };
            let e0 = dist(&v, &reference);
            for k in 1..=ITERATIONS {
                soft_bellman_backup(mdp, alpha, &v, &mut next).unwrap();
                let change = dist(&v, &next);
                std::mem::swap(&mut v, &mut next);
                let e = dist(&v, &reference);
                if e > 1e-13 {
                    errors.push((k as f64, e));
                }
                let b = 0.95 / 0.05 * change;
                if b > 1e-13 {
                    bounds.push((k as f64, b));
                }
            }
            let rate: Vec<(f64, f64)> = (0..=ITERATIONS)
                .map(|k| (k as f64, e0 * 0.95f64.powi(k as i32)))
                .filter(|p| p.1 > 1e-13)
                .collect();
            // The prose under the figure. Garnet: the error falls at the rate γ^k (the
            // ratio of errors 100 iterations apart is γ^100 within 10 %) and the bound lies
            // on top of it (within a factor 2 at k = 200). Gridworld: far faster than γ^k
            // (below 1e-10 at k = 100, where γ^k e_0 is still above 1e-3).
            let at =
                |pts: &[(f64, f64)], k: usize| pts.iter().find(|p| p.0 == k as f64).map(|p| p.1);
            if i == 1 {
                let (e200, e300) = (at(&errors, 200).unwrap(), at(&errors, 300).unwrap());
                let ratio = e300 / e200 / 0.95f64.powi(100);
                assert!((ratio - 1.0).abs() < 0.1, "Garnet rate: {ratio}");
                let b200 = at(&bounds, 200).unwrap();
                assert!(b200 >= e200 && b200 <= 2.0 * e200, "{b200} vs {e200}");
            } else {
                assert!(at(&errors, 100).is_none_or(|e| e < 1e-10));
                assert!(e0 * 0.95f64.powi(100) > 1e-3);
            }
            let c = palette(i);
            chart
                .draw_series(LineSeries::new(errors, c.stroke_width(4)))
                .unwrap()
                .label(format!("{name}: error ‖V_k − V*‖"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(4))
                });
            // The two bounds are told apart by their dash pattern (solid for the first MDP,
            // dotted for the second), both black so that they read as "bound".
            let label = format!("{name}: certified bound γ/(1−γ)·‖V_k − V_(k−1)‖");
            if i == 0 {
                chart
                    .draw_series(LineSeries::new(bounds, BLACK.stroke_width(1)))
                    .unwrap()
                    .label(label)
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(1))
                    });
            } else {
                chart
                    .draw_series(DashedLineSeries::new(bounds, 2, 3, BLACK.stroke_width(2)))
                    .unwrap()
                    .label(label)
                    .legend(move |(x, y)| {
                        EmptyElement::at((x, y))
                            + PathElement::new(vec![(0, 0), (3, 0)], BLACK.stroke_width(2))
                            + PathElement::new(vec![(6, 0), (9, 0)], BLACK.stroke_width(2))
                            + PathElement::new(vec![(12, 0), (15, 0)], BLACK.stroke_width(2))
                    });
            }
            chart
                .draw_series(DashedLineSeries::new(rate, 6, 4, c.stroke_width(2)))
                .unwrap()
                .label(format!("{name}: γ^k ‖V_0 − V*‖"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 6, y)], c.stroke_width(2))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight);
    });
    check_generated_file(
        Path::new("book/src/figures/ch06-soft-vi-error.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch06_soft_minus_hard_value() {
    use maxent_rl::{SoftValueIteration, value_iteration};
    let grid = figure_gridworld();
    let mdp = grid.build(0.95).unwrap();
    let hard = value_iteration(&mdp, 1e-12, 100_000).unwrap();
    let s0 = grid.state(0, 5);
    let bound_factor = 4f64.ln() / 0.05;
    let alphas: Vec<f64> = (0..=40)
        .map(|i| 10f64.powf(-3.0 + i as f64 * 0.1))
        .collect();
    let (mut at_start, mut worst) = (Vec::new(), Vec::new());
    for &alpha in &alphas {
        let soft = SoftValueIteration::new(alpha)
            .tolerance(1e-11)
            .run(&mdp)
            .unwrap();
        at_start.push((alpha, soft.values[s0] - hard.values[s0]));
        let max_gap = soft
            .values
            .iter()
            .zip(&hard.values)
            .map(|(a, b)| a - b)
            .fold(0.0, f64::max);
        worst.push((alpha, max_gap));
    }
    // The prose beside the figure: the largest gap approaches the bound at large α (at
    // least half of it at α = 10) and stays an order of magnitude below it at small α
    // (below a tenth of it for α ≤ 0.01).
    for (&alpha, &(_, gap)) in alphas.iter().zip(&worst) {
        let bound = alpha * bound_factor;
        if alpha >= 9.99 {
            assert!(gap >= 0.5 * bound, "α = {alpha}: {gap} vs {bound}");
        }
        if alpha <= 0.0101 {
            assert!(gap <= 0.1 * bound, "α = {alpha}: {gap} vs {bound}");
        }
    }
    let out = svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "V*_soft − V*_hard on the gridworld, against α",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d((1e-3..10.0f64).log_scale(), (1e-4..1e3f64).log_scale())
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("α")
            .y_desc("soft − hard value")
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()
            .unwrap();
        let bound: Vec<(f64, f64)> = alphas.iter().map(|&a| (a, a * bound_factor)).collect();
        let series = [
            ("bound α ln A / (1 − γ)", bound, 1),
            ("max over states", worst, 3),
            ("at the start cell", at_start, 3),
        ];
        for (i, (label, points, width)) in series.into_iter().enumerate() {
            let c = palette(i);
            let points: Vec<(f64, f64)> = points.into_iter().filter(|p| p.1 > 1e-4).collect();
            chart
                .draw_series(LineSeries::new(points, c.stroke_width(width)))
                .unwrap()
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(width))
                });
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft);
    });
    check_generated_file(
        Path::new("book/src/figures/ch06-soft-minus-hard.svg"),
        out.as_bytes(),
    );
}

#[path = "common/irl_gridworld.rs"]
mod irl_experiment;

/// The 10×10 recovery run drawn in chapter 8 (the claim test runs the same code on 6×6).
fn ch08_run() -> irl_experiment::Outcome {
    irl_experiment::run(&irl_experiment::Setup {
        size: 10,
        horizon: 20,
        demos: 500,
        seed: 7,
    })
}

/// Diverging colour for `v ∈ [−1, 1]`: blue (negative), white, red (positive).
fn diverging(v: f64) -> RGBColor {
    let v = v.clamp(-1.0, 1.0);
    let fade = |c: u8, t: f64| (255.0 + (c as f64 - 255.0) * t).round() as u8;
    if v >= 0.0 {
        RGBColor(fade(178, v), fade(24, v), fade(43, v))
    } else {
        RGBColor(fade(33, -v), fade(102, -v), fade(172, -v))
    }
}

fn heatmap(
    area: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    title: &str,
    n: usize,
    values: &[f64],
    symmetric: bool,
) {
    let scale = values.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-12);
    // The grid on the left, its colour scale on the right.
    let (width, _) = area.dim_in_pixel();
    let (grid_area, bar_area) = area.split_horizontally(width - 80);
    let mut chart = ChartBuilder::on(&grid_area)
        .caption(title, ("sans-serif", 19))
        .margin(6)
        .build_cartesian_2d(0..n as i32, 0..n as i32)
        .unwrap();
    let lowest = if symmetric { -scale } else { 0.0 };
    let mut bar = ChartBuilder::on(&bar_area)
        .margin_top(34)
        .margin_bottom(8)
        .margin_right(4)
        .y_label_area_size(52)
        .build_cartesian_2d(0.0..1.0, lowest..scale)
        .unwrap();
    bar.configure_mesh()
        .label_style(("sans-serif", 16))
        .axis_desc_style(("sans-serif", 17))
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_labels(3)
        .y_label_formatter(&|v| format!("{v:.2}"))
        .label_style(("sans-serif", 14))
        .draw()
        .unwrap();
    let steps = 40;
    bar.draw_series((0..steps).map(|i| {
        let (a, b) = (i as f64 / steps as f64, (i + 1) as f64 / steps as f64);
        let (v0, v1) = (lowest + a * (scale - lowest), lowest + b * (scale - lowest));
        let color = diverging(0.5 * (v0 + v1) / scale);
        Rectangle::new([(0.0, v0), (1.0, v1)], color.filled())
    }))
    .unwrap();
    chart
        .draw_series(
            (0..n)
                .flat_map(|y| (0..n).map(move |x| (x, y)))
                .map(|(x, y)| {
                    let v = values[y * n + x] / scale;
                    let color = if symmetric {
                        diverging(v)
                    } else {
                        diverging(v.max(0.0))
                    };
                    // Row 0 is the top of the grid.
                    let top = (n - y) as i32;
                    Rectangle::new([(x as i32, top), (x as i32 + 1, top - 1)], color.filled())
                }),
        )
        .unwrap();
    // Thin cell borders, so that white cells are still cells.
    let cells = (0..n).flat_map(|y| (0..n).map(move |x| (x as i32, (n - y) as i32)));
    chart
        .draw_series(cells.map(|(x, top)| {
            Rectangle::new(
                [(x, top), (x + 1, top - 1)],
                RGBColor(220, 220, 220).stroke_width(1),
            )
        }))
        .unwrap();
}

#[test]
fn figure_ch08_recovery() {
    let out = ch08_run();
    let n = out.grid.width();
    // Learned rewards are centred (the model cannot see a constant shift).
    let visited: Vec<bool> = out.expert_visits.iter().map(|d| *d >= 0.1).collect();
    let mean = out
        .fit
        .theta
        .iter()
        .zip(&visited)
        .filter(|(_, v)| **v)
        .map(|(t, _)| *t)
        .sum::<f64>()
        / visited.iter().filter(|v| **v).count() as f64;
    let centred: Vec<f64> = out.fit.theta.iter().map(|t| t - mean).collect();
    let mut image = String::new();
    {
        let root = SVGBackend::with_string(&mut image, (720, 660)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let panels = root.split_evenly((2, 2));
        heatmap(&panels[0], "true reward", n, &out.true_reward, true);
        heatmap(&panels[1], "learned reward (centred)", n, &centred, true);
        heatmap(&panels[2], "expert visits", n, &out.expert_visits, false);
        heatmap(
            &panels[3],
            "learner's visits",
            n,
            &out.learned_visits,
            false,
        );
        root.present().unwrap();
    }
    check_generated_file(
        Path::new("book/src/figures/ch08-recovery.svg"),
        image.as_bytes(),
    );
}

#[test]
fn figure_ch08_log_likelihood() {
    let out = ch08_run();
    let series: [(&str, Vec<f64>); 2] = [
        (
            "objective L(θ) (maximised)",
            out.fit.history.iter().map(|h| h.objective).collect(),
        ),
        (
            "log-likelihood of the demonstrations",
            out.fit.history.iter().map(|h| h.log_likelihood).collect(),
        ),
    ];
    let image = svg(|root| {
        let panels = root.split_evenly((1, 2));
        for (i, (title, ys)) in series.iter().enumerate() {
            let (lo, hi) = ys
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
                    (a.min(*x), b.max(*x))
                });
            let pad = 0.05 * (hi - lo).max(1e-9);
            let mut chart = ChartBuilder::on(&panels[i])
                .caption(*title, ("sans-serif", 16))
                .margin(12)
                .x_label_area_size(40)
                .y_label_area_size(60)
                .build_cartesian_2d(0.0..(ys.len() - 1) as f64, lo - pad..hi + pad)
                .unwrap();
            chart
                .configure_mesh()
                .label_style(("sans-serif", 16))
                .axis_desc_style(("sans-serif", 17))
                .x_desc("L-BFGS iteration")
                .y_desc("nats per demonstration")
                .x_label_formatter(&|x| format!("{x:.0}"))
                .draw()
                .unwrap();
            chart
                .draw_series(LineSeries::new(
                    ys.iter().enumerate().map(|(k, y)| (k as f64, *y)),
                    palette(i).stroke_width(2),
                ))
                .unwrap();
        }
    });
    check_generated_file(
        Path::new("book/src/figures/ch08-log-likelihood.svg"),
        image.as_bytes(),
    );
}

#[test]
fn figure_ch12_gamble() {
    #[path = "common/ch12_gamble.rs"]
    mod ch12_gamble;
    let alphas: Vec<f64> = (0..=80)
        .map(|k| 10f64.powf(-1.0 + k as f64 / 40.0))
        .collect();
    let out = svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "The gamble (+2 or −4, mean −1) against safe (0): P(gamble)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d((0.1..10.0f64).log_scale(), 0.0..1.0f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("temperature α")
            .y_desc("P(gamble at s₀)")
            .draw()
            .unwrap();
        let series: [(&str, usize); 2] = [
            ("exact posterior (optimistic backup)", 0),
            ("variational (soft Bellman, E[V])", 1),
        ];
        for (i, (label, index)) in series.into_iter().enumerate() {
            let color = palette(i);
            let points: Vec<(f64, f64)> = alphas
                .iter()
                .map(|&a| (a, ch12_gamble::gamble_numbers(a)[index]))
                .collect();
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(3)))
                .unwrap()
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                });
        }
        chart
            .draw_series(DashedLineSeries::new(
                vec![(0.1, 0.5), (10.0, 0.5)],
                6,
                4,
                BLACK.stroke_width(1),
            ))
            .unwrap()
            .label("indifference (½)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 6, y)], BLACK.stroke_width(1)));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight);
    });
    check_generated_file(
        Path::new("book/src/figures/ch12-gamble.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch13_npg_rates() {
    #[path = "common/ch13_npg.rs"]
    mod ch13_npg;
    let (_, _, runs) = ch13_npg::npg_runs();
    const SHOWN: f64 = 120.0;
    let out = svg(|root| {
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Entropy-regularised NPG (γ = 0.9, τ = 0.3): error and bound",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..SHOWN, (1e-24..1e2f64).log_scale())
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .x_desc("iteration k")
            .y_desc("‖Q*_τ − Q^(k)_τ‖∞")
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()
            .unwrap();
        for (i, (fraction, errors, bounds, _)) in runs.iter().enumerate() {
            let c = palette(i);
            let keep = |v: &Vec<f64>| -> Vec<(f64, f64)> {
                v.iter()
                    .enumerate()
                    .map(|(k, &e)| (k as f64, e))
                    .filter(|&(k, e)| e > 1e-12 && k <= SHOWN)
                    .collect()
            };
            chart
                .draw_series(LineSeries::new(keep(errors), c.stroke_width(3)))
                .unwrap()
                .label(format!("η = {fraction}·(1−γ)/τ: error ‖Q*_τ − Q^(k)_τ‖∞"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(3))
                });
            // The bound in the same colour, dashed; one legend entry explains all four.
            chart
                .draw_series(DashedLineSeries::new(keep(bounds), 6, 4, c.stroke_width(2)))
                .unwrap();
        }
        chart
            .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
            .unwrap()
            .label("dashed: bound C₁γ(1−ητ)^(k−1) (Cen et al. 2021)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 6, y)], BLACK.stroke_width(2)));
        draw_legend(&mut chart, SeriesLabelPosition::LowerRight);
    });
    check_generated_file(
        Path::new("book/src/figures/ch13-npg-rates.svg"),
        out.as_bytes(),
    );
}
