//! The application shell: menus, shortcuts, the document and its file,
//! prompts, recovery and settings around the [`Editor`].

use super::charts::export::{self, ExportFormat};
use super::charts::{AggregationsView, ChartAction, TimeView};
use super::editor::Editor;
use super::file_dialog::{BrowserOutcome, DialogPurpose, FileBrowser, NativeDialog, NativeOutcome};
use super::probe_browser::{BrowserAction, ProbeBrowser};
use super::recording_view::{self, RecordingView, ViewerAction};
use super::run_options::RunOptions;
use super::run_panel::{ConsoleAction, RunAction, RunPanel};
use super::target_dialog::{TargetDialog, TargetOutcome};
use crate::files::{self, DiskStamp};
use crate::history::recording::Header;
use crate::lang::theme::ThemeKind;
use crate::model::Diagnostic;
use crate::recovery::{RecoveryRecord, RecoveryStore};
use crate::session::{Event, Script, Session, SessionEvent};
use crate::settings::{DialogPreference, Settings};
use egui::{Id, Key, KeyboardShortcut, Modifiers, Ui, ViewportCommand};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// How long after the last edit the recovery copy is written.
const RECOVERY_DELAY: Duration = Duration::from_secs(3);
/// How often the open file is checked for changes by other programs.
const DISK_CHECK_INTERVAL: Duration = Duration::from_millis(1500);
/// How long typing must pause before the script is checked.
const CHECK_DELAY: Duration = Duration::from_millis(700);
use super::run_panel::SNAPSHOT_EVERY;

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

/// Which script some run state belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ScriptKey {
    File(PathBuf),
    /// A buffer with no file yet (new, an example's copy, recovered text).
    Buffer(u64),
}

/// What checking and running a script leave behind: it belongs to that
/// script, and goes away and comes back with it.
#[derive(Default)]
struct ScriptState {
    run: RunPanel,
    charts: AggregationsView,
    run_options: RunOptions,
    bottom_tab: BottomTab,
    shown_charts: bool,
}

/// Scripts whose run state is kept while another one is open.
const PARKED_SCRIPTS: usize = 16;

/// The file behind the buffer.
struct Document {
    path: Option<PathBuf>,
    /// What a buffer without a file is called (an example's name).
    name: Option<String>,
    /// The text as last saved or loaded; the buffer is dirty when it differs.
    saved_text: String,
    dirty: bool,
}

impl Document {
    fn name(&self) -> String {
        self.path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| "untitled.d".to_owned())
    }
}

/// Watches the open file from a background thread, so that no frame is
/// drawn while nothing changes.
#[derive(Default)]
struct WatchState {
    path: Option<PathBuf>,
    known: Option<DiskStamp>,
    changed: bool,
}

fn spawn_watcher(ctx: egui::Context, state: Weak<Mutex<WatchState>>) {
    let _ = std::thread::Builder::new()
        .name("disk-watch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(DISK_CHECK_INTERVAL);
                let Some(state) = state.upgrade() else { return };
                let Ok(mut s) = state.lock() else { return };
                let Some(path) = s.path.clone() else { continue };
                if s.changed {
                    continue;
                }
                let now = DiskStamp::of(&path).ok();
                if now != s.known {
                    s.changed = true;
                    ctx.request_repaint();
                }
            }
        });
}

pub struct DscopeApp {
    editor: Editor,
    doc: Document,
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
    run: RunPanel,
    check_due: Option<Instant>,
    check_job: Option<u64>,
    /// With a scripted engine: the last job number handed out.
    scripted_jobs: Option<u64>,
    bottom_tab: BottomTab,
    run_options: RunOptions,
    charts: AggregationsView,
    /// The charts were brought forward for this run already.
    shown_charts: bool,
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
    /// the job asking for them.
    target_probes: Option<(i32, Vec<crate::model::Probe>)>,
    target_probes_job: Option<(i32, u64)>,
    /// The script the run state on screen belongs to.
    script_key: ScriptKey,
    /// Other scripts' run state, most recent last.
    parked: Vec<(ScriptKey, ScriptState)>,
    /// Hands out [`ScriptKey::Buffer`] numbers.
    buffers: u64,
}

/// A page of the Help menu on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelpPage {
    About,
    Shortcuts,
}

/// Where a PNG export was written, or why it was not.
type PngResult = Result<PathBuf, String>;

/// The tabs of the bottom panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BottomTab {
    #[default]
    Console,
    Problems,
    Aggregations,
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
            editor,
            doc: Document {
                path: None,
                name: Some(example.file_name.to_owned()),
                saved_text: example.text.to_owned(),
                dirty: false,
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
            run: RunPanel::default(),
            check_due: None,
            check_job: None,
            scripted_jobs: config.scripted_engine.then_some(0),
            bottom_tab: BottomTab::Console,
            run_options: RunOptions::default(),
            charts: AggregationsView::default(),
            shown_charts: false,
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
            target_probes_job: None,
            script_key: ScriptKey::Buffer(0),
            parked: Vec::new(),
            buffers: 0,
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
        if let Some(path) = &config.open {
            app.load_path(ctx, path);
        }
        if let Some(store) = &app.recovery {
            let orphans = store.orphans();
            if !orphans.is_empty() {
                app.prompt = Some(Prompt::Recover(orphans));
            }
        }
        app
    }

    // ------------------------------------------------------------ queries

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
        let marker = if self.doc.dirty { "● " } else { "" };
        match self.host() {
            Some(host) => format!("{marker}{} — dscope on {host}", self.doc.name()),
            None => format!("{marker}{} — dscope", self.doc.name()),
        }
    }

    // ------------------------------------------------------------ actions

    fn refresh_dirty(&mut self) {
        self.doc.dirty = self.editor.text() != self.doc.saved_text;
    }

    /// After the text changed: unsaved marker, recovery copy, check.
    fn edited(&mut self) {
        self.refresh_dirty();
        if self.recovery.is_some() && self.recovery_due.is_none() {
            self.recovery_due = Some(Instant::now() + RECOVERY_DELAY);
        }
        self.check_due = Some(Instant::now() + CHECK_DELAY);
    }

    fn set_watch(&self, path: Option<PathBuf>, stamp: Option<DiskStamp>) {
        if let Ok(mut w) = self.watch.lock() {
            w.path = path;
            w.known = stamp;
            w.changed = false;
        }
    }

    fn remember_recent(&mut self, path: &Path) {
        self.settings.add_recent(path);
        self.save_settings();
    }

    fn save_settings(&mut self) {
        if let Some(p) = &self.settings_path
            && let Err(e) = self.settings.save(p)
        {
            self.status = format!("Settings not saved: {e}");
        }
    }

    fn error(&mut self, title: &str, message: String) {
        self.prompt = Some(Prompt::Error {
            title: title.to_owned(),
            message,
        });
    }

    fn take_script_state(&mut self) -> ScriptState {
        ScriptState {
            run: std::mem::take(&mut self.run),
            charts: std::mem::take(&mut self.charts),
            run_options: std::mem::take(&mut self.run_options),
            bottom_tab: std::mem::take(&mut self.bottom_tab),
            shown_charts: std::mem::take(&mut self.shown_charts),
        }
    }

    /// A key for a buffer that has no file.
    fn new_buffer_key(&mut self) -> ScriptKey {
        self.buffers += 1;
        ScriptKey::Buffer(self.buffers)
    }

    /// Puts the run state on screen away with its script and brings out
    /// `key`'s (or a fresh one). A running script's state is always kept,
    /// so its events still land in it; a buffer without a file that is
    /// not running has nothing to come back to.
    fn switch_script(&mut self, key: ScriptKey) {
        if key == self.script_key {
            return;
        }
        let state = self.take_script_state();
        let old = std::mem::replace(&mut self.script_key, key.clone());
        if matches!(old, ScriptKey::File(_)) || state.run.state().is_active() {
            self.parked.retain(|(k, _)| *k != old);
            self.parked.push((old, state));
            while self.parked.len() > PARKED_SCRIPTS {
                // The oldest that is not running.
                match self
                    .parked
                    .iter()
                    .position(|(_, s)| !s.run.state().is_active())
                {
                    Some(i) => drop(self.parked.remove(i)),
                    None => break,
                }
            }
        }
        let restored = match self.parked.iter().position(|(k, _)| *k == key) {
            Some(i) => self.parked.remove(i).1,
            None => ScriptState::default(),
        };
        self.run = restored.run;
        self.charts = restored.charts;
        self.run_options = restored.run_options;
        self.bottom_tab = restored.bottom_tab;
        self.shown_charts = restored.shown_charts;
        // The last check was of the other script.
        self.check_job = None;
        self.check_due = Some(Instant::now());
    }

    /// The key a file is known by: its canonical path.
    fn file_key(path: &Path) -> ScriptKey {
        ScriptKey::File(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
    }

    /// The name of another script whose run is still going, if any.
    fn parked_run(&self) -> Option<String> {
        self.parked
            .iter()
            .find(|(_, s)| s.run.state().is_active())
            .map(|(k, _)| match k {
                ScriptKey::File(p) => p.file_name().map_or_else(
                    || p.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                ),
                ScriptKey::Buffer(_) => "an unsaved script".to_owned(),
            })
    }

    /// Opens `path` into the buffer. On failure the buffer is untouched.
    pub fn load_path(&mut self, ctx: &egui::Context, path: &Path) {
        match files::load(path) {
            Ok(loaded) => {
                self.switch_script(Self::file_key(path));
                self.editor.set_text(ctx, loaded.text.clone());
                self.doc = Document {
                    path: Some(path.to_owned()),
                    name: None,
                    saved_text: loaded.text,
                    dirty: false,
                };
                self.set_watch(Some(path.to_owned()), Some(loaded.stamp));
                self.discard_recovery();
                self.remember_recent(path);
                self.status = format!("Opened {}", path.display());
            }
            Err(e) => self.error("Could not open the file", e.to_string()),
        }
    }

    /// Starts a new, empty, untitled buffer.
    fn new_buffer(&mut self, ctx: &egui::Context) {
        let key = self.new_buffer_key();
        self.switch_script(key);
        self.editor.set_text(ctx, String::new());
        self.doc = Document {
            path: None,
            name: None,
            saved_text: String::new(),
            dirty: false,
        };
        self.set_watch(None, None);
        self.discard_recovery();
    }

    /// Runs `action` now if nothing would be lost, else asks first.
    pub fn request(&mut self, ctx: &egui::Context, action: PendingAction) {
        if self.doc.dirty {
            self.prompt = Some(Prompt::Unsaved(action));
        } else {
            self.perform(ctx, action);
        }
    }

    fn perform(&mut self, ctx: &egui::Context, action: PendingAction) {
        match action {
            PendingAction::New => {
                self.new_buffer(ctx);
                self.status = "New script".to_owned();
            }
            PendingAction::Open(path) => self.load_path(ctx, &path),
            PendingAction::OpenExample(i) => {
                let example = &crate::examples::EXAMPLES[i];
                // A buffer of its own, so that saving never writes over the
                // shipped file: Save asks where, offering the example's name.
                let key = self.new_buffer_key();
                self.switch_script(key);
                self.editor.set_text(ctx, example.text.to_owned());
                self.doc = Document {
                    path: None,
                    name: Some(example.file_name.to_owned()),
                    saved_text: example.text.to_owned(),
                    dirty: false,
                };
                self.set_watch(None, None);
                self.discard_recovery();
                self.status = format!(
                    "Opened the example {}; Save asks where to keep your copy",
                    example.file_name
                );
            }
            PendingAction::Quit => {
                self.allow_close = true;
                ctx.send_viewport_cmd(ViewportCommand::Close);
            }
        }
    }

    /// Saves to the current path, or asks for one. Returns whether the text
    /// is now safely on disk.
    pub fn save(&mut self, ctx: &egui::Context) -> bool {
        let Some(path) = self.doc.path.clone() else {
            self.start_dialog(ctx, DialogPurpose::SaveAs);
            return false;
        };
        self.save_to(&path)
    }

    fn save_to(&mut self, path: &Path) -> bool {
        let text = self.editor.text().to_owned();
        match files::save_atomic(path, &text) {
            Ok(stamp) => {
                // The run state on screen now belongs to the file; whatever
                // was kept for an older script of that name is replaced.
                let key = Self::file_key(path);
                self.parked.retain(|(k, _)| *k != key);
                self.script_key = key;
                self.doc.path = Some(path.to_owned());
                self.doc.saved_text = text;
                self.doc.dirty = false;
                self.set_watch(Some(path.to_owned()), Some(stamp));
                self.discard_recovery();
                self.remember_recent(path);
                self.status = format!("Saved {} ({} bytes)", path.display(), stamp.len);
                true
            }
            Err(e) => {
                self.error("Could not save", e.to_string());
                false
            }
        }
    }

    fn discard_recovery(&mut self) {
        self.recovery_due = None;
        if let Some(r) = &self.recovery {
            r.clear();
        }
    }

    fn dialog_dir(&self, purpose: DialogPurpose) -> PathBuf {
        let recordings = matches!(
            purpose,
            DialogPurpose::OpenRecording | DialogPurpose::CompareRecording
        );
        if recordings && let Some(dir) = self.recordings_dir.as_ref().filter(|d| d.is_dir()) {
            return dir.clone();
        }
        self.doc
            .path
            .as_ref()
            .and_then(|p| p.parent().map(Path::to_owned))
            // A script opened as `dscope trace.d` has "" for its folder.
            .filter(|dir| !dir.as_os_str().is_empty())
            .or_else(|| self.start_dir.clone())
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("/"))
    }

    /// Opens the native dialog where possible, the in-app browser otherwise.
    pub fn start_dialog(&mut self, ctx: &egui::Context, purpose: DialogPurpose) {
        let name = self.doc.name();
        self.start_dialog_named(ctx, purpose, name);
    }

    fn start_dialog_named(&mut self, ctx: &egui::Context, purpose: DialogPurpose, name: String) {
        let dir = self.dialog_dir(purpose);
        self.dialog_name = name;
        if self.dialogs == DialogPreference::Auto
            && let Some(native) = NativeDialog::spawn(ctx, purpose, &dir, &self.dialog_name)
        {
            self.native = Some(native);
            return;
        }
        self.browser = Some(FileBrowser::new(purpose, &dir, &self.dialog_name));
    }

    fn dialog_finished(&mut self, ctx: &egui::Context, purpose: DialogPurpose, path: PathBuf) {
        match purpose {
            DialogPurpose::Open => self.request(ctx, PendingAction::Open(path)),
            DialogPurpose::SaveAs => {
                if self.save_to(&path)
                    && let Some(action) = self.after_save.take()
                {
                    self.perform(ctx, action);
                }
            }
            DialogPurpose::Export(_) => self.export_to(&path),
            DialogPurpose::OpenRecording | DialogPurpose::CompareRecording => {
                self.status = format!("Reading the recording {}…", path.display());
                self.recording_load = Some((purpose, recording_view::load(ctx, path)));
            }
        }
    }

    /// A recording read on its thread arrives: shown, or compared with
    /// the one shown; one that cannot be read says why.
    fn poll_recording(&mut self) {
        let Some((purpose, rx)) = &self.recording_load else {
            return;
        };
        let Ok((path, read)) = rx.try_recv() else {
            return;
        };
        let purpose = *purpose;
        self.recording_load = None;
        self.status.clear();
        match read {
            Ok(rec) => match (&mut self.viewer, purpose) {
                (Some(v), DialogPurpose::CompareRecording) => v.set_compare(path, rec),
                _ => {
                    self.viewer = Some(RecordingView::new(path, rec));
                    self.subscription = None;
                    self.bottom_tab = BottomTab::Aggregations;
                }
            },
            Err(message) => {
                self.prompt = Some(Prompt::Error {
                    title: "Cannot open the recording".into(),
                    message,
                })
            }
        }
    }

    /// The recording shown in the Aggregations panel, if one is open.
    pub fn recording_view(&self) -> Option<&RecordingView> {
        self.viewer.as_ref()
    }

    pub fn recording_view_mut(&mut self) -> Option<&mut RecordingView> {
        self.viewer.as_mut()
    }

    /// Opens a recording as File > Open Recording… does, without a dialog.
    pub fn open_recording(&mut self, ctx: &egui::Context, path: PathBuf) {
        self.dialog_finished(ctx, DialogPurpose::OpenRecording, path);
    }

    /// Whether a recording is being read.
    pub fn reading_recording(&self) -> bool {
        self.recording_load.is_some()
    }

    fn poll_dialogs(&mut self, ctx: &egui::Context) {
        if let Some(native) = &self.native {
            let purpose = native.purpose;
            match native.poll() {
                NativeOutcome::Pending => {}
                NativeOutcome::Chosen(path) => {
                    self.native = None;
                    self.dialog_finished(ctx, purpose, path);
                }
                NativeOutcome::Cancelled => {
                    self.native = None;
                    self.after_save = None;
                    self.export = None;
                }
                NativeOutcome::Unavailable => {
                    self.native = None;
                    self.status = "No native file dialog here; using dscope's own.".to_owned();
                    self.browser = Some(FileBrowser::new(
                        purpose,
                        &self.dialog_dir(purpose),
                        &self.dialog_name,
                    ));
                }
            }
        }
        if let Some(browser) = &mut self.browser {
            let purpose = browser.purpose;
            match browser.show(ctx) {
                BrowserOutcome::Pending => {}
                BrowserOutcome::Cancelled => {
                    self.browser = None;
                    self.after_save = None;
                    self.export = None;
                }
                BrowserOutcome::Chosen(path) => {
                    self.browser = None;
                    self.dialog_finished(ctx, purpose, path);
                }
            }
        }
    }

    fn take_recovery_copy(&mut self) {
        let Some(due) = self.recovery_due else { return };
        if Instant::now() < due {
            return;
        }
        self.recovery_due = None;
        let Some(store) = &self.recovery else { return };
        if !self.doc.dirty {
            store.clear();
            return;
        }
        if let Err(e) = store.write(self.doc.path.as_deref(), self.editor.text()) {
            self.status = format!(
                "Could not write the recovery copy to {}: {e}",
                store.dir().display()
            );
        }
    }

    fn check_disk(&mut self, ctx: &egui::Context) {
        let (changed, path) = match self.watch.lock() {
            Ok(mut w) if w.changed => {
                w.changed = false;
                (true, w.path.clone())
            }
            _ => (false, None),
        };
        let Some(path) = path.filter(|_| changed) else {
            return;
        };
        match DiskStamp::of(&path) {
            Err(_) => {
                // Keep watching for it to come back, but say it is gone.
                self.doc.saved_text.clear();
                self.refresh_dirty();
                self.prompt = Some(Prompt::DeletedOnDisk);
                if let Ok(mut w) = self.watch.lock() {
                    w.known = None;
                }
            }
            Ok(stamp) => {
                if let Ok(mut w) = self.watch.lock() {
                    w.known = Some(stamp);
                }
                if self.doc.dirty {
                    self.prompt = Some(Prompt::ChangedOnDisk);
                } else {
                    self.load_path(ctx, &path);
                    self.status = format!("Reloaded {}: it changed on disk", path.display());
                }
            }
        }
    }

    // ------------------------------------------------------------ drawing

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let shift_cmd = Modifiers::COMMAND | Modifiers::SHIFT;
        // The Shift variant first: plain Ctrl+S would match it too.
        if ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(shift_cmd, Key::S))) {
            self.start_dialog(ctx, DialogPurpose::SaveAs);
        }
        let cmd = |key| KeyboardShortcut::new(Modifiers::COMMAND, key);
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::S))) {
            self.save(ctx);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::O))) {
            self.start_dialog(ctx, DialogPurpose::Open);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::N))) {
            self.request(ctx, PendingAction::New);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&cmd(Key::Q))) {
            self.request(ctx, PendingAction::Quit);
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F2)) {
            self.toggle_probe_browser(ctx);
        }
    }

    /// Shows or hides the probe browser; the first showing lists the
    /// probes.
    pub fn toggle_probe_browser(&mut self, ctx: &egui::Context) {
        self.probes.open = !self.probes.open;
        if self.probes.open && !self.probes.has_list() && self.probes.loading.is_none() {
            self.list_probes(ctx);
        }
    }

    fn list_probes(&mut self, ctx: &egui::Context) {
        let job = match self.scripted_job() {
            Some(n) => n,
            None => self.session(ctx).list_probes(),
        };
        self.probes.loading = Some(job);
    }

    /// Opens the probe browser on the probes the script's descriptions
    /// match, and checks the script for libdtrace's own count.
    pub fn show_matched_probes(&mut self, ctx: &egui::Context) {
        if !self.probes.open {
            self.toggle_probe_browser(ctx);
        }
        let descriptions = crate::lang::probe_pattern::descriptions_in(self.editor.text());
        self.probes.show_matched(descriptions);
        if !self.run.state().is_active() {
            self.start_check(ctx);
        }
    }

    fn run_action(&mut self, ctx: &egui::Context, action: Option<RunAction>) {
        match action {
            Some(RunAction::Check) => self.start_check(ctx),
            Some(RunAction::Run) => self.start_run(ctx),
            Some(RunAction::Stop) => self.stop_run(),
            Some(RunAction::Options) => self.run_options.open = !self.run_options.open,
            Some(RunAction::ClearTarget) => self.set_target(None),
            Some(RunAction::Host(pick)) => self.pick_host(ctx, pick),
            None => {}
        }
    }

    /// Sets what `$target` names for this script's runs.
    pub fn set_target(&mut self, target: Option<crate::session::Target>) {
        self.run_options.target = target;
        // `pid$target` descriptions resolve differently now.
        self.check_due = Some(Instant::now());
    }

    /// Keeps the `pid$target` probes of the script's target process in
    /// the probe browser and completion, asking the worker for them when
    /// the target changes.
    fn follow_target_probes(&mut self, ctx: &egui::Context) {
        let wanted = match &self.run_options.target {
            Some(crate::session::Target::Pid(pid)) => Some(*pid),
            _ => None,
        };
        let have = self.target_probes.as_ref().map(|(pid, _)| *pid);
        let asked = self.target_probes_job.map(|(pid, _)| pid);
        if wanted == have || (wanted.is_some() && wanted == asked) {
            return;
        }
        self.target_probes_job = None;
        if have.is_some() {
            self.target_probes = None;
            self.install_probes();
        }
        if let Some(pid) = wanted {
            let job = match self.scripted_job() {
                Some(n) => n,
                None => self.session(ctx).list_target_probes(pid),
            };
            self.target_probes_job = Some((pid, job));
        }
    }

    /// Gives the browser and completion the system's probes and the
    /// target's, as `pid$target` (how scripts name them).
    fn install_probes(&mut self) {
        let target = self.target_probes.as_ref().map(|(_, list)| list.as_slice());
        match &self.system_probes {
            Some(system) => {
                let mut all = system.clone();
                all.extend(target.unwrap_or_default().iter().cloned());
                self.probes.listed(Ok(all));
                if let Some(tree) = self.probes.tree() {
                    self.editor.set_probes(tree.shared());
                }
            }
            // The browser lists the system's probes when it first opens;
            // until then completion knows the target's.
            None => self
                .editor
                .set_probes(Arc::new(target.unwrap_or_default().to_vec())),
        }
    }

    /// Opens "Trace a command…" (`command`) or "Attach to process…".
    pub fn open_target_dialog(&mut self, command: bool) {
        self.target_dialog = Some(if command {
            let current = match &self.run_options.target {
                Some(crate::session::Target::Command(line)) => line.clone(),
                _ => String::new(),
            };
            TargetDialog::command(&current)
        } else {
            match self.host() {
                Some(host) => TargetDialog::attach_on(host),
                None => TargetDialog::attach(),
            }
        });
    }

    fn poll_target_dialog(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.target_dialog else {
            return;
        };
        match dialog.show(ctx) {
            TargetOutcome::Pending => {}
            TargetOutcome::Cancelled => self.target_dialog = None,
            TargetOutcome::Chosen(target) => {
                self.target_dialog = None;
                self.status = match &target {
                    crate::session::Target::Command(_) => {
                        "The next run starts the command, and $target is its process ID".to_owned()
                    }
                    crate::session::Target::Pid(pid) => {
                        format!("The next run grabs process {pid} as $target")
                    }
                };
                self.set_target(Some(target));
            }
        }
    }

    fn browser_action(&mut self, ctx: &egui::Context, action: Option<BrowserAction>) {
        match action {
            Some(BrowserAction::Insert(description)) => {
                self.editor.insert_at_cursor(ctx, &description);
                self.edited();
            }
            Some(BrowserAction::Refresh) => self.list_probes(ctx),
            Some(BrowserAction::ShowMatched) => self.show_matched_probes(ctx),
            Some(BrowserAction::ArgTypes(probe)) if self.scripted_jobs.is_none() => {
                self.session(ctx).probe_args(probe);
            }
            // A scripted engine answers through apply_session_event.
            Some(BrowserAction::ArgTypes(_)) => {}
            None => {}
        }
    }

    pub fn probe_browser(&self) -> &ProbeBrowser {
        &self.probes
    }

    fn menu_bar(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui
                    .add(egui::Button::new("New").shortcut_text("Ctrl+N"))
                    .clicked()
                {
                    self.request(&ctx, PendingAction::New);
                }
                if ui
                    .add(egui::Button::new("Open…").shortcut_text("Ctrl+O"))
                    .clicked()
                {
                    self.start_dialog(&ctx, DialogPurpose::Open);
                }
                if ui
                    .button("Open Recording…")
                    .on_hover_text("Look at a recorded run again (dscope run --record, or Record)")
                    .clicked()
                {
                    self.start_dialog_named(&ctx, DialogPurpose::OpenRecording, String::new());
                }
                if ui
                    .button("Subscribe…")
                    .on_hover_text(
                        "Watch an AMQP exchange that hosts publish to (dscope run --publish), \
                         every host merged",
                    )
                    .clicked()
                {
                    // Not an address with its password hidden: that is
                    // not the address.
                    let address = self
                        .subscription
                        .as_ref()
                        .filter(|s| !s.address().has_password)
                        .map(|s| s.address().shown.clone())
                        .unwrap_or_default();
                    self.subscribe_dialog = Some(
                        super::subscription_view::SubscribeDialog::with_address(address),
                    );
                }
                ui.menu_button("Open Recent", |ui| {
                    if self.settings.recent_files.is_empty() {
                        ui.weak("(none yet)");
                    }
                    for path in self.settings.recent_files.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.request(&ctx, PendingAction::Open(path));
                        }
                    }
                });
                ui.separator();
                if ui
                    .add(egui::Button::new("Save").shortcut_text("Ctrl+S"))
                    .clicked()
                {
                    self.save(&ctx);
                }
                if ui
                    .add(egui::Button::new("Save As…").shortcut_text("Ctrl+Shift+S"))
                    .clicked()
                {
                    self.start_dialog(&ctx, DialogPurpose::SaveAs);
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Quit").shortcut_text("Ctrl+Q"))
                    .clicked()
                {
                    self.request(&ctx, PendingAction::Quit);
                }
            });
            ui.menu_button("Edit", |ui| {
                if ui
                    .add(egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
                    .clicked()
                {
                    self.editor.undo(&ctx);
                    self.refresh_dirty();
                }
                if ui
                    .add(egui::Button::new("Redo").shortcut_text("Ctrl+Y"))
                    .clicked()
                {
                    self.editor.redo(&ctx);
                    self.refresh_dirty();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Cut").shortcut_text("Ctrl+X"))
                    .clicked()
                {
                    self.editor.copy_selection(&ctx, true);
                    self.edited();
                }
                if ui
                    .add(egui::Button::new("Copy").shortcut_text("Ctrl+C"))
                    .clicked()
                {
                    self.editor.copy_selection(&ctx, false);
                }
                if ui
                    .add(egui::Button::new("Paste").shortcut_text("Ctrl+V"))
                    .clicked()
                {
                    // The window system delivers the clipboard as a paste
                    // event to the focused editor.
                    self.editor.focus();
                    ctx.send_viewport_cmd(ViewportCommand::RequestPaste);
                }
                if ui
                    .add(egui::Button::new("Select All").shortcut_text("Ctrl+A"))
                    .clicked()
                {
                    self.editor.select_all();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Toggle Comment").shortcut_text("Ctrl+/"))
                    .clicked()
                {
                    self.editor.toggle_comment(&ctx);
                    self.edited();
                }
                ui.separator();
                if ui
                    .add(egui::Button::new("Find…").shortcut_text("Ctrl+F"))
                    .clicked()
                {
                    self.editor.open_find();
                }
                if ui
                    .add(egui::Button::new("Replace…").shortcut_text("Ctrl+H"))
                    .clicked()
                {
                    self.editor.open_replace();
                }
                if ui
                    .add(egui::Button::new("Go to Line…").shortcut_text("Ctrl+G"))
                    .clicked()
                {
                    self.editor.open_goto_line();
                }
            });
            ui.menu_button("View", |ui| {
                let mut open = self.probes.open;
                if ui.checkbox(&mut open, "Probe browser (F2)").changed() {
                    self.toggle_probe_browser(&ctx);
                }
                if ui
                    .button("Probes the script would enable")
                    .on_hover_text("Check the script and list the probes its clauses match")
                    .clicked()
                {
                    self.show_matched_probes(&ctx);
                }
                ui.separator();
                let mut theme = self.settings.theme;
                ui.radio_value(&mut theme, ThemeKind::Dark, "Dark theme");
                ui.radio_value(&mut theme, ThemeKind::Light, "Light theme");
                if theme != self.settings.theme {
                    self.settings.theme = theme;
                    self.editor.set_theme(theme);
                    apply_theme(&ctx, theme);
                    self.save_settings();
                }
                ui.separator();
                ui.horizontal(|ui| {
                    ui.label("Editor font");
                    if ui
                        .button("−")
                        .on_hover_text("Smaller editor font")
                        .clicked()
                    {
                        self.set_font_size(self.settings.font_size - 1.0);
                    }
                    ui.label(format!("{:.0} pt", self.settings.font_size));
                    if ui.button("+").on_hover_text("Larger editor font").clicked() {
                        self.set_font_size(self.settings.font_size + 1.0);
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("UI scale");
                    if ui.button("−").on_hover_text("Zoom out (Ctrl+-)").clicked() {
                        ctx.set_zoom_factor((ctx.zoom_factor() - 0.1).max(0.5));
                    }
                    ui.label(format!("{:.0}%", ctx.zoom_factor() * 100.0));
                    if ui.button("+").on_hover_text("Zoom in (Ctrl++)").clicked() {
                        ctx.set_zoom_factor((ctx.zoom_factor() + 0.1).min(3.0));
                    }
                    if ui.button("Reset").on_hover_text("Ctrl+0").clicked() {
                        ctx.set_zoom_factor(1.0);
                    }
                });
                if ui
                    .checkbox(&mut self.settings.blinking_cursor, "Blinking cursor")
                    .on_hover_text("Off saves redraws over remote X and VNC")
                    .changed()
                {
                    apply_cursor_blink(&ctx, self.settings.blinking_cursor);
                    self.save_settings();
                }
                ui.separator();
                let mut builtin = self.dialogs == DialogPreference::BuiltIn;
                if ui
                    .checkbox(&mut builtin, "Use dscope's own file dialog")
                    .on_hover_text("Best over remote X or VNC, where native dialogs may be missing")
                    .changed()
                {
                    self.dialogs = if builtin {
                        DialogPreference::BuiltIn
                    } else {
                        DialogPreference::Auto
                    };
                    self.settings.dialogs = self.dialogs;
                    self.save_settings();
                }
                ui.separator();
                ui.label("Renderer, from the next start")
                    .on_hover_text(crate::renderer_description());
                use crate::settings::RendererPreference as R;
                for (value, label, hint) in [
                    (
                        R::Automatic,
                        "Automatic",
                        "Software over remote X, VNC and without a GPU; OpenGL elsewhere",
                    ),
                    (
                        R::Software,
                        "Software",
                        "Sends only what changed: best over remote X and VNC",
                    ),
                    (
                        R::OpenGl,
                        "OpenGL",
                        "Needs OpenGL (GLX or EGL) on the display",
                    ),
                ] {
                    if ui
                        .radio_value(&mut self.settings.renderer, value, label)
                        .on_hover_text(hint)
                        .changed()
                    {
                        self.save_settings();
                    }
                }
            });
            ui.menu_button("Script", |ui| {
                let active = self.run.state().is_active();
                if ui
                    .add_enabled(!active, egui::Button::new("Run").shortcut_text("F5"))
                    .clicked()
                {
                    self.start_run(&ctx);
                }
                if ui
                    .add_enabled(active, egui::Button::new("Stop").shortcut_text("Shift+F5"))
                    .clicked()
                {
                    self.stop_run();
                }
                if ui
                    .add_enabled(!active, egui::Button::new("Check"))
                    .clicked()
                {
                    self.start_check(&ctx);
                }
                ui.separator();
                if ui
                    .add_enabled(!active, egui::Button::new("Trace a command…"))
                    .on_hover_text("Start a command for the run, as dtrace -c; $target is its pid")
                    .clicked()
                {
                    self.open_target_dialog(true);
                }
                if ui
                    .add_enabled(!active, egui::Button::new("Attach to process…"))
                    .on_hover_text("Trace a running process, as dtrace -p; $target is its pid")
                    .clicked()
                {
                    self.open_target_dialog(false);
                }
                if ui
                    .add_enabled(
                        !active && self.run_options.target.is_some(),
                        egui::Button::new("No target process"),
                    )
                    .clicked()
                {
                    self.set_target(None);
                }
                ui.separator();
                if ui.button("Options…").clicked() {
                    self.run_options.open = true;
                }
            });
            ui.menu_button("Examples", |ui| {
                let mut heading = "";
                for (i, example) in crate::examples::EXAMPLES.iter().enumerate() {
                    if example.category != heading {
                        if !heading.is_empty() {
                            ui.separator();
                        }
                        heading = example.category;
                        ui.weak(heading);
                    }
                    if ui
                        .button(example.file_name)
                        .on_hover_text(example.summary())
                        .clicked()
                    {
                        self.request(&ctx, PendingAction::OpenExample(i));
                    }
                }
            });
            ui.menu_button("Help", |ui| {
                if ui.button("Keyboard Shortcuts").clicked() {
                    self.help = Some(HelpPage::Shortcuts);
                }
                if ui.button("About dscope").clicked() {
                    self.help = Some(HelpPage::About);
                }
            });
        });
    }

    fn set_font_size(&mut self, size: f32) {
        self.settings.font_size = size.clamp(8.0, 40.0);
        self.editor.set_font_size(self.settings.font_size);
        self.save_settings();
    }

    fn status_bar(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            let name = self.doc.name();
            if self.doc.dirty {
                ui.label(format!("{name} •"))
                    .on_hover_text("Unsaved changes");
            } else {
                ui.label(name);
            }
            ui.separator();
            let (line, col) = self.editor.cursor_line_col();
            ui.label(format!("Ln {line}, Col {col}"));
            ui.separator();
            ui.label(format!("{} lines", self.editor.line_count()));
            if !self.status.is_empty() {
                ui.separator();
                ui.label(&self.status);
            }
        });
    }

    fn prompts(&mut self, ctx: &egui::Context) {
        let Some(prompt) = self.prompt.take() else {
            return;
        };
        let mut keep = true;
        let modal = egui::Modal::new(Id::unique("dscope-prompt")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            match &prompt {
                Prompt::Unsaved(action) => {
                    ui.heading("Unsaved changes");
                    ui.label(format!(
                        "{} has changes that are not saved. Save them first?",
                        self.doc.name()
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Save").clicked() {
                            keep = false;
                            if self.doc.path.is_some() {
                                if self.save(ctx) {
                                    self.perform(ctx, action.clone());
                                }
                            } else {
                                self.after_save = Some(action.clone());
                                self.start_dialog(ctx, DialogPurpose::SaveAs);
                            }
                        }
                        if ui.button("Discard").clicked() {
                            keep = false;
                            // Other actions drop the recovery copy once the
                            // buffer is really replaced (a load can fail).
                            if *action == PendingAction::Quit {
                                self.discard_recovery();
                            }
                            self.perform(ctx, action.clone());
                        }
                        if ui.button("Cancel").clicked() {
                            keep = false;
                        }
                    });
                }
                Prompt::Error { title, message } => {
                    ui.heading(title);
                    ui.label(message);
                    if ui.button("OK").clicked() {
                        keep = false;
                    }
                }
                Prompt::Recover(orphans) => {
                    ui.heading(crate::troubleshooting::RECOVER.says);
                    ui.label("dscope did not exit cleanly last time. Unsaved text was kept:");
                    let mut take = None;
                    let mut drop = None;
                    for (file, record) in orphans {
                        ui.horizontal(|ui| match record {
                            Ok(r) => {
                                ui.label(r.describe());
                                if ui.button("Recover").clicked() {
                                    take = Some((file.clone(), r.clone()));
                                }
                                if ui.button("Discard").clicked() {
                                    drop = Some(file.clone());
                                }
                            }
                            Err(e) => {
                                ui.label(format!("{}: {e}", file.display()));
                                if ui.button("Delete").clicked() {
                                    drop = Some(file.clone());
                                }
                            }
                        });
                    }
                    if ui.button("Later").on_hover_text("Keep the copies and decide next time").clicked() {
                        keep = false;
                    }
                    if let Some(file) = drop {
                        // The list is rebuilt from what is left on disk.
                        keep = false;
                        self.recovery_dropped(&file);
                    }
                    if let Some((file, record)) = take {
                        self.recover(ctx, &file, record);
                        keep = false;
                    }
                }
                Prompt::ChangedOnDisk => {
                    ui.heading("File changed on disk");
                    ui.label(format!(
                        "{} was changed by another program, and you have unsaved changes.",
                        self.doc.name()
                    ));
                    ui.horizontal(|ui| {
                        if ui.button("Reload from disk").on_hover_text("Your unsaved changes are lost").clicked() {
                            keep = false;
                            if let Some(p) = self.doc.path.clone() {
                                self.load_path(ctx, &p);
                            }
                        }
                        if ui.button("Keep my version").on_hover_text("Saving will overwrite the other program's changes").clicked() {
                            keep = false;
                        }
                    });
                }
                Prompt::Destructive { calls, pragma } => {
                    ui.heading("Allow destructive actions?");
                    ui.label(destructive_question(calls, *pragma, self.host()));
                    ui.horizontal(|ui| {
                        if ui
                            .button(egui::RichText::new("Run with destructive actions").color(ui.visuals().warn_fg_color))
                            .clicked()
                        {
                            keep = false;
                            self.destructive_once = true;
                            self.start_run(ctx);
                        }
                        if ui.button("Cancel").clicked() {
                            keep = false;
                        }
                    });
                }
                Prompt::DeletedOnDisk => {
                    ui.heading("File deleted");
                    ui.label(format!(
                        "{} was deleted or moved by another program. Your text is still here; Save writes it again.",
                        self.doc.name()
                    ));
                    if ui.button("OK").clicked() {
                        keep = false;
                    }
                }
            }
        });
        if modal.should_close() && !matches!(prompt, Prompt::Recover(_)) {
            keep = false;
        }
        // A handler above may have put up the next prompt; keep that one.
        if keep && self.prompt.is_none() {
            self.prompt = Some(prompt);
        }
    }

    fn help_window(&mut self, ctx: &egui::Context) {
        let Some(page) = self.help else { return };
        let mut open = true;
        let title = match page {
            HelpPage::About => "About dscope",
            HelpPage::Shortcuts => "Keyboard shortcuts",
        };
        egui::Window::new(title)
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| match page {
                HelpPage::About => {
                    ui.heading(format!("dscope {}", env!("CARGO_PKG_VERSION")));
                    ui.label(env!("CARGO_PKG_DESCRIPTION"));
                    ui.separator();
                    egui::Grid::new("about-grid").num_columns(2).show(ui, |ui| {
                        ui.label("Renderer");
                        ui.label(crate::renderer_description());
                        ui.end_row();
                        ui.label("Display");
                        ui.label(display_description());
                        ui.end_row();
                        ui.label("libdtrace");
                        ui.label(
                            "loaded by each run's worker; `dscope doctor` says which one and what it needs",
                        );
                        ui.end_row();
                        ui.label("Settings");
                        ui.label(
                            self.settings_path
                                .as_ref()
                                .map_or("not kept".to_owned(), |p| p.display().to_string()),
                        );
                        ui.end_row();
                    });
                    ui.separator();
                    ui.label(
                        "Documentation: the README that comes with dscope describes every part \
                         of the window and the commands; `dscope --help` lists the commands and \
                         `dscope doctor` checks what running D needs on this machine.",
                    );
                }
                HelpPage::Shortcuts => {
                    egui::Grid::new("shortcut-grid")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for (keys, what) in SHORTCUTS {
                                ui.label(egui::RichText::new(*keys).monospace());
                                ui.label(*what);
                                ui.end_row();
                            }
                        });
                }
            });
        if !open {
            self.help = None;
        }
    }

    /// Deletes one recovery file and offers whatever is left.
    fn recovery_dropped(&mut self, file: &Path) {
        if let Some(store) = &self.recovery {
            store.discard(file);
            let rest = store.orphans();
            if !rest.is_empty() {
                self.prompt = Some(Prompt::Recover(rest));
            }
        }
    }

    /// Takes the text of a crashed session's recovery `file` into the
    /// buffer.
    fn recover(&mut self, ctx: &egui::Context, file: &Path, record: RecoveryRecord) {
        let Some(store) = self.recovery.clone() else {
            return;
        };
        // The saved version is what is on disk now, so the buffer shows as
        // unsaved exactly when the recovered text differs from it.
        let on_disk = record.path.as_deref().and_then(|p| files::load(p).ok());
        let key = match &record.path {
            Some(p) => Self::file_key(p),
            None => self.new_buffer_key(),
        };
        self.switch_script(key);
        self.editor.set_text(ctx, record.text.clone());
        self.doc = Document {
            path: record.path.clone(),
            name: None,
            saved_text: on_disk.as_ref().map(|l| l.text.clone()).unwrap_or_default(),
            dirty: true,
        };
        self.refresh_dirty();
        self.set_watch(record.path.clone(), on_disk.map(|l| l.stamp));
        // Take over the copy: write our own before deleting the orphan.
        if store.write(record.path.as_deref(), &record.text).is_ok() {
            store.discard(file);
        }
        self.status = format!("Recovered {}", record.describe());
    }

    fn handle_close_request(&mut self, ctx: &egui::Context) {
        if !ctx.input(|i| i.viewport().close_requested()) {
            return;
        }
        if self.doc.dirty && !self.allow_close {
            ctx.send_viewport_cmd(ViewportCommand::CancelClose);
            self.prompt = Some(Prompt::Unsaved(PendingAction::Quit));
            return;
        }
        if let Some(rect) = ctx.input(|i| i.viewport().inner_rect) {
            self.settings.window_size = Some([rect.width(), rect.height()]);
        }
        self.save_settings();
        if !self.doc.dirty {
            self.discard_recovery();
        }
    }

    /// One frame of the whole app.
    pub fn frame(&mut self, ui: &mut Ui) {
        if let Some(message) = self.panic_next_frame.take() {
            panic!("{message}");
        }
        let ctx = ui.ctx().clone();
        self.check_disk(&ctx);
        // A prompt or dialog owns the keyboard: no shortcut may act behind it.
        let modal_open = self.prompt.is_some()
            || self.browser.is_some()
            || self.native.is_some()
            || self.target_dialog.is_some()
            || self.add_host.is_some()
            || self.subscribe_dialog.is_some();
        if !modal_open {
            self.shortcuts(&ctx);
            self.run_shortcuts(&ctx);
        }
        self.poll_session();
        self.follow_target_probes(&ctx);
        self.editor.set_shortcuts_enabled(!modal_open);
        self.poll_dialogs(&ctx);
        self.poll_recording();
        self.prompts(&ctx);
        self.poll_target_dialog(&ctx);
        self.poll_add_host(&ctx);
        self.poll_subscription(&ctx);
        self.help_window(&ctx);

        egui::Panel::top("dscope-menu").show(ui, |ui| self.menu_bar(ui));
        let options_label = self.run_options.button_text();
        let destructive = self.run_options.destructive();
        let target = self
            .run_options
            .target
            .as_ref()
            .map(super::run_options::describe_target);
        let host = self.host.as_ref().map(super::hosts::HostTarget::name);
        let recent = &self.settings.recent_hosts;
        let action = egui::Panel::top("dscope-run-bar")
            .show(ui, |ui| {
                self.run.bar(
                    ui,
                    (host, recent),
                    &options_label,
                    destructive,
                    target.as_deref(),
                )
            })
            .inner;
        self.run_action(&ctx, action);
        self.run_options.show(&ctx);
        // The status bar's room is taken now, but it is filled in after the
        // editor has handled this frame's keys: drawn here, the cursor's
        // line and column would lag a frame and every key would need a
        // second frame (over remote X, a second picture sent).
        let status_rect = egui::Panel::bottom("dscope-status")
            .exact_size(ui.spacing().interact_size.y + 6.0)
            .show(ui, |ui| ui.max_rect())
            .inner;
        // The probe browser takes the whole height beside the editor and the
        // bottom panel: a list needs rows, not a strip.
        if self.probes.open {
            // A third of a small window, so the charts keep their width.
            let action = egui::Panel::left("dscope-probes")
                .resizable(true)
                .default_size((ui.available_width() * 0.3).clamp(200.0, 300.0))
                .size_range(200.0..=(ui.available_width() * 0.5).max(200.0))
                .show(ui, |ui| self.probes.show(ui))
                .inner;
            self.browser_action(&ctx, action);
        }
        let available = ui.available_height();
        let window = ctx.content_rect().size();
        let window = [window.x, window.y];
        let height = if self.output_maximized {
            // Two lines of the editor stay in view.
            (available - 90.0).max(MIN_OUTPUT_HEIGHT)
        } else {
            output_height(available, self.settings.split_for(window))
        };
        egui::Panel::bottom("dscope-output")
            .resizable(false)
            .exact_size(height)
            .show(ui, |ui| self.bottom_panel(ui));
        // The grip is a panel of its own above the bottom panel, so what
        // the charts are given is the whole of that panel.
        let split = egui::Panel::bottom("dscope-split")
            .resizable(false)
            .exact_size(SPLIT_GRIP)
            .frame(egui::Frame::NONE.fill(ui.visuals().panel_fill))
            .show_separator_line(false)
            .show(ui, split_handle)
            .inner;
        if let Some(drag) = split
            && !self.output_maximized
        {
            match drag {
                SplitDrag::By(dy) => {
                    let wanted = output_height(available, (height - dy) / available.max(1.0));
                    self.settings.set_split(window, wanted / available.max(1.0));
                }
                SplitDrag::Done => self.save_settings(),
            }
        }
        egui::CentralPanel::default()
            .frame(egui::Frame::NONE)
            .show(ui, |ui| {
                let response = self.editor.show(ui);
                if self.editor.take_probe_request()
                    && !self.probes.has_list()
                    && self.probes.loading.is_none()
                {
                    self.list_probes(&ctx);
                }
                if response.changed {
                    self.edited();
                }
            });
        let mut status = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(status_rect)
                .layout(egui::Layout::left_to_right(egui::Align::Center)),
        );
        self.status_bar(&mut status);
        if !modal_open
            && ctx.input_mut(|i| {
                i.consume_shortcut(&KeyboardShortcut::new(Modifiers::COMMAND, Key::Y))
            })
        {
            self.editor.redo(&ctx);
            self.refresh_dirty();
        }

        self.take_recovery_copy();
        // No checks during a run (the worker is busy with it); the edit is
        // checked once the run ends, which wakes the UI.
        // Nor while the completion popup is open: the word is half typed.
        if let Some(due) = self.check_due
            && !self.run.state().is_active()
            && self.editor.completion().is_none()
        {
            if Instant::now() < due {
                ctx.request_repaint_after(due.saturating_duration_since(Instant::now()));
            } else if self.editor.text().trim().is_empty() {
                // Nothing written yet is not an error to show as you type
                // ("empty D program"); Check still says it.
                self.check_due = None;
                self.check_job = None;
                self.editor.set_diagnostics(Vec::new());
            } else {
                self.start_check(&ctx);
            }
        }
        if let Some(due) = self.recovery_due {
            ctx.request_repaint_after(due.saturating_duration_since(Instant::now()));
        }
        if (ctx.zoom_factor() - self.settings.zoom).abs() > f32::EPSILON {
            self.settings.zoom = ctx.zoom_factor();
            self.save_settings();
        }
        self.capture_png(&ctx, modal_open);
        self.handle_close_request(&ctx);
        let title = self.title();
        if title != self.sent_title {
            ctx.send_viewport_cmd(ViewportCommand::Title(title.clone()));
            self.sent_title = title;
        }
    }
}

impl DscopeApp {
    pub fn run_panel(&self) -> &RunPanel {
        &self.run
    }

    pub fn run_panel_mut(&mut self) -> &mut RunPanel {
        &mut self.run
    }

    fn session(&mut self, ctx: &egui::Context) -> &mut Session {
        let program = self.worker_program.clone().unwrap_or_default();
        let host = &self.host;
        self.session.get_or_insert_with(|| {
            let ctx = ctx.clone();
            let waker: crate::session::Waker = Arc::new(move || ctx.request_repaint());
            match host {
                Some(h) if h.endpoints.len() == 1 => {
                    Session::start_remote(h.endpoints[0].clone(), Some(waker))
                }
                Some(h) => Session::start_fleet(h.endpoints.clone(), Some(waker)),
                None => Session::start(program, Some(waker)),
            }
        })
    }

    /// The host checks and runs happen on (`None`: this machine).
    pub fn host(&self) -> Option<&str> {
        self.host.as_ref().map(super::hosts::HostTarget::name)
    }

    /// Makes `given` the host, remembered among the recent ones; false
    /// (with the reason in the status bar) when it is not a host.
    fn take_host(&mut self, given: crate::settings::RecentHost) -> bool {
        match super::hosts::HostTarget::new(given) {
            Ok(h) => {
                self.settings.add_recent_host(h.given.clone());
                self.save_settings();
                self.host = Some(h);
                true
            }
            Err(e) => {
                self.status = e;
                false
            }
        }
    }

    /// Works on `host` from now on (`None`: this machine): checks, the
    /// probe list, completion and runs. Refused while a run is active.
    pub fn set_host(&mut self, ctx: &egui::Context, host: Option<crate::settings::RecentHost>) {
        if self.run.state().is_active() || self.parked_run().is_some() {
            self.run
                .refused("Stop the run before changing where scripts run.".into());
            return;
        }
        match host {
            Some(given) => {
                if !self.take_host(given) {
                    return;
                }
            }
            None => self.host = None,
        }
        // Answers still on their way are the other machine's, and so is
        // the last check's probe count.
        self.session = None;
        self.check_job = None;
        self.run.forget_matches();
        self.system_probes = None;
        self.target_probes = None;
        self.target_probes_job = None;
        self.probes.forget();
        self.install_probes();
        // A process ID names a process of the machine it was chosen on.
        if matches!(
            self.run_options.target,
            Some(crate::session::Target::Pid(_))
        ) {
            self.run_options.target = None;
        }
        if self.probes.open {
            self.list_probes(ctx);
        }
        self.check_due = Some(Instant::now());
        self.status = match self.host() {
            Some(h) => format!("Checks, probes and runs now happen on {h} (through ssh)"),
            None => "Checks, probes and runs now happen on this machine".to_owned(),
        };
    }

    fn pick_host(&mut self, ctx: &egui::Context, pick: super::hosts::TargetPick) {
        use super::hosts::TargetPick;
        match pick {
            TargetPick::ThisMachine => self.set_host(ctx, None),
            TargetPick::Host(h) => self.set_host(ctx, Some(h)),
            TargetPick::AddHost => self.add_host = Some(Default::default()),
        }
    }

    /// Watches `address`'s exchange in the Aggregations panel, in place of
    /// any subscription before.
    pub fn subscribe(&mut self, ctx: &egui::Context, address: crate::amqp::Address) {
        let c = ctx.clone();
        let waker: crate::session::Waker = Arc::new(move || c.request_repaint());
        self.status = format!("Subscribing to {}…", address.shown);
        self.subscription = Some(super::subscription_view::SubscriptionView::new(
            address,
            Some(waker),
        ));
        self.viewer = None;
        self.bottom_tab = BottomTab::Aggregations;
    }

    /// The subscription shown in the Aggregations panel, if any.
    pub fn subscription_view(&self) -> Option<&super::subscription_view::SubscriptionView> {
        self.subscription.as_ref()
    }

    fn poll_subscription(&mut self, ctx: &egui::Context) {
        use super::subscription_view::SubscribeOutcome;
        if let Some(dialog) = &mut self.subscribe_dialog {
            match dialog.show(ctx) {
                SubscribeOutcome::Pending => {}
                SubscribeOutcome::Cancelled => self.subscribe_dialog = None,
                SubscribeOutcome::Chosen(address) => {
                    self.subscribe_dialog = None;
                    self.subscribe(ctx, address);
                }
            }
        }
        if let Some(s) = &mut self.subscription {
            s.poll();
            use super::subscription_view::State;
            let said = format!("Subscribing to {}…", s.address().shown);
            if self.status == said {
                match &s.state {
                    State::Connecting => {}
                    State::Subscribed => {
                        self.status = format!("Subscribed to {}", s.address().shown)
                    }
                    State::Ended(why) => self.status = why.clone(),
                }
            }
        }
    }

    fn poll_add_host(&mut self, ctx: &egui::Context) {
        use super::hosts::AddHostOutcome;
        let Some(dialog) = &mut self.add_host else {
            return;
        };
        match dialog.show(ctx) {
            AddHostOutcome::Pending => {}
            AddHostOutcome::Cancelled => self.add_host = None,
            AddHostOutcome::Chosen(h) => {
                self.add_host = None;
                self.set_host(ctx, Some(h));
            }
        }
    }

    /// The script with the Run Options; options that cannot be passed to
    /// libdtrace are left out here and refused by [`Self::start_run`].
    pub fn script(&self) -> Script {
        Script {
            source: self.editor.text().to_owned(),
            name: self.doc.name(),
            options: self.run_options.dtrace_options().unwrap_or_default(),
            args: self.run_options.args.clone(),
            destructive: self.run_options.destructive(),
            targets: self.run_options.target.iter().cloned().collect(),
            probes: Vec::new(),
        }
    }

    pub fn run_options_mut(&mut self) -> &mut RunOptions {
        &mut self.run_options
    }

    fn start_check(&mut self, ctx: &egui::Context) {
        self.check_due = None;
        let script = self.script();
        self.check_job = Some(match self.scripted_job() {
            Some(n) => n,
            None => self.session(ctx).check(script),
        });
    }

    /// With a scripted engine, the next job number (the worker's are
    /// handed out by the session).
    fn scripted_job(&mut self) -> Option<u64> {
        let n = self.scripted_jobs.as_mut()?;
        *n += 1;
        Some(*n)
    }

    /// The job asking for the target process's probes, while it is out.
    pub fn target_probes_job(&self) -> Option<u64> {
        self.target_probes_job.map(|(_, job)| job)
    }

    /// The job of the latest check.
    pub fn check_job(&self) -> Option<u64> {
        self.check_job
    }

    pub fn start_run(&mut self, ctx: &egui::Context) {
        if self.worker_program.is_none() {
            self.run
                .refused("Running is not available: dscope could not find its own program.".into());
            return;
        }
        if let Err(why) = self.run_options.dtrace_options() {
            self.run.refused(format!("Run Options: {why}"));
            self.run_options.open = true;
            return;
        }
        let allowed_once = std::mem::take(&mut self.destructive_once);
        if !self.run_options.destructive() && !allowed_once {
            let text = self.editor.text();
            let calls = crate::lang::complete::destructive_calls(text);
            let pragma = crate::lang::complete::destructive_pragma_line(text).is_some();
            if !calls.is_empty() || pragma {
                self.prompt = Some(Prompt::Destructive { calls, pragma });
                return;
            }
        }
        let mut script = self.script();
        script.destructive |= allowed_once;
        let duration = self.run.duration();
        let sent = if let Some(other) = self.parked_run() {
            Err(format!(
                "{other} is still running; open it again to stop it, or wait until it ends."
            ))
        } else if self.scripted_jobs.is_some() && self.run.state().is_active() {
            Err("A script is already running; stop it before starting another.".into())
        } else if let Some(n) = self.scripted_job() {
            Ok(n)
        } else {
            self.session(ctx).run(script, duration, SNAPSHOT_EVERY)
        };
        match sent {
            Ok(job) => {
                let source = self.editor.text().to_owned();
                self.run.started(job, &self.doc.name(), &source);
                self.shown_charts = false;
                self.check_due = None;
                if self.run.record {
                    self.start_recording(&source);
                }
            }
            Err(why) => self.run.refused(why),
        }
    }

    /// Records the run just started into the recordings folder, named
    /// after the script and the time.
    fn start_recording(&mut self, source: &str) {
        let Some(dir) = self.recordings_dir.clone() else {
            self.run
                .refused("Recording is off: dscope has no folder to keep recordings in.".into());
            return;
        };
        if let Err(e) = crate::writes::create_dir_all(&dir) {
            self.run.refused(format!(
                "cannot make the recordings folder {}: {e}; the run goes on without recording",
                dir.display()
            ));
            return;
        }
        let name = self.doc.name();
        let stem = name.trim_end_matches(".d");
        let file = format!(
            "{stem}-{}.dsrec",
            chrono::Local::now().format("%Y%m%d-%H%M%S")
        );
        let mut header = Header::new(&name, source, SNAPSHOT_EVERY.as_millis() as u64);
        header.host = self.host.as_ref().map(|h| h.given.host.clone());
        header.options = self
            .script()
            .options
            .iter()
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n.clone(),
            })
            .collect();
        header.args = self.run_options.args.clone();
        self.run.record_to(dir.join(file), &header);
    }

    pub fn stop_run(&mut self) {
        if let Some(s) = &self.session {
            s.stop();
        }
        self.run.stopping();
    }

    /// Routes one event from the worker: the run's to the run panel, the
    /// latest check's to the editor. Stale check answers are ignored.
    pub fn apply_session_event(&mut self, e: SessionEvent) {
        if let Event::ProbeArgs { probe, types } = e.event {
            self.probes.arg_types_known(&probe, types);
            return;
        }
        if Some(e.job) == self.probes.loading {
            if let Event::Probes(result) = e.event {
                match result {
                    Ok(list) => {
                        self.system_probes = Some(list);
                        self.install_probes();
                    }
                    Err(e) => self.probes.listed(Err(e)),
                }
            }
            return;
        }
        if let Some((pid, job)) = self.target_probes_job
            && e.job == job
        {
            self.target_probes_job = None;
            if let Event::Probes(result) = e.event {
                match result {
                    Ok(list) => {
                        let ours = format!("pid{pid}");
                        let aliased = list
                            .into_iter()
                            .filter(|p| p.provider == ours)
                            .map(|mut p| {
                                p.provider = "pid$target".to_owned();
                                p
                            })
                            .collect();
                        self.target_probes = Some((pid, aliased));
                        self.install_probes();
                    }
                    Err(m) => {
                        self.status = format!("Cannot list the probes of process {pid}: {m}");
                        // Not asked again for this target: the answer
                        // would be the same.
                        self.target_probes = Some((pid, Vec::new()));
                    }
                }
            }
            return;
        }
        if let Some((_, parked)) = self
            .parked
            .iter_mut()
            .find(|(_, s)| s.run.run_job() == Some(e.job))
        {
            // A run of a script that is not on screen: its diagnostics are
            // found again by the check that runs when it comes back.
            parked.run.apply_from(e.host.as_deref(), e.event);
            return;
        }
        if Some(e.job) == self.run.run_job() {
            let snapshot = matches!(&e.event, Event::Snapshot(s) if !s.aggregations.is_empty());
            if let Some(d) = self.run.apply_from(e.host.as_deref(), e.event) {
                self.show_diagnostics(d);
            }
            // A script that only aggregates has nothing to say in the
            // console: show its charts, once per run.
            if snapshot && !self.shown_charts && !self.run.console.has_output() {
                self.shown_charts = true;
                if self.bottom_tab == BottomTab::Console {
                    self.bottom_tab = BottomTab::Aggregations;
                }
            }
            return;
        }
        if Some(e.job) != self.check_job {
            return;
        }
        match e.event {
            Event::Checked { matches } => {
                self.editor.set_diagnostics(Vec::new());
                self.run.notice = None;
                self.run.apply(Event::Checked { matches });
            }
            Event::Diagnostics(d) => {
                self.run.notice = None;
                self.show_diagnostics(d);
            }
            Event::Failed(m) => self.run.notice = Some(format!("Cannot check: {m}")),
            _ => {}
        }
    }

    /// Puts a check's or run's diagnostics in the editor. libdtrace places
    /// some messages about the script as a whole (an extraneous macro
    /// argument) on a line past its end: those belong to no line.
    fn show_diagnostics(&mut self, mut diagnostics: Vec<Diagnostic>) {
        // The empty "line" after a final newline holds nothing either.
        let text = self.editor.text();
        let lines = self.editor.line_count() - usize::from(text.ends_with('\n'));
        for d in &mut diagnostics {
            if d.file.is_none() && d.line > lines {
                d.line = 0;
                d.columns = None;
            }
        }
        self.editor.set_diagnostics(diagnostics);
    }

    fn poll_session(&mut self) {
        while let Some(e) = self.session.as_ref().and_then(Session::try_recv) {
            self.apply_session_event(e);
        }
    }

    fn run_shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.input_mut(|i| i.consume_key(Modifiers::SHIFT, Key::F5)) {
            self.stop_run();
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::F5))
            && !self.run.state().is_active()
        {
            self.start_run(ctx);
        }
    }

    fn bottom_panel(&mut self, ui: &mut Ui) {
        let ctx = ui.ctx().clone();
        let problems = self.editor.diagnostics().len();
        ui.horizontal(|ui| {
            ui.selectable_value(&mut self.bottom_tab, BottomTab::Console, "Console");
            let title = if problems == 0 {
                "Problems".to_owned()
            } else {
                format!("Problems ({problems})")
            };
            ui.selectable_value(&mut self.bottom_tab, BottomTab::Problems, title);
            ui.selectable_value(
                &mut self.bottom_tab,
                BottomTab::Aggregations,
                "Aggregations",
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let (text, hint) = if self.output_maximized {
                    ("Restore", "Give the editor its room back")
                } else {
                    ("Maximize", "Make this panel as tall as the window")
                };
                if ui.button(text).on_hover_text(hint).clicked() {
                    self.output_maximized = !self.output_maximized;
                }
            });
        });
        ui.separator();
        match self.bottom_tab {
            BottomTab::Console => {
                let action = self.run.console_ui(ui);
                if let Some(ConsoleAction::GoToLine(line)) = action {
                    self.editor.goto_line(line);
                }
                if action == Some(ConsoleAction::Save) {
                    let stem = self.doc.name().trim_end_matches(".d").to_owned();
                    self.export = Some((ExportFormat::Console, String::new()));
                    self.start_dialog_named(
                        &ctx,
                        DialogPurpose::Export(ExportFormat::Console),
                        format!("{stem}-output.txt"),
                    );
                }
            }
            BottomTab::Problems => self.problems_ui(ui),
            BottomTab::Aggregations => {
                let action = if let Some(viewer) = &mut self.viewer {
                    match viewer.ui(ui) {
                        Some(ViewerAction::Close) => {
                            self.viewer = None;
                            None
                        }
                        Some(ViewerAction::Compare) => {
                            self.start_dialog_named(
                                &ctx,
                                DialogPurpose::CompareRecording,
                                String::new(),
                            );
                            None
                        }
                        Some(ViewerAction::Chart(a)) => Some(a),
                        None => None,
                    }
                } else if let Some(sub) = &mut self.subscription {
                    use super::subscription_view::SubscriptionAction;
                    match sub.ui(ui) {
                        Some(SubscriptionAction::Close) => {
                            self.subscription = None;
                            None
                        }
                        Some(SubscriptionAction::Chart(a)) => Some(a),
                        None => None,
                    }
                } else {
                    let generation = self.run.snapshot_generation();
                    let time = TimeView {
                        history: self.run.history(),
                        started: self.run.started_wall(),
                        cursor: None,
                    };
                    self.charts.show(ui, self.run.snapshot(), generation, time)
                };
                if let Some(ChartAction::Export(format, name)) = action {
                    // The anonymous aggregation `@` is called "_".
                    let stem = self.doc.name().trim_end_matches(".d").to_owned();
                    let file = if name.is_empty() || name == "_" {
                        format!("{stem}-aggregation")
                    } else {
                        format!("{stem}-{name}")
                    };
                    let suggested = format!("{file}.{}", format.extension());
                    self.export = Some((format, name));
                    self.start_dialog_named(&ctx, DialogPurpose::Export(format), suggested);
                }
            }
        }
    }

    /// The diagnostics of the last check; a click puts the cursor there.
    fn problems_ui(&mut self, ui: &mut Ui) {
        let mut jump = None;
        egui::ScrollArea::vertical()
            .id_salt("dscope-problems")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if self.editor.diagnostics().is_empty() {
                    ui.label("No problems: the last check found nothing to report.");
                }
                for d in self.editor.diagnostics() {
                    let place = match (&d.file, d.line) {
                        (Some(f), l) => format!("{}:{l}", f.display()),
                        (None, 0) => "script".to_owned(),
                        (None, l) => match &d.columns {
                            Some(c) => format!("line {l}:{}", c.start + 1),
                            None => format!("line {l}"),
                        },
                    };
                    let text = format!("{}  {place}  {}", d.severity.label(), d.message);
                    let color = super::editor::diagnostic_color(d.severity, ui.visuals().dark_mode);
                    let r = ui.add(
                        egui::Button::selectable(false, egui::RichText::new(text).color(color))
                            .wrap(),
                    );
                    if r.on_hover_text("Go to this line").clicked()
                        && d.file.is_none()
                        && d.line > 0
                    {
                        jump = Some((d.line, d.columns.as_ref().map_or(0, |c| c.start)));
                    }
                }
            });
        if let Some((line, column)) = jump {
            self.editor.goto(line, column);
        }
    }

    pub fn bottom_tab(&self) -> BottomTab {
        self.bottom_tab
    }

    pub fn set_bottom_tab(&mut self, tab: BottomTab) {
        self.bottom_tab = tab;
    }

    pub fn charts(&self) -> &AggregationsView {
        &self.charts
    }

    pub fn charts_mut(&mut self) -> &mut AggregationsView {
        &mut self.charts
    }

    /// Writes the export the Save dialog was opened for.
    pub fn export_to(&mut self, path: &Path) {
        let Some((format, name)) = self.export.take() else {
            return;
        };
        let text = match format {
            ExportFormat::Console => self.run.console_text(),
            ExportFormat::Png => {
                // Drawn again without the dialog over it, then captured.
                self.png_pending = Some(path.to_owned());
                return;
            }
            ExportFormat::Csv | ExportFormat::Json => {
                let Some(agg) = self.run.snapshot().and_then(|s| s.get(&name)) else {
                    self.error(
                        "Nothing to export",
                        format!("The aggregation @{name} is no longer there."),
                    );
                    return;
                };
                if format == ExportFormat::Csv {
                    export::csv(agg)
                } else {
                    export::json(agg)
                }
            }
        };
        match files::save_atomic(path, &text) {
            Ok(_) => self.status = format!("Saved {}", path.display()),
            Err(e) => self.error("Could not save", e.to_string()),
        }
    }

    /// Captures the chart for a PNG export once nothing covers it, and
    /// reports exports that finished.
    fn capture_png(&mut self, ctx: &egui::Context, modal_open: bool) {
        while let Ok(result) = self.png_done.1.try_recv() {
            match result {
                Ok(path) => self.status = format!("Saved {}", path.display()),
                Err(e) => self.error("Could not export the chart", e),
            }
        }
        if modal_open || self.browser.is_some() || self.native.is_some() {
            return;
        }
        let Some(path) = self.png_pending.take() else {
            return;
        };
        let Some(rect) = self.charts.chart_rect() else {
            self.error(
                "Could not export the chart",
                "The chart is not on screen: open the Aggregations tab and try again.".into(),
            );
            return;
        };
        let ppp = ctx.pixels_per_point();
        let done = self.png_done.0.clone();
        let waker = ctx.clone();
        ctx.request_screenshot(move |image| {
            let result = export::png(&image, rect, ppp).and_then(|bytes| {
                files::save_atomic_bytes(&path, &bytes, files::NewFile::Shared)
                    .map(|_| path.clone())
                    .map_err(|e| e.to_string())
            });
            let _ = done.send(result);
            waker.request_repaint();
        });
    }
}

/// The bottom panel never gets smaller than this, nor the editor than
/// [`MIN_EDITOR_HEIGHT`], at any window size from 700x500 up.
const MIN_OUTPUT_HEIGHT: f32 = 140.0;
const MIN_EDITOR_HEIGHT: f32 = 90.0;
/// The height of the grip between the editor and the bottom panel.
const SPLIT_GRIP: f32 = 6.0;

/// The bottom panel's height for a `fraction` of the `available` height.
fn output_height(available: f32, fraction: f32) -> f32 {
    let most = (available - MIN_EDITOR_HEIGHT).max(MIN_OUTPUT_HEIGHT);
    (available * fraction).clamp(MIN_OUTPUT_HEIGHT.min(most), most)
}

/// A drag on the split between the editor and the bottom panel.
enum SplitDrag {
    /// Moved by this many points (down is positive) this frame.
    By(f32),
    /// Released: time to keep the new split.
    Done,
}

/// The grip along the top of the bottom panel.
fn split_handle(ui: &mut Ui) -> Option<SplitDrag> {
    let (rect, response) = ui.allocate_exact_size(
        egui::vec2(ui.available_width(), SPLIT_GRIP),
        egui::Sense::drag(),
    );
    let response = response.on_hover_cursor(egui::CursorIcon::ResizeVertical);
    let stroke = if response.hovered() || response.dragged() {
        ui.visuals().widgets.hovered.fg_stroke
    } else {
        ui.visuals().widgets.noninteractive.bg_stroke
    };
    ui.painter().hline(rect.x_range(), rect.center().y, stroke);
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Splitter, true, "Resize the bottom panel")
    });
    if response.drag_stopped() {
        Some(SplitDrag::Done)
    } else if response.dragged() {
        Some(SplitDrag::By(response.drag_delta().y))
    } else {
        None
    }
}

/// Every key dscope answers to, as Help > Keyboard Shortcuts lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Ctrl+N", "New script"),
    ("Ctrl+O", "Open a script"),
    ("Ctrl+S", "Save"),
    ("Ctrl+Shift+S", "Save as"),
    ("Ctrl+Q", "Quit"),
    ("Ctrl+Z / Ctrl+Y", "Undo / redo"),
    ("Ctrl+X / Ctrl+C / Ctrl+V", "Cut / copy / paste"),
    ("Ctrl+A", "Select all"),
    ("Ctrl+/", "Comment or uncomment the selected lines"),
    (
        "Ctrl+F",
        "Find (Enter or F3 next, Shift+Enter or Shift+F3 previous)",
    ),
    ("Ctrl+H", "Find and replace"),
    ("Esc", "Close the completion list, then the find bar"),
    ("Ctrl+G", "Go to line"),
    ("Ctrl+Space", "Complete the word at the cursor"),
    ("Up / Down, Enter or Tab", "Choose and take a completion"),
    ("Tab", "Indent with spaces"),
    ("F5", "Run"),
    (
        "Shift+F5",
        "Stop (END clauses run, then the final aggregations)",
    ),
    ("F2", "Show or hide the probe browser"),
    ("Ctrl+plus / Ctrl+minus / Ctrl+0", "Scale the whole window"),
];

/// What the destructive-actions prompt asks, naming what the script does.
fn destructive_question(calls: &[&str], pragma: bool, host: Option<&str>) -> String {
    let calls: Vec<String> = calls.iter().map(|c| format!("{c}()")).collect();
    let what = match (calls.is_empty(), pragma) {
        (false, false) => format!("calls {}", calls.join(", ")),
        (false, true) => format!(
            "calls {} and turns them on with #pragma D option destructive",
            calls.join(", ")
        ),
        (true, _) => "turns on destructive actions with #pragma D option destructive".into(),
    };
    let system = match host {
        Some(host) => format!("the system being traced, {host}"),
        None => "the system being traced".to_owned(),
    };
    format!(
        "This script {what}: destructive actions change {system}. \
         dscope keeps them off unless you allow them. Run it with them allowed, this once?"
    )
}

/// Where the window is shown, as Help > About says it.
fn display_description() -> String {
    match (std::env::var("WAYLAND_DISPLAY"), std::env::var("DISPLAY")) {
        (Ok(w), _) if !w.is_empty() => format!("Wayland ({w})"),
        (_, Ok(d)) if !d.is_empty() => {
            let remote = d
                .split(':')
                .next()
                .is_some_and(|host| !host.is_empty() && host != "unix");
            format!("X11 {d}{}", if remote { " (over the network)" } else { "" })
        }
        _ => "unknown".to_owned(),
    }
}

fn apply_cursor_blink(ctx: &egui::Context, blink: bool) {
    ctx.all_styles_mut(|style| style.visuals.text_cursor.blink = blink);
}

fn apply_theme(ctx: &egui::Context, theme: ThemeKind) {
    ctx.set_theme(match theme {
        ThemeKind::Dark => egui::Theme::Dark,
        ThemeKind::Light => egui::Theme::Light,
    });
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
