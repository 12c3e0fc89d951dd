//! The egui user interface. Nothing here touches libdtrace; file and
//! language work is delegated to `files`, `recovery` and `lang`.

pub mod app;
pub mod editor;
pub mod file_dialog;

pub use app::{AppConfig, DscopeApp, PendingAction};
