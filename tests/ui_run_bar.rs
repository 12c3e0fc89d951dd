//! The run bar at the sizes people use: the state, the clock and the probe
//! count stay in view at 800 pixels, a failure is said whole, and what the
//! bar says belongs to the text on screen.

mod common;

use common::*;
use dscope::model::RunEnd;
use dscope::session::{Event, Target};
use egui_kittest::kittest::Queryable;

const FAILURE: &str = "dtrace: failed to grab process 4242: the process is being traced by \
                       another debugger, and only one can trace it at a time";

#[test]
fn state_clock_and_probes_stay_in_view_at_800_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = window(dir.path(), None, egui::vec2(800.0, 600.0));
    set_script(&mut h, "BEGIN { exit(0); }\n");
    h.state_mut().set_target(Some(Target::Command(
        "/usr/bin/python3 -c 'import time; time.sleep(60)'".into(),
    )));
    h.state_mut().run_panel_mut().duration_secs = 8.0;
    h.run();
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    h.state_mut()
        .apply_session_event(event(job, Event::Started { matches: 3 }));
    h.run();
    let window = egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(800.0, 600.0));
    for label in ["running", "3 probes"] {
        let node = h.get_by_label(label);
        assert!(
            window.contains_rect(node.rect()),
            "{label} at {:?}",
            node.rect()
        );
    }
    assert!(h.query_by_label_contains("s left").is_some(), "the clock");
    h.state_mut()
        .apply_session_event(event(job, Event::Finished(Err(FAILURE.into()))));
    h.run();
    // Said whole, not cut at the window's edge.
    let said = format!("failed: {FAILURE}");
    let status = h.get_by_label(&said);
    assert!(
        window.contains_rect(status.rect()),
        "at {:?}",
        status.rect()
    );
}

#[test]
fn what_the_bar_says_belongs_to_the_text_on_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "BEGIN { exit(0); }\n");
    click(&mut h, "Check");
    let check = h.state().check_job().unwrap();
    h.state_mut()
        .apply_session_event(event(check, Event::Checked { matches: 1 }));
    h.run();
    assert!(h.query_by_label("1 probe").is_some());
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    for e in [
        Event::Started { matches: 1 },
        Event::Finished(Ok(RunEnd::Exited { status: 0 })),
    ] {
        h.state_mut().apply_session_event(event(job, e));
    }
    h.run();
    assert!(h.query_by_label("finished: exit(0)").is_some());
    // An edit: the count and the run were of the text before it.
    type_in_editor(&mut h, " ");
    assert!(h.query_by_label("1 probe").is_none(), "the count is gone");
    assert!(
        h.query_by_label("finished: exit(0), of the text before your edits")
            .is_some()
    );
    // A check of the new text that fails leaves no count either.
    click(&mut h, "Check");
    let check = h.state().check_job().unwrap();
    h.state_mut().apply_session_event(event(
        check,
        Event::Diagnostics(vec![dscope::model::Diagnostic::error(1, "syntax error")]),
    ));
    h.run();
    assert!(h.query_by_label("1 probe").is_none());
}
