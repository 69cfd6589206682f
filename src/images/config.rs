//! An image's config blob (Docker's `application/vnd.docker.container.image.v1+json`
//! or the OCI one) read into facts: `Healthcheck` (Docker only; the OCI
//! config has no such field), `ExposedPorts`, `Volumes`, `User`.

use std::time::Duration;

use serde_json::Value;

use crate::images::ImageHealthcheck;
use crate::model::Protocol;

/// What a config blob says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigFacts {
    /// `Healthcheck`.
    pub healthcheck: Option<ImageHealthcheck>,
    /// `ExposedPorts`.
    pub exposed: Vec<(u16, Protocol)>,
    /// `Volumes`.
    pub volumes: Vec<String>,
    /// `User`.
    pub user: Option<String>,
    /// `os`/`architecture`/`variant` of the image (`linux/amd64`).
    pub platform: Option<String>,
}

/// Reads a config blob.
///
/// # Errors
/// It is not a JSON object.
pub fn parse(bytes: &[u8]) -> Result<ConfigFacts, String> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("its config is not JSON: {e}"))?;
    let Some(top) = value.as_object() else {
        return Err("its config is not a JSON object".into());
    };
    let platform = match (
        top.get("os").and_then(Value::as_str),
        top.get("architecture").and_then(Value::as_str),
    ) {
        (Some(os), Some(arch)) => Some(match top.get("variant").and_then(Value::as_str) {
            Some(variant) if !variant.is_empty() => format!("{os}/{arch}/{variant}"),
            _ => format!("{os}/{arch}"),
        }),
        _ => None,
    };
    let Some(config) = top.get("config").and_then(Value::as_object) else {
        return Ok(ConfigFacts {
            platform,
            ..ConfigFacts::default()
        });
    };
    // By number: the blob's keys are a map (Docker writes them sorted as text).
    let mut exposed: Vec<(u16, Protocol)> = config
        .get("ExposedPorts")
        .and_then(Value::as_object)
        .map(|ports| ports.keys().filter_map(|key| exposed_port(key)).collect())
        .unwrap_or_default();
    exposed.sort_by_key(|(port, protocol)| (*port, protocol.as_str()));
    exposed.dedup();
    let volumes = config
        .get("Volumes")
        .and_then(Value::as_object)
        .map(|volumes| volumes.keys().cloned().collect())
        .unwrap_or_default();
    let user = config
        .get("User")
        .and_then(Value::as_str)
        .filter(|user| !user.is_empty())
        .map(String::from);
    let healthcheck = config.get("Healthcheck").and_then(healthcheck);
    Ok(ConfigFacts {
        healthcheck,
        exposed,
        volumes,
        user,
        platform,
    })
}

/// `80/tcp`, `53/udp`, `8080` (tcp).
fn exposed_port(key: &str) -> Option<(u16, Protocol)> {
    let (port, protocol) = key.split_once('/').unwrap_or((key, "tcp"));
    let protocol = match protocol.to_ascii_lowercase().as_str() {
        "tcp" => Protocol::Tcp,
        "udp" => Protocol::Udp,
        "sctp" => Protocol::Sctp,
        _ => return None,
    };
    port.parse().ok().filter(|p| *p > 0).map(|p| (p, protocol))
}

/// Docker's `Healthcheck`: `Test` and durations in nanoseconds.
fn healthcheck(value: &Value) -> Option<ImageHealthcheck> {
    let check = value.as_object()?;
    let test: Vec<String> = check
        .get("Test")
        .and_then(Value::as_array)?
        .iter()
        .filter_map(|word| word.as_str().map(String::from))
        .collect();
    if test.is_empty() {
        return None;
    }
    let nanos = |key: &str| {
        Duration::from_nanos(check.get(key).and_then(Value::as_u64).unwrap_or_default())
    };
    Some(ImageHealthcheck {
        test,
        interval: nanos("Interval"),
        timeout: nanos("Timeout"),
        start_period: nanos("StartPeriod"),
        retries: check
            .get("Retries")
            .and_then(Value::as_u64)
            .and_then(|r| u32::try_from(r).ok())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse;
    use crate::model::Protocol;

    #[test]
    fn docker_config_fields() {
        let config = br#"{"architecture":"amd64","os":"linux","config":{
            "ExposedPorts":{"80/tcp":{},"53/udp":{},"x/tcp":{}},
            "Volumes":{"/data":{}},"User":"app",
            "Healthcheck":{"Test":["CMD-SHELL","wget -q localhost"],"Interval":5000000000,"Retries":3}}}"#;
        let facts = parse(config).unwrap();
        assert_eq!(
            facts.exposed,
            vec![(53, Protocol::Udp), (80, Protocol::Tcp)]
        );
        assert_eq!(facts.volumes, vec!["/data"]);
        assert_eq!(facts.user.as_deref(), Some("app"));
        assert_eq!(facts.platform.as_deref(), Some("linux/amd64"));
        let check = facts.healthcheck.unwrap();
        assert_eq!(check.test, vec!["CMD-SHELL", "wget -q localhost"]);
        assert_eq!(check.interval, Duration::from_secs(5));
        assert_eq!(check.timeout, Duration::ZERO);
        assert_eq!(check.retries, 3);
    }

    #[test]
    fn oci_config_without_healthcheck() {
        let facts = parse(br#"{"config":{"User":""}}"#).unwrap();
        assert_eq!(facts.healthcheck, None);
        assert_eq!(facts.user, None);
        assert!(parse(b"[]").is_err());
        assert!(parse(b"{").is_err());
    }
}
