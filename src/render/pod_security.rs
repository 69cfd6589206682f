//! The strictest Pod Security Standard level the rendered Pods satisfy:
//! `restricted`, `baseline` or `privileged`, checked field by field as the
//! standard (and Kubernetes' Pod Security admission, v1.33 "latest") words
//! its rules. Each rule a container or Pod breaks is a [`Finding`] that
//! names who needs the weaker level and why, so `check` can tell a user
//! which container keeps the namespace from a stricter level.

mod rules;

use std::fmt;

use k8s_openapi::api::core::v1::{Container, Volume};

use crate::render::Object;
use crate::render::pod_lists::PodLists;
use rules::{check_container, check_pod_level, check_volume, pod_defaults};

/// A Pod Security Standard level, from the strictest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Hardened: non-root, no privilege escalation, every capability dropped.
    Restricted,
    /// Prevents known privilege escalations.
    Baseline,
    /// Unrestricted. The default: a namespace labelled so refuses nothing.
    #[default]
    Privileged,
}

impl Level {
    /// The label value (`pod-security.kubernetes.io/enforce: LEVEL`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Restricted => "restricted",
            Self::Baseline => "baseline",
            Self::Privileged => "privileged",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One rule of a stricter level that a Pod or container breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The level this needs (the rule belongs to the level below it).
    pub needs: Level,
    /// `Deployment `name``, … of the Pod.
    pub workload: String,
    /// The container, when the rule is about one.
    pub container: Option<String>,
    /// What breaks the rule, e.g. ``adds capability `NET_ADMIN` ``.
    pub reason: String,
}

impl Finding {
    /// ``container `x` of Deployment `y` `` or ``Deployment `y` ``.
    #[must_use]
    pub fn subject(&self) -> String {
        match &self.container {
            Some(container) => format!("container `{container}` of {}", self.workload),
            None => self.workload.clone(),
        }
    }
}

/// The level of a set of Pods and the findings that decide it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Assessment {
    /// Every finding, in the Pods' and containers' order.
    pub findings: Vec<Finding>,
}

impl Assessment {
    /// The strictest level every Pod satisfies.
    #[must_use]
    pub fn level(&self) -> Level {
        self.findings
            .iter()
            .map(|f| f.needs)
            .max()
            .unwrap_or(Level::Restricted)
    }

    /// The findings that need [`Self::level`] (none for `restricted`).
    pub fn deciding(&self) -> impl Iterator<Item = &Finding> {
        let level = self.level();
        self.findings.iter().filter(move |f| f.needs == level)
    }

    /// One line for people: the level and who needs it, at most `shown`
    /// subjects named, e.g. ``privileged: container `podlift-loopback` of
    /// Deployment `seed` adds capability `NET_ADMIN` ``.
    #[must_use]
    pub fn summary(&self, shown: usize) -> String {
        let level = self.level();
        let deciding: Vec<&Finding> = self.deciding().collect();
        if deciding.is_empty() {
            return format!("`{level}`: every Pod satisfies the strictest level");
        }
        let mut subjects: Vec<(String, Vec<&str>)> = Vec::new();
        for finding in &deciding {
            let subject = finding.subject();
            match subjects.iter_mut().find(|(s, _)| *s == subject) {
                Some((_, reasons)) => reasons.push(&finding.reason),
                None => subjects.push((subject, vec![&finding.reason])),
            }
        }
        let stricter = match level {
            Level::Privileged => "baseline",
            Level::Baseline | Level::Restricted => "restricted",
        };
        let mut parts: Vec<String> = subjects
            .iter()
            .take(shown)
            .map(|(subject, reasons)| format!("{subject} ({})", reasons.join(", ")))
            .collect();
        if subjects.len() > shown {
            parts.push(format!("{} more", subjects.len() - shown));
        }
        format!("`{level}`: `{stricter}` refuses {}", parts.join("; "))
    }

    /// [`Assessment::summary`] of every finding when it fits in `limit`
    /// characters; else the level, who needs it and how many findings
    /// decide it (a real application's list ran to 1,659 characters).
    #[must_use]
    pub fn brief(&self, limit: usize) -> String {
        let whole = self.summary(usize::MAX);
        if whole.chars().count() <= limit {
            return whole;
        }
        let findings = self.deciding().count();
        let workloads: std::collections::BTreeSet<&str> =
            self.deciding().map(|f| f.workload.as_str()).collect();
        let level = self.level();
        let stricter = match level {
            Level::Privileged => "baseline",
            Level::Baseline | Level::Restricted => "restricted",
        };
        let count = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let who = match workloads.iter().next() {
            Some(only) if workloads.len() == 1 => (*only).to_string(),
            _ => count(workloads.len(), "workload"),
        };
        format!(
            "`{level}`: `{stricter}` refuses {who} ({}; `podlift check -v` lists them)",
            count(findings, "finding")
        )
    }

    fn push(&mut self, needs: Level, workload: &str, container: Option<&str>, reason: String) {
        self.findings.push(Finding {
            needs,
            workload: workload.to_string(),
            container: container.map(str::to_string),
            reason,
        });
    }
}

/// Checks one Pod, its containers and volumes handed in one at a time in
/// any order (from the whole object, or from the lists of a workload too
/// large to build whole). The findings come out in one order: the Pod's
/// own, its volumes', its init containers', its containers'.
#[derive(Clone, Debug)]
pub(crate) struct PodCheck {
    workload: String,
    non_root: bool,
    seccomp: bool,
    pod: Assessment,
    volumes: Assessment,
    init_containers: Assessment,
    containers: Assessment,
}

impl PodCheck {
    /// Starts checking the Pod of `object` (none for other objects).
    pub(crate) fn start(object: &Object) -> Option<Self> {
        let workload = object.workload()?;
        let spec = workload.pod_spec?;
        let label = format!("{} `{}`", workload.kind, workload.name);
        let mut pod = Assessment::default();
        check_pod_level(&label, workload.pod_metadata, spec, &mut pod);
        let (non_root, seccomp) = pod_defaults(spec);
        Some(Self {
            workload: label,
            non_root,
            seccomp,
            pod,
            volumes: Assessment::default(),
            init_containers: Assessment::default(),
            containers: Assessment::default(),
        })
    }

    /// An init container as it is written.
    pub(crate) fn init_container(&mut self, container: &Container) {
        let out = &mut self.init_containers;
        check_container(&self.workload, container, self.non_root, self.seccomp, out);
    }

    /// A container as it is written.
    pub(crate) fn container(&mut self, container: &Container) {
        let out = &mut self.containers;
        check_container(&self.workload, container, self.non_root, self.seccomp, out);
    }

    /// A volume as it is written.
    pub(crate) fn volume(&mut self, volume: &Volume) {
        check_volume(&self.workload, volume, &mut self.volumes);
    }

    /// Adds the findings to `out`.
    pub(crate) fn finish(self, out: &mut Assessment) {
        for part in [
            self.pod,
            self.volumes,
            self.init_containers,
            self.containers,
        ] {
            out.findings.extend(part.findings);
        }
    }
}

/// Checks a rendered object (only workloads hold Pods).
pub(crate) fn check_object(object: &Object, out: &mut Assessment) {
    let (Some(mut check), Some(spec)) = (
        PodCheck::start(object),
        object.workload().and_then(|w| w.pod_spec),
    ) else {
        return;
    };
    for container in spec.init_containers.iter().flatten() {
        check.init_container(container);
    }
    for container in &spec.containers {
        check.container(container);
    }
    for volume in spec.volumes.iter().flatten() {
        check.volume(volume);
    }
    check.finish(out);
}

/// Checks a workload refused as too large to build whole: its Pod from
/// `skeleton` (the object with empty lists), its containers and volumes
/// from `lists`, one at a time.
pub(crate) fn check_lists(skeleton: &Object, lists: &PodLists<'_>, out: &mut Assessment) {
    let Some(mut check) = PodCheck::start(skeleton) else {
        return;
    };
    for container in lists.init_containers() {
        check.init_container(&container);
    }
    for container in lists.containers() {
        check.container(&container);
    }
    for volume in lists.volumes() {
        check.volume(&volume);
    }
    check.finish(out);
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{
        Capabilities, Container, HostPathVolumeSource, PodSecurityContext, PodSpec, SeccompProfile,
        SecurityContext, Volume,
    };

    use super::{Assessment, Level, check_object};
    use crate::render::Object;

    fn level(spec: &PodSpec) -> Level {
        let mut out = Assessment::default();
        let pod = k8s_openapi::api::core::v1::Pod {
            metadata: k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
                name: Some("p".into()),
                ..Default::default()
            },
            spec: Some(spec.clone()),
            status: None,
        };
        check_object(&Object::Pod(Box::new(pod)), &mut out);
        out.level()
    }

    fn hardened() -> Container {
        Container {
            name: "app".into(),
            security_context: Some(SecurityContext {
                allow_privilege_escalation: Some(false),
                run_as_non_root: Some(true),
                capabilities: Some(Capabilities {
                    drop: Some(vec!["ALL".into()]),
                    add: Some(vec!["NET_BIND_SERVICE".into()]),
                }),
                ..SecurityContext::default()
            }),
            ..Container::default()
        }
    }

    fn pod(container: Container) -> PodSpec {
        PodSpec {
            containers: vec![container],
            security_context: Some(PodSecurityContext {
                seccomp_profile: Some(SeccompProfile {
                    type_: "RuntimeDefault".into(),
                    localhost_profile: None,
                }),
                ..PodSecurityContext::default()
            }),
            ..PodSpec::default()
        }
    }

    #[test]
    fn a_hardened_container_is_restricted() {
        assert_eq!(level(&pod(hardened())), Level::Restricted);
    }

    #[test]
    fn restricted_needs_a_seccomp_profile_somewhere() {
        let mut spec = pod(hardened());
        spec.security_context = None;
        assert_eq!(level(&spec), Level::Baseline);
    }

    #[test]
    fn a_plain_container_is_baseline() {
        let plain = Container {
            name: "app".into(),
            ..Container::default()
        };
        assert_eq!(level(&pod(plain)), Level::Baseline);
    }

    #[test]
    fn net_admin_host_paths_and_privilege_need_privileged() {
        let mut net_admin = hardened();
        if let Some(s) = net_admin.security_context.as_mut() {
            s.capabilities = Some(Capabilities {
                add: Some(vec!["NET_ADMIN".into()]),
                drop: Some(vec!["ALL".into()]),
            });
        }
        assert_eq!(level(&pod(net_admin)), Level::Privileged);
        let mut privileged = hardened();
        if let Some(s) = privileged.security_context.as_mut() {
            s.privileged = Some(true);
        }
        assert_eq!(level(&pod(privileged)), Level::Privileged);
        let mut host = pod(hardened());
        host.volumes = Some(vec![Volume {
            name: "logs".into(),
            host_path: Some(HostPathVolumeSource {
                path: "/var/log".into(),
                type_: None,
            }),
            ..Volume::default()
        }]);
        assert_eq!(level(&host), Level::Privileged);
    }

    #[test]
    fn an_unconfined_container_needs_privileged() {
        let mut unconfined = hardened();
        if let Some(s) = unconfined.security_context.as_mut() {
            s.seccomp_profile = Some(SeccompProfile {
                type_: "Unconfined".into(),
                localhost_profile: None,
            });
        }
        assert_eq!(level(&pod(unconfined)), Level::Privileged);
    }

    #[test]
    fn baseline_capabilities_stay_baseline() {
        let mut chown = hardened();
        if let Some(s) = chown.security_context.as_mut() {
            s.capabilities = Some(Capabilities {
                add: Some(vec!["CHOWN".into()]),
                drop: Some(vec!["ALL".into()]),
            });
        }
        assert_eq!(level(&pod(chown)), Level::Baseline);
    }
}
