//! D language support that needs no libdtrace: the syntect syntax built
//! from `syntaxes/D.sublime-syntax`, incremental highlighting, themes and a
//! runner for Sublime-style syntax tests.
//!
//! Above `dscope-model` only: the editor, `dscope check` and the consumer's
//! error messages all read D through this crate, with or without libdtrace.

#![forbid(unsafe_code)]

pub mod aggregations;
pub mod clauses;
pub mod compile_message;
pub mod complete;
pub mod highlight;
pub mod hints;
pub mod indent;
pub mod narrow;
pub mod probe_pattern;
pub mod source;
pub mod syntax_test;
pub mod theme;
pub mod words;

use std::sync::OnceLock;
use syntect::parsing::{SyntaxDefinition, SyntaxReference, SyntaxSet, SyntaxSetBuilder};

/// The grammar, embedded so the binary needs no files at run time.
pub const D_SYNTAX_SOURCE: &str = include_str!("../../../syntaxes/D.sublime-syntax");

/// The syntax set holding the D grammar (and the plain-text fallback).
pub fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(|| {
        let definition = SyntaxDefinition::load_from_str(D_SYNTAX_SOURCE, true, None)
            .expect("the embedded D grammar is valid YAML (checked by the syntax tests)");
        let mut builder = SyntaxSetBuilder::new();
        builder.add_plain_text_syntax();
        builder.add(definition);
        builder.build()
    })
}

/// The D grammar inside [`syntax_set`].
pub fn d_syntax() -> &'static SyntaxReference {
    syntax_set()
        .find_syntax_by_scope(syntect::parsing::Scope::new("source.dtrace").expect("valid scope"))
        .expect("the D grammar is in the syntax set")
}
