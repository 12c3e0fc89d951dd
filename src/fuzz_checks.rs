//! The properties the fuzz targets in `fuzz/` check, one function per
//! target. Each takes arbitrary bytes and panics only when dscope breaks a
//! promise on them (a decoder or parser panicking, highlighting that
//! depends on edit history, a recovery record that does not survive a
//! round trip). They live in the library so that the saved corpora run as
//! ordinary tests (`tests/fuzz_corpus.rs`) on machines without a fuzzer.

use crate::dtrace::decode::{
    Abi, RawAddresses, RawEntry, RecordDesc, assemble, decode_entry, describe,
};
use crate::lang::compile_message;
use crate::lang::highlight::{IncrementalHighlighter, highlight_all, split_lines};
use crate::lang::theme::ThemeKind;
use crate::recovery;
use std::path::Path;

/// A property checked on arbitrary bytes.
pub type Check = fn(&[u8]);

/// The fuzz targets, by the name of their corpus directory.
pub const TARGETS: &[(&str, Check)] = &[
    ("decode", decode),
    ("diagnostics", diagnostics),
    ("highlight", highlight),
    ("recovery", recovery_file),
];

/// A cursor over the fuzzer's bytes; reads past the end give zeros, so
/// every input means something.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }
    fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | u16::from(self.u8()) << 8
    }
    fn u32(&mut self) -> u32 {
        u32::from(self.u16()) | u32::from(self.u16()) << 16
    }
    fn u64(&mut self) -> u64 {
        u64::from(self.u32()) | u64::from(self.u32()) << 32
    }
    /// A length-prefixed slice.
    fn slice(&mut self) -> &'a [u8] {
        let n = self.u16() as usize;
        self.take(n)
    }
}

/// Key actions worth reaching often: plain data and every symbolic kind.
const KEY_ACTIONS: [u16; 9] = [
    1, 0x0101, 0x0102, 0x0103, 0x0104, 0x0105, 0x0401, 0x0402, 0x0403,
];

fn record(b: &mut Bytes<'_>, action: u16) -> RecordDesc {
    RecordDesc {
        action,
        // Mostly small sizes and offsets, so records often fit their
        // buffers; the high bit lets any value through.
        size: match b.u8() {
            s if s & 0x80 == 0 => u32::from(s) * 8,
            _ => b.u32(),
        },
        offset: match b.u8() {
            o if o & 0x80 == 0 => u32::from(o),
            _ => b.u32(),
        },
        arg: b.u64(),
    }
}

/// Aggregation records of either ABI family: decoding returns a value or
/// an error, and a decoded snapshot prints as text and JSON.
pub fn decode(data: &[u8]) {
    let mut b = Bytes(data);
    let abi = if b.u8() & 1 == 0 {
        Abi::Linux2
    } else {
        Abi::Illumos
    };
    let key_count = b.u8() % 5;
    let keys: Vec<RecordDesc> = (0..key_count)
        .map(|_| {
            let pick = b.u8();
            let action = match KEY_ACTIONS.get(usize::from(pick)) {
                Some(&a) => a,
                None => b.u16(),
            };
            record(&mut b, action)
        })
        .collect();
    let value_action = match b.u8() {
        a if a < 0xf0 => 0x700 + u16::from(a % 11),
        _ => b.u16(),
    };
    let value = record(&mut b, value_action);
    let normal = b.u64();
    let sig = b.u64();
    let key_bytes = b.slice();
    let value_bytes = b.0;
    let entry = RawEntry {
        varid: 1,
        name: "fuzz",
        keys: &keys,
        key_bytes,
        value,
        value_bytes,
        normal,
        sig,
    };
    if let Ok(decoded) = decode_entry(abi, &entry, &mut RawAddresses) {
        let snapshot = assemble(vec![decoded], |_| describe(&entry));
        for agg in &snapshot.aggregations {
            let _ = agg.to_dtrace_text();
        }
        serde_json::to_string(&snapshot).expect("a snapshot always serializes");
    }
}

/// libdtrace error messages: any message parses, and the columns it
/// points at lie on the named line of the script.
pub fn diagnostics(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (message, source) = text.split_once('\u{0}').unwrap_or((&text, ""));
    for script in [Some(Path::new("/tmp/dscope-check.d")), None] {
        let d = compile_message::parse(message, script, source);
        if let Some(columns) = &d.columns {
            let line = source
                .lines()
                .nth(d.line.saturating_sub(1))
                .expect("columns only on a line of the script");
            let width = line.chars().count();
            assert!(
                columns.start <= columns.end && columns.end <= width + 1,
                "columns {columns:?} outside line {} of {width} characters",
                d.line
            );
        }
    }
}

/// Highlighting any text: spans cover each line's bytes on character
/// boundaries, and editing one text into another gives what highlighting
/// the second from scratch gives.
pub fn highlight(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (before, after) = text.split_once('\u{0}').unwrap_or(("", &text));
    let fresh = highlight_all(after, ThemeKind::Light);
    for ((line, spans), expected) in fresh.iter().zip(split_lines(after)) {
        assert_eq!(line, expected);
        let mut at = 0;
        for span in spans {
            assert_eq!(span.range.start, at, "spans leave a gap in {line:?}");
            assert!(span.range.end > span.range.start, "empty span in {line:?}");
            assert!(line.is_char_boundary(span.range.end));
            at = span.range.end;
        }
        assert_eq!(at, line.len(), "spans do not reach the end of {line:?}");
    }
    let mut incremental = IncrementalHighlighter::new(ThemeKind::Light);
    incremental.update(before);
    incremental.update(after);
    let edited: Vec<_> = incremental
        .lines()
        .map(|(t, s)| (t.to_owned(), s.to_vec()))
        .collect();
    assert!(
        edited == fresh,
        "editing {before:?} into {after:?} highlights differently from scratch"
    );
}

/// Recovery files, which a crash may have cut short: any bytes give a
/// record or an error, and a record reads back as itself.
pub fn recovery_file(data: &[u8]) {
    if let Ok(record) = recovery::parse_record(data) {
        let _ = record.describe();
        let again = serde_json::to_vec(&record).expect("a record serializes");
        assert_eq!(recovery::parse_record(&again), Ok(record));
    }
}
