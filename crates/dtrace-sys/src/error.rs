//! The error libdtrace reports: its code and its message, as
//! `dtrace_errno` and `dtrace_errmsg` give them.

use std::fmt;

/// An error libdtrace reported, with its code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DtraceError {
    pub code: i32,
    pub message: String,
}

impl DtraceError {
    /// An error of dscope's own around a libdtrace call (code 0).
    pub fn other(message: impl Into<String>) -> DtraceError {
        DtraceError {
            code: 0,
            message: message.into(),
        }
    }
}

impl fmt::Display for DtraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.message.contains("privilege")
            || self.code == libc::EPERM
            || self.code == libc::EACCES
        {
            write!(f, ". {}", dscope_model::trouble::PRIVILEGES.fix)?;
        }
        Ok(())
    }
}

impl std::error::Error for DtraceError {}
