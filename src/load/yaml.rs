//! YAML text → [`Node`] tree with a span on every node.
//!
//! The tree is built straight from the events of serde-saphyr's parser
//! (granit-parser): anchors and aliases, merge keys (`<<`), YAML 1.2 core
//! scalars (`yes`/`on` stay strings) and duplicate-key errors are resolved
//! here, with limits against alias bombs and deep nesting. Scalars that are not
//! strings keep their source spelling, so `1.10` or `0080` reach later stages
//! exactly as written. Going through serde instead would hand every node over
//! as a map of locations; building from events costs a third of that
//! (docs/performance.md).

use std::collections::HashMap;
use std::fmt;

mod builder;
mod fast;
mod scalar;

use granit_parser::{Options as ParserOptions, Parser, ScanError};

use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The deepest nesting of mappings and sequences podlift reads.
pub const MAX_DEPTH: usize = 64;
/// The most YAML events (scalars, collection starts and ends) in one file.
pub const MAX_EVENTS: usize = 8_000_000;
/// The most nodes in one file.
pub const MAX_NODES: usize = 4_000_000;
/// The most nodes that aliases (`*name`) may copy in one file, together: the guard
/// against "billion laughs" alias bombs.
pub const MAX_ALIAS_COPIED_NODES: usize = 1_000_000;
/// The most aliases, and the most merge keys (`<<`), in one file.
pub const MAX_ALIASES: usize = 200_000;

/// One YAML node and its position.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The content.
    pub value: Value,
    /// Where it was written (for aliases: where the anchor defined it).
    pub span: Span,
}

/// YAML content, with scalars kept as text.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or nothing.
    Null,
    /// `true` / `false` (YAML 1.2: `yes`/`on` are strings).
    Bool(bool),
    /// A number, as written in the source.
    Number(String),
    /// A string.
    String(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Node, Node)>),
}

/// A compact flow-style rendering (`{a: [1, 2]}`), for messages and tests.
impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.value {
            Value::Seq(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (key, value)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{key}: {value}")?;
                }
                f.write_str("}")
            }
            _ => f.write_str(self.scalar().as_deref().unwrap_or("~")),
        }
    }
}

impl Node {
    /// A short name of the node's type for messages.
    #[must_use]
    pub const fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The text of a scalar (string, number or boolean), `None` otherwise.
    #[must_use]
    pub fn scalar(&self) -> Option<String> {
        match &self.value {
            Value::String(s) | Value::Number(s) => Some(s.clone()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// Whether the node is a scalar whose text ([`Node::scalar`]) is `text`,
    /// without copying it.
    #[must_use]
    pub fn scalar_is(&self, text: &str) -> bool {
        match &self.value {
            Value::String(s) | Value::Number(s) => s == text,
            Value::Bool(b) => text == if *b { "true" } else { "false" },
            Value::Null | Value::Seq(_) | Value::Map(_) => false,
        }
    }

    /// The string, if the node is one.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if the node is a mapping.
    #[must_use]
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The items, if the node is a sequence.
    #[must_use]
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key`, if the node is a mapping that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.scalar_is(key))
            .map(|(_, v)| v)
    }
}

/// A compose merge tag on a node (see the Compose Specification, "merge").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeTag {
    /// `!reset`: the value is removed, whatever earlier files said.
    Reset,
    /// `!override`: the value replaces the earlier one instead of merging.
    Override,
}

/// The merge tags of a tree, by the span of the node they are written on.
pub type Tags = HashMap<Span, MergeTag>;

/// Parses one YAML document.
///
/// # Errors
/// A diagnostic at the position of the first syntax error.
pub fn parse(text: &str, file: FileId) -> Result<Node, Diagnostic> {
    parse_with_tags(text, file).map(|(node, _)| node)
}

/// Parses one YAML document and collects its `!reset` / `!override` tags.
///
/// # Errors
/// A diagnostic at the position of the first syntax error, or naming the
/// limit the document exceeds.
pub fn parse_with_tags(text: &str, file: FileId) -> Result<(Node, Tags), Diagnostic> {
    parse_with_paths(text, file).map(|(node, tags, _)| (node, tags))
}

/// Parses one YAML document, collects its `!reset` / `!override` tags and
/// where each key, item and value lies ([`Sources::set_key_paths`] takes
/// them, so a diagnostic names its service and key in any YAML style).
///
/// # Errors
/// As [`parse_with_tags`].
///
/// [`Sources::set_key_paths`]: crate::source::Sources::set_key_paths
pub fn parse_with_paths(
    text: &str,
    file: FileId,
) -> Result<(Node, Tags, crate::source::KeyPaths), Diagnostic> {
    // The block-style subset compose files are written in is read by our
    // own reader; any other text, or any error, goes to granit-parser whole.
    let mut building = Building {
        builder: builder::Builder::new(text, file),
        error: None,
    };
    if !fast::read(text, &mut building) {
        return parse_with_paths_granit(text, file);
    }
    match building.error {
        Some(error) => Err(error),
        None => Ok(finished(text, file, building.builder)),
    }
}

/// The tree builder taking the fast reader's events as they are read. Its
/// first error is kept, and the events after it are not built: what the
/// builder would have said of the same events in a list. Once the reader
/// has read the whole text, that error or the tree is the answer; when the
/// reader gives up, both are dropped and granit-parser reads the text, as
/// it did when the events were listed first (the error the builder met
/// was then never built either).
struct Building<'t> {
    builder: builder::Builder<'t>,
    error: Option<Diagnostic>,
}

impl<'t> fast::Sink<'t> for Building<'t> {
    fn reserve(&mut self, events: usize) {
        self.builder.reserve(events);
    }

    fn event(&mut self, event: granit_parser::Event<'t>, range: std::ops::Range<usize>) {
        if self.error.is_none()
            && let Err(error) = self.builder.event(event, range)
        {
            self.error = Some(error);
        }
    }
}

/// [`parse_with_paths`] through granit-parser only: the reference the fast
/// reader is tested against.
///
/// # Errors
/// As [`parse_with_tags`].
#[doc(hidden)]
pub fn parse_with_paths_granit(
    text: &str,
    file: FileId,
) -> Result<(Node, Tags, crate::source::KeyPaths), Diagnostic> {
    let mut options = ParserOptions::default();
    options.flow_nesting_limit = MAX_DEPTH;
    options.block_nesting_limit = MAX_DEPTH;
    let events = Parser::new_from_str_with_options(text, options).map(|event| {
        event
            .map(|(event, span)| (event, span.byte_range().unwrap_or(0..0)))
            .map_err(|e| scan_error(&e, text, file))
    });
    build(text, file, events)
}

/// The events the fast reader gives for `text` with the bytes each covers,
/// `None` when it leaves the text to granit-parser: for the tests that
/// compare it with granit-parser.
#[doc(hidden)]
#[must_use]
pub fn fast_events(text: &str) -> Option<Vec<(granit_parser::Event<'_>, std::ops::Range<usize>)>> {
    fast::events(text)
}

/// How many events the fast reader gave for `text` before it finished or
/// gave up, and whether it finished: for the test that it leaves a huge
/// document to granit-parser once past its bound.
#[doc(hidden)]
#[must_use]
pub fn fast_events_buffered(text: &str) -> (usize, bool) {
    let (events, done) = fast::read_all(text);
    (events.len(), done)
}

type Paths = crate::source::KeyPaths;

fn build<'t>(
    text: &'t str,
    file: FileId,
    events: impl Iterator<Item = Result<(granit_parser::Event<'t>, std::ops::Range<usize>), Diagnostic>>,
) -> Result<(Node, Tags, Paths), Diagnostic> {
    let mut builder = builder::Builder::new(text, file);
    for event in events {
        let (event, span) = event?;
        builder.event(event, span)?;
    }
    Ok(finished(text, file, builder))
}

/// The tree `builder` made of `text`, its merge tags and key paths.
fn finished(text: &str, file: FileId, builder: builder::Builder<'_>) -> (Node, Tags, Paths) {
    let (root, tags, paths) = builder.into_parts();
    // An empty document is null, placed at the end of the text.
    let root = root.unwrap_or(Node {
        value: Value::Null,
        span: Span {
            file,
            start: text.len(),
            len: 0,
        },
    });
    (root, tags, paths)
}

fn scan_error(error: &ScanError, text: &str, file: FileId) -> Diagnostic {
    let marker = error.marker();
    let start = marker
        .byte_offset()
        .unwrap_or_else(|| byte_of_line_col(text, marker.line(), marker.col()))
        .min(text.len());
    let span = Span {
        file,
        start,
        len: 1.min(text.len() - start),
    };
    let message = first_line(&error.info());
    let lower = message.to_lowercase();
    if ["depth", "nesting", "limit"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return limit_error(&message, span);
    }
    Diagnostic::error(Code::YamlSyntax, format!("invalid YAML: {message}"))
        .at(span)
        .help("fix the YAML syntax at the marked position")
}

pub(super) fn limit_error(message: &str, span: Span) -> Diagnostic {
    Diagnostic::error(Code::YamlLimit, format!("the YAML exceeds a limit: {message}"))
        .at(span)
        .help(format!(
            "podlift reads at most {MAX_DEPTH} levels of nesting and {MAX_ALIAS_COPIED_NODES} nodes copied for anchors and aliases; \
             simplify the marked part (an alias that expands to itself many times is an \"alias bomb\")"
        ))
}

/// The parser's messages can span lines; keep the first.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.trim().trim_end_matches('.').to_string()
}

/// The byte offset of a 1-based line and 0-based column (in characters).
fn byte_of_line_col(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let rest = text.get(line_start..).unwrap_or("");
    line_start
        + rest
            .char_indices()
            .nth(column)
            .map_or(rest.len(), |(i, _)| i)
}
#[cfg(test)]
mod tests {
    use super::{Value, parse};
    use crate::diagnostic::Code;
    use crate::source::FileId;

    #[test]
    fn get_finds_keys_by_their_text_whatever_their_type() {
        let node = parse("true: b\n1: n\nname: s\n~: x\n", FileId(0)).unwrap();
        for (key, value) in [("true", "b"), ("1", "n"), ("name", "s")] {
            let found = node.get(key).unwrap();
            assert_eq!(found.as_str(), Some(value), "{key}");
            assert!(node.as_map().unwrap().iter().any(|(k, _)| k.scalar_is(key)));
        }
        assert!(node.get("false").is_none());
        assert!(node.get("~").is_none());
        assert!(node.get("").is_none());
    }

    fn env_values(text: &str) -> Vec<Value> {
        let node = parse(text, FileId(0)).unwrap();
        node.get("e")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .map(|(_, v)| v.value.clone())
            .collect()
    }

    #[test]
    fn scalars_keep_their_spelling() {
        let values = env_values("e:\n  a: yes\n  b: \"0080\"\n  c: 1.10\n  d: 0080\n  f: on\n");
        assert_eq!(
            values,
            vec![
                Value::String("yes".into()),
                Value::String("0080".into()),
                Value::Number("1.10".into()),
                Value::Number("0080".into()),
                Value::String("on".into()),
            ]
        );
    }

    #[test]
    fn merge_keys_and_aliases_resolve() {
        let node = parse("x: &b\n  image: foo\ns:\n  <<: *b\n  tag: 1\n", FileId(0)).unwrap();
        let s = node.get("s").unwrap();
        assert_eq!(s.get("image").unwrap().as_str(), Some("foo"));
        assert_eq!(s.get("tag").unwrap().value, Value::Number("1".into()));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse("a: [1, 2\nb: 3\n", FileId(0)).unwrap_err();
        assert!(err.span.is_some(), "{err:?}");
        assert_eq!(err.code, Code::YamlSyntax);
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert!(parse("a: 1\na: 2\n", FileId(0)).is_err());
        assert!(parse("a: 1\n\"a\": 2\n", FileId(0)).is_err());
        // a large mapping finds them through its key index
        let mut big = String::new();
        for i in 0..100 {
            big += &["k", &i.to_string(), ": 1\n"].concat();
        }
        assert!(parse(&big, FileId(0)).is_ok());
        big.push_str("k7: again\n");
        let err = parse(&big, FileId(0)).unwrap_err();
        assert!(
            err.message.contains("duplicate key `k7`"),
            "{}",
            err.message
        );
    }

    /// How plain scalars resolve: YAML 1.2 core schema, as serde-saphyr reads
    /// it (this table was checked against serde-saphyr 2.2's `deserialize_any`).
    #[test]
    fn scalars_resolve_by_the_core_schema() {
        let number = |s: &str| Value::Number(s.into());
        let string = |s: &str| Value::String(s.into());
        let cases = [
            ("~", Value::Null),
            ("null", Value::Null),
            ("NULL", Value::Null),
            ("true", Value::Bool(true)),
            ("False", Value::Bool(false)),
            ("tRue", string("tRue")),
            ("y", string("y")),
            ("off", string("off")),
            ("0", number("0")),
            ("-0", number("-0")),
            ("1_000", number("1_000")),
            ("1__0", string("1__0")),
            ("0x1F", number("0x1F")),
            ("0X1F", string("0X1F")),
            ("0o17", number("0o17")),
            ("0b101", number("0b101")),
            ("-0x10", number("-0x10")),
            ("18446744073709551615", number("18446744073709551615")),
            ("0xFFFFFFFFFFFFFFFFF", string("0xFFFFFFFFFFFFFFFFF")),
            ("99999999999999999999999", number("99999999999999999999999")),
            (".5", number(".5")),
            ("1.", number("1.")),
            ("1.5e+3", number("1.5e+3")),
            ("1e", string("1e")),
            ("inf", string("inf")),
            (".inf", string(".inf")),
            ("-.nan", string("-.nan")),
            ("1e999", string("1e999")),
            ("12:30", string("12:30")),
            ("8080:80", string("8080:80")),
            ("!!str 1", string("1")),
            ("! 1", string("1")),
            ("!!int \"8\"", number("8")),
            ("!!null x", Value::Null),
            ("'1'", string("1")),
            ("!reset 1", number("1")),
        ];
        for (written, expected) in cases {
            assert_eq!(
                env_values(&format!("e:\n  k: {written}\n")),
                vec![expected],
                "{written}"
            );
        }
        assert!(parse("e: !!int x\n", FileId(0)).is_err());
        assert!(parse("e: !!bool yes\n", FileId(0)).is_err());
    }

    #[test]
    fn merge_keys_follow_the_yaml_merge_order() {
        // written keys win, then earlier merges over later ones; merged keys
        // come after the written ones
        let node = parse(
            "a: &a {k: 1, j: 2}\nb: &b {k: 3, m: 4}\nc:\n  k: 0\n  <<: [*a, *b]\n",
            FileId(0),
        )
        .unwrap();
        assert_eq!(node.get("c").unwrap().to_string(), "{k: 0, j: 2, m: 4}");
        let node = parse("c:\n  <<: {a: 1}\n  <<: {a: 2, b: 3}\n  <<: ~\n", FileId(0)).unwrap();
        assert_eq!(node.get("c").unwrap().to_string(), "{a: 1, b: 3}");
        // a quoted `<<` is an ordinary key
        let node = parse("c:\n  '<<': {a: 1}\n", FileId(0)).unwrap();
        assert_eq!(node.get("c").unwrap().to_string(), "{<<: {a: 1}}");
        for bad in ["c:\n  <<: 1\n", "c:\n  <<: [1]\n"] {
            let err = parse(bad, FileId(0)).unwrap_err();
            assert!(err.message.contains("merge key"), "{}", err.message);
        }
    }

    #[test]
    fn keys_are_compared_as_text() {
        // later stages read keys as text: `true` and "true" are one key
        assert!(parse("true: 1\n\"true\": 2\n", FileId(0)).is_err());
        assert!(parse("1: a\n\"1\": b\n", FileId(0)).is_err());
        // a list as a key is not the text it prints as
        assert!(parse("? [1]\n: a\n? [\"1\"]\n: b\n", FileId(0)).is_err());
        assert!(parse("? [a, b]\n: 1\n\"[a, b]\": 2\n", FileId(0)).is_ok());
        assert!(parse("? [a]\n: 1\n? [b]\n: 2\n", FileId(0)).is_ok());
    }

    #[test]
    fn merge_key_spellings() {
        for text in [
            "x: &b {image: nginx}\ns:\n  !!merge <<: *b\n",
            "x: &b {image: nginx}\ns:\n  &m <<: *b\n",
            "x: &b {image: nginx}\ns: {<<: *b}\n",
        ] {
            let node = parse(text, FileId(0)).unwrap();
            assert_eq!(
                node.get("s").unwrap().to_string(),
                "{image: nginx}",
                "{text}"
            );
        }
    }

    #[test]
    fn aliases_cannot_nest_past_the_depth_limit() {
        // each anchor nests 30 levels and the alias of the one before it
        let mut text = String::new();
        let mut inner = "1".to_string();
        for i in 0..4 {
            let line = format!("x{i}: &a{i} {}{inner}{}\n", "[".repeat(30), "]".repeat(30));
            text.push_str(&line);
            inner = format!("*a{i}");
        }
        let err = parse(&text, FileId(0)).unwrap_err();
        assert_eq!(err.code, Code::YamlLimit);
        assert!(err.message.contains("levels of nesting"), "{}", err.message);
    }

    #[test]
    fn nested_anchors_count_what_they_copy() {
        // 20 anchors around one list of 100,000 items: 2 million copied nodes
        let items = vec!["1"; 100_000].join(", ");
        let open: String = (0..20)
            .map(|i| ["&n", &i.to_string(), " ["].concat())
            .collect();
        let text = ["x: ", &open, &items, &"]".repeat(20), "\n"].concat();
        let err = parse(&text, FileId(0)).unwrap_err();
        assert!(err.message.contains("copy more than"), "{}", err.message);
    }

    #[test]
    fn documents_aliases_and_tags() {
        assert_eq!(parse("", FileId(0)).unwrap().value, Value::Null);
        assert_eq!(
            parse("# only a comment\n", FileId(0)).unwrap().value,
            Value::Null
        );
        assert!(parse("---\na: 1\n...\n", FileId(0)).is_ok());
        let err = parse("a: 1\n---\nb: 2\n", FileId(0)).unwrap_err();
        assert!(
            err.message.contains("more than one document"),
            "{}",
            err.message
        );
        let err = parse("a: &x [1, *x]\n", FileId(0)).unwrap_err();
        assert!(err.message.contains("alias"), "{}", err.message);
        assert!(parse("a: *nope\n", FileId(0)).is_err());
        // an alias copies the node, with the span of its anchor
        let node = parse("a: &x 1\nb: &x 2\nc: *x\n", FileId(0)).unwrap();
        assert_eq!(node.get("c").unwrap().span, node.get("b").unwrap().span);
        // tags are keyed by the span of the node they are written on
        let (_, tags) =
            super::parse_with_tags("a: !reset\nb: !override\n  x: 1\n", FileId(0)).unwrap();
        let mut found: Vec<_> = tags
            .into_iter()
            .map(|(span, tag)| (span.start, tag))
            .collect();
        found.sort_by_key(|(start, _)| *start);
        assert_eq!(
            found,
            vec![(9, super::MergeTag::Reset), (25, super::MergeTag::Override)]
        );
    }
}
