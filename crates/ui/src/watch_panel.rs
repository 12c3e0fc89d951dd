//! The Watch tab: what a script's runs are checked against and what
//! happens when something is off. The baseline and how far out counts,
//! the alert rules the script keeps (added and removed here, written into
//! the script's comments), the program run on an alert, the /metrics
//! endpoint, and what the last run found: its anomalies and alerts.

use crate::history::anomaly::Kind;
use crate::workbench::watch::Watch;
use dscope_engine::alerts::Rule;
use egui::{RichText, Ui};

/// What the tab asks the window for.
#[derive(Debug, Clone, PartialEq)]
pub enum WatchAction {
    /// Open a file dialog for a baseline or a recording to learn from.
    ChooseBaseline,
    /// The script's rules are to be these (written into its text).
    SetRules(Vec<Rule>),
    /// Show this aggregation's Over time view, with the band of this key
    /// (as its label).
    ShowOverTime(String, String),
}

/// What the tab keeps between frames.
#[derive(Debug, Clone)]
pub struct WatchPanel {
    /// A rule being typed, and why it was refused.
    pub rule: String,
    pub rule_error: Option<String>,
    /// The alert command as typed, and why it was refused.
    pub command: String,
    pub command_error: Option<String>,
    /// Serve /metrics from the next run on, at `address`.
    pub serve: bool,
    pub address: String,
    pub correlations: crate::correlation_view::CorrelationView,
}

impl Default for WatchPanel {
    fn default() -> Self {
        WatchPanel {
            rule: String::new(),
            rule_error: None,
            command: String::new(),
            command_error: None,
            serve: false,
            address: "127.0.0.1:9464".into(),
            correlations: crate::correlation_view::CorrelationView::new(),
        }
    }
}

/// The tab's title: with how many anomalies and alerts are open.
pub fn title(watch: &Watch) -> String {
    let open = watch.anomalies().iter().filter(|a| a.end.is_none()).count()
        + watch.alerts.iter().filter(|a| a.state == "firing").count();
    if open == 0 {
        "Watch".to_owned()
    } else {
        format!("Watch ({open})")
    }
}

pub fn ui(
    panel: &mut WatchPanel,
    (watch, history): (&mut Watch, &crate::history::History),
    source: &str,
    ui: &mut Ui,
) -> Option<WatchAction> {
    let mut action = None;
    egui::ScrollArea::vertical()
        .id_salt("dscope-watch")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            baseline_ui(watch, ui, &mut action);
            ui.separator();
            rules_ui(panel, watch, source, ui, &mut action);
            ui.separator();
            metrics_ui(panel, watch, ui);
            ui.separator();
            found_ui(watch, ui, &mut action);
            ui.separator();
            ui.strong("Keys that move together");
            panel.correlations.ui(history, ui);
        });
    action
}

fn baseline_ui(watch: &mut Watch, ui: &mut Ui, action: &mut Option<WatchAction>) {
    ui.strong("Baseline");
    ui.horizontal_wrapped(|ui| {
        match &watch.baseline {
            Some(c) => {
                let b = &c.baseline;
                let keys: usize = b.aggregations.iter().map(|a| a.keys.len()).sum();
                ui.label(format!(
                    "{} ({}, {} keys from {} recording(s))",
                    c.path.display(),
                    b.period.name(),
                    keys,
                    b.sources.len()
                ));
            }
            None => {
                ui.label("None: runs are not checked against a normal level.");
            }
        }
        if ui
            .button("Choose…")
            .on_hover_text("A baseline (dscope baseline REC) or a recording to learn one from")
            .clicked()
        {
            *action = Some(WatchAction::ChooseBaseline);
        }
        if watch.baseline.is_some() && ui.button("Clear").clicked() {
            watch.baseline = None;
        }
        let label = ui.label("a recording learns with period");
        egui::ComboBox::from_id_salt("dscope-learn-period")
            .selected_text(watch.learn_period.name())
            .show_ui(ui, |ui| {
                for (p, name) in crate::history::baseline::Period::ALL {
                    ui.selectable_value(&mut watch.learn_period, p, name);
                }
            })
            .response
            .labelled_by(label.id);
    });
    ui.horizontal_wrapped(|ui| {
        ui.label("A key is out beyond");
        ui.add(
            egui::DragValue::new(&mut watch.settings.sigmas)
                .range(0.5..=20.0)
                .speed(0.1)
                .suffix(" sd"),
        );
        ui.label("for");
        ui.add(
            egui::DragValue::new(&mut watch.settings.points)
                .range(1..=1000)
                .suffix(" points"),
        );
        ui.label("in a row (from the next run).");
    });
}

fn rules_ui(
    panel: &mut WatchPanel,
    watch: &mut Watch,
    source: &str,
    ui: &mut Ui,
    action: &mut Option<WatchAction>,
) {
    ui.strong("Alert rules (kept in the script's comments)");
    let rules = Watch::rules_of(source);
    if rules.is_empty() {
        ui.label("None yet. For example: busy: @syscalls[bash] > 1000 for 10s");
    }
    for (i, r) in rules.iter().enumerate() {
        ui.horizontal(|ui| {
            ui.monospace(format!("{}: {}", r.name, r.text));
            if ui.small_button("Remove").clicked() {
                let mut kept = rules.clone();
                kept.remove(i);
                *action = Some(WatchAction::SetRules(kept));
            }
        });
    }
    ui.horizontal(|ui| {
        let label = ui.label("New rule");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut panel.rule)
                    .hint_text("NAME: @AGG[KEY].rate > N for 10s")
                    .desired_width(360.0),
            )
            .labelled_by(label.id);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Add rule").clicked() || enter) && !panel.rule.trim().is_empty() {
            match Rule::parse(&panel.rule) {
                Ok(rule) => {
                    let mut all = rules.clone();
                    all.retain(|r| r.name != rule.name);
                    all.push(rule);
                    panel.rule.clear();
                    panel.rule_error = None;
                    *action = Some(WatchAction::SetRules(all));
                }
                Err(e) => panel.rule_error = Some(e),
            }
        }
    });
    if let Some(e) = &panel.rule_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    ui.label(
        "Conditions: > N, < N, outside baseline, trend > N within 10m. Measures: .rate, .value, .p99.",
    );
    ui.horizontal(|ui| {
        let label = ui.label("On an alert, run");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut panel.command)
                    .hint_text("/path/to/program ARGS (alert JSON on its stdin)")
                    .desired_width(300.0),
            )
            .labelled_by(label.id);
        if field.changed() {
            panel.command_error = None;
            watch.alert_command = None;
            if !panel.command.trim().is_empty() {
                match dscope_engine::alerts::CommandAction::parse(&panel.command) {
                    Ok(c) => watch.alert_command = Some(c),
                    Err(e) => panel.command_error = Some(e),
                }
            }
        }
    });
    if let Some(e) = &panel.command_error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
}

fn metrics_ui(panel: &mut WatchPanel, watch: &mut Watch, ui: &mut Ui) {
    ui.strong("Prometheus");
    ui.horizontal_wrapped(|ui| {
        let checkbox = ui.checkbox(&mut panel.serve, "Serve the aggregations at");
        let toggled = checkbox.changed();
        let edited = ui
            .add(egui::TextEdit::singleline(&mut panel.address).desired_width(160.0))
            .on_hover_text("[ADDR:]PORT: a port alone listens on loopback only")
            .labelled_by(checkbox.id)
            .changed();
        ui.label("/metrics");
        if toggled || edited {
            if panel.serve {
                watch.metrics.address = panel.address.clone();
            } else {
                watch.metrics.address.clear();
                watch.stop_serving();
            }
        }
    });
    match (watch.metrics.listening(), &watch.metrics.said) {
        (Some(at), _) => ui.label(format!("Serving at http://{at}/metrics")),
        (None, Some(said)) if panel.serve => ui.label(said.trim_start_matches("dscope: ")),
        (None, _) if panel.serve => ui.label("From the next run on."),
        _ => ui.label("Off."),
    };
}

fn found_ui(watch: &Watch, ui: &mut Ui, action: &mut Option<WatchAction>) {
    let anomalies = watch.anomalies();
    ui.strong(format!("Anomalies ({})", anomalies.len()));
    if watch.baseline.is_none() {
        ui.label("Choose a baseline to find keys that leave their normal level.");
    } else if anomalies.is_empty() {
        ui.label("None: every key stayed within its band.");
    }
    egui::Grid::new("dscope-anomalies")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            if !anomalies.is_empty() {
                for head in ["Key", "Since", "Until", "How far", "Normal range"] {
                    ui.strong(head);
                }
                ui.end_row();
            }
            for a in anomalies {
                let key = crate::model::key_label(&a.key);
                let name = format!("@{}[{key}] {}", a.aggregation, a.measure.name());
                let key = key.clone();
                let color = match (a.kind, a.end) {
                    (_, Some(_)) => ui.visuals().weak_text_color(),
                    (Kind::New, None) => ui.visuals().warn_fg_color,
                    _ => ui.visuals().error_fg_color,
                };
                if ui
                    .link(RichText::new(name).color(color))
                    .on_hover_text("Show it over time")
                    .clicked()
                {
                    *action = Some(WatchAction::ShowOverTime(a.aggregation.clone(), key));
                }
                ui.label(format!("{:.1} s", a.start));
                ui.label(
                    a.end
                        .map_or("still out".to_owned(), |e| format!("{e:.1} s")),
                );
                ui.label(match a.kind {
                    Kind::New => "a new key".to_owned(),
                    _ => format!("{:+.1} sd ({:.2})", a.sigmas, a.value),
                });
                ui.label(a.band.map_or("—".to_owned(), |b| {
                    format!("{:.2} .. {:.2}", b.low, b.high)
                }));
                ui.end_row();
            }
        });
    ui.add_space(6.0);
    ui.strong(format!("Alerts ({})", watch.alerts.len()));
    if watch.alerts.is_empty() {
        ui.label("None this run.");
    }
    for a in &watch.alerts {
        let color = if a.state == "firing" {
            ui.visuals().error_fg_color
        } else {
            ui.visuals().weak_text_color()
        };
        ui.label(RichText::new(format!("{:.1} s  {}", a.t, a.line())).color(color));
    }
}
