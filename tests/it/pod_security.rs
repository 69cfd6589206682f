//! Security defaults as Docker's, and the least Pod Security level (issue 20,
//! part C): every Pod runs under the runtime's default seccomp profile, and
//! the namespace is labelled with the strictest Pod Security Standard level
//! the manifests satisfy, which `check` reports with the container that
//! needs it.

use crate::common;

use serde_json::Value;

use common::{Test, fixture};

const SEED: &str = "examples/seed/compose.yaml";

fn workloads(objects: &[Value]) -> Vec<&Value> {
    objects
        .iter()
        .filter(|o| ["Deployment", "StatefulSet", "Pod"].contains(&o["kind"].as_str().unwrap()))
        .collect()
}

fn pod_spec(workload: &Value) -> &Value {
    if workload["kind"] == "Pod" {
        &workload["spec"]
    } else {
        &workload["spec"]["template"]["spec"]
    }
}

/// The enforce label of the Namespace `--create-namespace` emits for `text`.
fn namespace_level(text: &str, extra: &[&str]) -> String {
    let dir = common::compose_dir(text);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-n", "shop", "--create-namespace"])
        .args(extra)
        .success();
    let objects = run.objects();
    let namespace = objects.iter().find(|o| o["kind"] == "Namespace").unwrap();
    namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Fails on the old main: Pods ran `Unconfined` (Kubernetes' default), while
/// Docker runs every container under its default profile.
#[test]
fn every_pod_runs_under_the_runtime_default_seccomp_profile() {
    let product = fixture("product").join("compose.yaml");
    let split = fixture("split").join("compose.yaml");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (SEED.to_string(), vec![]),
        (product.to_string_lossy().into_owned(), vec![]),
        (
            product.to_string_lossy().into_owned(),
            vec!["--controller", "statefulset"],
        ),
        (SEED.to_string(), vec!["--controller", "pod"]),
        (
            split.to_string_lossy().into_owned(),
            vec!["--strategy", "split"],
        ),
    ];
    for (file, args) in cases {
        let run = Test::new()
            .args(["convert", "-f", &file])
            .args(&args)
            .success();
        let objects = run.objects();
        let workloads = workloads(&objects);
        assert!(!workloads.is_empty());
        for workload in workloads {
            assert_eq!(
                pod_spec(workload)["securityContext"]["seccompProfile"]["type"],
                "RuntimeDefault",
                "{file} {args:?}: {workload}"
            );
        }
    }
}

/// Fails on the old main, which labelled every namespace `privileged`.
#[test]
fn an_app_without_preset_addresses_or_capabilities_gets_baseline() {
    let plain = "services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n  db:\n    image: postgres:16\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data: {}\n";
    assert_eq!(namespace_level(plain, &[]), "baseline");
    // a capability `baseline` allows stays `baseline`
    let chown = "services:\n  web:\n    image: nginx:1.27\n    cap_add: [CHOWN]\n";
    assert_eq!(namespace_level(chown, &[]), "baseline");
}

#[test]
fn net_admin_privileged_and_host_paths_need_privileged() {
    let preset = "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.253.7}}\nnetworks:\n  back: {}\n";
    assert_eq!(namespace_level(preset, &[]), "privileged");
    assert_eq!(
        namespace_level(preset, &["--privileged-init"]),
        "privileged"
    );
    let privileged = "services:\n  app:\n    image: app:1\n    privileged: true\n";
    assert_eq!(namespace_level(privileged, &[]), "privileged");
    let net_raw = "services:\n  app:\n    image: app:1\n    cap_add: [NET_RAW]\n";
    assert_eq!(namespace_level(net_raw, &[]), "privileged");
    let host_path =
        "services:\n  app:\n    image: app:1\n    volumes: ['/var/log:/host-logs:ro']\n";
    assert_eq!(namespace_level(host_path, &[]), "privileged");
}

/// `check` names the level and the container that needs it; a note says
/// what to label when the level is `privileged`.
#[test]
fn check_reports_the_level_and_the_container_that_needs_it() {
    let run = Test::new().args(["check", "-f", SEED]).success();
    assert!(
        run.stdout.contains(
            "pod security: `privileged`: `baseline` refuses container `podlift-loopback` of Deployment `seed` (adds capability `NET_ADMIN`)"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("note[pod-security]"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("pod-security.kubernetes.io/enforce=privileged"),
        "{}",
        run.stderr
    );

    let dir = common::compose_dir(
        "services:\n  web:\n    image: nginx:1.27\n  root:\n    image: busybox\n    privileged: true\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "shop"])
        .success();
    assert!(
        run.stdout.contains(
            "pod security: `privileged`: `baseline` refuses container `root` of Deployment `shop` (runs privileged)"
        ),
        "{}",
        run.stdout
    );

    let dir = common::compose_dir("services:\n  web:\n    image: nginx:1.27\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "shop"])
        .success();
    assert!(
        run.stdout.contains(
            "pod security: `baseline`: `restricted` refuses container `web` of Deployment `shop` (does not set `allowPrivilegeEscalation: false`, does not set `runAsNonRoot: true`, does not drop capability `ALL`)"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stderr.contains("pod-security"), "{}", run.stderr);
}

/// Under the split strategy, only the Pods that need it are named.
#[test]
fn split_names_each_pod_that_needs_privileged() {
    let dir = common::compose_dir(
        "services:\n  web:\n    image: nginx:1.27\n  tool:\n    image: busybox\n    cap_add: [SYS_ADMIN]\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "shop", "--strategy", "split"])
        .success();
    assert!(
        run.stdout.contains(
            "pod security: `privileged`: `baseline` refuses container `tool` of Deployment `shop-tool` (adds capability `SYS_ADMIN`)"
        ),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("`web`"), "{}", run.stdout);
}

/// `check --format json` carries the level and what needs it, for CI.
#[test]
fn check_json_carries_the_level() {
    let dir = common::compose_dir("services:\n  web:\n    image: nginx:1.27\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "shop", "--format", "json"])
        .success();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["podSecurity"]["level"], "baseline");
    let needs = report["podSecurity"]["needs"].as_array().unwrap();
    assert!(needs.iter().all(|n| n["container"] == "web"), "{needs:?}");
    assert!(
        needs
            .iter()
            .any(|n| n["reason"] == "does not set `runAsNonRoot: true`"),
        "{needs:?}"
    );
}
