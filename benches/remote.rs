//! What working on another machine costs, against a private sshd on
//! loopback (tests/sshd): a window's check through `dscope agent` over its
//! kept ssh connection, and `dscope check --host`, which makes a new
//! connection each time, each beside the same check here. Also the size of
//! a 10,000-key snapshot as the agent sends it, which is the bytes per
//! second on the wire at the default one snapshot a second.
//!
//! Skipped, saying why, without /usr/sbin/sshd.

#[path = "../tests/sshd/mod.rs"]
mod sshd;

use criterion::{Criterion, criterion_group, criterion_main};
use dscope::model::{AggFunction, Aggregation, KeyPart, Row, Snapshot, Value};
use dscope::session::{Event, Script, Session};
use std::process::{Command, Stdio};
use std::time::Duration;

fn script() -> Script {
    Script {
        source: "syscall::read:entry { @[execname] = count(); }".into(),
        name: "bench.d".into(),
        ..Script::default()
    }
}

/// One check, from asking to its answer.
fn check(session: &mut Session) {
    let job = session.check(script());
    loop {
        let e = session
            .recv_timeout(Duration::from_secs(60))
            .expect("an answer");
        if e.job == job
            && matches!(
                e.event,
                Event::Checked { .. } | Event::Diagnostics(_) | Event::Failed(_)
            )
        {
            return;
        }
    }
}

fn cli_check(host: Option<&sshd::Sshd>) {
    let mut cmd = Command::new(sshd::dscope());
    cmd.args([
        "check",
        "-n",
        "syscall::read:entry { @[execname] = count(); }",
    ]);
    if let Some(server) = host {
        cmd.args(["--host", sshd::ALIAS, "--remote-dscope", sshd::dscope()])
            .env("DSCOPE_SSH_CONFIG", &server.config);
    }
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 2), "{out:?}");
}

fn snapshot_bytes() {
    let rows = (0..10_000)
        .map(|i| Row {
            key: vec![
                KeyPart::Str(format!("process-name-{i:05}")),
                KeyPart::Int(100_000 + i),
            ],
            value: Value::Number(1_000_000 + i * 37),
        })
        .collect();
    let mut snapshot = Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "calls".into(),
            function: AggFunction::Count,
            key_sizes: vec![256, 8],
            rows,
        }],
    };
    let line = |event: Event| {
        let reply = dscope::protocol::Reply { job: 1, event };
        serde_json::to_string(&reply).unwrap().len() + 1
    };
    let whole = line(Event::Snapshot(snapshot.clone()));
    // What the agent sends: the first snapshot in full, then each second
    // what changed; here a tenth of the keys counted more, and the order
    // (by value) stayed.
    let mut changes = dscope::model::changes::ChangeEncoder::default();
    let first = line(Event::SnapshotChanges(changes.encode(&snapshot)));
    for row in snapshot.aggregations[0].rows.iter_mut().step_by(10) {
        if let Value::Number(n) = &mut row.value {
            *n += 1;
        }
    }
    let next = line(Event::SnapshotChanges(changes.encode(&snapshot)));
    let same = line(Event::SnapshotChanges(changes.encode(&snapshot)));
    eprintln!(
        "a 10,000-key count() snapshot (a 19-character string and a pid per key): {whole} bytes \
         whole; as the agent sends it: {first} bytes the first second, {next} bytes a second \
         when 1,000 keys change, {same} bytes when none does"
    );
}

fn remote(c: &mut Criterion) {
    snapshot_bytes();
    let Some(server) = sshd::sshd() else {
        return;
    };
    let mut here = Session::start(sshd::dscope().into(), None);
    let mut there = Session::start_remote(server.endpoint(sshd::dscope()), None);
    // The first check makes the connection; the window's later ones reuse
    // it.
    check(&mut there);
    let mut g = c.benchmark_group("remote_check");
    g.sample_size(20);
    g.bench_function("window_here", |b| b.iter(|| check(&mut here)));
    g.bench_function("window_on_host", |b| b.iter(|| check(&mut there)));
    g.bench_function("cli_here", |b| b.iter(|| cli_check(None)));
    g.bench_function("cli_on_host", |b| b.iter(|| cli_check(Some(&server))));
    g.finish();
}

criterion_group!(benches, remote);
criterion_main!(benches);
