//! Changes made to the text from outside egui's `TextEdit` (menus,
//! completion, find and replace, Ctrl+/): each is one step in the
//! `TextEdit`'s own undo history, so Undo takes back every edit alike,
//! and the selection these commands act on survives a menu taking the
//! keyboard.

use super::Editor;
use super::text::{byte_index, char_index};
use egui::text::{CCursor, CCursorRange};
use egui::{TextEdit, Ui};
use std::ops::Range;

impl Editor {
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

    /// Replaces the whole text as one undoable edit (a change made for the
    /// user, such as the Watch tab's rules).
    pub fn replace_whole(&mut self, ctx: &egui::Context, text: &str) {
        let chars = self.text.chars().count();
        self.replace_chars(ctx, 0..chars, text);
    }

    /// Replaces characters `range` with `snippet` as one undoable edit and
    /// puts the cursor after it.
    pub(super) fn replace_chars(
        &mut self,
        ctx: &egui::Context,
        range: Range<usize>,
        snippet: &str,
    ) {
        let bytes = byte_index(&self.text, range.start)..byte_index(&self.text, range.end);
        let at = range.start + snippet.chars().count();
        self.edit(ctx, bytes, snippet, at..at);
        self.text_changed();
        self.pending_selection = Some(at..at);
        self.request_focus = true;
        ctx.request_repaint();
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

    /// Replaces bytes `range` of the text with `insert` as one undoable
    /// step and selects chars `select` (cursor there when empty). For edits
    /// made before the TextEdit draws, so it shows them this frame.
    pub(super) fn edit(
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
    pub(super) fn handle_toggle_comment(&mut self, ui: &Ui) -> bool {
        let has_focus = ui.memory(|m| m.has_focus(self.id));
        if !has_focus || !super::view::pressed(ui, crate::commands::Command::ToggleComment) {
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

    /// The selected text ("" for none).
    pub fn selected_text(&self, ctx: &egui::Context) -> Option<String> {
        let (_, bytes) = self.selection(ctx);
        Some(self.text[bytes].to_owned())
    }
}
