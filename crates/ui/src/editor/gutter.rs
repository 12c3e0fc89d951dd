//! The gutter left of the text: line numbers at the first row of each
//! line, a marker for each line with a diagnostic, and the diagnostics'
//! messages as a tooltip over the marker or the underlined text. Painted
//! after the text is laid out, from the rows of its galley, so wrapped
//! lines are numbered once.

use super::Editor;
use super::layout::diagnostic_color;
use super::text::line_col;
use super::view::{Laid, Look};
use egui::{FontId, Painter, Stroke, Ui, pos2};

impl Editor {
    /// Paints the gutter; returns the line whose number or marker is under
    /// the pointer.
    pub(super) fn paint_gutter(
        &self,
        ui: &Ui,
        painter: &Painter,
        laid: &Laid,
        look: &Look,
    ) -> Option<usize> {
        let (galley, origin, gutter) = (&laid.output.galley, laid.output.galley_pos, laid.gutter);
        let gutter_font = FontId::monospace(self.font_size * 0.9);
        let visible = ui.clip_rect();
        let current_line = self.cursor_line_col.0;
        let mut line = 1;
        let mut line_starts = true;
        let mut hovered_line = None;
        let pointer = ui.input(|i| i.pointer.hover_pos());
        for placed in &galley.rows {
            let mut rect = placed.rect().translate(origin.to_vec2());
            // The row of an empty text has no glyph to give it height: it
            // is a line of the editor's font all the same.
            rect.max.y = rect.max.y.max(rect.min.y + look.row_height);
            if line_starts && rect.bottom() >= visible.top() && rect.top() <= visible.bottom() {
                let number_color = if line == current_line {
                    look.foreground
                } else {
                    look.foreground.gamma_multiply(0.45)
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
                    let c = pos2(gutter.left() + look.marker_width * 0.5, rect.center().y);
                    let color = diagnostic_color(d.severity, look.dark);
                    painter.circle_filled(c, look.row_height * 0.28, color);
                }
                if let Some(p) = pointer
                    && laid.gutter_response.hovered()
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
            Stroke::new(1.0, look.foreground.gamma_multiply(0.15)),
        );
        hovered_line
    }

    /// The messages of the diagnostics on `hovered_line` (the gutter's),
    /// or else on the underlined text under the pointer, as a tooltip.
    pub(super) fn diagnostic_tooltip(&self, ui: &Ui, laid: &Laid, mut hovered_line: Option<usize>) {
        let output = &laid.output;
        let pointer = ui.input(|i| i.pointer.hover_pos());
        if hovered_line.is_none()
            && output.response.hovered()
            && !self.diagnostics.is_empty()
            && let Some(p) = pointer
        {
            let c = output.galley.cursor_from_pos(p - output.galley_pos);
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
        let Some(l) = hovered_line else { return };
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
                self.id.with("diagnostic-tip"),
                egui::PopupAnchor::Pointer,
            )
            .show(|ui| ui.label(text));
        }
    }
}
