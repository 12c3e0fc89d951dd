//! The count axis: how high a count stands, and where its ticks go, on a
//! linear, square root or logarithmic scale. Numbers only, so the scales are tested
//! without drawing.

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

/// How counts map to heights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scale {
    /// Heights in proportion to the counts: the only scale whose heights
    /// can be compared by eye.
    #[default]
    Linear,
    /// Square roots: small counts beside a large one stand up while the
    /// large ones still read in order.
    Sqrt,
    /// A decade per tick, the floor to 1 being one more: a count of 1
    /// beside a million still stands a seventh of the way up.
    Log,
}

impl Scale {
    /// In the order a chooser offers them, with their short names.
    pub const ALL: [(Scale, &'static str); 3] = [
        (Scale::Linear, "Linear"),
        (Scale::Sqrt, "√"),
        (Scale::Log, "Log"),
    ];

    /// The scale in words, for a caption: "square root".
    pub fn name(self) -> &'static str {
        match self {
            Scale::Linear => "linear",
            Scale::Sqrt => "square root",
            Scale::Log => "log",
        }
    }

    /// The count axis's title: a scale other than linear says so, since
    /// heights on it cannot be compared as lengths.
    pub fn axis_title(self) -> &'static str {
        match self {
            Scale::Linear => "count",
            Scale::Sqrt => "count (√)",
            Scale::Log => "count (log)",
        }
    }
}

/// The count axis: where a count stands and the round values with a tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountAxis {
    pub scale: Scale,
    /// Linear: the step between ticks. Square root and log: unused.
    pub step: i64,
    /// The value at the top of the walls.
    pub top: i64,
}

impl CountAxis {
    pub fn new(scale: Scale, max: i64) -> CountAxis {
        match scale {
            Scale::Linear => CountAxis::linear(max),
            Scale::Sqrt => CountAxis {
                scale,
                ..CountAxis::linear(max)
            },
            Scale::Log => CountAxis::log(max),
        }
    }

    pub fn linear(max: i64) -> CountAxis {
        let (step, top) = nice_ticks(max, 4);
        CountAxis {
            scale: Scale::Linear,
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
            scale: Scale::Log,
            step: 10,
            top: top.max(10),
        }
    }

    /// How high `v` stands, from 0 (the floor) to 1 (the top).
    pub fn fraction(&self, v: i64) -> f64 {
        if v <= 0 {
            return 0.0;
        }
        let (v, top) = (v as f64, self.top.max(1) as f64);
        match self.scale {
            Scale::Linear => v / top,
            Scale::Sqrt => (v / top).sqrt(),
            // The floor to 1 is one decade more, so that the 0 and 1
            // ticks stand as far apart as 1 and 10, and a single count
            // is a bar, not a line.
            Scale::Log => (1.0 + v.log10()) / (1.0 + top.log10()),
        }
    }

    /// The values with a tick, from 0 up to the top.
    pub fn ticks(&self) -> Vec<i64> {
        match self.scale {
            Scale::Linear => self.stepped(self.step.max(1), |v, s| v.checked_add(s)),
            Scale::Log => self.stepped(1, |v, _| v.checked_mul(10)),
            Scale::Sqrt => self.sqrt_ticks(),
        }
    }

    fn stepped(&self, first: i64, next: impl Fn(i64, i64) -> Option<i64>) -> Vec<i64> {
        let mut out = vec![0];
        let mut v = first;
        while v <= self.top {
            out.push(v);
            match next(v, self.step.max(1)) {
                Some(n) => v = n,
                None => break,
            }
        }
        out
    }

    /// Round values (1, 2 or 5 times a power of ten, and the top) picked
    /// from the top down, each a tenth of the height or more from the
    /// last: linear steps would crowd at the top of a square root scale
    /// and leave its bottom, where the small counts are, unmarked.
    fn sqrt_ticks(&self) -> Vec<i64> {
        let mut round = vec![self.top];
        let mut p: i64 = 1;
        while p < self.top {
            for m in [1, 2, 5] {
                if let Some(v) = p.checked_mul(m)
                    && v < self.top
                {
                    round.push(v);
                }
            }
            match p.checked_mul(10) {
                Some(n) => p = n,
                None => break,
            }
        }
        round.sort_unstable_by(|a, b| b.cmp(a));
        let mut out = vec![];
        let mut last = f64::INFINITY;
        for v in round {
            let f = self.fraction(v);
            if last - f >= 0.1 && f >= 0.1 {
                out.push(v);
                last = f;
            }
        }
        out.push(0);
        out.reverse();
        out
    }
}
