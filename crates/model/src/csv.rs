//! CSV as spreadsheets read it (RFC 4180): fields quoted where they hold
//! a comma, a quote, a line break or edge spaces; lines end in CRLF.

use super::KeyPart;
use std::fmt::Write;

/// A key part as one field: a stack keeps its frames one per line inside
/// the quoted field, as `dtrace(1)` prints them.
pub fn key_field(part: &KeyPart) -> String {
    match part {
        KeyPart::Stack(frames) => frames.join("\n"),
        other => other.label(),
    }
}

/// Appends one line of fields.
pub fn push_line<'a>(out: &mut String, fields: impl Iterator<Item = &'a str>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) || f.starts_with(' ') || f.ends_with(' ') {
            let _ = write!(out, "\"{}\"", f.replace('"', "\"\""));
        } else {
            out.push_str(f);
        }
    }
    out.push_str("\r\n");
}
