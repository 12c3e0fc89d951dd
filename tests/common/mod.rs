//! What the tests share: whether to run live, an app with a scripted
//! engine in a temporary folder, and the user's gestures.

#![allow(dead_code)]

pub mod x11;

use dscope::session::{Event, SessionEvent};
use dscope::settings::DialogPreference;
use dscope::ui::{AppConfig, DscopeApp};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::{Path, PathBuf};

pub fn config(dir: &Path, open: Option<PathBuf>) -> AppConfig {
    AppConfig {
        settings_path: Some(dir.join("settings.json")),
        recovery_dir: Some(dir.join("recovery")),
        open,
        start_dir: Some(dir.to_owned()),
        dialogs: Some(DialogPreference::BuiltIn),
        worker_program: Some(env!("CARGO_BIN_EXE_dscope").into()),
        scripted_engine: true,
        host: None,
        recordings_dir: Some(dir.join("recordings")),
        subscribe: None,
    }
}

pub fn app(dir: &Path, open: Option<PathBuf>) -> Harness<'static, DscopeApp> {
    window(dir, open, egui::vec2(1000.0, 700.0))
}

/// The app in a window of `size`, opening `open`.
pub fn window(dir: &Path, open: Option<PathBuf>, size: egui::Vec2) -> Harness<'static, DscopeApp> {
    let config = config(dir, open);
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    h
}

pub const CMD: Modifiers = Modifiers::COMMAND;

pub fn shortcut(h: &mut Harness<'_, DscopeApp>, modifiers: Modifiers, key: Key) {
    h.key_press_modifiers(modifiers, key);
    h.run();
}

/// Types into a text field found by its label, replacing what is there.
pub fn replace_text(h: &mut Harness<'_, DscopeApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run();
    h.key_press_modifiers(CMD, Key::A);
    h.run();
    h.get_by_label(label).type_text(text);
    h.run();
}

pub fn click(h: &mut Harness<'_, DscopeApp>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// Replaces the editor's text, as opening a file does.
pub fn set_script(h: &mut Harness<'_, DscopeApp>, text: &str) {
    let ctx = h.ctx.clone();
    h.state_mut().editor_mut().set_text(&ctx, text.to_owned());
    h.run();
}

pub fn type_in_editor(h: &mut Harness<'_, DscopeApp>, text: &str) {
    h.get_by_label("D script editor").focus();
    h.run();
    h.get_by_label("D script editor").type_text(text);
    h.run();
}

pub fn event(job: u64, event: Event) -> SessionEvent {
    SessionEvent {
        job,
        host: None,
        event,
    }
}

/// Whether to run against the real libdtrace: with `DSCOPE_LIVE=1` a
/// missing libdtrace fails the test loudly; without it the test says it was
/// skipped.
pub fn live() -> bool {
    if std::env::var("DSCOPE_LIVE").as_deref() == Ok("1") {
        if let Err(e) = dscope::dtrace::Library::load() {
            panic!("DSCOPE_LIVE=1 but libdtrace cannot be loaded:\n{e}");
        }
        true
    } else {
        eprintln!("skipped: set DSCOPE_LIVE=1 to run against a real libdtrace");
        false
    }
}

/// The user id tests drop to for what root is never refused.
pub const NOBODY: u32 = 65534;

/// `program`, copied where any user may run it: the build tree may sit
/// under a home directory that other users cannot enter.
pub fn copy_for_everyone(program: &Path) -> (tempfile::TempDir, PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let copy = dir.path().join(program.file_name().unwrap());
    std::fs::copy(program, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o755)).unwrap();
    (dir, copy)
}

/// How to start a test of this binary again in a child process.
pub struct Rerun<'a> {
    pub test: &'a str,
    /// A command to run it under, such as `unshare --mount`.
    pub wrapper: &'a [&'a str],
    pub env: &'a [(&'a str, &'a str)],
    /// Drop to this user first (only possible as root).
    pub user: Option<u32>,
}

impl Rerun<'_> {
    pub fn command(&self) -> (tempfile::TempDir, std::process::Command) {
        use std::os::unix::process::CommandExt;
        let (dir, exe) = copy_for_everyone(&std::env::current_exe().unwrap());
        let mut cmd = match self.wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = std::process::Command::new(first);
                c.args(rest).arg(&exe);
                c
            }
            None => std::process::Command::new(&exe),
        };
        // Child tests are #[ignore]d so that a plain run does not count them.
        cmd.args([
            "--exact",
            self.test,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ]);
        cmd.envs(self.env.iter().copied());
        if let Some(uid) = self.user {
            cmd.uid(uid).gid(uid).env("HOME", "/tmp");
        }
        (dir, cmd)
    }

    /// Runs it to the end; panics with its output unless it passed.
    pub fn pass(&self) {
        let (_dir, mut cmd) = self.command();
        let out = cmd.output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.status.success(),
            "{} failed in a child:\n{text}",
            self.test
        );
        assert!(
            text.contains("1 passed"),
            "{} did not run in the child:\n{text}",
            self.test
        );
    }
}

/// A window whose Check and Run go to the real libdtrace, through the
/// session and its worker process.
pub fn live_window(dir: &Path, size: egui::Vec2) -> Harness<'static, DscopeApp> {
    let mut config = config(dir, None);
    config.scripted_engine = false;
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    h
}

/// A key of one string.
pub fn key(s: &str) -> Vec<dscope::model::KeyPart> {
    vec![dscope::model::KeyPart::Str(s.into())]
}

/// `@num[probefunc] = count()` over twelve syscalls: 120, 110, ... 10.
pub fn syscalls() -> dscope::model::Aggregation {
    use dscope::model::{AggFunction, Aggregation, Row, Value};
    let names = [
        "read", "write", "openat", "close", "futex", "ioctl", "poll", "mmap", "lseek", "brk",
        "fstat", "dup",
    ];
    let mut rows: Vec<Row> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Row {
            key: key(n),
            value: Value::Number(120 - 10 * i as i64),
        })
        .collect();
    rows.reverse();
    Aggregation {
        id: 1,
        name: "num".into(),
        function: AggFunction::Count,
        key_sizes: vec![256],
        rows,
    }
}
