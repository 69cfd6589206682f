//! The files of the project podlift reads besides the compose files: env
//! files (`.env`, `--env-file`, an `include`'s `env_file`), and every file
//! a compose file names, through the host-file resolver.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::files::{display_path, read_file};
use super::host_files::Use;
use super::{Loader, MAX_FILE_BYTES, dotenv};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

impl Loader<'_> {
    /// Reads env files in order (later wins); `required` ones must exist.
    pub(crate) fn env_files(&mut self, files: &[EnvFile]) -> Option<BTreeMap<String, String>> {
        let mut values = BTreeMap::new();
        let mut failed = false;
        for EnvFile {
            path,
            required,
            named_by,
        } in files
        {
            // As compose: a `.env` that is not there (a link to nothing
            // included) or is a directory (a Python virtualenv is often
            // called `.env`) is no env file, and no error.
            if !required
                && std::fs::metadata(path)
                    .map_or_else(|e| e.kind() == std::io::ErrorKind::NotFound, |m| m.is_dir())
            {
                continue;
            }
            let shown = display_path(path, &self.options.working_dir);
            let Some(text) = self.read_text(path, &shown, *named_by) else {
                failed = true;
                continue;
            };
            // In the sources, as every file read (an input no output may
            // replace), so that a finding names its line as a place
            // (`.env:3`), by file and line only: its text may hold secrets.
            let file = self.sources.add(&shown, text);
            let Some(text) = self.sources.get(file).map(|f| Arc::clone(&f.text)) else {
                continue;
            };
            match dotenv::parse(&text, &self.options.environment, self.host.tally()) {
                Ok(pairs) => values.extend(pairs),
                Err(e) => {
                    let line = Span::line_start(file, &text, e.line);
                    let message =
                        format!("cannot read env file `{}`: {}", shown.display(), e.message);
                    let diagnostic = if e.limit {
                        Diagnostic::error(Code::LimitInterpolation, message)
                            .help("write the values out instead of building them from each other")
                    } else {
                        Diagnostic::error(Code::EnvFileSyntax, message).help(
                            "write one `NAME=value` per line; quote values with spaces or `#`",
                        )
                    };
                    // The compose line that names it, if one does: an
                    // `include`'s `env_file` (or its directory's `.env`).
                    let (label, at) = match named_by {
                        None => ("--env-file", None),
                        Some((Use::Include, span)) if *required => ("env_file", *span),
                        Some((_, span)) => (Use::DotEnv.key(), *span),
                    };
                    self.diagnostics
                        .push(diagnostic.at_opt(at).related(label, line));
                    failed = true;
                }
            }
        }
        (!failed).then_some(values)
    }

    /// Reads a file: one the user named (`named_by` is `None`) as it is,
    /// any other through the host-file resolver.
    pub(crate) fn read_text(
        &mut self,
        path: &Path,
        shown: &Path,
        named_by: Option<(Use, Option<Span>)>,
    ) -> Option<String> {
        let Some((what, span)) = named_by else {
            return read_file(path, shown, self.diagnostics);
        };
        match self.host.read_text(path, MAX_FILE_BYTES) {
            Ok(text) => Some(text),
            Err(refusal) => {
                self.diagnostics.push(refusal.diagnostic(
                    format!(
                        "cannot read `{}` (`{}`): {}",
                        shown.display(),
                        what.key(),
                        refusal.reason()
                    ),
                    span,
                ));
                None
            }
        }
    }

    /// A YAML error in a file `named_by` names (`include`, `extends`): the
    /// file may be no compose file at all (`/proc/self/environ`), so its
    /// content is not shown; the message says where the error is.
    pub(crate) fn not_compose(
        &self,
        diagnostic: Diagnostic,
        shown: &Path,
        named_by: Option<(Use, Option<Span>)>,
    ) -> Diagnostic {
        let Some((what, span)) = named_by else {
            return diagnostic;
        };
        let at = diagnostic
            .span
            .and_then(|s| self.sources.line_col(s))
            .map(|at| format!(" (line {}, column {})", at.line, at.column))
            .unwrap_or_default();
        let mut diagnostic = diagnostic;
        diagnostic.message = format!(
            "`{}` (`{}`) is not a valid YAML compose file{at}; its content is not shown",
            shown.display(),
            what.key()
        );
        diagnostic.span = span;
        diagnostic.help = Some("fix the YAML of that file, or name a compose file".to_string());
        diagnostic
    }
}

/// An env file of the project's variables.
pub(crate) struct EnvFile {
    pub(crate) path: PathBuf,
    /// Whether it must exist.
    pub(crate) required: bool,
    /// What named it (and where), for files read through the host-file
    /// resolver; `None` for `--env-file`, the user's own choice.
    pub(crate) named_by: Option<(Use, Option<Span>)>,
}
