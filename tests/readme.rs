//! The README's Troubleshooting section is the program's own list of
//! messages and remedies; `DSCOPE_BLESS=1` rewrites it after a change.

use dscope::troubleshooting::markdown;

const START: &str = "## Troubleshooting\n\n";
const END: &str = "\n## ";

#[test]
fn troubleshooting_in_the_readme_is_generated_from_the_program() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find(START)
        .expect("the README has a Troubleshooting section")
        + START.len();
    let end = readme[start..]
        .find(END)
        .map_or(readme.len(), |e| start + e);
    let generated = markdown();
    if readme[start..end] == generated {
        return;
    }
    if std::env::var("DSCOPE_BLESS").as_deref() == Ok("1") {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).unwrap();
        return;
    }
    panic!(
        "README.md's Troubleshooting section is out of date; run \
         DSCOPE_BLESS=1 cargo test --test readme"
    );
}
