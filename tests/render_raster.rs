//! The software rasterizer against pixels worked out by hand, and against
//! egui's own geometry at 1x and 2x.

mod scaled;

use dscope::render::raster::{Frame, PixelRect, Rasterizer, damage};
use egui::epaint::{ClippedPrimitive, Mesh, Primitive, Vertex};
use egui::{Color32, Pos2, Rect, TextureId, pos2, vec2};

const WHITE_UV: Pos2 = egui::epaint::WHITE_UV;

/// A rasterizer holding a 1x1 white font atlas, which is all untextured
/// meshes sample.
fn rasterizer_with_white() -> Rasterizer {
    let mut r = Rasterizer::new();
    let mut delta = egui::TexturesDelta::default();
    delta
        .set
        .entry(TextureId::default())
        .or_default()
        .push(egui::epaint::ImageDelta::full(
            egui::ColorImage::new([1, 1], vec![Color32::WHITE]),
            egui::TextureOptions::LINEAR,
        ));
    r.set_textures(&delta);
    r.free_textures(&mut delta);
    r
}

fn prim(mesh: Mesh, clip: Rect) -> ClippedPrimitive {
    ClippedPrimitive {
        clip_rect: clip,
        primitive: Primitive::Mesh(mesh),
    }
}

fn all(w: usize, h: usize) -> PixelRect {
    PixelRect {
        x0: 0,
        y0: 0,
        x1: w,
        y1: h,
    }
}

fn paint(meshes: Vec<Mesh>, ppp: f32, w: usize, h: usize) -> Frame {
    let r = rasterizer_with_white();
    let mut frame = Frame::new(w, h);
    let clip = Rect::from_min_size(Pos2::ZERO, vec2(w as f32, h as f32));
    let prims: Vec<_> = meshes.into_iter().map(|m| prim(m, clip)).collect();
    r.paint(&mut frame, &prims, ppp, all(w, h));
    frame
}

#[test]
fn a_rectangle_covers_the_pixels_whose_centres_it_holds() {
    for ppp in [1.0f32, 2.0] {
        let mut mesh = Mesh::default();
        mesh.add_colored_rect(
            Rect::from_min_max(pos2(2.25, 3.5), pos2(6.5, 5.75)),
            Color32::from_rgb(200, 10, 30),
        );
        let frame = paint(vec![mesh], ppp, 20, 16);
        // Centres x+0.5 in [2.25*ppp, 6.5*ppp), y+0.5 in [3.5*ppp, 5.75*ppp).
        let inside = |x: usize, y: usize| {
            let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
            cx >= 2.25 * ppp && cx < 6.5 * ppp && cy >= 3.5 * ppp && cy < 5.75 * ppp
        };
        for y in 0..16 {
            for x in 0..20 {
                let want = if inside(x, y) {
                    [200, 10, 30]
                } else {
                    [0, 0, 0]
                };
                assert_eq!(frame.pixel(x, y), want, "pixel {x},{y} at {ppp}x");
            }
        }
    }
}

#[test]
fn colours_interpolate_across_a_triangle() {
    let mut mesh = Mesh::default();
    let v = |x: f32, y: f32, c: Color32| Vertex {
        pos: pos2(x, y),
        uv: WHITE_UV,
        color: c,
    };
    mesh.vertices = vec![
        v(0.0, 0.0, Color32::from_rgb(0, 0, 0)),
        v(100.0, 0.0, Color32::from_rgb(200, 0, 0)),
        v(0.0, 100.0, Color32::from_rgb(0, 200, 0)),
    ];
    mesh.indices = vec![0, 1, 2];
    let frame = paint(vec![mesh], 1.0, 100, 100);
    for (x, y) in [(10usize, 10usize), (50, 20), (5, 80), (0, 0), (98, 0)] {
        let (cx, cy) = (x as f32 + 0.5, y as f32 + 0.5);
        let want_r = (200.0 * cx / 100.0).round() as i32;
        let want_g = (200.0 * cy / 100.0).round() as i32;
        let [r, g, b] = frame.pixel(x, y);
        assert!(
            (r as i32 - want_r).abs() <= 1,
            "red at {x},{y}: {r} vs {want_r}"
        );
        assert!(
            (g as i32 - want_g).abs() <= 1,
            "green at {x},{y}: {g} vs {want_g}"
        );
        assert_eq!(b, 0);
    }
    // Outside the hypotenuse nothing is drawn.
    assert_eq!(frame.pixel(60, 60), [0, 0, 0]);
}

/// Two triangles sharing an edge, half transparent, with colours that
/// vary so the quad fast path does not take them: each pixel must be
/// blended exactly once, or the diagonal would show.
#[test]
fn a_shared_edge_is_blended_once() {
    let mut frame = Frame::new(32, 32);
    frame.pixels.fill(0x00ff_ffff);
    let r = rasterizer_with_white();
    let half = Color32::from_black_alpha(128);
    let almost = Color32::from_black_alpha(127);
    let mut mesh = Mesh::default();
    for (x, y, c) in [
        (3.0, 3.0, half),
        (29.0, 3.0, half),
        (3.0, 29.0, half),
        (29.0, 29.0, almost),
    ] {
        mesh.vertices.push(Vertex {
            pos: pos2(x, y),
            uv: WHITE_UV,
            color: c,
        });
    }
    mesh.indices = vec![0, 1, 2, 2, 1, 3];
    let clip = Rect::from_min_size(Pos2::ZERO, vec2(32.0, 32.0));
    r.paint(&mut frame, &[prim(mesh, clip)], 1.0, all(32, 32));
    for y in 3..29 {
        for x in 3..29 {
            let [v, _, _] = frame.pixel(x, y);
            assert!((127..=128).contains(&v), "pixel {x},{y} is {v}");
        }
    }
    assert_eq!(frame.pixel(1, 1), [255, 255, 255]);
}

#[test]
fn clip_rectangles_hold() {
    let r = rasterizer_with_white();
    let mut mesh = Mesh::default();
    mesh.add_colored_rect(
        Rect::from_min_max(pos2(0.0, 0.0), pos2(20.0, 20.0)),
        Color32::WHITE,
    );
    let mut frame = Frame::new(20, 20);
    let clip = Rect::from_min_max(pos2(5.0, 6.0), pos2(9.0, 30.0));
    r.paint(&mut frame, &[prim(mesh, clip)], 1.0, all(20, 20));
    let lit: usize = frame.pixels.iter().filter(|&&p| p != 0).count();
    assert_eq!(lit, 4 * 14);
    assert_eq!(frame.pixel(5, 6), [255, 255, 255]);
    assert_eq!(frame.pixel(4, 6), [0, 0, 0]);
    assert_eq!(frame.pixel(9, 6), [0, 0, 0]);
}

/// Runs one egui pass that paints `draw` and rasterizes it, the way the
/// software shell does, at the given scale.
fn egui_frame(ppp: f32, size: egui::Vec2, draw: impl Fn(&egui::Painter)) -> Frame {
    let ctx = egui::Context::default();
    let mut raster = Rasterizer::new();
    let mut frame = Frame::new((size.x * ppp) as usize, (size.y * ppp) as usize);
    // Fonts arrive over two passes (the atlas is built on the first).
    for _ in 0..2 {
        let input = scaled::input(size, ppp);
        let mut out = ctx.run_ui(input, |ui| draw(ui.painter()));
        raster.set_textures(&out.textures_delta);
        let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
        assert_eq!(out.pixels_per_point, ppp);
        frame.pixels.fill(0);
        let (w, h) = (frame.width, frame.height);
        raster.paint(&mut frame, &prims, out.pixels_per_point, all(w, h));
        raster.free_textures(&mut out.textures_delta);
    }
    frame
}

fn coverage(frame: &Frame) -> f64 {
    frame
        .pixels
        .iter()
        .map(|&p| ((p >> 8) & 0xff) as f64 / 255.0)
        .sum()
}

/// egui's anti-aliased circle (the pie's slices are drawn the same way):
/// its feathered edge must add up to the disc's area at 1x and at 2x.
#[test]
fn an_anti_aliased_circle_has_the_area_of_its_disc() {
    for ppp in [1.0f32, 2.0] {
        let frame = egui_frame(ppp, vec2(120.0, 120.0), |p| {
            p.circle_filled(pos2(60.0, 60.0), 40.0, Color32::from_rgb(0, 255, 0));
        });
        let want = std::f64::consts::PI * (40.0 * ppp as f64).powi(2);
        let got = coverage(&frame);
        assert!(
            (got - want).abs() / want < 0.01,
            "{ppp}x: {got} covered, the disc is {want}"
        );
        // The edge is feathered: some pixels are partly covered.
        let partial = frame
            .pixels
            .iter()
            .filter(|&&p| (1..255).contains(&((p >> 8) & 0xff)))
            .count();
        assert!(partial > 100, "{ppp}x: only {partial} edge pixels");
        let centre = (60.0 * ppp) as usize;
        assert_eq!(frame.pixel(centre, centre), [0, 255, 0]);
    }
}

/// Text is glyphs copied from the atlas: at 2x the same words cover four
/// times the ink, and the ink sits where egui laid the text out.
#[test]
fn text_scales_with_the_pixels_per_point() {
    let draw = |p: &egui::Painter| {
        p.text(
            pos2(10.0, 10.0),
            egui::Align2::LEFT_TOP,
            "syscall::read:entry { @[execname] = count(); }",
            egui::FontId::monospace(14.0),
            Color32::WHITE,
        );
    };
    let one = egui_frame(1.0, vec2(420.0, 40.0), draw);
    let two = egui_frame(2.0, vec2(420.0, 40.0), draw);
    let (ink1, ink2) = (coverage(&one), coverage(&two));
    assert!(ink1 > 300.0, "hardly any text at 1x: {ink1}");
    let ratio = ink2 / ink1;
    assert!((3.5..4.5).contains(&ratio), "2x/1x ink ratio {ratio}");
    // Nothing above the text's top or left of its start.
    for y in 0..9 {
        assert!(
            one.pixels[y * one.width..(y + 1) * one.width]
                .iter()
                .all(|&p| p == 0)
        );
    }
}

#[test]
fn damage_is_the_tiles_that_changed() {
    let a = Frame::new(200, 100);
    let mut b = a.clone();
    assert!(damage(&a, &b, 32).is_empty());
    // A caret-sized change: one tile.
    for y in 40..56 {
        b.pixels[y * 200 + 70] = 0x00ff_ffff;
    }
    let rects = damage(&a, &b, 32);
    assert_eq!(
        rects,
        vec![PixelRect {
            x0: 64,
            y0: 32,
            x1: 96,
            y1: 64
        }]
    );
    // Changes in one column of tiles over several rows merge into one.
    b.pixels[70 * 200 + 80] = 1;
    assert_eq!(
        damage(&a, &b, 32),
        vec![PixelRect {
            x0: 64,
            y0: 32,
            x1: 96,
            y1: 96
        }]
    );
}

/// Repainting only the tiles whose triangles changed, over the previous
/// frame, gives exactly the pixels of painting everything again; for a
/// character typed into a line of text that is a few tiles, not the frame.
#[test]
fn repainting_the_changed_tiles_equals_painting_everything() {
    use dscope::render::raster::TileMap;
    let size = vec2(400.0, 200.0);
    for ppp in [1.0f32, 2.0] {
        let ctx = egui::Context::default();
        let mut raster = Rasterizer::new();
        let (w, h) = ((size.x * ppp) as usize, (size.y * ppp) as usize);
        let mut shown: Option<(Frame, TileMap)> = None;
        let texts = ["probe", "probe", "probe:::", "probe:::entry"];
        for (pass, text) in texts.iter().enumerate() {
            let input = scaled::input(size, ppp);
            let mut out = ctx.run_ui(input, |ui| {
                ui.label("syscall::read:entry");
                ui.label(*text);
                ui.label("{ @[execname] = count(); }");
            });
            raster.set_textures(&out.textures_delta);
            let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
            let tiles = TileMap::of(&prims, ppp, w, h, 32);
            let mut full = Frame::new(w, h);
            raster.paint(&mut full, &prims, ppp, all(w, h));
            if let Some((old, old_tiles)) = &shown
                && pass >= 2
            {
                let changed = tiles.changed(old_tiles);
                let mut frame = old.clone();
                for r in &changed {
                    for y in r.y0..r.y1 {
                        frame.pixels[y * w + r.x0..y * w + r.x1].fill(0);
                    }
                    raster.paint(&mut frame, &prims, ppp, *r);
                }
                assert!(frame == full, "incremental frame differs at {ppp}x");
                let area: usize = changed.iter().map(|r| (r.x1 - r.x0) * (r.y1 - r.y0)).sum();
                assert!(area > 0, "the typed text is repainted");
                assert!(area * 4 < w * h, "{area} of {} pixels repainted", w * h);
            }
            raster.free_textures(&mut out.textures_delta);
            shown = Some((full, tiles));
        }
    }
}
