//! `label_file`: labels read from files.

use crate::diagnostic::Diagnostic;
use crate::load::yaml::{Node, Value};
use crate::model::Context;
use crate::model::read::Reader;
use crate::source::Located;

/// `label_file`: files of `KEY=VALUE` lines, read as env files are.
pub(crate) fn read_label_files(
    node: &Node,
    context: &Context,
    reader: &mut Reader<'_>,
) -> Vec<Located<String>> {
    let files = match &node.value {
        Value::Seq(_) => reader.string_list(node, "label_file"),
        _ => reader.string(node, "label_file").into_iter().collect(),
    };
    let mut out = Vec::new();
    for file in files {
        let full = context.project_dir.join(&file.value);
        let text = crate::model::volume::read_small(&full).and_then(|bytes| {
            String::from_utf8(bytes).map_err(|_| "it is not UTF-8 text".to_string())
        });
        let parsed = text.and_then(|text| {
            crate::load::dotenv::parse_env_file(&text, &context.variables)
                .map_err(|e| format!("line {}: {}", e.line, e.message))
        });
        match parsed {
            Ok(pairs) => out.extend(
                pairs
                    .into_iter()
                    .map(|(k, v)| Located::new(format!("{k}={v}"), file.span)),
            ),
            Err(e) => reader.diagnostics.push(
                Diagnostic::error(
                    "label-file-unreadable",
                    format!("cannot read label file `{}`: {e}", file.value),
                )
                .at(file.span)
                .help("create the file or fix the path (relative to the compose file); write one `KEY=VALUE` per line"),
            ),
        }
    }
    out
}
