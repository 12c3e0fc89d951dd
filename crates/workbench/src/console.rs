//! The console: what a run printed, and dscope's lines about the run. A
//! run can print far more than a window should hold (a final stack
//! printout runs to tens of thousands of lines), so the last
//! [`CONSOLE_LINES`] are kept in memory for the view, and the script's
//! output lines before them go to an unnamed file of the process's own,
//! from which Save and Copy all take the whole run.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Write};

/// Lines kept in memory, for the view.
pub const CONSOLE_LINES: usize = 10_000;

/// Bytes kept in memory, for the view, at most: a line may be as long as
/// a worker's message, so the count of lines alone does not bound them.
pub const VIEW_BYTES: usize = 64 << 20;

/// The most that Copy all puts on the clipboard: over remote X the
/// clipboard travels the link. Save takes any amount.
pub const COPY_BYTES: u64 = 8 << 20;

/// Output kept in the file behind the view, at most: past it, older
/// output is lost (and counted), so a run that floods for hours cannot
/// fill the disk.
pub const SPILL_BYTES: u64 = 1 << 30;

/// What a console line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The script's own output, as `dscope run` prints it on stdout.
    Output,
    /// dscope saying how the run goes (started, probes, how it ended), as
    /// `dtrace(1)` says it on stderr.
    Info,
}

/// The script's output lines that scrolled out of the view.
#[derive(Debug)]
struct Spill {
    /// Unnamed (opened with O_TMPFILE or unlinked at once): no other user
    /// can reach it, and it goes with the process.
    file: File,
    bytes: u64,
    lines: u64,
}

/// The console's lines: the last [`CONSOLE_LINES`] in view, the output
/// before them in a file.
#[derive(Debug, Default)]
pub struct Console {
    lines: VecDeque<(LineKind, String)>,
    /// The bytes of `lines`.
    view_bytes: usize,
    spill: Option<Spill>,
    /// The file reached its bound: later output is lost too, so that the
    /// file never has gaps.
    full: bool,
    /// Lines out of view: in the file, or dscope's own lines that were
    /// not kept.
    out_of_view: u64,
    /// Output lines lost: past [`SPILL_BYTES`], or with no file to keep
    /// them in.
    lost: u64,
    /// Why output was lost, once.
    trouble: Option<String>,
    output: bool,
    /// The file's bound when not [`SPILL_BYTES`] (tests).
    limit: Option<u64>,
}

impl Console {
    pub fn push(&mut self, line: String) {
        self.output = true;
        self.push_kind(LineKind::Output, line);
    }

    pub fn info(&mut self, line: String) {
        self.push_kind(LineKind::Info, line);
    }

    fn push_kind(&mut self, kind: LineKind, line: String) {
        self.view_bytes += line.len();
        self.lines.push_back((kind, line));
        while self.lines.len() > CONSOLE_LINES
            || (self.view_bytes > VIEW_BYTES && self.lines.len() > 1)
        {
            let Some((old_kind, old)) = self.lines.pop_front() else {
                break;
            };
            self.view_bytes -= old.len();
            self.out_of_view += 1;
            if old_kind == LineKind::Output {
                self.keep(&old);
            }
        }
    }

    /// Writes an output line that leaves the view to the file.
    fn keep(&mut self, line: &str) {
        if self.spill.is_none() && self.trouble.is_none() {
            match tempfile::tempfile() {
                Ok(file) => {
                    self.spill = Some(Spill {
                        file,
                        bytes: 0,
                        lines: 0,
                    })
                }
                Err(e) => self.trouble = Some(format!("no file to keep older output in: {e}")),
            }
        }
        let Some(spill) = &mut self.spill else {
            self.lost += 1;
            return;
        };
        let size = line.len() as u64 + 1;
        let limit = self.limit.unwrap_or(SPILL_BYTES);
        if self.full || spill.bytes + size > limit {
            self.full = true;
            self.lost += 1;
            self.trouble.get_or_insert_with(|| {
                format!(
                    "the run printed more than {} MiB; older output is not kept",
                    limit >> 20
                )
            });
            return;
        }
        let written = spill
            .file
            .write_all(line.as_bytes())
            .and_then(|()| spill.file.write_all(b"\n"));
        match written {
            Ok(()) => {
                spill.bytes += size;
                spill.lines += 1;
            }
            Err(e) => {
                // The file goes, and with it every line it kept.
                self.lost += spill.lines + 1;
                self.trouble = Some(format!("cannot keep older output: {e}"));
                self.spill = None;
            }
        }
    }

    /// Whether the script printed anything.
    pub fn has_output(&self) -> bool {
        self.output
    }

    /// Every line in view with its kind, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = (LineKind, &str)> {
        self.lines.iter().map(|(k, l)| (*k, l.as_str()))
    }

    pub fn clear(&mut self) {
        *self = Console {
            limit: self.limit,
            ..Console::default()
        };
    }

    /// The script's output lines in view, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines
            .iter()
            .filter(|(k, _)| *k == LineKind::Output)
            .map(|(_, l)| l.as_str())
    }

    /// Lines in view.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.out_of_view == 0
    }

    /// Lines that scrolled out of view.
    pub fn out_of_view(&self) -> u64 {
        self.out_of_view
    }

    /// Output lines kept in the file behind the view.
    pub fn kept(&self) -> u64 {
        self.spill.as_ref().map_or(0, |s| s.lines)
    }

    /// How many bytes [`Self::text`] holds, about.
    pub fn text_bytes(&self) -> u64 {
        self.spill.as_ref().map_or(0, |s| s.bytes) + self.view_bytes as u64
    }

    /// Output lines lost, and why.
    pub fn lost(&self) -> Option<(u64, &str)> {
        (self.lost > 0).then(|| (self.lost, self.trouble.as_deref().unwrap_or("")))
    }

    /// The lines in view at these places, oldest first: what a scrolled
    /// view shows.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = (LineKind, &str)> {
        self.lines.range(range).map(|(k, l)| (*k, l.as_str()))
    }

    /// All the script's output, the lines out of view first.
    pub fn text(&self) -> io::Result<String> {
        let mut text = String::new();
        if let Some(spill) = &self.spill {
            use std::os::unix::fs::FileExt;
            let mut bytes = vec![0; spill.bytes as usize];
            // At its own offsets, so that writing goes on at the end.
            spill.file.read_exact_at(&mut bytes, 0)?;
            text = String::from_utf8(bytes).map_err(|e| io::Error::other(e.to_string()))?;
        }
        for line in self.lines() {
            text.push_str(line);
            text.push('\n');
        }
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that floods past the file's bound loses its oldest output,
    /// says so, and the file stays within the bound.
    #[test]
    fn a_flood_past_the_bound_is_counted_not_kept() {
        let mut c = Console {
            limit: Some(1000),
            ..Console::default()
        };
        for i in 0..CONSOLE_LINES + 500 {
            c.push(format!("line {i:06}"));
        }
        // 12 bytes a line: 83 fit in 1000 bytes, the rest of the 500 are lost.
        assert_eq!(c.kept(), 83);
        let (lost, why) = c.lost().unwrap();
        assert_eq!(lost, 500 - 83);
        assert!(why.contains("older output is not kept"), "{why}");
        let text = c.text().unwrap();
        assert_eq!(text.lines().count(), 83 + CONSOLE_LINES);
    }

    /// Once a line did not fit, no later one is kept either: the file
    /// holds the run's first output whole, never with gaps.
    #[test]
    fn past_the_bound_no_shorter_line_slips_in() {
        let mut c = Console {
            limit: Some(30),
            ..Console::default()
        };
        for line in ["first", &"long".repeat(10), "b"] {
            c.push(line.into());
        }
        for i in 0..CONSOLE_LINES {
            c.push(i.to_string());
        }
        assert_eq!(c.kept(), 1);
        assert_eq!(c.lost().unwrap().0, 2);
        assert!(c.text().unwrap().starts_with("first\n0\n"));
    }

    /// Lines as long as a worker may send are bounded in bytes too: the
    /// view keeps what fits in [`VIEW_BYTES`], the rest goes to the file.
    #[test]
    fn the_view_is_bounded_in_bytes_as_well_as_lines() {
        let mut c = Console::default();
        let long = "x".repeat(VIEW_BYTES / 2 + 1);
        for _ in 0..3 {
            c.push(long.clone());
        }
        assert_eq!(c.len(), 1);
        assert_eq!((c.out_of_view(), c.kept()), (2, 2));
        assert!(c.text_bytes() >= 3 * long.len() as u64);
    }

    #[test]
    fn the_view_keeps_the_last_lines_and_the_file_the_rest() {
        let mut c = Console::default();
        c.info("dscope: tracing".into());
        for i in 0..CONSOLE_LINES + 5 {
            c.push(i.to_string());
        }
        assert_eq!(c.len(), CONSOLE_LINES);
        assert_eq!(c.out_of_view(), 6);
        // dscope's own line is not the script's output: not kept.
        assert_eq!(c.kept(), 5);
        assert_eq!(c.lines().next(), Some("5"));
        let text = c.text().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), CONSOLE_LINES + 5);
        assert_eq!(lines[0], "0");
        assert_eq!(lines[CONSOLE_LINES + 4], (CONSOLE_LINES + 4).to_string());
        assert!(c.lost().is_none());
        c.clear();
        assert!(c.is_empty());
        assert_eq!(c.text().unwrap(), "");
    }
}
