//! What each diagnostic code means, why it matters on Kubernetes and what to
//! do: `podlift explain CODE` (like `rustc --explain`), `podlift explain` for
//! the list, and `docs/diagnostics.md`, all from [`EXPLANATIONS`].
//!
//! The entries live in one file per area (`explain/input.rs`, `network.rs`,
//! `storage.rs`, `service.rs`, `pod.rs`), each sorted by code; they are merged
//! into one sorted table at compile time. Adding a code is one entry in its
//! area's file; `tests/it/explain.rs` fails for a code the program can emit
//! without one.

mod input;
mod network;
mod pod;
mod service;
mod storage;

use std::fmt::Write as _;

/// What a finding of a code is: its severity, and for an error whether
/// compose refuses the file for it too. A code's diagnostics are made with at
/// most this severity (a warning may be lowered to a note where it is
/// harmless); `tests/it/explain.rs` checks every `Diagnostic::error`,
/// `::warning` and `::note` against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// An error in the input that compose refuses the file for too:
    /// `podlift config` refuses it as well.
    Refused,
    /// An error only a cluster would refuse (compose accepts the file):
    /// `podlift config` prints the project, `convert` refuses it.
    Cluster,
    /// A warning: converted, but something changes on Kubernetes.
    Warning,
    /// A note: how podlift converted something.
    Note,
}

impl Class {
    /// Whether a finding of this class is an error.
    #[must_use]
    pub const fn is_error(self) -> bool {
        matches!(self, Self::Refused | Self::Cluster)
    }

    /// How `explain` and docs/diagnostics.md name it.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Refused => "error (compose refuses the file too)",
            Self::Cluster => "error (compose accepts the file; a cluster would refuse it)",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

/// The stage that finds a code first (the pipeline in docs/architecture.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Reading the files: YAML, interpolation, merge, `include`, `extends`.
    Load,
    /// Reading compose's meaning (and `x-podlift`).
    Model,
    /// Inspecting the images (`--inspect-images`).
    Images,
    /// Planning the Pods.
    Plan,
    /// Rendering the Kubernetes objects.
    Render,
}

impl Stage {
    /// The stage's module name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Model => "model",
            Self::Images => "images",
            Self::Plan => "plan",
            Self::Render => "render",
        }
    }
}

/// One diagnostic code, explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The code, as in `warning[address-common-range]`.
    pub code: &'static str,
    /// Its severity, and for an error whether compose refuses it too.
    pub class: Class,
    /// The stage that finds it first.
    pub stage: Stage,
    /// One line: what was found.
    pub title: &'static str,
    /// What the finding means.
    pub meaning: &'static str,
    /// Why it matters once the application runs on Kubernetes.
    pub kubernetes: &'static str,
    /// What to do.
    pub remedy: &'static str,
    /// A small compose file that gives the finding. A first line
    /// `# podlift convert ARGS` names the flags it needs; a line `# file: NAME`
    /// starts another file beside `compose.yaml`. `tests/it/explain.rs` runs
    /// every example (but a few that only illustrate) and expects the code.
    pub example: &'static str,
}

/// Every code podlift can emit, sorted by code.
pub const EXPLANATIONS: &[Explanation] = &SORTED;

/// The security findings: what gives a container the node, the host's
/// network or files, more privilege, or puts credentials in plain text. A
/// compose file cannot accept them for itself (`x-podlift.allow`); only
/// `--allow` on the command line can.
pub const SECURITY: &[&str] = &[
    "bind-host-path",
    "bind-private",
    "bind-secret",
    "docker-socket",
    "env-secret",
    "host-file-not-regular",
    "host-file-outside",
    "host-namespace",
    "init-image-from-compose",
    "label-controller",
    "namespace-shared",
    "network-mode-host",
    "pod-security",
    "security-opt",
    "shared-network-privilege",
    "sysctl-unsafe",
];

/// The areas' explanations together.
const AREAS: [&[Explanation]; 5] = [
    input::ALL,
    network::ALL,
    storage::ALL,
    service::ALL,
    pod::ALL,
];
const COUNT: usize = input::ALL.len()
    + network::ALL.len()
    + storage::ALL.len()
    + service::ALL.len()
    + pod::ALL.len();
static SORTED: [Explanation; COUNT] = sorted(AREAS);

/// The explanations of every area in one array, sorted by code; a code
/// explained twice fails the build. Evaluated at compile time only (in
/// [`SORTED`]), so an index out of range is a compile error, not a panic.
#[allow(clippy::indexing_slicing)]
const fn sorted<const N: usize>(areas: [&[Explanation]; 5]) -> [Explanation; N] {
    const NONE: Explanation = Explanation {
        code: "",
        class: Class::Note,
        stage: Stage::Load,
        title: "",
        meaning: "",
        kubernetes: "",
        remedy: "",
        example: "",
    };
    let mut out = [NONE; N];
    let mut filled = 0;
    let mut area = 0;
    while area < areas.len() {
        let mut i = 0;
        while i < areas[area].len() {
            out[filled] = areas[area][i];
            filled += 1;
            i += 1;
        }
        area += 1;
    }
    assert!(filled == N, "COUNT is the number of explanations");
    let mut i = 1;
    while i < N {
        let mut j = i;
        while j > 0 && before(out[j].code, out[j - 1].code) {
            out.swap(j, j - 1);
            j -= 1;
        }
        assert!(
            j == 0 || before(out[j - 1].code, out[j].code),
            "a code is explained twice"
        );
        i += 1;
    }
    out
}

/// Whether `a` sorts before `b` (byte order, as `str`'s `Ord`).
const fn before(a: &str, b: &str) -> bool {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.split_first(), b.split_first()) {
            (Some((x, rest_a)), Some((y, rest_b))) => {
                if *x != *y {
                    return *x < *y;
                }
                a = rest_a;
                b = rest_b;
            }
            (None, Some(_)) => return true,
            (_, None) => return false,
        }
    }
}

/// The explanation of `code`.
#[must_use]
pub fn find(code: &str) -> Option<&'static Explanation> {
    EXPLANATIONS
        .binary_search_by(|e| e.code.cmp(code))
        .ok()
        .and_then(|at| EXPLANATIONS.get(at))
}

/// The class of `code`; `None` for a code podlift does not have (and for
/// `command`, an error of the command line).
#[must_use]
pub fn class(code: &str) -> Option<Class> {
    find(code).map(|e| e.class)
}

/// The known code closest to `code`, for a misspelt one.
#[must_use]
pub fn closest(code: &str) -> Option<&'static str> {
    EXPLANATIONS
        .iter()
        .map(|e| (strsim::jaro_winkler(code, e.code), e.code))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, code)| code)
}

/// `podlift explain`: every code with its title.
#[must_use]
pub fn list() -> String {
    let width = EXPLANATIONS.iter().map(|e| e.code.len()).max().unwrap_or(0);
    let mut out = String::new();
    for e in EXPLANATIONS {
        let _ = writeln!(out, "{:<width$}  {}", e.code, e.title);
    }
    out.push_str("\n`podlift explain CODE` explains one.\n");
    out
}

/// `podlift explain CODE`: one code in full, as text.
#[must_use]
pub fn text(e: &Explanation) -> String {
    let mut out = format!("{}: {}\n", e.code, e.title);
    let _ = write!(
        out,
        "\nWhat it is\n  {}, found by the {} stage\n",
        e.class.describe(),
        e.stage.name()
    );
    for (heading, body) in [
        ("What it means", e.meaning),
        ("Why it matters on Kubernetes", e.kubernetes),
        ("What to do", e.remedy),
    ] {
        let _ = write!(out, "\n{heading}\n{}", wrapped(body, "  ", 78));
    }
    out.push_str("\nExample\n");
    for line in e.example.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// `docs/diagnostics.md`.
#[must_use]
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n\
         <!-- Generated from src/explain.rs by `PODLIFT_UPDATE_DOCS=1 cargo test --test it explain`; do not edit. -->\n\n\
         Every finding podlift reports has a code, e.g. `warning[address-common-range]`.\n\
         `podlift explain CODE` prints the same text as this page; `podlift check --format json`\n\
         gives each finding's code in `code` (see [check-json.md](check-json.md)).\n\n",
    );
    for e in EXPLANATIONS {
        let _ = writeln!(out, "- [`{}`](#{}): {}", e.code, e.code, e.title);
    }
    for e in EXPLANATIONS {
        let _ = write!(
            out,
            "\n## {}\n\n{}.\n\n**What it is.** {}, found by the {} stage.\n\n**What it means.** {}\n\n**Why it matters on Kubernetes.** {}\n\n**What to do.** {}\n\n```yaml\n{}```\n",
            e.code,
            capitalised(e.title),
            e.class.describe(),
            e.stage.name(),
            e.meaning,
            e.kubernetes,
            e.remedy,
            e.example
        );
    }
    out
}

/// `text` in lines of at most `width` characters (a longer word stays whole),
/// each starting with `indent`.
fn wrapped(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::wrapped;

    #[test]
    fn explanations_wrap_at_the_width() {
        assert_eq!(
            wrapped("one two three four", "  ", 12),
            "  one two\n  three four\n"
        );
        assert_eq!(
            wrapped("a-very-long-word x", "  ", 8),
            "  a-very-long-word\n  x\n"
        );
    }
}
