//! `label_file`: labels read from files.

use std::collections::BTreeMap;

use crate::diagnostic::{Code, Diagnostic};
use crate::load::host_files::Refusal;
use crate::load::yaml::{Node, Value};
use crate::model::read::Reader;
use crate::model::{Context, FileAccess};
use crate::source::{Located, Span};

/// `label_file`: files of `KEY=VALUE` lines, read as env files are, as
/// `key=value` labels.
pub(crate) fn read_label_files(
    node: &Node,
    context: &Context,
    reader: &mut Reader<'_>,
) -> Vec<Located<String>> {
    read_label_pairs(node, context, reader)
        .into_iter()
        .map(|l| {
            let (key, value) = l.value;
            Located::new(format!("{key}={value}"), l.span)
        })
        .collect()
}

/// The `KEY`, `VALUE` pairs of every file `label_file` names, in order, each
/// located at the file's name; a file that cannot be read (or is larger than
/// a compose file may be) is an error.
pub(crate) fn read_label_pairs(
    node: &Node,
    context: &Context,
    reader: &mut Reader<'_>,
) -> Vec<Located<(String, String)>> {
    let files = match &node.value {
        Value::Seq(_) => reader.string_list(node, "label_file"),
        _ => reader.string(node, "label_file").into_iter().collect(),
    };
    let mut out = Vec::new();
    if context.files == FileAccess::Skip {
        return out;
    }
    for file in files {
        let full = context.project_dir.join(&file.value);
        // Read in load (through the host-file resolver); looked up here.
        let text = match context.host.named().text(file.span, &full) {
            // A private file (an `.env` file under another name, a key):
            // its lines would be plain-text annotations.
            Ok(host) if host.private.is_some() => {
                let why = host.private.unwrap_or_default();
                reader.diagnostics.push(
                    Diagnostic::warning(
                        Code::LabelFilePrivate,
                        format!(
                            "label file `{}` (`label_file`) is not read: {why}, and its lines would become plain-text annotations",
                            file.value
                        ),
                    )
                    .at(file.span)
                    .help("name a file that holds only labels; pass credentials with `env_file` or `environment` (podlift puts credential-looking variables into a Secret)"),
                );
                continue;
            }
            Ok(host) => host
                .text
                .as_ref()
                .map(|(text, id)| (std::sync::Arc::clone(text), *id))
                .ok_or_else(|| "it is not UTF-8 text".to_string()),
            Err(
                refusal @ (Refusal::Missing(_) | Refusal::Unreadable(_) | Refusal::TooLarge(_)),
            ) => Err(refusal.reason()),
            Err(refusal) => {
                reader.diagnostics.push(refusal.diagnostic(
                    format!(
                        "cannot read label file `{}` (`label_file`): {}",
                        file.value,
                        refusal.reason()
                    ),
                    Some(file.span),
                ));
                continue;
            }
        };
        let unreadable = |why: &str| {
            Diagnostic::error(
                Code::LabelFileUnreadable,
                format!("cannot read label file `{}`: {why}", file.value),
            )
            .at(file.span)
            .help("create the file or fix the path (relative to the compose file); write one `KEY=VALUE` per line")
        };
        let (text, id) = match text {
            Ok(read) => read,
            Err(why) => {
                reader.diagnostics.push(unreadable(&why));
                continue;
            }
        };
        match crate::load::dotenv::parse_env_file(
            &text,
            &context.variables,
            &BTreeMap::new(),
            &BTreeMap::new(),
            context.host.tally(),
        ) {
            Ok(pairs) => out.extend(pairs.into_iter().map(|pair| Located::new(pair, file.span))),
            // The line named by file and line only: its text is not shown.
            Err(e) => {
                let diagnostic = if e.limit {
                    Diagnostic::error(
                        Code::LimitInterpolation,
                        format!("label file `{}`: {}", file.value, e.message),
                    )
                    .at(file.span)
                    .help("write the values out instead of building them from each other")
                } else {
                    unreadable(&e.message)
                };
                reader
                    .diagnostics
                    .push(diagnostic.related("label_file", Span::line_start(id, &text, e.line)));
            }
        }
    }
    out
}
