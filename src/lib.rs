//! dscope: a native desktop IDE for DTrace.
//!
//! Layers depend in one direction only: `ui` → `files`/`recovery`/
//! `settings` → `dtrace` → `lang` → `model`. The three lowest are crates
//! of their own (`dscope-dtrace`, `dscope-lang`, `dscope-model`, under
//! `crates/`), re-exported here under their old names; only
//! `dscope-dtrace` has `unsafe`.

#![forbid(unsafe_code)]

pub mod agent;
pub mod amqp;
pub mod cli;
pub mod examples;
pub mod files;
pub mod fleet;
pub mod fuzz_checks;
pub mod history;
pub mod processes;
pub mod recovery;
pub mod remote;
#[cfg(feature = "gui")]
pub mod render;
pub mod session;
pub mod settings;
pub mod troubleshooting;
// The window; the headless build (no `gui` feature) has only the
// subcommands.
#[cfg(feature = "gui")]
pub mod ui;
pub mod writes;

pub use dscope_dtrace as dtrace;
pub use dscope_lang as lang;
pub use dscope_model as model;
pub use dscope_model::lines;
