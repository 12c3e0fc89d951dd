//! Colours for slices and keys, distinct on dark and light backgrounds.
//!
//! Shared by every chart, so that all of them draw with colours tested
//! here to be told apart.

use egui::Color32;

/// Picked by farthest-point sampling in the OKLab colour space among
/// colours of middle lightness (readable on a dark and on a light
/// panel) and moderate chroma (far from the grey of "other"): each is
/// at least 0.1 from every other, about five just-noticeable
/// differences. In the order picked, the first few (all a small pie
/// uses) are the most different of all.
const COLORS: [Color32; LEN] = [
    Color32::from_rgb(0x4b, 0x87, 0xb4),
    Color32::from_rgb(0xff, 0xb4, 0x00),
    Color32::from_rgb(0xff, 0x87, 0xff),
    Color32::from_rgb(0xe1, 0x3c, 0x3c),
    Color32::from_rgb(0x1e, 0xb4, 0x2d),
    Color32::from_rgb(0x78, 0xd2, 0xf0),
    Color32::from_rgb(0xb4, 0x4b, 0xc3),
    Color32::from_rgb(0x96, 0x78, 0x00),
    Color32::from_rgb(0xe1, 0x96, 0x96),
    Color32::from_rgb(0x69, 0xe1, 0x87),
    Color32::from_rgb(0x96, 0x96, 0xff),
    Color32::from_rgb(0x00, 0xb4, 0xa5),
    Color32::from_rgb(0xf0, 0x5a, 0xa5),
    Color32::from_rgb(0x69, 0x69, 0xf0),
    Color32::from_rgb(0xb4, 0xa5, 0x4b),
    Color32::from_rgb(0xff, 0x78, 0x00),
    Color32::from_rgb(0xb4, 0x69, 0x87),
    Color32::from_rgb(0x00, 0xb4, 0xff),
    Color32::from_rgb(0x00, 0x96, 0x5a),
    Color32::from_rgb(0xc3, 0xb4, 0xff),
    Color32::from_rgb(0x87, 0x69, 0xb4),
];

/// How many colours differ from each other; a pie has at most this
/// many coloured slices.
pub const LEN: usize = 21;

/// The colour of "other".
pub const OTHER: Color32 = Color32::from_rgb(0x9a, 0x9a, 0x9a);

/// The colour of slice or key `index`; beyond [`LEN`] colours repeat,
/// which only the 3D chart's rows (labelled by name) can reach.
pub fn color(index: usize) -> Color32 {
    COLORS[index % LEN]
}

/// The colour of each key of an aggregation, for every view that draws
/// its keys: `shown` keys in the order of their totals (largest first)
/// take the colours in turn, and the keys summed into "other", when
/// `other`, are grey after them. One key keeps its colour from one view
/// of the same aggregation to the next, since its place in that order is
/// all that picks it.
pub fn key_colors(shown: usize, other: bool) -> Vec<Color32> {
    (0..shown)
        .map(color)
        .chain(other.then_some(OTHER))
        .collect()
}

/// A colour in OKLab (lightness, a, b), where distance follows how
/// different two colours look.
pub fn oklab(c: Color32) -> [f32; 3] {
    let lin = |v: u8| {
        let v = v as f32 / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(c.r()), lin(c.g()), lin(c.b()));
    let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
    let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
    let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

/// How different two colours look (OKLab distance).
pub fn difference(a: Color32, b: Color32) -> f32 {
    let (a, b) = (oklab(a), oklab(b));
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_colour_differs_from_every_other_and_from_grey() {
        for i in 0..LEN {
            assert!(
                difference(color(i), OTHER) > 0.1,
                "colour {i} is too close to the grey of other"
            );
            for j in i + 1..LEN {
                let d = difference(color(i), color(j));
                assert!(d > 0.1, "colours {i} and {j} look alike ({d})");
            }
        }
    }

    #[test]
    fn keys_take_the_colours_in_order_of_their_totals_and_other_is_grey() {
        let c = key_colors(3, true);
        assert_eq!(c, [color(0), color(1), color(2), OTHER]);
        assert_eq!(key_colors(2, false), [color(0), color(1)]);
        assert_eq!(key_colors(0, true), [OTHER]);
    }

    #[test]
    fn every_colour_stands_out_on_dark_and_light_panels() {
        // egui's panel fills in its dark and light themes.
        let dark = oklab(Color32::from_gray(27))[0];
        let light = oklab(Color32::from_gray(248))[0];
        for i in 0..LEN {
            let l = oklab(color(i))[0];
            assert!(l - dark > 0.3 && light - l > 0.15, "colour {i}: L {l}");
        }
    }
}
