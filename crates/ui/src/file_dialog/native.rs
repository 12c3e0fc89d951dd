//! The platform's own file dialog through rfd, on a thread of its own so
//! the window keeps drawing while it is up, and how to tell a dialog the
//! platform cannot show from one the user cancelled.

use super::DialogPurpose;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A platform dialog running on its own thread, so the UI keeps drawing.
pub struct NativeDialog {
    pub purpose: DialogPurpose,
    started: Instant,
    result: crossbeam_channel::Receiver<Option<PathBuf>>,
}

/// How a native dialog ended.
#[derive(Debug, PartialEq)]
pub enum NativeOutcome {
    Pending,
    Chosen(PathBuf),
    Cancelled,
    /// The platform has no working dialog: use the in-app browser.
    Unavailable,
}

/// Answers faster than this are "no dialog", not a user's Cancel.
const INSTANT_FAILURE: Duration = Duration::from_millis(400);

impl NativeDialog {
    /// Starts the platform dialog, or returns `None` where dscope has no
    /// native dialog backend at all.
    #[allow(unused_variables)]
    pub fn spawn(
        ctx: &egui::Context,
        purpose: DialogPurpose,
        dir: &Path,
        name: &str,
    ) -> Option<NativeDialog> {
        #[cfg(any(
            target_os = "linux",
            target_os = "freebsd",
            target_os = "dragonfly",
            target_os = "netbsd",
            target_os = "openbsd",
            target_os = "windows",
            target_os = "macos"
        ))]
        {
            let (tx, rx) = crossbeam_channel::bounded(1);
            let ctx = ctx.clone();
            let dir = dir.to_owned();
            let name = name.to_owned();
            let run = move || {
                let dialog = rfd::FileDialog::new().set_directory(&dir);
                let kind = purpose.kind();
                let dialog = dialog
                    .add_filter(kind.label, kind.extensions)
                    .add_filter("All files", &["*"]);
                let picked = if purpose.opens() {
                    dialog.pick_file()
                } else {
                    dialog.set_file_name(&name).save_file()
                };
                let _ = tx.send(picked);
                ctx.request_repaint();
            };
            // macOS dialogs must run on the main thread; elsewhere a thread
            // keeps the window alive while the dialog is up.
            #[cfg(target_os = "macos")]
            run();
            #[cfg(not(target_os = "macos"))]
            std::thread::Builder::new()
                .name("file-dialog".into())
                .spawn(run)
                .ok()?;
            return Some(NativeDialog {
                purpose,
                started: Instant::now(),
                result: rx,
            });
        }
        // Elsewhere (illumos) rfd has no backend.
        #[allow(unreachable_code)]
        None
    }

    pub fn poll(&self) -> NativeOutcome {
        match self.result.try_recv() {
            Ok(Some(path)) => NativeOutcome::Chosen(path),
            Ok(None) if self.started.elapsed() < INSTANT_FAILURE => NativeOutcome::Unavailable,
            Ok(None) => NativeOutcome::Cancelled,
            Err(crossbeam_channel::TryRecvError::Empty) => NativeOutcome::Pending,
            Err(crossbeam_channel::TryRecvError::Disconnected) => NativeOutcome::Unavailable,
        }
    }
}
