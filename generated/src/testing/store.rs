//! The fake's in-memory store of orders, with an index of the unique properties' values.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

/// Properties HubSpot computes itself: a write to them is ignored, and every answer that
/// carries properties includes them.
pub(crate) const READ_ONLY: [&str; 3] = ["hs_object_id", "hs_createdate", "hs_lastmodifieddate"];

/// One order as the fake stores it.
///
/// `properties` holds the values written through the API (or [`FakeHubSpot::insert_order`]);
/// the ones HubSpot computes (`hs_object_id`, `hs_createdate`, `hs_lastmodifieddate`) are not
/// in it but derived from `id`, `created_at` and `updated_at` when the fake answers.
///
/// [`FakeHubSpot::insert_order`]: super::FakeHubSpot::insert_order
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
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

impl Order {
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

#[derive(Debug)]
pub(crate) struct Store {
    orders: BTreeMap<u64, Order>,
    next_id: u64,
    unique: BTreeSet<String>,
    /// (unique property, value) → id of the live record holding it. Archived records release
    /// their values, so an upsert after an archive creates a new record.
    index: HashMap<(String, String), u64>,
}

impl Store {
    pub(crate) fn new(unique: BTreeSet<String>, first_id: u64) -> Store {
        Store {
            orders: BTreeMap::new(),
            next_id: first_id,
            unique,
            index: HashMap::new(),
        }
    }

    pub(crate) fn is_unique(&self, property: &str) -> bool {
        self.unique.contains(property)
    }

    pub(crate) fn unique_properties(&self) -> &BTreeSet<String> {
        &self.unique
    }

    pub(crate) fn get(&self, id: u64) -> Option<&Order> {
        self.orders.get(&id)
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = (u64, &Order)> {
        self.orders.iter().map(|(id, order)| (*id, order))
    }

    /// The live record holding `value` for the unique property `property`.
    pub(crate) fn by_unique(&self, property: &str, value: &str) -> Option<u64> {
        self.index
            .get(&(property.to_owned(), value.to_owned()))
            .copied()
    }

    /// Resolves a path or input id: a record id, or with `id_property` a unique value.
    /// `archived` selects archived records instead of live ones, as HubSpot's flag does.
    pub(crate) fn find(&self, id: &str, id_property: Option<&str>, archived: bool) -> Option<u64> {
        let found = match id_property {
            Some(property) if property != "hs_object_id" => {
                if archived {
                    // Archived records are out of the index: look for the value itself.
                    return self
                        .orders
                        .iter()
                        .find(|(_, order)| order.archived() && order.property(property) == Some(id))
                        .map(|(id, _)| *id);
                }
                self.by_unique(property, id)?
            }
            _ => id.parse::<u64>().ok()?,
        };
        let order = self.orders.get(&found)?;
        (order.archived() == archived).then_some(found)
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

    /// Creates a record; the caller has checked [`Store::conflict`].
    pub(crate) fn create(
        &mut self,
        properties: &BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.orders.insert(
            id,
            Order {
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
        let Some(order) = self.orders.get_mut(&id) else {
            return;
        };
        for (property, value) in properties {
            if READ_ONLY.contains(&property.as_str()) {
                continue;
            }
            let unique = self.unique.contains(property);
            let old = if value.is_empty() {
                order.properties.remove(property)
            } else {
                order.properties.insert(property.clone(), value.clone())
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
        order.updated_at = now;
    }

    /// Archives the record `id` if it is live; archived records release their unique values.
    pub(crate) fn archive(&mut self, id: u64, now: DateTime<Utc>) -> bool {
        let Some(order) = self.orders.get_mut(&id) else {
            return false;
        };
        if order.archived() {
            return false;
        }
        order.archived_at = Some(now);
        order.updated_at = now;
        for (property, value) in &order.properties {
            if self.unique.contains(property) {
                self.index.remove(&(property.clone(), value.clone()));
            }
        }
        true
    }
}
