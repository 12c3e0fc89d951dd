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
            answer_wait: dscope::remote::ANSWER_WAIT,
        }
    }
}

/// Several machines to ssh to: each host a network namespace of its own
/// (`ip netns`), joined to this one by a veth pair, with its own sshd on
/// its own address and its own host key. They share this machine's file
/// system and kernel, so each runs this build of dscope and traces the
/// same kernel, but each is reached over its own link, as a fleet is.
pub struct Fleet {
    dir: tempfile::TempDir,
    pub config: PathBuf,
    pub hosts: Vec<FleetHost>,
}

pub struct FleetHost {
    /// The alias the ssh config gives it.
    pub name: String,
    pub namespace: String,
    /// The address its sshd listens on.
    pub address: String,
    pub sshd: Option<Child>,
}

impl FleetHost {
    /// Stops this host's sshd, so no new connection is taken.
    pub fn stop_sshd(&mut self) {
        if let Some(mut c) = self.sshd.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The processes started through this host's sshd that have `marker`
    /// in their command line.
    pub fn pids_here(&self, marker: &str) -> Vec<u32> {
        let Some(c) = &self.sshd else {
            return Vec::new();
        };
        let all = processes();
        let mut here = vec![c.id()];
        let mut i = 0;
        while i < here.len() {
            for (pid, ppid, _) in &all {
                if *ppid == here[i] && !here.contains(pid) {
                    here.push(*pid);
                }
            }
            i += 1;
        }
        here.into_iter()
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
            })
            .collect()
    }

    /// Drops every connection to this host as a dying link would, and
    /// takes no new one: its sshd and the sshd serving each connection are
    /// killed; what they ran there is left to notice its input closing.
    pub fn drop_connections(&mut self) {
        let Some(c) = &self.sshd else { return };
        let mut doomed = vec![c.id()];
        let mut i = 0;
        while i < doomed.len() {
            for (pid, ppid, comm) in processes() {
                if ppid == doomed[i] && comm.starts_with("sshd") && !doomed.contains(&pid) {
                    doomed.push(pid);
                }
            }
            i += 1;
        }
        // nsenter became sshd; the rest are its connections.
        for pid in doomed.iter().rev() {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        self.stop_sshd();
    }
}

/// (pid, parent pid, command name) of every process.
fn processes() -> Vec<(u32, u32, String)> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let pid = stat[..open].trim().parse().unwrap_or(0);
        let comm = stat[open + 1..close].to_string();
        let ppid = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        all.push((pid, ppid, comm));
    }
    all
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for h in &mut self.hosts {
            h.stop_sshd();
            // Deleting the namespace takes its end of the veth pair, and
            // with it ours.
            let _ = Command::new("ip")
                .args(["netns", "delete", &h.namespace])
                .status();
        }
    }
}

/// Why a fleet cannot be made here, if it cannot.
pub fn fleet_unavailable() -> Option<String> {
    if !Path::new(SSHD).exists() || Command::new("ssh-keygen").arg("-?").output().is_err() {
        return Some(format!(
            "no {SSHD} or ssh-keygen (apt-get install openssh-server)"
        ));
    }
    if Command::new("id").arg("-u").output().unwrap().stdout != b"0\n" {
        return Some("network namespaces need root".into());
    }
    let probe = format!("dscope-probe-{}", std::process::id());
    let made = Command::new("ip")
        .args(["netns", "add", &probe])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        return Some("cannot create a network namespace (ip netns add)".into());
    }
    let _ = Command::new("ip")
        .args(["netns", "delete", &probe])
        .status();
    None
}

static NEXT_FLEET: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// `n` hosts, `fleet-1` to `fleet-N`, each in a namespace with sshd on
/// 10.R.I.2 (R picked per fleet so fleets of tests running at once do not
/// meet); `None`, after saying why, where namespaces cannot be made.
pub fn fleet(n: usize) -> Option<Fleet> {
    if let Some(why) = fleet_unavailable() {
        eprintln!("skipped: {why}");
        return None;
    }
    assert!(n < 250);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(d.join("id")),
    );
    std::fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
    let user = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout)
        .unwrap()
        .trim()
        .to_string();
    if !Path::new("/run/sshd").exists() {
        let _ = std::fs::create_dir_all("/run/sshd");
    }
    let fleet_id = NEXT_FLEET.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let net = 200 + (std::process::id() as usize + fleet_id as usize) % 50;
    let tag = format!("{}-{fleet_id}", std::process::id());
    let mut known_hosts = String::new();
    let mut client = String::new();
    let mut fleet = Fleet {
        config: d.join("ssh_config"),
        dir,
        hosts: Vec::new(),
    };
    for i in 1..=n {
        let d = fleet.dir.path().to_path_buf();
        let name = format!("fleet-{i}");
        let namespace = format!("dscope-{tag}-{i}");
        let (outside, inside) = (format!("dsf{tag}o{i}"), format!("dsf{tag}i{i}"));
        // Interface names are at most 15 bytes.
        let (outside, inside) = (last(&outside, 15), last(&inside, 15));
        let ours = format!("10.{net}.{i}.1");
        let address = format!("10.{net}.{i}.2");
        run_ok(Command::new("ip").args(["netns", "add", &namespace]));
        let host = FleetHost {
            name: name.clone(),
            namespace: namespace.clone(),
            address: address.clone(),
            sshd: None,
        };
        fleet.hosts.push(host);
        let ip = |args: &[&str]| run_ok(Command::new("ip").args(args));
        ip(&[
            "link", "add", outside, "type", "veth", "peer", "name", inside,
        ]);
        ip(&["link", "set", inside, "netns", &namespace]);
        ip(&["addr", "add", &format!("{ours}/30"), "dev", outside]);
        ip(&["link", "set", outside, "up"]);
        let ns = |args: &[&str]| {
            run_ok(
                Command::new("ip")
                    .args(["netns", "exec", &namespace, "ip"])
                    .args(args),
            )
        };
        ns(&["addr", "add", &format!("{address}/30"), "dev", inside]);
        ns(&["link", "set", inside, "up"]);
        ns(&["link", "set", "lo", "up"]);
        let key = d.join(format!("host_key_{i}"));
        run_ok(
            Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-f"])
                .arg(&key),
        );
        let host_pub = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        known_hosts.push_str(&format!("{name} {host_pub}"));
        let server_config = d.join(format!("sshd_config_{i}"));
        std::fs::write(
            &server_config,
            format!(
                "Port 22\nListenAddress {address}\nHostKey {key}\nPidFile {d}/sshd_{i}.pid\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nLogLevel ERROR\nMaxStartups 100\n",
                key = key.display(),
                d = d.display()
            ),
        )
        .unwrap();
        client.push_str(&format!(
            "Host {name}\n  HostName {address}\n  Port 22\n  User {user}\n  \
             IdentityFile {d}/id\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  \
             GlobalKnownHostsFile /dev/null\n  HostKeyAlias {name}\n  \
             StrictHostKeyChecking yes\n  BatchMode yes\n  LogLevel ERROR\n  ConnectTimeout 5\n",
            d = d.display()
        ));
        // nsenter joins the network namespace only: `ip netns exec` would
        // also mount a /sys of its own, without the tracefs DTrace needs.
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{namespace}"))
            .args([SSHD, "-D", "-e", "-f"])
            .arg(&server_config)
            .stdin(Stdio::null())
            .stderr(std::fs::File::create(d.join(format!("sshd_{i}.log"))).unwrap())
            .spawn()
            .unwrap();
        fleet.hosts.last_mut().unwrap().sshd = Some(child);
    }
    std::fs::write(fleet.dir.path().join("known_hosts"), known_hosts).unwrap();
    std::fs::write(&fleet.config, client).unwrap();
    for h in &fleet.hosts {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect((h.address.as_str(), 22)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd of {} did not start",
                h.name
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Some(fleet)
}

fn last(s: &str, n: usize) -> &str {
    &s[s.len().saturating_sub(n)..]
}

impl Fleet {
    /// Each host as the window's sessions reach it: this build's dscope
    /// there, through the fleet's ssh config.
    pub fn endpoints(&self) -> Vec<Endpoint> {
        self.hosts
            .iter()
            .map(|h| Endpoint {
                host: Host::parse(&h.name).unwrap(),
                program: dscope().into(),
                ssh_config: Some(self.config.display().to_string()),
                answer_wait: dscope::remote::ANSWER_WAIT,
            })
            .collect()
    }

    /// `dscope SUBCOMMAND --host fleet-1 ... ARGS` run here.
    pub fn dscope(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(dscope());
        cmd.arg(args[0]);
        for h in &self.hosts {
            cmd.args(["--host", &h.name]);
        }
        cmd.args(["--remote-dscope", dscope()])
            .args(&args[1..])
            .env("DSCOPE_SSH_CONFIG", &self.config)
            .stdin(Stdio::null());
        cmd
    }

    pub fn names(&self) -> Vec<&str> {
        self.hosts.iter().map(|h| h.name.as_str()).collect()
    }
}

/// Whether live tests run (DSCOPE_LIVE=1 and a libdtrace here); says
/// why not when they do not.
pub fn live_dtrace() -> bool {
    let on = std::env::var("DSCOPE_LIVE").is_ok_and(|v| v == "1");
    if !on {
        eprintln!("skipped: set DSCOPE_LIVE=1 to run live tests");
    }
    on && dscope::dtrace::Library::load().is_ok()
}

/// A program's output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}
