//! What a bind mount's host path holds, from what load read there
//! ([`BindRead`]): small text files and directories for ConfigMaps,
//! private-looking files for Secrets, and what cannot be carried. Nothing
//! here opens a file.

use std::collections::BTreeMap;

pub use crate::load::host_files::MAX_CONFIG_BYTES;
use crate::load::host_files::{BindRead, HostFile};

/// What a bind mount's host path holds, read at convert time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostContent {
    /// A small text file inside the project directory.
    File(String),
    /// A small directory of text files inside the project directory (name → content).
    Directory(BTreeMap<String, String>),
    /// A file inside the project that looks private (a key, an `.env`
    /// file): it goes into a Secret, never a ConfigMap.
    PrivateFile {
        /// The content.
        content: Vec<u8>,
        /// Why it looks private.
        why: &'static str,
    },
    /// A small directory inside the project holding a private-looking file.
    PrivateDirectory {
        /// Name → content.
        files: BTreeMap<String, Vec<u8>>,
        /// Why it looks private.
        why: String,
    },
    /// A private-looking file or directory outside the project: neither
    /// copied into the manifests nor replaced by a node's path.
    PrivateOutside(&'static str),
    /// The Docker API socket: refused.
    DockerSocket,
    /// Another path that hands a container the node (a runtime's socket or
    /// state, the kubelet's credentials, or a directory holding one): refused.
    /// Says why.
    NodeControl(String),
    /// A path outside the project directory: a node's path, never copied.
    Outside,
    /// A path inside the project directory that does not exist: Docker
    /// creates it as an empty directory.
    Absent,
    /// Absent, large, binary, nested or not a regular file: cannot be
    /// carried in a ConfigMap.
    Unportable(String),
}

/// What a bind mount's host path holds, from what load read there (`None`:
/// load did not read it), and the permission bits of the files it carries
/// (by file name; a file whose mode could not be read is left out and
/// copied `0644`).
pub(crate) fn host_content(read: Option<&BindRead>) -> (HostContent, BTreeMap<String, u32>) {
    let Some(read) = read else {
        return (
            HostContent::Unportable("it was not read while loading".into()),
            BTreeMap::new(),
        );
    };
    let content = match read {
        BindRead::File { file, modes } => return file_content(file, modes),
        BindRead::Directory {
            files,
            private,
            modes,
        } => return directory_content(files, private.clone(), modes),
        BindRead::PrivateOutside(why) => HostContent::PrivateOutside(why),
        BindRead::DockerSocket => HostContent::DockerSocket,
        BindRead::NodeControl(why) => HostContent::NodeControl(why.clone()),
        BindRead::Outside => HostContent::Outside,
        BindRead::Absent => HostContent::Absent,
        BindRead::Unportable(why) => HostContent::Unportable(why.clone()),
    };
    (content, BTreeMap::new())
}

/// A regular file inside the project: a Secret's when it looks private,
/// else a ConfigMap's when it is UTF-8 text.
fn file_content(
    file: &HostFile,
    modes: &BTreeMap<String, u32>,
) -> (HostContent, BTreeMap<String, u32>) {
    if let Some(why) = crate::model::credential::host_private(file) {
        let content = HostContent::PrivateFile {
            content: file.bytes.clone(),
            why,
        };
        return (content, modes.clone());
    }
    match String::from_utf8(file.bytes.clone()) {
        Ok(text) => (HostContent::File(text), modes.clone()),
        Err(_) => (
            HostContent::Unportable("it is not a UTF-8 text file".into()),
            BTreeMap::new(),
        ),
    }
}

/// A small directory of regular files inside the project: private when the
/// directory or one of its files looks private (the first, in the order
/// the directory lists them, says why), else text files for a ConfigMap.
fn directory_content(
    files: &[(String, HostFile)],
    private: Option<String>,
    modes: &BTreeMap<String, u32>,
) -> (HostContent, BTreeMap<String, u32>) {
    let mut held = BTreeMap::new();
    let mut private = private;
    for (name, file) in files {
        if private.is_none()
            && let Some(why) = crate::model::credential::host_private(file)
        {
            private = Some(format!("`{name}`: {why}"));
        }
        held.insert(name.clone(), file.bytes.clone());
    }
    if let Some(why) = private {
        return (
            HostContent::PrivateDirectory { files: held, why },
            modes.clone(),
        );
    }
    let mut text = BTreeMap::new();
    for (name, bytes) in held {
        match String::from_utf8(bytes) {
            Ok(content) => {
                text.insert(name, content);
            }
            Err(_) => {
                return (
                    HostContent::Unportable(format!("`{name}` is not a UTF-8 text file")),
                    BTreeMap::new(),
                );
            }
        }
    }
    (HostContent::Directory(text), modes.clone())
}
