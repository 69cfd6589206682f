//! The node's paths that hand a container the node: container-runtime
//! sockets and their directories, the runtimes' state, the kubelet's and
//! Kubernetes' credentials — and every directory that holds one of them.
//! One table, decided on a normalised absolute path.

use std::path::{Component, Path, PathBuf};

/// A path that gives control of the node, and what it gives.
struct NodePath {
    /// The path on a node (under `/run`, which `/var/run` links to).
    path: &'static str,
    /// What a container that mounts it gets, for the message.
    gives: &'static str,
}

/// Every node-control path. A path equal to one, inside one, or holding one
/// (an ancestor: `/`, `/var`, `/run`, `/var/lib`, `/etc`) is refused.
const NODE_PATHS: &[NodePath] = &[
    NodePath {
        path: "/run/docker.sock",
        gives: "the Docker API",
    },
    NodePath {
        path: "/run/docker",
        gives: "Docker's runtime state and sockets",
    },
    NodePath {
        path: "/run/containerd",
        gives: "containerd's API socket",
    },
    NodePath {
        path: "/run/crio",
        gives: "CRI-O's API socket",
    },
    NodePath {
        path: "/run/podman",
        gives: "Podman's API socket",
    },
    NodePath {
        path: "/run/dockershim.sock",
        gives: "the kubelet's Docker shim socket",
    },
    NodePath {
        path: "/run/cri-dockerd.sock",
        gives: "cri-dockerd's socket",
    },
    NodePath {
        path: "/run/k3s",
        gives: "k3s's containerd socket",
    },
    NodePath {
        path: "/run/buildkit",
        gives: "BuildKit's socket",
    },
    NodePath {
        path: "/var/lib/kubelet",
        gives: "every Pod's service-account tokens and the kubelet's credentials",
    },
    NodePath {
        path: "/etc/kubernetes",
        gives: "the kubelet's kubeconfig and the cluster's certificates",
    },
    NodePath {
        path: "/var/lib/etcd",
        gives: "the cluster's etcd data, every Secret in it",
    },
    NodePath {
        path: "/var/lib/docker",
        gives: "Docker's images and containers",
    },
    NodePath {
        path: "/var/lib/containerd",
        gives: "containerd's images and containers",
    },
    NodePath {
        path: "/var/lib/containers",
        gives: "CRI-O's and Podman's images and containers",
    },
    NodePath {
        path: "/var/lib/rancher",
        gives: "the state and credentials of k3s and RKE2",
    },
    NodePath {
        path: "/etc/rancher",
        gives: "the kubeconfig of k3s and RKE2",
    },
];

/// File names of container-runtime API sockets, wherever they are (a
/// rootless runtime's socket lives under the user's `/run/user/UID`).
/// `docker.sock` is the Docker socket's own rule (`docker-socket`).
pub(crate) const RUNTIME_SOCKETS: &[&str] = &[
    "containerd.sock",
    "crio.sock",
    "podman.sock",
    "dockershim.sock",
    "cri-dockerd.sock",
    "buildkitd.sock",
];

/// `path`, absolute and normalised, as a node spells it: `/var/run` is a
/// link to `/run` on every current distribution.
fn on_node(path: &Path) -> PathBuf {
    let normal = crate::load::paths::normalize(path);
    match normal.strip_prefix("/var/run") {
        Ok(rest) => Path::new("/run").join(rest),
        Err(_) => normal,
    }
}

/// Why mounting `path` (absolute) hands a container the node, if it does:
/// it is, lies under or holds a node-control path, or it is a runtime socket.
#[must_use]
pub(crate) fn node_control(path: &Path) -> Option<String> {
    if !path.has_root() {
        return None;
    }
    let path = on_node(path);
    // `..` above the root stays at the root, as the kernel has it.
    let path: PathBuf = path
        .components()
        .filter(|c| *c != Component::ParentDir)
        .collect();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if RUNTIME_SOCKETS.contains(&name.as_str()) {
        return Some("it is a container runtime's API socket".into());
    }
    for node in NODE_PATHS {
        let known = Path::new(node.path);
        if path.starts_with(known) {
            return Some(format!("`{}` gives {}", node.path, node.gives));
        }
    }
    let held: Vec<&NodePath> = NODE_PATHS
        .iter()
        .filter(|node| Path::new(node.path).starts_with(&path))
        .collect();
    let first = held.first()?;
    let more = if held.len() > 1 {
        format!(" and {} more such paths", held.len() - 1)
    } else {
        String::new()
    };
    Some(format!(
        "it holds `{}`, which gives {}{more}",
        first.path, first.gives
    ))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::node_control;

    #[test]
    fn node_paths_their_contents_and_their_ancestors_are_refused() {
        for path in [
            "/",
            "/var",
            "/var/run",
            "/run",
            "/var/lib",
            "/etc",
            "/var/run/crio/crio.sock",
            "/run/containerd/containerd.sock",
            "/var/lib/kubelet/pods",
            "/etc/kubernetes/",
            "/var/lib/../lib/docker",
            "/../var/lib/containerd",
            "/run/user/1000/podman/podman.sock",
        ] {
            assert!(node_control(Path::new(path)).is_some(), "{path}");
        }
    }

    #[test]
    fn other_node_paths_are_not() {
        for path in [
            "/etc/localtime",
            "/etc/timezone",
            "/etc/ssl/certs",
            "/var/log",
            "/var/lib/mysql",
            "/srv/data",
            "/var/lib/kubelet-data",
            "relative/var/lib/kubelet",
        ] {
            assert_eq!(node_control(Path::new(path)), None, "{path}");
        }
    }
}
