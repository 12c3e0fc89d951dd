//! The agent protocol: what a window (or any client) speaks with
//! `dscope agent` on another machine, over ssh's standard input and
//! output. docs/agent-protocol.md describes it for other clients.
//!
//! It is the window's own [`Session`] API as JSON lines: one [`Request`]
//! a line in, one [`Reply`] a line out, carrying the same [`Event`]s the
//! window gets from a local session. Both ends first send a [`Hello`]
//! with their protocol number; a client that gets another number says
//! which versions differ instead of guessing at the lines that follow.
//!
//! The agent serves with a [`Session`] of its own, so a run on the host
//! is a run worker process there as it is locally, and it stops the same
//! way: when the agent's input ends (the connection closed or dropped,
//! the window closed or died), the agent stops the run, waits for END
//! and for the probes to be disabled (the session kills a run worker that
//! takes longer than its grace), and exits.

use crate::lines::{self, BoundedLines, Line, Long, MAX_MESSAGE, MAX_TEXT};
use crate::model::Probe;
use crate::remote::{self, Endpoint};
use crate::session::{Event, Script, Session};
use crossbeam_channel::Receiver;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};
use std::io::{BufRead, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The protocol's number. It changes whenever a message changes shape.
pub const PROTOCOL: u32 = 4;

/// The subcommand that serves the protocol on standard input and output.
pub const AGENT_ARG: &str = "agent";

/// The first line each end sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// `"agent"` or `"client"`: which end this is.
    pub dscope: String,
    pub protocol: u32,
    /// The sender's dscope version, for messages.
    pub version: String,
}

impl Hello {
    pub fn new(end: &str) -> Hello {
        Hello {
            dscope: end.into(),
            protocol: PROTOCOL,
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// Why `self` (the other end's hello) cannot be talked to, naming
    /// `host` in the message.
    pub fn mismatch(&self, host: &str) -> Option<String> {
        (self.protocol != PROTOCOL).then(|| {
            format!(
                "dscope {} on {host} speaks agent protocol {}, this dscope {} speaks {PROTOCOL}: \
                 install the same version on both (README: Install), or give the path of a \
                 matching one with --remote-dscope",
                self.version,
                self.protocol,
                env!("CARGO_PKG_VERSION"),
            )
        })
    }
}

/// A client's request. `job` is the client's number for it; every reply
/// to it carries the same number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Compile only: answered by `Checked`, `Diagnostics` or `Failed`.
    Check { job: u64, script: Script },
    /// Compile and run: events until `Finished`.
    Run {
        job: u64,
        script: Script,
        /// Stop after this long; absent: until exit() or Stop.
        duration_ms: Option<u64>,
        /// How often to send the aggregations.
        snapshot_ms: u64,
    },
    /// Every probe: answered by `Probes`.
    Probes { job: u64 },
    /// The `pid<PID>:::` probes of a process: answered by `Probes`.
    TargetProbes { job: u64, pid: i32 },
    /// A probe's argument types: answered by `ProbeArgs`.
    ProbeArgs { job: u64, probe: Probe },
    /// Stop the active run (END runs, then `Finished`).
    Stop,
}

/// One event for the request numbered `job`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub job: u64,
    pub event: Event,
}

/// Whether `event` is the last one a request of this kind gets.
pub fn ends(request: &Request, event: &Event) -> bool {
    match request {
        Request::Check { .. } => matches!(
            event,
            Event::Checked { .. } | Event::Diagnostics(_) | Event::Failed(_)
        ),
        Request::Run { .. } => matches!(event, Event::Finished(_)),
        Request::Probes { .. } | Request::TargetProbes { .. } => {
            matches!(event, Event::Probes(_) | Event::Failed(_))
        }
        Request::ProbeArgs { .. } => matches!(event, Event::ProbeArgs { .. } | Event::Failed(_)),
        Request::Stop => true,
    }
}

enum Input {
    Line(String),
    Closed,
}

/// `dscope agent`: serves the protocol on standard input and output until
/// the input ends. Returns the exit status.
pub fn agent_main() -> u8 {
    let input = std::io::BufReader::new(std::io::stdin());
    let stdout = std::io::stdout();
    serve(input, &mut stdout.lock(), std::env::current_exe().ok())
}

pub(crate) fn send(out: &mut dyn Write, line: &impl Serialize) -> bool {
    let text = serde_json::to_string(line).expect("serializable");
    writeln!(out, "{text}").and_then(|_| out.flush()).is_ok()
}

fn serve(
    input: impl BufRead + Send + 'static,
    out: &mut dyn Write,
    program: Option<std::path::PathBuf>,
) -> u8 {
    send(out, &Hello::new("agent"));
    let mut input = BoundedLines::new(input, MAX_MESSAGE, Long::Refuse);
    let hello = match input.next_line() {
        Some(Line::Text(first)) => serde_json::from_str::<Hello>(&first),
        Some(Line::TooLong { limit }) => {
            eprintln!("dscope agent: {}", lines::too_long("the client", limit));
            return 2;
        }
        // The client went away before saying anything.
        None => return 0,
    };
    match hello {
        Ok(h) if h.protocol == PROTOCOL => {}
        Ok(h) => {
            eprintln!(
                "dscope agent: the client (dscope {}) speaks agent protocol {}, this agent \
                 speaks {PROTOCOL}",
                h.version, h.protocol
            );
            return 2;
        }
        Err(e) => {
            eprintln!("dscope agent: the first line is not a client hello: {e}");
            return 2;
        }
    }
    let Some(program) = program else {
        eprintln!("dscope agent: cannot find its own program to run scripts with");
        return 2;
    };
    let (wake_tx, wake) = crossbeam_channel::bounded::<()>(1);
    let mut session = Session::start(
        program,
        Some(Arc::new(move || {
            let _ = wake_tx.try_send(());
        })),
    );
    // Read on a thread of its own, so that events go out while nothing
    // comes in.
    let (line_tx, mut lines) = crossbeam_channel::unbounded();
    std::thread::spawn(move || {
        for line in input {
            let line = match line {
                Line::Text(line) => line,
                Line::TooLong { limit } => {
                    eprintln!("dscope agent: {}", lines::too_long("the client", limit));
                    continue;
                }
            };
            if line_tx.send(Input::Line(line)).is_err() {
                return;
            }
        }
        let _ = line_tx.send(Input::Closed);
    });
    // The session's job number → the client's, and what it asked.
    let mut jobs: HashMap<u64, (u64, Request)> = HashMap::new();
    let mut closed = false;
    let mut listening = true;
    // Each run's snapshots go out as what changed since its last one.
    let mut changes: HashMap<u64, crate::model::changes::ChangeEncoder> = HashMap::new();
    loop {
        // At most a turn's worth of the run's events before the client's
        // requests are looked at again: a run that floods output must
        // still hear Stop.
        let mut taken = 0;
        while taken < crate::fleet::EVENTS_PER_TURN
            && let Some(e) = session.try_recv()
        {
            taken += 1;
            let Some((job, request)) = jobs.get(&e.job) else {
                continue;
            };
            let done = ends(request, &e.event);
            let job = *job;
            let event = match e.event {
                Event::Snapshot(s) => {
                    Event::SnapshotChanges(changes.entry(job).or_default().encode(&s))
                }
                other => other,
            };
            listening = listening && send(out, &Reply { job, event });
            if done {
                jobs.remove(&e.job);
                changes.remove(&job);
            }
        }
        if !listening {
            session.stop();
            closed = true;
        }
        if closed && !session.is_running() {
            return 0;
        }
        let message = if taken == crate::fleet::EVENTS_PER_TURN {
            // More events wait: only a look at the requests.
            match lines.try_recv() {
                Ok(m) => Some(Ok(m)),
                Err(crossbeam_channel::TryRecvError::Empty) => None,
                Err(crossbeam_channel::TryRecvError::Disconnected) => {
                    Some(Err(crossbeam_channel::RecvError))
                }
            }
        } else {
            crossbeam_channel::select! {
                recv(lines) -> message => Some(message),
                // The session wakes this loop after every event it sends,
                // the run's Finished among them.
                recv(wake) -> _ => None,
            }
        };
        match message {
            None => {}
            Some(Ok(Input::Line(line))) => {
                if let Some((job, event)) = take(&mut session, &mut jobs, &line) {
                    listening = listening && send(out, &Reply { job, event });
                }
            }
            Some(Ok(Input::Closed) | Err(_)) => {
                session.stop();
                closed = true;
                lines = crossbeam_channel::never();
            }
        }
    }
}

/// Hands one request line to the session; an immediate answer (a refused
/// run, a line that is not a request) is returned to be sent.
fn take(
    session: &mut Session,
    jobs: &mut HashMap<u64, (u64, Request)>,
    line: &str,
) -> Option<(u64, Event)> {
    let request = match serde_json::from_str::<Request>(line) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("dscope agent: not a request ({e}): {line}");
            return None;
        }
    };
    let ours = match &request {
        Request::Stop => {
            session.stop();
            return None;
        }
        Request::Check { script, .. } => session.check(script.clone()),
        Request::Run {
            job,
            script,
            duration_ms,
            snapshot_ms,
        } => match session.run(
            script.clone(),
            duration_ms.map(Duration::from_millis),
            Duration::from_millis(*snapshot_ms),
        ) {
            Ok(ours) => ours,
            Err(why) => {
                return Some((*job, Event::Finished(Err(why))));
            }
        },
        Request::Probes { .. } => session.list_probes(),
        Request::TargetProbes { pid, .. } => session.list_target_probes(*pid),
        Request::ProbeArgs { probe, .. } => session.probe_args(probe.clone()),
    };
    jobs.insert(ours, (request.job(), request));
    None
}

impl Request {
    /// The client's number for it (0 for Stop, which has none).
    pub fn job(&self) -> u64 {
        match self {
            Request::Check { job, .. }
            | Request::Run { job, .. }
            | Request::Probes { job }
            | Request::TargetProbes { job, .. }
            | Request::ProbeArgs { job, .. } => *job,
            Request::Stop => 0,
        }
    }
}

/// ssh options for a connection a window keeps open: a dead link is
/// noticed within half a minute, and an unreachable host within 15 s,
/// instead of TCP's minutes; compressed, since snapshots are JSON that
/// repeats itself (a 20,000-key one goes from 1.5 MB to about 75 KB).
const SSH_OPTIONS: [&str; 8] = [
    "-o",
    "Compression=yes",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=10",
    "-o",
    "ServerAliveCountMax=3",
];

/// A client's connection to `dscope agent` on a host, through ssh.
pub struct Connection {
    child: Child,
    input: Option<ChildStdin>,
    /// The agent's lines after its hello; disconnected when its output
    /// ends.
    pub lines: Receiver<Line>,
    ssh_said: Arc<Mutex<VecDeque<String>>>,
    name: String,
    /// The hellos were exchanged.
    connected: bool,
}

/// Lines of ssh's standard error kept for messages.
const SSH_TAIL: usize = 12;

impl Connection {
    /// Starts ssh to the host, checks that the program there is a dscope that
    /// speaks this protocol, and says hello. Gives up, killing ssh, when
    /// `give_up` turns true while it waits.
    pub fn open(at: &Endpoint, give_up: &dyn Fn() -> bool) -> Result<Connection, String> {
        let name = at.host.to_string();
        let command = remote::command_string(&at.program, &[AGENT_ARG.into()]);
        let config = at.ssh_config.as_deref();
        let mut child = remote::spawn_ssh(&at.host, config, &SSH_OPTIONS, &command, Stdio::piped())
            .map_err(|e| format!("cannot start ssh to reach {name}: {e}"))?;
        let input = child.stdin.take();
        let ssh_said = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(err) = child.stderr.take() {
            let tail = ssh_said.clone();
            std::thread::spawn(move || {
                let err = std::io::BufReader::new(err);
                for line in BoundedLines::new(err, MAX_TEXT, Long::Split) {
                    let Line::Text(line) = line else { continue };
                    let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                    if tail.len() == SSH_TAIL {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }
        let (header_tx, header) = crossbeam_channel::bounded(1);
        let (line_tx, lines) = crossbeam_channel::bounded(1024);
        if let Some(out) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(out);
                let _ = header_tx.send(remote::read_header(&mut reader));
                for line in BoundedLines::new(reader, MAX_MESSAGE, Long::Refuse) {
                    if line_tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut connection = Connection {
            child,
            input,
            lines,
            ssh_said,
            name,
            connected: false,
        };
        let waited = at.answer_wait;
        let deadline = std::time::Instant::now() + waited;
        let header = match connection.wait(&header, give_up, (deadline, waited))? {
            Some(Some(h)) => h,
            // ssh ended before the command ran.
            _ => return Err(connection.lost()),
        };
        if let Some(problem) = remote::header_problem(&connection.name, Some(&header), None, None) {
            connection.close();
            return Err(problem);
        }
        let hello = match connection.wait(&connection.lines.clone(), give_up, (deadline, waited))? {
            Some(Line::Text(line)) => serde_json::from_str::<Hello>(&line).map_err(|_| line),
            Some(Line::TooLong { limit }) => Err(lines::too_long("it", limit)),
            None => Err(String::new()),
        };
        match hello {
            Ok(h) if h.dscope == "agent" => {
                if let Some(why) = h.mismatch(&connection.name) {
                    connection.close();
                    return Err(why);
                }
            }
            _ => {
                let said = connection.said();
                let why = format!(
                    "dscope on {} does not serve the agent protocol (it is older than this \
                     window, or not dscope): install the same version there (README: \
                     Install){}",
                    connection.name,
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!("; it said: {said}")
                    }
                );
                connection.close();
                return Err(why);
            }
        }
        connection.send(&Hello::new("client"))?;
        connection.connected = true;
        Ok(connection)
    }

    /// Waits for the next value on `from`; `Ok(None)` when it ended. Past
    /// `deadline` the host is given up on.
    fn wait<T>(
        &mut self,
        from: &Receiver<T>,
        give_up: &dyn Fn() -> bool,
        (deadline, waited): (std::time::Instant, Duration),
    ) -> Result<Option<T>, String> {
        loop {
            if std::time::Instant::now() > deadline {
                self.close();
                return Err(remote::no_answer(&self.name, waited));
            }
            match from.recv_timeout(Duration::from_millis(50)) {
                Ok(v) => return Ok(Some(v)),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            }
            if give_up() {
                let why = format!("stopped while connecting to {}", self.name);
                self.close();
                return Err(why);
            }
        }
    }

    /// Sends one message.
    pub fn send(&mut self, message: &impl Serialize) -> Result<(), String> {
        let sent = self.input.as_mut().is_some_and(|i| send(i, message));
        if sent { Ok(()) } else { Err(self.lost()) }
    }

    /// What ssh said, on one line.
    fn said(&self) -> String {
        let tail = self.ssh_said.lock().unwrap_or_else(|p| p.into_inner());
        Vec::from(tail.clone()).join("; ")
    }

    /// Why the connection ended, once it has: waits briefly for ssh to
    /// exit and says what it said.
    pub fn lost(&mut self) -> String {
        self.input = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = self.child.kill();
                    break self.child.wait().ok();
                }
            }
        };
        // Its standard error has been read to the end by now, or nearly.
        std::thread::sleep(Duration::from_millis(20));
        let said = self.said();
        let name = &self.name;
        let said_or_none = (!said.is_empty()).then_some(said.as_str());
        let code = status.and_then(|s| s.code());
        if !self.connected
            && let Some(problem) = remote::header_problem(name, None, code, said_or_none)
        {
            return problem;
        }
        use std::os::unix::process::ExitStatusExt;
        let how = match (code, status.and_then(|s| s.signal())) {
            (Some(c), _) => format!("ssh exited with status {c}"),
            (None, Some(signal)) => format!("ssh was killed by signal {signal}"),
            (None, None) => "ssh ended".to_string(),
        };
        match said_or_none {
            Some(said) => format!("the connection to {name} ended ({how}): {said}"),
            None => format!("the connection to {name} ended ({how})"),
        }
    }

    /// Ends the connection: the agent's input closes, which stops any run
    /// there; ssh is killed if it does not end by itself soon.
    pub fn close(&mut self) {
        self.input = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The host's name, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(input: &str) -> (u8, String) {
        let mut out = Vec::new();
        let code = serve(
            std::io::Cursor::new(input.as_bytes().to_vec()),
            &mut out,
            // No request reaches a worker in these tests.
            Some("/nonexistent/dscope".into()),
        );
        (code, String::from_utf8(out).unwrap())
    }

    #[test]
    fn the_agent_says_hello_first_and_refuses_another_protocol() {
        let ours = serde_json::to_string(&Hello::new("agent")).unwrap();
        // Another protocol number: refused after the agent's own hello.
        let other = format!(
            "{{\"dscope\":\"client\",\"protocol\":{},\"version\":\"9\"}}\n",
            PROTOCOL + 1
        );
        let (code, out) = served(&other);
        assert_eq!((code, out), (2, format!("{ours}\n")));
        // Not a hello at all.
        let (code, out) = served("{\"probes\":{\"job\":1}}\n");
        assert_eq!((code, out), (2, format!("{ours}\n")));
        // A client that goes away at once ends the agent quietly.
        assert_eq!(served(""), (0, format!("{ours}\n")));
        // A hello, then the end of input: nothing to do, exit 0.
        let hello = serde_json::to_string(&Hello::new("client")).unwrap();
        assert_eq!(served(&format!("{hello}\n")), (0, format!("{ours}\n")));
    }

    /// A client that sends bytes without a newline is refused once the
    /// line passes the message limit, never read whole.
    #[test]
    fn an_endless_first_line_is_refused() {
        use std::io::Read;
        let endless = std::io::repeat(b'x').take(MAX_MESSAGE as u64 + 10);
        let mut out = Vec::new();
        let code = serve(std::io::BufReader::new(endless), &mut out, None);
        assert_eq!(code, 2);
    }

    #[test]
    fn a_mismatch_names_both_versions_and_the_host() {
        let theirs = Hello {
            dscope: "agent".into(),
            protocol: PROTOCOL + 1,
            version: "7.0.0".into(),
        };
        let why = theirs.mismatch("web1").unwrap();
        assert!(
            why.starts_with(&format!(
                "dscope 7.0.0 on web1 speaks agent protocol {}, this dscope {} speaks {PROTOCOL}",
                PROTOCOL + 1,
                env!("CARGO_PKG_VERSION")
            )),
            "{why}"
        );
        assert_eq!(Hello::new("agent").mismatch("web1"), None);
    }

    /// The JSON examples of docs/agent-protocol.md, by what they show.
    fn documented(kind: &str) -> Vec<String> {
        let doc = include_str!("../../../docs/agent-protocol.md");
        let mut found = Vec::new();
        let mut inside = false;
        for line in doc.lines() {
            if line == format!("```json {kind}") {
                inside = true;
            } else if line.starts_with("```") {
                inside = false;
            } else if inside {
                found.push(line.to_owned());
            }
        }
        found
    }

    #[test]
    fn every_example_in_the_protocol_document_is_a_message_as_written() {
        let requests = documented("request");
        let replies = documented("reply");
        assert!(requests.len() >= 6 && replies.len() >= 14);
        // Parsed and written back, each is the same line: the document
        // shows exactly what goes over the wire.
        for line in requests {
            let r: Request = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(serde_json::to_string(&r).unwrap(), line);
        }
        for line in replies {
            let r: Reply = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(serde_json::to_string(&r).unwrap(), line);
        }
        for (kind, end) in [("agent", "agent"), ("client", "client")] {
            let [line] = &documented(kind)[..] else {
                panic!("one {kind} hello")
            };
            let h: Hello = serde_json::from_str(line).unwrap();
            assert_eq!((h.dscope.as_str(), h.protocol), (end, PROTOCOL));
        }
    }

    #[test]
    fn messages_are_the_documented_lines() {
        let hello = serde_json::to_string(&Hello::new("agent")).unwrap();
        assert_eq!(
            hello,
            format!(
                r#"{{"dscope":"agent","protocol":{PROTOCOL},"version":"{}"}}"#,
                env!("CARGO_PKG_VERSION")
            )
        );
        let stop = serde_json::to_string(&Request::Stop).unwrap();
        assert_eq!(stop, r#""stop""#);
        let probes = serde_json::to_string(&Request::Probes { job: 3 }).unwrap();
        assert_eq!(probes, r#"{"probes":{"job":3}}"#);
        let reply = serde_json::to_string(&Reply {
            job: 3,
            event: Event::Checked { matches: 2 },
        })
        .unwrap();
        assert_eq!(reply, r#"{"job":3,"event":{"Checked":{"matches":2}}}"#);
    }
}
