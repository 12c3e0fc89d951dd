//! Merging a fleet's snapshots: what the window's fleet session and a
//! subscription pay each time a host sends (at most five merges a
//! second): 16 hosts each with `@[execname, pid] = count()` of 10,000
//! keys, merged into one aggregation of 160,000 rows with the host first,
//! and that merge appended to the time views' history. A subscription
//! does both on the window's thread. `cargo bench --bench merge`.

mod common;

use common::counts;
use criterion::{Criterion, criterion_group, criterion_main};
use dscope::fleet::merge;
use dscope::history::History;
use dscope::model::Snapshot;
use std::hint::black_box;

const HOSTS: usize = 16;
const KEYS: usize = 10_000;

fn bench(c: &mut Criterion) {
    let names: Vec<String> = (1..=HOSTS).map(|i| format!("web{i}")).collect();
    let snaps: Vec<Snapshot> = (1..=HOSTS as i64).map(|t| counts(KEYS, t)).collect();
    let sources: Vec<(&str, &Snapshot)> =
        names.iter().map(String::as_str).zip(snaps.iter()).collect();
    c.bench_function("merge 16 hosts x 10,000 keys", |b| {
        b.iter(|| black_box(merge(black_box(&sources))))
    });
    let (merged, _) = merge(&sources);
    let mut history = History::new(1200);
    let mut t = 0.0;
    c.bench_function("history push of the 160,000-row merge", |b| {
        b.iter(|| {
            t += 1.0;
            history.push(t, black_box(&merged));
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
