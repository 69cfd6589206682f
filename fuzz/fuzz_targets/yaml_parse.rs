//! YAML text → node tree: any text must give a tree or a diagnostic, never a
//! panic, a hang or unbounded memory (alias bombs, deep nesting).
#![no_main]

use libfuzzer_sys::fuzz_target;
use podlift::load::yaml;
use podlift::source::FileId;

fuzz_target!(|text: &str| {
    if let Err(diagnostic) = yaml::parse_with_tags(text, FileId(0)) {
        // A position, when there is one, lies inside the text.
        if let Some(span) = diagnostic.span {
            assert!(span.start + span.len <= text.len(), "{diagnostic:?}");
        }
    }
});
