//! The window on a fleet, as a person uses it: opened on two hosts (each a
//! network namespace with its own sshd, see tests/sshd), a script run from
//! the Run button through real ssh connections to `dscope agent` and the
//! real libdtrace there, its console lines with their hosts and its pie
//! the hosts' aggregations merged. The window reaches the hosts through
//! DSCOPE_SSH_CONFIG, so its part runs in a child with that set.

mod common;
mod sshd;

use common::*;
use dscope::settings::RecentHost;
use dscope::ui::DscopeApp;
use dscope::ui::charts::ChartData;
use dscope::workbench::RunState;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::time::{Duration, Instant};

#[test]
fn the_window_runs_a_script_on_a_fleet_and_charts_the_hosts_merged() {
    let Some(fleet) = sshd::fleet(2) else { return };
    if !live() {
        return;
    }
    Rerun {
        test: "the_window_on_two_hosts",
        wrapper: &[],
        env: &[
            ("DSCOPE_SSH_CONFIG", fleet.config.to_str().unwrap()),
            ("DSCOPE_LIVE", "1"),
        ],
        user: None,
    }
    .pass();
}

#[test]
#[ignore = "run by the test above, with the fleet's ssh config"]
fn the_window_on_two_hosts() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), None);
    config.scripted_engine = false;
    config.host = Some(RecentHost {
        host: "fleet-1, fleet-2".into(),
        program: Some(sshd::dscope().into()),
    });
    let mut h = Harness::builder()
        .with_size(egui::vec2(1100.0, 800.0))
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    assert_eq!(h.state().host(), Some("fleet-1, fleet-2"));
    assert!(h.state().title().ends_with("— dscope on fleet-1, fleet-2"));
    set_script(
        &mut h,
        "#pragma D option quiet\nBEGIN { printf(\"hello\\n\"); @calls[\"x\"] = count(); \
         @calls[\"y\"] = count(); @calls[\"y\"] = count(); exit(0); }\n",
    );
    click(&mut h, "Run");
    let end = Instant::now() + Duration::from_secs(120);
    while !matches!(h.state().run_panel().state(), RunState::Finished(_)) {
        assert!(
            Instant::now() < end,
            "the run did not finish: {:?}",
            h.state().run_panel().state()
        );
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    h.step();
    h.run();
    // Each host's output line says whose it is.
    click(&mut h, "Console");
    assert!(h.query_by_label("fleet-1: hello").is_some());
    assert!(h.query_by_label("fleet-2: hello").is_some());
    // The pie is the hosts' aggregations merged, the host first.
    click(&mut h, "Aggregations");
    let Some(ChartData::Pie(pie)) = h.state().charts().data("calls") else {
        panic!("no pie: {:?}", h.state().charts().data("calls"));
    };
    assert_eq!(pie.total, 2 * 3);
    let agg = h
        .state()
        .run_panel()
        .snapshot()
        .and_then(|s| s.get("calls"))
        .expect("the final snapshot");
    let mut rows: Vec<(String, i64)> = agg
        .rows
        .iter()
        .map(|r| {
            (
                dscope::model::key_label(&r.key),
                r.value.as_number().unwrap(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("fleet-1, x".to_owned(), 1),
            ("fleet-1, y".to_owned(), 2),
            ("fleet-2, x".to_owned(), 1),
            ("fleet-2, y".to_owned(), 2)
        ]
    );
    assert!(h.query_by_label_contains("fleet-2, y").is_some());
}
