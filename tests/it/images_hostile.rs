//! `--inspect-images` against hostile sources (red team, issue 26): a
//! registry on 127.0.0.1 that lies about what it sends, archives whose image
//! facts need the layers read, a cache directory others can write.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use podlift::diagnostic::Code;
use podlift::images::ImageOptions;

use crate::common::{Test, compose_dir};
use crate::images_source::{codes, config_blob, digest, docker_archive, inspect, tar_of};

/// What the fake registry answers for one path.
pub type Answer = (Vec<(String, String)>, Body);

pub enum Body {
    Bytes(Vec<u8>),
    /// `n` bytes of spaces, streamed, with no `Content-Length`.
    Endless(usize),
}

/// A registry on 127.0.0.1 answering `answers` by path (`/v2/` is `{}`);
/// it serves at most 32 connections, each within 20 s, then stops.
pub fn fake_registry(answers: Vec<(String, Answer)>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(32) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
            let _ = stream.set_write_timeout(Some(Duration::from_secs(20)));
            let mut request = Vec::new();
            let mut byte = [0_u8; 1];
            while !request.ends_with(b"\r\n\r\n") && request.len() < 65_536 {
                match stream.read(&mut byte) {
                    Ok(1) => request.push(byte[0]),
                    _ => break,
                }
            }
            let text = String::from_utf8_lossy(&request).to_string();
            let mut words = text.split_whitespace();
            let method = words.next().unwrap_or_default().to_string();
            let path = words.next().unwrap_or_default().to_string();
            let found = answers.iter().find(|(p, _)| *p == path).map(|(_, a)| a);
            let head = |status: &str, headers: &[(String, String)], length: Option<usize>| {
                let mut text = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
                for (name, value) in headers {
                    let _ = write!(text, "{name}: {value}\r\n");
                }
                if let Some(length) = length {
                    let _ = write!(text, "Content-Length: {length}\r\n");
                }
                text.push_str("\r\n");
                text
            };
            let _ = match (path.as_str(), found) {
                ("/v2/", _) => stream
                    .write_all(
                        head(
                            "200 OK",
                            &[("Content-Type".into(), "application/json".into())],
                            Some(2),
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| stream.write_all(b"{}")),
                (_, Some((headers, Body::Bytes(body)))) => stream
                    .write_all(head("200 OK", headers, Some(body.len())).as_bytes())
                    .and_then(|()| {
                        if method == "HEAD" {
                            Ok(())
                        } else {
                            stream.write_all(body)
                        }
                    }),
                (_, Some((headers, Body::Endless(n)))) => {
                    let chunk = vec![b' '; 65_536];
                    let mut result = stream.write_all(head("200 OK", headers, None).as_bytes());
                    let mut sent = 0;
                    while result.is_ok() && sent < *n {
                        result = stream.write_all(&chunk);
                        sent += chunk.len();
                    }
                    result
                }
                (_, None) => stream.write_all(head("404 Not Found", &[], Some(0)).as_bytes()),
            };
        }
    });
    port
}

fn manifest_answers(
    config_digest: &str,
    config_size: usize,
    layers: &[Vec<u8>],
) -> (Vec<u8>, Vec<(String, Answer)>) {
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": layers.iter().map(|l| serde_json::json!({
            "mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(l), "size": l.len()
        })).collect::<Vec<_>>(),
    }))
    .unwrap();
    let headers = vec![
        (
            "Content-Type".to_string(),
            "application/vnd.oci.image.manifest.v1+json".to_string(),
        ),
        ("Docker-Content-Digest".to_string(), digest(&manifest)),
    ];
    let mut answers = vec![(
        "/v2/a/manifests/1".to_string(),
        (headers, Body::Bytes(manifest.clone())),
    )];
    for layer in layers {
        answers.push((
            format!("/v2/a/blobs/{}", digest(layer)),
            (Vec::new(), Body::Bytes(layer.clone())),
        ));
    }
    (manifest, answers)
}

fn registry_options() -> ImageOptions {
    ImageOptions {
        inspect: true,
        ..ImageOptions::default()
    }
}

#[test]
fn a_config_blob_longer_than_its_bound_is_not_read_whole() {
    // The manifest says 2 bytes; the registry sends 64 MiB and more.
    let declared = b"{}";
    let (_, mut answers) = manifest_answers(&digest(declared), declared.len(), &[]);
    answers.push((
        format!("/v2/a/blobs/{}", digest(declared)),
        (Vec::new(), Body::Endless(64 * 1024 * 1024)),
    ));
    let port = fake_registry(answers);
    let dir = compose_dir(&format!(
        "services:\n  a:\n    image: 127.0.0.1:{port}/a:1\n"
    ));
    let (facts, diagnostics) = inspect(dir.path(), &registry_options());
    assert!(facts.images.is_empty());
    let codes = codes(&diagnostics);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert_eq!(codes[0].0, Code::ImageNotInspected);
    assert!(
        codes[0].1.contains(&format!(
            "its config is larger than {} bytes",
            podlift::images::MAX_CONFIG_BYTES
        )),
        "{codes:?}"
    );
}

#[test]
fn a_manifest_longer_than_its_bound_is_not_read_whole() {
    // oci-client read a manifest's body whole, bounded only by the minute:
    // an endless one (no `Content-Length`), or one that says it is huge.
    let headers = vec![(
        "Content-Type".to_string(),
        "application/vnd.oci.image.manifest.v1+json".to_string(),
    )];
    let huge = vec![b' '; podlift::images::MAX_MANIFEST_BYTES + 1];
    for body in [Body::Endless(1024 * 1024 * 1024), Body::Bytes(huge)] {
        let port = fake_registry(vec![(
            "/v2/a/manifests/1".to_string(),
            (headers.clone(), body),
        )]);
        let dir = compose_dir(&format!(
            "services:\n  a:\n    image: 127.0.0.1:{port}/a:1\n"
        ));
        let started = std::time::Instant::now();
        let (facts, diagnostics) = inspect(dir.path(), &registry_options());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
        assert!(facts.images.is_empty());
        let codes = codes(&diagnostics);
        assert_eq!(codes.len(), 1, "{codes:?}");
        assert_eq!(codes[0].0, Code::ImageNotInspected);
        assert!(
            codes[0].1.contains(&format!(
                "image `127.0.0.1:{port}/a:1` was not inspected: its manifest is larger than {} bytes",
                podlift::images::MAX_MANIFEST_BYTES
            )),
            "{codes:?}"
        );
    }
}

/// An image whose `VOLUME /data` holds files, in a `docker save` archive.
fn volume_image(dir: &Path) -> std::path::PathBuf {
    let config = config_blob(&serde_json::json!({"Volumes": {"/data": {}}}));
    let layers = vec![tar_of(&[
        ("bin/sh", b""),
        ("bin/cp", b""),
        ("data/", b""),
        ("data/seed.db", b"seed"),
    ])];
    let archive = dir.join("img.tar");
    std::fs::write(&archive, docker_archive(&["vol:1"], &config, &layers)).unwrap();
    archive
}

#[test]
fn an_image_volume_with_files_is_filled_without_a_compose_mount() {
    let dir = compose_dir("services:\n  a:\n    image: vol:1\n");
    let archive = volume_image(dir.path());
    let (facts, _) = inspect(
        dir.path(),
        &ImageOptions {
            inspect: true,
            offline: true,
            archives: vec![archive.clone()],
            ..ImageOptions::default()
        },
    );
    let files = facts.images["vol:1"].files.as_ref().expect("layers read");
    assert!(files.has_files_under("/data"));
    // Docker copies the image's files into the anonymous volume: so does
    // the Pod, by a copy-up init container.
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "convert",
            "--inspect-images",
            "--offline",
            "--image-archive",
            archive.to_str().unwrap(),
        ])
        .success();
    assert!(
        run.stdout.contains("name: podlift-copy-up-1"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("note[image-copy-up]"), "{}", run.stderr);
}

#[test]
fn an_image_volume_is_the_path_docker_mounts_never_a_second_mount_over_a_compose_one() {
    // Docker cleans a `VOLUME` path (`/data/.` is `/data`); left as written,
    // it was a second mount, an emptyDir over the named volume at the same
    // place in the container, and the data went with the Pod.
    let config = config_blob(&serde_json::json!({"Volumes": {
        "/data/.": {}, "/srv//cache/": {}, "/x/../etc": {}, "/..": {}
    }}));
    let dir = compose_dir(
        "services:\n  a:\n    image: vol:1\n    volumes: [\"keep:/data\"]\nvolumes:\n  keep: {}\n",
    );
    let archive = dir.path().join("img.tar");
    std::fs::write(
        &archive,
        docker_archive(&["vol:1"], &config, &[tar_of(&[("etc/hosts", b"")])]),
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "convert",
            "--inspect-images",
            "--offline",
            "--image-archive",
            archive.to_str().unwrap(),
        ])
        .success();
    let mut paths: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("- mountPath: "))
        .collect();
    paths.sort_unstable();
    assert_eq!(paths, ["/data", "/etc", "/srv/cache"], "{}", run.stdout);
}

#[test]
fn a_layer_whose_content_is_not_its_digest_is_refused() {
    // The manifest names layer `a`; the registry sends `b` under its digest.
    // The tar reader stops at the archive's end marker, before the download's
    // digest check, so `b`'s listing (no files at `/data`: no copy-up; a
    // `/etc/passwd` of its choosing) was taken as the image's.
    let config = config_blob(&serde_json::json!({"Volumes": {"/data": {}}}));
    let named = tar_of(&[("data/seed", b"x")]);
    let sent = tar_of(&[("etc/passwd", b"root:x:0:0::/:/bin/sh\n")]);
    let (_, mut answers) =
        manifest_answers(&digest(&config), config.len(), std::slice::from_ref(&named));
    answers.retain(|(path, _)| !path.contains("/blobs/"));
    answers.push((
        format!("/v2/a/blobs/{}", digest(&config)),
        (Vec::new(), Body::Bytes(config.clone())),
    ));
    answers.push((
        format!("/v2/a/blobs/{}", digest(&named)),
        (Vec::new(), Body::Bytes(sent)),
    ));
    let port = fake_registry(answers);
    let dir = compose_dir(&format!(
        "services:\n  a:\n    image: 127.0.0.1:{port}/a:1\n"
    ));
    let (facts, diagnostics) = inspect(dir.path(), &registry_options());
    let codes = codes(&diagnostics);
    assert!(facts.images.is_empty(), "{:?} {codes:?}", facts.images);
    assert_eq!(codes.len(), 1, "{codes:?}");
    assert!(codes[0].1.contains("digest"), "{codes:?}");
}

#[test]
fn a_relative_home_never_makes_the_project_directory_the_cache() {
    // With `HOME=.` the cache was `./.cache/podlift`: a project could ship
    // an entry there for the digest its compose file pins, and podlift
    // believed it (here `USER 1000` made `runAsNonRoot: true`).
    let pinned = format!("sha256:{}", "ab".repeat(32));
    let dir = compose_dir(&format!("services:\n  a:\n    image: app@{pinned}\n"));
    let images = dir.path().join(".cache/podlift/images");
    std::fs::create_dir_all(&images).unwrap();
    #[cfg(unix)]
    for sub in [".cache", ".cache/podlift", ".cache/podlift/images"] {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(dir.path().join(sub), std::fs::Permissions::from_mode(0o700))
            .unwrap();
    }
    let entry =
        serde_json::json!({"config": r#"{"config":{"User":"1000"}}"#, "layers_read": false});
    std::fs::write(
        images.join(format!("sha256-{}.json", "ab".repeat(32))),
        entry.to_string(),
    )
    .unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .env("HOME", ".")
        .env_remove("XDG_CACHE_HOME")
        .args(["convert", "--inspect-images", "--offline"])
        .success();
    assert!(!run.stdout.contains("runAsNonRoot: true"), "{}", run.stdout);
    assert!(
        run.stderr.contains("warning[image-not-inspected]"),
        "{}",
        run.stderr
    );
}
