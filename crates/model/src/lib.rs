//! Plain data shared by every layer: no I/O, no libdtrace, no egui.
//!
//! Everything here is serde-serializable so that what the UI shows can also
//! be printed, saved and compared in tests.
//!
//! The bottom of the workspace: every other dscope crate may use this one,
//! and it uses none of them.

#![forbid(unsafe_code)]

mod aggregation;
pub mod changes;
pub mod comparison;
pub mod csv;
mod diagnostic;
mod event;
pub mod latency;
pub mod lines;
pub mod trouble;
pub mod units;

pub use aggregation::{
    AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value, bucket_order, key_label,
};
pub use diagnostic::{Diagnostic, Severity};
pub use event::Event;

use serde::{Deserialize, Serialize};

/// How a run ended, as `dscope run --format json` and recordings say it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum RunEnd {
    /// The script called `exit(status)`.
    Exited { status: i32 },
    /// Its duration was over.
    TimeUp,
    /// Stop was asked for (a signal, the Stop button).
    Stopped,
    /// Every traced process (`-c`, `-p`) exited.
    TargetExited,
}

impl RunEnd {
    /// How the run ended, in words: "ended by exit(0)".
    pub fn describe(&self) -> String {
        match self {
            RunEnd::Exited { status } => format!("ended by exit({status})"),
            RunEnd::TimeUp => "ended when its time was up".into(),
            RunEnd::Stopped => "stopped".into(),
            RunEnd::TargetExited => "ended when its process exited".into(),
        }
    }
}

/// How a run ended ([`RunEnd`]), or why it could not run or go on: what
/// every front-end and protocol says of a run's end.
pub type Finish = Result<RunEnd, String>;

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

/// Snapshots for the tests of every layer above.
#[doc(hidden)]
pub mod fixtures {
    use super::{AggFunction, Aggregation, Bucket, KeyPart, Row, Snapshot, Value};

    /// `@q = quantize(...)` with these buckets.
    pub fn quantized(buckets: Vec<Bucket>) -> Snapshot {
        Snapshot {
            aggregations: vec![Aggregation {
                id: 2,
                name: "q".into(),
                function: AggFunction::Quantize,
                key_sizes: vec![],
                rows: vec![Row {
                    key: vec![],
                    value: Value::Buckets(buckets),
                }],
            }],
        }
    }

    /// `@n[execname] = count()` with these rows, in the order given.
    pub fn counts(rows: &[(&str, i64)]) -> Snapshot {
        Snapshot {
            aggregations: vec![Aggregation {
                id: 1,
                name: "n".into(),
                function: AggFunction::Count,
                key_sizes: vec![16],
                rows: rows
                    .iter()
                    .map(|(k, v)| Row {
                        key: vec![KeyPart::Str((*k).into())],
                        value: Value::Number(*v),
                    })
                    .collect(),
            }],
        }
    }
}
