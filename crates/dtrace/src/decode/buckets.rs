//! The buckets of quantize(), lquantize() and llquantize() as each
//! family's `dtrace(1)` prints them: which range is shown, the labels,
//! each bucket's value range, and the weights the rows are ordered by.

use super::normalize;
use dscope_dtrace_sys::Abi;
use dscope_dtrace_sys::layout::{illumos, linux};
use dscope_model::Bucket;
use std::cmp::Ordering;

pub(super) const QUANTIZE_BUCKETS: usize = linux::DTRACE_QUANTIZE_NBUCKETS;
pub(super) const ZERO_BUCKET: usize = linux::DTRACE_QUANTIZE_ZEROBUCKET;
const _: () = assert!(
    illumos::DTRACE_QUANTIZE_NBUCKETS == QUANTIZE_BUCKETS
        && illumos::DTRACE_QUANTIZE_ZEROBUCKET == ZERO_BUCKET
);

/// The smallest value of quantize bucket `i` (`DTRACE_QUANTIZE_BUCKETVAL`).
pub(super) fn quantize_value(i: usize) -> i64 {
    match i.cmp(&ZERO_BUCKET) {
        Ordering::Less => -(1i64 << (ZERO_BUCKET - 1 - i)),
        Ordering::Equal => 0,
        Ordering::Greater => 1i64 << (i - ZERO_BUCKET - 1),
    }
}

/// The bucket range `dtrace(1)` shows: from one below the first bucket
/// with data to one past the last; `empty` when there is no data.
fn shown_range(counts: &[i64], empty: (usize, usize)) -> (usize, usize) {
    let Some(first) = counts.iter().position(|&c| c != 0) else {
        return empty;
    };
    let last = counts.iter().rposition(|&c| c != 0).expect("has data");
    (first.saturating_sub(1), (last + 1).min(counts.len() - 1))
}

pub(super) fn quantize_buckets(abi: Abi, counts: &[i64], normal: u64) -> Vec<Bucket> {
    let around_zero = (ZERO_BUCKET - 1, ZERO_BUCKET + 1);
    let (first, last) = match abi {
        Abi::Linux2 => shown_range(counts, around_zero),
        // illumos, FreeBSD and macOS look for the first bucket with data
        // only below the last one (`first_bin < NBUCKETS - 1`), so data
        // in the top bucket alone prints as the empty buckets around zero.
        Abi::Illumos if counts[..QUANTIZE_BUCKETS - 1].iter().all(|&c| c == 0) => around_zero,
        Abi::Illumos => shown_range(counts, around_zero),
    };
    (first..=last)
        .map(|i| {
            let lo = quantize_value(i);
            let (min, max) = match i.cmp(&ZERO_BUCKET) {
                // Negative buckets count values from the next bucket's
                // value (exclusive) down to their own.
                Ordering::Less if i == 0 => (None, Some(lo)),
                Ordering::Less => (Some(quantize_value(i - 1) + 1), Some(lo)),
                Ordering::Equal => (Some(0), Some(0)),
                Ordering::Greater if i == QUANTIZE_BUCKETS - 1 => (Some(lo), None),
                Ordering::Greater => (Some(lo), Some(quantize_value(i + 1) - 1)),
            };
            Bucket {
                label: lo.to_string(),
                min,
                max,
                count: normalize(counts[i], normal),
                raw: (normal != 1).then_some(counts[i]),
            }
        })
        .collect()
}

pub(super) fn lquantize_weight(counts: &[i64], base: i32, step: u16, levels: u16) -> (f64, i64) {
    let base = base as i64;
    let mut total = counts[0] as f64 * (base - 1) as f64;
    let mut b = base;
    let mut zero = if base - 1 == 0 { Some(counts[0]) } else { None };
    for i in 0..levels as usize {
        total += counts[i + 1] as f64 * b as f64;
        if b == 0 && zero.is_none() {
            zero = Some(counts[i + 1]);
        }
        b += step as i64;
    }
    total += counts[levels as usize + 1] as f64 * (b + 1) as f64;
    if zero.is_none() && b + 1 == 0 {
        zero = Some(counts[levels as usize + 1]);
    }
    (total, zero.unwrap_or(0))
}

pub(super) fn lquantize_buckets(
    counts: &[i64],
    base: i32,
    step: u16,
    levels: u16,
    normal: u64,
) -> Vec<Bucket> {
    let (base, step, levels) = (base as i64, step as i64, levels as usize);
    let (first, last) = shown_range(counts, (0, 2.min(levels + 1)));
    (first..=last)
        .map(|i| {
            let (label, min, max) = if i == 0 {
                (format!("< {base}"), None, Some(base - 1))
            } else if i == levels + 1 {
                let top = base + levels as i64 * step;
                (format!(">= {top}"), Some(top), None)
            } else {
                let lo = base + (i as i64 - 1) * step;
                (lo.to_string(), Some(lo), Some(lo + step - 1))
            };
            Bucket {
                label,
                min,
                max,
                count: normalize(counts[i], normal),
                raw: (normal != 1).then_some(counts[i]),
            }
        })
        .collect()
}

/// One llquantize bin: its label (None for Linux's unlabelled "ghost"
/// bins), its value range, and its weight for ordering.
#[derive(Debug, Clone)]
pub(super) struct LlBin {
    label: Option<String>,
    min: Option<i64>,
    max: Option<i64>,
    pub(super) weight: f64,
    pub(super) is_zero: bool,
}

/// The bins of an llquantize, built once per parameter set and shared by
/// every key (and every snapshot) that uses it.
pub(super) fn llquantize_layout(
    abi: Abi,
    factor: u16,
    low: u16,
    high: u16,
    steps: u16,
    available: usize,
) -> Option<std::rc::Rc<[LlBin]>> {
    type Layouts = std::collections::HashMap<(Abi, u16, u16, u16, u16), std::rc::Rc<[LlBin]>>;
    thread_local! {
        static LAYOUTS: std::cell::RefCell<Layouts> = Default::default();
    }
    let key = (abi, factor, low, high, steps);
    if let Some(l) = LAYOUTS.with(|c| c.borrow().get(&key).cloned()) {
        return (l.len() <= available).then_some(l);
    }
    let layout: std::rc::Rc<[LlBin]> = match abi {
        Abi::Linux2 => llquantize_layout_linux(factor, low, high, steps, available),
        Abi::Illumos => llquantize_layout_illumos(factor, low, high, steps, available),
    }?
    .into();
    LAYOUTS.with(|c| {
        let mut c = c.borrow_mut();
        // Bounded: scripts have few distinct llquantize() calls.
        if c.len() > 64 {
            c.clear();
        }
        c.insert(key, layout.clone());
    });
    Some(layout)
}

fn pow(factor: u16, exp: u32) -> i64 {
    (factor as i64).saturating_pow(exp)
}

/// Linux DTrace 2.x: overflow, negative ranges, `abs() < scale`, positive
/// ranges, overflow; labels as `dt_print_llquantize` gives them.
fn llquantize_layout_linux(
    factor: u16,
    lmag: u16,
    hmag: u16,
    steps: u16,
    available: usize,
) -> Option<Vec<LlBin>> {
    let steps_factor = (steps / factor) as usize;
    let per_mag = steps as usize - steps_factor;
    // In usize: hmag - lmag + 1 overflows u16 for 0..=65535.
    let bin0 = 1 + (usize::from(hmag) - usize::from(lmag) + 1) * per_mag;
    let nbins = 2 * bin0 + 1;
    if nbins > available {
        return None;
    }
    // Positive side: (offset from bin0, smallest value).
    let mut positive: Vec<(usize, i64)> = Vec::new();
    let scale0 = pow(factor, u32::from(lmag));
    positive.push((1, scale0));
    let mut i = 1;
    let (mut mag, hmag) = (u32::from(lmag), u32::from(hmag));
    if lmag == 0 && steps > factor {
        for step in 2..=factor as i64 {
            i += steps_factor;
            positive.push((i, step));
        }
        mag += 1;
    }
    let mut scale = pow(factor, mag + 1) / steps as i64;
    while mag <= hmag {
        for step in steps_factor as i64 + 1..=steps as i64 {
            i += 1;
            positive.push((i, step.saturating_mul(scale)));
        }
        scale = scale.saturating_mul(factor as i64);
        mag += 1;
    }
    let top = pow(factor, hmag + 1);
    let mut bins: Vec<LlBin> = (0..nbins)
        .map(|_| LlBin {
            label: None,
            min: None,
            max: None,
            weight: 0.0,
            is_zero: false,
        })
        .collect();
    bins[bin0] = LlBin {
        label: Some(if scale0 == 1 {
            "0".to_owned()
        } else {
            format!("abs() < {scale0}")
        }),
        min: Some(-(scale0 - 1)),
        max: Some(scale0 - 1),
        weight: 0.0,
        is_zero: true,
    };
    for (k, &(off, lo)) in positive.iter().enumerate() {
        let next = positive.get(k + 1).map_or(top, |&(_, v)| v);
        if bin0 + off < nbins - 1 {
            bins[bin0 + off] = LlBin {
                label: Some(lo.to_string()),
                min: Some(lo),
                max: Some(next - 1),
                weight: lo as f64,
                is_zero: false,
            };
        }
        if off < bin0 {
            bins[bin0 - off] = LlBin {
                label: Some(format!("-{lo}")),
                min: Some(-(next - 1)),
                max: Some(-lo),
                weight: -(lo as f64),
                is_zero: false,
            };
        }
    }
    // dt_aggregate_llquantizedsum's last step lands on the overflow bins
    // (offset bin0 from the middle) and weighs them by its value there,
    // steps * factor^(hmag+1) / steps, although the printer labels them
    // by the same number with "<= -" and ">= ".
    let overflow = positive
        .iter()
        .find(|&&(off, _)| off == bin0)
        .map_or(0.0, |&(_, lo)| lo as f64);
    bins[0] = LlBin {
        label: Some(format!("<= -{top}")),
        min: None,
        max: Some(-top),
        weight: -overflow,
        is_zero: false,
    };
    bins[nbins - 1] = LlBin {
        label: Some(format!(">= {top}")),
        min: Some(top),
        max: None,
        weight: overflow,
        is_zero: false,
    };
    Some(bins)
}

/// illumos: underflow, then `steps` bins per magnitude from
/// factor^low to factor^high, then overflow.
fn llquantize_layout_illumos(
    factor: u16,
    low: u16,
    high: u16,
    steps: u16,
    available: usize,
) -> Option<Vec<LlBin>> {
    let mut value = pow(factor, u32::from(low));
    let mut next = value.saturating_mul(factor as i64);
    let nsteps = steps as i64;
    let mut step = if next > nsteps { next / nsteps } else { 1 };
    // dt_aggregate_llquantizedsum weighs the underflow bin as
    // factor^low - 1 and calls it the zero bin.
    let mut bins = vec![LlBin {
        label: Some(format!("< {value}")),
        min: None,
        max: Some(value - 1),
        weight: (value - 1) as f64,
        is_zero: true,
    }];
    let mut order = u32::from(low);
    while order <= u32::from(high) {
        if bins.len() + 1 >= available || value >= next {
            return None;
        }
        bins.push(LlBin {
            label: Some(value.to_string()),
            min: Some(value),
            max: Some(value.saturating_add(step - 1)),
            weight: value as f64,
            is_zero: false,
        });
        value = value.saturating_add(step);
        if value != next {
            continue;
        }
        next = value.saturating_mul(factor as i64);
        step = if next > nsteps { next / nsteps } else { 1 };
        order += 1;
    }
    bins.push(LlBin {
        label: Some(format!(">= {value}")),
        min: Some(value),
        max: None,
        weight: value as f64,
        is_zero: false,
    });
    Some(bins)
}

pub(super) fn llquantize_buckets(
    counts: &[i64],
    layout: &[LlBin],
    abi: Abi,
    normal: u64,
) -> Vec<Bucket> {
    let (first, last) = match abi {
        Abi::Illumos => shown_range(counts, (0, 1)),
        // dt_print_llquantize (Linux) picks the first positive bin when
        // there is no data and then widens whatever range it has by one
        // bin each way, so an empty entry shows three bins.
        Abi::Linux2 => {
            let bin0 = layout.len() / 2;
            shown_range(counts, (bin0, bin0 + 2))
        }
    };
    let mut out = Vec::new();
    for i in first..=last {
        let bin = &layout[i];
        // An unlabelled bin at either end of the range borrows the label
        // of its nearest labelled neighbour outside the range, as
        // dtrace(1) prints it; inside the range it is skipped.
        let borrowed = if bin.label.is_some() {
            Some(bin)
        } else if i == first {
            layout[..i].iter().rev().find(|b| b.label.is_some())
        } else if i == last {
            layout[i + 1..].iter().find(|b| b.label.is_some())
        } else {
            None
        };
        if let Some(b) = borrowed {
            let mut label = b.label.clone().unwrap_or_default();
            // Linux: when nothing below the middle bin is shown, it is
            // labelled "< scale" rather than "abs() < scale".
            if abi == Abi::Linux2
                && b.is_zero
                && first >= i
                && let Some(rest) = label.strip_prefix("abs() ")
            {
                label = rest.to_owned();
            }
            out.push(Bucket {
                label,
                min: b.min,
                max: b.max,
                count: normalize(counts[i], normal),
                raw: (normal != 1).then_some(counts[i]),
            });
        }
    }
    out
}
