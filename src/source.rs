//! Source files and spans: every diagnostic points into text held here.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Index of a file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Length in bytes.
    pub len: usize,
}

/// A value together with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Located<T> {
    /// The parsed value.
    pub value: T,
    /// The text it was parsed from.
    pub span: Span,
}

impl<T> Located<T> {
    /// Pairs `value` with `span`.
    pub const fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// One loaded file.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (shown in diagnostics).
    pub path: PathBuf,
    /// The whole text.
    pub text: Arc<str>,
    /// Byte offset of each line's start, built on first use.
    line_starts: OnceLock<Arc<[usize]>>,
    /// The YAML key each line belongs to, built on first use.
    outline: OnceLock<Outline>,
    /// Where each service of `services:` starts, built on first use.
    services: OnceLock<ServiceIndex>,
}

impl SourceFile {
    /// Byte offset of the start of every line (the first is 0). Built once,
    /// so finding a position is a binary search, not a scan of the file.
    pub fn line_starts(&self) -> Arc<[usize]> {
        self.line_starts
            .get_or_init(|| {
                std::iter::once(0)
                    .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                    .collect()
            })
            .clone()
    }

    /// 0-based index of the line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.line_starts()
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineCol {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Every file read during one run.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// Registers a file's text and returns its id.
    pub fn add(&mut self, path: &Path, text: String) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile {
            path: path.to_path_buf(),
            text: Arc::from(text),
            line_starts: OnceLock::new(),
            outline: OnceLock::new(),
            services: OnceLock::new(),
        });
        id
    }

    /// The path of every file read, as the user named it.
    pub fn paths(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|f| f.path.as_path())
    }

    /// The file behind `id`.
    #[must_use]
    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The text a span covers, or `""` when the span is out of range.
    #[must_use]
    pub fn text(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start..span.start + span.len))
            .unwrap_or("")
    }

    /// Line and column of the start of `span`.
    #[must_use]
    pub fn line_col(&self, span: Span) -> Option<LineCol> {
        let file = self.get(span.file)?;
        let line = file.line_of(span.start);
        let line_start = file.line_starts().get(line).copied()?;
        let column = file.text.get(line_start..span.start)?.chars().count() + 1;
        Some(LineCol {
            line: line + 1,
            column,
        })
    }

    /// The compose service whose definition holds the start of `span`, read
    /// from the lines at the top two levels of indentation only: cheaper than
    /// [`Sources::key_path`] when only the service is wanted.
    #[must_use]
    pub fn service_at(&self, span: Span) -> Option<&str> {
        let file = self.get(span.file)?;
        let index = file
            .services
            .get_or_init(|| ServiceIndex::new(&file.text, &file.line_starts()));
        if span.start >= index.end {
            return None;
        }
        let at = index
            .services
            .partition_point(|(line, _)| *line <= span.start)
            .checked_sub(1)?;
        let (_, name) = index.services.get(at)?;
        file.text
            .get(name.clone())
            .map(|n| n.trim_matches(|c| c == '"' || c == '\''))
    }

    /// The YAML key path the start of `span` lies under, e.g.
    /// `services.app.ports[0]`, read from the block structure of the text.
    /// `None` outside a key (and for `.env` files, which are not YAML).
    #[must_use]
    pub fn key_path(&self, span: Span) -> Option<KeyPath> {
        let file = self.get(span.file)?;
        let name = file.path.file_name()?.to_string_lossy();
        if name.starts_with(".env") || name.ends_with(".env") {
            return None;
        }
        let outline = file.outline.get_or_init(|| Outline::new(&file.text));
        let mut node = outline.line_nodes.get(file.line_of(span.start)).copied()?;
        let mut segments = Vec::new();
        while let Some(entry) = outline.nodes.get(node as usize) {
            segments.push(match entry.segment {
                Segment::Key(ref range) => {
                    file.text.get(range.clone()).map_or_else(String::new, |k| {
                        k.trim_matches(|c| c == '"' || c == '\'').to_string()
                    })
                }
                Segment::Item(index) => format!("[{index}]"),
            });
            node = entry.parent;
        }
        if segments.is_empty() {
            return None;
        }
        segments.reverse();
        Some(KeyPath(segments))
    }
}

/// A path of YAML keys and sequence indexes from the top of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPath(Vec<String>);

impl KeyPath {
    /// The compose service the path lies in (`services.NAME…`).
    #[must_use]
    pub fn service(&self) -> Option<&str> {
        match self.0.as_slice() {
            [top, name, ..] if top == "services" => Some(name),
            _ => None,
        }
    }
}

impl std::fmt::Display for KeyPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            if i > 0 && !segment.starts_with('[') {
                f.write_str(".")?;
            }
            f.write_str(segment)?;
        }
        Ok(())
    }
}

/// The services of a block-style compose file by position.
#[derive(Debug)]
struct ServiceIndex {
    /// Start of each service's key line, and its name's byte range.
    services: Vec<(usize, std::ops::Range<usize>)>,
    /// Where the `services:` block ends.
    end: usize,
}

impl ServiceIndex {
    fn new(text: &str, line_starts: &[usize]) -> Self {
        let mut services = Vec::new();
        let mut end = 0;
        let mut child_indent = None;
        let mut inside = false;
        for (i, &start) in line_starts.iter().enumerate() {
            let stop = line_starts.get(i + 1).copied().unwrap_or(text.len());
            let line = text.get(start..stop).unwrap_or("");
            let content = line.trim_start_matches(' ');
            let indent = line.len() - content.len();
            let blank = content.trim().is_empty() || content.starts_with('#');
            if blank {
                continue;
            }
            if indent == 0 {
                if inside {
                    end = start;
                    break;
                }
                inside = content.starts_with("services:");
                continue;
            }
            if !inside || child_indent.is_some_and(|c| indent != c) {
                continue;
            }
            child_indent = Some(indent);
            let body = content.trim_end_matches(['\n', '\r']);
            if let Some((len, _)) = split_key(body) {
                services.push((start, start + indent..start + indent + len));
            }
        }
        if inside && end == 0 {
            end = text.len();
        }
        Self { services, end }
    }
}

/// Which key or item each line of a block-style YAML file belongs to: one
/// pass over the lines with a stack of open keys, so a diagnostic finds its
/// key path by following parents, never by rescanning the file.
#[derive(Debug)]
struct Outline {
    nodes: Vec<Node>,
    /// Per line, the innermost node it belongs to (`NONE` at the top).
    line_nodes: Vec<u32>,
}

const NONE: u32 = u32::MAX;

#[derive(Debug)]
struct Node {
    parent: u32,
    segment: Segment,
}

#[derive(Debug)]
enum Segment {
    Key(std::ops::Range<usize>),
    Item(usize),
}

/// An open key or item while reading the outline.
struct Open {
    node: u32,
    indent: usize,
    is_key: bool,
    items: usize,
}

impl Outline {
    fn new(text: &str) -> Self {
        let mut nodes = Vec::new();
        let mut line_nodes = Vec::new();
        let mut stack: Vec<Open> = Vec::new();
        // Inside a block scalar (`|`, `>`): lines indented deeper than this.
        let mut scalar_indent: Option<usize> = None;
        let mut offset = 0;
        for line in text.split_inclusive('\n') {
            let start = offset;
            offset += line.len();
            let body = line.trim_end_matches(['\n', '\r']);
            let content = body.trim_start_matches(' ');
            let indent = body.len() - content.len();
            let top = |stack: &[Open]| stack.last().map_or(NONE, |o| o.node);
            if let Some(deeper) = scalar_indent {
                if content.is_empty() || indent > deeper {
                    line_nodes.push(top(&stack));
                    continue;
                }
                scalar_indent = None;
            }
            if content.is_empty() || content.starts_with('#') || content.starts_with("---") {
                line_nodes.push(top(&stack));
                continue;
            }
            let is_item = content == "-" || content.starts_with("- ");
            while let Some(open) = stack.last() {
                let compact = is_item && open.is_key && open.indent == indent;
                if open.indent < indent || compact {
                    break;
                }
                stack.pop();
            }
            let mut key_at = (indent, content, start + indent);
            if is_item {
                let parent = top(&stack);
                let index = stack.last_mut().map_or(0, |o| {
                    o.items += 1;
                    o.items - 1
                });
                push(
                    &mut nodes,
                    &mut stack,
                    parent,
                    Segment::Item(index),
                    indent,
                    false,
                );
                let rest = content.get(1..).unwrap_or("");
                let inner = rest.trim_start_matches(' ');
                let inner_indent = indent + 1 + rest.len() - inner.len();
                key_at = (inner_indent, inner, start + inner_indent);
            }
            let (key_indent, key_text, key_start) = key_at;
            if let Some((key_len, value)) = split_key(key_text) {
                let parent = top(&stack);
                let range = key_start..key_start + key_len;
                push(
                    &mut nodes,
                    &mut stack,
                    parent,
                    Segment::Key(range),
                    key_indent,
                    true,
                );
                let value = value.trim_start();
                if value.starts_with('|') || value.starts_with('>') {
                    scalar_indent = Some(indent);
                }
            }
            line_nodes.push(top(&stack));
        }
        Self { nodes, line_nodes }
    }
}

fn push(
    nodes: &mut Vec<Node>,
    stack: &mut Vec<Open>,
    parent: u32,
    segment: Segment,
    indent: usize,
    is_key: bool,
) {
    let node = u32::try_from(nodes.len()).unwrap_or(NONE);
    nodes.push(Node { parent, segment });
    stack.push(Open {
        node,
        indent,
        is_key,
        items: 0,
    });
}

/// The length of a mapping key at the start of `text`, and what follows its
/// colon; `None` when `text` is not `KEY:` or `KEY: VALUE`.
fn split_key(text: &str) -> Option<(usize, &str)> {
    let end = match text.chars().next()? {
        quote @ ('"' | '\'') => text.get(1..)?.find(quote)? + 2,
        '{' | '[' | '&' | '*' | '!' | '|' | '>' | '%' | '@' | '`' => return None,
        _ => text
            .find(": ")
            .or_else(|| text.strip_suffix(':').map(str::len))?,
    };
    let key = text.get(..end)?.trim_end();
    let rest = text.get(end..)?.strip_prefix(':')?;
    if key.is_empty() || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key.len(), rest))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn key_paths_follow_the_block_structure() {
        let text = "services:\n  app:\n    command: |\n      not: a key\n    ports:\n      - \"80:80\"\n      - target: 81\n        protocol: udp\n    networks:\n      # a comment\n      back:\n        ipv4_address: 10.0.0.2\nnetworks:\n  back: {}\n";
        let mut sources = Sources::default();
        let file = sources.add(Path::new("compose.yaml"), text.to_string());
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            let path = sources
                .key_path(Span {
                    file,
                    start,
                    len: needle.len(),
                })
                .unwrap();
            (path.to_string(), path.service().map(str::to_string))
        };
        assert_eq!(
            at("not: a key"),
            ("services.app.command".into(), Some("app".into()))
        );
        assert_eq!(
            at("\"80:80\""),
            ("services.app.ports[0]".into(), Some("app".into()))
        );
        assert_eq!(
            at("udp"),
            ("services.app.ports[1].protocol".into(), Some("app".into()))
        );
        assert_eq!(
            at("10.0.0.2"),
            (
                "services.app.networks.back.ipv4_address".into(),
                Some("app".into())
            )
        );
        assert_eq!(at("{}"), ("networks.back".into(), None));
        let service = |needle: &str| {
            let start = text.find(needle).unwrap();
            sources.service_at(Span {
                file,
                start,
                len: 1,
            })
        };
        assert_eq!(service("not: a key"), Some("app"));
        assert_eq!(service("10.0.0.2"), Some("app"));
        assert_eq!(service("app:"), Some("app"));
        assert_eq!(service("{}"), None);
        assert_eq!(service("services:"), None);
        let line = sources.line_col(Span {
            file,
            start: text.find("udp").unwrap(),
            len: 3,
        });
        assert_eq!(
            line,
            Some(LineCol {
                line: 8,
                column: 19
            })
        );
    }
}
