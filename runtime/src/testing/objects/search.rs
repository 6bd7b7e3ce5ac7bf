//! Search: filters, one sort, `after` paging and the 10,000-result cap.

use serde_json::{Value, json};

use super::wire::{Select, invalid, object, parse_body, string_field, string_list, value_of};
use super::{Answer, Ctx, SEARCH_RESULTS_CAP};
use crate::OBJECT_ID_PROPERTY;
use crate::testing::store::StoredRecord;

/// The most filter groups, filters per group and filters in all that search accepts.
const SEARCH_MAX_GROUPS: usize = 5;
const SEARCH_MAX_FILTERS_PER_GROUP: usize = 6;
const SEARCH_MAX_FILTERS: usize = 18;
/// The largest `limit` of a search page.
const SEARCH_MAX_LIMIT: i64 = 200;

/// One filter of a search, read.
pub(super) struct Filter {
    property: String,
    operator: String,
    value: Option<String>,
    values: Vec<String>,
}

impl Filter {
    fn matches(&self, record: &StoredRecord) -> bool {
        let actual = value_of(record, &self.property);
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

pub(super) fn search(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
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
                    "filterGroups[{g}]: too many filters: {}, \
                     at most {SEARCH_MAX_FILTERS_PER_GROUP}",
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
                        "{at}: operator {operator} is not supported by the fake HubSpot \
                         (it supports {})",
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
                "Search results are capped at {SEARCH_RESULTS_CAP}: \
                 `after` {after} pages past the cap"
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
                .unwrap_or(OBJECT_ID_PROPERTY)
                .to_owned(),
            object.get("direction").and_then(Value::as_str) == Some("DESCENDING"),
        ),
        _ => (OBJECT_ID_PROPERTY.to_owned(), false),
    };
    let text_query = string_field(&body, "query").map(|query| query.to_lowercase());
    let names = string_list(&body, "properties");
    let mut matches: Vec<&StoredRecord> = ctx
        .store
        .all()
        .map(|(_, record)| record)
        .filter(|record| !record.archived())
        .filter(|record| {
            groups.is_empty()
                || groups
                    .iter()
                    .any(|group| group.iter().all(|filter| filter.matches(record)))
        })
        .filter(|record| {
            text_query.as_deref().is_none_or(|query| {
                record.id == query
                    || record
                        .properties
                        .values()
                        .any(|value| value.to_lowercase().contains(query))
            })
        })
        .collect();
    let key = |record: &StoredRecord| {
        let value = value_of(record, &sort_property);
        (
            value
                .as_deref()
                .and_then(|text| text.parse::<f64>().ok())
                .map(|n| (n * 1000.0) as i128),
            value,
        )
    };
    matches.sort_by_cached_key(|record| key(record));
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
        .map(|record| Value::Object(object(record, &select, None)))
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
