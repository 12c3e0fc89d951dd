//! A recording shown again (File > Open Recording…): every view as it was
//! at the time the slider is at, the time views over the whole recording,
//! and optionally a second recording to compare with (the Compare view).
//!
//! Recordings are read on a thread of their own (a long one takes a
//! while), and never written.

use super::charts::compare::Reference;
use super::charts::{AggregationsView, ChartAction, TimeView, timeline};
use crate::history;
use crate::history::recording::Recording;
use crate::model::Snapshot;
use chrono::{DateTime, Local};
use egui::{RichText, Ui};
use std::path::{Path, PathBuf};

/// How many points a recording's history keeps in the window: more than
/// a live run, since a recording is looked at closely.
pub const CAPACITY: usize = 20_000;

/// Where a recording being read arrives.
pub type Loading = crossbeam_channel::Receiver<(PathBuf, Result<Recording, String>)>;

/// Reads a recording on a thread; the answer comes on the channel.
pub fn load(ctx: &egui::Context, path: PathBuf) -> Loading {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let ctx = ctx.clone();
    std::thread::spawn(move || {
        let read = history::recording::read(&path, CAPACITY);
        let _ = tx.send((path, read));
        ctx.request_repaint();
    });
    rx
}

/// What the user asked of the viewer.
#[derive(Debug, Clone, PartialEq)]
pub enum ViewerAction {
    Close,
    /// Pick a second recording to compare with.
    Compare,
    Chart(ChartAction),
}

pub struct RecordingView {
    pub path: PathBuf,
    pub rec: Recording,
    /// The time shown, in seconds since the start.
    pub at: f64,
    started: Option<DateTime<Local>>,
    snapshot: Snapshot,
    generation: u64,
    pub charts: AggregationsView,
}

fn started_of(rec: &Recording) -> Option<DateTime<Local>> {
    DateTime::parse_from_rfc3339(&rec.header.started)
        .ok()
        .map(|t| t.with_timezone(&Local))
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

impl RecordingView {
    pub fn new(path: PathBuf, rec: Recording) -> RecordingView {
        let at = rec.history.last_time().unwrap_or(0.0);
        let mut v = RecordingView {
            path,
            started: started_of(&rec),
            snapshot: Snapshot::default(),
            generation: 0,
            at,
            rec,
            charts: AggregationsView::default(),
        };
        // The recorded script (and -n descriptions) says which values are
        // times.
        v.charts
            .set_units(crate::lang::aggregations::units(&v.rec.header.source()));
        v.move_to(at);
        v
    }

    /// Shows the recording as it was `t` seconds in.
    pub fn move_to(&mut self, t: f64) {
        self.at = t;
        self.snapshot = self.rec.history.snapshot_at(t);
        self.generation += 1;
        self.charts
            .set_shown(&format!("this recording at {}", timeline::offset_text(t)));
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    /// The views, with the snapshot and the history they show.
    pub fn parts_mut(&mut self) -> (&mut AggregationsView, &Snapshot, &crate::history::History) {
        (&mut self.charts, &self.snapshot, &self.rec.history)
    }

    /// Compares the views with `rec` (read from `path`) as it was at
    /// its end, in the Compare view.
    pub fn set_compare(&mut self, path: PathBuf, rec: Recording) {
        self.charts
            .set_reference(Some(Reference::at_end(&file_name(&path), &rec.history)));
    }

    pub fn ui(&mut self, ui: &mut Ui) -> Option<ViewerAction> {
        let mut action = self.header(ui);
        for p in &self.rec.problems {
            ui.label(RichText::new(p).color(ui.visuals().warn_fg_color));
        }
        self.time_slider(ui);
        self.output_so_far(ui);
        ui.separator();
        let time = TimeView {
            history: &self.rec.history,
            started: self.started,
            cursor: Some(self.at),
            watch: None,
        };
        if let Some(a) = self
            .charts
            .show(ui, Some(&self.snapshot), self.generation, time)
        {
            action = Some(ViewerAction::Chart(a));
        }
        action
    }

    /// What the recording is (its script, host, start, length and end),
    /// with Compare and Close.
    fn header(&self, ui: &mut Ui) -> Option<ViewerAction> {
        let mut action = None;
        let h = &self.rec.header;
        ui.horizontal_wrapped(|ui| {
            ui.strong(format!("Recording {}", file_name(&self.path)));
            ui.label(format!(
                "{} {}, started {}, {:.1} s, {}",
                if h.script_name.is_empty() {
                    "-n descriptions"
                } else {
                    &h.script_name
                },
                match &h.host {
                    Some(host) => format!("on {host}"),
                    None => "on this machine".into(),
                },
                self.started
                    .map(|s| s.format("%Y-%m-%d %H:%M:%S").to_string())
                    .unwrap_or_else(|| h.started.clone()),
                self.rec.duration,
                self.rec
                    .end
                    .map_or_else(|| "with no end recorded".into(), |(_, e)| e.describe())
            ));
            if ui
                .button("Compare with…")
                .on_hover_text("Open a second recording (of the same script) to compare key by key")
                .clicked()
            {
                action = Some(ViewerAction::Compare);
            }
            if ui.button("Close recording").clicked() {
                action = Some(ViewerAction::Close);
            }
        });
        action
    }

    /// The time line: a slider across the recording, and End.
    fn time_slider(&mut self, ui: &mut Ui) {
        let duration = self
            .rec
            .duration
            .max(self.rec.history.last_time().unwrap_or(0.0));
        let started = self.started;
        let mut at = self.at;
        ui.horizontal(|ui| {
            ui.label("Time");
            // As wide as the panel allows: the slider is the time line.
            ui.spacing_mut().slider_width = (ui.available_width() - 260.0).max(120.0);
            let slider = egui::Slider::new(&mut at, 0.0..=duration.max(0.001))
                .custom_formatter(move |t, _| {
                    format!(
                        "{} ({})",
                        timeline::clock_text(started, t),
                        timeline::offset_text(t)
                    )
                })
                .custom_parser(|text| text.trim().trim_end_matches('s').trim().parse().ok());
            ui.add(slider)
                .on_hover_text("The views show the recording as it was at this time");
            if ui.button("End").clicked() {
                at = duration;
            }
        });
        if at != self.at {
            self.move_to(at);
        }
    }

    /// The output, errors and drops recorded up to the slider's time.
    fn output_so_far(&self, ui: &mut Ui) {
        let output: Vec<&str> = self
            .rec
            .output
            .iter()
            .take_while(|(t, _)| *t <= self.at)
            .map(|(_, l)| l.as_str())
            .collect();
        egui::CollapsingHeader::new(format!(
            "Output up to this time ({} lines), errors ({}) and drops ({})",
            output.len(),
            self.rec
                .errors
                .iter()
                .filter(|(t, _)| *t <= self.at)
                .count(),
            self.rec
                .drops
                .iter()
                .filter(|(t, ..)| *t <= self.at)
                .count()
        ))
        .id_salt("recording-output")
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(120.0)
                .stick_to_bottom(true)
                .show(ui, |ui| {
                    for line in &output {
                        ui.monospace(*line);
                    }
                    for (_, e) in self.rec.errors.iter().filter(|(t, _)| *t <= self.at) {
                        ui.label(RichText::new(e).color(ui.visuals().error_fg_color));
                    }
                    for (_, n, m) in self.rec.drops.iter().filter(|(t, ..)| *t <= self.at) {
                        ui.label(
                            RichText::new(format!("{m} ({n})")).color(ui.visuals().warn_fg_color),
                        );
                    }
                });
        });
    }
}
