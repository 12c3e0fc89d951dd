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
//!
//! This module reads the records; `buckets` makes the distributions'
//! buckets as each family prints them, and `order` orders the rows.

mod buckets;
mod order;

use buckets::{
    QUANTIZE_BUCKETS, ZERO_BUCKET, llquantize_buckets, llquantize_layout, lquantize_buckets,
    lquantize_weight, quantize_buckets, quantize_value,
};
use dscope_model::{AggFunction, Aggregation, KeyPart, Row, Snapshot, Value};
use order::{KeyOrder, Order, cmp_rows};
use std::collections::BTreeMap;

pub use dscope_dtrace_sys::{Abi, RecordDesc};
pub use order::SortOptions;

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
    let (key, key_order) = decode_keys(e, symbols)?;
    let Some(function) = function_of(abi, e.value.action) else {
        return err(format!(
            "unknown aggregating action 0x{:x} for {abi}",
            e.value.action
        ));
    };
    let data = slice(e.value_bytes, &e.value, "value")?;
    // libdtrace keeps 1 for "not normalized"; a 0 would make dtrace(1)
    // divide by zero, so it is treated as 1 here.
    let normal = e.normal.max(1);
    let (params, data) = parameters(abi, function, e.sig, data)?;
    let record = ValueRecord {
        data,
        name: function.name(),
    };
    let mut order = Order {
        scalar: 0,
        weight: 0.0,
        zero: 0,
        key: key_order,
    };
    let (function, value) = match function {
        AggFunction::Count | AggFunction::Sum | AggFunction::Min | AggFunction::Max => {
            (function, scalar(&record, normal, &mut order)?)
        }
        AggFunction::Avg => (function, average(&record, normal, &mut order)?),
        AggFunction::Stddev => (
            function,
            standard_deviation(abi, &record, normal, &mut order)?,
        ),
        AggFunction::Quantize => (function, quantize(abi, &record, normal, &mut order)?),
        AggFunction::Lquantize { .. } => lquantize(params, &record, normal, &mut order)?,
        AggFunction::Llquantize { .. } => llquantize(abi, params, &record, normal, &mut order)?,
    };
    Ok(Decoded {
        varid: e.varid,
        function,
        row: Row { key, value },
        order,
    })
}

/// The key parts of an entry, and how each orders.
fn decode_keys(
    e: &RawEntry<'_>,
    symbols: &mut dyn Symbolizer,
) -> Result<(Vec<KeyPart>, Vec<KeyOrder>), DecodeError> {
    let mut key = Vec::with_capacity(e.keys.len());
    let mut key_order = Vec::with_capacity(e.keys.len());
    for rec in e.keys {
        let bytes = slice(e.key_bytes, rec, "key")?;
        let (part, order) = decode_key(rec, bytes, symbols)?;
        key.push(part);
        key_order.push(order);
    }
    Ok((key, key_order))
}

/// The parameter word of lquantize/llquantize (0 for the other
/// functions), and the data words after it: Linux keeps the word in the
/// aggregation's descriptor (`sig`), the illumos family in front of the
/// data.
fn parameters(
    abi: Abi,
    function: AggFunction,
    sig: u64,
    data: &[u8],
) -> Result<(u64, &[u8]), DecodeError> {
    match (abi, function.is_distribution(), function) {
        (_, false, _) | (_, _, AggFunction::Quantize) => Ok((0, data)),
        (Abi::Linux2, ..) => Ok((sig, data)),
        (Abi::Illumos, ..) => {
            let Some(first) = data.get(..8) else {
                return err("distribution record too small for its parameters");
            };
            let word = u64::from_ne_bytes(first.try_into().expect("8 bytes"));
            Ok((word, &data[8..]))
        }
    }
}

/// The aggregating record's data words, with the checks each function
/// makes of their number.
struct ValueRecord<'a> {
    data: &'a [u8],
    /// The function's name, for messages.
    name: &'static str,
}

impl ValueRecord<'_> {
    fn word_count(&self) -> usize {
        self.data.len() / 8
    }

    fn word(&self, i: usize) -> i64 {
        words(&self.data[i * 8..]).next().unwrap_or(0)
    }

    /// The first `n` words.
    fn counts(&self, n: usize) -> Vec<i64> {
        words(self.data).take(n).collect()
    }

    fn need(&self, n: usize) -> Result<(), DecodeError> {
        let (name, count) = (self.name, self.word_count());
        if count < n {
            err(format!("{name} record holds {count} words, needs {n}"))
        } else {
            Ok(())
        }
    }

    /// The printing code refuses a distribution whose size does not match
    /// its parameters (EDT_DMISMATCH), so this does too.
    fn exactly(&self, n: usize) -> Result<(), DecodeError> {
        if self.data.len() != n * 8 {
            err(format!(
                "{} record holds {} bytes, its parameters need {n} words",
                self.name,
                self.data.len()
            ))
        } else {
            Ok(())
        }
    }
}

/// count(), sum(), min() and max(): one word.
fn scalar(record: &ValueRecord<'_>, normal: u64, order: &mut Order) -> Result<Value, DecodeError> {
    record.need(1)?;
    order.scalar = record.word(0).into();
    Ok(Value::Number(normalize(record.word(0), normal)))
}

/// avg(): the count and the total.
fn average(record: &ValueRecord<'_>, normal: u64, order: &mut Order) -> Result<Value, DecodeError> {
    record.need(2)?;
    let (n, total) = (record.word(0), record.word(1));
    // dt_aggregate_averagecmp: the mean of the raw data.
    order.scalar = if n == 0 { 0 } else { total.wrapping_div(n) }.into();
    // dt_print_average: `data[1] / (int64_t)normal / data[0]`,
    // signed, unlike the other functions.
    Ok(Value::Number(if n == 0 {
        0
    } else {
        total.wrapping_div(normal as i64).wrapping_div(n)
    }))
}

/// stddev(): the count, the total and the 128-bit sum of squares.
fn standard_deviation(
    abi: Abi,
    record: &ValueRecord<'_>,
    normal: u64,
    order: &mut Order,
) -> Result<Value, DecodeError> {
    record.need(4)?;
    let raw: [u64; 4] = std::array::from_fn(|i| record.word(i) as u64);
    // dt_aggregate_stddevcmp: unnormalized, compared unsigned.
    order.scalar = stddev(abi, &raw, 1).into();
    Ok(Value::Number(stddev(abi, &raw, normal) as i64))
}

/// quantize(): the power-of-two buckets.
fn quantize(
    abi: Abi,
    record: &ValueRecord<'_>,
    normal: u64,
    order: &mut Order,
) -> Result<Value, DecodeError> {
    record.exactly(QUANTIZE_BUCKETS)?;
    let counts = record.counts(QUANTIZE_BUCKETS);
    order.weight = counts
        .iter()
        .enumerate()
        .map(|(i, &c)| quantize_value(i) as f64 * c as f64)
        .sum();
    order.zero = counts[ZERO_BUCKET];
    Ok(Value::Buckets(quantize_buckets(abi, &counts, normal)))
}

/// lquantize(): base, step and levels from the parameter word, the same
/// in both families; an underflow bucket, the levels and an overflow one.
fn lquantize(
    params: u64,
    record: &ValueRecord<'_>,
    normal: u64,
    order: &mut Order,
) -> Result<(AggFunction, Value), DecodeError> {
    // Packed alike in both families (checked against both headers).
    use linux::{
        DTRACE_LQUANTIZE_BASEMASK as BASE, DTRACE_LQUANTIZE_LEVELSHIFT as LEVELS,
        DTRACE_LQUANTIZE_STEPSHIFT as STEP,
    };
    const _: () = assert!(
        STEP == illumos::DTRACE_LQUANTIZE_STEPSHIFT
            && LEVELS == illumos::DTRACE_LQUANTIZE_LEVELSHIFT
            && BASE == illumos::DTRACE_LQUANTIZE_BASEMASK
    );
    let base = (params & BASE) as u32 as i32;
    let levels = (params >> LEVELS) as u16;
    let step = (params >> STEP) as u16;
    record.exactly(levels as usize + 2)?;
    let counts = record.counts(levels as usize + 2);
    let (weight, zero) = lquantize_weight(&counts, base, step, levels);
    order.weight = weight;
    order.zero = zero;
    Ok((
        AggFunction::Lquantize { base, step, levels },
        Value::Buckets(lquantize_buckets(&counts, base, step, levels, normal)),
    ))
}

/// llquantize(): factor, magnitudes and steps from the parameter word,
/// each family packing them its own way, and its bins.
fn llquantize(
    abi: Abi,
    params: u64,
    record: &ValueRecord<'_>,
    normal: u64,
    order: &mut Order,
) -> Result<(AggFunction, Value), DecodeError> {
    // Each field is 16 bits; `as u16` keeps just those.
    let field = |shift: u32| (params >> shift) as u16;
    let (factor, low, high, steps) = match abi {
        Abi::Linux2 => (
            field(linux::DTRACE_LLQUANTIZE_FACTORSHIFT),
            field(linux::DTRACE_LLQUANTIZE_LMAGSHIFT),
            field(linux::DTRACE_LLQUANTIZE_HMAGSHIFT),
            field(linux::DTRACE_LLQUANTIZE_STEPSSHIFT),
        ),
        Abi::Illumos => (
            field(illumos::DTRACE_LLQUANTIZE_FACTORSHIFT),
            field(illumos::DTRACE_LLQUANTIZE_LOWSHIFT),
            field(illumos::DTRACE_LLQUANTIZE_HIGHSHIFT),
            field(illumos::DTRACE_LLQUANTIZE_NSTEPSHIFT),
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
    let word_count = record.word_count();
    let Some(layout) = llquantize_layout(abi, factor, low, high, steps, word_count) else {
        return err(format!(
            "llquantize record of {word_count} words is too small for its parameters"
        ));
    };
    record.exactly(layout.len())?;
    let counts = record.counts(layout.len());
    order.weight = counts
        .iter()
        .zip(layout.iter())
        .map(|(&c, bin)| bin.weight * c as f64)
        .sum();
    order.zero = layout
        .iter()
        .position(|b| b.is_zero)
        .map_or(0, |i| counts[i]);
    let function = AggFunction::Llquantize {
        factor,
        low,
        high,
        steps,
    };
    Ok((
        function,
        Value::Buckets(llquantize_buckets(&counts, &layout, abi, normal)),
    ))
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
