//! Other machines, reached through the system's OpenSSH client, so the
//! user's ~/.ssh/config, keys, agent, ProxyJump and known_hosts apply as
//! they are; nothing is stored and host keys are checked as ssh checks
//! them. Hosts and endpoints, the one command string ssh hands the remote
//! login shell (built from fixed text and [`quote`]d arguments only; it
//! first checks that the remote dscope exists and that its version matches
//! this one, and says which on the first line, [`HEADER`]), and the
//! [`Connection`] a window's session keeps to `dscope agent` there.
//! `--host` on the command line is the `dscope` package's `cli::remote`.

use crate::lines::{BoundedLines, Line, Long, MAX_TEXT};
use std::io::BufRead;
use std::process::{Command, Stdio};
use std::time::Duration;

/// The environment variable naming an ssh configuration file to use
/// instead of ~/.ssh/config (given to ssh as `-F FILE`).
pub const SSH_CONFIG_ENV: &str = "DSCOPE_SSH_CONFIG";

/// The ssh configuration file DSCOPE_SSH_CONFIG names, if any.
pub fn ssh_config_from_env() -> Option<String> {
    std::env::var(SSH_CONFIG_ENV).ok().filter(|c| !c.is_empty())
}

/// A dscope on another machine: where it is, what it is called there, and
/// the ssh configuration to reach it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: Host,
    /// The program on the host ([`DEFAULT_PROGRAM`] unless told).
    pub program: String,
    /// `ssh -F FILE`, from DSCOPE_SSH_CONFIG unless told.
    pub ssh_config: Option<String>,
    /// How long to wait for the dscope there to answer ([`answer_wait`]
    /// unless told).
    pub answer_wait: Duration,
}

impl Endpoint {
    pub fn new(host: Host, program: Option<&str>) -> Endpoint {
        Endpoint {
            host,
            program: program.unwrap_or(DEFAULT_PROGRAM).to_string(),
            ssh_config: ssh_config_from_env(),
            answer_wait: answer_wait(),
        }
    }
}

/// What the remote command string prints first, before anything of the
/// remote dscope's: `dscope-remote ok`, `dscope-remote missing` or
/// `dscope-remote version VERSION`.
pub const HEADER: &str = "dscope-remote";

/// The remote command's exit status when dscope is not there.
pub const STATUS_MISSING: u8 = 96;
/// Its exit status when the remote dscope's version does not match.
pub const STATUS_VERSION: u8 = 97;

/// The exit status ssh gives for its own failures (cannot connect,
/// authentication, host key, a dropped connection).
pub const SSH_FAILED: i32 = 255;

/// Quotes `text` for a POSIX shell: inside single quotes nothing is
/// special except the single quote itself, which is written as `'\''`.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Where to run: `[user@]host[:port]` (an IPv6 address in brackets,
/// `[::1]:2222`, or bare, without a port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// `user@host` or `host`, as ssh takes it.
    pub destination: String,
    pub port: Option<u16>,
}

impl std::fmt::Display for Host {
    /// As the user would write it for `--host`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            None => f.write_str(&self.destination),
            Some(port) => {
                let (user, host) = match self.destination.rsplit_once('@') {
                    Some((user, host)) => (Some(user), host),
                    None => (None, self.destination.as_str()),
                };
                if let Some(user) = user {
                    write!(f, "{user}@")?;
                }
                if host.contains(':') {
                    write!(f, "[{host}]:{port}")
                } else {
                    write!(f, "{host}:{port}")
                }
            }
        }
    }
}

impl Host {
    pub fn parse(text: &str) -> Result<Host, String> {
        let bad = |why: &str| Err(format!("bad --host '{text}': {why}"));
        let (user, rest) = match text.rsplit_once('@') {
            Some((user, rest)) => (Some(user), rest),
            None => (None, text),
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            match inner.split_once(']') {
                Some((host, "")) => (host, None),
                Some((host, port)) => match port.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return bad("expected :PORT after ]"),
                },
                None => return bad("no ] after ["),
            }
        } else {
            match rest.split_once(':') {
                // More than one colon: a bare IPv6 address, no port.
                Some((_, port)) if port.contains(':') => (rest, None),
                Some((host, port)) => (host, Some(port)),
                None => (rest, None),
            }
        };
        if host.is_empty() {
            return bad("no host name");
        }
        // ssh would take these as options, or as parts of its own syntax.
        if host.starts_with('-') || user.is_some_and(|u| u.is_empty() || u.starts_with('-')) {
            return bad("a host or user name cannot start with '-' or be empty");
        }
        // What OpenSSH 9.6 and later refuse (misc.c, valid_hostname and
        // valid_ruser): an older ssh passes the name on to a ProxyCommand
        // or Match exec, where `%h` and `%r` land in a shell that dscope,
        // often run as root, would then be running.
        if let Some(c) = host
            .chars()
            .find(|&c| "'`\"$\\;&<>|(){},".contains(c) || c.is_whitespace() || c.is_control())
        {
            return bad(&format!(
                "the host name has {}, which ssh does not take in a host name",
                what_char(c)
            ));
        }
        if let Some(user) = user {
            let chars: Vec<char> = user.chars().collect();
            let refused = chars.iter().enumerate().find(|&(i, &c)| {
                c.is_control()
                    || "'`\";&<>|(){}".contains(c)
                    || (c.is_whitespace() && chars.get(i + 1) == Some(&'-'))
                    || (c == '\\' && i + 1 == chars.len())
            });
            if let Some((_, &c)) = refused {
                return bad(&format!(
                    "the user name has {}, which ssh does not take in a user name",
                    what_char(c)
                ));
            }
        }
        let port = match port {
            Some(p) => match p.parse::<u16>() {
                Ok(p) if p > 0 => Some(p),
                _ => return bad("the port must be a number from 1 to 65535"),
            },
            None => None,
        };
        let destination = match user {
            Some(user) => format!("{user}@{host}"),
            None => host.to_string(),
        };
        Ok(Host { destination, port })
    }
}

/// A character as an error message names it.
fn what_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", c as u32)
    } else {
        format!("'{c}'")
    }
}

/// This build's `major.minor.`, which the remote one must share.
fn version_prefix() -> String {
    let v = env!("CARGO_PKG_VERSION");
    let mut parts = v.split('.');
    format!(
        "{}.{}.",
        parts.next().unwrap_or("0"),
        parts.next().unwrap_or("0")
    )
}

/// The one command string ssh gives the remote login shell: check that
/// `program` is there and of this major.minor, say so on the first line,
/// then become it with `args`. Every piece of user text in it is quoted.
pub fn command_string(program: &str, args: &[String]) -> String {
    let quoted: Vec<String> = args.iter().map(|a| quote(a)).collect();
    format!(
        "d={program}; \
         if ! command -v \"$d\" >/dev/null 2>&1; then echo '{HEADER} missing'; exit {STATUS_MISSING}; fi; \
         v=$(\"$d\" --version 2>/dev/null | head -n 1); \
         case \"$v\" in {prefix}*) ;; *) printf '{HEADER} version %s\\n' \"$v\"; exit {STATUS_VERSION};; esac; \
         echo '{HEADER} ok'; \
         exec \"$d\" {args}",
        program = quote(program),
        prefix = quote(&format!("dscope {}", version_prefix())),
        args = quoted.join(" "),
    )
}

/// ssh's arguments: `-T` because a remote terminal would merge stderr into
/// stdout and turn Ctrl-C into a byte; `--` so that no destination is
/// taken as an option.
pub fn ssh_args(host: &Host, config: Option<&str>, command: &str) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(file) = config {
        args.push("-F".into());
        args.push(file.into());
    }
    args.push("-T".into());
    if let Some(port) = host.port {
        args.push("-p".into());
        args.push(port.to_string());
    }
    args.push("--".into());
    args.push(host.destination.clone());
    args.push(command.into());
    args
}

/// Starts ssh running `command` on `host` (with `options` before the
/// destination, and `-F config`), its standard input and output piped. SIGINT reaches ssh only through this process, which stops the
/// remote command by closing ssh's input.
pub fn spawn_ssh(
    host: &Host,
    config: Option<&str>,
    options: &[&str],
    command: &str,
    stderr: Stdio,
) -> std::io::Result<std::process::Child> {
    // ssh restores a SIGINT it finds ignored to nothing, so the shell sets
    // it ignored and becomes ssh; "$@" passes the arguments untouched.
    Command::new("sh")
        .arg("-c")
        .arg("trap '' INT; exec ssh \"$@\"")
        .arg("ssh")
        .args(options)
        .args(ssh_args(host, config, command))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
}

/// Why dscope did not run on host `name`, from the header line's word
/// (`None` when none came) and ssh's exit status; `None` when it ran.
/// `ssh_said` is ssh's own message when it was kept rather than shown.
pub fn header_problem(
    name: &str,
    header: Option<&str>,
    code: Option<i32>,
    ssh_said: Option<&str>,
) -> Option<String> {
    Some(match header {
        // sh's status for a command it cannot find.
        None if code == Some(127) => format!(
            "cannot run ssh to reach {name}: install the OpenSSH client (Debian: openssh-client)"
        ),
        None if code.is_none() => format!("ssh to {name} was ended by a signal"),
        None if code == Some(SSH_FAILED) => match ssh_said {
            Some(said) => format!("cannot reach {name} over ssh: {said}"),
            None => format!(
                "cannot run dscope on {name} over ssh (ssh exited with status 255; its own \
                 message is above)"
            ),
        },
        Some("missing") => format!(
            "dscope is not installed on {name} (or not on its PATH): install the headless \
             build there (README: Install), or give its path with --remote-dscope"
        ),
        Some(v) if v.starts_with("version") => {
            let theirs = v.trim_start_matches("version").trim();
            let theirs = if theirs.is_empty() {
                "no answer to --version"
            } else {
                theirs
            };
            format!(
                "{name} has {theirs}, but this is dscope {}: install the same major.minor \
                 version there (README: Install), or give its path with --remote-dscope",
                env!("CARGO_PKG_VERSION")
            )
        }
        _ => return None,
    })
}

/// Reads up to the header line; what a login script printed before it goes
/// to stderr, since it is not the remote dscope's output. `None` when the
/// output ended first (ssh failed before the command ran).
pub fn read_header(reader: &mut impl BufRead) -> Option<String> {
    let prefix = format!("{HEADER} ");
    let mut lines = BoundedLines::new(reader, MAX_TEXT, Long::Split);
    loop {
        let Line::Text(line) = lines.next_line()? else {
            continue;
        };
        if let Some(rest) = line.strip_prefix(&prefix) {
            return Some(rest.to_string());
        }
        eprintln!("{line}");
    }
}

/// How long dscope waits, from starting ssh, for the first line of the
/// dscope on the host: what a login that hangs after connecting (a login
/// script waiting for input, an unreachable home directory) costs before
/// it is reported. `DSCOPE_SSH_WAIT` (seconds) changes it, for a host
/// whose password takes longer to type.
pub const ANSWER_WAIT: Duration = Duration::from_secs(60);

/// The environment variable that overrides [`ANSWER_WAIT`].
pub const ANSWER_WAIT_ENV: &str = "DSCOPE_SSH_WAIT";

/// [`ANSWER_WAIT`], or the user's `DSCOPE_SSH_WAIT`.
pub fn answer_wait() -> Duration {
    std::env::var(ANSWER_WAIT_ENV)
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|&s| s > 0)
        .map(Duration::from_secs)
        .unwrap_or(ANSWER_WAIT)
}

/// What to say when the host's dscope did not answer in time.
pub fn no_answer(name: &str, waited: Duration) -> String {
    format!(
        "{name} did not answer within {} s: ssh was still logging in, or a login script \
         there waits for input or hangs (look at ~/.profile and ~/.bashrc there); dscope \
         gave up. {ANSWER_WAIT_ENV}=SECONDS waits longer",
        waited.as_secs()
    )
}

/// The default name of the program on the host.
pub const DEFAULT_PROGRAM: &str = "dscope";

mod connection;
pub use connection::Connection;

#[cfg(test)]
mod tests {
    use super::*;

    /// What `sh` makes of `words`, each quoted and joined: the words back.
    fn through_sh(words: &[&str]) -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| quote(w)).collect();
        let script = format!(
            "for a in {}; do printf '%s\\0' \"$a\"; done",
            quoted.join(" ")
        );
        let out = Command::new("sh").arg("-c").arg(script).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut words: Vec<String> = text.split('\0').map(String::from).collect();
        words.pop();
        words
    }

    #[test]
    fn quoted_words_reach_the_shell_unchanged() {
        let hostile = [
            "plain",
            "two words",
            "",
            "'",
            "''",
            "it's",
            "\"double\"",
            "$HOME",
            "${PATH}",
            "$(echo no)",
            "`echo no`",
            "back\\slash\\",
            "new\nline",
            "\n",
            "-x",
            "--help",
            "tab\there",
            "*",
            "; rm -rf /tmp/nothing",
            "a'b\"c$d`e\\f",
            "ünïcödé",
        ];
        assert_eq!(through_sh(&hostile), hostile);
        assert_eq!(quote(""), "''");
        assert_eq!(quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn a_host_is_written_back_as_it_parses() {
        for text in [
            "box",
            "me@box",
            "me@box:2200",
            "[::1]:22",
            "me@[fe80::1]:2",
            "::1",
        ] {
            let host = Host::parse(text).unwrap();
            assert_eq!(Host::parse(&host.to_string()).unwrap(), host, "{text}");
        }
        assert_eq!(
            Host::parse("me@box:2200").unwrap().to_string(),
            "me@box:2200"
        );
        assert_eq!(Host::parse("[::1]:22").unwrap().to_string(), "[::1]:22");
    }

    #[test]
    fn hosts_parse_as_ssh_takes_them() {
        let h = |d: &str, p| Host {
            destination: d.into(),
            port: p,
        };
        assert_eq!(Host::parse("box"), Ok(h("box", None)));
        assert_eq!(Host::parse("me@box:2222"), Ok(h("me@box", Some(2222))));
        assert_eq!(Host::parse("[::1]:22"), Ok(h("::1", Some(22))));
        assert_eq!(Host::parse("fe80::1"), Ok(h("fe80::1", None)));
        assert_eq!(Host::parse("a@b@c"), Ok(h("a@b@c", None)));
        for bad in [
            "",
            "-oProxyCommand=x",
            "me@",
            "@box",
            "-u@box",
            "box:",
            "box:0",
        ] {
            assert!(Host::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Host::parse("box:99999").is_err());
        assert!(Host::parse("a b").is_err());
    }

    /// What OpenSSH 9.6 refuses, refused before ssh ever sees it: a
    /// name that an older ssh would hand to a ProxyCommand's shell.
    #[test]
    fn shell_metacharacters_in_a_host_or_user_are_refused() {
        for bad in [
            "a;touch${IFS}/tmp/x",
            "a$(id)",
            "a`id`",
            "a|b",
            "a&b",
            "a>b",
            "a<b",
            "'a'",
            "\"a\"",
            "a\\b",
            "a{b}",
            "a(b)",
            "a,b",
            "a\tb",
            "a\u{7f}b",
            "x;y@box",
            "x`id`@box",
            "x -oFoo@box",
            "x\\@box",
            "x\n@box",
        ] {
            let e = Host::parse(bad).expect_err(bad);
            assert!(e.contains("ssh does not take"), "{bad:?}: {e}");
        }
        // What ssh takes is still taken: dots, dashes inside, underscores,
        // percent (a link-local zone), a user with a backslash inside or
        // a space not before a dash.
        for good in [
            "web-1.example.com",
            "db_2",
            "fe80::1%eth0",
            "dom\\user@box",
            "a b@box",
        ] {
            assert!(Host::parse(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn the_command_string_checks_before_it_runs_and_quotes_everything() {
        let cmd = command_string("/opt/my dscope", &["check".into(), "$(no)".into()]);
        assert!(cmd.starts_with("d='/opt/my dscope'; "), "{cmd}");
        assert!(cmd.ends_with("exec \"$d\" 'check' '$(no)'"), "{cmd}");
        // Run by a real shell with a program that is not there: the
        // header says so and the status is the distinct one.
        let out = Command::new("sh")
            .arg("-c")
            .arg(command_string("/nonexistent/dscope", &["doctor".into()]))
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "dscope-remote missing\n"
        );
        assert_eq!(out.status.code(), Some(STATUS_MISSING.into()));
        // A program that answers --version with another release.
        let dir = std::env::temp_dir().join(format!("dscope-remote-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let fake = dir.join("old-dscope");
        std::fs::write(&fake, "#!/bin/sh\necho 'dscope 999.0.0'\n").unwrap();
        let run_chmod = Command::new("chmod").arg("+x").arg(&fake).status().unwrap();
        assert!(run_chmod.success());
        let out = Command::new("sh")
            .arg("-c")
            .arg(command_string(fake.to_str().unwrap(), &["doctor".into()]))
            .output()
            .unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "dscope-remote version dscope 999.0.0\n"
        );
        assert_eq!(out.status.code(), Some(STATUS_VERSION.into()));
    }

    #[test]
    fn ssh_is_told_where_and_never_takes_the_host_for_an_option() {
        let host = Host::parse("me@box:2200").unwrap();
        assert_eq!(
            ssh_args(&host, Some("/tmp/cfg"), "CMD"),
            ["-F", "/tmp/cfg", "-T", "-p", "2200", "--", "me@box", "CMD"]
        );
        assert_eq!(
            ssh_args(&Host::parse("box").unwrap(), None, "CMD"),
            ["-T", "--", "box", "CMD"]
        );
    }
}
