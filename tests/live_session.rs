//! Live tests of the worker-thread session against a real libdtrace (see
//! live_check.rs for how they are switched on).

use dscope::model::{KeyPart, Value};
use dscope::session::{Event, RunEnd, Script, Session, SessionEvent};
use std::time::{Duration, Instant};

mod common;
use common::live;

fn start() -> Session {
    Session::start(env!("CARGO_BIN_EXE_dscope").into(), None)
}

fn script(source: &str) -> Script {
    Script {
        source: source.into(),
        name: "test.d".into(),
        ..Script::default()
    }
}

/// Events of `job` until `done` says stop, or a time limit.
fn collect(
    session: &Session,
    job: u64,
    limit: Duration,
    mut done: impl FnMut(&Event) -> bool,
) -> Vec<Event> {
    let end = Instant::now() + limit;
    let mut events = Vec::new();
    while Instant::now() < end {
        if let Some(SessionEvent { job: j, event, .. }) =
            session.recv_timeout(Duration::from_millis(50))
        {
            assert_eq!(j, job, "events belong to the job that asked");
            let finished = done(&event);
            events.push(event);
            if finished {
                return events;
            }
        }
    }
    panic!("no end within {limit:?}; got {events:?}");
}

#[test]
fn check_answers_with_matches_or_a_diagnostic_on_its_line() {
    if !live() {
        return;
    }
    let mut s = start();
    let ok = s.check(script("syscall::read:entry { @[execname] = count(); }"));
    let events = collect(&s, ok, Duration::from_secs(30), |_| true);
    assert_eq!(events, vec![Event::Checked { matches: 1 }]);

    let bad = s.check(script("BEGIN\n{\n\tprintf(\"%d\\n\", nosuchfunc(1));\n}\n"));
    let events = collect(&s, bad, Duration::from_secs(30), |_| true);
    match &events[..] {
        [Event::Diagnostics(d)] => {
            assert_eq!(d[0].line, 3, "{d:?}");
            assert!(d[0].message.contains("nosuchfunc"), "{d:?}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_continuous_run_sends_snapshots_and_stops_on_request() {
    if !live() {
        return;
    }
    let mut s = start();
    let job = s
        .run(
            script("syscall::read:entry, syscall::write:entry, profile-97 { @num[probefunc] = count(); }"),
            None,
            Duration::from_millis(300),
        )
        .unwrap();
    assert!(s.is_running());
    // A second run while this one is active is refused.
    let second = s.run(script("BEGIN { exit(0); }"), None, Duration::from_secs(1));
    assert!(second.unwrap_err().contains("already running"));

    // Enabling probes can take seconds on a loaded machine: the second of
    // tracing is timed from Started, not from the request.
    let mut started: Option<Instant> = None;
    let mut snapshots = 0;
    let mut stop_sent = false;
    let events = collect(&s, job, Duration::from_secs(60), |e| {
        if let Event::Started { .. } = e {
            started = Some(Instant::now());
        }
        if let Event::Snapshot(_) = e {
            snapshots += 1;
        }
        if !stop_sent && started.is_some_and(|t| t.elapsed() >= Duration::from_secs(1)) {
            s.stop();
            stop_sent = true;
        }
        matches!(e, Event::Finished(_))
    });
    assert_eq!(events[0], Event::Enabling { matches: 3 });
    assert_eq!(events[1], Event::Started { matches: 3 });
    assert!(events.contains(&Event::Stopping), "{events:?}");
    assert_eq!(events.last(), Some(&Event::Finished(Ok(RunEnd::Stopped))));
    assert!(
        snapshots >= 2,
        "periodic snapshots and the final one: {snapshots}"
    );
    // The final snapshot counts syscalls by name.
    let last = events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Snapshot(s) => Some(s),
            _ => None,
        })
        .unwrap();
    let num = last.get("num").expect("@num");
    assert!(!num.rows.is_empty());
    assert!(
        num.rows
            .iter()
            .all(|r| matches!(&r.key[..], [KeyPart::Str(_)])
                && matches!(r.value, Value::Number(n) if n > 0))
    );
    assert!(!s.is_running());
    // And another run may start now.
    let again = s
        .run(script("BEGIN { exit(3); }"), None, Duration::from_secs(1))
        .unwrap();
    let events = collect(&s, again, Duration::from_secs(30), |e| {
        matches!(e, Event::Finished(_))
    });
    assert_eq!(
        events.last(),
        Some(&Event::Finished(Ok(RunEnd::Exited { status: 3 })))
    );
}

#[test]
fn run_output_errors_and_timeout_arrive_as_events() {
    if !live() {
        return;
    }
    let mut s = start();
    let job = s
        .run(
            script(
                "#pragma D option quiet\nBEGIN { printf(\"hello\\n\"); }\nBEGIN { x = *(int *)0; }\nprofile-10 { @t = count(); }\n",
            ),
            Some(Duration::from_millis(700)),
            Duration::from_secs(1),
        )
        .unwrap();
    let events = collect(&s, job, Duration::from_secs(30), |e| {
        matches!(e, Event::Finished(_))
    });
    assert!(
        events.contains(&Event::Output("hello".into())),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, Event::RuntimeError(m) if m.contains("invalid address"))),
        "{events:?}"
    );
    assert_eq!(events.last(), Some(&Event::Finished(Ok(RunEnd::TimeUp))));
}

#[test]
fn a_compile_error_ends_a_run_with_its_diagnostic() {
    if !live() {
        return;
    }
    let mut s = start();
    let job = s
        .run(
            script("BEGIN\n{\n\ttrace(;\n}\n"),
            None,
            Duration::from_secs(1),
        )
        .unwrap();
    let events = collect(&s, job, Duration::from_secs(30), |e| {
        matches!(e, Event::Finished(_))
    });
    assert!(
        matches!(&events[0], Event::Diagnostics(d) if d[0].line == 3),
        "{events:?}"
    );
    assert!(matches!(events.last(), Some(Event::Finished(Err(_)))));
    assert!(!s.is_running());
}

#[test]
fn probes_are_listed_on_the_worker() {
    if !live() {
        return;
    }
    let mut s = start();
    let job = s.list_probes();
    let events = collect(&s, job, Duration::from_secs(60), |_| true);
    let Event::Probes(Ok(probes)) = &events[0] else {
        panic!("{events:?}")
    };
    assert!(
        probes
            .iter()
            .any(|p| p.description() == "syscall:vmlinux:read:entry")
    );
}

#[test]
fn dropping_the_session_mid_run_stops_it_promptly() {
    if !live() {
        return;
    }
    let mut s = start();
    s.run(
        script("syscall::read:entry,syscall::write:entry { @[probefunc] = count(); }"),
        None,
        Duration::from_millis(200),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let t = Instant::now();
    drop(s);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
}

/// What dropping a session (or dscope dying) relies on: a run worker whose
/// input closes stops its run, runs END, and exits.
#[test]
fn a_run_worker_stops_when_its_input_closes() {
    use std::io::{BufRead, Write};
    if !live() {
        return;
    }
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg(dscope::session::RUN_WORKER_ARG)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(
        stdin,
        r#"{{"run":{{"job":1,"script":{{"source":"profile-97 {{ @n = count(); }} END {{ printf(\"end\\n\"); }}","name":"t.d","options":[["quiet",null]],"args":[],"destructive":false}},"duration_ms":null,"snapshot_ms":200}}}}"#
    )
    .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first: Event = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first, Event::Enabling { matches: 2 });
    let second: Event = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(second, Event::Started { matches: 2 });
    drop(stdin);
    let events: Vec<Event> = lines
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    assert!(events.contains(&Event::Output("end".into())), "{events:?}");
    assert_eq!(events.last(), Some(&Event::Finished(Ok(RunEnd::Stopped))));
    assert!(child.wait().unwrap().success());
}

#[test]
fn a_check_that_crashes_libdtrace_does_not_take_dscope_down() {
    if !live() {
        return;
    }
    // Linux DTrace 2.x abort()s preparing proc:::signal-send on some
    // kernels; where it does not, the check simply succeeds.
    let mut s = start();
    let crash = s.check(script(
        "proc:::signal-send { @[execname, args[2]] = count(); }",
    ));
    let events = collect(&s, crash, Duration::from_secs(60), |_| true);
    eprintln!("check of proc:::signal-send: {events:?}");
    match &events[..] {
        [Event::Checked { .. }] => {}
        [Event::Failed(why)] => assert!(why.contains("ended unexpectedly"), "{why}"),
        other => panic!("{other:?}"),
    }
    let ok = s.check(script("syscall::read:entry { @[execname] = count(); }"));
    let events = collect(&s, ok, Duration::from_secs(30), |_| true);
    assert_eq!(events, vec![Event::Checked { matches: 1 }]);
}

#[test]
fn a_probes_argument_types_are_those_dtrace_lv_prints() {
    if !live() {
        return;
    }
    let mut s = start();
    let read = dscope::model::Probe::new(0, "syscall", "vmlinux", "read", "entry");
    let job = s.probe_args(read.clone());
    let events = collect(&s, job, Duration::from_secs(30), |_| true);
    assert_eq!(
        events,
        vec![Event::ProbeArgs {
            probe: read,
            types: Ok(vec![
                "unsigned int".into(),
                "char *".into(),
                "size_t".into()
            ]),
        }]
    );
}
