//! The remote transport: a session's jobs done by `dscope agent` on a
//! host, over one ssh connection ([`Connection`]) made on
//! the first job and again after it is lost.

use super::relay::{Decoded, Peer, Progress, Relayed};
use super::{Command, Event, STOP_ANSWER, Worker};
use crate::lines::{self, Line};
use crate::remote::{Connection, Endpoint};
use std::sync::atomic::Ordering;
use std::time::Instant;

impl Worker {
    /// Serves the session's jobs on a host, one at a time as locally,
    /// over one connection to `dscope agent` there that is made on the
    /// first job and again after it is lost.
    pub(super) fn serve_remote(self, at: &Endpoint) {
        let mut connection: Option<Connection> = None;
        while let Ok((job, command)) = self.commands.recv() {
            let request = command.to_request(job);
            let is_run = matches!(command, Command::Run { .. });
            if connection.is_none() {
                let stopped = || is_run && self.stop.load(Ordering::SeqCst);
                match Connection::open(at, &stopped) {
                    Ok(c) => connection = Some(c),
                    Err(why) => {
                        self.fail(job, command, why);
                        continue;
                    }
                }
            }
            let Some(c) = connection.as_mut() else {
                continue;
            };
            if let Err(why) = c.send(&request) {
                connection = None;
                self.fail(job, command, why);
                continue;
            }
            let mut peer = Agent {
                connection: c,
                job,
                stop_sent: None,
            };
            match self.relay(&mut peer, job, &request) {
                Relayed::Answered => {}
                Relayed::Finished(reason) => {
                    self.running.store(false, Ordering::SeqCst);
                    self.emit(job, Event::Finished(reason));
                }
                Relayed::GaveUp(why) => {
                    connection = None;
                    self.fail(job, command, why);
                }
                Relayed::Closed => {
                    let why = c.lost();
                    connection = None;
                    self.fail(job, command, why);
                }
            }
        }
    }
}

/// `dscope agent` on a host, doing one job: the relay's peer.
struct Agent<'c> {
    connection: &'c mut Connection,
    job: u64,
    /// When Stop was sent.
    stop_sent: Option<Instant>,
}

impl Peer for Agent<'_> {
    fn lines(&self) -> &crossbeam_channel::Receiver<Line> {
        &self.connection.lines
    }

    fn ask_to_stop(&mut self) -> Result<(), String> {
        if self.stop_sent.is_none() {
            self.stop_sent = Some(Instant::now());
            self.connection.send(&crate::protocol::Request::Stop)?;
        }
        Ok(())
    }

    /// A host that says nothing for [`STOP_ANSWER`] after Stop: its
    /// connection is closed, which stops the run there.
    fn overdue(&mut self, progress: &Progress) -> Option<String> {
        let sent = self.stop_sent?;
        if sent.elapsed() <= STOP_ANSWER || progress.heard > sent {
            return None;
        }
        let why = format!(
            "{} did not answer Stop within {} s, so dscope closed the connection; the run \
             there stops when the host sees it closed",
            self.connection.name(),
            STOP_ANSWER.as_secs()
        );
        self.connection.close();
        Some(why)
    }

    fn decode(&self, line: String) -> Decoded {
        match serde_json::from_str::<crate::protocol::Reply>(&line) {
            Ok(reply) if reply.job == self.job => Decoded::Event(reply.event),
            Ok(_) => Decoded::Elsewhere,
            Err(_) => Decoded::Foreign(line),
        }
    }

    /// Not the protocol's: something on the host wrote to the agent's
    /// output.
    fn foreign(&self, line: String) -> Event {
        Event::Problem(format!("{}: {line}", self.connection.name()))
    }

    fn too_long(&self, limit: usize) -> Event {
        let why = lines::too_long("its agent", limit);
        Event::Problem(format!("{}: {why}", self.connection.name()))
    }
}
