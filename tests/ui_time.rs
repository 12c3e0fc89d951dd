//! The time views and recordings in the window, driven by their labels as
//! a person would: Over time with a trend, the heat map and a column of
//! it, the flame graph with search and zoom, the Record toggle, and a
//! recording opened again with its time slider and a comparison.

mod common;

use common::*;
use dscope::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};
use dscope::session::{Event, RunEnd};
use dscope::ui::DscopeApp;
use dscope::ui::charts::{ChartData, ChartKind};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::Duration;

/// `@num[probefunc] = count()`, each key growing by its own step a
/// snapshot: read by 30, write by 20, close by 10.
fn counts(n: i64) -> Aggregation {
    let mut rows: Vec<Row> = [("read", 30), ("write", 20), ("close", 10)]
        .iter()
        .map(|(k, step)| Row {
            key: key(k),
            value: Value::Number(step * n),
        })
        .collect();
    rows.reverse();
    Aggregation {
        id: 1,
        name: "num".into(),
        function: AggFunction::Count,
        key_sizes: vec![256],
        rows,
    }
}

/// `@lat = quantize(...)`: `n` snapshots in, 2n values at 1 and n at 4.
fn latencies(n: i64) -> Aggregation {
    let bucket = |v: i64, count: i64| Bucket {
        label: v.to_string(),
        min: Some(v),
        max: Some(if v == 1 { 1 } else { 2 * v - 1 }),
        count,
        raw: None,
    };
    Aggregation {
        id: 2,
        name: "lat".into(),
        function: AggFunction::Quantize,
        key_sizes: vec![],
        rows: vec![Row {
            key: vec![],
            value: Value::Buckets(vec![
                bucket(0, 0),
                bucket(1, 2 * n),
                bucket(2, 0),
                bucket(4, n),
                bucket(8, 0),
            ]),
        }],
    }
}

/// `@stacks[stack()] = count()`.
fn stacks() -> Aggregation {
    let stack =
        |frames: &[&str]| vec![KeyPart::Stack(frames.iter().map(|f| (*f).into()).collect())];
    Aggregation {
        id: 3,
        name: "stacks".into(),
        function: AggFunction::Count,
        key_sizes: vec![8],
        rows: vec![
            Row {
                key: stack(&[
                    "vmlinux`read_hot+0x10",
                    "vmlinux`ksys_read+0x4",
                    "vmlinux`do_syscall_64+0x9",
                ]),
                value: Value::Number(30),
            },
            Row {
                key: stack(&["vmlinux`write_cold", "vmlinux`do_syscall_64+0x9"]),
                value: Value::Number(10),
            },
        ],
    }
}

fn snapshot(n: i64) -> Snapshot {
    Snapshot {
        aggregations: vec![counts(n), latencies(n), stacks()],
    }
}

/// The app with a run that delivered `snapshots` snapshots a little
/// apart (the run's clock is real), still running.
fn running(dir: &std::path::Path, snapshots: i64) -> Harness<'static, DscopeApp> {
    let config = config(dir, None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    h.state_mut()
        .apply_session_event(event(job, Event::Started { matches: 3 }));
    for n in 1..=snapshots {
        std::thread::sleep(Duration::from_millis(30));
        h.state_mut()
            .apply_session_event(event(job, Event::Snapshot(snapshot(n))));
        h.run();
    }
    h
}

/// Steps the window (one pass at a time: the reading thread asks for a
/// pass when it is done, whenever that is) until the recording is read.
fn wait_for_recording(h: &mut Harness<'static, DscopeApp>) {
    for _ in 0..500 {
        h.step();
        if !h.state().reading_recording() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(!h.state().reading_recording(), "the recording was not read");
    h.run();
}

#[test]
fn over_time_draws_the_top_keys_and_a_trend_of_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path(), 4);
    click(&mut h, "@num count()");
    click(&mut h, "Over time");
    let Some(ChartData::OverTime(m)) = h.state().charts().data("num") else {
        panic!("{:?}", h.state().charts().data("num"));
    };
    let labels: Vec<&str> = m.lines.iter().map(|l| l.label.as_str()).collect();
    assert_eq!(labels, ["read", "write", "close"]);
    assert_eq!(m.lines[0].points.len(), 4);
    assert_eq!(m.y_label, "count per second");
    // Per interval instead: read changes by 30 each snapshot.
    click(&mut h, "Per second");
    let Some(ChartData::OverTime(m)) = h.state().charts().data("num") else {
        panic!()
    };
    assert_eq!(m.y_label, "count per interval");
    let read: Vec<f64> = m.lines[0].points.iter().filter_map(|p| p.1).collect();
    assert_eq!(read, [30.0, 30.0, 30.0, 30.0]);
    // A trend of read: flat per interval, a perfect fit.
    click(&mut h, "Trend");
    h.run();
    let Some(ChartData::OverTime(m)) = h.state().charts().data("num") else {
        panic!()
    };
    let t = m.trend.as_ref().expect("a trend");
    assert_eq!(t.of, "read");
    assert!(t.fit.slope.abs() < 1e-6, "{t:?}");
    assert!(
        h.query_by_label_contains("trend of read (count per interval): 0 per second")
            .is_some(),
        "the trend is said above the plot"
    );
}

#[test]
fn the_heat_map_shows_each_interval_and_a_column_as_bars() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path(), 3);
    click(&mut h, "@lat quantize()");
    click(&mut h, "Heat map");
    let Some(ChartData::HeatMap(m)) = h.state().charts().data("lat") else {
        panic!("{:?}", h.state().charts().data("lat"));
    };
    let labels: Vec<&str> = m.buckets.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["0", "1", "2", "4", "8"]);
    // Each interval: two more values at 1, one more at 4.
    assert_eq!(m.counts.len(), 3);
    assert!(
        m.counts.iter().all(|c| c == &[0, 2, 0, 1, 0]),
        "{:?}",
        m.counts
    );
    assert!(h.query_by_label_contains("square-root scale").is_some());
}

#[test]
fn stacks_open_as_a_flame_graph_that_searches() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path(), 1);
    click(&mut h, "@stacks count()");
    let Some(ChartData::Flame(m)) = h.state().charts().data("stacks") else {
        panic!("{:?}", h.state().charts().data("stacks"));
    };
    assert_eq!(m.total(), 40);
    // Offsets do not split a function: one do_syscall_64 under the root.
    let root = &m.nodes[0];
    assert_eq!(root.children.len(), 1);
    assert_eq!(m.name(root.children[0]), "vmlinux`do_syscall_64");
    assert_eq!(m.nodes[root.children[0]].value, 40);
    assert!(h.query_by_label("Icicle").is_some());
    assert!(h.query_by_label("Reset zoom").is_some());
    replace_text(&mut h, "Search", "read");
    h.run();
    assert!(
        h.query_by_label("\"read\" matches 75.0 % of all").is_some(),
        "the share of the stacks through matching frames is said"
    );
}

#[test]
fn record_writes_the_run_and_open_recording_shows_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    click(&mut h, "Record");
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    let recording = h
        .state()
        .run_panel()
        .recording_to()
        .expect("recording")
        .to_owned();
    assert!(recording.starts_with(dir.path().join("recordings")));
    assert!(recording.to_string_lossy().ends_with(".dsrec"));
    let mut events = vec![Event::Started { matches: 3 }];
    for n in 1..=3 {
        events.push(Event::Snapshot(snapshot(n)));
    }
    events.push(Event::Output("hello".into()));
    events.push(Event::Stopping);
    events.push(Event::Snapshot(snapshot(4)));
    events.push(Event::Finished(Ok(RunEnd::TimeUp)));
    for e in events {
        std::thread::sleep(Duration::from_millis(20));
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    }
    assert!(
        h.state().run_panel().recording_to().is_none(),
        "closed at the end"
    );
    let rec = dscope::history::recording::read(&recording, 100).unwrap();
    assert!(rec.problems.is_empty(), "{:?}", rec.problems);
    assert_eq!(rec.end.map(|e| e.1), Some(dscope::model::RunEnd::TimeUp));
    assert_eq!(rec.output.len(), 1);
    assert_eq!(rec.header.script, h.state().editor().text());
    assert_eq!(rec.history.get("num").unwrap().len(), 4);

    // Open it again: the views show it, at its end.
    let ctx = h.ctx.clone();
    h.state_mut().open_recording(&ctx, recording.clone());
    wait_for_recording(&mut h);
    let name = recording
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(h.query_by_label(&format!("Recording {name}")).is_some());
    let view = h.state().recording_view().unwrap();
    assert_eq!(view.snapshot().get("num"), Some(&counts(4)));
    // Back to the first snapshot with the slider's model.
    let first = view.rec.history.get("num").unwrap().time(0);
    h.state_mut().recording_view_mut().unwrap().move_to(first);
    h.run();
    let view = h.state().recording_view().unwrap();
    assert_eq!(view.snapshot().get("num"), Some(&counts(1)));

    // Compared with itself at its end: the Compare view ranks the keys
    // by their change from there (its end) to here (the first snapshot).
    let other = dscope::history::recording::read(&recording, 100).unwrap();
    h.state_mut()
        .recording_view_mut()
        .unwrap()
        .set_compare(recording.clone(), other);
    h.run();
    let view = h.state().recording_view().unwrap();
    assert_eq!(view.charts.kind("num"), Some(ChartKind::Compare));
    let Some(ChartData::Compare(model)) = view.charts.data("num") else {
        panic!("no comparison: {:?}", view.charts.data("num"));
    };
    let read = model
        .comparison
        .keys
        .iter()
        .find(|k| k.key == key("read"))
        .unwrap();
    assert_eq!(
        (read.before, read.after, read.difference),
        (Some(120), Some(30), -90)
    );
    assert!(
        h.query_by_label_contains("(before) to this recording at")
            .is_some()
    );

    click(&mut h, "Close recording");
    assert!(h.state().recording_view().is_none());
}

#[test]
fn a_file_that_is_no_recording_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.dsrec");
    std::fs::write(&bad, "these are my notes\n").unwrap();
    let mut h = app(dir.path(), None);
    let ctx = h.ctx.clone();
    h.state_mut().open_recording(&ctx, bad.clone());
    wait_for_recording(&mut h);
    h.run();
    assert!(h.state().recording_view().is_none());
    assert!(
        h.query_by_label_contains("is not a dscope recording")
            .is_some(),
        "an error names the problem"
    );
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "these are my notes\n"
    );
}
