//! libdtrace, loaded at run time. This crate is the only one in dscope
//! with `unsafe` code (every other crate forbids it); every block says why
//! it holds. It uses only `dscope-model` and `dscope-lang`.
//!
//! - [`library`] finds and loads libdtrace and recognises its ABI family.
//! - [`consumer`] is a safe, single-threaded consumer over it.

pub mod aggregate;
pub mod consumer;
pub mod decode;
pub mod layout;
pub mod leftovers;
pub mod library;
pub mod process;
pub mod run;
pub mod signals;
#[cfg(target_os = "linux")]
pub mod usym;

pub use consumer::{CompileError, Compiled, Consumer, DtraceError, RunSettings, Source};
pub use library::{Abi, Library, LoadError};

/// Whether this process runs as root. Without DTrace privileges Linux
/// DTrace opens fine but sees no probes, so a "matches no probes" error
/// needs this to be explained.
pub fn running_as_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// This process's effective user id: who files it makes belong to, and
/// who follows a symbolic link.
pub fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}
