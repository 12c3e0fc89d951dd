//! A safe DTrace consumer over a loaded [`Library`]: the handle of
//! `dscope-dtrace-sys` driven the way dtrace(1) drives libdtrace. This
//! module opens the consumer and holds its options; what it does is in
//! one module per job: compiling, running, listing probes, and the
//! processes of `-c` and `-p`.
//!
//! libdtrace is not thread-safe and its compiler keeps process-global
//! state, so a `Consumer` is neither `Send` nor `Sync`: it lives and dies
//! on the thread that opened it.

mod compile;
mod probes;
mod processes;
mod running;

pub use compile::{CompileError, Compiled, Source};
pub use dscope_dtrace_sys::DtraceError;
pub use probes::{Attributes, ProbeDetails};
pub use processes::command_words;
pub use running::RunSettings;

use crate::run::HandlerState;
use dscope_dtrace_sys::layout::native::DTRACEOPT_UNSET;
use dscope_dtrace_sys::{Handle, Library, Program};
use dscope_model::Event;
use std::ffi::CString;
use std::time::Duration;

/// A DTrace consumer: one libdtrace handle, the programs compiled into
/// it, and what a run of them needs between work calls.
pub struct Consumer<'lib> {
    /// The libdtrace handle, with the state its callbacks report to
    /// (which lives as long as the handle: handlers can be registered
    /// only once).
    handle: Handle<'lib, HandlerState>,
    /// The compiled programs, owned by the handle.
    programs: Vec<Program>,
    /// Whether `programs` were prepared for enabling (dtrace_program_exec).
    executed: bool,
    /// Names of stack frames and symbols, looked up once per run.
    symbols: crate::aggregate::SymbolNames,
    /// Probes the programs enabled, said when tracing starts.
    matches: u32,
}

fn cstring(s: &str, what: &str) -> Result<CString, String> {
    CString::new(s).map_err(|_| format!("{what} contains a NUL byte"))
}

impl<'lib> Consumer<'lib> {
    /// Opens a consumer (`dtrace_open`). Fails with libdtrace's message,
    /// for example when privileges are missing.
    pub fn open(lib: &'lib Library) -> Result<Consumer<'lib>, DtraceError> {
        // A killed consumer that had this process's id left events that
        // would make enabling fail.
        crate::leftovers::clear();
        let mut consumer = Consumer {
            handle: Handle::open(lib, HandlerState::default())?,
            programs: Vec::new(),
            executed: false,
            symbols: Default::default(),
            matches: 0,
        };
        // The defaults dtrace(1) sets before the user's -x options, so
        // scripts behave (and fit) as they do under the dtrace command;
        // without them Linux DTrace's aggregation map can be too big to
        // create.
        for (name, value) in [("bufsize", "4m"), ("aggsize", "4m")] {
            consumer.setopt(name, Some(value))?;
        }
        // illumos dtrace(1) also orders output by time across CPUs
        // (usr/src/cmd/dtrace/dtrace.c, right after dtrace_open), and
        // ignores a release that lacks the option, as this does.
        #[cfg(any(target_os = "illumos", target_os = "solaris"))]
        let _ = consumer.setopt("temporal", Some("yes"));
        Ok(consumer)
    }

    fn last_error(&self) -> DtraceError {
        self.handle.last_error()
    }

    fn lib(&self) -> &'lib Library {
        self.handle.library()
    }

    /// Sets an option as `-x name=value` would; `None` for flags like
    /// `quiet`. Values are passed as strings, never through a shell.
    pub fn setopt(&mut self, name: &str, value: Option<&str>) -> Result<(), DtraceError> {
        let name_c = cstring(name, "the option name").map_err(DtraceError::other)?;
        let value_c = value
            .map(|v| cstring(v, "the option value"))
            .transpose()
            .map_err(DtraceError::other)?;
        self.handle
            .setopt(&name_c, value_c.as_deref())
            .map_err(|e| DtraceError {
                code: e.code,
                message: format!("option {name}: {}", e.message),
            })
    }

    /// Linux DTrace 2.x must be initialised after options are set and
    /// before anything is compiled.
    fn ensure_initialised(&mut self) -> Result<(), DtraceError> {
        self.handle.init()
    }

    /// Whether destructive actions are on, by `setopt` or by the script's
    /// own `#pragma D option destructive` (so ask after compiling).
    pub fn destructive_allowed(&self) -> bool {
        self.option_is_set("destructive")
    }

    /// Whether quiet mode is on, by `-q`/setopt or the script's pragma
    /// (so ask after compiling).
    pub fn quiet(&self) -> bool {
        self.option_is_set("quiet")
    }

    /// How often the aggregations are read (`-x aggrate`, or the script's
    /// pragma), when set; libdtrace keeps rates in nanoseconds.
    pub fn aggrate(&self) -> Option<Duration> {
        let value = self.handle.getopt(c"aggrate");
        (value != DTRACEOPT_UNSET && value > 0).then(|| Duration::from_nanos(value as u64))
    }

    /// Whether an option is set (for flags such as `quiet`, which a
    /// `#pragma D option` in the script may have set).
    fn option_is_set(&self, name: &str) -> bool {
        let Ok(name_c) = CString::new(name) else {
            return false;
        };
        self.handle.getopt(&name_c) != DTRACEOPT_UNSET
    }

    fn state(&mut self) -> &mut HandlerState {
        self.handle.state_mut()
    }

    fn drain(&mut self, sink: &mut dyn FnMut(Event)) {
        for event in self.state().events.drain(..) {
            sink(event);
        }
    }

    /// Captures this process's standard output (see
    /// [`crate::run::CapturedStdout`]) into the run's output.
    pub fn capture_stdout(&mut self, captured: std::sync::Arc<crate::run::CapturedStdout>) {
        self.state().captured = Some(captured);
    }
}

#[cfg(test)]
mod tests;
