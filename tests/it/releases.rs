//! Release after release: two versions of an application convert to objects
//! whose names stay where what they hold stayed (issue 29 item 1), so
//! `kubectl apply --prune` and `helm upgrade` update them in place instead of
//! deleting one Deployment and starting another on the same claims.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::compose_dir;
use serde_json::Value;

/// The objects of converting `text` with the defaults (`--strategy auto`).
fn convert(text: &str, args: &[&str]) -> Vec<Value> {
    let dir = compose_dir(text);
    std::fs::write(dir.path().join("mongod.conf"), "storage: {}\n").unwrap();
    common::convert_in(dir.path(), args).objects()
}

/// Each service's workload (Deployment) name.
fn workload_of(objects: &[Value]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for deployment in objects.iter().filter(|o| o["kind"] == "Deployment") {
        let name = deployment["metadata"]["name"].as_str().unwrap();
        let spec = &deployment["spec"]["template"]["spec"];
        for list in ["initContainers", "containers"] {
            for c in spec[list].as_array().into_iter().flatten() {
                let container = c["name"].as_str().unwrap();
                if container != "podlift-loopback" {
                    out.insert(container.to_string(), name.to_string());
                }
            }
        }
    }
    out
}

fn names(objects: &[Value], kind: &str) -> BTreeSet<String> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

const MONGO: &str = "  mongo:
    image: mongo:7
    ports: [\"27017:27017\"]
    volumes: [db:/data/db, ./mongod.conf:/etc/mongod.conf:ro]
";
const AMF: &str = "  amf:
    image: amf:1
    ports: [\"8080:8080\"]
    volumes: [./mongod.conf:/etc/amf/mongod.conf:ro]
";
const SMF: &str = "  smf:
    image: smf:1
    ports: [\"8080:8080\"]
";
const SEPP: &str = "  sepp:
    image: sepp:1
    ports: [\"8080:8080\"]
";

fn app(services: &[&str]) -> String {
    format!(
        "name: core\nservices:\n{}volumes:\n  db: {{}}\n",
        services.concat()
    )
}

/// What stayed from `before` to `after` keeps its name: each service's
/// workload, and every claim, ConfigMap and Service of `before`.
fn assert_kept(before: &[Value], after: &[Value], same_pod: &[&str]) {
    let (old, new) = (workload_of(before), workload_of(after));
    for service in same_pod {
        assert_eq!(
            old.get(*service),
            new.get(*service),
            "the workload of `{service}` was renamed:\n{old:?}\n{new:?}"
        );
    }
    for kind in ["PersistentVolumeClaim", "ConfigMap", "Service"] {
        let (old, new) = (names(before, kind), names(after, kind));
        assert!(
            old.is_subset(&new),
            "{kind}s renamed or dropped: {:?}",
            old.difference(&new).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_service_added_at_the_top_renames_nothing_that_stayed() {
    let before = convert(&app(&[MONGO, AMF, SMF]), &[]);
    let after = convert(&app(&[SEPP, MONGO, AMF, SMF]), &[]);
    // `mongo` and `amf` share the largest Pod: it keeps the project's name.
    assert_eq!(workload_of(&before)["mongo"], "core");
    assert_eq!(workload_of(&after)["mongo"], "core");
    assert_kept(&before, &after, &["mongo", "smf"]);
    // The same files in another order give the same names.
    let reordered = convert(&app(&[SMF, AMF, MONGO]), &[]);
    assert_eq!(workload_of(&reordered)["mongo"], "core");
    assert_eq!(workload_of(&reordered)["smf"], "core-smf");
    assert_eq!(names(&reordered, "ConfigMap"), names(&before, "ConfigMap"));
}

#[test]
fn growing_from_one_pod_to_two_keeps_the_first_pods_name() {
    let before = convert(&app(&[MONGO, AMF]), &[]);
    assert_eq!(
        names(&before, "Deployment"),
        BTreeSet::from(["core".into()])
    );
    // `smf` clashes with `amf` on 8080: a second Pod, placed before the
    // others in the file.
    let after = convert(&app(&[SMF, MONGO, AMF]), &[]);
    assert_eq!(names(&after, "Deployment").len(), 2);
    assert_kept(&before, &after, &["mongo", "amf"]);
    assert_eq!(workload_of(&after)["smf"], "core-smf");
}

#[test]
fn split_pods_are_named_after_a_member_that_stays() {
    let before = convert(&app(&[MONGO, AMF, SMF]), &["--strategy", "split"]);
    let after = convert(&app(&[SEPP, MONGO, AMF, SMF]), &["--strategy", "split"]);
    assert_kept(&before, &after, &["mongo", "smf"]);
    // A group keeps its `x-podlift.group` name whichever member comes first.
    let grouped_smf = "  smf:\n    image: smf:1\n    x-podlift: {group: session}\n";
    let grouped_sepp = "  sepp:\n    image: sepp:1\n    x-podlift: {group: session}\n";
    let grouped = |order: &[&str]| workload_of(&convert(&app(order), &["--strategy", "split"]));
    let a = grouped(&[grouped_smf, grouped_sepp, MONGO]);
    let b = grouped(&[grouped_sepp, MONGO, grouped_smf]);
    assert_eq!(a, b);
    assert_eq!(a["smf"], "core-session");
    assert_eq!(a["mongo"], "core-mongo");
}
