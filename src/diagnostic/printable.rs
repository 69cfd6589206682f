//! Text from the input made safe for a terminal: a compose value, a file
//! name, a key or a variable's name may hold control characters (ESC and
//! OSC sequences that erase lines, set the title or the clipboard; CR, BEL,
//! C1 controls) or bidirectional overrides that make text read differently
//! than it is. Every text podlift prints for people goes through here once,
//! where it is rendered: diagnostics, their snippets, and the reports.
//!
//! A value quoted inline (a message, a note, a table cell, a summary line)
//! goes through [`printable`], which escapes newlines and tabs too: a
//! newline in a compose value must not start a line of its own that reads
//! as podlift's. Only text that is a block on purpose (a snippet of the
//! compose file, a whole report whose values were escaped where they were
//! inserted) keeps its lines, through [`printable_block`].

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as itself: a control character
/// (C0 but newline and tab, DEL, C1), a bidirectional formatting character,
/// or an invisible one that makes two different texts look the same
/// (`/srv/da<ZERO WIDTH SPACE>ta` and `/srv/data`).
#[must_use]
pub const fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        // C0 (but newline and tab), DEL, C1.
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Marks, embeddings, overrides and isolates (Unicode's Bidi_Control).
        | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        // Zero-width space, joiners, marks; word joiner and invisible
        // operators; the byte order mark; tag characters.
        | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
        | '\u{e0000}'..='\u{e007f}'
    )
}

/// Whether `c` must not reach a terminal as itself inside a line: an
/// [`is_unsafe`] character, a newline, a carriage return or a tab.
const fn is_unsafe_inline(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\t') || is_unsafe(c)
}

/// A value from the input quoted inside a line: every [`is_unsafe`]
/// character written as `\u{1b}`, and newline, carriage return and tab as
/// `\n`, `\r`, `\t`, so it cannot start a line of its own; borrowed when
/// there is none, which is nearly always.
#[must_use]
pub fn printable(text: &str) -> Cow<'_, str> {
    if text.bytes().all(|b| matches!(b, b' '..=b'~')) || !text.chars().any(is_unsafe_inline) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `text` holds a character [`is_unsafe`], a carriage return before
/// a newline (a CRLF line end) excepted when `crlf` is true.
///
/// Read byte by byte: printable ASCII, newline and tab are skipped without
/// decoding (a whole compose file goes through here for its snippets); any
/// other ASCII byte is a control, and a multi-byte character is decoded and
/// checked.
fn holds_unsafe(text: &str, crlf: bool) -> bool {
    let bytes = text.as_bytes();
    let mut at = 0;
    while let Some(skip) = bytes.get(at..).and_then(|rest| {
        rest.iter()
            .position(|&b| !matches!(b, b' '..=b'~' | b'\n' | b'\t'))
    }) {
        at += skip;
        match bytes.get(at) {
            Some(b'\r') if crlf && bytes.get(at + 1) == Some(&b'\n') => at += 2,
            Some(b) if b.is_ascii() => return true,
            _ => match text.get(at..).and_then(|rest| rest.chars().next()) {
                Some(c) if is_unsafe(c) => return true,
                Some(c) => at += c.len_utf8(),
                None => return false,
            },
        }
    }
    false
}

/// Whether `text` holds a character [`is_unsafe`], a carriage return before
/// a newline (a CRLF line end) excepted.
pub(super) fn needs_escaping(text: &str) -> bool {
    holds_unsafe(text, true)
}

/// A block of lines (a snippet, a whole report) with every unsafe
/// character written as `\u{1b}`; its newlines, tabs and CRLF line ends
/// stay. Values inserted into it must have gone through [`printable`].
#[must_use]
pub fn printable_block(text: &str) -> Cow<'_, str> {
    if !needs_escaping(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !(c == '\r' && chars.peek() == Some(&'\n')) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`printable_block`] for an owned text.
#[must_use]
pub fn printable_owned(text: String) -> String {
    match printable_block(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    }
}

/// `text` with every unsafe character replaced by as many `?` as it has
/// bytes: the same length and the same lines, so the positions of a
/// snippet's labels still hold.
#[must_use]
pub fn same_length(text: &str) -> Cow<'_, str> {
    if !needs_escaping(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !(c == '\r' && chars.peek() == Some(&'\n')) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with the characters serde_json leaves as they are (DEL, C1
/// controls, bidirectional ones; it escapes C0 itself) written as `\uXXXX`:
/// the same JSON values, safe to print. Such characters occur only inside
/// strings, where the escape means the same character.
#[must_use]
pub fn json_printable(json: String) -> String {
    if !holds_unsafe(&json, false) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    push_json_printable(&mut out, &json);
    out
}

/// Appends `json` to `out`, each [`is_unsafe`] character as `\uXXXX`
/// (outside the Basic Multilingual Plane as its UTF-16 surrogate pair, as
/// JSON requires: `\u{e0041}` is `\udb40\udc41`).
fn push_json_printable(out: &mut String, json: &str) {
    for c in json.chars() {
        if is_unsafe(c) {
            let mut units = [0; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
}

/// A writer for JSON text that passes it on as [`json_printable`] would
/// write it, for JSON serialised straight into a writer (`serde_json::
/// to_writer_pretty(JsonPrintable::new(&mut out), value)`). A character
/// split across two writes is held back until its last byte arrives.
pub struct JsonPrintable<W: std::io::Write> {
    inner: W,
    /// The first bytes of a character the last write ended inside.
    pending: Vec<u8>,
}

impl<W: std::io::Write> JsonPrintable<W> {
    /// Wraps `inner`.
    pub const fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    fn pass(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        if bytes.iter().all(u8::is_ascii) {
            return self.inner.write_all(bytes);
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(text) => return self.write_text(text),
                Err(error) => {
                    let (valid, after) = rest.split_at(error.valid_up_to());
                    self.write_text(std::str::from_utf8(valid).unwrap_or_default())?;
                    match error.error_len() {
                        // Not UTF-8 (serde_json writes none): as it is.
                        Some(len) => {
                            let (bad, after) = after.split_at(len.min(after.len()));
                            self.inner.write_all(bad)?;
                            rest = after;
                        }
                        None => {
                            self.pending.extend_from_slice(after);
                            return Ok(());
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn write_text(&mut self, text: &str) -> std::io::Result<()> {
        if !text.chars().any(is_unsafe) {
            return self.inner.write_all(text.as_bytes());
        }
        let mut out = String::with_capacity(text.len() + 8);
        push_json_printable(&mut out, text);
        self.inner.write_all(out.as_bytes())
    }
}

impl<W: std::io::Write> Drop for JsonPrintable<W> {
    fn drop(&mut self) {
        // A write that ended inside a character and never got the rest
        // (serde_json does not do that): its bytes as they are.
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            let _ = self.inner.write_all(&pending);
        }
    }
}

impl<W: std::io::Write> std::io::Write for JsonPrintable<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.pass(buf)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.pass(&joined)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            self.inner.write_all(&pending)?;
        }
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::{JsonPrintable, json_printable, printable, printable_block, same_length};

    #[test]
    fn json_escapes_are_valid_json_of_the_same_value() {
        let value = serde_json::json!({"k\u{9b}": ["a\u{85}b\u{202e}c\u{2066}", "tag\u{e0041}"]});
        let text = json_printable(serde_json::to_string(&value).unwrap());
        assert!(text.is_ascii(), "{text}");
        assert!(text.contains("\\udb40\\udc41"), "{text}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            value
        );
        // the writer gives the same bytes, also fed one byte at a time
        let mut whole = JsonPrintable::new(Vec::new());
        serde_json::to_writer(&mut whole, &value).unwrap();
        whole.flush().unwrap();
        assert_eq!(String::from_utf8(whole.inner.clone()).unwrap(), text);
        let raw = serde_json::to_string(&value).unwrap();
        let mut bytewise = JsonPrintable::new(Vec::new());
        for byte in raw.as_bytes() {
            bytewise.write_all(std::slice::from_ref(byte)).unwrap();
        }
        bytewise.flush().unwrap();
        assert_eq!(String::from_utf8(bytewise.inner.clone()).unwrap(), text);
    }

    #[test]
    fn controls_and_bidi_are_escaped_newlines_tabs_and_crlf_kept_in_blocks() {
        assert_eq!(printable_block("plain `name`"), "plain `name`");
        assert_eq!(
            printable_block("a\u{1b}]52;c;aGk=\u{7}b\u{1b}[2J"),
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{1b}[2J"
        );
        assert_eq!(printable_block("x\ry\r\n\tz"), "x\\u{d}y\r\n\tz");
        assert_eq!(
            printable_block("\u{9b}31m\u{202e}txt"),
            "\\u{9b}31m\\u{202e}txt"
        );
    }

    #[test]
    fn inline_values_escape_newlines_tabs_and_invisible_characters() {
        assert_eq!(printable("plain `name`"), "plain `name`");
        assert_eq!(
            printable("/srv/x`.\n\nIMPORTANT: run\r\n\tcurl"),
            "/srv/x`.\\n\\nIMPORTANT: run\\r\\n\\tcurl"
        );
        assert_eq!(printable("/srv/da\u{200b}ta"), "/srv/da\\u{200b}ta");
        assert_eq!(
            printable("a\u{2060}b\u{feff}c\u{e0041}d\u{200d}"),
            "a\\u{2060}b\\u{feff}c\\u{e0041}d\\u{200d}"
        );
    }

    #[test]
    fn the_byte_scan_finds_what_the_character_scan_finds() {
        let cases = [
            "",
            "plain\n\ttext ~",
            "crlf\r\nend\r\n",
            "lone\rcr",
            "cr at the end\r",
            "\u{1b}[2J",
            "del\u{7f}",
            "caf\u{e9} \u{4e2d}\u{6587} \u{1f600}",
            "c1 \u{85} after",
            "bidi \u{202e} after",
            "zw\u{200b}",
            "bom\u{feff}",
            "tag\u{e0041}",
            "\u{a0}\u{ff}\u{2028}\u{e0080}",
        ];
        for text in cases {
            let mut chars = text.chars().peekable();
            let mut expected = false;
            while let Some(c) = chars.next() {
                if super::is_unsafe(c) && !(c == '\r' && chars.peek() == Some(&'\n')) {
                    expected = true;
                }
            }
            assert_eq!(super::needs_escaping(text), expected, "{text:?}");
            assert_eq!(
                super::holds_unsafe(text, false),
                text.chars().any(super::is_unsafe),
                "{text:?}"
            );
            assert_eq!(
                printable(text) == text,
                !text.chars().any(super::is_unsafe_inline),
                "{text:?}"
            );
        }
    }

    #[test]
    fn same_length_keeps_every_position() {
        let text = "a\u{1b}[2J\u{202e}b\r\nc\u{85}";
        let safe = same_length(text);
        assert_eq!(safe.len(), text.len());
        assert_eq!(safe, "a?[2J???b\r\nc??");
    }

    #[test]
    fn json_keeps_its_values() {
        let value = serde_json::json!({"m": "a\u{1b}b\u{9b}c\u{202e}d\u{7f}"});
        let text = json_printable(serde_json::to_string(&value).unwrap());
        assert!(!text.chars().any(super::is_unsafe), "{text}");
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
