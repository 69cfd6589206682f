//! Output formats: `-o DIR`, `--format json|kustomize|helm`, `-n` and
//! `--create-namespace`. Kustomize and Helm output are checked with the real
//! tools (`kubectl kustomize`, `helm lint`, `helm template`): each must render
//! the very objects of the YAML stream.
//!
//! A missing tool skips its test with `SKIPPED: …` on stderr, except under
//! `CI=true`, where it fails.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use common::{Run, Test, entries, fixture, helm, kubectl, repo, run_tool};

const SEED: &str = "examples/seed/compose.yaml";
use common::KUBE_VERSION;

fn product() -> String {
    fixture("product")
        .join("compose.yaml")
        .to_string_lossy()
        .into_owned()
}

fn fixtures() -> [String; 2] {
    [SEED.to_string(), product()]
}

/// `podlift convert -f FILE ARGS…`, asserted to succeed.
fn convert(file: &str, args: &[&str]) -> Run {
    common::convert_in(&repo(), &[&["-f", file], args].concat())
}

/// Objects in a canonical, order-insensitive form.
fn canonical(objects: &[Value]) -> Vec<String> {
    let mut out: Vec<String> = objects
        .iter()
        .filter(|o| !o.is_null())
        .map(Value::to_string)
        .collect();
    out.sort();
    out
}

/// The documents of a YAML stream (comments such as helm's `# Source:` ignored).
fn parse_stream(text: &str) -> Vec<Value> {
    common::documents(text)
}

/// Writes `format` output of `file` into a fresh directory; returns (tempdir, DIR).
fn write_dir(file: &str, format: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let dir_arg = dir.to_string_lossy().into_owned();
    let mut all = vec!["--format", format, "-o", dir_arg.as_str()];
    all.extend_from_slice(args);
    let run = convert(file, &all);
    assert!(run.stdout.is_empty(), "nothing on stdout with -o");
    (tmp, dir)
}

fn file_name(object: &Value) -> String {
    format!(
        "{}-{}.yaml",
        object["kind"].as_str().unwrap().to_ascii_lowercase(),
        object["metadata"]["name"].as_str().unwrap()
    )
}

/// Each way of running the Pod: stdout renders the workload's lists while
/// writing it (emit::splice), a directory renders whole objects first.
const CONTROLLERS: [&[&str]; 4] = [
    &[],
    &["--controller", "statefulset"],
    &["--controller", "pod"],
    &["--strategy", "split"],
];

#[test]
fn directory_holds_one_file_per_object_equal_to_the_stream() {
    for file in fixtures() {
        for args in CONTROLLERS {
            let stream = convert(&file, args);
            let objects = stream.objects();
            let (_tmp, dir) = write_dir(&file, "yaml", args);
            let mut expected: Vec<String> = objects.iter().map(file_name).collect();
            expected.push(".podlift-files".to_string());
            expected.sort();
            assert_eq!(entries(&dir), expected, "{file} {args:?}");
            // In stream order, `---` and each file's bytes are the stream itself.
            let mut rebuilt = String::new();
            for object in &objects {
                rebuilt.push_str("---\n");
                rebuilt.push_str(&std::fs::read_to_string(dir.join(file_name(object))).unwrap());
            }
            assert_eq!(rebuilt, stream.stdout, "{file} {args:?}");
        }
    }
}

#[test]
fn directory_is_not_overwritten_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("out");
    let dir_arg = dir.to_string_lossy().into_owned();

    Test::new()
        .args(["convert", "-f", SEED, "-o", &dir_arg])
        .success();
    let run = Test::new()
        .args(["convert", "-f", SEED, "-o", &dir_arg])
        .failure(2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("warning["),
        "no conversion diagnostics: {}",
        run.stderr
    );

    Test::new()
        .args(["convert", "-f", SEED, "-o", &dir_arg, "--force"])
        .success();
    assert_eq!(
        entries(&dir),
        [
            ".podlift-files",
            "deployment-seed.yaml",
            "networkpolicy-seed.yaml"
        ]
    );
    assert_eq!(entries(tmp.path()), ["out"], "no staging directory is left");
}

#[test]
fn broken_input_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  app:\n    image: app\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n",
    )
    .unwrap();
    for format in ["yaml", "json", "kustomize", "helm"] {
        Test::new()
            .current_dir(tmp.path())
            .args(["convert", "--format", format, "-o", "out"])
            .failure(1);
        assert_eq!(entries(tmp.path()), ["compose.yaml"], "{format}");
    }
    // With --force, podlift's earlier output stays as it was on error.
    Test::new()
        .args(["convert", "-f", SEED, "-o"])
        .args([tmp.path().join("out").to_string_lossy()])
        .success();
    let before = entries(&tmp.path().join("out"));
    Test::new()
        .current_dir(tmp.path())
        .args(["convert", "-o", "out", "--force"])
        .failure(1);
    assert_eq!(entries(tmp.path()), ["compose.yaml", "out"]);
    assert_eq!(entries(&tmp.path().join("out")), before);
}

#[test]
fn json_is_a_list_of_the_stream_objects() {
    for file in fixtures() {
        for args in CONTROLLERS {
            let yaml = convert(&file, args).objects();
            let json_args = [args, &["--format", "json"][..]].concat();
            let json: Value =
                serde_json::from_str(&convert(&file, &json_args).stdout).expect("JSON on stdout");
            assert_eq!(json["apiVersion"], "v1");
            assert_eq!(json["kind"], "List");
            assert_eq!(json["items"].as_array().unwrap(), &yaml, "{file} {args:?}");
        }
    }
}

#[test]
fn kustomize_and_helm_need_a_directory() {
    for format in ["kustomize", "helm"] {
        let run = Test::new()
            .args(["convert", "-f", SEED, "--format", format])
            .failure(2);
        assert!(run.stderr.contains("-o DIR"), "{}", run.stderr);
    }
}

#[test]
fn kustomize_base_renders_the_stream_objects() {
    let Some(kubectl) = kubectl() else { return };
    for (file, args) in [
        (SEED.to_string(), vec![]),
        (product(), vec![]),
        (product(), vec!["-n", "shop", "--create-namespace"]),
        (product(), vec!["--controller", "statefulset"]),
        (split(), vec!["--strategy", "split"]),
    ] {
        let stream = convert(&file, &args).objects();
        let (_tmp, dir) = write_dir(&file, "kustomize", &args);
        let kustomization = std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap();
        let rendered = run_tool(&kubectl, &["kustomize", dir.to_str().unwrap()]);
        assert_eq!(
            canonical(&parse_stream(&rendered)),
            canonical(&stream),
            "{file} {args:?}\n{kustomization}"
        );
    }
}

#[test]
fn kustomize_lists_the_images_for_an_overlay() {
    let (_tmp, dir) = write_dir(&product(), "kustomize", &[]);
    let kustomization: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("kustomization.yaml")).unwrap())
            .unwrap();
    let images: Vec<&str> = kustomization["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert!(images.contains(&"nginx"), "{images:?}");
    assert!(images.contains(&"docker.io/library/busybox"), "{images:?}");
}

fn split() -> String {
    fixture("split")
        .join("compose.yaml")
        .to_str()
        .unwrap()
        .to_string()
}

/// `helm template RELEASE CHART ARGS…` for the targeted Kubernetes version.
fn helm_template(helm: &Path, release: &str, chart: &Path, args: &[&str]) -> String {
    let mut all = vec![
        "template",
        release,
        chart.to_str().unwrap(),
        "--kube-version",
        KUBE_VERSION,
    ];
    all.extend_from_slice(args);
    run_tool(helm, &all)
}

/// The objects without what a chart makes from the release: object names,
/// labels, selectors and the names a Pod refers to (checked apart, by
/// [`assert_references_resolve`]).
fn without_release_names(objects: &[Value]) -> Vec<Value> {
    let mut objects = objects.to_vec();
    for object in &mut objects {
        let kind = object["kind"].as_str().unwrap_or_default().to_string();
        let metadata = object["metadata"].as_object_mut().unwrap();
        metadata.remove("labels");
        if kind != "Namespace" {
            metadata.remove("name");
        }
        if kind == "Service" {
            object["spec"].as_object_mut().unwrap().remove("selector");
        }
        if kind == "NetworkPolicy" {
            // Its selectors pick this release's Pods.
            strip_key(object, "app.kubernetes.io/instance");
            continue;
        }
        let spec = if kind == "Pod" {
            object["spec"].clone()
        } else {
            if let Some(spec) = object["spec"].as_object_mut() {
                spec.remove("selector");
            }
            if let Some(template) = object["spec"]["template"]["metadata"].as_object_mut() {
                template.remove("labels");
            }
            object["spec"]["template"]["spec"].clone()
        };
        let mut spec = spec;
        if let Some(volumes) = spec["volumes"].as_array_mut() {
            for volume in volumes {
                for (source, field) in [
                    ("configMap", "name"),
                    ("secret", "secretName"),
                    ("persistentVolumeClaim", "claimName"),
                ] {
                    if let Some(source) = volume[source].as_object_mut() {
                        source.remove(field);
                    }
                }
            }
        }
        if kind == "Pod" {
            object["spec"] = spec;
        } else if !object["spec"]["template"].is_null() {
            object["spec"]["template"]["spec"] = spec;
        }
    }
    objects
}

fn strip_key(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            map.remove(key);
            for item in map.values_mut() {
                strip_key(item, key);
            }
        }
        Value::Array(items) => {
            for item in items {
                strip_key(item, key);
            }
        }
        _ => {}
    }
}

/// Every ConfigMap, Secret and claim a Pod mounts is an object of the
/// output, and every Service selects a workload's Pods.
fn assert_references_resolve(objects: &[Value], existing_secrets: &[&str]) {
    let named = |kind: &str, name: &str| {
        objects
            .iter()
            .any(|o| o["kind"] == kind && o["metadata"]["name"] == name)
    };
    for object in objects {
        let spec = if object["kind"] == "Pod" {
            &object["spec"]
        } else {
            &object["spec"]["template"]["spec"]
        };
        for volume in spec["volumes"].as_array().into_iter().flatten() {
            if let Some(name) = volume["configMap"]["name"].as_str() {
                assert!(named("ConfigMap", name), "no ConfigMap `{name}`");
            }
            if let Some(name) = volume["secret"]["secretName"].as_str() {
                assert!(
                    named("Secret", name) || existing_secrets.contains(&name),
                    "no Secret `{name}`"
                );
            }
            if let Some(name) = volume["persistentVolumeClaim"]["claimName"].as_str() {
                assert!(named("PersistentVolumeClaim", name), "no claim `{name}`");
            }
        }
    }
    for service in objects.iter().filter(|o| o["kind"] == "Service") {
        let selector = service["spec"]["selector"].as_object().unwrap();
        let selects = objects.iter().any(|o| {
            let labels = if o["kind"] == "Pod" {
                &o["metadata"]["labels"]
            } else {
                &o["spec"]["template"]["metadata"]["labels"]
            };
            labels.is_object() && selector.iter().all(|(k, v)| labels[k] == *v)
        });
        assert!(
            selects,
            "Service {} selects no Pod",
            service["metadata"]["name"]
        );
    }
}

/// `helm lint --strict` passes and `helm template` renders the stream's
/// objects (release names and Helm's labels aside), whose references all
/// resolve, and which pass `kubernetes-validate --strict`.
#[test]
fn helm_chart_lints_and_renders_the_stream_objects() {
    let Some(helm) = helm() else { return };
    let Some(validate) = common::kubernetes_validate() else {
        return;
    };
    for (file, args) in [
        (SEED.to_string(), vec![]),
        (product(), vec![]),
        (product(), vec!["-n", "shop", "--create-namespace"]),
        (product(), vec!["--controller", "statefulset"]),
        (SEED.to_string(), vec!["--controller", "pod"]),
        (split(), vec!["--strategy", "split"]),
    ] {
        let stream = convert(&file, &args).objects();
        let (_tmp, dir) = write_dir(&file, "helm", &args);
        let chart = dir.to_str().unwrap();
        run_tool(&helm, &["lint", "--strict", chart]);
        let mut extra = vec![];
        if args.contains(&"-n") {
            extra.extend(["--namespace", "shop"]);
        }
        let rendered = helm_template(&helm, "release", &dir, &extra);
        let objects = parse_stream(&rendered);
        assert_eq!(
            canonical(&without_release_names(&objects)),
            canonical(&without_release_names(&stream)),
            "{file} {args:?}\n{rendered}"
        );
        assert_references_resolve(&objects, &[]);
        for object in &objects {
            let labels = &object["metadata"]["labels"];
            assert_eq!(labels["app.kubernetes.io/instance"], "release", "{object}");
            assert_eq!(labels["app.kubernetes.io/managed-by"], "Helm", "{object}");
            assert!(
                labels["helm.sh/chart"]
                    .as_str()
                    .unwrap()
                    .ends_with("-0.1.0"),
                "{object}"
            );
        }
        common::assert_valid_manifests(&validate, &rendered, &format!("{file} {args:?}"));
    }
}

/// The names of the rendered objects, as `Kind/name`.
fn object_names(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect()
}

/// Fails on the old main, whose names were fixed: two releases of one chart
/// in one namespace collided.
#[test]
fn two_releases_share_no_object_name() {
    let Some(helm) = helm() else { return };
    for file in fixtures() {
        let (_tmp, dir) = write_dir(&file, "helm", &[]);
        let a = object_names(&parse_stream(&helm_template(&helm, "a", &dir, &[])));
        let b = object_names(&parse_stream(&helm_template(&helm, "b", &dir, &[])));
        assert!(!a.is_empty());
        let common: Vec<&String> = a.iter().filter(|n| b.contains(n)).collect();
        assert!(common.is_empty(), "{file}: {common:?}");
        // `fullnameOverride` and `nameOverride` name them.
        let named = object_names(&parse_stream(&helm_template(
            &helm,
            "a",
            &dir,
            &["--set", "fullnameOverride=shop"],
        )));
        assert!(
            named
                .iter()
                .all(|n| n.split('/').nth(1).unwrap().starts_with("shop")),
            "{named:?}"
        );
        let renamed = object_names(&parse_stream(&helm_template(
            &helm,
            "a",
            &dir,
            &["--set", "nameOverride=store"],
        )));
        assert!(
            renamed.iter().all(|n| n.contains("/a-store")),
            "{renamed:?}"
        );
    }
    // Under the split strategy, the Services are the compose services' DNS
    // names: only they are shared, and a second release needs a namespace of its own.
    let (_tmp, dir) = write_dir(&split(), "helm", &["--strategy", "split"]);
    let a = parse_stream(&helm_template(&helm, "a", &dir, &[]));
    // A release's NetworkPolicies pick its own Pods only.
    let policies: Vec<&Value> = a.iter().filter(|o| o["kind"] == "NetworkPolicy").collect();
    assert!(!policies.is_empty());
    for policy in policies {
        assert_eq!(
            policy["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/instance"], "a",
            "{policy}"
        );
    }
    let b = object_names(&parse_stream(&helm_template(&helm, "b", &dir, &[])));
    for name in object_names(&a).iter().filter(|n| b.contains(n)) {
        assert!(name.starts_with("Service/"), "{name}");
    }
}

/// An image tag, a nodeSelector and an existing Secret land where expected,
/// and nothing else changes.
#[test]
fn helm_overrides_land_where_expected() {
    let Some(helm) = helm() else { return };
    let (_tmp, dir) = write_dir(&product(), "helm", &[]);
    let default = parse_stream(&helm_template(&helm, "r", &dir, &[]));
    let changed = parse_stream(&helm_template(
        &helm,
        "r",
        &dir,
        &[
            "--set",
            "images.web.tag=1.28-test",
            "--set",
            "nodeSelector.disktype=ssd",
            "--set",
            "secrets.product-secret-db-password.existingSecret=vault-db",
            "--set",
            "imagePullSecrets[0].name=registry",
            "--set",
            "podLabels.team=shop",
            "--set",
            "extraEnv.api[0].name=EXTRA",
            "--set-string",
            "extraEnv.api[0].value=1",
            "--set",
            "persistence.product-dbdata.size=5Gi",
            "--set",
            "services.web.ports.tcp-8080=9090",
        ],
    ));
    let deployment = |objects: &[Value]| -> Value {
        objects
            .iter()
            .find(|o| o["kind"] == "Deployment")
            .unwrap()
            .clone()
    };
    let spec = deployment(&changed)["spec"]["template"]["spec"].clone();
    assert!(images(&changed).contains(&("web".to_string(), "nginx:1.28-test".to_string())));
    assert_eq!(spec["nodeSelector"]["disktype"], "ssd");
    assert_eq!(spec["imagePullSecrets"][0]["name"], "registry");
    assert_eq!(
        deployment(&changed)["spec"]["template"]["metadata"]["labels"]["team"],
        "shop"
    );
    let secret_volume = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["secret"].is_object())
        .unwrap();
    assert_eq!(secret_volume["secret"]["secretName"], "vault-db");
    assert!(
        changed.iter().all(|o| o["kind"] != "Secret"),
        "no Secret is made when an existing one is named"
    );
    assert_references_resolve(&changed, &["vault-db"]);
    let api = spec["initContainers"]
        .as_array()
        .unwrap()
        .iter()
        .chain(spec["containers"].as_array().unwrap())
        .find(|c| c["name"] == "api")
        .unwrap();
    assert_eq!(
        api["env"].as_array().unwrap().last().unwrap()["name"],
        "EXTRA"
    );
    let claim = changed
        .iter()
        .find(|o| o["kind"] == "PersistentVolumeClaim")
        .unwrap();
    assert_eq!(claim["spec"]["resources"]["requests"]["storage"], "5Gi");
    let service = changed.iter().find(|o| o["kind"] == "Service").unwrap();
    assert_eq!(service["spec"]["ports"][0]["port"], 9090);
    // The default keeps the Secret, its data in values.yaml, not in a template.
    assert!(default.iter().any(|o| o["kind"] == "Secret"));
    let template =
        std::fs::read_to_string(dir.join("templates/secret-product-secret-db-password.yaml"))
            .unwrap();
    assert!(!template.contains("czNjcjN0"), "{template}");
    assert!(
        template.contains("\"secrets\" \"product-secret-db-password\" \"data\""),
        "{template}"
    );
}

/// `values.schema.json` makes helm refuse a wrong value.
#[test]
fn helm_schema_rejects_wrong_values() {
    let Some(helm) = helm() else { return };
    let (_tmp, dir) = write_dir(&product(), "helm", &[]);
    let chart = dir.to_str().unwrap();
    for set in [
        "imagePullPolicy=Sometimes",
        "persistence.product-dbdata.size=1GB",
        "services.web.type=Ingress",
        "imagePullSecret=typo",
        "images.web.repository=",
    ] {
        let output = Command::new(&helm)
            .args([
                "template",
                "r",
                chart,
                "--kube-version",
                KUBE_VERSION,
                "--set",
                set,
            ])
            .output()
            .unwrap();
        assert!(!output.status.success(), "{set} was accepted");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("schema"), "{set}: {stderr}");
    }
}

/// `Chart.yaml` names the Kubernetes version the manifests need (not the one
/// targeted) and no version of the application (`helm package
/// --app-version` sets it); `helm package` leaves podlift's list of files out.
#[test]
fn helm_chart_metadata_and_package() {
    let (_tmp, dir) = write_dir(&product(), "helm", &["--kube-version", "1.30"]);
    let chart: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap()).unwrap();
    assert_eq!(chart["kubeVersion"], ">= 1.29.0-0", "native sidecars");
    assert!(chart.get("appVersion").is_none(), "{chart}");
    let ignore = std::fs::read_to_string(dir.join(".helmignore")).unwrap();
    assert!(ignore.lines().any(|l| l == ".podlift-files"), "{ignore}");
    let Some(helm) = helm() else { return };
    let out = tempfile::tempdir().unwrap();
    run_tool(
        &helm,
        &[
            "package",
            dir.to_str().unwrap(),
            "-d",
            out.path().to_str().unwrap(),
        ],
    );
    let package = std::fs::read_dir(out.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let listing = Command::new("tar")
        .arg("tzf")
        .arg(&package)
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("product/values.schema.json"), "{listing}");
    assert!(!listing.contains(".podlift-files"), "{listing}");
}

#[test]
fn helm_chart_names_project_and_values() {
    let (_tmp, dir) = write_dir(&product(), "helm", &[]);
    let chart: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap()).unwrap();
    assert_eq!(chart["apiVersion"], "v2");
    assert_eq!(chart["name"], "product");
    assert_eq!(chart["version"], "0.1.0");
    assert!(chart.get("appVersion").is_none(), "not an image's tag");
    let values: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("values.yaml")).unwrap()).unwrap();
    assert_eq!(values["images"]["web"]["repository"], "nginx");
    assert_eq!(values["images"]["web"]["tag"], "1.27");
    assert_eq!(
        values["images"]["podlift-loopback"]["repository"],
        "docker.io/library/busybox"
    );
    assert_eq!(values["imagePullPolicy"], "");
    assert_eq!(values["resources"]["api"]["limits"]["memory"], "512Mi");
    assert_eq!(values["persistence"]["product-dbdata"]["size"], "1Gi");
    assert_eq!(values["persistence"]["product-dbdata"]["storageClass"], "");
    assert_eq!(values["services"]["web"]["type"], "");
    assert_eq!(values["services"]["web"]["ports"]["tcp-8080"], 8080);
    assert_eq!(
        values["secrets"]["product-secret-db-password"]["existingSecret"],
        ""
    );
    for key in [
        "nodeSelector",
        "tolerations",
        "affinity",
        "podAnnotations",
        "podLabels",
        "imagePullSecrets",
        "nameOverride",
        "fullnameOverride",
    ] {
        assert!(values.get(key).is_some(), "{key}");
    }

    let notes = std::fs::read_to_string(dir.join("templates/NOTES.txt")).unwrap();
    for expected in [
        "169.254.40.2",
        "169.254.40.7     api, worker",
        "NET_ADMIN",
        "kubectl label namespace {{ .Release.Namespace }} pod-security.kubernetes.io/enforce=privileged",
    ] {
        assert!(notes.contains(expected), "{expected}:\n{notes}");
    }
    for template in entries(&dir.join("templates")) {
        let text = std::fs::read_to_string(dir.join("templates").join(&template)).unwrap();
        assert!(!text.contains("namespace:"), "{template} names a namespace");
    }
}

/// The Deployment's containers and init containers as `name → image`.
fn images(objects: &[Value]) -> Vec<(String, String)> {
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let spec = &deployment["spec"]["template"]["spec"];
    ["initContainers", "containers"]
        .iter()
        .flat_map(|list| spec[list].as_array().cloned().unwrap_or_default())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["image"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn helm_value_override_changes_only_that_image() {
    let Some(helm) = helm() else { return };
    let (_tmp, dir) = write_dir(&product(), "helm", &[]);
    let default = parse_stream(&helm_template(&helm, "release", &dir, &[]));
    for (set, container, image) in [
        ("images.web.tag=1.28-test", "web", "nginx:1.28-test"),
        (
            "images.podlift-loopback.repository=registry.local/busybox",
            "podlift-loopback",
            "registry.local/busybox:1.36.1",
        ),
    ] {
        let changed = parse_stream(&helm_template(&helm, "release", &dir, &["--set", set]));
        let expected: Vec<(String, String)> = images(&default)
            .into_iter()
            .map(|(name, old)| {
                let new = if name == container {
                    image.to_string()
                } else {
                    old
                };
                (name, new)
            })
            .collect();
        assert_eq!(images(&changed), expected, "{set}");
        // Everything else is untouched.
        let restore = |objects: &[Value]| -> Vec<String> {
            let mut objects = objects.to_vec();
            for object in &mut objects {
                let spec = &mut object["spec"]["template"]["spec"];
                for list in ["initContainers", "containers"] {
                    if let Some(items) = spec[list].as_array_mut() {
                        for c in items {
                            c["image"] = Value::Null;
                        }
                    }
                }
            }
            canonical(&objects)
        };
        assert_eq!(restore(&changed), restore(&default), "{set}");
    }
}

/// Braces in the content stay literal text for Helm; image references with a
/// registry port or a digest come back whole.
#[test]
fn helm_reproduces_braces_registry_ports_and_digests() {
    let Some(helm) = helm() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let digest = format!("sha256:{}", "0123456789abcdef".repeat(4));
    std::fs::write(
        tmp.path().join("compose.yaml"),
        format!(
            "services:\n  app:\n    image: registry.local:5000/shop/app:1\n    restart: always\n    \
             environment:\n      TEMPLATE: '{{{{ .Values.x }}}} and {{{{{{{{'\n      PLAIN: \"}}}}\"\n  \
             pinned:\n    image: registry.local:5000/pinned@{digest}\n    restart: always\n"
        ),
    )
    .unwrap();
    let file = tmp.path().join("compose.yaml");
    let file = file.to_str().unwrap();
    let stream = convert(file, &[]).objects();
    assert!(
        images(&stream).contains(&(
            "pinned".to_string(),
            format!("registry.local:5000/pinned@{digest}")
        )),
        "{stream:?}"
    );
    let (_out, dir) = write_dir(file, "helm", &[]);
    let rendered = helm_template(&helm, "release", &dir, &[]);
    assert_eq!(
        canonical(&without_release_names(&parse_stream(&rendered))),
        canonical(&without_release_names(&stream))
    );
}

/// `NOTES.txt` keeps every text from the input literal: host paths (in the
/// Pod Security finding) holding `{{ .Release.Name }}` or `{{ fail … }}` are
/// printed as written, not evaluated. (The
/// notes escaped all their text, then un-escaped every action of their own
/// wherever it occurred, input included.) `helm template` leaves NOTES.txt
/// out, so the test renders its text through a named template.
#[test]
fn helm_notes_print_the_input_literally() {
    let Some(helm) = helm() else { return };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  app:\n    image: app\n    restart: always\n    \
         volumes: [\"/srv/x{{ .Release.Name }}y:/data\", \"/srv/{{ fail \\\"boom\\\" }}:/b\"]\n",
    )
    .unwrap();
    let file = tmp.path().join("compose.yaml");
    let (_out, dir) = write_dir(file.to_str().unwrap(), "helm", &[]);
    let notes = std::fs::read_to_string(dir.join("templates/NOTES.txt")).unwrap();
    std::fs::write(
        dir.join("templates/_probe.tpl"),
        format!("{{{{- define \"probe.notes\" -}}}}\n{notes}{{{{- end -}}}}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("templates/probe.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: probe\ndata:\n  \
         notes: {{ include \"probe.notes\" . | quote }}\n",
    )
    .unwrap();
    let rendered = helm_template(
        &helm,
        "rel",
        &dir,
        &["--namespace", "ns", "--show-only", "templates/probe.yaml"],
    );
    let objects = parse_stream(&rendered);
    let text = objects[0]["data"]["notes"].as_str().unwrap();
    assert!(
        text.contains("host path `") && text.contains("x{{ .Release.Name }}y`"),
        "{text}"
    );
    assert!(text.contains("/{{ fail \"boom\" }}`"), "{text}");
    // podlift's own actions are still actions.
    assert!(
        text.contains("kubectl -n ns get all -l app.kubernetes.io/instance=rel"),
        "{text}"
    );
}

#[test]
fn namespace_is_set_everywhere_and_created_privileged() {
    for file in fixtures() {
        let objects = convert(&file, &["-n", "shop", "--create-namespace"]).objects();
        let namespace = objects.iter().find(|o| o["kind"] == "Namespace").unwrap();
        assert_eq!(namespace["metadata"]["name"], "shop");
        assert_eq!(
            namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
            "privileged"
        );
        for object in objects.iter().filter(|o| o["kind"] != "Namespace") {
            assert_eq!(object["metadata"]["namespace"], "shop", "{object}");
        }
        let without = convert(&file, &["-n", "shop"]).objects();
        assert!(without.iter().all(|o| o["kind"] != "Namespace"));
        assert_eq!(without.len() + 1, objects.len());
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_output_quietly() {
    use std::fmt::Write as _;
    use std::io::Read as _;
    // 2,000 services write about 2 MB, far more than a pipe holds.
    let mut text = String::from("services:\n");
    for i in 0..2000 {
        writeln!(
            text,
            "  s{i}:\n    image: busybox\n    environment: [N={i}]"
        )
        .unwrap();
    }
    let dir = common::compose_dir(&text);
    for (format, start) in [("yaml", &b"---\n"[..]), ("json", &b"{\n"[..])] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_podlift"))
            .args(["convert", "--format", format, "-f"])
            .arg(dir.path().join("compose.yaml"))
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut head = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut head).unwrap();
        // the pipe is closed here, like `podlift convert | head -c 16`
        let output = child.wait_with_output().unwrap();
        assert_eq!(&head[..start.len()], start, "{format}");
        assert!(output.status.success(), "{format}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("cannot write"), "{format}: {stderr}");
    }
}

/// Fails on the old main (4,000 services printed 108 MB: each line listed
/// every name at the shared 127.0.0.1): a container without a preset
/// address lists only its own names, so the summary grows with services.
#[test]
fn check_summary_lists_each_containers_own_names_only() {
    let text: String = std::iter::once("services:\n".to_owned())
        .chain((0..2000).map(|i| format!("  s{i}: {{image: busybox}}\n")))
        .collect();
    let dir = common::compose_dir(&text);
    let run = common::Test::new()
        .current_dir(dir.path())
        .args(["check"])
        .run();
    assert!(
        run.stdout
            .contains("s7                   container addresses: -; names: s7\n"),
        "{}",
        run.stdout.lines().next().unwrap_or_default()
    );
    assert!(run.stdout.len() < 2_000_000, "{}", run.stdout.len());
}

/// Helm's whitespace-trimming markers (`{{-`, `-}}`) in compose values stay
/// literal text, byte for byte, with the whitespace around them: in an
/// environment value, a command, a label (a Pod annotation) and a config
/// file's lines.
#[test]
fn helm_keeps_trimming_markers_and_the_whitespace_around_them() {
    let Some(helm) = helm() else { return };
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("conf.txt"),
        "  {{- .Values.a -}}  \n{{-\n -}}\n\t}} {{ \n",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("compose.yaml"),
        "services:\n  app:\n    image: busybox\n    restart: always\n    \
         command: ['sh', '-c', ' {{- x -}} ', '{{-', '-}}']\n    \
         labels: {trim: '  {{- v -}}  ', 'k{{-': ' -}}'}\n    \
         environment:\n      A: ' x {{- .Values.y -}} z '\n      B: '-}}{{-'\n      C: '{{/* c */}}'\n    \
         configs: [{source: conf, target: /etc/conf.txt}]\n\
         configs:\n  conf: {file: ./conf.txt}\n",
    )
    .unwrap();
    let file = tmp.path().join("compose.yaml");
    let file = file.to_str().unwrap();
    let stream = convert(file, &[]).objects();
    let (_out, dir) = write_dir(file, "helm", &[]);
    let rendered = helm_template(&helm, "release", &dir, &[]);
    assert_eq!(
        canonical(&without_release_names(&parse_stream(&rendered))),
        canonical(&without_release_names(&stream))
    );
    assert!(rendered.contains("  {{- .Values.a -}}  "), "{rendered}");
}

/// White space that ends a compose value written as a block scalar stays in
/// the chart: the last environment value of a container ending in blank
/// lines (`|+`) or in spaces (a folded `>-` block), and the last label (a Pod
/// annotation) ending in a tab. The template's next action (`{{- with
/// $.Values.extraEnv.app }}`, `{{- with $.Values.podAnnotations }}`)
/// trimmed them away: Helm installed `-----END-----\n` for
/// `-----END-----\n\n`.
#[test]
fn helm_keeps_the_white_space_that_ends_a_block_scalar_before_an_action() {
    let Some(helm) = helm() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let folded = format!("{}   ", "word ".repeat(30).trim_end());
    std::fs::write(
        tmp.path().join("compose.yaml"),
        format!(
            "services:\n  app:\n    image: busybox\n    restart: always\n    \
             environment:\n      CERT: \"-----BEGIN-----\\nabc\\n-----END-----\\n\\n\"\n    \
             labels:\n      note: \"first line\\nsecond line\\t\"\n  \
             other:\n    image: busybox\n    restart: always\n    \
             environment:\n      LONG: \"{folded}\"\n  \
             third:\n    image: busybox\n    restart: always\n    \
             environment:\n      Z: \"a\\n  \\n\"\n"
        ),
    )
    .unwrap();
    let file = tmp.path().join("compose.yaml");
    let file = file.to_str().unwrap();
    let stream = convert(file, &[]).objects();
    let (_out, dir) = write_dir(file, "helm", &[]);
    let rendered = helm_template(&helm, "release", &dir, &[]);
    assert_eq!(
        canonical(&without_release_names(&parse_stream(&rendered))),
        canonical(&without_release_names(&stream))
    );
}
