//! Filtering 100,000 probes as the user types in the probe browser: one
//! keystroke re-filters the sorted list and rebuilds the visible rows.

use criterion::{Criterion, criterion_group, criterion_main};
use dscope::model::Probe;
use dscope::ui::probe_browser::{ProbeFilter, ProbeTree};
use std::hint::black_box;

/// A probe list shaped like a big system's: a few providers, many
/// functions, entry and return for each.
fn probes(n: usize) -> Vec<Probe> {
    let providers = ["fbt", "syscall", "sdt", "rawtp", "profile"];
    (0..n)
        .map(|i| Probe {
            id: i as u32 + 1,
            provider: providers[i % providers.len()].to_owned(),
            module: format!("mod{}", (i / 7) % 300),
            function: format!(
                "func_{}_{}",
                ["read", "write", "lock", "sched"][i % 4],
                i / 2
            ),
            name: if i % 2 == 0 { "entry" } else { "return" }.to_owned(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let list = probes(100_000);
    c.bench_function("probe list: sort and index 100,000 probes", |b| {
        b.iter(|| black_box(ProbeTree::new(list.clone())))
    });
    let mut tree = ProbeTree::new(list);
    let pattern = ProbeFilter::parse("fbt::func_read*:entry");
    c.bench_function("probe filter: 100,000 probes, fbt::func_read*:entry", |b| {
        b.iter(|| {
            tree.refilter(black_box(&pattern));
            black_box(tree.matches())
        })
    });
    let text = ProbeFilter::parse("lock");
    c.bench_function("probe filter: 100,000 probes, plain text \"lock\"", |b| {
        b.iter(|| {
            tree.refilter(black_box(&text));
            black_box(tree.matches())
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
