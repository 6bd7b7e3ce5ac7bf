//! The `operations` module: the document's base URL, one method of the handle an operation
//! (all in one `impl` block), and the structs of their query parameters and the enums of their
//! answers.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{
    Item, Module, ModuleCode, Place, Spell, derives, doc, ident, member_doc, method_link, or,
    prelude,
};
use crate::ir::*;

/// The `operations` module of a document: the base URL, every method (each an item `impl
/// Handle { … }` of its own, joined into one block in the file), then the parameters structs
/// and answer enums in the order of their operations.
pub fn operations_module(api: &Api) -> ModuleCode {
    let used = RefCell::new(BTreeSet::new());
    let spell = Spell {
        api,
        place: Place::Operations,
        imports: &api.imports.operations,
        used: &used,
    };
    let mut items = vec![base_url_item(api)];
    let mut support = Vec::new();
    for op in &api.operations {
        items.push(Item {
            method: true,
            ..Item::new(Module::Operations, &op.method_name, method(op, spell))
        });
        if let Some(q) = &op.query {
            support.push(Item::new(
                Module::Operations,
                &q.name,
                params_struct(q, &op.method_name, spell),
            ));
        }
        if let Success::Multi {
            enum_name,
            variants,
            caps,
        } = &op.success
        {
            let text = format!(
                "The success answers of {}, one variant a status.",
                method_link(&op.method_name, &api.handle)
            );
            support.push(Item::new(
                Module::Operations,
                enum_name,
                answer_enum(enum_name, &text, variants, caps, spell),
            ));
        }
    }
    items.extend(support);
    ModuleCode {
        prelude: prelude(Some(api), Place::Operations, &used.borrow()),
        items,
    }
}

/// The `DEFAULT_BASE_URL` constant.
fn base_url_item(api: &Api) -> Item {
    let base = &api.default_base_url;
    Item::new(
        Module::Operations,
        "DEFAULT_BASE_URL",
        quote! {
            /// The server the document names first (a [`Client`](hubspot_runtime::Client)
            /// sends requests to its own base URL, `https://api.hubapi.com` unless told
            /// otherwise).
            pub const DEFAULT_BASE_URL: &str = #base;
        },
    )
}

/// The docs of the operations module: what it holds, and where what its methods share is said.
pub fn operations_doc(api: &Api) -> String {
    format!(
        "The operations of {:?} {}: a method of [`{handle}`](super::{handle}) each, with the \
         structs of their query parameters and the enums of their answers. What every method \
         shares (when it is retried, what its errors are) is said once, in the docs of \
         [`{handle}`](super::{handle}).",
        api.title,
        api.version,
        handle = api.handle
    )
}

fn params_struct(q: &ParamsStruct, method: &str, spell: Spell<'_>) -> TokenStream {
    let name = ident(&q.name);
    let docs = doc(&format!(
        "Query parameters of {}.",
        method_link(method, &spell.api.handle)
    ));
    let derives = derives(&q.caps, &[]);
    let fields = q.fields.iter().map(|f| {
        let fdoc = member_doc(&or(&f.description, || {
            format!("The `{}` query parameter.", f.wire_name)
        }));
        let fname = ident(&f.name);
        let fty = spell.ty(&f.ty);
        quote!(#fdoc pub #fname: #fty,)
    });
    let built: Vec<super::BuiltField<'_>> = q
        .fields
        .iter()
        .map(|f| super::BuiltField {
            name: &f.name,
            ty: &f.ty,
        })
        .collect();
    let constructor = super::builder(&q.name, &built, &q.builder, spell);
    quote! {
        #docs
        #derives
        pub struct #name {
            #(#fields)*
        }

        #constructor
    }
}

/// The docs of an answer: its description, or its status.
fn answer_doc(s: &SuccessResponse) -> String {
    or(&s.description, || {
        if s.any_success {
            "The answer.".to_owned()
        } else {
            format!("The {} answer.", s.status)
        }
    })
}

fn answer_enum(
    name: &str,
    text: &str,
    variants: &[(String, SuccessResponse)],
    caps: &Caps,
    spell: Spell<'_>,
) -> TokenStream {
    let name = ident(name);
    let docs = doc(text);
    let defs = variants.iter().map(|(v, s)| {
        let vname = ident(v);
        let vdoc = member_doc(&format!("{}: {}", s.status, answer_doc(s)));
        match &s.ty {
            Some(t) => {
                let t = spell.ty(t);
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

/// The docs of a method, from the operation's facts: the document's summary and description,
/// the request it sends, whether it is safe to repeat (the rules are in the handle's docs)
/// and the rate limit it counts against, and its arguments.
pub fn method_doc(op: &Operation, handle: &str) -> String {
    let mut paragraphs: Vec<String> = [&op.summary, &op.description]
        .into_iter()
        .filter(|text| !text.is_empty())
        .cloned()
        .collect();
    paragraphs.push(format!(
        "`{} {}` (operationId `{}`).",
        op.http_method.as_str(),
        op.path,
        op.operation_id
    ));
    let mut facts = match op.repeat {
        Repeat::Safe => "Safe to repeat.".to_owned(),
        Repeat::Unsafe => format!("Not safe to repeat: see [retries](super::{handle}#retries)."),
    };
    if op.rate_class == RateClass::Search {
        facts.push_str(" Counts against HubSpot's lower limit for search requests.");
    }
    paragraphs.push(facts);
    if !op.path_params.is_empty() {
        let mut arguments = "# Arguments\n".to_owned();
        for p in &op.path_params {
            let text = or(&p.description, || {
                format!("The `{}` path parameter.", p.wire_name)
            });
            arguments.push_str(&format!("\n- `{}`: {text}", crate::naming::bare(&p.name)));
        }
        if let Some(b) = &op.body {
            let text = or(&b.description, || "The request body.".to_owned());
            arguments.push_str(&format!("\n- `body`: {text}"));
        }
        paragraphs.push(arguments);
    }
    paragraphs.join("\n\n")
}

fn method(op: &Operation, spell: Spell<'_>) -> TokenStream {
    let name = ident(&op.method_name);
    let docs = member_doc(&method_doc(op, &spell.api.handle));

    let mut args = Vec::new();
    for p in &op.path_params {
        let pname = ident(&p.name);
        match p.pass {
            Pass::Str => args.push(quote!(#pname: &str)),
            Pass::Value => {
                let pty = spell.ty(&p.ty);
                args.push(quote!(#pname: #pty));
            }
        }
    }
    if let Some(b) = &op.body {
        let bty = match &b.ty {
            Ty::Vec(inner) if b.slice => {
                let inner = spell.ty(inner);
                quote!([#inner])
            }
            other => spell.ty(other),
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
    let path = path_expr(op, spell);
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
                    let t = spell.ty(t);
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
    let error = spell.ext(Extern::Error);
    let error_ty = spell.ty(&op.error_ty);
    let result = spell.result(ret, quote!(#error<#error_ty>));
    let info = spell.ext(Extern::OperationInfo);
    let operation = super::operation_info(op, spell);
    let request_ty = spell.ext(Extern::Request);
    let method_ty = spell.ext(Extern::Method);
    let send = spell.ext(Extern::Send);
    let handle = spell.handle();

    quote! {
        impl #handle {
            #docs
            pub async fn #name(&self, #(#args),*) -> #result {
                const OPERATION: #info = #operation;
                let #mutability request = #request_ty::new(#method_ty::#http_method, #path, &OPERATION);
                #(#query)*
                #body
                let response = #send(&self.client, request).await?;
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

/// The expression that builds the request path, parameters percent-encoded.
fn path_expr(op: &Operation, spell: Spell<'_>) -> TokenStream {
    // An array of pieces joined, not `format!`: prettyplease cannot lay out a macro's
    // arguments as code, and would break a long path across lines inside one.
    let mut pieces = Vec::new();
    for part in &op.path_parts {
        match part {
            PathPart::Literal(text) => pieces.push(quote!(#text)),
            PathPart::Param(name) => {
                let pname = ident(name);
                let encode = spell.ext(Extern::EncodePathSegment);
                let is_str = op
                    .path_params
                    .iter()
                    .any(|p| p.name == *name && p.pass == Pass::Str);
                pieces.push(if is_str {
                    quote!(#encode(#pname).as_str())
                } else {
                    quote!(#encode(&#pname.to_string()).as_str())
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
