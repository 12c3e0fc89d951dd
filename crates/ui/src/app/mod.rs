//! The application shell: the window's state and how each frame is put
//! together. What the window keeps without egui (the document, each
//! script's run state, job routing) is `dscope-workbench`'s; this draws it
//! and turns clicks and keys into calls on it.
//!
//! - [`actions`]: everything the menus, keys and panels ask for, applied
//!   in one place.
//! - `documents`: the file behind the editor, switching scripts, recovery.
//! - `dialogs`: file dialogs, recordings, subscriptions, exports.
//! - `running`: checks, runs, probe lists and hosts through the session.
//! - `frame`, `menus`, `prompts`: what is drawn.

mod actions;
mod dialogs;
mod documents;
mod frame;
mod menus;
mod prompts;
mod running;

pub use actions::Action;
use documents::{WatchState, spawn_watcher};

use super::charts::export::{self, ExportFormat};
use super::charts::{AggregationsView, ChartAction, TimeView};
use super::editor::Editor;
use super::file_dialog::{BrowserOutcome, DialogPurpose, FileBrowser, NativeDialog, NativeOutcome};
use super::probe_browser::{BrowserAction, ProbeBrowser};
use super::recording_view::{self, RecordingView, ViewerAction};
use super::run_options::RunOptions;
use super::run_panel::{ConsoleAction, RunAction};
use super::target_dialog::{TargetDialog, TargetOutcome};
use crate::files::{self, DiskStamp};
use crate::history::recording::Header;
use crate::lang::theme::ThemeKind;
use crate::model::Diagnostic;
use crate::recovery::{RecoveryRecord, RecoveryStore};
use crate::session::{Event, Script, Session, SessionEvent};
use crate::settings::{DialogPreference, Settings};
use dscope_workbench::jobs::{Route, Waiting};
use dscope_workbench::run::SNAPSHOT_EVERY;
use dscope_workbench::{Document, Jobs, ScriptKey, ScriptRun, ScriptState, Scripts};
use egui::{Id, Key, Modifiers, Ui, ViewportCommand};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How long after the last edit the recovery copy is written.
const RECOVERY_DELAY: Duration = Duration::from_secs(3);
/// How often the open file is checked for changes by other programs.
const DISK_CHECK_INTERVAL: Duration = Duration::from_millis(1500);
/// How long typing must pause before the script is checked.
const CHECK_DELAY: Duration = Duration::from_millis(700);

/// Where the app keeps its state, and what it opens first.
#[derive(Debug, Clone, Default)]
pub struct AppConfig {
    /// Settings file; `None` keeps settings in memory only.
    pub settings_path: Option<PathBuf>,
    /// Recovery directory; `None` turns crash recovery off.
    pub recovery_dir: Option<PathBuf>,
    /// A script to open at start.
    pub open: Option<PathBuf>,
    /// Start folder for the in-app browser when no file is open.
    pub start_dir: Option<PathBuf>,
    /// Overrides the settings' dialog preference (tests, remote sessions).
    pub dialogs: Option<DialogPreference>,
    /// The dscope executable, which runs scripts in a child process;
    /// `None` disables running (checking still works).
    pub worker_program: Option<PathBuf>,
    /// Start no DTrace worker: checks and runs only get job numbers, and
    /// their events come from [`DscopeApp::apply_session_event`]. For
    /// testing the UI with a scripted event stream.
    pub scripted_engine: bool,
    /// Work on this host from the start (`dscope --host H`).
    pub host: Option<crate::settings::RecentHost>,
    /// Where the Record toggle writes runs; `None` leaves Record off.
    pub recordings_dir: Option<PathBuf>,
    /// Subscribe to this AMQP exchange from the start (`dscope
    /// --subscribe ADDRESS`).
    pub subscribe: Option<crate::amqp::Address>,
}

impl AppConfig {
    /// The user's usual locations; `DSCOPE_CONFIG_DIR` and
    /// `DSCOPE_STATE_DIR` override them.
    pub fn from_environment(open: Option<PathBuf>) -> AppConfig {
        let dirs = directories::ProjectDirs::from("org", "dscope", "dscope");
        let config_dir = std::env::var_os("DSCOPE_CONFIG_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs.as_ref().map(|d| d.config_dir().to_owned()));
        let state_dir = std::env::var_os("DSCOPE_STATE_DIR")
            .map(PathBuf::from)
            .or_else(|| {
                dirs.as_ref().map(|d| {
                    d.state_dir()
                        .unwrap_or_else(|| d.data_local_dir())
                        .to_owned()
                })
            });
        AppConfig {
            settings_path: config_dir.map(|d| d.join("settings.json")),
            recovery_dir: state_dir.as_ref().map(|d| d.join("recovery")),
            recordings_dir: state_dir.map(|d| d.join("recordings")),
            open,
            start_dir: None,
            dialogs: None,
            worker_program: std::env::current_exe().ok(),
            scripted_engine: false,
            host: None,
            subscribe: None,
        }
    }
}

/// Something the user asked for that unsaved changes stand in the way of.
#[derive(Debug, Clone, PartialEq)]
pub enum PendingAction {
    New,
    Open(PathBuf),
    OpenExample(usize),
    Quit,
}

enum Prompt {
    Unsaved(PendingAction),
    Error {
        title: String,
        message: String,
    },
    Recover(Vec<(PathBuf, Result<RecoveryRecord, String>)>),
    ChangedOnDisk,
    DeletedOnDisk,
    /// The script calls these destructive actions, or turns them on with
    /// a pragma, and they are off.
    Destructive {
        calls: Vec<&'static str>,
        pragma: bool,
    },
}

/// What the window keeps of a script beside its run: it goes away and
/// comes back with the script.
#[derive(Default)]
struct ScriptView {
    charts: AggregationsView,
    run_options: RunOptions,
    bottom_tab: BottomTab,
    /// The charts were brought forward for this run already.
    shown_charts: bool,
    watch_panel: crate::watch_panel::WatchPanel,
}

pub struct DscopeApp {
    /// What keys, menus and panels asked for this frame, applied in
    /// one place at its end.
    actions: Vec<Action>,
    /// The run bar's duration field is to take the keyboard.
    focus_duration: bool,
    editor: Editor,
    doc: Document,
    /// Each script's run state, and which script is on screen.
    scripts: Scripts<ScriptView>,
    /// Which job's answer goes where.
    jobs: Jobs,
    settings: Settings,
    settings_path: Option<PathBuf>,
    recovery: Option<RecoveryStore>,
    recovery_due: Option<Instant>,
    prompt: Option<Prompt>,
    browser: Option<FileBrowser>,
    native: Option<NativeDialog>,
    /// Continue with this once a Save As finishes.
    after_save: Option<PendingAction>,
    status: String,
    allow_close: bool,
    watch: Arc<Mutex<WatchState>>,
    start_dir: Option<PathBuf>,
    dialogs: DialogPreference,
    sent_title: String,
    /// Started on first use, so an app that never checks costs nothing.
    session: Option<Session>,
    /// The host checks and runs happen on; `None`: this machine.
    host: Option<super::hosts::HostTarget>,
    add_host: Option<super::hosts::AddHostDialog>,
    subscription: Option<super::subscription_view::SubscriptionView>,
    subscribe_dialog: Option<super::subscription_view::SubscribeDialog>,
    worker_program: Option<PathBuf>,
    /// Where the Record toggle writes runs.
    recordings_dir: Option<PathBuf>,
    /// A recording shown in the Aggregations panel instead of the run.
    viewer: Option<RecordingView>,
    /// A recording being read, and what for.
    recording_load: Option<(DialogPurpose, recording_view::Loading)>,
    /// A baseline being read for the Watch tab.
    baseline_load: Option<crossbeam_channel::Receiver<BaselineRead>>,
    run: ScriptRun,
    check_due: Option<Instant>,
    /// The script's views, which go away and come back with it.
    view: ScriptView,
    /// The user allowed destructive actions for the next run only.
    destructive_once: bool,
    probes: ProbeBrowser,
    output_maximized: bool,
    /// The name the open save dialog suggests.
    dialog_name: String,
    /// What a Save dialog for an export is choosing a file for.
    export: Option<(ExportFormat, String)>,
    /// A chart is to be captured as PNG into this file once no dialog
    /// covers it.
    png_pending: Option<PathBuf>,
    /// Results of PNG exports, written off the UI thread.
    png_done: (
        crossbeam_channel::Sender<PngResult>,
        crossbeam_channel::Receiver<PngResult>,
    ),
    /// Frames in a row that panicked; see [`DscopeApp::guarded_frame`].
    panicked_frames: u32,
    /// The recovery file written after the last panic, and the text in it.
    rescued: Option<(PathBuf, String)>,
    /// Tests of the panic path set this to make the next frame panic.
    panic_next_frame: Option<String>,
    help: Option<HelpPage>,
    target_dialog: Option<TargetDialog>,
    /// The system's probes, as last listed.
    system_probes: Option<Vec<crate::model::Probe>>,
    /// The target process's probes (pid, probes named `pid$target`), and
    /// [`Jobs::target_probes`] the job asking for them.
    target_probes: Option<(i32, Vec<crate::model::Probe>)>,
}

/// A page of the Help menu on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpPage {
    About,
    Shortcuts,
}

/// A baseline read on its thread: from where, what came of it, and what
/// was wrong with a recording that could still be read.
type BaselineRead = (
    PathBuf,
    Result<crate::history::baseline::Baseline, String>,
    Vec<String>,
);

/// Where a PNG export was written, or why it was not.
type PngResult = Result<PathBuf, String>;

/// The tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BottomTab {
    #[default]
    Console,
    Problems,
    Aggregations,
    /// The baseline, alert rules, /metrics, and what the run found.
    Watch,
}

impl DscopeApp {
    pub fn new(cc: &eframe::CreationContext<'_>, config: AppConfig) -> Self {
        Self::with_context(&cc.egui_ctx, config)
    }

    /// The app on any shell's context: eframe's, or the software
    /// renderer's, which has no eframe::CreationContext.
    pub fn with_context(ctx: &egui::Context, config: AppConfig) -> Self {
        let (settings, settings_message) = match &config.settings_path {
            Some(p) => Settings::load(p),
            None => (Settings::default(), None),
        };
        let example = crate::examples::default_script();
        let mut editor = Editor::new(example.text.to_owned(), settings.theme);
        editor.set_font_size(settings.font_size);
        editor.set_tab_width(settings.tab_width);
        apply_theme(ctx, settings.theme);
        apply_cursor_blink(ctx, settings.blinking_cursor);
        ctx.set_zoom_factor(settings.zoom);

        let watch = Arc::new(Mutex::new(WatchState::default()));
        spawn_watcher(ctx.clone(), Arc::downgrade(&watch));
        let recovery = config.recovery_dir.clone().map(RecoveryStore::new);
        let mut app = DscopeApp {
            actions: Vec::new(),
            focus_duration: false,
            editor,
            doc: Document {
                path: None,
                name: Some(example.file_name.to_owned()),
                saved_text: example.text.to_owned(),
                dirty: false,
            },
            scripts: Scripts::default(),
            jobs: if config.scripted_engine {
                Jobs::scripted()
            } else {
                Jobs::default()
            },
            dialogs: config.dialogs.unwrap_or(settings.dialogs),
            settings,
            settings_path: config.settings_path,
            recovery,
            recovery_due: None,
            prompt: None,
            browser: None,
            native: None,
            after_save: None,
            status: String::new(),
            allow_close: false,
            watch,
            start_dir: config.start_dir,
            sent_title: String::new(),
            session: None,
            host: None,
            add_host: None,
            subscription: None,
            subscribe_dialog: None,
            worker_program: config.worker_program,
            recordings_dir: config.recordings_dir,
            viewer: None,
            recording_load: None,
            baseline_load: None,
            run: ScriptRun::default(),
            check_due: None,
            view: ScriptView::default(),
            destructive_once: false,
            probes: ProbeBrowser::default(),
            output_maximized: false,
            dialog_name: String::new(),
            export: None,
            png_pending: None,
            png_done: crossbeam_channel::unbounded(),
            panicked_frames: 0,
            rescued: None,
            panic_next_frame: None,
            help: None,
            target_dialog: None,
            system_probes: None,
            target_probes: None,
        };
        super::panic::install_hook();
        if let Some(m) = settings_message {
            app.status = m;
        }
        if let Some(host) = config.host {
            app.take_host(host);
        }
        if let Some(address) = config.subscribe {
            app.subscribe(ctx, address);
        }
        app.run.duration_secs = app.settings.duration_secs;
        match &config.open {
            // `dscope run.dsrec` shows the recording, beside the script
            // of last time.
            Some(path) if crate::history::recording::is_recording(path) => {
                app.reopen_last(ctx);
                app.open_recording(ctx, path.clone());
            }
            Some(path) => app.load_path(ctx, path),
            // The script of last time, where it was left; the example only
            // the first time.
            None => app.reopen_last(ctx),
        }
        if let Some(store) = &app.recovery {
            let orphans = store.orphans();
            if !orphans.is_empty() {
                app.prompt = Some(Prompt::Recover(orphans));
            }
        }
        app
    }

    pub fn editor(&self) -> &Editor {
        &self.editor
    }

    pub fn editor_mut(&mut self) -> &mut Editor {
        &mut self.editor
    }

    pub fn path(&self) -> Option<&Path> {
        self.doc.path.as_deref()
    }

    pub fn is_dirty(&self) -> bool {
        self.doc.dirty
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The window title: file name, unsaved marker, program name.
    pub fn title(&self) -> String {
        self.doc.title(self.host())
    }
}

/// After this many panicking frames in a row the window is unusable, so
/// dscope quits; the recovery file it leaves is offered at the next start.
const PANICKED_FRAMES_BEFORE_QUIT: u32 = 3;

impl DscopeApp {
    /// Makes the next frame panic, to test what a bug in the UI costs.
    #[doc(hidden)]
    pub fn panic_in_next_frame(&mut self, message: &str) {
        self.panic_next_frame = Some(message.to_owned());
    }

    /// [`DscopeApp::frame`], with panics (on this or any other thread of
    /// the process) caught: the text is copied to the recovery file and the
    /// user is told what happened and where the copy is.
    pub fn guarded_frame(&mut self, ui: &mut Ui) {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.frame(ui)));
        let reports = super::panic::take_reports();
        match outcome {
            Ok(()) => self.panicked_frames = 0,
            Err(_) => self.panicked_frames += 1,
        }
        if reports.is_empty() && outcome.is_ok() {
            return;
        }
        let what = match reports.last() {
            Some(r) => r.describe(),
            None => "a panic without a report".to_owned(),
        };
        let saved = self.rescue_text();
        if self.panicked_frames >= PANICKED_FRAMES_BEFORE_QUIT {
            eprintln!(
                "dscope: quitting after {PANICKED_FRAMES_BEFORE_QUIT} internal errors in a row, the last {what}. {saved}"
            );
            std::process::exit(70);
        }
        self.prompt = Some(Prompt::Error {
            title: crate::troubleshooting::INTERNAL_ERROR.says.to_owned(),
            message: format!(
                "{what}.\n\n{saved}\n\n{}",
                crate::troubleshooting::INTERNAL_ERROR.fix
            ),
        });
        ui.ctx().request_repaint();
    }

    /// Copies the unsaved text to the recovery file after a panic, and
    /// says where it went.
    fn rescue_text(&mut self) -> String {
        if !self.doc.dirty {
            return "Your script has no unsaved changes.".to_owned();
        }
        let text = self.editor.text().to_owned();
        if let Some((file, rescued)) = &self.rescued
            && *rescued == text
            && file.exists()
        {
            return format!("Your unsaved text is in {}.", file.display());
        }
        let store = self
            .recovery
            .clone()
            .unwrap_or_else(|| RecoveryStore::new(std::env::temp_dir().join("dscope-recovery")));
        match store.write(self.doc.path.as_deref(), &text) {
            Ok(file) => {
                let said = format!(
                    "Your unsaved text was written to {}; if dscope ends now, it is offered back at the next start.",
                    file.display()
                );
                self.rescued = Some((file, text));
                said
            }
            Err(e) => format!(
                "Your unsaved text could not be written to {}: {e}. Save it with Save As now.",
                store.dir().display()
            ),
        }
    }
}

impl eframe::App for DscopeApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.guarded_frame(ui);
    }
}

pub(super) fn apply_cursor_blink(ctx: &egui::Context, blink: bool) {
    ctx.all_styles_mut(|style| style.visuals.text_cursor.blink = blink);
}

pub(super) fn apply_theme(ctx: &egui::Context, theme: ThemeKind) {
    ctx.set_theme(match theme {
        ThemeKind::Dark => egui::Theme::Dark,
        ThemeKind::Light => egui::Theme::Light,
    });
}
