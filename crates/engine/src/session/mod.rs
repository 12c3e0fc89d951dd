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

use crate::model::Probe;
use crossbeam_channel::{Receiver, Sender};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub use crate::job::{Script, Target};

pub mod fleet;
mod local;
mod relay;
mod remote;

pub use local::run_worker_main;

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
    fn to_request(&self, job: u64) -> crate::protocol::Request {
        use crate::protocol::Request;
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

pub use crate::model::Event;

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

pub use crate::sink::Waker;

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
    /// `hosts` at once (see [`fleet::FleetRun`]): its events are the
    /// fleet's, merged, as if it were one machine, and each host's with
    /// its name.
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
