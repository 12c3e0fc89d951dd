//! egui input for a window of `size` points at `ppp` pixels per point,
//! for tests that run egui passes themselves and rasterize the output.

pub fn input(size: egui::Vec2, ppp: f32) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, size)),
        viewports: std::iter::once((
            egui::ViewportId::ROOT,
            egui::ViewportInfo {
                native_pixels_per_point: Some(ppp),
                ..Default::default()
            },
        ))
        .collect(),
        ..Default::default()
    }
}
