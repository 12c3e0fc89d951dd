//! An AMQP exchange watched live (File > Subscribe…): every host that
//! publishes there (`dscope run --publish`), its last snapshot merged
//! with the others' (the host as the first key part, as a fleet run
//! merges them), every view over time since subscribing, and a list of
//! the hosts with when each was last heard from and how its run ended.

use super::charts::{AggregationsView, ChartAction, TimeView};
pub use crate::amqp::State;
use crate::amqp::{Address, Feed, Watch};
use crate::history::History;
use crate::model::Snapshot;
use chrono::{DateTime, Local};
use egui::{Key, RichText, TextEdit, Ui};
use std::time::{Duration, Instant};

/// A host is said to be silent when nothing came from it for this long
/// while its run had not ended: publishers send at least once a second.
pub const SILENT_AFTER: Duration = Duration::from_secs(10);

/// Problems shown at once, the newest.
const MAX_PROBLEMS: usize = 12;

pub enum SubscriptionAction {
    Close,
    Chart(ChartAction),
}

pub struct SubscriptionView {
    /// Receives and merges on a thread of its own.
    watch: Watch,
    pub state: State,
    feeds: std::sync::Arc<Vec<Feed>>,
    since: Instant,
    started: DateTime<Local>,
    history: History,
    snapshot: Snapshot,
    generation: u64,
    /// Messages that were no dscope's, and problems of the merge.
    pub foreign: usize,
    problems: Vec<String>,
    pub charts: AggregationsView,
}

impl SubscriptionView {
    pub fn new(address: Address, waker: Option<crate::session::Waker>) -> SubscriptionView {
        SubscriptionView {
            watch: Watch::start(address, crate::fleet::MERGE_EVERY, waker),
            state: State::Connecting,
            feeds: Default::default(),
            since: Instant::now(),
            started: Local::now(),
            history: History::new(crate::history::DEFAULT_CAPACITY),
            snapshot: Snapshot::default(),
            generation: 0,
            foreign: 0,
            problems: Vec::new(),
            charts: AggregationsView::default(),
        }
    }

    /// The views, with the snapshot and the history they show.
    pub fn parts_mut(&mut self) -> (&mut AggregationsView, &Snapshot, &History) {
        (&mut self.charts, &self.snapshot, &self.history)
    }

    pub fn address(&self) -> &Address {
        &self.watch.address
    }

    /// The hosts heard from, in the order first heard.
    pub fn hosts(&self) -> Vec<&str> {
        self.feeds.iter().map(|f| f.host.as_str()).collect()
    }

    /// Every host's last snapshot, merged.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// Takes what the subscription's thread has: the hosts, and the
    /// merged snapshot when it was made again.
    pub fn poll(&mut self) {
        let w = self.watch.take();
        self.state = w.state;
        self.feeds = w.feeds;
        self.foreign = w.foreign;
        for p in w.problems {
            if !self.problems.contains(&p) {
                self.problems.push(p);
            }
        }
        // The newest few: a publisher that keeps causing them must not
        // grow the window without end.
        let over = self.problems.len().saturating_sub(MAX_PROBLEMS);
        self.problems.drain(..over);
        if let Some(merged) = w.merged {
            self.history
                .push(self.since.elapsed().as_secs_f64(), &merged);
            self.snapshot = merged;
            self.generation += 1;
        }
    }

    pub fn ui(&mut self, ui: &mut Ui) -> Option<SubscriptionAction> {
        let mut action = None;
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("Subscribed to {}", self.watch.address.shown));
            match &self.state {
                State::Connecting => {
                    ui.label("connecting…");
                }
                State::Subscribed => {
                    // Two scripts from one host are two feeds, one host.
                    let mut hosts = self.hosts();
                    hosts.sort_unstable();
                    hosts.dedup();
                    let n = hosts.len();
                    ui.label(format!(
                        "{n} host{} heard from",
                        if n == 1 { "" } else { "s" }
                    ));
                }
                State::Ended(why) => {
                    ui.colored_label(ui.visuals().error_fg_color, format!("ended: {why}"));
                }
            }
            if ui.button("Unsubscribe").clicked() {
                action = Some(SubscriptionAction::Close);
            }
        });
        if self.foreign > 0 {
            ui.label(
                RichText::new(format!(
                    "{} message(s) on the exchange were not dscope's and were left out",
                    self.foreign
                ))
                .color(ui.visuals().warn_fg_color),
            );
        }
        for p in &self.problems {
            ui.label(RichText::new(p).color(ui.visuals().warn_fg_color));
        }
        if self.feeds.is_empty() && self.state == State::Subscribed {
            ui.label(
                "Nothing published yet. Hosts publish with: dscope run --publish ADDRESS script.d",
            );
        }
        egui::CollapsingHeader::new(format!("Hosts ({})", self.feeds.len()))
            .id_salt("subscription-hosts")
            .default_open(true)
            .show(ui, |ui| {
                egui::Grid::new("subscription-hosts-grid")
                    .striped(true)
                    .num_columns(4)
                    .show(ui, |ui| {
                        ui.strong("host");
                        ui.strong("script");
                        ui.strong("last heard");
                        ui.strong("run");
                        ui.end_row();
                        for f in self.feeds.iter() {
                            let ago = f.heard.elapsed();
                            ui.label(&f.host);
                            ui.label(&f.script);
                            ui.label(format!("{} s ago", ago.as_secs()));
                            match &f.ended {
                                Some(end) => ui.label(end.as_str()),
                                None if ago > SILENT_AFTER => ui.colored_label(
                                    ui.visuals().warn_fg_color,
                                    format!("silent for {} s", ago.as_secs()),
                                ),
                                None => ui.label("publishing"),
                            };
                            ui.end_row();
                        }
                    });
            });
        ui.separator();
        let time = TimeView {
            history: &self.history,
            started: Some(self.started),
            cursor: None,
            watch: None,
        };
        if let Some(a) = self
            .charts
            .show(ui, Some(&self.snapshot), self.generation, time)
        {
            action = Some(SubscriptionAction::Chart(a));
        }
        // The "last heard" column counts up while hosts publish; once all
        // have ended (or the subscription has), the window may rest: over
        // remote X an idle window should send nothing.
        if self.state == State::Subscribed && self.feeds.iter().any(|f| f.ended.is_none()) {
            ui.ctx().request_repaint_after(Duration::from_secs(1));
        }
        action
    }
}

/// What became of the Subscribe dialog this frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeOutcome {
    Pending,
    Cancelled,
    Chosen(Address),
}

/// "Subscribe…": the exchange's address.
#[derive(Debug, Clone, Default)]
pub struct SubscribeDialog {
    pub address: String,
    error: Option<String>,
    focused: bool,
}

impl SubscribeDialog {
    /// The dialog with `address` filled in.
    pub fn with_address(address: String) -> SubscribeDialog {
        SubscribeDialog {
            address,
            ..SubscribeDialog::default()
        }
    }

    pub fn show(&mut self, ctx: &egui::Context) -> SubscribeOutcome {
        let mut outcome = SubscribeOutcome::Pending;
        let modal = egui::Modal::new(egui::Id::unique("dscope-subscribe")).show(ctx, |ui| {
            ui.set_width(560.0);
            ui.heading("Subscribe to an AMQP exchange");
            ui.label(
                "Every host that publishes there (dscope run --publish ADDRESS) is shown, \
                 merged, with the host as the first key.",
            );
            let label =
                ui.label("Address (amqp://[user[:password]@]broker[:port]/[vhost/]exchange):");
            let field = ui
                .add(
                    TextEdit::singleline(&mut self.address)
                        .desired_width(f32::INFINITY)
                        .hint_text("amqp://mq.example/dtrace")
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(label.id);
            if !std::mem::replace(&mut self.focused, true) {
                field.request_focus();
            }
            let enter = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            if let Some(e) = &self.error {
                ui.colored_label(ui.visuals().error_fg_color, e);
            }
            ui.horizontal(|ui| {
                let ok = !self.address.trim().is_empty();
                let go = ui.add_enabled(ok, egui::Button::new("Subscribe")).clicked();
                if go || (enter && ok) {
                    match Address::parse(self.address.trim()) {
                        Ok(a) => outcome = SubscribeOutcome::Chosen(a),
                        Err(e) => self.error = Some(e),
                    }
                }
                if ui.button("Cancel").clicked() {
                    outcome = SubscribeOutcome::Cancelled;
                }
            });
        });
        if modal.should_close() && outcome == SubscribeOutcome::Pending {
            outcome = SubscribeOutcome::Cancelled;
        }
        outcome
    }
}
