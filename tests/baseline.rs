//! `dscope baseline` and `dscope report --baseline` on recordings written
//! through the recording writer: the baseline file, its text, JSON and
//! CSV, and the anomaly found at the second the rate stepped up.

use dscope::history::recording::{Header, Recorder};
use dscope::model::fixtures::counts;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A recording of `seconds` snapshots a second apart; `rate(s)` is what
/// each of keys a and b counted in second `s`.
fn record(path: &Path, started: &str, seconds: u32, rate: impl Fn(u32) -> (i64, i64)) {
    let mut header = Header::new("steady.d", "tick-1s { @n[\"a\"] = count(); }", 1000);
    header.started = started.to_owned();
    let file = std::fs::File::create(path).unwrap();
    let mut r = Recorder::new(std::io::BufWriter::new(file), &header).unwrap();
    let (mut a, mut b) = (0, 0);
    for s in 1..=seconds {
        let (da, db) = rate(s);
        a += da;
        b += db;
        r.snapshot(f64::from(s), &counts(&[("a", a), ("b", b)]))
            .unwrap();
    }
}

fn dscope(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn files(dir: &Path) -> (PathBuf, PathBuf) {
    let before = dir.join("before.dsrec");
    let after = dir.join("after.dsrec");
    record(&before, "2026-01-05T10:00:00Z", 60, |s| {
        (10 + i64::from(s % 3), 5)
    });
    // a steps from 11 to 50 a second at second 25; b stays at 5.
    record(&after, "2026-01-06T10:00:00Z", 40, |s| {
        (if s >= 25 { 50 } else { 11 }, 5)
    });
    (before, after)
}

#[test]
fn a_baseline_is_saved_next_to_the_recording_and_printed() {
    let dir = tempfile::tempdir().unwrap();
    let (before, _) = files(dir.path());
    let (code, out, err) = dscope(&["baseline", s(&before)]);
    assert_eq!(code, 0, "{err}");
    let saved = dir.path().join("before.dsbase");
    assert!(
        err.contains(&format!("baseline saved to {}", saved.display())),
        "{err}"
    );
    assert!(out.contains("@n[a] rate"), "{out}");
    assert!(out.contains("11.00 ±"), "{out}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o077,
        0,
        "a baseline holds what was traced: {mode:o}"
    );
    let (code, out, _) = dscope(&[
        "baseline",
        s(&before),
        "--period",
        "daily",
        "--window",
        "1h",
        "-o",
        s(&dir.path().join("d.dsbase")),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("aggregation,key,measure,slot,samples,mean,sd\r\n"),
        "{out}"
    );
    assert!(out.contains("n,a,rate,10:00,60,11,"), "{out}");
}

#[test]
fn the_report_finds_the_step_at_its_second_and_not_before() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = files(dir.path());
    // From the recording itself, and from the saved baseline: the same.
    let saved = dir.path().join("b.dsbase");
    assert_eq!(dscope(&["baseline", s(&before), "-o", s(&saved)]).0, 0);
    for baseline in [&before, &saved] {
        let (code, out, err) = dscope(&[
            "report",
            s(&after),
            "--baseline",
            s(baseline),
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let found = &doc["aggregations"][0]["anomalies"];
        assert_eq!(found.as_array().unwrap().len(), 1, "{out}");
        let a = &found[0];
        assert_eq!(a["key"][0]["value"], "a");
        assert_eq!(a["kind"], "above");
        assert_eq!(a["start"], 25.0);
        assert_eq!(a["started"], "2026-01-06T10:00:25+00:00");
        assert_eq!(a["end"], serde_json::Value::Null);
        assert_eq!(a["value"], 50.0);
        assert!(a["band"]["high"].as_f64().unwrap() < 15.0, "{a}");
    }
    let (_, text, _) = dscope(&["report", s(&after), "--baseline", s(&saved)]);
    assert!(text.contains("@n[a] rate 50 above its normal"), "{text}");
    // Three points out in a row by default; 20 asks for more than there are.
    let (_, out, _) = dscope(&[
        "report",
        s(&after),
        "--baseline",
        s(&saved),
        "--points",
        "20",
        "--format",
        "csv",
    ]);
    assert_eq!(out.lines().count(), 1, "{out}");
}

#[test]
fn bad_baselines_are_refused_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = files(dir.path());
    let junk = dir.path().join("junk.dsbase");
    std::fs::write(&junk, b"\xff\xfe not json").unwrap();
    let (code, _, err) = dscope(&["report", s(&after), "--baseline", s(&junk)]);
    assert_eq!(code, 2);
    assert!(err.contains("not a dscope baseline"), "{err}");
    let (code, _, err) = dscope(&["baseline", s(&junk)]);
    assert_eq!(code, 2);
    assert!(err.contains("is a baseline already"), "{err}");
    let (code, _, err) = dscope(&[
        "report",
        s(&after),
        "--baseline",
        s(&before),
        "--sigmas",
        "0",
    ]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = dscope(&["baseline", s(&before), "--period", "monthly"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no period"), "{err}");
}
