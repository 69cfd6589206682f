//! A Pod's NetworkPolicy from its [`PolicyPlan`]: ingress only from the Pods
//! that share a compose network with it (any port, as on a compose network)
//! and from anywhere to the ports compose publishes; when all its networks
//! are internal, egress only to those Pods and the cluster's DNS.
//!
//! Policies select Pods by `app.kubernetes.io/name`, the label each
//! workload's Pods carry. A CNI matches them against the Pod endpoints a
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
use crate::plan::network_policy::PolicyPlan;
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

fn peer(name: &str) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        pod_selector: Some(pods_named(name)),
        ..NetworkPolicyPeer::default()
    }
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
    let mut ingress = Vec::new();
    if !policy.peers.is_empty() {
        ingress.push(NetworkPolicyIngressRule {
            from: Some(policy.peers.iter().map(|p| peer(p)).collect()),
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
                    .map(|(number, protocol)| port(*number, protocol))
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
        if !policy.peers.is_empty() {
            rules.push(NetworkPolicyEgressRule {
                to: Some(policy.peers.iter().map(|p| peer(p)).collect()),
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
