//! The local transport: each check and run in a run worker process of
//! its own (`dscope __run-worker`, because Linux DTrace sets up its BPF
//! maps once per process and cannot run a second script in the same one),
//! probe listings on a consumer in this process. Both halves are here: the
//! session's side, which starts the worker and relays its events, and the
//! worker's, which prepares the job ([`crate::job::prepare`]) and writes
//! its events as protocol lines.

use super::relay::{Decoded, Peer, Progress, Relayed};
use super::{Command, Event, RUN_WORKER_ARG, STOP_GRACE, STOP_UNSEEN, Worker};
use crate::dtrace::{Consumer, Library, RunSettings};
use crate::job::{JobError, with_privileges};
use crate::lines::{self, BoundedLines, Line, Long, MAX_MESSAGE, MAX_TEXT};
use crate::model::{Diagnostic, Finish, RunEnd};
use crate::protocol::write_line;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

impl Worker {
    pub(super) fn serve(self, program: PathBuf) {
        let mut library: Option<Result<Library, String>> = None;
        while let Ok((job, command)) = self.commands.recv() {
            match &command {
                Command::Run { .. } => {
                    let reason = self.in_child(&program, job, &command.to_request(job));
                    self.running.store(false, Ordering::SeqCst);
                    self.emit(job, Event::Finished(reason));
                    continue;
                }
                // libdtrace aborts the process on some internal errors while
                // preparing a program (an assert() on Linux), so checks are
                // kept out of dscope's own process too.
                Command::Check(_) => {
                    let _ = self.in_child(&program, job, &command.to_request(job));
                    continue;
                }
                _ => {}
            }
            // Loaded on first use, so a session costs nothing until then.
            let lib = library.get_or_insert_with(|| {
                Library::load().map_err(|e| e.to_string().trim_end().to_owned())
            });
            let lib = match lib {
                Ok(lib) => lib,
                Err(why) => {
                    self.fail(job, command, why.clone());
                    continue;
                }
            };
            // A panic in a job must not take the session down with it.
            let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                in_process_job(lib, &command)
            }))
            .unwrap_or_else(|_| Event::Failed("internal error while talking to DTrace".into()));
            self.emit(job, answer);
        }
    }

    /// Runs or checks a script in a child process and relays its events.
    fn in_child(
        &self,
        program: &std::path::Path,
        job: u64,
        request: &crate::protocol::Request,
    ) -> Finish {
        let mut worker = match RunWorker::start(program) {
            Ok(w) => w,
            Err(e) => {
                let why = format!("cannot start {}: {e}", program.display());
                self.emit(job, Event::Failed(why.clone()));
                return Err(why);
            }
        };
        worker.duration = match request {
            crate::protocol::Request::Run { duration_ms, .. } => {
                duration_ms.map(Duration::from_millis)
            }
            _ => None,
        };
        if let Some(stdin) = &mut worker.stdin {
            write_line(stdin, request);
        }
        let relayed = self.relay(&mut worker, job, request);
        let (status, stderr_tail) = worker.wait();
        match relayed {
            Relayed::Finished(reason) => reason,
            // A check's answer came; what the worker said after it is its
            // end, which a check does not report.
            Relayed::Answered => Ok(RunEnd::Exited { status: 0 }),
            Relayed::GaveUp(why) => {
                self.emit(job, Event::Failed(why.clone()));
                Err(why)
            }
            Relayed::Closed => {
                let said = crate::troubleshooting::WORKER_CRASHED.says;
                let mut why = format!("{} ({status})", said.trim_end_matches(" (…)"));
                if !stderr_tail.is_empty() {
                    why.push_str(": ");
                    why.push_str(&stderr_tail);
                }
                self.emit(job, Event::Failed(why.clone()));
                Err(why)
            }
        }
    }
}

/// A run worker process (`dscope __run-worker`) and the threads that read
/// its output (the protocol's lines) and the tail of its standard error.
struct RunWorker {
    child: std::process::Child,
    /// Closed to stop the run, after a `stop` line.
    stdin: Option<std::process::ChildStdin>,
    lines: crossbeam_channel::Receiver<Line>,
    reader: std::thread::JoinHandle<()>,
    err_reader: std::thread::JoinHandle<String>,
    stop_asked: Option<Instant>,
    /// How long the run was asked to trace.
    duration: Option<Duration>,
}

impl RunWorker {
    fn start(program: &std::path::Path) -> std::io::Result<RunWorker> {
        let mut child = std::process::Command::new(program)
            .arg(RUN_WORKER_ARG)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        // Lines from the child, read on their own threads so that the
        // session's can watch the stop flag.
        let (line_tx, lines) = crossbeam_channel::bounded::<Line>(1024);
        let reader = std::thread::spawn(move || {
            let stdout = std::io::BufReader::new(stdout);
            for line in BoundedLines::new(stdout, MAX_MESSAGE, Long::Refuse) {
                if line_tx.send(line).is_err() {
                    break;
                }
            }
        });
        let err_reader = std::thread::spawn(move || {
            let mut tail = std::collections::VecDeque::new();
            let stderr = std::io::BufReader::new(stderr);
            for line in BoundedLines::new(stderr, MAX_TEXT, Long::Split) {
                let Line::Text(line) = line else { continue };
                if tail.len() == 20 {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
            Vec::from(tail).join("\n")
        });
        Ok(RunWorker {
            child,
            stdin: Some(stdin),
            lines,
            reader,
            err_reader,
            stop_asked: None,
            duration: None,
        })
    }

    /// Waits for the worker to end: its exit status and the last lines of
    /// its standard error.
    fn wait(mut self) -> (String, String) {
        drop(self.stdin.take());
        let status = self
            .child
            .wait()
            .map(|s| s.to_string())
            .unwrap_or_else(|e| e.to_string());
        let _ = self.reader.join();
        (status, self.err_reader.join().unwrap_or_default())
    }
}

impl Peer for RunWorker {
    fn lines(&self) -> &crossbeam_channel::Receiver<Line> {
        &self.lines
    }

    /// Asks the run to stop (END runs, the probes are disabled); kills the
    /// worker when that takes longer than [`STOP_GRACE`].
    fn ask_to_stop(&mut self) -> Result<(), String> {
        if self.stop_asked.is_none() {
            self.stop_asked = Some(Instant::now());
            if let Some(mut s) = self.stdin.take() {
                let _ = writeln!(s, "stop");
            }
        }
        if self.stop_asked.is_some_and(|t| t.elapsed() > STOP_GRACE) {
            let _ = self.child.kill();
        }
        Ok(())
    }

    /// Ends a worker that has not begun stopping [`STOP_UNSEEN`] after
    /// Stop or after its duration, and has said nothing for as long, and
    /// says why. One still being read from is not stuck in libdtrace,
    /// however far behind its Stopping is (a run that floods output has a
    /// queue of lines before it).
    fn overdue(&mut self, progress: &Progress) -> Option<String> {
        if progress.stopping || progress.heard.elapsed() <= STOP_UNSEEN {
            return None;
        }
        let what = match (self.stop_asked, progress.started, self.duration) {
            (Some(t), ..) if t.elapsed() > STOP_UNSEEN => "Stop",
            (_, Some(s), Some(d)) if s.elapsed() > d + STOP_UNSEEN => "the end of its time",
            _ => return None,
        };
        let _ = self.child.kill();
        Some(format!(
            "libdtrace had not returned {} s after {what}, so dscope ended the run (its probes \
             went with it); what arrived until then is kept. libdtrace can stay that long in \
             one aggregation snapshot, grabbing the process of every ufunc(), umod() or usym() \
             key when many processes come and go",
            STOP_UNSEEN.as_secs()
        ))
    }

    fn decode(&self, line: String) -> Decoded {
        match serde_json::from_str::<Event>(&line) {
            Ok(event) => Decoded::Event(event),
            Err(_) => Decoded::Foreign(line),
        }
    }

    /// Anything else on the protocol's descriptor is output that found
    /// its way there (system(), a traced command): shown as output.
    fn foreign(&self, line: String) -> Event {
        Event::Output(line)
    }

    fn too_long(&self, limit: usize) -> Event {
        Event::Problem(lines::too_long("the run worker", limit))
    }
}

/// libdtrace keeps process-wide state, so even separate sessions (as in
/// tests) take turns.
static IN_PROCESS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// A probe listing or a probe's argument types, on a consumer of its own.
fn in_process_job(lib: &Library, command: &Command) -> Event {
    let _turn = IN_PROCESS.lock().unwrap_or_else(|p| p.into_inner());
    match command {
        Command::ListProbes => Event::Probes(
            Consumer::open(lib)
                .and_then(|mut c| c.list_probes())
                .map_err(|e| e.to_string()),
        ),
        Command::ListTargetProbes(pid) => Event::Probes(
            Consumer::open(lib)
                .and_then(|mut c| c.list_process_probes(*pid))
                .map_err(|e| e.to_string()),
        ),
        Command::ProbeArgs(probe) => Event::ProbeArgs {
            probe: probe.clone(),
            types: Consumer::open(lib)
                .and_then(|mut c| c.probe_arg_types(probe))
                .map_err(|e| e.to_string()),
        },
        Command::Check(_) | Command::Run { .. } => {
            unreachable!("checks and runs go to a child process")
        }
    }
}

/// `dscope __run-worker`: reads one `check` or `run` request of the agent
/// protocol ([`crate::protocol::Request`]), does it, and writes
/// [`Event`]s as JSON lines, the last one `Finished`. A `stop` line, or the
/// end of the input, stops the run.
///
/// The events go out on the descriptor that was standard output when the
/// worker started; standard output itself becomes a pipe whose text is
/// sent as [`Event::Output`] in order with the trace output, because
/// system() and a traced command (`Target::Command`) write there.
pub fn run_worker_main(input: impl BufRead + Send + 'static) -> u8 {
    let (mut protocol, captured) = match crate::dtrace::run::CapturedStdout::start() {
        Ok((file, captured)) => (
            Box::new(std::io::BufWriter::new(file)) as Box<dyn Write>,
            Some(captured),
        ),
        // Without the pipe, system() output would garble the protocol;
        // the run still works, that output shows as output lines.
        Err(_) => (Box::new(std::io::stdout()) as Box<dyn Write>, None),
    };
    worker(input, &mut *protocol, captured)
}

fn worker(
    input: impl BufRead + Send + 'static,
    output: &mut dyn Write,
    captured: Option<Arc<crate::dtrace::run::CapturedStdout>>,
) -> u8 {
    let mut input = BoundedLines::new(input, MAX_MESSAGE, Long::Refuse);
    let emit = |out: &mut dyn Write, e: &Event| write_line(out, e);
    let request: crate::protocol::Request = match input.next_line() {
        Some(Line::Text(first)) => match serde_json::from_str(&first) {
            Ok(r) => r,
            Err(e) => {
                let why = format!("bad run request: {e}");
                emit(output, &Event::Finished(Err(why)));
                return 2;
            }
        },
        Some(Line::TooLong { limit }) => {
            let why = format!("bad run request: {}", lines::too_long("the client", limit));
            emit(output, &Event::Finished(Err(why)));
            return 2;
        }
        None => return 2,
    };
    // The same stop path as `dscope run`'s: a SIGINT or SIGTERM (the
    // terminal's ^C reaches the whole process group, this process too)
    // stops the run as the end of the input does, with END and detaching.
    let stop: &'static AtomicBool = &crate::dtrace::signals::STOP;
    crate::dtrace::signals::install();
    std::thread::spawn(move || {
        // Any line, or the end of input, means stop.
        let _ = input.next_line();
        stop.store(true, Ordering::SeqCst);
    });
    let reason = match Library::load() {
        Err(e) => {
            let why = e.to_string().trim_end().to_owned();
            emit(output, &Event::Failed(why.clone()));
            Err(why)
        }
        Ok(lib) => run_in_this_process(&lib, &request, stop, captured, &mut |e| {
            if !emit(output, &e) {
                // Nobody reads our output any more.
                stop.store(true, Ordering::SeqCst);
            }
        }),
    };
    emit(output, &Event::Finished(reason));
    0
}

fn run_in_this_process(
    lib: &Library,
    request: &crate::protocol::Request,
    stop: &AtomicBool,
    captured: Option<Arc<crate::dtrace::run::CapturedStdout>>,
    emit: &mut dyn FnMut(Event),
) -> Finish {
    use crate::protocol::Request;
    let (script, check_only, duration_ms, snapshot_ms) = match request {
        Request::Check { script, .. } => (script, true, None, 0),
        Request::Run {
            script,
            duration_ms,
            snapshot_ms,
            ..
        } => (script, false, *duration_ms, *snapshot_ms),
        _ => return Err("a run worker only checks and runs scripts".into()),
    };
    let prepared = crate::job::prepare(lib, script).and_then(|p| {
        if check_only || script.destructive || !p.consumer.destructive_allowed() {
            Ok(p)
        } else {
            Err(JobError::Script(destructive_pragma_refused(&script.source)))
        }
    });
    let mut consumer = match prepared {
        Ok(p) if check_only => {
            emit(Event::Checked {
                matches: p.compiled.matches,
            });
            return Ok(RunEnd::Exited { status: 0 });
        }
        Ok(p) => {
            emit(Event::Enabling {
                matches: p.compiled.matches,
            });
            p.consumer
        }
        Err(JobError::Script(d)) => {
            let why = d.message.clone();
            emit(Event::Diagnostics(vec![d]));
            return Err(why);
        }
        Err(JobError::Cannot(m) | JobError::Refused(m)) => {
            emit(Event::Failed(m.clone()));
            return Err(m);
        }
    };
    let settings = RunSettings {
        duration: duration_ms.map(Duration::from_millis),
        snapshot_every: Some(Duration::from_millis(snapshot_ms.max(100))),
        final_snapshot: true,
        print_aggregations: false,
        newline_on_stop: false,
    };
    if let Some(captured) = captured {
        consumer.capture_stdout(captured);
    }
    let abort = &crate::dtrace::signals::ABORT;
    let mut changes = crate::model::changes::ChangeEncoder::default();
    let result = consumer.run(&settings, stop, Some(abort), &mut |event| {
        emit(match event {
            Event::Snapshot(s) => Event::SnapshotChanges(changes.encode(&s)),
            other => other,
        })
    });
    match result {
        Ok(end) => Ok(end),
        Err(e) => {
            let m = with_privileges(e.to_string());
            emit(Event::Failed(m.clone()));
            Err(m)
        }
    }
}

/// The script set the `destructive` option itself (a pragma, possibly
/// hidden where the editor's scan cannot see it), but the user did not
/// allow destructive actions for this run: libdtrace would run them.
fn destructive_pragma_refused(source: &str) -> Diagnostic {
    let t = crate::troubleshooting::DESTRUCTIVE_PRAGMA;
    let line = crate::lang::complete::destructive_pragma_line(source).unwrap_or(0);
    Diagnostic::error(line, format!("{} {}", t.says, t.fix))
}
