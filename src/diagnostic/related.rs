//! A second place a finding names besides its compose text: the line of an
//! env file or label file it is about. Shown by file and line only, never
//! with a snippet: those files hold secrets.

use std::fmt::Write as _;

use super::printable::printable;
use crate::source::{Sources, Span};

/// A second place of a finding, by file and line (its text is never shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Related {
    /// The compose key that names the file, e.g. `env_file`.
    pub label: &'static str,
    /// Where in that file (its line is what is shown).
    pub span: Span,
}

impl Related {
    /// The file as named and the 1-based line; `None` when the span lies in
    /// no file read. The path is as it is: printed, it goes through
    /// [`printable`] (text) or `json_printable` (JSON) as every path does.
    #[must_use]
    pub fn place(&self, sources: &Sources) -> Option<(String, usize)> {
        let file = sources.get(self.span.file)?;
        let at = sources.line_col(self.span)?;
        Some((file.path.display().to_string(), at.line))
    }
}

/// One `  note: at FILE:LINE, in the `KEY` (its text is not shown)` line
/// per related place, for the text renderer.
pub(super) fn notes(related: &[Related], sources: &Sources, out: &mut String) {
    for r in related {
        if let Some((file, line)) = r.place(sources) {
            let _ = writeln!(
                out,
                "  note: at {}:{line}, in the `{}` (its text is not shown)",
                printable(&file),
                r.label
            );
        }
    }
}
