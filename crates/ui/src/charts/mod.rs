//! The Aggregations panel: a tab per aggregation, each shown as the chart
//! that suits its function (a pie for `count()`, 3D bars for
//! distributions, horizontal bars for the other numbers), as a sortable
//! table, or as the text `dtrace(1)` prints; and exports of each.
//!
//! Chart data is rebuilt only when a new snapshot arrives or the user
//! changes what is shown, never per frame.

pub mod bars3d;
pub mod compare;
pub mod export;
pub mod flame;
pub mod flame_diff;
pub mod hbars;
pub mod heatmap;
pub mod palette;
pub mod pie;
pub mod range;
mod selection;
pub mod table;
pub mod timeline;

use crate::history::History;
mod kind;
pub use kind::ChartKind;

use crate::model::units::Unit;
use crate::model::{AggFunction, Aggregation, Snapshot};
use egui::{Rect, Ui};
use export::ExportFormat;
use std::collections::HashMap;

/// What one aggregation's tab shows now, built from the latest snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartData {
    Pie(pie::PieModel),
    Bars3d(bars3d::Grid),
    Bars(hbars::BarsModel),
    Table(table::TableModel),
    Text(String),
    OverTime(timeline::TimelineModel),
    HeatMap(heatmap::HeatModel),
    Flame(flame::FlameModel),
    /// A key-less aggregation's value, as text.
    Value(String),
    Compare(compare::CompareModel),
}

/// What the time views read: the history of the run (or recording) shown,
/// when it started, and the time the other views are at, if not the end.
#[derive(Clone, Copy)]
pub struct TimeView<'a> {
    pub history: &'a History,
    pub started: Option<chrono::DateTime<chrono::Local>>,
    pub cursor: Option<f64>,
    /// The baseline the run is checked against, for Over time's band.
    pub watch: Option<&'a crate::workbench::watch::Watch>,
}

/// What the Compare view compares: the reference, and what the views
/// show now, by name.
#[derive(Clone, Copy)]
struct Comparing<'a> {
    reference: Option<&'a compare::Reference>,
    shown: &'a str,
}

/// The user's choices for one aggregation, kept across snapshots and runs.
#[derive(Debug, Clone)]
struct TabState {
    kind: ChartKind,
    /// The unit chosen for its values, over the script's.
    unit: Option<Unit>,
    top_n: usize,
    max_keys: usize,
    view: bars3d::View,
    timeline: timeline::TimelineOptions,
    heat: heatmap::HeatOptions,
    flame: flame::FlameOptions,
    /// The heat map column shown as bars: its interval and the bars.
    column: Option<((f64, f64), bars3d::Grid)>,
    data: Option<ChartData>,
    /// The snapshot `data` was built from.
    built_from: u64,
    /// A new snapshot is shown no sooner than this: a view that took long
    /// to build (a flame graph of many thousand stacks) waits ten times
    /// as long before the next, so that the window stays responsive.
    not_before: Option<std::time::Instant>,
}

impl TabState {
    fn new(agg: &Aggregation) -> TabState {
        TabState {
            kind: ChartKind::choices_for(agg)[0],
            top_n: pie::DEFAULT_TOP_N,
            max_keys: bars3d::DEFAULT_MAX_KEYS,
            view: bars3d::View::default(),
            timeline: timeline::TimelineOptions::default(),
            heat: heatmap::HeatOptions::default(),
            flame: flame::FlameOptions::default(),
            column: None,
            data: None,
            built_from: u64::MAX,
            not_before: None,
            unit: None,
        }
    }

    fn rebuild(
        &mut self,
        agg: &Aggregation,
        generation: u64,
        time: TimeView<'_>,
        unit: Unit,
        comparing: Comparing<'_>,
    ) {
        let previous_table = match &self.data {
            Some(ChartData::Table(t)) => Some(t),
            _ => None,
        };
        let history = time.history.get(&agg.name);
        let data = match (self.kind, history) {
            (ChartKind::Compare, _) => match comparing.reference {
                Some(r) => {
                    let previous = match &self.data {
                        Some(ChartData::Compare(m)) => Some(m),
                        _ => None,
                    };
                    let m = compare::CompareModel::build(agg, r, comparing.shown, unit, previous);
                    ChartData::Compare(m)
                }
                None => ChartData::Text(String::new()),
            },
            (ChartKind::OverTime, Some(h)) => {
                let mut m = timeline::TimelineModel::build(h, &self.timeline, time.started);
                m.cursor = time.cursor;
                if let (Some(w), Some(started)) = (time.watch, time.started)
                    && let Some(chosen) = &w.baseline
                {
                    let source = timeline::BandSource {
                        baseline: &chosen.baseline,
                        sigmas: w.settings.sigmas,
                        started: started.with_timezone(&chrono::Utc),
                        anomalies: w.anomalies(),
                    };
                    m.add_band(h, &self.timeline, &source);
                }
                // A percentile of a time is a time, and so is a sum's or a
                // gauge's value; counts, of events or of a distribution's
                // values, stay numbers.
                let counted = agg.function.is_distribution() && self.timeline.percentile.is_none();
                if !counted {
                    m.unit = unit.of_values(agg.function);
                }
                ChartData::OverTime(m)
            }
            (ChartKind::HeatMap, Some(h)) => {
                let mut m = heatmap::HeatModel::build(h, &self.heat, time.started);
                m.unit = unit;
                ChartData::HeatMap(m)
            }
            (ChartKind::OverTime | ChartKind::HeatMap, None) => {
                ChartData::Text("No points in time yet: each snapshot of a run adds one.".into())
            }
            (kind, _) => self.snapshot_data(kind, agg, previous_table, unit),
        };
        self.data = Some(data);
        self.built_from = generation;
    }

    fn snapshot_data(
        &self,
        kind: ChartKind,
        agg: &Aggregation,
        previous_table: Option<&table::TableModel>,
        unit: Unit,
    ) -> ChartData {
        match kind {
            ChartKind::Pie => ChartData::Pie(pie::PieModel::build_in(agg, self.top_n, unit)),
            ChartKind::Bars3d => {
                ChartData::Bars3d(bars3d::Grid::build(agg, self.max_keys).in_unit(unit))
            }
            ChartKind::Bars => ChartData::Bars(hbars::BarsModel::build_in(agg, unit)),
            ChartKind::Table => {
                ChartData::Table(table::TableModel::rebuilt(agg, previous_table, unit))
            }
            ChartKind::Text => ChartData::Text(agg.to_dtrace_text()),
            ChartKind::Value => ChartData::Value(match agg.rows.first().map(|r| &r.value) {
                Some(crate::model::Value::Number(n)) => {
                    unit.of_values(agg.function).short_or_exact(*n)
                }
                _ => "no value yet".into(),
            }),
            ChartKind::Flame => ChartData::Flame(flame::FlameModel::build(agg)),
            ChartKind::OverTime | ChartKind::HeatMap | ChartKind::Compare => {
                ChartData::Text(String::new())
            }
        }
    }
}

/// Something the panel wants the app to do.
#[derive(Debug, Clone, PartialEq)]
pub enum ChartAction {
    /// Ask where to write the named aggregation (or its chart).
    Export(ExportFormat, String),
    /// A new script like this one, narrowed to a table row's key.
    Narrow(String, table::Target),
}

#[derive(Default)]
pub struct AggregationsView {
    selected: Option<String>,
    tabs: HashMap<String, TabState>,
    /// Where the chart was drawn last, with its title line: what a PNG
    /// export captures.
    chart_rect: Option<Rect>,
    /// The title line drawn at the top of `chart_rect`, and where.
    title: Option<(String, Rect)>,
    /// The labels the 3D chart drew last, for the view it was drawn in.
    bars3d_labels: Vec<bars3d::Label>,
    /// What each aggregation's values are (a time, read from the script),
    /// by name.
    units: HashMap<String, Unit>,
    /// What the Compare view compares with, if anything; shared with the
    /// rebuild of each tab, which must not copy a whole snapshot.
    reference: Option<std::sync::Arc<compare::Reference>>,
    /// What the views show when no range is selected, for the Compare
    /// view's "after": "the run", "this recording at 12.0 s".
    shown: String,
    /// The time range every view but the time views is limited to,
    /// seconds from the start.
    range: Option<(f64, f64)>,
    /// The snapshot of `range`, with the generation and range it was
    /// worked out for.
    ranged: Option<(u64, (f64, f64), Snapshot)>,
    /// The range being typed (Select time range…), and whether its field
    /// still needs the keyboard.
    range_field: Option<(String, bool)>,
}

/// A message in the middle of all the space left in `ui`, where the chart
/// would be.
pub(crate) fn centered_message(ui: &mut Ui, text: &str) {
    let size = ui.available_size();
    ui.allocate_ui_with_layout(
        size,
        egui::Layout::centered_and_justified(egui::Direction::TopDown),
        |ui| {
            ui.add(egui::Label::new(text).wrap());
        },
    );
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

    /// What each aggregation's values are, by name: from the script that
    /// made them. Every view is built again in them.
    pub fn set_units(&mut self, units: HashMap<String, Unit>) {
        if units != self.units {
            self.units = units;
            for tab in self.tabs.values_mut() {
                tab.built_from = u64::MAX;
            }
        }
    }

    /// What `name`'s values are.
    pub fn unit(&self, name: &str) -> Unit {
        let chosen = self.tabs.get(name).and_then(|t| t.unit);
        // The script names the anonymous `@` "_".
        let key = if name.is_empty() { "_" } else { name };
        chosen.unwrap_or_else(|| self.units.get(key).copied().unwrap_or_default())
    }

    /// Selects the aggregation `step` tabs on (or back), round.
    pub fn step_tab(&mut self, snapshot: &Snapshot, step: isize) {
        let names: Vec<&str> = snapshot
            .aggregations
            .iter()
            .map(|a| a.name.as_str())
            .collect();
        if names.is_empty() {
            return;
        }
        let at = self
            .selected(snapshot)
            .and_then(|a| names.iter().position(|n| *n == a.name))
            .unwrap_or(0) as isize;
        let next = (at + step).rem_euclid(names.len() as isize) as usize;
        self.select(names[next]);
    }

    /// Shows the selected aggregation as the next of its views, round.
    pub fn step_view(&mut self, snapshot: &Snapshot) {
        let Some(agg) = self.selected(snapshot) else {
            return;
        };
        let choices = self.kinds_for(agg);
        let now = self.tab(agg).kind;
        let at = choices.iter().position(|k| *k == now).unwrap_or(0);
        self.set_kind(agg, choices[(at + 1) % choices.len()]);
    }

    /// The views `agg` can be shown as here: its own, and Compare while
    /// there is a reference.
    fn kinds_for(&self, agg: &Aggregation) -> Vec<ChartKind> {
        let mut kinds = ChartKind::choices_for(agg);
        if self.reference.is_some() {
            kinds.push(ChartKind::Compare);
        }
        kinds
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

    /// Where the chart and its title line were drawn in the last frame:
    /// what a PNG export captures. Interaction hints are drawn outside it.
    pub fn chart_rect(&self) -> Option<Rect> {
        self.chart_rect
    }

    /// The title line drawn above the chart ("@name function()", and for
    /// 3D bars what they show), and where, as of the last frame.
    pub fn chart_title(&self) -> Option<(&str, Rect)> {
        self.title.as_ref().map(|(t, r)| (t.as_str(), *r))
    }

    /// The labels of the 3D chart as drawn in the last frame.
    pub fn bars3d_labels(&self) -> &[bars3d::Label] {
        &self.bars3d_labels
    }

    /// The tab of `agg`, made afresh when the one kept under its name was
    /// another aggregation's: a new script's `@` (or the same name given
    /// to another function) does not inherit a view it cannot show, such
    /// as a pie of an `lquantize()` after a `count()`.
    fn tab(&mut self, agg: &Aggregation) -> &mut TabState {
        let comparing = self.reference.is_some();
        let tab = self.tabs.entry(agg.name.clone()).or_insert_with(|| {
            let mut tab = TabState::new(agg);
            if comparing {
                tab.kind = ChartKind::Compare;
            }
            tab
        });
        // Cheap each frame: only a flame graph looks at the keys, and it
        // stops at the first stack.
        let fits = match tab.kind {
            ChartKind::Flame => flame::has_stacks(agg),
            ChartKind::Compare => comparing,
            kind => ChartKind::choices(agg.function).contains(&kind),
        };
        if !fits {
            *tab = TabState::new(agg);
        }
        tab
    }

    /// Brings the data of the selected tab up to date with the snapshot
    /// numbered `generation`.
    ///
    /// Returns when to look again, if a new snapshot waits because the
    /// last build was slow.
    pub fn update(
        &mut self,
        snapshot: &Snapshot,
        generation: u64,
        time: TimeView<'_>,
    ) -> Option<std::time::Instant> {
        let agg = self.selected(snapshot)?;
        let unit = self.unit(&agg.name);
        let tab = self.tab(agg);
        let forced = tab.built_from == u64::MAX || tab.data.is_none();
        if tab.built_from == generation && !forced {
            return None;
        }
        let now = std::time::Instant::now();
        if let Some(t) = tab.not_before
            && now < t
            && !forced
        {
            return Some(t);
        }
        let shown = self.shown_name();
        let reference = self.reference.clone();
        let comparing = Comparing {
            reference: reference.as_deref(),
            shown: &shown,
        };
        let tab = self.tabs.get_mut(&agg.name)?;
        tab.rebuild(agg, generation, time, unit, comparing);
        let took = now.elapsed();
        tab.not_before = (took > std::time::Duration::from_millis(16)).then(|| now + took * 10);
        None
    }

    pub fn show(
        &mut self,
        ui: &mut Ui,
        snapshot: Option<&Snapshot>,
        generation: u64,
        time: TimeView<'_>,
    ) -> Option<ChartAction> {
        self.chart_rect = None;
        self.title = None;
        self.bars3d_labels.clear();
        let Some(snapshot) = snapshot.filter(|s| !s.aggregations.is_empty()) else {
            centered_message(
                ui,
                "No aggregations yet: run a script that uses @name[...] = count(), quantize(), ...",
            );
            return None;
        };
        if self.range.is_some()
            && self.range_field.is_none()
            && ui.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape))
        {
            self.set_range(None);
        }
        // The range row first: a range typed or cleared there applies to
        // this frame's views.
        self.range_row(ui, time);
        let ranged = self.take_ranged(generation, time);
        let shown = ranged.as_ref().map_or(snapshot, |(_, _, s)| s);
        let exported = self.tab_row(ui, shown);
        self.controls_row(ui, shown);
        let action = exported;
        ui.separator();
        let picked = self.show_selected(ui, shown, generation, time);
        let action = action.or_else(|| self.take_narrow(shown));
        self.ranged = ranged;
        if let Some(Some(r)) = picked {
            self.set_range(Some(r));
        }
        action
    }
    /// A tab per aggregation; the selected one's unit and exports.
    fn tab_row(&mut self, ui: &mut Ui, snapshot: &Snapshot) -> Option<ChartAction> {
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
            self.unit_row(ui, snapshot)
        })
        .inner
    }

    /// The selected tab's views and the chosen view's options.
    fn controls_row(&mut self, ui: &mut Ui, snapshot: &Snapshot) {
        // The views and their choices on a line of their own: with the
        // time views there are too many to share one with the tabs.
        ui.horizontal_wrapped(|ui| {
            let Some(agg) = self.selected(snapshot) else {
                return;
            };
            let kinds = self.kinds_for(agg);
            let tab = self.tab(agg);
            let mut changed = false;
            for kind in kinds {
                changed |= ui
                    .selectable_value(&mut tab.kind, kind, kind.label())
                    .changed();
            }
            ui.separator();
            changed |= view_options(ui, tab);
            if changed {
                tab.built_from = u64::MAX;
            }
            if tab.kind == ChartKind::Bars3d {
                kind::bars3d_hint(ui);
            }
        });
    }

    /// The selected aggregation under its title line, brought up to date
    /// first; remembers where both were drawn, for a PNG export.
    fn show_selected(
        &mut self,
        ui: &mut Ui,
        snapshot: &Snapshot,
        generation: u64,
        time: TimeView<'_>,
    ) -> Option<Option<(f64, f64)>> {
        let agg = self.selected(snapshot)?;
        let name = agg.name.clone();
        let function = agg.function;
        let title = tab_title(agg);
        if let Some(t) = self.update(snapshot, generation, time) {
            ui.ctx()
                .request_repaint_after(t.saturating_duration_since(std::time::Instant::now()));
        }
        let rect = ui.available_rect_before_wrap();
        let tab = self.tabs.get_mut(&name)?;
        let scale = tab.view.scale;
        let data = tab.data.as_mut()?;
        // The title line makes an exported picture say what it shows.
        let detail = match data {
            ChartData::Bars3d(grid) if !grid.is_empty() && scale != bars3d::Scale::Linear => {
                let caption = bars3d::caption(grid, function);
                format!("{caption}, counts on a {} scale", scale.name())
            }
            ChartData::Bars3d(grid) if !grid.is_empty() => bars3d::caption(grid, function),
            ChartData::OverTime(m) => m.y_label.clone(),
            ChartData::HeatMap(m) if !m.subject.is_empty() => m.subject.clone(),
            _ => String::new(),
        };
        let title_rect = title_line(ui, &title, &detail);
        let range = self.range;
        let mut picked = None;
        match data {
            ChartData::Pie(model) => {
                pie::show(ui, model);
            }
            ChartData::Bars3d(grid) => {
                self.bars3d_labels = bars3d::show(ui, grid, function, &mut tab.view).labels;
            }
            ChartData::Bars(model) => hbars::show(ui, model),
            ChartData::Table(model) => table::show(ui, model),
            ChartData::OverTime(model) => picked = timeline::show(ui, &name, model, range),
            ChartData::Compare(model) => compare::show(ui, model),
            ChartData::Flame(model) => flame::show(ui, model, &mut tab.flame),
            ChartData::HeatMap(model) => {
                picked = heat_map(
                    ui,
                    &name,
                    model,
                    function,
                    (&mut tab.heat, range),
                    &mut tab.column,
                    &mut tab.view,
                )
            }
            ChartData::Value(value) => {
                ui.centered_and_justified(|ui| {
                    ui.label(egui::RichText::new(value.as_str()).size(48.0).strong());
                });
            }
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
        self.title = Some((
            if detail.is_empty() {
                title
            } else {
                format!("{title}  {detail}")
            },
            title_rect,
        ));
        Some(picked)
    }
}

/// The options of the view `tab` shows (slices, keys, scales, zoom);
/// returns whether its data must be built again.
fn view_options(ui: &mut Ui, tab: &mut TabState) -> bool {
    let mut changed = false;
    match tab.kind {
        ChartKind::Pie => {
            ui.label("Slices");
            changed |= ui
                .add(egui::DragValue::new(&mut tab.top_n).range(1..=pie::MAX_TOP_N))
                .on_hover_text("The largest keys get a slice each; the rest is \"other\"")
                .changed();
        }
        ChartKind::Bars3d => {
            ui.label("Keys");
            changed |= ui
                .add(egui::DragValue::new(&mut tab.max_keys).range(1..=100))
                .on_hover_text("Keys with the largest totals get a row each; the rest are summed")
                .changed();
            for (scale, name) in bars3d::Scale::ALL {
                ui.selectable_value(&mut tab.view.scale, scale, name)
                    .on_hover_text(format!(
                        "Counts on a {} scale{}",
                        scale.name(),
                        if scale == bars3d::Scale::Linear {
                            ": heights compare as lengths"
                        } else {
                            ": small buckets beside large ones show"
                        }
                    ));
            }
        }
        ChartKind::OverTime => {
            let model = match &tab.data {
                Some(ChartData::OverTime(m)) => Some(m),
                _ => None,
            };
            changed |= timeline::controls(ui, &mut tab.timeline, model);
        }
        ChartKind::HeatMap => {
            let model = match &tab.data {
                Some(ChartData::HeatMap(m)) => Some(m),
                _ => None,
            };
            if heatmap::controls(ui, &mut tab.heat, model) {
                changed = true;
                tab.column = None;
            }
        }
        ChartKind::Flame => {
            // Zoom and search change the drawing, not the data.
            flame::controls(ui, &mut tab.flame);
        }
        _ => {}
    }
    changed
}

/// CSV, JSON and (for charts) PNG exports of the aggregation `name`.
fn export_buttons(ui: &mut Ui, kind: ChartKind, name: &str) -> Option<ChartAction> {
    let mut action = None;
    if ui
        .button("CSV…")
        .on_hover_text("Export this aggregation as CSV")
        .clicked()
    {
        action = Some(ChartAction::Export(ExportFormat::Csv, name.to_owned()));
    }
    if ui
        .button("JSON…")
        .on_hover_text("Export this aggregation as JSON")
        .clicked()
    {
        action = Some(ChartAction::Export(ExportFormat::Json, name.to_owned()));
    }
    if ui
        .add_enabled(kind.is_chart(), egui::Button::new("PNG…"))
        .on_hover_text("Save the chart as drawn as a PNG image")
        .clicked()
    {
        action = Some(ChartAction::Export(ExportFormat::Png, name.to_owned()));
    }
    action
}

/// The heat map and, under it, the distribution in the interval clicked
/// as 3D bars, until that is closed.
fn heat_map(
    ui: &mut Ui,
    name: &str,
    model: &mut heatmap::HeatModel,
    function: AggFunction,
    (heat, range): (&mut heatmap::HeatOptions, Option<(f64, f64)>),
    column: &mut Option<((f64, f64), bars3d::Grid)>,
    view: &mut bars3d::View,
) -> Option<(f64, f64)> {
    let full = ui.available_height();
    let map_height = if column.is_some() { full * 0.55 } else { full };
    let (clicked, dragged) = ui
        .allocate_ui(egui::vec2(ui.available_width(), map_height), |ui| {
            heatmap::show(ui, name, model, heat.selected, range)
        })
        .inner;
    if let Some(p) = clicked {
        let picked = model.column(p, name, function);
        let interval = model.intervals[p];
        *column = Some((interval, bars3d::Grid::build(&picked, 1)));
        heat.selected = Some(interval);
    }
    // The interval is kept by its times, which stay true when
    // older points merge; the bars are of what it held then.
    if let Some(((from, to), grid)) = column.as_ref() {
        ui.horizontal(|ui| {
            ui.strong(format!(
                "The distribution from {} to {}",
                timeline::clock_text(model.started, *from),
                timeline::clock_text(model.started, *to)
            ));
            if ui.button("Close").clicked() {
                heat.selected = None;
            }
        });
        if heat.selected.is_some() {
            bars3d::show(ui, grid, function, view);
        } else {
            *column = None;
        }
    }
    dragged
}

/// Paints "@name function()" (strong) and `detail` (weak) on one line
/// across the top of what is left of `ui`, and returns where. Painted
/// rather than a label, so that a screen reader meets the name once, on
/// its tab.
fn title_line(ui: &mut Ui, title: &str, detail: &str) -> Rect {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let visuals = ui.visuals().clone();
    let mut job = egui::text::LayoutJob::default();
    job.append(
        title,
        0.0,
        egui::TextFormat::simple(font.clone(), visuals.strong_text_color()),
    );
    if !detail.is_empty() {
        job.append(
            detail,
            12.0,
            egui::TextFormat::simple(font.clone(), visuals.weak_text_color()),
        );
    }
    job.wrap = egui::text::TextWrapping::truncate_at_width(ui.available_width());
    let galley = ui.painter().layout_job(job);
    let height = galley.size().y.max(font.size);
    let (rect, _) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), height),
        egui::Sense::hover(),
    );
    ui.painter()
        .galley(rect.left_top(), galley, visuals.text_color());
    rect
}

#[cfg(test)]
pub(crate) mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::{lquantize, numbers};
    use super::*;

    #[test]
    fn a_new_aggregation_under_an_old_name_gets_a_view_it_can_show() {
        let mut view = AggregationsView::default();
        let mut counts = numbers(AggFunction::Count, &[("read", 3)]);
        counts.name = "_".into();
        view.set_kind(&counts, ChartKind::Pie);
        assert_eq!(view.kind("_"), Some(ChartKind::Pie));
        // The next script's @ is an lquantize(): no pie of it.
        let mut dist = lquantize(&[("sh", &[(0, 4)])]);
        dist.name = "_".into();
        let kind = view.tab(&dist).kind;
        assert_eq!(kind, ChartKind::Bars3d);
        // A view it can show is kept.
        view.set_kind(&dist, ChartKind::HeatMap);
        assert_eq!(view.tab(&dist).kind, ChartKind::HeatMap);
    }
}
