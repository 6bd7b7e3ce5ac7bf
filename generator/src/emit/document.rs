//! The items of a document's own module (its `mod.rs`): the handle that carries the document's
//! operations on a shared client, and the runtime's helper traits where the document has the
//! operations they drive; and the crate's `ClientExt`, one method a document.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::{Item, Module, ModuleCode, Place, Spell, doc, ident, operation_info, prelude};
use crate::ir::*;

/// The document's module: the handle, then the impls of the runtime's helper traits that the
/// document's operations support.
pub fn document_module(api: &Api) -> ModuleCode {
    let used = RefCell::new(BTreeSet::new());
    let spell = Spell {
        api,
        place: Place::Document,
        imports: &api.imports.document,
        used: &used,
    };
    let mut items = vec![handle_item(api, spell)];
    items.extend(helper_items(api, spell));
    ModuleCode {
        prelude: prelude(Some(api), Place::Document, &used.borrow()),
        items,
    }
}

/// The handle's docs: what it is, then what all its methods share, said once (each method's
/// docs say whether it is safe to repeat, and link here).
fn handle_doc(api: &Api) -> String {
    format!(
        "The operations of the {:?} document ({}), one async method each, sent through the \
         shared [`Client`](hubspot_runtime::Client) it was made from: its rate limiter, its \
         retry policy and its connection pool serve every document's handle alike.\n\n\
         # Retries\n\n\
         After a timeout, a broken connection or a 502, 503 or 504, the client sends a request \
         again, within its retry policy, when its method is *safe to repeat* (each method's \
         docs say whether it is). One that is *not safe to repeat* may have been applied by \
         HubSpot when its answer was lost, so the client returns the error instead of sending \
         it again, unless \
         [`RetryPolicy::retry_unsafe`](hubspot_runtime::RetryPolicy::retry_unsafe) is set. A 429 \
         is always retried: HubSpot did not process the request.\n\n\
         # Errors\n\n\
         Every method fails with [`Error::Api`](hubspot_runtime::Error::Api) when the server \
         answers with a status the document does not list as a success (its body decoded as \
         the document's error type where it can be), and with the other \
         [`Error`](hubspot_runtime::Error) variants when no usable answer arrives.",
        api.title, api.version
    )
}

/// The handle struct of a document: `Orders { client }`, its constructor and its `Api` impl.
fn handle_item(api: &Api, spell: Spell<'_>) -> Item {
    let name = ident(&api.handle);
    let docs = doc(&handle_doc(api));
    let client = spell.ext(Extern::Client);
    let api_trait = spell.ext(Extern::Api);
    Item::new(
        Module::Document,
        &api.handle,
        quote! {
            #docs
            #[derive(Debug, Clone)]
            pub struct #name {
                client: #client,
            }

            impl #name {
                /// This document's operations through `client` (cloned: clones share the
                /// connection pool, the rate limiter and the metrics).
                pub fn new(client: &#client) -> Self {
                    Self {
                        client: client.clone(),
                    }
                }
            }

            impl #api_trait for #name {
                fn client(&self) -> &#client {
                    &self.client
                }
            }
        },
    )
}

/// The impls of the runtime's helper traits that the document's operations support.
fn helper_items(api: &Api, spell: Spell<'_>) -> Vec<Item> {
    let name = ident(&api.handle);
    let mut items = Vec::new();
    let error_of = |op: &Operation| {
        let error = spell.ext(Extern::Error);
        let ty = spell.ty(&op.error_ty);
        (spell.ty(&op.error_ty), quote!(#error<#ty>))
    };
    if let Some(upsert) = &api.helpers.upsert
        && let Some(op) = api.operations.get(upsert.operation)
    {
        let input = spell.ty(&upsert.input);
        let record = spell.ty(&upsert.record);
        let (error, _) = error_of(op);
        let info = operation_info(op, spell);
        let info_ty = spell.ext(Extern::OperationInfo);
        let trace_ids = upsert.trace_ids;
        let upsert_trait = spell.ext(Extern::UpsertOperation);
        items.push(Item::new(
            Module::Document,
            "UpsertOperation",
            quote! {
                impl #upsert_trait for #name {
                    type Input = #input;
                    type Record = #record;
                    type Error = #error;
                    const OPERATION: &'static #info_ty = &#info;
                    const TRACE_IDS: bool = #trace_ids;
                }
            },
        ));
    }
    if let Some(list) = &api.helpers.list
        && let Some(op) = api.operations.get(list.operation)
        && let Some(query) = &op.query
    {
        let method = ident(&op.method_name);
        let (error, failure) = error_of(op);
        let page = spell.type_ref(list.page);
        let params = spell.op_item(&query.name);
        let future = spell.ext(Extern::BoxFuture);
        let result = spell.result(page.clone(), failure);
        let list_trait = spell.ext(Extern::ListOperation);
        items.push(Item::new(
            Module::Document,
            "ListOperation",
            quote! {
                impl #list_trait for #name {
                    type Params = #params;
                    type Page = #page;
                    type Error = #error;

                    fn list_page(
                        &self,
                        params: &#params,
                        after: Option<String>,
                    ) -> #future<'static, #result> {
                        let api = self.clone();
                        let mut params = params.clone();
                        params.after = after;
                        Box::pin(async move { api.#method(&params).await })
                    }
                }
            },
        ));
    }
    if let Some(search) = &api.helpers.search
        && let Some(op) = api.operations.get(search.operation)
    {
        let method = ident(&op.method_name);
        let (error, failure) = error_of(op);
        let page = spell.type_ref(search.page);
        let request = spell.type_ref(search.request);
        let future = spell.ext(Extern::BoxFuture);
        let result = spell.result(page.clone(), failure);
        let search_trait = spell.ext(Extern::SearchOperation);
        items.push(Item::new(
            Module::Document,
            "SearchOperation",
            quote! {
                impl #search_trait for #name {
                    type Request = #request;
                    type Page = #page;
                    type Error = #error;

                    fn search_page(
                        &self,
                        request: #request,
                    ) -> #future<'static, #result> {
                        let api = self.clone();
                        Box::pin(async move { api.#method(&request).await })
                    }
                }
            },
        ));
    }
    items
}

/// The crate's `ClientExt` trait: one method a document, giving its handle on a client.
/// `documents` are (module name, handle name, document title). Returns the `use` items it
/// needs and the trait.
pub fn client_ext(documents: &[(&str, &str, &str)]) -> (Vec<TokenStream>, TokenStream) {
    // The crate's root defines `ClientExt` and the documents' modules (snake_case): the
    // runtime's `Client` can always be imported.
    let signatures: Vec<TokenStream> = documents
        .iter()
        .map(|(module, handle, title)| {
            let method = ident(module);
            let module = ident(module);
            let handle = ident(handle);
            let docs = super::member_doc(&format!(
                "The operations of the {title:?} document on this client (see [`{module}`])."
            ));
            quote!(#docs fn #method(&self) -> #module::#handle)
        })
        .collect();
    let bodies = documents.iter().map(|(module, handle, _)| {
        let method = ident(module);
        let module = ident(module);
        let handle = ident(handle);
        quote! {
            fn #method(&self) -> #module::#handle {
                #module::#handle::new(self)
            }
        }
    });
    let example = documents
        .first()
        .map_or(String::new(), |(module, handle, _)| {
            format!(
                ": `client.{module}()` gives the [`{handle}`]({module}::{handle}) of the module \
             `{module}`, and so on for each document of this crate"
            )
        });
    let docs = doc(&format!(
        "Every document's operations on one [`Client`], and so on one rate limiter and one \
         budget{example}."
    ));
    (
        vec![quote!(
            use hubspot_runtime::Client;
        )],
        quote! {
            #docs
            pub trait ClientExt {
                #(#signatures;)*
            }

            impl ClientExt for Client {
                #(#bodies)*
            }
        },
    )
}
