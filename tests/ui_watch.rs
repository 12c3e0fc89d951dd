//! The Watch tab: a baseline's band on Over time, the anomalies and
//! alerts of a run, rules added and removed (written into the script),
//! and keys that move together.

mod common;

use common::*;
use dscope::history::baseline::{Baseline, Period};
use dscope::history::recording::{Header, Recorder, parse};
use dscope::model::fixtures::counts;
use dscope::session::Event;
use dscope::ui::DscopeApp;
use dscope::ui::app::BottomTab;
use dscope::ui::charts::ChartData;
use dscope::workbench::watch::Chosen;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::sync::Arc;
use std::time::Duration;

/// A baseline of k counting 5 and 15 a second in turn (mean 10, a wide
/// spread, so that a test machine's timing stays inside it).
fn baseline() -> Baseline {
    let header = Header::new("steady.d", "tick-1s { @n[\"k\"] = count(); }", 200);
    let mut bytes = Vec::new();
    let mut r = Recorder::new(&mut bytes, &header).unwrap();
    let mut total = 0;
    for i in 1..=40 {
        total += if i % 2 == 0 { 1 } else { 3 };
        r.snapshot(f64::from(i) * 0.2, &counts(&[("k", total)]))
            .unwrap();
    }
    drop(r);
    let rec = parse(&bytes[..], "base", usize::MAX).unwrap();
    Baseline::learn(&[("base.dsrec", &rec)], Period::None, 0)
}

const SCRIPT: &str = "/* dscope-alert: busy: @n[k] > 100 */\ntick-1s { @n[\"k\"] = count(); }\n";

/// A run with the baseline chosen: k steady at about 10 a second for six
/// snapshots, then 200 a second for six; j moves with k.
fn running(dir: &std::path::Path) -> Harness<'static, DscopeApp> {
    let config = config(dir, None);
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    set_script(&mut h, SCRIPT);
    h.state_mut().run_panel_mut().watch.baseline = Some(Chosen {
        path: "base.dsrec".into(),
        baseline: Arc::new(baseline()),
    });
    click(&mut h, "Run");
    let Some(job) = h.state().run_panel().run_job() else {
        panic!(
            "no run: {:?} {:?}",
            h.state().run_panel().notice,
            h.state().run_panel().status()
        );
    };
    h.state_mut()
        .apply_session_event(event(job, Event::Started { matches: 1 }));
    let mut total = 0;
    for n in 1..=12 {
        std::thread::sleep(Duration::from_millis(200));
        total += if n <= 6 { 2 } else { 40 };
        let snapshot = counts(&[("k", total), ("j", total * 3)]);
        h.state_mut()
            .apply_session_event(event(job, Event::Snapshot(snapshot)));
        h.run();
    }
    h
}

#[test]
fn a_step_is_listed_banded_and_alerted() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    let watch = &h.state().run_panel().watch;
    let above: Vec<_> = watch
        .anomalies()
        .iter()
        .filter(|a| a.end.is_none() && a.aggregation == "n")
        .collect();
    assert!(
        above.iter().any(|a| a.start > 1.0),
        "the step at the 7th snapshot is out: {:?}",
        watch.anomalies()
    );
    assert!(
        watch
            .alerts
            .iter()
            .any(|a| a.rule == "busy" && a.state == "firing")
    );
    // The tab says how many are open, and lists them.
    h.state_mut().set_bottom_tab(BottomTab::Watch);
    h.run();
    assert!(h.query_by_label_contains("Watch (").is_some());
    assert!(h.query_all_by_label_contains("@n[k] rate").next().is_some());
    assert!(h.query_by_label_contains("alert busy firing").is_some());
    // A click on the anomaly shows Over time, with the band of k.
    h.get_all_by_label_contains("@n[k] rate")
        .next()
        .unwrap()
        .click();
    h.run();
    assert_eq!(h.state().bottom_tab(), BottomTab::Aggregations);
    h.run();
    let Some(ChartData::OverTime(m)) = h.state().charts().data("n") else {
        panic!("{:?}", h.state().charts().data("n"));
    };
    let band = m.band.as_ref().expect("a band from the baseline");
    assert_eq!(band.of, "k");
    assert!(!band.points.is_empty());
    let (_, low, high) = band.points[0];
    assert!(low < 10.0 && high > 10.0, "{band:?}");
    assert!(!band.out.is_empty(), "{band:?}");
    assert!(
        h.query_all_by_label_contains("normal range of k")
            .next()
            .is_some()
    );
}

#[test]
fn rules_are_added_and_removed_in_the_script() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    h.state_mut().set_bottom_tab(BottomTab::Watch);
    h.run();
    replace_text(&mut h, "New rule", "slow: @n[*] < 1 for 5");
    click(&mut h, "Add rule");
    let text = h.state().editor().text().to_owned();
    assert!(
        text.contains("/* dscope-alert: slow: @n[*] < 1 for 5 */"),
        "{text}"
    );
    assert!(
        text.contains("/* dscope-alert: busy: @n[k] > 100 */"),
        "{text}"
    );
    // A rule that does not read is refused with why, and nothing changes.
    replace_text(&mut h, "New rule", "oops @r > 1");
    click(&mut h, "Add rule");
    assert!(
        h.query_by_label_contains("a rule starts with its name")
            .is_some()
    );
    assert_eq!(h.state().editor().text(), text);
    // Remove takes the first rule (busy) out.
    h.get_all_by_label("Remove").next().unwrap().click();
    h.run();
    let text = h.state().editor().text();
    assert!(!text.contains("busy:"), "{text}");
    assert!(text.contains("slow:"), "{text}");
}

#[test]
fn keys_that_move_together_are_found_and_plotted() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = running(dir.path());
    h.state_mut().set_bottom_tab(BottomTab::Watch);
    h.run();
    click(&mut h, "Maximize");
    click(&mut h, "Find keys that move together");
    let found = h.state().watch_panel().correlations.found().cloned();
    assert!(
        h.query_by_label_contains("@n[j] ~ @n[k]").is_some()
            || h.query_by_label_contains("@n[k] ~ @n[j]").is_some(),
        "the pair is listed: {found:?}"
    );
    assert!(h.query_by_label_contains("per second (r = +1.00").is_some());
}
