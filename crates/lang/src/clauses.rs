//! Where a script's clauses are. libdtrace names the code of the Nth clause
//! `dt_clause_N` in runtime errors; the Nth entry here is that clause's line,
//! so an error can point at the script.

use super::source::literal_at;

/// Words that open a declaration with braces, which is not a clause.
pub(crate) const DECLARATIONS: &[&str] = &[
    "struct",
    "union",
    "enum",
    "translator",
    "provider",
    "typedef",
    "inline",
];

/// The 1-based line where each clause's probe descriptions start, in the
/// order libdtrace numbers the clauses.
pub fn clause_lines(script: &str) -> Vec<usize> {
    let b = script.as_bytes();
    let mut lines = Vec::new();
    let mut depth = 0usize;
    // The first byte of the text since the last clause or statement ended.
    let mut header: Option<usize> = None;
    let mut line = 1;
    let mut header_line = 1;
    let mut i = 0;
    while i < b.len() {
        if let Some((end, _)) = literal_at(script, i) {
            line += script[i..end].matches('\n').count();
            i = end;
            continue;
        }
        let c = b[i];
        if depth == 0 && header.is_none() && c == b'#' {
            // A preprocessor or pragma line.
            i = script[i..].find('\n').map_or(b.len(), |e| i + e);
            continue;
        }
        match c {
            b'\n' => line += 1,
            b'{' => {
                if depth == 0 {
                    let start = header.unwrap_or(i);
                    let word: String = script[start..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    if !DECLARATIONS.contains(&word.as_str()) {
                        lines.push(if header.is_some() { header_line } else { line });
                    }
                }
                depth += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    header = None;
                }
            }
            b';' if depth == 0 => header = None,
            c if depth == 0 && header.is_none() && !c.is_ascii_whitespace() => {
                header = Some(i);
                header_line = line;
            }
            _ => {}
        }
        i += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_clause_is_found_on_the_line_its_descriptions_start() {
        let script = "#!/usr/sbin/dtrace -s\n\
                      #pragma D option quiet\n\
                      /* BEGIN { } */\n\
                      BEGIN\n\
                      {\n  x = \"}\";\n}\n\
                      \n\
                      syscall::read:entry,\n\
                      syscall::write:entry\n\
                      /pid != $pid/\n\
                      { @[probefunc] = count(); }\n\
                      struct s { int a; };\n\
                      END { printa(@); }\n";
        assert_eq!(clause_lines(script), [4, 9, 14]);
    }

    #[test]
    fn odd_text_gives_no_panic() {
        assert!(clause_lines("").is_empty());
        assert_eq!(clause_lines("{"), [1]);
        assert!(clause_lines("}}} \"unclosed").is_empty());
    }
}
