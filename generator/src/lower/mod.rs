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
//! | a scalar `type` beside keywords of another type (`type: integer` with a string's `pattern`, `maxLength` or `format: date-time`) | what its `type` says (the `format` of an integer or a number still picks its width); the other keywords are ignored, with a warning that names them |
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
//! - `names`: the one pass that names every type (and the variants of unions), once all are
//!   known, and decides what each module imports;
//! - `finish`: the passes run once every type is known (boxing, capabilities);
//! - `roles`: what types and operations are to the runtime's helpers, found by their shape.
//!
//! Lowering writes no prose: the IR carries the document's own texts (summary, description)
//! and the facts around them, and emit composes the docs.

mod finish;
mod names;
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

pub use names::decide_imports;

/// The module a document lowered on its own is generated into ([`crate::generate_from`]).
pub const DEFAULT_MODULE: &str = "api";

/// Builds the IR of a loaded document, as the module [`DEFAULT_MODULE`].
pub fn lower(doc: &Document) -> Result<Api, Error> {
    lower_with_warnings(doc).map(|(api, _)| api)
}

/// Builds the IR of a loaded document, as the module [`DEFAULT_MODULE`], with the warnings
/// about faults of the document that do not change the client (each located by pointer).
pub fn lower_with_warnings(doc: &Document) -> Result<(Api, Vec<Error>), Error> {
    lower_module(doc, DEFAULT_MODULE)
}

/// Builds the IR of a loaded document that becomes the module `module` (whose name gives the
/// handle's), with the warnings about faults of the document that do not change the client.
pub fn lower_module(doc: &Document, module: &str) -> Result<(Api, Vec<Error>), Error> {
    Lowerer::new(doc)?.run(naming::handle_name(module))
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

/// Where a type is being lowered: what is lifted out of it is written at `field` of `parent`.
#[derive(Debug, Clone)]
struct Ctx {
    parent: Parent,
    field: String,
    pointer: String,
    mode: Mode,
}

/// How the naming pass names a type.
#[derive(Debug, Clone)]
enum NameRule {
    /// After its component schema's key.
    Component { key: String },
    /// `Parent` + `Field`, from its origin.
    Lifted,
    /// An inline enum: after its field, or `Parent` + `Field` where that is contested; inline
    /// enums of one name and the same values are one type.
    InlineEnum { values: Vec<String> },
}

/// A type met during lowering: its definition once lowered, how it is named, and where it is
/// written (to report a clash of names).
#[derive(Debug)]
struct Slot {
    def: Option<TypeDef>,
    rule: NameRule,
    pointer: String,
}

struct Lowerer<'a> {
    doc: &'a Document,
    api: &'a OpenAPI,
    /// Component schema key → its type.
    components: BTreeMap<String, TypeId>,
    /// Component schema key → mode.
    modes: BTreeMap<String, Mode>,
    /// Every type met, by id (ids are given in the order types are met).
    slots: Vec<Slot>,
    /// The types in output order: each component schema, followed by the types lifted out of
    /// it.
    order: Vec<TypeId>,
    /// How many inline schemas deep `schema_ty` is.
    depth: usize,
    /// Faults of the document that do not change the client, reported and passed over.
    warnings: Vec<Error>,
}

impl<'a> Lowerer<'a> {
    fn new(doc: &'a Document) -> Result<Self, Error> {
        let api = &doc.api;
        let mut lowerer = Lowerer {
            doc,
            api,
            components: BTreeMap::new(),
            modes: BTreeMap::new(),
            slots: Vec::new(),
            order: Vec::new(),
            depth: 0,
            warnings: Vec::new(),
        };
        let mut first_of: BTreeMap<String, String> = BTreeMap::new();
        if let Some(components) = &api.components {
            for key in components.schemas.keys() {
                // Two keys that give one Rust name are refused before anything else.
                let name = naming::type_name(key);
                let pointer = join("/components/schemas", key);
                if let Some(first) = first_of.get(&name) {
                    return Err(Error::at(
                        pointer,
                        format!(
                            "schema name `{key}` becomes the Rust name `{name}`, which {first} already has"
                        ),
                    ));
                }
                first_of.insert(name, pointer.clone());
                let id = lowerer.reserve(NameRule::Component { key: key.clone() }, pointer);
                lowerer.components.insert(key.clone(), id);
            }
        }
        Ok(lowerer)
    }

    fn run(mut self, handle: String) -> Result<(Api, Vec<Error>), Error> {
        if self.api.paths.paths.is_empty() {
            return Err(Error::at("/paths", "the document has no operations"));
        }
        self.modes = self.compute_modes()?;
        if let Some(components) = &self.api.components {
            for (key, schema) in &components.schemas {
                let pointer = join("/components/schemas", key);
                let Some(&id) = self.components.get(key) else {
                    continue;
                };
                self.order.push(id);
                let schema = match schema {
                    ReferenceOr::Item(s) => s,
                    ReferenceOr::Reference { reference } => {
                        let target = self.component_id(reference, &pointer)?;
                        // openapiv3 drops a description beside a `$ref`; the raw document has it.
                        let beside = self
                            .doc
                            .raw
                            .pointer(&pointer)
                            .and_then(|node| node.get("description"))
                            .and_then(|d| d.as_str());
                        self.fill(
                            id,
                            TypeDef::Alias(AliasDef {
                                name: String::new(),
                                description: text(beside),
                                origin: Origin::Component,
                                ty: Ty::Named(target),
                            }),
                        );
                        continue;
                    }
                };
                let mode = self.modes.get(key).copied().unwrap_or(Mode::Request);
                self.lower_component(id, schema, &pointer, mode)?;
            }
        }
        let operations = self.lower_operations()?;
        let (types, pointers, operations) = names::name_types(self.slots, &self.order, operations)?;
        let mut api = Api {
            title: self.api.info.title.clone(),
            version: self.api.info.version.clone(),
            default_base_url: self
                .api
                .servers
                .first()
                .map(|s| s.url.trim_end_matches('/').to_owned())
                .unwrap_or_default(),
            handle,
            types,
            operations,
            helpers: Helpers::default(),
            imports: ModuleImports::default(),
        };
        box_recursion(&mut api.types, &pointers)?;
        decide_caps(&mut api);
        roles::decide_roles(&mut api);
        decide_builders(&mut api);
        api.imports = names::decide_imports(&api);
        // A schema met from several operations (a path item's parameter) warns once.
        let mut seen = BTreeSet::new();
        let warnings = self
            .warnings
            .into_iter()
            .filter(|w| seen.insert(w.to_string()))
            .collect();
        Ok((api, warnings))
    }

    /// Gives a new type its id; its definition comes later ([`Lowerer::fill`]).
    fn reserve(&mut self, rule: NameRule, pointer: String) -> TypeId {
        self.slots.push(Slot {
            def: None,
            rule,
            pointer,
        });
        TypeId(self.slots.len() - 1)
    }

    /// Gives a type met inline its id and its place in the output, before whatever is lifted
    /// out of it.
    fn lift(&mut self, rule: NameRule, pointer: &str) -> TypeId {
        let id = self.reserve(rule, pointer.to_owned());
        self.order.push(id);
        id
    }

    /// The definition of the type `id`.
    fn fill(&mut self, id: TypeId, def: TypeDef) {
        if let Some(slot) = self.slots.get_mut(id.0) {
            slot.def = Some(def);
        }
    }

    /// The definition of the type `id`, once lowered.
    fn def(&self, id: TypeId) -> Option<&TypeDef> {
        self.slots.get(id.0).and_then(|slot| slot.def.as_ref())
    }
}

// ----- helpers ---------------------------------------------------------------------------

fn unsupported(pointer: &str, keyword: &str) -> Error {
    Error::at(pointer.to_owned(), format!("`{keyword}` is not supported"))
}

/// A text of the document, trimmed; empty when there is none.
fn text(text: Option<&str>) -> String {
    text.map(str::trim).unwrap_or_default().to_owned()
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
