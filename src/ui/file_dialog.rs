//! File dialogs: the platform's own through rfd where it has one, and an
//! in-app browser (path field + directory list) everywhere else.
//!
//! rfd has no backend on illumos, and on Linux its dialog goes through the
//! XDG desktop portal, which remote X and VNC sessions often lack. rfd then
//! returns "no file" at once, exactly as if the user had cancelled; a human
//! cannot cancel a dialog within a few hundred milliseconds, so an instant
//! "no file" is taken as "no native dialog here" and the in-app browser
//! opens instead.

use super::charts::export::ExportFormat;
use egui::{Id, Key, TextEdit};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    Open,
    SaveAs,
    /// Write something other than the script (an export, the console).
    Export(ExportFormat),
}

impl DialogPurpose {
    fn saves(self) -> bool {
        !matches!(self, DialogPurpose::Open)
    }
}

/// The in-app browser.
pub struct FileBrowser {
    pub purpose: DialogPurpose,
    dir: PathBuf,
    dir_field: String,
    name: String,
    entries: Vec<Entry>,
    only_d_files: bool,
    show_hidden: bool,
    error: Option<String>,
    selected: Option<usize>,
}

#[derive(Debug, Clone)]
struct Entry {
    name: String,
    is_dir: bool,
}

/// What the browser decided this frame.
#[derive(Debug, PartialEq)]
pub enum BrowserOutcome {
    Pending,
    Cancelled,
    Chosen(PathBuf),
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
            only_d_files: !matches!(purpose, DialogPurpose::Export(_)),
            show_hidden: false,
            error: None,
            selected: None,
        };
        browser.change_dir(start_dir.to_owned());
        browser
    }

    fn change_dir(&mut self, dir: PathBuf) {
        match read_entries(&dir) {
            Ok(entries) => {
                self.dir = fs::canonicalize(&dir).unwrap_or(dir);
                self.dir_field = self.dir.display().to_string();
                self.entries = entries;
                self.error = None;
                self.selected = None;
            }
            Err(e) => {
                self.error = Some(format!("Cannot list {}: {e}", dir.display()));
                self.dir_field = self.dir.display().to_string();
            }
        }
    }

    fn visible(&self) -> impl Iterator<Item = (usize, &Entry)> {
        self.entries.iter().enumerate().filter(|(_, e)| {
            (self.show_hidden || !e.name.starts_with('.'))
                && (e.is_dir || !self.only_d_files || e.name.ends_with(".d"))
        })
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

    pub fn show(&mut self, ctx: &egui::Context) -> BrowserOutcome {
        let mut outcome = BrowserOutcome::Pending;
        let title = match self.purpose {
            DialogPurpose::Open => "Open script",
            DialogPurpose::SaveAs => "Save script as",
            DialogPurpose::Export(format) => format.title(),
        };
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
                if ui.button("Up").on_hover_text("Parent folder").clicked()
                    && let Some(parent) = self.dir.parent()
                {
                    self.change_dir(parent.to_owned());
                }
                if ui.button("Home").clicked()
                    && let Some(home) = directories::UserDirs::new()
                {
                    self.change_dir(home.home_dir().to_owned());
                }
            });
            ui.horizontal(|ui| {
                ui.checkbox(&mut self.only_d_files, "Only .d files");
                ui.checkbox(&mut self.show_hidden, "Hidden files");
            });
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.separator();
            let mut enter_dir = None;
            let mut pick = None;
            egui::ScrollArea::vertical()
                .max_height(300.0)
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    let rows: Vec<(usize, Entry)> =
                        self.visible().map(|(i, e)| (i, e.clone())).collect();
                    if rows.is_empty() {
                        ui.weak("(no matching files here)");
                    }
                    for (i, entry) in rows {
                        let label = if entry.is_dir {
                            format!("{}/", entry.name)
                        } else {
                            entry.name.clone()
                        };
                        let r = ui.selectable_label(self.selected == Some(i), label);
                        if r.clicked() {
                            self.selected = Some(i);
                            if entry.is_dir {
                                enter_dir = Some(entry.name.clone());
                            } else {
                                self.name = entry.name.clone();
                            }
                        }
                        if r.double_clicked() && !entry.is_dir {
                            self.name = entry.name.clone();
                            pick = self.chosen_path();
                        }
                    }
                });
            if let Some(d) = enter_dir {
                self.change_dir(self.dir.join(d));
            }
            ui.separator();
            ui.horizontal(|ui| {
                let label = ui.label("File name:");
                let field = ui
                    .add(TextEdit::singleline(&mut self.name).desired_width(300.0))
                    .labelled_by(label.id);
                if field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter)) {
                    pick = self.chosen_path();
                }
            });
            ui.horizontal(|ui| {
                let confirm = match self.purpose {
                    DialogPurpose::Open => "Open",
                    DialogPurpose::SaveAs | DialogPurpose::Export(_) => "Save",
                };
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
            if let Some(p) = pick {
                if p.is_dir() {
                    self.name.clear();
                    self.change_dir(p);
                } else if self.purpose == DialogPurpose::Open && !p.exists() {
                    self.error = Some(format!("{} does not exist.", p.display()));
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
}

fn read_entries(dir: &Path) -> std::io::Result<Vec<Entry>> {
    let mut entries: Vec<Entry> = fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| Entry {
            name: e.file_name().to_string_lossy().into_owned(),
            // Follow links, so a link to a folder can be entered.
            is_dir: fs::metadata(e.path()).map(|m| m.is_dir()).unwrap_or(false),
        })
        .collect();
    entries.sort_by(|a, b| {
        b.is_dir
            .cmp(&a.is_dir)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
    });
    Ok(entries)
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
                let dialog = match purpose {
                    DialogPurpose::Export(format) => {
                        dialog.add_filter(format.extension(), &[format.extension()])
                    }
                    _ => dialog.add_filter("D scripts", &["d"]),
                }
                .add_filter("All files", &["*"]);
                let picked = match purpose {
                    DialogPurpose::Open => dialog.pick_file(),
                    _ => dialog.set_file_name(&name).save_file(),
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
