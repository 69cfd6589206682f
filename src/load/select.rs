//! Selection: the services named on the command line and what they need,
//! minus the `--exclude`d ones, as `docker compose up SERVICE...` chooses.
//!
//! A service needs the targets of its `depends_on` (also `required: false`
//! ones that are part of the project), `links`, `volumes_from` and
//! `network_mode`/`ipc`/`pid: service:NAME`. A named service of an inactive
//! profile is enabled by naming it; a dependency is not (compose starts only
//! the profiles of the services named). A kept service's `required: false`
//! dependency on a service left out is dropped, as compose drops it; a
//! required one on an excluded service is an error naming both. The services
//! left out are returned: compose still refuses a file when one of them is
//! malformed, or needs a service that is none of the active profiles'.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::yaml::{Node, Value};
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::Span;

/// How many known names an unknown-name error lists.
const NAMES_SHOWN: usize = 20;

/// What the command line chose.
#[derive(Clone, Copy, Debug)]
pub struct Selection<'a> {
    /// `SERVICE...`: these and what they need (none: every service).
    pub named: &'a [String],
    /// `--exclude`: left out.
    pub excluded: &'a [String],
}

/// One thing a service needs from another.
struct Need {
    target: String,
    /// The key that says so (`depends_on`, `links`, …).
    key: &'static str,
    span: Span,
    required: bool,
}

/// Keeps the selected services in `root` and returns the others (`None`
/// when a name is unknown or both named and excluded: a command error, in
/// `diagnostics`). An excluded service that a kept one needs is an error of
/// the input, and the rest is still kept.
pub fn apply(
    root: &mut Node,
    inactive: &mut Vec<(Node, Node)>,
    selection: Selection<'_>,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<(Node, Node)>> {
    if selection.named.is_empty() && selection.excluded.is_empty() {
        return Some(Vec::new());
    }
    let Some(services) = services_mut(root) else {
        return Some(Vec::new());
    };
    if !known(services, inactive, selection, diagnostics) {
        return None;
    }
    // compose checks the project's references before it selects
    let active: HashSet<String> = services.iter().filter_map(|(k, _)| k.scalar()).collect();
    // naming a service of an inactive profile enables it
    let (enabled, still): (Vec<_>, Vec<_>) = std::mem::take(inactive)
        .into_iter()
        .partition(|(key, _)| name_in(key, selection.named));
    *inactive = still;
    services.extend(enabled);

    let excluded: HashSet<&str> = selection.excluded.iter().map(String::as_str).collect();
    let present: HashSet<String> = services.iter().filter_map(|(k, _)| k.scalar()).collect();
    // by name: a project may have many services
    let index: HashMap<String, usize> = services
        .iter()
        .enumerate()
        .filter_map(|(i, (k, _))| k.scalar().map(|n| (n, i)))
        .rev()
        .collect();
    let mut kept: BTreeSet<String> = BTreeSet::new();
    let mut work: Vec<String> = if selection.named.is_empty() {
        present
            .iter()
            .filter(|n| !excluded.contains(n.as_str()))
            .cloned()
            .collect()
    } else {
        selection.named.to_vec()
    };
    while let Some(name) = work.pop() {
        if !kept.insert(name.clone()) {
            continue;
        }
        let Some(body) = index
            .get(name.as_str())
            .and_then(|&i| services.get(i))
            .map(|(_, v)| v)
        else {
            continue;
        };
        for need in needs(body) {
            if excluded.contains(need.target.as_str()) {
                if need.required {
                    diagnostics.push(excluded_needed(&name, &need));
                }
            } else if present.contains(&need.target) && !kept.contains(&need.target) {
                work.push(need.target);
            }
        }
    }
    let (stay, gone): (Vec<_>, Vec<_>) = std::mem::take(services)
        .into_iter()
        .partition(|(k, _)| k.scalar().is_some_and(|n| kept.contains(&n)));
    *services = stay;
    // what the plan no longer sees: a dependency of a service left out, or
    // on a service enabled only by naming it
    for (key, body) in services.iter().chain(&gone) {
        let Some(name) = key.scalar() else { continue };
        for need in needs(body) {
            let checked_later = kept.contains(&name) && !kept.contains(&need.target);
            if need.required && !active.contains(&need.target) && !checked_later {
                diagnostics.push(undefined(&name, &need));
            }
        }
    }
    // a dependency on a service left out: dropped when optional (compose
    // does); when required on an excluded one, reported above
    let named = !selection.named.is_empty();
    for (_, body) in services.iter_mut() {
        drop_dependencies(body, |target, required| {
            !kept.contains(target) && (excluded.contains(target) || (named && !required))
        });
        // reported above: the model need not say it again
        drop_shared(body, &excluded);
    }
    check_left_out(root, &gone, diagnostics);
    drop_unused(root);
    Some(gone)
}

/// The top-level volumes, configs, secrets and networks a service uses:
/// (section, name, where it was written), as the selection reads them
/// (the first part of a short-syntax mount, a bind's path too).
pub(crate) fn uses(body: &Node) -> Vec<(&'static str, String, Span)> {
    let mut found = Vec::new();
    for item in body
        .get("volumes")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        let source = match item.scalar() {
            Some(short) => short.split(':').next().map(String::from),
            None => item.get("source").and_then(Node::scalar),
        };
        if let Some(source) = source {
            found.push(("volumes", source, item.span));
        }
    }
    found.extend(file_uses(body));
    match body.get("networks").map(|n| &n.value) {
        Some(Value::Seq(items)) => {
            found.extend(
                items
                    .iter()
                    .filter_map(|n| Some(("networks", n.scalar()?, n.span))),
            );
        }
        Some(Value::Map(entries)) => {
            found.extend(
                entries
                    .iter()
                    .filter_map(|(k, _)| Some(("networks", k.scalar()?, k.span))),
            );
        }
        _ => {}
    }
    found
}

/// The top-level configs and secrets a service uses, as [`uses`] gives
/// them (configs first).
pub(crate) fn file_uses(body: &Node) -> impl Iterator<Item = (&'static str, String, Span)> {
    ["configs", "secrets"].into_iter().flat_map(move |key| {
        let items = body.get(key).and_then(Node::as_seq).unwrap_or_default();
        items.iter().filter_map(move |item| {
            let (source, span) = item.scalar().map(|s| (s, item.span)).or_else(|| {
                let source = item.get("source")?;
                Some((source.scalar()?, source.span))
            })?;
            Some((key, source, span))
        })
    })
}

/// Compose checks every service's references to the top-level sections
/// before it selects (`docker-compose config a` refuses `b`'s undeclared
/// network: "service "b" refers to undefined network"); the plan checks
/// the kept services', these are the ones left out.
fn check_left_out(root: &Node, gone: &[(Node, Node)], diagnostics: &mut Diagnostics) {
    let declared = |kind: &str, name: &str| {
        (kind == "networks" && name == "default")
            || root
                .get(kind)
                .and_then(Node::as_map)
                .unwrap_or_default()
                .iter()
                .any(|(k, _)| k.as_str() == Some(name))
    };
    for (key, body) in gone {
        let Some(service) = key.scalar() else {
            continue;
        };
        let kind_of = |item: &Node| item.get("type").and_then(Node::scalar);
        let binds: Vec<Span> = body
            .get("volumes")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .filter(|item| kind_of(item).is_some_and(|t| t != "volume"))
            .map(|item| item.span)
            .collect();
        for (kind, name, span) in uses(body) {
            // a bind mount's path, an anonymous volume's target: no name
            let no_name = kind == "volumes"
                && (name.is_empty() || name.starts_with(['.', '/', '~']) || binds.contains(&span));
            if !no_name && !declared(kind, &name) {
                diagnostics.push(undeclared(&service, kind, &name).at(span));
            }
        }
    }
}

/// The plan's words for an undeclared network, volume, secret or config.
fn undeclared(service: &str, kind: &str, name: &str) -> Diagnostic {
    match kind {
        "networks" => Diagnostic::error(Code::NetworkUndeclared, format!("service `{service}` joins network `{name}`, which the top-level `networks` does not declare"))
            .help(format!("add `networks: {{{name}: {{}}}}` at the top level")),
        "volumes" => Diagnostic::error(Code::VolumeUndeclared, format!("service `{service}` mounts volume `{name}`, which the top-level `volumes` does not declare"))
            .help(format!("add `volumes: {{{name}: {{}}}}` at the top level")),
        "secrets" => Diagnostic::error(Code::SecretUndeclared, format!("service `{service}` uses secret `{name}`, which is not declared at the top level"))
            .help("declare it under the top-level `secrets:` with `file:`"),
        _ => Diagnostic::error(Code::ConfigUndeclared, format!("service `{service}` uses config `{name}`, which is not declared at the top level"))
            .help("declare it under the top-level `configs:` with `file:`"),
    }
}

/// Leaves out the top-level volumes, configs, secrets and networks that no
/// kept service uses, as compose does for `up SERVICE...` (the claims,
/// ConfigMaps and Secrets of the services left out are not made).
fn drop_unused(root: &mut Node) {
    let used: HashSet<(&'static str, String)> = root
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .flat_map(|(_, body)| uses(body))
        .map(|(kind, name, _)| (kind, name))
        .collect();
    let Value::Map(sections) = &mut root.value else {
        return;
    };
    for (key, section) in sections.iter_mut() {
        let Some(kind @ ("volumes" | "configs" | "secrets" | "networks")) = key.as_str() else {
            continue;
        };
        if let Value::Map(entries) = &mut section.value {
            entries.retain(|(name, _)| {
                name.scalar().is_none_or(|name| {
                    // `default` is every service's without `networks`
                    (kind == "networks" && name == "default") || used.contains(&(kind, name))
                })
            });
        }
    }
}

/// Reports names that are no service of the project (and names both named
/// and excluded); `true` when there is none.
fn known(
    services: &[(Node, Node)],
    inactive: &[(Node, Node)],
    selection: Selection<'_>,
    diagnostics: &mut Diagnostics,
) -> bool {
    let all: BTreeSet<String> = services
        .iter()
        .chain(inactive)
        .filter_map(|(k, _)| k.scalar())
        .collect();
    let mut ok = true;
    for name in selection.named.iter().chain(selection.excluded) {
        if all.contains(name) {
            continue;
        }
        ok = false;
        let mut listed: Vec<String> = all
            .iter()
            .take(NAMES_SHOWN)
            .map(|n| format!("`{n}`"))
            .collect();
        if all.len() > NAMES_SHOWN {
            listed.push(format!("and {} more", all.len() - NAMES_SHOWN));
        }
        let near = all
            .iter()
            .map(|k| (strsim::jaro_winkler(k, name), k))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, k)| format!("did you mean `{k}`?"));
        let message = if all.is_empty() {
            format!("no service `{name}`: the project has no services")
        } else {
            format!(
                "no service `{name}` in the project; its services are {}",
                listed.join(", ")
            )
        };
        let mut diagnostic = Diagnostic::command(message);
        if let Some(near) = near {
            diagnostic = diagnostic.help(near);
        }
        diagnostics.push_command_line(diagnostic);
    }
    for name in selection.named {
        if selection.excluded.contains(name) {
            ok = false;
            diagnostics.push_command_line(Diagnostic::command(format!(
                "service `{name}` is both named and excluded (`--exclude {name}`); leave out one of the two"
            )));
        }
    }
    ok
}

fn excluded_needed(service: &str, need: &Need) -> Diagnostic {
    let target = &need.target;
    let key = need.key;
    Diagnostic::error(
        Code::ServiceExcludedNeeded,
        format!("service `{service}` needs `{target}` (`{key}`), which `--exclude {target}` leaves out"),
    )
    .at(need.span)
    .help(format!(
        "keep `{target}` (drop `--exclude {target}`), leave `{service}` out too (`--exclude {service}`), or remove the `{key}` entry (`required: false` makes a `depends_on` entry optional)"
    ))
}

fn undefined(service: &str, need: &Need) -> Diagnostic {
    let target = &need.target;
    Diagnostic::error(
        Code::DependsOnUnknown,
        format!(
            "service `{service}` needs `{target}` (`{}`), which is not a service of the active profiles",
            need.key
        ),
    )
    .at(need.span)
    .help("compose checks every service before it selects some: activate the profile of the target (`--profile`), or remove the entry")
}

/// What `body` needs from other services, as compose reads it.
fn needs(body: &Node) -> Vec<Need> {
    let mut needs = Vec::new();
    let mut push = |target: &str, key, span, required| {
        if !target.is_empty() {
            needs.push(Need {
                target: target.to_string(),
                key,
                span,
                required,
            });
        }
    };
    match body.get("depends_on").map(|d| &d.value) {
        Some(Value::Seq(items)) => {
            for item in items {
                if let Some(target) = item.scalar() {
                    push(&target, "depends_on", item.span, true);
                }
            }
        }
        Some(Value::Map(entries)) => {
            for (key, value) in entries {
                if let Some(target) = key.scalar() {
                    push(&target, "depends_on", key.span, required(value));
                }
            }
        }
        _ => {}
    }
    for (key, target) in [
        ("links", link_target as fn(&Node) -> Option<String>),
        ("volumes_from", volumes_from_target),
    ] {
        for item in body.get(key).and_then(Node::as_seq).unwrap_or_default() {
            if let Some(name) = target(item) {
                push(&name, key, item.span, true);
            }
        }
    }
    for key in ["network_mode", "ipc", "pid", "uts"] {
        if let Some(node) = body.get(key)
            && let Some(target) = mode_target(node)
        {
            push(&target, key, node.span, true);
        }
    }
    needs
}

/// Whether a long-syntax `depends_on` entry is required (the default).
fn required(entry: &Node) -> bool {
    entry.get("required").and_then(Node::scalar).as_deref() != Some("false")
}

/// Removes the `depends_on` entries for which `drop(target, required)` holds.
fn drop_dependencies(body: &mut Node, drop: impl Fn(&str, bool) -> bool) {
    let Value::Map(keys) = &mut body.value else {
        return;
    };
    let Some((_, depends_on)) = keys
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("depends_on"))
    else {
        return;
    };
    match &mut depends_on.value {
        Value::Seq(items) => items.retain(|item| !item.scalar().is_some_and(|t| drop(&t, true))),
        Value::Map(entries) => {
            entries.retain(|(key, value)| !key.scalar().is_some_and(|t| drop(&t, required(value))))
        }
        _ => {}
    }
    let emptied = match &depends_on.value {
        Value::Seq(items) => items.is_empty(),
        Value::Map(entries) => entries.is_empty(),
        _ => false,
    };
    if emptied {
        keys.retain(|(k, _)| k.as_str() != Some("depends_on"));
    }
}

/// Removes the `links`, `volumes_from` entries and the
/// `network_mode`/`ipc`/`pid`/`uts` keys that name an excluded service.
fn drop_shared(body: &mut Node, excluded: &HashSet<&str>) {
    let Value::Map(keys) = &mut body.value else {
        return;
    };
    let out = |target: Option<String>| target.is_some_and(|t| excluded.contains(t.as_str()));
    keys.retain(|(key, value)| match key.as_str() {
        Some("network_mode" | "ipc" | "pid" | "uts") => !out(mode_target(value)),
        _ => true,
    });
    for (key, value) in keys.iter_mut() {
        let target: fn(&Node) -> Option<String> = match key.as_str() {
            Some("links") => link_target,
            Some("volumes_from") => volumes_from_target,
            _ => continue,
        };
        if let Value::Seq(items) = &mut value.value {
            items.retain(|item| !out(target(item)));
        }
    }
}

/// The service a `links` entry (`NAME` or `NAME:ALIAS`) names.
fn link_target(item: &Node) -> Option<String> {
    let link = item.scalar()?;
    link.split(':').next().map(String::from)
}

/// The service a `volumes_from` entry (`NAME`, `service:NAME`, with `:ro`
/// or `:rw`) names; not `container:NAME`.
fn volumes_from_target(item: &Node) -> Option<String> {
    let from = item.scalar()?;
    if from.starts_with("container:") {
        return None;
    }
    let from = from.strip_prefix("service:").unwrap_or(&from);
    from.split(':').next().map(String::from)
}

/// The service of `network_mode`/`ipc`/`pid: service:NAME`.
fn mode_target(node: &Node) -> Option<String> {
    node.scalar()?.strip_prefix("service:").map(String::from)
}

fn name_in(key: &Node, names: &[String]) -> bool {
    key.scalar().is_some_and(|n| names.contains(&n))
}

fn services_mut(root: &mut Node) -> Option<&mut Vec<(Node, Node)>> {
    let Value::Map(sections) = &mut root.value else {
        return None;
    };
    let (_, services) = sections
        .iter_mut()
        .find(|(k, _)| k.as_str() == Some("services"))?;
    match &mut services.value {
        Value::Map(services) => Some(services),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::{Selection, apply};
    use crate::diagnostic::Diagnostics;
    use crate::load::yaml::parse;
    use crate::source::FileId;

    /// A chain of 30 000 services, each depending on the next: naming the
    /// first keeps them all, in time linear in the project (one lookup by
    /// name per service, not a scan).
    #[test]
    fn a_long_chain_is_kept_whole_and_fast() {
        let count = 30_000;
        let mut text = String::from("services:\n");
        for i in 0..count {
            let _ = writeln!(text, "  s{i}: {{image: a, depends_on: [s{}]}}", i + 1);
        }
        let _ = writeln!(text, "  s{count}: {{image: a}}\n  other: {{image: b}}");
        let mut root = parse(&text, FileId(0)).unwrap();
        let mut inactive = Vec::new();
        let mut diagnostics = Diagnostics::default();
        let named = vec!["s0".to_string()];
        let started = std::time::Instant::now();
        let gone = apply(
            &mut root,
            &mut inactive,
            Selection {
                named: &named,
                excluded: &[],
            },
            &mut diagnostics,
        )
        .unwrap();
        assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
        assert_eq!(gone.len(), 1);
        let kept = root.get("services").and_then(|s| s.as_map()).unwrap();
        assert_eq!(kept.len(), count + 1);
        assert!(!diagnostics.has_errors());
    }
}
