//! dscope: a native desktop IDE for DTrace.
//!
//! The workspace's crates, bottom to top (each uses only those below it):
//! `dscope-model` (plain data), `dscope-lang` (D), `dscope-dtrace`
//! (libdtrace, the only crate with `unsafe`), `dscope-engine` (checks,
//! runs, hosts, fleets, AMQP, history, files) and `dscope-ui` (the window).
//! This library gathers them under one name for the binary, the tests and
//! the benchmarks; the headless build (no `gui` feature) leaves out the
//! window.

#![forbid(unsafe_code)]

pub use dscope_engine::{
    agent, amqp, cli, dtrace, examples, files, fleet, fuzz_checks, history, lang, lines, model,
    processes, recovery, remote, session, settings, troubleshooting, writes,
};
#[cfg(feature = "gui")]
pub use dscope_ui as ui;
#[cfg(feature = "gui")]
pub use dscope_ui::render;
