//! `dscope agent`: the server half of the protocol ([`crate::protocol`])
//! on a host, which a window (or any client) reaches over ssh's standard
//! input and output.
//!
//! The agent serves with a [`Session`] of its own, so a run on the host
//! is a run worker process there as it is locally, and it stops the same
//! way: when the agent's input ends (the connection closed or dropped,
//! the window closed or died), the agent stops the run, waits for END
//! and for the probes to be disabled (the session kills a run worker that
//! takes longer than its grace), and exits.

use crate::lines::{self, BoundedLines, Line, Long, MAX_MESSAGE};
use crate::protocol::{Hello, PROTOCOL, Reply, Request, ends, write_line};
use crate::session::{Event, Session};
use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::sync::Arc;
use std::time::Duration;

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

/// Reads the client's hello; the exit status when it is not one this
/// agent can talk to (0: the client went away before saying anything).
fn greeted(input: &mut BoundedLines<impl BufRead>) -> Result<(), u8> {
    let hello = match input.next_line() {
        Some(Line::Text(first)) => serde_json::from_str::<Hello>(&first),
        Some(Line::TooLong { limit }) => {
            eprintln!("dscope agent: {}", lines::too_long("the client", limit));
            return Err(2);
        }
        None => return Err(0),
    };
    match hello {
        Ok(h) if h.protocol == PROTOCOL => Ok(()),
        Ok(h) => {
            eprintln!(
                "dscope agent: the client (dscope {}) speaks agent protocol {}, this agent \
                 speaks {PROTOCOL}",
                h.version, h.protocol
            );
            Err(2)
        }
        Err(e) => {
            eprintln!("dscope agent: the first line is not a client hello: {e}");
            Err(2)
        }
    }
}

fn serve(
    input: impl BufRead + Send + 'static,
    out: &mut dyn Write,
    program: Option<std::path::PathBuf>,
) -> u8 {
    write_line(out, &Hello::new("agent"));
    let mut input = BoundedLines::new(input, MAX_MESSAGE, Long::Refuse);
    if let Err(status) = greeted(&mut input) {
        return status;
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
        while taken < crate::session::fleet::EVENTS_PER_TURN
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
            listening = listening && write_line(out, &Reply { job, event });
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
        let message = if taken == crate::session::fleet::EVENTS_PER_TURN {
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
                    listening = listening && write_line(out, &Reply { job, event });
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
