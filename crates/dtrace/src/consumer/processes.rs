//! The processes of `dtrace -c` and `-p`: created or grabbed by the
//! consumer's handle before compiling, let run once tracing starts, and
//! released when the run ends.

use super::{Consumer, cstring};
use dscope_dtrace_sys::DtraceError;
use std::ffi::{CStr, CString};

impl Consumer<'_> {
    /// Starts a command as `dtrace -c` does: stopped until tracing runs,
    /// with `$target` set to its pid; `words[0]` is looked up in PATH.
    /// Call before compiling.
    pub fn create_process(&mut self, words: &[String]) -> Result<i32, DtraceError> {
        self.handle.has_process_control()?;
        let owned = words
            .iter()
            .map(|w| cstring(w, "the command"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(DtraceError::other)?;
        let argv: Vec<&CStr> = owned.iter().map(CString::as_c_str).collect();
        self.handle.create_process(&argv)
    }

    /// Grabs a running process as `dtrace -p` does (`$target` is its pid).
    /// Call before compiling.
    pub fn grab_process(&mut self, pid: i32) -> Result<i32, DtraceError> {
        self.handle.grab_process(pid)
    }
}

/// Splits `-c`'s command into words as dtrace(1) does (`make_argv`: at
/// form feed, newline, return, tab, vertical tab and space, and nothing
/// else: no quotes, no escapes, nothing expanded), for every front-end
/// alike.
pub fn command_words(line: &str) -> Vec<String> {
    line.split(['\x0c', '\n', '\r', '\t', '\x0b', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}
