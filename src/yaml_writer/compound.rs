//! Block mappings and sequences: where their entries go, and `{}` and `[]`
//! when they have none.

use std::fmt::Write;

use serde::Serialize;
use serde::ser::{
    SerializeMap, SerializeSeq, SerializeStruct, SerializeTuple, SerializeTupleStruct,
};

use super::key::key_text;
use super::scalar::{SIMPLE_KEY_MAX, write_break, write_spaces};
use super::{Error, Slot, Writer};

/// How a collection's first entry starts.
#[derive(Clone, Copy, Debug)]
enum Opening {
    /// On a line of its own (a value after `key:`).
    Line,
    /// Right after the `- ` of the sequence holding it.
    Inline,
    /// After `? key` and `:`, past a space (a mapping only).
    Space,
    /// At the start of the document.
    Start,
}

/// The shape a collection takes in the slot it is written to: the depth of
/// its entries and how the first one starts.
#[derive(Clone, Copy, Debug)]
pub(super) struct Collection {
    parent: Slot,
    depth: usize,
    opening: Opening,
    entries: usize,
}

impl Collection {
    /// Writes what comes before an entry's own text, at `depth`.
    fn start_entry<W: Write + ?Sized>(&self, out: &mut W) -> Result<(), Error> {
        let column = 2 * self.depth;
        if self.entries > 0 {
            return Ok(write_spaces(out, column)?);
        }
        match self.opening {
            Opening::Line => write_break(out, column)?,
            Opening::Space => out.write_char(' ')?,
            Opening::Start => write_spaces(out, column)?,
            Opening::Inline => {}
        }
        Ok(())
    }

    /// Writes `marker` (`{}`, `[]`) when the collection had no entry.
    fn finish<W: Write + ?Sized>(&self, out: &mut W, marker: &str) -> Result<(), Error> {
        if self.entries == 0 {
            if matches!(self.parent, Slot::Value { .. }) {
                out.write_char(' ')?;
            }
            out.write_str(marker)?;
            out.write_char('\n')?;
        }
        Ok(())
    }
}

/// A block mapping being written.
pub(super) struct Map<'a, 'o, W: Write + ?Sized> {
    writer: &'a mut Writer<'o, W>,
    shape: Collection,
    /// Where the value of the key just written goes.
    value: Slot,
}

impl<'a, 'o, W: Write + ?Sized> Map<'a, 'o, W> {
    pub(super) fn open(writer: &'a mut Writer<'o, W>) -> Self {
        let parent = writer.at;
        let (depth, opening) = match parent {
            Slot::Root => (0, Opening::Start),
            Slot::Value {
                depth,
                explicit: false,
            } => (depth + 1, Opening::Line),
            Slot::Value {
                depth,
                explicit: true,
            } => (depth + 1, Opening::Space),
            Slot::Item { depth } => (depth + 1, Opening::Inline),
        };
        Self {
            writer,
            shape: Collection {
                parent,
                depth,
                opening,
                entries: 0,
            },
            value: Slot::Root,
        }
    }

    /// Writes a key's text: `key:`, or `? key` and `:` on the next line
    /// for a key too long to stand before `:`.
    fn key(&mut self, text: &str) -> Result<(), Error> {
        let out = &mut *self.writer.out;
        self.shape.start_entry(out)?;
        let depth = self.shape.depth;
        let simple = text.len() <= SIMPLE_KEY_MAX || text.chars().count() <= SIMPLE_KEY_MAX;
        if simple {
            out.write_str(text)?;
            out.write_char(':')?;
        } else {
            out.write_str("? ")?;
            out.write_str(text)?;
            out.write_char('\n')?;
            write_spaces(out, 2 * depth)?;
            out.write_char(':')?;
        }
        self.value = Slot::Value {
            depth,
            explicit: !simple,
        };
        Ok(())
    }
}

impl<W: Write + ?Sized> SerializeMap for Map<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        let mut text = std::mem::take(&mut *self.writer.scratch);
        text.clear();
        let written = key_text(&mut text, key).and_then(|()| self.key(&text));
        *self.writer.scratch = text;
        written
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.writer.at = self.value;
        value.serialize(&mut *self.writer)?;
        self.shape.entries += 1;
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        self.shape.finish(self.writer.out, "{}")
    }
}

impl<W: Write + ?Sized> SerializeStruct for Map<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        if self.writer.keys.plain(key) {
            self.key(key)?;
        } else {
            SerializeMap::serialize_key(self, key)?;
        }
        SerializeMap::serialize_value(self, value)
    }

    fn end(self) -> Result<(), Error> {
        SerializeMap::end(self)
    }
}

/// A block sequence being written.
pub(super) struct Seq<'a, 'o, W: Write + ?Sized> {
    writer: &'a mut Writer<'o, W>,
    shape: Collection,
}

impl<'a, 'o, W: Write + ?Sized> Seq<'a, 'o, W> {
    pub(super) fn open(writer: &'a mut Writer<'o, W>) -> Self {
        let parent = writer.at;
        let (depth, opening) = match parent {
            Slot::Root => (0, Opening::Start),
            // at the key's own column
            Slot::Value { depth, .. } => (depth, Opening::Line),
            Slot::Item { depth } => (depth + 1, Opening::Inline),
        };
        Self {
            writer,
            shape: Collection {
                parent,
                depth,
                opening,
                entries: 0,
            },
        }
    }
}

impl<W: Write + ?Sized> SerializeSeq for Seq<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.shape.start_entry(self.writer.out)?;
        self.writer.out.write_str("- ")?;
        self.writer.at = Slot::Item {
            depth: self.shape.depth,
        };
        value.serialize(&mut *self.writer)?;
        self.shape.entries += 1;
        Ok(())
    }

    fn end(self) -> Result<(), Error> {
        self.shape.finish(self.writer.out, "[]")
    }
}

impl<W: Write + ?Sized> SerializeTuple for Seq<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Error> {
        SerializeSeq::end(self)
    }
}

impl<W: Write + ?Sized> SerializeTupleStruct for Seq<'_, '_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<(), Error> {
        SerializeSeq::end(self)
    }
}
