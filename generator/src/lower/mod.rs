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
//! | `oneOf` / `anyOf` beside `properties: {}` or `type: object` | the same union |
//! | `allOf` including the union the schema is an alternative of | the schema's own object (the union part is skipped) |
//! | a union whose alternatives share a one-value enum property | decided by that property, as with a discriminator |
//! | `string`, `format: binary`, in a `multipart/form-data` body | `hubspot_runtime::FilePart` (refused elsewhere) |
//! | a `text/*` answer / another non-JSON answer | `String` / `Vec<u8>` |
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

//!
//! # Where each decision lives
//!
//! - `schemas`: objects, scalars, arrays, maps, `allOf`, and the lenient-field policy;
//! - `unions`: string enums and `oneOf`/`anyOf`, and the naming of inline enums;
//! - `operations`: parameters, bodies, answers, method names and retry policy;
//! - `paths`: path templates checked against their parameters;
//! - `refs`: the one `$ref` resolver, and which schemas requests, answers and errors reach;
//! - `finish`: the passes run once every type is known (boxing, capabilities);
//! - `roles`: what types and operations are to the runtime's helpers, found by their shape.

mod finish;
mod operations;
mod paths;
mod refs;
mod roles;
mod schemas;
mod unions;

use finish::*;
use operations::*;
use refs::*;
use unions::*;

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    AdditionalProperties, IntegerFormat, MediaType, NumberFormat, OpenAPI, Parameter,
    ParameterSchemaOrContent, ReferenceOr, RequestBody, Response, Schema, SchemaKind, StatusCode,
    StringFormat, Type, VariantOrUnknownOrEmpty,
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
    lower_with_warnings(doc).map(|(api, _)| api)
}

/// Builds the IR of a loaded document, with the warnings about faults of the document that do
/// not change the client (each located by pointer).
pub fn lower_with_warnings(doc: &Document) -> Result<(Api, Vec<Error>), Error> {
    Lowerer::new(doc)?.run()
}

/// How a schema's fields are read (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Request,
    /// A `multipart/form-data` body: as request, and `format: binary` is a file.
    Upload,
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
    /// Where the enum is written, to report a clash of names.
    pointer: String,
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
    /// Faults of the document that do not change the client, reported and passed over.
    warnings: Vec<Error>,
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
            warnings: Vec::new(),
        })
    }

    fn run(mut self) -> Result<(Api, Vec<Error>), Error> {
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
                        // openapiv3 drops a description beside a `$ref`; the raw document has it.
                        let beside = self
                            .doc
                            .raw
                            .pointer(&pointer)
                            .and_then(|node| node.get("description"))
                            .and_then(|d| d.as_str());
                        self.types.push(TypeDef::Alias(AliasDef {
                            doc: doc_or(beside, || format!("Another name for [`{target}`].")),
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
            helpers: Helpers::default(),
        };
        self.name_inline_enums(&mut api)?;
        box_recursion(&mut api.types, &self.origins)?;
        decide_caps(&mut api);
        roles::decide_roles(&mut api);
        Ok((api, self.warnings))
    }
}

// ----- helpers ---------------------------------------------------------------------------

fn unsupported(pointer: &str, keyword: &str) -> Error {
    Error::at(pointer.to_owned(), format!("`{keyword}` is not supported"))
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
