//! The egui user interface. Nothing here touches libdtrace: checks and
//! runs go through [`crate::session`]; file and language work is delegated
//! to `files`, `recovery` and `lang`. [`render`] holds the window shells
//! (OpenGL through eframe, and the software renderer for X servers without
//! a GPU or across a network).
//!
//! Uses `dscope-engine` and the crates below it, whose modules are
//! imported here under the names the UI uses for them.

#![forbid(unsafe_code)]

pub(crate) use dscope_engine::{
    amqp, examples, files, fleet, history, lang, lines, model, processes, recovery, remote,
    session, settings, troubleshooting, writes,
};

/// The window's state without egui, which this crate draws.
pub use dscope_workbench as workbench;

pub mod app;
pub mod charts;
pub mod commands;
pub mod completion;
pub mod correlation_view;
pub mod editor;
pub mod file_dialog;
pub mod hosts;
pub mod panic;
pub mod probe_browser;
pub mod recording_view;
pub mod render;
pub mod run_options;
pub mod run_panel;
pub mod subscription_view;
pub mod target_dialog;
pub mod watch_panel;

pub use app::{Action, AppConfig, DscopeApp, PendingAction};

static RENDERER: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Records how the window is drawn, once, before it opens.
pub fn set_renderer_description(description: String) {
    let _ = RENDERER.set(description);
}

/// How the window is drawn, for Help > About.
pub fn renderer_description() -> &'static str {
    RENDERER
        .get()
        .map(String::as_str)
        .unwrap_or("OpenGL through eframe (glow)")
}
