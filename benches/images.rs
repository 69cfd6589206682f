//! `--inspect-images` from a registry (issue 26): 50 distinct images pushed
//! to a Debian `docker-registry` on 127.0.0.1, config only (no service
//! mounts a volume), read cold (an empty digest cache each time), from the
//! cache while online (one HEAD per tag) and from the cache `--offline`.
//! Targets: cold < 2 s, from the cache < 100 ms.
//!
//! `cargo bench --bench images`; without `/usr/bin/docker-registry` it says
//! so and measures nothing.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::missing_panics_doc,
    clippy::print_stderr,
    clippy::format_push_string
)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{BatchSize, Criterion};
use oci_client::client::{ClientConfig, ClientProtocol, Config, ImageLayer};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use podlift::diagnostic::Diagnostics;
use podlift::images::{self, ImageOptions};
use podlift::load::{self, LoadOptions};
use podlift::model::{self, NameSources, Project};
use podlift::source::Sources;

const IMAGES: usize = 50;

struct Registry {
    child: std::process::Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_registry() -> Option<Registry> {
    if !Path::new("/usr/bin/docker-registry").exists() {
        eprintln!("images: /usr/bin/docker-registry is not installed; nothing measured");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("config.yml");
    std::fs::write(
        &config,
        format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        ),
    )
    .unwrap();
    let child = std::process::Command::new("/usr/bin/docker-registry")
        .arg("serve")
        .arg(&config)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let registry = Registry {
        child,
        port,
        _dir: dir,
    };
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(registry);
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("docker-registry did not listen");
}

/// Pushes `IMAGES` images that differ in their config (a label, a port).
fn push_images(port: u16) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = Client::new(ClientConfig {
        protocol: ClientProtocol::Http,
        ..ClientConfig::default()
    });
    let mut layer = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_size(3);
    header.set_mode(0o644);
    header.set_cksum();
    layer
        .append_data(&mut header, "etc/hi", &b"hi\n"[..])
        .unwrap();
    let layer = layer.into_inner().unwrap();
    let diff_id = ImageLayer::oci_v1(layer.clone(), None).sha256_digest();
    runtime.block_on(async {
        for i in 0..IMAGES {
            let config = serde_json::json!({
                "architecture": "amd64", "os": "linux",
                "config": {
                    "ExposedPorts": {format!("{}/tcp", 8000 + i): {}},
                    "Labels": {"n": i.to_string()},
                    "Healthcheck": {"Test": ["CMD", "true"], "Interval": 1_000_000_000_u64}
                },
                "rootfs": {"type": "layers", "diff_ids": [diff_id]}
            });
            let config = Config {
                data: serde_json::to_vec(&config).unwrap().into(),
                media_type: "application/vnd.docker.container.image.v1+json".into(),
                annotations: None,
            };
            let reference = Reference::with_tag(
                format!("127.0.0.1:{port}"),
                format!("bench/app{i}"),
                "1".into(),
            );
            client
                .push(
                    &reference,
                    &[ImageLayer::oci_v1(layer.clone(), None)],
                    config,
                    &RegistryAuth::Anonymous,
                    None,
                )
                .await
                .unwrap();
        }
    });
}

fn project(port: u16, dir: &Path) -> Project {
    let mut text = String::from("services:\n");
    for i in 0..IMAGES {
        text.push_str(&format!(
            "  s{i}:\n    image: 127.0.0.1:{port}/bench/app{i}:1\n"
        ));
    }
    std::fs::write(dir.join("compose.yaml"), text).unwrap();
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let options = LoadOptions {
        files: vec![dir.join("compose.yaml")],
        working_dir: dir.to_path_buf(),
        interpolate: true,
        ..LoadOptions::default()
    };
    let document = load::load(&options, &mut sources, &mut diagnostics).unwrap();
    let names = NameSources {
        flag: Some("bench".into()),
        ..NameSources::default()
    };
    model::model(document, &names, &BTreeMap::new(), &mut diagnostics)
}

fn inspect_all(project: &Project, options: &ImageOptions) {
    let mut diagnostics = Diagnostics::default();
    let facts = images::inspect(project, options, &mut diagnostics);
    assert_eq!(facts.images.len(), IMAGES, "{:?}", diagnostics.items());
    black_box(facts);
}

fn bench(c: &mut Criterion) {
    let Some(registry) = start_registry() else {
        return;
    };
    push_images(registry.port);
    let dir = tempfile::tempdir().unwrap();
    let project = project(registry.port, dir.path());
    let mut group = c.benchmark_group("images");
    group.sample_size(10);
    group.bench_function("registry-cold-50", |b| {
        b.iter_batched(
            || tempfile::tempdir().unwrap(),
            |cache| {
                let options = ImageOptions {
                    inspect: true,
                    cache_dir: Some(cache.path().join("podlift")),
                    ..ImageOptions::default()
                };
                inspect_all(&project, &options);
            },
            BatchSize::PerIteration,
        );
    });
    let warm = tempfile::tempdir().unwrap();
    let online = ImageOptions {
        inspect: true,
        cache_dir: Some(warm.path().join("podlift")),
        ..ImageOptions::default()
    };
    inspect_all(&project, &online);
    group.bench_function("cache-online-50", |b| {
        b.iter(|| inspect_all(&project, &online))
    });
    let offline = ImageOptions {
        offline: true,
        ..online.clone()
    };
    group.bench_function("cache-offline-50", |b| {
        b.iter(|| inspect_all(&project, &offline))
    });
    group.finish();
}

criterion::criterion_group!(benches, bench);
criterion::criterion_main!(benches);
