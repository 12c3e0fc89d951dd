//! The chart's labels: every bucket, key, count tick and axis name that
//! would like a place, measured, put beside its axis, shortened where
//! long, and then kept only where they fit without covering each other.
//! The plot is fitted together with them, since where the axes fall
//! decides how much room the labels take.

use super::camera::{Camera, World, edges};
use super::count_axis::CountAxis;
use super::{Grid, Label, LabelKind, View};
use crate::model::units::Unit;
use egui::{Pos2, Rect, Vec2, pos2, vec2};

/// Space between an axis and its labels, and between labels.
const GAP: f32 = 6.0;

/// The plot's rectangle, its camera and every label that would go around
/// it, fitted together into `rect`.
pub(super) fn fit_plot(
    grid: &Grid,
    view: View,
    world: World,
    scale: &CountAxis,
    rect: Rect,
    measure: &dyn Fn(&str) -> Vec2,
    far: bool,
) -> (Rect, Camera, Vec<Label>) {
    let (nbf, nkf) = (grid.buckets.len() as f32, grid.keys.len() as f32);
    let texts = Texts::measure(grid, scale, rect, measure);
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
        if far {
            candidates.extend(far_candidates(&cam, grid, &texts));
        }
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
    (plot, cam, candidates)
}

/// Every label's text and size, measured once per frame.
struct Texts {
    buckets: Vec<(String, Vec2)>,
    keys: Vec<(String, Vec2)>,
    ticks: Vec<(i64, String, Vec2)>,
    scale: CountAxis,
    value: Vec2,
    /// The value axis's name: "time" when the values are times.
    value_title: &'static str,
    count: Vec2,
    count_title: &'static str,
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
                let (t, s) = sized(Unit::Number.short(v));
                (v, t, s)
            })
            .collect();
        Texts {
            buckets: grid
                .buckets
                .iter()
                .map(|b| sized(b.axis_text(grid.unit)))
                .collect(),
            keys,
            ticks,
            scale: *scale,
            value: measure(value_title(grid.unit)),
            value_title: value_title(grid.unit),
            count: measure(scale.scale.axis_title()),
            count_title: scale.scale.axis_title(),
        }
    }
}

/// The value axis's name.
fn value_title(unit: Unit) -> &'static str {
    match unit {
        Unit::Nanoseconds | Unit::Microseconds | Unit::Milliseconds => "time",
        Unit::Bytes => "bytes",
        Unit::Number => "value",
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
            far: false,
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
        text: texts.value_title.into(),
        rect: value,
        far: false,
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
            far: false,
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
            far: false,
        });
    }
    // Above the top tick's label, which is centred on the axis's end.
    let p = cam.project(cx, cam.world.height, cz) - vec2(0.0, texts.count.y / 2.0);
    out.push(Label {
        kind: LabelKind::Axis,
        text: texts.count_title.into(),
        rect: beside(p, vec2(0.0, -1.0), texts.count),
        far: false,
    });
    out
}

/// The bucket and key labels again, along the top edges of the back
/// walls: where a front label gives way to its neighbours, the one at
/// the back may have room. [`place`] keeps one label per bucket and key,
/// the front one first.
fn far_candidates(cam: &Camera, grid: &Grid, texts: &Texts) -> Vec<Label> {
    let nb = grid.buckets.len() as f32;
    let nk = grid.keys.len() as f32;
    let nkeys = grid.keys.len();
    let top = cam.world.height;
    let e = edges(cam, grid);
    let (back_z, back_x) = (nk - e.front_z, nb - e.side_x);
    let middle = cam.project(nb / 2.0, top, nk / 2.0);
    let mut out = Vec::with_capacity(texts.buckets.len() + texts.keys.len());
    let out_back = away(cam.project(nb / 2.0, top, back_z) - middle);
    for (i, (text, size)) in texts.buckets.iter().enumerate() {
        // Further out than at the front: the wall's top edge runs under
        // the text's baseline, which close to it reads as underlined.
        let p = cam.project(i as f32 + 0.5, top, back_z) + out_back * GAP;
        out.push(Label {
            kind: LabelKind::Bucket(i),
            text: text.clone(),
            rect: beside(p, out_back, *size),
            far: true,
        });
    }
    let out_side = away(cam.project(back_x, top, nk / 2.0) - middle);
    for (k, (text, size)) in texts.keys.iter().enumerate() {
        let p = cam.project(back_x, top, (nkeys - 1 - k) as f32 + 0.5);
        out.push(Label {
            kind: LabelKind::Key(k),
            text: text.clone(),
            rect: beside(p, out_side, *size),
            far: true,
        });
    }
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
/// ticks, then the keys and buckets in order, then the axis names, then
/// the labels at the back for the buckets and keys not yet named.
pub(super) fn place(candidates: Vec<Label>, rect: Rect) -> Vec<Label> {
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
        _ if l.far => 6,
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
        let clear = kept
            .iter()
            .all(|k| !overlaps(k.rect.expand2(vec2(spacing(k, &l), 0.0)), l.rect));
        let named = matches!(l.kind, LabelKind::Bucket(_) | LabelKind::Key(_))
            && kept.iter().any(|k| k.kind == l.kind);
        if fits && clear && !named {
            kept.push(l);
        }
    }
    kept
}

/// The room kept between two labels side by side, besides what the
/// text's own rectangles leave: names that touch read as one ("1.02
/// µs2.05 µs"), and an axis title beside a key's name as a phrase
/// ("count poll").
fn spacing(a: &Label, b: &Label) -> f32 {
    let title = |l: &Label| l.kind == LabelKind::Axis;
    if (title(a) && b.far) || (title(b) && a.far) {
        4.0 * GAP
    } else {
        GAP
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
