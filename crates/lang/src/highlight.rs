//! Incremental syntax highlighting.
//!
//! A keystroke changes one line, but a naive highlighter re-parses the
//! whole buffer. [`IncrementalHighlighter`] keeps, for every line, the
//! parser and highlighter state at its end. After an edit it re-parses from
//! the first changed line and stops as soon as a line after the edit starts
//! in the same state as before, reusing everything below it.

use super::theme::{ThemeKind, theme};
use super::{d_syntax, syntax_set};
use std::ops::Range;
use syntect::highlighting::{HighlightIterator, HighlightState, Highlighter, Style};
use syntect::parsing::{ParseState, ScopeStack};

/// A run of bytes within one line that share a style.
#[derive(Debug, Clone, PartialEq)]
pub struct StyledSpan {
    /// Byte range within the line (the line includes its `\n`, if any).
    pub range: Range<usize>,
    pub style: Style,
}

#[derive(Clone, PartialEq, Eq)]
struct LineState {
    parse: ParseState,
    highlight: HighlightState,
}

#[derive(Clone)]
struct CachedLine {
    text: String,
    spans: Vec<StyledSpan>,
    /// State after this line; the next line starts from it.
    end: LineState,
}

/// Highlights a buffer of D and keeps the result per line.
pub struct IncrementalHighlighter {
    kind: ThemeKind,
    lines: Vec<CachedLine>,
    revision: u64,
    /// Lines re-parsed by the last [`IncrementalHighlighter::update`]; for
    /// tests and benchmarks.
    last_reparsed: usize,
}

/// Splits text into lines that keep their `\n`. An empty text, or one that
/// ends in `\n`, has an empty last line, as an editor shows it.
pub fn split_lines(text: &str) -> impl Iterator<Item = &str> {
    let trailing_empty = text.is_empty() || text.ends_with('\n');
    text.split_inclusive('\n')
        .chain(trailing_empty.then_some(""))
}

impl IncrementalHighlighter {
    pub fn new(kind: ThemeKind) -> Self {
        IncrementalHighlighter {
            kind,
            lines: Vec::new(),
            revision: 0,
            last_reparsed: 0,
        }
    }

    pub fn theme_kind(&self) -> ThemeKind {
        self.kind
    }

    /// Switches theme; every line is restyled on the next update.
    pub fn set_theme(&mut self, kind: ThemeKind) {
        if self.kind != kind {
            self.kind = kind;
            self.lines.clear();
            self.revision += 1;
        }
    }

    /// Changes whenever the highlighted result changes.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    pub fn line_count(&self) -> usize {
        self.lines.len()
    }

    pub fn last_reparsed(&self) -> usize {
        self.last_reparsed
    }

    /// The line `index` as last highlighted, with its spans.
    pub fn line(&self, index: usize) -> Option<(&str, &[StyledSpan])> {
        self.lines
            .get(index)
            .map(|l| (l.text.as_str(), l.spans.as_slice()))
    }

    pub fn lines(&self) -> impl Iterator<Item = (&str, &[StyledSpan])> {
        self.lines
            .iter()
            .map(|l| (l.text.as_str(), l.spans.as_slice()))
    }

    fn initial_state(&self) -> LineState {
        let highlighter = Highlighter::new(theme(self.kind));
        LineState {
            parse: ParseState::new(d_syntax()),
            highlight: HighlightState::new(&highlighter, ScopeStack::new()),
        }
    }

    fn highlight_line(&self, text: &str, state: &mut LineState) -> Vec<StyledSpan> {
        let highlighter = Highlighter::new(theme(self.kind));
        // A grammar error on a pathological line must not take the editor
        // down: show that line unstyled and carry on from a clean state.
        let ops = match state.parse.parse_line(text, syntax_set()) {
            Ok(ops) => ops,
            Err(_) => {
                *state = self.initial_state();
                return vec![StyledSpan {
                    range: 0..text.len(),
                    style: highlighter.get_default(),
                }];
            }
        };
        let mut spans = Vec::new();
        let mut offset = 0;
        for (style, piece) in HighlightIterator::new(&mut state.highlight, &ops, text, &highlighter)
        {
            if piece.is_empty() {
                continue;
            }
            let range = offset..offset + piece.len();
            offset = range.end;
            match spans.last_mut() {
                Some(StyledSpan {
                    range: last,
                    style: s,
                }) if *s == style => last.end = range.end,
                _ => spans.push(StyledSpan { range, style }),
            }
        }
        spans
    }

    /// Brings the cache up to date with `text`. Returns the index of the
    /// first line whose highlighting changed, or `None` if nothing did.
    pub fn update(&mut self, text: &str) -> Option<usize> {
        let new: Vec<&str> = split_lines(text).collect();
        let old_len = self.lines.len();
        let first = self
            .lines
            .iter()
            .zip(&new)
            .take_while(|(old, new)| old.text == **new)
            .count();
        if first == old_len && first == new.len() {
            self.last_reparsed = 0;
            return None;
        }
        let suffix = self.lines[first..]
            .iter()
            .rev()
            .zip(new[first..].iter().rev())
            .take_while(|(old, new)| old.text == **new)
            .count();

        let tail_start = old_len - suffix;
        // The state each old tail line started in, to know when we are back
        // in step with the old parse.
        let mut tail_start_state = if tail_start == 0 {
            self.initial_state()
        } else {
            self.lines[tail_start - 1].end.clone()
        };
        let tail: Vec<CachedLine> = self.lines.drain(tail_start..).collect();
        self.lines.truncate(first);

        let mut state = match self.lines.last() {
            Some(line) => line.end.clone(),
            None => self.initial_state(),
        };
        let mut reparsed = 0;
        for text in &new[first..new.len() - suffix] {
            let spans = self.highlight_line(text, &mut state);
            reparsed += 1;
            self.lines.push(CachedLine {
                text: (*text).to_owned(),
                spans,
                end: state.clone(),
            });
        }
        let mut tail = tail.into_iter();
        while let Some(mut line) = tail.next() {
            if state == tail_start_state {
                self.lines.push(line);
                self.lines.extend(tail);
                break;
            }
            tail_start_state = line.end.clone();
            line.spans = self.highlight_line(&line.text, &mut state);
            line.end = state.clone();
            reparsed += 1;
            self.lines.push(line);
        }
        self.last_reparsed = reparsed;
        self.revision += 1;
        Some(first)
    }
}

/// Highlights `text` from scratch; for one-off uses such as tests.
pub fn highlight_all(text: &str, kind: ThemeKind) -> Vec<(String, Vec<StyledSpan>)> {
    let mut h = IncrementalHighlighter::new(kind);
    h.update(text);
    h.lines().map(|(t, s)| (t.to_owned(), s.to_vec())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(lines: usize) -> String {
        let mut s = String::new();
        for i in 0..lines {
            s.push_str(&format!(
                "syscall::read:entry /pid == {i}/ {{ @c[execname] = count(); }}\n"
            ));
        }
        s
    }

    #[test]
    fn split_lines_keeps_newlines_and_trailing_empty_line() {
        assert_eq!(split_lines("").collect::<Vec<_>>(), vec![""]);
        assert_eq!(split_lines("a\nb").collect::<Vec<_>>(), vec!["a\n", "b"]);
        assert_eq!(split_lines("a\n").collect::<Vec<_>>(), vec!["a\n", ""]);
    }

    #[test]
    fn one_keystroke_reparses_one_line() {
        let text = sample(500);
        let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
        assert_eq!(h.update(&text), Some(0));
        assert_eq!(h.last_reparsed(), 501);
        let mut edited = text.clone();
        let at = text.len() / 2;
        let at = text[at..].find("count").unwrap() + at;
        edited.insert(at, 'x');
        let first = h.update(&edited).unwrap();
        assert_eq!(h.last_reparsed(), 1);
        assert_eq!(first, text[..at].matches('\n').count());
        assert_eq!(h.update(&edited), None);
    }

    #[test]
    fn opening_a_comment_restyles_the_lines_below_until_it_closes() {
        let text = "BEGIN\n{\n x = 1;\n y = 2;\n}\n";
        let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
        h.update(text);
        let edited = text.replacen("{\n", "{ /*\n", 1);
        h.update(&edited);
        assert!(
            h.last_reparsed() >= 4,
            "comment opening must restyle what follows"
        );
        // Same result as a fresh parse of the whole buffer.
        let fresh = highlight_all(&edited, ThemeKind::Dark);
        let incremental: Vec<_> = h.lines().map(|(t, s)| (t.to_owned(), s.to_vec())).collect();
        assert_eq!(fresh, incremental);
    }

    #[test]
    fn incremental_result_equals_full_parse_after_many_edits() {
        let mut text = sample(40);
        let mut h = IncrementalHighlighter::new(ThemeKind::Light);
        h.update(&text);
        let edits: &[(usize, &str)] = &[
            (0, "/* "),
            (300, " */"),
            (120, "\"open"),
            (900, "\n\n"),
            (5, "}"),
        ];
        for (at, insert) in edits {
            let at = (*at).min(text.len());
            text.insert_str(at, insert);
            h.update(&text);
            let fresh = highlight_all(&text, ThemeKind::Light);
            let incremental: Vec<_> = h.lines().map(|(t, s)| (t.to_owned(), s.to_vec())).collect();
            assert_eq!(fresh, incremental, "after inserting {insert:?} at {at}");
        }
        // Deleting everything leaves one empty line.
        h.update("");
        assert_eq!(h.line_count(), 1);
    }
}
