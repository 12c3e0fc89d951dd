//! The legend beside the bars: a swatch and the whole name of every key,
//! largest total first, so that a key whose axis label had to be
//! shortened or left out is still named, in the colour of its bars.
//! Laid out here, without a painter, so that its geometry is tested.

use super::super::palette;
use super::Grid;
use egui::{Color32, Rect, Vec2, pos2, vec2};

/// The side of a key's colour square.
pub(super) const SWATCH: f32 = 10.0;
const SWATCH_GAP: f32 = 6.0;
const ROW_GAP: f32 = 3.0;
/// Between the legend and the chart, and kept for a scroll bar.
pub(super) const GAP: f32 = 12.0;
/// The legend takes at most this share of the width: names longer than
/// that wrap.
const SHARE: f32 = 0.3;
const MIN_WIDTH: f32 = 90.0;
/// Narrower than this, the chart keeps the whole width: the hover line
/// names the key under the pointer.
const MIN_CHART_WIDTH: f32 = 240.0;

/// A key in the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    pub key: usize,
    pub color: Color32,
    /// The text wrapped into lines, which put together are the whole text.
    pub lines: Vec<String>,
    /// The swatch and the lines, where they are with the legend scrolled
    /// to its top.
    pub rect: Rect,
}

impl LegendEntry {
    /// The entry's whole text.
    pub fn text(&self) -> String {
        self.lines.concat()
    }
}

/// Every key's entry, in a column at the right of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    /// Where the legend is shown; it scrolls when `height` is more.
    pub rect: Rect,
    pub entries: Vec<LegendEntry>,
    /// The height of all the entries.
    pub height: f32,
    /// A line of text's height.
    pub line_height: f32,
}

impl Default for Legend {
    fn default() -> Self {
        Legend {
            rect: Rect::NOTHING,
            entries: Vec::new(),
            height: 0.0,
            line_height: 0.0,
        }
    }
}

impl Legend {
    /// Whether its entries are more than its height shows.
    pub fn scrolls(&self) -> bool {
        self.height > self.rect.height() + 0.5
    }
}

/// The legend for `grid` at the right of `rect`, or none where the chart
/// would be left too narrow.
pub(super) fn layout(grid: &Grid, rect: Rect, measure: &dyn Fn(&str) -> Vec2) -> Legend {
    let texts: Vec<String> = (0..grid.keys.len()).map(|k| grid.legend_text(k)).collect();
    let natural = texts.iter().map(|t| measure(t).x).fold(0.0, f32::max);
    let width = (natural + SWATCH + SWATCH_GAP)
        .min((rect.width() * SHARE).max(MIN_WIDTH))
        .ceil();
    if rect.width() - width - GAP < MIN_CHART_WIDTH {
        return Legend::default();
    }
    let colors = palette::key_colors(grid.shown(), grid.folded > 0);
    let line_height = measure("Ag").y;
    let area = Rect::from_min_max(pos2(rect.right() - width, rect.top()), rect.max);
    let mut legend = entries(&texts, &colors, area, area.width(), measure, line_height);
    if legend.scrolls() {
        // Room for the scroll bar, which egui puts over the right edge.
        let text_room = area.width() - GAP;
        legend = entries(&texts, &colors, area, text_room, measure, line_height);
    }
    legend
}

fn entries(
    texts: &[String],
    colors: &[Color32],
    area: Rect,
    width: f32,
    measure: &dyn Fn(&str) -> Vec2,
    line_height: f32,
) -> Legend {
    let text_w = (width - SWATCH - SWATCH_GAP).max(SWATCH);
    let mut y = area.top();
    let mut out = Vec::with_capacity(texts.len());
    for (key, text) in texts.iter().enumerate() {
        let lines = wrap(text, text_w, measure);
        let h = lines.len() as f32 * line_height;
        out.push(LegendEntry {
            key,
            color: colors[key],
            lines,
            rect: Rect::from_min_size(pos2(area.left(), y), vec2(width, h)),
        });
        y += h + ROW_GAP;
    }
    Legend {
        rect: area,
        entries: out,
        height: (y - ROW_GAP - area.top()).max(0.0),
        line_height,
    }
}

/// Where the first line's text starts, from the entry's top left.
pub(super) fn text_offset() -> Vec2 {
    vec2(SWATCH + SWATCH_GAP, 0.0)
}

/// `text` in lines no wider than `width` (a line is at least one
/// character), broken after a space or a punctuation mark where one
/// falls in the second half of a line: stacks and paths break at their
/// frames and slashes.
fn wrap(text: &str, width: f32, measure: &dyn Fn(&str) -> Vec2) -> Vec<String> {
    let mut lines = Vec::new();
    let mut rest: Vec<char> = text.chars().collect();
    while !rest.is_empty() {
        let fits = |n: usize| measure(&rest[..n].iter().collect::<String>()).x <= width;
        if fits(rest.len()) {
            lines.push(rest.iter().collect());
            break;
        }
        // The longest prefix that fits, by bisection: widths grow with
        // length.
        let (mut lo, mut hi) = (1, rest.len());
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if fits(mid) { lo = mid } else { hi = mid - 1 }
        }
        let at = (lo / 2..lo)
            .rev()
            .find(|&i| matches!(rest[i], ' ' | '/' | '`' | '+' | ',' | ':' | '.' | '-' | '_'))
            .map_or(lo, |i| i + 1);
        lines.push(rest[..at].iter().collect());
        rest.drain(..at);
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}
