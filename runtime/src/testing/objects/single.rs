//! The single-record operations: a page of records, create, read, update.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::checks::{
    broken_rules, check_id_property, conflict_message, rejected, unique_values, validation_failure,
};
use super::wire::{Query, Select, fail, invalid, object, parse_body, properties};
use super::{Answer, Ctx};
use crate::testing::store::StoredRecord;

/// The largest `limit` of a `get_page` page; larger ones are clamped.
const PAGE_MAX_LIMIT: i64 = 100;

pub(super) fn get_page(ctx: &mut Ctx<'_>, query: &Query) -> Result<Answer, Answer> {
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
    let page: Vec<(u64, &StoredRecord)> = ctx
        .store
        .all()
        .filter(|(id, record)| *id >= after && record.archived() == archived)
        .take(limit + 1)
        .collect();
    let results: Vec<Value> = page
        .iter()
        .take(limit)
        .map(|(_, record)| Value::Object(object(record, &select, None)))
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

/// The properties of a single create or update body, checked against the property rules;
/// a broken rule fails the request, naming the input as `label`.
fn checked_properties(
    ctx: &mut Ctx<'_>,
    body: &[u8],
    label: &str,
) -> Result<BTreeMap<String, String>, Answer> {
    let body = parse_body(ctx, body)?;
    let written = properties(ctx, &body, "body")?;
    let broken = broken_rules(ctx.rules, ctx.object_type(), &written);
    match validation_failure(ctx, &[(label.to_owned(), broken)]) {
        Some(answer) => Err(answer),
        None => Ok(written),
    }
}

pub(super) fn create(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let written = checked_properties(ctx, body, "body")?;
    let keys = unique_values(ctx.store, &written);
    if let Some(key) = rejected(ctx, &keys) {
        return Err(invalid(ctx, &format!("The input {key} was rejected")));
    }
    if let Some(conflict) = ctx.store.conflict(&written, None) {
        return Err(fail(ctx, 409, "CONFLICT", &conflict_message(&conflict)));
    }
    let id = ctx.create(&written);
    let Some(record) = ctx.store.get(id) else {
        return Err(fail(ctx, 500, "INTERNAL_ERROR", "record lost"));
    };
    Ok(Answer {
        status: 201,
        body: Some(Value::Object(object(
            record,
            &Select::Written(&written),
            None,
        ))),
    })
}

pub(super) fn not_found(ctx: &mut Ctx<'_>, id: &str) -> Answer {
    let message = format!("No {} record with id {id}", ctx.object_type());
    fail(ctx, 404, "OBJECT_NOT_FOUND", &message)
}

pub(super) fn get_by_id(ctx: &mut Ctx<'_>, query: &Query, id: &str) -> Result<Answer, Answer> {
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
    let Some(record) = ctx.store.get(found) else {
        return Err(not_found(ctx, id));
    };
    Ok(Answer {
        status: 200,
        body: Some(Value::Object(object(record, &select, None))),
    })
}

pub(super) fn update(
    ctx: &mut Ctx<'_>,
    query: &Query,
    id: &str,
    body: &[u8],
) -> Result<Answer, Answer> {
    let id_property = query.one("idProperty").map(str::to_owned);
    check_id_property(ctx, id_property.as_deref(), true)?;
    let written = checked_properties(ctx, body, id)?;
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
    let Some(record) = ctx.store.get(found) else {
        return Err(not_found(ctx, id));
    };
    Ok(Answer {
        status: 200,
        body: Some(Value::Object(object(
            record,
            &Select::Written(&written),
            None,
        ))),
    })
}
