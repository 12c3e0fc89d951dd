//! The subcommands that work without a display.

use crate::dtrace::{CompileError, Consumer, Library, RunEvent, RunSettings};
use crate::files;
use crate::history::recording::{Header, Recorder};
use crate::job::*;
use crate::lines::probe_count;
use crate::model::RunEnd;
use std::io::Write;
use std::path::Path;

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
    match Consumer::open(lib) {
        Ok(c) => Some(c),
        Err(e) if privileges_missing() => {
            privilege_failure(err, "cannot open DTrace", &e.to_string());
            None
        }
        Err(e) => {
            let _ = writeln!(err, "dscope: cannot open DTrace: {e}");
            None
        }
    }
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

/// Says that privileges are missing, first, then libdtrace's own words.
fn privilege_failure(err: &mut dyn Write, what: &str, libdtrace_says: &str) -> Failure {
    for line in with_privileges(format!("{what}: {libdtrace_says}")).lines() {
        let _ = writeln!(err, "dscope: {line}");
    }
    Failure { code: EXIT_CANNOT }
}

/// What compiling left for running.
struct Prepared<'l> {
    consumer: Consumer<'l>,
    compiled: crate::dtrace::Compiled,
    /// Each program's name as dtrace(1) reports it ("script 'x.d'",
    /// "description 'BEGIN'") and its matches.
    programs: Vec<(String, u32)>,
    /// The script's text, for a recording's header.
    script_text: String,
}

/// Loads the script and libdtrace, opens a consumer, applies options,
/// starts or grabs the processes and compiles, as dtrace(1) does in that
/// order; reports every failure on the way.
fn prepare<'l>(
    lib: &'l Library,
    request: &Request,
    err: &mut dyn Write,
) -> Result<Prepared<'l>, Failure> {
    let script = match &request.script {
        Some(path) if request.script_text.is_some() => {
            Some((path, request.script_text.clone().unwrap_or_default()))
        }
        Some(path) => match files::load(path) {
            Ok(f) => Some((path, f.text)),
            Err(e) => return Err(fail(err, EXIT_SCRIPT_ERRORS, &e.to_string())),
        },
        None => None,
    };
    if script.is_none() && request.probes.is_empty() {
        return Err(fail(
            err,
            EXIT_SCRIPT_ERRORS,
            "no probes specified: give a script file or -n PROBE-DESCRIPTION",
        ));
    }
    let mut consumer = match Consumer::open(lib) {
        Ok(c) => c,
        Err(e) if privileges_missing() => {
            return Err(privilege_failure(err, "cannot open DTrace", &e.to_string()));
        }
        Err(e) => return Err(fail(err, EXIT_CANNOT, &format!("cannot open DTrace: {e}"))),
    };
    let flags = [
        (true, "errtags"),
        (request.quiet, "quiet"),
        (request.destructive, "destructive"),
        (request.zdefs, "zdefs"),
    ];
    for (_, name) in flags.iter().filter(|(on, _)| *on) {
        if let Err(e) = consumer.setopt(name, None) {
            return Err(fail(err, EXIT_SCRIPT_ERRORS, &e.to_string()));
        }
    }
    for option in &request.options {
        let (name, value) = parse_option(option);
        if let Err(e) = consumer.setopt(name, value) {
            return Err(fail(
                err,
                EXIT_SCRIPT_ERRORS,
                &format!("failed to set -x {e}"),
            ));
        }
    }
    for command in &request.commands {
        let words = crate::dtrace::consumer::command_words(command);
        if let Err(e) = consumer.create_process(&words) {
            let why = format!("cannot start the command '{command}': {e}");
            return Err(fail(err, EXIT_SCRIPT_ERRORS, &why));
        }
    }
    for pid in &request.pids {
        let Some(pid) = parse_pid(pid) else {
            return Err(fail(
                err,
                EXIT_SCRIPT_ERRORS,
                &format!("invalid pid: {pid}"),
            ));
        };
        if let Err(e) = consumer.grab_process(pid) {
            let why = format!("cannot grab process {pid}: {e}");
            return Err(fail(err, EXIT_SCRIPT_ERRORS, &why));
        }
    }
    let name = script.as_ref().map(|(p, _)| p.display().to_string());
    let mut sources = Vec::new();
    let mut programs = Vec::new();
    if let (Some((_, text)), Some(name)) = (&script, &name) {
        sources.push(crate::dtrace::Source::Script { text, name });
        programs.push(format!("script '{name}'"));
    }
    for d in &request.probes {
        sources.push(crate::dtrace::Source::Probes(d));
        // dtrace(1) crops the clause off for this report.
        let name = d.split(['{', '/', ';']).next().unwrap_or(d);
        programs.push(format!("description '{name}'"));
    }
    match consumer.compile_all(&sources, &request.args) {
        Ok((compiled, each)) => Ok(Prepared {
            consumer,
            compiled,
            script_text: script.map(|(_, text)| text).unwrap_or_default(),
            programs: programs.into_iter().zip(each).collect(),
        }),
        Err(CompileError::Script(mut d)) => {
            crate::troubleshooting::explain(&mut d);
            let path = script.map(|(p, _)| p.clone()).unwrap_or_default();
            let _ = writeln!(err, "{}", format_diagnostic(&path, &d));
            Err(Failure {
                code: EXIT_SCRIPT_ERRORS,
            })
        }
        Err(e @ CompileError::Description { .. }) => {
            Err(fail(err, EXIT_SCRIPT_ERRORS, &e.to_string()))
        }
        Err(CompileError::Setup(m)) if privileges_missing() => {
            Err(privilege_failure(err, "could not enable tracing", &m))
        }
        Err(CompileError::Setup(m)) => Err(fail(err, EXIT_SCRIPT_ERRORS, &m)),
    }
}

/// A pid as dtrace(1) takes it: a whole decimal number.
pub fn parse_pid(text: &str) -> Option<i32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|p| *p > 0)
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
                probe_count(p.compiled.matches)
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
    let json = output.format == Format::Json;
    let quiet = prepared.consumer.quiet();
    if !quiet {
        for (what, matches) in &prepared.programs {
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
                prepared.consumer.capture_stdout(captured);
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
    if !quiet && prepared.consumer.destructive_allowed() {
        let _ = writeln!(err, "dscope: allowing destructive actions");
    }
    let mut report = RunReport {
        script: request
            .script
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        matched_probes: prepared.compiled.matches,
        ..RunReport::default()
    };
    // A recording or a publishing run takes a snapshot at the
    // aggregation rate, as the window does; a plain run reads them only
    // at the end, as dtrace(1).
    let periodic = output.record.is_some() || output.publish.is_some();
    let snapshot_every = periodic.then(|| {
        prepared
            .consumer
            .aggrate()
            .unwrap_or(std::time::Duration::from_secs(1))
            .max(std::time::Duration::from_millis(10))
    });
    let mut recorder = match &output.record {
        Some(path) => {
            let mut header = Header::new(
                &report.script,
                &prepared.script_text,
                snapshot_every.map_or(1000, |d| d.as_millis() as u64),
            );
            header.probes.clone_from(&request.probes);
            header.options.clone_from(&request.options);
            header.args.clone_from(&request.args);
            match Recorder::create(path, &header) {
                Ok(r) => Some(Recording { path, recorder: r }),
                Err(e) => {
                    let _ = writeln!(err, "dscope: {e}");
                    return EXIT_CANNOT;
                }
            }
        }
        None => None,
    };
    let mut publishing = match &output.publish {
        Some(address) => {
            let host = crate::amqp::this_host();
            match crate::amqp::Publisher::connect(address) {
                Ok(p) => Some(Publishing {
                    publisher: p,
                    host,
                    // Only -n descriptions: named as a fleet names them.
                    script: match report.script.as_str() {
                        "" => "-n".into(),
                        s => s.into(),
                    },
                }),
                Err(e) => {
                    let _ = writeln!(err, "dscope: {e}");
                    return EXIT_CANNOT;
                }
            }
        }
        None => None,
    };
    let settings = RunSettings {
        duration: output.duration,
        snapshot_every,
        // The text printout is libdtrace's own; the decoded aggregations
        // serve only the JSON document, the recording and the publisher.
        final_snapshot: json || periodic,
        print_aggregations: !json,
        newline_on_stop: !json,
    };
    crate::dtrace::signals::install();
    if output.until_stdin_closes {
        std::thread::spawn(|| {
            let _ = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink());
            crate::dtrace::signals::STOP.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    let mut clock = crate::history::RunClock::default();
    let result = prepared.consumer.run(
        &settings,
        &crate::dtrace::signals::STOP,
        Some(&crate::dtrace::signals::ABORT),
        &mut |event| {
            // One clock for the recording and the messages: seconds since
            // tracing started, held at the stop.
            match event {
                RunEvent::Started => clock.start(),
                RunEvent::Stopping => clock.stop(),
                _ => {}
            }
            let t = clock.now();
            if let Some(r) = &mut recorder
                && !r.write(&event, t, err)
            {
                recorder = None;
            }
            if let Some(p) = &mut publishing
                && let Err(e) = p.send(&event, t)
            {
                let _ = writeln!(err, "dscope: {e}; the run goes on without publishing");
                publishing = None;
            }
            match event {
                RunEvent::Output(line) if json => report.output.push(line),
                RunEvent::Output(line) => {
                    let _ = writeln!(out, "{line}");
                }
                RunEvent::Snapshot(snap) => report.aggregations = snap.aggregations,
                RunEvent::RuntimeError(m) | RunEvent::Problem(m) => {
                    let _ = writeln!(err, "dscope: {}", m.trim_start_matches("dtrace: "));
                    report.errors.push(m);
                }
                RunEvent::Notice(m) => {
                    if !quiet {
                        let _ = writeln!(err, "dscope: {m}");
                    }
                }
                RunEvent::Started | RunEvent::Stopping => {}
                RunEvent::Pace(every) => {
                    let asked = snapshot_every.unwrap_or(every);
                    let _ = writeln!(err, "dscope: {}", pace_notice(every, asked));
                }
                RunEvent::Drop { count, message } => {
                    let _ = writeln!(err, "dscope: {}", message.trim_start_matches("dtrace: "));
                    report.drops.push(DropReport { count, message });
                }
            }
        },
    );
    let code = match result {
        Ok(end) => {
            report.finish = Some(end);
            match end {
                RunEnd::Exited { status } => exit_code(status),
                RunEnd::TimeUp | RunEnd::Stopped | RunEnd::TargetExited => EXIT_OK,
            }
        }
        Err(e) => {
            report.errors.push(e.to_string());
            if privileges_missing() {
                privilege_failure(err, "could not enable tracing", &e.to_string()).code
            } else {
                let _ = writeln!(err, "dscope: could not enable tracing: {e}");
                EXIT_SCRIPT_ERRORS
            }
        }
    };
    if let Some(r) = recorder.take_if(|r| r.recorder.is_empty()) {
        // Tracing never started: no recording, rather than an empty file.
        let _ = std::fs::remove_file(r.path);
    }
    if let Some(r) = &mut recorder {
        let failed = match (&report.finish, report.errors.last()) {
            (Some(end), _) => r.recorder.end(clock.now(), *end),
            (None, Some(e)) => r.recorder.error(clock.now(), e),
            (None, None) => Ok(()),
        };
        if let Err(e) = failed {
            let _ = writeln!(
                err,
                "dscope: cannot write the recording {}: {e}",
                r.path.display()
            );
        }
    }
    if let Some(mut p) = publishing {
        let end = crate::amqp::Body::end(
            report.finish.as_ref(),
            report.errors.last().map(String::as_str),
        );
        let message = crate::amqp::Message::new(&p.host, &p.script, clock.now(), end);
        if let Err(e) = p.publisher.publish(&message) {
            let _ = writeln!(err, "dscope: {e}");
        }
        p.publisher.close();
    }
    if json && let Err(failed) = print_json(&report, out, err) {
        return failed;
    }
    let _ = out.flush();
    code
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

/// A run's snapshots going to an AMQP exchange.
struct Publishing {
    publisher: crate::amqp::Publisher,
    host: String,
    script: String,
}

impl Publishing {
    /// Publishes `event` if it is a snapshot, `t` seconds into the run.
    fn send(&mut self, event: &RunEvent, t: f64) -> Result<(), String> {
        let RunEvent::Snapshot(s) = event else {
            return Ok(());
        };
        let body = crate::amqp::Body::Snapshot {
            snapshot: s.clone(),
        };
        let message = crate::amqp::Message::new(&self.host, &self.script, t, body);
        self.publisher.publish(&message)
    }
}

/// `dscope report`: a recording's history on `out`, in `format`. What was
/// wrong with the file (cut off, newer, lines it cannot read) goes to
/// `err` and what could be read is printed all the same; a file that is
/// no recording at all exits 2.
pub fn report(
    path: &Path,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match crate::history::recording::read(path, usize::MAX) {
        Ok(rec) => {
            for p in &rec.problems {
                let _ = writeln!(err, "dscope: {p}");
            }
            let _ = out.write_all(crate::history::report::render(&rec, format).as_bytes());
            let _ = out.flush();
            EXIT_OK
        }
        Err(e) => fail(err, EXIT_CANNOT, &e).code,
    }
}

/// A run being recorded.
struct Recording<'p> {
    path: &'p Path,
    recorder: Recorder<std::io::BufWriter<std::fs::File>>,
}

impl Recording<'_> {
    /// Records an event, `t` seconds into the run; false (after saying
    /// so) when the file cannot be written any more, and the run goes on
    /// without it.
    fn write(&mut self, event: &RunEvent, t: f64, err: &mut dyn Write) -> bool {
        let written = match event {
            RunEvent::Started => self.recorder.begin(),
            RunEvent::Snapshot(s) => self.recorder.snapshot(t, s),
            RunEvent::Output(line) => self.recorder.output(t, line),
            RunEvent::RuntimeError(m) | RunEvent::Problem(m) => self.recorder.error(t, m),
            RunEvent::Drop { count, message } => self.recorder.drop(t, *count, message),
            RunEvent::Stopping | RunEvent::Notice(_) | RunEvent::Pace(_) => Ok(()),
        };
        match written {
            Ok(()) => true,
            Err(e) => {
                let _ = writeln!(
                    err,
                    "dscope: cannot write the recording {}: {e}; the run goes on without it",
                    self.path.display()
                );
                false
            }
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
