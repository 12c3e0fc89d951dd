//! dscope: a native desktop IDE for DTrace.
//!
//! Layers depend in one direction only: `ui` → `files`/`recovery`/
//! `settings` → `dtrace` → `lang` → `model`. Only `dtrace` has `unsafe`.

#![deny(unsafe_code)]

pub mod agent;
pub mod amqp;
pub mod cli;
pub mod dtrace;
pub mod examples;
pub mod files;
pub mod fleet;
pub mod fuzz_checks;
pub mod history;
pub mod lang;
pub mod lines;
pub mod model;
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
