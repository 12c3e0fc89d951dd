//! The software renderer on the real window: the whole 1100x760 window
//! painted from scratch (a resize or a tab switch), the tile fingerprints
//! taken every frame, and the frame after one keystroke (only its changed
//! tiles painted). `cargo bench --bench render`.

use criterion::{Criterion, criterion_group, criterion_main};
use dscope::render::raster::{Frame, PixelRect, Rasterizer, TileMap};
use dscope::ui::{DscopeApp, app::AppConfig};
use egui::epaint::ClippedPrimitive;
use egui::{Pos2, Rect, vec2};
use std::hint::black_box;

const SIZE: egui::Vec2 = vec2(1100.0, 760.0);

fn input(events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(Rect::from_min_size(Pos2::ZERO, SIZE)),
        events,
        ..Default::default()
    }
}

/// Runs the window's app for a few passes (fonts settle), returning the
/// last pass's primitives.
fn frame(
    ctx: &egui::Context,
    app: &mut DscopeApp,
    raster: &mut Rasterizer,
    events: Vec<egui::Event>,
) -> Vec<ClippedPrimitive> {
    let mut out = ctx.run_ui(input(events), |ui| app.guarded_frame(ui));
    raster.set_textures(&out.textures_delta);
    let prims = ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
    raster.free_textures(&mut out.textures_delta);
    prims
}

fn render(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("read-sizes.d");
    std::fs::copy("assets/examples/read-sizes.d", &script).unwrap();
    let ctx = egui::Context::default();
    let mut app = DscopeApp::with_context(
        &ctx,
        AppConfig {
            settings_path: None,
            recovery_dir: None,
            open: Some(script),
            start_dir: Some(dir.path().to_owned()),
            dialogs: None,
            worker_program: None,
            scripted_engine: true,
            host: None,
            recordings_dir: None,
            subscribe: None,
        },
    );
    let mut raster = Rasterizer::new();
    let mut prims = Vec::new();
    for _ in 0..4 {
        prims = frame(&ctx, &mut app, &mut raster, Vec::new());
    }
    let (w, h) = (SIZE.x as usize, SIZE.y as usize);
    let full = PixelRect {
        x0: 0,
        y0: 0,
        x1: w,
        y1: h,
    };
    c.bench_function("paint the whole window", |b| {
        let mut f = Frame::new(w, h);
        b.iter(|| {
            f.fill(full, 0x1b1b1b);
            raster.paint(&mut f, black_box(&prims), 1.0, full);
        })
    });
    c.bench_function("fingerprint the window's tiles", |b| {
        b.iter(|| TileMap::of(black_box(&prims), 1.0, w, h, 32))
    });
    // A keystroke in the editor: click into a line, then type.
    let before = TileMap::of(&prims, 1.0, w, h, 32);
    let click = |pressed| egui::Event::PointerButton {
        pos: egui::pos2(400.0, 130.0),
        button: egui::PointerButton::Primary,
        pressed,
        modifiers: Default::default(),
    };
    frame(
        &ctx,
        &mut app,
        &mut raster,
        vec![
            egui::Event::PointerMoved(egui::pos2(400.0, 130.0)),
            click(true),
        ],
    );
    let clicked = frame(&ctx, &mut app, &mut raster, vec![click(false)]);
    let clicked_tiles = TileMap::of(&clicked, 1.0, w, h, 32);
    let typed = frame(
        &ctx,
        &mut app,
        &mut raster,
        vec![egui::Event::Text("x".into())],
    );
    let typed_tiles = TileMap::of(&typed, 1.0, w, h, 32);
    let changed = typed_tiles.changed(&clicked_tiles);
    let area: usize = changed.iter().map(|r| (r.x1 - r.x0) * (r.y1 - r.y0)).sum();
    eprintln!(
        "one keystroke repaints {} rectangles, {area} of {} pixels (the first frame differed in {} tiles' worth)",
        changed.len(),
        w * h,
        before.changed(&clicked_tiles).len()
    );
    let mut base = Frame::new(w, h);
    raster.paint(&mut base, &clicked, 1.0, full);
    c.bench_function("paint one keystroke's tiles", |b| {
        let mut f = base.clone();
        b.iter(|| {
            let tiles = TileMap::of(black_box(&typed), 1.0, w, h, 32);
            for r in tiles.changed(&clicked_tiles) {
                f.fill(r, 0x1b1b1b);
                raster.paint(&mut f, &typed, 1.0, r);
            }
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = render
}
criterion_main!(benches);
