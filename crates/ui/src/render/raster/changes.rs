//! What changed between two frames, so that the shell paints and sends
//! only that: [`damage`] compares pixels after painting, [`TileMap`]
//! compares what is to be drawn before any painting. Kept apart from the
//! rasterizer because neither paints: they decide where painting and
//! presenting are needed at all.

use egui::TextureId;
use egui::epaint::{ClippedPrimitive, Primitive};

use super::{Frame, PixelRect};

/// The rectangles where `a` and `b` differ, found in tiles of `tile`
/// pixels and merged along rows, so a changed caret is one small
/// rectangle and an unchanged frame is none.
pub fn damage(a: &Frame, b: &Frame, tile: usize) -> Vec<PixelRect> {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let (w, h) = (a.width, a.height);
    let mut out: Vec<PixelRect> = Vec::new();
    let mut y = 0;
    while y < h {
        let y1 = (y + tile).min(h);
        // A run of changed tiles in this row becomes one rectangle.
        let flush = |out: &mut Vec<PixelRect>, x0, x1| {
            push_merged(out, PixelRect { x0, y0: y, x1, y1 });
        };
        let mut run: Option<(usize, usize)> = None;
        let mut x = 0;
        while x < w {
            let x1 = (x + tile).min(w);
            let changed = (y..y1).any(|row| {
                a.pixels[row * w + x..row * w + x1] != b.pixels[row * w + x..row * w + x1]
            });
            run = match (run, changed) {
                (Some((s, _)), true) => Some((s, x1)),
                (None, true) => Some((x, x1)),
                (Some((s, e)), false) => {
                    flush(&mut out, s, e);
                    None
                }
                (None, false) => None,
            };
            x = x1;
        }
        if let Some((s, e)) = run {
            flush(&mut out, s, e);
        }
        y = y1;
    }
    out
}

/// A fingerprint of what is drawn over each tile of a frame: every
/// triangle whose pixel bounds touch the tile, in drawing order, with its
/// vertices, texture and clip. Two frames whose tiles have the same
/// fingerprint (and the same textures) have the same pixels there, so
/// only the tiles whose fingerprint changed need painting again. Hashing
/// the triangles costs a small part of painting them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TileMap {
    tile: usize,
    width: usize,
    height: usize,
    cols: usize,
    hashes: Vec<u64>,
}

fn mix(h: u64, v: u64) -> u64 {
    (h.rotate_left(5) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl TileMap {
    /// The fingerprints of `primitives` painted at `pixels_per_point` into
    /// a `width` by `height` frame, in tiles of `tile` pixels.
    pub fn of(
        primitives: &[ClippedPrimitive],
        pixels_per_point: f32,
        width: usize,
        height: usize,
        tile: usize,
    ) -> TileMap {
        let cols = width.div_ceil(tile);
        let rows = height.div_ceil(tile);
        let mut hashes = vec![0u64; cols * rows];
        let ppp = pixels_per_point;
        for prim in primitives {
            let Primitive::Mesh(mesh) = &prim.primitive else {
                continue;
            };
            let c = prim.clip_rect;
            // As paint() clips, then one pixel more either side.
            let cx0 = (c.min.x * ppp).round().max(0.0);
            let cy0 = (c.min.y * ppp).round().max(0.0);
            let cx1 = (c.max.x * ppp).round().min(width as f32);
            let cy1 = (c.max.y * ppp).round().min(height as f32);
            if cx0 >= cx1 || cy0 >= cy1 {
                continue;
            }
            let texture = match mesh.texture_id {
                TextureId::Managed(n) => n << 1,
                TextureId::User(n) => (n << 1) | 1,
            };
            let base = mix(
                mix(
                    texture,
                    (c.min.x.to_bits() as u64) << 32 | c.min.y.to_bits() as u64,
                ),
                (c.max.x.to_bits() as u64) << 32 | c.max.y.to_bits() as u64,
            );
            for t in mesh.indices.chunks_exact(3) {
                let v = [
                    &mesh.vertices[t[0] as usize],
                    &mesh.vertices[t[1] as usize],
                    &mesh.vertices[t[2] as usize],
                ];
                let xs = [v[0].pos.x, v[1].pos.x, v[2].pos.x];
                let ys = [v[0].pos.y, v[1].pos.y, v[2].pos.y];
                let x0 = (xs.iter().copied().fold(f32::INFINITY, f32::min) * ppp - 1.0)
                    .floor()
                    .max(cx0);
                let y0 = (ys.iter().copied().fold(f32::INFINITY, f32::min) * ppp - 1.0)
                    .floor()
                    .max(cy0);
                let x1 = (xs.iter().copied().fold(f32::NEG_INFINITY, f32::max) * ppp + 1.0)
                    .ceil()
                    .min(cx1);
                let y1 = (ys.iter().copied().fold(f32::NEG_INFINITY, f32::max) * ppp + 1.0)
                    .ceil()
                    .min(cy1);
                if !(x0 < x1 && y0 < y1) {
                    continue;
                }
                let mut h = base;
                for v in v {
                    h = mix(
                        h,
                        (v.pos.x.to_bits() as u64) << 32 | v.pos.y.to_bits() as u64,
                    );
                    h = mix(h, (v.uv.x.to_bits() as u64) << 32 | v.uv.y.to_bits() as u64);
                    h = mix(h, u32::from_le_bytes(v.color.to_array()) as u64);
                }
                let (tx0, tx1) = (x0 as usize / tile, (x1 as usize - 1) / tile);
                let (ty0, ty1) = (y0 as usize / tile, (y1 as usize - 1) / tile);
                for ty in ty0..=ty1.min(rows - 1) {
                    for e in &mut hashes[ty * cols + tx0..=ty * cols + tx1.min(cols - 1)] {
                        *e = mix(*e, h);
                    }
                }
            }
        }
        TileMap {
            tile,
            width,
            height,
            cols,
            hashes,
        }
    }

    /// The rectangles (whole tiles, merged) where `self` and `other`
    /// differ; everything when their sizes differ.
    pub fn changed(&self, other: &TileMap) -> Vec<PixelRect> {
        if (self.width, self.height, self.tile) != (other.width, other.height, other.tile) {
            return vec![PixelRect {
                x0: 0,
                y0: 0,
                x1: self.width,
                y1: self.height,
            }];
        }
        let mut out = Vec::new();
        let rows = self.height.div_ceil(self.tile);
        for ty in 0..rows {
            let (y0, y1) = (ty * self.tile, ((ty + 1) * self.tile).min(self.height));
            let mut run: Option<usize> = None;
            for tx in 0..=self.cols {
                let differs = tx < self.cols
                    && self.hashes[ty * self.cols + tx] != other.hashes[ty * self.cols + tx];
                match (run, differs) {
                    (None, true) => run = Some(tx),
                    (Some(start), false) => {
                        push_merged(
                            &mut out,
                            PixelRect {
                                x0: start * self.tile,
                                y0,
                                x1: (tx * self.tile).min(self.width),
                                y1,
                            },
                        );
                        run = None;
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// Adds `r`, joining it to a rectangle of the previous tile row with the
/// same horizontal extent.
fn push_merged(out: &mut Vec<PixelRect>, r: PixelRect) {
    if let Some(prev) = out
        .iter_mut()
        .rev()
        .find(|p| p.y1 == r.y0 && p.x0 == r.x0 && p.x1 == r.x1)
    {
        prev.y1 = r.y1;
        return;
    }
    out.push(r);
}
