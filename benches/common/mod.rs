//! Snapshots shared by the benchmarks.

use dscope::model::{AggFunction, Aggregation, KeyPart, Row, Snapshot, Value};

/// `@[execname, pid] = count()` with `keys` keys after `t` seconds.
pub fn counts(keys: usize, t: i64) -> Snapshot {
    Snapshot {
        aggregations: vec![Aggregation {
            id: 1,
            name: "num".into(),
            function: AggFunction::Count,
            key_sizes: vec![256, 4],
            rows: (0..keys)
                .map(|i| Row {
                    key: vec![
                        KeyPart::Str(format!("process-{i}")),
                        KeyPart::Int(i as i64 + 100),
                    ],
                    value: Value::Number(t * ((i as i64 % 13) + 1)),
                })
                .collect(),
        }],
    }
}
