//! The fake's in-memory records: one store per object type, each with an index of its unique
//! properties' values, and one id counter for every type.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use crate::OBJECT_ID_PROPERTY;

/// Properties HubSpot computes itself: a write to them is ignored, and every answer that
/// carries properties includes them.
pub(crate) const READ_ONLY: [&str; 3] =
    [OBJECT_ID_PROPERTY, "hs_createdate", "hs_lastmodifieddate"];

/// One record of a CRM object type (an order, a line item…) as the fake stores it.
///
/// `properties` holds the values written through the API (or [`FakeHubSpot::insert_record`]);
/// the ones HubSpot computes (`hs_object_id`, `hs_createdate`, `hs_lastmodifieddate`) are not
/// in it but derived from `id`, `created_at` and `updated_at` when the fake answers.
///
/// [`FakeHubSpot::insert_record`]: super::FakeHubSpot::insert_record
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// The object type the record belongs to, as the request path named it (`orders`).
    pub object_type: String,
    /// The record id (`hs_object_id`), a decimal number as HubSpot's are.
    pub id: String,
    /// The property values written so far; writing an empty string removes one.
    pub properties: BTreeMap<String, String>,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the record was last written.
    pub updated_at: DateTime<Utc>,
    /// When the record was archived (deleted), if it was.
    pub archived_at: Option<DateTime<Utc>>,
}

impl StoredRecord {
    /// Whether the record is archived.
    pub fn archived(&self) -> bool {
        self.archived_at.is_some()
    }

    /// The value of a property written to the record, if it has one.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }
}

/// A write that would give a unique property a value another record holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Conflict {
    pub property: String,
    pub value: String,
    pub holder: String,
}

/// The record ids, drawn from one counter for every object type: an id names at most one
/// record in the whole fake, so an id sent to the wrong type's path finds nothing.
#[derive(Debug)]
pub(crate) struct Ids {
    next: u64,
}

impl Ids {
    pub(crate) fn next(&mut self) -> u64 {
        let id = self.next;
        self.next += 1;
        id
    }
}

/// The records of one object type.
#[derive(Debug)]
pub(crate) struct Store {
    object_type: String,
    records: BTreeMap<u64, StoredRecord>,
    unique: BTreeSet<String>,
    /// (unique property, value) → id of the live record holding it. Archived records release
    /// their values, so an upsert after an archive creates a new record.
    index: HashMap<(String, String), u64>,
}

impl Store {
    fn new(object_type: &str, unique: BTreeSet<String>) -> Store {
        Store {
            object_type: object_type.to_owned(),
            records: BTreeMap::new(),
            unique,
            index: HashMap::new(),
        }
    }

    pub(crate) fn object_type(&self) -> &str {
        &self.object_type
    }

    pub(crate) fn is_unique(&self, property: &str) -> bool {
        self.unique.contains(property)
    }

    pub(crate) fn unique_properties(&self) -> &BTreeSet<String> {
        &self.unique
    }

    pub(crate) fn get(&self, id: u64) -> Option<&StoredRecord> {
        self.records.get(&id)
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = (u64, &StoredRecord)> {
        self.records.iter().map(|(id, record)| (*id, record))
    }

    /// The live record holding `value` for the unique property `property`.
    pub(crate) fn by_unique(&self, property: &str, value: &str) -> Option<u64> {
        self.index
            .get(&(property.to_owned(), value.to_owned()))
            .copied()
    }

    /// The live record whose `property` has `value`: by the index for a unique property,
    /// else the first record (by id) with that value.
    pub(crate) fn by_value(&self, property: &str, value: &str) -> Option<&StoredRecord> {
        if let Some(id) = self.by_unique(property, value) {
            return self.get(id);
        }
        self.records
            .values()
            .find(|record| !record.archived() && record.property(property) == Some(value))
    }

    /// Resolves a path or input id: a record id, or with `id_property` a unique value.
    /// `archived` selects archived records instead of live ones, as HubSpot's flag does.
    pub(crate) fn find(&self, id: &str, id_property: Option<&str>, archived: bool) -> Option<u64> {
        let found = match id_property {
            Some(property) if property != OBJECT_ID_PROPERTY => {
                if archived {
                    // Archived records are out of the index: look for the value itself.
                    return self
                        .records
                        .iter()
                        .find(|(_, record)| {
                            record.archived() && record.property(property) == Some(id)
                        })
                        .map(|(id, _)| *id);
                }
                self.by_unique(property, id)?
            }
            _ => id.parse::<u64>().ok()?,
        };
        let record = self.records.get(&found)?;
        (record.archived() == archived).then_some(found)
    }

    /// The first unique value among `properties` that a record other than `except` holds.
    pub(crate) fn conflict(
        &self,
        properties: &BTreeMap<String, String>,
        except: Option<u64>,
    ) -> Option<Conflict> {
        properties.iter().find_map(|(property, value)| {
            if value.is_empty() || !self.is_unique(property) {
                return None;
            }
            let holder = self.by_unique(property, value)?;
            (Some(holder) != except).then(|| Conflict {
                property: property.clone(),
                value: value.clone(),
                holder: holder.to_string(),
            })
        })
    }

    /// Creates the record `id` (drawn from [`Ids`]); the caller has checked
    /// [`Store::conflict`].
    pub(crate) fn create(
        &mut self,
        id: u64,
        properties: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> u64 {
        self.records.insert(
            id,
            StoredRecord {
                object_type: self.object_type.clone(),
                id: id.to_string(),
                properties: BTreeMap::new(),
                created_at: now,
                updated_at: now,
                archived_at: None,
            },
        );
        self.write(id, properties, now);
        id
    }

    /// Writes `properties` to the record `id`: an empty value clears a property, and the
    /// read-only ones are left alone. The caller has checked [`Store::conflict`].
    pub(crate) fn write(
        &mut self,
        id: u64,
        properties: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) {
        let Some(record) = self.records.get_mut(&id) else {
            return;
        };
        for (property, value) in properties {
            if READ_ONLY.contains(&property.as_str()) {
                continue;
            }
            let unique = self.unique.contains(property);
            let old = if value.is_empty() {
                record.properties.remove(property)
            } else {
                record.properties.insert(property.clone(), value.clone())
            };
            if unique {
                if let Some(old) = old {
                    self.index.remove(&(property.clone(), old));
                }
                if !value.is_empty() {
                    self.index.insert((property.clone(), value.clone()), id);
                }
            }
        }
        record.updated_at = now;
    }

    /// Archives the record `id` if it is live; archived records release their unique values.
    pub(crate) fn archive(&mut self, id: u64, now: DateTime<Utc>) -> bool {
        let Some(record) = self.records.get_mut(&id) else {
            return false;
        };
        if record.archived() {
            return false;
        }
        record.archived_at = Some(now);
        record.updated_at = now;
        for (property, value) in &record.properties {
            if self.unique.contains(property) {
                self.index.remove(&(property.clone(), value.clone()));
            }
        }
        true
    }
}

/// Which properties have unique values: some for every object type, some for one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct UniqueProperties {
    pub every_type: BTreeSet<String>,
    pub by_type: BTreeMap<String, BTreeSet<String>>,
}

impl UniqueProperties {
    /// The unique properties of `object_type`.
    pub(crate) fn of(&self, object_type: &str) -> BTreeSet<String> {
        let mut unique = self.every_type.clone();
        if let Some(own) = self.by_type.get(object_type) {
            unique.extend(own.iter().cloned());
        }
        unique
    }
}

/// Every object type's records: a store per type, opened on first use.
#[derive(Debug)]
pub(crate) struct Objects {
    stores: BTreeMap<String, Store>,
    ids: Ids,
    unique: UniqueProperties,
    /// The object types served, or every one when `None`.
    served: Option<BTreeSet<String>>,
}

impl Objects {
    pub(crate) fn new(
        unique: UniqueProperties,
        served: Option<BTreeSet<String>>,
        first_id: u64,
    ) -> Objects {
        Objects {
            stores: BTreeMap::new(),
            ids: Ids { next: first_id },
            unique,
            served,
        }
    }

    /// Whether the fake serves `object_type`.
    pub(crate) fn serves(&self, object_type: &str) -> bool {
        self.served
            .as_ref()
            .is_none_or(|served| served.contains(object_type))
    }

    /// The unique properties of `object_type`, whether or not its store is open.
    pub(crate) fn unique_properties(&self, object_type: &str) -> BTreeSet<String> {
        self.unique.of(object_type)
    }

    /// The store of `object_type`, if it was opened.
    pub(crate) fn get(&self, object_type: &str) -> Option<&Store> {
        self.stores.get(object_type)
    }

    /// Every open store, by object type.
    pub(crate) fn stores(&self) -> impl Iterator<Item = &Store> {
        self.stores.values()
    }

    /// The store of `object_type`, opened if need be, and the id counter.
    pub(crate) fn open(&mut self, object_type: &str) -> (&mut Store, &mut Ids) {
        let unique = &self.unique;
        let store = self
            .stores
            .entry(object_type.to_owned())
            .or_insert_with(|| Store::new(object_type, unique.of(object_type)));
        (store, &mut self.ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn properties(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn object_types_share_the_id_counter_but_not_records_or_unique_values() {
        let unique = UniqueProperties {
            every_type: BTreeSet::from(["ref".to_owned()]),
            by_type: BTreeMap::from([("orders".to_owned(), BTreeSet::from(["ext".to_owned()]))]),
        };
        let mut objects = Objects::new(unique, None, 7);
        let now = Utc::now();
        let (orders, ids) = objects.open("orders");
        let order = orders.create(
            ids.next(),
            &properties(&[("ref", "r1"), ("ext", "e1")]),
            now,
        );
        let (items, ids) = objects.open("line_items");
        let item = items.create(
            ids.next(),
            &properties(&[("ref", "r1"), ("ext", "e1")]),
            now,
        );
        assert_eq!((order, item), (7, 8));
        assert!(items.is_unique("ref") && !items.is_unique("ext"));
        assert_eq!(items.by_unique("ref", "r1"), Some(8));
        assert_eq!(items.by_unique("ext", "e1"), None);
        assert_eq!(
            items.find("7", None, false),
            None,
            "an order id is no line item"
        );
        let orders = objects
            .get("orders")
            .map(|store| store.by_unique("ext", "e1"));
        assert_eq!(orders, Some(Some(7)));
        assert_eq!(
            objects
                .get("line_items")
                .and_then(|s| s.get(8))
                .map(|r| r.object_type.clone()),
            Some("line_items".to_owned())
        );
    }

    #[test]
    fn only_the_served_object_types_are_served() {
        let every = Objects::new(UniqueProperties::default(), None, 1);
        assert!(every.serves("contacts"));
        let some = Objects::new(
            UniqueProperties::default(),
            Some(BTreeSet::from(["orders".to_owned()])),
            1,
        );
        assert!(some.serves("orders") && !some.serves("contacts"));
    }
}
