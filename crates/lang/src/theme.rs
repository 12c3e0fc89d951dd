//! The two highlighting themes (dark and light), built in code so that the
//! D-specific scopes — probe descriptions, aggregations, destructive
//! actions — get colours chosen for them rather than whatever a generic
//! TextMate theme happens to do.

use std::str::FromStr;
use std::sync::OnceLock;
use syntect::highlighting::{
    Color, FontStyle, ScopeSelectors, StyleModifier, Theme, ThemeItem, ThemeSettings,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ThemeKind {
    Dark,
    Light,
}

const fn rgb(hex: u32) -> Color {
    Color {
        r: (hex >> 16) as u8,
        g: (hex >> 8) as u8,
        b: hex as u8,
        a: 0xff,
    }
}

/// Colours per role; the same roles in both themes.
struct Palette {
    foreground: u32,
    background: u32,
    comment: u32,
    keyword: u32,
    storage: u32,
    string: u32,
    escape: u32,
    number: u32,
    probe: u32,
    provider: u32,
    special_probe: u32,
    builtin: u32,
    aggregation: u32,
    function: u32,
    macro_var: u32,
    variable: u32,
    preprocessor: u32,
    destructive: u32,
    invalid: u32,
    punctuation: u32,
}

const DARK: Palette = Palette {
    foreground: 0xd4d4d4,
    background: 0x1e1f22,
    comment: 0x7f8c8d,
    keyword: 0xc678dd,
    storage: 0x56b6c2,
    string: 0x98c379,
    escape: 0xd7ba7d,
    number: 0xd19a66,
    probe: 0x61afef,
    provider: 0x4fc1ff,
    special_probe: 0xe5c07b,
    builtin: 0xe06c75,
    aggregation: 0xe5c07b,
    function: 0x8fbcff,
    macro_var: 0xff9e64,
    variable: 0xd4d4d4,
    preprocessor: 0xb294bb,
    destructive: 0xff5f3f,
    invalid: 0xff3860,
    punctuation: 0xa0a8b4,
};

const LIGHT: Palette = Palette {
    foreground: 0x1f2328,
    background: 0xffffff,
    comment: 0x6a737d,
    keyword: 0x8250df,
    storage: 0x0550ae,
    string: 0x0a7f33,
    escape: 0x953800,
    number: 0xb35900,
    probe: 0x0b57d0,
    provider: 0x005f87,
    special_probe: 0x9a6700,
    builtin: 0xcf222e,
    aggregation: 0x9a6700,
    function: 0x6639ba,
    macro_var: 0xbc4c00,
    variable: 0x1f2328,
    preprocessor: 0x6f42c1,
    destructive: 0xd1242f,
    invalid: 0xd1242f,
    punctuation: 0x57606a,
};

fn item(selector: &str, color: u32, font_style: FontStyle) -> ThemeItem {
    ThemeItem {
        scope: ScopeSelectors::from_str(selector).expect("theme selectors are valid"),
        style: StyleModifier {
            foreground: Some(rgb(color)),
            background: None,
            font_style: Some(font_style),
        },
    }
}

fn build(name: &str, p: &Palette) -> Theme {
    let plain = FontStyle::empty();
    Theme {
        name: Some(name.to_owned()),
        author: None,
        settings: ThemeSettings {
            foreground: Some(rgb(p.foreground)),
            background: Some(rgb(p.background)),
            ..ThemeSettings::default()
        },
        // Later items win over earlier ones of the same specificity, so the
        // general roles come first and the D-specific ones after.
        scopes: vec![
            item("punctuation, keyword.operator", p.punctuation, plain),
            item("variable.other", p.variable, plain),
            item("variable.other.member", p.variable, plain),
            item("comment, comment punctuation", p.comment, FontStyle::ITALIC),
            item("string, string punctuation.definition", p.string, plain),
            item(
                "constant.character.escape, constant.other.placeholder",
                p.escape,
                plain,
            ),
            item(
                "constant.numeric, constant.language, constant.other.option-value",
                p.number,
                plain,
            ),
            item("keyword.control, keyword.operator.word", p.keyword, plain),
            item("storage.type, storage.modifier", p.storage, plain),
            item("entity.name.type", p.storage, plain),
            item(
                "meta.preprocessor, keyword.directive",
                p.preprocessor,
                plain,
            ),
            item("variable.parameter.option", p.probe, plain),
            item("entity.name.function.probe", p.probe, FontStyle::BOLD),
            item("support.type.provider", p.provider, FontStyle::BOLD),
            item("constant.numeric.rate", p.number, FontStyle::BOLD),
            item("constant.language.probe", p.special_probe, FontStyle::BOLD),
            item("keyword.operator.wildcard", p.keyword, FontStyle::BOLD),
            item("variable.language", p.builtin, plain),
            item("variable.language.macro", p.macro_var, plain),
            item(
                "variable.other.thread-local, variable.other.clause-local",
                p.macro_var,
                plain,
            ),
            item("variable.other.kernel", p.storage, plain),
            item(
                "variable.other.aggregation, variable.other.aggregation punctuation",
                p.aggregation,
                FontStyle::BOLD,
            ),
            item("support.function, variable.function", p.function, plain),
            item("support.function.aggregation", p.aggregation, plain),
            // Destructive actions change the traced system: make them loud.
            item(
                "support.function.destructive",
                p.destructive,
                FontStyle::BOLD | FontStyle::UNDERLINE,
            ),
            item("invalid", p.invalid, FontStyle::UNDERLINE),
        ],
    }
}

/// The syntect theme for `kind`, built once.
pub fn theme(kind: ThemeKind) -> &'static Theme {
    static DARK_THEME: OnceLock<Theme> = OnceLock::new();
    static LIGHT_THEME: OnceLock<Theme> = OnceLock::new();
    match kind {
        ThemeKind::Dark => DARK_THEME.get_or_init(|| build("dscope dark", &DARK)),
        ThemeKind::Light => LIGHT_THEME.get_or_init(|| build("dscope light", &LIGHT)),
    }
}
