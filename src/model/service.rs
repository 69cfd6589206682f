//! One compose service, typed.

mod key;
mod read;

use crate::model::environment::Variable;
use crate::model::from_image::FromImage;
use crate::model::healthcheck::{HealthSetting, Healthcheck};
use crate::model::image::PullPolicy;
use crate::model::key_value::KeyValue;
use crate::model::network::ServiceNetwork;
use crate::model::port::Port;
use crate::model::process::{Hook, Namespaces, SecurityOpt};
use crate::model::volume::{FileUse, Mount, VolumesFrom};
use crate::source::{Located, Span};

pub use crate::model::dependency::{Condition, Dependency};
pub use crate::model::hosts::{ExtraHost, Link};
pub use crate::model::network::NetworkMode;
pub use crate::model::resources::Resources;
pub use crate::model::restart::Restart;

/// A compose service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The key under `services:`.
    pub name: Located<String>,
    /// `image`.
    pub image: Option<Located<String>>,
    /// `platform` (`linux/arm64`): read for `--inspect-images` only, to
    /// resolve a multi-architecture image; still reported as not carried.
    pub platform: Option<Located<String>>,
    /// `command` (Kubernetes `args`).
    pub command: Option<Located<Vec<String>>>,
    /// `entrypoint` (Kubernetes `command`).
    pub entrypoint: Option<Located<Vec<String>>>,
    /// Credentials interpolation wrote into `command` or `entrypoint`
    /// (the plan reads them from a Secret).
    pub(crate) command_credentials: Vec<crate::model::command_secret::CommandCredential>,
    /// `container_name`.
    pub container_name: Option<Located<String>>,
    /// `hostname`.
    pub hostname: Option<Located<String>>,
    /// `networks`.
    pub networks: Vec<ServiceNetwork>,
    /// `network_mode`.
    pub network_mode: Option<Located<NetworkMode>>,
    /// `depends_on`.
    pub depends_on: Vec<Dependency>,
    /// `links`.
    pub links: Vec<Link>,
    /// `extra_hosts`.
    pub extra_hosts: Vec<ExtraHost>,
    /// `restart`.
    pub restart: Option<Located<Restart>>,
    /// `env_file` then `environment`, in order; later entries win.
    pub environment: Vec<Variable>,
    /// `ports`.
    pub ports: Vec<Port>,
    /// `expose`.
    pub expose: Vec<Port>,
    /// `expose` as compose prints it: each entry as compose reads it (a
    /// number as the number, `0x50` is `80`), each once.
    pub expose_written: Vec<String>,
    /// `healthcheck` (absent when disabled); with `--inspect-images`, the
    /// image's `HEALTHCHECK` where compose leaves it (see [`FromImage`]).
    pub healthcheck: Option<Healthcheck>,
    /// `healthcheck` as written, each field only when set (an image's
    /// `HEALTHCHECK` fills the rest).
    pub health_setting: Option<HealthSetting>,
    /// What `--inspect-images` carried from the image; `None` when it was
    /// not inspected.
    pub from_image: Option<FromImage>,
    /// `volumes` and `tmpfs`.
    pub mounts: Vec<Mount>,
    /// `secrets`.
    pub secrets: Vec<FileUse>,
    /// `configs`.
    pub configs: Vec<FileUse>,
    /// `user`, `working_dir`, capabilities and the like.
    pub security: Security,
    /// `mem_limit`, `cpus`, `deploy.resources`.
    pub resources: Resources,
    /// `deploy.replicas` (or `scale`).
    pub replicas: Option<Located<u32>>,
    /// Pod-wide settings this service asks for.
    pub pod: PodSettings,
    /// `pull_policy`.
    pub pull_policy: Option<PullPolicy>,
    /// `pull_policy` as compose prints it: as written, `if_not_present` as
    /// `missing`.
    pub pull_policy_written: Option<String>,
    /// Where `build` was written, when the service is built rather than pulled.
    pub build: Option<Span>,
    /// Where `provider` was written: compose runs a provider binary for the
    /// service instead of a container.
    pub provider: Option<Span>,
    /// `x-podlift.group`: services that stay in one Pod under the split strategy.
    pub group: Option<Located<String>>,
    /// `volumes_from`.
    pub volumes_from: Vec<Located<VolumesFrom>>,
    /// `label_file` then `labels` (a key of `labels` wins over the files').
    pub labels: Vec<Located<KeyValue>>,
    /// Variables of `environment` written without a value, whose value came
    /// from the environment podlift runs in.
    pub captured_env: Vec<Located<String>>,
    /// `x-podlift.startup-timeout`: how long a service others wait on with
    /// `service_healthy` may take to become healthy before it is restarted.
    pub startup_timeout: Option<Located<std::time::Duration>>,
    /// `x-podlift.health-probe`: what its health check becomes (wins over `--health-probe`).
    pub health_probe: Option<Located<crate::model::healthcheck::HealthProbe>>,
    /// `x-podlift.wait`: whether, and how long, its Pod waits for `depends_on`
    /// targets that run in other Pods.
    pub wait: Option<Located<crate::model::Wait>>,
    /// `x-podlift.allow`: warning codes the team accepted for this service.
    pub allow: Vec<Located<String>>,
    /// `x-podlift.bind-as`: what its writable bind mounts become (wins over `--bind-as`).
    pub bind_as: Option<Located<crate::model::volume::BindChoice>>,
    /// `pid`, `ipc`, `uts`, `userns_mode`.
    pub namespaces: Namespaces,
    /// `shm_size` in bytes.
    pub shm_size: Option<Located<u64>>,
    /// `post_start` hooks.
    pub post_start: Vec<Hook>,
    /// `pre_stop` hooks.
    pub pre_stop: Vec<Hook>,
    /// `annotations`.
    pub annotations: Vec<Located<KeyValue>>,
}

impl Service {
    /// The variables its container starts with, in order (a later entry of
    /// a name wins): `env_file`'s then `environment`'s, without the names
    /// that have no value (compose passes those on unset).
    pub fn container_environment(&self) -> impl Iterator<Item = (&str, &str)> {
        self.environment
            .iter()
            .filter_map(|v| Some((v.name.as_str(), v.value.as_deref()?)))
    }
}

/// Settings that Kubernetes has only once per Pod.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PodSettings {
    /// `dns` servers.
    pub dns: Option<Located<Vec<String>>>,
    /// `dns_search` domains.
    pub dns_search: Option<Located<Vec<String>>>,
    /// `dns_opt` options.
    pub dns_opt: Option<Located<Vec<String>>>,
    /// `stop_grace_period`.
    pub stop_grace_period: Option<Located<std::time::Duration>>,
    /// `sysctls`.
    pub sysctls: Option<Located<Vec<KeyValue>>>,
}

/// Process and privilege settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Security {
    /// `user`.
    pub user: Option<Located<String>>,
    /// `working_dir`.
    pub working_dir: Option<String>,
    /// `cap_add`, as Kubernetes spells them (`NET_RAW`, `ALL`).
    pub cap_add: Vec<String>,
    /// `cap_drop`, as Kubernetes spells them.
    pub cap_drop: Vec<String>,
    /// `cap_add` and `cap_drop` as written, as compose prints them.
    pub caps_written: [Vec<String>; 2],
    /// `privileged`.
    pub privileged: bool,
    /// `read_only`.
    pub read_only: bool,
    /// `tty`.
    pub tty: bool,
    /// `stdin_open`.
    pub stdin_open: bool,
    /// `security_opt`.
    pub options: Vec<Located<SecurityOpt>>,
    /// `security_opt` as written, as compose prints it.
    pub options_written: Vec<String>,
    /// `group_add`: group ids or names.
    pub group_add: Vec<Located<String>>,
}
