//! What a job is, for every front-end, and the one way it is prepared:
//! what to run ([`Script`], made from the command line's [`Request`]), how
//! to print it ([`Format`]), what a run leaves ([`RunReport`]),
//! the exit statuses dtrace(1) gives, how missing privileges are said, and
//! [`prepare`], which opens libdtrace, sets the options, starts or grabs
//! the processes and compiles, for `dscope run` and `check`, the window's
//! run worker, `dscope agent` and every fleet member alike.

use crate::dtrace::{CompileError, Compiled, Consumer, Library, Source};
use crate::model::{Diagnostic, RunEnd};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// A script and how to compile it: what every front-end runs, and what
/// the agent protocol carries.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    /// The D program (`dtrace -s`); may be empty when `probes` say it all.
    pub source: String,
    /// What messages call it (its file name).
    pub name: String,
    /// Probe descriptions, each with an optional clause (`dtrace -n`),
    /// compiled as programs of their own after `source`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<String>,
    /// `-x` options: name and optional value, passed to libdtrace as is.
    pub options: Vec<(String, Option<String>)>,
    /// Macro arguments `$1`, `$2`, ...
    pub args: Vec<String>,
    /// Allow destructive actions (`system()`, `raise()`, ...).
    pub destructive: bool,
    /// The processes `$target` names, as `dtrace -c` and `-p` give them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
}

/// A process a run traces as `$target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    /// A command line the worker starts (as `dtrace -c` does), split into
    /// words at white space as dtrace(1) splits it
    /// ([`crate::dtrace::consumer::command_words`]); its output goes to the
    /// console and the run stops when it exits.
    Command(String),
    /// A running process the worker grabs (as `dtrace -p` does); the run
    /// stops when it exits.
    Pid(i32),
}

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

/// Why a job could not be prepared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// The script does not compile: the error on its line.
    Script(Diagnostic),
    /// DTrace cannot be used here at all (it will not open, privileges
    /// are missing): `dscope run` exits with [`EXIT_CANNOT`].
    Cannot(String),
    /// An option, a command, a process or a description was refused:
    /// [`EXIT_SCRIPT_ERRORS`].
    Refused(String),
}

impl JobError {
    /// The exit status dtrace(1) gives for it.
    pub fn exit_code(&self) -> u8 {
        match self {
            JobError::Cannot(_) => EXIT_CANNOT,
            JobError::Script(_) | JobError::Refused(_) => EXIT_SCRIPT_ERRORS,
        }
    }
}

/// A job compiled and ready to run.
pub struct Prepared<'l> {
    pub consumer: Consumer<'l>,
    pub compiled: Compiled,
    /// Each program's name as dtrace(1) reports it ("script 'x.d'",
    /// "description 'BEGIN'") and the probes it matched.
    pub programs: Vec<(String, u32)>,
}

/// Opens a consumer, or says why it cannot (privileges, most often).
pub fn open(lib: &Library) -> Result<Consumer<'_>, JobError> {
    Consumer::open(lib)
        .map_err(|e| JobError::Cannot(with_privileges(format!("cannot open DTrace: {e}"))))
}

/// Why tracing could not be enabled once the run began.
pub fn not_enabled(libdtrace_says: &str) -> JobError {
    let why = format!("could not enable tracing: {libdtrace_says}");
    if privileges_missing() {
        JobError::Cannot(with_privileges(why))
    } else {
        JobError::Refused(why)
    }
}

/// Opens a consumer, sets the options, starts or grabs the processes and
/// compiles every program of `script`, in dtrace(1)'s order: how every
/// front-end prepares a job.
pub fn prepare<'l>(lib: &'l Library, script: &Script) -> Result<Prepared<'l>, JobError> {
    let mut consumer = open(lib)?;
    let refused = |e: crate::dtrace::DtraceError| JobError::Refused(e.to_string());
    consumer.setopt("errtags", None).map_err(refused)?;
    if script.destructive {
        consumer.setopt("destructive", None).map_err(refused)?;
    }
    for (name, value) in &script.options {
        consumer
            .setopt(name, value.as_deref())
            .map_err(|e| JobError::Refused(format!("failed to set -x {e}")))?;
    }
    for target in &script.targets {
        match target {
            Target::Command(command) => {
                let words = crate::dtrace::consumer::command_words(command);
                consumer.create_process(&words).map_err(|e| {
                    JobError::Refused(format!("cannot start the command '{command}': {e}"))
                })?;
            }
            Target::Pid(pid) => {
                consumer
                    .grab_process(*pid)
                    .map_err(|e| JobError::Refused(format!("cannot grab process {pid}: {e}")))?;
            }
        }
    }
    let mut sources = Vec::new();
    let mut names = Vec::new();
    if !script.source.is_empty() || script.probes.is_empty() {
        sources.push(Source::Script {
            text: &script.source,
            name: &script.name,
        });
        names.push(format!("script '{}'", script.name));
    }
    for d in &script.probes {
        sources.push(Source::Probes(d));
        // dtrace(1) crops the clause off for this report.
        let name = d.split(['{', '/', ';']).next().unwrap_or(d);
        names.push(format!("description '{name}'"));
    }
    match consumer.compile_all(&sources, &script.args) {
        Ok((compiled, each)) => Ok(Prepared {
            consumer,
            compiled,
            programs: names.into_iter().zip(each).collect(),
        }),
        Err(CompileError::Script(mut d)) => {
            crate::troubleshooting::explain(&mut d);
            Err(JobError::Script(d))
        }
        Err(e @ CompileError::Description { .. }) => Err(JobError::Refused(e.to_string())),
        Err(CompileError::Setup(m)) if privileges_missing() => Err(not_enabled(&m)),
        Err(CompileError::Setup(m)) => Err(JobError::Refused(m)),
    }
}

/// A pid as dtrace(1) takes it: a whole decimal number.
pub fn parse_pid(text: &str) -> Option<i32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|p| *p > 0)
}

impl Request {
    /// The script this request runs: the `-s` file (read here unless its
    /// text came with the request) and the `-n` descriptions, with `-q`,
    /// `-w`, `-Z`, `-x`, `-c`, `-p` and the arguments.
    pub fn script(&self) -> Result<Script, String> {
        let (name, mut source) = match &self.script {
            Some(path) => (
                path.display().to_string(),
                match &self.script_text {
                    Some(text) => text.clone(),
                    None => crate::files::load(path).map_err(|e| e.to_string())?.text,
                },
            ),
            None if self.probes.is_empty() => {
                return Err(
                    "no probes specified: give a script file or -n PROBE-DESCRIPTION".into(),
                );
            }
            None => ("-n".into(), String::new()),
        };
        if self.script.is_some() && source.is_empty() {
            // An empty -s file is still a program of its own, whose
            // matches dtrace(1) reports; a newline keeps it one.
            source.push('\n');
        }
        let flags = [(self.quiet, "quiet"), (self.zdefs, "zdefs")];
        let mut options: Vec<(String, Option<String>)> = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| ((*name).to_owned(), None))
            .collect();
        options.extend(self.options.iter().map(|o| {
            let (n, v) = parse_option(o);
            (n.to_owned(), v.map(str::to_owned))
        }));
        let mut targets: Vec<Target> = self.commands.iter().cloned().map(Target::Command).collect();
        for pid in &self.pids {
            let pid = parse_pid(pid).ok_or_else(|| format!("invalid pid: {pid}"))?;
            targets.push(Target::Pid(pid));
        }
        Ok(Script {
            source,
            name,
            probes: self.probes.clone(),
            options,
            args: self.args.clone(),
            destructive: self.destructive,
            targets,
        })
    }
}
