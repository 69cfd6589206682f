//! What every Pod of the project is planned from, made once: the
//! project-wide checks, the preset addresses, start order and roles, the
//! storage, and each service's container (names are unique project-wide, so
//! a service keeps its container's name whichever Pod it lands in). Each
//! Pod then takes its part by [`ServiceId`] and is planned by
//! [`crate::plan::pod::plan`].
use foldhash::HashSet;
use std::net::IpAddr;

use crate::diagnostic::Diagnostics;
use crate::model::Project;
use crate::plan::addresses::Addresses;
use crate::plan::group::{Grouping, ServiceId};
use crate::plan::storage::{self, Storage};
use crate::plan::{
    ContainerPlan, HostAlias, Layout, PlanOptions, Role, ServicePlan, checks, container, hosts,
    init_image, network_mode, order, process, reach, services,
};

/// The project-wide part of the plan.
pub(crate) struct Context<'a> {
    pub project: &'a Project,
    pub options: &'a PlanOptions,
    pub grouping: &'a Grouping,
    /// The project's name as a DNS label.
    pub name: String,
    pub addresses: Addresses,
    /// Volumes, ConfigMaps, Secrets and claims of every service.
    pub storage: Storage,
    /// Every service's container: init containers first, else in start order.
    pub containers: Vec<ContainerPlan>,
    /// The service of each of `containers`.
    pub ids: Vec<ServiceId>,
    /// A Service per compose service that publishes ports.
    pub services: Vec<ServicePlan>,
    /// `/etc/hosts` of one Pod of every service.
    pub host_aliases: Vec<HostAlias>,
    /// Preset addresses no container declares (`--extra-ip`,
    /// `x-podlift.extra-addresses`): on every Pod's loopback.
    pub undeclared: Vec<IpAddr>,
}

impl<'a> Context<'a> {
    /// Runs the checks that concern the whole project (once, whatever the
    /// Pods) and plans what every Pod takes its part from.
    pub(crate) fn new(
        project: &'a Project,
        options: &'a PlanOptions,
        grouping: &'a Grouping,
        diagnostics: &mut Diagnostics,
    ) -> Self {
        let layout = grouping.layout;
        network_mode::check_network_modes(project, layout, diagnostics);
        process::check_targets(project, diagnostics);
        checks::check_addresses(
            project,
            &options.extra_addresses,
            &options.pod_cidrs,
            &options.service_cidrs,
            diagnostics,
        );
        let addresses = Addresses::collect(project, &options.extra_addresses, diagnostics);
        let order = order::start_order(project, diagnostics);
        let name = crate::plan::group::project_label(project);
        let mut storage = storage::plan_storage(project, &name, &options.storage, diagnostics);
        storage.copy_image = init_image(project, options, false);
        // Start order holds inside a Pod only (across Pods, `start_order` waits).
        let roles = order::roles(project, options.native_sidecars(), grouping, diagnostics);
        let mut context = Self {
            project,
            options,
            grouping,
            name,
            addresses,
            storage,
            containers: Vec::new(),
            ids: Vec::new(),
            services: Vec::new(),
            host_aliases: Vec::new(),
            undeclared: Vec::new(),
        };
        let containers = container::plan_containers(&context, &order, &roles, diagnostics);
        // Sized up front: a container plan is large, and growing the vector
        // by doubling would copy each of them again (1 M instructions at
        // 1,000 services).
        let mut planned: Vec<(ServiceId, ContainerPlan)> = Vec::with_capacity(containers.len());
        planned.extend(
            order
                .iter()
                .filter(|&&i| i < project.services.len())
                .map(|&i| ServiceId(i))
                .zip(containers),
        );
        // Init containers run in list order before the rest: keep start order among them.
        planned.sort_by_key(|(_, c)| c.role == Role::Container);
        (context.ids, context.containers) = planned.into_iter().unzip();
        let declared: HashSet<IpAddr> = context
            .containers
            .iter()
            .flat_map(|c| c.addresses.iter().copied())
            .collect();
        context.undeclared = (context.addresses.all.iter().copied())
            .filter(|a| !declared.contains(a))
            .collect();
        context.services =
            services::plan_services(project, &context.containers, options.service_type);
        checks::check_restart(project, &roles, diagnostics);
        context.host_aliases = hosts::plan_host_aliases(project, &context.addresses, diagnostics);
        checks::notes(project, layout, diagnostics);
        checks::note_captured_environment(project, diagnostics);
        reach::notes(project, &context.addresses.all, layout, diagnostics);
        context
    }

    /// Whether the project is one Pod of every service.
    pub(crate) fn one_pod(&self) -> bool {
        self.grouping.layout == Layout::OnePod
    }

    /// The group of each of `containers`.
    pub(crate) fn group_of_container(&self, i: usize) -> Option<usize> {
        self.ids.get(i).and_then(|&id| self.grouping.group(id))
    }
}
