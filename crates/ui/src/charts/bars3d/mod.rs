//! Distributions (`quantize`, `lquantize`, `llquantize`) as 3D bars:
//! value buckets along X, aggregation keys along Z, counts up Y, in an
//! orthographic projection the user turns by dragging.
//!
//! Everything is drawn with egui's painter into one mesh: no GPU features
//! beyond what software OpenGL over remote X offers. Bars are sorted back
//! to front and only the three faces that can face the viewer are drawn.
//!
//! The parts: [`Grid`] is the table of counts, built without egui;
//! `camera` turns and fits the box, [`CountAxis`] scales the counts,
//! `labels` places the names, [`Legend`] names every key in its colour;
//! [`frame`] puts them together as shapes, and [`show`] is the widget.

mod camera;
mod count_axis;
mod grid;
mod labels;
mod legend;

use super::palette;
use crate::model::AggFunction;
use crate::model::units::Unit;
use camera::{Camera, World, edges};
use egui::epaint::{Mesh, Shape, Stroke};
use egui::{Align2, Color32, Pos2, Rect, Sense, Ui, Vec2, pos2, vec2};

pub use count_axis::{CountAxis, Scale, nice_ticks};
pub use grid::{AxisBucket, Grid};
pub use labels::overlaps;
pub use legend::{Legend, LegendEntry};

/// Keys drawn before the rest are summed into one "other" row.
pub const DEFAULT_MAX_KEYS: usize = 20;

/// How the chart is turned: yaw around the vertical axis, pitch above the
/// floor, both in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub yaw: f32,
    pub pitch: f32,
    /// How counts map to heights: square root or log show small counts
    /// beside large ones.
    pub scale: Scale,
}

impl Default for View {
    fn default() -> Self {
        View {
            yaw: -0.45,
            pitch: 0.5,
            scale: Scale::Linear,
        }
    }
}

impl View {
    pub const MIN_PITCH: f32 = 0.08;
    pub const MAX_PITCH: f32 = 1.45;

    /// Turns the view by a mouse drag of `delta` points.
    pub fn drag(&mut self, delta: Vec2) {
        self.yaw = (self.yaw + delta.x * 0.01).rem_euclid(std::f32::consts::TAU);
        self.pitch = (self.pitch + delta.y * 0.01).clamp(Self::MIN_PITCH, Self::MAX_PITCH);
    }
}

/// What a label names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelKind {
    /// A bucket of the value axis, by index.
    Bucket(usize),
    /// A key (row), by index.
    Key(usize),
    /// A tick of the count axis, with its value.
    Tick(i64),
    /// An axis's name ("value", "count").
    Axis,
}

/// A text placed next to the chart, where it overlaps no other label.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub kind: LabelKind,
    pub text: String,
    /// Where the text goes, measured in the font it is painted in.
    pub rect: Rect,
    /// Along the top of a back wall, for a bucket or key whose label at
    /// the front had no room.
    pub far: bool,
}

/// A bar as drawn: its cell and the outline of its visible faces.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnBar {
    pub key: usize,
    pub bucket: usize,
    pub faces: [[Pos2; 4]; 3],
    /// How far away the bar's middle is; larger is further.
    pub depth: f32,
    /// Its top's colour, the key's.
    pub color: Color32,
}

/// One frame of the chart, ready to paint.
#[derive(Debug)]
pub struct Frame {
    pub mesh: Mesh,
    pub lines: Vec<Shape>,
    pub labels: Vec<Label>,
    /// Back to front, as painted.
    pub bars: Vec<DrawnBar>,
    /// Where the floor, walls and bars are drawn: the rectangle less the
    /// room the labels take.
    pub plot: Rect,
    /// The count axis: its ticks and top, the height of the walls.
    pub axis: CountAxis,
    /// Every key's name and colour, at the right.
    pub legend: Legend,
    /// The line above the plot that reads out the bar under the pointer.
    pub readout: Rect,
}

impl Default for Frame {
    fn default() -> Self {
        Frame {
            mesh: Mesh::default(),
            lines: Vec::new(),
            labels: Vec::new(),
            bars: Vec::new(),
            plot: Rect::NOTHING,
            axis: CountAxis::linear(1),
            legend: Legend::default(),
            readout: Rect::NOTHING,
        }
    }
}

impl Frame {
    /// The front-most bar under `pos`.
    pub fn bar_at(&self, pos: Pos2) -> Option<&DrawnBar> {
        self.bars
            .iter()
            .rev()
            .find(|b| b.faces.iter().any(|f| in_convex_quad(f, pos)))
    }

    /// Whether the key or bucket has a label in this frame.
    pub fn labelled(&self, kind: LabelKind) -> bool {
        self.labels.iter().any(|l| l.kind == kind)
    }
}

fn in_convex_quad(q: &[Pos2; 4], p: Pos2) -> bool {
    let mut sign = 0.0f32;
    for i in 0..4 {
        let a = q[i];
        let b = q[(i + 1) % 4];
        let cross = (b - a).x * (p - a).y - (b - a).y * (p - a).x;
        if cross.abs() < f32::EPSILON {
            continue;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    sign != 0.0
}

/// Part of a cell a bar covers, so the floor shows between bars.
const BAR_FILL: f32 = 0.72;

/// Builds the chart for `rect`: the legend at the right, the readout
/// line at the top, and bars, floor, walls, axes and labels in the rest.
/// `measure` gives the size of a label's text as it will be painted. Keys
/// are laid out largest at the back, so small keys in front do not hide
/// behind large ones.
pub fn frame(grid: &Grid, view: View, rect: Rect, measure: &dyn Fn(&str) -> Vec2) -> Frame {
    let mut out = Frame::default();
    if grid.is_empty() || rect.width() < 20.0 || rect.height() < 20.0 {
        return out;
    }
    out.legend = legend::layout(grid, rect, measure);
    let right = if out.legend.entries.is_empty() {
        rect.right()
    } else {
        out.legend.rect.left() - legend::GAP
    };
    out.readout = Rect::from_min_max(rect.min, pos2(right, rect.top() + measure("Ag").y));
    let rect = Rect::from_min_max(
        pos2(rect.left(), out.readout.bottom()),
        pos2(right, rect.bottom()),
    );
    if rect.height() < 20.0 {
        return out;
    }
    let world = World::new(grid.buckets.len() as f32, grid.keys.len() as f32);
    let scale = CountAxis::new(view.scale, grid.max);
    // The labels along the back walls cost room at the top and the side,
    // so they are only asked for when the front ones do not name every
    // bucket and key, and only kept when the bars keep most of their room.
    let (mut plot, mut cam, candidates) =
        labels::fit_plot(grid, view, world, &scale, rect, measure, false);
    out.labels = labels::place(candidates, rect);
    let named = grid.buckets.len() + grid.keys.len();
    let front = out
        .labels
        .iter()
        .filter(|l| matches!(l.kind, LabelKind::Bucket(_) | LabelKind::Key(_)));
    if front.count() < named {
        let (p, c, candidates) = labels::fit_plot(grid, view, world, &scale, rect, measure, true);
        if p.area() >= plot.area() * 0.8 {
            (plot, cam) = (p, c);
            out.labels = labels::place(candidates, rect);
        }
    }
    out.plot = plot;
    out.axis = scale;
    floor(&mut out, &cam, grid, &scale, |k| {
        (grid.keys.len() - 1 - k) as f32
    });
    bars(&mut out, &cam, grid, &scale);
    axes(&mut out, &cam, grid);
    out
}

/// The least height a count above zero stands on a square root or log
/// scale, in points: those scales are chosen to see the small counts.
const MIN_BAR: f32 = 3.0;

/// The bars, back to front, in the keys' colours.
fn bars(out: &mut Frame, cam: &Camera, grid: &Grid, scale: &CountAxis) {
    let nb = grid.buckets.len();
    let nk = grid.keys.len();
    let z_of = |key: usize| (nk - 1 - key) as f32;
    let height = cam.world.height;
    let colors = palette::key_colors(grid.shown(), grid.folded > 0);
    // Points per unit of height, as the camera draws it.
    let up = (cam.project(0.0, 0.0, 0.0) - cam.project(0.0, 1.0, 0.0)).length();
    let least = match scale.scale {
        Scale::Linear => 0.0,
        _ => (MIN_BAR / up.max(1e-3)).min(height * 0.05),
    };

    // The faces that can face the viewer: top, one of +-x, one of +-z.
    let x_face = if cam.sin_yaw > 0.0 { 0.0 } else { 1.0 };
    let z_face = if cam.cos_yaw > 0.0 { 0.0 } else { 1.0 };
    let mut order: Vec<(f32, usize, usize)> = Vec::with_capacity(nb * nk);
    for k in 0..nk {
        for b in 0..nb {
            if grid.count(k, b) > 0 {
                let d = cam.depth(b as f32 + 0.5, 0.0, z_of(k) + 0.5);
                order.push((d, k, b));
            }
        }
    }
    order.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
    out.mesh.reserve_triangles(order.len() * 6);
    out.mesh.reserve_vertices(order.len() * 12);
    out.bars.reserve(order.len());
    let pad = (1.0 - BAR_FILL) / 2.0;
    for (depth, k, b) in order {
        let h = (scale.fraction(grid.count(k, b)) as f32 * height).max(least);
        let (x0, x1) = (b as f32 + pad, b as f32 + 1.0 - pad);
        let (z0, z1) = (z_of(k) + pad, z_of(k) + 1.0 - pad);
        let p = |x: f32, y: f32, z: f32| cam.project(x, y, z);
        let xs = x0 + (x1 - x0) * x_face;
        let zs = z0 + (z1 - z0) * z_face;
        let top = [p(x0, h, z0), p(x1, h, z0), p(x1, h, z1), p(x0, h, z1)];
        let side_x = [p(xs, 0.0, z0), p(xs, 0.0, z1), p(xs, h, z1), p(xs, h, z0)];
        let side_z = [p(x0, 0.0, zs), p(x1, 0.0, zs), p(x1, h, zs), p(x0, h, zs)];
        let color = colors[k];
        quad(&mut out.mesh, &side_x, shade(color, 0.72));
        quad(&mut out.mesh, &side_z, shade(color, 0.55));
        quad(&mut out.mesh, &top, color);
        out.bars.push(DrawnBar {
            key: k,
            bucket: b,
            faces: [top, side_x, side_z],
            depth,
            color,
        });
    }
}

fn floor(
    out: &mut Frame,
    cam: &Camera,
    grid: &Grid,
    scale: &CountAxis,
    z_of: impl Fn(usize) -> f32,
) {
    let nb = grid.buckets.len() as f32;
    let nk = grid.keys.len() as f32;
    let line = Stroke::new(1.0, Color32::from_gray(128).gamma_multiply(0.5));
    let corners = [
        cam.project(0.0, 0.0, 0.0),
        cam.project(nb, 0.0, 0.0),
        cam.project(nb, 0.0, nk),
        cam.project(0.0, 0.0, nk),
    ];
    out.lines.push(Shape::convex_polygon(
        corners.to_vec(),
        Color32::from_gray(128).gamma_multiply(0.12),
        line,
    ));
    for k in 1..grid.keys.len() {
        let z = z_of(k) + 1.0;
        out.lines.push(Shape::line_segment(
            [cam.project(0.0, 0.0, z), cam.project(nb, 0.0, z)],
            line,
        ));
    }
    // The back walls, where the eye looks past the bars, lined at each
    // count tick.
    let back_x = if cam.sin_yaw > 0.0 { nb } else { 0.0 };
    let back_z = if cam.cos_yaw > 0.0 { nk } else { 0.0 };
    for v in scale.ticks().into_iter().skip(1) {
        let y = scale.fraction(v) as f32 * cam.world.height;
        out.lines.push(Shape::line_segment(
            [cam.project(0.0, y, back_z), cam.project(nb, y, back_z)],
            line,
        ));
        out.lines.push(Shape::line_segment(
            [cam.project(back_x, y, 0.0), cam.project(back_x, y, nk)],
            line,
        ));
    }
}

fn axes(out: &mut Frame, cam: &Camera, grid: &Grid) {
    let nb = grid.buckets.len() as f32;
    let nk = grid.keys.len() as f32;
    let axis = Stroke::new(1.0, Color32::from_gray(150));
    let e = edges(cam, grid);
    out.lines.push(Shape::line_segment(
        [
            cam.project(0.0, 0.0, e.front_z),
            cam.project(nb, 0.0, e.front_z),
        ],
        axis,
    ));
    out.lines.push(Shape::line_segment(
        [
            cam.project(e.side_x, 0.0, 0.0),
            cam.project(e.side_x, 0.0, nk),
        ],
        axis,
    ));
    let (cx, cz) = e.corner;
    let base = cam.project(cx, 0.0, cz);
    let top = cam.project(cx, cam.world.height, cz);
    out.lines.push(Shape::line_segment([base, top], axis));
    for v in out.axis.ticks() {
        let y = out.axis.fraction(v) as f32 * cam.world.height;
        let p = cam.project(cx, y, cz);
        out.lines
            .push(Shape::line_segment([p, p + vec2(-4.0, 0.0)], axis));
    }
}

fn quad(mesh: &mut Mesh, q: &[Pos2; 4], color: Color32) {
    let i = mesh.vertices.len() as u32;
    for p in q {
        mesh.colored_vertex(*p, color);
    }
    mesh.add_triangle(i, i + 1, i + 2);
    mesh.add_triangle(i, i + 2, i + 3);
}

fn shade(c: Color32, f: f32) -> Color32 {
    let s = |v: u8| (v as f32 * f) as u8;
    Color32::from_rgb(s(c.r()), s(c.g()), s(c.b()))
}

/// What the bar under the pointer says.
pub fn describe(grid: &Grid, key: usize, bucket: usize) -> String {
    format!(
        "{}\nvalue {}\ncount {}",
        grid.keys[key],
        grid.buckets[bucket].range_in(grid.unit),
        Unit::Number.short_or_exact(grid.count(key, bucket))
    )
}

/// The bar under the pointer in one line, read without waiting for a
/// tooltip: "read · 16.4 µs .. 32.8 µs · count 1,234 (12.5 % of the
/// key)".
pub fn readout(grid: &Grid, key: usize, bucket: usize) -> String {
    let count = grid.count(key, bucket);
    let total = grid.total(key).max(1);
    format!(
        "{} · {} · count {} ({} of the key)",
        grid.keys[key],
        grid.buckets[bucket].range_in(grid.unit),
        Unit::Number.short_or_exact(count),
        percent(count as f64 / total as f64)
    )
}

/// A share as a percentage with the digits it needs: "12.5 %", "0.004 %".
fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 || p == 0.0 {
        format!("{p:.1} %")
    } else {
        // Two significant digits: a small key's share is not "0.0 %".
        let digits = (1 - p.log10().floor() as i32).clamp(1, 6) as usize;
        format!("{p:.digits$} %")
    }
}

/// What the chart says above the plot when no bar is under the pointer.
pub const READOUT_HINT: &str = "point at a bar to read its count";

/// What the chart shows, for its title line: "2 keys x 5 buckets of
/// lquantize".
pub fn caption(grid: &Grid, function: AggFunction) -> String {
    let mut caption = format!(
        "{} keys x {} buckets of {}",
        grid.keys.len(),
        grid.buckets.len(),
        function.name()
    );
    if grid.folded > 0 {
        caption += &format!(" ({} smaller keys summed as other)", grid.folded);
    }
    caption
}

/// The least height the chart is drawn in: room for the bars and a row of
/// labels under them.
pub const MIN_HEIGHT: f32 = 60.0;

/// How the chart is turned, shown next to it (never inside an export).
pub const HINT: &str = "drag to turn, double-click to reset";

/// What one drawing of the chart showed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drawn {
    /// The hovered bar's key and bucket.
    pub hovered: Option<(usize, usize)>,
    /// The labels drawn, as computed for the view drawn.
    pub labels: Vec<Label>,
}

/// Draws the chart in all the space left in `ui`; dragging turns it, a
/// double click resets the view.
pub fn show(ui: &mut Ui, grid: &Grid, function: AggFunction, view: &mut View) -> Drawn {
    if grid.is_empty() {
        super::centered_message(ui, "Nothing to chart yet: no key has counts.");
        return Drawn::default();
    }
    if ui.available_height() < MIN_HEIGHT {
        // A strip this low shows bars no one can tell apart and no labels.
        super::centered_message(
            ui,
            "Too low for the 3D chart: make the panel taller (or Maximize it), \
             or show the Table.",
        );
        return Drawn::default();
    }
    let caption = caption(grid, function);
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), Sense::click_and_drag());
    // Screen readers (and UI tests) get the caption as the chart's name.
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Image, true, format!("{caption}; {HINT}"))
    });
    if response.dragged() {
        view.drag(response.drag_delta());
    }
    if response.double_clicked() {
        *view = View {
            scale: view.scale,
            ..View::default()
        };
    }
    let font = egui::TextStyle::Body.resolve(ui.style());
    let painter = ui.painter_at(rect);
    let text_color = ui.visuals().text_color();
    let measure = |t: &str| {
        painter
            .layout_no_wrap(t.to_owned(), font.clone(), text_color)
            .size()
    };
    // Labels are computed for the view after this frame's drag, so they
    // follow the chart as it turns.
    let mut frame = frame(grid, *view, rect, &measure);
    painter.extend(frame.lines.iter().cloned());
    painter.add(Shape::mesh(std::mem::take(&mut frame.mesh)));
    for l in &frame.labels {
        painter.text(
            l.rect.min,
            Align2::LEFT_TOP,
            &l.text,
            font.clone(),
            text_color,
        );
    }
    let hovered = response
        .hover_pos()
        .filter(|p| !frame.legend.rect.contains(*p))
        .and_then(|p| frame.bar_at(p))
        .map(|b| (b.key, b.bucket, b.faces));
    let readout_text = match hovered {
        Some((k, b, _)) => egui::RichText::new(readout(grid, k, b)).color(text_color),
        None => egui::RichText::new(READOUT_HINT).weak(),
    };
    ui.scope_builder(egui::UiBuilder::new().max_rect(frame.readout), |ui| {
        ui.add(egui::Label::new(readout_text).truncate());
    });
    if !frame.legend.entries.is_empty() {
        legend_ui(ui, &frame.legend, hovered.map(|h| h.0));
    }
    if let Some((k, b, faces)) = hovered {
        let stroke = Stroke::new(2.0, ui.visuals().strong_text_color());
        for f in faces {
            painter.add(Shape::closed_line(f.to_vec(), stroke));
        }
        response.on_hover_text_at_pointer(describe(grid, k, b));
    }
    Drawn {
        hovered: hovered.map(|(k, b, _)| (k, b)),
        labels: frame.labels,
    }
}

/// Paints the legend, scrolling when it is taller than its place, with
/// the hovered key's entry marked.
fn legend_ui(ui: &mut Ui, legend: &Legend, hovered: Option<usize>) {
    let font = egui::TextStyle::Body.resolve(ui.style());
    let visuals = ui.visuals().clone();
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(legend.rect));
    egui::ScrollArea::vertical()
        .id_salt("bars3d-legend")
        .auto_shrink([false, false])
        // A floating bar shows only under the pointer, and a legend whose
        // last row ends at the panel's edge would look cut, not scrolled.
        .scroll_bar_visibility(egui::scroll_area::ScrollBarVisibility::AlwaysVisible)
        .show(&mut child, |ui| {
            let size = vec2(legend.rect.width(), legend.height);
            let (area, _) = ui.allocate_exact_size(size, Sense::hover());
            let shift = area.min - legend.rect.min;
            let painter = ui.painter();
            for e in &legend.entries {
                let r = e.rect.translate(shift);
                let marked = hovered == Some(e.key);
                if !ui.is_rect_visible(r) {
                    // The bar under the pointer names its key in the
                    // legend even where that entry is scrolled away.
                    if marked {
                        ui.scroll_to_rect(r, Some(egui::Align::Center));
                    }
                    continue;
                }
                // Screen readers (and UI tests) read the entries in view.
                let entry = ui.interact(r, ui.scope_id().with(("legend", e.key)), Sense::hover());
                entry.widget_info(|| {
                    egui::WidgetInfo::selected(
                        egui::Role::ListItem,
                        true,
                        marked,
                        format!("legend: {}", e.text()),
                    )
                });
                if marked {
                    painter.rect_filled(r.expand(2.0), 2.0, visuals.selection.bg_fill);
                }
                let swatch_y = r.top() + (legend.line_height - legend::SWATCH) / 2.0;
                let swatch =
                    Rect::from_min_size(pos2(r.left(), swatch_y), Vec2::splat(legend::SWATCH));
                painter.rect_filled(swatch, 1.0, e.color);
                let color = if marked {
                    visuals.strong_text_color()
                } else {
                    visuals.text_color()
                };
                for (i, line) in e.lines.iter().enumerate() {
                    let at =
                        r.min + legend::text_offset() + vec2(0.0, i as f32 * legend.line_height);
                    painter.text(at, Align2::LEFT_TOP, line, font.clone(), color);
                }
            }
        });
}

#[cfg(test)]
mod tests;
