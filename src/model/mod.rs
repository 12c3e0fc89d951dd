//! Plain data shared by every layer: no I/O, no libdtrace, no egui.
//!
//! Everything here is serde-serializable so that what the UI shows can also
//! be printed, saved and compared in tests.

mod diagnostic;

pub use diagnostic::{Diagnostic, Severity};
