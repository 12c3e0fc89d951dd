//! Run state belongs to the script it came from, the console says how a
//! run goes, and the window's panels fit from 700x500 up. Fed by a scripted
//! stream of engine events, as the worker would send them.

mod common;

use common::*;
use dscope::model::{AggFunction, Aggregation, Diagnostic, KeyPart, Row, Snapshot, Value};
use dscope::session::{Event, RunEnd};
use dscope::ui::DscopeApp;
use dscope::workbench::RunState;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};

fn counts() -> Snapshot {
    Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "n".into(),
            function: AggFunction::Count,
            key_sizes: vec![8],
            rows: vec![Row {
                key: vec![KeyPart::Str("read".into())],
                value: Value::Number(7),
            }],
        }],
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn open(h: &mut Harness<'_, DscopeApp>, path: &Path) {
    let ctx = h.ctx.clone();
    h.state_mut().load_path(&ctx, path);
    h.run();
}

fn send(h: &mut Harness<'_, DscopeApp>, job: u64, e: Event) {
    h.state_mut().apply_session_event(event(job, e));
    h.run();
}

#[test]
fn results_options_and_arguments_stay_with_their_script() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.d",
        "syscall::read:entry { @n[probefunc] = count(); }\n",
    );
    let b = write(dir.path(), "b.d", "BEGIN { trace($1); exit(0); }\n");
    let mut h = app(dir.path(), Some(a.clone()));
    h.state_mut().run_options_mut().args = vec!["5".into()];
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    send(&mut h, job, Event::Enabling { matches: 2 });
    send(&mut h, job, Event::Started { matches: 2 });
    send(&mut h, job, Event::Snapshot(counts()));
    send(
        &mut h,
        job,
        Event::Finished(Ok(RunEnd::Exited { status: 0 })),
    );
    assert!(h.query_by_label("2 probes").is_some());

    open(&mut h, &b);
    let run = h.state().run_panel();
    assert_eq!(run.state(), &RunState::Idle, "b.d has not run");
    assert!(run.snapshot().is_none(), "a.d's aggregations are not b.d's");
    assert!(h.query_by_label("2 probes").is_none());
    assert!(h.state().charts().data("n").is_none());
    assert!(
        h.state_mut().run_options_mut().args.is_empty(),
        "a.d's $1 does not reach b.d"
    );

    open(&mut h, &a);
    let run = h.state().run_panel();
    assert_eq!(
        run.state(),
        &RunState::Finished(Ok(RunEnd::Exited { status: 0 }))
    );
    assert_eq!(run.snapshot(), Some(&counts()));
    assert_eq!(h.state_mut().run_options_mut().args, ["5"]);

    // New starts from nothing, and an unsaved buffer's results do not
    // come back to the next one.
    shortcut(&mut h, CMD, egui::Key::N);
    assert!(h.state().run_panel().snapshot().is_none());
}

#[test]
fn a_run_goes_on_behind_another_script_and_keeps_what_it_sends() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "a.d", "tick-1s { printf(\"tick\\n\"); }\n");
    let b = write(dir.path(), "b.d", "BEGIN { exit(0); }\n");
    let mut h = app(dir.path(), Some(a.clone()));
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    send(&mut h, job, Event::Started { matches: 1 });
    open(&mut h, &b);
    send(&mut h, job, Event::Output("tick".into()));
    assert!(!h.state().run_panel().console.has_output());
    click(&mut h, "Run");
    assert!(
        h.query_by_label_contains("a.d is still running").is_some(),
        "one run at a time, and which one is said"
    );
    open(&mut h, &a);
    let lines: Vec<&str> = h.state().run_panel().console.lines().collect();
    assert_eq!(lines, ["tick"]);
    assert!(h.state().run_panel().state().is_active());
}

#[test]
fn the_console_says_how_the_run_went_and_prints_the_aggregations_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "agg.d",
        "BEGIN\n{\n}\n\nsyscall::read:entry\n{\n    @n[probefunc] = count();\n    trace(*(int *)0);\n}\n",
    );
    let mut h = app(dir.path(), Some(a));
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    send(&mut h, job, Event::Enabling { matches: 2 });
    assert!(h.query_by_label("enabling probes…").is_some());
    assert!(
        h.query_by_label_contains("script 'agg.d' matched 2 probes")
            .is_some()
    );
    send(&mut h, job, Event::Started { matches: 2 });
    assert!(
        h.query_by_label_contains("tracing 2 probes since")
            .is_some()
    );
    send(
        &mut h,
        job,
        Event::RuntimeError(
            "error in dt_clause_1 for probe ID 7 (syscall:vmlinux:read:entry): invalid address (0x0) at BPF pc 12".into(),
        ),
    );
    send(&mut h, job, Event::Snapshot(counts()));
    send(&mut h, job, Event::Stopping);
    assert!(h.query_by_label("stopping: detaching 2 probes…").is_some());
    send(&mut h, job, Event::Finished(Ok(RunEnd::TimeUp)));
    h.state_mut()
        .set_bottom_tab(dscope::ui::app::BottomTab::Console);
    h.run();
    // dtrace(1) prints the aggregations when the run ends.
    let lines: Vec<&str> = h.state().run_panel().console.lines().collect();
    assert_eq!(
        lines,
        [
            "",
            "  read                                                              7",
            ""
        ]
    );
    assert!(h.query_by_label_contains("run ended after").is_some());
    // The runtime error names the second clause: a click shows it.
    click(&mut h, "line 5");
    assert_eq!(h.state().editor().cursor_line_col(), (5, 1));
}

#[test]
fn an_extraneous_argument_is_not_placed_past_the_end_of_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "x.d", "BEGIN\n{ exit(0); }\n");
    let mut h = app(dir.path(), Some(a));
    click(&mut h, "Check");
    let job = h.state().check_job().unwrap();
    let d = Diagnostic::error(3, "extraneous argument '5' ($1 is not referenced)");
    send(&mut h, job, Event::Diagnostics(vec![d]));
    let shown = h.state().editor().diagnostics();
    assert_eq!(shown[0].line, 0, "{shown:?}");
    h.state_mut()
        .set_bottom_tab(dscope::ui::app::BottomTab::Problems);
    h.run();
    assert!(
        h.query_by_label_contains("script  extraneous argument")
            .is_some(),
        "Problems names the script, not a line"
    );
}

#[test]
fn the_panels_fit_at_every_size_and_the_split_is_kept_per_window_size() {
    for size in [
        egui::vec2(700.0, 500.0),
        egui::vec2(1100.0, 760.0),
        egui::vec2(1600.0, 1000.0),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = config(dir.path(), None);
        let mut h = Harness::builder()
            .with_size(size)
            .build_eframe(move |cc| DscopeApp::new(cc, config));
        h.run();
        click(&mut h, "Aggregations");
        let editor = h.get_by_label("D script editor").rect();
        let grip = h.get_by_label("Resize the bottom panel").rect();
        let status = h
            .get_by_label(dscope::examples::default_script().file_name)
            .rect();
        assert!(editor.height() >= 90.0, "{size:?}: editor {editor:?}");
        let bottom = status.top() - grip.top();
        assert!(bottom >= 140.0, "{size:?}: bottom panel {bottom}");
        assert!(
            (bottom / (status.top() - editor.top()) - 0.55).abs() < 0.1,
            "{size:?}: the bottom panel starts at about 55% of the height"
        );
        // Dragging the grip up gives the bottom panel 100 points more.
        let from = grip.center();
        h.hover_at(from);
        h.run();
        h.drag_at(from);
        h.run();
        h.hover_at(from - egui::vec2(0.0, 100.0));
        h.run();
        h.drop_at(from - egui::vec2(0.0, 100.0));
        h.run();
        let moved = h.get_by_label("Resize the bottom panel").rect();
        assert!(
            (grip.top() - moved.top() - 100.0).abs() < 8.0,
            "{size:?}: {grip:?} -> {moved:?}"
        );
        let key = format!("{:.0}x{:.0}", size.x, size.y);
        assert!(h.state().settings().output_splits.contains_key(&key));
        // Maximize and Restore bring back exactly that split.
        click(&mut h, "Maximize");
        click(&mut h, "Restore");
        let back = h.get_by_label("Resize the bottom panel").rect();
        assert!((back.top() - moved.top()).abs() < 1.0, "{moved:?} {back:?}");
        // Another window size has a split of its own.
        h.set_size(size + egui::vec2(0.0, 80.0));
        h.run();
        h.set_size(size);
        h.run();
        let again = h.get_by_label("Resize the bottom panel").rect();
        assert!(
            (again.top() - moved.top()).abs() < 1.0,
            "{moved:?} {again:?}"
        );
    }
}
