//! One script, one result, whichever way it is run: each deterministic
//! fixture (tests/fixtures/*.d) through `dscope run --format json`, the
//! window's session (its run worker), `dscope agent` spoken to over a
//! pipe, `dscope run --host` on a host, and a one-host fleet (the window's
//! and the command line's) must give the same document: the output lines,
//! the runtime errors, the drops, how the run ended and the final
//! aggregations. The hosts are this machine through a private sshd on
//! 127.0.0.1 (tests/sshd). Needs DSCOPE_LIVE=1, libdtrace and OpenSSH.

use dscope::model::changes::ChangeDecoder;
use dscope::model::{Aggregation, KeyPart};
use dscope::protocol::{Hello, Reply, Request};
use dscope::session::{Event, Script, Session};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod sshd;
use sshd::*;

/// What every front-end must agree on.
#[derive(Debug, Default)]
struct Result {
    output: Vec<String>,
    errors: Vec<String>,
    drops: Vec<Value>,
    finish: Value,
    aggregations: Vec<Aggregation>,
}

impl Result {
    fn document(&self) -> Value {
        json!({
            "output": self.output,
            "errors": self.errors,
            "drops": self.drops,
            "finish": self.finish,
            "aggregations": self.aggregations,
        })
    }

    /// From a `RunReport` as `dscope run --format json` prints it (or a
    /// fleet's host entry, which holds one).
    fn of_report(report: &Value) -> Result {
        let strings = |field: &str| -> Vec<String> {
            report[field]
                .as_array()
                .unwrap_or_else(|| panic!("no {field} in {report}"))
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        Result {
            output: strings("output"),
            errors: strings("errors"),
            drops: report["drops"].as_array().unwrap().clone(),
            finish: report["finish"].clone(),
            aggregations: serde_json::from_value(report["aggregations"].clone()).unwrap(),
        }
    }

    /// From a session's events, as the window's run log keeps them.
    fn of_events(events: &[Event]) -> Result {
        let mut r = Result::default();
        for e in events {
            match e {
                Event::Output(line) => r.output.push(line.clone()),
                Event::RuntimeError(m) | Event::Problem(m) => r.errors.push(m.clone()),
                Event::Drop { count, message } => {
                    r.drops.push(json!({"count": count, "message": message}));
                }
                Event::Snapshot(s) => r.aggregations = s.aggregations.clone(),
                Event::Finished(end) => {
                    r.finish = serde_json::to_value(end.as_ref().ok().copied()).unwrap();
                }
                Event::Failed(why) => panic!("the run failed: {why}"),
                Event::Diagnostics(d) => panic!("the script has errors: {d:?}"),
                _ => {}
            }
        }
        r
    }
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "d"))
        .collect();
    all.sort();
    assert!(all.len() >= 5, "{all:?}");
    all
}

fn script_of(path: &Path) -> Script {
    Script {
        source: std::fs::read_to_string(path).unwrap(),
        name: path.display().to_string(),
        ..Script::default()
    }
}

fn cli(path: &Path, at: Option<&Sshd>) -> Result {
    let mut cmd = match at {
        Some(server) => server.remote(&["run", "--format", "json"]),
        None => Command::new(dscope()),
    };
    if at.is_none() {
        cmd.args(["run", "--format", "json"]);
    }
    let out = cmd.arg(path).stdin(Stdio::null()).output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout) + &text(&out.stderr)));
    Result::of_report(&report)
}

/// The events of a session's one run, up to its end.
fn session_run(session: &mut Session, path: &Path) -> Vec<Event> {
    let job = session
        .run(script_of(path), None, Duration::from_secs(1))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut events = Vec::new();
    while Instant::now() < deadline {
        let Some(e) = session.recv_timeout(Duration::from_millis(100)) else {
            continue;
        };
        assert_eq!(e.job, job, "{e:?}");
        let done = matches!(e.event, Event::Finished(_));
        events.push(e.event);
        if done {
            return events;
        }
    }
    panic!("{}: the run did not end: {events:?}", path.display());
}

/// `dscope agent`, spoken to as its protocol says (docs/agent-protocol.md).
fn agent(path: &Path) -> Result {
    let mut child = Command::new(dscope())
        .arg(dscope::protocol::AGENT_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let mut replies = BufReader::new(child.stdout.take().unwrap()).lines();
    let hello: Hello = serde_json::from_str(&replies.next().unwrap().unwrap()).unwrap();
    assert_eq!(hello.dscope, "agent");
    let request = Request::Run {
        job: 7,
        script: script_of(path),
        duration_ms: None,
        snapshot_ms: 1000,
    };
    for line in [
        serde_json::to_string(&Hello::new("client")).unwrap(),
        serde_json::to_string(&request).unwrap(),
    ] {
        writeln!(input, "{line}").unwrap();
    }
    let mut wholes = ChangeDecoder::default();
    let mut events = Vec::new();
    for line in replies {
        let reply: Reply = serde_json::from_str(&line.unwrap()).unwrap();
        assert_eq!(reply.job, 7);
        let event = match reply.event {
            Event::SnapshotChanges(c) => Event::Snapshot(wholes.decode(c)),
            other => other,
        };
        let done = matches!(event, Event::Finished(_));
        events.push(event);
        if done {
            break;
        }
    }
    drop(input);
    assert!(child.wait().unwrap().success());
    Result::of_events(&events)
}

/// A fleet's merged aggregations with the host, their first key part,
/// taken off again.
fn without_host(merged: &[Aggregation], host: &str) -> Vec<Aggregation> {
    merged
        .iter()
        .map(|a| {
            let mut a = a.clone();
            a.key_sizes.remove(0);
            for row in &mut a.rows {
                assert_eq!(row.key.remove(0), KeyPart::Str(host.into()));
            }
            a
        })
        .collect()
}

/// The command line's fleet runner, given one host.
fn cli_fleet(path: &Path, server: &Sshd) -> (Result, Vec<Aggregation>) {
    let request = dscope::job::Request {
        script: Some(path.to_path_buf()),
        ..Default::default()
    };
    let output = dscope::cli::Output {
        format: dscope::job::Format::Json,
        ..Default::default()
    };
    let (mut out, mut err) = (Vec::new(), Vec::new());
    dscope::cli::fleet::run(
        &[server.endpoint(dscope())],
        &request,
        &output,
        &mut out,
        &mut err,
    );
    let report: Value = serde_json::from_slice(&out)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out), text(&err)));
    let hosts = report["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 1, "{report}");
    let merged: Vec<Aggregation> = serde_json::from_value(report["aggregations"].clone()).unwrap();
    (Result::of_report(&hosts[0]), merged)
}

#[test]
fn every_front_end_gives_one_result() {
    if !live_dtrace() {
        return;
    }
    let Some(server) = sshd() else {
        panic!("DSCOPE_LIVE=1 but this machine has no OpenSSH server");
    };
    let mut local = Session::start(PathBuf::from(dscope()), None);
    let mut fleet = Session::start_fleet(vec![server.endpoint(dscope())], None);
    let host = ALIAS;
    for path in fixtures() {
        let name = path.display().to_string();
        let expected = cli(&path, None).document();
        let compare = |front_end: &str, got: Value| {
            assert_eq!(
                got, expected,
                "{name}: {front_end} gives another result than `dscope run --format json`"
            );
        };
        compare("the window's session", {
            Result::of_events(&session_run(&mut local, &path)).document()
        });
        compare("`dscope agent` over a pipe", agent(&path).document());
        compare("`dscope run --host`", cli(&path, Some(&server)).document());
        let mut merged = Result::of_events(&session_run(&mut fleet, &path));
        merged.aggregations = without_host(&merged.aggregations, host);
        compare("the window's one-host fleet", merged.document());
        let (member, merged) = cli_fleet(&path, &server);
        compare("`dscope run` on a one-host fleet", member.document());
        let mut whole = member;
        whole.aggregations = without_host(&merged, host);
        compare("`dscope run` on a one-host fleet, merged", whole.document());
    }
}
