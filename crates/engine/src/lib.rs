//! The engine under every front-end: the checks and runs (in this
//! process, in a run worker, on a host over ssh through `dscope agent`, on
//! a fleet), publishing and subscribing over AMQP, the history of a run and
//! its recordings and reports, files and where root may write them,
//! settings and recovery, and [`job`], the words every front-end uses for
//! a job. No egui, no window and no command line: `dscope-ui` draws what
//! this crate produces, and the `dscope` package's subcommands print it.
//!
//! Uses `dscope-dtrace`, `dscope-lang` and `dscope-model`, re-exported here
//! under the module names the rest of the engine uses for them.

#![forbid(unsafe_code)]

pub mod agent;
pub mod alerts;
pub mod amqp;
pub mod examples;
pub mod files;
pub mod fleet;
pub mod fuzz_checks;
pub mod history;
pub mod job;
pub mod metrics;
pub mod processes;
pub mod protocol;
pub mod recovery;
pub mod remote;
pub mod session;
pub mod settings;
pub mod sink;
pub mod troubleshooting;
pub mod writes;

pub use dscope_dtrace as dtrace;
pub use dscope_lang as lang;
pub use dscope_model as model;
pub use dscope_model::lines;
