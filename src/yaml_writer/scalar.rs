//! How a string is written: plain, quoted or as a block, and the checks
//! that decide it. A string is written plain only when every YAML reader
//! reads it back as that same string: YAML 1.2 readers, YAML 1.1 readers
//! (PyYAML, go-yaml v2: `yes`, `on`, `y`, `0o17`, `1_000`, sexagesimal
//! `1:30`, timestamps) and the document's own syntax (`: `, ` #`,
//! indicators, `---`). Everything else is double-quoted with escapes, or,
//! when it holds line breaks and nothing a block cannot carry, a literal
//! block.

use std::fmt::{self, Write};

/// The widest a folded block's line gets before it is wrapped (characters,
/// without the indentation); a longer single-line string that may be plain
/// is written folded.
pub(super) const FOLD_WIDTH: usize = 80;

/// The longest key written as `key:`; a longer one is written as `? key`
/// (YAML limits an implicit key to 1024 characters).
pub(super) const SIMPLE_KEY_MAX: usize = 1024;

/// How a string value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    /// `'.'`: the one-character strings `.`, `#` and `-`.
    Single,
    Double,
    /// `|`, for a string with line breaks.
    Literal,
    /// `>-`, for a long single-line string that could be plain.
    Folded,
}

/// The style of `s` as a value in a block collection.
pub(super) fn value_style(s: &str) -> Style {
    if s.len() <= FOLD_WIDTH && plainly_plain(s, false) {
        Style::Plain
    } else if digits_only(s) {
        Style::Double
    } else {
        checked_value_style(s)
    }
}

/// [`value_style`] by the full checks.
pub(super) fn checked_value_style(s: &str) -> Style {
    if s.contains('\n') {
        return if block_safe(s) {
            Style::Literal
        } else {
            Style::Double
        };
    }
    if s.len() > FOLD_WIDTH {
        let probe = s.trim_end_matches(' ');
        if !probe.is_empty() && plain_value(probe) && s.chars().count() > FOLD_WIDTH {
            return if block_safe(s) {
                Style::Folded
            } else {
                Style::Double
            };
        }
    }
    if matches!(s, "." | "#" | "-") {
        Style::Single
    } else if plain_value(s) {
        Style::Plain
    } else {
        Style::Double
    }
}

/// Whether `s` is plain by its form alone, in one pass over its bytes: it
/// starts with a letter or `/` (so it is no number, timestamp, indicator or
/// document marker), is not a short word a reader might resolve (`no`,
/// `true`, `null`, `inf`, `y`, `on` …: [`ambiguous`] as YAML 1.1 reads it,
/// which is all it has to look at for a word that starts with a letter),
/// and holds
/// printable ASCII only, no space (so no `: ` and no ` #`), and for a key
/// none of `:,[]{}`; a value does not end in `:`. Whatever this says no to
/// goes through the full checks ([`plain_value`], [`plain_key`]), which
/// agree with every yes.
pub(super) fn plainly_plain(s: &str, key: bool) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if !(first.is_ascii_alphabetic() || first == b'/')
        || last == b':'
        || (bytes.len() <= 5 && ambiguous(s, false))
    {
        return false;
    }
    // Every byte is looked at (no early exit), so the loop takes many at a
    // time.
    if key {
        bytes.iter().fold(true, |plain, &b| plain & key_byte(b))
    } else {
        bytes.iter().fold(true, |plain, &b| plain & printable(b))
    }
}

/// Printable ASCII but the space.
const fn printable(b: u8) -> bool {
    b.wrapping_sub(0x21) < 0x5e
}

/// Printable ASCII but the space and `:,[]{}`.
const fn key_byte(b: u8) -> bool {
    // `[`, `]`, `{`, `}` are 0x5B, 0x5D, 0x7B, 0x7D
    printable(b) & !matches!(b, b':' | b',') & !matches!(b | 0x20, 0x7b | 0x7d)
}

/// Whether `s` is decimal digits only (at least one): an integer to every
/// reader, so a string that is written quoted.
pub(super) fn digits_only(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .fold(true, |digits, b| digits & b.is_ascii_digit())
}

/// Whether `s` may be a plain mapping key (also one a flow mapping could
/// hold: no `,[]{}`, no `:`).
pub(super) fn plain_key(s: &str) -> bool {
    plainly_plain(s, true) || checked_plain_key(s)
}

/// [`plain_key`] by the full checks.
pub(super) fn checked_plain_key(s: &str) -> bool {
    plain_value(s)
        && !s
            .bytes()
            .any(|b| matches!(b, b':' | b',' | b'[' | b']' | b'{' | b'}'))
        && s != "<<"
        && !ambiguous(s, true)
}

/// Whether `s` may be a plain scalar in a block value: no reader would
/// take it for another type, a comment, an indicator or a document marker,
/// and it has no character that needs an escape.
pub(super) fn plain_value(s: &str) -> bool {
    let bytes = s.as_bytes();
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return false;
    };
    if first.is_ascii_whitespace() || last.is_ascii_whitespace() {
        return false;
    }
    match first {
        b'-' | b'?' if bytes.get(1).is_none_or(u8::is_ascii_whitespace) => return false,
        b',' | b':' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>'
        | b'\'' | b'"' | b'%' | b'@' | b'`' => return false,
        _ => {}
    }
    if document_marker(s) || ambiguous(s, false) {
        return false;
    }
    // Printable ASCII other than ` `, `#` and `:` needs no look; `#` after
    // a space starts a comment, `: ` a value.
    let mut previous = 0u8;
    let mut ascii = true;
    for &b in bytes {
        match b {
            // printable ASCII but ` `, `#` and `:`
            0x21..=0x22 | 0x24..=0x39 | 0x3b..=0x7e => {}
            _ if b >= 0x80 => {
                ascii = false;
                break;
            }
            _ if b < 0x20 || b == 0x7f || (b == b'#' && previous == b' ') => return false,
            _ if b == b' ' && previous == b':' => return false,
            _ => {}
        }
        previous = b;
    }
    if ascii {
        last != b':'
    } else {
        let mut previous: Option<char> = None;
        for c in s.chars() {
            if needs_escape(c)
                || (c == '#' && previous.is_some_and(char::is_whitespace))
                || (c == ' ' && previous == Some(':'))
            {
                return false;
            }
            previous = Some(c);
        }
        !s.trim().ends_with(':')
    }
}

/// `---` or `...` alone or before white space: a document marker at the
/// start of a line.
fn document_marker(s: &str) -> bool {
    s.strip_prefix("---")
        .or_else(|| s.strip_prefix("..."))
        .is_some_and(|rest| rest.as_bytes().first().is_none_or(u8::is_ascii_whitespace))
}

/// Whether a reader could resolve plain `s` to something else than this
/// string: null, a boolean, a number, a timestamp, `<<` or `=`. `yaml_12`
/// leaves out what only YAML 1.1 resolves.
pub(super) fn ambiguous(s: &str, yaml_12: bool) -> bool {
    let Some(&first) = s.as_bytes().first() else {
        return true;
    };
    if matches!(first, b'0'..=b'9' | b'+' | b'-' | b'.' | b'_') && numeric(s, yaml_12) {
        return true;
    }
    if !yaml_12 && first.is_ascii_digit() && timestamp(s) {
        return true;
    }
    if s.len() > 5 {
        return false;
    }
    let word = |w: &str| s.eq_ignore_ascii_case(w);
    match first.to_ascii_lowercase() {
        b'~' => s == "~",
        b'n' => word("null") || word("nan") || (!yaml_12 && (word("no") || word("n"))),
        b't' => word("true"),
        b'f' => word("false"),
        b'i' => word("inf"),
        b'+' | b'-' => word("+inf") || word("-inf"),
        b'y' => !yaml_12 && (word("yes") || word("y")),
        b'o' => !yaml_12 && (word("on") || word("off")),
        b'<' | b'=' => !yaml_12 && matches!(s, "<<" | "="),
        _ => false,
    }
}

/// Whether `s` has a number's form (integer, float, radix, `.inf`, `.nan`;
/// for YAML 1.1 also `_` anywhere and base 60), constructible or not.
fn numeric(s: &str, yaml_12: bool) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if unsigned.eq_ignore_ascii_case(".inf") || unsigned.eq_ignore_ascii_case(".nan") {
        return true;
    }
    if !yaml_12 {
        if sexagesimal(unsigned) {
            return true;
        }
        if let Some((radix, digits)) = radix(unsigned)
            && digit_run(digits, radix, false)
        {
            return true;
        }
    }
    // go-yaml drops every `_` before it resolves a number
    let without_underscores;
    let s = if !yaml_12 && s.contains('_') {
        without_underscores = s.replace('_', "");
        without_underscores.as_str()
    } else {
        s
    };
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    if let Some((radix, digits)) = radix(unsigned) {
        // go-yaml also reads `0b+1` and `0o-7`
        let digits = if !yaml_12 && (s.starts_with("0b") || s.starts_with("0o")) {
            digits.strip_prefix(['+', '-']).unwrap_or(digits)
        } else {
            digits
        };
        return digit_run(digits, radix, true);
    }
    let mantissa = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => {
            if !digit_run(
                exponent.strip_prefix(['+', '-']).unwrap_or(exponent),
                10,
                true,
            ) {
                return false;
            }
            mantissa
        }
        None => unsigned,
    };
    match mantissa.split_once('.') {
        None => digit_run(mantissa, 10, true),
        Some((whole, _)) if !whole.is_empty() && !digit_run(whole, 10, true) => false,
        // YAML 1.1's float: `[0-9.]*` after the point, `1.` and `.5` too
        Some((_, fraction)) if !yaml_12 => {
            fraction.bytes().all(|b| b == b'.' || b.is_ascii_digit())
        }
        Some((whole, "")) => !whole.is_empty(),
        Some((_, fraction)) => digit_run(fraction, 10, true),
    }
}

/// `0b…`, `0o…`, `0x…` (either case): the radix and the digits.
fn radix(s: &str) -> Option<(u32, &str)> {
    let radix = match s.as_bytes() {
        [b'0', b'b' | b'B', ..] => 2,
        [b'0', b'o' | b'O', ..] => 8,
        [b'0', b'x' | b'X', ..] => 16,
        _ => return None,
    };
    s.get(2..).map(|digits| (radix, digits))
}

/// Digits of `radix`, at least one; `_` between digits (`strict`) or anywhere.
fn digit_run(s: &str, radix: u32, strict: bool) -> bool {
    let digit = |b: &u8| char::from(*b).is_digit(radix) && b.is_ascii();
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.iter().enumerate().all(|(i, b)| {
            digit(b)
                || (*b == b'_'
                    && (!strict
                        || (i > 0
                            && bytes.get(i - 1).is_some_and(digit)
                            && bytes.get(i + 1).is_some_and(digit))))
        })
}

/// YAML 1.1's base-60 numbers (`1:30`, `190:20:30.15`), sign already off.
fn sexagesimal(unsigned: &str) -> bool {
    let (integer, fraction) = match unsigned.split_once('.') {
        Some((integer, fraction)) => (integer, Some(fraction)),
        None => (unsigned, None),
    };
    let Some((head, rest)) = integer.split_once(':') else {
        return false;
    };
    let Some(&lead) = head.as_bytes().first() else {
        return false;
    };
    lead.is_ascii_digit()
        && (fraction.is_some() || lead != b'0')
        && head.bytes().all(|b| b.is_ascii_digit() || b == b'_')
        && rest.split(':').all(|part| match part.as_bytes() {
            [units] => units.is_ascii_digit(),
            [tens, units] => (b'0'..=b'5').contains(tens) && units.is_ascii_digit(),
            _ => false,
        })
        && fraction.is_none_or(|f| f.bytes().all(|b| b.is_ascii_digit() || b == b'_'))
}

/// YAML 1.1's timestamp form (go-yaml's too: one-digit fields), with no
/// check of the calendar.
fn timestamp(s: &str) -> bool {
    let mut rest = s;
    let digits = |rest: &mut &str, min: usize, max: usize| {
        let n = rest.bytes().take_while(u8::is_ascii_digit).count();
        *rest = rest.get(n..).unwrap_or_default();
        (min..=max).contains(&n)
    };
    let take = |rest: &mut &str, c: char| match rest.strip_prefix(c) {
        Some(after) => {
            *rest = after;
            true
        }
        None => false,
    };
    if !(digits(&mut rest, 4, 4)
        && take(&mut rest, '-')
        && digits(&mut rest, 1, 2)
        && take(&mut rest, '-')
        && digits(&mut rest, 1, 2))
    {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    if !(take(&mut rest, 'T') || take(&mut rest, 't')) {
        let spaced = rest.trim_start_matches([' ', '\t']);
        if spaced.len() == rest.len() {
            return false;
        }
        rest = spaced;
    }
    if !(digits(&mut rest, 1, 2)
        && take(&mut rest, ':')
        && digits(&mut rest, 1, 2)
        && take(&mut rest, ':')
        && digits(&mut rest, 1, 2))
    {
        return false;
    }
    if take(&mut rest, '.') || take(&mut rest, ',') {
        digits(&mut rest, 0, usize::MAX);
    }
    rest = rest.trim_start_matches([' ', '\t']);
    if rest.is_empty() || rest == "Z" {
        return true;
    }
    if !((take(&mut rest, '+') || take(&mut rest, '-')) && digits(&mut rest, 1, 2)) {
        return false;
    }
    if take(&mut rest, ':') && !digits(&mut rest, 2, 2) {
        return false;
    }
    rest.is_empty()
}

/// Whether `c` is written only as an escape: control characters (C0, DEL,
/// C1), the BOM, the line and paragraph separators, the non-characters
/// U+FFFE/U+FFFF, and the bidirectional controls (which would reorder
/// the text a reviewer reads).
pub(super) fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{FEFF}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{FFFE}'
                | '\u{FFFF}'
                | '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// Whether every character of `s` may stand in a block scalar as it is
/// (tab and line feed; no carriage return, NEL, LS, PS, BOM, other
/// control characters or bidirectional controls).
pub(super) fn block_safe(s: &str) -> bool {
    s.chars().all(|c| match c {
        '\n' | '\t' => true,
        c => !needs_escape(c) && matches!(u32::from(c), 0x20..=0x7E | 0xA0..=0xFFFD | 0x10000..),
    })
}

/// Writes `s` double-quoted, escaping `"`, `\` and every character
/// [`needs_escape`] names.
pub(super) fn write_double<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    out.write_char('"')?;
    let mut start = 0;
    for (at, c) in s.char_indices() {
        let named = match c {
            '\\' => "\\\\",
            '"' => "\\\"",
            '\0' => "\\0",
            '\u{7}' => "\\a",
            '\u{8}' => "\\b",
            '\t' => "\\t",
            '\n' => "\\n",
            '\u{b}' => "\\v",
            '\u{c}' => "\\f",
            '\r' => "\\r",
            '\u{1b}' => "\\e",
            '\u{85}' => "\\N",
            '\u{2028}' => "\\L",
            '\u{2029}' => "\\P",
            c if needs_escape(c) => "",
            _ => continue,
        };
        out.write_str(s.get(start..at).unwrap_or_default())?;
        start = at + c.len_utf8();
        if named.is_empty() {
            let code = u32::from(c);
            if code <= 0xFF {
                write!(out, "\\x{code:02X}")?;
            } else {
                write!(out, "\\u{code:04X}")?;
            }
        } else {
            out.write_str(named)?;
        }
    }
    out.write_str(s.get(start..).unwrap_or_default())?;
    out.write_char('"')
}

/// Writes `'s'` (`s` is `.`, `#` or `-`).
pub(super) fn write_single<W: Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    out.write_char('\'')?;
    out.write_str(s)?;
    out.write_char('\'')
}

/// Spaces for indentation.
const SPACES: &str = "                                                                ";

/// A line break and the spaces of the deepest indentation written at once.
const BREAK_AND_SPACES: &str = "\n                                                                ";

/// Writes a line break and `n` spaces.
pub(super) fn write_break<W: Write + ?Sized>(out: &mut W, n: usize) -> fmt::Result {
    match BREAK_AND_SPACES.get(..=n) {
        Some(text) => out.write_str(text),
        None => {
            out.write_char('\n')?;
            write_spaces(out, n)
        }
    }
}

/// Writes `n` spaces.
pub(super) fn write_spaces<W: Write + ?Sized>(out: &mut W, mut n: usize) -> fmt::Result {
    while n > 0 {
        let step = n.min(SPACES.len());
        out.write_str(SPACES.get(..step).unwrap_or_default())?;
        n -= step;
    }
    Ok(())
}

/// Writes a literal block's header (after `key: ` or `- `, or at the start
/// of the document) and its lines, each indented by `column` spaces.
/// `|` keeps one final line break, `|-` none, `|+` all; `|2` says how deep
/// the lines are indented when the first starts with a space, or with a tab
/// (go-yaml, so Helm and kubectl, refuses a tab where it looks for the
/// indentation; serde-saphyr writes no indicator there).
pub(super) fn write_literal<W: Write + ?Sized>(out: &mut W, s: &str, column: usize) -> fmt::Result {
    let content = s.trim_end_matches('\n');
    let breaks = s.len() - content.len();
    out.write_char('|')?;
    if content
        .split('\n')
        .find(|line| !line.is_empty())
        .is_some_and(|line| line.starts_with([' ', '\t']))
    {
        out.write_char('2')?;
    }
    match breaks {
        0 => out.write_char('-')?,
        1 if !content.is_empty() => {}
        _ => out.write_char('+')?,
    }
    out.write_char('\n')?;
    if content.is_empty() {
        for _ in 0..breaks {
            out.write_char('\n')?;
        }
        return Ok(());
    }
    for line in content.split('\n') {
        if !line.is_empty() {
            write_spaces(out, column)?;
            out.write_str(line)?;
        }
        out.write_char('\n')?;
    }
    for _ in 1..breaks {
        out.write_char('\n')?;
    }
    Ok(())
}

/// Writes `>-` and the single-line `s` folded into lines of at most
/// [`FOLD_WIDTH`] characters, each indented by `column` spaces. A line is
/// broken only inside a run of spaces that a tab does not follow: the run's
/// last space becomes the line break (a reader folds it back into one
/// space), the others stay at the end of the line. Where no such run came
/// since the last break, the rest is written unbroken.
pub(super) fn write_folded<W: Write + ?Sized>(out: &mut W, s: &str, column: usize) -> fmt::Result {
    out.write_str(">-\n")?;
    let mut start = 0;
    let mut width = 0;
    // The last run of spaces closed by a character other than a tab: its
    // start, end and length.
    let mut candidate: Option<(usize, usize, usize)> = None;
    // The run of spaces being read: its start and length.
    let mut run: Option<(usize, usize)> = None;
    for (at, c) in s.char_indices() {
        if c == ' ' {
            run = Some(run.map_or((at, 1), |(from, n)| (from, n + 1)));
        } else if let Some((from, n)) = run.take()
            && c != '\t'
        {
            candidate = Some((from, at, n));
        }
        width += 1;
        if width > FOLD_WIDTH {
            let Some((from, to, n)) = candidate.take() else {
                break;
            };
            write_spaces(out, column)?;
            out.write_str(s.get(start..from).unwrap_or_default())?;
            write_spaces(out, n - 1)?;
            out.write_char('\n')?;
            start = to;
            width = 0;
        }
    }
    write_spaces(out, column)?;
    out.write_str(s.get(start..).unwrap_or_default())?;
    out.write_char('\n')
}
