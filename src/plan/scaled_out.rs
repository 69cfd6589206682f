//! `scale: 0` / `deploy.replicas: 0`: `docker compose up` creates no
//! container for such a service, so podlift leaves it out of the Pods, with
//! a note naming it. A kept service's `depends_on` and `links` on it are
//! dropped (compose waits for no container of a service scaled to zero);
//! sharing its network, volumes or namespaces is an error, as compose finds
//! no container to share them with.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::process::NamespaceMode;
use crate::model::service::NetworkMode;
use crate::source::Span;

/// The project without its services scaled to zero; `None` when it has none.
pub(crate) fn without_scaled_out(
    project: &Project,
    diagnostics: &mut Diagnostics,
) -> Option<Project> {
    let out: Vec<(&str, Span)> = project
        .services
        .iter()
        .filter_map(|s| {
            s.replicas
                .as_ref()
                .filter(|r| r.value == 0)
                .map(|r| (s.name.value.as_str(), r.span))
        })
        .collect();
    let (_, first) = out.first()?;
    let names: Vec<String> = out.iter().map(|(n, _)| format!("`{n}`")).collect();
    diagnostics.push(
        Diagnostic::note(
            Code::ScaleZero,
            format!(
                "{} {} scaled to zero (`scale: 0` or `deploy.replicas: 0`): `docker compose up` starts no container for {}, so podlift leaves {} out of the Pods",
                names.join(", "),
                if names.len() == 1 { "is" } else { "are" },
                if names.len() == 1 { "it" } else { "them" },
                if names.len() == 1 { "it" } else { "them" },
            ),
        )
        .at(*first)
        .help("give the service a replica count of 1 or more to convert it"),
    );
    let gone = |name: &str| out.iter().any(|(n, _)| *n == name);
    if project.services.iter().all(|s| gone(&s.name.value)) {
        diagnostics.push(
            Diagnostic::error(
                Code::NoServices,
                "every service of the project is scaled to zero: `docker compose up` starts no container, and a Pod needs at least one",
            )
            .at(*first)
            .help("give a service a replica count of 1 or more"),
        );
    }
    let mut kept = project.clone();
    kept.services.retain(|s| !gone(&s.name.value));
    for service in &mut kept.services {
        let name = service.name.value.clone();
        service.depends_on.retain(|d| !gone(&d.service.value));
        service.links.retain(|l| !gone(&l.service.value));
        let mut needs: Vec<(&str, &str, Span)> = Vec::new();
        if let Some(mode) = &service.network_mode
            && let NetworkMode::Service(target) = &mode.value
        {
            needs.push(("network_mode", target, mode.span));
        }
        for (key, mode) in [
            ("pid", &service.namespaces.pid),
            ("ipc", &service.namespaces.ipc),
        ] {
            if let Some(mode) = mode
                && let NamespaceMode::Service(target) = &mode.value
            {
                needs.push((key, target, mode.span));
            }
        }
        for from in &service.volumes_from {
            needs.push(("volumes_from", &from.value.source, from.span));
        }
        for (key, target, span) in needs {
            if gone(target) {
                diagnostics.push(
                    Diagnostic::error(
                        Code::ScaleZeroNeeded,
                        format!("service `{name}` needs a container of `{target}` (`{key}`), which is scaled to zero: compose has none to share, and podlift leaves `{target}` out"),
                    )
                    .at(span)
                    .help(format!("give `{target}` a replica count of 1 or more, or remove the `{key}` entry of `{name}`")),
                );
            }
        }
    }
    drop_shares(&mut kept, &gone);
    kept.index = kept
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.value.clone(), i))
        .collect();
    kept.inactive
        .extend(out.iter().map(|(n, _)| (*n).to_string()));
    Some(kept)
}

/// The shares of a scaled-out service, reported already: later checks need
/// not say them again.
fn drop_shares(kept: &mut Project, gone: &dyn Fn(&str) -> bool) {
    for service in &mut kept.services {
        if service
            .network_mode
            .as_ref()
            .is_some_and(|m| matches!(&m.value, NetworkMode::Service(t) if gone(t)))
        {
            service.network_mode = None;
        }
        for mode in [&mut service.namespaces.pid, &mut service.namespaces.ipc] {
            if mode
                .as_ref()
                .is_some_and(|m| matches!(&m.value, NamespaceMode::Service(t) if gone(t)))
            {
                *mode = None;
            }
        }
        service.volumes_from.retain(|f| !gone(&f.value.source));
    }
}
