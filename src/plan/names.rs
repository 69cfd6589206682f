//! Kubernetes names: DNS-1123 labels for objects and containers, subdomains for hosts.

use foldhash::{HashMap, HashSet};

/// Longest DNS-1123 label.
pub const MAX_LABEL: usize = 63;

/// Turns `raw` into a DNS-1123 label: lowercase alphanumerics and `-`, starting
/// and ending alphanumeric, at most 63 characters; `fallback` when nothing is left.
#[must_use]
pub fn dns_label(raw: &str, fallback: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    // `out` is ASCII: its first MAX_LABEL bytes are its first MAX_LABEL
    // characters. Cut in place: one allocation per label.
    let start = out.len() - out.trim_start_matches('-').len();
    let end = out.trim_end_matches('-').len().min(start + MAX_LABEL);
    let end = start
        + out
            .get(start..end)
            .unwrap_or_default()
            .trim_end_matches('-')
            .len();
    if end <= start {
        return fallback.to_string();
    }
    out.truncate(end);
    out.drain(..start);
    out
}

/// Whether `name` is a valid host name for `/etc/hosts` in a Pod
/// (a DNS-1123 subdomain: labels of lowercase alphanumerics and `-`, joined by `.`).
#[must_use]
pub fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= MAX_LABEL
                && label
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Whether `name` can be a Service's name, and so resolve through the
/// cluster's DNS: a DNS-1035 label (lowercase alphanumerics and `-`, starting
/// with a letter, ending alphanumeric, at most 63 characters).
#[must_use]
pub fn is_service_name(name: &str) -> bool {
    name.len() <= MAX_LABEL
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Warns about a project or service name longer than a Kubernetes name
/// holds (63 characters): compose takes it, and podlift shortens the
/// objects' names, which a user must know to find them (and which a second
/// long name with the same start would then share).
pub(crate) fn warn_long_names(
    project: &crate::model::Project,
    diagnostics: &mut crate::diagnostic::Diagnostics,
) {
    use crate::diagnostic::{Code, Diagnostic};
    if project.name.len() > MAX_LABEL {
        diagnostics.push(
            Diagnostic::warning(
                Code::NameTooLong,
                format!(
                    "the project name `{}` has {} characters, more than the {MAX_LABEL} a Kubernetes name holds; the objects named after it use `{}`",
                    project.name,
                    project.name.len(),
                    dns_label(&project.name, "podlift")
                ),
            )
            .help("set a shorter project name (`name:` in the compose file, or `-p NAME`)"),
        );
    }
    for service in &project.services {
        let name = &service.name.value;
        if name.len() > MAX_LABEL {
            diagnostics.push(
                Diagnostic::warning(
                    Code::NameTooLong,
                    format!(
                        "service name `{name}` has {} characters, more than the {MAX_LABEL} a Kubernetes name holds; its container and objects are named `{}`",
                        name.len(),
                        dns_label(name, "service")
                    ),
                )
                .at(service.name.span)
                .help("rename the service to at most 63 characters (compose accepts longer names, Kubernetes does not)"),
            );
        }
    }
}

/// What makes `key` no valid annotation or label key (`[prefix/]name`, the
/// prefix a DNS subdomain, the name 1–63 of `[A-Za-z0-9._-]`, alphanumeric
/// at both ends), said for a user: the length or the characters, of the
/// name or the prefix; `None` when it is one.
#[must_use]
pub fn qualified_name_problem(key: &str) -> Option<String> {
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    let characters = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !characters {
        return Some(format!(
            "the name `{name}` must be letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit"
        ));
    }
    if name.len() > MAX_LABEL {
        return Some(format!(
            "the name after the last `/` has {} characters, more than the {MAX_LABEL} Kubernetes allows",
            name.len()
        ));
    }
    match prefix {
        Some(prefix) if prefix.len() > 253 => Some(format!(
            "the prefix before `/` has {} characters, more than the 253 Kubernetes allows",
            prefix.len()
        )),
        Some(prefix) if !is_host_name(prefix) => Some(format!(
            "the prefix `{prefix}` must be a DNS subdomain: lower-case letters, digits, `-` and `.`, each part at most {MAX_LABEL} characters"
        )),
        _ => None,
    }
}

/// What makes `name` no DNS-1123 label (a namespace, an object name), said
/// for a user; `None` when it is one.
#[must_use]
pub fn label_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("it is empty".into());
    }
    let mut wrong: Vec<String> = Vec::new();
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        wrong.push("upper-case letters".into());
    }
    let others: String = name
        .chars()
        .filter(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        .fold(String::new(), |mut seen, c| {
            if !seen.contains(c) {
                seen.push(c);
            }
            seen
        });
    if !others.is_empty() {
        wrong.push(format!("the characters `{others}`"));
    }
    if name.starts_with('-') || name.ends_with('-') {
        wrong.push("a `-` at the start or end".into());
    }
    if name.len() > MAX_LABEL {
        wrong.push(format!("{} characters, more than {MAX_LABEL}", name.len()));
    }
    (!wrong.is_empty()).then(|| format!("it has {}", wrong.join(" and ")))
}

/// Names already taken, and per base name the suffix its search for a free
/// name goes on from, so that `n` names colliding on one base cost `O(n)`
/// look-ups, not `O(n²)`.
///
/// Names are only ever added, so a candidate once found taken stays taken:
/// resuming at the remembered suffix gives the same name as searching from
/// `-2` again. A base taken as it is, with nothing remembered, resumes at `-2`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Taken {
    names: HashSet<String>,
    /// For [`Taken::unique`]: the next suffix to try per base name.
    next_label: HashMap<String, usize>,
    /// For [`Taken::unique_key`]: the next suffix to try per base key.
    next_key: HashMap<String, usize>,
}

impl Taken {
    /// Makes label `name` unique by appending `-2`, `-3`, … (cutting `name`
    /// so the result stays within 63 characters), and records it: the first
    /// free one, as a search from `-2` would find.
    pub fn unique(&mut self, name: &str) -> String {
        first_free(&mut self.names, &mut self.next_label, name, |n| {
            let suffix = format!("-{n}");
            let stem: String = name
                .chars()
                .take(MAX_LABEL.saturating_sub(suffix.len()))
                .collect();
            format!("{}{suffix}", stem.trim_end_matches('-'))
        })
    }

    /// Records `name` as taken as it is (a name chosen elsewhere, which
    /// others must not take).
    pub fn take(&mut self, name: &str) {
        self.names.insert(name.to_string());
    }

    /// Makes `key` unique by appending `-2`, `-3`, … (never cut), and
    /// records it: the first free one, as a search from `-2` would find.
    pub fn unique_key(&mut self, key: &str) -> String {
        first_free(&mut self.names, &mut self.next_key, key, |n| {
            format!("{key}-{n}")
        })
    }
}

impl FromIterator<String> for Taken {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Self {
            names: iter.into_iter().collect(),
            ..Self::default()
        }
    }
}

/// The first of `base`, `candidate(2)`, `candidate(3)`, … not in `taken`,
/// starting at the suffix `next` remembers for `base`; records it in both.
fn first_free(
    taken: &mut HashSet<String>,
    next: &mut HashMap<String, usize>,
    base: &str,
    candidate: impl Fn(usize) -> String,
) -> String {
    let remembered = next.get_mut(base);
    let (mut n, mut name) = match remembered.as_deref() {
        Some(&n) => (n, candidate(n)),
        None => (1, base.to_string()),
    };
    while taken.contains(&name) {
        n = n.saturating_add(1).max(2);
        name = candidate(n);
    }
    let following = n.saturating_add(1).max(2);
    match remembered {
        Some(slot) => *slot = following,
        // A base that was free needs no entry: its next search starts at
        // `base`, finds it taken and goes on at `-2`, where the entry
        // would have started it (one allocation and insert fewer per name).
        None if n == 1 => {}
        None => {
            next.insert(base.to_string(), following);
        }
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use foldhash::{HashSet, HashSetExt};

    use super::{MAX_LABEL, Taken, dns_label, is_host_name, is_service_name};

    /// `dns_label` as it was before it cut in place (three allocations).
    fn dns_label_before(raw: &str, fallback: &str) -> String {
        let mut out = String::new();
        for c in raw.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        let trimmed: String = out.trim_matches('-').chars().take(MAX_LABEL).collect();
        let trimmed = trimmed.trim_end_matches('-').to_string();
        if trimmed.is_empty() {
            fallback.to_string()
        } else {
            trimmed
        }
    }

    /// The label cut in place is the label cut through copies: dashes at
    /// either end, a cut at 63 that lands on a dash, nothing left, non-ASCII.
    #[test]
    fn a_label_cut_in_place_is_the_same_label() {
        let long = "a".repeat(62);
        let cases = [
            String::new(),
            "-".into(),
            "---".into(),
            "Web_App".into(),
            "--web--app--".into(),
            "ünïcødé ✓ name".into(),
            "✓✓✓".into(),
            format!("{long}-b"),
            format!("-{long}-b"),
            format!("--{long}_b"),
            format!("{long}bcdef"),
            "x".repeat(200),
            format!("__{}__", "ab-".repeat(40)),
        ];
        for raw in &cases {
            assert_eq!(dns_label(raw, "fb"), dns_label_before(raw, "fb"), "{raw:?}");
        }
    }

    /// The search before `Taken`: from `-2` for every name.
    fn unique_from_two(name: &str, taken: &mut HashSet<String>) -> String {
        let mut candidate = name.to_string();
        let mut n = 2;
        while taken.contains(&candidate) {
            let suffix = format!("-{n}");
            let stem: String = name.chars().take(MAX_LABEL - suffix.len()).collect();
            candidate = format!("{}{suffix}", stem.trim_end_matches('-'));
            n += 1;
        }
        taken.insert(candidate.clone());
        candidate
    }

    #[test]
    fn labels_are_sanitised() {
        assert_eq!(dns_label("My_DB", "x"), "my-db");
        assert_eq!(dns_label("__", "x"), "x");
        assert_eq!(dns_label("a..b--c", "x"), "a-b-c");
        assert_eq!(dns_label(&"a".repeat(80), "x").len(), 63);
    }

    #[test]
    fn host_names_follow_dns_1123() {
        assert!(is_host_name("db"));
        assert!(is_host_name("db.internal"));
        assert!(!is_host_name("my_db"));
        assert!(!is_host_name("DB"));
        assert!(!is_host_name("-db"));
    }

    #[test]
    fn service_names_are_dns_1035_labels() {
        assert!(is_service_name("db"));
        assert!(is_service_name("legacy-db2"));
        assert!(!is_service_name("db.internal"), "a dot is a subdomain");
        assert!(
            !is_service_name("2db"),
            "a Service name starts with a letter"
        );
        assert!(!is_service_name("db-"));
        assert!(!is_service_name(""));
        assert!(!is_service_name(&"a".repeat(64)));
    }

    #[test]
    fn unique_appends_a_counter() {
        let mut taken = Taken::default();
        assert_eq!(taken.unique("a"), "a");
        assert_eq!(taken.unique("a"), "a-2");
        assert_eq!(taken.unique("a"), "a-3");
    }

    #[test]
    fn unique_names_are_those_of_a_search_from_two() {
        // Bases that collide, names literally called like a suffixed base,
        // names taken up front, and 63-character bases whose stem is cut.
        let long = "b".repeat(MAX_LABEL);
        let cut = format!("{}-c", "b".repeat(MAX_LABEL - 3));
        let mut requests: Vec<String> = Vec::new();
        for i in 0..300 {
            requests.push("x-y".to_string());
            if i % 7 == 0 {
                requests.push(format!("x-y-{}", i / 3 + 2));
            }
            if i % 11 == 0 {
                requests.push(long.clone());
                requests.push(cut.clone());
                requests.push("x-y-2".to_string());
            }
        }
        let up_front = ["x-y-5", "x-y-40", "loopback-init"].map(String::from);
        let mut old: HashSet<String> = up_front.iter().cloned().collect();
        let mut new: Taken = up_front.iter().cloned().collect();
        for name in &requests {
            assert_eq!(new.unique(name), unique_from_two(name, &mut old));
        }
        let mut old_keys = HashSet::new();
        let mut new_keys = Taken::default();
        for key in ["a_b", "a_b-2", "a_b", "a_b", "a_b-3", "a_b", "a_b-2"] {
            assert_eq!(new_keys.unique_key(key), {
                let mut candidate = key.to_string();
                let mut n = 2;
                while old_keys.contains(&candidate) {
                    candidate = format!("{key}-{n}");
                    n += 1;
                }
                old_keys.insert(candidate.clone());
                candidate
            });
        }
    }

    #[test]
    fn many_colliding_names_are_linear() {
        let mut taken = Taken::default();
        let mut keys = Taken::default();
        for i in 1..=20_000 {
            let name = taken.unique("x-y");
            let key = keys.unique_key("a_b");
            if i == 1 {
                assert_eq!((name.as_str(), key.as_str()), ("x-y", "a_b"));
            } else {
                assert_eq!(name, format!("x-y-{i}"));
                assert_eq!(key, format!("a_b-{i}"));
            }
        }
    }
}
