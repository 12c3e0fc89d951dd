//! Typing as people type, key by key, with the completion popup opening
//! and closing around them: the buffer's text is checked exactly after
//! every sequence, because a key that the editor takes for itself is text
//! the person loses.

mod common;

use common::*;
use dscope::model::Probe;
use dscope::ui::DscopeApp;
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::sync::Arc;

/// An app with an empty script, the editor focused, and a probe list for
/// completion.
fn editor() -> (tempfile::TempDir, Harness<'static, DscopeApp>) {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "");
    let probes = vec![
        Probe::new(1, "syscall", "vmlinux", "read", "entry"),
        Probe::new(2, "syscall", "vmlinux", "read", "return"),
        Probe::new(3, "syscall", "vmlinux", "readv", "entry"),
        Probe::new(4, "profile", "", "", "tick-1s"),
        Probe::new(5, "dtrace", "", "", "BEGIN"),
        Probe::new(6, "dtrace", "", "", "END"),
    ];
    h.state_mut().editor_mut().set_probes(Arc::new(probes));
    h.get_by_label("D script editor").focus();
    h.run();
    (dir, h)
}

/// Types `keys` one at a time, as a keyboard does: `\n` is Enter, `\t`
/// Tab, `\u{1b}` Escape, `\u{2193}` (↓) the down arrow; anything else is
/// a character.
fn keys(h: &mut Harness<'_, DscopeApp>, keys: &str) {
    for c in keys.chars() {
        match c {
            '\n' => h.key_press(Key::Enter),
            '\t' => h.key_press(Key::Tab),
            '\u{1b}' => h.key_press(Key::Escape),
            '\u{2193}' => h.key_press(Key::ArrowDown),
            c => h.event(egui::Event::Text(c.to_string())),
        }
        h.run();
    }
}

fn text(h: &Harness<'_, DscopeApp>) -> String {
    h.state().editor().text().to_owned()
}

fn popup_open(h: &Harness<'_, DscopeApp>) -> bool {
    h.state().editor().completion().is_some()
}

#[test]
fn enter_after_a_complete_probe_description_starts_a_new_line() {
    let (_d, mut h) = editor();
    keys(&mut h, "syscall::read:entry");
    assert!(
        !popup_open(&h),
        "a popup offering exactly what is typed does not open"
    );
    keys(&mut h, "\n{\n");
    assert_eq!(text(&h), "syscall::read:entry\n{\n    ");
}

#[test]
fn enter_in_a_popup_that_opened_by_itself_is_a_new_line() {
    let (_d, mut h) = editor();
    keys(&mut h, "syscall::rea");
    assert!(popup_open(&h), "probe fields complete while typing");
    keys(&mut h, "\n");
    assert_eq!(text(&h), "syscall::rea\n");
    assert!(!popup_open(&h));
}

#[test]
fn enter_or_tab_accept_once_the_person_moves_in_the_popup() {
    let (_d, mut h) = editor();
    keys(&mut h, "syscall::rea");
    keys(&mut h, "\u{2193}\n");
    assert_eq!(text(&h), "syscall::readv:", "the second candidate");
    // Explicitly asked for: Tab takes the first at once.
    set_script(&mut h, "");
    h.get_by_label("D script editor").focus();
    h.run();
    keys(&mut h, "BEGIN { time");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Space);
    h.run();
    assert!(popup_open(&h));
    keys(&mut h, "\t");
    assert_eq!(text(&h), "BEGIN { timestamp");
}

#[test]
fn no_popup_after_a_closing_brace_or_on_an_empty_line() {
    let (_d, mut h) = editor();
    keys(&mut h, "BEGIN\n{\nx = 1;\n}");
    assert!(!popup_open(&h), "nothing is typed after }}");
    keys(&mut h, "\n");
    assert!(!popup_open(&h), "nor at the start of an empty line");
    keys(&mut h, "profile:::tick-1s\n");
    assert_eq!(
        text(&h),
        "BEGIN\n{\n    x = 1;\n}\nprofile:::tick-1s\n",
        "the closing brace lines up with its clause, and no provider crept in"
    );
}

#[test]
fn escape_closes_the_popup_and_the_editor_keeps_the_keyboard() {
    let (_d, mut h) = editor();
    keys(&mut h, "BEGIN { tim");
    assert!(popup_open(&h));
    keys(&mut h, "\u{1b}");
    assert!(!popup_open(&h));
    keys(&mut h, "\u{1b}estamp; }");
    assert_eq!(text(&h), "BEGIN { timestamp; }", "nothing typed was lost");
    assert!(h.get_by_label("D script editor").is_focused());
}

#[test]
fn tab_in_a_popup_nobody_chose_from_indents() {
    let (_d, mut h) = editor();
    keys(&mut h, "BEGIN\n{\nexe");
    assert!(popup_open(&h));
    keys(&mut h, "\t");
    assert_eq!(text(&h), "BEGIN\n{\n    exe ", "to the next tab stop");
}

#[test]
fn a_check_waits_until_the_popup_is_closed() {
    let (_d, mut h) = editor();
    let before = h.state().check_job();
    keys(&mut h, "BEGIN { tim");
    assert!(popup_open(&h));
    // Longer than the pause in typing that checks.
    std::thread::sleep(std::time::Duration::from_millis(900));
    h.run();
    assert_eq!(h.state().check_job(), before, "no check of a half word");
    keys(&mut h, "\u{1b}");
    std::thread::sleep(std::time::Duration::from_millis(50));
    h.run();
    assert_ne!(h.state().check_job(), before, "checked once it closed");
}

#[test]
fn enter_between_braces_opens_an_indented_block() {
    let (_d, mut h) = editor();
    keys(&mut h, "BEGIN {}");
    h.key_press(Key::ArrowLeft);
    h.run();
    keys(&mut h, "\ntrace(1);");
    assert_eq!(text(&h), "BEGIN {\n    trace(1);\n}");
    assert_eq!(h.state().editor().cursor_line_col(), (2, 14));
}

#[test]
fn toggle_comment_comments_and_uncomments_the_selected_lines() {
    let (_d, mut h) = editor();
    set_script(&mut h, "BEGIN\n{\n    x = 1;\n    y = 2;\n}\n");
    h.get_by_label("D script editor").focus();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, Key::Slash);
    h.run();
    assert_eq!(
        text(&h),
        "// BEGIN\n// {\n//     x = 1;\n//     y = 2;\n// }\n"
    );
    h.key_press_modifiers(Modifiers::COMMAND, Key::Slash);
    h.run();
    assert_eq!(text(&h), "BEGIN\n{\n    x = 1;\n    y = 2;\n}\n");
    // From the Edit menu, on the cursor's line only.
    h.state_mut().editor_mut().goto_line(3);
    h.run();
    click(&mut h, "Edit");
    click(&mut h, "Toggle Comment Ctrl+/");
    assert_eq!(text(&h), "BEGIN\n{\n    // x = 1;\n    y = 2;\n}\n");
    assert!(h.state().is_dirty());
}

#[test]
fn cut_copy_and_select_all_from_the_edit_menu() {
    let (_d, mut h) = editor();
    set_script(&mut h, "BEGIN { exit(0); }\n");
    click(&mut h, "Edit");
    click(&mut h, "Select All Ctrl+A");
    click(&mut h, "Edit");
    h.get_by_label("Cut Ctrl+X").click();
    h.step();
    assert_eq!(text(&h), "");
    let copied = h
        .output()
        .platform_output
        .commands
        .iter()
        .any(|c| matches!(c, egui::OutputCommand::CopyText(t) if t == "BEGIN { exit(0); }\n"));
    assert!(copied, "{:?}", h.output().platform_output.commands);
    h.run();
    assert!(
        h.query_by_label("Paste Ctrl+V").is_none(),
        "the menu closed"
    );
}

#[test]
fn find_shows_its_matches_escape_closes_it_and_replace_all_replaces() {
    let (_d, mut h) = editor();
    set_script(&mut h, "BEGIN { a = 1; b = a + a; }\n");
    shortcut(&mut h, CMD, Key::H);
    assert!(h.state().editor().find_is_open());
    h.get_by_label("Find:").type_text("a");
    h.run();
    assert!(h.query_by_label("3 matches").is_some());
    h.get_by_label("Replace:").focus();
    h.run();
    h.get_by_label("Replace:").type_text("count");
    h.run();
    click(&mut h, "Replace all");
    assert_eq!(text(&h), "BEGIN { count = 1; b = count + count; }\n");
    assert!(h.query_by_label("3 replaced").is_some());
    // Escape while the editor has the keyboard closes the bar.
    h.get_by_label("D script editor").focus();
    h.run();
    keys(&mut h, "\u{1b}");
    assert!(!h.state().editor().find_is_open());
    assert!(h.get_by_label("D script editor").is_focused());
    // Undo takes the whole replacement back.
    shortcut(&mut h, CMD, Key::Z);
    assert_eq!(text(&h), "BEGIN { a = 1; b = a + a; }\n");
}

#[test]
fn help_lists_the_shortcuts_and_says_what_this_is() {
    let (_d, mut h) = editor();
    click(&mut h, "Help");
    // A menu entry's name is read with its key ("Keyboard Shortcuts F1").
    h.get_by_label_contains("Keyboard Shortcuts").click();
    h.run();
    assert!(h.query_by_label("Ctrl+/").is_some());
    assert!(h.query_by_label("Shift+F5").is_some());
    assert!(h.query_by_label("F7").is_some(), "Check has a key");
    // Escape closes it, and F1 brings it back.
    h.key_press(Key::Escape);
    h.run();
    assert!(h.query_by_label("Shift+F5").is_none());
    h.key_press(Key::F1);
    h.run();
    assert!(h.query_by_label("Shift+F5").is_some());
    click(&mut h, "Help");
    click(&mut h, "About dscope");
    let version = format!("dscope {}", env!("CARGO_PKG_VERSION"));
    assert!(h.query_by_label(&version).is_some());
    assert!(h.query_by_label("Renderer").is_some());
}
