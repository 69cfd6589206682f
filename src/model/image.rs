//! Image references, checked as Docker reads them (`[DOMAIN/]PATH[:TAG][@DIGEST]`),
//! so that a reference the cluster would refuse — `nginx:` from an unset tag
//! variable, `Nginx` in capitals — is an error at its line — and
//! `pull_policy`.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::Node;
use crate::model::read::Reader;

/// When compose pulls a service's image (`pull_policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPolicy {
    /// `always`: on every start.
    Always,
    /// `never`: the image must be there already.
    Never,
    /// `missing` (or `if_not_present`): when it is not there.
    Missing,
    /// `build`: the image is built, then used where it is.
    Build,
}

impl PullPolicy {
    /// The policy compose spells `name`, if it is one that says when to pull
    /// (not a refresh schedule such as `daily`).
    #[must_use]
    pub fn from_compose(name: &str) -> Option<Self> {
        match name {
            "always" => Some(Self::Always),
            "never" => Some(Self::Never),
            "missing" | "if_not_present" => Some(Self::Missing),
            "build" => Some(Self::Build),
            _ => None,
        }
    }

    /// Whether compose's schema takes `value`: its pattern
    /// `always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+`
    /// is searched for, not matched whole, so `xalwaysx` passes and
    /// `sometimes`, `Always` and `every_5` do not (Docker Compose 2.40).
    #[must_use]
    pub fn compose_accepts(value: &str) -> bool {
        const WORDS: &[&str] = &[
            "always",
            "never",
            "build",
            "if_not_present",
            "missing",
            "refresh",
            "daily",
            "weekly",
        ];
        if WORDS.iter().any(|word| value.contains(word)) {
            return true;
        }
        // `every_` then a number and a unit at least once
        value.match_indices("every_").any(|(at, word)| {
            let rest = value.as_bytes().get(at + word.len()..).unwrap_or_default();
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            digits > 0 && rest.get(digits).is_some_and(|b| b"wdhms".contains(b))
        })
    }
}

/// `pull_policy`, with its spelling as compose prints it: an error for one
/// compose refuses, a warning for one Kubernetes has no equivalent of.
pub(crate) fn read_pull_policy(
    value: &Node,
    reader: &mut Reader<'_>,
) -> (Option<PullPolicy>, Option<String>) {
    let Some(policy) = reader.string(value, "pull_policy") else {
        return (None, None);
    };
    if !PullPolicy::compose_accepts(&policy.value) {
        reader.diagnostics.push(
            Diagnostic::error(
                Code::PullPolicyInvalid,
                format!("pull policy `{}` is none compose knows", policy.value),
            )
            .at(policy.span)
            .help("write `always`, `never`, `missing`, `build`, or a refresh schedule such as `daily` or `every_12h`"),
        );
        return (None, None);
    }
    let known = PullPolicy::from_compose(&policy.value);
    if known.is_none() {
        let other = &policy.value;
        reader.diagnostics.push(
            Diagnostic::warning(Code::PullPolicy, format!("pull policy `{other}` has no Kubernetes equivalent; the cluster's default applies"))
                .at(policy.span),
        );
    }
    // compose reads `if_not_present` as `missing`
    let written = if policy.value == "if_not_present" {
        "missing".to_string()
    } else {
        policy.value
    };
    (known, Some(written))
}

/// Why `text` is not an image reference, or `None` when it is one.
#[must_use]
pub fn reference_problem(text: &str) -> Option<String> {
    // With `--no-interpolate` a reference may still hold `${TAG}`: left alone.
    if text.contains('$') {
        return None;
    }
    if text.chars().any(char::is_whitespace) {
        return Some("it contains white space".into());
    }
    let (rest, digest) = match text.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (text, None),
    };
    if let Some(digest) = digest
        && !valid_digest(digest)
    {
        return Some(format!(
            "`@{digest}` is not a digest (`sha256:` and at least 32 hex digits)"
        ));
    }
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest.get(last_slash..).and_then(|tail| tail.rfind(':')) {
        Some(colon) => {
            let at = last_slash + colon;
            (rest.get(..at).unwrap_or(""), rest.get(at + 1..))
        }
        None => (rest, None),
    };
    if let Some(tag) = tag {
        if tag.is_empty() {
            return Some("the tag after `:` is empty (an unset variable?)".into());
        }
        if !valid_tag(tag) {
            return Some(format!(
                "`{tag}` is not a tag (letters, digits, `_`, `.` and `-`, at most 128)"
            ));
        }
    }
    if name.is_empty() {
        return Some("the name is empty".into());
    }
    if name.len() > 255 {
        return Some("the name is longer than 255 characters".into());
    }
    let mut components: Vec<&str> = name.split('/').collect();
    if components.len() > 1
        && let Some(first) = components.first().copied()
        && (first.contains(['.', ':'])
            || first == "localhost"
            || first.chars().any(|c| c.is_ascii_uppercase()))
    {
        if !valid_domain(first) {
            return Some(format!("`{first}` is not a registry host"));
        }
        components.remove(0);
    }
    for component in components {
        if component.chars().any(|c| c.is_ascii_uppercase()) {
            return Some("repository names must be lowercase".into());
        }
        if !valid_path_component(component) {
            return Some(format!(
                "`{component}` is not a name component (lowercase letters and digits, joined by `.`, `_`, `__` or `-`)"
            ));
        }
    }
    None
}

fn valid_tag(tag: &str) -> bool {
    tag.len() <= 128
        && tag
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn valid_digest(digest: &str) -> bool {
    let Some((algorithm, encoded)) = digest.split_once(':') else {
        return false;
    };
    !algorithm.is_empty()
        && algorithm
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && algorithm
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-' | '_'))
        && encoded.len() >= 32
        && encoded.chars().all(|c| c.is_ascii_hexdigit())
}

fn valid_domain(domain: &str) -> bool {
    let (host, port) = if let Some(rest) = domain.strip_prefix('[') {
        // `[IPv6]` or `[IPv6]:port`
        let Some((address, after)) = rest.split_once(']') else {
            return false;
        };
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return false;
        }
        return after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    } else {
        match domain.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (domain, None),
        }
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    port_ok
        && !host.is_empty()
        && host.split('.').all(|part| {
            !part.is_empty()
                && !part.starts_with('-')
                && !part.ends_with('-')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// `[a-z0-9]+` joined by `.`, `_`, `__` or any number of `-`.
fn valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().copied().is_some_and(alnum) || !bytes.last().copied().is_some_and(alnum) {
        return false;
    }
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if alnum(b) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|b| !alnum(*b)) {
            i += 1;
        }
        let separator = component.get(start..i).unwrap_or("");
        if !(separator == "."
            || separator == "_"
            || separator == "__"
            || separator.chars().all(|c| c == '-'))
        {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::reference_problem;

    #[test]
    fn good_references() {
        for good in [
            "nginx",
            "nginx:1.27",
            "library/nginx:latest",
            "docker.io/library/busybox:1.36.1",
            "registry.example.com:5000/team/app:v2.0_rc-1",
            "localhost/app",
            "localhost:5000/app",
            "ghcr.io/o/a@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "my_app__x-y.z",
            "[::1]:5000/app",
            "nginx:${TAG}",
        ] {
            assert_eq!(reference_problem(good), None, "{good}");
        }
    }

    #[test]
    fn bad_references() {
        for bad in [
            "nginx:",
            "Nginx",
            "nginx:1.0:2",
            "nginx@",
            "nginx@sha256:abc",
            "ng inx",
            "/nginx",
            "nginx/",
            "-nginx",
            "nginx:-tag",
            "registry:/app",
        ] {
            assert!(reference_problem(bad).is_some(), "{bad}");
        }
    }
}
