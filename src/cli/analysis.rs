//! The subcommands that read recordings: `report` (a history, a
//! comparison, anomalies against a baseline) and `baseline` (learn what
//! normal looks like and save it).

use super::fail;
use crate::history::anomaly::{Detector, Settings};
use crate::history::baseline::{self, Baseline, Period};
use crate::job::{EXIT_CANNOT, EXIT_OK};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A baseline to check against, and when a key counts as out of it.
#[derive(Debug, Clone)]
pub struct Watching {
    pub baseline: Arc<Baseline>,
    pub settings: Settings,
}

/// `dscope report`: a recording's history on `out`, in `format`. What was
/// wrong with the file (cut off, newer, lines it cannot read) goes to
/// `err` and what could be read is printed all the same; a file that is
/// no recording at all exits 2.
pub fn report(
    path: &Path,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match read_recording(path, usize::MAX, err) {
        Ok(rec) => {
            let _ = out.write_all(crate::history::report::render(&rec, format).as_bytes());
            let _ = out.flush();
            EXIT_OK
        }
        Err(code) => code,
    }
}

/// A recording read, its history kept to `capacity` points; what was
/// wrong with it said on `err`, and a file that is no recording at all is
/// the exit status.
fn read_recording(
    path: &Path,
    capacity: usize,
    err: &mut dyn Write,
) -> Result<crate::history::recording::Recording, u8> {
    match crate::history::recording::read(path, capacity) {
        Ok(rec) => {
            for p in &rec.problems {
                let _ = writeln!(err, "dscope: {p}");
            }
            Ok(rec)
        }
        Err(e) => Err(fail(err, EXIT_CANNOT, &e).code),
    }
}

/// `dscope report AFTER --compare BEFORE`: what changed from `before` to
/// `after`, on `out`. Problems reading either file go to `err` as for a
/// report; a file that is no recording exits 2.
pub fn report_compare(
    before: &Path,
    after: &Path,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    use crate::history::compare::{Side, render};
    // Each is compared as it was at its end, which a history of any
    // capacity keeps: no need to hold every point of two runs.
    let capacity = crate::history::DEFAULT_CAPACITY;
    let (b, a) = match (
        read_recording(before, capacity, err),
        read_recording(after, capacity, err),
    ) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(code), _) | (_, Err(code)) => return code,
    };
    let (bn, an) = (before.display().to_string(), after.display().to_string());
    let text = render(
        &Side {
            name: &bn,
            recording: &b,
        },
        &Side {
            name: &an,
            recording: &a,
        },
        format,
    );
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    EXIT_OK
}

/// `dscope report REC --baseline …`: the anomalies of `path` against
/// `watching`'s baseline, in `format`.
pub fn report_baseline(
    path: &Path,
    watching: &Watching,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let rec = match read_recording(path, usize::MAX, err) {
        Ok(rec) => rec,
        Err(code) => return code,
    };
    let started = baseline::started_at(&rec.header.started);
    let mut detector = Detector::new(Arc::clone(&watching.baseline), watching.settings, started);
    detector.check(&rec.history);
    let names: Vec<&str> = rec
        .history
        .aggregations()
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let text = baseline::render::anomalies(
        &watching.baseline,
        watching.settings,
        &names,
        &detector.anomalies,
        format,
    );
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    EXIT_OK
}

/// `dscope baseline REC…`: learns the normal level of every key of the
/// recordings, saves it to `save` (by default next to the first, as
/// NAME.dsbase) and prints it in `format`.
pub fn learn(
    recordings: &[PathBuf],
    period: Period,
    window: u64,
    save: Option<&Path>,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if let Some(b) = recordings.iter().find(|p| baseline::is_baseline(p)) {
        let message = format!("{} is a baseline already; give recordings", b.display());
        return fail(err, EXIT_CANNOT, &message).code;
    }
    let mut problems = Vec::new();
    let learnt = baseline::from_files(recordings, period, window, &mut problems);
    for p in problems {
        let _ = writeln!(err, "dscope: {p}");
    }
    let b = match learnt {
        Ok(b) => b,
        Err(e) => return fail(err, EXIT_CANNOT, &e).code,
    };
    let path = save.map_or_else(
        || recordings[0].with_extension(baseline::EXTENSION),
        Path::to_path_buf,
    );
    save_and_print(&b, Some(&path), format, out, err)
}

/// Saves a baseline learnt to `path` (said on `err`) and prints it.
pub fn save_and_print(
    b: &Baseline,
    path: Option<&Path>,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    if let Some(path) = path {
        if let Err(e) = b.save(path) {
            return fail(err, EXIT_CANNOT, &e).code;
        }
        let _ = writeln!(err, "dscope: baseline saved to {}", path.display());
    }
    let _ = out.write_all(baseline::render::baseline(b, format).as_bytes());
    let _ = out.flush();
    EXIT_OK
}

/// `dscope report REC --correlations`: which keys' rates moved together
/// over the recording, pairs at least `min_r` strong, in `format`.
pub fn report_correlations(
    path: &Path,
    min_r: f64,
    format: crate::history::report::Format,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    use crate::history::correlate::{Settings as Cut, correlate, render};
    if !(0.0..=1.0).contains(&min_r) {
        return fail(
            err,
            EXIT_CANNOT,
            &format!("--min-r {min_r} is not between 0 and 1"),
        )
        .code;
    }
    let rec = match read_recording(path, usize::MAX, err) {
        Ok(rec) => rec,
        Err(code) => return code,
    };
    let found = correlate(
        &rec.history,
        &Cut {
            min_r,
            ..Cut::default()
        },
    );
    let _ = out.write_all(render(&found, format).as_bytes());
    let _ = out.flush();
    EXIT_OK
}
