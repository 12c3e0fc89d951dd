//! One frame of the editor: the keys it takes before egui's `TextEdit`
//! sees them, the `TextEdit` with the highlighted layout in its scroll
//! area, and then, with the text laid out, the current line, the cursor's
//! place, completion and hover help. The steps keep their order: each
//! relies on what the one before did to this frame's input or layout.

use super::layout::{JobCache, build_layout_job, color};
use super::text::line_col;
use super::{Editor, EditorResponse};
use crate::commands::Command;
use crate::completion::PopupKey;
use egui::layers::ShapeIdx;
use egui::text::{CCursor, CCursorRange};
use egui::text_edit::TextEditOutput;
use egui::{Align, Color32, FontId, Key, Modifiers, Painter, Rect, Sense, TextEdit, Ui, vec2};
use std::ops::Range;

/// The keys the editor takes this frame before the `TextEdit` sees them.
struct Keys {
    /// The completion the popup accepted, by index.
    accept: Option<usize>,
    /// Completion was asked for (Ctrl+Space).
    explicit: bool,
    /// Lines were commented or uncommented (Ctrl+/).
    commented: bool,
    /// The text before this frame's typing, when that typing may need
    /// its indentation fixed.
    before: Option<String>,
}

/// The sizes and colours a frame is drawn with.
pub(super) struct Look {
    pub(super) font_id: FontId,
    pub(super) dark: bool,
    pub(super) row_height: f32,
    pub(super) marker_width: f32,
    pub(super) gutter_width: f32,
    pub(super) foreground: Color32,
    background: Color32,
}

/// What laying out the text left for painting around it.
pub(super) struct Laid {
    /// The scroll area's visible rectangle.
    pub(super) viewport: Rect,
    pub(super) output: TextEditOutput,
    pub(super) gutter: Rect,
    pub(super) gutter_response: egui::Response,
    /// Places reserved under the text, filled once the text is laid out.
    current_line_bg: ShapeIdx,
    pub(super) matches_bg: ShapeIdx,
}

impl Editor {
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
        let keys = self.take_keys(ui);
        let look = self.look(ui);
        ui.painter()
            .rect_filled(ui.available_rect_before_wrap(), 0.0, look.background);
        let scroll_to = self.apply_pending_selection(ui);
        let laid = self.text_area(ui, &look);
        let changed = keys.commented || laid.output.response.changed();
        self.fix_indentation(ui, keys.before, &laid.output);
        if changed {
            self.text_changed();
        }
        let painter = ui
            .painter()
            .with_clip_rect(laid.viewport.intersect(ui.clip_rect()));
        self.remember_selection(&laid.output);
        // The stored cursor, not `output.cursor_range`: that is empty while
        // another widget (the find bar) has focus.
        let cursor = laid.output.state.cursor.char_range().map(|r| r.primary);
        if let Some(c) = cursor {
            let row = self.cursor_line(ui, &painter, &laid, &look, c, scroll_to);
            let (explicit, accept) = (keys.explicit, keys.accept);
            self.completion_step(ui, c.index.0, changed, explicit, accept, row.left_bottom());
        }
        let output = &laid.output;
        self.hover_help(&output.response.response, &output.galley, output.galley_pos);
        if self.find.open {
            self.paint_matches(ui, &painter, &laid);
        }
        let hovered_line = self.paint_gutter(ui, &painter, &laid, &look);
        self.diagnostic_tooltip(ui, &laid, hovered_line);
        EditorResponse { changed }
    }

    fn handle_shortcuts(&mut self, ui: &Ui) {
        if pressed(ui, Command::Find) {
            // Start the search from the selection, as editors do.
            if let Some(sel) = self.selected_text(ui.ctx())
                && !sel.contains('\n')
                && !sel.is_empty()
            {
                self.find.query = sel;
            }
            self.open_find();
        }
        if pressed(ui, Command::GoToLine) {
            self.open_goto_line();
        }
        if pressed(ui, Command::Replace) {
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

    /// Takes this frame's keys that are not the `TextEdit`'s: the popup's
    /// first, then Escape for the find bar, Ctrl+Space and Ctrl+/; and
    /// keeps the text when this frame's typing may need indenting.
    fn take_keys(&mut self, ui: &Ui) -> Keys {
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
        let explicit = self.shortcuts_enabled && pressed(ui, Command::Complete);
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
        Keys {
            accept,
            explicit,
            commented,
            before: indents.then(|| self.text.clone()),
        }
    }

    fn look(&self, ui: &Ui) -> Look {
        let font_id = self.font_id();
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
        Look {
            font_id,
            dark: ui.visuals().dark_mode,
            row_height,
            marker_width,
            gutter_width,
            foreground,
            background,
        }
    }

    /// Hands a pending selection and focus to the `TextEdit`; returns the
    /// selection to scroll to.
    fn apply_pending_selection(&mut self, ui: &Ui) -> Option<Range<usize>> {
        let id = self.id;
        // A click elsewhere in this frame (the menu item that asked for the
        // editor) would take focus straight back, and egui keeps a
        // selection only in a focused editor: both wait for the next frame.
        let clicked = ui.input(|i| i.pointer.any_pressed() || i.pointer.any_released());
        if self.refocus_frames > 0 {
            self.refocus_frames -= 1;
            if ui.memory(|m| m.has_focus(id)) {
                self.refocus_frames = 0;
            } else {
                ui.memory_mut(|m| m.request_focus(id));
                ui.ctx().request_repaint();
            }
        }
        if self.request_focus && clicked {
            ui.ctx().request_repaint();
            return None;
        }
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
    }

    /// The `TextEdit` with the highlighted layout, in its scroll area
    /// beside the gutter's room, over places kept for the current line's
    /// and the matches' backgrounds.
    fn text_area(&mut self, ui: &mut Ui, look: &Look) -> Laid {
        let id = self.id;
        let viewport_height = ui.available_height();
        let key_base = (self.diagnostics_revision, self.font_size.to_bits());
        let (font_id, dark, gutter_width) = (&look.font_id, look.dark, look.gutter_width);
        let output = egui::ScrollArea::vertical()
            .id_salt("dscope-editor-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.spacing_mut().item_spacing.x = 0.0;
                    let gutter_left = ui.cursor().min.x;
                    ui.allocate_exact_size(vec2(gutter_width, look.row_height), Sense::hover());
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
                                job: build_layout_job(highlighter, diagnostics, font_id, dark),
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
        Laid {
            viewport,
            output,
            gutter,
            gutter_response,
            current_line_bg,
            matches_bg,
        }
    }

    /// Indents after Enter or Tab, and outdents a typed `}`, once the
    /// `TextEdit` has applied this frame's keys; `before` is the text
    /// before them.
    fn fix_indentation(&mut self, ui: &Ui, before: Option<String>, output: &TextEditOutput) {
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
            let mut state = TextEdit::load_state(ui.ctx(), self.id).unwrap_or_default();
            state
                .cursor
                .set_char_range(Some(CCursorRange::one(CCursor::new(typed.cursor))));
            TextEdit::store_state(ui.ctx(), self.id, state);
            // The galley drawn this frame is of the text before; draw again.
            ui.ctx().request_repaint();
        }
    }

    fn remember_selection(&mut self, output: &TextEditOutput) {
        if let Some(r) = output.cursor_range
            && output.response.has_focus()
        {
            let r = r.as_sorted_char_range();
            self.selection_memo = Some((self.text_revision, r.start.0..r.end.0));
        }
    }

    /// The cursor's row: its band behind the text, its line and column
    /// for the status bar, and scrolled to when `scroll_to` asks. Returns
    /// the row on screen.
    fn cursor_line(
        &mut self,
        ui: &Ui,
        painter: &Painter,
        laid: &Laid,
        look: &Look,
        c: CCursor,
        scroll_to: Option<Range<usize>>,
    ) -> Rect {
        let (galley, origin) = (&laid.output.galley, laid.output.galley_pos);
        let row = galley.pos_from_cursor(c).translate(origin.to_vec2());
        let band = Rect::from_x_y_ranges(
            laid.gutter.left()..=laid.output.response.rect.right(),
            row.y_range(),
        );
        let tint = if look.dark {
            Color32::from_white_alpha(14)
        } else {
            Color32::from_black_alpha(12)
        };
        painter.set(
            laid.current_line_bg,
            egui::Shape::rect_filled(band, 0.0, tint),
        );
        if self.cursor_computed_for != (self.text_revision, c.index.0) {
            self.cursor_computed_for = (self.text_revision, c.index.0);
            self.cursor_line_col = line_col(&self.text, c.index.0);
        }
        if let Some(sel) = &scroll_to {
            let target = galley
                .pos_from_cursor(CCursor::new(sel.start))
                .translate(origin.to_vec2());
            ui.scroll_to_rect(target.expand(look.row_height), Some(Align::Center));
        }
        row
    }
}

/// Whether `command`'s key (from the command table) was pressed, taking
/// it: the editor answers the keys Help lists for its commands.
pub(super) fn pressed(ui: &Ui, command: Command) -> bool {
    command
        .key()
        .is_some_and(|key| ui.input_mut(|i| i.consume_shortcut(&key)))
}
