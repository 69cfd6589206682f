//! `environment` and `env_file`: the variables a container starts with.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::host_files::Refusal;
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::model::{Context, FileAccess};
use crate::source::{Located, Span};

/// One variable of `environment` or an env file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variable {
    /// The name.
    pub name: String,
    /// The value, exactly as compose would pass it; `None` for a name
    /// written without a value that the environment does not set either:
    /// compose prints it (`NAME: null`) but passes nothing to the container.
    pub value: Option<String>,
    /// Where it was set.
    pub span: Span,
}

/// Reads `environment` (a list of `KEY[=VALUE]` or a mapping). A name without a
/// value takes it from the process environment, as compose does; when the
/// variable is not set there either, compose leaves it unset (its value is
/// `None`), and so does podlift.
/// The names taken from the process environment go to `captured`.
pub fn read_environment(
    node: &Node,
    variables: &BTreeMap<String, String>,
    captured: &mut Vec<Located<String>>,
    reader: &mut Reader<'_>,
) -> Vec<Variable> {
    let mut out = Vec::new();
    match &node.value {
        Value::Seq(items) => {
            out.reserve_exact(items.len());
            for item in items {
                let Some(entry) = reader.string(item, "environment item") else {
                    continue;
                };
                match entry.value.find('=') {
                    // the name keeps the text read, the value is cut off it
                    Some(at) => {
                        let mut name = entry.value;
                        let value = name.split_off(at + 1);
                        name.truncate(at);
                        out.push(Variable {
                            name,
                            value: Some(value),
                            span: entry.span,
                        });
                    }
                    None => {
                        let value = variables.get(&entry.value).cloned();
                        if value.is_some() {
                            captured.push(entry.clone());
                        }
                        out.push(Variable {
                            name: entry.value,
                            value,
                            span: entry.span,
                        });
                    }
                }
            }
        }
        Value::Map(entries) => {
            out.reserve_exact(entries.len());
            for (key, value) in entries {
                let Some(name) = reader.string(key, "environment key") else {
                    continue;
                };
                let value = match &value.value {
                    Value::Null => {
                        let found = variables.get(&name.value).cloned();
                        if found.is_some() {
                            captured.push(name.clone());
                        }
                        found
                    }
                    Value::Number(text) => Some(crate::model::read::number_text(text)),
                    _ => match reader.string(value, "environment value") {
                        Some(text) => Some(text.value),
                        // refused: reported, and not printed either
                        None => continue,
                    },
                };
                out.push(Variable {
                    name: name.value,
                    value,
                    span: name.span,
                });
            }
        }
        _ => reader.type_error(node, "environment", "a list or a mapping"),
    }
    out
}

/// How an env file is written (`env_file.format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EnvFormat {
    /// compose's dotenv rules (no `format`, or `format: ""`).
    Dotenv,
    /// `format: raw`: each line's value as written.
    Raw,
}

/// `env_file.format`: `raw`, or nothing; compose v2.40.3 refuses any other
/// (`unsupported env_file format`), `env` included, once it reads the file
/// (not for a missing `required: false` one, nor an inactive service's).
fn read_format(node: Option<&Node>, reader: &mut Reader<'_>) -> Option<EnvFormat> {
    let Some(node) = node else {
        return Some(EnvFormat::Dotenv);
    };
    let format = reader.string(node, "env_file.format")?;
    match format.value.as_str() {
        "" => Some(EnvFormat::Dotenv),
        "raw" => Some(EnvFormat::Raw),
        other => {
            reader.diagnostics.push(
                Diagnostic::error(Code::Type, format!("`env_file.format` must be `raw`, found `{other}`"))
                    .at(format.span)
                    .help("write `format: raw` to take each value as written, or leave `format` out for the usual `.env` rules"),
            );
            None
        }
    }
}

/// Reads `env_file` (a path, a list of paths, or long entries with
/// `required` and `format`) and returns the variables of every file, in
/// order. `environment` is the service's own: compose looks `${VAR}` in an
/// env file up in it (after the process environment, before the file).
pub fn read_env_files(
    node: &Node,
    context: &Context,
    environment: &[Variable],
    reader: &mut Reader<'_>,
) -> Vec<Variable> {
    let entries: Vec<(Located<String>, bool, Option<&Node>)> = match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| match &item.value {
                Value::Map(_) => {
                    let path = item
                        .get("path")
                        .and_then(|p| reader.string(p, "env_file.path"))?;
                    let required = item
                        .get("required")
                        .and_then(|r| reader.boolean(r, "env_file.required"))
                        .is_none_or(|r| r.value);
                    Some((path, required, item.get("format")))
                }
                _ => reader
                    .string(item, "env_file item")
                    .map(|p| (p, true, None)),
            })
            .collect(),
        _ => reader
            .string(node, "env_file")
            .map(|p| vec![(p, true, None)])
            .unwrap_or_default(),
    };
    let mut out = Vec::new();
    if context.files == FileAccess::Skip {
        return out;
    }
    let variables = &context.variables;
    let service: BTreeMap<String, String> = environment
        .iter()
        .filter_map(|v| Some((v.name.clone(), v.value.clone()?)))
        .collect();
    let mut earlier: BTreeMap<String, String> = BTreeMap::new();
    for (path, required, format) in entries {
        let full = context.project_dir.join(&path.value);
        // Read in load (through the host-file resolver); looked up here.
        let text = context
            .host
            .named()
            .text(path.span, &full)
            .and_then(|read| {
                read.text
                    .as_ref()
                    .map(|(text, id)| (std::sync::Arc::clone(text), *id))
                    .ok_or_else(|| Refusal::Unreadable("it is not UTF-8 text".into()))
            });
        match text {
            Ok((text, id)) => match match read_format(format, reader) {
                None => continue,
                Some(EnvFormat::Dotenv) => crate::load::dotenv::parse_env_file(&text, variables, &service, &earlier, context.host.tally()),
                Some(EnvFormat::Raw) => crate::load::dotenv::parse_raw_env_file(&text, variables),
            } {
                Ok(pairs) => {
                    earlier.extend(pairs.iter().cloned());
                    out.extend(pairs.into_iter().map(|(name, value)| Variable { name, value: Some(value), span: path.span }));
                }
                // The line named by file and line only: its text may be a secret.
                Err(e) if e.limit => reader.diagnostics.push(
                    Diagnostic::error(Code::LimitInterpolation, format!("env file `{}`: {}", path.value, e.message))
                        .at(path.span)
                        .related("env_file", Span::line_start(id, &text, e.line))
                        .help("write the values out instead of building them from each other"),
                ),
                Err(e) => reader.diagnostics.push(
                    Diagnostic::error(Code::EnvFileSyntax, format!("env file `{}`: {}", path.value, e.message))
                        .at(path.span)
                        .related("env_file", Span::line_start(id, &text, e.line))
                        .help("write one `KEY=VALUE` per line"),
                ),
            },
            Err(Refusal::Missing(_)) if !required => {}
            Err(Refusal::Missing(e)) => reader.diagnostics.push(
                Diagnostic::error(Code::EnvFileUnreadable, format!("cannot read env file `{}`: {e}", path.value))
                    .at(path.span)
                    .help("create the file, fix the path (relative to the compose file), or mark it `required: false`"),
            ),
            Err(refusal) => reader.diagnostics.push(
                refusal.diagnostic(format!("cannot read env file `{}` (`env_file`): {}", path.value, refusal.reason()), Some(path.span)),
            ),
        }
    }
    out
}
