//! A differential flame graph: what changed in a stack-keyed aggregation
//! from a reference (an earlier range, another recording) to what the
//! views show. Boxes are as wide as the frame is now; red where the frame
//! takes a larger share of all samples than it did, blue where a smaller.
//! Shares, not counts, because two ranges or two runs seldom last as long.
//! Frames seen only before have no width now: what they held is said in
//! words above the graph.

use super::flame::{self, FlameModel, FlameOptions};
use crate::model::Aggregation;
use egui::{Color32, Ui};
use std::cmp::Ordering;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct FlameDiff {
    /// The graph of now ("after").
    pub flame: FlameModel,
    /// Each node's value before, by node of `flame`.
    pub before: Vec<i64>,
    pub before_total: i64,
    /// How much of before was on paths that have no frame now.
    pub vanished: i64,
    /// Each node's change of share, scaled to -1..=1 by the largest.
    pub change: Vec<f32>,
    pub opts: FlameOptions,
    /// The graph of before, and what it is of (the reference's name):
    /// a reference does not change while snapshots of now arrive, so
    /// its graph is laid out once.
    old: Option<Arc<FlameModel>>,
    of: String,
}

impl FlameDiff {
    /// `after` against `before`; `previous` keeps the zoom and search.
    pub fn build(
        before: Option<&Aggregation>,
        after: &Aggregation,
        previous: Option<&FlameDiff>,
    ) -> FlameDiff {
        FlameDiff::against("", before, after, previous)
    }

    /// `after` against `before`, the aggregation of the reference named
    /// `reference`; the graph of before is `previous`'s where that was of
    /// the same reference.
    pub fn against(
        reference: &str,
        before: Option<&Aggregation>,
        after: &Aggregation,
        previous: Option<&FlameDiff>,
    ) -> FlameDiff {
        let flame = FlameModel::build(after);
        let kept = previous
            .filter(|p| !reference.is_empty() && p.of == reference)
            .map(|p| p.old.clone());
        let old = kept.unwrap_or_else(|| before.map(|b| Arc::new(FlameModel::build(b))));
        let mut values = vec![0; flame.nodes.len()];
        let mut vanished = 0;
        if let Some(old) = old.as_deref() {
            // Both graphs walked together from their roots, a frame now
            // matched to the frame of the same name under the same caller.
            // Both lists of children are in name order (FlameModel makes
            // them so), so they are merged as two sorted lists.
            let mut pairs = vec![(0usize, 0usize)];
            while let Some((n, m)) = pairs.pop() {
                values[n] = old.nodes[m].value;
                let (mine, theirs) = (&flame.nodes[n].children, &old.nodes[m].children);
                let (mut i, mut j) = (0, 0);
                while i < mine.len() && j < theirs.len() {
                    match flame.name(mine[i]).cmp(old.name(theirs[j])) {
                        Ordering::Less => i += 1,
                        Ordering::Greater => {
                            vanished += old.nodes[theirs[j]].value;
                            j += 1;
                        }
                        Ordering::Equal => {
                            pairs.push((mine[i], theirs[j]));
                            i += 1;
                            j += 1;
                        }
                    }
                }
                vanished += theirs[j..].iter().map(|&o| old.nodes[o].value).sum::<i64>();
            }
        }
        let before_total = old.as_deref().map_or(0, FlameModel::total);
        let share = |v: i64, total: i64| {
            if total > 0 {
                v as f64 / total as f64
            } else {
                0.0
            }
        };
        let after_total = flame.total();
        let deltas: Vec<f64> = flame
            .nodes
            .iter()
            .zip(&values)
            .map(|(n, &b)| share(n.value, after_total) - share(b, before_total))
            .collect();
        let largest = deltas.iter().fold(0.0f64, |m, d| m.max(d.abs()));
        let change = deltas
            .iter()
            .map(|d| {
                if largest > 0.0 {
                    (d / largest) as f32
                } else {
                    0.0
                }
            })
            .collect();
        FlameDiff {
            flame,
            before: values,
            before_total,
            vanished,
            change,
            opts: previous.map(|p| p.opts.clone()).unwrap_or_default(),
            old,
            of: reference.to_owned(),
        }
    }

    /// What hovering a frame says: its value and share now and before,
    /// and how the share moved.
    pub fn describe(&self, node: usize) -> String {
        let pct = |v: i64, total: i64| {
            if total > 0 {
                100.0 * v as f64 / total as f64
            } else {
                0.0
            }
        };
        let now = self.flame.nodes[node].value;
        let was = self.before[node];
        let (a, b) = (pct(now, self.flame.total()), pct(was, self.before_total));
        format!(
            "{}\nnow: {now} ({a:.1} % of all)\nbefore: {was} ({b:.1} % of all)\nchange: {:+.1} points",
            self.flame.name(node),
            a - b
        )
    }

    /// What the colours mean and what the graph cannot show.
    pub fn legend(&self) -> String {
        let mut s = String::from(
            "Widths are now; red: a larger share of all samples than before, \
             blue: a smaller one.",
        );
        if self.before_total == 0 {
            s.push_str(" Before has no stacks.");
        } else if self.vanished > 0 {
            s.push_str(&format!(
                " Stacks seen only before ({:.1} % of before) have no box.",
                100.0 * self.vanished as f64 / self.before_total as f64
            ));
        }
        s
    }
}

/// From this height on, the legend has a line of its own.
const LEGEND_FROM: f32 = 160.0;

/// Red for a larger share, blue for a smaller, near white for the same.
pub fn change_color(change: f32) -> Color32 {
    let fade = |i: f32| (235.0 * (1.0 - i.clamp(0.0, 1.0))) as u8;
    if change >= 0.0 {
        Color32::from_rgb(255, fade(change), fade(change))
    } else {
        Color32::from_rgb(fade(-change), fade(-change), 255)
    }
}

/// The legend and the graph, under the controls (`flame::controls` of
/// `opts`, which the caller puts on its own line of choices). A panel too
/// low for the legend's line keeps it in the legend's tooltip only.
pub fn show(ui: &mut Ui, diff: &mut FlameDiff) {
    if ui.available_height() > LEGEND_FROM {
        ui.weak(diff.legend());
    }
    // The options change as the graph is drawn from the rest of the diff.
    let mut opts = std::mem::take(&mut diff.opts);
    let shown: &FlameDiff = diff;
    let look = flame::Look {
        color: &|n, lit| {
            if lit {
                flame::SEARCH_COLOR
            } else {
                change_color(shown.change[n])
            }
        },
        describe: &|n, _| shown.describe(n),
    };
    flame::show_with(ui, &shown.flame, &mut opts, &look);
    diff.opts = opts;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::charts::fixtures::stacks;

    #[test]
    fn each_frame_knows_its_value_before_and_how_its_share_moved() {
        // Innermost first, as libdtrace gives stacks.
        let before = stacks(&[(&["k`read", "k`main"], 50), (&["k`gone", "k`main"], 50)]);
        let after = stacks(&[(&["k`read", "k`main"], 350), (&["k`new", "k`main"], 50)]);
        let d = FlameDiff::build(Some(&before), &after, None);
        let find = |name: &str| d.flame.find(&["k`main".into(), name.into()]).unwrap();
        let (read, new) = (find("k`read"), find("k`new"));
        assert_eq!(d.before[0], 100);
        assert_eq!(d.before[read], 50);
        assert_eq!(d.before[new], 0);
        assert_eq!(d.vanished, 50, "k`gone has no box now");
        // read: 50 % → 87.5 %, new: 0 % → 12.5 %; main stays at 100 %.
        assert!((d.change[read] - 1.0).abs() < 1e-6);
        assert!((d.change[new] - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(d.change[find_main(&d)], 0.0);
        assert!(d.describe(read).contains("before: 50 (50.0 % of all)"));
        assert!(d.describe(read).contains("+37.5 points"));
        assert!(d.legend().contains("(50.0 % of before)"));
    }

    fn find_main(d: &FlameDiff) -> usize {
        d.flame.find(&["k`main".into()]).unwrap()
    }

    #[test]
    fn frames_are_matched_by_name_whatever_order_the_rows_come_in() {
        let before = stacks(&[(&["k`z"], 1), (&["k`b"], 2), (&["k`m"], 3), (&["k`a"], 4)]);
        let after = stacks(&[(&["k`m"], 5), (&["k`c"], 6), (&["k`a"], 7), (&["k`zz"], 8)]);
        let d = FlameDiff::build(Some(&before), &after, None);
        let root = &d.flame.nodes[0];
        let names: Vec<&str> = root.children.iter().map(|&c| d.flame.name(c)).collect();
        assert_eq!(names, ["k`a", "k`c", "k`m", "k`zz"], "in name order");
        let was: Vec<i64> = root.children.iter().map(|&c| d.before[c]).collect();
        assert_eq!(was, [4, 0, 3, 0]);
        assert_eq!(d.vanished, 1 + 2, "k`z and k`b");
    }

    #[test]
    fn the_graph_of_a_reference_is_laid_out_once() {
        let before = stacks(&[(&["k`a"], 3)]);
        let after = stacks(&[(&["k`a"], 5)]);
        let first = FlameDiff::against("1.0 s .. 4.0 s", Some(&before), &after, None);
        // The same reference again: its graph is kept, not made from what
        // is passed (here a different aggregation, to tell them apart).
        let other = stacks(&[(&["k`a"], 9)]);
        let again = FlameDiff::against("1.0 s .. 4.0 s", Some(&other), &after, Some(&first));
        assert_eq!(again.before_total, 3);
        // Another reference is laid out anew.
        let moved = FlameDiff::against("2.0 s .. 5.0 s", Some(&other), &after, Some(&first));
        assert_eq!(moved.before_total, 9);
    }

    #[test]
    fn a_smaller_share_is_blue_and_a_larger_red() {
        let before = stacks(&[(&["k`a"], 90), (&["k`b"], 10)]);
        let after = stacks(&[(&["k`a"], 10), (&["k`b"], 90)]);
        let d = FlameDiff::build(Some(&before), &after, None);
        let a = d.flame.find(&["k`a".into()]).unwrap();
        let b = d.flame.find(&["k`b".into()]).unwrap();
        assert_eq!(change_color(d.change[a]), Color32::from_rgb(0, 0, 255));
        assert_eq!(change_color(d.change[b]), Color32::from_rgb(255, 0, 0));
        assert_eq!(change_color(0.0), Color32::from_rgb(255, 235, 235));
        // With nothing before, the legend says so.
        let d = FlameDiff::build(None, &after, None);
        assert!(d.legend().contains("Before has no stacks"));
    }
}
