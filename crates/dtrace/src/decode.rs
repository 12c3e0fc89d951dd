//! From aggregation record bytes to [`dscope_model`] types, for both ABI
//! families. Pure functions over byte slices: the consumer copies the bytes
//! and record descriptions out of libdtrace, and the unit tests build them
//! by hand.
//!
//! The two families lay aggregations out differently:
//! - Linux DTrace 2.x keeps keys and data in two buffers, numbers its
//!   aggregating actions from 0x700 in alphabetical order (avg, count,
//!   llquantize, ...), and keeps lquantize/llquantize parameters in the
//!   aggregation descriptor (`dtagd_sig`). Its llquantize has negative
//!   buckets and an `abs() < scale` bucket in the middle.
//! - illumos (and FreeBSD, macOS) keep the key records and the data in one
//!   buffer, number the actions from 0x701 (count, min, max, avg, sum,
//!   stddev, quantize, lquantize, llquantize), and put the lquantize and
//!   llquantize parameters in the first 64-bit word of the data, with a
//!   different bit layout for llquantize.
//!
//! Their printing code differs too, and each family's is followed:
//! - stddev() with normalize(): Linux divides the sum of squares by the
//!   factor, illumos, FreeBSD and macOS by its square.
//! - quantize(): the illumos family takes data in the top bucket alone for
//!   an empty distribution; Linux shows it.
//! - llquantize(): each family has its own bins, labels and sort weights.
//!
//! Values come out as `dtrace(1)` prints them, including its unsigned
//! division by the normalization factor; rows are ordered as it orders
//! them (by value, ties by key, or as the aggsort options say).

use dscope_model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};
use std::cmp::Ordering;
use std::collections::BTreeMap;

pub use dscope_dtrace_sys::{Abi, RecordDesc};

/// One aggregation entry (one key of one aggregation), copied out.
#[derive(Debug, Clone)]
pub struct RawEntry<'a> {
    pub varid: u32,
    pub name: &'a str,
    /// The key records, without the leading variable-id record.
    pub keys: &'a [RecordDesc],
    /// Where the key records' offsets point (illumos: the data buffer).
    pub key_bytes: &'a [u8],
    /// The aggregating record.
    pub value: RecordDesc,
    pub value_bytes: &'a [u8],
    /// Normalization factor (`normalize()`), 1 when not normalized.
    pub normal: u64,
    /// Linux only: the aggregation's parameter word (`dtagd_sig`).
    pub sig: u64,
}

/// Turns addresses into names, as libdtrace prints them
/// (`module`symbol+0xoffset`).
pub trait Symbolizer {
    fn kernel(&mut self, addr: u64) -> String;
    fn user(&mut self, pid: u64, addr: u64) -> String;
}

/// Addresses as hexadecimal, for when no lookup is possible.
pub struct RawAddresses;

impl Symbolizer for RawAddresses {
    fn kernel(&mut self, addr: u64) -> String {
        format!("0x{addr:x}")
    }
    fn user(&mut self, _pid: u64, addr: u64) -> String {
        format!("0x{addr:x}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub String);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, DecodeError> {
    Err(DecodeError(msg.into()))
}

use dscope_dtrace_sys::layout::{illumos, linux};

// Key actions: the same codes in both families.
const ACT_USTACK: u16 = linux::DTRACEACT_USTACK;
const ACT_JSTACK: u16 = linux::DTRACEACT_JSTACK;
const ACT_USYM: u16 = linux::DTRACEACT_USYM;
const ACT_UMOD: u16 = linux::DTRACEACT_UMOD;
const ACT_UADDR: u16 = linux::DTRACEACT_UADDR;
const ACT_STACK: u16 = linux::DTRACEACT_STACK;
const ACT_SYM: u16 = linux::DTRACEACT_SYM;
const ACT_MOD: u16 = linux::DTRACEACT_MOD;
const _: () = assert!(
    illumos::DTRACEACT_USTACK == ACT_USTACK
        && illumos::DTRACEACT_JSTACK == ACT_JSTACK
        && illumos::DTRACEACT_USYM == ACT_USYM
        && illumos::DTRACEACT_UMOD == ACT_UMOD
        && illumos::DTRACEACT_UADDR == ACT_UADDR
        && illumos::DTRACEACT_STACK == ACT_STACK
        && illumos::DTRACEACT_SYM == ACT_SYM
        && illumos::DTRACEACT_MOD == ACT_MOD
);

/// Which function an aggregating action code means in a family; the
/// quantize parameters are filled in later.
fn function_of(abi: Abi, action: u16) -> Option<AggFunction> {
    use AggFunction::*;
    let lq = Lquantize {
        base: 0,
        step: 0,
        levels: 0,
    };
    let llq = Llquantize {
        factor: 0,
        low: 0,
        high: 0,
        steps: 0,
    };
    let f = match abi {
        Abi::Linux2 => match action {
            linux::DT_AGG_AVG => Avg,
            linux::DT_AGG_COUNT => Count,
            linux::DT_AGG_LLQUANTIZE => llq,
            linux::DT_AGG_LQUANTIZE => lq,
            linux::DT_AGG_MAX => Max,
            linux::DT_AGG_MIN => Min,
            linux::DT_AGG_QUANTIZE => Quantize,
            linux::DT_AGG_STDDEV => Stddev,
            linux::DT_AGG_SUM => Sum,
            _ => return None,
        },
        Abi::Illumos => match action {
            illumos::DTRACEAGG_COUNT => Count,
            illumos::DTRACEAGG_MIN => Min,
            illumos::DTRACEAGG_MAX => Max,
            illumos::DTRACEAGG_AVG => Avg,
            illumos::DTRACEAGG_SUM => Sum,
            illumos::DTRACEAGG_STDDEV => Stddev,
            illumos::DTRACEAGG_QUANTIZE => Quantize,
            illumos::DTRACEAGG_LQUANTIZE => lq,
            illumos::DTRACEAGG_LLQUANTIZE => llq,
            _ => return None,
        },
    };
    Some(f)
}

/// How rows are ordered, mirroring libdtrace's value-then-key sort
/// (`dt_aggregate_valcmp`, then `dt_aggregate_keycmp`).
#[derive(Debug, Clone, PartialEq)]
struct Order {
    /// count/sum/min/max, avg (unnormalized integer mean) and stddev
    /// (unsigned, so wider than i64).
    scalar: i128,
    /// Distributions: the sum of bucket value times count, in floating
    /// point as libdtrace computes it.
    weight: f64,
    /// Distributions: the count at zero, the tie-breaker after `weight`.
    zero: i64,
    key: Vec<KeyOrder>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyOrder {
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
fn cmp_rows(a: &(Order, Row), b: &(Order, Row), opts: &SortOptions) -> Ordering {
    let o = if opts.by_key {
        cmp_keys(a, b, opts.key_pos)
    } else {
        cmp_values(&a.0, &b.0).then_with(|| cmp_keys(a, b, opts.key_pos))
    };
    if opts.reverse { o.reverse() } else { o }
}

/// One decoded entry, before grouping into aggregations.
pub struct Decoded {
    varid: u32,
    function: AggFunction,
    row: Row,
    order: Order,
}

fn slice<'a>(bytes: &'a [u8], rec: &RecordDesc, what: &str) -> Result<&'a [u8], DecodeError> {
    let start = rec.offset as usize;
    let end = start + rec.size as usize;
    match bytes.get(start..end) {
        Some(s) => Ok(s),
        None => err(format!(
            "{what} record at {start}..{end} is outside its {}-byte buffer",
            bytes.len()
        )),
    }
}

fn words(bytes: &[u8]) -> impl Iterator<Item = i64> + '_ {
    bytes
        .chunks_exact(8)
        .map(|c| i64::from_ne_bytes(c.try_into().expect("8 bytes")))
}

fn u64_at(bytes: &[u8], index: usize) -> u64 {
    bytes
        .get(index * 8..index * 8 + 8)
        .map_or(0, |c| u64::from_ne_bytes(c.try_into().expect("8 bytes")))
}

/// Decodes one entry of either family.
pub fn decode_entry(
    abi: Abi,
    e: &RawEntry<'_>,
    symbols: &mut dyn Symbolizer,
) -> Result<Decoded, DecodeError> {
    let mut key = Vec::with_capacity(e.keys.len());
    let mut key_order = Vec::with_capacity(e.keys.len());
    for rec in e.keys {
        let bytes = slice(e.key_bytes, rec, "key")?;
        let (part, order) = decode_key(rec, bytes, symbols)?;
        key.push(part);
        key_order.push(order);
    }
    let Some(mut function) = function_of(abi, e.value.action) else {
        return err(format!(
            "unknown aggregating action 0x{:x} for {abi}",
            e.value.action
        ));
    };
    let mut data = slice(e.value_bytes, &e.value, "value")?;
    // libdtrace keeps 1 for "not normalized"; a 0 would make dtrace(1)
    // divide by zero, so it is treated as 1 here.
    let normal = e.normal.max(1);
    // The parameter word of lquantize/llquantize.
    let params = match (abi, function.is_distribution(), function) {
        (_, false, _) | (_, _, AggFunction::Quantize) => 0,
        (Abi::Linux2, ..) => e.sig,
        (Abi::Illumos, ..) => {
            let Some(first) = data.get(..8) else {
                return err("distribution record too small for its parameters");
            };
            data = &data[8..];
            u64::from_ne_bytes(first.try_into().expect("8 bytes"))
        }
    };
    let word_count = data.len() / 8;
    let word = |i: usize| -> i64 { words(&data[i * 8..]).next().unwrap_or(0) };
    let fname = function.name();
    let need = |n: usize| -> Result<(), DecodeError> {
        if word_count < n {
            err(format!(
                "{fname} record holds {word_count} words, needs {n}"
            ))
        } else {
            Ok(())
        }
    };
    // The printing code refuses a distribution whose size does not match
    // its parameters (EDT_DMISMATCH), so this does too.
    let exactly = |n: usize| -> Result<(), DecodeError> {
        if data.len() != n * 8 {
            err(format!(
                "{fname} record holds {} bytes, its parameters need {n} words",
                data.len()
            ))
        } else {
            Ok(())
        }
    };
    let mut order = Order {
        scalar: 0,
        weight: 0.0,
        zero: 0,
        key: key_order,
    };
    let value = match function {
        AggFunction::Count | AggFunction::Sum | AggFunction::Min | AggFunction::Max => {
            need(1)?;
            order.scalar = word(0).into();
            Value::Number(normalize(word(0), normal))
        }
        AggFunction::Avg => {
            need(2)?;
            let (n, total) = (word(0), word(1));
            // dt_aggregate_averagecmp: the mean of the raw data.
            order.scalar = if n == 0 { 0 } else { total.wrapping_div(n) }.into();
            // dt_print_average: `data[1] / (int64_t)normal / data[0]`,
            // signed, unlike the other functions.
            Value::Number(if n == 0 {
                0
            } else {
                total.wrapping_div(normal as i64).wrapping_div(n)
            })
        }
        AggFunction::Stddev => {
            need(4)?;
            let raw: [u64; 4] = std::array::from_fn(|i| word(i) as u64);
            // dt_aggregate_stddevcmp: unnormalized, compared unsigned.
            order.scalar = stddev(abi, &raw, 1).into();
            Value::Number(stddev(abi, &raw, normal) as i64)
        }
        AggFunction::Quantize => {
            exactly(QUANTIZE_BUCKETS)?;
            let counts: Vec<i64> = words(data).take(QUANTIZE_BUCKETS).collect();
            let counts = &counts[..];
            order.weight = counts
                .iter()
                .enumerate()
                .map(|(i, &c)| quantize_value(i) as f64 * c as f64)
                .sum();
            order.zero = counts[ZERO_BUCKET];
            Value::Buckets(quantize_buckets(abi, counts, normal))
        }
        AggFunction::Lquantize { .. } => {
            let base = (params & 0xffff_ffff) as u32 as i32;
            let levels = ((params >> 32) & 0xffff) as u16;
            let step = (params >> 48) as u16;
            function = AggFunction::Lquantize { base, step, levels };
            exactly(levels as usize + 2)?;
            let counts: Vec<i64> = words(data).take(levels as usize + 2).collect();
            let counts = &counts[..];
            let (weight, zero) = lquantize_weight(counts, base, step, levels);
            order.weight = weight;
            order.zero = zero;
            Value::Buckets(lquantize_buckets(counts, base, step, levels, normal))
        }
        AggFunction::Llquantize { .. } => {
            let (factor, low, high, steps) = match abi {
                Abi::Linux2 => (
                    (params & 0xffff) as u16,
                    ((params >> 16) & 0xffff) as u16,
                    ((params >> 32) & 0xffff) as u16,
                    (params >> 48) as u16,
                ),
                Abi::Illumos => (
                    (params >> 48) as u16,
                    ((params >> 32) & 0xffff) as u16,
                    ((params >> 16) & 0xffff) as u16,
                    (params & 0xffff) as u16,
                ),
            };
            // What each printer accepts: Linux allows equal magnitudes
            // and fewer steps than the factor; the illumos family's
            // dt_print_llquantize refuses both (EDT_DMISMATCH).
            let bad = match abi {
                Abi::Linux2 => factor < 2 || steps == 0 || low > high,
                Abi::Illumos => factor < 2 || steps == 0 || low >= high || factor > steps,
            };
            if bad {
                return err(format!(
                    "llquantize parameters out of range: factor {factor}, \
                     magnitudes {low}..{high}, steps {steps}"
                ));
            }
            function = AggFunction::Llquantize {
                factor,
                low,
                high,
                steps,
            };
            let Some(layout) = llquantize_layout(abi, factor, low, high, steps, word_count) else {
                return err(format!(
                    "llquantize record of {word_count} words is too small for its parameters"
                ));
            };
            exactly(layout.len())?;
            let counts: Vec<i64> = words(data).take(layout.len()).collect();
            let counts = &counts[..];
            order.weight = counts
                .iter()
                .zip(layout.iter())
                .map(|(&c, bin)| bin.weight * c as f64)
                .sum();
            order.zero = layout
                .iter()
                .position(|b| b.is_zero)
                .map_or(0, |i| counts[i]);
            Value::Buckets(llquantize_buckets(counts, &layout, abi, normal))
        }
    };
    Ok(Decoded {
        varid: e.varid,
        function,
        row: Row { key, value },
        order,
    })
}

/// Whether a key record of this action holds a user-space address, which
/// libdtrace names by grabbing the process.
pub fn names_user_addresses(action: u16) -> bool {
    matches!(
        action,
        ACT_USTACK | ACT_JSTACK | ACT_USYM | ACT_UMOD | ACT_UADDR
    )
}

fn decode_key(
    rec: &RecordDesc,
    bytes: &[u8],
    symbols: &mut dyn Symbolizer,
) -> Result<(KeyPart, KeyOrder), DecodeError> {
    let order_bytes = || {
        let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        KeyOrder::Bytes(bytes[..end].to_vec())
    };
    let module_of = |s: String| match s.split_once('`') {
        Some((module, _)) => module.to_owned(),
        None => s,
    };
    let part = match rec.action {
        ACT_STACK => {
            let depth = rec.arg.max(1) as usize;
            let pc_size = bytes.len() / depth;
            let mut frames = Vec::new();
            for chunk in bytes.chunks_exact(pc_size.max(1)) {
                let pc = match pc_size {
                    4 => u32::from_ne_bytes(chunk.try_into().expect("4 bytes")) as u64,
                    8 => u64::from_ne_bytes(chunk.try_into().expect("8 bytes")),
                    _ => return err(format!("stack frames of {pc_size} bytes")),
                };
                if pc == 0 {
                    break;
                }
                frames.push(symbols.kernel(pc));
            }
            KeyPart::Stack(frames)
        }
        ACT_USTACK | ACT_JSTACK => {
            let depth = (rec.arg & 0xffff_ffff) as usize;
            let pid = u64_at(bytes, 0);
            let frames = (1..=depth)
                .map(|i| u64_at(bytes, i))
                .take_while(|&pc| pc != 0)
                .map(|pc| symbols.user(pid, pc))
                .collect();
            KeyPart::Stack(frames)
        }
        // dt_aggregate_keycmp compares 8-byte records as numbers and these
        // 16-byte ones as pid, then address; the names come after.
        ACT_USYM | ACT_UADDR | ACT_UMOD => {
            let (pid, pc) = (u64_at(bytes, 0), u64_at(bytes, 1));
            let name = symbols.user(pid, pc);
            let name = if rec.action == ACT_UMOD {
                module_of(name)
            } else {
                name
            };
            return Ok((KeyPart::Symbol(name), KeyOrder::Pair(pid, pc)));
        }
        ACT_SYM | ACT_MOD => {
            let pc = u64_at(bytes, 0);
            let name = symbols.kernel(pc);
            let name = if rec.action == ACT_MOD {
                module_of(name)
            } else {
                name
            };
            return Ok((KeyPart::Symbol(name), KeyOrder::Number(pc)));
        }
        _ => {
            let (part, number) = match bytes.len() {
                8 => {
                    let v = u64::from_ne_bytes(bytes.try_into().expect("8 bytes"));
                    (KeyPart::Int(v as i64), v)
                }
                4 => {
                    let v = u32::from_ne_bytes(bytes.try_into().expect("4 bytes"));
                    (KeyPart::Int(v as i32 as i64), v as u64)
                }
                2 => {
                    let v = u16::from_ne_bytes(bytes.try_into().expect("2 bytes"));
                    (KeyPart::Int(v as i64), v as u64)
                }
                1 => (KeyPart::Int(bytes[0] as i64), bytes[0] as u64),
                _ => {
                    let text = bytes_text(bytes);
                    // Bytes shown in hex are ordered by the bytes.
                    let order = if is_text(bytes) {
                        KeyOrder::Text
                    } else {
                        order_bytes()
                    };
                    return Ok((KeyPart::Str(text), order));
                }
            };
            return Ok((part, KeyOrder::Number(number)));
        }
    };
    Ok((part, order_bytes()))
}

/// Whether a record is printable text followed only by NULs.
fn is_text(bytes: &[u8]) -> bool {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (text, rest) = bytes.split_at(end);
    text.iter()
        .all(|&b| b.is_ascii_graphic() || b.is_ascii_whitespace() || b == 0x07 || b == 0x08)
        && rest.iter().all(|&b| b == 0)
}

/// A string key (NUL-terminated within its record), or the bytes in hex
/// when they are not text.
fn bytes_text(bytes: &[u8]) -> String {
    if is_text(bytes) {
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        String::from_utf8_lossy(&bytes[..end]).into_owned()
    } else {
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// A value or bucket count divided by the normalization factor as every
/// family's printing code does it: `(long long)x / normal` with `normal`
/// a `uint64_t`, so the division is unsigned and a negative value comes
/// out as a large positive one when normalized (dt_print_datum,
/// dt_print_quantline). `dtrace(1)` prints exactly that.
fn normalize(value: i64, normal: u64) -> i64 {
    ((value as u64) / normal) as i64
}

/// Standard deviation as `dt_stddev` computes it: integer
/// sqrt(avg(x²) − avg(x)²) with 128-bit sums of squares, in wrapping
/// 128-bit arithmetic. The families normalize differently: Linux divides
/// the sum of squares by the factor once, illumos, FreeBSD and macOS by
/// its square.
fn stddev(abi: Abi, data: &[u64; 4], normal: u64) -> u64 {
    let (count, total) = (data[0], data[1] as i64);
    // dt_print_stddev prints 0 for an empty entry; dt_stddev itself would
    // divide by zero.
    if count == 0 {
        return 0;
    }
    let normal = normal.max(1);
    let squares = (data[3] as u128) << 64 | data[2] as u128;
    let mut avg_of_squares = squares / normal as u128;
    if abi == Abi::Illumos {
        avg_of_squares /= normal as u128;
    }
    avg_of_squares /= count as u128;
    let avg = total
        .wrapping_div(normal as i64)
        .wrapping_div(count as i64)
        .unsigned_abs() as u128;
    // dt_sqrt_128 is the integer square root of the 128-bit difference.
    avg_of_squares.wrapping_sub(avg * avg).isqrt() as u64
}

const QUANTIZE_BUCKETS: usize = linux::DTRACE_QUANTIZE_NBUCKETS;
const ZERO_BUCKET: usize = linux::DTRACE_QUANTIZE_ZEROBUCKET;
const _: () = assert!(
    illumos::DTRACE_QUANTIZE_NBUCKETS == QUANTIZE_BUCKETS
        && illumos::DTRACE_QUANTIZE_ZEROBUCKET == ZERO_BUCKET
);

/// The smallest value of quantize bucket `i` (`DTRACE_QUANTIZE_BUCKETVAL`).
fn quantize_value(i: usize) -> i64 {
    match i.cmp(&ZERO_BUCKET) {
        Ordering::Less => -(1i64 << (ZERO_BUCKET - 1 - i)),
        Ordering::Equal => 0,
        Ordering::Greater => 1i64 << (i - ZERO_BUCKET - 1),
    }
}

/// The bucket range `dtrace(1)` shows: from one below the first bucket
/// with data to one past the last; `empty` when there is no data.
fn shown_range(counts: &[i64], empty: (usize, usize)) -> (usize, usize) {
    let Some(first) = counts.iter().position(|&c| c != 0) else {
        return empty;
    };
    let last = counts.iter().rposition(|&c| c != 0).expect("has data");
    (first.saturating_sub(1), (last + 1).min(counts.len() - 1))
}

fn quantize_buckets(abi: Abi, counts: &[i64], normal: u64) -> Vec<Bucket> {
    let around_zero = (ZERO_BUCKET - 1, ZERO_BUCKET + 1);
    let (first, last) = match abi {
        Abi::Linux2 => shown_range(counts, around_zero),
        // illumos, FreeBSD and macOS look for the first bucket with data
        // only below the last one (`first_bin < NBUCKETS - 1`), so data
        // in the top bucket alone prints as the empty buckets around zero.
        Abi::Illumos if counts[..QUANTIZE_BUCKETS - 1].iter().all(|&c| c == 0) => around_zero,
        Abi::Illumos => shown_range(counts, around_zero),
    };
    (first..=last)
        .map(|i| {
            let lo = quantize_value(i);
            let (min, max) = match i.cmp(&ZERO_BUCKET) {
                // Negative buckets count values from the next bucket's
                // value (exclusive) down to their own.
                Ordering::Less if i == 0 => (None, Some(lo)),
                Ordering::Less => (Some(quantize_value(i - 1) + 1), Some(lo)),
                Ordering::Equal => (Some(0), Some(0)),
                Ordering::Greater if i == QUANTIZE_BUCKETS - 1 => (Some(lo), None),
                Ordering::Greater => (Some(lo), Some(quantize_value(i + 1) - 1)),
            };
            Bucket {
                label: lo.to_string(),
                min,
                max,
                count: normalize(counts[i], normal),
                raw: (normal != 1).then_some(counts[i]),
            }
        })
        .collect()
}

fn lquantize_weight(counts: &[i64], base: i32, step: u16, levels: u16) -> (f64, i64) {
    let base = base as i64;
    let mut total = counts[0] as f64 * (base - 1) as f64;
    let mut b = base;
    let mut zero = if base - 1 == 0 { Some(counts[0]) } else { None };
    for i in 0..levels as usize {
        total += counts[i + 1] as f64 * b as f64;
        if b == 0 && zero.is_none() {
            zero = Some(counts[i + 1]);
        }
        b += step as i64;
    }
    total += counts[levels as usize + 1] as f64 * (b + 1) as f64;
    if zero.is_none() && b + 1 == 0 {
        zero = Some(counts[levels as usize + 1]);
    }
    (total, zero.unwrap_or(0))
}

fn lquantize_buckets(
    counts: &[i64],
    base: i32,
    step: u16,
    levels: u16,
    normal: u64,
) -> Vec<Bucket> {
    let (base, step, levels) = (base as i64, step as i64, levels as usize);
    let (first, last) = shown_range(counts, (0, 2.min(levels + 1)));
    (first..=last)
        .map(|i| {
            let (label, min, max) = if i == 0 {
                (format!("< {base}"), None, Some(base - 1))
            } else if i == levels + 1 {
                let top = base + levels as i64 * step;
                (format!(">= {top}"), Some(top), None)
            } else {
                let lo = base + (i as i64 - 1) * step;
                (lo.to_string(), Some(lo), Some(lo + step - 1))
            };
            Bucket {
                label,
                min,
                max,
                count: normalize(counts[i], normal),
                raw: (normal != 1).then_some(counts[i]),
            }
        })
        .collect()
}

/// One llquantize bin: its label (None for Linux's unlabelled "ghost"
/// bins), its value range, and its weight for ordering.
#[derive(Debug, Clone)]
struct LlBin {
    label: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    weight: f64,
    is_zero: bool,
}

/// The bins of an llquantize, built once per parameter set and shared by
/// every key (and every snapshot) that uses it.
fn llquantize_layout(
    abi: Abi,
    factor: u16,
    low: u16,
    high: u16,
    steps: u16,
    available: usize,
) -> Option<std::rc::Rc<[LlBin]>> {
    type Layouts = std::collections::HashMap<(Abi, u16, u16, u16, u16), std::rc::Rc<[LlBin]>>;
    thread_local! {
        static LAYOUTS: std::cell::RefCell<Layouts> = Default::default();
    }
    let key = (abi, factor, low, high, steps);
    if let Some(l) = LAYOUTS.with(|c| c.borrow().get(&key).cloned()) {
        return (l.len() <= available).then_some(l);
    }
    let layout: std::rc::Rc<[LlBin]> = match abi {
        Abi::Linux2 => llquantize_layout_linux(factor, low, high, steps, available),
        Abi::Illumos => llquantize_layout_illumos(factor, low, high, steps, available),
    }?
    .into();
    LAYOUTS.with(|c| {
        let mut c = c.borrow_mut();
        // Bounded: scripts have few distinct llquantize() calls.
        if c.len() > 64 {
            c.clear();
        }
        c.insert(key, layout.clone());
    });
    Some(layout)
}

fn pow(factor: u16, exp: u32) -> i64 {
    (factor as i64).saturating_pow(exp)
}

/// Linux DTrace 2.x: overflow, negative ranges, `abs() < scale`, positive
/// ranges, overflow; labels as `dt_print_llquantize` gives them.
fn llquantize_layout_linux(
    factor: u16,
    lmag: u16,
    hmag: u16,
    steps: u16,
    available: usize,
) -> Option<Vec<LlBin>> {
    let steps_factor = (steps / factor) as usize;
    let per_mag = steps as usize - steps_factor;
    // In usize: hmag - lmag + 1 overflows u16 for 0..=65535.
    let bin0 = 1 + (usize::from(hmag) - usize::from(lmag) + 1) * per_mag;
    let nbins = 2 * bin0 + 1;
    if nbins > available {
        return None;
    }
    // Positive side: (offset from bin0, smallest value).
    let mut positive: Vec<(usize, i64)> = Vec::new();
    let scale0 = pow(factor, u32::from(lmag));
    positive.push((1, scale0));
    let mut i = 1;
    let (mut mag, hmag) = (u32::from(lmag), u32::from(hmag));
    if lmag == 0 && steps > factor {
        for step in 2..=factor as i64 {
            i += steps_factor;
            positive.push((i, step));
        }
        mag += 1;
    }
    let mut scale = pow(factor, mag + 1) / steps as i64;
    while mag <= hmag {
        for step in steps_factor as i64 + 1..=steps as i64 {
            i += 1;
            positive.push((i, step.saturating_mul(scale)));
        }
        scale = scale.saturating_mul(factor as i64);
        mag += 1;
    }
    let top = pow(factor, hmag + 1);
    let mut bins: Vec<LlBin> = (0..nbins)
        .map(|_| LlBin {
            label: None,
            min: None,
            max: None,
            weight: 0.0,
            is_zero: false,
        })
        .collect();
    bins[bin0] = LlBin {
        label: Some(if scale0 == 1 {
            "0".to_owned()
        } else {
            format!("abs() < {scale0}")
        }),
        min: Some(-(scale0 - 1)),
        max: Some(scale0 - 1),
        weight: 0.0,
        is_zero: true,
    };
    for (k, &(off, lo)) in positive.iter().enumerate() {
        let next = positive.get(k + 1).map_or(top, |&(_, v)| v);
        if bin0 + off < nbins - 1 {
            bins[bin0 + off] = LlBin {
                label: Some(lo.to_string()),
                min: Some(lo),
                max: Some(next - 1),
                weight: lo as f64,
                is_zero: false,
            };
        }
        if off < bin0 {
            bins[bin0 - off] = LlBin {
                label: Some(format!("-{lo}")),
                min: Some(-(next - 1)),
                max: Some(-lo),
                weight: -(lo as f64),
                is_zero: false,
            };
        }
    }
    // dt_aggregate_llquantizedsum's last step lands on the overflow bins
    // (offset bin0 from the middle) and weighs them by its value there,
    // steps * factor^(hmag+1) / steps, although the printer labels them
    // by the same number with "<= -" and ">= ".
    let overflow = positive
        .iter()
        .find(|&&(off, _)| off == bin0)
        .map_or(0.0, |&(_, lo)| lo as f64);
    bins[0] = LlBin {
        label: Some(format!("<= -{top}")),
        min: None,
        max: Some(-top),
        weight: -overflow,
        is_zero: false,
    };
    bins[nbins - 1] = LlBin {
        label: Some(format!(">= {top}")),
        min: Some(top),
        max: None,
        weight: overflow,
        is_zero: false,
    };
    Some(bins)
}

/// illumos: underflow, then `steps` bins per magnitude from
/// factor^low to factor^high, then overflow.
fn llquantize_layout_illumos(
    factor: u16,
    low: u16,
    high: u16,
    steps: u16,
    available: usize,
) -> Option<Vec<LlBin>> {
    let mut value = pow(factor, u32::from(low));
    let mut next = value.saturating_mul(factor as i64);
    let nsteps = steps as i64;
    let mut step = if next > nsteps { next / nsteps } else { 1 };
    // dt_aggregate_llquantizedsum weighs the underflow bin as
    // factor^low - 1 and calls it the zero bin.
    let mut bins = vec![LlBin {
        label: Some(format!("< {value}")),
        min: None,
        max: Some(value - 1),
        weight: (value - 1) as f64,
        is_zero: true,
    }];
    let mut order = u32::from(low);
    while order <= u32::from(high) {
        if bins.len() + 1 >= available || value >= next {
            return None;
        }
        bins.push(LlBin {
            label: Some(value.to_string()),
            min: Some(value),
            max: Some(value.saturating_add(step - 1)),
            weight: value as f64,
            is_zero: false,
        });
        value = value.saturating_add(step);
        if value != next {
            continue;
        }
        next = value.saturating_mul(factor as i64);
        step = if next > nsteps { next / nsteps } else { 1 };
        order += 1;
    }
    bins.push(LlBin {
        label: Some(format!(">= {value}")),
        min: Some(value),
        max: None,
        weight: value as f64,
        is_zero: false,
    });
    Some(bins)
}

fn llquantize_buckets(counts: &[i64], layout: &[LlBin], abi: Abi, normal: u64) -> Vec<Bucket> {
    let (first, last) = match abi {
        Abi::Illumos => shown_range(counts, (0, 1)),
        // dt_print_llquantize (Linux) picks the first positive bin when
        // there is no data and then widens whatever range it has by one
        // bin each way, so an empty entry shows three bins.
        Abi::Linux2 => {
            let bin0 = layout.len() / 2;
            shown_range(counts, (bin0, bin0 + 2))
        }
    };
    let mut out = Vec::new();
    for i in first..=last {
        let bin = &layout[i];
        // An unlabelled bin at either end of the range borrows the label
        // of its nearest labelled neighbour outside the range, as
        // dtrace(1) prints it; inside the range it is skipped.
        let borrowed = if bin.label.is_some() {
            Some(bin)
        } else if i == first {
            layout[..i].iter().rev().find(|b| b.label.is_some())
        } else if i == last {
            layout[i + 1..].iter().find(|b| b.label.is_some())
        } else {
            None
        };
        if let Some(b) = borrowed {
            let mut label = b.label.clone().unwrap_or_default();
            // Linux: when nothing below the middle bin is shown, it is
            // labelled "< scale" rather than "abs() < scale".
            if abi == Abi::Linux2
                && b.is_zero
                && first >= i
                && let Some(rest) = label.strip_prefix("abs() ")
            {
                label = rest.to_owned();
            }
            out.push(Bucket {
                label,
                min: b.min,
                max: b.max,
                count: normalize(counts[i], normal),
                raw: (normal != 1).then_some(counts[i]),
            });
        }
    }
    out
}

/// The name and key record sizes of an aggregation, from any of its raw
/// entries (they are the same for all).
pub fn describe(e: &RawEntry<'_>) -> (String, Vec<u32>) {
    (e.name.to_owned(), e.keys.iter().map(|k| k.size).collect())
}

/// Groups decoded entries into a snapshot: aggregations by variable id,
/// rows in dtrace's order. `describe` gives an aggregation's name and key
/// sizes from its variable id (asked once per aggregation).
pub fn assemble(
    entries: Vec<Decoded>,
    describe: impl FnMut(u32) -> (String, Vec<u32>),
) -> Snapshot {
    assemble_sorted(entries, describe, &SortOptions::default())
}

/// [`assemble`] with the script's sorting options: libdtrace sorts by
/// variable first (`dt_aggregate_varvalcmp`/`varkeycmp`), so with
/// `aggsortrev` the aggregations come out in reverse order too.
pub fn assemble_sorted(
    entries: Vec<Decoded>,
    mut describe: impl FnMut(u32) -> (String, Vec<u32>),
    opts: &SortOptions,
) -> Snapshot {
    let mut by_id: BTreeMap<u32, (Aggregation, Vec<(Order, Row)>)> = BTreeMap::new();
    for d in entries {
        by_id
            .entry(d.varid)
            .or_insert_with(|| {
                let (name, key_sizes) = describe(d.varid);
                let agg = Aggregation {
                    id: d.varid,
                    name,
                    function: d.function,
                    key_sizes,
                    rows: Vec::new(),
                };
                (agg, Vec::new())
            })
            .1
            .push((d.order, d.row));
    }
    let mut aggregations: Vec<Aggregation> = by_id
        .into_values()
        .map(|(mut agg, mut rows)| {
            rows.sort_unstable_by(|a, b| cmp_rows(a, b, opts));
            agg.rows = rows.into_iter().map(|(_, r)| r).collect();
            agg
        })
        .collect();
    if opts.reverse {
        aggregations.reverse();
    }
    Snapshot { aggregations }
}

#[cfg(test)]
mod tests;
