//! `count()` (and any all-positive aggregation) as a pie: the largest N
//! keys as slices, largest first, clockwise from twelve o'clock, and the
//! rest as one "other" slice.

use super::palette;
use crate::model::{Aggregation, key_label};
use egui::epaint::{Mesh, Shape, Stroke};
use egui::{Color32, Pos2, Rect, Sense, Ui, Vec2, vec2};
use std::f32::consts::{FRAC_PI_2, TAU};

/// Slices shown before the rest are folded into "other".
pub const DEFAULT_TOP_N: usize = 10;

#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    pub label: String,
    pub value: i64,
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
        format!("{}  {}  {}", self.label, self.value, self.percent_text())
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PieModel {
    /// The top N keys, largest first, then "other" if any keys are left.
    pub slices: Vec<Slice>,
    pub total: i128,
    /// Keys with a zero or negative value, which a pie cannot show.
    pub left_out: usize,
}

impl PieModel {
    /// Builds the slices from an aggregation of numbers; distributions
    /// have no pie and give an empty model.
    pub fn build(agg: &Aggregation, top_n: usize) -> PieModel {
        let mut values: Vec<(i64, usize)> = Vec::with_capacity(agg.rows.len());
        let mut left_out = 0;
        for (i, row) in agg.rows.iter().enumerate() {
            match row.value.as_number() {
                Some(v) if v > 0 => values.push((v, i)),
                _ => left_out += 1,
            }
        }
        let total: i128 = values.iter().map(|&(v, _)| v as i128).sum();
        let top_n = top_n.max(1);
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
                fraction: fraction(v as i128),
                keys: 1,
            })
            .collect();
        if !rest.is_empty() {
            let sum: i128 = rest.iter().map(|&(v, _)| v as i128).sum();
            slices.push(Slice {
                label: format!("other ({} keys)", rest.len()),
                value: sum.min(i64::MAX as i128) as i64,
                fraction: fraction(sum),
                keys: rest.len(),
            });
        }
        PieModel {
            slices,
            total,
            left_out,
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

/// Draws the pie and its legend; returns the hovered slice.
pub fn show(ui: &mut Ui, model: &PieModel) -> Option<usize> {
    if model.slices.is_empty() {
        ui.label("Nothing to chart: no key has a positive value yet.");
        return None;
    }
    let mut hovered = None;
    ui.horizontal_top(|ui| {
        let side = ui
            .available_height()
            .min(ui.available_width() * 0.55)
            .max(120.0);
        let (rect, response) = ui.allocate_exact_size(Vec2::splat(side), Sense::hover());
        let center = rect.center();
        let radius = side * 0.45;
        hovered = response
            .hover_pos()
            .and_then(|p| model.slice_at(center, radius, p));
        ui.painter().extend(model.shapes(center, radius, hovered));
        if let Some(i) = hovered {
            let s = &model.slices[i];
            response.on_hover_ui_at_pointer(|ui| {
                ui.strong(&s.label);
                ui.label(format!("{}  ({})", s.value, s.percent_text()));
                if s.keys > 1 {
                    ui.label(format!("{} keys", s.keys));
                }
            });
        }
        legend(ui, model, hovered, rect);
    });
    hovered
}

fn legend(ui: &mut Ui, model: &PieModel, hovered: Option<usize>, pie: Rect) {
    ui.vertical(|ui| {
        ui.label(format!("total {}", model.total));
        if model.left_out > 0 {
            ui.weak(format!(
                "{} keys at zero or below are not shown",
                model.left_out
            ));
        }
        egui::ScrollArea::vertical()
            .id_salt("pie-legend")
            .max_height(pie.height())
            .show(ui, |ui| {
                egui::Grid::new("pie-legend-grid")
                    .num_columns(4)
                    .min_col_width(0.0)
                    .spacing(vec2(10.0, 3.0))
                    .show(ui, |ui| {
                        for (i, s) in model.slices.iter().enumerate() {
                            let (r, _) = ui.allocate_exact_size(vec2(12.0, 12.0), Sense::hover());
                            ui.painter().rect_filled(r, 2.0, model.color(i));
                            let strong = |t: String| {
                                let t = egui::RichText::new(t).monospace();
                                if hovered == Some(i) { t.strong() } else { t }
                            };
                            ui.label(strong(s.label.clone()));
                            ui.with_layout(
                                egui::Layout::right_to_left(egui::Align::Center),
                                |ui| {
                                    ui.label(strong(s.value.to_string()));
                                },
                            );
                            ui.label(strong(s.percent_text()));
                            ui.end_row();
                        }
                    });
            });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AggFunction;
    use crate::ui::charts::fixtures::numbers;

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
}
