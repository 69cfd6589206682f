//! Output formats: `-o DIR`, `--format json|kustomize|helm`, `-n` and
//! `--create-namespace`. Kustomize and Helm output are checked with the real
//! tools (`kubectl kustomize`, `helm lint`, `helm template`): each must render
//! the very objects of the YAML stream.
//!
//! A missing tool skips its test with `SKIPPED: …` on stderr, except under
//! `CI=true`, where it fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::print_stderr
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use common::{Run, Test, fixture, repo};

const SEED: &str = "examples/seed/compose.yaml";
const KUBE_VERSION: &str = "1.33.0";

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
    Test::new()
        .args(["convert", "-f", file])
        .args(args)
        .success()
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
    serde_saphyr::from_multiple::<Value>(text)
        .unwrap_or_else(|e| panic!("not a YAML stream ({e}):\n{text}"))
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

/// A tool the test cannot run without: `None` (and `SKIPPED` on stderr) when
/// it is missing, a failure under `CI=true`.
fn tool(program: &Path, probe: &[&str], why: &str) -> Option<PathBuf> {
    let works = Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(program.to_path_buf());
    }
    common::skip(&format!("{} is not available: {why}", program.display()));
    None
}

fn helm() -> Option<PathBuf> {
    let path =
        std::env::var_os("HELM").map_or_else(|| repo().join(".venv/bin/helm"), PathBuf::from);
    tool(
        &path,
        &["version", "--short"],
        "run scripts/install-helm.sh (or set HELM)",
    )
}

fn kubectl() -> Option<PathBuf> {
    tool(
        Path::new("kubectl"),
        &["version", "--client"],
        "install kubectl to render Kustomize output",
    )
}

fn kubernetes_validate() -> Option<PathBuf> {
    tool(
        &repo().join(".venv/bin/kubernetes-validate"),
        &["--version"],
        "run scripts/test.sh to install the Python tools",
    )
}

/// Runs a tool and returns its stdout; fails the test with its stderr otherwise.
fn run_tool(program: &Path, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{} {} failed:\n{}{}",
        program.display(),
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
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

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
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
            assert_eq!(files_in(&dir), expected, "{file} {args:?}");
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
    assert_eq!(files_in(&dir), [".podlift-files", "deployment-seed.yaml"]);
    assert_eq!(
        files_in(tmp.path()),
        ["out"],
        "no staging directory is left"
    );
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
        assert_eq!(files_in(tmp.path()), ["compose.yaml"], "{format}");
    }
    // With --force, podlift's earlier output stays as it was on error.
    Test::new()
        .args(["convert", "-f", SEED, "-o"])
        .args([tmp.path().join("out").to_string_lossy()])
        .success();
    let before = files_in(&tmp.path().join("out"));
    Test::new()
        .current_dir(tmp.path())
        .args(["convert", "-o", "out", "--force"])
        .failure(1);
    assert_eq!(files_in(tmp.path()), ["compose.yaml", "out"]);
    assert_eq!(files_in(&tmp.path().join("out")), before);
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

/// `helm lint` passes and `helm template` renders the stream's objects, which
/// pass `kubernetes-validate --strict`.
#[test]
fn helm_chart_lints_and_renders_the_stream_objects() {
    let Some(helm) = helm() else { return };
    let Some(validate) = kubernetes_validate() else {
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
        let (tmp, dir) = write_dir(&file, "helm", &args);
        let chart = dir.to_str().unwrap();
        run_tool(&helm, &["lint", "--strict", chart]);
        let mut template = vec!["template", "release", chart];
        if args.contains(&"-n") {
            template.extend(["--namespace", "shop"]);
        }
        let rendered = run_tool(&helm, &template);
        assert_eq!(
            canonical(&parse_stream(&rendered)),
            canonical(&stream),
            "{file} {args:?}\n{rendered}"
        );
        let manifests = tmp.path().join("rendered.yaml");
        std::fs::write(&manifests, &rendered).unwrap();
        run_tool(
            &validate,
            &["--strict", "-k", KUBE_VERSION, manifests.to_str().unwrap()],
        );
    }
}

#[test]
fn helm_chart_names_project_and_values() {
    let (_tmp, dir) = write_dir(&product(), "helm", &[]);
    let chart: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("Chart.yaml")).unwrap()).unwrap();
    assert_eq!(chart["apiVersion"], "v2");
    assert_eq!(chart["name"], "product");
    assert_eq!(chart["version"], "0.1.0");
    assert_eq!(chart["appVersion"], "2.3", "the tag most services share");
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

    let notes = std::fs::read_to_string(dir.join("templates/NOTES.txt")).unwrap();
    for expected in [
        "169.254.40.2",
        "169.254.40.7     api, worker",
        "NET_ADMIN",
        "kubectl label namespace {{ .Release.Namespace }} pod-security.kubernetes.io/enforce=privileged",
    ] {
        assert!(notes.contains(expected), "{expected}:\n{notes}");
    }
    for template in files_in(&dir.join("templates")) {
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
    let chart = dir.to_str().unwrap();
    let default = parse_stream(&run_tool(&helm, &["template", "release", chart]));
    for (set, container, image) in [
        ("images.web.tag=1.28-test", "web", "nginx:1.28-test"),
        (
            "images.podlift-loopback.repository=registry.local/busybox",
            "podlift-loopback",
            "registry.local/busybox:1.36.1",
        ),
    ] {
        let changed = parse_stream(&run_tool(
            &helm,
            &["template", "release", chart, "--set", set],
        ));
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
    let rendered = run_tool(&helm, &["template", "release", dir.to_str().unwrap()]);
    assert_eq!(canonical(&parse_stream(&rendered)), canonical(&stream));
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
