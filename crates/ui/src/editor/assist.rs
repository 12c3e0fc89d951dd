//! Help while typing: the completion popup (what opens, refreshes, closes
//! and accepts it) and the description of a built-in under the pointer.
//! The candidates come from `lang::complete`; this decides when to ask.

use super::Editor;
use super::text::{byte_index, char_index};
use crate::completion::Popup;
use crate::lang::complete::{self, Completion, Place};
use crate::model::Probe;
use egui::Ui;
use std::sync::Arc;

impl Editor {
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

    /// Opens, refreshes, closes or accepts completion after this frame's
    /// typing, and draws the popup under the cursor at `anchor`.
    pub(super) fn completion_step(
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
    pub(super) fn hover_help(
        &self,
        response: &egui::Response,
        galley: &egui::Galley,
        origin: egui::Pos2,
    ) {
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
}
