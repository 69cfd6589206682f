//! `--strategy split`: a Deployment per service or group, each keeping its
//! own preset addresses and translating the others' to their Services.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

mod common;

use std::process::Command;

use common::{Run, Test, fixture};
use serde_json::{Value, json};

fn split(name: &str) -> Run {
    let compose = fixture(name).join("compose.yaml");
    Test::new()
        .args([
            "convert",
            "--strategy",
            "split",
            "-f",
            compose.to_str().unwrap(),
        ])
        .success()
}

fn deployment<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn script_of(deployment: &Value) -> String {
    deployment["spec"]["template"]["spec"]["initContainers"][0]["command"][2]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn one_deployment_per_group_with_its_own_selector() {
    let run = split("split");
    let objects = run.objects();
    let names: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect();
    // `app` shares db's namespace; `app3` joins app2 through `x-podlift.group`.
    assert_eq!(names, ["split-db", "split-app1", "split-app2"]);
    for name in names {
        let d = deployment(&objects, name);
        assert_eq!(
            d["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"],
            name
        );
        assert_eq!(
            d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/name"],
            name
        );
    }
    assert_eq!(
        deployment(&objects, "split-app2")["spec"]["replicas"],
        2,
        "deploy.replicas is honoured per Deployment"
    );
    let containers = common::names_in(
        &deployment(&objects, "split-app2")["spec"]["template"]["spec"],
        "containers",
    );
    assert_eq!(containers, ["app2", "app3"]);
    insta::assert_snapshot!("split", run.stdout);
}

#[test]
fn each_pod_claims_its_own_addresses_and_translates_the_others() {
    let objects = split("split").objects();
    let script = script_of(deployment(&objects, "split-app1"));
    let replaces = common::replace_lines(&script);
    assert_eq!(
        replaces,
        ["ip addr replace 169.254.253.7/32 dev lo scope host"]
    );
    for (address, service) in [
        ("169.254.253.2", "db"),
        ("169.254.253.11", "app2"),
        ("169.254.253.12", "app3"),
    ] {
        assert!(
            script.contains(&format!("ip=$(resolve {service}.$PODLIFT_NAMESPACE.svc)")),
            "{script}"
        );
        assert!(
            script.contains(&format!("-d {address}/32 -j DNAT --to-destination \"$ip\"")),
            "{script}"
        );
    }
    assert!(
        script.contains("-p tcp --dport 8007 -j DNAT --to-destination 169.254.253.7:8007"),
        "{script}"
    );
    let init = &deployment(&objects, "split-app1")["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(
        init["image"], "docker.io/nicolaka/netshoot:v0.13",
        "the default init image has iptables"
    );
    assert_eq!(
        init["env"][0],
        json!({"name": "PODLIFT_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}})
    );
}

#[test]
fn services_carry_every_port_of_the_pod_they_select() {
    let objects = split("split").objects();
    let service = |name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == "Service" && o["metadata"]["name"] == name)
            .unwrap()
            .clone()
    };
    let ports = |name: &str| -> Vec<i64> {
        service(name)["spec"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["port"].as_i64().unwrap())
            .collect()
    };
    // db and app share a namespace: each Service answers on both ports.
    assert_eq!(ports("db"), [5432, 8003]);
    assert_eq!(ports("app"), [5432, 8003]);
    assert_eq!(
        service("app")["spec"]["selector"]["app.kubernetes.io/name"],
        "split-db"
    );
    // The published port keeps its compose number next to the container port.
    assert_eq!(ports("app2"), [8011, 8012, 8080]);
}

#[test]
fn seed_without_ports_is_reported() {
    let compose = "examples/seed/compose.yaml";
    let run = Test::new()
        .args(["convert", "--strategy", "split", "-f", compose])
        .success();
    assert!(
        run.stderr
            .contains("warning[split-no-ports]: service `db` declares no ports"),
        "{}",
        run.stderr
    );
    Test::new()
        .args(["convert", "--strict", "--strategy", "split", "-f", compose])
        .failure(1);
}

#[test]
fn stateful_replicas_are_an_error() {
    let dir = common::compose_dir(
        "services:\n  db:\n    image: db\n    restart: always\n    deploy: {replicas: 2}\n    volumes: [data:/data]\nvolumes:\n  data: {}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .failure(1);
    assert!(
        run.stderr.contains("error[replicas-stateful]"),
        "{}",
        run.stderr
    );
    // The pod strategy refuses any replicas.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(run.stderr.contains("error[replicas]"), "{}", run.stderr);
}

#[test]
fn split_plan_shows_every_pod() {
    let compose = fixture("split").join("compose.yaml");
    let run = Test::new()
        .args([
            "plan",
            "--strategy",
            "split",
            "-f",
            compose.to_str().unwrap(),
        ])
        .success();
    for pod in ["Pod `split-db`", "Pod `split-app1`", "Pod `split-app2`"] {
        assert!(run.stdout.contains(pod), "{}", run.stdout);
    }
}

/// Runs the init script twice in a new network and mount namespace whose
/// /etc/hosts stands in for the cluster's DNS, and lists the NAT rules.
/// Nothing is sent anywhere: only rules are written.
fn run_script_twice(script: &str, hosts: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts"), hosts).unwrap();
    std::fs::write(dir.path().join("init.sh"), script).unwrap();
    let d = dir.path().display();
    let wrapper = format!(
        "mount --bind {d}/hosts /etc/hosts && export PODLIFT_NAMESPACE=default && sh {d}/init.sh >/dev/null && sh {d}/init.sh >/dev/null && iptables -t nat -S"
    );
    Command::new("timeout")
        .args(["20", "unshare", "-n", "-m", "sh", "-c", &wrapper])
        .output()
        .unwrap()
}

fn can_run_iptables() -> bool {
    common::unshare_works(
        &["iptables", "-t", "nat", "-S"],
        "the split init script was not run",
    )
}

#[test]
fn split_script_is_idempotent_and_fails_loudly_on_unknown_services() {
    if !can_run_iptables() {
        return;
    }
    let objects = split("split").objects();
    let script = script_of(deployment(&objects, "split-app1"));
    let hosts = "127.0.0.1 localhost\n10.96.0.10 db.default.svc\n10.96.0.11 app2.default.svc\n10.96.0.12 app3.default.svc\n";
    let output = run_script_twice(&script, hosts);
    let rules = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{rules}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for rule in [
        "-A OUTPUT -j PODLIFT-OUT",
        "-A PREROUTING -j PODLIFT-IN",
        "-A PODLIFT-OUT -d 169.254.253.2/32 -j DNAT --to-destination 10.96.0.10",
        "-A PODLIFT-OUT -d 169.254.253.11/32 -j DNAT --to-destination 10.96.0.11",
        "-A PODLIFT-OUT -d 169.254.253.12/32 -j DNAT --to-destination 10.96.0.12",
        "-A PODLIFT-IN -p tcp -m tcp --dport 8007 -j DNAT --to-destination 169.254.253.7:8007",
    ] {
        assert_eq!(
            rules.lines().filter(|l| *l == rule).count(),
            1,
            "`{rule}` exactly once after two runs:\n{rules}"
        );
    }
    // A Service that does not resolve stops the Pod instead of leaving a hole.
    let output = run_script_twice(&script, "127.0.0.1 localhost\n10.96.0.10 db.default.svc\n");
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("podlift: Service app2.default.svc does not resolve")
    );
}
