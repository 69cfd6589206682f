//! A compose service's published ports as a Service.

use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::model::Protocol;
use crate::plan::{PodPlan, ServicePlan};
use crate::render::labels;
use crate::render::workload::one_entry;

pub(crate) fn service_object(
    plan: &PodPlan,
    service: &ServicePlan,
    metadata: ObjectMeta,
) -> Service {
    Service {
        metadata,
        spec: Some(ServiceSpec {
            type_: service.type_.map(|t| t.as_k8s().to_string()),
            selector: Some(one_entry(labels::NAME, plan.name.clone())),
            ports: Some(
                service
                    .ports
                    .iter()
                    .map(|p| ServicePort {
                        name: Some(p.name.clone()),
                        port: i32::from(p.port),
                        target_port: Some(IntOrString::Int(i32::from(p.target))),
                        protocol: Some(protocol(p.protocol).to_string()),
                        ..ServicePort::default()
                    })
                    .collect(),
            ),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

/// Kubernetes' spelling of a compose protocol.
pub(super) const fn protocol(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}
