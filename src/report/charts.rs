//! The report's charts, drawn by plotters' SVG backend into strings.
//!
//! Text goes into the SVG as `<text>` (plotters escapes it), so the browser
//! lays it out in its own fonts and no font file is needed here. Bars have
//! fixed colours, which is also how a test counts them.

use chrono::{DateTime, Utc};
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{Error, Span};
use crate::model::{Month, Zone};

/// The fill of a bar (`#2F6DB5`).
pub const BAR_COLOR: &str = "#2F6DB5";
/// The fill of an open record's bar in the timeline (`#D9822B`).
pub const OPEN_COLOR: &str = "#D9822B";

const BAR: RGBColor = RGBColor(0x2F, 0x6D, 0xB5);
const OPEN: RGBColor = RGBColor(0xD9, 0x82, 0x2B);
const WIDTH: u32 = 760;
const ROW: u32 = 24;
const FONT: &str = "sans-serif";

fn fail(chart: &'static str) -> impl Fn(String) -> Error {
    move |reason| Error::Chart { chart, reason }
}

/// Room for the longest label, in pixels, at 12 px text (plotters' 15 is 12 px in SVG).
fn label_room(labels: &[String]) -> u32 {
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (longest as u32 * 8 + 16).clamp(60, 280)
}

/// plotters writes `xmlns` with the SVG namespace's address; inline SVG in
/// HTML needs none, and the page then holds no address but the records' links.
fn inline(svg: String, label: &str) -> String {
    let svg = svg.replacen(
        " xmlns=\"http://www.w3.org/2000/svg\"",
        &format!(" role=\"img\" aria-label=\"{}\"", label),
        1,
    );
    svg.trim().to_owned()
}

/// Row `i` of `n`, counted from the top: plotters counts segments from the bottom.
fn row(n: u32, i: usize) -> u32 {
    n.saturating_sub(1 + i as u32)
}

/// The label of a row segment: the first label at the top.
fn row_label(labels: &[String], n: u32, v: &SegmentValue<u32>) -> String {
    match v {
        SegmentValue::CenterOf(s) if *s < n => labels
            .get((n - 1 - *s) as usize)
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// A bar of row `i` of `n`, from `from` to `to` along the value axis.
fn bar(
    n: u32,
    i: usize,
    from: f64,
    to: f64,
    color: RGBColor,
) -> Rectangle<(f64, SegmentValue<u32>)> {
    let mut bar = Rectangle::new(
        [
            (from, SegmentValue::Exact(row(n, i))),
            (to, SegmentValue::Exact(row(n, i) + 1)),
        ],
        color.filled(),
    );
    bar.set_margin(3, 3, 0, 0);
    bar
}

/// A horizontal bar chart: one bar per label, its value written beside it.
pub(super) fn bars(
    chart: &'static str,
    labels: &[String],
    values: &[f64],
    shown: &[String],
    axis: &str,
    whole: bool,
) -> Result<String, Error> {
    let n = labels.len() as u32;
    let height = 60 + ROW * n.max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(chart)(e.to_string()))?;
        let max = values.iter().copied().fold(0.0_f64, f64::max).max(1.0) * 1.15;
        let mut c = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(label_room(labels))
            .build_cartesian_2d(0f64..max, (0..n.max(1)).into_segmented())
            .map_err(|e| fail(chart)(e.to_string()))?;
        c.configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .y_labels(n.max(1) as usize)
            .y_label_formatter(&|v| row_label(labels, n, v))
            .x_label_formatter(&|v| match whole {
                // Counts are whole: no tick at 0.5.
                true if v.fract() != 0.0 => String::new(),
                true => format!("{v:.0}"),
                false => format!("{v}"),
            })
            .x_desc(axis)
            .label_style((FONT, 15))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(|e| fail(chart)(e.to_string()))?;
        c.draw_series(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| bar(n, i, 0.0, *v, BAR)),
        )
        .map_err(|e| fail(chart)(e.to_string()))?;
        c.draw_series(shown.iter().zip(values).enumerate().map(|(i, (text, v))| {
            Text::new(
                text.clone(),
                (*v, SegmentValue::CenterOf(row(n, i))),
                (FONT, 13)
                    .into_font()
                    .color(&BLACK)
                    .pos(Pos::new(HPos::Left, VPos::Center)),
            )
        }))
        .map_err(|e| fail(chart)(e.to_string()))?;
        root.present().map_err(|e| fail(chart)(e.to_string()))?;
    }
    Ok(inline(svg, chart))
}

/// Days from the month's first midnight on the zone's wall clock, so day
/// lines fall on whole numbers even in a month with a clock change.
fn wall_days(t: DateTime<Utc>, month: Month, zone: &Zone) -> f64 {
    let first = month.first_day().and_time(chrono::NaiveTime::MIN);
    (zone.local(t).naive_local() - first).num_minutes() as f64 / 1440.0
}

/// The timeline: one bar per record from its start to its end (open ones in
/// another colour, to the moment), days of the month along the bottom.
pub(super) fn timeline(
    spans: &[Span],
    month: Month,
    zone: &Zone,
    days: u32,
) -> Result<String, Error> {
    const CHART: &str = "timeline";
    let n = spans.len() as u32;
    let height = 70 + ROW * n.max(1);
    let labels: Vec<String> = spans.iter().map(|s| s.id.to_string()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(CHART)(e.to_string()))?;
        let mut c = ChartBuilder::on(&root)
            .margin(8)
            .x_label_area_size(34)
            .y_label_area_size(label_room(&labels))
            .build_cartesian_2d(0f64..f64::from(days), (0..n.max(1)).into_segmented())
            .map_err(|e| fail(CHART)(e.to_string()))?;
        c.configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .y_labels(n.max(1) as usize)
            .y_label_formatter(&|v| row_label(&labels, n, v))
            .x_labels(days as usize / 2 + 1)
            .x_label_formatter(&|d| format!("{}", d.round() as i64 + 1))
            .x_desc(format!("day of {month} ({}), from 00:00", zone.name()))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(|e| fail(CHART)(e.to_string()))?;
        c.draw_series(spans.iter().enumerate().map(|(i, s)| {
            let from = wall_days(s.from, month, zone);
            // A bar of no length still shows as a sliver.
            let to = wall_days(s.to, month, zone).max(from + 0.04);
            bar(n, i, from, to, if s.open { OPEN } else { BAR })
        }))
        .map_err(|e| fail(CHART)(e.to_string()))?;
        root.present().map_err(|e| fail(CHART)(e.to_string()))?;
    }
    Ok(inline(svg, CHART))
}
