//! The one thread that talks to libdtrace.
//!
//! libdtrace is not thread-safe and its compiler keeps process-wide state,
//! so every call into it happens on the worker thread started by
//! [`Session::start`]. The caller (the UI) sends commands and polls events
//! over channels and never blocks: Stop is a flag the run loop checks after
//! every work call, so it takes effect while a run is in progress.
//!
//! Probe listings run on the worker with a fresh consumer each. Checks and
//! runs go one step further, into a child process (`dscope __run-worker`)
//! that the worker drives over pipes: Linux DTrace creates its BPF maps
//! once per process, so a second run in the same process fails, and a
//! child keeps a libdtrace crash (it abort()s on some internal errors while
//! preparing a program) away from the user's unsaved text.
//! When the child's input closes (the window closed, or dscope died), it
//! stops the run, so probes never stay enabled.

use crate::dtrace::{CompileError, Consumer, DtraceError, Library, RunEvent, RunSettings};
use crate::fleet::run::{FleetRun, Member};
use crate::job::with_privileges;
use crate::lines::{self, BoundedLines, Line, Long, MAX_MESSAGE, MAX_TEXT};
use crate::model::{Diagnostic, Probe, Snapshot};
use crossbeam_channel::{Receiver, Sender};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A script and how to compile it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Script {
    pub source: String,
    /// What messages call it (its file name).
    pub name: String,
    /// `-x` options: name and optional value, passed to libdtrace as is.
    pub options: Vec<(String, Option<String>)>,
    /// Macro arguments `$1`, `$2`, ...
    pub args: Vec<String>,
    /// Allow destructive actions (`system()`, `raise()`, ...).
    pub destructive: bool,
    /// The process `$target` names, as `dtrace -c` or `-p` give it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

/// The process a run traces as `$target`.
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

/// What the worker is asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Compile only; answers with [`Event::Checked`] or
    /// [`Event::Diagnostics`].
    Check(Script),
    /// Compile and run; `duration: None` runs until the script exits or
    /// Stop. Snapshots of the aggregations come every `snapshot_every`.
    Run {
        script: Script,
        duration: Option<Duration>,
        snapshot_every: Duration,
    },
    /// List every probe (answered with [`Event::Probes`]).
    ListProbes,
    /// List the `pid<PID>:::` probes of a running process: the entry and
    /// return of each function in each module it has mapped (answered with
    /// [`Event::Probes`]), for choosing what to trace with `Target::Pid`.
    ListTargetProbes(i32),
    /// The argument types of a probe (answered with [`Event::ProbeArgs`]).
    ProbeArgs(Probe),
}

impl Command {
    /// The agent protocol's request for it.
    fn to_request(&self, job: u64) -> crate::agent::Request {
        use crate::agent::Request;
        match self {
            Command::Check(script) => Request::Check {
                job,
                script: script.clone(),
            },
            Command::Run {
                script,
                duration,
                snapshot_every,
            } => Request::Run {
                job,
                script: script.clone(),
                duration_ms: duration.map(|d| d.as_millis() as u64),
                snapshot_ms: snapshot_every.as_millis() as u64,
            },
            Command::ListProbes => Request::Probes { job },
            Command::ListTargetProbes(pid) => Request::TargetProbes { job, pid: *pid },
            Command::ProbeArgs(probe) => Request::ProbeArgs {
                job,
                probe: probe.clone(),
            },
        }
    }
}

/// How a run ended, or why it failed: the one vocabulary of a run's end,
/// which the events, reports, recordings and AMQP messages share.
pub use crate::model::{Finish, RunEnd};

/// What the worker reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The script does not compile.
    Diagnostics(Vec<Diagnostic>),
    /// The script compiles and would enable this many probes.
    Checked {
        matches: u32,
    },
    /// Compiled; this many probes are being enabled now (which can take
    /// many seconds). [`Event::Started`] follows once tracing runs.
    Enabling {
        matches: u32,
    },
    /// Probes enabled and tracing (after `dtrace_go`): the run's clock
    /// starts here.
    Started {
        matches: u32,
    },
    /// The run is ending (time up, Stop, or the script's exit()): END
    /// clauses run and probes are detached, then [`Event::Finished`].
    Stopping,
    Output(String),
    Snapshot(Snapshot),
    /// A snapshot as what changed since the run's last one: how a run
    /// worker and an agent send them (a large aggregation that barely
    /// changes costs little). The session turns these back into
    /// [`Event::Snapshot`]s; its users never see one.
    SnapshotChanges(crate::model::changes::Changes),
    Drop {
        count: u64,
        message: String,
    },
    RuntimeError(String),
    /// Something dscope could not read or show; the run goes on.
    Problem(String),
    Finished(Finish),
    /// Live snapshots now come every `every_ms` milliseconds: more seldom
    /// than asked for while one costs more than half the interval asked
    /// for (many stack keys), and as asked again once it no longer does.
    Pace {
        every_ms: u64,
    },
    Probes(Result<Vec<Probe>, String>),
    /// `args[]` types of a probe, like `dtrace -lv`.
    ProbeArgs {
        probe: Probe,
        types: Result<Vec<String>, String>,
    },
    /// The job could not be done at all (no libdtrace, no privileges, a
    /// bad option).
    Failed(String),
}

/// An event and the job it answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionEvent {
    pub job: u64,
    /// The host of a fleet that said it; `None` for what the session
    /// itself says (every event of a session on one machine). Whoever
    /// shows it to a person puts the name in the text.
    pub host: Option<String>,
    pub event: Event,
}

/// Called after each event is sent, so a UI can wake up and repaint.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// The UI's side of the worker.
pub struct Session {
    /// The host it works on, `None` for this machine.
    host: Option<String>,
    commands: Option<Sender<(u64, Command)>>,
    events: Receiver<SessionEvent>,
    stop: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    next_job: u64,
}

/// Events waiting to be read beyond this make the worker wait (and
/// libdtrace report drops) rather than grow memory without bound.
const EVENT_BACKLOG: usize = 16 * 1024;

/// The hidden subcommand that runs one script for a session.
pub const RUN_WORKER_ARG: &str = "__run-worker";

impl Session {
    /// Starts the worker. `program` is the dscope executable, which runs
    /// scripts as `program __run-worker`.
    pub fn start(program: PathBuf, waker: Option<Waker>) -> Session {
        Session::begin(Transport::Local(program), waker)
    }

    /// Starts a session whose jobs run on another machine, with `dscope
    /// agent` started there through ssh. It connects on the first job, and
    /// again after a connection is lost.
    pub fn start_remote(at: crate::remote::Endpoint, waker: Option<Waker>) -> Session {
        Session::begin(Transport::Remote(at), waker)
    }

    /// Starts a session whose checks and runs happen on every one of
    /// `hosts` at once (see [`Worker::serve_fleet`]): its events are the
    /// fleet's, merged, as if it were one machine.
    pub fn start_fleet(hosts: Vec<crate::remote::Endpoint>, waker: Option<Waker>) -> Session {
        Session::begin(Transport::Fleet(hosts), waker)
    }

    fn begin(transport: Transport, waker: Option<Waker>) -> Session {
        let (cmd_tx, cmd_rx) = crossbeam_channel::unbounded();
        let (ev_tx, ev_rx) = crossbeam_channel::bounded(EVENT_BACKLOG);
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::new(AtomicBool::new(false));
        let host = match &transport {
            Transport::Local(_) => None,
            Transport::Remote(at) => Some(at.host.to_string()),
            Transport::Fleet(hosts) => Some(
                hosts
                    .iter()
                    .map(|h| h.host.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        };
        let worker = Worker {
            commands: cmd_rx,
            events: ev_tx,
            stop: stop.clone(),
            running: running.clone(),
            waker,
        };
        // Detached: see Drop.
        std::thread::Builder::new()
            .name("dscope-dtrace".into())
            .spawn(move || match transport {
                Transport::Local(program) => worker.serve(program),
                Transport::Remote(at) => worker.serve_remote(&at),
                Transport::Fleet(hosts) => worker.serve_fleet(hosts),
            })
            .expect("a thread can be started");
        Session {
            host,
            commands: Some(cmd_tx),
            events: ev_rx,
            stop,
            running,
            next_job: 1,
        }
    }

    /// The host the session works on (as given), `None` for this machine.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    fn send(&mut self, command: Command) -> u64 {
        let job = self.next_job;
        self.next_job += 1;
        if let Some(tx) = &self.commands {
            let _ = tx.send((job, command));
        }
        job
    }

    /// Queues a compile-only check; returns its job number.
    pub fn check(&mut self, script: Script) -> u64 {
        self.send(Command::Check(script))
    }

    /// Starts a run, unless one is active.
    pub fn run(
        &mut self,
        script: Script,
        duration: Option<Duration>,
        snapshot_every: Duration,
    ) -> Result<u64, String> {
        if self.is_running() {
            return Err("A script is already running; stop it before starting another.".into());
        }
        self.stop.store(false, Ordering::SeqCst);
        // Marked here, not by the worker, so that a second Run right after
        // this one is refused even before the worker picks it up.
        self.running.store(true, Ordering::SeqCst);
        Ok(self.send(Command::Run {
            script,
            duration,
            snapshot_every,
        }))
    }

    /// Asks the active run to stop: END clauses run and the final
    /// aggregations are sent before [`Event::Finished`].
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    pub fn list_probes(&mut self) -> u64 {
        self.send(Command::ListProbes)
    }

    /// Queues a listing of process `pid`'s `pid<PID>:::` probes; answered
    /// with [`Event::Probes`] (an error when there is no such process).
    pub fn list_target_probes(&mut self, pid: i32) -> u64 {
        self.send(Command::ListTargetProbes(pid))
    }

    pub fn probe_args(&mut self, probe: Probe) -> u64 {
        self.send(Command::ProbeArgs(probe))
    }

    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<SessionEvent> {
        self.events.try_recv().ok()
    }

    /// Waits up to `timeout` for the next event (for tests and the CLI).
    pub fn recv_timeout(&self, timeout: Duration) -> Option<SessionEvent> {
        self.events.recv_timeout(timeout).ok()
    }
}

impl Drop for Session {
    /// Stops any run without waiting for it: the window closes at once.
    /// The run's process finishes on its own (END clauses run, probes are
    /// disabled), and it stops even if dscope exits first, because its
    /// input then closes.
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.commands = None;
        // Unblocks a worker waiting for room in the event channel.
        let (_, dead) = crossbeam_channel::bounded(0);
        drop(std::mem::replace(&mut self.events, dead));
    }
}

/// Where a session's jobs run.
enum Transport {
    /// Here: `program` is this dscope, run as its run worker.
    Local(PathBuf),
    /// On a host, through `dscope agent` there.
    Remote(crate::remote::Endpoint),
    /// On each of several hosts at once, merged.
    Fleet(Vec<crate::remote::Endpoint>),
}

struct Worker {
    commands: Receiver<(u64, Command)>,
    events: Sender<SessionEvent>,
    stop: Arc<AtomicBool>,
    running: Arc<AtomicBool>,
    waker: Option<Waker>,
}

/// How long a run worker may go on tracing after Stop, or after its
/// duration, without saying it is stopping: it checks both at least once a
/// second between libdtrace's work calls, so one that has not by then is
/// inside a work call that does not return (libdtrace's aggregation
/// snapshot grabs the process of every `ufunc`/`umod`/`usym` key, which
/// under many short-lived processes has taken minutes), and is ended.
const STOP_UNSEEN: Duration = Duration::from_secs(5);

/// How long a stopped run may take to finish (END clauses, detaching
/// probes: enabling every syscall probe takes tens of seconds to undo on
/// some kernels) before its process is killed.
const STOP_GRACE: Duration = Duration::from_secs(90);

/// How long a host may take to acknowledge Stop (its first event after
/// it) before the connection is closed; closing it stops the run there
/// too, once the host notices.
const STOP_ANSWER: Duration = Duration::from_secs(10);

impl Worker {
    /// Sends an event; false when nobody listens any more.
    fn emit(&self, job: u64, event: Event) -> bool {
        self.emit_from(job, None, event)
    }

    /// Sends an event a fleet's host said.
    fn emit_from(&self, job: u64, host: Option<&str>, event: Event) -> bool {
        let host = host.map(str::to_owned);
        let sent = self.events.send(SessionEvent { job, host, event }).is_ok();
        if let Some(w) = &self.waker {
            w();
        }
        sent
    }

    fn serve(self, program: PathBuf) {
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

    /// Serves the session's jobs on a host, one at a time as locally,
    /// over one connection to `dscope agent` there that is made on the
    /// first job and again after it is lost.
    fn serve_remote(self, at: &crate::remote::Endpoint) {
        let mut connection: Option<crate::agent::Connection> = None;
        while let Ok((job, command)) = self.commands.recv() {
            let request = command.to_request(job);
            let is_run = matches!(command, Command::Run { .. });
            if connection.is_none() {
                let stopped = || is_run && self.stop.load(Ordering::SeqCst);
                match crate::agent::Connection::open(at, &stopped) {
                    Ok(c) => connection = Some(c),
                    Err(why) => {
                        self.fail(job, command, why);
                        continue;
                    }
                }
            }
            let Some(c) = connection.as_mut() else {
                continue;
            };
            if let Err(why) = c.send(&request) {
                connection = None;
                self.fail(job, command, why);
                continue;
            }
            match self.relay(c, job, &request) {
                Ok(()) => {}
                Err(why) => {
                    connection = None;
                    self.fail(job, command, why);
                }
            }
        }
    }

    /// Passes on the agent's events for `job` until its last one; an error
    /// when the connection ends first, or does not answer Stop.
    fn relay(
        &self,
        c: &mut crate::agent::Connection,
        job: u64,
        request: &crate::agent::Request,
    ) -> Result<(), String> {
        let is_run = matches!(request, crate::agent::Request::Run { .. });
        let mut stop_sent: Option<std::time::Instant> = None;
        let mut snapshots = Wholes::default();
        let mut answered = false;
        loop {
            if is_run && self.stop.load(Ordering::SeqCst) && stop_sent.is_none() {
                stop_sent = Some(std::time::Instant::now());
                c.send(&crate::agent::Request::Stop)?;
            }
            if !answered && stop_sent.is_some_and(|t| t.elapsed() > STOP_ANSWER) {
                let why = format!(
                    "{} did not answer Stop within {} s, so dscope closed the connection; the \
                     run there stops when the host sees it closed",
                    c.name(),
                    STOP_ANSWER.as_secs()
                );
                c.close();
                return Err(why);
            }
            let line = match c.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => line,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Err(c.lost()),
            };
            answered |= stop_sent.is_some();
            let line = match line {
                Line::Text(line) => line,
                Line::TooLong { limit } => {
                    let why = lines::too_long("its agent", limit);
                    self.emit(job, Event::Problem(format!("{}: {why}", c.name())));
                    continue;
                }
            };
            let Ok(reply) = serde_json::from_str::<crate::agent::Reply>(&line) else {
                // Not the protocol's: something on the host wrote to the
                // agent's output.
                self.emit(job, Event::Problem(format!("{}: {line}", c.name())));
                continue;
            };
            if reply.job != job {
                continue;
            }
            let done = crate::agent::ends(request, &reply.event);
            if matches!(reply.event, Event::Finished(_)) {
                self.running.store(false, Ordering::SeqCst);
            }
            if !self.emit(job, snapshots.whole(reply.event)) && is_run {
                self.stop.store(true, Ordering::SeqCst);
            }
            if done {
                return Ok(());
            }
        }
    }

    /// Answers `command` with `why`: the job cannot be done at all.
    fn fail(&self, job: u64, command: Command, why: String) {
        match command {
            Command::ListProbes | Command::ListTargetProbes(_) => {
                self.emit(job, Event::Probes(Err(why)));
            }
            Command::ProbeArgs(probe) => {
                self.emit(
                    job,
                    Event::ProbeArgs {
                        probe,
                        types: Err(why),
                    },
                );
            }
            Command::Check(_) => {
                self.emit(job, Event::Failed(why));
            }
            Command::Run { .. } => {
                self.emit(job, Event::Failed(why.clone()));
                self.running.store(false, Ordering::SeqCst);
                self.emit(job, Event::Finished(Err(why)));
            }
        }
    }

    /// Runs or checks a script in a child process and relays its events.
    fn in_child(
        &self,
        program: &std::path::Path,
        job: u64,
        request: &crate::agent::Request,
    ) -> Finish {
        let spawned = std::process::Command::new(program)
            .arg(RUN_WORKER_ARG)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => {
                let why = format!("cannot start {}: {e}", program.display());
                self.emit(job, Event::Failed(why.clone()));
                return Err(why);
            }
        };
        let mut stdin = child.stdin.take().expect("piped");
        let stdout = child.stdout.take().expect("piped");
        let stderr = child.stderr.take().expect("piped");
        let duration = match request {
            crate::agent::Request::Run { duration_ms, .. } => {
                duration_ms.map(Duration::from_millis)
            }
            _ => None,
        };
        let request = serde_json::to_string(request).expect("serializable");
        let _ = writeln!(stdin, "{request}").and_then(|_| stdin.flush());

        // Lines from the child, read on their own threads so that this one
        // can watch the stop flag.
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

        let mut stdin = Some(stdin);
        let mut stop_asked: Option<std::time::Instant> = None;
        let mut snapshots = Wholes::default();
        let mut finish: Option<Finish> = None;
        let mut started: Option<std::time::Instant> = None;
        let mut stopping = false;
        let mut forced: Option<String> = None;
        loop {
            if self.stop.load(Ordering::SeqCst) && stop_asked.is_none() {
                stop_asked = Some(std::time::Instant::now());
                if let Some(mut s) = stdin.take() {
                    let _ = writeln!(s, "stop");
                }
            }
            if stop_asked.is_some_and(|t| t.elapsed() > STOP_GRACE) {
                let _ = child.kill();
            }
            if forced.is_none() && !stopping {
                let unseen = match (stop_asked, started, duration) {
                    (Some(t), ..) if t.elapsed() > STOP_UNSEEN => Some("Stop"),
                    (_, Some(s), Some(d)) if s.elapsed() > d + STOP_UNSEEN => {
                        Some("the end of its time")
                    }
                    _ => None,
                };
                if let Some(what) = unseen {
                    let _ = child.kill();
                    forced = Some(format!(
                        "libdtrace had not returned {} s after {what}, so dscope ended the run \
                         (its probes went with it); what arrived until then is kept. libdtrace \
                         can stay that long in one aggregation snapshot, grabbing the process \
                         of every ufunc(), umod() or usym() key when many processes come and go",
                        STOP_UNSEEN.as_secs()
                    ));
                }
            }
            match lines.recv_timeout(Duration::from_millis(50)) {
                Ok(Line::TooLong { limit }) => {
                    let why = lines::too_long("the run worker", limit);
                    self.emit(job, Event::Problem(why));
                }
                Ok(Line::Text(line)) => match serde_json::from_str::<Event>(&line) {
                    Ok(Event::Finished(reason)) => finish = Some(reason),
                    Ok(event) => {
                        match event {
                            Event::Started { .. } => started = Some(std::time::Instant::now()),
                            Event::Stopping => stopping = true,
                            _ => {}
                        }
                        let event = snapshots.whole(event);
                        if !self.emit(job, event) {
                            // Nobody listens: stop the run.
                            self.stop.store(true, Ordering::SeqCst);
                        }
                    }
                    // Anything else on the protocol's descriptor is output
                    // that found its way there; show it as output.
                    Err(_) => {
                        self.emit(job, Event::Output(line));
                    }
                },
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            }
        }
        drop(stdin);
        let status = child.wait();
        let _ = reader.join();
        let stderr_tail = err_reader.join().unwrap_or_default();
        match (finish, forced) {
            (Some(reason), _) => reason,
            (None, Some(why)) => {
                self.emit(job, Event::Failed(why.clone()));
                Err(why)
            }
            (None, None) => {
                let status = status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|e| e.to_string());
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
/// protocol ([`crate::agent::Request`]), does it, and writes
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
    let emit = |out: &mut dyn Write, e: &Event| {
        let line = serde_json::to_string(e).expect("serializable");
        writeln!(out, "{line}").and_then(|_| out.flush()).is_ok()
    };
    let request: crate::agent::Request = match input.next_line() {
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
    request: &crate::agent::Request,
    stop: &AtomicBool,
    captured: Option<Arc<crate::dtrace::run::CapturedStdout>>,
    emit: &mut dyn FnMut(Event),
) -> Finish {
    use crate::agent::Request;
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
    let compiled = compile(lib, script).and_then(|(c, matches)| {
        if check_only || script.destructive || !c.destructive_allowed() {
            Ok((c, matches))
        } else {
            Err(JobError::Script(destructive_pragma_refused(&script.source)))
        }
    });
    let started_matches;
    let mut consumer = match compiled {
        Ok((_, matches)) if check_only => {
            emit(Event::Checked { matches });
            return Ok(RunEnd::Exited { status: 0 });
        }
        Ok((c, matches)) => {
            emit(Event::Enabling { matches });
            started_matches = matches;
            c
        }
        Err(JobError::Script(d)) => {
            let why = d.message.clone();
            emit(Event::Diagnostics(vec![d]));
            return Err(why);
        }
        Err(JobError::Other(m)) => {
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
            RunEvent::Output(line) => Event::Output(line),
            RunEvent::Snapshot(s) => Event::SnapshotChanges(changes.encode(&s)),
            RunEvent::RuntimeError(m) => Event::RuntimeError(m),
            RunEvent::Problem(m) => Event::Problem(m),
            RunEvent::Drop { count, message } => Event::Drop { count, message },
            RunEvent::Started => Event::Started {
                matches: started_matches,
            },
            RunEvent::Stopping => Event::Stopping,
            RunEvent::Notice(m) => Event::Problem(m),
            RunEvent::Pace(every) => Event::Pace {
                every_ms: every.as_millis() as u64,
            },
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

/// Turns a run's [`Event::SnapshotChanges`] back into whole snapshots.
#[derive(Default)]
struct Wholes(crate::model::changes::ChangeDecoder);

impl Wholes {
    fn whole(&mut self, event: Event) -> Event {
        match event {
            Event::SnapshotChanges(c) => Event::Snapshot(self.0.decode(c)),
            other => other,
        }
    }
}

enum JobError {
    Script(Diagnostic),
    Other(String),
}

/// Opens a consumer, applies the options, starts or grabs the target
/// process and compiles, in dtrace(1)'s order.
fn compile<'l>(lib: &'l Library, script: &Script) -> Result<(Consumer<'l>, u32), JobError> {
    let other = |e: DtraceError| JobError::Other(with_privileges(e.to_string()));
    let mut consumer = Consumer::open(lib).map_err(other)?;
    consumer.setopt("errtags", None).map_err(other)?;
    if script.destructive {
        consumer.setopt("destructive", None).map_err(other)?;
    }
    for (name, value) in &script.options {
        consumer.setopt(name, value.as_deref()).map_err(other)?;
    }
    match &script.target {
        Some(Target::Command(command)) => {
            let words = crate::dtrace::consumer::command_words(command);
            consumer.create_process(&words).map_err(|e| {
                JobError::Other(with_privileges(format!(
                    "cannot start the command '{command}': {e}"
                )))
            })?;
        }
        Some(Target::Pid(pid)) => {
            consumer.grab_process(*pid).map_err(|e| {
                JobError::Other(with_privileges(format!("cannot grab process {pid}: {e}")))
            })?;
        }
        None => {}
    }
    match consumer.compile(&script.source, &script.name, &script.args) {
        Ok(c) => Ok((consumer, c.matches)),
        Err(CompileError::Script(mut d)) => {
            crate::troubleshooting::explain(&mut d);
            Err(JobError::Script(d))
        }
        Err(e @ CompileError::Description { .. }) => Err(JobError::Other(e.to_string())),
        Err(CompileError::Setup(m)) => Err(JobError::Other(with_privileges(m))),
    }
}

/// How long a fleet waits for a host's check or probe list (a full probe
/// list of a big host takes seconds; one that never comes must not hold
/// every later job up).
const FLEET_ANSWER: Duration = Duration::from_secs(120);

impl Worker {
    /// Serves the session's jobs on every host at once, each through a
    /// remote session of its own, and answers as one machine would:
    /// - a run runs on all; output, errors and drops come with `HOST: ` in
    ///   front; the snapshot is every host's merged, the host as the first
    ///   key part ([`crate::fleet::merge`]); it starts when the first host
    ///   starts and finishes when the last one does. A host that fails or
    ///   drops out is said (a Problem) and the others go on; what it sent
    ///   stays in the merge.
    /// - a check checks on all: the errors of the hosts that have them,
    ///   each naming the hosts unless all have it; otherwise the probes
    ///   matched, summed.
    /// - probe listings and argument types come from the first host; a
    ///   process's probes are refused (a process ID names a process on
    ///   one machine).
    fn serve_fleet(self, hosts: Vec<crate::remote::Endpoint>) {
        let (poke_tx, poke) = crossbeam_channel::bounded::<()>(1);
        let waker: Waker = Arc::new(move || {
            let _ = poke_tx.try_send(());
        });
        let mut members: Vec<Member> = hosts
            .into_iter()
            .map(|at| Member::new(at, Some(waker.clone())))
            .collect();
        while let Ok((job, command)) = self.commands.recv() {
            let script_target = match &command {
                Command::Run { script, .. } | Command::Check(script) => script.target.as_ref(),
                _ => None,
            };
            if let Some(Target::Pid(_)) = script_target {
                let why = "a process ID names a process on one machine: trace one on a single \
                           host, or a command (started on every host) here"
                    .to_owned();
                self.fail(job, command, why);
                continue;
            }
            for m in &mut members {
                m.reset();
            }
            match command {
                Command::Run {
                    script,
                    duration,
                    snapshot_every,
                } => {
                    let run = FleetRun::start(
                        &mut members,
                        &script,
                        duration,
                        snapshot_every,
                        Some(crate::fleet::MERGE_EVERY),
                    );
                    let reason = self.fleet_run(job, run, &mut members, &poke);
                    self.running.store(false, Ordering::SeqCst);
                    self.emit(job, Event::Finished(reason));
                }
                Command::Check(script) => {
                    for m in &mut members {
                        m.job = Some(m.session.check(script.clone()));
                    }
                    self.fleet_answers(&mut members, &poke, &|_| true);
                    self.emit(job, merge_checks(&members));
                }
                Command::ListTargetProbes(_) => {
                    self.emit(
                        job,
                        Event::Probes(Err(
                            "a process ID names a process on one machine; pick one host to list \
                             a process's probes"
                                .into(),
                        )),
                    );
                }
                command @ (Command::ListProbes | Command::ProbeArgs(_)) => {
                    let Some(first) = members.first_mut() else {
                        continue;
                    };
                    first.job = Some(match command {
                        Command::ProbeArgs(p) => first.session.probe_args(p),
                        _ => first.session.list_probes(),
                    });
                    let only_first = |i: usize| i == 0;
                    self.fleet_answers(&mut members, &poke, &only_first);
                    if let Some(answer) = members[0].answer.take() {
                        self.emit(job, answer);
                    }
                }
            }
        }
    }

    /// Waits for the answer of every member `asked` picks (by index): the
    /// event that ends its job (a host's stray output before it is left
    /// out). A host that has not answered in [`FLEET_ANSWER`] gets a
    /// failure as its answer; its late one is for a job gone by.
    fn fleet_answers(
        &self,
        members: &mut [Member],
        poke: &Receiver<()>,
        asked: &dyn Fn(usize) -> bool,
    ) {
        let deadline = std::time::Instant::now() + FLEET_ANSWER;
        loop {
            for m in members.iter_mut() {
                while let Some(e) = m.session.try_recv() {
                    let last = matches!(
                        e.event,
                        Event::Checked { .. }
                            | Event::Diagnostics(_)
                            | Event::Failed(_)
                            | Event::Probes(_)
                            | Event::ProbeArgs { .. }
                    );
                    if Some(e.job) == m.job && m.answer.is_none() && last {
                        m.answer = Some(e.event);
                    }
                }
            }
            let waiting: Vec<usize> = (0..members.len())
                .filter(|&i| asked(i) && members[i].answer.is_none())
                .collect();
            if waiting.is_empty() {
                return;
            }
            if std::time::Instant::now() >= deadline {
                for i in waiting {
                    let why = format!(
                        "{} did not answer within {} s",
                        members[i].name,
                        FLEET_ANSWER.as_secs()
                    );
                    members[i].answer = Some(Event::Failed(why));
                }
                return;
            }
            let _ = poke.recv_timeout(Duration::from_secs(1));
        }
    }

    /// Relays a run on every member until the last one finishes; how the
    /// fleet's run ended. What a host says comes with its name; the first
    /// host's compile errors go to the editor, each host's are said.
    fn fleet_run(
        &self,
        job: u64,
        mut run: FleetRun,
        members: &mut [Member],
        poke: &Receiver<()>,
    ) -> Finish {
        let mut diagnostics_said = false;
        let mut failure_said = vec![false; members.len()];
        loop {
            let stop = self.stop.load(Ordering::SeqCst);
            let (ended, _) = run.turn(members, stop, &mut |from, event| {
                let Some((i, host)) = from else {
                    return self.emit(job, event.clone());
                };
                let host = Some(host);
                match event {
                    Event::Output(_)
                    | Event::RuntimeError(_)
                    | Event::Problem(_)
                    | Event::Drop { .. } => self.emit_from(job, host, event.clone()),
                    Event::Diagnostics(d) => {
                        for e in d {
                            let line = format!("line {}: {}", e.line, e.message);
                            self.emit_from(job, host, Event::Problem(line));
                        }
                        if std::mem::replace(&mut diagnostics_said, true) {
                            return true;
                        }
                        self.emit(job, Event::Diagnostics(d.clone()))
                    }
                    Event::Failed(why) | Event::Finished(Err(why))
                        if !std::mem::replace(&mut failure_said[i], true) =>
                    {
                        self.emit_from(job, host, Event::Problem(format!("failed: {why}")))
                    }
                    _ => true,
                }
            });
            if ended {
                break;
            }
            let _ = poke.recv_timeout(Duration::from_millis(50));
        }
        FleetRun::end(members)
    }
}

/// A fleet's answer to a check, from its hosts' answers.
fn merge_checks(members: &[Member]) -> Event {
    let mut matches = 0;
    let mut errors: Vec<(Diagnostic, Vec<&str>)> = Vec::new();
    let mut failures = Vec::new();
    for m in members {
        match &m.answer {
            Some(Event::Checked { matches: n }) => matches += n,
            Some(Event::Diagnostics(ds)) => {
                for d in ds {
                    match errors.iter_mut().find(|(e, _)| e == d) {
                        Some((_, hosts)) => hosts.push(&m.name),
                        None => errors.push((d.clone(), vec![&m.name])),
                    }
                }
            }
            Some(Event::Failed(why)) => failures.push(format!("{}: {why}", m.name)),
            _ => failures.push(format!("{}: no answer", m.name)),
        }
    }
    if !errors.is_empty() {
        return Event::Diagnostics(
            errors
                .into_iter()
                .map(|(mut d, hosts)| {
                    if hosts.len() < members.len() {
                        d.message = format!("{} (on {})", d.message, hosts.join(", "));
                    }
                    d
                })
                .collect(),
        );
    }
    if failures.len() == members.len() {
        return Event::Failed(failures.join("; "));
    }
    Event::Checked { matches }
}
