//! The ingestion API's resources, described as data: each model is a list of fields with a
//! kind, and [`Model::read`] turns a client's JSON object into the canonical one.
//!
//! The API has some forty polymorphic models that the server mostly stores and echoes; a
//! table per model keeps "lenient in, exact out" in one place instead of forty structs:
//! property names match case-insensitively and come out in their documented spelling,
//! booleans sent as `"true"` are coerced, enum values are matched case-insensitively and
//! emitted canonically, `null` counts as absent, unknown properties are dropped, and a
//! wrong value is refused naming the field.

use serde_json::{Map, Value};

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Str,
    Bool,
    Int,
    Num,
    /// An array of strings.
    Strs,
    /// An array of strings where empty strings are dropped (a PUT of `[""]` reads back `[]`).
    NonEmptyStrs,
    /// Any JSON value, stored and echoed verbatim.
    Any,
    Obj(&'static Model),
    Objs(&'static Model),
}

/// A field's value when a resource is created without it.
#[derive(Debug, Clone, Copy)]
pub enum Initial {
    Absent,
    Str(&'static str),
    Bool(bool),
    Int(i64),
    EmptyList,
    Strs(&'static [&'static str]),
}

#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The documented spelling, emitted on output.
    pub name: &'static str,
    /// Other spellings accepted on input (besides any casing of `name`).
    pub aliases: &'static [&'static str],
    pub kind: Kind,
    /// Allowed values of a string field, canonical spelling; empty when free.
    pub one_of: &'static [&'static str],
    pub initial: Initial,
    /// A string that must be a GUID.
    pub guid: bool,
}

impl Field {
    pub const fn new(name: &'static str, kind: Kind) -> Self {
        Self {
            name,
            aliases: &[],
            kind,
            one_of: &[],
            initial: Initial::Absent,
            guid: false,
        }
    }

    pub const fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.one_of = values;
        self
    }

    pub const fn initially(mut self, initial: Initial) -> Self {
        self.initial = initial;
        self
    }

    pub const fn guid(mut self) -> Self {
        self.guid = true;
        self
    }

    pub const fn alias(mut self, aliases: &'static [&'static str]) -> Self {
        self.aliases = aliases;
        self
    }

    fn answers_to(&self, key: &str) -> bool {
        self.name.eq_ignore_ascii_case(key)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(key))
    }

    fn initial_value(&self) -> Option<Value> {
        match self.initial {
            Initial::Absent => None,
            Initial::Str(text) => Some(Value::String(text.into())),
            Initial::Bool(flag) => Some(Value::Bool(flag)),
            Initial::Int(number) => Some(Value::from(number)),
            Initial::EmptyList => Some(Value::Array(Vec::new())),
            Initial::Strs(values) => Some(Value::Array(
                values.iter().map(|v| Value::String((*v).into())).collect(),
            )),
        }
    }
}

/// One model: its fields, in the order they are emitted.
#[derive(Debug)]
pub struct Model {
    pub fields: &'static [Field],
}

/// A rejected field: its path (`listingContacts[0].type`) and what was wrong. Messages never
/// contain ". " (clients split error texts there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into().replace(". ", "; "),
        }
    }
}

/// The message a GUID field's error carries: clients look for "Enter a valid GUID".
pub fn guid_message(field: &str) -> String {
    format!("Enter a valid GUID for {field}")
}

/// Whether `text` is a GUID (any case, with or without braces).
pub fn is_guid(text: &str) -> bool {
    let text = text.trim().trim_start_matches('{').trim_end_matches('}');
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

impl Model {
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.answers_to(key))
    }

    /// The canonical object of `input`: known fields only, in their spelling, checked.
    /// Keys in `skip` (`id`, `resourceType`, `@odata.etag`) are the caller's.
    pub fn read(&self, input: &Map<String, Value>) -> Result<Map<String, Value>, FieldError> {
        self.read_at(input, "")
    }

    fn read_at(
        &self,
        input: &Map<String, Value>,
        path: &str,
    ) -> Result<Map<String, Value>, FieldError> {
        let mut out = Map::new();
        for (key, value) in input {
            let Some(field) = self.field(key) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let at = if path.is_empty() {
                field.name.to_string()
            } else {
                format!("{path}.{}", field.name)
            };
            out.insert(field.name.to_string(), read_value(field, value, &at)?);
        }
        Ok(out)
    }

    /// Adds the initial value of every field `doc` lacks (a new resource's defaults).
    pub fn fill_initial(&self, doc: &mut Map<String, Value>) {
        for field in self.fields {
            if !doc.contains_key(field.name)
                && let Some(value) = field.initial_value()
            {
                doc.insert(field.name.to_string(), value);
            }
        }
    }

    /// The fields of `doc` in the model's order (for output).
    pub fn ordered<'a>(&self, doc: &'a Map<String, Value>) -> Vec<(&'static str, &'a Value)> {
        self.fields
            .iter()
            .filter_map(|f| doc.get(f.name).map(|v| (f.name, v)))
            .collect()
    }
}

fn read_value(field: &Field, value: &Value, at: &str) -> Result<Value, FieldError> {
    let wrong = |what: &str| FieldError::new(at, format!("The field {at} must be {what}"));
    match field.kind {
        Kind::Any => Ok(value.clone()),
        Kind::Str => {
            let text = match value {
                Value::String(text) => text.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => return Err(wrong("a string")),
            };
            if field.guid && !text.is_empty() && !is_guid(&text) {
                return Err(FieldError::new(at, guid_message(at)));
            }
            if field.one_of.is_empty() {
                return Ok(Value::String(text));
            }
            field
                .one_of
                .iter()
                .find(|allowed| allowed.eq_ignore_ascii_case(text.trim()))
                .map(|allowed| Value::String((*allowed).into()))
                .ok_or_else(|| {
                    FieldError::new(
                        at,
                        format!(
                            "The field {at} is invalid: '{text}' is not one of {}",
                            field.one_of.join(", ")
                        ),
                    )
                })
        }
        Kind::Bool => match value {
            Value::Bool(b) => Ok(Value::Bool(*b)),
            Value::String(text) if text.trim().eq_ignore_ascii_case("true") => {
                Ok(Value::Bool(true))
            }
            Value::String(text) if text.trim().eq_ignore_ascii_case("false") => {
                Ok(Value::Bool(false))
            }
            _ => Err(wrong("true or false")),
        },
        Kind::Int => match value {
            Value::Number(n) if n.as_i64().is_some() => Ok(value.clone()),
            Value::Number(n) => n
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15)
                .map(|f| Value::from(f as i64))
                .ok_or_else(|| wrong("an integer")),
            Value::String(text) => text
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| wrong("an integer")),
            _ => Err(wrong("an integer")),
        },
        Kind::Num => match value {
            Value::Number(_) => Ok(value.clone()),
            Value::String(text) => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map(Value::Number)
                .ok_or_else(|| wrong("a number")),
            _ => Err(wrong("a number")),
        },
        Kind::Strs | Kind::NonEmptyStrs => {
            let Value::Array(items) = value else {
                return Err(wrong("an array of strings"));
            };
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_at = format!("{at}[{index}]");
                let Value::String(text) = item else {
                    return Err(FieldError::new(
                        &item_at,
                        format!("The field {item_at} must be a string"),
                    ));
                };
                if matches!(field.kind, Kind::NonEmptyStrs) && text.trim().is_empty() {
                    continue;
                }
                if field.guid && !is_guid(text) {
                    return Err(FieldError::new(&item_at, guid_message(&item_at)));
                }
                out.push(Value::String(text.clone()));
            }
            Ok(Value::Array(out))
        }
        Kind::Obj(model) => {
            let Value::Object(map) = value else {
                return Err(wrong("an object"));
            };
            model.read_at(map, at).map(Value::Object)
        }
        Kind::Objs(model) => {
            let Value::Array(items) = value else {
                return Err(wrong("an array of objects"));
            };
            let mut out = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let item_at = format!("{at}[{index}]");
                let Value::Object(map) = item else {
                    return Err(FieldError::new(
                        &item_at,
                        format!("The field {item_at} must be an object"),
                    ));
                };
                out.push(Value::Object(model.read_at(map, &item_at)?));
            }
            Ok(Value::Array(out))
        }
    }
}

/// Looks a key up in a client's object, ignoring case.
pub fn get_ci<'a>(input: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    input
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static CONTACT: Model = Model {
        fields: &[
            Field::new("type", Kind::Str).one_of(&["CustomerSupport", "Engineering"]),
            Field::new("email", Kind::Str),
        ],
    };
    static LISTING: Model = Model {
        fields: &[
            Field::new("title", Kind::Str),
            Field::new("keywords", Kind::Strs).initially(Initial::EmptyList),
            Field::new("listingContacts", Kind::Objs(&CONTACT)),
            Field::new("allow", Kind::Bool),
            Field::new("tenant", Kind::Str).guid(),
        ],
    };

    #[test]
    fn reads_lenient_and_writes_canonical() {
        let input = json!({"TITLE": "x", "Keywords": null, "listingcontacts": [{"Type": "engineering", "EMAIL": "a@b"}], "allow": "true", "junk": 1});
        let doc = LISTING.read(input.as_object().unwrap()).unwrap();
        assert_eq!(
            Value::Object(doc.clone()),
            json!({"title": "x", "listingContacts": [{"type": "Engineering", "email": "a@b"}], "allow": true})
        );
        let mut filled = doc;
        LISTING.fill_initial(&mut filled);
        assert_eq!(filled["keywords"], json!([]));
    }

    #[test]
    fn refuses_naming_the_field() {
        let err = LISTING
            .read(
                json!({"listingContacts": [{"type": "Boss"}]})
                    .as_object()
                    .unwrap(),
            )
            .unwrap_err();
        assert_eq!(err.field, "listingContacts[0].type");
        let err = LISTING
            .read(json!({"tenant": "nope"}).as_object().unwrap())
            .unwrap_err();
        assert!(err.message.contains("Enter a valid GUID"));
        assert!(!err.message.contains(". "));
        assert!(is_guid("8E3AF657-A8FF-443C-A75C-2FE8C4BCB635"));
    }
}
