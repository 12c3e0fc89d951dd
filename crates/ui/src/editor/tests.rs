use super::layout::underline_range;
use super::*;
use crate::lang::highlight::IncrementalHighlighter;
use crate::lang::theme::ThemeKind;
use crate::model::Diagnostic;
use egui::FontId;

#[test]
fn find_is_case_aware_and_non_overlapping() {
    assert_eq!(find_matches("aaaa", "aa", true), vec![0..2, 2..4]);
    assert_eq!(find_matches("Count count COUNT", "count", false).len(), 3);
    assert_eq!(
        find_matches("Count count COUNT", "count", true),
        vec![6..11]
    );
    assert!(find_matches("abc", "", false).is_empty());
    // Non-ASCII text keeps byte ranges on char boundaries.
    let t = "größe GRÖSSE größe";
    for r in find_matches(t, "GRÖ", false) {
        assert!(t.is_char_boundary(r.start) && t.is_char_boundary(r.end));
        assert_eq!(t[r].to_lowercase(), "grö");
    }
}

#[test]
fn line_arithmetic() {
    let t = "ab\ncdé\n\nx";
    assert_eq!(line_start(t, 1), 0);
    assert_eq!(line_start(t, 2), 3);
    assert_eq!(line_start(t, 4), 9);
    assert_eq!(line_start(t, 99), 9, "clamped to the last line");
    assert_eq!(line_col(t, 0), (1, 1));
    assert_eq!(line_col(t, 6), (2, 4));
    assert_eq!(line_col(t, 8), (4, 1));
    assert_eq!(byte_index(t, 6), 7);
    assert_eq!(char_index(t, 7), 6);
}

#[test]
fn underline_covers_columns_or_the_trimmed_line() {
    let d = Diagnostic::error(1, "x");
    assert_eq!(underline_range("   foo bar  \n", &d), 3..10);
    let d = Diagnostic::error(1, "x").with_columns(4..7);
    assert_eq!(underline_range("é = count;\n", &d), 5..8);
}

#[test]
fn layout_underlines_exactly_the_diagnostic_columns() {
    let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
    h.update("BEGIN\n{ x = y; }\n");
    let d = vec![Diagnostic::error(2, "bad").with_columns(2..3)];
    let job = build_layout_job(&h, &d, &FontId::monospace(14.0), true);
    let underlined: String = job
        .sections
        .iter()
        .filter(|s| s.format.underline.width > 1.0)
        .map(|s| &job.text[s.byte_range.start.0..s.byte_range.end.0])
        .collect();
    assert_eq!(underlined, "x");
    assert_eq!(job.text, "BEGIN\n{ x = y; }\n");
}
