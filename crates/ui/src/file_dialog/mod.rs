//! File dialogs: the platform's own through rfd where it has one, and an
//! in-app browser (path field + directory list) everywhere else.
//!
//! rfd has no backend on illumos, and on Linux its dialog goes through the
//! XDG desktop portal, which remote X and VNC sessions often lack. rfd then
//! returns "no file" at once, exactly as if the user had cancelled; a human
//! cannot cancel a dialog within a few hundred milliseconds, so an instant
//! "no file" is taken as "no native dialog here" and the in-app browser
//! opens instead.
//!
//! The in-app browser is meant to be driven from the keyboard as much as
//! the mouse, because over a slow remote display the keyboard is quicker:
//! Open starts in the file list (type a name's first letters, Enter), Save
//! starts in the name field with the stem selected (type, Enter).
//!
//! Here is what both kinds of dialog share: what a dialog is for and
//! which files it lists. The platform's dialog is in `native`, the in-app
//! browser in `browser` with its file list in `list`.

mod browser;
mod list;
mod native;

use super::charts::export::ExportFormat;

pub use crate::lines::human_size;
pub use browser::{BrowserOutcome, FileBrowser, SortBy};
pub use native::{NativeDialog, NativeOutcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogPurpose {
    Open,
    SaveAs,
    /// A recording to look at (File > Open Recording…).
    OpenRecording,
    /// A second recording to compare the open one with.
    CompareRecording,
    /// Write something other than the script (an export, the console).
    Export(ExportFormat),
    /// A baseline for the Watch tab, or a recording to learn one from.
    ChooseBaseline,
}

/// The kind of file a dialog is about: what its filter lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileKind {
    /// Plural, as a filter names it: "D scripts".
    pub label: &'static str,
    /// Without the dot, in lower case.
    pub extensions: &'static [&'static str],
}

impl FileKind {
    /// Whether a file name has one of the kind's extensions (in any case:
    /// `TRACE.D` from a FAT stick is still a script).
    pub fn matches(&self, name: &str) -> bool {
        name.rsplit_once('.').is_some_and(|(stem, ext)| {
            !stem.is_empty() && self.extensions.iter().any(|e| e.eq_ignore_ascii_case(ext))
        })
    }

    /// The filter checkbox's text: "Only D scripts (*.d)".
    pub fn filter_label(&self) -> String {
        let patterns: Vec<String> = self.extensions.iter().map(|e| format!("*.{e}")).collect();
        format!("Only {} ({})", self.label, patterns.join(", "))
    }
}

impl DialogPurpose {
    pub(super) fn saves(self) -> bool {
        !self.opens()
    }

    /// Whether the dialog picks an existing file to read.
    pub fn opens(self) -> bool {
        matches!(
            self,
            DialogPurpose::Open
                | DialogPurpose::OpenRecording
                | DialogPurpose::CompareRecording
                | DialogPurpose::ChooseBaseline
        )
    }

    /// What the dialog lists by default, so that an export is not offered
    /// only `.d` files.
    pub fn kind(self) -> FileKind {
        match self {
            DialogPurpose::Open | DialogPurpose::SaveAs => FileKind {
                label: "D scripts",
                extensions: &["d"],
            },
            DialogPurpose::OpenRecording | DialogPurpose::CompareRecording => FileKind {
                label: "dscope recordings",
                extensions: &["dsrec"],
            },
            DialogPurpose::ChooseBaseline => FileKind {
                label: "baselines and recordings",
                extensions: &["dsbase", "dsrec"],
            },
            DialogPurpose::Export(ExportFormat::Csv) => FileKind {
                label: "CSV files",
                extensions: &["csv"],
            },
            DialogPurpose::Export(ExportFormat::Json) => FileKind {
                label: "JSON files",
                extensions: &["json"],
            },
            DialogPurpose::Export(ExportFormat::Png) => FileKind {
                label: "PNG images",
                extensions: &["png"],
            },
            DialogPurpose::Export(ExportFormat::Console) => FileKind {
                label: "text files",
                extensions: &["txt", "log"],
            },
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DialogPurpose::Open => "Open script",
            DialogPurpose::SaveAs => "Save script as",
            DialogPurpose::OpenRecording => "Open recording",
            DialogPurpose::CompareRecording => "Compare with recording",
            DialogPurpose::ChooseBaseline => "Choose baseline",
            DialogPurpose::Export(format) => format.title(),
        }
    }
}

#[cfg(test)]
mod tests;
