//! `secrets` and `configs`: the top-level objects (their file content read
//! now) and a service's use of them.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::credential;
use crate::model::read::Reader;
use crate::model::{Context, Resource};
use crate::source::Located;

/// A top-level secret or config: where its content comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileObject {
    /// The key under `secrets:` / `configs:`.
    pub name: Located<String>,
    /// The content, when podlift can read it; `None` for `external`.
    pub content: Option<Vec<u8>>,
    /// Why a `file:` looks private (a key, an `.env` file), if it does:
    /// such a config goes into a Secret.
    pub private: Option<&'static str>,
}

/// A service's use of a secret or config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileUse {
    /// The top-level name.
    pub source: Located<String>,
    /// The path in the container (defaulted by the caller).
    pub target: Option<String>,
    /// `mode`: the file's permission bits (0..=0o777; others are reported).
    pub mode: Option<u32>,
}

/// Reads top-level `secrets` or `configs` (`kind`), reading `file:` content
/// now, through the host-file resolver (inside the project, or under an
/// `--allow-outside` directory; regular files only).
pub(crate) fn read_file_objects(
    node: &Node,
    kind: Resource,
    context: &Context,
    variables: &BTreeMap<String, String>,
    reader: &mut Reader<'_>,
) -> Vec<FileObject> {
    let what = if kind == Resource::Secret {
        "secrets"
    } else {
        "configs"
    };
    let Some(entries) = reader.map(node, what) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, body) in entries {
        if let Some(external) = body.get("external")
            && !matches!(external.value, Value::Map(_))
        {
            reader.boolean(external, &format!("{what}.external"));
        }
        let mut private = None;
        let held = if let Some(file) = body.get("file").and_then(|f| reader.string(f, "file")) {
            // Read in load (through the host-file resolver); looked up here.
            match context
                .host
                .named()
                .file(file.span, &context.project_dir.join(&file.value))
            {
                Ok(read) => {
                    private = crate::model::credential::host_private(read);
                    Some(read.bytes.clone())
                }
                // Used by no service of the project: load read nothing.
                Err(crate::load::host_files::Refusal::Unused) => None,
                Err(refusal) => {
                    let singular = what.trim_end_matches('s');
                    reader.diagnostics.push(refusal.diagnostic(
                        format!(
                            "cannot read `{}` for {singular} `{}` (`{what}.{}.file`): {}",
                            file.value,
                            name.value,
                            name.value,
                            refusal.reason()
                        ),
                        Some(file.span),
                    ));
                    None
                }
            }
        } else if let Some(content) = body.get("content").and_then(Node::scalar) {
            private = credential::config_reason(None, content.as_bytes());
            Some(content.into_bytes())
        } else if let Some(variable) = body.get("environment").and_then(Node::scalar) {
            variables.get(&variable).map(|v| {
                private = credential::config_reason(Some(&variable), v.as_bytes());
                v.clone().into_bytes()
            })
        } else {
            None
        };
        out.push(FileObject {
            name,
            content: held,
            private,
        });
    }
    out
}

/// Reads a service's `secrets` or `configs` (short names or long entries).
pub fn read_file_uses(node: &Node, what: &str, reader: &mut Reader<'_>) -> Vec<FileUse> {
    let Some(items) = node.as_seq() else {
        reader.type_error(node, what, "a list");
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.value {
            Value::Map(_) => {
                let source = item
                    .get("source")
                    .and_then(|s| reader.string(s, "source"))?;
                let target = item.get("target").and_then(Node::scalar);
                let mode = item
                    .get("mode")
                    .and_then(|mode| read_mode(mode, &format!("{what}.mode"), reader));
                for key in ["uid", "gid"] {
                    if let Some(id) = item.get(key) {
                        reader.diagnostics.push(
                            Diagnostic::warning(
                                Code::FileOwner,
                                format!("`{what}.{key}` of `{}` is not carried over: Kubernetes mounts a Secret's or ConfigMap's files as root, with the Pod's `fsGroup` as their group", source.value),
                            )
                            .at(id.span)
                            .help("make the file readable through `mode` (e.g. `0444`), or set `securityContext.fsGroup` of the Pod by hand if the group must own it"),
                        );
                    }
                }
                Some(FileUse {
                    source,
                    target,
                    mode,
                })
            }
            _ => reader.string(item, what).map(|source| FileUse {
                source,
                target: None,
                mode: None,
            }),
        })
        .collect()
}

/// A file mode as compose reads it: a YAML number (`0440` is octal, as in
/// go-yaml) or an octal string (`"0440"`). Kubernetes' `items[].mode` takes
/// permission bits only (0..=0o777): set-user-ID, set-group-ID and sticky
/// bits are reported, and the mode is not carried.
pub(crate) fn read_mode(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<u32> {
    let mode = match &node.value {
        Value::String(text) => u32::from_str_radix(text.trim(), 8).ok(),
        _ => crate::model::read::parse_integer(&node.value).and_then(|n| u32::try_from(n).ok()),
    };
    match mode {
        Some(mode) if mode <= 0o777 => Some(mode),
        Some(mode) => {
            reader.diagnostics.push(
                Diagnostic::warning(
                    Code::FileMode,
                    format!("`{what}` `{mode:#o}` has bits beyond the permissions (set-user-ID, set-group-ID, sticky) that Kubernetes cannot set on a mounted file; the default mode is used"),
                )
                .at(node.span)
                .help("write permission bits only, e.g. `0440`"),
            );
            None
        }
        None => {
            reader.type_error(node, what, "an octal file mode such as `0440`");
            None
        }
    }
}
