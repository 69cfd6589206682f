//! Plain (unquoted) scalars that compose's YAML reader takes as something
//! other than text, though podlift's reader keeps them as strings: the
//! special floats (`.inf`, `-.Inf`, `.nan`) and dates (`2001-12-14`).
//! Compose refuses them where its schema wants a string, and a date
//! anywhere its schema looks (`invalid jsonType time.Time`).

/// Whether `text` starts as a special float or a date must: with a sign,
/// a dot or a digit (most strings start with a letter).
pub(super) fn may_be_special(text: &str) -> bool {
    matches!(
        text.as_bytes().first(),
        Some(b'+' | b'-' | b'.' | b'0'..=b'9')
    )
}

/// Whether `text`, written plain, is one of YAML's special floats.
pub(super) fn special_float(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    matches!(unsigned, ".inf" | ".Inf" | ".INF") || matches!(text, ".nan" | ".NaN" | ".NAN")
}

/// Whether `text`, written plain, is a date or a time stamp as compose's
/// YAML reader resolves one: `YYYY-M-D`, then optionally `T`/`t` and
/// `h:m:s[.fraction]` with `Z` or `±hh:mm`, or a single space and
/// `h:m:s[.fraction]` with no zone. Month, day and time are checked for
/// range (`2001-13-45` is text, as there).
pub(super) fn timestamp(text: &str) -> bool {
    let Some((date, rest)) = split_date(text) else {
        return false;
    };
    if !date {
        return false;
    }
    if rest.is_empty() {
        return true;
    }
    if let Some(time) = rest.strip_prefix([' ']) {
        return clock(time).is_some_and(str::is_empty);
    }
    let Some(time) = rest.strip_prefix(['T', 't']) else {
        return false;
    };
    clock(time).is_some_and(zone)
}

/// Splits `YYYY-M-D` off `text`: whether it is a real date, and the rest.
fn split_date(text: &str) -> Option<(bool, &str)> {
    let year = text.get(..4)?;
    if !year.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let rest = text.get(4..)?.strip_prefix('-')?;
    let (month, rest) = number(rest, 2)?;
    let rest = rest.strip_prefix('-')?;
    let (day, rest) = number(rest, 2)?;
    let year: u32 = year.parse().ok()?;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    };
    Some(((1..=days).contains(&day), rest))
}

/// Reads `h:m:s[.fraction]`; the rest, if the time is in range.
fn clock(text: &str) -> Option<&str> {
    let (hour, rest) = number(text, 2)?;
    let (minute, rest) = number(rest.strip_prefix(':')?, 2)?;
    let (second, rest) = number(rest.strip_prefix(':')?, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let rest = match rest.strip_prefix(['.', ',']) {
        Some(fraction) => {
            let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            fraction.get(digits..)?
        }
        None => rest,
    };
    Some(rest)
}

/// Whether `text` is `Z` or `±hh:mm`.
fn zone(text: &str) -> bool {
    if text == "Z" {
        return true;
    }
    let Some(offset) = text.strip_prefix(['+', '-']) else {
        return false;
    };
    let bytes = offset.as_bytes();
    bytes.len() == 5
        && bytes.get(2) == Some(&b':')
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 2 || b.is_ascii_digit())
}

/// One or up to `max` digits at the start of `text`, as a number.
fn number(text: &str, max: usize) -> Option<(u32, &str)> {
    let digits = text
        .bytes()
        .take(max)
        .take_while(u8::is_ascii_digit)
        .count();
    if digits == 0 {
        return None;
    }
    Some((text.get(..digits)?.parse().ok()?, text.get(digits..)?))
}

#[cfg(test)]
mod tests {
    use super::{may_be_special, special_float, timestamp};

    /// Every special float and date passes the first test, which most
    /// strings fail.
    #[test]
    fn the_first_byte_lets_every_special_scalar_through() {
        for text in [".inf", "-.Inf", "+.inf", ".nan", "2001-12-14", "0001-01-01"] {
            assert!(may_be_special(text) && (special_float(text) || timestamp(text)));
        }
        for text in ["", "image", "x-a", "Inf", "NaN", " 2001-12-14", "T1"] {
            assert!(!may_be_special(text), "{text}");
        }
    }

    #[test]
    fn dates_as_compose_reads_them() {
        // each checked against docker compose 2.40.3 (`hostname: …`)
        for date in [
            "2001-12-14",
            "2001-1-2",
            "2001-12-14T21:59:43.10-05:00",
            "2001-12-14 21:59:43.10",
            "2001-12-14t21:59:43Z",
            "0001-01-01",
            "2000-02-29",
        ] {
            assert!(timestamp(date), "{date}");
        }
        for text in [
            "20011214",
            "2001-12-14x",
            "12-14-2001",
            "2001-13-45",
            "2001-12-14 21:59",
            "2001-12-14T21:59:43",
            "2001-02-29",
            "2001-12-14  21:59:43",
            "2001-12-14T21:59:43+0500",
            "image:2001-12-14",
            "",
        ] {
            assert!(!timestamp(text), "{text}");
        }
    }

    #[test]
    fn special_floats() {
        for text in [
            ".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN",
        ] {
            assert!(special_float(text), "{text}");
        }
        for text in [".iNf", "inf", "nan", "+.nan", "-.NaN", ".in", "x.inf"] {
            assert!(!special_float(text), "{text}");
        }
    }
}
