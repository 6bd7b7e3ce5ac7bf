//! Stage 3: spell the IR as Rust tokens, one small function a kind of item.
//!
//! Nothing here looks at the document or makes a choice about it: names, types, attributes
//! and which names each module imports all come decided from the IR. What is composed here
//! is the docs, from the facts the IR carries (descriptions, where a type comes from, an
//! operation's path, retry safety and rate class), wrapped at 100 columns.
//!
//! Each module's code is spelled through a [`Spell`]: it writes an item of another module or
//! crate by name where the naming pass let the module import it, and by path where that name
//! is taken, and notes what it named, so the module's `use` prelude ([`ModuleCode::prelude`])
//! imports exactly that.

mod document;
mod operations;
mod roles;
mod types;
mod wrap;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

pub use document::{client_ext, document_module};
pub use operations::{method_doc, operations_doc, operations_module};
pub use types::{common_module, types_module};
pub use wrap::wrap;

use proc_macro2::{Ident, Literal, Span, TokenStream, TokenTree};
use quote::quote;

use crate::ir::*;

/// The generated module an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    /// `types`: the document's schemas (or the crate's shared `common` types).
    Types,
    /// `operations`: the methods, their parameter structs and answer enums.
    Operations,
    /// `properties`: the typed properties of a property catalog.
    Properties,
    /// The document's module itself (its `mod.rs`): the handle and the helpers' traits.
    Document,
}

impl Module {
    /// The module's name, as the generated crate spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Module::Types => "types",
            Module::Operations => "operations",
            Module::Properties => "properties",
            Module::Document => "mod",
        }
    }
}

/// One emitted item, with its module and a name for snapshots.
#[derive(Debug, Clone)]
pub struct Item {
    /// The module it goes into.
    pub module: Module,
    /// The item's name, e.g. `SimplePublicObject` or `batch_upsert`.
    pub name: String,
    /// The item's tokens.
    pub tokens: TokenStream,
    /// Whether it is a method of the document's handle: its tokens are `impl Handle { … }`
    /// around that one method, and the module's file joins its methods into one `impl`.
    pub method: bool,
}

impl Item {
    /// An item of the `properties` module.
    pub(crate) fn properties(name: impl Into<String>, tokens: TokenStream) -> Item {
        Item::new(Module::Properties, name, tokens)
    }

    fn new(module: Module, name: impl Into<String>, tokens: TokenStream) -> Item {
        Item {
            module,
            name: name.into(),
            tokens,
            method: false,
        }
    }
}

/// What one generated module holds: its `use` prelude (items of other crates first, then
/// those of the document's other modules) and its items, in order.
#[derive(Debug, Clone)]
pub struct ModuleCode {
    /// The `use` items, in the two groups a person would write.
    pub prelude: [Vec<TokenStream>; 2],
    /// The items, in file order.
    pub items: Vec<Item>,
}

/// An identifier from an IR name (which may be a raw identifier `r#type`). What a valid
/// identifier is, and what replaces one that is not, is [`crate::naming::identifier`]'s decision.
pub fn ident(name: &str) -> Ident {
    match crate::naming::identifier(name) {
        crate::naming::Identifier::Raw(bare) => Ident::new_raw(&bare, Span::call_site()),
        crate::naming::Identifier::Plain(plain) => Ident::new(&plain, Span::call_site()),
    }
}

/// A path (`super::types::Thing`) as tokens.
fn path(text: &str) -> TokenStream {
    let parts = text.split("::").map(|part| match part {
        "super" | "self" | "crate" => Ident::new(part, Span::call_site()),
        other => ident(other),
    });
    quote!(#(#parts)::*)
}

/// The match arms between an enum's variants and the strings they are on the wire, given as
/// `(variant name, wire string)`: `Self::V => "v",` for `as_str`, and `"v" => Self::V,` for the
/// conversion from a string. Shared by the document's open enums and the property options.
pub fn wire_arms<'a>(
    variants: impl Iterator<Item = (&'a str, &'a str)>,
) -> (Vec<TokenStream>, Vec<TokenStream>) {
    variants
        .map(|(name, wire)| {
            let variant = ident(name);
            let wire = Literal::string(wire);
            (
                quote!(Self::#variant => #wire,),
                quote!(#wire => Self::#variant,),
            )
        })
        .unzip()
}

/// The widest a generated line may be.
pub const WIDTH: usize = 100;

/// `#[doc = "…"]` lines for the rustdoc of a top-level item, wrapped to [`WIDTH`].
pub fn doc(text: &str) -> TokenStream {
    doc_lines(text, 0)
}

/// `#[doc = "…"]` lines for the rustdoc of an item inside another (a field, a variant, a
/// method), wrapped to [`WIDTH`] at its indentation.
pub fn member_doc(text: &str) -> TokenStream {
    doc_lines(text, 4)
}

fn doc_lines(text: &str, indent: usize) -> TokenStream {
    let lines = wrap(text, WIDTH - indent - "/// ".len())
        .into_iter()
        .map(|line| {
            let line = if line.is_empty() {
                line
            } else {
                format!(" {line}")
            };
            quote!(#[doc = #line])
        });
    quote!(#(#lines)*)
}

/// `#![doc = "…"]` lines for a module's rustdoc, wrapped to [`WIDTH`].
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = wrap(text, WIDTH - "//! ".len()).into_iter().map(|line| {
        let line = if line.is_empty() {
            line
        } else {
            format!(" {line}")
        };
        quote!(#![doc = #line])
    });
    quote!(#(#lines)*)
}

/// The module a [`Spell`] writes in, for the path of what it does not import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The `types` module, or the crate's `common`: every type is in scope.
    Types,
    /// The `operations` module, beside `types`.
    Operations,
    /// The document's own module, the parent of `types` and `operations`.
    Document,
}

/// How one module writes names: by name what the naming pass let it import (noting that it
/// did, for the prelude), by path the rest.
#[derive(Debug, Clone, Copy)]
pub struct Spell<'a> {
    /// The document whose type names are written.
    pub api: &'a Api,
    /// The module written in.
    pub place: Place,
    /// What the module may write by name.
    pub imports: &'a Imports,
    /// What it wrote by name so far.
    pub used: &'a RefCell<BTreeSet<Import>>,
}

impl Spell<'_> {
    /// Whether `import` is written by name here; when it is, notes that it was.
    fn by_name(&self, import: Import) -> bool {
        if self.imports.by_name.contains(&import) {
            self.used.borrow_mut().insert(import);
            true
        } else {
            false
        }
    }

    /// Whether the item `e` is written by name here (its trait's methods are then in scope).
    pub fn imports(&self, e: Extern) -> bool {
        self.imports.by_name.contains(&Import::Extern(e))
    }

    /// An item of another crate or of the standard library.
    pub fn ext(&self, e: Extern) -> TokenStream {
        let (module, name) = e.path();
        if self.by_name(Import::Extern(e)) {
            let name = ident(name);
            quote!(#name)
        } else {
            path(&format!("{module}::{name}"))
        }
    }

    /// The document's handle, from the `operations` module.
    pub fn handle(&self) -> TokenStream {
        if self.by_name(Import::Handle) {
            let name = ident(&self.api.handle);
            quote!(#name)
        } else {
            path(&format!("super::{}", self.api.handle))
        }
    }

    /// A type of the `types` module.
    pub fn type_ref(&self, id: TypeId) -> TokenStream {
        let name = self.api.type_name(id);
        match self.place {
            Place::Types => {
                let name = ident(name);
                quote!(#name)
            }
            _ if self.by_name(Import::Type(id)) => {
                let name = ident(name);
                quote!(#name)
            }
            Place::Operations => path(&format!("super::types::{name}")),
            Place::Document => path(&format!("types::{name}")),
        }
    }

    /// An item of the `operations` module, from the document's module.
    pub fn op_item(&self, name: &str) -> TokenStream {
        if self.by_name(Import::Operations(name.to_owned())) {
            let name = ident(name);
            quote!(#name)
        } else {
            path(&format!("operations::{name}"))
        }
    }

    /// A Rust type.
    pub fn ty(&self, t: &Ty) -> TokenStream {
        match t {
            Ty::String => quote!(String),
            Ty::Bool => quote!(bool),
            Ty::I32 => quote!(i32),
            Ty::I64 => quote!(i64),
            Ty::F32 => quote!(f32),
            Ty::F64 => quote!(f64),
            Ty::DateTime => {
                let (date_time, utc) = (self.ext(Extern::DateTime), self.ext(Extern::Utc));
                quote!(#date_time<#utc>)
            }
            Ty::Date => self.ext(Extern::NaiveDate),
            Ty::Json => self.ext(Extern::Value),
            Ty::Named(id) => self.type_ref(*id),
            Ty::Vec(inner) => {
                let inner = self.ty(inner);
                quote!(Vec<#inner>)
            }
            Ty::Map(inner) => {
                let map = self.ext(Extern::BTreeMap);
                let inner = self.ty(inner);
                quote!(#map<String, #inner>)
            }
            Ty::Option(inner) => {
                let inner = self.ty(inner);
                quote!(Option<#inner>)
            }
            Ty::Boxed(inner) => {
                let inner = self.ty(inner);
                quote!(Box<#inner>)
            }
            Ty::Bytes => quote!(Vec<u8>),
            Ty::File => self.ext(Extern::FilePart),
        }
    }

    /// `Result<ok, err>`.
    pub fn result(&self, ok: TokenStream, err: TokenStream) -> TokenStream {
        let result = self.ext(Extern::Result);
        quote!(#result<#ok, #err>)
    }
}

/// A type as the document's `types` module writes it, as text (`Option<Vec<Thing>>`): what
/// the API-change report shows of a type.
pub fn type_text(api: &Api, t: &Ty) -> String {
    let used = RefCell::new(BTreeSet::new());
    let spell = Spell {
        api,
        place: Place::Types,
        imports: &api.imports.types,
        used: &used,
    };
    compact(spell.ty(t))
}

/// Tokens of a type as a person writes them: no space but after a comma.
fn compact(tokens: TokenStream) -> String {
    let mut out = String::new();
    for tree in tokens {
        match tree {
            TokenTree::Ident(i) => out.push_str(&i.to_string()),
            TokenTree::Punct(p) => {
                out.push(p.as_char());
                if p.as_char() == ',' {
                    out.push(' ');
                }
            }
            TokenTree::Literal(l) => out.push_str(&l.to_string()),
            TokenTree::Group(g) => {
                let (open, close) = match g.delimiter() {
                    proc_macro2::Delimiter::Parenthesis => ("(", ")"),
                    proc_macro2::Delimiter::Bracket => ("[", "]"),
                    proc_macro2::Delimiter::Brace => ("{", "}"),
                    proc_macro2::Delimiter::None => ("", ""),
                };
                out.push_str(open);
                out.push_str(&compact(g.stream()));
                out.push_str(close);
            }
        }
    }
    out
}

/// The `use` items for what a module wrote by name: items of other crates, grouped by the
/// module they come from, then the document's own (`super::types`, `types`, `operations`).
pub fn prelude(api: Option<&Api>, place: Place, used: &BTreeSet<Import>) -> [Vec<TokenStream>; 2] {
    let mut from: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut local: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for import in used {
        match import {
            Import::Extern(e) if !e.in_prelude() => {
                let (module, name) = e.path();
                from.entry(module.to_owned())
                    .or_default()
                    .push(name.to_owned());
            }
            Import::Extern(_) => {}
            Import::Handle => {
                if let Some(api) = api {
                    local
                        .entry("super".to_owned())
                        .or_default()
                        .push(api.handle.clone());
                }
            }
            Import::Type(id) => {
                if let Some(api) = api {
                    let module = match place {
                        Place::Operations => "super::types",
                        _ => "types",
                    };
                    local
                        .entry(module.to_owned())
                        .or_default()
                        .push(api.type_name(*id).to_owned());
                }
            }
            Import::Operations(name) => {
                local
                    .entry("operations".to_owned())
                    .or_default()
                    .push(name.clone());
            }
        }
    }
    // Sorted as their text: `std::collections::BTreeMap` before `std::fmt`.
    let uses = |groups: BTreeMap<String, Vec<String>>| -> Vec<TokenStream> {
        let mut groups: Vec<(String, Vec<String>)> = groups
            .into_iter()
            .map(|(module, mut names)| {
                names.sort();
                (module, names)
            })
            .collect();
        groups.sort_by_key(|(module, names)| format!("{module}::{}", names[0]));
        groups
            .into_iter()
            .map(|(module, names)| {
                let module = path(&module);
                let names: Vec<Ident> = names.iter().map(|n| ident(n)).collect();
                match names.as_slice() {
                    [one] => quote!(use #module::#one;),
                    _ => quote!(use #module::{#(#names),*};),
                }
            })
            .collect()
    };
    [uses(from), uses(local)]
}

/// The parent a type's fallback docs name: `[`Parent`]` for a type, `` the `method`
/// operation`` for an operation.
fn parent_text(api: &Api, parent: &Parent) -> String {
    match parent {
        Parent::Type(id) => format!("[`{}`]", api.type_name(*id)),
        Parent::Operation(method) => format!("the `{}` operation", crate::naming::bare(method)),
    }
}

/// The rustdoc link to a method of the document's handle, from a module beside `types`.
fn method_link(method: &str, handle: &str) -> String {
    let bare = crate::naming::bare(method);
    format!("[`{handle}::{bare}`](super::{handle}::{bare})")
}

/// `text`, or `fallback` when the document gave none.
fn or(text: &str, fallback: impl FnOnce() -> String) -> String {
    if text.is_empty() {
        fallback()
    } else {
        text.to_owned()
    }
}

/// The `#[derive(…)]` of a type: what every generated type has, what its capabilities allow
/// (as decided in lower), then `extra`.
fn derives(caps: &Caps, extra: &[TokenStream]) -> TokenStream {
    let mut list = vec![quote!(Debug), quote!(Clone)];
    if caps.copy {
        list.push(quote!(Copy));
    }
    list.push(quote!(PartialEq));
    if caps.eq {
        list.push(quote!(Eq));
    }
    if caps.hash {
        list.push(quote!(Hash));
    }
    if caps.default {
        list.push(quote!(Default));
    }
    list.extend(extra.iter().cloned());
    let non_exhaustive = if caps.non_exhaustive {
        quote!(#[non_exhaustive])
    } else {
        quote!()
    };
    quote!(#[derive(#(#list),*)] #non_exhaustive)
}

/// One field as [`builder`] reads it: its Rust name and type, `Option` included.
pub(crate) struct BuiltField<'a> {
    pub name: &'a str,
    pub ty: &'a Ty,
}

/// `new` (the fields that are not `Option`s, in order) and the setters of a struct, as the IR's
/// [`Builder`] decides them.
pub(crate) fn builder(
    type_name: &str,
    fields: &[BuiltField<'_>],
    builder: &Builder,
    spell: Spell<'_>,
) -> TokenStream {
    let name = ident(type_name);
    let required: Vec<&BuiltField<'_>> = fields
        .iter()
        .filter(|f| !matches!(f.ty, Ty::Option(_)))
        .collect();
    let args = required.iter().map(|f| {
        let fname = ident(f.name);
        let fty = spell.ty(f.ty);
        quote!(#fname: #fty)
    });
    let inits = fields.iter().map(|f| {
        let fname = ident(f.name);
        if matches!(f.ty, Ty::Option(_)) {
            quote!(#fname: None)
        } else {
            quote!(#fname)
        }
    });
    let allow = if required.len() > 7 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    // Said the same whether or not the struct has optional fields yet, so one HubSpot adds
    // changes no doc line.
    let how = if builder.sent {
        "the `with_…` setters add optional ones"
    } else {
        "optional ones are public fields to assign"
    };
    let new_doc = member_doc(&if required.is_empty() {
        format!("A `{type_name}` with every field left out; {how}.")
    } else {
        format!("A `{type_name}` from its required fields; {how}.")
    });
    let setters = builder.setters.iter().filter_map(|setter| {
        let f = fields.iter().find(|f| f.name == setter.field)?;
        let Ty::Option(inner) = f.ty else {
            return None;
        };
        let fname = ident(f.name);
        let method = ident(&setter.method);
        // A boxed field (recursion) takes the value and boxes it itself.
        let (inner, value) = match &**inner {
            Ty::Boxed(held) => (spell.ty(held), quote!(Box::new(value))),
            other => (spell.ty(other), quote!(value)),
        };
        let sdoc = member_doc(&format!("Sets `{}`.", crate::naming::bare(f.name)));
        Some(quote! {
            #sdoc
            pub fn #method(mut self, value: #inner) -> Self {
                self.#fname = Some(#value);
                self
            }
        })
    });
    quote! {
        impl #name {
            #new_doc
            #allow
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }

            #(#setters)*
        }
    }
}

/// The description of the operation that the runtime paces, retries and traces the request
/// by, as a constant expression.
pub(crate) fn operation_info(op: &Operation, spell: Spell<'_>) -> TokenStream {
    let name = op.method_name.trim_start_matches("r#");
    let operation_id = &op.operation_id;
    let path = &op.path;
    let accept = &op.accept;
    let repeat = match op.repeat {
        Repeat::Safe => quote!(Safe),
        Repeat::Unsafe => quote!(Unsafe),
    };
    let rate = match op.rate_class {
        RateClass::Standard => quote!(Standard),
        RateClass::Search => quote!(Search),
    };
    let info = spell.ext(Extern::OperationInfo);
    let repeat_ty = spell.ext(Extern::Repeat);
    let rate_ty = spell.ext(Extern::RateClass);
    quote! {
        #info::new(
            #name,
            #operation_id,
            #path,
            #repeat_ty::#repeat,
            #rate_ty::#rate,
            #accept,
        )
    }
}
