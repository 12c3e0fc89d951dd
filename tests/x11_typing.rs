//! The real window on a real X server: a whole script typed key by key with
//! xdotool (new lines, braces, Escape presses while completion pops up),
//! saved with Ctrl+S, and the file compared byte for byte with what the
//! typist meant. Runs when Xvfb and xdotool are installed (CI installs
//! them); with `DSCOPE_LIVE=1` their absence fails the test.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn xdotool(display: &str, args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .env("DISPLAY", display)
        .output()
        .expect("xdotool runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Waits up to `limit` for `ready`.
fn wait(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// An X display number nobody uses.
fn free_display() -> u32 {
    (140..200)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free display number")
}

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
    let n = free_display();
    let display = format!(":{n}");
    let _x = Killed(
        Command::new("Xvfb")
            .args([&display, "-screen", "0", "1100x760x24", "-nolisten", "tcp"])
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb starts"),
    );
    assert!(
        wait(Duration::from_secs(20), || {
            Command::new("xdotool")
                .arg("getdisplaygeometry")
                .env("DISPLAY", &display)
                .stderr(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        }),
        "the X server answers"
    );
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("typed.d");
    std::fs::write(&script, "").unwrap();
    let _dscope = Killed(
        Command::new(env!("CARGO_BIN_EXE_dscope"))
            .arg(&script)
            .env("DISPLAY", &display)
            .env("DSCOPE_CONFIG_DIR", dir.path().join("config"))
            .env("DSCOPE_STATE_DIR", dir.path().join("state"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dscope starts"),
    );
    let mut window = String::new();
    assert!(
        wait(Duration::from_secs(60), || {
            window = xdotool(&display, &["search", "--name", "typed.d"]);
            !window.trim().is_empty()
        }),
        "the window opens"
    );
    let window = window.lines().next().unwrap().trim().to_owned();
    xdotool(&display, &["windowfocus", "--sync", &window]);
    // Let the first frames settle before typing.
    std::thread::sleep(Duration::from_secs(2));

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
            xdotool(&display, &["key", "Escape"]);
        } else {
            // `xdotool type` sends a newline as the Linefeed keysym, which
            // no keyboard's Enter sends (and winit does not map): a new
            // line is the Return key, as a person presses it.
            for (i, line) in part.split('\n').enumerate() {
                if i > 0 {
                    xdotool(&display, &["key", "Return"]);
                }
                if !line.is_empty() {
                    xdotool(&display, &["type", "--delay", "25", line]);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    xdotool(&display, &["key", "ctrl+s"]);
    let expected = "syscall::read:entry\n{\n    @bytes[execname] = quantize(arg2);\n}\n\n\
                    tick-1s\n{\n    printf(\"%d\\n\", timestamp);\n}\nEND\n{\n    exit(0);\n}\n";
    let mut saved = String::new();
    let done = wait(Duration::from_secs(20), || {
        saved = std::fs::read_to_string(&script).unwrap_or_default();
        saved == expected
    });
    assert!(done, "saved:\n{saved}\n---\nexpected:\n{expected}");
}
