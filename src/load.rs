//! Loading: finds the compose files, reads them, parses YAML with positions,
//! interpolates variables, resolves `include` and `extends`, merges several
//! files into one document, drops the services no active profile selects and
//! keeps those the command line chose (`SERVICE...`, `--exclude`), and reads
//! the host files that project's keys name (`env_file`, `label_file`, bind
//! mounts, configs' and secrets' `file:`) through one resolver,
//! [`host_files`]: the model opens no file.
//!
//! Input: file names (or none: the default names in the working directory),
//! env files, profiles, the process environment.
//! Output: a [`Document`] whose services carry no `extends` key (those of
//! inactive profiles are gone)
//! and which has no top-level `include`; problems are diagnostics with file
//! positions. Paths in included or extended files are rewritten to resolve
//! against the project directory.

pub mod dotenv;
mod extends;
mod files;
pub mod host_files;
mod include;
pub mod interpolate;
pub mod merge;
pub(crate) mod paths;
mod profiles;
mod project_files;
pub(crate) mod schema;
mod select;
pub mod yaml;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic, Diagnostics};
use crate::source::{Sources, Span};
use files::display_path;
pub use files::{read_at_most, resolve_files};
use host_files::{HostFiles, Use};
use interpolate::Variables;
use project_files::EnvFile;
use yaml::{Node, Tags, Value};

/// File names docker compose looks for, in its order of preference.
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// The largest compose (or env) file podlift reads.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The most services one project may have.
pub const MAX_SERVICES: usize = 100_000;
/// The longest chain of `extends`, and the deepest nesting of `include`.
pub const MAX_REFERENCE_DEPTH: usize = 64;
/// The most times `include` may load a file in one run. A file included
/// again with the same variables is loaded once (an include diamond costs
/// one load per file); this bounds the loads that differ.
pub const MAX_INCLUDE_LOADS: usize = 4096;
/// The deepest nesting of mappings and sequences in a compose file.
pub const MAX_DEPTH: usize = yaml::MAX_DEPTH;
/// The most events aliases (`*name`) may replay in one file (alias bombs).
pub const MAX_ALIAS_COPIED_NODES: usize = yaml::MAX_ALIAS_COPIED_NODES;

/// The name `-f` gives standard input.
const STDIN: &str = "-";

/// The env file docker compose reads beside the first compose file.
const DOTENV: &str = ".env";

/// What to load.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `-f` files, in order.
    pub files: Vec<PathBuf>,
    /// `COMPOSE_FILE`, `:`-separated, used when `files` is empty.
    pub compose_file_env: Option<String>,
    /// Where relative names resolve and default files are looked for.
    pub working_dir: PathBuf,
    /// `--env-file` files, in order (later ones win).
    pub env_files: Vec<PathBuf>,
    /// `--profile` values plus `COMPOSE_PROFILES`.
    pub profiles: Vec<String>,
    /// Whether `${VAR}` is interpolated (`--no-interpolate` turns it off).
    pub interpolate: bool,
    /// The process environment (wins over env files).
    pub environment: BTreeMap<String, String>,
    /// What `-f -` reads: the compose file given on standard input.
    pub stdin: Option<String>,
    /// `COMPOSE_PATH_SEPARATOR`: what separates the names in `compose_file_env`
    /// (default `:`).
    pub path_separator: Option<String>,
    /// `SERVICE...`: convert these and what they need (empty: every service).
    pub services: Vec<String>,
    /// `--exclude`: services left out.
    pub exclude: Vec<String>,
    /// `--allow-outside`: directories outside the project whose files may
    /// be read and carried into the manifests (configs, secrets, env files,
    /// label files, included and extended compose files).
    pub allow_outside: Vec<PathBuf>,
}

/// The loaded, merged compose document.
#[derive(Clone, Debug)]
pub struct Document {
    /// The merged YAML tree.
    pub root: Node,
    /// The directory of the first file: relative paths resolve against it.
    pub project_dir: PathBuf,
    /// The variables of the env files (`.env` or `--env-file`); compose
    /// reads `environment: [NAME]` and `COMPOSE_PROJECT_NAME` from them too,
    /// where the process environment does not set them.
    pub env_file_variables: BTreeMap<String, String>,
    /// The services no active profile selects (name, body): not part of the
    /// project, but compose refuses the file when one of them is malformed.
    pub inactive: Vec<(Node, Node)>,
    /// The services of active profiles that `SERVICE...` or `--exclude` left
    /// out (name, body): not converted, but compose refuses the file when one
    /// of them is invalid.
    pub deselected: Vec<(Node, Node)>,
    /// The resolver every host file of the project is read through.
    pub host_files: host_files::HostFiles,
    /// Top-level `name:` values that interpolation left empty (`name:
    /// ${UNSET}`): compose refuses those ("project name must not be
    /// empty"), where a `name: ""` written so is no name.
    pub emptied_names: HashSet<Span>,
}

/// Loads and merges the compose files.
///
/// # Errors
/// `None` when no document could be loaded; the reasons are in `diagnostics`.
/// Problems that leave a usable document (an unset variable, a bad `extends`)
/// are reported and the document is still returned.
pub fn load(
    options: &LoadOptions,
    sources: &mut Sources,
    diagnostics: &mut Diagnostics,
) -> Option<Document> {
    let paths = resolve_files(options, diagnostics)?;
    // As compose: the directory of the first file that is not standard
    // input (`-f - -f app/compose.yaml` is the project in `app`), else the
    // working directory.
    let project_dir = paths
        .iter()
        .find(|p| p.as_path() != Path::new(STDIN))
        .map_or_else(
            || options.working_dir.clone(),
            |p| p.parent().map(Path::to_path_buf).unwrap_or_default(),
        );
    let allowed: Vec<PathBuf> = options
        .allow_outside
        .iter()
        .map(|d| options.working_dir.join(d))
        .collect();
    let mut loader = Loader {
        options,
        sources,
        diagnostics,
        tags: Tags::new(),
        parsed: HashMap::new(),
        loaded: HashMap::new(),
        reported: HashSet::new(),
        include_stack: Vec::new(),
        included: HashSet::new(),
        include_loads: 0,
        extends_nodes: 0,
        unknown_keys: HashSet::new(),
        emptied_names: HashSet::new(),
        stdin_dir: project_dir.clone(),
        host: HostFiles::new(
            &project_dir,
            &allowed,
            interpolate::Tally::new(&options.environment),
        ),
    };
    let (variables, dotenv_profiles, env_file_variables) =
        loader.project_variables(&project_dir)?;
    let mut merged: Option<Node> = None;
    let mut failed = false;
    for path in &paths {
        let Some(node) = loader.load_file(path, &variables, None) else {
            failed = true;
            continue;
        };
        merged = Some(match merged {
            None => {
                let mut node = node;
                merge::strip_resets(&mut node, &loader.tags);
                node
            }
            Some(base) => merge::merge_documents(base, node, &loader.tags, loader.diagnostics),
        });
    }
    if failed {
        return None;
    }
    let mut root = merged?;
    if paths.len() > 1 {
        // Compose checks the merged project too: `security_opt: [a]` in
        // two files is `a` twice.
        schema::check(
            &root,
            loader.sources,
            &mut loader.unknown_keys,
            loader.diagnostics,
        );
    }
    merge::unique_volumes(&mut root);
    let active = if options.profiles.is_empty() {
        dotenv_profiles
    } else {
        options.profiles.clone()
    };
    let mut inactive = profiles::apply(&mut root, &active);
    let selection = select::Selection {
        named: &options.services,
        excluded: &options.exclude,
    };
    let deselected = select::apply(&mut root, &mut inactive, selection, loader.diagnostics)?;
    if !within_service_limit(&root, loader.diagnostics) {
        return None;
    }
    // The host files the project's keys name are read here, once, so the
    // model opens no file and their texts are in `sources`.
    let named = host_files::read_named(
        &root,
        &deselected,
        &project_dir,
        &loader.host,
        loader.sources,
        &|path| display_path(path, &options.working_dir),
    );
    loader.host.set_named(named);
    Some(Document {
        root,
        project_dir,
        env_file_variables,
        inactive,
        deselected,
        emptied_names: loader.emptied_names,
        host_files: loader.host,
    })
}

/// Whether the project has at most [`MAX_SERVICES`] services; an error
/// otherwise.
fn within_service_limit(root: &Node, diagnostics: &mut Diagnostics) -> bool {
    let services = root
        .get("services")
        .and_then(Node::as_map)
        .map_or(0, <[_]>::len);
    if services > MAX_SERVICES {
        diagnostics.push(
            Diagnostic::error(
                Code::LimitServices,
                format!(
                    "the project has {services} services, more than the limit of {MAX_SERVICES}"
                ),
            )
            .at_opt(root.get("services").map(|s| s.span))
            .help("split the project into several"),
        );
        return false;
    }
    true
}

/// Loading state shared by every file of one project.
pub(crate) struct Loader<'a> {
    options: &'a LoadOptions,
    sources: &'a mut Sources,
    pub(crate) diagnostics: &'a mut Diagnostics,
    /// `!reset` / `!override` tags of every file read.
    pub(crate) tags: Tags,
    /// Files already read and interpolated for `extends`, by path.
    parsed: HashMap<PathBuf, Option<Node>>,
    /// Files read as compose files or includes, with the variables they were
    /// read with. They are not kept in `parsed` (a copy of a large file's tree
    /// would double the memory); an `extends` into one of them reads it again,
    /// with those variables.
    loaded: HashMap<PathBuf, Variables>,
    /// Files whose problems were reported, with (a hash of) the variables
    /// they were read with: reading one again the same way reports nothing new.
    reported: HashSet<(PathBuf, u64)>,
    /// Files being included, outermost first (cycle detection).
    include_stack: Vec<PathBuf>,
    /// Files included, with (a hash of) their variables: one included again
    /// the same way adds nothing new and is not loaded again.
    included: HashSet<(PathBuf, u64)>,
    /// How many times `include` loaded a file.
    include_loads: usize,
    /// Nodes the services resolved by `extends` hold, together
    /// ([`extends::MAX_EXTENDS_NODES`]).
    extends_nodes: usize,
    /// The resolver of host files.
    pub(crate) host: HostFiles,
    /// The directory standard input's compose file (`-f -`) stands in:
    /// the project directory, as compose resolves its `include` and
    /// `extends.file` there (`-f - -f app/compose.yaml`: in `app`).
    stdin_dir: PathBuf,
    /// Unknown keys reported, by position: a file's keys met again through
    /// `include` or `extends` are reported once.
    unknown_keys: HashSet<Span>,
    /// [`Document::emptied_names`].
    emptied_names: HashSet<Span>,
}

impl Loader<'_> {
    /// The variables of the project: the process environment, then the
    /// `--env-file` files (later wins) or else `.env` in `project_dir`.
    /// Also `COMPOSE_PROFILES` from those files.
    fn project_variables(
        &mut self,
        project_dir: &Path,
    ) -> Option<(Variables, Vec<String>, BTreeMap<String, String>)> {
        let files: Vec<EnvFile> = if self.options.env_files.is_empty() {
            vec![EnvFile {
                path: project_dir.join(DOTENV),
                required: false,
                named_by: Some((Use::DotEnv, None)),
            }]
        } else {
            // `--env-file`: the user's own choice, read wherever it is.
            self.options
                .env_files
                .iter()
                .map(|f| EnvFile {
                    path: paths::normalize(&self.options.working_dir.join(f)),
                    required: true,
                    named_by: None,
                })
                .collect()
        };
        let values = self.env_files(&files)?;
        let profiles = values
            .get("COMPOSE_PROFILES")
            .map(|p| {
                p.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        Some((
            Variables::new(vec![self.options.environment.clone(), values.clone()]),
            profiles,
            values,
        ))
    }

    /// Reads and parses one file and interpolates it (cached by path).
    pub(crate) fn parse_file(
        &mut self,
        path: &Path,
        variables: &Variables,
        named_by: Option<(Use, Option<Span>)>,
    ) -> Option<Node> {
        let key = paths::real(path);
        if let Some(cached) = self.parsed.get(&key) {
            return cached.clone();
        }
        // A file already loaded is read as it was then.
        let variables = self
            .loaded
            .get(&key)
            .cloned()
            .unwrap_or_else(|| variables.clone());
        let node = self.parse_file_once(&key, path, &variables, named_by);
        self.parsed.insert(key, node.clone());
        node
    }

    /// Reads a file; when it was read before with the same variables (as a
    /// compose file, an include or for `extends`), its problems were reported
    /// then and are not repeated.
    fn parse_file_once(
        &mut self,
        key: &Path,
        path: &Path,
        variables: &Variables,
        named_by: Option<(Use, Option<Span>)>,
    ) -> Option<Node> {
        let mut hasher = std::hash::DefaultHasher::new();
        variables.hash(&mut hasher);
        let fresh = self.reported.insert((key.to_path_buf(), hasher.finish()));
        let reported = self.diagnostics.items().len();
        let node = self.parse_file_uncached(path, variables, named_by);
        if !fresh {
            self.diagnostics.truncate(reported);
        }
        node
    }

    fn parse_file_uncached(
        &mut self,
        path: &Path,
        variables: &Variables,
        named_by: Option<(Use, Option<Span>)>,
    ) -> Option<Node> {
        let shown = display_path(path, &self.options.working_dir);
        let text = if path == Path::new(STDIN) {
            files::stdin_text(self.options.stdin.as_deref(), self.diagnostics)?
        } else {
            self.read_text(path, &shown, named_by)?
        };
        let empty = text.trim().is_empty();
        let file = self.sources.add(&shown, text);
        if empty {
            self.diagnostics.push(
                Diagnostic::error(Code::FileEmpty, format!("`{}` is empty", shown.display()))
                    .help("a compose file needs at least a `services:` mapping"),
            );
            return None;
        }
        let text = self.sources.get(file).map(|f| f.text.clone())?;
        let (mut node, tags) = match yaml::parse_with_paths(&text, file) {
            Ok((node, tags, paths)) => {
                self.sources.set_key_paths(file, paths);
                (node, tags)
            }
            Err(diagnostic) => {
                self.diagnostics
                    .push(self.not_compose(diagnostic, &shown, named_by));
                return None;
            }
        };
        self.tags.extend(tags);
        if matches!(node.value, Value::Null) {
            self.diagnostics.push(
                Diagnostic::error(Code::FileEmpty, format!("`{}` is empty", shown.display()))
                    .at(node.span)
                    .help("a compose file needs at least a `services:` mapping"),
            );
            return None;
        }
        if !matches!(node.value, Value::Map(_)) {
            if let Some((what, span)) = named_by {
                // Not a compose file (perhaps not even meant as YAML, such
                // as `/proc/self/environ`): its content is never shown.
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::FileNotMapping,
                        format!(
                            "`{}` (`{}`) is not a compose file: it holds {}, not a mapping",
                            shown.display(),
                            what.key(),
                            node.type_name()
                        ),
                    )
                    .at_opt(span)
                    .help("name a compose file, which starts with keys such as `services:`"),
                );
                return None;
            }
            self.diagnostics.push(
                Diagnostic::error(
                    Code::FileNotMapping,
                    format!(
                        "`{}` must hold a mapping at the top level, found {}",
                        shown.display(),
                        node.type_name()
                    ),
                )
                .at(node.span)
                .help("a compose file starts with keys such as `services:`"),
            );
            return None;
        }
        if self.options.interpolate {
            let written = node.get("name").is_some_and(|n| n.as_str() != Some(""));
            let tally = self.host.tally().clone();
            interpolate::interpolate_tree(
                &mut node,
                variables,
                &tally,
                self.sources,
                self.diagnostics,
            );
            if let Some(name) = node
                .get("name")
                .filter(|n| written && n.as_str() == Some(""))
            {
                self.emptied_names.insert(name.span);
            }
        }
        Some(node)
    }

    /// Reads one compose file and resolves its `include` and `extends`.
    /// `origin` is what referred to it (for cycle reports).
    pub(crate) fn load_file(
        &mut self,
        path: &Path,
        variables: &Variables,
        origin: Option<Span>,
    ) -> Option<Node> {
        let key = paths::real(path);
        if self.include_stack.contains(&key) || self.include_stack.len() > MAX_REFERENCE_DEPTH {
            let chain = self
                .include_stack
                .iter()
                .chain(std::iter::once(&key))
                .map(|p| format!("`{}`", display_path(p, &self.options.working_dir).display()))
                .collect::<Vec<_>>()
                .join(" → ");
            self.diagnostics.push(
                Diagnostic::error(Code::IncludeCycle, format!("include cycle: {chain}"))
                    .at_opt(origin)
                    .help("remove one of the `include` entries of the cycle"),
            );
            return None;
        }
        if let Some(span) = origin {
            let mut hasher = std::hash::DefaultHasher::new();
            variables.hash(&mut hasher);
            if !self.included.insert((key.clone(), hasher.finish())) {
                // Included before, the same way: its resources are in the
                // project already (compose accepts such a diamond).
                return Some(Node {
                    value: Value::Map(Vec::new()),
                    span,
                });
            }
            self.include_loads += 1;
            if self.include_loads > MAX_INCLUDE_LOADS {
                self.diagnostics.push(
                    Diagnostic::error(
                        Code::LimitIncludes,
                        format!("`include` loads more than {MAX_INCLUDE_LOADS} compose files"),
                    )
                    .at(span)
                    .help("include each file once, or merge the included files"),
                );
                return None;
            }
        }
        let named_by = origin.map(|span| (Use::Include, Some(span)));
        let node = self.parse_file_once(&key, path, variables, named_by);
        self.loaded
            .entry(key.clone())
            .or_insert_with(|| variables.clone());
        let mut node = node?;
        // Standard input's paths are relative to the project directory.
        let path = if path == Path::new(STDIN) {
            self.stdin_dir.join(STDIN)
        } else {
            path.to_path_buf()
        };
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        self.include_stack.push(key);
        include::apply(self, &mut node, &dir, variables);
        self.include_stack.pop();
        extends::apply(self, &mut node, &path, variables);
        // Compose checks a file's keys once `include` and `extends` are
        // resolved: a service's unknown key inherited through `extends` is
        // refused, one in a service nothing extends is not.
        schema::check(
            &node,
            self.sources,
            &mut self.unknown_keys,
            self.diagnostics,
        );
        // Past the `extends` budget the file is not used (the error says why).
        (self.extends_nodes <= extends::MAX_EXTENDS_NODES).then_some(node)
    }

    /// The path as the user would write it.
    pub(crate) fn shown(&self, path: &Path) -> PathBuf {
        display_path(path, &self.options.working_dir)
    }

    /// The process environment.
    pub(crate) const fn environment(&self) -> &BTreeMap<String, String> {
        &self.options.environment
    }
}
