//! Start order across Pods: where the split or auto strategy puts a service
//! and a `depends_on` target in different Pods, the dependent's Pod waits,
//! in an init container ([`StartWait`]), until the target answers a TCP
//! connect through its Service.
//!
//! `service_started`: the connect succeeds once the target's Pod is Ready
//! and listens. `service_healthy`: the target has a `startupProbe` made of
//! its health check (`container::gated_services`), and a container with a
//! startup probe is not ready until that probe has succeeded ("If such a
//! probe is configured, it disables liveness and readiness checks until it
//! succeeds", kubernetes.io/docs/concepts/workloads/pods/probes). A Service
//! routes only to ready endpoints, so the connect through it succeeds only
//! once the target is healthy. Inside one Pod, start order stays as it was
//! (`order.rs`: native sidecars and init containers).

use foldhash::HashMap;
use std::collections::BTreeSet;
use std::time::Duration;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::port::Protocol;
use crate::model::service::{Condition, Service};
use crate::model::{Project, Wait};
use crate::plan::{ContainerPlan, PlanOptions, PodPlan, init_image};

/// Name of the init container that waits for peers in other Pods.
pub const WAIT_INIT_NAME: &str = "podlift-wait";

/// How long a Pod waits for a peer by default: as long as a `service_healthy`
/// target's start gate gives it at least ([`crate::plan::container::STARTUP_FLOOR`]),
/// so a first start with migrations is not cut short.
pub const DEFAULT_WAIT: Duration = crate::plan::container::STARTUP_FLOOR;

/// The init container of one Pod that waits for its peers in other Pods.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartWait {
    /// Its image (the init image: `--init-image`, `x-podlift.init-image`,
    /// else busybox, whose `nc` connects).
    pub image: String,
    /// What it waits for, in order.
    pub targets: Vec<WaitTarget>,
}

/// One peer a Pod waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitTarget {
    /// The compose service that waits.
    pub dependent: String,
    /// The compose service waited for.
    pub target: String,
    /// The Kubernetes Service that answers for it.
    pub service: String,
    /// The TCP port connected to.
    pub port: u16,
    /// `service_healthy` (else `service_started`).
    pub healthy: bool,
    /// How long the Pod waits before it gives up (the init container fails,
    /// and the kubelet tries again later).
    pub limit: Duration,
}

/// Gives every Pod of several the init container that waits for the
/// `depends_on` targets its services have in other Pods, and says what is
/// not waited for and why. Call after the NetworkPolicies are attached.
pub(crate) fn plan_waits(
    pods: &mut [PodPlan],
    project: &Project,
    options: &PlanOptions,
    diagnostics: &mut Diagnostics,
) {
    if pods.len() < 2 {
        return;
    }
    let pod_of: HashMap<&str, usize> = pods
        .iter()
        .enumerate()
        .flat_map(|(p, pod)| pod.containers.iter().map(move |c| (c.service.as_str(), p)))
        .collect();
    // Every wait a Pod could have, in order, as (waiting Pod, awaited Pod).
    let mut candidates: Vec<(usize, usize, WaitTarget, Across<'_>)> = Vec::new();
    for (p, pod) in pods.iter().enumerate() {
        for container in &pod.containers {
            let Some(service) = project.service(&container.service) else {
                continue;
            };
            if matches!(service.wait.as_ref().map(|w| w.value), Some(Wait::Off)) {
                continue;
            }
            for dependency in service.depends_on.iter().filter(|d| d.required) {
                let target = dependency.service.value.as_str();
                let Some(&q) = pod_of.get(target).filter(|q| **q != p) else {
                    continue;
                };
                let Some(peer) = pods.get(q) else {
                    continue;
                };
                let context = Across {
                    service,
                    target,
                    span: dependency.service.span,
                };
                if dependency.condition == Condition::CompletedSuccessfully {
                    context.not_waited(
                        "it waits with `condition: service_completed_successfully`, and a one-shot service in another Pod's Deployment is restarted after it exits, so it never stays completed",
                        diagnostics,
                    );
                    continue;
                }
                let Some((name, port)) = tcp_port(peer, target) else {
                    context.no_port(diagnostics);
                    continue;
                };
                if !reachable(pod, peer, target, port) {
                    context.not_waited(&format!("the two share no compose network, so the NetworkPolicy of `{target}`'s Pod does not let this Pod connect to port {port}"), diagnostics);
                    continue;
                }
                let wait = WaitTarget {
                    dependent: container.service.clone(),
                    target: target.to_string(),
                    service: name,
                    port,
                    healthy: dependency.condition == Condition::Healthy,
                    limit: limit(service, project.service(target), dependency.condition),
                };
                candidates.push((p, q, wait, context));
            }
        }
    }
    // Two Pods waiting for each other, directly or through others, would
    // both wait until their deadline, again and again: a wait that would
    // close such a cycle is left out. Only Pods of one strongly connected
    // component can close one, so the search stays within those (linear
    // for the usual chains and trees of dependencies).
    let component = components(pods.len(), &candidates);
    let mut edges: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); pods.len()];
    let mut found: Vec<Vec<WaitTarget>> = vec![Vec::new(); pods.len()];
    for (p, q, wait, context) in candidates {
        if component.get(p) == component.get(q) && reaches(&edges, q, p) {
            let target = context.target;
            context.not_waited(&format!("`{target}`'s Pod already waits for this Pod, and two Pods waiting for each other would never start"), diagnostics);
            continue;
        }
        if component.get(p) == component.get(q)
            && let Some(out) = edges.get_mut(p)
        {
            out.insert(q);
        }
        let Some(list) = found.get_mut(p) else {
            continue;
        };
        // Two members waiting for one Service port: one connect serves both
        // (a Service routes to ready endpoints whatever the condition).
        match list
            .iter_mut()
            .find(|w| w.service == wait.service && w.port == wait.port)
        {
            Some(same) => {
                same.limit = same.limit.max(wait.limit);
                same.healthy |= wait.healthy;
            }
            None => list.push(wait),
        }
    }
    let image = init_image(project, options, false);
    for (pod, targets) in pods.iter_mut().zip(found) {
        if !targets.is_empty() {
            pod.wait = Some(StartWait {
                image: image.clone(),
                targets,
            });
        }
    }
}

/// A dependency across Pods, for its diagnostics.
struct Across<'a> {
    service: &'a Service,
    target: &'a str,
    span: crate::source::Span,
}

impl Across<'_> {
    fn not_waited(&self, why: &str, diagnostics: &mut Diagnostics) {
        let (service, target) = (&self.service.name.value, self.target);
        diagnostics.push(
            Diagnostic::note(
                Code::SplitStartOrder,
                format!("service `{service}` depends on `{target}`, which runs in another Pod; its Pod does not wait for `{target}`: {why}"),
            )
            .at(self.span)
            .help(format!("keep them in one Pod (`x-podlift: {{group: NAME}}` on both), or make `{service}` retry until `{target}` answers")),
        );
    }

    fn no_port(&self, diagnostics: &mut Diagnostics) {
        let (service, target) = (&self.service.name.value, self.target);
        diagnostics.push(
            Diagnostic::note(
                Code::SplitWaitNoPort,
                format!("service `{service}` depends on `{target}`, which runs in another Pod and declares no TCP port; its Pod starts without waiting for `{target}`"),
            )
            .at(self.span)
            .help(format!("declare a TCP port `{target}` listens on (`expose: [\"PORT\"]`): the Pod then waits until it answers through its Service; or keep them in one Pod (`x-podlift: {{group: NAME}}` on both)")),
        );
    }
}

/// The Service and the TCP port that answer for `target` in `peer`: the
/// first TCP port the service itself declares, on its own Service (a
/// group's Service carries every member's ports; another member's would
/// answer before `target` does).
fn tcp_port(peer: &PodPlan, target: &str) -> Option<(String, u16)> {
    let container: &ContainerPlan = peer.containers.iter().find(|c| c.service == target)?;
    let service = peer.services.iter().find(|s| s.name == container.name)?;
    container
        .details
        .ports
        .iter()
        .filter(|(_, protocol)| *protocol == Protocol::Tcp)
        .find(|(port, _)| {
            service
                .ports
                .iter()
                .any(|s| s.port == *port && s.protocol == Protocol::Tcp)
        })
        .map(|(port, _)| (service.name.clone(), *port))
}

/// Whether the NetworkPolicies let `pod` connect to `port` of `peer`: they
/// share a compose network, or compose published the port on all host
/// addresses and `pod` may leave its networks.
fn reachable(pod: &PodPlan, peer: &PodPlan, target: &str, port: u16) -> bool {
    let (Some(own), Some(theirs)) = (&pod.network_policy, &peer.network_policy) else {
        return true;
    };
    if own.networks.iter().any(|n| theirs.networks.contains(n)) {
        return true;
    }
    let published = peer
        .containers
        .iter()
        .filter(|c| c.service == target)
        .any(|c| c.published.contains(&(port, Protocol::Tcp)));
    published && !own.internal_only
}

/// The strongly connected component of each Pod in the graph of
/// `candidates` (Kosaraju's algorithm, without recursion).
fn components<T, U>(count: usize, candidates: &[(usize, usize, T, U)]) -> Vec<usize> {
    let mut forward: Vec<Vec<usize>> = vec![Vec::new(); count];
    let mut backward: Vec<Vec<usize>> = vec![Vec::new(); count];
    for (p, q, _, _) in candidates {
        if let Some(out) = forward.get_mut(*p) {
            out.push(*q);
        }
        if let Some(into) = backward.get_mut(*q) {
            into.push(*p);
        }
    }
    // Finishing order of a depth-first search over `forward`.
    let mut finished = Vec::with_capacity(count);
    let mut visited = vec![false; count];
    for root in 0..count {
        if visited.get(root).copied().unwrap_or(true) {
            continue;
        }
        if let Some(v) = visited.get_mut(root) {
            *v = true;
        }
        let mut stack = vec![(root, 0_usize)];
        while let Some((node, next)) = stack.pop() {
            let successors = forward.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(&successor) = successors.get(next) {
                stack.push((node, next + 1));
                if let Some(v) = visited.get_mut(successor)
                    && !*v
                {
                    *v = true;
                    stack.push((successor, 0));
                }
            } else {
                finished.push(node);
            }
        }
    }
    // Components over `backward`, in reverse finishing order.
    let mut component = vec![usize::MAX; count];
    for (id, &root) in finished.iter().rev().enumerate() {
        if component.get(root).copied() != Some(usize::MAX) {
            continue;
        }
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            match component.get_mut(node) {
                Some(c) if *c == usize::MAX => *c = id,
                _ => continue,
            }
            stack.extend(backward.get(node).into_iter().flatten().copied());
        }
    }
    component
}

/// Whether Pod `from` already waits, directly or through others, for `to`.
fn reaches(edges: &[BTreeSet<usize>], from: usize, to: usize) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from];
    while let Some(next) = stack.pop() {
        if next == to {
            return true;
        }
        if seen.insert(next) {
            stack.extend(edges.get(next).into_iter().flatten().copied());
        }
    }
    false
}

/// How long `service`'s Pod waits: its `x-podlift.wait`, else
/// [`DEFAULT_WAIT`], or longer where a `service_healthy` target's
/// `x-podlift.startup-timeout` gives it more time to become healthy.
fn limit(service: &Service, target: Option<&Service>, condition: Condition) -> Duration {
    if let Some(Wait::For(limit)) = service.wait.as_ref().map(|w| w.value) {
        return limit;
    }
    let startup = target
        .filter(|_| condition == Condition::Healthy)
        .and_then(|t| t.startup_timeout.as_ref())
        .map_or(Duration::ZERO, |t| t.value);
    DEFAULT_WAIT.max(startup)
}
