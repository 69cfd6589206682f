//! `podlift plan`: what each container took from its image
//! (`--inspect-images`).

use std::fmt::Write as _;

use crate::diagnostic::printable::printable;
use crate::plan::PodPlan;

/// One line per container that took something from its image: the image
/// and the facts (HEALTHCHECK, EXPOSE, VOLUME, USER, copy-up, pinning).
pub(super) fn from_images(out: &mut String, plan: &PodPlan) {
    let mut lines = Vec::new();
    for container in &plan.containers {
        let Some(carried) = &container.details.from_image else {
            continue;
        };
        let mut facts = Vec::new();
        if carried.healthcheck {
            facts.push("HEALTHCHECK".to_string());
        }
        if !carried.ports.is_empty() {
            let ports: Vec<String> = carried
                .ports
                .iter()
                .map(|(p, proto)| format!("{p}/{}", proto.as_str()))
                .collect();
            facts.push(format!("EXPOSE {}", ports.join(" ")));
        }
        if !carried.volumes.is_empty() {
            facts.push(format!("VOLUME {} (emptyDir)", carried.volumes.join(" ")));
        }
        if let Some((user, non_root)) = &carried.user {
            facts.push(format!(
                "USER {user}{}",
                if *non_root { " (runAsNonRoot)" } else { "" }
            ));
        }
        if !container.details.copy_up.is_empty() {
            let paths: Vec<&str> = container
                .details
                .copy_up
                .iter()
                .map(|c| c.path.as_str())
                .collect();
            facts.push(format!("copy-up {}", paths.join(" ")));
        }
        if carried.pinned {
            facts.push("pinned by digest".to_string());
        }
        if !facts.is_empty() {
            lines.push(format!(
                "  {:<16} {}: {}",
                printable(&container.name),
                printable(&carried.image),
                printable(&facts.join(", "))
            ));
        }
    }
    if !lines.is_empty() {
        out.push_str("\nFrom images (--inspect-images):\n");
        for line in lines {
            let _ = writeln!(*out, "{line}");
        }
    }
}
