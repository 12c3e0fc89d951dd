//! `count()` (and any all-positive aggregation) as a pie: the largest N
//! keys as slices, largest first, clockwise from twelve o'clock, and the
//! rest as one "other" slice.

use super::palette;
use crate::model::units::Unit;
use crate::model::{Aggregation, key_label};
use egui::epaint::{Mesh, Shape, Stroke};
use egui::{Color32, Pos2, Rect, RichText, Sense, Ui, Vec2, pos2, vec2};
use std::f32::consts::{FRAC_PI_2, TAU};

/// Slices shown before the rest are folded into "other".
pub const DEFAULT_TOP_N: usize = 10;

/// The most slices a user can ask for: one fewer than there are distinct
/// colours, as a single key left over keeps its own slice.
pub const MAX_TOP_N: usize = palette::LEN - 1;

#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: i64,
    /// The value as the legend reads it: in the aggregation's unit.
    pub text: String,
    /// Share of the pie, 0..=1.
    pub fraction: f64,
    /// Keys in the slice: 1, or how many "other" stands for.
    pub keys: usize,
}

impl Slice {
    /// The percentage as the legend and the tooltip print it.
    pub fn percent_text(&self) -> String {
        format!("{:.1}%", self.fraction * 100.0)
    }

    /// One legend line: key, value and percentage.
    pub fn legend_text(&self) -> String {
        format!("{}  {}  {}", self.label, self.text, self.percent_text())
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PieModel {
    /// The top N keys, largest first, then "other" if any keys are left.
    pub slices: Vec<Slice>,
    pub total: i128,
    /// Keys with a zero or negative value, which a pie cannot show.
    pub left_out: usize,
    /// What the values are (a count's are always numbers).
    pub unit: Unit,
}

impl PieModel {
    /// Builds the slices from an aggregation of numbers; distributions
    /// have no pie and give an empty model.
    pub fn build(agg: &Aggregation, top_n: usize) -> PieModel {
        PieModel::build_in(agg, top_n, Unit::Number)
    }

    /// The pie, its values read in `unit` ("219 ms") unless they count
    /// events.
    pub fn build_in(agg: &Aggregation, top_n: usize, unit: Unit) -> PieModel {
        let unit = unit.of_values(agg.function);
        let mut values: Vec<(i64, usize)> = Vec::with_capacity(agg.rows.len());
        let mut left_out = 0;
        for (i, row) in agg.rows.iter().enumerate() {
            match row.value.as_number() {
                Some(v) if v > 0 => values.push((v, i)),
                _ => left_out += 1,
            }
        }
        let total: i128 = values.iter().map(|&(v, _)| v as i128).sum();
        let top_n = top_n.clamp(1, MAX_TOP_N);
        // Only the top N need ordering: select them, then sort those few.
        // Ties go to the later row, which dtrace orders last by key.
        let descending = |a: &(i64, usize), b: &(i64, usize)| b.cmp(a);
        if values.len() > top_n + 1 {
            values.select_nth_unstable_by(top_n - 1, descending);
        }
        // Folding a single key into "other" would hide its name for nothing.
        let split = if values.len() == top_n + 1 {
            values.len()
        } else {
            top_n.min(values.len())
        };
        let (top, rest) = values.split_at_mut(split);
        top.sort_unstable_by(descending);
        let fraction = |v: i128| {
            if total == 0 {
                0.0
            } else {
                v as f64 / total as f64
            }
        };
        let mut slices: Vec<Slice> = top
            .iter()
            .map(|&(v, i)| Slice {
                label: display_key(&key_label(&agg.rows[i].key)),
                value: v,
                text: unit.text(v),
                fraction: fraction(v as i128),
                keys: 1,
            })
            .collect();
        if !rest.is_empty() {
            let sum: i128 = rest.iter().map(|&(v, _)| v as i128).sum();
            let value = sum.min(i64::MAX as i128) as i64;
            slices.push(Slice {
                label: format!("other ({} keys)", rest.len()),
                value,
                text: unit.text(value),
                fraction: fraction(sum),
                keys: rest.len(),
            });
        }
        PieModel {
            slices,
            total,
            left_out,
            unit,
        }
    }

    /// Whether the last slice stands for the keys beyond the top N.
    pub fn has_other(&self) -> bool {
        self.slices.last().is_some_and(|s| s.keys > 1)
    }

    /// The slice under `pos`, for a pie drawn at `center` with `radius`.
    pub fn slice_at(&self, center: Pos2, radius: f32, pos: Pos2) -> Option<usize> {
        let d = pos - center;
        if d.length() > radius || self.total == 0 {
            return None;
        }
        // Clockwise from twelve o'clock, as the slices are drawn.
        let angle = (d.y.atan2(d.x) + FRAC_PI_2).rem_euclid(TAU);
        let mut start = 0.0f32;
        for (i, s) in self.slices.iter().enumerate() {
            let end = start + s.fraction as f32 * TAU;
            if angle < end {
                return Some(i);
            }
            start = end;
        }
        self.slices.len().checked_sub(1)
    }

    /// The pie's shapes: one triangle fan per slice, the hovered one pulled
    /// out a little, and thin separators. Needs no fonts, so it can be
    /// built (and measured) without a UI.
    pub fn shapes(&self, center: Pos2, radius: f32, hovered: Option<usize>) -> Vec<Shape> {
        let mut mesh = Mesh::default();
        let mut start = -FRAC_PI_2;
        let mut edges = Vec::with_capacity(self.slices.len());
        for (i, s) in self.slices.iter().enumerate() {
            let sweep = s.fraction as f32 * TAU;
            let color = self.color(i);
            let mid = start + sweep / 2.0;
            let (c, r) = if hovered == Some(i) {
                (center + vec2(mid.cos(), mid.sin()) * radius * 0.06, radius)
            } else {
                (center, radius * 0.97)
            };
            fan(&mut mesh, c, r, start, sweep, color);
            edges.push(start);
            start += sweep;
        }
        let mut shapes = vec![Shape::mesh(mesh)];
        if self.slices.len() > 1 {
            let stroke = Stroke::new(1.0, Color32::from_black_alpha(90));
            for a in edges {
                shapes.push(Shape::line_segment(
                    [center, center + vec2(a.cos(), a.sin()) * radius * 0.97],
                    stroke,
                ));
            }
        }
        shapes
    }

    pub fn color(&self, index: usize) -> Color32 {
        if self.has_other() && index + 1 == self.slices.len() {
            palette::OTHER
        } else {
            palette::color(index)
        }
    }
}

/// Keys of `@x = count()` have no parts; call them what the script does.
fn display_key(label: &str) -> String {
    if label.is_empty() {
        "(no key)".to_owned()
    } else {
        label.to_owned()
    }
}

fn fan(mesh: &mut Mesh, center: Pos2, radius: f32, start: f32, sweep: f32, color: Color32) {
    // About one segment per 2 degrees keeps the edge smooth at any size.
    let segments = ((sweep / TAU) * 180.0).ceil().max(1.0) as u32;
    let base = mesh.vertices.len() as u32;
    mesh.colored_vertex(center, color);
    for k in 0..=segments {
        let a = start + sweep * k as f32 / segments as f32;
        mesh.colored_vertex(center + vec2(a.cos(), a.sin()) * radius, color);
    }
    for k in 0..segments {
        mesh.add_triangle(base, base + 1 + k, base + 2 + k);
    }
}

/// Where the pie and its legend go in the space the chart is given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    /// The square the pie is drawn in.
    pub pie: Rect,
    /// The legend's part, which scrolls when its rows do not fit.
    pub legend: Rect,
}

const GAP: f32 = 12.0;

/// How wide the legend is beside the pie: one column of `legend.x` for
/// each `rect.height()` of its rows (a low panel gets its legend in
/// columns side by side), at most six tenths of the width.
pub fn beside_width(rect: Rect, legend: Vec2) -> f32 {
    let rows_fit = ((rect.height() / ROW_HEIGHT).floor() - 1.0).max(1.0);
    let rows = (legend.y / ROW_HEIGHT - 1.0).max(1.0);
    let columns = (rows / rows_fit).ceil();
    (legend.x * columns).min(rect.width() * 0.6)
}

/// Puts the legend beside the pie or below it, whichever leaves the pie
/// larger; `legend` is the size the legend would like. The pie and the
/// legend together fill `rect`.
pub fn layout(rect: Rect, legend: Vec2) -> Layout {
    let beside_w = beside_width(rect, legend);
    let beside_side = (rect.width() - beside_w - GAP).min(rect.height());
    // Below, the legend keeps at least three rows in view.
    let below_h = legend.y.min(rect.height() * 0.5).max(3.0 * ROW_HEIGHT);
    let below_side = (rect.height() - below_h - GAP).min(rect.width());
    if beside_side >= below_side {
        // The pie and the legend side by side, centred together: the
        // numbers stay next to their keys however wide the panel.
        let side = beside_side.max(0.0);
        let spare = (rect.width() - side - GAP - beside_w).max(0.0);
        let left = rect.left() + spare / 2.0;
        Layout {
            pie: Rect::from_min_size(pos2(left, rect.center().y - side / 2.0), Vec2::splat(side)),
            legend: Rect::from_min_max(
                pos2(left + side + GAP, rect.top()),
                pos2(left + side + GAP + beside_w, rect.bottom()),
            ),
        }
    } else {
        let area = Rect::from_min_max(rect.min, pos2(rect.right(), rect.bottom() - below_h - GAP));
        let side = below_side.max(0.0);
        Layout {
            pie: Rect::from_center_size(area.center(), Vec2::splat(side)),
            legend: Rect::from_min_max(pos2(rect.left(), area.bottom() + GAP), rect.max),
        }
    }
}

const ROW_HEIGHT: f32 = 18.0;
/// Between legend columns.
const COLUMN_GAP: f32 = 24.0;
const SWATCH: f32 = 12.0;

/// Draws the pie and its legend in all the space left in `ui`; returns
/// the hovered slice.
pub fn show(ui: &mut Ui, model: &PieModel) -> Option<usize> {
    if model.slices.is_empty() {
        super::centered_message(ui, "Nothing to chart: no key has a positive value yet.");
        return None;
    }
    let (rect, _) = ui.allocate_exact_size(ui.available_size(), Sense::hover());
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let width = |t: &str| {
        ui.painter()
            .layout_no_wrap(t.to_owned(), font.clone(), Color32::WHITE)
            .size()
            .x
    };
    let label_w = model
        .slices
        .iter()
        .map(|s| width(&s.label))
        .fold(0.0, f32::max)
        .min(320.0);
    let value_w = model
        .slices
        .iter()
        .map(|s| width(&s.text))
        .fold(0.0, f32::max);
    let pct_w = width("100.0%");
    let scroll_bar = ui.spacing().scroll.bar_width + 4.0;
    let entry_w = SWATCH + 8.0 + label_w + 10.0 + value_w + 10.0 + pct_w;
    let columns = Columns {
        value_w,
        pct_w,
        width: entry_w + COLUMN_GAP,
    };
    let natural = vec2(
        entry_w + scroll_bar,
        (model.slices.len() + 1 + usize::from(model.left_out > 0)) as f32 * ROW_HEIGHT,
    );
    let parts = layout(rect, natural);
    let center = parts.pie.center();
    let radius = parts.pie.width() * 0.47;
    let response = ui.interact(parts.pie, ui.make_persistent_id("pie"), Sense::hover());
    let mut hovered = response
        .hover_pos()
        .and_then(|p| model.slice_at(center, radius, p));
    let mut legend_ui = ui.new_child(egui::UiBuilder::new().max_rect(parts.legend));
    if let Some(i) = legend(&mut legend_ui, model, hovered, columns) {
        hovered = Some(i);
    }
    ui.painter_at(parts.pie)
        .extend(model.shapes(center, radius, hovered));
    if let Some(i) = hovered
        && response.hovered()
    {
        let s = &model.slices[i];
        response.on_hover_ui_at_pointer(|ui| {
            ui.strong(&s.label);
            ui.label(format!("{}  ({})", s.text, s.percent_text()));
            if s.keys > 1 {
                ui.label(format!("{} keys", s.keys));
            }
        });
    }
    hovered
}

/// Widths of the legend's number columns, measured in the legend's font.
#[derive(Clone, Copy)]
struct Columns {
    value_w: f32,
    pct_w: f32,
    /// One legend column as wide as its widest entry wants.
    width: f32,
}

/// The legend: the total, then a row per slice (swatch, key, value,
/// share) scrolling in whatever height it has. Returns the slice whose
/// row is under the pointer.
fn legend(ui: &mut Ui, model: &PieModel, hovered: Option<usize>, cols: Columns) -> Option<usize> {
    let total = model
        .unit
        .text(model.total.clamp(0, i64::MAX as i128) as i64);
    ui.label(format!("total {total}"));
    if model.left_out > 0 {
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!(
                    "{} keys at zero or below are not shown",
                    model.left_out
                ))
                .weak(),
            )
            .truncate(),
        );
    }
    // As many columns as the slices need to fit the height, as many as
    // fit the width; read across, then down, so that when it must scroll
    // the largest slices are the ones in view.
    let n = model.slices.len();
    let avail = ui.available_size();
    let rows_fit = ((avail.y / ROW_HEIGHT).floor() as usize).max(1);
    let fit_across = ((avail.x / cols.width).floor() as usize).max(1);
    let columns = n.div_ceil(rows_fit).clamp(1, fit_across);
    let rows = n.div_ceil(columns);
    let mut row_hovered = None;
    egui::ScrollArea::vertical()
        .id_salt("pie-legend")
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows, |ui, range| {
            for r in range {
                let (line, _) =
                    ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::hover());
                let col_w = if columns == 1 {
                    line.width()
                } else {
                    (line.width() / columns as f32).min(cols.width)
                };
                for c in 0..columns {
                    let i = r * columns + c;
                    if i >= n {
                        continue;
                    }
                    let gap = if columns == 1 { 0.0 } else { COLUMN_GAP };
                    let cell = Rect::from_min_size(
                        line.min + vec2(c as f32 * col_w, 0.0),
                        vec2(col_w - gap, ROW_HEIGHT),
                    );
                    if ui
                        .interact(cell, ui.make_persistent_id(("legend", i)), Sense::hover())
                        .hovered()
                    {
                        row_hovered = Some(i);
                    }
                    entry(
                        ui,
                        model,
                        i,
                        cell,
                        hovered == Some(i) || row_hovered == Some(i),
                        cols,
                    );
                }
            }
        });
    row_hovered
}

/// One legend entry in `row`: swatch, key, value and share.
fn entry(ui: &mut Ui, model: &PieModel, i: usize, row: Rect, strong: bool, cols: Columns) {
    let s = &model.slices[i];
    let swatch = Rect::from_center_size(
        pos2(row.left() + SWATCH / 2.0, row.center().y),
        Vec2::splat(SWATCH),
    );
    ui.painter().rect_filled(swatch, 2.0, model.color(i));
    let pct_right = row.right();
    let value_right = pct_right - cols.pct_w - 10.0;
    let label_rect = Rect::from_min_max(
        pos2(swatch.right() + 8.0, row.top()),
        pos2(value_right - cols.value_w - 10.0, row.bottom()),
    );
    let text = |t: String| {
        let t = RichText::new(t).monospace();
        if strong { t.strong() } else { t }
    };
    let cell = |ui: &mut Ui, r: Rect, layout: egui::Layout, text: RichText| {
        if r.width() > 0.0 {
            ui.new_child(egui::UiBuilder::new().max_rect(r).layout(layout))
                .add(egui::Label::new(text).truncate().selectable(false));
        }
    };
    let left = egui::Layout::left_to_right(egui::Align::Center);
    let right = egui::Layout::right_to_left(egui::Align::Center);
    cell(ui, label_rect, left, text(s.label.clone()));
    let value_rect = Rect::from_min_max(
        pos2(value_right - cols.value_w, row.top()),
        pos2(value_right, row.bottom()),
    );
    cell(ui, value_rect, right, text(s.text.clone()));
    let pct_rect = Rect::from_min_max(
        pos2(pct_right - cols.pct_w, row.top()),
        pos2(pct_right, row.bottom()),
    );
    cell(ui, pct_rect, right, text(s.percent_text()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::numbers;
    use crate::model::AggFunction;

    #[test]
    fn a_sum_of_times_reads_as_times_and_a_count_as_a_number() {
        let agg = numbers(
            AggFunction::Sum,
            &[("a", 219_000_000), ("b", 5_000), ("c", 4_000)],
        );
        let pie = PieModel::build_in(&agg, 1, Unit::Nanoseconds);
        let texts: Vec<&str> = pie.slices.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["219 ms", "9 µs"]);
        assert!(pie.slices[0].legend_text().contains("219 ms"));
        let count = numbers(AggFunction::Count, &[("a", 219_000_000)]);
        let pie = PieModel::build_in(&count, 1, Unit::Nanoseconds);
        assert_eq!(pie.slices[0].text, "219000000");
    }

    #[test]
    fn slices_are_the_top_keys_largest_first_then_other() {
        let agg = numbers(
            AggFunction::Count,
            &[
                ("read", 50),
                ("write", 30),
                ("open", 10),
                ("close", 6),
                ("stat", 4),
            ],
        );
        let pie = PieModel::build(&agg, 2);
        let labels: Vec<&str> = pie.slices.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["read", "write", "other (3 keys)"]);
        assert_eq!(pie.total, 100);
        assert_eq!(pie.slices[2].value, 20);
        assert_eq!(pie.slices[2].keys, 3);
        assert_eq!(pie.slices[0].percent_text(), "50.0%");
        assert_eq!(pie.slices[2].legend_text(), "other (3 keys)  20  20.0%");
        assert!(pie.has_other());
        assert_eq!(pie.color(2), palette::OTHER);
    }

    #[test]
    fn one_key_left_over_keeps_its_own_slice() {
        let agg = numbers(AggFunction::Count, &[("a", 3), ("b", 2), ("c", 1)]);
        let pie = PieModel::build(&agg, 2);
        assert_eq!(pie.slices.len(), 3);
        assert_eq!(pie.slices[2].label, "c");
        assert!(!pie.has_other());
    }

    #[test]
    fn non_positive_values_are_left_out_and_counted() {
        let agg = numbers(AggFunction::Sum, &[("a", 5), ("b", 0), ("c", -3)]);
        let pie = PieModel::build(&agg, 10);
        assert_eq!(pie.slices.len(), 1);
        assert_eq!(pie.left_out, 2);
        assert_eq!(pie.slices[0].percent_text(), "100.0%");
    }

    #[test]
    fn the_slice_under_the_pointer_is_found_clockwise_from_the_top() {
        let agg = numbers(AggFunction::Count, &[("big", 75), ("small", 25)]);
        let pie = PieModel::build(&agg, 10);
        let c = Pos2::new(100.0, 100.0);
        // Right of the centre is a quarter turn clockwise: in "big".
        assert_eq!(pie.slice_at(c, 50.0, c + vec2(40.0, 0.0)), Some(0));
        // Left of the centre is three quarters round: the edge of "small".
        assert_eq!(pie.slice_at(c, 50.0, c + vec2(-40.0, -1.0)), Some(1));
        assert_eq!(pie.slice_at(c, 50.0, c + vec2(60.0, 0.0)), None);
    }

    #[test]
    fn ten_thousand_keys_give_the_top_n_and_one_other_slice() {
        let rows: Vec<(String, i64)> = (0..10_000).map(|i| (format!("k{i}"), i + 1)).collect();
        let rows: Vec<(&str, i64)> = rows.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let agg = numbers(AggFunction::Count, &rows);
        let pie = PieModel::build(&agg, 10);
        assert_eq!(pie.slices.len(), 11);
        assert_eq!(pie.slices[0].label, "k9999");
        assert_eq!(pie.slices[9].label, "k9990");
        assert_eq!(pie.slices[10].keys, 9_990);
        let sum: f64 = pie.slices.iter().map(|s| s.fraction).sum();
        assert!((sum - 1.0).abs() < 1e-9);
    }

    #[test]
    fn every_slice_up_to_the_most_has_its_own_colour_and_other_stays_grey() {
        use crate::charts::palette::difference;
        for keys in [MAX_TOP_N + 1, MAX_TOP_N + 2, 60] {
            let rows: Vec<(String, i64)> =
                (0..keys).map(|i| (format!("k{i}"), i as i64 + 1)).collect();
            let rows: Vec<(&str, i64)> = rows.iter().map(|(k, v)| (k.as_str(), *v)).collect();
            // Asking for more slices than there are colours gets the most.
            let pie = PieModel::build(&numbers(AggFunction::Count, &rows), 50);
            let coloured = if pie.has_other() {
                assert_eq!(pie.color(pie.slices.len() - 1), palette::OTHER);
                pie.slices.len() - 1
            } else {
                pie.slices.len()
            };
            assert!(coloured >= MAX_TOP_N, "{keys} keys: {coloured} slices");
            for i in 0..coloured {
                assert!(difference(pie.color(i), palette::OTHER) > 0.1);
                for j in i + 1..coloured {
                    assert!(
                        difference(pie.color(i), pie.color(j)) > 0.1,
                        "{keys} keys: slices {i} and {j}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_pie_and_its_legend_share_the_space_beside_or_below() {
        let legend = vec2(260.0, 12.0 * ROW_HEIGHT);
        for size in [
            vec2(1084.0, 60.0),
            vec2(684.0, 150.0),
            vec2(1084.0, 290.0),
            vec2(1584.0, 480.0),
            vec2(300.0, 700.0),
            vec2(260.0, 120.0),
        ] {
            let rect = Rect::from_min_size(pos2(8.0, 300.0), size);
            let l = layout(rect, legend);
            assert!(rect.expand(0.01).contains_rect(l.pie), "{size:?}: {l:?}");
            assert!(rect.expand(0.01).contains_rect(l.legend), "{size:?}: {l:?}");
            assert!(!l.pie.intersects(l.legend), "{size:?}: {l:?}");
            // The pie is as large as the space allows either way round.
            let beside = (size.x - beside_width(rect, legend) - GAP).min(size.y);
            let below =
                (size.y - legend.y.min(size.y * 0.5).max(3.0 * ROW_HEIGHT) - GAP).min(size.x);
            assert!(
                (l.pie.width() - beside.max(below).max(0.0)).abs() < 0.01,
                "{size:?}: {l:?}"
            );
            // The legend keeps the rest: the full height beside, the full
            // width below.
            assert!(
                (l.legend.height() - size.y).abs() < 0.01
                    || (l.legend.width() - size.x).abs() < 0.01,
                "{size:?}: {l:?}"
            );
        }
        // A wide, low panel puts the legend beside, in columns; a tall,
        // narrow one below.
        let wide = layout(Rect::from_min_size(Pos2::ZERO, vec2(1084.0, 60.0)), legend);
        assert!(wide.legend.left() > wide.pie.right());
        assert_eq!(
            wide.legend.width(),
            1084.0 * 0.6,
            "11 rows, 2 a column: 6 columns"
        );
        let roomy = layout(Rect::from_min_size(Pos2::ZERO, vec2(1084.0, 290.0)), legend);
        assert_eq!(roomy.legend.width(), 260.0, "one column");
        let tall = layout(Rect::from_min_size(Pos2::ZERO, vec2(300.0, 700.0)), legend);
        assert!(tall.legend.top() > tall.pie.bottom());
    }
}
