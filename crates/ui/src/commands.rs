//! One table of the window's commands. Each command has its label, its
//! key, the menu it is in and its line in Help > Keyboard Shortcuts, all
//! here, so that a key cannot be listed and not work, or work and not be
//! listed: the menus, the window's key handling, the editor's own keys
//! and the Help list all read this table.

use egui::{Key, KeyboardShortcut, Modifiers};

/// Something the user can ask the window to do, with no more to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    New,
    Open,
    OpenRecording,
    CompareRecording,
    Subscribe,
    Save,
    SaveAs,
    PreviousScript,
    Quit,
    Undo,
    Redo,
    Cut,
    Copy,
    Paste,
    SelectAll,
    ToggleComment,
    Find,
    Replace,
    GoToLine,
    Complete,
    Indent,
    ProbeBrowser,
    MatchedProbes,
    ZoomIn,
    ZoomOut,
    ZoomReset,
    Run,
    Stop,
    Check,
    TraceCommand,
    AttachProcess,
    NoTarget,
    RunOptions,
    ShowConsole,
    ShowProblems,
    ShowAggregations,
    ShowWatch,
    NextAggregation,
    PreviousAggregation,
    NextView,
    SelectRange,
    KeepRange,
    ExportCsv,
    MaximizeOutput,
    FocusDuration,
    ToggleRecord,
    Shortcuts,
    About,
}

/// The menu a command is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Menu {
    File,
    Edit,
    View,
    Script,
    Help,
    /// In no menu: a key of the editor's that Help lists.
    KeysOnly,
}

/// Who answers a command's key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handler {
    /// The window, whatever has the keyboard (unless a dialog is open).
    Window,
    /// The editor, while it has the keyboard or always (its find bar and
    /// line prompt): it reads the key from this table.
    Editor,
    /// egui itself: the text field with the keyboard (undo, the
    /// clipboard, select all) and the window's zoom.
    Egui,
}

/// What the table says of a command.
#[derive(Debug, Clone, Copy)]
pub struct Info {
    /// The menu entry's text.
    pub label: &'static str,
    /// The line in Help > Keyboard Shortcuts, and the menu's tooltip.
    pub help: &'static str,
    pub menu: Menu,
    /// The key, if the command has one.
    pub key: Option<KeyboardShortcut>,
    /// More keys to list beside it, handled where the command's key is.
    pub more_keys: Option<&'static str>,
    pub handler: Handler,
}

const fn key(modifiers: Modifiers, key: Key) -> Option<KeyboardShortcut> {
    Some(KeyboardShortcut::new(modifiers, key))
}

const CMD: Modifiers = Modifiers::COMMAND;
const CMD_SHIFT: Modifiers = Modifiers::COMMAND.plus(Modifiers::SHIFT);
const NONE: Modifiers = Modifiers::NONE;

/// The table: each command with what it says of it.
const TABLE: &[(Command, Info)] = {
    use Handler::{Editor, Egui, Window};
    use Menu::{Edit, File, Help, KeysOnly, Script, View};
    &[
        (
            Command::New,
            entry("New", "New script", File, key(CMD, Key::N), None, Window),
        ),
        (
            Command::Open,
            entry(
                "Open…",
                "Open a script",
                File,
                key(CMD, Key::O),
                None,
                Window,
            ),
        ),
        (
            Command::OpenRecording,
            entry(
                "Open Recording…",
                "Look at a recorded run again (dscope run --record, or Record)",
                File,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::CompareRecording,
            entry(
                "Compare with Recording…",
                "Compare the aggregations shown (a run, a recording) with a recording's, \
                 in each aggregation's Compare view",
                File,
                key(CMD_SHIFT, Key::C),
                None,
                Window,
            ),
        ),
        (
            Command::Subscribe,
            entry(
                "Subscribe…",
                "Watch an AMQP exchange that hosts publish to (dscope run --publish), \
                 every host merged",
                File,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::PreviousScript,
            entry(
                "Previous Script",
                "Switch to the script open before this one",
                File,
                key(CMD, Key::Tab),
                None,
                Window,
            ),
        ),
        (
            Command::Save,
            entry("Save", "Save", File, key(CMD, Key::S), None, Window),
        ),
        (
            Command::SaveAs,
            entry(
                "Save As…",
                "Save under another name",
                File,
                key(CMD_SHIFT, Key::S),
                None,
                Window,
            ),
        ),
        (
            Command::Quit,
            entry("Quit", "Quit", File, key(CMD, Key::Q), None, Window),
        ),
        (
            Command::Undo,
            entry("Undo", "Undo", Edit, key(CMD, Key::Z), None, Egui),
        ),
        (
            Command::Redo,
            entry("Redo", "Redo", Edit, key(CMD, Key::Y), None, Window),
        ),
        (
            Command::Cut,
            entry("Cut", "Cut", Edit, key(CMD, Key::X), None, Egui),
        ),
        (
            Command::Copy,
            entry("Copy", "Copy", Edit, key(CMD, Key::C), None, Egui),
        ),
        (
            Command::Paste,
            entry("Paste", "Paste", Edit, key(CMD, Key::V), None, Egui),
        ),
        (
            Command::SelectAll,
            entry(
                "Select All",
                "Select all",
                Edit,
                key(CMD, Key::A),
                None,
                Egui,
            ),
        ),
        (
            Command::ToggleComment,
            entry(
                "Toggle Comment",
                "Comment or uncomment the selected lines",
                Edit,
                key(CMD, Key::Slash),
                None,
                Editor,
            ),
        ),
        (
            Command::Find,
            entry(
                "Find…",
                "Find (Enter or F3 next, Shift+Enter or Shift+F3 previous; Esc closes)",
                Edit,
                key(CMD, Key::F),
                Some("F3 / Shift+F3"),
                Editor,
            ),
        ),
        (
            Command::Replace,
            entry(
                "Replace…",
                "Find and replace",
                Edit,
                key(CMD, Key::H),
                None,
                Editor,
            ),
        ),
        (
            Command::GoToLine,
            entry(
                "Go to Line…",
                "Go to line",
                Edit,
                key(CMD, Key::G),
                None,
                Editor,
            ),
        ),
        (
            Command::Complete,
            entry(
                "Complete",
                "Complete the word at the cursor (Up / Down, Enter or Tab take a \
                 completion; Esc closes the list)",
                Edit,
                key(CMD, Key::Space),
                None,
                Editor,
            ),
        ),
        (
            Command::Indent,
            entry(
                "Indent",
                "Indent with spaces",
                KeysOnly,
                key(NONE, Key::Tab),
                None,
                Egui,
            ),
        ),
        (
            Command::ProbeBrowser,
            entry(
                "Probe browser",
                "Show or hide the probe browser",
                View,
                key(NONE, Key::F2),
                None,
                Window,
            ),
        ),
        (
            Command::MatchedProbes,
            entry(
                "Probes the script would enable",
                "Check the script and list the probes its clauses match",
                View,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::ShowConsole,
            entry(
                "Console",
                "Show the console",
                View,
                key(Modifiers::ALT, Key::Num1),
                None,
                Window,
            ),
        ),
        (
            Command::ShowProblems,
            entry(
                "Problems",
                "Show the problems of the last check",
                View,
                key(Modifiers::ALT, Key::Num2),
                None,
                Window,
            ),
        ),
        (
            Command::ShowAggregations,
            entry(
                "Aggregations",
                "Show the aggregations",
                View,
                key(Modifiers::ALT, Key::Num3),
                None,
                Window,
            ),
        ),
        (
            Command::ShowWatch,
            entry(
                "Watch",
                "Show the baseline, alert rules, /metrics and what the run found",
                View,
                key(Modifiers::ALT, Key::Num4),
                None,
                Window,
            ),
        ),
        (
            Command::NextAggregation,
            entry(
                "Next aggregation",
                "Show the next aggregation's tab",
                View,
                key(CMD, Key::PageDown),
                None,
                Window,
            ),
        ),
        (
            Command::PreviousAggregation,
            entry(
                "Previous aggregation",
                "Show the previous aggregation's tab",
                View,
                key(CMD, Key::PageUp),
                None,
                Window,
            ),
        ),
        (
            Command::NextView,
            entry(
                "Next view",
                "Show the aggregation as the next of its views (pie, bars, over time, table…)",
                View,
                key(CMD_SHIFT, Key::V),
                None,
                Window,
            ),
        ),
        (
            Command::SelectRange,
            entry(
                "Select time range…",
                "Limit every view to a time range of the run, typed as seconds (or drag \
                 across Over time or the heat map)",
                View,
                key(CMD_SHIFT, Key::T),
                Some("Esc clears it"),
                Window,
            ),
        ),
        (
            Command::KeepRange,
            entry(
                "Keep range as reference",
                "Compare what the views show from now on with the selected time range, \
                 in each aggregation's Compare view",
                View,
                key(CMD_SHIFT, Key::K),
                None,
                Window,
            ),
        ),
        (
            Command::ExportCsv,
            entry(
                "Export CSV…",
                "Save the aggregation as its view shows it (a range, a comparison) as CSV",
                View,
                key(CMD, Key::E),
                None,
                Window,
            ),
        ),
        (
            Command::MaximizeOutput,
            entry(
                "Maximize bottom panel",
                "Make the bottom panel as tall as the window, or give the editor its \
                 room back",
                View,
                key(CMD_SHIFT, Key::M),
                None,
                Window,
            ),
        ),
        (
            Command::ZoomIn,
            entry(
                "Zoom In",
                "Scale the whole window up",
                View,
                key(CMD, Key::Plus),
                None,
                Egui,
            ),
        ),
        (
            Command::ZoomOut,
            entry(
                "Zoom Out",
                "Scale the whole window down",
                View,
                key(CMD, Key::Minus),
                None,
                Egui,
            ),
        ),
        (
            Command::ZoomReset,
            entry(
                "Actual Size",
                "Scale the window back to 100 %",
                View,
                key(CMD, Key::Num0),
                None,
                Egui,
            ),
        ),
        (
            Command::Run,
            entry(
                "Run",
                "Run the script",
                Script,
                key(NONE, Key::F5),
                None,
                Window,
            ),
        ),
        (
            Command::Stop,
            entry(
                "Stop",
                "Stop (END clauses run, then the final aggregations)",
                Script,
                key(Modifiers::SHIFT, Key::F5),
                None,
                Window,
            ),
        ),
        (
            Command::Check,
            entry(
                "Check",
                "Compile the script without running it",
                Script,
                key(NONE, Key::F7),
                None,
                Window,
            ),
        ),
        (
            Command::TraceCommand,
            entry(
                "Trace a command…",
                "Start a command for the run, as dtrace -c; $target is its pid",
                Script,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::AttachProcess,
            entry(
                "Attach to process…",
                "Trace a running process, as dtrace -p; $target is its pid",
                Script,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::NoTarget,
            entry(
                "No target process",
                "Trace no process as $target",
                Script,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::RunOptions,
            entry(
                "Options…",
                "-x options, macro arguments, destructive actions",
                Script,
                None,
                None,
                Window,
            ),
        ),
        (
            Command::FocusDuration,
            entry(
                "Duration",
                "Type the run's duration in seconds (0: until Stop)",
                Script,
                key(CMD, Key::D),
                None,
                Window,
            ),
        ),
        (
            Command::ToggleRecord,
            entry(
                "Record",
                "Record the next runs, or stop recording them",
                Script,
                key(CMD_SHIFT, Key::R),
                None,
                Window,
            ),
        ),
        (
            Command::Shortcuts,
            entry(
                "Keyboard Shortcuts",
                "List every key (Esc closes a window or dialog)",
                Help,
                key(NONE, Key::F1),
                None,
                Window,
            ),
        ),
        (
            Command::About,
            entry("About dscope", "About dscope", Help, None, None, Window),
        ),
    ]
};

/// A row of the table.
const fn entry(
    label: &'static str,
    help: &'static str,
    menu: Menu,
    key: Option<KeyboardShortcut>,
    more_keys: Option<&'static str>,
    handler: Handler,
) -> Info {
    Info {
        label,
        help,
        menu,
        key,
        more_keys,
        handler,
    }
}

impl Command {
    /// Every command, in the order of the menus and of the Help list.
    pub const ALL: &'static [Command] = &{
        // The table's first column, so that the two cannot disagree.
        let mut all = [Command::New; TABLE.len()];
        let mut i = 0;
        while i < TABLE.len() {
            all[i] = TABLE[i].0;
            i += 1;
        }
        all
    };

    /// What the table says of this command.
    pub const fn info(self) -> Info {
        let mut i = 0;
        while i < TABLE.len() {
            if TABLE[i].0 as u8 == self as u8 {
                return TABLE[i].1;
            }
            i += 1;
        }
        // Every command has its row (a test holds them equal).
        entry("", "", Menu::KeysOnly, None, None, Handler::Egui)
    }

    /// The command's key, if it has one.
    pub const fn key(self) -> Option<KeyboardShortcut> {
        self.info().key
    }

    /// The command's key as a person reads it ("Ctrl+Shift+S"), or "".
    pub fn key_text(self) -> String {
        self.key().map(|k| shortcut_text(&k)).unwrap_or_default()
    }

    /// The commands of `menu`, in order.
    /// The window's own commands with their keys, those with more
    /// modifiers first (plain Ctrl+S would match Ctrl+Shift+S too);
    /// worked out once.
    pub fn window_keys() -> &'static [(Command, KeyboardShortcut)] {
        static KEYS: std::sync::LazyLock<Vec<(Command, KeyboardShortcut)>> =
            std::sync::LazyLock::new(|| {
                let mut keys: Vec<(Command, KeyboardShortcut)> = Command::ALL
                    .iter()
                    .filter(|c| c.info().handler == Handler::Window)
                    .filter_map(|c| Some((*c, c.key()?)))
                    .collect();
                keys.sort_by_key(|(_, k)| {
                    let m = k.modifiers;
                    std::cmp::Reverse(
                        u8::from(m.shift) + u8::from(m.alt) + u8::from(m.command || m.ctrl),
                    )
                });
                keys
            });
        &KEYS
    }

    pub fn of_menu(menu: Menu) -> impl Iterator<Item = Command> {
        Command::ALL
            .iter()
            .copied()
            .filter(move |c| c.info().menu == menu)
    }
}

/// A key as Help and the menus show it. egui names keys for macOS too;
/// dscope runs on X11 and Wayland mostly, where "Ctrl" is what is written.
pub fn shortcut_text(shortcut: &KeyboardShortcut) -> String {
    let m = shortcut.modifiers;
    let mut text = String::new();
    for (on, name) in [
        (m.ctrl || m.command || m.mac_cmd, "Ctrl+"),
        (m.alt, "Alt+"),
        (m.shift, "Shift+"),
    ] {
        if on {
            text.push_str(name);
        }
    }
    text.push_str(match shortcut.logical_key {
        Key::Plus => "plus",
        Key::Minus => "minus",
        Key::Slash => "/",
        k => k.name(),
    });
    text
}

/// Help's list: each key with what it does, as the table has them.
pub fn help_lines() -> Vec<(String, &'static str)> {
    Command::ALL
        .iter()
        .filter_map(|c| {
            let info = c.info();
            let key = info.key.as_ref()?;
            let mut keys = shortcut_text(key);
            if let Some(more) = info.more_keys {
                keys = format!("{keys}, {more}");
            }
            Some((keys, info.help))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn every_command_is_listed_once_and_no_key_does_two_things() {
        let mut seen = HashMap::new();
        for c in Command::ALL {
            assert_eq!(
                Command::ALL.iter().filter(|x| *x == c).count(),
                1,
                "{c:?} listed twice"
            );
            if let Some(k) = c.key()
                && let Some(other) = seen.insert(shortcut_text(&k), *c)
            {
                panic!("{c:?} and {other:?} share {}", shortcut_text(&k));
            }
        }
    }

    #[test]
    fn every_command_has_one_row_in_the_table() {
        for c in Command::ALL {
            let rows = TABLE.iter().filter(|(t, _)| t == c).count();
            assert_eq!(rows, 1, "{c:?}");
            assert!(!c.info().label.is_empty(), "{c:?}");
        }
        assert_eq!(TABLE.len(), Command::ALL.len());
    }

    #[test]
    fn keys_read_as_people_write_them() {
        assert_eq!(Command::SaveAs.key_text(), "Ctrl+Shift+S");
        assert_eq!(Command::Stop.key_text(), "Shift+F5");
        assert_eq!(Command::ZoomIn.key_text(), "Ctrl+plus");
        assert_eq!(Command::ToggleComment.key_text(), "Ctrl+/");
        assert_eq!(Command::OpenRecording.key_text(), "");
    }

    #[test]
    fn help_lists_every_command_with_a_key() {
        let lines = help_lines();
        let with_keys = Command::ALL.iter().filter(|c| c.key().is_some()).count();
        assert_eq!(lines.len(), with_keys);
        assert!(lines.iter().any(|(k, _)| k == "F7"), "{lines:?}");
    }
}
