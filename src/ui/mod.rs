//! The egui user interface. Nothing here touches libdtrace: checks and
//! runs go through [`crate::session`]; file and language work is delegated
//! to `files`, `recovery` and `lang`.

pub mod app;
pub mod charts;
pub mod completion;
pub mod editor;
pub mod file_dialog;
pub mod panic;
pub mod probe_browser;
pub mod run_options;
pub mod run_panel;

pub use app::{AppConfig, DscopeApp, PendingAction};
