//! dscope and a DTrace host's own dtrace(1), side by side over ssh: the
//! same scripts, the same options, equal results required. This is how
//! dscope is held to each system's DTrace (illumos, SmartOS, FreeBSD,
//! macOS, Linux), run from any machine that can ssh to one.
//!
//! - `DSCOPE_TEST_HOST=[user@]host[:port]`: the host (ssh reads
//!   `DSCOPE_SSH_CONFIG` as dscope does, so an alias works). `loopback`
//!   starts a private sshd on 127.0.0.1 (tests/sshd) and needs
//!   `DSCOPE_LIVE=1` and a libdtrace here. Unset: every test is skipped.
//! - `DSCOPE_TEST_HOST_DSCOPE`: dscope there (default `dscope` on its
//!   PATH; this build for `loopback`).
//! - `DSCOPE_TEST_HOST_DTRACE`: its dtrace(1) (default `dtrace`).
//! - `DSCOPE_TEST_HOST_SUITE`: a directory there holding DTrace's own test
//!   suite (illumos' and FreeBSD's `cmd/dtrace/test/tst`, dtrace-utils'
//!   `test/unittest`): its `err.*.d` files are checked by both, its
//!   `tst.*.d` files with an `.out` run by both, and the counts printed.
//!
//! Everything runs as the ssh user there, in a directory of its own under
//! /tmp that is removed afterwards; tracing needs that user to be root (or
//! to hold the DTrace privileges).

mod sshd;

use dscope::remote::{Host, quote, ssh_args};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

/// The host under test and how to reach it.
struct Target {
    host: Host,
    ssh_config: Option<String>,
    dscope: String,
    dtrace: String,
    suite: Option<String>,
    /// The loopback server, kept until the test ends.
    _server: Option<sshd::Sshd>,
}

fn target() -> Option<Target> {
    let Some(spec) = std::env::var("DSCOPE_TEST_HOST")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        eprintln!("skipped: set DSCOPE_TEST_HOST=[user@]host[:port] (or loopback) to run");
        return None;
    };
    let env = |name: &str| std::env::var(name).ok().filter(|s| !s.is_empty());
    let suite = env("DSCOPE_TEST_HOST_SUITE");
    if spec == "loopback" {
        if !sshd::live_dtrace() {
            return None;
        }
        let server = sshd::sshd()?;
        return Some(Target {
            host: Host::parse(sshd::ALIAS).unwrap(),
            ssh_config: Some(server.config.display().to_string()),
            dscope: env("DSCOPE_TEST_HOST_DSCOPE").unwrap_or_else(|| sshd::dscope().into()),
            dtrace: env("DSCOPE_TEST_HOST_DTRACE").unwrap_or_else(local_dtrace),
            suite,
            _server: Some(server),
        });
    }
    Some(Target {
        host: Host::parse(&spec).unwrap_or_else(|e| panic!("DSCOPE_TEST_HOST: {e}")),
        ssh_config: dscope::remote::ssh_config_from_env(),
        dscope: env("DSCOPE_TEST_HOST_DSCOPE").unwrap_or_else(|| "dscope".into()),
        dtrace: env("DSCOPE_TEST_HOST_DTRACE").unwrap_or_else(|| "dtrace".into()),
        suite,
        _server: None,
    })
}

/// This machine's dtrace(1), for the loopback host.
fn local_dtrace() -> String {
    [
        "/usr/sbin/dtrace",
        "/usr/local/sbin/dtrace",
        "/usr/bin/dtrace",
    ]
    .into_iter()
    .find(|p| std::path::Path::new(p).exists())
    .expect("the loopback host suite needs dtrace(1) here")
    .into()
}

/// What a remote shell script leaves behind: the files its `r` calls
/// wrote (NAME.out, NAME.err, NAME.rc) and any NAME.txt, by name.
struct Results(BTreeMap<String, Vec<u8>>);

impl Results {
    fn get(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    }

    /// One command's result: status, stdout, and stderr with the
    /// program's own name taken out of its messages.
    fn run(&self, name: &str) -> Ran {
        let err = self.get(&format!("{name}.err"));
        Ran {
            status: self.get(&format!("{name}.rc")).trim().parse().unwrap_or(-1),
            out: self.get(&format!("{name}.out")),
            err: err
                .lines()
                .map(|l| {
                    l.strip_prefix("dtrace: ")
                        .or_else(|| l.strip_prefix("dscope: "))
                        .unwrap_or(l)
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }
}

#[derive(Debug, PartialEq)]
struct Ran {
    status: i32,
    out: String,
    err: String,
}

impl Target {
    fn ssh(&self, command: &str) -> Command {
        let mut cmd = Command::new("ssh");
        cmd.args(["-o", "BatchMode=yes"]);
        cmd.args(ssh_args(&self.host, self.ssh_config.as_deref(), command));
        cmd
    }

    /// Runs `body` with `sh -s` there, after a preamble that makes a
    /// directory of its own and defines `r NAME CMD…` (run CMD, keep its
    /// stdout, stderr and status as NAME.out, NAME.err, NAME.rc) and `put
    /// NAME` (stdin to the file NAME); `files` are written there first.
    /// Returns every result file, sent back framed.
    fn script(&self, files: &[(&str, &str)], body: &str) -> Results {
        let mut s = format!(
            "set -u\nDT={dt}; DS={ds}\n\
             D=$(mktemp -d /tmp/dscope-host-suite.XXXXXX) || exit 97\n\
             trap 'cd /; rm -rf \"$D\"' EXIT\ncd \"$D\" || exit 97\n\
             r() {{ n=$1; shift; \"$@\" >\"$n.out\" 2>\"$n.err\" </dev/null; echo $? >\"$n.rc\"; }}\n",
            dt = quote(&self.dtrace),
            ds = quote(&self.dscope),
        );
        for (name, text) in files {
            assert!(
                !text.contains("\n@@END@@\n"),
                "{name} holds the heredoc's end"
            );
            s.push_str(&format!(
                "cat > {} <<'@@END@@'\n{text}\n@@END@@\n",
                quote(name)
            ));
        }
        s.push_str(body);
        s.push_str(
            "\nfor f in *.out *.err *.rc *.txt; do [ -f \"$f\" ] || continue; \
             printf '\\n@@ %s %s\\n' \"$f\" \"$(wc -c < \"$f\" | tr -d ' ')\"; cat \"$f\"; done\n",
        );
        let out = self.ssh("sh -s").output_with(s.as_bytes());
        assert!(
            out.status.success(),
            "the host's shell failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Results(frames(&out.stdout))
    }
}

trait OutputWith {
    fn output_with(&mut self, stdin: &[u8]) -> Output;
}

impl OutputWith for Command {
    fn output_with(&mut self, stdin: &[u8]) -> Output {
        let mut child = self
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ssh runs");
        let mut pipe = child.stdin.take().unwrap();
        let input = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }
}

/// The files in `\n@@ NAME LENGTH\n` frames, each followed by its bytes.
fn frames(mut b: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let marker = b"\n@@ ";
    while let Some(at) = b.windows(marker.len()).position(|w| w == marker) {
        b = &b[at + marker.len()..];
        let end = b
            .iter()
            .position(|&c| c == b'\n')
            .expect("a frame's header");
        let header = String::from_utf8_lossy(&b[..end]).into_owned();
        let (name, len) = header.rsplit_once(' ').expect("NAME LENGTH");
        let len: usize = len.parse().expect("a length");
        b = &b[end + 1..];
        files.insert(name.to_string(), b[..len].to_vec());
        b = &b[len..];
    }
    files
}

/// The project's deterministic scripts: the fixtures, and more that
/// print, trace and aggregate in BEGIN.
fn fixtures() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut all: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "d"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    all.sort();
    for (name, text) in INLINE {
        all.push((name.to_string(), text.to_string()));
    }
    all
}

/// Name and text pairs as the remote script takes them.
fn borrowed(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect()
}

const INLINE: &[(&str, &str)] = &[
    (
        "printing.d",
        "#pragma D option quiet\nBEGIN\n{\n\tprintf(\"%d %5s|%-4d|%x %c\\n\", 42, \"ab\", 7, 255, 65);\n\
         \ttrace(\"text\");\n\ttrace(-3);\n\tprintf(\"%s\\n\", strjoin(\"a\", \"b\"));\n\
         \tprintf(\"%d\\n\", strlen(\"four\"));\n\texit(0);\n}\n",
    ),
    (
        "printa.d",
        "#pragma D option quiet\nBEGIN\n{\n\t@c[\"x\"] = count(); @c[\"y\"] = count(); @c[\"y\"] = count();\n\
         \t@s[1, \"a\"] = sum(10); @s[2, \"b\"] = sum(-4);\n\
         \tprinta(\"%s %@d\\n\", @c);\n\tprinta(\"%d %s %@d\\n\", @s);\n\
         \ttrunc(@c, 1);\n\tprinta(@c);\n\tclear(@s);\n\texit(0);\n}\n",
    ),
    (
        // print() formats by type (FreeBSD writes the values with libxo);
        // where print() wants a pointer (Linux), both refuse it alike.
        "print.d",
        "#pragma D option quiet\nBEGIN\n{\n\tprint((int)7);\n\tprintf(\"\\n\");\n\
         \tprint((char)65);\n\tprintf(\"\\n\");\n\tprint((long)-2);\n\tprintf(\"\\nend\\n\");\n\
         \texit(0);\n}\n",
    ),
    (
        "exit_status.d",
        "#pragma D option quiet\nBEGIN\n{\n\tprintf(\"three\\n\");\n\texit(3);\n}\n",
    ),
    (
        "end_clause.d",
        "#pragma D option quiet\nBEGIN\n{\n\ti = 5;\n\texit(0);\n}\nEND\n{\n\tprintf(\"end %d\\n\", i * 2);\n}\n",
    ),
    (
        "runtime_error.d",
        "#pragma D option quiet\nBEGIN\n{\n\tprintf(\"before\\n\");\n\ttrace(*(int *)8);\n}\n\
         BEGIN\n{\n\tprintf(\"after\\n\");\n\texit(0);\n}\n",
    ),
];

/// Scripts dtrace(1) refuses, each for another reason.
const ERRORS: &[(&str, &str)] = &[
    ("syntax.d", "BEGIN\n{\n\tx = 1 +;\n}\n"),
    ("undefined.d", "BEGIN\n{\n\ttrace(nosuch);\n}\n"),
    ("no_probe.d", "syscall::no_such_call:entry\n{\n}\n"),
    ("bad_option.d", "#pragma D option nosuchopt\nBEGIN\n{\n}\n"),
    ("macro.d", "BEGIN\n{\n\ttrace($1);\n}\n"),
    ("types.d", "BEGIN\n{\n\tx = \"a\";\n\tx = 1;\n}\n"),
    ("agg_args.d", "BEGIN\n{\n\t@a = quantize();\n}\n"),
    (
        "lquantize.d",
        "BEGIN\n{\n\t@a = lquantize(1, 10, 0, 1);\n}\n",
    ),
    ("unknown_func.d", "BEGIN\n{\n\tnosuchfunc(1);\n}\n"),
    ("destructive.d", "BEGIN\n{\n\tsystem(\"true\");\n}\n"),
    (
        "two_errors.d",
        "BEGIN\n{\n\ttrace(1);\n}\n\nBEGIN\n{\n\tprintf(\"%d\\n\", \"s\");\n}\n",
    ),
    ("deref.d", "BEGIN\n{\n\tx = 1;\n\ttrace(*x);\n}\n"),
];

/// A compile error as dtrace(1) or `dscope check` reports it: its tag,
/// its line when it has one, and its message.
#[derive(Debug, PartialEq, Eq, Clone)]
struct CompileError {
    tag: String,
    line: Option<u32>,
    message: String,
}

/// `dtrace: failed to compile script F: [TAG] line N: MESSAGE` (from
/// `dtrace -x errtags -e -s F`); a message may run over several lines.
fn dtrace_error(stderr: &str, file: &str) -> Option<CompileError> {
    let prefix = format!("failed to compile script {file}: ");
    let at = stderr.find(&prefix)? + prefix.len();
    let rest = stderr[at..].trim_end();
    let (tag, rest) = match rest.strip_prefix('[').and_then(|r| r.split_once("] ")) {
        Some((tag, rest)) => (tag.to_string(), rest),
        None => (String::new(), rest),
    };
    let (line, message) = match rest.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((n, m)) if n.parse::<u32>().is_ok() => (n.parse().ok(), m),
        _ => (None, rest),
    };
    Some(CompileError {
        tag,
        line,
        message: message.to_string(),
    })
}

/// `dtrace: failed to enable 'F': MESSAGE` (from `dtrace -s F`, when the
/// kernel refuses what compiled).
fn enabling_error(stderr: &str, file: &str) -> Option<CompileError> {
    let prefix = format!("failed to enable '{file}': ");
    let at = stderr.find(&prefix)? + prefix.len();
    Some(CompileError {
        tag: String::new(),
        line: None,
        message: stderr[at..].trim_end().to_string(),
    })
}

/// `F:N:COL: error: MESSAGE [TAG]`, `F:N: error: …` or `F: error: …`
/// (from `dscope check F`); the tag ends a message of several lines.
fn dscope_error(stderr: &str, file: &str) -> Option<CompileError> {
    let at = stderr
        .match_indices(file)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || stderr.as_bytes()[i - 1] == b'\n')?;
    let rest = stderr[at + file.len()..].strip_prefix(':')?.trim_end();
    let (line, rest) = match rest.split_once(':') {
        Some((n, r)) if n.parse::<u32>().is_ok() => {
            // A column follows when the error has one.
            let r = match r.split_once(':') {
                Some((col, after)) if col.parse::<u32>().is_ok() => after,
                _ => r,
            };
            (n.parse().ok(), r)
        }
        _ => (None, rest),
    };
    let rest = rest.trim_start().strip_prefix("error: ")?;
    let (message, tag) = match rest.rsplit_once(" [") {
        Some((m, t)) if t.ends_with(']') && !t.contains(char::is_whitespace) => {
            (m, t.trim_end_matches(']'))
        }
        _ => (rest, ""),
    };
    Some(CompileError {
        tag: tag.to_string(),
        line,
        message: message.to_string(),
    })
}

#[test]
fn doctor_passes_there() {
    let Some(t) = target() else { return };
    let r = t.script(&[], "r doctor \"$DS\" doctor");
    let doctor = r.run("doctor");
    assert_eq!(doctor.status, 0, "{doctor:?}");
}

#[test]
fn probe_listings_are_dtraces() {
    let Some(t) = target() else { return };
    let patterns = [
        "BEGIN",
        "dtrace:::",
        "syscall::read:entry",
        "syscall:::return",
        "profile:::",
        "nosuch:::",
    ];
    let mut body = String::new();
    for (i, p) in patterns.iter().enumerate() {
        let p = quote(p);
        body.push_str(&format!(
            "r dt{i} \"$DT\" -l -n {p}\nr ds{i} \"$DS\" probes {p}\n\
             r dtv{i} \"$DT\" -lv -n {p}\nr dsv{i} \"$DS\" probes -v {p}\n"
        ));
    }
    let r = t.script(&[], &body);
    for (i, p) in patterns.iter().enumerate() {
        assert_eq!(r.run(&format!("ds{i}")), r.run(&format!("dt{i}")), "{p}");
        assert_eq!(
            r.run(&format!("dsv{i}")),
            r.run(&format!("dtv{i}")),
            "-v {p}"
        );
    }
}

#[test]
fn compile_errors_are_dtraces() {
    let Some(t) = target() else { return };
    let fixtures = fixtures();
    let mut files: Vec<(&str, &str)> = ERRORS.to_vec();
    files.extend(borrowed(&fixtures));
    let mut body = String::new();
    for (i, (name, _)) in files.iter().enumerate() {
        let f = quote(name);
        body.push_str(&format!(
            "r dt{i} \"$DT\" -x errtags -e -s {f}\nr ds{i} \"$DS\" check {f}\n"
        ));
    }
    let r = t.script(&files, &body);
    for (i, (name, _)) in files.iter().enumerate() {
        let (dt, ds) = (r.run(&format!("dt{i}")), r.run(&format!("ds{i}")));
        assert_eq!(ds.status, dt.status, "{name}: {dt:?} / {ds:?}");
        assert_eq!(
            dscope_error(&ds.err, name),
            dtrace_error(&dt.err, name),
            "{name}: {dt:?} / {ds:?}"
        );
    }
}

#[test]
fn runs_are_dtraces() {
    let Some(t) = target() else { return };
    let fixtures = fixtures();
    let files = borrowed(&fixtures);
    let mut body = String::new();
    for (i, (name, _)) in files.iter().enumerate() {
        let f = quote(name);
        body.push_str(&format!(
            "r dt{i} \"$DT\" -s {f}\nr ds{i} \"$DS\" run -s {f}\n"
        ));
    }
    // The options a user types, each as dtrace(1) takes it, and macro
    // arguments (after -- for dscope).
    let runs = [
        (
            "q",
            "-q -n 'BEGIN { printf(\"%d\\n\", 1 + 2); exit(0); }'",
            "",
        ),
        (
            "c",
            "-q -c true -n 'BEGIN { printf(\"begin\\n\"); } END { printf(\"end\\n\"); }'",
            "",
        ),
        (
            "c_target",
            "-q -c 'sleep 1' -n 'BEGIN { printf(\"%d\\n\", $target > 0); }'",
            "",
        ),
        (
            "Z",
            "-Z -q -n 'nosuch:::nothing { } BEGIN { printf(\"z\\n\"); exit(0); }'",
            "",
        ),
        ("noZ", "-q -n 'nosuch:::nothing { } BEGIN { exit(0); }'", ""),
        (
            "o",
            "-q -o o.txt -n 'BEGIN { printf(\"to a file\\n\"); exit(0); }'",
            "",
        ),
        (
            "args",
            "-q -n 'BEGIN { printf(\"%s %d\\n\", $$1, $2); exit(0); }'",
            "a-word 41",
        ),
    ];
    for (name, options, args) in runs {
        let dashes = if args.is_empty() { "" } else { "--" };
        // -o appends: each program gets a fresh file.
        body.push_str(&format!(
            "rm -f o.txt; r dt_{name} \"$DT\" {options} {args}; [ -f o.txt ] && mv o.txt dt_{name}.txt\n\
             rm -f o.txt; r ds_{name} \"$DS\" run {options} {dashes} {args}; [ -f o.txt ] && mv o.txt ds_{name}.txt\n"
        ));
    }
    // -p: a process to grab, its pid as $target.
    body.push_str(
        "sleep 30 & p=$!\n\
         r dt_p \"$DT\" -q -p $p -n 'BEGIN { printf(\"%d\\n\", $target == '$p'); exit(0); }'\n\
         r ds_p \"$DS\" run -q -p $p -n 'BEGIN { printf(\"%d\\n\", $target == '$p'); exit(0); }'\n\
         kill $p\n",
    );
    // ^C: END runs and the status is the script's. The program runs in
    // the foreground (a shell without job control starts background
    // commands with SIGINT ignored, which dtrace(1) keeps), and a
    // background shell sends the signal to the pid it wrote down.
    for (who, program) in [("dt", "\"$DT\""), ("ds", "\"$DS\" run")] {
        body.push_str(&format!(
            "rm -f pid; (sleep 4; kill -INT $(cat pid)) &\n\
             r {who}_int sh -c 'echo $$ > pid; exec \"$@\"' sh {program} -q \
             -n 'BEGIN {{ printf(\"go\\n\"); }} END {{ printf(\"end\\n\"); }}'\nwait\n"
        ));
    }
    let r = t.script(&files, &body);
    for (i, (name, _)) in files.iter().enumerate() {
        let (dt, ds) = (r.run(&format!("dt{i}")), r.run(&format!("ds{i}")));
        assert_eq!(
            (ds.status, &ds.out),
            (dt.status, &dt.out),
            "{name}: dscope said {:?}, dtrace {:?}",
            ds.err,
            dt.err
        );
    }
    for name in runs.iter().map(|(n, _, _)| *n).chain(["p", "int"]) {
        let (dt, ds) = (r.run(&format!("dt_{name}")), r.run(&format!("ds_{name}")));
        assert_eq!(
            (ds.status, &ds.out),
            (dt.status, &dt.out),
            "{name}: {dt:?} / {ds:?}"
        );
        assert_eq!(
            r.get(&format!("ds_{name}.txt")),
            r.get(&format!("dt_{name}.txt")),
            "{name}: the -o file"
        );
    }
    assert!(
        r.get("dt_o.txt").starts_with("to a file\n"),
        "-o wrote no file"
    );
}

#[test]
fn runs_from_here_through_dscope_on_the_host_are_dtraces() {
    let Some(t) = target() else { return };
    let fixtures = fixtures();
    let files = borrowed(&fixtures);
    let mut body = String::new();
    for (i, (name, _)) in files.iter().enumerate() {
        body.push_str(&format!("r dt{i} \"$DT\" -s {}\n", quote(name)));
    }
    let r = t.script(&files, &body);
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, text)) in files.iter().enumerate() {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        let mut cmd = Command::new(sshd::dscope());
        cmd.args([
            "run",
            "--host",
            &t.host.to_string(),
            "--remote-dscope",
            &t.dscope,
        ])
        .arg(&file)
        .stdin(Stdio::null());
        if let Some(config) = &t.ssh_config {
            cmd.env(dscope::remote::SSH_CONFIG_ENV, config);
        }
        let ours = cmd.output().unwrap();
        let dt = r.run(&format!("dt{i}"));
        assert_eq!(
            (ours.status.code().unwrap_or(-1), sshd::text(&ours.stdout)),
            (dt.status, dt.out),
            "{name} through --host: {}",
            sshd::text(&ours.stderr)
        );
    }
}

/// How the host's own suite compared, file by file.
#[derive(Default)]
struct Tally {
    equal: Vec<String>,
    differ: Vec<(String, String)>,
    /// Where dtrace(1) itself does not do what the suite expects here
    /// (needs -C, arguments, a process, another system's symbols, or is
    /// timing-bound).
    unsettled: Vec<(String, String)>,
}

impl Tally {
    fn report(&self, what: &str, unsettled: &str) {
        eprintln!(
            "{what}: {} equal, {} differ; {} {unsettled}",
            self.equal.len(),
            self.differ.len(),
            self.unsettled.len()
        );
        for (name, why) in &self.differ {
            eprintln!("  differ: {name}: {why}");
        }
        if std::env::var("DSCOPE_TEST_HOST_VERBOSE").is_ok() {
            for (name, why) in &self.unsettled {
                eprintln!("  unsettled: {name}: {why}");
            }
        }
    }
}

/// Lists the suite's files there matching `pattern`, sorted.
fn suite_files(t: &Target, suite: &str, pattern: &str) -> Vec<String> {
    let r = t.script(
        &[],
        &format!(
            "find {} -name {} -type f | sort > list.txt",
            quote(suite),
            quote(pattern)
        ),
    );
    r.get("list.txt").lines().map(str::to_string).collect()
}

#[test]
fn the_hosts_own_error_tests_are_reported_as_dtrace_reports_them() {
    let Some(t) = target() else { return };
    let Some(suite) = t.suite.clone() else {
        eprintln!("skipped: set DSCOPE_TEST_HOST_SUITE to the host's DTrace test suite");
        return;
    };
    let files = suite_files(&t, &suite, "err.*.d");
    assert!(!files.is_empty(), "no err.*.d under {suite}");
    let mut tally = Tally::default();
    for chunk in files.chunks(100) {
        let mut body = String::new();
        for (i, f) in chunk.iter().enumerate() {
            let f = quote(f);
            body.push_str(&format!(
                "r dt{i} timeout 60 \"$DT\" -x errtags -e -s {f}\nr ds{i} timeout 60 \"$DS\" check {f}\n"
            ));
        }
        let r = t.script(&[], &body);
        // What compiles under -e but fails when enabled (the kernel refuses
        // its DIF): `dscope check` enables, as a run would, so it is held
        // to what `dtrace -s` says then.
        let enabling: Vec<usize> = (0..chunk.len())
            .filter(|i| {
                r.run(&format!("dt{i}")).status == 0 && r.run(&format!("ds{i}")).status != 0
            })
            .collect();
        let mut body = String::new();
        for &i in &enabling {
            body.push_str(&format!(
                "r en{i} timeout 30 \"$DT\" -s {}\n",
                quote(&chunk[i])
            ));
        }
        let en = t.script(&[], &body);
        for (i, f) in chunk.iter().enumerate() {
            let (mut dt, ds) = (r.run(&format!("dt{i}")), r.run(&format!("ds{i}")));
            let mut theirs = dtrace_error(&dt.err, f);
            if enabling.contains(&i) {
                dt = en.run(&format!("en{i}"));
                theirs = enabling_error(&dt.err, f);
            }
            let ours = dscope_error(&ds.err, f);
            let name = f.rsplit('/').next().unwrap_or(f).to_string();
            // err.D_TAG.what.d expects D_TAG; err.what.d only a failure.
            let expected = name
                .strip_prefix("err.")
                .and_then(|n| n.split_once('.'))
                .map(|(tag, _)| tag)
                .filter(|tag| tag.starts_with("D_"));
            let settled = dt.status != 0
                && theirs
                    .as_ref()
                    .is_some_and(|e| expected.is_none_or(|tag| e.tag == tag));
            // Every file is compared with dtrace(1), those it does not
            // handle as the suite expects too (they are counted apart).
            if !settled {
                tally
                    .unsettled
                    .push((name.clone(), format!("dtrace: {}", dt.err.trim())));
            }
            if ours == theirs && ds.status == dt.status {
                tally.equal.push(name);
            } else {
                tally.differ.push((
                    name,
                    format!(
                        "dtrace {theirs:?} status {}, dscope {ours:?} status {}",
                        dt.status, ds.status
                    ),
                ));
            }
        }
    }
    tally.report(
        "err.*.d (check)",
        "of them (equal too) where dtrace(1) itself does not give the suite's tag here",
    );
    assert!(tally.differ.is_empty(), "{} differ", tally.differ.len());
}

#[test]
fn the_hosts_own_deterministic_tests_print_what_dtrace_prints() {
    let Some(t) = target() else { return };
    let Some(suite) = t.suite.clone() else {
        eprintln!("skipped: set DSCOPE_TEST_HOST_SUITE to the host's DTrace test suite");
        return;
    };
    let files: Vec<String> = suite_files(&t, &suite, "tst.*.d.out")
        .into_iter()
        .map(|f| f.trim_end_matches(".out").to_string())
        .collect();
    assert!(!files.is_empty(), "no tst.*.d with an .out under {suite}");
    let mut tally = Tally::default();
    for chunk in files.chunks(50) {
        let mut body = String::new();
        for (i, f) in chunk.iter().enumerate() {
            let q = quote(f);
            body.push_str(&format!(
                "cp {q}.out exp{i}.txt 2>/dev/null\n\
                 r dt{i} timeout 60 \"$DT\" -s {q}\nr ds{i} timeout 60 \"$DS\" run -s {q}\n"
            ));
        }
        let r = t.script(&[], &body);
        for (i, f) in chunk.iter().enumerate() {
            let (dt, ds) = (r.run(&format!("dt{i}")), r.run(&format!("ds{i}")));
            let name = f.rsplit('/').next().unwrap_or(f).to_string();
            if dt.out != r.get(&format!("exp{i}.txt")) {
                let why = dt
                    .err
                    .lines()
                    .next()
                    .unwrap_or("output not the .out")
                    .to_string();
                tally
                    .unsettled
                    .push((name, format!("dtrace status {}: {why}", dt.status)));
            } else if (ds.status, &ds.out) == (dt.status, &dt.out) {
                tally.equal.push(name);
            } else {
                let first = dt
                    .out
                    .lines()
                    .zip(ds.out.lines())
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("dtrace {a:?}, dscope {b:?}"))
                    .unwrap_or_else(|| "line count".into());
                tally.differ.push((
                    name,
                    format!(
                        "status {} / {}; first different line: {first}; dscope said {:?}",
                        dt.status,
                        ds.status,
                        ds.err.lines().next().unwrap_or("")
                    ),
                ));
            }
        }
    }
    tally.report(
        "tst.*.d with .out (run)",
        "not compared, where dtrace(1) itself does not print the .out here",
    );
    assert!(tally.differ.is_empty(), "{} differ", tally.differ.len());
}

#[test]
fn error_lines_parse_both_ways() {
    let e = dtrace_error(
        "dtrace: failed to compile script s.d: [D_SYNTAX] line 3: syntax error near \";\"",
        "s.d",
    );
    assert_eq!(
        e,
        Some(CompileError {
            tag: "D_SYNTAX".into(),
            line: Some(3),
            message: "syntax error near \";\"".into()
        })
    );
    assert_eq!(
        dscope_error(
            "s.d:3:9: error: syntax error near \";\" [D_SYNTAX]\n",
            "s.d"
        ),
        e
    );
    let no_line = dtrace_error(
        "dtrace: failed to compile script s.d: [D_PDESC_ZERO] probe description a:b:c:d does not match any probes",
        "s.d",
    );
    assert_eq!(no_line.as_ref().unwrap().line, None);
    assert_eq!(
        dscope_error(
            "s.d: error: probe description a:b:c:d does not match any probes [D_PDESC_ZERO]",
            "s.d"
        ),
        no_line
    );
    assert_eq!(
        dscope_error("s.d:4: error: operands differ [D_OP_INCOMPAT]", "s.d")
            .unwrap()
            .line,
        Some(4)
    );
    let long = "dtrace: failed to compile script s.d: [D_PRINTF_ARG_TYPE] line 8: printf( ) \
                argument #2 is incompatible:\n\tconversion: %d\n\t  argument: string\n";
    let ours = "s.d:8:2: error: printf( ) argument #2 is incompatible:\n\tconversion: %d\n\t  \
                argument: string [D_PRINTF_ARG_TYPE]\n";
    assert_eq!(dscope_error(ours, "s.d"), dtrace_error(long, "s.d"));
    assert_eq!(dtrace_error(long, "s.d").unwrap().tag, "D_PRINTF_ARG_TYPE");
    assert_eq!(
        enabling_error(
            "failed to enable './cg/err.baddif.d': DIF program content is invalid\n",
            "./cg/err.baddif.d"
        ),
        dscope_error(
            "./cg/err.baddif.d: error: DIF program content is invalid\n",
            "./cg/err.baddif.d"
        )
    );
    let framed = frames(b"noise\n@@ a.out 3\nabc\n@@ a.rc 2\n0\n");
    assert_eq!(framed["a.out"], b"abc");
    assert_eq!(framed["a.rc"], b"0\n");
}
