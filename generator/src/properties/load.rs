//! Reading a property catalog: the JSON that `GET /crm/v3/properties/{objectType}` answers,
//! `{"results": [Property, …]}`.
//!
//! Only the fields the generator uses are read; every other field of HubSpot's Property
//! object (and any field added later) is ignored, so a fresh export always loads. Fields
//! that HubSpot may leave out or send as `null` default to empty.

use std::path::Path;

use serde::{Deserialize, Deserializer};

use crate::error::{Error, pointer_of};

/// A property catalog.
#[derive(Debug, Clone, Deserialize)]
pub struct Catalog {
    /// The properties, in the order of the file.
    pub results: Vec<Property>,
}

/// One property of the catalog.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Property {
    /// Internal name: the key in a record's `properties` map.
    pub name: String,
    /// Name shown in HubSpot.
    #[serde(default, deserialize_with = "null_as_default")]
    pub label: String,
    /// Value type: `string`, `number`, `date`, `datetime`, `enumeration`, `bool`,
    /// `phone_number`, or one the generator does not know.
    #[serde(rename = "type")]
    pub kind: String,
    /// Form field: for an enumeration, `checkbox` makes it multi-select.
    #[serde(default, deserialize_with = "null_as_default")]
    pub field_type: String,
    /// What the property holds.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    /// The options of an enumeration.
    #[serde(default, deserialize_with = "null_as_default")]
    pub options: Vec<PropertyOption>,
    /// Whether each value identifies one record (usable as a batch upsert's `idProperty`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub has_unique_value: bool,
    /// Whether HubSpot computes the value.
    #[serde(default, deserialize_with = "null_as_default")]
    pub calculated: bool,
    /// Whether the property is hidden in HubSpot's UI.
    #[serde(default, deserialize_with = "null_as_default")]
    pub hidden: bool,
    /// Who may change the value.
    #[serde(default, deserialize_with = "null_as_default")]
    pub modification_metadata: ModificationMetadata,
}

/// Who may change a property's value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ModificationMetadata {
    /// Whether the value is read-only through the API.
    #[serde(default, deserialize_with = "null_as_default")]
    pub read_only_value: bool,
}

/// One option of an enumeration.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyOption {
    /// Name shown in HubSpot.
    #[serde(default, deserialize_with = "null_as_default")]
    pub label: String,
    /// Internal value: what the API sends and takes.
    pub value: String,
    /// Whether the option is hidden in HubSpot's forms (records may still hold it).
    #[serde(default, deserialize_with = "null_as_default")]
    pub hidden: bool,
    /// What the option means.
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
}

fn null_as_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    deserializer: D,
) -> Result<T, D::Error> {
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// Reads the catalog at `path`.
pub fn load(path: &Path) -> Result<Catalog, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::msg(format!("cannot read the property catalog: {e}")).in_file(path))?;
    parse(&text).map_err(|e| e.in_file(path))
}

/// Parses a catalog from JSON text. A syntax error carries its line and column; a catalog of
/// the wrong shape, the JSON pointer of the offending node.
pub fn parse(text: &str) -> Result<Catalog, Error> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        // The place is in `line_col`: keep it out of the sentence.
        let full = e.to_string();
        let what = full
            .strip_suffix(&format!(" at line {} column {}", e.line(), e.column()))
            .unwrap_or(&full);
        Error {
            file: None,
            line_col: Some((e.line(), e.column())),
            pointer: None,
            message: format!("the property catalog is not valid JSON: {what}"),
        }
    })?;
    if !value
        .get("results")
        .is_some_and(serde_json::Value::is_array)
    {
        return Err(Error::at(
            "",
            "not a property catalog: expected an object whose `results` is an array of \
             properties, as `GET /crm/v3/properties/orders` answers",
        ));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        Error::at(
            pointer_of(e.path()),
            format!("not a property of a catalog: {}", e.into_inner()),
        )
    })
}
