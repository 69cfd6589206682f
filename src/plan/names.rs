//! Kubernetes names: DNS-1123 labels for objects and containers, subdomains for hosts.

use std::collections::HashSet;

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
    let trimmed: String = out.trim_matches('-').chars().take(MAX_LABEL).collect();
    let trimmed = trimmed.trim_end_matches('-').to_string();
    if trimmed.is_empty() {
        fallback.to_string()
    } else {
        trimmed
    }
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

/// Whether `key` is a valid annotation or label key: `[prefix/]name`, the
/// prefix a DNS subdomain, the name 1–63 of `[A-Za-z0-9._-]`, alphanumeric at both ends.
#[must_use]
pub fn is_qualified_name(key: &str) -> bool {
    let (prefix, name) = key
        .rsplit_once('/')
        .map_or((None, key), |(p, n)| (Some(p), n));
    let name_ok = !name.is_empty()
        && name.len() <= MAX_LABEL
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    name_ok && prefix.is_none_or(is_host_name)
}

/// Makes `name` unique among `taken` by appending `-2`, `-3`, …, and records it.
pub fn unique(name: &str, taken: &mut HashSet<String>) -> String {
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

#[cfg(test)]
mod tests {
    use super::{dns_label, is_host_name, is_service_name, unique};

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
        let mut taken = std::collections::HashSet::new();
        assert_eq!(unique("a", &mut taken), "a");
        assert_eq!(unique("a", &mut taken), "a-2");
        assert_eq!(unique("a", &mut taken), "a-3");
    }
}
