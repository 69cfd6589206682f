//! Loading: finds the compose files, reads them, parses YAML with positions and
//! merges several files into one document.
//!
//! Input: file names (or none: the default names in the working directory).
//! Output: a [`Document`]; problems are diagnostics with file positions.

pub mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::Sources;
use yaml::{Node, Value};

/// File names docker compose looks for, in its order of preference.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The largest compose file podlift reads.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What to load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files, in order.
    pub files: Vec<PathBuf>,
    /// `COMPOSE_FILE`, `:`-separated, used when `files` is empty.
    pub compose_file_env: Option<String>,
    /// Where relative names resolve and default files are looked for.
    pub working_dir: PathBuf,
    /// `--env-file` files, in order (later ones win).
    pub env_files: Vec<PathBuf>,
    /// `--profile` values plus `COMPOSE_PROFILES`.
    pub profiles: Vec<String>,
    /// Whether `${VAR}` is interpolated (`--no-interpolate` turns it off).
    pub interpolate: bool,
    /// The process environment (wins over env files).
    pub environment: BTreeMap<String, String>,
}

/// The loaded, merged compose document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The merged YAML tree.
    pub root: Node,
    /// The directory of the first file: relative paths resolve against it.
    pub project_dir: PathBuf,
}

/// Loads and merges the compose files.
///
/// # Errors
/// `None` when no document could be loaded; the reasons are in `diagnostics`.
pub fn load(
    options: &LoadOptions,
    sources: &mut Sources,
    diagnostics: &mut Diagnostics,
) -> Option<Document> {
    let paths = resolve_files(options, diagnostics)?;
    let mut merged: Option<Node> = None;
    let mut failed = false;
    for path in &paths {
        let shown = display_path(path, &options.working_dir);
        let Some(text) = read_file(path, &shown, diagnostics) else {
            failed = true;
            continue;
        };
        let file = sources.add(&shown, text);
        let text = sources
            .get(file)
            .map(|f| f.text.clone())
            .unwrap_or_default();
        if text.trim().is_empty() {
            diagnostics.push(
                Diagnostic::error("file-empty", format!("`{}` is empty", shown.display()))
                    .help("a compose file needs at least a `services:` mapping"),
            );
            failed = true;
            continue;
        }
        match yaml::parse(&text, file) {
            Ok(node) => {
                merged = Some(match merged {
                    None => node,
                    Some(base) => merge(base, node),
                });
            }
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                failed = true;
            }
        }
    }
    if failed {
        return None;
    }
    let project_dir = paths
        .first()
        .and_then(|p| p.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    merged.map(|root| Document { root, project_dir })
}

fn resolve_files(options: &LoadOptions, diagnostics: &mut Diagnostics) -> Option<Vec<PathBuf>> {
    let named: Vec<PathBuf> = if options.files.is_empty() {
        options
            .compose_file_env
            .as_deref()
            .filter(|v| !v.is_empty())
            .map(|v| {
                v.split(':')
                    .filter(|p| !p.is_empty())
                    .map(PathBuf::from)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        options.files.clone()
    };
    if !named.is_empty() {
        return Some(
            named
                .into_iter()
                .map(|p| {
                    if p.is_absolute() || p == Path::new("-") {
                        p
                    } else {
                        options.working_dir.join(p)
                    }
                })
                .collect(),
        );
    }
    let found = DEFAULT_FILES
        .iter()
        .map(|name| options.working_dir.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        diagnostics.push(
            Diagnostic::error(
                "no-compose-file",
                format!("no compose file in `{}`", options.working_dir.display()),
            )
            .help(format!(
                "name one with `-f FILE`, or create one of: {}",
                DEFAULT_FILES.join(", ")
            )),
        );
    }
    found.map(|p| vec![p])
}

fn read_file(path: &Path, shown: &Path, diagnostics: &mut Diagnostics) -> Option<String> {
    let fail = |diagnostics: &mut Diagnostics, why: String, help: &str| {
        diagnostics.push(
            Diagnostic::error(
                "file-unreadable",
                format!("cannot read `{}`: {why}", shown.display()),
            )
            .help(help.to_string()),
        );
    };
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            fail(
                diagnostics,
                "it is a directory".into(),
                "name the compose file inside it",
            );
            return None;
        }
        Ok(meta) if meta.len() > MAX_FILE_BYTES => {
            fail(
                diagnostics,
                format!(
                    "it has {} bytes, more than the limit of {MAX_FILE_BYTES}",
                    meta.len()
                ),
                "a compose file this large is not a compose file; check the path",
            );
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            fail(
                diagnostics,
                e.to_string().to_lowercase(),
                "check the path and its permissions",
            );
            return None;
        }
    }
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                fail(
                    diagnostics,
                    "it is not UTF-8 text".into(),
                    "save the file as UTF-8",
                );
                None
            }
        },
        Err(e) => {
            fail(
                diagnostics,
                e.to_string().to_lowercase(),
                "check the path and its permissions",
            );
            None
        }
    }
}

/// The path as the user would write it: relative to the working directory when inside it.
fn display_path(path: &Path, working_dir: &Path) -> PathBuf {
    path.strip_prefix(working_dir)
        .map_or_else(|_| path.to_path_buf(), Path::to_path_buf)
}

/// Merges `over` into `base`: mappings merge key by key, everything else is replaced.
fn merge(base: Node, over: Node) -> Node {
    match (base.value, over.value) {
        (Value::Map(mut entries), Value::Map(overrides)) => {
            for (key, value) in overrides {
                let name = key.scalar();
                match entries.iter().position(|(k, _)| k.scalar() == name) {
                    Some(i) => {
                        let (k, old) = entries.remove(i);
                        entries.insert(i, (k, merge(old, value)));
                    }
                    None => entries.push((key, value)),
                }
            }
            Node {
                value: Value::Map(entries),
                span: base.span,
            }
        }
        (_, value) => Node {
            value,
            span: over.span,
        },
    }
}
