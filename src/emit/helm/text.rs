//! Template text: markers swapped for template actions, Go strings, escapes.

use std::fmt::Write as _;

use crate::emit::helm::error::HelmError;
use crate::emit::helm::node::Node;

/// What a marker stands for in a template.
#[derive(Clone, Debug)]
pub(super) enum Slot {
    /// The whole scalar: `key: ACTION`.
    Scalar(String),
    /// `key: <value>` only when the value (a template expression) is set.
    Optional { key: String, value: String },
    /// `key:` and a nested YAML block, only when the value is not empty.
    Block { key: String, value: String },
    /// The key's line replaced by these lines, each indented as the key.
    Lines { key: String, lines: Vec<Line> },
}

/// A line of a [`Slot::Lines`].
#[derive(Clone, Debug)]
pub(super) enum Line {
    /// Text of the object, written as it is.
    Literal(String),
    /// A template action; `NESTED` and `INDENT` in it become the indentation
    /// of the key's value and of the key.
    Action(String),
}

/// `value` as YAML lines, each prefixed by `indent`, braces escaped.
pub(super) fn yaml_lines(value: &Node, indent: &str) -> Result<Vec<Line>, HelmError> {
    let text = crate::yaml_writer::to_string(value).map_err(HelmError::yaml("YAML"))?;
    Ok(escape(&text)
        .lines()
        .map(|line| Line::Literal(format!("{indent}{line}")))
        .collect())
}

/// `.Values.a.b`, or `(index .Values "a" "b")` where a key is no identifier.
pub(super) fn value_ref(path: &[&str]) -> String {
    let identifier = |s: &&str| {
        s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && s.chars().next().is_some_and(|c| !c.is_ascii_digit())
    };
    if path.iter().all(identifier) {
        format!("$.Values.{}", path.join("."))
    } else {
        let keys: Vec<String> = path.iter().map(|s| go_string(s)).collect();
        format!("(index $.Values {})", keys.join(" "))
    }
}

/// A Go string literal.
pub(super) fn go_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text Helm must print as it is: every `{{` becomes an action printing `{{`.
pub(super) fn escape(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// Readies `out` for a template line that starts with an action trimming
/// the white space before it (`{{-`), which must take only the line break
/// that ends `out`. More white space there ends a block scalar of the
/// input (a line's trailing spaces or tabs, the blank lines `|+` keeps):
/// it moves into an action that prints it, which no trimming reaches.
pub(super) fn keep_trailing_space(out: &mut String) {
    let text = out.trim_end_matches([' ', '\t', '\r', '\n']).len();
    let Some(kept) = out.get(text..).and_then(|space| space.strip_suffix('\n')) else {
        return;
    };
    if text == 0 || kept.is_empty() {
        return;
    }
    let action = format!("{{{{ {} }}}}\n", go_string(kept));
    out.truncate(text);
    out.push_str(&action);
}

/// Whether a template line starts with an action that trims the white
/// space before it.
fn trims_before(line: &str) -> bool {
    line.trim_start().starts_with("{{-")
}

/// Replaces each marker line of `yaml` by its template text.
pub(super) fn substitute(yaml: &str, marker: &str, slots: &[Slot]) -> Result<String, HelmError> {
    let mut out = String::new();
    for line in yaml.lines() {
        let Some(start) = line.find(marker) else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let tail = line.get(start + marker.len()..).unwrap_or_default();
        let digits: String = tail.chars().take_while(char::is_ascii_digit).collect();
        let token = format!("{marker}{digits}__");
        let slot = digits
            .parse::<usize>()
            .ok()
            .and_then(|i| slots.get(i))
            .filter(|_| line.ends_with(&token))
            .ok_or_else(|| HelmError::Unplaceable(line.to_string()))?;
        let before = line.get(..start).unwrap_or_default();
        let indent = " ".repeat(line.len() - line.trim_start().len());
        match slot {
            Slot::Scalar(action) => {
                let _ = writeln!(out, "{before}{action}");
            }
            Slot::Optional { key, value } => {
                check_key(before, &indent, key)?;
                keep_trailing_space(&mut out);
                let _ = writeln!(
                    out,
                    "{indent}{{{{- with {value} }}}}\n\
                     {indent}{key}: {{{{ . | quote }}}}\n\
                     {indent}{{{{- end }}}}"
                );
            }
            Slot::Lines { key, lines } => {
                check_key(before, &indent, key)?;
                for line in lines {
                    match line {
                        Line::Literal(text) => {
                            let _ = writeln!(out, "{indent}{text}");
                        }
                        Line::Action(text) => {
                            if trims_before(text) {
                                keep_trailing_space(&mut out);
                            }
                            let text = text
                                .replace("NESTED", &(indent.len() + 2).to_string())
                                .replace("INDENT", &indent.len().to_string());
                            let _ = writeln!(out, "{indent}{text}");
                        }
                    }
                }
            }
            Slot::Block { key, value } => {
                check_key(before, &indent, key)?;
                keep_trailing_space(&mut out);
                let nested = indent.len() + 2;
                let _ = writeln!(
                    out,
                    "{indent}{{{{- with {value} }}}}\n\
                     {indent}{key}:\n\
                     {indent}  {{{{- toYaml . | nindent {nested} }}}}\n\
                     {indent}{{{{- end }}}}"
                );
            }
        }
    }
    Ok(out)
}

/// A conditional key must stand alone on its line (not open a list item).
pub(super) fn check_key(before: &str, indent: &str, key: &str) -> Result<(), HelmError> {
    if before == format!("{indent}{key}: ") {
        Ok(())
    } else {
        Err(HelmError::NotOptional {
            key: key.to_string(),
            before: before.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, go_string, value_ref};

    #[test]
    fn value_paths_use_index_for_keys_that_are_no_identifiers() {
        assert_eq!(
            value_ref(&["images", "db", "tag"]),
            "$.Values.images.db.tag"
        );
        assert_eq!(
            value_ref(&["images", "podlift-loopback"]),
            "(index $.Values \"images\" \"podlift-loopback\")"
        );
        assert_eq!(go_string("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn braces_of_the_content_stay_literal() {
        assert_eq!(escape("a {{ b }}"), "a {{ \"{{\" }} b }}");
    }
}
