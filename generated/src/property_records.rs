//! The typed properties of [`crate::properties`] on the document's own types: thin
//! conversions to and from their `properties` string maps, so the raw API keeps working and
//! typed code needs no property name written as a string.

use crate::property_values::{PropertyError, TypedInput, TypedProperties, UniqueKey};
use crate::types::{
    BatchReadInputSimplePublicObjectId, SimplePublicObject, SimplePublicObjectBatchInput,
    SimplePublicObjectBatchInputUpsert, SimplePublicObjectId, SimplePublicObjectInput,
    SimplePublicObjectInputForCreate, SimplePublicObjectWithAssociations, SimplePublicUpsertObject,
};

macro_rules! typed_answer {
    ($($ty:ty),*) => {$(
        impl $ty {
            /// The record's properties, typed by the catalog (e.g.
            /// [`OrderProperties`](crate::properties::OrderProperties)).
            ///
            /// # Errors
            ///
            /// A [`PropertyError`] naming the first property whose value does not read as
            /// its type.
            pub fn typed_properties<P: TypedProperties>(&self) -> Result<P, PropertyError> {
                P::from_map(&self.properties)
            }
        }
    )*};
}

typed_answer!(
    SimplePublicObject,
    SimplePublicUpsertObject,
    SimplePublicObjectWithAssociations
);

impl SimplePublicObjectBatchInputUpsert {
    /// One input of a batch upsert: the record whose unique property `key` names, with
    /// `input`'s values.
    pub fn from_typed(key: &impl UniqueKey, input: &impl TypedInput) -> Self {
        Self {
            id: key.value(),
            id_property: Some(key.property().to_owned()),
            object_write_trace_id: None,
            properties: input.to_map(),
        }
    }
}

impl SimplePublicObjectBatchInput {
    /// One input of a batch update, addressed by record id.
    pub fn from_typed(id: impl Into<String>, input: &impl TypedInput) -> Self {
        Self::new(id.into(), input.to_map())
    }
}

impl SimplePublicObjectInput {
    /// The body of a single update.
    pub fn from_typed(input: &impl TypedInput) -> Self {
        Self {
            properties: input.to_map(),
        }
    }
}

impl SimplePublicObjectInputForCreate {
    /// The body of a create, without associations.
    pub fn from_typed(input: &impl TypedInput) -> Self {
        Self {
            associations: Vec::new(),
            properties: input.to_map(),
        }
    }
}

impl BatchReadInputSimplePublicObjectId {
    /// A batch read of the records that `keys` name (all of one unique property), asking
    /// for every property `P` knows.
    ///
    /// # Errors
    ///
    /// When the keys are not all of the same property: one batch read takes one
    /// `idProperty`. The message names both properties.
    pub fn by_keys<P: TypedProperties, K: UniqueKey>(keys: &[K]) -> Result<Self, String> {
        let property = keys.first().map(UniqueKey::property);
        if let (Some(first), Some(other)) = (
            property,
            keys.iter()
                .map(UniqueKey::property)
                .find(|p| Some(*p) != property),
        ) {
            return Err(format!(
                "one batch read takes keys of one property, not both `{first}` and `{other}`"
            ));
        }
        Ok(Self {
            id_property: property.map(str::to_owned),
            inputs: keys
                .iter()
                .map(|k| SimplePublicObjectId { id: k.value() })
                .collect(),
            properties: crate::property_values::property_names::<P>(),
            properties_with_history: Vec::new(),
        })
    }
}
