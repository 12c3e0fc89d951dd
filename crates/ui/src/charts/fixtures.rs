//! Aggregations the charts' tests draw.

use crate::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Value};

/// `@name[key] = count()` (or another number function) with these rows,
/// ordered as dtrace orders them.
pub fn numbers(function: AggFunction, rows: &[(&str, i64)]) -> Aggregation {
    let mut rows: Vec<Row> = rows
        .iter()
        .map(|(k, v)| Row {
            key: vec![KeyPart::Str((*k).into())],
            value: Value::Number(*v),
        })
        .collect();
    rows.sort_by_key(|r| r.value.as_number());
    Aggregation {
        id: 1,
        name: "num".into(),
        function,
        key_sizes: vec![256],
        rows,
    }
}

/// `lquantize(x, 0, 100, 10)` per key: (key, [(bucket min, count)]).
pub fn lquantize(rows: &[(&str, &[(i64, i64)])]) -> Aggregation {
    let rows = rows
        .iter()
        .map(|(k, buckets)| Row {
            key: vec![KeyPart::Str((*k).into())],
            value: Value::Buckets(
                buckets
                    .iter()
                    .map(|&(min, count)| Bucket {
                        label: if min < 0 {
                            "< 0".into()
                        } else {
                            min.to_string()
                        },
                        min: (min >= 0).then_some(min),
                        max: Some(if min < 0 { -1 } else { min + 9 }),
                        count,
                        raw: None,
                    })
                    .collect(),
            ),
        })
        .collect();
    Aggregation {
        id: 2,
        name: "dist".into(),
        function: AggFunction::Lquantize {
            base: 0,
            step: 10,
            levels: 10,
        },
        key_sizes: vec![256],
        rows,
    }
}

/// `@s[stack()] = count()`: each row's frames innermost first, as
/// libdtrace gives them, and its count.
pub fn stacks(rows: &[(&[&str], i64)]) -> Aggregation {
    Aggregation {
        id: 1,
        name: "s".into(),
        function: AggFunction::Count,
        key_sizes: vec![8],
        rows: rows
            .iter()
            .map(|(frames, v)| Row {
                key: vec![KeyPart::Stack(frames.iter().map(|f| (*f).into()).collect())],
                value: Value::Number(*v),
            })
            .collect(),
    }
}
