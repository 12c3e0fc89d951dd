//! Everything the user can ask for, from a key, a menu or a panel, as one
//! [`Action`]. Panels and menus only say what was asked; the frame applies
//! the frame's actions in one place, after everything is drawn.

use super::*;
use crate::commands::Command;

/// What a key, a menu entry or a panel asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A command of the table (see [`crate::commands`]).
    Command(Command),
    /// Something unsaved changes stand in the way of.
    Pending(PendingAction),
    /// From the run bar.
    Run(RunAction),
    /// From the probe browser.
    Browser(BrowserAction),
    /// From the console.
    Console(ConsoleAction),
    /// From a chart.
    Chart(ChartAction),
    /// Close the recording shown.
    CloseRecording,
    /// Stop showing the subscription.
    CloseSubscription,
    /// From the Watch tab.
    Watch(crate::watch_panel::WatchAction),
}

impl From<Command> for Action {
    fn from(c: Command) -> Action {
        Action::Command(c)
    }
}

impl DscopeApp {
    /// Asks for `action`; it is applied with the frame's others.
    pub fn ask(&mut self, action: impl Into<Action>) {
        self.actions.push(action.into());
    }

    /// Whether `command` can be done now (a menu entry is greyed out
    /// otherwise, and its key does nothing).
    pub fn can(&self, command: Command) -> bool {
        let active = self.run.state().is_active();
        match command {
            Command::Run | Command::Check | Command::TraceCommand | Command::AttachProcess => {
                !active
            }
            Command::Stop => self.run.state().can_stop(),
            Command::FocusDuration | Command::ToggleRecord => !active,
            Command::NoTarget => !active && self.view.run_options.target.is_some(),
            Command::PreviousScript => self.previous_script().is_some(),
            _ => true,
        }
    }

    /// The script worked on before the one on screen: the most recent
    /// file that is not this one.
    fn previous_script(&self) -> Option<PathBuf> {
        let here = self.doc.path.as_deref().map(ScriptKey::of_file);
        self.settings
            .recent_files
            .iter()
            .find(|p| Some(ScriptKey::of_file(p)) != here)
            .cloned()
    }

    /// The keys of the window's own commands, taken before any widget sees
    /// them. A prompt or dialog owns the keyboard: then none acts.
    pub(super) fn command_keys(&mut self, ctx: &egui::Context) {
        for &(command, key) in Command::window_keys() {
            if !ctx.input_mut(|i| i.consume_shortcut(&key)) {
                continue;
            }
            // X11 sends Alt+4 as a key and as the text "4" too: the text
            // of a shortcut taken here must not reach the editor.
            if key.modifiers.alt && !key.modifiers.command {
                ctx.input_mut(|i| {
                    i.events.retain(|e| !matches!(e, egui::Event::Text(_)));
                });
            }
            if self.can(command) {
                self.ask(command);
            }
        }
    }

    /// Applies the frame's actions, in the order they were asked for.
    pub(super) fn apply_actions(&mut self, ctx: &egui::Context) {
        let actions = std::mem::take(&mut self.actions);
        if !actions.is_empty() {
            // What they changed is drawn in the next frame.
            ctx.request_repaint();
        }
        for action in actions {
            self.apply(ctx, action);
        }
    }

    /// Does what `action` asks.
    pub fn apply(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::Command(c) => self.execute(ctx, c),
            Action::Pending(p) => self.request(ctx, p),
            Action::Run(a) => self.run_action(ctx, a),
            Action::Browser(a) => self.browser_action(ctx, a),
            Action::Console(a) => self.console_action(ctx, a),
            Action::Chart(a) => self.chart_action(ctx, a),
            Action::CloseRecording => self.viewer = None,
            Action::CloseSubscription => self.subscription = None,
            Action::Watch(a) => self.watch_action(ctx, a),
        }
    }

    /// Opens a new script: this one, its clauses that fill `name` only for
    /// `target`; or says why it cannot be.
    fn narrow(&mut self, ctx: &egui::Context, name: &str, target: &crate::charts::table::Target) {
        use dscope_engine::lang::narrow::{Narrowing, narrow};
        let to = Narrowing {
            aggregation: if name == "_" { "" } else { name },
            key: &target.key,
            values: target.values,
        };
        match narrow(self.editor.text(), &to) {
            Ok(text) => {
                self.new_buffer(ctx);
                self.editor.replace_whole(ctx, &text);
                self.edited();
                self.status = "A new script, narrowed: check it and run it".into();
            }
            Err(message) => {
                self.prompt = Some(Prompt::Error {
                    title: "Cannot narrow the script".into(),
                    message,
                })
            }
        }
    }

    fn watch_action(&mut self, ctx: &egui::Context, action: crate::watch_panel::WatchAction) {
        use crate::watch_panel::WatchAction;
        match action {
            WatchAction::ChooseBaseline => {
                self.start_dialog_named(ctx, DialogPurpose::ChooseBaseline, String::new())
            }
            WatchAction::SetRules(rules) => {
                let text = dscope_engine::alerts::parse::with_rules(self.editor.text(), &rules);
                self.editor.replace_whole(ctx, &text);
                self.edited();
            }
            WatchAction::ShowOverTime(name, key) => {
                self.view.bottom_tab = BottomTab::Aggregations;
                let shown = self
                    .run
                    .snapshot()
                    .and_then(|s| s.aggregations.iter().find(|a| a.name == name).cloned());
                if let Some(agg) = shown {
                    self.view.charts.show_over_time(&agg, &key);
                }
            }
        }
    }

    /// Does `command`, from its key or its menu entry.
    pub fn execute(&mut self, ctx: &egui::Context, command: Command) {
        if !self.can(command) {
            return;
        }
        match command {
            Command::New => self.request(ctx, PendingAction::New),
            Command::Open => self.start_dialog(ctx, DialogPurpose::Open),
            Command::OpenRecording => {
                self.start_dialog_named(ctx, DialogPurpose::OpenRecording, String::new())
            }
            Command::Subscribe => self.open_subscribe_dialog(),
            Command::Save => {
                self.save(ctx);
            }
            Command::SaveAs => self.start_dialog(ctx, DialogPurpose::SaveAs),
            Command::PreviousScript => {
                if let Some(path) = self.previous_script() {
                    self.request(ctx, PendingAction::Open(path));
                }
            }
            Command::Quit => self.request(ctx, PendingAction::Quit),
            Command::Shortcuts => self.help = Some(HelpPage::Shortcuts),
            Command::About => self.help = Some(HelpPage::About),
            Command::ZoomIn => ctx.set_zoom_factor((ctx.zoom_factor() + 0.1).min(3.0)),
            Command::ZoomOut => ctx.set_zoom_factor((ctx.zoom_factor() - 0.1).max(0.5)),
            Command::ZoomReset => ctx.set_zoom_factor(1.0),
            c => {
                if !self.execute_edit(ctx, c) {
                    self.execute_script(ctx, c);
                }
            }
        }
    }

    /// The Edit menu's commands; false for the others.
    fn execute_edit(&mut self, ctx: &egui::Context, command: Command) -> bool {
        match command {
            Command::Undo => {
                self.editor.undo(ctx);
                self.refresh_dirty();
            }
            Command::Redo => {
                self.editor.redo(ctx);
                self.refresh_dirty();
            }
            Command::Cut => {
                self.editor.copy_selection(ctx, true);
                self.edited();
            }
            Command::Copy => self.editor.copy_selection(ctx, false),
            Command::Paste => {
                // The window system delivers the clipboard as a paste event
                // to the focused editor.
                self.editor.focus();
                ctx.send_viewport_cmd(ViewportCommand::RequestPaste);
            }
            Command::SelectAll => self.editor.select_all(),
            Command::ToggleComment => {
                self.editor.toggle_comment(ctx);
                self.edited();
            }
            Command::Find => self.editor.open_find(),
            Command::Replace => self.editor.open_replace(),
            Command::GoToLine => self.editor.open_goto_line(),
            Command::Complete | Command::Indent => self.editor.focus(),
            _ => return false,
        }
        true
    }

    /// The View and Script menus' commands.
    fn execute_script(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::ProbeBrowser => self.toggle_probe_browser(ctx),
            Command::MatchedProbes => self.show_matched_probes(ctx),
            Command::ShowConsole => self.view.bottom_tab = BottomTab::Console,
            Command::ShowProblems => self.view.bottom_tab = BottomTab::Problems,
            Command::ShowAggregations => self.view.bottom_tab = BottomTab::Aggregations,
            Command::ShowWatch => self.view.bottom_tab = BottomTab::Watch,
            Command::MaximizeOutput => self.output_maximized = !self.output_maximized,
            Command::NextAggregation | Command::PreviousAggregation | Command::NextView => {
                self.step_charts(command)
            }
            Command::FocusDuration => self.focus_duration = true,
            Command::CompareRecording => {
                self.start_dialog_named(ctx, DialogPurpose::CompareRecording, String::new())
            }
            Command::SelectRange => {
                self.view.bottom_tab = BottomTab::Aggregations;
                self.visible_charts_mut().ask_range();
            }
            Command::KeepRange => {
                self.view.bottom_tab = BottomTab::Aggregations;
                self.keep_range();
            }
            Command::ExportCsv => self.export_shown(ctx),
            Command::ToggleRecord => self.run.record = !self.run.record,
            Command::Run => self.start_run(ctx),
            Command::Stop => self.stop_run(),
            Command::Check => self.start_check(ctx),
            Command::TraceCommand => self.open_target_dialog(true),
            Command::AttachProcess => self.open_target_dialog(false),
            Command::NoTarget => self.set_target(None),
            Command::RunOptions => self.view.run_options.open = true,
            other => debug_assert!(false, "{other:?} has no handler"),
        }
    }

    /// The Aggregations panel's views as shown (a recording's, a
    /// subscription's, or the run's), with the snapshot and the history
    /// they show.
    fn shown_parts_mut(
        &mut self,
    ) -> (
        &mut AggregationsView,
        Option<&crate::model::Snapshot>,
        &crate::history::History,
    ) {
        if let Some(v) = &mut self.viewer {
            let (charts, snapshot, history) = v.parts_mut();
            return (charts, Some(snapshot), history);
        }
        if let Some(s) = &mut self.subscription {
            let (charts, snapshot, history) = s.parts_mut();
            return (charts, Some(snapshot), history);
        }
        (
            &mut self.view.charts,
            self.run.snapshot(),
            self.run.history(),
        )
    }

    pub(super) fn visible_charts_mut(&mut self) -> &mut AggregationsView {
        self.shown_parts_mut().0
    }

    /// [`Self::shown_parts_mut`]'s views and snapshot, to read.
    fn shown_parts(&self) -> (&AggregationsView, Option<&crate::model::Snapshot>) {
        match (&self.viewer, &self.subscription) {
            (Some(v), _) => (&v.charts, Some(v.snapshot())),
            (None, Some(s)) => (&s.charts, Some(s.snapshot())),
            (None, None) => (&self.view.charts, self.run.snapshot()),
        }
    }

    pub(super) fn visible_charts(&self) -> &AggregationsView {
        self.shown_parts().0
    }

    /// The snapshot the Aggregations panel shows (before any range).
    pub(super) fn visible_snapshot(&self) -> Option<&crate::model::Snapshot> {
        self.shown_parts().1
    }

    /// Asks where to save the selected aggregation as CSV, as shown.
    fn export_shown(&mut self, ctx: &egui::Context) {
        let snapshot = self.visible_snapshot();
        let name = snapshot
            .and_then(|s| self.visible_charts().selected(s))
            .map(|a| a.name.clone());
        match name {
            Some(name) => self.chart_action(ctx, ChartAction::Export(ExportFormat::Csv, name)),
            None => self.status = "No aggregation to export yet".into(),
        }
    }

    /// The selected range becomes the reference of the views shown.
    fn keep_range(&mut self) {
        let (charts, _, history) = self.shown_parts_mut();
        if !charts.keep_range(history) {
            self.status =
                "Select a time range first (Ctrl+Shift+T, or drag across Over time)".into();
        }
    }

    /// Another aggregation's tab, or another view of the one shown, in
    /// the Aggregations tab (brought forward).
    fn step_charts(&mut self, command: Command) {
        self.view.bottom_tab = BottomTab::Aggregations;
        let (charts, snapshot, _) = self.shown_parts_mut();
        let Some(snapshot) = snapshot else {
            return;
        };
        match command {
            Command::NextAggregation => charts.step_tab(snapshot, 1),
            Command::PreviousAggregation => charts.step_tab(snapshot, -1),
            _ => charts.step_view(snapshot),
        }
    }

    fn run_action(&mut self, ctx: &egui::Context, action: RunAction) {
        match action {
            RunAction::Check => self.execute(ctx, Command::Check),
            RunAction::Run => self.execute(ctx, Command::Run),
            RunAction::Stop => self.execute(ctx, Command::Stop),
            RunAction::Options => self.view.run_options.open = !self.view.run_options.open,
            RunAction::ClearTarget => self.set_target(None),
            RunAction::Host(pick) => self.pick_host(ctx, pick),
        }
    }

    fn browser_action(&mut self, ctx: &egui::Context, action: BrowserAction) {
        match action {
            BrowserAction::Insert(description) => {
                let snippet = self.probe_snippet(&description);
                self.editor.insert_at_cursor(ctx, &snippet);
                self.edited();
            }
            BrowserAction::Refresh => self.list_probes(ctx),
            BrowserAction::ShowMatched => self.show_matched_probes(ctx),
            BrowserAction::ArgTypes(probe) if !self.jobs.is_scripted() => {
                self.session(ctx).probe_args(probe);
            }
            // A scripted engine answers through apply_session_event.
            BrowserAction::ArgTypes(_) => {}
        }
    }

    /// What inserting a probe writes: on an empty line between clauses, a
    /// clause for it (a bare description there does not compile);
    /// elsewhere (a description list, a predicate) the description alone.
    fn probe_snippet(&self, description: &str) -> String {
        let text = self.editor.text();
        let (line, _) = self.editor.cursor_line_col();
        let lines: Vec<&str> = text.lines().collect();
        let here = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
        let before = lines[..line.saturating_sub(1).min(lines.len())].join("\n");
        let depth = before.matches('{').count() as i64 - before.matches('}').count() as i64;
        if !here.trim().is_empty() || depth > 0 {
            return description.to_owned();
        }
        let indent = " ".repeat(self.settings.tab_width);
        format!("{description}\n{{\n{indent}\n}}\n")
    }

    fn console_action(&mut self, ctx: &egui::Context, action: ConsoleAction) {
        match action {
            ConsoleAction::GoToLine(line) => self.editor.goto_line(line),
            ConsoleAction::Save => {
                let stem = self.doc.name().trim_end_matches(".d").to_owned();
                self.export = Some((ExportFormat::Console, String::new()));
                self.start_dialog_named(
                    ctx,
                    DialogPurpose::Export(ExportFormat::Console),
                    format!("{stem}-output.txt"),
                );
            }
        }
    }

    fn chart_action(&mut self, ctx: &egui::Context, action: ChartAction) {
        let (format, name) = match action {
            ChartAction::Export(format, name) => (format, name),
            ChartAction::Narrow(name, target) => return self.narrow(ctx, &name, &target),
        };
        // The anonymous aggregation `@` is called "_".
        let stem = self.doc.name().trim_end_matches(".d").to_owned();
        let file = if name.is_empty() || name == "_" {
            format!("{stem}-aggregation")
        } else {
            format!("{stem}-{name}")
        };
        let suggested = format!("{file}.{}", format.extension());
        self.export = Some((format, name));
        self.start_dialog_named(ctx, DialogPurpose::Export(format), suggested);
    }
}
