use super::*;

#[test]
fn sizes_for_people() {
    assert_eq!(human_size(0), "0 B");
    assert_eq!(human_size(1023), "1023 B");
    assert_eq!(human_size(1024), "1.0 KiB");
    assert_eq!(human_size(1536), "1.5 KiB");
    assert_eq!(human_size(200 * 1024), "200 KiB");
    assert_eq!(human_size(3 << 30), "3.0 GiB");
}

#[test]
fn kinds_match_their_extensions_in_any_case() {
    let d = DialogPurpose::Open.kind();
    assert!(d.matches("trace.d") && d.matches("TRACE.D"));
    assert!(!d.matches(".d"), "a hidden file named d, not a script");
    assert!(!d.matches("trace.dd") && !d.matches("d"));
    let text = DialogPurpose::Export(ExportFormat::Console).kind();
    assert!(text.matches("out.txt") && text.matches("run.log"));
    assert_eq!(text.filter_label(), "Only text files (*.txt, *.log)");
}
