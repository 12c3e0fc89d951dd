//! The run bar (host, duration, Check, Run, Stop, Record, state, clock
//! and probe count) and the console with the run's errors and drops: the
//! view of a script's [`ScriptRun`], which the workbench keeps and the
//! session's events drive.

use dscope_workbench::run::{LineKind, ScriptRun, drop_hint, probes, seconds};
use egui::{RichText, Ui};
use std::time::Duration;

/// What the user asked for from the bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunAction {
    Check,
    Run,
    Stop,
    /// Open or close the Run Options window.
    Options,
    /// Forget the target process.
    ClearTarget,
    /// Work on another machine.
    Host(crate::hosts::TargetPick),
}

/// What the user asked of the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleAction {
    Save,
    /// Show this 1-based line of the script (a runtime error's clause).
    GoToLine(usize),
}

/// The run bar. Returns what the user pressed. `options` is the text
/// of the Run Options button; `destructive` warns that destructive
/// actions are allowed.
pub fn bar(
    run: &mut ScriptRun,
    ui: &mut Ui,
    hosts: (Option<&str>, &[crate::settings::RecentHost]),
    options: &str,
    destructive: bool,
    target: Option<&str>,
    focus_duration: &mut bool,
) -> Option<RunAction> {
    let mut action = None;
    // Wrapped onto a second line when narrow: the state, the clock and the
    // probe count are never cut off.
    ui.horizontal_wrapped(|ui| {
        let active = run.state().is_active();
        if let Some(pick) = crate::hosts::target_menu(ui, hosts.0, hosts.1, active) {
            action = Some(RunAction::Host(pick));
        }
        ui.separator();
        ui.label("Duration (s)");
        let duration = ui
            .add_enabled(
                !active,
                egui::DragValue::new(&mut run.duration_secs)
                    .range(0.0..=86_400.0)
                    .speed(1.0),
            )
            .on_hover_text("0 runs until Stop or the script's exit()");
        if std::mem::take(focus_duration) {
            duration.request_focus();
        }
        if ui
            .add_enabled(!active, egui::Button::new("Check"))
            .on_hover_text("Compile without running")
            .clicked()
        {
            action = Some(RunAction::Check);
        }
        if ui
            .add_enabled(!active, egui::Button::new("Run"))
            .on_hover_text("Run the script (F5)")
            .clicked()
        {
            action = Some(RunAction::Run);
        }
        if ui
            .add_enabled(run.state().can_stop(), egui::Button::new("Stop"))
            .on_hover_text("Stop: END clauses run, then the final aggregations (Shift+F5)")
            .clicked()
        {
            action = Some(RunAction::Stop);
        }
        if ui
            .button(options)
            .on_hover_text("-x options, macro arguments, destructive actions")
            .clicked()
        {
            action = Some(RunAction::Options);
        }
        ui.add_enabled(!active, egui::Checkbox::new(&mut run.record, "Record"))
            .on_hover_text(
                "Write each run to a recording as it goes: every snapshot, the output and \
                 errors (File > Open Recording… shows it again)",
            );
        if run.recording_to().is_some() {
            ui.label(RichText::new("recording").color(ui.visuals().error_fg_color));
        }
        if destructive {
            ui.label(
                RichText::new("destructive actions allowed").color(ui.visuals().warn_fg_color),
            );
        }
        if let Some(target) = target {
            ui.label(RichText::new(target).monospace());
            if ui
                .add_enabled(!active, egui::Button::new("×").small())
                .on_hover_text("Trace no process as $target")
                .clicked()
            {
                action = Some(RunAction::ClearTarget);
            }
        }
        ui.separator();
        // A failure is said whole, wrapped if it must be.
        ui.add(egui::Label::new(RichText::new(run.status()).strong()).wrap());
        clock(run, ui);
        if let Some(m) = run.matches() {
            ui.separator();
            ui.label(probes(m));
        }
    });
    action
}

/// The runtime errors and drops, a line each kind with its count.
fn troubles_ui(run: &ScriptRun, ui: &mut Ui) -> Option<ConsoleAction> {
    let mut action = None;
    for (message, count) in &run.troubles.errors {
        ui.horizontal_wrapped(|ui| {
            let color = ui.visuals().error_fg_color;
            if let Some(line) = run.clause_line(message)
                && ui
                    .link(RichText::new(format!("line {line}")).color(color))
                    .on_hover_text("Show the clause in the editor")
                    .clicked()
            {
                action = Some(ConsoleAction::GoToLine(line));
            }
            ui.label(RichText::new(format!("{count} × {message}")).color(color));
        });
    }
    for (message, count) in &run.troubles.drops {
        ui.label(
            RichText::new(format!(
                "{count} dropped: {message} — {}",
                drop_hint(message)
            ))
            .color(ui.visuals().warn_fg_color),
        );
    }
    action
}

pub fn console_ui(run: &mut ScriptRun, ui: &mut Ui) -> Option<ConsoleAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.label(format!("{} lines", run.console.len()));
        if run.console.out_of_view() > 0 {
            ui.label(
                RichText::new(format!(
                    "({} older lines out of view; Save… and Copy all take every line)",
                    run.console.out_of_view()
                ))
                .weak(),
            );
        }
        if let Some((lost, why)) = run.console.lost() {
            ui.label(
                RichText::new(format!("{lost} lines of output lost: {why}"))
                    .color(ui.visuals().warn_fg_color),
            );
        }
        if ui.button("Clear").clicked() {
            run.console.clear();
        }
        if ui
            .add_enabled(
                !run.console.is_empty()
                    && run.console.text_bytes() <= crate::workbench::console::COPY_BYTES,
                egui::Button::new("Copy all"),
            )
            .on_disabled_hover_text("Too much to copy through the clipboard: use Save…")
            .clicked()
        {
            match run.console_text() {
                Ok(text) => ui.ctx().copy_text(text),
                Err(e) => run.notice = Some(format!("Cannot copy the output: {e}")),
            }
        }
        if ui
            .add_enabled(!run.console.is_empty(), egui::Button::new("Save…"))
            .on_hover_text("Save the console's lines to a file")
            .clicked()
        {
            action = Some(ConsoleAction::Save);
        }
        if let Some(n) = &run.notice {
            ui.separator();
            ui.label(RichText::new(n).color(ui.visuals().warn_fg_color));
        }
    });
    // However many kinds of error and drop a run has, they take at
    // most a third of the panel: the console lines and the tabs above
    // keep their place.
    if !run.troubles.errors.is_empty() || !run.troubles.drops.is_empty() {
        egui::ScrollArea::vertical()
            .id_salt("dscope-console-troubles")
            .max_height((ui.available_height() / 3.0).max(ui.spacing().interact_size.y))
            .auto_shrink([false, true])
            .show(ui, |ui| {
                if let Some(a) = troubles_ui(run, ui) {
                    action = Some(a);
                }
            });
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Monospace);
    let lines = run.console.len();
    egui::ScrollArea::both()
        .id_salt("dscope-console")
        .auto_shrink([false, false])
        .stick_to_bottom(true)
        .show_rows(ui, row_height, lines, |ui, range| {
            for (kind, line) in run.console.range(range) {
                let text = RichText::new(line).monospace();
                let text = match kind {
                    LineKind::Output => text,
                    LineKind::Info => text.weak().italics(),
                };
                ui.add(egui::Label::new(text).extend().selectable(true));
            }
        });
    action
}

/// Elapsed and remaining time of a running script, and how often its
/// views update when that is slower than asked for.
fn clock(run: &ScriptRun, ui: &mut Ui) {
    if let Some((elapsed, remaining)) = run.progress() {
        match remaining {
            Some(left) => {
                let total = elapsed + left;
                let fraction = elapsed.as_secs_f32() / total.as_secs_f32().max(0.001);
                // One clock for both: whole seconds gone, and the seconds
                // begun that are left, add up to the duration.
                let text = if left.is_zero() {
                    format!("{} s traced; ending the run…", seconds_of(total))
                } else {
                    format!(
                        "{} s elapsed, {} s left",
                        elapsed.as_secs(),
                        left.as_secs() + u64::from(left.subsec_nanos() > 0)
                    )
                };
                ui.add(
                    egui::ProgressBar::new(fraction.min(1.0))
                        .desired_width(150.0)
                        .text(text),
                );
            }
            None => {
                ui.label(format!("{} s elapsed (continuous)", elapsed.as_secs()));
            }
        }
        if let Some(every) = run.pace() {
            ui.label(format!("views update every {}", seconds(every)))
                .on_hover_text(
                    "Reading the aggregations takes more than half a second \
                     (many stack keys to name), so they are read less often; \
                     the run itself is not slowed.",
                );
        }
        // The clock moves once a second; no faster redraws needed.
        ui.ctx().request_repaint_after(Duration::from_secs(1));
    }
}

/// A run's duration in whole seconds, as it was asked for.
fn seconds_of(d: Duration) -> u64 {
    d.as_secs_f64().round() as u64
}
