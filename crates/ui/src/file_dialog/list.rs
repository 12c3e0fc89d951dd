//! The browser's file list: sortable headings, then a row per entry with
//! its size and time, of which only the rows in view are laid out, since
//! a folder may hold thousands of files. The list takes the keyboard as
//! one widget, so the arrows move in it rather than between widgets.

use super::FileBrowser;
use super::browser::{Entry, SortBy};
use super::human_size;
use egui::{
    Align2, EventFilter, FontId, Id, Rect, Role, Sense, TextStyle, Ui, WidgetInfo, pos2, vec2,
};
use std::path::PathBuf;

const ROW_HEIGHT: f32 = 18.0;
const LIST_HEIGHT: f32 = 300.0;
const SIZE_WIDTH: f32 = 80.0;
const MODIFIED_WIDTH: f32 = 130.0;

pub(super) fn list_id() -> Id {
    Id::unique("dscope-file-browser-list")
}

impl FileBrowser {
    /// The headings and the rows; returns a file chosen by double click
    /// or Enter.
    pub(super) fn file_list(&mut self, ui: &mut Ui) -> Option<PathBuf> {
        let mut pick = None;
        let focused = ui.memory(|m| m.has_focus(list_id()));
        if focused {
            // The arrows move in the list, not between widgets.
            ui.memory_mut(|m| {
                m.set_focus_lock_filter(
                    list_id(),
                    EventFilter {
                        vertical_arrows: true,
                        horizontal_arrows: true,
                        ..EventFilter::default()
                    },
                )
            });
            pick = self.list_keys(ui);
        }
        let width = ui.available_width();
        let name_width = width - SIZE_WIDTH - MODIFIED_WIDTH;
        self.headings(ui, width, name_width);
        // Indices, not copies: a folder may hold thousands of files, and
        // only the rows in view are drawn.
        let rows: Vec<usize> = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| self.is_visible(e))
            .map(|(i, _)| i)
            .collect();
        let mut enter_dir = None;
        let mut focus_list = false;
        let body = TextStyle::Body.resolve(ui.style());
        let area = self.scroll_area(ui, &rows);
        let area = area.show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            if rows.is_empty() {
                ui.weak("(no matching files here)");
            }
            for &index in &rows[range] {
                let entry = self.entries[index].clone();
                let entry = &entry;
                let r = self.row(ui, entry, name_width, &body);
                if r.clicked() {
                    focus_list = true;
                    self.selected = Some(entry.name.clone());
                    if entry.is_dir {
                        enter_dir = Some(entry.name.clone());
                    } else {
                        self.name = entry.name.clone();
                        self.confirm = None;
                    }
                }
                if r.double_clicked() && !entry.is_dir {
                    pick = Some(self.dir.join(&entry.name));
                }
            }
        });
        self.list_offset = area.state.clamped_offset().y;
        self.list_view = area.inner_rect.height();
        let list = ui.interact(area.inner_rect, list_id(), Sense::FOCUSABLE);
        list.widget_info(|| WidgetInfo::labeled(Role::ListBox, true, "Files"));
        // After the list's own interaction, which would give the focus up
        // again for a click that landed on a row rather than on it.
        if focus_list {
            list.request_focus();
        }
        if list.has_focus() {
            ui.painter().rect_stroke(
                area.inner_rect,
                2.0,
                ui.visuals().selection.stroke,
                egui::StrokeKind::Inside,
            );
        }
        if let Some(d) = enter_dir {
            self.change_dir(self.dir.join(d));
        }
        pick
    }

    /// The column headings: a click sorts by one, again reverses; the
    /// sorted one is marked with a triangle.
    fn headings(&mut self, ui: &mut Ui, width: f32, name_width: f32) {
        let (header, _) = ui.allocate_exact_size(vec2(width, ROW_HEIGHT), Sense::hover());
        let columns = [
            (SortBy::Name, "Name", header.min.x, name_width),
            (SortBy::Size, "Size", header.min.x + name_width, SIZE_WIDTH),
            (
                SortBy::Modified,
                "Modified",
                header.min.x + name_width + SIZE_WIDTH,
                MODIFIED_WIDTH,
            ),
        ];
        for (by, text, x, w) in columns {
            let rect = Rect::from_min_size(pos2(x, header.min.y), vec2(w, ROW_HEIGHT));
            // Headings line up with their cells: sizes to the right.
            let layout = if by == SortBy::Size {
                egui::Layout::right_to_left(egui::Align::Center)
            } else {
                egui::Layout::left_to_right(egui::Align::Center)
            };
            let inner = rect.shrink2(vec2(if by == SortBy::Size { 8.0 } else { 0.0 }, 0.0));
            let r = ui
                .scope_builder(
                    egui::UiBuilder::new().max_rect(inner).layout(layout),
                    |ui| ui.add(egui::Button::new(egui::RichText::new(text).strong()).frame(false)),
                )
                .inner
                .on_hover_text("Sort by this column; again to reverse");
            if r.clicked() {
                self.sort_by(by);
            }
            if self.sort == by {
                // Painted, not a widget: the heading stays named "Name".
                // A triangle rather than a glyph, which fonts may lack.
                let x = if by == SortBy::Size {
                    r.rect.left() - 6.0
                } else {
                    r.rect.right() + 6.0
                };
                let c = pos2(x, rect.center().y);
                let (tip, base) = if self.descending {
                    (3.0, -3.0)
                } else {
                    (-3.0, 3.0)
                };
                ui.painter().add(egui::Shape::convex_polygon(
                    vec![
                        pos2(c.x - 4.0, c.y + base),
                        pos2(c.x + 4.0, c.y + base),
                        pos2(c.x, c.y + tip),
                    ],
                    ui.visuals().weak_text_color(),
                    egui::Stroke::NONE,
                ));
            }
        }
    }

    /// The list's scroll area, scrolled to bring a selection moved by key
    /// into view: rows out of view are not laid out, so egui cannot.
    fn scroll_area(&mut self, ui: &Ui, rows: &[usize]) -> egui::ScrollArea {
        let reveal = std::mem::take(&mut self.reveal);
        let stride = ROW_HEIGHT + ui.spacing().item_spacing.y;
        let mut area = egui::ScrollArea::vertical()
            .id_salt("file-list")
            .max_height(LIST_HEIGHT)
            .auto_shrink([false, false]);
        let at = self
            .selected
            .as_ref()
            .and_then(|s| rows.iter().position(|&i| &self.entries[i].name == s));
        if reveal && let Some(at) = at {
            let top = at as f32 * stride;
            if top < self.list_offset {
                area = area.vertical_scroll_offset(top);
            } else if top + stride > self.list_offset + self.list_view {
                area = area.vertical_scroll_offset(top + stride - self.list_view);
            }
        }
        area
    }

    /// One entry's row: its name painted, its size and time as labels.
    /// Returns the row's response, for clicks.
    fn row(&self, ui: &mut Ui, entry: &Entry, name_width: f32, body: &FontId) -> egui::Response {
        let (rect, r) =
            ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::CLICK);
        let label = if entry.is_dir {
            format!("{}/", entry.name)
        } else {
            entry.name.clone()
        };
        let selected = self.selected.as_ref() == Some(&entry.name);
        r.widget_info(|| WidgetInfo::selected(Role::ListBoxOption, true, selected, &label));
        if selected {
            ui.painter()
                .rect_filled(rect, 2.0, ui.visuals().selection.bg_fill);
        } else if r.hovered() {
            ui.painter()
                .rect_filled(rect, 2.0, ui.visuals().widgets.hovered.weak_bg_fill);
        }
        let color = if selected {
            ui.visuals().selection.stroke.color
        } else {
            ui.visuals().text_color()
        };
        let y = rect.center().y;
        let painter = ui.painter().with_clip_rect(
            rect.intersect(ui.clip_rect())
                .with_max_x(rect.min.x + name_width - 6.0),
        );
        painter.text(
            pos2(rect.min.x + 4.0, y),
            Align2::LEFT_CENTER,
            &label,
            body.clone(),
            color,
        );
        // Labels rather than paint, so that a screen reader
        // (and a test) reads them too; they sense no clicks, so
        // the row under them still gets those.
        let cell = |x: f32, w: f32| Rect::from_min_size(pos2(x, rect.min.y), vec2(w, ROW_HEIGHT));
        let text = |t: String| {
            egui::Label::new(egui::RichText::new(t).color(color))
                .selectable(false)
                .sense(Sense::hover())
                .truncate()
        };
        let mut put = |rect: Rect, align: egui::Layout, t: String| {
            ui.scope_builder(egui::UiBuilder::new().max_rect(rect).layout(align), |ui| {
                ui.add(text(t))
            });
        };
        if !entry.is_dir {
            put(
                cell(rect.min.x + name_width, SIZE_WIDTH - 8.0),
                egui::Layout::right_to_left(egui::Align::Center),
                human_size(entry.size),
            );
        }
        if let Some(t) = entry.modified {
            put(
                cell(
                    rect.min.x + name_width + SIZE_WIDTH + 4.0,
                    MODIFIED_WIDTH - 4.0,
                ),
                egui::Layout::left_to_right(egui::Align::Center),
                local_time(t),
            );
        }
        r
    }
}

/// "YYYY-MM-DD HH:MM" in local time, the zone being the one the C
/// library uses (`TZ`, else /etc/localtime).
fn local_time(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}
