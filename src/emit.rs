//! Emitting: objects → text and files. stdout gets a YAML stream (what
//! `kubectl apply -f -` reads) or a JSON `List`; a directory gets one file per
//! object, a Kustomize base or a Helm chart, written all-or-nothing.

mod files;
mod format;
mod helm;
mod kustomize;
mod stream;
pub mod target;
pub mod yaml;

use std::io::Write;
use std::path::PathBuf;

use crate::render::{Object, Rendered};
pub use files::Access;
use files::{stage, write_directory, write_file};
pub use format::Format;
use stream::{Failure, write_documents, write_json_list, write_object_file};

/// Where the output goes ([`target::resolve`] decides it, checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// One file (`--format yaml` or `json`), replaced atomically.
    File(PathBuf),
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

/// Writes the objects `rendered` holds: to `stdout` one object at a time as
/// they are rendered, or into a directory.
///
/// # Errors
/// When an object cannot be serialised, the format needs a directory, or the
/// output cannot be written; a directory is never left half-written.
pub fn emit(
    rendered: &Rendered<'_>,
    options: &EmitOptions,
    stdout: &mut dyn Write,
) -> Result<(), EmitError> {
    match (&options.output, options.format) {
        (Output::Stdout, Format::Yaml | Format::Json) => {
            let written = if options.format == Format::Yaml {
                write_documents(rendered, stdout)
            } else {
                write_json_list(rendered, stdout)
            };
            match written {
                // The reader went away (`podlift convert | head`): stop, quietly.
                Err(Failure::Write(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(Failure::Write(e)) => Err(EmitError::stdout(&e)),
                Err(Failure::Serialise(message)) => Err(EmitError::io(message)),
                Ok(_) => Ok(()),
            }
        }
        (Output::Stdout | Output::File(_), Format::Kustomize | Format::Helm) => {
            Err(EmitError::usage(
                "`--format kustomize` and `--format helm` write a directory: add `-o DIR`",
            ))
        }
        (Output::File(path), Format::Yaml | Format::Json) => write_file(path, |file| {
            let written = if options.format == Format::Yaml {
                write_documents(rendered, file)
            } else {
                write_json_list(rendered, file)
            };
            written
                .map(Access::private_if)
                .map_err(|failure| match failure {
                    Failure::Write(e) => {
                        EmitError::io(format!("cannot write `{}`: {e}", path.display()))
                    }
                    Failure::Serialise(message) => EmitError::io(message),
                })
        }),
        (Output::Directory(dir), Format::Yaml | Format::Json | Format::Kustomize) => {
            // One file per object, each rendered just before it is written;
            // a Kustomize base adds the kustomization that lists them.
            write_directory(dir, options.force, |staging| {
                let mut base = kustomize::Base::default();
                for object in rendered.objects() {
                    let name = write_object_file(&object, options.format, staging)?;
                    base.add(name, &object);
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
            })
        }
        (Output::Directory(dir), Format::Helm) => {
            let files = helm::files(rendered, &options.project)
                .map_err(|e| EmitError::io(e.to_string()))?;
            write_directory(dir, options.force, |staging| stage(staging, &files))
        }
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
