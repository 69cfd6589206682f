//! Resources: `cpus`, `mem_limit`, `cpu_shares`/`cpu_quota`, `deploy`
//! (replicas and `resources`), and the check that two spellings agree.

use crate::diagnostic::{Code, Diagnostic};
use crate::load::yaml::{Node, Value};
use crate::model::read::{Reader, parse_float, parse_integer};
use crate::model::service::Service;
use crate::source::Located;

/// Resource requests and limits (`cpus` in millicores, memory in bytes).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU limit.
    pub cpu_limit: Option<u64>,
    /// Memory limit.
    pub memory_limit: Option<u64>,
    /// CPU reservation.
    pub cpu_request: Option<u64>,
    /// Memory reservation.
    pub memory_request: Option<u64>,
}

/// The CFS period Docker and Kubernetes use unless told otherwise (µs).
const CFS_PERIOD: i64 = 100_000;

/// The `cpu_period` values Docker accepts besides 0 (µs): 1 ms to 1 s.
const CFS_PERIOD_RANGE: std::ops::RangeInclusive<i64> = 1_000..=1_000_000;

/// `cpu_shares` becomes a CPU request (1024 shares = 1 CPU), `cpu_quota`
/// over `cpu_period` a CPU limit, where `cpus` and `deploy.resources` leave
/// them open. `cpu_period: 0` is Docker's default period (100 ms), as an
/// absent one; a period Docker refuses is an error and no limit is written.
pub(crate) fn cpu_from_cfs(
    resources: &mut Resources,
    shares: Option<Located<i64>>,
    quota: Option<Located<i64>>,
    period: Option<Located<i64>>,
    reader: &mut Reader<'_>,
) {
    if let Some(shares) = shares.filter(|s| s.value > 0)
        && resources.cpu_request.is_none()
    {
        let millis = u64::try_from(shares.value)
            .unwrap_or(0)
            .saturating_mul(1000)
            / 1024;
        resources.cpu_request = Some(millis.max(1));
    }
    let period = match period {
        None => CFS_PERIOD,
        Some(p) if p.value == 0 => CFS_PERIOD,
        Some(p) if CFS_PERIOD_RANGE.contains(&p.value) => p.value,
        Some(p) => {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::CpusInvalid,
                    format!(
                        "`cpu_period: {}` is out of range: Docker takes 1000 to 1000000 microseconds (1 ms to 1 s), or 0 for its default of 100000",
                        p.value
                    ),
                )
                .at(p.span)
                .help("write a period in microseconds such as `100000`, or remove `cpu_period`"),
            );
            return;
        }
    };
    if let Some(quota) = quota.as_ref().filter(|q| (1..1_000).contains(&q.value)) {
        reader.diagnostics.push(
            Diagnostic::error(
                Code::CpusInvalid,
                format!(
                    "`cpu_quota: {}` is below Docker's least quota of 1000 microseconds (1 ms)",
                    quota.value
                ),
            )
            .at(quota.span)
            .help("write a quota of at least `1000`, or `-1` for no limit"),
        );
        return;
    }
    if let Some(quota) = quota.filter(|q| q.value > 0)
        && resources.cpu_limit.is_none()
    {
        let millis = i128::from(quota.value) * 1000 / i128::from(period);
        resources.cpu_limit = Some(u64::try_from(millis).unwrap_or(u64::MAX).max(1));
    }
}

pub(crate) fn read_bytes(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<u64> {
    reader.bytes(node, what)
}

/// A memory limit or reservation: `0`, and the number `-1` (not the string:
/// compose refuses `"-1"`), mean no limit, as in Docker and compose.
pub(crate) fn read_memory(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<u64> {
    if matches!(&node.value, Value::Number(text) if text.trim() == "-1") {
        return None;
    }
    reader.bytes(node, what).filter(|bytes| *bytes > 0)
}

/// A CPU count; `0` means no limit, as compose reads it.
pub(crate) fn read_cpus(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<u64> {
    let cpus = reader.float(node, what)?;
    #[allow(clippy::float_cmp)] // `0`, as written
    if cpus.value == 0.0 {
        return None;
    }
    if cpus.value > 0.0 {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Some((cpus.value * 1000.0).round() as u64);
    }
    reader.diagnostics.push(
        Diagnostic::error(
            Code::CpusInvalid,
            format!("`{}` in `{what}` is not a CPU count", cpus.value),
        )
        .at(cpus.span)
        .help("write a positive number such as `0.5`"),
    );
    None
}

pub(crate) fn read_count(node: &Node, what: &str, reader: &mut Reader<'_>) -> Option<Located<u32>> {
    let count = reader.integer(node, what, 0)?;
    match u32::try_from(count.value) {
        Ok(n) => Some(Located::new(n, count.span)),
        Err(_) => {
            reader.type_error(node, what, "a whole number below 2^32");
            None
        }
    }
}

/// A resource written both as a service key and under `deploy.resources`
/// must agree; where `deploy.resources.limits` (or `reservations`) is
/// written, a field it leaves out counts as 0, as compose counts it.
pub(crate) fn check_resource_pairs(body: &Node, reader: &mut Reader<'_>) {
    type Read = fn(&Value) -> Option<f64>;
    let pairs: [(&str, &str, &str, Read); 4] = [
        ("cpus", "limits", "cpus", parse_float),
        ("mem_limit", "limits", "memory", bytes_of),
        ("mem_reservation", "reservations", "memory", bytes_of),
        ("pids_limit", "limits", "pids", |v| {
            #[allow(clippy::cast_precision_loss)]
            parse_integer(v).map(|i| i as f64)
        }),
    ];
    for (key, kind, field, read) in pairs {
        let Some(written) = body.get(key).and_then(|n| read(&n.value)) else {
            continue;
        };
        let Some(section) = body
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get(kind))
            .filter(|s| s.as_map().is_some())
        else {
            continue;
        };
        let deployed = match section.get(field) {
            Some(node) => match read(&node.value) {
                Some(value) => value,
                None => continue,
            },
            None => 0.0,
        };
        #[allow(clippy::float_cmp)] // both are read from the same kind of text
        if written != deployed {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::ResourceConflict,
                    format!("`{key}` and `deploy.resources.{kind}.{field}` set different values"),
                )
                .at(section.get(field).map_or(section.span, |n| n.span))
                .help(format!(
                    "write the value once: `{key}`, or `{field}` under `deploy.resources.{kind}`"
                )),
            );
        }
    }
}

/// Kubernetes refuses a container whose request is above its limit; compose
/// takes it. Reported at the reservation, wherever each is written.
pub(crate) fn check_requests_within_limits(body: &Node, reader: &mut Reader<'_>) {
    type Read = fn(&Value) -> Option<f64>;
    let deploy = |kind: &str, field: &str| {
        body.get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get(kind))
            .and_then(|k| k.get(field))
    };
    let pairs: [(&str, &str, &str, Read); 2] = [
        ("cpus", "cpus", "", |v| parse_float(v).filter(|f| *f > 0.0)),
        ("mem_limit", "memory", "mem_reservation", |v| {
            if matches!(v, Value::Number(t) if t.trim() == "-1") {
                return None;
            }
            bytes_of(v).filter(|b| *b > 0.0)
        }),
    ];
    for (limit_key, field, request_key, read) in pairs {
        let limit = body
            .get(limit_key)
            .map(|n| (n, limit_key.to_string()))
            .or_else(|| {
                deploy("limits", field).map(|n| (n, format!("deploy.resources.limits.{field}")))
            });
        let request = (!request_key.is_empty())
            .then(|| body.get(request_key).map(|n| (n, request_key.to_string())))
            .flatten()
            .or_else(|| {
                deploy("reservations", field)
                    .map(|n| (n, format!("deploy.resources.reservations.{field}")))
            });
        let (Some((limit, limit_at)), Some((request, request_at))) = (limit, request) else {
            continue;
        };
        let (Some(most), Some(asked)) = (read(&limit.value), read(&request.value)) else {
            continue;
        };
        if asked > most {
            reader.diagnostics.push(
                Diagnostic::error(
                    Code::ResourceConflict,
                    format!("`{request_at}` asks for more than `{limit_at}` allows; Kubernetes refuses a container whose request is above its limit"),
                )
                .at(request.span)
                .help(format!("lower `{request_at}` to at most the limit, or raise `{limit_at}`")),
            );
        }
    }
}

fn bytes_of(value: &Value) -> Option<f64> {
    #[allow(clippy::cast_precision_loss)]
    crate::model::read::parse_size(value).map(|b| b as f64)
}

/// Sets a resource that can be written in two places (`mem_limit` and
/// `deploy.resources.limits.memory`, …); `check_resource_pairs` reports
/// two different values.
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *slot = value;
    }
}

pub(crate) fn read_deploy(node: &Node, service: &mut Service, reader: &mut Reader<'_>) {
    let Some(entries) = reader.map(node, "deploy") else {
        return;
    };
    for (key, value) in entries {
        match key.value.as_str() {
            "replicas" => service.replicas = read_count(value, "deploy.replicas", reader),
            "resources" => {
                let resources = &mut service.resources;
                for (kind, cpu, memory) in [
                    (
                        "limits",
                        &mut resources.cpu_limit,
                        &mut resources.memory_limit,
                    ),
                    (
                        "reservations",
                        &mut resources.cpu_request,
                        &mut resources.memory_request,
                    ),
                ] {
                    let Some(body) = value.get(kind) else {
                        continue;
                    };
                    if let Some(cpus) = body.get("cpus") {
                        let what = format!("deploy.resources.{kind}.cpus");
                        let read = read_cpus(cpus, &what, reader);
                        set_once(cpu, read);
                    }
                    if let Some(node) = body.get("memory") {
                        let what = format!("deploy.resources.{kind}.memory");
                        // compose wants a string here (`512m`), unlike `mem_limit`
                        let read = if matches!(node.value, Value::String(_)) {
                            read_memory(node, &what, reader)
                        } else {
                            reader.type_error(node, &what, "a string such as `512m`");
                            None
                        };
                        set_once(memory, read);
                    }
                }
            }
            "restart_policy" | "update_config" | "rollback_config" | "placement" | "labels"
            | "mode" | "endpoint_mode" => {
                reader.diagnostics.push(
                    Diagnostic::warning(
                        Code::KeyNotCarried,
                        format!(
                            "`deploy.{}` is not carried over: it is a Swarm setting",
                            key.value
                        ),
                    )
                    .at(key.span)
                    .help("set the equivalent on the Deployment by hand if you need it"),
                );
            }
            // an unknown key is refused when the file is loaded (load::schema)
            _ => {}
        }
    }
}
