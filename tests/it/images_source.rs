//! `--inspect-images`, the sources half (issue 26): archives made here
//! (`docker save` layout and OCI layouts, by hand with the `tar` crate) and,
//! further down, real ones from a registry on 127.0.0.1 (Debian
//! `docker-registry`, images built with `buildah`, archives by `skopeo`).
//! Facts are asserted as `images::inspect` returns them (what is carried is
//! tests/it/images_carry.rs), diagnostics and exit codes through the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use podlift::diagnostic::{Code, Diagnostics};
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
        working_dir: dir.to_path_buf(),
        interpolate: true,
        ..LoadOptions::default()
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

pub fn codes(diagnostics: &Diagnostics) -> Vec<(Code, String)> {
    diagnostics
        .items()
        .iter()
        .filter(|d| d.code.as_str().starts_with("image-"))
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

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, bytes).unwrap();
    encoder.finish().unwrap()
}

pub fn digest(bytes: &[u8]) -> String {
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
pub fn config_blob(config: &serde_json::Value) -> Vec<u8> {
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
    let unreadable = Code::ImageArchiveUnreadable;
    let cases: Vec<(&str, Vec<u8>, Code, &str)> = vec![
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
            Code::ImageNotInspected,
            "`--image-archive",
        ),
        (
            "missing-config.tar",
            tar_of(&[("manifest.json", br#"[{"Config":"c.json","RepoTags":["web:1"],"Layers":[]}]"#)]),
            Code::ImageNotInspected,
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
            codes(&diagnostics).iter().any(
                |(c, m)| *c == Code::ImageArchiveUnreadable && m.contains("not a regular file")
            )
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
            .any(|(c, m)| *c == Code::ImageNotInspected && m.contains("`web:1`")),
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

// ---------------------------------------------------------------------------
// Real images: a registry on 127.0.0.1, images built by buildah, archives by
// skopeo. Only 127.0.0.1 is ever connected to.

/// A `docker-registry` on a free port of 127.0.0.1, with its own config and
/// storage; stopped by its pid when dropped.
pub struct Registry {
    child: std::process::Child,
    pub port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Starts one; `None` (a skip, a failure under `CI=true`) without the tool.
    pub fn start() -> Option<Self> {
        Self::start_with(None)
    }

    /// Starts one that asks for a login: `htpasswd` is `user:bcrypt`.
    pub fn start_with(htpasswd: Option<&str>) -> Option<Self> {
        if !Path::new("/usr/bin/docker-registry").exists() {
            crate::common::skip(
                "`docker-registry` is not installed (Debian package docker-registry)",
            );
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = dir.path().join("config.yml");
        let mut text = format!(
            "version: 0.1\nlog:\n  level: info\nstorage:\n  filesystem:\n    rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n",
            dir.path().join("data").display()
        );
        if let Some(line) = htpasswd {
            std::fs::write(dir.path().join("htpasswd"), format!("{line}\n")).unwrap();
            let auth = format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                dir.path().join("htpasswd").display()
            );
            text.push_str(&auth);
        }
        std::fs::write(&config, text).unwrap();
        let log = dir.path().join("log");
        let output = std::fs::File::create(&log).unwrap();
        let child = std::process::Command::new("/usr/bin/docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(output.try_clone().unwrap())
            .stderr(output)
            .spawn()
            .unwrap();
        let registry = Self {
            child,
            port,
            log,
            _dir: dir,
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(registry);
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("docker-registry did not listen on 127.0.0.1:{port}");
    }

    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The requests its log shows (`GET /v2/…`, `HEAD /v2/…`).
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("\"GET /v2") || l.contains("\"HEAD /v2"))
            .map(String::from)
            .collect()
    }

    /// Pushes a built image (buildah's name) as `NAME:TAG` here.
    pub fn push(&self, built: &Built, image: &str, name: &str) {
        self.push_as(built, image, name, None);
    }

    /// [`Registry::push`] with `user:password`.
    pub fn push_as(&self, built: &Built, image: &str, name: &str, creds: Option<&str>) {
        let mut command = built.buildah();
        command.args(["push", "--tls-verify=false"]);
        if let Some(creds) = creds {
            command.args(["--creds", creds]);
        }
        let status = command
            .arg(image)
            .arg(format!("docker://{}/{name}", self.host()))
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "buildah push: {}",
            String::from_utf8_lossy(&status.stderr)
        );
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Images built once per test run with buildah, offline: a base `FROM
/// scratch` with busybox-static and an `/etc/passwd`, and `localhost/web:1`
/// on it with EXPOSE, VOLUME, USER (a name), HEALTHCHECK and files.
pub struct Built {
    root: PathBuf,
}

impl Built {
    fn buildah(&self) -> std::process::Command {
        let mut command = std::process::Command::new("buildah");
        command
            .arg("--root")
            .arg(self.root.join("root"))
            .arg("--runroot")
            .arg(self.root.join("run"))
            .args(["--storage-driver", "vfs"]);
        command
    }
}

pub fn built() -> Option<&'static Built> {
    static BUILT: std::sync::OnceLock<Option<Built>> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            for tool in ["/usr/bin/buildah", "/bin/busybox"] {
                if !Path::new(tool).exists() {
                    crate::common::skip(&format!("`{tool}` is not installed (buildah, busybox-static)"));
                    return None;
                }
            }
            let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("images-source");
            let ctx = root.join("ctx");
            std::fs::create_dir_all(ctx.join("site")).unwrap();
            std::fs::copy("/bin/busybox", ctx.join("busybox")).unwrap();
            std::fs::write(ctx.join("passwd"), "root:x:0:0:root:/root:/bin/sh\nweb:x:101:102::/srv:/bin/sh\n").unwrap();
            std::fs::write(ctx.join("group"), "root:x:0:\nweb:x:102:\nstaff:x:50:web\n").unwrap();
            std::fs::write(ctx.join("site/index.html"), "hi\n").unwrap();
            std::fs::write(ctx.join("Base"), "FROM scratch\nCOPY busybox /bin/busybox\nCOPY passwd /etc/passwd\nCOPY group /etc/group\n").unwrap();
            std::fs::write(
                ctx.join("Web"),
                "FROM localhost/podlift-test-base:1\nCOPY site /srv/www\nEXPOSE 80/tcp 502\nVOLUME /var/cache/web\nUSER web\n\
                 HEALTHCHECK --interval=5s --timeout=2s --retries=4 CMD [\"/bin/busybox\", \"wget\", \"-q\", \"-O-\", \"http://127.0.0.1/\"]\n",
            )
            .unwrap();
            let built = Built { root };
            for (file, tag) in [("Base", "localhost/podlift-test-base:1"), ("Web", "localhost/web:1")] {
                let out = built
                    .buildah()
                    .args(["bud", "--format", "docker", "--pull=never", "-f"])
                    .arg(ctx.join(file))
                    .args(["-t", tag])
                    .arg(&ctx)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "buildah bud: {}", String::from_utf8_lossy(&out.stderr));
            }
            Some(built)
        })
        .as_ref()
}

fn registry_with_web() -> Option<(Registry, &'static Built)> {
    let built = built()?;
    let registry = Registry::start()?;
    registry.push(built, "localhost/web:1", "web:1");
    Some((registry, built))
}

fn assert_built_web(facts: &Facts) {
    let check = facts.healthcheck.as_ref().unwrap();
    assert_eq!(
        check.test,
        [
            "CMD",
            "/bin/busybox",
            "wget",
            "-q",
            "-O-",
            "http://127.0.0.1/"
        ]
    );
    assert_eq!(check.interval, Duration::from_secs(5));
    assert_eq!(check.timeout, Duration::from_secs(2));
    assert_eq!(check.retries, 4);
    assert_eq!(facts.exposed, [(80, Protocol::Tcp), (502, Protocol::Tcp)]);
    assert_eq!(facts.volumes, ["/var/cache/web"]);
    assert_eq!(facts.user.as_deref(), Some("web"));
    assert_eq!(
        facts.passwd.as_deref().unwrap(),
        [("root".to_string(), 0, 0), ("web".to_string(), 101, 102)]
    );
    assert_eq!(
        facts.group.as_deref().unwrap(),
        [
            ("root".to_string(), 0),
            ("web".to_string(), 102),
            ("staff".to_string(), 50)
        ]
    );
    let files = facts.files.as_ref().unwrap();
    assert!(
        files.paths.contains("/srv/www/index.html"),
        "{:?}",
        files.paths
    );
    assert!(files.paths.contains("/bin/busybox"));
}

fn registry_compose(host: &str) -> String {
    format!(
        "services:\n  web:\n    image: {host}/web:1\n    volumes: [site:/srv/www]\nvolumes:\n  site: {{}}\n"
    )
}

#[test]
fn a_registry_on_loopback_gives_the_facts_and_fills_the_cache() {
    let Some((registry, _)) = registry_with_web() else {
        return;
    };
    let dir = compose_dir(&registry_compose(&registry.host()));
    let cache = tempfile::tempdir().unwrap();
    let options = ImageOptions {
        inspect: true,
        cache_dir: Some(cache.path().join("podlift")),
        ..ImageOptions::default()
    };
    let image = format!("{}/web:1", registry.host());
    let (facts, diagnostics) = inspect(dir.path(), &options);
    assert_eq!(codes(&diagnostics), []);
    let web = &facts.images[&image];
    assert_eq!(web.origin, Origin::Registry(registry.host()));
    assert_built_web(web);
    let digest = web.digest.clone().unwrap();
    let before = registry.requests().len();

    // Again: the tag is asked (one HEAD), the rest comes from the cache.
    let (facts, _) = inspect(dir.path(), &options);
    assert_eq!(facts.images[&image].origin, Origin::Cache);
    assert_built_web(&facts.images[&image]);
    let asked: Vec<String> = registry.requests().split_off(before);
    // The API probe and one HEAD of the tag; no manifest or blob is read.
    assert!(
        asked
            .iter()
            .any(|l| l.contains("\"HEAD /v2/web/manifests/1 ")),
        "{asked:#?}"
    );
    assert!(
        asked
            .iter()
            .all(|l| l.contains("\"HEAD /v2/web/manifests/1 ") || l.contains("\"GET /v2/ ")),
        "{asked:#?}"
    );

    // `--offline`, and a digest written in the compose file: no request.
    let before = registry.requests().len();
    let offline = ImageOptions {
        offline: true,
        ..options.clone()
    };
    let (facts, diagnostics) = inspect(dir.path(), &offline);
    assert_eq!(codes(&diagnostics), []);
    assert_eq!(facts.images[&image].origin, Origin::Cache);
    let pinned = compose_dir(&format!(
        "services:\n  web:\n    image: {}/web@{digest}\n",
        registry.host()
    ));
    let (facts, _) = inspect(pinned.path(), &options);
    assert_eq!(
        facts.images[&format!("{}/web@{digest}", registry.host())].origin,
        Origin::Cache
    );
    assert_eq!(registry.requests().len(), before);
}

#[test]
fn without_inspect_images_the_registry_gets_no_request() {
    let Some((registry, _)) = registry_with_web() else {
        return;
    };
    let before = registry.requests().len();
    let dir = compose_dir(&registry_compose(&registry.host()));
    let cache = tempfile::tempdir().unwrap();
    for args in [
        &["convert"][..],
        &["check"],
        &["plan"],
        &["check", "--inspect-images", "--offline"],
    ] {
        Test::new()
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
            .args(args)
            .success();
    }
    assert_eq!(registry.requests().split_off(before), Vec::<String>::new());
    // With it, the registry is asked (the same log shows it).
    Test::new()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
        .args(["check", "--inspect-images"])
        .success();
    assert!(registry.requests().len() > before);
}

#[test]
fn a_registry_down_is_one_warning_per_image_and_the_conversion_goes_on() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = compose_dir(&format!(
        "services:\n  a:\n    image: 127.0.0.1:{port}/a:1\n  b:\n    image: 127.0.0.1:{port}/a:1\n  c:\n    image: 127.0.0.1:{port}/c:1\n"
    ));
    let cache = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let run = Test::new()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
        .args(["convert", "--inspect-images"])
        .success();
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(
        run.stderr.matches("warning[image-not-inspected]").count(),
        2,
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!(
        "image `127.0.0.1:{port}/c:1` was not inspected: registry `127.0.0.1:{port}`"
    )));
    assert!(run.stdout.contains("kind: Deployment"));
    let run = Test::new()
        .current_dir(dir.path())
        .env("XDG_CACHE_HOME", cache.path().to_str().unwrap())
        .args(["check", "--inspect-images", "--strict"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn skopeo_archives_give_what_the_registry_gives() {
    let Some((registry, _)) = registry_with_web() else {
        return;
    };
    if !Path::new("/usr/bin/skopeo").exists() {
        crate::common::skip("`skopeo` is not installed");
        return;
    }
    let dir = compose_dir(
        "services:\n  web:\n    image: web:1\n    volumes: [site:/srv/www]\nvolumes:\n  site: {}\n",
    );
    for (transport, file) in [
        ("docker-archive", "web.tar"),
        ("oci-archive", "web-oci.tar"),
    ] {
        let out = std::process::Command::new("skopeo")
            .args(["copy", "--src-tls-verify=false"])
            .arg(format!("docker://{}/web:1", registry.host()))
            .arg(format!(
                "{transport}:{}:web:1",
                dir.path().join(file).display()
            ))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "skopeo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // docker-archive keeps Docker's config, HEALTHCHECK included.
    let (facts, diagnostics) = inspect(
        dir.path(),
        &archive_options(vec![dir.path().join("web.tar")]),
    );
    assert_eq!(codes(&diagnostics), []);
    assert_built_web(&facts.images["web:1"]);
    // skopeo's oci-archive converts the config to the OCI one, which has no
    // `Healthcheck`: everything else is there (docs/images.md says so).
    let (facts, diagnostics) = inspect(
        dir.path(),
        &archive_options(vec![dir.path().join("web-oci.tar")]),
    );
    assert_eq!(codes(&diagnostics), []);
    let mut web = facts.images["web:1"].clone();
    assert_eq!(web.healthcheck, None);
    assert!(web.digest.as_deref().unwrap().starts_with("sha256:"));
    web.healthcheck
        .clone_from(&facts_of_docker_archive(&dir).healthcheck);
    assert_built_web(&web);
}

fn facts_of_docker_archive(dir: &tempfile::TempDir) -> Facts {
    let (facts, _) = inspect(
        dir.path(),
        &archive_options(vec![dir.path().join("web.tar")]),
    );
    facts.images["web:1"].clone()
}

#[cfg(unix)]
#[test]
fn logins_come_from_docker_config_and_credential_helpers() {
    let Some(built) = built() else { return };
    // bcrypt (cost 4) of `pw`, made once with Python's `crypt`.
    let Some(registry) = Registry::start_with(Some(
        "podlift:$2b$04$Zk7k5PTYQQt6Kl66vDevdO4nlkEVTH1ncSLdb0BFh6AE8PcyKbSx6",
    )) else {
        return;
    };
    registry.push_as(built, "localhost/web:1", "web:1", Some("podlift:pw"));
    let dir = compose_dir(&format!(
        "services:\n  web:\n    image: {}/web:1\n",
        registry.host()
    ));
    let home = tempfile::tempdir().unwrap();
    let run = |env: &[(&str, String)]| {
        let mut test = Test::new()
            .current_dir(dir.path())
            .env("HOME", home.path().to_str().unwrap())
            .args(["check", "--inspect-images"]);
        for key in ["DOCKER_CONFIG", "REGISTRY_AUTH_FILE", "XDG_CACHE_HOME"] {
            if !env.iter().any(|(k, _)| *k == key) {
                test = test.env_remove(key);
            }
        }
        for (k, v) in env {
            test = test.env(k, v);
        }
        test.success()
    };
    // Anonymous: refused, one warning naming the image.
    let refused = run(&[]);
    assert!(
        refused.stderr.contains("warning[image-not-inspected]"),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains(&format!("`{}/web:1`", registry.host()))
    );

    // `$DOCKER_CONFIG/config.json` auths (base64 of `podlift:pw`).
    let docker = tempfile::tempdir().unwrap();
    std::fs::write(
        docker.path().join("config.json"),
        format!(
            r#"{{"auths":{{"{}":{{"auth":"cG9kbGlmdDpwdw=="}}}}}}"#,
            registry.host()
        ),
    )
    .unwrap();
    let cache_a = tempfile::tempdir().unwrap();
    let ok = run(&[
        ("DOCKER_CONFIG", docker.path().display().to_string()),
        ("XDG_CACHE_HOME", cache_a.path().display().to_string()),
    ]);
    assert!(!ok.stderr.contains("image-not-inspected"), "{}", ok.stderr);

    // A credential helper on PATH, named by `credHelpers`, in REGISTRY_AUTH_FILE's format.
    let bin = tempfile::tempdir().unwrap();
    let helper = bin.path().join("docker-credential-podlifttest");
    std::fs::write(
        &helper,
        "#!/bin/sh\nread server\n[ \"$1\" = get ] || exit 1\nprintf '{\"ServerURL\":\"%s\",\"Username\":\"podlift\",\"Secret\":\"pw\"}' \"$server\"\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &helper,
        <std::fs::Permissions as std::os::unix::fs::PermissionsExt>::from_mode(0o755),
    )
    .unwrap();
    let auth_file = bin.path().join("auth.json");
    std::fs::write(
        &auth_file,
        format!(
            r#"{{"credHelpers":{{"{}":"podlifttest"}}}}"#,
            registry.host()
        ),
    )
    .unwrap();
    let cache_b = tempfile::tempdir().unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let ok = run(&[
        ("REGISTRY_AUTH_FILE", auth_file.display().to_string()),
        ("PATH", path),
        ("XDG_CACHE_HOME", cache_b.path().display().to_string()),
    ]);
    assert!(!ok.stderr.contains("image-not-inspected"), "{}", ok.stderr);
}

#[test]
fn an_archive_past_its_entry_limit_is_refused_naming_the_limit() {
    let dir = compose_dir("services:\n  web:\n    image: web:1\n");
    let path = dir.path().join("many.tar");
    // Empty members: headers only (about 51 MB on disk).
    let mut builder = tar::Builder::new(std::io::BufWriter::new(
        std::fs::File::create(&path).unwrap(),
    ));
    for i in 0..=images::MAX_ARCHIVE_ENTRIES {
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, format!("f{i}"), &[][..])
            .unwrap();
    }
    builder.into_inner().unwrap();
    let (facts, diagnostics) = inspect(dir.path(), &archive_options(vec![path]));
    assert!(facts.images.is_empty());
    let found = codes(&diagnostics);
    assert!(
        found.iter().any(|(c, m)| *c == Code::ImageArchiveUnreadable
            && m.contains(&format!(
                "more than {} entries",
                images::MAX_ARCHIVE_ENTRIES
            ))),
        "{found:?}"
    );
}
