//! A service that can change its network namespace (routes, firewall rules)
//! changes it for every container of its Pod: a warning per such service in
//! the one-Pod strategy, naming the risk and the strategy that isolates it
//! (issue 14, item 8).

use crate::common;

use common::Test;

const COMPOSE: &str = "services:
  vpn:
    image: vpn
    cap_add: [NET_ADMIN]
  sniffer:
    image: sniffer
    cap_add: [cap_net_raw, SYS_TIME]
  admin:
    image: admin
    cap_add: [SYS_ADMIN]
  root:
    image: root
    privileged: true
  all:
    image: all
    cap_add: [ALL]
  web:
    image: web
    cap_add: [NET_BIND_SERVICE, CHOWN]
";

/// Fails on the old main: nothing was said.
#[test]
fn each_service_that_can_change_the_shared_network_is_warned() {
    let dir = common::compose_dir(COMPOSE);
    // `-v`: every finding with its snippet (by default, repeats are grouped).
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-v", "--strategy", "pod"])
        .success();
    assert_eq!(
        run.stderr
            .matches("warning[shared-network-privilege]")
            .count(),
        5,
        "{}",
        run.stderr
    );
    for (service, what, line) in [
        ("vpn", "`cap_add: NET_ADMIN`", 2),
        ("sniffer", "`cap_add: NET_RAW`", 5),
        ("admin", "`cap_add: SYS_ADMIN`", 8),
        ("root", "`privileged: true`", 11),
        ("all", "`cap_add: ALL`", 14),
    ] {
        assert!(
            run.stderr.contains(&format!(
                "service `{service}` has {what}: it can change routes"
            )),
            "{service}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains(&format!("compose.yaml:{line}:3")),
            "{line}"
        );
    }
    assert!(!run.stderr.contains("service `web` has"), "{}", run.stderr);
    assert!(run.stderr.contains("--strategy split"));
}

/// Split: only a service that still shares its Pod is warned.
#[test]
fn split_warns_only_where_a_pod_is_shared() {
    let dir = common::compose_dir(
        "services:\n  vpn:\n    image: vpn\n    cap_add: [NET_ADMIN]\n  app:\n    image: app\n    network_mode: service:vpn\n  alone:\n    image: alone\n    privileged: true\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .success();
    assert_eq!(
        run.stderr
            .matches("warning[shared-network-privilege]")
            .count(),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("the other services of its Pod (`app`)"),
        "{}",
        run.stderr
    );
}

/// One service alone in its Pod shares nothing.
#[test]
fn a_single_service_is_not_warned() {
    let dir = common::compose_dir("services:\n  vpn:\n    image: vpn\n    cap_add: [NET_ADMIN]\n");
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(
        !run.stderr.contains("shared-network-privilege"),
        "{}",
        run.stderr
    );
}
