//! What the views are limited to and compared with: a time range of the
//! run (dragged across a time view or typed), and a reference (another
//! recording, an earlier range) for the Compare view.

use super::{AggregationsView, ChartKind, TimeView, compare, range};
use crate::history::History;
use crate::model::Snapshot;
use egui::Ui;

impl AggregationsView {
    /// Compares every aggregation with `reference` in a Compare view
    /// (`None`: nothing to compare with).
    pub fn set_reference(&mut self, reference: Option<compare::Reference>) {
        // Asking for a comparison shows it: every aggregation's view
        // turns to Compare (and a tab made later starts there).
        let new = reference.is_some() && self.reference.is_none();
        self.reference = reference.map(std::sync::Arc::new);
        for tab in self.tabs.values_mut() {
            if new {
                tab.kind = ChartKind::Compare;
            }
            tab.built_from = u64::MAX;
        }
    }

    /// Names what the views show when no range is selected.
    pub fn set_shown(&mut self, shown: &str) {
        if self.shown != shown {
            self.shown = shown.to_owned();
            if self.reference.is_some() {
                for tab in self.tabs.values_mut() {
                    tab.built_from = u64::MAX;
                }
            }
        }
    }

    /// The time range (seconds from the start) every view but Over time
    /// and the heat map is limited to; `None` shows the whole run.
    pub fn set_range(&mut self, range: Option<(f64, f64)>) {
        let range = range.map(|(a, b)| if a <= b { (a, b) } else { (b, a) });
        if range != self.range {
            self.range = range;
            self.ranged = None;
            for tab in self.tabs.values_mut() {
                tab.built_from = u64::MAX;
            }
        }
    }

    /// The aggregation `name` as the views show it: within the selected
    /// range, or as in `snapshot`.
    pub fn shown_aggregation<'s>(
        &'s self,
        name: &str,
        snapshot: &'s Snapshot,
    ) -> Option<&'s crate::model::Aggregation> {
        match (&self.range, &self.ranged) {
            (Some(r), Some((_, at, s))) if r == at => s.get(name),
            _ => snapshot.get(name),
        }
    }

    /// The comparison the Compare view of `name` shows, if it shows one.
    pub fn comparison(&self, name: &str) -> Option<&crate::model::comparison::Comparison> {
        match self.tabs.get(name) {
            Some(t) if t.kind == ChartKind::Compare => match &t.data {
                Some(super::ChartData::Compare(m)) => Some(&m.comparison),
                _ => None,
            },
            _ => None,
        }
    }

    pub fn range(&self) -> Option<(f64, f64)> {
        self.range
    }

    /// What the views show, for the Compare view: the range, or what the
    /// owner said.
    pub(super) fn shown_name(&self) -> String {
        match self.range {
            Some(r) => range::text(r),
            None if self.shown.is_empty() => "now".into(),
            None => self.shown.clone(),
        }
    }

    /// What the history holds for the selected range, kept until the
    /// range or the snapshot changes; the caller puts it back.
    pub(super) fn take_ranged(
        &mut self,
        generation: u64,
        time: TimeView<'_>,
    ) -> Option<(u64, (f64, f64), Snapshot)> {
        let r = self.range?;
        match self.ranged.take() {
            Some((g, at, s)) if g == generation && at == r => Some((g, at, s)),
            _ => Some((generation, r, time.history.snapshot_between(r.0, r.1))),
        }
    }

    /// Asks for a time range in a field above the views, with the
    /// keyboard in it.
    pub fn ask_range(&mut self) {
        let text = self
            .range
            .map(|(a, b)| format!("{a:.1}-{b:.1}"))
            .unwrap_or_default();
        self.range_field = Some((text, true));
    }

    /// Makes the selected range the Compare view's reference; false when
    /// none is selected.
    pub fn keep_range(&mut self, history: &History) -> bool {
        let Some(r) = self.range else {
            return false;
        };
        let reference = compare::Reference {
            name: range::text(r),
            snapshot: history.snapshot_between(r.0, r.1),
        };
        self.set_reference(Some(reference));
        true
    }

    /// The range being typed, or the one selected: what it is, with Keep
    /// as reference and Clear.
    pub(super) fn range_row(&mut self, ui: &mut Ui, time: TimeView<'_>) {
        if let Some((text, focus)) = &mut self.range_field {
            let mut done = None;
            ui.horizontal_wrapped(|ui| {
                ui.label("Time range, seconds from the start:");
                let field = ui.add(
                    egui::TextEdit::singleline(text)
                        .hint_text("2-8")
                        .desired_width(120.0),
                );
                if std::mem::take(focus) {
                    // The range shown is selected: typing replaces it.
                    field.request_focus();
                    let mut state = egui::text_edit::TextEditState::load(ui.ctx(), field.id)
                        .unwrap_or_default();
                    state
                        .cursor
                        .set_char_range(Some(egui::text::CCursorRange::two(
                            egui::text::CCursor::new(0),
                            egui::text::CCursor::new(text.chars().count()),
                        )));
                    state.store(ui.ctx(), field.id);
                }
                let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                let escape = ui.input(|i| i.key_pressed(egui::Key::Escape));
                match range::parse(text) {
                    Some(r) if enter => done = Some(Some(r)),
                    Some(_) => {
                        ui.weak("Enter selects it, Esc cancels");
                    }
                    None if text.trim().is_empty() => {
                        ui.weak("as FROM-TO, e.g. 2-8 or 2.5..10");
                    }
                    None => {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            "as FROM-TO, e.g. 2-8 or 2.5..10",
                        );
                    }
                }
                if escape {
                    done = Some(None);
                }
            });
            if let Some(picked) = done {
                self.range_field = None;
                if picked.is_some() {
                    self.set_range(picked);
                }
            }
        }
        let Some(r) = self.range else {
            return;
        };
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("Range {}", range::text(r)));
            ui.weak(format!("({})", range::clock(time.started, r)));
            ui.label("every view but Over time and the heat map shows only this range");
            if ui
                .button("Keep as reference")
                .on_hover_text(
                    "Compare later ranges (or the whole run) with this one in the Compare view",
                )
                .clicked()
            {
                self.keep_range(time.history);
            }
            if ui.button("Clear (Esc)").clicked() {
                self.set_range(None);
            }
        });
    }
}

impl AggregationsView {
    /// Brings `name` forward as Over time (an anomaly clicked in the
    /// Watch tab), the band drawn for `key` (its label).
    pub fn show_over_time(&mut self, agg: &crate::model::Aggregation, key: &str) {
        self.select(&agg.name);
        let t = self.tab(agg);
        t.kind = ChartKind::OverTime;
        t.timeline.trend_key = Some(key.to_owned());
        t.data = None;
        t.not_before = None;
    }
}

impl AggregationsView {
    /// A row's "Narrow the script" chosen in the table shown, if any.
    pub(super) fn take_narrow(&mut self, shown: &Snapshot) -> Option<super::ChartAction> {
        // The tab shown: the one chosen, or the first before any was.
        let name = self.selected(shown)?.name.clone();
        let model = match self.tabs.get_mut(&name)?.data.as_mut()? {
            super::ChartData::Table(model) => model,
            super::ChartData::HeatMap(heat) => {
                let values = heat.asked.take()?;
                let target = super::table::Target {
                    key: heat.key.clone().unwrap_or_default(),
                    values: Some(values),
                };
                return Some(super::ChartAction::Narrow(name, target));
            }
            _ => return None,
        };
        let from_summary = model.summary.as_mut().and_then(|s| {
            let row = s.asked.take()?;
            s.targets.get(row).cloned()
        });
        let target = from_summary.or_else(|| {
            let row = model.asked.take()?;
            model.targets.get(row).cloned()
        })?;
        Some(super::ChartAction::Narrow(name, target))
    }
}
