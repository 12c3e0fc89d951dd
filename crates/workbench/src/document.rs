//! The file behind the editor's text, and the key a script's run state is
//! kept under: what "unsaved", the window's title and the script's name in
//! the console come from.

use std::path::{Path, PathBuf};

/// Which script some run state belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptKey {
    File(PathBuf),
    /// A buffer with no file yet (new, an example's copy, recovered text).
    Buffer(u64),
}

impl ScriptKey {
    /// The key a file is known by: its canonical path, so that two names
    /// of one file share their run state.
    pub fn of_file(path: &Path) -> ScriptKey {
        ScriptKey::File(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned()))
    }

    /// How a person would name the script.
    pub fn describe(&self) -> String {
        match self {
            ScriptKey::File(p) => p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            ScriptKey::Buffer(_) => "an unsaved script".to_owned(),
        }
    }
}

/// The file behind the buffer.
#[derive(Debug, Default)]
pub struct Document {
    pub path: Option<PathBuf>,
    /// What a buffer without a file is called (an example's name).
    pub name: Option<String>,
    /// The text as last saved or loaded; the buffer is dirty when it
    /// differs.
    pub saved_text: String,
    pub dirty: bool,
}

impl Document {
    /// The file's name, the example's, or `untitled.d`.
    pub fn name(&self) -> String {
        self.path
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| "untitled.d".to_owned())
    }

    /// Whether `text`, the buffer now, differs from what was saved.
    pub fn refresh(&mut self, text: &str) {
        self.dirty = text != self.saved_text;
    }

    /// The buffer now holds `text` from `path` (or an unnamed buffer),
    /// as saved.
    pub fn loaded(&mut self, path: Option<PathBuf>, name: Option<String>, text: &str) {
        self.path = path;
        self.name = name;
        self.saved_text = text.to_owned();
        self.dirty = false;
    }

    /// The title a window shows: unsaved marker, name, program and host.
    pub fn title(&self, host: Option<&str>) -> String {
        let marker = if self.dirty { "● " } else { "" };
        match host {
            Some(host) => format!("{marker}{} — dscope on {host}", self.name()),
            None => format!("{marker}{} — dscope", self.name()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_title_names_the_file_its_state_and_the_host() {
        let mut d = Document::default();
        assert_eq!(d.title(None), "untitled.d — dscope");
        d.loaded(Some("/tmp/x/io.d".into()), None, "BEGIN {}\n");
        d.refresh("BEGIN { exit(0); }\n");
        assert_eq!(d.title(Some("web1")), "● io.d — dscope on web1");
        d.refresh("BEGIN {}\n");
        assert!(!d.dirty);
    }

    #[test]
    fn buffers_and_files_are_named_for_people() {
        assert_eq!(ScriptKey::Buffer(3).describe(), "an unsaved script");
        assert_eq!(ScriptKey::File("/a/b/c.d".into()).describe(), "c.d");
    }
}
