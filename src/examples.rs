//! The example scripts shipped in `assets/examples/`, embedded so that the
//! binary needs no files beside it.

pub struct Example {
    pub file_name: &'static str,
    pub text: &'static str,
}

impl Example {
    /// The first line of the header comment, after the file name: what the
    /// script shows.
    pub fn summary(&self) -> &'static str {
        self.text
            .lines()
            .find_map(|l| {
                let l = l.trim_start_matches([' ', '*', '/']).trim();
                l.strip_prefix(self.file_name)
                    .map(|rest| rest.trim_start_matches(':').trim())
            })
            .unwrap_or(self.file_name)
    }
}

macro_rules! example {
    ($name:literal) => {
        Example {
            file_name: $name,
            text: include_str!(concat!("../assets/examples/", $name)),
        }
    };
}

pub const EXAMPLES: &[Example] = &[
    example!("syscalls-by-process.d"),
    example!("read-sizes.d"),
    example!("syscall-latency.d"),
    example!("process-exec.d"),
];

/// The script a new window starts with.
pub fn default_script() -> &'static Example {
    &EXAMPLES[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_has_a_summary_and_platforms() {
        for e in EXAMPLES {
            assert_ne!(
                e.summary(),
                e.file_name,
                "{} has no summary line",
                e.file_name
            );
            assert!(
                e.text.contains("Platforms:"),
                "{} does not say where it runs",
                e.file_name
            );
        }
    }
}
