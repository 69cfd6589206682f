//! Rendering: Kubernetes objects from the [`PodPlan`]s alone. Nothing here
//! knows compose syntax or `x-podlift` keys.
//!
//! One entry, [`render`]: it checks the objects as they will be written
//! (what Kubernetes would refuse to store, the Pod Security level the Pods
//! need) and hands on a [`Rendered`], whose objects are rendered one at a
//! time as they are written ([`RenderedObject`]), so a large project is
//! never held whole. Each object is built whole as its k8s-openapi type,
//! measured by serialising it into a writer capped at the size limit, and
//! its Pod Security assessed from it; a workload whose containers and
//! volumes alone pass the limit is refused before it is built whole.

mod container;
pub mod copy;
pub mod copy_up;
pub mod init_script;
pub mod labels;
mod limits;
mod network_policy;
mod object;
mod part;
mod pod_lists;
pub mod pod_security;
mod process;
mod quantity;
mod service;
mod volume;
mod wait;
mod workload;

use std::collections::HashMap;
use std::net::IpAddr;

pub use object::{Object, RenderedObject, Workload};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::plan::{LOOPBACK_INIT_NAME, Plan, PodPlan};
use part::{Part, parts};
use pod_security::{Assessment, Level};
use workload::Built;

/// Which object runs the Pod: the plan stage's choice.
pub use crate::plan::Controller;
/// A Kubernetes version (the oldest a chart's objects need).
pub use crate::plan::KubeVersion;

/// How to render: choices that only affect object metadata and the
/// workload's kind.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// `metadata.namespace` of every object.
    pub namespace: Option<String>,
    /// Emit the Namespace object too.
    pub create_namespace: bool,
    /// The object that runs the Pod.
    pub controller: Controller,
}

/// The objects ready to write, and what was found rendering them.
#[derive(Debug)]
pub struct Rendered<'p> {
    plans: &'p [PodPlan],
    options: RenderOptions,
    pod_security: Assessment,
}

/// A workload's loopback init container and the addresses it puts on the
/// Pod's loopback, for outputs that explain them (Helm's `NOTES.txt`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loopback {
    /// The workload's `metadata.name`.
    pub workload: String,
    /// The init container's name.
    pub init_container: &'static str,
    /// Every address, in the order the init container claims them.
    pub addresses: Vec<LoopbackAddress>,
}

/// One loopback address and the names (hostAliases) that point at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopbackAddress {
    /// The address.
    pub address: IpAddr,
    /// The names, in the Pod's hostAliases order.
    pub names: Vec<String>,
}

impl Loopback {
    fn of(plan: &PodPlan) -> Option<Self> {
        let init = plan.loopback.as_ref()?;
        // The names of each address, in hostAliases order: one pass over
        // the aliases, not one per address.
        let mut names: HashMap<IpAddr, Vec<String>> = HashMap::new();
        for alias in &plan.host_aliases {
            names
                .entry(alias.ip)
                .or_default()
                .extend(alias.names.iter().cloned());
        }
        let addresses = init
            .addresses
            .iter()
            .map(|&address| LoopbackAddress {
                address,
                names: names.get(&address).cloned().unwrap_or_default(),
            })
            .collect();
        Some(Self {
            workload: plan.name.clone(),
            init_container: LOOPBACK_INIT_NAME,
            addresses,
        })
    }
}

impl Rendered<'_> {
    /// The objects in apply order (namespace, configuration and storage,
    /// Services, workloads), each object once, each rendered when the
    /// iterator reaches it.
    #[must_use]
    pub fn objects(&self) -> impl ExactSizeIterator<Item = RenderedObject> + '_ {
        let level = self.pod_security.level();
        parts(self.plans, &self.options)
            .into_iter()
            .map(move |part| RenderedObject::new(part.render(&self.options, level)))
    }

    /// The Pod Security assessment of the Pods: the strictest level they
    /// satisfy (a created Namespace enforces it) and who needs it.
    #[must_use]
    pub const fn pod_security(&self) -> &Assessment {
        &self.pod_security
    }

    /// The loopback init container of each workload that has one (made
    /// when asked: only the Helm chart's notes need them).
    #[must_use]
    pub fn loopback(&self) -> Vec<Loopback> {
        self.plans.iter().filter_map(Loopback::of).collect()
    }
}

/// Renders the objects of `plan` (its Pods: one in the pod strategy, one
/// per group when split), each object once.
///
/// Checks the objects as they will be written: every object Kubernetes
/// would refuse to store is an `object-too-large` error (unless
/// `diagnostics` already holds errors: a refused plan is not measured), and
/// when the Pods need Pod Security level `privileged`, a `pod-security`
/// note says who and why. Rendering a plan never fails.
pub fn render<'p>(
    plan: &'p Plan,
    options: &RenderOptions,
    diagnostics: &mut Diagnostics,
) -> Rendered<'p> {
    let measure = !diagnostics.has_errors();
    let mut assessment = Assessment::default();
    let mut problems = Vec::new();
    for part in parts(&plan.pods, options) {
        if let Part::Workload(pod) = part {
            if let Some(warning) = copy_group_withheld(pod) {
                problems.push(warning);
            }
            // Built whole when its lists fit the object-size limit, then
            // measured and assessed from the object; refused before it is
            // held whole otherwise, and assessed from its lists.
            let mut budget = Some(limits::Budget::object());
            match workload::build_in(pod, options, &mut budget) {
                Built::Whole(mut object) => {
                    if measure && let Some(budget) = budget {
                        limits::check_whole(&mut object, budget, &mut problems);
                    }
                    pod_security::check_object(&object, &mut assessment);
                }
                Built::TooLarge { skeleton, lists } => {
                    if measure {
                        limits::refuse(&skeleton, &mut problems);
                    }
                    pod_security::check_lists(&skeleton, &lists, &mut assessment);
                }
            }
            continue;
        }
        if !measure {
            continue;
        }
        // The level only labels a Namespace, which is measured but not
        // assessed; the label does not change its size much. Every object is
        // measured: a ConfigMap within its 1 MiB of data passes the object
        // limit once JSON escapes its text (a control character takes six
        // bytes, `\u0001`).
        let object = part.render(options, Level::default());
        limits::check(&object, true, &mut problems);
    }
    for problem in problems {
        diagnostics.push(problem);
    }
    if let Some(note) = pod_security_note(&assessment) {
        diagnostics.push(note);
    }
    Rendered {
        plans: &plan.pods,
        options: options.clone(),
        pod_security: assessment,
    }
}

/// A warning when a copy fills a claim but the Pod gets no `fsGroup`
/// for it, because another claim of the Pod would be changed by it.
fn copy_group_withheld(plan: &PodPlan) -> Option<Diagnostic> {
    let (filled, foreign) = copy::claims(plan);
    if filled.is_empty() || foreign.is_empty() {
        return None;
    }
    let list = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Some(
        Diagnostic::warning(
            "copy-claim-group",
            format!(
                "Pod `{}` gets no `fsGroup` for init container `{}`, which fills claim {}: the kubelet would give every file of claim {} that group, group-writable{}",
                plan.name,
                crate::plan::COPY_INIT_NAME,
                list(&filled),
                list(&foreign),
                if filled
                    .iter()
                    .any(|c| plan.storage.shared_claims.contains(*c))
                {
                    " (another Pod mounts a claim it fills, with a group of its own)"
                } else {
                    ""
                }
            ),
        )
        .help("where the storage class creates a claim's root `root:root 0755`, the copy (not root) cannot write into it: make its root writable by the copy's user once, or keep the bind in an `emptyDir` (without `--bind-as pvc`), or mount it `:ro`"),
    )
}

/// A note when the Pods need the `privileged` level, which a namespace
/// must be labelled for: who needs it and why.
fn pod_security_note(assessment: &Assessment) -> Option<Diagnostic> {
    let level = assessment.level();
    (level == Level::Privileged).then(|| {
        Diagnostic::note(
            "pod-security",
            format!(
                "the Pods need Pod Security level {}",
                assessment.brief(200)
            ),
        )
        .help(format!(
            "label the namespace: `kubectl label namespace NAMESPACE {}={level}` (or convert with `-n NAMESPACE --create-namespace`)",
            labels::POD_SECURITY_ENFORCE
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::workload::{self, Built};
    use super::{RenderOptions, limits, pod_security, render};
    use crate::diagnostic::Diagnostics;
    use crate::plan::{Plan, PlanOptions, plan_text};

    /// Init containers, containers and volumes that each break a rule.
    const COMPOSE: &str = "\
services:
  setup:
    image: busybox
    user: root
  app:
    image: busybox
    privileged: true
    depends_on:
      setup:
        condition: service_completed_successfully
    volumes: [data:/data, /var/log:/logs]
    networks:
      net:
        ipv4_address: 10.5.0.2
  side:
    image: busybox
    cap_add: [SYS_ADMIN, CHOWN]
    tmpfs: [/tmp]
networks:
  net:
    ipam:
      config: [{subnet: 10.5.0.0/24}]
volumes:
  data: {}
";

    #[test]
    fn the_assessment_made_while_measuring_is_that_of_the_whole_objects() {
        let (plan, _) = plan_text(COMPOSE, &PlanOptions::default());
        let plans = Plan { pods: vec![plan] };
        let mut diagnostics = Diagnostics::default();
        let rendered = render(&plans, &RenderOptions::default(), &mut diagnostics);
        assert!(!diagnostics.has_errors(), "{:?}", diagnostics.items());
        let mut whole = pod_security::Assessment::default();
        for object in rendered.objects() {
            pod_security::check_object(&object.into_object(), &mut whole);
        }
        let subjects: Vec<String> = whole
            .findings
            .iter()
            .map(pod_security::Finding::subject)
            .collect();
        for container in ["podlift-loopback", "setup", "app", "side"] {
            assert!(
                subjects
                    .iter()
                    .any(|s| s.contains(&format!("`{container}`"))),
                "{subjects:?}"
            );
        }
        assert!(
            whole
                .findings
                .iter()
                .any(|f| f.reason.contains("host path")),
            "{:?}",
            whole.findings
        );
        assert_eq!(rendered.pod_security(), &whole);
    }

    /// Two services whose commands together pass 1.5 MiB.
    fn too_large() -> String {
        let word = "x".repeat(900 * 1024);
        format!(
            "services:\n  a:\n    image: busybox\n    user: root\n    command: [{word}]\n  b:\n    image: busybox\n    privileged: true\n    command: [{word}]\n    volumes: [/var/log:/logs]\n"
        )
    }

    #[test]
    fn a_workload_whose_lists_pass_the_limit_is_refused_before_it_is_built_whole() {
        let (plan, _) = plan_text(&too_large(), &PlanOptions::default());
        let options = RenderOptions::default();
        let Built::TooLarge { skeleton, lists } =
            workload::build(&plan, &options, Some(limits::Budget::object()))
        else {
            panic!("refused");
        };
        assert!(
            skeleton
                .workload()
                .and_then(|w| w.pod_spec)
                .is_some_and(|s| s.containers.is_empty())
        );
        // assessed from its lists as from the whole object
        let mut from_lists = pod_security::Assessment::default();
        pod_security::check_lists(&skeleton, &lists, &mut from_lists);
        let mut from_whole = pod_security::Assessment::default();
        pod_security::check_object(&workload::whole(&plan, &options), &mut from_whole);
        assert_eq!(from_lists, from_whole);
        assert_eq!(from_whole.level(), pod_security::Level::Privileged);
        // and measured as too large, once
        let plans = Plan { pods: vec![plan] };
        let mut diagnostics = Diagnostics::default();
        let rendered = render(&plans, &options, &mut diagnostics);
        let too_large: Vec<String> = diagnostics
            .items()
            .iter()
            .filter(|d| d.code == "object-too-large")
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            too_large,
            [
                "Deployment `default` would be more than 1.5 MiB, the most Kubernetes stores in one object"
            ]
        );
        assert_eq!(rendered.pod_security(), &from_whole);
    }

    #[test]
    fn a_workload_within_the_limit_is_built_whole() {
        let (plan, _) = plan_text(COMPOSE, &PlanOptions::default());
        let Built::Whole(object) = workload::build(
            &plan,
            &RenderOptions::default(),
            Some(limits::Budget::object()),
        ) else {
            panic!("built whole");
        };
        let spec = object.workload().and_then(|w| w.pod_spec).unwrap();
        let names: Vec<&str> = spec.containers.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["app", "side"]);
        assert!(
            spec.init_containers
                .iter()
                .flatten()
                .any(|c| c.name == "setup")
        );
        assert!(spec.volumes.iter().flatten().any(|v| v.name == "data"));
    }

    #[test]
    fn the_loopback_facts_name_each_address_as_the_host_aliases_do() {
        let (plan, _) = plan_text(COMPOSE, &PlanOptions::default());
        let plans = Plan { pods: vec![plan] };
        let rendered = render(
            &plans,
            &RenderOptions::default(),
            &mut Diagnostics::default(),
        );
        let all = rendered.loopback();
        let [loopback] = all.as_slice() else {
            panic!("one workload with a loopback init: {all:?}");
        };
        assert_eq!(loopback.init_container, "podlift-loopback");
        let addresses: Vec<(String, Vec<String>)> = loopback
            .addresses
            .iter()
            .map(|a| (a.address.to_string(), a.names.clone()))
            .collect();
        assert_eq!(
            addresses,
            [("10.5.0.2".to_string(), vec!["app".to_string()])]
        );
    }
}
