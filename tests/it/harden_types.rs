//! Keys Docker Compose v2.40.3's schema types as strings only: a YAML number
//! or boolean there (`domainname: 1`, `cap_add: [1]`, `environment: [1]`)
//! makes compose refuse the file (`services.a.domainname must be a string`,
//! `services.a.cap_add.[0]: unexpected type int`), in every file of `-f`
//! (an override that quotes it does not help) and in services not named on
//! the command line. podlift refuses them the same way; a quoted `"1"` is
//! text. Each verdict below was asked of `docker-compose config` 2.40.3.

use crate::common::{Test, compose_dir};

/// `podlift check` of `compose` in a fresh directory: exit code and stderr.
fn check(compose: &str, args: &[&str]) -> (i32, String) {
    let dir = compose_dir(compose);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check"])
        .args(args)
        .run();
    (run.code, run.stderr)
}

/// Scalar keys: compose refuses a number and a boolean; the last six also
/// null (`pid: null` is taken, `ipc`, `platform`, `uts`, `userns_mode`:
/// podlift's model refuses null already).
const SCALARS: &[&str] = &[
    "domainname",
    "stop_signal",
    "pid",
    "ipc",
    "platform",
    "mac_address",
    "cgroup_parent",
    "runtime",
    "isolation",
    "tmpfs",
    "uts",
    "userns_mode",
];

/// List keys whose items compose takes as strings only.
const LISTS: &[&str] = &[
    "environment",
    "labels",
    "annotations",
    "sysctls",
    "extra_hosts",
    "links",
    "profiles",
    "cap_add",
    "cap_drop",
    "security_opt",
    "devices",
    "tmpfs",
    "volumes_from",
    "label_file",
];

/// Fails on main 82c8715: every one of these was accepted (exit 0).
#[test]
fn string_only_keys_refuse_numbers_and_booleans_as_compose_does() {
    for key in SCALARS {
        for value in ["1", "true", "1.5"] {
            let compose = format!("services:\n  a:\n    image: x\n    {key}: {value}\n");
            let (code, stderr) = check(&compose, &[]);
            assert_eq!(code, 1, "{key}: {value}\n{stderr}");
            assert!(
                stderr.contains(&format!("`{key}` must be a string, found `{value}`")),
                "{key}: {value}\n{stderr}"
            );
        }
        let compose = format!("services:\n  a:\n    image: x\n    {key}: \"1\"\n");
        let (code, stderr) = check(&compose, &[]);
        assert!(
            !stderr.contains("must be a string"),
            "{key}: \"1\"\n{stderr} ({code})"
        );
    }
    for key in LISTS {
        for value in ["1", "true"] {
            let compose = format!("services:\n  a:\n    image: x\n    {key}: [{value}]\n");
            let (code, stderr) = check(&compose, &[]);
            assert_eq!(code, 1, "{key}: [{value}]\n{stderr}");
            assert!(
                stderr.contains(&format!("`{key} item` must be a string, found `{value}`")),
                "{key}: [{value}]\n{stderr}"
            );
        }
    }
}

/// Compose takes `pid: null` and refuses `domainname: null` (and the other
/// keys podlift does not carry).
#[test]
fn null_is_refused_where_compose_refuses_it() {
    let (code, stderr) = check("services:\n  a:\n    image: x\n    pid: null\n", &[]);
    assert_eq!(code, 0, "{stderr}");
    for key in [
        "domainname",
        "stop_signal",
        "mac_address",
        "cgroup_parent",
        "runtime",
        "isolation",
    ] {
        let (code, stderr) = check(
            &format!("services:\n  a:\n    image: x\n    {key}: null\n"),
            &[],
        );
        assert_eq!(code, 1, "{key}\n{stderr}");
        assert!(
            stderr.contains(&format!("`{key}` must be a string, found null")),
            "{stderr}"
        );
    }
}

/// Compose checks each file before merging, and services not named.
#[test]
fn every_file_and_every_service_is_checked() {
    let dir = compose_dir("services:\n  a:\n    image: x\n    domainname: 1\n");
    std::fs::write(
        dir.path().join("override.yaml"),
        "services:\n  a:\n    domainname: y\n",
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-f", "compose.yaml", "-f", "override.yaml"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    let (code, stderr) = check(
        "services:\n  a:\n    image: x\n  b:\n    image: y\n    cap_add: [1]\n",
        &["a"],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`cap_add item` must be a string"),
        "{stderr}"
    );
}

/// A hook's `environment` list too (`services.a.post_start.0.environment.0
/// must be a string`).
#[test]
fn a_hooks_environment_items_are_strings() {
    let (code, stderr) = check(
        "services:\n  a:\n    image: x\n    post_start:\n      - command: x\n        environment: [1]\n",
        &[],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("`environment item` must be a string"),
        "{stderr}"
    );
}

/// `name: ${UNSET}` (or a variable set to nothing) is refused as compose
/// 2.40.3 refuses it ("project name must not be empty"); a `name: ""`
/// written so is no name (the directory's is taken), and `-p` or
/// `COMPOSE_PROJECT_NAME` still win. Fails on 82c8715: the directory's
/// name was taken.
#[test]
fn a_project_name_interpolated_to_nothing_is_refused() {
    let dir = compose_dir("name: ${UNSET}\nservices:\n  a:\n    image: x\n");
    let run = Test::new()
        .current_dir(dir.path())
        .env_remove("UNSET")
        .args(["config"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("project-name-empty"), "{}", run.stderr);
    let run = Test::new()
        .current_dir(dir.path())
        .env("COMPOSE_PROJECT_NAME", "zz")
        .args(["config"])
        .success();
    assert!(run.stdout.starts_with("name: zz\n"), "{}", run.stdout);
    let dir = compose_dir("name: \"\"\nservices:\n  a:\n    image: x\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["config"])
        .success();
    assert!(!run.stdout.starts_with("name: \"\""), "{}", run.stdout);
}
