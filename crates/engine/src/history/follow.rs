//! A run's history as a sink that judges it keeps it: the snapshots in
//! time order (the final one joined to the interval it ends, as the
//! window does), and when the run started by the clock.

use super::History;
use crate::model::Event;
use chrono::{DateTime, Utc};

/// What an event meant to a [`Follower`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Followed {
    /// Tracing started at this time (the run's time 0).
    Started(DateTime<Utc>),
    /// A snapshot was added to the history.
    Added,
    Nothing,
}

/// A run followed through its events.
#[derive(Debug)]
pub struct Follower {
    history: History,
    stopping: bool,
}

impl Follower {
    /// Keeps at most `capacity` points (only the newest matter to a
    /// judge, and a short history keeps a long run's memory flat).
    pub fn new(capacity: usize) -> Follower {
        Follower {
            history: History::new(capacity),
            stopping: false,
        }
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// Takes an event `t` seconds into the run.
    pub fn take(&mut self, t: f64, event: &Event) -> Followed {
        match event {
            Event::Started { .. } => {
                Followed::Started(Utc::now() - chrono::Duration::milliseconds((t * 1000.0) as i64))
            }
            Event::Stopping => {
                self.stopping = true;
                Followed::Nothing
            }
            Event::Snapshot(s) => {
                if self.stopping {
                    self.history.push_final(t, s);
                } else {
                    self.history.push(t, s);
                }
                Followed::Added
            }
            _ => Followed::Nothing,
        }
    }
}
