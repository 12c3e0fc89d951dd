//! Recordings: a run written down as it goes, to be looked at again.
//!
//! A recording is JSON lines (the format is in docs/recording-format.md):
//! a header with the script, its options, the host and the start time,
//! then one line per event, each with `t`, seconds since tracing started.
//! Snapshots hold only what changed since the one before (new keys,
//! changed values, keys gone, and the key order when it changed), so an
//! hour of a large aggregation stays a file of a sensible size. Every line
//! is flushed when written: a killed dscope leaves a file that reads up to
//! its last whole line.
//!
//! Reading never writes: a truncated, foreign or newer recording gives
//! a clear message, and what could be read is still shown.

use super::History;
use crate::model::changes::{ChangeDecoder, ChangeEncoder, Changes};
use crate::model::{RunEnd, Snapshot};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

/// What the first line's `recording` field says.
pub const MAGIC: &str = "dscope";
/// The version this dscope writes, and the newest it reads fully.
pub const VERSION: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// Always [`MAGIC`].
    pub recording: String,
    pub version: u32,
    /// The dscope version that recorded it.
    pub dscope: String,
    /// When tracing started, RFC 3339 in UTC.
    pub started: String,
    /// The host it ran on; absent for this machine.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// What messages called the script (its file name).
    pub script_name: String,
    /// The script's text (empty for a run of `-n` descriptions only).
    #[serde(default)]
    pub script: String,
    /// `-n` probe descriptions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub probes: Vec<String>,
    /// `-x` options as `name[=value]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Macro arguments `$1`, `$2`, ...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// How often a snapshot was taken, in milliseconds.
    pub snapshot_every_ms: u64,
}

impl Header {
    /// The D that ran: the script and any `-n` descriptions, one after
    /// the other (what says which values are times).
    pub fn source(&self) -> String {
        [self.script.as_str()]
            .into_iter()
            .chain(self.probes.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A header for a run starting now on this machine (or `host`).
    pub fn new(script_name: &str, script: &str, snapshot_every_ms: u64) -> Header {
        Header {
            recording: MAGIC.into(),
            version: VERSION,
            dscope: env!("CARGO_PKG_VERSION").into(),
            started: now_rfc3339(),
            host: None,
            script_name: script_name.into(),
            script: script.into(),
            probes: Vec::new(),
            options: Vec::new(),
            args: Vec::new(),
            snapshot_every_ms,
        }
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// One line after the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// Seconds since tracing started.
    pub t: f64,
    #[serde(flatten)]
    pub entry: Entry,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entry {
    Snapshot(Changes),
    /// A line of printf/trace/printa output.
    Output(String),
    /// A runtime error or another problem the run reported.
    Error(String),
    Drop {
        count: u64,
        message: String,
    },
    /// How the run ended; the last line of a whole recording.
    End(RunEnd),
}

/// Writes a recording as the run goes.
pub struct Recorder<W: Write> {
    out: W,
    /// The header, until it is written.
    header: Option<Header>,
    changes: ChangeEncoder,
}

impl Recorder<std::io::BufWriter<std::fs::File>> {
    /// Creates (or replaces) the file; the header is written when tracing
    /// starts ([`Recorder::begin`]), or with the first event.
    pub fn create(path: &Path, header: &Header) -> Result<Self, String> {
        let file = crate::writes::create_private(path)
            .map_err(|e| format!("cannot create the recording {}: {e}", path.display()))?;
        Ok(Recorder {
            out: std::io::BufWriter::new(file),
            header: Some(header.clone()),
            changes: ChangeEncoder::default(),
        })
    }
}

impl<W: Write> Recorder<W> {
    /// A recording on `out`, its header written now.
    pub fn new(out: W, header: &Header) -> std::io::Result<Self> {
        let mut r = Recorder {
            out,
            header: None,
            changes: ChangeEncoder::default(),
        };
        r.write_json(header)?;
        Ok(r)
    }

    /// Tracing started: the header says so, with this time.
    pub fn begin(&mut self) -> std::io::Result<()> {
        if let Some(h) = &mut self.header {
            h.started = now_rfc3339();
        }
        self.write_header()
    }

    /// Whether anything has been written (a run that never started
    /// leaves an empty file, better removed).
    pub fn is_empty(&self) -> bool {
        self.header.is_some()
    }

    fn write_header(&mut self) -> std::io::Result<()> {
        match self.header.take() {
            Some(h) => self.write_json(&h),
            None => Ok(()),
        }
    }

    fn write_json(&mut self, value: &impl Serialize) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, value)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }

    fn write(&mut self, t: f64, entry: Entry) -> std::io::Result<()> {
        self.write_header()?;
        self.write_json(&Line { t, entry })
    }

    /// Writes what changed since the last snapshot (nothing when nothing
    /// did).
    pub fn snapshot(&mut self, t: f64, snapshot: &Snapshot) -> std::io::Result<()> {
        // Written even when nothing changed: it still marks an interval.
        let changes = self.changes.encode(snapshot);
        self.write(t, Entry::Snapshot(changes))
    }

    pub fn output(&mut self, t: f64, line: &str) -> std::io::Result<()> {
        self.write(t, Entry::Output(line.into()))
    }

    pub fn error(&mut self, t: f64, message: &str) -> std::io::Result<()> {
        self.write(t, Entry::Error(message.into()))
    }

    pub fn drop(&mut self, t: f64, count: u64, message: &str) -> std::io::Result<()> {
        self.write(
            t,
            Entry::Drop {
                count,
                message: message.into(),
            },
        )
    }

    pub fn end(&mut self, t: f64, end: RunEnd) -> std::io::Result<()> {
        self.write(t, Entry::End(end))
    }

    /// Writes what a run said, `t` seconds into it, as every recording
    /// keeps it (`dscope run --record` and the window's alike): its start,
    /// snapshots, output, errors, drops and how it ended; a failure as an
    /// error.
    pub fn event(&mut self, t: f64, event: &crate::model::Event) -> std::io::Result<()> {
        use crate::model::Event;
        match event {
            Event::Started { .. } => self.begin(),
            Event::Snapshot(s) => self.snapshot(t, s),
            Event::Output(line) => self.output(t, line),
            Event::RuntimeError(m) | Event::Problem(m) | Event::Failed(m) => self.error(t, m),
            Event::Drop { count, message } => self.drop(t, *count, message),
            Event::Finished(Ok(end)) => self.end(t, *end),
            Event::Finished(Err(m)) => self.error(t, m),
            _ => Ok(()),
        }
    }
}

/// A recording as a run's sink: the file it is written to, and the
/// recorder. A run that never started tracing leaves no file behind.
pub struct RecordingSink {
    pub path: std::path::PathBuf,
    recorder: Recorder<std::io::BufWriter<std::fs::File>>,
}

impl RecordingSink {
    /// Creates (or replaces) the file at `path`.
    pub fn create(path: &Path, header: &Header) -> Result<RecordingSink, String> {
        Ok(RecordingSink {
            path: path.to_path_buf(),
            recorder: Recorder::create(path, header)?,
        })
    }
}

impl crate::sink::Sink for RecordingSink {
    fn take(&mut self, t: f64, event: &crate::model::Event) -> Result<(), String> {
        if matches!(event, crate::model::Event::Finished(_)) && self.recorder.is_empty() {
            // Tracing never started: no recording, rather than an empty
            // file.
            let _ = std::fs::remove_file(&self.path);
            return Ok(());
        }
        self.recorder.event(t, event).map_err(|e| {
            format!(
                "cannot write the recording {}: {e}; the run goes on without it",
                self.path.display()
            )
        })
    }
}

/// A recording as read back.
#[derive(Debug, Clone)]
pub struct Recording {
    pub header: Header,
    /// The snapshots over time.
    pub history: History,
    /// Output lines, errors and drops with their times.
    pub output: Vec<(f64, String)>,
    pub errors: Vec<(f64, String)>,
    pub drops: Vec<(f64, u64, String)>,
    pub end: Option<(f64, RunEnd)>,
    /// The time of the last line read.
    pub duration: f64,
    /// What was wrong with the file, in words for the person reading it;
    /// what could be read is here all the same.
    pub problems: Vec<String>,
}

/// Reads a recording file; `capacity` bounds the history as
/// [`History::new`] does.
pub fn read(path: &Path, capacity: usize) -> Result<Recording, String> {
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot open the recording {}: {e}", path.display()))?;
    parse(
        std::io::BufReader::new(file),
        &path.display().to_string(),
        capacity,
    )
}

/// Whether the file at `path` begins with a recording's header, so that
/// `dscope FILE` can open a recording as one rather than as a script.
/// A file that does not start as a header does is read no further.
pub fn is_recording(path: &Path) -> bool {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return false;
    };
    let mut input = std::io::BufReader::new(file);
    let start = format!("{{\"recording\":\"{MAGIC}\"");
    let mut first = vec![0; start.len()];
    if input.read_exact(&mut first).is_err() || first != start.as_bytes() {
        return false;
    }
    matches!(read_line(&mut input, &mut first, MAX_LINE), Ok(Got::Line))
        && header_of(&first).is_some()
}

/// The longest line a recording may hold: a snapshot's changes are one
/// line, as they are one message from a run worker.
const MAX_LINE: usize = crate::lines::MAX_MESSAGE;

/// What [`read_line`] found.
#[derive(Debug, PartialEq)]
enum Got {
    End,
    Line,
    /// A line longer than the limit, read past and not kept.
    TooLong,
}

/// Adds the next line to `bytes`, with its newline if it has one; a line
/// past `most` bytes is read to its end and left out, so that a hostile
/// file cannot make the reader allocate without bound.
fn read_line(input: &mut dyn BufRead, bytes: &mut Vec<u8>, most: usize) -> std::io::Result<Got> {
    let before = bytes.len();
    if std::io::Read::take(&mut *input, most as u64 + 1).read_until(b'\n', bytes)? == 0 {
        return Ok(Got::End);
    }
    if bytes.len() - before <= most || bytes.ends_with(b"\n") {
        return Ok(Got::Line);
    }
    bytes.truncate(before);
    let mut rest = Vec::new();
    loop {
        rest.clear();
        let n = std::io::Read::take(&mut *input, 1 << 16).read_until(b'\n', &mut rest)?;
        if n == 0 || rest.ends_with(b"\n") {
            return Ok(Got::TooLong);
        }
    }
}

/// Reads a recording from `input`; `name` is what messages call it.
pub fn parse(mut input: impl BufRead, name: &str, capacity: usize) -> Result<Recording, String> {
    let mut bytes = Vec::new();
    let next = |input: &mut dyn BufRead, bytes: &mut Vec<u8>| {
        bytes.clear();
        read_line(input, bytes, MAX_LINE)
            .map_err(|e| format!("cannot read the recording {name}: {e}"))
    };
    match next(&mut input, &mut bytes)? {
        Got::End => return Err(format!("{name} is empty: it is not a dscope recording")),
        Got::TooLong => {
            return Err(format!(
                "{name} is not a dscope recording (its first line is longer than {})",
                crate::lines::human_size(MAX_LINE as u64)
            ));
        }
        Got::Line => {}
    }
    let header = header_of(&bytes).ok_or_else(|| {
        format!("{name} is not a dscope recording (its first line is not a recording header)")
    })?;
    let mut rec = Recording {
        header,
        history: History::new(capacity),
        output: Vec::new(),
        errors: Vec::new(),
        drops: Vec::new(),
        end: None,
        duration: 0.0,
        problems: Vec::new(),
    };
    if rec.header.version > VERSION {
        rec.problems.push(format!(
            "{name} was recorded by a newer dscope ({}, recording version {}; this one reads \
             version {VERSION}): showing what this version can read",
            rec.header.dscope, rec.header.version
        ));
    }
    let mut snapshots = ChangeDecoder::default();
    let mut pending: Option<(f64, Snapshot)> = None;
    let (mut line_no, mut unreadable, mut first_unreadable) = (1usize, 0usize, 0usize);
    let mut too_long = 0usize;
    loop {
        let read = next(&mut input, &mut bytes)?;
        if read == Got::End {
            break;
        }
        line_no += 1;
        if read == Got::TooLong {
            too_long += 1;
            continue;
        }
        let whole = bytes.ends_with(b"\n");
        let line = std::str::from_utf8(&bytes)
            .ok()
            .and_then(|s| serde_json::from_str::<Line>(s.trim_end()).ok());
        let Some(line) = line else {
            if !whole {
                rec.problems.push(format!(
                    "{name} ends in the middle of a line (cut off at {:.1} s, as when dscope \
                     is killed while recording): showing what came before",
                    rec.duration
                ));
                break;
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            unreadable += 1;
            if first_unreadable == 0 {
                first_unreadable = line_no;
            }
            continue;
        };
        rec.duration = rec.duration.max(line.t);
        match line.entry {
            Entry::Snapshot(changes) => {
                // Held back a line: the run's final snapshot (the one at
                // the time of its end) joins a short last interval.
                if let Some((t, s)) = pending.take() {
                    rec.history.push(t, &s);
                }
                pending = Some((line.t, snapshots.decode(changes)));
            }
            Entry::Output(text) => rec.output.push((line.t, text)),
            Entry::Error(text) => rec.errors.push((line.t, text)),
            Entry::Drop { count, message } => rec.drops.push((line.t, count, message)),
            Entry::End(end) => rec.end = Some((line.t, end)),
        }
    }
    if let Some((t, s)) = pending.take() {
        if rec.end.is_some_and(|(end, _)| end == t) {
            rec.history.push_final(t, &s);
        } else {
            rec.history.push(t, &s);
        }
    }
    if too_long > 0 {
        rec.problems.push(format!(
            "{name}: {too_long} line{} longer than {} left out",
            if too_long == 1 { "" } else { "s" },
            crate::lines::human_size(MAX_LINE as u64)
        ));
    }
    if unreadable > 0 {
        rec.problems.push(format!(
            "{name}: {unreadable} line{} this dscope cannot read (the first is line \
             {first_unreadable}) left out",
            if unreadable == 1 { "" } else { "s" }
        ));
    }
    if rec.end.is_none() && !rec.problems.iter().any(|p| p.contains("middle of a line")) {
        rec.problems.push(format!(
            "{name} stops at {:.1} s without saying how the run ended (dscope was stopped \
             while recording, or is still recording)",
            rec.duration
        ));
    }
    Ok(rec)
}

fn header_of(bytes: &[u8]) -> Option<Header> {
    let text = std::str::from_utf8(bytes).ok()?;
    let header: Header = serde_json::from_str(text.trim_end()).ok()?;
    (header.recording == MAGIC).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_past_the_limit_is_read_past_and_left_out() {
        let input = format!("{}\nnext\n{}", "x".repeat(100), "y".repeat(300));
        let mut input = std::io::BufReader::with_capacity(16, input.as_bytes());
        let mut bytes = Vec::new();
        let mut read = || {
            bytes.clear();
            let got = read_line(&mut input, &mut bytes, 50).unwrap();
            (got, String::from_utf8_lossy(&bytes).into_owned())
        };
        assert_eq!(read(), (Got::TooLong, String::new()));
        assert_eq!(read(), (Got::Line, "next\n".into()));
        // Cut off past the limit: left out all the same.
        assert_eq!(read(), (Got::TooLong, String::new()));
        assert_eq!(read(), (Got::End, String::new()));
    }

    #[test]
    fn only_a_file_that_starts_as_a_header_is_a_recording() {
        let dir = tempfile::tempdir().unwrap();
        let rec = dir.path().join("r.dsrec");
        let mut bytes = Vec::new();
        Recorder::new(&mut bytes, &Header::new("r.d", "BEGIN {}", 1000)).unwrap();
        std::fs::write(&rec, &bytes).unwrap();
        assert!(is_recording(&rec));
        let script = dir.path().join("s.d");
        std::fs::write(&script, "BEGIN { exit(0); }\n").unwrap();
        assert!(!is_recording(&script));
        // A header's start and then endless bytes: refused without
        // reading all of it into memory past the limit.
        let endless = dir.path().join("e.dsrec");
        let mut text = String::from("{\"recording\":\"dscope\"");
        text.push_str(&" ".repeat(1 << 16));
        std::fs::write(&endless, text).unwrap();
        assert!(!is_recording(&endless));
        assert!(!is_recording(&dir.path().join("missing")));
    }
    use crate::model::fixtures::counts;
    use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Value};

    fn header() -> Header {
        let mut h = Header::new("x.d", "tick-1s { @n[execname] = count(); }", 1000);
        h.started = "2026-12-01T10:00:00.000Z".into();
        h
    }

    fn record(snapshots: &[(f64, Snapshot)], end: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r = Recorder::new(&mut out, &header()).unwrap();
        r.output(0.5, "hello").unwrap();
        for (t, s) in snapshots {
            r.snapshot(*t, s).unwrap();
        }
        if end {
            r.end(3.0, RunEnd::TimeUp).unwrap();
        }
        out
    }

    #[test]
    fn snapshots_read_back_whole_from_their_changes() {
        let snaps = [
            (1.0, counts(&[("a", 1), ("b", 2)])),
            (2.0, counts(&[("a", 3), ("b", 2)])),
            (2.5, counts(&[("a", 3), ("b", 2)])),
            (3.0, counts(&[("c", 1), ("a", 4)])),
        ];
        let bytes = record(&snaps, true);
        let text = String::from_utf8(bytes.clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Header, output, four snapshots, end; the one at 2.5 s changed
        // nothing, and says only that a moment went by.
        assert_eq!(lines.len(), 7, "{text}");
        assert_eq!(lines[4], r#"{"t":2.5,"snapshot":{"aggregations":[]}}"#);
        // The second snapshot carries only a's new value.
        assert_eq!(
            lines[3],
            r#"{"t":2.0,"snapshot":{"aggregations":[{"id":1,"numbers":[[0,3]]}]}}"#
        );
        let rec = parse(&bytes[..], "x.rec", usize::MAX).unwrap();
        assert!(rec.problems.is_empty(), "{:?}", rec.problems);
        assert_eq!(rec.header, header());
        assert_eq!(rec.output, [(0.5, "hello".to_owned())]);
        assert_eq!(rec.end, Some((3.0, RunEnd::TimeUp)));
        let h = &rec.history;
        assert_eq!(h.get("n").unwrap().len(), 4);
        assert_eq!(h.snapshot_at(1.0), snaps[0].1);
        assert_eq!(h.snapshot_at(2.0), snaps[1].1);
        assert_eq!(h.snapshot_at(3.0), snaps[3].1);
    }

    #[test]
    fn distributions_and_key_parts_survive_the_file() {
        let snap = Snapshot {
            aggregations: vec![Aggregation {
                id: 4,
                name: "lat".into(),
                function: AggFunction::Lquantize {
                    base: 0,
                    step: 10,
                    levels: 10,
                },
                key_sizes: vec![8, 8],
                rows: vec![Row {
                    key: vec![
                        KeyPart::Int(-3),
                        KeyPart::Stack(vec!["k`f+0x1".into(), "k`g".into()]),
                    ],
                    value: Value::Buckets(vec![
                        Bucket {
                            label: "< 0".into(),
                            min: None,
                            max: Some(-1),
                            count: 0,
                            raw: None,
                        },
                        Bucket {
                            label: "0".into(),
                            min: Some(0),
                            max: Some(9),
                            count: 5,
                            raw: None,
                        },
                    ]),
                }],
            }],
        };
        let mut out = Vec::new();
        Recorder::new(&mut out, &header())
            .unwrap()
            .snapshot(1.0, &snap)
            .unwrap();
        let rec = parse(&out[..], "x.rec", 10).unwrap();
        assert_eq!(rec.history.snapshot_at(1.0), snap);
    }

    #[test]
    fn a_cut_off_recording_shows_what_came_before() {
        let mut bytes = record(
            &[(1.0, counts(&[("a", 1)])), (2.0, counts(&[("a", 2)]))],
            true,
        );
        // Cut in the middle of the last snapshot line.
        let cut = bytes.len() - 40;
        bytes.truncate(cut);
        let rec = parse(&bytes[..], "x.rec", 10).unwrap();
        assert_eq!(rec.history.get("n").unwrap().len(), 1);
        assert_eq!(rec.problems.len(), 1, "{:?}", rec.problems);
        assert!(rec.problems[0].contains("ends in the middle of a line"));
        assert!(rec.problems[0].contains("1.0 s"));
    }

    #[test]
    fn a_recording_without_its_end_says_so() {
        let rec = parse(
            &record(&[(1.0, counts(&[("a", 1)]))], false)[..],
            "x.rec",
            10,
        )
        .unwrap();
        assert!(rec.problems[0].contains("without saying how the run ended"));
    }

    #[test]
    fn foreign_and_empty_files_are_refused() {
        let e = parse(&b"{\"aggregations\": []}\n"[..], "x.json", 10).unwrap_err();
        assert_eq!(
            e,
            "x.json is not a dscope recording (its first line is not a recording header)"
        );
        let e = parse(&b"\xff\xfe binary"[..], "x.bin", 10).unwrap_err();
        assert!(e.contains("not a dscope recording"));
        assert_eq!(
            parse(&b""[..], "e.rec", 10).unwrap_err(),
            "e.rec is empty: it is not a dscope recording"
        );
    }

    #[test]
    fn a_newer_recording_says_so_and_shows_what_it_can() {
        let mut h = header();
        h.version = VERSION + 1;
        let mut out = Vec::new();
        let mut r = Recorder::new(&mut out, &h).unwrap();
        r.snapshot(1.0, &counts(&[("a", 1)])).unwrap();
        r.end(1.0, RunEnd::Stopped).unwrap();
        out.extend_from_slice(b"{\"t\":1.5,\"heatwave\":{\"x\":1}}\n");
        out.extend_from_slice(b"{\"t\":2.0,\"output\":\"after\"}\n");
        let rec = parse(&out[..], "n.rec", 10).unwrap();
        assert_eq!(rec.problems.len(), 2, "{:?}", rec.problems);
        assert!(rec.problems[0].contains("recording version 2; this one reads version 1"));
        assert!(rec.problems[1].contains("1 line this dscope cannot read (the first is line 4)"));
        assert_eq!(rec.output, [(2.0, "after".to_owned())]);
        assert_eq!(rec.history.get("n").unwrap().len(), 1);
    }

    #[test]
    fn the_documented_lines_read_as_a_recording() {
        let doc = include_str!("../../../../docs/recording-format.md");
        let blocks: Vec<&str> = doc
            .split("```json\n")
            .skip(1)
            .map(|b| b.split("```").next().unwrap())
            .collect();
        let file = format!("{}{}", blocks[0], blocks[1]);
        let rec = parse(file.as_bytes(), "doc", 10).unwrap();
        assert!(rec.problems.is_empty(), "{:?}", rec.problems);
        assert_eq!(rec.header.host.as_deref(), Some("admin@db1"));
        assert_eq!(rec.output.len(), 1);
        assert_eq!((rec.errors.len(), rec.drops.len()), (1, 1));
        assert_eq!(rec.end, Some((5.001, RunEnd::TimeUp)));
        let n = rec.history.get("n").unwrap();
        assert_eq!((n.len(), n.number(1, 0)), (2, Some(2)));
    }

    #[test]
    fn removed_keys_and_a_new_order_are_recorded() {
        let bytes = record(
            &[
                (1.0, counts(&[("a", 1), ("b", 2)])),
                (2.0, counts(&[("b", 2)])),
                (3.0, counts(&[("b", 2), ("a", 5)])),
            ],
            true,
        );
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains(r#""removed":[0],"by_value":true"#), "{text}");
        let rec = parse(&bytes[..], "x.rec", 10).unwrap();
        assert_eq!(rec.history.snapshot_at(2.0), counts(&[("b", 2)]));
        assert_eq!(rec.history.snapshot_at(3.0), counts(&[("b", 2), ("a", 5)]));
    }
}
