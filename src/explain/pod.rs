//! Explanations of Pods and strategies: one Pod, split, auto; pod-wide settings and Kubernetes limits.

use super::Explanation;
use crate::diagnostic::Code;

pub(super) const AUTO_SPLIT: Explanation = Explanation {
    code: Code::AutoSplit,
    title: "the application runs as several Pods",
    meaning: "One Pod cannot hold the application (two services listen on one port, a service asks for replicas, or uses `network_mode: host` or `none`), so the default `--strategy auto` puts it in the fewest Pods that can, deterministically. One note per extra Pod says why it exists; `podlift plan` shows every Pod.",
    kubernetes: "Peers in other Pods keep reaching each other's preset addresses and names through the address map (the init container sends each address to the owner's Service). What only one Pod gives is lost between Pods: ports nobody declared, ICMP to a preset address, and a server seeing its caller's preset address. Start order holds where the target declares a TCP port: the dependent's Pod waits for it in an init container (`podlift-wait`).",
    remedy: "Nothing, if the services declare every port they listen on. To keep services together, give them one `x-podlift: {group: NAME}`; `--strategy pod` insists on one Pod and reports the clashes instead.",
    example: "services:\n  a:\n    image: a:1\n    expose: [\"8080\"]\n  b:\n    image: b:1\n    expose: [\"8080\"]\n",
};

pub(super) const INIT_IMAGE_FROM_COMPOSE: Explanation = Explanation {
    code: Code::InitImageFromCompose,
    title: "the compose file chose the image that gets `NET_ADMIN`",
    meaning: "The compose file sets `x-podlift.init-image`, and `--init-image` was not given. The loopback init container claims the preset addresses with `NET_ADMIN` (or privileged, with `--privileged-init`): the compose file, not you, chose the image that runs with that power in every Pod that claims addresses.",
    kubernetes: "An init container with `NET_ADMIN` can change the Pod's routes and firewall rules, which every container of the Pod shares; a hostile image could redirect or read the application's traffic.",
    remedy: "Check that you trust the image. To choose it on purpose, pass `--init-image IMAGE`: it wins over the compose file and this warning goes.",
    example: "x-podlift:\n  init-image: example.com/tools/init:1\nservices:\n  app:\n    image: app:1\n    networks:\n      net:\n        ipv4_address: 172.28.0.10\nnetworks:\n  net:\n    ipam:\n      config:\n        - subnet: 172.28.0.0/16\n",
};

pub(super) const INIT_IMAGE_IPTABLES: Explanation = Explanation {
    code: Code::InitImageIptables,
    title: "the init containers use the iptables image",
    meaning: "When the application runs as several Pods (or with `--inbound-dnat`), each Pod's init container sends the preset addresses of other Pods to their Services with `iptables`, which busybox lacks: podlift then gives it `docker.io/rancher/klipper-lb:v0.4.17` (about 5 MB, Alpine with both iptables backends) instead of `docker.io/library/busybox:1.36.1`. The note names both.",
    kubernetes: "A cluster that pulls only from a mirror (air-gapped, or a registry allow-list) must hold this image too, or every Pod waits in `Init:ImagePullBackOff`.",
    remedy: "Mirror it with the application's images: `podlift config --images` lists every image the output pulls, the init image included; a Helm chart takes the mirror as `global.imageRegistry`. Or choose an image of your own with `iptables`, `ip`, `getent` and `sh` (`--init-image`, `x-podlift.init-image`).",
    example: "services:\n  a:\n    image: a:1\n    expose: [\"8080\"]\n    networks: {n: {ipv4_address: 10.9.0.2}}\n  b:\n    image: b:1\n    expose: [\"8080\"]\n    networks: {n: {ipv4_address: 10.9.0.3}}\nnetworks:\n  n: {ipam: {config: [{subnet: 10.9.0.0/24}]}}\n",
};

pub(super) const OBJECT_TOO_LARGE: Explanation = Explanation {
    code: Code::ObjectTooLarge,
    title: "an object is larger than Kubernetes stores",
    meaning: "A rendered object exceeds a Kubernetes limit: more than 1 MiB of data in a ConfigMap or Secret, more than 256 KiB of annotations, or more than 1.5 MiB in all (a Pod of very many containers, or many large bind-mounted files).",
    kubernetes: "The API server refuses the object, so the application would not deploy at all.",
    remedy: "Put large files into a claim (a named volume) instead of bind-mounting them, mount fewer files from one object, or split the services over several Pods (`--strategy split`).",
    example: "services:\n  db:\n    image: postgres:16\n    volumes:\n      # a 5 MiB dump, inlined into a ConfigMap\n      - ./dump.sql:/docker-entrypoint-initdb.d/dump.sql:ro\n",
};

pub(super) const POD_SECURITY: Explanation = Explanation {
    code: Code::PodSecurity,
    title: "the Pods need the `privileged` Pod Security level",
    meaning: "podlift measures the rendered Pods against the Pod Security Standards and reports the strictest level they satisfy (`check` prints it). This note says which container needs `privileged` and why: the loopback init container adds `NET_ADMIN` (or runs privileged with `--privileged-init`); a service is `privileged`, adds a capability beyond `baseline`'s list, or binds a host path.",
    kubernetes: "A namespace that enforces `baseline` or `restricted` refuses such a Pod. `--create-namespace` labels the Namespace with the level the Pods need: `baseline` when nothing needs more.",
    remedy: "Label the namespace `pod-security.kubernetes.io/enforce=privileged`, or convert with `-n NAMESPACE --create-namespace` to emit a labelled Namespace; or drop what needs it (a capability, `privileged`, a host path bind).",
    example: "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.253.7}}\nnetworks:\n  back: {}\n",
};

pub(super) const POD_WIDE_WIDENED: Explanation = Explanation {
    code: Code::PodWideWidened,
    title: "one service's pod-wide setting applies to every container of the Pod",
    meaning: "Kubernetes has some settings once per Pod: `securityContext.supplementalGroups` (from `group_add`), `sysctls`, `dnsConfig` (`dns`, `dns_search`, `dns_opt`), `hostname`. When one service of the Pod sets them and another does not, the other gets them too; under compose only the service that asked had them.",
    kubernetes: "Every container of the Pod runs with the Pod's supplemental groups (a warning: `group_add: [\"0\"]` of one service gives every container root's group), and shares its sysctls, DNS settings and host name.",
    remedy: "Check that the other services may hold the groups (or work with the settings), or run the service in a Pod of its own (`--strategy split`, or `x-podlift.group`).",
    example: "services:\n  web:\n    image: nginx:1.25\n    user: \"101:101\"\n  backup:\n    image: alpine:3.19\n    user: \"1000:1000\"\n    group_add: [\"0\", \"6\"]\n",
};

pub(super) const POD_WIDE_DIFFERS: Explanation = Explanation {
    code: Code::PodWideDiffers,
    title: "services set a Pod-wide setting differently",
    meaning: "A setting Kubernetes has once per Pod (hostname, DNS servers and search domains, labels as annotations, stop grace period, …) has different values in different services.",
    kubernetes: "All services of a Pod share one value; podlift keeps the first service's (for the stop grace period, the longest). The default `--strategy auto` gives services that set `hostname`, `dns`, `dns_search`, `dns_opt` or `sysctls` differently Pods of their own, so this is reported under `--strategy pod`, for services that share a namespace or an `x-podlift.group`, and for labels and the stop grace period.",
    remedy: "Make the services agree, or check that each works with the value kept; or convert without `--strategy pod`.",
    example: "# podlift check --strategy pod\nservices:\n  a:\n    image: a:1\n    dns: [1.1.1.1]\n  b:\n    image: b:1\n    dns: [8.8.8.8]\n",
};

pub(super) const REPLICAS: Explanation = Explanation {
    code: Code::Replicas,
    title: "a service asks for more than one replica in one Pod",
    meaning: "A service sets `deploy.replicas` (or `scale`) above 1 under the pod strategy.",
    kubernetes: "The Pod holds every service; replicas of the Pod would copy the whole stack, preset addresses included.",
    remedy: "Convert with the default `--strategy auto` (not `--strategy pod`): the service then gets a Deployment of its own; or set `replicas: 1`.",
    example: "# podlift convert --strategy pod\nservices:\n  web:\n    image: web:1\n    deploy:\n      replicas: 3\n",
};

pub(super) const REPLICAS_STATEFUL: Explanation = Explanation {
    code: Code::ReplicasStateful,
    title: "a replicated group mounts named volumes",
    meaning: "Under `--strategy split`, a group asks for several replicas and mounts named volumes.",
    kubernetes: "A Deployment's replicas share one PersistentVolumeClaim; most storage allows one writer, and the copies would corrupt each other's data.",
    remedy: "Keep `replicas: 1`, or convert with `--controller statefulset`: each replica then gets its own claim.",
    example: "# podlift convert --strategy split\nservices:\n  db:\n    image: db:1\n    deploy: {replicas: 2}\n    volumes: [data:/var/lib/db]\nvolumes:\n  data: {}\n",
};

pub(super) const RESTART_DIFFERS: Explanation = Explanation {
    code: Code::RestartDiffers,
    title: "services restart differently, but a Pod restarts all",
    meaning: "A long-running service has a restart policy that does not restart it (`no`, `on-failure`), while another service's policy (`always`, `unless-stopped`) does.",
    kubernetes: "A Deployment's Pod has one restart policy, `Always`: the kubelet restarts every container that exits, including one compose would have left stopped.",
    remedy: "Make sure the service may run again after it exits, or run it as a one-shot (`service_completed_successfully` dependency) or a Job.",
    example: "services:\n  app:\n    image: app:1\n    restart: always\n  migrate:\n    image: migrate:1\n    restart: \"no\"\n",
};

pub(super) const RESTART_POD: Explanation = Explanation {
    code: Code::RestartPod,
    title: "every container of the Pod restarts when it exits",
    meaning: "All services share one restart policy that does not restart (compose's default `no`, or `on-failure`).",
    kubernetes: "A Deployment's Pod restarts each container that exits (`restartPolicy: Always`); services compose left stopped run again.",
    remedy: "Make sure the services may run again after they exit; or use `--controller pod` for a bare Pod.",
    example: "services:\n  app:\n    image: app:1\n",
};

pub(super) const SPLIT_IPV6: Explanation = Explanation {
    code: Code::SplitIpv6,
    title: "an IPv6 preset address is not reachable from other Pods",
    meaning: "Under `--strategy split`, a service's preset address is IPv6. The address map translates IPv4 preset addresses to Services only.",
    kubernetes: "Peers in other Pods that call this address reach nothing.",
    remedy: "Keep the services that call it in its Pod (`x-podlift: {group: NAME}`), or give it an IPv4 address as well.",
    example: "# podlift convert --strategy split\nservices:\n  db:\n    image: db:1\n    expose: ['5432']\n    networks:\n      back: {ipv6_address: 'fd00::2'}\n  app:\n    image: app:1\n    networks: [back]\nnetworks:\n  back:\n    enable_ipv6: true\n    ipam:\n      config:\n        - subnet: fd00::/64\n",
};

pub(super) const SPLIT_NAME: Explanation = Explanation {
    code: Code::SplitName,
    title: "a name does not resolve in other Pods",
    meaning: "Under `--strategy split`, a service's extra name (`container_name`, a network alias, `hostname`) cannot be the name of a Service (it is not a DNS label: dots, upper-case letters), and the service has no IPv4 preset address that other Pods' `hostAliases` could point it at.",
    kubernetes: "Peers in other Pods that call the service by this name fail to resolve it.",
    remedy: "Call the service by its Service name (the compose service name), rename the alias to a DNS label (lowercase letters, digits and `-`, starting with a letter), or give the service an IPv4 preset address.",
    example: "# podlift convert --strategy split\nservices:\n  web:\n    image: web:1\n    expose: ['80']\n    networks:\n      back:\n        aliases: [web.internal]\n  app:\n    image: app:1\n    networks: [back]\nnetworks:\n  back: {}\n",
};

pub(super) const SPLIT_NO_PORTS: Explanation = Explanation {
    code: Code::SplitNoPorts,
    title: "a service of a split project declares no ports",
    meaning: "Under `--strategy split`, a service with a preset address declares no `ports` or `expose`.",
    kubernetes: "Across Pods, a preset address is translated to the service's ClusterIP, and a Service forwards only declared ports: nothing reaches this one.",
    remedy: "Declare every port it listens on with `expose` or `ports`.",
    example: "# podlift convert --strategy split\nservices:\n  db:\n    image: db:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\nnetworks:\n  back: {}\n",
};

pub(super) const SPLIT_ONE_SHOT: Explanation = Explanation {
    code: Code::SplitOneShot,
    title: "a one-shot service runs in a Deployment of its own",
    meaning: "Under `--strategy split`, a service others wait for with `service_completed_successfully` lands in its own Deployment.",
    kubernetes: "A Deployment restarts its Pod's containers when they exit, so the one-shot task runs again and again.",
    remedy: "Keep it with the services that wait for it (`x-podlift: {group: NAME}`), or run it as a Job.",
    example: "# podlift convert --strategy split\nservices:\n  migrate:\n    image: migrate:1\n  app:\n    image: app:1\n    depends_on:\n      migrate: {condition: service_completed_successfully}\n",
};

pub(super) const SPLIT_START_ORDER: Explanation = Explanation {
    code: Code::SplitStartOrder,
    title: "a dependency across Pods is not waited for",
    meaning: "Under `--strategy split` (or `auto` with several Pods), a service waits (`depends_on`) for a service in another Pod, and its Pod cannot wait for it: the condition is `service_completed_successfully` (a one-shot service in a Deployment of its own is restarted after it exits, so it never stays completed), the two share no compose network (the NetworkPolicy would refuse the connect), or the other Pod already waits for this one (two Pods waiting for each other never start). The note says which.",
    kubernetes: "Pods start independently. Where podlift can, the dependent's Pod waits in an init container (`podlift-wait`) until the target answers through its Service; here it does not, so the service may start before its peer.",
    remedy: "Keep the two in one Pod (`x-podlift: {group: NAME}` on both): start order inside a Pod is kept. Or make the service retry until its peer answers.",
    example: "# podlift convert --strategy split\nservices:\n  app:\n    image: app:1\n    depends_on:\n      migrate: {condition: service_completed_successfully}\n  migrate:\n    image: migrate:1\n",
};

pub(super) const SPLIT_WAIT_NO_PORT: Explanation = Explanation {
    code: Code::SplitWaitNoPort,
    title: "a dependency across Pods has no port to wait on",
    meaning: "Under `--strategy split` (or `auto` with several Pods), a service waits (`depends_on`, `service_started` or `service_healthy`) for a service in another Pod, and that service declares no TCP port (no `ports`, no `expose`, or UDP only), or has no Service (it runs in the node's network or in none). Its Pod waits for a peer by connecting to one of the peer's TCP ports through its Service, so nothing is waited for here.",
    kubernetes: "Pods start independently; without a port to connect to, the dependent's Pod starts at once, possibly before its peer.",
    remedy: "Declare a TCP port the target listens on (`expose: [\"PORT\"]`): the dependent's Pod then waits until it answers through the target's Service (for `service_healthy`, until its health check passed). Or keep the two in one Pod (`x-podlift: {group: NAME}`), or make the service retry.",
    example: "# podlift convert --strategy split\nservices:\n  app:\n    image: app:1\n    depends_on: [worker]\n  worker:\n    image: worker:1\n",
};
