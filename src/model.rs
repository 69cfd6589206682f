//! The typed compose project: every value parsed once (addresses as `IpAddr`,
//! commands as word lists), every key accounted for.
//!
//! Input: the loaded YAML [`Node`] tree. Output: a [`Project`]; problems go to
//! the diagnostics. Nothing after this stage sees YAML.

pub(crate) mod capability;
pub(crate) mod command_secret;
pub(crate) mod credential;
mod dependency;
pub(crate) mod environment;
mod extension;
mod file_object;
pub(crate) mod from_image;
pub(crate) mod healthcheck;
mod host_content;
mod hosts;
pub(crate) mod image;
pub mod key_value;
pub mod keys;
pub(crate) mod labels;
pub(crate) mod network;
pub(crate) mod port;
pub(crate) mod process;
mod project_name;
pub(crate) mod read;
mod resources;
mod restart;
pub(crate) mod service;
pub(crate) mod units;
pub(crate) mod volume;

pub(crate) use crate::load::host_files::node_control;
pub use dependency::{Condition, Dependency, Wait};
pub use environment::Variable;
pub use extension::Extension;
pub use file_object::{FileObject, FileUse};
pub use from_image::{FromImage, ImageUser};
pub use healthcheck::{HealthSetting, HealthTest, Healthcheck};
pub use host_content::{HostContent, MAX_CONFIG_BYTES};
pub use hosts::{ExtraHost, Link};
pub use image::PullPolicy;
pub use key_value::KeyValue;
pub use network::{Network, NetworkMode, ServiceNetwork};
pub use port::{Port, Protocol};
pub use process::{Hook, NamespaceMode, Namespaces, SeLinux, SecurityOpt};
pub use project_name::{NameSources, normalize_project_name, project_name_of};
pub use resources::Resources;
pub use restart::Restart;
pub use service::{PodSettings, Security, Service};
pub use units::{ClaimSize, is_positive_quantity};
pub use volume::{BindChoice, MemoryVolume, Mount, MountSource, Volume, VolumesFrom};

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::load::Document;
use crate::load::yaml::{Node, Value};
use crate::source::Located;
use extension::read_extension;
use keys::TOP_LEVEL_KEYS;
pub(crate) use keys::report_key;
use network::read_networks;
use project_name::project_name;
use read::Reader;
use volume::{read_file_objects, read_volumes};

/// Key of podlift's own extension, at the top level of a compose file.
pub const EXTENSION_KEY: &str = "x-podlift";

/// A compose project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    /// The project name, normalised as docker compose does.
    pub name: String,
    /// Services in file order.
    pub services: Vec<Service>,
    /// Top-level networks.
    pub networks: Vec<Network>,
    /// Top-level named volumes.
    pub volumes: Vec<Volume>,
    /// Top-level secrets.
    pub secrets: Vec<FileObject>,
    /// Top-level configs.
    pub configs: Vec<FileObject>,
    /// Settings under `x-podlift`.
    pub extension: Extension,
    /// Position of each service in `services`, by name.
    pub index: foldhash::HashMap<String, usize>,
    /// Position of each top-level volume, secret and config, by name.
    pub resource_index: foldhash::HashMap<(Resource, String), usize>,
    /// Services that no active profile selects (not part of the project).
    pub inactive: foldhash::HashSet<String>,
}

/// A kind of top-level resource, for lookups by name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resource {
    /// `volumes`.
    Volume,
    /// `secrets`.
    Secret,
    /// `configs`.
    Config,
}

/// Which top-level list a file object is in: `secrets` or `configs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `secrets`.
    Secret,
    /// `configs`.
    Config,
}

impl FileKind {
    /// `secret` or `config`, as compose names one.
    #[must_use]
    pub const fn noun(self) -> &'static str {
        match self {
            Self::Secret => "secret",
            Self::Config => "config",
        }
    }

    /// The resource it is looked up as.
    #[must_use]
    pub const fn resource(self) -> Resource {
        match self {
            Self::Secret => Resource::Secret,
            Self::Config => Resource::Config,
        }
    }
}

/// What the model reads besides the YAML: variables and the project directory.
#[derive(Clone, Debug, Default)]
pub(crate) struct Context {
    /// The process environment (for `environment: [NAME]` without a value).
    pub variables: BTreeMap<String, String>,
    /// Relative paths (`env_file`, bind mounts, `file:`) resolve against it.
    pub project_dir: PathBuf,
    /// Whether the files a service names are read.
    pub files: FileAccess,
    /// The resolver every host file is read through.
    pub host: crate::load::host_files::HostFiles,
}

/// Whether the model reads the files a service names: env files, label
/// files, the content of bind mounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FileAccess {
    /// Read them.
    #[default]
    Read,
    /// Check how they are written, read none: the services of inactive
    /// profiles, whose files compose does not read either.
    Skip,
    /// Read `env_file` and `label_file`, no bind mount's content: services
    /// left out on the command line (compose reads their files, and refuses
    /// a missing one, before it selects).
    Texts,
}

impl Project {
    /// A service by name.
    #[must_use]
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.get(self.position(name)?)
    }

    /// A top-level volume by name.
    #[must_use]
    pub fn volume(&self, name: &str) -> Option<&Volume> {
        self.volumes.get(
            *self
                .resource_index
                .get(&(Resource::Volume, name.to_string()))?,
        )
    }

    /// A top-level secret or config by name.
    #[must_use]
    pub fn file_object(&self, kind: FileKind, name: &str) -> Option<&FileObject> {
        let list = match kind {
            FileKind::Secret => &self.secrets,
            FileKind::Config => &self.configs,
        };
        list.get(
            *self
                .resource_index
                .get(&(kind.resource(), name.to_string()))?,
        )
    }

    /// Position of a service in `services`.
    #[must_use]
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// Builds the typed project from the loaded document.
///
/// # Errors
/// Every problem is recorded in `diagnostics`; the returned project holds
/// what could be read.
pub fn model(
    document: Document,
    names: &NameSources,
    variables: &BTreeMap<String, String>,
    diagnostics: &mut Diagnostics,
) -> Project {
    let context = Context {
        variables: variables.clone(),
        project_dir: document.project_dir.clone(),
        files: FileAccess::Read,
        host: document.host_files.clone(),
    };
    let mut reader = Reader::new(diagnostics);
    let mut project = Project {
        name: String::new(),
        services: Vec::new(),
        networks: Vec::new(),
        volumes: Vec::new(),
        secrets: Vec::new(),
        configs: Vec::new(),
        extension: Extension::default(),
        index: foldhash::HashMap::default(),
        resource_index: foldhash::HashMap::default(),
        inactive: document
            .inactive
            .iter()
            .chain(&document.deselected)
            .filter_map(|(k, _)| k.scalar())
            .collect(),
    };
    let mut file_name = None;
    check_inactive(&document.inactive, &context, &mut reader);
    check_deselected(&document.deselected, &context, &mut reader);
    let mut root = document.root;
    // The services are read from a tree of their own, each freed once read:
    // for a large project the tree then shrinks while the model grows.
    let mut services = take_value(&mut root, "services");
    let root = &root;
    if let Some(entries) = reader.map(root, "the compose file") {
        if !entries.iter().any(|(k, _)| k.value == "services") {
            no_services_key(&entries, root.span, &mut reader);
        }
        for (key, value) in entries {
            match key.value.as_str() {
                "services" => {
                    if let Some(services) = services.take() {
                        let mapping = matches!(services.value, Value::Map(_));
                        project.services = read_services(services, &context, &mut reader);
                        if mapping && project.services.is_empty() {
                            no_active_service(&key, &mut reader);
                        }
                    }
                }
                "volumes" => project.volumes = read_volumes(value, &mut reader),
                "secrets" => {
                    project.secrets = read_file_objects(
                        value,
                        Resource::Secret,
                        &context,
                        variables,
                        &mut reader,
                    );
                }
                "configs" => {
                    project.configs = read_file_objects(
                        value,
                        Resource::Config,
                        &context,
                        variables,
                        &mut reader,
                    );
                }
                "networks" => project.networks = read_networks(value, &mut reader),
                "name" => file_name = reader.string(value, "name"),
                EXTENSION_KEY => project.extension = read_extension(value, &mut reader),
                _ => report_key(&key, TOP_LEVEL_KEYS, "top-level", &mut reader),
            }
        }
    }
    // `name: ${UNSET}` is refused, where `name: ""` is no name
    let emptied = (file_name.as_ref()).is_some_and(|n| document.emptied_names.contains(&n.span));
    project.name = project_name(names, file_name.as_ref(), emptied, &mut reader);
    check_container_names(&project.services, &mut reader);
    project.index = project
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name.value.clone(), i))
        .collect();
    let volumes = project
        .volumes
        .iter()
        .enumerate()
        .map(|(i, v)| ((Resource::Volume, v.name.value.clone()), i));
    let secrets = project
        .secrets
        .iter()
        .enumerate()
        .map(|(i, s)| ((Resource::Secret, s.name.value.clone()), i));
    let configs = project
        .configs
        .iter()
        .enumerate()
        .map(|(i, c)| ((Resource::Config, c.name.value.clone()), i));
    project.resource_index = volumes.chain(secrets).chain(configs).collect();
    note_shell_variables(&context, &mut reader);
    project
}

/// One note per variable that interpolation (`${NAME}` in a compose file,
/// `.env`, an `env_file` or `label_file`) took from the environment podlift
/// runs in: its name, never its value.
fn note_shell_variables(context: &Context, reader: &mut Reader<'_>) {
    for (name, span) in context.host.tally().from_shell() {
        reader.diagnostics.push(
            Diagnostic::note(
                Code::EnvironmentFromShell,
                format!("`${{{name}}}` was interpolated with the value of `{name}` in the environment podlift runs in; that value is written into the output"),
            )
            .at_opt(span)
            .help(format!("check that `{name}` holds no secret; set it in `.env` (or the compose file) to make the conversion independent of this shell")),
        );
    }
}

/// A compose file without a `services` key; perhaps format v1, which put
/// the services at the top level.
fn no_services_key(
    entries: &[(Located<String>, &Node)],
    span: crate::source::Span,
    reader: &mut Reader<'_>,
) {
    let hint = if entries
        .iter()
        .any(|(_, v)| v.get("image").is_some() || v.get("build").is_some())
    {
        "this looks like compose file format v1 (services at the top level): move them under `services:`"
    } else {
        "add a `services:` mapping"
    };
    reader.diagnostics.push(
        Diagnostic::error(Code::NoServices, "the compose file defines no `services`")
            .at(span)
            .help(hint),
    );
}

/// A `services` mapping left empty (all behind profiles, or `{}`): a Pod
/// without containers is refused by Kubernetes.
fn no_active_service(key: &Located<String>, reader: &mut Reader<'_>) {
    reader.diagnostics.push(
        Diagnostic::error(Code::NoServices, "the project has no active service: a Pod needs at least one container")
            .at(key.span)
            .help("services behind `profiles` run only when a profile is active: add `--profile NAME` (or set `COMPOSE_PROFILES`), or add a service"),
    );
}

/// Services of inactive profiles are not part of the project, but compose
/// validates the whole file before it selects services: their schema errors
/// count, not what needs the service to run (its files, its dependencies).
/// Their files are not read, as compose reads none of them.
fn check_inactive(inactive: &[(Node, Node)], context: &Context, reader: &mut Reader<'_>) {
    const SCHEMA: &[Code] = &[
        Code::Type,
        Code::DependsOnCondition,
        Code::RestartInvalid,
        Code::PortInvalid,
        Code::VolumeInvalid,
        Code::CommandSyntax,
        Code::HealthcheckInvalid,
    ];
    read_aside(inactive, context, FileAccess::Skip, reader, |code| {
        SCHEMA.contains(&code)
    });
}

/// Reads services that are not converted (of inactive profiles, or left
/// out on the command line) as compose reads them before it selects, their
/// host files as `files` says, and keeps the errors whose code `keep`
/// accepts.
fn read_aside(
    services: &[(Node, Node)],
    context: &Context,
    files: FileAccess,
    reader: &mut Reader<'_>,
    keep: impl Fn(Code) -> bool,
) {
    let context = &Context {
        files,
        ..context.clone()
    };
    let mut found = Diagnostics::default();
    for (key, body) in services {
        if let Some(name) = key.scalar() {
            let mut scratch = Reader::new(&mut found);
            Service::read(Located::new(name, key.span), body, context, &mut scratch);
        }
    }
    for diagnostic in found.items() {
        if diagnostic.severity == crate::diagnostic::Severity::Error && keep(diagnostic.code) {
            reader.diagnostics.push(diagnostic.clone());
        }
    }
}

fn check_deselected(deselected: &[(Node, Node)], context: &Context, reader: &mut Reader<'_>) {
    // their env and label files are read (compose refuses a missing one),
    // their bind mounts are not: nothing of them is converted; what only a
    // cluster refuses (class `Cluster`) does not matter for them
    read_aside(deselected, context, FileAccess::Texts, reader, |code| {
        code.class() != Some(crate::diagnostic::Class::Cluster)
    });
}

/// Two services cannot have one `container_name` (compose refuses the file).
fn check_container_names(services: &[Service], reader: &mut Reader<'_>) {
    let mut seen: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for service in services {
        let Some(name) = &service.container_name else {
            continue;
        };
        if let Some(first) = seen.insert(&name.value, &service.name.value) {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::ContainerNameDuplicate,
                    format!(
                        "container name `{}` of service `{}` is already the container name of `{first}`",
                        name.value, service.name.value
                    ),
                )
                .at(name.span)
                .help("give each service its own `container_name`, or remove it"),
            );
        }
    }
}

/// Takes the value of `key` out of a mapping, leaving null in its place.
fn take_value(node: &mut Node, key: &str) -> Option<Node> {
    let Value::Map(entries) = &mut node.value else {
        return None;
    };
    let (_, value) = entries.iter_mut().find(|(k, _)| k.as_str() == Some(key))?;
    let span = value.span;
    Some(std::mem::replace(
        value,
        Node {
            value: Value::Null,
            span,
        },
    ))
}

fn read_services(node: Node, context: &Context, reader: &mut Reader<'_>) -> Vec<Service> {
    let Value::Map(entries) = node.value else {
        reader.type_error(&node, "services", "a mapping");
        return Vec::new();
    };
    let mut services = Vec::with_capacity(entries.len());
    for (key, body) in entries {
        match key.scalar() {
            Some(name) => services.push(Service::read(
                Located::new(name, key.span),
                &body,
                context,
                reader,
            )),
            None => reader.type_error(&key, "services key", "a string"),
        }
    }
    services
}
