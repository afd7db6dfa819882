//! The scaling figure of the performance appendix: time to a certified `‖V − V*‖∞ ≤ 1e-8`
//! and peak memory against the number of states, log–log, from the CSV written by
//! `scripts/compare_soft_vi.py DIR --scaling BIN CSV` (run through `scripts/scaling-soft-vi`,
//! which also calls this).
//!
//! ```text
//! cargo run --release --example scaling_figure -- CSV SVG
//! ```

#[path = "../tests/common/figure_style.rs"]
mod figure_style;

use figure_style::{draw_legend, palette};
use plotters::prelude::*;

/// `(csv name, legend label)` of each series, in drawing order.
const SERIES: [(&str, &str); 4] = [
    ("rust-newton", "maxent-rl Newton SPI"),
    ("rust-vi", "maxent-rl soft VI"),
    ("numpy-vi", "numpy soft VI"),
    ("scipy-newton", "scipy Newton (spsolve)"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (csv, out) = (&args[1], &args[2]);
    // solver,states,median_seconds,min_seconds,max_seconds,peak_kib,...
    // Lines that are not data rows (the header) are skipped.
    let rows: Vec<(String, f64, f64, f64, f64, f64)> = std::fs::read_to_string(csv)?
        .lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let num = |i: usize| f.get(i)?.parse::<f64>().ok();
            Some((
                f[0].to_string(),
                num(1)?,
                num(2)?,
                num(3)?,
                num(4)?,
                num(5)? / 1024.0,
            ))
        })
        .collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 900)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(520);
        let mut chart = ChartBuilder::on(&top)
            .caption(
                "W × W gridworld, γ = 0.99, α = 0.1: time to a certified 1e-8",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d((50.0..2e6f64).log_scale(), (1e-5..1e3f64).log_scale())?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("states S")
            .y_desc("seconds (median; bars: min–max)")
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .y_label_formatter(&|y| format!("{y:.0e}"))
            .draw()?;
        for (i, (key, label)) in SERIES.iter().enumerate() {
            let pts: Vec<_> = rows.iter().filter(|r| r.0 == *key).collect();
            let colour = palette(i);
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|r| (r.1, r.2)),
                    colour.stroke_width(2),
                ))?
                .label(*label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
            chart.draw_series(
                pts.iter()
                    .map(|r| Circle::new((r.1, r.2), 4, colour.filled())),
            )?;
            chart.draw_series(
                pts.iter().map(|r| {
                    PathElement::new(vec![(r.1, r.3), (r.1, r.4)], colour.stroke_width(1))
                }),
            )?;
        }
        draw_legend(&mut chart, SeriesLabelPosition::UpperLeft);
        let mut chart = ChartBuilder::on(&bottom)
            .caption(
                "Peak resident memory of the solving process",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(45)
            .y_label_area_size(75)
            .build_cartesian_2d((50.0..2e6f64).log_scale(), (1.0..1e4f64).log_scale())?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 17))
            .x_desc("states S")
            .y_desc("MiB")
            .x_label_formatter(&|x| format!("{x:.0e}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .draw()?;
        for (i, (key, _)) in SERIES.iter().enumerate() {
            let pts: Vec<_> = rows.iter().filter(|r| r.0 == *key).collect();
            let colour = palette(i);
            chart.draw_series(LineSeries::new(
                pts.iter().map(|r| (r.1, r.5)),
                colour.stroke_width(2),
            ))?;
            chart.draw_series(
                pts.iter()
                    .map(|r| Circle::new((r.1, r.5), 4, colour.filled())),
            )?;
        }
        root.present()?;
    }
    std::fs::write(out, svg)?;
    Ok(())
}
