//! The Aggregations panel: a tab per aggregation, each shown as the chart
//! that suits its function (a pie for `count()`, 3D bars for
//! distributions, horizontal bars for the other numbers), as a sortable
//! table, or as the text `dtrace(1)` prints; and exports of each.
//!
//! Chart data is rebuilt only when a new snapshot arrives or the user
//! changes what is shown, never per frame.

pub mod bars3d;
pub mod export;
pub mod hbars;
pub mod pie;
pub mod table;

use crate::model::{AggFunction, Aggregation, Snapshot};
use egui::{Rect, Ui};
use export::ExportFormat;
use std::collections::HashMap;

/// Colours for slices and keys, distinct on dark and light backgrounds.
pub mod palette {
    use egui::Color32;

    const COLORS: [Color32; 12] = [
        Color32::from_rgb(0x4e, 0x79, 0xa7),
        Color32::from_rgb(0xf2, 0x8e, 0x2b),
        Color32::from_rgb(0xe1, 0x57, 0x59),
        Color32::from_rgb(0x76, 0xb7, 0xb2),
        Color32::from_rgb(0x59, 0xa1, 0x4f),
        Color32::from_rgb(0xed, 0xc9, 0x48),
        Color32::from_rgb(0xb0, 0x7a, 0xa1),
        Color32::from_rgb(0xff, 0x9d, 0xa7),
        Color32::from_rgb(0x9c, 0x75, 0x5f),
        Color32::from_rgb(0x86, 0xbc, 0xb6),
        Color32::from_rgb(0xd3, 0x72, 0x95),
        Color32::from_rgb(0x8c, 0xd1, 0x7d),
    ];

    /// The colour of "other".
    pub const OTHER: Color32 = Color32::from_rgb(0x9a, 0x9a, 0x9a);

    pub fn color(index: usize) -> Color32 {
        COLORS[index % COLORS.len()]
    }
}

/// How an aggregation is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    Pie,
    Bars3d,
    Bars,
    Table,
    Text,
}

impl ChartKind {
    pub fn label(self) -> &'static str {
        match self {
            ChartKind::Pie => "Pie",
            ChartKind::Bars3d => "3D bars",
            ChartKind::Bars => "Bars",
            ChartKind::Table => "Table",
            ChartKind::Text => "Text",
        }
    }

    /// The kinds that make sense for a function, the default first.
    pub fn choices(function: AggFunction) -> &'static [ChartKind] {
        use ChartKind::*;
        match function {
            AggFunction::Count => &[Pie, Bars, Table, Text],
            // A pie of sums is a share of a total; of minima, maxima and
            // averages it would mean nothing.
            AggFunction::Sum => &[Bars, Pie, Table, Text],
            AggFunction::Avg | AggFunction::Min | AggFunction::Max | AggFunction::Stddev => {
                &[Bars, Table, Text]
            }
            AggFunction::Quantize
            | AggFunction::Lquantize { .. }
            | AggFunction::Llquantize { .. } => &[Bars3d, Table, Text],
        }
    }

    pub fn is_chart(self) -> bool {
        matches!(self, ChartKind::Pie | ChartKind::Bars3d | ChartKind::Bars)
    }
}

/// What one aggregation's tab shows now, built from the latest snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartData {
    Pie(pie::PieModel),
    Bars3d(bars3d::Grid),
    Bars(hbars::BarsModel),
    Table(table::TableModel),
    Text(String),
}

/// The user's choices for one aggregation, kept across snapshots and runs.
#[derive(Debug, Clone)]
struct TabState {
    kind: ChartKind,
    top_n: usize,
    max_keys: usize,
    view: bars3d::View,
    data: Option<ChartData>,
    /// The snapshot `data` was built from.
    built_from: u64,
}

impl TabState {
    fn new(function: AggFunction) -> TabState {
        TabState {
            kind: ChartKind::choices(function)[0],
            top_n: pie::DEFAULT_TOP_N,
            max_keys: bars3d::DEFAULT_MAX_KEYS,
            view: bars3d::View::default(),
            data: None,
            built_from: u64::MAX,
        }
    }

    fn rebuild(&mut self, agg: &Aggregation, generation: u64) {
        let previous_table = match &self.data {
            Some(ChartData::Table(t)) => Some(t),
            _ => None,
        };
        let data = match self.kind {
            ChartKind::Pie => ChartData::Pie(pie::PieModel::build(agg, self.top_n)),
            ChartKind::Bars3d => ChartData::Bars3d(bars3d::Grid::build(agg, self.max_keys)),
            ChartKind::Bars => ChartData::Bars(hbars::BarsModel::build(agg)),
            ChartKind::Table => ChartData::Table(table::TableModel::rebuilt(agg, previous_table)),
            ChartKind::Text => ChartData::Text(agg.to_dtrace_text()),
        };
        self.data = Some(data);
        self.built_from = generation;
    }
}

/// Something the panel wants the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartAction {
    /// Ask where to write the named aggregation (or its chart).
    Export(ExportFormat, String),
}

#[derive(Default)]
pub struct AggregationsView {
    selected: Option<String>,
    tabs: HashMap<String, TabState>,
    /// Where the chart was drawn last, for PNG export.
    chart_rect: Option<Rect>,
}

/// The tab title of an aggregation: `@name` and its function.
pub fn tab_title(agg: &Aggregation) -> String {
    format!("@{} {}()", agg.name, agg.function.name())
}

impl AggregationsView {
    /// The aggregation whose tab is open.
    pub fn selected<'s>(&self, snapshot: &'s Snapshot) -> Option<&'s Aggregation> {
        self.selected
            .as_deref()
            .and_then(|n| snapshot.get(n))
            .or_else(|| snapshot.aggregations.first())
    }

    pub fn select(&mut self, name: &str) {
        self.selected = Some(name.to_owned());
    }

    pub fn set_kind(&mut self, agg: &Aggregation, kind: ChartKind) {
        self.tab(agg).kind = kind;
    }

    pub fn kind(&self, name: &str) -> Option<ChartKind> {
        self.tabs.get(name).map(|t| t.kind)
    }

    /// What the tab of `name` shows, as of the last frame drawn.
    pub fn data(&self, name: &str) -> Option<&ChartData> {
        self.tabs.get(name).and_then(|t| t.data.as_ref())
    }

    pub fn chart_rect(&self) -> Option<Rect> {
        self.chart_rect
    }

    fn tab(&mut self, agg: &Aggregation) -> &mut TabState {
        self.tabs
            .entry(agg.name.clone())
            .or_insert_with(|| TabState::new(agg.function))
    }

    /// Brings the data of the selected tab up to date with the snapshot
    /// numbered `generation`.
    pub fn update(&mut self, snapshot: &Snapshot, generation: u64) {
        let Some(agg) = self.selected(snapshot) else {
            return;
        };
        let tab = self.tab(agg);
        if tab.built_from != generation || tab.data.is_none() {
            tab.rebuild(agg, generation);
        }
    }

    pub fn show(
        &mut self,
        ui: &mut Ui,
        snapshot: Option<&Snapshot>,
        generation: u64,
    ) -> Option<ChartAction> {
        self.chart_rect = None;
        let Some(snapshot) = snapshot.filter(|s| !s.aggregations.is_empty()) else {
            ui.label(
                "No aggregations yet: run a script that uses @name[...] = count(), quantize(), ...",
            );
            return None;
        };
        let mut action = None;
        ui.horizontal_wrapped(|ui| {
            let current = self.selected(snapshot).map(|a| a.name.clone());
            for agg in &snapshot.aggregations {
                if ui
                    .selectable_label(current.as_deref() == Some(&agg.name), tab_title(agg))
                    .clicked()
                {
                    self.selected = Some(agg.name.clone());
                }
            }
            ui.separator();
            let Some(agg) = self.selected(snapshot) else {
                return;
            };
            let name = agg.name.clone();
            let function = agg.function;
            let tab = self.tab(agg);
            let mut changed = false;
            for &kind in ChartKind::choices(function) {
                changed |= ui
                    .selectable_value(&mut tab.kind, kind, kind.label())
                    .changed();
            }
            ui.separator();
            match tab.kind {
                ChartKind::Pie => {
                    ui.label("Slices");
                    changed |= ui
                        .add(egui::DragValue::new(&mut tab.top_n).range(1..=50))
                        .on_hover_text("The largest keys get a slice each; the rest is \"other\"")
                        .changed();
                }
                ChartKind::Bars3d => {
                    ui.label("Keys");
                    changed |= ui
                        .add(egui::DragValue::new(&mut tab.max_keys).range(1..=100))
                        .on_hover_text(
                            "Keys with the largest totals get a row each; the rest are summed",
                        )
                        .changed();
                }
                _ => {}
            }
            if changed {
                tab.built_from = u64::MAX;
            }
            ui.separator();
            let kind = tab.kind;
            if ui
                .button("CSV…")
                .on_hover_text("Export this aggregation as CSV")
                .clicked()
            {
                action = Some(ChartAction::Export(ExportFormat::Csv, name.clone()));
            }
            if ui
                .button("JSON…")
                .on_hover_text("Export this aggregation as JSON")
                .clicked()
            {
                action = Some(ChartAction::Export(ExportFormat::Json, name.clone()));
            }
            if ui
                .add_enabled(kind.is_chart(), egui::Button::new("PNG…"))
                .on_hover_text("Save the chart as drawn as a PNG image")
                .clicked()
            {
                action = Some(ChartAction::Export(ExportFormat::Png, name.clone()));
            }
        });
        ui.separator();
        let agg = self.selected(snapshot)?;
        let name = agg.name.clone();
        let function = agg.function;
        self.update(snapshot, generation);
        let rect = ui.available_rect_before_wrap();
        let tab = self.tabs.get_mut(&name)?;
        match tab.data.as_mut()? {
            ChartData::Pie(model) => {
                pie::show(ui, model);
            }
            ChartData::Bars3d(grid) => {
                bars3d::show(ui, grid, function, &mut tab.view);
            }
            ChartData::Bars(model) => hbars::show(ui, model),
            ChartData::Table(model) => table::show(ui, model),
            ChartData::Text(text) => {
                egui::ScrollArea::both()
                    .id_salt("agg-text")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        ui.add(
                            egui::Label::new(egui::RichText::new(text.as_str()).monospace())
                                .extend(),
                        );
                    });
            }
        }
        self.chart_rect = Some(rect);
        action
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Value};

    /// `@name[key] = count()` (or another number function) with these rows,
    /// ordered as dtrace orders them.
    pub fn numbers(function: AggFunction, rows: &[(&str, i64)]) -> Aggregation {
        let mut rows: Vec<Row> = rows
            .iter()
            .map(|(k, v)| Row {
                key: vec![KeyPart::Str((*k).into())],
                value: Value::Number(*v),
            })
            .collect();
        rows.sort_by_key(|r| r.value.as_number());
        Aggregation {
            id: 1,
            name: "num".into(),
            function,
            key_sizes: vec![256],
            rows,
        }
    }

    /// `lquantize(x, 0, 100, 10)` per key: (key, [(bucket min, count)]).
    pub fn lquantize(rows: &[(&str, &[(i64, i64)])]) -> Aggregation {
        let rows = rows
            .iter()
            .map(|(k, buckets)| Row {
                key: vec![KeyPart::Str((*k).into())],
                value: Value::Buckets(
                    buckets
                        .iter()
                        .map(|&(min, count)| Bucket {
                            label: if min < 0 {
                                "< 0".into()
                            } else {
                                min.to_string()
                            },
                            min: (min >= 0).then_some(min),
                            max: Some(if min < 0 { -1 } else { min + 9 }),
                            count,
                        })
                        .collect(),
                ),
            })
            .collect();
        Aggregation {
            id: 2,
            name: "dist".into(),
            function: AggFunction::Lquantize {
                base: 0,
                step: 10,
                levels: 10,
            },
            key_sizes: vec![256],
            rows,
        }
    }
}
