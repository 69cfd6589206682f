//! Claims that several Pods mount (`--strategy split`, or `auto` when it
//! makes several Pods).

use foldhash::{HashMap, HashMapExt};
use std::collections::{BTreeMap, BTreeSet};

use super::PodPlan;
use super::storage::VolumeSource;
use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::Project;
use crate::source::Span;

/// Records in each Pod the claims another Pod mounts too.
pub(super) fn mark(pods: &mut [PodPlan]) {
    let mut mounted: HashMap<String, usize> = HashMap::new();
    for pod in pods.iter() {
        for claim in claims_of(pod) {
            *mounted.entry(claim.to_string()).or_default() += 1;
        }
    }
    for pod in pods.iter_mut() {
        let shared: Vec<String> = claims_of(pod)
            .into_iter()
            .filter(|claim| mounted.get(*claim).is_some_and(|n| *n > 1))
            .map(str::to_string)
            .collect();
        pod.storage.shared_claims.extend(shared);
    }
}

/// The claims a Pod mounts, each once.
fn claims_of(pod: &PodPlan) -> BTreeSet<&str> {
    pod.storage
        .volumes
        .iter()
        .filter_map(|v| match &v.source {
            VolumeSource::Claim(claim) => Some(claim.as_str()),
            _ => None,
        })
        .collect()
}

/// One warning per claim podlift creates that several Pods mount: it asks
/// `ReadWriteOnce`, so only Pods on one node can mount it at a time, where
/// compose's containers all shared the volume.
pub(super) fn warn(pods: &[PodPlan], project: &Project, diagnostics: &mut Diagnostics) {
    // claim → (the first mount written for it, its Pods)
    let mut shared: BTreeMap<&str, (Option<Span>, Vec<&str>)> = BTreeMap::new();
    // External claims are the cluster's: their access modes are not podlift's.
    let created: BTreeSet<&str> = pods
        .iter()
        .flat_map(|pod| pod.storage.claims.iter().map(|c| c.name.as_str()))
        .collect();
    for pod in pods {
        let claims: BTreeMap<&str, &str> = pod
            .storage
            .volumes
            .iter()
            .filter_map(|v| match &v.source {
                VolumeSource::Claim(claim) if pod.storage.shared_claims.contains(claim) => {
                    Some((v.name.as_str(), claim.as_str()))
                }
                _ => None,
            })
            .collect();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        for (service, mounts) in &pod.storage.mounts {
            for mount in mounts {
                let Some(claim) = claims.get(mount.volume.as_str()) else {
                    continue;
                };
                let entry = shared.entry(claim).or_insert((None, Vec::new()));
                if entry.0.is_none() {
                    entry.0 = project
                        .service(service)
                        .and_then(|s| s.mounts.iter().find(|m| m.target == mount.path))
                        .map(|m| m.span);
                }
                if seen.insert(claim) && created.contains(claim) {
                    entry.1.push(pod.name.as_str());
                }
            }
        }
    }
    for (claim, (span, pods)) in shared {
        if pods.len() < 2 {
            continue;
        }
        let names: Vec<String> = pods.iter().map(|p| format!("`{p}`")).collect();
        let mut diagnostic = Diagnostic::warning(
            Code::ClaimShared,
            format!(
                "the claim `{claim}` is mounted by the Pods {}, and podlift asks it `ReadWriteOnce`: only Pods on one node can mount it, a Pod scheduled on another node waits (`Multi-Attach`)",
                names.join(", ")
            ),
        )
        .help("keep the services that share it in one Pod (`x-podlift.group`, or `--strategy pod`); or, with a storage class that offers it, patch the claim's `accessModes` to `ReadWriteMany`");
        if let Some(span) = span {
            diagnostic = diagnostic.at(span);
        }
        diagnostics.push(diagnostic);
    }
}
