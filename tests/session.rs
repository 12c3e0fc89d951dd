//! The session's behaviour that needs no libdtrace: a run that cannot
//! start ends clearly and frees the session for the next one, and the run
//! worker refuses a malformed request.

use dscope::session::{Event, FinishReason, Script, Session};
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
    assert!(matches!(
        last.event,
        Event::Finished(FinishReason::Failed(_))
    ));
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
        matches!(&event, Event::Finished(FinishReason::Failed(m)) if m.contains("bad run request")),
        "{event:?}"
    );
}
