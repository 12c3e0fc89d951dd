//! Runs every `syntaxes/tests/syntax_test_*.d` against the D grammar.

use dscope::lang::syntax_test;
use std::path::Path;

#[test]
fn d_grammar_passes_its_syntax_tests() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("syntaxes/tests");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("syntaxes/tests exists")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("syntax_test_") && n.ends_with(".d"))
        })
        .collect();
    files.sort();
    assert!(files.len() >= 3, "syntax test files are missing");
    let mut problems = Vec::new();
    for file in &files {
        let source = std::fs::read_to_string(file).unwrap();
        match syntax_test::run(&source) {
            Ok(report) => {
                assert!(
                    report.assertions > 10,
                    "{} asserts almost nothing",
                    file.display()
                );
                for f in report.failures {
                    problems.push(format!(
                        "{}: {f}",
                        file.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
            Err(e) => problems.push(format!("{}: {e}", file.display())),
        }
    }
    assert!(
        problems.is_empty(),
        "{} failures:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
