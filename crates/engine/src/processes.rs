//! The system's processes, for picking one to trace as `$target`.
//!
//! Read with `ps -A -o pid= -o user= -o args=`, which means the same on
//! illumos, the BSDs, macOS and Linux, so there is one way to list them and
//! no per-OS /proc reader to keep in step. It is run off the UI thread by
//! the caller.

use std::process::Command;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: i32,
    pub user: String,
    /// The program's name: the last part of its path (`sshd`), or a
    /// kernel thread's name without brackets.
    pub name: String,
    /// The whole command line as `ps` shows it.
    pub args: String,
}

impl ProcessInfo {
    /// Whether `filter` (any case) is part of its pid, user, name or
    /// command line. An empty filter matches everything.
    pub fn matches(&self, filter: &str) -> bool {
        let f = filter.trim().to_lowercase();
        f.is_empty()
            || self.pid.to_string().contains(&f)
            || self.user.to_lowercase().contains(&f)
            || self.args.to_lowercase().contains(&f)
    }
}

/// Every process, by pid.
pub fn list() -> Result<Vec<ProcessInfo>, String> {
    let out = Command::new("ps")
        .args(["-A", "-o", "pid=", "-o", "user=", "-o", "args="])
        .output()
        .map_err(|e| format!("cannot run ps to list processes: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "ps could not list processes ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let mut list: Vec<ProcessInfo> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(parse_line)
        .collect();
    list.sort_by_key(|p| p.pid);
    Ok(list)
}

/// One line of `ps -o pid= -o user= -o args=`.
fn parse_line(line: &str) -> Option<ProcessInfo> {
    let line = line.trim_start();
    let (pid, rest) = line.split_once(char::is_whitespace)?;
    let pid = pid.parse().ok()?;
    let rest = rest.trim_start();
    let (user, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let args = args.trim().to_owned();
    let first = args.split_whitespace().next().unwrap_or("");
    let name = if first.starts_with('[') {
        args.trim_matches(['[', ']']).to_owned()
    } else {
        first.rsplit('/').next().unwrap_or(first).to_owned()
    };
    Some(ProcessInfo {
        pid,
        user: user.to_owned(),
        name,
        args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_ps_are_read_as_pid_user_and_command() {
        let p = parse_line("  812 daemon   /usr/sbin/sshd -D -o X=1").unwrap();
        assert_eq!(
            p,
            ProcessInfo {
                pid: 812,
                user: "daemon".into(),
                name: "sshd".into(),
                args: "/usr/sbin/sshd -D -o X=1".into(),
            }
        );
        assert_eq!(parse_line("2 root [kthreadd]").unwrap().name, "kthreadd");
        assert!(parse_line("PID USER ARGS").is_none());
        assert!(parse_line("").is_none());
        assert!(p.matches("SSHD") && p.matches("81") && p.matches("daem"));
        assert!(!p.matches("bash"));
    }

    #[test]
    fn this_process_is_listed() {
        let me = std::process::id() as i32;
        let list = list().unwrap();
        assert!(list.iter().any(|p| p.pid == me), "{} processes", list.len());
    }
}
