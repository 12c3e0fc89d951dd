//! The window says what libdtrace's messages leave out: the name probably
//! meant, the `;` probably missing. The command line keeps dtrace(1)'s
//! words.

mod common;

use common::*;
use dscope::model::Diagnostic;
use dscope::session::Event;
use dscope::ui::app::BottomTab;
use egui_kittest::kittest::Queryable;

#[test]
fn problems_say_the_name_meant_and_the_missing_semicolon() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = app(dir.path(), None);
    set_script(&mut h, "BEGIN\n{\n\t@a = countt();\n\tx = 1\n\ty = 2;\n}\n");
    click(&mut h, "Check");
    let check = h.state().check_job().unwrap();
    h.state_mut().apply_session_event(event(
        check,
        Event::Diagnostics(vec![
            Diagnostic::error(0, "undefined function name: countt"),
            Diagnostic::error(5, "syntax error near \"y = 2;\""),
        ]),
    ));
    h.state_mut().set_bottom_tab(BottomTab::Problems);
    h.run();
    assert!(
        h.query_by_label_contains("countt; did you mean count()?")
            .is_some()
    );
    assert!(
        h.query_by_label_contains("is a `;` missing at the end of line 4?")
            .is_some()
    );
}
