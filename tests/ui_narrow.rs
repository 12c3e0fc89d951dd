//! "Narrow the script" from a table row: a new script whose clauses that
//! fill the aggregation fire only for that key (and bucket), the script
//! it came from kept as it was. And the unit chooser, which every view of
//! the aggregation reads in.

mod common;

use common::*;
use dscope::model::{AggFunction, Aggregation, Bucket, Row, Snapshot, Value};
use dscope::session::Event;
use dscope::ui::DscopeApp;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

const SCRIPT: &str = "syscall::read:entry, syscall::write:entry { @num[probefunc] = count(); }\n\
                      syscall::read:return /self->ts/ { @lat[probefunc] = quantize(timestamp - self->ts); }\n";

fn snapshot() -> Snapshot {
    let count = |k: &str, n: i64| Row {
        key: key(k),
        value: Value::Number(n),
    };
    let bucket = |min: i64, count: i64| Bucket {
        label: min.to_string(),
        min: Some(min),
        max: Some(2 * min - 1),
        count,
        raw: None,
    };
    Snapshot {
        aggregations: vec![
            Aggregation {
                id: 1,
                name: "num".into(),
                function: AggFunction::Count,
                key_sizes: vec![256],
                rows: vec![count("write", 3), count("read", 7)],
            },
            Aggregation {
                id: 2,
                name: "lat".into(),
                function: AggFunction::Quantize,
                key_sizes: vec![256],
                rows: vec![Row {
                    key: key("read"),
                    value: Value::Buckets(vec![bucket(512, 0), bucket(1024, 5), bucket(2048, 0)]),
                }],
            },
        ],
    }
}

fn running(dir: &std::path::Path) -> Harness<'static, DscopeApp> {
    let config = config(dir, None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    set_script(&mut h, SCRIPT);
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().expect("a run");
    h.state_mut()
        .apply_session_event(event(job, Event::Started { matches: 3 }));
    h.state_mut()
        .apply_session_event(event(job, Event::Snapshot(snapshot())));
    h.run();
    h
}

#[test]
fn a_count_key_narrows_its_clause() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    // @num is shown first without its tab being clicked; a count has no
    // unit to choose.
    click(&mut h, "Table");
    assert!(h.query_by_label("Unit").is_none());
    h.get_by_label("read").click_secondary();
    h.run();
    click(&mut h, "Narrow the script to this key");
    let text = h.state().editor().text().to_owned();
    assert!(
        text.contains("syscall::read:entry, syscall::write:entry\n/probefunc == \"read\"/\n{ @num"),
        "{text}"
    );
    // The other clause is left as it was, and it is a new, unsaved script.
    assert!(
        text.contains("syscall::read:return /self->ts/ { @lat"),
        "{text}"
    );
    assert!(h.state().path().is_none());
}

#[test]
fn a_bucket_row_narrows_to_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    click(&mut h, "@lat quantize()");
    click(&mut h, "Table");
    // The per-key summary above shows the same range as p50: the bucket's
    // row is the last.
    h.get_all_by_label_contains("1.02 µs .. 2.05 µs")
        .last()
        .expect("the bucket's row")
        .click_secondary();
    h.run();
    click(&mut h, "Narrow the script to this key and bucket");
    let text = h.state().editor().text().to_owned();
    assert!(
        text.contains(
            "/(self->ts) && probefunc == \"read\" && (timestamp - self->ts) >= 1024 && (timestamp - self->ts) <= 2047/"
        ),
        "{text}"
    );
}

#[test]
fn a_unit_chosen_is_what_the_views_read_in() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    click(&mut h, "@lat quantize()");
    click(&mut h, "Table");
    // The script's unit: the value is a difference of timestamps.
    assert!(
        h.query_all_by_label_contains("1.02 µs .. 2.05 µs")
            .next()
            .is_some()
    );
    h.get_all_by_label("Unit").last().unwrap().click();
    h.run();
    click(&mut h, "number");
    assert!(h.query_all_by_label_contains("1.02 µs").next().is_none());
    assert!(
        h.query_all_by_label_contains("1024 .. 2047")
            .next()
            .is_some()
    );
    // And back to the script's.
    h.get_all_by_label("Unit").last().unwrap().click();
    h.run();
    click(&mut h, "ns (the script's)");
    assert!(
        h.query_all_by_label_contains("1.02 µs .. 2.05 µs")
            .next()
            .is_some()
    );
}

/// A right-click on a heat-map cell narrows the script to that bucket's
/// values, the bucket the menu names.
#[test]
fn a_heat_map_cell_narrows_to_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    // A second snapshot: the heat map has two columns.
    let job = h.state().run_panel().run_job().expect("a run");
    h.state_mut()
        .apply_session_event(event(job, Event::Snapshot(snapshot())));
    h.run();
    click(&mut h, "@lat quantize()");
    click(&mut h, "Heat map");
    let chart = h
        .state()
        .charts()
        .chart_rect()
        .expect("the heat map is drawn");
    // Below the title and the colour scale, in the middle of the cells.
    let at = chart.center() + egui::vec2(0.0, 20.0);
    let press = |pressed| egui::Event::PointerButton {
        pos: at,
        button: egui::PointerButton::Secondary,
        pressed,
        modifiers: egui::Modifiers::NONE,
    };
    h.event(egui::Event::PointerMoved(at));
    h.run();
    h.event(press(true));
    h.event(press(false));
    h.run();
    let item = h
        .get_by_label_contains("Narrow the script to the values")
        .accesskit_node()
        .label()
        .unwrap_or_default();
    let values = item.trim_start_matches("Narrow the script to the values ");
    click(&mut h, &item);
    let text = h.state().editor().text().to_owned();
    assert!(h.state().path().is_none(), "a new, unsaved script");
    assert!(
        text.contains("(self->ts) && probefunc == \"read\" && (timestamp - self->ts) >=")
            || text.contains("(self->ts) && (timestamp - self->ts) >="),
        "narrowed to {values}: {text}"
    );
}
