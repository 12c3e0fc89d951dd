//! What a job is, for every front-end: what to run ([`Request`]), how to
//! show it ([`Output`], [`Format`]), what a run leaves ([`RunReport`]), the
//! exit statuses dtrace(1) gives, and how missing privileges are said.
//! `dscope run` here, on a host and on a fleet, and the window's session
//! all speak of a job in these words.

use crate::model::{Diagnostic, RunEnd};
use std::io::Write;
use std::path::Path;

/// Exit codes, as dtrace(1) gives them: 0 fine, 1 the script has errors
/// or could not be enabled, 2 it could not be checked or run at all (no
/// libdtrace, no privileges, no script).
pub const EXIT_OK: u8 = 0;
pub const EXIT_SCRIPT_ERRORS: u8 = 1;
pub const EXIT_CANNOT: u8 = 2;

/// `FILE:LINE:COL: error: MESSAGE [TAG]`, the form editors and compilers
/// use, with 1-based columns.
pub fn format_diagnostic(script: &Path, d: &Diagnostic) -> String {
    let file = d.file.as_deref().unwrap_or(script).display().to_string();
    let place = match (d.line, &d.columns) {
        (0, _) => file,
        (line, Some(cols)) if d.file.is_none() => format!("{file}:{line}:{}", cols.start + 1),
        (line, _) => format!("{file}:{line}"),
    };
    let tag = d
        .tag
        .as_deref()
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    format!("{place}: {}: {}{tag}", d.severity.label(), d.message)
}

/// Splits `-x name=value` (or a bare `name`) into its parts.
pub fn parse_option(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (spec, None),
    }
}

/// What `dscope check` and `dscope run` are given, with dtrace(1)'s
/// meaning for each option.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The D script (`dtrace -s`).
    pub script: Option<std::path::PathBuf>,
    /// The script's text when it came on standard input (`-`); `script`
    /// then only names it in messages.
    pub script_text: Option<String>,
    /// `-n`: probe descriptions, each with an optional clause.
    pub probes: Vec<String>,
    /// `-x`: options as `name[=value]`.
    pub options: Vec<String>,
    /// `-q`: only what the script traces.
    pub quiet: bool,
    /// `-w`: permit destructive actions.
    pub destructive: bool,
    /// `-Z`: permit probe descriptions that match no probes.
    pub zdefs: bool,
    /// `-c`: commands to start and trace; the run stops when they exit.
    pub commands: Vec<String>,
    /// `-p`: process ids to grab and trace, as given (checked here, as
    /// dtrace(1) does, so that a bad one says "invalid pid").
    pub pids: Vec<String>,
    /// Macro arguments `$1`, `$2`, ...
    pub args: Vec<String>,
}

/// Whether a failure to open DTrace, compile or enable is most likely for
/// want of privileges: Linux DTrace without root cannot create its BPF
/// maps or attach probes, and says so in words about limits or
/// permissions that do not name the cause.
pub fn privileges_missing() -> bool {
    !crate::dtrace::running_as_root()
}

/// The exit status dtrace(1) gives for a script's `exit(status)`: the
/// low byte, as the operating system keeps it.
pub fn exit_code(status: i32) -> u8 {
    (status & 0xff) as u8
}

/// How `dscope run` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Like `dtrace -s`.
    #[default]
    Text,
    /// One JSON document at the end (schema in the README).
    Json,
}

impl Format {
    /// Each format with its name and what it is, for `--format`.
    pub const ALL: &[(Format, &str, &str)] = &[
        (Format::Text, "text", "Like `dtrace -s`"),
        (
            Format::Json,
            "json",
            "One JSON document at the end (schema in the README)",
        ),
    ];
}

/// What `dscope run --format json` prints.
#[derive(Debug, Default, serde::Serialize)]
pub struct RunReport {
    pub script: String,
    pub matched_probes: u32,
    /// How the run ended; absent when it could not run.
    pub finish: Option<RunEnd>,
    /// printf/trace/printa output, one entry per line.
    pub output: Vec<String>,
    /// Runtime errors (such as invalid addresses) and other problems.
    pub errors: Vec<String>,
    pub drops: Vec<DropReport>,
    pub aggregations: Vec<crate::model::Aggregation>,
}

#[derive(Debug, serde::Serialize)]
pub struct DropReport {
    pub count: u64,
    pub message: String,
}

/// How a run is shown and how long it goes on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Output {
    /// Stop after this long; `None`: until the script exits.
    pub duration: Option<std::time::Duration>,
    pub format: Format,
    /// `-o`: append the output to this file instead of stdout.
    pub file: Option<std::path::PathBuf>,
    /// Stop (as SIGINT does) when standard input reaches its end: how a
    /// run on a remote host ends when ssh's connection does.
    pub until_stdin_closes: bool,
    /// `--record FILE`: write the run down as it goes (see
    /// [`crate::history::recording`]).
    pub record: Option<std::path::PathBuf>,
    /// `--publish amqp://...`: send each snapshot to this exchange (see
    /// [`crate::amqp`]).
    pub publish: Option<crate::amqp::Address>,
}

/// A run's JSON document on `out`; the exit status when it cannot be
/// written.
pub fn print_json(
    report: &impl serde::Serialize,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), u8> {
    match serde_json::to_string_pretty(report) {
        Ok(text) => {
            let _ = writeln!(out, "{text}");
            Ok(())
        }
        Err(e) => {
            let _ = writeln!(err, "dscope: cannot write the JSON report: {e}");
            Err(EXIT_CANNOT)
        }
    }
}

/// libdtrace's words, after the cause when it is missing privileges
/// (its own words do not name it: on Linux they are about BPF maps and
/// locked memory).
pub fn with_privileges(libdtrace_says: String) -> String {
    if !privileges_missing() {
        return libdtrace_says;
    }
    let t = crate::troubleshooting::NOT_ROOT;
    format!("{} {}\n{libdtrace_says}", t.says, t.fix)
}
