//! The Run Options window: `-x` options, macro arguments (`$1`, `$2`, ...)
//! and whether destructive actions are allowed, which must be confirmed.
//!
//! Values go to libdtrace as they are typed, one option or argument each,
//! never through a shell.

use crate::lang::words::OPTIONS;
use egui::{Id, RichText, TextEdit, Ui};

/// What destructive actions are, as the confirmation says it.
pub const DESTRUCTIVE_WARNING: &str = "Destructive actions change the system being traced: \
system() runs commands, raise() and stop() signal and stop processes, copyout() and \
copyoutstr() write into process memory, chill() spins the CPU, and panic() and \
breakpoint() stop the whole machine. Allow them for runs from this window?";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunOptions {
    /// (name, value); an empty value sets a flag option such as `quiet`.
    pub options: Vec<(String, String)>,
    /// `$1`, `$2`, ... in order.
    pub args: Vec<String>,
    destructive: bool,
    /// The user ticked the box; the confirmation is up.
    confirming: bool,
    pub open: bool,
    /// The process `$target` names (Run > Trace a command…, Attach to
    /// process…).
    pub target: Option<crate::session::Target>,
}

/// How the run bar names a target.
pub fn describe_target(target: &crate::session::Target) -> String {
    match target {
        crate::session::Target::Command(line) => format!("$target: command {line}"),
        crate::session::Target::Pid(pid) => format!("$target: process {pid}"),
    }
}

impl RunOptions {
    pub fn destructive(&self) -> bool {
        self.destructive
    }

    /// Asks for destructive actions; takes effect once confirmed.
    pub fn request_destructive(&mut self, on: bool) {
        if on {
            self.confirming = true;
        } else {
            self.destructive = false;
            self.confirming = false;
        }
    }

    pub fn confirm_destructive(&mut self, yes: bool) {
        self.destructive = yes;
        self.confirming = false;
    }

    pub fn is_confirming(&self) -> bool {
        self.confirming
    }

    /// The options as libdtrace takes them, or why they cannot be used.
    pub fn dtrace_options(&self) -> Result<Vec<(String, Option<String>)>, String> {
        self.options
            .iter()
            .filter(|(n, v)| !(n.trim().is_empty() && v.trim().is_empty()))
            .map(|(name, value)| {
                let name = name.trim();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(format!(
                        "\"{name}\" is not an option name (letters, digits and _ only)."
                    ));
                }
                if name == "destructive" {
                    // Otherwise it would skip the confirmation.
                    return Err(
                        "destructive is not set here: use \"Allow destructive actions\" below."
                            .into(),
                    );
                }
                if value.contains('\0') {
                    return Err(format!("The value of {name} contains a NUL character."));
                }
                let value = value.trim();
                Ok((
                    name.to_owned(),
                    (!value.is_empty()).then(|| value.to_owned()),
                ))
            })
            .collect()
    }

    /// The summary on the run bar's button.
    pub fn button_text(&self) -> String {
        let n = self
            .options
            .iter()
            .filter(|(n, _)| !n.trim().is_empty())
            .count()
            + self.args.len();
        if n == 0 {
            "Options…".into()
        } else {
            format!("Options ({n})…")
        }
    }

    /// The window, when open, and the confirmation, when asked for.
    pub fn show(&mut self, ctx: &egui::Context) {
        if self.confirming {
            self.confirmation(ctx);
        }
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Run options")
            .id(Id::unique("dscope-run-options"))
            .open(&mut open)
            .resizable(true)
            .default_width(460.0)
            .show(ctx, |ui| self.contents(ui));
        self.open = open;
    }

    fn contents(&mut self, ui: &mut Ui) {
        ui.strong("Options (-x name=value)");
        let mut remove = None;
        // Rows of their own, not a Grid: a Grid sizes new columns from the
        // previous frame and squeezes fresh text fields to a few letters.
        for (i, (name, value)) in self.options.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                ui.add(
                    TextEdit::singleline(name)
                        .hint_text("name")
                        .desired_width(110.0),
                )
                .widget_info(|| accessible(format!("option {} name", i + 1)));
                ui.menu_button("Known…", |ui| {
                    // Destructive actions have their own, confirmed switch.
                    for option in OPTIONS.iter().filter(|o| o.name != "destructive") {
                        if ui.button(option.name).on_hover_text(option.doc).clicked() {
                            *name = option.name.to_owned();
                            ui.close();
                        }
                    }
                });
                let hint = OPTIONS
                    .iter()
                    .find(|o| o.name == name)
                    .map_or("value (empty for a flag)", |o| o.doc);
                ui.add(
                    TextEdit::singleline(value)
                        .hint_text(hint)
                        .desired_width(220.0),
                )
                .widget_info(|| accessible(format!("option {} value", i + 1)));
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.options.remove(i);
        }
        ui.horizontal(|ui| {
            if ui.button("Add option").clicked() {
                self.options.push((String::new(), String::new()));
            }
        });
        if let Err(e) = self.dtrace_options() {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        ui.separator();
        ui.strong("Macro arguments");
        let mut remove = None;
        for (i, arg) in self.args.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label(format!("${}", i + 1));
                ui.add(TextEdit::singleline(arg).desired_width(260.0))
                    .labelled_by(label.id);
                if ui.small_button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.args.remove(i);
        }
        if ui.button("Add argument").clicked() {
            self.args.push(String::new());
        }
        ui.separator();
        let mut on = self.destructive || self.confirming;
        if ui
            .checkbox(&mut on, "Allow destructive actions")
            .on_hover_text("system(), raise(), stop(), copyout(), panic(), ...")
            .changed()
        {
            self.request_destructive(on);
        }
        if self.destructive {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                "Runs may change the traced system.",
            );
        }
    }

    fn confirmation(&mut self, ctx: &egui::Context) {
        let modal = egui::Modal::new(Id::unique("dscope-confirm-destructive")).show(ctx, |ui| {
            ui.set_width(420.0);
            ui.heading("Allow destructive actions?");
            ui.label(DESTRUCTIVE_WARNING);
            ui.horizontal(|ui| {
                if ui
                    .button(RichText::new("Allow").color(ui.visuals().warn_fg_color))
                    .clicked()
                {
                    self.confirm_destructive(true);
                }
                if ui.button("Keep them off").clicked() {
                    self.confirm_destructive(false);
                }
            });
        });
        if modal.should_close() && self.confirming {
            self.confirm_destructive(false);
        }
    }
}

/// What a screen reader calls a text field that shows only a hint.
fn accessible(name: String) -> egui::WidgetInfo {
    egui::WidgetInfo::labeled(egui::Role::TextInput, true, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_pass_as_name_and_value_and_flags_without_value() {
        let o = RunOptions {
            options: vec![
                ("bufsize".into(), " 8m ".into()),
                ("quiet".into(), String::new()),
                (String::new(), String::new()),
            ],
            ..RunOptions::default()
        };
        assert_eq!(
            o.dtrace_options().unwrap(),
            [
                ("bufsize".to_owned(), Some("8m".to_owned())),
                ("quiet".to_owned(), None)
            ]
        );
        assert_eq!(o.button_text(), "Options (2)…");
    }

    #[test]
    fn bad_names_and_nul_values_are_refused() {
        let bad = |name: &str, value: &str| RunOptions {
            options: vec![(name.into(), value.into())],
            ..RunOptions::default()
        };
        assert!(bad("buf size", "").dtrace_options().is_err());
        assert!(bad("bufsize;rm", "").dtrace_options().is_err());
        assert!(bad("", "4m").dtrace_options().is_err());
        assert!(bad("bufsize", "4\0m").dtrace_options().is_err());
        // It has its own switch, which asks for a confirmation.
        let e = bad(" destructive ", "").dtrace_options().unwrap_err();
        assert!(e.contains("Allow destructive actions"), "{e}");
    }

    #[test]
    fn destructive_actions_need_a_confirmation() {
        let mut o = RunOptions::default();
        o.request_destructive(true);
        assert!(!o.destructive());
        assert!(o.is_confirming());
        o.confirm_destructive(false);
        assert!(!o.destructive());
        o.request_destructive(true);
        o.confirm_destructive(true);
        assert!(o.destructive());
        o.request_destructive(false);
        assert!(!o.destructive());
    }
}
