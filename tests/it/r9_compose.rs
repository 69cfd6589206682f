//! Round 9: compose's reading of keys podlift read differently, each case
//! run through Docker Compose 2.40.3 (`docker-compose -f FILE config
//! --format json`); the tests quote what compose said.

use crate::common;

use common::{Test, compose_dir};

fn run(args: &[&str], compose: &str) -> common::Run {
    let dir = compose_dir(compose);
    Test::new().args(args).current_dir(dir.path()).run()
}

#[test]
fn a_pull_policy_compose_does_not_know_is_refused_where_it_is_written() {
    // compose: `services.a.pull_policy 'sometimes' does not match pattern
    // 'always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+'`,
    // the same for `Always`, `every_5`, `every_` and `""`; podlift r8 only
    // warned (`pull-policy`) and converted
    for policy in ["sometimes", "Always", "every_5", "every_", "\"\""] {
        let compose = format!("services:\n  a:\n    image: x\n    pull_policy: {policy}\n");
        let check = run(&["check"], &compose);
        assert_eq!(check.code, 1, "{policy}: {}", check.stderr);
        assert!(
            check.stderr.contains("error[pull-policy-invalid]")
                && check.stderr.contains("compose.yaml:4:18"),
            "{policy}: {}",
            check.stderr
        );
        let config = run(&["config"], &compose);
        assert_eq!(config.code, 1, "{policy}: {}", config.stderr);
        assert!(config.stdout.is_empty(), "{policy}: {}", config.stdout);
    }
}

#[test]
fn a_pull_policy_compose_finds_a_known_one_in_is_taken() {
    // compose searches for its pattern: `xalwaysx`, `daily2` and
    // `every_1d2h` pass and print as written; only the exact ones mean
    // something to Kubernetes, the others keep the `pull-policy` warning
    for policy in ["xalwaysx", "daily2", "every_1d2h", "refresh", "weekly"] {
        let compose = format!("services:\n  a:\n    image: x\n    pull_policy: {policy}\n");
        let config = run(&["config", "--format", "json"], &compose);
        assert_eq!(config.code, 0, "{policy}: {}", config.stderr);
        let printed: serde_json::Value = serde_json::from_str(&config.stdout).expect("json");
        assert_eq!(printed["services"]["a"]["pull_policy"], policy);
        let check = run(&["check"], &compose);
        assert!(
            check.stderr.contains("warning[pull-policy]"),
            "{policy}: {}",
            check.stderr
        );
        assert!(
            !check.stderr.contains("pull-policy-invalid"),
            "{policy}: {}",
            check.stderr
        );
    }
    for policy in ["always", "never", "missing", "if_not_present", "build"] {
        let compose = format!("services:\n  a:\n    image: x\n    pull_policy: {policy}\n");
        let check = run(&["check"], &compose);
        assert!(
            !check.stderr.contains("pull-policy"),
            "{policy}: {}",
            check.stderr
        );
    }
}

#[test]
fn a_wrong_value_under_an_anchor_that_services_merge_is_reported_once() {
    // apache/airflow's docker-compose.yaml keeps `image:` under
    // `x-airflow-common: &airflow-common`, merged by six services: one
    // wrong value gave six identical errors for its one line
    let compose = "x-common: &common
  image: \"apache/airflow:|version|\"
services:
  a: *common
  b: *common
  c:
    <<: *common
  d:
    <<: *common
    image: \"apache/airflow:|version|\"
";
    for args in [
        &["check"][..],
        &["check", "-v"],
        &["check", "--format", "json"],
    ] {
        let run = run(args, compose);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let text = format!("{}{}", run.stdout, run.stderr);
        let at_anchor = if args.contains(&"json") {
            text.matches("\"line\": 2").count()
        } else {
            text.matches("compose.yaml:2:10").count()
        };
        assert_eq!(at_anchor, 1, "{args:?}: {text}");
        // `d` writes its own value on line 10: a second place, a second error
        assert!(
            text.contains(":10:") || text.contains("\"line\": 10"),
            "{args:?}: {text}"
        );
    }
}

/// A named volume of the `local` driver with `driver_opts.type: tmpfs`
/// (Kong/docker-kong's `kong_prefix_vol` and `kong_tmp_vol`): Docker mounts
/// one tmpfs that the services using it share, empty at each start. It was
/// a PersistentVolumeClaim (a disk that keeps what is written, with a
/// `key-not-carried` warning); it is an `emptyDir` in memory, one per Pod.
#[test]
fn a_tmpfs_volume_is_an_empty_dir_in_memory_shared_in_the_pod() {
    let compose = "services:
  a:
    image: a
    volumes: [cache:/cache]
  b:
    image: b
    volumes: [cache:/var/cache:ro]
volumes:
  cache:
    driver_opts:
      type: tmpfs
      device: tmpfs
      o: size=100m,uid=1000
";
    let dir = compose_dir(compose);
    let run = Test::new().args(["convert"]).current_dir(dir.path()).run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects = common::documents(&run.stdout);
    assert!(
        objects.iter().all(|o| o["kind"] != "PersistentVolumeClaim"),
        "{}",
        run.stdout
    );
    let pod = objects
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .expect("a Deployment");
    let spec = &pod["spec"]["template"]["spec"];
    let memory: Vec<&serde_json::Value> = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["emptyDir"]["medium"] == "Memory")
        .collect();
    assert_eq!(memory.len(), 1, "{spec}");
    assert_eq!(memory[0]["emptyDir"]["sizeLimit"], "100Mi", "{spec}");
    let name = memory[0]["name"].clone();
    for (container, path, read_only) in [("a", "/cache", false), ("b", "/var/cache", true)] {
        let mounts = spec["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == container)
            .unwrap()["volumeMounts"]
            .clone();
        let mount = mounts
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{container}: {mounts}"))
            .clone();
        assert_eq!(mount["mountPath"], path);
        assert_eq!(mount["readOnly"] == true, read_only, "{mount}");
    }
    // `uid=1000` is not carried: said where it is written
    assert!(
        run.stderr.contains("without its tmpfs options `uid=1000`")
            && run.stderr.contains("compose.yaml:13:10"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("`driver_opts` is not carried"),
        "{}",
        run.stderr
    );
}

/// Split into Pods, each Pod gets its own `emptyDir` of the volume: what
/// one service writes, the other does not see any more; a note says so.
#[test]
fn a_tmpfs_volume_split_across_pods_is_one_per_pod_and_said() {
    let compose = "services:
  a:
    image: a
    volumes: [cache:/cache]
  b:
    image: b
    volumes: [cache:/cache]
volumes:
  cache:
    driver_opts: {type: tmpfs, device: tmpfs}
";
    let dir = compose_dir(compose);
    let run = Test::new()
        .args(["convert", "--strategy", "split"])
        .current_dir(dir.path())
        .run();
    assert_eq!(run.code, 0, "{}", run.stderr);
    let objects = common::documents(&run.stdout);
    let pods: Vec<&serde_json::Value> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .collect();
    assert_eq!(pods.len(), 2, "{}", run.stdout);
    for pod in pods {
        let volumes = &pod["spec"]["template"]["spec"]["volumes"];
        assert!(
            volumes
                .as_array()
                .unwrap()
                .iter()
                .any(|v| v["emptyDir"]["medium"] == "Memory"),
            "{volumes}"
        );
    }
    assert!(
        run.stderr.contains("note[bind-not-shared]")
            && run.stderr.contains("`volume cache` in Pods"),
        "{}",
        run.stderr
    );
}
