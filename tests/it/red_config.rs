//! Red-team round 7, `podlift config` against Docker Compose v2.40.3: each
//! test is a disagreement found by hand with the oracle binary
//! (`docker-compose config --format json`), whose output is the expected
//! value.

use crate::common;

use common::{Test, compose_dir};
use serde_json::{Value, json};

fn config(compose: &str) -> Value {
    let dir = compose_dir(compose);
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .success();
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn a_mapping_key_holding_an_equals_sign_stays_the_key() {
    // podlift b688355 joined each entry into `KEY=VALUE` and split it again
    // at the first `=`: `"=x": y` printed as `"": x=y` (a key compose then
    // refuses when it reads the output back) and `"a=b": c` as `a: b=c`
    let out = config(
        "services:
  a:
    image: a
    labels: {\"a=b\": c, \"=x\": y}
    annotations: {\"k=v\": w}
    sysctls: {\"net.x=1\": 2}
",
    );
    let a = &out["services"]["a"];
    assert_eq!(a["labels"], json!({"a=b": "c", "=x": "y"}));
    assert_eq!(a["annotations"], json!({"k=v": "w"}));
    assert_eq!(a["sysctls"], json!({"net.x=1": "2"}));
}

/// `shm_size` and `mem_limit` of `service` under spelling `size`, as
/// `config` prints them, or `None` when `config` refuses the file.
fn sizes(size: &str) -> Option<(Value, Value)> {
    let dir = compose_dir(&format!(
        "services:\n  a:\n    image: a\n    shm_size: {size}\n    mem_limit: {size}\n"
    ));
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .run();
    if run.code != 0 {
        return None;
    }
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    let a = &out["services"]["a"];
    Some((a["shm_size"].clone(), a["mem_limit"].clone()))
}

#[test]
fn byte_sizes_read_as_compose_reads_them() {
    // compose (go-units' RAMInBytes) cuts a fraction of a byte, reads the
    // number with Go's ParseFloat and knows `p`; a YAML whole number is
    // read as go-yaml reads it. podlift b688355 rounded (`"1.9"` was 2
    // bytes), refused `"1e3"`, `"1_000"`, `"+1g"`, `1p` and `0x10`, read
    // `010` as ten and 9223372036854775807 through a float (…808).
    for (size, bytes) in [
        ("\"1.9\"", "1"),
        ("\"0.7k\"", "716"),
        ("\"1e3\"", "1000"),
        ("\"1e3k\"", "1024000"),
        ("\"1_000\"", "1000"),
        ("\"+1g\"", "1073741824"),
        ("1p", "1125899906842624"),
        ("1PiB", "1125899906842624"),
        ("0x10", "16"),
        ("010", "8"),
        ("1_000", "1000"),
        ("9223372036854775807", "9223372036854775807"),
        ("\"1 g\"", "1073741824"),
        ("1.5g", "1610612736"),
    ] {
        let (shm, mem) = sizes(size).unwrap_or_else(|| panic!("{size} refused"));
        assert_eq!(shm, json!(bytes), "{size}");
        assert_eq!(mem, json!(bytes), "{size}");
    }
}

#[test]
fn a_byte_size_compose_cannot_read_is_refused() {
    // compose refuses a space before the number, after the unit or two
    // between them; it drops a YAML number with a fraction without a word
    // (podlift refuses it rather than lose a limit the file states)
    for size in [
        "\" 1g\"", "\"1g \"", "\"1  g\"", "\"0x10\"", "1.5", "1e3", "\"1kk\"",
    ] {
        assert_eq!(sizes(size), None, "{size}");
    }
}

#[test]
fn a_zero_shm_size_is_no_shm_size() {
    // compose leaves `shm_size: 0` (and a size under a byte) out: the
    // container gets Docker's /dev/shm. podlift b688355 mounted a memory
    // emptyDir with `sizeLimit: "0"` (no limit at all) at /dev/shm
    for size in ["0", "\"0\"", "\"0.5\""] {
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: a\n    shm_size: {size}\n"
        ));
        let run = Test::new()
            .args(["convert", "--format", "json"])
            .current_dir(dir.path())
            .success();
        assert!(!run.stdout.contains("/dev/shm"), "{size}: {}", run.stdout);
    }
}

/// `healthcheck.retries` of `service` under spelling `retries`, as `config`
/// prints it, or `None` when `config` refuses the file.
fn retries(retries: &str) -> Option<Value> {
    let dir = compose_dir(&format!(
        "services:\n  a:\n    image: a\n    healthcheck: {{test: [CMD, \"true\"], retries: {retries}}}\n"
    ));
    let run = Test::new()
        .args(["config", "--format", "json"])
        .current_dir(dir.path())
        .run();
    if run.code != 0 {
        return None;
    }
    let out: Value = serde_json::from_str(&run.stdout).unwrap();
    Some(out["services"]["a"]["healthcheck"]["retries"].clone())
}

#[test]
fn retries_take_what_compose_s_uint64_takes() {
    // compose reads `retries` into a uint64: podlift b688355 refused a
    // count past i64::MAX (…807) and took `-0.5` as 0
    for (written, count) in [
        (
            "18446744073709551615",
            json!(18_446_744_073_709_551_615_u64),
        ),
        ("9223372036854775808", json!(9_223_372_036_854_775_808_u64)),
        ("1e19", json!(10_000_000_000_000_000_000_u64)),
        ("0x10", json!(16)),
        ("010", json!(8)),
        ("1.5", json!(1)),
        ("-0", json!(0)),
        ("\"5\"", json!(5)),
    ] {
        assert_eq!(retries(written), Some(count), "{written}");
    }
    for written in [
        "-0.5",
        "-1",
        "\"-1\"",
        "18446744073709551616",
        "\"0x10\"",
        "\"1.5\"",
    ] {
        assert_eq!(retries(written), None, "{written}");
    }
}

#[test]
fn a_duration_past_go_s_int64_nanoseconds_is_refused() {
    // compose holds a duration in Go's int64 nanoseconds: `2562048h` is
    // "time: invalid duration"; podlift b688355 accepted and printed it
    for (key, duration) in [
        ("stop_grace_period", "2562048h"),
        (
            "healthcheck",
            "{test: [CMD, x], interval: 9223372036854775808ns}",
        ),
        ("healthcheck", "{test: [CMD, x], start_interval: 106752d}"),
    ] {
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: a\n    {key}: {duration}\n"
        ));
        let run = Test::new()
            .args(["config", "--format", "json"])
            .current_dir(dir.path())
            .failure(1);
        assert!(run.stderr.contains("must be a duration"), "{}", run.stderr);
    }
    let out =
        config("services:\n  a:\n    image: a\n    stop_grace_period: 9223372036854775807ns\n");
    assert_eq!(
        out["services"]["a"]["stop_grace_period"],
        "2562047h47m16.854775807s"
    );
}

#[test]
fn a_number_in_a_list_of_strings_is_the_number_compose_reads() {
    // compose reads `group_add: [0x10, 010]` as groups 16 and 8 (go-yaml's
    // numbers, printed in decimal); podlift b688355 printed them as
    // written and converted `010` to group 10 and `0x10` to no group
    let out = config(
        "services:\n  a:\n    image: a\n    group_add: [0x10, 010, 1_000, \"010\", wheel]\n    expose: [0x50]\n",
    );
    let a = &out["services"]["a"];
    assert_eq!(a["group_add"], json!(["16", "8", "1000", "010", "wheel"]));
    assert_eq!(a["expose"], json!(["80"]));
    let dir = compose_dir("services:\n  a:\n    image: a\n    group_add: [0x10, 010]\n");
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    assert_eq!(
        run.pod_spec()["securityContext"]["supplementalGroups"],
        json!([8, 16])
    );
}

#[test]
fn a_whole_number_past_i64_stays_whole_in_an_extension() {
    // go-yaml reads 9223372036854775808 as a uint64 and compose prints it
    // so; podlift b688355 printed 9.223372036854776e+18 (another number
    // when read back)
    let out = config(
        "x-a: {big: 9223372036854775808, max: 18446744073709551615, past: 18446744073709551616}\nservices:\n  a:\n    image: a\n",
    );
    assert_eq!(out["x-a"]["big"], json!(9_223_372_036_854_775_808_u64));
    assert_eq!(out["x-a"]["max"], json!(18_446_744_073_709_551_615_u64));
    // past u64 it is a float, as go-yaml reads it
    assert_eq!(out["x-a"]["past"], json!(1.844_674_407_370_955_2e19));
    let dir = compose_dir("x-a: {big: 9223372036854775808}\nservices:\n  a:\n    image: a\n");
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .success();
    assert!(
        run.stdout.contains("big: 9223372036854775808\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn uts_service_is_a_dependency_as_pid_and_ipc_are() {
    // compose v2.40.3 counts `uts: service:X` as a dependency (restart:
    // true) and refuses an X that is no service; podlift b688355 printed
    // no `depends_on`, accepted `service:nosuch` and left X out of
    // `config a`
    let compose = "services:\n  a:\n    image: a\n    uts: \"service:b\"\n  b:\n    image: b\n  c:\n    image: c\n";
    let out = config(compose);
    assert_eq!(
        out["services"]["a"]["depends_on"],
        json!({"b": {"condition": "service_started", "restart": true, "required": true}})
    );
    let dir = compose_dir(compose);
    let run = Test::new()
        .args(["config", "--format", "json", "a"])
        .current_dir(dir.path())
        .success();
    let selected: Value = serde_json::from_str(&run.stdout).unwrap();
    let names: Vec<&String> = selected["services"].as_object().unwrap().keys().collect();
    assert_eq!(names, ["a", "b"]);
    let dir = compose_dir("services:\n  a:\n    image: a\n    uts: \"service:nosuch\"\n");
    let run = Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
    assert!(run.stderr.contains("depends-on-unknown"), "{}", run.stderr);
}

#[test]
fn an_empty_healthcheck_test_is_no_test() {
    // compose v2.40.3 reads `test: []` as no test (the image's check runs)
    // and leaves it out; podlift b688355 refused it ("must start with
    // `CMD`")
    let out = config("services:\n  a:\n    image: a\n    healthcheck: {test: [], interval: 5s}\n");
    assert_eq!(
        out["services"]["a"]["healthcheck"],
        json!({"interval": "5s"})
    );
}

#[test]
fn two_volumes_at_one_path_are_one_as_compose_keeps_one() {
    // compose v2.40.3 keeps one `volumes` entry per container path within a
    // file too (a later one replaces an earlier one at its place); podlift
    // b688355 kept both and convert wrote two volumeMounts at `/data`, which
    // the API server refuses ("must be unique")
    let compose = "services:\n  a:\n    image: a\n    volumes: [\"vol:/data\", /cache, /data, /cache]\nvolumes:\n  vol: {}\n";
    let out = config(compose);
    assert_eq!(
        out["services"]["a"]["volumes"],
        json!([{"type": "volume", "target": "/data", "volume": {}}, {"type": "volume", "target": "/cache", "volume": {}}])
    );
    let dir = compose_dir(compose);
    let run = Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .success();
    let mounts = run.pod_spec()["containers"][0]["volumeMounts"].clone();
    let paths: Vec<&str> = mounts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert_eq!(paths, ["/data", "/cache"]);
    // compose checks each entry before it keeps one: a refused one is no
    // less refused for a later entry at its path
    let dir = compose_dir(
        "services:\n  a:\n    image: a\n    volumes: [\":/data:ro\", \"vol:/data\"]\nvolumes:\n  vol: {}\n",
    );
    Test::new()
        .args(["config"])
        .current_dir(dir.path())
        .failure(1);
}

#[test]
fn exact_repeats_in_lists_compose_dedupes_are_one() {
    // compose v2.40.3 keeps one of exact repeats in these lists; podlift
    // b688355 kept both (`tmpfs: [/t, /t]` became two volumeMounts at
    // `/t`, which the API server refuses)
    let out = config(
        "services:\n  a:\n    image: a\n    cap_add: [NET_ADMIN, NET_ADMIN]\n    cap_drop: [X, X]\n    dns: [1.1.1.1, 1.1.1.1]\n    dns_opt: [a, a]\n    dns_search: [a, a]\n    expose: [\"80\", 80]\n    tmpfs: [/t, /t]\n    links: [b, b]\n  b:\n    image: b\n",
    );
    let a = &out["services"]["a"];
    assert_eq!(a["cap_add"], json!(["NET_ADMIN"]));
    assert_eq!(a["cap_drop"], json!(["X"]));
    assert_eq!(a["dns"], json!(["1.1.1.1"]));
    assert_eq!(a["dns_opt"], json!(["a"]));
    assert_eq!(a["dns_search"], json!(["a"]));
    assert_eq!(a["expose"], json!(["80"]));
    assert_eq!(a["tmpfs"], json!(["/t"]));
    assert_eq!(a["links"], json!(["b"]));
}

#[test]
fn a_volume_and_a_tmpfs_at_one_path_are_refused_as_compose_refuses_them() {
    // compose v2.40.3: "services.a.volumes[0]: target /data already mounted
    // as services.a.tmpfs[0]"; podlift b688355 accepted it and convert
    // wrote two volumeMounts at /data, which the API server refuses
    for mounts in [
        "volumes: [/data]\n    tmpfs: [/data]",
        "tmpfs: [/data, \"/data:size=1k\"]",
    ] {
        let dir = compose_dir(&format!("services:\n  a:\n    image: a\n    {mounts}\n"));
        let run = Test::new()
            .args(["convert"])
            .current_dir(dir.path())
            .failure(1);
        assert!(
            run.stderr.contains("`/data` is mounted twice"),
            "{mounts}: {}",
            run.stderr
        );
    }
}
