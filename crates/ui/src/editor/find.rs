//! Find and replace: the bar above the text (Ctrl+F, Ctrl+H), the
//! matches it steps through, and their highlights over the text. The
//! matches are kept per text revision and query, so an idle frame with
//! the bar open searches nothing.

use super::Editor;
use super::text::{byte_index, char_index, find_matches};
use super::view::Laid;
use egui::text::CCursor;
use egui::{Color32, Id, Key, Painter, Rect, TextEdit, Ui};
use std::ops::Range;

/// Find-bar state.
#[derive(Default)]
pub(super) struct Find {
    pub(super) open: bool,
    pub(super) query: String,
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

impl Editor {
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

    pub fn find_is_open(&self) -> bool {
        self.find.open
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

    pub(super) fn find_bar(&mut self, ui: &mut Ui) {
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

    /// Highlights the matches in view behind the text, the current one
    /// stronger.
    pub(super) fn paint_matches(&mut self, ui: &Ui, painter: &Painter, laid: &Laid) {
        self.refresh_matches();
        let (galley, origin) = (&laid.output.galley, laid.output.galley_pos);
        let visible = laid.viewport.intersect(ui.clip_rect());
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
                let right = laid.output.response.rect.right();
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
        painter.set(laid.matches_bg, egui::Shape::Vec(shapes));
    }
}
