//! The count axis: how high a count stands, and where its ticks go, on a
//! linear or a logarithmic scale. Numbers only, so the scales are tested
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
