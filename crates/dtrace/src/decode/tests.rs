//! Hand-built aggregation buffers for both ABI families, checked against
//! the numbers `dtrace(1)` prints for the same data.

use super::*;

mod facts;
mod printing;

/// Linux aggregating action codes (DT_AGG_* in libdtrace/dt_aggregate.h).
mod linux {
    pub use dscope_dtrace_sys::layout::linux::{
        DT_AGG_AVG as AVG, DT_AGG_COUNT as COUNT, DT_AGG_LLQUANTIZE as LLQUANTIZE,
        DT_AGG_LQUANTIZE as LQUANTIZE, DT_AGG_MAX as MAX, DT_AGG_MIN as MIN,
        DT_AGG_QUANTIZE as QUANTIZE, DT_AGG_STDDEV as STDDEV, DT_AGG_SUM as SUM,
    };
}

/// illumos aggregating action codes (DTRACEAGG_* in sys/dtrace.h).
mod illumos {
    pub use dscope_dtrace_sys::layout::illumos::{
        DTRACEAGG_AVG as AVG, DTRACEAGG_COUNT as COUNT, DTRACEAGG_LLQUANTIZE as LLQUANTIZE,
        DTRACEAGG_LQUANTIZE as LQUANTIZE, DTRACEAGG_MAX as MAX, DTRACEAGG_MIN as MIN,
        DTRACEAGG_QUANTIZE as QUANTIZE, DTRACEAGG_STDDEV as STDDEV, DTRACEAGG_SUM as SUM,
    };
}

#[test]
fn action_codes_are_each_familys_own() {
    // sys/dtrace.h (illumos, FreeBSD, xnu bsd/sys/dtrace.h:600-608)
    // numbers count, min, max, avg, sum, stddev, quantize, lquantize,
    // llquantize from 0x701; Linux's dt_aggregate.h numbers them
    // alphabetically from 0x700. Two words of data read as the other
    // family's function would decode as something else.
    for (code, f) in [
        (0x701, AggFunction::Count),
        (0x702, AggFunction::Min),
        (0x703, AggFunction::Max),
        (0x704, AggFunction::Avg),
        (0x705, AggFunction::Sum),
        (0x706, AggFunction::Stddev),
        (0x707, AggFunction::Quantize),
    ] {
        assert_eq!(function_of(Abi::Illumos, code), Some(f), "0x{code:x}");
    }
    for (code, f) in [
        (0x700, AggFunction::Avg),
        (0x701, AggFunction::Count),
        (0x704, AggFunction::Max),
        (0x705, AggFunction::Min),
        (0x706, AggFunction::Quantize),
        (0x707, AggFunction::Stddev),
        (0x708, AggFunction::Sum),
    ] {
        assert_eq!(function_of(Abi::Linux2, code), Some(f), "0x{code:x}");
    }
    assert_eq!(function_of(Abi::Illumos, 0x700), None);
    assert_eq!(function_of(Abi::Linux2, 0x709), None);
}

const DIFEXPR: u16 = 1;
const STR: usize = 16;

fn le_words(words: &[i64]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// Key parts to put in a buffer.
enum K<'a> {
    S(&'a str),
    I(i64),
    I32(i32),
}

/// Appends key records the way both families lay them out: aligned, each
/// with its offset into `buf`.
fn put_keys(buf: &mut Vec<u8>, keys: &[K]) -> Vec<RecordDesc> {
    let mut recs = Vec::new();
    for k in keys {
        let (bytes, align) = match k {
            K::S(s) => {
                let mut b = s.as_bytes().to_vec();
                b.resize(STR, 0);
                (b, 1)
            }
            K::I(v) => (v.to_ne_bytes().to_vec(), 8),
            K::I32(v) => (v.to_ne_bytes().to_vec(), 4),
        };
        while !buf.len().is_multiple_of(align) {
            buf.push(0);
        }
        recs.push(RecordDesc {
            action: DIFEXPR,
            size: bytes.len() as u32,
            offset: buf.len() as u32,
            arg: 1,
        });
        buf.extend_from_slice(&bytes);
    }
    recs
}

/// An entry as Linux DTrace 2.x lays it out (see [`printing::linux_raw`]).
fn linux_entry(keys: &[K], action: u16, data: &[i64], sig: u64, normal: u64) -> Decoded {
    printing::linux_raw(keys, action, data, sig, normal).unwrap()
}

/// An entry as illumos lays it out (see [`printing::illumos_raw`]).
fn illumos_entry(keys: &[K], action: u16, data: &[i64], normal: u64) -> Decoded {
    printing::illumos_raw(keys, action, data, normal).unwrap()
}

fn number(d: &Decoded) -> i64 {
    d.row.value.as_number().expect("a number")
}

fn labels(d: &Decoded) -> Vec<(String, i64)> {
    d.row
        .value
        .buckets()
        .iter()
        .map(|b| (b.label.clone(), b.count))
        .collect()
}

fn pairs(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(l, c)| (l.to_string(), *c)).collect()
}

#[test]
fn scalar_functions_in_both_families() {
    let keys = [K::S("bash"), K::I(42)];
    for (abi_is_linux, codes) in [
        (
            true,
            [
                linux::COUNT,
                linux::SUM,
                linux::MIN,
                linux::MAX,
                linux::AVG,
                linux::STDDEV,
            ],
        ),
        (
            false,
            [
                illumos::COUNT,
                illumos::SUM,
                illumos::MIN,
                illumos::MAX,
                illumos::AVG,
                illumos::STDDEV,
            ],
        ),
    ] {
        let entry = |action, data: &[i64], normal| {
            if abi_is_linux {
                linux_entry(&keys, action, data, 0, normal)
            } else {
                illumos_entry(&keys, action, data, normal)
            }
        };
        let [count, sum, min, max, avg, sd] = codes;
        let c = entry(count, &[2], 1);
        assert_eq!(c.function, AggFunction::Count);
        assert_eq!(number(&c), 2);
        assert_eq!(
            c.row.key,
            vec![KeyPart::Str("bash".into()), KeyPart::Int(42)]
        );
        assert_eq!(entry(sum, &[-3], 1).function, AggFunction::Sum);
        assert_eq!(number(&entry(sum, &[-3], 1)), -3);
        // normalize(@, 10)
        assert_eq!(number(&entry(sum, &[1234], 10)), 123);
        assert_eq!(entry(min, &[-2], 1).function, AggFunction::Min);
        assert_eq!(number(&entry(min, &[-2], 1)), -2);
        assert_eq!(entry(max, &[9], 1).function, AggFunction::Max);
        assert_eq!(number(&entry(max, &[9], 1)), 9);
        // avg(3), avg(4), avg(8): count 3, total 15.
        let a = entry(avg, &[3, 15], 1);
        assert_eq!(a.function, AggFunction::Avg);
        assert_eq!(number(&a), 5);
        assert_eq!(number(&entry(avg, &[0, 0], 1)), 0);
        // stddev(2), stddev(4), stddev(9): dtrace prints 2.
        let s = entry(sd, &[3, 15, 101, 0], 1);
        assert_eq!(s.function, AggFunction::Stddev);
        assert_eq!(number(&s), 2);
    }
}

#[test]
fn stddev_uses_the_high_word_of_the_sum_of_squares() {
    // Two samples of 2^33: the sum of squares is 2^67, beyond 64 bits;
    // every sample equals the mean, so the deviation is 0.
    let big = 1i64 << 33;
    let d = linux_entry(&[], linux::STDDEV, &[2, 2 * big, 0, 8], 0, 1);
    assert_eq!(number(&d), 0);
    // Samples 0 and 2^33: deviation 2^32.
    let d = linux_entry(&[], linux::STDDEV, &[2, big, 0, 4], 0, 1);
    assert_eq!(number(&d), 1 << 32);
}

/// quantize(1), quantize(8), quantize(1000), quantize(-5), as dtrace(1)
/// prints it: from -8 to 1024.
fn quantize_counts() -> Vec<i64> {
    let mut q = vec![0i64; 127];
    q[63 - 3] = 1; // -5 falls in the bucket labelled -4
    q[64] = 1; // 1
    q[67] = 1; // 8
    q[73] = 1; // 512..1023
    q
}

#[test]
fn quantize_in_both_families() {
    let expected = pairs(&[
        ("-8", 0),
        ("-4", 1),
        ("-2", 0),
        ("-1", 0),
        ("0", 0),
        ("1", 1),
        ("2", 0),
        ("4", 0),
        ("8", 1),
        ("16", 0),
        ("32", 0),
        ("64", 0),
        ("128", 0),
        ("256", 0),
        ("512", 1),
        ("1024", 0),
    ]);
    let l = linux_entry(&[], linux::QUANTIZE, &quantize_counts(), 0, 1);
    let i = illumos_entry(&[], illumos::QUANTIZE, &quantize_counts(), 1);
    for d in [&l, &i] {
        assert_eq!(d.function, AggFunction::Quantize);
        assert_eq!(labels(d), expected);
    }
    let b = l.row.value.buckets();
    // -4 counts -7..-4; 512 counts 512..1023; 0 only 0.
    assert_eq!((b[1].min, b[1].max), (Some(-7), Some(-4)));
    assert_eq!((b[4].min, b[4].max), (Some(0), Some(0)));
    assert_eq!((b[14].min, b[14].max), (Some(512), Some(1023)));
}

#[test]
fn empty_quantize_shows_the_buckets_around_zero() {
    let d = linux_entry(&[], linux::QUANTIZE, &[0; 127], 0, 1);
    assert_eq!(labels(&d), pairs(&[("-1", 0), ("0", 0), ("1", 0)]));
}

fn lquantize_sig(base: i32, levels: u16, step: u16) -> u64 {
    (step as u64) << 48 | (levels as u64) << 32 | base as u32 as u64
}

#[test]
fn lquantize_in_both_families_with_underflow_and_overflow() {
    // lquantize(x, 0, 10, 2) of 5, 7, -1, 50: levels 5, step 2.
    let counts = [1, 0, 0, 1, 1, 0, 1];
    let expected = pairs(&[
        ("< 0", 1),
        ("0", 0),
        ("2", 0),
        ("4", 1),
        ("6", 1),
        ("8", 0),
        (">= 10", 1),
    ]);
    let sig = lquantize_sig(0, 5, 2);
    let l = linux_entry(&[], linux::LQUANTIZE, &counts, sig, 1);
    let mut with_params = vec![sig as i64];
    with_params.extend(counts);
    let i = illumos_entry(&[], illumos::LQUANTIZE, &with_params, 1);
    for d in [&l, &i] {
        assert_eq!(
            d.function,
            AggFunction::Lquantize {
                base: 0,
                step: 2,
                levels: 5
            }
        );
        assert_eq!(labels(d), expected);
        let b = d.row.value.buckets();
        assert_eq!((b[0].min, b[0].max), (None, Some(-1)));
        assert_eq!((b[3].min, b[3].max), (Some(4), Some(5)));
        assert_eq!((b[6].min, b[6].max), (Some(10), None));
    }
}

#[test]
fn lquantize_with_a_negative_base() {
    let sig = lquantize_sig(-10, 4, 5);
    // Only -5..-1 holds data (2 values).
    let d = linux_entry(&[], linux::LQUANTIZE, &[0, 0, 2, 0, 0, 0], sig, 1);
    assert_eq!(labels(&d), pairs(&[("-10", 0), ("-5", 2), ("0", 0)]));
}

#[test]
fn llquantize_linux_layout_and_labels() {
    // llquantize(x, 10, 0, 6, 20) of 100 and 5 prints, under dtrace(1):
    // 4 (a borrowed label), 5 .. 10, 15 .. 100, 150.
    let (factor, lmag, hmag, steps) = (10u64, 0u64, 6u64, 20u64);
    let sig = steps << 48 | hmag << 32 | lmag << 16 | factor;
    let bin0 = 1 + 7 * 18;
    let mut counts = vec![0i64; 2 * bin0 + 1];
    counts[bin0 + 9] = 1; // 5
    counts[bin0 + 37] = 1; // 100
    let d = linux_entry(&[], linux::LLQUANTIZE, &counts, sig, 1);
    assert_eq!(
        d.function,
        AggFunction::Llquantize {
            factor: 10,
            low: 0,
            high: 6,
            steps: 20
        }
    );
    let got = labels(&d);
    let mut want = vec![("4".to_string(), 0), ("5".to_string(), 1)];
    for v in 6..=10 {
        want.push((v.to_string(), 0));
    }
    for v in (15..=95).step_by(5) {
        want.push((v.to_string(), 0));
    }
    want.push(("100".into(), 1));
    want.push(("150".into(), 0));
    assert_eq!(got, want);
    let b = d.row.value.buckets();
    assert_eq!((b[1].min, b[1].max), (Some(5), Some(5)));
    assert_eq!((b[7].min, b[7].max), (Some(15), Some(19)));
}

#[test]
fn llquantize_linux_negative_values_and_overflow() {
    let sig = 10u64 << 48 | 1 << 32 | 10; // factor 10, magnitudes 0..1, 10 steps
    let steps_factor = 1;
    let bin0 = 1 + 2 * (10 - steps_factor);
    let mut counts = vec![0i64; 2 * bin0 + 1];
    counts[0] = 1; // <= -100
    counts[bin0 - 1] = 2; // -1
    counts[2 * bin0] = 3; // >= 100
    let d = linux_entry(&[], linux::LLQUANTIZE, &counts, sig, 1);
    let got = labels(&d);
    assert_eq!(got.first().unwrap(), &("<= -100".to_string(), 1));
    assert!(got.contains(&("-1".to_string(), 2)), "{got:?}");
    assert!(got.contains(&("0".to_string(), 0)), "{got:?}");
    assert_eq!(got.last().unwrap(), &(">= 100".to_string(), 3));
}

#[test]
fn llquantize_illumos_layout_and_labels() {
    // Same call on illumos: parameters (factor<<48 | low<<32 | high<<16 |
    // nsteps) lead the data; bins: < 1, 1..9, 10, 15 .. 95, 100 ..., >=.
    let arg = 10u64 << 48 | 6 << 16 | 20;
    let mut counts = vec![0i64; 1 + 9 + 18 * 6 + 1];
    counts[5] = 1;
    counts[10 + 18] = 1; // 100
    let mut data = vec![arg as i64];
    data.extend(&counts);
    let d = illumos_entry(&[], illumos::LLQUANTIZE, &data, 1);
    let got = labels(&d);
    assert_eq!(got[0], ("4".to_string(), 0));
    assert_eq!(got[1], ("5".to_string(), 1));
    assert!(got.contains(&("100".to_string(), 1)));
    assert_eq!(got.last().unwrap(), &("150".to_string(), 0));
    // Nothing recorded: the underflow bucket and the first one.
    let mut empty = vec![arg as i64];
    empty.extend(vec![0i64; counts.len()]);
    let d = illumos_entry(&[], illumos::LLQUANTIZE, &empty, 1);
    assert_eq!(labels(&d), pairs(&[("< 1", 0), ("1", 0)]));
}

#[test]
fn distribution_counts_are_normalized() {
    let sig = lquantize_sig(0, 1, 10);
    let d = linux_entry(&[], linux::LQUANTIZE, &[0, 50, 0], sig, 10);
    assert_eq!(labels(&d), pairs(&[("< 0", 0), ("0", 5), (">= 10", 0)]));
}

#[test]
fn integer_keys_of_every_width_and_sign() {
    let d = linux_entry(&[K::I32(-5), K::I(-1)], linux::COUNT, &[1], 0, 1);
    assert_eq!(d.row.key, vec![KeyPart::Int(-5), KeyPart::Int(-1)]);
}

struct Names;

impl Symbolizer for Names {
    fn kernel(&mut self, addr: u64) -> String {
        format!("vmlinux`f{addr:x}")
    }
    fn user(&mut self, pid: u64, addr: u64) -> String {
        format!("libc.so.6`u{pid}_{addr:x}")
    }
}

#[test]
fn stack_and_symbol_keys_are_text() {
    // stack() with room for 4 frames, two used; ustack with its pid;
    // sym(), mod(), usym(), umod().
    let mut key = 7u32.to_ne_bytes().to_vec();
    key.resize(8, 0);
    let mut recs = Vec::new();
    let mut push = |key: &mut Vec<u8>, action: u16, words: &[u64], arg: u64| {
        recs.push(RecordDesc {
            action,
            size: (words.len() * 8) as u32,
            offset: key.len() as u32,
            arg,
        });
        for w in words {
            key.extend(w.to_ne_bytes());
        }
    };
    push(&mut key, ACT_STACK, &[0x10, 0x20, 0, 0], 4);
    push(&mut key, ACT_USTACK, &[99, 0xa, 0xb, 0], 3);
    push(&mut key, ACT_SYM, &[0x30], 0);
    push(&mut key, ACT_MOD, &[0x40], 0);
    push(&mut key, ACT_USYM, &[99, 0xc], 0);
    push(&mut key, ACT_UMOD, &[99, 0xd], 0);
    let data = [1u64.to_ne_bytes(), 3u64.to_ne_bytes()].concat();
    let e = RawEntry {
        varid: 1,
        name: "k",
        keys: &recs,
        key_bytes: &key,
        value: RecordDesc {
            action: linux::COUNT,
            size: 8,
            offset: 8,
            arg: 1,
        },
        value_bytes: &data,
        normal: 1,
        sig: 0,
    };
    let d = decode_entry(Abi::Linux2, &e, &mut Names).unwrap();
    assert_eq!(
        d.row.key,
        vec![
            KeyPart::Stack(vec!["vmlinux`f10".into(), "vmlinux`f20".into()]),
            KeyPart::Stack(vec!["libc.so.6`u99_a".into(), "libc.so.6`u99_b".into()]),
            KeyPart::Symbol("vmlinux`f30".into()),
            KeyPart::Symbol("vmlinux".into()),
            KeyPart::Symbol("libc.so.6`u99_c".into()),
            KeyPart::Symbol("libc.so.6".into()),
        ]
    );
}

#[test]
fn bytes_that_are_not_text_are_shown_in_hex() {
    assert_eq!(bytes_text(b"ab\0\0"), "ab");
    assert_eq!(bytes_text(b"\x01\x02"), "01 02");
    assert_eq!(bytes_text(b"a\0b\0"), "61 00 62 00");
}

#[test]
fn bad_records_are_errors_not_panics() {
    let recs = [RecordDesc {
        action: DIFEXPR,
        size: 8,
        offset: 100,
        arg: 1,
    }];
    let data = [0u8; 16];
    let mut e = RawEntry {
        varid: 1,
        name: "x",
        keys: &recs,
        key_bytes: &data,
        value: RecordDesc {
            action: linux::COUNT,
            size: 8,
            offset: 8,
            arg: 1,
        },
        value_bytes: &data,
        normal: 1,
        sig: 0,
    };
    assert!(decode_entry(Abi::Linux2, &e, &mut RawAddresses).is_err());
    e.keys = &[];
    e.value.action = 0x7ff;
    let msg = decode_entry(Abi::Linux2, &e, &mut RawAddresses)
        .err()
        .unwrap()
        .0;
    assert!(msg.contains("unknown aggregating action"), "{msg}");
    e.value.action = linux::QUANTIZE;
    assert!(decode_entry(Abi::Linux2, &e, &mut RawAddresses).is_err());
    // llquantize parameters that would need billions of buckets.
    e.value.action = linux::LLQUANTIZE;
    e.sig = u64::MAX;
    assert!(decode_entry(Abi::Linux2, &e, &mut RawAddresses).is_err());
    e.value.action = illumos::LLQUANTIZE;
    e.value.size = 16;
    e.value.offset = 0;
    e.value_bytes = &[0xff; 16];
    assert!(decode_entry(Abi::Illumos, &e, &mut RawAddresses).is_err());
}

#[test]
fn rows_are_ordered_like_dtrace_prints_them() {
    // @s["x", 1] = sum(10); @s["x", 2] = sum(-3); @s["y", 1] = sum(7);
    // @c["b"] = 2, @c["a"] = 1 with a lower variable id.
    let s = |k: &str, n: i64, v: i64| {
        let mut d = linux_entry(&[K::S(k), K::I(n)], linux::SUM, &[v], 0, 1);
        d.varid = 2;
        d
    };
    let c = |k: &str, v: i64| {
        let mut d = linux_entry(&[K::S(k)], linux::COUNT, &[v], 0, 1);
        d.varid = 1;
        d
    };
    let describe = |id: u32| match id {
        1 => ("c".to_string(), vec![STR as u32]),
        _ => ("s".to_string(), vec![STR as u32, 8]),
    };
    let snap = assemble(
        vec![
            s("x", 1, 10),
            c("b", 2),
            s("y", 1, 7),
            s("x", 2, -3),
            c("a", 1),
        ],
        describe,
    );
    let names: Vec<&str> = snap.aggregations.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["c", "s"]);
    let text = snap.to_dtrace_text();
    let rows: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(rows, ["a 1", "b 2", "x 2 -3", "y 1 7", "x 1 10"]);
    // Equal values: by key.
    let snap = assemble(vec![c("b", 1), c("a", 1)], describe);
    assert_eq!(
        snap.aggregations[0].rows[0].key,
        vec![KeyPart::Str("a".into())]
    );
}
