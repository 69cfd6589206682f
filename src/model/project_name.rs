//! The project name: `-p`, `COMPOSE_PROJECT_NAME`, the file's `name:` or the
//! directory, normalized as compose normalizes it.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::load::yaml::Node;
use crate::model::read::Reader;
use crate::source::Located;

/// Where the project name can come from, besides the file's `name:`.
#[derive(Clone, Debug, Default)]
pub struct NameSources {
    /// `-p NAME`.
    pub flag: Option<String>,
    /// `COMPOSE_PROJECT_NAME`.
    pub environment: Option<String>,
    /// The base name of the first compose file's directory.
    pub directory: Option<String>,
}

/// The project name as [`model`] resolves it from the loaded tree.
#[must_use]
pub fn project_name_of(names: &NameSources, root: &Node) -> String {
    let file_name = root
        .get("name")
        .and_then(|n| n.scalar().map(|text| Located::new(text, n.span)));
    let mut scratch = Diagnostics::default();
    project_name(
        names,
        file_name.as_ref(),
        &mut Reader {
            diagnostics: &mut scratch,
        },
    )
}

pub(super) fn project_name(
    names: &NameSources,
    file_name: Option<&Located<String>>,
    reader: &mut Reader<'_>,
) -> String {
    // docker compose's precedence: -p, COMPOSE_PROJECT_NAME, `name:`, directory.
    let explicit = names
        .flag
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| names.environment.clone().filter(|n| !n.is_empty()));
    if let Some(name) = explicit {
        return normalize_project_name(&name);
    }
    if let Some(name) = file_name {
        let normalized = normalize_project_name(&name.value);
        if normalized != name.value {
            reader.diagnostics.push(
                Diagnostic::warning(
                    "project-name",
                    format!("project name `{}` becomes `{normalized}`", name.value),
                )
                .at(name.span)
                .help("project names hold lowercase letters, digits, `-` and `_`"),
            );
        }
        return normalized;
    }
    names
        .directory
        .as_deref()
        .map(normalize_project_name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "default".to_string())
}

/// Lowercases and drops characters docker compose does not allow in project names.
#[must_use]
pub fn normalize_project_name(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect::<String>()
        .trim_start_matches(['-', '_'])
        .to_string()
}
