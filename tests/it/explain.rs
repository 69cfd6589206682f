//! `podlift explain`, and that every code the program can emit is explained
//! (in `src/explain.rs`, and so in `podlift explain` and `docs/diagnostics.md`).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{Test, repo};
use podlift::diagnostic::{Class, Code, Severity, Stage};

/// Where each code is made: for every `Diagnostic::error`, `::warning` and
/// `::note` in the library's source, each code (`Code::Variant`) in the
/// call's first argument (so `if secret { Code::SecretUndeclared } else {
/// Code::ConfigUndeclared }` yields both), with the call's severity and stage
/// (the module it is in). Test modules (`#[cfg(test)] mod …`) are left out.
/// The compiler already refuses a code that does not exist or has no
/// explanation; what it cannot see is which severity and stage each place
/// gives a code, which the table must agree with.
pub fn emitted() -> BTreeMap<Code, Vec<(Severity, String)>> {
    let mut files = Vec::new();
    let src = repo().join("src");
    collect_rust_files(&src, &mut files);
    assert!(files.len() > 10, "the scan found the source files");
    let variants: BTreeMap<String, Code> = Code::ALL
        .iter()
        .map(|code| (format!("{code:?}"), *code))
        .collect();
    let mut codes: BTreeMap<Code, Vec<(Severity, String)>> = BTreeMap::new();
    let mut calls = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let text = without_test_modules(&text);
        let module = file
            .strip_prefix(&src)
            .unwrap()
            .components()
            .next()
            .unwrap();
        let module = module.as_os_str().to_str().unwrap().trim_end_matches(".rs");
        // `lib.rs` reads `x-podlift.allow` from the model.
        let stage = if module == "lib" { "model" } else { module };
        for (constructor, severity) in [
            ("Diagnostic::error(", Severity::Error),
            ("Diagnostic::warning(", Severity::Warning),
            ("Diagnostic::note(", Severity::Note),
        ] {
            for (at, _) in text.match_indices(constructor) {
                calls += 1;
                let argument = first_argument(&text[at + constructor.len()..]);
                let named = code_variants(argument);
                assert!(
                    !named.is_empty(),
                    "{}: the code of `{constructor}` must be written `Code::Variant` (or several in an `if`), found `{argument}`",
                    file.display()
                );
                for name in named {
                    let code = variants.get(&name).unwrap_or_else(|| {
                        panic!("{}: `Code::{name}` is not a code", file.display())
                    });
                    codes
                        .entry(*code)
                        .or_default()
                        .push((severity, stage.to_owned()));
                }
            }
        }
    }
    assert!(calls > 50, "the scan found the diagnostics ({calls} calls)");
    codes
}

fn emitted_codes() -> BTreeSet<Code> {
    emitted().into_keys().collect()
}

fn collect_rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text before the first `#[cfg(test)]` that opens a module.
fn without_test_modules(text: &str) -> &str {
    let mut from = 0;
    while let Some(found) = text[from..].find("#[cfg(test)]") {
        let at = from + found;
        let after = text[at + "#[cfg(test)]".len()..].trim_start();
        if after.starts_with("mod ") {
            return &text[..at];
        }
        from = at + 1;
    }
    text
}

/// The text up to the `,` or `)` that ends the first argument.
fn first_argument(text: &str) -> &str {
    let mut depth = 0i32;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' | '{' | '[' => depth += 1,
            ')' | '}' | ']' if depth > 0 => depth -= 1,
            ',' | ')' if depth == 0 => return &text[..i],
            _ => {}
        }
    }
    text
}

/// The `X` of each `Code::X` in `text`.
fn code_variants(text: &str) -> Vec<String> {
    text.match_indices("Code::")
        .map(|(at, _)| {
            text[at + "Code::".len()..]
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect()
        })
        .collect()
}

/// The table's class of a code is what its diagnostics are made as: an
/// error class only with `Diagnostic::error` (and a cluster error may be a
/// warning where the Pod can hold it), a warning at most as a warning (a
/// note where it is harmless), a note only as a note; its stage is the
/// first that makes it.
#[test]
fn every_code_is_made_with_its_class_and_stage() {
    let mut wrong = Vec::new();
    for (code, places) in emitted() {
        let (Some(class), Some(stage)) = (code.class(), code.stage()) else {
            wrong.push(format!(
                "{code}: made as a finding of the input, but has no class"
            ));
            continue;
        };
        let strongest = places.iter().map(|(s, _)| *s).max().unwrap();
        let expected = match class {
            Class::Refused | Class::Cluster => Severity::Error,
            Class::Warning => Severity::Warning,
            Class::Note => Severity::Note,
        };
        if strongest != expected {
            wrong.push(format!(
                "{code}: class {class:?}, but made as {}",
                strongest.as_str()
            ));
        }
        if class == Class::Refused && places.iter().any(|(s, _)| *s != Severity::Error) {
            wrong.push(format!(
                "{code}: class Refused, but also made as a warning or note"
            ));
        }
        let first = places
            .iter()
            .map(|(_, stage)| stage.as_str())
            .min_by_key(|stage| stage_order(stage))
            .unwrap();
        if stage.name() != first {
            wrong.push(format!(
                "{code}: stage {}, but first made in {first}",
                stage.name()
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(
        podlift::explain::find("command").is_none()
            && podlift::explain::of(Code::Command).is_none(),
        "errors of the command line have no entry"
    );
}

/// Where a module's stage comes in the pipeline.
fn stage_order(module: &str) -> usize {
    [
        Stage::Load,
        Stage::Model,
        Stage::Images,
        Stage::Plan,
        Stage::Render,
    ]
    .iter()
    .position(|s| s.name() == module)
    .unwrap_or_else(|| panic!("diagnostics made outside a stage, in `{module}`"))
}

/// A code no place makes is a stale entry in the table (a variant the
/// compiler does not see unused: it is public).
#[test]
fn every_code_is_made_somewhere() {
    let emitted = emitted_codes();
    let stale: Vec<&Code> = Code::ALL
        .iter()
        .filter(|code| !emitted.contains(*code))
        .collect();
    assert!(stale.is_empty(), "in the table but never made: {stale:?}");
}

#[test]
fn explanations_are_complete() {
    assert_eq!(podlift::explain::EXPLANATIONS.len(), Code::ALL.len());
    for (e, code) in podlift::explain::EXPLANATIONS.iter().zip(Code::ALL) {
        assert_eq!(e.code, *code, "the table follows `Code::ALL`");
        for (field, text) in [
            ("title", e.title),
            ("meaning", e.meaning),
            ("kubernetes", e.kubernetes),
            ("remedy", e.remedy),
            ("example", e.example),
        ] {
            assert!(!text.trim().is_empty(), "`{}` has an empty {field}", e.code);
        }
        assert!(
            e.example.ends_with('\n'),
            "`{}`: the example ends with a newline",
            e.code
        );
    }
}

/// `PODLIFT_UPDATE_DOCS=1 cargo test --test it explain` rewrites the page.
#[test]
fn docs_diagnostics_md_is_generated_from_the_table() {
    let path = repo().join("docs/diagnostics.md");
    let generated = podlift::explain::markdown();
    if std::env::var_os("PODLIFT_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        written == generated,
        "docs/diagnostics.md is out of date: run `PODLIFT_UPDATE_DOCS=1 cargo test --test it explain`"
    );
}

#[test]
fn explain_prints_what_a_code_means_and_what_to_do() {
    let run = Test::new().args(["explain", "address-duplicate"]).success();
    assert!(
        run.stdout
            .starts_with("address-duplicate: two services declare the same preset address\n")
    );
    for heading in [
        "What it means",
        "Why it matters on Kubernetes",
        "What to do",
        "Example",
    ] {
        assert!(
            run.stdout.contains(&format!("\n{heading}\n")),
            "{heading}:\n{}",
            run.stdout
        );
    }
    assert!(run.stderr.is_empty());
    // As pasted from a diagnostic's headline.
    let pasted = Test::new()
        .args(["explain", "error[address-duplicate]"])
        .success();
    assert_eq!(pasted.stdout, run.stdout);
}

#[test]
fn explain_alone_lists_every_code() {
    let run = Test::new().args(["explain"]).success();
    for e in podlift::explain::EXPLANATIONS {
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(e.code.as_str()) && l.ends_with(e.title)),
            "{} missing from the list",
            e.code
        );
    }
}

#[test]
fn an_unknown_code_is_a_usage_error_with_a_suggestion() {
    let run = Test::new().args(["explain", "adress-duplicate"]).failure(2);
    assert_eq!(
        run.stderr,
        "error: unknown diagnostic code `adress-duplicate`\n  help: did you mean `address-duplicate`? `podlift explain` lists every code\n"
    );
}

#[test]
fn the_scan_reads_conditional_codes_and_skips_test_modules() {
    assert_eq!(
        code_variants(first_argument(
            r#"if s { Code::SecretUndeclared } else { Code::ConfigUndeclared }, format!("x, y")"#
        )),
        ["SecretUndeclared", "ConfigUndeclared"]
    );
    assert_eq!(
        without_test_modules("a\n#[cfg(test)]\nfn f() {}\n#[cfg(test)]\nmod tests {}"),
        "a\n#[cfg(test)]\nfn f() {}\n"
    );
}

/// Examples that only illustrate: they need a huge file, a missing file, or
/// a setup a few lines cannot give (an image archive for `--inspect-images`:
/// tests/it/images_carry.rs gives those codes).
pub const ILLUSTRATIVE: &[Code] = &[
    Code::CopyUpImpossible,
    Code::HealthyNone,
    Code::ImageCopyUp,
    Code::ImageHealthcheck,
    Code::ImagePinned,
    Code::ImagePorts,
    Code::ImageUser,
    Code::ImageVolume,
    Code::PinNoDigest,
    Code::InterpolationDepth,
    Code::LimitHostFiles,
    Code::LimitIncludes,
    Code::LimitServices,
    Code::NoComposeFile,
    Code::ObjectTooLarge,
];

/// An example's flags (from a first line `# podlift convert ARGS`) and files
/// (`compose.yaml`, then one per `# file: NAME` line).
pub fn example_files(example: &str) -> (Vec<String>, Vec<(String, String)>) {
    let mut args = Vec::new();
    let mut files = vec![("compose.yaml".to_string(), String::new())];
    for (i, line) in example.lines().enumerate() {
        if i == 0
            && let Some(flags) = line
                .strip_prefix("# podlift convert")
                .or_else(|| line.strip_prefix("# podlift check"))
        {
            args = flags.split_whitespace().map(String::from).collect();
            continue;
        }
        if let Some(name) = line.strip_prefix("# file: ") {
            files.push((name.trim().to_string(), String::new()));
            continue;
        }
        let current = &mut files.last_mut().unwrap().1;
        current.push_str(line);
        current.push('\n');
    }
    (args, files)
}

#[test]
fn every_example_gives_its_code() {
    let mut wrong = Vec::new();
    for e in podlift::explain::EXPLANATIONS {
        if ILLUSTRATIVE.contains(&e.code) {
            continue;
        }
        let (args, files) = example_files(e.example);
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check", "--format", "json"])
            .args(&args)
            .run();
        let report: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|_| panic!("{}: no JSON report: {}", e.code, run.stderr));
        let codes: Vec<&str> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        if !codes.contains(&e.code.as_str()) {
            wrong.push(format!("{}: the example gives {codes:?}", e.code));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
