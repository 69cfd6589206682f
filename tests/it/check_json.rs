//! `podlift check --format json`: the versioned shape, checked against its
//! JSON Schema in docs/ and pinned by a snapshot.

use crate::common;

use serde_json::Value;

use common::{Test, fixture, repo};

fn schema() -> Value {
    serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/check-json.schema.json")).unwrap(),
    )
    .unwrap()
}

/// The part of `root` a local `$ref` (`#/$defs/…`) points at.
fn resolve<'a>(root: &'a Value, reference: &str) -> &'a Value {
    let pointer = reference.strip_prefix('#').expect("a local $ref");
    root.pointer(pointer)
        .unwrap_or_else(|| panic!("unresolved $ref {reference}"))
}

/// The property names a schema (with its `allOf` parts) declares.
fn declared_properties(root: &Value, schema: &Value) -> Vec<String> {
    let schema = match schema.get("$ref") {
        Some(r) => resolve(root, r.as_str().unwrap()),
        None => schema,
    };
    let mut names: Vec<String> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        names.extend(declared_properties(root, part));
    }
    names
}

/// A validator for the keywords the schema uses: enough to hold the output
/// to every constraint the schema states.
fn validate(root: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref") {
        validate(
            root,
            resolve(root, reference.as_str().unwrap()),
            value,
            at,
            errors,
        );
    }
    for part in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        validate(root, part, value, at, errors);
    }
    if let Some(expected) = schema.get("const")
        && value != expected
    {
        errors.push(format!("{at}: {value} is not {expected}"));
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {options:?}"));
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(list) => list.iter().map(|t| t.as_str().unwrap()).collect(),
            _ => panic!("bad type in schema"),
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_u64() || n.is_i64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        if !types.contains(&actual) {
            errors.push(format!("{at}: {actual} where {types:?} is expected"));
        }
    }
    if let (Some(minimum), Some(n)) = (
        schema.get("minimum").and_then(Value::as_i64),
        value.as_i64(),
    ) && n < minimum
    {
        errors.push(format!("{at}: {n} is below {minimum}"));
    }
    if let (Some(_), Some(text)) = (schema.get("pattern"), value.as_str()) {
        // The only pattern: a lowercase, hyphenated code.
        let ok = !text.is_empty()
            && !text.starts_with('-')
            && !text.ends_with('-')
            && !text.contains("--")
            && text
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            errors.push(format!("{at}: `{text}` does not match the code pattern"));
        }
    }
    if let Some(object) = value.as_object() {
        for name in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !object.contains_key(name.as_str().unwrap()) {
                errors.push(format!("{at}: `{name}` is missing"));
            }
        }
        if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
            for (name, inner) in object {
                if let Some(property) = properties.get(name) {
                    validate(root, property, inner, &format!("{at}.{name}"), errors);
                }
            }
        }
        let closed = schema.get("additionalProperties") == Some(&Value::Bool(false))
            || schema.get("unevaluatedProperties") == Some(&Value::Bool(false));
        if closed {
            let declared = declared_properties(root, schema);
            for name in object.keys() {
                if !declared.contains(name) {
                    errors.push(format!("{at}: `{name}` is not in the schema"));
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, item) in list.iter().enumerate() {
            validate(root, items, item, &format!("{at}[{i}]"), errors);
        }
    }
}

fn schema_errors(value: &Value) -> Vec<String> {
    let root = schema();
    let mut errors = Vec::new();
    validate(&root, &root, value, "$", &mut errors);
    errors
}

fn report() -> (common::Run, Value) {
    let run = Test::new()
        .current_dir(&fixture("json-report"))
        .args(["check", "--format", "json"])
        .run();
    let value = serde_json::from_str(&run.stdout).unwrap();
    (run, value)
}

#[test]
fn check_json_has_the_documented_versioned_shape() {
    let (run, value) = report();
    assert_eq!(run.code, 1, "the fixture has an error");
    assert!(
        run.stderr.is_empty(),
        "JSON mode keeps stderr for failures: {}",
        run.stderr
    );
    assert_eq!(value["version"], 1);
    let errors = schema_errors(&value);
    assert!(errors.is_empty(), "{errors:#?}");
    insta::assert_snapshot!("check-json-report", run.stdout);
}

#[test]
fn check_json_groups_repeated_findings_and_counts_them_all() {
    let (_, value) = report();
    let diagnostics = value["diagnostics"].as_array().unwrap();
    let common: Vec<&Value> = diagnostics
        .iter()
        .filter(|d| d["code"] == "address-common-range")
        .collect();
    assert_eq!(common.len(), 1, "one entry for the repeated finding");
    assert_eq!(common[0]["count"], 8);
    assert_eq!(common[0]["also"].as_array().unwrap().len(), 7);
    assert_eq!(common[0]["service"], "web");
    assert_eq!(common[0]["key"], "services.web.networks.back.ipv4_address");
    assert_eq!(common[0]["also"][6]["service"], "cache");
    assert_eq!(
        value["summary"],
        serde_json::json!({"errors": 2, "warnings": 8, "notes": 2})
    );
    // The same counts as the summary line of the text report.
    let text = Test::new()
        .current_dir(&fixture("json-report"))
        .args(["check"])
        .run();
    assert!(
        text.stdout.ends_with("2 errors, 8 warnings, 2 notes\n"),
        "{}",
        text.stdout
    );
    assert!(
        text.stderr.ends_with("2 errors, 8 warnings, 2 notes\n"),
        "{}",
        text.stderr
    );
}

#[test]
fn the_validator_rejects_what_the_schema_forbids() {
    let (_, mut value) = report();
    value["diagnostics"][0]["also"][0]["extra"] = Value::from(1);
    value["diagnostics"][1]["severity"] = Value::from("fatal");
    value["summary"].as_object_mut().unwrap().remove("notes");
    let errors = schema_errors(&value);
    assert_eq!(errors.len(), 3, "{errors:#?}");
}
