//! Trends over a window of points: the least-squares line (what RRD's
//! LSLSLOPE and LSLINT compute), how well it fits (R²), when it reaches a
//! limit, and a sliding-window average (RRD's TREND/PREDICT idea).

/// A least-squares line `y = slope * t + intercept` through some points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Change of y per second.
    pub slope: f64,
    /// y at t = 0.
    pub intercept: f64,
    /// The coefficient of determination: 1 is a perfect line, near 0
    /// means the line explains nothing.
    pub r2: f64,
    /// How many points it was fitted to.
    pub points: usize,
}

impl Fit {
    /// Fits the points with a value (at least two, at two times).
    pub fn of(points: &[(f64, Option<f64>)]) -> Option<Fit> {
        let xy: Vec<(f64, f64)> = points
            .iter()
            .filter_map(|&(t, y)| y.filter(|y| y.is_finite()).map(|y| (t, y)))
            .collect();
        let n = xy.len() as f64;
        if xy.len() < 2 {
            return None;
        }
        // Centred sums: exact enough for times of a day and large counts,
        // where the raw sums of squares would cancel.
        let mean_t = xy.iter().map(|p| p.0).sum::<f64>() / n;
        let mean_y = xy.iter().map(|p| p.1).sum::<f64>() / n;
        let (mut stt, mut sty, mut syy) = (0.0, 0.0, 0.0);
        for &(t, y) in &xy {
            let (dt, dy) = (t - mean_t, y - mean_y);
            stt += dt * dt;
            sty += dt * dy;
            syy += dy * dy;
        }
        if stt == 0.0 {
            return None;
        }
        let slope = sty / stt;
        let r2 = if syy == 0.0 {
            1.0
        } else {
            (sty * sty) / (stt * syy)
        };
        Some(Fit {
            slope,
            intercept: mean_y - slope * mean_t,
            r2,
            points: xy.len(),
        })
    }

    pub fn at(&self, t: f64) -> f64 {
        self.slope * t + self.intercept
    }

    /// When the line reaches `limit`, if it heads there after `after`
    /// (a flat line or one heading away never does).
    pub fn reaches(&self, limit: f64, after: f64) -> Option<f64> {
        if self.slope == 0.0 || !limit.is_finite() {
            return None;
        }
        let t = (limit - self.intercept) / self.slope;
        (t >= after).then_some(t)
    }
}

/// The average of the last `window` seconds at each point (points
/// without a value are left out of the average, and stay without one).
pub fn sliding_average(points: &[(f64, Option<f64>)], window: f64) -> Vec<(f64, Option<f64>)> {
    let mut out = Vec::with_capacity(points.len());
    let (mut start, mut sum, mut n) = (0usize, 0.0, 0usize);
    for (i, &(t, y)) in points.iter().enumerate() {
        if let Some(y) = y {
            sum += y;
            n += 1;
        }
        while points[start].0 <= t - window && start < i {
            if let Some(y) = points[start].1 {
                sum -= y;
                n -= 1;
            }
            start += 1;
        }
        out.push((t, y.and(if n > 0 { Some(sum / n as f64) } else { None })));
    }
    out
}

/// A duration for people: "12 min", "3.5 h", "40 s".
pub fn duration_text(seconds: f64) -> String {
    let s = seconds.abs();
    if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 90.0 * 60.0 {
        format!("{:.0} min", s / 60.0)
    } else if s < 48.0 * 3600.0 {
        format!("{:.1} h", s / 3600.0)
    } else {
        format!("{:.1} days", s / 86400.0)
    }
}

/// A slope in the unit that reads best: per second, minute or hour.
pub fn slope_text(per_second: f64) -> String {
    let abs = per_second.abs();
    if abs >= 1.0 || abs == 0.0 {
        format!("{} per second", round3(per_second))
    } else if abs * 60.0 >= 1.0 {
        format!("{} per minute", round3(per_second * 60.0))
    } else {
        format!("{} per hour", round3(per_second * 3600.0))
    }
}

/// At least three significant digits, without trailing zeros.
fn round3(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pts(v: &[(f64, f64)]) -> Vec<(f64, Option<f64>)> {
        v.iter().map(|&(t, y)| (t, Some(y))).collect()
    }

    #[test]
    fn a_straight_line_fits_exactly() {
        let f = Fit::of(&pts(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0), (3.0, 7.0)])).unwrap();
        assert_eq!((f.slope, f.intercept, f.r2, f.points), (2.0, 1.0, 1.0, 4));
        assert_eq!(f.reaches(21.0, 0.0), Some(10.0));
        // Heading away from a limit below: never.
        assert_eq!(f.reaches(-5.0, 0.0), None);
    }

    #[test]
    fn a_known_noisy_fit() {
        // Values worked by hand: x 1..5, y 2,4,5,4,5: slope 0.6,
        // intercept 2.2, R² 0.6.
        let f = Fit::of(&pts(&[
            (1.0, 2.0),
            (2.0, 4.0),
            (3.0, 5.0),
            (4.0, 4.0),
            (5.0, 5.0),
        ]))
        .unwrap();
        assert!((f.slope - 0.6).abs() < 1e-12, "{f:?}");
        assert!((f.intercept - 2.2).abs() < 1e-12, "{f:?}");
        assert!((f.r2 - 0.6).abs() < 1e-12, "{f:?}");
    }

    #[test]
    fn late_times_and_big_values_keep_their_precision() {
        // A day in, counts in the billions: the centred sums keep the
        // slope exact.
        let p: Vec<(f64, Option<f64>)> = (0..100)
            .map(|i| {
                let t = 86_400.0 + f64::from(i);
                (t, Some(5e9 + 3.0 * f64::from(i)))
            })
            .collect();
        let f = Fit::of(&p).unwrap();
        assert!((f.slope - 3.0).abs() < 1e-6, "{f:?}");
        assert!((f.r2 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn too_few_points_fit_nothing() {
        assert_eq!(Fit::of(&pts(&[(1.0, 2.0)])), None);
        assert_eq!(Fit::of(&pts(&[(1.0, 2.0), (1.0, 3.0)])), None);
        assert_eq!(Fit::of(&[(1.0, None), (2.0, Some(1.0))]), None);
        let flat = Fit::of(&pts(&[(1.0, 2.0), (2.0, 2.0)])).unwrap();
        assert_eq!(
            (flat.slope, flat.r2, flat.reaches(3.0, 0.0)),
            (0.0, 1.0, None)
        );
    }

    #[test]
    fn the_sliding_average_covers_its_window() {
        let avg = sliding_average(&pts(&[(1.0, 2.0), (2.0, 4.0), (3.0, 6.0), (4.0, 8.0)]), 2.0);
        assert_eq!(
            avg,
            [
                (1.0, Some(2.0)),
                (2.0, Some(3.0)),
                (3.0, Some(5.0)),
                (4.0, Some(7.0))
            ]
        );
        let gaps = sliding_average(&[(1.0, None), (2.0, Some(4.0))], 10.0);
        assert_eq!(gaps, [(1.0, None), (2.0, Some(4.0))]);
    }

    #[test]
    fn durations_and_slopes_read_well() {
        assert_eq!(duration_text(40.0), "40 s");
        assert_eq!(duration_text(720.0), "12 min");
        assert_eq!(duration_text(3.5 * 3600.0), "3.5 h");
        assert_eq!(slope_text(2.5), "2.5 per second");
        assert_eq!(slope_text(0.05), "3 per minute");
        assert_eq!(slope_text(0.0001), "0.36 per hour");
        assert_eq!(slope_text(-1234.4), "-1234 per second");
    }
}
