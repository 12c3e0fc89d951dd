//! The software rasterizer against egui's OpenGL renderer: one fixed scene
//! (text in both fonts, a rounded button, a check box, a circle, the pie of
//! a count() and the 3D bars of an lquantize()) is rasterized on the CPU at
//! 1x and 2x and compared, pixel by pixel, with what eframe's glow renderer
//! drew of the same scene (tests/reference/*.png).
//!
//! The references are made by the ignored test `generate_references`, in
//! a window on an X display (Mesa's llvmpipe is enough):
//!
//! ```text
//! Xvfb :150 -screen 0 1100x760x24 &
//! DISPLAY=:150 cargo test --test render_reference -- --ignored generate_references
//! ```

mod scaled;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use dscope::model::{AggFunction, Aggregation, Bucket, KeyPart, Row, Value};
use dscope::render::raster::{Frame, PixelRect, Rasterizer};
use dscope::ui::charts::{bars3d, pie};
use egui::{Color32, Pos2, Rect, Stroke, Ui, UiBuilder, Vec2, pos2, vec2};

/// The scene's size in points.
const SIZE: Vec2 = vec2(480.0, 320.0);

/// Passes run, the last of which is compared: the font atlas is built on
/// the first, and child layouts settle on the next.
const PASSES: u64 = 4;

/// `@num[probefunc] = count()`, five keys, in dtrace's order (ascending).
fn counts() -> Aggregation {
    let rows = [
        ("dup", 4),
        ("close", 9),
        ("openat", 15),
        ("write", 31),
        ("read", 41),
    ]
    .iter()
    .map(|&(k, v)| Row {
        key: vec![KeyPart::Str(k.into())],
        value: Value::Number(v),
    })
    .collect();
    Aggregation {
        id: 1,
        name: "num".into(),
        function: AggFunction::Count,
        key_sizes: vec![256],
        rows,
    }
}

/// `@lat[execname] = lquantize(x, 0, 60, 10)`: three keys, six buckets.
fn latencies() -> Aggregation {
    let rows = ["bash", "sshd", "nginx"]
        .iter()
        .enumerate()
        .map(|(k, name)| Row {
            key: vec![KeyPart::Str((*name).into())],
            value: Value::Buckets(
                (0..6)
                    .map(|b| Bucket {
                        label: (b * 10).to_string(),
                        min: Some(b * 10),
                        max: Some(b * 10 + 9),
                        count: 900 / (1 + k as i64 + b) + 20 * b,
                        raw: None,
                    })
                    .collect(),
            ),
        })
        .collect();
    Aggregation {
        id: 2,
        name: "lat".into(),
        function: AggFunction::Lquantize {
            base: 0,
            step: 10,
            levels: 6,
        },
        key_sizes: vec![256],
        rows,
    }
}

/// The scene, drawn into `SIZE` points from the top left of `ui`, in the
/// dark theme. Nothing in it depends on time or on the pointer (neither
/// renderer is given a pointer), so every pass of it draws the same.
fn scene(ui: &mut Ui) {
    let whole = Rect::from_min_size(Pos2::ZERO, SIZE);
    ui.painter()
        .rect_filled(whole, 0.0, ui.visuals().panel_fill);
    let top = Rect::from_min_max(pos2(10.0, 8.0), pos2(340.0, 124.0));
    ui.scope_builder(UiBuilder::new().max_rect(top), |ui| {
        ui.heading("Aggregations");
        ui.label("Proportional text: the quick brown fox, 0123456789.");
        ui.monospace("@num[probefunc] = count(); /* 0x7f */");
        ui.horizontal(|ui| {
            let _ = ui.button("Run script");
            let mut on = true;
            ui.checkbox(&mut on, "Follow children");
        });
    });
    // A circle with an outline, and a rounded rectangle drawn directly:
    // both are all anti-aliased edge.
    let painter = ui.painter_at(whole);
    painter.circle(
        pos2(380.0, 60.0),
        34.5,
        Color32::from_rgb(70, 130, 220),
        Stroke::new(2.0, Color32::from_rgb(240, 200, 80)),
    );
    painter.rect(
        Rect::from_min_max(pos2(425.3, 28.6), pos2(470.0, 96.2)),
        9.0,
        Color32::from_rgba_unmultiplied(200, 60, 90, 180),
        Stroke::new(1.5, Color32::WHITE),
        egui::StrokeKind::Inside,
    );
    let model = pie::PieModel::build(&counts(), pie::DEFAULT_TOP_N);
    let pie_rect = Rect::from_min_max(pos2(8.0, 128.0), pos2(268.0, 312.0));
    ui.scope_builder(UiBuilder::new().max_rect(pie_rect), |ui| {
        pie::show(ui, &model);
    });
    let agg = latencies();
    let grid = bars3d::Grid::build(&agg, 20);
    let bars_rect = Rect::from_min_max(pos2(274.0, 128.0), pos2(472.0, 312.0));
    ui.scope_builder(UiBuilder::new().max_rect(bars_rect), |ui| {
        let mut view = bars3d::View::default();
        bars3d::show(ui, &grid, agg.function, &mut view);
    });
}

fn reference_path(ppp: f32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/reference/scene-{ppp}x.png"))
}

/// An RGB image, row by row from the top.
struct Rgb {
    width: usize,
    height: usize,
    bytes: Vec<u8>,
}

impl Rgb {
    fn at(&self, x: usize, y: usize) -> [u8; 3] {
        let i = (y * self.width + x) * 3;
        [self.bytes[i], self.bytes[i + 1], self.bytes[i + 2]]
    }
}

fn read_png(path: &Path) -> Rgb {
    let file = std::fs::File::open(path)
        .unwrap_or_else(|e| panic!("{}: {e} (see the top of this file)", path.display()));
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut bytes = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut bytes).expect("PNG pixels");
    assert_eq!(
        (info.color_type, info.bit_depth),
        (png::ColorType::Rgb, png::BitDepth::Eight),
        "{}",
        path.display()
    );
    bytes.truncate(info.buffer_size());
    Rgb {
        width: info.width as usize,
        height: info.height as usize,
        bytes,
    }
}

fn write_png(path: &Path, image: &Rgb) {
    let file = std::fs::File::create(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut encoder = png::Encoder::new(
        std::io::BufWriter::new(file),
        image.width as u32,
        image.height as u32,
    );
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // The references are committed: the smallest file is worth the time.
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().expect("a PNG header");
    writer.write_image_data(&image.bytes).expect("PNG pixels");
    writer.finish().expect("a whole PNG");
}

/// The scene as the software rasterizer draws it at `ppp`.
fn rasterize(ppp: f32) -> Rgb {
    let ctx = egui::Context::default();
    ctx.set_theme(egui::Theme::Dark);
    let mut raster = Rasterizer::new();
    let (w, h) = ((SIZE.x * ppp) as usize, (SIZE.y * ppp) as usize);
    let mut frame = Frame::new(w, h);
    for _ in 0..PASSES {
        let input = scaled::input(SIZE, ppp);
        let mut out = ctx.run_ui(input, scene);
        assert_eq!(out.pixels_per_point, ppp);
        raster.set_textures(&out.textures_delta);
        let prims = ctx.tessellate(out.shapes, out.pixels_per_point);
        frame.pixels.fill(0);
        let all = PixelRect {
            x0: 0,
            y0: 0,
            x1: w,
            y1: h,
        };
        raster.paint(&mut frame, &prims, out.pixels_per_point, all);
        raster.free_textures(&mut out.textures_delta);
    }
    Rgb {
        width: w,
        height: h,
        bytes: frame.to_rgb(),
    }
}

/// Differences within `CLOSE` per channel are rounding (the GPU and the
/// CPU interpolate and blend in different precision).
const CLOSE: u8 = 3;
/// The share of pixels that must be within `CLOSE`: a row or a column
/// dropped or blended twice along the scene's 480-point edge is 0.3% of
/// it at 1x and must not pass.
const CLOSE_SHARE: f64 = 0.9995;
/// Pixels further off than this are ones GL and the rasterizer gave to
/// different triangles.
const WORST: u8 = 48;
/// GL computes vertex positions through its viewport transform in its own
/// float arithmetic before snapping them; a vertex that lands within
/// rounding of a snapping step can move a centre on a shared edge to the
/// other triangle. That is one pixel, alone: a run of far-off pixels is a
/// dropped or doubled edge, and none is allowed.
const ISOLATED: usize = 4;

struct Comparison {
    /// Pixels further than `CLOSE` off.
    off: usize,
    /// Pixels further than `WORST` off with none of their eight
    /// neighbours so, and those with one.
    isolated: usize,
    in_runs: usize,
    worst: u8,
    worst_at: (usize, usize),
    diff: Rgb,
}

/// Compares pixel by pixel; the diff image shows the reference dimmed,
/// with pixels over `CLOSE` in red (brighter the further off).
fn compare(want: &Rgb, got: &Rgb) -> Comparison {
    assert_eq!(
        (want.width, want.height),
        (got.width, got.height),
        "the reference and the rasterized scene differ in size"
    );
    let (w, h) = (want.width, want.height);
    let mut delta = Vec::with_capacity(w * h);
    let mut diff = Vec::with_capacity(want.bytes.len());
    let (mut off, mut worst, mut worst_at) = (0, 0u8, (0, 0));
    for y in 0..h {
        for x in 0..w {
            let (a, b) = (want.at(x, y), got.at(x, y));
            let d = (0..3).map(|i| a[i].abs_diff(b[i])).max().unwrap_or(0);
            delta.push(d);
            if d > worst {
                (worst, worst_at) = (d, (x, y));
            }
            if d > CLOSE {
                off += 1;
                diff.extend_from_slice(&[128u8.saturating_add(d.saturating_mul(2)), 0, 0]);
            } else {
                diff.extend(a.iter().map(|&c| c / 4));
            }
        }
    }
    let far = |x: usize, y: usize| delta[y * w + x] > WORST;
    let (mut isolated, mut in_runs) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            if !far(x, y) {
                continue;
            }
            let neighbour = (y.saturating_sub(1)..(y + 2).min(h)).any(|ny| {
                (x.saturating_sub(1)..(x + 2).min(w)).any(|nx| (nx, ny) != (x, y) && far(nx, ny))
            });
            if neighbour {
                in_runs += 1;
            } else {
                isolated += 1;
            }
        }
    }
    Comparison {
        off,
        isolated,
        in_runs,
        worst,
        worst_at,
        diff: Rgb {
            width: w,
            height: h,
            bytes: diff,
        },
    }
}

fn matches_reference(ppp: f32) {
    let want = read_png(&reference_path(ppp));
    let got = rasterize(ppp);
    let c = compare(&want, &got);
    let total = want.width * want.height;
    let close = 1.0 - c.off as f64 / total as f64;
    let summary = format!(
        "{ppp}x: {:.3}% of {total} pixels within {CLOSE} (at least {:.2}% must be); \
         {} isolated pixels more than {WORST} off (at most {ISOLATED}), {} in runs (none); \
         worst {} at {:?}",
        close * 100.0,
        CLOSE_SHARE * 100.0,
        c.isolated,
        c.in_runs,
        c.worst,
        c.worst_at
    );
    eprintln!("{summary}");
    if close < CLOSE_SHARE || c.isolated > ISOLATED || c.in_runs > 0 {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("render_reference");
        std::fs::create_dir_all(&dir).expect("a directory for the failed images");
        let actual = dir.join(format!("scene-{ppp}x-actual.png"));
        let diff = dir.join(format!("scene-{ppp}x-diff.png"));
        write_png(&actual, &got);
        write_png(&diff, &c.diff);
        panic!(
            "the software rasterizer differs from the OpenGL reference {}: {summary}; \
             what it drew is in {}, the differences in red in {}",
            reference_path(ppp).display(),
            actual.display(),
            diff.display()
        );
    }
}

#[test]
fn the_scene_matches_the_opengl_renderer_at_1x() {
    matches_reference(1.0);
}

#[test]
fn the_scene_matches_the_opengl_renderer_at_2x() {
    matches_reference(2.0);
}

/// The comparison itself: a copy passes; a pixel changed by `CLOSE` is
/// not counted, one changed by more is, and far-off pixels are told apart
/// alone and in a run.
#[test]
fn the_comparison_counts_what_differs() {
    let want = rasterize(1.0);
    let same = compare(&want, &rasterize(1.0));
    assert_eq!(
        (same.off, same.isolated, same.in_runs, same.worst),
        (0, 0, 0, 0)
    );
    let mut got = Rgb {
        width: want.width,
        height: want.height,
        bytes: want.bytes.clone(),
    };
    let channel = |x: usize, y: usize| (y * want.width + x) * 3 + 1;
    got.bytes[channel(200, 100)] ^= 0x80;
    let nudge = |v: u8| if v >= 128 { v - CLOSE } else { v + CLOSE };
    got.bytes[channel(1, 0)] = nudge(got.bytes[channel(1, 0)]);
    got.bytes[channel(3, 0)] = nudge(nudge(got.bytes[channel(3, 0)]));
    for x in 300..303 {
        got.bytes[channel(x, 50)] ^= 0x80;
    }
    let c = compare(&want, &got);
    assert_eq!(
        (c.off, c.isolated, c.in_runs, c.worst, c.worst_at),
        (5, 1, 3, 128, (300, 50))
    );
}

/// Screenshots as they arrive, with the pixels per point each was taken at.
type Shots = Arc<Mutex<Vec<(f32, Arc<egui::ColorImage>)>>>;

/// What the generator's window holds: the scene, and the screenshots
/// taken of it.
struct Generator {
    shots: Shots,
    /// Passes since the zoom was last set.
    settled: u64,
    asked: bool,
}

impl eframe::App for Generator {
    fn raw_input_hook(&mut self, _ctx: &egui::Context, raw: &mut egui::RawInput) {
        // The pointer would hover the widgets it happens to be over; the
        // software rasterizer's passes have none.
        raw.events.clear();
    }

    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        scene(ui);
        let taken = self.shots.lock().expect("the screenshots").len();
        match taken {
            // 1x is taken, then the same window at 2x.
            1 if ctx.zoom_factor() != 2.0 => {
                ctx.set_zoom_factor(2.0);
                self.settled = 0;
                self.asked = false;
            }
            2 => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            _ => {}
        }
        self.settled += 1;
        if !self.asked && self.settled > PASSES {
            let ppp = ctx.pixels_per_point();
            let shots = Arc::clone(&self.shots);
            let waker = ctx.clone();
            ctx.request_screenshot(move |image| {
                shots.lock().expect("the screenshots").push((ppp, image));
                waker.request_repaint();
            });
            self.asked = true;
        }
        ctx.request_repaint();
    }
}

/// Draws the scene with eframe's glow renderer, as the app's window does
/// on a GPU display, at 1x then 2x, and writes tests/reference/*.png.
#[test]
#[ignore = "writes tests/reference/*.png with OpenGL; needs an X display (see the top of the file)"]
fn generate_references() {
    use winit::platform::x11::EventLoopBuilderExtX11;
    let shots: Shots = Arc::default();
    let app = Generator {
        shots: Arc::clone(&shots),
        settled: 0,
        asked: false,
    };
    // Twice the scene: 2x fills it, 1x is its top-left quarter.
    let window = SIZE * 2.0;
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        // As the app's window (src/main.rs) is set up.
        dithering: false,
        viewport: egui::ViewportBuilder::default()
            .with_inner_size(window)
            .with_resizable(false),
        // Tests run on threads other than main.
        event_loop_builder: Some(Box::new(|builder| {
            builder.with_any_thread(true);
        })),
        ..Default::default()
    };
    eframe::run_native(
        "dscope reference scene",
        options,
        Box::new(|cc| {
            cc.egui_ctx.set_theme(egui::Theme::Dark);
            assert_eq!(
                cc.egui_ctx.native_pixels_per_point(),
                Some(1.0),
                "the display must have a scale factor of 1"
            );
            Ok(Box::new(app))
        }),
    )
    .expect("an OpenGL window");
    let shots = shots.lock().expect("the screenshots");
    assert_eq!(shots.len(), 2, "a screenshot at 1x and at 2x");
    for (ppp, image) in shots.iter() {
        let (w, h) = ((SIZE.x * ppp) as usize, (SIZE.y * ppp) as usize);
        assert!(
            image.size[0] >= w && image.size[1] >= h,
            "{ppp}x: the window is {:?}, the scene {w}x{h}",
            image.size
        );
        let mut bytes = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for x in 0..w {
                let c = image.pixels[y * image.size[0] + x];
                bytes.extend_from_slice(&[c.r(), c.g(), c.b()]);
            }
        }
        let path = reference_path(*ppp);
        write_png(
            &path,
            &Rgb {
                width: w,
                height: h,
                bytes,
            },
        );
        eprintln!("wrote {}", path.display());
    }
}
