//! libdtrace, loaded at run time. This module is the only place in dscope
//! with `unsafe` code; every block says why it holds.
//!
//! - [`library`] finds and loads libdtrace and recognises its ABI family.
//! - [`consumer`] is a safe, single-threaded consumer over it.

#![allow(unsafe_code)]

pub mod consumer;
pub mod library;

pub use consumer::{CompileError, Compiled, Consumer, DtraceError};
pub use library::{Abi, Library, LoadError};
