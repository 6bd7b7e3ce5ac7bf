//! The property catalog `sync_orders --properties FILE` checks each order against before
//! sending it: which properties exist, what type each holds, which options an enumeration
//! has, which properties have unique values.
//!
//! Why a reader of its own rather than the generated `OrderPropertiesInput::from_map`: the
//! generated types are fixed when the crate is generated, from the catalog in `spec/`, while
//! `--properties` takes any portal's catalog at run time (custom properties and options
//! included); and the generated enumerations are open by design (an option the catalog does
//! not list reads as `Unknown`, so that answers never fail to decode), so `JPY` would pass.
//! The values themselves are read by the same runtime code the typed properties use
//! (`hubspot_orders::property_values::PropertyValue`), so a value passes here exactly when the
//! typed API reads it; dates are held to what HubSpot takes for a `date` property.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use hubspot_orders::property_values::{Decimal, PropertyValue};
use serde_json::Value;

/// What a property holds, by its catalog `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Date,
    DateTime,
    Bool,
    /// `options` empty: the options live elsewhere (pipelines), any value goes.
    Enumeration {
        options: BTreeSet<String>,
        multi: bool,
    },
}

#[derive(Debug, Clone)]
struct Property {
    kind: Kind,
    unique: bool,
}

/// A value the catalog refuses: the property, the value and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The property's internal name.
    pub property: String,
    /// The value as the file gave it.
    pub value: String,
    /// Why HubSpot would refuse it.
    pub why: String,
}

/// A portal's property catalog for one object type.
#[derive(Debug, Clone)]
pub struct Catalog {
    properties: BTreeMap<String, Property>,
}

impl Catalog {
    /// Reads the answer of `GET /crm/v3/properties/orders` saved to `path` (a `results`
    /// array; a bare array is taken too).
    pub fn read(path: &Path) -> Result<Catalog, String> {
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("cannot read {shown}: {error}"))?;
        Catalog::parse(&text).map_err(|error| format!("{shown}: {error}"))
    }

    /// Reads a catalog from its JSON text.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let value: Value =
            serde_json::from_str(text).map_err(|error| format!("not JSON: {error}"))?;
        let list = match &value {
            Value::Array(list) => list,
            Value::Object(object) => match object.get("results") {
                Some(Value::Array(list)) => list,
                _ => return Err("not a property catalog: no `results` array".to_owned()),
            },
            _ => return Err("not a property catalog".to_owned()),
        };
        let mut properties = BTreeMap::new();
        for (index, entry) in list.iter().enumerate() {
            let field = |name: &str| {
                entry
                    .get(name)
                    .and_then(Value::as_str)
                    .filter(|text| !text.is_empty())
                    .ok_or(format!("property {index} has no `{name}`"))
            };
            let name = field("name")?;
            let kind = match field("type")? {
                "number" => Kind::Number,
                "date" => Kind::Date,
                "datetime" => Kind::DateTime,
                "bool" => Kind::Bool,
                "enumeration" => Kind::Enumeration {
                    options: entry
                        .get("options")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(|option| option.get("value").and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect(),
                    multi: entry.get("fieldType").and_then(Value::as_str) == Some("checkbox"),
                },
                _ => Kind::Text,
            };
            let unique = entry.get("hasUniqueValue").and_then(Value::as_bool) == Some(true);
            properties.insert(name.to_owned(), Property { kind, unique });
        }
        Ok(Catalog { properties })
    }

    /// Whether the catalog lists `property`.
    pub fn knows(&self, property: &str) -> bool {
        self.properties.contains_key(property)
    }

    /// Whether `property` has unique values (`hasUniqueValue`): what `idProperty` must name.
    pub fn is_unique(&self, property: &str) -> bool {
        self.properties
            .get(property)
            .is_some_and(|property| property.unique)
    }

    /// The properties with unique values, for messages.
    pub fn unique_properties(&self) -> Vec<&str> {
        self.properties
            .iter()
            .filter(|(_, property)| property.unique)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// Why HubSpot would refuse `value` for `property`, if it would. The empty string (which
    /// clears a property) always passes.
    pub fn check(&self, property: &str, value: &str) -> Option<String> {
        let Some(definition) = self.properties.get(property) else {
            return Some("no such property in the catalog".to_owned());
        };
        if value.is_empty() || definition.kind == Kind::Text {
            return None;
        }
        if value.trim() != value {
            return Some("spaces around the value: HubSpot does not trim them".to_owned());
        }
        match &definition.kind {
            Kind::Text => None,
            Kind::Number => <Decimal as PropertyValue>::parse(value).is_none().then(|| {
                if value.contains(',') {
                    "not a number: HubSpot wants a `.` as the decimal point (12.50), \
                     and no thousands separator"
                        .to_owned()
                } else {
                    "not a number (digits with a `.` decimal point, e.g. 149.90)".to_owned()
                }
            }),
            Kind::Date => date_problem(value),
            Kind::DateTime => <DateTime<Utc> as PropertyValue>::parse(value)
                .is_none()
                .then(|| {
                    "not a date-time: HubSpot wants ISO 8601 (2025-12-31T10:00:00Z) or epoch \
                     milliseconds"
                        .to_owned()
                }),
            Kind::Bool => <bool as PropertyValue>::parse(value)
                .is_none()
                .then(|| "not a boolean: HubSpot wants true or false".to_owned()),
            Kind::Enumeration { options, multi } => {
                if options.is_empty() {
                    return None;
                }
                let chosen: Vec<&str> = if *multi {
                    value.split(';').filter(|part| !part.is_empty()).collect()
                } else {
                    vec![value]
                };
                let unknown = chosen.iter().find(|part| !options.contains(**part))?;
                let allowed: Vec<&str> = options.iter().map(String::as_str).collect();
                Some(format!(
                    "{unknown} is not one of the options ({})",
                    allowed.join(", ")
                ))
            }
        }
    }

    /// Every value of `properties` the catalog refuses.
    pub fn problems<'a>(
        &self,
        properties: impl IntoIterator<Item = (&'a String, &'a String)>,
    ) -> Vec<Problem> {
        properties
            .into_iter()
            .filter_map(|(property, value)| {
                self.check(property, value).map(|why| Problem {
                    property: property.clone(),
                    value: value.clone(),
                    why,
                })
            })
            .collect()
    }
}

/// A `date` property takes `YYYY-MM-DD`, or the epoch milliseconds of a midnight UTC.
fn date_problem(value: &str) -> Option<String> {
    if NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() {
        return None;
    }
    let millis = value
        .bytes()
        .all(|byte| byte.is_ascii_digit())
        .then(|| value.parse::<i64>().ok())
        .flatten()
        .and_then(DateTime::from_timestamp_millis);
    match millis {
        Some(instant) if instant.num_seconds_from_midnight() == 0 && instant.nanosecond() == 0 => {
            None
        }
        Some(_) => Some("epoch milliseconds that are not a midnight UTC: not a date".to_owned()),
        None => Some(
            "not a date: HubSpot wants YYYY-MM-DD (2025-12-31) or epoch milliseconds".to_owned(),
        ),
    }
}
