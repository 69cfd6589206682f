//! Booleans and numbers are read as Docker Compose v2 reads them (issue 14,
//! item 2): YAML 1.1 words in any case, also after interpolation; anything
//! else is an error at its position, never a silent default. Every spelling
//! below was checked against `docker compose config` v2.40.3.

use crate::common;

use std::fmt::Write as _;

use common::{Test, compose_dir};
use serde_json::Value;

/// Every spelling compose reads as true (`${T}` is set to `yes`).
const TRUE: &[&str] = &[
    "true",
    "True",
    "TRUE",
    "\"true\"",
    "\"TrUe\"",
    "y",
    "Y",
    "yes",
    "\"YES\"",
    "on",
    "ON",
    "\"On\"",
    "${T}",
    "${UNSET:-yes}",
    "${UNSET-on}",
];
/// Every spelling compose reads as false.
const FALSE: &[&str] = &[
    "false",
    "False",
    "FALSE",
    "\"false\"",
    "n",
    "N",
    "no",
    "\"NO\"",
    "off",
    "OFF",
    "${UNSET:-no}",
    "${F}",
];
/// What compose refuses where it wants a boolean.
const NOT_BOOLEAN: &[&str] = &[
    "\"1\"",
    "\"0\"",
    "1",
    "0",
    "\"banana\"",
    "\"\"",
    "~",
    "${UNSET:-1}",
];

/// One boolean key: how to write it in a service, and where it lands.
struct Key {
    name: &'static str,
    /// The service body with `{}` where the value goes.
    body: &'static str,
    /// Extra top-level text.
    top: &'static str,
    /// The value podlift made of it, from the container (`None`: absent).
    read: fn(&Value) -> Option<bool>,
}

fn flag(value: &Value) -> Option<bool> {
    value.as_bool()
}

fn keys() -> Vec<Key> {
    vec![
        Key {
            name: "privileged",
            body: "privileged: {}",
            top: "",
            read: |c| flag(&c["securityContext"]["privileged"]),
        },
        Key {
            name: "read_only",
            body: "read_only: {}",
            top: "",
            read: |c| flag(&c["securityContext"]["readOnlyRootFilesystem"]),
        },
        Key {
            name: "tty",
            body: "tty: {}",
            top: "",
            read: |c| flag(&c["tty"]),
        },
        Key {
            name: "stdin_open",
            body: "stdin_open: {}",
            top: "",
            read: |c| flag(&c["stdin"]),
        },
        Key {
            name: "volumes.read_only",
            body: "volumes:\n      - type: volume\n        source: data\n        target: /data\n        read_only: {}",
            top: "volumes:\n  data: {}\n",
            read: |c| flag(&c["volumeMounts"][0]["readOnly"]),
        },
        Key {
            name: "healthcheck.disable",
            body: "healthcheck:\n      test: [CMD, check]\n      disable: {}",
            top: "",
            read: |c| Some(c.get("readinessProbe").is_none()),
        },
    ]
}

fn compose(key: &Key, spellings: &[&str]) -> String {
    let mut text = String::from("services:\n");
    for (i, spelling) in spellings.iter().enumerate() {
        let _ = write!(
            text,
            "  s{i}:\n    image: busybox\n    {}\n",
            key.body.replace("{}", spelling)
        );
    }
    text + key.top
}

fn containers(run: &common::Run) -> Vec<Value> {
    let spec = run.pod_spec();
    let mut all: Vec<Value> = spec["containers"].as_array().unwrap().clone();
    all.sort_by_key(|c| c["name"].as_str().unwrap()[1..].parse::<usize>().unwrap());
    all
}

#[test]
fn every_boolean_key_reads_every_spelling_compose_accepts() {
    for key in keys() {
        for (spellings, expected) in [(TRUE, true), (FALSE, false)] {
            let dir = compose_dir(&compose(&key, spellings));
            let run = Test::new()
                .args([
                    "convert",
                    "--kube-version",
                    "1.28",
                    "--health-probe",
                    "readiness",
                    // One Pod: `privileged` alone would give each its own.
                    "--strategy",
                    "pod",
                ])
                .current_dir(dir.path())
                .env("T", "yes")
                .env("F", "Off")
                .success();
            let found = containers(&run);
            assert_eq!(found.len(), spellings.len(), "{}", key.name);
            for (container, spelling) in found.iter().zip(spellings) {
                let read = (key.read)(container).unwrap_or(false);
                assert_eq!(read, expected, "`{}: {spelling}`", key.name);
            }
        }
    }
}

#[test]
fn a_value_that_is_no_boolean_is_an_error_at_its_position() {
    for key in keys() {
        for spelling in NOT_BOOLEAN {
            let dir = compose_dir(&compose(&key, &[spelling]));
            let run = Test::new()
                .args(["convert"])
                .current_dir(dir.path())
                .failure(1);
            let last = key.name.rsplit('.').next().unwrap();
            assert!(
                run.stderr.contains("must be a boolean") && run.stderr.contains(last),
                "`{}: {spelling}`:\n{}",
                key.name,
                run.stderr
            );
            assert!(run.stderr.contains("compose.yaml:"), "{}", run.stderr);
        }
    }
}

#[test]
fn other_boolean_keys_take_compose_spellings_and_refuse_others() {
    let ok = [
        "services:\n  s:\n    image: busybox\n    env_file: [{path: missing.env, required: \"no\"}]\n",
        "services:\n  s:\n    image: busybox\n    networks: [n]\nnetworks:\n  n: {external: \"yes\"}\n",
        "services:\n  s:\n    image: busybox\n    volumes: [v:/v]\nvolumes:\n  v:\n    external: ${X:-on}\n",
        "services:\n  s:\n    image: busybox\n    init: \"yes\"\n",
    ];
    for text in ok {
        let dir = compose_dir(text);
        Test::new()
            .args(["check"])
            .current_dir(dir.path())
            .success();
    }
    let bad = [
        (
            "env_file: [{path: a.env, required: maybe}]",
            "env_file.required",
        ),
        ("init: \"1\"", "init"),
        ("oom_kill_disable: banana", "oom_kill_disable"),
    ];
    for (body, what) in bad {
        let dir = compose_dir(&format!(
            "services:\n  s:\n    image: busybox\n    {body}\n"
        ));
        let run = Test::new().args(["check"]).current_dir(dir.path()).run();
        assert_eq!(run.code, 1, "{body}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("`{what}` must be a boolean")),
            "{body}: {}",
            run.stderr
        );
    }
}

#[test]
fn numbers_read_every_spelling_compose_accepts() {
    // (written retries, failureThreshold)
    let retries = [
        ("5", 5),
        ("\"5\"", 5),
        ("${N:-5}", 5),
        ("0x10", 16),
        ("010", 8),
        ("\"010\"", 10),
        ("1_0", 10),
        ("\"+7\"", 7),
        ("3.0", 3),
    ];
    for (written, expected) in retries {
        let dir = compose_dir(&format!(
            "services:\n  s:\n    image: busybox\n    healthcheck:\n      test: [CMD, x]\n      retries: {written}\n"
        ));
        let run = Test::new()
            .args(["convert", "--health-probe", "readiness"])
            .current_dir(dir.path())
            .success();
        let spec = run.pod_spec();
        assert_eq!(
            spec["containers"][0]["readinessProbe"]["failureThreshold"], expected,
            "retries: {written}"
        );
    }
    for (written, expected) in [
        ("0.5", "500m"),
        ("\"0.5\"", "500m"),
        ("${C:-1.5}", "1500m"),
        ("\"1e0\"", "1000m"),
    ] {
        let dir = compose_dir(&format!(
            "services:\n  s:\n    image: busybox\n    cpus: {written}\n"
        ));
        let run = Test::new()
            .args(["convert"])
            .current_dir(dir.path())
            .success();
        let spec = run.pod_spec();
        assert_eq!(
            spec["containers"][0]["resources"]["limits"]["cpu"], expected,
            "cpus: {written}"
        );
    }
}

#[test]
fn a_value_that_is_no_number_is_an_error_never_a_default() {
    let cases = [
        (
            "healthcheck: {test: [CMD, x], retries: abc}",
            "healthcheck.retries",
            "must be a whole number",
        ),
        (
            "healthcheck: {test: [CMD, x], retries: \"3.0\"}",
            "healthcheck.retries",
            "must be a whole number",
        ),
        (
            "healthcheck: {test: [CMD, x], retries: \"\"}",
            "healthcheck.retries",
            "must be a whole number",
        ),
        (
            "healthcheck: {test: [CMD, x], retries: true}",
            "healthcheck.retries",
            "must be a whole number",
        ),
        (
            "healthcheck: {test: [CMD, x], interval: 30}",
            "healthcheck.interval",
            "must be a duration",
        ),
        (
            "healthcheck: {test: [CMD, x], timeout: \"30\"}",
            "healthcheck.timeout",
            "must be a duration",
        ),
        (
            "stop_grace_period: 10",
            "stop_grace_period",
            "must be a duration",
        ),
        ("cpus: abc", "cpus", "must be a number"),
        ("scale: \"2.0\"", "scale", "must be a whole number"),
        ("scale: -1", "scale", "must be a whole number of at least 0"),
        (
            "deploy: {replicas: many}",
            "deploy.replicas",
            "must be a whole number",
        ),
        ("pids_limit: lots", "pids_limit", "must be a whole number"),
        ("mem_limit: abc", "mem_limit", "must be a size"),
        (
            "volumes: [{type: tmpfs, target: /t, tmpfs: {size: abc}}]",
            "volumes.tmpfs.size",
            "must be a size",
        ),
    ];
    for (body, what, says) in cases {
        let dir = compose_dir(&format!(
            "services:\n  s:\n    image: busybox\n    {body}\n"
        ));
        let run = Test::new()
            .args(["convert"])
            .current_dir(dir.path())
            .failure(1);
        assert!(
            run.stderr.contains(&format!("`{what}` {says}"))
                && run.stderr.contains("compose.yaml:4:"),
            "{body}:\n{}",
            run.stderr
        );
    }
}
