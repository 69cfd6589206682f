//! podlift's YAML writer (`podlift::yaml_writer`): every kind of object
//! podlift emits is written as serde-saphyr wrote it, and hostile strings
//! read back unchanged in a YAML 1.1 reader (PyYAML, as kubectl's go-yaml
//! reads 1.1) and in Helm.

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{
    ConfigMap, Namespace, PersistentVolumeClaim, Pod, Secret, Service,
};
use k8s_openapi::api::networking::v1::NetworkPolicy;
use podlift::yaml_writer as yaml;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::common::{self, Test, fixture, repo};

/// Strings an attacker would try, and the edges of the writer's rules.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "\t",
    "\n",
    "\n\n",
    "\r",
    "a\r\nb",
    "~",
    "null",
    "NULL",
    "true",
    "False",
    "yes",
    "Yes",
    "no",
    "on",
    "OFF",
    "y",
    "Y",
    "n",
    "N",
    "<<",
    "=",
    "0",
    "+1",
    "-0",
    "01",
    "017",
    "0x1F",
    "0o17",
    "0b101",
    "1_000",
    "_1",
    "1e3",
    "1E+3",
    "1.0e-3",
    ".5",
    "5.",
    ".inf",
    "-.Inf",
    ".nan",
    "NaN",
    "1:30",
    "190:20:30.15",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "2001-12-14 21:59:43.10",
    "2001-1-2",
    "- a",
    "-",
    "? a",
    "?",
    ": a",
    ":",
    "a:",
    "a: b",
    "a:b",
    "a #b",
    "a#b",
    "#a",
    ",a",
    "[a]",
    "{a}",
    "a{b}",
    "&a",
    "*a",
    "!a",
    "!!str",
    "|",
    ">",
    "'a'",
    "\"",
    "%a",
    "@a",
    "`a`",
    "---",
    "--- a",
    "...",
    "... a",
    "a ",
    " a",
    "a\t",
    "\ta",
    "a\nb",
    "a\n",
    "a\n\n",
    "\na",
    " a\nb",
    "\n  a\nb",
    "a  \nb  ",
    "a\n  \n",
    "a\n\t b",
    "\tx\ny",
    "a\u{0}b",
    "a\u{7}",
    "a\u{1b}",
    "\u{7f}",
    "a\u{80}b",
    "a\u{85}b",
    "a\u{9f}",
    "\u{a0}",
    "a:\u{a0}",
    "\u{feff}",
    "\u{feff}a",
    "a\u{2028}b",
    "a\u{2029}b",
    "\u{fffe}",
    "é",
    "😀",
    "a\u{202e}b",
    "\u{2066}x\u{2069}",
    "a\\b",
    "a'b",
    "a\"b",
    "#!/bin/sh\nexit 0\n",
    "{{ .Values.x }}",
    "${VAR}",
];

/// Long strings: folded, and keys past YAML's 1024 characters.
fn long_strings() -> Vec<String> {
    let words = "word ".repeat(40);
    vec![
        words.trim_end().to_string(),
        words.clone(),
        format!("{}  {}", "a".repeat(79), "b".repeat(90)),
        format!("{} \t{}", "a".repeat(79), "b".repeat(9)),
        "x".repeat(5000),
        format!("{}\n{}  ", "y ".repeat(100), "z".repeat(3000)),
    ]
}

/// Every hostile string as a value, a sequence item and a key.
fn hostile_document() -> Value {
    let strings: Vec<String> = HOSTILE
        .iter()
        .map(ToString::to_string)
        .chain(long_strings())
        .collect();
    let keyed: serde_json::Map<String, Value> = strings
        .iter()
        .enumerate()
        .map(|(i, s)| (s.clone(), json!(i)))
        .collect();
    let nested: Vec<Value> = strings
        .iter()
        .map(|s| json!({ "value": s, "items": [s, [s]] }))
        .collect();
    json!({ "strings": strings, "keyed": keyed, "nested": nested })
}

/// The program's stdout after it read `input`; fails the test otherwise.
fn run(program: &Path, args: &[&str], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{} failed: {}",
        program.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn hostile_strings_read_back_unchanged_in_serde_saphyr_and_pyyaml() {
    let document = hostile_document();
    let text = yaml::to_string(&document).unwrap();
    let back: Value = serde_saphyr::from_str(&text).unwrap();
    assert_eq!(back, document);

    let python = repo().join(".venv/bin/python");
    let works = Command::new(&python)
        .args(["-c", "import yaml"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        common::skip("PyYAML is not available: .venv/bin/pip install -r scripts/requirements.txt");
        return;
    }
    // safe_load resolves YAML 1.1's types, as go-yaml does
    let script = "import json, sys, yaml\n\
                  print(json.dumps(yaml.safe_load(sys.stdin.read())))";
    let json = run(&python, &["-c", script], &text);
    let read: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(read, document, "PyYAML read the strings differently");
}

#[test]
fn hostile_strings_read_back_unchanged_in_helm() {
    let helm = std::env::var_os("HELM").map_or_else(|| repo().join(".venv/bin/helm"), Into::into);
    let works = Command::new(&helm)
        .args(["version", "--short"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        common::skip("helm is not available: run scripts/install-helm.sh (or set HELM)");
        return;
    }
    let chart = tempfile::tempdir().unwrap();
    let dir = chart.path();
    std::fs::write(
        dir.join("Chart.yaml"),
        "apiVersion: v2\nname: t\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::create_dir(dir.join("templates")).unwrap();
    std::fs::write(
        dir.join("templates/values.json"),
        "data: {{ toJson .Values | b64enc }}\n",
    )
    .unwrap();
    let document = hostile_document();
    std::fs::write(dir.join("values.yaml"), yaml::to_string(&document).unwrap()).unwrap();
    let rendered = run(&helm, &["template", "t", dir.to_str().unwrap()], "");
    // base64: raw DEL and C1 characters in the JSON would stop Helm's own
    // reading of the rendered template
    let encoded = rendered
        .lines()
        .find_map(|line| line.strip_prefix("data: "))
        .expect("the template's line");
    let json = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, encoded).unwrap();
    let read: Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(read, document, "helm read the values differently");
}

/// Writes `text`'s object back as its type with podlift's writer and with
/// serde-saphyr's: both must give `text` itself.
fn rewrite<T: DeserializeOwned + Serialize>(text: &str, value: Value) {
    let object: T = serde_json::from_value(value).unwrap();
    let ours = yaml::to_string(&object).unwrap();
    assert_eq!(ours, serde_saphyr::to_string(&object).unwrap());
    assert_eq!(ours, text);
}

#[test]
fn every_kind_of_object_is_written_as_serde_saphyr_writes_it() {
    let runs: &[&[&str]] = &[
        &[],
        &["--controller", "statefulset"],
        &["--controller", "pod"],
        &["--create-namespace", "-n", "demo"],
        &["--strategy", "split"],
    ];
    let mut kinds = std::collections::BTreeSet::new();
    for case in [
        "product",
        "split",
        "addresses",
        "commands",
        "names",
        "unmapped",
    ] {
        let compose = fixture(case).join("compose.yaml");
        for args in runs {
            let mut all = vec!["convert", "-f", compose.to_str().unwrap()];
            all.extend_from_slice(args);
            let output = Test::new().args(&all).run();
            let stdout = output.stdout;
            for text in stdout.split("---\n").filter(|t| !t.is_empty()) {
                let value: Value = serde_saphyr::from_str(text).unwrap();
                let kind = value["kind"].as_str().unwrap().to_string();
                match kind.as_str() {
                    "ConfigMap" => rewrite::<ConfigMap>(text, value),
                    "Secret" => rewrite::<Secret>(text, value),
                    "PersistentVolumeClaim" => rewrite::<PersistentVolumeClaim>(text, value),
                    "Service" => rewrite::<Service>(text, value),
                    "Namespace" => rewrite::<Namespace>(text, value),
                    "Deployment" => rewrite::<Deployment>(text, value),
                    "StatefulSet" => rewrite::<StatefulSet>(text, value),
                    "Pod" => rewrite::<Pod>(text, value),
                    "NetworkPolicy" => rewrite::<NetworkPolicy>(text, value),
                    other => panic!("a kind the test does not know: {other}"),
                }
                kinds.insert(kind);
            }
        }
    }
    assert_eq!(kinds.len(), 9, "kinds seen: {kinds:?}");
}
