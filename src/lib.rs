//! podlift moves a Docker Compose application onto Kubernetes without changing
//! an image: every service becomes a container of one Pod, and an init
//! container puts the compose file's preset addresses on the Pod's loopback.
//!
//! Pipeline: [`load`] → [`model`] → [`plan`] → [`render`] → [`emit`]; every
//! problem is a [`diagnostic::Diagnostic`], rendered in one place. The
//! library knows nothing of the command line: the `podlift` binary
//! (`src/cli/`, feature `cli`) translates its flags into [`Options`] and the
//! stages' own options, calls [`pipeline`], and decides the exit status.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod diagnostic;
pub mod emit;
pub mod explain;
pub mod load;
pub mod model;
pub mod plan;
pub mod render;
pub mod report;
pub mod source;

use std::collections::BTreeMap;

use diagnostic::Diagnostics;
use source::Sources;

/// What the stages up to the plan need, typed: the command line (or a Rust
/// caller) fills it in.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The load stage's options; its `environment` is the process
    /// environment (also the source of `COMPOSE_PROJECT_NAME`).
    pub load: load::LoadOptions,
    /// `-p NAME`: the project name, over every other source.
    pub project_name: Option<String>,
    /// The plan stage's options.
    pub plan: plan::PlanOptions,
    /// The render stage's options for the objects as they will be written.
    pub render: render::RenderOptions,
}

/// What the stages made of the input.
#[derive(Debug, Default)]
pub struct Pipeline {
    /// The files read, for rendering the diagnostics.
    pub sources: Sources,
    /// Every finding, sorted by place.
    pub diagnostics: Diagnostics,
    /// One plan per Pod: one in the pod strategy, one per group when split;
    /// `None` when the input could not be loaded.
    pub plans: Option<Vec<plan::PodPlan>>,
    /// The strictest Pod Security level the rendered Pods satisfy (when
    /// there is a plan).
    pub pod_security: Option<render::pod_security::Assessment>,
}

/// Runs the stages in order: load, model, plan, and the measures of the
/// rendered objects (what Kubernetes would refuse to store, the Pod Security
/// level the Pods need). Writing them is [`emit::emit`]'s.
#[must_use]
pub fn pipeline(options: &Options) -> Pipeline {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let document = load::load(&options.load, &mut sources, &mut diagnostics);
    let plans = document.map(|document| {
        let names = name_sources(&document, options.project_name.as_deref(), &options.load);
        // The model consumes the tree: a large one is tens of MB.
        let variables = project_environment(&document, &options.load);
        let project = model::model(document, &names, &variables, &mut diagnostics);
        let mut plans = plan::plan_pods(&project, &options.plan, &mut diagnostics);
        if plans.len() > 1 {
            plan::network_policy::attach(&mut plans, &project);
        }
        plan::network_policy::note_shared_namespaces(&plans, &project, &mut diagnostics);
        plans
    });
    // What Kubernetes would refuse to store, for every command, and the Pod
    // Security level the Pods need: measured on the objects as they will be
    // rendered (as before, without their namespace).
    let mut pod_security = None;
    if let Some(plans) = plans.as_ref() {
        let render_options = render::RenderOptions {
            namespace: None,
            create_namespace: false,
            pod_security: render::pod_security::Level::default(),
            ..options.render.clone()
        };
        let parts = render::parts(plans, &render_options);
        if !diagnostics.has_errors() {
            for problem in emit::limits::check_parts(&parts, &render_options) {
                diagnostics.push(problem);
            }
        }
        // Also with errors: what the namespace needs is worth knowing while
        // fixing them (rendering a plan never fails).
        let assessment = render::pod_security::of_parts(&parts, &render_options);
        if let Some(note) = pod_security_note(&assessment) {
            diagnostics.push(note);
        }
        pod_security = Some(assessment);
    }
    diagnostics.sort();
    Pipeline {
        sources,
        diagnostics,
        plans,
        pod_security,
    }
}

/// The variables a service's `environment: [NAME]` reads: the process
/// environment, then the env files (compose's project environment).
#[must_use]
pub fn project_environment(
    document: &load::Document,
    load: &load::LoadOptions,
) -> BTreeMap<String, String> {
    let mut variables = document.env_file_variables.clone();
    variables.extend(load.environment.iter().map(|(k, v)| (k.clone(), v.clone())));
    variables
}

/// Where the project name comes from besides the file: `flag` (`-p`),
/// `COMPOSE_PROJECT_NAME` (the process environment, then the env files),
/// the project directory.
#[must_use]
pub fn name_sources(
    document: &load::Document,
    flag: Option<&str>,
    load: &load::LoadOptions,
) -> model::NameSources {
    const VARIABLE: &str = "COMPOSE_PROJECT_NAME";
    model::NameSources {
        flag: flag.map(String::from),
        environment: load
            .environment
            .get(VARIABLE)
            .or_else(|| document.env_file_variables.get(VARIABLE))
            .cloned(),
        directory: std::fs::canonicalize(&document.project_dir)
            .unwrap_or_else(|_| document.project_dir.clone())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
    }
}

/// A note when the Pods need the `privileged` level, which a namespace
/// must be labelled for: who needs it and why.
fn pod_security_note(
    assessment: &render::pod_security::Assessment,
) -> Option<diagnostic::Diagnostic> {
    let level = assessment.level();
    (level == render::pod_security::Level::Privileged).then(|| {
        diagnostic::Diagnostic::note(
            "pod-security",
            format!(
                "the Pods need Pod Security level {}",
                assessment.summary(3)
            ),
        )
        .help(format!(
            "label the namespace: `kubectl label namespace NAMESPACE {}={level}` (or convert with `-n NAMESPACE --create-namespace`)",
            render::labels::POD_SECURITY_ENFORCE
        ))
    })
}

/// The chart and kustomization name: the project's Kubernetes name.
#[must_use]
pub fn project_name(plan: &plan::PodPlan) -> String {
    plan::names::dns_label(&plan.project, "podlift")
}
