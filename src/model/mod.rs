//! Plain data shared by every layer: no I/O, no libdtrace, no egui.
//!
//! Everything here is serde-serializable so that what the UI shows can also
//! be printed, saved and compared in tests.

mod aggregation;
mod diagnostic;

pub use aggregation::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value, key_label};
pub use diagnostic::{Diagnostic, Severity};

use serde::{Deserialize, Serialize};

/// A probe as `dtrace -l` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Probe {
    pub id: u32,
    pub provider: String,
    pub module: String,
    pub function: String,
    pub name: String,
}

impl Probe {
    pub fn new(id: u32, provider: &str, module: &str, function: &str, name: &str) -> Probe {
        Probe {
            id,
            provider: provider.to_owned(),
            module: module.to_owned(),
            function: function.to_owned(),
            name: name.to_owned(),
        }
    }

    /// `provider:module:function:name`.
    pub fn description(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.provider, self.module, self.function, self.name
        )
    }
}
