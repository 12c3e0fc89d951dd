//! Where a run's events go. Every front-end runs a script the same way
//! and hands what it says to sinks: a printer (`dscope run`'s text or its
//! JSON report), a recording (`history::recording::RecordingSink`), an
//! AMQP exchange (`amqp::PublishSink`), the window's run log.
//! A sink that fails is given up, with why, and the run goes on without
//! it, as a full disk or a lost broker must not end a trace.

use crate::model::Event;
use std::sync::Arc;

/// Called after each event is delivered, so a UI can wake up and repaint.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

pub trait Sink {
    /// Takes an event, `t` seconds after tracing started (held at the
    /// stop). `Event::Finished` is the last one. An error says why this
    /// sink gives up.
    fn take(&mut self, t: f64, event: &Event) -> Result<(), String>;
}

/// Hands `event` to every sink, and gives up the ones that fail, saying
/// why through `said`.
pub fn take_all(
    sinks: &mut Vec<Box<dyn Sink + '_>>,
    t: f64,
    event: &Event,
    said: &mut dyn FnMut(String),
) {
    sinks.retain_mut(|s| match s.take(t, event) {
        Ok(()) => true,
        Err(why) => {
            said(why);
            false
        }
    });
}
