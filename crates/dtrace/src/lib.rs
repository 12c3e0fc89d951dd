//! The safe DTrace consumer: libdtrace driven the way dtrace(1) drives it
//! (open, options, compile, handlers, go, the work loop, END, the final
//! printout), with the aggregations decoded into `dscope-model` types.
//! It has no `unsafe` code: every call into libdtrace and the C library
//! goes through `dscope-dtrace-sys`'s safe wrappers. It uses only
//! `dscope-dtrace-sys`, `dscope-model` and `dscope-lang`.
//!
//! - [`consumer`] is the consumer: compiling, running, probes, processes.
//! - [`run`] turns a run's callbacks into events; [`aggregate`] reads the
//!   aggregations, which [`decode`] decodes for both ABI families.
//! - [`usym`] names user stack frames on Linux without grabbing
//!   processes; [`leftovers`] clears what a killed Linux consumer left.
//! - [`library`] (re-exported from `dscope-dtrace-sys`) finds and loads
//!   libdtrace and recognises its ABI family; [`signals`] takes SIGINT and
//!   SIGTERM as dtrace(1) does.

#![forbid(unsafe_code)]

pub mod aggregate;
pub mod consumer;
pub mod decode;
pub mod leftovers;
pub mod run;
#[cfg(target_os = "linux")]
pub mod usym;

pub use consumer::{CompileError, Compiled, Consumer, DtraceError, RunSettings, Source};
pub use dscope_dtrace_sys::os::{effective_uid, running_as_root};
pub use dscope_dtrace_sys::{Abi, Library, LoadError, library, signals};
