//! The whole `podlift convert` on an arbitrary compose file, in-process
//! through the library's stages: errors, or manifests that parse back as YAML.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use podlift::emit::{self, EmitOptions, Format, Output};
use podlift::load::LoadOptions;
use podlift::plan::{PlanOptions, Strategy};

/// One directory per fuzzing process; the file is rewritten every run.
fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    std::fs::write(dir.path().join("compose.yaml"), data).expect("write compose.yaml");
    // `podlift convert -p fuzz` in the directory, through the library's stages.
    let options = podlift::Options {
        load: LoadOptions {
            working_dir: dir.path().to_path_buf(),
            interpolate: true,
            environment: [("TAG", "1.0"), ("EMPTY", ""), ("PORT", "8080")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..LoadOptions::default()
        },
        project_name: Some("fuzz".to_string()),
        plan: PlanOptions {
            native_sidecars: true,
            strategy: Strategy::Auto,
            ..PlanOptions::default()
        },
        ..podlift::Options::default()
    };
    let mut pipeline = podlift::planned(&options);
    let rendered = pipeline.plan.as_ref().map(|plan| {
        podlift::render::render(plan, &options.render, &mut pipeline.diagnostics)
    });
    let Some(rendered) = rendered.as_ref().filter(|_| !pipeline.diagnostics.has_errors())
    else {
        // exit 1: nothing is written
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
    let parsed = serde_saphyr::from_multiple::<serde_json::Value>(&stdout);
    assert!(
        parsed.is_ok(),
        "the manifests do not parse back: {parsed:?}\n{stdout}"
    );
});
