//! Why podlift will not write where `-o` points: each a usage error (exit
//! 2) that says what is wrong and what to do.

use std::path::PathBuf;

use thiserror::Error;

use super::{MANIFEST, MAX_ENTRIES};
use crate::emit::Format;

/// Why a destination is refused.
#[derive(Debug, Error)]
pub enum Refusal {
    /// `-o ''`.
    #[error("`-o` needs `-`, a directory or a file name ending in `.yaml`, `.yml` or `.json`")]
    NoOutput,
    /// `--format kustomize|helm` with `-o -`.
    #[error("`--format {}` writes a directory: add `-o DIR`", name(*.0))]
    DirectoryFormat(Format),
    /// `--format kustomize|helm` with `-o NAME.yaml`.
    #[error("`--format {}` writes a directory, but `{output}` names a file: give a directory name", name(*.format))]
    DirectoryFormatForFile {
        /// The format asked.
        format: Format,
        /// `-o` as written.
        output: String,
    },
    /// `-o NAME.json --format yaml` and the like.
    #[error("`{output}` names a {} file, but `--format {}` asks for {}: make the two agree", name(*.named).to_uppercase(), name(*.asked), name(*.asked).to_uppercase())]
    FormatMismatch {
        /// `-o` as written.
        output: String,
        /// The format its extension names.
        named: Format,
        /// The format asked.
        asked: Format,
    },
    /// The root, the working directory or `$HOME` (or a parent of them), a
    /// directory holding `.git`.
    #[error("`{output}` ({}) is {why}; podlift will not write there: choose a new directory, e.g. `-o k8s`", .path.display())]
    Protected {
        /// `-o` as written.
        output: String,
        /// Where it points.
        path: PathBuf,
        /// What it is.
        why: &'static str,
    },
    /// A directory holding an input file.
    #[error("`{}` holds the input file `{}`; podlift will not write there: choose a new directory, e.g. `-o k8s`", .directory.display(), .input.display())]
    HoldsInput {
        /// The directory.
        directory: PathBuf,
        /// The input, as the run named it.
        input: PathBuf,
    },
    /// A file that is an input.
    #[error("`{}` is an input file; podlift will not overwrite it: choose another file name", .0.display())]
    IsInput(PathBuf),
    /// `-o NAME.yaml` names a directory.
    #[error(
        "`{0}` is a directory; name a file that does not exist, or drop the extension to write a directory"
    )]
    FileIsDirectory(String),
    /// `-o NAME.yaml` names something that is no regular file.
    #[error("`{0}` exists and is not a regular file; choose another name")]
    FileNotRegular(String),
    /// `-o NAME.yaml` exists, without `--force`.
    #[error("`{0}` exists; add `--force` to replace it (podlift replaces only a file it wrote)")]
    FileExists(String),
    /// `-o NAME.yaml` exists and is not podlift's output.
    #[error(
        "`{0}` exists and was not written by podlift; podlift will not replace it: choose another file name, or move it away"
    )]
    FileNotWritten(String),
    /// A symbolic link at `-o`.
    #[error(
        "`{0}` is a symbolic link; podlift never writes through a link: name the file or directory itself, or remove the link"
    )]
    Link(String),
    /// `-o DIR` names something that is no directory.
    #[error("`{0}` exists and is not a directory")]
    NotDirectory(String),
    /// `-o DIR` cannot be looked through.
    #[error("`{output}` cannot be read: {why}")]
    Unreadable {
        /// `-o` as written.
        output: String,
        /// Why.
        why: Unlisted,
    },
    /// `-o DIR` holds files and no list of podlift's.
    #[error(
        "`{0}` is not empty and podlift did not write it (it has no `{MANIFEST}`); podlift will not replace it: choose a new directory, or empty it yourself"
    )]
    NoManifest(String),
    /// `-o DIR` holds a list of podlift's that cannot be used.
    #[error(
        "`{output}` has a `{MANIFEST}` podlift cannot use ({why}); podlift will not replace the directory: choose a new one"
    )]
    BadManifest {
        /// `-o` as written.
        output: String,
        /// Why.
        why: ManifestError,
    },
    /// `-o DIR` holds files podlift did not write.
    #[error(
        "`{output}` holds files podlift did not write ({names}); podlift will not replace it: choose a new directory, or move them away"
    )]
    Foreign {
        /// `-o` as written.
        output: String,
        /// The first few, named.
        names: String,
    },
    /// `-o DIR` holds podlift's output, without `--force`.
    #[error("`{0}` holds podlift's earlier output; add `--force` to replace it")]
    NeedsForce(String),
}

/// Why a directory's entries could not be listed.
#[derive(Debug, Error)]
pub enum Unlisted {
    /// Reading it failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// It holds more than [`MAX_ENTRIES`].
    #[error("it holds more than {MAX_ENTRIES} entries")]
    TooMany,
}

/// Why a directory's [`MANIFEST`] cannot be used.
#[derive(Debug, Error)]
pub enum ManifestError {
    /// Not a regular file.
    #[error("it is not a regular file")]
    NotRegular,
    /// Reading it failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Over the file-size limit.
    #[error("it is too large")]
    TooLarge,
    /// Not UTF-8.
    #[error("it is not UTF-8 text")]
    NotText,
    /// A line that is no path inside the directory.
    #[error("it lists `{0}`, which is not inside the directory")]
    Outside(String),
}

/// The format's name on the command line.
const fn name(format: Format) -> &'static str {
    match format {
        Format::Yaml => "yaml",
        Format::Json => "json",
        Format::Kustomize => "kustomize",
        Format::Helm => "helm",
    }
}
