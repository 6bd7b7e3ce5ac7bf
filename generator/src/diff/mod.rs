//! What a new version of a document changes for the callers of the generated crate, and whether
//! it breaks their builds.
//!
//! Two steps, apart from the rest of the generator:
//! 1. [`Surface::of`] projects the IR onto the public API surface: the methods of `Client`
//!    (name, HTTP method, path, arguments, body, answers by status, error type, retry safety)
//!    and the types (fields with their Rust type, optionality and wire name, derived traits and
//!    `new(…)`, enum values, union alternatives). It is the only code here that reads the IR.
//! 2. [`compare`] walks two surfaces by name, never by position or text, so reordering a document
//!    changes nothing and a reworded description only adds to [`Report::descriptions`].
//!
//! The surface is also written next to the generated code as its API manifest
//! ([`manifest_path`], see [`manifest`]), so `cargo xtask codegen` can say what a run changed.
//!
//! # When a change is breaking
//!
//! A change is **breaking** when code that compiled against the old crate may stop compiling, or
//! compile with another meaning, following cargo's SemVer guide ("SemVer Compatibility" in the
//! Cargo Book). The generated code is written so that HubSpot's usual additions are not: every
//! struct (the types', the query parameters', the enum of answers by status) and every enum
//! (open string enums, unions) is `#[non_exhaustive]`, so no caller outside the crate writes a
//! struct literal or an exhaustive `match`; every struct has `new(required fields…)`, present
//! when none is required, and, where a request may hold the struct, a `with_<field>` setter an
//! optional field (decided in lowering, [`ir::Builder`]; a struct only answers hold has public
//! fields to assign). So:
//!
//! - Breaking: an operation, type, field, enum value, union alternative or answer removed or
//!   renamed; a type of a field, parameter, body, answer or error changed, optionality included
//!   (`Option<T>` ↔ `T`: a field made required adds an argument to `new`); a required field or
//!   query parameter added (`new` takes it); a method gaining or losing an argument (path
//!   parameter, body, query struct), or its return type changing (one success status becoming
//!   several); a derived `Eq`/`Default` lost; `new(…)` taking the same arguments in another
//!   order; the setters lost (no request holds the struct any more). Each says what a caller
//!   must change.
//! - Compatible: an operation or type added; an optional field or query parameter added (a
//!   setter added where the struct has setters); setters gained; an enum value, union
//!   alternative or status of an enum of answers added (matches outside the crate have a `_` arm already; a value that used to arrive in the open
//!   enum's `Unknown` variant arrives in its own now, which the report mentions); a derived
//!   trait gained; a change only on the wire that no Rust code names (wire name of a field or
//!   parameter, HTTP method, path, operationId, status of a sole success answer, a path
//!   parameter's document name), the retry safety or rate class of an operation, the default
//!   base URL, how a union picks its alternative. Such changes alter what the client sends or
//!   how it behaves, so they are listed, but no caller's build breaks.
//! - Description-only: a description reworded on an element whose API did not change. Counted,
//!   not listed.
//!
//! Renames are reported only with clear evidence, otherwise as one removal and one addition
//! (both breaking anyway): a field is renamed when exactly one field that left the struct and
//! exactly one that came pair up by the same wire name, or by the same type and the same
//! non-empty description; a type when exactly one that left and one that came have the same
//! contents and description; a method when they have the same operationId or the same HTTP
//! method and path.

mod compare;
mod surface;

use std::path::Path;

use serde::Serialize;

pub use compare::compare;
pub use surface::{
    AlternativeSurface, AnswerSurface, BodySurface, FORMAT, FieldSurface, OperationSurface,
    ParamSurface, QuerySurface, Shape, Surface, TypeSurface, ValueSurface,
};

use crate::{Error, ir, load};

/// The API manifest's file name, in each document's module directory
/// (`src/generated/orders/api.json`).
pub const MANIFEST_FILE: &str = "api.json";

/// Where the API manifest of the document module `module` lives, relative to the generated
/// crate's directory.
pub fn manifest_path(module: &str) -> std::path::PathBuf {
    std::path::Path::new(crate::GENERATED_DIR)
        .join(module)
        .join(MANIFEST_FILE)
}

/// The API manifest of a generated crate: its [`Surface`] as JSON, one line a fact. Written by
/// the generator with the code, and compared by `cargo xtask codegen` with the one it replaces.
///
/// A reviewer reads it in the pull request: an object or array that holds only plain values (a
/// field, an enum value, an answer, a list of names) takes one line, so a field added to a type
/// is one added line and a field made required one changed line. What holds more is written a
/// member a line, indented by two spaces.
pub fn manifest(api: &ir::Api) -> Result<String, Error> {
    let value = serde_json::to_value(Surface::of(api))
        .map_err(|e| Error::msg(format!("cannot write the API manifest: {e}")))?;
    let mut text = String::new();
    write_json(&mut text, &value, 0);
    text.push('\n');
    Ok(text)
}

/// Whether `value` is written on one line: a plain value, or an array or object of plain values
/// and arrays of them.
fn is_flat(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Array(items) => items.iter().all(|v| !v.is_array() && !v.is_object()),
        Value::Object(members) => members.values().all(|v| !v.is_object() && is_flat(v)),
        _ => true,
    }
}

/// Writes `value` into `out`, [`is_flat`] values on one line and others a member a line, at
/// `depth` levels of indentation.
fn write_json(out: &mut String, value: &serde_json::Value, depth: usize) {
    use serde_json::Value;
    let flat = is_flat(value);
    let (open, close, items): (char, char, Vec<(Option<&String>, &Value)>) = match value {
        Value::Array(items) => ('[', ']', items.iter().map(|v| (None, v)).collect()),
        Value::Object(members) => (
            '{',
            '}',
            members.iter().map(|(k, v)| (Some(k), v)).collect(),
        ),
        plain => {
            out.push_str(&plain.to_string());
            return;
        }
    };
    out.push(open);
    if items.is_empty() {
        out.push(close);
        return;
    }
    let inner = "  ".repeat(depth + 1);
    for (i, (key, item)) in items.into_iter().enumerate() {
        match (i, flat) {
            (0, true) => {}
            (_, true) => out.push_str(", "),
            (0, false) => out.push('\n'),
            (_, false) => out.push_str(",\n"),
        }
        if !flat {
            out.push_str(&inner);
        }
        if let Some(key) = key {
            out.push_str(&Value::from(key.as_str()).to_string());
            out.push_str(": ");
        }
        write_json(out, item, depth + 1);
    }
    if !flat {
        out.push('\n');
        out.push_str(&"  ".repeat(depth));
    }
    out.push(close);
}

/// Reads an API manifest written by [`manifest`].
pub fn read_manifest(text: &str) -> Result<Surface, Error> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::msg(format!("not an API manifest: {e}")))?;
    // The format first: a manifest of another layout would not read as this one.
    match value.get("format").and_then(serde_json::Value::as_u64) {
        Some(format) if format != u64::from(FORMAT) => {
            return Err(Error::msg(format!(
                "an API manifest of format {format}, not {FORMAT}"
            )));
        }
        _ => {}
    }
    serde_json::from_value(value).map_err(|e| Error::msg(format!("not an API manifest: {e}")))
}

/// The surface of the crate the generator would make from a loaded document.
pub fn surface(doc: &load::Document) -> Result<Surface, Error> {
    crate::lower::lower(doc).map(|api| Surface::of(&api))
}

/// The surface of the crate the generator would make from the document at `path`.
pub fn surface_of_file(path: &Path) -> Result<Surface, Error> {
    let doc = load::load(path)?;
    surface(&doc).map_err(|e| e.in_file(path))
}

/// The surface from a document given as text; `name` says where it came from in errors (such
/// as `HEAD:spec/orders.yaml`).
pub fn surface_of_text(text: &str, syntax: load::Syntax, name: &str) -> Result<Surface, Error> {
    let (raw, api) = load::parse(text, syntax).map_err(|e| e.in_file(name))?;
    surface(&load::Document {
        file: name.into(),
        raw,
        api,
    })
    .map_err(|e| e.in_file(name))
}

/// Whether a change breaks callers' builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// Code that compiled may stop compiling (or compile with another meaning).
    Breaking,
    /// Callers' code keeps compiling; what goes over the wire or how the client behaves may differ.
    Compatible,
}

/// The part of the crate a change is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// The client as a whole.
    Client,
    /// A method of `Client`, with its arguments and answers.
    Operation,
    /// A type of the `types` module.
    Type,
}

/// What kind of change it is, for tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The client's default base URL changed.
    BaseUrlChanged,
    /// A method of `Client` appeared.
    OperationAdded,
    /// A method of `Client` is gone.
    OperationRemoved,
    /// A method of `Client` has another name.
    OperationRenamed,
    /// A method's request (HTTP method, path, operationId), retry safety, rate class or error type changed.
    OperationChanged,
    /// A method takes a new path argument, query parameter or body.
    ParameterAdded,
    /// A method no longer takes a path argument, query parameter or body.
    ParameterRemoved,
    /// A parameter or body changed in type, name or optionality.
    ParameterChanged,
    /// A success status was added to an enum of answers.
    AnswerAdded,
    /// A success status was removed from an enum of answers.
    AnswerRemoved,
    /// What a method returns on success changed.
    AnswerChanged,
    /// A type appeared.
    TypeAdded,
    /// A type is gone.
    TypeRemoved,
    /// A type has another name, the same contents and description.
    TypeRenamed,
    /// A type is of another kind, or an alias names another type.
    TypeChanged,
    /// A type derives `Eq` or `Default` now.
    TraitAdded,
    /// A type no longer derives `Eq` or `Default`.
    TraitRemoved,
    /// A struct's `new(…)` appeared, went away or takes its arguments in another order.
    ConstructorChanged,
    /// A struct has a new field.
    FieldAdded,
    /// A field is gone.
    FieldRemoved,
    /// A field has another name.
    FieldRenamed,
    /// A field went from `Option<T>` to `T`.
    FieldRequired,
    /// A field went from `T` to `Option<T>`.
    FieldOptional,
    /// A field changed type or wire name.
    FieldChanged,
    /// An enum lists a new value.
    ValueAdded,
    /// An enum no longer lists a value (or keeps unlisted ones in another variant).
    ValueRemoved,
    /// An enum value has another variant name.
    ValueRenamed,
    /// A union has a new alternative.
    VariantAdded,
    /// A union lost an alternative.
    VariantRemoved,
    /// A union alternative holds another type, or the union picks alternatives another way.
    VariantChanged,
}

/// One change of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Breaking or compatible.
    pub class: Class,
    /// Where it is.
    pub area: Area,
    /// The item as a caller names it: `Client::method`, `Type`, `Type.field`.
    pub item: String,
    /// What kind of change.
    pub kind: Kind,
    /// What changed and, when breaking, what stops compiling (Markdown).
    pub detail: String,
}

/// A document's title and version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Version {
    /// `info.title`.
    pub title: String,
    /// `info.version`.
    pub version: String,
}

/// The comparison of two surfaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The old document.
    pub old: Version,
    /// The new document.
    pub new: Version,
    /// How many changes are breaking.
    pub breaking: usize,
    /// How many changes are compatible.
    pub compatible: usize,
    /// How many descriptions were reworded on elements whose API did not change.
    pub descriptions: usize,
    /// The API changes: operations by name, then types by name.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether anything breaks callers' builds.
    pub fn is_breaking(&self) -> bool {
        self.breaking > 0
    }

    /// The report as JSON, for tools.
    pub fn to_json(&self) -> String {
        // A tree of strings, numbers and enums of unit variants: serializing cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Counts in a few words: `2 breaking, 1 compatible, 14 description-only changes`, or
    /// `no API change (14 description-only changes)`.
    pub fn counts(&self) -> String {
        let descriptions = plural(self.descriptions, "description-only change");
        if self.changes.is_empty() {
            return format!("no API change ({descriptions})");
        }
        format!(
            "{} breaking, {} compatible, {descriptions}",
            self.breaking, self.compatible
        )
    }

    /// The report in Markdown, to paste into a pull request.
    pub fn markdown(&self) -> String {
        let mut out = String::from("## API changes\n\n");
        let version = |v: &Version| format!("{} {}", v.title, v.version);
        out.push_str(&format!(
            "Old document `{}`, new document `{}`.\n\n",
            version(&self.old),
            version(&self.new)
        ));
        if self.changes.is_empty() {
            out.push_str("No API change");
        } else if self.is_breaking() {
            out.push_str(&format!(
                "**Breaking**: {} break{} callers' builds; {}",
                plural(self.breaking, "change"),
                if self.breaking == 1 { "s" } else { "" },
                plural(self.compatible, "compatible change"),
            ));
        } else {
            out.push_str(&format!(
                "Compatible: {}, none breaking",
                plural(self.compatible, "change")
            ));
        }
        out.push_str(&format!(
            ". {} (not listed).\n",
            capitalize(&plural(self.descriptions, "description-only change"))
        ));
        for (area, title) in [
            (Area::Client, "Client"),
            (Area::Operation, "Operations"),
            (Area::Type, "Types"),
        ] {
            let changes: Vec<&Change> = self.changes.iter().filter(|c| c.area == area).collect();
            if changes.is_empty() {
                continue;
            }
            out.push_str(&format!("\n### {title}\n\n"));
            for c in changes {
                let class = match c.class {
                    Class::Breaking => "**breaking**",
                    Class::Compatible => "compatible",
                };
                out.push_str(&format!("- {class} `{}`: {}\n", c.item, c.detail));
            }
        }
        out
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
