//! Any `compose.yaml` in a project full of traps: links out of the project
//! and into `/proc` and `/dev`, a FIFO, a link loop, a directory, an
//! `include` diamond, env files whose values reference each other, and a
//! file outside the project that holds a canary. Whatever the compose file
//! names, podlift finishes (libFuzzer's `-timeout` catches a hang), never
//! panics, and the canary never reaches the manifests or a diagnostic.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use podlift::emit::{self, EmitOptions, Format, Output};
use podlift::load::LoadOptions;
use podlift::plan::PlanOptions;

/// What the files outside the project hold: random per process, so no
/// input can spell it.
fn canary() -> &'static str {
    static CANARY: OnceLock<String> = OnceLock::new();
    CANARY.get_or_init(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("canary{nanos:x}{}", std::process::id())
    })
}

/// `root/outside` (the canary) and `root/p` (the project).
fn root() -> &'static tempfile::TempDir {
    static ROOT: OnceLock<tempfile::TempDir> = OnceLock::new();
    ROOT.get_or_init(|| {
        let root = tempfile::tempdir().expect("a temporary directory");
        build(root.path());
        root
    })
}

fn build(root: &Path) {
    let outside = root.join("outside");
    let project = root.join("p");
    std::fs::create_dir_all(&outside).expect("outside");
    std::fs::create_dir_all(project.join("dir")).expect("project");
    let write = |path: &Path, text: &str| std::fs::write(path, text).expect("write");
    let canary = canary();
    write(&outside.join("secret.txt"), &format!("TOKEN={canary}\n"));
    write(
        &outside.join("other.yaml"),
        &format!("services:\n  o:\n    image: busybox\n    x-c: {canary}\n"),
    );
    write(&project.join("a.env"), "A=ab\nB=${A}${A}\nC=${B}${B}\n");
    write(&project.join("labels"), "l.one=1\nl.two=${HOME}\n");
    write(&project.join("dir/conf"), "key = value\n");
    write(
        &project.join("b.yaml"),
        "include: [c.yaml, d.yaml]\nservices:\n  b:\n    image: busybox\n",
    );
    write(&project.join("c.yaml"), "include: [e.yaml]\n");
    write(&project.join("d.yaml"), "include: [e.yaml]\n");
    write(
        &project.join("e.yaml"),
        "services:\n  e:\n    image: busybox\n  base:\n    image: busybox\n",
    );
    write(&project.join("notyaml"), "TOKEN: [unclosed\n");
    let link = |target: &str, name: &str| {
        std::os::unix::fs::symlink(target, project.join(name)).expect("symlink");
    };
    link("../outside/secret.txt", "out");
    link("../outside", "outdir");
    link("/proc/self/environ", "proc");
    link("/dev/zero", "zero");
    link("/var/run/docker.sock", "sock");
    link("loop", "loop");
    link("a.env", "settings.conf");
    let status = std::process::Command::new("mkfifo")
        .arg(project.join("fifo"))
        .status()
        .expect("mkfifo");
    assert!(status.success(), "mkfifo");
}

fuzz_target!(|data: &[u8]| {
    let project = root().path().join("p");
    std::fs::write(project.join("compose.yaml"), data).expect("write compose.yaml");
    let options = podlift::Options {
        load: LoadOptions {
            working_dir: project.clone(),
            interpolate: true,
            environment: [("HOME", "/home/fuzz"), ("TAG", "1.0")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..LoadOptions::default()
        },
        project_name: Some("fuzz".to_string()),
        plan: PlanOptions {
            native_sidecars: true,
            ..PlanOptions::default()
        },
        ..podlift::Options::default()
    };
    let mut pipeline = podlift::planned(&options);
    let rendered = pipeline.plan.as_ref().map(|plan| {
        podlift::render::render(plan, &options.render, &mut pipeline.diagnostics)
    });
    for diagnostic in pipeline.diagnostics.items() {
        let text = format!("{} {:?}", diagnostic.message, diagnostic.help);
        assert!(!text.contains(canary()), "the canary in a diagnostic: {text}");
    }
    let Some(rendered) = rendered.as_ref().filter(|_| !pipeline.diagnostics.has_errors())
    else {
        return;
    };
    let emit_options = EmitOptions {
        format: Format::Yaml,
        output: Output::Stdout,
        force: false,
        project: "fuzz".to_string(),
        kube_version: (1, 33),
    };
    let mut stdout = Vec::new();
    let written = emit::emit(rendered, &emit_options, &mut stdout);
    assert!(written.is_ok(), "emit failed: {written:?}");
    let stdout = String::from_utf8(stdout).expect("UTF-8 manifests");
    assert!(
        !stdout.contains(canary()),
        "the canary in the manifests:\n{stdout}"
    );
});
