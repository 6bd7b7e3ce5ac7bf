//! The code a struct's roles ([`Roles`]) give it: the runtime's paging traits, and the typed
//! property conversions (`typed_properties`, `from_typed`, `by_keys`). Spelled from the roles
//! `lower::roles` decided; nothing here looks at a field to decide anything.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Spell, ident};
use crate::ir::*;

/// The Rust name of the field `wire` of `s` (the roles guarantee it exists).
fn field_ident(s: &StructDef, wire: &str) -> proc_macro2::Ident {
    let name = s
        .fields
        .iter()
        .find(|f| f.wire_name == wire)
        .map_or(wire, |f| f.name.as_str());
    ident(name)
}

/// Every impl the struct's roles call for, after the struct.
pub(super) fn struct_roles(s: &StructDef, spell: Spell<'_>) -> TokenStream {
    let mut out = TokenStream::new();
    let name = ident(&s.name);
    if let Some(page) = &s.roles.page {
        out.extend(page_impl(s, page, spell));
    }
    if s.roles.record_id {
        let id = field_ident(s, "id");
        let record = spell.ext(Extern::Record);
        out.extend(quote! {
            impl #record for #name {
                fn id(&self) -> &str {
                    &self.#id
                }
            }
        });
    }
    let mut methods = Vec::new();
    if s.roles.typed_properties {
        let properties = field_ident(s, "properties");
        let typed = spell.ext(Extern::TypedProperties);
        let error = spell.ext(Extern::PropertyError);
        let result = spell.result(quote!(P), error);
        methods.push(quote! {
            /// The record's properties, typed by a property catalog's struct (e.g. the
            /// document's `properties::…Properties`), from a copy of `properties`.
            ///
            /// # Errors
            ///
            /// A [`PropertyError`](hubspot_runtime::property_values::PropertyError) naming the
            /// first property whose value does not read as its type.
            pub fn typed_properties<P: #typed>(&self) -> #result {
                P::from_map(self.#properties.clone())
            }
        });
    }
    if let Some(kind) = &s.roles.from_typed {
        methods.push(from_typed(s, kind, spell));
    }
    if let Some(keys) = &s.roles.by_keys {
        methods.push(by_keys(s, keys, spell));
    }
    if !methods.is_empty() {
        out.extend(quote! {
            impl #name {
                #(#methods)*
            }
        });
    }
    out
}

fn page_impl(s: &StructDef, page: &PageRole, spell: Spell<'_>) -> TokenStream {
    let name = ident(&s.name);
    let item = spell.ty(&page.item);
    let page_trait = spell.ext(Extern::Page);
    let results = field_ident(s, "results");
    let paging = field_ident(s, "paging");
    // The names inside `paging` and `next` are their wire names in snake case, as every
    // field's; the roles found them by wire name.
    let next = ident("next");
    let after = ident("after");
    let mut chain = quote!(self.#paging);
    if page.paging_optional {
        chain = quote!(#chain.as_ref()?);
    }
    chain = quote!(#chain.#next);
    if page.next_optional {
        chain = quote!(#chain.as_ref()?);
    }
    let read = if page.after_optional {
        quote!(#chain.#after.as_deref())
    } else {
        quote!(Some(#chain.#after.as_str()))
    };
    quote! {
        impl #page_trait for #name {
            type Item = #item;

            fn next_after(&self) -> Option<&str> {
                #read
            }

            fn into_items(self) -> Vec<#item> {
                self.#results
            }
        }
    }
}

/// `field: Default::default()` for every field but `taken`.
fn empty_fields(s: &StructDef, taken: &[&str], spell: Spell<'_>) -> Vec<TokenStream> {
    let default = spell.ext(Extern::Default);
    s.fields
        .iter()
        .filter(|f| !taken.contains(&f.wire_name.as_str()))
        .map(|f| {
            let name = ident(&f.name);
            quote!(#name: #default::default())
        })
        .collect()
}

fn from_typed(s: &StructDef, kind: &FromTyped, spell: Spell<'_>) -> TokenStream {
    let properties = field_ident(s, "properties");
    let typed_input = spell.ext(Extern::TypedInput);
    match kind {
        FromTyped::Properties => {
            let rest = empty_fields(s, &["properties"], spell);
            quote! {
                /// This body with the typed input's values, every other field left empty.
                pub fn from_typed(input: &impl #typed_input) -> Self {
                    Self {
                        #properties: input.to_map(),
                        #(#rest,)*
                    }
                }
            }
        }
        FromTyped::Id => {
            let id = field_ident(s, "id");
            let rest = empty_fields(s, &["properties", "id"], spell);
            quote! {
                /// The record with id `id`, with the typed input's values.
                pub fn from_typed(id: impl Into<String>, input: &impl #typed_input) -> Self {
                    Self {
                        #id: id.into(),
                        #properties: input.to_map(),
                        #(#rest,)*
                    }
                }
            }
        }
        FromTyped::Key => {
            let id = field_ident(s, "id");
            let id_property = field_ident(s, "idProperty");
            let rest = empty_fields(s, &["properties", "id", "idProperty"], spell);
            let unique_key = spell.ext(Extern::UniqueKey);
            quote! {
                /// The record whose unique property `key` names, with the typed input's values.
                pub fn from_typed(key: &impl #unique_key, input: &impl #typed_input) -> Self {
                    Self {
                        #id: key.value(),
                        #id_property: Some(key.property().to_owned()),
                        #properties: input.to_map(),
                        #(#rest,)*
                    }
                }
            }
        }
    }
}

fn by_keys(s: &StructDef, keys: &ByKeys, spell: Spell<'_>) -> TokenStream {
    let inputs = field_ident(s, "inputs");
    let properties = field_ident(s, "properties");
    let id_property = field_ident(s, "idProperty");
    let rest = empty_fields(s, &["inputs", "properties", "idProperty"], spell);
    let id_type = spell.type_ref(keys.id_type);
    let property_names = spell.ext(Extern::PropertyNames);
    let names = if keys.properties_optional {
        quote!(Some(#property_names::<P>()))
    } else {
        quote!(#property_names::<P>())
    };
    let typed = spell.ext(Extern::TypedProperties);
    let unique_key = spell.ext(Extern::UniqueKey);
    let result = spell.result(quote!(Self), quote!(String));
    quote! {
        /// A batch read of the records that `keys` name (all of one unique property), asking
        /// for every property `P` knows.
        ///
        /// # Errors
        ///
        /// When the keys are not all of the same property: one batch read takes one
        /// `idProperty`. The message names both properties.
        pub fn by_keys<P, K>(keys: &[K]) -> #result
        where
            P: #typed,
            K: #unique_key,
        {
            let property = keys.first().map(|key| key.property());
            if let Some(other) = keys.iter().map(|key| key.property()).find(|p| Some(*p) != property) {
                return Err(format!(
                    "one batch read takes keys of one property, not both `{}` and `{other}`",
                    property.unwrap_or_default()
                ));
            }
            Ok(Self {
                #id_property: property.map(str::to_owned),
                #inputs: keys.iter().map(|key| #id_type { id: key.value() }).collect(),
                #properties: #names,
                #(#rest,)*
            })
        }
    }
}
