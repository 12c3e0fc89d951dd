//! The subcommands that work without a display.

pub mod analysis;
pub mod fleet;
pub mod remote;

pub use analysis::{report, report_compare};

use crate::dtrace::{Consumer, Library, RunSettings};
use crate::history::recording::{Header, RecordingSink};
use crate::job::*;
use crate::lines::probe_count;
use crate::model::{Event, RunEnd};
use crate::sink::{Sink, take_all};
use std::io::Write;
use std::sync::Arc;

/// How a run is shown and how long it goes on.
#[derive(Debug, Clone, Default)]
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
    /// `--metrics [ADDR:]PORT`: serve the aggregations to Prometheus (see
    /// [`crate::metrics`]).
    pub metrics: Option<crate::metrics::Settings>,
    /// `--baseline`: say when a key leaves its normal level.
    pub watch: Option<analysis::Watching>,
    /// `--alert` and its actions.
    pub alerting: Alerting,
}

/// Rules given on the command line, and what to do when one fires.
#[derive(Debug, Clone, Default)]
pub struct Alerting {
    pub rules: Vec<crate::alerts::Rule>,
    pub command: Option<crate::alerts::CommandAction>,
    pub publish: Option<crate::amqp::Address>,
}

/// Loads libdtrace, or says why it cannot.
fn load_library(err: &mut dyn Write) -> Option<Library> {
    Library::load()
        .map_err(|e| {
            let _ = write!(err, "dscope: {e}");
        })
        .ok()
}

/// Opens a consumer, or says why it cannot.
fn open_consumer<'l>(lib: &'l Library, err: &mut dyn Write) -> Option<Consumer<'l>> {
    crate::job::open(lib).map_err(|e| say(err, &e)).ok()
}

/// Says why a job could not be done as dtrace(1) would, and gives its exit
/// status. (A compile error names its line: see `prepare`.)
fn say(err: &mut dyn Write, e: &JobError) -> u8 {
    match e {
        JobError::Script(d) => {
            let _ = writeln!(err, "dscope: {}", d.message);
        }
        // The cause first, on a line of its own, then libdtrace's words
        // (see with_privileges).
        JobError::Cannot(m) => {
            for line in m.lines() {
                let _ = writeln!(err, "dscope: {line}");
            }
        }
        // As libdtrace says it, which may name text with a newline in it.
        JobError::Refused(m) => {
            let _ = writeln!(err, "dscope: {m}");
        }
    }
    e.exit_code()
}

/// One message per problem, to stderr, in dtrace(1)'s words where it has
/// them; the exit status to return.
struct Failure {
    code: u8,
}

fn fail(err: &mut dyn Write, code: u8, message: &str) -> Failure {
    let _ = writeln!(err, "dscope: {message}");
    Failure { code }
}

/// What compiling left for running.
struct Prepared<'l> {
    job: crate::job::Prepared<'l>,
    /// The script's text, for a recording's header.
    script_text: String,
}

/// Makes the script of `request` and prepares it ([`crate::job::prepare`]);
/// says every failure on the way as dtrace(1) says it.
fn prepare<'l>(
    lib: &'l Library,
    request: &Request,
    err: &mut dyn Write,
) -> Result<Prepared<'l>, Failure> {
    let script = request
        .script()
        .map_err(|e| fail(err, EXIT_SCRIPT_ERRORS, &e))?;
    match crate::job::prepare(lib, &script) {
        Ok(job) => Ok(Prepared {
            job,
            script_text: script.source,
        }),
        Err(JobError::Script(d)) => {
            let path = request.script.clone().unwrap_or_default();
            let _ = writeln!(err, "{}", format_diagnostic(&path, &d));
            Err(Failure {
                code: EXIT_SCRIPT_ERRORS,
            })
        }
        Err(e) => Err(Failure { code: say(err, &e) }),
    }
}

/// `dscope check FILE`: compile only and report; errors on stderr.
pub fn check(request: &Request, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(lib) = load_library(err) else {
        return EXIT_CANNOT;
    };
    match prepare(&lib, request, err) {
        Ok(p) => {
            let what = request
                .script
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "the probe descriptions".into());
            let _ = writeln!(
                out,
                "{what}: compiles; it would enable {}",
                probe_count(p.job.compiled.matches)
            );
            EXIT_OK
        }
        Err(f) => f.code,
    }
}

/// `dscope run`: run like dtrace(1), printing what it prints: the trace
/// output on stdout (or appended to `-o FILE`), errors, drops and notices
/// on stderr, and the last `exit()` status as the exit status. SIGINT and
/// SIGTERM stop the run as they stop dtrace(1) (END runs, aggregations are
/// printed); a second one ends it at once. With [`Format::Json`], stdout
/// gets one [`RunReport`] instead.
///
/// Without `-o`, this process's file descriptor 1 is turned into a pipe
/// for the run (see [`crate::dtrace::run::CapturedStdout`]) and `out` is
/// not used: the output goes to the original standard output.
pub fn run(request: &Request, output: &Output, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(lib) = load_library(err) else {
        return EXIT_CANNOT;
    };
    let mut prepared = match prepare(&lib, request, err) {
        Ok(p) => p,
        Err(f) => return f.code,
    };
    let quiet = prepared.job.consumer.quiet();
    if !quiet {
        for (what, matches) in &prepared.job.programs {
            let _ = writeln!(err, "dscope: {what} matched {}", probe_count(*matches));
        }
    }
    let mut file;
    let mut stdout;
    let out: &mut dyn Write = match &output.file {
        // system() and a -c command write to file descriptor 1 while
        // libdtrace's output is still on its way here; dtrace(1) flushes
        // before system(). So descriptor 1 becomes a pipe read in order
        // with the trace output, and that goes to the original stdout.
        // (With -o, as with dtrace, their output stays on stdout.)
        None => match crate::dtrace::run::CapturedStdout::start() {
            Ok((original, captured)) => {
                prepared.job.consumer.capture_stdout(captured);
                stdout = std::io::LineWriter::new(original);
                &mut stdout
            }
            Err(_) => out,
        },
        Some(path) => match crate::writes::open_append(path) {
            Ok(f) => {
                file = std::io::LineWriter::new(f);
                &mut file
            }
            Err(e) => {
                let _ = writeln!(
                    err,
                    "dscope: failed to open output file '{}': {e}",
                    path.display()
                );
                return EXIT_SCRIPT_ERRORS;
            }
        },
    };
    if !quiet && prepared.job.consumer.destructive_allowed() {
        let _ = writeln!(err, "dscope: allowing destructive actions");
    }
    // A recording or a publishing run takes a snapshot at the
    // aggregation rate, as the window does; a plain run reads them only
    // at the end, as dtrace(1).
    let periodic = output.record.is_some()
        || output.publish.is_some()
        || output.metrics.is_some()
        || output.watch.is_some()
        || !output.alerting.rules.is_empty()
        || prepared.script_text.contains(crate::alerts::parse::MARK);
    let snapshot_every = periodic.then(|| {
        prepared
            .job
            .consumer
            .aggrate()
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_millis(10))
    });
    let mut printer = Printer {
        out,
        err,
        json: output.format == Format::Json,
        quiet,
        snapshot_every,
        report: RunReport {
            script: request
                .script
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            matched_probes: prepared.job.compiled.matches,
            ..RunReport::default()
        },
    };
    let mut sinks = match sinks(request, output, &prepared, snapshot_every, &mut printer) {
        Ok(s) => s,
        Err(e) => {
            printer.say(&e);
            return EXIT_CANNOT;
        }
    };
    trace(&mut prepared, output, &mut printer, &mut sinks)
}

/// The sinks beside the printer: the recording and the exchange asked for.
fn sinks<'a>(
    request: &Request,
    output: &Output,
    prepared: &Prepared,
    snapshot_every: Option<std::time::Duration>,
    printer: &mut Printer,
) -> Result<Vec<Box<dyn Sink + 'a>>, String> {
    let script_name = printer.report.script.clone();
    let mut sinks: Vec<Box<dyn Sink>> = Vec::new();
    if let Some(path) = &output.record {
        let mut header = Header::new(
            &script_name,
            &prepared.script_text,
            snapshot_every.map_or(1000, |d| d.as_millis() as u64),
        );
        header.probes.clone_from(&request.probes);
        header.options.clone_from(&request.options);
        header.args.clone_from(&request.args);
        sinks.push(Box::new(RecordingSink::create(path, &header)?));
    }
    if let Some(address) = &output.publish {
        let publisher = crate::amqp::Publisher::connect(address)?;
        // Only -n descriptions: named as a fleet names them.
        let script = match script_name.as_str() {
            "" => "-n",
            s => s,
        };
        sinks.push(Box::new(crate::amqp::PublishSink::new(
            publisher,
            &crate::amqp::this_host(),
            script,
        )));
    }
    if let Some(settings) = &output.metrics {
        let exporter = settings.serve(&prepared.script_text)?;
        if !printer.quiet {
            printer.say(&format!(
                "serving the aggregations at http://{}/metrics",
                exporter.address()
            ));
        }
        let warn = Box::new(|m: String| eprintln!("dscope: {m}"));
        sinks.push(Box::new(settings.sink(&exporter, None, warn)));
    }
    if let Some(sink) = watch_sink(output, &prepared.script_text, &script_name)? {
        sinks.push(Box::new(sink));
    }
    Ok(sinks)
}

/// The sink that checks the run against `--baseline` and judges the rules
/// of the command line and the script, if there are any; a rule the
/// script keeps that cannot be read is an error, as a script's own would
/// be.
fn watch_sink(
    output: &Output,
    source: &str,
    script: &str,
) -> Result<Option<crate::alerts::WatchSink>, String> {
    let (mut rules, problems) = crate::alerts::parse::in_script(source);
    if let Some(p) = problems.first() {
        return Err(format!("{script}: {p}"));
    }
    rules.extend(output.alerting.rules.iter().cloned());
    if rules.is_empty() && output.watch.is_none() {
        return Ok(None);
    }
    let host = crate::amqp::this_host();
    let mut actions: Vec<Box<dyn crate::alerts::Action>> = Vec::new();
    if let Some(c) = &output.alerting.command {
        actions.push(Box::new(c.clone()));
    }
    if let Some(address) = &output.alerting.publish {
        let publisher = crate::amqp::Publisher::connect(address)?;
        actions.push(Box::new(crate::amqp::AlertPublisher::new(publisher, &host)));
    }
    let baseline = output
        .watch
        .as_ref()
        .map(|w| (Arc::clone(&w.baseline), w.settings));
    let name = if script.is_empty() { "-n" } else { script };
    Ok(Some(crate::alerts::WatchSink::new(
        baseline,
        rules,
        (&host, name),
        Box::new(|m: String| eprintln!("dscope: {m}")),
        actions,
    )))
}

/// Runs what `prepare` compiled until it ends, handing what it says to
/// the printer and the sinks; the exit status.
fn trace(
    prepared: &mut Prepared,
    output: &Output,
    printer: &mut Printer,
    sinks: &mut Vec<Box<dyn Sink + '_>>,
) -> u8 {
    let periodic = printer.snapshot_every.is_some();
    let settings = RunSettings {
        duration: output.duration,
        snapshot_every: printer.snapshot_every,
        // The text printout is libdtrace's own; the decoded aggregations
        // serve only the JSON document, the recording and the publisher.
        final_snapshot: printer.json || periodic,
        print_aggregations: !printer.json,
        newline_on_stop: !printer.json,
    };
    crate::dtrace::signals::install();
    if output.until_stdin_closes {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            crate::dtrace::signals::STOP.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    // One clock for the recording and the messages: seconds since
    // tracing started, held at the stop.
    let mut clock = crate::history::RunClock::default();
    let mut take = |event: &Event, printer: &mut Printer| {
        match event {
            Event::Started { .. } => clock.start(),
            Event::Stopping => clock.stop(),
            _ => {}
        }
        let t = clock.now();
        take_all(sinks, t, event, &mut |why| printer.say(&why));
        let _ = printer.take(t, event);
    };
    let result = prepared.job.consumer.run(
        &settings,
        &crate::dtrace::signals::STOP,
        Some(&crate::dtrace::signals::ABORT),
        &mut |event| take(&event, printer),
    );
    let (finish, code) = match result {
        Ok(end) => (
            Ok(end),
            match end {
                RunEnd::Exited { status } => exit_code(status),
                RunEnd::TimeUp | RunEnd::Stopped | RunEnd::TargetExited => EXIT_OK,
            },
        ),
        Err(e) => {
            let code = say(printer.err, &crate::job::not_enabled(&e.to_string()));
            (Err(e.to_string()), code)
        }
    };
    take(&Event::Finished(finish), printer);
    if printer.json
        && let Err(failed) = print_json(&printer.report, printer.out, printer.err)
    {
        return failed;
    }
    let _ = printer.out.flush();
    code
}

/// `dscope run`'s own sink: the trace output on its output, messages on
/// stderr as dtrace(1) says them, and with `--format json` the report.
struct Printer<'w> {
    out: &'w mut dyn Write,
    err: &'w mut dyn Write,
    json: bool,
    quiet: bool,
    /// How often the run was asked to take snapshots, if it takes them
    /// while it runs.
    snapshot_every: Option<std::time::Duration>,
    report: RunReport,
}

impl Printer<'_> {
    fn say(&mut self, message: &str) {
        let _ = writeln!(self.err, "dscope: {message}");
    }
}

impl Sink for Printer<'_> {
    fn take(&mut self, _t: f64, event: &Event) -> Result<(), String> {
        match event {
            Event::Output(line) if self.json => self.report.output.push(line.clone()),
            Event::Output(line) => {
                let _ = writeln!(self.out, "{line}");
            }
            Event::Snapshot(snap) => self.report.aggregations.clone_from(&snap.aggregations),
            Event::RuntimeError(m) | Event::Problem(m) => {
                self.say(m.trim_start_matches("dtrace: "));
                self.report.errors.push(m.clone());
            }
            Event::Notice(m) if !self.quiet => self.say(m),
            Event::Pace { every_ms } => {
                let every = std::time::Duration::from_millis(*every_ms);
                let asked = self.snapshot_every.unwrap_or(every);
                self.say(&pace_notice(every, asked));
            }
            Event::Drop { count, message } => {
                self.say(message.trim_start_matches("dtrace: "));
                self.report.drops.push(DropReport {
                    count: *count,
                    message: message.clone(),
                });
            }
            Event::Finished(Ok(end)) => self.report.finish = Some(*end),
            Event::Finished(Err(why)) => self.report.errors.push(why.clone()),
            _ => {}
        }
        Ok(())
    }
}

/// What a change of the live snapshots' interval means to the user:
/// `every` is the interval now, `asked` the one asked for.
pub fn pace_notice(every: std::time::Duration, asked: std::time::Duration) -> String {
    let secs = |d: std::time::Duration| match d.as_millis() {
        ms if ms % 1000 == 0 => format!("{} s", ms / 1000),
        ms => format!("{:.1} s", ms as f64 / 1000.0),
    };
    if every > asked {
        format!(
            "reading the aggregations takes more than half of {}: a snapshot every {} for now",
            secs(asked),
            secs(every)
        )
    } else {
        format!(
            "reading the aggregations is quick again: a snapshot every {}",
            secs(asked)
        )
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
        use crate::troubleshooting::{DEBUGFS, TRACEFS, mounted};
        if mounted(DEBUGFS) {
            r.ok("debugfs", "mounted at /sys/kernel/debug");
        } else {
            r.problem(
                "debugfs",
                "not mounted; Linux DTrace finds tracefs through it",
                "sudo mount -t debugfs none /sys/kernel/debug",
            );
        }
        if mounted(TRACEFS) {
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
                &format!("syscall::read:entry visible ({})", probe_count(p.matches)),
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

/// Why DTrace may see no probes at all, when that could be the reason.
fn no_root_hint() -> &'static str {
    if crate::dtrace::running_as_root() {
        ""
    } else {
        " (not running as root: DTrace sees no probes without privileges)"
    }
}

/// One probe's attributes and argument types, as `dtrace -lv` prints
/// them.
fn print_probe_details(out: &mut dyn Write, d: &crate::dtrace::consumer::ProbeDetails) {
    let mut text = String::new();
    for (heading, a) in [
        ("Probe Description Attributes", &d.attr),
        ("Argument Attributes", &d.args),
    ] {
        text.push_str(&format!(
            "\n\t{heading}\n\t\tIdentifier Names: {}\n\t\tData Semantics:   {}\n\t\t\
             Dependency Class: {}\n",
            a.names, a.data, a.class
        ));
    }
    text.push_str("\n\tArgument Types\n");
    for (i, t) in d.arg_types.iter().enumerate() {
        text.push_str(&format!("\t\targs[{i}]: {t}\n"));
    }
    if d.arg_types.is_empty() {
        text.push_str("\t\tNone\n");
    }
    text.push('\n');
    let _ = out.write_all(text.as_bytes());
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
    // With a pattern, libdtrace matches it (and orders what it matches)
    // as for `dtrace -l -n`.
    let pattern = pattern.map(crate::lang::probe_pattern::ProbePattern::parse);
    let listed = match &pattern {
        Some(p) => consumer.list_probes_matching(p.fields()),
        None => consumer.list_probes(),
    };
    let _ = writeln!(
        out,
        "{:>5} {:>10} {:>17} {:>33} NAME",
        "ID", "PROVIDER", "MODULE", "FUNCTION"
    );
    let probes = match listed {
        Ok(p) => p,
        // As dtrace(1): said, and not a failure of the command.
        Err(e) if pattern.is_some() => {
            let fields = pattern
                .as_ref()
                .map(|p| p.fields().join(":"))
                .unwrap_or_default();
            let _ = writeln!(
                err,
                "dscope: failed to match {fields}: {}{}",
                e.message,
                no_root_hint()
            );
            return EXIT_OK;
        }
        Err(e) => {
            let _ = writeln!(err, "dscope: {e}");
            return EXIT_CANNOT;
        }
    };
    for p in &probes {
        let _ = writeln!(
            out,
            "{:>5} {:>10} {:>17} {:>33} {}",
            p.id, p.provider, p.module, p.function, p.name
        );
        if verbose {
            // As dtrace(1)'s print_probe_info; a probe it cannot describe
            // gets nothing more, as there.
            match consumer.probe_details(p) {
                Ok(details) => print_probe_details(out, &details),
                Err(e) => {
                    let _ = writeln!(
                        err,
                        "dscope: {}:{}:{}:{}: {e}",
                        p.provider, p.module, p.function, p.name
                    );
                }
            }
        }
    }
    if probes.is_empty() {
        let _ = writeln!(err, "dscope: no probes{}", no_root_hint());
        return EXIT_SCRIPT_ERRORS;
    }
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Diagnostic;
    use std::path::Path;

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
    fn pids_are_whole_decimal_numbers_as_dtrace_takes_them() {
        assert_eq!(parse_pid("1234"), Some(1234));
        for bad in ["", "12x", "-5", " 12", "0x10", "0", "99999999999"] {
            assert_eq!(parse_pid(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn the_exit_status_is_the_low_byte_of_exit() {
        assert_eq!(exit_code(0), 0);
        assert_eq!(exit_code(7), 7);
        assert_eq!(exit_code(256), 0);
        assert_eq!(exit_code(258), 2);
        assert_eq!(exit_code(-1), 255);
    }

    #[test]
    fn a_run_without_a_script_or_description_is_refused_before_dtrace() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let request = Request::default();
        // No libdtrace is needed to say so, but where none is installed
        // the library's own message comes first; only check the rule.
        let code = check(&request, &mut out, &mut err);
        let said = String::from_utf8_lossy(&err);
        if crate::dtrace::Library::load().is_ok() {
            assert_eq!(code, EXIT_SCRIPT_ERRORS, "{said}");
            assert!(said.contains("no probes specified"), "{said}");
        } else {
            assert_eq!(code, EXIT_CANNOT, "{said}");
        }
        assert!(out.is_empty());
    }

    #[test]
    fn options_split_on_the_first_equals() {
        assert_eq!(parse_option("bufsize=4m"), ("bufsize", Some("4m")));
        assert_eq!(parse_option("quiet"), ("quiet", None));
        assert_eq!(parse_option("define=a=b"), ("define", Some("a=b")));
    }
}
