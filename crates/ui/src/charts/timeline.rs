//! Over time: the top keys of an aggregation as lines against time, with
//! zoom, pan, hover and a legend that hides and shows keys; and on it a
//! trend (the least-squares line over a window, its slope, R² and when it
//! reaches a limit) and a sliding-window average.

use super::palette;
use crate::history::AggHistory;
use crate::history::trend::{self, Fit};
use crate::model::key_label;
use crate::model::units::Unit;
use chrono::{DateTime, Local};
use egui::{Color32, Ui};
use egui_plot::{Legend, Line, LineStyle, Plot, PlotPoints};

pub const DEFAULT_TOP_N: usize = 10;
pub const MAX_TOP_N: usize = 50;

/// What the user chose for an aggregation's time view.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineOptions {
    pub top_n: usize,
    /// Changes per second rather than per interval (count, sum and
    /// distributions).
    pub per_second: bool,
    pub trend: bool,
    /// The key the trend (and the average) is of, by its label; the top
    /// key when `None` or no longer among the lines.
    pub trend_key: Option<String>,
    /// Fit the last this many seconds; 0 fits the whole run.
    pub window_secs: f64,
    /// The limit as typed; the trend says when the line reaches it.
    pub limit: String,
    pub average: bool,
    pub average_secs: f64,
    /// For a distribution: a line of this percentile (1 to 99) of each
    /// interval per key, instead of how many values each counted.
    pub percentile: Option<u8>,
}

impl Default for TimelineOptions {
    fn default() -> Self {
        TimelineOptions {
            top_n: DEFAULT_TOP_N,
            per_second: true,
            trend: false,
            trend_key: None,
            window_secs: 0.0,
            limit: String::new(),
            average: false,
            average_secs: 10.0,
            percentile: None,
        }
    }
}

/// One key's line: runs of points with values (a key absent for a while
/// leaves a gap).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyLine {
    /// The key's index in the history.
    pub key: usize,
    pub label: String,
    pub color: Color32,
    pub points: Vec<(f64, Option<f64>)>,
}

/// The trend of one line over a window.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendLine {
    pub of: String,
    pub fit: Fit,
    pub from: f64,
    pub to: f64,
    /// "slope 2.5 per second over 60 s, R² 0.98".
    pub summary: String,
    /// "reaches 90 at 14:32:10, in 12 min", or why it does not.
    pub reaches: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineModel {
    pub lines: Vec<KeyLine>,
    /// What the y axis measures.
    pub y_label: String,
    pub trend: Option<TrendLine>,
    pub average: Option<Vec<(f64, Option<f64>)>>,
    /// When the run started, for wall-clock times.
    pub started: Option<DateTime<Local>>,
    /// The time the view is at (a recording's slider), drawn as a line.
    pub cursor: Option<f64>,
    /// Whether the aggregation is a distribution (it may show
    /// percentiles).
    pub distribution: bool,
    /// What the lines' values are, when they are the aggregation's own
    /// (percentiles of a time): the y axis reads in it.
    pub unit: Unit,
    /// The normal range of the trend's key, from a baseline.
    pub band: Option<BandLine>,
}

/// A key's normal range at each point, and when it was out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct BandLine {
    pub of: String,
    /// (t, low, high) where the baseline has a band.
    pub points: Vec<(f64, f64, f64)>,
    /// The anomalies of that key: from, to (the last point while open).
    pub out: Vec<(f64, f64)>,
    /// "normal range of bash (3 sd, daily, 15 min slots); out twice".
    pub summary: String,
}

/// A time since the start as the clock read then, or as "+1:05".
pub fn clock_text(started: Option<DateTime<Local>>, t: f64) -> String {
    match started {
        Some(s) => (s + chrono::Duration::milliseconds((t * 1000.0) as i64))
            .format("%H:%M:%S")
            .to_string(),
        None => offset_text(t),
    }
}

/// Seconds since the start as "+m:ss" (or "+h:mm:ss").
pub fn offset_text(t: f64) -> String {
    let s = t.max(0.0).round() as u64;
    if s >= 3600 {
        format!("+{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("+{}:{:02}", s / 60, s % 60)
    }
}

impl TimelineModel {
    pub fn build(
        agg: &AggHistory,
        opts: &TimelineOptions,
        started: Option<DateTime<Local>>,
    ) -> TimelineModel {
        let per_second = opts.per_second && agg.accumulates();
        let percentile = opts.percentile.filter(|_| agg.function.is_distribution());
        let y_label = if let Some(q) = percentile {
            format!("p{q} (bucket middle)")
        } else if agg.accumulates() {
            let what = if agg.function.is_distribution() {
                "values counted"
            } else if agg.function == crate::model::AggFunction::Sum {
                "sum"
            } else {
                "count"
            };
            if per_second {
                format!("{what} per second")
            } else {
                format!("{what} per interval")
            }
        } else {
            format!("{}()", agg.function.name())
        };
        let lines: Vec<KeyLine> = agg
            .top_keys(opts.top_n.clamp(1, MAX_TOP_N))
            .into_iter()
            .enumerate()
            .map(|(i, k)| KeyLine {
                key: k,
                label: line_label(&agg.keys()[k], &agg.name),
                color: palette::color(i),
                points: match percentile {
                    Some(q) => agg.percentile_line(k, f64::from(q) / 100.0),
                    None => agg.plotted(k, per_second),
                },
            })
            .collect();
        let chosen = opts
            .trend_key
            .as_ref()
            .and_then(|k| lines.iter().find(|l| &l.label == k))
            .or(lines.first());
        let trend = if opts.trend {
            chosen.and_then(|line| trend_of(line, opts, started, &y_label))
        } else {
            None
        };
        let average = chosen
            .filter(|_| opts.average)
            .map(|line| trend::sliding_average(&line.points, opts.average_secs.max(0.001)));
        TimelineModel {
            lines,
            y_label,
            trend,
            average,
            started,
            cursor: None,
            distribution: agg.function.is_distribution(),
            unit: Unit::Number,
            band: None,
        }
    }

    /// Adds the band of the chosen key (the trend's, or the first) where
    /// the lines are what a baseline knows: a rate per second, a gauge's
    /// value, a distribution's p99.
    pub fn add_band(&mut self, agg: &AggHistory, opts: &TimelineOptions, watch: &BandSource) {
        use crate::history::baseline::{Measure, at};
        let measure = match opts.percentile {
            Some(99) if agg.function.is_distribution() => Measure::P99,
            Some(_) => return,
            None if agg.accumulates() && opts.per_second => Measure::Rate,
            None if !agg.accumulates() => Measure::Value,
            None => return,
        };
        let Some(line) = opts
            .trend_key
            .as_ref()
            .and_then(|k| self.lines.iter().find(|l| &l.label == k))
            .or(self.lines.first())
        else {
            return;
        };
        let key = &agg.keys()[line.key];
        let b = watch.baseline;
        // Looked up once; then each point only finds its slot.
        let entry = b.find(&agg.name, key, measure);
        let points: Vec<(f64, f64, f64)> = (0..agg.len())
            .filter_map(|p| {
                let t = agg.time(p);
                let slot = b.slot_of(at(watch.started, t));
                let band = b.band_in(entry?, slot, watch.sigmas)?;
                Some((t, band.low, band.high))
            })
            .collect();
        let last = agg.len().checked_sub(1).map_or(0.0, |p| agg.time(p));
        let out: Vec<(f64, f64)> = watch
            .anomalies
            .iter()
            .filter(|a| a.aggregation == agg.name && &a.key == key && a.measure == measure)
            .map(|a| (a.start, a.end.unwrap_or(last)))
            .collect();
        let slots = match b.period {
            crate::history::baseline::Period::None => "one level".to_owned(),
            p => format!("{}, {} min slots", p.name(), b.window / 60),
        };
        let summary = if points.is_empty() {
            format!("the baseline has no band for {} here ({slots})", line.label)
        } else {
            format!(
                "normal range of {} ({} sd, {slots}){}",
                line.label,
                watch.sigmas,
                match out.len() {
                    0 => String::new(),
                    1 => "; out once".to_owned(),
                    n => format!("; out {n} times"),
                }
            )
        };
        self.band = Some(BandLine {
            of: line.label.clone(),
            points,
            out,
            summary,
        });
    }
}

/// What a band is drawn from: the baseline, how wide, and when the run
/// started (its slots are of UTC time).
pub struct BandSource<'a> {
    pub baseline: &'a crate::history::baseline::Baseline,
    pub sigmas: f64,
    pub started: chrono::DateTime<chrono::Utc>,
    pub anomalies: &'a [crate::history::anomaly::Anomaly],
}

/// A key as a legend entry: its parts, or the aggregation's name for a
/// key-less `@x = f()`.
fn line_label(key: &[crate::model::KeyPart], name: &str) -> String {
    let label = key_label(key);
    if label.is_empty() {
        format!("@{name}")
    } else if label.chars().count() > 60 {
        let cut: String = label.chars().take(57).collect();
        format!("{cut}…")
    } else {
        label
    }
}

fn trend_of(
    line: &KeyLine,
    opts: &TimelineOptions,
    started: Option<DateTime<Local>>,
    unit: &str,
) -> Option<TrendLine> {
    let last = line.points.last()?.0;
    let from = if opts.window_secs > 0.0 {
        last - opts.window_secs
    } else {
        f64::NEG_INFINITY
    };
    let window: Vec<(f64, Option<f64>)> = line
        .points
        .iter()
        .copied()
        .filter(|(t, _)| *t >= from)
        .collect();
    let fit = Fit::of(&window)?;
    let first = window.first()?.0;
    let summary = format!(
        "trend of {} ({unit}): {}{} over {}, R² {:.2}{}",
        line.label,
        if fit.slope > 0.0 { "+" } else { "" },
        trend::slope_text(fit.slope),
        trend::duration_text(last - first),
        fit.r2,
        if fit.r2 < 0.5 {
            " (a poor fit: do not trust it)"
        } else {
            ""
        }
    );
    let reaches = opts
        .limit
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|l| l.is_finite())
        .map(|limit| match fit.reaches(limit, last) {
            Some(t) => format!(
                "reaches {} at {}, in {}",
                opts.limit.trim(),
                clock_text(started, t),
                trend::duration_text(t - last)
            ),
            None if fit.at(last) >= limit && fit.slope >= 0.0 => {
                format!("already above {}", opts.limit.trim())
            }
            None => format!("does not head for {}", opts.limit.trim()),
        });
    Some(TrendLine {
        of: line.label.clone(),
        fit,
        from: first,
        to: last,
        summary,
        reaches,
    })
}

/// The points of a line as runs without gaps.
fn runs(points: &[(f64, Option<f64>)]) -> Vec<Vec<[f64; 2]>> {
    let mut out = vec![Vec::new()];
    for &(t, y) in points {
        match y {
            Some(y) => out.last_mut().unwrap().push([t, y]),
            None if !out.last().unwrap().is_empty() => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|r| !r.is_empty());
    out
}

/// The controls above the plot; true when a choice changed.
pub fn controls(ui: &mut Ui, opts: &mut TimelineOptions, model: Option<&TimelineModel>) -> bool {
    let mut changed = false;
    ui.label("Keys");
    changed |= ui
        .add(egui::DragValue::new(&mut opts.top_n).range(1..=MAX_TOP_N))
        .on_hover_text("The keys that changed most get a line each")
        .changed();
    if model.is_some_and(|m| m.distribution) {
        let shown = match opts.percentile {
            Some(q) => format!("p{q}"),
            None => "values counted".into(),
        };
        let show = ui.label("Show");
        egui::ComboBox::from_id_salt("timeline-percentile")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                for (choice, text) in [
                    (None, "values counted"),
                    (Some(50), "p50"),
                    (Some(90), "p90"),
                    (Some(99), "p99"),
                ] {
                    if ui
                        .selectable_label(opts.percentile == choice, text)
                        .clicked()
                    {
                        opts.percentile = choice;
                        changed = true;
                    }
                }
            })
            .response
            .on_hover_text("Latency as latency: a percentile of each interval, per key");
        // Any other percentile, typed or dragged.
        if let Some(q) = &mut opts.percentile {
            changed |= ui
                .add(egui::DragValue::new(q).range(1..=99).prefix("p"))
                .labelled_by(show.id)
                .on_hover_text("Which percentile: 1 to 99")
                .changed();
        }
    }
    changed |= ui
        .checkbox(&mut opts.per_second, "Per second")
        .on_hover_text("Changes per second, rather than per interval between snapshots")
        .changed();
    changed |= ui
        .checkbox(&mut opts.trend, "Trend")
        .on_hover_text(
            "The least-squares line of one key over a window, and when it reaches a limit",
        )
        .changed();
    if (opts.trend || opts.average)
        && let Some(model) = model.filter(|m| !m.lines.is_empty())
    {
        let current = opts
            .trend_key
            .clone()
            .filter(|k| model.lines.iter().any(|l| &l.label == k))
            .or_else(|| model.lines.first().map(|l| l.label.clone()))
            .unwrap_or_default();
        let of = ui.label("of");
        egui::ComboBox::from_id_salt("trend-key")
            .selected_text(current.clone())
            .show_ui(ui, |ui| {
                for line in &model.lines {
                    let this = Some(line.label.clone());
                    if ui
                        .selectable_label(current == line.label, &line.label)
                        .clicked()
                    {
                        opts.trend_key = this;
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(of.id);
    }
    if opts.trend {
        ui.label("over the last");
        changed |= ui
            .add(
                egui::DragValue::new(&mut opts.window_secs)
                    .range(0.0..=86_400.0)
                    .suffix(" s"),
            )
            .on_hover_text("0: the whole run")
            .changed();
        changed |= ui
            .add(
                egui::TextEdit::singleline(&mut opts.limit)
                    .hint_text("limit")
                    .desired_width(70.0),
            )
            .on_hover_text("A value: the trend says when its line reaches it")
            .changed();
    }
    changed |= ui
        .checkbox(&mut opts.average, "Average")
        .on_hover_text("A sliding-window average of one key")
        .changed();
    if opts.average {
        changed |= ui
            .add(
                egui::DragValue::new(&mut opts.average_secs)
                    .range(1.0..=3600.0)
                    .suffix(" s"),
            )
            .changed();
    }
    changed
}

/// Draws the plot, with `range` shaded; a drag across it selects a time
/// range, returned when the button is let go.
pub fn show(
    ui: &mut Ui,
    id: &str,
    model: &TimelineModel,
    range: Option<(f64, f64)>,
) -> Option<(f64, f64)> {
    if model.lines.is_empty() {
        super::centered_message(ui, "No points yet: the first comes with the first snapshot");
        return None;
    }
    if let Some(b) = &model.band {
        ui.label(&b.summary);
    }
    if let Some(t) = &model.trend {
        ui.label(&t.summary);
        if let Some(r) = &t.reaches {
            ui.strong(r);
        }
    }
    let started = model.started;
    let y_label = model.y_label.clone();
    let y_unit = model.unit;
    let plot = Plot::new(("timeline", id))
        // At the left: a live plot's newest points, the ones watched, are
        // at the right.
        .legend(
            Legend::default()
                .follow_insertion_order(true)
                .position(egui_plot::Corner::LeftTop),
        )
        .x_axis_label("time")
        .y_axis_label(y_label.clone())
        .x_axis_formatter(|mark, _| offset_text(mark.value))
        .label_formatter(move |pos| {
            let (name, p) = match pos {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } => (*plot_name, *position),
                egui_plot::HoverPosition::Elsewhere { position } => ("", *position),
            };
            let head = if name.is_empty() {
                String::new()
            } else {
                format!("{name}\n")
            };
            Some(format!(
                "{head}{} ({})\n{}: {}",
                clock_text(started, p.x),
                offset_text(p.x),
                y_label,
                if y_unit == Unit::Number {
                    trim_number(p.y)
                } else {
                    y_unit.short(p.y.round() as i64)
                }
            ))
        });
    // A percentile of a time reads as one (16.4 µs); counts keep the
    // plot's own numbers, fractions of a second included.
    let plot = if y_unit == Unit::Number {
        plot
    } else {
        plot.y_axis_formatter(move |mark, _| y_unit.short(mark.value.round() as i64))
    };
    // A drag selects a time range; the wheel (with Ctrl, or Shift)
    // still zooms and scrolls, and a double click resets.
    let plot = plot.allow_drag(false);
    let drawn = plot.show(ui, |plot| {
        if let Some(r) = range {
            plot.add(super::range::span(plot.ctx(), r));
        }
        if let Some(b) = &model.band {
            band(plot, b);
        }
        for line in &model.lines {
            for run in runs(&line.points) {
                plot.line(
                    Line::new(line.label.clone(), PlotPoints::from(run))
                        .color(line.color)
                        .width(1.5),
                );
            }
        }
        if let Some(avg) = &model.average {
            for run in runs(avg) {
                plot.line(
                    Line::new("average", PlotPoints::from(run))
                        .color(Color32::GRAY)
                        .style(LineStyle::dotted_dense())
                        .width(2.0),
                );
            }
        }
        if let Some(t) = &model.trend {
            let ends = vec![[t.from, t.fit.at(t.from)], [t.to, t.fit.at(t.to)]];
            plot.line(
                Line::new("trend", PlotPoints::from(ends))
                    .color(ui_strong(plot.ctx()))
                    .style(LineStyle::dashed_loose())
                    .width(2.0),
            );
        }
        if let Some(c) = model.cursor {
            plot.add(egui_plot::VLine::new("", c).color(Color32::from_gray(150)));
        }
    });
    super::range::drag(ui, &drawn)
}

/// The normal range as a light area with its edges dashed, and the
/// anomalies as red spans along it.
fn band(plot: &mut egui_plot::PlotUi, b: &BandLine) {
    let fill = Color32::from_rgba_unmultiplied(90, 160, 90, 40);
    let edge = Color32::from_rgb(70, 140, 70);
    // Quads between neighbouring points: each is convex, as a filled
    // polygon must be; a long run is thinned to at most 400 of them.
    let step = b.points.len().div_ceil(400).max(1);
    let thinned: Vec<&(f64, f64, f64)> = b.points.iter().step_by(step).collect();
    for w in thinned.windows(2) {
        let (a, c) = (w[0], w[1]);
        let quad = vec![[a.0, a.1], [c.0, c.1], [c.0, c.2], [a.0, a.2]];
        plot.polygon(
            egui_plot::Polygon::new("", PlotPoints::from(quad))
                .fill_color(fill)
                .stroke(egui::Stroke::NONE),
        );
    }
    let name = format!("normal range of {}", b.of);
    for edge_of in [|p: &(f64, f64, f64)| p.1, |p: &(f64, f64, f64)| p.2] {
        let points: Vec<[f64; 2]> = b.points.iter().map(|p| [p.0, edge_of(p)]).collect();
        plot.line(
            Line::new(name.clone(), PlotPoints::from(points))
                .color(edge)
                .style(LineStyle::dashed_dense())
                .width(1.0),
        );
    }
    for &(from, to) in &b.out {
        plot.add(
            egui_plot::VLine::new("anomaly", from)
                .color(Color32::from_rgb(210, 60, 60))
                .width(1.5),
        );
        let top = b.points.iter().map(|p| p.2).fold(f64::MIN, f64::max);
        plot.line(
            Line::new("anomaly", PlotPoints::from(vec![[from, top], [to, top]]))
                .color(Color32::from_rgb(210, 60, 60))
                .width(4.0),
        );
    }
}

fn ui_strong(ctx: &egui::Context) -> Color32 {
    ctx.global_style().visuals.strong_text_color()
}

/// A value for hover text: whole numbers without decimals, others with
/// three.
fn trim_number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::History;

    fn history(values: &[(f64, &[(&str, i64)])]) -> History {
        let mut h = History::default();
        for (t, rows) in values {
            h.push(*t, &crate::model::fixtures::counts(rows));
        }
        h
    }

    #[test]
    fn lines_are_the_top_keys_per_second() {
        let h = history(&[
            (1.0, &[("a", 1), ("b", 10)]),
            (2.0, &[("a", 3), ("b", 20)]),
            (4.0, &[("a", 7), ("b", 40)]),
        ]);
        let m = TimelineModel::build(h.get("n").unwrap(), &TimelineOptions::default(), None);
        assert_eq!(m.y_label, "count per second");
        assert_eq!(m.lines[0].label, "b");
        assert_eq!(
            m.lines[0].points,
            [(1.0, Some(10.0)), (2.0, Some(10.0)), (4.0, Some(10.0))]
        );
        assert_eq!(m.lines[1].points[2], (4.0, Some(2.0)));
    }

    #[test]
    fn a_distribution_can_show_a_percentile_of_each_interval() {
        use crate::model::Bucket;
        let bucket = |min: i64, count: i64| Bucket {
            label: min.to_string(),
            min: Some(min),
            max: Some(2 * min - 1),
            count,
            raw: None,
        };
        let mut h = History::default();
        for (t, small, large) in [(1.0, 9, 1), (2.0, 9, 11)] {
            let snap = crate::model::fixtures::quantized(vec![
                bucket(1024, small),
                bucket(1 << 20, large),
            ]);
            h.push(t, &snap);
        }
        let q = h.get("q").unwrap();
        let counted = TimelineModel::build(q, &TimelineOptions::default(), None);
        assert!(counted.distribution);
        assert_eq!(counted.y_label, "values counted per second");
        let opts = TimelineOptions {
            percentile: Some(50),
            ..TimelineOptions::default()
        };
        let m = TimelineModel::build(q, &opts, None);
        assert_eq!(m.y_label, "p50 (bucket middle)");
        let middle = |b: f64| (b + 2.0 * b - 1.0) / 2.0;
        assert_eq!(
            m.lines[0].points,
            [
                (1.0, Some(middle(1024.0))),
                (2.0, Some(middle((1 << 20) as f64)))
            ]
        );
        // Any percentile: the first second counted 9 small and 1 large,
        // so p90 is small and p95 large.
        let at_first = |q: u8| {
            let opts = TimelineOptions {
                percentile: Some(q),
                ..TimelineOptions::default()
            };
            TimelineModel::build(h.get("q").unwrap(), &opts, None).lines[0].points[0]
        };
        assert_eq!(at_first(90), (1.0, Some(middle(1024.0))));
        assert_eq!(at_first(95), (1.0, Some(middle((1 << 20) as f64))));
    }

    #[test]
    fn a_trend_says_when_it_reaches_the_limit() {
        // b's rate grows by 10 a second each second.
        let h = history(&[
            (1.0, &[("b", 10)]),
            (2.0, &[("b", 30)]),
            (3.0, &[("b", 60)]),
            (4.0, &[("b", 100)]),
        ]);
        let opts = TimelineOptions {
            trend: true,
            limit: "100".into(),
            ..TimelineOptions::default()
        };
        let started = Local::now();
        let m = TimelineModel::build(h.get("n").unwrap(), &opts, Some(started));
        let t = m.trend.unwrap();
        assert_eq!((t.fit.slope, t.fit.r2), (10.0, 1.0));
        assert!(
            t.summary
                .starts_with("trend of b (count per second): +10 per second over 3 s"),
            "{}",
            t.summary
        );
        assert!(t.summary.contains("R² 1.00"), "{}", t.summary);
        let when = clock_text(Some(started), 10.0);
        assert_eq!(t.reaches.unwrap(), format!("reaches 100 at {when}, in 6 s"));
    }

    #[test]
    fn gaps_split_a_line() {
        assert_eq!(
            runs(&[
                (1.0, Some(1.0)),
                (2.0, None),
                (3.0, Some(2.0)),
                (4.0, Some(3.0))
            ]),
            [vec![[1.0, 1.0]], vec![[3.0, 2.0], [4.0, 3.0]]]
        );
    }

    #[test]
    fn offsets_read_as_minutes_and_seconds() {
        assert_eq!(offset_text(65.0), "+1:05");
        assert_eq!(offset_text(3725.0), "+1:02:05");
    }
}
