//! Relaying one job's events from a peer that speaks the protocol: a run
//! worker over its pipes, or `dscope agent` over ssh. Both are read the
//! same way: bounded lines with a timeout, so that the stop flag is
//! watched; each line decoded into the job's event; snapshot changes made
//! whole; the run stopped when nobody listens. What differs is the peer's:
//! how a stop is asked for, when a silent peer is given up, and which
//! lines are the job's.

use super::{Event, Wholes, Worker};
use crate::lines::Line;
use crate::model::Finish;
use crate::protocol::{Request, ends};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How a line the peer sent reads.
pub(super) enum Decoded {
    /// An event of the job relayed.
    Event(Event),
    /// A line of another job's (an agent serves jobs one after another).
    Elsewhere,
    /// Not the protocol's: text that found its way onto the protocol's
    /// descriptor, shown as the peer says (see [`Peer::foreign`]).
    Foreign(String),
}

/// What the relay has seen of the job so far, for deciding whether a
/// silent peer is stuck.
pub(super) struct Progress {
    /// When tracing started.
    pub started: Option<Instant>,
    /// Whether the job said it is stopping.
    pub stopping: bool,
    /// When the last line came.
    pub heard: Instant,
}

/// The other end of a relay.
pub(super) trait Peer {
    fn lines(&self) -> &Receiver<Line>;
    /// Asks the job to stop; called on every turn while a stop is wanted.
    fn ask_to_stop(&mut self) -> Result<(), String>;
    /// Why the job is given up now although it has not ended, once: the
    /// peer ends its side (kills the worker, closes the connection), and
    /// what is still on its way is relayed until it closes.
    fn overdue(&mut self, progress: &Progress) -> Option<String>;
    fn decode(&self, line: String) -> Decoded;
    /// The event for a line that is not the protocol's.
    fn foreign(&self, line: String) -> Event;
    /// The event for a line longer than the protocol allows.
    fn too_long(&self, limit: usize) -> Event;
}

/// How a relay ended.
pub(super) enum Relayed {
    /// The run's last event (not passed on: the caller says it).
    Finished(Finish),
    /// The answer to a check or listing was passed on.
    Answered,
    /// The peer was given up for this reason, and then closed.
    GaveUp(String),
    /// The peer closed before the job ended.
    Closed,
}

impl Worker {
    /// Passes on `peer`'s events for `job`, made by `request`, until the
    /// job ends or the peer closes.
    pub(super) fn relay(&self, peer: &mut dyn Peer, job: u64, request: &Request) -> Relayed {
        let is_run = matches!(request, Request::Run { .. });
        let mut snapshots = Wholes::default();
        let mut gave_up: Option<String> = None;
        let mut progress = Progress {
            started: None,
            stopping: false,
            heard: Instant::now(),
        };
        loop {
            if is_run
                && self.stop.load(Ordering::SeqCst)
                && let Err(why) = peer.ask_to_stop()
            {
                return Relayed::GaveUp(why);
            }
            if gave_up.is_none() {
                gave_up = peer.overdue(&progress);
            }
            let line = match peer.lines().recv_timeout(Duration::from_millis(50)) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    return gave_up.map_or(Relayed::Closed, Relayed::GaveUp);
                }
            };
            progress.heard = Instant::now();
            let text = match line {
                Line::Text(text) => text,
                Line::TooLong { limit } => {
                    self.emit(job, peer.too_long(limit));
                    continue;
                }
            };
            let event = match peer.decode(text) {
                Decoded::Event(Event::Finished(reason)) => return Relayed::Finished(reason),
                Decoded::Event(event) => event,
                Decoded::Elsewhere => continue,
                Decoded::Foreign(text) => {
                    self.emit(job, peer.foreign(text));
                    continue;
                }
            };
            match event {
                Event::Started { .. } => progress.started = Some(Instant::now()),
                Event::Stopping => progress.stopping = true,
                _ => {}
            }
            let done = ends(request, &event);
            if !self.emit(job, snapshots.whole(event)) && is_run {
                // Nobody listens: stop the run.
                self.stop.store(true, Ordering::SeqCst);
            }
            if done {
                return Relayed::Answered;
            }
        }
    }
}
