//! podlift moves a Docker Compose application onto Kubernetes without changing
//! an image: every service becomes a container of one Pod, and an init
//! container puts the compose file's preset addresses on the Pod's loopback.
//!
//! Pipeline: [`load`] → [`model`] → ([`images`]) → [`plan`] → [`render`] → [`emit`]; every
//! problem is a [`diagnostic::Diagnostic`], rendered in one place. The
//! library knows nothing of the command line: the `podlift` binary
//! (`src/cli/`, feature `cli`) translates its flags into [`Options`] and the
//! stages' own options, calls [`pipeline`], and decides the exit status.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod config;
pub mod diagnostic;
pub mod emit;
pub mod explain;
pub mod images;
pub mod load;
pub mod model;
pub mod plan;
pub mod render;
pub mod report;
pub mod source;

use std::collections::{BTreeMap, BTreeSet};

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
    /// `--allow CODE`: warnings accepted for every service.
    pub allow: std::collections::BTreeSet<String>,
    /// `--inspect-images` and its sources.
    pub images: images::ImageOptions,
}

/// What the stages made of the input.
#[derive(Debug, Default)]
pub struct Pipeline {
    /// The files read, for rendering the diagnostics.
    pub sources: Sources,
    /// Every finding; sorted by place after [`pipeline`] (not yet after
    /// [`planned`], whose caller renders and then sorts).
    pub diagnostics: Diagnostics,
    /// The Pods: one in the pod strategy, one per group when split; `None`
    /// when the input could not be loaded.
    pub plan: Option<plan::Plan>,
    /// The strictest Pod Security level the rendered Pods satisfy: set by
    /// [`pipeline`] when there is a plan, never by [`planned`].
    pub pod_security: Option<render::pod_security::Assessment>,
    /// The warnings accepted: `--allow` and each service's `x-podlift.allow`.
    pub allow: diagnostic::Allow,
}

impl Pipeline {
    /// Once every stage has spoken: the diagnostics in file order, the
    /// accepted warnings marked allowed.
    pub fn finish(&mut self) {
        self.diagnostics.sort();
        self.diagnostics.allow(&self.allow, &self.sources);
    }
}

/// The warnings accepted for `project`: `global` (`--allow`) and each
/// service's `x-podlift.allow`. The compose file cannot accept its own
/// security findings ([`explain::SECURITY`]): only `--allow` on the command
/// line can; such a code, or one podlift does not have, in `x-podlift.allow`
/// is a warning at its place and allows nothing.
#[must_use]
pub fn allowances(
    project: &model::Project,
    global: &std::collections::BTreeSet<String>,
    diagnostics: &mut diagnostic::Diagnostics,
) -> diagnostic::Allow {
    let mut services = std::collections::BTreeMap::new();
    for service in project.services.iter().filter(|s| !s.allow.is_empty()) {
        let mut codes = std::collections::BTreeSet::new();
        for code in &service.allow {
            let name = code.value.as_str();
            if !explain::EXPLANATIONS.iter().any(|e| e.code == name) {
                diagnostics.push(
                    diagnostic::Diagnostic::warning(
                        "allow-refused",
                        format!("`x-podlift.allow` names `{name}`, a code podlift does not have: it allows nothing"),
                    )
                    .at(code.span)
                    .help("name a code from `podlift explain`, or remove it"),
                );
            } else if explain::SECURITY.contains(&name) {
                diagnostics.push(
                    diagnostic::Diagnostic::warning(
                        "allow-refused",
                        format!("`x-podlift.allow` cannot accept `{name}`: a compose file does not accept its own security findings"),
                    )
                    .at(code.span)
                    .help(format!("if your team accepts it, say so on the command line: `--allow {name}`")),
                );
            } else {
                codes.insert(code.value.clone());
            }
        }
        if !codes.is_empty() {
            services.insert(service.name.value.clone(), codes);
        }
    }
    diagnostic::Allow {
        global: global.clone(),
        services,
    }
}

/// Runs the stages up to the plan: load, model, plan. The diagnostics are
/// not sorted yet: rendering adds its own (see [`pipeline`]).
#[must_use]
pub fn planned(options: &Options) -> Pipeline {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let document = load::load(&options.load, &mut sources, &mut diagnostics);
    let mut allow = diagnostic::Allow {
        global: options.allow.clone(),
        ..diagnostic::Allow::default()
    };
    let plan = document.map(|document| {
        let names = name_sources(&document, options.project_name.as_deref(), &options.load);
        // The model consumes the tree: a large one is tens of MB.
        let variables = project_environment(&document, &options.load);
        let mut project = model::model(document, &names, &variables, &mut diagnostics);
        let facts = images::inspect(&project, &options.images, &mut diagnostics);
        images::apply(&mut project, &facts, &options.images, &mut diagnostics);
        allow = allowances(&project, &options.allow, &mut diagnostics);
        plan::plan(&project, &options.plan, &mut diagnostics)
    });
    Pipeline {
        sources,
        diagnostics,
        plan,
        pod_security: None,
        allow,
    }
}

/// Runs every stage but writing: [`planned`], then [`render::render`] for
/// what Kubernetes would refuse to store and the Pod Security level the Pods
/// need, measured on the objects as they will be written. The diagnostics
/// come sorted. `convert` renders with [`planned`] itself, to write what it
/// measured.
#[must_use]
pub fn pipeline(options: &Options) -> Pipeline {
    let mut pipeline = planned(options);
    if let Some(plan) = pipeline.plan.as_ref() {
        let rendered = render::render(plan, &options.render, &mut pipeline.diagnostics);
        pipeline.pod_security = Some(rendered.pod_security().clone());
    }
    pipeline.finish();
    pipeline
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

/// The chart and kustomization name: the project's Kubernetes name
/// (empty for a plan without Pods).
#[must_use]
pub fn project_name(plan: &plan::Plan) -> String {
    plan.pods.first().map_or_else(String::new, |pod| {
        plan::names::dns_label(&pod.project, "podlift")
    })
}

/// Every image the manifests of `plan` pull: each container's and init
/// container's, podlift's own init images included, sorted, each once (what
/// `podlift config --images` prints for a mirror).
#[must_use]
pub fn images(plan: &plan::Plan, options: &render::RenderOptions) -> Vec<String> {
    // Rendering checks sizes and Pod Security: those findings are `convert`'s.
    let mut scratch = Diagnostics::default();
    let rendered = render::render(plan, options, &mut scratch);
    let mut images = BTreeSet::new();
    for object in rendered.objects() {
        let object = object.into_object();
        let Some(spec) = object.workload().and_then(|w| w.pod_spec) else {
            continue;
        };
        for container in spec
            .init_containers
            .iter()
            .flatten()
            .chain(&spec.containers)
        {
            images.extend(container.image.clone());
        }
    }
    images.into_iter().collect()
}
