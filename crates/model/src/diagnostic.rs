use serde::{Deserialize, Serialize};
use std::ops::Range;

/// How bad a diagnostic is. Errors stop a script from compiling; warnings
/// and notes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A message about one line of a script, such as a compile error.
///
/// `line` counts from 1, as compilers print it; 0 means the compiler named
/// no line (for example "in action list: …"). `columns` is a range of
/// character (not byte) columns counted from 0 on that line; `None` means
/// the message is about the whole line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// Set when the message is about another file than the script, such as
    /// a D library in `/usr/lib/dtrace`; `line` is then a line of that file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<std::path::PathBuf>,
    pub line: usize,
    pub columns: Option<Range<usize>>,
    pub severity: Severity,
    pub message: String,
    /// The compiler's tag for the message, such as `D_SYNTAX`, when it gave one.
    pub tag: Option<String>,
}

impl Diagnostic {
    pub fn error(line: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: None,
            line,
            columns: None,
            severity: Severity::Error,
            message: message.into(),
            tag: None,
        }
    }

    pub fn with_columns(mut self, columns: Range<usize>) -> Self {
        self.columns = Some(columns);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Whether it belongs on a line of the script itself.
    pub fn is_on_script_line(&self) -> bool {
        self.file.is_none() && self.line > 0
    }
}
