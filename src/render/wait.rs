//! The init container that waits for `depends_on` targets in other Pods
//! ([`StartWait`]): one TCP connect after another through each target's
//! Service, bounded and logged.
//!
//! The script is the same for every Pod; what it waits for comes as its
//! arguments, six per target (Service, port, seconds, dependent, target,
//! condition), so no name is ever spliced into shell text. It needs `sh`,
//! `date`, `sleep` and `nc`: busybox's `nc` connects with `-e true` (every
//! build, glibc or not); a netcat without `-e` (OpenBSD's) with `-z`. It runs
//! as nobody, with no capability, within small limits: Pod Security
//! `restricted` admits it.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Capabilities, Container, ResourceRequirements, SeccompProfile, SecurityContext,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use crate::plan::{StartWait, WAIT_INIT_NAME};

/// The user and group the wait runs as (`nobody`).
const NOBODY: i64 = 65534;

/// Seconds between attempts, besides each connect's own 2-second bound.
const PAUSE: u32 = 2;

/// A line every this many failed attempts (about every 20 s).
const LOG_EVERY: u32 = 5;

/// The script; `$0` is the container's name, the targets its arguments.
fn script() -> String {
    format!(
        r#"# podlift: wait for the depends_on targets that run in other Pods.
# Arguments, six per target: SERVICE PORT SECONDS DEPENDENT TARGET CONDITION.
set -u
start=$(date +%s)
reach() {{
  nc -w 2 "$1" "$2" -e true </dev/null >/dev/null 2>&1 ||
    nc -z -w 2 "$1" "$2" </dev/null >/dev/null 2>&1
}}
while [ $# -ge 6 ]; do
  service=$1 port=$2 limit=$3 dependent=$4 target=$5 condition=$6
  shift 6
  tries=0
  echo "podlift: '$dependent' waits for '$target' ($condition) through Service $service port $port, at most ${{limit}}s"
  until reach "$service" "$port"; do
    tries=$((tries + 1))
    waited=$(($(date +%s) - start))
    if [ "$waited" -ge "$limit" ]; then
      echo "podlift: '$target' did not answer through Service $service port $port within ${{limit}}s ($tries attempts), so '$dependent' does not start; check that the Pod of '$target' runs and is ready (kubectl get endpoints $service)" >&2
      exit 1
    fi
    if [ $((tries % {LOG_EVERY})) -eq 1 ]; then
      echo "podlift: Service $service port $port does not answer yet (attempt $tries, ${{waited}}s)"
    fi
    sleep {PAUSE}
  done
  echo "podlift: '$target' answers through Service $service port $port after $(($(date +%s) - start))s"
done
"#
    )
}

/// The wait's arguments: six per target.
fn arguments(wait: &StartWait) -> Vec<String> {
    wait.targets
        .iter()
        .flat_map(|t| {
            [
                t.service.clone(),
                t.port.to_string(),
                t.limit.as_secs().max(1).to_string(),
                t.dependent.clone(),
                t.target.clone(),
                if t.healthy {
                    "service_healthy"
                } else {
                    "service_started"
                }
                .to_string(),
            ]
        })
        .collect()
}

/// Small requests and the given limits for one of podlift's init
/// containers: a namespace whose ResourceQuota counts `limits.cpu` or
/// `limits.memory` admits a Pod only when every container, init ones too,
/// sets them (a LimitRange's defaults would fill them in, a quota alone does
/// not).
pub(crate) fn init_resources(cpu: &str, memory: &str) -> ResourceRequirements {
    let quantities = |cpu: &str, memory: &str| {
        BTreeMap::from([
            ("cpu".to_string(), Quantity(cpu.to_string())),
            ("memory".to_string(), Quantity(memory.to_string())),
        ])
    };
    ResourceRequirements {
        requests: Some(quantities("10m", "16Mi")),
        limits: Some(quantities(cpu, memory)),
        ..ResourceRequirements::default()
    }
}

pub(crate) fn wait_container(wait: &StartWait) -> Container {
    Container {
        name: WAIT_INIT_NAME.to_string(),
        image: Some(wait.image.clone()),
        command: Some(vec![
            "sh".to_string(),
            "-c".to_string(),
            script(),
            WAIT_INIT_NAME.to_string(),
        ]),
        args: Some(arguments(wait)),
        resources: Some(init_resources("100m", "32Mi")),
        security_context: Some(SecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(NOBODY),
            run_as_group: Some(NOBODY),
            allow_privilege_escalation: Some(false),
            privileged: Some(false),
            read_only_root_filesystem: Some(true),
            capabilities: Some(Capabilities {
                add: None,
                drop: Some(vec!["ALL".to_string()]),
            }),
            seccomp_profile: Some(SeccompProfile {
                type_: "RuntimeDefault".to_string(),
                localhost_profile: None,
            }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{arguments, script};
    use crate::plan::{StartWait, WaitTarget};

    #[test]
    fn six_arguments_per_target_and_no_name_in_the_script() {
        let wait = StartWait {
            image: "busybox".to_string(),
            targets: vec![WaitTarget {
                dependent: "app".to_string(),
                target: "db".to_string(),
                service: "db".to_string(),
                port: 5432,
                healthy: true,
                limit: Duration::from_mins(10),
            }],
        };
        assert_eq!(
            arguments(&wait),
            ["db", "5432", "600", "app", "db", "service_healthy"]
        );
        assert!(!script().contains("5432"));
    }
}
