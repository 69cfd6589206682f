//! Carrying image facts into the project as Docker carries them: the image's
//! `HEALTHCHECK` where the compose file leaves a field unset, `EXPOSE` as
//! container ports, `VOLUME` as anonymous volumes, `USER` as the numeric ids
//! Kubernetes checks, the copy-up of fresh volumes, and `--pin-digests`.
//! Each fact carried is a note naming the image; the plan reads the rest
//! from [`FromImage`].

use std::collections::HashSet;
use std::time::Duration;

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::images::{Facts, ImageFacts, ImageHealthcheck, ImageOptions};
use crate::model::port::Protocol;
use crate::model::volume::{Mount, MountSource};
use crate::model::{FromImage, HealthTest, Healthcheck, Port, Project, Service};
use crate::source::Span;

mod user;

use user::resolve_user;

/// Carries `facts` into `project` as Docker would: the image's health check,
/// exposed ports, volumes and user where the compose file says nothing,
/// each with a note naming the image; with `options.pin_digests`, every
/// inspected image written as `NAME@sha256:…`.
pub fn apply(
    project: &mut Project,
    facts: &ImageFacts,
    options: &ImageOptions,
    diagnostics: &mut Diagnostics,
) {
    if facts.images.is_empty() {
        return;
    }
    // A volume another service's `volumes_from` hands over is mounted there.
    let mut carried = Vec::with_capacity(project.services.len());
    for service in &project.services {
        let Some(image) = &service.image else {
            carried.push(None);
            continue;
        };
        let Some(found) = facts.images.get(&image.value) else {
            carried.push(None);
            continue;
        };
        let mut from = FromImage {
            image: image.value.clone(),
            span: image.span,
            healthcheck: false,
            exposed: Vec::new(),
            volumes: Vec::new(),
            user: None,
            copy_up: Vec::new(),
            empty_there: Vec::new(),
            can_copy: found.files.as_ref().map(|files| {
                files.paths.contains("/bin/sh")
                    && ["/bin/cp", "/usr/bin/cp"]
                        .iter()
                        .any(|cp| files.paths.contains(*cp))
            }),
            pinned: None,
        };
        from.user = resolve_user(service, found, &from, diagnostics);
        carried.push(Some((from, found)));
    }
    let fresh: HashSet<String> = project
        .volumes
        .iter()
        .filter(|v| !v.external)
        .map(|v| v.name.value.clone())
        .collect();
    for (service, carried) in project.services.iter_mut().zip(carried) {
        let Some((mut from, found)) = carried else {
            continue;
        };
        health(service, found, &mut from, diagnostics);
        exposed(service, found, &mut from, diagnostics);
        volumes(service, found, &mut from, diagnostics);
        copy_up(service, found, &fresh, &mut from, diagnostics);
        if options.pin_digests {
            pin(service, found, &mut from, diagnostics);
        }
        service.from_image = Some(from);
    }
}

/// The image's check as a compose one would be: Docker's defaults for its
/// zero values; `None` for `["NONE"]` or no test.
fn image_check(check: &ImageHealthcheck, span: Span) -> Option<Healthcheck> {
    let (kind, rest) = check.test.split_first()?;
    let test = match kind.as_str() {
        "CMD" if !rest.is_empty() => HealthTest::Exec(rest.to_vec()),
        "CMD-SHELL" if !rest.is_empty() => HealthTest::Shell(rest.join(" ")),
        _ => return None,
    };
    let or = |value: Duration, default: Duration| if value.is_zero() { default } else { value };
    Some(Healthcheck {
        test,
        interval: or(check.interval, Duration::from_secs(30)),
        timeout: or(check.timeout, Duration::from_secs(30)),
        retries: if check.retries == 0 { 3 } else { check.retries },
        start_period: check.start_period,
        span,
    })
}

/// How a check reads in a note: its command and timings.
fn describe(check: &Healthcheck) -> String {
    let test = match &check.test {
        HealthTest::Exec(words) => format!("CMD {}", words.join(" ")),
        HealthTest::Shell(line) => format!("CMD-SHELL {line}"),
    };
    format!(
        "`{test}` every {}s, timeout {}s, {} retries, start period {}s",
        check.interval.as_secs(),
        check.timeout.as_secs(),
        check.retries,
        check.start_period.as_secs()
    )
}

/// `HEALTHCHECK`: the service's check where compose writes none, or the
/// fields compose leaves unset (as the engine merges them); compose's
/// `disable: true` or `test: ["NONE"]` turns it off.
fn health(
    service: &mut Service,
    facts: &Facts,
    from: &mut FromImage,
    diagnostics: &mut Diagnostics,
) {
    let Some(image) = facts
        .healthcheck
        .as_ref()
        .and_then(|c| image_check(c, from.span))
    else {
        return;
    };
    let name = &service.name.value;
    let check = match &service.health_setting {
        None => Some(image),
        Some(setting) if setting.disabled => return,
        Some(setting)
            if setting.test.is_some()
                && setting.interval.is_some()
                && setting.timeout.is_some()
                && setting.retries.is_some()
                && setting.start_period.is_some() =>
        {
            // Every field written: the image's check changes nothing.
            return;
        }
        Some(setting) => setting.over(&image),
    };
    let Some(check) = check else {
        return;
    };
    let partly = service.health_setting.is_some();
    diagnostics.push(
        Diagnostic::note(
            Code::ImageHealthcheck,
            format!(
                "service `{name}` {} the health check of its image `{}` (`HEALTHCHECK`): {}",
                if partly { "completes its `healthcheck` with" } else { "takes" },
                from.image,
                describe(&check)
            ),
        )
        .at(check.span)
        .help(format!("`service_healthy` dependents wait on it; write `healthcheck:` on `{name}` to change it, or `healthcheck: {{disable: true}}` to turn it off")),
    );
    service.healthcheck = Some(check);
    from.healthcheck = true;
}

/// `EXPOSE`: container ports compose did not declare, for the port-clash
/// check, grouping, peers' Services and the NetworkPolicy; never published.
fn exposed(
    service: &mut Service,
    facts: &Facts,
    from: &mut FromImage,
    diagnostics: &mut Diagnostics,
) {
    let mut declared: HashSet<(u16, Protocol)> = service
        .ports
        .iter()
        .chain(&service.expose)
        .map(|p| (p.target, p.protocol))
        .collect();
    for &(target, protocol) in &facts.exposed {
        if target == 0 || !declared.insert((target, protocol)) {
            continue;
        }
        service.expose.push(Port {
            target,
            published: None,
            protocol,
            host_ip: None,
            span: from.span,
        });
        from.exposed.push((target, protocol));
    }
    if from.exposed.is_empty() {
        return;
    }
    let list: Vec<String> = from
        .exposed
        .iter()
        .map(|(port, protocol)| format!("`{port}/{}`", protocol.as_str()))
        .collect();
    diagnostics.push(
        Diagnostic::note(
            Code::ImagePorts,
            format!(
                "service `{}` listens on {} by its image `{}` (`EXPOSE`): {} for the port-clash check, grouping, its Services in the cluster and its NetworkPolicy; nothing is published that compose does not publish",
                service.name.value,
                list.join(", "),
                from.image,
                if list.len() == 1 { "it counts" } else { "they count" },
            ),
        )
        .at(from.span)
        .help("declare them under `expose:` to say so in the compose file"),
    );
}

/// A container path as Docker compares and mounts it (Go's `path.Clean`):
/// no empty, `.` or trailing parts, `..` taken back (never above `/`), so
/// `/data/.` is the `/data` a compose mount may already be at. A relative
/// path stays relative (the caller skips it).
fn normal(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !path.starts_with('/') {
                    parts.push(part);
                }
            }
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    if path.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `VOLUME`: an anonymous volume (an emptyDir of the container's own) at
/// each path compose mounts nothing at.
fn volumes(
    service: &mut Service,
    facts: &Facts,
    from: &mut FromImage,
    diagnostics: &mut Diagnostics,
) {
    let mut mounted: HashSet<String> = service
        .mounts
        .iter()
        .map(|m| normal(&m.target))
        .chain(
            service
                .secrets
                .iter()
                .chain(&service.configs)
                .filter_map(|f| f.target.as_deref().map(normal)),
        )
        .collect();
    for path in &facts.volumes {
        let path = normal(path);
        if !path.starts_with('/') || path == "/" || !mounted.insert(path.clone()) {
            continue;
        }
        service.mounts.push(Mount {
            source: MountSource::Anonymous,
            target: path.clone(),
            read_only: false,
            no_copy: false,
            span: from.span,
        });
        from.volumes.push(path);
    }
    if from.volumes.is_empty() {
        return;
    }
    let list: Vec<String> = from.volumes.iter().map(|p| format!("`{p}`")).collect();
    diagnostics.push(
        Diagnostic::note(
            Code::ImageVolume,
            format!(
                "image `{}` of service `{}` declares `VOLUME` {}: {} an emptyDir of the container's own, as Docker mounts an anonymous volume there; its data goes with the Pod",
                from.image,
                service.name.value,
                list.join(", "),
                if list.len() == 1 { "it becomes" } else { "each becomes" },
            ),
        )
        .at(from.span)
        .help("mount a named volume at that path to keep its data"),
    );
}

/// Copy-up: Docker fills a fresh volume (a named one podlift creates, or an
/// anonymous one) with what the image has at the mount path on its first
/// use. Where the image's files were read, each such mount is either filled
/// by an init container running the image, or known to start empty as
/// under Docker; a `nocopy` mount starts empty, as Docker leaves it.
fn copy_up(
    service: &Service,
    facts: &Facts,
    fresh: &HashSet<String>,
    from: &mut FromImage,
    diagnostics: &mut Diagnostics,
) {
    let name = &service.name.value;
    for mount in &service.mounts {
        let volume = match &mount.source {
            MountSource::Named(volume) if fresh.contains(volume) => format!("volume `{volume}`"),
            MountSource::Anonymous => "its anonymous volume".to_string(),
            _ => continue,
        };
        let path = normal(&mount.target);
        if mount.no_copy {
            // `nocopy`: Docker leaves the fresh volume empty, whatever the
            // image has there.
            from.empty_there.push(path);
            continue;
        }
        let Some(files) = &facts.files else {
            continue;
        };
        if !files.has_files_under(&path) {
            from.empty_there.push(path);
            continue;
        }
        if from.can_copy == Some(true) {
            diagnostics.push(
                Diagnostic::note(
                    Code::ImageCopyUp,
                    format!(
                        "{volume} at `{path}` of service `{name}` starts with what image `{}` has there: an init container running the image copies it in while the volume is empty (owners, modes and links kept), as Docker does on first use",
                        from.image
                    ),
                )
                .at(mount.span)
                .help("the copy runs as root (to keep the files' owners), so the Pod meets Pod Security `baseline`, not `restricted`; mount the volume elsewhere if the image's files should not be copied"),
            );
            from.copy_up.push(path);
        } else {
            diagnostics.push(
                Diagnostic::warning(
                    Code::CopyUpImpossible,
                    format!(
                        "image `{}` of service `{name}` has files at `{path}`, which Docker copies into {volume} on first use; the image has no `/bin/sh` and `cp` to copy them with, so the volume starts empty",
                        from.image
                    ),
                )
                .at(mount.span)
                .help("fill the volume before the service starts (a Job, or an init container with an image that has a shell and the same files), or drop the mount"),
            );
            from.empty_there.push(path);
        }
    }
}

/// `--pin-digests`: the image by the digest inspected, `NAME@sha256:…`
/// (a reference that has a digest already keeps it).
fn pin(service: &mut Service, facts: &Facts, from: &mut FromImage, diagnostics: &mut Diagnostics) {
    let Some(image) = service.image.as_mut() else {
        return;
    };
    if image.value.contains('@') {
        return;
    }
    let Some(digest) = facts.digest.as_ref().filter(|d| d.starts_with("sha256:")) else {
        diagnostics.push(
            Diagnostic::warning(
                Code::PinNoDigest,
                format!(
                    "image `{}` of service `{}` is not pinned: where it was read (a `docker save` archive) gives no registry digest",
                    image.value, service.name.value
                ),
            )
            .at(image.span)
            .help("inspect it from its registry, or an OCI layout or archive (they keep the manifest digest), or write `NAME@sha256:…` yourself"),
        );
        return;
    };
    let pinned = format!("{}@{digest}", image.value);
    diagnostics.push(
        Diagnostic::note(
            Code::ImagePinned,
            format!(
                "image `{}` of service `{}` is pinned to the digest inspected: `{pinned}`",
                image.value, service.name.value
            ),
        )
        .at(image.span)
        .help("the digest is the image for the platform inspected (`--platform`); convert again to move to a newer image"),
    );
    image.value.clone_from(&pinned);
    from.pinned = Some(pinned);
}
