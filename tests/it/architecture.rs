//! The structure docs/architecture.md describes, checked: which stage may
//! import which, that the library knows nothing of the command line, that
//! only load reads host files, and that every source file stays small
//! enough to read as one concept.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::repo;

/// The most lines a source file may have before its unit tests.
const MAX_LINES: usize = 600;

/// What each top-level module of the library may import from the others
/// (`crate::NAME`). A stage sees the stages before it, never after.
const ALLOWED: &[(&str, &[&str])] = &[
    ("source", &[]),
    // podlift's YAML writer: no stage.
    ("yaml_writer", &[]),
    ("diagnostic", &["explain", "source"]),
    ("explain", &[]),
    ("load", &["diagnostic", "source"]),
    ("model", &["load", "diagnostic", "source"]),
    (
        "config",
        &["model", "load", "diagnostic", "source", "yaml_writer"],
    ),
    // Reads images, then carries their facts into the model's project.
    ("images", &["model", "load", "diagnostic", "source"]),
    ("plan", &["model", "load", "diagnostic", "source"]),
    ("render", &["plan", "model", "diagnostic", "source"]),
    // `load` for its bounded file reads and path normalisation only.
    (
        "emit",
        &["render", "load", "diagnostic", "source", "yaml_writer"],
    ),
    ("report", &["plan", "render", "diagnostic", "source"]),
];

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The text of `file` before its `#[cfg(test)]` module.
fn code_of(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    match text.find("\n#[cfg(test)]") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// The top-level module a file under `src/` belongs to (`src/plan/split.rs` → `plan`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap();
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_owned()
}

/// The top-level modules `code` names as `crate::NAME`, also inside
/// `use crate::{a::X, b}` groups.
fn imported(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The names at depth 0 of the group.
            let mut depth = 0;
            let mut item_start = true;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if depth == 0 && item_start && (c.is_ascii_lowercase() || c == '_') => {
                        name.push(c);
                    }
                    _ if depth == 0 && item_start && !name.is_empty() => {
                        found.insert(std::mem::take(&mut name));
                        item_start = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                found.insert(name);
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_' || c.is_ascii_digit())
                .collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn stages_import_only_the_stages_before_them() {
    let src = repo().join("src");
    let mut wrong = Vec::new();
    for file in rust_files(&src) {
        let module = module_of(&src, &file);
        let Some((_, allowed)) = ALLOWED.iter().find(|(name, _)| *name == module) else {
            continue;
        };
        for name in imported(&code_of(&file)) {
            if name != module && !allowed.contains(&name.as_str()) {
                wrong.push(format!("{} imports crate::{name}", file.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against docs/architecture.md:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_library_knows_nothing_of_the_command_line() {
    let src = repo().join("src");
    let mut wrong = Vec::new();
    for file in rust_files(&src) {
        let relative = file.strip_prefix(&src).unwrap();
        if relative.starts_with("cli") || relative == Path::new("main.rs") {
            continue;
        }
        let code = code_of(&file);
        if code.contains("clap::") || code.contains("clap_complete") || code.contains("crate::cli")
        {
            wrong.push(file.display().to_string());
        }
    }
    assert!(
        wrong.is_empty(),
        "library files that use clap or the cli module:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn emit_knows_nothing_of_the_plan() {
    let src = repo().join("src");
    let mut files = rust_files(&src.join("emit"));
    files.push(src.join("emit.rs"));
    let wrong: Vec<String> = files
        .iter()
        .filter(|file| file.exists() && imported(&code_of(file)).contains("plan"))
        .map(|file| file.display().to_string())
        .collect();
    assert!(wrong.is_empty(), "emit files that use the plan: {wrong:?}");
}

/// Host files are read in load, through its one resolver: the stages after
/// it open no file of the project (`images` reads archives and caches
/// through load's opener, `emit` writes). On main the model read bind-mount
/// contents itself (`read_dir`, `std::fs::metadata`).
#[test]
fn only_load_reads_host_files() {
    // The file system, and the resolver's reading and resolving methods.
    const OPENS: &[&str] = &[
        "std::fs",
        "File::open",
        "OpenOptions",
        "open_no_follow",
        "host.read",
        "host.resolve",
        "files.resolve(",
        "read_resolved(",
        "peek(&resolved",
    ];
    let src = repo().join("src");
    let mut wrong = Vec::new();
    for module in ["model", "plan", "render", "config", "report"] {
        let mut files = rust_files(&src.join(module));
        files.push(src.join(format!("{module}.rs")));
        for file in files.iter().filter(|file| file.exists()) {
            let code = code_of(file);
            for open in OPENS.iter().filter(|open| code.contains(*open)) {
                wrong.push(format!("{}: {open}", file.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "files after load that read the host:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn every_source_file_is_at_most_600_lines_before_its_tests() {
    let src = repo().join("src");
    let long: Vec<String> = rust_files(&src)
        .iter()
        .filter_map(|file| {
            let lines = code_of(file).lines().count();
            (lines > MAX_LINES).then(|| format!("{}: {lines} lines", file.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines before #[cfg(test)]:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_import_scan_reads_groups() {
    let found = imported("use crate::{plan::{Plan, PodPlan}, render};\nlet x = crate::emit::f();");
    let expected: BTreeSet<String> = ["plan", "render", "emit"].map(String::from).into();
    assert_eq!(found, expected);
}

/// The plan's errors `podlift config` refuses a file for, as compose does:
/// `plan::check_references` finds exactly these.
const REFERENCE_ERRORS: &[&str] = &[
    "bind-private",
    "config-undeclared",
    "depends-on-cycle",
    "depends-on-self",
    "depends-on-unknown",
    "image-missing",
    "network-mode-networks",
    "network-mode-target",
    "network-undeclared",
    "secret-undeclared",
    "volume-undeclared",
    "volumes-from-unknown",
];

/// The plan's errors about what a cluster cannot hold: compose accepts the
/// file, so `config` prints it and only `convert` refuses.
const CLUSTER_ERRORS: &[&str] = &[
    "address-cluster-range",
    "address-duplicate",
    "address-outside-subnet",
    "address-reserved",
    "bind-node-control",
    "bind-not-carried",
    "docker-socket",
    // compose accepts the file (`config`), and refuses `up`.
    "healthy-none",
    "network-mode-host",
    "network-mode-none",
    "no-services",
    "port-conflict",
    // compose runs a provider binary; a cluster has none
    "provider-service",
    "replicas",
    "replicas-stateful",
    "scale-zero-needed",
    "service-name-reserved",
    "user-invalid",
];

/// The codes of `Diagnostic::error(…)` in `code` (also `if … { "a" } else { "b" }`).
fn error_codes(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("Diagnostic::error(") {
        let rest = code[at + "Diagnostic::error(".len()..].trim_start();
        let head = if rest.starts_with("if ") {
            rest.find("},").map_or(rest, |end| &rest[..end])
        } else {
            rest.find(',').map_or(rest, |end| &rest[..end])
        };
        for literal in head.split('"').skip(1).step_by(2) {
            if !literal.is_empty()
                && literal
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                found.insert(literal.to_owned());
            }
        }
    }
    found
}

/// A new error of the plan stage must say whether compose refuses the file
/// for it too: then `plan::check_references` must find it (and `config`
/// refuses the file), else `config` prints the project and only `convert`
/// refuses. Without this, a new reference check would silently be missing
/// from `config`.
#[test]
fn every_plan_error_is_a_reference_error_or_a_cluster_error() {
    let src = repo().join("src");
    let mut files = rust_files(&src.join("plan"));
    files.push(src.join("plan.rs"));
    let mut codes = BTreeSet::new();
    for file in &files {
        codes.extend(error_codes(&code_of(file)));
    }
    let classified: BTreeSet<String> = REFERENCE_ERRORS
        .iter()
        .chain(CLUSTER_ERRORS)
        .map(|c| (*c).to_owned())
        .collect();
    let unclassified: Vec<&String> = codes.difference(&classified).collect();
    assert!(
        unclassified.is_empty(),
        "plan errors neither in REFERENCE_ERRORS (add them to plan::check_references too) nor in CLUSTER_ERRORS: {unclassified:?}"
    );
    let stale: Vec<&String> = classified.difference(&codes).collect();
    assert!(stale.is_empty(), "no longer emitted by the plan: {stale:?}");
    assert!(
        REFERENCE_ERRORS.iter().all(|c| !CLUSTER_ERRORS.contains(c)),
        "a code in both lists"
    );
    // The lists agree with the table's classes, which `config` decides by.
    for (list, class) in [
        (REFERENCE_ERRORS, podlift::explain::Class::Refused),
        (CLUSTER_ERRORS, podlift::explain::Class::Cluster),
    ] {
        for code in list {
            assert_eq!(
                podlift::explain::class(code),
                Some(class),
                "`{code}`: its class in src/explain/"
            );
        }
    }
}
