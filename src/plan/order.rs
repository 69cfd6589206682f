//! Start order: dependencies before their dependents, file order otherwise.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::NetworkMode;
use crate::plan::Layout;
use crate::plan::group::{Grouping, ServiceId};

/// A dependency on no service of the project: an error, unless it is
/// optional (`required: false`) and its target is a service of an inactive
/// profile, which compose starts without.
fn missing(
    project: &Project,
    service: &crate::model::service::Service,
    dependency: &crate::model::service::Dependency,
    diagnostics: &mut Diagnostics,
) {
    if !dependency.required && project.inactive.contains(&dependency.service.value) {
        diagnostics.push(
            Diagnostic::note(
                Code::DependsOnOptional,
                format!(
                    "service `{}` depends on `{}`, which is not active; it starts without it (`required: false`)",
                    service.name.value, dependency.service.value
                ),
            )
            .at(dependency.service.span),
        );
        return;
    }
    diagnostics.push(
        Diagnostic::error(
            Code::DependsOnUnknown,
            format!(
                "service `{}` depends on `{}`, which is not a service",
                service.name.value, dependency.service.value
            ),
        )
        .at(dependency.service.span)
        .help("name a service of this project, or remove the entry"),
    );
}

/// Indices of `project.services` in start order. Unknown targets and cycles are
/// reported; services caught in a cycle keep their file order at the end.
pub fn start_order(project: &Project, diagnostics: &mut Diagnostics) -> Vec<usize> {
    let count = project.services.len();
    let index_of = |name: &str| project.position(name);
    let mut needs: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, service) in project.services.iter().enumerate() {
        let Some(deps) = needs.get_mut(i) else {
            continue;
        };
        for dependency in &service.depends_on {
            match index_of(&dependency.service.value) {
                Some(j) if j != i => deps.push(j),
                Some(_) => diagnostics.push(
                    Diagnostic::error(
                        Code::DependsOnSelf,
                        format!("service `{}` depends on itself", service.name.value),
                    )
                    .at(dependency.service.span)
                    .help("remove the entry"),
                ),
                None => missing(project, service, dependency, diagnostics),
            }
        }
        if let Some(NetworkMode::Service(target)) = service.network_mode.as_ref().map(|m| &m.value)
            && let Some(j) = index_of(target).filter(|j| *j != i)
        {
            deps.push(j);
        }
    }
    // Kahn's algorithm; among the ready services the earliest in the file goes first.
    let mut waiting: Vec<usize> = needs.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (i, deps) in needs.iter().enumerate() {
        for &j in deps {
            if let Some(list) = dependents.get_mut(j) {
                list.push(i);
            }
        }
    }
    let mut ready: std::collections::BTreeSet<usize> =
        (0..count).filter(|&i| waiting.get(i) == Some(&0)).collect();
    let mut placed = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while let Some(next) = ready.pop_first() {
        if let Some(p) = placed.get_mut(next) {
            *p = true;
        }
        order.push(next);
        for &dependent in dependents.get(next).map(Vec::as_slice).unwrap_or_default() {
            if let Some(w) = waiting.get_mut(dependent) {
                *w = w.saturating_sub(1);
                if *w == 0 {
                    ready.insert(dependent);
                }
            }
        }
    }
    let stuck: Vec<usize> = (0..count)
        .filter(|&i| !placed.get(i).copied().unwrap_or(true))
        .collect();
    if let Some(&first) = stuck.first() {
        let names: Vec<String> = stuck
            .iter()
            .filter_map(|&i| project.services.get(i))
            .map(|s| format!("`{}`", s.name.value))
            .collect();
        if let Some(service) = project.services.get(first) {
            diagnostics.push(
                Diagnostic::error(
                    Code::DependsOnCycle,
                    format!(
                        "services {} depend on each other in a cycle",
                        names.join(", ")
                    ),
                )
                .at(service.name.span)
                .help("break the cycle: one of them must start without waiting for the others"),
            );
        }
        order.extend(stuck);
    }
    order
}

/// Whether the services named `a` and `b` share a Pod. A name the project
/// lacks (an error found elsewhere) is in the one Pod of every service, and
/// in none of several but with another such name.
fn together(project: &Project, grouping: &Grouping, a: &str, b: &str) -> bool {
    let group = |name: &str| project.position(name).map(ServiceId);
    match (group(a), group(b)) {
        (Some(a), Some(b)) => grouping.together(a, b),
        (None, None) => true,
        _ => grouping.layout == Layout::OnePod,
    }
}

/// Each service's role, by index. With native sidecars, services others wait
/// for start as sidecars; `service_completed_successfully` targets run as
/// one-shot init containers. Without them, only one-shot targets that wait
/// for nothing can be init containers; start order is otherwise not enforced.
/// `grouping` says which services share a Pod: the warning that start
/// order is not enforced below 1.29 concerns those only (across Pods,
/// `start_order` waits in an init container).
pub fn roles(
    project: &Project,
    native_sidecars: bool,
    grouping: &Grouping,
    diagnostics: &mut Diagnostics,
) -> Vec<crate::plan::Role> {
    use crate::model::service::Condition;
    use crate::plan::Role;
    let mut roles = vec![Role::Container; project.services.len()];
    let index_of = |name: &str| project.position(name);
    for service in &project.services {
        for dependency in &service.depends_on {
            let Some(j) = index_of(&dependency.service.value) else {
                continue;
            };
            let Some(role) = roles.get_mut(j) else {
                continue;
            };
            match dependency.condition {
                Condition::CompletedSuccessfully => *role = Role::Init,
                Condition::Started | Condition::Healthy
                    if native_sidecars && *role == Role::Container =>
                {
                    *role = Role::Sidecar;
                }
                Condition::Started | Condition::Healthy => {}
            }
        }
    }
    // A namespace owner (`network_mode: service:X`) starts first too.
    for service in &project.services {
        if let Some(NetworkMode::Service(target)) = service.network_mode.as_ref().map(|m| &m.value)
            && let Some(role) = index_of(target).and_then(|j| roles.get_mut(j))
            && native_sidecars
            && *role == Role::Container
        {
            *role = Role::Sidecar;
        }
    }
    if !native_sidecars {
        for (i, service) in project.services.iter().enumerate() {
            let waits = !service.depends_on.is_empty();
            if let Some(role) = roles.get_mut(i)
                && *role == Role::Init
                && waits
            {
                *role = Role::Container;
                diagnostics.push(
                    Diagnostic::warning(Code::StartOrder, format!("service `{}` must finish before others start but waits for services itself; below Kubernetes 1.29 podlift cannot order that", service.name.value))
                        .at(service.name.span)
                        .help("target Kubernetes 1.29 or later (`--kube-version`), or make the application retry"),
                );
            }
        }
        if project.services.iter().any(|s| {
            s.depends_on.iter().any(|d| {
                d.condition != Condition::CompletedSuccessfully
                    && together(project, grouping, &s.name.value, &d.service.value)
            })
        }) {
            diagnostics.push(
                Diagnostic::warning(Code::StartOrder, "below Kubernetes 1.29 the containers of a Pod start together; `depends_on` order is kept in the list but not enforced")
                    .help("target Kubernetes 1.29 or later (`--kube-version`) for native sidecars, or make the services retry"),
            );
        }
    }
    roles
}
