//! The SVG figures of corpus runs, drawn with plotters' SVG backend only (text becomes SVG
//! `<text>` elements, so no font library or font file is needed):
//!
//! - a cactus plot: for each series the decided queries' times sorted ascending, x the number of
//!   queries solved within y milliseconds (log scale); one series per control for one run, one
//!   per run for several. A curve lower and further right is a faster, stronger solver.
//! - a log-log scatter of two runs' times per query with the diagonal: points below it are
//!   faster in B.

use super::{control_rank, CorpusError, Record};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Times below this are drawn at it: the log scale has no zero.
const FLOOR_MS: f64 = 0.001;

/// Sixteen colours that stay distinct on white (Tableau's ten and six darker ones), one per
/// control of the catalog; plotters' `Palette99` has pale yellows that vanish on white.
const COLORS: [(u8, u8, u8); 16] = [
    (0x1f, 0x77, 0xb4),
    (0xd6, 0x27, 0x28),
    (0x2c, 0xa0, 0x2c),
    (0xff, 0x7f, 0x0e),
    (0x94, 0x67, 0xbd),
    (0x8c, 0x56, 0x4b),
    (0xe3, 0x77, 0xc2),
    (0x7f, 0x7f, 0x7f),
    (0xbc, 0xbd, 0x22),
    (0x17, 0xbe, 0xcf),
    (0x39, 0x3b, 0x79),
    (0x63, 0x79, 0x39),
    (0x8c, 0x6d, 0x31),
    (0x84, 0x3c, 0x39),
    (0x7b, 0x41, 0x73),
    (0x00, 0x00, 0x00),
];

fn color(i: usize) -> RGBColor {
    let (r, g, b) = COLORS[i % COLORS.len()];
    RGBColor(r, g, b)
}

/// Series this short also get a marker per query: a single query draws no line.
const MARK_BELOW: usize = 40;

/// A named set of query times (ms).
#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub times: Vec<f64>,
}

/// The decided (holds or violated) queries of a run: unknown answers are not solved, and
/// not-applicable lines are not queries.
fn solved(records: &[Record]) -> impl Iterator<Item = &super::QueryRecord> {
    records.iter().filter_map(|r| match r {
        Record::Result(q) if q.decided() => Some(q),
        _ => None,
    })
}

/// One series per control, in catalog order.
pub fn by_control(records: &[Record]) -> Vec<Series> {
    let mut controls: Vec<&str> = solved(records).map(|q| q.control.as_str()).collect();
    controls.sort_by_key(|c| (control_rank(c), *c));
    controls.dedup();
    controls
        .iter()
        .map(|c| Series { label: c.to_string(), times: solved(records).filter(|q| q.control == *c).map(|q| q.total_ms).collect() })
        .collect()
}

/// One series per run.
pub fn by_run(runs: &[(String, Vec<Record>)]) -> Vec<Series> {
    runs.iter().map(|(name, records)| Series { label: name.clone(), times: solved(records).map(|q| q.total_ms).collect() }).collect()
}

fn err(e: impl std::fmt::Display) -> CorpusError {
    CorpusError::Plot(format!("cannot draw the plot: {e}"))
}

/// Axis labels of a log scale: plain numbers, no exponent notation.
fn ms_label(v: &f64) -> String {
    if *v >= 1.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').to_string()
    }
}

/// The y (or x) range of a log axis covering `times`, widened to whole decades.
fn log_range(times: impl Iterator<Item = f64>) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = (f64::INFINITY, 0.0f64);
    for t in times {
        lo = lo.min(t.max(FLOOR_MS));
        hi = hi.max(t.max(FLOOR_MS));
    }
    if !lo.is_finite() {
        return 0.1..10.0;
    }
    let lo = 10f64.powf(lo.log10().floor());
    let hi = 10f64.powf(hi.log10().ceil()).max(lo * 10.0);
    lo..hi
}

/// Width of the legend column right of the plot, so the legend never hides a curve or a point.
const LEGEND_WIDTH: u32 = 280;

/// How a legend entry is drawn: a line (cactus curves) or a dot (scatter points).
enum Key {
    Line(RGBColor),
    Dot(RGBColor),
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

fn legend(area: &Area<'_>, entries: &[(String, Key)]) -> Result<(), CorpusError> {
    let style = TextStyle::from(("sans-serif", 14).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (i, (label, key)) in entries.iter().enumerate() {
        let y = 70 + 22 * i as i32;
        match key {
            Key::Line(c) => area.draw(&PathElement::new(vec![(6, y), (32, y)], c.stroke_width(3))),
            Key::Dot(c) => area.draw(&Circle::new((19, y), 4, c.filled())),
        }
        .map_err(err)?;
        let text: String = label.chars().take(34).collect();
        area.draw(&Text::new(text, (40, y), style.clone())).map_err(err)?;
    }
    Ok(())
}

/// Draw a cactus plot of `series` to `out`.
pub fn cactus(series: &[Series], title: &str, out: &Path) -> Result<(), CorpusError> {
    let mut sorted: Vec<Series> = series.iter().filter(|s| !s.times.is_empty()).cloned().collect();
    for s in &mut sorted {
        s.times.sort_by(f64::total_cmp);
    }
    let xmax = sorted.iter().map(|s| s.times.len()).max().unwrap_or(0).max(1);
    let yrange = log_range(sorted.iter().flat_map(|s| s.times.iter().copied()));
    let root = SVGBackend::new(out, (1000 + LEGEND_WIDTH, 680)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (plot_area, legend_area) = root.split_horizontally(1000);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(title, ("sans-serif", 22))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(0usize..xmax + xmax / 50 + 1, yrange.log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("queries solved")
        .y_desc("time per query (ms, log scale)")
        .y_label_formatter(&ms_label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(err)?;
    let mut keys = Vec::new();
    for (i, s) in sorted.iter().enumerate() {
        let color = color(i);
        let points = s.times.iter().enumerate().map(|(k, t)| (k + 1, t.max(FLOOR_MS)));
        if s.times.len() < MARK_BELOW {
            chart.draw_series(points.clone().map(|p| Circle::new(p, 3, color.filled()))).map_err(err)?;
        }
        chart.draw_series(LineSeries::new(points, color.stroke_width(2))).map_err(err)?;
        keys.push((format!("{} ({})", s.label, s.times.len()), Key::Line(color)));
    }
    legend(&legend_area, &keys)?;
    root.present().map_err(err)
}

/// One point per query both runs decided or timed out on: (A ms, B ms, control).
pub type ScatterPoint = (f64, f64, String);

/// Draw a log-log scatter of A's time (x) against B's (y), coloured by control, with the
/// diagonal y = x.
pub fn scatter(points: &[ScatterPoint], name_a: &str, name_b: &str, out: &Path) -> Result<(), CorpusError> {
    let range = log_range(points.iter().flat_map(|p| [p.0, p.1]));
    let root = SVGBackend::new(out, (860 + LEGEND_WIDTH, 800)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let (plot_area, legend_area) = root.split_horizontally(860);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(format!("time per query: {name_a} vs {name_b}"), ("sans-serif", 20))
        .margin(20)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(range.clone().log_scale(), range.clone().log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(format!("A: {name_a} (ms, log scale)"))
        .y_desc(format!("B: {name_b} (ms, log scale)"))
        .x_label_formatter(&ms_label)
        .y_label_formatter(&ms_label)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16))
        .draw()
        .map_err(err)?;
    let diagonal = RGBColor(0x60, 0x60, 0x60);
    chart.draw_series(LineSeries::new([(range.start, range.start), (range.end, range.end)], diagonal.stroke_width(1))).map_err(err)?;
    let mut keys = vec![("y = x (below: B faster)".to_string(), Key::Line(diagonal))];
    let mut controls: Vec<&str> = points.iter().map(|p| p.2.as_str()).collect();
    controls.sort_by_key(|c| (control_rank(c), *c));
    controls.dedup();
    for (i, control) in controls.iter().enumerate() {
        let color = color(i);
        let pts = points
            .iter()
            .filter(|p| p.2 == *control)
            .map(|p| Circle::new((p.0.max(FLOOR_MS), p.1.max(FLOOR_MS)), 3, color.mix(0.7).filled()));
        chart.draw_series(pts).map_err(err)?;
        keys.push((control.to_string(), Key::Dot(color)));
    }
    legend(&legend_area, &keys)?;
    root.present().map_err(err)
}
