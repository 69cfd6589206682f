//! Red-team round: files Docker Compose v2 (2.40.3, `docker-compose config`)
//! accepts are accepted, files it refuses are refused. Each case says what
//! the reference answered for the same file.

use crate::common::{Test, compose_dir};

fn config(text: &str) -> crate::common::Run {
    let dir = compose_dir(text);
    Test::new().args(["config"]).current_dir(dir.path()).run()
}

#[test]
fn develop_watch_initial_sync_is_a_known_key() {
    // compose: accepted (`initial_sync` is in the schema of a watch rule)
    let run = config(
        "services:\n  web:\n    image: nginx\n    develop:\n      watch:\n        - path: ./src\n          action: sync\n          target: /app\n          initial_sync: true\n",
    );
    assert!(!run.stderr.contains("initial_sync"), "{}", run.stderr);
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn keys_that_are_not_strings_are_refused_everywhere() {
    // compose refuses each: "non-string key in services.web.environment: 1",
    // "non-string key at top level: 3", "non-string key in x-a: 5" …
    let cases = [
        "services:\n  web:\n    image: nginx\n    environment:\n      1: x\n",
        "services:\n  web:\n    image: nginx\n    labels:\n      2.5: x\n",
        "services:\n  1:\n    image: nginx\n",
        "services:\n  web:\n    image: nginx\n3: x\n",
        "services:\n  web:\n    image: nginx\nx-a:\n  5: x\n",
        "services:\n  web:\n    image: nginx\n    healthcheck:\n      true: x\n",
        "services:\n  web:\n    image: nginx\n    sysctls:\n      1: x\n",
        "services:\n  web:\n    image: nginx\n    1: x\n",
    ];
    for text in cases {
        let run = config(text);
        assert_eq!(run.code, 1, "{text}\n{}", run.stderr);
        assert!(
            run.stderr.contains("error[key-not-string]") && run.stderr.contains("quote it"),
            "{text}\n{}",
            run.stderr
        );
    }
    // a quoted key is a string, as compose reads it
    let run = config("services:\n  web:\n    image: nginx\n    environment:\n      \"1\": x\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn services_at_the_top_level_are_told_to_move_under_services() {
    // compose file format v1; compose 2.40.3 refuses it ("additional
    // properties 'web' not allowed"). Before the schema check, podlift said
    // to move the services under `services:`; each unknown key must say so
    // too, not "remove it".
    let run = config("web:\n  image: nginx\ndb:\n  build: .\n");
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("unknown top-level key `web`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("this looks like a service (compose file format v1 wrote services at the top level): move it under `services:`"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("remove it, or prefix"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_prints_a_fraction_of_a_cpu() {
    // compose prints `cpus: 0.1`; podlift took 0.1 for zero bytes and left it out
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(compose_dir("services:\n  s:\n    image: x\n    cpus: 0.1\n").path())
        .success();
    let project: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        project["services"]["s"]["cpus"],
        serde_json::json!(0.1),
        "{}",
        run.stdout
    );
}

#[test]
fn config_prints_one_device_per_target_as_compose_does() {
    // compose 2.40.3: the last entry for a target, where the first was written
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(
            compose_dir(
                "services:\n  s:\n    image: x\n    devices: [\"/dev/a:/dev/b\", \"/dev/d:/dev/e\", \"/dev/c:/dev/b\", \"/dev/f:/dev/a\"]\n",
            )
            .path(),
        )
        .success();
    let project: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let sources: Vec<&str> = project["services"]["s"]["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, ["/dev/c", "/dev/d", "/dev/f"], "{}", run.stdout);
}

#[test]
fn names_compose_does_not_allow_are_refused() {
    // compose 2.40.3 refuses each: "services additional properties 'a b'
    // not allowed", "volumes additional properties 'v/x' not allowed",
    // "services.a.depends_on additional properties '' not allowed",
    // "services.a.networks additional properties 'a b' not allowed"
    let cases = [
        (
            "services:\n  \"a b\":\n    image: x\n",
            "service name `a b`",
        ),
        (
            "services:\n  a:\n    image: x\nvolumes:\n  \"v/x\": {}\n",
            "volume name `v/x`",
        ),
        (
            "services:\n  a:\n    image: x\n    depends_on: {\"\": {condition: service_started}}\n",
            "`depends_on` name ``",
        ),
        (
            "services:\n  a:\n    image: x\n    networks: {\"a b\": {}}\nnetworks:\n  \"a b\": {}\n",
            "service network name `a b`",
        ),
    ];
    for (text, says) in cases {
        let run = config(text);
        assert_eq!(run.code, 1, "{text}\n{}", run.stderr);
        assert!(
            run.stderr.contains("error[name-characters]") && run.stderr.contains(says),
            "{text}\n{}",
            run.stderr
        );
    }
    // compose accepts these: a top-level network's name is not checked, nor
    // a service's networks written as a list
    for text in [
        "services:\n  a:\n    image: x\n    networks: [\"a b\"]\nnetworks:\n  \"a b\": {}\n",
        "services:\n  a:\n    image: x.y_z-1\n  b.c_d-1:\n    image: x\n",
    ] {
        let run = config(text);
        assert!(
            !run.stderr.contains("name-characters"),
            "{text}\n{}",
            run.stderr
        );
    }
}

#[test]
fn an_empty_name_in_a_list_is_refused_also_for_a_service_left_out() {
    // compose 2.40.3, `config a`: `service "odd" refers to undefined network`,
    // `service "odd" depends on undefined service ""`
    for text in [
        "services:\n  a:\n    image: x\n  odd:\n    image: y\n    networks: [\"\"]\n",
        "services:\n  a:\n    image: x\n  odd:\n    image: y\n    depends_on: [\"\"]\n",
    ] {
        let dir = compose_dir(text);
        let run = Test::new()
            .args(["config", "a"])
            .current_dir(dir.path())
            .run();
        assert_eq!(run.code, 1, "{text}\n{}", run.stderr);
        assert!(
            run.stderr.contains("error[name-characters]"),
            "{text}\n{}",
            run.stderr
        );
    }
}
