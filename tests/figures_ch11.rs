//! The figures of chapter 11, drawn from the library. The committed SVGs must equal what
//! this code draws; regenerate them with `MAXENT_BLESS=1 cargo test --test figures_ch11`.
//! The palette and legend box are shared with `tests/figures.rs`
//! (`tests/common/figure_style.rs`).

mod common;
#[path = "common/figure_style.rs"]
mod figure_style;

use std::path::Path;

use common::check_generated_file;
use figure_style::{draw_legend, palette};
use maxent_rl::{
    LqProblem, MaxEntLqr, RiccatiSolver, SacLqrConfig, SacLqrResult, SacLqrTemperature, sac_lqr,
};
use nalgebra::DMatrix;
use plotters::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The open-loop-unstable 3-state, 2-action problem of the chapter's tests.
fn three_by_two() -> LqProblem {
    let mat = DMatrix::from_row_slice;
    LqProblem::new(
        mat(3, 3, &[1.1, 0.2, 0.0, -0.1, 0.9, 0.3, 0.05, 0.0, 1.25]),
        mat(3, 2, &[1.0, 0.0, 0.2, 0.5, 0.0, 1.0]),
        mat(3, 3, &[2.0, 0.5, 0.0, 0.5, 1.0, 0.1, 0.0, 0.1, 0.5]),
        mat(2, 2, &[1.0, 0.3, 0.3, 2.0]),
        mat(3, 3, &[0.1, 0.02, 0.0, 0.02, 0.05, 0.0, 0.0, 0.0, 0.2]),
        0.9,
    )
    .unwrap()
}

#[test]
fn figure_ch11_covariance_ellipses() {
    let problem = three_by_two();
    let riccati = RiccatiSolver::new().solve(&problem).unwrap();
    let alphas = [0.1, 0.5, 2.0];
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (720, 560)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "Optimal policy π(u | x) = N(−Kx, Σ): 1- and 2-σ ellipses of Σ",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(-1.6..1.6f64, -1.2..1.2f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("u₁ + (Kx)₁")
            .y_desc("u₂ + (Kx)₂")
            .draw()
            .unwrap();
        for (i, &alpha) in alphas.iter().enumerate() {
            let soft = MaxEntLqr::from_riccati(&problem, alpha, riccati.clone()).unwrap();
            let eig = soft.covariance().clone().symmetric_eigen();
            let color = palette(i);
            for (k, radius) in [1.0, 2.0].into_iter().enumerate() {
                let points: Vec<(f64, f64)> = (0..=200)
                    .map(|t| {
                        let th = 2.0 * std::f64::consts::PI * t as f64 / 200.0;
                        let (c, s) = (th.cos(), th.sin());
                        let a = radius * eig.eigenvalues[0].sqrt() * c;
                        let b = radius * eig.eigenvalues[1].sqrt() * s;
                        (
                            eig.eigenvectors[(0, 0)] * a + eig.eigenvectors[(0, 1)] * b,
                            eig.eigenvectors[(1, 0)] * a + eig.eigenvectors[(1, 1)] * b,
                        )
                    })
                    .collect();
                let style = if k == 0 {
                    color.stroke_width(2)
                } else {
                    color.mix(0.6).stroke_width(1)
                };
                let series = chart.draw_series(LineSeries::new(points, style)).unwrap();
                if k == 0 {
                    series
                        .label(format!("α = {alpha}, H(π) = {:.2} nats", soft.entropy()))
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                        });
                }
            }
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight);
        root.present().unwrap();
    }
    check_generated_file(
        Path::new("book/src/figures/ch11-covariance-ellipses.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch11_sac_learning_curves() {
    let m = |v: f64| DMatrix::from_element(1, 1, v);
    let problem = LqProblem::new(m(0.9), m(1.0), m(1.0), m(1.0), m(0.25), 0.8).unwrap();
    let alpha = 0.5;
    let soft = MaxEntLqr::solve(&problem, alpha).unwrap();
    let (k_star, ls_star) = (soft.gain()[(0, 0)], 0.5 * soft.covariance()[(0, 0)].ln());
    let mut config = SacLqrConfig::new(SacLqrTemperature::Fixed(alpha), 12_000);
    config.batch_size = 32;
    config.record_every = 250;
    let runs: Vec<SacLqrResult> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6u64)
            .map(|seed| {
                let (problem, config) = (&problem, &config);
                scope.spawn(move || {
                    sac_lqr(problem, config, &mut ChaCha8Rng::seed_from_u64(seed)).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let steps = config.total_steps as f64;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (720, 640)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let (top, bottom) = root.split_vertically(320);
        type Get = fn(&maxent_rl::SacLqrRecord) -> f64;
        type Panel<'a, 'b> = (
            &'a DrawingArea<SVGBackend<'b>, plotters::coord::Shift>,
            &'static str,
            &'static str,
            Get,
            f64,
            std::ops::Range<f64>,
        );
        let panels: [Panel<'_, '_>; 2] = [
            (
                &top,
                "SAC's gain K: 6 seeds (band: min–max), closed form dashed",
                "K",
                |r| r.gain[(0, 0)],
                k_star,
                0.0..0.7,
            ),
            (
                &bottom,
                "SAC's ln σ: 6 seeds (band: min–max), closed form dashed",
                "ln σ",
                |r| r.log_std[0],
                ls_star,
                -1.6..0.2,
            ),
        ];
        for (area, caption, label, get, exact, range) in panels {
            let mut chart = ChartBuilder::on(area)
                .caption(caption, ("sans-serif", 17))
                .margin(10)
                .margin_right(30)
                .x_label_area_size(35)
                .y_label_area_size(55)
                .build_cartesian_2d(0.0..steps, range)
                .unwrap();
            chart
                .configure_mesh()
                .label_style(("sans-serif", 16))
                .axis_desc_style(("sans-serif", 17))
                .x_desc("environment step")
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_desc(label)
                .draw()
                .unwrap();
            let n = runs[0].curve.len();
            let (mut lo, mut hi, mut mean) = (Vec::new(), Vec::new(), Vec::new());
            for i in 0..n {
                let step = runs[0].curve[i].step as f64;
                let vals: Vec<f64> = runs.iter().map(|r| get(&r.curve[i])).collect();
                lo.push((step, vals.iter().copied().fold(f64::INFINITY, f64::min)));
                hi.push((step, vals.iter().copied().fold(f64::NEG_INFINITY, f64::max)));
                mean.push((step, vals.iter().sum::<f64>() / vals.len() as f64));
            }
            let band: Vec<(f64, f64)> =
                lo.iter().copied().chain(hi.iter().rev().copied()).collect();
            chart
                .draw_series(std::iter::once(Polygon::new(
                    band,
                    palette(0).mix(0.25).filled(),
                )))
                .unwrap();
            chart
                .draw_series(LineSeries::new(mean, palette(0).stroke_width(2)))
                .unwrap()
                .label("SAC, mean over seeds")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], palette(0).stroke_width(2))
                });
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, exact), (steps, exact)],
                    6,
                    4,
                    BLACK.stroke_width(2),
                ))
                .unwrap()
                .label(format!("closed form {exact:.3}"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2))
                });
            draw_legend(&mut chart, SeriesLabelPosition::LowerRight);
        }
        root.present().unwrap();
    }
    check_generated_file(
        Path::new("book/src/figures/ch11-sac-learning.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch11_svgd_two_modes() {
    // p = 0.3 N(−1, 0.5²) + 0.7 N(1, 0.5²), as in Claim 11.5.
    let density = |u: f64| {
        let n =
            |mu: f64| (-(u - mu).powi(2) / 0.5).exp() / (2.0 * std::f64::consts::PI * 0.25).sqrt();
        0.3 * n(-1.0) + 0.7 * n(1.0)
    };
    let grad = |u: f64| {
        let (a, b) = (
            0.3 * (-(u + 1.0).powi(2) / 0.5).exp(),
            0.7 * (-(u - 1.0).powi(2) / 0.5).exp(),
        );
        (a * (-(u + 1.0) / 0.25) + b * (-(u - 1.0) / 0.25)) / (a + b)
    };
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    let mut particles: Vec<f64> = (0..100)
        .map(|_| {
            2.0 * rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, &mut rng)
        })
        .collect();
    maxent_rl::svgd(
        &mut particles,
        1,
        |p, g| {
            for (pi, gi) in p.iter().zip(g.iter_mut()) {
                *gi = grad(*pi);
            }
        },
        0.05,
        1000,
    )
    .unwrap();
    // The best Gaussian under SAC's objective (Claim 11.5's search): N(0.40, 0.94²).
    let gaussian = |u: f64| {
        (-(u - 0.40f64).powi(2) / (2.0 * 0.94f64.powi(2))).exp()
            / (0.94 * (2.0 * std::f64::consts::PI).sqrt())
    };
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (720, 440)).into_drawing_area();
        root.fill(&WHITE).unwrap();
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "SVGD on a two-mode energy: 100 particles (histogram)",
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(-3.0..3.0f64, 0.0..0.7f64)
            .unwrap();
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("u")
            .y_desc("density")
            .draw()
            .unwrap();
        let width = 0.2;
        chart
            .draw_series((0..30).map(|b| {
                let lo = -3.0 + width * b as f64;
                let count = particles
                    .iter()
                    .filter(|u| **u >= lo && **u < lo + width)
                    .count();
                let h = count as f64 / (particles.len() as f64 * width);
                Rectangle::new([(lo, 0.0), (lo + width, h)], palette(4).mix(0.6).filled())
            }))
            .unwrap()
            .label("SVGD particles")
            .legend(|(x, y)| {
                Rectangle::new([(x, y - 5), (x + 18, y + 5)], palette(4).mix(0.6).filled())
            });
        let us: Vec<f64> = (0..=600).map(|k| -3.0 + 0.01 * k as f64).collect();
        chart
            .draw_series(LineSeries::new(
                us.iter().map(|&u| (u, density(u))),
                BLACK.stroke_width(2),
            ))
            .unwrap()
            .label("p ∝ exp(Q/α)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(
                us.iter().map(|&u| (u, gaussian(u))),
                palette(1).stroke_width(2),
            ))
            .unwrap()
            .label("best single Gaussian (SAC's objective)")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], palette(1).stroke_width(2))
            });
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft);
        root.present().unwrap();
    }
    check_generated_file(
        Path::new("book/src/figures/ch11-svgd-two-modes.svg"),
        out.as_bytes(),
    );
}
