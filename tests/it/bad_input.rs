//! Hostile and broken input, one row each: podlift exits with a clear error
//! (at `file:line:column` where the problem has one), prints nothing on
//! stdout and never panics or hangs. The limits are in `docs/limits.md`.

use crate::common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use podlift::load::{MAX_FILE_BYTES, MAX_INCLUDE_LOADS, MAX_SERVICES};

/// Far above what any row needs; a row that gets here hangs.
const TIMEOUT: Duration = Duration::from_mins(2);

/// What the compose file is.
enum Input {
    /// `compose.yaml` with this text.
    Text(String),
    /// `compose.yaml` with these bytes.
    Bytes(Vec<u8>),
    /// `compose.yaml` is a directory.
    Directory,
    /// `-f` names a path outside the project (a special file).
    Path(&'static str),
    /// `compose.yaml` is a sparse file of this many bytes.
    Sized(u64),
    /// `compose.yaml` has mode 000.
    NoPermission,
    /// Files this function makes in the project directory (FIFOs, links,
    /// env files), and the text of `compose.yaml` it returns.
    Setup(fn(&Path) -> String),
}

struct Row {
    name: &'static str,
    input: Input,
    /// Extra command-line arguments after `convert -f FILE`.
    args: &'static [&'static str],
    code: i32,
    /// Each must appear in stderr (diagnostic codes, `file:line:` positions).
    stderr: &'static [&'static str],
}

const fn row(name: &'static str, input: Input, stderr: &'static [&'static str]) -> Row {
    Row {
        name,
        input,
        args: &[],
        code: 1,
        stderr,
    }
}

fn text(s: &str) -> Input {
    Input::Text(s.to_string())
}

/// Makes a FIFO at `path` (`mkfifo`).
fn fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// A compose file whose one service names `fifo` (a FIFO in the project)
/// by `key`, written as `value`; `top` is appended.
fn fifo_project(dir: &Path, service: &str, top: &str) -> String {
    fifo(&dir.join("fifo"));
    format!("services:\n  app:\n    image: busybox\n{service}{top}")
}

/// A registry on 127.0.0.1 whose manifest never ends, and a service of it.
fn endless_manifest(_: &Path) -> String {
    use crate::images_hostile::{Body, fake_registry};
    let port = fake_registry(vec![(
        "/v2/a/manifests/1".to_string(),
        (Vec::new(), Body::Endless(1024 * 1024 * 1024)),
    )]);
    format!("services:\n  a:\n    image: 127.0.0.1:{port}/a:1\n")
}

/// Env lines that double a value `lines` times: `A1=${A0}${A0}`, …
fn doubling(lines: usize) -> String {
    let mut text = String::from("A0=0123456789abcdef\n");
    for n in 1..=lines {
        let previous = n - 1;
        writeln!(text, "A{n}=${{A{previous}}}${{A{previous}}}").unwrap();
    }
    text
}

/// `${A:-${A:-...x...}}` nested `depth` deep.
fn nested_defaults(depth: usize) -> String {
    format!("{}x{}", "${A:-".repeat(depth), "}".repeat(depth))
}

/// Each of ten anchors is ten aliases of the one before: 10^10 `lol`s.
fn billion_laughs() -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        writeln!(text, "a{level}: &a{level} [{items}]").unwrap();
    }
    text.push_str("services:\n  app:\n    image: busybox\n");
    text
}

#[allow(clippy::too_many_lines, reason = "one table")]
fn rows() -> Vec<Row> {
    let deep_flow = format!(
        "services:\n  app:\n    image: busybox\n    labels: {}{}\n",
        "[".repeat(200),
        "]".repeat(200)
    );
    let mut deep_block = String::from("services:\n  app:\n    image: busybox\n    x-deep:");
    for level in 0..100 {
        write!(deep_block, "\n{}k:", "  ".repeat(level + 3)).unwrap();
    }
    deep_block.push_str(" 1\n");
    // A compose file on one line (JSON, say), with an error 70,000
    // characters in: the snippet's label was past what a format width
    // holds, and the renderer panicked.
    let one_line = format!(
        r#"{{"services": {{"a": {{"image": "busybox", "environment": {{"BIG": "{}"}}}}, "b": {{"image": "busybox", "ports": ["not-a-port"]}}}}}}"#,
        "x".repeat(70_000)
    );
    vec![
        row(
            "an error far along one long line",
            Input::Text(one_line),
            &["compose.yaml:1:", "the line is too long to show"],
        ),
        row(
            "syntax error",
            text("services:\n  app: [1, 2\n  db: 3\n"),
            &["yaml-syntax", "compose.yaml:3:"],
        ),
        row(
            "tab indentation",
            text("services:\n\tapp:\n\t\timage: busybox\n"),
            &["yaml-syntax", "compose.yaml:2:"],
        ),
        row(
            "wrong type: `ports: 80`",
            text("services:\n  app:\n    image: busybox\n    ports: 80\n"),
            &["`ports` must be a list, found a number", "compose.yaml:4:"],
        ),
        // issue 14 item 2 / issue 15: what compose v2 refuses (checked with v2.40.3)
        row(
            "not a boolean: `privileged: \"1\"`",
            text("services:\n  app:\n    image: busybox\n    privileged: \"1\"\n"),
            &[
                "`privileged` must be a boolean, found `1`",
                "compose.yaml:4:17",
            ],
        ),
        row(
            "not a number: `retries: abc`",
            text(
                "services:\n  app:\n    image: busybox\n    healthcheck:\n      test: [CMD, x]\n      retries: abc\n",
            ),
            &[
                "`healthcheck.retries` must be a whole number, found `abc`",
                "compose.yaml:6:",
            ],
        ),
        row(
            "a duration without a unit",
            text("services:\n  app:\n    image: busybox\n    stop_grace_period: 90\n"),
            &["`stop_grace_period` must be a duration", "compose.yaml:4:"],
        ),
        row(
            "a number in a command",
            text("services:\n  app:\n    image: busybox\n    command: [sleep, 10]\n"),
            &[
                "`command item` must be a string, found `10`",
                "compose.yaml:4:",
            ],
        ),
        row(
            "wrong type: services is a list",
            text("services:\n  - app\n"),
            &["`services` must be a mapping", "compose.yaml:2:"],
        ),
        row(
            "binary garbage (not UTF-8)",
            Input::Bytes(b"\x7fELF\x02\x01\x01\x00\xff\xfe\x00\x00garbage".to_vec()),
            &["file-unreadable", "not UTF-8 text"],
        ),
        row(
            "a NUL byte in UTF-8 text",
            Input::Bytes(b"services:\n  app:\n    image: \"busy\x00box\"\n".to_vec()),
            &["yaml-syntax", "compose.yaml:3:"],
        ),
        row(
            "empty file",
            text(""),
            &["file-empty", "`compose.yaml` is empty"],
        ),
        row(
            "only comments",
            text("# services:\n#   app: {}\n"),
            &["file-empty"],
        ),
        row(
            "a list at the top level",
            text("- app\n- db\n"),
            &["file-not-mapping", "compose.yaml:1:"],
        ),
        row(
            "a directory instead of a file",
            Input::Directory,
            &["file-unreadable", "it is a directory"],
        ),
        row(
            "a file that cannot be read (EIO)",
            Input::Path("/proc/self/mem"),
            &["file-unreadable", "input/output error"],
        ),
        row(
            "a file without read permission",
            Input::NoPermission,
            &["file-unreadable", "permission denied"],
        ),
        row(
            "a missing file",
            Input::Path("/nonexistent/compose.yaml"),
            &["file-unreadable", "no such file"],
        ),
        Row {
            name: "an endless manifest from a registry (`--inspect-images`)",
            args: &["--inspect-images", "--strict"],
            ..row(
                "",
                Input::Setup(endless_manifest),
                &[
                    "image-not-inspected",
                    "its manifest is larger than 4194304 bytes",
                    "compose.yaml:3:",
                ],
            )
        },
        Row {
            name: "unknown top-level key (an error, as in compose)",
            args: &["--strict"],
            ..row(
                "",
                text(
                    "services:\n  app:\n    image: busybox\n    restart: always\nservice:\n  db: {}\n",
                ),
                &[
                    "key-unknown",
                    "unknown top-level key `service`",
                    "compose.yaml:5:",
                ],
            )
        },
        row(
            "invalid IP address",
            text(
                "services:\n  app:\n    image: busybox\n    networks:\n      net:\n        ipv4_address: 300.1.1.1\nnetworks:\n  net: {}\n",
            ),
            &["address-invalid", "compose.yaml:6:"],
        ),
        row(
            "duplicate keys",
            text("services:\n  app:\n    image: busybox\n    image: alpine\n"),
            &["duplicate key", "compose.yaml:4:"],
        ),
        row(
            "duplicate services",
            text("services:\n  app:\n    image: busybox\n  app:\n    image: alpine\n"),
            &["duplicate key", "compose.yaml:4:"],
        ),
        row(
            "unclosed interpolation",
            text("services:\n  app:\n    image: \"busybox:${TAG\"\n"),
            &["interpolation-syntax", "compose.yaml:3:"],
        ),
        row(
            "interpolation nested past the limit (was a stack overflow)",
            Input::Text(format!(
                "services:\n  app:\n    image: \"{}\"\n",
                nested_defaults(5_000)
            )),
            &["interpolation-depth", "compose.yaml:3:"],
        ),
        row(
            "alias bomb (billion laughs)",
            Input::Text(billion_laughs()),
            &["yaml-limit", "compose.yaml:"],
        ),
        row(
            "nesting depth: flow",
            Input::Text(deep_flow),
            &["yaml-limit", "compose.yaml:4:"],
        ),
        row(
            "nesting depth: block",
            Input::Text(deep_block),
            &["yaml-limit", "compose.yaml:"],
        ),
        row(
            "a file over the size limit",
            Input::Sized(MAX_FILE_BYTES + 1),
            &["file-unreadable", "more than the limit of 16777216"],
        ),
        row(
            "an endless special file (was a hang)",
            Input::Path("/dev/zero"),
            &["file-unreadable", "more than the limit of 16777216"],
        ),
        // Issue 14, item 6: what Kubernetes would reject is an error at the source.
        row(
            "no service at all (was a Deployment with `containers: []`)",
            text("services: {}\n"),
            &["no-services", "compose.yaml:1:1"],
        ),
        row(
            "every service behind a profile",
            text("services:\n  app:\n    image: busybox\n    profiles: [debug]\n"),
            &["no-services", "--profile"],
        ),
        row(
            "an image with an empty tag (an unset variable)",
            text("services:\n  app:\n    image: \"nginx:${TAG}\"\n"),
            &[
                "image-invalid",
                "the tag after `:` is empty",
                "compose.yaml:3:",
            ],
        ),
        row(
            "an image name in capitals",
            text("services:\n  app:\n    image: Nginx\n"),
            &["image-invalid", "lowercase", "compose.yaml:3:"],
        ),
        row(
            "a claim size that is not a Kubernetes quantity",
            text(
                "services:\n  app:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data:\n    x-podlift: {size: 10GB}\n",
            ),
            &["quantity-invalid", "`10GB`", "compose.yaml:7:"],
        ),
        Row {
            name: "`--volume-size 1GB` (a usage error)",
            args: &["--volume-size", "1GB"],
            code: 2,
            ..row(
                "",
                text("services:\n  app:\n    image: busybox\n"),
                &["--volume-size", "`1GB` is not a Kubernetes quantity"],
            )
        },
        row(
            "a relative container path (an anonymous volume)",
            text(
                "services:\n  app:\n    image: busybox\n    volumes:\n      - redis-vol/bitnami\n",
            ),
            &[
                "volume-target-relative",
                "`redis-vol/bitnami` is not absolute",
                "compose.yaml:5:",
            ],
        ),
        row(
            "a relative container path (a named volume, long syntax, tmpfs)",
            text(
                "services:\n  app:\n    image: busybox\n    volumes:\n      - data:var/data\n      - type: volume\n        target: cache\n    tmpfs: [tmp]\nvolumes:\n  data: {}\n",
            ),
            &[
                "`var/data` is not absolute",
                "`cache` is not absolute",
                "`tmp` is not absolute",
                "compose.yaml:8:",
            ],
        ),
        // Issue 25, class 1: a FIFO named by any key never hangs podlift.
        row(
            "a FIFO named by `env_file`",
            Input::Setup(|d| fifo_project(d, "    env_file: fifo\n", "")),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:4:"],
        ),
        row(
            "a FIFO named by `label_file`",
            Input::Setup(|d| fifo_project(d, "    label_file: fifo\n", "")),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:4:"],
        ),
        row(
            "a FIFO named by a config's `file:`",
            Input::Setup(|d| {
                fifo_project(
                    d,
                    "    configs: [c]\n",
                    "configs:\n  c:\n    file: ./fifo\n",
                )
            }),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:7:"],
        ),
        row(
            "a FIFO named by a secret's `file:`",
            Input::Setup(|d| {
                fifo_project(
                    d,
                    "    secrets: [s]\n",
                    "secrets:\n  s:\n    file: ./fifo\n",
                )
            }),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:7:"],
        ),
        row(
            "a FIFO named by `include`",
            Input::Setup(|d| fifo_project(d, "", "include: [fifo]\n")),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:4:"],
        ),
        row(
            "a FIFO named by `extends.file`",
            Input::Setup(|d| fifo_project(d, "    extends: {file: fifo, service: base}\n", "")),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:4:"],
        ),
        row(
            "a FIFO as `.env`",
            Input::Setup(|d| {
                fifo(&d.join(".env"));
                "services:\n  app:\n    image: busybox\n".to_string()
            }),
            &["host-file-not-regular", "it is a FIFO"],
        ),
        row(
            "a link to a FIFO named by `env_file`",
            Input::Setup(|d| {
                fifo(&d.join("fifo"));
                std::os::unix::fs::symlink("fifo", d.join("app.env")).unwrap();
                "services:\n  app:\n    image: busybox\n    env_file: app.env\n".to_string()
            }),
            &["host-file-not-regular", "it is a FIFO", "compose.yaml:4:"],
        ),
        // Issue 25, class 3: bounded time and memory.
        row(
            "`/dev/zero` as `env_file`, a thousand times through an alias",
            Input::Text(format!(
                "x-e: &e [/dev/zero]\nservices:\n{}",
                (0..1000).fold(String::new(), |mut out, i| {
                    writeln!(out, "  s{i}: {{image: busybox, env_file: *e}}").unwrap();
                    out
                })
            )),
            &[
                "host-file-not-regular",
                "a file of the kernel (`/dev/zero`)",
            ],
        ),
        row(
            "`.env` values that double line by line (`A1=${A0}${A0}`, …)",
            Input::Setup(|d| {
                std::fs::write(d.join(".env"), doubling(40)).unwrap();
                "services:\n  app:\n    image: busybox\n    environment: [\"X=${A40}\"]\n"
                    .to_string()
            }),
            &[
                "limit-interpolation",
                "grows past 1048576 bytes",
                "cannot read env file `.env`:",
                "note: at .env:18, in the `.env` (its text is not shown)",
            ],
        ),
        row(
            "an `env_file` whose values double line by line",
            Input::Setup(|d| {
                std::fs::write(d.join("app.env"), doubling(40)).unwrap();
                "services:\n  app:\n    image: busybox\n    env_file: app.env\n".to_string()
            }),
            &["limit-interpolation", "at app.env:18,", "compose.yaml:4:"],
        ),
        row(
            "a `label_file` whose values double line by line",
            Input::Setup(|d| {
                std::fs::write(d.join("app.labels"), doubling(40)).unwrap();
                "services:\n  app:\n    image: busybox\n    label_file: app.labels\n".to_string()
            }),
            &[
                "limit-interpolation",
                "at app.labels:18,",
                "compose.yaml:4:",
            ],
        ),
        row(
            "more host files than podlift reads in one run (20 × 16 MiB)",
            Input::Setup(|d| {
                // Not UTF-8 from its first byte: each read is refused at once
                // after it counted, so the row costs the reads alone.
                std::fs::write(d.join("big.env"), [0xff]).unwrap();
                let big = std::fs::OpenOptions::new()
                    .write(true)
                    .open(d.join("big.env"))
                    .unwrap();
                big.set_len(MAX_FILE_BYTES).unwrap();
                (0..20).fold(String::from("services:\n"), |mut out, i| {
                    writeln!(out, "  s{i}: {{image: busybox, env_file: big.env}}").unwrap();
                    out
                })
            }),
            &["limit-host-files", "more than 268435456 bytes in all"],
        ),
        row(
            "`include` of more files than podlift loads",
            Input::Setup(|d| {
                let count = MAX_INCLUDE_LOADS + 1;
                for i in 0..count {
                    std::fs::write(d.join(format!("i{i}.yaml")), "services: {}\n").unwrap();
                }
                let list: Vec<String> = (0..count).map(|i| format!("i{i}.yaml")).collect();
                format!(
                    "include: [{}]\nservices:\n  app:\n    image: busybox\n",
                    list.join(", ")
                )
            }),
            &["limit-includes", "more than 4096 compose files"],
        ),
        row(
            "more interpolated text than a run keeps (70 values of 1 MB)",
            Input::Setup(|d| {
                std::fs::write(d.join(".env"), format!("A={}\n", "x".repeat(1_000_000))).unwrap();
                (0..70).fold(
                    String::from("services:\n  app:\n    image: busybox\n    environment:\n"),
                    |mut out, i| {
                        writeln!(out, "      V{i}: ${{A}}").unwrap();
                        out
                    },
                )
            }),
            &[
                "limit-interpolation",
                "more than 67108864 bytes in all",
                "compose.yaml:",
            ],
        ),
        row(
            "services extending one large service, each a copy of it",
            Input::Text({
                let mut text = String::from("services:\n  s0:\n    image: busybox\n    dns:\n");
                for i in 0..8_000 {
                    writeln!(text, "      - 10.0.{}.{}", i / 250, i % 250).unwrap();
                }
                for j in 1..=600 {
                    writeln!(text, "  s{j}:\n    extends: s0").unwrap();
                }
                text
            }),
            &[
                "yaml-limit",
                "more than 4000000 nodes in all",
                "compose.yaml:",
            ],
        ),
        row(
            "a compose value that doubles through variables",
            Input::Setup(|d| {
                std::fs::write(d.join(".env"), doubling(15)).unwrap();
                let big = "${A15}".repeat(4);
                format!("services:\n  app:\n    image: busybox\n    environment: [\"X={big}\"]\n")
            }),
            &["limit-interpolation", "compose.yaml:4:"],
        ),
        row(
            "a host address that is not one",
            text("services:\n  app:\n    image: busybox\n    ports: [\"localhost:80:80\"]\n"),
            &["port-invalid", "compose.yaml:4:"],
        ),
        row(
            "a Pod over 1.5 MiB",
            Input::Text(format!(
                "services:\n  app:\n    image: busybox\n    environment:\n      BIG: \"{}\"\n",
                "x".repeat(1_600_000)
            )),
            &[
                "Deployment `bad` would be more than 1.5 MiB",
                "--strategy split",
            ],
        ),
        row(
            "a ConfigMap under 1 MiB of data whose JSON passes 1.5 MiB",
            Input::Setup(|d| {
                // 600 KB of a control character: `\u0001`, six bytes each in
                // the JSON kubectl sends (3.6 MB), more than the 3 MiB the API
                // server reads of a request.
                std::fs::write(d.join("c.txt"), "\u{1}".repeat(600_000)).unwrap();
                "services:\n  app:\n    image: busybox\n    configs: [c]\nconfigs:\n  c:\n    file: ./c.txt\n".to_string()
            }),
            &["ConfigMap `", "would be more than 1.5 MiB"],
        ),
        row(
            "annotations over 256 KiB (compose labels)",
            Input::Text(format!(
                "services:\n  app:\n    image: busybox\n    labels:\n      big: \"{}\"\n",
                "x".repeat(300_000)
            )),
            &["the annotations of Deployment `bad`", "256 KiB"],
        ),
    ]
}

/// Writes the row's input into `dir` and returns the `-f` argument, or
/// `None` (with the reason printed) when this machine cannot produce it.
fn prepare(input: &Input, dir: &Path) -> Option<String> {
    let file = dir.join("compose.yaml");
    match input {
        Input::Text(text) => std::fs::write(&file, text).unwrap(),
        Input::Bytes(bytes) => std::fs::write(&file, bytes).unwrap(),
        Input::Directory => std::fs::create_dir(&file).unwrap(),
        Input::Path(path) => {
            if !path.starts_with("/nonexistent") && !Path::new(path).exists() {
                eprintln!("SKIPPED: `{path}` does not exist on this system");
                return None;
            }
            return Some((*path).to_string());
        }
        Input::Sized(len) => std::fs::File::create(&file).unwrap().set_len(*len).unwrap(),
        Input::Setup(make) => {
            let text = make(dir);
            std::fs::write(&file, text).unwrap();
        }
        Input::NoPermission => {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::write(&file, "services:\n  app:\n    image: busybox\n").unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o000)).unwrap();
            if std::fs::File::open(&file).is_ok() {
                eprintln!(
                    "SKIPPED: a mode-000 file stays readable here (running as root); \
                     the `/proc/self/mem` row covers an unreadable file"
                );
                return None;
            }
        }
    }
    Some("compose.yaml".to_string())
}

fn check(row: &Row) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let Some(file) = prepare(&row.input, dir.path()) else {
        return Ok(());
    };
    let output = assert_cmd::Command::cargo_bin("podlift")
        .unwrap()
        .args(["convert", "-p", "bad", "-f", &file])
        .args(row.args)
        .current_dir(dir.path())
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_PROFILES")
        .env("NO_COLOR", "1")
        .timeout(TIMEOUT)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if output.status.code() != Some(row.code) {
        problems.push(format!(
            "exit {:?}, expected {}",
            output.status.code(),
            row.code
        ));
    }
    if !stdout.is_empty() {
        problems.push(format!("stdout is not empty:\n{stdout}"));
    }
    if stderr.contains("panicked") {
        problems.push("it panicked".to_string());
    }
    for expected in row.stderr {
        if !stderr.contains(expected) {
            problems.push(format!("stderr lacks `{expected}`"));
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown: String = stderr.chars().take(2_000).collect();
    Err(format!(
        "{}: {}\nstderr:\n{shown}",
        row.name,
        problems.join("; ")
    ))
}

#[test]
fn bad_inputs_fail_cleanly() {
    let rows = rows();
    // The alias bomb costs seconds in a debug build; the rows run side by side.
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = rows.iter().map(|r| scope.spawn(|| check(r))).collect();
        handles
            .into_iter()
            .filter_map(|h| h.join().unwrap().err())
            .collect()
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// An unknown top-level key is refused, as compose refuses it (`additional
/// properties 'service' not allowed`), at the key, with nothing on stdout.
#[test]
fn unknown_top_level_key_is_refused() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: busybox\n    restart: always\nservice:\n  db: {}\n",
    );
    let run = common::Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .failure(1);
    assert!(run.stderr.contains("compose.yaml:5:1"), "{}", run.stderr);
    assert!(
        run.stderr.contains("did you mean `services`?"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

/// An endless `--env-file` (here: `/dev/zero`) is rejected like a compose file.
#[test]
fn endless_env_file_is_rejected() {
    let dir = common::compose_dir("services:\n  app:\n    image: busybox\n");
    let run = common::Test::new()
        .args(["convert", "--env-file", "/dev/zero"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr
            .contains("cannot read `/dev/zero`: it has more than the limit"),
        "{}",
        run.stderr
    );
}

/// One service past the limit. Parsing 100 001 services takes seconds in a
/// debug build, so this runs only on request.
#[test]
fn too_many_services_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("services:\n");
    for index in 0..=MAX_SERVICES {
        writeln!(text, "  s{index}: {{}}").unwrap();
    }
    std::fs::write(dir.path().join("compose.yaml"), text).unwrap();
    let run = common::Test::new()
        .args(["convert"])
        .current_dir(dir.path())
        .failure(1);
    assert!(
        run.stderr
            .contains("the project has 100001 services, more than the limit of 100000"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("compose.yaml:2:3"), "{}", run.stderr);
}

#[test]
fn endless_files_named_by_the_compose_file_are_rejected() {
    for compose in [
        "services:\n  a:\n    image: x\n    env_file: /dev/zero\n",
        "services:\n  a:\n    image: x\n    secrets: [s]\nsecrets:\n  s:\n    file: /dev/zero\n",
    ] {
        let dir = common::compose_dir(compose);
        let run = common::Test::new()
            .current_dir(dir.path())
            .args(["convert"])
            .failure(1);
        assert!(
            run.stderr.contains("error[host-file-not-regular]")
                && run.stderr.contains("a file of the kernel"),
            "{}",
            run.stderr
        );
    }
}

/// A config file over 1 MiB would be a ConfigMap Kubernetes refuses.
#[test]
fn a_config_map_over_one_mebibyte_is_refused() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: busybox\n    configs: [big]\nconfigs:\n  big:\n    file: ./big.txt\n",
    );
    std::fs::write(dir.path().join("big.txt"), "y".repeat(1_100_000)).unwrap();
    let run = common::Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p", "-o", "out"])
        .failure(1);
    assert!(
        run.stderr
            .contains("ConfigMap `p-config-big` would hold 1.05 MiB of data, more than the 1 MiB"),
        "{}",
        run.stderr
    );
    assert!(!dir.path().join("out").exists(), "nothing is written");
}

/// `podlift check` reports what Kubernetes would refuse to store, too.
#[test]
fn check_reports_an_object_over_the_limit() {
    let dir = common::compose_dir(&format!(
        "services:\n  app:\n    image: busybox\n    labels:\n      big: \"{}\"\n",
        "x".repeat(300_000)
    ));
    let run = common::Test::new()
        .current_dir(dir.path())
        .args(["check", "-p", "p"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[object-too-large]"),
        "{}",
        run.stderr
    );
}

/// A bind-mounted directory of more files than
/// `load::host_files::MAX_BIND_DIRECTORY_ENTRIES` is not carried, and is
/// not read past that count: on main a directory of 100,000 empty files took
/// 14 s and became a ConfigMap of 100,000 keys (a million would take minutes
/// and a gigabyte).
#[test]
fn a_bind_directory_of_too_many_files_is_not_read() {
    let dir = common::compose_dir(
        "services:\n  app:\n    image: app\n    volumes:\n      - ./many:/etc/many:ro\n",
    );
    std::fs::create_dir(dir.path().join("many")).unwrap();
    for i in 0..1_001 {
        std::fs::write(dir.path().join(format!("many/f{i}")), "").unwrap();
    }
    let run = common::Test::new()
        .current_dir(dir.path())
        .args(["convert", "-p", "p"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("error[bind-not-carried]"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("holds more than 1000 entries"),
        "{}",
        run.stderr
    );
}
