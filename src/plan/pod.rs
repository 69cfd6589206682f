//! One Pod of every service, planned from the shared [`Context`]: the
//! checks that only one Pod needs (ports, replicas, network privilege,
//! pod-wide values, process settings), its loopback addresses, Services and
//! `/etc/hosts`. Several Pods are planned by [`crate::plan::split`].

use crate::diagnostic::Diagnostics;
use crate::plan::context::Context;
use crate::plan::group::Group;
use crate::plan::{
    Layout, LoopbackInit, PodPlan, checks, inbound_rules, init_image, pod_level, ports, process,
};

/// The plan of the one Pod `group` (every service of the project).
pub(crate) fn one(context: Context<'_>, group: &Group, diagnostics: &mut Diagnostics) -> PodPlan {
    let Context {
        project,
        options,
        containers,
        mut services,
        addresses,
        host_aliases,
        storage,
        ..
    } = context;
    ports::check_ports(
        &containers,
        project,
        &options.allow_shared_ports,
        Layout::OnePod,
        diagnostics,
    );
    let inbound = if options.inbound_dnat {
        inbound_rules(&containers, true, &mut services)
    } else {
        Vec::new()
    };
    let loopback = (!addresses.all.is_empty()).then(|| {
        let mut init = LoopbackInit {
            image: String::new(),
            privileged: options.privileged_init,
            addresses: addresses.all.clone(),
            map: None,
            inbound,
        };
        init.image = init_image(project, options, init.needs_iptables());
        init
    });
    checks::check_replicas(project, diagnostics);
    if project.services.len() > 1 {
        for service in &project.services {
            checks::warn_network_privilege(service, "every container of the Pod", diagnostics);
        }
    }
    let members: Vec<_> = group.members.iter().filter_map(|m| m.of(project)).collect();
    let mut pod = pod_level(&members, diagnostics);
    pod.process = process::level(&containers);
    process::warn_widened_groups(project, &containers, &pod.process, diagnostics);
    process::note_shared_pid(project, &containers, diagnostics);
    PodPlan {
        pod,
        replicas: 1,
        reason: None,
        project: project.name.clone(),
        name: group.pod.clone(),
        loopback,
        wait: None,
        containers,
        host_aliases,
        storage,
        services,
        network_policy: None,
    }
}
