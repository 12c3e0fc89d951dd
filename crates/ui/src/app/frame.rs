//! One frame of the window: the panels in their order, the split between
//! the editor and the bottom panel, the bottom panel's tabs, and the
//! timed work (checks as you type, the recovery copy, the title).

use super::*;
use crate::commands::Command;

impl DscopeApp {
    /// One frame of the whole app.
    pub fn frame(&mut self, ui: &mut Ui) {
        if let Some(message) = self.panic_next_frame.take() {
            panic!("{message}");
        }
        let ctx = ui.ctx().clone();
        self.check_disk(&ctx);
        // A prompt or dialog owns the keyboard: no shortcut may act behind it.
        let modal_open = self.modal_open();
        if !modal_open {
            self.command_keys(&ctx);
        }
        self.poll_session();
        self.follow_target_probes(&ctx);
        self.editor.set_shortcuts_enabled(!modal_open);
        self.poll_dialogs(&ctx);
        self.poll_recording();
        self.poll_baseline();
        self.prompts(&ctx);
        self.poll_target_dialog(&ctx);
        self.poll_add_host(&ctx);
        self.poll_subscription(&ctx);
        self.help_window(&ctx);
        self.panels(ui);
        self.apply_actions(&ctx);
        self.timed_work(&ctx);
        self.capture_png(&ctx, modal_open);
        self.handle_close_request(&ctx);
        let title = self.title();
        if title != self.sent_title {
            ctx.send_viewport_cmd(ViewportCommand::Title(title.clone()));
            self.sent_title = title;
        }
    }

    /// Whether a prompt or dialog is open, which owns the keyboard.
    fn modal_open(&self) -> bool {
        self.prompt.is_some()
            || self.browser.is_some()
            || self.native.is_some()
            || self.target_dialog.is_some()
            || self.add_host.is_some()
            || self.subscribe_dialog.is_some()
    }

    /// The menu, the run bar, the probe browser, the bottom panel, the
    /// editor and the status bar, in the order egui lays panels out.
    fn panels(&mut self, ui: &mut Ui) {
        egui::Panel::top("dscope-menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::top("dscope-run-bar").show(ui, |ui| self.run_bar(ui));
        self.view.run_options.show(ui.ctx());
        // The status bar's room is taken now, but it is filled in after the
        // editor has handled this frame's keys: drawn here, the cursor's
        // line and column would lag a frame and every key would need a
        // second frame (over remote X, a second picture sent).
        let status_rect = egui::Panel::bottom("dscope-status")
            .exact_size(ui.spacing().interact_size.y + 6.0)
            .show(ui, |ui| ui.max_rect())
            .inner;
        // The probe browser takes the whole height beside the editor and the
        // bottom panel: a list needs rows, not a strip.
        if self.probes.open {
            // A third of a small window, so the charts keep their width.
            let action = egui::Panel::left("dscope-probes")
                .resizable(true)
                .default_size((ui.available_width() * 0.3).clamp(200.0, 300.0))
                .size_range(200.0..=(ui.available_width() * 0.5).max(200.0))
                .show(ui, |ui| self.probes.show(ui))
                .inner;
            if let Some(a) = action {
                self.ask(Action::Browser(a));
            }
        }
        self.output_and_split(ui);
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                let response = self.editor.show(ui);
                if self.editor.take_probe_request()
                    && !self.probes.has_list()
                    && self.probes.loading.is_none()
                {
                    self.list_probes(ui.ctx());
                }
                if response.changed {
                    self.edited();
                }
            });
        let mut status = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(status_rect)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
        );
        self.status_bar(&mut status);
    }

    fn run_bar(&mut self, ui: &mut Ui) {
        let options_label = self.view.run_options.button_text();
        let destructive = self.view.run_options.destructive();
        let target = self
            .view
            .run_options
            .target
            .as_ref()
            .map(crate::run_options::describe_target);
        let host = self.host.as_ref().map(crate::hosts::HostTarget::name);
        let recent = &self.settings.recent_hosts;
        let action = crate::run_panel::bar(
            &mut self.run,
            ui,
            (host, recent),
            &options_label,
            destructive,
            target.as_deref(),
            &mut self.focus_duration,
        );
        if let Some(a) = action {
            self.ask(Action::Run(a));
        }
    }

    /// The bottom panel at its height, and the grip above it that sets it.
    fn output_and_split(&mut self, ui: &mut Ui) {
        let available = ui.available_height();
        let window = ui.ctx().content_rect().size();
        let window = [window.x, window.y];
        let height = if self.output_maximized {
            // Two lines of the editor stay in view.
            (available - 90.0).max(MIN_OUTPUT_HEIGHT)
        } else {
            output_height(available, self.settings.split_for(window))
        };
        egui::Panel::bottom("dscope-output")
            .resizable(false)
            .exact_size(height)
            .show(ui, |ui| self.bottom_panel(ui));
        // The grip is a panel of its own above the bottom panel, so what
        // the charts are given is the whole of that panel.
        let split = egui::Panel::bottom("dscope-split")
            .resizable(false)
            .exact_size(SPLIT_GRIP)
            .frame(egui::Frame::NONE.fill(ui.visuals().panel_fill))
            .show_separator_line(false)
            .show(ui, split_handle)
            .inner;
        if let Some(drag) = split
            && !self.output_maximized
        {
            match drag {
                SplitDrag::By(dy) => {
                    let wanted = output_height(available, (height - dy) / available.max(1.0));
                    self.settings.set_split(window, wanted / available.max(1.0));
                }
                SplitDrag::Done => self.save_settings(),
            }
        }
    }

    /// What waits for a moment: the check after typing pauses, the
    /// recovery copy, the zoom kept in the settings.
    fn timed_work(&mut self, ctx: &egui::Context) {
        self.take_recovery_copy();
        // No checks during a run (the worker is busy with it); the edit is
        // checked once the run ends, which wakes the UI.
        // Nor while the completion popup is open: the word is half typed.
        if let Some(due) = self.check_due
            && !self.run.state().is_active()
            && self.editor.completion().is_none()
        {
            if Instant::now() < due {
                ctx.request_repaint_after(due.saturating_duration_since(Instant::now()));
            } else if self.editor.text().trim().is_empty() {
                // Nothing written yet is not an error to show as you type
                // ("empty D program"); Check still says it.
                self.check_due = None;
                self.jobs.check = None;
                self.editor.set_diagnostics(Vec::new());
            } else {
                self.start_check(ctx);
            }
        }
        if let Some(due) = self.recovery_due {
            ctx.request_repaint_after(due.saturating_duration_since(Instant::now()));
        }
        if (ctx.zoom_factor() - self.settings.zoom).abs() > f32::EPSILON {
            self.settings.zoom = ctx.zoom_factor();
            self.save_settings();
        }
    }

    pub(super) fn bottom_panel(&mut self, ui: &mut Ui) {
        self.bottom_tabs(ui);
        ui.separator();
        match self.view.bottom_tab {
            BottomTab::Console => {
                if let Some(a) = crate::run_panel::console_ui(&mut self.run, ui) {
                    self.ask(Action::Console(a));
                }
            }
            BottomTab::Problems => self.problems_ui(ui),
            BottomTab::Aggregations => {
                if let Some(a) = self.aggregations_ui(ui) {
                    self.ask(a);
                }
            }
            BottomTab::Watch => {
                let source = self.editor.text();
                let panel = &mut self.view.watch_panel;
                let watched = self.run.watch_and_history();
                if let Some(a) = crate::watch_panel::ui(panel, watched, source, ui) {
                    self.ask(Action::Watch(a));
                }
            }
        }
    }

    /// The bottom panel's tabs, and its Maximize button.
    fn bottom_tabs(&mut self, ui: &mut Ui) {
        let problems = self.editor.diagnostics().len();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.view.bottom_tab, BottomTab::Console, "Console");
            let title = if problems == 0 {
                "Problems".to_owned()
            } else {
                format!("Problems ({problems})")
            };
            ui.selectable_value(&mut self.view.bottom_tab, BottomTab::Problems, title);
            ui.selectable_value(
                &mut self.view.bottom_tab,
                BottomTab::Aggregations,
                "Aggregations",
            );
            let watch = crate::watch_panel::title(&self.run.watch);
            ui.selectable_value(&mut self.view.bottom_tab, BottomTab::Watch, watch);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let (text, hint) = if self.output_maximized {
                    ("Restore", "Give the editor its room back")
                } else {
                    ("Maximize", "Make this panel as tall as the window")
                };
                let key = Command::MaximizeOutput.key_text();
                if ui
                    .button(text)
                    .on_hover_text(format!("{hint} ({key})"))
                    .clicked()
                {
                    self.ask(Command::MaximizeOutput);
                }
            });
        });
    }

    /// The Aggregations tab: a recording shown, a subscription, or the run.
    fn aggregations_ui(&mut self, ui: &mut Ui) -> Option<Action> {
        use crate::subscription_view::SubscriptionAction;
        if let Some(viewer) = &mut self.viewer {
            return viewer.ui(ui).map(|a| match a {
                ViewerAction::Close => Action::CloseRecording,
                ViewerAction::Compare => Action::Command(Command::CompareRecording),
                ViewerAction::Chart(a) => Action::Chart(a),
            });
        }
        if let Some(sub) = &mut self.subscription {
            return sub.ui(ui).map(|a| match a {
                SubscriptionAction::Close => Action::CloseSubscription,
                SubscriptionAction::Chart(a) => Action::Chart(a),
            });
        }
        let generation = self.run.snapshot_generation();
        let time = TimeView {
            history: self.run.history(),
            started: self.run.started_wall(),
            cursor: None,
            watch: Some(&self.run.watch),
        };
        self.view
            .charts
            .show(ui, self.run.snapshot(), generation, time)
            .map(Action::Chart)
    }

    /// The diagnostics of the last check; a click puts the cursor there.
    pub(super) fn problems_ui(&mut self, ui: &mut Ui) {
        let mut jump = None;
        egui::ScrollArea::vertical()
            .id_salt("dscope-problems")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if self.editor.diagnostics().is_empty() {
                    ui.label("No problems: the last check found nothing to report.");
                }
                for d in self.editor.diagnostics() {
                    let place = match (&d.file, d.line) {
                        (Some(f), l) => format!("{}:{l}", f.display()),
                        (None, 0) => "script".to_owned(),
                        (None, l) => match &d.columns {
                            Some(c) => format!("line {l}:{}", c.start + 1),
                            None => format!("line {l}"),
                        },
                    };
                    let text = format!("{}  {place}  {}", d.severity.label(), d.message);
                    let color = crate::editor::diagnostic_color(d.severity, ui.visuals().dark_mode);
                    let r = ui.add(
                        egui::Button::selectable(false, egui::RichText::new(text).color(color))
                            .wrap(),
                    );
                    if r.on_hover_text("Go to this line").clicked()
                        && d.file.is_none()
                        && d.line > 0
                    {
                        jump = Some((d.line, d.columns.as_ref().map_or(0, |c| c.start)));
                    }
                }
            });
        if let Some((line, column)) = jump {
            self.editor.goto(line, column);
        }
    }

    pub fn bottom_tab(&self) -> BottomTab {
        self.view.bottom_tab
    }

    pub fn set_bottom_tab(&mut self, tab: BottomTab) {
        self.view.bottom_tab = tab;
    }

    pub fn charts(&self) -> &AggregationsView {
        &self.view.charts
    }

    pub fn watch_panel(&self) -> &crate::watch_panel::WatchPanel {
        &self.view.watch_panel
    }
}

/// The bottom panel never gets smaller than this, nor the editor than
/// [`MIN_EDITOR_HEIGHT`], at any window size from 700x500 up.
const MIN_OUTPUT_HEIGHT: f32 = 140.0;
const MIN_EDITOR_HEIGHT: f32 = 90.0;
/// The height of the grip between the editor and the bottom panel.
const SPLIT_GRIP: f32 = 6.0;

/// The bottom panel's height for a `fraction` of the `available` height.
fn output_height(available: f32, fraction: f32) -> f32 {
    let most = (available - MIN_EDITOR_HEIGHT).max(MIN_OUTPUT_HEIGHT);
    (available * fraction).clamp(MIN_OUTPUT_HEIGHT.min(most), most)
}

/// A drag on the split between the editor and the bottom panel.
enum SplitDrag {
    /// Moved by this many points (down is positive) this frame.
    By(f32),
    /// Released: time to keep the new split.
    Done,
}

/// The grip along the top of the bottom panel.
fn split_handle(ui: &mut Ui) -> Option<SplitDrag> {
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), SPLIT_GRIP),
        egui::Sense::drag(),
    );
    let response = response.on_hover_cursor(egui::CursorIcon::ResizeVertical);
    let stroke = if response.hovered() || response.dragged() {
        ui.visuals().widgets.hovered.fg_stroke
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    ui.painter().hline(rect.x_range(), rect.center().y, stroke);
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Splitter, true, "Resize the bottom panel")
    });
    if response.drag_stopped() {
        Some(SplitDrag::Done)
    } else if response.dragged() {
        Some(SplitDrag::By(response.drag_delta().y))
    } else {
        None
    }
}
