//! The client half of the agent protocol over ssh: a window's session
//! keeps one [`Connection`] to `dscope agent` on a host, and its lines
//! come through [`crate::lines::BoundedLines`].

use super::{Endpoint, command_string, header_problem, no_answer, read_header, spawn_ssh};
use crate::lines::{self, BoundedLines, Line, Long, MAX_MESSAGE, MAX_TEXT};
use crate::protocol::{AGENT_ARG, Hello, write_line};
use crossbeam_channel::Receiver;
use serde::Serialize;
use std::collections::VecDeque;
use std::process::{Child, ChildStdin, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// ssh options for a connection a window keeps open: a dead link is
/// noticed within half a minute, and an unreachable host within 15 s,
/// instead of TCP's minutes; compressed, since snapshots are JSON that
/// repeats itself (a 20,000-key one goes from 1.5 MB to about 75 KB).
const SSH_OPTIONS: [&str; 8] = [
    "-o",
    "Compression=yes",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=10",
    "-o",
    "ServerAliveCountMax=3",
];

/// A client's connection to `dscope agent` on a host, through ssh.
pub struct Connection {
    child: Child,
    input: Option<ChildStdin>,
    /// The agent's lines after its hello; disconnected when its output
    /// ends.
    pub lines: Receiver<Line>,
    ssh_said: Arc<Mutex<VecDeque<String>>>,
    name: String,
    /// The hellos were exchanged.
    connected: bool,
}

/// Lines of ssh's standard error kept for messages.
const SSH_TAIL: usize = 12;

impl Connection {
    /// Starts ssh to the host, checks that the program there is a dscope that
    /// speaks this protocol, and says hello. Gives up, killing ssh, when
    /// `give_up` turns true while it waits.
    pub fn open(at: &Endpoint, give_up: &dyn Fn() -> bool) -> Result<Connection, String> {
        let name = at.host.to_string();
        let command = command_string(&at.program, &[AGENT_ARG.into()]);
        let config = at.ssh_config.as_deref();
        let mut child = spawn_ssh(&at.host, config, &SSH_OPTIONS, &command, Stdio::piped())
            .map_err(|e| format!("cannot start ssh to reach {name}: {e}"))?;
        let input = child.stdin.take();
        let ssh_said = Arc::new(Mutex::new(VecDeque::new()));
        if let Some(err) = child.stderr.take() {
            let tail = ssh_said.clone();
            std::thread::spawn(move || {
                let err = std::io::BufReader::new(err);
                for line in BoundedLines::new(err, MAX_TEXT, Long::Split) {
                    let Line::Text(line) = line else { continue };
                    let mut tail = tail.lock().unwrap_or_else(|p| p.into_inner());
                    if tail.len() == SSH_TAIL {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            });
        }
        let (header_tx, header) = crossbeam_channel::bounded(1);
        let (line_tx, lines) = crossbeam_channel::bounded(1024);
        if let Some(out) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut reader = std::io::BufReader::new(out);
                let _ = header_tx.send(read_header(&mut reader));
                for line in BoundedLines::new(reader, MAX_MESSAGE, Long::Refuse) {
                    if line_tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        let mut connection = Connection {
            child,
            input,
            lines,
            ssh_said,
            name,
            connected: false,
        };
        let waited = at.answer_wait;
        let deadline = std::time::Instant::now() + waited;
        let header = match connection.wait(&header, give_up, (deadline, waited))? {
            Some(Some(h)) => h,
            // ssh ended before the command ran.
            _ => return Err(connection.lost()),
        };
        if let Some(problem) = header_problem(&connection.name, Some(&header), None, None) {
            connection.close();
            return Err(problem);
        }
        let hello = match connection.wait(&connection.lines.clone(), give_up, (deadline, waited))? {
            Some(Line::Text(line)) => serde_json::from_str::<Hello>(&line).map_err(|_| line),
            Some(Line::TooLong { limit }) => Err(lines::too_long("it", limit)),
            None => Err(String::new()),
        };
        match hello {
            Ok(h) if h.dscope == "agent" => {
                if let Some(why) = h.mismatch(&connection.name) {
                    connection.close();
                    return Err(why);
                }
            }
            _ => {
                let said = connection.said();
                let why = format!(
                    "dscope on {} does not serve the agent protocol (it is older than this \
                     window, or not dscope): install the same version there (README: \
                     Install){}",
                    connection.name,
                    if said.is_empty() {
                        String::new()
                    } else {
                        format!("; it said: {said}")
                    }
                );
                connection.close();
                return Err(why);
            }
        }
        connection.send(&Hello::new("client"))?;
        connection.connected = true;
        Ok(connection)
    }

    /// Waits for the next value on `from`; `Ok(None)` when it ended. Past
    /// `deadline` the host is given up on.
    fn wait<T>(
        &mut self,
        from: &Receiver<T>,
        give_up: &dyn Fn() -> bool,
        (deadline, waited): (std::time::Instant, Duration),
    ) -> Result<Option<T>, String> {
        loop {
            if std::time::Instant::now() > deadline {
                self.close();
                return Err(no_answer(&self.name, waited));
            }
            match from.recv_timeout(Duration::from_millis(50)) {
                Ok(v) => return Ok(Some(v)),
                Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(None),
                Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
            }
            if give_up() {
                let why = format!("stopped while connecting to {}", self.name);
                self.close();
                return Err(why);
            }
        }
    }

    /// Sends one message.
    pub fn send(&mut self, message: &impl Serialize) -> Result<(), String> {
        let sent = self.input.as_mut().is_some_and(|i| write_line(i, message));
        if sent { Ok(()) } else { Err(self.lost()) }
    }

    /// What ssh said, on one line.
    fn said(&self) -> String {
        let tail = self.ssh_said.lock().unwrap_or_else(|p| p.into_inner());
        Vec::from(tail.clone()).join("; ")
    }

    /// Why the connection ended, once it has: waits briefly for ssh to
    /// exit and says what it said.
    pub fn lost(&mut self) -> String {
        self.input = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = self.child.kill();
                    break self.child.wait().ok();
                }
            }
        };
        // Its standard error has been read to the end by now, or nearly.
        std::thread::sleep(Duration::from_millis(20));
        let said = self.said();
        let name = &self.name;
        let said_or_none = (!said.is_empty()).then_some(said.as_str());
        let code = status.and_then(|s| s.code());
        if !self.connected
            && let Some(problem) = header_problem(name, None, code, said_or_none)
        {
            return problem;
        }
        use std::os::unix::process::ExitStatusExt;
        let how = match (code, status.and_then(|s| s.signal())) {
            (Some(c), _) => format!("ssh exited with status {c}"),
            (None, Some(signal)) => format!("ssh was killed by signal {signal}"),
            (None, None) => "ssh ended".to_string(),
        };
        match said_or_none {
            Some(said) => format!("the connection to {name} ended ({how}): {said}"),
            None => format!("the connection to {name} ended ({how})"),
        }
    }

    /// Ends the connection: the agent's input closes, which stops any run
    /// there; ssh is killed if it does not end by itself soon.
    pub fn close(&mut self) {
        self.input = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// The host's name, for messages.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.close();
    }
}
