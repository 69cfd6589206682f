//! Per-container settings: environment, ports, probes, mounts, security, resources.
use foldhash::HashSet;
use std::net::IpAddr;
use std::time::Duration;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::model;
use crate::model::Project;
use crate::model::healthcheck::{HealthTest, Healthcheck};
use crate::model::image::PullPolicy;
use crate::model::port::Protocol;
use crate::model::service::NetworkMode;
use crate::model::service::Service;
use crate::plan::context::Context;
use crate::plan::distinct::Distinct;
use crate::plan::env::{CommandRef, EnvVar, SecretNames, plan_env};
use crate::plan::storage::{MountPlan, SecretPlan, Storage};
use crate::plan::{HealthProbe, LOOPBACK_INIT_NAME, Role, from_image, names};

/// The user and group ids Kubernetes accepts (`runAsUser`, `runAsGroup`).
pub(crate) const ID_RANGE: std::ops::RangeInclusive<i64> = 0..=2_147_483_647;
/// Everything about a container besides its image and command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Details {
    /// Environment, later compose entries winning; credentials from a Secret.
    pub env: Vec<EnvVar>,
    /// The Secret holding the credentials of `env`, if it has any.
    pub env_secret: Option<SecretPlan>,
    /// The credentials the command reads from that Secret (value, variable).
    pub command_refs: Vec<CommandRef>,
    /// Container ports: (port, protocol).
    pub ports: Vec<(u16, Protocol)>,
    /// The health check as a readiness or liveness probe ([`Details::health_probe`]
    /// says which), only when the user asked for one.
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
    /// `runAsNonRoot: true`: the image's facts say who runs, and it is not
    /// root (`--inspect-images`).
    pub run_as_non_root: bool,
    /// Fresh volumes the image fills before the container starts (copy-up).
    pub copy_up: Vec<crate::plan::from_image::CopyUp>,
    /// What `--inspect-images` carried from the image, for `plan`.
    pub from_image: Option<crate::plan::from_image::Carried>,
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
    /// Compose's `pull_policy` (render spells it as `imagePullPolicy`).
    pub pull_policy: Option<PullPolicy>,
    /// What the health check becomes besides the start gate: nothing (as
    /// under compose), a `readinessProbe` or a `livenessProbe`.
    pub health_probe: HealthProbe,
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

pub use super::escape::{escape, escape_all, escape_reading};

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

/// What every container's [`Details`] are planned from, made once for the
/// project.
pub(crate) struct DetailsContext<'a> {
    /// The project's storage: each service's mounts.
    pub storage: &'a Storage,
    /// `--health-probe` (a service's `x-podlift.health-probe` wins).
    pub health_probe: HealthProbe,
    /// Services a dependent waits for with `service_healthy`: they get a
    /// start gate.
    pub gated: HashSet<&'a str>,
    /// Names the Secret of each service's credentials.
    pub secrets: SecretNames,
}

/// The details of one service's container.
pub(crate) fn details(
    service: &Service,
    context: &mut DetailsContext<'_>,
    diagnostics: &mut Diagnostics,
) -> Details {
    let (env, env_secret, command_refs) = plan_env(service, &mut context.secrets);
    let ports = distinct_ports(service.ports.iter().chain(&service.expose));
    let (run_as_user, run_as_group, run_as_non_root) = run_as(service, diagnostics);
    let mounts = context
        .storage
        .mounts
        .get(&service.name.value)
        .cloned()
        .unwrap_or_default();
    let copy_up = from_image::copy_ups(service, &mounts);
    // The service's own choice wins over the flag's.
    let health_probe = service
        .health_probe
        .as_ref()
        .map_or(context.health_probe, |p| p.value);
    let gate = context.gated.contains(service.name.value.as_str());
    Details {
        env,
        env_secret,
        command_refs,
        ports,
        probe: service
            .healthcheck
            .as_ref()
            .filter(|_| health_probe != HealthProbe::None)
            .map(probe),
        startup: service
            .healthcheck
            .as_ref()
            .filter(|_| gate)
            .map(|check| startup_probe(check, service.startup_timeout.as_ref().map(|t| t.value))),
        mounts,
        run_as_user,
        run_as_group,
        run_as_non_root,
        copy_up,
        from_image: from_image::carried(service),
        working_dir: service.security.working_dir.clone(),
        cap_add: service.security.cap_add.clone(),
        cap_drop: service.security.cap_drop.clone(),
        privileged: service.security.privileged,
        read_only: service.security.read_only,
        tty: service.security.tty,
        stdin: service.security.stdin_open,
        pull_policy: service.pull_policy,
        health_probe,
        cpu_limit: service.resources.cpu_limit,
        cpu_request: service.resources.cpu_request,
        memory_limit: service.resources.memory_limit,
        memory_request: service.resources.memory_request,
        process: crate::plan::process::process(service, diagnostics),
    }
}

/// `runAsUser`, `runAsGroup` and `runAsNonRoot` of a service: its numeric
/// `user` (`root` is 0), else what the image's facts say.
fn run_as(service: &Service, diagnostics: &mut Diagnostics) -> (Option<i64>, Option<i64>, bool) {
    let image_user = from_image::image_user(service);
    // `user: ""` is no user: Docker runs the image's.
    let written = service
        .security
        .user
        .as_ref()
        .filter(|user| !user.value.is_empty());
    let (run_as_user, run_as_group) = written.map_or((None, None), |user| {
        let (uid, gid) = user.value.split_once(':').map_or((user.value.as_str(), None), |(u, g)| (u, Some(g)));
        // `root` is user and group 0 in every image Docker resolves it in.
        let id = |text: &str| if text == "root" { Ok(0) } else { text.parse::<i64>() };
        match (id(uid), gid.map(id)) {
            (Ok(uid), gid @ (None | Some(Ok(_))))
                if !ID_RANGE.contains(&uid) || gid.as_ref().is_some_and(|g| g.as_ref().is_ok_and(|g| !ID_RANGE.contains(g))) =>
            {
                diagnostics.push(
                    Diagnostic::error(Code::UserInvalid, format!("`user: {}` of service `{}` is out of range: Kubernetes takes user and group ids from 0 to {}, and the API server would refuse the Pod", user.value, service.name.value, ID_RANGE.end()))
                        .at(user.span)
                        .help("write the numeric uid[:gid] the process should run as (`1000:1000`), or remove `user` to run as the image's user"),
                );
                (None, None)
            }
            (Ok(uid), None) => (Some(uid), None),
            (Ok(uid), Some(Ok(gid))) => (Some(uid), Some(gid)),
            _ if image_user.as_ref().is_some_and(|(uid, _, _)| uid.is_some()) => (None, None),
            // Docker runs as the user, in the group it resolves in the
            // image's `/etc/group`: keep the user, report the group.
            (Ok(uid), Some(Err(_))) if ID_RANGE.contains(&uid) => {
                let group = gid.unwrap_or_default();
                diagnostics.push(
                    Diagnostic::warning(Code::UserName, format!("the group `{group}` of `user: {}` (service `{}`) is a name; Kubernetes takes numeric ids only, so the container runs as user {uid} without `runAsGroup` (the group the image gives that user)", user.value, service.name.value))
                        .at(user.span)
                        .help("write the numeric gid the group has in the image (`user: UID:GID`)"),
                );
                (Some(uid), None)
            }
            _ => {
                diagnostics.push(
                    Diagnostic::warning(Code::UserName, format!("`user: {}` of service `{}` is a name; Kubernetes takes numeric ids only, so the image's default user runs", user.value, service.name.value))
                        .at(user.span)
                        .help("write the numeric uid[:gid] the name has in the image"),
                );
                (None, None)
            }
        }
    });
    // The image's facts: its `USER`, or a compose user name resolved in it.
    match image_user {
        Some((uid, gid, non_root)) if run_as_user.is_none() => (uid, gid, non_root),
        Some((_, _, _)) => (
            run_as_user,
            run_as_group,
            run_as_user.is_some_and(|uid| uid != 0),
        ),
        None => (run_as_user, run_as_group, false),
    }
}

/// One application container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContainerPlan {
    /// Container name (a DNS-1123 label derived from the service name).
    pub name: String,
    /// The compose service it comes from.
    pub service: String,
    /// Image reference.
    pub image: String,
    /// Kubernetes `command` (compose `entrypoint`).
    pub command: Option<Vec<String>>,
    /// Kubernetes `args` (compose `command`).
    pub args: Option<Vec<String>>,
    /// Where it runs.
    pub role: Role,
    /// Its preset addresses (a shared namespace's included).
    pub addresses: Vec<IpAddr>,
    /// Containers it waits for (`depends_on`, `network_mode: service:`).
    pub depends_on: Vec<String>,
    /// Container ports that compose publishes.
    pub published: Vec<(u16, model::port::Protocol)>,
    /// `deploy.replicas` (or `scale`).
    pub replicas: u32,
    /// Everything else: environment, ports, probes, mounts, security, resources.
    pub details: Details,
}

/// Every service's container, in start `order`, with its role: names are
/// made unique across the project, whichever Pod a service lands in.
pub(crate) fn plan_containers(
    context: &Context<'_>,
    order: &[usize],
    roles: &[Role],
    diagnostics: &mut Diagnostics,
) -> Vec<ContainerPlan> {
    let (project, addresses) = (context.project, &context.addresses);
    let mut taken: names::Taken = [LOOPBACK_INIT_NAME, crate::plan::WAIT_INIT_NAME]
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut containers = Vec::with_capacity(order.len());
    let mut shared = DetailsContext {
        storage: &context.storage,
        health_probe: context.options.health_probe,
        gated: gated_services(project, diagnostics),
        secrets: SecretNames::new(
            &names::dns_label(&project.name, "podlift"),
            &context.storage,
        ),
    };
    for &index in order {
        let Some(service) = project.services.get(index) else {
            continue;
        };
        let image = image_of(service, &project.name, diagnostics);
        let mut depends_on: Vec<String> = service
            .depends_on
            .iter()
            .map(|d| d.service.value.clone())
            .collect();
        if let Some(NetworkMode::Service(target)) = service.network_mode.as_ref().map(|m| &m.value)
            && !depends_on.contains(target)
        {
            depends_on.push(target.clone());
        }
        let name = taken.unique(&names::dns_label(&service.name.value, "service"));
        let details = details(service, &mut shared, diagnostics);
        containers.push(ContainerPlan {
            name,
            service: service.name.value.clone(),
            image,
            command: service
                .entrypoint
                .as_ref()
                .map(|c| escape_reading(&c.value, &details.command_refs)),
            args: service
                .command
                .as_ref()
                .map(|c| escape_reading(&c.value, &details.command_refs)),
            role: roles.get(index).copied().unwrap_or(Role::Container),
            addresses: addresses
                .by_service
                .get(&service.name.value)
                .cloned()
                .unwrap_or_default(),
            depends_on,
            published: distinct_ports(
                (service.ports.iter())
                    .filter(|p| super::network_policy::publishes(project, service, p)),
            ),
            replicas: service.replicas.as_ref().map_or(1, |r| r.value),
            details,
        });
    }
    shared.secrets.notes(diagnostics);
    containers
}

/// The container ports of `ports`, each once, in the order first seen.
fn distinct_ports<'p>(ports: impl Iterator<Item = &'p model::port::Port>) -> Vec<(u16, Protocol)> {
    let mut seen = Distinct::new();
    (ports.map(|p| (p.target, p.protocol)))
        .filter(|&key| seen.insert(key))
        .collect()
}

/// Services a dependent waits on with `service_healthy`: only they get a
/// start gate (`startupProbe`); compose never kills a container for a
/// failing health check, and a plain `depends_on` waits for nothing.
fn gated_services<'a>(project: &'a Project, diagnostics: &mut Diagnostics) -> HashSet<&'a str> {
    let gated: HashSet<&str> = project
        .services
        .iter()
        .flat_map(|s| &s.depends_on)
        .filter(|d| d.condition == model::service::Condition::Healthy)
        .map(|d| d.service.value.as_str())
        .collect();
    warn_unknown_health(project, diagnostics);
    from_image::refuse_unhealthy(project, diagnostics);
    for service in &project.services {
        if let Some(choice) = &service.health_probe
            && service.healthcheck.is_none()
        {
            diagnostics.push(
                Diagnostic::warning(Code::HealthProbeUnused, format!("`x-podlift.health-probe` of service `{}` has no effect: it has no `healthcheck` in the compose file", service.name.value))
                    .at(choice.span)
                    .help("write its `healthcheck:` (or convert with `--inspect-images` when its image has a `HEALTHCHECK`), or remove the key"),
            );
        }
        if let Some(timeout) = &service.startup_timeout
            && !gated.contains(service.name.value.as_str())
        {
            diagnostics.push(
                Diagnostic::warning(Code::StartupTimeoutUnused, format!("`x-podlift.startup-timeout` of service `{}` has no effect: no service waits on it with `condition: service_healthy`", service.name.value))
                    .at(timeout.span)
                    .help("remove it, or make the dependent wait with `condition: service_healthy`"),
            );
        }
    }
    gated
}

/// A `service_healthy` dependency on a service without a compose health
/// check: compose waits on the image's `HEALTHCHECK`, or refuses to start
/// when the image has none; podlift does not read images, so the
/// dependent waits only until its target has started.
fn warn_unknown_health(project: &Project, diagnostics: &mut Diagnostics) {
    for service in &project.services {
        for dependency in service
            .depends_on
            .iter()
            .filter(|d| d.condition == model::service::Condition::Healthy)
        {
            let target = &dependency.service.value;
            // An inspected image's facts decide (`healthy-none`).
            if project
                .service(target)
                .is_none_or(|t| t.healthcheck.is_some() || t.from_image.is_some())
            {
                continue;
            }
            diagnostics.push(
                Diagnostic::warning(
                    Code::HealthyUnknown,
                    format!(
                        "service `{}` waits for `{target}` with `condition: service_healthy`, but `{target}` has no `healthcheck` in the compose file; compose would wait on its image's `HEALTHCHECK`, or refuse to start if the image has none; without `--inspect-images` podlift does not read images, so `{}` waits only until `{target}` has started",
                        service.name.value, service.name.value
                    ),
                )
                .at(dependency.service.span)
                .help(format!(
                    "check the image's `HEALTHCHECK` (`docker image inspect`) and write it as `healthcheck:` on `{target}`, or wait with `condition: service_started`; or convert with `--inspect-images` to read it"
                )),
            );
        }
    }
}

pub(crate) fn image_of(service: &Service, project: &str, diagnostics: &mut Diagnostics) -> String {
    if let Some(provider) = service.provider {
        // compose runs the provider's binary, which makes the resource
        // (a database, a model) elsewhere: there is no container to run
        diagnostics.push(
            Diagnostic::error(
                Code::ProviderService,
                format!("service `{}` is a compose provider service: compose runs a provider binary for it instead of a container, which podlift cannot carry to Kubernetes", service.name.value),
            )
            .at(provider)
            .help(format!("make the resource on the cluster (an operator, a managed service, or a service with an image), give the services that use it its address in their `environment`, and leave this one out: `--exclude {}` (with `required: false` on the `depends_on` entries that name it)", service.name.value)),
        );
        return String::new();
    }
    match (&service.image, service.build) {
        (Some(image), Some(build)) if !image.value.trim().is_empty() => {
            // compose builds the image under this name; the cluster can only pull it
            diagnostics.push(
                Diagnostic::warning(
                    Code::ImageBuilt,
                    format!(
                        "service `{}` is built, not pulled; the Pod expects image `{}`, which compose builds",
                        service.name.value, image.value
                    ),
                )
                .at(build)
                .help("build it, push it to a registry the cluster can pull from, and make `image:` that reference"),
            );
            image.value.clone()
        }
        (Some(image), _) if !image.value.trim().is_empty() => image.value.clone(),
        (_, Some(build)) => {
            // docker compose names a built image `<project>-<service>`.
            let image = format!("{project}-{}", service.name.value);
            diagnostics.push(
                Diagnostic::warning(Code::ImageBuilt, format!("service `{}` is built, not pulled; the Pod expects image `{image}`", service.name.value))
                    .at(build)
                    .help("build it, push it to a registry the cluster can pull from, and set `image:` to that reference"),
            );
            image
        }
        _ => {
            diagnostics.push(
                Diagnostic::error(
                    Code::ImageMissing,
                    format!("service `{}` has no `image`", service.name.value),
                )
                .at(service.name.span)
                .help("set `image:` to a reference the cluster can pull"),
            );
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::diagnostic::Code;
    use crate::plan::{ContainerPlan, HealthProbe, PlanOptions, plan_text};

    fn planned(text: &str, options: &PlanOptions) -> (Vec<ContainerPlan>, Vec<Code>) {
        let (pod, diagnostics) = plan_text(text, options);
        let codes = diagnostics.items().iter().map(|d| d.code).collect();
        (pod.containers, codes)
    }

    fn of<'a>(containers: &'a [ContainerPlan], service: &str) -> &'a ContainerPlan {
        containers.iter().find(|c| c.service == service).unwrap()
    }

    const CHECKED: &str = "services:
  db:
    image: db
    healthcheck: {test: [CMD, check], interval: 5s}
    x-podlift: {health-probe: liveness}
  cache:
    image: c
    healthcheck: {test: [CMD, check]}
  app:
    image: a
    depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}
";

    #[test]
    fn only_a_service_waited_for_as_healthy_gets_a_start_gate() {
        let (containers, _) = planned(CHECKED, &PlanOptions::default());
        let db = &of(&containers, "db").details;
        let gate = db.startup.as_ref().unwrap();
        assert_eq!(gate.command, ["check"]);
        // Ten minutes at the check's five-second interval.
        assert_eq!(gate.failure_threshold, 120);
        assert!(of(&containers, "cache").details.startup.is_none());
        assert!(of(&containers, "app").details.startup.is_none());
    }

    #[test]
    fn the_services_own_health_probe_choice_wins_over_the_flag() {
        let options = PlanOptions {
            health_probe: HealthProbe::Readiness,
            ..PlanOptions::default()
        };
        let (containers, _) = planned(CHECKED, &options);
        let db = &of(&containers, "db").details;
        assert_eq!(db.health_probe, HealthProbe::Liveness);
        let cache = &of(&containers, "cache").details;
        assert_eq!(cache.health_probe, HealthProbe::Readiness);
        assert!(cache.probe.is_some());
        let (containers, _) = planned(CHECKED, &PlanOptions::default());
        assert!(of(&containers, "cache").details.probe.is_none());
    }

    #[test]
    fn a_numeric_user_runs_as_its_ids_and_others_are_reported() {
        let text = "services:
  a: {image: a, user: '1000:2000'}
  b: {image: b, user: '0'}
  c: {image: c, user: 'www-data'}
  d: {image: d, user: '99999999999'}
";
        let (containers, codes) = planned(text, &PlanOptions::default());
        let ids = |s: &str| {
            let d = &of(&containers, s).details;
            (d.run_as_user, d.run_as_group, d.run_as_non_root)
        };
        assert_eq!(ids("a"), (Some(1000), Some(2000), false));
        assert_eq!(ids("b"), (Some(0), None, false));
        assert_eq!(ids("c"), (None, None, false));
        assert_eq!(ids("d"), (None, None, false));
        assert!(
            codes.contains(&Code::UserName) && codes.contains(&Code::UserInvalid),
            "{codes:?}"
        );
    }
}
