//! Decoding an aggregation snapshot of 100,000 keys: what a busy
//! `@[execname, pid] = count()` or a per-key `lquantize()` costs each time
//! the aggregations are read (once a second by default).

use criterion::{Criterion, criterion_group, criterion_main};
use dscope::dtrace::decode::{
    Abi, RawAddresses, RawEntry, RecordDesc, assemble, decode_entry, describe,
};
use std::hint::black_box;

const KEYS: usize = 100_000;
/// libdtrace's default string size.
const STRSIZE: usize = 256;

/// Linux DTrace 2.x buffers for one entry: key (variable id, a string, an
/// int) and data (generation counter, then the value words).
struct Entry {
    key: Vec<u8>,
    data: Vec<u8>,
}

fn entries(value_words: impl Fn(usize) -> Vec<i64>) -> (Vec<RecordDesc>, Vec<Entry>) {
    let recs = vec![
        RecordDesc {
            action: 1,
            size: STRSIZE as u32,
            offset: 8,
            arg: 1,
        },
        RecordDesc {
            action: 1,
            size: 8,
            offset: 8 + STRSIZE as u32,
            arg: 1,
        },
    ];
    let list = (0..KEYS)
        .map(|i| {
            let mut key = vec![0u8; 8 + STRSIZE + 8];
            let name = format!("process-{}", i % 977);
            key[8..8 + name.len()].copy_from_slice(name.as_bytes());
            key[8 + STRSIZE..].copy_from_slice(&(i as i64).to_ne_bytes());
            let mut data = 1u64.to_ne_bytes().to_vec();
            for w in value_words(i) {
                data.extend(w.to_ne_bytes());
            }
            Entry { key, data }
        })
        .collect();
    (recs, list)
}

fn raw<'a>(recs: &'a [RecordDesc], e: &'a Entry, action: u16, sig: u64) -> RawEntry<'a> {
    RawEntry {
        varid: 1,
        name: "a",
        keys: recs,
        key_bytes: &e.key,
        value: RecordDesc {
            action,
            size: (e.data.len() - 8) as u32,
            offset: 8,
            arg: 1,
        },
        value_bytes: &e.data,
        normal: 1,
        sig,
    }
}

fn decode_all(recs: &[RecordDesc], list: &[Entry], action: u16, sig: u64) -> usize {
    let meta = describe(&raw(recs, &list[0], action, sig));
    let decoded = list
        .iter()
        .map(|e| {
            decode_entry(Abi::Linux2, &raw(recs, e, action, sig), &mut RawAddresses)
                .expect("decodes")
        })
        .collect();
    assemble(decoded, |_| meta.clone()).aggregations[0]
        .rows
        .len()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode 100k keys");
    group.sample_size(10);

    let (recs, counts) = entries(|i| vec![(i * 7919 % 100_003) as i64]);
    group.bench_function("count(), string+int keys", |b| {
        b.iter(|| black_box(decode_all(&recs, &counts, 0x701, 0)))
    });

    // lquantize(x, 0, 100, 10): 12 buckets, three of them used.
    let sig = 10u64 << 48 | 10 << 32;
    let (recs, lq) = entries(|i| {
        let mut w = vec![0i64; 12];
        w[1 + i % 10] = 3;
        w[2 + i % 9] = 1;
        w
    });
    group.bench_function("lquantize(), string+int keys", |b| {
        b.iter(|| black_box(decode_all(&recs, &lq, 0x703, sig)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
