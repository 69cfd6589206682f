//! podlift's YAML writer: a `serde::Serializer` that writes block-style
//! YAML straight to a writer, with no tree in between.
//!
//! It writes what podlift's objects need (mappings, sequences, strings,
//! numbers, booleans, null) the way the manifests have always read: two
//! spaces per level, a sequence under a key at the key's column, `{}` and
//! `[]` for empty collections, `null`. Every string reads back as exactly
//! that string in YAML 1.2 and YAML 1.1 readers (kubectl's go-yaml, PyYAML,
//! Helm): see [`scalar`] for when a string is plain, quoted or a block. No
//! anchors, tags, comments or flow collections; an enum variant with
//! fields other than a newtype's is refused.

mod compound;
mod key;
mod scalar;

use std::fmt::{self, Write};

use serde::ser::{Impossible, Serialize, Serializer};

use compound::{Map, Seq};
use scalar::{Style, value_style, write_double, write_folded, write_literal, write_single};

/// Why a value could not be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(message.to_string())
    }
}

impl From<fmt::Error> for Error {
    fn from(_: fmt::Error) -> Self {
        Self("the output refused the text".into())
    }
}

/// `value` as a YAML document (no `---`), ending in a line break.
///
/// # Errors
/// When `value` holds what the writer refuses (an enum variant with
/// fields, a key that is no scalar) or its `Serialize` fails.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    let mut out = String::new();
    to_fmt_writer(&mut out, value)?;
    Ok(out)
}

/// Writes `value` as a YAML document (no `---`) to `out`.
///
/// # Errors
/// As [`to_string`], and when `out` refuses the text.
pub fn to_fmt_writer<W: Write + ?Sized, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
) -> Result<(), Error> {
    Documents::new().write(out, value)
}

/// A writer of one document after another, each as [`to_fmt_writer`]
/// writes it: what it learnt of one document's field names (whether each
/// may be plain) serves the next, and its scratch text is made once.
#[derive(Debug)]
pub struct Documents {
    keys: KeyCache,
    scratch: String,
}

impl Default for Documents {
    fn default() -> Self {
        Self::new()
    }
}

impl Documents {
    /// A writer that has written nothing yet.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            keys: KeyCache {
                slots: [(0, 0, false); 64],
            },
            scratch: String::new(),
        }
    }

    /// Writes `value` as a YAML document (no `---`) to `out`.
    ///
    /// # Errors
    /// As [`to_fmt_writer`].
    pub fn write<W: Write + ?Sized, T: Serialize + ?Sized>(
        &mut self,
        out: &mut W,
        value: &T,
    ) -> Result<(), Error> {
        let mut writer = Writer {
            out,
            at: Slot::Root,
            scratch: &mut self.scratch,
            keys: &mut self.keys,
        };
        value.serialize(&mut writer)
    }
}

/// Where the next value goes.
#[derive(Clone, Copy, Debug)]
enum Slot {
    /// The document itself.
    Root,
    /// After `key:` (or `? key` and `:`, `explicit`), the key at `depth`.
    Value { depth: usize, explicit: bool },
    /// After `- `, the dash at `depth`.
    Item { depth: usize },
}

impl Slot {
    /// The column of a block scalar's lines: one level below the key or
    /// the dash.
    const fn block_column(self) -> usize {
        match self {
            Self::Root => 2,
            Self::Value { depth, .. } | Self::Item { depth } => 2 * depth + 2,
        }
    }
}

/// The serializer: the output and where the next value goes.
struct Writer<'o, W: Write + ?Sized> {
    out: &'o mut W,
    at: Slot,
    /// A key's text, reused.
    scratch: &'o mut String,
    /// Which field names may be plain.
    keys: &'o mut KeyCache,
}

/// Whether a struct's field name may be a plain key, remembered by the
/// name's address (field names are `&'static str`; a miss only costs the
/// check): a Deployment of 1,000 containers names `name` 1,000 times.
#[derive(Debug)]
struct KeyCache {
    slots: [(usize, usize, bool); 64],
}

impl KeyCache {
    fn plain(&mut self, key: &'static str) -> bool {
        let address = key.as_ptr() as usize;
        let index = (address >> 3) % self.slots.len();
        match self.slots.get_mut(index) {
            Some(&mut (at, len, plain)) if at == address && len == key.len() => plain,
            Some(slot) => {
                let plain = scalar::plain_key(key);
                *slot = (address, key.len(), plain);
                plain
            }
            None => scalar::plain_key(key),
        }
    }
}

impl<W: Write + ?Sized> Writer<'_, W> {
    /// Writes a scalar's text (no line break inside) and ends the line.
    fn scalar(&mut self, text: &str) -> Result<(), Error> {
        if matches!(self.at, Slot::Value { .. }) {
            self.out.write_char(' ')?;
        }
        self.out.write_str(text)?;
        self.out.write_char('\n')?;
        Ok(())
    }

    /// Writes a scalar that `write` puts out, then ends the line.
    fn scalar_with(&mut self, write: impl FnOnce(&mut W) -> fmt::Result) -> Result<(), Error> {
        if matches!(self.at, Slot::Value { .. }) {
            self.out.write_char(' ')?;
        }
        write(self.out)?;
        self.out.write_char('\n')?;
        Ok(())
    }

    fn string(&mut self, s: &str) -> Result<(), Error> {
        let column = self.at.block_column();
        match value_style(s) {
            Style::Plain => self.scalar(s),
            Style::Single => self.scalar_with(|out| write_single(out, s)),
            Style::Double => self.scalar_with(|out| write_double(out, s)),
            // the block's own lines end in line breaks
            Style::Literal => self.block(|out| write_literal(out, s, column)),
            Style::Folded => self.block(|out| write_folded(out, s, column)),
        }
    }

    fn block(&mut self, write: impl FnOnce(&mut W) -> fmt::Result) -> Result<(), Error> {
        if matches!(self.at, Slot::Value { .. }) {
            self.out.write_char(' ')?;
        }
        write(self.out)?;
        Ok(())
    }

    fn float(&mut self, value: f64, shortest: &str) -> Result<(), Error> {
        let mut text = String::new();
        float_text(&mut text, value, shortest);
        self.scalar(&text)
    }
}

/// A float as YAML 1.1 reads one: `.nan`, `.inf`, `-.inf`, or the shortest
/// digits that read back as the value with a `.` in the mantissa and a
/// sign in the exponent (`1.0`, `4.0e-6`, `1.0e+20`).
fn float_text(out: &mut String, value: f64, shortest: &str) {
    if value.is_nan() {
        out.push_str(".nan");
    } else if value.is_infinite() {
        out.push_str(if value > 0.0 { ".inf" } else { "-.inf" });
    } else if let Some((mantissa, exponent)) = shortest.split_once(['e', 'E']) {
        out.push_str(mantissa);
        if !mantissa.contains('.') {
            out.push_str(".0");
        }
        out.push('e');
        if !exponent.starts_with(['+', '-']) {
            out.push('+');
        }
        out.push_str(exponent);
    } else {
        out.push_str(shortest);
        if !shortest.contains('.') {
            out.push_str(".0");
        }
    }
}

/// Writes the decimal digits of `magnitude`, after `-` when `negative`
/// (what `write!(out, "{v}")` writes, without the formatting machinery).
fn write_integer<W: Write + ?Sized>(
    out: &mut W,
    negative: bool,
    mut magnitude: u64,
) -> fmt::Result {
    // u64::MAX has 20 digits; the byte before them is the sign
    let mut text = [b'-'; 21];
    let mut start = text.len();
    loop {
        start -= 1;
        if let Some(digit) = text.get_mut(start) {
            *digit = b'0' + u8::try_from(magnitude % 10).unwrap_or(0);
        }
        magnitude /= 10;
        if magnitude == 0 {
            break;
        }
    }
    if negative {
        start -= 1;
    }
    let digits = text.get(start..).unwrap_or_default();
    out.write_str(std::str::from_utf8(digits).unwrap_or_default())
}

/// The shortest digits of a finite float (or anything for the others).
fn shortest<F: zmij::Float>(value: F, finite: bool) -> String {
    if finite {
        zmij::Buffer::new().format_finite(value).to_string()
    } else {
        String::new()
    }
}

fn refused(what: &str) -> Error {
    Error(format!("podlift's YAML writer cannot write {what}"))
}

impl<'a, 'o, W: Write + ?Sized> Serializer for &'a mut Writer<'o, W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a, 'o, W>;
    type SerializeTuple = Seq<'a, 'o, W>;
    type SerializeTupleStruct = Seq<'a, 'o, W>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Map<'a, 'o, W>;
    type SerializeStruct = Map<'a, 'o, W>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.scalar(if v { "true" } else { "false" })
    }

    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.serialize_i64(i64::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.scalar_with(|out| write_integer(out, v < 0, v.unsigned_abs()))
    }

    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.scalar_with(|out| write!(out, "{v}"))
    }

    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.serialize_u64(u64::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.scalar_with(|out| write_integer(out, false, v))
    }

    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.scalar_with(|out| write!(out, "{v}"))
    }

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(f64::from(v), &shortest(v, v.is_finite()))
    }

    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v, &shortest(v, v.is_finite()))
    }

    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v)
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        use serde::ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for byte in v {
            seq.serialize_element(byte)?;
        }
        seq.end()
    }

    fn serialize_none(self) -> Result<(), Error> {
        self.scalar("null")
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Error> {
        self.scalar("null")
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.scalar("null")
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        use serde::ser::SerializeMap;
        let mut map = Map::open(self);
        map.serialize_entry(variant, value)?;
        map.end()
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a, 'o, W>, Error> {
        Ok(Seq::open(self))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Seq<'a, 'o, W>, Error> {
        Ok(Seq::open(self))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Seq<'a, 'o, W>, Error> {
        Ok(Seq::open(self))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(refused(&format!("the tuple variant `{variant}`")))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Map<'a, 'o, W>, Error> {
        Ok(Map::open(self))
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Map<'a, 'o, W>, Error> {
        Ok(Map::open(self))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(refused(&format!("the struct variant `{variant}`")))
    }
}

#[cfg(test)]
mod tests;
