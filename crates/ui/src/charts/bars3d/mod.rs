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
//! `labels` places the names; [`frame`] puts them together as shapes,
//! and [`show`] is the widget.

mod camera;
mod count_axis;
mod grid;
mod labels;

use super::palette;
use crate::model::AggFunction;
use camera::{Camera, World, edges};
use egui::epaint::{Mesh, Shape, Stroke};
use egui::{Align2, Color32, Pos2, Rect, Sense, Ui, Vec2, vec2};

pub use count_axis::{CountAxis, nice_ticks};
pub use grid::{AxisBucket, Grid};
pub use labels::overlaps;

/// Keys drawn before the rest are summed into one "other" row.
pub const DEFAULT_MAX_KEYS: usize = 20;

/// How the chart is turned: yaw around the vertical axis, pitch above the
/// floor, both in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub yaw: f32,
    pub pitch: f32,
    /// Heights on a log scale, so that small counts beside large ones
    /// still show.
    pub log: bool,
}

impl Default for View {
    fn default() -> Self {
        View {
            yaw: -0.45,
            pitch: 0.5,
            log: false,
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
}

/// A bar as drawn: its cell and the outline of its visible faces.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnBar {
    pub key: usize,
    pub bucket: usize,
    pub faces: [[Pos2; 4]; 3],
    /// How far away the bar's middle is; larger is further.
    pub depth: f32,
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

/// Builds the chart for `rect`: bars, floor, walls, axes and labels.
/// `measure` gives the size of a label's text as it will be painted. Keys
/// are laid out largest at the back, so small keys in front do not hide
/// behind large ones.
pub fn frame(grid: &Grid, view: View, rect: Rect, measure: &dyn Fn(&str) -> Vec2) -> Frame {
    let mut out = Frame::default();
    if grid.is_empty() || rect.width() < 20.0 || rect.height() < 20.0 {
        return out;
    }
    let nb = grid.buckets.len();
    let nk = grid.keys.len();
    let world = World::new(nb as f32, nk as f32);
    let scale = if view.log {
        CountAxis::log(grid.max)
    } else {
        CountAxis::linear(grid.max)
    };
    let (plot, cam, candidates) = labels::fit_plot(grid, view, world, &scale, rect, measure);
    out.plot = plot;
    out.axis = scale;
    let z_of = |key: usize| (nk - 1 - key) as f32;
    let height = world.height;

    // The faces that can face the viewer: top, one of +-x, one of +-z.
    let x_face = if cam.sin_yaw > 0.0 { 0.0 } else { 1.0 };
    let z_face = if cam.cos_yaw > 0.0 { 0.0 } else { 1.0 };

    floor(&mut out, &cam, grid, &scale, z_of);

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
        let h = scale.fraction(grid.count(k, b)) as f32 * height;
        let (x0, x1) = (b as f32 + pad, b as f32 + 1.0 - pad);
        let (z0, z1) = (z_of(k) + pad, z_of(k) + 1.0 - pad);
        let p = |x: f32, y: f32, z: f32| cam.project(x, y, z);
        let xs = x0 + (x1 - x0) * x_face;
        let zs = z0 + (z1 - z0) * z_face;
        let top = [p(x0, h, z0), p(x1, h, z0), p(x1, h, z1), p(x0, h, z1)];
        let side_x = [p(xs, 0.0, z0), p(xs, 0.0, z1), p(xs, h, z1), p(xs, h, z0)];
        let side_z = [p(x0, 0.0, zs), p(x1, 0.0, zs), p(x1, h, zs), p(x0, h, zs)];
        let color = palette::color(k);
        quad(&mut out.mesh, &side_x, shade(color, 0.72));
        quad(&mut out.mesh, &side_z, shade(color, 0.55));
        quad(&mut out.mesh, &top, color);
        out.bars.push(DrawnBar {
            key: k,
            bucket: b,
            faces: [top, side_x, side_z],
            depth,
        });
    }
    axes(&mut out, &cam, grid);
    out.labels = labels::place(candidates, rect);
    out
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
        grid.count(key, bucket)
    )
}

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
            log: view.log,
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
        .and_then(|p| frame.bar_at(p))
        .map(|b| (b.key, b.bucket, b.faces));
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

#[cfg(test)]
mod tests;
