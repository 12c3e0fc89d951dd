//! The highlighted text as egui lays it out: the highlighter's colours and
//! styles, and diagnostics underlined on top. Built once per text
//! revision and kept in a [`JobCache`], so that a frame in which nothing
//! changed costs no highlighting.

use super::text::byte_index;
use crate::lang::highlight::IncrementalHighlighter;
use crate::lang::theme::ThemeKind;
use crate::model::{Diagnostic, Severity};
use egui::text::{LayoutJob, TextFormat};
use egui::{Color32, FontId, Stroke};
use std::ops::Range;

/// The highlighted layout job of the last text revision. The galley itself
/// is not kept across frames: egui rebuilds its font atlas at times (a theme
/// change, a new scale), and only its own galley cache knows when.
pub(super) struct JobCache {
    pub(super) key: (u64, u64, u32, ThemeKind),
    pub(super) job: LayoutJob,
}

pub(super) fn color(c: syntect::highlighting::Color) -> Color32 {
    Color32::from_rgba_unmultiplied(c.r, c.g, c.b, c.a)
}

pub fn diagnostic_color(severity: Severity, dark: bool) -> Color32 {
    match (severity, dark) {
        (Severity::Error, true) => Color32::from_rgb(0xff, 0x55, 0x55),
        (Severity::Error, false) => Color32::from_rgb(0xd0, 0x10, 0x10),
        (Severity::Warning, _) => Color32::from_rgb(0xe0, 0xa0, 0x00),
        (Severity::Note, _) => Color32::from_rgb(0x40, 0x90, 0xff),
    }
}

/// The byte range to underline on a line for a diagnostic: its columns, or
/// the line's text without leading/trailing blanks.
pub(super) fn underline_range(line_text: &str, diagnostic: &Diagnostic) -> Range<usize> {
    let content = line_text.trim_end_matches(['\n', '\r']);
    match &diagnostic.columns {
        Some(cols) => {
            let start = byte_index(content, cols.start);
            let end = byte_index(content, cols.end.max(cols.start + 1));
            start..end.max(start)
        }
        None => {
            let start = content.len() - content.trim_start().len();
            let end = content.trim_end().len();
            if start >= end {
                0..content.len()
            } else {
                start..end
            }
        }
    }
}

/// The highlighted text as an egui layout: theme colours, italics and
/// underlines from the highlighter, and diagnostic underlines on top.
pub fn build_layout_job(
    highlighter: &IncrementalHighlighter,
    diagnostics: &[Diagnostic],
    font_id: &FontId,
    dark: bool,
) -> LayoutJob {
    use syntect::highlighting::FontStyle;
    let theme = crate::lang::theme::theme(highlighter.theme_kind());
    let background = theme.settings.background.map(color);
    let mut job = LayoutJob::default();
    for (index, (line, spans)) in highlighter.lines().enumerate() {
        let underline = diagnostics
            .iter()
            .find(|d| d.is_on_script_line() && d.line == index + 1)
            .map(|d| {
                (
                    underline_range(line, d),
                    Stroke::new(1.5, diagnostic_color(d.severity, dark)),
                )
            });
        for span in spans {
            let style = span.style;
            let mut format = TextFormat {
                font_id: font_id.clone(),
                color: color(style.foreground),
                italics: style.font_style.contains(FontStyle::ITALIC),
                ..Default::default()
            };
            if style.font_style.contains(FontStyle::UNDERLINE) {
                format.underline = Stroke::new(1.0, format.color);
            }
            if Some(color(style.background)) != background {
                format.background = color(style.background);
            }
            let mut cuts = vec![span.range.start, span.range.end];
            if let Some((r, _)) = &underline {
                cuts.extend(
                    [r.start, r.end]
                        .into_iter()
                        .filter(|b| span.range.start < *b && *b < span.range.end),
                );
            }
            cuts.sort_unstable();
            for w in cuts.windows(2) {
                let (a, b) = (w[0], w[1]);
                let mut f = format.clone();
                if let Some((r, stroke)) = &underline
                    && a >= r.start
                    && b <= r.end
                {
                    f.underline = *stroke;
                }
                job.append(&line[a..b], 0.0, f);
            }
        }
    }
    job
}
