//! Stage 2: from openapiv3's model to the IR. Every policy decision lives here.
//!
//! # Type mapping
//!
//! | OpenAPI | Rust |
//! |---|---|
//! | `string` | `String` (formats `uuid`, `byte`, `password` and unknown ones included: a server value that does not match a format must not make an answer undecodable) |
//! | `string`, `format: date-time` | `chrono::DateTime<chrono::Utc>` |
//! | `string`, `format: date` | `chrono::NaiveDate` |
//! | `string` with `enum` | an open enum (unknown values kept) |
//! | `integer` `int32` / `int64` or none | `i32` / `i64` |
//! | `number` `float` / `double` or none | `f32` / `f64` |
//! | `boolean` | `bool` |
//! | `array` | `Vec<T>` |
//! | `object` with `additionalProperties: T` | `BTreeMap<String, T>` (ordered: the same value always gives the same JSON) |
//! | `object` with `properties` | a struct (inline ones lifted out and named `Parent` + `Field`) |
//! | `object` free-form, or no type at all | `serde_json::Value` |
//! | `nullable: true` | `Option<T>` |
//! | `allOf` of objects | one struct with the properties of every part (first definition of a repeated property wins, `required` joined); `allOf: [{$ref: X}]` alone is `X` |
//! | `oneOf` / `anyOf` | an enum, one variant an alternative (named after its schema, or after the kind of value); without a discriminator `#[serde(untagged)]`, with one a decoder that reads the property and keeps unknown values as JSON |
//! | a type that holds itself (directly or through others, not through `Vec` or a map) | `Box<T>` on the way round |
//!
//! # Optional and lenient fields
//!
//! Each schema is read in one of three modes, by where the operations use it:
//! - *request* (reachable from a request body): a required field is `T`, another one
//!   `Option<T>` left out of the JSON when `None`.
//! - *response* (reachable only from success answers): as request, but a required array or map
//!   that the server leaves out or sends as `null` decodes as empty, and the values of maps of
//!   scalars are `Option` (HubSpot sends `null` for a property without a value). Required
//!   scalars (ids, timestamps) stay strict: they are what the answer is about.
//! - *error* (reachable from an error answer, or named `…Error`): every field is `Option`, since
//!   HubSpot's own guidance is to treat every field of an error body as optional.
//!
//! # Enum names
//!
//! A component schema that is a string enum keeps its name. An inline enum is named after its
//! field (`status` gives `Status`); inline enums with the same field name and the same values
//! share one type. When that name is taken by a schema or by an enum with other values, every
//! such enum is named `Parent` + `Field` instead.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, IntegerFormat, MediaType, NumberFormat, OpenAPI, Parameter,
    ParameterSchemaOrContent, QueryStyle, ReferenceOr, RequestBody, Response, Schema, SchemaKind,
    StatusCode, StringFormat, Type, VariantOrUnknownOrEmpty,
};

use crate::error::{Error, join};
use crate::ir::*;
use crate::load::Document;
use crate::naming;

const SCHEMAS: &str = "#/components/schemas/";

/// How deep inline schemas may nest inside one another.
const MAX_DEPTH: usize = 32;

/// Builds the IR of a loaded document.
pub fn lower(doc: &Document) -> Result<Api, Error> {
    Lowerer::new(doc)?.run()
}

/// How a schema's fields are read (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Request,
    Response,
    Error,
}

/// Where a type is being lowered: names and pointer for whatever is lifted out of it.
#[derive(Debug, Clone)]
struct Ctx<'p> {
    parent: &'p str,
    field: String,
    pointer: String,
    mode: Mode,
}

/// An inline enum met during lowering, named once all are known.
#[derive(Debug)]
struct InlineEnum {
    placeholder: String,
    parent: String,
    field: String,
    values: Vec<String>,
    doc: String,
}

struct Lowerer<'a> {
    doc: &'a Document,
    api: &'a OpenAPI,
    /// Component schema key → Rust name.
    names: BTreeMap<String, String>,
    /// Component schema key → mode.
    modes: BTreeMap<String, Mode>,
    types: Vec<TypeDef>,
    /// Rust type name → pointer of the node it came from, to report clashes.
    origins: BTreeMap<String, String>,
    inline_enums: Vec<InlineEnum>,
    /// How many inline schemas deep `schema_ty` is.
    depth: usize,
}

impl<'a> Lowerer<'a> {
    fn new(doc: &'a Document) -> Result<Self, Error> {
        let api = &doc.api;
        let mut names = BTreeMap::new();
        let mut origins: BTreeMap<String, String> = BTreeMap::new();
        if let Some(components) = &api.components {
            for key in components.schemas.keys() {
                let name = naming::type_name(key);
                let pointer = join("/components/schemas", key);
                if let Some(first) = origins.get(&name) {
                    return Err(Error::at(
                        pointer,
                        format!(
                            "schema name `{key}` becomes the Rust name `{name}`, which {first} already has"
                        ),
                    ));
                }
                origins.insert(name.clone(), pointer);
                names.insert(key.clone(), name);
            }
        }
        Ok(Lowerer {
            doc,
            api,
            names,
            modes: BTreeMap::new(),
            types: Vec::new(),
            origins,
            inline_enums: Vec::new(),
            depth: 0,
        })
    }

    fn run(mut self) -> Result<Api, Error> {
        if self.api.paths.paths.is_empty() {
            return Err(Error::at("/paths", "the document has no operations"));
        }
        self.modes = self.compute_modes()?;
        if let Some(components) = &self.api.components {
            for (key, schema) in &components.schemas {
                let pointer = join("/components/schemas", key);
                let schema = match schema {
                    ReferenceOr::Item(s) => s,
                    ReferenceOr::Reference { reference } => {
                        let target = self.schema_name(reference, &pointer)?;
                        let name = self.names.get(key).cloned().unwrap_or_default();
                        self.types.push(TypeDef::Alias(AliasDef {
                            doc: format!("Another name for [`{target}`]."),
                            name,
                            ty: Ty::Named(target),
                        }));
                        continue;
                    }
                };
                let mode = self.modes.get(key).copied().unwrap_or(Mode::Request);
                let name = self.names.get(key).cloned().unwrap_or_default();
                self.lower_component(&name, schema, &pointer, mode)?;
            }
        }
        let operations = self.lower_operations()?;
        let mut api = Api {
            title: self.api.info.title.clone(),
            version: self.api.info.version.clone(),
            default_base_url: self
                .api
                .servers
                .first()
                .map(|s| s.url.trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            types: std::mem::take(&mut self.types),
            operations,
        };
        self.name_inline_enums(&mut api)?;
        box_recursion(&mut api.types, &self.origins)?;
        finish_derives(&mut api.types);
        Ok(api)
    }

    // ----- modes -------------------------------------------------------------------------

    /// Which component schemas are reached from requests, success answers and error answers.
    fn compute_modes(&self) -> Result<BTreeMap<String, Mode>, Error> {
        let mut request = BTreeSet::new();
        let mut response = BTreeSet::new();
        let mut error = BTreeSet::new();
        for (path, _, method, op) in self.operations_iter() {
            let pointer = op_pointer(path, method);
            if let Some(body) = &op.request_body {
                let body = self.resolve_request_body(body, &join(&pointer, "requestBody"))?;
                for media in body.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, &mut request);
                    }
                }
            }
            for (code, resp) in &op.responses.responses {
                let at = join(&join(&pointer, "responses"), &code.to_string());
                let resp = self.resolve_response(resp, &at)?;
                let set = if is_success(code) {
                    &mut response
                } else {
                    &mut error
                };
                for media in resp.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, set);
                    }
                }
            }
            if let Some(resp) = &op.responses.default {
                let resp = self.resolve_response(resp, &join(&pointer, "responses/default"))?;
                for media in resp.content.values() {
                    if let Some(s) = &media.schema {
                        self.reach(s, &mut error);
                    }
                }
            }
        }
        // A schema named `…Error` describes an error wherever it appears (207 `errors`).
        if let Some(components) = &self.api.components {
            for key in components.schemas.keys() {
                if key.ends_with("Error") {
                    let r = ReferenceOr::Reference {
                        reference: format!("{SCHEMAS}{key}"),
                    };
                    self.reach(&r, &mut error);
                }
            }
        }
        let mut modes = BTreeMap::new();
        for key in self.names.keys() {
            let mode = if request.contains(key) {
                Mode::Request
            } else if error.contains(key) {
                Mode::Error
            } else if response.contains(key) {
                Mode::Response
            } else {
                Mode::Request
            };
            modes.insert(key.clone(), mode);
        }
        Ok(modes)
    }

    /// Adds every component schema reachable from `schema` to `seen`.
    fn reach(&self, schema: &ReferenceOr<Schema>, seen: &mut BTreeSet<String>) {
        match schema {
            ReferenceOr::Reference { reference } => {
                let Some(key) = reference.strip_prefix(SCHEMAS) else {
                    return;
                };
                if !seen.insert(key.to_owned()) {
                    return;
                }
                if let Some(target) = self
                    .api
                    .components
                    .as_ref()
                    .and_then(|c| c.schemas.get(key))
                {
                    self.reach(target, seen);
                }
            }
            ReferenceOr::Item(schema) => {
                for child in children(schema) {
                    self.reach(&child, seen);
                }
            }
        }
    }

    // ----- schemas -----------------------------------------------------------------------

    fn lower_component(
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

    fn lower_struct(
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
            let base = self.ty_of_boxed(prop, &ctx)?;
            let is_required = required.iter().any(|r| r == wire);
            let field_doc = self.field_doc(prop, &prop_pointer, wire)?;
            let (ty, serde) = field_policy(base, is_required, mode);
            let rust_name = unique(naming::snake(wire), &mut used);
            fields.push(Field {
                name: rust_name,
                wire_name: wire.clone(),
                doc: field_doc,
                ty,
                serde,
            });
        }
        let derive_default = fields.iter().all(|f| f.ty.defaults_to_empty());
        // A constructor where a struct literal would make the caller spell out `None`s.
        let constructor = !derive_default && fields.iter().any(|f| matches!(f.ty, Ty::Option(_)));
        self.types.insert(
            index,
            TypeDef::Struct(StructDef {
                name,
                doc,
                fields,
                derive_default,
                derive_eq: false,
                constructor,
            }),
        );
        Ok(())
    }

    fn field_doc(
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

    fn ty_of_boxed(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        ctx: &Ctx<'_>,
    ) -> Result<Ty, Error> {
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(Ty::Named(self.schema_name(reference, &ctx.pointer)?))
            }
            ReferenceOr::Item(schema) => self.schema_ty(schema, ctx),
        }
    }

    fn ty_of(&mut self, schema: &ReferenceOr<Schema>, ctx: &Ctx<'_>) -> Result<Ty, Error> {
        match schema {
            ReferenceOr::Reference { reference } => {
                Ok(Ty::Named(self.schema_name(reference, &ctx.pointer)?))
            }
            ReferenceOr::Item(schema) => self.schema_ty(schema, ctx),
        }
    }

    /// The Rust type of an inline schema; lifts out enums and objects.
    fn schema_ty(&mut self, schema: &Schema, ctx: &Ctx<'_>) -> Result<Ty, Error> {
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

    fn schema_ty_inner(&mut self, schema: &Schema, ctx: &Ctx<'_>) -> Result<Ty, Error> {
        let pointer = &ctx.pointer;
        if let Some(values) = string_enum(schema, pointer)? {
            let placeholder = format!("\u{0}enum{}", self.inline_enums.len());
            self.inline_enums.push(InlineEnum {
                placeholder: placeholder.clone(),
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
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => Ok(match &s.format {
                VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => Ty::DateTime,
                VariantOrUnknownOrEmpty::Item(StringFormat::Date) => Ty::Date,
                VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => {
                    return Err(Error::at(
                        pointer.clone(),
                        "`format: binary` is not supported: the client sends and reads JSON only",
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
                Ok(Ty::Vec(Box::new(self.ty_of_boxed(items, &item_ctx)?)))
            }
            SchemaKind::AllOf { all_of }
                if all_of.len() == 1 && matches!(all_of[0], ReferenceOr::Reference { .. }) =>
            {
                // `allOf: [{$ref: X}]` is how a document gives a `$ref` its own description.
                self.ty_of(&all_of[0], ctx)
            }
            SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => {
                let Some((alternatives, discriminator, keyword)) = union_parts(schema) else {
                    return Err(unsupported(pointer, "oneOf"));
                };
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
                Ok(Ty::Named(name))
            }
            SchemaKind::Type(Type::Object(_)) | SchemaKind::Any(_) | SchemaKind::AllOf { .. } => {
                if let SchemaKind::Any(any) = &schema.schema_kind
                    && (!any.one_of.is_empty() || !any.any_of.is_empty() || any.not.is_some())
                {
                    return Err(Error::at(
                        pointer.clone(),
                        "`oneOf`, `anyOf` or `not` mixed with other keywords is not supported",
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
        }
    }

    /// Lowers a `oneOf`/`anyOf` into a union named `name`, placed before the types lifted out
    /// of its alternatives.
    #[allow(clippy::too_many_arguments)]
    fn lower_union(
        &mut self,
        name: String,
        doc: String,
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
        let index = self.types.len();
        let mut variants = Vec::new();
        let mut used = BTreeSet::new();
        for (i, alternative) in alternatives.iter().enumerate() {
            let alt_pointer = format!("{pointer}/{keyword}/{i}");
            let ctx = Ctx {
                parent: &name,
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
            let variant = unique_camel(variant_name(&ty), &mut used);
            variants.push(UnionVariant {
                name: variant,
                ty,
                tags,
            });
        }
        let discriminator = discriminator.map(|d| Discriminator {
            property: d.property_name.clone(),
            other_variant: unique_camel("Other".to_owned(), &mut used),
        });
        self.types.insert(
            index,
            TypeDef::Union(UnionDef {
                name,
                doc,
                variants,
                discriminator,
            }),
        );
        Ok(())
    }

    /// The shape of an object schema, `None` when it is not one. An `allOf` of objects (given
    /// inline or by `$ref`) merges into one struct: properties in order, the first definition
    /// of a repeated property kept, `required` lists joined.
    fn object_shape(&self, schema: &Schema, pointer: &str) -> Result<Option<Shape>, Error> {
        self.object_shape_at_depth(schema, pointer, 0)
    }

    fn object_shape_at_depth(
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
    fn lifted_name(&mut self, ctx: &Ctx<'_>) -> Result<String, Error> {
        let name = naming::type_name(&format!(
            "{}{}",
            naming::bare(ctx.parent),
            naming::camel(&ctx.field)
        ));
        self.claim(&name, &ctx.pointer)?;
        Ok(name)
    }

    /// Records that the type `name` comes from `pointer`, or fails when another node has it.
    fn claim(&mut self, name: &str, pointer: &str) -> Result<(), Error> {
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

    fn schema_name(&self, reference: &str, pointer: &str) -> Result<String, Error> {
        let key = reference.strip_prefix(SCHEMAS).ok_or_else(|| {
            Error::at(
                pointer.to_owned(),
                format!("`$ref: {reference}` must point into #/components/schemas/"),
            )
        })?;
        let key = unescape(key);
        self.names.get(&key).cloned().ok_or_else(|| {
            Error::at(
                pointer.to_owned(),
                format!("`$ref: {reference}` points at a schema that does not exist"),
            )
        })
    }

    fn component(&self, reference: &str, pointer: &str) -> Result<&'a Schema, Error> {
        let name_err = || {
            Error::at(
                pointer.to_owned(),
                format!("`$ref: {reference}` points at a schema that does not exist"),
            )
        };
        let key = reference.strip_prefix(SCHEMAS).ok_or_else(name_err)?;
        let mut key = unescape(key);
        let schemas = &self.api.components.as_ref().ok_or_else(name_err)?.schemas;
        // Follow a chain of schema-to-schema references, refusing a loop.
        for _ in 0..32 {
            match schemas.get(&key).ok_or_else(name_err)? {
                ReferenceOr::Item(schema) => return Ok(schema),
                ReferenceOr::Reference { reference } => {
                    key = unescape(reference.strip_prefix(SCHEMAS).ok_or_else(name_err)?);
                }
            }
        }
        Err(Error::at(
            pointer.to_owned(),
            format!("`$ref: {reference}` is a loop of references"),
        ))
    }

    // ----- inline enums ------------------------------------------------------------------

    fn name_inline_enums(&mut self, api: &mut Api) -> Result<(), Error> {
        // Group by field name; a group shares one type per distinct value list.
        let mut by_field: BTreeMap<String, Vec<&InlineEnum>> = BTreeMap::new();
        for e in &self.inline_enums {
            by_field
                .entry(naming::type_name(&e.field))
                .or_default()
                .push(e);
        }
        let mut rename: BTreeMap<String, String> = BTreeMap::new();
        let mut docs: BTreeMap<String, String> = BTreeMap::new();
        let mut drop: BTreeSet<String> = BTreeSet::new();
        let taken: BTreeSet<String> = self.origins.keys().cloned().collect();
        for (short, group) in by_field {
            let distinct: BTreeSet<&Vec<String>> = group.iter().map(|e| &e.values).collect();
            let contested = distinct.len() > 1 || taken.contains(&short);
            let mut first_of: BTreeMap<String, String> = BTreeMap::new();
            for e in group {
                let name = if contested {
                    naming::type_name(&format!(
                        "{}{}",
                        naming::bare(&e.parent),
                        naming::camel(&e.field)
                    ))
                } else {
                    short.clone()
                };
                let key = format!("{name}\u{0}{}", e.values.join("\u{0}"));
                match first_of.get(&key) {
                    Some(_) => {
                        drop.insert(e.placeholder.clone());
                    }
                    None => {
                        first_of.insert(key, e.placeholder.clone());
                        docs.insert(e.placeholder.clone(), e.doc.clone());
                    }
                }
                rename.insert(e.placeholder.clone(), name);
            }
        }
        api.types.retain(|t| !drop.contains(t.name()));
        for t in &mut api.types {
            if let TypeDef::Enum(e) = t {
                if let Some(doc) = docs.get(&e.name) {
                    e.doc = doc.clone();
                }
                if let Some(name) = rename.get(&e.name) {
                    e.name = name.clone();
                }
            }
        }
        rename_types(api, &rename);
        // Every type name must now be unique.
        let mut seen = BTreeSet::new();
        for t in &api.types {
            if !seen.insert(t.name().to_owned()) {
                return Err(Error::msg(format!(
                    "two types of the document would both be named `{}`; rename one schema",
                    t.name()
                )));
            }
        }
        Ok(())
    }

    // ----- operations --------------------------------------------------------------------

    fn operations_iter(
        &self,
    ) -> Vec<(
        &'a str,
        &'a openapiv3::PathItem,
        HttpMethod,
        &'a openapiv3::Operation,
    )> {
        let mut out = Vec::new();
        for (path, item) in &self.api.paths.paths {
            let ReferenceOr::Item(item) = item else {
                continue;
            };
            let methods = [
                (HttpMethod::Get, &item.get),
                (HttpMethod::Put, &item.put),
                (HttpMethod::Post, &item.post),
                (HttpMethod::Delete, &item.delete),
                (HttpMethod::Options, &item.options),
                (HttpMethod::Head, &item.head),
                (HttpMethod::Patch, &item.patch),
                (HttpMethod::Trace, &item.trace),
            ];
            for (method, op) in methods {
                if let Some(op) = op {
                    out.push((path.as_str(), item, method, op));
                }
            }
        }
        out
    }

    fn lower_operations(&mut self) -> Result<Vec<Operation>, Error> {
        for (path, item) in &self.api.paths.paths {
            if let ReferenceOr::Reference { .. } = item {
                return Err(Error::at(
                    join("/paths", path),
                    "a `$ref` path item is not supported",
                ));
            }
        }
        let all = self.operations_iter();
        let namer = naming::MethodNamer::new(all.iter().map(|(p, ..)| *p));
        // Names, with rule 4 for the ones two operations share.
        let base: Vec<String> = all.iter().map(|(p, _, m, _)| namer.name(p, *m)).collect();
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for n in &base {
            *count.entry(n.as_str()).or_default() += 1;
        }
        let names: Vec<String> = base
            .iter()
            .zip(&all)
            .map(|(n, (_, _, m, _))| {
                if count.get(n.as_str()).copied().unwrap_or(0) > 1 {
                    naming::snake(&format!("{}_{}", naming::verb_prefix(*m), naming::bare(n)))
                } else {
                    n.clone()
                }
            })
            .collect();
        let mut first: BTreeMap<&str, (String, &str)> = BTreeMap::new();
        for ((name, base), (path, _, method, _)) in names.iter().zip(&base).zip(&all) {
            let here = op_pointer(path, *method);
            if let Some((other, other_base)) = first.get(name.as_str()) {
                return Err(Error::at(
                    here,
                    format!(
                        "this operation and the one at {other} would both be the method `{}`; the naming rule cannot tell them apart",
                        if base == other_base {
                            base.as_str()
                        } else {
                            name.as_str()
                        }
                    ),
                ));
            }
            first.insert(name, (here, base));
        }
        let mut ops = Vec::new();
        for (name, (path, item, method, op)) in names.into_iter().zip(all) {
            ops.push(self.lower_operation(name, path, item, method, op)?);
        }
        Ok(ops)
    }

    fn lower_operation(
        &mut self,
        method_name: String,
        path: &str,
        item: &openapiv3::PathItem,
        method: HttpMethod,
        op: &openapiv3::Operation,
    ) -> Result<Operation, Error> {
        let pointer = op_pointer(path, method);
        let operation_id = op
            .operation_id
            .clone()
            .ok_or_else(|| Error::at(pointer.clone(), "the operation has no operationId"))?;
        let type_base = naming::camel(naming::bare(&method_name));

        // Parameters: the path item's, overridden by the operation's of the same name and place.
        let mut params: Vec<(String, &Parameter)> = Vec::new();
        for (i, p) in item.parameters.iter().enumerate() {
            let at = format!("{}/parameters/{i}", join("/paths", path));
            params.push((at.clone(), self.resolve_parameter(p, &at)?));
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let at = format!("{pointer}/parameters/{i}");
            let p = self.resolve_parameter(p, &at)?;
            params.retain(|(_, q)| !same_param(q, p));
            params.push((at, p));
        }

        let mut used = BTreeSet::from(["body".to_owned(), "params".to_owned()]);
        let mut path_params = Vec::new();
        let mut query_fields = Vec::new();
        let mut query_used = BTreeSet::new();
        for (at, p) in &params {
            match p {
                Parameter::Path { parameter_data, .. } => {
                    let ty = self.param_ty(parameter_data, &at.clone(), &type_base)?;
                    if !matches!(
                        ty,
                        Ty::String | Ty::I32 | Ty::I64 | Ty::Bool | Ty::F32 | Ty::F64
                    ) {
                        return Err(Error::at(
                            at.clone(),
                            "a path parameter must be a string, number or boolean",
                        ));
                    }
                    path_params.push(PathParam {
                        name: unique(naming::snake(&parameter_data.name), &mut used),
                        wire_name: parameter_data.name.clone(),
                        ty,
                        doc: doc_or(parameter_data.description.as_deref(), || {
                            format!("The `{}` path parameter.", parameter_data.name)
                        }),
                    });
                }
                Parameter::Query {
                    parameter_data,
                    style,
                    allow_reserved,
                    ..
                } => {
                    if !matches!(style, QueryStyle::Form) {
                        return Err(Error::at(
                            at.clone(),
                            "only `style: form` query parameters are supported",
                        ));
                    }
                    if *allow_reserved {
                        return Err(Error::at(
                            at.clone(),
                            "`allowReserved: true` is not supported",
                        ));
                    }
                    let base = self.param_ty(parameter_data, at, &type_base)?;
                    let repeated = match &base {
                        Ty::Vec(inner) if is_scalar(inner) => true,
                        Ty::Vec(_) => {
                            return Err(Error::at(
                                at.clone(),
                                "an array query parameter must hold strings, numbers or booleans",
                            ));
                        }
                        t if is_scalar(t) => false,
                        _ => {
                            return Err(Error::at(
                                at.clone(),
                                "a query parameter must be a scalar or an array of scalars",
                            ));
                        }
                    };
                    if repeated && parameter_data.explode == Some(false) {
                        return Err(Error::at(
                            at.clone(),
                            "an array query parameter with `explode: false` is not supported",
                        ));
                    }
                    let required = parameter_data.required;
                    query_fields.push(QueryParam {
                        name: unique(naming::snake(&parameter_data.name), &mut query_used),
                        wire_name: parameter_data.name.clone(),
                        doc: doc_or(parameter_data.description.as_deref(), || {
                            format!("The `{}` query parameter.", parameter_data.name)
                        }),
                        ty: if required {
                            base
                        } else {
                            Ty::Option(Box::new(base))
                        },
                        required,
                        repeated,
                    });
                }
                Parameter::Header { parameter_data, .. }
                | Parameter::Cookie { parameter_data, .. } => {
                    return Err(Error::at(
                        at.clone(),
                        format!(
                            "parameter `{}`: header and cookie parameters are not supported",
                            parameter_data.name
                        ),
                    ));
                }
            }
        }

        // The path template, checked against the path parameters.
        let mut path_parts = Vec::new();
        let mut literal = String::new();
        let mut in_template = BTreeSet::new();
        for segment in path.split('/').skip(1) {
            literal.push('/');
            match naming::segments(segment).first() {
                Some(naming::Segment::Param(name))
                    if segment.starts_with('{') && segment.ends_with('}') =>
                {
                    let param = path_params.iter().find(|p| p.wire_name == *name).ok_or_else(|| {
                        Error::at(pointer.clone(), format!("the path names `{{{name}}}` but no path parameter `{name}` is declared"))
                    })?;
                    in_template.insert(param.wire_name.clone());
                    path_parts.push(PathPart::Literal(std::mem::take(&mut literal)));
                    path_parts.push(PathPart::Param(param.name.clone()));
                }
                _ if segment.contains('{') => {
                    return Err(Error::at(
                        pointer.clone(),
                        format!(
                            "the path segment `{segment}` mixes text and a parameter; that is not supported"
                        ),
                    ));
                }
                _ => literal.push_str(segment),
            }
        }
        if !literal.is_empty() {
            path_parts.push(PathPart::Literal(literal));
        }
        path_parts.retain(|p| !matches!(p, PathPart::Literal(l) if l.is_empty()));
        if let Some(p) = path_params
            .iter()
            .find(|p| !in_template.contains(&p.wire_name))
        {
            return Err(Error::at(
                pointer.clone(),
                format!("path parameter `{}` is not in the path", p.wire_name),
            ));
        }
        // Path parameters in the order of the path.
        path_params.sort_by_key(|p| {
            path_parts
                .iter()
                .position(|part| matches!(part, PathPart::Param(n) if *n == p.name))
        });

        let query = if query_fields.is_empty() {
            None
        } else {
            let derive_default = query_fields.iter().all(|q| !q.required);
            Some(ParamsStruct {
                name: format!("{type_base}Params"),
                doc: format!(
                    "Query parameters of [`Client::{method_name}`](crate::Client::{method_name})."
                ),
                fields: query_fields,
                derive_default,
            })
        };

        let body = match &op.request_body {
            None => None,
            Some(body) => {
                let at = join(&pointer, "requestBody");
                let body = self.resolve_request_body(body, &at)?;
                let (media, media_at) = json_media(&body.content, &at)?.ok_or_else(|| {
                    Error::at(
                        at.clone(),
                        "the request body has no JSON content (application/json)",
                    )
                })?;
                let schema = media
                    .schema
                    .as_ref()
                    .ok_or_else(|| Error::at(media_at.clone(), "the request body has no schema"))?;
                let ctx = Ctx {
                    parent: &type_base,
                    field: "Request".to_owned(),
                    pointer: join(&media_at, "schema"),
                    mode: Mode::Request,
                };
                let ty = self.ty_of(schema, &ctx)?;
                Some(Body {
                    ty,
                    required: body.required,
                    doc: doc_or(body.description.as_deref(), || {
                        "The request body.".to_owned()
                    }),
                })
            }
        };

        // Answers.
        let mut successes = Vec::new();
        let mut error_ty: Option<Ty> = None;
        for (code, resp) in &op.responses.responses {
            let at = join(&join(&pointer, "responses"), &code.to_string());
            let status = match code {
                StatusCode::Code(c) => *c,
                StatusCode::Range(2) => {
                    return Err(Error::at(
                        at,
                        "a `2XX` range response is not supported; list the statuses",
                    ));
                }
                // `4XX`/`5XX` describe errors like any status of their range.
                StatusCode::Range(r) => r.saturating_mul(100),
            };
            let resp = self.resolve_response(resp, &at)?;
            if (200..300).contains(&status) {
                let ty = self.response_ty(
                    resp,
                    &at,
                    &type_base,
                    &naming::status_variant(status),
                    Mode::Response,
                )?;
                successes.push(SuccessResponse {
                    status,
                    ty,
                    doc: doc_or(Some(resp.description.as_str()), || {
                        format!("The {status} answer.")
                    }),
                });
            } else if status >= 400 && error_ty.is_none() && op.responses.default.is_none() {
                error_ty = self.response_ty(resp, &at, &type_base, "Error", Mode::Error)?;
            }
        }
        if let Some(resp) = &op.responses.default {
            let at = join(&join(&pointer, "responses"), "default");
            let resp = self.resolve_response(resp, &at)?;
            error_ty = self.response_ty(resp, &at, &type_base, "Error", Mode::Error)?;
        }
        if successes.is_empty() {
            return Err(Error::at(
                join(&pointer, "responses"),
                "the operation has no 2xx response",
            ));
        }
        successes.sort_by_key(|s| s.status);
        let success = if successes.len() == 1 {
            Success::Single(successes.remove(0))
        } else {
            Success::Multi {
                enum_name: format!("{type_base}Response"),
                doc: format!(
                    "The success answers of [`Client::{method_name}`](crate::Client::{method_name}), one variant a status."
                ),
                variants: successes
                    .into_iter()
                    .map(|s| (naming::status_variant(s.status), s))
                    .collect(),
            }
        };

        let mut doc = String::new();
        if let Some(summary) = op
            .summary
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            doc.push_str(summary);
        }
        if let Some(description) = op
            .description
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if !doc.is_empty() {
                doc.push_str("\n\n");
            }
            doc.push_str(description);
        }
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&format!(
            "`{} {path}` (operationId `{operation_id}`).",
            method.as_str()
        ));
        let repeat = repeat_safety(method, path);
        let rate_class = rate_class(path);
        doc.push_str(match repeat {
            Repeat::Safe => {
                "\n\nSafe to repeat: after a timeout, a broken connection or a 502, 503 or 504 \
                 the client sends it again, within its retry policy."
            }
            Repeat::Unsafe => {
                "\n\nNot safe to repeat: HubSpot may have applied a request whose answer was \
                 lost, so after a timeout, a broken connection or a 502, 503 or 504 the client \
                 returns the error instead of sending it again, unless \
                 [`RetryPolicy::retry_unsafe`](crate::RetryPolicy::retry_unsafe) is set. \
                 A 429 is always retried: HubSpot did not process the request."
            }
        });
        if rate_class == RateClass::Search {
            doc.push_str(" Counts against HubSpot's separate, lower limit for search requests.");
        }
        if !path_params.is_empty() {
            doc.push_str("\n\n# Arguments\n");
            for p in &path_params {
                doc.push_str(&format!("\n- `{}`: {}", naming::bare(&p.name), p.doc));
            }
            if let Some(b) = &body {
                doc.push_str(&format!("\n- `body`: {}", b.doc));
            }
        }

        Ok(Operation {
            method_name,
            operation_id,
            http_method: method,
            path: path.to_owned(),
            path_parts,
            doc,
            path_params,
            query,
            body,
            success,
            error_ty: error_ty.unwrap_or(Ty::Json),
            repeat,
            rate_class,
        })
    }

    fn param_ty(
        &mut self,
        data: &openapiv3::ParameterData,
        at: &str,
        type_base: &str,
    ) -> Result<Ty, Error> {
        match &data.format {
            ParameterSchemaOrContent::Schema(schema) => {
                let ctx = Ctx {
                    parent: type_base,
                    field: data.name.clone(),
                    pointer: join(at, "schema"),
                    mode: Mode::Request,
                };
                self.ty_of(schema, &ctx)
            }
            ParameterSchemaOrContent::Content(_) => Err(Error::at(
                at.to_owned(),
                "a parameter with `content` is not supported; use `schema`",
            )),
        }
    }

    fn response_ty(
        &mut self,
        resp: &Response,
        at: &str,
        type_base: &str,
        what: &str,
        mode: Mode,
    ) -> Result<Option<Ty>, Error> {
        if resp.content.is_empty() {
            return Ok(None);
        }
        let Some((media, media_at)) = json_media(&resp.content, at)? else {
            let types: Vec<&str> = resp.content.keys().map(String::as_str).collect();
            return Err(Error::at(
                at.to_owned(),
                format!(
                    "the answer's content types ({}) are not JSON; only JSON answers are supported",
                    types.join(", ")
                ),
            ));
        };
        let Some(schema) = &media.schema else {
            return Ok(Some(Ty::Json));
        };
        let ctx = Ctx {
            parent: type_base,
            field: what.to_owned(),
            pointer: join(&media_at, "schema"),
            mode,
        };
        self.ty_of(schema, &ctx).map(Some)
    }

    fn resolve_parameter(
        &self,
        p: &'a ReferenceOr<Parameter>,
        at: &str,
    ) -> Result<&'a Parameter, Error> {
        match p {
            ReferenceOr::Item(p) => Ok(p),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/parameters/")
                    .map(unescape);
                key.and_then(|k| self.api.components.as_ref()?.parameters.get(&k))
                    .and_then(|p| match p {
                        ReferenceOr::Item(p) => Some(p),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .ok_or_else(|| Error::at(at.to_owned(), format!("`$ref: {reference}` does not point at a parameter in #/components/parameters/")))
            }
        }
    }

    fn resolve_request_body(
        &self,
        b: &'a ReferenceOr<RequestBody>,
        at: &str,
    ) -> Result<&'a RequestBody, Error> {
        match b {
            ReferenceOr::Item(b) => Ok(b),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/requestBodies/")
                    .map(unescape);
                key.and_then(|k| self.api.components.as_ref()?.request_bodies.get(&k))
                    .and_then(|b| match b {
                        ReferenceOr::Item(b) => Some(b),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .ok_or_else(|| Error::at(at.to_owned(), format!("`$ref: {reference}` does not point at a request body in #/components/requestBodies/")))
            }
        }
    }

    fn resolve_response(
        &self,
        r: &'a ReferenceOr<Response>,
        at: &str,
    ) -> Result<&'a Response, Error> {
        match r {
            ReferenceOr::Item(r) => Ok(r),
            ReferenceOr::Reference { reference } => {
                let key = reference
                    .strip_prefix("#/components/responses/")
                    .map(unescape);
                key.and_then(|k| self.api.components.as_ref()?.responses.get(&k))
                    .and_then(|r| match r {
                        ReferenceOr::Item(r) => Some(r),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .ok_or_else(|| Error::at(at.to_owned(), format!("`$ref: {reference}` does not point at a response in #/components/responses/")))
            }
        }
    }
}

// ----- helpers ---------------------------------------------------------------------------

fn unsupported(pointer: &str, keyword: &str) -> Error {
    Error::at(pointer.to_owned(), format!("`{keyword}` is not supported"))
}

fn op_pointer(path: &str, method: HttpMethod) -> String {
    join(&join("/paths", path), &method.as_str().to_ascii_lowercase())
}

fn is_success(code: &StatusCode) -> bool {
    match code {
        StatusCode::Code(c) => (200..300).contains(c),
        StatusCode::Range(r) => *r == 2,
    }
}

fn is_scalar(ty: &Ty) -> bool {
    match ty {
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64 | Ty::DateTime | Ty::Date => {
            true
        }
        // Enums are the only named types a scalar position accepts (they print as strings).
        Ty::Named(n) => n.starts_with('\u{0}'),
        _ => false,
    }
}

fn same_param(a: &Parameter, b: &Parameter) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
        && a.parameter_data_ref().name == b.parameter_data_ref().name
}

/// Decodes `~1` and `~0` in a reference's last part.
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// The JSON media type of a content map: `application/json` (with parameters), `*+json`, or
/// `*/*` (HubSpot's shared error answer).
fn json_media<'m>(
    content: &'m indexmap::IndexMap<String, MediaType>,
    at: &str,
) -> Result<Option<(&'m MediaType, String)>, Error> {
    let content_at = join(at, "content");
    let pick = content.iter().find(|(k, _)| {
        let base = k
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        base == "application/json" || base.ends_with("+json")
    });
    let pick = pick.or_else(|| content.iter().find(|(k, _)| k.trim() == "*/*"));
    Ok(pick.map(|(k, m)| (m, join(&content_at, k))))
}

fn doc_or(text: Option<&str>, fallback: impl FnOnce() -> String) -> String {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_owned(),
        None => fallback(),
    }
}

/// `name`, or `name_2`, `name_3`… when an earlier field took it.
fn unique(name: String, used: &mut BTreeSet<String>) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    let base = naming::bare(&name).to_owned();
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or(name)
}

/// The shape of an object schema.
enum Shape {
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

/// The values of a string enum schema, `None` when it is not one.
fn string_enum(schema: &Schema, pointer: &str) -> Result<Option<Vec<String>>, Error> {
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

fn enum_def(name: String, doc: String, values: &[String]) -> EnumDef {
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
        name,
        doc,
        variants,
        other_variant,
    }
}

/// The field's type and serde attributes under the mode's rules (see the module docs).
fn field_policy(base: Ty, required: bool, mode: Mode) -> (Ty, FieldSerde) {
    let base = match (mode, base) {
        (Mode::Response | Mode::Error, Ty::Map(value)) if is_plain_scalar(&value) => {
            Ty::Map(Box::new(Ty::Option(value)))
        }
        (_, other) => other,
    };
    let optional = FieldSerde {
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
                skip_if_none: false,
            },
        ),
        (_, true, ty) => (ty, FieldSerde::default()),
    }
}

fn is_plain_scalar(ty: &Ty) -> bool {
    matches!(
        ty,
        Ty::String | Ty::Bool | Ty::I32 | Ty::I64 | Ty::F32 | Ty::F64
    )
}

/// The direct child schemas of an inline schema.
fn children(schema: &Schema) -> Vec<ReferenceOr<Schema>> {
    let unbox = |r: &ReferenceOr<Box<Schema>>| match r {
        ReferenceOr::Reference { reference } => ReferenceOr::Reference {
            reference: reference.clone(),
        },
        ReferenceOr::Item(s) => ReferenceOr::Item((**s).clone()),
    };
    let mut out = Vec::new();
    let mut object = |props: &indexmap::IndexMap<String, ReferenceOr<Box<Schema>>>,
                      extra: &Option<AdditionalProperties>,
                      items: Option<&ReferenceOr<Box<Schema>>>| {
        out.extend(props.values().map(unbox));
        if let Some(AdditionalProperties::Schema(s)) = extra {
            out.push((**s).clone());
        }
        if let Some(items) = items {
            out.push(unbox(items));
        }
    };
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => object(&o.properties, &o.additional_properties, None),
        SchemaKind::Type(Type::Array(a)) => {
            object(&indexmap::IndexMap::new(), &None, a.items.as_ref())
        }
        SchemaKind::Any(a) => {
            object(&a.properties, &a.additional_properties, a.items.as_ref());
            out.extend(a.all_of.iter().chain(&a.one_of).chain(&a.any_of).cloned());
            if let Some(not) = &a.not {
                out.push((**not).clone());
            }
        }
        SchemaKind::AllOf { all_of: v }
        | SchemaKind::OneOf { one_of: v }
        | SchemaKind::AnyOf { any_of: v } => out.extend(v.iter().cloned()),
        SchemaKind::Not { not } => out.push((**not).clone()),
        SchemaKind::Type(_) => {}
    }
    out
}

fn rename_ty(ty: &mut Ty, rename: &BTreeMap<String, String>) {
    match ty {
        Ty::Named(n) => {
            if let Some(new) = rename.get(n) {
                *n = new.clone();
            }
        }
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
            rename_ty(inner, rename)
        }
        _ => {}
    }
}

fn rename_types(api: &mut Api, rename: &BTreeMap<String, String>) {
    for t in &mut api.types {
        match t {
            TypeDef::Struct(s) => s
                .fields
                .iter_mut()
                .for_each(|f| rename_ty(&mut f.ty, rename)),
            TypeDef::Alias(a) => rename_ty(&mut a.ty, rename),
            TypeDef::Union(u) => u
                .variants
                .iter_mut()
                .for_each(|v| rename_ty(&mut v.ty, rename)),
            TypeDef::Enum(_) => {}
        }
    }
    for op in &mut api.operations {
        op.path_params
            .iter_mut()
            .for_each(|p| rename_ty(&mut p.ty, rename));
        if let Some(q) = &mut op.query {
            q.fields
                .iter_mut()
                .for_each(|f| rename_ty(&mut f.ty, rename));
        }
        if let Some(b) = &mut op.body {
            rename_ty(&mut b.ty, rename);
        }
        rename_ty(&mut op.error_ty, rename);
        match &mut op.success {
            Success::Single(s) => s.ty.iter_mut().for_each(|t| rename_ty(t, rename)),
            Success::Multi { variants, .. } => {
                for (_, s) in variants {
                    s.ty.iter_mut().for_each(|t| rename_ty(t, rename));
                }
            }
        }
    }
}

fn finish_derives(types: &mut [TypeDef]) {
    let eq: Vec<bool> = types
        .iter()
        .map(|t| match t {
            TypeDef::Struct(s) => s.fields.iter().all(|f| f.ty.is_eq(types)),
            _ => true,
        })
        .collect();
    for (t, eq) in types.iter_mut().zip(eq) {
        if let TypeDef::Struct(s) = t {
            s.derive_eq = eq;
        }
    }
}

/// The alternatives of a `oneOf`/`anyOf` schema, its discriminator and the keyword.
/// The alternatives, the discriminator and the keyword (`oneOf` or `anyOf`) of a union.
type UnionParts<'s> = (
    &'s [ReferenceOr<Schema>],
    Option<&'s openapiv3::Discriminator>,
    &'static str,
);

fn union_parts(schema: &Schema) -> Option<UnionParts<'_>> {
    let discriminator = schema.schema_data.discriminator.as_ref();
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of } => Some((one_of, discriminator, "oneOf")),
        SchemaKind::AnyOf { any_of } => Some((any_of, discriminator, "anyOf")),
        _ => None,
    }
}

/// The variant name of a union alternative: its type's name, or what kind of value it is.
fn variant_name(ty: &Ty) -> String {
    match ty {
        Ty::Named(n) if n.starts_with('\u{0}') => "Enum".to_owned(),
        Ty::Named(n) => naming::bare(n).to_owned(),
        Ty::String => "String".to_owned(),
        Ty::Bool => "Boolean".to_owned(),
        Ty::I32 | Ty::I64 => "Integer".to_owned(),
        Ty::F32 | Ty::F64 => "Number".to_owned(),
        Ty::DateTime => "DateTime".to_owned(),
        Ty::Date => "Date".to_owned(),
        Ty::Json => "Value".to_owned(),
        Ty::Vec(_) => "Array".to_owned(),
        Ty::Map(_) => "Map".to_owned(),
        Ty::Option(inner) | Ty::Boxed(inner) => variant_name(inner),
    }
}

/// `name`, or `name2`, `name3`… when taken.
fn unique_camel(name: String, used: &mut BTreeSet<String>) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    (2..)
        .map(|n| format!("{name}{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .unwrap_or(name)
}

/// The named type a value of `ty` holds in place (through `Option` and `Box`, not through the
/// heap storage of `Vec` and maps).
fn held_in_place(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Named(n) => Some(n),
        Ty::Option(inner) | Ty::Boxed(inner) => held_in_place(inner),
        _ => None,
    }
}

/// Every named type `ty` mentions, anywhere.
fn mentions<'t>(ty: &'t Ty, out: &mut Vec<&'t str>) {
    match ty {
        Ty::Named(n) => out.push(n),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
            mentions(inner, out)
        }
        _ => {}
    }
}

/// The types a value of `t` holds in place.
fn in_place_edges(t: &TypeDef) -> Vec<&str> {
    match t {
        TypeDef::Struct(s) => s
            .fields
            .iter()
            .filter_map(|f| held_in_place(&f.ty))
            .collect(),
        TypeDef::Alias(a) => held_in_place(&a.ty).into_iter().collect(),
        TypeDef::Union(u) => u
            .variants
            .iter()
            .filter_map(|v| held_in_place(&v.ty))
            .collect(),
        TypeDef::Enum(_) => Vec::new(),
    }
}

fn reaches(
    index: &BTreeMap<&str, &TypeDef>,
    from: &str,
    to: &str,
    edges: fn(&TypeDef) -> Vec<&str>,
) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if !seen.insert(name) {
            continue;
        }
        if let Some(t) = index.get(name) {
            stack.extend(edges(t));
        }
    }
    false
}

/// Puts a `Box` where a type would contain itself (directly or through others), and refuses
/// aliases that name themselves, which Rust cannot express.
fn box_recursion(types: &mut [TypeDef], origins: &BTreeMap<String, String>) -> Result<(), Error> {
    let mut to_box: Vec<(usize, usize)> = Vec::new();
    {
        let index: BTreeMap<&str, &TypeDef> = types.iter().map(|t| (t.name(), t)).collect();
        for (ti, t) in types.iter().enumerate() {
            if let TypeDef::Alias(a) = t {
                let alias_edges: fn(&TypeDef) -> Vec<&str> = |t| match t {
                    TypeDef::Alias(a) => {
                        let mut out = Vec::new();
                        mentions(&a.ty, &mut out);
                        out
                    }
                    _ => Vec::new(),
                };
                let mut direct = Vec::new();
                mentions(&a.ty, &mut direct);
                if direct
                    .iter()
                    .any(|d| reaches(&index, d, &a.name, alias_edges))
                {
                    let pointer = origins.get(&a.name).cloned().unwrap_or_default();
                    return Err(Error::at(
                        pointer,
                        format!(
                            "`{}` is defined through itself with no object in between; Rust cannot name such a type",
                            a.name
                        ),
                    ));
                }
            }
            let held: Vec<Option<&str>> = match t {
                TypeDef::Struct(s) => s.fields.iter().map(|f| held_in_place(&f.ty)).collect(),
                TypeDef::Union(u) => u.variants.iter().map(|v| held_in_place(&v.ty)).collect(),
                _ => Vec::new(),
            };
            for (fi, target) in held.into_iter().enumerate() {
                if let Some(target) = target
                    && reaches(&index, target, t.name(), in_place_edges)
                {
                    to_box.push((ti, fi));
                }
            }
        }
    }
    for (ti, fi) in to_box {
        let ty = match &mut types[ti] {
            TypeDef::Struct(s) => &mut s.fields[fi].ty,
            TypeDef::Union(u) => &mut u.variants[fi].ty,
            _ => continue,
        };
        box_named(ty);
    }
    Ok(())
}

/// Wraps the named type held in place by `ty` in a `Box`.
fn box_named(ty: &mut Ty) {
    match ty {
        Ty::Named(_) => {
            let named = std::mem::replace(ty, Ty::Json);
            *ty = Ty::Boxed(Box::new(named));
        }
        Ty::Option(inner) => box_named(inner),
        _ => {}
    }
}

/// The last literal segment of a path template (`/batch/upsert` → `upsert`), if any.
fn last_literal(path: &str) -> Option<&str> {
    path.split('/')
        .rfind(|segment| !segment.is_empty() && !segment.starts_with('{'))
}

/// Whether an operation may be sent again after an ambiguous failure. Idempotent HTTP
/// methods (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) and PATCH, which HubSpot uses to set
/// property values (setting them twice leaves the record as once), may. A POST may when
/// the path ends in an action whose repetition changes nothing: `read` and `search` read,
/// `upsert` is keyed on a unique value, `update` and `archive` set a state. Every other POST
/// (create, batch create, merge, ...) may create or change something twice, and may not.
pub(crate) fn repeat_safety(method: HttpMethod, path: &str) -> Repeat {
    match method {
        HttpMethod::Post => match last_literal(path) {
            Some("read" | "search" | "upsert" | "update" | "archive") => Repeat::Safe,
            _ => Repeat::Unsafe,
        },
        HttpMethod::Get
        | HttpMethod::Head
        | HttpMethod::Options
        | HttpMethod::Put
        | HttpMethod::Delete
        | HttpMethod::Trace
        | HttpMethod::Patch => Repeat::Safe,
    }
}

/// HubSpot's search endpoints (paths ending in `/search`) have their own rate limit.
pub(crate) fn rate_class(path: &str) -> RateClass {
    if last_literal(path) == Some("search") {
        RateClass::Search
    } else {
        RateClass::Standard
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    fn repeat_safety_follows_the_method_and_the_action() {
        use HttpMethod::*;
        let safe = [
            (Get, "/crm/v3/objects/orders"),
            (Patch, "/crm/v3/objects/orders/{orderId}"),
            (Delete, "/crm/v3/objects/orders/{orderId}"),
            (
                Put,
                "/crm/v4/objects/orders/{id}/associations/{toType}/{toId}",
            ),
            (Post, "/crm/v3/objects/orders/batch/upsert"),
            (Post, "/crm/v3/objects/orders/batch/read"),
            (Post, "/crm/v3/objects/orders/batch/update"),
            (Post, "/crm/v3/objects/orders/batch/archive"),
            (Post, "/crm/v3/objects/orders/search"),
        ];
        for (method, path) in safe {
            assert_eq!(repeat_safety(method, path), Repeat::Safe, "{path}");
        }
        let unsafe_ = [
            (Post, "/crm/v3/objects/orders"),
            (Post, "/crm/v3/objects/orders/batch/create"),
            (Post, "/crm/v3/objects/orders/merge"),
            (Post, "/crm/v3/objects/{objectType}"),
        ];
        for (method, path) in unsafe_ {
            assert_eq!(repeat_safety(method, path), Repeat::Unsafe, "{path}");
        }
    }

    #[test]
    fn only_search_paths_use_the_search_limit() {
        assert_eq!(
            rate_class("/crm/v3/objects/orders/search"),
            RateClass::Search
        );
        assert_eq!(
            rate_class("/crm/v3/objects/orders/{search}"),
            RateClass::Standard
        );
        assert_eq!(rate_class("/crm/v3/objects/orders"), RateClass::Standard);
    }
}
