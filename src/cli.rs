//! Command line: clap types and their translation into stage options. Nothing else.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Move a Docker Compose application onto Kubernetes without changing an image.
#[derive(Debug, Parser)]
#[command(name = "podlift", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Convert compose files into Kubernetes manifests (a YAML stream on stdout).
    Convert(ConvertArgs),
    /// Check compose files and report what would break in one Pod; writes nothing.
    Check(CheckArgs),
    /// Show what goes where: containers, roles, addresses, names, ports, start order.
    Plan(PlanArgs),
    /// Print the compose project as podlift resolved it, as `docker compose config` does.
    Config(ConfigArgs),
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
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
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
    #[arg(long, value_enum, default_value_t = PlanFormat::Table)]
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
    /// Compose file (repeatable; later files override earlier ones).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Environment file for interpolation (repeatable; default `.env` beside the first file).
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Activate a profile (repeatable; also `COMPOSE_PROFILES`).
    #[arg(long = "profile", value_name = "PROFILE")]
    pub profiles: Vec<String>,
    /// Do not interpolate `${VARIABLES}`.
    #[arg(long)]
    pub no_interpolate: bool,
    /// Project name (default: `COMPOSE_PROJECT_NAME`, then `name:` in the file, then the directory).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// An address the images use that the compose file does not declare (repeatable).
    #[arg(long = "extra-ip", value_name = "IP")]
    pub extra_ips: Vec<IpAddr>,
    /// Image of the init container that puts the addresses on loopback.
    #[arg(long, value_name = "IMAGE")]
    pub init_image: Option<String>,
    /// Run the init container privileged instead of with `NET_ADMIN` only.
    #[arg(long)]
    pub privileged_init: bool,
    /// Kubernetes version to target (`MAJOR.MINOR`); from 1.29 on, start order uses native sidecars.
    #[arg(long, value_name = "X.Y", default_value = "1.33", value_parser = parse_kube_version)]
    pub kube_version: KubeVersion,
    /// Type of the Services made for published ports (`ClusterIP`, `NodePort`, `LoadBalancer`).
    #[arg(long, value_name = "TYPE", value_parser = ["ClusterIP", "NodePort", "LoadBalancer"])]
    pub service_type: Option<String>,
    /// The cluster's Pod range (repeatable): preset addresses inside it are errors.
    #[arg(long = "pod-cidr", value_name = "CIDR")]
    pub pod_cidrs: Vec<ipnet::IpNet>,
    /// The cluster's Service range (repeatable): preset addresses inside it are errors.
    #[arg(long = "service-cidr", value_name = "CIDR")]
    pub service_cidrs: Vec<ipnet::IpNet>,
    /// A port several containers may declare, because each binds its own preset address (repeatable).
    #[arg(long = "allow-shared-port", value_name = "PORT")]
    pub allow_shared_ports: Vec<u16>,
    /// `pod`: every service in one Pod; `split`: a Deployment per service (or group sharing a namespace).
    #[arg(long, value_enum, default_value_t = Strategy::Pod)]
    pub strategy: Strategy,
    /// Send traffic for published ports from the Pod's IP to the service's preset address (needs `iptables` in the init image).
    #[arg(long)]
    pub inbound_dnat: bool,
    /// Size of the claim made for a named volume (default 1Gi; `x-podlift.size` on the volume wins).
    #[arg(long, value_name = "QUANTITY")]
    pub volume_size: Option<String>,
    /// Storage class of the claims (`x-podlift.storage-class` on the volume wins).
    #[arg(long, value_name = "CLASS")]
    pub storage_class: Option<String>,
    /// What a bind mount that cannot be a ConfigMap becomes: a `hostpath` or an empty `pvc`.
    #[arg(long, value_enum, default_value_t = BindAs::Hostpath)]
    pub bind_as: BindAs,
    /// What a compose health check becomes: `readiness` (compose never restarts) or `liveness`.
    #[arg(long, value_enum, default_value_t = HealthProbe::Readiness)]
    pub health_probe: HealthProbe,
    /// The object that runs each Pod: `deployment`, `statefulset` or a bare `pod`.
    #[arg(long, value_enum, default_value_t = ControllerKind::Deployment)]
    pub controller: ControllerKind,
    /// Treat warnings as errors.
    #[arg(long)]
    pub strict: bool,
}

/// `convert` options.
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// Inputs.
    #[command(flatten)]
    pub input: InputArgs,
    /// Where to write: `-` for stdout, or a directory (one file per object).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "-|DIR",
        default_value = "-"
    )]
    pub output: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Replace the contents of a non-empty output directory.
    #[arg(long)]
    pub force: bool,
    /// Namespace for every object.
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// Also emit the Namespace, labelled for the Pod Security level the init container needs.
    #[arg(long, requires = "namespace")]
    pub create_namespace: bool,
}

/// How manifests are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A YAML stream (or one YAML file per object with `-o DIR`).
    Yaml,
    /// A Kubernetes `List` in JSON.
    Json,
    /// A Kustomize base (needs `-o DIR`).
    Kustomize,
    /// A Helm chart (needs `-o DIR`).
    Helm,
}

/// A Kubernetes `MAJOR.MINOR` version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    /// Major version (1).
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

fn parse_kube_version(text: &str) -> Result<KubeVersion, String> {
    let trimmed = text.trim_start_matches('v');
    let mut parts = trimmed.split('.');
    let major = parts.next().and_then(|p| p.parse().ok());
    let minor = parts.next().and_then(|p| p.parse().ok());
    match (major, minor) {
        (Some(major), Some(minor)) => Ok(KubeVersion { major, minor }),
        _ => Err(format!(
            "`{text}` is not a Kubernetes version; write it like `1.33`"
        )),
    }
}

/// How services are spread over Pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// One Pod for all services.
    Pod,
    /// A Deployment per service, or per group sharing a network namespace.
    Split,
}

/// Where unportable bind mounts go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BindAs {
    /// A path on the node.
    Hostpath,
    /// An empty PersistentVolumeClaim.
    Pvc,
}

/// The probe a health check becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HealthProbe {
    /// `readinessProbe`: traffic stops, nothing restarts (as under compose).
    Readiness,
    /// `livenessProbe`: the kubelet restarts the container.
    Liveness,
}

/// `--controller`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ControllerKind {
    /// A Deployment with `strategy: Recreate`.
    Deployment,
    /// A StatefulSet; allows replicas of stateful services under the split strategy.
    Statefulset,
    /// A bare Pod.
    Pod,
}
