//! Explanations of volumes, bind mounts, secrets, configs and the files they name.

use super::Explanation;
use crate::diagnostic::Code;

pub(super) const BIND_AS_INVALID: Explanation = Explanation {
    code: Code::BindAsInvalid,
    title: "`x-podlift.bind-as` has a value podlift does not know",
    meaning: "A service's `x-podlift.bind-as` says what its writable bind mounts of the project's files become: `emptydir` (a volume that lasts as long as the Pod, the default) or `pvc` (a claim that keeps what the service writes). Any other value is refused.",
    kubernetes: "A ConfigMap is mounted read-only, so a bind mount the service writes needs a writable volume: an `emptyDir` or a PersistentVolumeClaim, filled from the project's files by the `podlift-copy` init container.",
    remedy: "Write `emptydir` or `pvc`; leave the key out to follow `--bind-as`.",
    example: "services:\n  app:\n    image: app:1\n    x-podlift:\n      bind-as: hostpath\n",
};

pub(super) const BIND_CLAIM: Explanation = Explanation {
    code: Code::BindClaim,
    title: "a bind mount becomes an empty PersistentVolumeClaim",
    meaning: "With `--bind-as pvc` (or `x-podlift.bind-as: pvc` on the service), a bind mount that cannot be a ConfigMap (a large, binary or nested directory, a path outside the project) becomes a claim.",
    kubernetes: "A cluster cannot see the files on the machine where compose ran; the claim starts empty.",
    remedy: "Copy the content into the claim before the service needs it (e.g. with a Job or `kubectl cp`), or bake it into an image.",
    example: "# podlift convert --bind-as pvc\nservices:\n  app:\n    image: app:1\n    volumes:\n      - ../data:/var/lib/app\n",
};

pub(super) const BIND_COPIED: Explanation = Explanation {
    code: Code::BindCopied,
    title: "bind-mounted files are copied into the manifests",
    meaning: "A bind mount names a regular file (or a small directory of them) inside the project directory. podlift reads it now and puts its content into a ConfigMap mounted at the same path; one note lists every file, its size and where it goes.",
    kubernetes: "A cluster node has no copy of the project directory, so the file must travel inside the manifests. Its content is fixed at convert time: a later change of the file on disk reaches the cluster only by converting again.",
    remedy: "Read the list: nothing private may be among the files (podlift moves what looks private into a Secret, but it cannot know every secret). Convert again whenever the files change.",
    example: "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./nginx.conf:/etc/nginx/nginx.conf:ro\n# file: nginx.conf\nevents {}\n",
};

pub(super) const BIND_HOST_PATH: Explanation = Explanation {
    code: Code::BindHostPath,
    title: "a bind mount becomes a hostPath volume",
    meaning: "A bind mount of an absolute path that cannot be a ConfigMap (outside the project, large, binary, absent here) becomes a `hostPath` volume of the same path (the default `--bind-as hostpath`). A relative bind mount becomes one only under `--bind-root DIR`, at `DIR` joined with its path as written; without it, it is `bind-not-carried`.",
    kubernetes: "A hostPath is a directory on whichever node runs the Pod: it must exist there with the right content, and it ties the Pod to that node. Many clusters forbid hostPath.",
    remedy: "Prefer a named volume, use `--bind-as pvc`, or make sure the path exists on the nodes (under `--bind-root`: copy the project's directory there).",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - /srv/app/data:/var/lib/app\n",
};

pub(super) const BIND_HOST_TIME: Explanation = Explanation {
    code: Code::BindHostTime,
    title: "a time zone file is bound from the host",
    meaning: "A bind of `/etc/localtime` or `/etc/timezone` (the common way to give a container the host's time zone) becomes a `hostPath` of the same file. It is reported apart from other hostPaths: it is an idiom, not a risk to data.",
    kubernetes: "Every node has these files, so the Pod gets the time zone of the node it runs on. The hostPath still needs Pod Security level `privileged`, and some clusters forbid hostPath altogether.",
    remedy: "Nothing, if the nodes' time zone is the one wanted. Without a hostPath: remove the bind and set the `TZ` environment variable (most images honour it).",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - /etc/localtime:/etc/localtime:ro\n",
};

pub(super) const BIND_NODE_CONTROL: Explanation = Explanation {
    code: Code::BindNodeControl,
    title: "a bind mount hands the container the node",
    meaning: "A bind mount's source is a path that controls the node, or a directory that holds one: a container runtime's socket or directory (containerd, CRI-O, Podman, `/run/docker`, and `containerd.sock`, `crio.sock`, `podman.sock` anywhere), a runtime's images and containers (`/var/lib/docker`, `/var/lib/containerd`, `/var/lib/containers`), the kubelet's and Kubernetes' credentials (`/var/lib/kubelet`, `/etc/kubernetes`, `/var/lib/etcd`, `/var/lib/rancher`, `/etc/rancher`) — or any directory above one of them (`/`, `/var`, `/run`, `/var/run`, `/var/lib`, `/etc`). It is decided on the normalised path, after following links, and for a relative bind under `--bind-root DIR` on the node's path it maps to (`--bind-root /` with `./etc/kubernetes` is the node's `/etc/kubernetes`). The Docker socket itself is `docker-socket`.",
    kubernetes: "On a cluster node these paths are the node: its runtime's socket starts privileged containers, `/var/lib/kubelet` holds every Pod's service-account tokens, `/etc/kubernetes` the kubelet's kubeconfig. A Pod that mounts them, even read-only, controls the node and often the cluster. Compose accepts the file; only the conversion refuses it. `/etc/localtime` and `/etc/timezone` stay allowed (`bind-host-time`).",
    remedy: "Leave the service out of the conversion (`--exclude NAME`, or name the services to convert), or drop just the mount with an override file given after yours (`-f compose.yaml -f no-node-paths.yaml`) that sets the service's `volumes: !reset []` (or `volumes: !override` and the other entries). A node agent that reads the host (node-exporter, cAdvisor with `/:/rootfs:ro`, a log collector) belongs in a DaemonSet from its own Helm chart, made for the cluster, not converted.",
    example: "services:
  exporter:
    image: prom/node-exporter:v1.8.2
    volumes:
      - /:/host:ro
",
};

pub(super) const BIND_NOT_CARRIED: Explanation = Explanation {
    code: Code::BindNotCarried,
    title: "a relative bind mount cannot be carried, and this machine's path is no node's",
    meaning: "A bind mount written relative to the project (`./vendor/app`, `../shared`) holds what no ConfigMap can carry (a directory with subdirectories, more than 900 KiB, binary or special files, a path outside the project). Its absolute path is the converting machine's (`/home/me/project/vendor/app`), which exists on no node, so podlift makes no hostPath of it without being told where the content is.",
    kubernetes: "A hostPath names a directory on whichever node runs the Pod; a claim starts empty. Either way the content must be put there by someone.",
    remedy: "Choose: `--bind-root DIR` mounts `DIR/<the path as written>` from the node (copy the project directory to `DIR` on every node that may run the Pod); `--bind-as pvc`, or `x-podlift.bind-as: pvc` on the service, makes an empty claim to fill (`bind-claim`); or make the content fit a ConfigMap (regular UTF-8 text files, no subdirectories, at most 900 KiB), or bake it into the image.",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - ../vendor/app:/code\n",
};

pub(super) const BIND_NOT_SHARED: Explanation = Explanation {
    code: Code::BindNotShared,
    title: "services in different Pods each get their own copy of a bind-mounted directory",
    meaning: "Under `--strategy split` or `auto`, services that bind-mount one writable directory of the project (a shared `./log`) land in different Pods. The directory becomes an `emptyDir` (`bind-writable`), and an `emptyDir` belongs to one Pod: each Pod gets its own, filled with the same files.",
    kubernetes: "Containers share a volume only inside a Pod; Pods share storage only through a claim whose storage class allows ReadWriteMany.",
    remedy: "Nothing, if each service only writes its own files (logs). If they exchange files through the directory, keep them in one Pod (`x-podlift.group` or `--strategy pod`), or mount a named volume backed by a ReadWriteMany storage class.",
    example: "# podlift check --strategy split\nservices:\n  a:\n    image: a:1\n    volumes:\n      - ./log:/log\n  b:\n    image: b:1\n    volumes:\n      - ./log:/log\n",
};

pub(super) const BIND_PRIVATE: Explanation = Explanation {
    code: Code::BindPrivate,
    title: "a private-looking file outside the project is bind-mounted",
    meaning: "A bind mount names a file or directory outside the project directory that looks like a credential (a private key, `.env`, `shadow`, `.netrc`, a key store …). podlift copies it nowhere and does not mount the node's file in its place.",
    kubernetes: "Copying it would put the credential into the manifests; mounting the node's path (`hostPath`) would hand whatever that node holds to the container and needs a privileged Pod Security level.",
    remedy: "Create a Secret with the content yourself and mount it (`kubectl create secret generic NAME --from-file=...`), or move a file that is not secret into the project directory.",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - /etc/shadow:/etc/shadow:ro\n",
};

pub(super) const BIND_SECRET: Explanation = Explanation {
    code: Code::BindSecret,
    title: "a private-looking file goes into a Secret, not a ConfigMap",
    meaning: "A bind-mounted file (or a `configs:` file) inside the project looks private — PEM private-key content, `*.key`, `id_rsa`-style names, `.env` — or a config's `content:` or the variable its `environment:` names looks like a credential (the rule of `env-secret`). podlift puts it into a Secret and mounts it from there.",
    kubernetes: "ConfigMaps are readable by anyone who may read the namespace's configuration and often end up in logs and Git; Secrets can be restricted by RBAC and encrypted at rest.",
    remedy: "Nothing, if the file is indeed secret; keep the generated Secret out of version control, or replace it with one your secret store manages.",
    example: "services:\n  web:\n    image: nginx:1.27\n    volumes:\n      - ./server.key:/etc/ssl/private/server.key:ro\n# file: server.key\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n",
};

pub(super) const BIND_WRITABLE: Explanation = Explanation {
    code: Code::BindWritable,
    title: "a writable bind mount becomes a writable volume",
    meaning: "A bind mount without `:ro` is writable under compose. A ConfigMap is mounted read-only, so such a bind of the project's files becomes an `emptyDir` (or, with `--bind-as pvc` or `x-podlift.bind-as: pvc`, a PersistentVolumeClaim), one per host path, shared by every service of the Pod that mounts it. Its files travel in a ConfigMap (a Secret when they look private), and the `podlift-copy` init container copies them into the volume before any service starts, keeping each file's mode and never overwriting a file already there. An empty or absent directory (Docker creates it) becomes an empty volume, never an empty ConfigMap. A `:ro` bind of the same path shares the volume, read-only; a `:ro` bind of a path nobody writes stays a ConfigMap.",
    kubernetes: "An `emptyDir` lasts as long as the Pod: what the services write is lost when the Pod is replaced, and services in different Pods (`--strategy split`/`auto`) each get their own volume. A claim keeps it. The copy runs as the services' user when they share one numeric `user`, else as `nobody` (65534); like a bind mount's host-owned files, the copied ones are then writable by root and per their mode.",
    remedy: "Nothing, if the files are scratch (logs, caches): then allow the warning (`--allow bind-writable`). It is a warning for each service that writes into an `emptyDir`, at that service's mount (so a service's `x-podlift.allow` accepts its own binds only), as a database's data directory bound from the project would lose what the database wrote at the Pod's first replacement; the binds that became claims are listed in one note. To keep what is written, `--bind-as pvc` or `x-podlift.bind-as: pvc` on the service; to keep the volume shared, keep the services in one Pod; to make it read-only, add `:ro`.",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - ./log:/var/log/app\n",
};

pub(super) const CLAIM_SHARED: Explanation = Explanation {
    code: Code::ClaimShared,
    title: "a claim that several Pods mount is `ReadWriteOnce`: the Pods must run on one node",
    meaning: "Under `--strategy split`, or `auto` when it makes several Pods, services that mount one named volume (or one bind kept in a claim, `--bind-as pvc`) land in different Pods, and every one of those Pods mounts the volume's claim. podlift asks each claim it creates `ReadWriteOnce`, which any storage class offers. Under compose every container shared the volume on one host.",
    kubernetes: "A `ReadWriteOnce` volume is attached to one node at a time: Pods on that node share it, a Pod the scheduler puts on another node stays `ContainerCreating` with a `Multi-Attach` error until the first Pods go. A claim with `ReadWriteMany` can be mounted from every node, but only some storage classes offer it (NFS, CephFS, cloud file stores); a claim asking it from one that does not stays `Pending`. External claims keep the access modes the cluster gave them and are not reported.",
    remedy: "Keep the services that share the volume in one Pod (`x-podlift.group` on each, or `--strategy pod`), when their ports allow. If the cluster has a storage class with `ReadWriteMany`, choose it (`--storage-class`, `x-podlift.storage-class`) and patch the claim's `accessModes` (a Kustomize patch on `--format kustomize`). Or keep the Pods on one node with pod affinity.",
    example: "# podlift check\nservices:\n  a:\n    image: nginx:1\n    ports: [\"80:80\"]\n    volumes: [data:/data]\n  b:\n    image: nginx:1\n    ports: [\"8080:80\"]\n    volumes: [data:/srv/data:ro]\nvolumes:\n  data: {}\n",
};

pub(super) const CONFIG_UNDECLARED: Explanation = Explanation {
    code: Code::ConfigUndeclared,
    title: "a service uses a config that is not declared",
    meaning: "A service lists a config under `configs:` that the top-level `configs:` does not define.",
    kubernetes: "podlift turns each declared config into a ConfigMap; without the declaration there is no content and no name to mount. Compose refuses this too.",
    remedy: "Declare it under the top-level `configs:` with `file:`, `content:` or `environment:`.",
    example: "services:\n  app:\n    image: app:1\n    configs: [app.conf]\n",
};

pub(super) const COPY_CLAIM_GROUP: Explanation = Explanation {
    code: Code::CopyClaimGroup,
    title: "the copy into a claim gets no `fsGroup`: another claim, or a file the Pod keeps from its group, would change",
    meaning: "A writable bind kept in a claim (`--bind-as pvc`, `x-podlift.bind-as: pvc`) is filled by the init container `podlift-copy`, which runs as a non-root user. A Pod whose only claims are such binds gets `fsGroup` (the copy's group, `fsGroupChangePolicy: OnRootMismatch`), so that the copy may write a fresh claim's root. This Pod also mounts a claim the copy does not fill (a named volume, an external claim), so it gets none. Under `--strategy split` or `auto`, a filled claim that another Pod mounts too counts as such a claim: each Pod's writers may run as another group, and each Pod start would regroup the claim in turn. A secret or config mounted with a mode that keeps its group out (`mode: 0400`) withholds `fsGroup` too.",
    kubernetes: "`fsGroup` is Pod-wide: whenever a claim's root does not belong to the group, the kubelet gives every file of that claim the group and makes it group-writable (directories set-group-ID). A database's data directory changed so refuses to start (postgres wants `0700` or `0750`), and every container of the Pod, which holds the group, may write the files. The kubelet also gives the files of Secret and ConfigMap volumes that group, readable by it: a secret mounted `0400` would become `0440`, readable by every container of the Pod. Without `fsGroup` the copy cannot write into a claim whose root the storage class creates `root:root 0755`.",
    remedy: "Make the bind claim's root writable by the copy's user once (the writers' `user`, else 65534), keep the bind in an `emptyDir` (without `--bind-as pvc`), mount it `:ro`, or put the service that writes it into a Pod of its own (`x-podlift.group`, `--strategy split`). A secret every service of the Pod may read can say so (`mode: 0440`).",
    example: "# podlift check --bind-as pvc\nservices:\n  db:\n    image: postgres:16\n    volumes: [pgdata:/var/lib/postgresql/data]\n  app:\n    image: app:1\n    volumes: [./app.conf:/etc/app/app.conf]\nvolumes:\n  pgdata: {}\n# file: app.conf\nlevel = info\n",
};

pub(super) const COPY_UP_IMPOSSIBLE: Explanation = Explanation {
    code: Code::CopyUpImpossible,
    title: "the image has files where a fresh volume is mounted, and no shell or `cp` to copy them",
    meaning: "Docker copies what the image has at a fresh volume's mount path into the volume on its first use (copy-up). podlift does that with an init container running the service's own image, which needs `/bin/sh` and `cp`; `--inspect-images` read the image's files and found no shell or no `cp` (a distroless or `scratch` image).",
    kubernetes: "The volume (a new claim, or an emptyDir) starts empty, and the service starts without the files it has under Docker.",
    remedy: "Fill the volume before the service starts: a Job or an init container with an image that has a shell and the same files; or drop the mount.",
    example: "# podlift convert --inspect-images --image-archive app.tar\nservices:\n  app:\n    image: distroless-app:1\n    volumes: [\"assets:/srv/assets\"]\nvolumes:\n  assets: {}\n",
};

pub(super) const DOCKER_SOCKET: Explanation = Explanation {
    code: Code::DockerSocket,
    title: "a service mounts the Docker socket",
    meaning: "A bind mount's source is the Docker daemon's socket (`/var/run/docker.sock` and the like).",
    kubernetes: "Cluster nodes run containerd or CRI-O, not Docker: there is no socket to mount, and giving a Pod the node's container runtime hands it the whole node.",
    remedy: "Leave the service out of the conversion (`--exclude NAME`, or name the services to convert: `podlift convert web db`), or drop just the mount with an override file given after yours (`-f compose.yaml -f no-docker-socket.yaml`) that sets the service's `volumes: !reset []` (or `volumes: !override` and the other entries). A container that drives Docker must be redesigned for Kubernetes (e.g. to use the Kubernetes API with a narrow ServiceAccount).",
    example: "services:\n  agent:\n    image: agent:1\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n",
};

pub(super) const ENV_FILE_SYNTAX: Explanation = Explanation {
    code: Code::EnvFileSyntax,
    title: "an env file cannot be read as `NAME=value` lines",
    meaning: "An `.env` file (for interpolation, `--env-file`) or a service's `env_file` has a line podlift cannot parse, such as an unclosed quote.",
    kubernetes: "The values become container environment or interpolate the compose file; a misread value would silently change the application's configuration.",
    remedy: "Write one `NAME=value` per line; quote values with spaces or `#`.",
    example: "services:\n  app:\n    image: app:${TAG}\n# file: .env\nTAG=\"1.0\n",
};

pub(super) const ENV_FILE_UNREADABLE: Explanation = Explanation {
    code: Code::EnvFileUnreadable,
    title: "a service's env file cannot be read",
    meaning: "A file named under a service's `env_file` does not exist or cannot be read.",
    kubernetes: "Its variables would be missing from the container; compose refuses to start in this case unless the entry says `required: false`.",
    remedy: "Create the file, fix the path (relative to the compose file), or mark the entry `required: false`.",
    example: "services:\n  app:\n    image: app:1\n    env_file: [app.env]\n",
};

pub(super) const ENV_SECRET: Explanation = Explanation {
    code: Code::EnvSecret,
    title: "credential-looking environment variables go into a Secret",
    meaning: "Variables of a service's environment (from `env_file`, `environment` or interpolation alike) look like credentials: a name with a word such as `PASSWORD`, `PASSWD`, `PASS`, `SECRET`, `TOKEN`, `AUTH`, `CREDENTIALS`, `PRIVATE_KEY`, `API_KEY` or `ACCESS_KEY`, or a word ending in `PASSWORD` or `PASSWD` (`PGPASSWORD`, `PASSWORD2`) (not when its last word is `FILE`, `PATH`, `URL`, `METHOD`, `ENABLED` …, nor for an empty or flag value such as `yes`), or a value shaped like a PEM private key, a URL with a password, a password hash (`$apr1$…`, `{SSHA}…`), a JWT or a well-known token (GitHub, GitLab, Slack, AWS, Stripe, Google …). podlift puts them into one Secret per service (`<project>-<service>-env`, keyed by the variable's name) and the container reads them with `valueFrom.secretKeyRef`, in compose's order and with compose's overrides; one note names them and the services (those that move the same variables share it), never a value. The other variables stay plain `value`s.",
    kubernetes: "Anyone who may read a Deployment (the default `view` role) reads its `env`; Secrets can be kept from them by RBAC and encrypted at rest. The Helm chart takes the values from `values.yaml` (`secrets.NAME.data`) or from an existing Secret (`secrets.NAME.existingSecret`), never from a template; the Kustomize base holds the Secret as a resource file.",
    remedy: "Keep the generated Secret (and the chart's `values.yaml`) out of version control, or create the Secret with the same keys from your secret store and drop it from the output (Helm: set `secrets.NAME.existingSecret`).",
    example: "services:\n  db:\n    image: postgres:17\n    environment:\n      POSTGRES_PASSWORD: example\n",
};

pub(super) const EXTERNAL_OBJECT: Explanation = Explanation {
    code: Code::ExternalObject,
    title: "a secret or config must already exist in the cluster",
    meaning: "A secret or config is `external`, or its content cannot be read at convert time (e.g. `environment:` naming an unset variable).",
    kubernetes: "The Pod mounts a Secret or ConfigMap of the given name and key; Kubernetes will not start the Pod until that object exists in its namespace.",
    remedy: "Create it in the namespace before applying the manifests (`kubectl create secret generic NAME --from-file=KEY=FILE`).",
    example: "services:\n  app:\n    image: app:1\n    secrets: [token]\nsecrets:\n  token:\n    external: true\n",
};

pub(super) const FILE_MODE: Explanation = Explanation {
    code: Code::FileMode,
    title: "a secret's or config's `mode` has bits Kubernetes cannot set",
    meaning: "A service's `secrets` or `configs` entry sets a `mode` with set-user-ID, set-group-ID or sticky bits (`04755`), beyond the permission bits.",
    kubernetes: "A mounted Secret's or ConfigMap's file takes permission bits only (`items[].mode`, 0 to 0777); podlift uses the default mode (0644) instead. Permission bits alone are carried as `items[].mode`.",
    remedy: "Write permission bits only, e.g. `0440`.",
    example: "services:\n  app:\n    image: app:1\n    secrets:\n      - source: key\n        mode: 04755\nsecrets:\n  key:\n    external: true\n",
};

pub(super) const FILE_OWNER: Explanation = Explanation {
    code: Code::FileOwner,
    title: "a secret's or config's `uid`/`gid` is not carried over",
    meaning: "A service's `secrets` or `configs` entry sets `uid` or `gid`: under compose the file belongs to that user or group.",
    kubernetes: "Kubernetes mounts a Secret's or ConfigMap's files as root, with the Pod's `fsGroup` (if any) as their group; there is no per-file owner. A process of another user can read the file only if `mode` lets others read it. `fsGroup` changes the group of every volume of the Pod, so podlift does not set it for one file.",
    remedy: "Make the file readable through `mode` (e.g. `0444`), or set the Pod's `securityContext.fsGroup` by hand if a group must own it.",
    example: "services:\n  app:\n    image: app:1\n    secrets:\n      - source: key\n        uid: \"1000\"\nsecrets:\n  key:\n    external: true\n",
};

pub(super) const IMAGE_COPY_UP: Explanation = Explanation {
    code: Code::ImageCopyUp,
    title: "a fresh volume is filled with what the image has at its path (copy-up)",
    meaning: "A named volume podlift creates (not `external`), or an anonymous one, is mounted where the service's image has files. Docker copies them into the volume on its first use, keeping owners, modes and links; podlift adds an init container (`podlift-copy-up-N`) that runs the service's own image and copies them in (`cp -a`) while the volume is still empty (a new filesystem's `lost+found` aside).",
    kubernetes: "The copy runs as root with the capabilities copying owners needs (`CHOWN`, `DAC_OVERRIDE`, `FOWNER`, `FSETID`), so the Pod meets Pod Security `baseline`, not `restricted`. It copies once: a volume that holds anything is left as it is, as Docker leaves a used volume.",
    remedy: "Nothing, if the service expects the image's files there; mount the volume elsewhere if it should start empty.",
    example: "# podlift convert --inspect-images --image-archive web.tar\nservices:\n  web:\n    image: nginx:1.27\n    volumes: [\"html:/usr/share/nginx/html\"]\nvolumes:\n  html: {}\n",
};

pub(super) const IMAGE_VOLUME: Explanation = Explanation {
    code: Code::ImageVolume,
    title: "the image declares a `VOLUME` compose mounts nothing at",
    meaning: "`--inspect-images` read the service's image: at each path of its `VOLUME` where the compose file mounts nothing, Docker mounts an anonymous volume. podlift gives the container an emptyDir of its own there (filled from the image like any fresh volume, see `image-copy-up`).",
    kubernetes: "Writes there go to the emptyDir, not the container's layer, so they survive a container restart; they are lost with the Pod, as an anonymous volume is lost with `docker compose down -v`.",
    remedy: "Mount a named volume at that path to keep its data.",
    example: "# podlift convert --inspect-images --image-archive db.tar\nservices:\n  db:\n    image: postgres:16\n",
};

pub(super) const LABEL_FILE_UNREADABLE: Explanation = Explanation {
    code: Code::LabelFileUnreadable,
    title: "a `label_file` cannot be read",
    meaning: "A file named in `label_file` is missing, not UTF-8 text, or not `KEY=VALUE` lines.",
    kubernetes: "Its labels would become Pod annotations; compose refuses the file too.",
    remedy: "Create the file or fix its path (relative to the compose file); write one `KEY=VALUE` per line.",
    example: "services:\n  app:\n    image: app:1.0\n    label_file: ./missing.labels\n",
};

pub(super) const SECRET_UNDECLARED: Explanation = Explanation {
    code: Code::SecretUndeclared,
    title: "a service uses a secret that is not declared",
    meaning: "A service lists a secret under `secrets:` that the top-level `secrets:` does not define.",
    kubernetes: "podlift turns each declared secret into a Secret; without the declaration there is no content and no name to mount. Compose refuses this too.",
    remedy: "Declare it under the top-level `secrets:` with `file:` or `environment:`.",
    example: "services:\n  app:\n    image: app:1\n    secrets: [token]\n",
};

pub(super) const TMPFS_OPTIONS: Explanation = Explanation {
    code: Code::TmpfsOptions,
    title: "a tmpfs becomes an `emptyDir` without Docker's mount options",
    meaning: "A service's `tmpfs` (or a `type: tmpfs` volume) becomes an `emptyDir` with `medium: Memory` (its `size` as `sizeLimit`). Docker mounts a tmpfs `noexec,nosuid,nodev` by default and takes `mode`, `uid`, `gid` and mount flags; a note says what the default loses, a warning names the options the compose file wrote.",
    kubernetes: "An `emptyDir` takes no mount options, owner or mode: its files can be executed (a hardening the compose file relied on is gone), and it is owned by root, writable by all (0777).",
    remedy: "If the application relies on them, keep executables off the volume, set the owner through the Pod's `fsGroup`, or prepare the directory in an init container.",
    example: "services:\n  app:\n    image: app:1\n    tmpfs: [\"/tmp:noexec,mode=1770,uid=1000\"]\n",
};

pub(super) const VOLUME_EXTERNAL_CONFLICT: Explanation = Explanation {
    code: Code::VolumeExternalConflict,
    title: "an external volume sets a driver, driver options or labels",
    meaning: "A top-level volume is `external` (it exists already, made outside the project) and also sets `driver`, `driver_opts` or `labels`, which say how to make it. Compose refuses the file (`conflicting parameters \"external\" and \"driver_opts\" specified`), after merging its files, even for a volume no service mounts.",
    kubernetes: "An external volume becomes the existing claim of that name; the cluster made it, with its own storage class.",
    remedy: "Remove `driver`, `driver_opts` and `labels` from the external volume, or remove `external` if the project makes the volume.",
    example: "services:\n  app:\n    image: app:1\n    volumes: [data:/data]\nvolumes:\n  data:\n    external: true\n    driver_opts: {type: nfs}\n",
};

pub(super) const VOLUME_INVALID: Explanation = Explanation {
    code: Code::VolumeInvalid,
    title: "a volume mount cannot be read",
    meaning: "A short-syntax volume is not `SOURCE:TARGET[:MODE]`, or a long-syntax one has no `target`.",
    kubernetes: "Mounts become volumes and volumeMounts; without a target there is nothing to mount.",
    remedy: "Write `SOURCE:TARGET[:ro]` or just `TARGET`; add `target:` to the long syntax.",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - type: volume\n        source: data\n",
};

pub(super) const VOLUME_STARTS_EMPTY: Explanation = Explanation {
    code: Code::VolumeStartsEmpty,
    title: "a new volume starts empty",
    meaning: "An anonymous volume (`- /app/node_modules`), a `tmpfs` or a new named volume becomes an `emptyDir` or a new claim. Docker fills a new volume with what the image has at the mount path; Kubernetes does not.",
    kubernetes: "A service that expects the image's files at that path (`node_modules`, default configuration, a seeded database) finds an empty directory and fails or behaves differently.",
    remedy: "If the service needs the image's files there, drop the mount, or copy them in with an init container that runs the same image (`cp -a /app/node_modules/. /mnt/`).",
    example: "services:\n  app:\n    image: node:22\n    volumes:\n      - /app/node_modules\n",
};

pub(super) const VOLUME_TARGET_RELATIVE: Explanation = Explanation {
    code: Code::VolumeTargetRelative,
    title: "a container path of a mount is not absolute",
    meaning: "A volume, bind mount or tmpfs is mounted at a relative path (`data:redis-vol/bitnami`). Compose reads the file, but Docker refuses to create such a container.",
    kubernetes: "A container's `volumeMounts[].mountPath` must be absolute too; the API server would refuse the Pod.",
    remedy: "Write the path in the container from `/`, e.g. `data:/bitnami/redis`.",
    example: "services:\n  cache:\n    image: redis:7\n    volumes:\n      - data:redis-vol/bitnami\nvolumes:\n  data: {}\n",
};

pub(super) const VOLUME_UNDECLARED: Explanation = Explanation {
    code: Code::VolumeUndeclared,
    title: "a service mounts a volume that is not declared",
    meaning: "A service mounts a named volume that the top-level `volumes:` does not declare.",
    kubernetes: "Each declared volume becomes a PersistentVolumeClaim; compose refuses an undeclared one.",
    remedy: "Add the volume under the top-level `volumes:`.",
    example: "services:\n  db:\n    image: db:1\n    volumes: [\"data:/var/lib/db\"]\n",
};

pub(super) const VOLUME_UNSUPPORTED: Explanation = Explanation {
    code: Code::VolumeUnsupported,
    title: "a volume type is not carried over",
    meaning: "A long-syntax volume has a `type` other than `volume`, `bind` or `tmpfs` (e.g. `npipe`, `cluster`).",
    kubernetes: "Kubernetes has no counterpart; the mount is left out.",
    remedy: "Use `volume`, `bind` or `tmpfs`, or add the volume to the Pod by hand.",
    example: "services:\n  app:\n    image: app:1\n    volumes:\n      - type: cluster\n        source: shared\n        target: /data\n",
};

pub(super) const VOLUMES_FROM_UNKNOWN: Explanation = Explanation {
    code: Code::VolumesFromUnknown,
    title: "`volumes_from` names no service",
    meaning: "`volumes_from` names something that is not a service of the project.",
    kubernetes: "A container outside the project does not exist in the cluster; there are no mounts to copy.",
    remedy: "Name a service of this project.",
    example: "services:\n  app:\n    image: app:1\n    volumes_from: [storage]\n",
};
