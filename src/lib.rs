//! podlift moves a Docker Compose application onto Kubernetes without changing
//! an image: every service becomes a container of one Pod, and an init
//! container puts the compose file's preset addresses on the Pod's loopback.
//!
//! Pipeline: [`load`] → [`model`] → [`plan`] → [`render`] → [`emit`]; every
//! problem is a [`diagnostic::Diagnostic`], rendered in one place.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod cli;
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
use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;

use cli::{Cli, Command, InputArgs};
use diagnostic::{Diagnostics, RenderOptions, Severity};
use source::Sources;

/// Exit status: success.
pub const EXIT_OK: u8 = 0;
/// Exit status: the input has errors (or warnings under `--strict`).
pub const EXIT_INPUT: u8 = 1;
/// Exit status: the command line is wrong.
pub const EXIT_USAGE: u8 = 2;

/// Errors that come from putting services into Pods, not from reading the
/// compose file: `config` prints the project despite them.
const CONVERSION_ERRORS: &[&str] = &[
    "port-conflict",
    "address-duplicate",
    "address-reserved",
    "address-cluster-range",
    "address-outside-subnet",
    "replicas",
    "replicas-stateful",
    "network-mode-host",
    "network-mode-none",
    "docker-socket",
    "no-services",
    "image-invalid",
    "quantity-invalid",
    "volume-target-relative",
    "cpus-invalid",
];

/// What the process sees of its surroundings.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The working directory.
    pub working_dir: PathBuf,
    /// `COMPOSE_FILE`.
    pub compose_file: Option<String>,
    /// `COMPOSE_PROJECT_NAME`.
    pub compose_project_name: Option<String>,
    /// `COMPOSE_PROFILES`, comma-separated.
    pub compose_profiles: Option<String>,
    /// The whole process environment (for interpolation).
    pub variables: BTreeMap<String, String>,
    /// Whether stderr is a colour terminal.
    pub color: bool,
    /// Standard input, when a command line names `-f -` (read before the run).
    pub stdin: Option<String>,
}

impl Environment {
    /// Reads standard input (at most [`load::MAX_FILE_BYTES`]) when `args`
    /// name `-f -` or `--file -`, for the load stage.
    #[must_use]
    pub fn with_stdin_for(mut self, args: &[OsString]) -> Self {
        use std::io::Read as _;
        let named = args.windows(2).any(|pair| {
            matches!(pair, [flag, value] if (flag == "-f" || flag == "--file") && value == "-")
        }) || args.iter().any(|a| a == "--file=-" || a == "-f-");
        if named {
            // One byte past the limit tells a file over it from one at it;
            // the load stage then reports that it cannot read standard input.
            let mut text = String::new();
            let limit = load::MAX_FILE_BYTES;
            let read = std::io::stdin().take(limit + 1).read_to_string(&mut text);
            if read.is_ok_and(|n| n as u64 <= limit) {
                self.stdin = Some(text);
            }
        }
        self
    }

    /// Reads the process environment.
    #[must_use]
    pub fn from_process() -> Self {
        use std::io::IsTerminal as _;
        Self {
            working_dir: std::env::current_dir().unwrap_or_default(),
            compose_file: std::env::var("COMPOSE_FILE").ok(),
            compose_project_name: std::env::var("COMPOSE_PROJECT_NAME").ok(),
            compose_profiles: std::env::var("COMPOSE_PROFILES").ok(),
            variables: std::env::vars().collect(),
            color: std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
            stdin: None,
        }
    }
}

/// What the process prints and how it exits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Manifests only.
    pub stdout: String,
    /// Diagnostics.
    pub stderr: String,
    /// Exit status.
    pub code: u8,
}

/// Runs podlift with command-line `args` (the first is the program name).
pub fn run<I, T>(args: I, env: &Environment) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let mut streamed = Vec::new();
    let mut outcome = run_to(args, env, &mut streamed);
    if !streamed.is_empty() {
        outcome
            .stdout
            .insert_str(0, &String::from_utf8_lossy(&streamed));
    }
    outcome
}

/// Runs podlift like [`run`], writing converted manifests to `stdout` as
/// they are serialised; the returned `stdout` holds only what is left to print.
pub fn run_to<I, T>(args: I, env: &Environment, stdout: &mut dyn std::io::Write) -> Outcome
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() {
                EXIT_USAGE
            } else {
                EXIT_OK
            };
            let text = error.render().to_string();
            return if error.use_stderr() {
                Outcome {
                    stdout: String::new(),
                    stderr: text,
                    code,
                }
            } else {
                Outcome {
                    stdout: text,
                    stderr: String::new(),
                    code,
                }
            };
        }
    };
    let shown = cli.render_options(env.color);
    match cli.command {
        Command::Convert(args) => convert(&args, env, shown, stdout),
        Command::Check(args) => check(&args, env, shown),
        Command::Plan(args) => plan_command(&args, env, shown),
        Command::Explain(args) => explain_command(args.code.as_deref()),
        Command::Completions(args) => completions(args.shell),
        Command::Man(args) => man_page(args.command.as_deref()),
        Command::Config(args) => config_command(&args, env, shown),
    }
}

fn completions(shell: clap_complete::Shell) -> Outcome {
    Outcome {
        stdout: cli::completion_script(shell),
        stderr: String::new(),
        code: EXIT_OK,
    }
}

fn man_page(command: Option<&str>) -> Outcome {
    match cli::man_page(command) {
        Some(Ok(roff)) => Outcome {
            stdout: roff,
            stderr: String::new(),
            code: EXIT_OK,
        },
        Some(Err(error)) => Outcome {
            stdout: String::new(),
            stderr: format!("error: cannot render the man page: {error}\n"),
            code: EXIT_INPUT,
        },
        None => Outcome {
            stdout: String::new(),
            stderr: format!(
                "error: `{}` is not a podlift command\n  help: `podlift --help` lists them\n",
                command.unwrap_or_default()
            ),
            code: EXIT_USAGE,
        },
    }
}

fn explain_command(code: Option<&str>) -> Outcome {
    let Some(code) = code else {
        return Outcome {
            stdout: explain::list(),
            stderr: String::new(),
            code: EXIT_OK,
        };
    };
    // Also as pasted from a diagnostic: `warning[address-common-range]`.
    let code = code
        .trim()
        .split_once('[')
        .and_then(|(_, rest)| rest.strip_suffix(']'))
        .unwrap_or(code.trim())
        .to_ascii_lowercase();
    match explain::find(&code) {
        Some(found) => Outcome {
            stdout: explain::text(found),
            stderr: String::new(),
            code: EXIT_OK,
        },
        None => {
            let hint = explain::closest(&code)
                .map(|near| format!("did you mean `{near}`? "))
                .unwrap_or_default();
            Outcome {
                stdout: String::new(),
                stderr: format!(
                    "error: unknown diagnostic code `{code}`\n  help: {hint}`podlift explain` lists every code\n"
                ),
                code: EXIT_USAGE,
            }
        }
    }
}

/// The stages up to the plan, shared by every subcommand.
struct Pipeline {
    sources: Sources,
    diagnostics: Diagnostics,
    /// One plan per Pod: one in the pod strategy, one per group when split.
    plans: Option<Vec<plan::PodPlan>>,
    /// The strictest Pod Security level the rendered Pods satisfy (when
    /// they can be rendered: no errors).
    pod_security: Option<render::pod_security::Assessment>,
}

/// The load stage's options from the command line and the environment.
fn load_options(input: &InputArgs, env: &Environment) -> load::LoadOptions {
    load::LoadOptions {
        files: input.files.clone(),
        compose_file_env: env.compose_file.clone(),
        working_dir: env.working_dir.clone(),
        // `--env-file`, else `COMPOSE_ENV_FILES` (comma-separated), as compose
        env_files: if input.env_files.is_empty() {
            env.variables
                .get("COMPOSE_ENV_FILES")
                .map(|files| {
                    files
                        .split(',')
                        .map(str::trim)
                        .filter(|f| !f.is_empty())
                        .map(PathBuf::from)
                        .collect()
                })
                .unwrap_or_default()
        } else {
            input.env_files.clone()
        },
        // `--profile` replaces `COMPOSE_PROFILES`, as in docker compose v2
        profiles: if input.profiles.is_empty() {
            env.compose_profiles
                .iter()
                .flat_map(|p| {
                    p.split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(String::from)
                })
                .collect()
        } else {
            input.profiles.clone()
        },
        interpolate: !input.no_interpolate,
        environment: env.variables.clone(),
        stdin: env.stdin.clone(),
        path_separator: env.variables.get("COMPOSE_PATH_SEPARATOR").cloned(),
    }
}

/// The variables a service's `environment: [NAME]` reads: the process
/// environment, then the env files (compose's project environment).
fn project_environment(env: &Environment, document: &load::Document) -> BTreeMap<String, String> {
    let mut variables = document.env_file_variables.clone();
    variables.extend(env.variables.iter().map(|(k, v)| (k.clone(), v.clone())));
    variables
}

/// Where the project name comes from besides the file.
fn name_sources(
    input: &InputArgs,
    env: &Environment,
    document: &load::Document,
) -> model::NameSources {
    model::NameSources {
        flag: input.project_name.clone(),
        environment: env.compose_project_name.clone().or_else(|| {
            document
                .env_file_variables
                .get("COMPOSE_PROJECT_NAME")
                .cloned()
        }),
        directory: std::fs::canonicalize(&document.project_dir)
            .unwrap_or_else(|_| document.project_dir.clone())
            .file_name()
            .map(|n| n.to_string_lossy().into_owned()),
    }
}

/// The plan stage's options from the command line.
fn plan_options(input: &InputArgs) -> plan::PlanOptions {
    plan::PlanOptions {
        extra_addresses: input.extra_ips.clone(),
        init_image: input.init_image.clone(),
        privileged_init: input.privileged_init,
        native_sidecars: input.kube_version
            >= cli::KubeVersion {
                major: 1,
                minor: 29,
            },
        service_type: input
            .service_type
            .as_deref()
            .and_then(plan::ServiceType::from_k8s),
        pod_cidrs: input.pod_cidrs.clone(),
        service_cidrs: input.service_cidrs.clone(),
        allow_shared_ports: input.allow_shared_ports.clone(),
        inbound_dnat: input.inbound_dnat,
        controller: match input.controller {
            cli::ControllerKind::Deployment => plan::Controller::Deployment,
            cli::ControllerKind::Statefulset => plan::Controller::StatefulSet,
            cli::ControllerKind::Pod => plan::Controller::Pod,
        },
        strategy: match input.strategy {
            cli::Strategy::Pod => plan::Strategy::Pod,
            cli::Strategy::Split => plan::Strategy::Split,
            cli::Strategy::Auto => plan::Strategy::Auto,
        },
        storage: plan::storage::StorageOptions {
            claim_size: input.volume_size.clone(),
            storage_class: input.storage_class.clone(),
            bind_as: match input.bind_as {
                cli::BindAs::Hostpath => plan::BindAs::HostPath,
                cli::BindAs::Pvc => plan::BindAs::Claim,
            },
        },
        health_probe: match input.health_probe {
            cli::HealthProbe::Readiness => plan::HealthProbe::Readiness,
            cli::HealthProbe::Liveness => plan::HealthProbe::Liveness,
        },
    }
}

fn pipeline(input: &InputArgs, env: &Environment) -> Pipeline {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let options = load_options(input, env);
    let document = load::load(&options, &mut sources, &mut diagnostics);
    let plans = document.map(|document| {
        let names = name_sources(input, env, &document);
        // The model consumes the tree: a large one is tens of MB.
        let variables = project_environment(env, &document);
        let project = model::model(document, &names, &variables, &mut diagnostics);
        let options = plan_options(input);
        plan::plan(&project, &options, &mut diagnostics).pods
    });
    // What Kubernetes would refuse to store, for every command, and the Pod
    // Security level the Pods need: measured on the objects as they will be
    // rendered.
    let mut pod_security = None;
    if let Some(plans) = plans.as_ref() {
        let render_options = render_options(input, None, false);
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

fn failed(diagnostics: &Diagnostics, strict: bool) -> bool {
    diagnostics.has_errors() || (strict && diagnostics.count(Severity::Warning) > 0)
}

fn rendered(pipeline: &Pipeline, options: RenderOptions) -> String {
    diagnostic::render_with(&pipeline.diagnostics, &pipeline.sources, options)
}

/// A usage error: only its message, exit 2.
fn usage(message: &str) -> Outcome {
    Outcome {
        stdout: String::new(),
        stderr: format!("error: {message}\n"),
        code: EXIT_USAGE,
    }
}

/// The input files the command line names, known before loading.
fn named_inputs(input: &InputArgs, env: &Environment) -> Vec<PathBuf> {
    let mut inputs: Vec<PathBuf> = input.files.clone();
    if inputs.is_empty()
        && let Some(list) = &env.compose_file
    {
        inputs.extend(list.split(':').filter(|p| !p.is_empty()).map(PathBuf::from));
    }
    if inputs.is_empty() {
        // The files podlift looks for in the working directory.
        inputs.extend(
            load::DEFAULT_FILES
                .iter()
                .map(|name| env.working_dir.join(name)),
        );
    }
    inputs.extend(input.env_files.iter().cloned());
    inputs
}

fn convert(
    args: &cli::ConvertArgs,
    env: &Environment,
    shown: RenderOptions,
    stdout: &mut dyn std::io::Write,
) -> Outcome {
    // Where to write is settled before any work: a refused target costs
    // nothing and prints no diagnostics of the conversion.
    let inputs = named_inputs(&args.input, env);
    let request = emit::target::Request {
        output: &args.output,
        format: args.format,
        force: args.force,
        working_dir: &env.working_dir,
        home: env.variables.get("HOME").map(std::path::Path::new),
        inputs: &inputs,
    };
    let (target, format) = match emit::target::resolve(&request) {
        Ok(resolved) => resolved,
        Err(message) => return usage(&message),
    };
    let pipeline = pipeline(&args.input, env);
    // Files found while loading (`include`, `extends`, `.env`) are inputs too.
    if let Err(message) =
        emit::target::check_inputs(&target, &env.working_dir, pipeline.sources.paths())
    {
        return usage(&message);
    }
    let stderr = rendered(&pipeline, shown);
    let plans = match &pipeline.plans {
        Some(plans) if !failed(&pipeline.diagnostics, args.input.strict) => plans,
        _ => {
            return Outcome {
                stdout: String::new(),
                stderr,
                code: EXIT_INPUT,
            };
        }
    };
    let mut render_options =
        render_options(&args.input, args.namespace.clone(), args.create_namespace);
    render_options.pod_security = pipeline
        .pod_security
        .as_ref()
        .map(render::pod_security::Assessment::level)
        .unwrap_or_default();
    let output = match target {
        emit::target::Target::Stdout => emit::Output::Stdout,
        emit::target::Target::File(path) => emit::Output::File(path),
        emit::target::Target::Directory(path) => emit::Output::Directory(path),
    };
    let options = emit::EmitOptions {
        format,
        output,
        force: args.force,
        project: plans.first().map(names_of_project).unwrap_or_default(),
        kube_version: (args.input.kube_version.major, args.input.kube_version.minor),
    };
    match emit::emit(plans, &render_options, &options, stdout) {
        Ok(()) => Outcome {
            stdout: String::new(),
            stderr,
            code: EXIT_OK,
        },
        Err(error) => Outcome {
            stdout: String::new(),
            stderr: format!("{stderr}error: {}\n", error.message),
            code: if error.usage { EXIT_USAGE } else { EXIT_INPUT },
        },
    }
}

fn render_options(
    input: &InputArgs,
    namespace: Option<String>,
    create_namespace: bool,
) -> render::RenderOptions {
    render::RenderOptions {
        controller: match input.controller {
            cli::ControllerKind::Deployment => render::Controller::Deployment,
            cli::ControllerKind::Statefulset => render::Controller::StatefulSet,
            cli::ControllerKind::Pod => render::Controller::Pod,
        },
        namespace,
        create_namespace,
        pod_security: render::pod_security::Level::default(),
    }
}

fn check(args: &cli::CheckArgs, env: &Environment, shown: RenderOptions) -> Outcome {
    let pipeline = pipeline(&args.input, env);
    let code = if pipeline.plans.is_none() || failed(&pipeline.diagnostics, args.input.strict) {
        EXIT_INPUT
    } else {
        EXIT_OK
    };
    match args.format {
        cli::CheckFormat::Json => Outcome {
            stdout: report::diagnostics_json(
                &pipeline.diagnostics,
                &pipeline.sources,
                pipeline.pod_security.as_ref(),
            ),
            stderr: String::new(),
            code,
        },
        cli::CheckFormat::Text => Outcome {
            stdout: report::check_summary(
                pipeline.plans.as_deref().unwrap_or_default(),
                pipeline.pod_security.as_ref(),
                &pipeline.diagnostics,
            ),
            stderr: rendered(&pipeline, shown),
            code,
        },
    }
}

/// `plan` prints the plan whenever there is one, errors or not: a user sees
/// what goes where before fixing them. Rows of services with errors are
/// marked, the errors listed below, and the exit status still says failure.
fn plan_command(args: &cli::PlanArgs, env: &Environment, shown: RenderOptions) -> Outcome {
    let pipeline = pipeline(&args.input, env);
    let stderr = rendered(&pipeline, shown);
    let code = if pipeline.plans.is_none() || failed(&pipeline.diagnostics, args.input.strict) {
        EXIT_INPUT
    } else {
        EXIT_OK
    };
    let Some(plans) = &pipeline.plans else {
        return Outcome {
            stdout: String::new(),
            stderr,
            code,
        };
    };
    let marks = report::errors_by_service(&pipeline.diagnostics, &pipeline.sources);
    let mut stdout = plans
        .iter()
        .map(|plan| match args.format {
            cli::PlanFormat::Table => report::plan_table_marked(plan, &marks),
            cli::PlanFormat::Mermaid => report::plan_mermaid(plan),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let prefix = match args.format {
        cli::PlanFormat::Table => "",
        cli::PlanFormat::Mermaid => "%% ",
    };
    stdout.push_str(&report::plan_footer(
        &pipeline.diagnostics,
        &pipeline.sources,
        prefix,
    ));
    Outcome {
        stdout,
        stderr,
        code,
    }
}

/// `podlift config`: load and read the project, print it in canonical form.
/// Exits 1, printing nothing, where `convert` would refuse the input for a
/// loading error; the checks of the plan stage do not run.
fn config_command(args: &cli::ConfigArgs, env: &Environment, shown: RenderOptions) -> Outcome {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let options = load_options(&args.input, env);
    let document = load::load(&options, &mut sources, &mut diagnostics);
    let canonical = document.map(|document| {
        let names = name_sources(&args.input, env, &document);
        let context = config::ConfigContext {
            name: model::project_name_of(&names, &document.root),
            variables: project_environment(env, &document),
            interpolated: !args.input.no_interpolate,
        };
        let canonical = config::canonical(&document, &context);
        let mut modeled = Diagnostics::default();
        let project = model::model(document, &names, &context.variables, &mut modeled);
        for diagnostic in modeled.items() {
            // Compose's schema refuses a key it does not know (at the top
            // level, a compose v1 file's services): `convert` reports it and
            // goes on, `config` refuses the file as compose does.
            if diagnostic.code == "key-unknown" {
                let mut refused = diagnostic.clone();
                refused.severity = Severity::Error;
                diagnostics.push(refused);
                continue;
            }
            // What compose accepts but a cluster would refuse is `convert`'s
            // concern, not a reason to refuse printing the project.
            if !(diagnostic.severity == Severity::Error
                && CONVERSION_ERRORS.contains(&diagnostic.code))
            {
                diagnostics.push(diagnostic.clone());
            }
        }
        // The plan stage checks references (`depends_on` targets and cycles,
        // undeclared volumes and networks) that make compose refuse a file
        // too; the rest of what it finds is about the Pods.
        plan::check_references(&project, &mut diagnostics);
        canonical
    });
    diagnostics.sort();
    let pipeline = Pipeline {
        sources,
        diagnostics,
        plans: None,
        pod_security: None,
    };
    let stderr = rendered(&pipeline, shown);
    let text = match canonical {
        Some(value) if !failed(&pipeline.diagnostics, args.input.strict) => {
            config::to_text(&value, args.format == cli::ConfigFormat::Json)
        }
        _ => Err(String::new()),
    };
    match text {
        Ok(stdout) => Outcome {
            stdout,
            stderr,
            code: EXIT_OK,
        },
        Err(error) => Outcome {
            stdout: String::new(),
            stderr: if error.is_empty() {
                stderr
            } else {
                format!("{stderr}error: {error}\n")
            },
            code: EXIT_INPUT,
        },
    }
}

/// The chart and kustomization name: the project's Kubernetes name.
fn names_of_project(plan: &plan::PodPlan) -> String {
    plan::names::dns_label(&plan.project, "podlift")
}
