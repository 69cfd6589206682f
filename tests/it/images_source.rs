//! `--inspect-images`, the sources half (issue 26): archives made here
//! (`docker save` layout and OCI layouts, by hand with the `tar` crate) and,
//! further down, real ones from a registry on 127.0.0.1 (Debian
//! `docker-registry`, images built with `buildah`, archives by `skopeo`).
//! Facts are asserted as `images::inspect` returns them (what is carried is
//! tests/it/images_carry.rs), diagnostics and exit codes through the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use podlift::diagnostic::Diagnostics;
use podlift::images::{self, Facts, ImageFacts, ImageOptions, Origin};
use podlift::load::{self, LoadOptions};
use podlift::model::{self, NameSources, Protocol};
use podlift::source::Sources;
use sha2::{Digest as _, Sha256};

use crate::common::{Test, compose_dir};

/// Inspects the images of the compose file in `dir`.
pub fn inspect(dir: &Path, options: &ImageOptions) -> (ImageFacts, Diagnostics) {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();
    let load_options = LoadOptions {
        files: vec![dir.join("compose.yaml")],
        compose_file_env: None,
        working_dir: dir.to_path_buf(),
        env_files: Vec::new(),
        profiles: Vec::new(),
        interpolate: true,
        environment: BTreeMap::new(),
        stdin: None,
        path_separator: None,
        services: Vec::new(),
        exclude: Vec::new(),
        allow_outside: Vec::new(),
    };
    let document = load::load(&load_options, &mut sources, &mut diagnostics).unwrap();
    let names = NameSources {
        flag: Some("t".into()),
        ..NameSources::default()
    };
    let project = model::model(document, &names, &BTreeMap::new(), &mut diagnostics);
    let facts = images::inspect(&project, options, &mut diagnostics);
    (facts, diagnostics)
}

fn codes(diagnostics: &Diagnostics) -> Vec<(&'static str, String)> {
    diagnostics
        .items()
        .iter()
        .filter(|d| d.code.starts_with("image-"))
        .map(|d| (d.code, d.message.clone()))
        .collect()
}

/// A tar of `(path, content)`; a path ending in `/` is a directory.
pub fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut header = tar::Header::new_gnu();
        if path.ends_with('/') {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
        } else {
            header.set_mode(0o644);
        }
        header.set_size(data.len() as u64);
        header.set_cksum();
        builder.append_data(&mut header, path, *data).unwrap();
    }
    builder.into_inner().unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, bytes).unwrap();
    encoder.finish().unwrap()
}

fn digest(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    format!(
        "sha256:{}",
        hash.iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .concat()
    )
}

/// A Docker config blob with these `config` fields.
fn config_blob(config: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "config": config,
        "rootfs": {"type": "layers", "diff_ids": []}
    }))
    .unwrap()
}

fn web_config() -> serde_json::Value {
    serde_json::json!({
        "ExposedPorts": {"80/tcp": {}, "502/tcp": {}},
        "Volumes": {"/var/cache/web": {}},
        "User": "www",
        "Healthcheck": {"Test": ["CMD", "wget", "-q", "localhost"], "Interval": 5_000_000_000_u64, "Timeout": 2_000_000_000_u64, "StartPeriod": 0, "Retries": 4}
    })
}

fn web_layers() -> Vec<Vec<u8>> {
    vec![
        tar_of(&[
            ("etc/", b""),
            (
                "etc/passwd",
                b"root:x:0:0:root:/root:/bin/sh\nwww:x:101:102::/var/www:/bin/false\n",
            ),
            ("usr/share/web/index.html", b"hi"),
            ("usr/share/web/old.html", b"old"),
            ("var/lib/web/state", b""),
        ]),
        gzip(&tar_of(&[
            ("usr/share/web/.wh.old.html", b""),
            ("var/lib/web/.wh..wh..opq", b""),
            ("var/lib/web/fresh", b""),
        ])),
    ]
}

/// A `docker save` archive: `manifest.json`, the config, `ID/layer.tar`.
pub fn docker_archive(tags: &[&str], config: &[u8], layers: &[Vec<u8>]) -> Vec<u8> {
    let config_name = format!("{}.json", &digest(config)[7..]);
    let layer_names: Vec<String> = (0..layers.len())
        .map(|i| format!("l{i}/layer.tar"))
        .collect();
    let manifest = serde_json::to_vec(&serde_json::json!([{
        "Config": config_name, "RepoTags": tags, "Layers": layer_names
    }]))
    .unwrap();
    let mut entries: Vec<(&str, &[u8])> =
        vec![("manifest.json", &manifest), (&config_name, config)];
    for (name, layer) in layer_names.iter().zip(layers) {
        entries.push((name, layer));
    }
    tar_of(&entries)
}

/// An OCI layout's files: `(path, content)`; each image is
/// `(ref.name, platform (os, arch), config, layers)`, all in one index, or
/// in a nested index when `nested` names it.
/// One image of an OCI layout: `ref.name`, `(os, architecture)`, config, layers.
pub type OciImage<'a> = (&'a str, (&'a str, &'a str), Vec<u8>, Vec<Vec<u8>>);

pub fn oci_layout(images: &[OciImage<'_>], nested: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = vec![(
        "oci-layout".into(),
        br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec(),
    )];
    let mut blob = |bytes: Vec<u8>| {
        let d = digest(&bytes);
        let size = bytes.len();
        files.push((format!("blobs/sha256/{}", &d[7..]), bytes));
        (d, size)
    };
    let mut descriptors = Vec::new();
    for (name, (os, arch), config, layers) in images {
        let (config_digest, config_size) = blob(config.clone());
        let layers: Vec<serde_json::Value> = layers
            .iter()
            .map(|l| {
                let (d, s) = blob(l.clone());
                serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": d, "size": s})
            })
            .collect();
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": layers
        }))
        .unwrap();
        let (d, s) = blob(manifest);
        let mut descriptor = serde_json::json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": d, "size": s,
            "platform": {"os": os, "architecture": arch}
        });
        if nested.is_none() {
            descriptor["annotations"] =
                serde_json::json!({"org.opencontainers.image.ref.name": name});
        }
        descriptors.push(descriptor);
    }
    let manifests = match nested {
        Some(name) => {
            let index = serde_json::to_vec(&serde_json::json!({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "manifests": descriptors
            }))
            .unwrap();
            let (d, s) = blob(index);
            vec![serde_json::json!({
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": d, "size": s,
                "annotations": {"org.opencontainers.image.ref.name": name}
            })]
        }
        None => descriptors,
    };
    files.push((
        "index.json".into(),
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "manifests": manifests}))
            .unwrap(),
    ));
    files
}

fn write_tree(dir: &Path, files: &[(String, Vec<u8>)]) {
    for (name, bytes) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn archive_options(archives: Vec<PathBuf>) -> ImageOptions {
    ImageOptions {
        inspect: true,
        archives,
        offline: true,
        ..ImageOptions::default()
    }
}

const WEB_COMPOSE: &str = "services:\n  web:\n    image: web:1\n    volumes: [data:/var/lib/web]\n  other:\n    image: docker.io/library/web:1\nvolumes:\n  data: {}\n";

fn assert_web(facts: &Facts) {
    let check = facts.healthcheck.as_ref().unwrap();
    assert_eq!(check.test, ["CMD", "wget", "-q", "localhost"]);
    assert_eq!(check.interval, Duration::from_secs(5));
    assert_eq!(check.timeout, Duration::from_secs(2));
    assert_eq!(check.retries, 4);
    assert_eq!(facts.exposed, [(80, Protocol::Tcp), (502, Protocol::Tcp)]);
    assert_eq!(facts.volumes, ["/var/cache/web"]);
    assert_eq!(facts.user.as_deref(), Some("www"));
    assert_eq!(
        facts.passwd.as_deref().unwrap(),
        [("root".to_string(), 0, 0), ("www".to_string(), 101, 102)]
    );
    let files = facts.files.as_ref().unwrap();
    assert!(files.paths.contains("/usr/share/web/index.html"));
    assert!(!files.paths.contains("/usr/share/web/old.html"), "whiteout");
    assert!(
        !files.paths.contains("/var/lib/web/state"),
        "opaque directory"
    );
    assert!(files.paths.contains("/var/lib/web/fresh"));
    assert!(files.has_files_under("/var/lib/web"));
    assert!(!files.has_files_under("/srv"));
}

#[test]
fn docker_save_archive_gives_config_and_listing_matched_as_docker_names_images() {
    let dir = compose_dir(WEB_COMPOSE);
    let archive = dir.path().join("web.tar");
    std::fs::write(
        &archive,
        docker_archive(&["web:1"], &config_blob(&web_config()), &web_layers()),
    )
    .unwrap();
    let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![archive.clone()]));
    assert_eq!(codes(&diagnostics), []);
    // `web:1` and `docker.io/library/web:1` are one image.
    for name in ["web:1", "docker.io/library/web:1"] {
        let facts = &facts.images[name];
        assert_eq!(facts.origin, Origin::Archive(archive.clone()));
        assert_eq!(facts.digest, None, "docker save records no manifest digest");
    }
    assert_web(&facts.images["web:1"]);
}

#[test]
fn oci_layout_directory_and_tarball() {
    let layout = oci_layout(
        &[(
            "docker.io/library/web:1",
            ("linux", "amd64"),
            config_blob(&web_config()),
            web_layers(),
        )],
        None,
    );
    let dir = compose_dir(WEB_COMPOSE);
    let layout_dir = dir.path().join("layout");
    write_tree(&layout_dir, &layout);
    let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![layout_dir]));
    assert_eq!(codes(&diagnostics), []);
    assert_web(&facts.images["web:1"]);
    assert!(
        facts.images["web:1"]
            .digest
            .as_deref()
            .unwrap()
            .starts_with("sha256:")
    );

    let entries: Vec<(&str, &[u8])> = layout
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let tarball = dir.path().join("web-oci.tar");
    std::fs::write(&tarball, tar_of(&entries)).unwrap();
    let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![tarball]));
    assert_eq!(codes(&diagnostics), []);
    assert_web(&facts.images["web:1"]);
}

#[test]
fn a_multi_architecture_index_resolves_the_services_platform() {
    let config = |port: &str| config_blob(&serde_json::json!({"ExposedPorts": {port: {}}}));
    let layout = oci_layout(
        &[
            ("", ("linux", "arm64"), config("64/tcp"), vec![tar_of(&[])]),
            ("", ("linux", "amd64"), config("86/tcp"), vec![tar_of(&[])]),
        ],
        Some("multi:1"),
    );
    let dir = compose_dir(
        "services:\n  a:\n    image: multi:1\n  b:\n    image: multi:1\n    platform: linux/arm64\n",
    );
    write_tree(&dir.path().join("l"), &layout);
    let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![dir.path().join("l")]));
    assert_eq!(codes(&diagnostics), []);
    // One reference, two platforms: the first service's wins the key; its
    // platform is the default, linux/amd64.
    assert_eq!(facts.images["multi:1"].exposed, [(86, Protocol::Tcp)]);
    let options = ImageOptions {
        platform: Some("linux/arm64".into()),
        ..archive_options(vec![dir.path().join("l")])
    };
    let (facts, _) = inspect(dir.path(), &options);
    assert_eq!(facts.images["multi:1"].exposed, [(64, Protocol::Tcp)]);
}

#[test]
fn layers_are_read_only_where_a_volume_or_a_user_name_needs_them() {
    let config = config_blob(&serde_json::json!({"User": "1000:1000"}));
    let dir = compose_dir("services:\n  plain:\n    image: plain:1\n");
    let archive = dir.path().join("a.tar");
    std::fs::write(
        &archive,
        docker_archive(&["plain:1"], &config, &web_layers()),
    )
    .unwrap();
    let (facts, _) = inspect(dir.path(), &archive_options(vec![archive]));
    assert_eq!(facts.images["plain:1"].files, None);
    assert_eq!(facts.images["plain:1"].passwd, None);
    assert_eq!(facts.images["plain:1"].user.as_deref(), Some("1000:1000"));
}

#[test]
fn without_inspect_images_no_archive_is_read() {
    let dir = compose_dir(WEB_COMPOSE);
    let options = ImageOptions {
        inspect: false,
        ..archive_options(vec![dir.path().join("missing.tar")])
    };
    let (facts, diagnostics) = inspect(dir.path(), &options);
    assert!(facts.images.is_empty());
    assert_eq!(codes(&diagnostics), []);
}

#[test]
fn hostile_archives_are_refused_with_the_reason() {
    let dir = compose_dir("services:\n  web:\n    image: web:1\n");
    let unreadable = "image-archive-unreadable";
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("empty.tar", tar_of(&[("x", b"")]), unreadable, "neither a `docker save` archive"),
        ("garbage.tar", vec![7; 4096], unreadable, "not a tar archive"),
        ("bad-manifest.tar", tar_of(&[("manifest.json", b"{")]), unreadable, "`manifest.json` is not a list"),
        (
            "escape-oci.tar",
            tar_of(&[("index.json", br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../etc/passwd","size":1}]}"#)]),
            unreadable,
            "../../etc/passwd",
        ),
        (
            "escape-docker.tar",
            tar_of(&[("manifest.json", br#"[{"Config":"../../etc/passwd","RepoTags":["web:1"],"Layers":[]}]"#)]),
            "image-not-inspected",
            "`--image-archive",
        ),
        (
            "missing-config.tar",
            tar_of(&[("manifest.json", br#"[{"Config":"c.json","RepoTags":["web:1"],"Layers":[]}]"#)]),
            "image-not-inspected",
            "it has no member `c.json`",
        ),
    ];
    for (name, bytes, code, why) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![path]));
        assert!(facts.images.is_empty(), "{name}");
        let found = codes(&diagnostics);
        assert!(
            found.iter().any(|(c, m)| c == &code && m.contains(why)),
            "{name}: {found:?}"
        );
    }
    // A FIFO is never opened (it would block).
    let fifo = dir.path().join("fifo.tar");
    if std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        let (_, diagnostics) = inspect(dir.path(), &archive_options(vec![fifo]));
        assert!(
            codes(&diagnostics)
                .iter()
                .any(|(c, m)| *c == "image-archive-unreadable" && m.contains("not a regular file"))
        );
    }
}

#[cfg(unix)]
#[test]
fn a_link_inside_an_oci_layout_is_not_followed() {
    let layout = oci_layout(
        &[(
            "web:1",
            ("linux", "amd64"),
            config_blob(&web_config()),
            web_layers(),
        )],
        None,
    );
    let dir = compose_dir("services:\n  web:\n    image: web:1\n");
    let root = dir.path().join("l");
    write_tree(&root, &layout);
    // The config blob replaced by a link to a file outside the layout.
    let config = &layout
        .iter()
        .find(|(n, b)| n.starts_with("blobs/") && b.starts_with(b"{\"architecture"))
        .unwrap()
        .0;
    std::fs::write(
        dir.path().join("outside"),
        config_blob(&serde_json::json!({"User": "evil"})),
    )
    .unwrap();
    std::fs::remove_file(root.join(config)).unwrap();
    std::os::unix::fs::symlink(dir.path().join("outside"), root.join(config)).unwrap();
    let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![root]));
    assert!(facts.images.is_empty());
    let found = codes(&diagnostics);
    assert!(
        found
            .iter()
            .any(|(c, m)| *c == "image-not-inspected" && m.contains("`web:1`")),
        "{found:?}"
    );
}

#[test]
fn cli_offline_names_each_image_not_inspected_and_strict_fails() {
    let dir = compose_dir(
        "services:\n  a:\n    image: nowhere.invalid/a:1\n  b:\n    image: nowhere.invalid/a:1\n  c:\n    image: c:2\n",
    );
    let cache = tempfile::tempdir().unwrap();
    let run = Test::new()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
        .args(["check", "--inspect-images", "--offline"])
        .success();
    assert_eq!(
        run.stderr.matches("warning[image-not-inspected]").count(),
        2,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("image `nowhere.invalid/a:1` was not inspected")
    );
    assert!(run.stderr.contains("image `c:2` was not inspected"));
    let run = Test::new()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
        .args(["check", "--inspect-images", "--offline", "--strict"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    // An archive named and unreadable is an error (and no registry is asked).
    let run = Test::new()
        .current_dir(dir.path())
        .args([
            "check",
            "--inspect-images",
            "--image-archive",
            "missing.tar",
        ])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[image-archive-unreadable]"),
        "{}",
        run.stderr
    );
    // The image flags need `--inspect-images`.
    Test::new()
        .current_dir(dir.path())
        .args(["check", "--offline"])
        .failure(2);
    Test::new()
        .current_dir(dir.path())
        .args(["check", "--inspect-images", "--platform", "linux"])
        .failure(2);
}
