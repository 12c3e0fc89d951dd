//! The Compare view: what changed in one aggregation from a reference (a
//! second recording, a recording beside a live run, or an earlier time
//! range) to what the other views show. The keys ranked by change, with
//! how far each percentile moved; under them the selected key's
//! distributions side by side, bucket by bucket, and the change of each.
//! An aggregation keyed by stacks is compared as a differential flame
//! graph first, its keys ranked a click away.

use crate::model::comparison::{self, Comparison, KeyChange, Status};
use crate::model::units::Unit;
use crate::model::{Aggregation, Snapshot};
use egui::{Color32, RichText, Ui};
use egui_plot::{Bar, BarChart, Legend, Plot};

/// What the views are compared with: a name for it ("run-1.rec at its
/// end", "2.0 s .. 8.0 s") and its aggregations.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub name: String,
    pub snapshot: Snapshot,
}

impl Reference {
    /// A run's (a recording's) aggregations as they were at its end.
    pub fn at_end(name: &str, history: &crate::history::History) -> Reference {
        Reference {
            name: format!("{name} at its end"),
            snapshot: history.snapshot_at(f64::INFINITY),
        }
    }
}

/// One aggregation compared, ready to show.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareModel {
    pub comparison: Comparison,
    /// What the reference and the compared are called.
    pub before: String,
    pub after: String,
    pub unit: Unit,
    /// The key whose distributions are shown, by index into the ranked
    /// keys.
    pub selected: usize,
    /// Stacks: the change as a flame graph.
    pub flame: Option<super::flame_diff::FlameDiff>,
    /// Stacks: the ranked keys shown instead of the flame graph.
    pub show_keys: bool,
}

impl CompareModel {
    /// `agg` (what is shown, "after") against the reference's aggregation
    /// of the same name ("before"); `previous` keeps the key the user
    /// selected across snapshots.
    pub fn build(
        agg: &Aggregation,
        reference: &Reference,
        after: &str,
        unit: Unit,
        previous: Option<&CompareModel>,
    ) -> CompareModel {
        let before = reference.snapshot.get(&agg.name);
        let comparison = comparison::compare(before, Some(agg));
        let stacks = super::flame::has_stacks(agg) || before.is_some_and(super::flame::has_stacks);
        let flame = stacks.then(|| {
            let kept = previous.and_then(|p| p.flame.as_ref());
            super::flame_diff::FlameDiff::against(&reference.name, before, agg, kept)
        });
        let selected = previous
            .and_then(|p| p.comparison.keys.get(p.selected))
            .and_then(|k| comparison.keys.iter().position(|c| c.key == k.key))
            .unwrap_or(0);
        CompareModel {
            comparison,
            before: reference.name.clone(),
            after: after.to_owned(),
            unit,
            selected,
            flame,
            show_keys: previous.is_some_and(|p| p.show_keys),
        }
    }

    /// "2 appeared, 1 vanished, 15 changed, 2 the same".
    pub fn summary(&self) -> String {
        let c = &self.comparison;
        format!(
            "{} appeared, {} vanished, {} changed, {} the same",
            c.count(Status::Appeared),
            c.count(Status::Vanished),
            c.count(Status::Changed),
            c.count(Status::Same)
        )
    }

    fn value(&self, v: Option<i64>) -> String {
        // Counts, of events or of a distribution's values, stay numbers.
        let function = self.comparison.function;
        let unit = if function.is_distribution() {
            Unit::Number
        } else {
            self.unit.of_values(function)
        };
        v.map_or_else(|| "—".into(), |v| unit.short_or_exact(v))
    }

    /// How a percentile moved, as a cell: "16.4 µs .. 32.8 µs → 65.5 µs ..
    /// 131 µs (+2)".
    pub fn shift_text(&self, k: &KeyChange, name: &str) -> String {
        let range = |r: crate::model::latency::Range| self.unit.range(r.0, r.1);
        let Some(s) = k.shifts.iter().find(|s| s.name == name) else {
            // On one side only: where it was (or is).
            let one = |s: &Option<crate::model::latency::Summary>| {
                s.and_then(|s| s.ranges().into_iter().find(|(n, _)| *n == name))
            };
            return match (one(&k.before_summary), one(&k.after_summary)) {
                (_, Some((_, r))) => format!("{} (after only)", range(r)),
                (Some((_, r)), None) => format!("{} (before only)", range(r)),
                (None, None) => "—".into(),
            };
        };
        if s.buckets == 0 {
            format!("{} (same)", range(s.after))
        } else {
            format!("{} → {} ({:+})", range(s.before), range(s.after), s.buckets)
        }
    }
}

/// Draws the comparison in all the space left in `ui`.
pub fn show(ui: &mut Ui, model: &mut CompareModel) {
    let summary = format!(
        "From {} (before) to {} (after): {}",
        model.before,
        model.after,
        model.summary()
    );
    let graph = model.flame.is_some() && !model.show_keys;
    // A flame graph in a low panel keeps the line for itself: the
    // summary is then in the choice's tooltip.
    if !graph || ui.available_height() > ROOMY {
        ui.label(&summary);
    }
    if model.comparison.keys.is_empty() {
        super::centered_message(ui, "Neither side has a key in this aggregation.");
        return;
    }
    if let Some(diff) = &mut model.flame {
        ui.horizontal_wrapped(|ui| {
            ui.selectable_value(&mut model.show_keys, false, "Flame graph of the change")
                .on_hover_text(format!("{summary}\n{}", diff.legend()));
            ui.selectable_value(&mut model.show_keys, true, "Keys ranked by change");
            if !model.show_keys {
                ui.separator();
                super::flame::controls(ui, &mut diff.opts);
            }
        });
        if !model.show_keys {
            let line = ui.text_style_height(&egui::TextStyle::Body);
            if ui.available_height() < line {
                // Not even a line: the panel's own rows come first.
            } else if ui.available_height() < LEAST_GRAPH {
                super::centered_message(
                    ui,
                    "Too low for the flame graph: Maximize the panel or drag its top edge up.",
                );
            } else {
                super::flame_diff::show(ui, diff);
            }
            return;
        }
    }
    if !model.comparison.function.is_distribution() {
        ranking(ui, model);
        return;
    }
    let (width, height) = (ui.available_width(), ui.available_height());
    if width >= SIDE_BY_SIDE {
        // The ranking at the left, the selected key's detail at the right,
        // both as tall as the panel.
        ui.horizontal_top(|ui| {
            ui.allocate_ui(egui::vec2(width * 0.55, height), |ui| ranking(ui, model));
            ui.separator();
            ui.allocate_ui(egui::vec2(ui.available_width(), height), |ui| {
                ui.vertical(|ui| detail(ui, model))
            });
        });
    } else if height >= 2.0 * LEAST_PLOT {
        ui.allocate_ui(egui::vec2(width, height * 0.45), |ui| ranking(ui, model));
        ui.separator();
        detail(ui, model);
    } else {
        ranking(ui, model);
    }
}

/// From this height on, a flame graph of the change has the summary line
/// above it.
const ROOMY: f32 = 200.0;

/// The least height a flame graph of the change is drawn in: three
/// frames.
const LEAST_GRAPH: f32 = 54.0;

/// From this width on, the ranking and the detail stand side by side.
const SIDE_BY_SIDE: f32 = 860.0;

/// The least height the two bucket plots share.
const LEAST_PLOT: f32 = 120.0;

/// The keys ranked by change; a click selects one for the detail.
fn ranking(ui: &mut Ui, model: &mut CompareModel) {
    let distribution = model.comparison.function.is_distribution();
    let mut clicked = None;
    egui::ScrollArea::both()
        .id_salt("compare-ranking")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let columns = if distribution { 8 } else { 6 };
            egui::Grid::new("compare-grid")
                .striped(true)
                .num_columns(columns)
                .show(ui, |ui| {
                    let head = if distribution {
                        &[
                            "key",
                            "",
                            "count before",
                            "after",
                            "change",
                            "%",
                            "p50",
                            "p99",
                        ][..]
                    } else {
                        &["key", "", "before", "after", "change", "%"][..]
                    };
                    for h in head {
                        ui.strong(*h);
                    }
                    ui.end_row();
                    for (i, k) in model.comparison.keys.iter().enumerate() {
                        let key = k.label().replace('\n', " ← ");
                        let key = if key.is_empty() {
                            "(no key)".into()
                        } else {
                            key
                        };
                        let selected = distribution && i == model.selected;
                        if ui.selectable_label(selected, key).clicked() {
                            clicked = Some(i);
                        }
                        ui.label(RichText::new(k.status.word()).color(status_color(ui, k.status)));
                        ui.monospace(model.value(k.before));
                        ui.monospace(model.value(k.after));
                        let change = model.value(Some(k.difference));
                        ui.monospace(if k.difference > 0 {
                            format!("+{change}")
                        } else {
                            change
                        });
                        ui.monospace(
                            k.relative
                                .map_or(String::new(), |r| format!("{:+.1}", r * 100.0)),
                        );
                        if distribution {
                            ui.monospace(model.shift_text(k, "p50"));
                            ui.monospace(model.shift_text(k, "p99"));
                        }
                        ui.end_row();
                    }
                });
        });
    if let Some(i) = clicked {
        model.selected = i;
    }
}

fn status_color(ui: &Ui, s: Status) -> Color32 {
    match s {
        Status::Appeared => ui.visuals().warn_fg_color,
        Status::Vanished => ui.visuals().weak_text_color(),
        Status::Changed => ui.visuals().text_color(),
        Status::Same => ui.visuals().weak_text_color(),
    }
}

/// The selected key's two distributions side by side per bucket, and the
/// change of each bucket under them, with how each percentile moved.
fn detail(ui: &mut Ui, model: &CompareModel) {
    let Some(k) = model.comparison.keys.get(model.selected) else {
        return;
    };
    ui.horizontal_wrapped(|ui| {
        ui.strong(k.label().replace('\n', " ← "));
        for name in ["p50", "p90", "p99", "max"] {
            ui.label(format!("{name} {}", model.shift_text(k, name)));
        }
        ui.weak("(a percentile is the range of its bucket)");
    });
    // Each bucket by its low bound, as dtrace(1) labels it: whole ranges
    // would not fit side by side.
    let labels: Vec<String> = k
        .buckets
        .iter()
        .map(|b| match b.range {
            crate::model::latency::Range(Some(lo), _) => model.unit.short(lo),
            crate::model::latency::Range(None, hi) => model.unit.range(None, hi),
        })
        .collect();
    let before: Vec<Bar> = k
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| Bar::new(i as f64 - 0.2, b.before as f64).width(0.4))
        .collect();
    let after: Vec<Bar> = k
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| Bar::new(i as f64 + 0.2, b.after as f64).width(0.4))
        .collect();
    let change: Vec<Bar> = k
        .buckets
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let d = b.difference();
            Bar::new(i as f64, d as f64).width(0.6).fill(if d > 0 {
                ui.visuals().warn_fg_color
            } else {
                super::palette::color(0)
            })
        })
        .collect();
    let x_labels = labels.clone();
    let formatter = move |mark: egui_plot::GridMark, _: &std::ops::RangeInclusive<f64>| {
        let i = mark.value.round();
        if (mark.value - i).abs() < 1e-6 && i >= 0.0 {
            x_labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let height = ui.available_height().max(LEAST_PLOT);
    Plot::new(("compare-buckets", model.comparison.name.as_str()))
        .height(height * 0.6)
        .legend(Legend::default().position(egui_plot::Corner::RightTop))
        .x_axis_formatter(formatter.clone())
        .y_axis_label("count")
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("before", before).color(Color32::from_gray(140)));
            plot.bar_chart(BarChart::new("after", after).color(super::palette::color(1)));
        });
    Plot::new(("compare-change", model.comparison.name.as_str()))
        .height(ui.available_height().max(LEAST_PLOT * 0.4))
        .x_axis_formatter(formatter)
        .y_axis_label("change")
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new("change", change));
        });
}
