//! The project name: `-p`, `COMPOSE_PROJECT_NAME`, the file's `name:` or the
//! directory, normalized as compose normalizes it.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
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
    /// The base name of the first compose file's directory (empty for
    /// `/`); `None` when the caller has no directory (the name is then
    /// `default`).
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
        false,
        &mut Reader::new(&mut scratch),
    )
}

pub(super) fn project_name(
    names: &NameSources,
    file_name: Option<&Located<String>>,
    emptied: bool,
    reader: &mut Reader<'_>,
) -> String {
    let name = chosen_name(names, file_name, emptied, reader);
    if name.is_empty() {
        // Compose refuses such a project ("project name must not be
        // empty"); every object name would start with a bare `-`.
        let mut error = Diagnostic::error(
            Code::ProjectNameEmpty,
            "the project has no name: nothing is left of it once normalised to lowercase letters, digits, `-` and `_`",
        )
        .help("give the project a name: `name:` at the top of the compose file, `--project-name`, or `COMPOSE_PROJECT_NAME`");
        if let Some(span) = file_name.map(|n| n.span) {
            error = error.at(span);
        }
        reader.diagnostics.push(error);
    }
    name
}

fn chosen_name(
    names: &NameSources,
    file_name: Option<&Located<String>>,
    emptied: bool,
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
    // `name: ""` is no name: compose takes the directory's; a name that
    // interpolation left empty (`emptied`, `name: ${UNSET}`) is refused.
    if let Some(name) = file_name.filter(|n| !n.value.is_empty() || emptied) {
        let normalized = normalize_project_name(&name.value);
        if normalized != name.value && !normalized.is_empty() {
            reader.diagnostics.push(
                Diagnostic::warning(
                    Code::ProjectName,
                    format!("project name `{}` becomes `{normalized}`", name.value),
                )
                .at(name.span)
                .help("project names hold lowercase letters, digits, `-` and `_`"),
            );
        }
        return normalized;
    }
    // A caller that names no directory (the library's tests and benches)
    // gets `default`; a directory with no name (`/`) is refused above.
    names
        .directory
        .as_deref()
        .map_or_else(|| "default".to_string(), normalize_project_name)
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
