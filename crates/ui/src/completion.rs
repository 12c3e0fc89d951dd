//! The completion popup under the editor's cursor: a list of candidates
//! with their kind, and the signature and description of the selected one.
//! Up/Down choose; Escape closes. Enter and Tab accept only a popup the
//! person asked for (Ctrl+Space) or moved in: a popup that opened by itself
//! while typing must never eat the Enter that was meant to end the line.

use crate::lang::complete::Completion;
use egui::{Id, Key, Modifiers, Order, Pos2, RichText, Ui};

/// What a key did to the open popup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopupKey {
    Accept,
    /// Escape: the popup closes and the key goes no further.
    Close,
    /// Enter or Tab in a popup nobody chose from: the popup closes and the
    /// key goes on to the text (a new line, an indent).
    PassOn,
}

#[derive(Debug, Clone)]
pub struct Popup {
    pub completion: Completion,
    pub selected: usize,
    /// Opened with Ctrl+Space.
    pub explicit: bool,
    /// The person moved the selection (arrows, page keys).
    pub moved: bool,
}

/// Rows shown before the list scrolls.
const VISIBLE_ROWS: f32 = 10.0;

impl Popup {
    pub fn new(completion: Completion, explicit: bool) -> Popup {
        Popup {
            completion,
            selected: 0,
            explicit,
            moved: false,
        }
    }

    /// Whether Enter and Tab accept the selected item.
    pub fn accepts_keys(&self) -> bool {
        self.explicit || self.moved
    }

    /// Takes the popup's keys before the text editor sees them.
    pub fn handle_keys(&mut self, ui: &Ui) -> Option<PopupKey> {
        let n = self.completion.items.len();
        let accepts = self.accepts_keys();
        ui.input_mut(|i| {
            if i.consume_key(Modifiers::NONE, Key::ArrowDown) {
                self.selected = (self.selected + 1) % n.max(1);
                self.moved = true;
            }
            if i.consume_key(Modifiers::NONE, Key::ArrowUp) {
                self.selected = (self.selected + n.max(1) - 1) % n.max(1);
                self.moved = true;
            }
            if i.consume_key(Modifiers::NONE, Key::PageDown) {
                self.selected = (self.selected + VISIBLE_ROWS as usize).min(n.saturating_sub(1));
                self.moved = true;
            }
            if i.consume_key(Modifiers::NONE, Key::PageUp) {
                self.selected = self.selected.saturating_sub(VISIBLE_ROWS as usize);
                self.moved = true;
            }
            let enter_or_tab =
                i.key_pressed(Key::Enter) || (i.key_pressed(Key::Tab) && !i.modifiers.any());
            if enter_or_tab && !accepts {
                Some(PopupKey::PassOn)
            } else if i.consume_key(Modifiers::NONE, Key::Enter)
                || i.consume_key(Modifiers::NONE, Key::Tab)
            {
                Some(PopupKey::Accept)
            } else if i.consume_key(Modifiers::NONE, Key::Escape) {
                Some(PopupKey::Close)
            } else {
                None
            }
        })
    }

    /// Draws the popup with its top left at `at`; returns a clicked item.
    pub fn show(&mut self, ctx: &egui::Context, id: Id, at: Pos2) -> Option<usize> {
        let mut clicked = None;
        egui::Area::new(id)
            .order(Order::Foreground)
            .fixed_pos(at)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(520.0);
                    let row = ui.text_style_height(&egui::TextStyle::Monospace) + 4.0;
                    egui::ScrollArea::vertical()
                        .id_salt("completion-list")
                        .max_height(row * VISIBLE_ROWS)
                        .show(ui, |ui| {
                            for (i, item) in self.completion.items.iter().enumerate() {
                                let selected = i == self.selected;
                                let r = ui.horizontal(|ui| {
                                    let r = ui.add(egui::Button::selectable(
                                        selected,
                                        RichText::new(&item.insert).monospace(),
                                    ));
                                    ui.weak(item.kind.label());
                                    r
                                });
                                if selected {
                                    r.response.scroll_to_me(None);
                                }
                                if r.inner.clicked() {
                                    clicked = Some(i);
                                }
                            }
                        });
                    ui.weak(if self.accepts_keys() {
                        "Enter or Tab takes it · Esc closes"
                    } else {
                        "Up/Down to choose · Esc closes · Enter is a new line"
                    });
                    if let Some(item) = self.completion.items.get(self.selected)
                        && (item.signature != item.insert || !item.doc.is_empty())
                    {
                        ui.separator();
                        ui.label(RichText::new(&item.signature).monospace().strong());
                        if !item.doc.is_empty() {
                            ui.label(&item.doc);
                        }
                    }
                });
            });
        clicked
    }
}
