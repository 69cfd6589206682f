//! Variable interpolation as the Compose Specification defines it:
//! `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
//! `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`, nested
//! templates inside the text after the operator, and `$$` for a literal `$`.
//!
//! Like compose, string values are interpolated (also inside `x-` extension
//! fields); mapping keys are not. A `$` that starts no variable (`$(cmd)`,
//! `$1`, a trailing `$`) stays as written, as in compose-go; an unclosed or
//! malformed `${...}` is an error, and so is nesting templates deeper than
//! [`MAX_NESTING`] (the text after an operator is itself a template).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{FileId, Sources, Span};

use super::yaml::{Node, Value};

/// The deepest nesting of templates (`${A:-${B:-...}}`) podlift expands;
/// deeper ones are an error rather than a stack overflow.
pub const MAX_NESTING: usize = 64;

/// The longest value interpolation may produce (1 MiB): `A1=${A0}${A0}`,
/// `A2=${A1}${A1}`, … would otherwise double a value with every line.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;

/// The most bytes interpolation may produce in one run (64 MiB, four times
/// the largest compose file), over every value that holds a `$` (compose
/// files, `.env`, `env_file`, `label_file`).
pub const MAX_INTERPOLATED_BYTES: u64 = 64 * 1024 * 1024;

/// What interpolation has done in one run, shared by every file: the bytes
/// it produced (bounded by [`MAX_INTERPOLATED_BYTES`]), the variables it
/// took from the environment podlift runs in (their names), and which
/// variables each value of a compose file was made with (see
/// [`Tally::substitutions_in`]).
#[derive(Clone, Debug, Default)]
pub struct Tally {
    inner: Arc<TallyInner>,
}

#[derive(Debug, Default)]
struct TallyInner {
    bytes: AtomicU64,
    /// Whether going past the limit was reported.
    reported: AtomicBool,
    /// The names the process environment sets.
    shell: BTreeSet<String>,
    /// The names taken from it, each with where it was first used.
    taken: Mutex<BTreeMap<String, Option<Span>>>,
    substitutions: Mutex<Substitutions>,
}

/// The variables interpolation put into the values of compose files: each
/// name with its value once, and for each value interpolated the ones it
/// used, by where the value starts. Bounded by the input, not by how often
/// a variable is used: a pair is kept once however many values use it.
#[derive(Debug, Default)]
struct Substitutions {
    pairs: Vec<(String, String)>,
    ids: HashMap<(String, String), u32>,
    at: BTreeMap<(FileId, usize), Vec<u32>>,
}

impl Tally {
    /// A tally for a run whose process environment sets `shell` (only the
    /// names are kept).
    #[must_use]
    pub fn new(shell: &BTreeMap<String, String>) -> Self {
        Self {
            inner: Arc::new(TallyInner {
                bytes: AtomicU64::new(0),
                reported: AtomicBool::new(false),
                shell: shell.keys().cloned().collect(),
                taken: Mutex::new(BTreeMap::new()),
                substitutions: Mutex::new(Substitutions::default()),
            }),
        }
    }

    /// Counts `bytes` produced; `false` once the run is past the limit.
    #[must_use]
    pub fn take(&self, bytes: usize) -> bool {
        let bytes = bytes as u64;
        let before = self.inner.bytes.fetch_add(bytes, Ordering::Relaxed);
        before.saturating_add(bytes) <= MAX_INTERPOLATED_BYTES
    }

    /// `true` the first time it is asked after [`Tally::take`] said `false`:
    /// the run's limit is reported once.
    #[must_use]
    pub fn report_over(&self) -> bool {
        !self.inner.reported.swap(true, Ordering::Relaxed)
    }

    /// Records that `name` was looked up at `span`: kept when the process
    /// environment sets it (whose value wins over every env file).
    pub fn used(&self, name: &str, span: Option<Span>) {
        if !self.inner.shell.contains(name) {
            return;
        }
        if let Ok(mut taken) = self.inner.taken.lock()
            && !taken.contains_key(name)
        {
            taken.insert(name.to_string(), span);
        }
    }

    /// Records that the value at `span` was made with `used` (names and
    /// the values they had; empty values are left out).
    fn substituted(&self, span: Span, used: Vec<(String, String)>) {
        let Ok(mut record) = self.inner.substitutions.lock() else {
            return;
        };
        let record = &mut *record;
        let mut ids = Vec::with_capacity(used.len());
        for pair in used {
            if pair.1.is_empty() {
                continue;
            }
            let id = match record.ids.get(&pair) {
                Some(&id) => id,
                None => {
                    let id = u32::try_from(record.pairs.len()).unwrap_or(u32::MAX);
                    record.ids.insert(pair.clone(), id);
                    record.pairs.push(pair);
                    id
                }
            };
            // `used` holds each name once, so each pair comes once
            ids.push(id);
        }
        if !ids.is_empty() {
            record.at.insert((span.file, span.start), ids);
        }
    }

    /// Whether interpolation put any variable's value into a compose file:
    /// without one, no command holds a credential from the environment.
    #[must_use]
    pub fn substituted_any(&self) -> bool {
        self.inner
            .substitutions
            .lock()
            .is_ok_and(|record| !record.at.is_empty())
    }

    /// The variables (name, value) that the string values at `spans` of a
    /// compose file were interpolated with, each pair once however many
    /// values used it (so the work is the spans plus the pairs, never one
    /// copy of a value per use): where compose wrote a credential into a
    /// command, the plan reads it from a Secret instead. Never printed.
    #[must_use]
    pub fn substitutions_in(&self, spans: &[Span]) -> Vec<(String, String)> {
        let Ok(record) = self.inner.substitutions.lock() else {
            return Vec::new();
        };
        let mut seen = BTreeSet::new();
        spans
            .iter()
            .filter_map(|span| record.at.get(&(span.file, span.start)))
            .flatten()
            .filter(|&&id| seen.insert(id))
            .filter_map(|&id| record.pairs.get(id as usize).cloned())
            .collect()
    }

    /// The variables interpolation took from the process environment, by
    /// name, each with where it was first used.
    #[must_use]
    pub fn from_shell(&self) -> Vec<(String, Option<Span>)> {
        self.inner
            .taken
            .lock()
            .map(|taken| taken.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }
}

/// Where variable values come from.
pub trait Lookup {
    /// The value of `name`, `None` when it is not set.
    fn get(&self, name: &str) -> Option<String>;
}

impl Lookup for BTreeMap<String, String> {
    fn get(&self, name: &str) -> Option<String> {
        BTreeMap::get(self, name).cloned()
    }
}

/// Variable sources in precedence order: the first that sets a name wins
/// (process environment, then env files).
#[derive(Clone, Debug, Default, Hash, PartialEq, Eq)]
pub struct Variables {
    layers: Vec<BTreeMap<String, String>>,
}

impl Variables {
    /// Sources, the first winning.
    #[must_use]
    pub const fn new(layers: Vec<BTreeMap<String, String>>) -> Self {
        Self { layers }
    }
}

impl Variables {
    /// These sources, then `fallback`'s.
    #[must_use]
    pub fn then(mut self, fallback: &Self) -> Self {
        self.layers.extend(fallback.layers.iter().cloned());
        self
    }
}

impl Lookup for Variables {
    fn get(&self, name: &str) -> Option<String> {
        self.layers
            .iter()
            .find_map(|layer| layer.get(name).cloned())
    }
}

/// Why a template could not be interpolated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// A malformed `${...}`, at this byte range.
    Invalid(Range<usize>),
    /// `${NAME:?message}` or `${NAME?message}` with `NAME` not set (or empty).
    Required {
        /// The variable.
        name: String,
        /// The user's message.
        message: String,
        /// Where the template is.
        at: Range<usize>,
    },
    /// Templates nested more than [`MAX_NESTING`] deep: the first one past the
    /// limit is at this byte range.
    TooDeep(Range<usize>),
    /// The value grew past [`MAX_VALUE_BYTES`] at the template at this byte range.
    TooLong(Range<usize>),
}

/// A variable used without a default and not set: its name and where.
pub type Missing = Vec<(String, Range<usize>)>;

/// Interpolates one string.
///
/// # Errors
/// An invalid `$` or a required variable without a value.
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Missing), Problem> {
    let mut out = String::with_capacity(template.len());
    let mut missing = Vec::new();
    substitute_into(template, 0, 0, lookup, &mut out, &mut missing)?;
    Ok((out, missing))
}

fn is_name_start(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphabetic()
}

fn is_name(c: u8) -> bool {
    c == b'_' || c.is_ascii_alphanumeric()
}

fn name_len(bytes: &[u8]) -> usize {
    match bytes.first() {
        Some(&c) if is_name_start(c) => bytes.iter().take_while(|&&c| is_name(c)).count(),
        _ => 0,
    }
}

/// The index of the `}` closing a `${` that starts at `open`, counting nested `${`.
fn closing_brace(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while let Some(&c) = bytes.get(i) {
        if c == b'$' && bytes.get(i + 1) == Some(&b'{') {
            depth += 1;
            i += 2;
            continue;
        }
        if c == b'}' {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i);
            }
        }
        i += 1;
    }
    None
}

/// `depth` counts the templates `template` is nested in.
fn substitute_into(
    template: &str,
    base: usize,
    depth: usize,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    missing: &mut Missing,
) -> Result<(), Problem> {
    let bytes = template.as_bytes();
    let mut literal_start = 0;
    let mut i = 0;
    while let Some(dollar) = template.get(i..).and_then(|s| s.find('$')).map(|d| d + i) {
        out.push_str(template.get(literal_start..dollar).unwrap_or(""));
        let after = dollar + 1;
        match bytes.get(after) {
            Some(b'$') => {
                out.push('$');
                i = after + 1;
            }
            Some(b'{') => {
                let Some(close) = closing_brace(bytes, dollar) else {
                    return Err(Problem::Invalid(base + dollar..base + template.len()));
                };
                let at = base + dollar..base + close + 1;
                if depth >= MAX_NESTING {
                    return Err(Problem::TooDeep(at));
                }
                let inner = template.get(after + 1..close).unwrap_or("");
                braced(inner, base + after + 1, depth + 1, at, lookup, out, missing)?;
                i = close + 1;
            }
            Some(_) => {
                let len = name_len(bytes.get(after..).unwrap_or(&[]));
                if len == 0 {
                    out.push('$');
                    i = after;
                    literal_start = i;
                    continue;
                }
                let name = template.get(after..after + len).unwrap_or("");
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => missing.push((name.to_string(), base + dollar..base + after + len)),
                }
                i = after + len;
            }
            None => {
                out.push('$');
                i = after;
            }
        }
        literal_start = i;
        if out.len() > MAX_VALUE_BYTES {
            return Err(Problem::TooLong(
                base + dollar..base + i.clamp(dollar + 1, template.len()),
            ));
        }
    }
    out.push_str(template.get(literal_start..).unwrap_or(""));
    if out.len() > MAX_VALUE_BYTES {
        return Err(Problem::TooLong(base..base + template.len().max(1)));
    }
    Ok(())
}

/// `inner` is the text between `${` and `}`, starting at byte `start` of the root template.
fn braced(
    inner: &str,
    start: usize,
    depth: usize,
    at: Range<usize>,
    lookup: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    missing: &mut Missing,
) -> Result<(), Problem> {
    let len = name_len(inner.as_bytes());
    if len == 0 {
        return Err(Problem::Invalid(at));
    }
    let name = inner.get(..len).unwrap_or("");
    let rest = inner.get(len..).unwrap_or("");
    let value = lookup(name);
    if rest.is_empty() {
        match value {
            Some(v) => out.push_str(&v),
            None => missing.push((name.to_string(), at)),
        }
        return Ok(());
    }
    // the operator is borrowed from the template: no text is made for it
    let op_len = match rest.as_bytes() {
        [b':', b'-' | b'?' | b'+', ..] => 2,
        [b'-' | b'?' | b'+', ..] => 1,
        _ => return Err(Problem::Invalid(at)),
    };
    let op = rest.get(..op_len).unwrap_or("");
    let arg = rest.get(op_len..).unwrap_or("");
    let arg_offset = op_len;
    let arg_start = start + len + arg_offset;
    let set = value.is_some();
    let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
    // Compose expands the argument whether it is used or not: an invalid
    // template or a required variable in it is refused either way
    // (`${A:-${B.c}}` with `A` set), and its unset variables are reported.
    let mut expanded = String::new();
    if op.ends_with('?') {
        let mut ignored = Vec::new();
        substitute_into(arg, arg_start, depth, lookup, &mut expanded, &mut ignored)?;
    } else {
        substitute_into(arg, arg_start, depth, lookup, &mut expanded, missing)?;
    }
    match op {
        ":-" | "-" => {
            let use_value = if op == ":-" { non_empty } else { set };
            if use_value {
                out.push_str(value.as_deref().unwrap_or(""));
            } else {
                out.push_str(&expanded);
            }
        }
        ":+" | "+" => {
            let use_alt = if op == ":+" { non_empty } else { set };
            if use_alt {
                out.push_str(&expanded);
            }
        }
        _ => {
            let ok = if op == ":?" { non_empty } else { set };
            if ok {
                out.push_str(value.as_deref().unwrap_or(""));
            } else {
                let message = expanded;
                return Err(Problem::Required {
                    name: name.to_string(),
                    message,
                    at,
                });
            }
        }
    }
    Ok(())
}

/// The warning for variable `name`, not set where it is used.
fn unset(name: &str) -> Diagnostic {
    Diagnostic::warning(
        Code::VariableUnset,
        format!("variable `{name}` is not set; it is replaced by an empty string"),
    )
    .help(format!(
        "set `{name}` in the environment or in `.env`, or give a default: `${{{name}:-value}}`"
    ))
}

/// Interpolates every string value in `node` (not mapping keys), reporting
/// unset variables as warnings and template errors as errors at their position.
pub fn interpolate_tree(
    node: &mut Node,
    lookup: &dyn Lookup,
    tally: &Tally,
    sources: &Sources,
    diagnostics: &mut Diagnostics,
) {
    match &mut node.value {
        Value::String(text) => {
            if !text.contains('$') {
                return;
            }
            let span = node.span;
            let locate = |range: &Range<usize>| sub_span(sources, span, text, range);
            // Each name once: what is kept is bounded by the variables set.
            let used = RefCell::new(BTreeMap::new());
            let found = |name: &str| {
                let value = lookup.get(name);
                if let Some(value) = &value {
                    tally.used(name, Some(span));
                    let mut used = used.borrow_mut();
                    if !used.contains_key(name) {
                        used.insert(name.to_string(), value.clone());
                    }
                }
                value
            };
            match substitute(text, &found) {
                Ok((value, _)) if !tally.take(value.len()) => {
                    if tally.report_over() {
                        diagnostics.push(
                            Diagnostic::error(
                                Code::LimitInterpolation,
                                format!("interpolation produced more than {MAX_INTERPOLATED_BYTES} bytes in all"),
                            )
                            .at(span)
                            .help("variables that expand to large values are used too often; write the values out"),
                        );
                    }
                }
                Err(Problem::TooLong(range)) => diagnostics.push(
                    Diagnostic::error(
                        Code::LimitInterpolation,
                        format!("the value grows past {MAX_VALUE_BYTES} bytes when its variables are expanded"),
                    )
                    .at(locate(&range))
                    .help("variables that expand to large values are used too often; write the value out"),
                ),
                Ok((value, missing)) => {
                    let used = used.take();
                    // a value no variable was set in records nothing
                    if !used.is_empty() {
                        tally.substituted(span, used.into_iter().collect());
                    }
                    for (name, range) in missing {
                        diagnostics.push(unset(&name).at(locate(&range)));
                    }
                    *text = value;
                }
                Err(Problem::Invalid(range)) => diagnostics.push(
                    Diagnostic::error(
                        Code::InterpolationSyntax,
                        format!(
                            "invalid interpolation `{}`",
                            text.get(range.clone()).unwrap_or(text)
                        ),
                    )
                    .at(locate(&range))
                    .help("close the `${`, write `${NAME}` or `${NAME:-default}`, or `$$` for a literal `$`"),
                ),
                Err(Problem::TooDeep(range)) => diagnostics.push(
                    Diagnostic::error(
                        Code::InterpolationDepth,
                        format!("interpolation nests templates more than {MAX_NESTING} deep"),
                    )
                    .at(locate(&range))
                    .help("flatten the nested `${NAME:-${OTHER:-...}}` defaults"),
                ),
                Err(Problem::Required { name, message, at }) => {
                    let message = if message.is_empty() {
                        format!("required variable `{name}` is not set")
                    } else {
                        format!("required variable `{name}` is not set: {message}")
                    };
                    diagnostics.push(
                        Diagnostic::error(Code::VariableRequired, message)
                            .at(locate(&at))
                            .help(format!("set `{name}` in the environment or in `.env`")),
                    );
                }
            }
        }
        Value::Seq(items) => {
            for item in items {
                interpolate_tree(item, lookup, tally, sources, diagnostics);
            }
        }
        Value::Map(entries) => {
            for (_, value) in entries {
                interpolate_tree(value, lookup, tally, sources, diagnostics);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The span of `range` of a scalar's value, when the source writes the value
/// verbatim (plain, or quoted without escapes); the whole node otherwise.
fn sub_span(sources: &Sources, span: Span, value: &str, range: &Range<usize>) -> Span {
    let written = sources.text(span);
    let start = if written == value {
        Some(span.start)
    } else if written.len() == value.len() + 2 && written.get(1..=value.len()) == Some(value) {
        Some(span.start + 1)
    } else {
        None
    };
    match start {
        Some(start) if range.end <= value.len() => Span {
            file: span.file,
            start: start + range.start,
            len: range.end - range.start,
        },
        _ => span,
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_NESTING, Problem, substitute};

    fn run(template: &str) -> Result<(String, Vec<String>), Problem> {
        let lookup = |name: &str| match name {
            "SET" => Some("value".to_string()),
            "EMPTY" => Some(String::new()),
            "PORT" => Some("8080".to_string()),
            _ => None,
        };
        substitute(template, &lookup)
            .map(|(text, missing)| (text, missing.into_iter().map(|(n, _)| n).collect()))
    }

    #[test]
    fn table() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("plain", "plain", &[]),
            ("$SET", "value", &[]),
            ("${SET}", "value", &[]),
            ("a-$SET-b", "a-value-b", &[]),
            ("$SET_x", "", &["SET_x"]),
            ("${SET}_x", "value_x", &[]),
            ("$$", "$", &[]),
            ("$$SET", "$SET", &[]),
            ("$${SET}", "${SET}", &[]),
            ("cost $$5", "cost $5", &[]),
            ("${UNSET}", "", &["UNSET"]),
            ("$UNSET", "", &["UNSET"]),
            ("${UNSET:-def}", "def", &[]),
            ("${EMPTY:-def}", "def", &[]),
            ("${EMPTY-def}", "", &[]),
            ("${UNSET-def}", "def", &[]),
            ("${SET:-def}", "value", &[]),
            ("${UNSET:+alt}", "", &[]),
            ("${EMPTY:+alt}", "", &[]),
            ("${EMPTY+alt}", "alt", &[]),
            ("${SET:+alt}", "alt", &[]),
            ("${SET:?boom}", "value", &[]),
            ("${EMPTY?boom}", "", &[]),
            ("${UNSET:-${PORT}}", "8080", &[]),
            ("${UNSET:-${ALSO:-x${SET}y}}", "xvaluey", &[]),
            ("${UNSET:-${ALSO}}", "", &["ALSO"]),
            // compose reports an unset variable of an unused default too
            ("${SET:-${ALSO}}", "value", &["ALSO"]),
            ("${UNSET:-a:b-c}", "a:b-c", &[]),
            ("${UNSET:-}", "", &[]),
            ("x${PORT}y${SET}", "x8080yvalue", &[]),
            ("${UNSET:-$$}", "$", &[]),
            ("${lower:-l}", "l", &[]),
            ("$", "$", &[]),
            ("a $ b", "a $ b", &[]),
            ("$1 $(date) $}", "$1 $(date) $}", &[]),
            ("${UNSET:-$(x)}", "$(x)", &[]),
            // the operator is one or two bytes; what follows is the argument
            ("${SET-def}", "value", &[]),
            ("${UNSET+alt}", "", &[]),
            ("${UNSET:-é:-x}", "é:-x", &[]),
            ("${UNSET--x}", "-x", &[]),
        ];
        for (template, want, want_missing) in cases {
            let (got, missing) = run(template).unwrap_or_else(|e| panic!("{template}: {e:?}"));
            assert_eq!(&got, want, "{template}");
            assert_eq!(&missing, want_missing, "{template}");
        }
    }

    #[test]
    fn required_variables_fail_with_the_message() {
        assert_eq!(
            run("x ${UNSET:?set it ${SET}}"),
            Err(Problem::Required {
                name: "UNSET".into(),
                message: "set it value".into(),
                at: 2..25,
            })
        );
        assert!(matches!(run("${EMPTY:?e}"), Err(Problem::Required { .. })));
        assert!(matches!(run("${UNSET?e}"), Err(Problem::Required { .. })));
    }

    #[test]
    fn invalid_templates() {
        for template in [
            "${",
            "${SET",
            "${}",
            "${1A}",
            "${SET!x}",
            "${SET:x}",
            "${SET:}",
            "${SET::-x}",
            "${SET:é}",
            "${SETé}",
            "a ${UNSET:-${x}",
        ] {
            assert!(
                matches!(run(template), Err(Problem::Invalid(_))),
                "{template}: {:?}",
                run(template)
            );
        }
        assert_eq!(run("ab ${1}"), Err(Problem::Invalid(3..7)));
    }

    /// Deep nesting is an error at the first template past the limit, not a
    /// stack overflow.
    #[test]
    fn nesting_is_limited() {
        let nested = |depth: usize| format!("{}x{}", "${UNSET:-".repeat(depth), "}".repeat(depth));
        assert_eq!(run(&nested(MAX_NESTING)), Ok(("x".into(), vec![])));
        let deep = nested(MAX_NESTING + 1);
        let innermost = "${UNSET:-x}";
        let start = deep.len() - innermost.len() - MAX_NESTING;
        assert_eq!(
            run(&deep),
            Err(Problem::TooDeep(start..start + innermost.len()))
        );
        let deeper = nested(100_000);
        assert!(matches!(run(&deeper), Err(Problem::TooDeep(_))));
    }
}
