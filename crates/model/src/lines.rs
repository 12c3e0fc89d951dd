//! Reading lines from outside the process with a bound.
//!
//! Whatever a remote host, its login script, an agent or a run worker
//! sends arrives as lines, and `BufRead::read_line` keeps reading until a
//! newline comes: a peer that sends bytes without one (by mistake or on
//! purpose) makes it allocate until the process aborts. [`BoundedLines`]
//! reads at most a limit a line; what it does with a longer one is the
//! caller's choice ([`Long`]): cut it into pieces of the limit (text
//! relayed to a person, where nothing should be lost) or refuse it (a
//! protocol message, which cannot be understood in pieces). Bytes that
//! are not UTF-8 become U+FFFD, as a terminal would show them.

use std::io::{BufRead, ErrorKind};

/// The longest protocol line: a whole snapshot's changes travel as one
/// line (a first snapshot of 100,000 keys is about 10 MB of JSON).
pub const MAX_MESSAGE: usize = 64 << 20;
/// The longest text line relayed as it is (output, ssh's and a login
/// script's words); a longer one arrives in pieces of this size.
pub const MAX_TEXT: usize = 1 << 20;

/// What to do with a line longer than the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Long {
    /// Hand it over in pieces of the limit.
    Split,
    /// Hand over [`Line::TooLong`] and skip the rest of it.
    Refuse,
}

/// One line read, without its newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    Text(String),
    /// A line longer than the limit was left out ([`Long::Refuse`]).
    TooLong {
        limit: usize,
    },
}

/// Lines of a reader, each at most `limit` bytes.
pub struct BoundedLines<R> {
    reader: R,
    limit: usize,
    long: Long,
    /// Skipping the rest of a refused line.
    skipping: bool,
}

impl<R: BufRead> BoundedLines<R> {
    pub fn new(reader: R, limit: usize, long: Long) -> BoundedLines<R> {
        BoundedLines {
            reader,
            limit: limit.max(1),
            long,
            skipping: false,
        }
    }

    /// The next line; `None` at the end of the input or on a read error
    /// (a closed pipe or connection ends the lines either way).
    pub fn next_line(&mut self) -> Option<Line> {
        let mut line = Vec::new();
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => return None,
            };
            if available.is_empty() {
                // The end: a last line without a newline still counts.
                return (!line.is_empty() && !self.skipping).then(|| text(line));
            }
            let newline = available.iter().position(|&b| b == b'\n');
            let take = newline.map_or(available.len(), |i| i + 1);
            if self.skipping {
                self.reader.consume(take);
                if newline.is_some() {
                    self.skipping = false;
                }
                continue;
            }
            let room = self.limit - line.len();
            if newline.is_none_or(|i| i > room) && available.len() >= room {
                // The line goes past the limit.
                line.extend_from_slice(&available[..room]);
                self.reader.consume(room);
                // A newline right at the limit ends the line as it is.
                if self
                    .reader
                    .fill_buf()
                    .is_ok_and(|b| b.first() == Some(&b'\n'))
                {
                    self.reader.consume(1);
                    return Some(text(line));
                }
                return Some(match self.long {
                    Long::Split => text(line),
                    Long::Refuse => {
                        self.skipping = true;
                        Line::TooLong { limit: self.limit }
                    }
                });
            }
            line.extend_from_slice(&available[..take]);
            self.reader.consume(take);
            if newline.is_some() {
                line.pop();
                return Some(text(line));
            }
        }
    }
}

impl<R: BufRead> Iterator for BoundedLines<R> {
    type Item = Line;
    fn next(&mut self) -> Option<Line> {
        self.next_line()
    }
}

fn text(bytes: Vec<u8>) -> Line {
    Line::Text(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Says what a refused line was, for an error message: `what` (such as
/// "web1's agent") sent a line over the limit.
pub fn too_long(what: &str, limit: usize) -> String {
    format!(
        "{what} sent a line longer than {} without a newline; the rest of that line was \
         left out",
        human_size(limit as u64)
    )
}

/// "1 probe", "720 probes".
pub fn probe_count(n: u32) -> String {
    format!("{n} probe{}", if n == 1 { "" } else { "s" })
}

/// Bytes for people: "812 B", "4.0 KiB", "12 MiB".
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufReader, Read};

    fn lines(input: &[u8], limit: usize, long: Long, buffer: usize) -> Vec<Line> {
        BoundedLines::new(BufReader::with_capacity(buffer, input), limit, long).collect()
    }

    fn t(s: &str) -> Line {
        Line::Text(s.into())
    }

    #[test]
    fn lines_come_without_their_newlines_whatever_the_buffer() {
        for buffer in [1, 2, 3, 7, 64] {
            assert_eq!(
                lines(b"ab\n\ncd\nlast", 10, Long::Refuse, buffer),
                vec![t("ab"), t(""), t("cd"), t("last")],
                "buffer {buffer}"
            );
        }
    }

    #[test]
    fn a_long_line_is_split_or_refused_and_the_next_one_still_comes() {
        for buffer in [1, 3, 64] {
            assert_eq!(
                lines(b"abcdefgh\nok\n", 3, Long::Split, buffer),
                vec![t("abc"), t("def"), t("gh"), t("ok")],
                "buffer {buffer}"
            );
            assert_eq!(
                lines(b"abcdefgh\nok\n", 3, Long::Refuse, buffer),
                vec![Line::TooLong { limit: 3 }, t("ok")],
                "buffer {buffer}"
            );
            // Exactly the limit, with its newline, is a whole line.
            assert_eq!(
                lines(b"abc\nde\n", 3, Long::Refuse, buffer),
                vec![t("abc"), t("de")],
                "buffer {buffer}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced() {
        assert_eq!(
            lines(b"a\xffb\n", 10, Long::Refuse, 8),
            vec![t("a\u{fffd}b")]
        );
    }

    /// A peer that sends bytes and never a newline costs at most the
    /// limit: a gigabyte is read through in pieces, never held.
    #[test]
    fn an_endless_line_is_read_in_bounded_memory() {
        let endless = std::io::repeat(b'x').take(1 << 30);
        let mut reader = BoundedLines::new(BufReader::new(endless), 1 << 20, Long::Refuse);
        assert_eq!(reader.next_line(), Some(Line::TooLong { limit: 1 << 20 }));
        assert_eq!(reader.next_line(), None);
        let endless = std::io::repeat(b'x').take(3 << 20);
        let pieces: Vec<usize> = BoundedLines::new(BufReader::new(endless), 1 << 20, Long::Split)
            .map(|l| match l {
                Line::Text(s) => s.len(),
                Line::TooLong { .. } => 0,
            })
            .collect();
        assert_eq!(pieces, vec![1 << 20; 3]);
    }
}
