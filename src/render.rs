//! Rendering: Kubernetes objects from the [`PodPlan`]s alone. Nothing here
//! knows compose syntax or `x-podlift` keys.
//!
//! One entry, [`render`]: it checks the objects as they will be written
//! (what Kubernetes would refuse to store, the Pod Security level the Pods
//! need) and hands on a [`Rendered`], whose objects are rendered one at a
//! time as they are written; a workload's containers and volumes are
//! rendered while it is written ([`RenderedObject`]), so neither a large
//! project nor a large Pod is ever held whole.

mod container;
pub mod copy;
pub mod copy_up;
mod deferred;
pub mod init_script;
pub mod labels;
mod limits;
mod network_policy;
mod object;
mod part;
pub mod pod_security;
mod process;
mod quantity;
mod service;
mod volume;
mod wait;
mod workload;

use std::collections::HashMap;
use std::net::IpAddr;

pub use deferred::RenderedObject;
pub use object::{Object, Workload};

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::plan::{LOOPBACK_INIT_NAME, Plan, PodPlan};
use part::{Part, parts};
use pod_security::{Assessment, Level, PodCheck};

/// Which object runs the Pod: the plan stage's choice.
pub use crate::plan::Controller;

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
    pub fn objects(&self) -> impl ExactSizeIterator<Item = RenderedObject<'_>> + '_ {
        let level = self.pod_security.level();
        parts(self.plans, &self.options)
            .into_iter()
            .map(move |part| part.render(&self.options, level))
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
        let workload = matches!(part, Part::Workload(_));
        if !measure && !workload {
            continue;
        }
        // The level only labels a Namespace, which is measured (its
        // metadata) but not assessed; the label does not change its size much.
        let rendered = part.render(options, Level::default());
        // A workload is measured and assessed in one pass: the check sees
        // each container as it is written for its size.
        let watching = workload
            && measure
            && PodCheck::start(rendered.object()).is_some_and(|check| rendered.watch(check));
        let whole = measure
            && limits::check(
                &rendered,
                workload || matches!(part, Part::Service(..)),
                &mut problems,
            );
        if workload {
            match rendered.watched().filter(|_| watching && whole) {
                Some(check) => check.finish(&mut assessment),
                // Not measured, or not to its end (too large): its own pass.
                None => pod_security::check_rendered(&rendered, &mut assessment),
            }
        }
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
    use super::{RenderOptions, pod_security, render};
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
