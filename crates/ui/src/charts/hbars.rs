//! sum, min, max, avg and stddev (and count, if the user prefers) as
//! horizontal bars, largest first. Negative values grow left of a zero
//! line. Only the rows in view are drawn, so 100,000 keys scroll freely.

use super::palette;
use crate::model::units::Unit;
use crate::model::{Aggregation, key_label};
use egui::{Align2, Rect, Sense, Ui, vec2};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct BarsModel {
    /// (key, value), largest value first.
    pub rows: Vec<(String, i64)>,
    pub min: i64,
    pub max: i64,
    /// What the values are (a count's are always numbers).
    pub unit: Unit,
}

impl BarsModel {
    pub fn build(agg: &Aggregation) -> BarsModel {
        BarsModel::build_in(agg, Unit::Number)
    }

    /// The bars, their values read in `unit` ("12.3 ms") unless they
    /// count events.
    pub fn build_in(agg: &Aggregation, unit: Unit) -> BarsModel {
        // dtrace orders rows by value ascending, ties by key: reversing
        // keeps its tie order and needs no sort.
        let rows: Vec<(String, i64)> = agg
            .rows
            .iter()
            .rev()
            .filter_map(|r| {
                let v = r.value.as_number()?;
                let label = key_label(&r.key);
                Some((
                    if label.is_empty() {
                        "(no key)".into()
                    } else {
                        label
                    },
                    v,
                ))
            })
            .collect();
        let min = rows.iter().map(|r| r.1).min().unwrap_or(0).min(0);
        let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(0);
        let unit = unit.of_values(agg.function);
        BarsModel {
            rows,
            min,
            max,
            unit,
        }
    }

    /// Where zero sits across the bar area, 0..=1.
    pub fn zero_at(&self) -> f32 {
        let span = self.max as f64 - self.min as f64;
        if span == 0.0 {
            0.0
        } else {
            (-(self.min as f64) / span) as f32
        }
    }

    /// The bar of a value as (start, end) fractions of the bar area.
    pub fn extent(&self, value: i64) -> (f32, f32) {
        let span = self.max as f64 - self.min as f64;
        if span == 0.0 {
            return (0.0, 0.0);
        }
        let zero = self.zero_at();
        let at = ((value as f64 - self.min as f64) / span) as f32;
        (zero.min(at), zero.max(at))
    }
}

const ROW_HEIGHT: f32 = 20.0;

pub fn show(ui: &mut Ui, model: &BarsModel) {
    if model.rows.is_empty() {
        super::centered_message(ui, "No keys yet.");
        return;
    }
    let text_color = ui.visuals().text_color();
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let label_width = (ui.available_width() * 0.3).clamp(80.0, 320.0);
    egui::ScrollArea::vertical()
        .id_salt("hbars")
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, model.rows.len(), |ui, range| {
            for i in range {
                let (key, number) = &model.rows[i];
                let value = model.unit.text(*number);
                let (rect, response) =
                    ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::hover());
                let painter = ui.painter_at(rect);
                let label_rect = Rect::from_min_size(rect.min, vec2(label_width, ROW_HEIGHT));
                painter.with_clip_rect(label_rect).text(
                    label_rect.right_center() - vec2(6.0, 0.0),
                    Align2::RIGHT_CENTER,
                    key,
                    font.clone(),
                    text_color,
                );
                // Between the key and the value text, a little inside the row.
                let area = Rect::from_min_max(
                    rect.min + vec2(label_width, 3.0),
                    rect.max - vec2(90.0, 3.0),
                );
                let (a, b) = model.extent(*number);
                let bar = Rect::from_x_y_ranges(
                    area.left() + a * area.width()..=area.left() + b * area.width(),
                    area.y_range(),
                );
                painter.rect_filled(bar, 2.0, palette::color(0));
                painter.text(
                    rect.right_center() - vec2(4.0, 0.0),
                    Align2::RIGHT_CENTER,
                    &value,
                    font.clone(),
                    text_color,
                );
                // Screen readers (and UI tests) read a row as "key: value".
                response.widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ListItem, true, format!("{key}: {value}"))
                });
                response.on_hover_text(format!("{key}\n{value}"));
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::numbers;
    use crate::model::AggFunction;

    #[test]
    fn largest_first_with_lengths_in_proportion() {
        let agg = numbers(AggFunction::Max, &[("a", 10), ("b", 40), ("c", 20)]);
        let m = BarsModel::build(&agg);
        let keys: Vec<&str> = m.rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(keys, ["b", "c", "a"]);
        assert_eq!(m.extent(40), (0.0, 1.0));
        assert_eq!(m.extent(10), (0.0, 0.25));
    }

    #[test]
    fn negative_values_grow_left_of_zero() {
        let agg = numbers(AggFunction::Sum, &[("in", 30), ("out", -10)]);
        let m = BarsModel::build(&agg);
        assert_eq!(m.zero_at(), 0.25);
        assert_eq!(m.extent(-10), (0.0, 0.25));
        assert_eq!(m.extent(30), (0.25, 1.0));
    }
}
