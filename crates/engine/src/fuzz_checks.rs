//! The properties the fuzz targets in `fuzz/` check, one function per
//! target. Each takes arbitrary bytes and panics only when dscope breaks a
//! promise on them (a decoder or parser panicking, highlighting that
//! depends on edit history, a recovery record, recording or protocol
//! message that does not survive a round trip). They live in the library
//! so that the saved corpora run as ordinary tests (`tests/fuzz_corpus.rs`)
//! on machines without a fuzzer.

use crate::amqp::{self, Feeds, Received};
use crate::dtrace::decode::{
    Abi, RawAddresses, RawEntry, RecordDesc, assemble, decode_entry, describe,
};
use crate::history::recording::{self, Header, Recorder};
use crate::history::{History, trend};
use crate::lang::compile_message;
use crate::lang::highlight::{IncrementalHighlighter, highlight_all, split_lines};
use crate::lang::theme::ThemeKind;
use crate::lines::{self, BoundedLines, Line, Long, MAX_MESSAGE};
use crate::model::changes::{ChangeDecoder, ChangeEncoder};
use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, RunEnd, Snapshot, Value};
use crate::protocol::{Hello, Reply, Request};
use crate::recovery;
use crate::session::Event;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// A property checked on arbitrary bytes.
pub type Check = fn(&[u8]);

/// The fuzz targets, by the name of their corpus directory.
pub const TARGETS: &[(&str, Check)] = &[
    ("decode", decode),
    ("diagnostics", diagnostics),
    ("highlight", highlight),
    ("recovery", recovery_file),
    ("recording", recording),
    ("agent_reply", agent_reply),
    ("amqp_message", amqp_message),
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
    /// A short length-prefixed text, lossily UTF-8.
    fn text(&mut self) -> String {
        let n = usize::from(self.u8() % 32);
        String::from_utf8_lossy(self.take(n)).into_owned()
    }
    /// Up to three short texts.
    fn texts(&mut self) -> Vec<String> {
        (0..self.u8() % 4).map(|_| self.text()).collect()
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

/// Recordings, which come from anywhere (a colleague's, one cut off by a
/// crash, a file that is no recording at all): any bytes, read as
/// `dscope report` reads them ([`recording::parse`] keeping every point)
/// and with the smallest history (whose older points are merged as a
/// long recording's are in the window), give a recording or an error;
/// a recording prints as a report in every format and shows in the
/// window's views. Bytes after a leading NUL also describe a run that the
/// [`Recorder`] writes and that must read back as it was
/// (`recording_round_trip`).
pub fn recording(data: &[u8]) {
    use crate::history::report::{Format, render};
    for capacity in [usize::MAX, 4] {
        let Ok(rec) = recording::parse(std::io::BufReader::new(data), "fuzz.dsrec", capacity)
        else {
            continue;
        };
        if capacity == usize::MAX {
            let json = render(&rec, Format::Json);
            serde_json::from_str::<serde_json::Value>(&json).expect("a JSON report is JSON");
            let _ = render(&rec, Format::Csv);
            let _ = render(&rec, Format::Text);
        }
        look_at(&rec.history);
    }
    if let Some((&0, run)) = data.split_first() {
        recording_round_trip(run);
    }
}

/// What the window's views ask of a history: the snapshot at its end
/// (the text view), the time lines of the top keys with their trend and
/// average, the heat map of each distribution, and the differences
/// between the first and the last point.
fn look_at(history: &History) {
    let end = history.last_time().unwrap_or(0.0);
    let _ = history.snapshot_at(end).to_dtrace_text();
    for agg in history.aggregations() {
        for (i, k) in agg.top_keys(4).into_iter().enumerate() {
            let points = agg.plotted(k, i % 2 == 0 && agg.accumulates());
            let _ = trend::sliding_average(&points, 10.0);
            if let Some(fit) = trend::Fit::of(&points) {
                let _ = (fit.reaches(1e6, end), trend::slope_text(fit.slope));
            }
        }
        if agg.function.is_distribution() {
            let _ = agg.buckets();
            for p in 0..agg.len() {
                let _ = (agg.interval(p), agg.distribution(p, None, false));
            }
        }
        if let Some(last) = agg.len().checked_sub(1) {
            let _ = agg.samples(last);
            let first = agg.aggregation_at(0);
            let range = agg.aggregation_between(Some(0), last);
            let _ = crate::model::comparison::compare(Some(&first), Some(&range));
        }
    }
}

/// An aggregation of a run described by the fuzzer: fixed for the run,
/// in every snapshot, its keys from a pool of its own.
struct RunAggregation {
    id: u32,
    name: String,
    function: AggFunction,
    key_sizes: Vec<u32>,
    keys: Vec<Vec<KeyPart>>,
    /// A distribution's buckets in order (counts 0); none for numbers.
    buckets: Vec<Bucket>,
}

fn run_aggregations(b: &mut Bytes<'_>) -> Vec<RunAggregation> {
    let mut id = 0u32;
    (0..1 + b.u8() % 3)
        .map(|_| {
            id += 1 + u32::from(b.u8() % 4);
            let name = b.text();
            let function = match b.u8() % 9 {
                0 => AggFunction::Count,
                1 => AggFunction::Sum,
                2 => AggFunction::Avg,
                3 => AggFunction::Min,
                4 => AggFunction::Max,
                5 => AggFunction::Stddev,
                6 => AggFunction::Quantize,
                7 => AggFunction::Lquantize {
                    base: b.u32() as i32,
                    step: b.u16(),
                    levels: b.u16(),
                },
                _ => AggFunction::Llquantize {
                    factor: b.u16(),
                    low: b.u16(),
                    high: b.u16(),
                    steps: b.u16(),
                },
            };
            let key_sizes = (0..b.u8() % 3).map(|_| u32::from(b.u8())).collect();
            let mut keys = Vec::new();
            for _ in 0..1 + b.u8() % 8 {
                let key = match b.u8() % 5 {
                    0 => vec![],
                    1 => vec![KeyPart::Int(b.u64() as i64)],
                    2 => vec![KeyPart::Str(b.text())],
                    3 => vec![KeyPart::Symbol(b.text()), KeyPart::Int(i64::from(b.u8()))],
                    _ => vec![KeyPart::Stack(b.texts())],
                };
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
            let n = if function.is_distribution() {
                1 + i64::from(b.u8() % 8)
            } else {
                0
            };
            // Underflow, ranges of ten, overflow: in the order the
            // history sorts buckets.
            let buckets = (0..n)
                .map(|i| Bucket {
                    label: format!("{}", i * 10),
                    min: (i > 0).then_some(i * 10),
                    max: (i + 1 < n).then_some(i * 10 + 9),
                    count: 0,
                    raw: None,
                })
                .collect();
            RunAggregation {
                id,
                name,
                function,
                key_sizes,
                keys,
                buckets,
            }
        })
        .collect()
}

/// A snapshot of the run's aggregations: each has at least one row, no
/// key twice, and distributions trimmed as libdtrace trims them (the
/// buckets holding counts and one neighbour each side).
fn run_snapshot(b: &mut Bytes<'_>, aggs: &[RunAggregation]) -> Snapshot {
    let aggregations = aggs
        .iter()
        .map(|a| {
            let mut used = vec![false; a.keys.len()];
            let mut rows = Vec::new();
            for _ in 0..1 + b.u8() % 6 {
                let k = usize::from(b.u8()) % a.keys.len();
                if std::mem::replace(&mut used[k], true) {
                    continue;
                }
                let value = if a.buckets.is_empty() {
                    // The history's mark of an absent key is no value.
                    Value::Number((b.u64() as i64).max(i64::MIN + 1))
                } else {
                    let counts: Vec<i64> = a
                        .buckets
                        .iter()
                        .map(|_| match b.u8() {
                            c if c < 0x80 => 0,
                            c => i64::from(c) - 0xc0,
                        })
                        .collect();
                    let held: Vec<usize> = (0..counts.len()).filter(|&i| counts[i] != 0).collect();
                    Value::Buckets(match (held.first(), held.last()) {
                        (Some(&first), Some(&last)) => {
                            let (from, to) =
                                (first.saturating_sub(1), (last + 1).min(counts.len() - 1));
                            (from..=to)
                                .map(|i| Bucket {
                                    count: counts[i],
                                    ..a.buckets[i].clone()
                                })
                                .collect()
                        }
                        _ => Vec::new(),
                    })
                };
                rows.push(Row {
                    key: a.keys[k].clone(),
                    value,
                });
            }
            Aggregation {
                id: a.id,
                name: a.name.clone(),
                function: a.function,
                key_sizes: a.key_sizes.clone(),
                rows,
            }
        })
        .collect();
    Snapshot { aggregations }
}

/// A run described by the fuzzer's bytes: a header, aggregations fixed
/// for the run ([`run_aggregations`]), snapshots at increasing times
/// ([`run_snapshot`]), output, errors and drops at any time, and perhaps
/// an end. Written by the [`Recorder`], it reads back as it was: the
/// header, the lines and the end, no problem but a missing end, and a
/// history holding each snapshot at its time (but for the one a final
/// snapshot close behind it replaces, as [`History::push_final`] does).
/// Times are whole milliseconds, which JSON carries exactly.
fn recording_round_trip(data: &[u8]) {
    let mut b = Bytes(data);
    let header = Header {
        recording: recording::MAGIC.into(),
        version: recording::VERSION,
        dscope: b.text(),
        started: b.text(),
        host: (b.u8() & 1 == 1).then(|| b.text()),
        script_name: b.text(),
        script: b.text(),
        probes: b.texts(),
        options: b.texts(),
        args: b.texts(),
        snapshot_every_ms: b.u64(),
    };
    let aggs = run_aggregations(&mut b);
    let seconds = |ms: u64| ms as f64 / 1000.0;
    let mut out = Vec::new();
    let mut recorder = Recorder::new(&mut out, &header).expect("a Vec takes the header");
    let mut snapshots: Vec<(f64, Snapshot)> = Vec::new();
    let (mut output, mut errors, mut drops) = (Vec::new(), Vec::new(), Vec::new());
    let mut end = None;
    let (mut now, mut duration) = (0u64, 0.0f64);
    while !b.0.is_empty() && end.is_none() {
        let kind = b.u8() % 8;
        let t = match kind {
            0..=3 => {
                now += 1 + u64::from(b.u16());
                seconds(now)
            }
            7 if b.u8() & 1 == 0 => seconds(now),
            7 => seconds(now + u64::from(b.u16())),
            _ => seconds(u64::from(b.u16())),
        };
        duration = duration.max(t);
        let written = match kind {
            0..=3 => {
                let s = run_snapshot(&mut b, &aggs);
                let w = recorder.snapshot(t, &s);
                snapshots.push((t, s));
                w
            }
            4 => {
                output.push((t, b.text()));
                recorder.output(t, &output[output.len() - 1].1)
            }
            5 => {
                errors.push((t, b.text()));
                recorder.error(t, &errors[errors.len() - 1].1)
            }
            6 => {
                let (count, message) = (b.u64(), b.text());
                let w = recorder.drop(t, count, &message);
                drops.push((t, count, message));
                w
            }
            _ => {
                let e = match b.u8() % 4 {
                    0 => RunEnd::Exited {
                        status: b.u32() as i32,
                    },
                    1 => RunEnd::TimeUp,
                    2 => RunEnd::Stopped,
                    _ => RunEnd::TargetExited,
                };
                end = Some((t, e));
                recorder.end(t, e)
            }
        };
        written.expect("a Vec takes every line");
    }
    drop(recorder);
    let rec = recording::parse(&out[..], "fuzz.dsrec", usize::MAX)
        .expect("what the Recorder wrote is a recording");
    assert_eq!(rec.header, header);
    assert_eq!(rec.output, output);
    assert_eq!(rec.errors, errors);
    assert_eq!(rec.drops, drops);
    assert_eq!(rec.end, end);
    assert_eq!(rec.duration, duration);
    assert_eq!(
        rec.problems.len(),
        usize::from(end.is_none()),
        "{:?}",
        rec.problems
    );
    // The final snapshot, taken when the run ended, joins the interval
    // before it when it comes less than half an interval after.
    let mut points = snapshots;
    if let (Some((t_end, _)), [.., (before, _), (last, _), (t, _)]) = (end, points.as_slice())
        && *t == t_end
        && t - last < (last - before) / 2.0
    {
        points.remove(points.len() - 2);
    }
    let times: Vec<f64> = points.iter().map(|(t, _)| *t).collect();
    let histories = rec.history.aggregations();
    let expected = if points.is_empty() { 0 } else { aggs.len() };
    assert_eq!(histories.len(), expected, "aggregations in the history");
    for h in histories {
        assert_eq!(h.times().collect::<Vec<_>>(), times, "times of @{}", h.name);
    }
    for (t, s) in &points {
        assert_eq!(&rec.history.snapshot_at(*t), s, "the snapshot at {t} s");
    }
}

/// A message as a line, and that line parsed: what went out comes back.
fn reparsed<T: serde::Serialize + serde::de::DeserializeOwned>(message: &T) -> T {
    let line = serde_json::to_string(message).expect("a message serializes");
    assert!(!line.contains('\n'), "a message is one line: {line}");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line} does not parse again: {e}"))
}

/// What `dscope agent` sends back over ssh, read as the window reads it
/// (`agent::Connection::open` and `Session::relay`): lines of at most
/// [`MAX_MESSAGE`] bytes ([`BoundedLines`], which must also cut the same
/// bytes into lines as it promises at a small limit, whatever its
/// buffer), the remote command's header line, the hello, and replies.
/// Nothing panics; a hello, request or reply that parses re-encodes to a
/// line that parses to the same value; snapshot changes make whole
/// snapshots (one decoder per job, as the relay keeps one per run) that
/// print, merge as a fleet's, chart, and encode back to themselves.
pub fn agent_reply(data: &[u8]) {
    let mut runs: HashMap<u64, ChangeDecoder> = HashMap::new();
    let agent = BoundedLines::new(std::io::BufReader::new(data), MAX_MESSAGE, Long::Refuse);
    for line in agent {
        match line {
            Line::Text(line) => agent_line(&line, &mut runs),
            Line::TooLong { limit } => {
                let _ = lines::too_long("its agent", limit);
            }
        }
    }
    let limit = 1 + data.len() % 61;
    let buffer = 1 + data.len() % 7;
    for long in [Long::Refuse, Long::Split] {
        let read: Vec<Line> =
            BoundedLines::new(std::io::BufReader::with_capacity(buffer, data), limit, long)
                .collect();
        assert!(
            read == promised_lines(data, limit, long, false)
                || read == promised_lines(data, limit, long, true),
            "{long:?}, at most {limit} bytes through a buffer of {buffer}: {read:?}"
        );
    }
}

/// The lines [`BoundedLines`] promises: each line without its `\n` (the
/// last one too when no `\n` ends it), as text when it fits in `limit`
/// bytes, and a longer one refused or cut into pieces of `limit` bytes.
/// A last line of exactly `limit` bytes with no `\n` after it fits when
/// `last_at_limit_fits` (it is refused as it stands, which is harmless).
fn promised_lines(data: &[u8], limit: usize, long: Long, last_at_limit_fits: bool) -> Vec<Line> {
    let text = |b: &[u8]| Line::Text(String::from_utf8_lossy(b).into_owned());
    let mut pieces: Vec<&[u8]> = data.split(|&c| c == b'\n').collect();
    let last = pieces.pop().unwrap_or_default();
    let mut out = Vec::new();
    let mut line = |piece: &[u8], ended: bool| {
        let fits = piece.len() < limit || (piece.len() == limit && (ended || last_at_limit_fits));
        match long {
            _ if fits => out.push(text(piece)),
            Long::Refuse => out.push(Line::TooLong { limit }),
            Long::Split => out.extend(piece.chunks(limit).map(text)),
        }
    };
    for piece in pieces {
        line(piece, true);
    }
    if !last.is_empty() {
        line(last, false);
    }
    out
}

/// One line from the agent, as every reader of it takes it.
fn agent_line(line: &str, runs: &mut HashMap<u64, ChangeDecoder>) {
    if let Some(word) = line.strip_prefix(crate::remote::HEADER)
        && let Some(word) = word.strip_prefix(' ')
    {
        let _ = crate::remote::header_problem("fuzz-host", Some(word), None, None);
    }
    if let Ok(hello) = serde_json::from_str::<Hello>(line) {
        let _ = hello.mismatch("fuzz-host");
        assert_eq!(reparsed(&hello), hello);
    }
    if let Ok(request) = serde_json::from_str::<Request>(line) {
        assert_eq!(reparsed(&request), request);
    }
    let Ok(reply) = serde_json::from_str::<Reply>(line) else {
        return;
    };
    assert_eq!(reparsed(&reply), reply);
    let job = reply.job;
    let script = crate::session::Script::default();
    for request in [
        Request::Check {
            job,
            script: script.clone(),
        },
        Request::Run {
            job,
            script,
            duration_ms: None,
            snapshot_ms: 1000,
        },
        Request::Probes { job },
        Request::TargetProbes { job, pid: 1 },
        Request::ProbeArgs {
            job,
            probe: crate::model::Probe::new(1, "dtrace", "", "", "BEGIN"),
        },
        Request::Stop,
    ] {
        let _ = crate::protocol::ends(&request, &reply.event);
    }
    let snapshot = match reply.event {
        Event::SnapshotChanges(changes) => {
            let snapshot = runs.entry(job).or_default().decode(changes);
            encodes_back(&snapshot);
            snapshot
        }
        // Protocol version 1's whole snapshots, still an event.
        Event::Snapshot(snapshot) => snapshot,
        _ => return,
    };
    let (merged, _) = crate::fleet::merge(&[("web1", &snapshot), ("web2", &snapshot)]);
    shown(&merged);
}

/// A snapshot the change decoder made, with no key twice in an
/// aggregation (libdtrace never has one; a damaged line can), is what its
/// own changes from nothing make again.
fn encodes_back(snapshot: &Snapshot) {
    let unique = snapshot.aggregations.iter().all(|a| {
        let mut seen = HashSet::new();
        a.rows.iter().all(|r| seen.insert(&r.key))
    });
    if unique {
        let changes = reparsed(&ChangeEncoder::default().encode(snapshot));
        assert_eq!(&ChangeDecoder::default().decode(changes), snapshot);
    }
}

/// A snapshot from elsewhere as the window shows it: printed as text and
/// kept in a history for the charts.
fn shown(snapshot: &Snapshot) {
    let _ = snapshot.to_dtrace_text();
    let mut history = History::default();
    history.push(1.0, snapshot);
    history.push(2.0, snapshot);
    look_at(&history);
}

/// A message an AMQP subscription delivers (`dscope run --publish` on
/// another machine, or anything else publishing on that exchange): its
/// body read as the subscription reads it ([`amqp::read_message`] within
/// the window's [`amqp::LIMITS`]; dscope reads no AMQP header) is a dscope
/// message, something foreign or, past a limit, too large; never a panic.
/// A message re-encodes to itself, and feeds a watch as `amqp::watch`
/// feeds it ([`Feeds::hear`], here from two scripts on its host, named
/// with their scripts), whose merge the window shows.
pub fn amqp_message(data: &[u8]) {
    let limits = amqp::LIMITS;
    let received = amqp::read_message(data, &limits);
    let small = amqp::Limits {
        max_message: 64,
        ..limits
    };
    let expected = if data.len() > small.max_message {
        Received::TooLarge(data.len())
    } else {
        received.clone()
    };
    assert_eq!(amqp::read_message(data, &small), expected);
    let message = match received {
        Received::Message(m) => m,
        Received::Foreign => return,
        other => panic!("{} bytes read as {other:?}", data.len()),
    };
    let mut again = reparsed(&message);
    // JSON numbers parse to the nearest f64 only roughly (serde_json
    // without `float_roundtrip`): the time may move by a unit or two in
    // the last place.
    let close = (again.t - message.t).abs() <= message.t.abs() * 1e-14 + f64::MIN_POSITIVE;
    assert!(close, "t {} came back as {}", message.t, again.t);
    again.t = message.t;
    assert_eq!(again, message);
    let now = std::time::Instant::now();
    let mut feeds = Feeds::default();
    let mut other = message.clone();
    other.script.push_str(".2");
    for m in [message, other] {
        feeds.hear(m, now, &limits);
    }
    let _ = feeds.forget_silent(now, &limits);
    let names = feeds.names();
    let mut merges = crate::fleet::Merges::new(crate::fleet::MERGE_EVERY);
    merges.changed();
    let (merged, _) = merges.merge(&feeds.sources(&names));
    shown(&merged);
}
