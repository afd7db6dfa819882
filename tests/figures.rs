//! Every figure in the book, drawn from the library. The committed SVGs must equal what
//! this code draws; regenerate them all with `MAXENT_BLESS=1 cargo test --test figures`.

#[path = "common/ch07_bandit.rs"]
mod ch07_bandit;
mod common;

use std::path::Path;

use common::check_generated_file;
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

fn palette(i: usize) -> RGBColor {
    // Colour-blind-safe (Okabe & Ito 2008).
    [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(230, 159, 0),
    ][i % 6]
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
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::LowerLeft)
            .draw()
            .unwrap();
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
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::UpperMiddle)
            .draw()
            .unwrap();
    });
    check_generated_file(
        Path::new("book/src/figures/ch01-squashed-density.svg"),
        out.as_bytes(),
    );
}

#[test]
fn figure_ch07_temperature() {
    use maxent_rl::run_temperature_bandit;
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
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .unwrap();

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
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .unwrap();
        root.present().unwrap();
    }
    check_generated_file(
        Path::new("book/src/figures/ch07-temperature.svg"),
        out.as_bytes(),
    );
}
