//! A `network_mode: host` service reaches the others by their preset
//! addresses under Docker (the host routes to its bridges); a `hostNetwork`
//! Pod cannot, and podlift does not touch a node's routes. The warning says
//! so, naming the preset addresses the service mentions (issue 27 item 8).

use crate::common;

use common::Test;

const WAF: &str = "services:
  gateway:
    image: gateway
    network_mode: host
    environment:
      UPSTREAM: http://10.5.0.2:8080
      UNRELATED: 10.5.0.20
    command: [gateway, --admin, \"10.5.0.4\"]
    volumes:
      - ./gateway.conf:/etc/gateway.conf:ro
  web:
    image: web
    expose: [\"8080\"]
    networks: {app: {ipv4_address: 10.5.0.2}}
  api:
    image: api
    expose: [\"80\"]
    networks: {app: {ipv4_address: 10.5.0.3}}
  admin:
    image: admin
    expose: [\"9000\"]
    networks: {app: {ipv4_address: 10.5.0.4}}
  quiet:
    image: quiet
    expose: [\"9001\"]
    networks: {app: {ipv4_address: 10.5.0.5}}
networks:
  app:
    ipam: {config: [{subnet: 10.5.0.0/24}]}
";

fn warning(stderr: &str) -> &str {
    stderr
        .lines()
        .find(|l| l.contains("warning[network-mode-host]"))
        .unwrap_or_else(|| panic!("no network-mode-host warning in\n{stderr}"))
}

/// Fails on the old main: the warning named no address, and said nothing of
/// the peers the service can no longer reach.
#[test]
fn the_host_network_warning_names_the_preset_addresses_it_mentions() {
    let dir = common::compose_dir(WAF);
    std::fs::write(
        dir.path().join("gateway.conf"),
        "route /api http://10.5.0.3/;\nroute /old http://10.5.0.30/;\n",
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    let line = warning(&run.stderr);
    assert!(
        line.contains(
            "it mentions the preset addresses `10.5.0.2` (environment), `10.5.0.3` (`./gateway.conf`), `10.5.0.4` (command), which under Docker the host routed to its bridges, but the node's network does not reach them and podlift does not change a node's routes or firewall"
        ),
        "{line}"
    );
    assert!(!line.contains("10.5.0.5"), "{line}");
    assert!(
        run.stderr
            .contains("point it at its peers' Services (a ClusterIP, or a port published on the node) instead of their preset addresses"),
        "{}",
        run.stderr
    );
}

#[test]
fn without_mentions_the_warning_still_says_it_reaches_no_peer_by_address() {
    let dir = common::compose_dir(
        "services:\n  probe:\n    image: probe\n    network_mode: host\n  web:\n    image: web\n    expose: [\"80\"]\n    networks: {app: {ipv4_address: 10.5.0.2}}\nnetworks:\n  app:\n    ipam: {config: [{subnet: 10.5.0.0/24}]}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    assert!(!warning(&run.stderr).contains("mentions"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("from the node's network it reaches no peer by preset address"),
        "{}",
        run.stderr
    );
}
