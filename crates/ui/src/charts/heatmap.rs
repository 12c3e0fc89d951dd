//! Heat map of a distribution over time, as the storage appliance's
//! Analytics and Brendan Gregg's latency heat maps draw them: time
//! across, buckets up (quantize's powers of two are already a log scale),
//! colour by how many values fell in the bucket per second. Hover says the
//! interval, the bucket's range and its count; a click on a column shows
//! that interval's distribution as bars below.
//!
//! The cells become one texture, rebuilt when a snapshot arrives, so a
//! frame draws one image however many intervals and buckets there are.

use super::bars3d::AxisBucket;
use crate::history::AggHistory;
use crate::model::units::Unit;
use crate::model::{Aggregation, Bucket, Row, Value, key_label};
use chrono::{DateTime, Local};
use egui::{Color32, ColorImage, Ui};
use egui_plot::{Plot, PlotImage, PlotPoint};

/// The widest image built: more intervals than this share columns.
pub const MAX_COLUMNS: usize = 2048;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeatOptions {
    /// One key, by index into the history's keys; `None` sums them all.
    pub key: Option<usize>,
    /// The interval shown as bars, by its times.
    pub selected: Option<(f64, f64)>,
}

#[derive(Clone)]
pub struct HeatModel {
    /// Each point's interval, start and end in seconds.
    pub intervals: Vec<(f64, f64)>,
    /// Bucket labels and ranges, bottom up.
    pub buckets: Vec<AxisBucket>,
    /// Counts by point then bucket: the change over each interval.
    pub counts: Vec<Vec<i64>>,
    /// The largest count per second of any cell (the top of the colours).
    pub max_rate: f64,
    pub image: ColorImage,
    /// What the colour legend and title say is shown.
    pub subject: String,
    pub started: Option<DateTime<Local>>,
    /// The keys to choose from: index and label, the largest first.
    pub keys: Vec<(usize, String)>,
    /// The key shown, when one is (else all are summed).
    pub key: Option<Vec<crate::model::KeyPart>>,
    /// A bucket's values asked for by "Narrow the script", until taken.
    pub asked: Option<(Option<i64>, Option<i64>)>,
    /// What the values are: the bucket axis and the tooltips read in it.
    pub unit: Unit,
    texture: Option<egui::TextureHandle>,
}

impl std::fmt::Debug for HeatModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeatModel")
            .field("intervals", &self.intervals.len())
            .field("buckets", &self.buckets.len())
            .field("max_rate", &self.max_rate)
            .finish()
    }
}

impl PartialEq for HeatModel {
    fn eq(&self, other: &Self) -> bool {
        self.intervals == other.intervals
            && self.buckets == other.buckets
            && self.counts == other.counts
            && self.subject == other.subject
    }
}

/// The colour of a cell holding `rate` of at most `max`: the panel's
/// background for nothing, then from pale yellow to deep red, on a square
/// root scale so that rare values still show.
pub fn cell_color(rate: f64, max: f64) -> Color32 {
    if rate <= 0.0 || max <= 0.0 {
        return Color32::TRANSPARENT;
    }
    let x = (rate / max).sqrt().clamp(0.0, 1.0) as f32;
    let lerp = |a: u8, b: u8| (f32::from(a) + (f32::from(b) - f32::from(a)) * x).round() as u8;
    Color32::from_rgb(lerp(0xff, 0x9e), lerp(0xee, 0x10), lerp(0xa0, 0x10))
}

impl HeatModel {
    pub fn build(
        agg: &AggHistory,
        opts: &HeatOptions,
        started: Option<DateTime<Local>>,
    ) -> HeatModel {
        let buckets: Vec<AxisBucket> = agg
            .buckets()
            .into_iter()
            .map(|b| AxisBucket {
                label: b.label.clone(),
                min: b.min,
                max: b.max,
            })
            .collect();
        let key = opts.key.filter(|&k| k < agg.keys().len());
        let intervals: Vec<(f64, f64)> = (0..agg.len()).map(|p| agg.interval(p)).collect();
        let counts: Vec<Vec<i64>> = (0..agg.len())
            .map(|p| {
                agg.distribution(p, key, false)
                    .into_iter()
                    .map(|(_, c)| c.max(0))
                    .collect()
            })
            .collect();
        let rate = |p: usize, c: i64| {
            let (a, b) = intervals[p];
            if b > a { c as f64 / (b - a) } else { c as f64 }
        };
        let max_rate = counts
            .iter()
            .enumerate()
            .flat_map(|(p, col)| col.iter().map(move |&c| rate(p, c)))
            .fold(0.0, f64::max);
        let image = image(&intervals, &counts, buckets.len(), max_rate);
        let subject = match key {
            Some(k) => key_label(&agg.keys()[k]),
            None if agg.keys().len() > 1 => "all keys".into(),
            None => String::new(),
        };
        let keys = agg
            .top_keys(50)
            .into_iter()
            .map(|k| (k, key_label(&agg.keys()[k])))
            .collect();
        HeatModel {
            intervals,
            buckets,
            counts,
            max_rate,
            image,
            subject,
            started,
            keys,
            key: opts.key.and_then(|k| agg.keys().get(k).cloned()),
            asked: None,
            unit: Unit::Number,
            texture: None,
        }
    }

    /// Bucket `b`'s name on the axis, short: "64K", "16.4 µs", "< 0".
    pub fn axis_label(&self, b: usize) -> String {
        self.buckets
            .get(b)
            .map_or_else(String::new, |a| a.axis_text(self.unit))
    }

    /// The values bucket `b` counts: exact for numbers, short for a time
    /// or a size.
    pub fn range_label(&self, b: usize) -> String {
        self.buckets
            .get(b)
            .map_or_else(String::new, |a| a.range_in(self.unit))
    }

    /// The point whose interval holds `t`.
    pub fn point_at(&self, t: f64) -> Option<usize> {
        let i = self.intervals.partition_point(|&(_, end)| end < t);
        (i < self.intervals.len() && t >= self.intervals[i].0).then_some(i)
    }

    /// The interval's distribution as an aggregation the bars can show.
    pub fn column(
        &self,
        point: usize,
        name: &str,
        function: crate::model::AggFunction,
    ) -> Aggregation {
        let buckets = self
            .buckets
            .iter()
            .zip(&self.counts[point])
            .map(|(b, &count)| Bucket {
                label: b.label.clone(),
                min: b.min,
                max: b.max,
                count,
                raw: None,
            });
        Aggregation {
            id: 0,
            name: name.to_owned(),
            function,
            key_sizes: Vec::new(),
            rows: vec![Row {
                key: Vec::new(),
                value: Value::Buckets(buckets.collect()),
            }],
        }
    }

    /// What hovering at (`t`, `row`) says.
    pub fn hover_text(&self, t: f64, row: f64) -> Option<String> {
        let p = self.point_at(t)?;
        let b = (row.floor() >= 0.0).then(|| row.floor() as usize)?;
        self.buckets.get(b)?;
        let (from, to) = self.intervals[p];
        let range = self.range_label(b);
        Some(format!(
            "{} to {} ({:.0} s)\nvalues {range}\ncount {}",
            super::timeline::clock_text(self.started, from),
            super::timeline::clock_text(self.started, to),
            to - from,
            self.counts[p][b]
        ))
    }
}

/// The cells as an image: columns of equal time, bucket 0 at the bottom.
/// A column holds whatever fell in it: parts of a longer (merged)
/// interval, or all of several short ones when there are more intervals
/// than columns, coloured by values per second.
fn image(intervals: &[(f64, f64)], counts: &[Vec<i64>], rows: usize, max_rate: f64) -> ColorImage {
    let (Some(first), Some(last)) = (intervals.first(), intervals.last()) else {
        return ColorImage::new([1, 1], vec![Color32::TRANSPARENT]);
    };
    let start = first.0;
    let span = (last.1 - start).max(f64::EPSILON);
    let shortest = intervals
        .iter()
        .map(|(a, b)| b - a)
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let columns = ((span / shortest).ceil() as usize).clamp(1, MAX_COLUMNS);
    let rows = rows.max(1);
    let width = span / columns as f64;
    let mut sums = vec![0.0f64; columns * rows];
    for (&(a, b), col) in intervals.iter().zip(counts) {
        let seconds = (b - a).max(f64::EPSILON);
        let first_column = (((a - start) / width).floor().max(0.0) as usize).min(columns - 1);
        let last_column = ((((b - start) / width).ceil() as usize).max(1) - 1).min(columns - 1);
        for c in first_column..=last_column {
            let (c0, c1) = (start + c as f64 * width, start + (c + 1) as f64 * width);
            let share = (b.min(c1) - a.max(c0)).max(0.0) / seconds;
            if share <= 0.0 {
                continue;
            }
            for (bucket, &count) in col.iter().enumerate().take(rows) {
                sums[bucket * columns + c] += count as f64 * share;
            }
        }
    }
    let mut pixels = vec![Color32::TRANSPARENT; columns * rows];
    for bucket in 0..rows {
        let y = rows - 1 - bucket;
        for c in 0..columns {
            pixels[y * columns + c] = cell_color(sums[bucket * columns + c] / width, max_rate);
        }
    }
    ColorImage::new([columns, rows], pixels)
}

/// The key chooser; true when it changed.
pub fn controls(ui: &mut Ui, opts: &mut HeatOptions, model: Option<&HeatModel>) -> bool {
    let Some(model) = model.filter(|m| m.keys.len() > 1) else {
        return false;
    };
    let mut changed = false;
    let current = match opts.key {
        Some(k) => model
            .keys
            .iter()
            .find(|(i, _)| *i == k)
            .map_or_else(|| "a key".to_owned(), |(_, l)| l.clone()),
        None => "All keys".to_owned(),
    };
    egui::ComboBox::from_label("Key")
        .selected_text(current)
        .show_ui(ui, |ui| {
            changed |= ui
                .selectable_value(&mut opts.key, None, "All keys")
                .changed();
            for (k, label) in &model.keys {
                changed |= ui
                    .selectable_value(&mut opts.key, Some(*k), label)
                    .changed();
            }
        });
    changed
}

/// Draws the heat map, the `selected` interval marked; returns the point
/// clicked, if any.
pub fn show(
    ui: &mut Ui,
    id: &str,
    model: &mut HeatModel,
    selected: Option<(f64, f64)>,
    range: Option<(f64, f64)>,
) -> (Option<usize>, Option<(f64, f64)>) {
    if model.intervals.is_empty() || model.buckets.is_empty() {
        super::centered_message(
            ui,
            "No intervals yet: the first comes with the first snapshot",
        );
        return (None, None);
    }
    let texture = model
        .texture
        .get_or_insert_with(|| {
            ui.ctx().load_texture(
                format!("heatmap-{id}"),
                model.image.clone(),
                egui::TextureOptions::NEAREST,
            )
        })
        .clone();
    legend(ui, model.max_rate);
    let (t0, t1) = (
        model.intervals[0].0,
        model.intervals[model.intervals.len() - 1].1,
    );
    let rows = model.buckets.len() as f64;
    let labels: Vec<String> = (0..model.buckets.len())
        .map(|b| model.axis_label(b))
        .collect();
    let view: &HeatModel = model;
    // As wide as the widest bucket name ("16.4 µs", "< 0"), which the
    // plot would otherwise cut at its left edge or run into its title.
    let font = egui::TextStyle::Small.resolve(ui.style());
    let widest = labels
        .iter()
        .map(|l| {
            let galley = ui
                .painter()
                .layout_no_wrap(l.clone(), font.clone(), Color32::WHITE);
            galley.size().x
        })
        .fold(0.0, f32::max);
    let response = Plot::new(("heatmap", id))
        .x_axis_label("time")
        .y_axis_label("bucket")
        // And the axis title's line beside them.
        .y_axis_min_width(widest + 6.0 + ui.text_style_height(&egui::TextStyle::Body))
        .x_axis_formatter(|mark, _| super::timeline::offset_text(mark.value))
        .y_axis_formatter(move |mark, _| {
            let i = mark.value - 0.5;
            if (i - i.round()).abs() < 1e-6 && i >= 0.0 {
                labels.get(i.round() as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        // A label on every bucket's row where they fit, on every second
        // (fourth, ...) one where the rows are too low for that.
        .y_grid_spacer(move |input| {
            let every = (input.base_step_size * 3.0).ceil().max(1.0) as usize;
            (0..rows as usize)
                .step_by(every)
                .map(|i| egui_plot::GridMark {
                    value: i as f64 + 0.5,
                    step_size: every as f64 * 2.0,
                })
                .collect()
        })
        .label_formatter(move |pos| {
            let p = match pos {
                egui_plot::HoverPosition::NearDataPoint { position, .. } => *position,
                egui_plot::HoverPosition::Elsewhere { position } => *position,
            };
            view.hover_text(p.x, p.y)
        })
        .allow_double_click_reset(true)
        // A drag selects a time range; a click, a column.
        .allow_drag(false)
        .show(ui, |plot| {
            if let Some(r) = range {
                plot.add(super::range::span(plot.ctx(), r));
            }
            plot.add(
                PlotImage::new(
                    "cells",
                    texture.id(),
                    PlotPoint::new((t0 + t1) / 2.0, rows / 2.0),
                    egui::vec2((t1 - t0) as f32, rows as f32),
                )
                .allow_hover(false),
            );
            if let Some((from, to)) = selected {
                let edge = ui_color(plot.ctx());
                plot.add(
                    egui_plot::VLine::new("selected", from)
                        .color(edge)
                        .width(2.0),
                );
                plot.add(egui_plot::VLine::new("selected", to).color(edge).width(2.0));
            }
            plot.pointer_coordinate()
        });
    let dragged = super::range::drag(ui, &response);
    narrow_menu(ui, model, &response.response, response.inner);
    if response.response.clicked()
        && let Some(p) = response.inner
    {
        return (model.point_at(p.x), dragged);
    }
    (None, dragged)
}

/// A right-click on a cell offers "Narrow the script" to its bucket's
/// values (and the key shown, if one is); the bucket is the one under the
/// pointer when the menu opened.
fn narrow_menu(
    ui: &mut Ui,
    model: &mut HeatModel,
    response: &egui::Response,
    pointer: Option<PlotPoint>,
) {
    let id = response.id.with("narrow-bucket");
    if response.secondary_clicked()
        && let Some(p) = pointer
        && p.y >= 0.0
        && (p.y as usize) < model.buckets.len()
    {
        ui.data_mut(|d| d.insert_temp(id, p.y as usize));
    }
    let Some(bucket) = ui.data(|d| d.get_temp::<usize>(id)) else {
        return;
    };
    let Some(AxisBucket { min, max, .. }) = model.buckets.get(bucket).cloned() else {
        return;
    };
    let label = model.range_label(bucket);
    let mut chosen = false;
    response.context_menu(|ui| {
        if ui
            .button(format!("Narrow the script to the values {label}"))
            .clicked()
        {
            chosen = true;
            ui.close();
        }
    });
    if chosen {
        model.asked = Some((min, max));
    }
}

fn ui_color(ctx: &egui::Context) -> Color32 {
    ctx.global_style().visuals.strong_text_color()
}

/// The colour scale: what the palest and the deepest cells mean.
fn legend(ui: &mut Ui, max_rate: f64) {
    ui.horizontal(|ui| {
        ui.weak("per second: 0");
        let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 12.0), egui::Sense::hover());
        let steps = 24;
        for i in 0..steps {
            let x0 = rect.left() + rect.width() * i as f32 / steps as f32;
            let x1 = rect.left() + rect.width() * (i + 1) as f32 / steps as f32;
            let v = max_rate * ((i as f64 + 0.5) / steps as f64).powi(2);
            ui.painter().rect_filled(
                egui::Rect::from_x_y_ranges(x0..=x1, rect.y_range()),
                0.0,
                cell_color(v, max_rate),
            );
        }
        ui.weak(format!("{:.1}", max_rate));
        ui.weak("(square-root scale; click a column for its distribution, drag across columns to select a time range)");
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::History;
    use crate::model::{AggFunction, KeyPart, Snapshot};

    fn dist(buckets: &[(i64, i64)]) -> Value {
        Value::Buckets(
            buckets
                .iter()
                .map(|&(min, count)| Bucket {
                    label: min.to_string(),
                    min: Some(min),
                    max: Some(min * 2 - 1),
                    count,
                    raw: None,
                })
                .collect(),
        )
    }

    fn history() -> History {
        let mut h = History::default();
        for (t, rows) in [
            (1.0, vec![("a", dist(&[(1, 2), (2, 0)]))]),
            (
                2.0,
                vec![("a", dist(&[(1, 2), (2, 4)])), ("b", dist(&[(4, 1)]))],
            ),
        ] {
            h.push(
                t,
                &Snapshot {
                    aggregations: vec![Aggregation {
                        id: 1,
                        name: "lat".into(),
                        function: AggFunction::Quantize,
                        key_sizes: vec![],
                        rows: rows
                            .into_iter()
                            .map(|(k, value)| Row {
                                key: vec![KeyPart::Str(k.into())],
                                value,
                            })
                            .collect(),
                    }],
                },
            );
        }
        h
    }

    #[test]
    fn cells_are_the_changes_per_interval() {
        let h = history();
        let m = HeatModel::build(h.get("lat").unwrap(), &HeatOptions::default(), None);
        let labels: Vec<&str> = m.buckets.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["1", "2", "4"]);
        assert_eq!(m.counts, [vec![2, 0, 0], vec![0, 4, 1]]);
        assert_eq!(m.max_rate, 4.0);
        assert_eq!(m.subject, "all keys");
        // Bucket 0 is the bottom row of the image.
        assert_eq!(m.image.size, [2, 3]);
        assert_eq!(m.image.pixels[2 * 2], cell_color(2.0, 4.0));
        assert_eq!(m.image.pixels[2 * 2 + 1], Color32::TRANSPARENT);
        assert_eq!(m.image.pixels[2 + 1], cell_color(4.0, 4.0));
        let only_a = HeatModel::build(
            h.get("lat").unwrap(),
            &HeatOptions {
                key: Some(0),
                selected: None,
            },
            None,
        );
        assert_eq!(only_a.counts[1], [0, 4, 0]);
        assert_eq!(only_a.subject, "a");
    }

    #[test]
    fn hover_names_the_interval_bucket_and_count() {
        let h = history();
        let m = HeatModel::build(h.get("lat").unwrap(), &HeatOptions::default(), None);
        assert_eq!(
            m.hover_text(1.5, 1.2).unwrap(),
            "+0:01 to +0:02 (1 s)\nvalues 2 .. 3\ncount 4"
        );
        assert_eq!(m.hover_text(9.0, 1.0), None);
        // In the unit chosen, the axis and the tooltip read as times.
        let mut m = m;
        m.unit = Unit::Microseconds;
        assert_eq!(m.axis_label(1), "2 µs");
        assert!(
            m.hover_text(1.5, 1.2)
                .unwrap()
                .contains("values 2 µs .. 3 µs")
        );
        let bars = m.column(1, "lat", AggFunction::Quantize);
        assert_eq!(bars.rows[0].value.buckets()[1].count, 4);
    }

    #[test]
    fn more_intervals_than_columns_are_summed_not_skipped() {
        // 4,096 one-second intervals, a burst in just one of them: the
        // 2,048 columns each take two, and the burst shows.
        let intervals: Vec<(f64, f64)> = (0..4096).map(|i| (i as f64, i as f64 + 1.0)).collect();
        let mut counts = vec![vec![0i64]; 4096];
        counts[1001] = vec![10];
        let img = image(&intervals, &counts, 1, 10.0);
        assert_eq!(img.size, [MAX_COLUMNS, 1]);
        // Column 500 holds seconds 1000 and 1001: 10 in 2 s.
        assert_eq!(img.pixels[500], cell_color(5.0, 10.0));
        assert_eq!(img.pixels[501], Color32::TRANSPARENT);
    }

    #[test]
    fn colours_deepen_with_the_count() {
        assert_eq!(cell_color(0.0, 5.0), Color32::TRANSPARENT);
        let pale = cell_color(1.0, 100.0);
        let deep = cell_color(100.0, 100.0);
        assert!(pale.g() > deep.g());
        assert_eq!(deep, Color32::from_rgb(0x9e, 0x10, 0x10));
    }
}
