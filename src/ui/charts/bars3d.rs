//! Distributions (`quantize`, `lquantize`, `llquantize`) as 3D bars:
//! value buckets along X, aggregation keys along Z, counts up Y, in an
//! orthographic projection the user turns by dragging.
//!
//! Everything is drawn with egui's painter into one mesh: no GPU features
//! beyond what software OpenGL over remote X offers. Bars are sorted back
//! to front and only the three faces that can face the viewer are drawn.

use super::palette;
use crate::model::{AggFunction, Aggregation, key_label};
use egui::epaint::{Mesh, Shape, Stroke};
use egui::{Align2, Color32, Pos2, Rect, Sense, Ui, Vec2, pos2, vec2};
use std::collections::BTreeMap;

/// Keys drawn before the rest are summed into one "other" row.
pub const DEFAULT_MAX_KEYS: usize = 20;

/// One bucket of the common X axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisBucket {
    /// dtrace's label for the bucket ("64", "< 0", ">= 100").
    pub label: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl AxisBucket {
    /// The values the bucket counts, for tooltips and tables.
    pub fn range_text(&self) -> String {
        match (self.min, self.max) {
            (None, Some(max)) => format!("< {}", max.saturating_add(1)),
            (Some(min), None) => format!(">= {min}"),
            (Some(min), Some(max)) if min == max => format!("{min}"),
            (Some(min), Some(max)) => format!("{min} .. {max}"),
            (None, None) => self.label.clone(),
        }
    }
}

/// The buckets x keys table of counts a 3D chart shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Grid {
    /// Largest total first; the last is "other (N keys)" when keys were
    /// folded.
    pub keys: Vec<String>,
    pub buckets: Vec<AxisBucket>,
    /// `counts[key * buckets.len() + bucket]`.
    pub counts: Vec<i64>,
    pub max: i64,
    /// Keys summed into the "other" row.
    pub folded: usize,
}

impl Grid {
    pub fn build(agg: &Aggregation, max_keys: usize) -> Grid {
        if !agg.function.is_distribution() {
            return Grid::default();
        }
        // dtrace trims each key's buckets to where it has data, so the axis
        // is the union of the buckets of all keys, in value order.
        let mut axis: BTreeMap<(i64, i64), &str> = BTreeMap::new();
        for row in &agg.rows {
            for b in row.value.buckets() {
                axis.entry(bucket_order(b.min, b.max)).or_insert(&b.label);
            }
        }
        let slot: BTreeMap<(i64, i64), usize> =
            axis.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let buckets: Vec<AxisBucket> = axis
            .iter()
            .map(|(&(min, max), label)| AxisBucket {
                label: (*label).to_owned(),
                min: (min != i64::MIN).then_some(min),
                max: (max != i64::MAX).then_some(max),
            })
            .collect();
        let mut order: Vec<(i128, usize)> = agg
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.value.buckets().iter().map(|b| b.count as i128).sum(), i))
            .collect();
        order.sort_unstable_by(|a, b| b.cmp(a));
        let max_keys = max_keys.max(1);
        let shown = if order.len() > max_keys {
            max_keys - 1
        } else {
            order.len()
        };
        let folded = order.len() - shown;
        let rows = shown + usize::from(folded > 0);
        let nb = buckets.len();
        let mut counts = vec![0i64; rows * nb];
        let mut keys = Vec::with_capacity(rows);
        for (k, &(_, i)) in order.iter().enumerate() {
            let row = &agg.rows[i];
            let target = k.min(shown);
            if k < shown {
                let label = key_label(&row.key);
                keys.push(if label.is_empty() {
                    "(no key)".to_owned()
                } else {
                    label
                });
            }
            for b in row.value.buckets() {
                let c = &mut counts[target * nb + slot[&bucket_order(b.min, b.max)]];
                *c = c.saturating_add(b.count);
            }
        }
        if folded > 0 {
            keys.push(format!("other ({folded} keys)"));
        }
        let max = counts.iter().copied().max().unwrap_or(0);
        Grid {
            keys,
            buckets,
            counts,
            max,
            folded,
        }
    }

    pub fn count(&self, key: usize, bucket: usize) -> i64 {
        self.counts[key * self.buckets.len() + bucket]
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() || self.buckets.is_empty()
    }
}

fn bucket_order(min: Option<i64>, max: Option<i64>) -> (i64, i64) {
    (min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX))
}

/// How the chart is turned: yaw around the vertical axis, pitch above the
/// floor, both in radians.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct View {
    pub yaw: f32,
    pub pitch: f32,
}

impl Default for View {
    fn default() -> Self {
        View {
            yaw: -0.45,
            pitch: 0.5,
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

/// A text to paint at a point (the painter needs fonts, the geometry not).
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub pos: Pos2,
    pub text: String,
    pub align: Align2,
}

/// A bar as drawn: its cell and the outline of its visible faces.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnBar {
    pub key: usize,
    pub bucket: usize,
    pub faces: [[Pos2; 4]; 3],
}

/// One frame of the chart, ready to paint.
#[derive(Debug, Default)]
pub struct Frame {
    pub mesh: Mesh,
    pub lines: Vec<Shape>,
    pub labels: Vec<Label>,
    /// Back to front, as painted.
    pub bars: Vec<DrawnBar>,
}

impl Frame {
    /// The front-most bar under `pos`.
    pub fn bar_at(&self, pos: Pos2) -> Option<&DrawnBar> {
        self.bars
            .iter()
            .rev()
            .find(|b| b.faces.iter().any(|f| in_convex_quad(f, pos)))
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

/// The orthographic camera for a grid and a view, fitted to a rectangle.
struct Camera {
    /// World size of a bucket (x) and a key (z) cell: the floor keeps its
    /// shape (2 wide, up to 1.4 deep) whatever the number of buckets and
    /// keys.
    cell: [f32; 2],
    cos_yaw: f32,
    sin_yaw: f32,
    cos_pitch: f32,
    sin_pitch: f32,
    center: [f32; 2],
    scale: f32,
    offset: Vec2,
}

impl Camera {
    fn new(view: View, nb: f32, nk: f32, height: f32, rect: Rect) -> Camera {
        let wx = 2.0 / nb.max(1.0);
        let wz = (1.4 / nk.max(1.0)).min(wx * 1.2);
        let mut cam = Camera {
            cell: [wx, wz],
            cos_yaw: view.yaw.cos(),
            sin_yaw: view.yaw.sin(),
            cos_pitch: view.pitch.cos(),
            sin_pitch: view.pitch.sin(),
            center: [nb / 2.0, nk / 2.0],
            scale: 1.0,
            offset: Vec2::ZERO,
        };
        let mut lo = pos2(f32::MAX, f32::MAX);
        let mut hi = pos2(f32::MIN, f32::MIN);
        for x in [0.0, nb] {
            for y in [0.0, height] {
                for z in [0.0, nk] {
                    let (p, _) = cam.raw(x, y, z);
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
            }
        }
        let size = (hi - lo).max(vec2(1e-3, 1e-3));
        cam.scale = (rect.width() / size.x).min(rect.height() / size.y);
        let mid = (lo.to_vec2() + hi.to_vec2()) / 2.0 * cam.scale;
        cam.offset = rect.center().to_vec2() - mid;
        cam
    }

    /// Screen position (unscaled) and depth; larger depth is further away.
    fn raw(&self, x: f32, y: f32, z: f32) -> (Pos2, f32) {
        let x = (x - self.center[0]) * self.cell[0];
        let z = (z - self.center[1]) * self.cell[1];
        let xr = x * self.cos_yaw - z * self.sin_yaw;
        let zr = x * self.sin_yaw + z * self.cos_yaw;
        let sy = -y * self.cos_pitch - zr * self.sin_pitch;
        (pos2(xr, sy), zr * self.cos_pitch - y * self.sin_pitch)
    }

    fn project(&self, x: f32, y: f32, z: f32) -> Pos2 {
        let (p, _) = self.raw(x, y, z);
        (p.to_vec2() * self.scale + self.offset).to_pos2()
    }

    fn depth(&self, x: f32, y: f32, z: f32) -> f32 {
        self.raw(x, y, z).1
    }
}

/// The height of the tallest bar, against a floor 2 wide.
const HEIGHT: f32 = 0.9;

/// Part of a cell a bar covers, so the floor shows between bars.
const BAR_FILL: f32 = 0.72;

/// Builds the chart for `rect`: bars, floor, axes and labels. Keys are laid
/// out largest at the back, so small keys in front do not hide behind
/// large ones.
pub fn frame(grid: &Grid, view: View, rect: Rect) -> Frame {
    let mut out = Frame::default();
    if grid.is_empty() {
        return out;
    }
    let nb = grid.buckets.len();
    let nk = grid.keys.len();
    let (nbf, nkf) = (nb as f32, nk as f32);
    let height = HEIGHT;
    // Room for the labels around the plot.
    let plot = Rect::from_min_max(rect.min + vec2(70.0, 24.0), rect.max - vec2(110.0, 46.0));
    if plot.width() < 10.0 || plot.height() < 10.0 {
        return out;
    }
    let cam = Camera::new(view, nbf, nkf, height, plot);
    let z_of = |key: usize| (nk - 1 - key) as f32;

    // The faces that can face the viewer: top, one of +-x, one of +-z.
    let x_face = if cam.sin_yaw > 0.0 { 0.0 } else { 1.0 };
    let z_face = if cam.cos_yaw > 0.0 { 0.0 } else { 1.0 };

    floor(&mut out, &cam, grid, height, z_of);

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
    for (_, k, b) in order {
        let h = grid.count(k, b) as f32 / grid.max.max(1) as f32 * height;
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
        });
    }
    axes(&mut out, &cam, grid, height, z_of, plot);
    out
}

fn floor(out: &mut Frame, cam: &Camera, grid: &Grid, height: f32, z_of: impl Fn(usize) -> f32) {
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
    // The back walls: where the eye looks past the bars.
    let back_x = if cam.sin_yaw > 0.0 { nb } else { 0.0 };
    let back_z = if cam.cos_yaw > 0.0 { nk } else { 0.0 };
    for i in 1..=4 {
        let y = height * i as f32 / 4.0;
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

fn axes(
    out: &mut Frame,
    cam: &Camera,
    grid: &Grid,
    height: f32,
    z_of: impl Fn(usize) -> f32,
    plot: Rect,
) {
    let nb = grid.buckets.len();
    let nk = grid.keys.len();
    let axis = Stroke::new(1.0, Color32::from_gray(150));
    // The value axis runs along the front edge, the key axis along the
    // side edge nearest the viewer, the count axis up the back corner.
    let front_z = if cam.cos_yaw > 0.0 { 0.0 } else { nk as f32 };
    let side_x = if cam.sin_yaw > 0.0 { 0.0 } else { nb as f32 };
    let back_x = nb as f32 - side_x;
    let back_z = nk as f32 - front_z;
    let outward = |from: Pos2| (from - plot.center()).normalized() * 8.0;

    let a = cam.project(0.0, 0.0, front_z);
    let b = cam.project(nb as f32, 0.0, front_z);
    out.lines.push(Shape::line_segment([a, b], axis));
    // Bucket labels sit side by side under their axis.
    let step = label_step(nb, (b - a).x.abs(), 40.0);
    for i in (0..nb).step_by(step) {
        let p = cam.project(i as f32 + 0.5, 0.0, front_z);
        out.labels.push(Label {
            pos: p + outward(p),
            text: grid.buckets[i].label.clone(),
            align: Align2::CENTER_TOP,
        });
    }
    let end = if (b - plot.center()).x > (a - plot.center()).x {
        b
    } else {
        a
    };
    out.labels.push(Label {
        pos: end + outward(end) + vec2(0.0, 16.0),
        text: "value".into(),
        align: Align2::CENTER_TOP,
    });

    let a = cam.project(side_x, 0.0, 0.0);
    let b = cam.project(side_x, 0.0, nk as f32);
    out.lines.push(Shape::line_segment([a, b], axis));
    // Key labels run sideways from their axis, one line of text each.
    let step = label_step(nk, (b - a).y.abs(), 13.0);
    for k in (0..nk).step_by(step) {
        let p = cam.project(side_x, 0.0, z_of(k) + 0.5);
        let right = p.x > plot.center().x;
        out.labels.push(Label {
            pos: p + outward(p),
            text: truncate(&grid.keys[k], 28),
            align: if right {
                Align2::LEFT_CENTER
            } else {
                Align2::RIGHT_CENTER
            },
        });
    }

    let base = cam.project(back_x, 0.0, back_z);
    let top = cam.project(back_x, height, back_z);
    out.lines.push(Shape::line_segment([base, top], axis));
    for i in 0..=4 {
        let y = height * i as f32 / 4.0;
        let p = cam.project(back_x, y, back_z);
        out.lines
            .push(Shape::line_segment([p, p + vec2(-4.0, 0.0)], axis));
        out.labels.push(Label {
            pos: p + vec2(-6.0, 0.0),
            text: (grid.max as i128 * i / 4).to_string(),
            align: Align2::RIGHT_CENTER,
        });
    }
    out.labels.push(Label {
        pos: top + vec2(0.0, -6.0),
        text: "count".into(),
        align: Align2::CENTER_BOTTOM,
    });
}

/// Label every n-th of `count` ticks so that labels `gap` apart fit in
/// `room` points.
fn label_step(count: usize, room: f32, gap: f32) -> usize {
    let fit = (room / gap).floor().max(1.0) as usize;
    count.div_ceil(fit).max(1)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
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
        grid.buckets[bucket].range_text(),
        grid.count(key, bucket)
    )
}

/// Draws the chart; dragging turns it, a double click resets the view.
/// Returns the hovered bar's key and bucket.
pub fn show(
    ui: &mut Ui,
    grid: &Grid,
    function: AggFunction,
    view: &mut View,
) -> Option<(usize, usize)> {
    if grid.is_empty() {
        ui.label("Nothing to chart yet: no key has counts.");
        return None;
    }
    let mut caption = format!(
        "{} keys x {} buckets of {}",
        grid.keys.len(),
        grid.buckets.len(),
        function.name()
    );
    if grid.folded > 0 {
        caption += &format!(" ({} smaller keys summed as other)", grid.folded);
    }
    caption += "; drag to turn, double-click to reset";
    let size = ui.available_size().max(vec2(200.0, 160.0));
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    // Screen readers (and UI tests) get the caption as the chart's name.
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, &caption));
    if response.dragged() {
        view.drag(response.drag_delta());
    }
    if response.double_clicked() {
        *view = View::default();
    }
    let mut frame = frame(grid, *view, rect);
    let painter = ui.painter_at(rect);
    painter.extend(frame.lines.iter().cloned());
    painter.add(Shape::mesh(std::mem::take(&mut frame.mesh)));
    let text_color = ui.visuals().text_color();
    let font = egui::TextStyle::Small.resolve(ui.style());
    painter.text(
        rect.left_top(),
        Align2::LEFT_TOP,
        &caption,
        font.clone(),
        ui.visuals().weak_text_color(),
    );
    for l in &frame.labels {
        painter.text(l.pos, l.align, &l.text, font.clone(), text_color);
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
    hovered.map(|(k, b, _)| (k, b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::charts::fixtures::lquantize;

    fn sample() -> Aggregation {
        lquantize(&[
            ("bash", &[(0, 0), (10, 4), (20, 0)]),
            ("sshd", &[(-1, 0), (0, 7), (10, 2), (20, 0)]),
            ("cat", &[(40, 0), (50, 1), (60, 0)]),
        ])
    }

    #[test]
    fn the_axis_is_the_union_of_every_keys_buckets_in_value_order() {
        let g = Grid::build(&sample(), 20);
        let labels: Vec<&str> = g.buckets.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["< 0", "0", "10", "20", "40", "50", "60"]);
        assert_eq!(g.buckets[0].range_text(), "< 0");
        assert_eq!(g.buckets[2].range_text(), "10 .. 19");
        // Largest total first.
        assert_eq!(g.keys, ["sshd", "bash", "cat"]);
        assert_eq!(g.count(0, 1), 7);
        assert_eq!(g.count(0, 2), 2);
        assert_eq!(g.count(1, 2), 4);
        assert_eq!(g.count(2, 5), 1);
        assert_eq!(g.count(2, 1), 0);
        assert_eq!(g.max, 7);
    }

    #[test]
    fn keys_beyond_the_limit_are_summed_as_other() {
        let g = Grid::build(&sample(), 2);
        assert_eq!(g.keys, ["sshd", "other (2 keys)"]);
        assert_eq!(g.folded, 2);
        assert_eq!(g.count(1, 2), 4);
        assert_eq!(g.count(1, 5), 1);
    }

    #[test]
    fn bars_are_drawn_back_to_front_and_hover_finds_the_front_one() {
        let g = Grid::build(&sample(), 20);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 500.0));
        let f = frame(&g, View::default(), rect);
        // One bar per non-zero cell, three faces of four vertices each.
        assert_eq!(f.bars.len(), 4);
        assert_eq!(f.mesh.vertices.len(), 4 * 12);
        let cam = Camera::new(View::default(), 7.0, 3.0, HEIGHT, rect);
        let depth = |b: &DrawnBar| {
            cam.depth(
                b.bucket as f32 + 0.5,
                0.0,
                (g.keys.len() - 1 - b.key) as f32 + 0.5,
            )
        };
        for pair in f.bars.windows(2) {
            assert!(depth(&pair[0]) >= depth(&pair[1]), "far bars first");
        }
        // The middle of a bar's top face is that bar, or one in front of
        // it that hides it; the front-most bar is never hidden.
        let index = |b: &DrawnBar| f.bars.iter().position(|x| x == b).unwrap();
        for b in &f.bars {
            let top = b.faces[0];
            let mid = (top[0].to_vec2() + top[2].to_vec2()) / 2.0;
            let hit = f.bar_at(mid.to_pos2()).unwrap();
            assert!(index(hit) >= index(b));
        }
        let front = f.bars.last().unwrap();
        let top = front.faces[0];
        let mid = (top[0].to_vec2() + top[2].to_vec2()) / 2.0;
        assert_eq!(f.bar_at(mid.to_pos2()), Some(front));
        let tallest = f
            .bars
            .iter()
            .find(|b| g.count(b.key, b.bucket) == 7)
            .unwrap();
        assert_eq!(
            describe(&g, tallest.key, tallest.bucket),
            "sshd\nvalue 0 .. 9\ncount 7"
        );
    }

    #[test]
    fn bar_heights_follow_the_counts() {
        let g = Grid::build(&sample(), 20);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 500.0));
        let f = frame(&g, View::default(), rect);
        let height = |k, b| {
            let bar = f.bars.iter().find(|x| x.key == k && x.bucket == b).unwrap();
            // The x side face: from floor (first vertex) to top (last).
            bar.faces[1][0].y - bar.faces[1][3].y
        };
        let (h7, h4, h1) = (height(0, 1), height(1, 2), height(2, 5));
        assert!((h4 / h7 - 4.0 / 7.0).abs() < 1e-3, "{h4} / {h7}");
        assert!((h1 / h7 - 1.0 / 7.0).abs() < 1e-3, "{h1} / {h7}");
    }

    #[test]
    fn dragging_turns_the_view_and_pitch_stays_above_the_floor() {
        let mut v = View::default();
        v.drag(vec2(100.0, 0.0));
        assert!(
            (v.yaw - (View::default().yaw + 1.0).rem_euclid(std::f32::consts::TAU)).abs() < 1e-5
        );
        v.drag(vec2(0.0, -1000.0));
        assert_eq!(v.pitch, View::MIN_PITCH);
        v.drag(vec2(0.0, 1000.0));
        assert_eq!(v.pitch, View::MAX_PITCH);
        let g = Grid::build(&sample(), 20);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(800.0, 500.0));
        for yaw in 0..12 {
            let view = View {
                yaw: yaw as f32 * 0.5,
                pitch: 0.6,
            };
            let f = frame(&g, view, rect);
            assert_eq!(f.bars.len(), 4);
            assert!(f.mesh.vertices.iter().all(|v| rect.contains(v.pos)));
        }
    }
}
