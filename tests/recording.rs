//! `dscope run --record` and `dscope report`: a recorded run's history
//! read back, live against libdtrace (DSCOPE_LIVE=1, see live_check.rs),
//! and reports of files that are not whole recordings.

mod common;

use common::live;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const DSCOPE: &str = env!("CARGO_BIN_EXE_dscope");

fn report(file: &Path, format: &str) -> Output {
    Command::new(DSCOPE)
        .args(["report", "--format", format])
        .arg(file)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The values and changes of the one key of `@name` in a JSON report.
fn series(report: &Value, name: &str) -> Vec<(f64, i64, i64)> {
    let agg = report["aggregations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no @{name} in {report}"));
    agg["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let row = &p["rows"][0];
            (
                p["t"].as_f64().unwrap(),
                row["value"]["value"].as_i64().unwrap(),
                row["delta"]["value"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn check_series(points: &[(f64, i64, i64)]) {
    assert!(
        points.windows(2).all(|w| w[0].0 < w[1].0),
        "times go forward: {points:?}"
    );
    assert!(points.iter().all(|p| p.2 >= 0), "{points:?}");
    let total: i64 = points.iter().map(|p| p.2).sum();
    assert_eq!(total, points.last().unwrap().1, "{points:?}");
}

#[test]
fn a_recorded_run_reports_every_second_and_its_changes_add_up() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("ticks.rec");
    let run = Command::new(DSCOPE)
        .args(["run", "--format", "json", "--duration", "5", "--record"])
        .arg(&rec)
        .args(["-n", "tick-1s { @n = count(); }"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let run: Value = serde_json::from_slice(&run.stdout).unwrap();
    let final_n = run["aggregations"][0]["rows"][0]["value"]["value"]
        .as_i64()
        .unwrap();

    let out = report(&rec, "json");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "",
        "a whole recording has nothing to say"
    );
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rep["end"]["reason"], "time-up");
    assert_eq!(rep["recording"]["snapshot_every_ms"], 1000);
    assert_eq!(rep["aggregations"][0]["function"]["name"], "count");
    let points = series(&rep, "n");
    // A tick a second for five seconds, a snapshot a second: four or
    // five points (the last one may fall on the final snapshot).
    assert!((4..=6).contains(&points.len()), "{points:?}");
    check_series(&points);
    assert_eq!(points.last().unwrap().1, final_n);
    // Each second's change is the tick of that second.
    assert!(points.iter().all(|p| p.2 <= 2), "{points:?}");

    let csv = report(&rec, "csv");
    assert!(csv.status.success());
    let csv = text(&csv.stdout);
    assert!(csv.starts_with("aggregation,function,t,key,bucket,min,max,value,delta,rate\r\n"));
    assert_eq!(csv.matches("@n,count,").count(), points.len(), "{csv}");
    let table = report(&rec, "text");
    assert!(table.status.success());
    assert!(text(&table.stdout).contains("@n (count)"));
}

#[test]
fn a_recording_cut_short_by_kill_still_reads() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("killed.rec");
    let mut child = Command::new(DSCOPE)
        .args(["run", "-q", "--record"])
        .arg(&rec)
        .args(["-n", "tick-1s { @n[\"ticks\"] = count(); }"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let snapshots = || {
        std::fs::read_to_string(&rec)
            .unwrap_or_default()
            .matches("\"snapshot\"")
            .count()
    };
    while snapshots() < 3 {
        assert!(Instant::now() < deadline, "no snapshots recorded");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let out = report(&rec, "json");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("without saying how the run ended"),
        "{}",
        text(&out.stderr)
    );
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(rep["end"].is_null());
    let points = series(&rep, "n");
    assert!(points.len() >= 3, "{points:?}");
    check_series(&points);
}

#[test]
fn reports_of_what_is_not_a_recording_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let foreign = dir.path().join("x.json");
    std::fs::write(&foreign, "{\"aggregations\": []}\n").unwrap();
    let out = report(&foreign, "json");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "dscope: {} is not a dscope recording (its first line is not a recording header)\n",
            foreign.display()
        )
    );
    assert!(out.stdout.is_empty());

    let missing = dir.path().join("none.rec");
    let out = report(&missing, "text");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot open the recording"));

    // A recording cut in the middle of a line (a full disk, a copy made
    // while recording) prints what came before, and never changes.
    let cut = dir.path().join("cut.rec");
    let whole = concat!(
        r#"{"recording":"dscope","version":1,"dscope":"0.1.0","started":"2026-12-01T10:00:00Z","script_name":"x.d","script":"","snapshot_every_ms":1000}"#,
        "\n",
        r#"{"t":1.0,"snapshot":{"aggregations":[{"id":1,"name":"n","function":{"name":"count"},"key_sizes":[],"rows":[{"k":0,"key":[],"value":{"type":"number","value":1}}],"order":[0]}]}}"#,
        "\n",
        r#"{"t":2.0,"snapshot":{"aggregations":[{"id":1,"rows":[{"k":0,"val"#,
    );
    std::fs::write(&cut, whole).unwrap();
    let out = report(&cut, "json");
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("ends in the middle of a line (cut off at 1.0 s"));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(series(&rep, "n"), [(1.0, 1, 1)]);
    assert_eq!(std::fs::read_to_string(&cut).unwrap(), whole);
}

/// A latency distribution's report says each point's p50, p90, p99 and
/// largest value as the range of its bucket: here 99 values in 100 are
/// 3,000 (quantize's [2048, 4095]) and one is 1,000,000 ([524288,
/// 1048575]).
#[test]
fn a_recorded_distribution_reports_its_percentiles_as_bucket_ranges() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rec = dir.path().join("latency.rec");
    let run = Command::new(DSCOPE)
        .args(["run", "-q", "--duration", "3", "--record"])
        .arg(&rec)
        .args([
            "-n",
            "tick-5ms { @lat = quantize(i++ % 100 == 99 ? 1000000 : 3000); }",
        ])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = report(&rec, "json");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rep: Value = serde_json::from_slice(&out.stdout).unwrap();
    let series = rep["aggregations"][0]["series"].as_array().unwrap();
    let last = &series.last().unwrap()["rows"][0];
    let count: i64 = last["value"]["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_i64().unwrap())
        .sum();
    assert!(count >= 300, "{count} values in 3 s at 200 a second");
    let p = &last["percentiles"];
    assert_eq!(p["p50"], serde_json::json!([2048, 4095]), "{last}");
    assert_eq!(p["p90"], serde_json::json!([2048, 4095]), "{last}");
    assert_eq!(p["max"], serde_json::json!([524288, 1048575]), "{last}");
    // p99 is the 99th value in a hundred: small until the big ones reach
    // one in a hundred, and never past the largest.
    let p99 = p["p99"].as_array().unwrap();
    assert!(p99[0] == 2048 || p99[0] == 524288, "{p99:?}");
    let mean = last["mean"].as_f64().unwrap();
    assert!((3000.0..20000.0).contains(&mean), "{mean}");
    let csv = text(&report(&rec, "csv").stdout);
    assert!(csv.contains(",p50,2048,4095,"), "{csv}");
    assert!(csv.contains(",max,524288,1048575,"), "{csv}");
}

/// Records `-n script` for `secs` seconds into `path`.
fn record(path: &Path, secs: &str, script: &str) {
    let run = Command::new(DSCOPE)
        .args(["run", "-q", "--duration", secs, "--record"])
        .arg(path)
        .args(["-n", script])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
}

#[test]
fn report_compare_says_which_keys_got_slower_appeared_and_vanished() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before.rec"), dir.path().join("after.rec"));
    // "steady" keeps its 3 µs; "slow" goes from 3 µs to 300 µs (seven
    // quantize() buckets up); "old" only before, "new" only after. The
    // values are times (a timestamp difference's name is in the
    // expression), so the text speaks in µs.
    record(
        &before,
        "2",
        "tick-10ms { @lat[\"steady\"] = quantize(timestamp - timestamp + 3000); \
         @lat[\"slow\"] = quantize(timestamp - timestamp + 3000); @n[\"old\"] = count(); }",
    );
    record(
        &after,
        "2",
        "tick-10ms { @lat[\"steady\"] = quantize(timestamp - timestamp + 3000); \
         @lat[\"slow\"] = quantize(timestamp - timestamp + 300000); @n[\"new\"] = count(); }",
    );
    let compare = |format: &str| {
        let out = Command::new(DSCOPE)
            .args(["report", "--format", format])
            .arg(&after)
            .arg("--compare")
            .arg(&before)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let json: Value = serde_json::from_str(&compare("json")).unwrap();
    let lat = json["aggregations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "lat")
        .unwrap();
    assert_eq!(lat["unit"], "ns", "{lat}");
    let first = &lat["keys"][0];
    assert_eq!(first["key"][0]["value"], "slow", "ranked first: {lat}");
    let p50 = &first["shifts"][0];
    assert_eq!(p50["before"], serde_json::json!([2048, 4095]), "{first}");
    assert_eq!(p50["after"], serde_json::json!([262144, 524287]), "{first}");
    assert_eq!(p50["buckets"], 7, "{first}");
    assert_eq!(lat["keys"][1]["shifts"][0]["buckets"], 0, "steady: {lat}");
    let n = json["aggregations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "n")
        .unwrap();
    let statuses: Vec<(&str, &str)> = n["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["key"][0]["value"].as_str().unwrap(),
                k["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        statuses.contains(&("old", "vanished")) && statuses.contains(&("new", "appeared")),
        "{statuses:?}"
    );
    let text = compare("text");
    let p50 = text
        .lines()
        .find(|l| l.trim_start().starts_with("p50") && l.contains("262 µs"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        p50.contains("2.05 µs .. 4.09 µs -> 262 µs .. 524 µs") && p50.ends_with("(+7 buckets)"),
        "{p50}"
    );
    let csv = compare("csv");
    assert!(
        csv.lines()
            .any(|l| l == "@lat,quantize,slow,changed,p50,2048,4095,262144,524287,,,7"),
        "{csv}"
    );
    // A file that is no recording on either side exits 2.
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "notes\n").unwrap();
    let out = Command::new(DSCOPE)
        .arg("report")
        .arg(&after)
        .arg("--compare")
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
