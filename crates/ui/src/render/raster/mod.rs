//! A CPU rasterizer for egui's tessellated output.
//!
//! egui hands a renderer triangles with per-vertex colours (sRGB bytes,
//! alpha premultiplied) and texture coordinates into a few textures, the
//! font atlas first. egui's GL renderer multiplies the vertex colour by
//! the texel in gamma space and blends with `ONE, ONE_MINUS_SRC_ALPHA`;
//! this does the same arithmetic on the CPU, so the two agree to a unit
//! or two per channel.
//!
//! Pixels are sampled at their centres and shared triangle edges follow
//! the top-left rule, so the two halves of a quad never blend a pixel
//! twice (that would darken every anti-aliased edge). Most of what egui
//! draws is axis-aligned quads of one colour, or glyphs copied 1:1 from
//! the atlas; those take a fast path that touches each pixel once with no
//! interpolation.
//!
//! Which parts of a frame need painting and sending at all is found in
//! `changes`, beside this.

mod changes;

use std::collections::HashMap;

use egui::epaint::{ClippedPrimitive, Primitive, Vertex};
use egui::{Color32, TextureId, TexturesDelta};

pub use changes::{TileMap, damage};

/// A texture as the rasterizer samples it: premultiplied sRGB bytes.
struct Texture {
    width: usize,
    height: usize,
    pixels: Vec<Color32>,
    nearest: bool,
}

impl Texture {
    fn texel(&self, x: usize, y: usize) -> Color32 {
        self.pixels[y * self.width + x]
    }

    /// Samples at normalized coordinates, bilinear unless the texture asks
    /// for nearest, with edges clamped as GL's CLAMP_TO_EDGE does.
    fn sample(&self, u: f32, v: f32) -> [f32; 4] {
        let fx = u * self.width as f32 - 0.5;
        let fy = v * self.height as f32 - 0.5;
        if self.nearest {
            let x = (fx + 0.5).floor().clamp(0.0, (self.width - 1) as f32) as usize;
            let y = (fy + 0.5).floor().clamp(0.0, (self.height - 1) as f32) as usize;
            return channels(self.texel(x, y));
        }
        let x0 = fx.floor();
        let y0 = fy.floor();
        let (tx, ty) = (fx - x0, fy - y0);
        let clamp_x = |x: f32| x.clamp(0.0, (self.width - 1) as f32) as usize;
        let clamp_y = |y: f32| y.clamp(0.0, (self.height - 1) as f32) as usize;
        let (xa, xb) = (clamp_x(x0), clamp_x(x0 + 1.0));
        let (ya, yb) = (clamp_y(y0), clamp_y(y0 + 1.0));
        let [a, b, c, d] = [
            channels(self.texel(xa, ya)),
            channels(self.texel(xb, ya)),
            channels(self.texel(xa, yb)),
            channels(self.texel(xb, yb)),
        ];
        let mut out = [0.0; 4];
        for i in 0..4 {
            let top = a[i] + (b[i] - a[i]) * tx;
            let bottom = c[i] + (d[i] - c[i]) * tx;
            out[i] = top + (bottom - top) * ty;
        }
        out
    }
}

fn channels(c: Color32) -> [f32; 4] {
    [c.r() as f32, c.g() as f32, c.b() as f32, c.a() as f32]
}

/// An RGB frame, one `u32` per pixel as `0x00RRGGBB` (what softbuffer
/// presents), row by row from the top.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u32>,
}

impl Frame {
    pub fn new(width: usize, height: usize) -> Frame {
        Frame {
            width,
            height,
            pixels: vec![0; width * height],
        }
    }

    pub fn pixel(&self, x: usize, y: usize) -> [u8; 3] {
        let p = self.pixels[y * self.width + x];
        [(p >> 16) as u8, (p >> 8) as u8, p as u8]
    }

    /// A copy of the pixels in `r`, as a frame of its own.
    pub fn crop(&self, r: PixelRect) -> Frame {
        let (w, h) = (r.x1 - r.x0, r.y1 - r.y0);
        let mut pixels = Vec::with_capacity(w * h);
        for y in r.y0..r.y1 {
            pixels.extend_from_slice(&self.pixels[y * self.width + r.x0..y * self.width + r.x1]);
        }
        Frame {
            width: w,
            height: h,
            pixels,
        }
    }

    /// Sets every pixel of `r` to `color`.
    pub fn fill(&mut self, r: PixelRect, color: u32) {
        for y in r.y0..r.y1 {
            self.pixels[y * self.width + r.x0..y * self.width + r.x1].fill(color);
        }
    }

    /// The frame as RGB bytes, for PNG files and comparisons.
    pub fn to_rgb(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.pixels.len() * 3);
        for &p in &self.pixels {
            out.extend_from_slice(&[(p >> 16) as u8, (p >> 8) as u8, p as u8]);
        }
        out
    }
}

/// Integer pixel rectangle, `x0..x1` by `y0..y1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PixelRect {
    pub x0: usize,
    pub y0: usize,
    pub x1: usize,
    pub y1: usize,
}

impl PixelRect {
    /// The part of this rectangle inside a `width` x `height` frame.
    pub fn clamp_to(self, width: usize, height: usize) -> PixelRect {
        PixelRect {
            x0: self.x0.min(width),
            y0: self.y0.min(height),
            x1: self.x1.min(width),
            y1: self.y1.min(height),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.x0 >= self.x1 || self.y0 >= self.y1
    }

    /// The same rectangle moved right by `dx` and down by `dy`.
    pub fn offset(self, dx: usize, dy: usize) -> PixelRect {
        PixelRect {
            x0: self.x0 + dx,
            y0: self.y0 + dy,
            x1: self.x1 + dx,
            y1: self.y1 + dy,
        }
    }
}

/// Holds the textures egui has sent and paints primitives into frames.
#[derive(Default)]
pub struct Rasterizer {
    textures: HashMap<TextureId, Texture>,
}

impl Rasterizer {
    pub fn new() -> Rasterizer {
        Rasterizer::default()
    }

    /// Applies the texture uploads of a frame; call before painting it.
    pub fn set_textures(&mut self, delta: &TexturesDelta) {
        for (id, image) in delta
            .set
            .iter()
            .flat_map(|(id, d)| d.iter().map(move |i| (id, i)))
        {
            let egui::ImageData::Color(color) = &image.image;
            let [w, h] = color.size;
            let nearest = image.options.magnification == egui::TextureFilter::Nearest;
            match image.pos {
                Some([px, py]) => {
                    let Some(tex) = self.textures.get_mut(id) else {
                        continue;
                    };
                    for row in 0..h {
                        let dst = (py + row) * tex.width + px;
                        if py + row >= tex.height || px + w > tex.width {
                            continue;
                        }
                        tex.pixels[dst..dst + w]
                            .copy_from_slice(&color.pixels[row * w..row * w + w]);
                    }
                }
                None => {
                    self.textures.insert(
                        *id,
                        Texture {
                            width: w,
                            height: h,
                            pixels: color.pixels.clone(),
                            nearest,
                        },
                    );
                }
            }
        }
    }

    /// Forgets the textures a frame freed; call after painting it. This
    /// finishes with the delta (epaint checks that none is dropped unseen).
    pub fn free_textures(&mut self, delta: &mut TexturesDelta) {
        for id in &delta.free {
            self.textures.remove(id);
        }
        delta.clear();
    }

    /// Paints `primitives` (positions in points) into `frame`, limited to
    /// `area`, over what is already there.
    pub fn paint(
        &self,
        frame: &mut Frame,
        primitives: &[ClippedPrimitive],
        pixels_per_point: f32,
        area: PixelRect,
    ) {
        for prim in primitives {
            let Primitive::Mesh(mesh) = &prim.primitive else {
                // Callbacks are GPU code; a CPU renderer has nothing to run.
                continue;
            };
            let Some(texture) = self.textures.get(&mesh.texture_id) else {
                continue;
            };
            // The same rounding egui's GL painter uses for its scissor box.
            let c = prim.clip_rect;
            let clip = PixelRect {
                x0: ((c.min.x * pixels_per_point).round().max(area.x0 as f32) as usize),
                y0: ((c.min.y * pixels_per_point).round().max(area.y0 as f32) as usize),
                x1: ((c.max.x * pixels_per_point)
                    .round()
                    .clamp(0.0, area.x1 as f32) as usize),
                y1: ((c.max.y * pixels_per_point)
                    .round()
                    .clamp(0.0, area.y1 as f32) as usize),
            };
            if clip.is_empty() {
                continue;
            }
            let v = &mesh.vertices;
            let idx = &mesh.indices;
            let mut i = 0;
            while i + 3 <= idx.len() {
                let t = [
                    &v[idx[i] as usize],
                    &v[idx[i + 1] as usize],
                    &v[idx[i + 2] as usize],
                ];
                if i + 6 <= idx.len() {
                    let u = [
                        &v[idx[i + 3] as usize],
                        &v[idx[i + 4] as usize],
                        &v[idx[i + 5] as usize],
                    ];
                    if let Some(quad) = Quad::of(t, u) {
                        paint_quad(frame, texture, &quad, pixels_per_point, clip);
                        i += 6;
                        continue;
                    }
                }
                paint_triangle(frame, texture, t, pixels_per_point, clip);
                i += 3;
            }
        }
    }
}

/// Two triangles that make one axis-aligned rectangle of one colour with
/// an axis-aligned texture mapping: what `Mesh::add_rect_with_uv` emits
/// for glyphs, images and many fills.
struct Quad {
    min: egui::Pos2,
    max: egui::Pos2,
    uv_min: egui::Pos2,
    uv_max: egui::Pos2,
    color: Color32,
}

impl Quad {
    fn of(t: [&Vertex; 3], u: [&Vertex; 3]) -> Option<Quad> {
        let all = [t[0], t[1], t[2], u[0], u[1], u[2]];
        let color = t[0].color;
        if all.iter().any(|v| v.color != color) {
            return None;
        }
        let (mut min, mut max) = (t[0].pos, t[0].pos);
        for v in &all {
            min = min.min(v.pos);
            max = max.max(v.pos);
        }
        // Each vertex must sit on a corner, with u following x and v
        // following y, and the two triangles must cover opposite halves.
        let mut uv_min = None;
        let mut uv_max = None;
        let mut corners = 0u8;
        for v in &all {
            let on_x = if v.pos.x == min.x {
                0
            } else if v.pos.x == max.x {
                1
            } else {
                return None;
            };
            let on_y = if v.pos.y == min.y {
                0
            } else if v.pos.y == max.y {
                2
            } else {
                return None;
            };
            corners |= 1 << (on_x + on_y);
            match (on_x, on_y) {
                (0, 0) => uv_min = Some(v.uv),
                (1, 2) => uv_max = Some(v.uv),
                _ => {}
            }
        }
        let (uv_min, uv_max) = (uv_min?, uv_max?);
        if corners != 0b1111 || distinct_corners(t) != 3 || distinct_corners(u) != 3 {
            return None;
        }
        // The two triangles share the diagonal: each has the other's
        // missing corner, so together they cover the rectangle once.
        let shared = t
            .iter()
            .filter(|a| u.iter().any(|b| a.pos == b.pos))
            .count();
        if shared != 2 {
            return None;
        }
        for v in &all {
            let fx = if max.x > min.x {
                (v.pos.x - min.x) / (max.x - min.x)
            } else {
                0.0
            };
            let fy = if max.y > min.y {
                (v.pos.y - min.y) / (max.y - min.y)
            } else {
                0.0
            };
            let want_u = uv_min.x + (uv_max.x - uv_min.x) * fx;
            let want_v = uv_min.y + (uv_max.y - uv_min.y) * fy;
            if (v.uv.x - want_u).abs() > 1e-6 || (v.uv.y - want_v).abs() > 1e-6 {
                return None;
            }
        }
        Some(Quad {
            min,
            max,
            uv_min,
            uv_max,
            color,
        })
    }
}

fn distinct_corners(t: [&Vertex; 3]) -> usize {
    let mut n = 1;
    if t[1].pos != t[0].pos {
        n += 1;
    }
    if t[2].pos != t[0].pos && t[2].pos != t[1].pos {
        n += 1;
    }
    n
}

/// The pixels whose centres lie in `lo..hi` (in pixels), within `a..b`.
fn centre_span(lo: f32, hi: f32, a: usize, b: usize) -> (usize, usize) {
    let (lo, hi) = (snap(lo) as f32, snap(hi) as f32);
    let first = (lo - 0.5).ceil().max(a as f32);
    let end = (hi - 0.5).ceil().min(b as f32);
    if end <= first {
        return (a, a);
    }
    (first as usize, end as usize)
}

/// GL snaps vertices to a grid of 1/256 pixel (llvmpipe's, and most
/// GPUs' subpixel precision) before it decides coverage; doing the same
/// keeps an edge that egui put at 57.500004 on the pixel centre at 57.5,
/// where the top-left rule, not f32 rounding, decides who owns it.
fn snap(v: f32) -> f64 {
    (f64::from(v) * 256.0).round() / 256.0
}

fn paint_quad(frame: &mut Frame, tex: &Texture, q: &Quad, ppp: f32, clip: PixelRect) {
    let (x0, x1) = centre_span(q.min.x * ppp, q.max.x * ppp, clip.x0, clip.x1);
    let (y0, y1) = centre_span(q.min.y * ppp, q.max.y * ppp, clip.y0, clip.y1);
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let width = frame.width;
    let w_px = (q.max.x - q.min.x) * ppp;
    let h_px = (q.max.y - q.min.y) * ppp;
    let tu = (q.uv_max.x - q.uv_min.x) * tex.width as f32;
    let tv = (q.uv_max.y - q.uv_min.y) * tex.height as f32;
    // One texel per pixel, texel centres on pixel centres: a plain copy.
    let one_to_one = (tu - w_px).abs() < 1e-3
        && (tv - h_px).abs() < 1e-3
        && is_whole(q.uv_min.x * tex.width as f32 - q.min.x * ppp)
        && is_whole(q.uv_min.y * tex.height as f32 - q.min.y * ppp);
    // A constant texel: egui points solid fills at the atlas's white pixel.
    let constant = (tu.abs() < 1e-3 && tv.abs() < 1e-3) || tex.width * tex.height == 1;
    if constant {
        let texel = tex.sample(q.uv_min.x, q.uv_min.y);
        let src = modulate(q.color, texel);
        if src[3] == 0 {
            return;
        }
        for y in y0..y1 {
            let row = &mut frame.pixels[y * width + x0..y * width + x1];
            if src[3] == 255 {
                row.fill(pack(src));
            } else {
                for p in row {
                    *p = blend(*p, src);
                }
            }
        }
    } else if one_to_one {
        let ox = (q.uv_min.x * tex.width as f32 - q.min.x * ppp).round() as isize;
        let oy = (q.uv_min.y * tex.height as f32 - q.min.y * ppp).round() as isize;
        let color = channels(q.color);
        let white = q.color == Color32::WHITE;
        for y in y0..y1 {
            let ty = (y as isize + oy).clamp(0, tex.height as isize - 1) as usize;
            for x in x0..x1 {
                let tx = (x as isize + ox).clamp(0, tex.width as isize - 1) as usize;
                let texel = tex.texel(tx, ty);
                if texel == Color32::TRANSPARENT {
                    continue;
                }
                let src = if white {
                    texel.to_array()
                } else {
                    modulate_f(color, channels(texel))
                };
                let p = &mut frame.pixels[y * width + x];
                *p = blend(*p, src);
            }
        }
    } else {
        let color = channels(q.color);
        for y in y0..y1 {
            let fy = ((y as f32 + 0.5) - q.min.y * ppp) / h_px;
            let v = q.uv_min.y + (q.uv_max.y - q.uv_min.y) * fy;
            for x in x0..x1 {
                let fx = ((x as f32 + 0.5) - q.min.x * ppp) / w_px;
                let u = q.uv_min.x + (q.uv_max.x - q.uv_min.x) * fx;
                let src = modulate_f(color, tex.sample(u, v));
                let p = &mut frame.pixels[y * width + x];
                *p = blend(*p, src);
            }
        }
    }
}

fn is_whole(x: f32) -> bool {
    (x - x.round()).abs() < 1e-3
}

fn paint_triangle(frame: &mut Frame, tex: &Texture, t: [&Vertex; 3], ppp: f32, clip: PixelRect) {
    let p = [t[0].pos * ppp, t[1].pos * ppp, t[2].pos * ppp];
    // On the snapped grid every edge function below is exact in f64.
    let p = p.map(|q| [snap(q.x), snap(q.y)]);
    // Twice the signed area; orient counter-clockwise in y-down space so
    // that "inside" is positive for every edge.
    let area =
        (p[1][0] - p[0][0]) * (p[2][1] - p[0][1]) - (p[2][0] - p[0][0]) * (p[1][1] - p[0][1]);
    if area == 0.0 || !area.is_finite() {
        return;
    }
    let (p, t) = if area < 0.0 {
        ([p[0], p[2], p[1]], [t[0], t[2], t[1]])
    } else {
        (p, t)
    };
    let area = area.abs();
    let min_x = p[0][0].min(p[1][0]).min(p[2][0]) as f32;
    let max_x = p[0][0].max(p[1][0]).max(p[2][0]) as f32;
    let min_y = p[0][1].min(p[1][1]).min(p[2][1]) as f32;
    let max_y = p[0][1].max(p[1][1]).max(p[2][1]) as f32;
    let (x0, x1) = centre_span(min_x, max_x + 1.0, clip.x0, clip.x1);
    let (y0, y1) = centre_span(min_y, max_y + 1.0, clip.y0, clip.y1);
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    // Edge i runs from p[i+1] to p[i+2]; its function is the barycentric
    // weight of vertex i, times the area.
    let edge = |i: usize| {
        let (a, b) = (p[(i + 1) % 3], p[(i + 2) % 3]);
        let ea = a[1] - b[1];
        let eb = b[0] - a[0];
        // Top-left rule: a pixel centre exactly on an edge belongs to the
        // triangle only on a top edge (horizontal, inside below: eb > 0)
        // or a left one (inside to the right: ea > 0).
        let top_left = (ea == 0.0 && eb > 0.0) || ea > 0.0;
        (ea, eb, a, top_left)
    };
    let e = [edge(0), edge(1), edge(2)];
    let col = [
        channels(t[0].color),
        channels(t[1].color),
        channels(t[2].color),
    ];
    let uv = [t[0].uv, t[1].uv, t[2].uv];
    let flat_color = t[0].color == t[1].color && t[1].color == t[2].color;
    let flat_uv = uv[0] == uv[1] && uv[1] == uv[2];
    let flat_src =
        (flat_color && flat_uv).then(|| modulate(t[0].color, tex.sample(uv[0].x, uv[0].y)));
    let width = frame.width;
    for y in y0..y1 {
        let cy = y as f64 + 0.5;
        // The span of this row inside all three edges, widened by a pixel
        // each way and then tested exactly per pixel.
        let mut lo = x0 as f64;
        let mut hi = x1 as f64;
        for &(ea, eb, a, _) in &e {
            let rest = eb * (cy - a[1]) - ea * a[0];
            if ea > 0.0 {
                lo = lo.max(-rest / ea - 1.0);
            } else if ea < 0.0 {
                hi = hi.min(-rest / ea + 1.0);
            } else if rest < 0.0 {
                lo = hi;
            }
        }
        if lo >= hi {
            continue;
        }
        let sx0 = (lo.floor().max(x0 as f64)) as usize;
        let sx1 = (hi.ceil().min(x1 as f64)) as usize;
        for x in sx0..sx1 {
            let cx = x as f64 + 0.5;
            let mut w = [0.0f32; 3];
            let mut inside = true;
            for (k, &(ea, eb, a, top_left)) in e.iter().enumerate() {
                let f = ea * (cx - a[0]) + eb * (cy - a[1]);
                if f < 0.0 || (f == 0.0 && !top_left) {
                    inside = false;
                    break;
                }
                w[k] = (f / area) as f32;
            }
            if !inside {
                continue;
            }
            let src = match flat_src {
                Some(s) => s,
                None => {
                    let mut c = [0.0f32; 4];
                    for (ch, out) in c.iter_mut().enumerate() {
                        *out = w[0] * col[0][ch] + w[1] * col[1][ch] + w[2] * col[2][ch];
                    }
                    let texel = if flat_uv {
                        tex.sample(uv[0].x, uv[0].y)
                    } else {
                        let u = w[0] * uv[0].x + w[1] * uv[1].x + w[2] * uv[2].x;
                        let v = w[0] * uv[0].y + w[1] * uv[1].y + w[2] * uv[2].y;
                        tex.sample(u, v)
                    };
                    modulate_f(c, texel)
                }
            };
            if src[3] == 0 && src[0] == 0 && src[1] == 0 && src[2] == 0 {
                continue;
            }
            let px = &mut frame.pixels[y * width + x];
            *px = blend(*px, src);
        }
    }
}

fn modulate(c: Color32, texel: [f32; 4]) -> [u8; 4] {
    modulate_f(channels(c), texel)
}

/// Vertex colour times texel, both premultiplied, in gamma space.
fn modulate_f(c: [f32; 4], t: [f32; 4]) -> [u8; 4] {
    let mut out = [0u8; 4];
    for i in 0..4 {
        out[i] = (c[i] * t[i] / 255.0 + 0.5).clamp(0.0, 255.0) as u8;
    }
    out
}

fn pack(c: [u8; 4]) -> u32 {
    ((c[0] as u32) << 16) | ((c[1] as u32) << 8) | c[2] as u32
}

/// `src + dst * (1 - src.a)`, premultiplied, as GL's
/// `ONE, ONE_MINUS_SRC_ALPHA` does.
fn blend(dst: u32, src: [u8; 4]) -> u32 {
    let inv = 255 - src[3] as u32;
    let ch = |shift: u32, s: u8| {
        let d = (dst >> shift) & 0xff;
        // d * inv / 255, rounded, without a division.
        let m = d * inv + 128;
        let scaled = (m + (m >> 8)) >> 8;
        (s as u32 + scaled).min(255)
    };
    (ch(16, src[0]) << 16) | (ch(8, src[1]) << 8) | ch(0, src[2])
}

#[cfg(test)]
mod tests;
