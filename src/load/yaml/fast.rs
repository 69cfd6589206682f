//! A reader of the block-style YAML compose files are written in: mappings
//! and lists by indentation, one-line plain and quoted scalars, comments.
//!
//! It gives the events granit-parser gives for the same text, with the same
//! byte ranges, so the tree builder (anchors, merge keys, duplicate keys,
//! limits, key paths) stays the one place that makes the tree. Anything
//! outside the subset — flow collections other than one-line lists of
//! scalars and `{}`, block scalars, multi-line scalars,
//! escapes, anchors, aliases, tags, directives, document markers, tabs, CR,
//! control characters, odd indentation, any error — makes it give up, and
//! the whole text goes to granit-parser, so every message about unusual or
//! broken YAML stays granit-parser's. The events go to the builder as they
//! are read, not into a list; what the builder made of a text the reader
//! gave up on is dropped unseen (see [`Sink`]). The subset is read in one
//! pass over the text, without recursion.

use std::borrow::Cow;
use std::ops::Range;

use granit_parser::{Event, ScalarStyle, StructureStyle};

/// The deepest nesting this reader takes; deeper text goes to granit-parser
/// (which reports the nesting limit).
const MAX_FAST_DEPTH: usize = 40;
/// The most events this reader gives; a larger document goes to
/// granit-parser.
const MAX_FAST_EVENTS: usize = 400_000;
/// The events a line is expected to give at most, for sizing the list
/// (a one-line flow list gives more, and the list grows).
const EVENTS_PER_LINE: usize = 4;
/// The most bytes this reader takes from a key's start to its `:` (YAML
/// bounds a key written without `?` at 1,024 characters, counted to the `:`;
/// longer ones go to granit-parser and its message).
const MAX_KEY_BYTES: usize = 1_000;

/// Events with the bytes of the text each covers.
pub(super) type Events<'t> = Vec<(Event<'t>, Range<usize>)>;

/// Where the events go as they are read. A sink must not act on them
/// before [`read`] says the whole text was read: until then the reader may
/// still give up, and the text then goes to granit-parser.
pub(super) trait Sink<'t> {
    /// Room for about `events` events, asked once before the first.
    fn reserve(&mut self, events: usize);
    /// The next event and the bytes of the text it covers.
    fn event(&mut self, event: Event<'t>, range: Range<usize>);
}

impl<'t> Sink<'t> for Events<'t> {
    fn reserve(&mut self, events: usize) {
        self.reserve_exact(events);
    }

    fn event(&mut self, event: Event<'t>, range: Range<usize>) {
        self.push((event, range));
    }
}

/// The events of `text` as granit-parser gives them, or `None` when the text
/// is not of the subset this reader takes.
pub(super) fn events(text: &str) -> Option<Events<'_>> {
    let (events, done) = read_all(text);
    done.then_some(events)
}

/// The events read into a list, and whether the reader read the whole
/// text: for [`events`], and for the test that a document too large for
/// the reader is left at [`MAX_FAST_EVENTS`].
pub(super) fn read_all(text: &str) -> (Events<'_>, bool) {
    let mut events = Vec::new();
    let done = read(text, &mut events);
    (events, done)
}

/// Reads `text` into `sink`; whether the whole text was read (`false`: the
/// text is not of the subset, and what `sink` took must be dropped).
pub(super) fn read<'t>(text: &'t str, sink: &mut impl Sink<'t>) -> bool {
    let Some(lines) = plain_lines(text) else {
        return false;
    };
    // about one event per eight to ten bytes in compose files, and a few a
    // line (a long line holds few): one allocation instead of a copy per
    // doubling, without room a long line's bytes would never fill
    sink.reserve(
        (text.len() / 8)
            .min(EVENTS_PER_LINE * lines)
            .min(MAX_FAST_EVENTS),
    );
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        sink,
        events: 0,
        stack: Vec::new(),
        pending: Pending::Nothing,
        line_start: 0,
    };
    reader.run().is_some()
}

/// The number of lines of `text` when it is plain text ([`plain_text`]).
/// One pass over an ASCII text, in blocks the compiler turns into vector
/// instructions: line feeds counted, any other byte but a printable one
/// marked.
fn plain_lines(text: &str) -> Option<usize> {
    let mut feeds = 0;
    let mut other = 0u8;
    for block in text.as_bytes().chunks(255) {
        let (n, odd) = block.iter().fold((0u8, 0u8), |(n, odd), &b| {
            let feed = b == b'\n';
            let printable = (b' '..=b'~').contains(&b);
            (
                n.wrapping_add(u8::from(feed)),
                odd | u8::from(!feed && !printable),
            )
        });
        feeds += usize::from(n);
        other |= odd;
    }
    (other == 0 || plain_text(text)).then_some(feeds + 1)
}

/// Only line feeds and printable characters that YAML reads as themselves:
/// no tab, CR, other control characters, byte order mark, NEL or Unicode
/// line and paragraph separators.
fn plain_text(text: &str) -> bool {
    let printable = |b: u8| b == b'\n' || (b' '..=b'~').contains(&b);
    if text.is_ascii() {
        return text.bytes().all(printable);
    }
    text.chars().all(|c| match u32::from(c) {
        0..=0x7f => u8::try_from(c).is_ok_and(printable),
        0xa0..=0xfffd => !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}'),
        0x1_0000.. => true,
        _ => false,
    })
}

/// An open block collection and the column of its entries.
struct Block {
    seq: bool,
    indent: usize,
    /// A list written at the column of its mapping's keys (`key:\n- a`).
    indentless: bool,
}

/// What the last line left open.
enum Pending {
    Nothing,
    /// `key:` with nothing after it, in the mapping at `indent`; the `:` at `colon`.
    Value {
        colon: usize,
        indent: usize,
    },
    /// `-` with nothing after it, at column `indent`; its line ends at `eol`.
    Item {
        eol: usize,
        indent: usize,
    },
}

/// A scalar written on one line.
struct Token<'t> {
    value: Cow<'t, str>,
    style: ScalarStyle,
    range: Range<usize>,
    /// The `:` after it when it is a key, else `None` (then the line ends
    /// after it, or a comment follows).
    colon: Option<usize>,
}

struct Reader<'t, 's, S> {
    text: &'t str,
    bytes: &'t [u8],
    sink: &'s mut S,
    /// The events given so far.
    events: usize,
    stack: Vec<Block>,
    pending: Pending,
    line_start: usize,
}

impl<'t, S: Sink<'t>> Reader<'t, '_, S> {
    fn run(&mut self) -> Option<()> {
        let len = self.bytes.len();
        let mut pos = 0;
        while pos < len {
            let eol = memchr::memchr(b'\n', self.bytes.get(pos..)?).map_or(len, |i| pos + i);
            self.line_start = pos;
            let line = self.bytes.get(pos..eol)?;
            let indent = line.iter().take_while(|&&b| b == b' ').count();
            let c = pos + indent;
            pos = eol + 1;
            match line.get(indent) {
                None | Some(b'#') => continue,
                _ => {}
            }
            if indent == 0
                && (line.starts_with(b"---") || line.starts_with(b"...") || line.starts_with(b"%"))
            {
                return None;
            }
            if self.events == 0 {
                self.push(Event::StreamStart, 0..0);
                self.push(Event::DocumentStart(false, None), c..c);
                self.nested(c, eol)?;
            } else {
                self.line(c, eol)?;
            }
            if self.events > MAX_FAST_EVENTS {
                return None;
            }
        }
        if self.events == 0 {
            return None;
        }
        self.resolve_pending();
        while let Some(block) = self.stack.pop() {
            self.end(&block, len);
        }
        self.push(Event::DocumentEnd, len..len);
        self.push(Event::StreamEnd, len..len);
        Some(())
    }

    fn push(&mut self, event: Event<'t>, range: Range<usize>) {
        self.events += 1;
        self.sink.event(event, range);
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.bytes.get(at).copied()
    }

    fn column(&self, at: usize) -> usize {
        at - self.line_start
    }

    /// A `-` that starts a list item: followed by a space or the line's end.
    fn is_dash(&self, at: usize, eol: usize) -> bool {
        self.byte(at) == Some(b'-') && (at + 1 == eol || self.byte(at + 1) == Some(b' '))
    }

    /// The first position from `at` that is not a space.
    fn skip_spaces(&self, mut at: usize, eol: usize) -> usize {
        while at < eol && self.byte(at) == Some(b' ') {
            at += 1;
        }
        at
    }

    /// A line whose first character is at `c`, after the first line.
    fn line(&mut self, c: usize, eol: usize) -> Option<()> {
        let col = self.column(c);
        let dash = self.is_dash(c, eol);
        match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Value { indent, .. } | Pending::Item { indent, .. } if col > indent => {
                return self.nested(c, eol);
            }
            Pending::Value { indent, .. } if col == indent && dash => {
                // `key:` then `- item` at the key's column
                let first = self.skip_spaces(c + 1, eol);
                let first = if self.byte(first).is_none_or(|b| b == b'#' || first == eol) {
                    eol
                } else {
                    first
                };
                self.open(true, col, first, true)?;
                return self.item(c, eol);
            }
            pending => {
                self.pending = pending;
                self.resolve_pending();
            }
        }
        while let Some(top) = self.stack.last() {
            if top.indent > col || (top.indentless && top.indent == col && !dash) {
                let block = self.stack.pop()?;
                self.end(&block, c);
            } else {
                break;
            }
        }
        let top = self.stack.last()?;
        if top.indent != col || top.seq != dash {
            return None;
        }
        if dash {
            self.item(c, eol)
        } else {
            let token = self.token(c, eol)?;
            self.entry(token, col, eol)
        }
    }

    /// A node that is not a scalar starts at `c`: a list or a mapping.
    fn nested(&mut self, c: usize, eol: usize) -> Option<()> {
        let col = self.column(c);
        if self.is_dash(c, eol) {
            self.open(true, col, c, false)?;
            self.item(c, eol)
        } else {
            let token = self.token(c, eol)?;
            token.colon?;
            self.open(false, col, c, false)?;
            self.entry(token, col, eol)
        }
    }

    /// The value left open is null.
    fn resolve_pending(&mut self) {
        let at = match std::mem::replace(&mut self.pending, Pending::Nothing) {
            Pending::Nothing => return,
            Pending::Value { colon, .. } => colon,
            Pending::Item { eol, .. } => eol,
        };
        self.push(
            Event::Scalar(Cow::Borrowed("~"), ScalarStyle::Plain, 0, None),
            at..at,
        );
    }

    fn open(&mut self, seq: bool, indent: usize, at: usize, indentless: bool) -> Option<()> {
        if self.stack.len() >= MAX_FAST_DEPTH {
            return None;
        }
        let event = if seq {
            Event::SequenceStart(StructureStyle::Block, 0, None)
        } else {
            Event::MappingStart(StructureStyle::Block, 0, None)
        };
        self.push(event, at..at);
        self.stack.push(Block {
            seq,
            indent,
            indentless,
        });
        Some(())
    }

    fn end(&mut self, block: &Block, at: usize) {
        let event = if block.seq {
            Event::SequenceEnd
        } else {
            Event::MappingEnd
        };
        self.push(event, at..at);
    }

    /// A list item whose `-` is at `dash`: its content on this line, or
    /// nothing yet. Items nested on one line (`- - a`, `- k: v`) open their
    /// collections here, one per `-`.
    fn item(&mut self, mut dash: usize, eol: usize) -> Option<()> {
        loop {
            let at = self.skip_spaces(dash + 1, eol);
            if at == eol || self.byte(at) == Some(b'#') {
                self.pending = Pending::Item {
                    eol,
                    indent: self.column(dash),
                };
                return Some(());
            }
            let col = self.column(at);
            if self.is_dash(at, eol) {
                self.open(true, col, at, false)?;
                dash = at;
                continue;
            }
            if let Some(b'[' | b'{') = self.byte(at) {
                return self.flow(at, eol);
            }
            let token = self.token(at, eol)?;
            if token.colon.is_some() {
                self.open(false, col, at, false)?;
                return self.entry(token, col, eol);
            }
            self.scalar(token);
            return Some(());
        }
    }

    fn scalar(&mut self, token: Token<'t>) {
        self.push(
            Event::Scalar(token.value, token.style, 0, None),
            token.range,
        );
    }

    /// A mapping entry whose key is `key`, in the mapping at column `col`.
    fn entry(&mut self, key: Token<'t>, col: usize, eol: usize) -> Option<()> {
        let colon = key.colon?;
        // granit-parser bounds the distance from the key's start to its `:`
        // (spaces before the `:` count), not the key alone.
        if colon - key.range.start > MAX_KEY_BYTES {
            return None;
        }
        self.scalar(key);
        let at = self.skip_spaces(colon + 1, eol);
        if at == eol || self.byte(at) == Some(b'#') {
            self.pending = Pending::Value { colon, indent: col };
            return Some(());
        }
        if let Some(b'[' | b'{') = self.byte(at) {
            return self.flow(at, eol);
        }
        let value = self.token(at, eol)?;
        if value.colon.is_some() {
            return None;
        }
        self.scalar(value);
        Some(())
    }

    /// The scalar starting at `at`, on this line.
    fn token(&self, at: usize, eol: usize) -> Option<Token<'t>> {
        match self.byte(at)? {
            q @ (b'\'' | b'"') => self.quoted(q, at, eol),
            _ if self.plain_start(at) => Some(self.plain(at, eol)),
            _ => None,
        }
    }

    /// Whether a plain scalar may start at `at`: not at an indicator, nor at
    /// `-` before a space.
    fn plain_start(&self, at: usize) -> bool {
        match self.byte(at) {
            None
            | Some(
                b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%'
                | b'@' | b'`' | b'?' | b':' | b'\'' | b'"',
            ) => false,
            Some(b'-') => self.byte(at + 1).is_some_and(|b| b != b' ' && b != b'\n'),
            Some(_) => true,
        }
    }

    /// A plain scalar: up to `: ` (a key), ` #` (a comment) or the line's
    /// end, without the spaces before them.
    fn plain(&self, at: usize, eol: usize) -> Token<'t> {
        let mut end = eol;
        let mut colon = None;
        let mut i = at;
        // a plain loop: scalars are short, and memchr's setup costs more
        // than it saves on them
        while let Some(found) = self
            .bytes
            .get(i..eol)
            .unwrap_or_default()
            .iter()
            .position(|&b| b == b':' || b == b'#')
        {
            i += found;
            match self.byte(i) {
                Some(b':') if i + 1 == eol || self.byte(i + 1) == Some(b' ') => {
                    end = i;
                    colon = Some(i);
                    break;
                }
                Some(b'#') if self.byte(i.wrapping_sub(1)) == Some(b' ') => {
                    end = i;
                    break;
                }
                _ => i += 1,
            }
        }
        while end > at && self.byte(end - 1) == Some(b' ') {
            end -= 1;
        }
        Token {
            value: Cow::Borrowed(self.text.get(at..end).unwrap_or_default()),
            style: ScalarStyle::Plain,
            range: at..end,
            colon,
        }
    }

    /// A quoted scalar that closes on its line. After it: the line's end, a
    /// comment or the `:` of a key.
    fn quoted(&self, quote: u8, at: usize, eol: usize) -> Option<Token<'t>> {
        let mut token = self.quoted_text(quote, at, eol)?;
        let close = token.range.end;
        let after = self.skip_spaces(close, eol);
        token.colon = match self.byte(after) {
            _ if after == eol => None,
            Some(b'#') if after > close => None,
            Some(b':') if after + 1 == eol || self.byte(after + 1) == Some(b' ') => Some(after),
            _ => return None,
        };
        Some(token)
    }

    /// `'…'` with `''` for a quote, or `"…"` without escapes, closed on its line.
    fn quoted_text(&self, quote: u8, at: usize, eol: usize) -> Option<Token<'t>> {
        let mut i = at + 1;
        let mut doubled = false;
        let close = loop {
            let rest = self.bytes.get(i..eol)?;
            // the quote, or a `\` that starts an escape in `"…"`
            let escape = if quote == b'"' { b'\\' } else { quote };
            i += rest.iter().position(|&b| b == quote || b == escape)?;
            match self.byte(i) {
                Some(b'\\') => return None,
                _ if quote == b'\'' && self.byte(i + 1) == Some(b'\'') => {
                    doubled = true;
                    i += 2;
                }
                _ => break i,
            }
        };
        let inner = self.text.get(at + 1..close)?;
        let value = if doubled {
            Cow::Owned(inner.replace("''", "'"))
        } else {
            Cow::Borrowed(inner)
        };
        let style = if quote == b'\'' {
            ScalarStyle::SingleQuoted
        } else {
            ScalarStyle::DoubleQuoted
        };
        Some(Token {
            value,
            style,
            range: at..close + 1,
            colon: None,
        })
    }

    /// A flow collection on one line: `{}`, or `[…]` of scalars (`[]`,
    /// `["CMD", "curl"]`, `[a, b,]`); then the line's end or a comment.
    fn flow(&mut self, at: usize, eol: usize) -> Option<()> {
        let mut i = self.skip_spaces(at + 1, eol);
        if self.byte(at) == Some(b'{') {
            if self.byte(i) != Some(b'}') || i >= eol {
                return None;
            }
            self.push(
                Event::MappingStart(StructureStyle::Flow, 0, None),
                at..at + 1,
            );
            self.push(Event::MappingEnd, i..i + 1);
        } else {
            self.push(
                Event::SequenceStart(StructureStyle::Flow, 0, None),
                at..at + 1,
            );
            while self.byte(i) != Some(b']') {
                let token = match self.byte(i) {
                    _ if i >= eol => return None,
                    Some(q @ (b'\'' | b'"')) => self.quoted_text(q, i, eol)?,
                    _ => self.flow_plain(i, eol)?,
                };
                i = self.skip_spaces(token.range.end, eol);
                self.scalar(token);
                // One line may hold millions of items: the bound on what is
                // buffered holds within a line too.
                if self.events > MAX_FAST_EVENTS {
                    return None;
                }
                match self.byte(i) {
                    Some(b']') if i < eol => {}
                    Some(b',') if i < eol => i = self.skip_spaces(i + 1, eol),
                    _ => return None,
                }
            }
            self.push(Event::SequenceEnd, i..i + 1);
        }
        let after = self.skip_spaces(i + 1, eol);
        (after == eol || (after > i + 1 && self.byte(after) == Some(b'#'))).then_some(())
    }

    /// A plain scalar in a flow list: up to `,` or `]`, without `:`, `#`,
    /// brackets or braces in it.
    fn flow_plain(&self, at: usize, eol: usize) -> Option<Token<'t>> {
        if !self.plain_start(at)
            || (self.byte(at) == Some(b'-') && matches!(self.byte(at + 1), Some(b',' | b']')))
        {
            return None;
        }
        let mut end = at;
        while end < eol {
            match self.byte(end)? {
                b',' | b']' => break,
                b':' | b'#' | b'[' | b'{' | b'}' => return None,
                _ => end += 1,
            }
        }
        while end > at && self.byte(end - 1) == Some(b' ') {
            end -= 1;
        }
        Some(Token {
            value: Cow::Borrowed(self.text.get(at..end)?),
            style: ScalarStyle::Plain,
            range: at..end,
            colon: None,
        })
    }
}
