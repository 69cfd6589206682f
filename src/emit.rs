//! Emitting: objects → text and files. stdout gets a YAML stream (what
//! `kubectl apply -f -` reads) or a JSON `List`; a directory gets one file per
//! object, a Kustomize base or a Helm chart, written all-or-nothing.

pub mod helm;
pub mod kustomize;
pub mod target;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::ser::SerializeSeq;

use crate::cli::Format;
use crate::render::{Object, Rendered, RenderedObject};

/// Where the output goes.
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
    /// The Kubernetes version targeted (`--kube-version`), `MAJOR.MINOR`:
    /// the chart's `kubeVersion` requires at least it.
    pub kube_version: (u32, u32),
}

/// Why nothing was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitError {
    /// The command line asked for something impossible (exit 2), not the input.
    pub usage: bool,
    /// What went wrong and what to do.
    pub message: String,
}

impl EmitError {
    fn usage(message: impl Into<String>) -> Self {
        Self {
            usage: true,
            message: message.into(),
        }
    }

    fn io(message: impl Into<String>) -> Self {
        Self {
            usage: false,
            message: message.into(),
        }
    }

    fn stdout(error: &std::io::Error) -> Self {
        Self::io(format!("cannot write to standard output: {error}"))
    }
}

/// One file of a directory output: a path relative to the directory and its content.
pub type File = (PathBuf, String);

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
                Ok(()) => Ok(()),
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
            written.map_err(|failure| match failure {
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
                    let text = base.kustomization().map_err(EmitError::io)?;
                    stage(staging, &[(PathBuf::from("kustomization.yaml"), text)])?;
                }
                Ok(())
            })
        }
        (Output::Directory(dir), Format::Helm) => {
            let files = helm::files(rendered, &options.project, options.kube_version)
                .map_err(EmitError::io)?;
            write_directory(dir, options.force, |staging| stage(staging, &files))
        }
    }
}

/// Why writing to stdout stopped.
enum Failure {
    Write(std::io::Error),
    Serialise(String),
}

impl Failure {
    fn of(error: &serde_saphyr::ser::Error, object: &Object) -> Self {
        Self::Serialise(format!("cannot write {} as YAML: {error}", object.kind()))
    }
}

/// Writes the objects as a YAML stream straight to `out`, rendering each just
/// before it is written: neither the objects of a large project nor its text
/// (14 MB at 10,000 services) are held in memory as a whole.
fn write_documents(rendered: &Rendered<'_>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut sink = Sink {
        out,
        buffer: String::with_capacity(2 * Sink::CHUNK),
        last: None,
        error: None,
    };
    for object in rendered.objects() {
        sink.push("---\n").map_err(|()| sink.failure())?;
        write_document(&mut sink, &object)?;
    }
    sink.flush().map_err(|()| sink.failure())
}

/// Writes `rendered` into `sink` as one YAML document (without `---`),
/// ending in a newline.
fn write_document(sink: &mut Sink<'_>, rendered: &RenderedObject<'_>) -> Result<(), Failure> {
    if let Err(e) = serde_saphyr::to_fmt_writer(&mut *sink, rendered) {
        return Err(match sink.error.take() {
            Some(error) => Failure::Write(error),
            None => Failure::of(&e, rendered.object()),
        });
    }
    if sink.last() != Some(b'\n') {
        sink.push("\n").map_err(|()| sink.failure())?;
    }
    Ok(())
}

/// Writes an object into its own file in `dir` (`<kind>-<name>.json` for
/// JSON, `.yaml` otherwise); returns the file's name.
fn write_object_file(
    rendered: &RenderedObject<'_>,
    format: Format,
    dir: &Path,
) -> Result<String, EmitError> {
    let extension = if format == Format::Json {
        "json"
    } else {
        "yaml"
    };
    let name = file_name(rendered.object(), extension);
    let path = dir.join(&name);
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    let mut file = std::fs::File::create(&path).map_err(|e| fail(&e))?;
    let written = if format == Format::Json {
        write_json_object(rendered, &mut file)
    } else {
        let mut sink = Sink {
            out: &mut file,
            buffer: String::with_capacity(2 * Sink::CHUNK),
            last: None,
            error: None,
        };
        write_document(&mut sink, rendered).and_then(|()| sink.flush().map_err(|()| sink.failure()))
    };
    match written {
        Ok(()) => Ok(name),
        Err(Failure::Write(e)) => Err(fail(&e)),
        Err(Failure::Serialise(message)) => Err(EmitError::io(message)),
    }
}

/// One object as pretty JSON ending in a newline.
fn write_json_object(rendered: &RenderedObject<'_>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, rendered).map_err(json_failure)?;
    out.write_all(b"\n").map_err(Failure::Write)?;
    out.flush().map_err(Failure::Write)
}

fn json_failure(error: serde_json::Error) -> Failure {
    if error.is_io() {
        // keeps the kind: a closed pipe must stay a closed pipe
        Failure::Write(std::io::Error::from(error))
    } else {
        Failure::Serialise(format!("cannot write JSON: {error}"))
    }
}

/// Gathers serialised text and passes it on in pieces of about 64 KiB: the
/// serializer writes many short strings, and a `String` takes them cheaply.
struct Sink<'a> {
    out: &'a mut dyn Write,
    buffer: String,
    /// The last byte passed on.
    last: Option<u8>,
    /// Why writing failed.
    error: Option<std::io::Error>,
}

impl Sink<'_> {
    const CHUNK: usize = 64 * 1024;

    fn push(&mut self, text: &str) -> Result<(), ()> {
        self.buffer.push_str(text);
        if self.buffer.len() >= Self::CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ()> {
        if let Some(&last) = self.buffer.as_bytes().last() {
            self.last = Some(last);
        }
        let written = self.out.write_all(self.buffer.as_bytes());
        self.buffer.clear();
        written.map_err(|e| self.error = Some(e))
    }

    fn last(&self) -> Option<u8> {
        self.buffer.as_bytes().last().copied().or(self.last)
    }

    fn failure(&mut self) -> Failure {
        Failure::Write(
            self.error
                .take()
                .unwrap_or_else(|| std::io::Error::other("write failed")),
        )
    }
}

impl std::fmt::Write for Sink<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        self.push(text).map_err(|()| std::fmt::Error)
    }
}

/// A `List` of the objects, rendered one at a time while written. Each item
/// keeps its object's key order (`apiVersion`, `kind`, …), as the per-object
/// files do.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonList<'a, 'p> {
    api_version: &'static str,
    items: JsonItems<'a, 'p>,
    kind: &'static str,
}

struct JsonItems<'a, 'p>(&'a Rendered<'p>);

impl Serialize for JsonItems<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let objects = self.0.objects();
        let mut seq = serializer.serialize_seq(Some(objects.len()))?;
        for object in objects {
            seq.serialize_element(&object)?;
        }
        seq.end()
    }
}

fn write_json_list(rendered: &Rendered<'_>, out: &mut dyn Write) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let list = JsonList {
        api_version: "v1",
        items: JsonItems(rendered),
        kind: "List",
    };
    serde_json::to_writer_pretty(&mut out, &list).map_err(json_failure)?;
    out.write_all(b"\n").map_err(Failure::Write)?;
    out.flush().map_err(Failure::Write)
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

/// The sibling of `path` named `.NAME.podlift-PID[suffix]`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let base = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    parent.join(format!(".{base}.podlift-{}{suffix}", std::process::id()))
}

/// Writes one file atomically: into a temporary file beside it, which then
/// takes its place.
fn write_file(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> Result<(), EmitError>,
) -> Result<(), EmitError> {
    let temporary = sibling(path, ".tmp");
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
    }
    // The file it replaces keeps its permissions (`chmod 600` on output that
    // holds Secrets must survive `--force`).
    let kept = std::fs::metadata(path).ok().map(|m| m.permissions());
    let result = std::fs::File::create(&temporary)
        .map_err(|e| fail(&e))
        .and_then(|mut file| {
            if let Some(permissions) = kept {
                file.set_permissions(permissions).map_err(|e| fail(&e))?;
            }
            fill(&mut file)?;
            file.sync_all().map_err(|e| fail(&e))
        })
        .and_then(|()| std::fs::rename(&temporary, path).map_err(|e| fail(&e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Writes into `dir` all-or-nothing: `fill` writes everything into a fresh
/// sibling directory first, which then takes `dir`'s place. An existing
/// `dir` must hold only files podlift listed in its manifest
/// ([`target::MANIFEST`]); after the swap exactly those are removed, and a
/// file that appeared meanwhile stays where it is.
fn write_directory(
    dir: &Path,
    force: bool,
    fill: impl FnOnce(&Path) -> Result<(), EmitError>,
) -> Result<(), EmitError> {
    let shown = dir.display().to_string();
    let previous = target::check_directory(dir, &shown, force)
        .map_err(|refusal| EmitError::usage(refusal.message))?;
    let staging = sibling(dir, "");
    let io = |path: &Path, e: &std::io::Error| {
        EmitError::io(format!("cannot write `{}`: {e}", path.display()))
    };
    // The directory it replaces keeps its permissions (`chmod 700` on
    // output that holds Secrets must survive `--force`).
    let kept = std::fs::metadata(dir).ok().map(|m| m.permissions());
    let result = std::fs::create_dir_all(&staging)
        .map_err(|e| io(&staging, &e))
        .and_then(|()| match kept {
            Some(permissions) => {
                std::fs::set_permissions(&staging, permissions).map_err(|e| io(&staging, &e))
            }
            None => Ok(()),
        })
        .and_then(|()| fill(&staging))
        .and_then(|()| {
            let mut files = Vec::new();
            list_files(&staging, Path::new(""), &mut files).map_err(|e| io(&staging, &e))?;
            std::fs::write(
                staging.join(target::MANIFEST),
                target::manifest_text(&files),
            )
            .map_err(|e| io(&staging, &e))
        })
        .and_then(|()| swap(dir, &staging, &previous));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&staging);
    }
    result
}

/// Every file below `dir`, relative to it.
fn list_files(dir: &Path, relative: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir.join(relative))? {
        let entry = entry?;
        let path = relative.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            list_files(dir, &path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Puts `staging` in `dir`'s place. The old directory is moved aside first,
/// then only the files its manifest lists (and the manifest) are removed,
/// and its directories only when empty.
fn swap(dir: &Path, staging: &Path, previous: &target::Previous) -> Result<(), EmitError> {
    let replace =
        |e: &std::io::Error| EmitError::io(format!("cannot replace `{}`: {e}", dir.display()));
    if std::fs::symlink_metadata(dir).is_err() {
        return std::fs::rename(staging, dir).map_err(|e| replace(&e));
    }
    let old = sibling(dir, ".old");
    std::fs::rename(dir, &old).map_err(|e| replace(&e))?;
    if let Err(e) = std::fs::rename(staging, dir) {
        let _ = std::fs::rename(&old, dir);
        return Err(replace(&e));
    }
    let mut directories = std::collections::BTreeSet::new();
    for file in previous
        .files
        .iter()
        .map(PathBuf::as_path)
        .chain([Path::new(target::MANIFEST)])
    {
        let _ = std::fs::remove_file(old.join(file));
        let mut parent = file.parent();
        while let Some(p) = parent.filter(|p| !p.as_os_str().is_empty()) {
            directories.insert(p.to_path_buf());
            parent = p.parent();
        }
    }
    // Deepest first; `remove_dir` leaves a directory that is not empty.
    for directory in directories.iter().rev() {
        let _ = std::fs::remove_dir(old.join(directory));
    }
    let _ = std::fs::remove_dir(&old);
    Ok(())
}

fn stage(staging: &Path, files: &[File]) -> Result<(), EmitError> {
    let fail =
        |e: std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", staging.display()));
    std::fs::create_dir_all(staging).map_err(fail)?;
    for (path, content) in files {
        let full = staging.join(path);
        if let Some(parent) = full.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&full, content).map_err(fail)?;
    }
    Ok(())
}
