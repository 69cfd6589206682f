//! Objects written one at a time as YAML documents or JSON, to a stream or
//! a file: neither a large project's objects nor its text are held whole.

use std::cell::Cell;
use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde::ser::SerializeSeq;

use super::Format;
use super::files::{Access, create};
use crate::emit::{EmitError, file_name};
use crate::render::{Object, Rendered, RenderedObject};

/// Why writing to stdout stopped.
pub(super) enum Failure {
    Write(std::io::Error),
    Serialise(String),
}

impl Failure {
    fn of(error: &super::yaml::Error, object: &Object) -> Self {
        Self::Serialise(format!("cannot write {} as YAML: {error}", object.kind()))
    }
}

/// Whether an object holds secret data (a Secret): its file is for its owner only.
pub(super) const fn is_secret(object: &Object) -> bool {
    matches!(object, Object::Secret(_))
}

/// Writes the objects as a YAML stream straight to `out`, rendering each just
/// before it is written: neither the objects of a large project nor its text
/// (14 MB at 10,000 services) are held in memory as a whole. Says whether
/// it wrote secret data.
pub(super) fn write_documents(
    rendered: &Rendered<'_>,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    let mut sink = Sink {
        out,
        buffer: String::with_capacity(2 * Sink::CHUNK),
        last: None,
        error: None,
    };
    let mut secret = false;
    for object in rendered.objects() {
        secret |= is_secret(object.object());
        sink.push("---\n").map_err(|()| sink.failure())?;
        write_document(&mut sink, &object)?;
    }
    sink.flush().map_err(|()| sink.failure())?;
    Ok(secret)
}

/// Writes `rendered` into `sink` as one YAML document (without `---`),
/// ending in a newline.
pub(super) fn write_document(
    sink: &mut Sink<'_>,
    rendered: &RenderedObject,
) -> Result<(), Failure> {
    if let Err(e) = super::yaml::to_fmt_writer(&mut *sink, rendered) {
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
pub(super) fn write_object_file(
    rendered: &RenderedObject,
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
    let access = Access::private_if(is_secret(rendered.object()));
    let mut file = create(&path, access).map_err(|e| fail(&e))?;
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
pub(super) fn write_json_object(
    rendered: &RenderedObject,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    serde_json::to_writer_pretty(&mut out, rendered).map_err(json_failure)?;
    out.write_all(b"\n").map_err(Failure::Write)?;
    out.flush().map_err(Failure::Write)
}

pub(super) fn json_failure(error: serde_json::Error) -> Failure {
    if error.is_io() {
        // keeps the kind: a closed pipe must stay a closed pipe
        Failure::Write(std::io::Error::from(error))
    } else {
        Failure::Serialise(format!("cannot write JSON: {error}"))
    }
}

/// Gathers serialised text and passes it on in pieces of about 64 KiB: the
/// serializer writes many short strings, and a `String` takes them cheaply.
pub(super) struct Sink<'a> {
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
pub(super) struct JsonList<'a, 'p> {
    api_version: &'static str,
    items: JsonItems<'a, 'p>,
    kind: &'static str,
}

/// The items, and whether one of them was a Secret.
pub(super) struct JsonItems<'a, 'p>(&'a Rendered<'p>, Cell<bool>);

impl Serialize for JsonItems<'_, '_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let objects = self.0.objects();
        let mut seq = serializer.serialize_seq(Some(objects.len()))?;
        for object in objects {
            if is_secret(object.object()) {
                self.1.set(true);
            }
            seq.serialize_element(&object)?;
        }
        seq.end()
    }
}

/// Writes the objects as a JSON `List`; says whether it wrote secret data.
pub(super) fn write_json_list(
    rendered: &Rendered<'_>,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    let list = JsonList {
        api_version: "v1",
        items: JsonItems(rendered, Cell::new(false)),
        kind: "List",
    };
    serde_json::to_writer_pretty(&mut out, &list).map_err(json_failure)?;
    out.write_all(b"\n").map_err(Failure::Write)?;
    out.flush().map_err(Failure::Write)?;
    Ok(list.items.1.get())
}
