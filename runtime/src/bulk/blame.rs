//! Who a `400` rejecting a whole batch is about: some of its inputs, or the request itself.
//!
//! HubSpot rejects a batch whole for two kinds of reasons, and its error body tells them
//! apart: a fault of the request (an `idProperty` that is not a unique property, a property
//! that does not exist on every input, a missing scope) comes back for every batch the run
//! will send, so the run stops; a fault of an input (a value that breaks a property's rules,
//! two inputs for one record) belongs to some inputs, which the engine then isolates. The
//! body is read leniently (HubSpot says every field is optional): `category`, `subCategory`,
//! `message`, `context`, each entry of `errors` (`message`, `code`, `in`, `context`), and the
//! JSON list HubSpot puts in the message of a property validation error
//! (`Property values were not valid: [{"error": "INVALID_OPTION", "name": "…"}]`).

use serde_json::Value;

/// Who a batch's `400` is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Blame {
    /// These inputs (positions in the batch, ascending): the error names them, by id, trace id
    /// or an `idProperty` or property that only they carry. They fail; the others are sent
    /// again.
    Inputs(Vec<usize>),
    /// Some input, but the error does not say which: split the batch to find it.
    Unnamed,
    /// The request as a whole (its configuration): every batch would get it, so the run stops.
    Request,
}

/// What the blame of a `400` looks at in one input of the rejected batch.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Facts<'a> {
    /// `id`.
    pub(crate) id: Option<&'a str>,
    /// `objectWriteTraceId` as sent.
    pub(crate) trace: Option<&'a str>,
    /// `idProperty`.
    pub(crate) id_property: Option<&'a str>,
    /// `properties`, as sent (its keys are the property names).
    pub(crate) properties: Option<&'a serde_json::Map<String, Value>>,
}

/// One error of the body, flattened: its codes (category, sub-category, code), its message
/// and the values it names (`context` values, `in`, `name`).
#[derive(Debug, Default)]
struct Entry {
    codes: Vec<String>,
    message: String,
    /// `message` in lower case, for the phrases that tell kinds of errors apart.
    lower: String,
    names: Vec<String>,
}

/// Who the `400` with `body` rejecting a batch of `inputs` is about.
///
/// `isolating` says the batch is a part of a batch already found to hold a bad input: then
/// an error that would otherwise be blamed on the request is blamed on an input (the larger
/// batch's error already said so), except a missing scope, which no input causes.
pub(crate) fn blame(body: &str, inputs: &[Facts<'_>], isolating: bool) -> Blame {
    let verdict = blame_entries(&entries(body), inputs);
    match verdict {
        Verdict::Request { strong: false } if isolating => Blame::Unnamed,
        Verdict::Request { .. } => Blame::Request,
        Verdict::Inputs(positions) => Blame::Inputs(positions),
        Verdict::Unnamed => Blame::Unnamed,
    }
}

#[derive(Debug)]
enum Verdict {
    Inputs(Vec<usize>),
    Unnamed,
    /// `strong`: no input can cause it (a missing scope).
    Request {
        strong: bool,
    },
}

fn blame_entries(entries: &[Entry], inputs: &[Facts<'_>]) -> Verdict {
    if entries.is_empty() {
        // Not a JSON object: nothing from HubSpot's API says an input is at fault.
        return Verdict::Request { strong: false };
    }
    let has_code = |part: &str| {
        entries
            .iter()
            .any(|entry| entry.codes.iter().any(|code| code.contains(part)))
    };
    let has_text = |part: &str| entries.iter().any(|entry| entry.lower.contains(part));
    if has_code("MISSING_SCOPES") || has_text("scopes") {
        return Verdict::Request { strong: true };
    }

    // An input named by its id or trace id.
    let named: Vec<usize> = positions(inputs, |facts| {
        [facts.id, facts.trace]
            .into_iter()
            .flatten()
            .any(|value| names(entries, value))
    });
    if !named.is_empty() {
        return Verdict::Inputs(named);
    }
    // Two inputs for one record: separate them by splitting.
    if has_text("duplicate") {
        return Verdict::Unnamed;
    }
    // A bad `idProperty`: the inputs that use it, or the request if every input does.
    if has_text("non-unique") || has_text("idproperty") || has_text("unique property") {
        let users = positions(inputs, |facts| {
            facts
                .id_property
                .is_some_and(|property| names(entries, property))
        });
        return some_or_request(users, inputs.len());
    }
    // The inputs that set a property the error names.
    let setters = || {
        positions(inputs, |facts| {
            facts
                .properties
                .is_some_and(|map| map.keys().any(|name| names(entries, name)))
        })
    };
    // A property that does not exist: the inputs that set it, or the request if all do.
    if has_code("DOESNT_EXIST")
        || has_code("DOES_NOT_EXIST")
        || has_text("does not exist")
        || has_text("doesn't exist")
    {
        return some_or_request(setters(), inputs.len());
    }
    // A value that breaks a property's rules: one of the inputs that set the property.
    if has_code("INVALID_") || has_text("not valid") || has_text("not one of the allowed options") {
        let setters = setters();
        return match setters.len() {
            1 => Verdict::Inputs(setters),
            _ => Verdict::Unnamed,
        };
    }
    Verdict::Request { strong: false }
}

/// The inputs blamed when `users` of `count` inputs carry what the error names; all of them
/// (or none: the error names something no input carries) blame the request.
fn some_or_request(users: Vec<usize>, count: usize) -> Verdict {
    if users.is_empty() || users.len() == count {
        Verdict::Request { strong: false }
    } else {
        Verdict::Inputs(users)
    }
}

fn positions(inputs: &[Facts<'_>], matches: impl Fn(&Facts<'_>) -> bool) -> Vec<usize> {
    inputs
        .iter()
        .enumerate()
        .filter(|(_, facts)| matches(facts))
        .map(|(position, _)| position)
        .collect()
}

/// Whether any entry names `value`: among its named values, or as a word of its message.
fn names(entries: &[Entry], value: &str) -> bool {
    !value.is_empty()
        && entries.iter().any(|entry| {
            entry.names.iter().any(|name| name == value) || has_word(&entry.message, value)
        })
}

/// Whether `text` holds `word` with no letter, digit, `_` or `-` right before or after it
/// (`shop-7` is in `input shop-7: bad` but not in `shop-70`).
fn has_word(text: &str, word: &str) -> bool {
    let part = |c: char| c.is_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(part) && !after.is_some_and(part)
    })
}

/// The body's errors, flattened: the body itself, each of `errors`, and each entry of a JSON
/// list in a message. Empty when the body is not a JSON object.
fn entries(body: &str) -> Vec<Entry> {
    let value = match serde_json::from_str::<Value>(body) {
        Ok(value @ Value::Object(_)) => value,
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    collect(&value, &mut out);
    if let Some(Value::Array(errors)) = value.get("errors") {
        for error in errors {
            collect(error, &mut out);
        }
    }
    out
}

/// Adds the entry of `value`, and those of a JSON list in its message.
fn collect(value: &Value, out: &mut Vec<Entry>) {
    let text = |name: &str| value.get(name).and_then(Value::as_str);
    let mut entry = Entry::default();
    for name in ["category", "subCategory", "code", "error"] {
        if let Some(code) = text(name) {
            entry.codes.push(code.to_ascii_uppercase());
        }
    }
    for name in ["in", "name", "propertyName"] {
        if let Some(named) = text(name) {
            entry.names.push(named.to_owned());
        }
    }
    if let Some(Value::Object(context)) = value.get("context") {
        for named in context.values() {
            entry.names.extend(super::rejection::texts(named));
        }
    }
    let message = text("message").unwrap_or_default();
    entry.message = message.to_owned();
    entry.lower = message.to_lowercase();
    out.push(entry);
    if let Some(list) = embedded_list(message) {
        for inner in list {
            collect(&inner, out);
        }
    }
}

/// The JSON list of objects a message carries after its text, as HubSpot's property
/// validation errors do; `None` when there is none (or it does not parse).
fn embedded_list(message: &str) -> Option<Vec<Value>> {
    let start = message.find("[{")?;
    let mut values = serde_json::Deserializer::from_str(&message[start..]).into_iter::<Value>();
    match values.next()? {
        Ok(Value::Array(list)) => Some(list),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, json};

    /// Inputs `shop-0`… with trace ids `t-0`…, the id property `hs_external_order_id` and the
    /// properties named.
    fn inputs(count: usize, properties: &[&str]) -> (Vec<Map<String, Value>>, Vec<String>) {
        let maps = (0..count)
            .map(|_| {
                properties
                    .iter()
                    .map(|name| ((*name).to_owned(), json!("x")))
                    .collect()
            })
            .collect();
        let ids = (0..count).map(|n| format!("shop-{n}")).collect();
        (maps, ids)
    }

    fn facts<'a>(
        maps: &'a [Map<String, Value>],
        ids: &'a [String],
        id_property: &'a str,
    ) -> Vec<Facts<'a>> {
        maps.iter()
            .zip(ids)
            .map(|(map, id)| Facts {
                id: Some(id),
                trace: None,
                id_property: Some(id_property),
                properties: Some(map),
            })
            .collect()
    }

    fn of(body: Value, count: usize) -> Blame {
        let (maps, ids) = inputs(count, &["hs_total_price", "hs_order_name"]);
        blame(
            &body.to_string(),
            &facts(&maps, &ids, "hs_external_order_id"),
            false,
        )
    }

    #[test]
    fn a_non_unique_id_property_used_by_every_input_is_the_requests_fault() {
        // HubSpot's words for an `idProperty` that is not a unique property.
        let body = json!({
            "status": "error",
            "message": "Unable to perform update/upsert by non-unique 0-123 property \
                        hs_external_order_id in portal ID 4242",
            "category": "VALIDATION_ERROR",
        });
        assert_eq!(of(body.clone(), 100), Blame::Request);
        // One input alone, a first batch: the same.
        assert_eq!(of(body, 1), Blame::Request);
    }

    #[test]
    fn an_id_property_only_some_inputs_use_blames_those() {
        let (maps, ids) = inputs(4, &["hs_total_price"]);
        let mut facts = facts(&maps, &ids, "hs_external_order_id");
        facts[2].id_property = Some("order_number");
        let body = json!({
            "message": "Unable to perform update/upsert by non-unique property order_number",
            "category": "VALIDATION_ERROR",
        });
        assert_eq!(
            blame(&body.to_string(), &facts, false),
            Blame::Inputs(vec![2])
        );
    }

    #[test]
    fn a_property_that_does_not_exist_on_every_input_is_the_requests_fault() {
        // As HubSpot writes it: a JSON list in the message.
        let body = json!({
            "status": "error",
            "message": "Property values were not valid: [{\"isValid\":false,\"message\":\
                        \"Property \\\"hs_total_price\\\" does not exist\",\"error\":\
                        \"PROPERTY_DOESNT_EXIST\",\"name\":\"hs_total_price\"}]",
            "category": "VALIDATION_ERROR",
        });
        assert_eq!(of(body, 100), Blame::Request);
        // Only one input sets it: that input.
        let (mut maps, ids) = inputs(3, &["hs_order_name"]);
        maps[1].insert("colour".to_owned(), json!("red"));
        let body = json!({
            "message": "Property values were not valid",
            "errors": [{"message": "Property \"colour\" does not exist",
                        "code": "PROPERTY_DOESNT_EXIST", "context": {"propertyName": ["colour"]}}],
        });
        let facts = facts(&maps, &ids, "hs_external_order_id");
        assert_eq!(
            blame(&body.to_string(), &facts, false),
            Blame::Inputs(vec![1])
        );
    }

    #[test]
    fn a_missing_scope_is_the_requests_fault_even_when_isolating() {
        let body = json!({
            "status": "error",
            "message": "This app hasn't been granted all required scopes to make this call.",
            "errors": [{"message": "One or more of the following scopes are required.",
                        "context": {"requiredScopes": ["crm.objects.orders.write"]}}],
            "category": "MISSING_SCOPES",
        });
        let (maps, ids) = inputs(2, &[]);
        let facts = facts(&maps, &ids, "hs_external_order_id");
        assert_eq!(blame(&body.to_string(), &facts, true), Blame::Request);
    }

    #[test]
    fn a_validation_error_naming_no_input_is_the_requests_fault_unless_isolating() {
        let body = json!({"status": "error", "message": "Invalid input JSON on line 1",
                          "category": "VALIDATION_ERROR"});
        assert_eq!(of(body.clone(), 10), Blame::Request);
        let (maps, ids) = inputs(10, &[]);
        let facts = facts(&maps, &ids, "hs_external_order_id");
        assert_eq!(blame(&body.to_string(), &facts, true), Blame::Unnamed);
        // Not JSON at all (a proxy's page): the request's.
        assert_eq!(blame("<html>400</html>", &facts, false), Blame::Request);
        assert_eq!(blame("", &facts, false), Blame::Request);
    }

    #[test]
    fn inputs_named_by_id_or_trace_id_are_blamed() {
        let body = json!({
            "message": "Property values were not valid: shop-7: hs_total_price = \"x\"",
            "category": "VALIDATION_ERROR",
            "context": {"ids": ["shop-3"]},
        });
        assert_eq!(of(body, 10), Blame::Inputs(vec![3, 7]));
        // `shop-1` is not a word of `shop-10`.
        let body = json!({"message": "input shop-10 is bad", "category": "VALIDATION_ERROR"});
        assert_eq!(of(body, 11), Blame::Inputs(vec![10]));
        let (maps, ids) = inputs(3, &[]);
        let mut facts = facts(&maps, &ids, "hs_external_order_id");
        facts[1].trace = Some("bulk-1-1");
        let body = json!({"errors": [
            {"message": "bad", "context": {"objectWriteTraceId": ["bulk-1-1"]}},
        ]});
        assert_eq!(
            blame(&body.to_string(), &facts, false),
            Blame::Inputs(vec![1])
        );
    }

    #[test]
    fn a_bad_value_naming_no_input_is_split_out() {
        let body = json!({
            "status": "error",
            "message": "Property values were not valid: [{\"isValid\":false,\"message\":\
                        \"JPY was not one of the allowed options\",\"error\":\"INVALID_OPTION\",\
                        \"name\":\"hs_currency_code\"}]",
            "category": "VALIDATION_ERROR",
        });
        // No input sets `hs_currency_code` here but the error says a value is bad: split.
        assert_eq!(of(body.clone(), 10), Blame::Unnamed);
        // Only one input sets it: that one.
        let (mut maps, ids) = inputs(3, &["hs_order_name"]);
        maps[2].insert("hs_currency_code".to_owned(), json!("JPY"));
        let facts = facts(&maps, &ids, "hs_external_order_id");
        assert_eq!(
            blame(&body.to_string(), &facts, false),
            Blame::Inputs(vec![2])
        );
        let duplicate = json!({"message": "Duplicate IDs found in batch input",
                               "category": "VALIDATION_ERROR"});
        assert_eq!(of(duplicate, 10), Blame::Unnamed);
    }

    #[test]
    fn words_are_whole() {
        assert!(has_word("input shop-7: bad", "shop-7"));
        assert!(has_word("(shop-7)", "shop-7"));
        assert!(has_word("shop-7.", "shop-7"));
        assert!(!has_word("shop-70", "shop-7"));
        assert!(!has_word("my_shop-7", "shop-7"));
        assert!(!has_word("", "shop-7"));
    }
}
