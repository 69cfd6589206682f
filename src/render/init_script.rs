//! The loopback init container's shell script and the address map's file,
//! rendered from the plan's facts (addresses, inbound rules, the map).

use std::fmt::Write as _;
use std::net::IpAddr;

use crate::plan::{AddressMap, LoopbackInit};

/// The key of the map's file in the ConfigMap.
pub const MAP_KEY: &str = "addresses";

/// Where the init container finds the map (the ConfigMap volume's mount path).
pub const MAP_DIR: &str = "/etc/podlift";

/// The name of the Pod volume that carries the map.
pub const MAP_VOLUME: &str = "podlift-address-map";

/// The init container's variable that bounds the lookups of peers' Services
/// (rounds, [`DELAY_VARIABLE`] seconds apart).
pub const TRIES_VARIABLE: &str = "PODLIFT_RESOLVE_TRIES";

/// The init container's variable: seconds between two rounds of lookups.
pub const DELAY_VARIABLE: &str = "PODLIFT_RESOLVE_DELAY";

/// Default of [`TRIES_VARIABLE`]: with [`DEFAULT_DELAY`], about a minute,
/// ample for the cluster's DNS to learn a Service created in the same apply.
const DEFAULT_TRIES: u32 = 30;

/// Default of [`DELAY_VARIABLE`], in seconds.
const DEFAULT_DELAY: u32 = 2;

/// podlift's own NAT chain for the map's rules: rebuilt as a whole on every run.
pub const OUT_CHAIN: &str = "PODLIFT-OUT";

/// The init container's variable holding the Pod's namespace (downward API).
pub const NAMESPACE_VARIABLE: &str = "PODLIFT_NAMESPACE";

/// podlift's own NAT chain for inbound rules: flushed on every run, so reruns
/// add no duplicates (the address map's chain is [`OUT_CHAIN`]).
const IN_CHAIN: &str = "PODLIFT-IN";

/// The shell script the init container runs. `replace` keeps it idempotent
/// (a rerun in the same namespace must not fail with `File exists`); `/32`
/// (`/128`) claims exactly the address, not its whole subnet.
#[must_use]
pub fn script(init: &LoopbackInit) -> String {
    let mut script = String::from("set -e\nip link set lo up\n");
    for address in &init.addresses {
        // The kernel derives an IPv6 address's scope from the address
        // itself, so `scope host` is only written where it takes effect.
        let _ = match address {
            IpAddr::V4(_) => writeln!(script, "ip addr replace {address}/32 dev lo scope host"),
            IpAddr::V6(_) => writeln!(script, "ip addr replace {address}/128 dev lo"),
        };
    }
    if init.needs_iptables() {
        script.push_str(CHOOSE_BACKEND);
    }
    if init.map.is_some() {
        append_map_script(&mut script, &init.addresses, NAMESPACE_VARIABLE);
    }
    if !init.inbound.is_empty() {
        chain(&mut script, IN_CHAIN, "PREROUTING");
        for rule in &init.inbound {
            let _ = writeln!(
                script,
                "iptables -t nat -A {IN_CHAIN} -p {} --dport {} -j DNAT --to-destination {}:{}",
                rule.protocol.as_str(),
                rule.via,
                rule.address,
                rule.port
            );
        }
    }
    script.push_str("ip addr show dev lo\n");
    script
}

/// Chooses the iptables backend that works in this Pod's network namespace:
/// nft first (it needs `NET_ADMIN` only; legacy iptables also needs
/// `NET_RAW`, and newer kernels drop its modules), then legacy (kernels
/// without nf_tables), else whatever `iptables` the image has. The choice
/// goes first on `PATH` as `iptables` and `iptables-restore`, so the rules
/// below read the same with every image.
const CHOOSE_BACKEND: &str = r#"for backend in nft legacy; do
  if command -v "iptables-$backend" >/dev/null 2>&1 && "iptables-$backend" -t nat -S >/dev/null 2>&1; then
    bin=$(mktemp -d)
    ln -s "$(command -v "iptables-$backend")" "$bin/iptables"
    ln -s "$(command -v "iptables-$backend-restore")" "$bin/iptables-restore"
    PATH="$bin:$PATH"
    echo "podlift: iptables backend $backend"
    break
  fi
done
"#;

/// Creates (or empties) podlift's chain and hooks it into `parent` once.
fn chain(script: &mut String, name: &str, parent: &str) {
    let _ = writeln!(
        script,
        "iptables -t nat -N {name} 2>/dev/null || iptables -t nat -F {name}"
    );
    let _ = writeln!(
        script,
        "iptables -t nat -C {parent} -j {name} 2>/dev/null || iptables -t nat -A {parent} -j {name}"
    );
}

/// The address map's file (the ConfigMap's [`MAP_KEY`]): a header, then
/// `ADDRESS SERVICE PORTS` per line.
#[must_use]
pub(crate) fn map_text(map: &AddressMap) -> String {
    let mut text = String::with_capacity(64 + map.entries.len() * 48);
    let _ = writeln!(
        text,
        "# podlift address map of project `{}`: ADDRESS SERVICE PORTS",
        map.project
    );
    text.push_str(
        "# Each Pod sends every address it does not claim itself to the Service's ClusterIP.\n",
    );
    for entry in &map.entries {
        let ports: Vec<String> = entry
            .ports
            .iter()
            .map(|(port, protocol)| format!("{}/{port}", protocol.as_str()))
            .collect();
        let _ = writeln!(
            text,
            "{} {} {}",
            entry.address,
            entry.service,
            ports.join(",")
        );
    }
    text
}

/// Appends the part of the init script that applies the map: `own` are the
/// addresses the Pod claims (skipped), `namespace` the variable holding the
/// Pod's namespace. The text is the same whatever the map holds.
///
/// Every Service is looked up as `NAME.NAMESPACE.svc` (the cluster's DNS, not
/// the Pod's hostAliases), for its IPv4 address (`ahostsv4` where `getent`
/// knows it: a dual-stack Service's IPv6 address would not do for an IPv4
/// rule); those that do not resolve yet (a Service created in the same
/// apply) are tried again, a bounded number of times, after which the init
/// container fails and its log names each one. The rules go into
/// [`OUT_CHAIN`] in one `iptables-restore --noflush`, which empties the chain
/// first: a rerun gives the same rules.
fn append_map_script(script: &mut String, own: &[std::net::IpAddr], namespace: &str) {
    let own: Vec<String> = own.iter().map(ToString::to_string).collect();
    let _ = writeln!(script, "own=' {} '", own.join(" "));
    let _ = write!(
        script,
        r#"tries=${{{TRIES_VARIABLE}:-{DEFAULT_TRIES}}}
delay=${{{DELAY_VARIABLE}:-{DEFAULT_DELAY}}}
work=$(mktemp -d)
while read -r address service _; do
  case "$address" in ''|'#'*) continue ;; esac
  case "$own" in *" $address "*) continue ;; esac
  echo "$address $service"
done <{MAP_DIR}/{MAP_KEY} >"$work/pending"
: >"$work/rules"
try=1
while [ -s "$work/pending" ]; do
  : >"$work/left"
  while read -r address service; do
    name=$service.${namespace}.svc
    ip=$({{ getent ahostsv4 "$name" 2>/dev/null || getent hosts "$name"; }} | awk '$1 ~ /^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$/ {{ print $1; exit }}')
    if [ -n "$ip" ]; then
      printf '%s\n' "-A {OUT_CHAIN} -d $address/32 -j DNAT --to-destination $ip" >>"$work/rules"
    else
      echo "$address $service" >>"$work/left"
    fi
  done <"$work/pending"
  mv "$work/left" "$work/pending"
  [ -s "$work/pending" ] || break
  if [ "$try" -ge "$tries" ]; then
    while read -r address service; do
      echo "podlift: Service $service.${namespace}.svc (for $address) does not resolve after $try tries; create it (kubectl get service $service) or check the cluster's DNS" >&2
    done <"$work/pending"
    exit 1
  fi
  echo "podlift: $(wc -l <"$work/pending") Services do not resolve yet (try $try of $tries), again in ${{delay}}s" >&2
  try=$((try + 1))
  sleep "$delay"
done
{{ echo '*nat'; echo ':{OUT_CHAIN} - [0:0]'; cat "$work/rules"; echo COMMIT; }} | iptables-restore --noflush
iptables -t nat -C OUTPUT -j {OUT_CHAIN} 2>/dev/null || iptables -t nat -A OUTPUT -j {OUT_CHAIN}
echo "podlift: $(wc -l <"$work/rules") addresses of other Pods sent to their Services"
rm -rf "$work"
"#
    );
}

#[cfg(test)]
mod tests {
    use crate::plan::{PlanOptions, plan_text};

    #[test]
    fn the_script_claims_each_address_once_with_replace() {
        let text = "services:
  db:
    image: db
    networks: {n: {ipv4_address: 10.9.0.2}}
  app:
    image: app
    network_mode: service:db
networks: {n: {}}
";
        let options = PlanOptions {
            extra_addresses: vec!["fd00::7".parse().unwrap()],
            ..PlanOptions::default()
        };
        let (plan, _) = plan_text(text, &options);
        let script = super::script(&plan.loopback.unwrap());
        assert!(script.contains("ip addr replace 10.9.0.2/32 dev lo scope host\n"));
        assert!(script.contains("ip addr replace fd00::7/128 dev lo\n"));
        assert_eq!(script.matches("ip addr replace").count(), 2);
    }
}
