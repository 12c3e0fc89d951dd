//! A time range chosen by dragging across a time view (Over time, the heat
//! map), as FlameScope chooses one: while it is set, every other view
//! shows only what the run added within it.

use chrono::{DateTime, Local};
use egui::{Color32, Rect, Ui};
use egui_plot::PlotResponse;

/// How far (in points) the pointer must move for a press to be a drag: a
/// shorter one is a click (which selects a heat map column).
const LEAST_DRAG: f32 = 6.0;

/// "12.0 s .. 18.5 s (6.5 s)", seconds from the start.
pub fn text((from, to): (f64, f64)) -> String {
    format!("{from:.1} s .. {to:.1} s ({:.1} s)", to - from)
}

/// The range on the clock: "14:02:11 .. 14:02:18".
pub fn clock(started: Option<DateTime<Local>>, (from, to): (f64, f64)) -> String {
    format!(
        "{} .. {}",
        super::timeline::clock_text(started, from),
        super::timeline::clock_text(started, to)
    )
}

/// A range as typed: "2-8", "2..8", "2.5 10", "2 to 8" (seconds from the
/// start); `None` unless it is two numbers, the first not after the
/// second, neither negative.
pub fn parse(text: &str) -> Option<(f64, f64)> {
    let text = text.trim().trim_end_matches('s');
    let parts: Vec<&str> = text
        .split(['-', ',', ' '])
        .flat_map(|p| p.split(".."))
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "to")
        .collect();
    let [a, b] = parts[..] else {
        return None;
    };
    let (a, b): (f64, f64) = (
        a.trim_end_matches('s').parse().ok()?,
        b.trim_end_matches('s').parse().ok()?,
    );
    (a.is_finite() && b.is_finite() && a >= 0.0 && a < b).then_some((a, b))
}

/// The selected range, shaded across a time plot.
pub fn span(ctx: &egui::Context, (from, to): (f64, f64)) -> egui_plot::Span {
    let edge = ctx.global_style().visuals.selection.stroke.color;
    egui_plot::Span::new("selected range", from..=to)
        .fill(edge.gamma_multiply(0.18))
        .border_color(edge)
        .border_width(1.5)
}

/// Follows a drag across a time plot whose drag does not pan: shades the
/// part dragged over while the button is down, and gives the range
/// (seconds, in order) when it is let go.
pub fn drag<R>(ui: &Ui, plot: &PlotResponse<R>) -> Option<(f64, f64)> {
    let response = &plot.response;
    // The press's origin is gone by the frame the button is let go in:
    // kept here from the drag's start.
    let key = response.id.with("range-drag-origin");
    if response.drag_started()
        && let Some(origin) = ui.input(|i| i.pointer.press_origin())
    {
        ui.data_mut(|d| d.insert_temp(key, origin));
    }
    let origin: egui::Pos2 = ui.data(|d| d.get_temp(key))?;
    if response.drag_stopped() {
        ui.data_mut(|d| d.remove::<egui::Pos2>(key));
    }
    let now = response
        .interact_pointer_pos()
        .or_else(|| ui.input(|i| i.pointer.latest_pos()))?;
    if !(response.dragged() || response.drag_stopped()) || (now.x - origin.x).abs() < LEAST_DRAG {
        return None;
    }
    let frame = *plot.transform.frame();
    let x0 = origin.x.clamp(frame.left(), frame.right());
    let x1 = now.x.clamp(frame.left(), frame.right());
    if response.dragged() {
        let shade = Rect::from_x_y_ranges(x0.min(x1)..=x0.max(x1), frame.y_range());
        let color: Color32 = ui.visuals().selection.bg_fill.gamma_multiply(0.4);
        ui.painter().rect_filled(shade, 0.0, color);
        ui.ctx().request_repaint();
    }
    if !response.drag_stopped() {
        return None;
    }
    let t = |x: f32| {
        plot.transform
            .value_from_position(egui::pos2(x, frame.center().y))
            .x
    };
    let (a, b) = (t(x0).max(0.0), t(x1).max(0.0));
    Some((a.min(b), a.max(b)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_range_reads_in_seconds_with_its_length() {
        assert_eq!(super::text((2.0, 8.25)), "2.0 s .. 8.2 s (6.2 s)");
    }

    #[test]
    fn ranges_are_typed_as_people_write_them() {
        for text in ["2-8", "2..8", "2 8", "2 to 8", " 2s - 8s ", "2,8"] {
            assert_eq!(super::parse(text), Some((2.0, 8.0)), "{text:?}");
        }
        assert_eq!(super::parse("2.5..10"), Some((2.5, 10.0)));
        for bad in ["", "8-2", "2", "a-b", "1-2-3", "inf-9", "3-3"] {
            assert_eq!(super::parse(bad), None, "{bad:?}");
        }
    }
}
