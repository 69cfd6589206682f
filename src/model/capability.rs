//! `cap_add`/`cap_drop`: Linux capability names, normalised as Docker does.
//!
//! Docker takes a name in any case, with or without the `CAP_` prefix, and
//! `ALL`; it refuses a name that is no capability. Kubernetes takes the bare
//! upper-case name (`NET_RAW`): a `CAP_NET_RAW` copied verbatim would drop
//! nothing at run time. Unknown names are errors at their span.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::Node;
use crate::model::read::Reader;

/// Every Linux capability (`capability.h`, up to `CAP_CHECKPOINT_RESTORE`).
const CAPABILITIES: &[&str] = &[
    "AUDIT_CONTROL",
    "AUDIT_READ",
    "AUDIT_WRITE",
    "BLOCK_SUSPEND",
    "BPF",
    "CHECKPOINT_RESTORE",
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "IPC_LOCK",
    "IPC_OWNER",
    "KILL",
    "LEASE",
    "LINUX_IMMUTABLE",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "MKNOD",
    "NET_ADMIN",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_RAW",
    "PERFMON",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYSLOG",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_CHROOT",
    "SYS_MODULE",
    "SYS_NICE",
    "SYS_PACCT",
    "SYS_PTRACE",
    "SYS_RAWIO",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "WAKE_ALARM",
];

/// `name` as Kubernetes spells it (`cap_net_raw` → `NET_RAW`, `all` →
/// `ALL`), or `None` when it names no capability.
#[must_use]
pub fn normalise(name: &str) -> Option<String> {
    let upper = name.to_ascii_uppercase();
    if upper == "ALL" {
        return Some(upper);
    }
    let bare = upper.strip_prefix("CAP_").unwrap_or(&upper);
    CAPABILITIES.contains(&bare).then(|| bare.to_string())
}

/// The normalised capabilities of `cap_add` or `cap_drop` (`what`), each
/// once; an unknown name is an error at its span and is left out.
pub(crate) fn read_capabilities(
    node: &Node,
    what: &str,
    reader: &mut Reader,
) -> (Vec<String>, Vec<String>) {
    let mut out: Vec<String> = Vec::new();
    let mut written = Vec::new();
    for item in reader.string_list(node, what) {
        // compose prints (and accepts) any name: only a cluster refuses one
        written.push(item.value.clone());
        match normalise(&item.value) {
            Some(name) => {
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            // a device path (`/dev/net/tun:/dev/net/tun`) written under
            // the wrong key: say so, and where it belongs
            None if item.value.contains('/') => reader.diagnostics.push(
                Diagnostic::error(
                    Code::CapabilityUnknown,
                    format!(
                        "`{what}` item `{}` is a path, not a Linux capability; Docker and Kubernetes refuse it",
                        item.value
                    ),
                )
                .at(item.span)
                .help("a device goes under `devices:` (e.g. `devices: [\"/dev/net/tun:/dev/net/tun\"]`); `cap_add` takes names such as `NET_ADMIN`"),
            ),
            None => reader.diagnostics.push(
                Diagnostic::error(
                    Code::CapabilityUnknown,
                    format!(
                        "`{what}` item `{}` is not a Linux capability; Docker refuses it",
                        item.value
                    ),
                )
                .at(item.span)
                .help("write a capability name such as `NET_ADMIN` (the `CAP_` prefix and the case do not matter), or `ALL`"),
            ),
        }
    }
    (out, written)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn names_are_normalised_as_docker_does() {
        assert_eq!(normalise("CAP_NET_RAW").as_deref(), Some("NET_RAW"));
        assert_eq!(normalise("cap_net_raw").as_deref(), Some("NET_RAW"));
        assert_eq!(normalise("Net_Admin").as_deref(), Some("NET_ADMIN"));
        assert_eq!(normalise("all").as_deref(), Some("ALL"));
        assert_eq!(normalise("CAP_ALL"), None);
        assert_eq!(normalise("/etc/passwd"), None);
        assert_eq!(normalise("NET_RAWX"), None);
        assert_eq!(normalise(""), None);
    }
}
