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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use std::collections::BTreeMap;

    use super::{Row, push};
    use crate::model::MountSource;
    use crate::model::volume::HostContent;
    use crate::plan::{PlanOptions, PodPlan, Strategy};

    /// The Pods of `text` under `strategy`, the first mount of service
    /// `app` holding a directory of one file (as load would have read it).
    fn pods(text: &str, strategy: Strategy) -> Vec<PodPlan> {
        let (mut project, mut diagnostics) = crate::plan::project_text(text);
        for service in &mut project.services {
            if let Some(MountSource::Bind { content, .. }) =
                service.mounts.first_mut().map(|m| &mut m.source)
            {
                *content =
                    HostContent::Directory(BTreeMap::from([("a.conf".into(), "x\n".into())]));
            }
        }
        let options = PlanOptions {
            strategy,
            ..PlanOptions::default()
        };
        let plan = crate::plan::plan(&project, &options, &mut diagnostics);
        assert!(!diagnostics.has_errors(), "{diagnostics:?}");
        plan.pods
    }

    /// Each row as `position name image addresses volumes waits`.
    fn rows(plan: &PodPlan) -> Vec<String> {
        let mut rows: Vec<Row> = Vec::new();
        let mut position = 10;
        push(plan, &mut position, &mut rows);
        rows.iter()
            .map(|r| {
                assert_eq!(
                    (r[2].as_str(), r[5].as_str(), r[8].as_str()),
                    ("init", "-", "")
                );
                [&r[0], &r[1], &r[3], &r[4], &r[6], &r[7]]
                    .map(String::as_str)
                    .join(" ")
            })
            .collect()
    }

    #[test]
    fn podlifts_init_containers_come_in_the_order_render_runs_them() {
        let text = "services:
  app:
    image: a
    volumes: ['./conf:/etc/conf']
    expose: ['5432']
    networks: {n: {ipv4_address: 10.9.0.2}}
  web: {image: w, depends_on: [app], networks: [n], x-podlift: {group: front}}
networks: {n: {}}
";
        let pods = pods(text, Strategy::Split);
        let rows: Vec<Vec<String>> = pods.iter().map(rows).collect();
        let copy = &pods[0].storage.copy_image;
        let loopback = &pods[0].loopback.as_ref().unwrap().image;
        assert_eq!(
            rows[0],
            [
                format!("11 podlift-copy {copy} - bind-conf -"),
                format!("12 podlift-loopback {loopback} 10.9.0.2 - -"),
            ]
        );
        // web's Pod reaches app's address through the address map (its
        // loopback init, without addresses of its own), then waits for it.
        let mapper = &pods[1].loopback.as_ref().unwrap().image;
        let wait = pods[1].wait.as_ref().unwrap();
        assert_eq!(
            rows[1],
            [
                format!("11 podlift-loopback {mapper} - - -"),
                format!(
                    "12 {} {} - - app (app:5432)",
                    crate::plan::WAIT_INIT_NAME,
                    wait.image
                ),
            ]
        );
    }

    #[test]
    fn a_pod_with_nothing_of_podlifts_has_no_init_rows() {
        let pods = pods("services:\n  app: {image: a}\n", Strategy::Pod);
        assert_eq!(rows(&pods[0]), Vec::<String>::new());
    }
}
