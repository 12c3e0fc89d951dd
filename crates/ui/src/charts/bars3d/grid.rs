//! The table a 3D chart shows, built from an aggregation without any
//! drawing: value buckets (the union of every key's, since dtrace trims
//! each key's to where it has data) by keys, the largest keys first and
//! the rest summed as "other". Kept apart from the drawing: it needs no
//! egui, and the table view reads its buckets too.

use crate::model::units::Unit;
use crate::model::{Aggregation, bucket_order, key_label};
use std::collections::BTreeMap;

/// One bucket of the common X axis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AxisBucket {
    /// dtrace's label for the bucket ("64", "< 0", ">= 100").
    pub label: String,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl AxisBucket {
    /// The bucket's name on an axis, short: "64K", "16.4 µs", "< 0".
    pub fn axis_text(&self, unit: Unit) -> String {
        match (self.min, self.max) {
            (Some(min), _) => unit.short(min),
            (None, Some(max)) => format!("< {}", unit.short(max.saturating_add(1))),
            (None, None) => self.label.clone(),
        }
    }

    /// The values the bucket counts, in `unit`, for tooltips.
    pub fn range_in(&self, unit: Unit) -> String {
        match (self.min, self.max) {
            (None, None) => self.label.clone(),
            (min, max) => unit.range_of(min, max),
        }
    }

    /// The values the bucket counts, as dtrace numbers them.
    pub fn range_text(&self) -> String {
        self.range_in(Unit::Number)
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
    /// What the values are: the axis reads in it.
    pub unit: Unit,
}

impl Grid {
    pub fn build(agg: &Aggregation, max_keys: usize) -> Grid {
        if !agg.function.is_distribution() {
            return Grid::default();
        }
        // dtrace trims each key's buckets to where it has data, so the axis
        // is the union of the buckets of all keys, in value order.
        let mut axis: BTreeMap<(i128, i128), &str> = BTreeMap::new();
        for row in &agg.rows {
            for b in row.value.buckets() {
                axis.entry(bucket_order(b.min, b.max)).or_insert(&b.label);
            }
        }
        let slot: BTreeMap<(i128, i128), usize> =
            axis.keys().enumerate().map(|(i, k)| (*k, i)).collect();
        let buckets: Vec<AxisBucket> = axis
            .iter()
            .map(|(&(min, max), label)| AxisBucket {
                label: (*label).to_owned(),
                // An unbounded side sorts past every i64.
                min: i64::try_from(min).ok(),
                max: i64::try_from(max).ok(),
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
            unit: Unit::default(),
        }
    }

    /// The same, its values in `unit`.
    pub fn in_unit(mut self, unit: Unit) -> Grid {
        self.unit = unit;
        self
    }

    pub fn count(&self, key: usize, bucket: usize) -> i64 {
        self.counts[key * self.buckets.len() + bucket]
    }

    /// Every count of the key, its buckets summed.
    pub fn total(&self, key: usize) -> i64 {
        let nb = self.buckets.len();
        self.counts[key * nb..(key + 1) * nb]
            .iter()
            .fold(0i64, |a, &c| a.saturating_add(c))
    }

    /// Whether the key is the row of keys summed as "other".
    pub fn is_other(&self, key: usize) -> bool {
        self.folded > 0 && key + 1 == self.keys.len()
    }

    /// The keys with a row of their own (all but "other").
    pub fn shown(&self) -> usize {
        self.keys.len() - usize::from(self.folded > 0)
    }

    /// What the key is called in a legend: its whole name, or for "other"
    /// what it holds.
    pub fn legend_text(&self, key: usize) -> String {
        if self.is_other(key) {
            let n = self.folded;
            format!(
                "other: {n} smaller key{}, {} values",
                if n == 1 { "" } else { "s" },
                Unit::Number.short_or_exact(self.total(key))
            )
        } else {
            self.keys[key].clone()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() || self.buckets.is_empty()
    }
}
