//! One entry of a batch answer's `errors`, read without the document's error schema.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// One error of a batch answer's `errors` list (HubSpot's `StandardError`), read leniently:
/// every field is optional, and a field of an unexpected type reads as absent, so that no
/// error entry can make an answer unreadable.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Rejection {
    /// `status`, e.g. `error`.
    pub status: Option<String>,
    /// `category`, e.g. `VALIDATION_ERROR`.
    pub category: Option<String>,
    /// `subCategory`.
    pub sub_category: Option<String>,
    /// `message`: what HubSpot says went wrong.
    pub message: Option<String>,
    /// `context`: the inputs the error concerns, e.g. `{"ids": ["shop-1"]}` (numbers are
    /// kept as their text, a lone string as a list of one).
    pub context: BTreeMap<String, Vec<String>>,
    /// The entry as HubSpot sent it.
    pub raw: Value,
}

impl Rejection {
    /// Reads one entry of `errors`.
    pub fn from_json(raw: Value) -> Rejection {
        let text = |name: &str| raw.get(name).and_then(Value::as_str).map(str::to_owned);
        let mut context = BTreeMap::new();
        if let Some(Value::Object(entries)) = raw.get("context") {
            for (key, value) in entries {
                context.insert(key.clone(), texts(value));
            }
        }
        Rejection {
            status: text("status"),
            category: text("category"),
            sub_category: text("subCategory"),
            message: text("message"),
            context,
            raw,
        }
    }
}

/// A string as it is, a number as its text; anything else has no text.
pub(super) fn plain_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The texts of a `context` entry: each of a list's, or the one of a single value.
pub(super) fn texts(value: &Value) -> Vec<String> {
    match value {
        Value::Array(values) => values.iter().filter_map(plain_text).collect(),
        other => plain_text(other).into_iter().collect(),
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_deref().unwrap_or("rejected"))?;
        if let Some(category) = &self.category {
            write!(f, " ({category})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_field_is_read_leniently() {
        let raw = json!({
            "status": "error",
            "category": "VALIDATION_ERROR",
            "subCategory": 7,
            "message": "Property values were not valid",
            "context": {"ids": ["a", 12, null], "objectWriteTraceId": "t-1", "odd": {"x": 1}},
            "errors": [],
        });
        let rejection = Rejection::from_json(raw.clone());
        assert_eq!(rejection.status.as_deref(), Some("error"));
        assert_eq!(rejection.category.as_deref(), Some("VALIDATION_ERROR"));
        assert_eq!(rejection.sub_category, None);
        assert_eq!(rejection.context["ids"], ["a", "12"]);
        assert_eq!(rejection.context["objectWriteTraceId"], ["t-1"]);
        assert!(rejection.context["odd"].is_empty());
        assert_eq!(rejection.raw, raw);
        assert_eq!(
            rejection.to_string(),
            "Property values were not valid (VALIDATION_ERROR)"
        );
        let empty = Rejection::from_json(json!("not an object"));
        assert_eq!(empty.to_string(), "rejected");
        assert!(empty.context.is_empty());
    }
}
