//! Panics in the UI process: whatever thread panics, its message and place
//! are kept for the window to report, after the user's text is copied to
//! the recovery file. The frame itself runs under `catch_unwind`, so a bug
//! in one widget costs one frame, not the unsaved script.

use std::panic::PanicHookInfo;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Once};

/// A panic, as the user is told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PanicReport {
    pub thread: String,
    pub message: String,
    /// `file:line` in dscope's source.
    pub location: String,
}

impl PanicReport {
    pub fn describe(&self) -> String {
        format!(
            "\"{}\" at {} (thread {})",
            self.message, self.location, self.thread
        )
    }
}

static REPORTS: Mutex<Vec<PanicReport>> = Mutex::new(Vec::new());
/// Saves a lock per frame while nothing has panicked.
static PENDING: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

fn record(info: &PanicHookInfo<'_>) {
    let report = PanicReport {
        thread: std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_owned(),
        message: payload_text(info.payload()),
        location: info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".to_owned()),
    };
    // A panic while the list is locked (by a panic on another thread)
    // must not become a double panic: then this report is dropped.
    if let Ok(mut reports) = REPORTS.try_lock() {
        reports.push(report);
        PENDING.store(true, Ordering::Release);
    }
}

/// Starts recording panics (once per process); the previous hook still
/// prints them on stderr.
pub fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            record(info);
            previous(info);
        }));
    });
}

/// The panics since the last call, oldest first.
pub fn take_reports() -> Vec<PanicReport> {
    if !PENDING.swap(false, Ordering::Acquire) {
        return Vec::new();
    }
    match REPORTS.lock() {
        Ok(mut reports) => std::mem::take(&mut *reports),
        Err(poisoned) => std::mem::take(&mut *poisoned.into_inner()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_on_any_thread_is_recorded_with_its_place() {
        install_hook();
        let _ = take_reports();
        let handle = std::thread::Builder::new()
            .name("worker-x".to_owned())
            .spawn(|| panic!("bucket {} out of range", 7))
            .unwrap();
        assert!(handle.join().is_err());
        let reports = take_reports();
        let ours: Vec<_> = reports.iter().filter(|r| r.thread == "worker-x").collect();
        assert_eq!(ours.len(), 1, "{reports:?}");
        assert_eq!(ours[0].message, "bucket 7 out of range");
        assert!(
            ours[0].location.contains("panic.rs:"),
            "{}",
            ours[0].location
        );
        assert!(ours[0].describe().contains("bucket 7 out of range"));
    }
}
