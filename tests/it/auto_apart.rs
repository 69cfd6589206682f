//! `--strategy auto` keeps apart what compose kept apart (issue 27 item 5):
//! services that set a pod-wide value differently, a service that can change
//! its network namespace, and each `x-podlift.group` get Pods of their own, as
//! port clashes do; `--strategy pod` keeps today's warnings. Decided from the
//! project, not from diagnostics. `--allow-shared-port` takes lists and
//! protocols, and the note of a clash between services that each have their
//! own preset address names it.

use crate::common;

use serde_json::Value;

use common::{Run, Test, compose_dir};

fn run(compose: &str, args: &[&str]) -> Run {
    let dir = compose_dir(compose);
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "app", "-v"])
        .args(args)
        .success()
}

/// Each Deployment's name and its application containers.
fn pods(run: &Run) -> Vec<(String, Vec<String>)> {
    run.objects()
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|d| {
            let spec = &d["spec"]["template"]["spec"];
            let mut members = Vec::new();
            for list in ["initContainers", "containers"] {
                for c in spec[list].as_array().into_iter().flatten() {
                    let name = c["name"].as_str().unwrap();
                    if name != "podlift-loopback" {
                        members.push(name.to_string());
                    }
                }
            }
            (d["metadata"]["name"].as_str().unwrap().to_string(), members)
        })
        .collect()
}

fn spec_of<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    let d = objects
        .iter()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Deployment {name}"));
    &d["spec"]["template"]["spec"]
}

const KERBEROS: &str = "services:
  kdc:
    image: kdc
    hostname: kdc
    expose: [\"88\"]
  kadmin:
    image: kadmin
    hostname: kadmin
    expose: [\"749\"]
  client:
    image: client
    hostname: client
    expose: [\"8080\"]
";

/// Fails on the old main: one Pod, hostname `kdc` for all three, and a
/// `pod-wide-differs` warning.
#[test]
fn services_that_set_the_hostname_differently_get_pods_of_their_own() {
    let run = run(KERBEROS, &[]);
    assert!(!run.stderr.contains("pod-wide-differs"), "{}", run.stderr);
    let objects = run.objects();
    let pods = pods(&run);
    assert_eq!(pods.len(), 3, "{pods:?}");
    for (name, members) in &pods {
        let [member] = members.as_slice() else {
            panic!("{name}: {members:?}");
        };
        assert_eq!(spec_of(&objects, name)["hostname"], member.as_str());
    }
    assert!(
        run.stderr.contains(
            "services `client` and `kadmin` set `hostname` differently, and a Pod has one"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn the_pod_strategy_keeps_the_pod_wide_warning() {
    let run = run(KERBEROS, &["--strategy", "pod"]);
    assert_eq!(pods(&run).len(), 1);
    assert!(
        run.stderr.contains("warning[pod-wide-differs]"),
        "{}",
        run.stderr
    );
}

/// Fails on the old main: `dns` differed, one Pod got the first one's.
#[test]
fn dns_set_differently_keeps_services_apart_and_alike_together() {
    let run = run(
        "services:\n  a: {image: a, dns: [10.0.0.1]}\n  b: {image: b, dns: [10.0.0.2]}\n  c: {image: c, dns: [10.0.0.1]}\n",
        &[],
    );
    let pods = pods(&run);
    assert_eq!(pods.len(), 2, "{pods:?}");
    assert!(
        pods.iter().any(|(_, m)| *m == ["a", "c"]),
        "a and c agree: {pods:?}"
    );
}

const VPN: &str = "services:
  vpn:
    image: vpn
    cap_add: [NET_ADMIN]
    expose: [\"1194\"]
  torrent:
    image: torrent
    network_mode: \"service:vpn\"
  media:
    image: media
    expose: [\"8096\"]
  db:
    image: db
    expose: [\"5432\"]
";

/// Fails on the old main: one Pod, the VPN's routes and kill switch applied
/// to `media` and `db` (only a warning said so).
#[test]
fn a_network_privileged_service_gets_a_pod_of_its_own_with_its_namespace() {
    let run = run(VPN, &[]);
    let pods = pods(&run);
    assert_eq!(
        pods,
        [
            (
                "app".to_string(),
                vec!["media".to_string(), "db".to_string()]
            ),
            (
                "app-vpn".to_string(),
                vec!["vpn".to_string(), "torrent".to_string()]
            ),
        ]
    );
    assert!(
        run.stderr.contains(
            "service `vpn` has `cap_add: NET_ADMIN`, so it can change routes, addresses and firewall rules for every service of its Pod; compose kept the others out of its network namespace"
        ),
        "{}",
        run.stderr
    );
    // Only `torrent`, which compose put in its namespace, shares it now.
    assert!(
        !run.stderr.contains("every container of the Pod"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_pod_strategy_keeps_the_privilege_warning() {
    let run = run(VPN, &["--strategy", "pod"]);
    assert_eq!(pods(&run).len(), 1);
    assert!(
        run.stderr.contains("warning[shared-network-privilege]"),
        "{}",
        run.stderr
    );
}

/// Fails on the old main: no obstacle, so one Pod for all four.
#[test]
fn each_x_podlift_group_is_a_pod_under_auto() {
    let run = run(
        "services:\n  a: {image: a, expose: [\"1\"], x-podlift: {group: left}}\n  b: {image: b, expose: [\"2\"], x-podlift: {group: left}}\n  c: {image: c, expose: [\"3\"]}\n  d: {image: d, expose: [\"4\"]}\n",
        &[],
    );
    let pods = pods(&run);
    assert_eq!(pods.len(), 2, "{pods:?}");
    assert!(pods.iter().any(|(_, m)| *m == ["a", "b"]), "{pods:?}");
    assert!(pods.iter().any(|(_, m)| *m == ["c", "d"]), "{pods:?}");
    assert!(
        run.stderr
            .contains("services `a` and `b` form `x-podlift.group: left`"),
        "{}",
        run.stderr
    );
}

const SHARED: &str = "services:
  amf:
    image: amf
    expose: [\"7777\", \"8805/udp\"]
    networks: {core: {ipv4_address: 10.60.0.2}}
  smf:
    image: smf
    expose: [\"7777\", \"8805/udp\"]
    networks: {core: {ipv4_address: 10.60.0.3}}
networks:
  core:
    ipam: {config: [{subnet: 10.60.0.0/24}]}
";

/// Fails on the old main: `--allow-shared-port` took one port number.
#[test]
fn allow_shared_port_takes_lists_and_protocols() {
    assert_eq!(pods(&run(SHARED, &[])).len(), 2);
    let both = run(SHARED, &["--allow-shared-port", "7777,8805/udp"]);
    assert_eq!(pods(&both).len(), 1, "{}", both.stderr);
    // A protocol narrows it: 8805/tcp does not allow 8805/udp.
    let tcp = run(SHARED, &["--allow-shared-port", "7777,8805/tcp"]);
    assert_eq!(pods(&tcp).len(), 2, "{}", tcp.stderr);
    assert!(
        tcp.stderr
            .contains("`--allow-shared-port 8805/udp` keeps them in one Pod"),
        "{}",
        tcp.stderr
    );
    // Repeated, as before.
    let repeated = run(
        SHARED,
        &["--allow-shared-port", "7777", "--allow-shared-port", "8805"],
    );
    assert_eq!(pods(&repeated).len(), 1);
    // In the pod strategy too.
    let pod = run(
        SHARED,
        &["--strategy", "pod", "--allow-shared-port", "7777,8805/udp"],
    );
    assert!(!pod.stderr.contains("port-conflict"), "{}", pod.stderr);
}

#[test]
fn a_wrong_shared_port_is_a_usage_error() {
    let dir = compose_dir(SHARED);
    for (value, says) in [
        ("80/icmp", "`icmp` is not a protocol"),
        ("http", "`http` is not a port"),
    ] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["convert", "--allow-shared-port", value])
            .failure(2);
        assert!(run.stderr.contains(says), "{value}: {}", run.stderr);
    }
}

/// Only a clash between services that each bind their own preset address
/// can be shared: the note names the flag then, not otherwise.
#[test]
fn the_note_names_allow_shared_port_only_where_it_can_help() {
    let addressed = run(SHARED, &[]);
    assert!(
        addressed
            .stderr
            .contains("`--allow-shared-port 7777` keeps them in one Pod"),
        "{}",
        addressed.stderr
    );
    let bare = run(
        "services:\n  a: {image: a, expose: [\"80\"]}\n  b: {image: b, expose: [\"80\"]}\n",
        &[],
    );
    assert!(bare.stderr.contains("note[auto-split]"), "{}", bare.stderr);
    assert!(
        !bare.stderr.contains("--allow-shared-port"),
        "{}",
        bare.stderr
    );
}
