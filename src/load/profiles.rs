//! Profiles: a service that lists `profiles` is kept only when one of them is
//! active (`--profile`, `COMPOSE_PROFILES`; `*` activates all). Services
//! without `profiles` are always kept; kept services keep their `profiles`
//! key (`podlift config` prints it, as `docker compose config` does).
//! A kept service that depends on a removed one is left to the plan stage.

use super::yaml::{Node, Value};

/// Drops the services no active profile selects and returns them (compose
/// still refuses a file whose inactive services are malformed).
pub fn apply(doc: &mut Node, active: &[String]) -> Vec<(Node, Node)> {
    let all = active.iter().any(|p| p == "*");
    let mut dropped = Vec::new();
    let Value::Map(sections) = &mut doc.value else {
        return dropped;
    };
    for (key, section) in sections.iter_mut() {
        if key.as_str() != Some("services") {
            continue;
        }
        let Value::Map(services) = &mut section.value else {
            continue;
        };
        let (kept, gone): (Vec<_>, Vec<_>) =
            std::mem::take(services)
                .into_iter()
                .partition(|(_, service)| {
                    let Some(profiles) = service.get("profiles") else {
                        return true;
                    };
                    let names: Vec<String> = match &profiles.value {
                        Value::Seq(items) => items.iter().filter_map(Node::scalar).collect(),
                        Value::Null => Vec::new(),
                        _ => profiles.scalar().into_iter().collect(),
                    };
                    names.is_empty() || all || names.iter().any(|n| active.contains(n))
                });
        *services = kept;
        dropped.extend(gone);
    }
    dropped
}

#[cfg(test)]
mod tests {
    use super::apply;
    use crate::load::yaml::parse;
    use crate::source::FileId;

    fn kept(active: &[&str]) -> Vec<String> {
        let mut doc = parse(
            "services:\n  app: {image: a}\n  debug: {image: d, profiles: [debug]}\n  both: {image: b, profiles: [debug, ops]}\nnetworks: {n: {}}\n",
            FileId(0),
        )
        .unwrap();
        let active: Vec<String> = active.iter().map(|s| (*s).to_string()).collect();
        apply(&mut doc, &active);
        assert!(doc.get("networks").is_some());
        let services = doc.get("services").unwrap().as_map().unwrap();
        for (name, s) in services {
            let has = s.get("profiles").is_some();
            assert_eq!(has, name.as_str() != Some("app"));
        }
        services.iter().filter_map(|(k, _)| k.scalar()).collect()
    }

    #[test]
    fn services_with_profiles_need_an_active_one() {
        assert_eq!(kept(&[]), ["app"]);
        assert_eq!(kept(&["ops"]), ["app", "both"]);
        assert_eq!(kept(&["debug"]), ["app", "debug", "both"]);
        assert_eq!(kept(&["*"]), ["app", "debug", "both"]);
        assert_eq!(kept(&["unknown"]), ["app"]);
    }
}
