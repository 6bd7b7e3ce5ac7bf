//! The items of a document's own module (its `mod.rs`): the handle that carries the document's
//! operations on a shared client, and the runtime's helper traits where the document has the
//! operations they drive; and the crate's `ClientExt`, one method a document.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Item, Module, Scope, doc, ident, operation_info, ty};
use crate::ir::*;

/// The handle struct of a document: `Orders { client }`, its constructor and its `Api` impl.
pub fn handle_item(api: &Api, handle: &str) -> Item {
    let name = ident(handle);
    let docs = doc(&format!(
        "The operations of the {:?} document ({}), one async method each, sent through the \
         shared [`Client`](hubspot_runtime::Client) it was made from: its rate limiter, its \
         retry policy and its connection pool serve every document's handle alike.",
        api.title, api.version
    ));
    Item {
        module: Module::Document,
        name: handle.to_owned(),
        tokens: quote! {
            #docs
            #[derive(Debug, Clone)]
            pub struct #name {
                client: ::hubspot_runtime::Client,
            }

            impl #name {
                /// This document's operations through `client` (cloned: clones share the
                /// connection pool, the rate limiter and the metrics).
                pub fn new(client: &::hubspot_runtime::Client) -> Self {
                    Self {
                        client: client.clone(),
                    }
                }
            }

            impl ::hubspot_runtime::Api for #name {
                fn client(&self) -> &::hubspot_runtime::Client {
                    &self.client
                }
            }
        },
    }
}

/// The impls of the runtime's helper traits that the document's operations support.
pub fn document_items(api: &Api, handle: &str) -> Vec<Item> {
    let name = ident(handle);
    let mut items = Vec::new();
    if let Some(upsert) = &api.helpers.upsert {
        let op = &api.operations[upsert.operation];
        let input = ty(&upsert.input, Scope::Document);
        let record = ty(&upsert.record, Scope::Document);
        let error = ty(&op.error_ty, Scope::Document);
        let info = operation_info(op);
        let trace_ids = upsert.trace_ids;
        items.push(Item {
            module: Module::Document,
            name: "UpsertOperation".to_owned(),
            tokens: quote! {
                impl ::hubspot_runtime::bulk::UpsertOperation for #name {
                    type Input = #input;
                    type Record = #record;
                    type Error = #error;
                    const OPERATION: &'static ::hubspot_runtime::OperationInfo = &#info;
                    const TRACE_IDS: bool = #trace_ids;
                }
            },
        });
    }
    if let Some(list) = &api.helpers.list {
        let op = &api.operations[list.operation];
        let method = ident(&op.method_name);
        let error = ty(&op.error_ty, Scope::Document);
        let page = ty(&Ty::Named(list.page.clone()), Scope::Document);
        let params = op.query.as_ref().map(|q| ident(&q.name));
        items.push(Item {
            module: Module::Document,
            name: "ListOperation".to_owned(),
            tokens: quote! {
                impl ::hubspot_runtime::paging::ListOperation for #name {
                    type Params = operations::#params;
                    type Page = #page;
                    type Error = #error;

                    fn list_page(
                        &self,
                        params: &operations::#params,
                        after: Option<String>,
                    ) -> ::hubspot_runtime::codegen::BoxFuture<'static, Result<#page, ::hubspot_runtime::Error<#error>>> {
                        let api = self.clone();
                        let mut params = params.clone();
                        params.after = after;
                        Box::pin(async move { api.#method(&params).await })
                    }
                }
            },
        });
    }
    if let Some(search) = &api.helpers.search {
        let op = &api.operations[search.operation];
        let method = ident(&op.method_name);
        let error = ty(&op.error_ty, Scope::Document);
        let page = ty(&Ty::Named(search.page.clone()), Scope::Document);
        let request = ty(&Ty::Named(search.request.clone()), Scope::Document);
        items.push(Item {
            module: Module::Document,
            name: "SearchOperation".to_owned(),
            tokens: quote! {
                impl ::hubspot_runtime::paging::SearchOperation for #name {
                    type Request = #request;
                    type Page = #page;
                    type Error = #error;

                    fn search_page(
                        &self,
                        request: #request,
                    ) -> ::hubspot_runtime::codegen::BoxFuture<'static, Result<#page, ::hubspot_runtime::Error<#error>>> {
                        let api = self.clone();
                        Box::pin(async move { api.#method(&request).await })
                    }
                }
            },
        });
    }
    items
}

/// The crate's `ClientExt` trait: one method a document, giving its handle on a client.
/// `documents` are (module name, handle name, document title).
pub fn client_ext(documents: &[(&str, &str, &str)]) -> TokenStream {
    let signatures: Vec<TokenStream> = documents
        .iter()
        .map(|(module, handle, title)| {
            let method = ident(module);
            let module = ident(module);
            let handle = ident(handle);
            let docs = doc(&format!(
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
        "Every document's operations on one [`Client`](hubspot_runtime::Client), and so on one \
         rate limiter and one budget{example}."
    ));
    quote! {
        #docs
        pub trait ClientExt {
            #(#signatures;)*
        }

        impl ClientExt for ::hubspot_runtime::Client {
            #(#bodies)*
        }
    }
}
