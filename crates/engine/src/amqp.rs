//! Snapshots over AMQP 0-9-1, for fleets that publish continuously:
//! `dscope run --publish amqp://broker/exchange x.d` sends each snapshot
//! of a run to an exchange (RabbitMQ's, most often), and the window
//! subscribes to it and merges every host publishing there.
//!
//! A message is one JSON document ([`Message`]): who sent it (`host`,
//! `script`, dscope's version), when in the run (`t`, seconds since
//! tracing started) and either a whole snapshot or the run's end. Whole
//! snapshots, so that a subscriber that joins late has everything from
//! its first message. The routing key is the host's name: on a topic
//! exchange a subscriber could pick hosts; the window binds with `#`,
//! which a fanout exchange ignores.

use crate::model::Snapshot;
use async_rs::traits::*;
use futures_lite::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicPublishOptions, BasicQosOptions,
    ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties, ExchangeKind};
use serde::{Deserialize, Serialize};

/// The AMQP port when the address names none.
pub const DEFAULT_PORT: u16 = 5672;

/// How long one message may take to be sent before publishing is given up.
const PUBLISH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Where to publish or subscribe: `amqp://[user[:password]@]host[:port]/
/// [vhost/]exchange` (the vhost percent-encoded, `/` when not given).
#[derive(Clone, PartialEq, Eq)]
pub struct Address {
    /// The broker's URI for the client: scheme, credentials, host, port,
    /// vhost.
    broker: String,
    pub exchange: String,
    /// The address without its password, for messages.
    pub shown: String,
    /// Whether it holds a password (so `shown` is not the address).
    pub has_password: bool,
}

impl std::fmt::Debug for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

impl Address {
    pub fn parse(text: &str) -> Result<Address, String> {
        let bad = |why: &str| Err(format!("bad AMQP address '{}': {why}", hide_password(text)));
        if text.starts_with("amqps://") {
            return bad(
                "amqps:// (TLS) is not supported by this build; use amqp:// through a tunnel \
                 that adds TLS (stunnel, ssh -L)",
            );
        }
        let Some(rest) = text.strip_prefix("amqp://") else {
            return bad("it must start with amqp://");
        };
        let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, hostport) = match authority.rsplit_once('@') {
            Some((c, h)) => (Some(c), h),
            None => (None, authority),
        };
        if hostport.is_empty() {
            return bad("no broker host");
        }
        let (host, port) = match hostport.rsplit_once(':') {
            // `[::1]` alone has colons but no port.
            Some((h, p)) if !p.contains(']') => match p.parse::<u16>() {
                Ok(port) if port > 0 => (h, port),
                _ => return bad("the port must be a number from 1 to 65535"),
            },
            _ => (hostport, DEFAULT_PORT),
        };
        let segments: Vec<&str> = path.split('/').collect();
        let (vhost, exchange) = match segments.as_slice() {
            [exchange] => ("%2f", *exchange),
            [vhost, exchange] => (*vhost, *exchange),
            _ => return bad("give /EXCHANGE or /VHOST/EXCHANGE after the broker"),
        };
        if exchange.is_empty() {
            return bad("no exchange: add /EXCHANGE after the broker");
        }
        if exchange.starts_with("amq.") && exchange != "amq.topic" && exchange != "amq.fanout" {
            return bad("the broker's own amq.* exchanges are not for snapshots");
        }
        let credentials = credentials.map(|c| format!("{c}@")).unwrap_or_default();
        let shown = hide_password(text);
        Ok(Address {
            broker: format!("amqp://{credentials}{host}:{port}/{vhost}"),
            exchange: exchange.to_owned(),
            has_password: shown != text,
            shown,
        })
    }
}

/// Where a password for the broker is read from, so that it never has to
/// be on a command line (where `ps` shows it to every user).
pub const PASSWORD_VARIABLE: &str = "DSCOPE_AMQP_PASSWORD";

/// An address as given on a command line: one with a password is
/// refused (every user of the machine can read it with `ps`); one with a
/// user and no password takes the password from [`PASSWORD_VARIABLE`]
/// when it is set. Returns the address text to use.
pub fn from_command_line(text: &str, option: &str) -> Result<String, String> {
    let address = Address::parse(text)?;
    if address.has_password {
        return Err(format!(
            "the {option} address holds a password, which every user of this machine can              read (ps); give it without the password ({}) and set {PASSWORD_VARIABLE} instead",
            address.shown.replacen(":***@", "@", 1)
        ));
    }
    let Ok(password) = std::env::var(PASSWORD_VARIABLE) else {
        return Ok(text.to_owned());
    };
    let rest = text.strip_prefix("amqp://").unwrap_or(text);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.rsplit_once('@') {
        Some((user, _)) => Ok(format!(
            "amqp://{user}:{password}@{}",
            &rest[user.len() + 1..]
        )),
        // No user named: the password alone means nothing to AMQP.
        None => Ok(text.to_owned()),
    }
}

/// `text` with the password of its `user:password@` replaced by `***`.
/// Whatever the text is (a well-formed address or not): everything
/// between the scheme (or the start) and the last `@` after the first
/// `:` there is taken for a password, so that one holding `/`, `@` or
/// `:` is hidden too.
fn hide_password(text: &str) -> String {
    let Some(at) = text.rfind('@') else {
        return text.to_owned();
    };
    let start = text.find("://").map_or(0, |i| i + 3).min(at);
    match text[start..at].find(':') {
        Some(colon) => format!("{}:***{}", &text[..start + colon], &text[at..]),
        None => text.to_owned(),
    }
}

/// One message on the exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Always "dscope": what a subscriber checks first.
    pub from: String,
    /// The sender's dscope version.
    pub version: String,
    /// The machine the run is on.
    pub host: String,
    /// The script's name.
    pub script: String,
    /// Seconds since tracing started.
    pub t: f64,
    #[serde(flatten)]
    pub body: Body,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Body {
    Snapshot {
        snapshot: Snapshot,
    },
    /// The run ended: how (`end`, as `dscope run --format json` says
    /// it), or why it could not run or go on (`failed`).
    End {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end: Option<crate::model::RunEnd>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        failed: Option<String>,
    },
}

impl Body {
    /// The end of a run that ended as `end` says, or failed as `failure`
    /// says when it did not end of itself.
    pub fn end(end: Option<&crate::model::RunEnd>, failure: Option<&str>) -> Body {
        Body::End {
            end: end.copied(),
            failed: end.is_none().then(|| failure.map(str::to_owned)).flatten(),
        }
    }

    /// How a run ended, in words: "ended by exit(0)", "failed: why".
    pub fn describe_end(end: Option<&crate::model::RunEnd>, failed: Option<&str>) -> String {
        match (end, failed) {
            (Some(end), _) => end.describe(),
            (None, Some(why)) => format!("failed: {why}"),
            (None, None) => "ended".into(),
        }
    }
}

impl Message {
    pub fn new(host: &str, script: &str, t: f64, body: Body) -> Message {
        Message {
            from: "dscope".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            host: host.into(),
            script: script.into(),
            t,
            body,
        }
    }
}

/// This machine's name, as messages name their sender.
pub fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::process::Command::new("hostname")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

fn runtime() -> async_rs::SmolRuntime {
    async_rs::Runtime::smol()
}

/// Connects and opens a channel with `address`'s exchange there: the
/// exchange is used as it is when it exists, and made (fanout, not
/// durable) when it does not.
async fn open(address: &Address, name: &str) -> Result<(Connection, Channel), String> {
    let said = |what: &str, e: lapin::Error| format!("{what} {}: {e}", address.shown);
    let props = ConnectionProperties::default().with_connection_name(name.into());
    let connection = Connection::connect_with_runtime(&address.broker, props, runtime())
        .await
        .map_err(|e| said("cannot connect to", e))?;
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| said("cannot open a channel on", e))?;
    let passive = ExchangeDeclareOptions {
        passive: true,
        ..ExchangeDeclareOptions::default()
    };
    let exchange = address.exchange.as_str();
    let found = channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Fanout,
            passive,
            FieldTable::default(),
        )
        .await;
    if found.is_ok() {
        return Ok((connection, channel));
    }
    // A passive declare of a missing exchange closes the channel.
    let channel = connection
        .create_channel()
        .await
        .map_err(|e| said("cannot open a channel on", e))?;
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(|e| said(&format!("cannot make the exchange {exchange} on"), e))?;
    Ok((connection, channel))
}

/// Publishes runs' messages to an exchange.
pub struct Publisher {
    connection: Connection,
    channel: Channel,
    address: Address,
}

impl Publisher {
    pub fn connect(address: &Address) -> Result<Publisher, String> {
        let (connection, channel) = runtime().block_on(open(address, "dscope run --publish"))?;
        Ok(Publisher {
            connection,
            channel,
            address: address.clone(),
        })
    }

    /// Publishes with the message's host as the routing key, so that a
    /// fleet run here sends each host's messages under that host's name.
    pub fn publish(&mut self, message: &Message) -> Result<(), String> {
        let body = serde_json::to_vec(message).map_err(|e| e.to_string())?;
        let props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_app_id("dscope".into());
        let publish = async {
            let sent = self
                .channel
                .basic_publish(
                    self.address.exchange.as_str().into(),
                    message.host.as_str().into(),
                    BasicPublishOptions::default(),
                    &body,
                    props,
                )
                .await;
            Some(match sent {
                Ok(confirm) => confirm.await.map(|_| ()),
                Err(e) => Err(e),
            })
        };
        // A broker that stops reading (a resource alarm) must not hold
        // the run up: the run goes on without publishing.
        let gave_up = async {
            async_io::Timer::after(PUBLISH_TIMEOUT).await;
            None
        };
        match runtime().block_on(futures_lite::future::or(publish, gave_up)) {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(format!("cannot publish to {}: {e}", self.address.shown)),
            None => Err(format!(
                "{} took more than {} s to take a snapshot",
                self.address.shown,
                PUBLISH_TIMEOUT.as_secs()
            )),
        }
    }

    /// Closes the connection, so that what was published is delivered
    /// before this process ends.
    pub fn close(self) {
        let _ = runtime().block_on(self.connection.close(200, "run ended".into()));
    }
}

/// What a subscription hands on.
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// Subscribed: messages published from now on arrive.
    Subscribed,
    Message(Message),
    /// Something on the exchange that is no dscope message.
    Foreign,
    /// A message larger than [`Limits::max_message`], left unread.
    TooLarge(usize),
    /// The subscription ended (could not connect, the broker went).
    Ended(String),
}

/// A subscription to an exchange, on a thread of its own: its messages
/// wait in a channel for [`Subscription::try_recv`]. Dropping it ends it.
pub struct Subscription {
    pub address: Address,
    received: crossbeam_channel::Receiver<Received>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Subscription {
    /// Subscribes to `address`'s exchange; `waker` is called after each
    /// thing received, so a window can repaint.
    pub fn start(address: Address, waker: Option<crate::session::Waker>) -> Subscription {
        Subscription::with_limits(address, LIMITS, waker)
    }

    /// [`Subscription::start`] with other limits than [`LIMITS`].
    pub fn with_limits(
        address: Address,
        limits: Limits,
        waker: Option<crate::session::Waker>,
    ) -> Subscription {
        // Few: each may be a large snapshot, and the broker keeps the rest.
        let (tx, received) = crossbeam_channel::bounded(usize::from(PREFETCH));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (a, halt) = (address.clone(), stop.clone());
        let send = move |r: Received| {
            let ok = tx.send(r).is_ok();
            if let Some(w) = &waker {
                w();
            }
            ok
        };
        std::thread::Builder::new()
            .name("dscope-amqp".into())
            .spawn(move || {
                let ended = runtime().block_on(subscribe(&a, limits, &halt, &send));
                if !halt.load(std::sync::atomic::Ordering::SeqCst) {
                    send(Received::Ended(ended));
                }
            })
            .expect("a thread can be started");
        Subscription {
            address,
            received,
            stop,
        }
    }

    pub fn try_recv(&self) -> Option<Received> {
        self.received.try_recv().ok()
    }

    pub fn recv_timeout(&self, timeout: std::time::Duration) -> Option<Received> {
        self.received.recv_timeout(timeout).ok()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The state of a [`Watch`]'s subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Connecting,
    Subscribed,
    Ended(String),
}

/// How much a subscription takes from an exchange that anyone may publish
/// to; each is named in the message when hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Feeds (a host and a script) followed at once; a new one past it is
    /// refused until one is forgotten.
    pub max_feeds: usize,
    /// A feed silent this long is forgotten: it leaves the hosts list and
    /// its last snapshot leaves the merge.
    pub forget_after: std::time::Duration,
    /// The largest message read, in bytes.
    pub max_message: usize,
}

/// The limits of a window's subscription.
pub const LIMITS: Limits = Limits {
    max_feeds: 256,
    forget_after: std::time::Duration::from_secs(300),
    max_message: crate::lines::MAX_MESSAGE,
};

/// Messages the broker sends before the oldest is acknowledged: a
/// subscriber that falls behind leaves the rest in its queue there.
const PREFETCH: u16 = 16;

/// Messages (and bytes) the subscriber's queue keeps on the broker while
/// it falls behind; the oldest go first. Each message is a whole
/// snapshot, so the newest are all a late reader needs.
const QUEUE_MESSAGES: i64 = 1024;
const QUEUE_BYTES: i64 = 512 << 20;

/// The runs of one script on one host, as published on the exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub host: String,
    pub script: String,
    /// When a message last came from it.
    pub heard: std::time::Instant,
    /// How its run ended, once it has (a snapshot after that is a new run).
    pub ended: Option<String>,
}

/// What a [`Watch`] has for its window; [`Watch::take`] hands it on.
#[derive(Debug, Clone)]
pub struct Watched {
    pub state: State,
    /// Every feed heard from and not forgotten, in the order first heard.
    /// Shared, so that a window taking it every frame copies nothing.
    pub feeds: std::sync::Arc<Vec<Feed>>,
    /// Messages on the exchange that were no dscope's.
    pub foreign: usize,
    /// The feeds' last snapshots merged, when merged again since the last
    /// take.
    pub merged: Option<Snapshot>,
    /// Problems of the merges since the last take, each said once.
    pub problems: Vec<String>,
}

/// A subscription whose feeds are kept and merged on a thread of its
/// own, so that a window's thread never waits for the merge of a large
/// fleet (`cargo bench --bench merge`: 16 hosts of 10,000 keys take
/// about 100 ms). Each feed's last snapshot is merged with the others',
/// the host as the first key part (with the script too, `host
/// (script)`, when one host publishes two), once one changed but at
/// most every `every`. Dropping it ends it.
pub struct Watch {
    pub address: Address,
    shared: std::sync::Arc<std::sync::Mutex<Watched>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Watch {
    /// Subscribes to `address`'s exchange; `waker` is called whenever
    /// there is something new to take.
    pub fn start(
        address: Address,
        every: std::time::Duration,
        waker: Option<crate::session::Waker>,
    ) -> Watch {
        Watch::with_limits(address, every, LIMITS, waker)
    }

    /// [`Watch::start`] with other limits than [`LIMITS`].
    pub fn with_limits(
        address: Address,
        every: std::time::Duration,
        limits: Limits,
        waker: Option<crate::session::Waker>,
    ) -> Watch {
        let shared = std::sync::Arc::new(std::sync::Mutex::new(Watched {
            state: State::Connecting,
            feeds: std::sync::Arc::default(),
            foreign: 0,
            merged: None,
            problems: Vec::new(),
        }));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let sub = Subscription::with_limits(address.clone(), limits, None);
        let (into, halt) = (shared.clone(), stop.clone());
        std::thread::Builder::new()
            .name("dscope-watch".into())
            .spawn(move || {
                let wake = || {
                    if let Some(w) = &waker {
                        w();
                    }
                };
                watch(&sub, every, limits, &into, &halt, &wake);
            })
            .expect("a thread can be started");
        Watch {
            address,
            shared,
            stop,
        }
    }

    /// What there is now: the state, feeds and count as they are, and the
    /// merge and problems that came since the last take.
    pub fn take(&self) -> Watched {
        let mut shared = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        Watched {
            state: shared.state.clone(),
            feeds: shared.feeds.clone(),
            foreign: shared.foreign,
            merged: shared.merged.take(),
            problems: std::mem::take(&mut shared.problems),
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// A [`Watch`]'s feeds and their last snapshots, within its [`Limits`].
#[derive(Default)]
pub struct Feeds {
    pub feeds: std::sync::Arc<Vec<Feed>>,
    lasts: Vec<Option<Snapshot>>,
    /// Whether the refusal of a feed past the limit was said: once until
    /// one is accepted again.
    refusing: bool,
}

impl Feeds {
    /// Takes one message in; a problem to say when its feed is one too
    /// many. True in `.0` when the merge changed.
    pub fn hear(
        &mut self,
        m: Message,
        now: std::time::Instant,
        limits: &Limits,
    ) -> (bool, Option<String>) {
        // Two scripts publishing from one host are two feeds.
        let i = match self
            .feeds
            .iter()
            .position(|f| f.host == m.host && f.script == m.script)
        {
            Some(i) => i,
            None if self.feeds.len() >= limits.max_feeds => {
                if std::mem::replace(&mut self.refusing, true) {
                    return (false, None);
                }
                return (
                    false,
                    Some(format!(
                        "{} ({}) and other new hosts are left out: dscope follows at most {} \
                         at once; a host silent for {} s makes room",
                        m.host,
                        m.script,
                        limits.max_feeds,
                        limits.forget_after.as_secs()
                    )),
                );
            }
            None => {
                self.refusing = false;
                std::sync::Arc::make_mut(&mut self.feeds).push(Feed {
                    host: m.host,
                    script: m.script,
                    heard: now,
                    ended: None,
                });
                self.lasts.push(None);
                self.feeds.len() - 1
            }
        };
        let feed = &mut std::sync::Arc::make_mut(&mut self.feeds)[i];
        feed.heard = now;
        match m.body {
            Body::Snapshot { snapshot } => {
                // A new run on that host.
                feed.ended = None;
                self.lasts[i] = Some(snapshot);
                (true, None)
            }
            Body::End { end, failed } => {
                feed.ended = Some(Body::describe_end(end.as_ref(), failed.as_deref()));
                (false, None)
            }
        }
    }

    /// Forgets the feeds silent for [`Limits::forget_after`]; says which.
    /// True in `.0` when the merge changed.
    pub fn forget_silent(
        &mut self,
        now: std::time::Instant,
        limits: &Limits,
    ) -> (bool, Vec<String>) {
        let silent = |f: &Feed| now.saturating_duration_since(f.heard) >= limits.forget_after;
        if !self.feeds.iter().any(silent) {
            return (false, Vec::new());
        }
        let names = self.names();
        let mut said = Vec::new();
        let mut changed = false;
        let mut kept_feeds = Vec::with_capacity(self.feeds.len());
        let mut kept_lasts = Vec::with_capacity(self.feeds.len());
        for ((feed, last), name) in self.feeds.iter().zip(self.lasts.drain(..)).zip(names) {
            if silent(feed) {
                changed |= last.is_some();
                said.push(format!(
                    "{name}: nothing for {} s, so it is left out of the merge and the hosts",
                    limits.forget_after.as_secs()
                ));
            } else {
                kept_feeds.push(feed.clone());
                kept_lasts.push(last);
            }
        }
        self.feeds = std::sync::Arc::new(kept_feeds);
        self.lasts = kept_lasts;
        (changed, said)
    }

    /// Each feed's name in the merge: its host, with the script too
    /// (`host (script)`) when one host publishes two.
    pub fn names(&self) -> Vec<String> {
        let mut per_host: std::collections::HashMap<&str, usize> = Default::default();
        for f in self.feeds.iter() {
            *per_host.entry(f.host.as_str()).or_default() += 1;
        }
        self.feeds
            .iter()
            .map(|f| {
                if per_host[f.host.as_str()] > 1 {
                    format!("{} ({})", f.host, f.script)
                } else {
                    f.host.clone()
                }
            })
            .collect()
    }

    /// The feeds' last snapshots, by name, for the merge.
    pub fn sources<'a>(&'a self, names: &'a [String]) -> Vec<(&'a str, &'a Snapshot)> {
        names
            .iter()
            .zip(&self.lasts)
            .filter_map(|(name, last)| last.as_ref().map(|s| (name.as_str(), s)))
            .collect()
    }
}

/// A [`Watch`]'s thread: takes what `sub` receives into `shared` and
/// merges, until `halt` or the subscription ended and its last merge is
/// made.
fn watch(
    sub: &Subscription,
    every: std::time::Duration,
    limits: Limits,
    shared: &std::sync::Mutex<Watched>,
    halt: &std::sync::atomic::AtomicBool,
    wake: &dyn Fn(),
) {
    use crossbeam_channel::RecvTimeoutError;
    use std::time::{Duration, Instant};
    // How often `halt` and silent feeds are looked at while nothing comes.
    const LOOK: Duration = Duration::from_millis(250);
    let lock = || shared.lock().unwrap_or_else(|p| p.into_inner());
    let mut feeds = Feeds::default();
    let mut merges = crate::fleet::Merges::new(every);
    let mut ended = false;
    let mut too_large_said = false;
    while !halt.load(std::sync::atomic::Ordering::SeqCst) {
        let wait = merges.due_in().unwrap_or(LOOK).min(LOOK);
        let mut got = Vec::new();
        if ended {
            match merges.due_in() {
                Some(w) => std::thread::sleep(w),
                None => return,
            }
        } else {
            match sub.received.recv_timeout(wait) {
                Ok(r) => {
                    got.push(r);
                    got.extend(std::iter::from_fn(|| sub.try_recv()));
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    ended = true;
                    let mut s = lock();
                    if !matches!(s.state, State::Ended(_)) {
                        s.state = State::Ended("the subscription ended".into());
                        drop(s);
                        wake();
                    }
                }
            }
        }
        let now = Instant::now();
        let mut problems = Vec::new();
        let mut state = None;
        let mut foreign = 0;
        for r in got.drain(..) {
            match r {
                Received::Subscribed => state = Some(State::Subscribed),
                Received::Foreign => foreign += 1,
                Received::TooLarge(bytes) => {
                    if !std::mem::replace(&mut too_large_said, true) {
                        problems.push(format!(
                            "a message of {} on {} was left unread: dscope reads \
                             messages up to {}",
                            crate::lines::human_size(bytes as u64),
                            sub.address.shown,
                            crate::lines::human_size(limits.max_message as u64)
                        ));
                    }
                }
                Received::Ended(why) => {
                    ended = true;
                    state = Some(State::Ended(why));
                }
                Received::Message(m) => {
                    let (changed, problem) = feeds.hear(m, now, &limits);
                    if changed {
                        merges.changed();
                    }
                    problems.extend(problem);
                }
            }
            // Anything heard is news for the window.
            state.get_or_insert_with(|| lock().state.clone());
        }
        let (forgot, said) = feeds.forget_silent(now, &limits);
        if forgot {
            merges.changed();
        }
        problems.extend(said);
        if state.is_some() || !problems.is_empty() || foreign > 0 {
            let mut s = lock();
            if let Some(state) = state {
                s.state = state;
            }
            s.foreign += foreign;
            s.feeds = feeds.feeds.clone();
            s.problems.extend(problems);
            drop(s);
            wake();
        }
        if merges.due_in() != Some(Duration::ZERO) {
            continue;
        }
        let names = feeds.names();
        let (merged, problems) = merges.merge(&feeds.sources(&names));
        let mut s = lock();
        let untaken = s.merged.replace(merged);
        s.problems.extend(problems);
        drop(s);
        // A large merge the window did not take is freed unlocked.
        drop(untaken);
        wake();
    }
}

/// Consumes from a queue of our own bound to the exchange until `halt`
/// or the broker ends it; why it ended.
async fn subscribe(
    address: &Address,
    limits: Limits,
    halt: &std::sync::atomic::AtomicBool,
    send: &(dyn Fn(Received) -> bool + Sync),
) -> String {
    let said = |what: &str, e: lapin::Error| format!("{what} {}: {e}", address.shown);
    let (connection, channel) = match open(address, "dscope subscription").await {
        Ok(c) => c,
        Err(e) => return e,
    };
    // A queue for this window alone, gone when it disconnects, and
    // bounded: a flood waits there, the oldest dropped, not here.
    let mut bounds = FieldTable::default();
    bounds.insert(
        "x-max-length".into(),
        AMQPValue::LongLongInt(QUEUE_MESSAGES),
    );
    bounds.insert(
        "x-max-length-bytes".into(),
        AMQPValue::LongLongInt(QUEUE_BYTES),
    );
    let queue = match channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            bounds,
        )
        .await
    {
        Ok(q) => q,
        Err(e) => return said("cannot make a queue on", e),
    };
    if let Err(e) = channel
        .queue_bind(
            queue.name().as_str().into(),
            address.exchange.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
    {
        return said("cannot bind to the exchange on", e);
    }
    if let Err(e) = channel
        .basic_qos(PREFETCH, BasicQosOptions::default())
        .await
    {
        return said("cannot limit what is sent ahead on", e);
    }
    // Acknowledged one by one, so that at most PREFETCH are on their way.
    let mut consumer = match channel
        .basic_consume(
            queue.name().as_str().into(),
            "dscope".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
    {
        Ok(c) => c,
        Err(e) => return said("cannot consume from", e),
    };
    if !send(Received::Subscribed) {
        return String::new();
    }
    loop {
        if halt.load(std::sync::atomic::Ordering::SeqCst) {
            let _ = connection.close(200, "unsubscribed".into()).await;
            return String::new();
        }
        // Wakes now and then to see `halt`.
        let next = futures_lite::future::or(async { Some(consumer.next().await) }, async {
            async_io::Timer::after(std::time::Duration::from_millis(250)).await;
            None
        })
        .await;
        let delivery = match next {
            None => continue,
            Some(None) => return format!("the broker ended the subscription to {}", address.shown),
            Some(Some(Err(e))) => return said("lost the subscription to", e),
            Some(Some(Ok(d))) => d,
        };
        let received = read_message(&delivery.data, &limits);
        drop(delivery.data);
        if !send(received) {
            return String::new();
        }
        if let Err(e) = delivery.acker.ack(BasicAckOptions::default()).await {
            return said("lost the subscription to", e);
        }
    }
}

/// What one message's bytes are, within `limits`.
pub fn read_message(data: &[u8], limits: &Limits) -> Received {
    if data.len() > limits.max_message {
        return Received::TooLarge(data.len());
    }
    match serde_json::from_slice::<Message>(data) {
        Ok(m) if m.from == "dscope" => Received::Message(m),
        _ => Received::Foreign,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_give_the_broker_vhost_and_exchange() {
        let a = Address::parse("amqp://broker/snaps").unwrap();
        assert_eq!(a.broker, "amqp://broker:5672/%2f");
        assert_eq!(a.exchange, "snaps");
        let a = Address::parse("amqp://ops:s3cret@mq.example:5673/prod/snaps").unwrap();
        assert_eq!(a.broker, "amqp://ops:s3cret@mq.example:5673/prod");
        assert_eq!(a.shown, "amqp://ops:***@mq.example:5673/prod/snaps");
        assert_eq!(format!("{a:?}"), a.shown);
        // From a command line: no password there, one from the
        // environment instead (tests run in one process: the variable is
        // read only where it is set below).
        let e = from_command_line("amqp://ops:s3cret@mq/x", "--publish").unwrap_err();
        assert!(!e.contains("s3cret"), "{e}");
        assert!(
            e.contains("amqp://ops@mq/x") && e.contains(PASSWORD_VARIABLE),
            "{e}"
        );
        assert_eq!(
            from_command_line("amqp://mq/x", "--publish").as_deref(),
            Ok("amqp://mq/x")
        );
        let a = Address::parse("amqp://[::1]:5672/x").unwrap();
        assert_eq!(a.broker, "amqp://[::1]:5672/%2f");
        let a = Address::parse("amqp://[::1]/x").unwrap();
        assert_eq!(a.broker, "amqp://[::1]:5672/%2f");
        // A password is hidden however the address is written.
        for text in [
            "amqp://ops:pa/ss@mq/x",
            "amqp:/ops:pass@mq/x",
            "ops:pass@mq/x",
            "amqp://ops:p@ss@mq/x",
        ] {
            let shown = hide_password(text);
            assert!(!shown.contains("pa"), "{text} -> {shown}");
            assert!(shown.contains(":***@"), "{text} -> {shown}");
            if let Err(e) = Address::parse(text) {
                assert!(!e.contains("pa"), "{e}");
            }
        }
        for (bad, says) in [
            ("amqps://b/x", "TLS"),
            ("http://b/x", "amqp://"),
            ("amqp://b", "no exchange"),
            ("amqp://b/", "no exchange"),
            ("amqp:///x", "no broker host"),
            ("amqp://b:0/x", "port"),
            ("amqp://b/v/x/y", "/VHOST/EXCHANGE"),
            ("amqp://u:pw@b/amq.direct", "amq.*"),
        ] {
            let e = Address::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
            assert!(!e.contains("pw"), "{e}");
        }
    }

    #[test]
    fn a_message_is_json_that_says_who_sent_it() {
        let m = Message::new(
            "web1",
            "x.d",
            1.5,
            Body::End {
                end: Some(crate::model::RunEnd::Stopped),
                failed: None,
            },
        );
        let text = serde_json::to_string(&m).unwrap();
        assert!(text.contains(r#""from":"dscope""#), "{text}");
        assert!(text.contains(r#""type":"end""#), "{text}");
        assert_eq!(serde_json::from_str::<Message>(&text).unwrap(), m);
        let snap = crate::model::fixtures::counts(&[("bash", 3)]);
        let m = Message::new("web1", "x.d", 2.0, Body::Snapshot { snapshot: snap });
        let back: Message = serde_json::from_slice(&serde_json::to_vec(&m).unwrap()).unwrap();
        assert_eq!(back, m);
    }

    fn snap() -> Body {
        Body::Snapshot {
            snapshot: Snapshot::default(),
        }
    }

    #[test]
    fn feeds_past_the_limit_are_refused_and_said_once() {
        let limits = Limits {
            max_feeds: 3,
            ..LIMITS
        };
        let now = std::time::Instant::now();
        let mut feeds = Feeds::default();
        let mut said = Vec::new();
        for i in 0..10 {
            let (_, p) = feeds.hear(
                Message::new(&format!("h{i}"), "x.d", 1.0, snap()),
                now,
                &limits,
            );
            said.extend(p);
        }
        assert_eq!(feeds.feeds.len(), 3);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("h3 (x.d) and other new hosts are left out"),
            "{said:?}"
        );
        assert!(said[0].contains("at most 3"), "{said:?}");
        // A feed already followed is still heard.
        let (changed, p) = feeds.hear(Message::new("h1", "x.d", 2.0, snap()), now, &limits);
        assert!(changed && p.is_none());
    }

    #[test]
    fn silent_feeds_are_forgotten_and_make_room() {
        let limits = Limits {
            max_feeds: 2,
            forget_after: std::time::Duration::from_secs(60),
            ..LIMITS
        };
        let t0 = std::time::Instant::now();
        let later = t0 + std::time::Duration::from_secs(61);
        let mut feeds = Feeds::default();
        feeds.hear(Message::new("quiet", "x.d", 1.0, snap()), t0, &limits);
        feeds.hear(Message::new("busy", "x.d", 1.0, snap()), t0, &limits);
        feeds.hear(Message::new("busy", "x.d", 2.0, snap()), later, &limits);
        let (changed, said) = feeds.forget_silent(later, &limits);
        assert!(changed);
        assert_eq!(
            said,
            ["quiet: nothing for 60 s, so it is left out of the merge and the hosts"]
        );
        let names = feeds.names();
        assert_eq!(names, ["busy"]);
        assert_eq!(feeds.sources(&names).len(), 1);
        // Its place is free for a new host.
        let (_, p) = feeds.hear(Message::new("new", "x.d", 1.0, snap()), later, &limits);
        assert!(p.is_none());
        assert_eq!(feeds.feeds.len(), 2);
        assert_eq!(feeds.forget_silent(later, &limits), (false, Vec::new()));
    }

    #[test]
    fn one_host_with_two_scripts_is_named_with_each() {
        let now = std::time::Instant::now();
        let mut feeds = Feeds::default();
        for (host, script) in [("web1", "a.d"), ("db", "a.d"), ("web1", "b.d")] {
            feeds.hear(Message::new(host, script, 1.0, snap()), now, &LIMITS);
        }
        assert_eq!(feeds.names(), ["web1 (a.d)", "db", "web1 (b.d)"]);
    }

    #[test]
    fn a_message_past_the_limit_is_not_read() {
        let limits = Limits {
            max_message: 64,
            ..LIMITS
        };
        let m = serde_json::to_vec(&Message::new("web1", "x.d", 1.0, snap())).unwrap();
        assert!(m.len() > 64);
        assert_eq!(read_message(&m, &limits), Received::TooLarge(m.len()));
        assert!(matches!(read_message(&m, &LIMITS), Received::Message(_)));
        assert_eq!(read_message(b"\xff{", &LIMITS), Received::Foreign);
        let other = br#"{"from":"else","version":"1","host":"h","script":"s","t":0,"type":"end","end":"x"}"#;
        assert_eq!(read_message(other, &LIMITS), Received::Foreign);
    }
}
