//! The consumer's parts that need no libdtrace: the pacing of live
//! snapshots, `-c`'s words, compile errors' wording (the rest is what the
//! live tests run).

use super::processes::command_words;
use super::running::Pace;
use super::*;
use std::time::{Duration, Instant};

/// A snapshot that costs more than half its interval spaces the next
/// one out to twice what it took; the interval is announced when it
/// changes by a whole second, and again when it is back to the one
/// asked for.
#[test]
fn slow_snapshots_are_spaced_out_and_announced() {
    let second = Duration::from_secs(1);
    let mut pace = Pace::new(Some(second));
    assert!(!pace.due(), "the first one waits an interval");
    assert_eq!(pace.took(Duration::from_millis(300)), None);
    assert_eq!(
        pace.took(Duration::from_millis(1500)),
        Some(Duration::from_secs(3))
    );
    let wait = pace.next - Instant::now();
    assert!(wait > Duration::from_millis(1400), "{wait:?}");
    // The same whole second: no news.
    assert_eq!(pace.took(Duration::from_millis(1700)), None);
    assert_eq!(
        pace.took(Duration::from_millis(2600)),
        Some(Duration::from_millis(5200))
    );
    assert_eq!(pace.took(Duration::from_millis(100)), Some(second));
    assert_eq!(pace.took(Duration::from_millis(100)), None);
    // Without live snapshots nothing is ever due.
    assert!(!Pace::new(None).due());
    assert_eq!(Pace::new(None).took(second), None);
}

#[test]
fn commands_split_at_white_space_only_as_dtrace_does() {
    assert_eq!(command_words("ls -l /tmp"), ["ls", "-l", "/tmp"]);
    // Quotes and backslashes are ordinary characters, as in make_argv.
    assert_eq!(
        command_words("  echo\t'two  words' \"x\\\"y\" "),
        ["echo", "'two", "words'", "\"x\\\"y\""]
    );
    assert_eq!(
        command_words("echo $HOME `id` *"),
        ["echo", "$HOME", "`id`", "*"]
    );
    // White space is the six ASCII characters, not every Unicode one.
    assert_eq!(command_words("a\u{a0}b\x0bc"), ["a\u{a0}b", "c"]);
    assert!(command_words(" \n ").is_empty());
}

#[test]
fn a_description_error_puts_its_tag_last() {
    let e = CompileError::Description {
        description: "BEGIN{x=}".into(),
        message: "[D_SYNTAX] syntax error near \"}\"".into(),
    };
    assert_eq!(
        e.to_string(),
        "invalid probe specifier BEGIN{x=}: syntax error near \"}\" [D_SYNTAX]"
    );
    let plain = CompileError::Description {
        description: "BEGIN".into(),
        message: "[not a tag] said".into(),
    };
    assert_eq!(
        plain.to_string(),
        "invalid probe specifier BEGIN: [not a tag] said"
    );
}
