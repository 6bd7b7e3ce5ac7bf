//! The batch operations: create, read, update, upsert and archive of up to 100 records.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::checks::{
    broken_rules, check_id_property, conflict_message, context, rejected, unique_values,
    validation_failure,
};
use super::wire::{
    Query, Select, batch_answer, error_body, input_id, inputs, invalid, object, parse_body,
    properties, standard_error, string_field, string_list,
};
use super::{Answer, Ctx};

/// One write input of a batch, read.
pub(super) struct WriteInput {
    /// `inputs[i]`, with the id when there is one: how messages name the input.
    label: String,
    id: Option<String>,
    properties: BTreeMap<String, String>,
    trace: Option<String>,
    /// Its id and unique values, for rejections and `context`.
    keys: Vec<String>,
}

pub(super) fn write_inputs(
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
                broken_rules(ctx.rules, ctx.object_type(), &input.properties),
            )
        })
        .collect();
    if let Some(answer) = validation_failure(ctx, &broken) {
        return Err(answer);
    }
    Ok((body, out))
}

/// The error of one input of a batch, naming it by its keys and trace id.
pub(super) fn input_error(category: &str, message: &str, input: &WriteInput) -> Value {
    standard_error(
        category,
        message,
        context([
            ("ids", input.keys.iter().take(1).cloned().collect()),
            ("objectWriteTraceId", input.trace.iter().cloned().collect()),
        ]),
    )
}

/// The `idProperty` of every input of a batch update or upsert, each checked by
/// [`check_id_property`] (`allow_none` says whether an input may leave it out).
fn id_properties(
    ctx: &mut Ctx<'_>,
    body: &Value,
    allow_none: bool,
) -> Result<Vec<Option<String>>, Answer> {
    let raw = body
        .get("inputs")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(raw.len());
    for input in raw {
        let id_property = string_field(input, "idProperty");
        check_id_property(ctx, id_property.as_deref(), allow_none)?;
        out.push(id_property);
    }
    Ok(out)
}

/// The error of an input whose id or unique value the fake was told to reject, if it is one.
fn rejection(ctx: &Ctx<'_>, input: &WriteInput) -> Option<Value> {
    rejected(ctx, &input.keys).map(|key| {
        input_error(
            "VALIDATION_ERROR",
            &format!("The input {key} was rejected"),
            input,
        )
    })
}

/// The result object of a written record: the properties written, and the input's trace id.
fn written_result(
    ctx: &Ctx<'_>,
    id: u64,
    written: &BTreeMap<String, String>,
    input: &WriteInput,
) -> Option<serde_json::Map<String, Value>> {
    let record = ctx.store.get(id)?;
    Some(object(
        record,
        &Select::Written(written),
        input.trace.as_deref(),
    ))
}

pub(super) fn duplicates(ctx: &mut Ctx<'_>, values: Vec<String>) -> Result<(), Answer> {
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

pub(super) fn create(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let (_, inputs) = write_inputs(ctx, body, false)?;
    duplicates(
        ctx,
        inputs.iter().flat_map(|input| input.keys.clone()).collect(),
    )?;
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for input in &inputs {
        if let Some(error) = rejection(ctx, input) {
            errors.push(error);
        } else if let Some(conflict) = ctx.store.conflict(&input.properties, None) {
            errors.push(input_error("CONFLICT", &conflict_message(&conflict), input));
        } else {
            let id = ctx.create(&input.properties);
            results.extend(written_result(ctx, id, &input.properties, input).map(Value::Object));
        }
    }
    Ok(batch_answer(ctx, 201, results, errors))
}

pub(super) fn update(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let (body, inputs) = write_inputs(ctx, body, true)?;
    let id_properties = id_properties(ctx, &body, true)?;
    let mut targets = Vec::with_capacity(inputs.len());
    for (input, id_property) in inputs.iter().zip(&id_properties) {
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
        if let Some(error) = rejection(ctx, input) {
            errors.push(error);
            continue;
        }
        let Some(target) = target else {
            errors.push(input_error(
                "OBJECT_NOT_FOUND",
                &format!("No {} record with id {}", ctx.object_type(), input.label),
                input,
            ));
            continue;
        };
        if let Some(conflict) = ctx.store.conflict(&input.properties, Some(target)) {
            errors.push(input_error("CONFLICT", &conflict_message(&conflict), input));
            continue;
        }
        ctx.store.write(target, &input.properties, ctx.now);
        results.extend(written_result(ctx, target, &input.properties, input).map(Value::Object));
    }
    Ok(batch_answer(ctx, 200, results, errors))
}

pub(super) fn upsert(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
    let (body, inputs) = write_inputs(ctx, body, true)?;
    let id_properties = id_properties(ctx, &body, false)?;
    let mut keyed = Vec::with_capacity(inputs.len());
    for (input, id_property) in inputs.iter().zip(id_properties) {
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
        if let Some(error) = rejection(ctx, input) {
            errors.push(error);
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
            None => (ctx.create(&written), true),
        };
        if let Some(mut result) = written_result(ctx, id, &written, input) {
            result.insert("new".into(), new.into());
            results.push(Value::Object(result));
        }
    }
    Ok(batch_answer(ctx, 200, results, errors))
}

pub(super) fn read(ctx: &mut Ctx<'_>, query: &Query, body: &[u8]) -> Result<Answer, Answer> {
    let archived = query.flag("archived").map_err(|why| invalid(ctx, &why))?;
    let body = parse_body(ctx, body)?;
    let raw = inputs(ctx, &body)?;
    let id_property = string_field(&body, "idProperty");
    check_id_property(ctx, id_property.as_deref(), true)?;
    let names = string_list(&body, "properties");
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
            Some(record) => results.push(Value::Object(object(record, &select, None))),
            None => missing.push(id),
        }
    }
    if !missing.is_empty() {
        errors.push(standard_error(
            "OBJECT_NOT_FOUND",
            &format!(
                "Could not find {} records with ids {}",
                ctx.object_type(),
                missing.join(", ")
            ),
            context([("ids", missing)]),
        ));
    }
    Ok(batch_answer(ctx, 200, results, errors))
}

pub(super) fn archive(ctx: &mut Ctx<'_>, body: &[u8]) -> Result<Answer, Answer> {
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
