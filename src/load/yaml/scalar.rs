//! YAML 1.2 core-schema scalars: null, booleans, integers and floats.

use granit_parser::{ScalarStyle, Tag};

use super::Value;

/// Resolves a scalar by the YAML 1.2 core schema. `Err` names the type an
/// explicit tag asked for when the text is not of it.
pub(super) fn scalar(
    text: String,
    style: ScalarStyle,
    tag: Option<&Tag>,
) -> Result<Value, &'static str> {
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
    // Most plain scalars are words (`image`, `restart`, `svc0`): a letter
    // that starts no null (`null`, `Null`), boolean (`true`, `False`) or
    // number (a digit, a dot or a sign) makes a string without the checks.
    if text.as_bytes().first().is_some_and(|b| {
        b.is_ascii_alphabetic() && !matches!(b, b'n' | b'N' | b't' | b'T' | b'f' | b'F')
    }) {
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

/// `text` without the spaces, tabs and line breaks around it, found byte by
/// byte (`trim_matches` with a list of characters cost more than the rest
/// of resolving a number).
fn trim(text: &str) -> &str {
    let blank = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = text.as_bytes();
    let start = bytes.iter().position(|b| !blank(b)).unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !blank(b))
        .map_or(start, |at| at + 1);
    // both are next to an ASCII byte or at an end: character boundaries
    text.get(start..end).unwrap_or_default()
}

fn boolean(text: &str) -> Option<bool> {
    match trim(text) {
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
    let t = trim(text);
    // Every integer and float starts with a digit or a dot after its sign.
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return false;
    }
    if integer(t) {
        return true;
    }
    // Past the sign and the first digit, a float is digits, a dot, an
    // exponent and its sign only: `10s` or `8080:80` is text without asking
    // the float parser (a third of the cost of reading a compose file's
    // scalars went there).
    if !unsigned
        .bytes()
        .all(|b| matches!(b, b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return false;
    }
    t.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A YAML 1.2 integer that fits 64 bits.
fn integer(text: &str) -> bool {
    let t = trim(text);
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
    use granit_parser::ScalarStyle;

    use super::{Value, scalar};

    fn plain(text: &str) -> Value {
        scalar(text.to_owned(), ScalarStyle::Plain, None).unwrap()
    }

    #[test]
    fn trim_takes_what_trim_matches_takes() {
        for text in [
            "",
            " ",
            "a",
            " a ",
            "\t1\r\n",
            "\u{a0}x\u{a0}",
            " é ",
            "\n\n",
            "a b",
        ] {
            assert_eq!(
                super::trim(text),
                text.trim_matches([' ', '\t', '\r', '\n']),
                "{text:?}"
            );
        }
    }

    #[test]
    fn words_are_strings_and_the_core_schema_still_holds() {
        for word in [
            "image", "svc0", "x", "Inf", "inf", "NaN", "e3", "yes", "Off", "_1",
        ] {
            assert_eq!(plain(word), Value::String(word.to_owned()), "{word}");
        }
        for null in ["", "~", "null", "Null", "NULL"] {
            assert_eq!(plain(null), Value::Null, "{null:?}");
        }
        assert_eq!(plain("true"), Value::Bool(true));
        assert_eq!(plain("False"), Value::Bool(false));
        for number in [
            "1", "-2", "0x1f", "1e3", ".5", "+3.0", "1_000", "1.", "1E-7", "-.5e+3", "007.5",
        ] {
            assert_eq!(plain(number), Value::Number(number.to_owned()), "{number}");
        }
        for text in [
            "nothing", "tree", "fast", "Nope", "0080a", ".inf", "10s", "8080:80", "1.5.3", "1e5x",
            "1_0.5", "1 2", "0x1.8p3",
        ] {
            assert_eq!(plain(text), Value::String(text.to_owned()), "{text}");
        }
    }
}
