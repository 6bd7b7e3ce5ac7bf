//! Stage 3: spell the IR as Rust tokens, one small function a kind of item.
//!
//! Nothing here looks at the document or makes a choice about it: names, types and attributes
//! all come decided from the IR.

mod document;
mod roles;

pub use document::{client_ext, document_items, handle_item};

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use crate::ir::*;

/// Where a type is spelled, relative to the document's `types` module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Inside `types` (or the shared `common` module): named types are in scope.
    Types,
    /// In a module beside `types` (`operations`, `properties`): `super::types::Name`.
    Sibling,
    /// In the document's own module, the parent of `types`: `types::Name`.
    Document,
}

/// The generated module an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Module {
    /// `types`: the document's schemas.
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
}

/// An identifier from an IR name (which may be a raw identifier `r#type`). What a valid
/// identifier is, and what replaces one that is not, is [`crate::naming::identifier`]'s decision.
pub fn ident(name: &str) -> Ident {
    match crate::naming::identifier(name) {
        crate::naming::Identifier::Raw(bare) => Ident::new_raw(&bare, Span::call_site()),
        crate::naming::Identifier::Plain(plain) => Ident::new(&plain, Span::call_site()),
    }
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

/// `#[doc = "…"]` lines for a rustdoc text.
pub fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// `#![doc = "…"]` lines for a module's rustdoc.
pub fn inner_doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {}", line.trim_end())
        };
        quote!(#![doc = #line])
    });
    quote!(#(#lines)*)
}

/// A Rust type.
pub fn ty(t: &Ty, scope: Scope) -> TokenStream {
    match t {
        Ty::String => quote!(String),
        Ty::Bool => quote!(bool),
        Ty::I32 => quote!(i32),
        Ty::I64 => quote!(i64),
        Ty::F32 => quote!(f32),
        Ty::F64 => quote!(f64),
        Ty::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        Ty::Date => quote!(::chrono::NaiveDate),
        Ty::Json => quote!(::serde_json::Value),
        Ty::Named(name) => {
            let name = ident(name);
            match scope {
                Scope::Types => quote!(#name),
                Scope::Sibling => quote!(super::types::#name),
                Scope::Document => quote!(types::#name),
            }
        }
        Ty::Vec(inner) => {
            let inner = ty(inner, scope);
            quote!(Vec<#inner>)
        }
        Ty::Map(inner) => {
            let inner = ty(inner, scope);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        Ty::Option(inner) => {
            let inner = ty(inner, scope);
            quote!(Option<#inner>)
        }
        Ty::Boxed(inner) => {
            let inner = ty(inner, scope);
            quote!(Box<#inner>)
        }
        Ty::Bytes => quote!(Vec<u8>),
        Ty::File => quote!(::hubspot_runtime::FilePart),
    }
}

/// The `types` module's items.
pub fn types(api: &Api) -> Vec<Item> {
    api.types.iter().map(type_item).collect()
}

/// The item of one type.
pub fn type_item(t: &TypeDef) -> Item {
    Item {
        module: Module::Types,
        name: t.name().to_owned(),
        tokens: match t {
            TypeDef::Struct(s) => struct_def(s),
            TypeDef::Enum(e) => enum_def(e),
            TypeDef::Alias(a) => alias_def(a),
            TypeDef::Union(u) => union_def(u),
        },
    }
}

fn struct_def(s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc(&s.doc);
    let derives = derives(
        &s.caps,
        &[quote!(::serde::Serialize), quote!(::serde::Deserialize)],
    );
    let fields = s.fields.iter().map(field);
    let constructor = if s.constructor {
        constructor(s)
    } else {
        quote!()
    };
    let roles = roles::struct_roles(s);
    quote! {
        #docs
        #derives
        pub struct #name {
            #(#fields)*
        }

        #constructor
        #roles
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
    quote!(#[derive(#(#list),*)])
}

fn constructor(s: &StructDef) -> TokenStream {
    let name = ident(&s.name);
    let required: Vec<&Field> = s
        .fields
        .iter()
        .filter(|f| !matches!(f.ty, Ty::Option(_)))
        .collect();
    let args = required.iter().map(|f| {
        let fname = ident(&f.name);
        let fty = ty(&f.ty, Scope::Types);
        quote!(#fname: #fty)
    });
    let inits = s.fields.iter().map(|f| {
        let fname = ident(&f.name);
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
    let docs = doc(&format!(
        "A `{}` with the required fields given and the optional ones left out.",
        s.name
    ));
    quote! {
        impl #name {
            #docs
            #allow
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits),* }
            }
        }
    }
}

fn field(f: &Field) -> TokenStream {
    let docs = doc(&f.doc);
    let name = ident(&f.name);
    let field_ty = ty(&f.ty, Scope::Types);
    let mut args = Vec::new();
    if f.serde.rename {
        let wire = &f.wire_name;
        args.push(quote!(rename = #wire));
    }
    if f.serde.default {
        args.push(quote!(default));
    }
    if f.serde.null_as_default {
        args.push(quote!(
            deserialize_with = "::hubspot_runtime::codegen::null_as_default"
        ));
    }
    if f.serde.skip_if_none {
        args.push(quote!(skip_serializing_if = "Option::is_none"));
    }
    let attr = if args.is_empty() {
        quote!()
    } else {
        quote!(#[serde(#(#args),*)])
    };
    quote! {
        #docs
        #attr
        pub #name: #field_ty,
    }
}

fn alias_def(a: &AliasDef) -> TokenStream {
    let name = ident(&a.name);
    let docs = doc(&a.doc);
    let target = ty(&a.ty, Scope::Types);
    quote! {
        #docs
        pub type #name = #target;
    }
}

fn union_def(u: &UnionDef) -> TokenStream {
    let name = ident(&u.name);
    let variants = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vty = ty(&v.ty, Scope::Types);
        let vdoc = if v.tags.is_empty() {
            doc(&format!("The `{}` alternative.", v.name))
        } else {
            let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
            doc(&format!(
                "Chosen when the discriminator is {}.",
                tags.join(" or ")
            ))
        };
        quote!(#vdoc #vname(#vty),)
    });
    let Some(d) = &u.discriminator else {
        let docs = doc(&format!(
            "{}\n\nDecoding tries the alternatives in order and keeps the first that fits.",
            u.doc
        ));
        let derives = derives(
            &u.caps,
            &[quote!(::serde::Serialize), quote!(::serde::Deserialize)],
        );
        return quote! {
            #docs
            #derives
            #[serde(untagged)]
            pub enum #name {
                #(#variants)*
            }
        };
    };
    let docs = doc(&format!(
        "{}\n\nThe `{}` property picks the alternative; an object with a value no alternative \
         claims is kept as JSON in [`{}::{}`].",
        u.doc, d.property, u.name, d.other_variant
    ));
    let property = &d.property;
    let other = ident(&d.other_variant);
    let arms = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let tags = v.tags.iter().map(|t| Literal::string(t));
        quote! {
            Some(#(#tags)|*) => ::serde_json::from_value(value).map(Self::#vname).map_err(D::Error::custom),
        }
    });
    let derives = derives(&u.caps, &[quote!(::serde::Serialize)]);
    quote! {
        #docs
        #derives
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            /// An object whose discriminator names no alternative this version of the
            /// document lists, as the server sent it.
            #other(::serde_json::Value),
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                use ::serde::de::Error as _;
                let value = ::serde_json::Value::deserialize(deserializer)?;
                match value.get(#property).and_then(::serde_json::Value::as_str) {
                    #(#arms)*
                    _ => Ok(Self::#other(value)),
                }
            }
        }
    }
}

fn enum_def(e: &EnumDef) -> TokenStream {
    let name = ident(&e.name);
    let docs = doc(&format!(
        "{}\n\nOpen to values the document does not list: those are kept in [`{}::{}`] and \
         written back unchanged.",
        e.doc, e.name, e.other_variant
    ));
    let other = ident(&e.other_variant);
    let variants = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vdoc = doc(&format!("`{}`", v.wire));
        quote!(#vdoc #vname,)
    });
    let (to_str, from_str) = wire_arms(e.variants.iter().map(|v| (&*v.name, &*v.wire)));
    let derives = derives(&e.caps, &[]);
    quote! {
        #docs
        #derives
        pub enum #name {
            #(#variants)*
            /// A value this version of the document does not list, as the server sent it.
            #other(String),
        }

        impl #name {
            /// The value as it is written in JSON.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::#other(value) => value,
                }
            }
        }

        impl From<String> for #name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #(#from_str)*
                    _ => Self::#other(value),
                }
            }
        }

        impl From<&str> for #name {
            fn from(value: &str) -> Self {
                Self::from(value.to_owned())
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::core::result::Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

/// The `operations` module's items: the base URL, parameter structs, answer enums, and one
/// `impl Client` item a method.
pub fn operations(api: &Api, handle: &str) -> Vec<Item> {
    let mut items = vec![base_url_item(api)];
    for op in &api.operations {
        items.extend(operation_items(op, handle));
    }
    items
}

/// The `DEFAULT_BASE_URL` constant.
pub fn base_url_item(api: &Api) -> Item {
    let base = &api.default_base_url;
    Item {
        module: Module::Operations,
        name: "DEFAULT_BASE_URL".to_owned(),
        tokens: quote! {
            /// The server the document names first (a [`Client`](hubspot_runtime::Client)
            /// sends requests to its own base URL, `https://api.hubapi.com` unless told otherwise).
            pub const DEFAULT_BASE_URL: &str = #base;
        },
    }
}

/// The items of one operation: its parameters struct and answer enum when it has them, then
/// its method.
pub fn operation_items(op: &Operation, handle: &str) -> Vec<Item> {
    let mut items = Vec::new();
    {
        if let Some(q) = &op.query {
            items.push(Item {
                module: Module::Operations,
                name: q.name.clone(),
                tokens: params_struct(q, &op.method_name, handle),
            });
        }
        if let Success::Multi {
            enum_name,
            variants,
            caps,
        } = &op.success
        {
            let text = format!(
                "The success answers of {}, one variant a status.",
                method_link(&op.method_name, handle)
            );
            items.push(Item {
                module: Module::Operations,
                name: enum_name.clone(),
                tokens: answer_enum(enum_name, &text, variants, caps),
            });
        }
        items.push(Item {
            module: Module::Operations,
            name: op.method_name.clone(),
            tokens: method(op, handle),
        });
    }
    items
}

/// A rustdoc link to a method of the document's handle, from a module beside `types`.
fn method_link(method: &str, handle: &str) -> String {
    let bare = crate::naming::bare(method);
    format!("[`{handle}::{bare}`](super::{handle}::{bare})")
}

fn params_struct(q: &ParamsStruct, method: &str, handle: &str) -> TokenStream {
    let name = ident(&q.name);
    let docs = doc(&format!(
        "Query parameters of {}.",
        method_link(method, handle)
    ));
    let derives = derives(&q.caps, &[]);
    let fields = q.fields.iter().map(|f| {
        let fdoc = doc(&f.doc);
        let fname = ident(&f.name);
        let fty = ty(&f.ty, Scope::Sibling);
        quote!(#fdoc pub #fname: #fty,)
    });
    quote! {
        #docs
        #derives
        pub struct #name {
            #(#fields)*
        }
    }
}

fn answer_enum(
    name: &str,
    text: &str,
    variants: &[(String, SuccessResponse)],
    caps: &Caps,
) -> TokenStream {
    let name = ident(name);
    let docs = doc(text);
    let defs = variants.iter().map(|(v, s)| {
        let vname = ident(v);
        let vdoc = doc(&format!("{}: {}", s.status, s.doc));
        match &s.ty {
            Some(t) => {
                let t = ty(t, Scope::Sibling);
                quote!(#vdoc #vname(#t),)
            }
            None => quote!(#vdoc #vname,),
        }
    });
    let statuses = variants.iter().map(|(v, s)| {
        let vname = ident(v);
        let status = Literal::u16_unsuffixed(s.status);
        match &s.ty {
            Some(_) => quote!(Self::#vname(_) => #status,),
            None => quote!(Self::#vname => #status,),
        }
    });
    let derives = derives(caps, &[]);
    quote! {
        #docs
        #derives
        pub enum #name {
            #(#defs)*
        }

        impl #name {
            /// The HTTP status the server answered with.
            pub fn status(&self) -> u16 {
                match self {
                    #(#statuses)*
                }
            }
        }
    }
}

fn method(op: &Operation, handle: &str) -> TokenStream {
    let name = ident(&op.method_name);
    let handle = ident(handle);
    let mut docs_text = op.doc.clone();
    docs_text.push_str(
        "\n\n# Errors\n\n[`Error::Api`](hubspot_runtime::Error::Api) when the server answers with \
         a status the document does not list as a success, and the other \
         [`Error`](hubspot_runtime::Error) variants when no usable answer arrives.",
    );
    let docs = doc(&docs_text);

    let mut args = Vec::new();
    for p in &op.path_params {
        let pname = ident(&p.name);
        match p.pass {
            Pass::Str => args.push(quote!(#pname: &str)),
            Pass::Value => {
                let pty = ty(&p.ty, Scope::Sibling);
                args.push(quote!(#pname: #pty));
            }
        }
    }
    if let Some(b) = &op.body {
        let bty = match &b.ty {
            Ty::Vec(inner) if b.slice => {
                let inner = ty(inner, Scope::Sibling);
                quote!([#inner])
            }
            other => ty(other, Scope::Sibling),
        };
        if b.required {
            args.push(quote!(body: &#bty));
        } else {
            args.push(quote!(body: Option<&#bty>));
        }
    }
    if let Some(q) = &op.query {
        let qname = ident(&q.name);
        args.push(quote!(params: &#qname));
    }

    let http_method = format_ident!("{}", op.http_method.as_str());
    let path = path_expr(op);
    let query = op.query.iter().flat_map(|q| &q.fields).map(|f| {
        let fname = ident(&f.name);
        let key = &f.wire_name;
        match (&f.style, f.required) {
            (QueryStyle::Repeated, false) => {
                quote!(request.query_each(#key, params.#fname.as_deref())?;)
            }
            (QueryStyle::Repeated, true) => {
                quote!(request.query_each(#key, Some(params.#fname.as_slice()))?;)
            }
            (QueryStyle::Exploded { template }, false) => {
                quote!(request.query_map(#template, params.#fname.as_ref())?;)
            }
            (QueryStyle::Exploded { template }, true) => {
                quote!(request.query_map(#template, Some(&params.#fname))?;)
            }
            (QueryStyle::Single, false) => {
                quote!(request.query_opt(#key, params.#fname.as_ref())?;)
            }
            (QueryStyle::Single, true) => quote!(request.query(#key, &params.#fname)?;),
        }
    });
    let body = match &op.body {
        Some(b) => {
            let encode = body_encoding(&b.encoding);
            if b.required {
                encode
            } else {
                quote!(if let Some(body) = body {
                    #encode
                })
            }
        }
        None => quote!(),
    };
    let mutability = if op.query.is_some() || op.body.is_some() {
        quote!(mut)
    } else {
        quote!()
    };

    let (ret, arms) = match &op.success {
        Success::Single(s) => {
            let status = status_pattern(s);
            match &s.ty {
                Some(t) => {
                    let t = ty(t, Scope::Sibling);
                    let read = read_body(s.decode);
                    (t, quote!(#status => Ok(#read),))
                }
                None => (quote!(()), quote!(#status => Ok(()),)),
            }
        }
        Success::Multi {
            enum_name,
            variants,
            ..
        } => {
            let ename = ident(enum_name);
            let arms = variants.iter().map(|(v, s)| {
                let vname = ident(v);
                let status = status_pattern(s);
                match &s.ty {
                    Some(_) => {
                        let read = read_body(s.decode);
                        quote!(#status => Ok(#ename::#vname(#read)),)
                    }
                    None => quote!(#status => Ok(#ename::#vname),),
                }
            });
            (quote!(#ename), quote!(#(#arms)*))
        }
    };
    let error_ty = ty(&op.error_ty, Scope::Sibling);
    let operation = operation_info(op);

    quote! {
        impl super::#handle {
            #docs
            pub async fn #name(&self, #(#args),*) -> Result<#ret, ::hubspot_runtime::Error<#error_ty>> {
                const OPERATION: ::hubspot_runtime::OperationInfo = #operation;
                let #mutability request = ::hubspot_runtime::codegen::Request::new(::hubspot_runtime::codegen::Method::#http_method, #path, &OPERATION);
                #(#query)*
                #body
                let response = ::hubspot_runtime::codegen::send(&self.client, request).await?;
                match response.status() {
                    #arms
                    _ => Err(response.into_error()),
                }
            }
        }
    }
}

/// The status a success arm matches: its own, or any 2xx.
fn status_pattern(s: &SuccessResponse) -> TokenStream {
    if s.any_success {
        quote!(200..=299)
    } else {
        let status = Literal::u16_unsuffixed(s.status);
        quote!(#status)
    }
}

/// How a success answer's body is read.
fn read_body(decode: Decode) -> TokenStream {
    match decode {
        Decode::Json => quote!(response.json()?),
        Decode::Text => quote!(response.text()?),
        Decode::Bytes => quote!(response.bytes()),
    }
}

/// The statements that put `body` into the request.
fn body_encoding(encoding: &BodyEncoding) -> TokenStream {
    match encoding {
        BodyEncoding::Json => quote!(request.json(body)?;),
        BodyEncoding::Form => quote!(request.form(body)?;),
        BodyEncoding::Multipart(parts) => {
            let parts = parts.iter().map(|p| {
                let field = ident(&p.field);
                let wire = &p.wire_name;
                let value = if p.optional {
                    quote!(body.#field.as_ref())
                } else {
                    quote!(Some(&body.#field))
                };
                if p.file {
                    quote!(request.part_file(#wire, #value);)
                } else {
                    quote!(request.part_text(#wire, #value)?;)
                }
            });
            quote!(#(#parts)*)
        }
    }
}

/// The description of the operation that the runtime paces, retries and traces the request
/// by, as a constant expression.
pub(crate) fn operation_info(op: &Operation) -> TokenStream {
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
    quote! {
        ::hubspot_runtime::OperationInfo::new(
            #name,
            #operation_id,
            #path,
            ::hubspot_runtime::Repeat::#repeat,
            ::hubspot_runtime::RateClass::#rate,
            #accept,
        )
    }
}

/// The expression that builds the request path, parameters percent-encoded.
fn path_expr(op: &Operation) -> TokenStream {
    // An array of pieces joined, not `format!`: prettyplease cannot lay out a macro's
    // arguments as code, and would break a long path across lines inside one.
    let mut pieces = Vec::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => pieces.push(quote!(#text)),
            PathPart::Param(name) => {
                let pname = ident(name);
                let is_str = op
                    .path_params
                    .iter()
                    .any(|p| p.name == *name && p.pass == Pass::Str);
                pieces.push(if is_str {
                    quote!(::hubspot_runtime::codegen::encode_path_segment(#pname).as_str())
                } else {
                    quote!(::hubspot_runtime::codegen::encode_path_segment(&#pname.to_string()).as_str())
                });
            }
        }
    }
    match pieces.as_slice() {
        [] => quote!(String::new()),
        [single] if op.path_params.is_empty() => quote!(#single.to_owned()),
        _ => quote!([#(#pieces),*].concat()),
    }
}
