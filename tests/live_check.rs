//! Live tests of `dscope check` against a real libdtrace. They run when
//! `DSCOPE_LIVE=1` is set, and then fail loudly if libdtrace is missing;
//! otherwise they say they were skipped.

use std::path::Path;
use std::process::Command;

mod common;
use common::live;

/// Runs `dscope check` on `source`; returns (exit code, what it printed:
/// the verdict from stdout, then the errors from stderr).
fn check(source: &str, args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("script.d");
    std::fs::write(&file, source).unwrap();
    check_file(&file, args)
}

fn check_file(file: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg("check")
        .arg(file)
        .args(args)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("cannot open DTrace"),
        "DTrace could not be opened (privileges?): {stderr}"
    );
    // Errors go to stderr, as dtrace(1) and compilers print them.
    assert!(!stdout.contains("error:"), "an error on stdout: {stdout}");
    (out.status.code().unwrap_or(-1), format!("{stdout}{stderr}"))
}

#[test]
fn a_syntax_error_is_reported_on_its_line_and_column() {
    if !live() {
        return;
    }
    let (code, out) = check("BEGIN\n{\n\tx = 1 +;\n}\n", &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("script.d:3:9: error: syntax error near \";\" [D_SYNTAX]"),
        "{out}"
    );
}

#[test]
fn a_probe_that_matches_nothing_is_an_error_on_the_description() {
    if !live() {
        return;
    }
    let (code, out) = check("syscall::no_such_call:entry\n{\n}\n", &[]);
    assert_eq!(code, 1);
    assert!(out.contains("script.d:1:1: error: probe description syscall::no_such_call:entry does not match any probes [D_PDESC_ZERO]"), "{out}");
}

#[test]
fn macro_arguments_are_required_and_passed_as_values() {
    if !live() {
        return;
    }
    let script = "BEGIN\n{\n\ttrace($1);\n\texit(0);\n}\n";
    let (code, out) = check(script, &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains(":3:8: error: macro argument $1 is not defined [D_MACRO_UNDEF]"),
        "{out}"
    );
    // A value with shell metacharacters is just a value.
    let (code, out) = check(
        "BEGIN\n{\n\ttrace($$1);\n\texit(0);\n}\n",
        &["--", "a; rm -rf / $(x)"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("compiles; it would enable 1 probe"), "{out}");
}

#[test]
fn an_undefined_function_is_reported_at_its_name() {
    if !live() {
        return;
    }
    let (code, out) = check("BEGIN\n{\n\tfrobnicate(1);\n}\n", &[]);
    assert_eq!(code, 1);
    assert!(
        out.contains("script.d:3:2: error: undefined function name: frobnicate"),
        "{out}"
    );
}

#[test]
fn options_are_applied_and_bad_ones_refused() {
    if !live() {
        return;
    }
    let (code, _) = check("BEGIN { exit(0); }\n", &["-x", "bufsize=1m", "-x", "quiet"]);
    assert_eq!(code, 0);
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(["check", "-x", "no_such_option=1"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples/read-sizes.d"))
        .output()
        .unwrap();
    // dtrace -x no_such_option=1 exits 1 too.
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no_such_option"));
}

#[test]
fn every_example_that_claims_this_platform_compiles() {
    use dscope::examples::{EXAMPLES, this_platform};
    if !live() {
        return;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/examples");
    let mut checked = 0;
    for example in EXAMPLES.iter().filter(|e| e.runs_on(this_platform())) {
        let path = dir.join(example.file_name);
        let (code, out) = check_file(&path, &[]);
        assert_eq!(code, 0, "{}: {out}", path.display());
        assert!(out.contains("compiles; it would enable"), "{out}");
        assert!(!out.contains("enable 0 probes"), "{out}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} examples run here");
}

#[test]
fn probes_are_listed_like_dtrace_l() {
    if !live() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .args(["probes", "syscall::read:entry"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "header and one probe: {text}");
    assert!(lines[0].trim_start().starts_with("ID   PROVIDER"));
    let fields: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(&fields[1..], &["syscall", "vmlinux", "read", "entry"]);

    let all = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg("probes")
        .output()
        .unwrap();
    let count = String::from_utf8_lossy(&all.stdout).lines().count();
    assert!(count > 100, "only {count} probes listed");
}

#[test]
fn doctor_finds_nothing_wrong_on_a_working_machine() {
    if !live() {
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dscope"))
        .arg("doctor")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("ok      libdtrace:"), "{text}");
    assert!(
        text.contains("ok      probes: syscall::read:entry visible"),
        "{text}"
    );
}
