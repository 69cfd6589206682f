//! Synthetic compose files for the benchmarks and `scripts/bench.sh`.
//!
//! Every service has a preset address, an environment (one entry
//! interpolated), an exposed port of its own (one Pod shares one network
//! namespace, so ports must not clash), a healthcheck, a named volume and a
//! `depends_on` on its predecessor. The podlet variant keeps what podlet
//! accepts: a top-level `name:`, `ports` instead of networks, `expose` and
//! `depends_on`.

use std::fmt::Write as _;

/// Which compose file to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// Every feature podlift converts.
    Full,
    /// What both podlift and podlet accept.
    Podlet,
    /// [`Variant::Full`] with every address in 10.100.0.0/16, inside two
    /// common cluster ranges: two warnings per service.
    Findings,
}

impl Variant {
    /// The variant named `name` (`full` or `podlet`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "full" => Some(Self::Full),
            "podlet" => Some(Self::Podlet),
            "findings" => Some(Self::Findings),
            _ => None,
        }
    }
}

/// The most services [`compose`] can address: fourth octets 1–250 under
/// third octets 100–254 of 169.254.0.0/16.
pub const MAX_SERVICES: usize = 250 * 155;

/// The first service's port; service `i` listens on `FIRST_PORT + i`.
const FIRST_PORT: usize = 10_000;

/// A compose file with `services` services.
///
/// # Panics
/// When `services` exceeds [`MAX_SERVICES`].
pub fn compose(services: usize, variant: Variant) -> String {
    assert!(services <= MAX_SERVICES, "at most {MAX_SERVICES} services");
    let mut out = String::with_capacity(services * 640 + 256);
    out.push_str("name: synthetic\nservices:\n");
    for i in 0..services {
        service(&mut out, i, variant);
    }
    match variant {
        Variant::Full => out.push_str(
            "networks:\n  backend:\n    ipam:\n      config:\n        - subnet: 169.254.0.0/16\n",
        ),
        Variant::Findings => out.push_str(
            "networks:\n  backend:\n    ipam:\n      config:\n        - subnet: 10.100.0.0/16\n",
        ),
        Variant::Podlet => {}
    }
    out.push_str("volumes:\n");
    for i in 0..services {
        let _ = writeln!(out, "  data{i}: {{}}");
    }
    out
}

fn service(out: &mut String, i: usize, variant: Variant) {
    let port = FIRST_PORT + i;
    let _ = write!(
        out,
        "  svc{i}:
    image: registry.example.com/synthetic/app:1.0
    restart: always
    environment:
      SERVICE_INDEX: \"{i}\"
      LOG_LEVEL: ${{LOG_LEVEL:-info}}
      LISTEN_PORT: \"{port}\"
    healthcheck:
      test: [\"CMD\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1:{port}/health\"]
      interval: 10s
      timeout: 2s
      retries: 3
    volumes:
      - data{i}:/var/lib/app
"
    );
    match variant {
        Variant::Full | Variant::Findings => {
            let (prefix, third) = if variant == Variant::Full {
                ("169.254", 100 + i / 250)
            } else {
                ("10.100", i / 250)
            };
            let _ = write!(
                out,
                "    expose: [\"{port}\"]
    networks:
      backend:
        ipv4_address: {prefix}.{third}.{}
",
                1 + i % 250
            );
            if let Some(previous) = i.checked_sub(1) {
                let _ = write!(
                    out,
                    "    depends_on:
      svc{previous}:
        condition: service_healthy
"
                );
            }
        }
        Variant::Podlet => {
            let _ = writeln!(out, "    ports: [\"{port}:{port}\"]");
        }
    }
}
