//! Live tests of `dscope run` against a real libdtrace (see live_check.rs
//! for how they are switched on).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::live;
use dscope::model::{AggFunction, KeyPart, Snapshot, Value};

fn script(dir: &Path, source: &str) -> PathBuf {
    let file = dir.join("fixture.d");
    std::fs::write(&file, source).unwrap();
    file
}

fn dscope_run(file: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg("run")
        .arg(file)
        .args(extra)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every aggregating function, computed in BEGIN so the numbers are exact.
const ALL_AGGREGATIONS: &str = r#"
#pragma D option quiet
BEGIN
{
	printf("start %d %s\n", 42, "text");
	@c["a"] = count(); @c["b"] = count(); @c["b"] = count();
	@s["x", 1] = sum(10); @s["x", 2] = sum(-3); @s["y", 1] = sum(7);
	@a = avg(3); @a = avg(4); @a = avg(8);
	@mn = min(3); @mn = min(-2);
	@mx = max(9); @mx = max(-9);
	@sd = stddev(2); @sd = stddev(4); @sd = stddev(9);
	@q = quantize(1); @q = quantize(8); @q = quantize(1000); @q = quantize(-5);
	@l = lquantize(5, 0, 10, 2); @l = lquantize(7, 0, 10, 2); @l = lquantize(-1, 0, 10, 2); @l = lquantize(50, 0, 10, 2);
	@ll = llquantize(100, 10, 0, 6, 20); @ll = llquantize(5, 10, 0, 6, 20);
	exit(0);
}
"#;

#[test]
fn output_is_what_dtrace_prints_for_every_aggregating_function() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), ALL_AGGREGATIONS);
    let ours = dscope_run(&file, &[]);
    assert_eq!(ours.status.code(), Some(0), "{}", text(&ours.stderr));
    let out = text(&ours.stdout);
    assert!(out.starts_with("start 42 text\n"), "{out}");
    // Exact values as dtrace computes them.
    assert!(
        out.contains("  b                                                                 2"),
        "{out}"
    );
    assert!(
        out.contains(
            "  x                                                         1               10"
        ),
        "{out}"
    );
    assert!(
        out.lines().any(|l| l.trim() == "5"),
        "avg(3,4,8) = 5: {out}"
    );
    assert!(out.lines().any(|l| l.trim() == "-2"), "min: {out}");

    // The same bytes as the dtrace command.
    let theirs = dtrace_s(&file);
    assert_eq!(out, theirs, "dscope run and dtrace -s differ");
}

/// `dtrace -s FILE`'s standard output.
fn dtrace_s(file: &Path) -> String {
    dtrace_s_with(file, &[])
}

/// `dtrace [ARGS] -s FILE`'s standard output.
fn dtrace_s_with(file: &Path, args: &[&str]) -> String {
    let lib = dscope::dtrace::Library::load().unwrap();
    let lib_dir = lib.path.parent().unwrap().to_owned();
    let dtrace = [
        "/usr/sbin/dtrace",
        "/usr/local/sbin/dtrace",
        "/usr/bin/dtrace",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("live tests need the dtrace command to compare with");
    let theirs = Command::new(dtrace)
        .args(args)
        .arg("-s")
        .arg(file)
        .env("LD_LIBRARY_PATH", lib_dir)
        .output()
        .unwrap();
    assert_eq!(theirs.status.code(), Some(0), "{}", text(&theirs.stderr));
    text(&theirs.stdout)
}

fn json_run_with(file: &Path, args: &[&str]) -> serde_json::Value {
    let mut args = args.to_vec();
    args.extend(["--format", "json"]);
    let run = dscope_run(file, &args);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    serde_json::from_slice(&run.stdout).expect("one JSON document")
}

fn json_run(file: &Path) -> serde_json::Value {
    json_run_with(file, &[])
}

/// The aggregations of a JSON report.
fn snapshot_of(json: &serde_json::Value) -> Snapshot {
    serde_json::from_value(serde_json::json!({ "aggregations": json["aggregations"] })).unwrap()
}

/// Rows of an aggregation as (key labels, value) pairs.
fn rows(agg: &dscope::model::Aggregation) -> Vec<(String, String)> {
    agg.rows
        .iter()
        .map(|r| {
            let value = match &r.value {
                Value::Number(n) => n.to_string(),
                Value::Buckets(b) => b
                    .iter()
                    .filter(|b| b.count != 0)
                    .map(|b| format!("{}:{}", b.label, b.count))
                    .collect::<Vec<_>>()
                    .join(" "),
            };
            (dscope::model::key_label(&r.key), value)
        })
        .collect()
}

#[test]
fn json_has_every_aggregation_decoded_with_exact_values() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), ALL_AGGREGATIONS);
    let json = json_run(&file);
    assert_eq!(json["finish"]["reason"], "exited");
    assert_eq!(json["output"][0], "start 42 text");
    let snap = snapshot_of(&json);
    let get = |name: &str| rows(snap.get(name).unwrap_or_else(|| panic!("no @{name}")));
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    assert_eq!(get("c"), pairs(&[("a", "1"), ("b", "2")]));
    // Two-part keys, in dtrace's order (by value).
    assert_eq!(
        get("s"),
        pairs(&[("x, 2", "-3"), ("y, 1", "7"), ("x, 1", "10")])
    );
    assert_eq!(get("a"), pairs(&[("", "5")]));
    assert_eq!(get("mn"), pairs(&[("", "-2")]));
    assert_eq!(get("mx"), pairs(&[("", "9")]));
    assert_eq!(get("sd"), pairs(&[("", "2")]));
    assert_eq!(get("q"), pairs(&[("", "-4:1 1:1 8:1 512:1")]));
    assert_eq!(get("l"), pairs(&[("", "< 0:1 4:1 6:1 >= 10:1")]));
    assert_eq!(get("ll"), pairs(&[("", "5:1 100:1")]));
    let functions: Vec<&str> = snap
        .aggregations
        .iter()
        .map(|a| a.function.name())
        .collect();
    assert_eq!(
        functions,
        [
            "count",
            "sum",
            "avg",
            "min",
            "max",
            "stddev",
            "quantize",
            "lquantize",
            "llquantize"
        ]
    );
    assert_eq!(
        snap.get("l").unwrap().function,
        AggFunction::Lquantize {
            base: 0,
            step: 2,
            levels: 5
        }
    );
}

#[test]
fn the_text_of_a_decoded_snapshot_is_what_dtrace_prints() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(dir.path(), ALL_AGGREGATIONS);
    let json = json_run(&file);
    let snap = snapshot_of(&json);
    let theirs = dtrace_s(&file);
    let ours = format!("start 42 text\n\n{}", snap.to_dtrace_text());
    assert_eq!(ours, theirs);
}

#[test]
fn stack_and_symbol_keys_come_out_as_text() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        dir.path(),
        // Only samples taken in the kernel (arg0 is the kernel PC) have a
        // kernel stack: on a machine busy in user space most have none.
        "#pragma D option quiet\nprofile-997\n/arg0/\n{\n\t@k[stack()] = count();\n\t@f[func(arg0)] = count();\n\tn++;\n}\nprofile-997\n/n >= 20/\n{\n\texit(0);\n}\n",
    );
    let json = json_run(&file);
    let snap = snapshot_of(&json);
    let stacks = snap.get("k").expect("@k");
    assert!(!stacks.rows.is_empty());
    assert!(
        stacks
            .rows
            .iter()
            .all(|r| matches!(r.key.as_slice(), [KeyPart::Stack(_)])),
        "{stacks:?}"
    );
    let named = stacks.rows.iter().flat_map(|r| match &r.key[0] {
        KeyPart::Stack(frames) => frames.clone(),
        _ => vec![],
    });
    assert!(
        named.clone().any(|f| f.contains('`')),
        "frames are module`symbol: {:?}",
        named.collect::<Vec<_>>()
    );
    let funcs = snap.get("f").expect("@f");
    assert!(
        funcs
            .rows
            .iter()
            .all(|r| matches!(&r.key[..], [KeyPart::Symbol(s)] if !s.is_empty()))
    );
}

#[test]
fn exit_status_and_a_runtime_error_that_does_not_abort() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        dir.path(),
        "#pragma D option quiet\nBEGIN\n{\n\tx = *(int *)0;\n}\nBEGIN\n{\n\tprintf(\"still running\\n\");\n\texit(7);\n}\n",
    );
    let run = dscope_run(&file, &[]);
    let (out, err) = (text(&run.stdout), text(&run.stderr));
    assert_eq!(run.status.code(), Some(7), "{err}");
    assert!(out.contains("still running"), "{out}");
    assert!(
        err.contains("invalid address"),
        "the fault is reported: {err}"
    );
}

#[test]
fn a_continuous_run_stops_after_its_duration() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = script(
        dir.path(),
        // profile, not tick: tick probes do not fire on every kernel.
        "#pragma D option quiet\nprofile-10\n{\n\tprintf(\"tick\\n\");\n}\nEND\n{\n\tprintf(\"end\\n\");\n}\n",
    );
    // Timed from the first tick, when tracing runs: enabling before that
    // takes as long as the machine needs, and the duration starts after it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg("run")
        .arg(&file)
        .args(["--duration", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    let mut out = String::new();
    let mut started = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        started.get_or_insert_with(Instant::now);
        out.push_str(&line);
        out.push('\n');
    }
    let run = child.wait_with_output().unwrap();
    let took = started.expect("some output").elapsed();
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let ticks = out.lines().filter(|l| *l == "tick").count();
    // 10 Hz on each CPU for about a second.
    assert!((3..=80).contains(&ticks), "{ticks} ticks in 1 s: {out}");
    assert!(
        out.contains("end"),
        "END ran when the run was stopped: {out}"
    );
    assert!(took < Duration::from_secs(10), "stopping took {took:?}");
}

/// A script of tests/fixtures.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// What `dtrace -s` prints for a quiet script that ends in BEGIN, made
/// from dscope's JSON report: the script's output lines, then a blank
/// line, then the decoded aggregations as text.
fn report_text(file: &Path, args: &[&str]) -> String {
    let json = json_run_with(file, args);
    let mut out = String::new();
    for line in json["output"].as_array().expect("output lines") {
        out.push_str(line.as_str().expect("a line of text"));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&snapshot_of(&json).to_dtrace_text());
    out
}

/// dscope's text of a fixture's snapshot and `dtrace -s`'s, line by line
/// first (a readable failure), then byte for byte.
fn assert_same_as_dtrace(name: &str, args: &[&str]) {
    let file = fixture(name);
    let ours = report_text(&file, args);
    let theirs = dtrace_s_with(&file, args);
    for (i, (o, t)) in ours.lines().zip(theirs.lines()).enumerate() {
        assert_eq!(o, t, "{name} {args:?}: line {} differs", i + 1);
    }
    assert_eq!(ours, theirs, "{name} {args:?}");
}

#[test]
fn row_order_and_values_of_every_function_are_what_dtrace_prints() {
    if !live() {
        return;
    }
    // Ties broken by key (strings, signed ints compared unsigned,
    // symbols by address), distributions by weight, including
    // llquantize's overflow bins and negative buckets.
    assert_same_as_dtrace("aggregation_order.d", &[]);
}

#[test]
fn normalized_aggregations_are_what_dtrace_prints_bars_included() {
    if !live() {
        return;
    }
    // Numbers divided unsigned by the factor; distribution bars drawn
    // from the raw counts, on the side of their raw sign.
    assert_same_as_dtrace("normalized.d", &[]);
}

#[test]
fn bar_lengths_round_like_dtrace_for_huge_counts() {
    if !live() {
        return;
    }
    assert_same_as_dtrace("bar_rounding.d", &[]);
}

#[test]
fn the_aggsort_options_order_rows_and_aggregations_like_dtrace() {
    if !live() {
        return;
    }
    let file = fixture("sorted.d");
    let v1 = |args: &[&str]| -> Vec<(String, String)> {
        let json = json_run_with(&file, args);
        let snap = snapshot_of(&json);
        rows(snap.get("v1").expect("@v1"))
    };
    let pairs = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // By value, ties by key; then by key alone.
    assert_eq!(
        v1(&[]),
        pairs(&[("c, 0", "1"), ("a, 0", "3"), ("a, 2", "5"), ("b, 1", "5")])
    );
    assert_eq!(
        v1(&["-x", "aggsortkey"]),
        pairs(&[("a, 0", "3"), ("a, 2", "5"), ("b, 1", "5"), ("c, 0", "1")])
    );
    assert_same_as_dtrace("sorted.d", &["-x", "aggsortkey"]);
    assert_same_as_dtrace(
        "sorted.d",
        &[
            "-x",
            "aggsortrev",
            "-x",
            "aggsortkey",
            "-x",
            "aggsortkeypos=1",
        ],
    );
}
