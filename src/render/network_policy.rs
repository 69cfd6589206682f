//! A Pod's NetworkPolicy from its [`PolicyPlan`]: ingress only from the Pods
//! that share a compose network with it (any port, as on a compose network)
//! and from anywhere to the ports compose publishes; when all its networks
//! are internal, egress only to those Pods and the cluster's DNS.
//!
//! A policy applies to its workload's Pods (`app.kubernetes.io/name`) and
//! admits Pods by the label of each compose network they are on
//! (`podlift.io/network.NAME: PROJECT`), so it grows with the Pod's
//! networks, not with the number of Pods. A CNI matches them against the Pod endpoints a
//! connection reaches after translation: a peer's ClusterIP (and a preset
//! address podlift DNATs to it) becomes the Pod's IP first.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::plan::PodPlan;
use crate::plan::network_policy::{self, PolicyPlan};
use crate::render::labels;

/// The label of the namespace the cluster's DNS runs in (set by Kubernetes).
const NAMESPACE_NAME_LABEL: &str = "kubernetes.io/metadata.name";
/// NodeLocal DNSCache's address, where clusters with it send DNS queries.
const NODE_LOCAL_DNS: &str = "169.254.20.10/32";

fn pods_named(name: &str) -> LabelSelector {
    LabelSelector {
        match_labels: Some(BTreeMap::from([(
            labels::NAME.to_string(),
            name.to_string(),
        )])),
        match_expressions: None,
    }
}

/// The Pods of this project on compose network `network`.
fn on_network(project: &str, network: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(LabelSelector {
            match_labels: Some(BTreeMap::from([(
                network_policy::label_key(network),
                project.to_string(),
            )])),
            match_expressions: None,
        }),
        ..NetworkPolicyPeer::default()
    }
}

/// The labels of a Pod on `networks` (see [`network_policy::label_key`]).
#[must_use]
pub fn pod_labels(plan: &PodPlan, networks: &[String]) -> BTreeMap<String, String> {
    let project = project_label(plan);
    networks
        .iter()
        .map(|n| (network_policy::label_key(n), project.clone()))
        .collect()
}

fn project_label(plan: &PodPlan) -> String {
    crate::plan::names::dns_label(&plan.project, "podlift")
}

fn port(number: u16, protocol: &str) -> NetworkPolicyPort {
    NetworkPolicyPort {
        port: Some(IntOrString::Int(i32::from(number))),
        protocol: Some(protocol.to_string()),
        end_port: None,
    }
}

/// The NetworkPolicy of `plan`'s Pods.
#[must_use]
pub fn object(plan: &PodPlan, policy: &PolicyPlan, metadata: ObjectMeta) -> NetworkPolicy {
    let project = project_label(plan);
    let peers: Vec<NetworkPolicyPeer> = policy
        .networks
        .iter()
        .map(|n| on_network(&project, n))
        .collect();
    let mut ingress = Vec::new();
    if !peers.is_empty() {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(peers.clone()),
            ports: None,
        });
    }
    if !policy.published.is_empty() {
        // Published: compose opened them to every client of the host.
        ingress.push(NetworkPolicyIngressRule {
            from: None,
            ports: Some(
                policy
                    .published
                    .iter()
                    .map(|(number, protocol)| port(*number, super::service::protocol(*protocol)))
                    .collect(),
            ),
        });
    }
    let egress = policy.internal_only.then(|| {
        let dns_ports = vec![port(53, "UDP"), port(53, "TCP")];
        let mut rules = vec![NetworkPolicyEgressRule {
            to: Some(vec![
                NetworkPolicyPeer {
                    namespace_selector: Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            NAMESPACE_NAME_LABEL.to_string(),
                            "kube-system".to_string(),
                        )])),
                        match_expressions: None,
                    }),
                    pod_selector: Some(LabelSelector {
                        match_labels: Some(BTreeMap::from([(
                            "k8s-app".to_string(),
                            "kube-dns".to_string(),
                        )])),
                        match_expressions: None,
                    }),
                    ip_block: None,
                },
                NetworkPolicyPeer {
                    ip_block: Some(IPBlock {
                        cidr: NODE_LOCAL_DNS.to_string(),
                        except: None,
                    }),
                    ..NetworkPolicyPeer::default()
                },
            ]),
            ports: Some(dns_ports),
        }];
        if !peers.is_empty() {
            rules.push(NetworkPolicyEgressRule {
                to: Some(peers),
                ports: None,
            });
        }
        rules
    });
    let mut types = vec!["Ingress".to_string()];
    if egress.is_some() {
        types.push("Egress".to_string());
    }
    let mut metadata = metadata;
    metadata.annotations = Some(BTreeMap::from([(
        labels::NETWORKS_ANNOTATION.to_string(),
        policy.networks.join(","),
    )]));
    NetworkPolicy {
        metadata,
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(pods_named(&plan.name)),
            policy_types: Some(types),
            ingress: Some(ingress),
            egress,
        }),
    }
}
