//! The keys of a service definition and of the mappings inside it.

use super::{Object, Shape, keys};

pub(super) static SERVICE: Object = keys(
    "service",
    &[
        ("annotations", Shape::ListOrMap),
        ("attach", Shape::Any),
        ("build", Shape::Keys(&BUILD)),
        ("blkio_config", Shape::Keys(&BLKIO)),
        ("cap_add", Shape::Texts),
        ("cap_drop", Shape::Texts),
        ("cgroup", Shape::Text { null: true }),
        ("cgroup_parent", Shape::Text { null: true }),
        ("command", Shape::ModelText),
        ("configs", Shape::TextOrKeys(&FILE_REFERENCE)),
        ("container_name", Shape::ModelText),
        ("cpu_count", Shape::Any),
        ("cpu_percent", Shape::Any),
        ("cpu_period", Shape::Any),
        ("cpu_quota", Shape::Any),
        ("cpu_rt_period", Shape::Any),
        ("cpu_rt_runtime", Shape::Any),
        ("cpu_shares", Shape::Any),
        ("cpus", Shape::Any),
        ("cpuset", Shape::Any),
        ("credential_spec", Shape::Keys(&CREDENTIAL_SPEC)),
        (
            "depends_on",
            Shape::Unique(&Shape::ClosedNames(
                "`depends_on`",
                &Shape::Keys(&DEPENDENCY),
            )),
        ),
        ("deploy", Shape::Keys(&DEPLOY)),
        ("develop", Shape::Keys(&DEVELOP)),
        ("device_cgroup_rules", Shape::Unique(&Shape::Texts)),
        ("devices", Shape::TextOrKeys(&DEVICE)),
        ("dns", Shape::ModelText),
        ("dns_opt", Shape::ModelText),
        ("dns_search", Shape::ModelText),
        ("domainname", Shape::Text { null: true }),
        ("entrypoint", Shape::ModelText),
        ("env_file", Shape::TextOrKeys(&ENV_FILE)),
        ("environment", Shape::ListOrMap),
        ("expose", Shape::Any),
        // resolved before compose checks the file
        ("extends", Shape::Any),
        ("external_links", Shape::Unique(&Shape::Texts)),
        ("extra_hosts", Shape::Unique(&Shape::ListOrMap)),
        // compose's schema puts no bounds on a `gpus` entry's keys
        ("gpus", Shape::Any),
        ("group_add", Shape::Unique(&Shape::Ids)),
        ("healthcheck", Shape::Keys(&HEALTHCHECK)),
        ("hostname", Shape::ModelText),
        ("image", Shape::ModelText),
        ("init", Shape::Any),
        ("ipc", Shape::Text { null: false }),
        ("isolation", Shape::Text { null: true }),
        ("label_file", Shape::Texts),
        ("labels", Shape::ListOrMap),
        ("links", Shape::Texts),
        ("logging", Shape::Keys(&LOGGING)),
        ("mac_address", Shape::Text { null: true }),
        ("mem_limit", Shape::Any),
        ("mem_reservation", Shape::Any),
        ("mem_swappiness", Shape::Any),
        ("memswap_limit", Shape::Any),
        ("models", Shape::Names(&Shape::Keys(&MODEL_USE))),
        ("network_mode", Shape::Any),
        (
            "networks",
            Shape::ClosedNames("service network", &Shape::Keys(&ATTACHMENT)),
        ),
        ("oom_kill_disable", Shape::Any),
        ("oom_score_adj", Shape::Any),
        ("pid", Shape::Text { null: false }),
        ("pids_limit", Shape::Any),
        ("platform", Shape::Text { null: false }),
        ("ports", Shape::Keys(&PORT)),
        ("post_start", Shape::Keys(&HOOK)),
        ("pre_stop", Shape::Keys(&HOOK)),
        ("privileged", Shape::Any),
        ("profiles", Shape::Texts),
        ("provider", Shape::Keys(&PROVIDER)),
        ("pull_policy", Shape::ModelText),
        ("pull_refresh_after", Shape::Any),
        ("read_only", Shape::Any),
        ("restart", Shape::Any),
        ("runtime", Shape::Text { null: true }),
        ("scale", Shape::Any),
        ("secrets", Shape::TextOrKeys(&FILE_REFERENCE)),
        ("security_opt", Shape::Unique(&Shape::Texts)),
        ("shm_size", Shape::Any),
        ("stdin_open", Shape::Any),
        ("stop_grace_period", Shape::Any),
        ("stop_signal", Shape::Text { null: true }),
        ("storage_opt", Shape::Any),
        ("sysctls", Shape::ListOrMap),
        ("tmpfs", Shape::Texts),
        ("tty", Shape::Any),
        ("ulimits", Shape::Names(&Shape::Keys(&ULIMIT))),
        ("use_api_socket", Shape::Any),
        ("user", Shape::ModelText),
        ("userns_mode", Shape::Text { null: false }),
        ("uts", Shape::Text { null: false }),
        ("volumes", Shape::TextOrKeys(&MOUNT)),
        ("volumes_from", Shape::Unique(&Shape::Texts)),
        ("working_dir", Shape::ModelText),
    ],
    true,
);

static BUILD: Object = keys(
    "`build`",
    &[
        ("additional_contexts", Shape::Any),
        ("args", Shape::ListOrMap),
        ("cache_from", Shape::Any),
        ("cache_to", Shape::Any),
        ("context", Shape::Any),
        ("dockerfile", Shape::Any),
        ("dockerfile_inline", Shape::Any),
        ("entitlements", Shape::Any),
        ("extra_hosts", Shape::Unique(&Shape::ListOrMap)),
        ("isolation", Shape::Any),
        ("labels", Shape::ListOrMap),
        ("network", Shape::Any),
        ("no_cache", Shape::Any),
        ("platforms", Shape::Any),
        ("privileged", Shape::Any),
        ("provenance", Shape::Any),
        ("pull", Shape::Any),
        ("sbom", Shape::Any),
        ("secrets", Shape::TextOrKeys(&FILE_REFERENCE)),
        ("shm_size", Shape::Any),
        ("ssh", Shape::Any),
        ("tags", Shape::Any),
        ("target", Shape::Any),
        ("ulimits", Shape::Names(&Shape::Keys(&ULIMIT))),
    ],
    true,
);

static BLKIO: Object = keys(
    "`blkio_config`",
    &[
        ("device_read_bps", Shape::Keys(&BLKIO_RATE)),
        ("device_read_iops", Shape::Keys(&BLKIO_RATE)),
        ("device_write_bps", Shape::Keys(&BLKIO_RATE)),
        ("device_write_iops", Shape::Keys(&BLKIO_RATE)),
        ("weight", Shape::Any),
        ("weight_device", Shape::Keys(&BLKIO_WEIGHT)),
    ],
    false,
);

static BLKIO_RATE: Object = keys(
    "`blkio_config` device",
    &[("path", Shape::Any), ("rate", Shape::Any)],
    false,
);

static BLKIO_WEIGHT: Object = keys(
    "`blkio_config` device",
    &[("path", Shape::Any), ("weight", Shape::Any)],
    false,
);

static CREDENTIAL_SPEC: Object = keys(
    "`credential_spec`",
    &[
        ("config", Shape::Any),
        ("file", Shape::Any),
        ("registry", Shape::Any),
    ],
    true,
);

static DEPENDENCY: Object = keys(
    "`depends_on`",
    &[
        ("condition", Shape::Any),
        ("required", Shape::Any),
        ("restart", Shape::Any),
    ],
    true,
);

static DEPLOY: Object = keys(
    "`deploy`",
    &[
        ("endpoint_mode", Shape::Any),
        ("labels", Shape::ListOrMap),
        ("mode", Shape::Any),
        ("placement", Shape::Keys(&PLACEMENT)),
        ("replicas", Shape::Any),
        ("resources", Shape::Keys(&RESOURCES)),
        ("restart_policy", Shape::Keys(&RESTART_POLICY)),
        ("rollback_config", Shape::Keys(&UPDATE_CONFIG)),
        ("update_config", Shape::Keys(&UPDATE_CONFIG)),
    ],
    true,
);

static PLACEMENT: Object = keys(
    "`deploy.placement`",
    &[
        ("constraints", Shape::Any),
        ("max_replicas_per_node", Shape::Any),
        ("preferences", Shape::Keys(&PREFERENCE)),
    ],
    true,
);

static PREFERENCE: Object = keys(
    "`deploy.placement.preferences`",
    &[("spread", Shape::Any)],
    true,
);

static RESOURCES: Object = keys(
    "`deploy.resources`",
    &[
        ("limits", Shape::Keys(&LIMITS)),
        ("reservations", Shape::Keys(&RESERVATIONS)),
    ],
    true,
);

static LIMITS: Object = keys(
    "`deploy.resources.limits`",
    &[
        ("cpus", Shape::Any),
        ("memory", Shape::Any),
        ("pids", Shape::Any),
    ],
    true,
);

static RESERVATIONS: Object = keys(
    "`deploy.resources.reservations`",
    &[
        ("cpus", Shape::Any),
        ("devices", Shape::Keys(&DEVICE_REQUEST)),
        ("generic_resources", Shape::Keys(&GENERIC_RESOURCE)),
        ("memory", Shape::Any),
    ],
    true,
);

static DEVICE_REQUEST: Object = keys(
    "`deploy.resources.reservations.devices`",
    &[
        ("capabilities", Shape::Any),
        ("count", Shape::Any),
        ("device_ids", Shape::Any),
        ("driver", Shape::Any),
        ("options", Shape::Any),
    ],
    true,
);

static GENERIC_RESOURCE: Object = keys(
    "`generic_resources`",
    &[("discrete_resource_spec", Shape::Keys(&DISCRETE_RESOURCE))],
    true,
);

static DISCRETE_RESOURCE: Object = keys(
    "`discrete_resource_spec`",
    &[("kind", Shape::Any), ("value", Shape::Any)],
    true,
);

static RESTART_POLICY: Object = keys(
    "`deploy.restart_policy`",
    &[
        ("condition", Shape::Any),
        ("delay", Shape::Any),
        ("max_attempts", Shape::Any),
        ("window", Shape::Any),
    ],
    true,
);

static UPDATE_CONFIG: Object = keys(
    "`deploy` update",
    &[
        ("delay", Shape::Any),
        ("failure_action", Shape::Any),
        ("max_failure_ratio", Shape::Any),
        ("monitor", Shape::Any),
        ("order", Shape::Any),
        ("parallelism", Shape::Any),
    ],
    true,
);

static DEVELOP: Object = keys("`develop`", &[("watch", Shape::Keys(&WATCH))], true);

static WATCH: Object = keys(
    "`develop.watch`",
    &[
        ("action", Shape::Any),
        ("exec", Shape::Keys(&HOOK)),
        ("ignore", Shape::Any),
        ("include", Shape::Any),
        ("initial_sync", Shape::Any),
        ("path", Shape::Any),
        ("target", Shape::Any),
    ],
    true,
);

static DEVICE: Object = keys(
    "`devices`",
    &[
        ("permissions", Shape::Any),
        ("source", Shape::Any),
        ("target", Shape::Any),
    ],
    true,
);

static ENV_FILE: Object = keys(
    "`env_file`",
    &[
        ("format", Shape::Any),
        ("path", Shape::Text { null: false }),
        ("required", Shape::Any),
    ],
    false,
);

static HEALTHCHECK: Object = keys(
    "healthcheck",
    &[
        ("disable", Shape::Any),
        ("interval", Shape::Any),
        ("retries", Shape::Any),
        ("start_interval", Shape::Any),
        ("start_period", Shape::Any),
        ("test", Shape::ModelText),
        ("timeout", Shape::Any),
    ],
    true,
);

static HOOK: Object = keys(
    "hook",
    &[
        ("command", Shape::ModelText),
        ("environment", Shape::ListOrMap),
        ("privileged", Shape::Any),
        ("user", Shape::ModelText),
        ("working_dir", Shape::ModelText),
    ],
    true,
);

static LOGGING: Object = keys(
    "`logging`",
    &[("driver", Shape::Any), ("options", Shape::Options)],
    true,
);

static MODEL_USE: Object = keys(
    "service model",
    &[("endpoint_var", Shape::Any), ("model_var", Shape::Any)],
    true,
);

static ATTACHMENT: Object = keys(
    "service network",
    &[
        ("aliases", Shape::Texts),
        ("driver_opts", Shape::Options),
        ("gw_priority", Shape::Any),
        ("interface_name", Shape::Any),
        ("ipv4_address", Shape::Any),
        ("ipv6_address", Shape::Any),
        ("link_local_ips", Shape::Any),
        ("mac_address", Shape::Any),
        ("priority", Shape::Any),
    ],
    true,
);

static PORT: Object = keys(
    "port",
    &[
        ("app_protocol", Shape::Any),
        ("host_ip", Shape::Any),
        ("mode", Shape::Any),
        ("name", Shape::Any),
        ("protocol", Shape::Any),
        ("published", Shape::Any),
        ("target", Shape::Any),
    ],
    true,
);

static PROVIDER: Object = keys(
    "`provider`",
    &[("options", Shape::Options), ("type", Shape::Any)],
    true,
);

static FILE_REFERENCE: Object = keys(
    "secret or config reference",
    &[
        ("gid", Shape::Any),
        ("mode", Shape::Any),
        ("source", Shape::Text { null: false }),
        ("target", Shape::Any),
        ("uid", Shape::Any),
    ],
    true,
);

static ULIMIT: Object = keys(
    "`ulimits`",
    &[("hard", Shape::Any), ("soft", Shape::Any)],
    true,
);

static MOUNT: Object = keys(
    "volume mount",
    &[
        ("bind", Shape::Keys(&MOUNT_BIND)),
        ("consistency", Shape::Any),
        ("image", Shape::Keys(&MOUNT_IMAGE)),
        ("read_only", Shape::Any),
        ("source", Shape::Any),
        ("target", Shape::Any),
        ("tmpfs", Shape::Keys(&MOUNT_TMPFS)),
        ("type", Shape::Any),
        ("volume", Shape::Keys(&MOUNT_VOLUME)),
    ],
    true,
);

static MOUNT_BIND: Object = keys(
    "`bind`",
    &[
        ("create_host_path", Shape::Any),
        ("propagation", Shape::Any),
        ("recursive", Shape::Any),
        ("selinux", Shape::Any),
    ],
    true,
);

static MOUNT_IMAGE: Object = keys("`image`", &[("subpath", Shape::Any)], true);

static MOUNT_TMPFS: Object = keys(
    "`tmpfs`",
    &[("mode", Shape::Any), ("size", Shape::Any)],
    true,
);

static MOUNT_VOLUME: Object = keys(
    "`volume`",
    &[
        ("labels", Shape::ListOrMap),
        ("nocopy", Shape::Any),
        ("subpath", Shape::Any),
    ],
    true,
);
