//! The loader end to end: files on disk → `podlift::load::load` → the merged
//! tree and its diagnostics.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use podlift::diagnostic::{Code, Diagnostics, Severity};
use podlift::load::yaml::Node;
use podlift::load::{self, LoadOptions};
use podlift::source::Sources;

struct Project {
    dir: tempfile::TempDir,
    options: LoadOptions,
}

impl Project {
    fn new(files: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let options = LoadOptions {
            working_dir: dir.path().to_path_buf(),
            interpolate: true,
            ..LoadOptions::default()
        };
        Self { dir, options }
    }

    fn files(mut self, files: &[&str]) -> Self {
        self.options.files = files.iter().map(PathBuf::from).collect();
        self
    }

    fn env(mut self, name: &str, value: &str) -> Self {
        self.options.environment.insert(name.into(), value.into());
        self
    }

    fn env_file(mut self, name: &str) -> Self {
        self.options.env_files.push(PathBuf::from(name));
        self
    }

    fn profile(mut self, name: &str) -> Self {
        self.options.profiles.push(name.into());
        self
    }

    fn no_interpolate(mut self) -> Self {
        self.options.interpolate = false;
        self
    }

    fn load(&self) -> Loaded {
        let mut sources = Sources::default();
        let mut diagnostics = Diagnostics::default();
        let root = load::load(&self.options, &mut sources, &mut diagnostics).map(|d| d.root);
        Loaded {
            root,
            diagnostics,
            sources,
        }
    }

    #[allow(dead_code)]
    fn path(&self) -> &Path {
        self.dir.path()
    }
}

struct Loaded {
    root: Option<Node>,
    diagnostics: Diagnostics,
    sources: Sources,
}

impl Loaded {
    fn ok(&self) -> &Node {
        assert!(!self.diagnostics.has_errors(), "{:#?}", self.diagnostics);
        self.root.as_ref().unwrap()
    }

    fn service(&self, name: &str) -> Option<&Node> {
        self.ok().get("services").unwrap().get(name)
    }

    fn value(&self, service: &str, key: &str) -> String {
        self.service(service).unwrap().get(key).unwrap().to_string()
    }

    fn services(&self) -> Vec<String> {
        self.ok()
            .get("services")
            .unwrap()
            .as_map()
            .unwrap()
            .iter()
            .filter_map(|(k, _)| k.scalar())
            .collect()
    }

    /// `(severity, code, message, line)` of every diagnostic.
    fn found(&self) -> Vec<(Severity, Code, String, Option<usize>)> {
        self.diagnostics
            .items()
            .iter()
            .map(|d| {
                let line = d
                    .span
                    .and_then(|s| self.sources.line_col(s))
                    .map(|l| l.line);
                (d.severity, d.code, d.message.clone(), line)
            })
            .collect()
    }

    fn error(&self) -> (Code, String, Option<usize>) {
        let found = self.found();
        let (_, code, message, line) = found
            .into_iter()
            .find(|d| d.0 == Severity::Error)
            .unwrap_or_else(|| panic!("no error in {:#?}", self.diagnostics));
        (code, message, line)
    }
}

const APP: &str = "services:\n  app:\n    image: ${IMAGE:-busybox}:${TAG}\n";

#[test]
fn variables_come_from_the_process_then_env_files_then_dotenv() {
    let files = [
        ("compose.yaml", APP),
        (".env", "IMAGE=from-dotenv\nTAG=1\n"),
        ("a.env", "IMAGE=from-a\nTAG=2\n"),
        ("b.env", "TAG=3\n"),
    ];
    let p = Project::new(&files);
    assert_eq!(p.load().value("app", "image"), "from-dotenv:1");
    let p = Project::new(&files).env("IMAGE", "from-process");
    assert_eq!(p.load().value("app", "image"), "from-process:1");
    // --env-file replaces .env; the later file wins
    let p = Project::new(&files).env_file("a.env").env_file("b.env");
    assert_eq!(p.load().value("app", "image"), "from-a:3");
}

#[test]
fn an_unset_variable_is_a_warning_at_its_line() {
    let loaded = Project::new(&[("compose.yaml", APP)]).load();
    assert_eq!(loaded.value("app", "image"), "busybox:");
    assert_eq!(
        loaded.found(),
        [(
            Severity::Warning,
            Code::VariableUnset,
            "variable `TAG` is not set; it is replaced by an empty string".to_string(),
            Some(3)
        )]
    );
}

#[test]
fn a_required_variable_fails_with_the_users_message() {
    let loaded = Project::new(&[(
        "compose.yaml",
        "services:\n  app:\n    image: busybox\n    environment:\n      KEY: ${KEY:?set KEY to the licence key}\n",
    )])
    .load();
    assert_eq!(
        loaded.error(),
        (
            Code::VariableRequired,
            "required variable `KEY` is not set: set KEY to the licence key".to_string(),
            Some(5)
        )
    );
}

#[test]
fn dollars_escape_and_no_interpolate_keeps_the_text() {
    let text = "services:\n  app:\n    image: busybox\n    command: echo $$HOME ${X:-x} $(date)\n";
    let loaded = Project::new(&[("compose.yaml", text)]).load();
    assert_eq!(loaded.value("app", "command"), "echo $HOME x $(date)");
    let loaded = Project::new(&[("compose.yaml", text)])
        .no_interpolate()
        .load();
    assert_eq!(
        loaded.value("app", "command"),
        "echo $$HOME ${X:-x} $(date)"
    );
}

#[test]
fn the_override_file_is_read_after_the_default_file() {
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "services:\n  app:\n    image: a\n    ports: ['80:80']\n    environment: [A=1]\n",
        ),
        (
            "compose.override.yaml",
            "services:\n  app:\n    image: b\n    ports: !reset []\n    environment: {B: 2}\n",
        ),
    ])
    .load();
    assert_eq!(loaded.value("app", "image"), "b");
    assert!(loaded.service("app").unwrap().get("ports").is_none());
    assert_eq!(loaded.value("app", "environment"), "{A: 1, B: 2}");
}

#[test]
fn files_merge_in_order() {
    let loaded = Project::new(&[
        (
            "base.yaml",
            "services:\n  app:\n    image: a\n    command: [a]\n    volumes: ['d:/data']\n",
        ),
        (
            "prod.yaml",
            "services:\n  app:\n    command: [b]\n    volumes: ['e:/data', 'f:/logs']\n  db:\n    image: pg\n",
        ),
    ])
    .files(&["base.yaml", "prod.yaml"])
    .load();
    assert_eq!(loaded.services(), ["app", "db"]);
    assert_eq!(loaded.value("app", "command"), "[b]");
    assert_eq!(loaded.value("app", "volumes"), "[e:/data, f:/logs]");
}

#[test]
fn extends_follows_chains_and_other_files() {
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "services:\n  web:\n    extends: {file: common/base.yaml, service: mid}\n    environment: [C=3]\n  local:\n    extends: web\n    image: local\n",
        ),
        (
            "common/base.yaml",
            "services:\n  root:\n    image: root\n    environment: [A=1]\n    env_file: ./vars.env\n  mid:\n    extends: root\n    environment: [B=2]\n",
        ),
    ])
    .load();
    assert_eq!(loaded.value("web", "image"), "root");
    assert_eq!(loaded.value("web", "environment"), "[A=1, B=2, C=3]");
    assert_eq!(loaded.value("web", "env_file"), "./common/vars.env");
    assert!(loaded.service("web").unwrap().get("extends").is_none());
    assert_eq!(loaded.value("local", "image"), "local");
    assert_eq!(loaded.value("local", "environment"), "[A=1, B=2, C=3]");
}

#[test]
fn a_file_read_twice_reports_its_problems_once() {
    // compose.yaml is loaded, then read again for the `extends` in b.yaml;
    // b.yaml is read for the `extends` in compose.yaml, then loaded
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "services:\n  base:\n    image: ${UNSET_A}\n  web:\n    extends: {file: b.yaml, service: other}\n",
        ),
        (
            "b.yaml",
            "services:\n  other:\n    image: ${UNSET_B}\n  more:\n    extends: {file: compose.yaml, service: base}\n",
        ),
    ])
    .files(&["compose.yaml", "b.yaml"])
    .load();
    assert!(loaded.root.is_some());
    let unset: Vec<&str> = loaded
        .diagnostics
        .items()
        .iter()
        .filter(|d| d.code == Code::VariableUnset)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(unset.len(), 2, "{unset:?}");
    assert!(unset.iter().any(|m| m.contains("UNSET_A")), "{unset:?}");
    assert!(unset.iter().any(|m| m.contains("UNSET_B")), "{unset:?}");
}

#[test]
fn an_extends_cycle_is_an_error_at_the_extends() {
    let loaded = Project::new(&[(
        "compose.yaml",
        "services:\n  a:\n    extends: b\n  b:\n    extends:\n      service: c\n  c:\n    extends: a\n",
    )])
    .load();
    let (code, message, line) = loaded.error();
    assert_eq!(code, Code::ExtendsCycle);
    assert!(message.contains("`a` → `b` → `c` → `a`"), "{message}");
    assert_eq!(line, Some(8));
    // one cycle, one error
    assert_eq!(
        loaded.diagnostics.counts().errors,
        1,
        "{:#?}",
        loaded.diagnostics
    );
}

#[test]
fn extends_of_an_unknown_service_is_an_error() {
    let loaded = Project::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    extends: nope\n",
    )])
    .load();
    assert_eq!(
        loaded.error(),
        (
            Code::ExtendsUnknown,
            "`extends` names service `nope`, which is not defined in this file".to_string(),
            Some(4)
        )
    );
}

#[test]
fn include_adds_resources_with_their_own_paths_and_variables() {
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "include:\n  - path: lib/db.yaml\n    env_file: lib/db.env\nservices:\n  app:\n    image: app\n",
        ),
        (
            "lib/db.yaml",
            "services:\n  db:\n    image: ${DB_IMAGE}\n    volumes: ['./init:/init']\nvolumes:\n  data: {}\n",
        ),
        ("lib/db.env", "DB_IMAGE=postgres\n"),
    ])
    .load();
    assert_eq!(loaded.services(), ["app", "db"]);
    assert_eq!(loaded.value("db", "image"), "postgres");
    assert_eq!(loaded.value("db", "volumes"), "[./lib/init:/init]");
    assert!(loaded.ok().get("include").is_none());
    assert!(loaded.ok().get("volumes").unwrap().get("data").is_some());
}

#[test]
fn extends_into_an_included_file_reads_it_with_the_include_variables() {
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "include:\n  - path: lib/db.yaml\n    env_file: lib/db.env\nservices:\n  app:\n    extends: {file: lib/db.yaml, service: base}\n",
        ),
        (
            "lib/db.yaml",
            "services:\n  base:\n    image: \"nginx:${TAG:?TAG must be set}\"\n    environment:\n      - MODE=${MODE}\n",
        ),
        ("lib/db.env", "TAG=1.25\nMODE=prod\n"),
    ])
    .load();
    assert_eq!(loaded.value("app", "image"), "nginx:1.25");
    assert_eq!(loaded.value("app", "environment"), "[MODE=prod]");
    assert!(
        loaded.diagnostics.items().is_empty(),
        "{:?}",
        loaded.diagnostics
    );
}

#[test]
fn include_conflicts_and_cycles_are_errors() {
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "include: [other.yaml]\nservices:\n  app:\n    image: a\n",
        ),
        ("other.yaml", "services:\n  app:\n    image: b\n"),
    ])
    .load();
    assert_eq!(loaded.error().0, Code::IncludeConflict);
    let loaded = Project::new(&[
        (
            "compose.yaml",
            "include: [other.yaml]\nservices:\n  app:\n    image: a\n",
        ),
        (
            "other.yaml",
            "include: [compose.yaml]\nservices:\n  b:\n    image: b\n",
        ),
    ])
    .load();
    assert_eq!(loaded.error().0, Code::IncludeCycle);
}

#[test]
fn profiles_select_services() {
    let text = "services:\n  app:\n    image: a\n  debug:\n    image: d\n    profiles: [debug]\n";
    let loaded = Project::new(&[("compose.yaml", text)]).load();
    assert_eq!(loaded.services(), ["app"]);
    let loaded = Project::new(&[("compose.yaml", text)])
        .profile("debug")
        .load();
    assert_eq!(loaded.services(), ["app", "debug"]);
    // a kept service keeps its profiles (`podlift config` prints them, as compose does)
    assert!(loaded.service("debug").unwrap().get("profiles").is_some());
    let loaded =
        Project::new(&[("compose.yaml", text), (".env", "COMPOSE_PROFILES=debug\n")]).load();
    assert_eq!(loaded.services(), ["app", "debug"]);
}

#[test]
fn alias_bombs_and_deep_nesting_hit_limits() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    let mut previous = 'a';
    for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'] {
        let aliases = vec![format!("*{previous}"); 10].join(", ");
        writeln!(bomb, "{name}: &{name} [{aliases}]").unwrap();
        previous = name;
    }
    bomb.push_str("services: {}\n");
    let loaded = Project::new(&[("compose.yaml", &bomb)]).load();
    assert!(loaded.root.is_none());
    let (code, message, _) = loaded.error();
    assert_eq!(code, Code::YamlLimit);
    assert!(message.contains("aliases copy more than"), "{message}");

    let deep = format!("services: {}{}\n", "[".repeat(200), "]".repeat(200));
    let loaded = Project::new(&[("compose.yaml", &deep)]).load();
    assert!(loaded.root.is_none());
    assert_eq!(loaded.error().0, Code::YamlLimit);
}

#[test]
fn variables_unused_in_the_environment_map_are_kept() {
    let loaded = Project::new(&[(
        "compose.yaml",
        "services:\n  app:\n    image: a\n    environment:\n      FROM_SHELL:\n      \"${KEY}\": v\n",
    )])
    .env("KEY", "k")
    .load();
    // keys are not interpolated, as in compose
    assert_eq!(
        loaded.value("app", "environment"),
        "{FROM_SHELL: ~, ${KEY}: v}"
    );
    let _ = BTreeMap::<String, String>::new();
}

/// Standard input handed to the library is held to the limit of a compose
/// file as the CLI's is (the key paths of a file count its bytes in 32 bits):
/// 17 MiB of text was taken whole.
#[test]
fn standard_input_over_the_file_limit_is_refused_by_the_library_too() {
    let dir = tempfile::tempdir().unwrap();
    let limit = usize::try_from(load::MAX_FILE_BYTES).unwrap();
    let mut text = String::from("services:\n  app:\n    image: nginx\n# ");
    text.push_str(&"x".repeat(limit));
    let options = LoadOptions {
        working_dir: dir.path().to_path_buf(),
        files: vec![PathBuf::from("-")],
        stdin: Some(text),
        ..LoadOptions::default()
    };
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let loaded = load::load(&options, &mut sources, &mut diagnostics);
    assert!(loaded.is_none() || diagnostics.has_errors());
    let refusal = diagnostics
        .items()
        .iter()
        .find(|d| d.code == Code::FileUnreadable)
        .unwrap_or_else(|| panic!("{diagnostics:?}"));
    assert!(
        refusal
            .message
            .contains("standard input has more than the limit")
    );
}
