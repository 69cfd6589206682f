//! A diagnostic as miette draws it: the file's text read through its line
//! index, the labelled span, the headline and the advice.

use std::fmt::Write as _;
use std::sync::Arc;

use miette::{LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceSpan, SpanContents};

use super::printable::{printable, printable_block, printable_owned};
use super::{Diagnostic, Severity};
use crate::source::{FileId, Sources, Span};

/// Each file's text and line index, shared by every snippet of one run.
pub(super) struct Snippets<'a> {
    sources: &'a Sources,
    files: std::cell::RefCell<std::collections::HashMap<FileId, Snippet>>,
}

impl<'a> Snippets<'a> {
    pub(super) fn new(sources: &'a Sources) -> Self {
        Self {
            sources,
            files: std::cell::RefCell::default(),
        }
    }

    /// The files read.
    pub(super) const fn sources(&self) -> &'a Sources {
        self.sources
    }

    fn of(&self, file: FileId) -> Option<Snippet> {
        if let Some(snippet) = self.files.borrow().get(&file) {
            return Some(snippet.clone());
        }
        let source = self.sources.get(file)?;
        // Shown as it is unless it holds control characters: then a copy
        // with each replaced, of the same length (the spans still hold).
        let text = match super::printable::same_length(&source.text) {
            std::borrow::Cow::Borrowed(_) => Arc::clone(&source.text),
            std::borrow::Cow::Owned(safe) => Arc::from(safe),
        };
        let snippet = Snippet {
            text,
            line_starts: source.line_starts(),
        };
        self.files.borrow_mut().insert(file, snippet.clone());
        Some(snippet)
    }
}

/// A file's text for miette, read through its line index: miette's own
/// reader scans from the start of the text for every snippet.
#[derive(Clone, Debug)]
struct Snippet {
    text: Arc<str>,
    line_starts: Arc<[usize]>,
}

/// The longest line, in bytes, a snippet shows; a span on a longer line is
/// reported by its position only.
const MAX_SHOWN_LINE: usize = 4096;

impl Snippet {
    /// The length in bytes of the longest line `span` touches.
    fn longest_line(&self, span: Span) -> usize {
        let line_of = |offset: usize| {
            self.line_starts
                .partition_point(|&start| start <= offset)
                .saturating_sub(1)
        };
        let first = line_of(span.start);
        let last = line_of(span.start + span.len);
        (first..=last)
            .map(|line| {
                let start = self.line_starts.get(line).copied().unwrap_or(0);
                let end = self
                    .line_starts
                    .get(line + 1)
                    .copied()
                    .unwrap_or(self.text.len());
                end.saturating_sub(start)
            })
            .max()
            .unwrap_or(0)
    }
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let line_of = |offset: usize| {
            self.line_starts
                .partition_point(|&start| start <= offset)
                .saturating_sub(1)
        };
        // A window of whole lines around the span, wider than the context,
        // read by miette's own reader and moved back to file positions.
        let first = line_of(span.offset()).saturating_sub(context_lines_before + 1);
        let last = line_of(span.offset() + span.len()) + context_lines_after + 2;
        let start = self.line_starts.get(first).copied().unwrap_or(0);
        let end = self
            .line_starts
            .get(last)
            .copied()
            .unwrap_or(self.text.len());
        let window = self.text.get(start..end).ok_or(MietteError::OutOfBounds)?;
        let inner = SourceSpan::new(span.offset().saturating_sub(start).into(), span.len());
        let contents = window.read_span(&inner, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new(
            contents.data(),
            SourceSpan::new(
                (contents.span().offset() + start).into(),
                contents.span().len(),
            ),
            contents.line() + first,
            contents.column(),
            contents.line_count() + first,
        )))
    }
}

/// Adapter from [`Diagnostic`] to miette's renderer.
#[derive(Debug)]
pub(super) struct Report {
    headline: String,
    severity: Severity,
    help: Option<String>,
    source: Option<NamedSource<Snippet>>,
    label: Option<SourceSpan>,
}

impl Report {
    pub(super) fn new(diagnostic: &Diagnostic, snippets: &Snippets<'_>) -> Self {
        let mut headline = headline(diagnostic);
        let located = diagnostic.span.and_then(|span| {
            let file = snippets.sources.get(span.file)?;
            let snippet = snippets.of(span.file)?;
            if span.start + span.len > snippet.text.len() {
                return None;
            }
            // A line too long to show (a whole file on one line, say) is
            // named, not drawn: its snippet would be unreadable, and miette
            // cannot pad a label that far.
            if snippet.longest_line(span) > MAX_SHOWN_LINE {
                if let Some(at) = snippets.sources.line_col(span) {
                    let _ = write!(
                        headline,
                        "\n  at {}:{}:{} (the line is too long to show)",
                        printable(&file.path.display().to_string()),
                        at.line,
                        at.column
                    );
                }
                return None;
            }
            Some((span, file, snippet))
        });
        let (source, label) = match located {
            Some((span, file, snippet)) => (
                Some(NamedSource::new(
                    printable(&file.path.display().to_string()),
                    snippet,
                )),
                Some(SourceSpan::new(span.start.into(), span.len)),
            ),
            None => (None, None),
        };
        Self {
            headline: printable_owned(headline),
            severity: diagnostic.severity,
            help: diagnostic
                .help
                .as_deref()
                .map(|h| printable_block(h).into_owned()),
            source,
            label,
        }
    }
}
fn headline(diagnostic: &Diagnostic) -> String {
    format!(
        "{}[{}]: {}{}",
        diagnostic.severity.as_str(),
        diagnostic.code,
        printable(&diagnostic.message),
        if diagnostic.allowed { " (allowed)" } else { "" }
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
