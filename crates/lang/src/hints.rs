//! What to do about a compile error, where libdtrace's words alone leave a
//! person guessing: the name that was probably meant for an unknown
//! function or variable, and the `;` probably missing at the end of the
//! line above a syntax error.

use crate::words::{self, WordKind};

/// A hint for libdtrace's message `text` about `line` (1-based) of
/// `source`, if dscope has one.
pub fn hint(text: &str, source: &str, line: usize) -> Option<String> {
    if let Some(name) = text.strip_prefix("undefined function name: ") {
        let functions = [
            WordKind::Aggregating,
            WordKind::Action,
            WordKind::Destructive,
            WordKind::Subroutine,
        ];
        return closest(name.trim(), &functions).map(|w| format!("did you mean {w}()?"));
    }
    if let Some(at) = text.find("failed to resolve ")
        && text.ends_with("Unknown variable name")
    {
        let rest = &text[at + "failed to resolve ".len()..];
        let name = rest.split(':').next().unwrap_or("").trim();
        return closest(name, &[WordKind::Variable]).map(|w| format!("did you mean {w}?"));
    }
    if text.starts_with("syntax error") {
        return missing_semicolon(source, line);
    }
    None
}

/// A `;` probably missing at the end of the nearest line above `line`
/// with code on it: one that ends a statement in the middle of a clause.
fn missing_semicolon(source: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = source.lines().collect();
    let (above, text) = (1..line)
        .rev()
        .map(|n| (n, lines.get(n - 1).map_or("", |l| l.trim())))
        .find(|(_, l)| !l.is_empty() && !l.starts_with("//"))?;
    let ends_statement = !text.ends_with([';', '{', '}', ',', '(', '/', '\\', '*', '|', '&'])
        && !text.starts_with('#')
        && !text.ends_with("*/");
    // A probe description or predicate line is followed by `{` or `/`, not
    // by a statement: only a line inside a clause's braces can miss one.
    let inside_clause = {
        let before: String = lines[..above - 1].join("\n");
        before.matches('{').count() > before.matches('}').count()
    };
    (ends_statement && inside_clause)
        .then(|| format!("is a `;` missing at the end of line {above}?"))
}

/// The known word of these kinds nearest to `name`, when it is near enough
/// to be a slip of the keyboard: at most two edits, and fewer than half of
/// the name.
fn closest(name: &str, kinds: &[WordKind]) -> Option<&'static str> {
    if name.is_empty() {
        return None;
    }
    let length = name.chars().count();
    let most = 2.min(length.saturating_sub(1) / 2).max(1);
    words::all()
        .filter(|w| kinds.contains(&w.kind) && w.name != name)
        // The difference in length is the least number of edits: words
        // it rules out (and a name of any length from a message) cost no
        // distance table.
        .filter(|w| w.name.chars().count().abs_diff(length) <= most)
        .map(|w| (edits(name, w.name), w.name))
        .filter(|(d, _)| *d <= most)
        // Of equally near words, one as long as the name: a swap of two
        // letters is likelier than one left out.
        .min_by_key(|(d, w)| (*d, w.len().abs_diff(name.len()), *w))
        .map(|(_, w)| w)
}

/// The Damerau-Levenshtein distance (adjacent swaps count as one edit).
fn edits(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages are Linux DTrace 2.0's, as `dtrace -e` prints them.
    #[test]
    fn a_slip_of_the_keyboard_gets_the_name_meant() {
        assert_eq!(
            hint("undefined function name: countt", "", 1).as_deref(),
            Some("did you mean count()?")
        );
        assert_eq!(
            hint("undefined function name: prinft", "", 1).as_deref(),
            Some("did you mean printf()?")
        );
        assert_eq!(
            hint(
                "in action list: failed to resolve timestampp: Unknown variable name",
                "",
                1
            )
            .as_deref(),
            Some("did you mean timestamp?")
        );
        assert_eq!(hint("undefined function name: frobnicate", "", 1), None);
    }

    #[test]
    fn a_statement_without_its_semicolon_is_pointed_at() {
        let source = "BEGIN\n{\n\tx = 1\n\ty = 2;\n}\n";
        assert_eq!(
            hint("syntax error near \"y = 2;\"", source, 4).as_deref(),
            Some("is a `;` missing at the end of line 3?")
        );
        // Not after a probe description, a brace or a finished statement.
        let fine = "syscall::read:entry\n/pid == 1/\n{\n\tx = 1;\n\t@ = count(\n}\n";
        assert_eq!(hint("syntax error near \"}\"", fine, 6), None);
        assert_eq!(hint("syntax error near \"/\"", fine, 2), None);
        assert_eq!(hint("syntax error near \"x\"", fine, 4), None);
    }
}
