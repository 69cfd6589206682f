//! `--controller`: the object that runs the Pod.

use crate::common;

use common::{Test, fixture};
use serde_json::json;

#[test]
fn a_bare_pod_carries_the_template() {
    let run = Test::new()
        .args([
            "convert",
            "--controller",
            "pod",
            "-f",
            "examples/seed/compose.yaml",
        ])
        .success();
    let objects = run.objects();
    // The Pod and its NetworkPolicy.
    assert_eq!(objects.len(), 2);
    assert_eq!(objects[0]["kind"], "NetworkPolicy");
    let pod = &objects[1];
    assert_eq!(pod["kind"], "Pod");
    assert_eq!(pod["metadata"]["name"], "seed");
    assert_eq!(pod["metadata"]["labels"]["app.kubernetes.io/name"], "seed");
    assert_eq!(pod["spec"]["initContainers"][0]["name"], "podlift-loopback");
    insta::assert_snapshot!("controller-pod", run.stdout);
}

#[test]
fn a_stateful_set_gives_each_replica_its_own_claim() {
    let compose = fixture("product").join("compose.yaml");
    let run = Test::new()
        .args([
            "convert",
            "--controller",
            "statefulset",
            "-f",
            compose.to_str().unwrap(),
        ])
        .success();
    let objects = run.objects();
    assert!(
        !objects.iter().any(|o| o["kind"] == "PersistentVolumeClaim"),
        "claims come from templates"
    );
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    let templates = &set["spec"]["volumeClaimTemplates"];
    assert_eq!(templates[0]["metadata"]["name"], "dbdata");
    assert_eq!(
        templates[0]["spec"]["resources"],
        json!({"requests": {"storage": "1Gi"}})
    );
    let volumes = set["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap();
    assert!(
        !volumes.iter().any(|v| v["name"] == "dbdata"),
        "the Pod mounts the template's claim"
    );
    insta::assert_snapshot!("controller-statefulset", run.stdout);
}

#[test]
fn a_stateful_set_names_its_service_as_older_kubernetes_requires() {
    // `spec.serviceName` is required by Kubernetes 1.28's schema.
    let compose = fixture("product").join("compose.yaml");
    let run = Test::new()
        .args([
            "convert",
            "--controller",
            "statefulset",
            "-f",
            compose.to_str().unwrap(),
        ])
        .success();
    let set = run
        .objects()
        .into_iter()
        .find(|o| o["kind"] == "StatefulSet")
        .unwrap();
    assert_eq!(set["spec"]["serviceName"], set["metadata"]["name"]);
    let Some(validate) = common::kubernetes_validate() else {
        return;
    };
    for version in ["1.28.0", common::KUBE_VERSION] {
        common::assert_valid_manifests_at(&validate, &run.stdout, "the StatefulSet", version);
    }
}

#[test]
fn stateful_replicas_are_allowed_with_a_stateful_set() {
    let dir = common::compose_dir(
        "services:\n  db:\n    image: db\n    restart: always\n    deploy: {replicas: 2}\n    volumes: [data:/data]\nvolumes:\n  data: {}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "convert",
            "--strategy",
            "split",
            "--controller",
            "statefulset",
        ])
        .success();
    let set = run
        .objects()
        .into_iter()
        .find(|o| o["kind"] == "StatefulSet")
        .unwrap();
    assert_eq!(set["spec"]["replicas"], 2);
}
