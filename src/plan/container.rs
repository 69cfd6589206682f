//! Per-container settings: environment, ports, probes, mounts, security, resources.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::model::Project;
use crate::model::healthcheck::{HealthTest, Healthcheck};
use crate::model::port::Protocol;
use crate::model::service::Service;
use crate::plan::ContainerPlan;
use crate::plan::storage::{MountPlan, Storage};

/// Everything about a container besides its image and command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Details {
    /// Environment, later compose entries winning, kubelet `$(` escaped.
    pub env: Vec<(String, String)>,
    /// Container ports: (port, protocol).
    pub ports: Vec<(u16, Protocol)>,
    /// The health check as a probe.
    pub probe: Option<Probe>,
    /// The health check as a start gate (`startupProbe`), only for a service
    /// that a dependent waits on with `service_healthy`.
    pub startup: Option<Probe>,
    /// Mounts.
    pub mounts: Vec<MountPlan>,
    /// `runAsUser`.
    pub run_as_user: Option<i64>,
    /// `runAsGroup`.
    pub run_as_group: Option<i64>,
    /// `workingDir`.
    pub working_dir: Option<String>,
    /// Capabilities to add.
    pub cap_add: Vec<String>,
    /// Capabilities to drop.
    pub cap_drop: Vec<String>,
    /// `privileged`.
    pub privileged: bool,
    /// `readOnlyRootFilesystem`.
    pub read_only: bool,
    /// `tty`.
    pub tty: bool,
    /// `stdin`.
    pub stdin: bool,
    /// `imagePullPolicy`.
    pub pull_policy: Option<String>,
    /// The health check restarts the container (`livenessProbe`) instead of
    /// only marking it unready.
    pub liveness: bool,
    /// CPU limit and request in millicores, memory limit and request in bytes.
    pub cpu_limit: Option<u64>,
    /// CPU request in millicores.
    pub cpu_request: Option<u64>,
    /// Memory limit in bytes.
    pub memory_limit: Option<u64>,
    /// Memory request in bytes.
    pub memory_request: Option<u64>,
    /// `security_opt`, namespaces, `group_add`, hooks.
    pub process: crate::plan::process::Process,
}

/// A probe made from a compose health check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// The exec command.
    pub command: Vec<String>,
    /// `periodSeconds`.
    pub period: i32,
    /// `timeoutSeconds`.
    pub timeout: i32,
    /// `failureThreshold`.
    pub failure_threshold: i32,
    /// `initialDelaySeconds`.
    pub initial_delay: i32,
}

/// The kubelet expands `$(VAR)` in `command`, `args` and `env` values and
/// reduces `$$` to `$`; compose does neither, so the text must reach the
/// container as written. Every `$` the kubelet would read as the start of
/// `$(` or `$$` is doubled (`$(` → `$$(`, `$$` → `$$$$`); a lone `$` stays.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '$' && matches!(chars.peek(), Some('$' | '(')) {
            out.push('$');
        }
    }
    out
}

/// [`escape`] for every word.
#[must_use]
pub fn escape_all(words: &[String]) -> Vec<String> {
    words.iter().map(|w| escape(w)).collect()
}

fn seconds(duration: std::time::Duration, minimum: i32) -> i32 {
    i32::try_from(duration.as_secs())
        .unwrap_or(i32::MAX)
        .max(minimum)
}

/// The probe for a health check.
#[must_use]
pub fn probe(check: &Healthcheck) -> Probe {
    let command = match &check.test {
        HealthTest::Exec(words) => escape_all(words),
        HealthTest::Shell(line) => vec!["sh".to_string(), "-c".to_string(), escape(line)],
    };
    Probe {
        command,
        period: seconds(check.interval, 1),
        timeout: seconds(check.timeout, 1),
        failure_threshold: i32::try_from(check.retries).unwrap_or(i32::MAX).max(1),
        initial_delay: seconds(check.start_period, 0),
    }
}

/// The least time a start gate gives a service to become healthy: first
/// starts of databases and search engines (initialisation, migrations, index
/// builds) take minutes, and a failed `startupProbe` kills the container and
/// its initialisation with it, which compose never does. Dependents still
/// wait for the health check; this only bounds how long a broken service
/// runs before the kubelet restarts it.
pub const STARTUP_FLOOR: Duration = Duration::from_mins(10);

/// The start gate for a health check: the same check every `interval`, for
/// `budget`, or else the larger of compose's own budget (`start_period +
/// interval × retries`) and [`STARTUP_FLOOR`].
#[must_use]
pub fn startup_probe(check: &Healthcheck, budget: Option<Duration>) -> Probe {
    let mut gate = probe(check);
    let compose = check.start_period + check.interval.saturating_mul(check.retries);
    let budget = budget.unwrap_or_else(|| compose.max(STARTUP_FLOOR));
    let period = u64::try_from(gate.period).unwrap_or(1).max(1);
    let threshold = budget.as_secs().div_ceil(period).max(1);
    gate.failure_threshold = i32::try_from(threshold).unwrap_or(i32::MAX);
    // The start period is part of the budget.
    gate.initial_delay = 0;
    gate
}

/// The details of one service's container; `gate`: a dependent waits for
/// its health check (`service_healthy`).
pub fn details(
    service: &Service,
    storage: &Storage,
    liveness: bool,
    gate: bool,
    diagnostics: &mut Diagnostics,
) -> Details {
    let mut env: Vec<(String, String)> = Vec::new();
    for variable in &service.environment {
        let value = escape(&variable.value);
        match env.iter_mut().find(|(name, _)| *name == variable.name) {
            Some(existing) => existing.1 = value,
            None => env.push((variable.name.clone(), value)),
        }
    }
    let mut ports: Vec<(u16, Protocol)> = Vec::new();
    for port in service.ports.iter().chain(&service.expose) {
        if !ports.contains(&(port.target, port.protocol)) {
            ports.push((port.target, port.protocol));
        }
    }
    let (run_as_user, run_as_group) = service.security.user.as_ref().map_or((None, None), |user| {
        let (uid, gid) = user.value.split_once(':').map_or((user.value.as_str(), None), |(u, g)| (u, Some(g)));
        match (uid.parse::<i64>(), gid.map(str::parse::<i64>)) {
            (Ok(uid), None) => (Some(uid), None),
            (Ok(uid), Some(Ok(gid))) => (Some(uid), Some(gid)),
            _ => {
                diagnostics.push(
                    Diagnostic::warning("user-name", format!("`user: {}` of service `{}` is a name; Kubernetes takes numeric ids only, so the image's default user runs", user.value, service.name.value))
                        .at(user.span)
                        .help("write the numeric uid[:gid] the name has in the image"),
                );
                (None, None)
            }
        }
    });
    Details {
        env,
        ports,
        probe: service.healthcheck.as_ref().map(probe),
        startup: service
            .healthcheck
            .as_ref()
            .filter(|_| gate)
            .map(|check| startup_probe(check, service.startup_timeout.as_ref().map(|t| t.value))),
        mounts: storage
            .mounts
            .get(&service.name.value)
            .cloned()
            .unwrap_or_default(),
        run_as_user,
        run_as_group,
        working_dir: service.security.working_dir.clone(),
        cap_add: service.security.cap_add.clone(),
        cap_drop: service.security.cap_drop.clone(),
        privileged: service.security.privileged,
        read_only: service.security.read_only,
        tty: service.security.tty,
        stdin: service.security.stdin_open,
        pull_policy: service.pull_policy.clone(),
        liveness,
        cpu_limit: service.resources.cpu_limit,
        cpu_request: service.resources.cpu_request,
        memory_limit: service.resources.memory_limit,
        memory_request: service.resources.memory_request,
        process: crate::plan::process::process(service, diagnostics),
    }
}

/// Two containers of one Pod cannot both listen on one port: they share a
/// network namespace.
pub fn check_ports(
    containers: &[ContainerPlan],
    project: &Project,
    allowed: &[u16],
    split: bool,
    diagnostics: &mut Diagnostics,
) {
    // What helps: more Pods (not under `--strategy pod`), or, for two
    // services that each bind a preset address of their own, sharing.
    let remedy = |port: u16, both_addressed: bool| {
        let pods = if split {
            "they share a network namespace (`network_mode: service:` or `x-podlift.group`): change one port, or let them run apart"
        } else {
            "convert without `--strategy pod`: the default `--strategy auto` puts them in different Pods"
        };
        if both_addressed {
            format!(
                "{pods}; if each binds its own preset address, not 0.0.0.0, allow it with `--allow-shared-port {port}`"
            )
        } else {
            pods.to_string()
        }
    };
    let addressed: BTreeMap<&str, bool> = containers
        .iter()
        .map(|c| (c.service.as_str(), !c.addresses.is_empty()))
        .collect();
    let mut owner: BTreeMap<(u16, Protocol), &str> = BTreeMap::new();
    for container in containers {
        for &(port, protocol) in &container.details.ports {
            if allowed.contains(&port) {
                continue;
            }
            match owner.get(&(port, protocol)) {
                Some(other) => {
                    let span = project
                        .service(&container.service)
                        .and_then(|s| {
                            s.ports
                                .iter()
                                .chain(&s.expose)
                                .find(|p| p.target == port && p.protocol == protocol)
                        })
                        .map(|p| p.span);
                    diagnostics.push(
                        Diagnostic::error(
                            "port-conflict",
                            format!("service `{}` declares port `{port}/{}`, already declared by `{other}`; {}", container.service, protocol.as_str(), if split { "the two share a network namespace" } else { "in one Pod both share a network namespace" }),
                        )
                        .at_opt(span)
                        .help(remedy(port, addressed.get(other).copied().unwrap_or(false) && addressed.get(container.service.as_str()).copied().unwrap_or(false))),
                    );
                }
                None => {
                    owner.insert((port, protocol), &container.service);
                }
            }
        }
    }
    // A health check that calls `localhost:PORT` shows where its own service
    // listens, declared or not; in one Pod that port must be its alone.
    for container in containers {
        let Some(service) = project.service(&container.service) else {
            continue;
        };
        let Some(check) = &service.healthcheck else {
            continue;
        };
        for port in local_ports(check) {
            let declared_here = container.details.ports.contains(&(port, Protocol::Tcp));
            let Some(other) = owner
                .get(&(port, Protocol::Tcp))
                .filter(|o| **o != container.service)
            else {
                continue;
            };
            if declared_here || allowed.contains(&port) {
                continue;
            }
            diagnostics.push(
                Diagnostic::error(
                    "port-conflict",
                    format!(
                        "the health check of service `{}` calls `localhost:{port}`, the port `{other}` declares; in one network namespace the check would reach `{other}`, or both would bind it",
                        container.service
                    ),
                )
                .at(check.span)
                .help(remedy(port, addressed.get(other).copied().unwrap_or(false) && addressed.get(container.service.as_str()).copied().unwrap_or(false))),
            );
        }
    }
}

/// Ports a health check calls on the container itself (`localhost:8080`,
/// `127.0.0.1:8080`, `0.0.0.0:8080`, `[::1]:8080`).
pub(crate) fn local_ports(check: &Healthcheck) -> Vec<u16> {
    let text = match &check.test {
        HealthTest::Exec(words) => words.join(" "),
        HealthTest::Shell(line) => line.clone(),
    };
    let mut ports = Vec::new();
    for host in ["localhost:", "127.0.0.1:", "0.0.0.0:", "[::1]:"] {
        for (at, _) in text.match_indices(host) {
            let digits: String = text
                .get(at + host.len()..)
                .unwrap_or("")
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            if let Ok(port) = digits.parse::<u16>()
                && !ports.contains(&port)
            {
                ports.push(port);
            }
        }
    }
    ports
}
