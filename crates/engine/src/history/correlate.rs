//! Correlations: which keys' rates move together. Every key of every
//! aggregation is a series (what its chart plots: the change per second
//! for count, sum and the distributions, the value for min, max, avg and
//! stddev), and each pair of series gets Pearson's r over the points in
//! time both have, with a two-sided p-value from Fisher's z.
//!
//! The p-value takes the points as independent samples. Rates over time
//! rarely are (a slow drift in two keys makes them look related), so a
//! small p says the pair is unlikely to be unrelated noise, not that one
//! key drives the other; `min_r` keeps weak pairs out whatever their p.

use super::report::Format;
use super::{AggHistory, History};
use crate::model::csv::{key_field, push_line};
use crate::model::{KeyPart, key_label};
use serde::Serialize;
use std::fmt::Write;

/// What makes a pair worth listing, and how many series are compared.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Settings {
    /// The fewest points in time a pair must share.
    pub min_points: usize,
    /// Pairs are kept when their p-value is below this.
    pub alpha: f64,
    /// ... and their |r| at least this.
    pub min_r: f64,
    /// How many series are compared (those with the largest totals): the
    /// work grows with its square.
    pub max_keys: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_points: 10,
            alpha: 0.001,
            min_r: 0.5,
            max_keys: 200,
        }
    }
}

/// One key of one aggregation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeriesId {
    /// The aggregation's name, without the `@`.
    pub aggregation: String,
    pub key: Vec<KeyPart>,
}

impl SeriesId {
    /// `@name[key, parts]`, or `@name` for an aggregation without keys.
    pub fn label(&self) -> String {
        if self.key.is_empty() {
            format!("@{}", self.aggregation)
        } else {
            format!("@{}[{}]", self.aggregation, key_label(&self.key))
        }
    }
}

/// Two series that move together (r > 0) or against each other (r < 0).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair {
    /// The first of the two by name.
    pub a: SeriesId,
    pub b: SeriesId,
    /// Pearson's r over the points both have.
    pub r: f64,
    /// How many points in time both have.
    pub points: usize,
    /// The chance of an |r| this large between unrelated series.
    pub p: f64,
}

/// Every pair that passed, strongest first, and what became of the series.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Correlations {
    pub pairs: Vec<Pair>,
    /// Every key of every aggregation.
    pub series: usize,
    /// How many were compared with each other.
    pub compared: usize,
    /// Past `max_keys`: the smallest totals.
    pub left_out: usize,
    /// The same value at every point: nothing to correlate.
    pub flat: usize,
    /// Fewer than `min_points` points: too short to pair.
    pub short: usize,
    pub settings: Settings,
}

/// Which series' rates move together in `history`.
pub fn correlate(history: &History, settings: &Settings) -> Correlations {
    let times = timeline(history);
    let mut found = Lines::default();
    for (a, agg) in history.aggregations().iter().enumerate() {
        // Each aggregation's points on the shared timeline.
        let at: Vec<usize> = agg.times().map(|t| index_of(&times, t)).collect();
        for key in 0..agg.keys().len() {
            found.add(read_line(agg, a, key, &at, settings.min_points), settings);
        }
    }
    let Lines {
        mut lines,
        series,
        short,
        flat,
        mut left_out,
    } = found;
    left_out += keep_largest(&mut lines, settings.max_keys);
    // By name, so that a pair's `a` comes first and ties rank by name.
    let mut named: Vec<(SeriesId, Line)> = lines
        .into_iter()
        .map(|l| {
            let agg = &history.aggregations()[l.agg];
            let id = SeriesId {
                aggregation: agg.name.clone(),
                key: agg.keys()[l.key].clone(),
            };
            (id, l)
        })
        .collect();
    named.sort_by(|(x, lx), (y, ly)| {
        (&x.aggregation, &x.key, lx.agg).cmp(&(&y.aggregation, &y.key, ly.agg))
    });
    let (by_name, compared): (Vec<SeriesId>, Vec<Series>) = named
        .into_iter()
        .map(|(id, line)| (id, standardise(line)))
        .unzip();
    let mut pairs = find_pairs(&compared, settings, times.len());
    pairs.sort_by(|x, y| {
        y.r.abs()
            .total_cmp(&x.r.abs())
            .then(x.p.total_cmp(&y.p))
            .then((x.a, x.b).cmp(&(y.a, y.b)))
    });
    Correlations {
        pairs: pairs
            .into_iter()
            .map(|f| Pair {
                a: by_name[f.a].clone(),
                b: by_name[f.b].clone(),
                r: f.r,
                points: f.points,
                p: f.p,
            })
            .collect(),
        series,
        compared: compared.len(),
        left_out,
        flat,
        short,
        settings: *settings,
    }
}

/// Every point in time of any aggregation, in order. Aggregations of one
/// run share their snapshots' times, so their points line up; where one
/// merged its older points at another moment than another, a pair of
/// their keys uses the times both kept.
fn timeline(history: &History) -> Vec<f64> {
    let mut times: Vec<f64> = history
        .aggregations()
        .iter()
        .flat_map(AggHistory::times)
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    times
}

fn index_of(times: &[f64], t: f64) -> usize {
    // Always found: the timeline holds every aggregation's times.
    times
        .binary_search_by(|x| x.total_cmp(&t))
        .unwrap_or_else(|i| i)
}

/// One key's line on the shared timeline, before it is compared.
struct Line {
    agg: usize,
    key: usize,
    /// The timeline index of its first point.
    start: usize,
    /// From `start` on; NaN where the key has no value.
    values: Vec<f64>,
    /// The sum of |value|: what picks the series compared.
    total: f64,
    mean: f64,
    sd: f64,
}

enum Read {
    Short,
    Flat,
    Varies(Line),
}

/// A key's plotted line. Count, sum and the distributions count nothing
/// where the key is absent once it has been seen (0 a second); min, max,
/// avg and stddev have no value there.
fn read_line(agg: &AggHistory, a: usize, key: usize, at: &[usize], min_points: usize) -> Read {
    let plotted = agg.plotted(key, true);
    let accumulates = agg.accumulates();
    // A distribution's line is 0 before its key's first count: it has
    // been seen from its first change on.
    let distribution = agg.function.is_distribution();
    let seen = |v: &Option<f64>| v.is_some_and(|v| v.is_finite() && (!distribution || v != 0.0));
    let Some(first) = plotted.iter().position(|(_, v)| seen(v)) else {
        return Read::Short;
    };
    let last = if accumulates {
        plotted.len() - 1
    } else {
        plotted.iter().rposition(|(_, v)| seen(v)).unwrap_or(first)
    };
    let start = at[first];
    let mut values = vec![f64::NAN; at[last] + 1 - start];
    let (mut n, mut total, mut lo, mut hi) = (0usize, 0.0, f64::INFINITY, f64::NEG_INFINITY);
    for p in first..=last {
        let v = plotted[p].1.or(accumulates.then_some(0.0));
        if let Some(v) = v.filter(|v| v.is_finite()) {
            values[at[p] - start] = v;
            n += 1;
            total += v.abs();
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if n < min_points.max(2) {
        return Read::Short;
    }
    // Two passes: exact for large values that vary little.
    let mean = values.iter().filter(|v| !v.is_nan()).sum::<f64>() / n as f64;
    let var = values
        .iter()
        .filter(|v| !v.is_nan())
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        / n as f64;
    let sd = var.sqrt();
    // `lo == hi` too: the mean of equal values can round off them.
    if lo == hi || !(sd > 0.0 && sd.is_finite()) {
        return Read::Flat;
    }
    Read::Varies(Line {
        agg: a,
        key,
        start,
        values,
        total,
        mean,
        sd,
    })
}

/// The lines read so far, the largest kept, with how many went where.
#[derive(Default)]
struct Lines {
    lines: Vec<Line>,
    series: usize,
    short: usize,
    flat: usize,
    left_out: usize,
}

impl Lines {
    fn add(&mut self, read: Read, settings: &Settings) {
        self.series += 1;
        match read {
            Read::Short => self.short += 1,
            Read::Flat => self.flat += 1,
            Read::Varies(line) => {
                self.lines.push(line);
                // Trimmed as it goes: an aggregation with a million keys
                // holds no more than twice `max_keys` lines at a time.
                if self.lines.len() >= 2 * settings.max_keys.max(1) {
                    self.left_out += keep_largest(&mut self.lines, settings.max_keys);
                }
            }
        }
    }
}

/// Keeps the `n` lines with the largest totals (ties: the first read);
/// returns how many it dropped.
fn keep_largest(lines: &mut Vec<Line>, n: usize) -> usize {
    let dropped = lines.len().saturating_sub(n);
    if dropped > 0 {
        lines.select_nth_unstable_by(n, |x, y| {
            y.total
                .total_cmp(&x.total)
                .then((x.agg, x.key).cmp(&(y.agg, y.key)))
        });
        lines.truncate(n);
    }
    dropped
}

/// A line standardised: mean 0 and variance 1 over its points, so that
/// over the same points r is the mean of the products.
struct Series {
    start: usize,
    /// 0 where the key has no value.
    z: Vec<f64>,
    shape: Shape,
}

enum Shape {
    /// A value at every point: the running sums of z and z² (one longer
    /// than z), which give any stretch's sums at once.
    Whole { sums: Vec<f64>, squares: Vec<f64> },
    /// 1 where the key has a value, 0 where not.
    Gaps(Vec<f64>),
}

fn standardise(line: Line) -> Series {
    let Line {
        start,
        mut values,
        mean,
        sd,
        ..
    } = line;
    let mask = values
        .iter()
        .any(|v| v.is_nan())
        .then(|| values.iter().map(|v| f64::from(!v.is_nan())).collect());
    for v in &mut values {
        *v = if v.is_nan() { 0.0 } else { (*v - mean) / sd };
    }
    let shape = match mask {
        Some(mask) => Shape::Gaps(mask),
        None => {
            let running = |f: fn(f64) -> f64| {
                let mut sum = 0.0;
                let mut out = Vec::with_capacity(values.len() + 1);
                out.push(0.0);
                out.extend(values.iter().map(|&z| {
                    sum += f(z);
                    sum
                }));
                out
            };
            Shape::Whole {
                sums: running(|z| z),
                squares: running(|z| z * z),
            }
        }
    };
    Series {
        start,
        z: values,
        shape,
    }
}

impl Series {
    fn end(&self) -> usize {
        self.start + self.z.len()
    }

    fn z(&self, from: usize, to: usize) -> &[f64] {
        &self.z[from - self.start..to - self.start]
    }

    fn mask<'a>(&'a self, from: usize, to: usize, ones: &'a [f64]) -> &'a [f64] {
        match &self.shape {
            Shape::Gaps(mask) => &mask[from - self.start..to - self.start],
            Shape::Whole { .. } => &ones[..to - from],
        }
    }
}

/// A pair that passed, by index into the compared series.
struct Found {
    a: usize,
    b: usize,
    r: f64,
    points: usize,
    p: f64,
}

/// How many bytes of series a tile of the pair loop holds: about what a
/// core's second-level cache keeps, so that each series is read from
/// memory once per tile rather than once per pair.
const TILE_BYTES: usize = 1 << 20;

fn find_pairs(series: &[Series], settings: &Settings, timeline: usize) -> Vec<Found> {
    let ones = vec![1.0; timeline];
    let longest = series.iter().map(|s| s.z.len()).max().unwrap_or(1).max(1);
    let tile = (TILE_BYTES / (longest * std::mem::size_of::<f64>())).max(1);
    let mut found = Vec::new();
    // Each pair (i < j) once: in the tile that holds j.
    for tile_start in (0..series.len()).step_by(tile) {
        let tile_end = (tile_start + tile).min(series.len());
        for i in 0..tile_end {
            for j in (i + 1).max(tile_start)..tile_end {
                let Some((r, points)) = pearson(&series[i], &series[j], &ones, settings.min_points)
                else {
                    continue;
                };
                if r.abs() < settings.min_r {
                    continue;
                }
                let p = p_value(r, points);
                if p < settings.alpha {
                    found.push(Found {
                        a: i,
                        b: j,
                        r,
                        points,
                        p,
                    });
                }
            }
        }
    }
    found
}

/// Pearson's r over the points both series have, and how many there are;
/// `None` for fewer than `min_points` or where one does not vary.
fn pearson(a: &Series, b: &Series, ones: &[f64], min_points: usize) -> Option<(f64, usize)> {
    let (from, to) = (a.start.max(b.start), a.end().min(b.end()));
    if to.saturating_sub(from) < min_points.max(2) {
        return None;
    }
    let (za, zb) = (a.z(from, to), b.z(from, to));
    let n = to - from;
    match (&a.shape, &b.shape) {
        // The common case: the same points, over which both were
        // standardised.
        (Shape::Whole { .. }, Shape::Whole { .. }) if a.start == b.start && a.end() == b.end() => {
            Some(((dot(za, zb) / n as f64).clamp(-1.0, 1.0), n))
        }
        (
            Shape::Whole {
                sums: sa,
                squares: qa,
            },
            Shape::Whole {
                sums: sb,
                squares: qb,
            },
        ) => {
            let (fa, ta, fb, tb) = (from - a.start, to - a.start, from - b.start, to - b.start);
            let sums = Sums {
                n: n as f64,
                x: sa[ta] - sa[fa],
                y: sb[tb] - sb[fb],
                xx: qa[ta] - qa[fa],
                yy: qb[tb] - qb[fb],
                xy: dot(za, zb),
            };
            sums.r().map(|r| (r, n))
        }
        _ => {
            let sums = masked_sums(za, a.mask(from, to, ones), zb, b.mask(from, to, ones));
            let n = sums.n as usize;
            if n < min_points {
                return None;
            }
            sums.r().map(|r| (r, n))
        }
    }
}

/// Sums over the points two series share.
struct Sums {
    n: f64,
    x: f64,
    y: f64,
    xx: f64,
    yy: f64,
    xy: f64,
}

/// Below this variance per point (in units of the series' own variance)
/// a series counts as constant over the points it shares with another:
/// far above the rounding of the sums, far below any real change.
const NEAR_CONSTANT: f64 = 1e-10;

impl Sums {
    fn r(&self) -> Option<f64> {
        let vx = self.xx - self.x * self.x / self.n;
        let vy = self.yy - self.y * self.y / self.n;
        if !(vx > NEAR_CONSTANT * self.n && vy > NEAR_CONSTANT * self.n) {
            return None;
        }
        let r = (self.xy - self.x * self.y / self.n) / (vx * vy).sqrt();
        Some(r.clamp(-1.0, 1.0))
    }
}

/// The sums over the points where both masks are 1 (z is 0 where its
/// mask is, so the products need no test).
fn masked_sums(za: &[f64], ma: &[f64], zb: &[f64], mb: &[f64]) -> Sums {
    let mut s = Sums {
        n: 0.0,
        x: 0.0,
        y: 0.0,
        xx: 0.0,
        yy: 0.0,
        xy: 0.0,
    };
    for (((&x, &mx), &y), &my) in za.iter().zip(ma).zip(zb).zip(mb) {
        s.n += mx * my;
        s.x += x * my;
        s.y += y * mx;
        s.xx += x * x * my;
        s.yy += y * y * mx;
        s.xy += x * y;
    }
    s
}

/// A dot product in eight independent sums, which the compiler turns into
/// vector instructions (one running sum would wait on each addition).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    let mut acc = [0.0; 8];
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// The two-sided p-value of r over n points, from Fisher's z:
/// atanh(r)·√(n−3) is near normal for unrelated series.
fn p_value(r: f64, n: usize) -> f64 {
    if n <= 3 {
        return 1.0;
    }
    let limit = 1.0 - 1e-12;
    let z = r.clamp(-limit, limit).atanh() * ((n - 3) as f64).sqrt();
    // erfc(0) comes out a hair above 1 (within its error).
    erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

/// The complementary error function, by the Chebyshev fit of Numerical
/// Recipes (Press et al., 2nd ed., §6.2, `erfcc`): relative error below
/// 1.2e-7 for every x, so tiny p-values keep their digits too.
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let e = t * (-z * z + poly).exp();
    if x >= 0.0 { e } else { 2.0 - e }
}

/// The correlations in `format`: text for people, the struct as JSON, or
/// one CSV line per pair.
pub fn render(c: &Correlations, format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(c).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Csv => csv(c),
        Format::Text => text(c),
    }
}

fn csv(c: &Correlations) -> String {
    let mut out = String::new();
    let header = [
        "a_aggregation",
        "a_key",
        "b_aggregation",
        "b_key",
        "r",
        "p",
        "points",
    ];
    push_line(&mut out, header.into_iter());
    let key = |k: &[KeyPart]| k.iter().map(key_field).collect::<Vec<_>>().join(", ");
    for pair in &c.pairs {
        let fields = [
            format!("@{}", pair.a.aggregation),
            key(&pair.a.key),
            format!("@{}", pair.b.aggregation),
            key(&pair.b.key),
            pair.r.to_string(),
            format!("{:e}", pair.p),
            pair.points.to_string(),
        ];
        push_line(&mut out, fields.iter().map(String::as_str));
    }
    out
}

fn text(c: &Correlations) -> String {
    let s = &c.settings;
    let mut out = format!(
        "{} series: {} compared, {} left out (only the {} with the largest totals are compared), \
         {} flat, {} with fewer than {} points\n",
        c.series, c.compared, c.left_out, s.max_keys, c.flat, c.short, s.min_points
    );
    let _ = writeln!(
        out,
        "{} pair{} with |r| >= {} and p < {}",
        c.pairs.len(),
        if c.pairs.len() == 1 { "" } else { "s" },
        s.min_r,
        s.alpha
    );
    for pair in &c.pairs {
        let p = if pair.p < 1e-9 {
            "p<1e-9".to_owned()
        } else {
            format!("p={:.1e}", pair.p)
        };
        let _ = write!(
            out,
            "r={:+.2}  {p:<8}  n={:<5}  {} ~ {}",
            pair.r,
            pair.points,
            pair.a.label(),
            pair.b.label()
        );
        out.push_str(if pair.r < 0.0 {
            "  (moves against)\n"
        } else {
            "\n"
        });
    }
    out
}

#[cfg(test)]
mod tests;
