//! A bug in dscope must not cost the user's script: a panic on the UI
//! thread or any other thread is caught, the unsaved text goes to the
//! recovery file, and the window says where. (Its own test binary: the
//! panic hook is process-wide.)

mod common;

use common::*;
use dscope::recovery::{RecoveryStore, parse_record};
use egui_kittest::kittest::{NodeT, Queryable};
use std::path::PathBuf;

/// The recovery file a prompt names.
fn named_recovery_file(h: &egui_kittest::Harness<'_, dscope::ui::DscopeApp>) -> PathBuf {
    let message = h
        .query_all_by_label_contains("Your unsaved text was written to ")
        .find_map(|n| n.accesskit_node().value())
        .expect("the prompt says where the text went");
    let after = message
        .split("written to ")
        .nth(1)
        .expect("a path after 'written to'");
    PathBuf::from(after.split(".json").next().unwrap().to_owned() + ".json")
}

#[test]
fn a_panic_in_a_frame_saves_the_text_and_says_where() {
    let _one = one_window();
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "precious ");
    let text = h.state().editor().text().to_owned();

    h.state_mut()
        .panic_in_next_frame("chart index out of range");
    h.run();
    assert!(h.query_by_label("dscope hit an internal error").is_some());
    assert!(
        h.query_by_label_contains("chart index out of range")
            .is_some()
    );
    let file = named_recovery_file(&h);
    assert!(file.starts_with(dir.path().join("recovery")), "{file:?}");
    let record = parse_record(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(record.text, text);

    // The window goes on working, and saving drops the copy.
    click(&mut h, "OK");
    type_in_editor(&mut h, "more ");
    assert!(h.state().editor().text().contains("more "));
    shortcut(&mut h, CMD, egui::Key::S);
    replace_text(&mut h, "File name:", "saved.d");
    click(&mut h, "Save");
    assert!(!h.state().is_dirty());
    assert!(!file.exists(), "the recovery copy is dropped once saved");
}

#[test]
fn a_panic_on_another_thread_is_reported_too() {
    let _one = one_window();
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "mine ");
    let worker = std::thread::Builder::new()
        .name("probe-lister".to_owned())
        .spawn(|| panic!("no such provider table"))
        .unwrap();
    assert!(worker.join().is_err());
    h.run();
    assert!(h.query_by_label("dscope hit an internal error").is_some());
    assert!(h.query_by_label_contains("probe-lister").is_some());
    let file = named_recovery_file(&h);
    let record = parse_record(&std::fs::read(&file).unwrap()).unwrap();
    assert!(record.text.contains("mine "));
}

/// Panic reports are process-wide: one window at a time here.
static ONE_WINDOW: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_window() -> std::sync::MutexGuard<'static, ()> {
    ONE_WINDOW.lock().unwrap_or_else(|e| e.into_inner())
}

const CHILD: &str = "DSCOPE_TEST_PANIC_CHILD";

/// Run in a child process by the next test: a window whose every frame
/// panics.
#[test]
#[ignore = "run by a_window_that_keeps_panicking_quits… in a child process"]
fn child_window_that_panics_in_every_frame() {
    let dir = PathBuf::from(std::env::var(CHILD).expect("run by its parent test"));
    let mut h = app(&dir, None);
    type_in_editor(&mut h, "unsaved work ");
    for _ in 0..10 {
        h.state_mut().panic_in_next_frame("broken every time");
        h.step();
    }
    unreachable!("dscope should have quit");
}

#[test]
fn a_window_that_keeps_panicking_quits_and_its_text_comes_back() {
    let _one = one_window();
    let dir = tempfile::tempdir().unwrap();
    let dir_text = dir.path().to_str().unwrap();
    let (_copy, mut child) = Rerun {
        test: "child_window_that_panics_in_every_frame",
        wrapper: &[],
        env: &[(CHILD, dir_text)],
        user: None,
    }
    .command();
    let out = child.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(70), "{stderr}");
    assert!(
        stderr.contains("quitting after 3 internal errors"),
        "{stderr}"
    );
    assert!(stderr.contains("broken every time"), "{stderr}");

    // The next start offers the text back.
    let store = RecoveryStore::new(dir.path().join("recovery"));
    let orphans = store.orphans();
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    let mut h = app(dir.path(), None);
    assert!(h.query_by_label("Recover unsaved work?").is_some());
    click(&mut h, "Recover");
    assert!(h.state().editor().text().contains("unsaved work "));
}
