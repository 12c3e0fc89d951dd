//! A whole session from the keyboard alone, on a real X server and live
//! DTrace (DSCOPE_LIVE=1): write a script, save it, check it, set the
//! duration, turn Record on and run it, go to the Aggregations tab, step
//! through the views, select a time range by typing it, keep it as the
//! reference, select a later one, and export the comparison as CSV through
//! the file dialog. No mouse event is sent; each step's result is read
//! from the files the session leaves.

mod common;

use common::x11::{Display, Killed, have, wait};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// What a person at the keyboard does.
trait Person {
    fn key(&self, key: &str);
    fn type_lines(&self, text: &str);
}

impl Person for Display {
    /// Presses a key (or chord) and gives the window time to answer.
    fn key(&self, key: &str) {
        self.xdotool(&["key", key]);
        std::thread::sleep(Duration::from_millis(400));
    }

    /// Types text; a new line is the Return key, as a person presses it
    /// (`xdotool type` would send Linefeed), and Escape after each line
    /// puts away any completion list.
    fn type_lines(&self, text: &str) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                self.xdotool(&["key", "Escape"]);
                self.xdotool(&["key", "Return"]);
            }
            if !line.is_empty() {
                self.xdotool(&["type", "--delay", "25", line]);
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn recordings(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

/// Xvfb and dscope on it, editing `script`, with the window focused.
fn open_window(dir: &Path, script: &Path, state: &Path) -> (Display, [Killed; 2]) {
    let (display, x) = Display::start(200..260);
    let dscope = Killed(
        Command::new(env!("CARGO_BIN_EXE_dscope"))
            .arg("--builtin-dialogs")
            .arg(script)
            .env("DISPLAY", &display.0)
            .env("DSCOPE_CONFIG_DIR", dir.join("config"))
            .env("DSCOPE_STATE_DIR", state)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dscope starts"),
    );
    display.focus_window("session.d");
    (display, [dscope, x])
}

#[test]
fn a_keyboard_only_session_writes_runs_compares_and_saves() {
    if !common::live() {
        return;
    }
    assert!(
        have("Xvfb") && have("xdotool"),
        "DSCOPE_LIVE=1 but Xvfb or xdotool is missing"
    );
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("session.d");
    std::fs::write(&script, "").unwrap();
    let state = dir.path().join("state");
    let (display, _processes) = open_window(dir.path(), &script, &state);

    // Write and save.
    display.type_lines("tick-10ms\n{\n@n[\"tick\"] = count();\n}\n");
    display.key("ctrl+s");
    let expected = "tick-10ms\n{\n    @n[\"tick\"] = count();\n}\n";
    let mut saved = String::new();
    assert!(
        wait(Duration::from_secs(10), || {
            saved = std::fs::read_to_string(&script).unwrap_or_default();
            saved == expected
        }),
        "saved:\n{saved}"
    );

    // Check, then a 4 s recorded run.
    display.key("F7");
    display.key("ctrl+d");
    display.key("ctrl+a");
    display.xdotool(&["type", "4"]);
    display.key("Return");
    display.key("ctrl+shift+r");
    display.key("F5");
    let recorded = state.join("recordings");
    let mut found = Vec::new();
    assert!(
        wait(Duration::from_secs(30), || {
            found = recordings(&recorded);
            found.iter().any(|p| {
                dscope::history::recording::read(p, 100)
                    .is_ok_and(|r| r.end.is_some() && r.history.get("n").is_some())
            })
        }),
        "a finished recording in {}: {found:?}",
        recorded.display()
    );

    // The Aggregations tab, its views, a range typed, kept, and a later
    // one compared with it; then the comparison saved as CSV.
    display.key("alt+3");
    display.key("ctrl+shift+v");
    display.key("ctrl+shift+v");
    display.key("ctrl+shift+t");
    display.xdotool(&["type", "0-2"]);
    display.key("Return");
    display.key("ctrl+shift+k");
    display.key("ctrl+shift+t");
    display.xdotool(&["type", "2-4"]);
    display.key("Return");
    display.key("ctrl+e");
    let csv = dir.path().join("compared.csv");
    display.key("ctrl+a");
    display.xdotool(&["type", "--delay", "20", csv.to_str().unwrap()]);
    display.key("Return");
    let mut text = String::new();
    assert!(
        wait(Duration::from_secs(10), || {
            text = std::fs::read_to_string(&csv).unwrap_or_default();
            !text.is_empty()
        }),
        "the comparison was not exported to {}",
        csv.display()
    );
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "aggregation,function,key,status,what,before_min,before_max,after_min,after_max,before,after,change"
        ),
        "{text}"
    );
    // 100 ticks a second, and a snapshot a second: each range holds the
    // snapshots whose times fall in it, one or two seconds' worth.
    let total: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    assert_eq!(
        &total[..5],
        ["@n", "count", "tick", total[3], "total"],
        "{text}"
    );
    let (before, after): (i64, i64) = (total[9].parse().unwrap(), total[10].parse().unwrap());
    assert!(
        (80..=260).contains(&before) && (80..=260).contains(&after),
        "{text}"
    );

    // The script is still saved as written.
    display.key("ctrl+s");
    assert_eq!(std::fs::read_to_string(&script).unwrap(), expected);
}
