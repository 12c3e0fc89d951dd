//! The modal questions: unsaved changes, errors, recovery after a crash,
//! a file changed or deleted by another program, destructive actions.

use super::*;

impl DscopeApp {
    pub(super) fn prompts(&mut self, ctx: &egui::Context) {
        let Some(prompt) = self.prompt.take() else {
            return;
        };
        let mut keep = true;
        let modal = egui::Modal::new(Id::unique("dscope-prompt")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            keep = match &prompt {
                Prompt::Unsaved(action) => self.unsaved_prompt(ui, action),
                Prompt::Error { title, message } => self.error_prompt(ui, title, message),
                Prompt::Recover(orphans) => self.recover_prompt(ui, orphans),
                Prompt::ChangedOnDisk => self.changed_prompt(ui),
                Prompt::Destructive { calls, pragma } => {
                    self.destructive_prompt(ui, calls, *pragma)
                }
                Prompt::DeletedOnDisk => self.deleted_prompt(ui),
            };
        });
        if modal.should_close() && !matches!(prompt, Prompt::Recover(_)) {
            keep = false;
        }
        // A handler above may have put up the next prompt; keep that one.
        if keep && self.prompt.is_none() {
            self.prompt = Some(prompt);
        }
    }

    /// Returns whether the prompt stays.
    fn unsaved_prompt(&mut self, ui: &mut Ui, action: &PendingAction) -> bool {
        let ctx = ui.ctx().clone();
        let mut keep = true;
        ui.heading("Unsaved changes");
        ui.label(format!(
            "{} has changes that are not saved. Save them first?",
            self.doc.name()
        ));
        ui.horizontal(|ui| {
            if ui.button("Save").clicked() {
                keep = false;
                if self.doc.path.is_some() {
                    if self.save(&ctx) {
                        self.perform(&ctx, action.clone());
                    }
                } else {
                    self.after_save = Some(action.clone());
                    self.start_dialog(&ctx, DialogPurpose::SaveAs);
                }
            }
            if ui.button("Discard").clicked() {
                keep = false;
                // Other actions drop the recovery copy once the
                // buffer is really replaced (a load can fail).
                if *action == PendingAction::Quit {
                    self.discard_recovery();
                }
                self.perform(&ctx, action.clone());
            }
            if ui.button("Cancel").clicked() {
                keep = false;
            }
        });
        keep
    }

    /// Returns whether the prompt stays.
    fn error_prompt(&mut self, ui: &mut Ui, title: &str, message: &str) -> bool {
        let mut keep = true;
        ui.heading(title);
        ui.label(message);
        if ui.button("OK").clicked() {
            keep = false;
        }
        keep
    }

    /// Returns whether the prompt stays.
    fn recover_prompt(
        &mut self,
        ui: &mut Ui,
        orphans: &[(PathBuf, Result<RecoveryRecord, String>)],
    ) -> bool {
        let ctx = ui.ctx().clone();
        let mut keep = true;
        ui.heading(crate::troubleshooting::RECOVER.says);
        ui.label("dscope did not exit cleanly last time. Unsaved text was kept:");
        let mut take = None;
        let mut drop = None;
        for (file, record) in orphans {
            ui.horizontal(|ui| match record {
                Ok(r) => {
                    ui.label(r.describe());
                    if ui.button("Recover").clicked() {
                        take = Some((file.clone(), r.clone()));
                    }
                    if ui.button("Discard").clicked() {
                        drop = Some(file.clone());
                    }
                }
                Err(e) => {
                    ui.label(format!("{}: {e}", file.display()));
                    if ui.button("Delete").clicked() {
                        drop = Some(file.clone());
                    }
                }
            });
        }
        if ui
            .button("Later")
            .on_hover_text("Keep the copies and decide next time")
            .clicked()
        {
            keep = false;
        }
        if let Some(file) = drop {
            // The list is rebuilt from what is left on disk.
            keep = false;
            self.recovery_dropped(&file);
        }
        if let Some((file, record)) = take {
            self.recover(&ctx, &file, record);
            keep = false;
        }
        keep
    }

    /// Returns whether the prompt stays.
    fn changed_prompt(&mut self, ui: &mut Ui) -> bool {
        let ctx = ui.ctx().clone();
        let mut keep = true;
        ui.heading("File changed on disk");
        ui.label(format!(
            "{} was changed by another program, and you have unsaved changes.",
            self.doc.name()
        ));
        ui.horizontal(|ui| {
            if ui
                .button("Reload from disk")
                .on_hover_text("Your unsaved changes are lost")
                .clicked()
            {
                keep = false;
                if let Some(p) = self.doc.path.clone() {
                    self.load_path(&ctx, &p);
                }
            }
            if ui
                .button("Keep my version")
                .on_hover_text("Saving will overwrite the other program's changes")
                .clicked()
            {
                keep = false;
            }
        });
        keep
    }

    /// Returns whether the prompt stays.
    fn destructive_prompt(&mut self, ui: &mut Ui, calls: &[&str], pragma: bool) -> bool {
        let ctx = ui.ctx().clone();
        let mut keep = true;
        ui.heading("Allow destructive actions?");
        ui.label(destructive_question(calls, pragma, self.host()));
        ui.horizontal(|ui| {
            if ui
                .button(
                    egui::RichText::new("Run with destructive actions")
                        .color(ui.visuals().warn_fg_color),
                )
                .clicked()
            {
                keep = false;
                self.destructive_once = true;
                self.start_run(&ctx);
            }
            if ui.button("Cancel").clicked() {
                keep = false;
            }
        });
        keep
    }

    /// Returns whether the prompt stays.
    fn deleted_prompt(&mut self, ui: &mut Ui) -> bool {
        let mut keep = true;
        ui.heading("File deleted");
        ui.label(format!(
                "{} was deleted or moved by another program. Your text is still here; Save writes it again.",
                self.doc.name()
            ));
        if ui.button("OK").clicked() {
            keep = false;
        }
        keep
    }
}

/// What the destructive-actions prompt asks, naming what the script does.
fn destructive_question(calls: &[&str], pragma: bool, host: Option<&str>) -> String {
    let calls: Vec<String> = calls.iter().map(|c| format!("{c}()")).collect();
    let what = match (calls.is_empty(), pragma) {
        (false, false) => format!("calls {}", calls.join(", ")),
        (false, true) => format!(
            "calls {} and turns them on with #pragma D option destructive",
            calls.join(", ")
        ),
        (true, _) => "turns on destructive actions with #pragma D option destructive".into(),
    };
    let system = match host {
        Some(host) => format!("the system being traced, {host}"),
        None => "the system being traced".to_owned(),
    };
    format!(
        "This script {what}: destructive actions change {system}. \
         dscope keeps them off unless you allow them. Run it with them allowed, this once?"
    )
}
