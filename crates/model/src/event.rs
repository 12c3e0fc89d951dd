//! What a job says.

use crate::{Diagnostic, Finish, Probe, Snapshot};
use serde::{Deserialize, Serialize};

/// What a job says: a run's events from libdtrace as it runs, a check's
/// or a probe listing's answer, and a job that could not be done. The
/// consumer says them, the run worker and `dscope agent` send them (the
/// agent protocol's `event`), and every front-end shows, prints, records
/// or publishes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// The script does not compile.
    Diagnostics(Vec<Diagnostic>),
    /// The script compiles and would enable this many probes.
    Checked {
        matches: u32,
    },
    /// Compiled; this many probes are being enabled now (which can take
    /// many seconds). [`Event::Started`] follows once tracing runs.
    Enabling {
        matches: u32,
    },
    /// Probes enabled and tracing (after `dtrace_go`): the run's clock
    /// starts here.
    Started {
        matches: u32,
    },
    /// The run is ending (time up, Stop, or the script's exit()): END
    /// clauses run and probes are detached, then [`Event::Finished`].
    Stopping,
    Output(String),
    Snapshot(Snapshot),
    /// A snapshot as what changed since the run's last one: how a run
    /// worker and an agent send them (a large aggregation that barely
    /// changes costs little). The session turns these back into
    /// [`Event::Snapshot`]s; its users never see one.
    SnapshotChanges(crate::changes::Changes),
    Drop {
        count: u64,
        message: String,
    },
    RuntimeError(String),
    /// Something dscope could not read or show; the run goes on.
    Problem(String),
    /// A message libdtrace has about a traced process (`-c`, `-p`), said
    /// unless the run is quiet.
    Notice(String),
    Finished(Finish),
    /// Live snapshots now come every `every_ms` milliseconds: more seldom
    /// than asked for while one costs more than half the interval asked
    /// for (many stack keys), and as asked again once it no longer does.
    Pace {
        every_ms: u64,
    },
    Probes(Result<Vec<Probe>, String>),
    /// `args[]` types of a probe, like `dtrace -lv`.
    ProbeArgs {
        probe: Probe,
        types: Result<Vec<String>, String>,
    },
    /// The job could not be done at all (no libdtrace, no privileges, a
    /// bad option).
    Failed(String),
}
