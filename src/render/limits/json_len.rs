//! The length of a value as compact JSON, counted without writing it: a
//! `serde::Serializer` that adds up what `serde_json::to_writer` would
//! write, byte for byte (the escapes of strings, the digits of numbers,
//! `zmij`'s shortest digits for floats, as serde_json writes them), and
//! stops once past a limit.
//!
//! What this counter does not know (a map key serde_json refuses, an error
//! raised by a value's own `Serialize`) makes it give up; the caller then
//! measures with serde_json itself, so the figure is serde_json's in every
//! case.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

/// Why counting stopped.
#[derive(Debug)]
pub(super) enum Stop {
    /// The value is longer than the limit.
    Over,
    /// Something serde_json alone can say how it writes (or refuses).
    Unknown,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Over => "over the limit",
            Self::Unknown => "not counted",
        })
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Self::Unknown
    }
}

/// The bytes serde_json adds to each byte of a string: 1 for the
/// two-character escapes (`\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`), 5 for
/// the other control characters (`\u00XX`), 0 for the rest (serde_json
/// writes every other byte, UTF-8 included, as it is).
#[allow(clippy::indexing_slicing)] // evaluated by the compiler: out of bounds fails the build
const ESCAPE_EXTRA: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = 5;
        byte += 1;
    }
    table[0x08] = 1;
    table[0x09] = 1;
    table[0x0A] = 1;
    table[0x0C] = 1;
    table[0x0D] = 1;
    table[b'"' as usize] = 1;
    table[b'\\' as usize] = 1;
    table
};

/// The length of `text` as a JSON string, quotes included.
fn string_len(text: &str) -> usize {
    let extra: usize = text
        .bytes()
        .map(|b| usize::from(ESCAPE_EXTRA.get(usize::from(b)).copied().unwrap_or(0)))
        .sum();
    text.len() + 2 + extra
}

/// Digits of an unsigned number in decimal.
fn digits(n: u128) -> usize {
    n.checked_ilog10().map_or(1, |d| d as usize + 1)
}

fn signed_len(n: i128) -> usize {
    usize::from(n < 0) + digits(n.unsigned_abs())
}

/// The integer methods of a `Serializer`: each adds the length of its
/// digits (and sign) with `$add`.
macro_rules! integers {
    ($add:ident) => {
        integers!(@ $add, signed_len, serialize_i8: i8, serialize_i16: i16,
            serialize_i32: i32, serialize_i64: i64, serialize_i128: i128);
        integers!(@ $add, digits, serialize_u8: u8, serialize_u16: u16,
            serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);
    };
    (@ $add:ident, $len:ident, $($name:ident: $ty:ty),*) => {
        $(
            fn $name(self, v: $ty) -> Result<(), Stop> {
                self.$add($len(v.into()))
            }
        )*
    };
}

/// Counts the bytes of compact JSON, failing with [`Stop::Over`] once past
/// `limit`.
pub(super) struct Counter {
    pub written: usize,
    limit: usize,
}

impl Counter {
    pub(super) const fn new(limit: usize) -> Self {
        Self { written: 0, limit }
    }

    fn add(&mut self, bytes: usize) -> Result<(), Stop> {
        self.written = self.written.saturating_add(bytes);
        if self.written > self.limit {
            Err(Stop::Over)
        } else {
            Ok(())
        }
    }

    fn float(&mut self, text: &str) -> Result<(), Stop> {
        self.add(text.len())
    }
}

/// A list or an object being counted: the commas go before every item
/// but the first.
pub(super) struct Compound<'a> {
    counter: &'a mut Counter,
    first: bool,
}

impl Compound<'_> {
    fn comma(&mut self) -> Result<(), Stop> {
        if self.first {
            self.first = false;
            Ok(())
        } else {
            self.counter.add(1)
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.comma()?;
        value.serialize(&mut *self.counter)
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.comma()?;
        key.serialize(KeyCounter(&mut *self.counter))?;
        self.counter.add(1) // the colon
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Stop> {
        self.comma()?;
        self.counter.add(string_len(key) + 1)?;
        value.serialize(&mut *self.counter)
    }

    /// The closing bracket, and `extra` closing braces after it (a variant's
    /// wrapping object).
    fn close(self, extra: usize) -> Result<(), Stop> {
        self.counter.add(1 + extra)
    }
}

impl<'a> ser::Serializer for &'a mut Counter {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Stop> {
        self.add(if v { 4 } else { 5 })
    }

    integers!(add);

    fn serialize_f32(self, v: f32) -> Result<(), Stop> {
        if v.is_finite() {
            self.float(zmij::Buffer::new().format_finite(v))
        } else {
            self.add(4) // null
        }
    }

    fn serialize_f64(self, v: f64) -> Result<(), Stop> {
        if v.is_finite() {
            self.float(zmij::Buffer::new().format_finite(v))
        } else {
            self.add(4) // null
        }
    }

    fn serialize_char(self, v: char) -> Result<(), Stop> {
        self.add(string_len(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        self.add(string_len(v))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<(), Stop> {
        let numbers: usize = v.iter().map(|&b| digits(b.into())).sum();
        self.add(2 + numbers + v.len().saturating_sub(1))
    }

    fn serialize_none(self) -> Result<(), Stop> {
        self.add(4)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), Stop> {
        self.add(4)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Stop> {
        self.add(4)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.add(string_len(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        // {"variant":value}
        self.add(string_len(variant) + 3)?;
        value.serialize(self)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a>, Stop> {
        self.add(1)?;
        Ok(Compound {
            counter: self,
            first: true,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, Stop> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Stop> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Stop> {
        // {"variant":[…]}
        self.add(string_len(variant) + 2)?;
        self.serialize_seq(Some(len))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a>, Stop> {
        self.add(1)?;
        Ok(Compound {
            counter: self,
            first: true,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a>, Stop> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, Stop> {
        // {"variant":{…}}
        self.add(string_len(variant) + 2)?;
        self.serialize_map(Some(len))
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Stop> {
        let mut text = StringLen(0);
        fmt::write(&mut text, format_args!("{value}")).map_err(|_| Stop::Unknown)?;
        self.add(text.0 + 2)
    }
}

/// The escaped length of displayed text, without its quotes.
struct StringLen(usize);

impl fmt::Write for StringLen {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += string_len(s) - 2;
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.element(value)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(0)
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.element(value)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(0)
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.element(value)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(0)
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        self.element(value)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(1)
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Stop> {
        self.key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Stop> {
        value.serialize(&mut *self.counter)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(0)
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(0)
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Stop;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), Stop> {
        self.close(1)
    }
}

/// A map key: serde_json writes strings as they are and numbers and
/// booleans in quotes; any other key it refuses, which this counter leaves
/// to serde_json ([`Stop::Unknown`]).
struct KeyCounter<'a>(&'a mut Counter);

impl KeyCounter<'_> {
    fn quoted(self, len: usize) -> Result<(), Stop> {
        self.0.add(len + 2)
    }
}

impl ser::Serializer for KeyCounter<'_> {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Impossible<(), Stop>;
    type SerializeTuple = Impossible<(), Stop>;
    type SerializeTupleStruct = Impossible<(), Stop>;
    type SerializeTupleVariant = Impossible<(), Stop>;
    type SerializeMap = Impossible<(), Stop>;
    type SerializeStruct = Impossible<(), Stop>;
    type SerializeStructVariant = Impossible<(), Stop>;

    fn serialize_str(self, v: &str) -> Result<(), Stop> {
        self.0.add(string_len(v))
    }

    fn serialize_char(self, v: char) -> Result<(), Stop> {
        self.0.add(string_len(v.encode_utf8(&mut [0; 4])))
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Stop> {
        self.0.add(string_len(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Stop> {
        value.serialize(self)
    }

    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Stop> {
        self.0.collect_str(value)
    }

    fn serialize_bool(self, v: bool) -> Result<(), Stop> {
        self.quoted(if v { 4 } else { 5 })
    }

    integers!(quoted);

    fn serialize_f32(self, v: f32) -> Result<(), Stop> {
        if v.is_finite() {
            self.quoted(zmij::Buffer::new().format_finite(v).len())
        } else {
            Err(Stop::Unknown)
        }
    }

    fn serialize_f64(self, v: f64) -> Result<(), Stop> {
        if v.is_finite() {
            self.quoted(zmij::Buffer::new().format_finite(v).len())
        } else {
            Err(Stop::Unknown)
        }
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<(), Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_none(self) -> Result<(), Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_unit(self) -> Result<(), Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Stop> {
        Err(Stop::Unknown)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Stop> {
        Err(Stop::Unknown)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::BTreeMap;

    use k8s_openapi::ByteString;
    use k8s_openapi::api::core::v1::{ConfigMap, Container, EnvVar, Secret};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
    use proptest::prelude::*;
    use serde::{Serialize, Serializer};
    use serde_json::Value;

    use super::super::{MAX_OBJECT_BYTES, json_size};
    use crate::diagnostic::Diagnostics;
    use crate::plan::{Plan, PlanOptions, plan_text};
    use crate::render::{RenderOptions, rendering};

    /// What serde_json writes, or its length up to the error it stops at.
    fn serde_json_len<T: Serialize + ?Sized>(value: &T) -> usize {
        let mut out = Vec::new();
        let _ = serde_json::to_writer(&mut out, value);
        out.len()
    }

    /// `json_size` with room for anything, against serde_json, and with
    /// every limit around the length.
    fn check_exact<T: Serialize + ?Sized>(value: &T) -> Result<(), TestCaseError> {
        let len = serde_json_len(value);
        prop_assert_eq!(json_size(value, usize::MAX), Some(len));
        prop_assert_eq!(json_size(value, len), Some(len));
        if let Some(below) = len.checked_sub(1) {
            prop_assert_eq!(json_size(value, below), None);
        }
        Ok(())
    }

    /// Strings with every escape serde_json knows and the text it does not
    /// escape (the C1 controls, DEL, separators, a byte-order mark, emoji).
    fn hostile_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            any::<char>().prop_map(String::from),
            (0u8..0x80).prop_map(|b| char::from(b).to_string()),
            prop::sample::select(vec![
                "\"",
                "\\",
                "\u{8}",
                "\u{c}",
                "\n",
                "\r",
                "\t",
                "\u{0}",
                "\u{1f}",
                "\u{7f}",
                "\u{85}",
                "\u{2028}",
                "\u{feff}",
                "é",
                "😀",
                "/",
                "</script>",
                "${X}",
                "abc",
            ])
            .prop_map(str::to_string),
        ];
        prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    fn any_float() -> impl Strategy<Value = f64> {
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            any::<f64>(),
            prop::sample::select(vec![
                0.0,
                -0.0,
                1.0,
                0.1,
                1e21,
                1e-7,
                f64::MAX,
                f64::MIN_POSITIVE,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
            ]),
        ]
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            hostile_string().prop_map(Value::String),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any_float().prop_map(Value::from),
            any::<bool>().prop_map(Value::Bool),
            Just(Value::Null),
        ];
        leaf.prop_recursive(4, 32, 5, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
                prop::collection::vec((hostile_string(), inner), 0..5)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    /// Every shape serde has, keys serde_json quotes and keys it refuses.
    #[derive(Clone, Debug, Serialize)]
    enum Shape {
        Unit,
        Newtype(String),
        Tuple(i8, char),
        Struct { a: Option<u16>, b: Vec<u8> },
    }

    #[derive(Debug, Serialize)]
    struct UnitStruct;

    #[derive(Debug, Serialize)]
    struct Wrapped(i128);

    #[derive(Debug, Serialize)]
    struct Everything {
        shapes: Vec<Shape>,
        unit: (),
        unit_struct: UnitStruct,
        wrapped: Wrapped,
        big: u128,
        small: f32,
        bytes: Bytes,
        shown: Shown,
        int_keys: BTreeMap<i32, bool>,
        bool_keys: BTreeMap<bool, u8>,
        char_keys: BTreeMap<char, f64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
    }

    /// `serialize_bytes`, which serde_json writes as a list of numbers.
    #[derive(Debug)]
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(&self.0)
        }
    }

    /// `collect_str`: displayed text, escaped as a string.
    #[derive(Debug)]
    struct Shown(String);

    impl Serialize for Shown {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_str(&format_args!("<{}>", self.0))
        }
    }

    /// A map whose keys are floats (serde_json quotes the finite ones and
    /// refuses the rest) or none (refused).
    struct FloatKeys(Vec<(Option<f64>, u8)>);

    impl Serialize for FloatKeys {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(None)?;
            for (k, v) in &self.0 {
                map.serialize_entry(k, v)?;
            }
            map.end()
        }
    }

    fn shape() -> impl Strategy<Value = Shape> {
        prop_oneof![
            Just(Shape::Unit),
            hostile_string().prop_map(Shape::Newtype),
            (any::<i8>(), any::<char>()).prop_map(|(a, b)| Shape::Tuple(a, b)),
            (any::<Option<u16>>(), any::<Vec<u8>>()).prop_map(|(a, b)| Shape::Struct { a, b }),
        ]
    }

    fn everything() -> impl Strategy<Value = Everything> {
        (
            prop::collection::vec(shape(), 0..4),
            any::<i128>(),
            any::<u128>(),
            any::<u32>().prop_map(f32::from_bits),
            any::<Vec<u8>>(),
            hostile_string(),
            any::<BTreeMap<i32, bool>>(),
            any::<BTreeMap<bool, u8>>(),
            prop::collection::btree_map(any::<char>(), any_float(), 0..3),
            any::<Option<u8>>(),
        )
            .prop_map(
                |(
                    shapes,
                    wrapped,
                    big,
                    small,
                    bytes,
                    shown,
                    int_keys,
                    bool_keys,
                    char_keys,
                    skipped,
                )| {
                    Everything {
                        shapes,
                        unit: (),
                        unit_struct: UnitStruct,
                        wrapped: Wrapped(wrapped),
                        big,
                        small,
                        bytes: Bytes(bytes),
                        shown: Shown(shown),
                        int_keys,
                        bool_keys,
                        char_keys,
                        skipped,
                    }
                },
            )
    }

    /// Kubernetes objects as render builds them, holding hostile text.
    fn objects() -> impl Strategy<Value = (ConfigMap, Secret, Container)> {
        let map = || prop::collection::btree_map(hostile_string(), hostile_string(), 0..4);
        (
            map(),
            map(),
            prop::collection::btree_map(hostile_string(), any::<Vec<u8>>(), 0..4),
            prop::collection::vec(hostile_string(), 0..4),
            prop::collection::vec((hostile_string(), hostile_string()), 0..4),
        )
            .prop_map(|(data, labels, binary, args, env)| {
                let metadata = ObjectMeta {
                    name: Some("x".into()),
                    labels: Some(labels),
                    ..ObjectMeta::default()
                };
                let config = ConfigMap {
                    metadata: metadata.clone(),
                    data: Some(data),
                    ..ConfigMap::default()
                };
                let secret = Secret {
                    metadata,
                    data: Some(
                        binary
                            .into_iter()
                            .map(|(k, v)| (k, ByteString(v)))
                            .collect(),
                    ),
                    ..Secret::default()
                };
                let container = Container {
                    name: "c".into(),
                    args: Some(args),
                    env: Some(
                        env.into_iter()
                            .map(|(name, value)| EnvVar {
                                name,
                                value: Some(value),
                                ..EnvVar::default()
                            })
                            .collect(),
                    ),
                    ..Container::default()
                };
                (config, secret, container)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        #[test]
        fn any_json_value_is_counted_as_serde_json_writes_it(value in any_value()) {
            check_exact(&value)?;
        }

        #[test]
        fn every_serde_shape_is_counted_as_serde_json_writes_it(value in everything()) {
            check_exact(&value)?;
        }

        #[test]
        fn kubernetes_objects_with_hostile_text_are_counted_as_serde_json_writes_them(
            (config, secret, container) in objects()
        ) {
            check_exact(&config)?;
            check_exact(&secret)?;
            check_exact(&container)?;
        }

        #[test]
        fn keys_serde_json_refuses_are_measured_by_serde_json(key in any_float()) {
            let map: BTreeMap<String, Vec<(f64, ())>> = BTreeMap::new();
            check_exact(&map)?;
            let refused = FloatKeys(vec![(Some(key), 1), (None, 2)]);
            let value = serde_json::json!({"a": 1});
            let mut nested = BTreeMap::new();
            nested.insert(vec![1u8], value);
            check_exact(&(refused, nested))?;
        }
    }

    /// A compose string written YAML double-quoted, every character that is
    /// not printable ASCII as an escape (`$` doubled: no interpolation).
    fn quoted(text: &str) -> String {
        use std::fmt::Write;
        let mut out = String::from("\"");
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '$' => out.push_str("$$"),
                ' '..='~' => out.push(c),
                _ => {
                    let _ = write!(out, "\\U{:08X}", u32::from(c));
                }
            }
        }
        out.push('"');
        out
    }

    fn rendered_lengths(text: &str) -> Result<(), TestCaseError> {
        let (plan, diagnostics) = plan_text(text, &PlanOptions::default());
        prop_assert!(!diagnostics.has_errors(), "{:?}", diagnostics.items());
        let plans = Plan { pods: vec![plan] };
        let options = RenderOptions::default();
        let mut rendered = rendering(&plans, &options, &Diagnostics::default());
        let mut count = 0;
        for object in rendered.by_ref() {
            let object = object.into_object();
            let len = serde_json_len(&object);
            prop_assert_eq!(json_size(&object, MAX_OBJECT_BYTES), Some(len));
            count += 1;
        }
        prop_assert!(count > 0);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

        #[test]
        fn rendered_objects_with_hostile_compose_text_are_counted_as_serde_json_writes_them(
            values in prop::collection::vec(hostile_string(), 3)
        ) {
            let [command, variable, label] = [&values[0], &values[1], &values[2]];
            let text = format!(
                "services:\n  app:\n    image: busybox\n    command: [{}]\n    environment:\n      V: {}\n    labels:\n      l: {}\n    ports: ['8080:80']\n    volumes: [data:/data]\nvolumes:\n  data: {{}}\n",
                quoted(command),
                quoted(variable),
                quoted(label),
            );
            rendered_lengths(&text)?;
        }
    }

    /// The compose files under `dir`, at any depth.
    fn compose_files(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                compose_files(&path, found);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
            {
                found.push(path);
            }
        }
    }

    #[test]
    fn the_objects_of_every_fixture_and_example_are_counted_as_serde_json_writes_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        compose_files(&root.join("tests/fixtures"), &mut files);
        compose_files(&root.join("examples"), &mut files);
        let mut seen = 0;
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let (plan, _) = plan_text(&text, &PlanOptions::default());
            let plans = Plan { pods: vec![plan] };
            let options = RenderOptions::default();
            for object in rendering(&plans, &options, &Diagnostics::default()) {
                let object = object.into_object();
                assert_eq!(
                    json_size(&object, MAX_OBJECT_BYTES),
                    Some(serde_json_len(&object)),
                    "{}",
                    path.display()
                );
                seen += 1;
            }
        }
        assert!(seen > 20, "{seen}");
    }
}
