//! What each diagnostic code means, why it matters on Kubernetes and what to
//! do: `podlift explain CODE` (like `rustc --explain`), `podlift explain` for
//! the list, and `docs/diagnostics.md`, all from [`EXPLANATIONS`].
//!
//! Adding a code is one entry here; `tests/explain.rs` fails for a code the
//! program can emit without one.

use std::fmt::Write as _;

/// One diagnostic code, explained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// The code, as in `warning[address-common-range]`.
    pub code: &'static str,
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
    /// starts another file beside `compose.yaml`. `tests/explain.rs` runs
    /// every example (but a few that only illustrate) and expects the code.
    pub example: &'static str,
}

/// Every code podlift can emit, sorted by code.
pub const EXPLANATIONS: &[Explanation] = &[
    Explanation {
        code: "address-cluster-range",
        title: "a preset address lies inside the cluster's Pod or Service range",
        meaning: "A service (or `--extra-ip`, or `x-podlift.extra-addresses`) claims an address inside a range named with `--pod-cidr` or `--service-cidr`.",
        kubernetes: "The init container puts the address on the Pod's loopback. Traffic from the Pod to a real Pod or Service that has this address would then stay inside the Pod: the Pod hijacks it.",
        remedy: "Move the preset addresses out of the cluster's ranges, e.g. into 169.254.0.0/16, and change the images' configuration to match.",
        example: "# podlift convert --service-cidr 10.96.0.0/12\nservices:\n  db:\n    image: postgres:16\n    networks:\n      back:\n        ipv4_address: 10.96.0.10\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.96.0.0/24\n",
    },
    Explanation {
        code: "address-common-range",
        title: "a preset address lies inside a range clusters commonly use",
        meaning: "Without `--pod-cidr`/`--service-cidr`, podlift compares preset addresses with ranges many clusters use (kubeadm, k3s, EKS, Calico, Docker's bridge).",
        kubernetes: "If the cluster does use that range, the Pod claims an address that belongs to a real Pod or Service, and its traffic to that address never leaves the Pod.",
        remedy: "Name the cluster's real ranges with `--pod-cidr` and `--service-cidr`: the warning then becomes an exact check (an error when the address collides, nothing when it does not).",
        example: "services:\n  app:\n    image: app:1.0\n    networks:\n      back:\n        ipv4_address: 10.100.0.5\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.100.0.0/16\n",
    },
    Explanation {
        code: "address-duplicate",
        title: "two services declare the same preset address",
        meaning: "Two services that do not share a network namespace declare one `ipv4_address` or `ipv6_address`.",
        kubernetes: "In one Pod every address is on one shared loopback, so one address cannot belong to two services; compose would not start either.",
        remedy: "Give one of them another address, or let it share the other's namespace with `network_mode: service:NAME`.",
        example: "services:\n  a:\n    image: a:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  b:\n    image: b:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "address-invalid",
        title: "an address is not an IP address of the right family",
        meaning: "`ipv4_address` or `ipv6_address` holds text that is not an address, or an address of the other family.",
        kubernetes: "The init container can only claim real addresses; a wrong one would make it fail and the Pod never start.",
        remedy: "Write a plain address without prefix length (`169.254.253.7`), IPv4 under `ipv4_address`, IPv6 under `ipv6_address`.",
        example: "services:\n  app:\n    image: app:1\n    networks:\n      back:\n        ipv4_address: 169.254.253.7/24\n",
    },
    Explanation {
        code: "address-lan",
        title: "an address the LAN could reach is on loopback now",
        meaning: "A service has a preset address on a `macvlan` or `ipvlan` network: under compose, machines on the LAN could reach it at that address.",
        kubernetes: "podlift puts preset addresses on the Pod's loopback: only the Pod itself (and, through the address map, the application's other Pods) reaches them. Nothing outside the cluster does.",
        remedy: "Publish the ports outside callers need (`ports:` gives a Service; `--service-type NodePort` or `LoadBalancer` makes it reachable from outside), or give the service the node's network (`network_mode: host`, a Pod of its own with `hostNetwork: true`).",
        example: "services:\n  sensor:\n    image: sensor:1\n    networks:\n      lan: {ipv4_address: 192.168.1.50}\nnetworks:\n  lan:\n    driver: macvlan\n    ipam:\n      config: [{subnet: 192.168.1.0/24}]\n",
    },
    Explanation {
        code: "address-outside-subnet",
        title: "a preset address lies outside its network's subnet",
        meaning: "A service's `ipv4_address`/`ipv6_address` is not inside any subnet its network declares under `ipam.config`.",
        kubernetes: "Compose refuses to start such a service; the images were never run with this address, so it is most likely a typo.",
        remedy: "Fix the address or the subnet.",
        example: "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.254.7}}\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 169.254.253.0/24\n",
    },
    Explanation {
        code: "address-reserved",
        title: "a preset address must not go on a Pod's loopback",
        meaning: "The address is loopback, unspecified, multicast or broadcast, or one a cluster uses itself: the cloud metadata service (169.254.169.254), NodeLocal DNSCache (169.254.20.10) or Calico's gateway (169.254.1.1).",
        kubernetes: "Claimed on the Pod's loopback, such an address cuts the Pod off from the service behind it (metadata, DNS, its default route) or means something else entirely.",
        remedy: "Choose another address and change the images' configuration to match.",
        example: "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.169.254}}\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "auto-split",
        title: "the application runs as several Pods",
        meaning: "One Pod cannot hold the application (two services listen on one port, a service asks for replicas, or uses `network_mode: host` or `none`), so the default `--strategy auto` puts it in the fewest Pods that can, deterministically. One note per extra Pod says why it exists; `podlift plan` shows every Pod.",
        kubernetes: "Peers in other Pods keep reaching each other's preset addresses and names through the address map (the init container sends each address to the owner's Service). What only one Pod gives is lost between Pods: start order, ports nobody declared, ICMP to a preset address, and a server seeing its caller's preset address.",
        remedy: "Nothing, if the services declare every port they listen on. To keep services together, give them one `x-podlift: {group: NAME}`; `--strategy pod` insists on one Pod and reports the clashes instead.",
        example: "services:\n  a:\n    image: a:1\n    expose: [\"8080\"]\n  b:\n    image: b:1\n    expose: [\"8080\"]\n",
    },
    Explanation {
        code: "bind-claim",
        title: "a bind mount becomes an empty PersistentVolumeClaim",
        meaning: "With `--bind-as pvc`, a bind mount that cannot be a ConfigMap (a large or binary directory, a path that does not exist yet) becomes a claim.",
        kubernetes: "A cluster cannot see the files on the machine where compose ran; the claim starts empty.",
        remedy: "Copy the content into the claim before the service needs it (e.g. with a Job or `kubectl cp`), or bake it into an image.",
        example: "# podlift convert --bind-as pvc\nservices:\n  app:\n    image: app:1\n    volumes:\n      - ./data:/var/lib/app\n",
    },
    Explanation {
        code: "bind-copied",
        title: "bind-mounted files are copied into the manifests",
        meaning: "A bind mount names a regular file (or a small directory of them) inside the project directory. podlift reads it now and puts its content into a ConfigMap mounted at the same path; one note lists every file, its size and where it goes.",
        kubernetes: "A cluster node has no copy of the project directory, so the file must travel inside the manifests. Its content is fixed at convert time: a later change of the file on disk reaches the cluster only by converting again.",
        remedy: "Read the list: nothing private may be among the files (podlift moves what looks private into a Secret, but it cannot know every secret). Convert again whenever the files change.",
        example: "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n# file: nginx.conf\nevents {}\n",
    },
    Explanation {
        code: "bind-host-path",
        title: "a bind mount becomes a hostPath volume",
        meaning: "A bind mount that cannot be a ConfigMap (a large or binary directory, a path that does not exist yet) becomes a `hostPath` volume (the default `--bind-as hostpath`).",
        kubernetes: "A hostPath is a directory on whichever node runs the Pod: it must exist there with the right content, and it ties the Pod to that node. Many clusters forbid hostPath.",
        remedy: "Prefer a named volume, use `--bind-as pvc`, or make sure the path exists on the nodes.",
        example: "services:\n  app:\n    image: app:1\n    volumes:\n      - /srv/app/data:/var/lib/app\n",
    },
    Explanation {
        code: "bind-private",
        title: "a private-looking file outside the project is bind-mounted",
        meaning: "A bind mount names a file or directory outside the project directory that looks like a credential (a private key, `.env`, `shadow`, `.netrc`, a key store …). podlift copies it nowhere and does not mount the node's file in its place.",
        kubernetes: "Copying it would put the credential into the manifests; mounting the node's path (`hostPath`) would hand whatever that node holds to the container and needs a privileged Pod Security level.",
        remedy: "Create a Secret with the content yourself and mount it (`kubectl create secret generic NAME --from-file=...`), or move a file that is not secret into the project directory.",
        example: "services:\n  app:\n    image: app:1\n    volumes:\n      - /etc/shadow:/etc/shadow:ro\n",
    },
    Explanation {
        code: "bind-secret",
        title: "a private-looking file goes into a Secret, not a ConfigMap",
        meaning: "A bind-mounted file (or a `configs:` file) inside the project looks private — PEM private-key content, `*.key`, `id_rsa`-style names, `.env`. podlift puts it into a Secret and mounts it from there.",
        kubernetes: "ConfigMaps are readable by anyone who may read the namespace's configuration and often end up in logs and Git; Secrets can be restricted by RBAC and encrypted at rest.",
        remedy: "Nothing, if the file is indeed secret; keep the generated Secret out of version control, or replace it with one your secret store manages.",
        example: "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./server.key:/etc/ssl/private/server.key:ro\n# file: server.key\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
    },
    Explanation {
        code: "command-syntax",
        title: "a command cannot be split into words",
        meaning: "`command` or `entrypoint` is written as one string that shell-style splitting cannot read, usually an unclosed quote.",
        kubernetes: "Kubernetes takes a command as a list of words; podlift splits a string the way compose does, and cannot guess where an unclosed quote ends.",
        remedy: "Close the quote, or write the command as a list.",
        example: "services:\n  app:\n    image: app:1\n    command: sh -c 'echo hello\n",
    },
    Explanation {
        code: "config-undeclared",
        title: "a service uses a config that is not declared",
        meaning: "A service lists a config under `configs:` that the top-level `configs:` does not define.",
        kubernetes: "podlift turns each declared config into a ConfigMap; without the declaration there is no content and no name to mount. Compose refuses this too.",
        remedy: "Declare it under the top-level `configs:` with `file:`, `content:` or `environment:`.",
        example: "services:\n  app:\n    image: app:1\n    configs: [app.conf]\n",
    },
    Explanation {
        code: "container-name-duplicate",
        title: "two services have the same `container_name`",
        meaning: "Two services set one `container_name`. Compose refuses the file: a container name must be unique.",
        kubernetes: "The container name becomes a name in the Pod's `hostAliases`; one name cannot point at two services.",
        remedy: "Give each service its own `container_name`, or remove it.",
        example: "services:\n  a:\n    image: web:1\n    container_name: web\n  b:\n    image: web:1\n    container_name: web\n",
    },
    Explanation {
        code: "cpus-invalid",
        title: "a CPU count is not a positive number",
        meaning: "`cpus` or `deploy.resources.*.cpus` holds something other than a positive number.",
        kubernetes: "It becomes the container's CPU request or limit, which must be a positive quantity.",
        remedy: "Write a positive number such as `0.5`.",
        example: "services:\n  app:\n    image: app:1\n    cpus: -1\n",
    },
    Explanation {
        code: "depends-on-condition",
        title: "a `depends_on` condition is unknown",
        meaning: "A long-syntax `depends_on` entry has a `condition` compose does not know.",
        kubernetes: "The condition decides how podlift orders start-up (sidecar, startup probe, one-shot init container); an unknown one falls back to `service_started`.",
        remedy: "Use `service_started`, `service_healthy` or `service_completed_successfully`.",
        example: "services:\n  app:\n    image: app:1\n    depends_on:\n      db: {condition: service_ready}\n  db:\n    image: db:1\n",
    },
    Explanation {
        code: "depends-on-cycle",
        title: "services depend on each other in a cycle",
        meaning: "Following `depends_on` (and `network_mode: service:X`) leads back to where it started.",
        kubernetes: "Start order becomes init containers and sidecars in one sequence; a cycle has no first member, and compose refuses it too.",
        remedy: "Break the cycle: one of the services must start without waiting for the others (and retry until they answer).",
        example: "services:\n  a:\n    image: a:1\n    depends_on: [b]\n  b:\n    image: b:1\n    depends_on: [a]\n",
    },
    Explanation {
        code: "depends-on-optional",
        title: "an optional dependency is not active",
        meaning: "A service depends on another with `required: false`, and that service is not part of the project (its profile is not active). Compose starts the service without it; podlift does the same.",
        kubernetes: "Nothing waits for the missing service; if the application needs it at run time, it must cope with its absence.",
        remedy: "Activate the dependency's profile (`--profile NAME`) if it should run, or drop the dependency.",
        example: "services:\n  app:\n    image: app:1\n    depends_on:\n      debug:\n        condition: service_started\n        required: false\n  debug:\n    image: debug:1\n    profiles: [debug]\n",
    },
    Explanation {
        code: "depends-on-restart",
        title: "`restart: true` on a dependency is not carried over",
        meaning: "A `depends_on` entry says `restart: true`: `docker compose` restarts this service whenever it restarts the dependency.",
        kubernetes: "Kubernetes restarts each container on its own; nothing restarts a dependent when its dependency restarts.",
        remedy: "Make the dependent reconnect on its own (retry), or give it a liveness probe that fails while its dependency is gone.",
        example: "services:\n  app:\n    image: app:1\n    depends_on:\n      db:\n        condition: service_started\n        restart: true\n  db:\n    image: db:1\n",
    },
    Explanation {
        code: "depends-on-self",
        title: "a service depends on itself",
        meaning: "A service lists its own name under `depends_on`.",
        kubernetes: "It could never start; compose refuses it.",
        remedy: "Remove the entry.",
        example: "services:\n  app:\n    image: app:1\n    depends_on: [app]\n",
    },
    Explanation {
        code: "depends-on-unknown",
        title: "a service depends on a service that does not exist",
        meaning: "`depends_on` names something that is not a service of the project (after profiles are applied).",
        kubernetes: "There is no container to wait for; compose refuses this too.",
        remedy: "Name a service of this project, activate the profile that defines it, or remove the entry.",
        example: "services:\n  app:\n    image: app:1\n    depends_on: [database]\n",
    },
    Explanation {
        code: "docker-socket",
        title: "a service mounts the Docker socket",
        meaning: "A bind mount's source is the Docker daemon's socket (`/var/run/docker.sock` and the like).",
        kubernetes: "Cluster nodes run containerd or CRI-O, not Docker: there is no socket to mount, and giving a Pod the node's container runtime hands it the whole node.",
        remedy: "Remove the mount; a container that drives Docker must be redesigned for Kubernetes (e.g. to use the Kubernetes API with a narrow ServiceAccount).",
        example: "services:\n  agent:\n    image: agent:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
    },
    Explanation {
        code: "duration-invalid",
        title: "a duration of podlift's own cannot be read",
        meaning: "`x-podlift.startup-timeout` is not a duration above zero. (A compose duration that cannot be read — a health check's `interval`, `stop_grace_period` — is a `type` error, as in compose.)",
        kubernetes: "The timeout becomes the `startupProbe` budget of a service that dependents wait on.",
        remedy: "Write it like `20m`, `1h` or `90s`.",
        example: "services:\n  db:\n    image: db:1\n    x-podlift: {startup-timeout: soon}\n",
    },
    Explanation {
        code: "env-file-syntax",
        title: "an env file cannot be read as `NAME=value` lines",
        meaning: "An `.env` file (for interpolation, `--env-file`) or a service's `env_file` has a line podlift cannot parse, such as an unclosed quote.",
        kubernetes: "The values become container environment or interpolate the compose file; a misread value would silently change the application's configuration.",
        remedy: "Write one `NAME=value` per line; quote values with spaces or `#`.",
        example: "services:\n  app:\n    image: app:${TAG}\n# file: .env\nTAG=\"1.0\n",
    },
    Explanation {
        code: "env-file-unreadable",
        title: "a service's env file cannot be read",
        meaning: "A file named under a service's `env_file` does not exist or cannot be read.",
        kubernetes: "Its variables would be missing from the container; compose refuses to start in this case unless the entry says `required: false`.",
        remedy: "Create the file, fix the path (relative to the compose file), or mark the entry `required: false`.",
        example: "services:\n  app:\n    image: app:1\n    env_file: [app.env]\n",
    },
    Explanation {
        code: "environment-from-shell",
        title: "a variable's value was taken from the shell that ran podlift",
        meaning: "`environment` names a variable without a value (`- HOME`). Compose then takes its value from the shell that runs compose; podlift does the same at convert time and writes the value into the manifests. One note names every such variable, never its value.",
        kubernetes: "The value is frozen into the manifests: it is the value on the machine that converted, not on the cluster, and it may be something private from your shell.",
        remedy: "Check that no secret is among the named variables. Give the value in the compose file or an env file, or move it into a Secret.",
        example: "services:\n  app:\n    image: app:1\n    environment:\n      - HOME\n",
    },
    Explanation {
        code: "extends-cycle",
        title: "`extends` leads back to itself",
        meaning: "A service extends another that (directly or through others) extends the first.",
        kubernetes: "The merged service would have no end; compose refuses it.",
        remedy: "Remove one `extends` of the cycle.",
        example: "services:\n  a:\n    extends: b\n  b:\n    extends: a\n",
    },
    Explanation {
        code: "extends-syntax",
        title: "`extends` is written wrongly",
        meaning: "`extends` is neither a service name nor a mapping with `service:` (and optionally `file:`).",
        kubernetes: "podlift cannot tell which service to start from.",
        remedy: "Write `extends: name` or `extends: {service: name, file: other.yaml}`.",
        example: "services:\n  app:\n    extends: [base]\n",
    },
    Explanation {
        code: "extends-unknown",
        title: "`extends` names a service that does not exist",
        meaning: "The service named by `extends` is not defined in this file, or in the file its `file:` names.",
        kubernetes: "The service would lose everything it meant to inherit.",
        remedy: "Name a service that exists, or add `file:` for one in another file.",
        example: "services:\n  app:\n    extends: base\n",
    },
    Explanation {
        code: "external-object",
        title: "a secret or config must already exist in the cluster",
        meaning: "A secret or config is `external`, or its content cannot be read at convert time (e.g. `environment:` naming an unset variable).",
        kubernetes: "The Pod mounts a Secret or ConfigMap of the given name and key; Kubernetes will not start the Pod until that object exists in its namespace.",
        remedy: "Create it in the namespace before applying the manifests (`kubectl create secret generic NAME --from-file=KEY=FILE`).",
        example: "services:\n  app:\n    image: app:1\n    secrets: [token]\nsecrets:\n  token:\n    external: true\n",
    },
    Explanation {
        code: "extra-host-gateway",
        title: "`extra_hosts` points at Docker's `host-gateway`",
        meaning: "An `extra_hosts` entry uses the special value `host-gateway`, which Docker replaces with the host's address.",
        kubernetes: "A cluster has no such value, and the Pod's node is not the machine compose ran on; the name is left out of `hostAliases`.",
        remedy: "Give the host's real address, or reach the outside service through a Service of type ExternalName.",
        example: "services:\n  app:\n    image: app:1\n    extra_hosts: [\"host.docker.internal:host-gateway\"]\n",
    },
    Explanation {
        code: "extra-host-invalid",
        title: "an `extra_hosts` entry has no valid address",
        meaning: "An `extra_hosts` entry is not `name=address` or `name:address` with an IP address.",
        kubernetes: "Each entry becomes a `hostAliases` line, which needs an IP address.",
        remedy: "Write `name=address`, e.g. `db.local=169.254.253.2`.",
        example: "services:\n  app:\n    image: app:1\n    extra_hosts: [\"db.local=somewhere\"]\n",
    },
    Explanation {
        code: "extra-host-unclaimed",
        title: "an `extra_hosts` address nobody claims",
        meaning: "An `extra_hosts` entry points a name at an address inside a compose network's subnet, and no service claims that address. Such an address is often one the application itself answers on (an address an image sets up, or a peer the file does not list).",
        kubernetes: "In the Pod the name resolves to that address, but nothing holds it: calls to it leave the Pod and go nowhere.",
        remedy: "If a service of the application answers there, claim the address: `x-podlift: {extra-addresses: [ADDRESS]}` at the top level, or `--extra-ip ADDRESS`. If it is outside the application, make sure the cluster can route to it.",
        example: "services:\n  app:\n    image: app:1\n    extra_hosts: [\"license:10.20.0.9\"]\n    networks:\n      net: {ipv4_address: 10.20.0.2}\nnetworks:\n  net:\n    ipam:\n      config: [{subnet: 10.20.0.0/24}]\n",
    },
    Explanation {
        code: "file-empty",
        title: "a compose file is empty",
        meaning: "A compose file holds no YAML document, or only `null`.",
        kubernetes: "There is nothing to convert.",
        remedy: "Give it at least a `services:` mapping, or leave it out of `-f`.",
        example: "# compose.yaml with no content\n",
    },
    Explanation {
        code: "file-not-mapping",
        title: "a compose file is not a mapping",
        meaning: "The top of a compose file is a list or a scalar instead of a mapping of keys such as `services:`.",
        kubernetes: "podlift, like compose, reads a compose file as a mapping.",
        remedy: "Start the file with keys such as `services:`.",
        example: "- app\n- db\n",
    },
    Explanation {
        code: "file-unreadable",
        title: "a file cannot be read",
        meaning: "A compose file, an included file, or a file a secret or config names does not exist, is a directory, is not UTF-8, or exceeds podlift's size limit.",
        kubernetes: "Without its content, podlift cannot convert the file, or fill the Secret or ConfigMap.",
        remedy: "Fix the path (relative to the compose file), or name the compose file inside a directory.",
        example: "services:\n  app:\n    image: app:1\n    configs: [conf]\nconfigs:\n  conf:\n    file: ./missing.conf\n",
    },
    Explanation {
        code: "healthcheck-invalid",
        title: "a health check's `test` is not a command",
        meaning: "`healthcheck.test` as a list does not start with `CMD`, `CMD-SHELL` or `NONE`.",
        kubernetes: "The test becomes an exec probe; podlift has to know whether to run it directly or through `sh -c`.",
        remedy: "Write `[\"CMD\", \"curl\", \"-f\", \"http://localhost\"]`, `[\"CMD-SHELL\", \"…\"]`, or a plain string for a shell command.",
        example: "services:\n  app:\n    image: app:1\n    healthcheck:\n      test: [\"curl\", \"-f\", \"http://localhost\"]\n",
    },
    Explanation {
        code: "hook-invalid",
        title: "a `post_start` or `pre_stop` hook has no command",
        meaning: "An entry of `post_start` or `pre_stop` has no `command` (or an empty one).",
        kubernetes: "A Kubernetes lifecycle hook is an exec of a command in the container; without one there is nothing to run.",
        remedy: "Give the hook its command, e.g. `command: [\"sh\", \"-c\", \"…\"]`, or remove the entry.",
        example: "services:\n  app:\n    image: app:1.0\n    post_start:\n      - user: root\n",
    },
    Explanation {
        code: "hook-not-carried",
        title: "part of a `post_start` or `pre_stop` hook cannot be carried over",
        meaning: "A service has several hooks for one event, or a hook sets its own `user`, `privileged`, `environment` or `working_dir`.",
        kubernetes: "A container's `lifecycle.postStart`/`preStop` is one exec handler that runs as the container runs: its user, capabilities, environment and working directory. Only the first hook's command is carried over.",
        remedy: "Join several commands into one (`sh -c 'a && b'`), and make the hook work as the container's own user, setting variables inside the command.",
        example: "services:\n  app:\n    image: app:1.0\n    post_start:\n      - command: chown -R app /data\n        user: root\n",
    },
    Explanation {
        code: "host-namespace",
        title: "a service asks for the host's process or IPC namespace",
        meaning: "A service has `pid: host` or `ipc: host`.",
        kubernetes: "Kubernetes has these only for the whole Pod (`hostPID`, `hostIPC`): every container of the Pod then sees the node's processes or shared memory, and the namespace needs Pod Security level `privileged`.",
        remedy: "Drop the setting unless the service must watch the node (a monitoring agent); give such a service a Pod of its own (`--strategy split`).",
        example: "services:\n  agent:\n    image: agent:1.0\n    pid: host\n",
    },
    Explanation {
        code: "image-built",
        title: "a service is built, not pulled",
        meaning: "A service has `build:`; podlift uses its `image:` (or the name compose would give the built image).",
        kubernetes: "A cluster pulls images from a registry; it cannot build them, and an image built on your machine is not in any registry.",
        remedy: "Build the image, push it to a registry the cluster can pull from, and set `image:` to that reference.",
        example: "services:\n  app:\n    build: .\n",
    },
    Explanation {
        code: "image-invalid",
        title: "an image reference cannot be pulled",
        meaning: "`image` is not a valid reference, e.g. `nginx:` with an empty tag (typically a `${TAG}` that was not set), upper-case letters in the repository, or spaces.",
        kubernetes: "The kubelet cannot pull such an image, and the Pod never starts (`InvalidImageName`).",
        remedy: "Write `NAME[:TAG][@DIGEST]`, e.g. `nginx:1.27`, and check the variables the reference uses (`podlift config` shows the value after interpolation).",
        example: "services:\n  web:\n    image: \"nginx:\"\n",
    },
    Explanation {
        code: "image-missing",
        title: "a service has no image",
        meaning: "A service has neither `image:` nor `build:`.",
        kubernetes: "Every container of the Pod needs an image the cluster can pull.",
        remedy: "Set `image:` to a reference the cluster can pull.",
        example: "services:\n  app:\n    command: [\"sleep\", \"infinity\"]\n",
    },
    Explanation {
        code: "include-conflict",
        title: "an included file defines a resource again",
        meaning: "A service, network, volume, secret or config is defined both in a file and in a file it `include`s.",
        kubernetes: "Compose refuses such conflicts instead of merging them; which one would win is not defined.",
        remedy: "Rename one of them, or remove it from the included file.",
        example: "include: [db.yaml]\nservices:\n  db:\n    image: postgres:16\n# file: db.yaml\nservices:\n  db:\n    image: postgres:15\n",
    },
    Explanation {
        code: "include-cycle",
        title: "`include` leads back to a file being read",
        meaning: "A file includes itself, directly or through other files.",
        kubernetes: "The project would have no end; compose refuses it.",
        remedy: "Remove one of the `include` entries of the cycle.",
        example: "include: [other.yaml]\nservices:\n  app:\n    image: app:1\n# file: other.yaml\ninclude: [compose.yaml]\n",
    },
    Explanation {
        code: "include-syntax",
        title: "`include` is written wrongly",
        meaning: "`include` is not a list, or an entry names no file.",
        kubernetes: "podlift cannot tell which files to read.",
        remedy: "Write `include: [other.yaml]`, or entries with `path:` (and optionally `env_file:` and `project_directory:`).",
        example: "include: other.yaml\n",
    },
    Explanation {
        code: "interpolation-depth",
        title: "interpolation nests too deep",
        meaning: "`${NAME:-${OTHER:-…}}` defaults nest more levels than podlift follows.",
        kubernetes: "A bound on nesting keeps a hostile or broken file from exhausting memory or time.",
        remedy: "Flatten the nested defaults.",
        example: "services:\n  app:\n    image: ${A:-${B:-${C:-${D:-…}}}}\n",
    },
    Explanation {
        code: "interpolation-syntax",
        title: "a `${…}` is not valid interpolation",
        meaning: "A `$` starts something compose cannot read as a variable, such as an unclosed `${`.",
        kubernetes: "Compose refuses the file; the value cannot be known.",
        remedy: "Close the `${`, write `${NAME}` or `${NAME:-default}`, or write `$$` for a literal `$`.",
        example: "services:\n  app:\n    image: app:${TAG\n",
    },
    Explanation {
        code: "key-ignored",
        title: "a compose key has no effect in Kubernetes",
        meaning: "The key means something only to Docker or to `docker compose up` (e.g. `version`, a network's `driver`), and has no equivalent that would change what runs.",
        kubernetes: "Nothing is lost: the cluster's own mechanisms (CNI, scheduler, kubelet) do what the key did.",
        remedy: "Nothing to do; remove the key if you want a quiet run.",
        example: "version: \"3.8\"\nservices:\n  app:\n    image: app:1\n",
    },
    Explanation {
        code: "key-not-carried",
        title: "a compose key is not carried over",
        meaning: "podlift knows the key but cannot express it in the manifests (e.g. a Swarm-only `deploy` setting, a device mapping).",
        kubernetes: "The application runs without this setting on Kubernetes; whether it still works depends on what the setting did.",
        remedy: "Check that the application works without it, or set the equivalent by hand in the output.",
        example: "services:\n  app:\n    image: app:1\n    devices: [\"/dev/ttyUSB0:/dev/ttyUSB0\"]\n",
    },
    Explanation {
        code: "key-unknown",
        title: "a compose key is unknown",
        meaning: "The key is not part of the Compose Specification at this place (often a typo).",
        kubernetes: "Compose refuses the file; `podlift convert` reports the key (a warning) instead of dropping it silently, and `podlift config` refuses the file as compose does (an error).",
        remedy: "Fix the spelling (the message suggests the closest key), or prefix the key with `x-` to mark it as an extension.",
        example: "services:\n  app:\n    image: app:1\n    enviroment:\n      A: \"1\"\n",
    },
    Explanation {
        code: "kompose-label",
        title: "kompose's labels are not interpreted",
        meaning: "Services carry `kompose.*` labels (`kompose.service.type`, `kompose.volume.size`, …), settings of the kompose converter.",
        kubernetes: "podlift does not read them; they are left out of the Pod's annotations rather than copied as text nobody reads.",
        remedy: "Use podlift's own settings: `--service-type` for `kompose.service.type`, `x-podlift.size`/`storage-class` on a volume for `kompose.volume.size`/`storage-class`, `--controller` for `kompose.controller.type`.",
        example: "services:\n  web:\n    image: nginx:1.27\n    labels:\n      kompose.service.type: nodeport\n",
    },
    Explanation {
        code: "label-file-unreadable",
        title: "a `label_file` cannot be read",
        meaning: "A file named in `label_file` is missing, not UTF-8 text, or not `KEY=VALUE` lines.",
        kubernetes: "Its labels would become Pod annotations; compose refuses the file too.",
        remedy: "Create the file or fix its path (relative to the compose file); write one `KEY=VALUE` per line.",
        example: "services:\n  app:\n    image: app:1.0\n    label_file: ./missing.labels\n",
    },
    Explanation {
        code: "label-invalid",
        title: "a label is not a valid annotation key",
        meaning: "Compose labels become annotations of the Pod; this label's key does not fit Kubernetes' key syntax.",
        kubernetes: "The API server would refuse the whole object, so the label is left out.",
        remedy: "Rename the label to `[prefix/]name` with letters, digits, `-`, `_` and `.`.",
        example: "services:\n  app:\n    image: app:1\n    labels:\n      \"my label\": \"x\"\n",
    },
    Explanation {
        code: "limit-services",
        title: "the project has more services than podlift converts",
        meaning: "The project defines more services than podlift's limit.",
        kubernetes: "One Pod of that size would be far beyond what Kubernetes accepts for one object.",
        remedy: "Split the project into several.",
        example: "services:   # more than 100,000 entries\n",
    },
    Explanation {
        code: "merge-type",
        title: "a key has different types in two merged files",
        meaning: "A later compose file (`-f a.yaml -f b.yaml`, or `compose.override.yaml`) writes a key as a list or a scalar where an earlier one wrote a mapping, or the reverse (keys compose accepts both ways, such as `environment`, merge).",
        kubernetes: "Compose cannot merge such values either; the result would be a guess.",
        remedy: "Write it the same way in both files, or tag the later one `!override` to replace it.",
        example: "services:\n  app:\n    image: app:1\n    deploy:\n      replicas: 1\n# file: compose.override.yaml\nservices:\n  app:\n    deploy: [replicas=2]\n",
    },
    Explanation {
        code: "name-conflict",
        title: "a name would resolve to two addresses",
        meaning: "Two services use one host name (service name, `container_name`, `hostname`, alias, link or extra host) for different addresses.",
        kubernetes: "All names of a Pod go into one `hostAliases` table, where a name has one address; podlift keeps the first.",
        remedy: "Give one of them another name.",
        example: "services:\n  a:\n    image: a:1\n    hostname: db\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  b:\n    image: b:1\n    networks:\n      back:\n        ipv4_address: 169.254.253.3\n        aliases: [db]\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "name-invalid",
        title: "a name is not a valid host name",
        meaning: "A service name, alias, `container_name` or `hostname` is not a DNS-1123 name (e.g. it holds `_`).",
        kubernetes: "Kubernetes' `hostAliases` accept DNS names only, so the name will not resolve in the Pod.",
        remedy: "Rename it if peers call it by that name.",
        example: "services:\n  my_db:\n    image: postgres:16\n",
    },
    Explanation {
        code: "namespace-shared",
        title: "containers share a process namespace, or would have under compose",
        meaning: "A service has `pid: service:X` or `container:X`; or, under `--strategy split`, it shares `pid` or `ipc` with a service that lands in another Pod.",
        kubernetes: "In one Pod, `shareProcessNamespace: true` makes every container see every other's processes, and PID 1 is the Pod's pause process, not the image's entrypoint. Pods never share process or IPC namespaces with each other.",
        remedy: "Check that no service relies on being PID 1; under split, keep the two services in one Pod with `x-podlift.group`.",
        example: "services:\n  app:\n    image: app:1.0\n  debug:\n    image: debug:1.0\n    pid: service:app\n",
    },
    Explanation {
        code: "network-isolation",
        title: "one Pod does not separate what compose's networks did",
        meaning: "Services that share no compose network could not reach each other under compose, and a service whose networks are all `internal: true` could not reach outside. In one Pod every container shares one network namespace: each reaches every other over loopback, and all reach what the Pod reaches.",
        kubernetes: "A NetworkPolicy selects whole Pods; it cannot separate containers of one Pod. Under `--strategy split` podlift emits a NetworkPolicy per Pod that admits only the Pods sharing a compose network with it (and anyone on its published ports), and lets Pods whose networks are all internal out only to those Pods and the cluster's DNS; a CNI that enforces NetworkPolicies (Calico, Cilium, …) applies them.",
        remedy: "Where the separation matters (a database that must not be reachable from a front end, a service that must not reach the internet), convert with `--strategy split`, and check that the cluster's CNI enforces NetworkPolicies.",
        example: "services:\n  web:\n    image: web:1\n    networks: [front]\n  db:\n    image: db:1\n    networks: [back]\nnetworks:\n  front: {}\n  back:\n    internal: true\n",
    },
    Explanation {
        code: "network-mode-host",
        title: "a service uses the host's network",
        meaning: "A service has `network_mode: host`. Under `--strategy pod` this is an error; under `auto` (the default) and `split` the service gets a Pod of its own with `hostNetwork: true`, and this is a warning.",
        kubernetes: "All services of a Pod share its network namespace; one container cannot have the node's network instead. A Pod of its own can: `hostNetwork: true` puts it in the node's network, so its ports are the node's ports (two replicas cannot share a node), it reaches no preset address of its peers (as under compose), and the namespace needs the Pod Security level `privileged`.",
        remedy: "Convert with the default `--strategy auto`, not `--strategy pod`; keep `network_mode: host` only if the service must see the node's network, else remove it.",
        example: "# podlift convert --strategy pod\nservices:\n  app:\n    image: app:1\n    network_mode: host\n",
    },
    Explanation {
        code: "network-mode-networks",
        title: "a service sets both `network_mode` and `networks`",
        meaning: "A service has `network_mode` and also joins `networks`.",
        kubernetes: "Compose refuses this combination: the two contradict each other.",
        remedy: "Keep one: `network_mode: service:NAME` already gives the service that service's networks.",
        example: "services:\n  app:\n    image: app:1\n    network_mode: service:db\n    networks: [back]\n",
    },
    Explanation {
        code: "network-mode-none",
        title: "a service has no network",
        meaning: "A service has `network_mode: none`.",
        kubernetes: "Every container of a Pod shares the Pod's network; one cannot be cut off alone. Under `auto` (the default) and `split` the service gets a Pod of its own, without a Service and without peers' names; only `--strategy pod` stops here.",
        remedy: "Convert with the default `--strategy auto`, not `--strategy pod`; or remove `network_mode: none`.",
        example: "# podlift convert --strategy pod\nservices:\n  batch:\n    image: batch:1\n    network_mode: none\n",
    },
    Explanation {
        code: "network-mode-target",
        title: "`network_mode` points nowhere",
        meaning: "`network_mode: service:X` or `container:X` names no service of the project, or the mode is unknown.",
        kubernetes: "A container outside the project does not exist in the cluster; podlift cannot tell whose namespace the service meant to share.",
        remedy: "Name a service of this project in `network_mode: service:NAME`, or remove the key.",
        example: "services:\n  app:\n    image: app:1\n    network_mode: service:database\n",
    },
    Explanation {
        code: "network-undeclared",
        title: "a service joins a network that is not declared",
        meaning: "A service lists a network that the top-level `networks:` does not declare (apart from `default`).",
        kubernetes: "Compose refuses this; podlift reads subnets from the declaration to check the addresses.",
        remedy: "Add the network under the top-level `networks:`.",
        example: "services:\n  app:\n    image: app:1\n    networks: [back]\n",
    },
    Explanation {
        code: "no-compose-file",
        title: "no compose file was found",
        meaning: "Without `-f` and `COMPOSE_FILE`, podlift looks for `compose.yaml`, `compose.yml`, `docker-compose.yaml` and `docker-compose.yml` in the working directory, and found none.",
        kubernetes: "There is nothing to convert.",
        remedy: "Name one with `-f FILE` (repeatable), set `COMPOSE_FILE`, or run podlift in the project's directory.",
        example: "$ cd /tmp && podlift check\n",
    },
    Explanation {
        code: "no-services",
        title: "the project defines no services",
        meaning: "The compose file (after profiles and merging) has no `services:`.",
        kubernetes: "There are no containers to put into a Pod.",
        remedy: "Add services, or activate the profile that holds them (`--profile`, `COMPOSE_PROFILES`).",
        example: "volumes:\n  data: {}\n",
    },
    Explanation {
        code: "object-too-large",
        title: "an object is larger than Kubernetes stores",
        meaning: "A rendered object exceeds a Kubernetes limit: more than 1 MiB of data in a ConfigMap or Secret, more than 256 KiB of annotations, or more than 1.5 MiB in all (a Pod of very many containers, or many large bind-mounted files).",
        kubernetes: "The API server refuses the object, so the application would not deploy at all.",
        remedy: "Put large files into a claim (a named volume) instead of bind-mounting them, mount fewer files from one object, or split the services over several Pods (`--strategy split`).",
        example: "services:\n  db:\n    image: postgres:16\n    volumes:\n      # a 5 MiB dump, inlined into a ConfigMap\n      - ./dump.sql:/docker-entrypoint-initdb.d/dump.sql:ro\n",
    },
    Explanation {
        code: "pod-security",
        title: "the Pods need the `privileged` Pod Security level",
        meaning: "podlift measures the rendered Pods against the Pod Security Standards and reports the strictest level they satisfy (`check` prints it). This note says which container needs `privileged` and why: the loopback init container adds `NET_ADMIN` (or runs privileged with `--privileged-init`); a service is `privileged`, adds a capability beyond `baseline`'s list, or binds a host path.",
        kubernetes: "A namespace that enforces `baseline` or `restricted` refuses such a Pod. `--create-namespace` labels the Namespace with the level the Pods need: `baseline` when nothing needs more.",
        remedy: "Label the namespace `pod-security.kubernetes.io/enforce=privileged`, or convert with `-n NAMESPACE --create-namespace` to emit a labelled Namespace; or drop what needs it (a capability, `privileged`, a host path bind).",
        example: "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.253.7}}\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "pod-wide-differs",
        title: "services set a Pod-wide setting differently",
        meaning: "A setting Kubernetes has once per Pod (hostname, DNS servers and search domains, labels as annotations, stop grace period, …) has different values in different services.",
        kubernetes: "All services share one Pod; podlift keeps the first service's value (for the stop grace period, the longest).",
        remedy: "Make the services agree, or check that each works with the value kept.",
        example: "services:\n  a:\n    image: a:1\n    dns: [1.1.1.1]\n  b:\n    image: b:1\n    dns: [8.8.8.8]\n",
    },
    Explanation {
        code: "port-conflict",
        title: "two containers of the Pod declare the same port",
        meaning: "Two services declare one port and protocol (`ports`, `expose`), or a health check calls `localhost:PORT` that another service declares.",
        kubernetes: "Containers of one Pod share a network namespace: two servers binding one port on `0.0.0.0` cannot both start, and `localhost` reaches whichever holds the port. Under `auto` (the default) podlift then puts them in different Pods (`auto-split`); the error remains under `--strategy pod`, and where the two share a namespace on purpose (`network_mode: service:`, `x-podlift.group`).",
        remedy: "Convert with the default `--strategy auto`, not `--strategy pod`. If each server binds only its own preset address (not `0.0.0.0`), the clash is harmless and one Pod can hold both: allow it with `--allow-shared-port PORT`. Inside a shared namespace, change one port.",
        example: "# podlift convert --strategy pod\nservices:\n  a:\n    image: a:1\n    expose: [\"8080\"]\n  b:\n    image: b:1\n    expose: [\"8080\"]\n",
    },
    Explanation {
        code: "port-host-only",
        title: "a port published on a host address gets no Service",
        meaning: "A port is published on one host address (`127.0.0.1:5432:5432`, `[::1]:6379:6379`). Under compose only that host could reach it; podlift makes no Service for it, so it does not become reachable cluster-wide.",
        kubernetes: "A Service makes a port reachable from every Pod in the cluster (and beyond, for `NodePort`/`LoadBalancer`): that would open what the compose file kept closed.",
        remedy: "Nothing, if the port was for local administration (use `kubectl port-forward`). To expose it on purpose, publish it without a host address (`5432:5432`).",
        example: "services:\n  db:\n    image: postgres:16\n    ports:\n      - 127.0.0.1:5432:5432\n",
    },
    Explanation {
        code: "port-invalid",
        title: "a port cannot be read",
        meaning: "A `ports` or `expose` entry is not a port mapping, a long-syntax port has no numeric `target`, or the protocol is unknown.",
        kubernetes: "Ports become containerPorts and Services; a misread port would expose the wrong one.",
        remedy: "Write `[HOST_IP:]PUBLISHED:TARGET[/PROTOCOL]` (e.g. `8080:80/tcp`) for `ports` and `PORT[/PROTOCOL]` for `expose`.",
        example: "services:\n  app:\n    image: app:1\n    ports: [\"80:http\"]\n",
    },
    Explanation {
        code: "ports-unknown",
        title: "services declare no ports",
        meaning: "Under a split into several Pods (`--strategy split`, or `auto` when one Pod cannot do), some services declare neither `ports` nor `expose`. podlift cannot see whether their ports clash with another service's, and a Service forwards only declared ports.",
        kubernetes: "Other Pods reach a service through its Service (by name, and by preset address through the address map); a port nobody declared is not forwarded, so calls to it from other Pods fail.",
        remedy: "List the ports each service listens on under `expose`: compose publishes nothing for `expose`, so the compose deployment does not change; podlift then checks them and forwards them.",
        example: "# podlift convert --strategy split\nservices:\n  web:\n    image: web:1\n    expose: [\"80\"]\n  worker:\n    image: worker:1\n",
    },
    Explanation {
        code: "project-name",
        title: "the project name is changed",
        meaning: "The project name (from `-p`, `COMPOSE_PROJECT_NAME` or `name:`) holds characters compose does not allow; podlift uses the normalised name.",
        kubernetes: "The name prefixes the objects podlift writes (claims, ConfigMaps, the Deployment).",
        remedy: "Use lowercase letters, digits, `-` and `_`.",
        example: "name: My Project\nservices:\n  app:\n    image: app:1\n",
    },
    Explanation {
        code: "pull-policy",
        title: "a pull policy has no Kubernetes equivalent",
        meaning: "`pull_policy` is a refresh schedule (`daily`, `weekly`, `every_12h`) or another value with no `imagePullPolicy` counterpart.",
        kubernetes: "The cluster's default pull policy applies.",
        remedy: "Use `always`, `never`, `missing`, `if_not_present` or `build`, or set `imagePullPolicy` by hand.",
        example: "services:\n  app:\n    image: app:1\n    pull_policy: daily\n",
    },
    Explanation {
        code: "quantity-invalid",
        title: "a size is not a Kubernetes quantity",
        meaning: "`--volume-size` or a volume's `x-podlift.size` is not a quantity Kubernetes accepts: `1GB` and `10gi` are not units there.",
        kubernetes: "The claim's `resources.requests.storage` would be refused by the API server.",
        remedy: "Write `10Gi` (binary, 1024-based) or `10G` (decimal).",
        example: "services:\n  db:\n    image: postgres:16\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data:\n    x-podlift: {size: 10GB}\n",
    },
    Explanation {
        code: "replicas",
        title: "a service asks for more than one replica in one Pod",
        meaning: "A service sets `deploy.replicas` (or `scale`) above 1 under the pod strategy.",
        kubernetes: "The Pod holds every service; replicas of the Pod would copy the whole stack, preset addresses included.",
        remedy: "Convert with the default `--strategy auto` (not `--strategy pod`): the service then gets a Deployment of its own; or set `replicas: 1`.",
        example: "# podlift convert --strategy pod\nservices:\n  web:\n    image: web:1\n    deploy:\n      replicas: 3\n",
    },
    Explanation {
        code: "replicas-stateful",
        title: "a replicated group mounts named volumes",
        meaning: "Under `--strategy split`, a group asks for several replicas and mounts named volumes.",
        kubernetes: "A Deployment's replicas share one PersistentVolumeClaim; most storage allows one writer, and the copies would corrupt each other's data.",
        remedy: "Keep `replicas: 1`, or convert with `--controller statefulset`: each replica then gets its own claim.",
        example: "# podlift convert --strategy split\nservices:\n  db:\n    image: db:1\n    deploy: {replicas: 2}\n    volumes: [data:/var/lib/db]\nvolumes:\n  data: {}\n",
    },
    Explanation {
        code: "resource-conflict",
        title: "a resource is set twice with different values",
        meaning: "A service sets `cpus`, `mem_limit` or `mem_reservation` and also the matching `deploy.resources` field, with different values. Compose refuses the file.",
        kubernetes: "A container has one limit and one request per resource; podlift cannot know which value was meant.",
        remedy: "Write the value once: the service-level key, or the one under `deploy.resources`.",
        example: "services:\n  app:\n    image: app:1\n    cpus: 1\n    deploy:\n      resources:\n        limits: {cpus: '2'}\n",
    },
    Explanation {
        code: "restart-differs",
        title: "services restart differently, but a Pod restarts all",
        meaning: "A long-running service has a restart policy that does not restart it (`no`, `on-failure`), while another service's policy (`always`, `unless-stopped`) does.",
        kubernetes: "A Deployment's Pod has one restart policy, `Always`: the kubelet restarts every container that exits, including one compose would have left stopped.",
        remedy: "Make sure the service may run again after it exits, or run it as a one-shot (`service_completed_successfully` dependency) or a Job.",
        example: "services:\n  app:\n    image: app:1\n    restart: always\n  migrate:\n    image: migrate:1\n    restart: \"no\"\n",
    },
    Explanation {
        code: "restart-invalid",
        title: "a restart policy is unknown",
        meaning: "`restart` is not `no`, `always`, `on-failure[:N]` or `unless-stopped`.",
        kubernetes: "podlift compares restart policies to warn where the Pod restarts differently; an unknown one cannot be compared.",
        remedy: "Use `no`, `always`, `on-failure[:N]` or `unless-stopped`.",
        example: "services:\n  app:\n    image: app:1\n    restart: sometimes\n",
    },
    Explanation {
        code: "restart-pod",
        title: "every container of the Pod restarts when it exits",
        meaning: "All services share one restart policy that does not restart (compose's default `no`, or `on-failure`).",
        kubernetes: "A Deployment's Pod restarts each container that exits (`restartPolicy: Always`); services compose left stopped run again.",
        remedy: "Make sure the services may run again after they exit; or use `--controller pod` for a bare Pod.",
        example: "services:\n  app:\n    image: app:1\n",
    },
    Explanation {
        code: "secret-undeclared",
        title: "a service uses a secret that is not declared",
        meaning: "A service lists a secret under `secrets:` that the top-level `secrets:` does not define.",
        kubernetes: "podlift turns each declared secret into a Secret; without the declaration there is no content and no name to mount. Compose refuses this too.",
        remedy: "Declare it under the top-level `secrets:` with `file:` or `environment:`.",
        example: "services:\n  app:\n    image: app:1\n    secrets: [token]\n",
    },
    Explanation {
        code: "security-opt",
        title: "a `security_opt` entry needs care or cannot be carried over",
        meaning: "A `security_opt` names a seccomp profile file or an AppArmor profile (they must exist on the nodes), or an option Kubernetes has no field for (`label=disable`, `systempaths=unconfined`, …), or `no-new-privileges` beside `privileged`/`SYS_ADMIN`.",
        kubernetes: "`seccomp=FILE` becomes `seccompProfile: Localhost`, read from the kubelet's directory on the node; `apparmor=NAME` becomes `appArmorProfile: Localhost`, which needs the profile loaded there. A Pod whose profile is missing does not start.",
        remedy: "Install the profiles on every node (the Security Profiles Operator helps), or drop the option; set what Kubernetes cannot express by hand if you need it.",
        example: "services:\n  app:\n    image: app:1.0\n    security_opt:\n      - seccomp=./profile.json\n",
    },
    Explanation {
        code: "shared-network-privilege",
        title: "a service can change the network every container of its Pod shares",
        meaning: "A service has `privileged: true` or `cap_add` of `NET_ADMIN`, `NET_RAW`, `SYS_ADMIN` or `ALL`, and shares its network namespace with other services (one Pod, a `network_mode: service:` group, or an `x-podlift.group`).",
        kubernetes: "Under compose each container had a network namespace of its own. In one Pod a VPN client, a kill switch, a deleted default route or an iptables rule of this service applies to every container of the Pod.",
        remedy: "If the service changes the network, give it a Pod of its own: `--strategy split`, and do not group it with others.",
        example: "services:\n  vpn:\n    image: vpn:1\n    cap_add: [NET_ADMIN]\n  app:\n    image: app:1\n",
    },
    Explanation {
        code: "source-address",
        title: "peers see a different source address",
        meaning: "In one Pod a connection to a preset address comes from that same address over loopback; across Pods (split strategy) it comes from the caller's Pod IP.",
        kubernetes: "Under compose, a server saw each peer's own preset address as the source. A server that allows clients by source address (access lists, `pg_hba.conf`) refuses the new sources.",
        remedy: "Allow the server's own preset address (one Pod) or the cluster's Pod range (split) in such access lists.",
        example: "services:\n  db:\n    image: db:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.253.7}}\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "split-ipv6",
        title: "an IPv6 preset address is not reachable from other Pods",
        meaning: "Under `--strategy split`, a service's preset address is IPv6. The address map translates IPv4 preset addresses to Services only.",
        kubernetes: "Peers in other Pods that call this address reach nothing.",
        remedy: "Keep the services that call it in its Pod (`x-podlift: {group: NAME}`), or give it an IPv4 address as well.",
        example: "# podlift convert --strategy split\nservices:\n  db:\n    image: db:1\n    expose: ['5432']\n    networks:\n      back: {ipv6_address: 'fd00::2'}\n  app:\n    image: app:1\n    networks: [back]\nnetworks:\n  back:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00::/64\n",
    },
    Explanation {
        code: "split-name",
        title: "a name does not resolve in other Pods",
        meaning: "Under `--strategy split`, a service's extra name (`container_name`, a network alias, `hostname`) cannot be the name of a Service (it is not a DNS label: dots, upper-case letters), and the service has no IPv4 preset address that other Pods' `hostAliases` could point it at.",
        kubernetes: "Peers in other Pods that call the service by this name fail to resolve it.",
        remedy: "Call the service by its Service name (the compose service name), rename the alias to a DNS label (lowercase letters, digits and `-`, starting with a letter), or give the service an IPv4 preset address.",
        example: "# podlift convert --strategy split\nservices:\n  web:\n    image: web:1\n    expose: ['80']\n    networks:\n      back:\n        aliases: [web.internal]\n  app:\n    image: app:1\n    networks: [back]\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "split-no-ports",
        title: "a service of a split project declares no ports",
        meaning: "Under `--strategy split`, a service with a preset address declares no `ports` or `expose`.",
        kubernetes: "Across Pods, a preset address is translated to the service's ClusterIP, and a Service forwards only declared ports: nothing reaches this one.",
        remedy: "Declare every port it listens on with `expose` or `ports`.",
        example: "# podlift convert --strategy split\nservices:\n  db:\n    image: db:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\nnetworks:\n  back: {}\n",
    },
    Explanation {
        code: "split-one-shot",
        title: "a one-shot service runs in a Deployment of its own",
        meaning: "Under `--strategy split`, a service others wait for with `service_completed_successfully` lands in its own Deployment.",
        kubernetes: "A Deployment restarts its Pod's containers when they exit, so the one-shot task runs again and again.",
        remedy: "Keep it with the services that wait for it (`x-podlift: {group: NAME}`), or run it as a Job.",
        example: "# podlift convert --strategy split\nservices:\n  migrate:\n    image: migrate:1\n  app:\n    image: app:1\n    depends_on:\n      migrate: {condition: service_completed_successfully}\n",
    },
    Explanation {
        code: "split-start-order",
        title: "start order across Pods is not enforced",
        meaning: "Under `--strategy split`, a service waits (`depends_on`) for a service in another Pod.",
        kubernetes: "Pods start independently; Kubernetes has no order between them.",
        remedy: "Make sure the service retries until its peers answer, or group them (`x-podlift: {group: NAME}`).",
        example: "# podlift convert --strategy split\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n  db:\n    image: db:1\n",
    },
    Explanation {
        code: "start-order",
        title: "start order cannot be enforced below Kubernetes 1.29",
        meaning: "With `--kube-version` below 1.29 there are no native sidecars: the containers of a Pod start together, in list order.",
        kubernetes: "`depends_on` is then kept as the order of the containers, which Kubernetes does not wait on; a service that must finish first but itself waits for others cannot be placed.",
        remedy: "Target Kubernetes 1.29 or later (`--kube-version`), or make the services retry until their dependencies answer.",
        example: "# podlift convert --kube-version 1.28\nservices:\n  app:\n    image: app:1\n    depends_on: [db]\n  db:\n    image: db:1\n",
    },
    Explanation {
        code: "startup-timeout-unused",
        title: "`x-podlift.startup-timeout` has no effect",
        meaning: "A service sets `x-podlift.startup-timeout`, but no service waits on it with `condition: service_healthy`, so it gets no `startupProbe` to time.",
        kubernetes: "Only a service that dependents wait on gets a `startupProbe`; podlift never adds one elsewhere, because a failed `startupProbe` kills the container and compose never does that.",
        remedy: "Remove the setting, or make a dependent wait on this service with `condition: service_healthy`.",
        example: "services:\n  db:\n    image: db:1\n    x-podlift: {startup-timeout: 20m}\n",
    },
    Explanation {
        code: "subnet-invalid",
        title: "a subnet is not in CIDR notation",
        meaning: "A network's `ipam.config[].subnet` is not an address with a prefix length.",
        kubernetes: "Subnets are how podlift checks that preset addresses are where compose put them.",
        remedy: "Write it like `169.254.253.0/24`.",
        example: "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 169.254.253.0\n",
    },
    Explanation {
        code: "sysctl-unsafe",
        title: "a sysctl is not in Kubernetes' safe set",
        meaning: "A service sets a sysctl that the kubelet does not allow by default.",
        kubernetes: "The kubelet refuses a Pod with an unsafe sysctl unless the node allows it, so podlift leaves it out.",
        remedy: "Set it on the nodes, or allow it there (`--allowed-unsafe-sysctls`) and add it to the Pod by hand.",
        example: "services:\n  app:\n    image: app:1\n    sysctls:\n      net.core.somaxconn: 1024\n",
    },
    Explanation {
        code: "type",
        title: "a value has the wrong type",
        meaning: "A key holds a list where a string is expected, a mapping where a list is expected, and so on.",
        kubernetes: "podlift reads every key into a typed value; a wrong type would otherwise be dropped silently.",
        remedy: "Write the value as the message says.",
        example: "services:\n  app:\n    image: [app, \"1.0\"]\n",
    },
    Explanation {
        code: "user-name",
        title: "`user` names a user instead of a numeric id",
        meaning: "A service's `user` is a name (`postgres`) rather than a uid.",
        kubernetes: "Kubernetes' `runAsUser` takes numeric ids only, so the image's default user runs.",
        remedy: "Write the numeric `uid[:gid]` the name has in the image.",
        example: "services:\n  db:\n    image: postgres:16\n    user: postgres\n",
    },
    Explanation {
        code: "variable-required",
        title: "a required variable is not set",
        meaning: "`${NAME:?message}` or `${NAME?message}` names a variable that is not set (or empty).",
        kubernetes: "Compose refuses the file in this case; the author said the value must be given.",
        remedy: "Set the variable in the environment or in `.env`.",
        example: "services:\n  app:\n    image: app:${TAG:?set TAG}\n",
    },
    Explanation {
        code: "variable-unset",
        title: "a variable is not set",
        meaning: "`${NAME}` names a variable that is set neither in the environment nor in `.env`; it becomes an empty string.",
        kubernetes: "The manifests then carry the empty value, which is rarely what was meant.",
        remedy: "Set the variable in the environment or in `.env`, or give a default: `${NAME:-value}`.",
        example: "services:\n  app:\n    image: app:${TAG}\n",
    },
    Explanation {
        code: "volume-invalid",
        title: "a volume mount cannot be read",
        meaning: "A short-syntax volume is not `SOURCE:TARGET[:MODE]`, or a long-syntax one has no `target`.",
        kubernetes: "Mounts become volumes and volumeMounts; without a target there is nothing to mount.",
        remedy: "Write `SOURCE:TARGET[:ro]` or just `TARGET`; add `target:` to the long syntax.",
        example: "services:\n  app:\n    image: app:1\n    volumes:\n      - type: volume\n        source: data\n",
    },
    Explanation {
        code: "volume-starts-empty",
        title: "a new volume starts empty",
        meaning: "An anonymous volume (`- /app/node_modules`), a `tmpfs` or a new named volume becomes an `emptyDir` or a new claim. Docker fills a new volume with what the image has at the mount path; Kubernetes does not.",
        kubernetes: "A service that expects the image's files at that path (`node_modules`, default configuration, a seeded database) finds an empty directory and fails or behaves differently.",
        remedy: "If the service needs the image's files there, drop the mount, or copy them in with an init container that runs the same image (`cp -a /app/node_modules/. /mnt/`).",
        example: "services:\n  app:\n    image: node:22\n    volumes:\n      - /app/node_modules\n",
    },
    Explanation {
        code: "volume-target-relative",
        title: "a container path of a mount is not absolute",
        meaning: "A volume, bind mount or tmpfs is mounted at a relative path (`data:redis-vol/bitnami`). Compose reads the file, but Docker refuses to create such a container.",
        kubernetes: "A container's `volumeMounts[].mountPath` must be absolute too; the API server would refuse the Pod.",
        remedy: "Write the path in the container from `/`, e.g. `data:/bitnami/redis`.",
        example: "services:\n  cache:\n    image: redis:7\n    volumes:\n      - data:redis-vol/bitnami\nvolumes:\n  data: {}\n",
    },
    Explanation {
        code: "volume-undeclared",
        title: "a service mounts a volume that is not declared",
        meaning: "A service mounts a named volume that the top-level `volumes:` does not declare.",
        kubernetes: "Each declared volume becomes a PersistentVolumeClaim; compose refuses an undeclared one.",
        remedy: "Add the volume under the top-level `volumes:`.",
        example: "services:\n  db:\n    image: db:1\n    volumes: [\"data:/var/lib/db\"]\n",
    },
    Explanation {
        code: "volume-unsupported",
        title: "a volume type is not carried over",
        meaning: "A long-syntax volume has a `type` other than `volume`, `bind` or `tmpfs` (e.g. `npipe`, `cluster`).",
        kubernetes: "Kubernetes has no counterpart; the mount is left out.",
        remedy: "Use `volume`, `bind` or `tmpfs`, or add the volume to the Pod by hand.",
        example: "services:\n  app:\n    image: app:1\n    volumes:\n      - type: cluster\n        source: shared\n        target: /data\n",
    },
    Explanation {
        code: "volumes-from-unknown",
        title: "`volumes_from` names no service",
        meaning: "`volumes_from` names something that is not a service of the project.",
        kubernetes: "A container outside the project does not exist in the cluster; there are no mounts to copy.",
        remedy: "Name a service of this project.",
        example: "services:\n  app:\n    image: app:1\n    volumes_from: [storage]\n",
    },
    Explanation {
        code: "yaml-limit",
        title: "the YAML exceeds a size or nesting limit",
        meaning: "The file nests too deep, has too many nodes or aliases, or its anchors and aliases expand into too many copies (an \"alias bomb\").",
        kubernetes: "The limits keep a hostile or broken file from exhausting memory or time.",
        remedy: "Simplify the marked part.",
        example: "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\nservices:\n  app:\n    image: app:1\n",
    },
    Explanation {
        code: "yaml-syntax",
        title: "the file is not valid YAML",
        meaning: "The YAML parser stopped at the marked position: a syntax error, a duplicate key, a second document, a bad merge key or tag.",
        kubernetes: "podlift, like compose, reads one YAML document per file; it cannot guess what was meant.",
        remedy: "Fix the YAML at the marked position.",
        example: "services:\n  app:\n    image: app:1\n    image: app:2\n",
    },
];

/// The explanation of `code`.
#[must_use]
pub fn find(code: &str) -> Option<&'static Explanation> {
    EXPLANATIONS.iter().find(|e| e.code == code)
}

/// The known code closest to `code`, for a misspelt one.
#[must_use]
pub fn closest(code: &str) -> Option<&'static str> {
    EXPLANATIONS
        .iter()
        .map(|e| (strsim::jaro_winkler(code, e.code), e.code))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, code)| code)
}

/// `podlift explain`: every code with its title.
#[must_use]
pub fn list() -> String {
    let width = EXPLANATIONS.iter().map(|e| e.code.len()).max().unwrap_or(0);
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
         <!-- Generated from src/explain.rs by `PODLIFT_UPDATE_DOCS=1 cargo test --test explain`; do not edit. -->\n\n\
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
            "\n## {}\n\n{}.\n\n**What it means.** {}\n\n**Why it matters on Kubernetes.** {}\n\n**What to do.** {}\n\n```yaml\n{}```\n",
            e.code,
            capitalised(e.title),
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
