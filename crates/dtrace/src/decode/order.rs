//! The order of an aggregation's rows, as libdtrace sorts them: by value
//! (`dt_aggregate_valcmp`), ties by key (`dt_aggregate_keycmp`), or as the
//! `aggsort*` options say. Each row keeps what it is compared by beside
//! it, computed once as it is decoded.

use dscope_model::{KeyPart, Row};
use std::cmp::Ordering;

/// How rows are ordered, mirroring libdtrace's value-then-key sort
/// (`dt_aggregate_valcmp`, then `dt_aggregate_keycmp`).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Order {
    /// count/sum/min/max, avg (unnormalized integer mean) and stddev
    /// (unsigned, so wider than i64).
    pub(super) scalar: i128,
    /// Distributions: the sum of bucket value times count, in floating
    /// point as libdtrace computes it.
    pub(super) weight: f64,
    /// Distributions: the count at zero, the tie-breaker after `weight`.
    pub(super) zero: i64,
    pub(super) key: Vec<KeyOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum KeyOrder {
    /// 1-, 2-, 4- and 8-byte records, compared unsigned.
    Number(u64),
    /// usym(), uaddr() and umod(): pid, then address.
    Pair(u64, u64),
    /// Ordered by the text of the key part itself (saves a copy); the
    /// record holds that text followed by NUL bytes.
    Text,
    /// Any other record, byte by byte (trailing NULs trimmed).
    Bytes(Vec<u8>),
}

/// The aggregation sorting options of `dtrace(1)` (`aggsortkey`,
/// `aggsortrev`, `aggsortkeypos`); the default is by value, ascending,
/// from the first key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SortOptions {
    /// `aggsortkey`: by key only, values ignored.
    pub by_key: bool,
    /// `aggsortrev`: every comparison reversed, aggregations included.
    pub reverse: bool,
    /// `aggsortkeypos`: the key part compared first; the others follow
    /// in turn, wrapping around.
    pub key_pos: usize,
}

/// Byte order with the shorter side padded by NULs, which is how
/// libdtrace compares the fixed-size records holding these bytes.
fn cmp_padded(x: &[u8], y: &[u8]) -> Ordering {
    let n = x.len().max(y.len());
    (0..n)
        .map(|i| {
            let a = x.get(i).copied().unwrap_or(0);
            let b = y.get(i).copied().unwrap_or(0);
            a.cmp(&b)
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn key_text(part: &KeyPart) -> &[u8] {
    match part {
        KeyPart::Str(s) => s.as_bytes(),
        _ => &[],
    }
}

/// `dt_aggregate_keycmp`: key parts in turn from `key_pos` (a position
/// past the last part means the first, as `dt_keypos + 1 >= nrecs`
/// resets it).
fn cmp_keys(a: &(Order, Row), b: &(Order, Row), key_pos: usize) -> Ordering {
    let n = a.0.key.len().min(b.0.key.len());
    let start = if key_pos >= n { 0 } else { key_pos };
    for i in (0..n).map(|k| (k + start) % n) {
        let o = match (&a.0.key[i], &b.0.key[i]) {
            (KeyOrder::Number(x), KeyOrder::Number(y)) => x.cmp(y),
            (KeyOrder::Pair(x0, x1), KeyOrder::Pair(y0, y1)) => (x0, x1).cmp(&(y0, y1)),
            (KeyOrder::Text, KeyOrder::Text) => {
                cmp_padded(key_text(&a.1.key[i]), key_text(&b.1.key[i]))
            }
            (KeyOrder::Text, KeyOrder::Bytes(y)) => cmp_padded(key_text(&a.1.key[i]), y),
            (KeyOrder::Bytes(x), KeyOrder::Text) => cmp_padded(x, key_text(&b.1.key[i])),
            (KeyOrder::Bytes(x), KeyOrder::Bytes(y)) => cmp_padded(x, y),
            _ => Ordering::Equal,
        };
        if o.is_ne() {
            return o;
        }
    }
    Ordering::Equal
}

/// `dt_aggregate_valcmp`: the scalar, then the distribution's weight,
/// then its count at zero.
fn cmp_values(a: &Order, b: &Order) -> Ordering {
    a.scalar
        .cmp(&b.scalar)
        .then(a.weight.total_cmp(&b.weight))
        .then(a.zero.cmp(&b.zero))
}

/// The row order of one aggregation: `dt_aggregate_valkeycmp` by default,
/// `dt_aggregate_keycmp` with `aggsortkey`, reversed with `aggsortrev`.
pub(super) fn cmp_rows(a: &(Order, Row), b: &(Order, Row), opts: &SortOptions) -> Ordering {
    let o = if opts.by_key {
        cmp_keys(a, b, opts.key_pos)
    } else {
        cmp_values(&a.0, &b.0).then_with(|| cmp_keys(a, b, opts.key_pos))
    };
    if opts.reverse { o.reverse() } else { o }
}
