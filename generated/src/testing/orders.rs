//! The orders API over the store: routing, request reading and HubSpot's answers.
//!
//! Bodies are read and written as `serde_json::Value` rather than through `crate::types`:
//! the fake must accept what HubSpot accepts (numbers as property values, missing optional
//! lists) and answer what HubSpot answers, field for field, independently of how lenient or
//! strict the generated types are.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use super::store::{Conflict, Order, READ_ONLY, Store};

/// The path every operation of the orders API starts with.
pub(crate) const BASE_PATH: &str = "/crm/v3/objects/orders";

/// HubSpot's limit on the inputs of one batch request.
pub(crate) const MAX_BATCH_INPUTS: usize = 100;

/// How far search can page: HubSpot refuses an `after` at or past this many results.
pub(crate) const SEARCH_RESULTS_CAP: usize = 10_000;

/// The most filter groups, filters per group and filters in all that search accepts.
const SEARCH_MAX_GROUPS: usize = 5;
const SEARCH_MAX_FILTERS_PER_GROUP: usize = 6;
const SEARCH_MAX_FILTERS: usize = 18;
/// The largest `limit` of a search page.
const SEARCH_MAX_LIMIT: i64 = 200;
/// The largest `limit` of a `get_page` page; larger ones are clamped.
const PAGE_MAX_LIMIT: i64 = 100;

/// An operation of the orders API, as the fake routes requests (`METHOD path`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /crm/v3/objects/orders`: a page of orders.
    GetPage,
    /// `POST /crm/v3/objects/orders`: create one order.
    Create,
    /// `GET /crm/v3/objects/orders/{orderId}`: read one order.
    GetById,
    /// `PATCH /crm/v3/objects/orders/{orderId}`: update one order.
    Update,
    /// `DELETE /crm/v3/objects/orders/{orderId}`: archive one order.
    Archive,
    /// `POST /crm/v3/objects/orders/batch/create`.
    BatchCreate,
    /// `POST /crm/v3/objects/orders/batch/read`.
    BatchRead,
    /// `POST /crm/v3/objects/orders/batch/update`.
    BatchUpdate,
    /// `POST /crm/v3/objects/orders/batch/upsert`.
    BatchUpsert,
    /// `POST /crm/v3/objects/orders/batch/archive`.
    BatchArchive,
    /// `POST /crm/v3/objects/orders/search`: counted against the search budget.
    Search,
}

impl Route {
    /// Whether the route counts against the search endpoints' own budget (`SECONDLY`)
    /// instead of the ten-second window.
    pub fn is_search(self) -> bool {
        self == Route::Search
    }

    /// The route and the path's record id (still percent-encoded) for a method and path.
    pub(crate) fn recognize(method: &str, path: &str) -> Result<(Route, Option<String>), u16> {
        let rest = path.strip_prefix(BASE_PATH).ok_or(404_u16)?;
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let route = match (method, rest) {
            ("GET", "") => Route::GetPage,
            ("POST", "") => Route::Create,
            ("POST", "/batch/create") => Route::BatchCreate,
            ("POST", "/batch/read") => Route::BatchRead,
            ("POST", "/batch/update") => Route::BatchUpdate,
            ("POST", "/batch/upsert") => Route::BatchUpsert,
            ("POST", "/batch/archive") => Route::BatchArchive,
            ("POST", "/search") => Route::Search,
            (
                _,
                "" | "/batch/create" | "/batch/read" | "/batch/update" | "/batch/upsert"
                | "/batch/archive" | "/search",
            ) => return Err(405),
            (method, rest) => {
                let id = rest.strip_prefix('/').ok_or(404_u16)?;
                if id.is_empty() || id.contains('/') {
                    return Err(404);
                }
                let route = match method {
                    "GET" => Route::GetById,
                    "PATCH" => Route::Update,
                    "DELETE" => Route::Archive,
                    _ => return Err(405),
                };
                return Ok((route, Some(id.to_owned())));
            }
        };
        Ok((route, None))
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (method, path) = match self {
            Route::GetPage => ("GET", ""),
            Route::Create => ("POST", ""),
            Route::GetById => ("GET", "/{orderId}"),
            Route::Update => ("PATCH", "/{orderId}"),
            Route::Archive => ("DELETE", "/{orderId}"),
            Route::BatchCreate => ("POST", "/batch/create"),
            Route::BatchRead => ("POST", "/batch/read"),
            Route::BatchUpdate => ("POST", "/batch/update"),
            Route::BatchUpsert => ("POST", "/batch/upsert"),
            Route::BatchArchive => ("POST", "/batch/archive"),
            Route::Search => ("POST", "/search"),
        };
        write!(f, "{method} {BASE_PATH}{path}")
    }
}

/// The check of a [`PropertyRule`]: `Err(why)` for a value it refuses.
pub(crate) type Check = dyn Fn(&str) -> Result<(), String> + Send + Sync;

/// A rule broken by a write: (property, value, why).
type Broken = (String, String, String);

/// A rule on the values of one property: `Err(why)` makes a write that sets such a value
/// fail with a 400 `VALIDATION_ERROR` (a whole batch, when one input breaks it).
#[derive(Clone)]
pub(crate) struct PropertyRule {
    pub property: String,
    pub check: Arc<Check>,
}

impl fmt::Debug for PropertyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropertyRule")
            .field("property", &self.property)
            .finish_non_exhaustive()
    }
}

/// An answer before it becomes HTTP: a status and a JSON body, if any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<Value>,
}

/// What a handler works with.
pub(crate) struct Ctx<'a> {
    pub store: &'a mut Store,
    pub rules: &'a [PropertyRule],
    pub rejected: &'a BTreeSet<String>,
    pub rng: &'a mut fastrand::Rng,
    pub now: DateTime<Utc>,
}

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

fn fail(ctx: &mut Ctx<'_>, status: u16, category: &str, message: &str) -> Answer {
    Answer {
        status,
        body: Some(error_body(ctx.rng, category, message, None, Vec::new())),
    }
}

fn invalid(ctx: &mut Ctx<'_>, message: &str) -> Answer {
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
struct Query(Vec<(String, String)>);

impl Query {
    fn one(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// An array parameter: repeated keys, each possibly a comma-separated list.
    fn list(&self, name: &str) -> Option<Vec<String>> {
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

    fn flag(&self, name: &str) -> Result<bool, String> {
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
enum Select<'a> {
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
fn value_of(order: &Order, property: &str) -> Option<String> {
    match property {
        "hs_object_id" => Some(order.id.clone()),
        "hs_createdate" => Some(timestamp(order.created_at)),
        "hs_lastmodifieddate" => Some(timestamp(order.updated_at)),
        _ => order.property(property).map(str::to_owned),
    }
}

/// A record as HubSpot answers it (`SimplePublicObject` and its kin). Properties without a
/// value are left out: the document's property maps do not allow `null`.
fn object(order: &Order, select: &Select<'_>, trace: Option<&str>) -> Map<String, Value> {
    let mut properties = Map::new();
    for name in READ_ONLY {
        if let Some(value) = value_of(order, name) {
            properties.insert(name.to_owned(), Value::String(value));
        }
    }
    let mut add = |name: &str| {
        if let Some(value) = order.property(name) {
            properties.insert(name.to_owned(), Value::String(value.to_owned()));
        }
    };
    match select {
        Select::Defaults => {}
        Select::Named(names) => names.iter().for_each(|name| add(name)),
        Select::Written(written) => written.keys().for_each(|name| add(name)),
    }
    let mut out = Map::new();
    out.insert("id".into(), Value::String(order.id.clone()));
    out.insert("properties".into(), Value::Object(properties));
    out.insert("createdAt".into(), timestamp(order.created_at).into());
    out.insert("updatedAt".into(), timestamp(order.updated_at).into());
    out.insert("archived".into(), order.archived().into());
    if let Some(at) = order.archived_at {
        out.insert("archivedAt".into(), timestamp(at).into());
    }
    if let Some(trace) = trace {
        out.insert("objectWriteTraceId".into(), trace.into());
    }
    out
}

/// A `StandardError` of a batch answer, naming its inputs in `context`.
fn standard_error(category: &str, message: &str, context: BTreeMap<&str, Vec<String>>) -> Value {
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
fn batch_answer(ctx: &Ctx<'_>, ok: u16, results: Vec<Value>, errors: Vec<Value>) -> Answer {
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
fn parse_body(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Value, Answer> {
    serde_json::from_slice(body).map_err(|e| invalid(ctx, &format!("Invalid input JSON: {e}")))
}

/// A `properties` object: string values, numbers and booleans written as text, `null` as a
/// cleared value.
fn properties(
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
fn inputs(ctx: &mut Ctx<'_>, body: &Value) -> Result<Vec<Value>, Answer> {
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

fn string_field(input: &Value, name: &str) -> Option<String> {
    match input.get(name)? {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// An input's required `id`.
fn input_id(ctx: &mut Ctx<'_>, input: &Value, at: &str) -> Result<String, Answer> {
    string_field(input, "id").ok_or_else(|| invalid(ctx, &format!("{at}: `id` must be a string")))
}

/// Checks `idProperty`: a property with unique values (or none, meaning record ids when
/// `allow_none`).
fn check_id_property(
    ctx: &mut Ctx<'_>,
    id_property: Option<&str>,
    allow_none: bool,
) -> Result<(), Answer> {
    match id_property {
        None if allow_none => Ok(()),
        None => Err(invalid(
            ctx,
            "`idProperty` is required: name a property with unique values to upsert by",
        )),
        Some("hs_object_id") if allow_none => Ok(()),
        Some(property) if ctx.store.is_unique(property) => Ok(()),
        Some(property) => Err(invalid(
            ctx,
            &format!(
                "Unable to perform update/upsert by non-unique property {property}: \
                 only properties with unique values ({}) can identify records",
                ctx.store
                    .unique_properties()
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The configured rules a write breaks: (property, value, why).
fn broken_rules(rules: &[PropertyRule], properties: &BTreeMap<String, String>) -> Vec<Broken> {
    rules
        .iter()
        .filter_map(|rule| {
            let value = properties.get(&rule.property)?;
            if value.is_empty() {
                return None;
            }
            (rule.check)(value)
                .err()
                .map(|why| (rule.property.clone(), value.clone(), why))
        })
        .collect()
}

/// HubSpot's 400 for property values that break the rules, naming each input (`labels`)
/// and property.
fn validation_failure(ctx: &mut Ctx<'_>, broken: &[(String, Vec<Broken>)]) -> Option<Answer> {
    if broken.iter().all(|(_, rules)| rules.is_empty()) {
        return None;
    }
    let mut messages = Vec::new();
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (label, rules) in broken {
        if !rules.is_empty() {
            ids.push(label.clone());
        }
        for (property, value, why) in rules {
            let message = format!("{label}: {property} = \"{value}\" is not valid: {why}");
            errors.push(json!({
                "message": message,
                "in": property,
                "code": "INVALID_PROPERTY_VALUE",
                "context": {"ids": [label], "propertyName": [property]},
            }));
            messages.push(message);
        }
    }
    let message = format!("Property values were not valid: {}", messages.join("; "));
    Some(Answer {
        status: 400,
        body: Some(error_body(
            ctx.rng,
            "VALIDATION_ERROR",
            &message,
            Some(json!({ "ids": ids })),
            errors,
        )),
    })
}

/// Whether the fake was told to reject an input with these keys.
fn rejected(ctx: &Ctx<'_>, keys: &[String]) -> Option<String> {
    keys.iter().find(|key| ctx.rejected.contains(*key)).cloned()
}

/// The unique values among `properties`: what identifies an input that has no id.
fn unique_values(store: &Store, properties: &BTreeMap<String, String>) -> Vec<String> {
    properties
        .iter()
        .filter(|(name, value)| !value.is_empty() && store.is_unique(name))
        .map(|(_, value)| value.clone())
        .collect()
}

/// Every id and unique value a request mentions: the path id, the inputs' ids and the
/// unique values among the properties of the body or its inputs. Fault rules by id match
/// against these.
pub(crate) fn request_keys(store: &Store, path_id: Option<&str>, body: &[u8]) -> Vec<String> {
    let mut keys: Vec<String> = path_id.map(decode_path).into_iter().collect();
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return keys;
    };
    let mut add_input = |input: &Value| {
        if let Some(id) = string_field(input, "id") {
            keys.push(id);
        }
        if let Some(properties) = input.get("properties").and_then(Value::as_object) {
            for (name, value) in properties {
                if let (true, Some(value)) = (store.is_unique(name), value.as_str()) {
                    keys.push(value.to_owned());
                }
            }
        }
    };
    add_input(&body);
    for input in body
        .get("inputs")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        add_input(input);
    }
    keys
}

fn decode_path(id: &str) -> String {
    percent_encoding::percent_decode_str(id)
        .decode_utf8_lossy()
        .into_owned()
}

fn conflict_message(conflict: &Conflict) -> String {
    format!(
        "A record already has the value \"{}\" for the unique property {} (record {})",
        conflict.value, conflict.property, conflict.holder
    )
}

fn context<const N: usize>(
    pairs: [(&'static str, Vec<String>); N],
) -> BTreeMap<&'static str, Vec<String>> {
    pairs
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .collect()
}

/// Answers one request to `route`.
pub(crate) fn handle(
    ctx: &mut Ctx<'_>,
    route: Route,
    path_id: Option<&str>,
    query: Option<&str>,
    body: &[u8],
) -> Answer {
    let query = Query(query_pairs(query));
    let path_id = path_id.map(decode_path);
    let result = match route {
        Route::GetPage => get_page(ctx, &query),
        Route::Create => create(ctx, body),
        Route::GetById => get_by_id(ctx, &query, path_id.as_deref().unwrap_or_default()),
        Route::Update => update(ctx, &query, path_id.as_deref().unwrap_or_default(), body),
        Route::Archive => {
            if let Some(id) = path_id.as_deref().and_then(|id| id.parse::<u64>().ok()) {
                ctx.store.archive(id, ctx.now);
            }
            Ok(Answer {
                status: 204,
                body: None,
            })
        }
        Route::BatchCreate => batch_create(ctx, body),
        Route::BatchRead => batch_read(ctx, &query, body),
        Route::BatchUpdate => batch_update(ctx, body),
        Route::BatchUpsert => batch_upsert(ctx, body),
        Route::BatchArchive => batch_archive(ctx, body),
        Route::Search => search(ctx, body),
    };
    result.unwrap_or_else(|answer| answer)
}

fn get_page(ctx: &mut Ctx<'_>, query: &Query) -> Result<Answer, Answer> {
    let archived = query.flag("archived").map_err(|why| invalid(ctx, &why))?;
    let limit = match query.one("limit") {
        None => 10,
        Some(text) => match text.parse::<i64>() {
            Ok(limit) if limit >= 1 => limit.min(PAGE_MAX_LIMIT),
            _ => {
                return Err(invalid(
                    ctx,
                    &format!("query parameter limit: `{text}` is not a positive integer"),
                ));
            }
        },
    };
    let after = match query.one("after") {
        None | Some("") => 0,
        Some(text) => text.parse::<u64>().map_err(|_| {
            invalid(
                ctx,
                &format!("query parameter after: `{text}` is not a paging cursor"),
            )
        })?,
    };
    let names = query.list("properties").unwrap_or_default();
    let select = if names.is_empty() {
        Select::Defaults
    } else {
        Select::Named(&names)
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let page: Vec<(u64, &Order)> = ctx
        .store
        .all()
        .filter(|(id, order)| *id >= after && order.archived() == archived)
        .take(limit + 1)
        .collect();
    let results: Vec<Value> = page
        .iter()
        .take(limit)
        .map(|(_, order)| Value::Object(object(order, &select, None)))
        .collect();
    let mut body = json!({ "results": results });
    if let Some((next, _)) = page.get(limit) {
        body["paging"] = json!({ "next": { "after": next.to_string() } });
    }
    Ok(Answer {
        status: 200,
        body: Some(body),
    })
}

fn create(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let body = parse_body(ctx, body)?;
    let written = properties(ctx, &body, "body")?;
    let broken = broken_rules(ctx.rules, &written);
    if let Some(answer) = validation_failure(ctx, &[("body".to_owned(), broken)]) {
        return Err(answer);
    }
    let keys = unique_values(ctx.store, &written);
    if let Some(key) = rejected(ctx, &keys) {
        return Err(invalid(ctx, &format!("The input {key} was rejected")));
    }
    if let Some(conflict) = ctx.store.conflict(&written, None) {
        return Err(fail(ctx, 409, "CONFLICT", &conflict_message(&conflict)));
    }
    let id = ctx.store.create(&written, ctx.now);
    let Some(order) = ctx.store.get(id) else {
        return Err(fail(ctx, 500, "INTERNAL_ERROR", "record lost"));
    };
    Ok(Answer {
        status: 201,
        body: Some(Value::Object(object(
            order,
            &Select::Written(&written),
            None,
        ))),
    })
}

fn not_found(ctx: &mut Ctx<'_>, id: &str) -> Answer {
    fail(
        ctx,
        404,
        "OBJECT_NOT_FOUND",
        &format!("No order with id {id}"),
    )
}

fn get_by_id(ctx: &mut Ctx<'_>, query: &Query, id: &str) -> Result<Answer, Answer> {
    let archived = query.flag("archived").map_err(|why| invalid(ctx, &why))?;
    let id_property = query.one("idProperty").map(str::to_owned);
    check_id_property(ctx, id_property.as_deref(), true)?;
    let names = query.list("properties").unwrap_or_default();
    let select = if names.is_empty() {
        Select::Defaults
    } else {
        Select::Named(&names)
    };
    let Some(found) = ctx.store.find(id, id_property.as_deref(), archived) else {
        return Err(not_found(ctx, id));
    };
    let Some(order) = ctx.store.get(found) else {
        return Err(not_found(ctx, id));
    };
    Ok(Answer {
        status: 200,
        body: Some(Value::Object(object(order, &select, None))),
    })
}

fn update(ctx: &mut Ctx<'_>, query: &Query, id: &str, body: &[u8]) -> Result<Answer, Answer> {
    let id_property = query.one("idProperty").map(str::to_owned);
    check_id_property(ctx, id_property.as_deref(), true)?;
    let body = parse_body(ctx, body)?;
    let written = properties(ctx, &body, "body")?;
    let broken = broken_rules(ctx.rules, &written);
    if let Some(answer) = validation_failure(ctx, &[(id.to_owned(), broken)]) {
        return Err(answer);
    }
    let mut keys = unique_values(ctx.store, &written);
    keys.push(id.to_owned());
    if let Some(key) = rejected(ctx, &keys) {
        return Err(invalid(ctx, &format!("The input {key} was rejected")));
    }
    let Some(found) = ctx.store.find(id, id_property.as_deref(), false) else {
        return Err(not_found(ctx, id));
    };
    if let Some(conflict) = ctx.store.conflict(&written, Some(found)) {
        return Err(fail(ctx, 409, "CONFLICT", &conflict_message(&conflict)));
    }
    ctx.store.write(found, &written, ctx.now);
    let Some(order) = ctx.store.get(found) else {
        return Err(not_found(ctx, id));
    };
    Ok(Answer {
        status: 200,
        body: Some(Value::Object(object(
            order,
            &Select::Written(&written),
            None,
        ))),
    })
}

/// One write input of a batch, read.
struct WriteInput {
    /// `inputs[i]`, with the id when there is one: how messages name the input.
    label: String,
    id: Option<String>,
    properties: BTreeMap<String, String>,
    trace: Option<String>,
    /// Its id and unique values, for rejections and `context`.
    keys: Vec<String>,
}

fn write_inputs(
    ctx: &mut Ctx<'_>,
    body: &[u8],
    with_id: bool,
) -> Result<(Value, Vec<WriteInput>), Answer> {
    let body = parse_body(ctx, body)?;
    let raw = inputs(ctx, &body)?;
    let mut out = Vec::with_capacity(raw.len());
    for (index, input) in raw.iter().enumerate() {
        let at = format!("inputs[{index}]");
        let id = if with_id {
            Some(input_id(ctx, input, &at)?)
        } else {
            None
        };
        let properties = properties(ctx, input, &at)?;
        let mut keys: Vec<String> = id.iter().cloned().collect();
        keys.extend(unique_values(ctx.store, &properties));
        out.push(WriteInput {
            label: id.as_ref().map_or_else(|| at.clone(), |id| id.clone()),
            id,
            trace: string_field(input, "objectWriteTraceId"),
            properties,
            keys,
        });
    }
    // Every input is checked before anything is written: one bad value fails the batch.
    let broken: Vec<(String, Vec<_>)> = out
        .iter()
        .map(|input| {
            (
                input.label.clone(),
                broken_rules(ctx.rules, &input.properties),
            )
        })
        .collect();
    if let Some(answer) = validation_failure(ctx, &broken) {
        return Err(answer);
    }
    Ok((body, out))
}

/// The error of one input of a batch, naming it by its keys and trace id.
fn input_error(category: &str, message: &str, input: &WriteInput) -> Value {
    standard_error(
        category,
        message,
        context([
            ("ids", input.keys.iter().take(1).cloned().collect()),
            ("objectWriteTraceId", input.trace.iter().cloned().collect()),
        ]),
    )
}

fn duplicates(ctx: &mut Ctx<'_>, values: Vec<String>) -> Result<(), Answer> {
    let mut seen = BTreeSet::new();
    let repeated: BTreeSet<String> = values
        .into_iter()
        .filter(|value| !seen.insert(value.clone()))
        .collect();
    if repeated.is_empty() {
        return Ok(());
    }
    let repeated: Vec<String> = repeated.into_iter().collect();
    Err(Answer {
        status: 400,
        body: Some(error_body(
            ctx.rng,
            "VALIDATION_ERROR",
            &format!(
                "Duplicate inputs: several inputs of the batch name the same record ({})",
                repeated.join(", ")
            ),
            Some(json!({ "ids": repeated })),
            Vec::new(),
        )),
    })
}

fn batch_create(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let (_, inputs) = write_inputs(ctx, body, false)?;
    duplicates(
        ctx,
        inputs.iter().flat_map(|input| input.keys.clone()).collect(),
    )?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &inputs {
        if let Some(key) = rejected(ctx, &input.keys) {
            errors.push(input_error(
                "VALIDATION_ERROR",
                &format!("The input {key} was rejected"),
                input,
            ));
        } else if let Some(conflict) = ctx.store.conflict(&input.properties, None) {
            errors.push(input_error("CONFLICT", &conflict_message(&conflict), input));
        } else {
            let id = ctx.store.create(&input.properties, ctx.now);
            if let Some(order) = ctx.store.get(id) {
                let select = Select::Written(&input.properties);
                results.push(Value::Object(object(
                    order,
                    &select,
                    input.trace.as_deref(),
                )));
            }
        }
    }
    Ok(batch_answer(ctx, 201, results, errors))
}

fn batch_update(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let (body, inputs) = write_inputs(ctx, body, true)?;
    let raw = body
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut targets = Vec::with_capacity(inputs.len());
    for (input, raw) in inputs.iter().zip(&raw) {
        let id_property = string_field(raw, "idProperty");
        check_id_property(ctx, id_property.as_deref(), true)?;
        let id = input.id.clone().unwrap_or_default();
        targets.push(ctx.store.find(&id, id_property.as_deref(), false));
    }
    duplicates(
        ctx,
        inputs
            .iter()
            .zip(&targets)
            .map(|(input, target)| target.map_or_else(|| input.label.clone(), |id| id.to_string()))
            .collect(),
    )?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (input, target) in inputs.iter().zip(targets) {
        if let Some(key) = rejected(ctx, &input.keys) {
            errors.push(input_error(
                "VALIDATION_ERROR",
                &format!("The input {key} was rejected"),
                input,
            ));
            continue;
        }
        let Some(target) = target else {
            errors.push(input_error(
                "OBJECT_NOT_FOUND",
                &format!("No order with id {}", input.label),
                input,
            ));
            continue;
        };
        if let Some(conflict) = ctx.store.conflict(&input.properties, Some(target)) {
            errors.push(input_error("CONFLICT", &conflict_message(&conflict), input));
            continue;
        }
        ctx.store.write(target, &input.properties, ctx.now);
        if let Some(order) = ctx.store.get(target) {
            let select = Select::Written(&input.properties);
            results.push(Value::Object(object(
                order,
                &select,
                input.trace.as_deref(),
            )));
        }
    }
    Ok(batch_answer(ctx, 200, results, errors))
}

fn batch_upsert(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let (body, inputs) = write_inputs(ctx, body, true)?;
    let raw = body
        .get("inputs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut keyed = Vec::with_capacity(inputs.len());
    for (input, raw) in inputs.iter().zip(&raw) {
        let id_property = string_field(raw, "idProperty");
        check_id_property(ctx, id_property.as_deref(), false)?;
        let property = id_property.unwrap_or_default();
        let id = input.id.clone().unwrap_or_default();
        let target = ctx.store.by_unique(&property, &id);
        keyed.push((property, target));
    }
    // Two inputs naming one record, whether by the same value or by two unique properties
    // of one existing record, make HubSpot refuse the whole request.
    duplicates(
        ctx,
        inputs
            .iter()
            .zip(&keyed)
            .map(|(input, (property, target))| match target {
                Some(id) => id.to_string(),
                None => format!("{property}={}", input.label),
            })
            .collect(),
    )?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for (input, (property, target)) in inputs.iter().zip(keyed) {
        if let Some(key) = rejected(ctx, &input.keys) {
            errors.push(input_error(
                "VALIDATION_ERROR",
                &format!("The input {key} was rejected"),
                input,
            ));
            continue;
        }
        let mut written = input.properties.clone();
        // The record keeps the value it was found by (or is created with it).
        written.insert(property, input.id.clone().unwrap_or_default());
        if let Some(conflict) = ctx.store.conflict(&written, target) {
            errors.push(input_error("CONFLICT", &conflict_message(&conflict), input));
            continue;
        }
        let (id, new) = match target {
            Some(id) => {
                ctx.store.write(id, &written, ctx.now);
                (id, false)
            }
            None => (ctx.store.create(&written, ctx.now), true),
        };
        if let Some(order) = ctx.store.get(id) {
            let mut result = object(order, &Select::Written(&written), input.trace.as_deref());
            result.insert("new".into(), new.into());
            results.push(Value::Object(result));
        }
    }
    Ok(batch_answer(ctx, 200, results, errors))
}

fn batch_read(ctx: &mut Ctx<'_>, query: &Query, body: &[u8]) -> Result<Answer, Answer> {
    let archived = query.flag("archived").map_err(|why| invalid(ctx, &why))?;
    let body = parse_body(ctx, body)?;
    let raw = inputs(ctx, &body)?;
    let id_property = string_field(&body, "idProperty");
    check_id_property(ctx, id_property.as_deref(), true)?;
    let names: Vec<String> = body
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect();
    let select = if names.is_empty() {
        Select::Defaults
    } else {
        Select::Named(&names)
    };
    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    let mut missing = Vec::new();
    let mut errors = Vec::new();
    for (index, input) in raw.iter().enumerate() {
        let id = input_id(ctx, input, &format!("inputs[{index}]"))?;
        if !seen.insert(id.clone()) {
            continue;
        }
        if ctx.rejected.contains(&id) {
            errors.push(standard_error(
                "VALIDATION_ERROR",
                &format!("The input {id} was rejected"),
                context([("ids", vec![id])]),
            ));
            continue;
        }
        match ctx
            .store
            .find(&id, id_property.as_deref(), archived)
            .and_then(|found| ctx.store.get(found))
        {
            Some(order) => results.push(Value::Object(object(order, &select, None))),
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        errors.push(standard_error(
            "OBJECT_NOT_FOUND",
            &format!("Could not find orders with ids {}", missing.join(", ")),
            context([("ids", missing)]),
        ));
    }
    Ok(batch_answer(ctx, 200, results, errors))
}

fn batch_archive(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let body = parse_body(ctx, body)?;
    let raw = inputs(ctx, &body)?;
    let mut ids = Vec::with_capacity(raw.len());
    for (index, input) in raw.iter().enumerate() {
        ids.push(input_id(ctx, input, &format!("inputs[{index}]"))?);
    }
    for id in ids {
        if let Ok(id) = id.parse::<u64>() {
            ctx.store.archive(id, ctx.now);
        }
    }
    Ok(Answer {
        status: 204,
        body: None,
    })
}

/// One filter of a search, read.
struct Filter {
    property: String,
    operator: String,
    value: Option<String>,
    values: Vec<String>,
}

impl Filter {
    fn matches(&self, order: &Order) -> bool {
        let actual = value_of(order, &self.property);
        let equal = |expected: &str| {
            actual
                .as_deref()
                .is_some_and(|actual| actual.eq_ignore_ascii_case(expected))
        };
        let number = |text: &str| text.parse::<f64>().ok();
        let compare = |accept: fn(std::cmp::Ordering) -> bool| {
            let (Some(actual), Some(expected)) = (
                actual.as_deref().and_then(number),
                self.value.as_deref().and_then(number),
            ) else {
                return false;
            };
            actual.partial_cmp(&expected).is_some_and(accept)
        };
        match self.operator.as_str() {
            "EQ" => self.value.as_deref().is_some_and(equal),
            "NEQ" => !self.value.as_deref().is_some_and(equal),
            "IN" => self.values.iter().any(|value| equal(value)),
            "NOT_IN" => !self.values.iter().any(|value| equal(value)),
            "HAS_PROPERTY" => actual.is_some(),
            "NOT_HAS_PROPERTY" => actual.is_none(),
            "GT" => compare(std::cmp::Ordering::is_gt),
            "GTE" => compare(std::cmp::Ordering::is_ge),
            "LT" => compare(std::cmp::Ordering::is_lt),
            "LTE" => compare(std::cmp::Ordering::is_le),
            _ => false,
        }
    }
}

const SEARCH_OPERATORS: [&str; 10] = [
    "EQ",
    "NEQ",
    "IN",
    "NOT_IN",
    "HAS_PROPERTY",
    "NOT_HAS_PROPERTY",
    "GT",
    "GTE",
    "LT",
    "LTE",
];

fn search(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let body = parse_body(ctx, body)?;
    let mut groups: Vec<Vec<Filter>> = Vec::new();
    let raw_groups = body
        .get("filterGroups")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if raw_groups.len() > SEARCH_MAX_GROUPS {
        return Err(invalid(
            ctx,
            &format!(
                "Too many filter groups: {}, at most {SEARCH_MAX_GROUPS}",
                raw_groups.len()
            ),
        ));
    }
    for (g, group) in raw_groups.iter().enumerate() {
        let raw_filters = group
            .get("filters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if raw_filters.len() > SEARCH_MAX_FILTERS_PER_GROUP {
            return Err(invalid(
                ctx,
                &format!(
                    "filterGroups[{g}]: too many filters: {}, at most {SEARCH_MAX_FILTERS_PER_GROUP}",
                    raw_filters.len()
                ),
            ));
        }
        let mut filters = Vec::new();
        for (f, filter) in raw_filters.iter().enumerate() {
            let at = format!("filterGroups[{g}].filters[{f}]");
            let (Some(property), Some(operator)) = (
                string_field(filter, "propertyName"),
                string_field(filter, "operator"),
            ) else {
                return Err(invalid(
                    ctx,
                    &format!("{at}: `propertyName` and `operator` are required"),
                ));
            };
            if !SEARCH_OPERATORS.contains(&operator.as_str()) {
                return Err(invalid(
                    ctx,
                    &format!(
                        "{at}: operator {operator} is not supported by the fake HubSpot (it supports {})",
                        SEARCH_OPERATORS.join(", ")
                    ),
                ));
            }
            let values = filter
                .get("values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|value| value.as_str().map(str::to_owned))
                .collect();
            filters.push(Filter {
                property,
                operator,
                value: string_field(filter, "value"),
                values,
            });
        }
        groups.push(filters);
    }
    let total_filters: usize = groups.iter().map(Vec::len).sum();
    if total_filters > SEARCH_MAX_FILTERS {
        return Err(invalid(
            ctx,
            &format!("Too many filters: {total_filters}, at most {SEARCH_MAX_FILTERS}"),
        ));
    }
    let limit = match body.get("limit") {
        None | Some(Value::Null) => 10,
        Some(value) => match value.as_i64() {
            Some(limit) if (1..=SEARCH_MAX_LIMIT).contains(&limit) => limit,
            _ => {
                return Err(invalid(
                    ctx,
                    &format!("`limit` must be between 1 and {SEARCH_MAX_LIMIT}, not {value}"),
                ));
            }
        },
    };
    let limit = usize::try_from(limit).unwrap_or(10);
    let after = match string_field(&body, "after").as_deref() {
        None | Some("") => 0,
        Some(text) => text
            .parse::<usize>()
            .map_err(|_| invalid(ctx, &format!("`after`: `{text}` is not a paging cursor")))?,
    };
    if after >= SEARCH_RESULTS_CAP {
        return Err(invalid(
            ctx,
            &format!(
                "Search results are capped at {SEARCH_RESULTS_CAP}: `after` {after} pages past the cap"
            ),
        ));
    }
    // Sorting: one property, ascending, or descending with a leading `-` (or the object
    // form `{"propertyName", "direction"}`); record ids by default.
    let sort = body
        .get("sorts")
        .and_then(Value::as_array)
        .and_then(|sorts| sorts.first())
        .cloned();
    let (sort_property, descending) = match sort {
        Some(Value::String(text)) => match text.strip_prefix('-') {
            Some(property) => (property.to_owned(), true),
            None => (text, false),
        },
        Some(Value::Object(object)) => (
            object
                .get("propertyName")
                .and_then(Value::as_str)
                .unwrap_or("hs_object_id")
                .to_owned(),
            object.get("direction").and_then(Value::as_str) == Some("DESCENDING"),
        ),
        _ => ("hs_object_id".to_owned(), false),
    };
    let text_query = string_field(&body, "query").map(|query| query.to_lowercase());
    let names: Vec<String> = body
        .get("properties")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|name| name.as_str().map(str::to_owned))
        .collect();
    let mut matches: Vec<&Order> = ctx
        .store
        .all()
        .map(|(_, order)| order)
        .filter(|order| !order.archived())
        .filter(|order| {
            groups.is_empty()
                || groups
                    .iter()
                    .any(|group| group.iter().all(|filter| filter.matches(order)))
        })
        .filter(|order| {
            text_query.as_deref().is_none_or(|query| {
                order.id == query
                    || order
                        .properties
                        .values()
                        .any(|value| value.to_lowercase().contains(query))
            })
        })
        .collect();
    let key = |order: &Order| {
        let value = value_of(order, &sort_property);
        (
            value
                .as_deref()
                .and_then(|text| text.parse::<f64>().ok())
                .map(|n| (n * 1000.0) as i128),
            value,
        )
    };
    matches.sort_by_cached_key(|order| key(order));
    if descending {
        matches.reverse();
    }
    let total = matches.len();
    let end = (after + limit).min(total).min(SEARCH_RESULTS_CAP);
    let select = Select::Named(&names);
    let results: Vec<Value> = matches
        .get(after.min(end)..end)
        .unwrap_or_default()
        .iter()
        .map(|order| Value::Object(object(order, &select, None)))
        .collect();
    let mut body = json!({
        "total": i32::try_from(total).unwrap_or(i32::MAX),
        "results": results,
    });
    if end < total && end < SEARCH_RESULTS_CAP {
        body["paging"] = json!({ "next": { "after": end.to_string() } });
    }
    Ok(Answer {
        status: 200,
        body: Some(body),
    })
}
