//! The tree builder: parser events → [`Node`]s, with anchors, aliases,
//! merge keys, duplicate-key errors and the limits.

use std::collections::HashMap;
use std::ops::Range;

use granit_parser::{Event, ScalarStyle, Tag};

use super::scalar::scalar;
use super::{
    MAX_ALIAS_COPIED_NODES, MAX_ALIASES, MAX_DEPTH, MAX_EVENTS, MAX_NODES, MergeTag, Node, Tags,
    Value, limit_error,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, KeyPaths, ROOT, Span};

mod keys;

use keys::{KeyIndex, same_key, scalar_key};

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
pub(super) struct Builder<'t> {
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
    /// Where each key, item and value lies, by key path.
    paths: KeyPaths,
}

/// An open collection.
enum Frame {
    Seq {
        /// Where its items start in [`Builder::items`].
        base: usize,
        span: Span,
        anchor: usize,
        /// Its key path, how far its items reach, its open stretch.
        path: u32,
        reach: usize,
        stretch: Option<usize>,
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
    index: Option<KeyIndex>,
    span: Span,
    anchor: usize,
    /// Its key path, the entry being read, how far its entries reach in
    /// the text, and its stretch of the key paths (open until it ends).
    path: u32,
    entry: u32,
    reach: usize,
    stretch: Option<usize>,
}

enum Key {
    Expected,
    /// A merge key (`<<`) at this position; its value is merged, not stored.
    Merge,
    Written(Node),
}

/// Mappings up to this size find duplicate keys by a linear search.
const LINEAR_KEYS: usize = 32;

impl<'t> Builder<'t> {
    /// A builder for the events of `text`.
    pub(super) fn new(text: &'t str, file: FileId) -> Self {
        Self {
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
            paths: KeyPaths::default(),
        }
    }

    /// Room for the key paths of `events` events (when their number is
    /// known up front).
    pub(super) fn reserve(&mut self, events: usize) {
        self.paths.reserve(events);
    }

    /// The document's root (`None` for an empty document), its merge tags
    /// and where its keys lie.
    pub(super) fn into_parts(self) -> (Option<Node>, Tags, KeyPaths) {
        (self.root, self.tags, self.paths)
    }

    /// The key path of the node that starts now at `span`: a key of the
    /// open mapping (which it then reads the entry of), the value of its
    /// entry, or the next item of the open sequence.
    fn place(&mut self, span: Span) -> u32 {
        match self.stack.last_mut() {
            None => ROOT,
            Some(Frame::Seq { base, path, .. }) => {
                let index = self.items.len().saturating_sub(*base);
                self.paths.item(*path, index)
            }
            Some(Frame::Map(map)) => {
                if matches!(map.key, Key::Expected) {
                    map.entry = self.paths.key(map.path, span);
                }
                map.entry
            }
        }
    }

    /// The text from `start` to `end` belongs to `path`; the open
    /// collection reaches at least as far.
    fn stretch(&mut self, start: usize, end: usize, path: u32) {
        self.paths.stretch(start, end, path);
        self.reach(end);
    }

    /// A collection's `stretch` (opened with it) ends at `end`; the one
    /// around it reaches at least as far.
    fn close(&mut self, stretch: Option<usize>, end: usize) {
        self.paths.close(stretch, end);
        self.reach(end);
    }

    fn reach(&mut self, end: usize) {
        match self.stack.last_mut() {
            Some(Frame::Seq { reach, .. } | Frame::Map(MapFrame { reach, .. })) => {
                *reach = (*reach).max(end);
            }
            None => {}
        }
    }

    fn span(&self, range: Range<usize>) -> Span {
        let start = range.start.min(self.text.len());
        Span {
            file: self.file,
            start,
            len: range.end.min(self.text.len()).saturating_sub(start),
        }
    }

    /// Takes the next event and the bytes of the text it covers.
    pub(super) fn event(&mut self, event: Event<'_>, at: Range<usize>) -> Result<(), Diagnostic> {
        let at = self.span(at);
        self.counts.events += 1;
        if self.counts.events > MAX_EVENTS {
            return Err(limit_error(
                &format!("more than {MAX_EVENTS} YAML events"),
                at,
            ));
        }
        match event {
            Event::DocumentStart(..) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(Diagnostic::error(
                        Code::YamlSyntax,
                        "invalid YAML: the file holds more than one document",
                    )
                    .at(at)
                    .help("a compose file is one YAML document: remove the `---` and what follows, or split the file"));
                }
                Ok(())
            }
            Event::Scalar(value, style, anchor, tag) => {
                self.scalar(value.into_owned(), style, anchor, tag.as_deref(), at)
            }
            Event::SequenceStart(_, anchor, tag) => {
                let span = self.open(at, tag.as_deref())?;
                let path = self.place(span);
                let stretch = self.paths.open(span.start, path);
                self.stack.push(Frame::Seq {
                    base: self.items.len(),
                    span,
                    anchor,
                    path,
                    reach: span.start + span.len,
                    stretch,
                });
                Ok(())
            }
            Event::MappingStart(_, anchor, tag) => {
                let span = self.open(at, tag.as_deref())?;
                let path = self.place(span);
                let stretch = self.paths.open(span.start, path);
                self.stack.push(Frame::Map(MapFrame {
                    base: self.pairs.len(),
                    key: Key::Expected,
                    merged: Vec::new(),
                    index: None,
                    span,
                    anchor,
                    path,
                    entry: ROOT,
                    reach: span.start + span.len,
                    stretch,
                }));
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    base,
                    span,
                    anchor,
                    reach,
                    stretch,
                    ..
                }) => {
                    self.close(stretch, reach);
                    let items = self.items.drain(base.min(self.items.len())..).collect();
                    self.finish(
                        Node {
                            value: Value::Seq(items),
                            span,
                        },
                        anchor,
                    )
                }
                _ => Err(Self::internal(at)),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map(mut map)) => {
                    self.close(map.stretch, map.reach);
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
                _ => Err(Self::internal(at)),
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
        span: Span,
    ) -> Result<(), Diagnostic> {
        let path = self.place(span);
        self.stretch(span.start, span.start + span.len, path);
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
                Code::YamlSyntax,
                format!("invalid YAML: the tag says {expected}, the value is not one"),
            )
            .at(span)
            .help("remove the tag or correct the value")
        })?;
        self.finish(Node { value, span }, anchor)
    }

    fn alias(&mut self, id: usize, span: Span) -> Result<(), Diagnostic> {
        let path = self.place(span);
        self.stretch(span.start, span.start + span.len, path);
        self.counts.aliases += 1;
        if self.counts.aliases > MAX_ALIASES {
            return Err(limit_error(
                &format!("more than {MAX_ALIASES} aliases"),
                span,
            ));
        }
        let Some(anchored) = self.anchors.get(&id) else {
            return Err(Diagnostic::error(
                Code::YamlSyntax,
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
    fn open(&mut self, span: Span, tag: Option<&Tag>) -> Result<Span, Diagnostic> {
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

    fn internal(at: Span) -> Diagnostic {
        Diagnostic::error(
            Code::YamlSyntax,
            "invalid YAML: a collection ends that was not open",
        )
        .at(at)
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
                        Code::YamlSyntax,
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
        if self.index.is_none()
            && let Some(text) = scalar_key(key)
        {
            // most keys are text: compared as text, with no call a pair
            return entries.iter().any(|(k, _)| scalar_key(k) == Some(text));
        }
        if let Some(index) = &self.index {
            match index.at.get(&index.hash(key)) {
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
            let hash = index.hash(&key);
            index.at.entry(hash).or_insert(at);
        } else if at >= LINEAR_KEYS {
            let mut index = KeyIndex {
                state: foldhash::fast::RandomState::default(),
                at: foldhash::HashMap::with_capacity_and_hasher(
                    2 * at,
                    foldhash::fast::RandomState::default(),
                ),
            };
            for (i, (k, _)) in self.entries(pairs).iter().enumerate() {
                let hash = index.hash(k);
                index.at.entry(hash).or_insert(i);
            }
            let hash = index.hash(&key);
            index.at.entry(hash).or_insert(at);
            self.index = Some(index);
        }
        pairs.push((key, value));
    }
}

fn merge_error(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::YamlSyntax,
        "invalid YAML: a merge key (`<<`) takes a mapping or a list of mappings",
    )
    .at(span)
    .help("write `<<: *anchor` or `<<: [*a, *b]` with anchors on mappings")
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
