//! Diagnostics: what went wrong or deserves attention, where, and what to do.
//! This module is the only place that turns them into text.

mod code;
pub mod printable;
mod related;
mod snippet;

use std::fmt::Write as _;

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::source::{Sources, Span};
pub use code::{Class, Code, Stage};
use printable::printable;
pub use related::Related;
use snippet::{Report, Snippets};

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
    pub code: Code,
    /// What is wrong, lowercase, names in backticks.
    pub message: String,
    /// Where it comes from, if from a file.
    pub span: Option<Span>,
    /// What to do about it.
    pub help: Option<String>,
    /// Other places it concerns, by file and line only (the line of an env
    /// file or label file: never shown, it may hold secrets). A boxed slice:
    /// nearly always empty, and a diagnostic stays small.
    pub related: Box<[Related]>,
    /// A warning its team accepted (`--allow CODE`, a service's
    /// `x-podlift.allow`): still listed, never a reason to fail `--strict`.
    pub allowed: bool,
}

impl Diagnostic {
    /// An error.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A warning.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    /// A note.
    pub fn note(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message)
    }

    fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            span: None,
            help: None,
            related: Box::default(),
            allowed: false,
        }
    }

    /// An error of the command rather than of the compose input: a refused
    /// `-o`, an unknown command or code, output that could not be written.
    /// It has no place in a file and no code to look up (its code is
    /// [`Code::Command`]); [`render_short`] shows it.
    pub fn command(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, Code::Command, message)
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

    /// Names a second place, `span` in the file the compose key `label`
    /// names, shown by file and line only (never its text).
    #[must_use]
    pub fn related(mut self, label: &'static str, span: Span) -> Self {
        let mut related = std::mem::take(&mut self.related).into_vec();
        related.push(Related { label, span });
        self.related = related.into_boxed_slice();
        self
    }

    /// The class of its code ([`Code::class`]). `None` for
    /// [`Diagnostic::command`] errors.
    #[must_use]
    pub const fn class(&self) -> Option<Class> {
        self.code.class()
    }
}

/// The diagnostics gathered during one run, in the order found.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Whether an error of the command line was recorded
    /// ([`Diagnostics::push_command_line`]).
    command_line: bool,
}

impl Diagnostics {
    /// Records a diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Records an error of the command line rather than of the input (a
    /// service named on it that the project does not have): the run is a
    /// usage error (exit 2).
    pub fn push_command_line(&mut self, diagnostic: Diagnostic) {
        self.command_line = true;
        self.items.push(diagnostic);
    }

    /// Whether the command line was wrong ([`Diagnostics::push_command_line`]).
    #[must_use]
    pub const fn command_line_wrong(&self) -> bool {
        self.command_line
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
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// How many diagnostics of each severity were recorded.
    #[must_use]
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        let mut seen = std::collections::HashSet::new();
        for d in &self.items {
            // Reported once per cause (a variable): counted once too.
            if d.code.once_per_cause() && !seen.insert((d.code, d.help.as_deref())) {
                continue;
            }
            match d.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
                Severity::Note => counts.notes += 1,
            }
            if d.allowed {
                counts.allowed += 1;
            }
        }
        counts
    }

    /// Marks the warnings `allow` accepts (by code; a service's own list for
    /// the findings in its part of the compose file) as allowed.
    pub fn allow(&mut self, allow: &Allow, sources: &Sources) {
        if allow.is_empty() {
            return;
        }
        for d in &mut self.items {
            if d.severity != Severity::Warning {
                continue;
            }
            let service = d.span.and_then(|span| sources.service_at(span));
            d.allowed = allow.global.contains(&d.code)
                || service
                    .and_then(|s| allow.services.get(s))
                    .is_some_and(|codes| codes.contains(&d.code));
        }
    }

    /// Whether the run fails: an error, or under `strict` a warning not
    /// allowed.
    #[must_use]
    pub fn fail(&self, strict: bool) -> bool {
        let counts = self.counts();
        counts.errors > 0 || (strict && counts.warnings > counts.allowed)
    }

    /// Sorts by file position (found order without one), keeping one of the
    /// findings that say the same at one place: a value under an anchor that
    /// services merge is read, and refused, once per service (airflow's
    /// `image:` under `x-airflow-common` gave six errors for one line).
    pub fn sort(&mut self) {
        self.items
            .sort_by_key(|d| (d.span.is_none(), d.span.map(|s| (s.file.0, s.start))));
        let mut said = foldhash::HashSet::default();
        self.items.retain(|d| {
            d.span.is_none()
                || !d.related.is_empty()
                || said.insert((
                    d.span,
                    d.code,
                    d.severity,
                    d.message.clone(),
                    d.help.clone(),
                ))
        });
    }
}

/// The warnings a team accepted: `--allow CODE` for every service, a
/// service's `x-podlift.allow` for its own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Allow {
    /// Codes allowed everywhere.
    pub global: std::collections::BTreeSet<Code>,
    /// Codes allowed per service, by service name.
    pub services: std::collections::BTreeMap<String, std::collections::BTreeSet<Code>>,
}

impl Allow {
    /// Whether nothing is allowed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.global.is_empty()
            && self
                .services
                .values()
                .all(std::collections::BTreeSet::is_empty)
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

/// How much to print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors only (`-q`).
    Quiet,
    /// Everything, repeated findings grouped.
    #[default]
    Normal,
    /// Everything, each finding with its own snippet (`-v`).
    Verbose,
}

/// Options of [`render_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour or not.
    pub style: Style,
    /// How much.
    pub verbosity: Verbosity,
    /// `--strict`: the warnings that fail the run are shown even with `-q`.
    pub strict: bool,
}

/// How many findings of one group are shown with their snippet before the
/// rest are listed by place.
pub const GROUP_SHOWN: usize = 3;

/// How many further places a group's last line names.
const GROUP_PLACES: usize = 8;

/// Renders every diagnostic, then a summary line, as one text block.
#[must_use]
pub fn render(diagnostics: &Diagnostics, sources: &Sources, style: Style) -> String {
    render_with(
        diagnostics,
        sources,
        RenderOptions {
            style,
            verbosity: Verbosity::Normal,
            strict: false,
        },
    )
}

/// Renders the diagnostics as [`render`] does, with a verbosity.
///
/// Findings with the same severity, code and advice (without advice: the
/// same message) form a group. Beyond [`GROUP_SHOWN`] of them (unless
/// verbose), the group is shown once, where its first finding is: its first
/// snippets, then one line naming where the others are. Work is linear in the
/// number of diagnostics: each file's text is shared, never copied, and
/// positions are found through a line index.
#[must_use]
pub fn render_with(diagnostics: &Diagnostics, sources: &Sources, options: RenderOptions) -> String {
    let theme = match options.style {
        Style::Plain => GraphicalTheme::unicode_nocolor(),
        Style::Color => GraphicalTheme::unicode(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_wrap_lines(false);
    let mut shown: Vec<&Diagnostic> = diagnostics
        .items()
        .iter()
        .filter(|d| options.verbosity != Verbosity::Quiet || fails(d, options.strict))
        .collect();
    // Errors first, then warnings (those that fail `--strict` before those
    // allowed), then notes; each kind in file order (the sort is stable).
    shown.sort_by_key(|d| (std::cmp::Reverse(d.severity), d.allowed));
    let collapse = options.verbosity != Verbosity::Verbose;
    let groups = Groups::of(shown.iter().copied());
    let snippets = Snippets::new(sources);
    let mut out = String::new();
    for (position, diagnostic) in shown.iter().enumerate() {
        let members = groups.members_of(position);
        let limit = if diagnostic.code.once_per_cause() {
            1
        } else {
            GROUP_SHOWN
        };
        if !collapse || members.len() <= limit {
            render_one(&handler, diagnostic, &snippets, &mut out);
            continue;
        }
        if members.first() != Some(&position) {
            continue;
        }
        for &member in members.iter().take(limit) {
            if let Some(diagnostic) = shown.get(member) {
                render_one(&handler, diagnostic, &snippets, &mut out);
            }
        }
        let rest = members.get(limit..).unwrap_or_default();
        let places = rest
            .iter()
            .filter_map(|&m| shown.get(m))
            .map(|d| place(d, sources));
        let _ = writeln!(
            out,
            "  … and {} more {}[{}]: {} (`-v` shows each)\n",
            thousands(rest.len()),
            diagnostic.severity.as_str(),
            diagnostic.code,
            list_places(places, GROUP_PLACES)
        );
    }
    let counts = diagnostics.counts();
    if (options.verbosity != Verbosity::Quiet || !shown.is_empty())
        && let Some(line) = counts.summary()
    {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Whether `diagnostic` fails the run: an error, or under `strict` a
/// warning not allowed.
fn fails(diagnostic: &Diagnostic, strict: bool) -> bool {
    match diagnostic.severity {
        Severity::Error => true,
        Severity::Warning => strict && !diagnostic.allowed,
        Severity::Note => false,
    }
}

/// One diagnostic in the short form of the command's own errors, without a
/// snippet or a code: `error: MESSAGE`, then `  help: HELP` when it has
/// advice.
#[must_use]
pub fn render_short(diagnostic: &Diagnostic) -> String {
    let mut out = format!(
        "{}: {}\n",
        diagnostic.severity.as_str(),
        printable(&diagnostic.message)
    );
    if let Some(help) = &diagnostic.help {
        let _ = writeln!(out, "  help: {}", printable::printable_block(help));
    }
    out
}

fn render_one(
    handler: &GraphicalReportHandler,
    diagnostic: &Diagnostic,
    snippets: &Snippets<'_>,
    out: &mut String,
) {
    let report = Report::new(diagnostic, snippets);
    if handler.render_report(out, &report).is_err() {
        let _ = writeln!(
            out,
            "{}: {}",
            diagnostic.severity.as_str(),
            printable(&diagnostic.message)
        );
    }
    related::notes(&diagnostic.related, snippets.sources(), out);
    out.push('\n');
}

/// Where a finding is, in a few words: its service, else `file:line`.
fn place(diagnostic: &Diagnostic, sources: &Sources) -> String {
    printable(&place_of(diagnostic, sources)).into_owned()
}

fn place_of(diagnostic: &Diagnostic, sources: &Sources) -> String {
    let Some(span) = diagnostic.span else {
        // A finding about an env file of the project's variables (`.env`)
        // has no compose place, only its line.
        return diagnostic
            .related
            .first()
            .and_then(|r| r.place(sources))
            .map_or_else(
                || "(no file)".to_string(),
                |(file, line)| format!("{file}:{line}"),
            );
    };
    if let Some(service) = sources.service_at(span) {
        return service.to_string();
    }
    match (sources.get(span.file), sources.line_col(span)) {
        (Some(file), Some(at)) => format!("{}:{}", file.path.display(), at.line),
        _ => "(no file)".to_string(),
    }
}

/// The first `limit` distinct places, then `…` when there are more.
fn list_places(places: impl Iterator<Item = String>, limit: usize) -> String {
    let mut seen = std::collections::HashSet::new();
    let mut listed = Vec::new();
    let mut more = false;
    for place in places {
        if seen.contains(&place) {
            continue;
        }
        if listed.len() == limit {
            more = true;
            break;
        }
        seen.insert(place.clone());
        listed.push(place);
    }
    if more {
        listed.push("…".to_string());
    }
    listed.join(", ")
}

/// `1997` as `1,997`.
#[must_use]
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Diagnostics with the same severity, code and advice (or, without advice,
/// the same message): one finding with one cause, repeated.
pub struct Groups {
    /// Per diagnostic, its group.
    group_of: Vec<usize>,
    /// Per group, its members in order.
    members: Vec<Vec<usize>>,
}

impl Groups {
    /// Groups `diagnostics`, in the order of each group's first member.
    pub fn of<'a>(diagnostics: impl Iterator<Item = &'a Diagnostic>) -> Self {
        let mut index = std::collections::HashMap::new();
        let mut group_of = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (position, d) in diagnostics.enumerate() {
            // Without advice, only the same message is the same cause.
            let cause = d.help.as_deref().unwrap_or(&d.message);
            let group = *index
                .entry((d.severity, d.code, d.allowed, d.help.is_some(), cause))
                .or_insert_with(|| {
                    members.push(Vec::new());
                    members.len() - 1
                });
            if let Some(list) = members.get_mut(group) {
                list.push(position);
            }
            group_of.push(group);
        }
        Self { group_of, members }
    }

    /// Each group's members (positions in the input), in order.
    pub fn iter(&self) -> impl Iterator<Item = &[usize]> {
        self.members.iter().map(Vec::as_slice)
    }

    /// The members of the group of the diagnostic at `position`.
    fn members_of(&self, position: usize) -> &[usize] {
        self.group_of
            .get(position)
            .and_then(|&g| self.members.get(g))
            .map_or(&[], Vec::as_slice)
    }
}

/// How many diagnostics of each severity ([`Diagnostics::counts`]); also
/// the `summary` of `check --format json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
    /// Of the warnings, those allowed (`--allow`, `x-podlift.allow`);
    /// absent from JSON when none is.
    #[serde(skip_serializing_if = "is_zero")]
    pub allowed: usize,
}

impl Counts {
    /// The one summary line, e.g. `1 error, 2,000 warnings, 2 notes`;
    /// `None` when there is nothing to count.
    #[must_use]
    pub fn summary(self) -> Option<String> {
        if self.errors + self.warnings + self.notes == 0 {
            return None;
        }
        let part = |n: usize, word: &str| format!("{} {word}{}", thousands(n), plural(n));
        let allowed = if self.allowed > 0 {
            format!(" ({} allowed)", thousands(self.allowed))
        } else {
            String::new()
        };
        Some(format!(
            "{}, {}{allowed}, {}",
            part(self.errors, "error"),
            part(self.warnings, "warning"),
            part(self.notes, "note")
        ))
    }
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
const fn is_zero(n: &usize) -> bool {
    *n == 0
}

const fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;
    use crate::source::FileId;
    use miette::{LabeledSpan, NamedSource, SourceSpan};

    #[test]
    fn sorting_puts_located_findings_in_file_order_and_the_rest_last_as_found() {
        let at = |file, start| Span {
            file: FileId(file),
            start,
            len: 1,
        };
        let mut found = Diagnostics::default();
        found.push(Diagnostic::error(Code::AddressInvalid, "unlocated first"));
        found.push(Diagnostic::error(Code::BindPrivate, "second file").at(at(1, 0)));
        found.push(Diagnostic::error(
            Code::ConfigUndeclared,
            "unlocated second",
        ));
        found.push(Diagnostic::error(Code::DependsOnCycle, "first file, late").at(at(0, 9)));
        found.push(Diagnostic::error(Code::ExtendsCycle, "first file, early").at(at(0, 2)));
        found.sort();
        let codes: Vec<Code> = found.items().iter().map(|d| d.code).collect();
        assert_eq!(
            codes,
            [
                Code::ExtendsCycle,
                Code::DependsOnCycle,
                Code::BindPrivate,
                Code::AddressInvalid,
                Code::ConfigUndeclared
            ]
        );
    }

    /// miette's own reader over the whole text: what [`Snippet`] must match.
    #[derive(Debug)]
    struct Whole {
        source: NamedSource<String>,
        label: SourceSpan,
    }

    impl std::fmt::Display for Whole {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("headline")
        }
    }

    impl std::error::Error for Whole {}

    impl miette::Diagnostic for Whole {
        fn source_code(&self) -> Option<&dyn miette::SourceCode> {
            Some(&self.source)
        }

        fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
            Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
                None, self.label,
            ))))
        }
    }

    #[test]
    fn snippets_read_through_the_line_index_match_miette() {
        let text = "services:\n  a:\n    image: x\n\n    ports:\n      - \"80:80\"\n  b:\n    image: y\nlast line without newline";
        let starts = 0..text.len();
        snippets_match_miette(text, starts);
    }

    /// Context lines longer than a snippet looks along (a long comment
    /// before and after the span) come from the file's line index.
    #[test]
    fn snippets_beside_long_lines_match_miette() {
        let long = "#".repeat(9_000);
        let text = format!("a: 1\n{long}\nb: 2\nc: 3\n{long}\nd: 4\n\n{long}");
        let short = (0..5).chain(9_006..9_016).chain(18_017..18_024);
        snippets_match_miette(&text, short);
    }

    fn snippets_match_miette(text: &str, starts: impl Iterator<Item = usize>) {
        let mut sources = Sources::default();
        let file = sources.add(std::path::Path::new("compose.yaml"), text.to_string());
        let snippets = Snippets::new(&sources);
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor());
        let mut spans = Vec::new();
        for start in starts {
            for len in [0, 1, 3, 12, 40] {
                if start + len > text.len() || !text.is_char_boundary(start) {
                    continue;
                }
                // lines too long to show are named, not drawn
                let first = text[..start].rfind('\n').map_or(0, |i| i + 1);
                let end = text[start + len..]
                    .find('\n')
                    .map_or(text.len(), |i| start + len + i + 1);
                if text[first..end]
                    .split_inclusive('\n')
                    .all(|l| l.len() <= 4096)
                {
                    spans.push((start, len));
                }
            }
        }
        assert!(!spans.is_empty());
        for (start, len) in spans {
            let diagnostic =
                Diagnostic::warning(Code::PortConflict, "headline").at(Span { file, start, len });
            let mut ours = String::new();
            handler
                .render_report(&mut ours, &Report::new(&diagnostic, &snippets))
                .unwrap();
            let whole = Whole {
                source: NamedSource::new("compose.yaml", text.to_string()),
                label: SourceSpan::new(start.into(), len),
            };
            let mut theirs = String::new();
            handler.render_report(&mut theirs, &whole).unwrap();
            // Only the headline's severity marker differs between the two.
            let strip = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
            assert_eq!(strip(&ours), strip(&theirs), "span {start}+{len}");
        }
    }

    #[test]
    fn groups_share_code_and_advice_or_without_advice_the_message() {
        let items = [
            Diagnostic::warning(Code::PortConflict, "one").help("do x"),
            Diagnostic::warning(Code::PortConflict, "two").help("do x"),
            Diagnostic::warning(Code::PortConflict, "three").help("do y"),
            Diagnostic::error(Code::PortConflict, "four").help("do x"),
            Diagnostic::error(Code::Type, "`image` must be a string"),
            Diagnostic::error(Code::Type, "`ports` must be a list"),
            Diagnostic::error(Code::Type, "`image` must be a string"),
        ];
        let groups = Groups::of(items.iter());
        let members: Vec<&[usize]> = groups.iter().collect();
        assert_eq!(
            members,
            [&[0, 1][..], &[2], &[3], &[4, 6], &[5]],
            "{members:?}"
        );
    }

    #[test]
    fn numbers_have_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_997), "1,997");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn summary_counts_every_severity() {
        let mut diagnostics = Diagnostics::default();
        assert_eq!(diagnostics.counts().summary(), None);
        diagnostics.push(Diagnostic::note(Code::RestartPod, "only a note"));
        assert_eq!(
            diagnostics.counts().summary().as_deref(),
            Some("0 errors, 0 warnings, 1 note")
        );
    }
}
