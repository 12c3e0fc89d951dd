//! The costs of watching a run, against the targets in the README: a
//! scrape of /metrics with 10,000 series (at most 20 ms), a baseline
//! learnt from an hour of 10,000 keys (at most 1 s), and the anomaly check
//! of one snapshot of 10,000 keys (at most 5 ms). The scrape is measured
//! over a real socket, as Prometheus makes it. Run with
//! `cargo bench --bench watch`.

mod common;

use common::counts;
use criterion::{Criterion, criterion_group, criterion_main};
use dscope::history::History;
use dscope::history::anomaly::{Detector, Settings};
use dscope::history::baseline::{Baseline, Period};
use dscope::history::recording::{Header, Recording};
use dscope::metrics::{Exporter, Naming};
use std::hint::black_box;
use std::io::{Read, Write};
use std::sync::Arc;

const KEYS: usize = 10_000;

/// An hour of one-second snapshots of 10,000 keys, as a recording read.
fn hour() -> Recording {
    let mut history = History::new(usize::MAX);
    let mut snapshot = counts(KEYS, 0);
    for t in 1..=3600i64 {
        for (i, row) in snapshot.aggregations[0].rows.iter_mut().enumerate() {
            // Each key's rate wobbles around its own level.
            let level = (i as i64 % 13) + 1;
            let wobble = (t + i as i64) % 3;
            if let dscope::model::Value::Number(n) = &mut row.value {
                *n += level + wobble;
            }
        }
        history.push(t as f64, &snapshot);
    }
    let mut header = Header::new(
        "hour.d",
        "profile-1s { @num[execname, pid] = count(); }",
        1000,
    );
    header.started = "2026-01-05T10:00:00Z".into();
    Recording {
        header,
        history,
        output: Vec::new(),
        errors: Vec::new(),
        drops: Vec::new(),
        end: None,
        duration: 3600.0,
        problems: Vec::new(),
    }
}

fn scrape(c: &mut Criterion) {
    let naming = Naming::of_source("profile-1s { @num[execname, pid] = count(); }", "");
    let exporter = Exporter::bind("127.0.0.1:0", naming, KEYS).unwrap();
    exporter.set(None, Arc::new(counts(KEYS, 100)));
    let address = exporter.address();
    let get = || {
        let mut s = std::net::TcpStream::connect(address).unwrap();
        s.write_all(b"GET /metrics HTTP/1.0\r\n\r\n").unwrap();
        let mut body = Vec::new();
        s.read_to_end(&mut body).unwrap();
        body.len()
    };
    let bytes = get();
    println!("scrape: {KEYS} series, {bytes} bytes");
    c.bench_function("scrape 10,000 series over HTTP", |b| {
        b.iter(|| black_box(get()))
    });
    // What the run thread pays per snapshot: the swap, not the text.
    let snapshot = Arc::new(counts(KEYS, 101));
    c.bench_function("hand a 10,000-key snapshot to the endpoint", |b| {
        b.iter(|| exporter.set(None, Arc::clone(&snapshot)))
    });
}

fn learn_and_check(c: &mut Criterion) {
    let rec = hour();
    let mut group = c.benchmark_group("baseline");
    group.sample_size(10);
    group.bench_function("learn from an hour of 10,000 keys", |b| {
        b.iter(|| black_box(Baseline::learn(&[("hour", &rec)], Period::None, 0)))
    });
    group.bench_function("learn daily slots from an hour of 10,000 keys", |b| {
        b.iter(|| black_box(Baseline::learn(&[("hour", &rec)], Period::Daily, 0)))
    });
    group.finish();
    let baseline = Arc::new(Baseline::learn(&[("hour", &rec)], Period::None, 0));
    // A live run's short history, one new point per check.
    let mut live = History::new(64);
    let mut snapshot = counts(KEYS, 0);
    let started = dscope::history::baseline::started_at("2026-01-06T10:00:00Z");
    let mut detector = Detector::new(Arc::clone(&baseline), Settings::default(), started);
    let mut t = 0i64;
    // Only the check is timed: adding the snapshot to the history is
    // what every run does anyway (see `cargo bench --bench history`).
    c.bench_function("check a snapshot of 10,000 keys", |b| {
        b.iter_custom(|iters| {
            let mut spent = std::time::Duration::ZERO;
            for _ in 0..iters {
                t += 1;
                for (i, row) in snapshot.aggregations[0].rows.iter_mut().enumerate() {
                    if let dscope::model::Value::Number(n) = &mut row.value {
                        *n += (i as i64 % 13) + 1 + (t + i as i64) % 3;
                    }
                }
                live.push(t as f64, &snapshot);
                let start = std::time::Instant::now();
                black_box(detector.check(&live));
                spent += start.elapsed();
            }
            spent
        })
    });
}

criterion_group!(benches, scrape, learn_and_check);
criterion_main!(benches);
