//! The menu bar, the status bar and the Help windows. Menu entries that
//! are commands come from the command table, with their shortcuts.

use super::*;
use crate::commands::{Command, Menu};

impl DscopeApp {
    pub(super) fn menu_bar(&mut self, ui: &mut Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| self.file_menu(ui));
            ui.menu_button("Edit", |ui| {
                for c in Command::of_menu(Menu::Edit) {
                    if matches!(c, Command::Cut | Command::ToggleComment | Command::Find) {
                        ui.separator();
                    }
                    self.command_item(ui, c);
                }
            });
            ui.menu_button("View", |ui| self.view_menu(ui));
            ui.menu_button("Script", |ui| {
                for c in Command::of_menu(Menu::Script) {
                    if matches!(c, Command::TraceCommand | Command::RunOptions) {
                        ui.separator();
                    }
                    self.command_item(ui, c);
                }
            });
            ui.menu_button("Examples", |ui| self.examples_menu(ui));
            ui.menu_button("Help", |ui| {
                for c in Command::of_menu(Menu::Help) {
                    self.command_item(ui, c);
                }
            });
        });
    }

    /// A menu entry for `command`, as the table has it: greyed out when it
    /// cannot be done now.
    fn command_item(&mut self, ui: &mut Ui, command: Command) {
        let info = command.info();
        let mut button = egui::Button::new(info.label);
        if info.key.is_some() {
            button = button.shortcut_text(command.key_text());
        }
        let response = ui.add_enabled(self.can(command), button);
        // The label says it all where Help's line is the label again.
        let response = if info.help == info.label {
            response
        } else {
            response.on_hover_text(info.help)
        };
        if response.clicked() {
            self.ask(command);
        }
    }

    /// The File menu's commands in the table's order, with Open Recent
    /// before the previous script and the saves and Quit set apart.
    fn file_menu(&mut self, ui: &mut Ui) {
        for c in Command::of_menu(Menu::File) {
            match c {
                Command::PreviousScript => self.recent_menu(ui),
                Command::Save | Command::Quit => {
                    ui.separator();
                }
                _ => {}
            }
            self.command_item(ui, c);
        }
    }

    fn recent_menu(&mut self, ui: &mut Ui) {
        ui.menu_button("Open Recent", |ui| {
            if self.settings.recent_files.is_empty() {
                ui.weak("(none yet)");
            }
            for path in self.settings.recent_files.clone() {
                if ui.button(path.display().to_string()).clicked() {
                    self.ask(Action::Pending(PendingAction::Open(path)));
                }
            }
        });
    }

    fn view_menu(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let mut open = self.probes.open;
        let browser = Command::ProbeBrowser;
        if ui
            .checkbox(
                &mut open,
                format!("{} ({})", browser.info().label, browser.key_text()),
            )
            .changed()
        {
            self.ask(browser);
        }
        self.command_item(ui, Command::MatchedProbes);
        ui.separator();
        // The panels' and views' commands; the probe browser is the
        // check box above and the zoom is with the sizes below.
        let drawn_apart = [
            Command::ProbeBrowser,
            Command::MatchedProbes,
            Command::ZoomIn,
            Command::ZoomOut,
            Command::ZoomReset,
        ];
        for c in Command::of_menu(Menu::View).filter(|c| !drawn_apart.contains(c)) {
            self.command_item(ui, c);
        }
        ui.separator();
        let mut theme = self.settings.theme;
        ui.radio_value(&mut theme, ThemeKind::Dark, "Dark theme");
        ui.radio_value(&mut theme, ThemeKind::Light, "Light theme");
        if theme != self.settings.theme {
            self.settings.theme = theme;
            self.editor.set_theme(theme);
            apply_theme(&ctx, theme);
            self.save_settings();
        }
        ui.separator();
        self.sizes_menu(ui);
        if ui
            .checkbox(&mut self.settings.blinking_cursor, "Blinking cursor")
            .on_hover_text("Off saves redraws over remote X and VNC")
            .changed()
        {
            apply_cursor_blink(&ctx, self.settings.blinking_cursor);
            self.save_settings();
        }
        ui.separator();
        self.dialogs_and_renderer_menu(ui);
    }

    /// The editor's font and the window's scale.
    fn sizes_menu(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            ui.label("Editor font");
            if ui
                .button("−")
                .on_hover_text("Smaller editor font")
                .clicked()
            {
                self.set_font_size(self.settings.font_size - 1.0);
            }
            ui.label(format!("{:.0} pt", self.settings.font_size));
            if ui.button("+").on_hover_text("Larger editor font").clicked() {
                self.set_font_size(self.settings.font_size + 1.0);
            }
        });
        ui.weak(format!("UI scale {:.0}%", ui.ctx().zoom_factor() * 100.0));
        for c in [Command::ZoomIn, Command::ZoomOut, Command::ZoomReset] {
            self.command_item(ui, c);
        }
    }

    fn dialogs_and_renderer_menu(&mut self, ui: &mut Ui) {
        let mut builtin = self.dialogs == DialogPreference::BuiltIn;
        if ui
            .checkbox(&mut builtin, "Use dscope's own file dialog")
            .on_hover_text("Best over remote X or VNC, where native dialogs may be missing")
            .changed()
        {
            self.dialogs = if builtin {
                DialogPreference::BuiltIn
            } else {
                DialogPreference::Auto
            };
            self.settings.dialogs = self.dialogs;
            self.save_settings();
        }
        ui.separator();
        ui.label("Renderer, from the next start")
            .on_hover_text(crate::renderer_description());
        use crate::settings::RendererPreference as R;
        for (value, label, hint) in [
            (
                R::Automatic,
                "Automatic",
                "Software over remote X, VNC and without a GPU; OpenGL elsewhere",
            ),
            (
                R::Software,
                "Software",
                "Sends only what changed: best over remote X and VNC",
            ),
            (
                R::OpenGl,
                "OpenGL",
                "Needs OpenGL (GLX or EGL) on the display",
            ),
        ] {
            if ui
                .radio_value(&mut self.settings.renderer, value, label)
                .on_hover_text(hint)
                .changed()
            {
                self.save_settings();
            }
        }
    }

    fn examples_menu(&mut self, ui: &mut Ui) {
        let mut heading = "";
        for (i, example) in crate::examples::EXAMPLES.iter().enumerate() {
            if example.category != heading {
                if !heading.is_empty() {
                    ui.separator();
                }
                heading = example.category;
                ui.weak(heading);
            }
            // What each does, beside its name, as a menu shows a key.
            let entry = egui::Button::new(example.file_name).shortcut_text(example.summary());
            if ui.add(entry).clicked() {
                self.ask(Action::Pending(PendingAction::OpenExample(i)));
            }
        }
    }

    pub(super) fn set_font_size(&mut self, size: f32) {
        self.settings.font_size = size.clamp(8.0, 40.0);
        self.editor.set_font_size(self.settings.font_size);
        self.save_settings();
    }

    pub(super) fn status_bar(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let name = self.doc.name();
            if self.doc.dirty {
                ui.label(format!("{name} •"))
                    .on_hover_text("Unsaved changes");
            } else {
                ui.label(name);
            }
            ui.separator();
            let (line, col) = self.editor.cursor_line_col();
            ui.label(format!("Ln {line}, Col {col}"));
            ui.separator();
            ui.label(format!("{} lines", self.editor.line_count()));
            if !self.status.is_empty() {
                ui.separator();
                ui.label(&self.status);
            }
        });
    }

    pub(super) fn help_window(&mut self, ctx: &egui::Context) {
        let Some(page) = self.help else { return };
        let mut open = true;
        let title = match page {
            HelpPage::About => "About dscope",
            HelpPage::Shortcuts => "Keyboard shortcuts",
        };
        // In the middle, below the menu bar, never over it: the menus stay
        // reachable with a Help window open, at any window size.
        let room = ctx.content_rect().shrink2(egui::vec2(16.0, 40.0));
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(room.center() + egui::vec2(0.0, 20.0))
            .constrain_to(room.translate(egui::vec2(0.0, 20.0)))
            .max_width(room.width().min(640.0))
            .show(ctx, |ui| match page {
                HelpPage::About => {
                    ui.heading(format!("dscope {}", env!("CARGO_PKG_VERSION")));
                    ui.label(env!("CARGO_PKG_DESCRIPTION"));
                    ui.separator();
                    egui::Grid::new("about-grid").num_columns(2).show(ui, |ui| {
                        ui.label("Renderer");
                        ui.label(crate::renderer_description());
                        ui.end_row();
                        ui.label("Display");
                        ui.label(display_description());
                        ui.end_row();
                        ui.label("libdtrace");
                        ui.label(
                            "loaded by each run's worker; `dscope doctor` says which one and what it needs",
                        );
                        ui.end_row();
                        ui.label("Settings");
                        ui.label(
                            self.settings_path
                                .as_ref()
                                .map_or("not kept".to_owned(), |p| p.display().to_string()),
                        );
                        ui.end_row();
                    });
                    ui.separator();
                    ui.label(
                        "Documentation: the README that comes with dscope describes every part \
                         of the window and the commands; `dscope --help` lists the commands and \
                         `dscope doctor` checks what running D needs on this machine.",
                    );
                }
                HelpPage::Shortcuts => {
                    // Wide enough that most lines keep to one line.
                    ui.set_min_width(room.width().min(560.0));
                    egui::ScrollArea::vertical()
                        .max_height(room.height() - 60.0)
                        .show(ui, shortcuts_grid);
                }
            });
        if !open || ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            self.help = None;
        }
    }
}

/// Every key with what it does, from the command table.
fn shortcuts_grid(ui: &mut Ui) {
    egui::Grid::new("shortcut-grid")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (keys, what) in crate::commands::help_lines() {
                ui.label(egui::RichText::new(keys).monospace());
                ui.add(egui::Label::new(what).wrap());
                ui.end_row();
            }
        });
}

/// Where the window is shown, as Help > About says it.
fn display_description() -> String {
    match (std::env::var("WAYLAND_DISPLAY"), std::env::var("DISPLAY")) {
        (Ok(w), _) if !w.is_empty() => format!("Wayland ({w})"),
        (_, Ok(d)) if !d.is_empty() => {
            let remote = d
                .split(':')
                .next()
                .is_some_and(|host| !host.is_empty() && host != "unix");
            format!("X11 {d}{}", if remote { " (over the network)" } else { "" })
        }
        _ => "unknown".to_owned(),
    }
}
