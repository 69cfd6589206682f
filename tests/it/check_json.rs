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

/// What the schema finds wrong with `value`, each as `PATH: ERROR`
/// (validated by the `jsonschema` crate, draft 2020-12 as the schema says).
fn schema_errors(value: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&schema()).expect("a valid schema");
    validator
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
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
    for place in [
        "/diagnostics/0/also/0",
        "/diagnostics/1/severity",
        "/summary",
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{place}:"))),
            "{place} not refused: {errors:#?}"
        );
    }
}

/// A finding names its service and key path in every YAML style: block,
/// flow and JSON compose files alike (the key paths come from the YAML
/// reader's nodes, not from the lines of the text); the plan's ERRORS column
/// marks the service too. Flow style and JSON lost both before.
#[test]
fn service_and_key_are_named_in_block_flow_and_json_files() {
    let files = [
        (
            "compose.yaml",
            "services:\n  app:\n    image: a:1\n    depends_on:\n      - nowhere\n    volumes:\n      - /srv:/data\n  b:\n    image: b:1\n",
        ),
        (
            "compose.yaml",
            "services: {app: {image: a:1, depends_on: [nowhere], volumes: [\"/srv:/data\"]}, b: {image: b:1}}\n",
        ),
        (
            "compose.json",
            "{\"services\": {\"app\": {\"image\": \"a:1\", \"depends_on\": [\"nowhere\"], \"volumes\": [\"/srv:/data\"]}, \"b\": {\"image\": \"b:1\"}}}\n",
        ),
    ];
    for (name, text) in files {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(name), text).unwrap();
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check", "--format", "json", "-f", name])
            .run();
        assert_eq!(run.code, 1, "{}", run.stderr);
        let report: Value = serde_json::from_str(&run.stdout).unwrap();
        let found: Vec<(String, Value, Value)> = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["service"] != Value::Null)
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["service"].clone(),
                    d["key"].clone(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                (
                    "depends-on-unknown".to_owned(),
                    "app".into(),
                    "services.app.depends_on[0]".into()
                ),
                (
                    "bind-host-path".to_owned(),
                    "app".into(),
                    "services.app.volumes[0]".into()
                ),
            ],
            "{text}"
        );
        let plan = Test::new()
            .current_dir(dir.path())
            .args(["plan", "-f", name])
            .run();
        assert_eq!(plan.code, 1, "{}", plan.stderr);
        let row = plan.stdout.lines().find(|l| l.contains(" app ")).unwrap();
        assert!(
            row.ends_with("depends-on-unknown"),
            "{text}\n{}",
            plan.stdout
        );
    }
}

/// A finding about a line of an `env_file` carries that line as `related`
/// (file and line, never its text), and the schema accepts it.
#[test]
fn an_env_file_line_is_a_related_place_the_schema_accepts() {
    let dir = common::compose_dir("services:\n  app:\n    image: a:1\n    env_file: app.env\n");
    std::fs::write(dir.path().join("app.env"), "A=1\n=2\n").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .run();
    let mut value: Value = serde_json::from_str(&run.stdout).unwrap();
    let errors = schema_errors(&value);
    assert!(errors.is_empty(), "{errors:#?}");
    let found = value["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "env-file-syntax")
        .unwrap();
    assert_eq!(
        (&found["file"], &found["line"]),
        (&Value::from("compose.yaml"), &Value::from(4))
    );
    assert_eq!(
        found["related"],
        serde_json::json!([{"label": "env_file", "file": "app.env", "line": 2}])
    );
    // A related place holds file and line, nothing else.
    value["diagnostics"][0]["related"][0]["text"] = Value::from("A=1");
    assert!(!schema_errors(&value).is_empty());
}

/// The project's own env files (`.env`, `--env-file`) are in the sources as
/// a service's `env_file` is: a finding about one of their lines names it as
/// a related place, file and line, in JSON and text, never the line's text
/// (it said "line 3" in its message before).
#[test]
fn a_dot_env_line_is_a_related_place_never_its_text() {
    let dir = common::compose_dir("services:\n  app:\n    image: a:${V:-1}\n");
    std::fs::write(
        dir.path().join(".env"),
        "A=1\nTOKEN=FAKE_SECRET\nbad line FAKE_TOO\n",
    )
    .unwrap();
    std::fs::copy(dir.path().join(".env"), dir.path().join("my.env")).unwrap();
    for (args, label, file) in [
        (&[][..], ".env", ".env"),
        (&["--env-file", "my.env"][..], "--env-file", "my.env"),
    ] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check", "--format", "json"])
            .args(args)
            .run();
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(!run.stdout.contains("FAKE"), "{}", run.stdout);
        let value: Value = serde_json::from_str(&run.stdout).unwrap();
        let errors = schema_errors(&value);
        assert!(errors.is_empty(), "{errors:#?}");
        let found = &value["diagnostics"][0];
        assert_eq!(found["code"], "env-file-syntax");
        assert_eq!(
            found["message"],
            format!("cannot read env file `{file}`: a variable name contains a space")
        );
        assert_eq!(
            found["related"],
            serde_json::json!([{"label": label, "file": file, "line": 3}])
        );
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check"])
            .args(args)
            .run();
        assert!(
            run.stderr.contains(&format!(
                "note: at {file}:3, in the `{label}` (its text is not shown)"
            )),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("FAKE"), "{}", run.stderr);
        assert!(!run.stderr.contains("line 3"), "{}", run.stderr);
    }
}

/// An `include`'s `env_file`: the finding is at the compose line that names
/// it, with the env file's line as its related place.
#[test]
fn an_include_env_file_line_is_a_related_place() {
    let dir = common::compose_dir(
        "include:\n  - path: sub/compose.yaml\n    env_file: sub/vars.env\nservices:\n  app:\n    image: a:1\n",
    );
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::write(
        dir.path().join("sub/compose.yaml"),
        "services:\n  b:\n    image: b:1\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("sub/vars.env"), "A=1\nbad line FAKE\n").unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains("FAKE"), "{}", run.stdout);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    let found = &value["diagnostics"][0];
    assert_eq!(found["code"], "env-file-syntax", "{}", run.stdout);
    assert_eq!(found["file"], "compose.yaml", "{}", run.stdout);
    assert_eq!(
        found["related"],
        serde_json::json!([{"label": "env_file", "file": "sub/vars.env", "line": 2}])
    );
}
