//! The public API surface: what a caller of the generated crate can name, call, construct or
//! match, projected from the IR by [`Surface::of`], the one function of [`diff`](super) that
//! reads the IR.
//!
//! Types and operations are sorted by name, so reordering a document changes nothing here;
//! fields, path parameters and union alternatives keep their order, because the order of
//! `new(…)`'s arguments, of a method's arguments and of the alternatives a union tries is part of
//! what a caller relies on. Every Rust type is spelled as the generated `types` module spells
//! it, by emit's own renderer ([`emit::type_text`]).
//!
//! Docs are compared as the facts they are made of, never as composed prose: an operation's
//! summary and description, and each element's description as the document writes it (empty
//! when it has none). The request line, retry safety and rate class are facts of their own.
//!
//! The surface is serialized as the API manifest (`src/generated/api.json`), so it only holds
//! plain data and renaming a field here is a change of the manifest's format ([`FORMAT`]).

use serde::{Deserialize, Serialize};

use crate::{emit, ir};

/// The version of the manifest's layout; a manifest of another version is not compared.
pub const FORMAT: u32 = 4;

/// Everything a caller of one generated crate sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Surface {
    /// [`FORMAT`] when written.
    pub format: u32,
    /// The document's title.
    pub title: String,
    /// The document's version.
    pub version: String,
    /// The client's default base URL.
    pub base_url: String,
    /// The methods of the document's handle, by name.
    pub operations: Vec<OperationSurface>,
    /// The types of the `types` module, by name.
    pub types: Vec<TypeSurface>,
}

/// One method of the document's handle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationSurface {
    /// The Rust method name: how callers name the operation.
    pub name: String,
    /// The document's operationId.
    pub operation_id: String,
    /// The HTTP method, upper case.
    pub http_method: String,
    /// The path template.
    pub path: String,
    /// The document's summary of the operation.
    pub summary: String,
    /// The document's description of the operation.
    pub description: String,
    /// Path parameters: positional arguments, in path order.
    pub path_params: Vec<ParamSurface>,
    /// The struct of query parameters, when there is one.
    pub query: Option<QuerySurface>,
    /// The request body, when there is one.
    pub body: Option<BodySurface>,
    /// What the method returns on success: a type, `()`, or the enum of answers by status.
    pub returns: String,
    /// The success answers, by ascending status.
    pub answers: Vec<AnswerSurface>,
    /// The body type of an error answer (`Error<…>`).
    pub error: String,
    /// Whether the runtime repeats the request after an ambiguous failure (`safe`/`unsafe`).
    pub retry: String,
    /// The rate limit the request counts against (`standard`/`search`).
    pub rate_class: String,
}

/// A path parameter or a query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParamSurface {
    /// Rust name (argument or field).
    pub name: String,
    /// Name in the document.
    pub wire_name: String,
    /// The Rust type, `Option` included for an optional query parameter.
    pub ty: String,
    /// Whether a caller must give it.
    pub required: bool,
    /// Its description.
    pub description: String,
}

/// The struct that carries an operation's query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuerySurface {
    /// Rust name of the struct.
    pub name: String,
    /// Whether it implements `Default`.
    pub default: bool,
    /// One field a parameter, in document order.
    pub params: Vec<ParamSurface>,
}

/// A request body argument.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodySurface {
    /// The Rust type of the body.
    pub ty: String,
    /// Whether it must be sent (`&T`) or may be left out (`Option<&T>`).
    pub required: bool,
    /// Its description.
    pub description: String,
}

/// One success answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerSurface {
    /// HTTP status.
    pub status: u16,
    /// With several success answers, the variant of the answers' enum.
    pub variant: Option<String>,
    /// The body type, `None` when the answer has no body.
    pub body: Option<String>,
    /// Its description.
    pub description: String,
}

/// A type of the `types` module. (The enum of an operation's answers and the struct of its query
/// parameters belong to their operation.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TypeSurface {
    /// Rust name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// What kind of type it is, with what it holds.
    pub shape: Shape,
}

/// The kinds of types and what a caller sees of each.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Shape {
    /// A struct with public fields.
    Struct {
        /// Fields in declaration order.
        fields: Vec<FieldSurface>,
        /// Whether it implements `Eq`.
        eq: bool,
        /// Whether it implements `Default`. (Every struct is `#[non_exhaustive]` and has
        /// `new(…)` taking its fields that are not optional, in order: [`Shape::new_args`].)
        default: bool,
        /// Whether a request may hold it, so its optional fields have `with_…` setters
        /// (a struct only answers hold has none).
        setters: bool,
    },
    /// An open string enum.
    Enum {
        /// The listed values.
        values: Vec<ValueSurface>,
        /// The variant that keeps unlisted values.
        other: String,
    },
    /// `pub type Name = Ty;`
    Alias {
        /// The aliased type.
        ty: String,
    },
    /// An enum of alternatives.
    Union {
        /// Alternatives in the order decoding tries them.
        variants: Vec<AlternativeSurface>,
        /// With a discriminator: its property.
        discriminator: Option<String>,
        /// With a discriminator: the variant that keeps unclaimed objects.
        other: Option<String>,
    },
}

impl Shape {
    /// A struct's `new(…)` arguments: its fields that are not optional, in field order.
    pub fn new_args(fields: &[FieldSurface]) -> Vec<String> {
        fields
            .iter()
            .filter(|f| !f.optional)
            .map(|f| f.name.clone())
            .collect()
    }

    /// The kind's name as the report says it.
    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Struct { .. } => "struct",
            Shape::Enum { .. } => "enum",
            Shape::Alias { .. } => "type alias",
            Shape::Union { .. } => "union enum",
        }
    }
}

/// A field of a struct.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSurface {
    /// Rust name.
    pub name: String,
    /// Name on the wire.
    pub wire_name: String,
    /// The Rust type, `Option` included.
    pub ty: String,
    /// Whether the type is an `Option`.
    pub optional: bool,
    /// Its description.
    pub description: String,
}

/// A listed value of an open enum.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueSurface {
    /// Rust variant name.
    pub name: String,
    /// The value on the wire.
    pub wire: String,
}

/// An alternative of a union.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlternativeSurface {
    /// Rust variant name.
    pub name: String,
    /// The type it holds.
    pub ty: String,
    /// With a discriminator: the values that select it.
    pub tags: Vec<String>,
}

impl Surface {
    /// Projects the IR of a generated crate onto what its callers see. The only function of the
    /// diff that reads the IR: a change of the IR is mended here.
    pub fn of(api: &ir::Api) -> Surface {
        let mut operations: Vec<OperationSurface> =
            api.operations.iter().map(|op| operation(api, op)).collect();
        operations.sort_by(|a, b| a.name.cmp(&b.name));
        let mut types: Vec<TypeSurface> = api.types.iter().map(|t| type_surface(api, t)).collect();
        types.sort_by(|a, b| a.name.cmp(&b.name));
        Surface {
            format: FORMAT,
            title: api.title.clone(),
            version: api.version.clone(),
            base_url: api.default_base_url.clone(),
            operations,
            types,
        }
    }
}

fn operation(api: &ir::Api, op: &ir::Operation) -> OperationSurface {
    let spell = |t: &ir::Ty| emit::type_text(api, t);
    let (returns, answers) = match &op.success {
        ir::Success::Single(s) => (
            s.ty.as_ref().map_or_else(|| "()".to_owned(), spell),
            vec![answer(api, None, s)],
        ),
        ir::Success::Multi {
            enum_name,
            variants,
            ..
        } => (
            enum_name.clone(),
            variants
                .iter()
                .map(|(v, s)| answer(api, Some(v), s))
                .collect(),
        ),
    };
    let mut answers = answers;
    answers.sort_by_key(|a| a.status);
    OperationSurface {
        name: op.method_name.clone(),
        operation_id: op.operation_id.clone(),
        http_method: op.http_method.as_str().to_owned(),
        path: op.path.clone(),
        summary: op.summary.clone(),
        description: op.description.clone(),
        path_params: op
            .path_params
            .iter()
            .map(|p| ParamSurface {
                name: p.name.clone(),
                wire_name: p.wire_name.clone(),
                ty: spell(&p.ty),
                required: true,
                description: p.description.clone(),
            })
            .collect(),
        query: op.query.as_ref().map(|q| QuerySurface {
            name: q.name.clone(),
            default: q.caps.default,
            params: q
                .fields
                .iter()
                .map(|f| ParamSurface {
                    name: f.name.clone(),
                    wire_name: f.wire_name.clone(),
                    ty: spell(&f.ty),
                    required: f.required,
                    description: f.description.clone(),
                })
                .collect(),
        }),
        body: op.body.as_ref().map(|b| BodySurface {
            ty: spell(&b.ty),
            required: b.required,
            description: b.description.clone(),
        }),
        returns,
        answers,
        error: spell(&op.error_ty),
        retry: match op.repeat {
            ir::Repeat::Safe => "safe",
            ir::Repeat::Unsafe => "unsafe",
        }
        .to_owned(),
        rate_class: match op.rate_class {
            ir::RateClass::Standard => "standard",
            ir::RateClass::Search => "search",
        }
        .to_owned(),
    }
}

fn answer(api: &ir::Api, variant: Option<&String>, s: &ir::SuccessResponse) -> AnswerSurface {
    AnswerSurface {
        status: s.status,
        variant: variant.cloned(),
        body: s.ty.as_ref().map(|t| emit::type_text(api, t)),
        description: s.description.clone(),
    }
}

fn type_surface(api: &ir::Api, t: &ir::TypeDef) -> TypeSurface {
    let spell = |t: &ir::Ty| emit::type_text(api, t);
    let shape = match t {
        ir::TypeDef::Struct(s) => Shape::Struct {
            fields: s
                .fields
                .iter()
                .map(|f| FieldSurface {
                    name: f.name.clone(),
                    wire_name: f.wire_name.clone(),
                    ty: spell(&f.ty),
                    optional: matches!(f.ty, ir::Ty::Option(_)),
                    description: f.description.clone(),
                })
                .collect(),
            eq: s.caps.eq,
            default: s.caps.default,
            setters: s.builder.sent,
        },
        ir::TypeDef::Enum(e) => Shape::Enum {
            values: e
                .variants
                .iter()
                .map(|v| ValueSurface {
                    name: v.name.clone(),
                    wire: v.wire.clone(),
                })
                .collect(),
            other: e.other_variant.clone(),
        },
        ir::TypeDef::Alias(a) => Shape::Alias { ty: spell(&a.ty) },
        ir::TypeDef::Union(u) => Shape::Union {
            variants: u
                .variants
                .iter()
                .map(|v| AlternativeSurface {
                    name: v.name.clone(),
                    ty: spell(&v.ty),
                    tags: v.tags.clone(),
                })
                .collect(),
            discriminator: u.discriminator.as_ref().map(|d| d.property.clone()),
            other: u.discriminator.as_ref().map(|d| d.other_variant.clone()),
        },
    };
    TypeSurface {
        name: t.name().to_owned(),
        description: t.description().to_owned(),
        shape,
    }
}
