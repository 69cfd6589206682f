//! Compose networks isolate; under `--strategy split` each Pod's
//! NetworkPolicy reproduces which Pods may reach which, and an internal
//! network has no way out but the cluster's DNS (issue 20, part C). In one
//! Pod a note says what the shared namespace no longer separates.

use crate::common;

use serde_json::Value;

use common::Test;

const COMPOSE: &str = "services:
  web:
    image: nginx:1.27
    ports: ['8080:80']
    networks: [front]
  api:
    image: api:1
    expose: ['9000']
    networks: [front, back]
  db:
    image: postgres:16
    expose: ['5432']
    networks:
      back: {ipv4_address: 169.254.9.2}
  tool:
    image: busybox
    network_mode: service:db
networks:
  front: {}
  back:
    internal: true
    ipam: {config: [{subnet: 169.254.9.0/24}]}
";

fn split(text: &str) -> Vec<Value> {
    let dir = common::compose_dir(text);
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "shop", "--strategy", "split"])
        .success()
        .objects()
}

/// The policy whose podSelector picks workload `name`'s Pods.
fn policy_of<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    let policies: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "NetworkPolicy")
        .filter(|o| o["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == name)
        .collect();
    assert_eq!(policies.len(), 1, "one policy for {name}");
    policies[0]
}

/// The workloads (but `own`) whose Pods a list of peers selects, sorted:
/// each selector is matched against the Pods' labels, as a CNI does.
fn selected(objects: &[Value], peers: &Value, own: &str) -> Vec<String> {
    let mut names: Vec<String> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|o| &o["spec"]["template"]["metadata"]["labels"])
        .filter(|labels| {
            peers.as_array().unwrap().iter().any(|peer| {
                let wanted = peer["podSelector"]["matchLabels"].as_object().unwrap();
                peer["namespaceSelector"].is_null() && wanted.iter().all(|(k, v)| labels[k] == *v)
            })
        })
        .map(|labels| {
            labels["app.kubernetes.io/name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .filter(|name| name != own)
        .collect();
    names.sort();
    names
}

/// Fails on the old main: no NetworkPolicy was made, every Pod reached every other.
#[test]
fn each_pod_admits_only_the_pods_it_shares_a_network_with() {
    let objects = split(COMPOSE);
    let workloads: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .collect();
    assert_eq!(workloads.len(), 3, "web, api, db with tool");
    for workload in &workloads {
        let labels = &workload["spec"]["template"]["metadata"]["labels"];
        let name = labels["app.kubernetes.io/name"].as_str().unwrap();
        let policy = policy_of(&objects, name);
        assert!(
            policy["spec"]["policyTypes"]
                .as_array()
                .unwrap()
                .contains(&Value::from("Ingress"))
        );
    }
    // web (front) ← api; and anyone on the published port
    let web = &policy_of(&objects, "shop-web")["spec"];
    assert_eq!(
        selected(&objects, &web["ingress"][0]["from"], "shop-web"),
        ["shop-api"]
    );
    assert!(web["ingress"][1]["from"].is_null(), "published: any source");
    assert_eq!(
        web["ingress"][1]["ports"][0]["port"], 80,
        "the container port"
    );
    assert!(
        web["egress"].is_null(),
        "front is not internal: no egress rule"
    );
    // api (front, back) ← web, db
    let api = &policy_of(&objects, "shop-api")["spec"];
    assert_eq!(
        selected(&objects, &api["ingress"][0]["from"], "shop-api"),
        ["shop-db", "shop-web"]
    );
    assert_eq!(
        api["ingress"].as_array().unwrap().len(),
        1,
        "nothing published"
    );
    assert_eq!(api["policyTypes"], serde_json::json!(["Ingress"]));
    // db and tool (back, internal) ← api only; out only to api and the DNS
    let db = &policy_of(&objects, "shop-db")["spec"];
    assert_eq!(
        selected(&objects, &db["ingress"][0]["from"], "shop-db"),
        ["shop-api"]
    );
    assert_eq!(db["policyTypes"], serde_json::json!(["Ingress", "Egress"]));
    let egress = db["egress"].as_array().unwrap();
    assert_eq!(egress.len(), 2);
    let dns = &egress[0];
    assert_eq!(
        dns["to"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
        "kube-system"
    );
    assert_eq!(
        dns["to"][0]["podSelector"]["matchLabels"]["k8s-app"],
        "kube-dns"
    );
    let ports: Vec<(i64, &str)> = dns["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["port"].as_i64().unwrap(), p["protocol"].as_str().unwrap()))
        .collect();
    assert_eq!(ports, [(53, "UDP"), (53, "TCP")]);
    assert_eq!(
        selected(&objects, &egress[1]["to"], "shop-db"),
        ["shop-api"]
    );
    // Another project's Pods on a network of the same name are not admitted.
    let from = &db["ingress"][0]["from"][0]["podSelector"]["matchLabels"];
    assert_eq!(from["podlift.io/network.back"], "shop", "{from}");
    assert!(
        egress[1]["ports"].is_null(),
        "any port, as on a compose network"
    );
}

/// Services on one network (compose's `default`) all admit each other;
/// nothing is internal, so nothing restricts egress. Each policy names the
/// networks, not the peers: its size does not grow with the number of Pods.
#[test]
fn one_network_admits_every_pod() {
    let objects = split(
        "services:\n  a:\n    image: a:1\n    expose: ['80']\n  b:\n    image: b:1\n    expose: ['80']\n  c:\n    image: c:1\n",
    );
    for (name, peers) in [
        ("shop-a", ["shop-b", "shop-c"]),
        ("shop-b", ["shop-a", "shop-c"]),
        ("shop-c", ["shop-a", "shop-b"]),
    ] {
        let spec = &policy_of(&objects, name)["spec"];
        assert_eq!(selected(&objects, &spec["ingress"][0]["from"], name), peers);
        assert_eq!(spec["ingress"][0]["from"].as_array().unwrap().len(), 1);
        assert!(spec["egress"].is_null());
    }
}

/// A Pod that shares no network with any other admits nobody but its
/// published ports' clients.
#[test]
fn a_pod_alone_on_its_network_admits_no_peer() {
    let objects = split(
        "services:\n  a:\n    image: a:1\n    networks: [x]\n  b:\n    image: b:1\n    networks: [y]\nnetworks:\n  x: {}\n  y: {}\n",
    );
    let spec = &policy_of(&objects, "shop-a")["spec"];
    assert!(
        selected(&objects, &spec["ingress"][0]["from"], "shop-a").is_empty(),
        "{spec}"
    );
    assert_eq!(
        spec["ingress"].as_array().unwrap().len(),
        1,
        "nothing published"
    );
}

/// Fails on the old main: one Pod silently joined what compose kept apart.
#[test]
fn one_pod_notes_what_its_namespace_no_longer_separates() {
    let dir = common::compose_dir(COMPOSE);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "shop"])
        .success();
    assert!(
        run.stderr.contains("note[network-isolation]"),
        "{}",
        run.stderr
    );
    for expected in [
        "`db` and `web`",
        "`tool` and `web`",
        "internal network `back`",
        "--strategy split",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    let shared = common::compose_dir("services:\n  a:\n    image: a:1\n  b:\n    image: b:1\n");
    let run = Test::new()
        .current_dir(shared.path())
        .args(["convert"])
        .success();
    assert!(!run.stderr.contains("network-isolation"), "{}", run.stderr);
}

/// Under `--strategy auto`, a Pod that holds services compose kept on
/// different networks is named in the note; a Pod of one network is not.
#[test]
fn each_pod_that_joins_separate_networks_is_named() {
    let dir = common::compose_dir(
        "services:
  web:
    image: web:1
    expose: ['80']
    networks: [front]
  db:
    image: db:1
    expose: ['5432']
    networks: [back]
  web2:
    image: web:1
    expose: ['80']
    networks: [front]
networks:
  front: {}
  back: {}
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "shop", "-v"])
        .success();
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("note[network-isolation]"))
        .collect();
    // `web` and `db` share the first Pod; `web2` (a port clash with `web`)
    // gets its own, on one network only.
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(notes[0].contains("in Pod `shop`"), "{notes:?}");
    assert!(notes[0].contains("`db` and `web`"), "{notes:?}");
}

/// Fails on the old main: the policy opened b's container port (8080, the
/// port a's rule holds), not the stand-in port b's Service targets, so
/// clients of b's published port were dropped by the NetworkPolicy.
#[test]
fn a_shared_port_opens_the_stand_in_port_its_service_targets() {
    let dir = common::compose_dir(
        "services:
  a:
    image: a
    ports: [\"8080:8080\"]
    networks: {net: {ipv4_address: 10.62.0.21}}
  b:
    image: b
    ports: [\"8081:8080\"]
    networks: {net: {ipv4_address: 10.62.0.22}}
    x-podlift: {group: a}
  c:
    image: c
    expose: ['9000']
    networks: {net: {ipv4_address: 10.62.0.23}}
networks:
  net:
    ipam: {config: [{subnet: 10.62.0.0/24}]}
",
    );
    let objects = Test::new()
        .current_dir(dir.path())
        .args([
            "convert",
            "-p",
            "shared",
            "--strategy",
            "split",
            "--allow-shared-port",
            "8080",
            "--inbound-dnat",
        ])
        .success()
        .objects();
    let b_targets: Vec<i64> = objects
        .iter()
        .filter(|o| o["kind"] == "Service" && o["metadata"]["name"] == "b")
        .flat_map(|s| s["spec"]["ports"].as_array().unwrap().clone())
        .map(|p| p["targetPort"].as_i64().unwrap())
        .collect();
    assert!(b_targets.contains(&40000), "{b_targets:?}");
    let policy = &policy_of(&objects, "shared-a")["spec"];
    let published: Vec<(i64, &str)> = policy["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule["from"].is_null())
        .flat_map(|rule| rule["ports"].as_array().unwrap())
        .map(|p| (p["port"].as_i64().unwrap(), p["protocol"].as_str().unwrap()))
        .collect();
    assert_eq!(published, [(8080, "TCP"), (40000, "TCP")]);
}

/// The ingress rules of `policy` that admit any client: their ports.
fn open_ports(policy: &Value) -> Vec<i64> {
    policy["spec"]["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|rule| rule["from"].is_null())
        .flat_map(|rule| rule["ports"].as_array().unwrap().clone())
        .map(|port| port["port"].as_i64().unwrap())
        .collect()
}

const ONE_POD: &str = "services:
  web: {image: nginx:1.25, ports: ['8080:80'], networks: [front]}
  db:  {image: postgres:16, ports: ['127.0.0.1:5432:5432'], networks: [back]}
networks: {front: {}, back: {internal: true}}
";

/// Fails on the old main: the one Pod (the `auto` result, `--strategy pod`,
/// a split with one Pod) had no NetworkPolicy, so every Pod of the cluster
/// reached the database published on 127.0.0.1 only. Now it admits any
/// client only on the port compose published on all addresses, and peers
/// by network label as split Pods do.
#[test]
fn the_one_pod_has_its_network_policy() {
    for strategy in ["auto", "pod", "split"] {
        let text = if strategy == "split" {
            "services:\n  web: {image: nginx:1.25, ports: ['8080:80'], expose: ['5432'], networks: [back]}\nnetworks: {back: {internal: true}}\n"
        } else {
            ONE_POD
        };
        let dir = common::compose_dir(text);
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "-p", "shop", "--strategy", strategy])
            .success();
        let objects = run.objects();
        let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
        let name = deployment["metadata"]["name"].as_str().unwrap();
        let policy = policy_of(&objects, name);
        let labels = &deployment["spec"]["template"]["metadata"]["labels"];
        if strategy == "split" {
            // No port of any client; only internal networks: egress kept in.
            assert_eq!(open_ports(policy), Vec::<i64>::new(), "{strategy}");
            assert!(policy["spec"]["egress"].is_array(), "{strategy}");
            assert_eq!(labels["podlift.io/network.back"], "shop");
            continue;
        }
        assert_eq!(open_ports(policy), vec![80], "{strategy}: {policy}");
        for network in ["back", "front"] {
            assert_eq!(labels[format!("podlift.io/network.{network}")], "shop");
        }
        // The Pod mixes an internal network with another: no egress rule,
        // and the note says so.
        assert!(policy["spec"]["egress"].is_null(), "{strategy}");
        assert!(
            run.stderr
                .contains("internal network `back` can reach outside"),
            "{strategy}: {}",
            run.stderr
        );
    }
}

/// Fails on the old main: in one Pod on internal networks only, the note
/// said its services reach outside; the policy now keeps them in.
#[test]
fn the_one_pod_on_internal_networks_only_is_kept_in() {
    let dir = common::compose_dir(
        "services:\n  a: {image: a:1, networks: [back]}\n  b: {image: b:1, networks: [back2]}\nnetworks: {back: {internal: true}, back2: {internal: true}}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "shop"])
        .success();
    let objects = run.objects();
    let policy = policy_of(&objects, "shop");
    assert!(policy["spec"]["egress"].is_array(), "{policy}");
    assert!(!run.stderr.contains("can reach outside"), "{}", run.stderr);
    assert!(run.stderr.contains("`a` and `b`"), "{}", run.stderr);
}

const INTERNAL: &str = "services:
  db: {image: postgres:16, ports: ['5432:5432'], networks: [back]}
  app: {image: nginx:1.25, networks: [back]}
networks: {back: {internal: true}}
";

/// Fails on the old main: Docker binds no host port for a service whose
/// networks are all internal, but podlift gave its port the requested
/// `LoadBalancer` and a rule for any client. Now it is unpublished: no
/// Service in one Pod, a `ClusterIP` Service for peers under split, no
/// open rule, and a note.
#[test]
fn ports_on_internal_networks_only_are_not_published() {
    for strategy in ["auto", "split"] {
        let dir = common::compose_dir(INTERNAL);
        let run = Test::new()
            .current_dir(dir.path())
            .args([
                "convert",
                "-p",
                "shop",
                "--strategy",
                strategy,
                "--service-type",
                "LoadBalancer",
            ])
            .success();
        let objects = run.objects();
        let services: Vec<&Value> = objects.iter().filter(|o| o["kind"] == "Service").collect();
        for service in &services {
            assert!(service["spec"]["type"].is_null(), "{strategy}: {service}");
        }
        for policy in objects.iter().filter(|o| o["kind"] == "NetworkPolicy") {
            assert_eq!(
                open_ports(policy),
                Vec::<i64>::new(),
                "{strategy}: {policy}"
            );
        }
        assert!(
            run.stderr.contains("note[port-internal-only]")
                && run.stderr.contains("`5432:5432/tcp` of `db`"),
            "{strategy}: {}",
            run.stderr
        );
        if strategy == "auto" {
            assert!(services.is_empty(), "{services:?}");
            assert!(
                run.stderr.contains("podlift makes no Service for it"),
                "{}",
                run.stderr
            );
        } else {
            assert_eq!(services.len(), 1, "{services:?}");
            assert_eq!(services[0]["metadata"]["name"], "db");
            assert!(
                run.stderr.contains("through the `ClusterIP` Service `db`"),
                "{}",
                run.stderr
            );
        }
    }
    // A service also on a network that is not internal publishes as before.
    let dir = common::compose_dir(
        "services:\n  db: {image: postgres:16, ports: ['5432:5432'], networks: [back, front]}\nnetworks: {back: {internal: true}, front: {}}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "shop", "--service-type", "LoadBalancer"])
        .success();
    let objects = run.objects();
    let service = objects.iter().find(|o| o["kind"] == "Service").unwrap();
    assert_eq!(service["spec"]["type"], "LoadBalancer");
    assert!(!run.stderr.contains("port-internal-only"), "{}", run.stderr);
}
