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

/// The size of the box the chart is built in: cells of `cell[0]` (a
/// bucket, along x) by `cell[1]` (a key, along z), walls `height` high.
#[derive(Debug, Clone, Copy, PartialEq)]
struct World {
    cell: [f32; 2],
    height: f32,
}

impl World {
    /// A floor 2 wide and up to 1.4 deep, whatever the number of buckets
    /// and keys. The box keeps this shape in any panel: the camera, not
    /// the world, stretches it to fill the panel, which keeps the key axis
    /// as deep as the value axis is long in proportion (room for the key
    /// labels) where a wider world would flatten it.
    fn new(nb: f32, nk: f32) -> World {
        let wx = 2.0 / nb.max(1.0);
        let wz = (1.4 / nk.max(1.0)).min(wx * 1.2);
        World {
            cell: [wx, wz],
            height: HEIGHT,
        }
    }
}

/// The orthographic camera for a grid and a view, fitted to a rectangle:
/// the box of the chart, turned, fills the rectangle exactly (scaled on
/// each screen axis apart), so turning never pushes it off to one side.
struct Camera {
    world: World,
    cos_yaw: f32,
    sin_yaw: f32,
    cos_pitch: f32,
    sin_pitch: f32,
    center: [f32; 2],
    scale: Vec2,
    offset: Vec2,
}

impl Camera {
    fn unfitted(view: View, nb: f32, nk: f32, world: World) -> Camera {
        Camera {
            world,
            cos_yaw: view.yaw.cos(),
            sin_yaw: view.yaw.sin(),
            cos_pitch: view.pitch.cos(),
            sin_pitch: view.pitch.sin(),
            center: [nb / 2.0, nk / 2.0],
            scale: Vec2::splat(1.0),
            offset: Vec2::ZERO,
        }
    }

    /// The turned box's corners, unscaled: (top left, bottom right).
    fn bounds(&self, nb: f32, nk: f32) -> (Pos2, Pos2) {
        let mut lo = pos2(f32::MAX, f32::MAX);
        let mut hi = pos2(f32::MIN, f32::MIN);
        for x in [0.0, nb] {
            for y in [0.0, self.world.height] {
                for z in [0.0, nk] {
                    let (p, _) = self.raw(x, y, z);
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
            }
        }
        (lo, hi)
    }

    fn new(view: View, nb: f32, nk: f32, world: World, rect: Rect) -> Camera {
        let mut cam = Camera::unfitted(view, nb, nk, world);
        let (lo, hi) = cam.bounds(nb, nk);
        let size = (hi - lo).max(vec2(1e-3, 1e-3));
        cam.scale = rect.size() / size;
        let mid = (lo.to_vec2() + hi.to_vec2()) / 2.0 * cam.scale;
        cam.offset = rect.center().to_vec2() - mid;
        cam
    }

    /// Screen position (unscaled) and depth; larger depth is further away.
    fn raw(&self, x: f32, y: f32, z: f32) -> (Pos2, f32) {
        let x = (x - self.center[0]) * self.world.cell[0];
        let z = (z - self.center[1]) * self.world.cell[1];
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

/// The height of the walls, against a floor 2 wide.
const HEIGHT: f32 = 0.9;

/// Part of a cell a bar covers, so the floor shows between bars.
const BAR_FILL: f32 = 0.72;

/// Space between an axis and its labels, and between labels.
const GAP: f32 = 6.0;

/// Round ticks for a count axis up to `max`: a step of 1, 2 or 5 times a
/// power of ten giving about `target` intervals, and the first multiple of
/// the step at or above `max`, which is the top of the axis.
pub fn nice_ticks(max: i64, target: usize) -> (i64, i64) {
    let max = max.max(1);
    let raw = max as f64 / target.max(1) as f64;
    let magnitude = 10f64.powf(raw.log10().floor());
    let norm = raw / magnitude;
    let nice = if norm <= 1.0 {
        1.0
    } else if norm <= 2.0 {
        2.0
    } else if norm <= 5.0 {
        5.0
    } else {
        10.0
    };
    // Counts are whole numbers: no step below 1.
    let step = ((nice * magnitude).round() as i64).max(1);
    let top = (max as i128 + step as i128 - 1) / step as i128 * step as i128;
    (step, top.min(i64::MAX as i128) as i64)
}

/// The count axis: linear with round ticks, or logarithmic with a tick
/// at each power of ten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountAxis {
    pub log: bool,
    /// Linear: the step between ticks. Log: 10.
    pub step: i64,
    /// The value at the top of the walls.
    pub top: i64,
}

impl CountAxis {
    pub fn linear(max: i64) -> CountAxis {
        let (step, top) = nice_ticks(max, 4);
        CountAxis {
            log: false,
            step,
            top,
        }
    }

    /// The first power of ten at or above `max` is the top.
    pub fn log(max: i64) -> CountAxis {
        let mut top: i64 = 1;
        while top < max.max(1) {
            match top.checked_mul(10) {
                Some(t) => top = t,
                None => {
                    top = i64::MAX;
                    break;
                }
            }
        }
        CountAxis {
            log: true,
            step: 10,
            top: top.max(10),
        }
    }

    /// How high `v` stands, from 0 (the floor) to 1 (the top).
    pub fn fraction(&self, v: i64) -> f64 {
        let v = v.max(0) as f64;
        if self.log {
            (1.0 + v).log10() / (1.0 + self.top as f64).log10()
        } else {
            v / self.top.max(1) as f64
        }
    }

    /// The values with a tick, from 0 up to the top.
    pub fn ticks(&self) -> Vec<i64> {
        let mut out = vec![0];
        let mut v: i64 = if self.log { 1 } else { self.step.max(1) };
        while v <= self.top {
            out.push(v);
            let next = if self.log {
                v.checked_mul(10)
            } else {
                v.checked_add(self.step.max(1))
            };
            match next {
                Some(n) => v = n,
                None => break,
            }
        }
        out
    }
}

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
    let (nbf, nkf) = (nb as f32, nk as f32);
    let world = World::new(nbf, nkf);
    let scale = if view.log {
        CountAxis::log(grid.max)
    } else {
        CountAxis::linear(grid.max)
    };
    let texts = Texts::measure(grid, &scale, rect, measure);
    // The labels' room depends on where the axes fall, which depends on
    // the room left: shrink the plot by how far the labels stick out of
    // the rectangle until they do not.
    let mut inset = [GAP; 4];
    let mut plot = rect;
    let mut cam = Camera::new(view, nbf, nkf, world, rect);
    let mut candidates = Vec::new();
    for _ in 0..6 {
        plot = Rect::from_min_max(
            rect.min + vec2(inset[0], inset[1]),
            rect.max - vec2(inset[2], inset[3]),
        );
        if plot.width() < 10.0 || plot.height() < 10.0 {
            // No room for labels: the bars alone, as large as they go.
            plot = rect.shrink(2.0);
            cam = Camera::new(view, nbf, nkf, world, plot);
            candidates.clear();
            break;
        }
        cam = Camera::new(view, nbf, nkf, world, plot);
        candidates = label_candidates(&cam, grid, &texts, measure);
        let used = candidates
            .iter()
            .fold(plot, |r: Rect, l: &Label| r.union(l.rect));
        let over = [
            rect.left() - used.left(),
            rect.top() - used.top(),
            used.right() - rect.right(),
            used.bottom() - rect.bottom(),
        ];
        if over.iter().all(|&o| o <= 0.5) {
            break;
        }
        for (i, o) in over.into_iter().enumerate() {
            inset[i] += o.max(0.0) + 1.0;
        }
    }
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
    out.labels = place(candidates, rect);
    out
}

/// Every label's text and size, measured once per frame.
struct Texts {
    buckets: Vec<(String, Vec2)>,
    keys: Vec<(String, Vec2)>,
    ticks: Vec<(i64, String, Vec2)>,
    scale: CountAxis,
    value: Vec2,
    count: Vec2,
}

impl Texts {
    fn measure(
        grid: &Grid,
        scale: &CountAxis,
        rect: Rect,
        measure: &dyn Fn(&str) -> Vec2,
    ) -> Texts {
        let sized = |t: String| {
            let s = measure(&t);
            (t, s)
        };
        // A long key (a stack, a path) gets at most a quarter of the width.
        let key_room = (rect.width() * 0.25).max(60.0);
        let keys = grid
            .keys
            .iter()
            .map(|k| fit(k, key_room, measure))
            .collect();
        let ticks = scale
            .ticks()
            .into_iter()
            .map(|v| {
                let (t, s) = sized(v.to_string());
                (v, t, s)
            })
            .collect();
        Texts {
            buckets: grid
                .buckets
                .iter()
                .map(|b| sized(b.label.clone()))
                .collect(),
            keys,
            ticks,
            scale: *scale,
            value: measure("value"),
            count: measure("count"),
        }
    }
}

/// `text`, shortened with an ellipsis (to no fewer than 6 characters) until
/// it is at most `width` wide, and its size.
fn fit(text: &str, width: f32, measure: &dyn Fn(&str) -> Vec2) -> (String, Vec2) {
    let len = text.chars().count();
    let whole = measure(text);
    if whole.x <= width && len <= 40 {
        return (text.to_owned(), whole);
    }
    // The longest prefix that fits, by bisection: widths grow with length.
    let (mut lo, mut hi) = (len.min(6), len.min(40));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if measure(&truncate(text, mid)).x <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let t = truncate(text, lo);
    let size = measure(&t);
    (t, size)
}

/// A rectangle of `size` next to `at`, on the side `outward` points to.
fn beside(at: Pos2, outward: Vec2, size: Vec2) -> Rect {
    let o = outward.normalized();
    let q = at + o * GAP;
    let x = if o.x > 0.35 {
        q.x
    } else if o.x < -0.35 {
        q.x - size.x
    } else {
        q.x - size.x / 2.0
    };
    let y = if o.y > 0.35 {
        q.y
    } else if o.y < -0.35 {
        q.y - size.y
    } else {
        q.y - size.y / 2.0
    };
    Rect::from_min_size(pos2(x, y), size)
}

/// The edges the axes run along for this view: the value axis along the
/// front edge, the key axis along the side edge nearest the viewer, the
/// count axis up the floor corner furthest left on screen.
struct Edges {
    front_z: f32,
    side_x: f32,
    corner: (f32, f32),
}

fn edges(cam: &Camera, grid: &Grid) -> Edges {
    let nb = grid.buckets.len() as f32;
    let nk = grid.keys.len() as f32;
    let front_z = if cam.cos_yaw > 0.0 { 0.0 } else { nk };
    let side_x = if cam.sin_yaw > 0.0 { 0.0 } else { nb };
    let corner = [(0.0, 0.0), (nb, 0.0), (nb, nk), (0.0, nk)]
        .into_iter()
        .min_by(|a, b| {
            cam.project(a.0, 0.0, a.1)
                .x
                .total_cmp(&cam.project(b.0, 0.0, b.1).x)
        })
        .unwrap_or((0.0, 0.0));
    Edges {
        front_z,
        side_x,
        corner,
    }
}

/// Every label the chart would like, placed beside its axis; which of them
/// fit is decided by [`place`].
fn label_candidates(
    cam: &Camera,
    grid: &Grid,
    texts: &Texts,
    measure: &dyn Fn(&str) -> Vec2,
) -> Vec<Label> {
    let nb = grid.buckets.len() as f32;
    let nk = grid.keys.len() as f32;
    let nkeys = grid.keys.len();
    let e = edges(cam, grid);
    let middle = cam.project(nb / 2.0, 0.0, nk / 2.0);
    let mut out = Vec::with_capacity(texts.buckets.len() + texts.keys.len() + 8);

    // Bucket labels hang off the front edge, away from the floor, and
    // "value" below them.
    let front_mid = cam.project(nb / 2.0, 0.0, e.front_z);
    let out_front = away(front_mid - middle);
    for (i, (text, size)) in texts.buckets.iter().enumerate() {
        let p = cam.project(i as f32 + 0.5, 0.0, e.front_z);
        out.push(Label {
            kind: LabelKind::Bucket(i),
            text: text.clone(),
            rect: beside(p, out_front, *size),
        });
    }
    // Out from the middle of the axis, square to it and beyond every
    // bucket label, so that it is not read as one of them.
    let along = cam.project(nb, 0.0, e.front_z) - cam.project(0.0, 0.0, e.front_z);
    let mut normal = away(vec2(-along.y, along.x));
    if normal.dot(out_front) < 0.0 {
        normal = -normal;
    }
    let beyond = out
        .iter()
        .flat_map(|l| {
            let r = l.rect;
            [
                r.left_top(),
                r.right_top(),
                r.left_bottom(),
                r.right_bottom(),
            ]
        })
        .map(|c| (c - front_mid).dot(normal))
        .fold(0.0, f32::max);
    let value = beside(front_mid + normal * beyond, normal, texts.value);
    out.push(Label {
        kind: LabelKind::Axis,
        text: "value".into(),
        rect: value,
    });

    // Key labels run sideways from the side edge nearest the viewer.
    let side_mid = cam.project(e.side_x, 0.0, nk / 2.0);
    let out_side = away(side_mid - middle);
    // Where the rows are too close on screen to stack their labels, the
    // labels sit side by side and get the rows' spacing as their width.
    let row = cam.project(e.side_x, 0.0, 1.0) - cam.project(e.side_x, 0.0, 0.0);
    let text_h = texts.keys.iter().map(|k| k.1.y).fold(0.0, f32::max);
    let narrow = (row.y.abs() < text_h * 0.8).then(|| (row.x.abs() - GAP).max(40.0));
    for (k, (text, size)) in texts.keys.iter().enumerate() {
        let p = cam.project(e.side_x, 0.0, (nkeys - 1 - k) as f32 + 0.5);
        let (text, size) = match narrow {
            Some(w) if size.x > w => fit(&grid.keys[k], w, measure),
            _ => (text.clone(), *size),
        };
        out.push(Label {
            kind: LabelKind::Key(k),
            text,
            rect: beside(p, out_side, size),
        });
    }

    // The count axis: ticks left of the left-most corner, "count" on top.
    let (cx, cz) = e.corner;
    for (v, text, size) in &texts.ticks {
        let y = texts.scale.fraction(*v) as f32 * cam.world.height;
        let p = cam.project(cx, y, cz);
        out.push(Label {
            kind: LabelKind::Tick(*v),
            text: text.clone(),
            rect: beside(p, vec2(-1.0, 0.0), *size),
        });
    }
    // Above the top tick's label, which is centred on the axis's end.
    let p = cam.project(cx, cam.world.height, cz) - vec2(0.0, texts.count.y / 2.0);
    out.push(Label {
        kind: LabelKind::Axis,
        text: "count".into(),
        rect: beside(p, vec2(0.0, -1.0), texts.count),
    });
    out
}

/// The direction from the floor's middle to an edge's, as a unit vector
/// (down when the two coincide on screen).
fn away(from_middle: Vec2) -> Vec2 {
    if from_middle.length() < 1e-3 {
        vec2(0.0, 1.0)
    } else {
        from_middle.normalized()
    }
}

/// Whether two labels' texts would run into each other. A text's
/// rectangle includes the line's spacing above and below the letters, so
/// rectangles a little into each other vertically still leave the texts
/// apart.
pub fn overlaps(a: Rect, b: Rect) -> bool {
    let a = a.shrink2(vec2(0.5, a.height() * 0.1));
    let b = b.shrink2(vec2(0.5, b.height() * 0.1));
    a.intersects(b)
}

/// Keeps the labels that fit: inside `rect` and clear of every label kept
/// before them. The ends of each axis go first (so the first and last
/// bucket and key are always named when they fit at all), then the count
/// ticks, then the keys and buckets in order, then the axis names.
fn place(candidates: Vec<Label>, rect: Rect) -> Vec<Label> {
    let last =
        |f: fn(&LabelKind) -> Option<usize>| candidates.iter().filter_map(|l| f(&l.kind)).max();
    let last_bucket = last(|k| match k {
        LabelKind::Bucket(i) => Some(*i),
        _ => None,
    });
    let last_key = last(|k| match k {
        LabelKind::Key(i) => Some(*i),
        _ => None,
    });
    let top_tick = candidates
        .iter()
        .filter_map(|l| match l.kind {
            LabelKind::Tick(v) => Some(v),
            _ => None,
        })
        .max();
    // The zero tick shares its corner with the ends of the other axes and
    // says the least, so it gives way to them.
    let rank = |l: &Label| match l.kind {
        LabelKind::Tick(v) if Some(v) == top_tick => 0,
        LabelKind::Bucket(i) if i == 0 || Some(i) == last_bucket => 1,
        LabelKind::Key(i) if i == 0 || Some(i) == last_key => 1,
        LabelKind::Tick(0) => 4,
        LabelKind::Tick(_) => 2,
        LabelKind::Key(_) => 3,
        LabelKind::Bucket(_) => 3,
        LabelKind::Axis => 5,
    };
    let mut ordered: Vec<(usize, Label)> = candidates.into_iter().map(|l| (rank(&l), l)).collect();
    // Stable: within a rank, axis order.
    ordered.sort_by_key(|(r, _)| *r);
    let mut kept: Vec<Label> = Vec::with_capacity(ordered.len());
    for (_, l) in ordered {
        // (Within the rounding of fitting the plot to the labels.)
        let fits = rect.expand(1.0).contains_rect(l.rect);
        let clear = kept.iter().all(|k| !overlaps(k.rect, l.rect));
        if fits && clear {
            kept.push(l);
        }
    }
    kept
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

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
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
mod tests {
    use super::*;
    use crate::charts::fixtures::lquantize;

    /// Text as wide as the small proportional font, near enough.
    fn measure(t: &str) -> Vec2 {
        vec2(t.chars().count() as f32 * 7.5, 16.0)
    }

    fn frame(grid: &Grid, view: View, rect: Rect) -> Frame {
        super::frame(grid, view, rect, &measure)
    }

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
        for pair in f.bars.windows(2) {
            assert!(pair[0].depth >= pair[1].depth, "far bars first");
        }
        // Nearer bars have smaller depth: the bar in front row (the
        // smallest key, "cat") is drawn after the one at the back.
        let at = |k: usize| f.bars.iter().position(|b| b.key == k).unwrap();
        assert!(at(2) > at(0), "cat (front) after sshd (back)");
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
                log: yaw % 2 == 1,
            };
            let f = frame(&g, view, rect);
            assert_eq!(f.bars.len(), 4);
            assert!(f.mesh.vertices.iter().all(|v| rect.contains(v.pos)));
        }
    }

    /// `lquantize` of six processes over ten buckets, as the trial used.
    fn six_by_ten() -> Grid {
        let names = [
            "bash",
            "sshd",
            "systemd-journald",
            "cat",
            "postgres",
            "nginx",
        ];
        let rows: Vec<(&str, Vec<(i64, i64)>)> = names
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let buckets = (0..10)
                    .map(|b| (b * 10, 76744 / (1 + k as i64 + b) + 1))
                    .collect();
                (*n, buckets)
            })
            .collect();
        let rows: Vec<(&str, &[(i64, i64)])> =
            rows.iter().map(|(n, b)| (*n, b.as_slice())).collect();
        Grid::build(&lquantize(&rows), 20)
    }

    fn every_key_and_bucket(f: &Frame, g: &Grid) -> Result<(), String> {
        for k in 0..g.keys.len() {
            if !f.labelled(LabelKind::Key(k)) {
                return Err(format!("key {k} ({}) has no label", g.keys[k]));
            }
        }
        for b in 0..g.buckets.len() {
            if !f.labelled(LabelKind::Bucket(b)) {
                return Err(format!("bucket {b} ({}) has no label", g.buckets[b].label));
            }
        }
        Ok(())
    }

    #[test]
    fn a_log_axis_has_a_tick_per_power_of_ten() {
        let axis = CountAxis::log(76744);
        assert_eq!(axis.top, 100_000);
        assert_eq!(axis.ticks(), [0, 1, 10, 100, 1000, 10_000, 100_000]);
        assert_eq!(axis.fraction(0), 0.0);
        assert!((axis.fraction(100_000) - 1.0).abs() < 1e-12);
        // A count of 9 beside 76744 still stands a fifth of the way up.
        assert!(axis.fraction(9) > 0.19, "{}", axis.fraction(9));
        assert!(CountAxis::linear(76744).fraction(9) < 0.001);
        assert_eq!(CountAxis::log(i64::MAX).top, i64::MAX);
        assert_eq!(CountAxis::log(0).ticks(), [0, 1, 10]);
    }

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(nice_ticks(76744, 4), (20000, 80000));
        assert_eq!(nice_ticks(57558, 4), (20000, 60000));
        assert_eq!(nice_ticks(7, 4), (2, 8));
        assert_eq!(nice_ticks(100, 4), (50, 100));
        assert_eq!(nice_ticks(1, 4), (1, 1));
        assert_eq!(nice_ticks(0, 4), (1, 1));
        assert_eq!(nice_ticks(3, 4), (1, 3));
        let (step, top) = nice_ticks(i64::MAX, 4);
        assert!(step > 0 && top >= step);
        let g = six_by_ten();
        let f = frame(
            &g,
            View::default(),
            Rect::from_min_size(Pos2::ZERO, vec2(1000.0, 330.0)),
        );
        let mut ticks: Vec<(i64, &str)> = f
            .labels
            .iter()
            .filter_map(|l| match l.kind {
                LabelKind::Tick(v) => Some((v, l.text.as_str())),
                _ => None,
            })
            .collect();
        ticks.sort();
        let ticks: Vec<&str> = ticks.into_iter().map(|t| t.1).collect();
        assert_eq!(ticks, ["0", "20000", "40000", "60000", "80000"]);
    }

    #[test]
    fn the_chart_fills_its_rectangle_at_any_shape_and_any_turn() {
        let g = six_by_ten();
        for size in [
            vec2(1060.0, 330.0),
            vec2(660.0, 140.0),
            vec2(1560.0, 600.0),
            vec2(400.0, 700.0),
        ] {
            let rect = Rect::from_min_size(pos2(20.0, 50.0), size);
            for yaw in 0..16 {
                for pitch in [View::MIN_PITCH, 0.5, 1.0, View::MAX_PITCH] {
                    let view = View {
                        yaw: yaw as f32 * 0.4,
                        pitch,
                        log: false,
                    };
                    let f = frame(&g, view, rect);
                    let mut drawn = Rect::NOTHING;
                    for s in &f.lines {
                        drawn = drawn.union(s.visual_bounding_rect().shrink(0.5));
                    }
                    for v in &f.mesh.vertices {
                        drawn.extend_with(v.pos);
                    }
                    // The turned box touches all four sides of the plot,
                    // and the plot with its labels is the rectangle.
                    // (Tick marks stick out 4 points left of the axis.)
                    assert!(
                        (drawn.min - f.plot.min).length() < 5.0
                            && (drawn.max - f.plot.max).length() < 1.5,
                        "{size:?} {view:?}: drawn {drawn:?}, plot {:?}",
                        f.plot
                    );
                    assert!(rect.contains_rect(f.plot));
                    let used = f.labels.iter().fold(f.plot, |r, l| r.union(l.rect));
                    assert!(rect.expand(1.0).contains_rect(used), "{size:?} {view:?}");
                    assert!(
                        f.plot.width() > size.x * 0.5 && f.plot.height() > size.y * 0.4,
                        "{size:?} {view:?}: plot {:?}",
                        f.plot
                    );
                }
            }
        }
    }

    #[test]
    fn every_key_and_bucket_is_labelled_from_every_side_when_there_is_room() {
        let g = six_by_ten();
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(1060.0, 330.0));
        let mut failed = Vec::new();
        for yaw in 0..32 {
            let view = View {
                yaw: yaw as f32 * std::f32::consts::TAU / 32.0,
                pitch: 0.5,
                log: false,
            };
            let f = frame(&g, view, rect);
            // Seen end-on an axis has no room; anywhere else it has.
            let end_on = (view.yaw.sin().abs() < 0.2) || (view.yaw.cos().abs() < 0.2);
            if !end_on && let Err(e) = every_key_and_bucket(&f, &g) {
                failed.push(format!("yaw {:.2}: {e}", view.yaw));
            }
            for (i, a) in f.labels.iter().enumerate() {
                assert!(rect.expand(1.0).contains_rect(a.rect));
                for b in &f.labels[i + 1..] {
                    assert!(!overlaps(a.rect, b.rect), "{a:?} overlaps {b:?}");
                }
            }
        }
        assert!(failed.is_empty(), "{failed:#?}");
    }

    #[test]
    fn with_little_room_the_ends_are_labelled_and_labels_never_overlap() {
        let rows: Vec<(i64, i64)> = (0..100).map(|b| (b * 10, b + 1)).collect();
        let agg = lquantize(&[("bash", &rows), ("sshd", &rows[..50])]);
        let g = Grid::build(&agg, 20);
        let rect = Rect::from_min_size(Pos2::ZERO, vec2(600.0, 200.0));
        let f = frame(&g, View::default(), rect);
        let buckets: Vec<usize> = f
            .labels
            .iter()
            .filter_map(|l| match l.kind {
                LabelKind::Bucket(b) => Some(b),
                _ => None,
            })
            .collect();
        assert!(buckets.contains(&0) && buckets.contains(&99), "{buckets:?}");
        assert!(buckets.len() > 5 && buckets.len() < 100, "{buckets:?}");
        for (i, a) in f.labels.iter().enumerate() {
            for b in &f.labels[i + 1..] {
                assert!(!overlaps(a.rect, b.rect), "{a:?} overlaps {b:?}");
            }
        }
    }
}
