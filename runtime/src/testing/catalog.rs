//! A portal's property catalog, as the fake checks written values against it
//! ([`FakeHubSpotBuilder::catalog_of`](super::FakeHubSpotBuilder::catalog_of)).
//!
//! HubSpot checks every value written against the property's definition: its `type`, its
//! `options`, and whether the property exists at all. The fake does the same with the catalog
//! it is given, in the form `GET /crm/v3/properties/{objectType}` returns it (a `results`
//! array of properties; a bare array is taken too). Values travel as strings; the empty string
//! clears a property and is always accepted.
//!
//! | `type` | accepted | error |
//! |---|---|---|
//! | `number` | a decimal number with a `.` (`149.90`, `-3`, `1.5E3`) | `INVALID_NUMBER` |
//! | `date` | `YYYY-MM-DD`, or epoch milliseconds at midnight UTC | `INVALID_DATE` |
//! | `datetime` | epoch milliseconds, ISO 8601 (a zone or UTC), a bare date | `INVALID_DATETIME` |
//! | `bool` | `true`, `false` (any case) | `INVALID_BOOLEAN` |
//! | `enumeration` | an `options[].value` (`a;b` for a `checkbox`) | `INVALID_OPTION` |
//! | `string`, `phone_number`, other | anything | |
//!
//! A value of any type but text with spaces around it is refused (HubSpot stopped trimming
//! them in 2025), a property the catalog does not list is `PROPERTY_DOESNT_EXIST`, and an
//! enumeration whose catalog entry lists no options (pipelines, owners: options kept
//! elsewhere) takes any value. `INVALID_OPTION`, `INVALID_DATE` and `PROPERTY_DOESNT_EXIST`
//! are HubSpot's own codes, with its wording; the others follow the same pattern.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde_json::Value;

use crate::property_values::{Decimal, PropertyValue};

/// A property catalog that could not be read: where in the JSON and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogError {
    pointer: String,
    message: String,
}

impl CatalogError {
    fn at(pointer: impl Into<String>, message: impl Into<String>) -> CatalogError {
        CatalogError {
            pointer: pointer.into(),
            message: message.into(),
        }
    }

    /// The JSON pointer of the offending node (`/results/3/type`; empty for the whole).
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// What is wrong there.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CatalogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "property catalog: {}", self.message)
        } else {
            write!(f, "property catalog at {}: {}", self.pointer, self.message)
        }
    }
}

impl std::error::Error for CatalogError {}

/// What a property holds, by its catalog `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Text,
    Number,
    Date,
    DateTime,
    Bool,
    Enumeration {
        options: BTreeSet<String>,
        multi: bool,
    },
}

/// One property of a catalog, as far as checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Property {
    kind: Kind,
    unique: bool,
}

/// A value a catalog refuses: HubSpot's error code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub code: &'static str,
    pub why: String,
}

impl Refusal {
    fn new(code: &'static str, why: String) -> Refusal {
        Refusal { code, why }
    }
}

/// The properties of one object type, by internal name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Catalog {
    properties: BTreeMap<String, Property>,
}

impl Catalog {
    /// Reads a catalog: `{"results": [...]}` as HubSpot's properties API answers, or a bare
    /// array of properties. Each needs a `name` and a `type`.
    pub(crate) fn from_json(text: &str) -> Result<Catalog, CatalogError> {
        let value: Value = serde_json::from_str(text)
            .map_err(|error| CatalogError::at("", format!("not valid JSON: {error}")))?;
        let (list, base) = match &value {
            Value::Array(list) => (list, ""),
            Value::Object(object) => match object.get("results") {
                Some(Value::Array(list)) => (list, "/results"),
                Some(_) => return Err(CatalogError::at("/results", "is not an array")),
                None => {
                    return Err(CatalogError::at(
                        "",
                        "has no `results` array (expected the answer of \
                         GET /crm/v3/properties/{objectType})",
                    ));
                }
            },
            _ => return Err(CatalogError::at("", "is neither an object nor an array")),
        };
        let mut properties = BTreeMap::new();
        for (index, entry) in list.iter().enumerate() {
            let at = format!("{base}/{index}");
            let text = |field: &str| -> Result<&str, CatalogError> {
                match entry.get(field) {
                    Some(Value::String(text)) if !text.is_empty() => Ok(text),
                    Some(_) => Err(CatalogError::at(
                        format!("{at}/{field}"),
                        "is not a non-empty string",
                    )),
                    None => Err(CatalogError::at(&at, format!("has no `{field}`"))),
                }
            };
            let name = text("name")?;
            let kind = match text("type")? {
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
                // string, phone_number and types HubSpot may add: any text.
                _ => Kind::Text,
            };
            let unique = entry.get("hasUniqueValue").and_then(Value::as_bool) == Some(true);
            if properties
                .insert(name.to_owned(), Property { kind, unique })
                .is_some()
            {
                return Err(CatalogError::at(
                    format!("{at}/name"),
                    format!("the property {name} is listed twice"),
                ));
            }
        }
        Ok(Catalog { properties })
    }

    /// The properties with `hasUniqueValue: true`.
    pub(crate) fn unique_properties(&self) -> impl Iterator<Item = &str> {
        self.properties
            .iter()
            .filter(|(_, property)| property.unique)
            .map(|(name, _)| name.as_str())
    }

    /// Why HubSpot would refuse `value` for `property`, if it would.
    pub(crate) fn check(&self, property: &str, value: &str) -> Option<Refusal> {
        let Some(definition) = self.properties.get(property) else {
            return Some(Refusal::new(
                "PROPERTY_DOESNT_EXIST",
                format!("Property \"{property}\" does not exist"),
            ));
        };
        if value.is_empty() || definition.kind == Kind::Text {
            return None;
        }
        if value.trim() != value {
            return Some(Refusal::new(
                code_of(&definition.kind),
                format!("{value:?} has spaces around it: values of {property} are not trimmed"),
            ));
        }
        match &definition.kind {
            Kind::Text => None,
            Kind::Number => <Decimal as PropertyValue>::parse(value).is_none().then(|| {
                Refusal::new(
                    "INVALID_NUMBER",
                    format!("{value} was not a valid number (digits with a `.` decimal point)"),
                )
            }),
            Kind::Date => date_refusal(value),
            Kind::DateTime => <DateTime<Utc> as PropertyValue>::parse(value)
                .is_none()
                .then(|| {
                    Refusal::new(
                        "INVALID_DATETIME",
                        format!(
                            "{value} was not a valid date-time (ISO 8601 or epoch milliseconds)"
                        ),
                    )
                }),
            Kind::Bool => <bool as PropertyValue>::parse(value).is_none().then(|| {
                Refusal::new(
                    "INVALID_BOOLEAN",
                    format!("{value} was not a valid boolean (true or false)"),
                )
            }),
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
                Some(Refusal::new(
                    "INVALID_OPTION",
                    format!(
                        "{unknown} was not one of the allowed options: [{}]",
                        allowed.join(", ")
                    ),
                ))
            }
        }
    }
}

fn code_of(kind: &Kind) -> &'static str {
    match kind {
        Kind::Text => "INVALID_PROPERTY_VALUE",
        Kind::Number => "INVALID_NUMBER",
        Kind::Date => "INVALID_DATE",
        Kind::DateTime => "INVALID_DATETIME",
        Kind::Bool => "INVALID_BOOLEAN",
        Kind::Enumeration { .. } => "INVALID_OPTION",
    }
}

/// A date property takes `YYYY-MM-DD` or the epoch milliseconds of a midnight UTC.
fn date_refusal(value: &str) -> Option<Refusal> {
    if NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok() {
        return None;
    }
    let digits = value.strip_prefix('-').unwrap_or(value);
    let millis = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| value.parse::<i64>().ok())
        .flatten()
        .and_then(DateTime::from_timestamp_millis);
    match millis {
        Some(instant) if instant.num_seconds_from_midnight() == 0 && instant.nanosecond() == 0 => {
            None
        }
        Some(instant) => Some(Refusal::new(
            "INVALID_DATE",
            format!(
                "{value} is at {} UTC, not midnight!",
                instant.format("%H:%M:%S%.3f")
            ),
        )),
        None => Some(Refusal::new(
            "INVALID_DATE",
            format!("{value} was not a valid date (YYYY-MM-DD or epoch milliseconds)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"{"results": [
        {"name": "price", "type": "number", "fieldType": "number"},
        {"name": "due", "type": "date", "fieldType": "date"},
        {"name": "at", "type": "datetime", "fieldType": "date"},
        {"name": "vip", "type": "bool", "fieldType": "booleancheckbox"},
        {"name": "currency", "type": "enumeration", "fieldType": "select",
         "options": [{"label": "Euro", "value": "EUR"}, {"label": "Dollar", "value": "USD"}]},
        {"name": "gifts", "type": "enumeration", "fieldType": "checkbox",
         "options": [{"label": "Wrap", "value": "wrap"}, {"label": "Note", "value": "note"}]},
        {"name": "pipeline", "type": "enumeration", "fieldType": "select", "options": []},
        {"name": "name", "type": "string", "fieldType": "text"},
        {"name": "ref", "type": "string", "fieldType": "text", "hasUniqueValue": true}
    ]}"#;

    fn catalog() -> Catalog {
        match Catalog::from_json(CATALOG) {
            Ok(catalog) => catalog,
            Err(error) => panic!("{error}"),
        }
    }

    fn refused(property: &str, value: &str) -> Option<&'static str> {
        catalog().check(property, value).map(|refusal| refusal.code)
    }

    #[test]
    fn values_are_checked_by_type() {
        for (property, good) in [
            ("price", "149.90"),
            ("price", "-3"),
            ("price", "1.5E3"),
            ("due", "2025-12-31"),
            ("due", "1767139200000"),
            ("at", "2025-12-31T10:00:00Z"),
            ("at", "1767175200123"),
            ("vip", "TRUE"),
            ("currency", "EUR"),
            ("gifts", "wrap;note"),
            ("pipeline", "any-pipeline-id"),
            ("name", " spaces are text "),
            ("price", ""),
        ] {
            assert_eq!(refused(property, good), None, "{property} = {good:?}");
        }
        for (property, bad, code) in [
            ("price", "12,50", "INVALID_NUMBER"),
            ("price", " 12.50", "INVALID_NUMBER"),
            ("due", "31/12/2025", "INVALID_DATE"),
            ("due", "1767175200123", "INVALID_DATE"),
            ("at", "yesterday", "INVALID_DATETIME"),
            ("vip", "yes", "INVALID_BOOLEAN"),
            ("currency", "JPY", "INVALID_OPTION"),
            ("gifts", "wrap;bow", "INVALID_OPTION"),
            ("colour", "red", "PROPERTY_DOESNT_EXIST"),
        ] {
            assert_eq!(refused(property, bad), Some(code), "{property} = {bad:?}");
        }
        let why = catalog()
            .check("currency", "JPY")
            .map(|refusal| refusal.why);
        assert_eq!(
            why.as_deref(),
            Some("JPY was not one of the allowed options: [EUR, USD]")
        );
    }

    #[test]
    fn unique_properties_and_bad_catalogs() {
        assert_eq!(catalog().unique_properties().collect::<Vec<_>>(), ["ref"]);
        let bare = Catalog::from_json(r#"[{"name": "a", "type": "number"}]"#);
        assert!(bare.is_ok_and(|catalog| catalog.check("a", "x").is_some()));
        for (text, pointer) in [
            ("{", ""),
            (r#"{"results": {}}"#, "/results"),
            (r#"{"results": [{"type": "number"}]}"#, "/results/0"),
            (
                r#"{"results": [{"name": "a", "type": 3}]}"#,
                "/results/0/type",
            ),
            (
                r#"[{"name": "a", "type": "bool"}, {"name": "a", "type": "bool"}]"#,
                "/1/name",
            ),
        ] {
            match Catalog::from_json(text) {
                Err(error) => assert_eq!(error.pointer(), pointer, "{text}: {error}"),
                Ok(_) => panic!("{text} was read"),
            }
        }
    }
}
