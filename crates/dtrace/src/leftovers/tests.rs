//! Which tracefs events are a killed consumer's leftovers.

use super::*;

#[test]
fn only_the_groups_libdtrace_made_for_this_id_are_taken() {
    let list = "p:dt_14804_dtrace/BEGIN /usr/local/lib64/libdtrace.so.2.0.0:0x000000000007a550\n\
                p:dt_148_dtrace/BEGIN /usr/local/lib64/libdtrace.so.2.0.0:0x000000000007a550\n\
                p:dt_148_dtrace/END /usr/local/lib64/libdtrace.so.2.0.0:0x000000000007a560\n\
                p:dt_1480_dtrace/END /usr/local/lib64/libdtrace.so.2.0.0:0x000000000007a560\n\
                r16:dt_148_fbt_return/vfs_read vfs_read\n\
                p:dt_148_fbt_entry/vfs_read vfs_read\n\
                p:dt_pid/p123_abc /bin/sh:0x10\n\
                p:dt_148/odd /bin/sh:0x10\n\
                p:mine_148_x/y /bin/sh:0x10\n\
                garbage\n";
    assert_eq!(
        of_process(list, 148),
        [
            "dt_148_dtrace/BEGIN",
            "dt_148_dtrace/END",
            "dt_148_fbt_return/vfs_read",
            "dt_148_fbt_entry/vfs_read",
        ]
    );
    assert!(of_process(list, 14).is_empty());
    assert_eq!(of_process(list, 14804), ["dt_14804_dtrace/BEGIN"]);
}
