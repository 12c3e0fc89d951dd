//! Which keys' rates move together, as a person reads it: the pairs
//! ranked by their correlation, a matrix of the strongest keys coloured
//! by r (red together, blue against), and both series of a pair on one
//! plot when it is clicked.

use crate::history::History;
use crate::history::correlate::{Correlations, Pair, SeriesId, Settings, correlate};
use egui::{Color32, RichText, Sense, Ui, vec2};
use egui_plot::{Legend, Line, Plot, PlotPoints};

/// The keys the matrix shows at most: beyond that a cell is too small to
/// read on an 800-pixel window.
const MATRIX_KEYS: usize = 16;

/// What the view keeps between frames.
#[derive(Debug, Clone, Default)]
pub struct CorrelationView {
    found: Option<Correlations>,
    /// The pair shown on the plot, by its place in `found.pairs`.
    chosen: Option<usize>,
    pub min_r: f64,
}

impl CorrelationView {
    pub fn new() -> CorrelationView {
        CorrelationView {
            min_r: Settings::default().min_r,
            ..CorrelationView::default()
        }
    }

    /// Looks again over `history` (a click: it takes a moment with many
    /// keys, and the answer is of the points there were then).
    pub fn find(&mut self, history: &History) {
        let settings = Settings {
            min_r: self.min_r,
            ..Settings::default()
        };
        self.found = Some(correlate(history, &settings));
        self.chosen = self
            .found
            .as_ref()
            .filter(|f| !f.pairs.is_empty())
            .map(|_| 0);
    }

    pub fn found(&self) -> Option<&Correlations> {
        self.found.as_ref()
    }

    pub fn choose(&mut self, pair: usize) {
        self.chosen = Some(pair);
    }

    pub fn ui(&mut self, history: &History, ui: &mut Ui) {
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Find keys that move together")
                .on_hover_text("Correlate every key's rate over the run's points")
                .clicked()
            {
                self.find(history);
            }
            let label = ui.label("at least |r|");
            ui.add(
                egui::DragValue::new(&mut self.min_r)
                    .range(0.0..=1.0)
                    .speed(0.01),
            )
            .labelled_by(label.id);
        });
        let Some(found) = &self.found else {
            ui.label("Not looked for yet.");
            return;
        };
        ui.label(format!(
            "{} pairs among {} keys ({} too short, {} flat, {} left out past {})",
            found.pairs.len(),
            found.compared,
            found.short,
            found.flat,
            found.left_out,
            found.settings.max_keys
        ));
        if found.pairs.is_empty() {
            ui.label("No pair moves together that strongly: more points may show one.");
            return;
        }
        let mut clicked = None;
        ui.horizontal_top(|ui| {
            ui.vertical(|ui| {
                ui.set_max_width(ui.available_width().min(520.0));
                clicked = pairs_ui(found, self.chosen, ui);
            });
            ui.vertical(|ui| {
                if let Some(c) = matrix_ui(found, ui) {
                    clicked = Some(c);
                }
            });
        });
        if clicked.is_some() {
            self.chosen = clicked;
        }
        if let Some(pair) = self.chosen.and_then(|i| found.pairs.get(i)) {
            pair_plot(history, pair, ui);
        }
    }
}

fn pairs_ui(found: &Correlations, chosen: Option<usize>, ui: &mut Ui) -> Option<usize> {
    let mut clicked = None;
    egui::ScrollArea::vertical()
        .id_salt("dscope-pairs")
        .max_height(180.0)
        .show(ui, |ui| {
            for (i, p) in found.pairs.iter().enumerate().take(200) {
                let how = if p.r < 0.0 { "  (moves against)" } else { "" };
                let text = format!("r={:+.2}  {} ~ {}{how}", p.r, p.a.label(), p.b.label());
                let text = RichText::new(text).color(r_color(p.r));
                if ui
                    .selectable_label(chosen == Some(i), text)
                    .on_hover_text(format!("{} common points, p = {:.1e}", p.points, p.p))
                    .clicked()
                {
                    clicked = Some(i);
                }
            }
        });
    clicked
}

/// Red for together, blue for against, grey near 0.
fn r_color(r: f64) -> Color32 {
    let strength = (r.abs().clamp(0.0, 1.0) * 200.0) as u8;
    if r >= 0.0 {
        Color32::from_rgb(55 + strength, 70, 70)
    } else {
        Color32::from_rgb(70, 90, 55 + strength)
    }
}

/// The keys of the strongest pairs, each against each: a cell per pair
/// found, its colour r; a click on a cell chooses its pair.
fn matrix_ui(found: &Correlations, ui: &mut Ui) -> Option<usize> {
    let mut keys: Vec<&SeriesId> = Vec::new();
    for p in &found.pairs {
        for s in [&p.a, &p.b] {
            if keys.len() < MATRIX_KEYS && !keys.contains(&s) {
                keys.push(s);
            }
        }
    }
    let n = keys.len();
    let cell = (180.0 / n as f32).clamp(8.0, 22.0);
    let (rect, response) =
        ui.allocate_exact_size(vec2(cell * n as f32, cell * n as f32), Sense::click());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, ui.visuals().extreme_bg_color);
    let at = |i: usize, j: usize| {
        egui::Rect::from_min_size(
            rect.min + vec2(j as f32 * cell, i as f32 * cell),
            vec2(cell - 1.0, cell - 1.0),
        )
    };
    let index = |s: &SeriesId| keys.iter().position(|k| *k == s);
    let mut hovered = None;
    for (k, p) in found.pairs.iter().enumerate() {
        let (Some(i), Some(j)) = (index(&p.a), index(&p.b)) else {
            continue;
        };
        for (a, b) in [(i, j), (j, i)] {
            let r = at(a, b);
            painter.rect_filled(r, 0.0, r_color(p.r));
            if response.hover_pos().is_some_and(|pos| r.contains(pos)) {
                hovered = Some(k);
            }
        }
    }
    for i in 0..n {
        painter.rect_filled(at(i, i), 0.0, ui.visuals().weak_text_color());
    }
    let mut clicked = None;
    if let Some(k) = hovered {
        let p: &Pair = &found.pairs[k];
        let response =
            response.on_hover_text(format!("r={:+.2}\n{}\n{}", p.r, p.a.label(), p.b.label()));
        if response.clicked() {
            clicked = Some(k);
        }
    }
    ui.label(RichText::new(format!("the {n} keys of the strongest pairs")).small());
    clicked
}

/// Both series of a pair on one plot, each on its own scale of rates.
fn pair_plot(history: &History, pair: &Pair, ui: &mut Ui) {
    let line = |s: &SeriesId| -> Vec<[f64; 2]> {
        let Some(h) = history.get(&s.aggregation) else {
            return Vec::new();
        };
        let Some(k) = h.keys().iter().position(|key| *key == s.key) else {
            return Vec::new();
        };
        h.plotted(k, true)
            .into_iter()
            .filter_map(|(t, v)| v.map(|v| [t, v]))
            .collect()
    };
    ui.label(format!(
        "{} and {} per second (r = {:+.2} over {} points)",
        pair.a.label(),
        pair.b.label(),
        pair.r,
        pair.points
    ));
    Plot::new("dscope-pair")
        .height(180.0)
        .legend(Legend::default())
        .x_axis_label("seconds")
        .show(ui, |plot| {
            plot.line(Line::new(pair.a.label(), PlotPoints::from(line(&pair.a))).width(1.5));
            plot.line(Line::new(pair.b.label(), PlotPoints::from(line(&pair.b))).width(1.5));
        });
}
