//! The diagnostic codes: one enum, and for each code its spelling, its class
//! (what a finding of it is) and the stage that finds it first, in one table
//! ([`codes!`] below, sorted by spelling). What each code means is in
//! `explain` (`podlift explain`, docs/diagnostics.md), reached from the enum by an exhaustive match: a code
//! without an explanation does not compile.

use std::fmt;

/// What a finding of a code is: its severity, and for an error whether
/// compose refuses the file for it too. A code's diagnostics are made with at
/// most this severity (a warning may be lowered to a note where it is
/// harmless); `tests/it/explain.rs` checks every `Diagnostic::error`,
/// `::warning` and `::note` against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// An error in the input that compose refuses the file for too:
    /// `podlift config` refuses it as well.
    Refused,
    /// An error only a cluster would refuse (compose accepts the file):
    /// `podlift config` prints the project, `convert` refuses it.
    Cluster,
    /// A warning: converted, but something changes on Kubernetes.
    Warning,
    /// A note: how podlift converted something.
    Note,
}

impl Class {
    /// Whether a finding of this class is an error.
    #[must_use]
    pub const fn is_error(self) -> bool {
        matches!(self, Self::Refused | Self::Cluster)
    }

    /// How `explain` and docs/diagnostics.md name it.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Refused => "error (compose refuses the file too)",
            Self::Cluster => "error (compose accepts the file; a cluster would refuse it)",
            Self::Warning => "warning",
            Self::Note => "note",
        }
    }
}

/// The stage that finds a code first (the pipeline in docs/architecture.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Reading the files: YAML, interpolation, merge, `include`, `extends`.
    Load,
    /// Reading compose's meaning (and `x-podlift`).
    Model,
    /// Inspecting the images (`--inspect-images`).
    Images,
    /// Planning the Pods.
    Plan,
    /// Rendering the Kubernetes objects.
    Render,
}

impl Stage {
    /// The stage's module name.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Load => "load",
            Self::Model => "model",
            Self::Images => "images",
            Self::Plan => "plan",
            Self::Render => "render",
        }
    }
}

/// The table of codes: `Variant = "spelling", Class, Stage;` with the
/// explanation's title as its doc.
macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $name:literal, $class:ident, $stage:ident;)*) => {
        /// A diagnostic code, as in `warning[address-common-range]`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $($(#[$doc])* $variant,)*
            /// An error of the command rather than of the compose input
            /// ([`super::Diagnostic::command`]): it has no class,
            /// no stage and no explanation, and no user names it.
            Command,
        }

        impl Code {
            /// Every code of the compose input (all but [`Code::Command`]),
            /// sorted by spelling.
            pub const ALL: &[Self] = &[$(Self::$variant),*];

            /// The spelling users see, e.g. `address-common-range`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                    Self::Command => "command",
                }
            }

            /// Its class; `None` for [`Code::Command`].
            #[must_use]
            pub const fn class(self) -> Option<Class> {
                match self {
                    $(Self::$variant => Some(Class::$class),)*
                    Self::Command => None,
                }
            }

            /// The stage that finds it first; `None` for [`Code::Command`].
            #[must_use]
            pub const fn stage(self) -> Option<Stage> {
                match self {
                    $(Self::$variant => Some(Stage::$stage),)*
                    Self::Command => None,
                }
            }
        }
    };
}

codes! {
    /// A preset address lies inside the cluster's Pod or Service range.
    AddressClusterRange = "address-cluster-range", Cluster, Plan;
    /// A preset address lies inside a range clusters commonly use.
    AddressCommonRange = "address-common-range", Warning, Plan;
    /// Two services declare the same preset address.
    AddressDuplicate = "address-duplicate", Cluster, Plan;
    /// An address is not an IP address of the right family.
    AddressInvalid = "address-invalid", Refused, Model;
    /// An address the LAN could reach is on loopback now.
    AddressLan = "address-lan", Note, Plan;
    /// A preset address lies outside its network's subnet.
    AddressOutsideSubnet = "address-outside-subnet", Cluster, Plan;
    /// A preset address must not go on a Pod's loopback.
    AddressReserved = "address-reserved", Cluster, Plan;
    /// `x-podlift.allow` names a code it cannot accept.
    AllowRefused = "allow-refused", Warning, Model;
    /// The application runs as several Pods.
    AutoSplit = "auto-split", Note, Plan;
    /// `x-podlift.bind-as` has a value podlift does not know.
    BindAsInvalid = "bind-as-invalid", Refused, Model;
    /// A bind mount becomes an empty PersistentVolumeClaim.
    BindClaim = "bind-claim", Warning, Plan;
    /// Bind-mounted files are copied into the manifests.
    BindCopied = "bind-copied", Note, Plan;
    /// A bind mount becomes a hostPath volume.
    BindHostPath = "bind-host-path", Warning, Plan;
    /// A time zone file is bound from the host.
    BindHostTime = "bind-host-time", Note, Plan;
    /// A bind mount hands the container the node.
    BindNodeControl = "bind-node-control", Cluster, Plan;
    /// A relative bind mount cannot be carried, and this machine's path is no node's.
    BindNotCarried = "bind-not-carried", Cluster, Plan;
    /// Services in different Pods each get their own copy of a bind-mounted directory.
    BindNotShared = "bind-not-shared", Note, Plan;
    /// A private-looking file outside the project is bind-mounted.
    BindPrivate = "bind-private", Refused, Plan;
    /// A private-looking file goes into a Secret, not a ConfigMap.
    BindSecret = "bind-secret", Note, Plan;
    /// A writable bind mount becomes a writable volume.
    BindWritable = "bind-writable", Warning, Plan;
    /// A `cap_add`/`cap_drop` item is not a Linux capability.
    CapabilityUnknown = "capability-unknown", Cluster, Model;
    /// A claim that several Pods mount is `ReadWriteOnce`: the Pods must run on one node.
    ClaimShared = "claim-shared", Warning, Plan;
    /// A credential interpolated into `command` or `entrypoint` is read from a Secret.
    CommandSecret = "command-secret", Note, Plan;
    /// A command cannot be split into words.
    CommandSyntax = "command-syntax", Refused, Model;
    /// A service uses a config that is not declared.
    ConfigUndeclared = "config-undeclared", Refused, Load;
    /// Two services have the same `container_name`.
    ContainerNameDuplicate = "container-name-duplicate", Refused, Model;
    /// The copy into a claim gets no `fsGroup`: another claim, or a file the Pod keeps from its group, would change.
    CopyClaimGroup = "copy-claim-group", Warning, Render;
    /// The image has files where a fresh volume is mounted, and no shell or `cp` to copy them.
    CopyUpImpossible = "copy-up-impossible", Warning, Images;
    /// A CPU setting is not one Docker accepts.
    CpusInvalid = "cpus-invalid", Cluster, Model;
    /// A credential interpolated into a health check or hook stays in plain text.
    CredentialInProbe = "credential-in-probe", Warning, Model;
    /// A `depends_on` condition is unknown.
    DependsOnCondition = "depends-on-condition", Refused, Model;
    /// Services depend on each other in a cycle.
    DependsOnCycle = "depends-on-cycle", Refused, Plan;
    /// An optional dependency is not active.
    DependsOnOptional = "depends-on-optional", Note, Plan;
    /// `restart: true` on a dependency is not carried over.
    DependsOnRestart = "depends-on-restart", Note, Model;
    /// A service depends on itself.
    DependsOnSelf = "depends-on-self", Refused, Plan;
    /// A service depends on a service that does not exist.
    DependsOnUnknown = "depends-on-unknown", Refused, Load;
    /// A short-syntax `devices` item has more than three parts.
    DeviceInvalid = "device-invalid", Refused, Model;
    /// A service mounts the Docker socket.
    DockerSocket = "docker-socket", Cluster, Plan;
    /// A duration of podlift's own cannot be read.
    DurationInvalid = "duration-invalid", Refused, Model;
    /// An env file cannot be read as `NAME=value` lines.
    EnvFileSyntax = "env-file-syntax", Refused, Load;
    /// A service's env file cannot be read.
    EnvFileUnreadable = "env-file-unreadable", Refused, Model;
    /// Credential-looking environment variables go into a Secret.
    EnvSecret = "env-secret", Note, Plan;
    /// A variable's value was taken from the shell that ran podlift.
    EnvironmentFromShell = "environment-from-shell", Note, Model;
    /// `extends` leads back to itself.
    ExtendsCycle = "extends-cycle", Refused, Load;
    /// `extends` is written wrongly.
    ExtendsSyntax = "extends-syntax", Refused, Load;
    /// `extends` names a service that does not exist.
    ExtendsUnknown = "extends-unknown", Refused, Load;
    /// An `x-podlift` key is unknown.
    ExtensionKeyUnknown = "extension-key-unknown", Warning, Model;
    /// A secret or config must already exist in the cluster.
    ExternalObject = "external-object", Warning, Plan;
    /// `extra_hosts` points at Docker's `host-gateway`.
    ExtraHostGateway = "extra-host-gateway", Warning, Plan;
    /// An `extra_hosts` entry has no valid address.
    ExtraHostInvalid = "extra-host-invalid", Refused, Model;
    /// An `extra_hosts` address nobody claims.
    ExtraHostUnclaimed = "extra-host-unclaimed", Note, Plan;
    /// A compose file is empty.
    FileEmpty = "file-empty", Refused, Load;
    /// A secret's or config's `mode` has bits Kubernetes cannot set.
    FileMode = "file-mode", Warning, Model;
    /// A compose file is not a mapping.
    FileNotMapping = "file-not-mapping", Refused, Load;
    /// A secret's or config's `uid`/`gid` is not carried over.
    FileOwner = "file-owner", Warning, Model;
    /// A file cannot be read.
    FileUnreadable = "file-unreadable", Refused, Load;
    /// `x-podlift.health-probe` is not a probe podlift knows.
    HealthProbeInvalid = "health-probe-invalid", Refused, Model;
    /// `x-podlift.health-probe` has no effect.
    HealthProbeUnused = "health-probe-unused", Warning, Plan;
    /// A health check's `test` is not a command.
    HealthcheckInvalid = "healthcheck-invalid", Refused, Model;
    /// A `service_healthy` dependency on a service that has no health check at all.
    HealthyNone = "healthy-none", Cluster, Plan;
    /// A `service_healthy` dependency on a service without a health check.
    HealthyUnknown = "healthy-unknown", Warning, Plan;
    /// A `post_start` or `pre_stop` hook has no command.
    HookInvalid = "hook-invalid", Refused, Model;
    /// Part of a `post_start` or `pre_stop` hook cannot be carried over.
    HookNotCarried = "hook-not-carried", Warning, Plan;
    /// A host file is not a regular file.
    HostFileNotRegular = "host-file-not-regular", Refused, Load;
    /// A host file lies outside the project directory.
    HostFileOutside = "host-file-outside", Refused, Load;
    /// A service asks for the host's process or IPC namespace.
    HostNamespace = "host-namespace", Warning, Plan;
    /// An `--image-archive` cannot be read.
    ImageArchiveUnreadable = "image-archive-unreadable", Cluster, Images;
    /// A service is built, not pulled.
    ImageBuilt = "image-built", Warning, Plan;
    /// A fresh volume is filled with what the image has at its path (copy-up).
    ImageCopyUp = "image-copy-up", Note, Images;
    /// A service's health check comes from its image's `HEALTHCHECK`.
    ImageHealthcheck = "image-healthcheck", Note, Images;
    /// An image reference cannot be pulled.
    ImageInvalid = "image-invalid", Cluster, Model;
    /// A service has no image.
    ImageMissing = "image-missing", Refused, Plan;
    /// An image's facts could not be read.
    ImageNotInspected = "image-not-inspected", Warning, Images;
    /// An image is pinned to the digest inspected (`--pin-digests`).
    ImagePinned = "image-pinned", Note, Images;
    /// Ports a service listens on come from its image's `EXPOSE`.
    ImagePorts = "image-ports", Note, Images;
    /// Who a container runs as comes from its image's `USER`.
    ImageUser = "image-user", Note, Images;
    /// The image declares a `VOLUME` compose mounts nothing at.
    ImageVolume = "image-volume", Note, Images;
    /// An included file defines a resource again.
    IncludeConflict = "include-conflict", Refused, Load;
    /// `include` leads back to a file being read.
    IncludeCycle = "include-cycle", Refused, Load;
    /// `include` is written wrongly.
    IncludeSyntax = "include-syntax", Refused, Load;
    /// The compose file chose the image that gets `NET_ADMIN`.
    InitImageFromCompose = "init-image-from-compose", Warning, Plan;
    /// The init containers use the iptables image.
    InitImageIptables = "init-image-iptables", Note, Plan;
    /// Interpolation nests too deep.
    InterpolationDepth = "interpolation-depth", Refused, Load;
    /// A `${…}` is not valid interpolation.
    InterpolationSyntax = "interpolation-syntax", Refused, Load;
    /// A mapping key is empty or only line breaks.
    KeyBlank = "key-blank", Refused, Load;
    /// A compose key has no effect in Kubernetes.
    KeyIgnored = "key-ignored", Note, Model;
    /// A compose key is not carried over.
    KeyNotCarried = "key-not-carried", Warning, Model;
    /// A mapping key is a number or a boolean.
    KeyNotString = "key-not-string", Refused, Load;
    /// A compose key is unknown.
    KeyUnknown = "key-unknown", Refused, Load;
    /// Kompose's labels are not interpreted.
    KomposeLabel = "kompose-label", Note, Plan;
    /// A label becomes an annotation that a cluster controller acts on.
    LabelController = "label-controller", Note, Plan;
    /// A label looks like a credential.
    LabelCredential = "label-credential", Warning, Plan;
    /// A label file looks private.
    LabelFilePrivate = "label-file-private", Warning, Model;
    /// A `label_file` cannot be read.
    LabelFileUnreadable = "label-file-unreadable", Refused, Model;
    /// A label is not a valid annotation key.
    LabelInvalid = "label-invalid", Warning, Plan;
    /// A label becomes an annotation the container runtime acts on.
    LabelRuntime = "label-runtime", Warning, Plan;
    /// The project's host files are larger than podlift reads.
    LimitHostFiles = "limit-host-files", Refused, Load;
    /// `include` loads more files than podlift reads.
    LimitIncludes = "limit-includes", Refused, Load;
    /// Interpolation produces more than podlift keeps.
    LimitInterpolation = "limit-interpolation", Refused, Load;
    /// The project has more services than podlift converts.
    LimitServices = "limit-services", Refused, Load;
    /// A list compose takes without repeats holds an item twice.
    ListDuplicate = "list-duplicate", Refused, Load;
    /// A key has different types in two merged files.
    MergeType = "merge-type", Refused, Load;
    /// A name holds characters compose does not allow.
    NameCharacters = "name-characters", Refused, Load;
    /// A name would resolve to two addresses.
    NameConflict = "name-conflict", Warning, Plan;
    /// A name is not a valid host name.
    NameInvalid = "name-invalid", Warning, Plan;
    /// A project or service name is longer than a Kubernetes name.
    NameTooLong = "name-too-long", Warning, Plan;
    /// Containers share a process namespace, or would have under compose.
    NamespaceShared = "namespace-shared", Warning, Plan;
    /// A service lists a network twice.
    NetworkDuplicate = "network-duplicate", Refused, Model;
    /// One Pod does not separate what compose's networks did.
    NetworkIsolation = "network-isolation", Note, Plan;
    /// A service uses the host's network.
    NetworkModeHost = "network-mode-host", Cluster, Plan;
    /// A service sets both `network_mode` and `networks`.
    NetworkModeNetworks = "network-mode-networks", Refused, Plan;
    /// A service has no network.
    NetworkModeNone = "network-mode-none", Cluster, Plan;
    /// `network_mode` points nowhere.
    NetworkModeTarget = "network-mode-target", Refused, Plan;
    /// A service joins a network that is not declared.
    NetworkUndeclared = "network-undeclared", Refused, Load;
    /// No compose file was found.
    NoComposeFile = "no-compose-file", Refused, Load;
    /// The project defines no services.
    NoServices = "no-services", Cluster, Model;
    /// An object is larger than Kubernetes stores.
    ObjectTooLarge = "object-too-large", Cluster, Render;
    /// `--pin-digests` cannot pin an image that was read without a digest.
    PinNoDigest = "pin-no-digest", Warning, Images;
    /// The Pods need the `privileged` Pod Security level.
    PodSecurity = "pod-security", Note, Render;
    /// Services set a Pod-wide setting differently.
    PodWideDiffers = "pod-wide-differs", Warning, Plan;
    /// One service's pod-wide setting applies to every container of the Pod.
    PodWideWidened = "pod-wide-widened", Warning, Plan;
    /// Two containers of the Pod declare the same port.
    PortConflict = "port-conflict", Cluster, Plan;
    /// A port published on a host address is not published in the cluster.
    PortHostOnly = "port-host-only", Note, Plan;
    /// A port of a service on internal networks only is not published.
    PortInternalOnly = "port-internal-only", Note, Plan;
    /// A port cannot be read.
    PortInvalid = "port-invalid", Refused, Model;
    /// Services declare no ports.
    PortsUnknown = "ports-unknown", Note, Plan;
    /// The project name is changed.
    ProjectName = "project-name", Warning, Model;
    /// The project has no name.
    ProjectNameEmpty = "project-name-empty", Refused, Model;
    /// A service is a compose provider service.
    ProviderService = "provider-service", Cluster, Plan;
    /// A pull policy has no Kubernetes equivalent.
    PullPolicy = "pull-policy", Warning, Model;
    /// A pull policy is none compose knows.
    PullPolicyInvalid = "pull-policy-invalid", Refused, Model;
    /// A size is not a Kubernetes quantity.
    QuantityInvalid = "quantity-invalid", Cluster, Model;
    /// A service asks for more than one replica in one Pod.
    Replicas = "replicas", Cluster, Plan;
    /// A replicated group mounts named volumes.
    ReplicasStateful = "replicas-stateful", Cluster, Plan;
    /// A resource is set twice with different values, or its reservation is above its limit.
    ResourceConflict = "resource-conflict", Refused, Model;
    /// Services restart differently, but a Pod restarts all.
    RestartDiffers = "restart-differs", Warning, Plan;
    /// A restart policy is unknown.
    RestartInvalid = "restart-invalid", Refused, Model;
    /// Every container of the Pod restarts when it exits.
    RestartPod = "restart-pod", Note, Plan;
    /// A service scaled to zero is left out.
    ScaleZero = "scale-zero", Note, Plan;
    /// A service shares something with a service scaled to zero.
    ScaleZeroNeeded = "scale-zero-needed", Cluster, Plan;
    /// A service uses a secret that is not declared.
    SecretUndeclared = "secret-undeclared", Refused, Load;
    /// A `security_opt` entry needs care or cannot be carried over.
    SecurityOpt = "security-opt", Warning, Plan;
    /// A `security_opt` value Docker refuses.
    SecurityOptInvalid = "security-opt-invalid", Cluster, Plan;
    /// A service that is kept needs a service that `--exclude` leaves out.
    ServiceExcludedNeeded = "service-excluded-needed", Refused, Load;
    /// Services are named after other names of a compose service.
    ServiceNameAlias = "service-name-alias", Note, Plan;
    /// A Service would be named `kubernetes`.
    ServiceNameReserved = "service-name-reserved", Cluster, Plan;
    /// A service can change the network every container of its Pod shares.
    SharedNetworkPrivilege = "shared-network-privilege", Warning, Plan;
    /// Peers see a different source address.
    SourceAddress = "source-address", Note, Plan;
    /// An IPv6 preset address is not reachable from other Pods.
    SplitIpv6 = "split-ipv6", Warning, Plan;
    /// A name does not resolve in other Pods.
    SplitName = "split-name", Warning, Plan;
    /// A service of a split project declares no ports.
    SplitNoPorts = "split-no-ports", Warning, Plan;
    /// A one-shot service runs in a Deployment of its own.
    SplitOneShot = "split-one-shot", Warning, Plan;
    /// A dependency across Pods is not waited for.
    SplitStartOrder = "split-start-order", Note, Plan;
    /// A dependency across Pods has no port to wait on.
    SplitWaitNoPort = "split-wait-no-port", Note, Plan;
    /// Start order cannot be enforced below Kubernetes 1.29.
    StartOrder = "start-order", Warning, Plan;
    /// `x-podlift.startup-timeout` has no effect.
    StartupTimeoutUnused = "startup-timeout-unused", Warning, Plan;
    /// A subnet is not in CIDR notation.
    SubnetInvalid = "subnet-invalid", Refused, Model;
    /// A sysctl is not in Kubernetes' safe set.
    SysctlUnsafe = "sysctl-unsafe", Warning, Plan;
    /// A tmpfs becomes an `emptyDir` without Docker's mount options.
    TmpfsOptions = "tmpfs-options", Warning, Model;
    /// A value has the wrong type.
    Type = "type", Refused, Load;
    /// `user` or `group_add` is a numeric id out of Kubernetes' range.
    UserInvalid = "user-invalid", Cluster, Plan;
    /// `user` names a user instead of a numeric id.
    UserName = "user-name", Warning, Plan;
    /// A required variable is not set.
    VariableRequired = "variable-required", Refused, Load;
    /// A variable is not set.
    VariableUnset = "variable-unset", Warning, Load;
    /// An external volume sets a driver, driver options or labels.
    VolumeExternalConflict = "volume-external-conflict", Refused, Model;
    /// A volume mount cannot be read.
    VolumeInvalid = "volume-invalid", Refused, Model;
    /// A new volume starts empty.
    VolumeStartsEmpty = "volume-starts-empty", Note, Plan;
    /// A container path of a mount is not absolute.
    VolumeTargetRelative = "volume-target-relative", Cluster, Model;
    /// A service mounts a volume that is not declared.
    VolumeUndeclared = "volume-undeclared", Refused, Load;
    /// A volume type is not carried over.
    VolumeUnsupported = "volume-unsupported", Warning, Model;
    /// `volumes_from` names no service.
    VolumesFromUnknown = "volumes-from-unknown", Refused, Plan;
    /// The YAML exceeds a size or nesting limit.
    YamlLimit = "yaml-limit", Refused, Load;
    /// The file is not valid YAML.
    YamlSyntax = "yaml-syntax", Refused, Load;
}

impl Code {
    /// The code a user names (`--allow`, `x-podlift.allow`, `podlift
    /// explain`), by its spelling; `None` for a code podlift does not have
    /// (and for `command`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .binary_search_by(|code| code.as_str().cmp(name))
            .ok()
            .and_then(|at| Self::ALL.get(at).copied())
    }

    /// The known code closest to `name`, for a misspelt one.
    #[must_use]
    pub fn closest(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .map(|code| (strsim::jaro_winkler(name, code.as_str()), *code))
            .filter(|(score, _)| *score > 0.8)
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, code)| code)
    }

    /// A security finding: what gives a container the node, the host's
    /// network or files, more privilege, or puts credentials in plain text.
    /// A compose file cannot accept it for itself (`x-podlift.allow`); only
    /// `--allow` on the command line can.
    #[must_use]
    pub const fn is_security(self) -> bool {
        matches!(
            self,
            Self::BindHostPath
                | Self::BindPrivate
                | Self::BindSecret
                | Self::DockerSocket
                | Self::CredentialInProbe
                | Self::EnvSecret
                | Self::HostFileNotRegular
                | Self::HostFileOutside
                | Self::HostNamespace
                | Self::InitImageFromCompose
                | Self::LabelController
                | Self::NamespaceShared
                | Self::NetworkModeHost
                | Self::PodSecurity
                | Self::SecurityOpt
                | Self::SharedNetworkPrivilege
                | Self::SysctlUnsafe
        )
    }

    /// Reported once per cause, as compose does (an unset variable: one
    /// warning per variable, naming where else it is used), and counted once.
    #[must_use]
    pub const fn once_per_cause(self) -> bool {
        matches!(self, Self::VariableUnset)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Code;

    #[test]
    fn codes_are_sorted_by_spelling_and_found_by_it() {
        let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted, "Code::ALL sorted by spelling, each once");
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(*code));
            assert!(code.class().is_some() && code.stage().is_some());
        }
        assert_eq!(Code::from_name("command"), None);
        assert_eq!(Code::from_name("docker-sockets"), None);
        assert_eq!(
            Code::closest("adress-duplicate"),
            Some(Code::AddressDuplicate)
        );
    }
}
