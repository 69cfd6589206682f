//! Explanations of one service's settings: image, command, dependencies, health, resources, security.

use super::Explanation;
use crate::diagnostic::Code;

pub(super) const CAPABILITY_UNKNOWN: Explanation = Explanation {
    code: Code::CapabilityUnknown,
    title: "a `cap_add`/`cap_drop` item is not a Linux capability",
    meaning: "An item of `cap_add` or `cap_drop` names no Linux capability (a typo, a path, `CAP_ALL`). Docker takes a name in any case, with or without `CAP_` (`cap_net_raw`, `CAP_NET_RAW`, `NET_RAW`), or `ALL`, and refuses anything else; podlift writes the bare upper-case name Kubernetes takes.",
    kubernetes: "The container runtime would refuse the Pod for an unknown capability, or (for a `CAP_` spelling copied verbatim) drop nothing.",
    remedy: "Write a capability name such as `NET_ADMIN`, or `ALL`.",
    example: "services:\n  app:\n    image: app:1\n    cap_drop: [/etc/passwd]\n",
};

pub(super) const COMMAND_SECRET: Explanation = Explanation {
    code: Code::CommandSecret,
    title: "a credential interpolated into a command is read from a Secret",
    meaning: "`command` or `entrypoint` takes a variable that looks like a credential (by its name or its value, as for `env-secret`) from the environment or `.env`: `command: redis-server --requirepass ${REDIS_PASSWORD}`. Compose writes its value into the words. podlift writes `$(REDIS_PASSWORD_ARG)` where the value stood, puts the value into the service's Secret (`<project>-<service>-env`) and gives the container the variable `REDIS_PASSWORD_ARG` (made unique) read with `secretKeyRef`; when `environment` sets `REDIS_PASSWORD` to that value, that variable is read instead.",
    kubernetes: "The kubelet expands `$(NAME)` in `command` and `args` from the container's environment before it starts the container, so the process gets the same words; a Deployment's words are readable by anyone who may read it (the default `view` role), a Secret can be kept from them. The container's environment holds the added `_ARG` variable too; it never takes the variable's own name, which compose left unset in the container and which can change what the image does (`http_proxy`, `REDIS_PASSWORD`).",
    remedy: "Nothing to do; keep the Secret out of version control as for `env-secret`.",
    example: "services:
  cache:
    image: redis:7
    command: redis-server --requirepass ${REDIS_PASSWORD}
# file: .env
REDIS_PASSWORD=s3cret-pass
",
};

pub(super) const COMMAND_SYNTAX: Explanation = Explanation {
    code: Code::CommandSyntax,
    title: "a command cannot be split into words",
    meaning: "`command` or `entrypoint` is written as one string that shell-style splitting cannot read, usually an unclosed quote.",
    kubernetes: "Kubernetes takes a command as a list of words; podlift splits a string the way compose does, and cannot guess where an unclosed quote ends.",
    remedy: "Close the quote, or write the command as a list.",
    example: "services:\n  app:\n    image: app:1\n    command: sh -c 'echo hello\n",
};

pub(super) const CONTAINER_NAME_DUPLICATE: Explanation = Explanation {
    code: Code::ContainerNameDuplicate,
    title: "two services have the same `container_name`",
    meaning: "Two services set one `container_name`. Compose refuses the file: a container name must be unique.",
    kubernetes: "The container name becomes a name in the Pod's `hostAliases`; one name cannot point at two services.",
    remedy: "Give each service its own `container_name`, or remove it.",
    example: "services:\n  a:\n    image: web:1\n    container_name: web\n  b:\n    image: web:1\n    container_name: web\n",
};

pub(super) const CREDENTIAL_IN_PROBE: Explanation = Explanation {
    code: Code::CredentialInProbe,
    title: "a credential interpolated into a health check or hook stays in plain text",
    meaning: "A health check's `test` or a `post_start`/`pre_stop` hook's `command` takes a variable that looks like a credential from the environment or `.env` (`test: [\"CMD\", \"mysqladmin\", \"ping\", \"-p${DB_PASSWORD}\"]`). Compose writes its value into the words. The same holds for `command` or `entrypoint` written as one string where splitting it into words cut the value (`command: run --password ${DB_PASSWORD}` with a value that holds a space or a quote): no word holds it whole, so no `$(NAME)` can stand for it; written as a list, each item is one word.",
    kubernetes: "The probe's or hook's command is written into the Deployment, readable by anyone who may read it (the default `view` role). Unlike a container's `command` and `args`, the kubelet reads no Secret into a probe's or hook's command (`$(NAME)` there expands only plain `value`s), so podlift cannot move it out.",
    remedy: "Let a shell in the container read it from the environment: `test: [\"CMD-SHELL\", \"mysqladmin ping -p$$DB_PASSWORD\"]` with `DB_PASSWORD: ${DB_PASSWORD}` under `environment` (which podlift puts into a Secret).",
    example: "services:
  db:
    image: mariadb:11
    healthcheck:
      test: [\"CMD\", \"mysqladmin\", \"ping\", \"-p${DB_PASSWORD}\"]
# file: .env
DB_PASSWORD=s3cret-pass
",
};

pub(super) const CPUS_INVALID: Explanation = Explanation {
    code: Code::CpusInvalid,
    title: "a CPU setting is not one Docker accepts",
    meaning: "`cpus` or `deploy.resources.*.cpus` holds something other than a positive number, or `cpu_period` is outside the 1 ms to 1 s (1000 to 1000000 microseconds) Docker accepts (0 means Docker's default, 100000), or `cpu_quota` is below Docker's least, 1000 (1 ms; `-1` means no limit).",
    kubernetes: "It becomes the container's CPU request or limit, which must be a positive quantity; `cpu_quota` over `cpu_period` is the limit, so a wrong period would write a wrong one.",
    remedy: "Write a positive number such as `0.5`, and a `cpu_period` in microseconds such as `100000`.",
    example: "services:\n  app:\n    image: app:1\n    cpus: -1\n",
};

pub(super) const DEPENDS_ON_CONDITION: Explanation = Explanation {
    code: Code::DependsOnCondition,
    title: "a `depends_on` condition is unknown",
    meaning: "A long-syntax `depends_on` entry has a `condition` compose does not know.",
    kubernetes: "The condition decides how podlift orders start-up (sidecar, startup probe, one-shot init container); an unknown one falls back to `service_started`.",
    remedy: "Use `service_started`, `service_healthy` or `service_completed_successfully`.",
    example: "services:\n  app:\n    image: app:1\n    depends_on:\n      db: {condition: service_ready}\n  db:\n    image: db:1\n",
};

pub(super) const DEPENDS_ON_CYCLE: Explanation = Explanation {
    code: Code::DependsOnCycle,
    title: "services depend on each other in a cycle",
    meaning: "Following `depends_on` (and `network_mode: service:X`) leads back to where it started.",
    kubernetes: "Start order becomes init containers and sidecars in one sequence; a cycle has no first member, and compose refuses it too.",
    remedy: "Break the cycle: one of the services must start without waiting for the others (and retry until they answer).",
    example: "services:\n  a:\n    image: a:1\n    depends_on: [b]\n  b:\n    image: b:1\n    depends_on: [a]\n",
};

pub(super) const DEPENDS_ON_OPTIONAL: Explanation = Explanation {
    code: Code::DependsOnOptional,
    title: "an optional dependency is not active",
    meaning: "A service depends on another with `required: false`, and that service is not part of the project (its profile is not active). Compose starts the service without it; podlift does the same.",
    kubernetes: "Nothing waits for the missing service; if the application needs it at run time, it must cope with its absence.",
    remedy: "Activate the dependency's profile (`--profile NAME`) if it should run, or drop the dependency.",
    example: "services:\n  app:\n    image: app:1\n    depends_on:\n      debug:\n        condition: service_started\n        required: false\n  debug:\n    image: debug:1\n    profiles: [debug]\n",
};

pub(super) const DEPENDS_ON_RESTART: Explanation = Explanation {
    code: Code::DependsOnRestart,
    title: "`restart: true` on a dependency is not carried over",
    meaning: "A `depends_on` entry says `restart: true`: `docker compose` restarts this service whenever it restarts the dependency.",
    kubernetes: "Kubernetes restarts each container on its own; nothing restarts a dependent when its dependency restarts.",
    remedy: "Make the dependent reconnect on its own (retry), or give it a liveness probe that fails while its dependency is gone.",
    example: "services:\n  app:\n    image: app:1\n    depends_on:\n      db:\n        condition: service_started\n        restart: true\n  db:\n    image: db:1\n",
};

pub(super) const DEPENDS_ON_SELF: Explanation = Explanation {
    code: Code::DependsOnSelf,
    title: "a service depends on itself",
    meaning: "A service lists its own name under `depends_on`.",
    kubernetes: "It could never start; compose refuses it.",
    remedy: "Remove the entry.",
    example: "services:\n  app:\n    image: app:1\n    depends_on: [app]\n",
};

pub(super) const DEPENDS_ON_UNKNOWN: Explanation = Explanation {
    code: Code::DependsOnUnknown,
    title: "a service depends on a service that does not exist",
    meaning: "`depends_on` (or `links`, `volumes_from`, `network_mode: service:NAME`) names something that is not a service of the project (after profiles are applied). Compose checks this for every service before it selects the ones named on the command line: naming a service of an inactive profile enables it, but not for the services that need it.",
    kubernetes: "There is no container to wait for; compose refuses this too.",
    remedy: "Name a service of this project, activate the profile that defines it, or remove the entry.",
    example: "services:\n  app:\n    image: app:1\n    depends_on: [database]\n",
};

pub(super) const DEVICE_INVALID: Explanation = Explanation {
    code: Code::DeviceInvalid,
    title: "a short-syntax `devices` item has more than three parts",
    meaning: "A `devices` item is `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`; one with more colons is refused by compose (`confusing device mapping, please use long syntax`).",
    kubernetes: "Compose refuses the file, so podlift does too; devices are not carried into a Pod either way (a cluster gives devices through a device plugin).",
    remedy: "Write at most three parts, or the long syntax with `source`, `target` and `permissions`.",
    example: "services:\n  app:\n    image: app:1\n    devices: [\"/dev/a:/dev/b:rw:x\"]\n",
};

pub(super) const DURATION_INVALID: Explanation = Explanation {
    code: Code::DurationInvalid,
    title: "a duration of podlift's own cannot be read",
    meaning: "`x-podlift.startup-timeout` is not a duration above zero. (A compose duration that cannot be read — a health check's `interval`, `stop_grace_period` — is a `type` error, as in compose.)",
    kubernetes: "The timeout becomes the `startupProbe` budget of a service that dependents wait on.",
    remedy: "Write it like `20m`, `1h` or `90s`.",
    example: "services:\n  db:\n    image: db:1\n    x-podlift: {startup-timeout: soon}\n",
};

pub(super) const ENVIRONMENT_FROM_SHELL: Explanation = Explanation {
    code: Code::EnvironmentFromShell,
    title: "a variable's value was taken from the shell that ran podlift",
    meaning: "`environment` names a variable without a value (`- HOME`), or interpolation takes `${NAME}` (in a compose file, `.env`, an `env_file` or a `label_file`) from the shell. Compose then takes its value from the shell that runs compose; podlift does the same at convert time and writes the value into the manifests. The notes name every such variable (each `${NAME}` once), never its value.",
    kubernetes: "The value is frozen into the manifests: it is the value on the machine that converted, not on the cluster, and it may be something private from your shell.",
    remedy: "Check that no secret is among the named variables. Give the value in the compose file or an env file, or move it into a Secret.",
    example: "services:\n  app:\n    image: app:1\n    environment:\n      - HOME\n",
};

pub(super) const HEALTH_PROBE_INVALID: Explanation = Explanation {
    code: Code::HealthProbeInvalid,
    title: "`x-podlift.health-probe` is not a probe podlift knows",
    meaning: "A service's `x-podlift.health-probe` is not `none`, `readiness` or `liveness`.",
    kubernetes: "It chooses what the service's health check becomes besides the start gate of `service_healthy` dependents: nothing (as under compose), a `readinessProbe` (while it fails, every Service of the Pod stops sending it traffic) or a `livenessProbe` (the kubelet restarts the container).",
    remedy: "Write `none`, `readiness` or `liveness`, or remove the key to follow `--health-probe`.",
    example: "services:\n  db:\n    image: db:1\n    healthcheck:\n      test: [CMD, pg_isready]\n    x-podlift: {health-probe: always}\n",
};

pub(super) const HEALTH_PROBE_UNUSED: Explanation = Explanation {
    code: Code::HealthProbeUnused,
    title: "`x-podlift.health-probe` has no effect",
    meaning: "A service sets `x-podlift.health-probe`, but has no `healthcheck` in the compose file (or disables it), so there is no check to make a probe of.",
    kubernetes: "Probes are made from the compose health check only; podlift does not read the image's `HEALTHCHECK` yet.",
    remedy: "Write the service's `healthcheck:`, or remove the key.",
    example: "services:\n  web:\n    image: web:1\n    x-podlift: {health-probe: readiness}\n",
};

pub(super) const HEALTHCHECK_INVALID: Explanation = Explanation {
    code: Code::HealthcheckInvalid,
    title: "a health check's `test` is not a command",
    meaning: "`healthcheck.test` as a list does not start with `CMD`, `CMD-SHELL` or `NONE`.",
    kubernetes: "The test becomes an exec probe; podlift has to know whether to run it directly or through `sh -c`.",
    remedy: "Write `[\"CMD\", \"curl\", \"-f\", \"http://localhost\"]`, `[\"CMD-SHELL\", \"…\"]`, or a plain string for a shell command.",
    example: "services:\n  app:\n    image: app:1\n    healthcheck:\n      test: [\"curl\", \"-f\", \"http://localhost\"]\n",
};

pub(super) const HEALTHY_NONE: Explanation = Explanation {
    code: Code::HealthyNone,
    title: "a `service_healthy` dependency on a service that has no health check at all",
    meaning: "A service waits for another with `condition: service_healthy`, and `--inspect-images` read the other's image: neither the compose file nor the image gives it a health check (the image has no `HEALTHCHECK`, or `HEALTHCHECK NONE`, or compose's `healthcheck` says `disable: true` or `test: [\"NONE\"]`). Docker Compose v2 refuses to start the dependent: `dependency failed to start: container … has no healthcheck configured`.",
    kubernetes: "The wait is a `startupProbe` made from the health check; without one there is nothing to wait on, and the application as written does not start under compose either.",
    remedy: "Give the service a `healthcheck:`, or wait with `condition: service_started`.",
    example: "# podlift convert --inspect-images --image-archive images.tar\nservices:\n  db:\n    image: postgres:16\n  app:\n    image: app:1\n    depends_on:\n      db: {condition: service_healthy}\n",
};

pub(super) const HEALTHY_UNKNOWN: Explanation = Explanation {
    code: Code::HealthyUnknown,
    title: "a `service_healthy` dependency on a service without a health check",
    meaning: "A service waits for another with `condition: service_healthy`, but the other has no `healthcheck` in the compose file (or disables it). Compose then waits on the image's own `HEALTHCHECK`, and refuses to start the dependent when the image has none.",
    kubernetes: "The wait is a `startupProbe` made from the health check. Without `--inspect-images` podlift does not read images, so without a compose `healthcheck` there is no probe: the dependent waits only until its target has started. With it, the image's `HEALTHCHECK` is the probe (`image-healthcheck`), or, where the image has none, the dependency is an error as compose refuses it (`healthy-none`).",
    remedy: "Check the image's `HEALTHCHECK` (`docker image inspect IMAGE`) and write it as the service's `healthcheck:`, or wait with `condition: service_started`; or convert with `--inspect-images` to read it.",
    example: "services:\n  db:\n    image: postgres:16\n  app:\n    image: app:1\n    depends_on:\n      db: {condition: service_healthy}\n",
};

pub(super) const HOOK_INVALID: Explanation = Explanation {
    code: Code::HookInvalid,
    title: "a `post_start` or `pre_stop` hook has no command",
    meaning: "An entry of `post_start` or `pre_stop` has no `command` (or an empty one).",
    kubernetes: "A Kubernetes lifecycle hook is an exec of a command in the container; without one there is nothing to run.",
    remedy: "Give the hook its command, e.g. `command: [\"sh\", \"-c\", \"…\"]`, or remove the entry.",
    example: "services:\n  app:\n    image: app:1.0\n    post_start:\n      - user: root\n",
};

pub(super) const HOOK_NOT_CARRIED: Explanation = Explanation {
    code: Code::HookNotCarried,
    title: "part of a `post_start` or `pre_stop` hook cannot be carried over",
    meaning: "A service has several hooks for one event, or a hook sets its own `user`, `privileged`, `environment` or `working_dir`.",
    kubernetes: "A container's `lifecycle.postStart`/`preStop` is one exec handler that runs as the container runs: its user, capabilities, environment and working directory. Only the first hook's command is carried over.",
    remedy: "Join several commands into one (`sh -c 'a && b'`), and make the hook work as the container's own user, setting variables inside the command.",
    example: "services:\n  app:\n    image: app:1.0\n    post_start:\n      - command: chown -R app /data\n        user: root\n",
};

pub(super) const IMAGE_ARCHIVE_UNREADABLE: Explanation = Explanation {
    code: Code::ImageArchiveUnreadable,
    title: "an `--image-archive` cannot be read",
    meaning: "A path given with `--image-archive` is missing, not a regular file or directory, or neither a `docker save` tarball (with `manifest.json`) nor an OCI image layout (with `index.json`), as a directory or a tarball; or it passes one of the archive bounds in docs/limits.md.",
    kubernetes: "Nothing: image facts only change what podlift carries into the manifests. The archive was named to be read, so podlift stops rather than convert without it.",
    remedy: "Name the file `docker save -o FILE IMAGE` or `skopeo copy docker://IMAGE docker-archive:FILE:IMAGE` (or `oci-archive:`) wrote, or an OCI layout directory.",
    example: "# podlift convert --inspect-images --image-archive missing.tar\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const IMAGE_BUILT: Explanation = Explanation {
    code: Code::ImageBuilt,
    title: "a service is built, not pulled",
    meaning: "A service has `build:`; podlift uses its `image:` (or the name compose would give the built image).",
    kubernetes: "A cluster pulls images from a registry; it cannot build them, and an image built on your machine is not in any registry.",
    remedy: "Build the image, push it to a registry the cluster can pull from, and set `image:` to that reference.",
    example: "services:\n  app:\n    build: .\n",
};

pub(super) const IMAGE_HEALTHCHECK: Explanation = Explanation {
    code: Code::ImageHealthcheck,
    title: "a service's health check comes from its image's `HEALTHCHECK`",
    meaning: "`--inspect-images` read the service's image: its `HEALTHCHECK` is the service's health check where the compose file writes none, and fills every field a compose `healthcheck:` leaves unset (`test`, `interval`, `timeout`, `retries`, `start_period`), as the Docker engine merges them. Zero values in the image are Docker's defaults: interval 30s, timeout 30s, 3 retries, start period 0s. `HEALTHCHECK NONE`, compose's `disable: true` or `test: [\"NONE\"]` leave none.",
    kubernetes: "It becomes what a compose health check becomes: the `startupProbe` that `service_healthy` dependents wait on, and a readiness or liveness probe under `--health-probe`.",
    remedy: "Nothing, if the image's check is right; write `healthcheck:` on the service to change it, or `healthcheck: {disable: true}` to turn it off.",
    example: "# podlift convert --inspect-images --image-archive images.tar\nservices:\n  db:\n    image: postgres:16\n  app:\n    image: app:1\n    depends_on:\n      db: {condition: service_healthy}\n",
};

pub(super) const IMAGE_INVALID: Explanation = Explanation {
    code: Code::ImageInvalid,
    title: "an image reference cannot be pulled",
    meaning: "`image` is not a valid reference, e.g. `nginx:` with an empty tag (typically a `${TAG}` that was not set), upper-case letters in the repository, or spaces.",
    kubernetes: "The kubelet cannot pull such an image, and the Pod never starts (`InvalidImageName`).",
    remedy: "Write `NAME[:TAG][@DIGEST]`, e.g. `nginx:1.27`, and check the variables the reference uses (`podlift config` shows the value after interpolation).",
    example: "services:\n  web:\n    image: \"nginx:\"\n",
};

pub(super) const IMAGE_NOT_INSPECTED: Explanation = Explanation {
    code: Code::ImageNotInspected,
    title: "an image's facts could not be read",
    meaning: "With `--inspect-images`, no source gave this image: it is in no `--image-archive`, not in the digest cache, and its registry was not asked (`--offline`), could not be reached within the timeout, refused the login, or does not have it. podlift goes on with what the compose file says, as it does without `--inspect-images`.",
    kubernetes: "What only the image says (HEALTHCHECK, EXPOSE, VOLUME, USER, the files a fresh volume gets) is not carried for this service: a `service_healthy` dependent may start early, an exposed port is not checked for clashes, a copy-up is not made.",
    remedy: "Give the image with `--image-archive` (`docker save`, `skopeo copy … docker-archive:`), run once online to fill the cache, log in (`docker login`, `REGISTRY_AUTH_FILE`), or name a plain-HTTP registry with `--insecure-registry`. `--strict` makes this an error.",
    example: "# podlift convert --inspect-images --offline\nservices:\n  app:\n    image: example.invalid/never-cached:1\n",
};

pub(super) const IMAGE_MISSING: Explanation = Explanation {
    code: Code::ImageMissing,
    title: "a service has no image",
    meaning: "A service has neither `image:` nor `build:`.",
    kubernetes: "Every container of the Pod needs an image the cluster can pull.",
    remedy: "Set `image:` to a reference the cluster can pull.",
    example: "services:\n  app:\n    command: [\"sleep\", \"infinity\"]\n",
};

pub(super) const IMAGE_PINNED: Explanation = Explanation {
    code: Code::ImagePinned,
    title: "an image is pinned to the digest inspected (`--pin-digests`)",
    meaning: "With `--pin-digests`, every image `--inspect-images` read is written as `NAME@sha256:…`, the manifest digest of the image for the platform inspected (the service's `platform:`, `--platform`, or linux/amd64). A reference that has a digest keeps it.",
    kubernetes: "Every node pulls exactly the image inspected, whatever the tag points to later; the Kustomize `images:` list and the Helm values (`repository`, `tag`, `digest`) carry the digest.",
    remedy: "Nothing; convert again to move to a newer image. For a cluster of several architectures, pin the index digest in the compose file instead.",
    example: "# podlift convert --inspect-images --pin-digests --image-archive web.tar\nservices:\n  web:\n    image: nginx:1.27\n",
};

pub(super) const IMAGE_USER: Explanation = Explanation {
    code: Code::ImageUser,
    title: "who a container runs as comes from its image's `USER`",
    meaning: "`--inspect-images` read the service's image. Its `USER`, where compose's `user:` sets none, is written as `runAsUser`/`runAsGroup` when numeric or when the image's `/etc/passwd` resolves the name (the group is the user's primary group), with `runAsNonRoot: true` when it is not root. A name podlift cannot resolve gets no `runAsNonRoot`: the kubelet refuses to start a container with `runAsNonRoot` whose image user is not numeric, unless `runAsUser` is set. A compose `user:` name is resolved through the image's `/etc/passwd` too.",
    kubernetes: "`runAsNonRoot: true` lets the Pod meet Pod Security `restricted` where nothing else stands in the way; the level is measured again on the Pods as written.",
    remedy: "Nothing, if it is the user the image should run as. For a name podlift could not resolve, write its numeric `user: UID:GID` on the service.",
    example: "# podlift convert --inspect-images --image-archive app.tar\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const KOMPOSE_LABEL: Explanation = Explanation {
    code: Code::KomposeLabel,
    title: "kompose's labels are not interpreted",
    meaning: "Services carry `kompose.*` labels (`kompose.service.type`, `kompose.volume.size`, …), settings of the kompose converter.",
    kubernetes: "podlift does not read them; they are left out of the Pod's annotations rather than copied as text nobody reads.",
    remedy: "Use podlift's own settings: `--service-type` for `kompose.service.type`, `x-podlift.size`/`storage-class` on a volume for `kompose.volume.size`/`storage-class`, `--controller` for `kompose.controller.type`.",
    example: "services:\n  web:\n    image: nginx:1.27\n    labels:\n      kompose.service.type: nodeport\n",
};

pub(super) const LABEL_CONTROLLER: Explanation = Explanation {
    code: Code::LabelController,
    title: "a label becomes an annotation that a cluster controller acts on",
    meaning: "A service's `labels` (or `annotations`) carry keys that cluster controllers may read: every key with a DNS-style prefix (`sidecar.istio.io/inject`, `gke-gcsfuse/volumes`, `instrumentation.opentelemetry.io/inject-java`) or in dotted reverse-DNS form (`com.example.team`, `traefik.enable`), except keys known to describe only (`org.opencontainers.image.*`, `org.label-schema.*`, `com.docker.compose.*`, `app.kubernetes.io/*`, `helm.sh/chart`). Compose ignored them; podlift copies compose labels into the Pod's annotations. Keys the container runtime reads are `label-runtime`.",
    kubernetes: "In the cluster they act: a mesh injects a sidecar or not, a secret injector mounts secrets into the Pod, a CNI plugin attaches extra networks or fixes addresses, the kubelet applies an AppArmor profile. A compose file from elsewhere can choose these for you.",
    remedy: "Check each key against what the cluster runs; remove the label from the compose file (or the annotation from the manifests) where it should not act.",
    example: "services:\n  app:\n    image: app:1\n    labels:\n      sidecar.istio.io/inject: \"false\"\n      vault.hashicorp.com/agent-inject: \"true\"\n",
};

pub(super) const LABEL_CREDENTIAL: Explanation = Explanation {
    code: Code::LabelCredential,
    title: "a label looks like a credential",
    meaning: "Compose labels (from `labels` and `label_file`) become annotations of the Pod; this label's name or value looks like a credential (a password, a token, a URL with a password).",
    kubernetes: "Annotations are plain text that anyone who can read the Pod sees, and cannot reference a Secret, so the label is left out (its value is never printed).",
    remedy: "Pass the value as an `environment` variable or a compose `secrets:` entry (podlift puts those into a Secret); if it is no credential, rename the label.",
    example: "services:\n  app:\n    image: app:1\n    labels:\n      db.password: \"hunter2-FAKE\"\n",
};

pub(super) const LABEL_FILE_PRIVATE: Explanation = Explanation {
    code: Code::LabelFilePrivate,
    title: "a label file looks private",
    meaning: "`label_file` names a file that is (or links to) a private file: an `.env` file, a key, a credentials file.",
    kubernetes: "Its lines would become plain-text annotations of the Pod, so the file is not read.",
    remedy: "Name a file that holds only labels; pass credentials with `env_file` or `environment` (podlift puts credential-looking variables into a Secret).",
    example: "services:\n  app:\n    image: app:1\n    label_file: .env\n# file: .env\nTEAM=web\n",
};

pub(super) const LABEL_INVALID: Explanation = Explanation {
    code: Code::LabelInvalid,
    title: "a label is not a valid annotation key",
    meaning: "Compose labels become annotations of the Pod; this label's key does not fit Kubernetes' key syntax.",
    kubernetes: "The API server would refuse the whole object, so the label is left out.",
    remedy: "Rename the label to `[prefix/]name` with letters, digits, `-`, `_` and `.`.",
    example: "services:\n  app:\n    image: app:1\n    labels:\n      \"my label\": \"x\"\n",
};

pub(super) const LABEL_RUNTIME: Explanation = Explanation {
    code: Code::LabelRuntime,
    title: "a label becomes an annotation the container runtime acts on",
    meaning: "A service's `labels` (or `annotations`) carry keys that the container runtime or the kubelet reads when it creates the container: `io.kubernetes.cri-o.*` (devices, user namespace mode), `io.katacontainers.*` (hypervisor and kernel parameters), `run.oci.*` (crun: keep the original groups), `io.containerd.*`, `io.podman.annotations.*`, the kubelet's AppArmor and seccomp keys. Compose ignored them; podlift copies compose labels into the Pod's annotations.",
    kubernetes: "On nodes whose runtime honours them (and allows them for the Pod's runtime class) they change how the container runs: devices from the host, a user namespace, kernel parameters, groups, a security profile.",
    remedy: "Remove the label from the compose file (or the annotation from the manifests) unless the container must run that way on these nodes.",
    example: "services:\n  app:\n    image: app:1\n    labels:\n      io.kubernetes.cri-o.Devices: /dev/fuse\n",
};

pub(super) const NAME_TOO_LONG: Explanation = Explanation {
    code: Code::NameTooLong,
    title: "a project or service name is longer than a Kubernetes name",
    meaning: "Compose takes a service or project name of any length; a Kubernetes object name, container name or label value holds at most 63 characters, so podlift shortens the names made from it.",
    kubernetes: "The API server refuses a name over 63 characters; the shortened name is not the one the compose file says, and two long names with the same first 63 characters would name the same objects.",
    remedy: "Rename the service, or set a shorter project name (`name:`, `-p NAME`).",
    example: "services:\n  a-service-name-that-goes-on-and-on-well-past-what-kubernetes-allows-for-a-name:\n    image: app:1\n",
};

pub(super) const PIN_NO_DIGEST: Explanation = Explanation {
    code: Code::PinNoDigest,
    title: "`--pin-digests` cannot pin an image that was read without a digest",
    meaning: "With `--pin-digests`, every inspected image is written as `NAME@sha256:…`; an image read from a `docker save` archive has no registry manifest digest (the archive holds the config and layers only), so it stays as written.",
    kubernetes: "The cluster pulls the image by its tag, which may point at another image later.",
    remedy: "Inspect the image from its registry, or from an OCI layout or archive (they keep the manifest digest), or write `NAME@sha256:…` in the compose file yourself.",
    example: "# podlift convert --inspect-images --pin-digests --image-archive app.tar\nservices:\n  app:\n    image: app:1\n",
};

pub(super) const PROVIDER_SERVICE: Explanation = Explanation {
    code: Code::ProviderService,
    title: "a service is a compose provider service",
    meaning: "A service has `provider:` (compose 2.36 and later): compose runs a provider binary that makes a resource elsewhere (a managed database, a model runner) instead of starting a container. Compose accepts the file, so `podlift config` prints it.",
    kubernetes: "A provider binary runs on the machine of `docker compose up`; a cluster has nothing that runs it, and the service has no image to run as a container.",
    remedy: "Make the resource on the cluster (an operator, a managed service, or a service with an image), give the services that use it its address in their `environment`, and leave the provider service out with `--exclude NAME` (with `required: false` on the `depends_on` entries that name it).",
    example: "services:\n  db:\n    provider:\n      type: awesomecloud\n      options: {type: mysql}\n",
};

pub(super) const PULL_POLICY: Explanation = Explanation {
    code: Code::PullPolicy,
    title: "a pull policy has no Kubernetes equivalent",
    meaning: "`pull_policy` is a refresh schedule (`daily`, `weekly`, `every_12h`) or another value with no `imagePullPolicy` counterpart.",
    kubernetes: "The cluster's default pull policy applies.",
    remedy: "Use `always`, `never`, `missing`, `if_not_present` or `build`, or set `imagePullPolicy` by hand.",
    example: "services:\n  app:\n    image: app:1\n    pull_policy: daily\n",
};

pub(super) const PULL_POLICY_INVALID: Explanation = Explanation {
    code: Code::PullPolicyInvalid,
    title: "a pull policy is none compose knows",
    meaning: "`pull_policy` holds none of `always`, `never`, `build`, `if_not_present`, `missing`, `refresh`, `daily`, `weekly` or `every_` and a duration (`every_12h`, `every_1d2h`). Compose's schema looks for one of them anywhere in the value and refuses the file without one (`sometimes`, `Always`, `every_5`).",
    kubernetes: "The file is refused before anything is converted.",
    remedy: "Write one of the policies compose knows, in lower case: `always`, `never`, `missing`, `build`, or a refresh schedule such as `daily`.",
    example: "services:\n  app:\n    image: app:1\n    pull_policy: sometimes\n",
};

pub(super) const QUANTITY_INVALID: Explanation = Explanation {
    code: Code::QuantityInvalid,
    title: "a size is not a Kubernetes quantity",
    meaning: "`--volume-size` or a volume's `x-podlift.size` is not a quantity Kubernetes accepts: `1GB` and `10gi` are not units there.",
    kubernetes: "The claim's `resources.requests.storage` would be refused by the API server.",
    remedy: "Write `10Gi` (binary, 1024-based) or `10G` (decimal).",
    example: "services:\n  db:\n    image: postgres:16\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data:\n    x-podlift: {size: 10GB}\n",
};

pub(super) const RESOURCE_CONFLICT: Explanation = Explanation {
    code: Code::ResourceConflict,
    title: "a resource is set twice with different values, or its reservation is above its limit",
    meaning: "A service sets `cpus`, `mem_limit` or `mem_reservation` and also the matching `deploy.resources` field, with different values (compose refuses the file); or a reservation (`mem_reservation`, `deploy.resources.reservations`) is above the limit (`mem_limit`, `cpus`, `deploy.resources.limits`), which compose takes.",
    kubernetes: "A container has one limit and one request per resource; podlift cannot know which value was meant. The API server refuses a container whose request is above its limit.",
    remedy: "Write the value once: the service-level key, or the one under `deploy.resources`.",
    example: "services:\n  app:\n    image: app:1\n    cpus: 1\n    deploy:\n      resources:\n        limits: {cpus: '2'}\n",
};

pub(super) const RESTART_INVALID: Explanation = Explanation {
    code: Code::RestartInvalid,
    title: "a restart policy is unknown",
    meaning: "`restart` is not `no`, `always`, `on-failure[:N]` or `unless-stopped`.",
    kubernetes: "podlift compares restart policies to warn where the Pod restarts differently; an unknown one cannot be compared.",
    remedy: "Use `no`, `always`, `on-failure[:N]` or `unless-stopped`.",
    example: "services:\n  app:\n    image: app:1\n    restart: sometimes\n",
};

pub(super) const SCALE_ZERO: Explanation = Explanation {
    code: Code::ScaleZero,
    title: "a service scaled to zero is left out",
    meaning: "The service has `scale: 0` or `deploy.replicas: 0`. `docker compose up` creates no container for it (`docker compose config` still lists it).",
    kubernetes: "podlift leaves it out of the Pods as well: no container, Service, claim or ConfigMap of its own. A kept service's `depends_on` and `links` on it are dropped, as compose waits for no container of it.",
    remedy: "Give the service a replica count of 1 or more to convert it, or remove it.",
    example: "services:\n  web:\n    image: nginx:1.27\n  worker:\n    image: alpine:3.19\n    scale: 0\n",
};

pub(super) const SCALE_ZERO_NEEDED: Explanation = Explanation {
    code: Code::ScaleZeroNeeded,
    title: "a service shares something with a service scaled to zero",
    meaning: "A kept service takes the network namespace (`network_mode: service:NAME`), the volumes (`volumes_from`) or the `pid`/`ipc` namespace of a service with `scale: 0` or `deploy.replicas: 0`. Compose creates no container of that service, so there is nothing to share.",
    kubernetes: "podlift leaves the scaled-out service out of the Pods, so the share has no target either.",
    remedy: "Give the target a replica count of 1 or more, or remove the entry.",
    example: "services:\n  web:\n    image: nginx:1.27\n    network_mode: service:vpn\n  vpn:\n    image: vpn:1\n    scale: 0\n",
};

pub(super) const SECURITY_OPT: Explanation = Explanation {
    code: Code::SecurityOpt,
    title: "a `security_opt` entry needs care or cannot be carried over",
    meaning: "A `security_opt` names a seccomp profile file or an AppArmor profile (they must exist on the nodes), or an option Kubernetes has no field for (`label=disable`, `systempaths=unconfined`, …), or `no-new-privileges` beside `privileged`/`SYS_ADMIN`.",
    kubernetes: "`seccomp=FILE` becomes `seccompProfile: Localhost`, read from the kubelet's directory on the node; `apparmor=NAME` becomes `appArmorProfile: Localhost`, which needs the profile loaded there. A Pod whose profile is missing does not start.",
    remedy: "Install the profiles on every node (the Security Profiles Operator helps), or drop the option; set what Kubernetes cannot express by hand if you need it.",
    example: "services:\n  app:\n    image: app:1.0\n    security_opt:\n      - seccomp=./profile.json\n",
};

pub(super) const SECURITY_OPT_INVALID: Explanation = Explanation {
    code: Code::SecurityOptInvalid,
    title: "a `security_opt` value Docker refuses",
    meaning: "`no-new-privileges` has a value Go's `strconv.ParseBool` does not read (`:yes`, `=on`, `: true`, an empty one): compose passes it through, and Docker refuses to create the container (`invalid --security-opt 2`). `1`, `t`, `T`, `TRUE`, `true`, `True` and `0`, `f`, `F`, `FALSE`, `false`, `False` are read.",
    kubernetes: "`no-new-privileges` is `allowPrivilegeEscalation: false`. Dropping the option would let the container gain privileges, which the file asked to forbid.",
    remedy: "Write `no-new-privileges:true` (or `no-new-privileges` alone) to forbid gaining privileges, `no-new-privileges:false` to allow it.",
    example: "services:\n  app:\n    image: app:1.0\n    security_opt:\n      - no-new-privileges:yes\n",
};

pub(super) const SERVICE_EXCLUDED_NEEDED: Explanation = Explanation {
    code: Code::ServiceExcludedNeeded,
    title: "a service that is kept needs a service that `--exclude` leaves out",
    meaning: "`--exclude NAME` leaves a service out of the conversion, but a service that is converted needs it: a required `depends_on` entry, `links`, `volumes_from`, or `network_mode`/`ipc`/`pid: service:NAME`.",
    kubernetes: "The kept service would wait for, share the namespace of, or mount the volumes of a container that is not there; `docker compose up` would start the excluded service along with it.",
    remedy: "Keep the service (drop `--exclude NAME`), leave the one that needs it out too (`--exclude` it, or name only the services to convert), or make the `depends_on` entry optional with `required: false` (it is then dropped, as compose drops it).",
    example: "# podlift convert --exclude db\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n  db:\n    image: postgres:16\n",
};

pub(super) const SERVICE_NAME_ALIAS: Explanation = Explanation {
    code: Code::ServiceNameAlias,
    title: "Services are named after other names of a compose service",
    meaning: "When services are split into several Pods, a service's other names (`container_name`, `hostname`, network aliases, `links` aliases) each get a Service of that name, so that other Pods resolve them as compose's DNS did. The note lists each such Service and where its name comes from.",
    kubernetes: "A Service's name is the namespace's: `kubectl apply` replaces a Service of the same name that is already there (another application's, or one made by hand), and that one's clients then reach this service. These names are easy to miss: they are not the compose services' names.",
    remedy: "Check that the namespace holds no Service of these names, or convert into a namespace of its own (`-n NAME --create-namespace`); rename an alias that clashes.",
    example: "# podlift convert --strategy split\nservices:\n  web:\n    image: web:1\n    expose: [\"80\"]\n    networks:\n      default:\n        aliases: [frontend]\n  db:\n    image: db:1\n    expose: [\"5432\"]\n",
};

pub(super) const SERVICE_NAME_RESERVED: Explanation = Explanation {
    code: Code::ServiceNameReserved,
    title: "a Service would be named `kubernetes`",
    meaning: "A Service podlift would make is named `kubernetes`: a compose service of that name with ports, or (under a split) a `container_name`, `hostname`, network alias or `links` alias `kubernetes`.",
    kubernetes: "`kubernetes` in `default` is the API server's own Service: applying another of that name replaces its ports and selector. In any namespace, a Service named `kubernetes` sets `KUBERNETES_SERVICE_HOST` and `KUBERNETES_SERVICE_PORT` in the namespace's Pods that have service links, and in-cluster clients (client-go, kubectl in a Pod) send their service account tokens there. podlift refuses the name in every namespace, since the output may be applied to any. (Other Services a cluster runs, such as `kube-dns` in `kube-system`, are not Kubernetes' own names; the `service-name-alias` note lists every name that comes from an alias, to check against the namespace.)",
    remedy: "Remove the name `kubernetes` from the compose file (the alias, `container_name` or `hostname`), or rename the service, and call it by another name.",
    example: "# podlift convert --strategy split\nservices:\n  web:\n    image: web:1\n    expose: [\"443\"]\n    networks:\n      default:\n        aliases: [kubernetes]\n  other:\n    image: other:1\n    expose: [\"1\"]\n",
};

pub(super) const START_ORDER: Explanation = Explanation {
    code: Code::StartOrder,
    title: "start order cannot be enforced below Kubernetes 1.29",
    meaning: "With `--kube-version` below 1.29 there are no native sidecars: the containers of a Pod start together, in list order.",
    kubernetes: "`depends_on` is then kept as the order of the containers, which Kubernetes does not wait on; a service that must finish first but itself waits for others cannot be placed.",
    remedy: "Target Kubernetes 1.29 or later (`--kube-version`), or make the services retry until their dependencies answer.",
    example: "# podlift convert --kube-version 1.28\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n  db:\n    image: db:1\n",
};

pub(super) const STARTUP_TIMEOUT_UNUSED: Explanation = Explanation {
    code: Code::StartupTimeoutUnused,
    title: "`x-podlift.startup-timeout` has no effect",
    meaning: "A service sets `x-podlift.startup-timeout`, but no service waits on it with `condition: service_healthy`, so it gets no `startupProbe` to time.",
    kubernetes: "Only a service that dependents wait on gets a `startupProbe`; podlift never adds one elsewhere, because a failed `startupProbe` kills the container and compose never does that.",
    remedy: "Remove the setting, or make a dependent wait on this service with `condition: service_healthy`.",
    example: "services:\n  db:\n    image: db:1\n    x-podlift: {startup-timeout: 20m}\n",
};

pub(super) const SYSCTL_UNSAFE: Explanation = Explanation {
    code: Code::SysctlUnsafe,
    title: "a sysctl is not in Kubernetes' safe set",
    meaning: "A service sets a sysctl that the kubelet does not allow by default.",
    kubernetes: "The kubelet refuses a Pod with an unsafe sysctl unless the node allows it, so podlift leaves it out.",
    remedy: "Set it on the nodes, or allow it there (`--allowed-unsafe-sysctls`) and add it to the Pod by hand.",
    example: "services:\n  app:\n    image: app:1\n    sysctls:\n      net.core.somaxconn: 1024\n",
};

pub(super) const USER_INVALID: Explanation = Explanation {
    code: Code::UserInvalid,
    title: "`user` or `group_add` is a numeric id out of Kubernetes' range",
    meaning: "A service's `user` is a number outside 0 to 2147483647 (`-1`, `4294967295`), for the user or the group, or a `group_add` item is.",
    kubernetes: "`runAsUser`, `runAsGroup` and `supplementalGroups` take ids from 0 to 2147483647; the API server refuses a Pod with any other, so podlift writes none.",
    remedy: "Write the numeric `uid[:gid]` the process should run as, or remove `user` to run as the image's user.",
    example: "services:\n  app:\n    image: app:1\n    user: \"-1\"\n",
};

pub(super) const USER_NAME: Explanation = Explanation {
    code: Code::UserName,
    title: "`user` names a user instead of a numeric id",
    meaning: "A service's `user` is a name (`postgres`) rather than a uid, or its group is a name (`1000:staff`).",
    kubernetes: "Kubernetes' `runAsUser` and `runAsGroup` take numeric ids only. A user name is dropped, so the image's default user runs; a group name beside a numeric user (or `root`) is dropped alone: the container runs as that user, in the group the image gives it.",
    remedy: "Write the numeric `uid[:gid]` the name has in the image.",
    example: "services:\n  db:\n    image: postgres:16\n    user: postgres\n",
};
