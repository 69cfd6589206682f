//! Red team, round 8, config angle: compose's schema after round 8, each
//! case run through Docker Compose 2.40.3 (`docker-compose -f FILE config
//! --format json`); the tests quote what compose said.

use crate::common;

use common::{Test, compose_dir};

fn check(compose: &str) -> common::Run {
    let dir = compose_dir(compose);
    Test::new()
        .args(["check", "-v"])
        .current_dir(dir.path())
        .run()
}

#[test]
fn plain_special_floats_in_keys_the_model_reads_as_text_are_refused() {
    // compose: `services.a.hostname must be a string`, `image must be a
    // string`, `command.1 must be a string`, `dns.[0]: unexpected type
    // float64`, `volumes.0 must be a string`, `healthcheck.test.1 must be
    // a string`, `post_start.0.user must be a string`, `cgroup must be a
    // string` (for `.inf` and for `1`); podlift r8 accepted each
    let run = check(
        "services:
  a:
    image: .inf
    hostname: -.Inf
    container_name: .nan
    working_dir: .inf
    user: .NaN
    pull_policy: .inf
    command: [echo, .inf]
    entrypoint: [.inf]
    dns: [.inf]
    dns_search: .inf
    volumes: [.inf, 1]
    cgroup: 1
    healthcheck: {test: [CMD, .inf]}
    post_start: [{command: echo, user: .inf}]
",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for expected in [
        "`image` must be a string, found `.inf`",
        "`hostname` must be a string, found `-.Inf`",
        "`container_name` must be a string, found `.nan`",
        "`working_dir` must be a string, found `.inf`",
        "`user` must be a string, found `.NaN`",
        "`pull_policy` must be a string, found `.inf`",
        "`command item` must be a string, found `.inf`",
        "`entrypoint item` must be a string, found `.inf`",
        "`dns item` must be a string, found `.inf`",
        "`dns_search` must be a string, found `.inf`",
        "`volumes item` must be a string, found `.inf`",
        "`volumes item` must be a string, found `1`",
        "`cgroup` must be a string, found `1`",
        "`test item` must be a string, found `.inf`",
        "`user` must be a string, found `.inf`",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
    assert_eq!(
        run.stderr.matches("error[type]").count(),
        15,
        "{}",
        run.stderr
    );
}

#[test]
fn a_number_in_a_key_the_model_reads_is_reported_once() {
    let run = check(
        "services:
  a:
    image: nginx
    hostname: 1
    command: [echo, 1]
",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.stderr.matches("error[type]").count(),
        2,
        "{}",
        run.stderr
    );
}

#[test]
fn quoted_and_tagged_special_floats_and_dates_stay_text() {
    // compose accepts each: quoted, `!!str` (before or after an anchor),
    // interpolated, in environment values (`.inf` is a value there)
    let dir = compose_dir(
        "services:
  a:
    image: nginx
    hostname: '.inf'
    command: [echo, \".nan\", !!str .inf, \"2001-12-14\"]
    environment:
      A: !!str &d 2001-12-14
      B: &e !!str 2001-12-15
      C: .inf
      D: ${DAY}
    labels: {'2001-12-14': a, !!str .inf: b}
",
    );
    let out = Test::new()
        .args(["config", "--format", "json"])
        .env("DAY", "2001-12-14")
        .current_dir(dir.path())
        .success()
        .stdout;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let env = &json["services"]["a"]["environment"];
    assert_eq!(env["A"], "2001-12-14", "{out}");
    assert_eq!(env["B"], "2001-12-15", "{out}");
    assert_eq!(env["C"], ".inf", "{out}");
    assert_eq!(env["D"], "2001-12-14", "{out}");
    assert_eq!(json["services"]["a"]["labels"][".inf"], "b", "{out}");
}

#[test]
fn plain_dates_and_special_floats_as_mapping_keys_are_refused() {
    // compose: `non-string key in services.a.labels: +Inf`, `non-string
    // key in services.a.x-l: time.Date(2001, time.December, 14, …)`
    let run = check(
        "services:
  a:
    image: nginx
    labels: {.inf: a}
    x-l: {2001-12-14: a}
",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    for expected in [
        "mapping key `.inf` must be a string, found a number",
        "mapping key `2001-12-14` must be a string, found a date",
    ] {
        assert!(run.stderr.contains(expected), "{expected}\n{}", run.stderr);
    }
}

#[test]
fn extra_hosts_with_several_addresses_per_name_are_taken_as_compose_takes_them() {
    // compose 2.40.3 prints `h4=1.2.3.4`, `h4=5.6.7.8`, `h5=::1`, `h5=::2`,
    // `m3=1.2.3.4`, `m3=5.6.7.8`; podlift r8 refused both spellings
    // (`extra-host-invalid`)
    let dir = compose_dir(
        "services:
  a:
    image: nginx
    extra_hosts: [\"h4=1.2.3.4,5.6.7.8\", \"h5=[::1],[::2]\"]
  b:
    image: nginx
    extra_hosts: {m3: [1.2.3.4, 5.6.7.8]}
",
    );
    let out = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .success()
        .stdout;
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        json["services"]["a"]["extra_hosts"],
        serde_json::json!(["h4=1.2.3.4", "h4=5.6.7.8", "h5=::1", "h5=::2"]),
        "{out}"
    );
    assert_eq!(
        json["services"]["b"]["extra_hosts"],
        serde_json::json!(["m3=1.2.3.4", "m3=5.6.7.8"]),
        "{out}"
    );
}

#[test]
fn several_addresses_of_one_extra_host_are_each_a_host_alias_in_every_strategy() {
    // docker writes one `/etc/hosts` line per address; podlift kept the first
    // address and warned `name-conflict` (one Pod), or dropped the others
    // silently (split)
    let dir = compose_dir(
        "services:
  a:
    image: nginx
    extra_hosts: [\"h=10.0.0.1,10.0.0.2\", \"H=10.0.0.3\"]
  b:
    image: nginx
",
    );
    for strategy in ["pod", "split"] {
        let run = Test::new()
            .args(["convert", "--strategy", strategy])
            .current_dir(dir.path())
            .success();
        assert!(
            !run.stderr.contains("name-conflict"),
            "{strategy}: {}",
            run.stderr
        );
        let objects = crate::common::objects_in(&run.stdout);
        let aliases: Vec<(String, Vec<String>)> = objects
            .iter()
            .filter_map(|o| o["spec"]["template"]["spec"]["hostAliases"].as_array())
            .flatten()
            .filter(|a| a["hostnames"].as_array().unwrap().iter().any(|n| n == "h"))
            .map(|a| {
                let names = a["hostnames"].as_array().unwrap();
                let names = names.iter().map(|n| n.as_str().unwrap().to_string());
                (a["ip"].as_str().unwrap().to_string(), names.collect())
            })
            .collect();
        let ips: Vec<&str> = aliases.iter().map(|(ip, _)| ip.as_str()).collect();
        assert_eq!(
            ips,
            ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
            "{strategy}: {aliases:?}"
        );
    }
}
