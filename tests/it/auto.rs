//! `--strategy auto`, the default: one Pod where one Pod can hold the
//! application, else the fewest Pods that remove the obstacles, joined by
//! the split strategy's address map. Checked on small cases and, structurally,
//! on real static-IP applications (tests/fixtures/static-ip, see SOURCES.md).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, Test, compose_dir, convert_in as convert, fixture, repo};
use serde_json::Value;

const SEED: &str = "examples/seed/compose.yaml";

fn deployments(objects: &[Value]) -> Vec<&Value> {
    objects
        .iter()
        .filter(|o| o["kind"] == "Deployment")
        .collect()
}

fn names_of(objects: &[Value], kind: &str) -> Vec<String> {
    objects
        .iter()
        .filter(|o| o["kind"] == kind)
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

fn spec(deployment: &Value) -> &Value {
    &deployment["spec"]["template"]["spec"]
}

/// The application containers of a Pod (sidecars included), by name.
fn members(deployment: &Value) -> Vec<String> {
    let spec = spec(deployment);
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        for c in spec[list].as_array().into_iter().flatten() {
            let name = c["name"].as_str().unwrap();
            if name != "podlift-loopback" {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// The addresses a Pod's init container puts on loopback.
fn claimed(deployment: &Value) -> Vec<String> {
    let spec = spec(deployment);
    spec["initContainers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["name"] == "podlift-loopback")
        .flat_map(|c| {
            common::replace_lines(c["command"][2].as_str().unwrap())
                .into_iter()
                .map(|l| {
                    l.trim_start_matches("ip addr replace ")
                        .split('/')
                        .next()
                        .unwrap()
                        .to_string()
                })
        })
        .collect()
}

fn aliases(deployment: &Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for alias in spec(deployment)["hostAliases"]
        .as_array()
        .into_iter()
        .flatten()
    {
        for name in alias["hostnames"].as_array().unwrap() {
            out.insert(
                name.as_str().unwrap().to_string(),
                alias["ip"].as_str().unwrap().to_string(),
            );
        }
    }
    out
}

#[test]
fn a_clash_free_application_gives_exactly_the_one_pod_output() {
    for file in [
        repo().join(SEED),
        fixture("product").join("compose.yaml"),
        fixture("names").join("compose.yaml"),
    ] {
        let file = file.to_str().unwrap();
        let auto = Test::new().args(["convert", "-f", file]).run();
        let pod = Test::new()
            .args(["convert", "--strategy", "pod", "-f", file])
            .run();
        assert_eq!(
            (auto.code, &auto.stdout, &auto.stderr),
            (pod.code, &pod.stdout, &pod.stderr),
            "{file}"
        );
        assert_eq!(deployments(&auto.objects()).len(), 1, "{file}");
    }
}

const CLASH: &str = "services:
  amf:
    image: amf:1
    hostname: amf
    dns: [10.9.0.1]
    expose: [\"7777\", \"8805/udp\"]
    networks: {core: {ipv4_address: 10.60.0.2}}
  smf:
    image: smf:1
    expose: [\"7777\", \"8805/udp\"]
    networks: {core: {ipv4_address: 10.60.0.3}}
  upf:
    image: upf:1
    expose: [\"8805/udp\"]
    networks: {core: {ipv4_address: 10.60.0.4}}
  web:
    image: web:1
    expose: [\"80\"]
    networks: {core: {ipv4_address: 10.60.0.5}}
  db:
    image: db:1
    networks: {core: {ipv4_address: 10.60.0.6}}
networks:
  core:
    ipam: {config: [{subnet: 10.60.0.0/24}]}
";

#[test]
fn port_clashes_give_the_fewest_pods_each_explained() {
    let dir = compose_dir(CLASH);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "core", "-v"])
        .success();
    let objects = run.objects();
    // amf, smf and upf all listen on 8805/udp: three Pods are the fewest;
    // web fits beside amf, and db (no ports known) stays in the largest Pod.
    let pods: Vec<(String, Vec<String>)> = deployments(&objects)
        .into_iter()
        .map(|d| {
            (
                d["metadata"]["name"].as_str().unwrap().to_string(),
                members(d),
            )
        })
        .collect();
    assert_eq!(
        pods,
        [
            // The largest Pod keeps the project's name.
            (
                "core".to_string(),
                vec!["amf".into(), "web".into(), "db".into()]
            ),
            ("core-smf".to_string(), vec!["smf".into()]),
            ("core-upf".to_string(), vec!["upf".into()]),
        ]
    );
    // One note per extra Pod, naming the services and the port.
    let notes: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("note[auto-split]"))
        .collect();
    assert_eq!(notes.len(), 2, "{}", run.stderr);
    assert!(
        notes.iter().any(|n| n.contains(
            "services `amf` and `smf` both listen on `7777/tcp` (each binds a preset address of its own: if each listens there, not on 0.0.0.0, `--allow-shared-port 7777` keeps them in one Pod); so `smf` runs in Pod `core-smf`"
        )),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains(
            "services `amf`, `smf` and `upf` all listen on `8805/udp` (each binds a preset address of its own: if each listens there, not on 0.0.0.0, `--allow-shared-port 8805/udp` keeps them in one Pod); so `upf` runs in Pod `core-upf`"
        )),
        "{notes:?}"
    );
    // The Pods reach each other through the one address map.
    assert_eq!(names_of(&objects, "ConfigMap"), ["core-address-map"]);
    // Same input, same output.
    let again = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "core", "-v"])
        .success();
    assert_eq!((run.stdout, run.stderr), (again.stdout, again.stderr));
}

#[test]
fn pod_level_settings_come_from_each_pods_own_services() {
    let dir = compose_dir(CLASH);
    let objects = convert(dir.path(), &["-p", "core"]).objects();
    for d in deployments(&objects) {
        let spec = spec(d);
        if d["metadata"]["name"] == "core" {
            assert_eq!(spec["hostname"], "amf");
            assert_eq!(spec["dnsConfig"]["nameservers"][0], "10.9.0.1");
        } else {
            assert!(spec["hostname"].is_null(), "{d}");
            assert!(spec["dnsConfig"].is_null(), "{d}");
        }
    }
    // The same under --strategy split, where every service has its own Pod.
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "core", "--strategy", "split"])
        .success();
    assert!(!run.stderr.contains("pod-wide-differs"), "{}", run.stderr);
    for d in deployments(&run.objects()) {
        let own = d["metadata"]["name"] == "core-amf";
        assert_eq!(spec(d)["hostname"].is_string(), own, "{d}");
    }
}

#[test]
fn pod_strategy_keeps_the_errors_and_points_to_auto() {
    let dir = compose_dir(CLASH);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "--strategy", "pod", "-v"])
        .failure(1);
    assert!(
        run.stderr.contains("error[port-conflict]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("the default `--strategy auto` puts them in different Pods"),
        "{}",
        run.stderr
    );
    // Services without preset addresses: `--allow-shared-port` cannot help.
    let dir = compose_dir(
        "services:\n  a: {image: a, expose: [\"80\"]}\n  b: {image: b, expose: [\"80\"]}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "--strategy", "pod"])
        .run();
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("error[port-conflict]"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("--allow-shared-port"),
        "{}",
        run.stderr
    );
}

#[test]
fn host_none_and_replicas_get_pods_of_their_own() {
    let dir = compose_dir(
        "services:
  app:
    image: app:1
    expose: [\"80\"]
    networks: {net: {ipv4_address: 10.61.0.2}}
  exporter:
    image: exporter:1
    network_mode: host
    ports: [\"9100:9100\"]
  keygen:
    image: keygen:1
    network_mode: none
  worker:
    image: worker:1
    expose: [\"9000\"]
    deploy: {replicas: 3}
networks:
  net:
    ipam: {config: [{subnet: 10.61.0.0/24}]}
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "lab", "-v"])
        .success();
    let objects = run.objects();
    let find = |name: &str| {
        *deployments(&objects)
            .iter()
            .find(|d| d["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    // host: the node's network, no init container (its rules would be the
    // node's), no Service (its ports are the node's), a warning.
    let exporter = find("lab-exporter");
    assert_eq!(spec(exporter)["hostNetwork"], true);
    assert!(spec(exporter)["initContainers"].is_null(), "{exporter}");
    assert!(run.stderr.contains("warning[network-mode-host]"));
    assert!(run.stderr.contains("Pod Security level `privileged`"));
    // none: a Pod, no Service, no init container, no names.
    let keygen = find("lab-keygen");
    assert!(spec(keygen)["initContainers"].is_null(), "{keygen}");
    assert!(spec(keygen)["hostNetwork"].is_null(), "{keygen}");
    let services = names_of(&objects, "Service");
    assert!(!services.contains(&"exporter".to_string()), "{services:?}");
    assert!(!services.contains(&"keygen".to_string()), "{services:?}");
    // replicas: a Deployment of its own that scales alone.
    assert_eq!(find("lab-worker")["spec"]["replicas"], 3);
    // Four Pods of one service each: the tie goes to the Pod of the service
    // whose name sorts first, which keeps the project's name.
    assert_eq!(find("lab")["spec"]["replicas"], 1);
    for why in [
        "service `exporter` uses `network_mode: host`",
        "service `keygen` uses `network_mode: none`",
        "service `worker` asks for 3 replicas",
    ] {
        assert!(
            run.stderr
                .lines()
                .any(|l| l.contains("note[auto-split]") && l.contains(why)),
            "{why}:\n{}",
            run.stderr
        );
    }
}

#[test]
fn shared_namespaces_and_groups_stay_together() {
    let dir = compose_dir(
        "services:
  a: {image: a, expose: [\"80\"]}
  a-sidecar: {image: s, network_mode: \"service:a\", expose: [\"9000\"]}
  b: {image: b, expose: [\"80\"], x-podlift: {group: pair}}
  c: {image: c, expose: [\"9000\"], x-podlift: {group: pair}}
",
    );
    let objects = convert(dir.path(), &["-p", "g"]).objects();
    let pods: Vec<Vec<String>> = deployments(&objects).into_iter().map(members).collect();
    assert_eq!(pods, [vec!["a", "a-sidecar"], vec!["b", "c"]]);
}

#[test]
fn the_docker_socket_still_stops_the_conversion() {
    let dir = compose_dir(
        "services:
  a: {image: a, expose: [\"80\"]}
  b:
    image: b
    expose: [\"80\"]
    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(
        run.stderr.contains("error[docker-socket]"),
        "{}",
        run.stderr
    );
}

#[test]
fn plan_shows_every_pod() {
    let dir = compose_dir(CLASH);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["plan", "-p", "core"])
        .success();
    for pod in [
        "Pod `core` (project `core`), in start order:",
        "Pod `core-smf` (project `core`), a Pod of its own because services `amf` and `smf` both listen on `7777/tcp` (each binds a preset address of its own: if each listens there, not on 0.0.0.0, `--allow-shared-port 7777` keeps them in one Pod), in start order:",
        "Pod `core-upf` (project `core`), a Pod of its own because services `amf`, `smf` and `upf` all listen on `8805/udp` (each binds a preset address of its own: if each listens there, not on 0.0.0.0, `--allow-shared-port 8805/udp` keeps them in one Pod), in start order:",
    ] {
        assert!(run.stdout.contains(pod), "{}", run.stdout);
    }
}

// ---- real static-IP applications -------------------------------------------

fn static_ip_fixtures() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixture("static-ip"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("compose.yaml").is_file())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 5, "{dirs:?}");
    dirs
}

/// What the compose file says of each service, as `podlift config` resolves it.
struct Declared {
    addresses: BTreeMap<String, Vec<String>>,
    hostname: BTreeMap<String, String>,
    dns: BTreeMap<String, Vec<String>>,
    grace: BTreeMap<String, u64>,
    portless: BTreeSet<String>,
}

fn declared(dir: &Path) -> Declared {
    let run = Test::new()
        .current_dir(dir)
        .args(["config", "--format", "json"])
        .success();
    let project: Value = serde_json::from_str(&run.stdout).unwrap();
    let mut d = Declared {
        addresses: BTreeMap::new(),
        hostname: BTreeMap::new(),
        dns: BTreeMap::new(),
        grace: BTreeMap::new(),
        portless: BTreeSet::new(),
    };
    for (name, service) in project["services"].as_object().unwrap() {
        let addresses: Vec<String> = service["networks"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(_, n)| n["ipv4_address"].as_str().map(String::from))
            .collect();
        d.addresses.insert(name.clone(), addresses);
        if let Some(h) = service["hostname"].as_str() {
            d.hostname.insert(name.clone(), h.to_string());
        }
        if let Some(list) = service["dns"].as_array() {
            d.dns.insert(
                name.clone(),
                list.iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect(),
            );
        }
        if let Some(g) = service["stop_grace_period"].as_str() {
            d.grace
                .insert(name.clone(), g.trim_end_matches('s').parse().unwrap());
        }
        let no_ports = service["ports"].as_array().is_none_or(Vec::is_empty)
            && service["expose"].as_array().is_none_or(Vec::is_empty);
        if no_ports {
            d.portless.insert(name.clone());
        }
    }
    d
}

/// The Service objects: name → selector.
fn selectors(objects: &[Value]) -> BTreeMap<String, Value> {
    objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| {
            (
                o["metadata"]["name"].as_str().unwrap().to_string(),
                o["spec"]["selector"].clone(),
            )
        })
        .collect()
}

fn selects(selector: &Value, deployment: &Value) -> bool {
    let labels = &deployment["spec"]["template"]["metadata"]["labels"];
    selector
        .as_object()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| &labels[k] == v))
}

/// The address map: preset address → Service.
fn address_map(objects: &[Value]) -> BTreeMap<String, String> {
    objects
        .iter()
        .filter(|o| o["kind"] == "ConfigMap")
        .filter_map(|o| o["data"]["addresses"].as_str())
        .flat_map(str::lines)
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let mut words = l.split_whitespace();
            (
                words.next().unwrap().to_string(),
                words.next().unwrap().to_string(),
            )
        })
        .collect()
}

/// Checks one converted application; returns what was checked, for the log.
#[allow(clippy::too_many_lines)]
fn check_structure(dir: &Path) -> String {
    let run = Test::new()
        .current_dir(dir)
        .args(["convert", "-f", "compose.yaml", "-v"])
        .success();
    let objects = run.objects();
    let declared = declared(dir);
    let pods = deployments(&objects);
    let pod_of = |service: &str| -> &Value {
        pods.iter()
            .find(|d| members(d).iter().any(|m| m == service))
            .unwrap_or_else(|| panic!("{}: no Pod runs `{service}`", dir.display()))
    };
    let services = selectors(&objects);
    let map = address_map(&objects);
    let where_ = dir.display();
    // 1. Every preset address is claimed by exactly one Pod: its service's.
    let mut addresses = 0;
    for (service, list) in &declared.addresses {
        for address in list {
            addresses += 1;
            let claiming: Vec<&str> = pods
                .iter()
                .filter(|d| claimed(d).contains(address))
                .map(|d| d["metadata"]["name"].as_str().unwrap())
                .collect();
            let own = pod_of(service)["metadata"]["name"].as_str().unwrap();
            assert_eq!(claiming, [own], "{where_}: `{address}` of `{service}`");
        }
    }
    // 2. Every service name reaches its preset address's Pod from every Pod:
    // in its own Pod through hostAliases; elsewhere through a Service that
    // selects its Pod, the address sent by the map to a Service of that Pod.
    let mut reached = 0;
    for (service, list) in &declared.addresses {
        let Some(address) = list.first() else {
            continue;
        };
        let home = pod_of(service);
        for pod in &pods {
            let spec = spec(pod);
            let isolated = spec["hostNetwork"] == true
                || (claimed(pod).is_empty() && spec["hostAliases"].is_null());
            if isolated {
                // the node's network, or none: compose gave these no peers either
                continue;
            }
            if std::ptr::eq(*pod, home) {
                assert_eq!(
                    aliases(pod).get(service),
                    Some(address),
                    "{where_}: `{service}` in its own Pod"
                );
                reached += 1;
                continue;
            }
            if !map.contains_key(address) {
                // no port known anywhere in its Pod: no Service; a warning says so
                assert!(
                    declared.portless.contains(service)
                        && run
                            .stderr
                            .lines()
                            .any(|l| l.contains("split-no-ports")
                                && l.contains(&format!("`{service}`"))),
                    "{where_}: `{address}` of `{service}` is not in the address map"
                );
                continue;
            }
            match aliases(pod).get(service) {
                Some(ip) => assert_eq!(ip, address, "{where_}: `{service}` in another Pod"),
                None => {
                    let selector = services
                        .get(service)
                        .unwrap_or_else(|| panic!("{where_}: no Service `{service}`"));
                    assert!(selects(selector, home), "{where_}: Service `{service}`");
                }
            }
            let via = &map[address];
            assert!(
                selects(&services[via], home),
                "{where_}: `{address}` goes to `{via}`, not to `{service}`'s Pod"
            );
            reached += 1;
        }
    }
    // 3. No two containers of a Pod on one port.
    for pod in &pods {
        let mut seen = BTreeSet::new();
        for list in ["initContainers", "containers"] {
            for c in spec(pod)[list].as_array().into_iter().flatten() {
                for p in c["ports"].as_array().into_iter().flatten() {
                    let key = (
                        p["containerPort"].as_u64().unwrap(),
                        p["protocol"].to_string(),
                    );
                    assert!(
                        seen.insert(key.clone()),
                        "{where_}: {key:?} twice in {}",
                        pod["metadata"]["name"]
                    );
                }
            }
        }
    }
    // 4. No Pod-level setting from another Pod's service.
    for pod in &pods {
        let own = members(pod);
        let spec = spec(pod);
        if let Some(hostname) = spec["hostname"].as_str() {
            assert!(
                own.iter()
                    .any(|m| declared.hostname.get(m).map(String::as_str) == Some(hostname)),
                "{where_}: hostname `{hostname}` of {}",
                pod["metadata"]["name"]
            );
        }
        for server in spec["dnsConfig"]["nameservers"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let server = server.as_str().unwrap().to_string();
            assert!(
                own.iter()
                    .any(|m| declared.dns.get(m).is_some_and(|d| d.contains(&server))),
                "{where_}: nameserver `{server}` of {}",
                pod["metadata"]["name"]
            );
        }
        let grace = own.iter().filter_map(|m| declared.grace.get(m)).max();
        assert_eq!(
            spec["terminationGracePeriodSeconds"].as_u64(),
            grace.copied(),
            "{where_}: grace period of {}",
            pod["metadata"]["name"]
        );
    }
    format!(
        "{where_}: {} Pods, {addresses} preset addresses, {reached} (service, Pod) names checked",
        pods.len()
    )
}

#[test]
fn real_static_ip_applications_convert_with_the_defaults_and_hold() {
    for dir in static_ip_fixtures() {
        let summary = check_structure(&dir);
        eprintln!("{summary}");
    }
}

#[test]
fn real_static_ip_applications_pass_kubernetes_validate_strict() {
    let Some(validate) = common::kubernetes_validate() else {
        return;
    };
    for dir in static_ip_fixtures() {
        let run = convert(&dir, &["-f", "compose.yaml"]);
        common::assert_valid_manifests(&validate, &run.stdout, &dir.display().to_string());
    }
}

// ---- a split that holds (issue 16, section 2) -------------------------------

fn service_targets(objects: &[Value], name: &str) -> Vec<(u64, u64)> {
    let service = objects
        .iter()
        .find(|o| o["kind"] == "Service" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Service {name}"));
    service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["port"].as_u64().unwrap(),
                p["targetPort"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn inbound_lines(deployment: &Value) -> Vec<String> {
    spec(deployment)["initContainers"][0]["command"][2]
        .as_str()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("iptables -t nat -A PODLIFT-IN"))
        .map(String::from)
        .collect()
}

const SHARED_PORT: &str = "services:
  a:
    image: a
    ports: [\"8080:8080\"]
    networks: {net: {ipv4_address: 10.62.0.21}}
  b:
    image: b
    ports: [\"8081:8080\"]
    networks: {net: {ipv4_address: 10.62.0.22}}
    x-podlift: {group: a}
networks:
  net:
    ipam: {config: [{subnet: 10.62.0.0/24}]}
";

#[test]
fn inbound_dnat_with_a_shared_port_sends_each_address_to_its_own_service() {
    let dir = compose_dir(SHARED_PORT);
    for strategy in ["pod", "split"] {
        let run = convert(
            dir.path(),
            &[
                "-p",
                "shared",
                "--strategy",
                strategy,
                "--allow-shared-port",
                "8080",
                "--inbound-dnat",
            ],
        );
        let objects = run.objects();
        let pods = deployments(&objects);
        assert_eq!(pods.len(), 1, "{strategy}: a and b share one Pod");
        assert_eq!(
            inbound_lines(pods[0]),
            [
                "iptables -t nat -A PODLIFT-IN -p tcp --dport 8080 -j DNAT --to-destination 10.62.0.21:8080",
                "iptables -t nat -A PODLIFT-IN -p tcp --dport 40000 -j DNAT --to-destination 10.62.0.22:8080",
            ],
            "{strategy}"
        );
        // b's Service arrives on the stand-in port, which the rule sends to b.
        assert!(
            service_targets(&objects, "a").contains(&(8080, 8080)),
            "{strategy}"
        );
        let b = service_targets(&objects, "b");
        assert!(
            b.iter().all(|(_, target)| *target != 8080),
            "{strategy}: {b:?}"
        );
        assert!(
            b.iter().any(|(_, target)| *target == 40000),
            "{strategy}: {b:?}"
        );
        assert!(!run.stderr.contains("split-shared-port"), "{}", run.stderr);
    }
}

#[test]
fn the_restart_note_names_each_policy() {
    let dir = compose_dir(
        "services:\n  a: {image: a, restart: on-failure}\n  b: {image: b}\n  c: {image: c, restart: \"no\"}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check"])
        .success();
    assert!(
        run.stderr.contains(
            "no service restarts after it exits (restart policies `on-failure`, `no`), but a Deployment's Pod restarts each container that exits"
        ),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr
            .contains("every service has restart policy `on-failure`")
    );
    // The majority is not "unlike the others".
    let dir = compose_dir(
        "services:\n  a: {image: a}\n  b: {image: b}\n  c: {image: c, restart: always}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-v"])
        .success();
    assert!(!run.stderr.contains("unlike the others"), "{}", run.stderr);
    assert!(
        run.stderr.contains("service `a` has restart policy `no`, but a Deployment's Pod restarts every container that exits (as `c`'s policy asks)"),
        "{}",
        run.stderr
    );
}

#[test]
fn split_messages_do_not_speak_of_one_pod() {
    // Two services of one namespace on one port: under split the error is
    // about their shared namespace, not about "one Pod".
    let dir = compose_dir(
        "services:\n  a: {image: a, expose: [\"80\"]}\n  b: {image: b, expose: [\"80\"], network_mode: \"service:a\"}\n",
    );
    for strategy in ["split", "auto"] {
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check", "--strategy", strategy])
            .run();
        assert_eq!(run.code, 1, "{strategy}: {}", run.stderr);
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains("error[port-conflict]"))
            .unwrap();
        assert!(!line.contains("one Pod"), "{strategy}: {line}");
        assert!(line.contains("share a network namespace"), "{line}");
    }
}

// ---- what cannot be checked or reached (issue 16, section 3) ---------------

fn notes_of(run: &Run, code: &str) -> Vec<String> {
    run.stderr
        .lines()
        .filter(|l| l.contains(&format!("note[{code}]")))
        .map(String::from)
        .collect()
}

#[test]
fn services_without_ports_are_named_once_when_pods_are_split() {
    let dir = compose_dir(CLASH);
    let run = convert(dir.path(), &["-p", "core"]);
    let notes = notes_of(&run, "ports-unknown");
    assert_eq!(notes.len(), 1, "{}", run.stderr);
    assert!(
        notes[0].contains("service `db` declares no ports"),
        "{notes:?}"
    );
    assert!(run.stderr.contains("`expose`"), "{}", run.stderr);
}

#[test]
fn lan_addresses_and_unclaimed_extra_hosts_are_noted() {
    let dir = compose_dir(
        "services:
  sensor:
    image: sensor:1
    extra_hosts: [\"license:10.63.0.9\", \"gw:10.63.0.2\"]
    networks:
      lan: {ipv4_address: 192.168.77.50}
      back: {ipv4_address: 10.63.0.3}
  db:
    image: db:1
    networks:
      back: {ipv4_address: 10.63.0.2}
networks:
  lan:
    driver: macvlan
    ipam: {config: [{subnet: 192.168.77.0/24}]}
  back:
    ipam: {config: [{subnet: 10.63.0.0/24}]}
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-v"])
        .success();
    let lan = notes_of(&run, "address-lan");
    assert_eq!(lan.len(), 1, "{}", run.stderr);
    assert!(
        lan[0].contains("`sensor` on `macvlan` network `lan`"),
        "{lan:?}"
    );
    // `sensor` and `db` share `back`: nothing compose kept apart meets in
    // the Pod, so no `network-isolation` note (a mere second network is no
    // loss of separation).
    assert!(
        notes_of(&run, "network-isolation").is_empty(),
        "{}",
        run.stderr
    );
    // 10.63.0.9 is in `back`'s subnet and nobody claims it; 10.63.0.2 is db's.
    let extra = notes_of(&run, "extra-host-unclaimed");
    assert_eq!(extra.len(), 1, "{}", run.stderr);
    assert!(
        extra[0].contains("sends `license` to `10.63.0.9`"),
        "{extra:?}"
    );
    assert!(
        run.stderr
            .contains("`x-podlift: {extra-addresses: [10.63.0.9]}`"),
        "{}",
        run.stderr
    );
}

// ---- the init image (issue 16, section 4) -----------------------------------

/// The init script's choice of iptables backend, run in a network namespace
/// of its own: nft where it works, legacy where nft does not.
#[test]
fn the_init_script_chooses_the_iptables_backend_that_works() {
    if !common::unshare_works(
        &["iptables-nft", "-t", "nat", "-S"],
        "the backend choice is not run",
    ) {
        return;
    }
    let dir = compose_dir(CLASH);
    let objects = convert(dir.path(), &["-p", "core"]).objects();
    let pods = deployments(&objects);
    let init = &spec(pods[0])["initContainers"][0];
    assert_eq!(init["image"], "docker.io/rancher/klipper-lb:v0.4.17");
    let script = init["command"][2].as_str().unwrap();
    let start = script.find("for backend in nft legacy").unwrap();
    let end = start + script[start..].find("\ndone\n").unwrap() + 6;
    let choose = &script[start..end];
    let probe = format!(
        "set -e\n{choose}iptables -t nat -N PODLIFT-T\niptables -t nat -S PODLIFT-T\niptables -V\n"
    );
    let tmp = tempfile::tempdir().unwrap();
    let no_nft = tmp.path().join("no-nft");
    std::fs::create_dir(&no_nft).unwrap();
    let stub = no_nft.join("iptables-nft");
    std::fs::write(&stub, "#!/bin/sh\necho 'no nf_tables here' >&2\nexit 1\n").unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = std::env::var("PATH").unwrap();
    for (path, backend) in [
        (path.clone(), "nf_tables"),
        (format!("{}:{path}", no_nft.display()), "legacy"),
    ] {
        let output = Command::new("timeout")
            .args(["20", "unshare", "-n", "sh", "-c", &probe])
            .env("PATH", &path)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains("-N PODLIFT-T"), "{stdout}");
        assert!(stdout.contains(&format!("({backend})")), "{stdout}");
    }
}
