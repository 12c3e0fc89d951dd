//! The menu bar, the status bar and the Help windows. Menu entries that
//! are commands come from the command table, with their shortcuts.

use super::*;

impl DscopeApp {
    pub(super) fn menu_bar(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("New").shortcut_text("Ctrl+N"))
                    .clicked()
                {
                    self.request(&ctx, PendingAction::New);
                }
                if ui
                    .add(egui::Button::new("Open…").shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    self.start_dialog(&ctx, DialogPurpose::Open);
                }
                if ui
                    .button("Open Recording…")
                    .on_hover_text("Look at a recorded run again (dscope run --record, or Record)")
                    .clicked()
                {
                    self.start_dialog_named(&ctx, DialogPurpose::OpenRecording, String::new());
                }
                if ui
                    .button("Subscribe…")
                    .on_hover_text(
                        "Watch an AMQP exchange that hosts publish to (dscope run --publish), \
                         every host merged",
                    )
                    .clicked()
                {
                    // Not an address with its password hidden: that is
                    // not the address.
                    let address = self
                        .subscription
                        .as_ref()
                        .filter(|s| !s.address().has_password)
                        .map(|s| s.address().shown.clone())
                        .unwrap_or_default();
                    self.subscribe_dialog = Some(
                        crate::subscription_view::SubscribeDialog::with_address(address),
                    );
                }
                ui.menu_button("Open Recent", |ui| {
                    if self.settings.recent_files.is_empty() {
                        ui.weak("(none yet)");
                    }
                    for path in self.settings.recent_files.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.request(&ctx, PendingAction::Open(path));
                        }
                    }
                });
                ui.separator();
                if ui
                    .add(egui::Button::new("Save").shortcut_text("Ctrl+S"))
                    .clicked()
                {
                    self.save(&ctx);
                }
                if ui
                    .add(egui::Button::new("Save As…").shortcut_text("Ctrl+Shift+S"))
                    .clicked()
                {
                    self.start_dialog(&ctx, DialogPurpose::SaveAs);
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Quit").shortcut_text("Ctrl+Q"))
                    .clicked()
                {
                    self.request(&ctx, PendingAction::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                if ui
                    .add(egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
                    .clicked()
                {
                    self.editor.undo(&ctx);
                    self.refresh_dirty();
                }
                if ui
                    .add(egui::Button::new("Redo").shortcut_text("Ctrl+Y"))
                    .clicked()
                {
                    self.editor.redo(&ctx);
                    self.refresh_dirty();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Cut").shortcut_text("Ctrl+X"))
                    .clicked()
                {
                    self.editor.copy_selection(&ctx, true);
                    self.edited();
                }
                if ui
                    .add(egui::Button::new("Copy").shortcut_text("Ctrl+C"))
                    .clicked()
                {
                    self.editor.copy_selection(&ctx, false);
                }
                if ui
                    .add(egui::Button::new("Paste").shortcut_text("Ctrl+V"))
                    .clicked()
                {
                    // The window system delivers the clipboard as a paste
                    // event to the focused editor.
                    self.editor.focus();
                    ctx.send_viewport_cmd(ViewportCommand::RequestPaste);
                }
                if ui
                    .add(egui::Button::new("Select All").shortcut_text("Ctrl+A"))
                    .clicked()
                {
                    self.editor.select_all();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Toggle Comment").shortcut_text("Ctrl+/"))
                    .clicked()
                {
                    self.editor.toggle_comment(&ctx);
                    self.edited();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Find…").shortcut_text("Ctrl+F"))
                    .clicked()
                {
                    self.editor.open_find();
                }
                if ui
                    .add(egui::Button::new("Replace…").shortcut_text("Ctrl+H"))
                    .clicked()
                {
                    self.editor.open_replace();
                }
                if ui
                    .add(egui::Button::new("Go to Line…").shortcut_text("Ctrl+G"))
                    .clicked()
                {
                    self.editor.open_goto_line();
                }
            });
            ui.menu_button("View", |ui| {
                let mut open = self.probes.open;
                if ui.checkbox(&mut open, "Probe browser (F2)").changed() {
                    self.toggle_probe_browser(&ctx);
                }
                if ui
                    .button("Probes the script would enable")
                    .on_hover_text("Check the script and list the probes its clauses match")
                    .clicked()
                {
                    self.show_matched_probes(&ctx);
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
                ui.horizontal(|ui| {
                    ui.label("UI scale");
                    if ui.button("−").on_hover_text("Zoom out (Ctrl+-)").clicked() {
                        ctx.set_zoom_factor((ctx.zoom_factor() - 0.1).max(0.5));
                    }
                    ui.label(format!("{:.0}%", ctx.zoom_factor() * 100.0));
                    if ui.button("+").on_hover_text("Zoom in (Ctrl++)").clicked() {
                        ctx.set_zoom_factor((ctx.zoom_factor() + 0.1).min(3.0));
                    }
                    if ui.button("Reset").on_hover_text("Ctrl+0").clicked() {
                        ctx.set_zoom_factor(1.0);
                    }
                });
                if ui
                    .checkbox(&mut self.settings.blinking_cursor, "Blinking cursor")
                    .on_hover_text("Off saves redraws over remote X and VNC")
                    .changed()
                {
                    apply_cursor_blink(&ctx, self.settings.blinking_cursor);
                    self.save_settings();
                }
                ui.separator();
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
            });
            ui.menu_button("Script", |ui| {
                let active = self.run.state().is_active();
                if ui
                    .add_enabled(!active, egui::Button::new("Run").shortcut_text("F5"))
                    .clicked()
                {
                    self.start_run(&ctx);
                }
                if ui
                    .add_enabled(active, egui::Button::new("Stop").shortcut_text("Shift+F5"))
                    .clicked()
                {
                    self.stop_run();
                }
                if ui
                    .add_enabled(!active, egui::Button::new("Check"))
                    .clicked()
                {
                    self.start_check(&ctx);
                }
                ui.separator();
                if ui
                    .add_enabled(!active, egui::Button::new("Trace a command…"))
                    .on_hover_text("Start a command for the run, as dtrace -c; $target is its pid")
                    .clicked()
                {
                    self.open_target_dialog(true);
                }
                if ui
                    .add_enabled(!active, egui::Button::new("Attach to process…"))
                    .on_hover_text("Trace a running process, as dtrace -p; $target is its pid")
                    .clicked()
                {
                    self.open_target_dialog(false);
                }
                if ui
                    .add_enabled(
                        !active && self.run_options.target.is_some(),
                        egui::Button::new("No target process"),
                    )
                    .clicked()
                {
                    self.set_target(None);
                }
                ui.separator();
                if ui.button("Options…").clicked() {
                    self.run_options.open = true;
                }
            });
            ui.menu_button("Examples", |ui| {
                let mut heading = "";
                for (i, example) in crate::examples::EXAMPLES.iter().enumerate() {
                    if example.category != heading {
                        if !heading.is_empty() {
                            ui.separator();
                        }
                        heading = example.category;
                        ui.weak(heading);
                    }
                    if ui
                        .button(example.file_name)
                        .on_hover_text(example.summary())
                        .clicked()
                    {
                        self.request(&ctx, PendingAction::OpenExample(i));
                    }
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Keyboard Shortcuts").clicked() {
                    self.help = Some(HelpPage::Shortcuts);
                }
                if ui.button("About dscope").clicked() {
                    self.help = Some(HelpPage::About);
                }
            });
        });
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
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
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
                    egui::Grid::new("shortcut-grid")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (keys, what) in SHORTCUTS {
                                ui.label(egui::RichText::new(*keys).monospace());
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                }
            });
        if !open {
            self.help = None;
        }
    }
}

/// Every key dscope answers to, as Help > Keyboard Shortcuts lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl+N", "New script"),
    ("Ctrl+O", "Open a script"),
    ("Ctrl+S", "Save"),
    ("Ctrl+Shift+S", "Save as"),
    ("Ctrl+Q", "Quit"),
    ("Ctrl+Z / Ctrl+Y", "Undo / redo"),
    ("Ctrl+X / Ctrl+C / Ctrl+V", "Cut / copy / paste"),
    ("Ctrl+A", "Select all"),
    ("Ctrl+/", "Comment or uncomment the selected lines"),
    (
        "Ctrl+F",
        "Find (Enter or F3 next, Shift+Enter or Shift+F3 previous)",
    ),
    ("Ctrl+H", "Find and replace"),
    ("Esc", "Close the completion list, then the find bar"),
    ("Ctrl+G", "Go to line"),
    ("Ctrl+Space", "Complete the word at the cursor"),
    ("Up / Down, Enter or Tab", "Choose and take a completion"),
    ("Tab", "Indent with spaces"),
    ("F5", "Run"),
    (
        "Shift+F5",
        "Stop (END clauses run, then the final aggregations)",
    ),
    ("F2", "Show or hide the probe browser"),
    ("Ctrl+plus / Ctrl+minus / Ctrl+0", "Scale the whole window"),
];

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
