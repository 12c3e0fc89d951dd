//! Everything the user can ask for, from a key, a menu or a panel, as one
//! [`Action`] applied in one place.

use super::*;

impl DscopeApp {
    pub(super) fn shortcuts(&mut self, ctx: &egui::Context) {
        let shift_cmd = Modifiers::COMMAND | Modifiers::SHIFT;
        // The Shift variant first: plain Ctrl+S would match it too.
        if ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(shift_cmd, Key::S))) {
            self.start_dialog(ctx, DialogPurpose::SaveAs);
        }
        let cmd = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::S))) {
            self.save(ctx);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::O))) {
            self.start_dialog(ctx, DialogPurpose::Open);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::N))) {
            self.request(ctx, PendingAction::New);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::Q))) {
            self.request(ctx, PendingAction::Quit);
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F2)) {
            self.toggle_probe_browser(ctx);
        }
    }

    pub(super) fn run_shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.input_mut(|i| i.consume_key(Modifiers::SHIFT, Key::F5)) {
            self.stop_run();
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F5))
            && !self.run.state().is_active()
        {
            self.start_run(ctx);
        }
    }

    pub(super) fn run_action(&mut self, ctx: &egui::Context, action: Option<RunAction>) {
        match action {
            Some(RunAction::Check) => self.start_check(ctx),
            Some(RunAction::Run) => self.start_run(ctx),
            Some(RunAction::Stop) => self.stop_run(),
            Some(RunAction::Options) => self.run_options.open = !self.run_options.open,
            Some(RunAction::ClearTarget) => self.set_target(None),
            Some(RunAction::Host(pick)) => self.pick_host(ctx, pick),
            None => {}
        }
    }

    pub(super) fn browser_action(&mut self, ctx: &egui::Context, action: Option<BrowserAction>) {
        match action {
            Some(BrowserAction::Insert(description)) => {
                self.editor.insert_at_cursor(ctx, &description);
                self.edited();
            }
            Some(BrowserAction::Refresh) => self.list_probes(ctx),
            Some(BrowserAction::ShowMatched) => self.show_matched_probes(ctx),
            Some(BrowserAction::ArgTypes(probe)) if !self.jobs.is_scripted() => {
                self.session(ctx).probe_args(probe);
            }
            // A scripted engine answers through apply_session_event.
            Some(BrowserAction::ArgTypes(_)) => {}
            None => {}
        }
    }
}
