//! A private OpenSSH server on 127.0.0.1 for the tests and benchmarks
//! that reach "another machine": its own host key, a key pair made for
//! it, known_hosts checked strictly, and the client's settings in a file
//! given to dscope through DSCOPE_SSH_CONFIG. The remote dscope is this
//! build.

#![allow(dead_code)]

use dscope::remote::{Endpoint, Host};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";
/// The alias the ssh config file gives the test server.
pub const ALIAS: &str = "dscope-test";
/// Kept free of any server: the closed-port case.
pub const CLOSED_PORT: u16 = 2269;
static NEXT_PORT: std::sync::atomic::AtomicU16 = std::sync::atomic::AtomicU16::new(2240);

pub fn dscope() -> &'static str {
    env!("CARGO_BIN_EXE_dscope")
}

pub struct Sshd {
    pub child: Child,
    dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run_ok(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{cmd:?}: {out:?}");
}

pub fn port_is_free(port: u16) -> bool {
    std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
}

/// Starts sshd on the first free port of 2240-2268 and writes the client's
/// config; `None` (after saying why) when this machine has no OpenSSH.
pub fn sshd() -> Option<Sshd> {
    if !Path::new(SSHD).exists() || Command::new("ssh-keygen").arg("-?").output().is_err() {
        eprintln!("skipped: no {SSHD} or ssh-keygen here (apt-get install openssh-server)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for key in ["host_key", "id"] {
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(d.join(key)),
        );
    }
    std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
    let host_pub = std::fs::read_to_string(d.join("host_key.pub")).unwrap();
    std::fs::write(d.join("known_hosts"), format!("{ALIAS} {host_pub}")).unwrap();
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    // Tests run at once, so each takes its own port before it looks.
    let port = loop {
        let p = NEXT_PORT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        assert!(p < CLOSED_PORT, "no free port in 2240-2268");
        if port_is_free(p) {
            break p;
        }
    };
    let server_config = d.join("sshd_config");
    std::fs::write(
        &server_config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nLogLevel ERROR\n",
            d = d.display()
        ),
    )
    .unwrap();
    let config = d.join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host {ALIAS}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  \
             IdentityFile {d}/id\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  \
             GlobalKnownHostsFile /dev/null\n  HostKeyAlias {ALIAS}\n  \
             StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n",
            d = d.display()
        ),
    )
    .unwrap();
    // sshd started as root wants its privilege separation directory,
    // which a package's service would have made at boot.
    if !Path::new("/run/sshd").exists()
        && Command::new("id").arg("-u").output().unwrap().stdout == b"0\n"
    {
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let child = Command::new(SSHD)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&server_config)
        .stdin(Stdio::null())
        // Its log (such as the readiness probe below) stays out of the
        // test's output.
        .stderr(std::fs::File::create(d.join("sshd.log")).unwrap())
        .spawn()
        .unwrap();
    let server = Sshd { child, dir, config };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "sshd did not start on {port}: {}",
            std::fs::read_to_string(server.path("sshd.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(server)
}

impl Sshd {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `dscope SUBCOMMAND ARGS` run here, through ssh to the test server.
    pub fn remote(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(dscope());
        cmd.arg(args[0])
            .args(["--host", ALIAS, "--remote-dscope", dscope()])
            .args(&args[1..])
            .env("DSCOPE_SSH_CONFIG", &self.config)
            .stdin(Stdio::null());
        cmd
    }
}

impl Sshd {
    pub fn endpoint(&self, program: &str) -> Endpoint {
        Endpoint {
            host: Host::parse(ALIAS).unwrap(),
            program: program.into(),
            ssh_config: Some(self.config.display().to_string()),
        }
    }
}
