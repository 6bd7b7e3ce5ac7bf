//! Schemas: objects, scalars, arrays, maps and `allOf`, and how optional fields are read.

use super::*;
use std::borrow::Borrow;

impl<'a> Lowerer<'a> {
    // ----- schemas -----------------------------------------------------------------------

    /// Lowers the component schema of type `id` (already placed in the output order).
    pub(super) fn lower_component(
        &mut self,
        id: TypeId,
        schema: &Schema,
        pointer: &str,
        mode: Mode,
    ) -> Result<(), Error> {
        let description = text(schema.schema_data.description.as_deref());
        if let Some(values) = string_enum(schema, pointer)? {
            self.fill(
                id,
                TypeDef::Enum(enum_def(description, Origin::Component, &values)),
            );
            return Ok(());
        }
        if let Some((alternatives, discriminator, keyword)) = union_parts(schema) {
            return self.lower_union(
                id,
                description,
                Origin::Component,
                alternatives,
                discriminator,
                keyword,
                pointer,
                mode,
            );
        }
        match self.object_shape(schema, pointer)? {
            Some(Shape::Struct {
                properties,
                required,
            }) => self.lower_struct(
                id,
                description,
                Origin::Component,
                &properties,
                &required,
                pointer,
                mode,
            ),
            _ => {
                let ctx = Ctx {
                    parent: Parent::Type(id),
                    field: String::new(),
                    pointer: pointer.to_owned(),
                    mode,
                };
                let ty = self.schema_ty(schema, &ctx)?;
                self.fill(
                    id,
                    TypeDef::Alias(AliasDef {
                        name: String::new(),
                        description,
                        origin: Origin::Component,
                        ty,
                    }),
                );
                Ok(())
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn lower_struct(
        &mut self,
        id: TypeId,
        description: String,
        origin: Origin,
        properties: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &[String],
        pointer: &str,
        mode: Mode,
    ) -> Result<(), Error> {
        for key in required {
            if !properties.contains_key(key) {
                return Err(Error::at(
                    join(pointer, "required"),
                    format!("`{key}` is listed as required but is not among the properties"),
                ));
            }
        }
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        for (wire, prop) in properties {
            let prop_pointer = join(&join(pointer, "properties"), wire);
            let ctx = Ctx {
                parent: Parent::Type(id),
                field: wire.clone(),
                pointer: prop_pointer.clone(),
                mode,
            };
            let base = self.ty_of(prop, &ctx)?;
            let is_required = required.iter().any(|r| r == wire);
            let description = self.field_description(prop, &prop_pointer)?;
            let (ty, mut serde) = field_policy(base, is_required, mode);
            let rust_name = unique(naming::snake(wire), &mut used);
            serde.rename = naming::bare(&rust_name) != wire;
            fields.push(Field {
                name: rust_name,
                wire_name: wire.clone(),
                description,
                ty,
                serde,
            });
        }
        self.fill(
            id,
            TypeDef::Struct(StructDef {
                name: String::new(),
                description,
                origin,
                fields,
                caps: Caps::default(),
                builder: Builder::default(),
                roles: Roles::default(),
            }),
        );
        Ok(())
    }

    /// The description of a property: its own, the one written beside its `$ref`, or the
    /// referenced schema's.
    pub(super) fn field_description(
        &self,
        prop: &ReferenceOr<Box<Schema>>,
        pointer: &str,
    ) -> Result<String, Error> {
        let description = match prop {
            ReferenceOr::Item(schema) => schema.schema_data.description.clone(),
            ReferenceOr::Reference { reference } => {
                // openapiv3 drops a description written beside a `$ref`; the raw document has it.
                let beside = self
                    .doc
                    .raw
                    .pointer(pointer)
                    .and_then(|node| node.get("description"))
                    .and_then(|d| d.as_str())
                    .map(str::to_owned);
                match beside {
                    Some(text) => Some(text),
                    None => self
                        .component(reference, pointer)?
                        .schema_data
                        .description
                        .clone(),
                }
            }
        };
        Ok(text(description.as_deref()))
    }

    /// The Rust type of a schema or a reference to one; `S` is `Schema` or, where openapiv3
    /// nests schemas (properties, array items), `Box<Schema>`.
    pub(super) fn ty_of<S: Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        ctx: &Ctx,
    ) -> Result<Ty, Error> {
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(Ty::Named(self.component_id(reference, &ctx.pointer)?))
            }
            ReferenceOr::Item(schema) => self.schema_ty(schema.borrow(), ctx),
        }
    }

    /// The Rust type of an inline schema; lifts out enums and objects.
    pub(super) fn schema_ty(&mut self, schema: &Schema, ctx: &Ctx) -> Result<Ty, Error> {
        // Inline schemas inside inline schemas: an `allOf` that includes its own parent would
        // lift a new struct at every level, forever.
        if self.depth >= MAX_DEPTH {
            return Err(Error::at(
                ctx.pointer.clone(),
                format!(
                    "inline schemas nest more than {MAX_DEPTH} levels deep here (an `allOf` that includes the schema around it?)"
                ),
            ));
        }
        self.depth += 1;
        let ty = self.schema_ty_inner(schema, ctx);
        self.depth -= 1;
        let ty = ty?;
        Ok(if schema.schema_data.nullable {
            Ty::Option(Box::new(ty))
        } else {
            ty
        })
    }

    pub(super) fn schema_ty_inner(&mut self, schema: &Schema, ctx: &Ctx) -> Result<Ty, Error> {
        let pointer = &ctx.pointer;
        let origin = || Origin::Inline {
            parent: ctx.parent.clone(),
            field: ctx.field.clone(),
        };
        if let Some(values) = string_enum(schema, pointer)? {
            let id = self.lift(
                NameRule::InlineEnum {
                    values: values.clone(),
                },
                pointer,
            );
            let description = text(schema.schema_data.description.as_deref());
            self.fill(id, TypeDef::Enum(enum_def(description, origin(), &values)));
            return Ok(Ty::Named(id));
        }
        // A union, alone or beside keywords that add nothing to it.
        if let Some((alternatives, discriminator, keyword)) = union_parts(schema) {
            let id = self.lift(NameRule::Lifted, pointer);
            let description = text(schema.schema_data.description.as_deref());
            self.lower_union(
                id,
                description,
                origin(),
                alternatives,
                discriminator,
                keyword,
                pointer,
                ctx.mode,
            )?;
            return Ok(Ty::Named(id));
        }
        if let Some(ty) = self.mixed_scalar(schema, pointer) {
            return Ok(ty);
        }
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => Ok(match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Ty::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Ty::Date,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) if ctx.mode == Mode::Upload => {
                    Ty::File
                }
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => {
                    return Err(Error::at(
                        pointer.clone(),
                        "`format: binary` is supported in `multipart/form-data` bodies only (JSON has no bytes)",
                    ));
                }
                _ => Ty::String,
            }),
            SchemaKind::Type(Type::Integer(i)) => Ok(match &i.format {
                VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => Ty::I32,
                _ => Ty::I64,
            }),
            SchemaKind::Type(Type::Number(n)) => Ok(match &n.format {
                VariantOrUnknownOrEmpty::Item(NumberFormat::Float) => Ty::F32,
                _ => Ty::F64,
            }),
            SchemaKind::Type(Type::Boolean(_)) => Ok(Ty::Bool),
            SchemaKind::Type(Type::Array(a)) => {
                let items = a
                    .items
                    .as_ref()
                    .ok_or_else(|| Error::at(pointer.clone(), "an array schema needs `items`"))?;
                let item_ctx = Ctx {
                    parent: ctx.parent.clone(),
                    field: format!("{}Item", ctx.field),
                    pointer: join(pointer, "items"),
                    mode: ctx.mode,
                };
                Ok(Ty::Vec(Box::new(self.ty_of(items, &item_ctx)?)))
            }
            SchemaKind::AllOf { all_of }
                if all_of.len() == 1 && matches!(all_of[0], ReferenceOr::Reference { .. }) =>
            {
                // `allOf: [{$ref: X}]` is how a document gives a `$ref` its own description.
                self.ty_of(&all_of[0], ctx)
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::Any(_) | SchemaKind::AllOf { .. } => {
                if let SchemaKind::Any(any) = &schema.schema_kind
                    && (!any.one_of.is_empty() || !any.any_of.is_empty() || any.not.is_some())
                {
                    return Err(Error::at(
                        pointer.clone(),
                        "`oneOf`, `anyOf` or `not` beside properties or other keywords cannot be represented faithfully",
                    ));
                }
                match self.object_shape(schema, pointer)? {
                    Some(Shape::Struct {
                        properties,
                        required,
                    }) => {
                        let id = self.lift(NameRule::Lifted, pointer);
                        let description = text(schema.schema_data.description.as_deref());
                        self.lower_struct(
                            id,
                            description,
                            origin(),
                            &properties,
                            &required,
                            pointer,
                            ctx.mode,
                        )?;
                        Ok(Ty::Named(id))
                    }
                    Some(Shape::Map(values)) => {
                        let value_ctx = Ctx {
                            parent: ctx.parent.clone(),
                            field: format!("{}Value", ctx.field),
                            pointer: join(pointer, "additionalProperties"),
                            mode: ctx.mode,
                        };
                        let value = self.ty_of(&values, &value_ctx)?;
                        Ok(Ty::Map(Box::new(value)))
                    }
                    Some(Shape::AnyMap) => Ok(Ty::Map(Box::new(Ty::Json))),
                    Some(Shape::FreeForm) | None => match &schema.schema_kind {
                        SchemaKind::Any(any)
                            if any.items.is_some() || any.typ.as_deref() == Some("array") =>
                        {
                            Err(Error::at(
                                pointer.clone(),
                                "an array schema without `type: array` is not supported",
                            ))
                        }
                        SchemaKind::Any(any)
                            if !matches!(
                                any.typ.as_deref(),
                                None | Some(
                                    "object"
                                        | "string"
                                        | "number"
                                        | "integer"
                                        | "boolean"
                                        | "array"
                                )
                            ) =>
                        {
                            Err(Error::at(
                                pointer.clone(),
                                format!(
                                    "unknown `type: {}`; OpenAPI 3.0 has string, number, integer, boolean, array and object",
                                    any.typ.as_deref().unwrap_or_default()
                                ),
                            ))
                        }
                        SchemaKind::Any(any)
                            if any.typ.is_some() && any.typ.as_deref() != Some("object") =>
                        {
                            Err(Error::at(
                                pointer.clone(),
                                format!(
                                    "this `type: {}` schema mixes keywords of other types; it is not supported",
                                    any.typ.as_deref().unwrap_or_default()
                                ),
                            ))
                        }
                        _ => Ok(Ty::Json),
                    },
                }
            }
            SchemaKind::Not { .. } => Err(unsupported(pointer, "not")),
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                Err(unsupported(pointer, "oneOf"))
            }
        }
    }

    /// A scalar schema that also carries keywords of another type (`type: integer` with a
    /// string's `pattern`, `maxLength` or `format: date-time`, as some of HubSpot's parameters
    /// have). Its `type` still says what the value is, so the other keywords are ignored, with
    /// a warning that names them. `None` for any other schema.
    fn mixed_scalar(&mut self, schema: &Schema, pointer: &str) -> Option<Ty> {
        let (typ, format, mut ignored) = match &schema.schema_kind {
            SchemaKind::Any(a) => {
                let structural = !a.properties.is_empty()
                    || !a.required.is_empty()
                    || a.additional_properties.is_some()
                    || a.items.is_some()
                    || !a.all_of.is_empty()
                    || !a.one_of.is_empty()
                    || !a.any_of.is_empty()
                    || a.not.is_some()
                    || !a.enumeration.is_empty();
                let typ = a.typ.as_deref()?;
                if structural || !matches!(typ, "integer" | "number" | "string" | "boolean") {
                    return None;
                }
                let string = [
                    ("pattern", a.pattern.is_some()),
                    ("minLength", a.min_length.is_some()),
                    ("maxLength", a.max_length.is_some()),
                ];
                let number = [
                    ("minimum", a.minimum.is_some()),
                    ("maximum", a.maximum.is_some()),
                    ("multipleOf", a.multiple_of.is_some()),
                    ("exclusiveMinimum", a.exclusive_minimum.is_some()),
                    ("exclusiveMaximum", a.exclusive_maximum.is_some()),
                ];
                let collection = [
                    ("minItems", a.min_items.is_some()),
                    ("maxItems", a.max_items.is_some()),
                    ("uniqueItems", a.unique_items.is_some()),
                    ("minProperties", a.min_properties.is_some()),
                    ("maxProperties", a.max_properties.is_some()),
                ];
                let foreign: Vec<(&str, bool)> = match typ {
                    "string" => number.iter().chain(&collection).copied().collect(),
                    "boolean" => string
                        .iter()
                        .chain(&number)
                        .chain(&collection)
                        .copied()
                        .collect(),
                    _ => string.iter().chain(&collection).copied().collect(),
                };
                let ignored: Vec<String> = foreign
                    .into_iter()
                    .filter(|(_, present)| *present)
                    .map(|(keyword, _)| format!("`{keyword}`"))
                    .collect();
                if ignored.is_empty() {
                    return None;
                }
                (typ, a.format.clone(), ignored)
            }
            SchemaKind::Type(Type::Integer(openapiv3::IntegerType {
                format: VariantOrUnknownOrEmpty::Unknown(format),
                ..
            })) => ("integer", Some(format.clone()), Vec::new()),
            SchemaKind::Type(Type::Number(openapiv3::NumberType {
                format: VariantOrUnknownOrEmpty::Unknown(format),
                ..
            })) => ("number", Some(format.clone()), Vec::new()),
            _ => return None,
        };
        // A format of strings on a number or a boolean says nothing about its value.
        let string_format = format.as_deref().filter(|f| STRING_FORMATS.contains(f));
        if typ != "string"
            && let Some(f) = string_format
        {
            ignored.push(format!("`format: {f}`"));
        }
        if ignored.is_empty() {
            return None;
        }
        let (ty, what) = match (typ, format.as_deref()) {
            ("integer", Some("int32")) => (Ty::I32, "an `i32`"),
            ("integer", _) => (Ty::I64, "an `i64`"),
            ("number", Some("float")) => (Ty::F32, "an `f32`"),
            ("number", _) => (Ty::F64, "an `f64`"),
            ("boolean", _) => (Ty::Bool, "a `bool`"),
            (_, Some("date-time")) => (Ty::DateTime, "a `DateTime<Utc>`"),
            (_, Some("date")) => (Ty::Date, "a `NaiveDate`"),
            _ => (Ty::String, "a `String`"),
        };
        self.warnings.push(Error::at(
            pointer.to_owned(),
            format!(
                "`type: {typ}` beside keywords of another type: {} ignored; the value is {what}",
                ignored.join(", ")
            ),
        ));
        Some(ty)
    }

    /// The shape of an object schema, `None` when it is not one. An `allOf` of objects (given
    /// inline or by `$ref`) merges into one struct: properties in order, the first definition
    /// of a repeated property kept, `required` lists joined.
    pub(super) fn object_shape(
        &self,
        schema: &Schema,
        pointer: &str,
    ) -> Result<Option<Shape>, Error> {
        self.object_shape_at_depth(schema, pointer, 0)
    }

    pub(super) fn object_shape_at_depth(
        &self,
        schema: &Schema,
        pointer: &str,
        depth: usize,
    ) -> Result<Option<Shape>, Error> {
        if depth > 32 {
            return Err(Error::at(
                pointer.to_owned(),
                "`allOf` refers back to itself",
            ));
        }
        let (properties, required, additional, all_of) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => (
                &o.properties,
                &o.required,
                &o.additional_properties,
                &[][..],
            ),
            SchemaKind::AllOf { all_of } => (
                &indexmap::IndexMap::new(),
                &Vec::new(),
                &None,
                all_of.as_slice(),
            ),
            SchemaKind::Any(a) if a.typ.is_none() || a.typ.as_deref() == Some("object") => {
                if a.items.is_some()
                    || !a.one_of.is_empty()
                    || !a.any_of.is_empty()
                    || a.not.is_some()
                {
                    return Ok(None);
                }
                (
                    &a.properties,
                    &a.required,
                    &a.additional_properties,
                    a.all_of.as_slice(),
                )
            }
            _ => return Ok(None),
        };
        // Owned copies: an `allOf` builds its property list from several schemas.
        let mut properties = properties.clone();
        let mut required = required.clone();
        for (i, part) in all_of.iter().enumerate() {
            let part_pointer = format!("{pointer}/allOf/{i}");
            let part_schema = match part {
                ReferenceOr::Reference { reference } => self.component(reference, &part_pointer)?,
                ReferenceOr::Item(s) => s,
            };
            // HubSpot's polymorphism: a variant lists the union it belongs to among its
            // parts. The variant is its own object; the union adds nothing to it.
            if let ReferenceOr::Reference { reference } = part
                && let Some((alternatives, ..)) = union_parts(part_schema)
                && alternatives.iter().any(|a| {
                    matches!(a, ReferenceOr::Reference { reference: r }
                        if r.strip_prefix('#') == Some(pointer))
                })
            {
                let _ = reference;
                continue;
            }
            match self.object_shape_at_depth(part_schema, &part_pointer, depth + 1)? {
                Some(Shape::Struct {
                    properties: p,
                    required: r,
                }) => {
                    for (key, value) in p {
                        properties.entry(key).or_insert(value);
                    }
                    for key in r {
                        if !required.contains(&key) {
                            required.push(key);
                        }
                    }
                }
                Some(Shape::FreeForm) => {}
                _ => {
                    return Err(Error::at(
                        part_pointer,
                        "an `allOf` part must be an object with `properties`; other parts are not supported",
                    ));
                }
            }
        }
        let is_all_of = !all_of.is_empty();
        match (properties.is_empty(), additional) {
            (false, None | Some(AdditionalProperties::Any(false))) => Ok(Some(Shape::Struct {
                properties,
                required,
            })),
            (true, _) if is_all_of => Ok(Some(Shape::Struct {
                properties,
                required,
            })),
            (false, Some(_)) => Err(Error::at(
                join(pointer, "additionalProperties"),
                "an object with both `properties` and `additionalProperties` is not supported",
            )),
            (true, Some(AdditionalProperties::Schema(s))) => Ok(Some(Shape::Map(s.clone()))),
            (true, Some(AdditionalProperties::Any(true))) => Ok(Some(Shape::AnyMap)),
            (true, _) => Ok(Some(Shape::FreeForm)),
        }
    }
}

/// The `format`s of strings, which say nothing about a number or a boolean.
const STRING_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "duration",
    "uuid",
    "byte",
    "binary",
    "password",
    "email",
    "idn-email",
    "uri",
    "uri-reference",
    "hostname",
    "ipv4",
    "ipv6",
    "regex",
];

/// The shape of an object schema.
pub(super) enum Shape {
    /// Named properties (an `allOf` of objects merged into one).
    Struct {
        properties: indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: Vec<String>,
    },
    /// `additionalProperties` with a schema.
    Map(Box<ReferenceOr<Schema>>),
    /// Any object: `additionalProperties: true`, or no keyword at all.
    AnyMap,
    /// Any JSON: `type: object` with nothing else, or no keyword at all.
    FreeForm,
}

/// The field's type and serde attributes under the mode's rules (see the module docs).
pub(super) fn field_policy(base: Ty, required: bool, mode: Mode) -> (Ty, FieldSerde) {
    let base = match (mode, base) {
        (Mode::Response | Mode::Error, Ty::Map(value)) if is_plain_scalar(&value) => {
            Ty::Map(Box::new(Ty::Option(value)))
        }
        (_, other) => other,
    };
    let optional = FieldSerde {
        rename: false,
        default: false,
        null_as_default: false,
        skip_if_none: true,
    };
    match (mode, required, base) {
        (_, _, Ty::Option(inner)) => (
            Ty::Option(inner),
            FieldSerde {
                skip_if_none: !required || mode != Mode::Request,
                ..optional
            },
        ),
        (Mode::Error, _, ty) | (_, false, ty) => (Ty::Option(Box::new(ty)), optional),
        (Mode::Response, true, ty) if matches!(ty, Ty::Vec(_) | Ty::Map(_)) => (
            ty,
            FieldSerde {
                default: true,
                null_as_default: true,
                ..FieldSerde::default()
            },
        ),
        (_, true, ty) => (ty, FieldSerde::default()),
    }
}

pub(super) fn is_plain_scalar(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64
    )
}
