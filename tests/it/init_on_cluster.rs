//! What podlift's own init containers and volumes do on a real cluster
//! (red team, round 4): a `--bind-root` mapping never hands a container the
//! node, and every init container podlift adds has resource limits, so a
//! namespace whose ResourceQuota asks for them admits the Pod. Every test
//! fails on the main before it.

use serde_json::Value;

use crate::common::{self, Run, Test};

fn convert(dir: &std::path::Path, args: &[&str]) -> Run {
    common::converting(dir, &[&["-p", "core"], args].concat()).run()
}

/// `--bind-root /` makes `./etc/kubernetes` the node's `/etc/kubernetes`:
/// the mapped path is refused as the same path written absolute is
/// (`bind-node-control`), whatever the root's spelling; a harmless path
/// still maps.
#[test]
fn a_bind_root_mapping_onto_node_control_paths_is_refused() {
    let text = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./etc/kubernetes:/k\n      - ./var/lib/kubelet:/kl\n      - ../../run/containerd:/c\n      - ./data:/data\n";
    let dir = common::compose_dir(text);
    for sub in ["etc/kubernetes/pki", "var/lib/kubelet/pods", "data/sub"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    for root in ["/", "/srv/..", "//", "/a/b"] {
        let run = convert(dir.path(), &["--bind-root", root]);
        assert_eq!(run.code, 1, "--bind-root {root}: {}", run.stdout);
        for written in ["./etc/kubernetes", "./var/lib/kubelet"] {
            if root == "/a/b" {
                continue;
            }
            assert!(
                run.stderr.contains("error[bind-node-control]")
                    && run.stderr.contains(&format!("(written `{written}`")),
                "--bind-root {root}, {written}: {}",
                run.stderr
            );
        }
        // `/a/b/../../run/containerd` is `/run/containerd` for every root.
        assert!(
            run.stderr.contains("written `../../run/containerd`"),
            "--bind-root {root}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("/etc/kubernetes"), "{}", run.stdout);
    }
    // A root under which nothing maps onto the node's own paths converts.
    let text = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./etc/kubernetes:/k\n      - ./data:/data\n";
    let dir = common::compose_dir(text);
    for sub in ["etc/kubernetes/pki", "data/sub"] {
        std::fs::create_dir_all(dir.path().join(sub)).unwrap();
    }
    let run = convert(dir.path(), &["--bind-root", "/srv/core"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("path: /srv/core/etc/kubernetes"));
}

fn init(spec: &Value, name: &str) -> Value {
    spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no init container `{name}` in {spec}"))
        .clone()
}

/// A namespace with a ResourceQuota on `limits.cpu`/`limits.memory` admits
/// a Pod only when every container, init ones too, has those limits: the
/// service sets its own, so podlift's `podlift-copy` must set them as
/// `podlift-wait` does.
#[test]
fn the_copy_init_container_has_requests_and_limits() {
    let text = "services:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/app\n    deploy: {resources: {limits: {cpus: '1', memory: 100M}}}\n";
    let dir = common::compose_dir(text);
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/app.conf"), "a = 1\n").unwrap();
    let run = convert(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let copy = init(&run.pod_spec(), "podlift-copy");
    for list in ["requests", "limits"] {
        for resource in ["cpu", "memory"] {
            assert!(
                copy["resources"][list][resource].is_string(),
                "{list}.{resource}: {copy}"
            );
        }
    }
}

/// The claim names of the container `app`'s mounts, by mount path, and the
/// names of the PersistentVolumeClaims made.
fn claims_of(run: &Run) -> (Vec<(String, String)>, Vec<String>) {
    let spec = run.pod_spec();
    let volumes = spec["volumes"].as_array().unwrap();
    let mounts = spec["containers"][0]["volumeMounts"].as_array().unwrap();
    let by_path = mounts
        .iter()
        .filter_map(|m| {
            let volume = volumes.iter().find(|v| v["name"] == m["name"]).unwrap();
            let claim = volume["persistentVolumeClaim"]["claimName"].as_str()?;
            Some((
                m["mountPath"].as_str().unwrap().to_string(),
                claim.to_string(),
            ))
        })
        .collect();
    let made = run
        .objects()
        .iter()
        .filter(|o| o["kind"] == "PersistentVolumeClaim")
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    (by_path, made)
}

/// Different directories never share one claim: a bind mount's claim
/// (`PROJECT-bind-DIR`, `PROJECT-SERVICE-bind-N`) is apart from every named
/// volume's claim and from each other, also when a long project name cuts
/// them to 63 characters (they all came out as the cut project name, so
/// `./conf`, `./data` and volume `bind-conf` were one disk).
#[test]
fn bind_claims_never_share_a_name_with_another_claim() {
    let long = "a-very-very-long-project-name-that-goes-on-and-on-and-on-forever";
    let text = format!(
        "name: {long}\nservices:\n  app:\n    image: app:1\n    volumes:\n      - ./conf:/etc/conf\n      - bind-conf:/x\n      - ./data:/data\n      - bind-data:/y\n      - app-bind-4:/z\n      - /srv/outside:/o\n    x-podlift: {{bind-as: pvc}}\nvolumes:\n  bind-conf: {{}}\n  bind-data: {{}}\n  app-bind-4: {{}}\n"
    );
    let dir = common::compose_dir(&text);
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    std::fs::write(dir.path().join("conf/app.conf"), "a = 1\n").unwrap();
    for project in [long, "core"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "-p", project])
            .run();
        assert_eq!(run.code, 0, "{}", run.stderr);
        let (mounts, made) = claims_of(&run);
        assert_eq!(mounts.len(), 6, "{mounts:?}");
        let mut names: Vec<&String> = mounts.iter().map(|(_, c)| c).collect();
        names.sort();
        names.dedup();
        assert_eq!(
            names.len(),
            6,
            "-p {project}: one claim per directory: {mounts:?}"
        );
        let mut made = made.clone();
        made.sort();
        made.dedup();
        assert_eq!(made.len(), 6, "-p {project}: {made:?}");
        assert!(made.iter().all(|n| n.len() <= 63), "{made:?}");
    }
}
