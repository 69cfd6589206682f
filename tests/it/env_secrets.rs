//! Credential-looking environment values never go as plain text into a
//! workload (issue 25 class 1, issue 29 item 5): whether they come from an
//! `env_file`, `environment` or interpolation, by name or by content, they go
//! into one Secret per service and the container reads them with
//! `secretKeyRef`, in compose's order and with its overrides. The Helm chart
//! takes them from values or an existing Secret, never from a template; the
//! Kustomize base holds the Secret as a resource.
//!
//! Every test here fails on the main before this change: the values were
//! plain `env` values of the Deployment and literal text of the chart.

use crate::common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::{Run, Test, run_tool};

const WG_KEY: &str = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";
/// A GitHub token's shape, written in two parts so that no secret scanner
/// takes this file for a leak.
const TOKEN: &str = concat!("gh", "p_0123456789abcdefghijABCDEFGHIJ012345");
use common::KUBE_VERSION;

/// A project with an env file holding a WireGuard key, a token and a plain
/// setting, and a database whose password is in `environment`.
fn project() -> tempfile::TempDir {
    let dir = common::compose_dir(
        "services:
  vpn:
    image: wireguard
    env_file: [wg.env]
    environment:
      SERVERURL: vpn.example.com
  db:
    image: postgres:17
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${DB_PASSWORD}
      POSTGRES_PASSWORD_FILE: /run/secrets/db
      MYSQL_ALLOW_EMPTY_PASSWORD: \"yes\"
",
    );
    std::fs::write(
        dir.path().join("wg.env"),
        format!("PEERS=3\nWIREGUARD_PRIVATE_KEY={WG_KEY}\nCI_READ={TOKEN}\nLOG_LEVEL=debug\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "DB_PASSWORD=s3cr3t-pw\n").unwrap();
    dir
}

/// Converts in `dir` as project `p`.
fn convert(dir: &Path, args: &[&str]) -> Run {
    common::convert_in(dir, &[&["-p", "p"], args].concat())
}

/// The `env` of container `name` in any workload of `objects`.
fn env_of(objects: &[Value], name: &str) -> Vec<Value> {
    for object in objects {
        let spec = if object["kind"] == "Pod" {
            &object["spec"]
        } else {
            &object["spec"]["template"]["spec"]
        };
        for container in spec["containers"].as_array().into_iter().flatten() {
            if container["name"] == name {
                return container["env"].as_array().cloned().unwrap_or_default();
            }
        }
    }
    panic!("no container `{name}`");
}

/// `(name, plain value or "secret:NAME/KEY")` of each variable, in order.
fn env_pairs(env: &[Value]) -> Vec<(String, String)> {
    env.iter()
        .map(|v| {
            let value = match v["value"].as_str() {
                Some(text) => text.to_string(),
                None => {
                    let reference = &v["valueFrom"]["secretKeyRef"];
                    format!(
                        "secret:{}/{}",
                        reference["name"].as_str().unwrap(),
                        reference["key"].as_str().unwrap()
                    )
                }
            };
            (v["name"].as_str().unwrap().to_string(), value)
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
        .collect()
}

/// The decoded data of Secret `name`.
fn secret_data(objects: &[Value], name: &str) -> Vec<(String, String)> {
    let secret = objects
        .iter()
        .find(|o| o["kind"] == "Secret" && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no Secret `{name}`"));
    secret["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), decode(v.as_str().unwrap())))
        .collect()
}

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64, as a Secret's data.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for chunk in text.as_bytes().chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn decode(text: &str) -> String {
    let mut bits = 0u32;
    let mut count = 0;
    let mut bytes = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c).unwrap();
        bits = bits << 6 | u32::try_from(value).unwrap();
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push(u8::try_from(bits >> count & 0xff).unwrap());
        }
    }
    String::from_utf8(bytes).unwrap()
}

/// Fails on the old main: the key, the token and the password were plain
/// `value`s of the Deployment.
#[test]
fn env_file_and_environment_credentials_go_into_a_secret_per_service() {
    let dir = project();
    let run = convert(dir.path(), &[]);
    let objects = run.objects();
    for workload in objects.iter().filter(|o| o["kind"] != "Secret") {
        let text = workload.to_string();
        for value in [WG_KEY, TOKEN, "s3cr3t-pw"] {
            assert!(!text.contains(value), "{value} in {text}");
        }
    }
    assert_eq!(
        env_pairs(&env_of(&objects, "vpn")),
        pairs(&[
            ("PEERS", "3"),
            (
                "WIREGUARD_PRIVATE_KEY",
                "secret:p-vpn-env/WIREGUARD_PRIVATE_KEY"
            ),
            ("CI_READ", "secret:p-vpn-env/CI_READ"),
            ("LOG_LEVEL", "debug"),
            ("SERVERURL", "vpn.example.com"),
        ])
    );
    assert_eq!(
        secret_data(&objects, "p-vpn-env"),
        pairs(&[("CI_READ", TOKEN), ("WIREGUARD_PRIVATE_KEY", WG_KEY)])
    );
    // What only looks like a credential's name stays as it was.
    assert_eq!(
        env_pairs(&env_of(&objects, "db")),
        pairs(&[
            ("POSTGRES_USER", "app"),
            ("POSTGRES_PASSWORD", "secret:p-db-env/POSTGRES_PASSWORD"),
            ("POSTGRES_PASSWORD_FILE", "/run/secrets/db"),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", "yes"),
        ])
    );
    assert_eq!(
        secret_data(&objects, "p-db-env"),
        pairs(&[("POSTGRES_PASSWORD", "s3cr3t-pw")])
    );
    // One note per service names the variables, never a value.
    assert_eq!(
        run.stderr.matches("note[env-secret]").count(),
        2,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "`WIREGUARD_PRIVATE_KEY` and `CI_READ` (its value looks like a GitHub token) of service `vpn` look like credentials: they go into Secret `p-vpn-env`"
        ),
        "{}",
        run.stderr
    );
    // No snippet: the lines around a variable (or a service) may hold a value.
    assert!(
        !run.stderr.contains("POSTGRES_PASSWORD: ${DB_PASSWORD}"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("`POSTGRES_PASSWORD` of service `db` looks like a credential"),
        "{}",
        run.stderr
    );
    for value in [WG_KEY, TOKEN, "s3cr3t-pw"] {
        assert!(!run.stderr.contains(value), "{}", run.stderr);
    }
}

/// Fails on the old main (plain values). Compose's overrides hold: a later
/// env file wins over an earlier one, `environment` over every env file;
/// each variable keeps its first place.
#[test]
fn overrides_keep_compose_order_and_the_last_value() {
    let dir = common::compose_dir(
        "services:
  app:
    image: app
    env_file: [a.env, b.env]
    environment:
      - API_TOKEN=from-environment
      - MODE=prod
",
    );
    std::fs::write(
        dir.path().join("a.env"),
        "DB_PASSWORD=first\nAPI_TOKEN=first-token\nMODE=dev\nSESSION_SECRET=a\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("b.env"),
        "DB_PASSWORD=second\nSESSION_SECRET=\n",
    )
    .unwrap();
    let objects = convert(dir.path(), &[]).objects();
    assert_eq!(
        env_pairs(&env_of(&objects, "app")),
        pairs(&[
            ("DB_PASSWORD", "secret:p-app-env/DB_PASSWORD"),
            ("API_TOKEN", "secret:p-app-env/API_TOKEN"),
            ("MODE", "prod"),
            // Emptied by the later file: nothing secret is left.
            ("SESSION_SECRET", ""),
        ])
    );
    assert_eq!(
        secret_data(&objects, "p-app-env"),
        pairs(&[("API_TOKEN", "from-environment"), ("DB_PASSWORD", "second")])
    );
}

/// Fails on the old main (plain values). The kubelet expands `$(VAR)` in a
/// `value` but nothing in a Secret's: the Secret holds the value compose
/// passes, the plain value stays escaped.
#[test]
fn a_secret_holds_the_value_as_compose_passes_it() {
    let dir = common::compose_dir(
        "services:
  app:
    image: app
    environment:
      ADMIN_PASSWORD: 'a$$(b)$$$$c'
      GREETING: 'x$$(y)'
",
    );
    let objects = convert(dir.path(), &[]).objects();
    assert_eq!(
        secret_data(&objects, "p-app-env"),
        pairs(&[("ADMIN_PASSWORD", "a$(b)$$c")])
    );
    assert_eq!(
        env_pairs(&env_of(&objects, "app"))[1],
        ("GREETING".to_string(), "x$$(y)".to_string())
    );
}

/// Fails on the old main (plain values): by content, whatever the name.
#[test]
fn values_shaped_like_credentials_go_into_the_secret_too() {
    let dir = common::compose_dir(
        "services:
  app:
    image: app
    environment:
      DATABASE_URL: postgres://app:hunter2@db:5432/app
      CACHE_URL: redis://cache:6379/0
      DEPLOY_KEY_CONTENT: |
        -----BEGIN OPENSSH PRIVATE KEY-----
        b3BlbnNzaC1rZXktdjEAAAAA
        -----END OPENSSH PRIVATE KEY-----
",
    );
    let run = convert(dir.path(), &[]);
    assert_eq!(
        env_pairs(&env_of(&run.objects(), "app")),
        pairs(&[
            ("DATABASE_URL", "secret:p-app-env/DATABASE_URL"),
            ("CACHE_URL", "redis://cache:6379/0"),
            ("DEPLOY_KEY_CONTENT", "secret:p-app-env/DEPLOY_KEY_CONTENT"),
        ])
    );
    assert!(
        run.stderr
            .contains("`DATABASE_URL` (its value looks like a URL with a password)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
}

/// Fails on the old main (plain values). Split into several Pods, under a
/// StatefulSet or as a bare Pod: every workload refers to its own service's
/// Secret, and the Secret is part of the output.
#[test]
fn every_strategy_and_controller_refers_to_a_secret_of_the_output() {
    let dir = project();
    for args in [
        &["--strategy", "split"][..],
        &["--controller", "statefulset"],
        &["--controller", "pod"],
    ] {
        let objects = convert(dir.path(), args).objects();
        let workloads = objects.iter().filter(|o| {
            matches!(
                o["kind"].as_str(),
                Some("Deployment" | "StatefulSet" | "Pod")
            )
        });
        let mut references = 0;
        for workload in workloads {
            let text = workload.to_string();
            assert!(
                !text.contains(WG_KEY) && !text.contains("s3cr3t-pw"),
                "{args:?}"
            );
            references += text.matches("secretKeyRef").count();
        }
        assert_eq!(references, 3, "{args:?}");
        assert_eq!(secret_data(&objects, "p-db-env").len(), 1, "{args:?}");
        assert_eq!(secret_data(&objects, "p-vpn-env").len(), 2, "{args:?}");
    }
}

/// A tool the test needs: `None` (SKIPPED) when missing, a failure under `CI=true`.
fn tool(program: &Path, probe: &[&str]) -> Option<PathBuf> {
    common::tool(program, probe, "scripts/test.sh installs it")
}

fn parse_stream(text: &str) -> Vec<Value> {
    common::documents(text)
}

/// Every file under `dir`, as (path, text).
fn texts(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(texts(&path));
        } else {
            out.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
        }
    }
    out
}

/// Fails on the old main: the chart's Deployment template held the key, the
/// token and the password as literal text. Now no template holds a value
/// (nor its base64); `values.yaml` does, the rendered Pods read the release's
/// Secret, and an `existingSecret` replaces it.
#[test]
fn the_helm_chart_takes_credentials_from_values_or_an_existing_secret() {
    let dir = project();
    let out = tempfile::tempdir().unwrap();
    let chart = out.path().join("chart");
    convert(
        dir.path(),
        &["--format", "helm", "-o", chart.to_str().unwrap()],
    );
    for (path, text) in texts(&chart.join("templates")) {
        for value in [WG_KEY, TOKEN, "s3cr3t-pw"] {
            let encoded = encode(value);
            assert!(
                !text.contains(value) && !text.contains(&encoded),
                "{} holds a credential:\n{text}",
                path.display()
            );
        }
    }
    let values = std::fs::read_to_string(chart.join("values.yaml")).unwrap();
    assert!(values.contains(&encode(WG_KEY)), "{values}");
    let helm = std::env::var_os("HELM")
        .map_or_else(|| common::repo().join(".venv/bin/helm"), PathBuf::from);
    let Some(helm) = tool(&helm, &["version", "--short"]) else {
        return;
    };
    let chart_arg = chart.to_str().unwrap();
    run_tool(&helm, &["lint", "--strict", chart_arg]);
    let template = |extra: &[&str]| {
        let mut args = vec!["template", "r", chart_arg, "--kube-version", KUBE_VERSION];
        args.extend_from_slice(extra);
        parse_stream(&run_tool(&helm, &args))
    };
    let objects = template(&[]);
    assert_eq!(
        env_pairs(&env_of(&objects, "vpn"))[1],
        (
            "WIREGUARD_PRIVATE_KEY".to_string(),
            "secret:r-p-vpn-env/WIREGUARD_PRIVATE_KEY".to_string()
        )
    );
    assert_eq!(
        secret_data(&objects, "r-p-vpn-env"),
        pairs(&[("CI_READ", TOKEN), ("WIREGUARD_PRIVATE_KEY", WG_KEY)])
    );
    let existing = template(&["--set", "secrets.p-vpn-env.existingSecret=vault-wg"]);
    assert_eq!(
        env_pairs(&env_of(&existing, "vpn"))[2],
        ("CI_READ".to_string(), "secret:vault-wg/CI_READ".to_string())
    );
    assert!(
        !existing
            .iter()
            .any(|o| o["kind"] == "Secret" && o["metadata"]["name"] == "r-p-vpn-env"),
        "no Secret is made when an existing one is named"
    );
    assert_eq!(secret_data(&existing, "r-p-db-env").len(), 1);
    let Some(validate) = common::kubernetes_validate() else {
        return;
    };
    let rendered = run_tool(
        &helm,
        &["template", "r", chart_arg, "--kube-version", KUBE_VERSION],
    );
    common::assert_valid_manifests(&validate, &rendered, "the chart");
}

/// Fails on the old main (plain values). The Kustomize base lists the
/// Secret as a resource file; `kubectl kustomize` renders it and the
/// Deployment's reference, and the stream passes `kubernetes-validate`.
#[test]
fn the_kustomize_base_holds_the_secret_as_a_resource() {
    let dir = project();
    let out = tempfile::tempdir().unwrap();
    let base = out.path().join("base");
    convert(
        dir.path(),
        &["--format", "kustomize", "-o", base.to_str().unwrap()],
    );
    let kustomization = std::fs::read_to_string(base.join("kustomization.yaml")).unwrap();
    assert!(
        kustomization.contains("- secret-p-vpn-env.yaml"),
        "{kustomization}"
    );
    let deployment = std::fs::read_to_string(base.join("deployment-p.yaml")).unwrap();
    assert!(!deployment.contains(WG_KEY), "{deployment}");
    let Some(kubectl) = tool(Path::new("kubectl"), &["version", "--client"]) else {
        return;
    };
    let objects = parse_stream(&run_tool(&kubectl, &["kustomize", base.to_str().unwrap()]));
    assert_eq!(secret_data(&objects, "p-vpn-env").len(), 2);
    assert_eq!(
        env_pairs(&env_of(&objects, "db"))[1].1,
        "secret:p-db-env/POSTGRES_PASSWORD"
    );
    let Some(validate) = common::kubernetes_validate() else {
        return;
    };
    common::assert_valid_manifests(&validate, &convert(dir.path(), &[]).stdout, "the stream");
}

/// Fails on the old main: a config whose `environment:` names a token, or
/// whose `content:` is a private key, became a ConfigMap. The same rule as
/// for the environment puts them into a Secret; a plain config stays a
/// ConfigMap.
#[test]
fn configs_from_a_credential_variable_or_content_go_into_a_secret() {
    let dir = common::compose_dir(
        "services:
  app:
    image: app
    configs: [tok, key, plain]
configs:
  tok:
    environment: API_TOKEN
  key:
    content: |
      -----BEGIN PRIVATE KEY-----
      MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8w
      -----END PRIVATE KEY-----
  plain:
    content: hello
",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .env("API_TOKEN", "t0k3n-value")
        .args(["convert", "-p", "p"])
        .success();
    let objects = run.objects();
    let kind_of = |name: &str| {
        objects
            .iter()
            .find(|o| o["metadata"]["name"] == name)
            .map(|o| o["kind"].as_str().unwrap().to_string())
    };
    assert_eq!(kind_of("p-config-tok").as_deref(), Some("Secret"));
    assert_eq!(kind_of("p-config-key").as_deref(), Some("Secret"));
    assert_eq!(kind_of("p-config-plain").as_deref(), Some("ConfigMap"));
    assert!(
        objects
            .iter()
            .filter(|o| o["kind"] == "ConfigMap")
            .all(|o| !o.to_string().contains("t0k3n-value") && !o.to_string().contains("MIIB")),
        "{}",
        run.stdout
    );
    assert!(
        run.stderr.contains(
            "config `tok` looks private (it comes from a variable named like a credential)"
        ),
        "{}",
        run.stderr
    );
}

/// The whole stream, reviewed once: the Secrets, the references and the
/// plain values as they are (`scripts/validate_manifests.py` validates it
/// with every snapshot).
#[test]
fn the_stream_of_a_project_with_credentials() {
    let dir = project();
    insta::assert_snapshot!("env-secrets", convert(dir.path(), &[]).stdout);
}

/// Services that share an env file share one note (not one per service,
/// nor per variable); each still gets a Secret of its own.
#[test]
fn services_moving_the_same_variables_share_one_note() {
    let dir = common::compose_dir(
        "services:
  a:
    image: a
    env_file: [common.env]
  b:
    image: b
    env_file: [common.env]
  c:
    image: c
    environment: [OTHER_TOKEN=t1]
",
    );
    std::fs::write(
        dir.path().join("common.env"),
        "GRAFANA_PASSWORD=pw1\nLOG=1\n",
    )
    .unwrap();
    let run = convert(dir.path(), &[]);
    assert_eq!(
        run.stderr.matches("note[env-secret]").count(),
        2,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "`GRAFANA_PASSWORD` of services `a` and `b` looks like a credential: it goes into each service's Secret (`p-a-env`, `p-b-env`)"
        ),
        "{}",
        run.stderr
    );
    let objects = run.objects();
    assert_eq!(
        secret_data(&objects, "p-a-env"),
        pairs(&[("GRAFANA_PASSWORD", "pw1")])
    );
    assert_eq!(
        secret_data(&objects, "p-b-env"),
        pairs(&[("GRAFANA_PASSWORD", "pw1")])
    );
    assert_eq!(
        secret_data(&objects, "p-c-env"),
        pairs(&[("OTHER_TOKEN", "t1")])
    );
}
