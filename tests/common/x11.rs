//! The real window on a private Xvfb, driven with xdotool as a person at
//! the keyboard drives it.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn have(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits up to `limit` for `ready`.
pub fn wait(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// An X display, named as DISPLAY names it (":140").
pub struct Display(pub String);

impl Display {
    /// Starts Xvfb (1100x760, no TCP) on a free display among `numbers`
    /// (tests that may run at once take different ones) and waits until
    /// it answers.
    pub fn start(numbers: std::ops::Range<u32>) -> (Display, Killed) {
        let n = numbers
            .clone()
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free display number");
        let display = Display(format!(":{n}"));
        let x = Killed(
            Command::new("Xvfb")
                .args([
                    &display.0,
                    "-screen",
                    "0",
                    "1100x760x24",
                    "-nolisten",
                    "tcp",
                ])
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts"),
        );
        assert!(
            wait(Duration::from_secs(20), || Command::new("xdotool")
                .arg("getdisplaygeometry")
                .env("DISPLAY", &display.0)
                .stderr(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())),
            "the X server answers"
        );
        (display, x)
    }

    pub fn xdotool(&self, args: &[&str]) -> String {
        let out = Command::new("xdotool")
            .args(args)
            .env("DISPLAY", &self.0)
            .output()
            .expect("xdotool runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits for a window whose title holds `title`, and gives it the
    /// keyboard.
    pub fn focus_window(&self, title: &str) {
        let mut window = String::new();
        assert!(
            wait(Duration::from_secs(60), || {
                window = self.xdotool(&["search", "--name", title]);
                !window.trim().is_empty()
            }),
            "the window opens"
        );
        let window = window.lines().next().unwrap().trim().to_owned();
        self.xdotool(&["windowfocus", "--sync", &window]);
        // Let the first frames settle before typing.
        std::thread::sleep(Duration::from_secs(2));
    }
}
