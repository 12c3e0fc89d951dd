//! The cost of one keystroke in a 5,000-line script: re-highlighting, and
//! the editor's whole path from keystroke to laid-out text.

use criterion::{Criterion, criterion_group, criterion_main};
use dscope::examples::EXAMPLES;
use dscope::lang::highlight::IncrementalHighlighter;
use dscope::lang::theme::ThemeKind;
use dscope::ui::editor::build_layout_job;
use std::hint::black_box;

/// About 5,000 lines of real D, built from the shipped examples.
fn big_script() -> String {
    let mut text = String::new();
    while text.lines().count() < 5000 {
        for e in EXAMPLES {
            text.push_str(e.text);
        }
    }
    let cut = text.match_indices('\n').nth(4999).unwrap().0 + 1;
    text.truncate(cut);
    text
}

/// The script and the same script with one character typed mid-file.
fn before_and_after() -> (String, String) {
    let before = big_script();
    let mid = before.match_indices('\n').nth(2500).unwrap().0;
    let mut after = before.clone();
    after.insert(mid, 'x');
    (before, after)
}

fn keystroke(c: &mut Criterion) {
    let (before, after) = before_and_after();
    assert_eq!(before.lines().count(), 5000);

    let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
    h.update(&before);
    let mut flip = false;
    c.bench_function("rehighlight one keystroke, 5000 lines", |b| {
        b.iter(|| {
            flip = !flip;
            black_box(h.update(if flip { &after } else { &before }));
        })
    });

    let ctx = egui::Context::default();
    let _ = ctx.run_ui(egui::RawInput::default(), |_| {});
    let font = egui::FontId::monospace(14.0);
    let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
    h.update(&before);
    // Warm egui's paragraph cache as the editor's first frame would.
    ctx.fonts_mut(|f| f.layout_job(build_layout_job(&h, &[], &font, true)));
    let mut flip = false;
    c.bench_function("editor keystroke to layout, 5000 lines", |b| {
        b.iter(|| {
            flip = !flip;
            h.update(if flip { &after } else { &before });
            let mut job = build_layout_job(&h, &[], &font, true);
            job.wrap.max_width = 900.0;
            black_box(ctx.fonts_mut(|f| f.layout_job(job)));
        })
    });

    c.bench_function("highlight from scratch, 5000 lines", |b| {
        b.iter(|| {
            let mut h = IncrementalHighlighter::new(ThemeKind::Dark);
            black_box(h.update(&before));
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = keystroke
}
criterion_main!(benches);
