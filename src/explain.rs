//! What each diagnostic code means, why it matters on Kubernetes and what to
//! do: `podlift explain CODE` (like `rustc --explain`), `podlift explain` for
//! the list, and `docs/diagnostics.md`, all from [`of`].
//!
//! A code, its class and its stage are one variant of
//! [`Code`](crate::diagnostic::Code); its explanation is a constant in its
//! area's file (`explain/input.rs`, `network.rs`, `storage.rs`, `service.rs`,
//! `pod.rs`), reached from the code by the exhaustive match in [`of`]: a new
//! code does not compile until it has one.

mod input;
mod network;
mod pod;
mod service;
mod storage;

use std::fmt::Write as _;

pub use crate::diagnostic::{Class, Code, Stage};

/// One diagnostic code, explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The code, as in `warning[address-common-range]`.
    pub code: Code,
    /// One line: what was found.
    pub title: &'static str,
    /// What the finding means.
    pub meaning: &'static str,
    /// Why it matters once the application runs on Kubernetes.
    pub kubernetes: &'static str,
    /// What to do.
    pub remedy: &'static str,
    /// A small compose file that gives the finding. A first line
    /// `# podlift convert ARGS` names the flags it needs; a line `# file: NAME`
    /// starts another file beside `compose.yaml`. `tests/it/explain.rs` runs
    /// every example (but a few that only illustrate) and expects the code.
    pub example: &'static str,
}

impl Explanation {
    /// Its code's class.
    #[must_use]
    pub const fn class(&self) -> Option<Class> {
        self.code.class()
    }

    /// The stage that finds its code first.
    #[must_use]
    pub const fn stage(&self) -> Option<Stage> {
        self.code.stage()
    }
}

/// Every code's explanation, sorted by code (as [`Code::ALL`]).
pub static EXPLANATIONS: [&Explanation; Code::ALL.len()] = table();

/// The explanation of each of [`Code::ALL`], in its order; a code whose
/// entry names another code fails the build. Evaluated at compile time only
/// (in [`EXPLANATIONS`]), so an index out of range is a compile error.
#[allow(clippy::indexing_slicing)]
const fn table<const N: usize>() -> [&'static Explanation; N] {
    let mut out = [&input::ALLOW_REFUSED; N];
    let mut i = 0;
    while i < N {
        let code = Code::ALL[i];
        // Compile time only: a failure here fails the build.
        #[allow(clippy::panic)]
        let Some(e) = of(code) else {
            panic!("every code of the input has an explanation");
        };
        assert!(
            e.code as usize == code as usize,
            "an explanation is filed under another code"
        );
        out[i] = e;
        i += 1;
    }
    out
}

/// The explanation of `code`; `None` for [`Code::Command`] only. The match
/// is exhaustive: a new code does not compile without its entry.
#[must_use]
#[allow(clippy::too_many_lines)] // one arm per code
pub const fn of(code: Code) -> Option<&'static Explanation> {
    match code {
        Code::AddressClusterRange => Some(&network::ADDRESS_CLUSTER_RANGE),
        Code::AddressCommonRange => Some(&network::ADDRESS_COMMON_RANGE),
        Code::AddressDuplicate => Some(&network::ADDRESS_DUPLICATE),
        Code::AddressInvalid => Some(&network::ADDRESS_INVALID),
        Code::AddressLan => Some(&network::ADDRESS_LAN),
        Code::AddressOutsideSubnet => Some(&network::ADDRESS_OUTSIDE_SUBNET),
        Code::AddressReserved => Some(&network::ADDRESS_RESERVED),
        Code::AllowRefused => Some(&input::ALLOW_REFUSED),
        Code::AutoSplit => Some(&pod::AUTO_SPLIT),
        Code::BindAsInvalid => Some(&storage::BIND_AS_INVALID),
        Code::BindClaim => Some(&storage::BIND_CLAIM),
        Code::BindCopied => Some(&storage::BIND_COPIED),
        Code::BindHostPath => Some(&storage::BIND_HOST_PATH),
        Code::BindHostTime => Some(&storage::BIND_HOST_TIME),
        Code::BindNodeControl => Some(&storage::BIND_NODE_CONTROL),
        Code::BindNotCarried => Some(&storage::BIND_NOT_CARRIED),
        Code::BindNotShared => Some(&storage::BIND_NOT_SHARED),
        Code::BindPrivate => Some(&storage::BIND_PRIVATE),
        Code::BindSecret => Some(&storage::BIND_SECRET),
        Code::BindWritable => Some(&storage::BIND_WRITABLE),
        Code::CapabilityUnknown => Some(&service::CAPABILITY_UNKNOWN),
        Code::ClaimShared => Some(&storage::CLAIM_SHARED),
        Code::CommandSecret => Some(&service::COMMAND_SECRET),
        Code::CommandSyntax => Some(&service::COMMAND_SYNTAX),
        Code::ConfigUndeclared => Some(&storage::CONFIG_UNDECLARED),
        Code::ContainerNameDuplicate => Some(&service::CONTAINER_NAME_DUPLICATE),
        Code::CopyClaimGroup => Some(&storage::COPY_CLAIM_GROUP),
        Code::CopyUpImpossible => Some(&storage::COPY_UP_IMPOSSIBLE),
        Code::CpusInvalid => Some(&service::CPUS_INVALID),
        Code::CredentialInProbe => Some(&service::CREDENTIAL_IN_PROBE),
        Code::DependsOnCondition => Some(&service::DEPENDS_ON_CONDITION),
        Code::DependsOnCycle => Some(&service::DEPENDS_ON_CYCLE),
        Code::DependsOnOptional => Some(&service::DEPENDS_ON_OPTIONAL),
        Code::DependsOnRestart => Some(&service::DEPENDS_ON_RESTART),
        Code::DependsOnSelf => Some(&service::DEPENDS_ON_SELF),
        Code::DependsOnUnknown => Some(&service::DEPENDS_ON_UNKNOWN),
        Code::DeviceInvalid => Some(&service::DEVICE_INVALID),
        Code::DockerSocket => Some(&storage::DOCKER_SOCKET),
        Code::DurationInvalid => Some(&service::DURATION_INVALID),
        Code::EnvFileSyntax => Some(&storage::ENV_FILE_SYNTAX),
        Code::EnvFileUnreadable => Some(&storage::ENV_FILE_UNREADABLE),
        Code::EnvSecret => Some(&storage::ENV_SECRET),
        Code::EnvironmentFromShell => Some(&service::ENVIRONMENT_FROM_SHELL),
        Code::ExtendsCycle => Some(&input::EXTENDS_CYCLE),
        Code::ExtendsSyntax => Some(&input::EXTENDS_SYNTAX),
        Code::ExtendsUnknown => Some(&input::EXTENDS_UNKNOWN),
        Code::ExtensionKeyUnknown => Some(&input::EXTENSION_KEY_UNKNOWN),
        Code::ExternalObject => Some(&storage::EXTERNAL_OBJECT),
        Code::ExtraHostGateway => Some(&network::EXTRA_HOST_GATEWAY),
        Code::ExtraHostInvalid => Some(&network::EXTRA_HOST_INVALID),
        Code::ExtraHostUnclaimed => Some(&network::EXTRA_HOST_UNCLAIMED),
        Code::FileEmpty => Some(&input::FILE_EMPTY),
        Code::FileMode => Some(&storage::FILE_MODE),
        Code::FileNotMapping => Some(&input::FILE_NOT_MAPPING),
        Code::FileOwner => Some(&storage::FILE_OWNER),
        Code::FileUnreadable => Some(&input::FILE_UNREADABLE),
        Code::HealthProbeInvalid => Some(&service::HEALTH_PROBE_INVALID),
        Code::HealthProbeUnused => Some(&service::HEALTH_PROBE_UNUSED),
        Code::HealthcheckInvalid => Some(&service::HEALTHCHECK_INVALID),
        Code::HealthyNone => Some(&service::HEALTHY_NONE),
        Code::HealthyUnknown => Some(&service::HEALTHY_UNKNOWN),
        Code::HookInvalid => Some(&service::HOOK_INVALID),
        Code::HookNotCarried => Some(&service::HOOK_NOT_CARRIED),
        Code::HostFileNotRegular => Some(&input::HOST_FILE_NOT_REGULAR),
        Code::HostFileOutside => Some(&input::HOST_FILE_OUTSIDE),
        Code::HostNamespace => Some(&network::HOST_NAMESPACE),
        Code::ImageArchiveUnreadable => Some(&service::IMAGE_ARCHIVE_UNREADABLE),
        Code::ImageBuilt => Some(&service::IMAGE_BUILT),
        Code::ImageCopyUp => Some(&storage::IMAGE_COPY_UP),
        Code::ImageHealthcheck => Some(&service::IMAGE_HEALTHCHECK),
        Code::ImageInvalid => Some(&service::IMAGE_INVALID),
        Code::ImageMissing => Some(&service::IMAGE_MISSING),
        Code::ImageNotInspected => Some(&service::IMAGE_NOT_INSPECTED),
        Code::ImagePinned => Some(&service::IMAGE_PINNED),
        Code::ImagePorts => Some(&network::IMAGE_PORTS),
        Code::ImageUser => Some(&service::IMAGE_USER),
        Code::ImageVolume => Some(&storage::IMAGE_VOLUME),
        Code::IncludeConflict => Some(&input::INCLUDE_CONFLICT),
        Code::IncludeCycle => Some(&input::INCLUDE_CYCLE),
        Code::IncludeSyntax => Some(&input::INCLUDE_SYNTAX),
        Code::InitImageFromCompose => Some(&pod::INIT_IMAGE_FROM_COMPOSE),
        Code::InitImageIptables => Some(&pod::INIT_IMAGE_IPTABLES),
        Code::InterpolationDepth => Some(&input::INTERPOLATION_DEPTH),
        Code::InterpolationSyntax => Some(&input::INTERPOLATION_SYNTAX),
        Code::KeyIgnored => Some(&input::KEY_IGNORED),
        Code::KeyNotCarried => Some(&input::KEY_NOT_CARRIED),
        Code::KeyBlank => Some(&input::KEY_BLANK),
        Code::KeyNotString => Some(&input::KEY_NOT_STRING),
        Code::KeyUnknown => Some(&input::KEY_UNKNOWN),
        Code::KomposeLabel => Some(&service::KOMPOSE_LABEL),
        Code::LabelController => Some(&service::LABEL_CONTROLLER),
        Code::LabelCredential => Some(&service::LABEL_CREDENTIAL),
        Code::LabelFilePrivate => Some(&service::LABEL_FILE_PRIVATE),
        Code::LabelFileUnreadable => Some(&storage::LABEL_FILE_UNREADABLE),
        Code::LabelInvalid => Some(&service::LABEL_INVALID),
        Code::LabelRuntime => Some(&service::LABEL_RUNTIME),
        Code::LimitHostFiles => Some(&input::LIMIT_HOST_FILES),
        Code::LimitIncludes => Some(&input::LIMIT_INCLUDES),
        Code::LimitInterpolation => Some(&input::LIMIT_INTERPOLATION),
        Code::ListDuplicate => Some(&input::LIST_DUPLICATE),
        Code::LimitServices => Some(&input::LIMIT_SERVICES),
        Code::MergeType => Some(&input::MERGE_TYPE),
        Code::NameCharacters => Some(&input::NAME_CHARACTERS),
        Code::NameConflict => Some(&network::NAME_CONFLICT),
        Code::NameInvalid => Some(&input::NAME_INVALID),
        Code::NameTooLong => Some(&service::NAME_TOO_LONG),
        Code::NamespaceShared => Some(&network::NAMESPACE_SHARED),
        Code::NetworkDuplicate => Some(&network::NETWORK_DUPLICATE),
        Code::NetworkIsolation => Some(&network::NETWORK_ISOLATION),
        Code::NetworkModeHost => Some(&network::NETWORK_MODE_HOST),
        Code::NetworkModeNetworks => Some(&network::NETWORK_MODE_NETWORKS),
        Code::NetworkModeNone => Some(&network::NETWORK_MODE_NONE),
        Code::NetworkModeTarget => Some(&network::NETWORK_MODE_TARGET),
        Code::NetworkUndeclared => Some(&network::NETWORK_UNDECLARED),
        Code::NoComposeFile => Some(&input::NO_COMPOSE_FILE),
        Code::NoServices => Some(&input::NO_SERVICES),
        Code::ObjectTooLarge => Some(&pod::OBJECT_TOO_LARGE),
        Code::PinNoDigest => Some(&service::PIN_NO_DIGEST),
        Code::PodSecurity => Some(&pod::POD_SECURITY),
        Code::PodWideDiffers => Some(&pod::POD_WIDE_DIFFERS),
        Code::PodWideWidened => Some(&pod::POD_WIDE_WIDENED),
        Code::PortConflict => Some(&network::PORT_CONFLICT),
        Code::PortHostOnly => Some(&network::PORT_HOST_ONLY),
        Code::PortInternalOnly => Some(&network::PORT_INTERNAL_ONLY),
        Code::PortInvalid => Some(&network::PORT_INVALID),
        Code::PortsUnknown => Some(&network::PORTS_UNKNOWN),
        Code::ProjectName => Some(&input::PROJECT_NAME),
        Code::ProjectNameEmpty => Some(&input::PROJECT_NAME_EMPTY),
        Code::ProviderService => Some(&service::PROVIDER_SERVICE),
        Code::PullPolicy => Some(&service::PULL_POLICY),
        Code::PullPolicyInvalid => Some(&service::PULL_POLICY_INVALID),
        Code::QuantityInvalid => Some(&service::QUANTITY_INVALID),
        Code::Replicas => Some(&pod::REPLICAS),
        Code::ReplicasStateful => Some(&pod::REPLICAS_STATEFUL),
        Code::ResourceConflict => Some(&service::RESOURCE_CONFLICT),
        Code::RestartDiffers => Some(&pod::RESTART_DIFFERS),
        Code::RestartInvalid => Some(&service::RESTART_INVALID),
        Code::RestartPod => Some(&pod::RESTART_POD),
        Code::ScaleZero => Some(&service::SCALE_ZERO),
        Code::ScaleZeroNeeded => Some(&service::SCALE_ZERO_NEEDED),
        Code::SecretUndeclared => Some(&storage::SECRET_UNDECLARED),
        Code::SecurityOpt => Some(&service::SECURITY_OPT),
        Code::SecurityOptInvalid => Some(&service::SECURITY_OPT_INVALID),
        Code::ServiceExcludedNeeded => Some(&service::SERVICE_EXCLUDED_NEEDED),
        Code::ServiceNameAlias => Some(&service::SERVICE_NAME_ALIAS),
        Code::ServiceNameReserved => Some(&service::SERVICE_NAME_RESERVED),
        Code::SharedNetworkPrivilege => Some(&network::SHARED_NETWORK_PRIVILEGE),
        Code::SourceAddress => Some(&network::SOURCE_ADDRESS),
        Code::SplitIpv6 => Some(&pod::SPLIT_IPV6),
        Code::SplitName => Some(&pod::SPLIT_NAME),
        Code::SplitNoPorts => Some(&pod::SPLIT_NO_PORTS),
        Code::SplitOneShot => Some(&pod::SPLIT_ONE_SHOT),
        Code::SplitStartOrder => Some(&pod::SPLIT_START_ORDER),
        Code::SplitWaitNoPort => Some(&pod::SPLIT_WAIT_NO_PORT),
        Code::StartOrder => Some(&service::START_ORDER),
        Code::StartupTimeoutUnused => Some(&service::STARTUP_TIMEOUT_UNUSED),
        Code::SubnetInvalid => Some(&network::SUBNET_INVALID),
        Code::SysctlUnsafe => Some(&service::SYSCTL_UNSAFE),
        Code::TmpfsOptions => Some(&storage::TMPFS_OPTIONS),
        Code::Type => Some(&input::TYPE),
        Code::UserInvalid => Some(&service::USER_INVALID),
        Code::UserName => Some(&service::USER_NAME),
        Code::VariableRequired => Some(&input::VARIABLE_REQUIRED),
        Code::VariableUnset => Some(&input::VARIABLE_UNSET),
        Code::VolumeExternalConflict => Some(&storage::VOLUME_EXTERNAL_CONFLICT),
        Code::VolumeInvalid => Some(&storage::VOLUME_INVALID),
        Code::VolumeStartsEmpty => Some(&storage::VOLUME_STARTS_EMPTY),
        Code::VolumeTargetRelative => Some(&storage::VOLUME_TARGET_RELATIVE),
        Code::VolumeUndeclared => Some(&storage::VOLUME_UNDECLARED),
        Code::VolumeUnsupported => Some(&storage::VOLUME_UNSUPPORTED),
        Code::VolumesFromUnknown => Some(&storage::VOLUMES_FROM_UNKNOWN),
        Code::YamlLimit => Some(&input::YAML_LIMIT),
        Code::YamlSyntax => Some(&input::YAML_SYNTAX),
        Code::Command => None,
    }
}

/// The explanation of the code a user names, e.g. in `podlift explain
/// CODE`.
#[must_use]
pub fn find(name: &str) -> Option<&'static Explanation> {
    Code::from_name(name).and_then(of)
}

/// The known code closest to `name`, for a misspelt one.
#[must_use]
pub fn closest(name: &str) -> Option<&'static str> {
    Code::closest(name).map(Code::as_str)
}

/// `podlift explain`: every code with its title.
#[must_use]
pub fn list() -> String {
    let width = EXPLANATIONS
        .iter()
        .map(|e| e.code.as_str().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for e in EXPLANATIONS {
        let _ = writeln!(out, "{:<width$}  {}", e.code, e.title);
    }
    out.push_str("\n`podlift explain CODE` explains one.\n");
    out
}

/// `podlift explain CODE`: one code in full, as text.
#[must_use]
pub fn text(e: &Explanation) -> String {
    let mut out = format!("{}: {}\n", e.code, e.title);
    let _ = write!(
        out,
        "\nWhat it is\n  {}, found by the {} stage\n",
        e.class().map_or("", Class::describe),
        e.stage().map_or("", Stage::name)
    );
    for (heading, body) in [
        ("What it means", e.meaning),
        ("Why it matters on Kubernetes", e.kubernetes),
        ("What to do", e.remedy),
    ] {
        let _ = write!(out, "\n{heading}\n{}", wrapped(body, "  ", 78));
    }
    out.push_str("\nExample\n");
    for line in e.example.lines() {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// `docs/diagnostics.md`.
#[must_use]
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostics\n\n\
         <!-- Generated from src/explain.rs by `PODLIFT_UPDATE_DOCS=1 cargo test --test it explain`; do not edit. -->\n\n\
         Every finding podlift reports has a code, e.g. `warning[address-common-range]`.\n\
         `podlift explain CODE` prints the same text as this page; `podlift check --format json`\n\
         gives each finding's code in `code` (see [check-json.md](check-json.md)).\n\n",
    );
    for e in EXPLANATIONS {
        let _ = writeln!(out, "- [`{}`](#{}): {}", e.code, e.code, e.title);
    }
    for e in EXPLANATIONS {
        let _ = write!(
            out,
            "\n## {}\n\n{}.\n\n**What it is.** {}, found by the {} stage.\n\n**What it means.** {}\n\n**Why it matters on Kubernetes.** {}\n\n**What to do.** {}\n\n```yaml\n{}```\n",
            e.code,
            capitalised(e.title),
            e.class().map_or("", Class::describe),
            e.stage().map_or("", Stage::name),
            e.meaning,
            e.kubernetes,
            e.remedy,
            e.example
        );
    }
    out
}

/// `text` in lines of at most `width` characters (a longer word stays whole),
/// each starting with `indent`.
fn wrapped(text: &str, indent: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.chars().count() > width {
            let _ = writeln!(out, "{indent}{line}");
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        let _ = writeln!(out, "{indent}{line}");
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::wrapped;

    #[test]
    fn explanations_wrap_at_the_width() {
        assert_eq!(
            wrapped("one two three four", "  ", 12),
            "  one two\n  three four\n"
        );
        assert_eq!(
            wrapped("a-very-long-word x", "  ", 8),
            "  a-very-long-word\n  x\n"
        );
    }
}
