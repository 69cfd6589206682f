//! `--inspect-images`, the carrying half (issue 26): what an image's facts
//! become in the manifests, the notes and `podlift plan` — HEALTHCHECK,
//! EXPOSE, VOLUME, USER, copy-up and `--pin-digests`. The facts are made
//! here (what `images::inspect` would read from an archive or registry) and
//! handed to `images::apply` between the model and the plan, as
//! `podlift::planned` does.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use podlift::diagnostic::{Code, Diagnostic, Diagnostics, Severity};
use podlift::emit::{EmitOptions, Format, Output};
use podlift::images::{Facts, ImageFacts, ImageHealthcheck, ImageOptions, Listing, Origin};
use podlift::model::Protocol;
use podlift::plan::{Plan, PlanOptions, Strategy};
use podlift::render::RenderOptions;
use podlift::source::Sources;
use serde_json::Value;

use crate::common::{self, compose_dir, run_tool};

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// An image with nothing but a digest.
fn image() -> Facts {
    Facts {
        digest: Some(DIGEST.to_string()),
        origin: Origin::Cache,
        healthcheck: None,
        exposed: Vec::new(),
        volumes: Vec::new(),
        user: None,
        passwd: None,
        group: None,
        files: None,
    }
}

fn check(test: &[&str]) -> ImageHealthcheck {
    ImageHealthcheck {
        test: test.iter().map(ToString::to_string).collect(),
        interval: Duration::ZERO,
        timeout: Duration::ZERO,
        start_period: Duration::ZERO,
        retries: 0,
    }
}

fn listing(paths: &[&str]) -> Listing {
    Listing {
        paths: paths.iter().map(ToString::to_string).collect(),
    }
}

/// A busybox-like image: a shell and `cp`, and files under `under`.
fn with_files(under: &[&str]) -> Facts {
    let mut paths = vec!["/bin", "/bin/sh", "/bin/cp", "/etc", "/etc/passwd"];
    paths.extend_from_slice(under);
    Facts {
        files: Some(listing(&paths)),
        ..image()
    }
}

/// What the stages made of a compose text and its images' facts.
struct Carried {
    diagnostics: Vec<Diagnostic>,
    plan: Plan,
    objects: Vec<Value>,
    dir: tempfile::TempDir,
}

impl Carried {
    fn codes(&self) -> Vec<Code> {
        self.diagnostics.iter().map(|d| d.code).collect()
    }

    fn find(&self, code: Code) -> &Diagnostic {
        self.diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("no {code} in {:?}", self.codes()))
    }

    fn workloads(&self) -> Vec<&Value> {
        self.objects
            .iter()
            .filter(|o| o["kind"] == "Deployment")
            .collect()
    }

    /// The Pod spec of the workload holding container `name`.
    fn spec_of(&self, name: &str) -> &Value {
        self.workloads()
            .into_iter()
            .map(|w| &w["spec"]["template"]["spec"])
            .find(|s| names(s, "containers").contains(&name.to_string()))
            .unwrap_or_else(|| panic!("no container {name}"))
    }

    fn container(&self, name: &str) -> &Value {
        self.spec_of(name)["containers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
    }

    /// `podlift plan`'s tables.
    fn plan_text(&self) -> String {
        self.plan
            .pods
            .iter()
            .map(podlift::report::plan_table)
            .collect()
    }

    /// Writes `format` into a fresh directory under the test's own.
    fn emit(&self, format: Format) -> std::path::PathBuf {
        let out = self.dir.path().join(format!("out-{format:?}"));
        let mut scratch = Diagnostics::default();
        let options = RenderOptions::default();
        let mut rendered = podlift::render::rendering(&self.plan, &options, &scratch);
        podlift::emit::emit(
            &mut rendered,
            &EmitOptions {
                format,
                output: Output::Directory(out.clone()),
                force: false,
                project: podlift::project_name(&self.plan),
            },
            &mut Vec::new(),
            |rendered| {
                rendered.finish(&mut scratch);
                true
            },
        )
        .unwrap();
        out
    }
}

fn names(spec: &Value, list: &str) -> Vec<String> {
    spec[list]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Load, model, `images::apply` with `facts`, plan, render: `podlift::planned`
/// and `convert` with the facts given.
fn carry_with(text: &str, facts: &[(&str, Facts)], plan: &PlanOptions, pin: bool) -> Carried {
    let dir = compose_dir(text);
    let load = podlift::load::LoadOptions {
        working_dir: dir.path().to_path_buf(),
        interpolate: true,
        ..podlift::load::LoadOptions::default()
    };
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let document = podlift::load::load(&load, &mut sources, &mut diagnostics).unwrap();
    let names = podlift::name_sources(&document, None, &load);
    let variables = podlift::project_environment(&document, &load);
    let mut project = podlift::model::model(document, &names, &variables, &mut diagnostics);
    let facts = ImageFacts {
        images: facts
            .iter()
            .map(|(name, f)| ((*name).to_string(), f.clone()))
            .collect(),
    };
    let options = ImageOptions {
        inspect: true,
        pin_digests: pin,
        ..ImageOptions::default()
    };
    podlift::images::apply(&mut project, &facts, &options, &mut diagnostics);
    let plan = podlift::plan::plan(&project, plan, &mut diagnostics);
    let mut objects = Vec::new();
    if !diagnostics.has_errors() {
        let options = RenderOptions::default();
        let mut rendered = podlift::render::rendering(&plan, &options, &diagnostics);
        let mut yaml = Vec::new();
        podlift::emit::emit(
            &mut rendered,
            &EmitOptions {
                format: Format::Json,
                output: Output::Stdout,
                force: false,
                project: podlift::project_name(&plan),
            },
            &mut yaml,
            |rendered| {
                rendered.finish(&mut diagnostics);
                true
            },
        )
        .unwrap();
        let list: Value = serde_json::from_slice(&yaml).unwrap();
        objects.clone_from(list["items"].as_array().unwrap());
    }
    Carried {
        diagnostics: diagnostics.items().to_vec(),
        plan,
        objects,
        dir,
    }
}

fn carry(text: &str, facts: &[(&str, Facts)]) -> Carried {
    carry_with(text, facts, &PlanOptions::default(), false)
}

const HEALTHY: &str = "services:
  db:
    image: db:1
  app:
    image: app:1
    depends_on:
      db: {condition: service_healthy}
";

#[test]
fn an_image_healthcheck_gates_service_healthy_as_a_compose_one_would() {
    let db = Facts {
        healthcheck: Some(check(&["CMD-SHELL", "pg_isready -U postgres"])),
        ..image()
    };
    let run = carry(HEALTHY, &[("db:1", db), ("app:1", image())]);
    assert!(
        !run.codes().contains(&Code::HealthyUnknown),
        "{:?}",
        run.codes()
    );
    let note = run.find(Code::ImageHealthcheck);
    assert_eq!(note.severity, Severity::Note);
    assert!(note.message.contains("`db:1`"), "{}", note.message);
    assert!(
        note.message.contains("every 30s, timeout 30s, 3 retries"),
        "Docker's defaults for zero values: {}",
        note.message
    );
    // The start gate is the one a compose `healthcheck:` gives.
    let db = run.container("db");
    let gate = &db["startupProbe"];
    assert_eq!(
        gate["exec"]["command"],
        serde_json::json!(["sh", "-c", "pg_isready -U postgres"])
    );
    assert_eq!(gate["periodSeconds"], 30);
    assert_eq!(gate["timeoutSeconds"], 30);
    assert!(
        db.get("readinessProbe").is_none(),
        "no probe besides the gate"
    );

    let compose = carry_with(
        &HEALTHY.replace(
            "    image: db:1\n",
            "    image: db:1\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 5s\n      timeout: 2s\n      retries: 4\n      start_period: 0s\n",
        ),
        &[
            ("db:1", Facts {
                healthcheck: Some(check(&["CMD-SHELL", "pg_isready"])),
                ..image()
            }),
        ],
        &PlanOptions::default(),
        false,
    );
    assert!(!compose.codes().contains(&Code::ImageHealthcheck));
    assert_eq!(
        compose.container("db")["startupProbe"]["exec"]["command"],
        serde_json::json!(["true"]),
        "a compose healthcheck wins"
    );
}

#[test]
fn compose_fields_win_and_the_image_fills_the_rest_of_a_healthcheck() {
    let text = HEALTHY.replace(
        "    image: db:1\n",
        "    image: db:1\n    healthcheck:\n      interval: 5s\n",
    );
    let mut db_check = check(&["CMD", "/bin/healthy", "--quick"]);
    db_check.timeout = Duration::from_secs(7);
    db_check.retries = 9;
    let run = carry(
        &text,
        &[(
            "db:1",
            Facts {
                healthcheck: Some(db_check),
                ..image()
            },
        )],
    );
    let gate = &run.container("db")["startupProbe"];
    assert_eq!(
        gate["exec"]["command"],
        serde_json::json!(["/bin/healthy", "--quick"])
    );
    assert_eq!(gate["periodSeconds"], 5, "compose's interval");
    assert_eq!(gate["timeoutSeconds"], 7, "the image's timeout");
    assert!(
        run.find(Code::ImageHealthcheck)
            .message
            .contains("completes its `healthcheck`")
    );
}

#[test]
fn service_healthy_without_any_healthcheck_is_refused_as_compose_refuses_it() {
    let run = carry(HEALTHY, &[("db:1", image())]);
    let error = run.find(Code::HealthyNone);
    assert_eq!(error.severity, Severity::Error);
    assert!(
        error.message.contains("image `db:1`")
            && error.message.contains("has no healthcheck configured"),
        "{}",
        error.message
    );
    assert!(!run.codes().contains(&Code::HealthyUnknown));

    // `["NONE"]` in the image is none.
    let run = carry(
        HEALTHY,
        &[(
            "db:1",
            Facts {
                healthcheck: Some(check(&["NONE"])),
                ..image()
            },
        )],
    );
    assert!(run.codes().contains(&Code::HealthyNone));

    // compose's `disable: true` turns the image's off.
    let run = carry(
        &HEALTHY.replace(
            "    image: db:1\n",
            "    image: db:1\n    healthcheck:\n      disable: true\n",
        ),
        &[(
            "db:1",
            Facts {
                healthcheck: Some(check(&["CMD", "true"])),
                ..image()
            },
        )],
    );
    assert!(
        run.find(Code::HealthyNone).message.contains("disables"),
        "{:?}",
        run.codes()
    );

    // An image not inspected: the warning naming `--inspect-images`.
    let run = carry(HEALTHY, &[("app:1", image())]);
    let warning = run.find(Code::HealthyUnknown);
    assert!(
        warning
            .help
            .as_deref()
            .unwrap()
            .contains("--inspect-images"),
        "{warning:?}"
    );
    assert!(!run.codes().contains(&Code::HealthyNone));
}

const PLC: &str = "services:
  plc1:
    image: plc:1
  plc2:
    image: plc:1
  hmi:
    image: hmi:1
    ports: [\"8080:80\"]
";

fn plc() -> Facts {
    Facts {
        exposed: vec![(502, Protocol::Tcp)],
        ..image()
    }
}

#[test]
fn exposed_ports_clash_in_one_pod_and_split_them_under_auto() {
    let run = carry(PLC, &[("plc:1", plc())]);
    assert!(
        run.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.message.contains("502")),
        "two containers binding 502 in one Pod: {:?}",
        run.diagnostics
    );
    let note = run.find(Code::ImagePorts);
    assert!(
        note.message.contains("`502/tcp`") && note.message.contains("`plc:1`"),
        "{}",
        note.message
    );

    let auto = carry_with(
        PLC,
        &[("plc:1", plc())],
        &PlanOptions {
            strategy: Strategy::Auto,
            ..PlanOptions::default()
        },
        false,
    );
    assert!(
        !auto
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error),
        "{:?}",
        auto.diagnostics
    );
    let pods = auto.workloads().len();
    assert!(pods >= 2, "plc1 and plc2 apart: {pods} Pods");
    // Peers reach 502 through a ClusterIP Service; nothing is published.
    let services: Vec<&Value> = auto
        .objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .collect();
    let plc_service = services
        .iter()
        .find(|s| s["metadata"]["name"] == "plc1")
        .unwrap_or_else(|| panic!("{services:?}"));
    let ports: Vec<i64> = plc_service["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_i64().unwrap())
        .collect();
    assert!(ports.contains(&502), "{services:#?}");
    assert!(
        plc_service["spec"].get("type").is_none() || plc_service["spec"]["type"] == "ClusterIP"
    );
    assert!(
        services
            .iter()
            .all(|s| s["spec"]["type"] != "NodePort" && s["spec"]["type"] != "LoadBalancer")
    );
    // Peers on the compose network reach every port (502 too); a source
    // outside it only what compose published (80), never 502.
    let rules: Vec<Value> = auto
        .objects
        .iter()
        .filter(|o| o["kind"] == "NetworkPolicy")
        .flat_map(|p| p["spec"]["ingress"].as_array().cloned().unwrap_or_default())
        .collect();
    let open_to_all: BTreeSet<i64> = rules
        .iter()
        .filter(|rule| rule.get("from").is_none())
        .flat_map(|rule| rule["ports"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p["port"].as_i64())
        .collect();
    assert_eq!(open_to_all, BTreeSet::from([80]), "{rules:#?}");
    assert!(
        rules
            .iter()
            .any(|r| r.get("from").is_some() && r.get("ports").is_none()),
        "peers on the network reach 502: {rules:#?}"
    );
    let plan = auto.plan_text();
    assert!(plan.contains("plc:1: EXPOSE 502/tcp"), "{plan}");
}

#[test]
fn an_image_volume_is_an_emptydir_unless_compose_mounts_there() {
    let text = "services:
  db:
    image: db:1
    volumes: [\"data:/var/lib/db/\"]
volumes:
  data: {}
";
    let db = Facts {
        volumes: vec!["/var/lib/db".to_string(), "/var/log/db".to_string()],
        ..image()
    };
    let run = carry(text, &[("db:1", db)]);
    let spec = run.spec_of("db");
    let mounts = run.container("db")["volumeMounts"]
        .as_array()
        .unwrap()
        .clone();
    let at =
        |path: &str| -> Vec<&Value> { mounts.iter().filter(|m| m["mountPath"] == path).collect() };
    assert_eq!(
        at("/var/lib/db/").len(),
        1,
        "compose's mount only: {mounts:?}"
    );
    assert!(at("/var/lib/db").is_empty(), "{mounts:?}");
    let log = at("/var/log/db");
    assert_eq!(log.len(), 1, "{mounts:?}");
    let volume = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == log[0]["name"])
        .unwrap();
    assert!(volume.get("emptyDir").is_some(), "{volume}");
    let note = run.find(Code::ImageVolume);
    assert!(note.message.contains("`/var/log/db`") && !note.message.contains("/var/lib/db"));
}

#[test]
fn an_image_user_runs_as_non_root_when_kubernetes_can_check_it() {
    let text = "services:
  num:
    image: num:1
  named:
    image: named:1
  unknown:
    image: unknown:1
  root:
    image: root:1
  mine:
    image: named:1
    user: \"0\"
";
    let passwd = Some(vec![
        ("root".to_string(), 0, 0),
        ("app".to_string(), 1001, 1002),
    ]);
    let run = carry(
        text,
        &[
            (
                "num:1",
                Facts {
                    user: Some("1000:1000".to_string()),
                    ..image()
                },
            ),
            (
                "named:1",
                Facts {
                    user: Some("app".to_string()),
                    passwd: passwd.clone(),
                    ..image()
                },
            ),
            (
                "unknown:1",
                Facts {
                    user: Some("app".to_string()),
                    ..image()
                },
            ),
            (
                "root:1",
                Facts {
                    user: Some("root".to_string()),
                    ..image()
                },
            ),
        ],
    );
    let security = |name: &str| run.container(name)["securityContext"].clone();
    assert_eq!(security("num")["runAsUser"], 1000);
    assert_eq!(security("num")["runAsGroup"], 1000);
    assert_eq!(security("num")["runAsNonRoot"], true);
    assert_eq!(
        security("named")["runAsUser"],
        1001,
        "resolved in /etc/passwd"
    );
    assert_eq!(security("named")["runAsGroup"], 1002);
    assert_eq!(security("named")["runAsNonRoot"], true);
    assert!(
        security("unknown").get("runAsNonRoot").is_none(),
        "the kubelet refuses runAsNonRoot for a name it cannot check"
    );
    assert!(security("root").get("runAsNonRoot").is_none());
    assert!(
        security("mine").get("runAsNonRoot").is_none(),
        "compose's user: wins"
    );
    assert_eq!(security("mine")["runAsUser"], 0);
    let notes: Vec<&Diagnostic> = run
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ImageUser)
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains("`USER app`") && n.message.contains("not set")),
        "{notes:?}"
    );
}

#[test]
fn a_compose_user_name_resolves_in_the_image_passwd() {
    let text = "services:
  app:
    image: app:1
    user: www
";
    let run = carry(
        text,
        &[(
            "app:1",
            Facts {
                passwd: Some(vec![("www".to_string(), 33, 33)]),
                ..image()
            },
        )],
    );
    assert!(!run.codes().contains(&Code::UserName), "{:?}", run.codes());
    let security = &run.container("app")["securityContext"];
    assert_eq!(security["runAsUser"], 33);
    assert_eq!(security["runAsGroup"], 33);
    assert_eq!(security["runAsNonRoot"], true);
}

#[test]
fn a_user_group_name_resolves_in_the_image_group_file() {
    let text = "services:
  named:
    image: named:1
  numeric:
    image: numeric:1
  lost:
    image: lost:1
  unread:
    image: unread:1
  mine:
    image: lost:1
    user: app:staff
";
    let layers = |user: &str| Facts {
        user: Some(user.to_string()),
        passwd: Some(vec![("app".to_string(), 1000, 1000)]),
        group: Some(vec![("staff".to_string(), 50), ("app".to_string(), 1000)]),
        ..image()
    };
    let run = carry(
        text,
        &[
            ("named:1", layers("app:staff")),
            ("numeric:1", layers("1000:staff")),
            ("lost:1", layers("app:nosuch")),
            (
                "unread:1",
                Facts {
                    user: Some("1000:staff".to_string()),
                    ..image()
                },
            ),
        ],
    );
    let security = |name: &str| run.container(name)["securityContext"].clone();
    for name in ["named", "numeric", "mine"] {
        assert_eq!(security(name)["runAsUser"], 1000, "{name}");
        assert_eq!(
            security(name)["runAsGroup"],
            50,
            "{name}: staff, not app's own group"
        );
        assert_eq!(security(name)["runAsNonRoot"], true, "{name}");
    }
    for name in ["lost", "unread"] {
        assert_eq!(security(name)["runAsUser"], 1000, "{name}");
        assert!(security(name).get("runAsGroup").is_none(), "{name}");
    }
    let notes: Vec<&str> = run
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ImageUser)
        .map(|d| d.message.as_str())
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("`nosuch`")
            && n.contains("`/etc/group` does not hold")
            && n.contains("`runAsGroup` is not set")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("`staff`") && n.contains("was not read")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.contains("`runAsGroup: 50`")),
        "{notes:?}"
    );
}

/// The Pod Security assessment sees the non-root image user: no finding about
/// `runAsNonRoot` for that container.
#[test]
fn the_pod_security_level_is_recomputed_with_the_image_user() {
    let text = "services:
  app:
    image: app:1
    cap_drop: [ALL]
    security_opt: [no-new-privileges:true]
";
    let findings = |facts: Facts| -> Vec<String> {
        let run = carry(text, &[("app:1", facts)]);
        let mut scratch = Diagnostics::default();
        let options = RenderOptions::default();
        let rendered = podlift::render::render(&run.plan, &options, &mut scratch);
        rendered
            .pod_security()
            .findings
            .iter()
            .map(|f| f.reason.clone())
            .collect()
    };
    let root = findings(image());
    assert!(
        root.iter().any(|r| r.contains("runAsNonRoot")),
        "without a user: {root:?}"
    );
    let user = findings(Facts {
        user: Some("1000".to_string()),
        ..image()
    });
    assert!(
        !user.iter().any(|r| r.contains("runAsNonRoot")),
        "with USER 1000: {user:?}"
    );
}

const WEB: &str = "services:
  web:
    image: web:1
    volumes:
      - html:/usr/share/html
      - cache:/var/cache/web
      - ext:/srv/ext
volumes:
  html: {}
  cache: {}
  ext: {external: true}
";

#[test]
fn a_fresh_volume_over_image_files_is_filled_by_a_copy_up() {
    let web = with_files(&[
        "/usr/share/html",
        "/usr/share/html/index.html",
        "/srv/ext/x",
        "/var/cache/web",
    ]);
    let run = carry(WEB, &[("web:1", web)]);
    let spec = run.spec_of("web");
    let init = spec["initContainers"].as_array().unwrap();
    assert_eq!(
        init.len(),
        1,
        "one copy-up (html), not cache (empty there) nor ext: {init:?}"
    );
    let copy = &init[0];
    assert_eq!(copy["name"], "podlift-copy-up-1");
    assert_eq!(copy["image"], "web:1", "the service's own image");
    // A ResourceQuota on limits admits the Pod only with them (rt-k8s).
    assert!(
        copy["resources"]["limits"]["cpu"].is_string()
            && copy["resources"]["limits"]["memory"].is_string(),
        "{copy}"
    );
    let command: Vec<&str> = copy["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(command[..2], ["sh", "-c"]);
    assert!(command[2].contains("cp -a"), "{command:?}");
    assert_eq!(command.last(), Some(&"/usr/share/html"));
    let mount = &copy["volumeMounts"][0];
    let web_mount = run.container("web")["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"] == "/usr/share/html")
        .unwrap()
        .clone();
    assert_eq!(mount["name"], web_mount["name"], "the same volume");
    assert_ne!(mount["mountPath"], "/usr/share/html");
    assert!(
        run.find(Code::ImageCopyUp)
            .message
            .contains("`/usr/share/html`")
    );
    assert!(
        !run.codes().contains(&Code::VolumeStartsEmpty),
        "the image's facts settle both: {:?}",
        run.codes()
    );
    let plan = run.plan_text();
    assert!(plan.contains("podlift-copy-up-1"), "{plan}");
    assert!(
        plan.contains("From images (--inspect-images):")
            && plan.contains("web:1: copy-up /usr/share/html"),
        "{plan}"
    );
}

#[test]
fn a_nocopy_volume_is_not_filled_as_docker_leaves_it_empty() {
    // `:nocopy` (short) and `volume: {nocopy: true}` (long): Docker skips
    // the copy-up of a fresh volume, so the Pod starts with it empty too.
    let text = "services:
  web:
    image: web:1
    volumes:
      - html:/usr/share/html:ro,nocopy
      - type: volume
        source: data
        target: /srv/data
        volume:
          nocopy: true
      - type: volume
        target: /srv/anon
        volume: {nocopy: true}
      - seed:/srv/seed
volumes:
  html: {}
  data: {}
  seed: {}
";
    let web = with_files(&[
        "/usr/share/html",
        "/usr/share/html/index.html",
        "/srv/data/a",
        "/srv/anon/b",
        "/srv/seed/c",
    ]);
    let run = carry(text, &[("web:1", web)]);
    let init = names(run.spec_of("web"), "initContainers");
    assert_eq!(init, ["podlift-copy-up-1"], "only seed is filled");
    let copy = &run.spec_of("web")["initContainers"][0]["command"];
    assert_eq!(copy.as_array().unwrap().last().unwrap(), "/srv/seed");
    let notes: Vec<&str> = run
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::ImageCopyUp)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        !run.codes().contains(&Code::VolumeStartsEmpty),
        "nocopy settles them: Docker leaves them empty too: {:?}",
        run.codes()
    );
    let plan = run.plan_text();
    assert!(!plan.contains("copy-up /usr/share/html"), "{plan}");
    assert!(!plan.contains("copy-up /srv/data"), "{plan}");
}

#[test]
fn an_image_without_a_shell_cannot_copy_up_and_says_so() {
    let web = Facts {
        files: Some(listing(&["/usr/share/html", "/usr/share/html/index.html"])),
        ..image()
    };
    let run = carry(WEB, &[("web:1", web)]);
    assert!(run.spec_of("web").get("initContainers").is_none());
    let warning = run.find(Code::CopyUpImpossible);
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.message.contains("`/bin/sh`"), "{}", warning.message);
    // Without the image's files nothing is known: the note stays.
    let run = carry(WEB, &[("web:1", image())]);
    assert!(run.codes().contains(&Code::VolumeStartsEmpty));
    assert!(!run.codes().contains(&Code::ImageCopyUp));
}

#[test]
fn an_image_volume_with_files_is_filled_too_as_docker_fills_anonymous_volumes() {
    let text = "services:\n  db:\n    image: db:1\n";
    let db = Facts {
        volumes: vec!["/data".to_string()],
        ..with_files(&["/data", "/data/seed.sql"])
    };
    let run = carry(text, &[("db:1", db)]);
    let init = names(run.spec_of("db"), "initContainers");
    assert_eq!(init, ["podlift-copy-up-1"]);
}

#[test]
fn copy_up_names_stay_apart_from_service_names() {
    let text = "services:
  podlift-copy-up-1:
    image: web:1
    volumes: [\"html:/usr/share/html\"]
volumes:
  html: {}
";
    let run = carry(text, &[("web:1", with_files(&["/usr/share/html/a"]))]);
    let spec = &run.workloads()[0]["spec"]["template"]["spec"];
    assert_eq!(names(spec, "initContainers"), ["podlift-copy-up-2"]);
}

#[test]
fn pinned_digests_are_written_and_every_format_takes_them() {
    let text = "services:\n  web:\n    image: registry.example:5000/team/web:1.2\n  db:\n    image: db@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n";
    let run = carry_with(
        text,
        &[
            ("registry.example:5000/team/web:1.2", image()),
            (
                "db@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                image(),
            ),
        ],
        &PlanOptions::default(),
        true,
    );
    assert_eq!(
        run.container("web")["image"],
        format!("registry.example:5000/team/web:1.2@{DIGEST}")
    );
    assert_eq!(
        run.container("db")["image"],
        "db@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "a digest written stays"
    );
    assert!(run.find(Code::ImagePinned).message.contains(DIGEST));
    let kustomize =
        std::fs::read_to_string(run.emit(Format::Kustomize).join("kustomization.yaml")).unwrap();
    assert!(
        kustomize.contains("registry.example:5000/team/web") && !kustomize.contains("web:1.2@"),
        "{kustomize}"
    );
    let values = std::fs::read_to_string(run.emit(Format::Helm).join("values.yaml")).unwrap();
    assert!(values.contains(DIGEST), "{values}");
    // An image read without a digest (a `docker save` archive) cannot be.
    let run = carry_with(
        text,
        &[(
            "registry.example:5000/team/web:1.2",
            Facts {
                digest: None,
                ..image()
            },
        )],
        &PlanOptions::default(),
        true,
    );
    assert_eq!(
        run.container("web")["image"],
        "registry.example:5000/team/web:1.2"
    );
    assert!(run.find(Code::PinNoDigest).message.contains("not pinned"));
    // Without the flag, nothing is pinned.
    let run = carry(text, &[("registry.example:5000/team/web:1.2", image())]);
    assert_eq!(
        run.container("web")["image"],
        "registry.example:5000/team/web:1.2"
    );
}

/// Everything carried at once stays valid in every format: the stream for
/// `kubernetes-validate --strict`, the Kustomize base for `kubectl
/// kustomize`, the chart for `helm lint --strict` and `helm template`.
#[test]
fn every_output_format_stays_valid_with_image_facts() {
    let text = "services:
  db:
    image: db:1
    volumes: [\"data:/var/lib/db\"]
  web:
    image: web:1
    depends_on:
      db: {condition: service_healthy}
volumes:
  data: {}
";
    let db = Facts {
        healthcheck: Some(check(&["CMD", "db-ready"])),
        exposed: vec![(5432, Protocol::Tcp)],
        volumes: vec!["/var/lib/db".to_string(), "/run/db".to_string()],
        user: Some("999:999".to_string()),
        ..with_files(&["/var/lib/db/base", "/run/db/sock"])
    };
    let web = Facts {
        exposed: vec![(8080, Protocol::Tcp), (8443, Protocol::Tcp)],
        user: Some("app".to_string()),
        passwd: Some(vec![("app".to_string(), 1000, 1000)]),
        ..image()
    };
    for strategy in [Strategy::Pod, Strategy::Split] {
        let run = carry_with(
            text,
            &[("db:1", db.clone()), ("web:1", web.clone())],
            &PlanOptions {
                strategy,
                ..PlanOptions::default()
            },
            true,
        );
        assert!(
            !run.diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error),
            "{:?}",
            run.diagnostics
        );
        let init = names(run.spec_of("db"), "initContainers");
        assert!(
            init.iter()
                .filter(|n| n.starts_with("podlift-copy-up"))
                .count()
                == 2,
            "{strategy:?}: the named volume and the image's /run/db: {init:?}"
        );
        validate(&run);
    }
}

fn validate(run: &Carried) {
    if let Some(validator) = common::kubernetes_validate() {
        let stream = run.emit(Format::Yaml);
        for entry in std::fs::read_dir(&stream).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|e| e != "yaml") {
                continue;
            }
            common::assert_valid_file_at(
                &validator,
                &path,
                &path.display().to_string(),
                common::KUBE_VERSION,
            );
        }
    }
    if let Some(kubectl) = common::kubectl() {
        let base = run.emit(Format::Kustomize);
        let built = run_tool(&kubectl, &["kustomize", base.to_str().unwrap()]);
        assert!(built.contains(DIGEST), "{built}");
    }
    if let Some(helm) = common::helm() {
        let chart = run.emit(Format::Helm);
        let chart = chart.to_str().unwrap();
        run_tool(&helm, &["lint", "--strict", chart]);
        let rendered = run_tool(&helm, &["template", "x", chart]);
        assert!(rendered.contains(DIGEST), "{rendered}");
        assert!(rendered.contains("podlift-copy-up"), "{rendered}");
        // A copy-up runs its service's image value: one override moves both.
        let values: Value = serde_saphyr::from_str(
            &std::fs::read_to_string(Path::new(chart).join("values.yaml")).unwrap(),
        )
        .unwrap();
        let keys: Vec<&String> = values["images"].as_object().unwrap().keys().collect();
        assert!(
            !keys.iter().any(|k| k.starts_with("podlift-copy-up")),
            "{keys:?}"
        );
        let moved = run_tool(
            &helm,
            &[
                "template",
                "x",
                chart,
                "--set",
                "images.db.tag=2",
                "--set",
                "images.db.digest=",
            ],
        );
        assert_eq!(
            moved.matches("image: \"db:2\"").count(),
            3,
            "db and its two copy-ups: {moved}"
        );
        assert!(!moved.contains("db:1"), "{moved}");
    }
}
