//! Text from the input made safe for a terminal: a compose value, a file
//! name, a key or a variable's name may hold control characters (ESC and
//! OSC sequences that erase lines, set the title or the clipboard; CR, BEL,
//! C1 controls) or bidirectional overrides that make text read differently
//! than it is. Every text podlift prints for people goes through here once,
//! where it is rendered: diagnostics, their snippets, and the reports.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` must not reach a terminal as itself: a control character
/// (C0 but newline and tab, DEL, C1) or a bidirectional formatting
/// character.
#[must_use]
pub const fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        // C0 (but newline and tab), DEL, C1.
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        // Marks, embeddings, overrides and isolates (Unicode's Bidi_Control).
        | '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `text` holds a character [`is_unsafe`], a carriage return before
/// a newline (a CRLF line end) excepted.
fn needs_escaping(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_unsafe(c) && !(c == '\r' && chars.peek() == Some(&'\n')) {
            return true;
        }
    }
    false
}

/// `text` with every unsafe character written as `\u{1b}` (a CRLF line end
/// stays); borrowed when there is none, which is nearly always.
#[must_use]
pub fn printable(text: &str) -> Cow<'_, str> {
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

/// [`printable`] for an owned text.
#[must_use]
pub fn printable_owned(text: String) -> String {
    match printable(&text) {
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
    if !json.chars().any(is_unsafe) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{json_printable, printable, same_length};

    #[test]
    fn controls_and_bidi_are_escaped_newlines_tabs_and_crlf_kept() {
        assert_eq!(printable("plain `name`"), "plain `name`");
        assert_eq!(
            printable("a\u{1b}]52;c;aGk=\u{7}b\u{1b}[2J"),
            "a\\u{1b}]52;c;aGk=\\u{7}b\\u{1b}[2J"
        );
        assert_eq!(printable("x\ry\r\n\tz"), "x\\u{d}y\r\n\tz");
        assert_eq!(printable("\u{9b}31m\u{202e}txt"), "\\u{9b}31m\\u{202e}txt");
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
