//! Interpolation of one string against a small fixed environment: any string
//! gives a value or a problem, never a panic; `$$` always becomes `$`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podlift::load::interpolate::{Problem, substitute};

fn lookup(name: &str) -> Option<String> {
    match name {
        "SET" => Some("value".into()),
        "EMPTY" => Some(String::new()),
        "DOLLAR" => Some("$$ ${SET}".into()),
        "_" => Some("_".into()),
        _ => None,
    }
}

fuzz_target!(|template: &str| {
    match substitute(template, &lookup) {
        Ok((_, missing)) => {
            for (_, at) in missing {
                assert!(at.start < at.end && at.end <= template.len());
            }
        }
        Err(
            Problem::Invalid(at)
            | Problem::TooDeep(at)
            | Problem::TooLong(at)
            | Problem::Required { at, .. },
        ) => {
            assert!(at.start < at.end && at.end <= template.len());
        }
    }
    // A template without `$` comes back unchanged.
    if !template.contains('$') {
        assert_eq!(
            substitute(template, &lookup).map(|(s, _)| s).as_deref(),
            Ok(template)
        );
    }
});
