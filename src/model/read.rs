//! Typed readers over YAML nodes: each reports a type error with its position
//! and returns `None`, so one run reports every problem.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::yaml::{Node, Value};
use crate::source::Located;

/// Reads typed values from nodes, recording every type error.
pub struct Reader<'d> {
    /// Where problems go.
    pub diagnostics: &'d mut Diagnostics,
    /// The last image reference found valid: a generated file names one
    /// image for many services, and its check is the same for the same text.
    valid_image: String,
}

impl<'d> Reader<'d> {
    /// A reader that records its problems in `diagnostics`.
    pub fn new(diagnostics: &'d mut Diagnostics) -> Self {
        Self {
            diagnostics,
            valid_image: String::new(),
        }
    }

    /// Why `text` is not an image reference
    /// ([`crate::model::image::reference_problem`]), checked once for a
    /// run of services naming the same one.
    pub fn image_problem(&mut self, text: &str) -> Option<String> {
        if !self.valid_image.is_empty() && self.valid_image == text {
            return None;
        }
        let problem = crate::model::image::reference_problem(text);
        if problem.is_none() {
            text.clone_into(&mut self.valid_image);
        }
        problem
    }
}

impl Reader<'_> {
    /// Records a type error: "`what` must be `expected`, found …".
    pub fn type_error(&mut self, node: &Node, what: &str, expected: &str) {
        self.diagnostics.push(
            Diagnostic::error(
                Code::Type,
                format!("`{what}` must be {expected}, found {}", node.type_name()),
            )
            .at(node.span),
        );
    }

    /// A scalar as text (strings, numbers and booleans alike).
    pub fn string(&mut self, node: &Node, what: &str) -> Option<Located<String>> {
        if let Some(text) = node.scalar() {
            Some(Located::new(text, node.span))
        } else {
            self.type_error(node, what, "a string");
            None
        }
    }

    /// A string where compose's schema takes no number or boolean
    /// (`user`, `hostname`, `working_dir`, `container_name`, `dns`):
    /// `user: 0` is an error, as compose refuses it (`services.a.user must
    /// be a string`); `"0"` and `${UID}` are text.
    pub fn text(&mut self, node: &Node, what: &str) -> Option<Located<String>> {
        match &node.value {
            Value::String(text) => Some(Located::new(text.clone(), node.span)),
            Value::Number(_) | Value::Bool(_) => {
                self.value_error(
                    node,
                    what,
                    "a string",
                    "quote it: compose reads this key as text only",
                );
                None
            }
            Value::Null | Value::Seq(_) | Value::Map(_) => {
                self.type_error(node, what, "a string");
                None
            }
        }
    }

    /// A mapping's entries with string keys.
    pub fn map<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Option<Vec<(Located<String>, &'n Node)>> {
        self.map_of(node, &|| what.to_string())
    }

    /// [`Reader::map`], its description made only for an error.
    pub fn map_of<'n>(
        &mut self,
        node: &'n Node,
        what: &dyn Fn() -> String,
    ) -> Option<Vec<(Located<String>, &'n Node)>> {
        let Some(entries) = node.as_map() else {
            self.type_error(node, &what(), "a mapping");
            return None;
        };
        let mut out = Vec::with_capacity(entries.len());
        for (key, value) in entries {
            match key.scalar() {
                Some(name) => out.push((Located::new(name, key.span), value)),
                None => self.type_error(key, &format!("{} key", what()), "a string"),
            }
        }
        Some(out)
    }

    /// A list of scalars, a number as compose reads it ([`string_value`]).
    pub fn string_list(&mut self, node: &Node, what: &str) -> Vec<Located<String>> {
        let Some(items) = node.as_seq() else {
            self.type_error(node, what, "a list of strings");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            // a YAML number is the number compose reads (`0x10` is `16`)
            match string_value(item) {
                Some(text) => out.push(Located::new(text, item.span)),
                None => self.type_error(item, &format!("{what} item"), "a string"),
            }
        }
        out
    }

    /// A list of strings where compose accepts no number or boolean (the
    /// words of a command, of a health check's test).
    pub fn text_list(&mut self, node: &Node, what: &str) -> Vec<Located<String>> {
        let Some(items) = node.as_seq() else {
            self.type_error(node, what, "a list of strings");
            return Vec::new();
        };
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.value {
                Value::String(text) => out.push(Located::new(text.clone(), item.span)),
                _ => self.value_error(
                    item,
                    &format!("{what} item"),
                    "a string",
                    "quote it: compose reads every word of a command as text",
                ),
            }
        }
        out
    }

    /// A command: a list of words, or a string split as a shell would.
    pub fn command(&mut self, node: &Node, what: &str) -> Option<Located<Vec<String>>> {
        match &node.value {
            Value::Null => None,
            Value::Seq(_) => {
                let words = self.text_list(node, what);
                Some(Located::new(
                    words.into_iter().map(|w| w.value).collect(),
                    node.span,
                ))
            }
            Value::String(text) => match shell_words::split(text) {
                Ok(words) => Some(Located::new(words, node.span)),
                Err(e) => {
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::CommandSyntax,
                            format!("`{what}` cannot be split into words: {e}"),
                        )
                        .at(node.span)
                        .help("close the quote, or write the command as a list"),
                    );
                    None
                }
            },
            _ => {
                self.type_error(node, what, "a string or a list of strings");
                None
            }
        }
    }

    /// A list of strings, or a mapping `key: value` turned into `key<sep>value`
    /// (compose allows both for `extra_hosts`, `labels`, `environment`, …).
    pub fn list_or_map(&mut self, node: &Node, what: &str, sep: &str) -> Vec<Located<String>> {
        match &node.value {
            Value::Seq(_) => self.string_list(node, what),
            Value::Map(entries) => self
                .map_entries(entries, what)
                .into_iter()
                .map(|(key, value)| Located::new(format!("{}{sep}{value}", key.value), key.span))
                .collect(),
            _ => {
                self.type_error(node, what, "a list or a mapping");
                Vec::new()
            }
        }
    }

    /// A mapping's entries as compose reads them into strings: each key with
    /// its value (`null` is empty, a list's scalars joined with `,`, a
    /// number as [`number_text`]), the key apart from the value, so that a
    /// key holding the separator stays whole.
    pub fn map_entries(
        &mut self,
        entries: &[(Node, Node)],
        what: &str,
    ) -> Vec<(Located<String>, String)> {
        entries
            .iter()
            .filter_map(|(k, v)| {
                let key = self.string(k, what)?;
                let value = match &v.value {
                    Value::Null => String::new(),
                    Value::Seq(items) => items
                        .iter()
                        .filter_map(Node::scalar)
                        .collect::<Vec<_>>()
                        .join(","),
                    Value::Number(text) => number_text(text),
                    _ => self.string(v, what)?.value,
                };
                Some((key, value))
            })
            .collect()
    }
}

/// A boolean as Docker Compose v2 reads one: YAML's `true`/`false`, or a
/// string (quoted, or the result of `${VAR}`) holding a YAML 1.1 word —
/// `y`, `yes`, `true`, `on`, `n`, `no`, `false`, `off` in any case.
#[must_use]
pub fn parse_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::String(text) => match text.to_ascii_lowercase().as_str() {
            "y" | "yes" | "true" | "on" => Some(true),
            "n" | "no" | "false" | "off" => Some(false),
            _ => None,
        },
        Value::Null | Value::Number(_) | Value::Seq(_) | Value::Map(_) => None,
    }
}

/// A whole number as Docker Compose v2 reads one. A YAML number as go-yaml
/// reads it: decimal, `0x`/`0o`/`0b`, a leading `0` for octal (YAML 1.1),
/// `_` between digits, a float cut to its whole part. A string (quoted, or
/// the result of `${VAR}`) as Go's `strconv.Atoi` reads it: an optional sign
/// and decimal digits only (`"010"` is ten).
#[must_use]
pub fn parse_integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(text) => yaml_integer(text).or_else(|| {
            let float = text.replace('_', "").parse::<f64>().ok()?;
            #[allow(clippy::cast_possible_truncation)]
            (float.is_finite() && float.abs() < 9.2e18).then_some(float.trunc() as i64)
        }),
        Value::String(text) => {
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            text.parse().ok()
        }
        Value::Null | Value::Bool(_) | Value::Seq(_) | Value::Map(_) => None,
    }
}

/// The text compose gives a YAML number where it wants a string (an
/// `environment` or `labels` value): the number as go-yaml reads it, printed
/// as Go prints it — `1.50` is `1.5`, `0x10` is `16`, `010` is `8`, `1e21`
/// is `1e+21`. Text that is no number stays as written.
#[must_use]
pub fn number_text(text: &str) -> String {
    if let Some(i) = yaml_integer(text) {
        return i.to_string();
    }
    let clean = text.replace('_', "");
    if let Ok(u) = clean.parse::<u64>() {
        return u.to_string();
    }
    let Ok(f) = clean.parse::<f64>() else {
        return text.to_string();
    };
    if !f.is_finite() {
        return text.to_string();
    }
    // Go's %v: shortest digits, an exponent below 1e-4 and from 1e21 on
    let scientific = format!("{f:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if f != 0.0 && !(-4..21).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    } else {
        format!("{f}")
    }
}

/// A scalar as compose turns it into a string: numbers as [`number_text`].
#[must_use]
pub fn string_value(node: &Node) -> Option<String> {
    match &node.value {
        Value::Number(text) => Some(number_text(text)),
        _ => node.scalar(),
    }
}

/// A YAML integer as go-yaml (YAML 1.1 rules) reads it.
fn yaml_integer(text: &str) -> Option<i64> {
    let clean = text.replace('_', "");
    let (negative, unsigned) = match clean.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let (radix, digits) = if let Some(d) = unsigned.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = unsigned.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = unsigned.strip_prefix("0b") {
        (2, d)
    } else if unsigned.len() > 1 && unsigned.starts_with('0') {
        (8, unsigned.get(1..)?)
    } else {
        (10, unsigned)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i64::from_str_radix(digits, radix).ok()?;
    Some(if negative { -magnitude } else { magnitude })
}

/// A count as Docker Compose v2 reads one into a `uint64`: a YAML number
/// as [`parse_integer`] reads it and up to `u64::MAX` (a fraction cut),
/// a string as Go's `strconv.Atoi`; nothing below zero (`-0.5` neither).
#[must_use]
pub fn parse_count(value: &Value) -> Option<u64> {
    // Plain decimal digits without a leading `0` (octal): what every path
    // below reads as the same `u64`, without copying or a float.
    if let Value::Number(text) = value
        && plain_decimal(text)
    {
        return text.parse().ok();
    }
    parse_count_general(value)
}

/// Decimal digits only, not starting with `0` unless `0` itself.
fn plain_decimal(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'))
}

/// [`parse_count`] for any value.
fn parse_count_general(value: &Value) -> Option<u64> {
    let Value::Number(text) = value else {
        return parse_integer(value).and_then(|n| u64::try_from(n).ok());
    };
    let clean = text.replace('_', "");
    // hexadecimal and octal are not floats: their sign is checked below
    let float = clean.parse::<f64>().ok().filter(|f| f.is_finite());
    if float.is_some_and(|f| f < 0.0) {
        return None;
    }
    if let Some(n) = parse_integer(value) {
        return u64::try_from(n).ok();
    }
    // past `i64::MAX`: a whole number, or a float below 2^64
    let unsigned = clean.strip_prefix('+').unwrap_or(&clean);
    if unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return unsigned.parse().ok();
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    float
        .filter(|f| *f < 18_446_744_073_709_551_616.0)
        .map(|f| f.trunc() as u64)
}

/// A byte size as Docker Compose v2 reads one (its `UnitBytes`): a YAML
/// whole number as go-yaml reads it (`0x10` is 16, `010` is 8), a string
/// as [`parse_bytes`](crate::model::units::parse_bytes). A YAML number
/// with a fraction is none (compose silently drops it: no size at all), nor
/// is a negative one.
#[must_use]
pub fn parse_size(value: &Value) -> Option<u64> {
    match value {
        Value::Number(text) => yaml_integer(text).and_then(|n| u64::try_from(n).ok()),
        Value::String(text) => crate::model::units::parse_bytes(text),
        Value::Null | Value::Bool(_) | Value::Seq(_) | Value::Map(_) => None,
    }
}

/// A number with a fraction as Docker Compose v2 reads one: a YAML number
/// (as [`parse_integer`] for whole ones), or a string Go's
/// `strconv.ParseFloat` reads (`"0.5"`, `"1e1"`).
#[must_use]
pub fn parse_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(text) => {
            #[allow(clippy::cast_precision_loss)]
            let whole = yaml_integer(text).map(|i| i as f64);
            whole.or_else(|| text.replace('_', "").parse::<f64>().ok())
        }
        Value::String(text) => {
            let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
            if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
                return None;
            }
            text.parse::<f64>().ok().filter(|f| f.is_finite())
        }
        Value::Null | Value::Bool(_) | Value::Seq(_) | Value::Map(_) => None,
    }
}

impl Reader<'_> {
    /// Records that `node` does not hold the `expected` kind of value.
    fn value_error(&mut self, node: &Node, what: &str, expected: &str, help: &str) {
        let found = match &node.value {
            Value::String(text) | Value::Number(text) => format!("`{text}`"),
            Value::Bool(b) => format!("`{b}`"),
            Value::Null | Value::Seq(_) | Value::Map(_) => node.type_name().to_string(),
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::Type,
                format!("`{what}` must be {expected}, found {found}"),
            )
            .at(node.span)
            .help(help.to_string()),
        );
    }

    /// A boolean, read as [`parse_bool`]; anything else is an error.
    pub fn boolean(&mut self, node: &Node, what: &str) -> Option<Located<bool>> {
        let parsed = parse_bool(&node.value);
        if parsed.is_none() {
            self.value_error(
                node,
                what,
                "a boolean",
                "write `true` or `false` (compose also reads `yes`/`no`, `on`/`off`, `y`/`n`)",
            );
        }
        parsed.map(|b| Located::new(b, node.span))
    }

    /// A whole number of at least `min`, read as [`parse_integer`].
    pub fn integer(&mut self, node: &Node, what: &str, min: i64) -> Option<Located<i64>> {
        match parse_integer(&node.value) {
            Some(n) if n >= min => Some(Located::new(n, node.span)),
            Some(_) => {
                self.value_error(
                    node,
                    what,
                    &format!("a whole number of at least {min}"),
                    "write a number such as `3`",
                );
                None
            }
            None => {
                self.value_error(node, what, "a whole number", "write a number such as `3`");
                None
            }
        }
    }

    /// A count compose reads into a `uint64` (`healthcheck.retries`), read
    /// as [`parse_count`]; anything else is an error.
    pub fn count(&mut self, node: &Node, what: &str) -> Option<Located<u64>> {
        let parsed = parse_count(&node.value);
        if parsed.is_none() {
            let negative = parse_float(&node.value).is_some_and(|f| f < 0.0);
            let expected = if negative {
                "a whole number of at least 0"
            } else {
                "a whole number"
            };
            self.value_error(node, what, expected, "write a number such as `3`");
        }
        parsed.map(|n| Located::new(n, node.span))
    }

    /// A duration: a string such as `1m30s` (compose refuses a bare number).
    pub fn duration(&mut self, node: &Node, what: &str) -> Option<Located<std::time::Duration>> {
        let parsed = match &node.value {
            Value::String(text) => crate::model::units::parse_duration(text),
            _ => None,
        };
        if parsed.is_none() {
            self.value_error(
                node,
                what,
                "a duration",
                "write it like `10s`, `1m30s` or `500ms` (a bare number needs a unit)",
            );
        }
        parsed.map(|d| Located::new(d, node.span))
    }

    /// A byte size: a number, or a string such as `512m`.
    pub fn bytes(&mut self, node: &Node, what: &str) -> Option<u64> {
        let parsed = parse_size(&node.value);
        if parsed.is_none() {
            self.value_error(
                node,
                what,
                "a size",
                "write it like `512m` or `1g`, or a whole number of bytes (compose drops a fraction)",
            );
        }
        parsed
    }

    /// A number, read as [`parse_float`].
    pub fn float(&mut self, node: &Node, what: &str) -> Option<Located<f64>> {
        let parsed = parse_float(&node.value);
        if parsed.is_none() {
            self.value_error(node, what, "a number", "write a number such as `0.5`");
        }
        parsed.map(|f| Located::new(f, node.span))
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_bool, parse_float, parse_integer};
    use crate::load::yaml::Value;

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }
    fn n(text: &str) -> Value {
        Value::Number(text.into())
    }

    /// Each row was checked against `docker compose config` v2.40.3.
    #[test]
    fn booleans_read_as_compose_v2() {
        for word in ["y", "Y", "yes", "YES", "true", "TrUe", "on", "ON"] {
            assert_eq!(parse_bool(&s(word)), Some(true), "{word}");
        }
        for word in ["n", "no", "No", "false", "FALSE", "off", "Off"] {
            assert_eq!(parse_bool(&s(word)), Some(false), "{word}");
        }
        assert_eq!(parse_bool(&Value::Bool(true)), Some(true));
        for bad in [s("1"), s("0"), s("banana"), s(""), n("1"), Value::Null] {
            assert_eq!(parse_bool(&bad), None, "{bad:?}");
        }
    }

    #[test]
    fn integers_read_as_compose_v2() {
        let cases = [
            (n("3"), Some(3)),
            (s("3"), Some(3)),
            (n("3.0"), Some(3)),
            (n("3.5"), Some(3)),
            (n("0x10"), Some(16)),
            (n("0o10"), Some(8)),
            (n("0b11"), Some(3)),
            (n("010"), Some(8)),
            (s("010"), Some(10)),
            (n("1_000"), Some(1000)),
            (n("1e3"), Some(1000)),
            (s("+3"), Some(3)),
            (s("3.0"), None),
            (s("0x10"), None),
            (s(" 3"), None),
            (s("1e3"), None),
            (s("1_000"), None),
            (s("abc"), None),
            (s(""), None),
            (Value::Bool(true), None),
            (Value::Null, None),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_integer(&value), expected, "{value:?}");
        }
    }

    /// Checked against `docker compose config` v2.40.3 (`environment` values).
    #[test]
    fn numbers_become_text_as_compose_prints_them() {
        let cases = [
            ("1.0", "1"),
            ("0x10", "16"),
            ("010", "8"),
            ("1e3", "1000"),
            ("1_000", "1000"),
            ("1.50", "1.5"),
            (".5", "0.5"),
            ("-0", "0"),
            ("+1", "1"),
            ("12345678901234567890", "12345678901234567890"),
            ("1e21", "1e+21"),
            ("0.000001", "1e-06"),
            ("1e-7", "1e-07"),
            ("3.14159265358979", "3.14159265358979"),
            ("0o17", "15"),
        ];
        for (written, text) in cases {
            assert_eq!(super::number_text(written), text, "{written}");
        }
    }

    /// The fast path for plain digits reads what the general path reads.
    #[test]
    fn plain_counts_read_as_the_general_path() {
        let mut texts: Vec<String> = [
            "0",
            "3",
            "10",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "9200000000000000000",
            "9229999999999999999",
        ]
        .map(String::from)
        .to_vec();
        texts.extend((0..2000u64).map(|i| (i * 7919).to_string()));
        for text in texts {
            assert!(super::plain_decimal(&text), "{text}");
            let value = n(&text);
            assert_eq!(
                super::parse_count(&value),
                super::parse_count_general(&value),
                "{text}"
            );
        }
        for text in ["", "010", "00", "1_0", "+1", "1.0", "0x1"] {
            assert!(!super::plain_decimal(text), "{text}");
        }
    }

    #[test]
    fn floats_read_as_compose_v2() {
        assert_eq!(parse_float(&s("0.5")), Some(0.5));
        assert_eq!(parse_float(&s("1e1")), Some(10.0));
        assert_eq!(parse_float(&n("0x10")), Some(16.0));
        assert_eq!(parse_float(&s("0x10")), None);
        assert_eq!(parse_float(&s("abc")), None);
        assert_eq!(parse_float(&s("inf")), None);
    }
}
