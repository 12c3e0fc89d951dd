//! The D script editor: an egui `TextEdit` with syntect highlighting, a
//! line-number gutter with diagnostic markers, current-line highlight,
//! find (Ctrl+F), go to line (Ctrl+G) and tab-to-spaces.
//!
//! Highlighting is incremental ([`IncrementalHighlighter`]) and the laid-out
//! galley is cached per text revision, so an idle frame or a cursor move
//! costs no re-highlighting at all.

use super::completion::{Popup, PopupKey};
use crate::lang::complete::{self, Completion, Place};
use crate::lang::highlight::IncrementalHighlighter;
use crate::lang::theme::ThemeKind;
use crate::model::{Diagnostic, Probe, Severity};
use egui::text::{CCursor, CCursorRange, LayoutJob, TextFormat};
use egui::{
    Align, Color32, FontId, Id, Key, KeyboardShortcut, Modifiers, Rect, Sense, Stroke, TextEdit,
    Ui, pos2, vec2,
};
use std::ops::Range;
use std::sync::Arc;

/// Find-bar state.
#[derive(Default)]
struct Find {
    open: bool,
    query: String,
    case_sensitive: bool,
    /// Byte ranges of the matches in the text, in order.
    matches: Vec<Range<usize>>,
    current: Option<usize>,
    /// (text revision, query, case) the matches were computed for.
    computed_for: Option<(u64, String, bool)>,
    focus_query: bool,
    /// Replace is shown (Ctrl+H, Edit > Replace…).
    replacing: bool,
    replacement: String,
    /// How many the last Replace all replaced.
    replaced: Option<usize>,
}

/// What happened in the editor this frame.
#[derive(Default, Debug, Clone, Copy)]
pub struct EditorResponse {
    /// The text changed (typing, paste, undo, tab...).
    pub changed: bool,
}

/// The highlighted layout job of the last text revision. The galley itself
/// is not kept across frames: egui rebuilds its font atlas at times (a theme
/// change, a new scale), and only its own galley cache knows when.
struct JobCache {
    key: (u64, u64, u32, ThemeKind),
    job: LayoutJob,
}

pub struct Editor {
    id: Id,
    text: String,
    /// Bumped on every change of `text`; keys caches.
    text_revision: u64,
    highlighter: IncrementalHighlighter,
    diagnostics: Vec<Diagnostic>,
    diagnostics_revision: u64,
    font_size: f32,
    tab_width: usize,
    job_cache: Option<JobCache>,
    /// A char range to select and scroll to on the next frame.
    pending_selection: Option<Range<usize>>,
    request_focus: bool,
    find: Find,
    goto_line: Option<String>,
    /// Lines in `text`, kept with it: the gutter and status bar need it on
    /// every frame.
    line_count: usize,
    /// 1-based line and column of the cursor, for the status bar, and the
    /// (text revision, char index) it was computed for.
    cursor_line_col: (usize, usize),
    cursor_computed_for: (u64, usize),
    shortcuts_enabled: bool,
    popup: Option<Popup>,
    /// The live probe list, for completing probe descriptions.
    probes: Option<Arc<Vec<Probe>>>,
    /// Completion needed probes that were not listed yet.
    wants_probes: bool,
    /// The last selection (chars) while the editor had the keyboard, and
    /// the text revision it was of: a menu takes the keyboard away, and
    /// egui drops the selection with it, before Cut or Copy is clicked.
    selection_memo: Option<(u64, Range<usize>)>,
}

/// Byte ranges of every occurrence of `query` in `text`.
pub fn find_matches(text: &str, query: &str, case_sensitive: bool) -> Vec<Range<usize>> {
    if query.is_empty() {
        return Vec::new();
    }
    if case_sensitive {
        return text
            .match_indices(query)
            .map(|(at, m)| at..at + m.len())
            .collect();
    }
    // Lowercasing can change byte lengths (e.g. 'İ'), so compare char by
    // char on the original text instead of searching a lowered copy.
    let needle: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
    let mut found = Vec::new();
    let mut starts = text.char_indices().map(|(i, _)| i).peekable();
    while let Some(start) = starts.next() {
        let mut chars = text[start..].char_indices();
        let mut matched = 0;
        let mut end = start;
        'outer: for (offset, c) in chars.by_ref() {
            for lc in c.to_lowercase() {
                if matched < needle.len() && needle[matched] == lc {
                    matched += 1;
                } else {
                    break 'outer;
                }
            }
            end = start + offset + c.len_utf8();
            if matched == needle.len() {
                break;
            }
        }
        if matched == needle.len() {
            found.push(start..end);
            // No overlapping matches: skip to the end of this one.
            while starts.next_if(|&i| i < end).is_some() {}
        }
    }
    found
}

/// Char index of a byte offset in `text`.
pub fn char_index(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].chars().count()
}

/// Byte offset of a char index in `text`.
pub fn byte_index(text: &str, chars: usize) -> usize {
    text.char_indices()
        .nth(chars)
        .map_or(text.len(), |(i, _)| i)
}

/// Byte offset where 1-based `line` starts, clamped to the last line.
pub fn line_start(text: &str, line: usize) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line - 2)
        .map_or_else(|| text.rfind('\n').map_or(0, |i| i + 1), |(i, _)| i + 1)
}

/// 1-based line and column (in chars) of a char index.
pub fn line_col(text: &str, char_idx: usize) -> (usize, usize) {
    let byte = byte_index(text, char_idx);
    let before = &text[..byte];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn color(c: syntect::highlighting::Color) -> Color32 {
    Color32::from_rgba_unmultiplied(c.r, c.g, c.b, c.a)
}

pub fn diagnostic_color(severity: Severity, dark: bool) -> Color32 {
    match (severity, dark) {
        (Severity::Error, true) => Color32::from_rgb(0xff, 0x55, 0x55),
        (Severity::Error, false) => Color32::from_rgb(0xd0, 0x10, 0x10),
        (Severity::Warning, _) => Color32::from_rgb(0xe0, 0xa0, 0x00),
        (Severity::Note, _) => Color32::from_rgb(0x40, 0x90, 0xff),
    }
}

/// The byte range to underline on a line for a diagnostic: its columns, or
/// the line's text without leading/trailing blanks.
fn underline_range(line_text: &str, diagnostic: &Diagnostic) -> Range<usize> {
    let content = line_text.trim_end_matches(['\n', '\r']);
    match &diagnostic.columns {
        Some(cols) => {
            let start = byte_index(content, cols.start);
            let end = byte_index(content, cols.end.max(cols.start + 1));
            start..end.max(start)
        }
        None => {
            let start = content.len() - content.trim_start().len();
            let end = content.trim_end().len();
            if start >= end {
                0..content.len()
            } else {
                start..end
            }
        }
    }
}

impl Editor {
    pub fn new(text: String, theme: ThemeKind) -> Self {
        let mut editor = Editor {
            id: Id::unique("dscope-editor"),
            text,
            text_revision: 0,
            highlighter: IncrementalHighlighter::new(theme),
            diagnostics: Vec::new(),
            diagnostics_revision: 0,
            font_size: 14.0,
            tab_width: 4,
            job_cache: None,
            pending_selection: None,
            request_focus: true,
            find: Find::default(),
            goto_line: None,
            line_count: 0,
            cursor_line_col: (1, 1),
            cursor_computed_for: (u64::MAX, 0),
            shortcuts_enabled: true,
            popup: None,
            probes: None,
            wants_probes: false,
            selection_memo: None,
        };
        editor.text_changed();
        editor
    }

    /// Bookkeeping after any change of `text`.
    fn text_changed(&mut self) {
        self.text_revision += 1;
        self.line_count = self.text.matches('\n').count() + 1;
    }

    /// Off while a prompt or dialog of the app is up.
    pub fn set_shortcuts_enabled(&mut self, enabled: bool) {
        self.shortcuts_enabled = enabled;
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Replaces the whole text (a newly opened file): cursor to the start,
    /// undo history cleared so Undo cannot bring back another file.
    pub fn set_text(&mut self, ctx: &egui::Context, text: String) {
        self.text = text;
        self.text_changed();
        self.diagnostics.clear();
        self.diagnostics_revision += 1;
        let mut state = TextEdit::load_state(ctx, self.id).unwrap_or_default();
        state
            .cursor
            .set_char_range(Some(CCursorRange::one(CCursor::new(0))));
        state.clear_undoer();
        TextEdit::store_state(ctx, self.id, state);
        self.cursor_line_col = (1, 1);
        self.request_focus = true;
    }

    pub fn set_theme(&mut self, theme: ThemeKind) {
        self.highlighter.set_theme(theme);
    }

    pub fn set_font_size(&mut self, size: f32) {
        self.font_size = size;
    }

    pub fn font_size(&self) -> f32 {
        self.font_size
    }

    pub fn set_tab_width(&mut self, width: usize) {
        self.tab_width = width.max(1);
    }

    /// Shows `diagnostics` in the editor: underlined on their line, with a
    /// gutter marker whose tooltip is the message.
    pub fn set_diagnostics(&mut self, diagnostics: Vec<Diagnostic>) {
        if diagnostics != self.diagnostics {
            self.diagnostics = diagnostics;
            self.diagnostics_revision += 1;
        }
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Moves the cursor to the start of 1-based `line` (clamped) and scrolls
    /// it into view.
    pub fn goto_line(&mut self, line: usize) {
        self.goto(line, 0);
    }

    /// Moves the cursor to character `column` (from 0, clamped to the
    /// line) of 1-based `line` and scrolls it into view.
    pub fn goto(&mut self, line: usize, column: usize) {
        let start = line_start(&self.text, line);
        let line_chars = self.text[start..]
            .split('\n')
            .next()
            .map_or(0, |l| l.chars().count());
        let at = char_index(&self.text, start) + column.min(line_chars);
        self.pending_selection = Some(at..at);
        self.request_focus = true;
    }

    /// Puts `snippet` in place of the selection (or at the cursor), leaves
    /// the cursor after it, and lets Undo take it back.
    pub fn insert_at_cursor(&mut self, ctx: &egui::Context, snippet: &str) {
        let state = TextEdit::load_state(ctx, self.id).unwrap_or_default();
        let chars = self.text.chars().count();
        let range = state
            .cursor
            .char_range()
            .unwrap_or_else(|| CCursorRange::one(CCursor::new(chars)));
        let [a, b] = [range.primary.index.0, range.secondary.index.0].map(|c| c.min(chars));
        self.replace_chars(ctx, a.min(b)..a.max(b), snippet);
    }

    /// Replaces characters `range` with `snippet` as one undoable edit and
    /// puts the cursor after it.
    fn replace_chars(&mut self, ctx: &egui::Context, range: Range<usize>, snippet: &str) {
        let bytes = byte_index(&self.text, range.start)..byte_index(&self.text, range.end);
        let at = range.start + snippet.chars().count();
        self.edit(ctx, bytes, snippet, at..at);
        self.text_changed();
        self.pending_selection = Some(at..at);
        self.request_focus = true;
        ctx.request_repaint();
    }

    /// Gives completion the system's probes.
    pub fn set_probes(&mut self, probes: Arc<Vec<Probe>>) {
        self.probes = Some(probes);
    }

    /// Whether completion asked for the probe list since the last call.
    pub fn take_probe_request(&mut self) -> bool {
        std::mem::take(&mut self.wants_probes)
    }

    /// The completion on screen, if any.
    pub fn completion(&self) -> Option<&Completion> {
        self.popup.as_ref().map(|p| &p.completion)
    }

    /// Works out the candidates at byte `cursor`; opens the popup when
    /// there are any, closes it when there are none. Unless the person
    /// asked (`explicit`), nothing opens where no word is being typed, and
    /// a candidate that is exactly the typed text is not offered: it would
    /// only stand in the way of the next key.
    fn complete_at(&mut self, cursor: usize, explicit: bool) {
        let probes = self.probes.as_deref().map(Vec::as_slice);
        if probes.is_none() && matches!(complete::place_at(&self.text, cursor), Place::Probe(_)) {
            self.wants_probes = true;
        }
        let mut completion = complete::complete(&self.text, cursor, probes);
        let typed = self.text.get(completion.replace.clone()).unwrap_or("");
        if !explicit && typed.is_empty() {
            completion.items.clear();
        }
        completion.items.retain(|item| item.insert != typed);
        let keep = self.popup.as_ref().is_some_and(|p| p.explicit) || explicit;
        self.popup = (!completion.items.is_empty()).then(|| Popup::new(completion, keep));
    }

    fn accept_completion(&mut self, ctx: &egui::Context, index: usize) {
        let Some(popup) = self.popup.take() else {
            return;
        };
        let Some(item) = popup.completion.items.get(index) else {
            return;
        };
        let r = popup.completion.replace;
        let start = char_index(&self.text, r.start);
        let end = char_index(&self.text, r.end);
        self.replace_chars(ctx, start..end, &item.insert);
        // A probe field done: offer the next one.
        if item.insert.ends_with(':') {
            let cursor = r.start + item.insert.len();
            self.complete_at(cursor, false);
        }
    }

    /// Steps back in the edit history (the same history Ctrl+Z uses).
    pub fn undo(&mut self, ctx: &egui::Context) -> bool {
        self.step_history(ctx, true)
    }

    pub fn redo(&mut self, ctx: &egui::Context) -> bool {
        self.step_history(ctx, false)
    }

    fn step_history(&mut self, ctx: &egui::Context, back: bool) -> bool {
        let Some(mut state) = TextEdit::load_state(ctx, self.id) else {
            return false;
        };
        let mut undoer = state.undoer();
        let cursor = state
            .cursor
            .char_range()
            .unwrap_or_else(|| CCursorRange::one(CCursor::new(0)));
        let current = (cursor, self.text.clone());
        let target = if back {
            undoer.undo(&current)
        } else {
            undoer.redo(&current)
        }
        .cloned();
        let Some((cursor, text)) = target else {
            return false;
        };
        state.set_undoer(undoer);
        state.cursor.set_char_range(Some(cursor));
        TextEdit::store_state(ctx, self.id, state);
        self.text = text;
        self.text_changed();
        self.request_focus = true;
        true
    }

    pub fn cursor_line_col(&self) -> (usize, usize) {
        self.cursor_line_col
    }

    pub fn line_count(&self) -> usize {
        self.line_count
    }

    pub fn open_find(&mut self) {
        self.find.open = true;
        self.find.focus_query = true;
    }

    pub fn close_find(&mut self) {
        self.find.open = false;
        self.find.replacing = false;
        self.find.replaced = None;
        self.request_focus = true;
    }

    /// Opens the find bar with its Replace row.
    pub fn open_replace(&mut self) {
        self.open_find();
        self.find.replacing = true;
    }

    /// Replaces the current match (or the first after the cursor) and moves
    /// to the next one.
    pub fn replace_current(&mut self, ctx: &egui::Context) {
        self.refresh_matches();
        if self.find.current.is_none() {
            self.find_step(true);
        }
        let Some(i) = self.find.current else { return };
        let Some(m) = self.find.matches.get(i).cloned() else {
            return;
        };
        let start = char_index(&self.text, m.start);
        let replacement = self.find.replacement.clone();
        let at = start + replacement.chars().count();
        self.edit(ctx, m, &replacement, at..at);
        self.text_changed();
        self.refresh_matches();
        // The next match is the first one after what was just written.
        let from = byte_index(&self.text, at);
        self.find.current = None;
        if let Some(next) = self.find.matches.iter().position(|m| m.start >= from) {
            self.find.current = Some(next);
            let m = self.find.matches[next].clone();
            self.pending_selection =
                Some(char_index(&self.text, m.start)..char_index(&self.text, m.end));
        } else {
            self.pending_selection = Some(at..at);
        }
        ctx.request_repaint();
    }

    /// Replaces every match as one undoable step; returns how many.
    pub fn replace_all(&mut self, ctx: &egui::Context) -> usize {
        self.refresh_matches();
        let n = self.find.matches.len();
        if n == 0 {
            return 0;
        }
        let mut text = String::with_capacity(self.text.len());
        let mut last = 0;
        for m in &self.find.matches {
            text.push_str(&self.text[last..m.start]);
            text.push_str(&self.find.replacement);
            last = m.end;
        }
        text.push_str(&self.text[last..]);
        let len = self.text.len();
        self.edit(ctx, 0..len, &text, 0..0);
        self.text_changed();
        self.find.current = None;
        ctx.request_repaint();
        n
    }

    pub fn open_goto_line(&mut self) {
        self.goto_line = Some(String::new());
    }

    pub fn find_is_open(&self) -> bool {
        self.find.open
    }

    fn font_id(&self) -> FontId {
        FontId::monospace(self.font_size)
    }

    /// Replaces bytes `range` of the text with `insert` as one undoable
    /// step and selects chars `select` (cursor there when empty). For edits
    /// made before the TextEdit draws, so it shows them this frame.
    fn edit(
        &mut self,
        ctx: &egui::Context,
        range: Range<usize>,
        insert: &str,
        select: Range<usize>,
    ) {
        let mut state = TextEdit::load_state(ctx, self.id).unwrap_or_default();
        let cursor = state
            .cursor
            .char_range()
            .unwrap_or_else(|| CCursorRange::one(CCursor::new(0)));
        let mut undoer = state.undoer();
        undoer.add_undo(&(cursor, self.text.clone()));
        state.set_undoer(undoer);
        self.text.replace_range(range, insert);
        state.cursor.set_char_range(Some(CCursorRange::two(
            CCursor::new(select.start),
            CCursor::new(select.end),
        )));
        TextEdit::store_state(ctx, self.id, state);
    }

    /// The selection (or the cursor) as sorted char and byte ranges; while
    /// another widget has the keyboard, the last one the editor had.
    fn selection(&self, ctx: &egui::Context) -> (Range<usize>, Range<usize>) {
        let chars = self.text.chars().count();
        let focused = ctx.memory(|m| m.has_focus(self.id));
        let remembered = self
            .selection_memo
            .as_ref()
            .filter(|(rev, _)| !focused && *rev == self.text_revision)
            .map(|(_, r)| r.clone());
        let range = remembered.unwrap_or_else(|| {
            let r = TextEdit::load_state(ctx, self.id)
                .and_then(|s| s.cursor.char_range())
                .unwrap_or_else(|| CCursorRange::one(CCursor::new(chars)))
                .as_sorted_char_range();
            r.start.0..r.end.0
        });
        let (a, b) = (range.start.min(chars), range.end.min(chars));
        (a..b, byte_index(&self.text, a)..byte_index(&self.text, b))
    }

    /// Ctrl+/ comments or uncomments the selected lines.
    fn handle_toggle_comment(&mut self, ui: &Ui) -> bool {
        let has_focus = ui.memory(|m| m.has_focus(self.id));
        let shortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Slash);
        if !has_focus || !ui.input_mut(|i| i.consume_shortcut(&shortcut)) {
            return false;
        }
        self.toggle_comment(ui.ctx());
        true
    }

    /// Puts `// ` in front of every line the selection touches, or takes
    /// it away when all of them already have it.
    pub fn toggle_comment(&mut self, ctx: &egui::Context) {
        let (_, bytes) = self.selection(ctx);
        let first = self.text[..bytes.start].rfind('\n').map_or(0, |i| i + 1);
        // A selection ending at the start of a line does not take that line.
        let end = if bytes.end > bytes.start && self.text[..bytes.end].ends_with('\n') {
            bytes.end - 1
        } else {
            bytes.end
        };
        let last = self.text[end..]
            .find('\n')
            .map_or(self.text.len(), |i| end + i);
        let block = &self.text[first..last];
        let lines: Vec<&str> = block.split('\n').collect();
        let code = |l: &str| !l.trim().is_empty();
        let all_commented = lines
            .iter()
            .filter(|l| code(l))
            .all(|l| l.trim_start().starts_with("//"));
        let indent = lines
            .iter()
            .filter(|l| code(l))
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        let changed: Vec<String> = lines
            .iter()
            .map(|l| {
                if !code(l) {
                    (*l).to_owned()
                } else if all_commented {
                    let at = l.len() - l.trim_start().len();
                    let rest = &l[at + 2..];
                    format!("{}{}", &l[..at], rest.strip_prefix(' ').unwrap_or(rest))
                } else {
                    format!("{}// {}", &l[..indent], &l[indent..])
                }
            })
            .collect();
        let replacement = changed.join("\n");
        let start = char_index(&self.text, first);
        let select = start..start + replacement.chars().count();
        self.edit(ctx, first..last, &replacement, select);
        self.text_changed();
        self.request_focus = true;
        ctx.request_repaint();
    }

    /// Copies the selection to the clipboard; with `cut`, removes it too.
    pub fn copy_selection(&mut self, ctx: &egui::Context, cut: bool) {
        let (chars, bytes) = self.selection(ctx);
        if chars.is_empty() {
            return;
        }
        ctx.copy_text(self.text[bytes.clone()].to_owned());
        if cut {
            self.edit(ctx, bytes, "", chars.start..chars.start);
            self.text_changed();
            ctx.request_repaint();
        }
        self.request_focus = true;
    }

    /// Selects the whole text.
    pub fn select_all(&mut self) {
        self.pending_selection = Some(0..self.text.chars().count());
        self.request_focus = true;
    }

    /// Gives the editor the keyboard (after a menu, say).
    pub fn focus(&mut self) {
        self.request_focus = true;
    }

    fn handle_shortcuts(&mut self, ui: &Ui) {
        let find = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);
        let goto = KeyboardShortcut::new(Modifiers::COMMAND, Key::G);
        if ui.input_mut(|i| i.consume_shortcut(&find)) {
            // Start the search from the selection, as editors do.
            if let Some(sel) = self.selected_text(ui.ctx())
                && !sel.contains('\n')
                && !sel.is_empty()
            {
                self.find.query = sel;
            }
            self.open_find();
        }
        if ui.input_mut(|i| i.consume_shortcut(&goto)) {
            self.open_goto_line();
        }
        let replace = KeyboardShortcut::new(Modifiers::COMMAND, Key::H);
        if ui.input_mut(|i| i.consume_shortcut(&replace)) {
            if let Some(sel) = self.selected_text(ui.ctx())
                && !sel.contains('\n')
                && !sel.is_empty()
            {
                self.find.query = sel;
            }
            self.open_replace();
        }
        if self.find.open {
            if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F3)) {
                self.find_step(true);
            }
            if ui.input_mut(|i| i.consume_key(Modifiers::SHIFT, Key::F3)) {
                self.find_step(false);
            }
        }
    }

    /// The selected text ("" for none).
    pub fn selected_text(&self, ctx: &egui::Context) -> Option<String> {
        let (_, bytes) = self.selection(ctx);
        Some(self.text[bytes].to_owned())
    }

    fn refresh_matches(&mut self) {
        let key = (
            self.text_revision,
            self.find.query.clone(),
            self.find.case_sensitive,
        );
        if self.find.computed_for.as_ref() != Some(&key) {
            self.find.matches =
                find_matches(&self.text, &self.find.query, self.find.case_sensitive);
            self.find.current = None;
            self.find.computed_for = Some(key);
        }
    }

    /// Moves to the next (or previous) match and selects it.
    pub fn find_step(&mut self, forward: bool) {
        self.refresh_matches();
        let n = self.find.matches.len();
        if n == 0 {
            return;
        }
        let cursor_byte = self
            .pending_selection
            .as_ref()
            .map(|r| byte_index(&self.text, r.start));
        let next = match (self.find.current, forward) {
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
            (None, true) => {
                let from = cursor_byte.unwrap_or(0);
                self.find
                    .matches
                    .iter()
                    .position(|m| m.start >= from)
                    .unwrap_or(0)
            }
            (None, false) => n - 1,
        };
        self.find.current = Some(next);
        let m = self.find.matches[next].clone();
        self.pending_selection =
            Some(char_index(&self.text, m.start)..char_index(&self.text, m.end));
    }

    /// "3 of 12", "no matches", or "" with no query.
    pub fn find_status(&self) -> String {
        if self.find.query.is_empty() {
            return String::new();
        }
        match (self.find.matches.len(), self.find.current) {
            (0, _) => "no matches".to_owned(),
            (n, Some(i)) => format!("{} of {n}", i + 1),
            (n, None) => format!("{n} matches"),
        }
    }

    fn find_bar(&mut self, ui: &mut Ui) {
        if !self.find.open {
            return;
        }
        // The editor's panel has no frame of its own; the bar gets the
        // theme's panel colour so it reads in light and dark alike.
        egui::Frame::new()
            .fill(ui.visuals().panel_fill)
            .inner_margin(egui::Margin::symmetric(6, 3))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                self.find_row(ui);
                if self.find.replacing {
                    self.replace_row(ui);
                }
            });
    }

    fn replace_row(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        ui.horizontal(|ui| {
            let label = ui.label("Replace:");
            let field = ui
                .add(
                    TextEdit::singleline(&mut self.find.replacement)
                        .id(Id::unique("dscope-replace-with"))
                        .desired_width(220.0)
                        .hint_text("replacement"),
                )
                .labelled_by(label.id);
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if ui
                .button("Replace")
                .on_hover_text("Replace this match, go to the next")
                .clicked()
                || enter
            {
                self.replace_current(&ctx);
                if enter {
                    field.request_focus();
                }
            }
            if ui.button("Replace all").clicked() {
                let n = self.replace_all(&ctx);
                self.find.replaced = Some(n);
            }
            if let Some(n) = self.find.replaced {
                ui.label(format!("{n} replaced"));
            }
            if (field.has_focus() || field.lost_focus()) && ui.input(|i| i.key_pressed(Key::Escape))
            {
                self.close_find();
            }
        });
    }

    fn find_row(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Find:");
            let query = ui.add(
                TextEdit::singleline(&mut self.find.query)
                    .id(Id::unique("dscope-find-query"))
                    .desired_width(220.0)
                    .hint_text("text to find"),
            );
            let query = query.labelled_by(label.id);
            if self.find.focus_query {
                query.request_focus();
                self.find.focus_query = false;
            }
            if query.changed() {
                self.find.current = None;
            }
            let enter = query.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if enter {
                let backwards = ui.input(|i| i.modifiers.shift);
                self.find_step(!backwards);
                query.request_focus();
            }
            if ui
                .button("Previous")
                .on_hover_text("Shift+Enter, Shift+F3")
                .clicked()
            {
                self.find_step(false);
            }
            if ui.button("Next").on_hover_text("Enter, F3").clicked() {
                self.find_step(true);
            }
            if ui
                .checkbox(&mut self.find.case_sensitive, "Match case")
                .changed()
            {
                self.find.current = None;
            }
            self.refresh_matches();
            ui.label(self.find_status());
            // egui lets go of a field's focus on Escape before we see it.
            let escaped = (query.has_focus() || query.lost_focus())
                && ui.input(|i| i.key_pressed(Key::Escape));
            if ui.button("Close find").clicked() || escaped {
                self.close_find();
            }
        });
    }

    fn goto_dialog(&mut self, ui: &mut Ui) {
        let Some(mut input) = self.goto_line.take() else {
            return;
        };
        let total = self.line_count();
        let mut keep_open = true;
        let modal = egui::Modal::new(Id::unique("dscope-goto-line")).show(ui.ctx(), |ui| {
            ui.heading("Go to line");
            let label = ui.label(format!("Line number (1–{total}):"));
            let edit = ui
                .add(TextEdit::singleline(&mut input).id(Id::unique("dscope-goto-input")))
                .labelled_by(label.id);
            edit.request_focus();
            let parsed = input.trim().parse::<usize>().ok().filter(|n| *n >= 1);
            if !input.trim().is_empty() && parsed.is_none() {
                ui.colored_label(ui.visuals().error_fg_color, "Type a line number.");
            }
            // Consumed, so the Enter that confirms does not also reach the
            // editor once it has focus again.
            let enter = ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Enter));
            ui.horizontal(|ui| {
                let go = ui.add_enabled(parsed.is_some(), egui::Button::new("Go"));
                if (go.clicked() || enter)
                    && let Some(n) = parsed
                {
                    self.goto_line(n.min(total));
                    keep_open = false;
                }
                if ui.button("Cancel").clicked() {
                    keep_open = false;
                    self.request_focus = true;
                }
            });
        });
        if modal.should_close() {
            keep_open = false;
            self.request_focus = true;
        }
        if keep_open {
            self.goto_line = Some(input);
        }
    }

    /// Opens, refreshes, closes or accepts completion after this frame's
    /// typing, and draws the popup under the cursor at `anchor`.
    fn completion_step(
        &mut self,
        ui: &Ui,
        cursor_char: usize,
        changed: bool,
        explicit: bool,
        accept: Option<usize>,
        anchor: egui::Pos2,
    ) {
        if accept.is_none() && !explicit && !changed && self.popup.is_none() {
            // Nothing to do: skip finding the cursor's byte in a long text.
            return;
        }
        let cursor = byte_index(&self.text, cursor_char);
        if let Some(i) = accept {
            self.accept_completion(ui.ctx(), i);
            return;
        }
        if explicit {
            self.complete_at(cursor, true);
        } else if changed {
            // Only typing that continues a word keeps a popup open: after
            // `}`, `;`, a blank or a new line nothing is being completed.
            let typed = self.text[..cursor].chars().last();
            let continues = typed.is_some_and(|t| t.is_alphanumeric() || "_:$-*>@".contains(t));
            if (self.popup.is_some() && continues)
                || typed.is_some_and(|t| complete::auto_trigger(&self.text, cursor, t))
            {
                self.complete_at(cursor, false);
            } else {
                self.popup = None;
            }
        } else if self
            .popup
            .as_ref()
            .is_some_and(|p| p.completion.replace.end != cursor)
        {
            // The cursor moved away (arrows, a click).
            self.popup = None;
        }
        let clicked = self
            .popup
            .as_mut()
            .and_then(|p| p.show(ui.ctx(), self.id.with("completion"), anchor));
        if let Some(i) = clicked {
            self.accept_completion(ui.ctx(), i);
        }
    }

    /// The signature and description of a built-in under the pointer.
    fn hover_help(&self, response: &egui::Response, galley: &egui::Galley, origin: egui::Pos2) {
        if self.popup.is_some() {
            return;
        }
        let Some(pos) = response.hover_pos() else {
            return;
        };
        let c = galley.cursor_from_pos(pos - origin);
        let at = byte_index(&self.text, c.index.0);
        if let Some((_, word)) = complete::word_at(&self.text, at) {
            response.clone().on_hover_ui_at_pointer(|ui| {
                ui.label(egui::RichText::new(word.signature).monospace().strong());
                ui.label(format!("{}: {}", word.kind.label(), word.doc));
            });
        }
    }

    /// Draws the editor filling the available space.
    pub fn show(&mut self, ui: &mut Ui) -> EditorResponse {
        // The panel has no frame: without this, the gap under the find bar
        // shows the window's clear colour.
        ui.painter()
            .rect_filled(ui.max_rect(), 0.0, ui.visuals().panel_fill);
        if self.shortcuts_enabled && self.goto_line.is_none() {
            self.handle_shortcuts(ui);
        }
        self.find_bar(ui);
        self.goto_dialog(ui);
        // The popup takes its keys (Tab among them) before anything else.
        let mut accept = None;
        let popup_key = self
            .popup
            .as_mut()
            .and_then(|p| p.handle_keys(ui).map(|k| (k, p.selected)));
        let mut escaped = false;
        match popup_key {
            Some((PopupKey::Accept, i)) => accept = Some(i),
            Some((PopupKey::Close, _)) => {
                self.popup = None;
                escaped = true;
            }
            Some((PopupKey::PassOn, _)) => self.popup = None,
            None => {}
        }
        let has_focus = ui.memory(|m| m.has_focus(self.id));
        // Escape in the editor closes the find bar (the popup took its own
        // Escape above); the editor keeps the keyboard either way.
        if !escaped
            && has_focus
            && self.find.open
            && ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape))
        {
            self.close_find();
        }
        let explicit = self.shortcuts_enabled
            && ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Space));
        let commented = self.shortcuts_enabled && self.handle_toggle_comment(ui);
        // Indentation is fixed up after the TextEdit has applied this
        // frame's keys in order; only then is a copy of the text needed.
        let indents = has_focus
            && ui.input(|i| {
                !i.events.iter().any(|e| matches!(e, egui::Event::Paste(_)))
                    && i.events.iter().any(|e| match e {
                        egui::Event::Key {
                            key, pressed: true, ..
                        } => {
                            matches!(key, Key::Enter | Key::Tab)
                        }
                        egui::Event::Text(t) => t.contains('}'),
                        _ => false,
                    })
            });
        let before = indents.then(|| self.text.clone());

        let font_id = self.font_id();
        let dark = ui.visuals().dark_mode;
        let row_height = ui.fonts_mut(|f| f.row_height(&font_id));
        let char_width = ui.fonts_mut(|f| f.glyph_width(&font_id, '0'));
        let digits = self.line_count().to_string().len().max(3);
        let marker_width = row_height;
        let gutter_width = marker_width + digits as f32 * char_width + 10.0;
        let theme = crate::lang::theme::theme(self.highlighter.theme_kind());
        let background = theme
            .settings
            .background
            .map(color)
            .unwrap_or(Color32::BLACK);
        let foreground = theme
            .settings
            .foreground
            .map(color)
            .unwrap_or(Color32::GRAY);
        ui.painter()
            .rect_filled(ui.available_rect_before_wrap(), 0.0, background);

        let id = self.id;
        // A click elsewhere in this frame (the menu item that asked for the
        // editor) would take focus straight back, and egui keeps a
        // selection only in a focused editor: both wait for the next frame.
        let clicked = ui.input(|i| i.pointer.any_pressed() || i.pointer.any_released());
        let scroll_to = if self.request_focus && clicked {
            ui.ctx().request_repaint();
            None
        } else {
            if let Some(sel) = &self.pending_selection {
                let mut state = TextEdit::load_state(ui.ctx(), id).unwrap_or_default();
                state.cursor.set_char_range(Some(CCursorRange::two(
                    CCursor::new(sel.start),
                    CCursor::new(sel.end),
                )));
                TextEdit::store_state(ui.ctx(), id, state);
            }
            if std::mem::take(&mut self.request_focus) {
                ui.memory_mut(|m| m.request_focus(id));
            }
            self.pending_selection.take()
        };
        let viewport_height = ui.available_height();
        let key_base = (self.diagnostics_revision, self.font_size.to_bits());

        let output = egui::ScrollArea::vertical()
            .id_salt("dscope-editor-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    let gutter_left = ui.cursor().min.x;
                    ui.allocate_exact_size(vec2(gutter_width, row_height), Sense::hover());
                    let current_line_bg = ui.painter().add(egui::Shape::Noop);
                    let matches_bg = ui.painter().add(egui::Shape::Noop);
                    // Fill the viewport, so clicks below the last line land
                    // in the editor and the background is the editor's.
                    let fill = vec2(ui.available_width(), viewport_height);

                    let Editor {
                        text,
                        highlighter,
                        diagnostics,
                        job_cache,
                        ..
                    } = &mut *self;
                    let mut layouter = |ui: &Ui, buf: &dyn egui::TextBuffer, wrap_width: f32| {
                        highlighter.update(buf.as_str());
                        let key = (
                            highlighter.revision(),
                            key_base.0,
                            key_base.1,
                            highlighter.theme_kind(),
                        );
                        if job_cache.as_ref().is_none_or(|c| c.key != key) {
                            *job_cache = Some(JobCache {
                                key,
                                job: build_layout_job(highlighter, diagnostics, &font_id, dark),
                            });
                        }
                        let mut job = job_cache.as_ref().expect("filled above").job.clone();
                        job.wrap.max_width = wrap_width;
                        ui.fonts_mut(|f| f.layout_job(job))
                    };
                    let output = TextEdit::multiline(text)
                        .id(id)
                        .font(font_id.clone())
                        .frame(egui::Frame::NONE)
                        .margin(egui::Margin::symmetric(4, 2))
                        .desired_width(fill.x)
                        .min_size(fill)
                        .event_filter(egui::EventFilter {
                            tab: true,
                            horizontal_arrows: true,
                            vertical_arrows: true,
                            // Escape belongs to the popup and the find bar;
                            // it must never take the keyboard away from the
                            // text, or what is typed next is lost.
                            escape: true,
                        })
                        .layouter(&mut layouter)
                        .show(ui);
                    output
                        .response
                        .response
                        .clone()
                        .accessible_name("D script editor");
                    let output_rect = output.response.rect;
                    let gutter = Rect::from_x_y_ranges(
                        gutter_left..=gutter_left + gutter_width,
                        output_rect.y_range(),
                    );
                    let gutter_response = ui.interact(gutter, id.with("gutter"), Sense::hover());
                    (output, gutter, gutter_response, current_line_bg, matches_bg)
                })
                .inner
            });
        let viewport = output.inner_rect;
        let (output, gutter, gutter_response, current_line_bg, matches_bg) = output.inner;
        let changed = commented || output.response.changed();
        if let (Some(before), true, Some(range)) =
            (before, output.response.changed(), output.cursor_range)
            && let Some(typed) = crate::lang::indent::after_typing(
                &before,
                &self.text,
                range.primary.index.0,
                self.tab_width,
            )
        {
            self.text = typed.text;
            let mut state = TextEdit::load_state(ui.ctx(), id).unwrap_or_default();
            state
                .cursor
                .set_char_range(Some(CCursorRange::one(CCursor::new(typed.cursor))));
            TextEdit::store_state(ui.ctx(), id, state);
            // The galley drawn this frame is of the text before; draw again.
            ui.ctx().request_repaint();
        }
        if changed {
            self.text_changed();
        }
        let galley = output.galley.clone();
        let origin = output.galley_pos;
        let painter = ui
            .painter()
            .with_clip_rect(viewport.intersect(ui.clip_rect()));

        // The cursor's row, its line and column.
        // The stored cursor, not `output.cursor_range`: that is empty while
        // another widget (the find bar) has focus.
        if let Some(r) = output.cursor_range
            && output.response.has_focus()
        {
            let r = r.as_sorted_char_range();
            self.selection_memo = Some((self.text_revision, r.start.0..r.end.0));
        }
        let cursor = output.state.cursor.char_range().map(|r| r.primary);
        if let Some(c) = cursor {
            let row = galley.pos_from_cursor(c).translate(origin.to_vec2());
            let band =
                Rect::from_x_y_ranges(gutter.left()..=output.response.rect.right(), row.y_range());
            let tint = if dark {
                Color32::from_white_alpha(14)
            } else {
                Color32::from_black_alpha(12)
            };
            painter.set(current_line_bg, egui::Shape::rect_filled(band, 0.0, tint));
            if self.cursor_computed_for != (self.text_revision, c.index.0) {
                self.cursor_computed_for = (self.text_revision, c.index.0);
                self.cursor_line_col = line_col(&self.text, c.index.0);
            }
            if let Some(sel) = &scroll_to {
                let target = galley
                    .pos_from_cursor(CCursor::new(sel.start))
                    .translate(origin.to_vec2());
                ui.scroll_to_rect(target.expand(row_height), Some(Align::Center));
            }
            self.completion_step(ui, c.index.0, changed, explicit, accept, row.left_bottom());
        }
        self.hover_help(&output.response.response, &galley, origin);
        if self.find.open {
            self.refresh_matches();
            let visible = viewport.intersect(ui.clip_rect());
            let mut shapes = Vec::new();
            for (i, m) in self.find.matches.iter().enumerate() {
                let a = galley
                    .pos_from_cursor(CCursor::new(char_index(&self.text, m.start)))
                    .translate(origin.to_vec2());
                if a.top() > visible.bottom() {
                    break;
                }
                let b = galley
                    .pos_from_cursor(CCursor::new(char_index(&self.text, m.end)))
                    .translate(origin.to_vec2());
                if b.bottom() < visible.top() {
                    continue;
                }
                let fill = if Some(i) == self.find.current {
                    Color32::from_rgba_unmultiplied(255, 190, 0, 150)
                } else {
                    Color32::from_rgba_unmultiplied(255, 190, 0, 60)
                };
                // A match that wraps is drawn on both of its rows.
                if (a.top() - b.top()).abs() < 1.0 {
                    shapes.push(egui::Shape::rect_filled(
                        Rect::from_x_y_ranges(a.left()..=b.left(), a.y_range()),
                        2.0,
                        fill,
                    ));
                } else {
                    let right = output.response.rect.right();
                    shapes.push(egui::Shape::rect_filled(
                        Rect::from_x_y_ranges(a.left()..=right, a.y_range()),
                        2.0,
                        fill,
                    ));
                    shapes.push(egui::Shape::rect_filled(
                        Rect::from_x_y_ranges(origin.x..=b.left(), b.y_range()),
                        2.0,
                        fill,
                    ));
                }
            }
            painter.set(matches_bg, egui::Shape::Vec(shapes));
        }

        // Gutter: line numbers at the first row of each line, markers for
        // diagnostics.
        let gutter_font = FontId::monospace(self.font_size * 0.9);
        let visible = ui.clip_rect();
        let current_line = self.cursor_line_col.0;
        let mut line = 1;
        let mut line_starts = true;
        let mut hovered_line = None;
        let pointer = ui.input(|i| i.pointer.hover_pos());
        for placed in &galley.rows {
            let rect = placed.rect().translate(origin.to_vec2());
            if line_starts && rect.bottom() >= visible.top() && rect.top() <= visible.bottom() {
                let number_color = if line == current_line {
                    foreground
                } else {
                    foreground.gamma_multiply(0.45)
                };
                painter.text(
                    pos2(gutter.right() - 8.0, rect.center().y),
                    egui::Align2::RIGHT_CENTER,
                    line.to_string(),
                    gutter_font.clone(),
                    number_color,
                );
                if let Some(d) = self
                    .diagnostics
                    .iter()
                    .find(|d| d.is_on_script_line() && d.line == line)
                {
                    let c = pos2(gutter.left() + marker_width * 0.5, rect.center().y);
                    painter.circle_filled(c, row_height * 0.28, diagnostic_color(d.severity, dark));
                }
                if let Some(p) = pointer
                    && gutter_response.hovered()
                    && p.y >= rect.top()
                    && p.y < rect.bottom()
                {
                    hovered_line = Some(line);
                }
            }
            line_starts = placed.ends_with_newline;
            if line_starts {
                line += 1;
            }
        }
        painter.vline(
            gutter.right() - 2.0,
            gutter.y_range(),
            Stroke::new(1.0, foreground.gamma_multiply(0.15)),
        );

        // Tooltips: the gutter marker, or the underlined text itself.
        if hovered_line.is_none()
            && output.response.hovered()
            && !self.diagnostics.is_empty()
            && let Some(p) = pointer
        {
            let c = galley.cursor_from_pos(p - origin);
            let (l, col) = line_col(&self.text, c.index.0);
            hovered_line = self
                .diagnostics
                .iter()
                .find(|d| {
                    d.is_on_script_line()
                        && d.line == l
                        && d.columns.as_ref().is_none_or(|r| r.contains(&(col - 1)))
                })
                .map(|d| d.line);
        }
        if let Some(l) = hovered_line {
            let messages: Vec<String> = self
                .diagnostics
                .iter()
                .filter(|d| d.is_on_script_line() && d.line == l)
                .map(|d| match &d.tag {
                    Some(tag) => format!("{}: {} [{tag}]", d.severity.label(), d.message),
                    None => format!("{}: {}", d.severity.label(), d.message),
                })
                .collect();
            if !messages.is_empty() {
                // At the pointer: the gutter is as tall as the text, and a
                // tooltip placed by its rect lands far below, over the tabs.
                let text = messages.join("\n");
                egui::Tooltip::always_open(
                    ui.ctx().clone(),
                    ui.layer_id(),
                    id.with("diagnostic-tip"),
                    egui::PopupAnchor::Pointer,
                )
                .show(|ui| ui.label(text));
            }
        }

        EditorResponse { changed }
    }
}

/// The highlighted text as an egui layout: theme colours, italics and
/// underlines from the highlighter, and diagnostic underlines on top.
pub fn build_layout_job(
    highlighter: &IncrementalHighlighter,
    diagnostics: &[Diagnostic],
    font_id: &FontId,
    dark: bool,
) -> LayoutJob {
    use syntect::highlighting::FontStyle;
    let theme = crate::lang::theme::theme(highlighter.theme_kind());
    let background = theme.settings.background.map(color);
    let mut job = LayoutJob::default();
    for (index, (line, spans)) in highlighter.lines().enumerate() {
        let underline = diagnostics
            .iter()
            .find(|d| d.is_on_script_line() && d.line == index + 1)
            .map(|d| {
                (
                    underline_range(line, d),
                    Stroke::new(1.5, diagnostic_color(d.severity, dark)),
                )
            });
        for span in spans {
            let style = span.style;
            let mut format = TextFormat {
                font_id: font_id.clone(),
                color: color(style.foreground),
                italics: style.font_style.contains(FontStyle::ITALIC),
                ..Default::default()
            };
            if style.font_style.contains(FontStyle::UNDERLINE) {
                format.underline = Stroke::new(1.0, format.color);
            }
            if Some(color(style.background)) != background {
                format.background = color(style.background);
            }
            let mut cuts = vec![span.range.start, span.range.end];
            if let Some((r, _)) = &underline {
                cuts.extend(
                    [r.start, r.end]
                        .into_iter()
                        .filter(|b| span.range.start < *b && *b < span.range.end),
                );
            }
            cuts.sort_unstable();
            for w in cuts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let mut f = format.clone();
                if let Some((r, stroke)) = &underline
                    && a >= r.start
                    && b <= r.end
                {
                    f.underline = *stroke;
                }
                job.append(&line[a..b], 0.0, f);
            }
        }
    }
    job
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_is_case_aware_and_non_overlapping() {
        assert_eq!(find_matches("aaaa", "aa", true), vec![0..2, 2..4]);
        assert_eq!(find_matches("Count count COUNT", "count", false).len(), 3);
        assert_eq!(
            find_matches("Count count COUNT", "count", true),
            vec![6..11]
        );
        assert!(find_matches("abc", "", false).is_empty());
        // Non-ASCII text keeps byte ranges on char boundaries.
        let t = "größe GRÖSSE größe";
        for r in find_matches(t, "GRÖ", false) {
            assert!(t.is_char_boundary(r.start) && t.is_char_boundary(r.end));
            assert_eq!(t[r].to_lowercase(), "grö");
        }
    }

    #[test]
    fn line_arithmetic() {
        let t = "ab\ncdé\n\nx";
        assert_eq!(line_start(t, 1), 0);
        assert_eq!(line_start(t, 2), 3);
        assert_eq!(line_start(t, 4), 9);
        assert_eq!(line_start(t, 99), 9, "clamped to the last line");
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 4));
        assert_eq!(line_col(t, 8), (4, 1));
        assert_eq!(byte_index(t, 6), 7);
        assert_eq!(char_index(t, 7), 6);
    }

    #[test]
    fn underline_covers_columns_or_the_trimmed_line() {
        let d = Diagnostic::error(1, "x");
        assert_eq!(underline_range("   foo bar  \n", &d), 3..10);
        let d = Diagnostic::error(1, "x").with_columns(4..7);
        assert_eq!(underline_range("é = count;\n", &d), 5..8);
    }

    #[test]
    fn layout_underlines_exactly_the_diagnostic_columns() {
        let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
        h.update("BEGIN\n{ x = y; }\n");
        let d = vec![Diagnostic::error(2, "bad").with_columns(2..3)];
        let job = build_layout_job(&h, &d, &FontId::monospace(14.0), true);
        let underlined: String = job
            .sections
            .iter()
            .filter(|s| s.format.underline.width > 1.0)
            .map(|s| &job.text[s.byte_range.start.0..s.byte_range.end.0])
            .collect();
        assert_eq!(underlined, "x");
        assert_eq!(job.text, "BEGIN\n{ x = y; }\n");
    }
}
