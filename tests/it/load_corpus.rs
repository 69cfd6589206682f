//! Every compose file of the shared real-world corpus (`../shared/corpus`,
//! see its `MANIFEST.tsv`) goes through load + model: files marked `valid`
//! load without an error, files marked `invalid-*` get at least one error,
//! and nothing panics.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use podlift::diagnostic::{Diagnostics, Severity};
use podlift::load::{self, LoadOptions};
use podlift::model::{self, NameSources};
use podlift::source::Sources;

/// Invalid files that load + model accept, and why: what rejects them is a
/// later stage (plan) or another tool (kompose), not the compose loader.
const ACCEPTED_INVALID: &[(&str, &str)] = &[
    (
        "compose-go/loader/testdata/compose-depends-on-cycle.yaml",
        "a `depends_on` cycle: the plan stage checks start order",
    ),
    (
        "compose-go/loader/testdata/compose-depends-on-profile-no-cycle.yaml",
        "a `depends_on` cycle: the plan stage checks start order",
    ),
    (
        "compose-go/loader/testdata/compose-depends-on-self.yaml",
        "a service depending on itself: the plan stage checks start order",
    ),
    (
        "kompose/script/test/fixtures/dockerfilepath/compose.yaml",
        "a build context that does not exist: podlift does not build images",
    ),
    (
        "kompose/script/test/fixtures/etherpad/docker-compose-no-image.yml",
        "services with neither `image` nor `build`: the model does not require one yet",
    ),
    (
        "kompose/script/test/fixtures/image-pull-policy/compose-files/v12-fail-image-pull-policy.yml",
        "valid compose; only kompose rejects its `kompose.image-pull-policy` label",
    ),
    (
        "kompose/script/test/fixtures/label-port/docker-compose.yml",
        "valid compose; only kompose rejects `kompose.service.type: NodePort` without ports",
    ),
    (
        "kompose/script/test/fixtures/unused/v3/docker-compose-deploy.yaml",
        "`depends_on` names an undefined service: the plan stage checks it",
    ),
    (
        "kompose/script/test/fixtures/unused/v3/docker-compose-full-example.yaml",
        "`network_mode: container:` with `networks`, an undefined network: model/plan checks",
    ),
    (
        "kompose/script/test/fixtures/volume-mounts/named-volume/docker-compose-v3.yml",
        "a named volume not declared at the top level: the model does not check it yet",
    ),
    (
        "kompose/script/test/fixtures/volume-mounts/named-volume/docker-compose.yml",
        "a named volume not declared at the top level: the model does not check it yet",
    ),
];

/// Valid files that load + model reject, and why.
const REJECTED_VALID: &[(&str, &str)] = &[
    (
        "kompose/script/test/fixtures/volume-mounts/windows/compose.yaml",
        "the model does not read Windows paths (`C:\\...:D:\\...:rw`) in volume short syntax",
    ),
    (
        "kompose/script/test/fixtures/no-profile-warning/compose.yaml",
        "valid compose, but its only service is behind a profile: with none active there is nothing to convert (`no-services`)",
    ),
    (
        "compose-go/loader/testdata/include/project-directory.yaml",
        "its env_file `../subdir/extra.env` lies outside the project directory: podlift reads it only under `--allow-outside` (`host-file-outside`, issue 25)",
    ),
];

struct Row {
    path: String,
    expect: String,
    notes: String,
}

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.join("MANIFEST.tsv").is_file().then_some(dir)
}

fn rows(dir: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            (cols.get(4) == Some(&"compose")).then(|| Row {
                path: cols[0].to_string(),
                expect: cols.get(5).copied().unwrap_or("").to_string(),
                notes: cols.get(7).copied().unwrap_or("").to_string(),
            })
        })
        .collect()
}

/// The files to load for a row: partial overlays named in the notes come
/// after their base (`-f A -f B`, or `overlay of X`).
fn files_for(dir: &Path, row: &Row) -> Vec<PathBuf> {
    let file = dir.join(&row.path);
    let here = file.parent().unwrap().to_path_buf();
    if row.expect != "partial" {
        return vec![file];
    }
    let words: Vec<&str> = row.notes.split_whitespace().collect();
    let flagged: Vec<PathBuf> = words
        .windows(2)
        .filter(|w| w[0] == "-f")
        .map(|w| here.join(w[1].trim_end_matches([')', ','])))
        .collect();
    if flagged.len() >= 2 {
        return flagged;
    }
    let overlay_of = words
        .windows(3)
        .find(|w| w[0] == "overlay" && w[1] == "of")
        .map(|w| w[2].trim_end_matches([')', ',']));
    if let Some(base) = overlay_of {
        // "overlay of simple/compose.yaml" may name it from the parent directory
        let candidates = [here.join(base), here.parent().unwrap().join(base)];
        if let Some(base) = candidates.into_iter().find(|p| p.is_file()) {
            return vec![base, file];
        }
    }
    vec![file]
}

/// Variables an upstream test exports first (`export $(cat envs)`).
fn exported(file: &Path) -> BTreeMap<String, String> {
    let envs = file.parent().unwrap().join("envs");
    let Ok(text) = std::fs::read_to_string(envs) else {
        return BTreeMap::new();
    };
    load::dotenv::parse(
        &text,
        &BTreeMap::new(),
        &load::interpolate::Tally::default(),
    )
    .map(|pairs| pairs.into_iter().collect())
    .unwrap_or_default()
}

fn run(files: &[PathBuf], environment: &BTreeMap<String, String>) -> Diagnostics {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let options = LoadOptions {
        files: files.to_vec(),
        compose_file_env: None,
        working_dir: files[0].parent().unwrap().to_path_buf(),
        env_files: Vec::new(),
        profiles: Vec::new(),
        interpolate: true,
        environment: environment.clone(),
        stdin: None,
        path_separator: None,
        services: Vec::new(),
        exclude: Vec::new(),
        allow_outside: Vec::new(),
    };
    if let Some(document) = load::load(&options, &mut sources, &mut diagnostics) {
        let names = NameSources {
            flag: None,
            environment: None,
            directory: Some("corpus".into()),
        };
        let _ = model::model(document, &names, environment, &mut diagnostics);
    }
    diagnostics
}

fn first_error(diagnostics: &Diagnostics) -> String {
    diagnostics
        .items()
        .iter()
        .find(|d| d.severity == Severity::Error)
        .map(|d| format!("[{}] {}", d.code, d.message))
        .unwrap_or_default()
}

#[test]
fn corpus() {
    let Some(dir) = corpus_dir() else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "../shared/corpus is missing"
        );
        println!("SKIPPED: ../shared/corpus/MANIFEST.tsv not found");
        return;
    };
    let (mut valid_ok, mut valid_total, mut invalid_rejected, mut invalid_total) = (0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut panics = Vec::new();
    for row in rows(&dir) {
        let files = files_for(&dir, &row);
        let environment = if row.expect == "needs-env" || row.expect == "valid" {
            exported(&files[0])
        } else {
            BTreeMap::new()
        };
        let Ok(diagnostics) = catch_unwind(AssertUnwindSafe(|| run(&files, &environment))) else {
            panics.push(row.path.clone());
            continue;
        };
        let rejected = diagnostics.has_errors();
        match row.expect.as_str() {
            "valid" => {
                valid_total += 1;
                if rejected {
                    let known = REJECTED_VALID.iter().any(|(p, _)| *p == row.path);
                    println!(
                        "valid but rejected: {} {}",
                        row.path,
                        first_error(&diagnostics)
                    );
                    if !known {
                        failures.push(format!(
                            "{} (valid): {}",
                            row.path,
                            first_error(&diagnostics)
                        ));
                    }
                } else {
                    valid_ok += 1;
                }
            }
            e if e.starts_with("invalid") => {
                invalid_total += 1;
                if rejected {
                    invalid_rejected += 1;
                    println!(
                        "rejected as expected: {} {}",
                        row.path,
                        first_error(&diagnostics)
                    );
                } else {
                    println!("invalid but accepted: {}", row.path);
                    if !ACCEPTED_INVALID.iter().any(|(p, _)| *p == row.path) {
                        failures.push(format!("{} ({e}): accepted", row.path));
                    }
                }
            }
            other => println!(
                "{other}: {} {}",
                row.path,
                if rejected {
                    first_error(&diagnostics)
                } else {
                    "loads".into()
                }
            ),
        }
    }
    println!(
        "valid ok {valid_ok}/{valid_total}, invalid rejected {invalid_rejected}/{invalid_total}"
    );
    assert!(panics.is_empty(), "panicked on: {panics:#?}");
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}
