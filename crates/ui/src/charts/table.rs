//! Every aggregation as a table sorted by any column: one row per key for
//! numbers, one row per key and bucket for distributions, and above those
//! a distribution's summary, one row per key: its count, estimated mean,
//! and the bucket ranges of p50, p90, p99 and the largest value. Sorting
//! happens when the data or the sort column changes, never per frame.

use super::bars3d::AxisBucket;
use crate::model::latency;
use crate::model::units::Unit;
use crate::model::{Aggregation, KeyPart, Value};
use egui::{RichText, Ui, vec2};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub text: String,
    /// Numbers sort as numbers.
    pub number: Option<i128>,
}

impl Cell {
    fn text(text: String) -> Cell {
        Cell { text, number: None }
    }

    fn number(n: i64) -> Cell {
        Cell {
            text: n.to_string(),
            number: Some(n as i128),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableModel {
    pub columns: Vec<String>,
    /// In dtrace's order.
    pub rows: Vec<Vec<Cell>>,
    /// Indices into `rows` in the order shown.
    order: Vec<usize>,
    sort: Option<(usize, bool)>,
    /// A distribution's per-key summary.
    pub summary: Option<Box<TableModel>>,
    /// What each row is of, for "Narrow the script" (by row index).
    pub targets: Vec<Target>,
    /// The row whose "Narrow the script" was chosen, until taken.
    pub asked: Option<usize>,
}

/// What a row is of: a key, and for a distribution's bucket row, the
/// bucket's values.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub key: Vec<KeyPart>,
    pub values: Option<(Option<i64>, Option<i64>)>,
}

impl TableModel {
    pub fn build(agg: &Aggregation) -> TableModel {
        TableModel::build_in(agg, Unit::Number)
    }

    /// The table, its values, bucket ranges and percentiles in `unit`
    /// where that is a time or a size (a number's are dtrace's exact
    /// ones).
    pub fn build_in(agg: &Aggregation, unit: Unit) -> TableModel {
        let parts = agg.rows.first().map_or(0, |r| r.key.len());
        let mut columns = key_columns(parts);
        let mut rows = Vec::new();
        let mut targets = Vec::new();
        if agg.function.is_distribution() {
            columns.extend(["value".into(), "count".into()]);
            for r in &agg.rows {
                for b in r.value.buckets() {
                    let mut cells = key_cells(&r.key);
                    let bucket = AxisBucket {
                        label: b.label.clone(),
                        min: b.min,
                        max: b.max,
                    };
                    cells.push(Cell {
                        text: bucket.range_in(unit),
                        // Underflow buckets sort first.
                        number: Some(b.min.map_or(i128::MIN, i128::from)),
                    });
                    cells.push(Cell::number(b.count));
                    rows.push(cells);
                    targets.push(Target {
                        key: r.key.clone(),
                        values: Some((b.min, b.max)),
                    });
                }
            }
        } else {
            columns.push(agg.function.name().into());
            // A count stays a count; a sum, min, max, avg or stddev of a
            // time or a size reads in it ("12.3 ms"), still sorting by
            // the number.
            let unit = unit.of_values(agg.function);
            for r in &agg.rows {
                let mut cells = key_cells(&r.key);
                if let Value::Number(n) = r.value {
                    cells.push(Cell {
                        text: unit.text(n),
                        number: Some(n as i128),
                    });
                }
                rows.push(cells);
                targets.push(Target {
                    key: r.key.clone(),
                    values: None,
                });
            }
        }
        let order = (0..rows.len()).collect();
        TableModel {
            columns,
            rows,
            order,
            sort: None,
            summary: agg
                .function
                .is_distribution()
                .then(|| Box::new(TableModel::summary(agg, parts, unit))),
            targets,
            asked: None,
        }
    }

    /// One row per key of a distribution: count, mean, p50, p90, p99 and
    /// the largest value, sortable by each (a range by its low end).
    fn summary(agg: &Aggregation, parts: usize, unit: Unit) -> TableModel {
        let mut columns = key_columns(parts);
        columns.extend(["count", "mean", "p50", "p90", "p99", "max"].map(String::from));
        let (rows, targets): (Vec<Vec<Cell>>, Vec<Target>) = agg
            .rows
            .iter()
            .filter_map(|r| {
                let s = latency::summary(r.value.buckets())?;
                let mut cells = key_cells(&r.key);
                cells.push(Cell::number(s.count));
                let mean = s.mean.unwrap_or(0.0);
                cells.push(Cell {
                    text: if unit == Unit::Number {
                        format!("{mean:.0}")
                    } else {
                        unit.short(mean.round() as i64)
                    },
                    number: Some(mean as i128),
                });
                for (_, range) in s.ranges() {
                    cells.push(Cell {
                        text: unit.range_of(range.0, range.1),
                        number: Some(range.0.map_or(i128::MIN, i128::from)),
                    });
                }
                let target = Target {
                    key: r.key.clone(),
                    values: None,
                };
                Some((cells, target))
            })
            .unzip();
        let order = (0..rows.len()).collect();
        TableModel {
            columns,
            rows,
            order,
            sort: None,
            summary: None,
            targets,
            asked: None,
        }
    }

    /// Sorts by `column`, ascending or not; keeps dtrace's order for ties.
    pub fn sort_by(&mut self, column: usize, ascending: bool) {
        self.sort = Some((column, ascending));
        let rows = &self.rows;
        self.order = (0..rows.len()).collect();
        self.order.sort_by(|&a, &b| {
            let ord = compare(&rows[a][column], &rows[b][column]);
            if ascending { ord } else { ord.reverse() }
        });
    }

    pub fn sort(&self) -> Option<(usize, bool)> {
        self.sort
    }

    /// The rows in the order shown.
    pub fn shown(&self) -> impl Iterator<Item = &[Cell]> {
        self.order.iter().map(|&i| self.rows[i].as_slice())
    }

    /// Keeps the user's sorts across a rebuild with new data.
    pub fn rebuilt(agg: &Aggregation, previous: Option<&TableModel>, unit: Unit) -> TableModel {
        let mut t = TableModel::build_in(agg, unit);
        if let Some((c, asc)) = previous.and_then(|p| p.sort)
            && c < t.columns.len()
        {
            t.sort_by(c, asc);
        }
        let before = previous.and_then(|p| p.summary.as_deref());
        if let (Some(summary), Some((c, asc))) = (&mut t.summary, before.and_then(|p| p.sort))
            && c < summary.columns.len()
        {
            summary.sort_by(c, asc);
        }
        t
    }
}

/// The key columns' headings: "key", or "key 1", "key 2"….
fn key_columns(parts: usize) -> Vec<String> {
    match parts {
        0 => Vec::new(),
        1 => vec!["key".into()],
        n => (1..=n).map(|i| format!("key {i}")).collect(),
    }
}

/// A key's cells: numbers sort as numbers.
fn key_cells(key: &[KeyPart]) -> Vec<Cell> {
    key.iter()
        .map(|p| match p {
            KeyPart::Int(v) => Cell::number(*v),
            other => Cell::text(other.label()),
        })
        .collect()
}

fn compare(a: &Cell, b: &Cell) -> Ordering {
    match (a.number, b.number) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.text.cmp(&b.text),
    }
}

const ROW_HEIGHT: f32 = 18.0;

/// The table; a click on a column heading sorts by it, a second click
/// reverses. A distribution's summary comes first, in at most a third of
/// the height.
pub fn show(ui: &mut Ui, model: &mut TableModel) {
    if let Some(summary) = &mut model.summary {
        ui.label(
            RichText::new(
                "Per key: p50, p90, p99 and max are the ranges of the buckets they fall in \
                 (a bucket knows no more); the mean is estimated from the buckets' middles.",
            )
            .weak(),
        );
        let height = (ui.available_height() / 3.0).max(ROW_HEIGHT * 3.0);
        ui.allocate_ui(vec2(ui.available_width(), height), |ui| {
            grid(ui, summary, "agg-summary", 6)
        });
        ui.separator();
    }
    grid(ui, model, "agg-table", 0);
}

/// One sortable table; `value_cols` columns at the right are narrow
/// (0: as many as the table's values take).
fn grid(ui: &mut Ui, model: &mut TableModel, id: &str, value_cols: usize) {
    let n = model.columns.len();
    if n == 0 {
        return;
    }
    let width = ui.available_width();
    // The value columns are narrow; keys take what is left.
    let value_cols = if value_cols > 0 {
        value_cols
    } else if model.columns.len() >= 2
        && model.columns[n - 2] == "value"
        && model.columns[n - 1] == "count"
    {
        2
    } else {
        1
    };
    let key_cols = n - value_cols;
    let value_w = if value_cols > 2 { 110.0 } else { 130.0 };
    let key_w = if key_cols == 0 {
        0.0
    } else {
        ((width - value_w * value_cols as f32) / key_cols as f32).max(80.0)
    };
    let col_w = |c: usize| if c < key_cols { key_w } else { value_w };
    let mut clicked = None;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        for (c, name) in model.columns.iter().enumerate() {
            let arrow = match model.sort {
                Some((s, true)) if s == c => " ^",
                Some((s, false)) if s == c => " v",
                _ => "",
            };
            let b = egui::Button::new(RichText::new(format!("{name}{arrow}")).strong())
                .min_size(vec2(col_w(c), ROW_HEIGHT));
            if ui
                .add_sized(vec2(col_w(c), ROW_HEIGHT), b)
                .on_hover_text("Sort by this column")
                .clicked()
            {
                clicked = Some(c);
            }
        }
    });
    if let Some(c) = clicked {
        let asc = match model.sort {
            Some((s, asc)) if s == c => !asc,
            // Numbers are most interesting largest first.
            _ => c < key_cols,
        };
        model.sort_by(c, asc);
    }
    let mut asked = None;
    egui::ScrollArea::both()
        .id_salt(id)
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, model.rows.len(), |ui, range| {
            for &i in &model.order[range] {
                let row = &model.rows[i];
                let drawn = ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    for (c, cell) in row.iter().enumerate() {
                        let layout = if cell.number.is_some() {
                            egui::Layout::right_to_left(egui::Align::Center)
                        } else {
                            egui::Layout::left_to_right(egui::Align::Center)
                        };
                        ui.allocate_ui_with_layout(vec2(col_w(c), ROW_HEIGHT), layout, |ui| {
                            ui.set_min_size(vec2(col_w(c), ROW_HEIGHT));
                            ui.add_space(6.0);
                            ui.add(
                                egui::Label::new(RichText::new(&cell.text).monospace()).truncate(),
                            );
                        });
                    }
                });
                if narrow_menu(ui, drawn.response.rect, (id, i), model.targets.get(i)) {
                    asked = Some(i);
                }
            }
        });
    if asked.is_some() {
        model.asked = asked;
    }
}

/// A row's right-click menu: "Narrow the script" for a key a predicate
/// can compare; true when it was chosen.
fn narrow_menu(ui: &mut Ui, rect: egui::Rect, id: (&str, usize), target: Option<&Target>) -> bool {
    let Some(target) = target else {
        return false;
    };
    let plain = target
        .key
        .iter()
        .all(|p| matches!(p, KeyPart::Int(_) | KeyPart::Str(_)));
    if target.key.is_empty() && target.values.is_none() || !plain {
        return false;
    }
    let what = if target.values.is_some() {
        "Narrow the script to this key and bucket"
    } else {
        "Narrow the script to this key"
    };
    let mut chosen = false;
    ui.interact(rect, ui.scope_id().with(id), egui::Sense::click())
        .on_hover_text("Right-click: narrow the script to this row")
        .context_menu(|ui| {
            if ui.button(what).clicked() {
                chosen = true;
                ui.close();
            }
        });
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::{lquantize, numbers};
    use crate::model::AggFunction;

    fn column(t: &TableModel, c: usize) -> Vec<String> {
        t.shown().map(|r| r[c].text.clone()).collect()
    }

    #[test]
    fn numbers_sort_as_numbers_and_keys_as_text() {
        let agg = numbers(AggFunction::Sum, &[("b", 9), ("a", 100), ("c", -5)]);
        let mut t = TableModel::build(&agg);
        assert_eq!(t.columns, ["key", "sum"]);
        assert_eq!(column(&t, 1), ["-5", "9", "100"], "dtrace's order at first");
        t.sort_by(1, false);
        assert_eq!(column(&t, 1), ["100", "9", "-5"]);
        t.sort_by(0, true);
        assert_eq!(column(&t, 0), ["a", "b", "c"]);
        // A new snapshot keeps the user's sort.
        let t2 = TableModel::rebuilt(&agg, Some(&t), Unit::Number);
        assert_eq!(column(&t2, 0), ["a", "b", "c"]);
    }

    #[test]
    fn a_sum_reads_in_the_unit_chosen_and_a_count_stays_a_count() {
        let sum = numbers(AggFunction::Sum, &[("a", 12_300_000), ("b", 900)]);
        let mut t = TableModel::build_in(&sum, Unit::Nanoseconds);
        assert_eq!(column(&t, 1), ["900 ns", "12.3 ms"]);
        t.sort_by(1, false);
        assert_eq!(column(&t, 0), ["a", "b"], "sorted by the number");
        let bytes = TableModel::build_in(&sum, Unit::Bytes);
        assert_eq!(column(&bytes, 1)[0], "900 B");
        let count = numbers(AggFunction::Count, &[("a", 12_300_000)]);
        let t = TableModel::build_in(&count, Unit::Nanoseconds);
        assert_eq!(column(&t, 1), ["12300000"]);
    }

    #[test]
    fn distributions_have_a_row_per_key_and_bucket() {
        let agg = lquantize(&[("bash", &[(0, 0), (10, 4)]), ("sshd", &[(-1, 3), (0, 7)])]);
        let mut t = TableModel::build(&agg);
        assert_eq!(t.columns, ["key", "value", "count"]);
        assert_eq!(t.rows.len(), 4);
        assert_eq!(column(&t, 1), ["0 .. 9", "10 .. 19", "< 0", "0 .. 9"]);
        t.sort_by(1, true);
        assert_eq!(column(&t, 1)[0], "< 0", "underflow sorts first");
        t.sort_by(2, false);
        assert_eq!(column(&t, 2), ["7", "4", "3", "0"]);
    }

    #[test]
    fn a_distribution_has_a_summary_row_per_key() {
        let agg = lquantize(&[("bash", &[(0, 0), (10, 4)]), ("sshd", &[(-1, 3), (0, 7)])]);
        let t = TableModel::build(&agg);
        let mut s = *t.summary.unwrap();
        assert_eq!(
            s.columns,
            ["key", "count", "mean", "p50", "p90", "p99", "max"]
        );
        assert_eq!(column(&s, 0), ["bash", "sshd"]);
        assert_eq!(column(&s, 1), ["4", "10"]);
        assert_eq!(column(&s, 3), ["10 .. 19", "0 .. 9"]);
        assert_eq!(column(&s, 6), ["10 .. 19", "0 .. 9"]);
        s.sort_by(1, false);
        assert_eq!(column(&s, 0), ["sshd", "bash"]);
        // A time's ranges read in its units.
        let t = TableModel::build_in(&agg, Unit::Nanoseconds);
        let s = t.summary.as_deref().unwrap();
        assert_eq!(column(s, 3), ["10 ns .. 19 ns", "0 ns .. 9 ns"]);
        assert_eq!(column(&t, 1)[0], "0 ns .. 9 ns");
    }
}
