//! The mapping of a realistic product (tests/fixtures/product): what each
//! compose setting becomes in the manifests.

use crate::common;

use common::{Run, Test, fixture};
use serde_json::{Value, json};

fn product() -> Run {
    let compose = fixture("product").join("compose.yaml");
    Test::new()
        .args(["convert", "-f", compose.to_str().unwrap()])
        .success()
}

fn object<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn container<'a>(spec: &'a Value, list: &str, name: &str) -> &'a Value {
    spec[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[test]
fn product_snapshot_is_clean() {
    let run = product();
    assert!(
        !run.stderr.contains("warning[") && run.stderr.contains(", 0 warnings,"),
        "the product converts without warnings:\n{}",
        run.stderr
    );
    insta::assert_snapshot!("product", run.stdout);
}

#[test]
fn start_order_uses_sidecars_and_a_one_shot_init_container() {
    let spec = product().pod_spec();
    let init: Vec<(&str, Option<&str>)> = spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["restartPolicy"].as_str()))
        .collect();
    assert_eq!(
        init,
        [
            ("podlift-loopback", None),
            ("db", Some("Always")),
            ("migrate", None),
            ("api", Some("Always")),
        ]
    );
    let containers = common::names_in(&spec, "containers");
    assert_eq!(containers, ["worker", "web"]);
}

/// Issue 27 item 4: a health check gates `service_healthy` and takes no
/// traffic away. Fails on the old main: `db` had a `readinessProbe`.
#[test]
fn healthcheck_becomes_a_start_gate_only() {
    let spec = product().pod_spec();
    let db = container(&spec, "initContainers", "db");
    // `migrate` waits for `service_healthy`: the kubelet holds it until db's
    // startupProbe passes, for at least 10 minutes (30 s + 10 s × 5 is less).
    assert_eq!(
        db["startupProbe"],
        json!({
            "exec": {"command": ["sh", "-c", "pg_isready -U postgres"]},
            "periodSeconds": 10, "timeoutSeconds": 5, "failureThreshold": 60
        })
    );
    assert!(
        db.get("readinessProbe").is_none(),
        "compose never takes traffic away from an unhealthy container: {db}"
    );
    assert!(
        db.get("livenessProbe").is_none(),
        "compose never restarts an unhealthy container"
    );
}

#[test]
fn environment_values_stay_strings_and_env_file_comes_first() {
    let spec = product().pod_spec();
    let api = container(&spec, "initContainers", "api");
    let env: Vec<(String, String)> = api["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let get = |n: &str| env.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    assert_eq!(get("DATABASE_URL"), Some("postgres://db/shop"));
    assert_eq!(
        get("LOG_LEVEL"),
        Some("debug"),
        "environment wins over env_file"
    );
    assert_eq!(get("QUOTED"), Some("a b"));
    assert_eq!(get("FEATURE_FLAG"), Some("yes"));
    assert_eq!(get("PADDED"), Some("0080"));
    assert_eq!(env.iter().filter(|(k, _)| k == "LOG_LEVEL").count(), 1);
}

#[test]
fn bind_mounted_file_becomes_a_config_map_with_its_content() {
    let run = product();
    let objects = run.objects();
    let on_disk = std::fs::read_to_string(fixture("product").join("config/api.conf")).unwrap();
    let config = object(&objects, "ConfigMap", "product-api-api-conf");
    assert_eq!(config["data"]["api.conf"], on_disk);
    let spec = run.pod_spec();
    let api = container(&spec, "initContainers", "api");
    let mount = api["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/etc/api/api.conf")
        .unwrap();
    assert_eq!(mount["subPath"], "api.conf");
    assert_eq!(mount["readOnly"], true);
}

#[test]
fn secrets_go_to_a_secret_never_a_config_map() {
    let run = product();
    let objects = run.objects();
    let secret = object(&objects, "Secret", "product-secret-db-password");
    // base64 of the file's content.
    assert_eq!(secret["data"]["db_password"], "czNjcjN0LWZvci10ZXN0cw==");
    assert!(
        !run.stdout
            .replace(secret["data"]["db_password"].as_str().unwrap(), "")
            .contains("s3cr3t")
    );
    let spec = run.pod_spec();
    let db = container(&spec, "initContainers", "db");
    let mount = db["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/run/secrets/db_password")
        .unwrap();
    assert_eq!(mount["subPath"], "db_password");
}

#[test]
fn named_volume_is_a_claim_and_tmpfs_is_memory() {
    let run = product();
    let objects = run.objects();
    let claim = object(&objects, "PersistentVolumeClaim", "product-dbdata");
    assert_eq!(claim["spec"]["accessModes"], json!(["ReadWriteOnce"]));
    let volumes = run.pod_spec()["volumes"].as_array().unwrap().clone();
    assert!(
        volumes
            .iter()
            .any(|v| v["persistentVolumeClaim"]["claimName"] == "product-dbdata")
    );
    assert!(
        volumes
            .iter()
            .any(|v| v["emptyDir"] == json!({"medium": "Memory", "sizeLimit": "64Mi"}))
    );
}

#[test]
fn published_ports_become_a_service_named_after_the_compose_service() {
    let run = product();
    let objects = run.objects();
    let web = object(&objects, "Service", "web");
    assert_eq!(
        web["spec"]["ports"],
        json!([
            {"name": "tcp-8080", "port": 8080, "targetPort": 80, "protocol": "TCP"},
            {"name": "tcp-8443", "port": 8443, "targetPort": 443, "protocol": "TCP"}
        ])
    );
    assert_eq!(web["spec"]["selector"]["app.kubernetes.io/name"], "product");
    assert_eq!(
        objects.iter().filter(|o| o["kind"] == "Service").count(),
        1,
        "only `web` publishes"
    );
}

#[test]
fn security_and_resources_are_carried() {
    let spec = product().pod_spec();
    let api = container(&spec, "initContainers", "api");
    assert_eq!(
        api["securityContext"],
        json!({"runAsUser": 1000, "runAsGroup": 1000})
    );
    assert_eq!(
        api["resources"]["limits"],
        json!({"cpu": "500m", "memory": "512Mi"})
    );
    let web = container(&spec, "containers", "web");
    assert_eq!(web["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(
        web["securityContext"]["capabilities"],
        json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]})
    );
}

#[test]
fn literal_dollar_parens_survive_the_kubelet() {
    let compose = "services:\n  a:\n    image: a\n    restart: always\n    command: [\"echo\", \"$$(date)\"]\n";
    let dir = common::compose_dir(compose);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .success();
    // compose turns `$$` into `$`; the kubelet would expand `$(date)`, so it is written `$$(date)`.
    assert_eq!(
        run.pod_spec()["containers"][0]["args"],
        json!(["echo", "$$(date)"])
    );
}

/// The rows of a table in docs/compose-support.md: (key, support, what happens).
fn docs_rows(docs: &str, heading: &str) -> Vec<(String, String, String)> {
    let section = docs.split(heading).nth(1).unwrap();
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            let key = cells.first()?.strip_prefix("| `")?.strip_suffix('`')?;
            Some((
                key.to_string(),
                cells.get(1)?.to_string(),
                cells.get(2)?.trim_end_matches(" |").to_string(),
            ))
        })
        .collect()
}

/// The keys `Service::read`'s readers (one per area) match by name (their
/// arms at one indentation).
fn keys_the_model_reads() -> Vec<String> {
    let source = std::fs::read_to_string(common::repo().join("src/model/service/read.rs")).unwrap();
    let body = source.split("pub(crate) fn read(").nth(1).unwrap();
    let body = body.split("\n/// podlift's keys under").next().unwrap();
    let mut keys = Vec::new();
    for line in body.lines() {
        let Some(arm) = line.strip_prefix("            \"") else {
            continue;
        };
        let Some((pattern, _)) = arm.split_once(" =>") else {
            continue;
        };
        for key in format!("\"{pattern}").split(" | ") {
            keys.push(key.trim_matches('"').to_string());
        }
    }
    keys
}

#[test]
fn key_table_model_and_docs_agree_both_ways() {
    use podlift::model::keys::{SERVICE_KEYS, Support, TOP_LEVEL_KEYS};
    let docs = std::fs::read_to_string(common::repo().join("docs/compose-support.md")).unwrap();
    let rows = docs_rows(&docs, "## Service keys");
    let read = keys_the_model_reads();
    assert!(read.len() > 50, "found the model's keys: {read:?}");
    // Keys the loader resolves before the model sees the service.
    let loader = ["extends", "profiles"];
    for (key, support) in SERVICE_KEYS {
        let row = rows
            .iter()
            .find(|(k, _, _)| k == key)
            .unwrap_or_else(|| panic!("docs/compose-support.md has no row for `{key}`"));
        let (kind, why) = match support {
            Support::Mapped => ("mapped", None),
            Support::Ignored(why) => ("ignored", Some(*why)),
            Support::NotCarried(why) => ("not carried", Some(*why)),
        };
        assert_eq!(row.1, kind, "support of `{key}` in the docs");
        if let Some(why) = why {
            assert_eq!(row.2, why, "the reason for `{key}` in the docs");
        }
        // A key the table calls mapped but nobody reads would be dropped
        // without a word.
        if *support == Support::Mapped {
            assert!(
                read.contains(&key.to_string()) || loader.contains(key),
                "`{key}` is mapped in src/model/keys.rs, but the model does not read it"
            );
        }
        assert!(
            !row.2.contains("does not carry it over yet"),
            "`{key}` is still to do"
        );
    }
    for (key, _, _) in &rows {
        assert!(
            SERVICE_KEYS.iter().any(|(k, _)| k == key),
            "docs/compose-support.md lists `{key}`, src/model/keys.rs does not"
        );
    }
    for key in read.iter().filter(|k| !k.starts_with("x-")) {
        assert!(
            SERVICE_KEYS.iter().any(|(k, _)| k == key),
            "the model reads `{key}`, which src/model/keys.rs does not list"
        );
    }
    let top = docs_rows(&docs, "## Top-level keys");
    for (key, _) in TOP_LEVEL_KEYS {
        assert!(
            top.iter().any(|(k, _, _)| k == key),
            "docs/compose-support.md does not list top-level `{key}`"
        );
    }
}

#[test]
fn env_file_values_are_interpolated_and_win_over_the_shell() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vars.env"),
        "A=${B:-x}\nC=${A}\nD=from-file\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        "services:\n  s: {image: nginx, restart: always, env_file: vars.env}\n",
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .env("D", "from-shell")
        .args(["convert"])
        .success();
    let env = &run.pod_spec()["containers"][0]["env"];
    assert_eq!(
        *env,
        json!([{"name": "A", "value": "x"}, {"name": "C", "value": "x"}, {"name": "D", "value": "from-file"}])
    );
}
