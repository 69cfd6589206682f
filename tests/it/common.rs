//! A small builder for running the `podlift` binary in tests.

use std::path::{Path, PathBuf};

/// A test that needs something this machine lacks: a failure under
/// `CI=true` (where the test command installs everything), elsewhere
/// `SKIPPED: …` on stderr.
pub fn skip(message: &str) {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: {message}"
    );
    eprintln!("SKIPPED: {message}");
}

/// Whether `unshare -n COMMAND…` runs here (it needs root); skips otherwise.
pub fn unshare_works(command: &[&str], skipped: &str) -> bool {
    let ok = std::process::Command::new("unshare")
        .arg("-n")
        .args(command)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        skip(&format!(
            "`unshare -n {}` does not work here; {skipped}",
            command.join(" ")
        ));
    }
    ok
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture directory under `tests/fixtures`.
pub fn fixture(name: &str) -> PathBuf {
    repo().join("tests/fixtures").join(name)
}

/// One invocation of podlift.
pub struct Test {
    args: Vec<String>,
    dir: PathBuf,
    env: Vec<(String, String)>,
    removed: Vec<String>,
    stdin: Option<String>,
    timeout: Option<std::time::Duration>,
}

/// What an invocation printed and returned.
#[derive(Debug)]
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub code: i32,
}

impl Test {
    pub fn new() -> Self {
        Self {
            args: Vec::new(),
            dir: repo(),
            env: Vec::new(),
            removed: Vec::new(),
            stdin: None,
            timeout: None,
        }
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.dir = dir.to_path_buf();
        self
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Runs without `key` in the environment.
    pub fn env_remove(mut self, key: &str) -> Self {
        self.removed.push(key.to_string());
        self
    }

    /// Feeds `text` to standard input.
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    /// Kills podlift after `limit` (a case that gets there hangs).
    pub fn timeout(mut self, limit: std::time::Duration) -> Self {
        self.timeout = Some(limit);
        self
    }

    pub fn run(self) -> Run {
        let mut command = assert_cmd::Command::cargo_bin("podlift").unwrap();
        command
            .args(&self.args)
            .current_dir(&self.dir)
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            command.env(k, v);
        }
        for k in &self.removed {
            command.env_remove(k);
        }
        if let Some(text) = &self.stdin {
            command.write_stdin(text.as_bytes());
        }
        if let Some(limit) = self.timeout {
            command.timeout(limit);
        }
        let output = command.output().unwrap();
        Run {
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            code: output.status.code().unwrap_or(-1),
        }
    }

    /// Runs and asserts exit 0.
    pub fn success(self) -> Run {
        let run = self.run();
        assert_eq!(run.code, 0, "expected success, stderr:\n{}", run.stderr);
        run
    }

    /// Runs and asserts the exit code, and that nothing reached stdout.
    pub fn failure(self, code: i32) -> Run {
        let run = self.run();
        assert_eq!(
            run.code, code,
            "expected exit {code}, stderr:\n{}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "stdout must stay empty on failure:\n{}",
            run.stdout
        );
        run
    }
}

impl Run {
    /// The manifests on stdout, parsed.
    pub fn objects(&self) -> Vec<serde_json::Value> {
        objects_in(&self.stdout)
    }

    /// The one Deployment's pod spec.
    pub fn pod_spec(&self) -> serde_json::Value {
        let objects = self.objects();
        let deployment = objects
            .iter()
            .find(|o| o["kind"] == "Deployment")
            .expect("a Deployment");
        deployment["spec"]["template"]["spec"].clone()
    }

    /// The init container's script.
    pub fn init_script(&self) -> String {
        let spec = self.pod_spec();
        let init = spec["initContainers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "podlift-loopback")
            .expect("the loopback init container")
            .clone();
        init["command"][2].as_str().unwrap().to_string()
    }

    /// `ip -> names` from hostAliases.
    pub fn host_aliases(&self) -> Vec<(String, Vec<String>)> {
        self.pod_spec()["hostAliases"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|h| {
                        let names = h["hostnames"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|n| n.as_str().unwrap().to_string())
                            .collect();
                        (h["ip"].as_str().unwrap().to_string(), names)
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// The objects of a YAML stream (`convert`'s output, or a tool's render of it).
pub fn objects_in(stream: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple::<serde_json::Value>(stream).unwrap()
}

/// The documents of a YAML stream that hold something (a tool's render,
/// such as `helm template`, has empty ones and comments such as `# Source:`).
pub fn documents(stream: &str) -> Vec<serde_json::Value> {
    serde_saphyr::from_multiple::<serde_json::Value>(stream)
        .unwrap_or_else(|e| panic!("not a YAML stream ({e}):\n{stream}"))
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

/// A temporary directory holding `compose.yaml` with `text`.
pub fn compose_dir(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    dir
}

/// The Kubernetes version manifests are validated against.
pub const KUBE_VERSION: &str = "1.33.0";

/// A tool a test cannot run without: `program` when `program PROBE…`
/// succeeds here; otherwise `None` and `SKIPPED: …` on stderr (a failure
/// under `CI=true`), `why` saying how to install it.
pub fn tool(program: &Path, probe: &[&str], why: &str) -> Option<PathBuf> {
    let works = std::process::Command::new(program)
        .args(probe)
        .output()
        .is_ok_and(|o| o.status.success());
    if works {
        return Some(program.to_path_buf());
    }
    skip(&format!("{} is not available: {why}", program.display()));
    None
}

/// `kubernetes-validate` (of the test venv: `scripts/test.sh` installs it),
/// when it runs here; skips otherwise (a failure under `CI=true`).
pub fn kubernetes_validate() -> Option<PathBuf> {
    tool(
        &repo().join(".venv/bin/kubernetes-validate"),
        &["--version"],
        "python3 -m venv .venv && .venv/bin/pip install -r scripts/requirements.txt",
    )
}

/// `helm` (`$HELM`, else the test venv's), when it runs here; skips otherwise.
pub fn helm() -> Option<PathBuf> {
    let path =
        std::env::var_os("HELM").map_or_else(|| repo().join(".venv/bin/helm"), PathBuf::from);
    tool(
        &path,
        &["version", "--short"],
        "run scripts/install-helm.sh (or set HELM)",
    )
}

/// `kubectl` (for `kubectl kustomize`), when it runs here; skips otherwise.
pub fn kubectl() -> Option<PathBuf> {
    tool(
        Path::new("kubectl"),
        &["version", "--client"],
        "install kubectl to render Kustomize output",
    )
}

/// `program ARGS…`, asserting it succeeds (the failure shows its output);
/// its stdout.
pub fn run_tool(program: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap();
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

/// Asserts that the manifests `stream` pass `kubernetes-validate --strict`
/// for [`KUBE_VERSION`] (`validate` from [`kubernetes_validate`]); `what`
/// names them in the failure.
pub fn assert_valid_manifests(validate: &Path, stream: &str, what: &str) {
    assert_valid_manifests_at(validate, stream, what, KUBE_VERSION);
}

/// [`assert_valid_manifests`] for Kubernetes `version` (`1.28.0`, …).
pub fn assert_valid_manifests_at(validate: &Path, stream: &str, what: &str, version: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("manifests.yaml");
    std::fs::write(&file, stream).unwrap();
    assert_valid_file_at(validate, &file, what, version);
}

/// Asserts that the manifests in `file` pass `kubernetes-validate --strict`
/// for Kubernetes `version`; `what` names them in the failure.
pub fn assert_valid_file_at(validate: &Path, file: &Path, what: &str, version: &str) {
    let output = std::process::Command::new(validate)
        .args(["--strict", "-k", version, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{what} (Kubernetes {version}): kubernetes-validate --strict failed:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `podlift convert ARGS` on `compose` (as `compose.yaml` of a fresh
/// directory), expected to succeed.
pub fn convert(compose: &str, args: &[&str]) -> Run {
    let dir = compose_dir(compose);
    convert_in(dir.path(), args)
}

/// `podlift convert ARGS` in `dir`, expected to succeed.
pub fn convert_in(dir: &Path, args: &[&str]) -> Run {
    converting(dir, args).success()
}

/// `podlift convert ARGS` in `dir`, not run yet: the one place a test
/// module's own `convert` builds the command (add `.env(..)`, then `.run()`
/// for any exit status or `.success()`).
pub fn converting(dir: &Path, args: &[&str]) -> Test {
    Test::new().current_dir(dir).args(["convert"]).args(args)
}

/// The `ip addr replace …` lines of an init script, in order.
pub fn replace_lines(script: &str) -> Vec<String> {
    script
        .lines()
        .filter(|l| l.starts_with("ip addr replace"))
        .map(String::from)
        .collect()
}

/// The names of a pod spec's `containers` or `initContainers`.
pub fn names_in(spec: &serde_json::Value, list: &str) -> Vec<String> {
    spec[list].as_array().map_or_else(Vec::new, |items| {
        items
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    })
}

/// The names in a directory, sorted.
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every `.yml`/`.yaml` file under `dir`, into `out` (a missing `dir` adds none).
pub fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            out.push(path);
        }
    }
}
