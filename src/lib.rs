//! dscope: a native desktop IDE for DTrace.
//!
//! The workspace's crates, bottom to top (each uses only those below it):
//! `dscope-model` (plain data), `dscope-lang` (D), `dscope-dtrace-sys`
//! (libdtrace's raw interface, the only crate with `unsafe`),
//! `dscope-dtrace` (the safe consumer on it), `dscope-engine` (checks,
//! runs, hosts, fleets, AMQP, history, files), `dscope-workbench` (the
//! window's state without egui) and `dscope-ui` (the window).
//! This library gathers them under one name for the binary, the tests and
//! the benchmarks, with [`cli`], the subcommands that work without a
//! display; the headless build (no `gui` feature) leaves out the window.

#![forbid(unsafe_code)]

pub mod cli;

pub use dscope_engine::{
    agent, alerts, amqp, dtrace, examples, files, fleet, fuzz_checks, history, job, lang, lines,
    metrics, model, processes, protocol, recovery, remote, session, settings, sink,
    troubleshooting, writes,
};
#[cfg(feature = "gui")]
pub use dscope_ui as ui;
#[cfg(feature = "gui")]
pub use dscope_ui::render;
#[cfg(feature = "gui")]
pub use dscope_ui::workbench;
