//! Every aggregating function, with and without `normalize()`, decoded
//! from records laid out the way each family's libdtrace hands them over,
//! against what that family's `dtrace(1)` prints.
//!
//! The expected numbers come from the printing and sorting code:
//! - Linux DTrace 2.x (oracle/dtrace-utils devel, 8a1264bf):
//!   libdtrace/dt_consume.c and dt_aggregate.c, cited as `linux:FILE:LINE`.
//!   The Linux cases were also run through the installed `dtrace(1)`; its
//!   output is quoted next to them.
//! - macOS (apple-oss-distributions/dtrace, dtrace-409):
//!   lib/libdtrace/common/dt_consume.c and dt_aggregate.c, cited as
//!   `macos:FILE:LINE`. illumos (illumos-gate 050c24f3) and FreeBSD
//!   (freebsd-src 18b4c882) have the same text in the functions named.

use super::super::*;
use super::{K, illumos, labels as rows, le_words, linux, number, pairs as want, put_keys};

/// An entry as the illumos family's `dt_aggregate_snap_cpu` keeps it: one
/// buffer holding the 4-byte aggregation id, the 8-byte variable id
/// record (`dtrace_aggvarid_t` is an int64_t), the key records and then
/// the aggregating record, 8-byte aligned; record offsets count from the
/// start of the entry. lquantize and llquantize data begin with their
/// parameter word, which the caller puts first in `data`.
pub(super) fn illumos_raw(
    keys: &[K],
    action: u16,
    data: &[i64],
    normal: u64,
) -> Result<Decoded, DecodeError> {
    let mut buf = 3u32.to_ne_bytes().to_vec();
    buf.resize(8, 0);
    buf.extend(7i64.to_ne_bytes());
    let recs = put_keys(&mut buf, keys);
    while !buf.len().is_multiple_of(8) {
        buf.push(0);
    }
    let offset = buf.len() as u32;
    buf.extend(le_words(data));
    let e = RawEntry {
        varid: 7,
        name: "agg",
        keys: &recs,
        key_bytes: &buf,
        value: RecordDesc {
            action,
            size: (data.len() * 8) as u32,
            offset,
            arg: 0,
        },
        value_bytes: &buf,
        normal,
        sig: 0,
    };
    decode_entry(Abi::Illumos, &e, &mut RawAddresses)
}

fn illumos_at(keys: &[K], action: u16, data: &[i64], normal: u64) -> Decoded {
    illumos_raw(keys, action, data, normal).expect("decodes")
}

/// An entry as Linux DTrace 2.x hands it over: a key buffer (`dtada_key`)
/// starting with the 4-byte variable id, a data buffer (`dtada_data`)
/// starting with the 8-byte generation counter, parameters in `dtagd_sig`.
pub(super) fn linux_raw(
    keys: &[K],
    action: u16,
    data: &[i64],
    sig: u64,
    normal: u64,
) -> Result<Decoded, DecodeError> {
    let mut key_bytes = 7u32.to_ne_bytes().to_vec();
    let recs = put_keys(&mut key_bytes, keys);
    let mut value_bytes = 1u64.to_ne_bytes().to_vec();
    value_bytes.extend(le_words(data));
    let e = RawEntry {
        varid: 7,
        name: "agg",
        keys: &recs,
        key_bytes: &key_bytes,
        value: RecordDesc {
            action,
            size: (data.len() * 8) as u32,
            offset: 8,
            arg: 1,
        },
        value_bytes: &value_bytes,
        normal,
        sig,
    };
    decode_entry(Abi::Linux2, &e, &mut RawAddresses)
}

fn linux_at(keys: &[K], action: u16, data: &[i64], sig: u64, normal: u64) -> Decoded {
    linux_raw(keys, action, data, sig, normal).expect("decodes")
}

/// The scalar functions' action codes, Linux then illumos:
/// count, sum, min, max.
const SCALARS: [(u16, u16); 4] = [
    (linux::COUNT, illumos::COUNT),
    (linux::SUM, illumos::SUM),
    (linux::MIN, illumos::MIN),
    (linux::MAX, illumos::MAX),
];

/// Both families decode `data` for one scalar function.
fn scalar_both(codes: (u16, u16), data: &[i64], normal: u64) -> [i64; 2] {
    [
        number(&linux_at(&[], codes.0, data, 0, normal)),
        number(&illumos_at(&[], codes.1, data, normal)),
    ]
}

#[test]
fn count_sum_min_max_divide_by_the_normal_factor_unsigned() {
    // dt_print_datum prints `(long long)*((uint64_t *)addr) / normal`,
    // and `normal` is a uint64_t, so the division is unsigned
    // (linux:dt_consume.c:1706, macos:dt_consume.c:1929, the same line in
    // illumos' and FreeBSD's dt_print_datum).
    // `@a = sum(-30); normalize(@a, 10)` prints 1844674407370955158;
    // `@c = sum(30); normalize(@c, 7)` prints 4.
    for codes in SCALARS {
        assert_eq!(scalar_both(codes, &[-30], 1), [-30, -30]);
        assert_eq!(scalar_both(codes, &[-30], 10), [1844674407370955158; 2]);
        assert_eq!(scalar_both(codes, &[30], 7), [4, 4]);
        assert_eq!(scalar_both(codes, &[i64::MAX], 2), [i64::MAX / 2; 2]);
    }
}

#[test]
fn avg_divides_signed_total_then_count() {
    // dt_print_average: `data[1] / (int64_t)normal / data[0]`, signed
    // (linux:dt_consume.c:896, macos:dt_consume.c:1116).
    // `@d = avg(-31); normalize(@d, 10)` prints -3.
    for (normal, total, n, expect) in [
        (1, -31, 1, -31),
        (10, -31, 1, -3),
        (1, 15, 3, 5),
        (2, 15, 3, 2),
    ] {
        let l = linux_at(&[], linux::AVG, &[n, total], 0, normal);
        let i = illumos_at(&[], illumos::AVG, &[n, total], normal);
        assert_eq!(
            (number(&l), number(&i)),
            (expect, expect),
            "{total}/{n} by {normal}"
        );
    }
    // Nothing averaged: 0, not a division by zero.
    assert_eq!(number(&linux_at(&[], linux::AVG, &[0, 0], 0, 3)), 0);
}

/// stddev's data words: count, total, and the 128-bit sum of squares.
fn stddev_words(samples: &[i64]) -> [i64; 4] {
    let squares: u128 = samples
        .iter()
        .map(|&x| (x.unsigned_abs() as u128).pow(2))
        .sum();
    [
        samples.len() as i64,
        samples.iter().sum(),
        squares as u64 as i64,
        (squares >> 64) as u64 as i64,
    ]
}

#[test]
fn stddev_is_normalized_by_the_factor_on_linux_and_by_its_square_elsewhere() {
    // Linux's dt_stddev divides the sum of squares by `normal` once
    // (linux:dt_consume.c:373); illumos', FreeBSD's and macOS' divide it
    // twice, "by normal**2" (macos:dt_consume.c:391-392).
    // 2, 4, 9: squares 101, total 15.
    // Linux, normal 2: 101/2/3 = 16, (15/2/3)^2 = 4, isqrt(12) = 3.
    // illumos, normal 2: 101/2/2/3 = 8, 8 - 4 = 4, isqrt = 2.
    // -20, -40, -90: squares 10100, total -150, normal 3:
    // Linux: 10100/3/3 = 1122, |-150/3/3| = 16, isqrt(1122 - 256) = 29.
    // illumos: 10100/3/3/3 = 374, isqrt(374 - 256) = 10.
    // The installed dtrace(1) prints 2, 3 and 29 for
    // `@s = stddev(2..9)`, the same normalized by 2, and the negative
    // samples normalized by 3.
    for (samples, normal, linux_sd, illumos_sd) in [
        (&[2, 4, 9][..], 1, 2, 2),
        (&[2, 4, 9][..], 2, 3, 2),
        (&[-20, -40, -90][..], 3, 29, 10),
    ] {
        let data = stddev_words(samples);
        let l = linux_at(&[], linux::STDDEV, &data, 0, normal);
        let i = illumos_at(&[], illumos::STDDEV, &data, normal);
        assert_eq!(number(&l), linux_sd, "linux {samples:?} by {normal}");
        assert_eq!(number(&i), illumos_sd, "illumos {samples:?} by {normal}");
    }
}

#[test]
fn stddev_rows_are_ordered_by_deviation() {
    // dt_aggregate_stddevcmp compares dt_stddev(data, 1) as unsigned
    // (linux:dt_aggregate.c:107): 0 and 100 deviate by 50, 50 and 51 by
    // 7 (isqrt(5101/2 - 50^2) in integer arithmetic), so "b" comes
    // before "a" though its key is larger.
    let wide = linux_at(&[K::S("a")], linux::STDDEV, &stddev_words(&[0, 100]), 0, 10);
    let narrow = linux_at(&[K::S("b")], linux::STDDEV, &stddev_words(&[50, 51]), 0, 10);
    let snap = assemble(vec![wide, narrow], |_| ("s".into(), vec![16]));
    let keys: Vec<_> = snap.aggregations[0]
        .rows
        .iter()
        .map(|r| r.key.clone())
        .collect();
    assert_eq!(
        keys,
        [
            vec![KeyPart::Str("b".into())],
            vec![KeyPart::Str("a".into())]
        ]
    );
}

/// quantize counts with `n` at the bucket of `value` (DTRACE_QUANTIZE_
/// BUCKETVAL's inverse for the values used here).
fn quantize_with(cells: &[(usize, i64)]) -> Vec<i64> {
    let mut q = vec![0i64; 127];
    for &(i, n) in cells {
        q[i] = n;
    }
    q
}

#[test]
fn quantize_counts_divide_by_the_normal_factor_unsigned() {
    // dt_print_quantline prints `(long long)val / normal` with a uint64_t
    // normal (linux:dt_consume.c:562, the same in every family).
    // `@q = quantize(1, -3); normalize(@q, 2)` prints 0, 9223372036854775806,
    // 0 for the rows 0, 1, 2.
    let q = quantize_with(&[(64, -3)]);
    let expected = want(&[("0", 0), ("1", 9223372036854775806), ("2", 0)]);
    assert_eq!(rows(&linux_at(&[], linux::QUANTIZE, &q, 0, 2)), expected);
    assert_eq!(rows(&illumos_at(&[], illumos::QUANTIZE, &q, 2)), expected);
    // Without normalize() the count is -3.
    let plain = rows(&linux_at(&[], linux::QUANTIZE, &q, 0, 1));
    assert_eq!(plain[1], ("1".into(), -3));
    // Positive counts divide as expected: 7 / 2 = 3.
    let q = quantize_with(&[(65, 7)]);
    assert_eq!(
        rows(&illumos_at(&[], illumos::QUANTIZE, &q, 2)),
        want(&[("1", 0), ("2", 3), ("4", 0)])
    );
}

#[test]
fn quantize_with_data_only_in_the_top_bucket_differs_by_family() {
    // Linux looks for the first bucket with data up to the last one
    // (linux:dt_consume.c:608) and prints the top two buckets; the
    // illumos family stops before the last one
    // (macos:dt_consume.c:773, illumos and FreeBSD dt_print_quantize) and
    // takes such an entry for an empty one, printing the buckets around 0.
    // `@g = quantize(1LL << 62)` under Linux dtrace(1):
    //   2305843009213693952 | 0
    //   4611686018427387904 | 1
    let q = quantize_with(&[(126, 1)]);
    assert_eq!(
        rows(&linux_at(&[], linux::QUANTIZE, &q, 0, 1)),
        want(&[("2305843009213693952", 0), ("4611686018427387904", 1)])
    );
    assert_eq!(
        rows(&illumos_at(&[], illumos::QUANTIZE, &q, 1)),
        want(&[("-1", 0), ("0", 0), ("1", 0)])
    );
    // Data in the lowest bucket shows it and the next one in both.
    let q = quantize_with(&[(0, 2)]);
    let low = want(&[("-4611686018427387904", 2), ("-2305843009213693952", 0)]);
    assert_eq!(rows(&linux_at(&[], linux::QUANTIZE, &q, 0, 1)), low);
    assert_eq!(rows(&illumos_at(&[], illumos::QUANTIZE, &q, 1)), low);
}

#[test]
fn distributions_of_the_wrong_size_are_refused() {
    // Every printer checks the record size against the parameters
    // (EDT_DMISMATCH), e.g. `size != DTRACE_QUANTIZE_NBUCKETS *
    // sizeof (uint64_t)`.
    assert!(linux_raw(&[], linux::QUANTIZE, &[0; 128], 0, 1).is_err());
    assert!(illumos_raw(&[], illumos::QUANTIZE, &[0; 126], 1).is_err());
    let sig = super::lquantize_sig(0, 4, 1);
    assert!(linux_raw(&[], linux::LQUANTIZE, &[0; 7], sig, 1).is_err());
    let mut data = vec![sig as i64];
    data.extend([0; 5]);
    assert!(illumos_raw(&[], illumos::LQUANTIZE, &data, 1).is_err());
    data.push(0);
    assert!(illumos_raw(&[], illumos::LQUANTIZE, &data, 1).is_ok());
}

#[test]
fn lquantize_rows_and_normalized_counts_in_both_families() {
    // dt_print_lquantize: no data prints bins 0..2; labels "< base",
    // base + (i - 1) * step, ">= base + levels * step".
    // `@h = lquantize(3, 0, 10, 1, 0)` (Linux dtrace(1)): "< 0", 0, 1.
    let sig = super::lquantize_sig(0, 10, 1);
    let empty = [0i64; 12];
    let expected = want(&[("< 0", 0), ("0", 0), ("1", 0)]);
    assert_eq!(
        rows(&linux_at(&[], linux::LQUANTIZE, &empty, sig, 1)),
        expected
    );
    let mut data = vec![sig as i64];
    data.extend(empty);
    assert_eq!(
        rows(&illumos_at(&[], illumos::LQUANTIZE, &data, 1)),
        expected
    );
    // lquantize(x, -10, 10, 5) of -20 (twice), 3, 40 (five times), with
    // normalize(@, 2): counts 1, 0, 0, 0, 0, 2 ("< -10" 2/2, ">= 10" 5/2).
    let sig = super::lquantize_sig(-10, 4, 5);
    let counts = [2, 0, 0, 1, 0, 5];
    let expected = want(&[
        ("< -10", 1),
        ("-10", 0),
        ("-5", 0),
        ("0", 0),
        ("5", 0),
        (">= 10", 2),
    ]);
    assert_eq!(
        rows(&linux_at(&[], linux::LQUANTIZE, &counts, sig, 2)),
        expected
    );
    let mut data = vec![sig as i64];
    data.extend(counts);
    assert_eq!(
        rows(&illumos_at(&[], illumos::LQUANTIZE, &data, 2)),
        expected
    );
}

/// Linux llquantize parameters (DTRACE_LLQUANTIZE_* in Linux's
/// actions_defines.h: steps << 48 | hmag << 32 | lmag << 16 | factor).
fn linux_llq(factor: u64, lmag: u64, hmag: u64, steps: u64) -> (u64, usize) {
    let steps_factor = steps / factor;
    let bin0 = 1 + (hmag - lmag + 1) * (steps - steps_factor);
    (
        steps << 48 | hmag << 32 | lmag << 16 | factor,
        bin0 as usize,
    )
}

#[test]
fn linux_llquantize_middle_bin_and_empty_entries() {
    // dt_print_llquantize (linux:dt_consume.c:726): with no data it picks
    // bin0 + 1 (line 771) and, like any range, widens it by one bin each
    // way (line 789); bin0 is "0" when factor^lmag is 1, "< scale" when
    // nothing below it is shown and "abs() < scale" otherwise (line 821).
    // Under Linux dtrace(1):
    //   llquantize(5, 10, 0, 6, 20, 0): 0, 1, 2 (2 borrowed by a ghost bin)
    //   llquantize(500, 10, 2, 4, 10): 400, 500, 600
    //   llquantize(-500, 10, 2, 4, 10): -600, -500, -400
    //   llquantize(50, 10, 2, 4, 10): -100, abs() < 100, 100
    //   llquantize(100, 10, 2, 4, 10): < 100, 100, 200
    let (sig, bin0) = linux_llq(10, 0, 6, 20);
    let empty = vec![0i64; 2 * bin0 + 1];
    assert_eq!(
        rows(&linux_at(&[], linux::LLQUANTIZE, &empty, sig, 1)),
        want(&[("0", 0), ("1", 0), ("2", 0)])
    );
    let (sig, bin0) = linux_llq(10, 2, 4, 10);
    let one_at = |offset: isize| {
        let mut c = vec![0i64; 2 * bin0 + 1];
        c[(bin0 as isize + offset) as usize] = 1;
        rows(&linux_at(&[], linux::LLQUANTIZE, &c, sig, 1))
    };
    // From bin0: 100, 200, ... 1000 step 100 (factor 10, steps 10).
    assert_eq!(one_at(5), want(&[("400", 0), ("500", 1), ("600", 0)]));
    assert_eq!(one_at(-5), want(&[("-600", 0), ("-500", 1), ("-400", 0)]));
    assert_eq!(
        one_at(0),
        want(&[("-100", 0), ("abs() < 100", 1), ("100", 0)])
    );
    assert_eq!(one_at(1), want(&[("< 100", 0), ("100", 1), ("200", 0)]));
    // Normalized counts divide unsigned, like the other distributions.
    let mut c = vec![0i64; 2 * bin0 + 1];
    c[bin0 + 5] = 9;
    assert_eq!(
        rows(&linux_at(&[], linux::LLQUANTIZE, &c, sig, 4))[1],
        ("500".to_string(), 2)
    );
}

#[test]
fn linux_llquantize_overflow_bins_count_in_the_row_order() {
    // dt_aggregate_llquantizedsum (linux:dt_aggregate.c:192) walks i up
    // to bin0, so its last step, 10 * 1000 for llquantize(x, 10, 0, 3,
    // 10), weighs the overflow bins: under Linux dtrace(1)
    // `@ll["j"] = llquantize(20000, 10, 0, 3, 10)` sorts after
    // `@ll["i"] = llquantize(9000, ...)` (weight 9000), and
    // `@ll["h"] = llquantize(-20000, ...)` before `@ll["g"] =
    // llquantize(-9000, ...)`.
    let (sig, bin0) = linux_llq(10, 0, 3, 10);
    let nbins = 2 * bin0 + 1;
    let entry = |key: &'static str, bin: usize| {
        let mut c = vec![0i64; nbins];
        c[bin] = 1;
        linux_at(&[K::S(key)], linux::LLQUANTIZE, &c, sig, 1)
    };
    // 9000 is the last bin before the overflow: offset bin0 - 1.
    let snap = assemble(
        vec![
            entry("j", nbins - 1),
            entry("i", 2 * bin0 - 1),
            entry("h", 0),
            entry("g", 1),
        ],
        |_| ("ll".into(), vec![16]),
    );
    assert_eq!(key_names(&snap), ["h", "g", "i", "j"]);
    let labels = |d: &Decoded| rows(d).into_iter().map(|(l, _)| l).collect::<Vec<_>>();
    assert_eq!(
        labels(&entry("i", 2 * bin0 - 1)),
        ["8000", "9000", ">= 10000"]
    );
    assert_eq!(labels(&entry("g", 1)), ["<= -10000", "-9000", "-8000"]);
}

/// Which llquantize bin the illumos family's kernel puts `value` in
/// (`dtrace_aggregate_llquantize_bucket` in xnu's and illumos' dtrace.c),
/// so fixtures are filled the way the kernel fills them.
fn illumos_llq_bin(factor: i64, low: u32, high: u32, nsteps: i64, value: i64) -> usize {
    let mut this = factor.pow(low);
    if value < this {
        return 0;
    }
    let mut last = this;
    let mut base = 1i64;
    this *= factor;
    for _ in low..=high {
        let nbuckets = if this > nsteps { nsteps } else { this };
        let next = this * factor;
        if value < this {
            return (base + (value - last) / (this / nbuckets)) as usize;
        }
        base += nbuckets - nbuckets / factor;
        last = this;
        this = next;
    }
    base as usize
}

/// illumos llquantize parameter word (DTRACE_LLQUANTIZE_*SHIFT in
/// sys/dtrace.h: factor 48, low 32, high 16, nsteps 0), followed by the
/// counts the kernel would record for `values`.
fn illumos_llq(factor: u16, low: u16, high: u16, nsteps: u16, values: &[(i64, i64)]) -> Vec<i64> {
    let arg = (factor as u64) << 48 | (low as u64) << 32 | (high as u64) << 16 | nsteps as u64;
    // Bins: underflow, the bins of each magnitude, overflow.
    let mut bins = 1;
    let mut value = (factor as i64).pow(low as u32);
    for _ in low..=high {
        let next = value * factor as i64;
        let step = if next > nsteps as i64 {
            next / nsteps as i64
        } else {
            1
        };
        bins += ((next - value) / step) as usize;
        value = next;
    }
    let mut counts = vec![0i64; bins + 1];
    for &(v, n) in values {
        counts[illumos_llq_bin(factor as i64, low.into(), high.into(), nsteps.into(), v)] += n;
    }
    let mut data = vec![arg as i64];
    data.extend(counts);
    data
}

#[test]
fn illumos_llquantize_rows_with_and_without_normalize() {
    // dt_print_llquantize (macos:dt_consume.c:992, the same in illumos and
    // FreeBSD): "< factor^low" for the underflow bin, each bin's first
    // value, ">= factor^(high+1)" for the overflow bin; from one bin below
    // the first with data to one past the last.
    // llquantize(x, 10, 1, 2, 10) of 5, 250 and 1000 (twice):
    // bins < 10, 10..90 step 10, 100..900 step 100, >= 1000.
    let data = illumos_llq(10, 1, 2, 10, &[(5, 1), (250, 1), (1000, 2)]);
    let d = illumos_at(&[], illumos::LLQUANTIZE, &data, 1);
    let mut expected = vec![("< 10".to_string(), 1)];
    for v in (10..=90).step_by(10) {
        expected.push((v.to_string(), 0));
    }
    for v in (100..=900).step_by(100) {
        expected.push((v.to_string(), i64::from(v == 200)));
    }
    expected.push((">= 1000".into(), 2));
    assert_eq!(rows(&d), expected);
    assert_eq!(
        d.function,
        AggFunction::Llquantize {
            factor: 10,
            low: 1,
            high: 2,
            steps: 10
        }
    );
    // normalize(@, 2): 1/2 = 0, 2/2 = 1.
    let d = illumos_at(&[], illumos::LLQUANTIZE, &data, 2);
    assert_eq!(rows(&d).first().unwrap(), &("< 10".to_string(), 0));
    assert_eq!(rows(&d).last().unwrap(), &(">= 1000".to_string(), 1));
    // One value in the middle: its bin and one on each side.
    let data = illumos_llq(10, 1, 2, 10, &[(250, 3)]);
    assert_eq!(
        rows(&illumos_at(&[], illumos::LLQUANTIZE, &data, 1)),
        want(&[("100", 0), ("200", 3), ("300", 0)])
    );
}

#[test]
fn illumos_llquantize_parameters_its_printer_refuses() {
    // `low >= high || factor > nsteps` is EDT_DMISMATCH in the illumos
    // family's dt_print_llquantize (macos:dt_consume.c:1019); Linux takes
    // equal magnitudes and fewer steps than the factor.
    let arg = |factor: u64, low: u64, high: u64, nsteps: u64| {
        (factor << 48 | low << 32 | high << 16 | nsteps) as i64
    };
    for bad in [arg(10, 2, 2, 10), arg(10, 3, 2, 10), arg(10, 0, 2, 5)] {
        let mut data = vec![bad];
        data.extend([0; 40]);
        let msg = illumos_raw(&[], illumos::LLQUANTIZE, &data, 1)
            .err()
            .unwrap()
            .0;
        assert!(msg.contains("out of range"), "{msg}");
    }
    // llquantize(x, 10, 2, 2, 5) is fine on Linux: 5 steps per magnitude.
    let (sig, bin0) = linux_llq(10, 2, 2, 5);
    let counts = vec![0i64; 2 * bin0 + 1];
    assert!(linux_raw(&[], linux::LLQUANTIZE, &counts, sig, 1).is_ok());
}

#[test]
fn illumos_llquantize_underflow_counts_in_the_row_order() {
    // dt_aggregate_llquantizedsum weighs the underflow bin by
    // factor^low - 1 (macos:dt_aggregate.c:239): with llquantize(x, 10,
    // 1, 2, 10), "a" holding two values below 10 (2 * 9 = 18) sorts after
    // "b" holding one 10 (10).
    let a = illumos_llq(10, 1, 2, 10, &[(3, 2)]);
    let b = illumos_llq(10, 1, 2, 10, &[(10, 1)]);
    let snap = assemble(
        vec![
            illumos_at(&[K::S("a")], illumos::LLQUANTIZE, &a, 1),
            illumos_at(&[K::S("b")], illumos::LLQUANTIZE, &b, 1),
        ],
        |_| ("l".into(), vec![16]),
    );
    let keys: Vec<_> = snap.aggregations[0]
        .rows
        .iter()
        .map(|r| r.key[0].clone())
        .collect();
    assert_eq!(keys, [KeyPart::Str("b".into()), KeyPart::Str("a".into())]);
    // With equal weights the underflow count decides (lzero = lhs[1],
    // macos:dt_aggregate.c:277): "z" holds 10 values below 10 (weight
    // 90) and "y" one 90 (weight 90); fewer at zero sorts first.
    let z = illumos_llq(10, 1, 2, 10, &[(1, 10)]);
    let y = illumos_llq(10, 1, 2, 10, &[(90, 1)]);
    let snap = assemble(
        vec![
            illumos_at(&[K::S("z")], illumos::LLQUANTIZE, &z, 1),
            illumos_at(&[K::S("y")], illumos::LLQUANTIZE, &y, 1),
        ],
        |_| ("l".into(), vec![16]),
    );
    let keys: Vec<_> = snap.aggregations[0]
        .rows
        .iter()
        .map(|r| r.key[0].clone())
        .collect();
    assert_eq!(keys, [KeyPart::Str("y".into()), KeyPart::Str("z".into())]);
}

/// A one-word key record of `action` holding `words`.
fn symbol_entry(action: u16, words: &[u64], count: i64) -> Decoded {
    let mut key = 7u32.to_ne_bytes().to_vec();
    key.resize(8, 0);
    let recs = [RecordDesc {
        action,
        size: (words.len() * 8) as u32,
        offset: 8,
        arg: 0,
    }];
    for w in words {
        key.extend(w.to_ne_bytes());
    }
    let data = [1u64.to_ne_bytes(), (count as u64).to_ne_bytes()].concat();
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
    decode_entry(Abi::Linux2, &e, &mut RawAddresses).unwrap()
}

fn key_names(snap: &Snapshot) -> Vec<String> {
    snap.aggregations[0]
        .rows
        .iter()
        .map(|r| match &r.key[0] {
            KeyPart::Symbol(s) | KeyPart::Str(s) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn symbol_keys_are_ordered_by_address_not_by_name() {
    // dt_aggregate_keycmp compares an 8-byte record (sym(), mod()) as a
    // number, and usym()/uaddr()/umod() as pid, then address
    // (linux:dt_aggregate.c:822 and 888, macos:dt_aggregate.c:791, 857).
    // 0xff before 0x100, though its first byte in memory is larger.
    let snap = assemble(
        vec![
            symbol_entry(ACT_SYM, &[0x100], 1),
            symbol_entry(ACT_SYM, &[0xff], 1),
        ],
        |_| ("k".into(), vec![8]),
    );
    assert_eq!(key_names(&snap), ["0xff", "0x100"]);
    // Pid 2 before pid 0x100 whatever the address.
    let snap = assemble(
        vec![
            symbol_entry(ACT_USYM, &[0x100, 0x1], 1),
            symbol_entry(ACT_USYM, &[2, 0x900], 1),
        ],
        |_| ("k".into(), vec![16]),
    );
    assert_eq!(key_names(&snap), ["0x900", "0x1"]);
}

#[test]
fn text_and_hex_keys_are_ordered_by_their_bytes() {
    // Other records compare byte by byte over the whole record
    // (linux:dt_aggregate.c:897-908): "a\0b" (shown in hex) is below
    // "ab" because its second byte is 0.
    let snap = assemble(
        vec![
            linux_at(&[K::S("ab")], linux::COUNT, &[1], 0, 1),
            linux_at(&[K::S("a\0b")], linux::COUNT, &[1], 0, 1),
            linux_at(&[K::S("a")], linux::COUNT, &[1], 0, 1),
        ],
        |_| ("k".into(), vec![16]),
    );
    let names = key_names(&snap);
    assert_eq!(names[0], "a");
    assert!(names[1].starts_with("61 00 62"), "{names:?}");
    assert_eq!(names[2], "ab");
}

/// @c[k, n] = count() entries of varid `id` with `count`.
fn counted(id: u32, k: &str, n: i64, count: i64) -> Decoded {
    let mut d = linux_at(&[K::S(k), K::I(n)], linux::COUNT, &[count], 0, 1);
    d.varid = id;
    d
}

fn rows_of(snap: &Snapshot, agg: usize) -> Vec<String> {
    snap.aggregations[agg]
        .rows
        .iter()
        .map(|r| {
            let key: Vec<String> = r
                .key
                .iter()
                .map(|p| match p {
                    KeyPart::Str(s) => s.clone(),
                    KeyPart::Int(v) => v.to_string(),
                    other => format!("{other:?}"),
                })
                .collect();
            format!("{} {}", key.join(" "), r.value.as_number().unwrap())
        })
        .collect()
}

#[test]
fn sort_options_follow_dt_aggregate_qsort() {
    // dt_aggregate_qsort (linux:dt_aggregate.c:1295): varvalcmp by
    // default, varkeycmp with aggsortkey; aggsortrev flips every
    // comparison (DT_LESSTHAN/DT_GREATERTHAN), the variable's too;
    // aggsortkeypos starts the key comparison at that key and wraps
    // (linux:dt_aggregate.c:838). Linux dtrace(1) prints these rows in
    // these orders for `@v1["b", 1] = sum(5); @v1["a", 2] = sum(5);
    // @v1["c", 0] = sum(1); @v2["x", 0] = sum(9)` with no option,
    // -x aggsortkey, -x aggsortrev, -x aggsortkeypos=1 with and without
    // aggsortkey, and -x aggsortkeypos=5.
    let entries = || {
        vec![
            counted(1, "b", 1, 5),
            counted(1, "a", 2, 5),
            counted(1, "c", 0, 1),
            counted(2, "x", 0, 9),
        ]
    };
    let describe = |id: u32| (format!("v{id}"), vec![16, 8]);
    let snap = assemble(entries(), describe);
    assert_eq!(rows_of(&snap, 0), ["c 0 1", "a 2 5", "b 1 5"]);
    let by_key = SortOptions {
        by_key: true,
        ..Default::default()
    };
    let snap = assemble_sorted(entries(), describe, &by_key);
    assert_eq!(rows_of(&snap, 0), ["a 2 5", "b 1 5", "c 0 1"]);
    let reverse = SortOptions {
        reverse: true,
        ..Default::default()
    };
    let snap = assemble_sorted(entries(), describe, &reverse);
    let names: Vec<&str> = snap.aggregations.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["v2", "v1"]);
    assert_eq!(rows_of(&snap, 1), ["b 1 5", "a 2 5", "c 0 1"]);
    // Keyed on the second key part (the number) first.
    let second = SortOptions {
        by_key: true,
        key_pos: 1,
        ..Default::default()
    };
    let snap = assemble_sorted(entries(), describe, &second);
    assert_eq!(rows_of(&snap, 0), ["c 0 1", "b 1 5", "a 2 5"]);
    // Equal values fall back to the key from that position too.
    let value_then_second = SortOptions {
        key_pos: 1,
        ..Default::default()
    };
    let snap = assemble_sorted(entries(), describe, &value_then_second);
    assert_eq!(rows_of(&snap, 0), ["c 0 1", "b 1 5", "a 2 5"]);
    // A position past the last key is the first key.
    let past = SortOptions {
        by_key: true,
        key_pos: 5,
        ..Default::default()
    };
    let snap = assemble_sorted(entries(), describe, &past);
    assert_eq!(rows_of(&snap, 0), ["a 2 5", "b 1 5", "c 0 1"]);
}
