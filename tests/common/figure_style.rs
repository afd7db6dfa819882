//! The style every figure shares: the colour-blind-safe palette and the legend box.
//! Included with `#[path]` by the figure tests; not part of `common/mod.rs`.

use plotters::prelude::*;

/// Series colour `i` (Okabe & Ito 2008, colour-blind-safe), cycling after six.
pub fn palette(i: usize) -> RGBColor {
    [
        RGBColor(0, 114, 178),
        RGBColor(213, 94, 0),
        RGBColor(0, 158, 115),
        RGBColor(204, 121, 167),
        RGBColor(86, 180, 233),
        RGBColor(230, 159, 0),
    ][i % 6]
}

/// The legend box every figure uses: black border, translucent white, 16 px text, at
/// `position`.
pub fn draw_legend<'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
    position: SeriesLabelPosition,
) {
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .label_font(("sans-serif", 16))
        .position(position)
        .draw()
        .unwrap();
}
