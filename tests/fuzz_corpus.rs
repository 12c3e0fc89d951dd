//! The fuzzers' saved inputs, run as ordinary tests: the minimized corpus
//! of each target (`fuzz/corpus/<target>`), and every input that once broke
//! a target (`fuzz/regressions/<target>`), named after what it broke.

use dscope::fuzz_checks::TARGETS;
use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("a readable corpus directory").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let bytes = std::fs::read(&p).expect("a readable corpus file");
            (p.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

fn run(kind: &str, min_inputs: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind);
    for (target, check) in TARGETS {
        let files = inputs(&root.join(target));
        assert!(
            files.len() >= min_inputs,
            "{kind}/{target} holds {} inputs; expected at least {min_inputs}",
            files.len()
        );
        for (name, bytes) in files {
            let outcome = std::panic::catch_unwind(|| check(&bytes));
            assert!(outcome.is_ok(), "{name} fails the {target} check");
        }
    }
}

#[test]
fn every_minimized_corpus_input_passes_its_check() {
    // An emptied corpus would make this test pass without checking
    // anything.
    run("corpus", 20);
}

#[test]
fn inputs_that_once_broke_a_target_stay_fixed() {
    run("regressions", 0);
}
