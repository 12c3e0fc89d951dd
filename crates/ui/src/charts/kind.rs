//! The views an aggregation can be shown as, and which fit which
//! aggregating function (and which keys: stacks read as a flame graph, a
//! key-less value as its number).

use super::flame;
use crate::model::{AggFunction, Aggregation};

/// How an aggregation is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChartKind {
    Pie,
    Bars3d,
    Bars,
    Table,
    Text,
    OverTime,
    HeatMap,
    Flame,
    /// A key-less aggregation's one value, large.
    Value,
    /// What changed from a reference (another recording, an earlier
    /// range); offered only while there is one.
    Compare,
}

impl ChartKind {
    pub fn label(self) -> &'static str {
        match self {
            ChartKind::Pie => "Pie",
            ChartKind::Bars3d => "3D bars",
            ChartKind::Bars => "Bars",
            ChartKind::Table => "Table",
            ChartKind::Text => "Text",
            ChartKind::OverTime => "Over time",
            ChartKind::HeatMap => "Heat map",
            ChartKind::Flame => "Flame graph",
            ChartKind::Value => "Value",
            ChartKind::Compare => "Compare",
        }
    }

    /// The kinds that make sense for a function, the default first.
    pub fn choices(function: AggFunction) -> &'static [ChartKind] {
        use ChartKind::*;
        match function {
            AggFunction::Count => &[Pie, Bars, OverTime, Table, Text],
            // A pie of sums is a share of a total; of minima, maxima and
            // averages it would mean nothing.
            AggFunction::Sum => &[Bars, Pie, OverTime, Table, Text],
            AggFunction::Avg | AggFunction::Min | AggFunction::Max | AggFunction::Stddev => {
                &[Bars, OverTime, Table, Text]
            }
            AggFunction::Quantize
            | AggFunction::Lquantize { .. }
            | AggFunction::Llquantize { .. } => &[Bars3d, HeatMap, OverTime, Table, Text],
        }
    }

    /// The kinds for an aggregation: its function's, and a flame graph
    /// where its keys hold stacks.
    pub fn choices_for(agg: &Aggregation) -> Vec<ChartKind> {
        let mut kinds = ChartKind::choices(agg.function).to_vec();
        // `@ = count()` has one value and no key: a pie of it would be one
        // slice, 100 % of "(no key)".
        let keyless = !agg.function.is_distribution()
            && agg.rows.len() <= 1
            && agg.rows.iter().all(|r| r.key.is_empty());
        if keyless {
            kinds.retain(|k| !matches!(k, ChartKind::Pie | ChartKind::Bars));
            kinds.insert(0, ChartKind::Value);
        }
        if flame::has_stacks(agg) {
            // Stacks read best as a flame graph.
            kinds.insert(0, ChartKind::Flame);
        }
        kinds
    }

    pub fn is_chart(self) -> bool {
        !matches!(
            self,
            ChartKind::Table | ChartKind::Text | ChartKind::Value | ChartKind::Compare
        )
    }
}
