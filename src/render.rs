//! Rendering: Kubernetes objects from the [`PodPlan`]s alone. Nothing here
//! knows compose syntax or `x-podlift` keys.
//!
//! [`rendering`] hands on the objects one at a time ([`Rendered`], an
//! iterator), each rendered once: built whole as its k8s-openapi type,
//! measured by serialising it into a writer capped at the size limit (what
//! Kubernetes would refuse to store), its Pod Security assessed from it, and
//! then handed to whoever writes it, so a large project is never held
//! whole and nothing is built twice. [`Rendered::finish`] gives the
//! findings and the Namespace, which carries the level every Pod satisfies.
//! A workload whose containers and volumes alone pass the limit is refused
//! before it is built whole. [`render`] runs the same pass for the findings
//! alone (`check`, `plan`).

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
use foldhash::{HashMap, HashMapExt};
use std::net::IpAddr;

pub use object::{Object, RenderedObject, Workload};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
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

/// The objects of the output, each rendered once, as they are asked for
/// (an iterator, in apply order), and what was found rendering them.
///
/// Each object is built whole as its k8s-openapi type when the iterator
/// reaches it, measured and (a workload) assessed for Pod Security from that
/// object, and handed on: the caller writes it and drops it, so a large
/// project is never held whole. The Namespace (`--create-namespace`) comes
/// last, from [`Rendered::finish`]: it carries the level every Pod
/// satisfies, known once every workload was assessed; it goes first in the
/// output. A workload refused as too large is not handed on (nothing is
/// written for a plan with errors).
#[derive(Debug)]
pub struct Rendered<'p> {
    plans: &'p [PodPlan],
    options: &'p RenderOptions,
    parts: std::vec::IntoIter<Part<'p>>,
    /// The namespace's part, rendered by [`Rendered::finish`].
    held: Option<Part<'p>>,
    namespace: Option<RenderedObject>,
    /// Whether objects are measured (not for a plan that already has errors).
    measure: bool,
    /// Whether objects that are neither measured nor assessed are skipped
    /// (nobody writes them: `check`, `plan`).
    skip_unmeasured: bool,
    pod_security: Assessment,
    problems: Vec<Diagnostic>,
    finished: bool,
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

impl<'p> Rendered<'p> {
    /// Every object is rendered, measured and assessed: the findings go into
    /// `diagnostics` (once, at the first call), and the Namespace is rendered
    /// with the level the Pods need. The objects the iterator did not reach
    /// yet are rendered (and dropped) first, so the findings are complete.
    pub fn finish(&mut self, diagnostics: &mut Diagnostics) {
        if self.finished {
            return;
        }
        for _ in self.by_ref() {}
        self.finished = true;
        let level = self.pod_security.level();
        self.namespace = self.held.take().map(|part| {
            let object = part.render(self.options, level);
            if self.measure {
                limits::check(&object, true, &mut self.problems);
            }
            RenderedObject::new(object)
        });
        for problem in self.problems.drain(..) {
            diagnostics.push(problem);
        }
        if let Some(note) = pod_security_note(&self.pod_security) {
            diagnostics.push(note);
        }
    }

    /// The Namespace (`--create-namespace`), rendered by [`Self::finish`]
    /// with the level the Pods need: it goes before every other object.
    #[must_use]
    pub const fn namespace(&self) -> Option<&RenderedObject> {
        self.namespace.as_ref()
    }

    /// The Pod Security assessment of the Pods: the strictest level they
    /// satisfy (a created Namespace enforces it) and who needs it; complete
    /// once [`Self::finish`] ran.
    #[must_use]
    pub const fn pod_security(&self) -> &Assessment {
        &self.pod_security
    }

    /// The Pod Security assessment ([`Self::pod_security`]), taken whole
    /// instead of copied: a large project's holds a finding per container
    /// and rule.
    #[must_use]
    pub fn into_pod_security(self) -> Assessment {
        self.pod_security
    }

    /// The loopback init container of each workload that has one (made
    /// when asked: only the Helm chart's notes need them).
    #[must_use]
    pub fn loopback(&self) -> Vec<Loopback> {
        self.plans.iter().filter_map(Loopback::of).collect()
    }

    /// A workload, built whole when its lists fit the object-size limit,
    /// then measured and assessed from the object; refused before it is held
    /// whole otherwise (`None`), and assessed from its lists.
    fn workload(&mut self, pod: &'p PodPlan) -> Option<Object> {
        if let Some(warning) = copy_group_withheld(pod) {
            self.problems.push(warning);
        }
        let mut budget = Some(limits::Budget::object());
        match workload::build_in(pod, self.options, &mut budget) {
            Built::Whole(mut object) => {
                if self.measure
                    && let Some(budget) = budget
                {
                    limits::check_whole(&mut object, budget, &mut self.problems);
                }
                pod_security::check_object(&object, &mut self.pod_security);
                Some(object)
            }
            Built::TooLarge { skeleton, lists } => {
                if self.measure {
                    limits::refuse(&skeleton, &mut self.problems);
                }
                pod_security::check_lists(&skeleton, &lists, &mut self.pod_security);
                None
            }
        }
    }
}

impl Iterator for Rendered<'_> {
    type Item = RenderedObject;

    /// The next object in apply order (but the Namespace), rendered,
    /// measured and assessed.
    fn next(&mut self) -> Option<RenderedObject> {
        loop {
            let part = self.parts.next()?;
            match part {
                Part::Namespace(..) => self.held = Some(part),
                Part::Workload(pod) => {
                    if let Some(object) = self.workload(pod) {
                        return Some(RenderedObject::new(object));
                    }
                }
                _ if !self.measure && self.skip_unmeasured => {}
                _ => {
                    // Every object is measured: a ConfigMap within its 1 MiB
                    // of data passes the object limit once JSON escapes its
                    // text (a control character takes six bytes, `\u0001`).
                    let object = part.render(self.options, Level::default());
                    if self.measure {
                        limits::check(&object, true, &mut self.problems);
                    }
                    return Some(RenderedObject::new(object));
                }
            }
        }
    }
}

/// The objects of `plan` (its Pods: one in the pod strategy, one per group
/// when split), to render one at a time, each once ([`Rendered`]): what
/// `convert` writes as it measures it.
///
/// The objects are checked as they are rendered: every object Kubernetes
/// would refuse to store is an `object-too-large` error (unless
/// `diagnostics` already holds errors: a refused plan is not measured), and
/// when the Pods need Pod Security level `privileged`, a `pod-security`
/// note says who and why; [`Rendered::finish`] hands them on. Rendering a
/// plan never fails.
#[must_use]
pub fn rendering<'p>(
    plan: &'p Plan,
    options: &'p RenderOptions,
    diagnostics: &Diagnostics,
) -> Rendered<'p> {
    Rendered {
        plans: &plan.pods,
        options,
        parts: parts(&plan.pods, options).into_iter(),
        held: None,
        namespace: None,
        measure: !diagnostics.has_errors(),
        skip_unmeasured: false,
        pod_security: Assessment::default(),
        problems: Vec::new(),
        finished: false,
    }
}

/// Renders every object of `plan` once, for its findings alone (`check`,
/// `plan`): [`rendering`], finished. Objects that are neither measured nor
/// assessed (a plan with errors is not measured) are not rendered.
#[must_use]
pub fn render<'p>(
    plan: &'p Plan,
    options: &'p RenderOptions,
    diagnostics: &mut Diagnostics,
) -> Rendered<'p> {
    let mut rendered = rendering(plan, options, diagnostics);
    rendered.skip_unmeasured = true;
    rendered.finish(diagnostics);
    rendered
}

/// Every image the workloads of `plan` pull: each container's and init
/// container's, podlift's own init images included, sorted, each once.
#[must_use]
pub fn images(plan: &Plan, options: &RenderOptions) -> Vec<String> {
    let mut images = std::collections::BTreeSet::new();
    for part in parts(&plan.pods, options) {
        if let Part::Workload(pod) = part {
            let object = RenderedObject::new(workload::whole(pod, options));
            images.extend(object.images().map(String::from));
        }
    }
    images.into_iter().collect()
}

/// A warning when a copy fills a claim but the Pod gets no `fsGroup`
/// for it, because another claim of the Pod would be changed by it.
fn copy_group_withheld(plan: &PodPlan) -> Option<Diagnostic> {
    let (filled, foreign) = copy::claims(plan);
    let closed = copy::closed_files(plan);
    if filled.is_empty() || (foreign.is_empty() && closed.is_empty()) {
        return None;
    }
    let list = |names: &[&str]| {
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut why = Vec::new();
    if !foreign.is_empty() {
        why.push(format!(
            "the kubelet would give every file of claim {} that group, group-writable{}",
            list(&foreign),
            if filled
                .iter()
                .any(|c| plan.storage.shared_claims.contains(*c))
            {
                " (another Pod mounts a claim it fills, with a group of its own)"
            } else {
                ""
            }
        ));
    }
    if !closed.is_empty() {
        let files: Vec<String> = closed
            .iter()
            .map(|(object, path, mode)| format!("`{path}` of `{object}` (mode `{mode:04o}`)"))
            .collect();
        why.push(format!(
            "the kubelet would make {} readable by that group, which every container of the Pod holds",
            files.join(", ")
        ));
    }
    Some(
        Diagnostic::warning(
            Code::CopyClaimGroup,
            format!(
                "Pod `{}` gets no `fsGroup` for init container `{}`, which fills claim {}: {}",
                plan.name,
                crate::plan::COPY_INIT_NAME,
                list(&filled),
                why.join("; and "),
            ),
        )
        .help(format!(
            "where the storage class creates a claim's root `root:root 0755`, the copy (not root) cannot write into it: make its root writable by the copy's user once, or keep the bind in an `emptyDir` (without `--bind-as pvc`), or mount it `:ro`{}",
            if closed.is_empty() {
                ""
            } else {
                "; a secret or config every service of the Pod may read can say so (`mode: 0440`)"
            }
        )),
    )
}

/// A note when the Pods need the `privileged` level, which a namespace
/// must be labelled for: who needs it and why.
fn pod_security_note(assessment: &Assessment) -> Option<Diagnostic> {
    let level = assessment.level();
    (level == Level::Privileged).then(|| {
        Diagnostic::note(
            Code::PodSecurity,
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
    use super::{RenderOptions, limits, pod_security, render, rendering};
    use crate::diagnostic::{Code, Diagnostics};
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
        let options = RenderOptions::default();
        let mut rendered = rendering(&plans, &options, &diagnostics);
        let mut whole = pod_security::Assessment::default();
        for object in rendered.by_ref() {
            pod_security::check_object(&object.into_object(), &mut whole);
        }
        rendered.finish(&mut diagnostics);
        assert!(!diagnostics.has_errors(), "{:?}", diagnostics.items());
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
            .filter(|d| d.code == Code::ObjectTooLarge)
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
        let options = RenderOptions::default();
        let rendered = render(&plans, &options, &mut Diagnostics::default());
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
