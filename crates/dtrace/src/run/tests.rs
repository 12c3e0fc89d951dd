//! The callbacks' state: output pieces into lines, the non-quiet prefix,
//! exit() statuses, and the words for a traced process that is gone.

use super::*;

#[test]
fn a_gone_process_is_told_as_illumos_dtrace_tells_it() {
    assert_eq!(proc_gone_notice(7, ProcNews::Alive, 1), None);
    assert_eq!(
        proc_gone_notice(7, ProcNews::Exited, 1).as_deref(),
        Some("pid 7 has exited")
    );
    assert_eq!(
        proc_gone_notice(7, ProcNews::Lost, 1).as_deref(),
        Some("pid 7 has exited")
    );
    assert_eq!(
        proc_gone_notice(7, ProcNews::Lost, 0).as_deref(),
        Some("pid 7 exec'd a set-id or unobservable program")
    );
}

#[test]
fn output_pieces_become_lines() {
    let mut s = HandlerState::default();
    s.push_text("hel");
    s.push_text("lo\nwor");
    s.push_text("ld\n\nlast");
    s.flush();
    let lines: Vec<_> = s
        .events
        .iter()
        .map(|e| match e {
            Event::Output(l) => l.as_str(),
            _ => "?",
        })
        .collect();
    assert_eq!(lines, vec!["hello", "world", "", "last"]);
}

/// A firing's prefix comes after the heading, an exit() record's status
/// is kept, and the end of the firing ends the line.
#[test]
fn firings_record_exit_status_and_prefix_lines() {
    let mut state = HandlerState::default();
    state.prefix(1, 1, "", "BEGIN");
    assert_eq!(state.record_consumed(Some(Some(7))), Consume::Next);
    assert_eq!(state.record_consumed(Some(None)), Consume::This);
    assert_eq!(state.record_consumed(None), Consume::Next);
    assert_eq!(state.exit_status, Some(7));
    assert_eq!(
        state.events,
        vec![
            Event::Output("CPU     ID                    FUNCTION:NAME".into()),
            Event::Output(format!("  1      1 {:>32} ", ":BEGIN")),
        ]
    );
}
