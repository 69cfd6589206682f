//! Emitting: objects → text and files. stdout gets a YAML stream (what
//! `kubectl apply -f -` reads) or a JSON `List`; a directory gets one file per
//! object, a Kustomize base or a Helm chart, written all-or-nothing. Each
//! object is written as render hands it on (rendered once, measured, then
//! written), and nothing reaches its destination before every object was
//! measured.

mod files;
mod format;
mod helm;
mod kustomize;
mod spool;
mod stream;
pub mod target;

use std::io::Write;
use std::path::PathBuf;

use crate::render::{Object, Rendered, RenderedObject};
pub use files::Access;
use files::{stage, write_directory, write_file};
pub use format::Format;
use spool::Spool;
use stream::{Failure, write_documents, write_json_items, write_json_list, write_object_file};

/// Where the output goes ([`target::resolve`] decides it, checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// One file (`--format yaml` or `json`), replaced atomically; with the
    /// identity of the file there that the check found podlift's (`--force`
    /// replaces only that one).
    File(PathBuf, Option<target::Identity>),
    /// A directory, replaced as a whole; only podlift's own files are
    /// ever removed from it.
    Directory(PathBuf),
}

/// How to emit.
#[derive(Clone, Debug)]
pub struct EmitOptions {
    /// The format.
    pub format: Format,
    /// The destination.
    pub output: Output,
    /// Replace a non-empty directory.
    pub force: bool,
    /// The project name (chart and kustomization names).
    pub project: String,
}

/// Why nothing was written; each holds what went wrong and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmitError {
    /// The command line asked for something impossible (a directory format
    /// without `-o DIR`, a directory podlift may not replace).
    Usage(String),
    /// Writing or serialising failed.
    Write(String),
}

impl EmitError {
    fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    fn io(message: impl Into<String>) -> Self {
        Self::Write(message.into())
    }

    /// What went wrong and what to do.
    #[must_use]
    pub fn message(&self) -> &str {
        match self {
            Self::Usage(message) | Self::Write(message) => message,
        }
    }

    fn stdout(error: &std::io::Error) -> Self {
        Self::io(format!("cannot write to standard output: {error}"))
    }
}

/// One file of a directory output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct File {
    /// Its path relative to the directory.
    pub path: PathBuf,
    /// Its content.
    pub text: String,
    /// Who may read it.
    pub access: Access,
}

/// Writes the objects of `rendered` as they are rendered, each rendered
/// once: into a directory's staging copy, or held back for a stream
/// (standard output, one file; [`spool`]). Once every object was rendered
/// and measured, `decide` finishes `rendered` ([`Rendered::finish`]: its
/// findings, the Namespace) and says whether the output may be written;
/// when it says no, nothing is (the staging copy is removed). Says whether
/// it wrote.
///
/// # Errors
/// When an object cannot be serialised, the format needs a directory, or the
/// output cannot be written; a directory is never left half-written.
pub fn emit<'p>(
    rendered: &mut Rendered<'p>,
    options: &EmitOptions,
    stdout: &mut dyn Write,
    decide: impl FnOnce(&mut Rendered<'p>) -> bool,
) -> Result<bool, EmitError> {
    match (&options.output, options.format) {
        (Output::Stdout, Format::Yaml | Format::Json) => {
            let Some(mut held) = Held::hold(rendered, options.format, decide)? else {
                return Ok(false);
            };
            match held.write(rendered.namespace(), stdout) {
                // The reader went away (`podlift convert | head`): stop, quietly.
                Err(Failure::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
                Err(Failure::Write(e)) => Err(EmitError::stdout(&e)),
                Err(Failure::Serialise(message)) => Err(EmitError::io(message)),
                Ok(_) => Ok(true),
            }
        }
        (Output::Stdout | Output::File(..), Format::Kustomize | Format::Helm) => {
            Err(EmitError::usage(
                "`--format kustomize` and `--format helm` write a directory: add `-o DIR`",
            ))
        }
        (Output::File(path, checked), Format::Yaml | Format::Json) => {
            let Some(mut held) = Held::hold(rendered, options.format, decide)? else {
                return Ok(false);
            };
            let namespace = rendered.namespace();
            write_file(path, options.force, *checked, |file| {
                held.write(namespace, file)
                    .map(Access::private_if)
                    .map_err(|failure| match failure {
                        Failure::Write(e) => {
                            EmitError::io(format!("cannot write `{}`: {e}", path.display()))
                        }
                        Failure::Serialise(message) => EmitError::io(message),
                    })
            })?;
            Ok(true)
        }
        (Output::Directory(dir), Format::Yaml | Format::Json | Format::Kustomize) => {
            // One file per object, each written as it is rendered; a
            // Kustomize base adds the kustomization that lists them.
            let written = write_directory(dir, options.force, |staging| {
                let mut base = kustomize::Base::default();
                let mut files = || -> Result<(), EmitError> {
                    for object in rendered.by_ref() {
                        let name = write_object_file(&object, options.format, staging)?;
                        base.add(name, &object);
                    }
                    Ok(())
                };
                let files = files();
                if !decide(rendered) {
                    return Err(Stop::Withheld);
                }
                files?;
                if let Some(namespace) = rendered.namespace() {
                    let name = write_object_file(namespace, options.format, staging)?;
                    base.add_first(name, namespace);
                }
                if options.format == Format::Kustomize {
                    let text = base
                        .kustomization()
                        .map_err(|e| EmitError::io(e.to_string()))?;
                    let kustomization = File {
                        path: PathBuf::from("kustomization.yaml"),
                        text,
                        access: Access::Shared,
                    };
                    stage(staging, &[kustomization])?;
                }
                Ok(())
            });
            match written {
                Ok(()) => Ok(true),
                Err(Stop::Withheld) => Ok(false),
                Err(Stop::Failed(e)) => Err(e),
            }
        }
        (Output::Directory(dir), Format::Helm) => {
            // A chart is made of whole objects (its templates are trees of
            // them, its values gathered from all).
            let mut objects: Vec<Object> =
                rendered.by_ref().map(RenderedObject::into_object).collect();
            if !decide(rendered) {
                return Ok(false);
            }
            if let Some(namespace) = rendered.namespace() {
                objects.insert(0, namespace.object().clone());
            }
            let files = helm::files(&objects, rendered, &options.project)
                .map_err(|e| EmitError::io(e.to_string()))?;
            write_directory(dir, options.force, |staging| stage(staging, &files))?;
            Ok(true)
        }
    }
}

/// Why a directory was not written: `decide` withheld it, or writing failed.
enum Stop {
    Withheld,
    Failed(EmitError),
}

impl From<EmitError> for Stop {
    fn from(error: EmitError) -> Self {
        Self::Failed(error)
    }
}

/// A stream's objects but the Namespace, written as they were rendered and
/// held back until the findings allow the output.
struct Held {
    spool: Spool,
    format: Format,
    json: stream::JsonItems,
    secret: bool,
}

impl Held {
    /// Writes every object of `rendered` into a spool as it is rendered,
    /// then asks `decide`: `None` when the output is withheld.
    fn hold<'p>(
        rendered: &mut Rendered<'p>,
        format: Format,
        decide: impl FnOnce(&mut Rendered<'p>) -> bool,
    ) -> Result<Option<Self>, EmitError> {
        let mut spool = Spool::new();
        let written = if format == Format::Json {
            write_json_items(rendered.by_ref(), &mut spool).map(|json| (json, json.secret))
        } else {
            write_documents(rendered.by_ref(), &mut spool)
                .map(|secret| (stream::JsonItems::default(), secret))
        };
        // The findings first: a refused output is not written, whatever
        // else went wrong.
        if !decide(rendered) {
            return Ok(None);
        }
        let (json, secret) = written.map_err(|failure| match failure {
            Failure::Write(e) => {
                EmitError::io(format!("cannot hold the output in a temporary file: {e}"))
            }
            Failure::Serialise(message) => EmitError::io(message),
        })?;
        Ok(Some(Self {
            spool,
            format,
            json,
            secret,
        }))
    }

    /// Writes `namespace` (first in apply order), then what was held; says
    /// whether it wrote secret data.
    fn write(
        &mut self,
        namespace: Option<&RenderedObject>,
        out: &mut dyn Write,
    ) -> Result<bool, Failure> {
        if self.format == Format::Json {
            let spool = &mut self.spool;
            write_json_list(namespace, |out| spool.copy_to(out), self.json.count, out)?;
        } else {
            write_documents(namespace.into_iter().cloned(), out)?;
            self.spool.copy_to(out).map_err(Failure::Write)?;
        }
        Ok(self.secret)
    }
}

/// The stable file name of an object: `<kind>-<name>.<extension>`, lowercase.
#[must_use]
pub fn file_name(object: &Object, extension: &str) -> String {
    format!(
        "{}-{}.{extension}",
        object.kind().to_ascii_lowercase(),
        object.name()
    )
}
