//! The IDE around the editor as a user drives it, fed by a scripted stream
//! of engine events: the Aggregations panel and its exports, the Problems
//! list, Run Options, the console, the probe browser and completion. The
//! numbers asserted are the ones the charts show.

mod common;

use common::*;
use dscope::model::{AggFunction, Aggregation, Bucket, Probe, Row, Snapshot, Value};
use dscope::session::Event;
use dscope::ui::DscopeApp;
use dscope::ui::app::BottomTab;
use dscope::ui::charts::ChartData;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

fn bucket(min: i64, count: i64) -> Bucket {
    Bucket {
        label: min.to_string(),
        min: Some(min),
        max: Some(min + 1),
        count,
        raw: None,
    }
}

/// `@dist[execname] = lquantize(arg0, 0, 12, 2)`.
fn reads() -> Aggregation {
    Aggregation {
        id: 2,
        name: "dist".into(),
        function: AggFunction::Lquantize {
            base: 0,
            step: 2,
            levels: 6,
        },
        key_sizes: vec![256],
        rows: vec![
            Row {
                key: key("bash"),
                value: Value::Buckets(vec![bucket(0, 5), bucket(2, 1), bucket(4, 0)]),
            },
            Row {
                key: key("sshd"),
                value: Value::Buckets(vec![bucket(2, 0), bucket(4, 9), bucket(6, 3), bucket(8, 0)]),
            },
        ],
    }
}

fn snapshot() -> Snapshot {
    Snapshot {
        aggregations: vec![syscalls(), reads()],
    }
}

/// Starts a run and feeds it `events`.
fn run_with(h: &mut Harness<'_, DscopeApp>, events: Vec<Event>) -> u64 {
    click(h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    for e in events {
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    }
    job
}

#[test]
fn count_is_a_pie_of_the_top_keys_and_other_with_a_legend() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    run_with(
        &mut h,
        vec![Event::Started { matches: 2 }, Event::Snapshot(snapshot())],
    );
    assert_eq!(
        h.state().bottom_tab(),
        BottomTab::Aggregations,
        "a script without output shows its charts"
    );
    assert!(h.query_by_label("@num count()").is_some());
    assert!(h.query_by_label("@dist lquantize()").is_some());
    // 780 in all: read is 120 of it, and the two smallest (20 + 10) are
    // folded into "other".
    let Some(ChartData::Pie(pie)) = h.state().charts().data("num") else {
        panic!("count() is drawn as a pie");
    };
    assert_eq!(pie.total, 780);
    assert_eq!(pie.slices.len(), 11);
    assert_eq!(pie.slices[0].label, "read");
    assert_eq!(pie.slices[10].label, "other (2 keys)");
    assert_eq!(pie.slices[10].value, 30);
    assert!(h.query_by_label("read").is_some());
    assert!(h.query_by_label("15.4%").is_some(), "read's share");
    assert!(h.query_by_label("other (2 keys)").is_some());
    assert_eq!(
        h.query_all_by_label("3.8%").count(),
        2,
        "lseek's share, and other's"
    );
    assert!(h.query_by_label("total 780").is_some());

    click(&mut h, "Bars");
    let Some(ChartData::Bars(bars)) = h.state().charts().data("num") else {
        panic!("switched to bars");
    };
    assert_eq!(bars.rows[0], ("read".to_owned(), 120));
    assert_eq!(bars.rows[11], ("dup".to_owned(), 10));
    click(&mut h, "Table");
    let Some(ChartData::Table(table)) = h.state().charts().data("num") else {
        panic!("switched to the table");
    };
    assert_eq!(table.columns, ["key", "count"]);
    // Sort by count, largest first, by clicking its heading.
    click(&mut h, "count");
    let Some(ChartData::Table(table)) = h.state().charts().data("num") else {
        panic!()
    };
    let first: Vec<&str> = table.shown().take(2).map(|r| r[0].text.as_str()).collect();
    assert_eq!(first, ["read", "write"]);
    click(&mut h, "Text");
    assert!(
        h.query_by_label(&syscalls().to_dtrace_text()).is_some(),
        "the text view is what dtrace prints"
    );
}

#[test]
fn lquantize_is_3d_bars_of_buckets_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    run_with(
        &mut h,
        vec![Event::Started { matches: 2 }, Event::Snapshot(snapshot())],
    );
    click(&mut h, "@dist lquantize()");
    let Some(ChartData::Bars3d(grid)) = h.state().charts().data("dist") else {
        panic!("lquantize() is drawn as 3D bars");
    };
    let buckets: Vec<&str> = grid.buckets.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(buckets, ["0", "2", "4", "6", "8"]);
    assert_eq!(grid.keys, ["sshd", "bash"], "largest total first");
    assert_eq!(grid.count(0, 2), 9, "sshd, bucket 4");
    assert_eq!(grid.count(1, 0), 5, "bash, bucket 0");
    assert_eq!(grid.count(1, 3), 0);
    assert_eq!(grid.max, 9);
    assert!(h.query_by_label_contains("2 keys x 5 buckets").is_some());
    // Chart kinds offered for a distribution.
    assert!(h.query_by_label("3D bars").is_some());
    assert!(h.query_by_label("Pie").is_none());
    // A later snapshot updates the chart.
    let mut later = snapshot();
    later.aggregations[1].rows[0].value = Value::Buckets(vec![bucket(0, 50)]);
    let job = h.state().run_panel().run_job().unwrap();
    h.state_mut()
        .apply_session_event(event(job, Event::Snapshot(later)));
    h.run();
    let Some(ChartData::Bars3d(grid)) = h.state().charts().data("dist") else {
        panic!()
    };
    assert_eq!(grid.keys, ["bash", "sshd"]);
    assert_eq!(grid.max, 50);
}

#[test]
fn exports_write_the_aggregation_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    run_with(
        &mut h,
        vec![Event::Started { matches: 2 }, Event::Snapshot(snapshot())],
    );
    click(&mut h, "@dist lquantize()");
    click(&mut h, "CSV…");
    let csv = dir.path().join("reads.csv");
    replace_text(&mut h, "File name:", csv.to_str().unwrap());
    click(&mut h, "Save");
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(
        text,
        "key,bucket,min,max,count\r\n\
         bash,0,0,1,5\r\nbash,2,2,3,1\r\nbash,4,4,5,0\r\n\
         bash,p50,0,1,\r\nbash,p90,2,3,\r\nbash,p99,2,3,\r\nbash,max,2,3,\r\n\
         bash,mean,,,0.8\r\n\
         sshd,2,2,3,0\r\nsshd,4,4,5,9\r\nsshd,6,6,7,3\r\nsshd,8,8,9,0\r\n\
         sshd,p50,4,5,\r\nsshd,p90,6,7,\r\nsshd,p99,6,7,\r\nsshd,max,6,7,\r\n\
         sshd,mean,,,5.0\r\n"
    );
    click(&mut h, "JSON…");
    let json = dir.path().join("reads.json");
    replace_text(&mut h, "File name:", json.to_str().unwrap());
    click(&mut h, "Save");
    let back: Aggregation = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(back, reads());
}

#[test]
fn the_console_is_saved_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    run_with(
        &mut h,
        vec![
            Event::Started { matches: 1 },
            Event::Output("first line".into()),
            Event::Output("second line".into()),
        ],
    );
    assert_eq!(h.state().bottom_tab(), BottomTab::Console);
    click(&mut h, "Save…");
    let out = dir.path().join("out.txt");
    replace_text(&mut h, "File name:", out.to_str().unwrap());
    click(&mut h, "Save");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "first line\nsecond line\n"
    );
}

#[test]
fn the_problems_list_jumps_to_the_line() {
    use dscope::model::Diagnostic;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Check");
    let job = h.state().check_job().unwrap();
    let d = Diagnostic::error(3, "syntax error near \"}\"").with_columns(4..5);
    h.state_mut()
        .apply_session_event(event(job, Event::Diagnostics(vec![d])));
    h.run();
    click(&mut h, "Problems (1)");
    h.get_by_label_contains("line 3:5").click();
    h.run();
    h.run();
    assert_eq!(h.state().editor().cursor_line_col(), (3, 5));
}

#[test]
fn run_options_reach_the_script_and_destructive_actions_need_a_yes() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Options…");
    assert!(h.query_by_label("Run options").is_some());
    click(&mut h, "Add option");
    replace_text(&mut h, "option 1 name", "bufsize");
    replace_text(&mut h, "option 1 value", "8m");
    click(&mut h, "Add argument");
    replace_text(&mut h, "$1", "1234");
    click(&mut h, "Allow destructive actions");
    assert!(h.query_by_label("Allow destructive actions?").is_some());
    click(&mut h, "Keep them off");
    assert!(!h.state().script().destructive);
    click(&mut h, "Allow destructive actions");
    click(&mut h, "Allow");
    let script = h.state().script();
    assert_eq!(script.options, [("bufsize".into(), Some("8m".into()))]);
    assert_eq!(script.args, ["1234"]);
    assert!(script.destructive);
    assert!(h.query_by_label("destructive actions allowed").is_some());
    assert!(h.query_by_label("Options (2)…").is_some());
}

fn probe(id: u32, p: &str, m: &str, f: &str, n: &str) -> Probe {
    Probe::new(id, p, m, f, n)
}

/// Opens the probe browser (F2) and answers its listing with `probes`.
fn open_browser_with(h: &mut Harness<'_, DscopeApp>, probes: Vec<Probe>) {
    shortcut(h, egui::Modifiers::NONE, egui::Key::F2);
    let job = h
        .state()
        .probe_browser()
        .loading
        .expect("opening the browser lists the probes");
    h.state_mut()
        .apply_session_event(event(job, Event::Probes(Ok(probes))));
    h.run();
}

#[test]
fn the_probe_browser_filters_and_inserts_a_probe_at_the_cursor() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    open_browser_with(
        &mut h,
        vec![
            probe(1, "dtrace", "", "", "BEGIN"),
            probe(2, "syscall", "vmlinux", "read", "entry"),
            probe(3, "syscall", "vmlinux", "readv", "return"),
            probe(4, "syscall", "vmlinux", "write", "entry"),
        ],
    );
    assert!(h.query_by_label("4 of 4 probes").is_some());
    // The cursor at the end of the script, then a filter.
    set_script(&mut h, "/* a */\n");
    h.state_mut().editor_mut().goto(2, 0);
    h.run();
    replace_text(&mut h, "Filter", "syscall::read*:");
    assert!(h.query_by_label("2 of 4 probes").is_some());
    assert!(h.query_by_label("write").is_none());
    click(&mut h, "return");
    assert!(h.query_by_label("Reading argument types…").is_some());
    let readv_return = probe(3, "syscall", "vmlinux", "readv", "return");
    h.state_mut().apply_session_event(event(
        0,
        Event::ProbeArgs {
            probe: readv_return,
            types: Ok(vec!["long".into()]),
        },
    ));
    h.run();
    assert!(
        h.query_by_label("args[0]: long").is_some(),
        "like dtrace -lv"
    );
    click(&mut h, "Insert at cursor");
    // On an empty line between clauses, a clause to fill in.
    assert_eq!(
        h.state().editor().text(),
        "/* a */\nsyscall::readv:return\n{\n    \n}\n"
    );
    assert!(h.state().is_dirty());
    // Undo takes the insertion back.
    h.get_by_label("D script editor").focus();
    h.run();
    shortcut(&mut h, egui::Modifiers::COMMAND, egui::Key::Z);
    assert_eq!(h.state().editor().text(), "/* a */\n");
}

#[test]
fn completion_opens_as_you_type_and_on_ctrl_space_and_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "");
    type_in_editor(&mut h, "BEGIN { @[exe");
    let items: Vec<String> = h
        .state()
        .editor()
        .completion()
        .expect("three letters open completion")
        .items
        .iter()
        .map(|i| i.insert.clone())
        .collect();
    assert_eq!(items, ["execname", "execargs"]);
    assert!(
        h.query_by_label("string execname").is_some(),
        "the signature"
    );
    // Down to execargs, back up, then Enter takes execname.
    shortcut(&mut h, egui::Modifiers::NONE, egui::Key::ArrowDown);
    assert!(h.query_by_label("string execargs").is_some());
    shortcut(&mut h, egui::Modifiers::NONE, egui::Key::ArrowUp);
    shortcut(&mut h, egui::Modifiers::NONE, egui::Key::Enter);
    assert_eq!(h.state().editor().text(), "BEGIN { @[execname");
    assert!(h.state().editor().completion().is_none());
    // Ctrl+Space after one letter; Escape closes.
    type_in_editor(&mut h, "] = q");
    assert!(
        h.state().editor().completion().is_none(),
        "one letter is not enough"
    );
    shortcut(&mut h, egui::Modifiers::COMMAND, egui::Key::Space);
    let c = h
        .state()
        .editor()
        .completion()
        .expect("Ctrl+Space opens it");
    assert_eq!(c.items[0].insert, "quantize");
    shortcut(&mut h, egui::Modifiers::NONE, egui::Key::Escape);
    assert!(h.state().editor().completion().is_none());
    assert_eq!(h.state().editor().text(), "BEGIN { @[execname] = q");
}

#[test]
fn matched_probes_shows_what_the_scripts_clauses_would_enable() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(
        &mut h,
        "syscall::read*:entry, dtrace:::BEGIN\n/pid != 0/\n{ @[probefunc] = count(); }\n",
    );
    open_browser_with(
        &mut h,
        vec![
            probe(1, "dtrace", "", "", "BEGIN"),
            probe(2, "dtrace", "", "", "END"),
            probe(3, "syscall", "vmlinux", "read", "entry"),
            probe(4, "syscall", "vmlinux", "readv", "entry"),
            probe(5, "syscall", "vmlinux", "read", "return"),
        ],
    );
    click(&mut h, "Matched probes");
    assert!(h.query_by_label("3 of 5 probes").is_some());
    assert!(h.query_by_label("BEGIN").is_some());
    assert!(h.query_by_label("END").is_none());
    assert!(h.query_by_label("return").is_none());
    assert!(
        h.state().check_job().is_some(),
        "libdtrace is asked for its count too"
    );
}

#[test]
fn a_script_with_destructive_actions_asks_before_each_run() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(
        &mut h,
        "/* system() here is only a comment */\nproc:::exec { raise(9); stop(); }\n",
    );
    click(&mut h, "Run");
    assert!(
        h.query_by_label_contains("This script calls raise(), stop()")
            .is_some()
    );
    click(&mut h, "Cancel");
    assert_eq!(h.state().run_panel().run_job(), None, "nothing ran");
    click(&mut h, "Run");
    click(&mut h, "Run with destructive actions");
    assert!(h.state().run_panel().run_job().is_some());
    assert!(!h.state().script().destructive, "only for that run");
}

#[test]
fn a_script_that_turns_destructive_actions_on_itself_asks_too() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(
        &mut h,
        "#pragma D option destructive\nBEGIN { trace(1); exit(0); }\n",
    );
    click(&mut h, "Run");
    assert!(
        h.query_by_label_contains("This script turns on destructive actions with #pragma")
            .is_some()
    );
    click(&mut h, "Cancel");
    assert_eq!(h.state().run_panel().run_job(), None, "nothing ran");

    // And -x destructive in Run Options would skip the question.
    set_script(&mut h, "BEGIN { exit(0); }\n");
    h.state_mut()
        .run_options_mut()
        .options
        .push(("destructive".into(), String::new()));
    click(&mut h, "Run");
    assert_eq!(h.state().run_panel().run_job(), None);
    assert!(
        h.query_all_by_label_contains("use \"Allow destructive actions\"")
            .next()
            .is_some()
    );
}

/// A profile's run on FreeBSD leaves a console of long stack lines and
/// over a thousand runtime errors, each at another address: they are one
/// kind of error, and the console keeps the panel's tabs and buttons in
/// the window.
#[test]
fn a_console_full_of_errors_and_stacks_keeps_the_panel_in_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    let mut events = vec![Event::Started { matches: 2 }];
    for i in 0..1174u64 {
        events.push(Event::RuntimeError(format!(
            "error on enabled probe ID 3 (ID 69870: profile:::profile-997): \
             invalid address (0x{:x}) in action #3 at DIF offset {}",
            0x14 + 8 * i,
            28 + i % 5
        )));
    }
    for i in 0..3000 {
        events.push(Event::Output(format!(
            "              libc.so.7`__sys_read+0x{i:x}{}",
            " frame".repeat(i % 40)
        )));
    }
    for e in events {
        h.state_mut().apply_session_event(event(job, e));
    }
    h.run();
    click(&mut h, "Aggregations");
    click(&mut h, "Console");
    h.run();
    let screen = h.ctx.content_rect();
    for label in ["Console", "Maximize", "Clear"] {
        let rect = h.get_by_label(label).rect();
        assert!(
            screen.contains_rect(rect),
            "{label} at {rect:?}, outside the window {screen:?}"
        );
    }
    assert!(
        h.query_by_label_contains("invalid address (0x…) in action #3")
            .is_some()
    );
}
