//! Baselines, anomalies, alerts and correlations on runs made live by the
//! tests, with scripts whose rates they control through `tick-` probes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::live;

fn dscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, source: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, source).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Ten a second; from the 51st tick (5.1 s) to the 80th, fifty.
const STEP: &str =
    "#pragma D option quiet\ntick-100ms { i++; @r[\"k\"] = sum(i > 50 && i <= 80 ? 5 : 1); }\n";
const STEADY: &str = "#pragma D option quiet\ntick-100ms { @r[\"k\"] = sum(1); }\n";

#[test]
fn a_step_is_an_anomaly_from_its_second_and_fires_and_clears_a_rule() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let steady = write(dir.path(), "steady.d", STEADY);
    let step = write(dir.path(), "step.d", STEP);
    let base = dir.path().join("base.dsrec");
    let out = dscope(&["run", "--duration", "10", "--record", s(&base), s(&steady)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let alerts = dir.path().join("alerts.json");
    let command = format!("tee -a {}", alerts.display());
    let recorded = dir.path().join("step.dsrec");
    let out = dscope(&[
        "run",
        "--duration",
        "12",
        "--baseline",
        s(&base),
        "--record",
        s(&recorded),
        "--alert",
        "step: @r[k] > 30",
        "--alert-command",
        &command,
        s(&step),
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // Said on stderr as it happened: the anomaly, the alert, both over.
    let anomaly = err
        .lines()
        .find(|l| l.starts_with("dscope: anomaly: @r[k] rate"))
        .unwrap_or_else(|| panic!("no anomaly said: {err}"));
    let since: f64 = anomaly
        .split("since ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap();
    assert!(
        (5.0..=7.0).contains(&since),
        "the step is at 5.1 s: {anomaly}"
    );
    assert!(err.contains("dscope: anomaly over: @r[k] rate"), "{err}");
    assert!(
        err.contains("dscope: alert step firing: @r[k] rate"),
        "{err}"
    );
    assert!(err.contains("dscope: alert step cleared"), "{err}");
    // The command had each alert as JSON on its standard input.
    let mut lines = String::new();
    for _ in 0..50 {
        lines = std::fs::read_to_string(&alerts).unwrap_or_default();
        if lines.lines().count() >= 2 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let docs: Vec<serde_json::Value> = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fired = docs.iter().find(|d| d["state"] == "firing").unwrap();
    assert_eq!(fired["rule"], "step");
    assert_eq!(fired["key"][0]["value"], "k");
    assert_eq!(fired["limit"], 30.0);
    assert!(fired["value"].as_f64().unwrap() > 30.0);
    let t = fired["t"].as_f64().unwrap();
    assert!((5.0..=7.0).contains(&t), "{fired}");
    assert!(docs.iter().any(|d| d["state"] == "cleared"), "{docs:?}");
    // The report of the recording finds the same, and not before.
    let out = dscope(&[
        "report",
        s(&recorded),
        "--baseline",
        s(&base),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = doc["aggregations"][0]["anomalies"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{doc}");
    let start = found[0]["start"].as_f64().unwrap();
    assert!((5.0..=7.0).contains(&start), "{doc}");
    assert!(found[0]["end"].as_f64().unwrap() > start);
    assert_eq!(found[0]["kind"], "above");
}

/// a and b count in the same seconds (two of every three); c on a cycle
/// of its own.
const TOGETHER: &str = r#"#pragma D option quiet
tick-100ms { i++; }
tick-100ms /(i / 10) % 3 != 1/ { @n["a"] = count(); @n["b"] = count(); }
tick-100ms /(i % 7) < 3/ { @n["c"] = count(); }
"#;

#[test]
fn keys_driven_together_rank_first() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = write(dir.path(), "together.d", TOGETHER);
    let rec = dir.path().join("together.dsrec");
    let out = dscope(&["run", "--duration", "14", "--record", s(&rec), s(&script)]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = dscope(&["report", s(&rec), "--correlations", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &doc["pairs"][0];
    let keys = [
        &first["a"]["key"][0]["value"],
        &first["b"]["key"][0]["value"],
    ];
    assert_eq!(keys, ["a", "b"], "{doc}");
    assert!(first["r"].as_f64().unwrap() > 0.95, "{doc}");
    let text = text(&dscope(&["report", s(&rec), "--correlations"]).stdout);
    assert!(text.contains("@n[a] ~ @n[b]"), "{text}");
}

/// A run that ends by exit() adds no point after tracing stopped: its
/// last point still counts (its rate is not 0), so that a baseline or a
/// rule does not see the end as a fall.
#[test]
fn a_run_that_exits_adds_no_point_after_tracing_stopped() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("exit.dsrec");
    let out = dscope(&[
        "run",
        "-q",
        "--record",
        s(&rec),
        "-n",
        "profile-997 { @n = count(); } tick-5s { exit(0); }",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let csv = text(&dscope(&["report", s(&rec), "--format", "csv"]).stdout);
    let rates: Vec<f64> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').next()?.parse().ok())
        .collect();
    assert!(rates.len() >= 3, "{csv}");
    assert!(rates.iter().all(|&r| r > 100.0), "{csv}");
    // And its last interval ends about when tracing did: the run ends
    // when exit()'s record is consumed, not up to a second later at the
    // next status check, so the last rate reads as the others do rather
    // than as half of them.
    let (last, rest) = rates.split_last().unwrap();
    let mut rest = rest.to_vec();
    rest.sort_by(f64::total_cmp);
    let typical = rest[rest.len() / 2];
    assert!(
        *last > 0.8 * typical,
        "the last interval reads {last}/s against {typical}/s: {csv}"
    );
}
