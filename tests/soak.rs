//! Soak test: a busy script runs continuously for ten minutes with its
//! charts on screen, and the window's memory must stay flat and its CPU
//! use low. Ignored by default; run it with
//! `DSCOPE_LIVE=1 cargo test --test soak -- --ignored --nocapture`
//! (`DSCOPE_SOAK_SECS` shortens it). This process is the UI process: the
//! run itself happens in the worker process, as in dscope.

mod common;

use common::*;
use dscope::ui::DscopeApp;
use dscope::ui::app::BottomTab;
use dscope::workbench::RunState;
use egui_kittest::Harness;
use std::time::{Duration, Instant};

const BUSY: &str = r#"
syscall::read:entry, syscall::write:entry, syscall::openat:entry
{
    @calls[probefunc] = count();
    @bytes[execname] = quantize(arg2);
}
profile-997
{
    @where[execname] = lquantize(cpu, 0, 8, 1);
    printf("%d %s\n", timestamp, execname);
}
"#;

/// Resident memory of this process, in KB.
fn rss_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// CPU time this process used, user and system, in clock ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = stat.rsplit_once(") ").unwrap().1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of stat, 12 and 13 here.
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

const TICKS_PER_SECOND: f64 = 100.0;

/// Draws frames when the app asks for one, as eframe does, so that CPU
/// use is what a real window would spend.
fn frames_for(h: &mut Harness<'_, DscopeApp>, how_long: Duration) -> u64 {
    let end = Instant::now() + how_long;
    let mut frames = 0;
    while Instant::now() < end {
        if h.ctx.has_requested_repaint() {
            h.step();
            frames += 1;
        }
        std::thread::sleep(Duration::from_millis(16));
    }
    frames
}

#[test]
#[ignore = "ten minutes against a live libdtrace; see the module comment"]
fn a_ten_minute_busy_run_keeps_memory_flat_and_cpu_low() {
    if !live() {
        return;
    }
    let secs: u64 = std::env::var("DSCOPE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let dir = tempfile::tempdir().unwrap();
    let mut h = live_window(dir.path(), egui::vec2(1280.0, 860.0));
    set_script(&mut h, BUSY);
    h.state_mut().run_panel_mut().duration_secs = 0.0;
    click(&mut h, "Run");
    let start = Instant::now();
    while !matches!(h.state().run_panel().state(), RunState::Running { .. }) {
        assert!(start.elapsed() < Duration::from_secs(240), "did not start");
        frames_for(&mut h, Duration::from_millis(200));
    }
    h.state_mut().set_bottom_tab(BottomTab::Aggregations);
    // Warm up: first snapshots, chart caches, console filling to its cap.
    frames_for(&mut h, Duration::from_secs(30));

    let (rss_start, cpu_start, t_start) = (rss_kb(), cpu_ticks(), Instant::now());
    let mut frames = 0;
    let mut peak = rss_start;
    while t_start.elapsed() < Duration::from_secs(secs) {
        frames += frames_for(&mut h, Duration::from_secs(10));
        peak = peak.max(rss_kb());
        assert!(
            matches!(h.state().run_panel().state(), RunState::Running { .. }),
            "the run ended: {:?}",
            h.state().run_panel().state()
        );
    }
    let elapsed = t_start.elapsed().as_secs_f64();
    let (rss_end, cpu_end) = (rss_kb(), cpu_ticks());
    let cpu = (cpu_end - cpu_start) as f64 / TICKS_PER_SECOND / elapsed * 100.0;
    let snapshots = h.state().run_panel().snapshot_generation();
    println!(
        "soak: {elapsed:.0} s, {frames} frames, {snapshots} snapshots; RSS {} MB at start, \
         {} MB at end, {} MB peak; UI process CPU {cpu:.1}% of one core",
        rss_start / 1024,
        rss_end / 1024,
        peak / 1024
    );
    click(&mut h, "Stop");
    assert!(
        rss_end < rss_start + 20 * 1024,
        "memory grew from {rss_start} KB to {rss_end} KB"
    );
    assert!(cpu < 25.0, "the UI process used {cpu:.1}% of a core");
    assert!(snapshots as f64 > elapsed * 0.5, "{snapshots} snapshots");
}
