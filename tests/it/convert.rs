//! `podlift convert`: the seed becomes one Pod; names, addresses, commands.

use crate::common;

use common::{Test, fixture, repo};

const SEED: &str = "examples/seed/compose.yaml";

#[test]
fn seed_snapshot() {
    let run = Test::new().args(["convert", "-f", SEED]).success();
    insta::assert_snapshot!("seed", run.stdout);
}

#[test]
fn seed_is_one_deployment_with_four_containers() {
    let run = Test::new().args(["convert", "-f", SEED]).success();
    let objects = run.objects();
    // The Deployment and its NetworkPolicy.
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["kind"], "NetworkPolicy");
    let deployment = &objects[1];
    assert_eq!(deployment["kind"], "Deployment");
    assert_eq!(deployment["metadata"]["name"], "seed");
    assert_eq!(
        deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "podlift"
    );
    assert_eq!(deployment["spec"]["replicas"], 1);
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate");
    assert_eq!(
        deployment["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
        deployment["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"]
    );
    let spec = run.pod_spec();
    let containers: Vec<(&str, &str)> = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["image"].as_str().unwrap()))
        .collect();
    // Kubernetes >= 1.29 (default 1.33): what others wait for starts first as
    // a native sidecar, after the loopback init container.
    assert_eq!(containers, [("app1", "app1"), ("app2", "app2")]);
    let init: Vec<(&str, Option<&str>)> = spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["restartPolicy"].as_str()))
        .collect();
    assert_eq!(
        init,
        [
            ("podlift-loopback", None),
            ("db", Some("Always")),
            ("app", Some("Always"))
        ]
    );
}

#[test]
fn below_1_29_all_services_are_containers_in_dependency_order() {
    let run = Test::new()
        .args(["convert", "-f", SEED, "--kube-version", "1.28"])
        .success();
    let spec = run.pod_spec();
    let containers = common::names_in(&spec, "containers");
    assert_eq!(containers, ["db", "app", "app1", "app2"]);
    assert_eq!(spec["initContainers"].as_array().unwrap().len(), 1);
    assert!(
        run.stderr.contains("warning[start-order]"),
        "{}",
        run.stderr
    );
    insta::assert_snapshot!("seed-1.28", run.stdout);
}

#[test]
fn only_the_init_container_gets_net_admin() {
    let run = Test::new().args(["convert", "-f", SEED]).success();
    let spec = run.pod_spec();
    let init = &spec["initContainers"][0];
    assert_eq!(init["name"], "podlift-loopback");
    assert_eq!(init["image"], "docker.io/library/busybox:1.36.1");
    let security = &init["securityContext"];
    assert_eq!(
        security["capabilities"]["add"],
        serde_json::json!(["NET_ADMIN"])
    );
    assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
    assert_eq!(security["privileged"], false);
    for container in spec["containers"].as_array().unwrap() {
        assert!(container.get("securityContext").is_none(), "{container}");
    }
}

#[test]
fn privileged_init_is_opt_in() {
    let run = Test::new()
        .args(["convert", "-f", SEED, "--privileged-init"])
        .success();
    let security = &run.pod_spec()["initContainers"][0]["securityContext"];
    assert_eq!(security["privileged"], true);
    assert!(security.get("capabilities").is_none());
}

#[test]
fn seed_addresses_go_on_loopback_as_host_routes() {
    let run = Test::new().args(["convert", "-f", SEED]).success();
    let script = run.init_script();
    let replaces = common::replace_lines(&script);
    assert_eq!(
        replaces,
        [
            "ip addr replace 169.254.253.2/32 dev lo scope host",
            "ip addr replace 169.254.253.7/32 dev lo scope host",
            "ip addr replace 169.254.253.11/32 dev lo scope host",
        ]
    );
    assert!(
        !script.contains("addr add"),
        "`add` fails when the init step runs again"
    );
}

#[test]
fn seed_names_resolve_to_their_addresses() {
    let run = Test::new().args(["convert", "-f", SEED]).success();
    assert_eq!(
        run.host_aliases(),
        [
            (
                "169.254.253.2".to_string(),
                vec!["db".to_string(), "app".to_string()]
            ),
            ("169.254.253.7".to_string(), vec!["app1".to_string()]),
            ("169.254.253.11".to_string(), vec!["app2".to_string()]),
        ]
    );
}

#[test]
fn extra_addresses_from_flag_and_file_collapse_and_sort() {
    let compose = fixture("addresses").join("compose.yaml");
    let run = Test::new()
        .args([
            "convert",
            "-f",
            compose.to_str().unwrap(),
            "--extra-ip",
            "169.254.253.4",
            "--extra-ip",
            "169.254.253.11",
        ])
        .success();
    let script = run.init_script();
    let replaces = common::replace_lines(&script);
    assert_eq!(
        replaces,
        [
            "ip addr replace 169.254.253.3/32 dev lo scope host",
            "ip addr replace 169.254.253.4/32 dev lo scope host",
            "ip addr replace 169.254.253.7/32 dev lo scope host",
            "ip addr replace 169.254.253.11/32 dev lo scope host",
            "ip addr replace 169.254.253.12/32 dev lo scope host",
            "ip addr replace 169.254.254.11/32 dev lo scope host",
            "ip addr replace fd00:253::7/128 dev lo",
        ]
    );
    assert_eq!(
        run.pod_spec()["initContainers"][0]["image"],
        "registry.example.com/tools/busybox:1.36.1"
    );
    insta::assert_snapshot!("addresses", run.stdout);
}

#[test]
fn init_image_flag_beats_the_file() {
    let compose = fixture("addresses").join("compose.yaml");
    let run = Test::new()
        .args([
            "convert",
            "-f",
            compose.to_str().unwrap(),
            "--init-image",
            "local/busybox:test",
        ])
        .success();
    assert_eq!(
        run.pod_spec()["initContainers"][0]["image"],
        "local/busybox:test"
    );
}

#[test]
fn names_cover_container_name_hostname_aliases_and_links() {
    let compose = fixture("names").join("compose.yaml");
    let run = Test::new()
        .args(["convert", "-f", compose.to_str().unwrap()])
        .success();
    assert_eq!(
        run.host_aliases(),
        [
            ("127.0.0.1".to_string(), vec![]),
            (
                "169.254.10.2".to_string(),
                [
                    "db",
                    "legacy-db",
                    "dbhost",
                    "database",
                    "pg.internal",
                    "worker",
                    "sql"
                ]
                .map(String::from)
                .to_vec()
            ),
            ("169.254.10.3".to_string(), vec!["api".to_string()]),
            (
                "169.254.10.99".to_string(),
                vec!["license.vendor.example".to_string()]
            ),
        ]
        .into_iter()
        .filter(|(_, names)| !names.is_empty())
        .collect::<Vec<_>>()
    );
    // `web_front` is no valid host name: said, not silently dropped.
    assert!(
        run.stderr.contains("`web_front` is not a valid host name"),
        "{}",
        run.stderr
    );
    // Its container name is sanitised.
    let names: Vec<String> = run.pod_spec()["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"web-front".to_string()), "{names:?}");
    insta::assert_snapshot!("names", run.stdout);
}

#[test]
fn entrypoint_is_command_and_command_is_args() {
    let compose = fixture("commands").join("compose.yaml");
    let run = Test::new()
        .args(["convert", "-f", compose.to_str().unwrap()])
        .success();
    let spec = run.pod_spec();
    let by_name = |n: &str| {
        spec["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == n)
            .unwrap()
            .clone()
    };
    let shell = by_name("shell");
    assert_eq!(shell["command"], serde_json::json!(["/bin/sh", "-c"]));
    assert_eq!(
        shell["args"],
        serde_json::json!(["echo", "hello world", "&&", "sleep", "1"])
    );
    let list = by_name("list");
    assert_eq!(
        list["command"],
        serde_json::json!(["/docker-entrypoint.sh"])
    );
    assert_eq!(
        list["args"],
        serde_json::json!(["--port", "8080", "--flag=yes"])
    );
    let plain = by_name("plain");
    assert!(plain.get("command").is_none() && plain.get("args").is_none());
    // `yes` and `8080` stay strings in the output YAML.
    assert!(
        run.stdout.contains("- \"8080\"") || run.stdout.contains("- '8080'"),
        "{}",
        run.stdout
    );
    insta::assert_snapshot!("commands", run.stdout);
}

#[test]
fn output_is_byte_identical_and_independent_of_the_working_directory() {
    let first = Test::new().args(["convert", "-f", SEED]).success();
    let second = Test::new().args(["convert", "-f", SEED]).success();
    assert_eq!(first.stdout, second.stdout);
    let absolute = repo().join(SEED);
    let elsewhere = Test::new()
        .current_dir(&std::env::temp_dir())
        .args(["convert", "-f", absolute.to_str().unwrap()])
        .success();
    assert_eq!(first.stdout, elsewhere.stdout);
    let inside = Test::new()
        .current_dir(&repo().join("examples/seed"))
        .args(["convert"])
        .success();
    assert_eq!(
        first.stdout, inside.stdout,
        "default file discovery gives the same output"
    );
}

#[test]
fn project_name_precedence_follows_docker_compose() {
    let compose = fixture("names").join("compose.yaml");
    let path = compose.to_str().unwrap();
    let name = |run: &common::Run| {
        run.objects()[0]["metadata"]["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // `name:` in the file beats the directory.
    assert_eq!(
        name(&Test::new().args(["convert", "-f", path]).success()),
        "names"
    );
    // COMPOSE_PROJECT_NAME beats `name:`.
    assert_eq!(
        name(
            &Test::new()
                .env("COMPOSE_PROJECT_NAME", "fromenv")
                .args(["convert", "-f", path])
                .success()
        ),
        "fromenv"
    );
    // -p beats everything.
    assert_eq!(
        name(
            &Test::new()
                .env("COMPOSE_PROJECT_NAME", "fromenv")
                .args(["convert", "-f", path, "-p", "Flag_Name"])
                .success()
        ),
        "flag-name"
    );
    // Without any, the directory of the compose file.
    assert_eq!(
        name(&Test::new().args(["convert", "-f", SEED]).success()),
        "seed"
    );
}

#[test]
fn compose_file_variable_is_used_without_f() {
    let run = Test::new()
        .env("COMPOSE_FILE", SEED)
        .args(["convert"])
        .success();
    assert_eq!(run.objects()[0]["metadata"]["name"], "seed");
}

#[test]
fn keys_not_carried_over_are_reported_with_their_line() {
    let compose = fixture("unmapped").join("compose.yaml");
    let run = Test::new()
        .args(["convert", "-f", compose.to_str().unwrap()])
        .success();
    assert!(
        run.stderr
            .contains("warning[key-not-carried]: service key `logging` is not carried over"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:5:5]"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("`x-note`"),
        "extension fields are accepted silently"
    );
    // --strict turns the warnings into a failure, with nothing on stdout.
    Test::new()
        .args(["convert", "--strict", "-f", compose.to_str().unwrap()])
        .failure(1);
}

#[test]
fn input_errors_exit_1_with_every_problem_and_no_output() {
    let compose = fixture("bad-network-mode").join("compose.yaml");
    let run = Test::new()
        .args([
            "convert",
            "--strategy",
            "pod",
            "-f",
            compose.to_str().unwrap(),
        ])
        .failure(1);
    for expected in [
        "error[network-mode-target]: service `app` shares the network namespace of `missing`, which is not a service",
        "error[network-mode-host]: service `host` uses `network_mode: host`",
        "error[depends-on-unknown]: service `other` depends on `nowhere`, which is not a service",
        "compose.yaml:5:19]",
        "3 errors, 0 warnings",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn missing_file_is_an_input_error() {
    let run = Test::new()
        .args(["convert", "-f", "does/not/exist.yaml"])
        .failure(1);
    assert!(
        run.stderr.contains("cannot read `does/not/exist.yaml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn no_compose_file_in_the_directory_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(run.stderr.contains("no compose file in"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml"),
        "{}",
        run.stderr
    );
}

#[test]
fn yaml_syntax_error_names_the_line() {
    let dir = common::compose_dir("services:\n  app:\n    image: [unclosed\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(run.stderr.contains("error[yaml-syntax]"), "{}", run.stderr);
    assert!(run.stderr.contains("compose.yaml:"), "{}", run.stderr);
}

#[test]
fn usage_errors_exit_2() {
    Test::new().args(["convert", "--no-such-flag"]).failure(2);
    Test::new()
        .args(["convert", "--extra-ip", "not-an-ip"])
        .failure(2);
    Test::new().args(["frobnicate"]).failure(2);
}

#[test]
fn help_goes_to_stdout_and_exits_0() {
    let run = Test::new().args(["--help"]).success();
    assert!(run.stdout.contains("convert"));
}

/// `--kube-version` takes what `kubectl version` prints of a release
/// (`1.28`, `v1.28`, `1.28.3`, `v1.28.3+k3s1`) and nothing else: a typo
/// (`1.28.x`, `+1.28`, `vv1.28`, `1..28`, `2.0`, `0.28`) is a usage error,
/// not a version that silently turns native sidecars on or off.
#[test]
fn kube_version_takes_a_release_and_refuses_anything_else() {
    for good in ["1.28", "v1.28", "1.28.3", "v1.28.3+k3s1", "1.28.3-eks-1"] {
        let run = Test::new()
            .args(["convert", "-f", SEED, "--kube-version", good])
            .run();
        assert_eq!(run.code, 0, "{good}: {}", run.stderr);
        assert!(
            run.stderr.contains("warning[start-order]"),
            "{good}: {}",
            run.stderr
        );
    }
    for bad in [
        "1.28.x", "+1.28", "1.+28", "vv1.28", "1..28", "1.28.", "2.0", "0.28", "1.28.3.4",
    ] {
        let run = Test::new()
            .args(["convert", "-f", SEED, "--kube-version", bad])
            .run();
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{bad}");
        assert!(
            run.stderr.contains("is not a Kubernetes version"),
            "{bad}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_project_whose_name_normalises_to_nothing_is_refused_as_compose_refuses_it() {
    // compose: "project name must not be empty" (`name: "!!!"`, a project
    // in `/` or in `___`); podlift named it `` (objects `-data`) or `default`
    let dir = tempfile::tempdir().unwrap();
    let named = dir.path().join("compose.yaml");
    std::fs::write(&named, "name: \"!!!\"\nservices:\n  a:\n    image: a:1\n").unwrap();
    let run = Test::new()
        .args(["convert", "-f", named.to_str().unwrap()])
        .failure(1);
    assert!(
        run.stderr.contains("error[project-name-empty]") && run.stdout.is_empty(),
        "{}",
        run.stderr
    );
    let odd = dir.path().join("___");
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(
        odd.join("compose.yaml"),
        "services:\n  a:\n    image: a:1\n",
    )
    .unwrap();
    let run = Test::new().current_dir(&odd).args(["convert"]).failure(1);
    assert!(run.stderr.contains("project-name-empty"), "{}", run.stderr);
    // `name: ""` is no name: compose takes the directory's
    let blank = dir.path().join("shop");
    std::fs::create_dir(&blank).unwrap();
    std::fs::write(
        blank.join("compose.yaml"),
        "name: \"\"\nservices:\n  a:\n    image: a:1\n",
    )
    .unwrap();
    let run = Test::new().current_dir(&blank).args(["convert"]).success();
    assert_eq!(run.objects()[0]["metadata"]["name"], "shop");
    // a name given wins over the directory
    let run = Test::new()
        .current_dir(&odd)
        .args(["convert", "-p", "shop"])
        .success();
    assert_eq!(run.objects()[0]["metadata"]["name"], "shop");
}
