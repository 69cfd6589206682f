//! Rewriting relative paths when a definition moves between directories:
//! a service taken from another file by `extends`, or a file brought in by
//! `include`, wrote its paths relative to its own directory; the document
//! resolves them against the project directory.

use std::path::{Component, Path, PathBuf};

use super::yaml::{Node, Value};

/// Rewrites the relative paths of one service (`build`, `env_file`,
/// `label_file`, bind-mount sources) from `from` to `to`.
pub fn rebase_service(service: &mut Node, from: &Path, to: &Path) {
    if normalize(from) == normalize(to) {
        return;
    }
    let Value::Map(entries) = &mut service.value else {
        return;
    };
    for (key, value) in entries.iter_mut() {
        match key.as_str() {
            Some("build") => match &mut value.value {
                Value::String(_) => rebase_node(value, from, to),
                Value::Map(fields) => {
                    let mut found = false;
                    for (k, v) in fields.iter_mut() {
                        if k.as_str() == Some("context") {
                            rebase_node(v, from, to);
                            found = true;
                        }
                    }
                    // No `context` means `.`: the directory it was written for.
                    if !found && let Some(context) = rebase(".", from, to) {
                        let span = value.span;
                        let text = |t: &str| Node {
                            value: Value::String(t.to_string()),
                            span,
                        };
                        if let Value::Map(fields) = &mut value.value {
                            fields.push((text("context"), text(&context)));
                        }
                    }
                }
                _ => {}
            },
            Some("env_file" | "label_file") => match &mut value.value {
                Value::String(_) => rebase_node(value, from, to),
                Value::Seq(items) => {
                    for item in items {
                        match &mut item.value {
                            Value::String(_) => rebase_node(item, from, to),
                            Value::Map(fields) => {
                                for (k, v) in fields.iter_mut() {
                                    if k.as_str() == Some("path") {
                                        rebase_node(v, from, to);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            Some("volumes") => {
                if let Value::Seq(items) = &mut value.value {
                    for item in items {
                        rebase_volume(item, from, to);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Rewrites the relative paths of a whole document: every service, and the
/// `file:` of top-level `secrets` and `configs`.
pub fn rebase_document(doc: &mut Node, from: &Path, to: &Path) {
    if normalize(from) == normalize(to) {
        return;
    }
    let Value::Map(sections) = &mut doc.value else {
        return;
    };
    for (key, section) in sections.iter_mut() {
        let Value::Map(items) = &mut section.value else {
            continue;
        };
        match key.as_str() {
            Some("services") => {
                for (_, service) in items.iter_mut() {
                    rebase_service(service, from, to);
                }
            }
            Some("secrets" | "configs") => {
                for (_, item) in items.iter_mut() {
                    if let Value::Map(fields) = &mut item.value {
                        for (k, v) in fields.iter_mut() {
                            if k.as_str() == Some("file") {
                                rebase_node(v, from, to);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn rebase_volume(item: &mut Node, from: &Path, to: &Path) {
    match &mut item.value {
        Value::String(text) => {
            let (source, rest) = text.split_once(':').unwrap_or((text.as_str(), ""));
            if rest.is_empty() || !source.starts_with('.') {
                return;
            }
            if let Some(new) = rebase(source, from, to) {
                *text = format!("{new}:{rest}");
            }
        }
        Value::Map(fields) => {
            let bind = fields
                .iter()
                .any(|(k, v)| k.as_str() == Some("type") && v.as_str() == Some("bind"));
            if !bind {
                return;
            }
            for (k, v) in fields.iter_mut() {
                if k.as_str() == Some("source") {
                    rebase_node(v, from, to);
                }
            }
        }
        _ => {}
    }
}

fn rebase_node(node: &mut Node, from: &Path, to: &Path) {
    if let Value::String(text) = &mut node.value
        && let Some(new) = rebase(text, from, to)
    {
        *text = new;
    }
}

/// `path` (relative to `from`) relative to `to`; `None` when it is not a
/// relative local path (absolute, `~`, a URL).
#[must_use]
pub fn rebase(path: &str, from: &Path, to: &Path) -> Option<String> {
    if path.is_empty()
        || Path::new(path).is_absolute()
        || path.starts_with('~')
        || path.contains("://")
        || path.starts_with("git@")
    {
        return None;
    }
    let target = normalize(&from.join(path));
    let base = normalize(to);
    let common = target
        .components()
        .zip(base.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in target.components().skip(common) {
        out.push(c);
    }
    let text = out.to_string_lossy().into_owned();
    Some(if text.is_empty() {
        ".".to_string()
    } else if text.starts_with("..") {
        text
    } else {
        format!("./{text}")
    })
}

/// `path` as the file system finds it after compose cleaned it: `..`
/// removed lexically first (`sub/../x` is `x` beside `sub`, as compose-go's
/// `filepath.Join` makes it, even when `sub` is a link to another
/// directory), then every link resolved; the cleaned path when it does not
/// exist.
#[must_use]
pub fn real(path: &Path) -> PathBuf {
    let clean = normalize(path);
    std::fs::canonicalize(&clean).unwrap_or(clean)
}

/// Removes `.` and resolves `..` without touching the file system.
#[must_use]
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::rebase;

    #[test]
    fn paths_move_between_directories() {
        let p = |path, from, to| rebase(path, Path::new(from), Path::new(to));
        assert_eq!(p("./app", "/p/sub", "/p").as_deref(), Some("./sub/app"));
        assert_eq!(p(".", "/p/sub", "/p").as_deref(), Some("./sub"));
        assert_eq!(p("../x", "/p/sub", "/p").as_deref(), Some("./x"));
        assert_eq!(p("a", "/p", "/p/sub").as_deref(), Some("../a"));
        assert_eq!(p("/abs", "/p/sub", "/p"), None);
        assert_eq!(p("https://git/x.git", "/p/sub", "/p"), None);
    }
}
