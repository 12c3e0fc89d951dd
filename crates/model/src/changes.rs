//! Snapshots as what changed since the one before: new keys, changed
//! values, keys gone, and the key order when it changed. What a recording
//! stores and what a run worker or an agent sends its session, so that a
//! large aggregation that barely changes costs little to write and to
//! send. An encoder and a decoder keep the state between snapshots; an
//! empty [`Changes`] says "as before", which still marks a point in time.

use super::{AggFunction, Aggregation, KeyPart, Row, Snapshot, Value};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A snapshot as what changed since the one before.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Changes {
    pub aggregations: Vec<AggChanges>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AggChanges {
    /// libdtrace's aggregation variable id.
    pub id: u32,
    /// Name, function and key sizes, the first time the aggregation
    /// appears (and again whenever they change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<AggFunction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_sizes: Option<Vec<u32>>,
    /// Keys that are new, and distributions that changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<ChangedRow>,
    /// Keys seen before whose number changed, as `[k, value]`: the bulk
    /// of a busy aggregation's changes, in a few bytes each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub numbers: Vec<(u32, i64)>,
    /// Keys no longer in the aggregation (after `trunc()` or `clear()`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<u32>,
    /// Every key in `dtrace(1)`'s order, when that order changed and is
    /// not simply by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Vec<u32>>,
    /// The order changed, and is `dtrace(1)`'s default: by value, then
    /// by key; the reader sorts the keys itself rather than being sent
    /// every one's place.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub by_value: bool,
}

/// A key's value; keys are numbered per aggregation in the order they
/// first appear, and carry their parts the first time only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedRow {
    pub k: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Vec<KeyPart>>,
    pub value: Value,
}

/// What the writer and the reader know of one aggregation between
/// snapshots: its keys by number, their values and order.
#[derive(Debug, Default)]
struct AggState {
    name: String,
    function: Option<AggFunction>,
    key_sizes: Vec<u32>,
    keys: Vec<Vec<KeyPart>>,
    numbers: HashMap<Vec<KeyPart>, u32>,
    values: Vec<Option<Value>>,
    order: Vec<u32>,
}

impl AggState {
    fn snapshot_row(&self, k: u32) -> Option<Row> {
        let value = self.values.get(k as usize)?.clone()?;
        Some(Row {
            key: self.keys.get(k as usize)?.clone(),
            value,
        })
    }
}

/// Turns whole snapshots into their changes.
#[derive(Debug, Default)]
pub struct ChangeEncoder {
    aggregations: Vec<(u32, AggState)>,
}

impl ChangeEncoder {
    /// What changed since the last snapshot encoded (for the first, all
    /// of it); empty when nothing did.
    pub fn encode(&mut self, snapshot: &Snapshot) -> Changes {
        let mut changes = Changes::default();
        for agg in &snapshot.aggregations {
            let state = state_of(&mut self.aggregations, agg.id);
            if let Some(c) = changes_of(state, agg) {
                changes.aggregations.push(c);
            }
        }
        // libdtrace leaves an aggregation with no entries (after trunc())
        // out of a snapshot: its keys are gone.
        for (id, state) in &mut self.aggregations {
            if snapshot.aggregations.iter().any(|a| a.id == *id) {
                continue;
            }
            let removed: Vec<u32> = (0..state.values.len() as u32)
                .filter(|&k| state.values[k as usize].take().is_some())
                .collect();
            if !removed.is_empty() {
                state.order.clear();
                changes.aggregations.push(AggChanges {
                    id: *id,
                    name: None,
                    function: None,
                    key_sizes: None,
                    rows: Vec::new(),
                    numbers: Vec::new(),
                    removed,
                    order: Some(Vec::new()),
                    by_value: false,
                });
            }
        }
        changes
    }
}

/// Turns changes back into whole snapshots.
#[derive(Debug, Default)]
pub struct ChangeDecoder {
    aggregations: Vec<(u32, AggState)>,
}

impl ChangeDecoder {
    /// The whole snapshot after these changes.
    pub fn decode(&mut self, changes: Changes) -> Snapshot {
        apply(&mut self.aggregations, changes)
    }
}

fn state_of(states: &mut Vec<(u32, AggState)>, id: u32) -> &mut AggState {
    let at = match states.iter().position(|(i, _)| *i == id) {
        Some(i) => i,
        None => {
            states.push((id, AggState::default()));
            states.len() - 1
        }
    };
    &mut states[at].1
}

/// Updates the writer's state to `agg` and says what changed.
fn changes_of(state: &mut AggState, agg: &Aggregation) -> Option<AggChanges> {
    let described = state.function == Some(agg.function)
        && state.name == agg.name
        && state.key_sizes == agg.key_sizes;
    let mut c = AggChanges {
        id: agg.id,
        name: None,
        function: None,
        key_sizes: None,
        rows: Vec::new(),
        numbers: Vec::new(),
        removed: Vec::new(),
        order: None,
        by_value: false,
    };
    if !described {
        state.name.clone_from(&agg.name);
        state.function = Some(agg.function);
        state.key_sizes.clone_from(&agg.key_sizes);
        c.name = Some(agg.name.clone());
        c.function = Some(agg.function);
        c.key_sizes = Some(agg.key_sizes.clone());
    }
    let mut order = Vec::with_capacity(agg.rows.len());
    let mut present = vec![false; state.keys.len()];
    for row in &agg.rows {
        let (k, new) = match state.numbers.get(&row.key) {
            Some(&k) => (k, false),
            None => {
                let k = state.keys.len() as u32;
                state.keys.push(row.key.clone());
                state.numbers.insert(row.key.clone(), k);
                state.values.push(None);
                present.push(false);
                (k, true)
            }
        };
        present[k as usize] = true;
        order.push(k);
        let slot = &mut state.values[k as usize];
        if slot.as_ref() != Some(&row.value) {
            let was_there = slot.is_some();
            *slot = Some(row.value.clone());
            match &row.value {
                Value::Number(n) if !new && was_there => c.numbers.push((k, *n)),
                _ => c.rows.push(ChangedRow {
                    k,
                    key: new.then(|| row.key.clone()),
                    value: row.value.clone(),
                }),
            }
        }
    }
    for (k, here) in present.iter().enumerate() {
        if !here && state.values[k].take().is_some() {
            c.removed.push(k as u32);
        }
    }
    if order != state.order {
        if by_value(state, &order).as_ref() == Some(&order) {
            c.by_value = true;
        } else {
            c.order = Some(order.clone());
        }
        state.order = order;
    }
    let changed = c.name.is_some()
        || !c.rows.is_empty()
        || !c.numbers.is_empty()
        || !c.removed.is_empty()
        || c.order.is_some()
        || c.by_value;
    changed.then_some(c)
}

/// `keys` in `dtrace(1)`'s default order for numbers: by value, then by
/// key; `None` for distributions (whose order libdtrace works out from
/// their buckets), whose order is always sent.
fn by_value(state: &AggState, keys: &[u32]) -> Option<Vec<u32>> {
    let number = |k: u32| {
        state
            .values
            .get(k as usize)?
            .as_ref()
            .and_then(Value::as_number)
    };
    if keys.iter().any(|&k| number(k).is_none()) {
        return None;
    }
    let mut sorted = keys.to_vec();
    sorted.sort_by(|&a, &b| {
        number(a)
            .cmp(&number(b))
            .then_with(|| state.keys[a as usize].cmp(&state.keys[b as usize]))
    });
    Some(sorted)
}

/// Applies one snapshot's changes to the reader's state; the whole
/// snapshot they make.
fn apply(states: &mut Vec<(u32, AggState)>, changes: Changes) -> Snapshot {
    for c in changes.aggregations {
        let state = state_of(states, c.id);
        // A key's number is at most one past the last: anything else is
        // a damaged line, and would have this make room for billions.
        let mut known = state.keys.len();
        if let Some(name) = c.name {
            state.name = name;
        }
        if let Some(f) = c.function {
            state.function = Some(f);
        }
        if let Some(sizes) = c.key_sizes {
            state.key_sizes = sizes;
        }
        for row in c.rows {
            let k = row.k as usize;
            if k > known {
                continue;
            }
            known = known.max(k + 1);
            if state.keys.len() <= k {
                state.keys.resize(k + 1, Vec::new());
                state.values.resize(k + 1, None);
            }
            if let Some(key) = row.key {
                state.keys[k] = key;
            }
            state.values[k] = Some(row.value);
        }
        for (k, n) in c.numbers {
            if let Some(v) = state.values.get_mut(k as usize) {
                *v = Some(Value::Number(n));
            }
        }
        for k in c.removed {
            if let Some(v) = state.values.get_mut(k as usize) {
                *v = None;
            }
        }
        if let Some(order) = c.order {
            // Each known key once: a damaged or hostile line that names a
            // key many times (or one never sent) would otherwise have
            // every snapshot clone a row for each mention.
            let mut seen = vec![false; state.keys.len()];
            state.order = order
                .into_iter()
                .filter(|&k| {
                    seen.get_mut(k as usize)
                        .is_some_and(|s| !std::mem::replace(s, true))
                })
                .collect();
        } else if c.by_value {
            let present: Vec<u32> = (0..state.values.len() as u32)
                .filter(|&k| state.values[k as usize].is_some())
                .collect();
            if let Some(order) = by_value(state, &present) {
                state.order = order;
            }
        }
    }
    // In the order of their ids, as libdtrace gives them; one with no
    // keys left is not in the snapshot, as libdtrace leaves it out.
    states.sort_by_key(|(id, _)| *id);
    Snapshot {
        aggregations: states
            .iter()
            .filter(|(_, s)| s.order.iter().any(|&k| s.snapshot_row(k).is_some()))
            .filter_map(|(id, s)| {
                Some(Aggregation {
                    id: *id,
                    name: s.name.clone(),
                    function: s.function?,
                    key_sizes: s.key_sizes.clone(),
                    rows: s.order.iter().filter_map(|&k| s.snapshot_row(k)).collect(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `@c[...] = count()` as aggregation 7: a larger id than the one the
    /// tests add later.
    fn counts(rows: &[(&str, i64)]) -> Snapshot {
        let mut s = crate::fixtures::counts(rows);
        s.aggregations[0].id = 7;
        s
    }

    #[test]
    fn an_aggregation_left_out_is_gone_and_ids_keep_their_order() {
        let two = |a: i64| Snapshot {
            aggregations: vec![
                Aggregation {
                    id: 2,
                    ..counts(&[("x", a)]).aggregations.remove(0)
                },
                counts(&[("y", 1)]).aggregations.remove(0),
            ],
        };
        let (mut enc, mut dec) = (ChangeEncoder::default(), ChangeDecoder::default());
        // Id 7 first seen, then id 2: decoded in id order.
        let first = counts(&[("y", 1)]);
        assert_eq!(dec.decode(enc.encode(&first)), first);
        let mut both = two(5);
        both.aggregations.sort_by_key(|a| a.id);
        assert_eq!(dec.decode(enc.encode(&both)), both);
        // Aggregation 2 truncated away: libdtrace leaves it out.
        assert_eq!(dec.decode(enc.encode(&first)), first);
    }

    #[test]
    fn a_key_number_far_past_the_last_is_left_out() {
        let mut dec = ChangeDecoder::default();
        let line = r#"{"aggregations":[{"id":1,"name":"n","function":{"name":"count"},"key_sizes":[],"rows":[{"k":4000000000,"key":[],"value":{"type":"number","value":1}}],"by_value":true}]}"#;
        let s = dec.decode(serde_json::from_str(line).unwrap());
        assert!(s.aggregations.is_empty(), "{s:?}");
    }

    /// A damaged or hostile line whose order names a key a million times,
    /// and keys never sent: each known key is in the snapshot once.
    #[test]
    fn an_order_that_repeats_keys_keeps_each_known_key_once() {
        let mut enc = ChangeEncoder::default();
        let mut c = enc.encode(&counts(&[("a", 1), ("b", 2)]));
        let mut order = vec![1u32; 1_000_000];
        order.extend([0, 0, 7, u32::MAX, 1]);
        c.aggregations[0].order = Some(order);
        c.aggregations[0].by_value = false;
        let snap = ChangeDecoder::default().decode(c);
        let keys: Vec<String> = snap.aggregations[0]
            .rows
            .iter()
            .map(|r| crate::key_label(&r.key))
            .collect();
        assert_eq!(keys, ["b", "a"]);
    }

    #[test]
    fn what_is_encoded_decodes_to_the_same_snapshots() {
        let (mut enc, mut dec) = (ChangeEncoder::default(), ChangeDecoder::default());
        let snaps = [
            counts(&[("a", 1), ("b", 2)]),
            counts(&[("a", 1), ("b", 2)]),
            counts(&[("b", 2), ("a", 3)]),
            counts(&[("c", 9)]),
            Snapshot::default(),
        ];
        for s in &snaps {
            let c = enc.encode(s);
            // Through JSON, as on the wire.
            let c: Changes = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
            assert_eq!(&dec.decode(c), s);
        }
        // Numbers in dtrace's default order (by value, then key): the
        // reader sorts them, no order is sent.
        let mut enc = ChangeEncoder::default();
        let c = enc.encode(&counts(&[("b", 1), ("a", 2), ("c", 2)]));
        assert!(c.aggregations[0].by_value && c.aggregations[0].order.is_none());
        let c = enc.encode(&counts(&[("a", 2), ("c", 2), ("b", 5)]));
        assert!(c.aggregations[0].by_value);
        // Any other order is sent as it is.
        let c = enc.encode(&counts(&[("c", 2), ("a", 2), ("b", 5)]));
        assert_eq!(c.aggregations[0].order, Some(vec![2, 1, 0]));
        // Distributions' order is always sent.
        let dist = |keys: &[&str]| Snapshot {
            aggregations: vec![Aggregation {
                id: 3,
                name: "q".into(),
                function: AggFunction::Quantize,
                key_sizes: vec![8],
                rows: keys
                    .iter()
                    .map(|k| Row {
                        key: vec![KeyPart::Str((*k).into())],
                        value: Value::Buckets(Vec::new()),
                    })
                    .collect(),
            }],
        };
        let (mut enc, mut dec) = (ChangeEncoder::default(), ChangeDecoder::default());
        for s in [dist(&["a"]), dist(&["b", "a"])] {
            assert_eq!(dec.decode(enc.encode(&s)), s);
        }
        // Nothing changed: nothing sent but the point in time.
        let mut enc = ChangeEncoder::default();
        enc.encode(&snaps[0]);
        assert_eq!(enc.encode(&snaps[1]), Changes::default());
    }
}
