//! Objects written one at a time as YAML documents or JSON, to a stream or
//! a file: neither a large project's objects nor its text are held in
//! memory whole.

use std::io::Write;
use std::path::Path;

use super::Format;
use super::files::{Access, Staging};
use crate::diagnostic::printable::JsonPrintable;
use crate::emit::{EmitError, file_name};
use crate::render::{Object, RenderedObject};
use crate::yaml_writer::Documents;

/// Why writing to stdout stopped.
#[derive(Debug)]
pub(super) enum Failure {
    Write(std::io::Error),
    Serialise(String),
}

impl Failure {
    fn of(error: &crate::yaml_writer::Error, object: &Object) -> Self {
        Self::Serialise(format!("cannot write {} as YAML: {error}", object.kind()))
    }
}

/// Whether an object holds secret data (a Secret): its file is for its owner only.
pub(super) const fn is_secret(object: &Object) -> bool {
    matches!(object, Object::Secret(_))
}

/// Writes `objects` as YAML documents (each after `---`) straight to
/// `out`, each as it comes: neither the objects of a large project nor its
/// text (85 MB at 10,000 services split) are held in memory as a whole.
/// Says whether it wrote secret data.
pub(super) fn write_documents(
    objects: impl Iterator<Item = RenderedObject>,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    let mut sink = Sink {
        out,
        buffer: String::with_capacity(2 * Sink::CHUNK),
        last: None,
        error: None,
    };
    let mut secret = false;
    let mut documents = Documents::new();
    for object in objects {
        secret |= is_secret(object.object());
        sink.push("---\n").map_err(|()| sink.failure())?;
        write_document(&mut sink, &object, &mut documents)?;
    }
    sink.flush().map_err(|()| sink.failure())?;
    Ok(secret)
}

/// Writes `rendered` into `sink` as one YAML document (without `---`),
/// ending in a newline, with the writer of the documents before it.
pub(super) fn write_document(
    sink: &mut Sink<'_>,
    rendered: &RenderedObject,
    documents: &mut Documents,
) -> Result<(), Failure> {
    if let Err(e) = documents.write(&mut *sink, rendered) {
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
    dir: &Staging,
) -> Result<String, EmitError> {
    let extension = if format == Format::Json {
        "json"
    } else {
        "yaml"
    };
    let name = file_name(rendered.object(), extension);
    let path = dir.path().join(&name);
    let fail =
        |e: &std::io::Error| EmitError::io(format!("cannot write `{}`: {e}", path.display()));
    let access = Access::private_if(is_secret(rendered.object()));
    let mut file = dir.create(Path::new(&name), access).map_err(|e| fail(&e))?;
    let written = if format == Format::Json {
        write_json_object(rendered, &mut file)
    } else {
        let mut sink = Sink {
            out: &mut file,
            buffer: String::with_capacity(2 * Sink::CHUNK),
            last: None,
            error: None,
        };
        write_document(&mut sink, rendered, &mut Documents::new())
            .and_then(|()| sink.flush().map_err(|()| sink.failure()))
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
    serde_json::to_writer_pretty(JsonPrintable::new(&mut out), rendered).map_err(json_failure)?;
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

    /// One character, pushed as it is (the writer's `:`, spaces and line
    /// breaks): no string to copy.
    fn write_char(&mut self, c: char) -> std::fmt::Result {
        self.buffer.push(c);
        if self.buffer.len() >= Self::CHUNK {
            self.flush().map_err(|()| std::fmt::Error)?;
        }
        Ok(())
    }
}

/// What [`write_json_items`] wrote.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct JsonItems {
    /// How many items.
    pub count: usize,
    /// Whether one of them was a Secret.
    pub secret: bool,
}

/// Writes `objects` as the items of a JSON `List`, each as it comes: pretty
/// JSON indented for its place in the list, separated by `,`.
pub(super) fn write_json_items(
    objects: impl Iterator<Item = RenderedObject>,
    out: &mut dyn Write,
) -> Result<JsonItems, Failure> {
    let mut out = Indented::new(std::io::BufWriter::with_capacity(64 * 1024, out));
    let mut items = JsonItems::default();
    for object in objects {
        items.secret |= is_secret(object.object());
        if items.count > 0 {
            out.write_all(b",\n").map_err(Failure::Write)?;
        }
        serde_json::to_writer_pretty(JsonPrintable::new(&mut out), &object)
            .map_err(json_failure)?;
        items.count += 1;
    }
    out.flush().map_err(Failure::Write)?;
    Ok(items)
}

/// Writes a JSON `List` (what `serde_json` writes for `{apiVersion, items,
/// kind}`): `first`'s item, then `rest` (items [`write_json_items`] wrote,
/// `count` of them, copied as they are). Each item keeps its object's key
/// order (`apiVersion`, `kind`, …), as the per-object files do.
pub(super) fn write_json_list(
    first: Option<&RenderedObject>,
    rest: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    count: usize,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    out.write_all(b"{\n  \"apiVersion\": \"v1\",\n  \"items\": [")
        .map_err(Failure::Write)?;
    if first.is_none() && count == 0 {
        out.write_all(b"],\n").map_err(Failure::Write)?;
    } else {
        out.write_all(b"\n").map_err(Failure::Write)?;
        if let Some(first) = first {
            write_json_items(std::iter::once(first.clone()), &mut out)?;
            if count > 0 {
                out.write_all(b",\n").map_err(Failure::Write)?;
            }
        }
        rest(&mut out).map_err(Failure::Write)?;
        out.write_all(b"\n  ],\n").map_err(Failure::Write)?;
    }
    out.write_all(b"  \"kind\": \"List\"\n}\n")
        .map_err(Failure::Write)?;
    out.flush().map_err(Failure::Write)
}

/// Indents every line written through it by four spaces: pretty JSON of
/// one object, placed as an item of a list. A string in JSON never holds a
/// line break (it is escaped), so every line break ends a line of the
/// document.
struct Indented<W: Write> {
    out: W,
    at_line_start: bool,
}

impl<W: Write> Indented<W> {
    const INDENT: &'static [u8] = b"    ";

    const fn new(out: W) -> Self {
        Self {
            out,
            at_line_start: true,
        }
    }
}

impl<W: Write> Write for Indented<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        for line in buf.split_inclusive(|&b| b == b'\n') {
            if self.at_line_start {
                self.out.write_all(Self::INDENT)?;
            }
            self.out.write_all(line)?;
            self.at_line_start = line.ends_with(b"\n");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    use super::{write_json_items, write_json_list};
    use crate::render::{Object, RenderedObject};

    fn config_map(name: &str) -> RenderedObject {
        RenderedObject::new(Object::ConfigMap(Box::new(ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                ..ObjectMeta::default()
            },
            data: Some([("a\nb".to_string(), "x\n  \"y\"\n".to_string())].into()),
            ..ConfigMap::default()
        })))
    }

    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct List<'a> {
        api_version: &'static str,
        items: Vec<&'a RenderedObject>,
        kind: &'static str,
    }

    /// The list written in pieces (the items held back, the Namespace put
    /// first) is the one `serde_json` writes for the whole list.
    #[test]
    fn a_list_written_in_pieces_is_the_list_serde_json_writes() {
        let namespace = RenderedObject::new(Object::Namespace(Box::new(Namespace {
            metadata: ObjectMeta {
                name: Some("shop".to_string()),
                ..ObjectMeta::default()
            },
            ..Namespace::default()
        })));
        for (first, rest) in [
            (None, vec![]),
            (Some(&namespace), vec![]),
            (None, vec![config_map("a")]),
            (Some(&namespace), vec![config_map("a"), config_map("b")]),
        ] {
            let mut held = Vec::new();
            let items = write_json_items(rest.clone().into_iter(), &mut held).unwrap();
            let mut out = Vec::new();
            write_json_list(first, |out| out.write_all(&held), items.count, &mut out).unwrap();
            let all: Vec<&RenderedObject> = first.into_iter().chain(&rest).collect();
            let list = List {
                api_version: "v1",
                items: all,
                kind: "List",
            };
            let mut expected = serde_json::to_string_pretty(&list).unwrap();
            expected.push('\n');
            assert_eq!(String::from_utf8(out).unwrap(), expected);
        }
    }
}
