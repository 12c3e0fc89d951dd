//! The real window on a real X server: a whole script typed key by key with
//! xdotool (new lines, braces, Escape presses while completion pops up),
//! saved with Ctrl+S, and the file compared byte for byte with what the
//! typist meant. Runs when Xvfb and xdotool are installed (CI installs
//! them); with `DSCOPE_LIVE=1` their absence fails the test.

mod common;

use common::x11::{Display, Killed, have, wait};
use std::process::{Command, Stdio};
use std::time::Duration;

#[test]
fn a_script_typed_key_by_key_is_saved_exactly() {
    if !(have("Xvfb") && have("xdotool")) {
        assert_ne!(
            std::env::var("DSCOPE_LIVE").as_deref(),
            Ok("1"),
            "DSCOPE_LIVE=1 but Xvfb or xdotool is missing"
        );
        eprintln!("skipped: Xvfb and xdotool are needed");
        return;
    }
    let (display, _x) = Display::start(140..200);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("typed.d");
    std::fs::write(&script, "").unwrap();
    let _dscope = Killed(
        Command::new(env!("CARGO_BIN_EXE_dscope"))
            .arg(&script)
            .env("DISPLAY", &display.0)
            .env("DSCOPE_CONFIG_DIR", dir.path().join("config"))
            .env("DSCOPE_STATE_DIR", dir.path().join("state"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dscope starts"),
    );
    display.focus_window("typed.d");

    // What the person types: no indentation of their own (the editor
    // indents), and Escape wherever a completion list is in the way.
    let typing: &[&str] = &[
        "syscall::read:entry\n{\n@bytes[exec",
        "\u{1b}",
        "name] = quantize(arg2);\n}\n\ntick-1s\n{\nprintf(\"%d\\n\", times",
        "\u{1b}",
        "tamp);\n}\n",
        "\u{1b}",
        "\u{1b}",
        "END\n{\nexit(0);\n}\n",
    ];
    for part in typing {
        if *part == "\u{1b}" {
            display.xdotool(&["key", "Escape"]);
        } else {
            // `xdotool type` sends a newline as the Linefeed keysym, which
            // no keyboard's Enter sends (and winit does not map): a new
            // line is the Return key, as a person presses it.
            for (i, line) in part.split('\n').enumerate() {
                if i > 0 {
                    display.xdotool(&["key", "Return"]);
                }
                if !line.is_empty() {
                    display.xdotool(&["type", "--delay", "25", line]);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    display.xdotool(&["key", "ctrl+s"]);
    let expected = "syscall::read:entry\n{\n    @bytes[execname] = quantize(arg2);\n}\n\n\
                    tick-1s\n{\n    printf(\"%d\\n\", timestamp);\n}\nEND\n{\n    exit(0);\n}\n";
    let mut saved = String::new();
    let done = wait(Duration::from_secs(20), || {
        saved = std::fs::read_to_string(&script).unwrap_or_default();
        saved == expected
    });
    assert!(done, "saved:\n{saved}\n---\nexpected:\n{expected}");
}
