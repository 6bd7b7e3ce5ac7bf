//! String enums and `oneOf`/`anyOf` unions. (Their names, and the names of a union's variants,
//! are the naming pass's: `names`.)

use super::schemas::Shape;
use super::*;

impl<'a> Lowerer<'a> {
    /// Lowers a `oneOf`/`anyOf` into the union of type `id` (already placed before the types
    /// lifted out of its alternatives). Its variants are named with the types, in the naming
    /// pass.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_union(
        &mut self,
        id: TypeId,
        description: String,
        origin: Origin,
        alternatives: &[ReferenceOr<Schema>],
        discriminator: Option<&openapiv3::Discriminator>,
        keyword: &str,
        pointer: &str,
        mode: Mode,
    ) -> Result<(), Error> {
        if alternatives.is_empty() {
            return Err(Error::at(
                join(pointer, keyword),
                format!("`{keyword}` needs at least one alternative"),
            ));
        }
        let mut variants = Vec::new();
        // Without a discriminator, a one-value enum property shared by the alternatives tells
        // them apart (and so decides, where an untagged decoder would take the first fit).
        let implied = match discriminator {
            Some(_) => None,
            None => implied_tags(self, alternatives),
        };
        for (i, alternative) in alternatives.iter().enumerate() {
            let alt_pointer = format!("{pointer}/{keyword}/{i}");
            let ctx = Ctx {
                parent: Parent::Type(id),
                field: format!("Variant{}", i + 1),
                pointer: alt_pointer.clone(),
                mode,
            };
            let ty = self.ty_of(alternative, &ctx)?;
            let mut tags = Vec::new();
            if let Some(d) = discriminator {
                let ReferenceOr::Reference { reference } = alternative else {
                    return Err(Error::at(
                        alt_pointer,
                        "with a `discriminator`, every alternative must be a `$ref`",
                    ));
                };
                let key = unescape(reference.rsplit('/').next().unwrap_or_default());
                tags = d
                    .mapping
                    .iter()
                    .filter(|(_, target)| *target == reference || **target == key)
                    .map(|(value, _)| value.clone())
                    .collect();
                if tags.is_empty() {
                    tags.push(key);
                }
            }
            if let Some((_, values)) = &implied
                && let Some(value) = values.get(i)
            {
                tags = vec![value.clone()];
            }
            variants.push(UnionVariant {
                name: String::new(),
                ty,
                tags,
            });
        }
        let property = match (discriminator, implied) {
            (Some(d), _) => Some(d.property_name.clone()),
            (None, Some((property, _))) => Some(property),
            (None, None) => None,
        };
        let discriminator = property.map(|property| Discriminator {
            property,
            other_variant: String::new(),
        });
        self.fill(
            id,
            TypeDef::Union(UnionDef {
                name: String::new(),
                description,
                origin,
                variants,
                discriminator,
                caps: Caps::default(),
            }),
        );
        Ok(())
    }
}

/// The values of a string enum schema, `None` when it is not one.
pub(super) fn string_enum(schema: &Schema, pointer: &str) -> Result<Option<Vec<String>>, Error> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(s)) if !s.enumeration.is_empty() => {
            let values: Vec<String> = s.enumeration.iter().flatten().cloned().collect();
            if values.is_empty() {
                return Err(Error::at(
                    join(pointer, "enum"),
                    "an enum needs at least one string value",
                ));
            }
            Ok(Some(values))
        }
        SchemaKind::Type(Type::Number(n)) if !n.enumeration.is_empty() => Err(Error::at(
            join(pointer, "enum"),
            "a number enum is not supported",
        )),
        // `enum` without `type`: an enum of strings when every value is a string.
        SchemaKind::Any(a)
            if !a.enumeration.is_empty()
                && matches!(a.typ.as_deref(), None | Some("string"))
                && a.properties.is_empty() =>
        {
            let values: Option<Vec<String>> = a
                .enumeration
                .iter()
                .filter(|v| !v.is_null())
                .map(|v| v.as_str().map(str::to_owned))
                .collect();
            match values {
                Some(values) if !values.is_empty() => Ok(Some(values)),
                _ => Err(Error::at(
                    join(pointer, "enum"),
                    "an enum without `type` must list strings only",
                )),
            }
        }
        _ => Ok(None),
    }
}

/// An open enum of `values` (a value listed twice counts once), named in the naming pass.
pub(super) fn enum_def(description: String, origin: Origin, values: &[String]) -> EnumDef {
    let mut used = BTreeSet::new();
    let mut variants = Vec::new();
    for value in values {
        if variants.iter().any(|v: &Variant| v.wire == *value) {
            continue;
        }
        let candidate = if value.is_empty() {
            "Empty".to_owned()
        } else {
            naming::camel(value)
        };
        let candidate = if used.contains(&candidate) {
            let base = naming::bare(&candidate).to_owned();
            (2..)
                .map(|n| format!("{base}{n}"))
                .find(|c| !used.contains(c))
                .unwrap_or(candidate)
        } else {
            candidate
        };
        used.insert(candidate.clone());
        variants.push(Variant {
            name: candidate,
            wire: value.clone(),
        });
    }
    let other_variant = ["Unknown", "UnknownValue", "Other"]
        .into_iter()
        .find(|c| !used.contains(*c))
        .map(str::to_owned)
        .unwrap_or_else(|| "Unlisted".to_owned());
    EnumDef {
        name: String::new(),
        description,
        origin,
        variants,
        other_variant,
        caps: Caps::default(),
    }
}

/// The alternatives of a `oneOf`/`anyOf` schema, its discriminator and the keyword.
/// The alternatives, the discriminator and the keyword (`oneOf` or `anyOf`) of a union.
pub(super) type UnionParts<'s> = (
    &'s [ReferenceOr<Schema>],
    Option<&'s openapiv3::Discriminator>,
    &'static str,
);

/// A `oneOf` or `anyOf`, alone or beside keywords that add nothing to it: `type: object`
/// and an empty `properties` (HubSpot writes `{properties: {}, oneOf: [...]}`), and the
/// schema's data (description, discriminator, ...). `None` for any other schema.
pub(super) fn union_parts(schema: &Schema) -> Option<UnionParts<'_>> {
    let discriminator = schema.schema_data.discriminator.as_ref();
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => Some((one_of, discriminator, "oneOf")),
        SchemaKind::AnyOf { any_of } => Some((any_of, discriminator, "anyOf")),
        SchemaKind::Any(a)
            if a.properties.is_empty()
                && a.required.is_empty()
                && matches!(
                    a.additional_properties,
                    None | Some(AdditionalProperties::Any(_))
                )
                && a.items.is_none()
                && a.all_of.is_empty()
                && a.not.is_none()
                && a.enumeration.is_empty()
                && matches!(a.typ.as_deref(), None | Some("object")) =>
        {
            match (a.one_of.is_empty(), a.any_of.is_empty()) {
                (false, true) => Some((&a.one_of, discriminator, "oneOf")),
                (true, false) => Some((&a.any_of, discriminator, "anyOf")),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The property and values that tell the alternatives of a union apart when the document
/// gives no discriminator: a property that every alternative (each a `$ref` to an object)
/// declares as a one-value string enum, each with a different value (HubSpot's
/// `type: {enum: [AGENT]}` in each actor). The first such property, in the first
/// alternative's order, with each alternative's value.
pub(super) fn implied_tags(
    lowerer: &Lowerer<'_>,
    alternatives: &[ReferenceOr<Schema>],
) -> Option<(String, Vec<String>)> {
    let mut per_alternative: Vec<Vec<(String, String)>> = Vec::new();
    for alternative in alternatives {
        let ReferenceOr::Reference { reference } = alternative else {
            return None;
        };
        let pointer = reference.strip_prefix('#')?;
        let schema = lowerer.component(reference, pointer).ok()?;
        let Ok(Some(Shape::Struct { properties, .. })) = lowerer.object_shape(schema, pointer)
        else {
            return None;
        };
        let mut tags = Vec::new();
        for (name, property) in &properties {
            let property = match property {
                ReferenceOr::Item(s) => &**s,
                ReferenceOr::Reference { reference } => {
                    lowerer.component(reference.as_str(), pointer).ok()?
                }
            };
            if let Ok(Some(values)) = string_enum(property, pointer)
                && let [value] = values.as_slice()
            {
                tags.push((name.clone(), value.clone()));
            }
        }
        per_alternative.push(tags);
    }
    let (first, rest) = per_alternative.split_first()?;
    first.iter().find_map(|(property, _)| {
        let values: Vec<String> = per_alternative
            .iter()
            .map(|tags| {
                tags.iter()
                    .find(|(p, _)| p == property)
                    .map(|(_, v)| v.clone())
            })
            .collect::<Option<_>>()?;
        let distinct: BTreeSet<&String> = values.iter().collect();
        (distinct.len() == values.len() && !rest.is_empty()).then(|| (property.clone(), values))
    })
}
