//! The command line as people use it: completions, man page, help.

use crate::common;

use common::Test;

#[test]
fn completions_for_every_common_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _podlift"),
        ("zsh", "#compdef podlift"),
        ("fish", "complete -c podlift"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = Test::new().args(["completions", shell]).success();
        assert!(run.stdout.contains(marker), "{shell}:\n{}", run.stdout);
        for word in ["convert", "check", "plan", "explain", "pod-cidr"] {
            assert!(run.stdout.contains(word), "{shell} completes `{word}`");
        }
        assert!(run.stderr.is_empty());
    }
    Test::new().args(["completions", "tcsh"]).failure(2);
}

#[test]
fn the_bash_completion_script_is_valid_bash() {
    let run = Test::new().args(["completions", "bash"]).success();
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("podlift.bash");
    std::fs::write(&script, &run.stdout).unwrap();
    let status = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status();
    match status {
        Ok(status) => assert!(status.success(), "bash -n rejects the script"),
        Err(_) => common::skip("no bash to check the completion script with"),
    }
}

#[test]
fn man_pages_for_podlift_and_its_commands() {
    let run = Test::new().args(["man"]).success();
    assert!(run.stdout.contains(".TH podlift 1"), "{}", run.stdout);
    assert!(run.stdout.contains("\\-\\-quiet"), "{}", run.stdout);
    let check = Test::new().args(["man", "check"]).success();
    assert!(
        check.stdout.contains(".TH podlift-check 1"),
        "{}",
        check.stdout
    );
    assert!(
        check.stdout.contains("\\-\\-pod\\-cidr"),
        "{}",
        check.stdout
    );
    let unknown = Test::new().args(["man", "deploy"]).failure(2);
    assert!(unknown.stderr.contains("`deploy` is not a podlift command"));
}

#[test]
fn help_groups_options_and_shows_examples() {
    let run = Test::new().args(["convert", "--help"]).success();
    let headings: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' ') && l.ends_with(':'))
        .collect();
    for heading in [
        "Input:",
        "Output:",
        "Strategy:",
        "Cluster:",
        "Diagnostics:",
        "Examples:",
    ] {
        assert!(headings.contains(&heading), "{heading} in {headings:?}");
    }
    assert!(run.stdout.contains("COMPOSE_FILE"), "-f names COMPOSE_FILE");
    assert!(
        run.stdout.contains("docker-compose.yml"),
        "-f names the files looked for"
    );
    let top = Test::new().args(["--help"]).success();
    assert!(top.stdout.contains("podlift explain address-common-range"));
}

#[test]
fn every_spelling_of_dash_f_dash_reads_standard_input() {
    // Standard input is read once the command line is parsed, so clap's
    // spellings of `-f -` all work (`-f=-` and `-f-` were missed before).
    let dir = tempfile::tempdir().unwrap();
    for spelling in [
        &["-f", "-"][..],
        &["-f=-"],
        &["-f-"],
        &["--file", "-"],
        &["--file=-"],
    ] {
        let run = Test::new()
            .args(["convert", "-p", "stdin"])
            .args(spelling)
            .current_dir(dir.path())
            .stdin("services:\n  from-stdin:\n    image: busybox\n")
            .success();
        assert_eq!(
            run.pod_spec()["containers"][0]["name"],
            "from-stdin",
            "{spelling:?}"
        );
    }
}

#[test]
fn the_commands_own_errors_are_one_line_and_advice() {
    let run = Test::new().args(["man", "nope"]).failure(2);
    assert_eq!(
        run.stderr,
        "error: `nope` is not a podlift command\n  help: `podlift --help` lists them\n"
    );
    // After the conversion's diagnostics (and their summary), the error
    // that kept the output from being written, and exit 1.
    let dir = common::compose_dir("services:\n  a:\n    image: busybox\n");
    std::fs::write(dir.path().join("a-file"), "").unwrap();
    let run = Test::new()
        .args(["convert", "-o", "a-file/out.yaml"])
        .current_dir(dir.path())
        .failure(1);
    let (diagnostics, error) = run.stderr.rsplit_once("error: ").unwrap();
    assert!(
        diagnostics.ends_with("0 errors, 0 warnings, 1 note\n"),
        "{}",
        run.stderr
    );
    assert!(error.starts_with("cannot write `"), "{}", run.stderr);
    assert!(error.contains("a-file/out.yaml`: "), "{}", run.stderr);
    assert_eq!(error.lines().count(), 1, "{}", run.stderr);
}
