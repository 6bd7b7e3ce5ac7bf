//! Typed property values: how the strings HubSpot stores in a record's `properties` map
//! become Rust values, and back.
//!
//! HubSpot sends and takes every property value as a string, whatever the property's type
//! in the portal's catalog. The types generated from a catalog (see the `properties`
//! module) read and write those strings through [`PropertyValue`]:
//!
//! | catalog `type` | Rust type | read | written |
//! |---|---|---|---|
//! | `string`, `phone_number` | `String` | as is | as is |
//! | `number` | [`Decimal`] (exact, never `f64`) | `149.90`, `-3`, `1.5E3` | `149.90` (the scale it has) |
//! | `date` | `chrono::NaiveDate` | `2026-11-29`, epoch milliseconds, an ISO date-time | `2026-11-29` |
//! | `datetime` | `chrono::DateTime<Utc>` | epoch milliseconds, ISO 8601 with or without a zone (none means UTC), a bare date (midnight UTC) | `2026-11-29T10:00:00.123Z` |
//! | `bool` | `bool` | `true`, `false` (any case) | `true`, `false` |
//! | `enumeration` | a generated open enum | its value; an unknown one is kept | its value |
//! | `enumeration` with `fieldType: checkbox` | `Vec` of that enum | `a;b;c` | `a;b;c` |
//!
//! In answers, a property without a value comes as `null`, as an empty string, or not at
//! all: the typed field is `None` for each. A value that does not read as its type is a
//! [`PropertyError`] naming the property and the value, never silently dropped.
//!
//! Writes are three-state ([`Update`]): leave the property alone, clear it (HubSpot clears
//! a property written as the empty string), or set it.
//!
//! This module depends on nothing generated from the OpenAPI document, so that any crate
//! generated with a catalog can compile it.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, SecondsFormat, Utc};
pub use rust_decimal::Decimal;

/// A property value that does not read as the type the catalog gives its property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyError {
    property: String,
    value: String,
    expected: &'static str,
}

impl PropertyError {
    /// An error about `value` of `property`, which should have been `expected` (e.g.
    /// "a decimal number").
    pub fn new(property: &str, value: &str, expected: &'static str) -> Self {
        PropertyError {
            property: property.to_owned(),
            value: value.to_owned(),
            expected,
        }
    }

    /// The internal name of the property, e.g. `hs_total_price`.
    pub fn property(&self) -> &str {
        &self.property
    }

    /// The value as HubSpot (or the caller) gave it.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// What the value should have been.
    pub fn expected(&self) -> &'static str {
        self.expected
    }
}

impl fmt::Display for PropertyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "property `{}`: {:?} is not {}",
            self.property, self.value, self.expected
        )
    }
}

impl std::error::Error for PropertyError {}

/// What a write does to one property: leave it alone (the default), clear it, or set it.
///
/// `Update::Set(value)` is also `value.into()`. Setting an empty string or an empty
/// multi-select sends `""`, which HubSpot treats like [`Update::Clear`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Update<T> {
    /// Leave the property as it is: it is not sent.
    #[default]
    Keep,
    /// Remove the property's value: sent as the empty string.
    Clear,
    /// Give the property this value.
    Set(T),
}

impl<T> Update<T> {
    /// Whether this leaves the property alone.
    pub fn is_keep(&self) -> bool {
        matches!(self, Update::Keep)
    }

    /// The value being set, if this sets one.
    pub fn as_set(&self) -> Option<&T> {
        match self {
            Update::Set(value) => Some(value),
            Update::Keep | Update::Clear => None,
        }
    }
}

impl<T> From<T> for Update<T> {
    fn from(value: T) -> Self {
        Update::Set(value)
    }
}

/// A Rust type a property value converts to and from.
pub trait PropertyValue: Sized {
    /// What a value of this type is, for error messages ("a decimal number").
    const EXPECTED: &'static str;

    /// Reads a non-empty value as HubSpot sends it; `None` when it is not one.
    fn parse(text: &str) -> Option<Self>;

    /// The value as HubSpot takes it.
    fn format(&self) -> String;
}

impl PropertyValue for String {
    const EXPECTED: &'static str = "text";

    fn parse(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }

    fn format(&self) -> String {
        self.clone()
    }
}

impl PropertyValue for Decimal {
    const EXPECTED: &'static str = "a decimal number (at most 28 digits after the point)";

    /// Exact: a value with more digits than a `Decimal` holds is an error, not rounded.
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        Decimal::from_str_exact(text).ok().or_else(|| {
            // HubSpot may write large or small numbers in exponent form (`1.5E7`).
            text.contains(['e', 'E'])
                .then(|| Decimal::from_scientific(text).ok())
                .flatten()
        })
    }

    fn format(&self) -> String {
        self.to_string()
    }
}

/// Epoch milliseconds (an optional `-`, then digits only) as an instant.
fn epoch_millis(text: &str) -> Option<DateTime<Utc>> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    DateTime::from_timestamp_millis(text.parse().ok()?)
}

/// An ISO 8601 date-time: with a zone (`Z`, `+02:00`), or without one, read as UTC.
fn iso_datetime(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(with_zone) = DateTime::parse_from_rfc3339(text) {
        return Some(with_zone.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|naive| naive.and_utc())
}

impl PropertyValue for NaiveDate {
    const EXPECTED: &'static str =
        "a date (YYYY-MM-DD, epoch milliseconds or an ISO 8601 date-time)";

    /// A date property holds midnight UTC of its day; an instant is read as its UTC date.
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .or_else(|| epoch_millis(text).map(|t| t.date_naive()))
            .or_else(|| iso_datetime(text).map(|t| t.date_naive()))
    }

    fn format(&self) -> String {
        self.format("%Y-%m-%d").to_string()
    }
}

impl PropertyValue for DateTime<Utc> {
    const EXPECTED: &'static str = "a date-time (epoch milliseconds or ISO 8601)";

    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        epoch_millis(text)
            .or_else(|| iso_datetime(text))
            .or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|t| t.and_utc())
            })
    }

    /// ISO 8601 in UTC with milliseconds, the precision HubSpot keeps.
    fn format(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl PropertyValue for bool {
    const EXPECTED: &'static str = "`true` or `false`";

    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("true") {
            Some(true)
        } else if text.eq_ignore_ascii_case("false") {
            Some(false)
        } else {
            None
        }
    }

    fn format(&self) -> String {
        self.to_string()
    }
}

/// An option of an enumeration property: the generated open enums implement it.
pub trait PropertyOption: Sized {
    /// The option with this internal value (an unknown value is kept as it is).
    fn from_value(value: &str) -> Self;

    /// The option's internal value.
    fn value(&self) -> &str;
}

/// A multi-select (checkbox) enumeration: options joined by `;`.
impl<T: PropertyOption> PropertyValue for Vec<T> {
    const EXPECTED: &'static str = "options separated by `;`";

    /// Empty segments (`a;;b`, a trailing `;`) carry no option and are skipped.
    fn parse(text: &str) -> Option<Self> {
        Some(
            text.split(';')
                .filter(|part| !part.is_empty())
                .map(T::from_value)
                .collect(),
        )
    }

    fn format(&self) -> String {
        let values: Vec<&str> = self.iter().map(PropertyOption::value).collect();
        values.join(";")
    }
}

/// Typed values of a record's properties, as read from an answer: generated from a catalog.
pub trait TypedProperties: Sized {
    /// The internal names of every property of the catalog, to ask HubSpot for them all
    /// (the `properties` of a read or a search).
    const NAMES: &'static [&'static str];

    /// Reads an answer's `properties` map, taking it: each property the catalog lists is
    /// moved out of it, and what is left (properties the catalog does not list) is kept apart,
    /// as it came.
    ///
    /// # Errors
    ///
    /// A [`PropertyError`] for the first value that does not read as its property's type.
    fn from_map(map: BTreeMap<String, Option<String>>) -> Result<Self, PropertyError>;

    /// The values as a `properties` map; properties without a value are left out.
    fn to_map(&self) -> BTreeMap<String, Option<String>>;
}

/// Values to write to a record's writable properties: generated from a catalog.
pub trait TypedInput: Sized {
    /// Reads a `properties` map of a write, taking it: a missing property is left alone, an
    /// empty string clears it.
    ///
    /// # Errors
    ///
    /// A [`PropertyError`] for the first value that does not read as its property's type.
    fn from_map(map: BTreeMap<String, String>) -> Result<Self, PropertyError>;

    /// The `properties` map to send: properties left alone are not in it, cleared ones are
    /// the empty string.
    fn to_map(&self) -> BTreeMap<String, String>;
}

/// A value of a unique-value property (`hasUniqueValue` in the catalog) that identifies one
/// record: what a batch upsert's `idProperty` and `id` are made of.
pub trait UniqueKey {
    /// The property's internal name (the `idProperty`).
    fn property(&self) -> &'static str;

    /// The value (the `id`).
    fn value(&self) -> String;
}

/// Every property `P` knows, for the `properties` of a read, a page or a search.
pub fn property_names<P: TypedProperties>() -> Vec<String> {
    P::NAMES.iter().map(|name| (*name).to_owned()).collect()
}

/// Removes `name` from an answer's map and reads it: `None` when it is missing, `null` or
/// empty. For generated code.
///
/// # Errors
///
/// A [`PropertyError`] when the value does not read as `T`.
pub fn take<T: PropertyValue>(
    map: &mut BTreeMap<String, Option<String>>,
    name: &str,
) -> Result<Option<T>, PropertyError> {
    match map.remove(name).flatten() {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => T::parse(&text)
            .map(Some)
            .ok_or_else(|| PropertyError::new(name, &text, T::EXPECTED)),
    }
}

/// Puts a read value back into an answer's map (nothing when it is `None`). For generated
/// code.
pub fn put<T: PropertyValue>(
    map: &mut BTreeMap<String, Option<String>>,
    name: &str,
    value: &Option<T>,
) {
    if let Some(value) = value {
        map.insert(name.to_owned(), Some(value.format()));
    }
}

/// Removes `name` from a write's map and reads it: missing is [`Update::Keep`], the empty
/// string [`Update::Clear`]. For generated code.
///
/// # Errors
///
/// A [`PropertyError`] when the value does not read as `T`.
pub fn take_update<T: PropertyValue>(
    map: &mut BTreeMap<String, String>,
    name: &str,
) -> Result<Update<T>, PropertyError> {
    match map.remove(name) {
        None => Ok(Update::Keep),
        Some(text) if text.is_empty() => Ok(Update::Clear),
        Some(text) => T::parse(&text)
            .map(Update::Set)
            .ok_or_else(|| PropertyError::new(name, &text, T::EXPECTED)),
    }
}

/// Puts a write into a write's map: nothing for [`Update::Keep`], the empty string for
/// [`Update::Clear`]. For generated code.
pub fn put_update<T: PropertyValue>(
    map: &mut BTreeMap<String, String>,
    name: &str,
    update: &Update<T>,
) {
    match update {
        Update::Keep => {}
        Update::Clear => {
            map.insert(name.to_owned(), String::new());
        }
        Update::Set(value) => {
            map.insert(name.to_owned(), value.format());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read<T: PropertyValue>(text: &str) -> Result<Option<T>, PropertyError> {
        let mut map = BTreeMap::from([("p".to_owned(), Some(text.to_owned()))]);
        take(&mut map, "p")
    }

    fn decimal(text: &str) -> Decimal {
        match read::<Decimal>(text) {
            Ok(Some(d)) => d,
            other => panic!("{text:?} read as {other:?}"),
        }
    }

    #[test]
    fn decimals_are_exact_and_keep_their_scale() {
        assert_eq!(decimal("149.90").to_string(), "149.90");
        assert_eq!(decimal("-3").to_string(), "-3");
        let many = "0.1234567890123456789012345678";
        assert_eq!(decimal(many).to_string(), many);
        assert_eq!(decimal("1.5E3"), Decimal::new(1500, 0));
        // More digits than a Decimal holds: an error, never a rounded value.
        let err = read::<Decimal>("0.12345678901234567890123456789").expect_err("too precise");
        assert_eq!(err.property(), "p");
        assert!(read::<Decimal>("12,50").is_err());
        assert!(read::<Decimal>("NaN").is_err());
    }

    #[test]
    fn dates_read_every_form_and_write_one() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).expect("valid");
        for text in [
            "2026-11-29",
            "1795910400000",
            "2026-11-29T00:00:00Z",
            "2026-11-29T00:00:00.000",
        ] {
            assert_eq!(read::<NaiveDate>(text), Ok(Some(day)), "{text}");
        }
        assert_eq!(PropertyValue::format(&day), "2026-11-29");
        assert!(read::<NaiveDate>("29/11/2026").is_err());
    }

    #[test]
    fn datetimes_read_epoch_millis_and_iso_with_or_without_zone() {
        let t = DateTime::from_timestamp_millis(1_795_952_096_123).expect("in range");
        for text in [
            "1795952096123",
            "2026-11-29T11:34:56.123Z",
            "2026-11-29T12:34:56.123+01:00",
            "2026-11-29T11:34:56.123",
        ] {
            assert_eq!(read::<DateTime<Utc>>(text), Ok(Some(t)), "{text}");
        }
        assert_eq!(PropertyValue::format(&t), "2026-11-29T11:34:56.123Z");
        assert!(read::<DateTime<Utc>>("yesterday").is_err());
        assert!(read::<DateTime<Utc>>("-").is_err());
    }

    #[test]
    fn booleans_and_empty_values() {
        assert_eq!(read::<bool>("TRUE"), Ok(Some(true)));
        assert_eq!(read::<bool>("false"), Ok(Some(false)));
        let err = read::<bool>("yes").expect_err("not a bool");
        assert_eq!(
            err.to_string(),
            "property `p`: \"yes\" is not `true` or `false`"
        );
        assert_eq!(read::<bool>(""), Ok(None));
        let mut map = BTreeMap::from([("p".to_owned(), None)]);
        assert_eq!(take::<bool>(&mut map, "p"), Ok(None));
        assert!(map.is_empty(), "a known property is taken out of the map");
    }

    #[test]
    fn updates_are_three_state_on_the_wire() {
        let mut map = BTreeMap::new();
        put_update(&mut map, "keep", &Update::<bool>::Keep);
        put_update(&mut map, "clear", &Update::<bool>::Clear);
        put_update(&mut map, "set", &Update::Set(true));
        assert_eq!(
            map,
            BTreeMap::from([
                ("clear".to_owned(), String::new()),
                ("set".to_owned(), "true".to_owned()),
            ])
        );
        assert_eq!(take_update::<bool>(&mut map, "keep"), Ok(Update::Keep));
        assert_eq!(take_update::<bool>(&mut map, "clear"), Ok(Update::Clear));
        assert_eq!(take_update::<bool>(&mut map, "set"), Ok(Update::Set(true)));
    }
}
