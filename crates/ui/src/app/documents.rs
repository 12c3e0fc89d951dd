//! The file behind the editor: opening, saving and watching it, asking
//! before unsaved text is lost, switching the run state on screen with the
//! script, and the recovery copy of unsaved text.

use super::*;

impl DscopeApp {
    pub(super) fn refresh_dirty(&mut self) {
        self.doc.refresh(self.editor.text());
    }

    /// After the text changed: unsaved marker, recovery copy, check.
    pub(super) fn edited(&mut self) {
        self.refresh_dirty();
        self.run.edited();
        if self.recovery.is_some() && self.recovery_due.is_none() {
            self.recovery_due = Some(Instant::now() + RECOVERY_DELAY);
        }
        self.check_due = Some(Instant::now() + CHECK_DELAY);
    }

    pub(super) fn set_watch(&self, path: Option<PathBuf>, stamp: Option<DiskStamp>) {
        if let Ok(mut w) = self.watch.lock() {
            w.path = path;
            w.known = stamp;
            w.changed = false;
        }
    }

    pub(super) fn remember_recent(&mut self, path: &Path) {
        self.settings.add_recent(path);
        self.save_settings();
    }

    pub(super) fn save_settings(&mut self) {
        if let Some(p) = &self.settings_path
            && let Err(e) = self.settings.save(p)
        {
            self.status = format!("Settings not saved: {e}");
        }
    }

    pub(super) fn error(&mut self, title: &str, message: String) {
        self.prompt = Some(Prompt::Error {
            title: title.to_owned(),
            message,
        });
    }

    /// Puts the run state on screen away with its script and brings out
    /// `key`'s (or a fresh one).
    pub(super) fn switch_script(&mut self, key: ScriptKey) {
        let on_screen = || ScriptState {
            run: std::mem::take(&mut self.run),
            view: std::mem::take(&mut self.view),
        };
        let Some(restored) = self.scripts.switch(key, on_screen) else {
            return;
        };
        self.run = restored.run;
        if self.run.run_job().is_none() {
            // A script not run yet starts with the duration last run.
            self.run.duration_secs = self.settings.duration_secs;
        }
        self.view = restored.view;
        // The last check was of the other script.
        self.jobs.check = None;
        self.check_due = Some(Instant::now());
    }

    /// Opens the script worked on last time, if it is still there.
    pub(super) fn reopen_last(&mut self, ctx: &egui::Context) {
        let Some(last) = self.settings.recent_files.first().cloned() else {
            return;
        };
        if last.is_file() {
            self.load_path(ctx, &last);
        }
    }

    /// Opens `path` into the buffer. On failure the buffer is untouched.
    pub fn load_path(&mut self, ctx: &egui::Context, path: &Path) {
        match files::load(path) {
            Ok(loaded) => {
                self.switch_script(ScriptKey::of_file(path));
                self.editor.set_text(ctx, loaded.text.clone());
                self.doc.loaded(Some(path.to_owned()), None, &loaded.text);
                self.set_watch(Some(path.to_owned()), Some(loaded.stamp));
                self.discard_recovery();
                self.remember_recent(path);
                self.status = format!("Opened {}", path.display());
            }
            Err(e) => self.error("Could not open the file", e.to_string()),
        }
    }

    /// Starts a new, empty, untitled buffer.
    pub(super) fn new_buffer(&mut self, ctx: &egui::Context) {
        let key = self.scripts.new_buffer_key();
        self.switch_script(key);
        self.editor.set_text(ctx, String::new());
        self.doc.loaded(None, None, "");
        self.set_watch(None, None);
        self.discard_recovery();
    }

    /// Runs `action` now if nothing would be lost, else asks first.
    pub fn request(&mut self, ctx: &egui::Context, action: PendingAction) {
        if self.doc.dirty {
            self.prompt = Some(Prompt::Unsaved(action));
        } else {
            self.perform(ctx, action);
        }
    }

    pub(super) fn perform(&mut self, ctx: &egui::Context, action: PendingAction) {
        match action {
            PendingAction::New => {
                self.new_buffer(ctx);
                self.status = "New script".to_owned();
            }
            PendingAction::Open(path) => self.load_path(ctx, &path),
            PendingAction::OpenExample(i) => {
                let example = &crate::examples::EXAMPLES[i];
                // A buffer of its own, so that saving never writes over the
                // shipped file: Save asks where, offering the example's name.
                let key = self.scripts.new_buffer_key();
                self.switch_script(key);
                self.editor.set_text(ctx, example.text.to_owned());
                self.doc
                    .loaded(None, Some(example.file_name.to_owned()), example.text);
                self.set_watch(None, None);
                self.discard_recovery();
                self.status = format!(
                    "Opened the example {}; Save asks where to keep your copy",
                    example.file_name
                );
            }
            PendingAction::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(ViewportCommand::Close);
            }
        }
    }

    /// Saves to the current path, or asks for one. Returns whether the text
    /// is now safely on disk.
    pub fn save(&mut self, ctx: &egui::Context) -> bool {
        let Some(path) = self.doc.path.clone() else {
            self.start_dialog(ctx, DialogPurpose::SaveAs);
            return false;
        };
        self.save_to(&path)
    }

    pub(super) fn save_to(&mut self, path: &Path) -> bool {
        self.editor.end_with_newline();
        let text = self.editor.text().to_owned();
        match files::save_atomic(path, &text) {
            Ok(stamp) => {
                // The run state on screen now belongs to the file; whatever
                // was kept for an older script of that name is replaced.
                self.scripts.saved_as(ScriptKey::of_file(path));
                self.doc
                    .loaded(Some(path.to_owned()), self.doc.name.clone(), &text);
                self.set_watch(Some(path.to_owned()), Some(stamp));
                self.discard_recovery();
                self.remember_recent(path);
                self.status = format!("Saved {} ({} bytes)", path.display(), stamp.len);
                true
            }
            Err(e) => {
                self.error("Could not save", e.to_string());
                false
            }
        }
    }

    pub(super) fn discard_recovery(&mut self) {
        self.recovery_due = None;
        if let Some(r) = &self.recovery {
            r.clear();
        }
    }

    pub(super) fn take_recovery_copy(&mut self) {
        let Some(due) = self.recovery_due else { return };
        if Instant::now() < due {
            return;
        }
        self.recovery_due = None;
        let Some(store) = &self.recovery else { return };
        if !self.doc.dirty {
            store.clear();
            return;
        }
        if let Err(e) = store.write(self.doc.path.as_deref(), self.editor.text()) {
            self.status = format!(
                "Could not write the recovery copy to {}: {e}",
                store.dir().display()
            );
        }
    }

    pub(super) fn check_disk(&mut self, ctx: &egui::Context) {
        let (changed, path) = match self.watch.lock() {
            Ok(mut w) if w.changed => {
                w.changed = false;
                (true, w.path.clone())
            }
            _ => (false, None),
        };
        let Some(path) = path.filter(|_| changed) else {
            return;
        };
        match DiskStamp::of(&path) {
            Err(_) => {
                // Keep watching for it to come back, but say it is gone.
                self.doc.saved_text.clear();
                self.refresh_dirty();
                self.prompt = Some(Prompt::DeletedOnDisk);
                if let Ok(mut w) = self.watch.lock() {
                    w.known = None;
                }
            }
            Ok(stamp) => {
                if let Ok(mut w) = self.watch.lock() {
                    w.known = Some(stamp);
                }
                if self.doc.dirty {
                    self.prompt = Some(Prompt::ChangedOnDisk);
                } else {
                    self.load_path(ctx, &path);
                    self.status = format!("Reloaded {}: it changed on disk", path.display());
                }
            }
        }
    }

    /// Deletes one recovery file and offers whatever is left.
    pub(super) fn recovery_dropped(&mut self, file: &Path) {
        if let Some(store) = &self.recovery {
            store.discard(file);
            let rest = store.orphans();
            if !rest.is_empty() {
                self.prompt = Some(Prompt::Recover(rest));
            }
        }
    }

    /// Takes the text of a crashed session's recovery `file` into the
    /// buffer.
    pub(super) fn recover(&mut self, ctx: &egui::Context, file: &Path, record: RecoveryRecord) {
        let Some(store) = self.recovery.clone() else {
            return;
        };
        // The saved version is what is on disk now, so the buffer shows as
        // unsaved exactly when the recovered text differs from it.
        let on_disk = record.path.as_deref().and_then(|p| files::load(p).ok());
        let key = match &record.path {
            Some(p) => ScriptKey::of_file(p),
            None => self.scripts.new_buffer_key(),
        };
        self.switch_script(key);
        self.editor.set_text(ctx, record.text.clone());
        let saved = on_disk.as_ref().map(|l| l.text.clone()).unwrap_or_default();
        self.doc.loaded(record.path.clone(), None, &saved);
        self.refresh_dirty();
        self.set_watch(record.path.clone(), on_disk.map(|l| l.stamp));
        // Take over the copy: write our own before deleting the orphan.
        if store.write(record.path.as_deref(), &record.text).is_ok() {
            store.discard(file);
        }
        self.status = format!("Recovered {}", record.describe());
    }

    pub(super) fn handle_close_request(&mut self, ctx: &egui::Context) {
        if !ctx.input(|i| i.viewport().close_requested()) {
            return;
        }
        if self.doc.dirty && !self.allow_close {
            ctx.send_viewport_cmd(ViewportCommand::CancelClose);
            self.prompt = Some(Prompt::Unsaved(PendingAction::Quit));
            return;
        }
        if let Some(rect) = ctx.input(|i| i.viewport().inner_rect) {
            self.settings.window_size = Some([rect.width(), rect.height()]);
        }
        self.save_settings();
        if !self.doc.dirty {
            self.discard_recovery();
        }
    }
}

/// Watches the open file from a background thread, so that no frame is
/// drawn while nothing changes.
#[derive(Default)]
pub(super) struct WatchState {
    pub(super) path: Option<PathBuf>,
    pub(super) known: Option<DiskStamp>,
    pub(super) changed: bool,
}

pub(super) fn spawn_watcher(ctx: egui::Context, state: Weak<Mutex<WatchState>>) {
    let _ = std::thread::Builder::new()
        .name("disk-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(DISK_CHECK_INTERVAL);
                let Some(state) = state.upgrade() else { return };
                let Ok(mut s) = state.lock() else { return };
                let Some(path) = s.path.clone() else { continue };
                if s.changed {
                    continue;
                }
                let now = DiskStamp::of(&path).ok();
                if now != s.known {
                    s.changed = true;
                    ctx.request_repaint();
                }
            }
        });
}
