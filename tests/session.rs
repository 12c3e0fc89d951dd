//! The session's behaviour that needs no libdtrace: a run that cannot
//! start ends clearly and frees the session for the next one, and the run
//! worker refuses a malformed request.

use dscope::session::{Event, Script, Session};
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_run_that_cannot_start_says_why_and_frees_the_session() {
    let mut s = Session::start("/nonexistent/dscope".into(), None);
    let job = s
        .run(Script::default(), None, Duration::from_secs(1))
        .unwrap();
    let first = s.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(first.job, job);
    assert!(
        matches!(&first.event, Event::Failed(m) if m.contains("cannot start /nonexistent/dscope")),
        "{first:?}"
    );
    let last = s.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(last.event, Event::Finished(Err(_))));
    assert!(!s.is_running());
    assert!(
        s.run(Script::default(), None, Duration::from_secs(1))
            .is_ok()
    );
}

#[test]
fn the_run_worker_refuses_a_malformed_request() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg(dscope::session::RUN_WORKER_ARG)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{not json\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let event: Event = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        matches!(&event, Event::Finished(Err(m)) if m.contains("bad run request")),
        "{event:?}"
    );
}

/// A run worker that started tracing and then neither stops nor ends, as
/// one stuck inside a libdtrace work call is: its run is ended a few
/// seconds after Stop, or after its duration, and the window hears why.
fn stuck_worker(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join("stuck-worker");
    std::fs::write(
        &path,
        "#!/bin/sh\nread request\necho '{\"Enabling\":{\"matches\":2}}'\n\
         echo '{\"Started\":{\"matches\":2}}'\nexec sleep 600\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn ends_by_force(s: &Session, within: Duration) -> String {
    let deadline = std::time::Instant::now() + within;
    let mut failed = None;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let e = s
            .recv_timeout(left)
            .unwrap_or_else(|| panic!("not ended within {within:?}; failed: {failed:?}"));
        match e.event {
            Event::Failed(why) => failed = Some(why),
            Event::Finished(Err(why)) => {
                assert_eq!(failed.as_deref(), Some(why.as_str()));
                return why;
            }
            Event::Finished(other) => panic!("{other:?}"),
            _ => {}
        }
    }
}

#[test]
fn a_worker_that_does_not_see_stop_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::start(stuck_worker(dir.path()), None);
    s.run(Script::default(), None, Duration::from_secs(1))
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let asked = std::time::Instant::now();
    s.stop();
    let why = ends_by_force(&s, Duration::from_secs(15));
    assert!(asked.elapsed() >= Duration::from_secs(5), "{why}");
    assert!(
        why.starts_with("libdtrace had not returned 5 s after Stop, so dscope ended the run"),
        "{why}"
    );
    assert!(!s.is_running());
}

/// A run worker whose Stopping is still far behind in its output (a run
/// that floods output has a long queue of lines before it) is not stuck
/// in libdtrace: it goes on being read until it says it stops.
#[test]
fn a_worker_still_talking_after_stop_is_not_ended() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("talking-worker");
    // Eight seconds of output after Stop, well past the five a silent one
    // is given, then its end.
    std::fs::write(
        &path,
        "#!/bin/sh\nread request\necho '{\"Started\":{\"matches\":1}}'\nread stop\n\
         i=0\nwhile [ $i -lt 80 ]; do echo '{\"Output\":\"still here\"}'; sleep 0.1; \
         i=$((i+1)); done\necho '\"Stopping\"'\n\
         echo '{\"Finished\":{\"Ok\":{\"reason\":\"stopped\"}}}'\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut s = Session::start(path, None);
    s.run(Script::default(), None, Duration::from_secs(1))
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    s.stop();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut lines = 0;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let e = s.recv_timeout(left).expect("the run ends");
        match e.event {
            Event::Output(_) => lines += 1,
            Event::Finished(end) => {
                assert_eq!(end, Ok(dscope::model::RunEnd::Stopped));
                break;
            }
            Event::Failed(why) => panic!("ended by force: {why}"),
            _ => {}
        }
    }
    assert_eq!(lines, 80);
}

#[test]
fn a_worker_that_does_not_see_its_duration_is_ended() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::start(stuck_worker(dir.path()), None);
    let began = std::time::Instant::now();
    s.run(
        Script::default(),
        Some(Duration::from_secs(1)),
        Duration::from_secs(1),
    )
    .unwrap();
    let why = ends_by_force(&s, Duration::from_secs(15));
    assert!(began.elapsed() >= Duration::from_secs(6), "{why}");
    assert!(
        why.starts_with("libdtrace had not returned 5 s after the end of its time"),
        "{why}"
    );
}

/// A child process ended with the test, whatever its outcome.
struct Reaped(std::process::Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "run by a_second_interrupt_ends_a_process_stuck_in_libdtrace in a child process"]
fn child_stuck_after_signals() {
    dscope::dtrace::signals::install();
    // Says when the first interrupt has been taken.
    std::thread::spawn(|| {
        while !dscope::dtrace::signals::STOP.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(10));
        }
        eprintln!("asked");
    });
    eprintln!("ready");
    // As a run stuck inside a libdtrace call: it never looks at the flags.
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

#[test]
fn a_second_interrupt_ends_a_process_stuck_in_libdtrace() {
    use std::io::BufRead;
    let mut child = Reaped(
        Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "child_stuck_after_signals",
                "--ignored",
                "--nocapture",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    // The child's lines, each waited for at most 10 s: a child that
    // never takes an interrupt (SIGINT ignored by the shell that started
    // the tests, as `cmd &` does) fails the test instead of hanging it.
    let err = std::io::BufReader::new(child.0.stderr.take().unwrap());
    let (said, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in err.lines().map_while(Result::ok) {
            if said.send(line).is_err() {
                break;
            }
        }
    });
    let next = || lines.recv_timeout(Duration::from_secs(10)).ok();
    while !next()
        .expect("the child did not start")
        .starts_with("ready")
    {}
    let int = |c: &std::process::Child| {
        let ok = Command::new("kill")
            .args(["-INT", &c.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok);
    };
    int(&child.0);
    // Seen before the second is sent: two interrupts still pending at
    // once are one to the kernel (a loaded machine may not have run the
    // child in between).
    assert!(
        next().is_some_and(|l| l.starts_with("asked")),
        "the first interrupt was not taken: is SIGINT ignored where the tests run?"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "one interrupt only asks"
    );
    int(&child.0);
    let second = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.0.try_wait().unwrap() {
            break s;
        }
        assert!(second.elapsed() < Duration::from_secs(10), "not ended");
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = second.elapsed();
    // Until the child's stderr closes, which it has by now.
    let rest: String = lines.iter().collect::<Vec<_>>().join("\n");
    assert_eq!(status.code(), Some(1), "{rest}");
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(5),
        "{took:?}"
    );
    assert!(
        rest.contains(
            "dscope: libdtrace had not returned 3 s after the second interrupt; ending now"
        ),
        "{rest}"
    );
}
