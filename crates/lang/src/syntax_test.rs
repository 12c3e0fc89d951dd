//! A runner for Sublime Text syntax tests, so that the D grammar is tested
//! the way grammar authors test theirs.
//!
//! A test file starts with `// SYNTAX TEST "…"`. Each line that is a
//! comment starting with `^` or `<-` asserts on the nearest line above it
//! that is not an assertion:
//!
//! ```text
//! @counts[execname] = count();
//! // <- variable.other.aggregation
//! //                  ^^^^^ support.function.aggregation
//! ```
//!
//! `^` marks the columns under it; `<-` marks the column of the `//` itself.
//! The rest of the line is a scope selector the scopes there must match.

use super::{d_syntax, syntax_set};
use std::fmt;
use std::str::FromStr;
use syntect::highlighting::ScopeSelectors;
use syntect::parsing::{ParseState, ScopeStack};

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// 1-based line of the assertion in the test file.
    pub assertion_line: usize,
    /// 1-based line that was tested.
    pub tested_line: usize,
    /// 0-based byte column that was tested.
    pub column: usize,
    pub selector: String,
    /// The scopes found there, innermost last.
    pub actual: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {} col {}: expected `{}`, found `{}` (assertion on line {})",
            self.tested_line, self.column, self.selector, self.actual, self.assertion_line
        )
    }
}

#[derive(Debug, Default)]
pub struct Report {
    pub assertions: usize,
    pub failures: Vec<Failure>,
}

#[derive(Debug, PartialEq)]
pub enum SyntaxTestError {
    MissingHeader,
    BadSelector { line: usize, selector: String },
    Parse { line: usize, message: String },
}

impl fmt::Display for SyntaxTestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxTestError::MissingHeader => {
                write!(f, "the first line must be `// SYNTAX TEST \"…\"`")
            }
            SyntaxTestError::BadSelector { line, selector } => {
                write!(f, "line {line}: `{selector}` is not a scope selector")
            }
            SyntaxTestError::Parse { line, message } => {
                write!(f, "line {line}: the grammar failed: {message}")
            }
        }
    }
}

/// An assertion parsed from a line: the columns it covers and its selector.
fn parse_assertion(line: &str) -> Option<(Vec<usize>, &str)> {
    let comment = line.find("//")?;
    if !line[..comment].trim().is_empty() {
        return None;
    }
    let rest = &line[comment + 2..];
    let body = rest.trim_start();
    let body_col = comment + 2 + (rest.len() - body.len());
    if let Some(selector) = body.strip_prefix("<-") {
        return Some((vec![comment], selector.trim()));
    }
    let carets = body.bytes().take_while(|&b| b == b'^').count();
    if carets == 0 {
        return None;
    }
    Some((
        (body_col..body_col + carets).collect(),
        body[carets..].trim(),
    ))
}

/// Runs the assertions in `source` against the D grammar.
pub fn run(source: &str) -> Result<Report, SyntaxTestError> {
    let first = source.lines().next().unwrap_or_default();
    if !first.trim_start().starts_with("// SYNTAX TEST") {
        return Err(SyntaxTestError::MissingHeader);
    }
    let mut state = ParseState::new(d_syntax());
    let mut stack = ScopeStack::new();
    let mut report = Report::default();
    // Scopes at each byte of the last line that was not an assertion.
    let mut tested: Option<(usize, Vec<ScopeStack>)> = None;

    for (index, line) in source.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let ops = state
            .parse_line(line, syntax_set())
            .map_err(|e| SyntaxTestError::Parse {
                line: number,
                message: e.to_string(),
            })?;
        let mut per_byte = Vec::with_capacity(line.len());
        let mut ops = ops.iter().peekable();
        for byte in 0..line.len() {
            while let Some((_, op)) = ops.next_if(|(at, _)| *at <= byte) {
                stack.apply(op).map_err(|e| SyntaxTestError::Parse {
                    line: number,
                    message: format!("{e:?}"),
                })?;
            }
            per_byte.push(stack.clone());
        }
        for (_, op) in ops {
            stack.apply(op).map_err(|e| SyntaxTestError::Parse {
                line: number,
                message: format!("{e:?}"),
            })?;
        }

        let assertion = if index == 0 {
            None
        } else {
            parse_assertion(line)
        };
        match (assertion, &tested) {
            (Some((columns, selector)), Some((tested_line, scopes))) => {
                let selectors = ScopeSelectors::from_str(selector).map_err(|_| {
                    SyntaxTestError::BadSelector {
                        line: number,
                        selector: selector.to_owned(),
                    }
                })?;
                for column in columns {
                    report.assertions += 1;
                    let actual = scopes.get(column);
                    let ok = actual.is_some_and(|s| selectors.does_match(s.as_slice()).is_some());
                    if !ok {
                        report.failures.push(Failure {
                            assertion_line: number,
                            tested_line: *tested_line,
                            column,
                            selector: selector.to_owned(),
                            actual: actual.map_or_else(
                                || "(past the end of the line)".to_owned(),
                                |s| {
                                    s.as_slice()
                                        .iter()
                                        .map(|scope| scope.build_string())
                                        .collect::<Vec<_>>()
                                        .join(" ")
                                },
                            ),
                        });
                    }
                }
            }
            (Some(_), None) => {}
            (None, _) => tested = Some((number, per_byte)),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_caret_and_arrow_assertions() {
        assert_eq!(parse_assertion("//  ^^^ a.b"), Some((vec![4, 5, 6], "a.b")));
        assert_eq!(parse_assertion("  // <- c"), Some((vec![2], "c")));
        assert_eq!(parse_assertion("x = 1; // ^ nope"), None);
        assert_eq!(parse_assertion("// plain comment"), None);
    }

    #[test]
    fn a_wrong_expectation_fails() {
        let report = run("// SYNTAX TEST \"D\"\nBEGIN\n// <- string.quoted\n").unwrap();
        assert_eq!(report.assertions, 1);
        assert_eq!(report.failures.len(), 1);
        assert!(
            report.failures[0]
                .actual
                .contains("constant.language.probe")
        );
    }

    #[test]
    fn a_right_expectation_passes() {
        let report = run("// SYNTAX TEST \"D\"\nBEGIN\n// <- constant.language.probe\n").unwrap();
        assert_eq!((report.assertions, report.failures.len()), (1, 0));
    }

    #[test]
    fn header_is_required() {
        assert_eq!(run("BEGIN\n").unwrap_err(), SyntaxTestError::MissingHeader);
    }
}
