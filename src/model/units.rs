//! Compose durations (`1m30s`) and byte sizes (`512m`).

use std::borrow::Cow;
use std::time::Duration;

/// Parses a compose duration as Docker Compose v2 does (Go's
/// `time.ParseDuration` plus `d` and `w`): `0`, or a sequence of
/// `<number><unit>` with units `ns`, `us`, `ms`, `s`, `m`, `h`, `d`, `w`.
/// A bare number other than `0` is not a duration; nor is a negative one,
/// nor one past Go's `i64` nanoseconds (`2562048h`).
#[must_use]
pub fn parse_duration(text: &str) -> Option<Duration> {
    let rest = text.strip_prefix('+').unwrap_or(text);
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = Duration::ZERO;
    // Bytes, not chars: a digit or `.` is one byte and never part of a
    // longer character, so the pieces are cut where the chars would cut them.
    let mut rest = rest.as_bytes();
    while !rest.is_empty() {
        let digits = rest
            .iter()
            .position(|&b| !(b.is_ascii_digit() || b == b'.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(digits);
        if number.is_empty() || number == b"." {
            return None;
        }
        let unit_len = tail
            .iter()
            .position(|&b| b.is_ascii_digit() || b == b'.')
            .unwrap_or(tail.len());
        let (unit, next) = tail.split_at(unit_len);
        let unit_nanos: u128 = match unit {
            b"ns" => 1,
            // `µs` (micro sign) and `μs` (Greek mu) in UTF-8
            b"us" | b"\xC2\xB5s" | b"\xCE\xBCs" => 1_000,
            b"ms" => 1_000_000,
            b"s" => 1_000_000_000,
            b"m" => 60_000_000_000,
            b"h" => 3_600_000_000_000,
            b"d" => 86_400_000_000_000,
            b"w" => 604_800_000_000_000,
            _ => return None,
        };
        // Exact decimal arithmetic: `1.1s` is 1,100,000,000 ns, not a float's idea of it.
        let point = number.iter().position(|&b| b == b'.');
        let (whole, fraction) = match point {
            Some(at) => (number.get(..at)?, number.get(at + 1..)?),
            None => (number, &b""[..]),
        };
        let whole = whole.iter().try_fold(0u128, |n, &b| {
            n.checked_mul(10)?.checked_add(u128::from(b - b'0'))
        })?;
        let mut nanos = whole.checked_mul(unit_nanos)?;
        let mut scale = unit_nanos;
        for &digit in fraction {
            // a second `.` is no number
            if !digit.is_ascii_digit() {
                return None;
            }
            scale /= 10;
            nanos += u128::from(digit - b'0') * scale;
        }
        let nanos = u64::try_from(nanos).ok()?;
        total = total.checked_add(Duration::from_nanos(nanos))?;
        rest = next;
    }
    // Go holds a duration in i64 nanoseconds: past that it is invalid
    (total.as_nanos() <= u128::from(i64::MAX.unsigned_abs())).then_some(total)
}

/// A duration as Go's `time.Duration.String()` writes it (`1m30s`,
/// `1.5ms`, `24h0m0s`), which is how `docker compose config` prints one.
#[must_use]
pub fn format_duration(duration: Duration) -> String {
    let nanos = duration.as_nanos();
    if nanos == 0 {
        return "0s".to_string();
    }
    let fraction = |value: u128, unit: u128| -> String {
        let whole = value / unit;
        let rest = value % unit;
        if rest == 0 {
            return whole.to_string();
        }
        let width = unit.to_string().len() - 1;
        let digits = format!("{rest:0width$}");
        format!("{whole}.{}", digits.trim_end_matches('0'))
    };
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return format!("{}µs", fraction(nanos, 1_000));
    }
    if nanos < 1_000_000_000 {
        return format!("{}ms", fraction(nanos, 1_000_000));
    }
    let seconds_part = fraction(nanos % 60_000_000_000, 1_000_000_000);
    let minutes = nanos / 60_000_000_000;
    if minutes == 0 {
        return format!("{seconds_part}s");
    }
    let hours = minutes / 60;
    if hours == 0 {
        return format!("{minutes}m{seconds_part}s");
    }
    format!("{hours}h{}m{seconds_part}s", minutes % 60)
}

/// Parses a byte size written as a string, as Docker Compose v2 reads one
/// (go-units' `RAMInBytes`): a number as Go's `strconv.ParseFloat` reads it
/// (`1.5`, `.5`, `+1`, `1e3`, `1_000`), then, right after it or after one
/// space, an optional unit `b`, `k`, `m`, `g`, `t`, `p` (powers of 1024)
/// with an optional `b` or `ib`, in any case; a fraction of a byte is cut.
/// `None` for anything else, a negative size and one past `i64::MAX` bytes
/// (a space before the number or after the unit is refused, as compose
/// refuses it).
#[must_use]
pub fn parse_bytes(text: &str) -> Option<u64> {
    // the number ends at the last digit, `.` or space
    let end = text.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')?;
    let (number, unit) = match text.get(end..=end) {
        Some(" ") => (text.get(..end)?, text.get(end + 1..)?),
        _ => (text.get(..=end)?, text.get(end + 1..)?),
    };
    let value = go_float(number)?;
    let factor: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        "p" | "pb" | "pib" => 1 << 50,
        _ => return None,
    };
    #[allow(clippy::cast_precision_loss)]
    let bytes = value * factor as f64;
    // 2^63: compose holds a size in an `i64`
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    (0.0..9_223_372_036_854_775_808.0)
        .contains(&bytes)
        .then(|| bytes.trunc() as u64)
}

/// A finite decimal number as Go's `strconv.ParseFloat` reads it: an
/// optional sign, digits with an optional fraction and exponent, `_` only
/// between two digits. Go's hexadecimal form is not read.
fn go_float(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let underscores_between_digits = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'_'
            || (i > 0
                && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
    });
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'+' | b'-' | b'e' | b'E'));
    if !underscores_between_digits || !plain || !text.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    let value: f64 = text.replace('_', "").parse().ok()?;
    value.is_finite().then_some(value)
}

/// Whether `text` is a Kubernetes quantity greater than zero, as a claim's
/// size must be: a number (`1`, `1.5`, `.5`) with an optional suffix, binary
/// (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`, `Ei`), decimal (`k`, `M`, `G`, `T`, `P`,
/// `E`, `m`) or an exponent (`e3`). `1GB` and `10gi` are not quantities.
#[must_use]
pub fn is_positive_quantity(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    let number_end = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (number, suffix) = body.split_at(number_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if (whole.is_empty() && fraction.is_empty()) || fraction.contains('.') {
        return false;
    }
    let suffix_ok = match suffix {
        "" | "Ki" | "Mi" | "Gi" | "Ti" | "Pi" | "Ei" | "m" | "k" | "M" | "G" | "T" | "P" | "E" => {
            true
        }
        exponent => exponent
            .strip_prefix(['e', 'E'])
            .map(|e| e.strip_prefix(['+', '-']).unwrap_or(e))
            .is_some_and(|e| !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())),
    };
    suffix_ok && number.chars().any(|c| c.is_ascii_digit() && c != '0')
}

/// The size of a PersistentVolumeClaim: a Kubernetes quantity above zero
/// (`10Gi`, `500M`), checked once where it is read (`x-podlift.size`,
/// `--volume-size`) so that no cluster refuses the claim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimSize(Cow<'static, str>);

impl ClaimSize {
    /// podlift's size for a claim nothing gives a size: `1Gi`.
    pub const DEFAULT: Self = Self(Cow::Borrowed("1Gi"));

    /// `text` as a claim size, `None` when it is no quantity above zero
    /// (`1GB`, `10gi`, `0`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        is_positive_quantity(text).then(|| Self(Cow::Owned(text.to_string())))
    }

    /// The quantity as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ClaimSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{format_duration, parse_bytes, parse_duration};

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_hours(1)));
        // checked against docker compose config v2.40.3
        assert_eq!(parse_duration("15"), None);
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("1d2h"), Some(Duration::from_hours(26)));
        assert_eq!(parse_duration("1w"), Some(Duration::from_hours(168)));
        assert_eq!(parse_duration("1S"), None);
        assert_eq!(parse_duration("-1s"), None);
        assert_eq!(parse_duration("2562048h"), None);
        assert_eq!(
            parse_duration("9223372036854775807ns"),
            Some(Duration::from_nanos(9_223_372_036_854_775_807))
        );
        assert_eq!(parse_duration("soon"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn quantities() {
        for good in ["1Gi", "10G", "500Mi", "1.5Gi", ".5Gi", "1e9", "+2Gi", "100"] {
            assert!(super::is_positive_quantity(good), "{good}");
        }
        for bad in [
            "1GB", "10gi", "0", "0Gi", "-1Gi", "", "Gi", "1.2.3", "1 Gi", "1e",
        ] {
            assert!(!super::is_positive_quantity(bad), "{bad}");
        }
    }

    #[test]
    fn durations_print_as_go_does() {
        let cases = [
            ("0", "0s"),
            ("10s", "10s"),
            ("1m", "1m0s"),
            ("1m30s", "1m30s"),
            ("1.5h", "1h30m0s"),
            ("1d", "24h0m0s"),
            ("1ms500us", "1.5ms"),
            ("1.5s", "1.5s"),
            ("250ns", "250ns"),
            ("1500us", "1.5ms"),
            ("2us", "2µs"),
        ];
        for (written, printed) in cases {
            assert_eq!(
                format_duration(parse_duration(written).unwrap()),
                printed,
                "{written}"
            );
        }
    }

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("1.5g"), Some(1_610_612_736));
        assert_eq!(parse_bytes("100000"), Some(100_000));
        assert_eq!(parse_bytes("lots"), None);
    }

    #[test]
    fn bytes_read_as_go_units_reads_them() {
        // checked against docker compose config v2.40.3
        for (text, bytes) in [
            ("1.9", 1),
            ("0.7k", 716),
            ("1e3", 1000),
            ("1e3k", 1_024_000),
            ("1_000", 1000),
            ("+1g", 1 << 30),
            (".5k", 512),
            ("1.k", 1024),
            ("1 g", 1 << 30),
            ("1p", 1 << 50),
            ("2PiB", 2 << 50),
            ("1kB", 1024),
            ("-0", 0),
        ] {
            assert_eq!(parse_bytes(text), Some(bytes), "{text}");
        }
        for text in [
            " 1g", "1g ", "1  g", "0x10", "-1", "1kk", "1ibb", "1_", "_1", "1__0", "inf k", "nan",
            "", "1e400", "1e19", "8192p", "1.2.3",
        ] {
            assert_eq!(parse_bytes(text), None, "{text}");
        }
    }

    #[test]
    fn a_claim_size_is_a_quantity_above_zero_kept_as_written() {
        use super::ClaimSize;
        for good in ["1Gi", "10G", "1.5Gi", "+2Mi", "1e3"] {
            assert_eq!(
                ClaimSize::parse(good).map(|s| s.to_string()),
                Some(good.to_string())
            );
        }
        for bad in ["1GB", "10gi", "0", "0Gi", "", "Gi", "-1Gi", " 1Gi"] {
            assert_eq!(ClaimSize::parse(bad), None, "{bad}");
        }
        // the default passes the same check
        assert_eq!(
            ClaimSize::parse(ClaimSize::DEFAULT.as_str()),
            Some(ClaimSize::DEFAULT)
        );
    }

    /// `parse_duration` as it was before it cut by bytes (chars, `str::find`).
    mod before {
        use std::time::Duration;

        pub(super) fn parse_duration(text: &str) -> Option<Duration> {
            let rest = text.strip_prefix('+').unwrap_or(text);
            if rest == "0" {
                return Some(Duration::ZERO);
            }
            if rest.is_empty() {
                return None;
            }
            let mut total = Duration::ZERO;
            let mut rest = rest;
            while !rest.is_empty() {
                let digits = rest
                    .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                    .unwrap_or(rest.len());
                let (number, tail) = rest.split_at(digits);
                if number.is_empty() || number == "." {
                    return None;
                }
                let unit_len = tail
                    .find(|c: char| c.is_ascii_digit() || c == '.')
                    .unwrap_or(tail.len());
                let (unit, next) = tail.split_at(unit_len);
                let unit_nanos: u128 = match unit {
                    "ns" => 1,
                    "us" | "µs" | "μs" => 1_000,
                    "ms" => 1_000_000,
                    "s" => 1_000_000_000,
                    "m" => 60_000_000_000,
                    "h" => 3_600_000_000_000,
                    "d" => 86_400_000_000_000,
                    "w" => 604_800_000_000_000,
                    _ => return None,
                };
                // Exact decimal arithmetic: `1.1s` is 1,100,000,000 ns, not a float's idea of it.
                let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
                let whole: u128 = if whole.is_empty() {
                    0
                } else {
                    whole.parse().ok()?
                };
                let mut nanos = whole.checked_mul(unit_nanos)?;
                let mut scale = unit_nanos;
                for digit in fraction.chars() {
                    scale /= 10;
                    nanos += u128::from(digit.to_digit(10)?) * scale;
                }
                let nanos = u64::try_from(nanos).ok()?;
                total = total.checked_add(Duration::from_nanos(nanos))?;
                rest = next;
            }
            // Go holds a duration in i64 nanoseconds: past that it is invalid
            (total.as_nanos() <= u128::from(i64::MAX.unsigned_abs())).then_some(total)
        }
    }

    /// The byte scan reads every text as the char scan did: units of
    /// several bytes, a second `.`, signs, overflow, stray characters.
    #[test]
    fn durations_read_as_before() {
        let table = [
            "1.5µs",
            "2μs",
            "3us",
            "1.2.3s",
            "1..s",
            ".5s",
            "5.s",
            ".s",
            "+1s",
            "++1s",
            "1s ",
            " 1s",
            "1é",
            "1µ",
            "µs",
            "1sms",
            "1h1",
            "1.000000000001s",
            "0.0000000001ns",
            "99999999999999999999999999999999999999999h",
            "2562047h47m16.854775807s",
            "2562047h47m16.854775808s",
            "0",
            "+0",
            "00",
            "0s",
            "1w1d1h1m1s1ms1us1ns",
        ];
        for text in table {
            assert_eq!(
                parse_duration(text),
                before::parse_duration(text),
                "{text:?}"
            );
        }
    }

    proptest::proptest! {
        #[test]
        fn any_duration_reads_as_before(text in "[0-9.+µμsnumhdwS é-]{0,12}") {
            proptest::prop_assert_eq!(parse_duration(&text), before::parse_duration(&text));
        }
    }
}
