//! User settings that outlive a session: theme, font size, UI scale,
//! recent files, window size, dialog preference.

use crate::lang::theme::ThemeKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Window sizes whose splits are remembered; past this, some are dropped.
const MAX_SPLITS: usize = 32;

pub const MAX_RECENT: usize = 10;

/// Which file dialog to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DialogPreference {
    /// The platform's dialog, falling back to dscope's own when there is none.
    Auto,
    /// Always dscope's own dialog (best over remote X without a portal).
    BuiltIn,
}

/// Which renderer draws the window, from the next start on (`--renderer`
/// overrides it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum RendererPreference {
    /// Software on remote or GPU-less displays, OpenGL elsewhere.
    #[default]
    Automatic,
    Software,
    OpenGl,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: ThemeKind,
    pub font_size: f32,
    pub zoom: f32,
    pub recent_files: Vec<PathBuf>,
    pub window_size: Option<[f32; 2]>,
    pub dialogs: DialogPreference,
    pub tab_width: usize,
    /// A blinking cursor repaints twice a second: costly over VNC and on
    /// software OpenGL, so it is off unless asked for.
    pub blinking_cursor: bool,
    /// The bottom panel's share of the height between the run bar and the
    /// status bar, as last set.
    pub output_split: f32,
    /// The same, per window size ("1100x760"), so that a maximized window
    /// and the restored one each keep their own split.
    pub output_splits: BTreeMap<String, f32>,
    pub renderer: RendererPreference,
    /// Hosts the window has worked on, most recent first.
    pub recent_hosts: Vec<RecentHost>,
    /// The run bar's duration in seconds, as last run (0: until Stop).
    pub duration_secs: f64,
}

/// A host the Target menu offers again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentHost {
    /// `[user@]host[:port]`, as typed.
    pub host: String,
    /// dscope's path there, when it is not `dscope` on the PATH.
    #[serde(default)]
    pub program: Option<String>,
}

/// The run bar's duration when none was kept.
pub const DEFAULT_DURATION_SECS: f64 = 10.0;

/// The bottom panel's share of the height when nothing was set.
pub const DEFAULT_OUTPUT_SPLIT: f32 = 0.55;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: ThemeKind::Dark,
            font_size: 14.0,
            zoom: 1.0,
            recent_files: Vec::new(),
            window_size: None,
            dialogs: DialogPreference::Auto,
            tab_width: 4,
            blinking_cursor: false,
            output_split: DEFAULT_OUTPUT_SPLIT,
            output_splits: BTreeMap::new(),
            renderer: RendererPreference::Automatic,
            recent_hosts: Vec::new(),
            duration_secs: DEFAULT_DURATION_SECS,
        }
    }
}

impl Settings {
    /// Reads settings; a missing file gives the defaults, a damaged one the
    /// defaults plus a message.
    pub fn load(path: &Path) -> (Settings, Option<String>) {
        match std::fs::read(path) {
            Ok(bytes) => match serde_json::from_slice::<Settings>(&bytes) {
                Ok(s) => (s.sanitized(), None),
                Err(e) => (
                    Settings::default(),
                    Some(format!(
                        "Settings in {} could not be read ({e}); using defaults.",
                        path.display()
                    )),
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Settings::default(), None),
            Err(e) => (
                Settings::default(),
                Some(format!(
                    "Cannot read settings {}: {e}; using defaults.",
                    path.display()
                )),
            ),
        }
    }

    pub fn save(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent() {
            crate::writes::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let json = serde_json::to_string_pretty(self).map_err(|e| e.to_string())?;
        crate::files::save_atomic(path, &json)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Keeps hand-edited values in a range the UI can live with.
    fn sanitized(mut self) -> Settings {
        self.font_size = if self.font_size.is_finite() {
            self.font_size.clamp(8.0, 40.0)
        } else {
            14.0
        };
        self.zoom = if self.zoom.is_finite() {
            self.zoom.clamp(0.5, 3.0)
        } else {
            1.0
        };
        self.tab_width = self.tab_width.clamp(1, 16);
        self.duration_secs = if self.duration_secs.is_finite() {
            self.duration_secs.clamp(0.0, 86_400.0)
        } else {
            DEFAULT_DURATION_SECS
        };
        let split = |f: f32| {
            if f.is_finite() {
                f.clamp(0.1, 0.9)
            } else {
                DEFAULT_OUTPUT_SPLIT
            }
        };
        self.output_split = split(self.output_split);
        for f in self.output_splits.values_mut() {
            *f = split(*f);
        }
        while self.output_splits.len() > MAX_SPLITS {
            self.output_splits.pop_first();
        }
        self.recent_files.truncate(MAX_RECENT);
        // A hand-edited entry that is not a host would fail at every use.
        self.recent_hosts
            .retain(|h| crate::remote::Host::parse(&h.host).is_ok());
        self.recent_hosts.truncate(MAX_RECENT);
        self
    }

    /// The window-size key of the split table.
    pub fn size_key(size: [f32; 2]) -> String {
        format!("{:.0}x{:.0}", size[0], size[1])
    }

    /// The split for a window of `size`: the one set at that size, else
    /// the last one set.
    pub fn split_for(&self, size: [f32; 2]) -> f32 {
        self.output_splits
            .get(&Self::size_key(size))
            .copied()
            .unwrap_or(self.output_split)
    }

    /// Remembers a split set at window `size`.
    pub fn set_split(&mut self, size: [f32; 2], fraction: f32) {
        let fraction = fraction.clamp(0.1, 0.9);
        self.output_split = fraction;
        self.output_splits.insert(Self::size_key(size), fraction);
        while self.output_splits.len() > MAX_SPLITS {
            self.output_splits.pop_first();
        }
    }

    /// Puts `path` first in the recent files.
    pub fn add_recent(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        self.recent_files.retain(|p| *p != path);
        self.recent_files.insert(0, path);
        self.recent_files.truncate(MAX_RECENT);
    }

    /// Puts `host` first in the recent hosts.
    pub fn add_recent_host(&mut self, host: RecentHost) {
        self.recent_hosts.retain(|h| h.host != host.host);
        self.recent_hosts.insert(0, host);
        self.recent_hosts.truncate(MAX_RECENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_recent_order() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("cfg/settings.json");
        let mut s = Settings::default();
        for name in ["a.d", "b.d", "a.d"] {
            s.add_recent(&dir.path().join(name));
        }
        assert_eq!(s.recent_files.len(), 2);
        assert!(s.recent_files[0].ends_with("a.d"));
        s.theme = ThemeKind::Light;
        s.save(&file).unwrap();
        let (back, msg) = Settings::load(&file);
        assert_eq!(msg, None);
        assert_eq!(back, s);
    }

    #[test]
    fn damaged_settings_fall_back_to_defaults_with_a_message() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("settings.json");
        std::fs::write(&file, "{not json").unwrap();
        let (s, msg) = Settings::load(&file);
        assert_eq!(s, Settings::default());
        assert!(msg.unwrap().contains("using defaults"));
        std::fs::write(&file, r#"{"font_size": 900, "zoom": -1}"#).unwrap();
        let (s, _) = Settings::load(&file);
        assert_eq!((s.font_size, s.zoom), (40.0, 0.5));
    }

    #[test]
    fn each_window_size_keeps_its_split_and_new_sizes_take_the_last() {
        let mut s = Settings::default();
        assert_eq!(s.split_for([1100.0, 760.0]), DEFAULT_OUTPUT_SPLIT);
        s.set_split([1100.0, 760.0], 0.3);
        s.set_split([1920.0, 1050.0], 0.7);
        assert_eq!(s.split_for([1100.0, 760.0]), 0.3);
        assert_eq!(s.split_for([1920.0, 1050.0]), 0.7);
        assert_eq!(s.split_for([800.0, 600.0]), 0.7, "the last one set");
        s.set_split([800.0, 600.0], 5.0);
        assert_eq!(s.split_for([800.0, 600.0]), 0.9, "clamped");
    }
}
