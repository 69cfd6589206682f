//! The split strategy's address map: one ConfigMap per project that says which
//! Service answers for each preset address. Every Pod's init container reads
//! it and sends each address the Pod does not claim itself to that Service's
//! ClusterIP. The map is the only place that grows with the number of
//! services; each Pod's own spec stays the same size however many peers it has.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

use crate::model::port::Protocol;

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

/// The project's address map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressMap {
    /// The ConfigMap's name.
    pub name: String,
    /// The compose project's name (for the file's header).
    pub project: String,
    /// One entry per preset address, sorted by address.
    pub entries: Vec<MapEntry>,
}

/// One preset address and the Service that answers for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// The preset address.
    pub address: Ipv4Addr,
    /// The Service's name (in the Pods' namespace).
    pub service: String,
    /// The ports the Service forwards (port, `TCP`/`UDP`/`SCTP`), for
    /// people reading the map.
    pub ports: Vec<(u16, Protocol)>,
}

impl AddressMap {
    /// The map's file: a header, then `ADDRESS SERVICE PORTS` per line.
    #[must_use]
    pub fn text(&self) -> String {
        let mut text = String::with_capacity(64 + self.entries.len() * 48);
        let _ = writeln!(
            text,
            "# podlift address map of project `{}`: ADDRESS SERVICE PORTS",
            self.project
        );
        text.push_str(
            "# Each Pod sends every address it does not claim itself to the Service's ClusterIP.\n",
        );
        for entry in &self.entries {
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
pub fn append_script(script: &mut String, own: &[std::net::IpAddr], namespace: &str) {
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
