//! The command table is the window's only list of commands: every command
//! of a menu is in that menu, and every key the window answers to does
//! what Help says, from wherever the keyboard is.

mod common;

use common::*;
use dscope::ui::app::BottomTab;
use dscope::ui::commands::{Command, Handler, Menu};
use egui::Key;
use egui_kittest::kittest::Queryable;

fn menu_name(menu: Menu) -> Option<&'static str> {
    Some(match menu {
        Menu::File => "File",
        Menu::Edit => "Edit",
        Menu::View => "View",
        Menu::Script => "Script",
        Menu::Help => "Help",
        Menu::KeysOnly => return None,
    })
}

#[test]
fn every_command_of_a_menu_is_in_it_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    for &c in Command::ALL {
        let info = c.info();
        let Some(menu) = menu_name(info.menu) else {
            continue;
        };
        click(&mut h, menu);
        // A menu entry is read with its key after its name.
        let wanted = match info.key {
            Some(_) => format!("{} {}", info.label, c.key_text()),
            None => info.label.to_owned(),
        };
        // The probe browser is a checkbox that says its key in brackets.
        let checkbox = format!("{} ({})", info.label, c.key_text());
        // (The run bar has an Options… of its own.)
        let found = h.query_all_by_label(&wanted).next().is_some()
            || h.query_all_by_label(&checkbox).next().is_some();
        assert!(found, "{c:?}: no \"{wanted}\" in the {menu} menu");
        h.key_press(Key::Escape);
        h.run();
    }
}

#[test]
fn the_windows_keys_do_what_help_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "BEGIN { exit(0); }\n");
    // From the editor: the keyboard is where people type.
    h.get_by_label("D script editor").focus();
    h.run();
    let press = |h: &mut egui_kittest::Harness<'_, _>, c: Command| {
        let k = c.key().unwrap();
        assert_eq!(c.info().handler, Handler::Window, "{c:?}");
        h.key_press_modifiers(k.modifiers, k.logical_key);
        h.run();
    };
    let before = h.state().check_job();
    press(&mut h, Command::Check);
    assert_ne!(h.state().check_job(), before, "F7 checks");
    press(&mut h, Command::ShowProblems);
    assert_eq!(h.state().bottom_tab(), BottomTab::Problems);
    press(&mut h, Command::ShowAggregations);
    assert_eq!(h.state().bottom_tab(), BottomTab::Aggregations);
    press(&mut h, Command::ShowConsole);
    assert_eq!(h.state().bottom_tab(), BottomTab::Console);
    press(&mut h, Command::MaximizeOutput);
    assert!(
        h.query_by_label("Restore").is_some(),
        "the panel is maximized"
    );
    press(&mut h, Command::MaximizeOutput);
    assert!(h.query_by_label("Maximize").is_some());
    press(&mut h, Command::Shortcuts);
    assert!(h.query_by_label("Keyboard shortcuts").is_some());
    h.key_press(Key::Escape);
    h.run();
    assert!(
        h.query_by_label("Keyboard shortcuts").is_none(),
        "Esc closes it"
    );
    press(&mut h, Command::Run);
    assert!(h.state().run_panel().run_job().is_some(), "F5 runs");
    assert!(h.state().run_panel().state().is_active());
    press(&mut h, Command::Stop);
    assert_eq!(
        h.state().run_panel().state(),
        &dscope::workbench::RunState::Stopping,
        "Shift+F5 stops"
    );
    // The text was never touched by any of these keys.
    assert_eq!(h.state().editor().text(), "BEGIN { exit(0); }\n");
    assert!(!h.state().is_dirty());
}

#[test]
fn ctrl_tab_switches_to_the_script_before_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.d");
    let b = dir.path().join("b.d");
    std::fs::write(&a, "BEGIN { trace(1); }\n").unwrap();
    std::fs::write(&b, "BEGIN { trace(2); }\n").unwrap();
    let mut h = app(dir.path(), Some(a.clone()));
    let ctx = h.ctx.clone();
    h.state_mut().load_path(&ctx, &b);
    h.get_by_label("D script editor").focus();
    h.run();
    shortcut(&mut h, CMD, Key::Tab);
    assert_eq!(h.state().path(), Some(a.as_path()));
    assert_eq!(
        h.state().editor().text(),
        "BEGIN { trace(1); }\n",
        "not indented"
    );
    assert!(!h.state().is_dirty());
    shortcut(&mut h, CMD, Key::Tab);
    assert_eq!(h.state().path(), Some(b.as_path()));
}

#[test]
fn a_restart_opens_the_last_script_with_the_last_duration() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("mine.d");
    std::fs::write(&script, "BEGIN { exit(0); }\n").unwrap();
    {
        let mut h = app(dir.path(), Some(script.clone()));
        h.state_mut().run_panel_mut().duration_secs = 25.0;
        click(&mut h, "Run");
    }
    let h = app(dir.path(), None);
    assert_eq!(h.state().path(), Some(script.as_path()));
    assert_eq!(h.state().run_panel().duration_secs, 25.0);
}

/// After Go to line the keyboard is back in the editor, at that line:
/// typing goes there, and Escape and End work without a click.
#[test]
fn go_to_line_gives_the_keyboard_back_to_the_editor() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "BEGIN\n{\n\tx = 1;\n}\n");
    h.get_by_label("D script editor").focus();
    h.run();
    shortcut(&mut h, CMD, Key::G);
    assert!(h.query_by_label("Go to line").is_some());
    h.get_by_label_contains("Line number").type_text("3");
    h.run();
    h.key_press(Key::Enter);
    h.run();
    assert!(h.query_by_label("Go to line").is_none());
    assert!(h.get_by_label("D script editor").is_focused());
    h.key_press(Key::End);
    h.run();
    h.event(egui::Event::Text("//".into()));
    h.run();
    assert_eq!(h.state().editor().text(), "BEGIN\n{\n\tx = 1;//\n}\n");
    // Escape closes it too, and the editor has the keyboard again.
    shortcut(&mut h, CMD, Key::G);
    h.key_press(Key::Escape);
    h.run();
    assert!(h.query_by_label("Go to line").is_none());
    assert!(h.get_by_label("D script editor").is_focused());
}

/// The Aggregations tab from the keyboard: the next and previous
/// aggregation, the next view of one; Duration and Record from the run bar.
#[test]
fn aggregations_duration_and_record_from_the_keyboard() {
    use dscope::model::{AggFunction, Aggregation, KeyPart, Row, Snapshot, Value};
    use dscope::session::Event;
    use dscope::ui::charts::ChartKind;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    let press = |h: &mut egui_kittest::Harness<'_, _>, c: Command| {
        let k = c.key().unwrap();
        h.key_press_modifiers(k.modifiers, k.logical_key);
        h.run();
    };
    press(&mut h, Command::FocusDuration);
    assert!(
        h.get_by_label("0 runs until Stop or the script's exit()")
            .is_focused()
    );
    press(&mut h, Command::ToggleRecord);
    assert!(h.state().run_panel().record);
    press(&mut h, Command::ToggleRecord);
    assert!(!h.state().run_panel().record);
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    let agg = |id, name: &str| Aggregation {
        id,
        name: name.into(),
        function: AggFunction::Count,
        key_sizes: vec![8],
        rows: vec![Row {
            key: vec![KeyPart::Str("read".into())],
            value: Value::Number(3),
        }],
    };
    let snapshot = Snapshot {
        aggregations: vec![agg(1, "a"), agg(2, "b")],
    };
    for e in [
        Event::Started { matches: 1 },
        Event::Snapshot(snapshot.clone()),
    ] {
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    }
    let selected = |h: &egui_kittest::Harness<'_, dscope::ui::DscopeApp>| {
        h.state()
            .charts()
            .selected(&snapshot)
            .map(|a| a.name.clone())
    };
    assert_eq!(selected(&h).as_deref(), Some("a"));
    press(&mut h, Command::NextAggregation);
    assert_eq!(selected(&h).as_deref(), Some("b"));
    press(&mut h, Command::NextAggregation);
    assert_eq!(selected(&h).as_deref(), Some("a"), "round");
    press(&mut h, Command::PreviousAggregation);
    assert_eq!(selected(&h).as_deref(), Some("b"));
    assert_eq!(h.state().charts().kind("b"), Some(ChartKind::Pie));
    press(&mut h, Command::NextView);
    assert_eq!(h.state().charts().kind("b"), Some(ChartKind::Bars));
}
