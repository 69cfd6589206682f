//! Which rule merges the value at a key path: replaced, appended, merged by
//! name, or kept unique by a key.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Rule {
    Default,
    Replace,
    ByName,
    Append,
    /// Appended, repeats kept: compose's schema then refuses a list that
    /// holds an item twice (`security_opt: [a]` in two files).
    AppendAll,
    Unique(UniqueKey),
    AsMapping,
    DependsOn,
    Logging,
    Build,
    Ipam,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum UniqueKey {
    Port,
    VolumeTarget,
    Mount(&'static str),
    Value,
}

pub(super) fn matches(path: &[String], pattern: &[&str]) -> bool {
    path.len() == pattern.len() && path.iter().zip(pattern).all(|(p, q)| *q == "*" || p == q)
}

pub(super) fn rule(path: &[String]) -> Rule {
    const RULES: &[(&[&str], Rule)] = &[
        (&["services", "*", "command"], Rule::Replace),
        (&["services", "*", "entrypoint"], Rule::Replace),
        (&["services", "*", "healthcheck", "test"], Rule::Replace),
        (&["services", "*", "ulimits", "*"], Rule::Replace),
        (&["services", "*", "environment"], Rule::ByName),
        (&["services", "*", "labels"], Rule::ByName),
        (&["services", "*", "annotations"], Rule::ByName),
        (&["services", "*", "sysctls"], Rule::ByName),
        (&["services", "*", "extra_hosts"], Rule::ByName),
        (&["services", "*", "build", "args"], Rule::ByName),
        (&["services", "*", "build", "labels"], Rule::ByName),
        (&["services", "*", "build", "extra_hosts"], Rule::ByName),
        (&["services", "*", "deploy", "labels"], Rule::ByName),
        (&["networks", "*", "labels"], Rule::ByName),
        (&["volumes", "*", "labels"], Rule::ByName),
        (&["secrets", "*", "labels"], Rule::ByName),
        (&["configs", "*", "labels"], Rule::ByName),
        (&["services", "*", "ports"], Rule::Unique(UniqueKey::Port)),
        (
            &["services", "*", "volumes"],
            Rule::Unique(UniqueKey::VolumeTarget),
        ),
        (
            &["services", "*", "secrets"],
            Rule::Unique(UniqueKey::Mount("/run/secrets")),
        ),
        (
            &["services", "*", "configs"],
            Rule::Unique(UniqueKey::Mount("")),
        ),
        (&["services", "*", "expose"], Rule::Unique(UniqueKey::Value)),
        (&["services", "*", "networks"], Rule::AsMapping),
        (&["services", "*", "depends_on"], Rule::DependsOn),
        (&["services", "*", "logging"], Rule::Logging),
        (&["services", "*", "build"], Rule::Build),
        (&["networks", "*", "ipam", "config"], Rule::Ipam),
        (&["services", "*", "dns"], Rule::Append),
        (&["services", "*", "dns_opt"], Rule::Append),
        (&["services", "*", "dns_search"], Rule::Append),
        (&["services", "*", "env_file"], Rule::Append),
        (&["services", "*", "label_file"], Rule::Append),
        (&["services", "*", "tmpfs"], Rule::Append),
        (&["services", "*", "cap_add"], Rule::Append),
        (&["services", "*", "cap_drop"], Rule::Append),
        (&["services", "*", "security_opt"], Rule::AppendAll),
        (&["services", "*", "group_add"], Rule::AppendAll),
        (&["services", "*", "devices"], Rule::Append),
        (&["services", "*", "links"], Rule::Append),
        (&["services", "*", "external_links"], Rule::AppendAll),
        (&["services", "*", "volumes_from"], Rule::AppendAll),
        (&["services", "*", "profiles"], Rule::Append),
        (&["services", "*", "device_cgroup_rules"], Rule::AppendAll),
    ];
    if path.last().is_some_and(|k| k.starts_with("x-")) {
        return Rule::Replace;
    }
    RULES
        .iter()
        .find(|(pattern, _)| matches(path, pattern))
        .map_or(Rule::Default, |(_, rule)| *rule)
}
