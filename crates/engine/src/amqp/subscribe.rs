//! Subscribing: the messages of an exchange that anyone may publish to,
//! taken within limits, kept per feed and merged.

use super::{Address, Body, Message, open, runtime};
use crate::model::Snapshot;
use async_rs::traits::*;
use futures_lite::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, BasicQosOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::{AMQPValue, FieldTable};

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
    pub fn start(address: Address, waker: Option<crate::sink::Waker>) -> Subscription {
        Subscription::with_limits(address, LIMITS, waker)
    }

    /// [`Subscription::start`] with other limits than [`LIMITS`].
    pub fn with_limits(
        address: Address,
        limits: Limits,
        waker: Option<crate::sink::Waker>,
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
        waker: Option<crate::sink::Waker>,
    ) -> Watch {
        Watch::with_limits(address, every, LIMITS, waker)
    }

    /// [`Watch::start`] with other limits than [`LIMITS`].
    pub fn with_limits(
        address: Address,
        every: std::time::Duration,
        limits: Limits,
        waker: Option<crate::sink::Waker>,
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
        if let Body::Alert { line, .. } = &m.body {
            return (false, Some(format!("{}: {line}", m.host)));
        }
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
            Body::Alert { .. } => (false, None),
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
