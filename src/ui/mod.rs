//! The egui user interface. Nothing here touches libdtrace: checks and
//! runs go through [`crate::session`]; file and language work is delegated
//! to `files`, `recovery` and `lang`.

pub mod app;
pub mod charts;
pub mod completion;
pub mod editor;
pub mod file_dialog;
pub mod hosts;
pub mod panic;
pub mod probe_browser;
pub mod recording_view;
pub mod run_options;
pub mod run_panel;
pub mod subscription_view;
pub mod target_dialog;

pub use app::{AppConfig, DscopeApp, PendingAction};

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
