//! The in-app file dialog and the probe browser's insides, as a user drives
//! them: where the keyboard starts, what each dialog lists, sorting by the
//! column headings, the keys in the list, the question before replacing a
//! file; the browser's footer in a short panel, short descriptions read
//! from the left, what Insert writes, and the matched view's profile
//! probes.

mod common;

use common::*;
use dscope::model::Probe;
use dscope::session::Event;
use dscope::ui::DscopeApp;
use dscope::ui::charts::export::ExportFormat;
use dscope::ui::file_dialog::{BrowserOutcome, DialogPurpose, FileBrowser};
use dscope::ui::probe_browser::ProbeBrowser;
use egui::{Key, Modifiers, vec2};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use std::fs;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

/// A file browser on its own, and what it decided.
struct Dialog {
    browser: FileBrowser,
    outcome: Option<BrowserOutcome>,
}

fn dialog(purpose: DialogPurpose, dir: &Path, name: &str) -> Harness<'static, Dialog> {
    let state = Dialog {
        browser: FileBrowser::new(purpose, dir, name),
        outcome: None,
    };
    let mut h = Harness::builder()
        .with_size(vec2(700.0, 600.0))
        .build_ui_state(
            |ui, d: &mut Dialog| {
                if d.outcome.is_none() {
                    match d.browser.show(ui.ctx()) {
                        BrowserOutcome::Pending => {}
                        done => d.outcome = Some(done),
                    }
                }
            },
            state,
        );
    h.run();
    h
}

fn key<S>(h: &mut Harness<'_, S>, key: Key) {
    h.key_press(key);
    h.run();
}

fn write(dir: &Path, name: &str, bytes: usize, modified_unix: u64) {
    let path = dir.join(name);
    fs::write(&path, vec![b'x'; bytes]).unwrap();
    let file = fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(UNIX_EPOCH + Duration::from_secs(modified_unix))
        .unwrap();
}

/// The listed names (folders with their `/`), top to bottom.
fn listed<S>(h: &Harness<'_, S>, names: &[&str]) -> Vec<String> {
    let mut rows: Vec<(f32, String)> = names
        .iter()
        .filter_map(|n| {
            h.query_by_label(n)
                .map(|node| (node.rect().min.y, n.to_string()))
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    rows.into_iter().map(|(_, n)| n).collect()
}

/// Selected rows are "toggled" for a screen reader.
fn selected<S>(h: &Harness<'_, S>, label: &str) -> bool {
    h.get_by_label(label).accesskit_node().toggled() == Some(egui::accesskit::Toggled::True)
}

#[test]
fn save_as_starts_in_the_name_field_with_the_stem_selected() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    shortcut(&mut h, CMD, Key::N);
    shortcut(&mut h, CMD | Modifiers::SHIFT, Key::S);
    assert!(h.query_by_label("Save script as").is_some());
    assert!(h.get_by_label("File name:").is_focused());
    assert_eq!(
        h.get_by_label("File name:").value().as_deref(),
        Some("untitled.d"),
        "a new script's name"
    );
    // Typing replaces the stem and keeps the extension; Enter saves.
    h.get_by_label("File name:").type_text("trace");
    h.run();
    assert_eq!(
        h.get_by_label("File name:").value().as_deref(),
        Some("trace.d")
    );
    shortcut(&mut h, Modifiers::NONE, Key::Enter);
    assert!(dir.path().join("trace.d").is_file(), "Enter saved it");
    assert_eq!(h.state().path(), Some(dir.path().join("trace.d").as_path()));
}

#[test]
fn open_starts_in_the_list_so_a_name_and_enter_open_the_file() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("alpha.d"), "BEGIN {}\n").unwrap();
    fs::write(dir.path().join("beta.d"), "END {}\n").unwrap();
    fs::write(dir.path().join("bravo.d"), "ERROR {}\n").unwrap();
    let mut h = app(dir.path(), None);
    shortcut(&mut h, CMD, Key::O);
    assert!(
        h.get_by_label("Files").is_focused(),
        "the list has the keyboard"
    );
    assert!(!h.get_by_label("Folder:").is_focused());
    h.get_by_label("Files").type_text("br");
    h.run();
    assert!(selected(&h, "bravo.d"), "type-ahead found bravo.d");
    shortcut(&mut h, Modifiers::NONE, Key::Enter);
    assert_eq!(h.state().path(), Some(dir.path().join("bravo.d").as_path()));
    assert_eq!(h.state().editor().text(), "ERROR {}\n");
}

#[test]
fn each_purpose_lists_its_own_kind_of_file_and_starts_in_the_right_place() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.d", "r.csv", "r.json", "c.png", "out.txt", "run.log"] {
        fs::write(dir.path().join(name), "x").unwrap();
    }
    fs::create_dir(dir.path().join("sub")).unwrap();
    let all = ["a.d", "r.csv", "r.json", "c.png", "out.txt", "run.log"];
    let cases: [(DialogPurpose, &str, &[&str], &str); 6] = [
        (DialogPurpose::Open, "Only D scripts (*.d)", &["a.d"], ""),
        (
            DialogPurpose::SaveAs,
            "Only D scripts (*.d)",
            &["a.d"],
            "x.d",
        ),
        (
            DialogPurpose::Export(ExportFormat::Csv),
            "Only CSV files (*.csv)",
            &["r.csv"],
            "x.csv",
        ),
        (
            DialogPurpose::Export(ExportFormat::Json),
            "Only JSON files (*.json)",
            &["r.json"],
            "x.json",
        ),
        (
            DialogPurpose::Export(ExportFormat::Png),
            "Only PNG images (*.png)",
            &["c.png"],
            "x.png",
        ),
        (
            DialogPurpose::Export(ExportFormat::Console),
            "Only text files (*.txt, *.log)",
            &["out.txt", "run.log"],
            "x-output.txt",
        ),
    ];
    for (purpose, filter, shown, name) in cases {
        let mut h = dialog(purpose, dir.path(), name);
        assert!(h.query_by_label(filter).is_some(), "{purpose:?}: {filter}");
        assert!(h.query_by_label("sub/").is_some(), "{purpose:?}: folders");
        for file in all {
            assert_eq!(
                h.query_by_label(file).is_some(),
                shown.contains(&file),
                "{purpose:?}: {file}"
            );
        }
        if purpose == DialogPurpose::Open {
            assert!(h.get_by_label("Files").is_focused(), "{purpose:?}");
        } else {
            assert!(h.get_by_label("File name:").is_focused(), "{purpose:?}");
            // The stem is selected: typing keeps the extension.
            h.get_by_label("File name:").type_text("y");
            h.run();
            let ext = name.rsplit_once('.').unwrap().1;
            assert_eq!(
                h.get_by_label("File name:").value().unwrap(),
                format!("y.{ext}"),
                "{purpose:?}"
            );
        }
        // Unticking the filter shows everything.
        h.get_by_label(filter).click();
        h.run();
        for file in all {
            assert!(h.query_by_label(file).is_some(), "{purpose:?}: {file}");
        }
    }
}

#[test]
fn the_console_export_from_the_app_offers_text_files() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("a.d"), "x").unwrap();
    fs::write(dir.path().join("old.txt"), "x").unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    for e in [Event::Started { matches: 1 }, Event::Output("line".into())] {
        h.state_mut().apply_session_event(event(job, e));
        h.run();
    }
    click(&mut h, "Save…");
    assert!(h.query_by_label("Save console output").is_some());
    assert!(h.query_by_label("Only text files (*.txt, *.log)").is_some());
    assert!(h.query_by_label("old.txt").is_some());
    assert!(h.query_by_label("a.d").is_none());
    assert!(h.get_by_label("File name:").is_focused());
}

#[test]
fn headings_sort_folders_first_and_a_second_click_reverses() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Sizes and times in a different order from the names.
    write(d, "b.d", 1536, 1_700_000_000);
    write(d, "a.d", 10, 1_700_000_300);
    write(d, "C.d", 3 << 20, 1_600_000_000);
    fs::create_dir(d.join("zeta")).unwrap();
    fs::create_dir(d.join("Alpha")).unwrap();
    let names = ["Alpha/", "zeta/", "a.d", "b.d", "C.d"];
    let mut h = dialog(DialogPurpose::Open, d, "");
    assert_eq!(listed(&h, &names), ["Alpha/", "zeta/", "a.d", "b.d", "C.d"]);
    assert!(h.query_by_label("10 B").is_some());
    assert!(h.query_by_label("1.5 KiB").is_some());
    assert!(h.query_by_label("3.0 MiB").is_some());

    click_any(&mut h, "Name");
    assert_eq!(listed(&h, &names), ["zeta/", "Alpha/", "C.d", "b.d", "a.d"]);
    click_any(&mut h, "Size");
    assert_eq!(listed(&h, &names), ["Alpha/", "zeta/", "a.d", "b.d", "C.d"]);
    click_any(&mut h, "Size");
    assert_eq!(listed(&h, &names), ["zeta/", "Alpha/", "C.d", "b.d", "a.d"]);
    click_any(&mut h, "Modified");
    let by_time = listed(&h, &names);
    assert_eq!(&by_time[2..], ["C.d", "b.d", "a.d"], "oldest first");
    assert!(by_time[..2].contains(&"zeta/".to_owned()), "folders first");
    click_any(&mut h, "Modified");
    assert_eq!(&listed(&h, &names)[2..], ["a.d", "b.d", "C.d"]);
}

fn click_any<S>(h: &mut Harness<'_, S>, label: &str) {
    h.get_by_label(label).click();
    h.run();
}

/// The Modified column in the zone `TZ` names, here a fixed POSIX rule so
/// the expected text holds on any machine.
#[test]
fn modified_times_are_local() {
    Rerun {
        test: "modified_times_in_tz",
        wrapper: &[],
        env: &[("TZ", "XST-5:30")],
        user: None,
    }
    .pass();
}

#[test]
#[ignore = "run by modified_times_are_local with TZ set"]
fn modified_times_in_tz() {
    assert_eq!(std::env::var("TZ").as_deref(), Ok("XST-5:30"));
    let dir = tempfile::tempdir().unwrap();
    // 2024-03-05 14:07:30 UTC.
    write(dir.path(), "a.d", 1, 1_709_647_650);
    let h = dialog(DialogPurpose::Open, dir.path(), "");
    assert!(
        h.query_by_label("2024-03-05 19:37").is_some(),
        "UTC+5:30, to the minute"
    );
}

#[test]
fn the_keyboard_moves_in_the_list_and_through_folders() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::create_dir(d.join("sub")).unwrap();
    fs::write(d.join("sub/inner.d"), "x").unwrap();
    fs::write(d.join("a.d"), "x").unwrap();
    fs::write(d.join("b.d"), "x").unwrap();
    let mut h = dialog(DialogPurpose::Open, d, "");
    key(&mut h, Key::ArrowDown);
    assert!(selected(&h, "sub/"));
    key(&mut h, Key::ArrowDown);
    key(&mut h, Key::ArrowDown);
    assert!(selected(&h, "b.d"));
    assert_eq!(h.get_by_label("File name:").value().as_deref(), Some("b.d"));
    key(&mut h, Key::ArrowUp);
    assert!(selected(&h, "a.d"));
    assert!(
        h.get_by_label("Files").is_focused(),
        "arrows stay in the list"
    );
    // Up to the folder, into it, and back out with Backspace.
    key(&mut h, Key::ArrowUp);
    key(&mut h, Key::ArrowUp);
    assert!(selected(&h, "sub/"), "the top stays the top");
    key(&mut h, Key::Enter);
    assert!(h.query_by_label("inner.d").is_some(), "Enter went into sub");
    assert!(h.query_by_label("a.d").is_none());
    key(&mut h, Key::Backspace);
    assert!(h.query_by_label("a.d").is_some(), "Backspace went up");
    assert!(selected(&h, "sub/"), "the folder just left is selected");
    key(&mut h, Key::ArrowDown);
    key(&mut h, Key::Enter);
    let chosen = fs::canonicalize(d).unwrap().join("a.d");
    assert_eq!(h.state().outcome, Some(BrowserOutcome::Chosen(chosen)));

    // A click gives the list the keyboard too.
    let mut h = dialog(DialogPurpose::SaveAs, d, "x.d");
    assert!(h.get_by_label("File name:").is_focused());
    h.get_by_label("a.d").click();
    h.run();
    assert!(h.get_by_label("Files").is_focused());
    key(&mut h, Key::ArrowDown);
    assert!(selected(&h, "b.d"));
    h.get_by_label("sub/").click();
    h.run();
    assert!(
        h.query_by_label("inner.d").is_some(),
        "a click enters a folder"
    );
    key(&mut h, Key::Backspace);
    assert!(selected(&h, "sub/"), "and Backspace comes back");
    key(&mut h, Key::Escape);
    assert_eq!(h.state().outcome, Some(BrowserOutcome::Cancelled));
}

#[test]
fn saving_over_a_file_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept.d");
    fs::write(&kept, "old").unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "BEGIN { exit(0); }\n");
    shortcut(&mut h, CMD | Modifiers::SHIFT, Key::S);
    replace_text(&mut h, "File name:", "kept.d");
    click(&mut h, "Save");
    assert!(h.query_by_label("Replace kept.d?").is_some());
    assert_eq!(fs::read_to_string(&kept).unwrap(), "old", "not yet");
    // Cancel goes back to the dialog, not out of it.
    click(&mut h, "Cancel");
    assert!(h.query_by_label("Replace kept.d?").is_none());
    assert!(h.query_by_label("Save script as").is_some());
    assert_eq!(fs::read_to_string(&kept).unwrap(), "old");
    click(&mut h, "Save");
    assert!(
        h.get_by_label("Replace").is_focused(),
        "Enter would replace"
    );
    click(&mut h, "Replace");
    assert_eq!(fs::read_to_string(&kept).unwrap(), "BEGIN { exit(0); }\n");
    assert!(h.query_by_label("Save script as").is_none());
    // A new name saves without a question.
    shortcut(&mut h, CMD | Modifiers::SHIFT, Key::S);
    replace_text(&mut h, "File name:", "new.d");
    click(&mut h, "Save");
    assert!(h.query_by_label("Replace new.d?").is_none());
    assert!(dir.path().join("new.d").is_file());
}

fn probe(id: u32, p: &str, m: &str, f: &str, n: &str) -> Probe {
    Probe::new(id, p, m, f, n)
}

fn probes() -> Vec<Probe> {
    vec![
        probe(1, "dtrace", "", "", "BEGIN"),
        probe(2, "dtrace", "", "", "END"),
        probe(3, "syscall", "vmlinux", "read", "entry"),
        probe(4, "syscall", "vmlinux", "readv", "return"),
        probe(5, "syscall", "vmlinux", "write", "entry"),
        probe(6, "pid42", "libc.so.6", "malloc", "entry"),
        probe(7, "pid42", "ld.so", "malloc", "entry"),
    ]
}

/// Opens the probe browser (F2) and answers its listing.
fn open_browser(h: &mut Harness<'_, DscopeApp>) {
    shortcut(h, Modifiers::NONE, Key::F2);
    let job = h
        .state()
        .probe_browser()
        .loading
        .expect("opening the browser lists the probes");
    h.state_mut()
        .apply_session_event(event(job, Event::Probes(Ok(probes()))));
    h.run();
}

#[test]
fn the_details_and_insert_stay_in_view_in_a_short_panel() {
    let height = 250.0;
    let mut many = probes();
    many.extend((0..300).map(|i| probe(100 + i, "sdt", "vmlinux", &format!("f{i:03}"), "x")));
    let mut browser = ProbeBrowser::default();
    browser.listed(Ok(many));
    browser.set_filter("syscall::readv:return");
    let types: Vec<String> = (0..8).map(|i| format!("uint64_t /* {i} */")).collect();
    browser.arg_types_known(
        &probe(4, "syscall", "vmlinux", "readv", "return"),
        Ok(types),
    );
    let mut h = Harness::builder()
        .with_size(vec2(300.0, height))
        .build_ui_state(
            |ui, b: &mut ProbeBrowser| {
                b.show(ui);
            },
            browser,
        );
    h.run();
    h.get_by_label("return").click();
    h.run();
    let insert = h.get_by_label("Insert at cursor").rect();
    assert!(insert.max.y <= height, "Insert at {insert:?}");
    assert!(h.query_by_label("args[0]: uint64_t /* 0 */").is_some());
    assert!(
        h.query_by_label("syscall::readv:return").is_some(),
        "what Insert writes"
    );
    // With every probe listed, the tree scrolls and the footer stays.
    h.state_mut().set_filter("*");
    h.run();
    let insert = h.get_by_label("Insert at cursor").rect();
    assert!(insert.max.y <= height, "Insert at {insert:?}");
    assert!(
        h.query_by_label("f299").is_none(),
        "the tree's end is out of view"
    );
}

#[test]
fn the_footer_stays_in_view_in_the_app_window() {
    let dir = tempfile::tempdir().unwrap();
    let size = vec2(900.0, 560.0);
    let config = common::config(dir.path(), None);
    let mut h = Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| DscopeApp::new(cc, config));
    h.run();
    open_browser(&mut h);
    replace_text(&mut h, "Filter", "syscall::read:");
    click(&mut h, "entry");
    let read_entry = probe(3, "syscall", "vmlinux", "read", "entry");
    let types = (0..6).map(|i| format!("long /* {i} */")).collect();
    h.state_mut().apply_session_event(event(
        0,
        Event::ProbeArgs {
            probe: read_entry,
            types: Ok(types),
        },
    ));
    h.run();
    assert!(h.query_by_label("args[0]: long /* 0 */").is_some());
    let insert = h.get_by_label("Insert at cursor").rect();
    let filter = h.get_by_label("Filter").rect();
    assert!(
        insert.max.y <= size.y && insert.min.y > filter.max.y,
        "Insert at {insert:?}"
    );
}

#[test]
fn a_short_description_that_matches_nothing_shows_the_leading_fields() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    open_browser(&mut h);
    replace_text(&mut h, "Filter", "syscall::read*");
    assert!(h.query_by_label("2 of 7 probes").is_some());
    assert!(
        h.query_by_label("No probe has module syscall and name read*; showing syscall::read*:*")
            .is_some()
    );
    assert!(h.query_by_label("- readv  (1)").is_some());
    // Written in full, it matches as dtrace reads it: no hint.
    replace_text(&mut h, "Filter", "syscall::read*:");
    assert!(h.query_by_label("2 of 7 probes").is_some());
    assert!(h.query_by_label_contains("No probe has").is_none());
}

#[test]
fn insert_leaves_out_the_module_unless_it_tells_probes_apart() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    open_browser(&mut h);
    let inserted = |h: &mut Harness<'_, DscopeApp>, filter: &str, row: &str| {
        set_script(h, "");
        replace_text(h, "Filter", filter);
        h.get_by_label(row).click();
        h.run();
        click(h, "Insert at cursor");
        // On an empty script the description comes with a clause.
        let text = h.state().editor().text().to_owned();
        assert!(text.ends_with("\n{\n    \n}\n"), "{text:?}");
        text.lines().next().unwrap_or_default().to_owned()
    };
    assert_eq!(
        inserted(&mut h, "syscall::readv:", "return"),
        "syscall::readv:return"
    );
    assert_eq!(
        inserted(&mut h, "syscall::readv:", "- readv  (1)"),
        "syscall::readv:"
    );
    assert_eq!(
        inserted(&mut h, "pid42::malloc:entry", "- ld.so  (1)"),
        "pid42:ld.so::"
    );
    // malloc:entry is in two libraries: the module says which.
    let text = inserted(&mut h, "pid42:ld.so:malloc:entry", "entry");
    assert_eq!(text, "pid42:ld.so:malloc:entry");
    assert_eq!(
        inserted(&mut h, "pid42:ld.so:malloc:entry", "- malloc  (1)"),
        "pid42:ld.so:malloc:"
    );
}

#[test]
fn matched_probes_include_profile_probes_made_when_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(
        &mut h,
        "tick-1s\n{ exit(0); }\n\nEND\n{ }\n\nsyscall::nosuch:entry\n{ }\n",
    );
    open_browser(&mut h);
    click(&mut h, "Matched probes");
    assert!(h.query_by_label("1 of 7 probes").is_some());
    assert!(h.query_by_label("END").is_some());
    assert!(h.query_by_label("tick-1s — created when enabled").is_some());
    assert!(
        h.query_by_label("syscall::nosuch:entry — matches no probe")
            .is_some()
    );
}

#[test]
fn a_relative_script_path_starts_the_dialog_in_the_current_folder() {
    let h = dialog(DialogPurpose::Open, Path::new(""), "");
    assert!(h.query_by_label_contains("Cannot list").is_none());
    let here = std::env::current_dir().unwrap();
    assert_eq!(
        h.get_by_label("Folder:").value().unwrap(),
        fs::canonicalize(here).unwrap().display().to_string()
    );
    let gone = tempfile::tempdir().unwrap().path().join("gone");
    let h = dialog(DialogPurpose::SaveAs, &gone, "x.d");
    assert!(
        h.query_by_label_contains("Cannot list").is_some(),
        "says why it is elsewhere"
    );
    assert_ne!(
        h.get_by_label("Folder:").value().unwrap(),
        gone.display().to_string()
    );
}

/// Frames until `done` holds, or panics after `secs` seconds.
fn wait_until(
    h: &mut Harness<'_, DscopeApp>,
    secs: u64,
    what: &str,
    done: impl Fn(&DscopeApp) -> bool,
) {
    let end = std::time::Instant::now() + Duration::from_secs(secs);
    while !done(h.state()) {
        assert!(
            std::time::Instant::now() < end,
            "waited {secs} s for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    h.run();
}

/// The real probe list: syscall probes exist in one module, so Insert
/// writes them without it; `tick-1s` is not listed but is made when a
/// script enables it.
#[test]
fn live_probe_list_inserts_and_matches_as_dtrace_does() {
    if !live() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_window(dir.path(), vec2(1100.0, 800.0));
    set_script(
        &mut h,
        "syscall::read:entry\n{ @ = count(); }\n\ntick-1s\n{ exit(0); }\n",
    );
    shortcut(&mut h, Modifiers::NONE, Key::F2);
    wait_until(&mut h, 180, "the probe list", |app| {
        app.probe_browser().has_list() || app.probe_browser().loading.is_none()
    });
    assert!(h.state().probe_browser().has_list(), "the list arrived");
    replace_text(&mut h, "Filter", "syscall::read");
    assert!(
        h.query_by_label("No probe has module syscall and name read; showing syscall::read:*")
            .is_some()
    );
    h.get_by_label("entry").click();
    h.run();
    let read_entry = h
        .state()
        .probe_browser()
        .tree()
        .unwrap()
        .shared()
        .iter()
        .find(|p| p.provider == "syscall" && p.function == "read" && p.name == "entry")
        .cloned()
        .expect("syscall::read:entry is listed");
    wait_until(&mut h, 60, "argument types", |app| {
        app.probe_browser().arg_types(&read_entry).is_some()
    });
    assert!(h.query_by_label_contains("args[0]: ").is_some());
    set_script(&mut h, "");
    click(&mut h, "Insert at cursor");
    assert_eq!(
        h.state().editor().text(),
        "syscall::read:entry\n{\n    \n}\n",
        "a clause to fill in"
    );
    set_script(
        &mut h,
        "syscall::read:entry\n{ @ = count(); }\n\ntick-1s\n{ exit(0); }\n",
    );
    click(&mut h, "Matched probes");
    assert!(h.query_by_label_contains("1 of ").is_some());
    assert!(h.query_by_label("tick-1s — created when enabled").is_some());
}

#[test]
fn a_long_folder_draws_the_rows_in_view_and_follows_the_selection() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..400 {
        fs::write(dir.path().join(format!("f{i:03}.d")), "x").unwrap();
    }
    let mut h = dialog(DialogPurpose::Open, dir.path(), "");
    assert!(h.query_by_label("f000.d").is_some());
    assert!(
        h.query_by_label("f399.d").is_none(),
        "rows out of view are not drawn"
    );
    // Type-ahead far down the list brings the row into view.
    h.get_by_label("Files").type_text("f35");
    h.run();
    assert!(selected(&h, "f350.d"));
    let list = h.get_by_label("Files").rect();
    let row = h.get_by_label("f350.d").rect();
    assert!(list.contains_rect(row), "{row:?} in {list:?}");
    // And back up by key, one row above the view.
    for _ in 0..30 {
        h.key_press(Key::ArrowUp);
        h.run();
    }
    assert!(selected(&h, "f320.d"));
    let row = h.get_by_label("f320.d").rect();
    assert!(list.contains_rect(row), "{row:?} in {list:?}");
}

/// A run that prints more than the console shows loses nothing: Save…
/// writes every line, those out of view first.
#[test]
fn save_writes_the_whole_output_of_a_long_run() {
    use dscope::workbench::run::CONSOLE_LINES;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    click(&mut h, "Run");
    let job = h.state().run_panel().run_job().unwrap();
    h.state_mut()
        .apply_session_event(event(job, Event::Started { matches: 1 }));
    let total = CONSOLE_LINES + 2_500;
    for i in 0..total {
        h.state_mut()
            .apply_session_event(event(job, Event::Output(format!("line {i}"))));
    }
    h.run();
    assert!(
        h.query_by_label_contains("2501 older lines out of view")
            .is_some()
    );
    click(&mut h, "Save…");
    replace_text(&mut h, "File name:", "all.txt");
    click(&mut h, "Save");
    let saved = fs::read_to_string(dir.path().join("all.txt")).unwrap();
    let lines: Vec<&str> = saved.lines().collect();
    assert_eq!(lines.len(), total);
    assert_eq!(lines[0], "line 0");
    assert_eq!(lines[total - 1], format!("line {}", total - 1));
}

/// Insert writes a clause on an empty line between clauses (a bare
/// description there does not compile), and the description alone where
/// one is being written.
#[test]
fn insert_writes_a_clause_between_clauses() {
    use dscope::ui::Action;
    use dscope::ui::probe_browser::BrowserAction;
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "");
    let ctx = h.ctx.clone();
    h.state_mut().apply(
        &ctx,
        Action::Browser(BrowserAction::Insert("syscall::read:entry".into())),
    );
    h.run();
    assert_eq!(
        h.state().editor().text(),
        "syscall::read:entry\n{\n    \n}\n"
    );
    set_script(&mut h, "syscall::write:entry,\n");
    let ctx = h.ctx.clone();
    h.state_mut().editor_mut().goto(1, 21);
    h.run();
    h.state_mut().apply(
        &ctx,
        Action::Browser(BrowserAction::Insert("syscall::read:entry".into())),
    );
    h.run();
    assert!(
        h.state()
            .editor()
            .text()
            .contains("syscall::write:entry,syscall::read:entry"),
        "{:?}",
        h.state().editor().text()
    );
}

#[test]
fn a_slash_typed_in_the_list_starts_a_whole_path_in_the_name_field() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("alpha.d"), "BEGIN {}\n").unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("other.d");
    fs::write(&target, "END {}\n").unwrap();
    let mut h = app(dir.path(), None);
    shortcut(&mut h, CMD, Key::O);
    assert!(h.get_by_label("Files").is_focused());
    h.get_by_label("Files").type_text(target.to_str().unwrap());
    h.run();
    assert_eq!(
        h.get_by_label("File name:").value().as_deref(),
        target.to_str()
    );
    shortcut(&mut h, Modifiers::NONE, Key::Enter);
    assert_eq!(h.state().path(), Some(target.as_path()));
}
