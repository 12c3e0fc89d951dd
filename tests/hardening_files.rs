//! Files that cannot be opened or saved, and a process killed mid-edit:
//! each gives a clear message, the buffer keeps the user's text, and the
//! file on disk is never half-written. Cases that root would never meet
//! (permissions) run as an unprivileged user, and the full disk is a tiny
//! tmpfs in a private mount namespace, both in child processes.

mod common;

use common::*;
use dscope::recovery::RecoveryStore;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const DIR_VAR: &str = "DSCOPE_TEST_DIR";

fn child_dir() -> PathBuf {
    PathBuf::from(std::env::var(DIR_VAR).expect("run by its parent test"))
}

/// Opens `path` from the command line (as `dscope PATH` does) over a
/// buffer with unsaved text, and checks the message and that the text
/// stayed.
fn open_fails(path: &Path, says: &str) {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "mine ");
    let before = h.state().editor().text().to_owned();
    let ctx = h.ctx.clone();
    h.state_mut().load_path(&ctx, path);
    h.run();
    assert!(
        h.query_by_label("Could not open the file").is_some(),
        "{path:?}"
    );
    assert!(
        h.query_by_label_contains(says).is_some(),
        "opening {path:?} should say {says:?}"
    );
    click(&mut h, "OK");
    assert_eq!(h.state().editor().text(), before);
    assert!(h.state().is_dirty());
    assert!(h.state().path().is_none());
}

#[test]
fn files_an_editor_cannot_show_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();

    fs::create_dir(p.join("scripts")).unwrap();
    open_fails(&p.join("scripts"), "is a directory");

    open_fails(&p.join("gone.d"), "does not exist");

    fs::write(p.join("a.out"), b"\x7fELF\x02\x01\x01\x00\x00").unwrap();
    open_fails(&p.join("a.out"), "looks like a binary file");

    fs::write(p.join("latin1.d"), b"BEGIN\n{\n  trace(\"caf\xe9\");\n}\n").unwrap();
    open_fails(
        &p.join("latin1.d"),
        "is not UTF-8 text (first bad byte on line 3)",
    );

    let big = fs::File::create(p.join("huge.d")).unwrap();
    big.set_len(50 * 1024 * 1024).unwrap();
    open_fails(
        &p.join("huge.d"),
        "is 50.0 MB; dscope opens scripts up to 8 MB",
    );
}

/// Saves with Ctrl+S and expects a refusal that says `says`.
fn save_fails(h: &mut Harness<'_, dscope::ui::DscopeApp>, says: &str) {
    let before = h.state().editor().text().to_owned();
    shortcut(h, Modifiers::COMMAND, Key::S);
    assert!(
        h.query_by_label("Could not save").is_some(),
        "a save error is shown"
    );
    assert!(
        h.query_by_label_contains(says).is_some(),
        "it says {says:?}"
    );
    assert!(
        h.query_by_label_contains("The file on disk is unchanged and your text is still here")
            .is_some()
    );
    click(h, "OK");
    assert_eq!(h.state().editor().text(), before);
    assert!(h.state().is_dirty());
}

fn only_file_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
#[ignore = "run by permission_failures_as_an_unprivileged_user in a child process"]
fn child_permission_failures() {
    assert!(!dscope::dtrace::running_as_root());
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();

    let secret = p.join("secret.d");
    fs::write(&secret, "BEGIN {}\n").unwrap();
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    open_fails(&secret, "You may not read");

    // A read-only directory: the file itself is writable, but a safe save
    // needs a new file beside it.
    let locked = p.join("locked");
    fs::create_dir(&locked).unwrap();
    let script = locked.join("s.d");
    fs::write(&script, "BEGIN { exit(0); }\n").unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let home = p.join("home");
    fs::create_dir(&home).unwrap();
    let mut h = app(&home, Some(script.clone()));
    type_in_editor(&mut h, "/* edit */ ");
    save_fails(&mut h, "Use Save As to choose a folder you may write to");
    assert_eq!(fs::read_to_string(&script).unwrap(), "BEGIN { exit(0); }\n");
    assert_eq!(only_file_in(&locked), ["s.d"]);
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn permission_failures_as_an_unprivileged_user() {
    let user = dscope::dtrace::running_as_root().then_some(NOBODY);
    Rerun {
        test: "child_permission_failures",
        wrapper: &[],
        env: &[],
        user,
    }
    .pass();
}

#[test]
#[ignore = "run by a_full_disk_or_read_only_file_system… in a child process"]
fn child_full_and_read_only_file_systems() {
    let mount = |args: &[&str]| {
        let status = std::process::Command::new("mount")
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "mount {args:?}");
    };
    let base = tempfile::tempdir().unwrap();
    let small = base.path().join("small");
    fs::create_dir(&small).unwrap();
    mount(&[
        "-t",
        "tmpfs",
        "-o",
        "size=16k",
        "tmpfs",
        small.to_str().unwrap(),
    ]);
    let script = small.join("s.d");
    let original = "BEGIN { exit(0); }\n";
    fs::write(&script, original).unwrap();

    // 64 KB of script on a 16 KB file system.
    let home = tempfile::tempdir().unwrap();
    let mut h = app(home.path(), Some(script.clone()));
    let big = format!(
        "{}\n{original}",
        "/* padding padding padding */\n".repeat(2200)
    );
    set_script(&mut h, &big);
    type_in_editor(&mut h, " ");
    save_fails(&mut h, "Free some space, or use Save As to save elsewhere");
    assert_eq!(fs::read_to_string(&script).unwrap(), original);
    assert_eq!(only_file_in(&small), ["s.d"], "no temporary file is left");

    mount(&["-o", "remount,ro", small.to_str().unwrap()]);
    set_script(&mut h, "BEGIN { trace(1); }\n");
    type_in_editor(&mut h, " ");
    save_fails(&mut h, "Use Save As to choose a folder you may write to");
    assert_eq!(fs::read_to_string(&script).unwrap(), original);
}

#[test]
fn a_full_disk_or_read_only_file_system_refuses_the_save_and_keeps_both_texts() {
    // A private mount namespace: the tmpfs disappears with the child. Not
    // root: a user namespace grants the mount.
    let wrapper: &[&str] = if dscope::dtrace::running_as_root() {
        &["unshare", "--mount"]
    } else {
        &["unshare", "--mount", "--map-root-user"]
    };
    Rerun {
        test: "child_full_and_read_only_file_systems",
        wrapper,
        env: &[],
        user: None,
    }
    .pass();
}

#[test]
#[ignore = "run by text_typed_before_a_kill_9_is_offered_back in a child process"]
fn child_editing_until_killed() {
    let dir = child_dir();
    let mut h = app(&dir, None);
    type_in_editor(&mut h, "/* typed before the crash */\n");
    let store = RecoveryStore::new(dir.join("recovery"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !store.own_file().exists() {
        assert!(Instant::now() < deadline, "no recovery copy was written");
        std::thread::sleep(Duration::from_millis(100));
        h.run();
    }
    println!("READY");
    loop {
        std::thread::sleep(Duration::from_secs(1));
        h.run();
    }
}

#[test]
fn text_typed_before_a_kill_9_is_offered_back() {
    let dir = tempfile::tempdir().unwrap();
    let (_copy, mut cmd) = Rerun {
        test: "child_editing_until_killed",
        wrapper: &[],
        env: &[(DIR_VAR, dir.path().to_str().unwrap())],
        user: None,
    }
    .command();
    let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
    let ready = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .any(|l| l.ends_with("READY"));
    assert!(ready, "the child never got to editing");
    child.kill().unwrap(); // SIGKILL: no destructor, no handler runs.
    child.wait().unwrap();

    let mut h = app(dir.path(), None);
    assert!(h.query_by_label("Recover unsaved work?").is_some());
    click(&mut h, "Recover");
    assert!(
        h.state()
            .editor()
            .text()
            .contains("/* typed before the crash */\n")
    );
}
