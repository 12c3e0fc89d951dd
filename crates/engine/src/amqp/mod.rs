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
use lapin::options::ExchangeDeclareOptions;
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
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
    /// A rule fired or cleared (see [`crate::alerts`]): in words, and the
    /// alert as its command is given it. Sent with the routing key
    /// `alert.HOST`.
    Alert {
        line: String,
        alert: serde_json::Value,
    },
}

impl Body {
    /// The end of a run that ended as `finish` says.
    pub fn end(finish: &crate::model::Finish) -> Body {
        Body::End {
            end: finish.as_ref().ok().copied(),
            failed: finish.as_ref().err().cloned(),
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

mod publish;
mod subscribe;

pub use publish::{AlertPublisher, PublishSink, Publisher};
pub use subscribe::*;

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
