//! Choosing the process a script traces as `$target`, as `dtrace -c` and
//! `dtrace -p` do: "Trace a command…" takes a command line that the run
//! starts, "Attach to process…" picks a running process from a list that
//! refreshes while it is open.

use crate::processes::{self, ProcessInfo};
use crate::session::Target;
use egui::{Id, Key, RichText, TextEdit};
use std::time::{Duration, Instant};

/// How often the process list is read again while the picker is open.
const REFRESH_EVERY: Duration = Duration::from_secs(2);

/// What became of the dialog this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetOutcome {
    Pending,
    Cancelled,
    Chosen(Target),
}

pub enum TargetDialog {
    Command {
        line: String,
        focus: bool,
    },
    Attach(Picker),
    /// Attaching on another machine, whose processes this one cannot
    /// list: the process ID is typed.
    AttachOn {
        host: String,
        pid: String,
        focus: bool,
    },
}

pub struct Picker {
    pub filter: String,
    list: Option<Result<Vec<ProcessInfo>, String>>,
    pub selected: Option<i32>,
    loading: Option<crossbeam_channel::Receiver<Result<Vec<ProcessInfo>, String>>>,
    read_at: Option<Instant>,
    focus: bool,
}

impl TargetDialog {
    pub fn command(initial: &str) -> TargetDialog {
        TargetDialog::Command {
            line: initial.to_owned(),
            focus: true,
        }
    }

    pub fn attach() -> TargetDialog {
        TargetDialog::Attach(Picker {
            filter: String::new(),
            list: None,
            selected: None,
            loading: None,
            read_at: None,
            focus: true,
        })
    }

    pub fn attach_on(host: &str) -> TargetDialog {
        TargetDialog::AttachOn {
            host: host.to_owned(),
            pid: String::new(),
            focus: true,
        }
    }

    pub fn show(&mut self, ctx: &egui::Context) -> TargetOutcome {
        let mut outcome = TargetOutcome::Pending;
        let modal = egui::Modal::new(Id::unique("dscope-target-dialog")).show(ctx, |ui| {
            ui.set_width(620.0);
            match self {
                TargetDialog::Command { line, focus } => {
                    ui.heading("Trace a command");
                    ui.label(
                        "The run starts this command, as dtrace -c does: its words are \
                         split at spaces (no quotes, nothing expanded), $target is its \
                         process ID, its output goes to the console, and the run stops \
                         when it exits.",
                    );
                    let label = ui.label("Command line:");
                    let field = ui
                        .add(
                            TextEdit::singleline(line)
                                .desired_width(f32::INFINITY)
                                .hint_text("/usr/bin/ls -l /tmp")
                                .font(egui::TextStyle::Monospace),
                        )
                        .labelled_by(label.id);
                    if std::mem::take(focus) {
                        field.request_focus();
                    }
                    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    ui.horizontal(|ui| {
                        let ok = !line.trim().is_empty();
                        let use_it = ui
                            .add_enabled(ok, egui::Button::new("Use as $target"))
                            .clicked();
                        if use_it || (enter && ok) {
                            outcome =
                                TargetOutcome::Chosen(Target::Command(line.trim().to_owned()));
                        }
                        if ui.button("Cancel").clicked() {
                            outcome = TargetOutcome::Cancelled;
                        }
                    });
                }
                TargetDialog::Attach(picker) => {
                    if let Some(chosen) = picker.show(ui) {
                        outcome = chosen;
                    }
                }
                TargetDialog::AttachOn { host, pid, focus } => {
                    ui.heading("Attach to process");
                    ui.label(format!(
                        "The run grabs this process on {host}, as dtrace -p does: $target is \
                         its process ID, and the run stops when it exits. (ps -ef on {host} \
                         lists them.)"
                    ));
                    let label = ui.label(format!("Process ID on {host}:"));
                    let field = ui
                        .add(
                            TextEdit::singleline(pid)
                                .desired_width(120.0)
                                .font(egui::TextStyle::Monospace),
                        )
                        .labelled_by(label.id);
                    if std::mem::take(focus) {
                        field.request_focus();
                    }
                    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
                    let parsed = pid.trim().parse::<i32>().ok().filter(|p| *p > 0);
                    if parsed.is_none() && !pid.trim().is_empty() {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            "A process ID is a whole number above 0.",
                        );
                    }
                    ui.horizontal(|ui| {
                        let attach = ui
                            .add_enabled(parsed.is_some(), egui::Button::new("Attach"))
                            .clicked();
                        if let Some(p) = parsed
                            && (attach || enter)
                        {
                            outcome = TargetOutcome::Chosen(Target::Pid(p));
                        }
                        if ui.button("Cancel").clicked() {
                            outcome = TargetOutcome::Cancelled;
                        }
                    });
                }
            }
        });
        if modal.should_close() && outcome == TargetOutcome::Pending {
            outcome = TargetOutcome::Cancelled;
        }
        outcome
    }
}

impl Picker {
    /// Reads the list again when it is due, off the UI thread.
    fn refresh(&mut self, ctx: &egui::Context) {
        if let Some(rx) = &self.loading
            && let Ok(list) = rx.try_recv()
        {
            self.list = Some(list);
            self.loading = None;
            self.read_at = Some(Instant::now());
        }
        let due = self.read_at.is_none_or(|t| t.elapsed() >= REFRESH_EVERY);
        if due && self.loading.is_none() {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let waker = ctx.clone();
            std::thread::spawn(move || {
                let _ = tx.send(processes::list());
                waker.request_repaint();
            });
            self.loading = Some(rx);
        }
        if let Some(t) = self.read_at {
            ctx.request_repaint_after(REFRESH_EVERY.saturating_sub(t.elapsed()));
        }
    }

    fn show(&mut self, ui: &mut egui::Ui) -> Option<TargetOutcome> {
        let ctx = ui.ctx().clone();
        self.refresh(&ctx);
        let mut outcome = None;
        ui.heading("Attach to process");
        ui.label(
            "The run grabs this process, as dtrace -p does: $target is its ID and the run \
             stops when it exits.",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Filter:");
            let field = ui
                .add(
                    TextEdit::singleline(&mut self.filter)
                        .desired_width(260.0)
                        .hint_text("name, pid or user"),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus) {
                field.request_focus();
            }
            if ui.button("Refresh").clicked() {
                self.read_at = None;
            }
        });
        let shown: Vec<&ProcessInfo> = match &self.list {
            None => {
                ui.label("Reading the process list…");
                Vec::new()
            }
            Some(Err(e)) => {
                ui.colored_label(ui.visuals().error_fg_color, e);
                Vec::new()
            }
            Some(Ok(list)) => list.iter().filter(|p| p.matches(&self.filter)).collect(),
        };
        // The only match is as good as chosen.
        if shown.len() == 1 {
            self.selected = Some(shown[0].pid);
        }
        let mut double_clicked = None;
        egui::ScrollArea::vertical()
            .id_salt("dscope-process-list")
            .max_height(300.0)
            // A fixed height, so the dialog keeps its place while filtering.
            .min_scrolled_height(300.0)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("dscope-process-grid")
                    .num_columns(4)
                    .striped(true)
                    .show(ui, |ui| {
                        for h in ["PID", "USER", "NAME", "COMMAND"] {
                            ui.label(RichText::new(h).strong());
                        }
                        ui.end_row();
                        for p in shown.iter().take(2000) {
                            let selected = self.selected == Some(p.pid);
                            let r = ui.selectable_label(selected, p.pid.to_string());
                            if r.clicked() {
                                self.selected = Some(p.pid);
                            }
                            if r.double_clicked() {
                                double_clicked = Some(p.pid);
                            }
                            ui.label(&p.user);
                            ui.label(&p.name);
                            let args: String = p.args.chars().take(80).collect();
                            ui.label(RichText::new(args).monospace().weak());
                            ui.end_row();
                        }
                    });
            });
        let count = shown.len();
        let still_there = self
            .selected
            .filter(|pid| shown.iter().any(|p| p.pid == *pid));
        ui.horizontal(|ui| {
            let label = match still_there.and_then(|pid| shown.iter().find(|p| p.pid == pid)) {
                Some(p) => format!("Attach to {} ({})", p.pid, p.name),
                None => "Attach".to_owned(),
            };
            if ui
                .add_enabled(still_there.is_some(), egui::Button::new(label))
                .clicked()
                && let Some(pid) = still_there
            {
                outcome = Some(TargetOutcome::Chosen(Target::Pid(pid)));
            }
            if ui.button("Cancel").clicked() {
                outcome = Some(TargetOutcome::Cancelled);
            }
            ui.weak(format!("{count} processes"));
        });
        if let Some(pid) = double_clicked {
            outcome = Some(TargetOutcome::Chosen(Target::Pid(pid)));
        }
        outcome
    }
}
