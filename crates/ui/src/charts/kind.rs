//! The views an aggregation can be shown as, and which fit which
//! aggregating function (and which keys: stacks read as a flame graph, a
//! key-less value as its number).

use super::flame;
use crate::model::{AggFunction, Aggregation};

/// How an aggregation is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    Pie,
    Bars3d,
    Bars,
    Table,
    Text,
    OverTime,
    HeatMap,
    Flame,
    /// A key-less aggregation's one value, large.
    Value,
    /// What changed from a reference (another recording, an earlier
    /// range); offered only while there is one.
    Compare,
}

impl ChartKind {
    pub fn label(self) -> &'static str {
        match self {
            ChartKind::Pie => "Pie",
            ChartKind::Bars3d => "3D bars",
            ChartKind::Bars => "Bars",
            ChartKind::Table => "Table",
            ChartKind::Text => "Text",
            ChartKind::OverTime => "Over time",
            ChartKind::HeatMap => "Heat map",
            ChartKind::Flame => "Flame graph",
            ChartKind::Value => "Value",
            ChartKind::Compare => "Compare",
        }
    }

    /// The kinds that make sense for a function, the default first.
    pub fn choices(function: AggFunction) -> &'static [ChartKind] {
        use ChartKind::*;
        match function {
            AggFunction::Count => &[Pie, Bars, OverTime, Table, Text],
            // A pie of sums is a share of a total; of minima, maxima and
            // averages it would mean nothing.
            AggFunction::Sum => &[Bars, Pie, OverTime, Table, Text],
            AggFunction::Avg | AggFunction::Min | AggFunction::Max | AggFunction::Stddev => {
                &[Bars, OverTime, Table, Text]
            }
            AggFunction::Quantize
            | AggFunction::Lquantize { .. }
            | AggFunction::Llquantize { .. } => &[Bars3d, HeatMap, OverTime, Table, Text],
        }
    }

    /// The kinds for an aggregation: its function's, and a flame graph
    /// where its keys hold stacks.
    pub fn choices_for(agg: &Aggregation) -> Vec<ChartKind> {
        let mut kinds = ChartKind::choices(agg.function).to_vec();
        // `@ = count()` has one value and no key: a pie of it would be one
        // slice, 100 % of "(no key)".
        let keyless = !agg.function.is_distribution()
            && agg.rows.len() <= 1
            && agg.rows.iter().all(|r| r.key.is_empty());
        if keyless {
            kinds.retain(|k| !matches!(k, ChartKind::Pie | ChartKind::Bars));
            kinds.insert(0, ChartKind::Value);
        }
        if flame::has_stacks(agg) {
            // Stacks read best as a flame graph.
            kinds.insert(0, ChartKind::Flame);
        }
        kinds
    }

    pub fn is_chart(self) -> bool {
        !matches!(
            self,
            ChartKind::Table | ChartKind::Text | ChartKind::Value | ChartKind::Compare
        )
    }
}

/// The unit chooser: what an aggregation's values are, over what the
/// script says (a time in ns, µs, ms; bytes; plain numbers). True when
/// the choice changed, and every view is built again in it.
pub fn unit_choice(
    ui: &mut egui::Ui,
    chosen: &mut Option<crate::model::units::Unit>,
    from_script: Option<crate::model::units::Unit>,
) -> bool {
    use crate::model::units::Unit;
    let script = from_script.unwrap_or_default();
    let shown = chosen.unwrap_or(script);
    let mut changed = false;
    let label = ui.label("Unit");
    egui::ComboBox::from_id_salt("aggregation-unit")
        .selected_text(shown.name())
        .show_ui(ui, |ui| {
            for (unit, name) in Unit::ALL {
                let text = if unit == script {
                    format!("{name} (the script's)")
                } else {
                    name.to_owned()
                };
                if ui.selectable_label(shown == unit, text).clicked() {
                    *chosen = (unit != script).then_some(unit);
                    changed = true;
                }
            }
        })
        .response
        .labelled_by(label.id)
        .on_hover_text("What the values are: every view of this aggregation reads in it");
    changed
}

/// How to turn the 3D chart. The hint sits with the controls, outside
/// what an export captures (a saved picture cannot be turned), and only
/// where it fits on their line: on a narrow window a line of its own
/// would take the chart's room.
pub(super) fn bars3d_hint(ui: &mut egui::Ui) {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let width = ui
        .painter()
        .layout_no_wrap(super::bars3d::HINT.to_owned(), font, egui::Color32::WHITE)
        .size()
        .x;
    if ui.available_size_before_wrap().x > width + 2.0 * ui.spacing().item_spacing.x + 8.0 {
        ui.separator();
        ui.weak(super::bars3d::HINT);
    }
}

impl super::AggregationsView {
    /// The selected aggregation's unit chooser and exports, on the line
    /// of its tabs: the views' line has no room to spare beside the 3D
    /// controls or a trend's.
    pub(super) fn unit_row(
        &mut self,
        ui: &mut egui::Ui,
        snapshot: &crate::model::Snapshot,
    ) -> Option<super::ChartAction> {
        let agg = self.selected(snapshot)?;
        // The script names the anonymous `@` "_".
        let key = if agg.name.is_empty() { "_" } else { &agg.name };
        let from_script = self.units.get(key).copied();
        // A count counts events: no unit would change what it shows.
        let counts = !crate::model::units::Unit::applies_to(agg.function);
        let tab = self.tab(agg);
        if !counts {
            ui.separator();
            if unit_choice(ui, &mut tab.unit, from_script) {
                tab.built_from = u64::MAX;
            }
        }
        let kind = tab.kind;
        ui.separator();
        super::export_buttons(ui, kind, &agg.name)
    }
}
