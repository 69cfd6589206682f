//! Explanations of addresses, networks, names and ports.

use super::Explanation;
use crate::diagnostic::Code;

pub(super) const ADDRESS_CLUSTER_RANGE: Explanation = Explanation {
    code: Code::AddressClusterRange,
    title: "a preset address lies inside the cluster's Pod or Service range",
    meaning: "A service (or `--extra-ip`, or `x-podlift.extra-addresses`) claims an address inside a range named with `--pod-cidr` or `--service-cidr`.",
    kubernetes: "The init container puts the address on the Pod's loopback. Traffic from the Pod to a real Pod or Service that has this address would then stay inside the Pod: the Pod hijacks it.",
    remedy: "Move the preset addresses out of the cluster's ranges, e.g. into 169.254.0.0/16, and change the images' configuration to match.",
    example: "# podlift convert --service-cidr 10.96.0.0/12\nservices:\n  db:\n    image: postgres:16\n    networks:\n      back:\n        ipv4_address: 10.96.0.10\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.96.0.0/24\n",
};

pub(super) const ADDRESS_COMMON_RANGE: Explanation = Explanation {
    code: Code::AddressCommonRange,
    title: "a preset address lies inside a range clusters commonly use",
    meaning: "Without `--pod-cidr`/`--service-cidr`, podlift compares preset addresses with ranges many clusters use (kubeadm, k3s, EKS, Calico, Docker's bridge).",
    kubernetes: "If the cluster does use that range, the Pod claims an address that belongs to a real Pod or Service, and its traffic to that address never leaves the Pod.",
    remedy: "Name the cluster's real ranges with `--pod-cidr` and `--service-cidr`: the warning then becomes an exact check (an error when the address collides, nothing when it does not).",
    example: "services:\n  app:\n    image: app:1.0\n    networks:\n      back:\n        ipv4_address: 10.100.0.5\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 10.100.0.0/16\n",
};

pub(super) const ADDRESS_DUPLICATE: Explanation = Explanation {
    code: Code::AddressDuplicate,
    title: "two services declare the same preset address",
    meaning: "Two services that do not share a network namespace declare one `ipv4_address` or `ipv6_address`.",
    kubernetes: "In one Pod every address is on one shared loopback, so one address cannot belong to two services; compose would not start either.",
    remedy: "Give one of them another address, or let it share the other's namespace with `network_mode: service:NAME`.",
    example: "services:\n  a:\n    image: a:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  b:\n    image: b:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\nnetworks:\n  back: {}\n",
};

pub(super) const ADDRESS_INVALID: Explanation = Explanation {
    code: Code::AddressInvalid,
    title: "an address is not an IP address of the right family",
    meaning: "`ipv4_address` or `ipv6_address` holds text that is not an address, or an address of the other family.",
    kubernetes: "The init container can only claim real addresses; a wrong one would make it fail and the Pod never start.",
    remedy: "Write a plain address without prefix length (`169.254.253.7`), IPv4 under `ipv4_address`, IPv6 under `ipv6_address`.",
    example: "services:\n  app:\n    image: app:1\n    networks:\n      back:\n        ipv4_address: 169.254.253.7/24\n",
};

pub(super) const ADDRESS_LAN: Explanation = Explanation {
    code: Code::AddressLan,
    title: "an address the LAN could reach is on loopback now",
    meaning: "A service has a preset address on a `macvlan` or `ipvlan` network: under compose, machines on the LAN could reach it at that address.",
    kubernetes: "podlift puts preset addresses on the Pod's loopback: only the Pod itself (and, through the address map, the application's other Pods) reaches them. Nothing outside the cluster does.",
    remedy: "Publish the ports outside callers need on all host addresses (`ports: [8080:80]` gives a Service; `--service-type NodePort` or `LoadBalancer` makes those reachable from outside; a port published on one host address, `127.0.0.1:8080:80`, never is), or give the service the node's network (`network_mode: host`, a Pod of its own with `hostNetwork: true`).",
    example: "services:\n  sensor:\n    image: sensor:1\n    networks:\n      lan: {ipv4_address: 192.168.1.50}\nnetworks:\n  lan:\n    driver: macvlan\n    ipam:\n      config: [{subnet: 192.168.1.0/24}]\n",
};

pub(super) const ADDRESS_OUTSIDE_SUBNET: Explanation = Explanation {
    code: Code::AddressOutsideSubnet,
    title: "a preset address lies outside its network's subnet",
    meaning: "A service's `ipv4_address`/`ipv6_address` is not inside any subnet its network declares under `ipam.config`.",
    kubernetes: "Compose refuses to start such a service; the images were never run with this address, so it is most likely a typo.",
    remedy: "Fix the address or the subnet.",
    example: "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.254.7}}\nnetworks:\n  back:\n    ipam:\n      config:\n        - subnet: 169.254.253.0/24\n",
};

pub(super) const ADDRESS_RESERVED: Explanation = Explanation {
    code: Code::AddressReserved,
    title: "a preset address must not go on a Pod's loopback",
    meaning: "The address is loopback, unspecified, multicast or broadcast, or one a cluster uses itself: the cloud metadata service (169.254.169.254), NodeLocal DNSCache (169.254.20.10) or Calico's gateway (169.254.1.1).",
    kubernetes: "Claimed on the Pod's loopback, such an address cuts the Pod off from the service behind it (metadata, DNS, its default route) or means something else entirely.",
    remedy: "Choose another address and change the images' configuration to match.",
    example: "services:\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.169.254}}\nnetworks:\n  back: {}\n",
};

pub(super) const EXTRA_HOST_GATEWAY: Explanation = Explanation {
    code: Code::ExtraHostGateway,
    title: "`extra_hosts` points at Docker's `host-gateway`",
    meaning: "An `extra_hosts` entry uses the special value `host-gateway`, which Docker replaces with the host's address.",
    kubernetes: "A cluster has no such value, and the Pod's node is not the machine compose ran on; the name is left out of `hostAliases`.",
    remedy: "Give the host's real address, or reach the outside service through a Service of type ExternalName.",
    example: "services:\n  app:\n    image: app:1\n    extra_hosts: [\"host.docker.internal:host-gateway\"]\n",
};

pub(super) const EXTRA_HOST_INVALID: Explanation = Explanation {
    code: Code::ExtraHostInvalid,
    title: "an `extra_hosts` entry has no valid address",
    meaning: "An `extra_hosts` entry is not `name=address` or `name:address` with an IP address.",
    kubernetes: "Each entry becomes a `hostAliases` line, which needs an IP address.",
    remedy: "Write `name=address`, e.g. `db.local=169.254.253.2`.",
    example: "services:\n  app:\n    image: app:1\n    extra_hosts: [\"db.local=somewhere\"]\n",
};

pub(super) const EXTRA_HOST_UNCLAIMED: Explanation = Explanation {
    code: Code::ExtraHostUnclaimed,
    title: "an `extra_hosts` address nobody claims",
    meaning: "An `extra_hosts` entry points a name at an address inside a compose network's subnet, and no service claims that address. Such an address is often one the application itself answers on (an address an image sets up, or a peer the file does not list).",
    kubernetes: "In the Pod the name resolves to that address, but nothing holds it: calls to it leave the Pod and go nowhere.",
    remedy: "If a service of the application answers there, claim the address: `x-podlift: {extra-addresses: [ADDRESS]}` at the top level, or `--extra-ip ADDRESS`. If it is outside the application, make sure the cluster can route to it.",
    example: "services:\n  app:\n    image: app:1\n    extra_hosts: [\"license:10.20.0.9\"]\n    networks:\n      net: {ipv4_address: 10.20.0.2}\nnetworks:\n  net:\n    ipam:\n      config: [{subnet: 10.20.0.0/24}]\n",
};

pub(super) const HOST_NAMESPACE: Explanation = Explanation {
    code: Code::HostNamespace,
    title: "a service asks for the host's process or IPC namespace",
    meaning: "A service has `pid: host` or `ipc: host`.",
    kubernetes: "Kubernetes has these only for the whole Pod (`hostPID`, `hostIPC`): every container of the Pod then sees the node's processes or shared memory, and the namespace needs Pod Security level `privileged`.",
    remedy: "Drop the setting unless the service must watch the node (a monitoring agent); give such a service a Pod of its own (`--strategy split`).",
    example: "services:\n  agent:\n    image: agent:1.0\n    pid: host\n",
};

pub(super) const IMAGE_PORTS: Explanation = Explanation {
    code: Code::ImagePorts,
    title: "ports a service listens on come from its image's `EXPOSE`",
    meaning: "`--inspect-images` read the service's image: the ports of its `EXPOSE` that the compose file does not declare are added as the service's container ports. Two services whose images expose one port cannot share a Pod (port clash), `--strategy auto` puts them apart, and peers reach them through the service's ClusterIP Service.",
    kubernetes: "Nothing is published that compose did not publish: the ports are container ports and ClusterIP Service ports only, and the NetworkPolicy admits them from peers on the service's compose networks, not from anywhere.",
    remedy: "Nothing; declare them under `expose:` to say so in the compose file.",
    example: "# podlift convert --inspect-images --image-archive plc.tar\nservices:\n  plc1:\n    image: plc:1\n  plc2:\n    image: plc:1\n",
};

pub(super) const NAME_CONFLICT: Explanation = Explanation {
    code: Code::NameConflict,
    title: "a name would resolve to two addresses",
    meaning: "Two services use one host name (service name, `container_name`, `hostname`, alias, link or extra host) for different addresses.",
    kubernetes: "All names of a Pod go into one `hostAliases` table, where a name has one address; podlift keeps the first.",
    remedy: "Give one of them another name.",
    example: "services:\n  a:\n    image: a:1\n    hostname: db\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  b:\n    image: b:1\n    networks:\n      back:\n        ipv4_address: 169.254.253.3\n        aliases: [db]\nnetworks:\n  back: {}\n",
};

pub(super) const NAMESPACE_SHARED: Explanation = Explanation {
    code: Code::NamespaceShared,
    title: "containers share a process namespace, or would have under compose",
    meaning: "A service has `pid: service:X` or `container:X`; or, under `--strategy split`, it shares `pid` or `ipc` with a service that lands in another Pod.",
    kubernetes: "In one Pod, `shareProcessNamespace: true` makes every container see and signal every other's processes (and read their environment under `/proc`), and PID 1 is the Pod's pause process, not the image's entrypoint. Compose shares the namespace between the pair only: when the Pod holds other services, they gain this too, and the finding is a warning naming them (a note when the Pod holds only the pair). Pods never share process or IPC namespaces with each other.",
    remedy: "Check that no service relies on being PID 1. Drop `pid:` if the service does without it, or give the other services Pods of their own (`--strategy split`, keeping the pair in one Pod with `x-podlift.group`).",
    example: "services:\n  app:\n    image: app:1.0\n  debug:\n    image: debug:1.0\n    pid: service:app\n",
};

pub(super) const NETWORK_DUPLICATE: Explanation = Explanation {
    code: Code::NetworkDuplicate,
    title: "a service lists a network twice",
    meaning: "A service's `networks` list names the same network twice; compose's schema wants each item once (`networks items at 0 and 1 are equal`) and refuses the file.",
    kubernetes: "Compose refuses the file, so podlift does too.",
    remedy: "List each network once.",
    example: "services:\n  app:\n    image: app:1\n    networks: [front, front]\nnetworks:\n  front: {}\n",
};

pub(super) const NETWORK_ISOLATION: Explanation = Explanation {
    code: Code::NetworkIsolation,
    title: "one Pod does not separate what compose's networks did",
    meaning: "Services that share no compose network could not reach each other under compose, and a service whose networks are all `internal: true` could not reach outside. In one Pod every container shares one network namespace: each reaches every other over loopback, and all reach what the Pod reaches.",
    kubernetes: "A NetworkPolicy selects whole Pods; it cannot separate containers of one Pod. podlift emits a NetworkPolicy per Pod (the one Pod too) that admits only the Pods sharing a compose network with it (and anyone on the ports compose published on all host addresses), and lets Pods whose networks are all internal out only to those Pods and the cluster's DNS; a CNI that enforces NetworkPolicies (Calico, Cilium, …) applies them. What the policy cannot do is separate the containers inside one Pod, or keep a Pod that mixes internal and other networks from reaching outside.",
    remedy: "Where the separation matters (a database that must not be reachable from a front end, a service that must not reach the internet), convert with `--strategy split`, and check that the cluster's CNI enforces NetworkPolicies.",
    example: "services:\n  web:\n    image: web:1\n    networks: [front]\n  db:\n    image: db:1\n    networks: [back]\nnetworks:\n  front: {}\n  back:\n    internal: true\n",
};

pub(super) const NETWORK_MODE_HOST: Explanation = Explanation {
    code: Code::NetworkModeHost,
    title: "a service uses the host's network",
    meaning: "A service has `network_mode: host`. Under `--strategy pod` this is an error; under `auto` (the default) and `split` the service gets a Pod of its own with `hostNetwork: true`, and this is a warning.",
    kubernetes: "All services of a Pod share its network namespace; one container cannot have the node's network instead. A Pod of its own can: `hostNetwork: true` puts it in the node's network, so its ports are the node's ports (two replicas cannot share a node) and the namespace needs the Pod Security level `privileged`. Under Docker a host-networked service reaches its peers by their preset addresses, because the host routes to its own bridges; a node routes nowhere near them, and podlift does not change a node's routes or firewall. The warning names the preset addresses the service mentions in its environment, command, entrypoint or bind-mounted files.",
    remedy: "Convert with the default `--strategy auto`, not `--strategy pod`; keep `network_mode: host` only if the service must see the node's network, else remove it. Point a host-networked service at its peers' Services (a ClusterIP, or a port published on the node), not at their preset addresses.",
    example: "# podlift convert --strategy pod\nservices:\n  app:\n    image: app:1\n    network_mode: host\n",
};

pub(super) const NETWORK_MODE_NETWORKS: Explanation = Explanation {
    code: Code::NetworkModeNetworks,
    title: "a service sets both `network_mode` and `networks`",
    meaning: "A service has `network_mode` and also joins `networks`.",
    kubernetes: "Compose refuses this combination: the two contradict each other.",
    remedy: "Keep one: `network_mode: service:NAME` already gives the service that service's networks.",
    example: "services:\n  app:\n    image: app:1\n    network_mode: service:db\n    networks: [back]\n",
};

pub(super) const NETWORK_MODE_NONE: Explanation = Explanation {
    code: Code::NetworkModeNone,
    title: "a service has no network",
    meaning: "A service has `network_mode: none`.",
    kubernetes: "Every container of a Pod shares the Pod's network; one cannot be cut off alone. Under `auto` (the default) and `split` the service gets a Pod of its own, without a Service and without peers' names; only `--strategy pod` stops here.",
    remedy: "Convert with the default `--strategy auto`, not `--strategy pod`; or remove `network_mode: none`.",
    example: "# podlift convert --strategy pod\nservices:\n  batch:\n    image: batch:1\n    network_mode: none\n",
};

pub(super) const NETWORK_MODE_TARGET: Explanation = Explanation {
    code: Code::NetworkModeTarget,
    title: "`network_mode` points nowhere",
    meaning: "`network_mode: service:X` or `container:X` names no service of the project, or the mode is unknown.",
    kubernetes: "A container outside the project does not exist in the cluster; podlift cannot tell whose namespace the service meant to share.",
    remedy: "Name a service of this project in `network_mode: service:NAME`, or remove the key.",
    example: "services:\n  app:\n    image: app:1\n    network_mode: service:database\n",
};

pub(super) const NETWORK_UNDECLARED: Explanation = Explanation {
    code: Code::NetworkUndeclared,
    title: "a service joins a network that is not declared",
    meaning: "A service lists a network that the top-level `networks:` does not declare (apart from `default`).",
    kubernetes: "Compose refuses this; podlift reads subnets from the declaration to check the addresses.",
    remedy: "Add the network under the top-level `networks:`.",
    example: "services:\n  app:\n    image: app:1\n    networks: [back]\n",
};

pub(super) const PORT_CONFLICT: Explanation = Explanation {
    code: Code::PortConflict,
    title: "two containers of the Pod declare the same port",
    meaning: "Two services declare one port and protocol (`ports`, `expose`), or a health check calls `localhost:PORT` that another service declares.",
    kubernetes: "Containers of one Pod share a network namespace: two servers binding one port on `0.0.0.0` cannot both start, and `localhost` reaches whichever holds the port. Under `auto` (the default) podlift then puts them in different Pods (`auto-split`); the error remains under `--strategy pod`, and where the two share a namespace on purpose (`network_mode: service:`, `x-podlift.group`).",
    remedy: "Convert with the default `--strategy auto`, not `--strategy pod`. If each server binds only its own preset address (not `0.0.0.0`), the clash is harmless and one Pod can hold both: allow it with `--allow-shared-port PORT`. Inside a shared namespace, change one port.",
    example: "# podlift convert --strategy pod\nservices:\n  a:\n    image: a:1\n    expose: [\"8080\"]\n  b:\n    image: b:1\n    expose: [\"8080\"]\n",
};

pub(super) const PORT_HOST_ONLY: Explanation = Explanation {
    code: Code::PortHostOnly,
    title: "a port published on a host address is not published in the cluster",
    meaning: "A port is published on one host address (`127.0.0.1:5432:5432`, `[::1]:6379:6379`). Under compose only that host could reach it through the publication; peers on the service's networks called the container port directly. In one Pod podlift makes no Service for it, and the Pod's NetworkPolicy admits other Pods only on the ports compose published on all host addresses, so it does not become reachable cluster-wide (on a cluster whose CNI enforces NetworkPolicies). When the services are split into several Pods, the service's `ClusterIP` Service carries the container port so that the other Pods can call it as peers did; it never takes the `--service-type` (`NodePort`, `LoadBalancer`), so nothing outside the cluster reaches it. The note names each such Service.",
    kubernetes: "A Service makes a port reachable from every Pod in the cluster (and beyond, for `NodePort`/`LoadBalancer`): that would open what the compose file kept closed. `--service-type` applies only to ports compose published on all host addresses.",
    remedy: "Nothing, if the port was for local administration (use `kubectl port-forward`). To expose it on purpose, publish it without a host address (`5432:5432`).",
    example: "services:\n  db:\n    image: postgres:16\n    ports:\n      - 127.0.0.1:5432:5432\n",
};

pub(super) const PORT_INTERNAL_ONLY: Explanation = Explanation {
    code: Code::PortInternalOnly,
    title: "a port of a service on internal networks only is not published",
    meaning: "A service lists `ports`, but every network it is on is `internal: true`. Docker accepts the mapping and binds no host port: only the services on those networks reached the container port.",
    kubernetes: "podlift treats such ports as unpublished: they take no `--service-type` (`NodePort`, `LoadBalancer`) and no NetworkPolicy rule that admits any client. In one Pod podlift makes no Service for them; when the services are split into several Pods, the `ClusterIP` Service that peers call carries them, and the Pod's NetworkPolicy admits only the Pods on its compose networks.",
    remedy: "Nothing, if the port was only for peers. To publish it on purpose, also attach the service to a network that is not `internal`.",
    example: "services:\n  db:\n    image: postgres:16\n    ports: [\"5432:5432\"]\n    networks: [back]\nnetworks:\n  back:\n    internal: true\n",
};

pub(super) const PORT_INVALID: Explanation = Explanation {
    code: Code::PortInvalid,
    title: "a port cannot be read",
    meaning: "A `ports` or `expose` entry is not a port mapping, a long-syntax port has no numeric `target`, or the protocol is unknown.",
    kubernetes: "Ports become containerPorts and Services; a misread port would expose the wrong one.",
    remedy: "Write `[HOST_IP:]PUBLISHED:TARGET[/PROTOCOL]` (e.g. `8080:80/tcp`) for `ports` and `PORT[/PROTOCOL]` for `expose`.",
    example: "services:\n  app:\n    image: app:1\n    ports: [\"80:http\"]\n",
};

pub(super) const PORTS_UNKNOWN: Explanation = Explanation {
    code: Code::PortsUnknown,
    title: "services declare no ports",
    meaning: "Under a split into several Pods (`--strategy split`, or `auto` when one Pod cannot do), some services declare neither `ports` nor `expose`. podlift cannot see whether their ports clash with another service's, and a Service forwards only declared ports.",
    kubernetes: "Other Pods reach a service through its Service (by name, and by preset address through the address map); a port nobody declared is not forwarded, so calls to it from other Pods fail.",
    remedy: "List the ports each service listens on under `expose`: compose publishes nothing for `expose`, so the compose deployment does not change; podlift then checks them and forwards them.",
    example: "# podlift convert --strategy split\nservices:\n  web:\n    image: web:1\n    expose: [\"80\"]\n  worker:\n    image: worker:1\n",
};

pub(super) const SHARED_NETWORK_PRIVILEGE: Explanation = Explanation {
    code: Code::SharedNetworkPrivilege,
    title: "a service can change the network every container of its Pod shares",
    meaning: "A service has `privileged: true` or `cap_add` of `NET_ADMIN`, `NET_RAW`, `SYS_ADMIN` or `ALL`, and shares its network namespace with other services (one Pod, a `network_mode: service:` group, or an `x-podlift.group`).",
    kubernetes: "Under compose each container had a network namespace of its own. In one Pod a VPN client, a kill switch, a deleted default route or an iptables rule of this service applies to every container of the Pod.",
    remedy: "If the service changes the network, give it a Pod of its own: the default `--strategy auto` does (so does `--strategy split`), unless it shares a network namespace or an `x-podlift.group` with others.",
    example: "# podlift check --strategy pod\nservices:\n  vpn:\n    image: vpn:1\n    cap_add: [NET_ADMIN]\n  app:\n    image: app:1\n",
};

pub(super) const SOURCE_ADDRESS: Explanation = Explanation {
    code: Code::SourceAddress,
    title: "peers see a different source address",
    meaning: "In one Pod a connection to a preset address comes from that same address over loopback; across Pods (split strategy) it comes from the caller's Pod IP.",
    kubernetes: "Under compose, a server saw each peer's own preset address as the source. A server that allows clients by source address (access lists, `pg_hba.conf`) refuses the new sources.",
    remedy: "Allow the server's own preset address (one Pod) or the cluster's Pod range (split) in such access lists.",
    example: "services:\n  db:\n    image: db:1\n    networks: {back: {ipv4_address: 169.254.253.2}}\n  app:\n    image: app:1\n    networks: {back: {ipv4_address: 169.254.253.7}}\nnetworks:\n  back: {}\n",
};

pub(super) const SUBNET_INVALID: Explanation = Explanation {
    code: Code::SubnetInvalid,
    title: "a subnet is not in CIDR notation",
    meaning: "A network's `ipam.config[].subnet` is not an address with a prefix length.",
    kubernetes: "Subnets are how podlift checks that preset addresses are where compose put them.",
    remedy: "Write it like `169.254.253.0/24`.",
    example: "networks:\n  back:\n    ipam:\n      config:\n        - subnet: 169.254.253.0\n",
};
