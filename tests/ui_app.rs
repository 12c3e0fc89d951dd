//! The app as a user drives it: typing, the in-app file dialog, the unsaved
//! marker and prompts, recovery, find and go-to-line. Widgets are found by
//! their accessible labels, as a screen reader would find them.

mod common;

use common::*;
use dscope::recovery::RecoveryStore;
use dscope::session::{Event, RunEnd};
use dscope::ui::DscopeApp;
use egui::{Key, Modifiers, ViewportCommand, ViewportEvent, ViewportId};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

#[test]
fn typing_marks_the_buffer_unsaved() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    assert!(
        !h.state().is_dirty(),
        "the starting example is not a change"
    );
    let name = dscope::examples::default_script().file_name;
    assert!(h.query_by_label(name).is_some());
    type_in_editor(&mut h, "BEGIN { exit(0); }\n");
    assert!(h.state().editor().text().contains("BEGIN { exit(0); }"));
    assert!(h.state().is_dirty());
    assert!(h.state().title().starts_with(&format!("● {name}")));
    assert!(
        h.query_by_label(&format!("{name} •")).is_some(),
        "unsaved marker in the status bar"
    );
}

#[test]
fn open_edit_save_and_save_as_through_the_in_app_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.d");
    std::fs::write(&a, "BEGIN\n{\n}\n").unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a script").unwrap();
    let mut h = app(dir.path(), None);

    shortcut(&mut h, CMD, Key::O);
    assert!(
        h.query_by_label("Open script").is_some(),
        "the in-app browser opened"
    );
    assert!(
        h.query_by_label("notes.txt").is_none(),
        "only .d files are listed"
    );
    click(&mut h, "a.d");
    click(&mut h, "Open");
    assert_eq!(h.state().path(), Some(a.as_path()));
    assert_eq!(h.state().editor().text(), "BEGIN\n{\n}\n");
    assert!(h.query_by_label("Open script").is_none(), "dialog closed");

    type_in_editor(&mut h, "/* x */");
    assert!(h.state().is_dirty());
    shortcut(&mut h, CMD, Key::S);
    assert!(!h.state().is_dirty());
    assert_eq!(std::fs::read_to_string(&a).unwrap(), "/* x */BEGIN\n{\n}\n");
    assert!(
        h.query_by_label("a.d").is_some(),
        "no unsaved marker after saving"
    );

    shortcut(&mut h, CMD | Modifiers::SHIFT, Key::S);
    assert!(h.query_by_label("Save script as").is_some());
    replace_text(&mut h, "File name:", "b.d");
    click(&mut h, "Save");
    let b = dir.path().join("b.d");
    assert_eq!(std::fs::read_to_string(&b).unwrap(), "/* x */BEGIN\n{\n}\n");
    assert_eq!(h.state().path().unwrap().file_name().unwrap(), "b.d");
    assert!(
        h.state().settings().recent_files[0].ends_with("b.d"),
        "recent files updated"
    );
    assert!(
        h.query_by_label_contains("Saved").is_some(),
        "the status bar confirms the save"
    );
}

#[test]
fn unsaved_changes_prompt_cancel_discard_and_save() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "keep me ");

    shortcut(&mut h, CMD, Key::N);
    assert!(h.query_by_label("Unsaved changes").is_some());
    click(&mut h, "Cancel");
    let text = h.state().editor().text();
    assert!(text.contains("keep me "), "{text:?}");
    assert!(h.query_by_label("Unsaved changes").is_none());

    shortcut(&mut h, CMD, Key::N);
    click(&mut h, "Save");
    // Untitled: Save asks where first, then carries on with New.
    assert!(h.query_by_label("Save script as").is_some());
    replace_text(&mut h, "File name:", "kept.d");
    click(&mut h, "Save");
    let kept = std::fs::read_to_string(dir.path().join("kept.d")).unwrap();
    assert!(kept.contains("keep me "));
    assert_eq!(
        h.state().editor().text(),
        "",
        "New went ahead after the save"
    );
    assert!(!h.state().is_dirty());

    type_in_editor(&mut h, "throw away");
    shortcut(&mut h, CMD, Key::N);
    click(&mut h, "Discard");
    assert_eq!(h.state().editor().text(), "");
    assert!(!h.state().is_dirty());
}

#[test]
fn closing_the_window_with_unsaved_changes_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "x");

    h.input_mut()
        .viewports
        .entry(ViewportId::ROOT)
        .or_default()
        .events
        .push(ViewportEvent::Close);
    h.step();
    let cancelled = h.output().viewport_output[&ViewportId::ROOT]
        .commands
        .contains(&ViewportCommand::CancelClose);
    assert!(cancelled, "the close was held back");
    h.run();
    assert!(h.query_by_label("Unsaved changes").is_some());
    h.get_by_label("Discard").click();
    h.step();
    let closing = h.output().viewport_output[&ViewportId::ROOT]
        .commands
        .contains(&ViewportCommand::Close);
    assert!(closing, "Discard closes the window");
}

#[test]
fn a_file_that_cannot_be_opened_leaves_the_buffer_alone() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.d");
    std::fs::write(&bad, b"\xff\xfe\x00binary").unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "mine ");
    let before = h.state().editor().text().to_owned();

    shortcut(&mut h, CMD, Key::O);
    click(&mut h, "bad.d");
    click(&mut h, "Open");
    // Dirty buffer: asked first; discarding still keeps it when the load fails.
    click(&mut h, "Discard");
    assert!(h.query_by_label("Could not open the file").is_some());
    assert!(h.query_by_label_contains("binary file").is_some());
    click(&mut h, "OK");
    assert_eq!(h.state().editor().text(), before);
    assert!(h.state().path().is_none());
}

#[test]
fn unsaved_text_from_a_crashed_session_is_offered_back() {
    let dir = tempfile::tempdir().unwrap();
    let recovery_dir = dir.path().join("recovery");
    // A recovery file as a crashed process leaves it: its pid is gone.
    std::fs::create_dir_all(&recovery_dir).unwrap();
    std::fs::write(
        recovery_dir.join("recovery-4000000.json"),
        r#"{"version":1,"pid":4000000,"saved_at":0,"path":null,"text":"tick-1s { trace(1); }\n"}"#,
    )
    .unwrap();
    let mut h = app(dir.path(), None);
    assert!(h.query_by_label("Recover unsaved work?").is_some());
    click(&mut h, "Recover");
    assert_eq!(h.state().editor().text(), "tick-1s { trace(1); }\n");
    assert!(h.state().is_dirty());
    // The orphan is gone; the text now lives in this process's own copy.
    let store = RecoveryStore::new(&recovery_dir);
    assert!(store.orphans().is_empty());
    assert!(store.own_file().exists());
}

#[test]
fn find_next_and_go_to_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f.d");
    std::fs::write(&file, "BEGIN\n{\n  @a = count();\n  @b = count();\n}\n").unwrap();
    let mut h = app(dir.path(), Some(file));

    shortcut(&mut h, CMD, Key::F);
    replace_text(&mut h, "Find:", "count");
    assert!(h.query_by_label("2 matches").is_some());
    click(&mut h, "Next");
    assert!(h.query_by_label("1 of 2").is_some());
    assert_eq!(h.state().editor().cursor_line_col().0, 3);
    click(&mut h, "Next");
    assert!(h.query_by_label("2 of 2").is_some());
    assert_eq!(h.state().editor().cursor_line_col().0, 4);
    click(&mut h, "Close find");

    shortcut(&mut h, CMD, Key::G);
    assert!(h.query_by_label("Go to line").is_some());
    replace_text(&mut h, "Line number (1–6):", "5");
    h.key_press(Key::Enter);
    h.run();
    assert_eq!(h.state().editor().cursor_line_col(), (5, 1));
}

#[test]
fn tab_inserts_spaces_and_undo_takes_edits_back() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.d");
    std::fs::write(&file, "x\n").unwrap();
    let mut h = app(dir.path(), Some(file));
    h.get_by_label("D script editor").focus();
    h.run();
    h.key_press(Key::Tab);
    h.run();
    assert_eq!(h.state().editor().text(), "    x\n");
    assert!(h.state().is_dirty());
    h.key_press_modifiers(CMD, Key::Z);
    h.run();
    assert_eq!(h.state().editor().text(), "x\n");
    assert!(!h.state().is_dirty(), "back to the saved text");
}

#[test]
fn shortcuts_do_nothing_behind_a_prompt() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "x");
    shortcut(&mut h, CMD, Key::N);
    assert!(h.query_by_label("Unsaved changes").is_some());
    shortcut(&mut h, CMD, Key::O);
    assert!(
        h.query_by_label("Open script").is_none(),
        "no dialog stacked on the prompt"
    );
    shortcut(&mut h, CMD, Key::F);
    assert!(!h.state().editor().find_is_open());
}

#[test]
fn changes_made_by_other_programs_are_noticed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.d");
    std::fs::write(&file, "BEGIN {}\n").unwrap();
    let mut h = app(dir.path(), Some(file.clone()));
    let wait = || std::thread::sleep(std::time::Duration::from_millis(2200));

    // No local edits: the new version is simply loaded.
    std::fs::write(&file, "END {}\n").unwrap();
    wait();
    h.run();
    assert_eq!(h.state().editor().text(), "END {}\n");
    assert!(h.query_by_label_contains("changed on disk").is_some());

    // Local edits: ask before throwing them away.
    type_in_editor(&mut h, "mine ");
    std::fs::write(&file, "tick-1s {}\n").unwrap();
    wait();
    h.run();
    assert!(h.query_by_label("File changed on disk").is_some());
    click(&mut h, "Keep my version");
    assert!(h.state().editor().text().contains("mine "));

    // Deleted: the text stays and counts as unsaved.
    std::fs::remove_file(&file).unwrap();
    wait();
    h.run();
    assert!(h.query_by_label("File deleted").is_some());
    click(&mut h, "OK");
    assert!(h.state().is_dirty());
    shortcut(&mut h, CMD, Key::S);
    assert!(std::fs::read_to_string(&file).unwrap().contains("mine "));
}

#[test]
fn diagnostics_show_their_message_when_the_gutter_marker_is_hovered() {
    use dscope::model::Diagnostic;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("d.d");
    std::fs::write(&file, "BEGIN\n{\n\tx = 1 +;\n}\n").unwrap();
    let mut h = app(dir.path(), Some(file));
    h.state_mut().editor_mut().set_diagnostics(vec![Diagnostic {
        tag: Some("D_SYNTAX".into()),
        ..Diagnostic::error(3, "syntax error near \";\"").with_columns(8..9)
    }]);
    h.run();
    let editor = h.get_by_label("D script editor").rect();
    let row = 14.0 * 1.2;
    // The gutter sits left of the text; line 3 is the third row.
    let marker = egui::pos2(editor.left() - 30.0, editor.top() + 2.0 + row * 2.5);
    h.hover_at(egui::pos2(marker.x, editor.top() + 2.0 + row * 0.5));
    h.run();
    assert!(
        h.query_by_label_contains("error: syntax error near")
            .is_none(),
        "line 1 has no message"
    );
    h.hover_at(marker);
    h.run();
    let tip = h
        .query_by_label_contains("error: syntax error near")
        .expect("hovering the marker on line 3 shows the message")
        .rect();
    assert!(
        (tip.top() - marker.y).abs() < 60.0,
        "the message is shown at the pointer ({marker:?}), not at {tip:?}"
    );
    // Jumping to the line moves the cursor there.
    h.state_mut().editor_mut().goto_line(3);
    h.run();
    assert_eq!(h.state().editor().cursor_line_col(), (3, 1));
}

#[test]
fn discarding_the_last_recovery_copy_closes_the_prompt_and_deletes_it() {
    let dir = tempfile::tempdir().unwrap();
    let recovery_dir = dir.path().join("recovery");
    std::fs::create_dir_all(&recovery_dir).unwrap();
    let orphan = recovery_dir.join("recovery-4000001.json");
    std::fs::write(
        &orphan,
        r#"{"version":1,"pid":4000001,"saved_at":0,"path":null,"text":"BEGIN {}\n"}"#,
    )
    .unwrap();
    let mut h = app(dir.path(), None);
    assert!(h.query_by_label("Recover unsaved work?").is_some());
    click(&mut h, "Discard");
    assert!(h.query_by_label("Recover unsaved work?").is_none());
    assert!(!orphan.exists());
    assert!(!h.state().is_dirty(), "the buffer was left alone");
}

#[test]
fn a_script_with_nothing_in_it_yet_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "");
    type_in_editor(&mut h, "  \n");
    std::thread::sleep(std::time::Duration::from_millis(800));
    h.run();
    assert_eq!(h.state().check_job(), None, "no check of blank text");
    assert!(h.state().editor().diagnostics().is_empty());
}

#[test]
fn a_pause_in_typing_checks_the_script_and_errors_land_on_their_line() {
    use dscope::model::Diagnostic;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    type_in_editor(&mut h, "x");
    assert_eq!(h.state().check_job(), None, "not while typing");
    std::thread::sleep(std::time::Duration::from_millis(800));
    h.run();
    let job = h.state().check_job().expect("checked after the pause");
    let d = Diagnostic::error(3, "syntax error near \";\"").with_columns(8..9);
    h.state_mut()
        .apply_session_event(event(job, Event::Diagnostics(vec![d.clone()])));
    h.run();
    assert_eq!(h.state().editor().diagnostics(), &[d]);
    // An answer to an older check is ignored.
    h.state_mut()
        .apply_session_event(event(job - 1, Event::Checked { matches: 1 }));
    assert_eq!(h.state().editor().diagnostics().len(), 1);
    // A clean check clears them and shows the probe count.
    h.state_mut()
        .apply_session_event(event(job, Event::Checked { matches: 2 }));
    h.run();
    assert!(h.state().editor().diagnostics().is_empty());
    assert!(h.query_by_label("2 probes").is_some());
}

#[test]
fn the_run_bar_follows_a_run_and_the_console_shows_its_output() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Run");
    assert!(h.query_by_label("compiling").is_some());
    let job = h.state().run_panel().run_job().unwrap();
    let send = |h: &mut Harness<'_, DscopeApp>, e: Event| {
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    };
    send(&mut h, Event::Started { matches: 3 });
    assert!(h.query_by_label("running").is_some());
    assert!(h.query_by_label("3 probes").is_some());
    send(&mut h, Event::Output("hello from BEGIN".into()));
    assert!(h.query_by_label("hello from BEGIN").is_some());
    send(
        &mut h,
        Event::Drop {
            count: 4,
            message: "4 dynamic variable drops".into(),
        },
    );
    assert!(
        h.query_by_label_contains("raise dynvarsize").is_some(),
        "drops come with a hint"
    );
    // F5 during a run starts nothing.
    shortcut(&mut h, Modifiers::NONE, Key::F5);
    assert_eq!(h.state().run_panel().run_job(), Some(job));
    click(&mut h, "Stop");
    // While END runs and the probes detach, the bar says what it waits for.
    assert!(h.query_by_label("stopping: detaching 3 probes…").is_some());
    send(&mut h, Event::Finished(Ok(RunEnd::Stopped)));
    assert!(h.query_by_label("finished: stopped").is_some());
}

#[test]
fn an_example_opens_under_its_name_and_saving_asks_where() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Examples");
    assert!(h.query_by_label("CPU and scheduling").is_some(), "grouped");
    // Each says what it does beside its name.
    let entry = h.get_by_label_contains("runqueue-latency.d");
    assert!(
        format!("{entry:?}").contains("how long runnable threads wait for a CPU"),
        "{entry:?}"
    );
    entry.click();
    h.run();
    let example = dscope::examples::EXAMPLES
        .iter()
        .find(|e| e.file_name == "runqueue-latency.d")
        .unwrap();
    assert_eq!(h.state().editor().text(), example.text);
    assert_eq!(
        h.state().path(),
        None,
        "saving never writes over the shipped file"
    );
    assert!(!h.state().is_dirty(), "nothing was changed yet");
    assert!(h.state().title().starts_with("runqueue-latency.d"));
    // Another example opens without a question: nothing would be lost.
    click(&mut h, "Examples");
    h.get_by_label_contains("wakeups.d").click();
    h.run();
    assert!(h.query_by_label("Unsaved changes").is_none());
    assert!(h.state().title().starts_with("wakeups.d"));
    // Save asks where, offering the example's name.
    shortcut(&mut h, CMD, Key::S);
    assert_eq!(
        h.get_by_label("File name:").value().as_deref(),
        Some("wakeups.d")
    );
}

/// View > Renderer is kept in the settings file and read at the next
/// start (the window's shell is chosen before the app runs).
#[test]
fn the_renderer_setting_is_kept_for_the_next_start() {
    use dscope::settings::{RendererPreference, Settings};
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    assert_eq!(h.state().settings().renderer, RendererPreference::Automatic);
    click(&mut h, "View");
    click(&mut h, "Software");
    assert_eq!(h.state().settings().renderer, RendererPreference::Software);
    let path = common::config(dir.path(), None).settings_path.unwrap();
    assert_eq!(
        Settings::load(&path).0.renderer,
        RendererPreference::Software
    );
    click(&mut h, "View");
    click(&mut h, "OpenGL");
    assert_eq!(Settings::load(&path).0.renderer, RendererPreference::OpenGl);
}

/// A file is saved ending with a newline, as a file of lines does, and
/// the buffer says so: saved, not modified.
#[test]
fn a_file_is_saved_with_its_final_newline() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("n.d");
    std::fs::write(&file, "BEGIN {}\n").unwrap();
    let mut h = app(dir.path(), Some(file.clone()));
    set_script(&mut h, "BEGIN { exit(0); }");
    shortcut(&mut h, CMD, Key::S);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "BEGIN { exit(0); }\n"
    );
    assert_eq!(h.state().editor().text(), "BEGIN { exit(0); }\n");
    assert!(!h.state().is_dirty());
}
