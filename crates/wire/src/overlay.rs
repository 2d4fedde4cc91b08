//! A resource's JSON object with a request body's top-level values laid over it: what a PUT
//! of part of a document means (the fields it leaves out, or sends as `null`, keep their
//! values).
//!
//! The fields the body replaces are not serialized at all. A client that PUTs a submission
//! sends its listings, tens of KiB of them, and serializing the stored listings only to throw
//! them away was 6 % of a PUT's CPU.

use serde::Serialize;
use serde::ser::{self, Impossible};
use serde_json::value::Serializer as ValueSerializer;
use serde_json::{Map, Value};

/// `current` as a JSON object, each of its fields that `body` names case-insensitively with
/// a non-null value holding that value instead (the last such key of `body` wins). Keys of
/// `body` that name no field are dropped; the object's keys and their order are `current`'s.
///
/// `current` must serialize to an object; anything else is returned as serialized, without
/// the body.
pub fn overlay<C: Serialize>(current: &C, body: Map<String, Value>) -> Value {
    let replaced = |field: &str| {
        body.iter()
            .any(|(key, value)| !value.is_null() && key.eq_ignore_ascii_case(field))
    };
    let Ok(Value::Object(mut merged)) = current.serialize(Skipping {
        replaced: &replaced,
    }) else {
        return serde_json::to_value(current).unwrap_or(Value::Null);
    };
    for (key, value) in body {
        if value.is_null() {
            continue;
        }
        let field = merged
            .keys()
            .find(|k| k.eq_ignore_ascii_case(&key))
            .cloned();
        if let Some(field) = field {
            merged.insert(field, value);
        }
    }
    Value::Object(merged)
}

/// Serializes a struct to a JSON object whose `replaced` fields hold `null`, in their place,
/// for [`overlay`] to fill. Anything but a struct is refused.
struct Skipping<'a, F> {
    replaced: &'a F,
}

/// The fields of a struct, as [`Skipping`] serializes them.
struct SkippingFields<'a, F> {
    object: <ValueSerializer as ser::Serializer>::SerializeStruct,
    replaced: &'a F,
}

impl<F: Fn(&str) -> bool> ser::SerializeStruct for SkippingFields<'_, F> {
    type Ok = Value;
    type Error = serde_json::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        if (self.replaced)(key) {
            self.object.serialize_field(key, &())
        } else {
            self.object.serialize_field(key, value)
        }
    }

    fn end(self) -> Result<Value, Self::Error> {
        ser::SerializeStruct::end(self.object)
    }
}

fn not_a_struct() -> serde_json::Error {
    ser::Error::custom("only a struct can be overlaid")
}

/// Every serializer method but `serialize_struct` refuses: [`overlay`] then serializes the
/// whole value the ordinary way.
macro_rules! refuse {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<Value, serde_json::Error> {
            Err(not_a_struct())
        })*
    };
}

impl<'a, F: Fn(&str) -> bool> ser::Serializer for Skipping<'a, F> {
    type Ok = Value;
    type Error = serde_json::Error;
    type SerializeSeq = Impossible<Value, serde_json::Error>;
    type SerializeTuple = Impossible<Value, serde_json::Error>;
    type SerializeTupleStruct = Impossible<Value, serde_json::Error>;
    type SerializeTupleVariant = Impossible<Value, serde_json::Error>;
    type SerializeMap = Impossible<Value, serde_json::Error>;
    type SerializeStruct = SkippingFields<'a, F>;
    type SerializeStructVariant = Impossible<Value, serde_json::Error>;

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, Self::Error> {
        Ok(SkippingFields {
            object: ser::Serializer::serialize_struct(ValueSerializer, name, len)?,
            replaced: self.replaced,
        })
    }

    refuse! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<Value, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<Value, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Value, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Self::Error> {
        Err(not_a_struct())
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Content {
        category: String,
        listings: Vec<u32>,
        notes: Option<String>,
        gaming: Option<Vec<u32>>,
    }

    fn current() -> Content {
        Content {
            category: "Games".into(),
            listings: vec![1, 2, 3],
            notes: Some("kept".into()),
            gaming: None,
        }
    }

    fn body(value: Value) -> Map<String, Value> {
        let Value::Object(map) = value else {
            unreachable!()
        };
        map
    }

    /// What `overlay` must equal: the whole object serialized, the body laid over it.
    fn overlaid_the_long_way(body: Map<String, Value>) -> Value {
        let Value::Object(mut merged) = serde_json::to_value(current()).unwrap() else {
            unreachable!()
        };
        for (key, value) in body {
            let field = merged
                .keys()
                .find(|k| k.eq_ignore_ascii_case(&key))
                .cloned();
            if let (false, Some(field)) = (value.is_null(), field) {
                merged.insert(field, value);
            }
        }
        Value::Object(merged)
    }

    #[test]
    fn replaced_fields_take_the_body_values_and_the_rest_keep_theirs() {
        for sent in [
            json!({"LISTINGS": [9], "notes": null, "unknown": 1}),
            json!({"category": "Books", "Category": "Music", "gaming": [1]}),
            json!({}),
            json!({"category": null, "listings": [], "notes": "new", "gaming": []}),
        ] {
            let merged = overlay(&current(), body(sent.clone()));
            assert_eq!(merged, overlaid_the_long_way(body(sent.clone())), "{sent}");
            let keys: Vec<&String> = merged.as_object().unwrap().keys().collect();
            let whole = serde_json::to_value(current()).unwrap();
            let order: Vec<&String> = whole.as_object().unwrap().keys().collect();
            assert_eq!(keys, order, "{sent}");
        }
        let merged = overlay(&current(), body(json!({"LISTINGS": [9], "notes": null})));
        assert_eq!(merged["listings"], json!([9]));
        assert_eq!(merged["notes"], json!("kept"));
        assert_eq!(merged["gaming"], Value::Null);
    }

    #[test]
    fn a_value_that_is_not_a_struct_is_serialized_whole() {
        assert_eq!(overlay(&vec![1, 2], body(json!({"a": 1}))), json!([1, 2]));
    }
}
