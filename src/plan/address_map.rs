//! The split strategy's address map: one ConfigMap per project that says which
//! Service answers for each preset address. Every Pod's init container reads
//! it and sends each address the Pod does not claim itself to that Service's
//! ClusterIP. The map is the only place that grows with the number of
//! services; each Pod's own spec stays the same size however many peers it has.

use std::net::Ipv4Addr;

use crate::model::port::Protocol;

/// The project's address map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressMap {
    /// The ConfigMap's name.
    pub name: String,
    /// The compose project's name (for the file's header).
    pub project: String,
    /// One entry per preset address, sorted by address.
    pub entries: Vec<MapEntry>,
}

/// One preset address and the Service that answers for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapEntry {
    /// The preset address.
    pub address: Ipv4Addr,
    /// The Service's name (in the Pods' namespace).
    pub service: String,
    /// The ports the Service forwards (port, `TCP`/`UDP`/`SCTP`), for
    /// people reading the map.
    pub ports: Vec<(u16, Protocol)>,
}
