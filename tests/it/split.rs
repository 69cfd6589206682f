//! `--strategy split`: a Deployment per service or group, each keeping its
//! own preset addresses and translating the others' to their Services.

use crate::common;
use crate::generate;

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

fn address_map(objects: &[Value]) -> String {
    objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "split-address-map")
        .expect("the address map")["data"]["addresses"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn one_address_map_says_which_service_answers_for_each_address() {
    let objects = split("split").objects();
    let maps: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .collect();
    assert_eq!(maps.len(), 1, "one map for the project");
    let map = address_map(&objects);
    let entries: Vec<&str> = map.lines().filter(|l| !l.starts_with('#')).collect();
    // `app` shares db's address: db's Service answers for it.
    assert_eq!(
        entries,
        [
            "169.254.253.2 db tcp/5432,tcp/8003",
            "169.254.253.7 app1 tcp/8007",
            "169.254.253.11 app2 tcp/8011,tcp/8012,tcp/8080",
            "169.254.253.12 app3 tcp/8011,tcp/8012",
        ]
    );
}

#[test]
fn each_pod_claims_its_own_addresses_and_reads_the_map_for_the_others() {
    let objects = split("split").objects();
    let spec = &deployment(&objects, "split-app1")["spec"]["template"]["spec"];
    let script = script_of(deployment(&objects, "split-app1"));
    let replaces = common::replace_lines(&script);
    assert_eq!(
        replaces,
        ["ip addr replace 169.254.253.7/32 dev lo scope host"]
    );
    assert!(script.contains("own=' 169.254.253.7 '\n"), "{script}");
    // No peer's address or name is written into the Pod: the map has them.
    let text = serde_json::to_string(spec).unwrap();
    for peer in [
        "169.254.253.2",
        "169.254.253.11",
        "169.254.253.12",
        "app2",
        "app3",
    ] {
        assert!(!text.contains(peer), "`{peer}` in app1's Pod: {text}");
    }
    assert!(
        script.contains("-p tcp --dport 8007 -j DNAT --to-destination 169.254.253.7:8007"),
        "{script}"
    );
    let init = &spec["initContainers"][0];
    assert_eq!(
        init["image"], "docker.io/rancher/klipper-lb:v0.4.17",
        "the default init image has iptables"
    );
    assert_eq!(
        init["env"][0],
        json!({"name": "PODLIFT_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}})
    );
    assert_eq!(
        init["volumeMounts"],
        json!([{"name": "podlift-address-map", "mountPath": "/etc/podlift", "readOnly": true}])
    );
    assert_eq!(
        spec["volumes"],
        json!([{"name": "podlift-address-map", "configMap": {"name": "split-address-map"}}])
    );
    // Its own names only; peers' names resolve through their Services.
    assert_eq!(
        spec["hostAliases"],
        json!([{"ip": "169.254.253.7", "hostnames": ["app1"]}])
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
    // The default (auto) gives the service a Deployment of its own: the same error.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(
        run.stderr.contains("error[replicas-stateful]"),
        "{}",
        run.stderr
    );
    // The pod strategy refuses any replicas.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "pod"])
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

/// Runs the init script twice in a new network and mount namespace. An
/// overlay on /etc (seen only inside that namespace) holds the address map at
/// /etc/podlift/addresses and a hosts file that stands in for the cluster's
/// DNS; `later` is appended to it one second after the first run starts (a
/// Service the DNS learns late). Lists the NAT rules after both runs.
/// Nothing is sent anywhere: only rules are written.
fn run_script_twice(script: &str, map: &str, hosts: &str, later: &str, tries: u32) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    std::fs::create_dir_all(dir.path().join("upper/podlift")).unwrap();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    std::fs::write(dir.path().join("upper/podlift/addresses"), map).unwrap();
    std::fs::write(dir.path().join("upper/hosts"), hosts).unwrap();
    std::fs::write(dir.path().join("later"), later).unwrap();
    std::fs::write(dir.path().join("init.sh"), script).unwrap();
    let wrapper = format!(
        "set -e
mount -t overlay overlay -o lowerdir=/etc,upperdir={d}/upper,workdir={d}/work /etc
export PODLIFT_NAMESPACE=default PODLIFT_RESOLVE_TRIES={tries} PODLIFT_RESOLVE_DELAY=1
(sleep 1; cat {d}/later >>/etc/hosts) &
sh {d}/init.sh >{d}/first.log
wait
sh {d}/init.sh >{d}/second.log
cat {d}/first.log {d}/second.log >&2
iptables -t nat -S"
    );
    Command::new("timeout")
        .args(["30", "unshare", "-n", "-m", "sh", "-c", &wrapper])
        .output()
        .unwrap()
}

type Output = std::process::Output;

/// Whether `iptables` can be run in a new network namespace, with an overlay
/// on /etc in a new mount namespace; in CI it must.
fn can_run_iptables() -> bool {
    let installed = ["iptables", "iptables-restore"].iter().all(|tool| {
        Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !installed {
        common::skip(
            "`iptables` and `iptables-restore` are not installed (Debian package `iptables`); the split init script was not run",
        );
        return false;
    }
    if !common::unshare_works(
        &["iptables", "-t", "nat", "-S"],
        "the split init script was not run",
    ) {
        return false;
    }
    // The map and the stand-in DNS go on an overlay over /etc, inside the namespace.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let overlay = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(format!(
            "mkdir {d}/u {d}/w && mount -t overlay overlay -o lowerdir=/etc,upperdir={d}/u,workdir={d}/w /etc"
        ))
        .output()
        .is_ok_and(|o| o.status.success());
    if !overlay {
        common::skip(
            "an overlay cannot be mounted on /etc in a new mount namespace; the split init script was not run",
        );
    }
    overlay
}

/// The cluster's DNS, as the init script sees it. db's Service is dual-stack:
/// its IPv6 address comes first and must not be used for an IPv4 rule.
const SERVICES: &str = "127.0.0.1 localhost\nfd00::10 db.default.svc\n10.96.0.10 db.default.svc\n10.96.0.11 app2.default.svc\n";

#[test]
fn split_script_applies_the_map_idempotently_and_waits_for_late_services() {
    if !can_run_iptables() {
        return;
    }
    let objects = split("split").objects();
    let script = script_of(deployment(&objects, "split-app1"));
    let map = address_map(&objects);
    // app3's Service resolves only a second after the first run started.
    let output = run_script_twice(&script, &map, SERVICES, "10.96.0.12 app3.default.svc\n", 5);
    let rules = String::from_utf8_lossy(&output.stdout);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{rules}\n{log}");
    assert!(
        log.contains("podlift: 1 Services do not resolve yet (try 1 of 5), again in 1s"),
        "{log}"
    );
    assert_eq!(
        log.matches("podlift: 3 addresses of other Pods sent to their Services")
            .count(),
        2,
        "{log}"
    );
    let ours: Vec<&str> = rules.lines().filter(|l| l.contains("PODLIFT")).collect();
    assert_eq!(
        ours,
        [
            "-N PODLIFT-IN",
            "-N PODLIFT-OUT",
            "-A PREROUTING -j PODLIFT-IN",
            "-A OUTPUT -j PODLIFT-OUT",
            "-A PODLIFT-IN -p tcp -m tcp --dport 8007 -j DNAT --to-destination 169.254.253.7:8007",
            // app1's own address is not translated; every other one exactly once.
            "-A PODLIFT-OUT -d 169.254.253.2/32 -j DNAT --to-destination 10.96.0.10",
            "-A PODLIFT-OUT -d 169.254.253.11/32 -j DNAT --to-destination 10.96.0.11",
            "-A PODLIFT-OUT -d 169.254.253.12/32 -j DNAT --to-destination 10.96.0.12",
        ],
        "after two runs:\n{rules}"
    );
}

#[test]
fn split_script_gives_up_on_a_missing_service_with_a_clear_message() {
    if !can_run_iptables() {
        return;
    }
    let objects = split("split").objects();
    let script = script_of(deployment(&objects, "split-app1"));
    let output = run_script_twice(&script, &address_map(&objects), SERVICES, "", 2);
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{log}");
    assert!(
        log.contains(
            "podlift: Service app3.default.svc (for 169.254.253.12) does not resolve after 2 tries; create it (kubectl get service app3) or check the cluster's DNS"
        ),
        "{log}"
    );
    // Nothing half-done: no rule was written for the Services that did resolve.
    assert!(!String::from_utf8_lossy(&output.stdout).contains("PODLIFT-OUT"));
}

/// The split of the benchmark's project (every service with a preset address,
/// a port, a volume, a health check and a `depends_on`) at `services` services.
fn synthetic(services: usize) -> Vec<Value> {
    let dir = common::compose_dir(&generate::compose(services, generate::Variant::Full));
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .success()
        .objects()
}

#[test]
fn each_pod_is_the_same_whatever_the_number_of_peers() {
    // 13: the largest Deployment of each names its predecessor, which it
    // waits for, with two digits too (svc11 waits for svc10).
    let small = synthetic(13);
    let large = synthetic(60);
    // Services a dependent waits on in both (svc12 is the last of 13, and
    // only a waited-on service has a start gate).
    for name in ["synthetic-svc0", "synthetic-svc2", "synthetic-svc10"] {
        assert_eq!(
            deployment(&small, name),
            deployment(&large, name),
            "`{name}` differs between 12 and 60 services"
        );
    }
    let size = |objects: &[Value], kind: &str| -> usize {
        objects
            .iter()
            .filter(|o| o["kind"] == kind && o["metadata"]["name"] != "synthetic-address-map")
            .map(|o| serde_json::to_string(o).unwrap().len())
            .max()
            .unwrap()
    };
    // Names of two digits in both: the largest object of each kind is as large.
    for kind in ["Deployment", "Service", "PersistentVolumeClaim"] {
        assert_eq!(
            size(&large, kind),
            size(&small, kind),
            "{kind}: largest at 60 services and at 13"
        );
    }
    // Only the map grows: one line per service.
    let map = |objects: &[Value]| {
        objects
            .iter()
            .find(|o| o["metadata"]["name"] == "synthetic-address-map")
            .unwrap()["data"]["addresses"]
            .as_str()
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(map(&small).len(), 13);
    assert_eq!(map(&large).len(), 60);
    assert_eq!(map(&large)[59], "169.254.100.60 svc59 tcp/10059");
    assert_eq!(
        large.iter().filter(|o| o["kind"] == "ConfigMap").count(),
        1,
        "one map, not one per Pod"
    );
}

const NAMES: &str = "name: names
services:
  db:
    image: db
    container_name: legacy-db
    hostname: dbhost
    expose: ['5432']
    networks:
      n:
        ipv4_address: 10.9.0.2
        aliases: [database, db.internal]
  web:
    image: web
    expose: ['80']
    links: ['cache:kv']
    extra_hosts: ['gw:10.0.0.1']
    networks: {n: {ipv4_address: 10.9.0.3}}
  cache:
    image: cache
    expose: ['6379']
    networks: {n: {aliases: [cache.local]}}
networks:
  n: {ipam: {config: [{subnet: 10.9.0.0/24}]}}
";

#[test]
fn peers_names_resolve_through_services_and_host_aliases_keep_the_rest() {
    let dir = common::compose_dir(NAMES);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .success();
    let objects = run.objects();
    let services: Vec<(&str, &str)> = objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| {
            (
                o["metadata"]["name"].as_str().unwrap(),
                o["spec"]["selector"]["app.kubernetes.io/name"]
                    .as_str()
                    .unwrap(),
            )
        })
        .collect();
    // container_name, hostname, network aliases and the link alias get
    // Services of their own: Docker Engine's DNS gives peers all of them
    // (`hostname` is one of the container's network aliases there).
    assert_eq!(
        services,
        [
            ("db", "names-db"),
            ("legacy-db", "names-db"),
            ("dbhost", "names-db"),
            ("database", "names-db"),
            ("web", "names-web"),
            ("cache", "names-cache"),
            ("kv", "names-cache"),
        ]
    );
    let aliases =
        |pod: &str| deployment(&objects, pod)["spec"]["template"]["spec"]["hostAliases"].clone();
    // Its own names at its own address, hostname included.
    assert_eq!(
        aliases("names-db"),
        json!([{"ip": "10.9.0.2", "hostnames": ["db", "legacy-db", "dbhost", "database", "db.internal"]}])
    );
    // A peer's name that cannot be a Service's goes to its preset address,
    // which the map sends to the Service; extra_hosts stay with their service.
    assert_eq!(
        aliases("names-web"),
        json!([
            {"ip": "10.0.0.1", "hostnames": ["gw"]},
            {"ip": "10.9.0.2", "hostnames": ["db.internal"]},
            {"ip": "10.9.0.3", "hostnames": ["web"]},
        ])
    );
    assert_eq!(
        aliases("names-cache"),
        json!([
            {"ip": "10.9.0.2", "hostnames": ["db.internal"]},
            {"ip": "127.0.0.1", "hostnames": ["cache", "cache.local"]},
        ])
    );
    assert!(
        run.stderr.contains("warning[split-name]: `cache.local` does not resolve in other Pods: it cannot be the name of a Service, and `cache` has no IPv4 preset address to point it at"),
        "{}",
        run.stderr
    );
}

#[test]
fn ipv6_preset_addresses_are_not_translated_and_say_so() {
    let dir = common::compose_dir(
        "services:
  a:
    image: a
    expose: ['80']
    networks: {n: {ipv4_address: 10.9.0.2, ipv6_address: 'fd00::2'}}
  b:
    image: b
    expose: ['81']
    networks: {n: {ipv4_address: 10.9.0.3}}
networks:
  n:
    enable_ipv6: true
    ipam: {config: [{subnet: 10.9.0.0/24}, {subnet: 'fd00::/64'}]}
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .success();
    assert!(
        run.stderr.contains(
            "warning[split-ipv6]: IPv6 preset address `fd00::2` is not reachable from other Pods"
        ),
        "{}",
        run.stderr
    );
    let objects = run.objects();
    let map = objects.iter().find(|o| o["kind"] == "ConfigMap").unwrap()["data"]["addresses"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!map.contains("fd00"), "{map}");
    assert!(map.contains("10.9.0.2 a tcp/80\n"), "{map}");
}

/// Fails on the old main: `a`'s alias `b` is the name of `b`'s Service, so in
/// other Pods it resolves to `b`, not `a`; the alias was dropped without a word.
#[test]
fn an_alias_taken_by_another_service_is_reported() {
    let dir = common::compose_dir(
        "services:
  a:
    image: a
    expose: ['80']
    networks: {n: {aliases: [b, front]}}
  b:
    image: b
    expose: ['81']
networks: {n: {}}
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "alias", "--strategy", "split"])
        .success();
    assert!(
        run.stderr.contains(
            "warning[split-name]: name `b` of service `a` resolves to service `b` in other Pods: the Service of that name answers for `b`"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("split-name").count(),
        1,
        "`front` gets a Service of its own: {}",
        run.stderr
    );
}

/// Fails on the old main: an alias `kubernetes` became a Service named
/// `kubernetes` (in `default` the API server's own; in any namespace the
/// source of `KUBERNETES_SERVICE_HOST`), with no word. Now it is an error
/// that names the alias, and a note lists every Service named after an
/// alias or `container_name`.
#[test]
fn a_service_named_kubernetes_is_refused() {
    let dir = common::compose_dir(
        "services:\n  web:\n    image: nginx:1.25\n    expose: ['443']\n    networks:\n      default:\n        aliases: [kubernetes, kube-dns]\n  other:\n    image: alpine:3.19\n    expose: ['1']\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split", "-n", "default"])
        .failure(1);
    for expected in [
        "error[service-name-reserved]",
        "the Service `kubernetes` (from `networks.default.aliases` of service `web`)",
        "compose.yaml:7:",
        "remove the name `kubernetes`",
        "note[service-name-alias]",
        "`kube-dns` (`networks.default.aliases` of `web`)",
    ] {
        assert!(run.stderr.contains(expected), "{expected}: {}", run.stderr);
    }
    // A compose service of that name, with a port, in one Pod: the same.
    let dir = common::compose_dir(
        "services:\n  kubernetes:\n    image: nginx:1.25\n    ports: ['8080:80']\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(
        run.stderr.contains("from the name of service `kubernetes`"),
        "{}",
        run.stderr
    );
    // A `container_name` is listed in the note; nothing is refused.
    let dir = common::compose_dir(
        "services:\n  web:\n    image: nginx:1.25\n    container_name: frontend\n    expose: ['80']\n  db:\n    image: postgres:16\n    expose: ['5432']\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "split"])
        .success();
    assert!(
        run.stderr
            .contains("note[service-name-alias]: Services named after other names of a compose service: `frontend` (`container_name` of `web`)"),
        "{}",
        run.stderr
    );
}
