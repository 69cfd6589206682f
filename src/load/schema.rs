//! The keys the Compose Specification allows in each mapping, checked in
//! every compose file as compose checks them: a key it does not know
//! (`enviroment:`) makes compose refuse the file (`additional properties
//! not allowed`), so it is an error here too, at the key, with the closest
//! known key. `x-…` keys are extensions wherever compose allows them.
//!
//! Only the names of keys are checked; what the values mean is the model's
//! concern. Free-form mappings (`environment`, `labels`, `driver_opts`,
//! `logging.options`, `storage_opt` …) take any key.

use std::collections::HashSet;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{Sources, Span};

use super::yaml::{Node, Value};

mod object;
mod plain;
mod resources;
mod service;

pub(crate) use object::Object;
use object::keys;

use resources::{CONFIG, MODEL, NETWORK, SECRET, VOLUME};
use service::SERVICE;

/// What compose allows in one place of the file.
pub(crate) enum Shape {
    /// Anything: free-form, or checked elsewhere.
    Any,
    /// A mapping of these keys (when it is a mapping), and a sequence of
    /// such mappings (when it is a sequence).
    Keys(&'static Object),
    /// A mapping from names (of services, networks …) to values of a shape,
    /// or a sequence of names.
    Names(&'static Shape),
    /// [`Shape::Names`] where compose allows only names of letters, digits,
    /// `.`, `_` and `-` as keys of the mapping (its `^[a-zA-Z0-9._-]+$`
    /// with no other properties): top-level `services`, `volumes`,
    /// `secrets`, `configs`, a service's `depends_on` and `networks`.
    ClosedNames(&'static str, &'static Shape),
    /// A string where compose's schema takes no number or boolean
    /// (`domainname: 1` is refused: `services.a.domainname must be a
    /// string`); `null`: whether null is refused here too (a key the model
    /// does not read), else the model says what null means.
    Text { null: bool },
    /// A string or a list of strings, none a number or a boolean
    /// (`cap_add`, `tmpfs`, `profiles`); another shape is the model's
    /// concern.
    Texts,
    /// A list of strings (none a number or a boolean) or a free-form
    /// mapping (`environment`, `labels`, `extra_hosts`).
    ListOrMap,
    /// [`Shape::Keys`] whose list items may be strings (short syntax),
    /// none a number or a boolean (`devices`); a number or a boolean in
    /// place of the whole list is refused too (`env_file: 1`).
    TextOrKeys(&'static Object),
    /// A list of strings or numbers, none a boolean (`group_add`).
    Ids,
    /// `inner`, where compose's schema refuses a list holding the same
    /// item twice (`uniqueItems`: `security_opt`, `group_add` …).
    Unique(&'static Shape),
    /// A free-form mapping whose keys compose matches with `^.+$`: none
    /// empty or holding a line break (`driver_opts`, `logging.options`).
    Options,
    /// A string, or a list of strings, that the model reads as text and
    /// refuses numbers and booleans in itself (`hostname`, `command`):
    /// here only a plain `.inf`/`.nan`, which the model's reader sees as
    /// text, is refused (compose: `services.a.hostname must be a string`).
    ModelText,
}

/// The top level of a compose file. `include` entries are resolved before
/// compose checks the file, so their keys are `include`'s own concern.
pub(crate) static TOP_LEVEL: Object = keys(
    "top-level",
    &[
        ("version", Shape::Any),
        ("name", Shape::Any),
        ("include", Shape::Any),
        (
            "services",
            Shape::ClosedNames("service", &Shape::Keys(&SERVICE)),
        ),
        ("models", Shape::Names(&Shape::Keys(&MODEL))),
        ("networks", Shape::Names(&Shape::Keys(&NETWORK))),
        (
            "volumes",
            Shape::ClosedNames("volume", &Shape::Keys(&VOLUME)),
        ),
        (
            "secrets",
            Shape::ClosedNames("secret", &Shape::Keys(&SECRET)),
        ),
        (
            "configs",
            Shape::ClosedNames("config", &Shape::Keys(&CONFIG)),
        ),
    ],
    true,
);

/// Checks the keys of one compose file's tree; a key reported before (the
/// same text met again through `include` or `extends`) is not repeated.
/// `sources` holds the file's text: a plain `.inf` or date is told from a
/// quoted one by how it is written.
pub(crate) fn check(
    root: &Node,
    sources: &Sources,
    reported: &mut HashSet<Span>,
    diagnostics: &mut Diagnostics,
) {
    let mut checker = Checker {
        sources,
        reported,
        diagnostics,
    };
    checker.object(root, &TOP_LEVEL);
    checker.key_types("", root, 0, false);
}

struct Checker<'a> {
    sources: &'a Sources,
    reported: &'a mut HashSet<Span>,
    diagnostics: &'a mut Diagnostics,
}

/// A scalar compose's schema does not take as a string.
enum NotText {
    /// A number or a boolean, as written.
    Scalar(String),
    /// A date or a time stamp, as written.
    Date(String),
}

impl Checker<'_> {
    /// Checks `node`, the value of `key`, against `shape`.
    fn shape(&mut self, key: &str, node: &Node, shape: &Shape) {
        match (shape, &node.value) {
            (Shape::Keys(object), Value::Seq(items)) => {
                for item in items {
                    self.object(item, object);
                }
            }
            (Shape::TextOrKeys(object), Value::Seq(items)) => {
                for item in items {
                    self.object(item, object);
                }
                self.texts(key, items);
            }
            (Shape::TextOrKeys(_), _) if self.not_text_scalar(node).is_some() => {
                self.not_text(key, node);
            }
            (Shape::Keys(object) | Shape::TextOrKeys(object), _) => self.object(node, object),
            (Shape::Names(inner), Value::Map(entries)) => {
                for (_, value) in entries {
                    self.shape(key, value, inner);
                }
            }
            (Shape::ClosedNames(what, inner), Value::Map(entries)) => {
                for (name_key, value) in entries {
                    if let Some(name) = name_key.as_str()
                        && !allowed_name(name)
                    {
                        self.name_characters(name_key.span, what, name);
                    }
                    self.shape(key, value, inner);
                }
            }
            // As a list, compose refuses an empty name whatever is selected
            // (`refers to undefined network`, `depends on undefined service ""`).
            (Shape::ClosedNames(what, _), Value::Seq(items)) => {
                for item in items {
                    if item.as_str() == Some("") {
                        self.name_characters(item.span, what, "");
                    }
                }
                self.texts(key, items);
            }
            (Shape::Text { null }, value) => match value {
                _ if self.not_text_scalar(node).is_some() => self.not_text(key, node),
                Value::Null | Value::Seq(_) | Value::Map(_) if *null => self.not_text(key, node),
                _ => {}
            },
            (Shape::Texts | Shape::ListOrMap, Value::Seq(items)) => {
                self.texts(key, items);
            }
            (Shape::Texts, _) if self.not_text_scalar(node).is_some() => self.not_text(key, node),
            (Shape::ListOrMap | Shape::Options, Value::Map(entries)) => {
                let options = matches!(shape, Shape::Options);
                for (name, _) in entries {
                    if let Some(text) = name.as_str()
                        && (text.chars().all(|c| c == '\n') || (options && text.contains('\n')))
                    {
                        self.blank_key(key, name.span, text);
                    }
                }
            }
            (Shape::Ids, Value::Seq(items)) => {
                for item in items {
                    if matches!(item.value, Value::Bool(_)) {
                        self.not_text(&format!("{key} item"), item);
                    }
                }
            }
            (Shape::ModelText, Value::Seq(items)) => {
                for item in items {
                    if self.plain_float(item) {
                        self.not_text(&format!("{key} item"), item);
                    }
                }
            }
            (Shape::ModelText, _) if self.plain_float(node) => self.not_text(key, node),
            (Shape::Unique(inner), value) => {
                if let Value::Seq(items) = value {
                    self.unique(key, items);
                }
                self.shape(key, node, inner);
            }
            (
                Shape::Any
                | Shape::Names(_)
                | Shape::ClosedNames(..)
                | Shape::Texts
                | Shape::ListOrMap
                | Shape::Options
                | Shape::ModelText
                | Shape::Ids,
                _,
            ) => {}
        }
    }

    /// Refuses the numbers and booleans among `items` of `key`'s list.
    fn texts(&mut self, key: &str, items: &[Node]) {
        for item in items {
            if self.not_text_scalar(item).is_some() {
                self.not_text(&format!("{key} item"), item);
            }
        }
    }

    /// What compose's YAML reader makes of `node` when that is not a
    /// string: a number or a boolean, and also a plain `.inf`, `.nan` or
    /// date, which podlift's reader keeps as text.
    fn not_text_scalar(&self, node: &Node) -> Option<NotText> {
        match &node.value {
            Value::Number(text) => Some(NotText::Scalar(text.clone())),
            Value::Bool(flag) => Some(NotText::Scalar(flag.to_string())),
            // the spelling first: looking at the source is the dearer test
            Value::String(text) if !plain::may_be_special(text) => None,
            Value::String(text) if plain::special_float(text) => self
                .written_plain(node.span, text)
                .then(|| NotText::Scalar(text.clone())),
            Value::String(text) if plain::timestamp(text) => self
                .written_plain(node.span, text)
                .then(|| NotText::Date(text.clone())),
            _ => None,
        }
    }

    /// Whether `node` is a plain `.inf`, `-.Inf` or `.nan`: a float to
    /// compose, a string to podlift's reader.
    fn plain_float(&self, node: &Node) -> bool {
        matches!(&node.value, Value::String(text)
            if plain::special_float(text) && self.written_plain(node.span, text))
    }

    /// Whether the string `text` at `span` is written as a plain scalar
    /// with no tag (`!!str 2001-12-14` is text to compose): the source
    /// holds it unquoted, and the word before it is no tag.
    fn written_plain(&self, span: Span, text: &str) -> bool {
        if self.sources.text(span) != text {
            return false;
        }
        let Some(file) = self.sources.get(span.file) else {
            return false;
        };
        let mut before = file.text.get(..span.start).unwrap_or_default().trim_end();
        // the properties before a scalar: an anchor and a tag, either first
        // (`!!str &a 2001-12-14` is text as `&a !!str 2001-12-14` is)
        for _ in 0..2 {
            let word = before
                .rsplit(|c: char| c.is_whitespace() || matches!(c, '[' | '{' | ','))
                .next()
                .unwrap_or_default();
            if word.starts_with('!') {
                return false;
            }
            if !word.starts_with('&') {
                break;
            }
            before = before
                .get(..before.len().saturating_sub(word.len()))
                .unwrap_or_default()
                .trim_end();
        }
        true
    }

    /// "`what` must be a string": compose's schema refuses the value.
    fn not_text(&mut self, what: &str, node: &Node) {
        if !self.reported.insert(node.span) {
            return;
        }
        let (found, help) = match self.not_text_scalar(node) {
            Some(NotText::Scalar(text)) => (
                format!("`{text}`"),
                "quote it: compose reads this key as text only",
            ),
            Some(NotText::Date(text)) => (
                format!("the date `{text}`"),
                "quote it: YAML reads it as a date, which compose refuses",
            ),
            None => (
                node.type_name().to_string(),
                "write a string, or remove the key",
            ),
        };
        self.diagnostics.push(
            Diagnostic::error(
                Code::Type,
                format!("`{what}` must be a string, found {found}"),
            )
            .at(node.span)
            .help(help),
        );
    }

    /// Refuses the second and later copies of an item of `key`'s list
    /// (compose compares them as JSON values: `1` and `"1"` differ).
    fn unique(&mut self, key: &str, items: &[Node]) {
        let mut seen = HashSet::new();
        for item in items {
            let identity = match &item.value {
                Value::String(text) => (0, text.as_str()),
                Value::Number(text) => (1, text.as_str()),
                Value::Bool(true) => (2, "true"),
                Value::Bool(false) => (2, "false"),
                _ => continue,
            };
            if seen.insert(identity) || !self.reported.insert(item.span) {
                continue;
            }
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ListDuplicate,
                    format!("`{key}` lists `{}` twice", identity.1),
                )
                .at(item.span)
                .help(format!(
                    "remove the repeated item: compose refuses a `{key}` list that holds the same item twice"
                )),
            );
        }
    }

    /// A key of a free-form mapping compose's pattern does not match.
    fn blank_key(&mut self, key: &str, span: Span, text: &str) {
        if !self.reported.insert(span) {
            return;
        }
        let shown = text.escape_debug().to_string();
        self.diagnostics.push(
            Diagnostic::error(
                Code::KeyBlank,
                format!("`{key}` has the key `\"{shown}\"`, which compose does not take"),
            )
            .at(span)
            .help("remove the key, or write the name it was meant to have: compose refuses a key that is empty or only line breaks (in `driver_opts` and `logging.options`, any line break)"),
        );
    }

    fn object(&mut self, node: &Node, object: &Object) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        for (key, value) in entries {
            let Some(name) = key.as_str() else {
                continue;
            };
            if let Some(shape) = object.shape(name) {
                self.shape(name, value, shape);
            } else if !(object.extensions && name.starts_with("x-")) {
                self.unknown(key.span, name, object, value);
            }
        }
    }

    /// Compose refuses a number or a boolean as a mapping key anywhere in
    /// the file, extensions and free-form mappings too (`non-string key in
    /// services.web.environment: 1`). Null and collection keys are refused
    /// where the model reads them.
    ///
    /// A plain date is refused as well wherever compose's schema looks: in
    /// any value but those of `x-…` extensions (`key` names the mapping key
    /// the value is under, for the message).
    fn key_types(&mut self, key: &str, node: &Node, depth: usize, extension: bool) {
        // The parser bounds nesting already; this keeps the walk bounded
        // on its own.
        if depth > super::yaml::MAX_DEPTH {
            return;
        }
        match &node.value {
            Value::Map(entries) => {
                for (key, value) in entries {
                    let found = match &key.value {
                        Value::Number(text) => Some(("a number", text.clone())),
                        Value::Bool(flag) => Some(("a boolean", flag.to_string())),
                        // a plain `.inf` or date is a float or a time to
                        // compose (`non-string key in …: +Inf`)
                        Value::String(_) => match self.not_text_scalar(key) {
                            Some(NotText::Scalar(text)) => Some(("a number", text)),
                            Some(NotText::Date(text)) => Some(("a date", text)),
                            None => None,
                        },
                        _ => None,
                    };
                    if let Some((kind, text)) = found
                        && self.reported.insert(key.span)
                    {
                        self.diagnostics.push(
                            Diagnostic::error(
                                Code::KeyNotString,
                                format!("mapping key `{text}` must be a string, found {kind}"),
                            )
                            .at(key.span)
                            .help(format!(
                                "quote it (`\"{text}\"`): compose refuses keys that are not strings"
                            )),
                        );
                    }
                    let name = key.as_str().unwrap_or_default();
                    let extension = extension || name.starts_with("x-");
                    self.key_types(name, value, depth + 1, extension);
                }
            }
            Value::Seq(items) => {
                for item in items {
                    self.key_types(key, item, depth + 1, extension);
                }
            }
            Value::String(_)
                if !extension && matches!(self.not_text_scalar(node), Some(NotText::Date(_))) =>
            {
                self.not_text(key, node);
            }
            _ => {}
        }
    }

    fn name_characters(&mut self, span: Span, what: &str, name: &str) {
        if !self.reported.insert(span) {
            return;
        }
        self.diagnostics.push(
            Diagnostic::error(
                Code::NameCharacters,
                format!("{what} name `{name}` holds characters compose does not allow in a name"),
            )
            .at(span)
            .help("rename it with letters, digits, `.`, `_` and `-` only, as compose requires"),
        );
    }

    fn unknown(&mut self, span: Span, name: &str, object: &Object, value: &Node) {
        if !self.reported.insert(span) {
            return;
        }
        let mut diagnostic = Diagnostic::error(
            Code::KeyUnknown,
            format!("unknown {} key `{name}`", object.what),
        )
        .at(span);
        diagnostic = match closest(object, name) {
            // Compose file format v1 wrote services at the top level:
            // removing them is the wrong advice.
            _ if object.what == TOP_LEVEL.what && looks_like_service(value) => diagnostic
                .help(
                    "this looks like a service (compose file format v1 wrote services at the top level): move it under `services:`",
                ),
            Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
            None if object.extensions => {
                diagnostic.help("remove it, or prefix it with `x-` to mark it as an extension")
            }
            None => diagnostic.help(format!(
                "remove it: {} takes only {}",
                object.what,
                object
                    .keys
                    .iter()
                    .map(|(k, _)| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diagnostics.push(diagnostic);
    }
}

/// Takes out of compose's resolved project (`podlift config`) the `x-…`
/// keys compose does not print: it keeps them at the top level only, and
/// drops them from services and the mappings inside (a healthcheck, a
/// port, `deploy`, a network …); free-form mappings keep every key.
pub(crate) fn drop_nested_extensions(project: &mut serde_json::Value) {
    let Some(top) = project.as_object_mut() else {
        return;
    };
    for (key, value) in top.iter_mut() {
        if let Some(shape) = TOP_LEVEL.shape(key) {
            drop_in_shape(value, shape);
        }
    }
}

fn drop_in_shape(value: &mut serde_json::Value, shape: &Shape) {
    use serde_json::Value as Json;
    match (shape, value) {
        (Shape::Keys(object) | Shape::TextOrKeys(object), Json::Array(items)) => {
            for item in items {
                drop_in_object(item, object);
            }
        }
        (Shape::Keys(object) | Shape::TextOrKeys(object), value) => drop_in_object(value, object),
        (Shape::Unique(inner), value) => drop_in_shape(value, inner),
        (Shape::Names(inner) | Shape::ClosedNames(_, inner), Json::Object(entries)) => {
            for value in entries.values_mut() {
                drop_in_shape(value, inner);
            }
        }
        _ => {}
    }
}

fn drop_in_object(value: &mut serde_json::Value, object: &Object) {
    let Some(entries) = value.as_object_mut() else {
        return;
    };
    entries.retain(|key, _| !key.starts_with("x-"));
    for (key, value) in entries.iter_mut() {
        if let Some(shape) = object.shape(key) {
            drop_in_shape(value, shape);
        }
    }
}

/// Whether compose allows `name` as a key of a closed mapping of names
/// (`^[a-zA-Z0-9._-]+$`).
fn allowed_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// Whether a top-level value is a service definition of compose file
/// format v1: a mapping with an `image` or a `build`.
fn looks_like_service(value: &Node) -> bool {
    value.as_map().is_some_and(|entries| {
        entries
            .iter()
            .any(|(key, _)| matches!(key.as_str(), Some("image" | "build")))
    })
}

/// The known key closest to `name`, for "did you mean".
fn closest(object: &Object, name: &str) -> Option<&'static str> {
    object
        .keys
        .iter()
        .map(|(k, _)| (strsim::jaro_winkler(k, name), *k))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}
