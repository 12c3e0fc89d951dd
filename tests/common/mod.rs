//! What the tests share: whether to run live, an app with a scripted
//! engine in a temporary folder, and the user's gestures.

#![allow(dead_code)]

use dscope::session::{Event, SessionEvent};
use dscope::settings::DialogPreference;
use dscope::ui::{AppConfig, DscopeApp};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};

pub fn config(dir: &Path, open: Option<PathBuf>) -> AppConfig {
    AppConfig {
        settings_path: Some(dir.join("settings.json")),
        recovery_dir: Some(dir.join("recovery")),
        open,
        start_dir: Some(dir.to_owned()),
        dialogs: Some(DialogPreference::BuiltIn),
        worker_program: Some(env!("CARGO_BIN_EXE_dscope").into()),
        scripted_engine: true,
    }
}

pub fn app(dir: &Path, open: Option<PathBuf>) -> Harness<'static, DscopeApp> {
    let config = config(dir, open);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1000.0, 700.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    h
}

pub const CMD: Modifiers = Modifiers::COMMAND;

pub fn shortcut(h: &mut Harness<'_, DscopeApp>, modifiers: Modifiers, key: Key) {
    h.key_press_modifiers(modifiers, key);
    h.run();
}

/// Types into a text field found by its label, replacing what is there.
pub fn replace_text(h: &mut Harness<'_, DscopeApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run();
    h.key_press_modifiers(CMD, Key::A);
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

pub fn click(h: &mut Harness<'_, DscopeApp>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// Replaces the editor's text, as opening a file does.
pub fn set_script(h: &mut Harness<'_, DscopeApp>, text: &str) {
    let ctx = h.ctx.clone();
    h.state_mut().editor_mut().set_text(&ctx, text.to_owned());
    h.run();
}

pub fn type_in_editor(h: &mut Harness<'_, DscopeApp>, text: &str) {
    h.get_by_label("D script editor").focus();
    h.run();
    h.get_by_label("D script editor").type_text(text);
    h.run();
}

pub fn event(job: u64, event: Event) -> SessionEvent {
    SessionEvent { job, event }
}

/// Whether to run against the real libdtrace: with `DSCOPE_LIVE=1` a
/// missing libdtrace fails the test loudly; without it the test says it was
/// skipped.
pub fn live() -> bool {
    if std::env::var("DSCOPE_LIVE").as_deref() == Ok("1") {
        if let Err(e) = dscope::dtrace::Library::load() {
            panic!("DSCOPE_LIVE=1 but libdtrace cannot be loaded:\n{e}");
        }
        true
    } else {
        eprintln!("skipped: set DSCOPE_LIVE=1 to run against a real libdtrace");
        false
    }
}
