//! The D script editor: an egui `TextEdit` with syntect highlighting, a
//! line-number gutter with diagnostic markers, current-line highlight,
//! find (Ctrl+F), go to line (Ctrl+G) and tab-to-spaces.
//!
//! Highlighting is incremental ([`IncrementalHighlighter`]) and the laid-out
//! galley is cached per text revision, so an idle frame or a cursor move
//! costs no re-highlighting at all.
//!
//! The editor's state and its public face are here; each part of what it
//! does lives in a module of its own: the text arithmetic, the
//! highlighted layout, find and replace, edits made outside egui's
//! `TextEdit`, completion and hover help, and the frame's drawing (the
//! `TextEdit` itself, then the gutter around it).

mod assist;
mod edit;
mod find;
mod gutter;
mod layout;
mod text;
mod view;

use crate::completion::Popup;
use crate::lang::highlight::IncrementalHighlighter;
use crate::lang::theme::ThemeKind;
use crate::model::{Diagnostic, Probe};
use egui::text::{CCursor, CCursorRange};
use egui::{FontId, Id, Key, Modifiers, TextEdit, Ui};
use find::Find;
use layout::JobCache;
use std::ops::Range;
use std::sync::Arc;

pub use layout::{build_layout_job, diagnostic_color};
pub use text::{byte_index, char_index, find_matches, line_col, line_start};

/// What happened in the editor this frame.
#[derive(Default, Debug, Clone, Copy)]
pub struct EditorResponse {
    /// The text changed (typing, paste, undo, tab...).
    pub changed: bool,
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
    /// Frames left to take the keyboard back after a modal of the
    /// editor's (Go to line) closed: egui refuses focus below a modal for
    /// as long as it is still fading out.
    refocus_frames: u8,
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
            refocus_frames: 0,
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

    /// Ends the text with a newline if it has text and none: what a file
    /// of lines ends with, and what `cat`, diffs and compilers expect. The
    /// cursor stays where it is.
    pub fn end_with_newline(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
            self.text_changed();
        }
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

    pub fn cursor_line_col(&self) -> (usize, usize) {
        self.cursor_line_col
    }

    pub fn line_count(&self) -> usize {
        self.line_count
    }

    pub fn open_goto_line(&mut self) {
        self.goto_line = Some(String::new());
    }

    fn font_id(&self) -> FontId {
        FontId::monospace(self.font_size)
    }

    /// Gives the editor the keyboard (after a menu, say).
    pub fn focus(&mut self) {
        self.request_focus = true;
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
        } else {
            self.request_focus = true;
            self.refocus_frames = 10;
        }
    }
}

#[cfg(test)]
mod tests;
