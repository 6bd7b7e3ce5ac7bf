//! Schemas: objects, scalars, arrays, maps and `allOf`, and how optional fields are read.

use super::*;
use std::borrow::Borrow;

impl<'a> Lowerer<'a> {
    // ----- schemas -----------------------------------------------------------------------

    pub(super) fn lower_component(
        &mut self,
        name: &str,
        schema: &Schema,
        pointer: &str,
        mode: Mode,
    ) -> Result<(), Error> {
        let doc = doc_or(schema.schema_data.description.as_deref(), || {
            format!("The `{name}` schema of the document.")
        });
        if let Some(values) = string_enum(schema, pointer)? {
            let def = enum_def(name.to_owned(), doc, &values);
            self.types.push(TypeDef::Enum(def));
            return Ok(());
        }
        if let Some((alternatives, discriminator, keyword)) = union_parts(schema) {
            return self.lower_union(
                name.to_owned(),
                doc,
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
            }) => self.lower_struct(name.to_owned(), doc, &properties, &required, pointer, mode),
            _ => {
                let ctx = Ctx {
                    parent: name,
                    field: String::new(),
                    pointer: pointer.to_owned(),
                    mode,
                };
                let index = self.types.len();
                let ty = self.schema_ty(schema, &ctx)?;
                self.types.insert(
                    index,
                    TypeDef::Alias(AliasDef {
                        name: name.to_owned(),
                        doc,
                        ty,
                    }),
                );
                Ok(())
            }
        }
    }

    pub(super) fn lower_struct(
        &mut self,
        name: String,
        doc: String,
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
        // Reserve the struct's place before the types lifted out of it.
        let index = self.types.len();
        let mut fields = Vec::new();
        let mut used = BTreeSet::new();
        for (wire, prop) in properties {
            let prop_pointer = join(&join(pointer, "properties"), wire);
            let ctx = Ctx {
                parent: &name,
                field: wire.clone(),
                pointer: prop_pointer.clone(),
                mode,
            };
            let base = self.ty_of(prop, &ctx)?;
            let is_required = required.iter().any(|r| r == wire);
            let field_doc = self.field_doc(prop, &prop_pointer, wire)?;
            let (ty, mut serde) = field_policy(base, is_required, mode);
            let rust_name = unique(naming::snake(wire), &mut used);
            serde.rename = naming::bare(&rust_name) != wire;
            fields.push(Field {
                name: rust_name,
                wire_name: wire.clone(),
                doc: field_doc,
                ty,
                serde,
            });
        }
        // A constructor where a struct literal would make the caller spell out `None`s (and
        // `Default` would not do).
        let constructor = !fields.iter().all(|f| f.ty.defaults_to_empty())
            && fields.iter().any(|f| matches!(f.ty, Ty::Option(_)));
        self.types.insert(
            index,
            TypeDef::Struct(StructDef {
                name,
                doc,
                fields,
                caps: Caps::default(),
                constructor,
                roles: Roles::default(),
            }),
        );
        Ok(())
    }

    pub(super) fn field_doc(
        &self,
        prop: &ReferenceOr<Box<Schema>>,
        pointer: &str,
        wire: &str,
    ) -> Result<String, Error> {
        let text = match prop {
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
        Ok(doc_or(text.as_deref(), || format!("The `{wire}` field.")))
    }

    /// The Rust type of a schema or a reference to one; `S` is `Schema` or, where openapiv3
    /// nests schemas (properties, array items), `Box<Schema>`.
    pub(super) fn ty_of<S: Borrow<Schema>>(
        &mut self,
        schema: &ReferenceOr<S>,
        ctx: &Ctx<'_>,
    ) -> Result<Ty, Error> {
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(Ty::Named(self.schema_name(reference, &ctx.pointer)?))
            }
            ReferenceOr::Item(schema) => self.schema_ty(schema.borrow(), ctx),
        }
    }

    /// The Rust type of an inline schema; lifts out enums and objects.
    pub(super) fn schema_ty(&mut self, schema: &Schema, ctx: &Ctx<'_>) -> Result<Ty, Error> {
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

    pub(super) fn schema_ty_inner(&mut self, schema: &Schema, ctx: &Ctx<'_>) -> Result<Ty, Error> {
        let pointer = &ctx.pointer;
        if let Some(values) = string_enum(schema, pointer)? {
            let placeholder = format!("\u{0}enum{}", self.inline_enums.len());
            self.inline_enums.push(InlineEnum {
                placeholder: placeholder.clone(),
                pointer: pointer.clone(),
                parent: ctx.parent.to_owned(),
                field: ctx.field.clone(),
                values: values.clone(),
                doc: doc_or(schema.schema_data.description.as_deref(), || {
                    format!("Values of `{}` in [`{}`].", ctx.field, ctx.parent)
                }),
            });
            self.types.push(TypeDef::Enum(enum_def(
                placeholder.clone(),
                String::new(),
                &values,
            )));
            return Ok(Ty::Named(placeholder));
        }
        // A union, alone or beside keywords that add nothing to it.
        if let Some((alternatives, discriminator, keyword)) = union_parts(schema) {
            let name = self.lifted_name(ctx)?;
            let doc = doc_or(schema.schema_data.description.as_deref(), || {
                format!("The `{}` alternatives of [`{}`].", ctx.field, ctx.parent)
            });
            self.lower_union(
                name.clone(),
                doc,
                alternatives,
                discriminator,
                keyword,
                pointer,
                ctx.mode,
            )?;
            return Ok(Ty::Named(name));
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
                    parent: ctx.parent,
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
                        let name = self.lifted_name(ctx)?;
                        let doc = doc_or(schema.schema_data.description.as_deref(), || {
                            format!("The `{}` object of [`{}`].", ctx.field, ctx.parent)
                        });
                        self.lower_struct(
                            name.clone(),
                            doc,
                            &properties,
                            &required,
                            pointer,
                            ctx.mode,
                        )?;
                        Ok(Ty::Named(name))
                    }
                    Some(Shape::Map(values)) => {
                        let value_ctx = Ctx {
                            parent: ctx.parent,
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

    /// The name of a type lifted out of `ctx` (`Parent` + `Field`), claimed for its node.
    pub(super) fn lifted_name(&mut self, ctx: &Ctx<'_>) -> Result<String, Error> {
        let name = naming::type_name(&format!(
            "{}{}",
            naming::bare(ctx.parent),
            naming::camel(&ctx.field)
        ));
        self.claim(&name, &ctx.pointer)?;
        Ok(name)
    }

    /// Records that the type `name` comes from `pointer`, or fails when another node has it.
    pub(super) fn claim(&mut self, name: &str, pointer: &str) -> Result<(), Error> {
        if let Some(first) = self.origins.get(name) {
            return Err(Error::at(
                pointer.to_owned(),
                format!(
                    "the inline schema here would be named `{name}`, which {first} already has"
                ),
            ));
        }
        self.origins.insert(name.to_owned(), pointer.to_owned());
        Ok(())
    }
}

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
