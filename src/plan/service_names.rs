//! The names of the Services podlift makes. A Service takes its name in the
//! namespace: `kubectl apply` replaces one of the same name already there,
//! and one named `kubernetes` stands for the API server. Names that come from
//! a compose service's other names (`container_name`, `hostname`, network
//! aliases, `links` aliases) are easy to miss in the output, so a note lists
//! them; the name `kubernetes` is refused.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::plan::PodPlan;
use crate::source::Span;

/// Service names Kubernetes keeps for itself. `kubernetes` is the API
/// server's Service in `default`; in any namespace a Service of that name
/// sets `KUBERNETES_SERVICE_HOST`/`_PORT` in the namespace's Pods that have
/// service links, which in-cluster clients (client-go, kubectl in a Pod)
/// send their credentials to.
pub const RESERVED: &[&str] = &["kubernetes"];

/// The compose key a Service name comes from, and where it is written.
struct Source {
    /// `container_name`, `hostname`, `networks.NAME.aliases` or `links`.
    key: String,
    /// The compose service that has the name.
    service: String,
    span: Option<Span>,
}

/// Where `name` (a Service's name, lowercase) is one of a service's other
/// names; `None` when it is a compose service's own name.
fn source(project: &Project, name: &str) -> Option<Source> {
    let owned = |key: String, service: &str, span: Option<Span>| Source {
        key,
        service: service.to_string(),
        span,
    };
    for service in &project.services {
        let of = service.name.value.as_str();
        if let Some(c) = service
            .container_name
            .as_ref()
            .filter(|c| c.value.eq_ignore_ascii_case(name))
        {
            return Some(owned("container_name".to_string(), of, Some(c.span)));
        }
        if let Some(h) = service
            .hostname
            .as_ref()
            .filter(|h| h.value.eq_ignore_ascii_case(name))
        {
            return Some(owned("hostname".to_string(), of, Some(h.span)));
        }
        for network in &service.networks {
            if let Some(a) = network
                .aliases
                .iter()
                .find(|a| a.value.eq_ignore_ascii_case(name))
            {
                let key = format!("networks.{}.aliases", network.name.value);
                return Some(owned(key, of, Some(a.span)));
            }
        }
        if let Some(link) = service.links.iter().find(|l| {
            l.alias
                .as_ref()
                .is_some_and(|a| a.eq_ignore_ascii_case(name))
        }) {
            return Some(owned("links".to_string(), of, Some(link.service.span)));
        }
    }
    // Not another name: the service's own (or a name derived from it).
    None
}

/// Refuses a Service named as Kubernetes' own ([`RESERVED`]), and notes
/// the Services named after a service's other names.
pub fn check(pods: &[PodPlan], project: &Project, diagnostics: &mut Diagnostics) {
    const SHOWN: usize = 10;
    let mut listed: Vec<String> = Vec::new();
    let mut count: usize = 0;
    let mut first_span: Option<Span> = None;
    for pod in pods {
        for service in &pod.services {
            // The owner's compose service, looked up (a search of the Pod's
            // containers) only for a Service not named as its container:
            // done for each of 1,000 Services in one Pod, it cost 3.5 % of
            // a conversion.
            let owner = || {
                pod.containers
                    .iter()
                    .find(|c| c.name == service.owner)
                    .map_or(service.owner.as_str(), |c| c.service.as_str())
            };
            let own_name = service.name == service.owner
                || project
                    .service(owner())
                    .is_some_and(|s| s.name.value.eq_ignore_ascii_case(&service.name));
            let from = if own_name {
                None
            } else {
                source(project, &service.name)
            };
            if RESERVED.contains(&service.name.as_str()) {
                let (what, span) = match &from {
                    Some(s) => (format!("`{}` of service `{}`", s.key, s.service), s.span),
                    None => {
                        let owner = owner();
                        (
                            format!("the name of service `{owner}`"),
                            project.service(owner).map(|s| s.name.span),
                        )
                    }
                };
                diagnostics.push(
                    Diagnostic::error(
                        Code::ServiceNameReserved,
                        format!(
                            "the Service `{}` (from {what}) would take the name of the API server's own Service: in `default` it would replace it, and in any namespace Pods would find it in `KUBERNETES_SERVICE_HOST` and send it their credentials",
                            service.name
                        ),
                    )
                    .at_opt(span)
                    .help(format!(
                        "remove the name `{}` from the compose file (or rename it), and call the service by another of its names",
                        service.name
                    )),
                );
            }
            if let Some(s) = from {
                count = count.saturating_add(1);
                first_span = first_span.or(s.span);
                if listed.len() < SHOWN {
                    listed.push(format!(
                        "`{}` (`{}` of `{}`)",
                        service.name, s.key, s.service
                    ));
                }
            }
        }
    }
    if listed.is_empty() {
        return;
    }
    if count > listed.len() {
        listed.push(format!("{} more", count - listed.len()));
    }
    diagnostics.push(
        Diagnostic::note(
            Code::ServiceNameAlias,
            format!(
                "Services named after other names of a compose service: {}; each takes that name in the namespace, and `kubectl apply` replaces a Service of the same name already there",
                listed.join(", ")
            ),
        )
        .at_opt(first_span)
        .help("check that no other Service of the namespace has one of these names (`kubectl get service NAME`), or convert into a namespace of its own (`-n NAME --create-namespace`)"),
    );
}
