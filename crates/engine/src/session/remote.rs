//! The remote transport: a session's jobs done by `dscope agent` on a
//! host, over one ssh connection ([`Connection`]) made on
//! the first job and again after it is lost.

use super::{Command, Event, STOP_ANSWER, Wholes, Worker};
use crate::lines::{self, Line};
use crate::remote::{Connection, Endpoint};
use std::sync::atomic::Ordering;
use std::time::Duration;

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
            match self.relay(c, job, &request) {
                Ok(()) => {}
                Err(why) => {
                    connection = None;
                    self.fail(job, command, why);
                }
            }
        }
    }

    /// Passes on the agent's events for `job` until its last one; an error
    /// when the connection ends first, or does not answer Stop.
    fn relay(
        &self,
        c: &mut Connection,
        job: u64,
        request: &crate::protocol::Request,
    ) -> Result<(), String> {
        let is_run = matches!(request, crate::protocol::Request::Run { .. });
        let mut stop_sent: Option<std::time::Instant> = None;
        let mut snapshots = Wholes::default();
        let mut answered = false;
        loop {
            if is_run && self.stop.load(Ordering::SeqCst) && stop_sent.is_none() {
                stop_sent = Some(std::time::Instant::now());
                c.send(&crate::protocol::Request::Stop)?;
            }
            if !answered && stop_sent.is_some_and(|t| t.elapsed() > STOP_ANSWER) {
                let why = format!(
                    "{} did not answer Stop within {} s, so dscope closed the connection; the \
                     run there stops when the host sees it closed",
                    c.name(),
                    STOP_ANSWER.as_secs()
                );
                c.close();
                return Err(why);
            }
            let line = match c.lines.recv_timeout(Duration::from_millis(50)) {
                Ok(line) => line,
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => continue,
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Err(c.lost()),
            };
            answered |= stop_sent.is_some();
            let line = match line {
                Line::Text(line) => line,
                Line::TooLong { limit } => {
                    let why = lines::too_long("its agent", limit);
                    self.emit(job, Event::Problem(format!("{}: {why}", c.name())));
                    continue;
                }
            };
            let Ok(reply) = serde_json::from_str::<crate::protocol::Reply>(&line) else {
                // Not the protocol's: something on the host wrote to the
                // agent's output.
                self.emit(job, Event::Problem(format!("{}: {line}", c.name())));
                continue;
            };
            if reply.job != job {
                continue;
            }
            let done = crate::protocol::ends(request, &reply.event);
            if matches!(reply.event, Event::Finished(_)) {
                self.running.store(false, Ordering::SeqCst);
            }
            if !self.emit(job, snapshots.whole(reply.event)) && is_run {
                self.stop.store(true, Ordering::SeqCst);
            }
            if done {
                return Ok(());
            }
        }
    }
}
