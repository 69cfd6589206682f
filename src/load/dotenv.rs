//! `.env` files, read by compose-go's dotenv rules.
//!
//! One `KEY=VALUE` per statement; `export ` before a key is ignored; `KEY: VALUE`
//! is accepted too; a line holding only `KEY` takes the value from the lookup
//! (the process environment) when it has one. Unquoted values end at the line
//! end, lose an inline comment (from a space and `#` on) and trailing blanks. Single-quoted values are
//! literal and may span lines; double-quoted values may span lines, read
//! compose's escapes (`\n`, `\t`, `\\`, `\"`, `\$` …; a backslash before
//! another character stays) and have `${VAR}` expanded, as unquoted values
//! do. A quote after an odd number of backslashes does not end a value. A
//! variable the lookup knows wins over the file's value.

use std::collections::HashMap;

use super::interpolate::{self, Lookup, MAX_INTERPOLATED_BYTES, MAX_VALUE_BYTES, Problem, Tally};

/// A problem in an env file: the line it is on and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvError {
    /// 1-based line.
    pub line: usize,
    /// What is wrong, lowercase.
    pub message: String,
    /// Whether it is a limit of interpolation (`limit-interpolation`), not
    /// a syntax error.
    pub limit: bool,
}

/// Parses an env file's text into `(name, value)` pairs in file order.
/// `lookup` resolves inherited keys and `${VAR}` in values; it wins over the file.
///
/// # Errors
/// The first statement that cannot be read.
pub fn parse(
    text: &str,
    lookup: &dyn Lookup,
    tally: &Tally,
) -> Result<Vec<(String, String)>, DotenvError> {
    parse_with(text, lookup, tally, None)
}

/// Parses a service's `env_file`: like [`parse`], but the file's own values
/// win; `lookup` only fills inherited keys and `${VAR}` expansions.
///
/// # Errors
/// The first statement that cannot be read.
///
/// `${VAR}` in a value is looked up as compose v2.40.3 looks it up: the
/// process environment (`lookup`), then the service's own `environment`
/// (`service`), then the earlier lines of this file, then the files read
/// before it (`earlier`).
pub fn parse_env_file(
    text: &str,
    lookup: &dyn Lookup,
    service: &dyn Lookup,
    earlier: &dyn Lookup,
    tally: &Tally,
) -> Result<Vec<(String, String)>, DotenvError> {
    parse_with(text, lookup, tally, Some((service, earlier)))
}

/// Parses a service's `env_file` written with `format: raw`, as compose
/// v2.40.3 reads it: one `KEY=VALUE` per line, blanks before the key and
/// lines that are blank or start with `#` skipped, the value taken as
/// written (no quotes, no comments, no `${VAR}`, blanks kept); a line
/// holding only `KEY` takes the value from `lookup` when it has one.
///
/// # Errors
/// A line whose key is empty or holds a blank.
pub fn parse_raw_env_file(
    text: &str,
    lookup: &dyn Lookup,
) -> Result<Vec<(String, String)>, DotenvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Pairs::default();
    for (index, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line).trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let error = |message: &str| DotenvError {
            line: index + 1,
            message: message.to_string(),
            limit: false,
        };
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (line, None),
        };
        if key.is_empty() {
            return Err(error("a line starts with `=`, without a variable name"));
        }
        if key.contains(char::is_whitespace) {
            return Err(error("a variable name contains a space"));
        }
        match value {
            Some(value) => out.set(key.to_string(), value.to_string()),
            None => {
                if let Some(value) = lookup.get(key) {
                    out.set(key.to_string(), value);
                }
            }
        }
    }
    Ok(out.pairs)
}

/// `around`: for a service's `env_file`, the service's environment (looked
/// up before the file's own lines) and the files read before (after them);
/// `None` for `.env`, where the lookup wins over the file.
fn parse_with(
    text: &str,
    lookup: &dyn Lookup,
    tally: &Tally,
    around: Option<(&dyn Lookup, &dyn Lookup)>,
) -> Result<Vec<(String, String)>, DotenvError> {
    let lookup_wins = around.is_none();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Pairs::default();
    let mut lines = LineCounter::default();
    let mut rest = text;
    loop {
        rest = skip_blank_and_comments(rest);
        if rest.is_empty() {
            break;
        }
        let line = lines.line_of(text, rest);
        let error = |message: String| DotenvError {
            line,
            message,
            limit: false,
        };
        let statement = rest.strip_prefix("export").map_or(rest, |after| {
            if after.starts_with([' ', '\t']) {
                after.trim_start_matches([' ', '\t'])
            } else {
                rest
            }
        });
        let (key, after_key, inherited) = key_name(statement).map_err(error)?;
        if inherited {
            if let Some(value) = lookup.get(&key) {
                out.set(key, value);
            }
            rest = after_key;
            continue;
        }
        let known = |name: &str| -> Option<String> {
            let shell = lookup.get(name);
            if shell.is_some() {
                tally.used(name, None);
            }
            shell
                .or_else(|| around.and_then(|(service, _)| service.get(name)))
                .or_else(|| out.get(name).map(str::to_string))
                .or_else(|| around.and_then(|(_, earlier)| earlier.get(name)))
        };
        let (value, after_value) =
            value_of(after_key, &key, &known, tally).map_err(|(message, limit)| DotenvError {
                line,
                message,
                limit,
            })?;
        let value = if lookup_wins {
            lookup.get(&key).unwrap_or(value)
        } else {
            value
        };
        out.set(key, value);
        rest = after_value;
    }
    Ok(out.pairs)
}

/// The pairs in file order (a key keeps its first place, its last value),
/// with an index by key, so a file of many keys stays linear.
#[derive(Default)]
struct Pairs {
    pairs: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Pairs {
    fn set(&mut self, key: String, value: String) {
        if let Some(entry) = self.index.get(&key).and_then(|&i| self.pairs.get_mut(i)) {
            entry.1 = value;
        } else {
            self.index.insert(key.clone(), self.pairs.len());
            self.pairs.push((key, value));
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.index
            .get(key)
            .and_then(|&i| self.pairs.get(i))
            .map(|(_, v)| v.as_str())
    }
}

/// Line numbers counted as parsing advances: each byte of the text is
/// looked at once, whatever the number of statements.
#[derive(Default)]
struct LineCounter {
    /// Bytes of the text counted so far.
    counted: usize,
    /// Newlines in them.
    newlines: usize,
}

impl LineCounter {
    /// The 1-based line where `rest` (a suffix of `text`) starts; `rest`
    /// only moves forward between calls.
    fn line_of(&mut self, text: &str, rest: &str) -> usize {
        let consumed = text.len().saturating_sub(rest.len());
        if let Some(new) = text.get(self.counted..consumed) {
            self.newlines += new.matches('\n').count();
            self.counted = consumed;
        }
        self.newlines + 1
    }
}

fn skip_blank_and_comments(mut rest: &str) -> &str {
    loop {
        rest = rest.trim_start();
        if rest.starts_with('#') {
            rest = rest.find('\n').map_or("", |i| rest.get(i..).unwrap_or(""));
        } else {
            return rest;
        }
    }
}

const fn is_blank(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{b}' | '\u{c}' | '\r' | '\u{85}' | '\u{a0}'
    )
}

/// The key, the text after its `=`/`:` (blanks skipped), and whether the line
/// holds only the key.
fn key_name(src: &str) -> Result<(String, &str, bool), String> {
    for (i, c) in src.char_indices() {
        if is_blank(c) {
            continue;
        }
        match c {
            '=' | ':' | '\n' => {
                let key = src.get(..i).unwrap_or("").trim_end().to_string();
                if key.contains([' ', '\t']) {
                    return Err("a variable name contains a space".into());
                }
                if key.is_empty() {
                    return Err("a line starts with `=`, without a variable name".into());
                }
                let after = src.get(i + c.len_utf8()..).unwrap_or("");
                return Ok((key, after.trim_start_matches(is_blank), c == '\n'));
            }
            '_' | '.' | '-' => {}
            c if c.is_alphanumeric() => {}
            _ => {
                return Err("a variable name holds a character other than letters, digits, `_`, `.` and `-`".into());
            }
        }
    }
    // The last line holds only a key.
    let key = src.trim_end().to_string();
    if key.contains([' ', '\t']) {
        return Err("a variable name contains a space".into());
    }
    Ok((key, "", true))
}

fn value_of<'s>(
    src: &'s str,
    key: &str,
    known: &dyn Fn(&str) -> Option<String>,
    tally: &Tally,
) -> Result<(String, &'s str), (String, bool)> {
    let Some(quote @ ('"' | '\'')) = src.chars().next() else {
        let end = src.find('\n').unwrap_or(src.len());
        let line = src.get(..end).unwrap_or("");
        // A comment starts at a space and `#`, as compose reads it: a `#`
        // inside a value (`P=abc#123`, `#x`, after a tab) stays.
        let value = line
            .find(" #")
            .and_then(|at| line.get(..at))
            .unwrap_or(line)
            .trim_end();
        let rest = src.get(end..).unwrap_or("");
        return Ok((expand(value, key, known, tally)?, rest));
    };
    // A quote ends the value unless an odd number of backslashes escapes
    // it (`"C:\\"` ends after the second backslash).
    let mut backslashes = 0usize;
    for (i, c) in src.char_indices().skip(1) {
        if c == quote && backslashes.is_multiple_of(2) {
            let inner = src.get(1..i).unwrap_or("");
            let rest = src.get(i + 1..).unwrap_or("");
            let value = if quote == '"' {
                expand(&unescape(inner), key, known, tally)?
            } else {
                inner.to_string()
            };
            return Ok((value, rest));
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
    }
    Err(("the quoted value is not closed".into(), false))
}

/// Double-quoted escapes, as compose v2 reads them: `\n`, `\r`, `\t`,
/// `\a`, `\b`, `\f`, `\v` are those characters, `\\` a backslash, `\"` a
/// quote, `\$` a `$` that starts no variable (written `$$` for the
/// interpolation that follows); `\0` is a lone backslash (compose drops the
/// `0`); a backslash before any other character stays (`"C:\path"`,
/// `"^\d+$"` keep theirs).
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(next) = chars.peek().copied() else {
            out.push('\\');
            break;
        };
        let escaped = match next {
            'n' => "\n",
            'r' => "\r",
            't' => "\t",
            'a' => "\u{7}",
            'b' => "\u{8}",
            'f' => "\u{c}",
            'v' => "\u{b}",
            // `\0`: compose drops the `0`.
            '\\' | '0' => "\\",
            '"' => "\"",
            '$' => "$$",
            _ => {
                out.push('\\');
                continue;
            }
        };
        chars.next();
        out.push_str(escaped);
    }
    out
}

/// `${VAR}` in the value of `key` in an env file. An invalid template or a
/// required variable without a value is an error, as in compose; so is a
/// value that grows past the limits (`true`: a limit). The error names the
/// variable, never its value: an env file holds passwords, and one with a
/// `${` in it is no template.
fn expand(
    value: &str,
    key: &str,
    known: &dyn Fn(&str) -> Option<String>,
    tally: &Tally,
) -> Result<String, (String, bool)> {
    if !value.contains('$') {
        return Ok(value.to_string());
    }
    match interpolate::substitute(value, &|name: &str| known(name)) {
        Ok((text, _missing)) if !tally.take(text.len()) => Err((
            format!("interpolation produced more than {MAX_INTERPOLATED_BYTES} bytes in all"),
            true,
        )),
        Ok((text, _missing)) => Ok(text),
        Err(Problem::TooLong(_)) => Err((
            format!("the value grows past {MAX_VALUE_BYTES} bytes when its variables are expanded"),
            true,
        )),
        // Compose refuses the file (`Invalid template`), rather than keep
        // the text as written and put `${hdds.version}` into an image name.
        Err(Problem::Invalid(_) | Problem::TooDeep(_)) => Err((
            format!(
                "the value of `{key}` holds an invalid interpolation (its text is not shown): write `${{NAME}}` or `${{NAME:-default}}` (a name is letters, digits and `_`), `$$` for a literal `$`, or single-quote the value to keep it as written"
            ),
            false,
        )),
        Err(Problem::Required { name, message, .. }) => Err((
            format!("required variable `{name}` is not set: {message}"),
            false,
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::parse;
    use crate::load::interpolate::Tally;

    fn env(text: &str, process: &[(&str, &str)]) -> BTreeMap<String, String> {
        let process: BTreeMap<String, String> = process
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect();
        parse(text, &process, &Tally::default())
            .unwrap()
            .into_iter()
            .collect()
    }

    #[test]
    fn plain_values_trim_blanks_and_comments() {
        let e = env(
            "OPTION_A=1\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n456 = ABC\nOPTION_F = \nOPTION_H = my string # Inline comment\n",
            &[],
        );
        assert_eq!(e["OPTION_A"], "1");
        assert_eq!(e["OPTION_C"], "3");
        assert_eq!(e["OPTION_D"], "4");
        assert_eq!(e["OPTION_E"], "5");
        assert_eq!(e["456"], "ABC");
        assert_eq!(e["OPTION_F"], "");
        assert_eq!(e["OPTION_H"], "my string");
    }

    #[test]
    fn quotes_export_and_escapes() {
        let e = env(
            "export OPTION_A='postgres://h:5432/db?ssl=disable'\nOPTION_B='\\n'\nOPTION_H=\"a\\nb\"\nOPTION_I = \"echo 'asd'\" # c\nOPTION_J = 'first\nsecond'\nOPTION_K='Let\\'s go!'\n",
            &[],
        );
        assert_eq!(e["OPTION_A"], "postgres://h:5432/db?ssl=disable");
        assert_eq!(e["OPTION_B"], "\\n");
        assert_eq!(e["OPTION_H"], "a\nb");
        assert_eq!(e["OPTION_I"], "echo 'asd'");
        assert_eq!(e["OPTION_J"], "first\nsecond");
        assert_eq!(e["OPTION_K"], "Let\\'s go!");
    }

    /// Compose v2.40.3's values (`docker-compose config --format json`):
    /// podlift dropped the backslash of `\d`, `\p`, `\z`, read `\t` as
    /// `t` and `\$x` as a backslash and a variable, and took the quote of
    /// `"C:\\"` for an escaped one (the value ran on into the next lines).
    #[test]
    fn double_quoted_escapes_are_compose_s() {
        let e = env(
            concat!(
                "A=\"a\\tb\\zc\"\n",
                "B=\"C:\\path\\to\"\n",
                "C=\"^\\d+$\"\n",
                "D=\"p\\$x\"\n",
                "E=\"C:\\\\\"\n",
                "F=\"x\\\\\\\"y\"\n",
                "G=\"\\a\\b\\f\\v\\'\\0\\u\"\n",
                "H='x\\\\'\n",
                "I=2\n",
            ),
            &[],
        );
        assert_eq!(e["A"], "a\tb\\zc");
        assert_eq!(e["B"], "C:\\path\to");
        assert_eq!(e["C"], "^\\d+$");
        assert_eq!(e["D"], "p$x");
        assert_eq!(e["E"], "C:\\");
        assert_eq!(e["F"], "x\\\"y");
        assert_eq!(e["G"], "\u{7}\u{8}\u{c}\u{b}\\'\\\\u");
        assert_eq!(e["H"], "x\\\\");
        assert_eq!(e["I"], "2");
    }

    /// Compose v2.40.3: an inline comment starts at ` #`; podlift cut an
    /// unquoted value at any `#` (`DB_PASSWORD=abc#123` became `abc`).
    #[test]
    fn a_hash_inside_an_unquoted_value_stays() {
        let e = env(
            "A=abc#123\nB=abc #123\nC=abc\t#123\nD=#x\nE=a # b # c\nF=x \\# y\n",
            &[],
        );
        assert_eq!(e["A"], "abc#123");
        assert_eq!(e["B"], "abc");
        assert_eq!(e["C"], "abc\t#123");
        assert_eq!(e["D"], "#x");
        assert_eq!(e["E"], "a");
        assert_eq!(e["F"], "x \\# y");
    }

    #[test]
    fn substitutions_use_earlier_lines_and_the_process() {
        let e = env(
            "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${NOT_DEFINED}\nQ='$OPTION_A'\n",
            &[],
        );
        assert_eq!(e["OPTION_A"], "1");
        assert_eq!(e["OPTION_C"], "1");
        assert_eq!(e["OPTION_D"], "1_1");
        assert_eq!(e["OPTION_E"], "");
        assert_eq!(e["Q"], "$OPTION_A");
    }

    #[test]
    fn inherited_keys_and_process_values_win() {
        let e = env(
            "foo=bar\nFROM_OS\nmissing\nX=file\n",
            &[("FROM_OS", "os"), ("X", "shell")],
        );
        assert_eq!(e["foo"], "bar");
        assert_eq!(e["FROM_OS"], "os");
        assert!(!e.contains_key("missing"));
        assert_eq!(e["X"], "shell");
    }

    #[test]
    fn yaml_style_bom_and_special_names() {
        let e = env(
            "\u{feff}FOO:BAR\nVAR.WITH.DOTS=dots\nVAR-WITH-DASHES=dashes",
            &[],
        );
        assert_eq!(e["FOO"], "BAR");
        assert_eq!(e["VAR.WITH.DOTS"], "dots");
        assert_eq!(e["VAR-WITH-DASHES"], "dashes");
    }

    #[test]
    fn bad_lines_are_errors_with_their_line() {
        let err = parse(
            "# c\nfoo=\"a\nINVALID LINE\nzot=qix",
            &BTreeMap::new(),
            &Tally::default(),
        );
        // the quoted value spans lines and closes nowhere
        assert_eq!(err.unwrap_err().line, 2);
        let err = parse("A=1\nINVALID LINE=2\n", &BTreeMap::new(), &Tally::default()).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("space"), "{err:?}");
    }

    /// A file of many statements parses in time linear in its size: line
    /// numbers were counted from the start of the file for every statement,
    /// and keys were searched one by one (20 000 lines took 20 s).
    #[test]
    fn many_lines_and_many_keys_parse_in_linear_time() {
        use std::fmt::Write as _;
        let mut text = String::new();
        for i in 0..100_000 {
            let _ = writeln!(text, "A=x\nK{i}=\"v{i}\"");
        }
        text.push_str("LAST=${K99999}\nbad line=1\n");
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = send.send(parse(&text, &BTreeMap::new(), &Tally::default()));
        });
        let result = receive
            .recv_timeout(std::time::Duration::from_mins(1))
            .expect("200 000 lines parse within a minute");
        let err = result.unwrap_err();
        assert_eq!(err.line, 200_002, "{err:?}");
        let text = "A=1\nB=2\nA=3\nC=${A}\n".repeat(2);
        let pairs = parse(&text, &BTreeMap::new(), &Tally::default()).unwrap();
        let expected =
            [("A", "3"), ("B", "2"), ("C", "3")].map(|(k, v)| (k.to_string(), v.to_string()));
        assert_eq!(pairs, expected);
    }
}
