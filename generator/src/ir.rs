//! The intermediate representation: what the client crate contains, decided.
//!
//! `lower` builds it from the OpenAPI document and makes every decision (names, Rust types,
//! optionality, serde attributes); `emit` only spells it. Nothing here refers to openapiv3, syn
//! or quote, so the IR can be read, compared and tested as plain data.

/// Everything the generated crate holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    /// `info.title` of the document.
    pub title: String,
    /// `info.version` of the document.
    pub version: String,
    /// The first server URL of the document, used as the client's default base URL.
    pub default_base_url: String,
    /// The handle type that carries the operations (`Orders`, from the module's name).
    pub handle: String,
    /// Every named type, in output order (component schemas in document order, each followed
    /// by the types lifted out of it). A [`TypeId`] is a place in this list.
    pub types: Vec<TypeDef>,
    /// Every operation, in document order (paths in order, methods in OpenAPI field order).
    pub operations: Vec<Operation>,
    /// The operations the runtime's helpers drive (bulk upsert, paging, search), where the
    /// document has them in the shape those helpers need.
    pub helpers: Helpers,
    /// How each module of the document names what it does not define, decided by the naming
    /// pass once every name is known.
    pub imports: ModuleImports,
}

impl Api {
    /// The type `id` stands for.
    pub fn type_def(&self, id: TypeId) -> Option<&TypeDef> {
        self.types.get(id.0)
    }

    /// The Rust name of the type `id` (empty for an id of no type of this document).
    pub fn type_name(&self, id: TypeId) -> &str {
        self.type_def(id).map_or("", TypeDef::name)
    }

    /// The type named `name`, if the document has one.
    pub fn type_id(&self, name: &str) -> Option<TypeId> {
        self.types.iter().position(|t| t.name() == name).map(TypeId)
    }

    /// Calls `f` on every type id of the document: in its types, its operations and its
    /// helpers.
    pub fn visit_ids(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        for t in &mut self.types {
            t.visit_ids(f);
        }
        for op in &mut self.operations {
            op.visit_ids(f);
        }
        if let Some(upsert) = &mut self.helpers.upsert {
            upsert.input.visit_ids(f);
            upsert.record.visit_ids(f);
        }
        if let Some(list) = &mut self.helpers.list {
            f(&mut list.page);
        }
        if let Some(search) = &mut self.helpers.search {
            f(&mut search.request);
            f(&mut search.page);
        }
    }

    /// `Ty::Named` of the type named `name` (for tests and tools).
    ///
    /// # Errors
    ///
    /// When the document has no type of that name.
    pub fn named(&self, name: &str) -> Result<Ty, String> {
        self.type_id(name)
            .map(Ty::Named)
            .ok_or_else(|| format!("the document has no type `{name}`"))
    }
}

/// A type of the document: its place in [`Api::types`]. Lowering gives every type an id when
/// it meets it and names them all in one pass at the end, so a reference never carries a
/// name that might still change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub usize);

/// Where a type comes from: what its fallback docs say when the document describes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A component schema.
    Component,
    /// Written inline, at `field` of `parent` (a property, `…Item` of an array, `Variant1` of
    /// a union, `Value` of a map, or the part of an operation it sits in: a parameter's name,
    /// `Request`, `Ok`, `Error`…).
    Inline {
        /// What it is written in.
        parent: Parent,
        /// Where in it.
        field: String,
    },
}

/// What an inline type is written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parent {
    /// Another type.
    Type(TypeId),
    /// An operation (its parameters, body or answers), by method name.
    Operation(String),
}

/// Something a generated module names that it does not define.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Import {
    /// An item of another crate or of the standard library.
    Extern(Extern),
    /// The document's handle (`Orders`), defined in the document's module.
    Handle,
    /// A type of the document's `types` module.
    Type(TypeId),
    /// An item of the document's `operations` module (a parameters struct), by name.
    Operations(String),
}

/// The items of other crates and of the standard library that generated code names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Extern {
    /// `std::collections::BTreeMap`
    BTreeMap,
    /// `std::fmt`
    Fmt,
    /// `std::result::Result`, in the prelude.
    Result,
    /// `std::default::Default`, in the prelude.
    Default,
    /// `chrono::DateTime`
    DateTime,
    /// `chrono::NaiveDate`
    NaiveDate,
    /// `chrono::Utc`
    Utc,
    /// `serde::Deserialize`
    Deserialize,
    /// `serde::Deserializer`
    Deserializer,
    /// `serde::Serialize`
    Serialize,
    /// `serde::Serializer`
    Serializer,
    /// `serde_json::Value`
    Value,
    /// `hubspot_runtime::Api`
    Api,
    /// `hubspot_runtime::Client`
    Client,
    /// `hubspot_runtime::Error`
    Error,
    /// `hubspot_runtime::FilePart`
    FilePart,
    /// `hubspot_runtime::OperationInfo`
    OperationInfo,
    /// `hubspot_runtime::RateClass`
    RateClass,
    /// `hubspot_runtime::Repeat`
    Repeat,
    /// `hubspot_runtime::bulk::UpsertOperation`
    UpsertOperation,
    /// `hubspot_runtime::codegen::BoxFuture`
    BoxFuture,
    /// `hubspot_runtime::codegen::Method`
    Method,
    /// `hubspot_runtime::codegen::Request`
    Request,
    /// `hubspot_runtime::codegen::encode_path_segment`
    EncodePathSegment,
    /// `hubspot_runtime::codegen::null_as_default`
    NullAsDefault,
    /// `hubspot_runtime::codegen::send`
    Send,
    /// `hubspot_runtime::paging::ListOperation`
    ListOperation,
    /// `hubspot_runtime::paging::Page`
    Page,
    /// `hubspot_runtime::paging::Record`
    Record,
    /// `hubspot_runtime::paging::SearchOperation`
    SearchOperation,
    /// `hubspot_runtime::property_values::PropertyError`
    PropertyError,
    /// `hubspot_runtime::property_values::TypedInput`
    TypedInput,
    /// `hubspot_runtime::property_values::TypedProperties`
    TypedProperties,
    /// `hubspot_runtime::property_values::UniqueKey`
    UniqueKey,
    /// `hubspot_runtime::property_values::property_names`
    PropertyNames,
}

impl Extern {
    /// Every item, in the order the naming pass gives them their names.
    pub const ALL: &'static [Extern] = &[
        Extern::Result,
        Extern::Default,
        Extern::BTreeMap,
        Extern::Fmt,
        Extern::DateTime,
        Extern::NaiveDate,
        Extern::Utc,
        Extern::Deserialize,
        Extern::Deserializer,
        Extern::Serialize,
        Extern::Serializer,
        Extern::Value,
        Extern::Api,
        Extern::Client,
        Extern::Error,
        Extern::FilePart,
        Extern::OperationInfo,
        Extern::RateClass,
        Extern::Repeat,
        Extern::UpsertOperation,
        Extern::BoxFuture,
        Extern::Method,
        Extern::Request,
        Extern::EncodePathSegment,
        Extern::NullAsDefault,
        Extern::Send,
        Extern::ListOperation,
        Extern::Page,
        Extern::Record,
        Extern::SearchOperation,
        Extern::PropertyError,
        Extern::TypedInput,
        Extern::TypedProperties,
        Extern::UniqueKey,
        Extern::PropertyNames,
    ];

    /// The path of the module that holds it, and its name there.
    pub fn path(self) -> (&'static str, &'static str) {
        use Extern::*;
        let runtime = "hubspot_runtime";
        let codegen = "hubspot_runtime::codegen";
        let paging = "hubspot_runtime::paging";
        let values = "hubspot_runtime::property_values";
        match self {
            BTreeMap => ("std::collections", "BTreeMap"),
            Fmt => ("std", "fmt"),
            Result => ("std::result", "Result"),
            Default => ("std::default", "Default"),
            DateTime => ("chrono", "DateTime"),
            NaiveDate => ("chrono", "NaiveDate"),
            Utc => ("chrono", "Utc"),
            Deserialize => ("serde", "Deserialize"),
            Deserializer => ("serde", "Deserializer"),
            Serialize => ("serde", "Serialize"),
            Serializer => ("serde", "Serializer"),
            Value => ("serde_json", "Value"),
            Api => (runtime, "Api"),
            Client => (runtime, "Client"),
            Error => (runtime, "Error"),
            FilePart => (runtime, "FilePart"),
            OperationInfo => (runtime, "OperationInfo"),
            RateClass => (runtime, "RateClass"),
            Repeat => (runtime, "Repeat"),
            UpsertOperation => ("hubspot_runtime::bulk", "UpsertOperation"),
            BoxFuture => (codegen, "BoxFuture"),
            Method => (codegen, "Method"),
            Request => (codegen, "Request"),
            EncodePathSegment => (codegen, "encode_path_segment"),
            NullAsDefault => (codegen, "null_as_default"),
            Send => (codegen, "send"),
            ListOperation => (paging, "ListOperation"),
            Page => (paging, "Page"),
            Record => (paging, "Record"),
            SearchOperation => (paging, "SearchOperation"),
            PropertyError => (values, "PropertyError"),
            TypedInput => (values, "TypedInput"),
            TypedProperties => (values, "TypedProperties"),
            UniqueKey => (values, "UniqueKey"),
            PropertyNames => (values, "property_names"),
        }
    }

    /// The name it is imported by.
    pub fn name(self) -> &'static str {
        self.path().1
    }

    /// Whether it is in Rust's prelude: named without a `use`, unless the module has an item
    /// of that name.
    pub fn in_prelude(self) -> bool {
        matches!(self, Extern::Result | Extern::Default)
    }
}

/// How the modules of a document name what they do not define.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModuleImports {
    /// The `types` module.
    pub types: Imports,
    /// The `operations` module.
    pub operations: Imports,
    /// The document's own module (`mod.rs`, the handle).
    pub document: Imports,
}

/// Which of the names a module would import it may write bare: those that no item of the
/// module and no more important import already has. The others are written by their path.
/// Emit imports, among these, the ones its code uses.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Imports {
    /// The imports written by name.
    pub by_name: std::collections::BTreeSet<Import>,
}

/// The document's operations that the runtime's generic helpers can drive, each found by its
/// shape (`lower::roles`). A document without one gets no implementation of the helper's
/// trait, and its crate still compiles.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Helpers {
    /// The batch upsert, for `hubspot_runtime::bulk`.
    pub upsert: Option<UpsertHelper>,
    /// The page-by-page listing, for `hubspot_runtime::paging::pages`.
    pub list: Option<ListHelper>,
    /// The search, for `hubspot_runtime::paging::search_all`.
    pub search: Option<SearchHelper>,
}

/// A batch upsert operation: `POST …/batch/upsert` with `{inputs: [T]}`, no path parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct UpsertHelper {
    /// Index of the operation in [`Api::operations`].
    pub operation: usize,
    /// One input (the items of `inputs`).
    pub input: Ty,
    /// One result (the items of `results` in a success answer), or [`Ty::Json`] when no
    /// success answer lists them.
    pub record: Ty,
    /// Whether an input has an `objectWriteTraceId` to tie results back by.
    pub trace_ids: bool,
}

/// A listing read page by page: `GET` without path parameters, an optional `after` query
/// parameter, and an answer with `results` and `paging.next.after`.
#[derive(Debug, Clone, PartialEq)]
pub struct ListHelper {
    /// Index of the operation in [`Api::operations`].
    pub operation: usize,
    /// The answer's type (a struct with the [`PageRole`]).
    pub page: TypeId,
}

/// A search: `POST …/search` without path parameters, a body with `filterGroups`, `sorts` and
/// `after`, and an answer with `results` (of records with an `id`) and `paging.next.after`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHelper {
    /// Index of the operation in [`Api::operations`].
    pub operation: usize,
    /// The request body's type.
    pub request: TypeId,
    /// The answer's type (a struct with the [`PageRole`], of records with the `id` role).
    pub page: TypeId,
}

/// What a struct is to the runtime's helpers and the typed properties, found from its fields
/// once every type is known.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Roles {
    /// A page of a listing or a search: `results` and `paging.next.after`.
    pub page: Option<PageRole>,
    /// A record with a required string `id` (the record id).
    pub record_id: bool,
    /// A record whose `properties` are a map of optional strings (an answer): it gets
    /// `typed_properties()`.
    pub typed_properties: bool,
    /// A write input whose `properties` are a map of strings: it gets `from_typed(…)`.
    pub from_typed: Option<FromTyped>,
    /// A batch read input (`inputs` of ids, `idProperty`, `properties`): it gets `by_keys`.
    pub by_keys: Option<ByKeys>,
}

/// How a page struct reaches its records and its next cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct PageRole {
    /// The record type (the items of `results`).
    pub item: Ty,
    /// Whether `paging` is an `Option`.
    pub paging_optional: bool,
    /// Whether `paging.next` is an `Option`.
    pub next_optional: bool,
    /// Whether `paging.next.after` is an `Option`.
    pub after_optional: bool,
}

/// How `from_typed` fills a write input: `properties` from the typed input, every other field
/// empty, and these.
#[derive(Debug, Clone, PartialEq)]
pub enum FromTyped {
    /// Only `properties` (a single create or update body).
    Properties,
    /// A required `id` (a batch update input, addressed by record id).
    Id,
    /// A required `id` and an optional `idProperty` (a batch upsert input, addressed by a
    /// unique property value).
    Key,
}

/// The fields of a batch read input that `by_keys` fills.
#[derive(Debug, Clone, PartialEq)]
pub struct ByKeys {
    /// The type of one item of `inputs` (a struct whose only field is `id`).
    pub id_type: TypeId,
    /// Whether `properties` is an `Option`.
    pub properties_optional: bool,
}

/// A named type of the `types` module.
#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    /// An object schema.
    Struct(StructDef),
    /// A string enumeration, open to values the document does not list.
    Enum(EnumDef),
    /// Another name for a type (a component schema that is an array, a map or a scalar).
    Alias(AliasDef),
    /// One of several types (`oneOf`/`anyOf`).
    Union(UnionDef),
}

impl TypeDef {
    /// The Rust name of the type.
    pub fn name(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.name,
            TypeDef::Enum(e) => &e.name,
            TypeDef::Alias(a) => &a.name,
            TypeDef::Union(u) => &u.name,
        }
    }

    /// The document's description of the type (empty when it has none).
    pub fn description(&self) -> &str {
        match self {
            TypeDef::Struct(s) => &s.description,
            TypeDef::Enum(e) => &e.description,
            TypeDef::Alias(a) => &a.description,
            TypeDef::Union(u) => &u.description,
        }
    }

    /// Where the type comes from.
    pub fn origin(&self) -> &Origin {
        match self {
            TypeDef::Struct(s) => &s.origin,
            TypeDef::Enum(e) => &e.origin,
            TypeDef::Alias(a) => &a.origin,
            TypeDef::Union(u) => &u.origin,
        }
    }

    /// Calls `f` on every type id the definition holds: in its fields, variants and roles,
    /// and the parent of its origin.
    pub fn visit_ids(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        let origin = match self {
            TypeDef::Struct(s) => {
                for field in &mut s.fields {
                    field.ty.visit_ids(f);
                }
                if let Some(page) = &mut s.roles.page {
                    page.item.visit_ids(f);
                }
                if let Some(keys) = &mut s.roles.by_keys {
                    f(&mut keys.id_type);
                }
                &mut s.origin
            }
            TypeDef::Enum(e) => &mut e.origin,
            TypeDef::Alias(a) => {
                a.ty.visit_ids(f);
                &mut a.origin
            }
            TypeDef::Union(u) => {
                for v in &mut u.variants {
                    v.ty.visit_ids(f);
                }
                &mut u.origin
            }
        };
        if let Origin::Inline {
            parent: Parent::Type(id),
            ..
        } = origin
        {
            f(id);
        }
    }

    /// The types the definition names (in fields, variants and the aliased type).
    pub fn named(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        let mut push = |ty: &Ty| ty.named_into(&mut out);
        match self {
            TypeDef::Struct(s) => s.fields.iter().for_each(|f| push(&f.ty)),
            TypeDef::Alias(a) => push(&a.ty),
            TypeDef::Union(u) => u.variants.iter().for_each(|v| push(&v.ty)),
            TypeDef::Enum(_) => {}
        }
        out
    }
}

/// A struct with named fields.
#[derive(Debug, Clone, PartialEq)]
pub struct StructDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The document's description (empty when it has none).
    pub description: String,
    /// Where it comes from.
    pub origin: Origin,
    /// Fields in document order.
    pub fields: Vec<Field>,
    /// What the type can derive, decided once every type is known.
    pub caps: Caps,
    /// How a caller outside the crate builds it (`new` and the setters).
    pub builder: Builder,
    /// What it is to the runtime's helpers and the typed properties.
    pub roles: Roles,
}

/// An enum of alternatives, from `oneOf` or `anyOf`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The document's description (empty when it has none).
    pub description: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The alternatives, in document order.
    pub variants: Vec<UnionVariant>,
    /// With a discriminator: the property whose value picks the variant, and the name of the
    /// variant that keeps an object with any other value as JSON. Without one, the first
    /// alternative that decodes wins.
    pub discriminator: Option<Discriminator>,
    /// What the type can derive, decided once every type is known.
    pub caps: Caps,
}

/// The standard traits a generated type derives beyond `Debug`, `Clone` and `PartialEq`
/// (which every one has). Decided in one place, from the types of the fields, after every
/// type is known (`lower::finish`); emit only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Caps {
    /// `Eq`: no float or free-form JSON anywhere inside.
    pub eq: bool,
    /// `Hash`: as `Eq`.
    pub hash: bool,
    /// `Default`: every field can be left out (an `Option`, a `Vec` or a map).
    pub default: bool,
    /// `Copy`: no heap storage anywhere inside.
    pub copy: bool,
    /// `#[non_exhaustive]`: the next version of the document may add a field, a value or an
    /// answer status, and that must not break a caller (see [`Builder`]).
    pub non_exhaustive: bool,
}

/// How a caller outside the crate builds a struct that is `#[non_exhaustive]` (so has no
/// struct literal there): `new` taking the required fields in order, present whether or not
/// any is required, and, on a struct a request may hold, one setter an optional field,
/// `with_<field>(mut self, value: T) -> Self`, taking the type inside the `Option` (inside its
/// `Box` too). A new optional field adds
/// a setter (a compatible change); a field made required adds an argument to `new` (a breaking
/// one). Decided once in lowering; emit only spells it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Builder {
    /// Whether a request may hold the struct (a body's type, a type inside one, or a struct of
    /// query parameters): then every optional field has a setter. A struct only answers hold
    /// has none; a test sets its public fields.
    pub sent: bool,
    /// The setters, in field order.
    pub setters: Vec<Setter>,
}

/// The setter of one optional field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setter {
    /// The field's Rust name.
    pub field: String,
    /// The method's name: `with_` and the field's name without `r#`, unless the type has a
    /// method of that name already (then `_field` is added until it is free).
    pub method: String,
}

/// How a discriminated union picks its variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Discriminator {
    /// The property that names the alternative.
    pub property: String,
    /// The variant for values no alternative claims.
    pub other_variant: String,
}

/// One alternative of a union.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The type it holds.
    pub ty: Ty,
    /// With a discriminator: the property values that select this variant.
    pub tags: Vec<String>,
}

/// `pub type Name = Ty;`
#[derive(Debug, Clone, PartialEq)]
pub struct AliasDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The document's description (empty when it has none; beside a `$ref`, the one written
    /// there).
    pub description: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The type it names.
    pub ty: Ty,
}

/// One field of a struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// Rust name (snake_case; raw identifier or suffixed where it is a keyword).
    pub name: String,
    /// Name on the wire, for `#[serde(rename)]`.
    pub wire_name: String,
    /// The document's description (empty when it has none).
    pub description: String,
    /// The full Rust type, `Option` included where the field may be absent.
    pub ty: Ty,
    /// How serde treats the field.
    pub serde: FieldSerde,
}

/// The serde attributes a field needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldSerde {
    /// `#[serde(rename = wire_name)]`: the Rust name differs from the name on the wire.
    pub rename: bool,
    /// `#[serde(default)]`: a missing field takes its `Default`.
    pub default: bool,
    /// `deserialize_with = null_as_default`: a `null` takes the `Default` too.
    pub null_as_default: bool,
    /// `skip_serializing_if = "Option::is_none"`: `None` is left out of the JSON.
    pub skip_if_none: bool,
}

/// A Rust type, as the generated code names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Ty {
    /// `String`
    String,
    /// `bool`
    Bool,
    /// `i32`
    I32,
    /// `i64`
    I64,
    /// `f32`
    F32,
    /// `f64`
    F64,
    /// `chrono::DateTime<chrono::Utc>`
    DateTime,
    /// `chrono::NaiveDate`
    Date,
    /// `serde_json::Value`: any JSON.
    Json,
    /// A type of the `types` module.
    Named(TypeId),
    /// `Vec<T>`
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`
    Map(Box<Ty>),
    /// `Option<T>`
    Option(Box<Ty>),
    /// `Box<T>`: where a type contains itself.
    Boxed(Box<Ty>),
    /// `Vec<u8>`: an answer that is not text (a spreadsheet, a file).
    Bytes,
    /// `hubspot_runtime::FilePart`: a file in a `multipart/form-data` body.
    File,
}

impl Ty {
    /// Whether the type implements `Default` without being a required scalar a caller must
    /// choose (options and collections).
    pub fn defaults_to_empty(&self) -> bool {
        matches!(self, Ty::Option(_) | Ty::Vec(_) | Ty::Map(_))
    }

    /// Calls `f` on every type id inside.
    pub fn visit_ids(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        match self {
            Ty::Named(id) => f(id),
            Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
                inner.visit_ids(f)
            }
            _ => {}
        }
    }

    /// Adds every type id inside to `out`.
    pub fn named_into(&self, out: &mut Vec<TypeId>) {
        match self {
            Ty::Named(id) => out.push(*id),
            Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
                inner.named_into(out)
            }
            _ => {}
        }
    }
}

/// An open string enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct EnumDef {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The document's description (empty when it has none).
    pub description: String,
    /// Where it comes from.
    pub origin: Origin,
    /// The values the document lists, in its order.
    pub variants: Vec<Variant>,
    /// Name of the variant that keeps any other value.
    pub other_variant: String,
    /// What the type can derive, decided once every type is known.
    pub caps: Caps,
}

/// One listed value of an enumeration.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Rust name (UpperCamelCase).
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// HTTP methods of OpenAPI path items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// DELETE
    Delete,
    /// OPTIONS
    Options,
    /// HEAD
    Head,
    /// PATCH
    Patch,
    /// TRACE
    Trace,
}

impl HttpMethod {
    /// The method as HTTP spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Put => "PUT",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Head => "HEAD",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Trace => "TRACE",
        }
    }
}

/// One operation: a method of the document's handle.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// Rust method name (snake_case).
    pub method_name: String,
    /// The document's operationId.
    pub operation_id: String,
    /// HTTP method.
    pub http_method: HttpMethod,
    /// The path template as written in the document.
    pub path: String,
    /// The path split into literal text and parameters.
    pub path_parts: Vec<PathPart>,
    /// The document's `summary` (empty when it has none).
    pub summary: String,
    /// The document's `description` (empty when it has none).
    pub description: String,
    /// Path parameters, in the order they appear in the path.
    pub path_params: Vec<PathParam>,
    /// The query parameters' struct, when the operation has any.
    pub query: Option<ParamsStruct>,
    /// The JSON request body, when the operation has one.
    pub body: Option<Body>,
    /// What a success answer decodes into.
    pub success: Success,
    /// The type an error answer's body decodes into.
    pub error_ty: Ty,
    /// Whether the request may be sent again after an ambiguous failure (a timeout, a reset
    /// connection, a 502/503/504), when HubSpot may or may not have processed it.
    pub repeat: Repeat,
    /// Which of HubSpot's rate limits the request counts against.
    pub rate_class: RateClass,
    /// The `Accept` header the request is sent with.
    pub accept: String,
}

impl Operation {
    /// Calls `f` on every type id the operation names.
    pub fn visit_ids(&mut self, f: &mut impl FnMut(&mut TypeId)) {
        for p in &mut self.path_params {
            p.ty.visit_ids(f);
        }
        if let Some(q) = &mut self.query {
            for field in &mut q.fields {
                field.ty.visit_ids(f);
            }
        }
        if let Some(b) = &mut self.body {
            b.ty.visit_ids(f);
        }
        self.error_ty.visit_ids(f);
        for answer in self.success.answers_mut() {
            if let Some(ty) = &mut answer.ty {
                ty.visit_ids(f);
            }
        }
    }

    /// The types the operation names: its path parameters, query parameters, body, answers and
    /// error, in that order.
    pub fn named(&self) -> Vec<TypeId> {
        let mut out = Vec::new();
        for p in &self.path_params {
            p.ty.named_into(&mut out);
        }
        for f in self.query.iter().flat_map(|q| &q.fields) {
            f.ty.named_into(&mut out);
        }
        if let Some(b) = &self.body {
            b.ty.named_into(&mut out);
        }
        for answer in self.success.answers() {
            if let Some(ty) = &answer.ty {
                ty.named_into(&mut out);
            }
        }
        self.error_ty.named_into(&mut out);
        out
    }
}

/// Whether an operation may be repeated after an ambiguous failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Repeating has the same effect as sending once (a read, an idempotent method, an upsert
    /// keyed on a unique value): the runtime retries it.
    Safe,
    /// Repeating may apply the request twice (a create): the runtime retries it only when
    /// the caller opts in.
    Unsafe,
}

/// The rate limit an operation counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateClass {
    /// The app's rolling ten-second limit.
    Standard,
    /// The search endpoints' own, lower limit.
    Search,
}

/// A piece of a path template.
#[derive(Debug, Clone, PartialEq)]
pub enum PathPart {
    /// Text sent as it is.
    Literal(String),
    /// A path parameter, by its Rust argument name.
    Param(String),
}

/// A path parameter: a positional argument of the method.
#[derive(Debug, Clone, PartialEq)]
pub struct PathParam {
    /// Rust argument name.
    pub name: String,
    /// Name in the document.
    pub wire_name: String,
    /// The parameter's type.
    pub ty: Ty,
    /// How the method takes it.
    pub pass: Pass,
    /// The document's description (empty when it has none).
    pub description: String,
}

/// How a method takes a path parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// `&str` (a `String` parameter).
    Str,
    /// By value (numbers, booleans, enums).
    Value,
}

/// The struct that carries an operation's query parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamsStruct {
    /// Rust name.
    pub name: String,
    /// One field a parameter.
    pub fields: Vec<QueryParam>,
    /// What the struct can derive (`Default` when no parameter is required), decided once
    /// every type is known.
    pub caps: Caps,
    /// `new` (the required parameters) and one setter an optional parameter.
    pub builder: Builder,
}

/// A query parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryParam {
    /// Rust field name.
    pub name: String,
    /// Name on the wire.
    pub wire_name: String,
    /// The document's description (empty when it has none).
    pub description: String,
    /// The field's type, `Option` included when the parameter is optional.
    pub ty: Ty,
    /// Whether the parameter is required.
    pub required: bool,
    /// How its value becomes `key=value` pairs.
    pub style: QueryStyle,
}

/// How a query parameter's value is written into the query string (OpenAPI's `form` style).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryStyle {
    /// One `key=value` pair.
    Single,
    /// An array: one `key=value` pair an element (`explode: true`).
    Repeated,
    /// An object: one pair an entry (`explode: true`). The key is `template` with its `{…}`
    /// part replaced by the entry's key, or the entry's key alone when the template has no
    /// `{…}`.
    Exploded {
        /// The parameter's name as the document writes it, e.g. `objectProperty.{propname}`.
        template: String,
    },
}

/// A request body.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Rust type of the body (without `Option`).
    pub ty: Ty,
    /// Whether an array body is taken as a slice (`&[T]`) rather than `&Vec<T>`.
    pub slice: bool,
    /// How it is encoded.
    pub encoding: BodyEncoding,
    /// Whether the body must be sent.
    pub required: bool,
    /// The document's description (empty when it has none).
    pub description: String,
}

/// How a request body is encoded.
#[derive(Debug, Clone, PartialEq)]
pub enum BodyEncoding {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`: one pair a field.
    Form,
    /// `multipart/form-data`: one part a field of the body struct, in order.
    Multipart(Vec<FormPart>),
}

/// One part of a `multipart/form-data` body: a field of the body's struct.
#[derive(Debug, Clone, PartialEq)]
pub struct FormPart {
    /// The struct field (Rust name).
    pub field: String,
    /// The part's name on the wire.
    pub wire_name: String,
    /// Whether the part is a file ([`Ty::File`]) rather than text.
    pub file: bool,
    /// Whether the field is an `Option`.
    pub optional: bool,
}

/// The success answers of an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Success {
    /// One success status: the method returns its body type, or `()` when it has none.
    Single(SuccessResponse),
    /// Several success statuses: the method returns an enum with one variant each.
    Multi {
        /// Rust name of the enum.
        enum_name: String,
        /// One per status, in ascending status order.
        variants: Vec<(String, SuccessResponse)>,
        /// What the enum can derive, decided once every type is known.
        caps: Caps,
    },
}

impl Success {
    /// Every success answer, by ascending status.
    pub fn answers(&self) -> Vec<&SuccessResponse> {
        match self {
            Success::Single(s) => vec![s],
            Success::Multi { variants, .. } => variants.iter().map(|(_, s)| s).collect(),
        }
    }

    /// Every success answer, to change.
    pub fn answers_mut(&mut self) -> Vec<&mut SuccessResponse> {
        match self {
            Success::Single(s) => vec![s],
            Success::Multi { variants, .. } => variants.iter_mut().map(|(_, s)| s).collect(),
        }
    }
}

/// How an answer's body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    /// As JSON, into the body type.
    Json,
    /// As UTF-8 text (`text/*`), into a `String`.
    Text,
    /// As bytes (any other content type), into a `Vec<u8>`.
    Bytes,
}

/// One success status and its body.
#[derive(Debug, Clone, PartialEq)]
pub struct SuccessResponse {
    /// The HTTP status.
    pub status: u16,
    /// The body type, `None` when the answer has no body.
    pub ty: Option<Ty>,
    /// How the body is read.
    pub decode: Decode,
    /// Whether every 2xx status is this answer (the document's `default` answer, when the
    /// operation lists no success status).
    pub any_success: bool,
    /// The response's description (empty when it has none).
    pub description: String,
}
