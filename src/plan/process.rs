//! A container's process settings — `security_opt`, the `pid`/`ipc`/`uts`/
//! `userns_mode` namespaces, `group_add`, the `post_start`/`pre_stop`
//! hooks — and the Pod-wide fields they add up to.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model::process::{Hook, NamespaceMode, SecurityOpt};
use crate::model::service::Service;

use crate::model::Project;
use crate::plan::ContainerPlan;
use crate::source::Located;

/// A seccomp or AppArmor profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Profile {
    /// `Unconfined`.
    Unconfined,
    /// `Localhost`: a profile on the node, by name.
    Localhost(String),
}

/// `seLinuxOptions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeLinuxPlan {
    /// `user`.
    pub user: Option<String>,
    /// `role`.
    pub role: Option<String>,
    /// `type`.
    pub type_: Option<String>,
    /// `level`.
    pub level: Option<String>,
}

/// A container's process settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Process {
    /// `allowPrivilegeEscalation: false` (`no-new-privileges`).
    pub no_new_privileges: bool,
    /// `seccompProfile`.
    pub seccomp: Option<Profile>,
    /// `appArmorProfile`.
    pub apparmor: Option<Profile>,
    /// `seLinuxOptions`.
    pub selinux: Option<SeLinuxPlan>,
    /// `lifecycle.postStart.exec.command`.
    pub post_start: Option<Vec<String>>,
    /// `lifecycle.preStop.exec.command`.
    pub pre_stop: Option<Vec<String>>,
    /// `pid: service:X` / `container:X`: the Pod shares one process namespace.
    pub share_pid: bool,
    /// `pid: host`.
    pub host_pid: bool,
    /// `ipc: host`.
    pub host_ipc: bool,
    /// `userns_mode: host`.
    pub host_users: bool,
    /// `group_add` (numeric ids).
    pub groups: Vec<i64>,
}

/// Pod-wide fields the containers' process settings add up to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProcessLevel {
    /// `shareProcessNamespace`.
    pub share_pid: bool,
    /// `hostPID`.
    pub host_pid: bool,
    /// `hostIPC`.
    pub host_ipc: bool,
    /// `hostUsers: true`.
    pub host_users: bool,
    /// `securityContext.supplementalGroups`.
    pub groups: Vec<i64>,
}

/// What the containers of one Pod ask of it.
#[must_use]
pub fn level(containers: &[ContainerPlan]) -> ProcessLevel {
    let mut out = ProcessLevel::default();
    for c in containers {
        let p = &c.details.process;
        out.share_pid |= p.share_pid;
        out.host_pid |= p.host_pid;
        out.host_ipc |= p.host_ipc;
        out.host_users |= p.host_users;
        for g in &p.groups {
            if !out.groups.contains(g) {
                out.groups.push(*g);
            }
        }
    }
    out.groups.sort_unstable();
    // Kubernetes refuses both; the host's namespace holds every container's processes.
    out.share_pid &= !out.host_pid;
    out
}

/// `pid: service:X` in a Pod of `containers`: the Pod gets
/// `shareProcessNamespace: true`, which compose gives only the pair. A
/// warning names the services of the Pod that compose kept apart and that
/// now see and can signal every container's processes; a note when none
/// does (only PID 1 changes).
pub fn note_shared_pid(
    project: &Project,
    containers: &[ContainerPlan],
    diagnostics: &mut Diagnostics,
) {
    let in_pod: Vec<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    let mut sharing: Vec<&str> = Vec::new();
    let mut first = None;
    for service in in_pod.iter().filter_map(|name| project.service(name)) {
        let Some(pid) = &service.namespaces.pid else {
            continue;
        };
        let (NamespaceMode::Service(target) | NamespaceMode::Container(target)) = &pid.value else {
            continue;
        };
        // `container:NAME` names a service's `container_name` or a service;
        // one in another Pod shares nothing (`note_split`).
        let Some(theirs) = project.services.iter().find(|s| {
            s.name.value == *target
                || s.container_name
                    .as_ref()
                    .is_some_and(|c| c.value == *target)
        }) else {
            continue;
        };
        if !in_pod.contains(&theirs.name.value.as_str()) {
            continue;
        }
        first.get_or_insert((service.name.value.as_str(), target.as_str(), pid.span));
        sharing.push(service.name.value.as_str());
        sharing.push(theirs.name.value.as_str());
    }
    let Some((name, target, span)) = first else {
        return;
    };
    if containers.iter().any(|c| c.details.process.host_pid) {
        // `hostPID` wins (reported as `host-namespace`).
        return;
    }
    let gain: Vec<String> = in_pod
        .iter()
        .filter(|s| !sharing.contains(s))
        .map(|s| format!("`{s}`"))
        .collect();
    let pid1 = "PID 1 is the Pod's pause process, not the image's entrypoint";
    let diagnostic = if gain.is_empty() {
        Diagnostic::note(
            Code::NamespaceShared,
            format!("service `{name}` shares the process namespace of `{target}`: the Pod gets `shareProcessNamespace: true`, and {pid1}"),
        )
        .help("check that no service relies on being PID 1 (signal handling, reaping)")
    } else {
        Diagnostic::warning(
            Code::NamespaceShared,
            format!("service `{name}` shares the process namespace of `{target}`, but a Pod shares it whole: with `shareProcessNamespace: true` {} also see{} and can signal every container's processes (and read their environment under `/proc`), which compose kept apart; {pid1}", gain.join(", "), if gain.len() == 1 { "s" } else { "" }),
        )
        .help(format!("drop `pid:` if `{name}` does without it; or give {} Pods of {} own with `--strategy split`, keeping the pair together with `x-podlift: {{group: {target}}}` on `{name}`", gain.join(", "), if gain.len() == 1 { "its" } else { "their" }))
    };
    diagnostics.push(diagnostic.at(span));
}

/// A service's `group_add` becomes the Pod's `supplementalGroups`, which
/// every container of the Pod runs with: the services that did not ask for
/// a group gain it, where compose gave it to the one service only.
pub fn warn_widened_groups(
    project: &Project,
    containers: &[ContainerPlan],
    level: &ProcessLevel,
    diagnostics: &mut Diagnostics,
) {
    let mut gainers: Vec<String> = Vec::new();
    let mut sources: Vec<&str> = Vec::new();
    for c in containers {
        let own = &c.details.process.groups;
        if !own.is_empty() && !sources.contains(&c.service.as_str()) {
            sources.push(&c.service);
        }
        let gained: Vec<String> = level
            .groups
            .iter()
            .filter(|g| !own.contains(g))
            .map(i64::to_string)
            .collect();
        if !gained.is_empty() {
            gainers.push(format!("`{}` gains {}", c.service, gained.join(", ")));
        }
    }
    let Some(first) = sources.first() else { return };
    if gainers.is_empty() {
        return;
    }
    let groups: Vec<String> = level.groups.iter().map(i64::to_string).collect();
    let from: Vec<String> = sources.iter().map(|s| format!("`{s}`")).collect();
    diagnostics.push(
        Diagnostic::warning(
            Code::PodWideWidened,
            format!(
                "`group_add` of {} becomes the Pod's `supplementalGroups: [{}]`, which every container of the Pod runs with: {}, where compose gave the groups to {} only",
                from.join(", "),
                groups.join(", "),
                gainers.join("; "),
                if sources.len() == 1 { "that service" } else { "those services" },
            ),
        )
        .at_opt(
            project
                .service(first)
                .and_then(|s| s.security.group_add.first())
                .map(|g| g.span),
        )
        .help(format!("run `{first}` in a Pod of its own (`--strategy split`), or check that the other services may hold these groups (gid 0 is root's group)")),
    );
}

/// Under the split strategy, a service that shares `pid` or `ipc` with a
/// service of another Pod no longer does: Pods share neither namespace.
pub fn note_split(
    project: &Project,
    grouping: &crate::plan::group::Grouping,
    diagnostics: &mut Diagnostics,
) {
    let group_of = |name: &str| {
        project
            .position(name)
            .and_then(|i| grouping.group(crate::plan::group::ServiceId(i)))
    };
    for service in &project.services {
        let name = service.name.value.as_str();
        for (key, mode) in [
            ("pid", &service.namespaces.pid),
            ("ipc", &service.namespaces.ipc),
        ] {
            let Some(mode) = mode else { continue };
            let (NamespaceMode::Service(target) | NamespaceMode::Container(target)) = &mode.value
            else {
                continue;
            };
            let Some(theirs) = group_of(target) else {
                continue;
            };
            if group_of(name) == Some(theirs) {
                continue;
            }
            diagnostics.push(
                Diagnostic::note(
                    Code::NamespaceShared,
                    format!("service `{name}` shares its `{key}` namespace with `{target}`, which runs in another Pod under the split strategy; Pods share no {} namespace, so `{name}` gets its own", if key == "pid" { "process" } else { "IPC" }),
                )
                .at(mode.span)
                .help(format!("to keep sharing it, put both in one Pod: `x-podlift: {{group: {target}}}` on `{name}`")),
            );
        }
    }
}

/// `pid: service:X`, `ipc: service:X` and `uts: service:X` name a service
/// of the project, as compose requires (it counts X as a dependency);
/// `container:X` outside the project is valid compose, but no such
/// container exists in the cluster.
pub fn check_targets(project: &Project, diagnostics: &mut Diagnostics) {
    for service in &project.services {
        for (key, mode) in [
            ("pid", &service.namespaces.pid),
            ("ipc", &service.namespaces.ipc),
            ("uts", &service.namespaces.uts),
        ] {
            let Some(mode) = mode else { continue };
            if let NamespaceMode::Container(target) = &mode.value
                && !project.services.iter().any(|s| {
                    s.name.value == *target
                        || s.container_name
                            .as_ref()
                            .is_some_and(|c| c.value == *target)
                })
            {
                diagnostics.push(
                    Diagnostic::warning(
                        Code::KeyNotCarried,
                        format!("service `{}` shares `{key}` with container `{target}`, which no service of this project is; in the cluster it can share only with the containers of its own Pod", service.name.value),
                    )
                    .at(mode.span)
                    .help("name a service of this project (`service:NAME`), or check that the service works without the other container"),
                );
                continue;
            }
            let NamespaceMode::Service(target) = &mode.value else {
                continue;
            };
            if project.service(target).is_none() {
                diagnostics.push(
                    Diagnostic::error(
                        Code::DependsOnUnknown,
                        format!("service `{}` shares `{key}` with `{target}`, which is not a service of the project", service.name.value),
                    )
                    .at(mode.span)
                    .help("name a service of this project (an active one: check its `profiles`)"),
                );
            }
        }
    }
}

/// The process settings of one service; what Kubernetes cannot express is
/// reported.
pub fn process(service: &Service, diagnostics: &mut Diagnostics) -> Process {
    let name = &service.name.value;
    let mut out = Process::default();
    for option in &service.security.options {
        security_opt(name, option, &mut out, diagnostics);
    }
    let sys_admin = service.security.cap_add.iter().any(|c| {
        // Docker takes capability names in any case, with or without `CAP_`.
        let c = c.to_ascii_uppercase();
        matches!(c.strip_prefix("CAP_").unwrap_or(&c), "SYS_ADMIN" | "ALL")
    });
    if out.no_new_privileges && (service.security.privileged || sys_admin) {
        // The API server refuses `allowPrivilegeEscalation: false` beside
        // `privileged: true` or an added `SYS_ADMIN`, which grant it anyway.
        out.no_new_privileges = false;
        diagnostics.push(
            Diagnostic::warning(
                Code::SecurityOpt,
                format!("`security_opt: no-new-privileges` of service `{name}` is not carried over: with `privileged` or `cap_add: SYS_ADMIN` Kubernetes refuses `allowPrivilegeEscalation: false`"),
            )
            .at_opt(service.security.options.iter().find(|o| o.value == SecurityOpt::NoNewPrivileges(true)).map(|o| o.span))
            .help("drop `privileged`/`SYS_ADMIN` if the service can do without them"),
        );
    }
    namespaces(service, &mut out, diagnostics);
    for group in &service.security.group_add {
        match group.value.parse::<i64>() {
            Ok(id) if crate::plan::container::ID_RANGE.contains(&id) => out.groups.push(id),
            Ok(_) => diagnostics.push(
                Diagnostic::error(
                    Code::UserInvalid,
                    format!(
                        "`group_add: {}` of service `{name}` is out of range: Kubernetes takes group ids from 0 to 2147483647, and the API server would refuse the Pod",
                        group.value
                    ),
                )
                .at(group.span)
                .help("write the numeric gid of the group (`1000`), or remove it"),
            ),
            Err(_) => diagnostics.push(
                Diagnostic::warning(
                    Code::UserName,
                    format!(
                        "`group_add: {}` of service `{name}` is a name; Kubernetes takes numeric group ids only, so the group is not added",
                        group.value
                    ),
                )
                .at(group.span)
                .help("write the numeric gid the group has in the image"),
            ),
        }
    }
    out.post_start = hook(name, "post_start", &service.post_start, diagnostics);
    out.pre_stop = hook(name, "pre_stop", &service.pre_stop, diagnostics);
    out
}

fn security_opt(
    name: &str,
    option: &Located<SecurityOpt>,
    out: &mut Process,
    diagnostics: &mut Diagnostics,
) {
    match &option.value {
        SecurityOpt::NoNewPrivileges(on) => out.no_new_privileges = *on,
        SecurityOpt::NoNewPrivilegesInvalid(text) => diagnostics.push(
            Diagnostic::error(
                Code::SecurityOptInvalid,
                format!("`security_opt: {text}` of service `{name}` is not a boolean Docker reads; Docker refuses to create the container (`invalid --security-opt 2`)"),
            )
            .at(option.span)
            .help("write `no-new-privileges:true` (or just `no-new-privileges`) to forbid gaining privileges, `no-new-privileges:false` to allow it"),
        ),
        SecurityOpt::SeccompUnconfined => out.seccomp = Some(Profile::Unconfined),
        // Docker's own profile: the runtime's default, which the Pod sets.
        SecurityOpt::SeccompDefault => out.seccomp = None,
        SecurityOpt::SeccompFile(file) => {
            let profile = std::path::Path::new(file)
                .file_name()
                .map_or_else(|| file.clone(), |f| f.to_string_lossy().into_owned());
            diagnostics.push(
                Diagnostic::note(
                    Code::SecurityOpt,
                    format!("service `{name}` runs under the seccomp profile `{file}`: the container gets `seccompProfile: Localhost` with `localhostProfile: {profile}`, which the kubelet reads from its own directory on the node"),
                )
                .at(option.span)
                .help(format!("copy `{file}` to `/var/lib/kubelet/seccomp/{profile}` on every node (or the kubelet's `--root-dir`), e.g. with the Security Profiles Operator")),
            );
            out.seccomp = Some(Profile::Localhost(profile));
        }
        SecurityOpt::AppArmorUnconfined => out.apparmor = Some(Profile::Unconfined),
        SecurityOpt::AppArmor(profile) => {
            diagnostics.push(
                Diagnostic::note(
                    Code::SecurityOpt,
                    format!("service `{name}` runs under the AppArmor profile `{profile}`: the container gets `appArmorProfile: Localhost`, which needs the profile loaded on every node"),
                )
                .at(option.span)
                .help("load the profile on the nodes (`apparmor_parser`), or the Pod does not start"),
            );
            out.apparmor = Some(Profile::Localhost(profile.clone()));
        }
        SecurityOpt::Label(label) => {
            let selinux = out.selinux.get_or_insert_with(SeLinuxPlan::default);
            for (slot, value) in [
                (&mut selinux.user, &label.user),
                (&mut selinux.role, &label.role),
                (&mut selinux.type_, &label.type_),
                (&mut selinux.level, &label.level),
            ] {
                if value.is_some() {
                    slot.clone_from(value);
                }
            }
        }
        SecurityOpt::Other(text) => diagnostics.push(
            Diagnostic::warning(
                Code::SecurityOpt,
                format!("`security_opt: {text}` of service `{name}` is not carried over: Kubernetes has no equivalent"),
            )
            .at(option.span)
            .help("check that the service works without it; `label=disable` is close to `seLinuxOptions.type: spc_t`, set by hand"),
        ),
    }
}

fn namespaces(service: &Service, out: &mut Process, diagnostics: &mut Diagnostics) {
    let name = &service.name.value;
    let ns = &service.namespaces;
    let not_carried = |key: &str, mode: &Located<NamespaceMode>, why: &str| {
        let text = match &mode.value {
            NamespaceMode::Service(s) => format!("service:{s}"),
            NamespaceMode::Container(s) => format!("container:{s}"),
            NamespaceMode::Host => "host".to_string(),
            NamespaceMode::Shareable => "shareable".to_string(),
            NamespaceMode::Private(s) | NamespaceMode::Other(s) => s.clone(),
        };
        Diagnostic::warning(
            Code::KeyNotCarried,
            format!("`{key}: {text}` of service `{name}` is not carried over: {why}"),
        )
        .at(mode.span)
        .help("check that the application works without it, or set it by hand in the output")
    };
    let host = |key: &str, field: &str, what: &str, span| {
        Diagnostic::warning(
            Code::HostNamespace,
            format!("service `{name}` asks for `{key}: host`: the Pod gets `{field}: true`, so every container of the Pod {what}"),
        )
        .at(span)
        .help("drop it unless the service must see the node; the Pod then needs Pod Security level `privileged`")
    };
    if let Some(pid) = &ns.pid {
        match &pid.value {
            NamespaceMode::Host => {
                out.host_pid = true;
                diagnostics.push(host(
                    "pid",
                    "hostPID",
                    "sees and can signal the node's processes",
                    pid.span,
                ));
            }
            // Reported per Pod, naming who else gains it (`note_shared_pid`).
            NamespaceMode::Service(_) | NamespaceMode::Container(_) => out.share_pid = true,
            NamespaceMode::Private(s) if s.is_empty() => {}
            _ => diagnostics.push(not_carried(
                "pid",
                pid,
                "Kubernetes knows `hostPID` and `shareProcessNamespace` only",
            )),
        }
    }
    if let Some(ipc) = &ns.ipc {
        match &ipc.value {
            NamespaceMode::Host => {
                out.host_ipc = true;
                diagnostics.push(host(
                    "ipc",
                    "hostIPC",
                    "shares the node's shared memory and semaphores",
                    ipc.span,
                ));
            }
            // The containers of a Pod share one IPC namespace already.
            NamespaceMode::Service(_) | NamespaceMode::Container(_) | NamespaceMode::Shareable => {}
            NamespaceMode::Private(s) if s.is_empty() => {}
            _ => diagnostics.push(not_carried(
                "ipc",
                ipc,
                "the containers of a Pod always share one IPC namespace",
            )),
        }
    }
    if let Some(uts) = &ns.uts {
        diagnostics.push(not_carried(
            "uts",
            uts,
            "Kubernetes shares the node's UTS namespace (host name) only together with its network (`hostNetwork`); the Pod keeps its own host name",
        ));
    }
    if let Some(userns) = &ns.userns {
        match &userns.value {
            NamespaceMode::Host => out.host_users = true,
            _ => diagnostics.push(not_carried(
                "userns_mode",
                userns,
                "Kubernetes chooses a user namespace per Pod (`hostUsers: false`), not by name",
            )),
        }
    }
}

/// One exec hook: Kubernetes runs one handler per event, in the container,
/// as its user, with its environment.
fn hook(
    name: &str,
    key: &str,
    hooks: &[Hook],
    diagnostics: &mut Diagnostics,
) -> Option<Vec<String>> {
    let first = hooks.first()?;
    for extra in hooks.iter().skip(1) {
        diagnostics.push(
            Diagnostic::warning(
                Code::HookNotCarried,
                format!("service `{name}` has more than one `{key}` hook; Kubernetes runs one handler per event, so only the first is carried over"),
            )
            .at(extra.command.span)
            .help("join the commands into one, e.g. `[\"sh\", \"-c\", \"first && second\"]`"),
        );
    }
    let mut lost = Vec::new();
    if first.user.is_some() {
        lost.push("`user`");
    }
    if first.privileged.is_some() {
        lost.push("`privileged`");
    }
    if !first.environment.is_empty() {
        lost.push("`environment`");
    }
    if first.working_dir.is_some() {
        lost.push("`working_dir`");
    }
    if !lost.is_empty() {
        diagnostics.push(
            Diagnostic::warning(
                Code::HookNotCarried,
                format!("the `{key}` hook of service `{name}` sets {}; a Kubernetes exec hook runs as the container runs (its user, privileges, environment and directory), so these are not carried over", lost.join(", ")),
            )
            .at(first.command.span)
            .help("make the hook work as the container's own user, e.g. set variables inside the command"),
        );
    }
    // The kubelet expands `$(VAR)` in `command`, `args` and `env` only.
    Some(first.command.value.clone())
}
