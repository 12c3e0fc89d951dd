//! The in-app file browser: a folder field, the file list and a name
//! field in a modal, driven from the keyboard as well as the mouse. This
//! holds its state and the dialog around the list; the list itself is
//! drawn in `list`.

use super::{DialogPurpose, list};
use egui::text::{CCursor, CCursorRange};
use egui::text_edit::TextEditState;
use egui::{Id, Key, Modifiers, TextEdit, Ui};
use std::cmp::Ordering;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

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
    pub(super) dir: PathBuf,
    dir_field: String,
    pub(super) name: String,
    /// Sorted as `sort` and `descending` say.
    pub(super) entries: Vec<Entry>,
    only_matching: bool,
    show_hidden: bool,
    error: Option<String>,
    /// The selected entry's name: names survive re-sorting, indices do not.
    pub(super) selected: Option<String>,
    pub(super) sort: SortBy,
    pub(super) descending: bool,
    /// Focus goes to the right field on the first frame only; after that
    /// it is the user's.
    first_frame: bool,
    /// An existing file the user chose to save over, waiting for a yes.
    pub(super) confirm: Option<PathBuf>,
    /// The question was just asked: its Replace button takes the keyboard.
    confirm_focus: bool,
    /// Letters typed in the list, to jump to the first name starting so.
    typed: String,
    typed_at: Option<Instant>,
    /// The selection moved by key: bring it into view once.
    pub(super) reveal: bool,
    /// The list's scroll offset and height in the last frame, to scroll a
    /// selection into view (rows out of view are not laid out).
    pub(super) list_offset: f32,
    pub(super) list_view: f32,
}

#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) name: String,
    pub(super) is_dir: bool,
    pub(super) size: u64,
    pub(super) modified: Option<SystemTime>,
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

    pub(super) fn change_dir(&mut self, dir: PathBuf) {
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

    pub(super) fn is_visible(&self, e: &Entry) -> bool {
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
    pub(super) fn list_keys(&mut self, ui: &Ui) -> Option<PathBuf> {
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
            self.type_to_name(ui);
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

    /// A whole path typed while the list has the keyboard (`/` first;
    /// other letters find a file in the list) goes to the name field, as
    /// in GTK's dialogs: the field, drawn next, takes this frame's text.
    fn type_to_name(&mut self, ui: &Ui) {
        let typed = ui.memory(|m| m.has_focus(list::list_id()))
            && ui.input(|i| {
                i.events
                    .iter()
                    .any(|e| matches!(e, egui::Event::Text(t) if t.starts_with('/')))
            });
        if typed {
            self.name.clear();
            self.confirm = None;
            ui.memory_mut(|m| m.request_focus(name_id()));
        }
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
            ui.memory_mut(|m| m.request_focus(list::list_id()));
        }
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
