//! Diagnostics: what went wrong or deserves attention, where, and what to do.
//! This module is the only place that turns them into text.

use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::source::{Sources, Span};

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing; never fails a run.
    Note,
    /// Something is lost or changed in the conversion; fails under `--strict`.
    Warning,
    /// The input cannot be converted.
    Error,
}

impl Severity {
    /// Lowercase name as printed.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Note => "note",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

/// One finding, with the compose text that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Stable identifier, e.g. `address-duplicate`.
    pub code: &'static str,
    /// What is wrong, lowercase, names in backticks.
    pub message: String,
    /// Where it comes from, if from a file.
    pub span: Option<Span>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A warning.
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    /// A note.
    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message)
    }

    fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            span: None,
            help: None,
        }
    }

    /// Points the diagnostic at `span`.
    #[must_use]
    pub const fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    /// Points the diagnostic at `span` when there is one.
    #[must_use]
    pub const fn at_opt(mut self, span: Option<Span>) -> Self {
        self.span = span;
        self
    }

    /// Adds advice.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The diagnostics gathered during one run, in the order found.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Forgets the diagnostics recorded after the first `len`.
    pub(crate) fn truncate(&mut self, len: usize) {
        self.items.truncate(len);
    }

    /// All diagnostics so far.
    #[must_use]
    pub fn items(&self) -> &[Diagnostic] {
        &self.items
    }

    /// Whether any error was recorded.
    #[must_use]
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    /// How many diagnostics of `severity` were recorded.
    #[must_use]
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// Sorts by file position so output reads top to bottom, keeping the
    /// order found for diagnostics without a position.
    pub fn sort(&mut self) {
        self.items.sort_by_key(|d| {
            d.span
                .map_or((u32::MAX, usize::MAX), |s| (s.file.0, s.start))
        });
    }
}

/// How to render diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Plain text with source snippets, no colour (files, pipes, tests).
    Plain,
    /// Coloured text for a terminal.
    Color,
}

/// Renders every diagnostic, then a summary line, as one text block.
#[must_use]
pub fn render(diagnostics: &Diagnostics, sources: &Sources, style: Style) -> String {
    let theme = match style {
        Style::Plain => GraphicalTheme::unicode_nocolor(),
        Style::Color => GraphicalTheme::unicode(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_wrap_lines(false);
    let mut out = String::new();
    for diagnostic in diagnostics.items() {
        let report = Report::new(diagnostic, sources);
        if handler.render_report(&mut out, &report).is_err() {
            let _ = writeln!(
                out,
                "{}: {}",
                diagnostic.severity.as_str(),
                diagnostic.message
            );
        }
        out.push('\n');
    }
    let errors = diagnostics.count(Severity::Error);
    let warnings = diagnostics.count(Severity::Warning);
    if errors + warnings > 0 {
        let _ = writeln!(
            out,
            "{errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        );
    }
    out
}

const fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Adapter from [`Diagnostic`] to miette's renderer.
#[derive(Debug)]
struct Report {
    headline: String,
    severity: Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    label: Option<SourceSpan>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> Self {
        let located = diagnostic.span.and_then(|span| {
            let file = sources.get(span.file)?;
            let at = sources.line_col(span)?;
            Some((span, file, at))
        });
        let (headline, source, label) = match located {
            Some((span, file, _)) => (
                headline(diagnostic),
                Some(NamedSource::new(
                    file.path.display().to_string(),
                    file.text.to_string(),
                )),
                Some(SourceSpan::new(span.start.into(), span.len)),
            ),
            None => (headline(diagnostic), None, None),
        };
        Self {
            headline,
            severity: diagnostic.severity,
            help: diagnostic.help.clone(),
            source,
            label,
        }
    }
}

fn headline(diagnostic: &Diagnostic) -> String {
    format!(
        "{}[{}]: {}",
        diagnostic.severity.as_str(),
        diagnostic.code,
        diagnostic.message
    )
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.headline)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Note => miette::Severity::Advice,
            Severity::Warning => miette::Severity::Warning,
            Severity::Error => miette::Severity::Error,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label
            .map(|l| Box::new(std::iter::once(LabeledSpan::new_with_span(None, l))) as _)
    }
}
