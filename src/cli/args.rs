//! The command line as clap reads it: commands, flags and their values.
//! [`super::options`] translates them into the stages' typed options.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use podlift::model::ClaimSize;
use podlift::plan::KubeVersion;
use podlift::{emit, plan};

use super::choices;

/// Move a Docker Compose application onto Kubernetes without changing an image.
#[derive(Debug, Parser)]
#[command(
    name = "podlift",
    version,
    about,
    long_about = None,
    after_help = EXAMPLES
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print errors only.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Diagnostics"
    )]
    pub quiet: bool,
    /// Print every finding with its snippet, also when the same finding repeats.
    #[arg(short, long, global = true, help_heading = "Diagnostics")]
    pub verbose: bool,
    /// Colour diagnostics: `auto` (a terminal, and `NO_COLOR` unset), `always` or `never`.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorWhen::Auto,
        global = true,
        help_heading = "Diagnostics"
    )]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    /// When stderr is a terminal and `NO_COLOR` is not set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

const EXAMPLES: &str = "\
Examples:
  podlift convert -f compose.yaml | kubectl apply -f -
  podlift convert -n shop --create-namespace -o k8s/
  podlift check --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12
  podlift plan
  podlift explain address-common-range

Without -f, podlift reads compose.yaml, compose.yml, docker-compose.yaml or
docker-compose.yml (and its .override file) in the working directory, or the
files COMPOSE_FILE names. Exit status: 0 success, 1 the input has errors (or
warnings under --strict), 2 usage error.";

const CONVERT_EXAMPLES: &str = "\
Examples:
  podlift convert | kubectl apply -f -                  # compose.yaml here, to the cluster
  podlift convert -f a.yaml -f b.yaml -o k8s/           # two files merged, one file per object
  podlift convert --format kustomize -o base/           # a Kustomize base
  podlift convert --strategy split --kube-version 1.28  # a Deployment per service
  podlift convert --exclude agent                       # every service but `agent`
  podlift convert web worker                            # these two and what they need";

const CHECK_EXAMPLES: &str = "\
Examples:
  podlift check                                          # what breaks in one Pod
  podlift check --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12
  podlift check --format json | jq '.summary'            # for CI (docs/check-json.md)
  podlift check --strict -q                              # fail on warnings, print only what failed
  podlift check --strict --allow bind-host-path          # a warning the team accepted";

const PLAN_EXAMPLES: &str = "\
Examples:
  podlift plan                         # containers, addresses, names, ports, start order
  podlift plan --format mermaid        # a diagram for a README";

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert compose files into Kubernetes manifests (a YAML stream on stdout).
    #[command(after_help = CONVERT_EXAMPLES)]
    Convert(ConvertArgs),
    /// Check compose files and report what would break in one Pod; writes nothing.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Show what goes where: containers, roles, addresses, names, ports, start order.
    #[command(after_help = PLAN_EXAMPLES)]
    Plan(PlanArgs),
    /// Explain a diagnostic code: what it means, why it matters, what to do.
    Explain(ExplainArgs),
    /// Print a shell completion script (e.g. `podlift completions bash > /etc/bash_completion.d/podlift`).
    Completions(CompletionsArgs),
    /// Print the man page (roff), e.g. `podlift man > ~/.local/share/man/man1/podlift.1`.
    Man(ManArgs),
    /// Print the compose project as podlift resolved it, as `docker compose config` does.
    Config(ConfigArgs),
}

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `man` options.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand's page (`podlift-convert(1)`) instead of the main one.
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// `explain` options.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The code, e.g. `address-common-range`; without it, every code is listed.
    #[arg(value_name = "CODE")]
    pub code: Option<String>,
}

/// `config` options.
#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// `yaml` for people, `json` for tools.
    #[arg(long, value_enum, default_value_t = ConfigFormat::Yaml)]
    pub format: ConfigFormat,
    /// Print every image the output pulls, one per line, sorted: the services' and podlift's init images (as the strategy flags choose them).
    #[arg(long, conflicts_with = "format")]
    pub images: bool,
}

/// `config` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigFormat {
    /// YAML.
    Yaml,
    /// JSON.
    Json,
}

/// `check` options.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// `text` for people, `json` (diagnostics on stdout) for CI systems.
    #[arg(help_heading = "Output", long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

/// `check` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFormat {
    /// Diagnostics on stderr, a summary on stdout.
    Text,
    /// Diagnostics as a JSON array on stdout.
    Json,
}

/// `plan` options.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// `table` for people, `mermaid` for a diagram a README can embed.
    #[arg(help_heading = "Output", long, value_enum, default_value_t = PlanFormat::Table)]
    pub format: PlanFormat,
}

/// `plan` output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    /// Aligned text tables.
    Table,
    /// A Mermaid flowchart.
    Mermaid,
}

/// Inputs shared by every subcommand.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Compose file (repeatable; default: `compose.yaml` and the like here, or `COMPOSE_FILE`)
    ///
    /// Compose file (repeatable; later files override earlier ones). Without it, podlift reads
    /// `compose.yaml`, `compose.yml`, `docker-compose.yaml` or `docker-compose.yml` (and its
    /// `.override` file) in the working directory, or the files `COMPOSE_FILE` names.
    #[arg(
        help_heading = "Input",
        short = 'f',
        long = "file",
        value_name = "FILE"
    )]
    pub files: Vec<PathBuf>,
    /// Environment file for interpolation (repeatable; default `.env` beside the first file).
    #[arg(help_heading = "Input", long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Read host files under DIR although it lies outside the project (repeatable).
    ///
    /// Read host files under DIR although it lies outside the project directory (repeatable).
    /// Without it, podlift copies no file from outside the project into the manifests: a
    /// `configs`/`secrets` `file:`, an `env_file`, a `label_file`, an `include` or `extends`
    /// file that resolves (through links) outside it is an error.
    #[arg(help_heading = "Input", long = "allow-outside", value_name = "DIR")]
    pub allow_outside: Vec<PathBuf>,
    /// Activate a profile (repeatable; also `COMPOSE_PROFILES`).
    #[arg(help_heading = "Input", long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Do not interpolate `${VARIABLES}`.
    #[arg(help_heading = "Input", long)]
    pub no_interpolate: bool,
    /// Project name (default: `COMPOSE_PROJECT_NAME`, then `name:` in the file, then the directory).
    #[arg(
        help_heading = "Input",
        short = 'p',
        long = "project-name",
        value_name = "NAME"
    )]
    pub project_name: Option<String>,
    /// An address the images use that the compose file does not declare (repeatable).
    #[arg(help_heading = "Strategy", long = "extra-ip", value_name = "IP")]
    pub extra_ips: Vec<IpAddr>,
    /// Image of the init container that puts the addresses on loopback.
    #[arg(help_heading = "Strategy", long, value_name = "IMAGE")]
    pub init_image: Option<String>,
    /// Run the init container privileged instead of with `NET_ADMIN` only.
    #[arg(help_heading = "Strategy", long)]
    pub privileged_init: bool,
    /// Kubernetes version to target (`MAJOR.MINOR`); from 1.29 on, start order uses native sidecars.
    #[arg(help_heading = "Cluster", long, value_name = "X.Y", default_value = "1.33", value_parser = parse_kube_version)]
    pub kube_version: KubeVersion,
    /// Type of the Services made for published ports (`ClusterIP`, `NodePort`, `LoadBalancer`).
    #[arg(help_heading = "Cluster", long, value_name = "TYPE", value_parser = choices::SERVICE_TYPE)]
    pub service_type: Option<plan::ServiceType>,
    /// The cluster's Pod range (repeatable): preset addresses inside it are errors.
    #[arg(help_heading = "Cluster", long = "pod-cidr", value_name = "CIDR")]
    pub pod_cidrs: Vec<ipnet::IpNet>,
    /// The cluster's Service range (repeatable): preset addresses inside it are errors.
    #[arg(help_heading = "Cluster", long = "service-cidr", value_name = "CIDR")]
    pub service_cidrs: Vec<ipnet::IpNet>,
    /// Ports several containers may declare, because each binds its own preset address: `7777`, `8805/udp`, a list `7777,8805/udp` (repeatable; a port without a protocol allows every protocol).
    #[arg(
        help_heading = "Strategy",
        long = "allow-shared-port",
        value_name = "PORT[/PROTO]",
        value_delimiter = ',',
        value_parser = plan::SharedPort::parse
    )]
    pub allow_shared_ports: Vec<plan::SharedPort>,
    /// `auto`: one Pod where one can hold the application, else the fewest Pods that can; `pod`: every service in one Pod; `split`: a Deployment per service (or group sharing a namespace).
    #[arg(help_heading = "Strategy", long, value_parser = choices::STRATEGY, default_value = "auto")]
    pub strategy: plan::Strategy,
    /// Send traffic for published ports from the Pod's IP to the service's preset address (needs `iptables` in the init image).
    #[arg(help_heading = "Strategy", long)]
    pub inbound_dnat: bool,
    /// Size of the claim made for a named volume (default 1Gi; `x-podlift.size` on the volume wins).
    #[arg(help_heading = "Cluster", long, value_name = "QUANTITY", value_parser = parse_quantity)]
    pub volume_size: Option<ClaimSize>,
    /// Storage class of the claims (`x-podlift.storage-class` on the volume wins).
    #[arg(help_heading = "Cluster", long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// What a bind mount that cannot be a ConfigMap becomes: a `hostpath` or an empty `pvc`.
    #[arg(help_heading = "Strategy", long, value_parser = choices::BIND_AS, default_value = "hostpath")]
    pub bind_as: plan::BindAs,
    /// The node's directory that stands for the project directory: a relative bind mount too large (or too odd) for a ConfigMap becomes a hostPath under it (`./data` → `DIR/data`), never this machine's path.
    #[arg(help_heading = "Strategy", long, value_name = "DIR", value_parser = absolute_dir)]
    pub bind_root: Option<String>,
    /// What a compose health check becomes besides the start gate of `service_healthy` dependents: `none` (as compose: it never takes traffic away), `readiness` or `liveness` (`x-podlift.health-probe` on a service wins).
    #[arg(help_heading = "Strategy", long, value_parser = choices::HEALTH_PROBE, default_value = "none")]
    pub health_probe: plan::HealthProbe,
    /// The object that runs each Pod: `deployment`, `statefulset` or a bare `pod`.
    #[arg(help_heading = "Strategy", long, value_parser = choices::CONTROLLER, default_value = "deployment")]
    pub controller: plan::Controller,
    /// Treat warnings as errors (those that fail are printed, also with `-q`).
    #[arg(help_heading = "Diagnostics", long)]
    pub strict: bool,
    /// A warning code the team accepted: still listed, it does not fail
    /// `--strict` (repeatable; per service: `x-podlift: {allow: [CODE]}`).
    #[arg(help_heading = "Diagnostics", long, value_name = "CODE")]
    pub allow: Vec<String>,
    /// Convert only these services and what they need (`depends_on`, `links`, `volumes_from`, `network_mode: service:`), as `docker compose up SERVICE...`.
    #[arg(help_heading = "Input", value_name = "SERVICE")]
    pub services: Vec<String>,
    /// Leave a service out (repeatable); a kept service that needs it is an error.
    #[arg(help_heading = "Input", long = "exclude", value_name = "SERVICE")]
    pub exclude: Vec<String>,
    /// `--inspect-images` and where image facts come from.
    #[command(flatten)]
    pub images: ImageArgs,
}

/// Image inspection (issue 26): the flags, in one block.
#[derive(Debug, Args, Clone)]
pub struct ImageArgs {
    /// Read each image's HEALTHCHECK, EXPOSE, VOLUME and USER (and, where a volume needs it, its files) and carry them as Docker does.
    ///
    /// Read each image's HEALTHCHECK, EXPOSE, VOLUME and USER (and, where a volume needs it, its
    /// files) and carry them as Docker does. Sources in order: `--image-archive`, the digest cache
    /// (`$XDG_CACHE_HOME/podlift`), then registries (logins of `~/.docker/config.json`,
    /// `$DOCKER_CONFIG`, `REGISTRY_AUTH_FILE`). Without it, podlift makes no network access at all.
    #[arg(help_heading = "Images", long)]
    pub inspect_images: bool,
    /// A `docker save` tarball, an OCI layout directory or an OCI archive to read images from (repeatable).
    #[arg(
        help_heading = "Images",
        long = "image-archive",
        value_name = "PATH",
        requires = "inspect_images"
    )]
    pub image_archives: Vec<PathBuf>,
    /// Ask no registry: archives and the cache only.
    #[arg(help_heading = "Images", long, requires = "inspect_images")]
    pub offline: bool,
    /// A registry to reach over plain HTTP (repeatable; loopback registries always are).
    #[arg(
        help_heading = "Images",
        long = "insecure-registry",
        value_name = "HOST[:PORT]",
        requires = "inspect_images"
    )]
    pub insecure_registries: Vec<String>,
    /// The platform of multi-architecture images for services without `platform:` (default linux/amd64).
    #[arg(
        help_heading = "Images",
        long,
        value_name = "OS/ARCH[/VARIANT]",
        requires = "inspect_images",
        value_parser = parse_platform
    )]
    pub platform: Option<String>,
    /// Write every inspected image as `NAME@sha256:…`.
    #[arg(help_heading = "Images", long, requires = "inspect_images")]
    pub pin_digests: bool,
}

fn parse_platform(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split('/').collect();
    if (2..=3).contains(&parts.len()) && parts.iter().all(|p| !p.is_empty()) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a platform; write it like `linux/amd64` or `linux/arm64/v8`"
        ))
    }
}

/// `convert` options.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write: `-` for stdout, `NAME.yaml`/`.yml`/`.json` for one file, or a directory (one file per object).
    #[arg(
        help_heading = "Output",
        short = 'o',
        long = "output",
        value_name = "-|DIR|FILE",
        default_value = "-"
    )]
    pub output: String,
    /// Output format (default `yaml`; `json` for a `-o NAME.json` file).
    #[arg(help_heading = "Output", long, value_parser = choices::FORMAT)]
    pub format: Option<emit::Format>,
    /// Replace podlift's earlier output (never a file podlift did not write).
    #[arg(help_heading = "Output", long)]
    pub force: bool,
    /// Namespace for every object.
    #[arg(help_heading = "Output", short = 'n', long, value_name = "NAMESPACE", value_parser = parse_namespace)]
    pub namespace: Option<String>,
    /// Also emit the Namespace, labelled for the Pod Security level the init container needs.
    #[arg(help_heading = "Output", long, requires = "namespace")]
    pub create_namespace: bool,
}

fn parse_kube_version(text: &str) -> Result<KubeVersion, String> {
    KubeVersion::parse(text)
        .ok_or_else(|| format!("`{text}` is not a Kubernetes version; write it like `1.33`"))
}

/// `-n`: Kubernetes takes only an RFC 1123 label as a namespace.
fn parse_namespace(text: &str) -> Result<String, String> {
    match podlift::plan::label_problem(text) {
        None => Ok(text.to_string()),
        Some(problem) => Err(format!(
            "`{text}` is not a valid namespace: {problem}; a namespace is an RFC 1123 label: at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit (e.g. `shop-1`)"
        )),
    }
}

fn parse_quantity(text: &str) -> Result<ClaimSize, String> {
    ClaimSize::parse(text).ok_or_else(|| {
        format!(
            "`{text}` is not a Kubernetes quantity; write it like `1Gi` (binary) or `10G` (decimal)"
        )
    })
}

impl Command {
    /// The inputs of a command that reads compose files.
    pub const fn input(&self) -> Option<&InputArgs> {
        match self {
            Self::Convert(args) => Some(&args.input),
            Self::Check(args) => Some(&args.input),
            Self::Plan(args) => Some(&args.input),
            Self::Config(args) => Some(&args.input),
            Self::Explain(_) | Self::Completions(_) | Self::Man(_) => None,
        }
    }
}

/// `--bind-root`: an absolute directory on the nodes.
fn absolute_dir(text: &str) -> Result<String, String> {
    if text.starts_with('/') {
        Ok(text.trim_end_matches('/').to_string())
            .map(|t| if t.is_empty() { "/".to_string() } else { t })
    } else {
        Err(format!(
            "`{text}` is not an absolute path on the nodes (it starts with `/`)"
        ))
    }
}
