//! The whole `podlift convert` on an arbitrary compose file, in-process: exit
//! 0 with manifests that parse back as YAML, or exit 1 with nothing on stdout.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use podlift::Environment;

/// One directory per fuzzing process; the file is rewritten every run.
fn dir() -> &'static tempfile::TempDir {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    std::fs::write(dir.path().join("compose.yaml"), data).expect("write compose.yaml");
    let env = Environment {
        working_dir: dir.path().to_path_buf(),
        variables: [("TAG", "1.0"), ("EMPTY", ""), ("PORT", "8080")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Environment::default()
    };
    let outcome = podlift::run(["podlift", "convert", "-p", "fuzz"], &env);
    match outcome.code {
        0 => {
            let parsed = serde_saphyr::from_multiple::<serde_json::Value>(&outcome.stdout);
            assert!(
                parsed.is_ok(),
                "the manifests do not parse back: {parsed:?}\n{}",
                outcome.stdout
            );
        }
        1 => assert!(
            outcome.stdout.is_empty(),
            "stdout on failure:\n{}",
            outcome.stdout
        ),
        code => panic!("unexpected exit {code}:\n{}", outcome.stderr),
    }
});
