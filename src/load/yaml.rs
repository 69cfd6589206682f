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
use std::hash::{Hash, Hasher};

use granit_parser::{
    Event, Options as ParserOptions, Parser, ScalarStyle, ScanError, Span as EventSpan, Tag,
};

use crate::diagnostic::Diagnostic;
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
    let mut options = ParserOptions::default();
    options.flow_nesting_limit = MAX_DEPTH;
    options.block_nesting_limit = MAX_DEPTH;
    let mut builder = Builder {
        text,
        file,
        stack: Vec::new(),
        items: Vec::new(),
        pairs: Vec::new(),
        anchors: HashMap::new(),
        tags: Tags::new(),
        root: None,
        documents: 0,
        counts: Counts::default(),
    };
    for event in Parser::new_from_str_with_options(text, options) {
        let (event, span) = event.map_err(|e| scan_error(&e, text, file))?;
        builder.event(event, span)?;
    }
    // An empty document is null, placed at the end of the text.
    let root = builder.root.unwrap_or(Node {
        value: Value::Null,
        span: Span {
            file,
            start: text.len(),
            len: 0,
        },
    });
    Ok((root, builder.tags))
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
    Diagnostic::error("yaml-syntax", format!("invalid YAML: {message}"))
        .at(span)
        .help("fix the YAML syntax at the marked position")
}

fn limit_error(message: &str, span: Span) -> Diagnostic {
    Diagnostic::error("yaml-limit", format!("the YAML exceeds a limit: {message}"))
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

fn merge_tag(tag: Option<&Tag>) -> Option<MergeTag> {
    let tag = tag?;
    match (tag.handle(), tag.suffix()) {
        ("!", "reset") => Some(MergeTag::Reset),
        ("!", "override") => Some(MergeTag::Override),
        _ => None,
    }
}

/// How much of each limited thing the document has used.
#[derive(Default)]
struct Counts {
    events: usize,
    nodes: usize,
    aliases: usize,
    merge_keys: usize,
    /// Nodes copied for anchors and by aliases.
    copied: usize,
}

/// Builds the tree from parser events: open collections on a stack, each
/// finished node handed to the collection below it.
struct Builder<'t> {
    text: &'t str,
    file: FileId,
    stack: Vec<Frame>,
    /// The items of every open sequence, innermost last: a finished sequence
    /// takes its own off the top into a vector of exactly its size.
    items: Vec<Node>,
    /// The entries of every open mapping, the same way.
    pairs: Vec<(Node, Node)>,
    /// Finished anchored nodes by the parser's anchor id, with their node count.
    anchors: HashMap<usize, Anchored>,
    tags: Tags,
    root: Option<Node>,
    documents: usize,
    counts: Counts,
}

/// An open collection.
enum Frame {
    Seq {
        /// Where its items start in [`Builder::items`].
        base: usize,
        span: Span,
        anchor: usize,
    },
    Map(MapFrame),
}

/// An open mapping: its entries so far, the key waiting for its value, and
/// the entries that merge keys bring in once the mapping ends.
struct MapFrame {
    /// Where its entries start in [`Builder::pairs`].
    base: usize,
    key: Key,
    merged: Vec<(Node, Node)>,
    /// The position of each key by its hash, once the mapping is large
    /// enough to need it.
    index: Option<HashMap<u64, usize>>,
    span: Span,
    anchor: usize,
}

enum Key {
    Expected,
    /// A merge key (`<<`) at this position; its value is merged, not stored.
    Merge,
    Written(Node),
}

/// Mappings up to this size find duplicate keys by a linear search.
const LINEAR_KEYS: usize = 32;

impl Builder<'_> {
    fn span(&self, span: EventSpan) -> Span {
        let range = span.byte_range().unwrap_or(0..0);
        let start = range.start.min(self.text.len());
        Span {
            file: self.file,
            start,
            len: range.end.min(self.text.len()).saturating_sub(start),
        }
    }

    fn event(&mut self, event: Event<'_>, at: EventSpan) -> Result<(), Diagnostic> {
        self.counts.events += 1;
        if self.counts.events > MAX_EVENTS {
            return Err(limit_error(
                &format!("more than {MAX_EVENTS} YAML events"),
                self.span(at),
            ));
        }
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Diagnostic::error(
                        "yaml-syntax",
                        "invalid YAML: the file holds more than one document",
                    )
                    .at(self.span(at))
                    .help("a compose file is one YAML document: remove the `---` and what follows, or split the file"));
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(value.into_owned(), style, anchor, tag.as_deref(), at)
            }
            Event::SequenceStart(_, anchor, tag) => {
                let span = self.open(at, tag.as_deref())?;
                self.stack.push(Frame::Seq {
                    base: self.items.len(),
                    span,
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(_, anchor, tag) => {
                let span = self.open(at, tag.as_deref())?;
                self.stack.push(Frame::Map(MapFrame {
                    base: self.pairs.len(),
                    key: Key::Expected,
                    merged: Vec::new(),
                    index: None,
                    span,
                    anchor,
                }));
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq { base, span, anchor }) => {
                    let items = self.items.drain(base.min(self.items.len())..).collect();
                    self.finish(
                        Node {
                            value: Value::Seq(items),
                            span,
                        },
                        anchor,
                    )
                }
                _ => Err(self.internal(at)),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map(mut map)) => {
                    for (key, value) in std::mem::take(&mut map.merged) {
                        // Keys written in the mapping, and earlier merges, win.
                        if !map.contains(&self.pairs, &key) {
                            map.insert(&mut self.pairs, key, value);
                        }
                    }
                    let entries = self.pairs.drain(map.base.min(self.pairs.len())..).collect();
                    self.finish(
                        Node {
                            value: Value::Map(entries),
                            span: map.span,
                        },
                        map.anchor,
                    )
                }
                _ => Err(self.internal(at)),
            },
            Event::Alias(id) => self.alias(id, at),
            _ => Ok(()),
        }
    }

    fn scalar(
        &mut self,
        text: String,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        at: EventSpan,
    ) -> Result<(), Diagnostic> {
        let span = self.span(at);
        if let Some(merge) = merge_tag(tag) {
            self.tags.insert(span, merge);
        }
        // `<<` or `!!merge <<`, not quoted, where a key is expected.
        let merge_tagged = tag.is_none_or(|t| {
            t.suffix_in_namespace("tag:yaml.org,2002:").as_deref() == Some("merge")
        });
        if merge_tagged
            && style == ScalarStyle::Plain
            && text == "<<"
            && let Some(Frame::Map(map)) = self.stack.last_mut()
            && matches!(map.key, Key::Expected)
        {
            self.counts.merge_keys += 1;
            if self.counts.merge_keys > MAX_ALIASES {
                return Err(limit_error(
                    &format!("more than {MAX_ALIASES} merge keys"),
                    span,
                ));
            }
            map.key = Key::Merge;
            if anchor != 0 {
                // `&m <<: *b`: the anchor names the key's text
                let node = Node {
                    value: Value::String(text),
                    span,
                };
                self.anchors.insert(
                    anchor,
                    Anchored {
                        node,
                        size: 1,
                        height: 0,
                    },
                );
            }
            return Ok(());
        }
        let value = scalar(text, style, tag).map_err(|expected| {
            Diagnostic::error(
                "yaml-syntax",
                format!("invalid YAML: the tag says {expected}, the value is not one"),
            )
            .at(span)
            .help("remove the tag or correct the value")
        })?;
        self.finish(Node { value, span }, anchor)
    }

    fn alias(&mut self, id: usize, at: EventSpan) -> Result<(), Diagnostic> {
        let span = self.span(at);
        self.counts.aliases += 1;
        if self.counts.aliases > MAX_ALIASES {
            return Err(limit_error(
                &format!("more than {MAX_ALIASES} aliases"),
                span,
            ));
        }
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(Diagnostic::error(
                "yaml-syntax",
                "invalid YAML: the alias refers to the collection it is written in",
            )
            .at(span)
            .help("an anchor can be used only after its node ends; copy the values instead"));
        };
        if self.stack.len() + anchored.height > MAX_DEPTH {
            return Err(limit_error(
                &format!("more than {MAX_DEPTH} levels of nesting, counting what aliases copy"),
                span,
            ));
        }
        self.counts.copied += anchored.size;
        if self.counts.copied > MAX_ALIAS_COPIED_NODES {
            return Err(limit_error(
                &format!("anchors and aliases copy more than {MAX_ALIAS_COPIED_NODES} nodes"),
                span,
            ));
        }
        let node = anchored.node.clone();
        self.finish(node, 0)
    }

    /// Starts a collection: depth limit, merge tag, its span.
    fn open(&mut self, at: EventSpan, tag: Option<&Tag>) -> Result<Span, Diagnostic> {
        let span = self.span(at);
        if self.stack.len() >= MAX_DEPTH {
            return Err(limit_error(
                &format!("more than {MAX_DEPTH} levels of nesting"),
                span,
            ));
        }
        if let Some(merge) = merge_tag(tag) {
            self.tags.insert(span, merge);
        }
        Ok(span)
    }

    fn internal(&self, at: EventSpan) -> Diagnostic {
        Diagnostic::error(
            "yaml-syntax",
            "invalid YAML: a collection ends that was not open",
        )
        .at(self.span(at))
        .help("fix the YAML syntax at the marked position")
    }

    /// Hands a finished node to the collection it belongs to.
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Diagnostic> {
        self.counts.nodes += 1;
        if self.counts.nodes > MAX_NODES {
            return Err(limit_error(
                &format!("more than {MAX_NODES} nodes"),
                node.span,
            ));
        }
        if anchor != 0 {
            // The copy kept for aliases counts against the same budget as the
            // copies aliases make: nested anchors would otherwise copy a large
            // node once per level.
            let (size, height) = measure(&node);
            self.counts.copied += size;
            if self.counts.copied > MAX_ALIAS_COPIED_NODES {
                return Err(limit_error(
                    &format!("anchors and aliases copy more than {MAX_ALIAS_COPIED_NODES} nodes"),
                    node.span,
                ));
            }
            self.anchors.insert(
                anchor,
                Anchored {
                    node: node.clone(),
                    size,
                    height,
                },
            );
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { .. }) => {
                self.items.push(node);
                Ok(())
            }
            Some(Frame::Map(map)) => map.accept(&mut self.pairs, node),
        }
    }
}

impl MapFrame {
    fn accept(&mut self, pairs: &mut Vec<(Node, Node)>, node: Node) -> Result<(), Diagnostic> {
        match std::mem::replace(&mut self.key, Key::Expected) {
            Key::Expected => {
                self.key = Key::Written(node);
                Ok(())
            }
            Key::Written(key) => {
                if self.contains(pairs, &key) {
                    return Err(Diagnostic::error(
                        "yaml-syntax",
                        format!("invalid YAML: duplicate key `{key}`"),
                    )
                    .at(key.span)
                    .help("a key may appear once in a mapping: remove or rename one of them"));
                }
                self.insert(pairs, key, node);
                Ok(())
            }
            Key::Merge => self.merge(node),
        }
    }

    /// The value of a merge key: a mapping, a list of mappings, or null.
    fn merge(&mut self, node: Node) -> Result<(), Diagnostic> {
        let span = node.span;
        match node.value {
            Value::Null => Ok(()),
            Value::Map(entries) => {
                self.merged.extend(entries);
                Ok(())
            }
            Value::Seq(items) => {
                for item in items {
                    match item.value {
                        Value::Map(entries) => self.merged.extend(entries),
                        Value::Null => {}
                        _ => return Err(merge_error(item.span)),
                    }
                }
                Ok(())
            }
            _ => Err(merge_error(span)),
        }
    }

    fn entries<'p>(&self, pairs: &'p [(Node, Node)]) -> &'p [(Node, Node)] {
        pairs.get(self.base..).unwrap_or_default()
    }

    fn contains(&self, pairs: &[(Node, Node)], key: &Node) -> bool {
        let entries = self.entries(pairs);
        if let Some(index) = &self.index {
            match index.get(&key_hash(key)) {
                None => return false,
                Some(&at) if entries.get(at).is_some_and(|(k, _)| same_key(k, key)) => {
                    return true;
                }
                // two keys with one hash: rare, so a search is fine
                Some(_) => {}
            }
        }
        entries.iter().any(|(k, _)| same_key(k, key))
    }

    fn insert(&mut self, pairs: &mut Vec<(Node, Node)>, key: Node, value: Node) {
        let at = self.entries(pairs).len();
        if let Some(index) = &mut self.index {
            index.entry(key_hash(&key)).or_insert(at);
        } else if at >= LINEAR_KEYS {
            let mut index: HashMap<u64, usize> = HashMap::with_capacity(2 * at);
            for (i, (k, _)) in self.entries(pairs).iter().enumerate() {
                index.entry(key_hash(k)).or_insert(i);
            }
            index.entry(key_hash(&key)).or_insert(at);
            self.index = Some(index);
        }
        pairs.push((key, value));
    }
}

fn merge_error(span: Span) -> Diagnostic {
    Diagnostic::error(
        "yaml-syntax",
        "invalid YAML: a merge key (`<<`) takes a mapping or a list of mappings",
    )
    .at(span)
    .help("write `<<: *anchor` or `<<: [*a, *b]` with anchors on mappings")
}

/// Two keys are the same when they read the same: compose keys are text, so
/// `true` and `"true"` are one key (later stages compare keys by text), while
/// a list or mapping as a key equals only the same list or mapping.
fn same_key(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_key(p, q))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| same_key(k1, k2) && same_key(v1, v2))
        }
        (Value::Seq(_) | Value::Map(_) | Value::Null, _)
        | (_, Value::Seq(_) | Value::Map(_) | Value::Null) => false,
        (x, y) => key_text(x) == key_text(y),
    }
}

/// A scalar key's text, without a copy.
const fn key_text(value: &Value) -> &str {
    match value {
        Value::String(s) | Value::Number(s) => s.as_str(),
        Value::Bool(true) => "true",
        Value::Bool(false) => "false",
        Value::Null | Value::Seq(_) | Value::Map(_) => "",
    }
}

/// A hash that equal keys (by [`same_key`]) share.
fn key_hash(key: &Node) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    match &key.value {
        Value::Seq(_) | Value::Map(_) => (1u8, key.to_string()).hash(&mut hasher),
        Value::Null => 2u8.hash(&mut hasher),
        Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            (0u8, key_text(&key.value)).hash(&mut hasher);
        }
    }
    hasher.finish()
}

/// An anchored node, kept for the aliases that copy it.
struct Anchored {
    node: Node,
    /// Its number of nodes.
    size: usize,
    /// How many levels of collections it nests.
    height: usize,
}

/// The number of nodes in a tree and how many levels of collections it nests.
fn measure(node: &Node) -> (usize, usize) {
    let children: Box<dyn Iterator<Item = &Node>> = match &node.value {
        Value::Seq(items) => Box::new(items.iter()),
        Value::Map(entries) => Box::new(entries.iter().flat_map(|(k, v)| [k, v])),
        _ => return (1, 0),
    };
    let (size, height) = children.fold((1, 0), |(size, height), child| {
        let (s, h) = measure(child);
        (size + s, height.max(h))
    });
    (size, height + 1)
}

/// Resolves a scalar by the YAML 1.2 core schema. `Err` names the type an
/// explicit tag asked for when the text is not of it.
fn scalar(text: String, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, &'static str> {
    match tag.and_then(Tag::core_suffix) {
        Some("str") => return Ok(Value::String(text)),
        Some("null") => return Ok(Value::Null),
        Some("bool") => return boolean(&text).map(Value::Bool).ok_or("a boolean"),
        Some("int") => {
            return integer(&text)
                .then_some(Value::Number(text))
                .ok_or("an integer");
        }
        Some("float") => {
            return number(&text)
                .then_some(Value::Number(text))
                .ok_or("a floating-point number");
        }
        _ => {}
    }
    // `! 1`: the non-specific tag, which makes a plain scalar a string.
    let non_specific = tag.is_some_and(|t| t.parts() == ("", "!"));
    if style != ScalarStyle::Plain || non_specific {
        return Ok(Value::String(text));
    }
    Ok(match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        t => match boolean(t) {
            Some(b) => Value::Bool(b),
            None if number(t) => Value::Number(text),
            None => Value::String(text),
        },
    })
}

fn boolean(text: &str) -> Option<bool> {
    match text.trim_matches([' ', '\t', '\r', '\n']) {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// A YAML 1.2 integer or finite float, as serde-saphyr reads them: decimal
/// (underscores between digits, no leading zeros), `0x`/`0o`/`0b` in lower
/// case, or anything Rust reads as a finite `f64` that starts with a digit or
/// a dot (so `0080` and `1e3` are numbers, `inf` and `.inf` are text).
fn number(text: &str) -> bool {
    let t = text.trim_matches([' ', '\t', '\r', '\n']);
    if integer(t) {
        return true;
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A YAML 1.2 integer that fits 64 bits.
fn integer(text: &str) -> bool {
    let t = text.trim_matches([' ', '\t', '\r', '\n']);
    let (negative, unsigned) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (radix, digits) = if let Some(d) = unsigned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = unsigned.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = unsigned.strip_prefix("0b") {
        (2, d)
    } else {
        if unsigned.len() > 1 && unsigned.starts_with('0') {
            return false;
        }
        (10, unsigned)
    };
    let bytes = digits.as_bytes();
    let mut magnitude: u128 = 0;
    let mut seen = false;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let between = i > 0
                && bytes.get(i - 1).is_some_and(|&p| p != b'_')
                && bytes.get(i + 1).is_some_and(|&n| n != b'_');
            if !between {
                return false;
            }
            continue;
        }
        let Some(digit) = char::from(b).to_digit(radix) else {
            return false;
        };
        let Some(next) = magnitude
            .checked_mul(u128::from(radix))
            .and_then(|m| m.checked_add(u128::from(digit)))
        else {
            return false;
        };
        magnitude = next;
        seen = true;
    }
    let limit = if negative {
        u128::from(i64::MAX.unsigned_abs()) + 1
    } else {
        u128::from(u64::MAX)
    };
    seen && magnitude <= limit
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
        assert_eq!(err.code, "yaml-limit");
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
