//! The IDE's state without egui, as an editor's model is kept apart from
//! what draws it: the document behind the editor, each script's run state
//! (kept while another script is open, so a run's events still land in
//! it), and the routing of the session's answers to the check, the run,
//! or the probe lists that asked for them. `dscope-ui` draws this and
//! turns clicks and keys into calls on it; tests drive it with events and
//! no window.
//!
//! Uses `dscope-engine` and the crates below it.

#![forbid(unsafe_code)]

pub mod console;
pub mod document;
pub mod jobs;
pub mod run;
pub mod scripts;
pub mod watch;

pub use document::{Document, ScriptKey};
pub use jobs::{Jobs, Route};
pub use run::{Console, LineKind, RunState, ScriptRun, Troubles};
pub use scripts::{ScriptState, Scripts};
