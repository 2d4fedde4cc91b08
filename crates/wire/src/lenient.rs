//! Lenient JSON input.
//!
//! Real clients send keys in whatever case they like (Microsoft's own samples send `Pricing`,
//! `FileName`, `Genres`), send explicit `null` for "not set", and echo back read-only fields.
//! [`from_value`] deserializes any `Deserialize` type from a JSON value with those rules:
//!
//! * struct field names match case-insensitively (map keys, such as language codes, are kept
//!   exactly as sent);
//! * a `null` field or map entry counts as absent, so `#[serde(default)]` applies;
//! * unit enum variants (`"public"` for `Public`) match case-insensitively;
//! * unknown fields are ignored (the derive's default).
//!
//! Errors carry the path of the offending field (`applicationPackages[0].fileStatus`), so the
//! API can name it in its 400 response.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::CowStrDeserializer;
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;
use serde_json::Value;

/// A rejected input: where it was and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// Dotted path of the field, empty for the document itself.
    pub path: String,
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() || self.path == "." {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for InputError {}

/// Deserializes `T` from `value` with the lenient rules above.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, InputError> {
    serde_path_to_error::deserialize(Lenient(value)).map_err(|err| InputError {
        path: err.path().to_string(),
        message: strip_position(&err.inner().to_string()),
    })
}

/// Parses bytes as JSON, then applies [`from_value`]. An empty body is `{}`.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, InputError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return from_value(Value::Object(Default::default()));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|err| InputError {
        path: String::new(),
        message: format!("the request body is not valid JSON ({err})"),
    })?;
    from_value(value)
}

fn strip_position(message: &str) -> String {
    // Errors built from a Value have no line/column; keep the text tidy anyway.
    match message.find(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message.to_string(),
    }
}

/// A JSON value deserialized with the lenient rules.
pub struct Lenient(pub Value);

impl<'de> de::Deserializer<'de> for Lenient {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(LenientSeq(items.into_iter())),
            Value::Object(map) => visitor.visit_map(LenientMap::new(
                map.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(key, v)| (Cow::Owned(key), v))
                    .collect(),
            )),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(map) => {
                let entries = map
                    .into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(key, v)| (canonical_name(key, fields), v))
                    .collect();
                visitor.visit_map(LenientMap::new(entries))
            }
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::String(text) => {
                let variant: CowStrDeserializer<serde_json::Error> =
                    canonical_name(text, variants).into_deserializer();
                visitor.visit_enum(variant)
            }
            other => other.deserialize_enum(name, variants, visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// `key` as the name of `names` it matches case-insensitively, else as sent. A match is
/// borrowed, so that matching the keys of a 50 KiB document allocates nothing.
fn canonical_name(key: String, names: &'static [&'static str]) -> Cow<'static, str> {
    match names.iter().find(|name| name.eq_ignore_ascii_case(&key)) {
        Some(name) => Cow::Borrowed(name),
        None => Cow::Owned(key),
    }
}

struct LenientSeq(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for LenientSeq {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        match self.0.next() {
            Some(value) => seed.deserialize(Lenient(value)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct LenientMap {
    entries: std::vec::IntoIter<(Cow<'static, str>, Value)>,
    value: Option<Value>,
}

impl LenientMap {
    fn new(entries: Vec<(Cow<'static, str>, Value)>) -> Self {
        Self {
            entries: entries.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for LenientMap {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.entries.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: CowStrDeserializer<'de, serde_json::Error> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        let value = self.value.take().unwrap_or(Value::Null);
        seed.deserialize(Lenient(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Inner {
        file_name: String,
        size: u32,
    }

    #[derive(Debug, Deserialize, PartialEq, Clone, Copy, Default)]
    enum Mode {
        #[default]
        Immediate,
        SpecificDate,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "camelCase", default)]
    struct Outer {
        target_publish_mode: Mode,
        listings: BTreeMap<String, Inner>,
        packages: Vec<Inner>,
        note: Option<String>,
    }

    #[test]
    fn keys_match_case_insensitively_but_map_keys_are_kept() {
        let parsed: Outer = from_value(json!({
            "TargetPublishMode": "specificdate",
            "LISTINGS": {"en-US": {"FileName": "a.png", "SIZE": 3}},
            "packages": [{"filename": "b.msix"}],
            "unknown": true
        }))
        .unwrap();
        assert_eq!(parsed.target_publish_mode, Mode::SpecificDate);
        assert_eq!(parsed.listings["en-US"].file_name, "a.png");
        assert_eq!(parsed.listings["en-US"].size, 3);
        assert_eq!(parsed.packages[0].file_name, "b.msix");
    }

    #[test]
    fn null_means_absent() {
        let parsed: Outer =
            from_value(json!({"targetPublishMode": null, "note": null, "packages": null})).unwrap();
        assert_eq!(parsed, Outer::default());
    }

    #[test]
    fn errors_name_the_field() {
        let err = from_value::<Outer>(json!({"packages": [{}, {"size": "big"}]})).unwrap_err();
        assert_eq!(err.path, "packages[1].size");
        let err = from_value::<Outer>(json!({"targetPublishMode": "Sometime"})).unwrap_err();
        assert_eq!(err.path, "targetPublishMode");
        assert!(err.message.contains("Sometime"), "{}", err.message);
    }

    #[test]
    fn empty_body_is_an_empty_object() {
        let parsed: Outer = from_slice(b"").unwrap();
        assert_eq!(parsed, Outer::default());
        assert!(from_slice::<Outer>(b"{not json").is_err());
    }
}
