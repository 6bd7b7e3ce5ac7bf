//! Reading HubSpot's requests and writing its answers: query strings, bodies, records, errors.

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::{Answer, Ctx, MAX_BATCH_INPUTS};
use crate::OBJECT_ID_PROPERTY;
use crate::testing::store::{READ_ONLY, StoredRecord};

/// A random version-4 UUID from the fake's seeded generator, for `correlationId`.
pub(crate) fn uuid(rng: &mut fastrand::Rng) -> String {
    let high = rng.u64(..);
    let low = rng.u64(..);
    let high = (high & 0xffff_ffff_ffff_0fff) | 0x4000;
    let low = (low & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        high >> 32,
        (high >> 16) & 0xffff,
        high & 0xffff,
        low >> 48,
        low & 0xffff_ffff_ffff
    )
}

/// HubSpot's `Error` body.
pub(crate) fn error_body(
    rng: &mut fastrand::Rng,
    category: &str,
    message: &str,
    context: Option<Value>,
    errors: Vec<Value>,
) -> Value {
    let mut body = json!({
        "status": "error",
        "message": message,
        "correlationId": uuid(rng),
        "category": category,
    });
    if let Some(context) = context {
        body["context"] = context;
    }
    if !errors.is_empty() {
        body["errors"] = Value::Array(errors);
    }
    body
}

pub(super) fn fail(ctx: &mut Ctx<'_>, status: u16, category: &str, message: &str) -> Answer {
    Answer::error(ctx.rng, status, category, message)
}

pub(super) fn invalid(ctx: &mut Ctx<'_>, message: &str) -> Answer {
    fail(ctx, 400, "VALIDATION_ERROR", message)
}

/// The pairs of a query string, decoded (`+` as a space).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |text: &str| {
        let text = text.replace('+', " ");
        percent_encoding::percent_decode_str(&text)
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((key, value)) => (decode(key), decode(value)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// The parsed query of one request.
pub(super) struct Query(pub(super) Vec<(String, String)>);

impl Query {
    pub(super) fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// An array parameter: repeated keys, each possibly a comma-separated list.
    pub(super) fn list(&self, name: &str) -> Option<Vec<String>> {
        let values: Vec<String> = self
            .0
            .iter()
            .filter(|(key, _)| key == name)
            .flat_map(|(_, value)| value.split(','))
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect();
        (!values.is_empty()).then_some(values)
    }

    pub(super) fn flag(&self, name: &str) -> Result<bool, String> {
        match self.one(name) {
            None => Ok(false),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) => Err(format!(
                "query parameter {name}: `{value}` is not a boolean"
            )),
        }
    }
}

/// Which properties an answer carries besides the computed ones.
pub(super) enum Select<'a> {
    /// Only the computed ones: `hs_object_id`, `hs_createdate`, `hs_lastmodifieddate`.
    Defaults,
    /// Those named (a read's `properties`), where they have a value.
    Named(&'a [String]),
    /// Those a write set, where they still have a value.
    Written(&'a BTreeMap<String, String>),
}

pub(crate) fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The value of a property as search and sorting see it, computed ones included.
pub(super) fn value_of(record: &StoredRecord, property: &str) -> Option<String> {
    match property {
        OBJECT_ID_PROPERTY => Some(record.id.clone()),
        "hs_createdate" => Some(timestamp(record.created_at)),
        "hs_lastmodifieddate" => Some(timestamp(record.updated_at)),
        _ => record.property(property).map(str::to_owned),
    }
}

/// A record as HubSpot answers it (`SimplePublicObject` and its kin). Properties without a
/// value are left out: the document's property maps do not allow `null`.
pub(super) fn object(
    record: &StoredRecord,
    select: &Select<'_>,
    trace: Option<&str>,
) -> Map<String, Value> {
    let mut properties = Map::new();
    for name in READ_ONLY {
        if let Some(value) = value_of(record, name) {
            properties.insert(name.to_owned(), Value::String(value));
        }
    }
    let mut add = |name: &str| {
        if let Some(value) = record.property(name) {
            properties.insert(name.to_owned(), Value::String(value.to_owned()));
        }
    };
    match select {
        Select::Defaults => {}
        Select::Named(names) => names.iter().for_each(|name| add(name)),
        Select::Written(written) => written.keys().for_each(|name| add(name)),
    }
    let mut out = Map::new();
    out.insert("id".into(), Value::String(record.id.clone()));
    out.insert("properties".into(), Value::Object(properties));
    out.insert("createdAt".into(), timestamp(record.created_at).into());
    out.insert("updatedAt".into(), timestamp(record.updated_at).into());
    out.insert("archived".into(), record.archived().into());
    if let Some(at) = record.archived_at {
        out.insert("archivedAt".into(), timestamp(at).into());
    }
    if let Some(trace) = trace {
        out.insert("objectWriteTraceId".into(), trace.into());
    }
    out
}

/// A `StandardError` of a batch answer, naming its inputs in `context`.
pub(super) fn standard_error(
    category: &str,
    message: &str,
    context: BTreeMap<&str, Vec<String>>,
) -> Value {
    json!({
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    })
}

/// A batch answer: `ok` when every input succeeded, 207 with the errors otherwise.
pub(super) fn batch_answer(
    ctx: &Ctx<'_>,
    ok: u16,
    results: Vec<Value>,
    errors: Vec<Value>,
) -> Answer {
    let now = timestamp(ctx.now);
    let mut body = json!({
        "status": "COMPLETE",
        "results": results,
        "startedAt": now,
        "completedAt": now,
    });
    let status = if errors.is_empty() {
        ok
    } else {
        body["numErrors"] = errors.len().into();
        body["errors"] = Value::Array(errors);
        207
    };
    Answer {
        status,
        body: Some(body),
    }
}

/// The request body as JSON, or HubSpot's 400 for a body it cannot read.
pub(super) fn parse_body(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Value, Answer> {
    serde_json::from_slice(body).map_err(|e| invalid(ctx, &format!("Invalid input JSON: {e}")))
}

/// A `properties` object: string values, numbers and booleans written as text, `null` as a
/// cleared value.
pub(super) fn properties(
    ctx: &mut Ctx<'_>,
    input: &Value,
    at: &str,
) -> Result<BTreeMap<String, String>, Answer> {
    let Some(object) = input.get("properties").and_then(Value::as_object) else {
        return Err(invalid(
            ctx,
            &format!("{at}: `properties` must be an object"),
        ));
    };
    let mut out = BTreeMap::new();
    for (name, value) in object {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Null => String::new(),
            _ => {
                return Err(invalid(
                    ctx,
                    &format!("{at}: property {name} must be a string, not {value}"),
                ));
            }
        };
        out.insert(name.clone(), text);
    }
    Ok(out)
}

/// The `inputs` array of a batch body, refused whole beyond [`MAX_BATCH_INPUTS`].
pub(super) fn inputs(ctx: &mut Ctx<'_>, body: &Value) -> Result<Vec<Value>, Answer> {
    let Some(inputs) = body.get("inputs").and_then(Value::as_array) else {
        return Err(invalid(ctx, "`inputs` must be an array"));
    };
    if inputs.len() > MAX_BATCH_INPUTS {
        return Err(invalid(
            ctx,
            &format!(
                "Too many inputs: {} in one batch, at most {MAX_BATCH_INPUTS} are allowed",
                inputs.len()
            ),
        ));
    }
    Ok(inputs.clone())
}

pub(super) fn string_field(input: &Value, name: &str) -> Option<String> {
    match input.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// The strings of the array `name` of `input` (other elements skipped); empty when there is none.
pub(super) fn string_list(input: &Value, name: &str) -> Vec<String> {
    input
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|item| item.as_str().map(str::to_owned))
        .collect()
}

/// An input's required `id`.
pub(super) fn input_id(ctx: &mut Ctx<'_>, input: &Value, at: &str) -> Result<String, Answer> {
    string_field(input, "id").ok_or_else(|| invalid(ctx, &format!("{at}: `id` must be a string")))
}

pub(super) fn decode_path(id: &str) -> String {
    percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned()
}
