//! The structure docs/architecture.md describes, checked: which stage may
//! import which, that the library knows nothing of the command line, that
//! only load reads host files, and that every source file stays small
//! enough to read as one concept.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use podlift::diagnostic::{Class, Severity};

use crate::common::{Test, repo};

/// The most lines a source file may have before its unit tests.
const MAX_LINES: usize = 600;

/// What each top-level module of the library may import from the others
/// (`crate::NAME`). A stage sees the stages before it, never after.
const ALLOWED: &[(&str, &[&str])] = &[
    ("source", &[]),
    // podlift's YAML writer: no stage.
    ("yaml_writer", &[]),
    ("diagnostic", &["source"]),
    ("explain", &["diagnostic"]),
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

/// `podlift config` refuses a file for what compose refuses it for, and
/// prints one that only a cluster would refuse: the plan's errors of class
/// `Refused` must be found by `plan::check_references` (which `config` runs;
/// add a new one there), its `Cluster` errors must not stop `config`. Each
/// such code's example goes through `config`. (While codes were strings, two
/// lists of codes here mirrored the classes; the class is now the code's.)
#[test]
fn config_refuses_the_plan_errors_compose_refuses_and_only_those() {
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (code, places) in crate::explain::emitted() {
        let made_by_plan = places
            .iter()
            .any(|(severity, stage)| *severity == Severity::Error && stage == "plan");
        if !made_by_plan || crate::explain::ILLUSTRATIVE.contains(&code) {
            continue;
        }
        let example = podlift::explain::of(code).unwrap().example;
        let (_, files) = crate::explain::example_files(example);
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let run = Test::new().current_dir(dir.path()).args(["config"]).run();
        let refused = run.stderr.contains(&format!("error[{code}]"));
        checked += 1;
        match code.class() {
            Some(Class::Refused) if !refused => wrong.push(format!(
                "{code}: compose refuses its example, `config` does not:\n{}",
                run.stderr
            )),
            Some(Class::Cluster) if refused => wrong.push(format!(
                "{code}: only a cluster refuses it, but `config` does"
            )),
            Some(Class::Refused | Class::Cluster) => {}
            class => wrong.push(format!("{code}: an error of the plan, of class {class:?}")),
        }
    }
    assert!(checked > 20, "the plan's errors were found ({checked})");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
