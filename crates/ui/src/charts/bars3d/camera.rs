//! Where the chart's box lands on screen: the world the bars are built
//! in, the orthographic camera that turns it and fits it to a rectangle,
//! and the edges of the box the axes run along for a view.

use super::{Grid, View};
use egui::{Pos2, Rect, Vec2, pos2, vec2};

/// The size of the box the chart is built in: cells of `cell[0]` (a
/// bucket, along x) by `cell[1]` (a key, along z), walls `height` high.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct World {
    cell: [f32; 2],
    pub(super) height: f32,
}

impl World {
    /// A floor 2 wide and up to 1.4 deep, whatever the number of buckets
    /// and keys. The box keeps this shape in any panel: the camera, not
    /// the world, stretches it to fill the panel, which keeps the key axis
    /// as deep as the value axis is long in proportion (room for the key
    /// labels) where a wider world would flatten it.
    pub(super) fn new(nb: f32, nk: f32) -> World {
        let wx = 2.0 / nb.max(1.0);
        let wz = (1.4 / nk.max(1.0)).min(wx * 1.2);
        World {
            cell: [wx, wz],
            height: HEIGHT,
        }
    }
}

/// The orthographic camera for a grid and a view, fitted to a rectangle:
/// the box of the chart, turned, fills the rectangle exactly (scaled on
/// each screen axis apart), so turning never pushes it off to one side.
pub(super) struct Camera {
    pub(super) world: World,
    pub(super) cos_yaw: f32,
    pub(super) sin_yaw: f32,
    cos_pitch: f32,
    sin_pitch: f32,
    center: [f32; 2],
    scale: Vec2,
    offset: Vec2,
}

impl Camera {
    fn unfitted(view: View, nb: f32, nk: f32, world: World) -> Camera {
        Camera {
            world,
            cos_yaw: view.yaw.cos(),
            sin_yaw: view.yaw.sin(),
            cos_pitch: view.pitch.cos(),
            sin_pitch: view.pitch.sin(),
            center: [nb / 2.0, nk / 2.0],
            scale: Vec2::splat(1.0),
            offset: Vec2::ZERO,
        }
    }

    /// The turned box's corners, unscaled: (top left, bottom right).
    fn bounds(&self, nb: f32, nk: f32) -> (Pos2, Pos2) {
        let mut lo = pos2(f32::MAX, f32::MAX);
        let mut hi = pos2(f32::MIN, f32::MIN);
        for x in [0.0, nb] {
            for y in [0.0, self.world.height] {
                for z in [0.0, nk] {
                    let (p, _) = self.raw(x, y, z);
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
            }
        }
        (lo, hi)
    }

    pub(super) fn new(view: View, nb: f32, nk: f32, world: World, rect: Rect) -> Camera {
        let mut cam = Camera::unfitted(view, nb, nk, world);
        let (lo, hi) = cam.bounds(nb, nk);
        let size = (hi - lo).max(vec2(1e-3, 1e-3));
        cam.scale = rect.size() / size;
        let mid = (lo.to_vec2() + hi.to_vec2()) / 2.0 * cam.scale;
        cam.offset = rect.center().to_vec2() - mid;
        cam
    }

    /// Screen position (unscaled) and depth; larger depth is further away.
    fn raw(&self, x: f32, y: f32, z: f32) -> (Pos2, f32) {
        let x = (x - self.center[0]) * self.world.cell[0];
        let z = (z - self.center[1]) * self.world.cell[1];
        let xr = x * self.cos_yaw - z * self.sin_yaw;
        let zr = x * self.sin_yaw + z * self.cos_yaw;
        let sy = -y * self.cos_pitch - zr * self.sin_pitch;
        (pos2(xr, sy), zr * self.cos_pitch - y * self.sin_pitch)
    }

    pub(super) fn project(&self, x: f32, y: f32, z: f32) -> Pos2 {
        let (p, _) = self.raw(x, y, z);
        (p.to_vec2() * self.scale + self.offset).to_pos2()
    }

    pub(super) fn depth(&self, x: f32, y: f32, z: f32) -> f32 {
        self.raw(x, y, z).1
    }
}

/// The height of the walls, against a floor 2 wide.
const HEIGHT: f32 = 0.9;

/// The edges the axes run along for this view: the value axis along the
/// front edge, the key axis along the side edge nearest the viewer, the
/// count axis up the floor corner furthest left on screen.
pub(super) struct Edges {
    pub(super) front_z: f32,
    pub(super) side_x: f32,
    pub(super) corner: (f32, f32),
}

pub(super) fn edges(cam: &Camera, grid: &Grid) -> Edges {
    let nb = grid.buckets.len() as f32;
    let nk = grid.keys.len() as f32;
    let front_z = if cam.cos_yaw > 0.0 { 0.0 } else { nk };
    let side_x = if cam.sin_yaw > 0.0 { 0.0 } else { nb };
    let corner = [(0.0, 0.0), (nb, 0.0), (nb, nk), (0.0, nk)]
        .into_iter()
        .min_by(|a, b| {
            cam.project(a.0, 0.0, a.1)
                .x
                .total_cmp(&cam.project(b.0, 0.0, b.1).x)
        })
        .unwrap_or((0.0, 0.0));
    Edges {
        front_z,
        side_x,
        corner,
    }
}
