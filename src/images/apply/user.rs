//! `USER`: who the container runs as, as numeric ids Kubernetes can check.

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::images::Facts;
use crate::model::{FromImage, ImageUser, Service};

/// A user or group id: numeric, or a name looked up in `names`
/// (`root` is 0 in every image).
fn id_of(text: &str, passwd: Option<&[(String, u32, u32)]>) -> Option<(u32, Option<u32>)> {
    if let Ok(id) = text.parse::<u32>() {
        let gid = passwd.and_then(|p| p.iter().find(|(_, uid, _)| *uid == id).map(|e| e.2));
        return Some((id, gid));
    }
    if let Some(entry) = passwd.and_then(|p| p.iter().find(|(name, _, _)| name == text)) {
        return Some((entry.1, Some(entry.2)));
    }
    (text == "root").then_some((0, Some(0)))
}

/// A group id: numeric, or a name looked up in the image's `/etc/group`
/// (`root` is 0 in every image).
fn group_id(text: &str, groups: Option<&[(String, u32)]>) -> Option<u32> {
    if let Ok(id) = text.parse::<u32>() {
        return Some(id);
    }
    if let Some((_, gid)) = groups.and_then(|g| g.iter().find(|(name, _)| name == text)) {
        return Some(*gid);
    }
    (text == "root").then_some(0)
}

/// The group name of `written` (`user:group`) that the image's
/// `/etc/group` does not resolve.
fn unresolved_group<'a>(written: &'a str, resolved: &ImageUser) -> Option<&'a str> {
    let (_, group) = written.split_once(':')?;
    (resolved.gid.is_none() && !group.is_empty()).then_some(group)
}

/// The note for a group name that does not resolve: Docker refuses to start
/// such a container (`unable to find group`); without the gid the Pod runs
/// with the user's group from the runtime.
fn note_unresolved_group(
    name: &str,
    written: &str,
    resolved: &ImageUser,
    facts: &Facts,
    from: &FromImage,
    span: crate::source::Span,
    diagnostics: &mut Diagnostics,
) {
    let Some(group) = unresolved_group(written, resolved) else {
        return;
    };
    diagnostics.push(
        Diagnostic::note(
            Code::ImageUser,
            format!(
                "the group `{group}` of `{written}` (service `{name}`) is a name {}: `runAsGroup` is not set",
                if facts.group.is_some() {
                    format!("image `{}`'s `/etc/group` does not hold (Docker refuses to start the container: `unable to find group`)", from.image)
                } else {
                    format!("podlift could not resolve (the `/etc/group` of image `{}` was not read)", from.image)
                },
            ),
        )
        .at(span)
        .help("write the numeric `user: UID:GID` it stands for on the service"),
    );
}

/// The user `written` (`uid[:gid]`, names allowed) in numeric ids as far as
/// the image's `/etc/passwd` resolves them; `None` when the user is not.
fn numeric(written: &str, facts: &Facts, compose: bool) -> ImageUser {
    let passwd = facts.passwd.as_deref();
    let (user, group) = written
        .split_once(':')
        .map_or((written, None), |(u, g)| (u, Some(g)));
    let resolved = id_of(user, passwd);
    let gid = match group {
        Some(group) => group_id(group, facts.group.as_deref()),
        None => resolved.and_then(|(_, gid)| gid),
    };
    ImageUser {
        written: written.to_string(),
        compose,
        uid: resolved.map(|(uid, _)| uid),
        gid,
    }
}

/// Who the service runs as: compose's `user:` (wins; a name resolved through
/// the image's `/etc/passwd`), else the image's `USER`. Notes say what the
/// image gave.
pub(super) fn resolve_user(
    service: &Service,
    facts: &Facts,
    from: &FromImage,
    diagnostics: &mut Diagnostics,
) -> Option<ImageUser> {
    let name = &service.name.value;
    // `user: ""` is no user: Docker runs the image's.
    if let Some(user) = service
        .security
        .user
        .as_ref()
        .filter(|u| !u.value.is_empty())
    {
        let resolved = numeric(&user.value, facts, true);
        let numeric_already = user
            .value
            .split(':')
            .all(|part| part.parse::<u32>().is_ok());
        if !numeric_already && let Some(uid) = resolved.uid {
            diagnostics.push(
                Diagnostic::note(
                    Code::ImageUser,
                    format!(
                        "`user: {}` of service `{name}` is uid {uid}{} in image `{}`'s `/etc/passwd`: the container runs as `runAsUser: {uid}`{}",
                        user.value,
                        resolved.gid.map(|g| format!(" (group {g})")).unwrap_or_default(),
                        from.image,
                        if uid == 0 { "" } else { " with `runAsNonRoot: true`" },
                    ),
                )
                .at(user.span)
                .help("write the numeric `user: UID:GID` to keep it so without image inspection"),
            );
        }
        note_unresolved_group(
            name,
            &user.value,
            &resolved,
            facts,
            from,
            user.span,
            diagnostics,
        );
        return Some(resolved);
    }
    let written = facts
        .user
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())?;
    let resolved = numeric(written, facts, false);
    if resolved.uid.is_some() {
        note_unresolved_group(
            name,
            &format!("USER {written}"),
            &resolved,
            facts,
            from,
            from.span,
            diagnostics,
        );
    }
    match resolved.uid {
        Some(0) => {}
        Some(uid) => diagnostics.push(
            Diagnostic::note(
                Code::ImageUser,
                format!(
                    "service `{name}` runs as the user of its image `{}` (`USER {written}`): `runAsUser: {uid}`{}, `runAsNonRoot: true`",
                    from.image,
                    resolved.gid.map(|g| format!(", `runAsGroup: {g}`")).unwrap_or_default(),
                ),
            )
            .at(from.span)
            .help("with nothing else in the way, the Pod meets Pod Security `restricted`; write `user:` on the service to run as someone else"),
        ),
        None => diagnostics.push(
            Diagnostic::note(
                Code::ImageUser,
                format!(
                    "image `{}` of service `{name}` runs as `USER {written}`, a name {}: `runAsNonRoot` is not set, because the kubelet refuses it for an image user it cannot check as a number",
                    from.image,
                    if facts.passwd.is_some() { "its `/etc/passwd` does not hold" } else { "podlift could not resolve (the image's `/etc/passwd` was not read)" },
                ),
            )
            .at(from.span)
            .help("write the numeric `user: UID:GID` it stands for on the service to run it as non-root with Kubernetes' check"),
        ),
    }
    Some(resolved)
}
