//! Publishing: a run's snapshots and its end sent to an exchange.

use super::{Address, Body, Message, PUBLISH_TIMEOUT, open, runtime};
use crate::model::Event;
use async_rs::traits::*;
use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Channel, Connection};

/// A run's snapshots and its end, published as they come under one
/// host's name: a run's sink.
pub struct PublishSink {
    publisher: Option<Publisher>,
    pub host: String,
    pub script: String,
}

impl PublishSink {
    pub fn new(publisher: Publisher, host: &str, script: &str) -> PublishSink {
        PublishSink {
            publisher: Some(publisher),
            host: host.to_owned(),
            script: script.to_owned(),
        }
    }
}

impl Message {
    /// What a run's event is as a message, if it is one: a snapshot, or
    /// the run's end.
    pub fn of_event(host: &str, script: &str, t: f64, event: &Event) -> Option<Message> {
        let body = match event {
            Event::Snapshot(s) => Body::Snapshot {
                snapshot: s.clone(),
            },
            Event::Finished(finish) => Body::end(finish),
            _ => return None,
        };
        Some(Message::new(host, script, t, body))
    }
}

impl crate::sink::Sink for PublishSink {
    fn take(&mut self, t: f64, event: &Event) -> Result<(), String> {
        let Some(message) = Message::of_event(&self.host, &self.script, t, event) else {
            return Ok(());
        };
        let Some(publisher) = &mut self.publisher else {
            return Ok(());
        };
        let sent = publisher.publish(&message);
        if matches!(event, Event::Finished(_))
            && let Some(p) = self.publisher.take()
        {
            p.close();
            return sent;
        }
        sent.map_err(|e| format!("{e}; the run goes on without publishing"))
    }
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
        self.publish_as(message, &message.host)
    }

    /// Publishes with `routing_key`.
    pub fn publish_as(&mut self, message: &Message, routing_key: &str) -> Result<(), String> {
        let body = serde_json::to_vec(message).map_err(|e| e.to_string())?;
        let props = BasicProperties::default()
            .with_content_type("application/json".into())
            .with_app_id("dscope".into());
        let publish = async {
            let sent = self
                .channel
                .basic_publish(
                    self.address.exchange.as_str().into(),
                    routing_key.into(),
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

/// Sends each alert to the exchange, with the routing key `alert.HOST`.
pub struct AlertPublisher {
    publisher: Publisher,
    host: String,
}

impl AlertPublisher {
    pub fn new(publisher: Publisher, host: &str) -> AlertPublisher {
        AlertPublisher {
            publisher,
            host: host.to_owned(),
        }
    }
}

impl crate::alerts::Action for AlertPublisher {
    fn act(&mut self, alert: &crate::alerts::Alert) -> Result<(), String> {
        let body = Body::Alert {
            line: alert.line(),
            alert: serde_json::to_value(alert).map_err(|e| e.to_string())?,
        };
        let message = Message::new(&self.host, &alert.script, alert.t, body);
        self.publisher
            .publish_as(&message, &format!("alert.{}", self.host))
    }
}
