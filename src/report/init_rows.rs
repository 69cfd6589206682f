//! The rows of the `plan` table for podlift's own init containers, in the
//! order render runs them: the copy into writable bind volumes, the loopback
//! init, the copy-ups of `--inspect-images`, the wait for peers in other Pods.

use super::join_or_dash;
use crate::plan::PodPlan;

/// One row: position, container, role, image, addresses, ports, volumes,
/// waits for, and the errors column (empty).
type Row = [String; 9];

fn row(
    position: usize,
    name: &str,
    image: &str,
    addresses: String,
    volumes: String,
    waits: String,
) -> Row {
    [
        position.to_string(),
        name.to_string(),
        "init".to_string(),
        image.to_string(),
        addresses,
        "-".to_string(),
        volumes,
        waits,
        String::new(),
    ]
}

/// Appends the rows of `plan`'s own init containers to `rows`, counting
/// `position` on.
pub(super) fn push(plan: &PodPlan, position: &mut usize, rows: &mut Vec<Row>) {
    let dash = || "-".to_string();
    if !plan.storage.seeds.is_empty() {
        *position += 1;
        let volumes = join_or_dash(plan.storage.seeds.iter().map(|s| s.volume.clone()));
        rows.push(row(
            *position,
            crate::plan::COPY_INIT_NAME,
            &plan.storage.copy_image,
            dash(),
            volumes,
            dash(),
        ));
    }
    if let Some(loopback) = &plan.loopback {
        *position += 1;
        let addresses = join_or_dash(loopback.addresses.iter().map(ToString::to_string));
        rows.push(row(
            *position,
            crate::plan::LOOPBACK_INIT_NAME,
            &loopback.image,
            addresses,
            dash(),
            dash(),
        ));
    }
    for (name, container, copy) in crate::render::copy_up::numbered(plan) {
        *position += 1;
        let volumes = format!("{} (copy-up from the image)", copy.path);
        rows.push(row(
            *position,
            &name,
            &container.image,
            dash(),
            volumes,
            dash(),
        ));
    }
    if let Some(wait) = &plan.wait {
        *position += 1;
        let waits = join_or_dash(
            wait.targets
                .iter()
                .map(|t| format!("{} ({}:{})", t.target, t.service, t.port)),
        );
        rows.push(row(
            *position,
            crate::plan::WAIT_INIT_NAME,
            &wait.image,
            dash(),
            dash(),
            waits,
        ));
    }
}
