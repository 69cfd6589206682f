//! `--service-type NodePort|LoadBalancer` takes only the ports compose
//! published on all host addresses (issue 25, class 2): a Service that lets
//! peers in other Pods reach an `expose` port or a port published on one host
//! address stays `ClusterIP`, in every strategy and in the Helm chart's
//! values; the `port-host-only` note says what was made.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{self, Test};

/// `admin` listens on `web`'s port 80, so `auto` splits it off.
const COMPOSE: &str = r#"services:
  web:
    image: web
    ports: ["8080:80", "127.0.0.1:9000:9000"]
    expose: ["81"]
  db:
    image: postgres
    expose: ["5432"]
  admin:
    image: admin
    ports: ["127.0.0.1:7000:80"]
  cache:
    image: redis
    ports: ["6379"]
"#;

/// Service name → (type, ports).
fn services(objects: &[Value]) -> BTreeMap<String, (String, Vec<i64>)> {
    objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| {
            let mut ports: Vec<i64> = o["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["port"].as_i64().unwrap())
                .collect();
            ports.sort_unstable();
            let type_ = o["spec"]["type"]
                .as_str()
                .unwrap_or("ClusterIP")
                .to_string();
            (
                o["metadata"]["name"].as_str().unwrap().to_string(),
                (type_, ports),
            )
        })
        .collect()
}

fn convert(strategy: &str, type_: &str) -> (BTreeMap<String, (String, Vec<i64>)>, String) {
    let dir = common::compose_dir(COMPOSE);
    let mut args = vec!["--strategy", strategy, "--service-type", type_];
    if strategy == "pod" {
        // admin and web both listen on 80, each on its own address.
        args.extend(["--allow-shared-port", "80"]);
    }
    let run = common::convert_in(dir.path(), &args);
    (services(&run.objects()), run.stderr)
}

/// Fails on the old main: under `split` and `auto` every Service took the
/// requested type, `db` (never published) and `admin` (127.0.0.1 only)
/// included, and `web`'s Service exposed 81 and 9000.
#[test]
fn only_ports_published_on_all_addresses_take_the_service_type() {
    for strategy in ["pod", "split", "auto"] {
        for type_ in ["LoadBalancer", "NodePort"] {
            let (services, stderr) = convert(strategy, type_);
            for (name, (kind, ports)) in &services {
                if kind == type_ {
                    // Exactly the published ports: 8080 of web, 6379 of cache.
                    assert!(
                        ports == &[8080] || ports == &[6379],
                        "{strategy}: `{name}` is {type_} with {ports:?}: {services:?}"
                    );
                } else {
                    assert_eq!(kind, "ClusterIP", "{strategy}: {name}");
                }
            }
            let exposed: Vec<i64> = services
                .values()
                .filter(|(kind, _)| kind == type_)
                .flat_map(|(_, ports)| ports.clone())
                .collect();
            assert_eq!(exposed.len(), 2, "{strategy}: {services:?}\n{stderr}");
            assert!(exposed.contains(&8080) && exposed.contains(&6379));
            if strategy != "pod" {
                // Peers in other Pods still reach db and admin, inside the cluster.
                assert_eq!(services["db"].0, "ClusterIP", "{strategy}: {services:?}");
                assert_eq!(services["admin"].0, "ClusterIP", "{strategy}");
            }
        }
    }
}

/// Fails on the old main: under `split` the note said "podlift makes no
/// Service for it" while a Service (of the requested type) was made.
#[test]
fn the_host_only_note_names_the_service_that_was_made() {
    let (services, stderr) = convert("split", "LoadBalancer");
    assert!(services.contains_key("admin"), "{services:?}");
    let note: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("note[port-host-only]"))
        .collect();
    assert_eq!(note.len(), 1, "{stderr}");
    assert!(!note[0].contains("makes no Service"), "{}", note[0]);
    assert!(
        note[0].contains("the `ClusterIP` Service `admin`")
            && note[0].contains("the `ClusterIP` Service `web`")
            && note[0].contains("nothing outside the cluster reaches it"),
        "{}",
        note[0]
    );
    // One Pod: no Service carries them, and the note says so.
    let (services, stderr) = convert("pod", "LoadBalancer");
    assert!(!services.contains_key("admin"), "{services:?}");
    assert!(
        stderr.contains("`127.0.0.1:9000:9000/tcp` of `web`, `127.0.0.1:7000:80/tcp` of `admin` are published on a host address only, so under compose only that host reached them; podlift makes no Service for them"),
        "{stderr}"
    );
}

/// Fails on the old main: the chart's default type of every Service was the
/// requested one, `db`'s and `admin`'s included.
#[test]
fn helm_values_default_to_cluster_ip_for_peer_services() {
    let dir = common::compose_dir(COMPOSE);
    Test::new()
        .current_dir(dir.path())
        .args([
            "convert",
            "--strategy",
            "split",
            "--service-type",
            "LoadBalancer",
            "--format",
            "helm",
            "-o",
            "chart",
        ])
        .success();
    let values = std::fs::read_to_string(dir.path().join("chart/values.yaml")).unwrap();
    let values: Value = serde_saphyr::from_str(&values).unwrap();
    let types: BTreeMap<String, String> = values["services"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| (name.clone(), s["type"].as_str().unwrap().to_string()))
        .collect();
    let expected: BTreeMap<String, String> = [
        ("admin", ""),
        ("cache", "LoadBalancer"),
        ("db", ""),
        ("web", ""),
        ("web-public", "LoadBalancer"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(types, expected);
    assert_eq!(
        values["services"]["web-public"]["ports"],
        serde_json::json!({"tcp-8080": 8080})
    );
}

/// `plan` shows which Service reaches beyond the cluster, and the diagram's
/// `NAME-public` Service points at its container.
#[test]
fn plan_shows_the_type_and_the_public_service_points_at_its_container() {
    let dir = common::compose_dir(COMPOSE);
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "plan",
            "--strategy",
            "split",
            "--service-type",
            "LoadBalancer",
        ])
        .success();
    assert!(
        run.stdout
            .contains("web-public       8080 -> 80/tcp (LoadBalancer)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("db               5432 -> 5432/tcp\n"),
        "{}",
        run.stdout
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "plan",
            "--strategy",
            "split",
            "--service-type",
            "LoadBalancer",
            "--format",
            "mermaid",
        ])
        .success();
    assert!(
        run.stdout
            .contains("s_web_public([\"Service web-public: 8080\"]) --> c_web\n"),
        "{}",
        run.stdout
    );
}
