//! The versioned protocol every process boundary of dscope speaks: the
//! window's session with `dscope agent` on a host (over ssh) and with its
//! own run worker (over a pipe), as JSON lines. docs/agent-protocol.md
//! describes it for other clients.
//!
//! It is the session API (`session::Session`) as JSON lines: one
//! [`Request`] a line in, one [`Reply`] a line out, carrying the same
//! [`Event`]s the window gets from a local session. Both ends first send
//! a [`Hello`] with their protocol number; a client that gets another
//! number says which versions differ instead of guessing at the lines that
//! follow. [`write_line`] is the one writer of its lines; the reader is
//! [`crate::lines::BoundedLines`], which bounds what a peer may send.

use crate::job::Script;
use crate::model::{Event, Probe};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// The protocol's number. It changes whenever a message changes shape.
pub const PROTOCOL: u32 = 4;

/// The subcommand that serves the protocol on standard input and output.
pub const AGENT_ARG: &str = "agent";

/// The first line each end sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    /// `"agent"` or `"client"`: which end this is.
    pub dscope: String,
    pub protocol: u32,
    /// The sender's dscope version, for messages.
    pub version: String,
}

impl Hello {
    pub fn new(end: &str) -> Hello {
        Hello {
            dscope: end.into(),
            protocol: PROTOCOL,
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }

    /// Why `self` (the other end's hello) cannot be talked to, naming
    /// `host` in the message.
    pub fn mismatch(&self, host: &str) -> Option<String> {
        (self.protocol != PROTOCOL).then(|| {
            format!(
                "dscope {} on {host} speaks agent protocol {}, this dscope {} speaks {PROTOCOL}: \
                 install the same version on both (README: Install), or give the path of a \
                 matching one with --remote-dscope",
                self.version,
                self.protocol,
                env!("CARGO_PKG_VERSION"),
            )
        })
    }
}

/// A client's request. `job` is the client's number for it; every reply
/// to it carries the same number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Request {
    /// Compile only: answered by `Checked`, `Diagnostics` or `Failed`.
    Check { job: u64, script: Script },
    /// Compile and run: events until `Finished`.
    Run {
        job: u64,
        script: Script,
        /// Stop after this long; absent: until exit() or Stop.
        duration_ms: Option<u64>,
        /// How often to send the aggregations.
        snapshot_ms: u64,
    },
    /// Every probe: answered by `Probes`.
    Probes { job: u64 },
    /// The `pid<PID>:::` probes of a process: answered by `Probes`.
    TargetProbes { job: u64, pid: i32 },
    /// A probe's argument types: answered by `ProbeArgs`.
    ProbeArgs { job: u64, probe: Probe },
    /// Stop the active run (END runs, then `Finished`).
    Stop,
}

/// One event for the request numbered `job`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    pub job: u64,
    pub event: Event,
}

/// Whether `event` is the last one a request of this kind gets.
pub fn ends(request: &Request, event: &Event) -> bool {
    match request {
        Request::Check { .. } => matches!(
            event,
            Event::Checked { .. } | Event::Diagnostics(_) | Event::Failed(_)
        ),
        Request::Run { .. } => matches!(event, Event::Finished(_)),
        Request::Probes { .. } | Request::TargetProbes { .. } => {
            matches!(event, Event::Probes(_) | Event::Failed(_))
        }
        Request::ProbeArgs { .. } => matches!(event, Event::ProbeArgs { .. } | Event::Failed(_)),
        Request::Stop => true,
    }
}

impl Request {
    /// The client's number for it (0 for Stop, which has none).
    pub fn job(&self) -> u64 {
        match self {
            Request::Check { job, .. }
            | Request::Run { job, .. }
            | Request::Probes { job }
            | Request::TargetProbes { job, .. }
            | Request::ProbeArgs { job, .. } => *job,
            Request::Stop => 0,
        }
    }
}

/// Writes one message as a line and flushes it; false when the other end
/// is gone.
pub fn write_line(out: &mut dyn Write, message: &impl Serialize) -> bool {
    let text = serde_json::to_string(message).expect("protocol messages serialize");
    writeln!(out, "{text}").and_then(|_| out.flush()).is_ok()
}
