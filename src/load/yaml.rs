//! YAML text → [`Node`] tree with a span on every node.
//!
//! serde-saphyr parses (anchors, aliases, merge keys, YAML 1.2 booleans, alias
//! limits); each node is captured with `serde_saphyr::Spanned` so the tree keeps
//! byte positions. Scalars that are not strings keep their source spelling, so
//! `1.10` or `0080` reach later stages exactly as written.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Spanned, Tagged};

use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

/// The deepest nesting of mappings and sequences podlift reads.
pub const MAX_DEPTH: usize = 64;
/// The most YAML events (scalars, collection starts and ends) in one file.
pub const MAX_EVENTS: usize = 8_000_000;
/// The most nodes in one file.
pub const MAX_NODES: usize = 4_000_000;
/// The most events that aliases (`*name`) may replay in one file: the guard
/// against "billion laughs" alias bombs.
pub const MAX_ALIAS_REPLAYED_EVENTS: usize = 1_000_000;
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
            .find(|(k, _)| k.scalar().as_deref() == Some(key))
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
    let options = serde_saphyr::options! {
        strict_booleans: true,
        duplicate_keys: serde_saphyr::options::DuplicateKeyPolicy::Error,
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: MAX_ALIAS_REPLAYED_EVENTS,
            max_replay_stack_depth: MAX_DEPTH,
        },
        budget: serde_saphyr::budget! {
            max_events: MAX_EVENTS,
            max_nodes: MAX_NODES,
            max_depth: MAX_DEPTH,
            flow_nesting_limit: MAX_DEPTH,
            max_aliases: MAX_ALIASES,
            max_merge_keys: MAX_ALIASES,
            max_recorded_anchor_events: MAX_ALIAS_REPLAYED_EVENTS,
            enforce_alias_anchor_ratio: false,
        },
    };
    let raw: Spanned<Tagged<Raw>> = serde_saphyr::from_str_with_options(text, options)
        .map_err(|e| syntax_error(&e, text, file))?;
    let mut tags = Tags::new();
    let node = convert(Child::from(raw), text, file, &mut tags);
    Ok((node, tags))
}

fn syntax_error(error: &serde_saphyr::Error, text: &str, file: FileId) -> Diagnostic {
    let span = error.location().map(|loc| {
        let start = loc
            .span()
            .byte_offset()
            .and_then(|o| usize::try_from(o).ok())
            .unwrap_or_else(|| byte_of_line_col(text, loc.line(), loc.column()));
        Span {
            file,
            start: start.min(text.len()),
            len: 1.min(text.len() - start.min(text.len())),
        }
    });
    let message = first_line(&error.to_string());
    let lower = message.to_lowercase();
    if ["budget", "replay", "depth", "nesting", "limit"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return Diagnostic::error("yaml-limit", format!("the YAML exceeds a limit: {message}"))
            .at_opt(span)
            .help(format!(
                "podlift reads at most {MAX_DEPTH} levels of nesting and {MAX_ALIAS_REPLAYED_EVENTS} events replayed by aliases; \
                 simplify the marked part (an alias that expands to itself many times is an \"alias bomb\")"
            ));
    }
    Diagnostic::error("yaml-syntax", format!("invalid YAML: {message}"))
        .at_opt(span)
        .help("fix the YAML syntax at the marked position")
}

/// serde-saphyr's messages can carry their own snippet; keep the first line.
fn first_line(message: &str) -> String {
    let line = message.lines().next().unwrap_or(message);
    line.trim().trim_end_matches('.').to_string()
}

fn byte_of_line_col(text: &str, line: u64, column: u64) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(usize::try_from(line.saturating_sub(1)).unwrap_or(0))
        .map(str::len)
        .sum();
    let col = usize::try_from(column.saturating_sub(1)).unwrap_or(0);
    let rest = text.get(line_start..).unwrap_or("");
    line_start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i)
}

/// Where a node was written, as far as the parser knows without the text.
#[derive(Clone, Copy)]
struct Position {
    /// Byte offset, when the parser has it (always, for string input).
    start: Option<usize>,
    /// Length in bytes (0 when unknown).
    len: usize,
    /// 1-based line, for when `start` is unknown.
    line: u64,
    /// 1-based column, for when `start` is unknown.
    column: u64,
}

impl Position {
    fn of(loc: serde_saphyr::Location) -> Self {
        let span = loc.span();
        Self {
            start: span.byte_offset().and_then(|o| usize::try_from(o).ok()),
            len: span
                .byte_len()
                .and_then(|l| usize::try_from(l).ok())
                .unwrap_or(0),
            line: loc.line(),
            column: loc.column(),
        }
    }

    fn span(self, text: &str, file: FileId) -> Span {
        let start = self
            .start
            .unwrap_or_else(|| byte_of_line_col(text, self.line, self.column))
            .min(text.len());
        Span {
            file,
            start,
            len: self.len.min(text.len() - start),
        }
    }
}

fn merge_tag(tag: Option<&str>) -> Option<MergeTag> {
    match tag {
        Some("!reset") => Some(MergeTag::Reset),
        Some("!override") => Some(MergeTag::Override),
        _ => None,
    }
}

fn convert(child: Child, text: &str, file: FileId, tags: &mut Tags) -> Node {
    let span = child.position.span(text, file);
    if let Some(tag) = child.tag {
        tags.insert(span, tag);
    }
    let value = match child.raw {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Number(fallback) => {
            let written = text.get(span.start..span.start + span.len).unwrap_or("");
            if written.is_empty() {
                Value::Number(fallback)
            } else {
                Value::Number(written.to_string())
            }
        }
        Raw::String(s) => Value::String(s),
        Raw::Seq(items) => {
            let mut nodes = Vec::with_capacity(items.len());
            for item in items {
                nodes.push(convert(item, text, file, tags));
            }
            Value::Seq(nodes)
        }
        Raw::Map(entries) => {
            let mut pairs = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                let key = convert(k, text, file, tags);
                pairs.push((key, convert(v, text, file, tags)));
            }
            Value::Map(pairs)
        }
    };
    Node { value, span }
}

/// A node as serde-saphyr hands it over, cut down at once to what [`convert`]
/// needs: `Spanned<Tagged<Raw>>` is several times the size of a [`Node`], and
/// a tree of them would dominate the peak memory of a large file.
struct Child {
    raw: Raw,
    position: Position,
    tag: Option<MergeTag>,
}

impl From<Spanned<Tagged<Raw>>> for Child {
    fn from(spanned: Spanned<Tagged<Raw>>) -> Self {
        let Tagged(raw, tag) = spanned.value;
        Self {
            raw,
            position: Position::of(spanned.defined),
            tag: merge_tag(tag.as_deref()),
        }
    }
}

impl<'de> Deserialize<'de> for Child {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Spanned::<Tagged<Raw>>::deserialize(deserializer).map(Self::from)
    }
}

/// What serde-saphyr hands us, children still carrying their positions.
enum Raw {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Seq(Vec<Child>),
    Map(Vec<(Child, Child)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Number(v.to_string()))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::String(v))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::String(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Child>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Child>()? {
            let value = map.next_value::<Child>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::{Value, parse};
    use crate::source::FileId;

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
        assert_eq!(err.code, "yaml-syntax");
    }

    #[test]
    fn duplicate_keys_are_errors() {
        assert!(parse("a: 1\na: 2\n", FileId(0)).is_err());
    }
}
