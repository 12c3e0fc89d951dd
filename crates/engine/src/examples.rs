//! The example scripts shipped in `assets/examples/`, embedded so that the
//! binary needs no files beside it.

pub struct Example {
    pub file_name: &'static str,
    /// The Examples menu groups scripts under these headings.
    pub category: &'static str,
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

    /// The header's "Platforms:" line, without the label.
    pub fn platforms(&self) -> &'static str {
        self.text
            .lines()
            .find_map(|l| l.split_once("Platforms:").map(|(_, p)| p.trim()))
            .unwrap_or("")
    }

    /// Whether the header says the script runs on `os` (`"Linux"`,
    /// `"illumos"`, `"FreeBSD"`, `"macOS"`). Remarks in parentheses are
    /// not a claim.
    pub fn runs_on(&self, os: &str) -> bool {
        let claims = self.platforms().split('(').next().unwrap_or("");
        claims
            .split([',', '.'])
            .any(|p| p.trim().eq_ignore_ascii_case(os))
    }
}

macro_rules! example {
    ($category:literal, $name:literal) => {
        Example {
            file_name: $name,
            category: $category,
            text: include_str!(concat!("../../../assets/examples/", $name)),
        }
    };
}

pub const EXAMPLES: &[Example] = &[
    example!("System calls", "syscalls-by-process.d"),
    example!("System calls", "syscalls-by-name.d"),
    example!("System calls", "syscall-errors.d"),
    example!("System calls", "syscall-latency.d"),
    example!("System calls", "syscall-stats.d"),
    example!("System calls", "slow-syscalls.d"),
    example!("System calls", "per-second.d"),
    example!("Files and I/O", "read-sizes.d"),
    example!("Files and I/O", "write-sizes.d"),
    example!("Files and I/O", "file-opens.d"),
    example!("Files and I/O", "io-latency.d"),
    example!("Files and I/O", "io-sizes.d"),
    example!("Processes", "process-exec.d"),
    example!("Processes", "process-exit.d"),
    example!("Processes", "process-lifetimes.d"),
    example!("Processes", "signals.d"),
    example!("CPU and scheduling", "cpu-by-process.d"),
    example!("CPU and scheduling", "profile-stacks.d"),
    example!("CPU and scheduling", "oncpu-time.d"),
    example!("CPU and scheduling", "runqueue-latency.d"),
    example!("CPU and scheduling", "wakeups.d"),
    example!("CPU and scheduling", "lock-contention.d"),
    example!("Network", "ip-traffic.d"),
];

/// This system's name as example headers write it.
pub fn this_platform() -> &'static str {
    if cfg!(target_os = "linux") {
        "Linux"
    } else if cfg!(target_os = "freebsd") {
        "FreeBSD"
    } else if cfg!(target_os = "macos") {
        "macOS"
    } else {
        "illumos"
    }
}

/// The script a new window starts with.
pub fn default_script() -> &'static Example {
    &EXAMPLES[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn there_are_at_least_twenty_examples_each_in_assets_once() {
        assert!(EXAMPLES.len() >= 20);
        let mut names: Vec<&str> = EXAMPLES.iter().map(|e| e.file_name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EXAMPLES.len(), "no example listed twice");
        let on_disk = std::fs::read_dir(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../assets/examples"
        ))
        .unwrap()
        .count();
        assert_eq!(
            on_disk,
            EXAMPLES.len(),
            "every shipped script is in the menu"
        );
    }

    #[test]
    fn platform_claims_are_read_from_the_header() {
        let signals = EXAMPLES
            .iter()
            .find(|e| e.file_name == "signals.d")
            .unwrap();
        assert!(signals.runs_on("illumos"));
        assert!(!signals.runs_on("Linux"), "a remark is not a claim");
        let reads = EXAMPLES
            .iter()
            .find(|e| e.file_name == "read-sizes.d")
            .unwrap();
        assert!(reads.runs_on("Linux") && reads.runs_on("macOS"));
    }

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
