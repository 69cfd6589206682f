//! Shipping to a customer's (often air-gapped) cluster: the images to mirror
//! (`podlift config --images`, the note naming the iptables init image,
//! the chart's `global.imageRegistry`) and a chart whose `Chart.yaml` says
//! what its manifests need (issue 29 item 2, issue 27 item 7).

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Test, compose_dir, helm};
use serde_json::Value;

const SEED: &str = "examples/seed/compose.yaml";

/// Two services on one port, each with a preset address: two Pods.
const TWO_PODS: &str = "name: shop
services:
  db:
    image: postgres:16
    expose: [\"8080\"]
    networks: {n: {ipv4_address: 10.9.0.2}}
  app:
    image: registry.local:5000/shop/app:2
    expose: [\"8080\"]
    networks: {n: {ipv4_address: 10.9.0.3}}
  worker:
    image: postgres:16
    networks: {n: {ipv4_address: 10.9.0.4}}
networks:
  n: {ipam: {config: [{subnet: 10.9.0.0/24}]}}
";

fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

#[test]
fn config_images_lists_every_image_the_output_pulls() {
    // One Pod: the application's images and busybox for the addresses.
    let run = Test::new()
        .args(["config", "--images", "-f", SEED])
        .success();
    assert_eq!(
        lines(&run.stdout),
        [
            "app",
            "app1",
            "app2",
            "db",
            "docker.io/library/busybox:1.36.1"
        ]
    );
    // Several Pods: the iptables image instead, each image once, sorted.
    let dir = compose_dir(TWO_PODS);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["config", "--images"])
        .success();
    assert_eq!(
        lines(&run.stdout),
        [
            "docker.io/rancher/klipper-lb:v0.4.17",
            "postgres:16",
            "registry.local:5000/shop/app:2"
        ]
    );
    // What the output pulls is what `convert` writes.
    let objects = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success()
        .objects();
    let mut written: Vec<String> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .flat_map(|d| {
            let spec = &d["spec"]["template"]["spec"];
            ["initContainers", "containers"]
                .iter()
                .flat_map(|l| spec[l].as_array().cloned().unwrap_or_default())
                .map(|c| c["image"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    written.sort();
    written.dedup();
    assert_eq!(lines(&run.stdout), written);
    // The strategy flags choose as they do for `convert`.
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "config",
            "--images",
            "--strategy",
            "pod",
            "--init-image",
            "mirror.local/tools/ip:1",
        ])
        .success();
    assert_eq!(
        lines(&run.stdout),
        [
            "mirror.local/tools/ip:1",
            "postgres:16",
            "registry.local:5000/shop/app:2"
        ]
    );
}

#[test]
fn the_note_on_the_init_image_names_the_iptables_image() {
    let dir = compose_dir(TWO_PODS);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check"])
        .success();
    let note: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("note[init-image-iptables]"))
        .collect();
    assert_eq!(note.len(), 1, "{}", run.stderr);
    assert!(
        note[0].contains(
            "`docker.io/rancher/klipper-lb:v0.4.17`, not `docker.io/library/busybox:1.36.1`"
        ),
        "{note:?}"
    );
    assert!(
        run.stderr.contains("podlift config --images"),
        "{}",
        run.stderr
    );
    // Chosen by the user: nothing to say.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--init-image", "mirror.local/tools/ip:1"])
        .success();
    assert!(
        !run.stderr.contains("init-image-iptables"),
        "{}",
        run.stderr
    );
}

/// Converts `file` into a chart in a new directory.
fn chart(file: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("chart");
    Test::new()
        .args(["convert", "-f", file, "--format", "helm", "-o"])
        .args([dir.to_str().unwrap()])
        .args(args)
        .success();
    (out, dir)
}

fn chart_yaml(dir: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap()).unwrap()
}

/// `helm ARGS…`, asserting success; its stdout.
fn helm_ok(helm: &Path, args: &[&str]) -> String {
    let output = Command::new(helm).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "helm {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn images_of(rendered: &str) -> Vec<String> {
    let mut images: Vec<String> = rendered
        .lines()
        .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("image: "))
        .map(|i| i.trim_matches('"').to_string())
        .collect();
    images.sort();
    images.dedup();
    images
}

#[test]
fn the_chart_needs_what_its_manifests_use_not_the_version_targeted() {
    // The seed starts `db` before `app` with a native sidecar: 1.29.
    let (_out, dir) = chart(SEED, &["--kube-version", "1.33"]);
    let meta = chart_yaml(&dir);
    assert_eq!(meta["kubeVersion"], ">= 1.29.0-0");
    // The images' tags are each component's version, not the application's.
    assert!(meta.get("appVersion").is_none(), "{meta}");
    // Without sidecars (below 1.29 start order is the container list):
    // Pod Security admission's 1.25.
    let (_out2, old) = chart(SEED, &["--kube-version", "1.28"]);
    assert_eq!(chart_yaml(&old)["kubeVersion"], ">= 1.25.0-0");
    let Some(helm) = helm() else { return };
    for dir in [&dir, &old] {
        let chart = dir.to_str().unwrap();
        helm_ok(&helm, &["lint", "--strict", chart]);
        // Helm's own default Kubernetes version, no `--kube-version`.
        helm_ok(&helm, &["template", "r", chart]);
        // A customer cluster on 1.29 takes the seed's chart.
        helm_ok(&helm, &["template", "r", chart, "--kube-version", "1.29.0"]);
    }
}

#[test]
fn one_registry_for_every_image_of_the_chart() {
    let dir = compose_dir(TWO_PODS);
    let file = dir.path().join("compose.yaml");
    let (_out, chart_dir) = chart(file.to_str().unwrap(), &[]);
    let values: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(chart_dir.join("values.yaml")).unwrap())
            .unwrap();
    assert_eq!(values["global"]["imageRegistry"], "");
    // The per-image values stay beside it.
    assert_eq!(values["images"]["db"]["repository"], "postgres");
    let Some(helm) = helm() else { return };
    let chart = chart_dir.to_str().unwrap();
    let default = helm_ok(&helm, &["template", "r", chart]);
    let listed = Test::new()
        .current_dir(dir.path())
        .args(["config", "--images"])
        .success()
        .stdout;
    assert_eq!(images_of(&default), lines(&listed));
    let mirrored = helm_ok(
        &helm,
        &[
            "template",
            "r",
            chart,
            "--set",
            "global.imageRegistry=mirror.corp:5000/vendor",
        ],
    );
    assert_eq!(
        images_of(&mirrored),
        [
            "mirror.corp:5000/vendor/library/postgres:16",
            "mirror.corp:5000/vendor/rancher/klipper-lb:v0.4.17",
            "mirror.corp:5000/vendor/shop/app:2",
        ]
    );
    // A per-image value still applies under the global registry.
    let one = helm_ok(
        &helm,
        &[
            "template",
            "r",
            chart,
            "--set",
            "global.imageRegistry=mirror.corp",
            "--set",
            "images.db.tag=16.4",
        ],
    );
    assert!(
        images_of(&one).contains(&"mirror.corp/library/postgres:16.4".to_string()),
        "{one}"
    );
}
