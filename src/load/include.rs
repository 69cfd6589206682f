//! Top-level `include`: other compose files whose resources join this one.
//!
//! An entry is a path, or a mapping with `path` (one or a list, merged in
//! order), `project_directory` (where the included file's relative paths
//! resolve; by default its own directory) and `env_file` (its variables; by
//! default `.env` in that directory). Paths are relative to the including
//! file. A resource defined both here and in an included file is an error,
//! as in compose. Include cycles are errors.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

use super::host_files::Use;
use super::interpolate::Variables;
use super::project_files::EnvFile;
use super::yaml::{Node, Value};
use super::{Loader, merge, paths};

/// The top-level sections whose entries an included file contributes.
const SECTIONS: &[&str] = &[
    "services", "networks", "volumes", "secrets", "configs", "models",
];

/// One `include` entry.
struct Entry {
    paths: Vec<(String, Span)>,
    project_directory: Option<String>,
    env_files: Vec<(String, Span)>,
}

/// Resolves the `include` of `doc` (read from a file in `dir`) and removes it.
pub(crate) fn apply(loader: &mut Loader<'_>, doc: &mut Node, dir: &Path, variables: &Variables) {
    let Value::Map(sections) = &mut doc.value else {
        return;
    };
    let Some(position) = sections
        .iter()
        .position(|(k, _)| k.as_str() == Some("include"))
    else {
        return;
    };
    let (_, include) = sections.remove(position);
    let entries = match &include.value {
        Value::Seq(items) => items.iter().filter_map(|i| entry(loader, i)).collect(),
        Value::Null => Vec::new(),
        _ => {
            loader.diagnostics.push(
                Diagnostic::error(
                    Code::IncludeSyntax,
                    format!("`include` must be a list, found {}", include.type_name()),
                )
                .at(include.span)
                .help("write `include: [other.yaml]`"),
            );
            Vec::new()
        }
    };
    for entry in entries {
        if let Some(included) = load_entry(loader, &entry, dir, variables) {
            add(loader, doc, included);
        }
    }
}

fn entry(loader: &mut Loader<'_>, item: &Node) -> Option<Entry> {
    let strings = |node: Option<&Node>| -> Vec<(String, Span)> {
        match node {
            Some(n) => match &n.value {
                Value::Seq(items) => items
                    .iter()
                    .filter_map(|i| Some((i.scalar()?, i.span)))
                    .collect(),
                _ => n.scalar().map(|s| (s, n.span)).into_iter().collect(),
            },
            None => Vec::new(),
        }
    };
    let entry = match &item.value {
        Value::String(path) => Entry {
            paths: vec![(path.clone(), item.span)],
            project_directory: None,
            env_files: Vec::new(),
        },
        Value::Map(_) => Entry {
            paths: strings(item.get("path")),
            project_directory: item.get("project_directory").and_then(Node::scalar),
            env_files: strings(item.get("env_file")),
        },
        _ => Entry {
            paths: Vec::new(),
            project_directory: None,
            env_files: Vec::new(),
        },
    };
    if entry.paths.is_empty() {
        loader.diagnostics.push(
            Diagnostic::error(Code::IncludeSyntax, "an `include` entry names no file")
                .at(item.span)
                .help("write a path, or a mapping with `path:`"),
        );
        return None;
    }
    Some(entry)
}

fn load_entry(
    loader: &mut Loader<'_>,
    entry: &Entry,
    dir: &Path,
    variables: &Variables,
) -> Option<Node> {
    let files: Vec<(PathBuf, Span)> = entry
        .paths
        .iter()
        .map(|(p, span)| (paths::normalize(&dir.join(p)), *span))
        .collect();
    let first_dir = files
        .first()
        .and_then(|(p, _)| p.parent())
        .map_or_else(|| dir.to_path_buf(), Path::to_path_buf);
    let project_dir = entry
        .project_directory
        .as_ref()
        .map_or(first_dir, |d| paths::normalize(&dir.join(d)));
    let first_span = entry.paths.first().map(|(_, span)| *span);
    let env_files: Vec<EnvFile> = if entry.env_files.is_empty() {
        vec![EnvFile {
            path: project_dir.join(".env"),
            required: false,
            named_by: Some((Use::Include, first_span)),
        }]
    } else {
        entry
            .env_files
            .iter()
            .map(|(f, span)| EnvFile {
                path: paths::normalize(&dir.join(f)),
                required: true,
                named_by: Some((Use::Include, Some(*span))),
            })
            .collect()
    };
    let values = loader.env_files(&env_files)?;
    let own = Variables::new(vec![loader.environment().clone(), values]).then(variables);
    let mut merged: Option<Node> = None;
    for (path, span) in &files {
        let node = loader.load_file(path, &own, Some(*span))?;
        merged = Some(match merged {
            None => {
                let mut node = node;
                merge::strip_resets(&mut node, &loader.tags);
                node
            }
            Some(base) => merge::merge_documents(base, node, &loader.tags, loader.diagnostics),
        });
    }
    let mut merged = merged?;
    paths::rebase_document(&mut merged, &project_dir, dir);
    Some(merged)
}

/// Adds the resources of `included` to `doc`; a name defined in both is an error.
fn add(loader: &mut Loader<'_>, doc: &mut Node, included: Node) {
    let Value::Map(included_sections) = included.value else {
        return;
    };
    let Value::Map(sections) = &mut doc.value else {
        return;
    };
    for (key, section) in included_sections {
        let Some(name) = key
            .as_str()
            .filter(|k| SECTIONS.contains(k))
            .map(String::from)
        else {
            continue;
        };
        let Value::Map(entries) = section.value else {
            continue;
        };
        let existing = sections
            .iter_mut()
            .find(|(k, _)| k.as_str() == Some(name.as_str()));
        let Some((_, target)) = existing else {
            sections.push((
                key,
                Node {
                    value: Value::Map(entries),
                    span: section.span,
                },
            ));
            continue;
        };
        if matches!(target.value, Value::Null) {
            target.value = Value::Map(Vec::new());
        }
        let Value::Map(target_entries) = &mut target.value else {
            continue;
        };
        for (k, v) in entries {
            let resource = k.scalar().unwrap_or_default();
            if let Some((own, _)) = target_entries.iter().find(|(t, _)| t.scalar_is(&resource)) {
                let singular = name.trim_end_matches('s');
                loader.diagnostics.push(
                    Diagnostic::error(
                        Code::IncludeConflict,
                        format!(
                            "{singular} `{resource}` is defined here and in a file this one includes"
                        ),
                    )
                    .at(own.span)
                    .help("rename one of them, or remove it from the included file"),
                );
                continue;
            }
            target_entries.push((k, v));
        }
    }
}
