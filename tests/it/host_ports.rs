//! A port compose publishes on one host address (`127.0.0.1:3306:3306`) was
//! reachable only from that host: podlift makes no Service for it and says
//! so in one note (issue 14, item 3).

use crate::common;

use serde_json::Value;

use common::Test;

const COMPOSE: &str = r#"services:
  db:
    image: mysql
    ports: ["127.0.0.1:3306:3306"]
  cache:
    image: redis
    ports: ["[::1]:6379:6379"]
  sql:
    image: mssql
    ports: ["${SQL_PORT:-127.0.0.1:13306}:1433"]
  admin:
    image: admin
    ports:
      - target: 8080
        published: "9090"
        host_ip: 127.0.0.1
  web:
    image: web
    ports: ["8080:80", "0.0.0.0:8443:443"]
"#;

fn services(objects: &[Value]) -> Vec<(String, Vec<i64>)> {
    objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| {
            let ports = o["spec"]["ports"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["port"].as_i64().unwrap())
                .collect();
            (o["metadata"]["name"].as_str().unwrap().to_string(), ports)
        })
        .collect()
}

/// Fails on the old main: every one of these ports got a cluster-wide Service.
#[test]
fn ports_on_a_host_address_get_no_service() {
    let dir = common::compose_dir(COMPOSE);
    let run = Test::new()
        .current_dir(dir.path())
        .env_remove("SQL_PORT")
        .args(["convert"])
        .success();
    let objects = run.objects();
    assert_eq!(
        services(&objects),
        [("web".to_string(), vec![8080, 8443])],
        "only ports published on every address get a Service"
    );
    // The containers still declare the ports they listen on.
    let spec = run.pod_spec();
    let declared: Vec<i64> = spec["containers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["ports"].as_array().cloned().unwrap_or_default())
        .map(|p| p["containerPort"].as_i64().unwrap())
        .collect();
    for port in [3306, 6379, 1433, 8080, 80, 443] {
        assert!(declared.contains(&port), "{port} in {declared:?}");
    }
    assert_eq!(
        run.stderr.matches("note[port-host-only]").count(),
        1,
        "{}",
        run.stderr
    );
    for named in [
        "`127.0.0.1:3306:3306/tcp` of `db`",
        "`[::1]:6379:6379/tcp` of `cache`",
        "`127.0.0.1:13306:1433/tcp` of `sql`",
        "`127.0.0.1:9090:8080/tcp` of `admin`",
    ] {
        assert!(run.stderr.contains(named), "{named}: {}", run.stderr);
    }
    assert!(run.stderr.contains("compose.yaml:4:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("to expose one on purpose"),
        "{}",
        run.stderr
    );
}

/// Split: a Service still carries the port for the other Pods (compose's
/// network reached it), but not the host-only published number.
#[test]
fn split_keeps_the_network_port_but_not_the_host_one() {
    let dir = common::compose_dir(COMPOSE);
    let run = Test::new()
        .current_dir(dir.path())
        .env_remove("SQL_PORT")
        .args(["convert", "--strategy", "split"])
        .success();
    let services = services(&run.objects());
    let sql = services.iter().find(|(n, _)| n == "sql").unwrap();
    assert_eq!(sql.1, [1433]);
    let admin = services.iter().find(|(n, _)| n == "admin").unwrap();
    assert_eq!(admin.1, [8080]);
}

#[test]
fn an_invalid_host_address_is_an_error_at_its_line() {
    let dir = common::compose_dir(
        "services:\n  db:\n    image: db\n    ports:\n      - target: 80\n        host_ip: localhost\n",
    );
    let run = Test::new()
        .current_dir(dir.path())
        .args(["convert"])
        .failure(1);
    assert!(run.stderr.contains("error[port-invalid]"), "{}", run.stderr);
    assert!(run.stderr.contains("compose.yaml:6:"), "{}", run.stderr);
}

/// Fails on the old main (minutes in a debug build; a range of 16,000 ports
/// took 5 s, quadratic in its width): two services publishing every port,
/// one on all host addresses and one on a host address only, are checked
/// under each strategy in bounded time.
#[test]
fn a_range_of_every_port_on_two_services_is_checked_in_linear_time() {
    let dir = common::compose_dir(
        "services:\n  a:\n    image: web\n    ports: ['1-65535:1-65535']\n  b:\n    image: dns\n    ports: ['127.0.0.1:1-65535:1-65535/udp']\n",
    );
    for strategy in ["pod", "split", "auto"] {
        let started = std::time::Instant::now();
        let run = Test::new()
            .current_dir(dir.path())
            .args(["check", "--strategy", strategy])
            .run();
        // 65,535 ports make objects past what Kubernetes stores (exit 1),
        // and the host-only ones are named in one note.
        assert_eq!(run.code, 1, "{strategy}: {}", run.stderr);
        assert!(
            run.stderr.contains("object-too-large"),
            "{strategy}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("`127.0.0.1:65535:65535/udp` of `b`"),
            "{strategy}"
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{strategy}: {:?}",
            started.elapsed()
        );
    }
}
