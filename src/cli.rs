//! The subcommands that work without a display.

use crate::dtrace::{CompileError, Consumer, Finish, Library, RunEvent, RunSettings};
use crate::files;
use crate::model::Diagnostic;
use std::io::Write;
use std::path::Path;

/// Exit codes: 0 fine, 1 the script has errors, 2 it could not be checked.
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

/// Loads libdtrace, or says why it cannot.
fn load_library(err: &mut dyn Write) -> Option<Library> {
    Library::load()
        .map_err(|e| {
            let _ = write!(err, "dscope: {e}");
        })
        .ok()
}

/// Opens a consumer, or says why it cannot (privileges, most often).
fn open_consumer<'l>(lib: &'l Library, err: &mut dyn Write) -> Option<Consumer<'l>> {
    Consumer::open(lib)
        .map_err(|e| {
            let _ = writeln!(err, "dscope: cannot open DTrace: {e}");
        })
        .ok()
}

/// "1 probe", "720 probes".
fn probe_count(n: u32) -> String {
    format!("{n} probe{}", if n == 1 { "" } else { "s" })
}

/// Splits `-x name=value` (or a bare `name`) into its parts.
pub fn parse_option(spec: &str) -> (&str, Option<&str>) {
    match spec.split_once('=') {
        Some((name, value)) => (name, Some(value)),
        None => (spec, None),
    }
}

/// `dscope check FILE`: compile only and report.
pub fn check(
    path: &Path,
    options: &[String],
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    with_compiled(path, options, args, out, err, &mut |_, compiled, out, _| {
        let _ = writeln!(
            out,
            "{}: compiles; it would enable {}",
            path.display(),
            probe_count(compiled.matches)
        );
        EXIT_OK
    })
}

/// How `dscope run` prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Like `dtrace -s`.
    #[default]
    Text,
    /// One JSON document at the end (schema in the README).
    Json,
}

/// What `dscope run --format json` prints.
#[derive(Debug, Default, serde::Serialize)]
pub struct RunReport {
    pub script: String,
    pub matched_probes: u32,
    /// How the run ended; absent when it could not run.
    pub finish: Option<FinishReport>,
    /// printf/trace/printa output, one entry per line.
    pub output: Vec<String>,
    /// Runtime errors (such as invalid addresses) and other problems.
    pub errors: Vec<String>,
    pub drops: Vec<DropReport>,
    pub aggregations: Vec<crate::model::Aggregation>,
}

#[derive(Debug, serde::Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum FinishReport {
    Exited { status: i32 },
    TimeUp,
    Stopped,
}

#[derive(Debug, serde::Serialize)]
pub struct DropReport {
    pub count: u64,
    pub message: String,
}

/// `dscope run FILE`: run like `dtrace -s`, printing what it prints: the
/// script's output on stdout, errors and drops on stderr, and the script's
/// `exit()` status as the exit status. With [`Format::Json`], stdout gets
/// one [`RunReport`] instead.
pub fn run(
    path: &Path,
    duration: Option<std::time::Duration>,
    options: &[String],
    args: &[String],
    format: Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    with_compiled(
        path,
        options,
        args,
        out,
        err,
        &mut |consumer, compiled, out, err| {
            let _ = writeln!(
                err,
                "dscope: script '{}' matched {}",
                path.display(),
                probe_count(compiled.matches)
            );
            let mut report = RunReport {
                script: path.display().to_string(),
                matched_probes: compiled.matches,
                ..RunReport::default()
            };
            let json = format == Format::Json;
            let settings = RunSettings {
                duration,
                snapshot_every: None,
                print_aggregations: !json,
            };
            let never = std::sync::atomic::AtomicBool::new(false);
            let result = consumer.run(&settings, &never, &mut |event| match event {
                RunEvent::Output(line) if json => report.output.push(line),
                RunEvent::Output(line) => {
                    let _ = writeln!(out, "{line}");
                }
                RunEvent::Snapshot(snap) => report.aggregations = snap.aggregations,
                RunEvent::RuntimeError(m) | RunEvent::Problem(m) => {
                    let _ = writeln!(err, "dscope: {}", m.trim_start_matches("dtrace: "));
                    report.errors.push(m);
                }
                RunEvent::Started | RunEvent::Stopping => {}
                RunEvent::Drop { count, message } => {
                    let _ = writeln!(err, "dscope: {}", message.trim_start_matches("dtrace: "));
                    report.drops.push(DropReport { count, message });
                }
            });
            let code = match result {
                Ok(Finish::Exited(status)) => {
                    report.finish = Some(FinishReport::Exited { status });
                    status.clamp(0, 255) as u8
                }
                Ok(Finish::TimeUp) => {
                    report.finish = Some(FinishReport::TimeUp);
                    EXIT_OK
                }
                Ok(Finish::Stopped) => {
                    report.finish = Some(FinishReport::Stopped);
                    EXIT_OK
                }
                Err(e) => {
                    let _ = writeln!(err, "dscope: {e}");
                    report.errors.push(e.to_string());
                    EXIT_CANNOT
                }
            };
            if json {
                match serde_json::to_string_pretty(&report) {
                    Ok(text) => {
                        let _ = writeln!(out, "{text}");
                    }
                    Err(e) => {
                        let _ = writeln!(err, "dscope: cannot write the JSON report: {e}");
                        return EXIT_CANNOT;
                    }
                }
            }
            code
        },
    )
}

type AfterCompile<'a> = dyn FnMut(&mut Consumer<'_>, crate::dtrace::Compiled, &mut dyn Write, &mut dyn Write) -> u8
    + 'a;

/// Loads the script and libdtrace, opens a consumer, applies options and
/// compiles; reports every failure on the way, then hands over.
fn with_compiled(
    path: &Path,
    options: &[String],
    args: &[String],
    out: &mut dyn Write,
    err: &mut dyn Write,
    then: &mut AfterCompile<'_>,
) -> u8 {
    let source = match files::load(path) {
        Ok(f) => f.text,
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_CANNOT;
        }
    };
    let Some(lib) = load_library(err) else {
        return EXIT_CANNOT;
    };
    let Some(mut consumer) = open_consumer(&lib, err) else {
        return EXIT_CANNOT;
    };
    for (name, value) in std::iter::once("errtags")
        .map(|n| (n, None))
        .chain(options.iter().map(|o| parse_option(o)))
    {
        if let Err(e) = consumer.setopt(name, value) {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_CANNOT;
        }
    }
    let name = path.display().to_string();
    match consumer.compile(&source, &name, args) {
        Ok(compiled) => then(&mut consumer, compiled, out, err),
        Err(CompileError::Script(mut d)) => {
            crate::troubleshooting::explain(&mut d);
            let _ = writeln!(out, "{}", format_diagnostic(path, &d));
            EXIT_SCRIPT_ERRORS
        }
        Err(CompileError::Setup(m)) => {
            let _ = writeln!(err, "dscope: {m}");
            EXIT_CANNOT
        }
    }
}

struct Report<'a> {
    out: &'a mut dyn Write,
    problems: usize,
}

impl Report<'_> {
    fn ok(&mut self, what: &str, detail: &str) {
        let _ = writeln!(self.out, "ok      {what}: {detail}");
    }

    fn problem(&mut self, what: &str, detail: &str, fix: &str) {
        self.problems += 1;
        let _ = writeln!(self.out, "PROBLEM {what}: {detail}");
        for line in fix.lines() {
            let _ = writeln!(self.out, "        fix: {line}");
        }
    }
}

/// `dscope doctor`: what stands between this machine and running D, each
/// problem with its fix. Exit 0 when nothing does.
pub fn doctor(out: &mut dyn Write) -> u8 {
    let mut r = Report { out, problems: 0 };
    let lib = match Library::load() {
        Ok(lib) => {
            r.ok(
                "libdtrace",
                &format!("{} ({})", lib.path.display(), lib.abi),
            );
            Some(lib)
        }
        Err(e) => {
            r.problem(
                "libdtrace",
                "not found",
                &format!(
                    "install DTrace (Linux: Oracle's dtrace 2.x package), or set DSCOPE_LIBDTRACE\n{}",
                    e.to_string().lines().skip(2).collect::<Vec<_>>().join("\n")
                ),
            );
            None
        }
    };
    if crate::dtrace::running_as_root() {
        r.ok("privileges", "running as root");
    } else {
        r.problem(
            "privileges",
            "not running as root; DTrace will see no probes",
            "run dscope with sudo (illumos: pfexec, or grant dtrace_kernel,dtrace_proc,dtrace_user)",
        );
    }
    if cfg!(target_os = "linux") {
        let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
        if crate::troubleshooting::is_mounted(&mounts, "debugfs", "/sys/kernel/debug") {
            r.ok("debugfs", "mounted at /sys/kernel/debug");
        } else {
            r.problem(
                "debugfs",
                "not mounted; Linux DTrace finds tracefs through it",
                "sudo mount -t debugfs none /sys/kernel/debug",
            );
        }
        if crate::troubleshooting::is_mounted(&mounts, "tracefs", "/sys/kernel/debug/tracing") {
            r.ok("tracefs", "mounted at /sys/kernel/debug/tracing");
        } else {
            r.problem(
                "tracefs",
                "not mounted under debugfs",
                "sudo mount -t tracefs none /sys/kernel/debug/tracing",
            );
        }
        if std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
            r.ok("BTF", "/sys/kernel/btf/vmlinux present");
        } else {
            r.problem(
                "BTF",
                "/sys/kernel/btf/vmlinux is missing; kernel types are unknown to D",
                "use a kernel built with CONFIG_DEBUG_INFO_BTF=y",
            );
        }
    }
    if let Some(lib) = &lib {
        // A consumer holds one program, so each compile gets its own.
        let compile = |source: &str| {
            let mut c = Consumer::open(lib).map_err(|e| e.to_string())?;
            let _ = c.setopt("errtags", None);
            c.compile(source, "doctor.d", &[])
                .map_err(|e| e.to_string())
        };
        match compile("BEGIN { exit(0); }\n") {
            Ok(_) => r.ok("compiler", "compiles D"),
            Err(e) => r.problem("compiler", &e, "see the problems above"),
        }
        match compile("syscall::read:entry { }\n") {
            Ok(p) => r.ok(
                "probes",
                &format!("syscall::read:entry visible ({} probe)", p.matches),
            ),
            Err(e) => r.problem(
                "probes",
                &format!("syscall::read:entry is not visible: {e}"),
                "fix the privilege and file-system problems above",
            ),
        }
    }
    if r.problems == 0 {
        let _ = writeln!(r.out, "dscope can check and run D scripts here.");
        EXIT_OK
    } else {
        let _ = writeln!(r.out, "{} problem(s) found.", r.problems);
        EXIT_SCRIPT_ERRORS
    }
}

/// `dscope probes [PATTERN]`: list probes like `dtrace -l [-n PATTERN]`.
pub fn probes(
    pattern: Option<&str>,
    verbose: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let Some(lib) = load_library(err) else {
        return EXIT_CANNOT;
    };
    let Some(mut consumer) = open_consumer(&lib, err) else {
        return EXIT_CANNOT;
    };
    let probes = match consumer.list_probes() {
        Ok(p) => p,
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_CANNOT;
        }
    };
    let pattern = pattern.map(crate::lang::probe_pattern::ProbePattern::parse);
    let _ = writeln!(
        out,
        "{:>5} {:>10} {:>17} {:>33} NAME",
        "ID", "PROVIDER", "MODULE", "FUNCTION"
    );
    let mut shown = 0;
    for p in probes
        .iter()
        .filter(|p| pattern.as_ref().is_none_or(|pat| pat.matches(p)))
    {
        let _ = writeln!(
            out,
            "{:>5} {:>10} {:>17} {:>33} {}",
            p.id, p.provider, p.module, p.function, p.name
        );
        if verbose {
            match consumer.probe_arg_types(p) {
                Ok(types) if types.is_empty() => {
                    let _ = writeln!(out, "\t\tNone");
                }
                Ok(types) => {
                    for (i, t) in types.iter().enumerate() {
                        let _ = writeln!(out, "\t\targs[{i}]: {t}");
                    }
                }
                Err(e) => {
                    let _ = writeln!(out, "\t\t{e}");
                }
            }
        }
        shown += 1;
    }
    if shown == 0 {
        let hint = if crate::dtrace::running_as_root() {
            ""
        } else {
            " (not running as root: DTrace sees no probes without privileges)"
        };
        let _ = writeln!(err, "dscope: no probes match{hint}");
        return EXIT_SCRIPT_ERRORS;
    }
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Diagnostic;

    #[test]
    fn diagnostics_print_like_a_compiler() {
        let d = Diagnostic {
            tag: Some("D_SYNTAX".into()),
            ..Diagnostic::error(3, "syntax error near \";\"").with_columns(7..8)
        };
        assert_eq!(
            format_diagnostic(Path::new("x.d"), &d),
            "x.d:3:8: error: syntax error near \";\" [D_SYNTAX]"
        );
        let whole = Diagnostic::error(0, "in action list: bad");
        assert_eq!(
            format_diagnostic(Path::new("x.d"), &whole),
            "x.d: error: in action list: bad"
        );
        let lib = Diagnostic {
            file: Some("/usr/lib64/dtrace/io.d".into()),
            ..Diagnostic::error(7, "undefined").with_columns(1..2)
        };
        assert_eq!(
            format_diagnostic(Path::new("x.d"), &lib),
            "/usr/lib64/dtrace/io.d:7: error: undefined"
        );
    }

    #[test]
    fn options_split_on_the_first_equals() {
        assert_eq!(parse_option("bufsize=4m"), ("bufsize", Some("4m")));
        assert_eq!(parse_option("quiet"), ("quiet", None));
        assert_eq!(parse_option("define=a=b"), ("define", Some("a=b")));
    }
}
