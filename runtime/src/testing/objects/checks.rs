//! The checks a write goes through: `idProperty`, property rules and catalogs, rejections,
//! unique values.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde_json::{Value, json};

use super::wire::{decode_path, error_body, invalid, string_field};
use super::{Answer, Ctx};
use crate::OBJECT_ID_PROPERTY;
use crate::testing::catalog::Catalog;
use crate::testing::store::{Conflict, Store};

/// The check of a [`PropertyRule`]: `Err(why)` for a value it refuses.
pub(crate) type Check = dyn Fn(&str) -> Result<(), String> + Send + Sync;

/// A value a write may not set, with HubSpot's error code for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Broken {
    pub property: String,
    pub value: String,
    /// `INVALID_OPTION`, `PROPERTY_DOESNT_EXIST`, ... (`INVALID_PROPERTY_VALUE` for a rule).
    pub code: &'static str,
    pub why: String,
}

/// What the values of a write are checked against, for one object type or every one
/// (`None`): a write that sets a value it refuses fails with a 400 `VALIDATION_ERROR` (a
/// whole batch, when one input breaks it).
#[derive(Clone)]
pub(crate) struct PropertyRule {
    pub object_type: Option<String>,
    pub kind: RuleKind,
}

/// A caller's rule on one property, or a whole property catalog.
#[derive(Clone)]
pub(crate) enum RuleKind {
    /// `FakeHubSpotBuilder::property_rule`: `Err(why)` refuses a value of `property`.
    Check { property: String, check: Arc<Check> },
    /// `FakeHubSpotBuilder::catalog_of`: every property written must be in it, with a value
    /// of its type.
    Catalog(Arc<Catalog>),
}

impl PropertyRule {
    fn applies_to(&self, object_type: &str) -> bool {
        self.object_type
            .as_deref()
            .is_none_or(|own| own == object_type)
    }
}

impl fmt::Debug for PropertyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("PropertyRule");
        out.field("object_type", &self.object_type);
        match &self.kind {
            RuleKind::Check { property, .. } => out.field("property", property),
            RuleKind::Catalog(catalog) => out.field("catalog", catalog),
        };
        out.finish_non_exhaustive()
    }
}

/// Checks `idProperty`: a property with unique values (or none, meaning record ids when
/// `allow_none`).
pub(super) fn check_id_property(
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
        Some(OBJECT_ID_PROPERTY) if allow_none => Ok(()),
        Some(property) if ctx.store.is_unique(property) => Ok(()),
        Some(property) => {
            let unique: Vec<&str> = ctx
                .store
                .unique_properties()
                .iter()
                .map(String::as_str)
                .collect();
            let which = if unique.is_empty() {
                format!("{} has no property with unique values", ctx.object_type())
            } else {
                format!(
                    "only properties with unique values ({}) can identify {} records",
                    unique.join(", "),
                    ctx.object_type()
                )
            };
            let message = format!(
                "Unable to perform update/upsert by non-unique property {property}: {which}"
            );
            Err(invalid(ctx, &message))
        }
    }
}

/// The values of a write to `object_type` that its rules and catalog refuse.
pub(super) fn broken_rules(
    rules: &[PropertyRule],
    object_type: &str,
    properties: &BTreeMap<String, String>,
) -> Vec<Broken> {
    let mut broken = Vec::new();
    for rule in rules.iter().filter(|rule| rule.applies_to(object_type)) {
        match &rule.kind {
            RuleKind::Check { property, check } => {
                let Some(value) = properties.get(property) else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                if let Err(why) = check(value) {
                    broken.push(Broken {
                        property: property.clone(),
                        value: value.clone(),
                        code: "INVALID_PROPERTY_VALUE",
                        why,
                    });
                }
            }
            RuleKind::Catalog(catalog) => {
                for (property, value) in properties {
                    if let Some(refusal) = catalog.check(property, value) {
                        broken.push(Broken {
                            property: property.clone(),
                            value: value.clone(),
                            code: refusal.code,
                            why: refusal.why,
                        });
                    }
                }
            }
        }
    }
    broken
}

/// HubSpot's 400 for property values that break the rules: `Property values were not valid:`
/// and the JSON list of HubSpot's validation results (`isValid`, `message`, `error`, `name`),
/// each message naming its input (`labels`); `context.ids` and `errors[]` name the inputs too.
pub(super) fn validation_failure(
    ctx: &mut Ctx<'_>,
    broken: &[(String, Vec<Broken>)],
) -> Option<Answer> {
    if broken.iter().all(|(_, rules)| rules.is_empty()) {
        return None;
    }
    let mut results = Vec::new();
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (label, rules) in broken {
        if !rules.is_empty() {
            ids.push(label.clone());
        }
        for rule in rules {
            let message = format!(
                "{label}: {} = \"{}\" is not valid: {}",
                rule.property, rule.value, rule.why
            );
            results.push(json!({
                "isValid": false,
                "message": message,
                "error": rule.code,
                "name": rule.property,
                "localizedErrorMessage": message,
            }));
            errors.push(json!({
                "message": message,
                "in": rule.property,
                "code": rule.code,
                "context": {"ids": [label], "propertyName": [rule.property]},
            }));
        }
    }
    let message = format!("Property values were not valid: {}", Value::Array(results));
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
pub(super) fn rejected(ctx: &Ctx<'_>, keys: &[String]) -> Option<String> {
    keys.iter().find(|key| ctx.rejected.contains(*key)).cloned()
}

/// The unique values among `properties`: what identifies an input that has no id.
pub(super) fn unique_values(store: &Store, properties: &BTreeMap<String, String>) -> Vec<String> {
    properties
        .iter()
        .filter(|(name, value)| !value.is_empty() && store.is_unique(name))
        .map(|(_, value)| value.clone())
        .collect()
}

/// Every id and unique value a request mentions: the path id, the inputs' ids and the
/// values of the `unique` properties (those of the request's object type) among the
/// properties of the body or its inputs. Fault rules by id match against these.
pub(crate) fn request_keys(
    unique: &BTreeSet<String>,
    path_id: Option<&str>,
    body: &[u8],
) -> Vec<String> {
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
                if let (true, Some(value)) = (unique.contains(name), value.as_str()) {
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

pub(super) fn conflict_message(conflict: &Conflict) -> String {
    format!(
        "A record already has the value \"{}\" for the unique property {} (record {})",
        conflict.value, conflict.property, conflict.holder
    )
}

pub(super) fn context<const N: usize>(
    pairs: [(&'static str, Vec<String>); N],
) -> BTreeMap<&'static str, Vec<String>> {
    pairs
        .into_iter()
        .filter(|(_, values)| !values.is_empty())
        .collect()
}
