//! The host files the project's keys name, read once, in load: each
//! service's `env_file`, `label_file` and bind mounts (what their host paths
//! hold), the `file:` of each top-level config and secret one of them uses
//! (one no service of the project uses is not read:
//! [`super::Refusal::Unused`]). The model looks them up where they are named
//! (the span of the path and the path it resolves to) and opens nothing
//! itself.
//!
//! What is read is what the model used to read: the services of the project
//! (not those of inactive profiles, nor those left out by `SERVICE...` or
//! `--exclude`), in file order, each key in its service's order, so the
//! run's budget of host bytes ([`super::MAX_HOST_BYTES_TOTAL`]) runs out at
//! the same file as before. A place read once is not read again when an
//! alias, `extends` or a merge copies it into another service: each copy is
//! the same file, and the model finds it under the same place.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::bind::{BindRead, bind_path, bind_source, read_bind};
use super::{HostFile, HostFiles, Refusal, Use};
use crate::load::MAX_FILE_BYTES;
use crate::load::select::file_uses;
use crate::load::yaml::{Node, Value};
use crate::source::{FileId, Sources, Span};

/// An env or label file read: its text (registered in [`Sources`]) when it
/// is UTF-8.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostText {
    /// The text and the file it was registered as; `None` when it is not
    /// UTF-8 text.
    pub text: Option<(Arc<str>, FileId)>,
    /// Why it looks private, by the name written, the target's name or a
    /// PEM private key in it (label files only; env files are not judged).
    pub private: Option<&'static str>,
}

/// Everything load read for the keys that name host files, by where each
/// is named.
#[derive(Clone, Debug, Default)]
pub struct Named {
    texts: HashMap<(Span, PathBuf), Result<HostText, Refusal>>,
    files: HashMap<(Span, PathBuf), Result<HostFile, Refusal>>,
    /// By the bind's host path (normalised).
    binds: HashMap<PathBuf, BindRead>,
}

/// What the model is told for a file load did not read (a compose text
/// modelled without loading, as unit tests do).
fn not_read() -> Refusal {
    Refusal::Missing("it was not read while loading".into())
}

impl Named {
    /// What the bind mount of host path `path` (normalised, as
    /// [`super::bind_path`] gives it) holds; `None` when load did not read it.
    #[must_use]
    pub fn bind(&self, path: &Path) -> Option<&BindRead> {
        self.binds.get(path)
    }

    /// The env or label file named at `span`, resolving to `path`.
    ///
    /// # Errors
    /// Why it was not read.
    pub fn text(&self, span: Span, path: &Path) -> Result<&HostText, Refusal> {
        match self.texts.get(&(span, path.to_path_buf())) {
            Some(Ok(text)) => Ok(text),
            Some(Err(refusal)) => Err(refusal.clone()),
            None => Err(not_read()),
        }
    }

    /// Every host path whose content was read for the manifests (configs'
    /// and secrets' `file:`, bind-mounted files and the files of bind-mounted
    /// directories), as named and as resolved: inputs, which no output may
    /// replace. (Env and label files are inputs as sources.)
    #[must_use]
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut paths = Vec::new();
        let mut add = |named: &Path, file: &HostFile| {
            paths.push(named.to_path_buf());
            paths.push(file.real.clone());
        };
        for ((_, path), read) in &self.files {
            if let Ok(file) = read {
                add(path, file);
            }
        }
        for (path, read) in &self.binds {
            match read {
                BindRead::File { file, .. } => add(path, file),
                BindRead::Directory { files, .. } => {
                    for (name, file) in files {
                        add(&path.join(name), file);
                    }
                }
                _ => {}
            }
        }
        paths.sort();
        paths.dedup();
        paths
    }

    /// The config's or secret's `file:` named at `span`, resolving to `path`.
    ///
    /// # Errors
    /// Why it was not read.
    pub fn file(&self, span: Span, path: &Path) -> Result<&HostFile, Refusal> {
        match self.files.get(&(span, path.to_path_buf())) {
            Some(Ok(file)) => Ok(file),
            Some(Err(refusal)) => Err(refusal.clone()),
            None => Err(not_read()),
        }
    }
}

/// Reads, through `host`, every file the keys of `root` name for the
/// project in `project_dir`, and the env and label files of the services
/// `aside` (left out on the command line: compose reads those before it
/// selects); each text is registered in `sources` under its path as
/// `shown` gives it (a file read again with the same text once).
pub(crate) fn read_named(
    root: &Node,
    aside: &[(Node, Node)],
    project_dir: &Path,
    host: &HostFiles,
    sources: &mut Sources,
    shown: &dyn Fn(&Path) -> PathBuf,
) -> Named {
    let mut reading = Reading {
        project_dir,
        host,
        sources,
        shown,
        registered: HashMap::new(),
        named: Named::default(),
    };
    // The configs and secrets the project's services use: only their
    // files are read (a file only a service left out uses, by its profile
    // or the command line, costs no budget and is not opened).
    let used: HashSet<(&str, String)> = root
        .get("services")
        .and_then(Node::as_map)
        .unwrap_or_default()
        .iter()
        .flat_map(|(_, body)| file_uses(body))
        .map(|(kind, name, _)| (kind, name))
        .collect();
    for (key, value) in root.as_map().unwrap_or_default() {
        match key.scalar().as_deref() {
            Some("services") => {
                for (_, body) in value.as_map().unwrap_or_default() {
                    reading.service(body, true);
                }
            }
            Some(kind @ ("configs" | "secrets")) => {
                for (name, body) in value.as_map().unwrap_or_default() {
                    let Some(file) = body.get("file") else {
                        continue;
                    };
                    if name.scalar().is_some_and(|n| used.contains(&(kind, n))) {
                        reading.file(file);
                    } else {
                        reading.unused(file);
                    }
                }
            }
            _ => {}
        }
    }
    for (_, body) in aside {
        reading.service(body, false);
    }
    reading.named
}

/// The state of one [`read_named`].
struct Reading<'a> {
    project_dir: &'a Path,
    host: &'a HostFiles,
    sources: &'a mut Sources,
    shown: &'a dyn Fn(&Path) -> PathBuf,
    /// The file each path shown was registered as.
    registered: HashMap<PathBuf, FileId>,
    named: Named,
}

impl Reading<'_> {
    /// A service's keys, in its order; its bind mounts when `binds`.
    fn service(&mut self, body: &Node, binds: bool) {
        for (key, value) in body.as_map().unwrap_or_default() {
            match key.scalar().as_deref() {
                Some("env_file") => {
                    for path in env_file_paths(value) {
                        self.text(path, Use::EnvFile);
                    }
                }
                Some("volumes") if binds => {
                    for item in value.as_seq().unwrap_or_default() {
                        if let Some(written) = bind_source(item) {
                            let path = bind_path(&written, self.project_dir);
                            if !self.named.binds.contains_key(&path) {
                                let read = read_bind(&path, self.host);
                                self.named.binds.insert(path, read);
                            }
                        }
                    }
                }
                Some("label_file") => {
                    let paths: Vec<&Node> = match &value.value {
                        Value::Seq(items) => items.iter().collect(),
                        _ => vec![value],
                    };
                    for path in paths {
                        self.text(path, Use::LabelFile);
                    }
                }
                _ => {}
            }
        }
    }

    /// The resolved path a scalar names, and its span.
    fn path(&self, node: &Node) -> Option<(Span, PathBuf)> {
        let written = node.scalar()?;
        Some((node.span, self.project_dir.join(written)))
    }

    /// An env or label file.
    fn text(&mut self, node: &Node, what: Use) {
        let Some(key) = self.path(node) else {
            return;
        };
        if self.named.texts.contains_key(&key) {
            return;
        }
        let read = self.host.read(&key.1, MAX_FILE_BYTES).map(|file| {
            let private = (what == Use::LabelFile).then(|| file.private()).flatten();
            let text = String::from_utf8(file.bytes)
                .ok()
                .map(|text| self.register(&key.1, text));
            HostText { text, private }
        });
        self.named.texts.insert(key, read);
    }

    /// A config's or secret's `file:`.
    fn file(&mut self, node: &Node) {
        let Some(key) = self.path(node) else {
            return;
        };
        if self.named.files.contains_key(&key) {
            return;
        }
        let read = self.host.read(&key.1, MAX_FILE_BYTES);
        self.named.files.insert(key, read);
    }

    /// A config's or secret's `file:` that no service of the project uses:
    /// not read.
    fn unused(&mut self, node: &Node) {
        if let Some(key) = self.path(node) {
            self.named.files.entry(key).or_insert(Err(Refusal::Unused));
        }
    }

    /// Registers `text`, read from `path`, in the sources (once for the
    /// same text of the same file).
    fn register(&mut self, path: &Path, text: String) -> (Arc<str>, FileId) {
        let shown = (self.shown)(path);
        if let Some(&id) = self.registered.get(&shown)
            && let Some(file) = self.sources.get(id)
            && *file.text == *text
        {
            return (Arc::clone(&file.text), id);
        }
        let id = self.sources.add(&shown, text);
        self.registered.insert(shown, id);
        let text = self
            .sources
            .get(id)
            .map_or_else(|| Arc::from(""), |file| Arc::clone(&file.text));
        (text, id)
    }
}

/// The paths `env_file` names: a path, a list of paths, or long entries
/// (`path`, `required`).
fn env_file_paths(node: &Node) -> Vec<&Node> {
    match &node.value {
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| match &item.value {
                Value::Map(_) => item.get("path"),
                _ => Some(item),
            })
            .collect(),
        _ => vec![node],
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;

    use super::{Refusal, read_named};
    use crate::load::host_files::HostFiles;
    use crate::load::interpolate::Tally;
    use crate::source::{FileId, Sources};

    #[test]
    fn the_files_services_name_are_read_once_per_place_and_registered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.env"), "A=1\n").unwrap();
        std::fs::write(dir.path().join("l.labels"), "L=1\n").unwrap();
        std::fs::write(dir.path().join("c.txt"), [0xff]).unwrap();
        let text = "x: &e [a.env]\nservices:\n  s1: {env_file: *e, label_file: l.labels, configs: [c]}\n  s2: {env_file: *e}\nconfigs:\n  c: {file: c.txt}\n  d: {file: c.txt}\n";
        let root = crate::load::yaml::parse(text, FileId(0)).unwrap();
        let host = HostFiles::new(dir.path(), &[], Tally::default());
        let mut sources = Sources::default();
        let named = read_named(&root, &[], dir.path(), &host, &mut sources, &|p| {
            p.strip_prefix(dir.path()).unwrap().to_path_buf()
        });
        let shown: Vec<&Path> = sources.paths().collect();
        assert_eq!(shown, [Path::new("a.env"), Path::new("l.labels")]);
        let services = root.get("services").unwrap();
        let env = services.get("s2").unwrap().get("env_file").unwrap();
        let env = env.as_seq().unwrap().first().unwrap();
        let read = named.text(env.span, &dir.path().join("a.env")).unwrap();
        assert_eq!(&*read.text.as_ref().unwrap().0, "A=1\n");
        let config = root.get("configs").unwrap().get("c").unwrap();
        let file = config.get("file").unwrap();
        assert_eq!(
            named
                .file(file.span, &dir.path().join("c.txt"))
                .unwrap()
                .bytes,
            [0xff]
        );
        // Used by no service: not read.
        let unused = root.get("configs").unwrap().get("d").unwrap();
        let unused = unused.get("file").unwrap();
        assert_eq!(
            named
                .file(unused.span, &dir.path().join("c.txt"))
                .unwrap_err(),
            Refusal::Unused
        );
        // Named elsewhere, or resolving elsewhere: not read.
        assert!(matches!(
            named.file(file.span, &dir.path().join("a.env")),
            Err(Refusal::Missing(_))
        ));
    }
}
