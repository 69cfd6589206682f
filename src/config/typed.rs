//! The keys `config` prints from the model's typed values rather than from
//! the loaded nodes: `links`, and the `depends_on` entries compose adds for
//! `links`, `network_mode`/`ipc`/`pid: service:NAME` and `volumes_from`.
//!
//! Left to the loaded nodes for now: `volumes_from` itself (the model's
//! `(service, read-only)` pair forgets `container:` and an explicit `:rw`)
//! and `network_mode` (it reads `bridge` and `default` as one).

use serde_json::{Map, Value as Json};

use crate::model::Project;
use crate::model::network::NetworkMode;
use crate::model::process::NamespaceMode;
use crate::model::service::Service;

/// Fills in what is printed from `project` into the canonical form `out`
/// (whose services are the project's, by name); `interpolated` escapes a
/// literal `$` as [`super::canonical`] does.
pub fn complete(out: &mut Json, project: &Project, interpolated: bool) {
    let Some(Json::Object(services)) = out.get_mut("services") else {
        return;
    };
    for service in &project.services {
        let Some(Json::Object(printed)) = services.get_mut(&service.name.value) else {
            continue;
        };
        if !service.links.is_empty() {
            let mut links = Json::Array(
                service
                    .links
                    .iter()
                    .map(|link| {
                        Json::String(match &link.alias {
                            Some(alias) => format!("{}:{alias}", link.service.value),
                            None => link.service.value.clone(),
                        })
                    })
                    .collect(),
            );
            if interpolated {
                super::escape_dollars(&mut links);
            }
            printed.insert("links".into(), links);
        }
        add_implied(printed, &implied(service, printed));
    }
}

/// The services `service` needs besides its `depends_on`, each with whether
/// it restarts with them: `links` and the namespaces it shares do, the
/// sources of `volumes_from` do not.
fn implied(service: &Service, printed: &Map<String, Json>) -> Vec<(String, bool)> {
    let mut implied: Vec<(String, bool)> = service
        .links
        .iter()
        .map(|link| (link.service.value.clone(), true))
        .collect();
    if let Some(mode) = &service.network_mode
        && let NetworkMode::Service(target) = &mode.value
    {
        implied.push((target.clone(), true));
    }
    for mode in [&service.namespaces.ipc, &service.namespaces.pid]
        .into_iter()
        .flatten()
    {
        if let NamespaceMode::Service(target) = &mode.value {
            implied.push((target.clone(), true));
        }
    }
    // printed as written: the model's pair forgets `container:`
    if let Some(Json::Array(sources)) = printed.get("volumes_from") {
        for source in sources.iter().filter_map(Json::as_str) {
            if source.starts_with("container:") {
                continue;
            }
            let target = source.split_once(':').map_or(source, |(s, _)| s);
            implied.push((target.to_string(), false));
        }
    }
    implied
}

/// Adds a `depends_on` entry for each implied service not already there.
fn add_implied(service: &mut Map<String, Json>, implied: &[(String, bool)]) {
    if implied.is_empty() {
        return;
    }
    let Json::Object(depends) = service
        .entry("depends_on")
        .or_insert_with(|| Json::Object(Map::new()))
    else {
        return;
    };
    for (target, restart) in implied {
        depends.entry(target.clone()).or_insert_with(|| {
            let mut entry = Map::new();
            entry.insert("condition".into(), Json::String("service_started".into()));
            if *restart {
                entry.insert("restart".into(), Json::Bool(true));
            }
            entry.insert("required".into(), Json::Bool(true));
            Json::Object(entry)
        });
    }
}
