//! Rendering: Kubernetes objects from the [`PodPlan`] alone. Nothing here knows
//! compose syntax or `x-podlift` keys.

mod container;
mod deferred;
pub mod labels;
pub mod network_policy;
mod object;
mod part;
pub mod pod_security;
pub mod process;
pub mod quantity;
mod service;
mod volume;
mod workload;

pub use deferred::{List, PodLists};
pub use object::{Object, Workload};
pub use part::{Part, parts, plan_parts};

use crate::plan::PodPlan;

/// Which object runs the Pod.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Controller {
    /// A Deployment (`strategy: Recreate`).
    #[default]
    Deployment,
    /// A StatefulSet (stable identity, one claim per replica if the user adds templates).
    StatefulSet,
    /// A bare Pod (nothing recreates it when its node goes away).
    Pod,
}

/// Choices that only affect object metadata.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// `metadata.namespace` of every object.
    pub namespace: Option<String>,
    /// Emit the Namespace object too.
    pub create_namespace: bool,
    /// The object that runs the Pod.
    pub controller: Controller,
    /// The Pod Security level the Namespace enforces (`--create-namespace`):
    /// the strictest the Pods satisfy ([`pod_security`]).
    pub pod_security: pod_security::Level,
}

/// Renders the objects of a plan, in apply order.
#[must_use]
pub fn render(plan: &PodPlan, options: &RenderOptions) -> Vec<Object> {
    plan_parts(plan, options)
        .iter()
        .map(|part| part.render(options))
        .collect()
}

/// Renders several plans (the split strategy) as one list, each object once.
#[must_use]
pub fn render_all(plans: &[PodPlan], options: &RenderOptions) -> Vec<Object> {
    parts(plans, options)
        .iter()
        .map(|part| part.render(options))
        .collect()
}
