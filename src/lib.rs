//! podlift moves a Docker Compose application onto Kubernetes without changing
//! an image: every service becomes a container of one Pod, and an init
//! container puts the compose file's preset addresses on the Pod's loopback.
//!
//! Pipeline: [`load`] → [`model`] → ([`images`]) → [`plan`] → [`render`] → [`emit`]; every
//! problem is a [`diagnostic::Diagnostic`], rendered in one place; [`emit`]
//! and [`config`] write YAML with podlift's own writer, [`yaml_writer`]. The
//! library knows nothing of the command line: the `podlift` binary
//! (`src/cli/`, feature `cli`) translates its flags into [`Options`], calls
//! the one function of its command ([`convert`], [`check`], [`plan`],
//! [`config`]) and decides the exit status.

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
pub mod yaml_writer;

use std::collections::BTreeMap;

use diagnostic::{Code, Diagnostics};
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
    pub allow: std::collections::BTreeSet<Code>,
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
    /// every command's function ([`check`], [`plan`], [`convert`]) when
    /// there is a plan, as each renders; never by [`planned`], which does
    /// not render.
    pub pod_security: Option<render::pod_security::Assessment>,
    /// The warnings accepted: `--allow` and each service's `x-podlift.allow`.
    pub allow: diagnostic::Allow,
    /// The host files read for the manifests that are not in `sources`
    /// (configs' and secrets' `file:`, bind-mounted files): inputs too.
    pub host_inputs: Vec<std::path::PathBuf>,
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
/// security findings ([`Code::is_security`]): only `--allow` on the command
/// line can; such a code, or one podlift does not have, in `x-podlift.allow`
/// is a warning at its place and allows nothing.
#[must_use]
pub fn allowances(
    project: &model::Project,
    global: &std::collections::BTreeSet<Code>,
    diagnostics: &mut diagnostic::Diagnostics,
) -> diagnostic::Allow {
    let mut services = std::collections::BTreeMap::new();
    for service in project.services.iter().filter(|s| !s.allow.is_empty()) {
        let mut codes = std::collections::BTreeSet::new();
        for code in &service.allow {
            let name = code.value.as_str();
            match Code::from_name(name) {
                None => diagnostics.push(
                    diagnostic::Diagnostic::warning(
                        Code::AllowRefused,
                        format!("`x-podlift.allow` names `{name}`, a code podlift does not have: it allows nothing"),
                    )
                    .at(code.span)
                    .help("name a code from `podlift explain`, or remove it"),
                ),
                Some(known) if known.is_security() => diagnostics.push(
                    diagnostic::Diagnostic::warning(
                        Code::AllowRefused,
                        format!("`x-podlift.allow` cannot accept `{name}`: a compose file does not accept its own security findings"),
                    )
                    .at(code.span)
                    .help(format!("if your team accepts it, say so on the command line: `--allow {name}`")),
                ),
                Some(known) => {
                    codes.insert(known);
                }
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
    let host_inputs = document
        .as_ref()
        .map(|document| document.host_files.named().paths())
        .unwrap_or_default();
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
        host_inputs,
    }
}

/// Runs every stage but writing: [`planned`], then [`render::render`] for
/// what Kubernetes would refuse to store and the Pod Security level the Pods
/// need, measured on the objects as they will be written. The diagnostics
/// come sorted. [`check`] and [`plan`] are this; [`convert`] renders the
/// same way and writes what it measured.
#[must_use]
pub fn pipeline(options: &Options) -> Pipeline {
    let mut pipeline = planned(options);
    if let Some(plan) = pipeline.plan.as_ref() {
        let rendered = render::render(plan, &options.render, &mut pipeline.diagnostics);
        pipeline.pod_security = Some(rendered.into_pod_security());
    }
    pipeline.finish();
    pipeline
}

/// `podlift check`: every finding, the Pods and their Pod Security level.
#[must_use]
pub fn check(options: &Options) -> Pipeline {
    pipeline(options)
}

/// `podlift plan`: what goes where (and every finding).
#[must_use]
pub fn plan(options: &Options) -> Pipeline {
    pipeline(options)
}

/// Where `podlift convert` writes: `-o`, `--format`, `--force`, and what
/// a relative or `~` path starts from.
#[derive(Clone, Copy, Debug)]
pub struct Destination<'a> {
    /// `-o`: `-` (standard output), a file or a directory.
    pub output: &'a str,
    /// `--format`, when given.
    pub format: Option<emit::Format>,
    /// `--force`: replace a non-empty directory.
    pub force: bool,
    /// The working directory.
    pub working_dir: &'a std::path::Path,
    /// `HOME`, for `~`.
    pub home: Option<&'a std::path::Path>,
}

/// How `podlift convert` ended.
#[derive(Debug)]
pub enum Converted {
    /// The destination was refused (a usage error), before any work or, for
    /// a file found while loading that it would replace, after loading; the
    /// conversion's findings are not shown.
    DestinationRefused(String),
    /// The input has errors (or, strict, warnings): nothing was written.
    NotWritten(Pipeline),
    /// Written, or writing failed.
    Emitted(Pipeline, Result<(), emit::EmitError>),
}

/// `podlift convert`: settles where to write before any work, runs every
/// stage, renders once with `options.render` (what is measured, object sizes
/// and Pod Security, is what is written) and, when the input has no error (no
/// warning not allowed when `strict`), writes to `out` or the destination.
pub fn convert(
    options: &Options,
    destination: &Destination<'_>,
    strict: bool,
    out: &mut dyn std::io::Write,
) -> Converted {
    // The input files known before loading; none found is the load stage's
    // error to report, after this check.
    let mut inputs =
        load::resolve_files(&options.load, &mut Diagnostics::default()).unwrap_or_default();
    inputs.extend(options.load.env_files.iter().cloned());
    let request = emit::target::Request {
        output: destination.output,
        format: destination.format,
        force: destination.force,
        working_dir: destination.working_dir,
        home: destination.home,
        inputs: &inputs,
    };
    let (target, format) = match emit::target::resolve(&request) {
        Ok(resolved) => resolved,
        Err(refusal) => return Converted::DestinationRefused(refusal.to_string()),
    };
    let mut pipeline = planned(options);
    // Files found while loading (`include`, `extends`, `.env`) are inputs too.
    // So are the host files carried into the manifests (configs, binds).
    let read = pipeline
        .sources
        .paths()
        .chain(pipeline.host_inputs.iter().map(std::path::PathBuf::as_path));
    if let Err(refusal) = emit::target::check_inputs(&target, destination.working_dir, read) {
        return Converted::DestinationRefused(refusal.to_string());
    }
    let Some(plan) = pipeline.plan.as_ref() else {
        pipeline.finish();
        return Converted::NotWritten(pipeline);
    };
    if pipeline.diagnostics.has_errors() {
        // Refused whatever rendering finds: rendered for its findings alone.
        let rendered = render::render(plan, &options.render, &mut pipeline.diagnostics);
        pipeline.pod_security = Some(rendered.into_pod_security());
        pipeline.finish();
        return Converted::NotWritten(pipeline);
    }
    let emit_options = emit::EmitOptions {
        format,
        output: target,
        force: destination.force,
        project: project_name(plan),
    };
    // Each object is rendered once, measured and written as it comes;
    // nothing reaches the destination before every object was measured and
    // the findings allow it.
    let mut rendered = render::rendering(plan, &options.render, &pipeline.diagnostics);
    let (diagnostics, allow, sources) = (
        &mut pipeline.diagnostics,
        &pipeline.allow,
        &pipeline.sources,
    );
    let mut settled = false;
    let written = emit::emit(&mut rendered, &emit_options, out, |rendered| {
        rendered.finish(diagnostics);
        // As `Pipeline::finish`, field by field: `rendered` borrows the plan.
        diagnostics.sort();
        diagnostics.allow(allow, sources);
        settled = true;
        !(diagnostics.command_line_wrong() || diagnostics.fail(strict))
    });
    if !settled {
        // Writing stopped before every object was rendered.
        rendered.finish(diagnostics);
        diagnostics.sort();
        diagnostics.allow(allow, sources);
    }
    pipeline.pod_security = Some(rendered.into_pod_security());
    match written {
        Ok(true) => Converted::Emitted(pipeline, Ok(())),
        Ok(false) => Converted::NotWritten(pipeline),
        Err(error) => Converted::Emitted(pipeline, Err(error)),
    }
}

/// What `podlift config` asks besides the stages' options.
#[derive(Clone, Copy, Debug, Default)]
pub struct ConfigRequest {
    /// `--images`: every image the output pulls instead of the project.
    pub images: bool,
}

/// What `podlift config` found: the project in compose's canonical form
/// (`None` when nothing could be loaded), the images with `--images`, and
/// the findings compose would refuse the file for.
#[derive(Debug, Default)]
pub struct Configured {
    /// The files read.
    pub sources: Sources,
    /// The findings, sorted, the accepted ones marked allowed.
    pub diagnostics: Diagnostics,
    /// The project in canonical form.
    pub canonical: Option<serde_json::Value>,
    /// `--images`: every image the output pulls, sorted, each once.
    pub images: Option<Vec<String>>,
}

/// `podlift config`: loads and reads the project and gives it in canonical
/// form. Its findings are what makes compose refuse the file: the model's
/// errors but those only a cluster refuses (class
/// [`diagnostic::Class::Cluster`]), a key compose does not know (an error
/// here), and the plan's reference checks ([`plan::check_references`]); the
/// plan's checks about Pods do not run.
#[must_use]
pub fn config(options: &Options, request: ConfigRequest) -> Configured {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let document = load::load(&options.load, &mut sources, &mut diagnostics);
    let mut allow = diagnostic::Allow::default();
    let mut images = None;
    let canonical = document.map(|document| {
        let names = name_sources(&document, options.project_name.as_deref(), &options.load);
        let context = config::ConfigContext {
            name: model::project_name_of(&names, &document.root),
            variables: project_environment(&document, &options.load),
            interpolated: options.load.interpolate,
        };
        let mut canonical = config::canonical(&document, &context);
        let mut modeled = Diagnostics::default();
        let project = model::model(document, &names, &context.variables, &mut modeled);
        config::complete(&mut canonical, &project, context.interpolated);
        allow = allowances(&project, &options.allow, &mut modeled);
        for diagnostic in modeled.items() {
            // What compose accepts but a cluster would refuse is `convert`'s
            // concern, not a reason to refuse printing the project.
            if !(diagnostic.severity == diagnostic::Severity::Error
                && diagnostic.class() == Some(diagnostic::Class::Cluster))
            {
                diagnostics.push(diagnostic.clone());
            }
        }
        // The plan stage checks references (`depends_on` targets and cycles,
        // undeclared volumes and networks) that make compose refuse a file
        // too; the rest of what it finds is about the Pods.
        plan::check_references(&project, &mut diagnostics);
        // `--images`: what the output pulls, found as `convert` finds it;
        // the plan's findings about Pods are `convert`'s to report.
        if request.images {
            let planned = plan::plan(&project, &options.plan, &mut Diagnostics::default());
            images = Some(self::images(&planned, &options.render));
        }
        canonical
    });
    diagnostics.sort();
    diagnostics.allow(&allow, &sources);
    Configured {
        sources,
        diagnostics,
        canonical,
        images,
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
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
            .into(),
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
    render::images(plan, options)
}
