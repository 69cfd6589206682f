//! Start order: dependencies before their dependents, file order otherwise.

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::service::NetworkMode;

/// Indices of `project.services` in start order. Unknown targets and cycles are
/// reported; services caught in a cycle keep their file order at the end.
pub fn start_order(project: &Project, diagnostics: &mut Diagnostics) -> Vec<usize> {
    let count = project.services.len();
    let index_of = |name: &str| project.services.iter().position(|s| s.name.value == name);
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
                        "depends-on-self",
                        format!("service `{}` depends on itself", service.name.value),
                    )
                    .at(dependency.service.span)
                    .help("remove the entry"),
                ),
                None => diagnostics.push(
                    Diagnostic::error(
                        "depends-on-unknown",
                        format!(
                            "service `{}` depends on `{}`, which is not a service",
                            service.name.value, dependency.service.value
                        ),
                    )
                    .at(dependency.service.span)
                    .help("name a service of this project, or remove the entry"),
                ),
            }
        }
        if let Some(NetworkMode::Service(target)) = service.network_mode.as_ref().map(|m| &m.value)
            && let Some(j) = index_of(target).filter(|j| *j != i)
        {
            deps.push(j);
        }
    }
    let mut placed = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while order.len() < count {
        let ready = (0..count).find(|&i| {
            !placed.get(i).copied().unwrap_or(true)
                && needs
                    .get(i)
                    .is_some_and(|d| d.iter().all(|&j| placed.get(j).copied().unwrap_or(true)))
        });
        let Some(next) = ready else { break };
        if let Some(p) = placed.get_mut(next) {
            *p = true;
        }
        order.push(next);
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
                    "depends-on-cycle",
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
