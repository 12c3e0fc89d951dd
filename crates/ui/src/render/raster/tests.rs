use super::*;

#[test]
fn blend_is_premultiplied_over() {
    assert_eq!(blend(0x00ff_ffff, [0, 0, 0, 255]), 0);
    assert_eq!(blend(0x0000_0000, [10, 20, 30, 0]), 0x000a_141e);
    // Half-transparent black over white is mid grey.
    assert_eq!(blend(0x00ff_ffff, [0, 0, 0, 128]), 0x007f_7f7f);
}

#[test]
fn damage_finds_one_changed_pixel() {
    let a = Frame::new(100, 50);
    let mut b = a.clone();
    b.pixels[20 * 100 + 70] = 1;
    assert_eq!(
        damage(&a, &b, 16),
        vec![PixelRect {
            x0: 64,
            y0: 16,
            x1: 80,
            y1: 32
        }]
    );
    assert!(damage(&a, &a, 16).is_empty());
}
