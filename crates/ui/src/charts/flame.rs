//! Flame graphs (and icicles) of aggregations keyed by `stack()` or
//! `ustack()`: each frame a box as wide as the value of the stacks
//! through it, callers below their callees (icicle: above). Hover tells a
//! frame's value and share, a click zooms into it, a search highlights
//! matching frames. Other key parts (an `execname` beside the stack)
//! become frames at the root, so `@[execname, ustack()]` splits by
//! program first.

use crate::model::{Aggregation, KeyPart, Value};
use egui::{Color32, Rect, Sense, Ui, pos2, vec2};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The function, by number into [`FlameModel::names`].
    pub name: u32,
    pub value: i64,
    /// Where the node starts, in value units from the left of the root.
    pub start: i64,
    pub depth: usize,
    pub parent: Option<usize>,
    /// In name order (byte order of the names), as drawn left to right.
    pub children: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlameModel {
    /// Node 0 is the root ("all").
    pub nodes: Vec<Node>,
    /// Every function (and other key part) once.
    pub names: Vec<String>,
    pub max_depth: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FlameOptions {
    /// The frame zoomed into, by the names from the root down (so that it
    /// is the same frame when a new snapshot rebuilds the graph); the
    /// root when `None`.
    pub zoom: Option<Vec<String>>,
    pub search: String,
    pub icicle: bool,
}

/// Whether an aggregation has a stack in its keys.
pub fn has_stacks(agg: &Aggregation) -> bool {
    agg.rows
        .iter()
        .any(|r| r.key.iter().any(|k| matches!(k, KeyPart::Stack(_))))
}

fn row_value(value: &Value) -> i64 {
    match value {
        Value::Number(n) => (*n).max(0),
        Value::Buckets(b) => b.iter().map(|b| b.count.max(0)).sum(),
    }
}

/// The frame of a stack key that holds no frames.
pub const NO_FRAMES: &str = "(no frames)";

impl FlameModel {
    pub fn build(agg: &Aggregation) -> FlameModel {
        // Every stack as a path of name numbers, root first: the other
        // key parts, then the frames outermost first (libdtrace gives
        // the innermost first).
        let mut names = Names::default();
        let mut flat: Vec<u32> = Vec::new();
        let mut rows: Vec<(usize, usize, i64)> = Vec::new();
        for row in &agg.rows {
            let value = row_value(&row.value);
            if value == 0 {
                continue;
            }
            let from = flat.len();
            for part in &row.key {
                match part {
                    // A sample with no frames (stack() while the CPU was
                    // in user mode) gets a frame saying so, rather than a
                    // blank the width of its samples.
                    KeyPart::Stack(frames) if frames.is_empty() => {
                        flat.push(names.owned(NO_FRAMES.to_string()))
                    }
                    KeyPart::Stack(frames) => {
                        flat.extend(frames.iter().rev().map(|f| names.frame(f)))
                    }
                    other => flat.push(names.owned(other.label())),
                }
            }
            rows.push((from, flat.len(), value));
        }
        // Numbered in name order, the paths sorted: stacks sharing a
        // prefix come together, so each frame is made once, when its
        // path first differs from the one before, children already in
        // the name order flame graphs draw them in, and with no lookups.
        let mut order: Vec<u32> = (0..names.labels.len() as u32).collect();
        order.sort_by(|&a, &b| names.labels[a as usize].cmp(&names.labels[b as usize]));
        let mut rank = vec![0u32; order.len()];
        for (r, &id) in order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        for id in &mut flat {
            *id = rank[*id as usize];
        }
        let mut labels: Vec<String> = order
            .iter()
            .map(|&id| std::mem::take(&mut names.labels[id as usize]))
            .collect();
        rows.sort_by(|a, b| flat[a.0..a.1].cmp(&flat[b.0..b.1]));
        labels.push("all".into());
        let mut nodes = vec![Node {
            name: (labels.len() - 1) as u32,
            value: 0,
            start: 0,
            depth: 0,
            parent: None,
            children: Vec::new(),
        }];
        // The nodes of the path before, root first.
        let mut chain: Vec<usize> = vec![0];
        let mut previous: &[u32] = &[];
        for &(from, to, value) in &rows {
            let path = &flat[from..to];
            let shared = path
                .iter()
                .zip(previous)
                .take_while(|(a, b)| a == b)
                .count();
            chain.truncate(shared + 1);
            for (depth, &name) in path.iter().enumerate().skip(shared) {
                let parent = *chain.last().unwrap_or(&0);
                let n = nodes.len();
                nodes.push(Node {
                    name,
                    value: 0,
                    start: 0,
                    depth: depth + 1,
                    parent: Some(parent),
                    children: Vec::new(),
                });
                nodes[parent].children.push(n);
                chain.push(n);
            }
            for &n in &chain {
                nodes[n].value += value;
            }
            previous = path;
        }
        // Placed left to right, each node's children from its start.
        let mut max_depth = 0;
        for n in 0..nodes.len() {
            let mut x = nodes[n].start;
            for i in 0..nodes[n].children.len() {
                let c = nodes[n].children[i];
                nodes[c].start = x;
                x += nodes[c].value;
            }
            max_depth = max_depth.max(nodes[n].depth);
        }
        FlameModel {
            nodes,
            names: labels,
            max_depth,
        }
    }

    /// A node's function (or key part).
    pub fn name(&self, node: usize) -> &str {
        &self.names[self.nodes[node].name as usize]
    }

    pub fn total(&self) -> i64 {
        self.nodes[0].value
    }

    /// The node at `names` from the root down, if the graph has it.
    pub fn find(&self, names: &[String]) -> Option<usize> {
        let mut at = 0;
        for name in names {
            at = *self.nodes[at]
                .children
                .iter()
                .find(|&&c| self.name(c) == name)?;
        }
        Some(at)
    }

    /// The names from the root (left out) down to `node`.
    pub fn names_to(&self, node: usize) -> Vec<String> {
        self.path(node)
            .into_iter()
            .skip(1)
            .map(|n| self.name(n).to_owned())
            .collect()
    }

    /// The frames from the root to `node`, for the zoom line.
    pub fn path(&self, node: usize) -> Vec<usize> {
        let mut out = vec![node];
        let mut at = node;
        while let Some(p) = self.nodes[at].parent {
            out.push(p);
            at = p;
        }
        out.reverse();
        out
    }

    /// What hovering a node says.
    pub fn describe(&self, node: usize, zoom: usize) -> String {
        let n = &self.nodes[node];
        let pct = |of: i64| {
            if of > 0 {
                100.0 * n.value as f64 / of as f64
            } else {
                0.0
            }
        };
        let mut s = format!(
            "{}\n{} ({:.1} % of all",
            self.name(node),
            n.value,
            pct(self.total())
        );
        if zoom != 0 {
            s.push_str(&format!(
                ", {:.1} % of the zoomed frame",
                pct(self.nodes[zoom].value)
            ));
        }
        s.push(')');
        s
    }
}

/// Function names by number, each kept once.
#[derive(Default)]
struct Names<'a> {
    /// By the frame as libdtrace wrote it, offset and all: most frames
    /// repeat exactly, and are then found without being parsed.
    frames: FastMap<&'a str, u32>,
    /// By function, for the frames that do not repeat exactly.
    functions: FastMap<&'a str, u32>,
    others: FastMap<String, u32>,
    labels: Vec<String>,
}

impl<'a> Names<'a> {
    fn add(labels: &mut Vec<String>, name: &str) -> u32 {
        labels.push(name.to_owned());
        (labels.len() - 1) as u32
    }

    fn frame(&mut self, frame: &'a str) -> u32 {
        if let Some(&id) = self.frames.get(frame) {
            return id;
        }
        let function = function_of(frame);
        let id = match self.functions.get(function) {
            Some(&id) => id,
            None => {
                let id = Names::add(&mut self.labels, function);
                self.functions.insert(function, id);
                id
            }
        };
        self.frames.insert(frame, id);
        id
    }

    fn owned(&mut self, name: String) -> u32 {
        if let Some(&id) = self.others.get(&name) {
            return id;
        }
        let id = Names::add(&mut self.labels, &name);
        self.others.insert(name, id);
        id
    }
}

/// A frame as the function it is in: `k`f+0x1c` and `k`f+0x20` are one
/// box, as flame graphs merge them.
fn function_of(frame: &str) -> &str {
    let frame = frame.trim_ascii();
    match frame.rfind('+') {
        Some(plus)
            if plus > 0
                && frame[plus + 1..]
                    .strip_prefix("0x")
                    .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            &frame[..plus]
        }
        _ => frame,
    }
}

/// FNV-1a: the maps here are keyed by short names from this process's
/// own snapshot, where SipHash's resistance to chosen keys buys nothing;
/// with it a 50,000-stack layout takes 79 ms instead of 64 ms.
#[derive(Default, Clone, Copy)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Fnv>>;

/// Where a click on `clicked` leaves the zoom: into that frame; on the
/// zoomed frame itself, out to its caller; on the root, all the way out.
pub fn zoom_after_click(model: &FlameModel, zoom: usize, clicked: usize) -> Option<usize> {
    if clicked == 0 {
        None
    } else if clicked == zoom {
        model.nodes[clicked].parent.filter(|&p| p != 0)
    } else {
        Some(clicked)
    }
}

/// A warm colour per frame name, stable across frames and runs.
fn frame_color(name: &str, highlighted: bool) -> Color32 {
    if highlighted {
        return SEARCH_COLOR;
    }
    let h = name.bytes().fold(2166136261u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(16777619)
    });
    let r = 205 + (h % 50) as u8;
    let g = 80 + ((h >> 8) % 150) as u8;
    let b = ((h >> 16) % 55) as u8;
    Color32::from_rgb(r, g, b)
}

/// Black on a light box, white on a dark one (a deep blue or red of a
/// differential graph).
pub fn text_on(fill: Color32) -> Color32 {
    let luma =
        0.299 * f32::from(fill.r()) + 0.587 * f32::from(fill.g()) + 0.114 * f32::from(fill.b());
    // Below the darkest warm colour of a plain graph (205, 80, 0).
    if luma < 100.0 {
        Color32::WHITE
    } else {
        Color32::BLACK
    }
}

/// The controls; true when the zoom or search changed.
pub fn controls(ui: &mut Ui, opts: &mut FlameOptions) -> bool {
    let mut changed = false;
    changed |= ui
        .checkbox(&mut opts.icicle, "Icicle")
        .on_hover_text("The root at the top and callees below it")
        .changed();
    let label = ui.label("Search");
    changed |= ui
        .add(
            egui::TextEdit::singleline(&mut opts.search)
                .hint_text("function name")
                .desired_width(140.0),
        )
        .labelled_by(label.id)
        .changed();
    if ui
        .add_enabled(opts.zoom.is_some(), egui::Button::new("Reset zoom"))
        .clicked()
    {
        opts.zoom = None;
        changed = true;
    }
    changed
}

const ROW: f32 = 18.0;

/// How a graph's boxes are coloured (by node, and whether the search
/// lights it) and what hovering one says (by node and zoomed node).
pub struct Look<'a> {
    pub color: &'a dyn Fn(usize, bool) -> Color32,
    pub describe: &'a dyn Fn(usize, usize) -> String,
}

/// Draws the graph; a click zooms (into the frame, or out to the root
/// for the root frame).
pub fn show(ui: &mut Ui, model: &FlameModel, opts: &mut FlameOptions) {
    let look = Look {
        color: &|n, lit| frame_color(model.name(n), lit),
        describe: &|n, zoom| model.describe(n, zoom),
    };
    show_with(ui, model, opts, &look);
}

/// The colour of a frame the search lights.
pub const SEARCH_COLOR: Color32 = Color32::from_rgb(0xd2, 0x5a, 0xe6);

/// Draws the graph as `look` says.
pub fn show_with(ui: &mut Ui, model: &FlameModel, opts: &mut FlameOptions, look: &Look<'_>) {
    if model.total() == 0 {
        super::centered_message(ui, "No stacks with a value yet");
        return;
    }
    let zoom = opts
        .zoom
        .as_deref()
        .and_then(|names| model.find(names))
        .unwrap_or(0);
    let search = opts.search.trim().to_lowercase();
    // Which names match, worked out once per name rather than per box.
    let lit: Vec<bool> = if search.is_empty() {
        vec![false; model.names.len()]
    } else {
        model
            .names
            .iter()
            .map(|n| n.to_lowercase().contains(&search))
            .collect()
    };
    let matches = |n: usize| lit[model.nodes[n].name as usize];
    if !search.is_empty() {
        let matched: i64 = (0..model.nodes.len())
            .filter(|&n| matches(n))
            // Count a frame only where no caller matched already.
            .filter(|&n| {
                let mut p = model.nodes[n].parent;
                while let Some(i) = p {
                    if matches(i) {
                        return false;
                    }
                    p = model.nodes[i].parent;
                }
                true
            })
            .map(|n| model.nodes[n].value)
            .sum();
        ui.label(format!(
            "\"{}\" matches {:.1} % of all",
            opts.search.trim(),
            100.0 * matched as f64 / model.total() as f64
        ));
    }
    let height = (model.max_depth + 1) as f32 * ROW;
    egui::ScrollArea::vertical()
        .id_salt("flame")
        .auto_shrink([false, false])
        // What is left, however little: more would push the panel's top
        // rows under the editor.
        .min_scrolled_height(0.0)
        .stick_to_bottom(!opts.icicle)
        .show(ui, |ui| {
            let width = ui.available_width();
            let (rect, response) = ui.allocate_exact_size(
                vec2(width, height.max(ui.available_height())),
                Sense::click(),
            );
            let z = &model.nodes[zoom];
            let scale = rect.width() as f64 / z.value.max(1) as f64;
            let font = egui::TextStyle::Small.resolve(ui.style());
            let painter = ui.painter_at(rect);
            let mut hovered = None;
            let pointer = response.hover_pos();
            // The zoomed frame's callers stay drawn full width.
            let mut draw = |n: usize, x0: f32, x1: f32, depth: usize| {
                let y = if opts.icicle {
                    rect.top() + depth as f32 * ROW
                } else {
                    rect.bottom() - (depth as f32 + 1.0) * ROW
                };
                let r = Rect::from_min_max(pos2(x0, y), pos2(x1, y + ROW - 1.0));
                let name = model.name(n);
                let fill = (look.color)(n, matches(n));
                painter.rect_filled(r, 2.0, fill);
                if r.width() > 30.0 {
                    let ink = text_on(fill);
                    let galley =
                        painter.layout(name.to_owned(), font.clone(), ink, r.width() - 6.0);
                    painter.with_clip_rect(r).galley(
                        pos2(r.left() + 3.0, r.center().y - galley.size().y / 2.0),
                        galley,
                        ink,
                    );
                }
                if pointer.is_some_and(|p| r.contains(p)) {
                    hovered = Some(n);
                }
            };
            for &n in &model.path(zoom) {
                draw(n, rect.left(), rect.right(), model.nodes[n].depth);
            }
            let mut stack: Vec<usize> = model.nodes[zoom].children.clone();
            while let Some(n) = stack.pop() {
                let node = &model.nodes[n];
                let x0 = rect.left() + ((node.start - z.start) as f64 * scale) as f32;
                let w = (node.value as f64 * scale) as f32;
                if w < 1.0 {
                    continue;
                }
                draw(n, x0, x0 + w, node.depth);
                stack.extend(node.children.iter().copied());
            }
            if let Some(h) = hovered {
                response
                    .clone()
                    .on_hover_text_at_pointer((look.describe)(h, zoom));
                if response.clicked() {
                    opts.zoom = zoom_after_click(model, zoom, h).map(|n| model.names_to(n));
                }
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::stacks;
    use crate::model::Row;

    #[test]
    fn names_read_on_every_box() {
        assert_eq!(text_on(Color32::from_rgb(0, 0, 255)), Color32::WHITE);
        assert_eq!(text_on(Color32::from_rgb(255, 0, 0)), Color32::WHITE);
        assert_eq!(text_on(Color32::from_rgb(255, 235, 235)), Color32::BLACK);
        // Every warm colour of a plain flame graph keeps black names.
        for name in ["k`main", "k`read", "libc.so.1`poll", "all"] {
            assert_eq!(text_on(frame_color(name, false)), Color32::BLACK);
        }
        assert_eq!(text_on(Color32::from_rgb(205, 80, 0)), Color32::BLACK);
    }

    #[test]
    fn frames_merge_from_the_root_with_their_values() {
        // Innermost first, as libdtrace gives stacks; offsets within a
        // function do not split it.
        let m = FlameModel::build(&stacks(&[
            (&["k`c+0x10", "k`b+0x4", "k`main"], 3),
            (&["k`d", "k`b+0x8", "k`main"], 2),
            (&["k`e", "k`main"], 5),
        ]));
        assert_eq!(m.total(), 10);
        let main = &m.nodes[m.nodes[0].children[0]];
        assert_eq!(
            (m.name(m.nodes[0].children[0]), main.value, main.depth),
            ("k`main", 10, 1)
        );
        let names: Vec<&str> = main.children.iter().map(|&c| m.name(c)).collect();
        assert_eq!(names, ["k`b", "k`e"]);
        let b = &m.nodes[main.children[0]];
        let e = &m.nodes[main.children[1]];
        assert_eq!((b.start, b.value, e.start, e.value), (0, 5, 5, 5));
        let c = &m.nodes[b.children[0]];
        assert_eq!((m.name(b.children[0]), c.start, c.depth), ("k`c", 0, 3));
        assert_eq!(m.max_depth, 3);
        assert_eq!(m.path(b.children[1]).len(), 4);
        assert!(
            m.describe(b.children[0], 0)
                .starts_with("k`c\n3 (30.0 % of all)")
        );
    }

    #[test]
    fn samples_without_frames_are_named() {
        let m = FlameModel::build(&stacks(&[(&["k`e", "k`main"], 5), (&[], 7)]));
        let roots: Vec<(&str, i64)> = m.nodes[0]
            .children
            .iter()
            .map(|&c| (m.name(c), m.nodes[c].value))
            .collect();
        assert_eq!(roots, [(NO_FRAMES, 7), ("k`main", 5)]);
    }

    #[test]
    fn clicks_zoom_in_and_back_out() {
        let m = FlameModel::build(&stacks(&[(&["k`c", "k`b", "k`main"], 3)]));
        let (main, b) = (1, 2);
        assert_eq!(m.name(b), "k`b");
        assert_eq!(zoom_after_click(&m, 0, b), Some(b));
        assert_eq!(zoom_after_click(&m, b, b), Some(main));
        assert_eq!(zoom_after_click(&m, main, main), None);
        assert_eq!(zoom_after_click(&m, b, 0), None);
        assert!(m.describe(3, b).contains("100.0 % of the zoomed frame"));
        // A zoom is kept by names, and found again in a rebuilt graph.
        let names = m.names_to(b);
        assert_eq!(names, ["k`main", "k`b"]);
        let again = FlameModel::build(&stacks(&[
            (&["k`a", "k`main"], 1),
            (&["k`c", "k`b", "k`main"], 3),
        ]));
        assert_eq!(again.find(&names).map(|n| again.name(n)), Some("k`b"));
        assert_eq!(again.find(&["k`gone".to_owned()]), None);
    }

    #[test]
    fn other_key_parts_come_first() {
        let agg = Aggregation {
            rows: vec![Row {
                key: vec![
                    KeyPart::Str("sshd".into()),
                    KeyPart::Stack(vec!["libc`read".into(), "sshd`main".into()]),
                ],
                value: Value::Number(4),
            }],
            ..stacks(&[])
        };
        assert!(has_stacks(&agg));
        let m = FlameModel::build(&agg);
        let names: Vec<&str> = (0..m.nodes.len()).map(|n| m.name(n)).collect();
        assert_eq!(names, ["all", "sshd", "sshd`main", "libc`read"]);
    }
}
