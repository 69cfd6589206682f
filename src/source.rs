//! Source files and spans: every diagnostic points into text held here.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
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

impl Span {
    /// The empty span at the start of 1-based line `line` of `text`, the
    /// text of file `file` (past the end: the end of the text). A place
    /// named by file and line alone, as a finding about a line of an env
    /// file is (its content is never shown).
    #[must_use]
    pub fn line_start(file: FileId, text: &str, line: usize) -> Self {
        let start = if line <= 1 {
            0
        } else {
            text.match_indices('\n')
                .nth(line - 2)
                .map_or(text.len(), |(i, _)| i + 1)
        };
        Self {
            file,
            start,
            len: 0,
        }
    }
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
    /// Byte offset of each line's start, built once positions have been
    /// asked for more than the text's length in bytes ([`SourceFile::line_of`]).
    line_starts: OnceLock<Arc<[usize]>>,
    /// The bytes counted for line numbers without the index so far.
    counted: AtomicUsize,
    /// Where each YAML key and item lies, as the YAML reader made the
    /// nodes; `None` for a file that is not a compose file.
    paths: Option<KeyPaths>,
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

    /// 0-based index of the line holding byte `offset`. The newlines
    /// before it are counted while the counting of every call so far stays
    /// within the text's length (one finding in a large file costs no index
    /// of the whole file); past that, a binary search of the line index. A
    /// run's lookups in one file cost at most two passes over its text.
    #[must_use]
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if self.line_starts.get().is_none() {
            let before = self.counted.fetch_add(offset, Ordering::Relaxed);
            if before.saturating_add(offset) <= self.text.len() {
                return newlines(self.text.as_bytes().get(..offset).unwrap_or_default());
            }
        }
        self.line_starts()
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    /// Byte offset of the start of the line holding byte `offset`.
    #[must_use]
    pub fn line_start_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if let Some(starts) = self.line_starts.get() {
            let line = starts
                .partition_point(|&start| start <= offset)
                .saturating_sub(1);
            return starts.get(line).copied().unwrap_or(0);
        }
        self.text
            .as_bytes()
            .get(..offset)
            .and_then(|before| before.iter().rposition(|&b| b == b'\n'))
            .map_or(0, |at| at + 1)
    }
}

/// The number of newlines in `bytes`, counted in blocks the compiler turns
/// into vector instructions.
#[must_use]
pub fn newlines(bytes: &[u8]) -> usize {
    bytes
        .chunks(255)
        .map(|block| {
            usize::from(
                block
                    .iter()
                    .fold(0u8, |count, &b| count.wrapping_add(u8::from(b == b'\n'))),
            )
        })
        .sum()
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
            counted: AtomicUsize::new(0),
            paths: None,
        });
        id
    }

    /// Records where the keys and items of the YAML file `id` lie (the YAML
    /// reader's [`KeyPaths`]), for [`Sources::key_path`].
    pub fn set_key_paths(&mut self, id: FileId, mut paths: KeyPaths) {
        paths.index();
        if let Some(file) = self.files.get_mut(id.0 as usize) {
            file.paths = Some(paths);
        }
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
        let line_start = file.line_start_of(span.start);
        let column = file.text.get(line_start..span.start)?.chars().count() + 1;
        Some(LineCol {
            line: line + 1,
            column,
        })
    }

    /// The compose service whose definition holds the start of `span`
    /// (`services.NAME…`).
    #[must_use]
    pub fn service_at(&self, span: Span) -> Option<&str> {
        let (file, paths) = self.key_paths_of(span.file)?;
        let mut node = paths.find(span.start);
        let mut below = None;
        while let Some(entry) = paths.nodes.get(node as usize) {
            if entry.parent == ROOT {
                return (key_text(file, &entry.segment())? == "services")
                    .then_some(())
                    .and(below.and_then(|segment| key_text(file, &segment)));
            }
            below = Some(entry.segment());
            node = entry.parent;
        }
        None
    }

    /// The YAML key path the start of `span` lies under, e.g.
    /// `services.app.ports[0]`, as the YAML reader recorded it (block and
    /// flow style, JSON alike). `None` outside a key, and for files that are
    /// not compose files (`.env`, `env_file`).
    #[must_use]
    pub fn key_path(&self, span: Span) -> Option<KeyPath> {
        let (file, paths) = self.key_paths_of(span.file)?;
        let mut node = paths.find(span.start);
        let mut segments = Vec::new();
        while let Some(entry) = paths.nodes.get(node as usize) {
            let segment = entry.segment();
            segments.push(match segment {
                Segment::Key(_) => key_text(file, &segment).unwrap_or_default().to_string(),
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

    fn key_paths_of(&self, id: FileId) -> Option<(&SourceFile, &KeyPaths)> {
        let file = self.get(id)?;
        Some((file, file.paths.as_ref()?))
    }
}

/// The text of a key segment, without its quotes.
fn key_text<'f>(file: &'f SourceFile, segment: &Segment) -> Option<&'f str> {
    match segment {
        Segment::Key(range) => file
            .text
            .get(range.clone())
            .map(|k| k.trim_matches(|c| c == '"' || c == '\'')),
        Segment::Item(_) => None,
    }
}

/// The parent of a top-level key: the document itself.
pub const ROOT: u32 = u32::MAX;

/// Where each key and item of one YAML file lies, recorded by the YAML
/// reader as it makes the nodes: each key, sequence item and value is a
/// node of paths (its parent, and its key's text or its index), and each
/// stretch of text (a key, a scalar, a whole collection) names the node it
/// belongs to. A diagnostic's key path is the innermost stretch holding its
/// start, followed up through the parents.
#[derive(Debug, Default)]
pub struct KeyPaths {
    nodes: Vec<PathNode>,
    stretches: Vec<Stretch>,
}

/// A key or a sequence item, in 12 bytes: a file is at most 16 MiB, so its
/// offsets fit in 32 bits, and 10,000 services record about a million of
/// these (32 bytes each took 45 MB).
#[derive(Debug)]
struct PathNode {
    parent: u32,
    /// A key's start in the text, or [`ITEM`].
    start: u32,
    /// A key's length, or the item's index.
    len: u32,
}

/// [`PathNode::start`] of a sequence item.
const ITEM: u32 = u32::MAX;

impl PathNode {
    fn segment(&self) -> Segment {
        if self.start == ITEM {
            Segment::Item(self.len as usize)
        } else {
            let start = self.start as usize;
            Segment::Key(start..start.saturating_add(self.len as usize))
        }
    }
}

/// An offset in a file as 32 bits (a file is at most 16 MiB; saturating
/// below [`ITEM`] past that, never wrapping).
fn offset(at: usize) -> u32 {
    u32::try_from(at).unwrap_or(ITEM - 1).min(ITEM - 1)
}

#[derive(Debug)]
enum Segment {
    Key(std::ops::Range<usize>),
    Item(usize),
}

#[derive(Debug)]
struct Stretch {
    start: u32,
    end: u32,
    node: u32,
    /// The innermost stretch around this one (after [`KeyPaths::index`]).
    around: u32,
}

impl KeyPaths {
    /// Room for the paths of `events` YAML events: about one node (a key or
    /// an item) per two events, a stretch per event at most.
    pub fn reserve(&mut self, events: usize) {
        self.nodes.reserve(events / 2);
        self.stretches.reserve(events);
    }

    /// A key written at `span` in the mapping at path `parent`.
    pub fn key(&mut self, parent: u32, span: Span) -> u32 {
        self.node(PathNode {
            parent,
            start: offset(span.start),
            len: offset(span.len),
        })
    }

    /// Item `index` of the sequence at path `parent`.
    pub fn item(&mut self, parent: u32, index: usize) -> u32 {
        self.node(PathNode {
            parent,
            start: ITEM,
            len: offset(index),
        })
    }

    fn node(&mut self, node: PathNode) -> u32 {
        let id = u32::try_from(self.nodes.len()).unwrap_or(ROOT);
        self.nodes.push(node);
        id
    }

    /// The text from `start` to `end` belongs to path `node`.
    pub fn stretch(&mut self, start: usize, end: usize, node: u32) {
        if node != ROOT {
            let (start, end) = (offset(start), offset(end));
            self.stretches.push(Stretch {
                start,
                end: end.max(start),
                node,
                around: ROOT,
            });
        }
    }

    /// The text from `start` on belongs to path `node`, up to where
    /// [`KeyPaths::close`] says: a collection's stretch, recorded where it
    /// opens so that the stretches come in the order of their starts (the
    /// outer first) and [`KeyPaths::index`] finds them sorted.
    pub fn open(&mut self, start: usize, node: u32) -> Option<usize> {
        let at = self.stretches.len();
        self.stretch(start, start, node);
        (self.stretches.len() > at).then_some(at)
    }

    /// The stretch [`KeyPaths::open`] returned ends at `end`.
    pub fn close(&mut self, opened: Option<usize>, end: usize) {
        if let Some(stretch) = opened.and_then(|at| self.stretches.get_mut(at)) {
            stretch.end = offset(end).max(stretch.start);
        }
    }

    /// Sorts the stretches by start (the outer first) and links each to the
    /// innermost stretch around it. The builder records them in that order
    /// already (a collection's where it opens), so a check finds them
    /// sorted and the sort is skipped; of two stretches with the same start
    /// and end, the one recorded later lies inside the other and stays
    /// after it (the sort is stable).
    fn index(&mut self) {
        let order = |a: &Stretch, b: &Stretch| a.start.cmp(&b.start).then(b.end.cmp(&a.end));
        if !self.stretches.is_sorted_by(|a, b| order(a, b).is_le()) {
            self.stretches.sort_by(order);
        }
        // the open stretches' start, end and index
        let mut open: Vec<(u32, u32, u32)> = Vec::new();
        for (i, stretch) in self.stretches.iter_mut().enumerate() {
            let start = stretch.start;
            while open
                .last()
                .is_some_and(|&(s, end, _)| end <= start && s < start)
            {
                open.pop();
            }
            stretch.around = open.last().map_or(ROOT, |&(_, _, top)| top);
            open.push((start, stretch.end, u32::try_from(i).unwrap_or(ROOT)));
        }
    }

    /// The path node of the innermost stretch holding offset `at` (an empty
    /// stretch holds its own position).
    fn find(&self, at: usize) -> u32 {
        let offset = offset(at);
        let mut at = self.stretches.partition_point(|s| s.start <= offset);
        let Some(last) = at.checked_sub(1) else {
            return ROOT;
        };
        at = last;
        while let Some(stretch) = self.stretches.get(at) {
            if offset < stretch.end || (stretch.start == stretch.end && offset == stretch.start) {
                return stretch.node;
            }
            at = stretch.around as usize;
        }
        ROOT
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_line_start_is_found_at_its_line_and_column_one() {
        let text = "A=1\r\n\nB=2\nlast";
        let mut sources = Sources::default();
        let file = sources.add(Path::new("app.env"), text.to_string());
        for line in 1..=4 {
            let at = sources
                .line_col(Span::line_start(file, text, line))
                .unwrap();
            assert_eq!((at.line, at.column), (line, 1));
        }
        // Past the end: the end of the text, on its last line.
        let past = Span::line_start(file, text, 9);
        assert_eq!(past.start, text.len());
        assert_eq!(sources.line_col(past).unwrap().line, 4);
    }

    /// A path node and a stretch stay small: a large file records about
    /// one of each per key, item and scalar.
    #[test]
    fn key_paths_take_twelve_and_sixteen_bytes_an_entry() {
        assert_eq!(std::mem::size_of::<PathNode>(), 12);
        assert_eq!(std::mem::size_of::<Stretch>(), 16);
    }

    /// `services: {app: {ports: [80]}}` as the YAML reader records it.
    #[test]
    fn a_span_finds_the_innermost_key_or_item_around_it() {
        let text = "services: {app: {ports: [80, 81]}, b: {}}\nx: 1\n";
        let mut sources = Sources::default();
        let file = sources.add(Path::new("compose.yaml"), text.to_string());
        let span = |needle: &str| Span {
            file,
            start: text.find(needle).unwrap(),
            len: needle.len(),
        };
        let mut paths = KeyPaths::default();
        let services = paths.key(ROOT, span("services"));
        paths.stretch(0, 8, services);
        let app = paths.key(services, span("app"));
        paths.stretch(11, 14, app);
        let ports = paths.key(app, span("ports"));
        paths.stretch(17, 22, ports);
        for (i, item) in ["80", "81"].into_iter().enumerate() {
            let node = paths.item(ports, i);
            let at = span(item);
            paths.stretch(at.start, at.start + at.len, node);
        }
        paths.stretch(24, 32, ports);
        paths.stretch(16, 33, app);
        let b = paths.key(
            services,
            Span {
                len: 1,
                ..span("b:")
            },
        );
        paths.stretch(35, 36, b);
        paths.stretch(38, 38, b);
        paths.stretch(10, 41, services);
        let x = paths.key(
            ROOT,
            Span {
                len: 1,
                ..span("x:")
            },
        );
        paths.stretch(42, 43, x);
        sources.set_key_paths(file, paths);
        let at = |needle: &str| {
            let path = sources.key_path(span(needle));
            (
                path.as_ref().map(ToString::to_string),
                sources.service_at(span(needle)).map(str::to_string),
            )
        };
        let some = |p: &str, s: Option<&str>| (Some(p.to_string()), s.map(str::to_string));
        assert_eq!(at("81"), some("services.app.ports[1]", Some("app")));
        assert_eq!(at("[80"), some("services.app.ports", Some("app")));
        assert_eq!(at("ports"), some("services.app.ports", Some("app")));
        assert_eq!(at("{}"), some("services.b", Some("b")));
        assert_eq!(at("x:"), some("x", None));
        assert_eq!(at("services"), some("services", None));
        let line = sources.line_col(span("81"));
        assert_eq!(
            line,
            Some(LineCol {
                line: 1,
                column: 30
            })
        );
    }
}
