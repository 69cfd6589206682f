//! `podlift explain`, and that every code the program can emit is explained
//! (in `src/explain.rs`, and so in `podlift explain` and `docs/diagnostics.md`).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{Test, repo};
use podlift::diagnostic::Severity;
use podlift::explain::{Class, Stage};

/// Every code passed to `Diagnostic::error`, `::warning` or `::note` in the
/// library's source: each string literal in the call's first argument (so
/// `if secret { "secret-undeclared" } else { "config-undeclared" }` yields
/// both), with each place's severity and stage (the module it is in).
/// Test modules (`#[cfg(test)] mod …`) are left out.
fn emitted() -> BTreeMap<String, Vec<(Severity, String)>> {
    let mut files = Vec::new();
    let src = repo().join("src");
    collect_rust_files(&src, &mut files);
    assert!(files.len() > 10, "the scan found the source files");
    let mut codes: BTreeMap<String, Vec<(Severity, String)>> = BTreeMap::new();
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
                let literals = string_literals(argument);
                assert!(
                    !literals.is_empty(),
                    "{}: the code of `{constructor}` must be a string literal (or literals in an `if`), found `{argument}`",
                    file.display()
                );
                for code in literals {
                    codes
                        .entry(code)
                        .or_default()
                        .push((severity, stage.to_owned()));
                }
            }
        }
    }
    assert!(calls > 50, "the scan found the diagnostics ({calls} calls)");
    codes
}

fn emitted_codes() -> BTreeSet<String> {
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

fn string_literals(text: &str) -> Vec<String> {
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(ToString::to_string)
        .collect()
}

#[test]
fn every_code_the_program_can_emit_is_explained() {
    let emitted = emitted_codes();
    let missing: Vec<&String> = emitted
        .iter()
        .filter(|code| podlift::explain::find(code).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without an entry in src/explain.rs: {missing:?}"
    );
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
        let Some(e) = podlift::explain::find(&code) else {
            continue; // every_code_the_program_can_emit_is_explained
        };
        let strongest = places.iter().map(|(s, _)| *s).max().unwrap();
        let expected = match e.class {
            Class::Refused | Class::Cluster => Severity::Error,
            Class::Warning => Severity::Warning,
            Class::Note => Severity::Note,
        };
        if strongest != expected {
            wrong.push(format!(
                "{code}: class {:?}, but made as {}",
                e.class,
                strongest.as_str()
            ));
        }
        if e.class == Class::Refused && places.iter().any(|(s, _)| *s != Severity::Error) {
            wrong.push(format!(
                "{code}: class Refused, but also made as a warning or note"
            ));
        }
        let first = places
            .iter()
            .map(|(_, stage)| stage.as_str())
            .min_by_key(|stage| stage_order(stage))
            .unwrap();
        if e.stage.name() != first {
            wrong.push(format!(
                "{code}: stage {}, but first made in {first}",
                e.stage.name()
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    assert!(
        podlift::explain::find(podlift::diagnostic::COMMAND).is_none(),
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

#[test]
fn every_explanation_is_of_a_code_the_program_emits() {
    let emitted = emitted_codes();
    let stale: Vec<&str> = podlift::explain::EXPLANATIONS
        .iter()
        .map(|e| e.code)
        .filter(|code| !emitted.contains(*code))
        .collect();
    assert!(stale.is_empty(), "explained but never emitted: {stale:?}");
}

#[test]
fn explanations_are_sorted_unique_and_complete() {
    let codes: Vec<&str> = podlift::explain::EXPLANATIONS
        .iter()
        .map(|e| e.code)
        .collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted, "sorted by code, each once");
    for e in podlift::explain::EXPLANATIONS {
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
                .any(|l| l.starts_with(e.code) && l.ends_with(e.title)),
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
        string_literals(first_argument(
            r#"if s { "secret-undeclared" } else { "config-undeclared" }, format!("x, y")"#
        )),
        ["secret-undeclared", "config-undeclared"]
    );
    assert_eq!(
        without_test_modules("a\n#[cfg(test)]\nfn f() {}\n#[cfg(test)]\nmod tests {}"),
        "a\n#[cfg(test)]\nfn f() {}\n"
    );
}

/// Examples that only illustrate: they need a huge file, a missing file, or
/// a setup a few lines cannot give (an image archive for `--inspect-images`:
/// tests/it/images_carry.rs gives those codes).
const ILLUSTRATIVE: &[&str] = &[
    "copy-up-impossible",
    "healthy-none",
    "image-copy-up",
    "image-healthcheck",
    "image-pinned",
    "image-ports",
    "image-user",
    "image-volume",
    "pin-no-digest",
    "interpolation-depth",
    "limit-host-files",
    "limit-includes",
    "limit-services",
    "no-compose-file",
    "object-too-large",
];

/// An example's flags (from a first line `# podlift convert ARGS`) and files
/// (`compose.yaml`, then one per `# file: NAME` line).
fn example_files(example: &str) -> (Vec<String>, Vec<(String, String)>) {
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
        if !codes.contains(&e.code) {
            wrong.push(format!("{}: the example gives {codes:?}", e.code));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for code in ILLUSTRATIVE {
        assert!(
            podlift::explain::find(code).is_some(),
            "{code} is still a code"
        );
    }
}
