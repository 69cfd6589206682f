//! A diagnostic as miette draws it: the file's text read through its line
//! index, the labelled span, the headline and the advice.

use std::fmt::Write as _;
use std::sync::{Arc, OnceLock};

use miette::{LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceSpan, SpanContents};

use super::printable::{printable, printable_block, printable_owned};
use super::{Diagnostic, Severity};
use crate::source::{FileId, Sources, Span, newlines};

/// Each file's text, shared by every snippet of one run.
pub(super) struct Snippets<'a> {
    sources: &'a Sources,
    files: std::cell::RefCell<std::collections::HashMap<FileId, FileText>>,
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

    fn of(&self, file: FileId) -> Option<FileText> {
        if let Some(text) = self.files.borrow().get(&file) {
            return Some(text.clone());
        }
        let source = self.sources.get(file)?;
        let text = FileText {
            text: Arc::clone(&source.text),
            shown: Arc::default(),
            line_starts: Arc::default(),
        };
        self.files.borrow_mut().insert(file, text.clone());
        Some(text)
    }
}

/// A file's text, and the copy shown when a snippet of it holds control
/// characters: each replaced, of the same length (the spans still hold).
/// The copy is made the first time a snippet needs it, so a snippet costs
/// the lines it shows, not the whole file.
#[derive(Clone, Debug)]
struct FileText {
    text: Arc<str>,
    shown: Arc<OnceLock<Arc<str>>>,
    line_starts: Arc<OnceLock<Box<[usize]>>>,
}

/// The lines around one span for miette, read from the file's text by
/// their newlines: miette's own reader scans from the start of the text.
#[derive(Clone, Debug)]
struct Snippet {
    file: FileText,
    /// The start of the span's first line, and that line's 0-based number.
    line_start: usize,
    line: usize,
}

/// The longest line, in bytes, a snippet shows; a span on a longer line is
/// reported by its position only.
const MAX_SHOWN_LINE: usize = 4096;

/// How far a snippet looks for a context line's end before it takes the
/// file's line index instead: a context line longer than this is rare, and
/// the index keeps many findings beside it from reading it again each.
const LINE_SCAN: usize = 2 * MAX_SHOWN_LINE;

impl FileText {
    /// The start of every line, made the first time a context line is
    /// longer than [`LINE_SCAN`].
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            let bytes = self.text.as_bytes();
            std::iter::once(0)
                .chain(
                    bytes
                        .iter()
                        .enumerate()
                        .filter(|&(_, &b)| b == b'\n')
                        .map(|(i, _)| i + 1),
                )
                .collect()
        })
    }

    /// The byte after the `count`-th newline at or after `from` (`count`
    /// 0: `from`), or the end of the text.
    fn lines_after(&self, from: usize, count: usize) -> usize {
        let text = self.text.as_bytes();
        let mut at = from.min(text.len());
        for done in 0..count {
            let limit = (at + LINE_SCAN).min(text.len());
            match text
                .get(at..limit)
                .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
            {
                Some(newline) => at += newline + 1,
                None if limit == text.len() => return text.len(),
                None => {
                    let starts = self.line_starts();
                    let line = starts.partition_point(|&start| start <= at);
                    return starts
                        .get(line - 1 + count - done)
                        .copied()
                        .unwrap_or(text.len());
                }
            }
        }
        at
    }

    /// The start of the line `count` lines before the one that starts at
    /// `line_start` (0: itself), or 0.
    fn lines_before(&self, line_start: usize, count: usize) -> usize {
        let text = self.text.as_bytes();
        let mut at = line_start.min(text.len());
        for done in 0..count {
            let Some(end) = at.checked_sub(1) else {
                return 0;
            };
            let limit = end.saturating_sub(LINE_SCAN);
            match text
                .get(limit..end)
                .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
            {
                Some(newline) => at = limit + newline + 1,
                None if limit == 0 => return 0,
                None => {
                    let starts = self.line_starts();
                    let line = starts
                        .partition_point(|&start| start <= at)
                        .saturating_sub(1);
                    return starts
                        .get(line.saturating_sub(count - done))
                        .copied()
                        .unwrap_or(0);
                }
            }
        }
        at
    }
}

/// Whether every line `span` touches is at most [`MAX_SHOWN_LINE`] bytes
/// long, its newline counted; it reads no more than a line of that length
/// beyond the span either side.
fn lines_short_enough(text: &[u8], span: Span) -> bool {
    let start = span.start.min(text.len());
    let end = (span.start + span.len).min(text.len());
    let back = start.saturating_sub(MAX_SHOWN_LINE + 1);
    let mut line = match text
        .get(back..start)
        .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
    {
        Some(newline) => back + newline + 1,
        None if back == 0 => 0,
        // the first line started further back than the limit
        None => return false,
    };
    loop {
        let limit = (line + MAX_SHOWN_LINE + 1).min(text.len());
        match text
            .get(line..limit)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        {
            Some(newline) if newline < MAX_SHOWN_LINE => {
                line += newline + 1;
                // the line holding the span's end is measured
                if line > end {
                    return true;
                }
            }
            Some(_) => return false,
            None => return limit == text.len() && text.len() - line <= MAX_SHOWN_LINE,
        }
    }
}

impl miette::SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let bytes = self.file.text.as_bytes();
        let offset = span.offset().min(bytes.len());
        // The start of the span's line and its number, counted from the
        // line Report::new found (or from the file's start).
        let (from, from_line) = if offset >= self.line_start {
            (self.line_start, self.line)
        } else {
            (0, 0)
        };
        let line_start = bytes
            .get(from..offset)
            .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
            .map_or(from, |newline| from + newline + 1);
        let line = from_line + newlines(bytes.get(from..line_start).unwrap_or_default());
        // A window of whole lines around the span, wider than the context,
        // read by miette's own reader and moved back to file positions.
        let start = self.file.lines_before(line_start, context_lines_before + 1);
        let first = line.saturating_sub(context_lines_before + 1);
        let end = self
            .file
            .lines_after(span.offset() + span.len(), context_lines_after + 2);
        let mut window = self
            .file
            .text
            .get(start..end)
            .ok_or(MietteError::OutOfBounds)?;
        if super::printable::needs_escaping(window) {
            let shown = self.file.shown.get_or_init(|| {
                match super::printable::same_length(&self.file.text) {
                    std::borrow::Cow::Borrowed(_) => Arc::clone(&self.file.text),
                    std::borrow::Cow::Owned(safe) => Arc::from(safe),
                }
            });
            window = shown.get(start..end).ok_or(MietteError::OutOfBounds)?;
        }
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
            let text = snippets.of(span.file)?;
            if span.start + span.len > text.text.len() {
                return None;
            }
            // A line too long to show (a whole file on one line, say) is
            // named, not drawn: its snippet would be unreadable, and miette
            // cannot pad a label that far.
            if !lines_short_enough(text.text.as_bytes(), span) {
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
            let snippet = Snippet {
                file: text,
                line_start: file.line_start_of(span.start),
                line: file.line_of(span.start),
            };
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

#[cfg(test)]
mod tests {
    use super::{MAX_SHOWN_LINE, lines_short_enough};
    use crate::source::{FileId, Span};

    /// The longest line a span touches, by a line index of the whole text.
    fn longest_line(text: &str, span: Span) -> usize {
        let starts: Vec<usize> = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let line_of = |offset: usize| starts.partition_point(|&s| s <= offset) - 1;
        (line_of(span.start)..=line_of(span.start + span.len))
            .map(|line| starts.get(line + 1).copied().unwrap_or(text.len()) - starts[line])
            .max()
            .unwrap()
    }

    #[test]
    fn long_lines_are_found_without_reading_past_them() {
        let lengths = [
            0,
            1,
            MAX_SHOWN_LINE - 1,
            MAX_SHOWN_LINE,
            MAX_SHOWN_LINE + 1,
            9_000,
        ];
        for &first in &lengths {
            for &second in &lengths {
                for end in ["", "\n"] {
                    let text = format!("{}\n{}{end}", "a".repeat(first), "b".repeat(second));
                    let mut starts: Vec<usize> =
                        vec![0, 1, first, first + 1, first + 2, text.len()];
                    starts.retain(|&s| s <= text.len());
                    for start in starts {
                        for len in [0, 1, 2, 5_000] {
                            if start + len > text.len() {
                                continue;
                            }
                            let span = Span {
                                file: FileId(0),
                                start,
                                len,
                            };
                            assert_eq!(
                                lines_short_enough(text.as_bytes(), span),
                                longest_line(&text, span) <= MAX_SHOWN_LINE,
                                "lines {first}, {second}{end:?}, span {start}+{len}"
                            );
                        }
                    }
                }
            }
        }
    }
}
