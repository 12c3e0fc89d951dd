//! File dialogs: the platform's own through rfd where it has one, and an
//! in-app browser (path field + directory list) everywhere else.
//!
//! rfd has no backend on illumos, and on Linux its dialog goes through the
//! XDG desktop portal, which remote X and VNC sessions often lack. rfd then
//! returns "no file" at once, exactly as if the user had cancelled; a human
//! cannot cancel a dialog within a few hundred milliseconds, so an instant
//! "no file" is taken as "no native dialog here" and the in-app browser
//! opens instead.
//!
//! The in-app browser is meant to be driven from the keyboard as much as
//! the mouse, because over a slow remote display the keyboard is quicker:
//! Open starts in the file list (type a name's first letters, Enter), Save
//! starts in the name field with the stem selected (type, Enter).

use super::charts::export::ExportFormat;
use egui::text::{CCursor, CCursorRange};
use egui::text_edit::TextEditState;
use egui::{
    Align2, EventFilter, Id, Key, Modifiers, Rect, Role, Sense, TextEdit, TextStyle, Ui,
    WidgetInfo, pos2, vec2,
};
use std::cmp::Ordering;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    Open,
    SaveAs,
    /// A recording to look at (File > Open Recording…).
    OpenRecording,
    /// A second recording to compare the open one with.
    CompareRecording,
    /// Write something other than the script (an export, the console).
    Export(ExportFormat),
}

/// The kind of file a dialog is about: what its filter lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// Plural, as a filter names it: "D scripts".
    pub label: &'static str,
    /// Without the dot, in lower case.
    pub extensions: &'static [&'static str],
}

impl FileKind {
    /// Whether a file name has one of the kind's extensions (in any case:
    /// `TRACE.D` from a FAT stick is still a script).
    pub fn matches(&self, name: &str) -> bool {
        name.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty() && self.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext))
        })
    }

    /// The filter checkbox's text: "Only D scripts (*.d)".
    pub fn filter_label(&self) -> String {
        let patterns: Vec<String> = self.extensions.iter().map(|e| format!("*.{e}")).collect();
        format!("Only {} ({})", self.label, patterns.join(", "))
    }
}

impl DialogPurpose {
    fn saves(self) -> bool {
        !self.opens()
    }

    /// Whether the dialog picks an existing file to read.
    pub fn opens(self) -> bool {
        matches!(
            self,
            DialogPurpose::Open | DialogPurpose::OpenRecording | DialogPurpose::CompareRecording
        )
    }

    /// What the dialog lists by default, so that an export is not offered
    /// only `.d` files.
    pub fn kind(self) -> FileKind {
        match self {
            DialogPurpose::Open | DialogPurpose::SaveAs => FileKind {
                label: "D scripts",
                extensions: &["d"],
            },
            DialogPurpose::OpenRecording | DialogPurpose::CompareRecording => FileKind {
                label: "dscope recordings",
                extensions: &["dsrec"],
            },
            DialogPurpose::Export(ExportFormat::Csv) => FileKind {
                label: "CSV files",
                extensions: &["csv"],
            },
            DialogPurpose::Export(ExportFormat::Json) => FileKind {
                label: "JSON files",
                extensions: &["json"],
            },
            DialogPurpose::Export(ExportFormat::Png) => FileKind {
                label: "PNG images",
                extensions: &["png"],
            },
            DialogPurpose::Export(ExportFormat::Console) => FileKind {
                label: "text files",
                extensions: &["txt", "log"],
            },
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DialogPurpose::Open => "Open script",
            DialogPurpose::SaveAs => "Save script as",
            DialogPurpose::OpenRecording => "Open recording",
            DialogPurpose::CompareRecording => "Compare with recording",
            DialogPurpose::Export(format) => format.title(),
        }
    }
}

/// The column the list is sorted by; folders always come first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Name,
    Size,
    Modified,
}

/// The in-app browser.
pub struct FileBrowser {
    pub purpose: DialogPurpose,
    dir: PathBuf,
    dir_field: String,
    name: String,
    /// Sorted as `sort` and `descending` say.
    entries: Vec<Entry>,
    only_matching: bool,
    show_hidden: bool,
    error: Option<String>,
    /// The selected entry's name: names survive re-sorting, indices do not.
    selected: Option<String>,
    sort: SortBy,
    descending: bool,
    /// Focus goes to the right field on the first frame only; after that
    /// it is the user's.
    first_frame: bool,
    /// An existing file the user chose to save over, waiting for a yes.
    confirm: Option<PathBuf>,
    /// The question was just asked: its Replace button takes the keyboard.
    confirm_focus: bool,
    /// Letters typed in the list, to jump to the first name starting so.
    typed: String,
    typed_at: Option<Instant>,
    /// The selection moved by key: bring it into view once.
    reveal: bool,
    /// The list's scroll offset and height in the last frame, to scroll a
    /// selection into view (rows out of view are not laid out).
    list_offset: f32,
    list_view: f32,
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    is_dir: bool,
    size: u64,
    modified: Option<SystemTime>,
}

/// What the browser decided this frame.
#[derive(Debug, PartialEq)]
pub enum BrowserOutcome {
    Pending,
    Cancelled,
    Chosen(PathBuf),
}

/// Typing pauses longer than this start a new type-ahead name.
const TYPE_AHEAD_PAUSE: Duration = Duration::from_millis(1000);

const ROW_HEIGHT: f32 = 18.0;
const LIST_HEIGHT: f32 = 300.0;
const SIZE_WIDTH: f32 = 80.0;
const MODIFIED_WIDTH: f32 = 130.0;

fn list_id() -> Id {
    Id::unique("dscope-file-browser-list")
}

fn name_id() -> Id {
    Id::unique("dscope-file-browser-name")
}

impl FileBrowser {
    pub fn new(purpose: DialogPurpose, start_dir: &Path, suggested_name: &str) -> Self {
        let mut browser = FileBrowser {
            purpose,
            dir: PathBuf::new(),
            dir_field: String::new(),
            name: if purpose.saves() {
                suggested_name.to_owned()
            } else {
                String::new()
            },
            entries: Vec::new(),
            only_matching: true,
            show_hidden: false,
            error: None,
            selected: None,
            sort: SortBy::Name,
            descending: false,
            first_frame: true,
            confirm: None,
            confirm_focus: false,
            typed: String::new(),
            typed_at: None,
            reveal: false,
            list_offset: 0.0,
            list_view: 0.0,
        };
        // A relative script path has "" for its folder: that is the
        // current one. A folder that cannot be listed (gone, no right to
        // read) falls back to places that usually can, and says so.
        let fallbacks = [
            std::env::current_dir().ok(),
            directories::UserDirs::new().map(|u| u.home_dir().to_owned()),
            Some(PathBuf::from("/")),
        ];
        let start = if start_dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            start_dir
        };
        browser.change_dir(start.to_owned());
        let first_error = browser.error.clone();
        for dir in fallbacks.into_iter().flatten() {
            if browser.error.is_none() {
                break;
            }
            browser.change_dir(dir);
        }
        if browser.error.is_none() {
            browser.error = first_error;
        }
        browser
    }

    fn change_dir(&mut self, dir: PathBuf) {
        match read_entries(&dir) {
            Ok(entries) => {
                self.dir = fs::canonicalize(&dir).unwrap_or(dir);
                self.dir_field = self.dir.display().to_string();
                self.entries = entries;
                self.sort_entries();
                self.error = None;
                self.selected = None;
                self.confirm = None;
            }
            Err(e) => {
                self.error = Some(format!("Cannot list {}: {e}", dir.display()));
                self.dir_field = self.dir.display().to_string();
            }
        }
    }

    fn go_up(&mut self) {
        if let Some(parent) = self.dir.parent() {
            let here = self
                .dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            self.change_dir(parent.to_owned());
            // Keep the place: the folder just left is selected.
            self.selected = here;
            self.reveal = true;
        }
    }

    fn sort_entries(&mut self) {
        let (sort, descending) = (self.sort, self.descending);
        self.entries.sort_by(|a, b| {
            let within = match sort {
                SortBy::Name => Ordering::Equal,
                // Folders have no size worth comparing: by name.
                SortBy::Size if a.is_dir && b.is_dir => Ordering::Equal,
                SortBy::Size => a.size.cmp(&b.size),
                SortBy::Modified => a.modified.cmp(&b.modified),
            }
            .then_with(|| name_order(&a.name, &b.name));
            b.is_dir
                .cmp(&a.is_dir)
                .then(if descending { within.reverse() } else { within })
        });
    }

    /// A click on a heading: sort by it, or reverse when it already is.
    pub fn sort_by(&mut self, by: SortBy) {
        if self.sort == by {
            self.descending = !self.descending;
        } else {
            self.sort = by;
            self.descending = false;
        }
        self.sort_entries();
    }

    fn is_visible(&self, e: &Entry) -> bool {
        (self.show_hidden || !e.name.starts_with('.'))
            && (e.is_dir || !self.only_matching || self.purpose.kind().matches(&e.name))
    }

    fn visible(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| self.is_visible(e))
    }

    /// Turns the name field into a path; a name with a `/` may be absolute
    /// or relative to the current directory.
    fn chosen_path(&self) -> Option<PathBuf> {
        let name = self.name.trim();
        if name.is_empty() {
            return None;
        }
        let p = Path::new(name);
        Some(if p.is_absolute() {
            p.to_owned()
        } else {
            self.dir.join(p)
        })
    }

    fn select(&mut self, entry: &Entry) {
        self.selected = Some(entry.name.clone());
        if !entry.is_dir {
            self.name = entry.name.clone();
        }
        self.reveal = true;
    }

    /// Up and Down, Enter, Backspace and type-ahead, while the list has
    /// the keyboard. Returns a file to choose.
    fn list_keys(&mut self, ui: &Ui) -> Option<PathBuf> {
        let (down, up, enter, back, text) = ui.input_mut(|i| {
            let text: String = i
                .events
                .iter()
                .filter_map(|e| match e {
                    egui::Event::Text(t) => Some(t.as_str()),
                    _ => None,
                })
                .collect();
            (
                i.consume_key(Modifiers::NONE, Key::ArrowDown),
                i.consume_key(Modifiers::NONE, Key::ArrowUp),
                i.consume_key(Modifiers::NONE, Key::Enter),
                i.consume_key(Modifiers::NONE, Key::Backspace),
                text,
            )
        });
        if !(down || up || enter || back || !text.is_empty()) {
            return None;
        }
        let rows: Vec<Entry> = self.visible().cloned().collect();
        let at = self
            .selected
            .as_ref()
            .and_then(|s| rows.iter().position(|e| &e.name == s));
        if down || up {
            let next = match (at, down) {
                (None, true) => Some(0),
                (None, false) => rows.len().checked_sub(1),
                (Some(i), true) => Some((i + 1).min(rows.len().saturating_sub(1))),
                (Some(i), false) => Some(i.saturating_sub(1)),
            };
            if let Some(e) = next.and_then(|n| rows.get(n)) {
                self.select(e);
            }
        }
        if !text.is_empty() {
            let fresh = self.typed_at.is_none_or(|t| t.elapsed() > TYPE_AHEAD_PAUSE);
            if fresh {
                self.typed.clear();
            }
            self.typed.push_str(&text);
            self.typed_at = Some(Instant::now());
            let prefix = self.typed.to_lowercase();
            if let Some(e) = rows
                .iter()
                .find(|e| e.name.to_lowercase().starts_with(&prefix))
            {
                self.select(e);
            }
        }
        if back {
            self.go_up();
        }
        if enter {
            match at.and_then(|i| rows.get(i)) {
                Some(e) if e.is_dir => self.change_dir(self.dir.join(&e.name)),
                Some(e) => return Some(self.dir.join(&e.name)),
                None => return self.chosen_path(),
            }
        }
        None
    }

    pub fn show(&mut self, ctx: &egui::Context) -> BrowserOutcome {
        let mut outcome = BrowserOutcome::Pending;
        let title = self.purpose.title();
        let modal = egui::Modal::new(Id::unique("dscope-file-browser")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading(title);
            ui.horizontal(|ui| {
                let label = ui.label("Folder:");
                let field = ui
                    .add(TextEdit::singleline(&mut self.dir_field).desired_width(380.0))
                    .labelled_by(label.id);
                if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                    self.change_dir(PathBuf::from(self.dir_field.trim()));
                }
                if ui.button("Up").on_hover_text("Parent folder").clicked() {
                    self.go_up();
                }
                if ui.button("Home").clicked()
                    && let Some(home) = directories::UserDirs::new()
                {
                    self.change_dir(home.home_dir().to_owned());
                }
            });
            ui.horizontal(|ui| {
                let kind = self.purpose.kind();
                ui.checkbox(&mut self.only_matching, kind.filter_label());
                ui.checkbox(&mut self.show_hidden, "Hidden files");
            });
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.separator();
            let mut pick = self.file_list(ui);
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("File name:");
                let field = ui
                    .add(
                        TextEdit::singleline(&mut self.name)
                            .id(name_id())
                            .desired_width(300.0),
                    )
                    .labelled_by(label.id);
                if field.changed() {
                    self.confirm = None;
                }
                if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                    pick = self.chosen_path();
                }
            });
            if self.first_frame {
                self.first_frame = false;
                self.focus_first(ui);
            }
            if let Some(existing) = self.confirm.clone() {
                let focus = std::mem::take(&mut self.confirm_focus);
                match confirm_row(ui, &existing, focus) {
                    Some(true) => outcome = BrowserOutcome::Chosen(existing),
                    Some(false) => {
                        self.confirm = None;
                        ui.memory_mut(|m| m.request_focus(name_id()));
                    }
                    None => {}
                }
            } else {
                ui.horizontal(|ui| {
                    let confirm = if self.purpose.opens() { "Open" } else { "Save" };
                    let target = self.chosen_path();
                    if ui
                        .add_enabled(target.is_some(), egui::Button::new(confirm))
                        .clicked()
                    {
                        pick = target;
                    }
                    if ui.button("Cancel").clicked() {
                        outcome = BrowserOutcome::Cancelled;
                    }
                });
            }
            if let Some(p) = pick {
                if p.is_dir() {
                    self.name.clear();
                    self.change_dir(p);
                } else if self.purpose.opens() && !p.exists() {
                    self.error = Some(format!("{} does not exist.", p.display()));
                } else if self.purpose.saves() && p.exists() {
                    self.confirm = Some(p);
                    self.confirm_focus = true;
                } else {
                    outcome = BrowserOutcome::Chosen(p);
                }
            }
        });
        if modal.should_close() && outcome == BrowserOutcome::Pending {
            outcome = BrowserOutcome::Cancelled;
        }
        outcome
    }

    /// Open starts in the list; saving starts in the name field with the
    /// stem selected, so typing replaces the name and keeps the extension.
    fn focus_first(&self, ui: &Ui) {
        if self.purpose.saves() {
            ui.memory_mut(|m| m.request_focus(name_id()));
            let stem = match self.name.rsplit_once('.') {
                Some((stem, _)) if !stem.is_empty() => stem,
                _ => self.name.as_str(),
            };
            let mut state = TextEditState::load(ui.ctx(), name_id()).unwrap_or_default();
            state.cursor.set_char_range(Some(CCursorRange::two(
                CCursor::new(0),
                CCursor::new(stem.chars().count()),
            )));
            state.store(ui.ctx(), name_id());
        } else {
            ui.memory_mut(|m| m.request_focus(list_id()));
        }
    }

    /// The headings and the rows; returns a file chosen by double click
    /// or Enter.
    fn file_list(&mut self, ui: &mut Ui) -> Option<PathBuf> {
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
        let reveal = std::mem::take(&mut self.reveal);
        let body = TextStyle::Body.resolve(ui.style());
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
        let area = area.show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            if rows.is_empty() {
                ui.weak("(no matching files here)");
            }
            for &index in &rows[range] {
                let entry = self.entries[index].clone();
                let entry = &entry;
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
                let cell =
                    |x: f32, w: f32| Rect::from_min_size(pos2(x, rect.min.y), vec2(w, ROW_HEIGHT));
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
}

/// "Replace x.d?" in place of the dialog's buttons; `Some(true)` to go
/// ahead, `Some(false)` to choose another name.
fn confirm_row(ui: &mut Ui, existing: &Path, focus: bool) -> Option<bool> {
    let name = existing.file_name().map_or_else(
        || existing.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut answer = None;
    // Escape takes back the question only, not the whole dialog.
    if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
        answer = Some(false);
    }
    ui.strong(format!("Replace {name}?"));
    ui.label("A file with that name is already there; saving overwrites it.");
    ui.horizontal(|ui| {
        let replace = ui.button("Replace");
        // Enter replaces, as in other dialogs that ask this.
        if focus {
            replace.request_focus();
        }
        if replace.clicked() {
            answer = Some(true);
        }
        if ui.button("Cancel").clicked() {
            answer = Some(false);
        }
    });
    answer
}

/// Names in the order people read them: ignoring case, then by case so
/// the order is total.
fn name_order(a: &str, b: &str) -> Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| a.cmp(b))
}

pub use crate::lines::human_size;

fn read_entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    Ok(fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| {
            // Follow links, so a link to a folder can be entered.
            let meta = fs::metadata(e.path()).ok();
            Entry {
                name: e.file_name().to_string_lossy().into_owned(),
                is_dir: meta.as_ref().is_some_and(|m| m.is_dir()),
                size: meta.as_ref().map_or(0, |m| m.len()),
                modified: meta.and_then(|m| m.modified().ok()),
            }
        })
        .collect())
}

/// A platform dialog running on its own thread, so the UI keeps drawing.
pub struct NativeDialog {
    pub purpose: DialogPurpose,
    started: Instant,
    result: crossbeam_channel::Receiver<Option<PathBuf>>,
}

/// How a native dialog ended.
#[derive(Debug, PartialEq)]
pub enum NativeOutcome {
    Pending,
    Chosen(PathBuf),
    Cancelled,
    /// The platform has no working dialog: use the in-app browser.
    Unavailable,
}

/// Answers faster than this are "no dialog", not a user's Cancel.
const INSTANT_FAILURE: Duration = Duration::from_millis(400);

impl NativeDialog {
    /// Starts the platform dialog, or returns `None` where dscope has no
    /// native dialog backend at all.
    #[allow(unused_variables)]
    pub fn spawn(
        ctx: &egui::Context,
        purpose: DialogPurpose,
        dir: &Path,
        name: &str,
    ) -> Option<NativeDialog> {
        #[cfg(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "dragonfly",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "windows",
            target_os = "macos"
        ))]
        {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let ctx = ctx.clone();
            let dir = dir.to_owned();
            let name = name.to_owned();
            let run = move || {
                let dialog = rfd::FileDialog::new().set_directory(&dir);
                let kind = purpose.kind();
                let dialog = dialog
                    .add_filter(kind.label, kind.extensions)
                    .add_filter("All files", &["*"]);
                let picked = if purpose.opens() {
                    dialog.pick_file()
                } else {
                    dialog.set_file_name(&name).save_file()
                };
                let _ = tx.send(picked);
                ctx.request_repaint();
            };
            // macOS dialogs must run on the main thread; elsewhere a thread
            // keeps the window alive while the dialog is up.
            #[cfg(target_os = "macos")]
            run();
            #[cfg(not(target_os = "macos"))]
            std::thread::Builder::new()
                .name("file-dialog".into())
                .spawn(run)
                .ok()?;
            Some(NativeDialog {
                purpose,
                started: Instant::now(),
                result: rx,
            })
        }
        #[cfg(not(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "dragonfly",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "windows",
            target_os = "macos"
        )))]
        {
            None
        }
    }

    pub fn poll(&self) -> NativeOutcome {
        match self.result.try_recv() {
            Ok(Some(path)) => NativeOutcome::Chosen(path),
            Ok(None) if self.started.elapsed() < INSTANT_FAILURE => NativeOutcome::Unavailable,
            Ok(None) => NativeOutcome::Cancelled,
            Err(crossbeam_channel::TryRecvError::Empty) => NativeOutcome::Pending,
            Err(crossbeam_channel::TryRecvError::Disconnected) => NativeOutcome::Unavailable,
        }
    }
}

/// "YYYY-MM-DD HH:MM" in local time, the zone being the one the C
/// library uses (`TZ`, else /etc/localtime).
fn local_time(time: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Local>::from(time)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_people() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1024), "1.0 KiB");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(200 * 1024), "200 KiB");
        assert_eq!(human_size(3 << 30), "3.0 GiB");
    }

    #[test]
    fn kinds_match_their_extensions_in_any_case() {
        let d = DialogPurpose::Open.kind();
        assert!(d.matches("trace.d") && d.matches("TRACE.D"));
        assert!(!d.matches(".d"), "a hidden file named d, not a script");
        assert!(!d.matches("trace.dd") && !d.matches("d"));
        let text = DialogPurpose::Export(ExportFormat::Console).kind();
        assert!(text.matches("out.txt") && text.matches("run.log"));
        assert_eq!(text.filter_label(), "Only text files (*.txt, *.log)");
    }
}
