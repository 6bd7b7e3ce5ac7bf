//! From the [`PropertySet`] to tokens: one small function a kind of item, spelling only.
//!
//! The emitted code names nothing from the OpenAPI document: it needs only the hand-written
//! `hubspot_runtime::property_values` module (value conversions, `Update`, the traits it
//! implements), so any crate that compiles that module can compile it. Prelude names
//! (`String`, `Option`, `Vec`, `Result`, `Ok`, `Some`) and the ones its `use` prelude imports
//! ([`IMPORTED`]) are written bare: lowering keeps generated type names off them.

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::OTHER_FIELD;
use super::ir::{OptionEnum, Property, PropertySet, ValueTy};
use crate::emit::{Item, doc, ident, member_doc, wire_arms};

/// The type names the module imports (besides the two it re-exports, `Decimal` and `Update`),
/// which no generated type may take.
pub const IMPORTED: &[&str] = &[
    "BTreeMap",
    "DateTime",
    "NaiveDate",
    "Utc",
    "PropertyError",
    "PropertyOption",
    "PropertyValue",
    "TypedInput",
    "TypedProperties",
    "UniqueKey",
];

/// The `use` items of the module: the re-export of `Decimal` and `Update`, then what its code
/// names, imported.
pub fn prelude(set: &PropertySet) -> [Vec<TokenStream>; 2] {
    let types = || {
        set.properties
            .iter()
            .map(|p| &p.ty)
            .chain(set.keys.iter().map(|k| &k.ty))
    };
    let mut chrono = Vec::new();
    if types().any(|t| *t == ValueTy::DateTime) {
        chrono.push(quote!(DateTime));
    }
    if types().any(|t| *t == ValueTy::Date) {
        chrono.push(quote!(NaiveDate));
    }
    if types().any(|t| *t == ValueTy::DateTime) {
        chrono.push(quote!(Utc));
    }
    let mut values = vec![
        quote!(self),
        quote!(PropertyError),
        quote!(TypedInput),
        quote!(TypedProperties),
        quote!(UniqueKey),
    ];
    if !set.enums.is_empty() {
        values.insert(2, quote!(PropertyOption));
    }
    if !set.enums.is_empty() || !set.keys.is_empty() {
        values.insert(values.len() - 3, quote!(PropertyValue));
    }
    let mut uses = vec![quote!(
        pub use hubspot_runtime::property_values::{Decimal, Update};
    )];
    if !chrono.is_empty() {
        uses.push(quote!(use chrono::{#(#chrono),*};));
    }
    uses.push(quote!(use hubspot_runtime::property_values::{#(#values),*};));
    uses.push(quote!(
        use std::collections::BTreeMap;
    ));
    if !set.enums.is_empty() {
        uses.push(quote!(
            use std::fmt;
        ));
    }
    [uses, Vec::new()]
}

/// Every item of the `properties` module, in file order (after its prelude).
pub fn items(set: &PropertySet) -> Vec<Item> {
    let mut items = vec![properties_struct(set), input_struct(set), key_enum(set)];
    items.extend(set.enums.iter().map(option_enum));
    items
}

fn value_ty(ty: &ValueTy) -> TokenStream {
    match ty {
        ValueTy::Text => quote!(String),
        ValueTy::Decimal => quote!(Decimal),
        ValueTy::Date => quote!(NaiveDate),
        ValueTy::DateTime => quote!(DateTime<Utc>),
        ValueTy::Bool => quote!(bool),
        ValueTy::Enum(name) => {
            let name = ident(name);
            quote!(#name)
        }
        ValueTy::MultiEnum(name) => {
            let name = ident(name);
            quote!(Vec<#name>)
        }
    }
}

fn string() -> TokenStream {
    quote!(String)
}

fn map_of(value: TokenStream) -> TokenStream {
    let string = string();
    quote!(BTreeMap<#string, #value>)
}

fn properties_struct(set: &PropertySet) -> Item {
    let name = ident(&set.object.properties_type());
    let other = ident(OTHER_FIELD);
    let string = string();
    let raw_map = map_of(quote!(Option<#string>));
    let docs = doc(&format!(
        "The properties of {} as HubSpot's answers carry them, typed by the property \
         catalog `{}`.\n\n\
         A property without a value (left out, `null` or empty) is `None`. Properties the \
         catalog does not list are kept in `{OTHER_FIELD}`, so nothing an answer holds is lost. \
         Read one with `typed_properties()` on a record of an answer, or with \
         [`TypedProperties::from_map`], which takes the map; [`TypedProperties::NAMES`] asks \
         HubSpot for all of them.",
        set.object.a_noun(),
        set.source
    ));
    let fields = set.properties.iter().map(|p| {
        let field = ident(&p.field);
        let ty = value_ty(&p.ty);
        let docs = member_doc(&p.doc);
        quote!(#docs pub #field: Option<#ty>,)
    });
    let names = set.properties.iter().map(|p| Literal::string(&p.wire));
    let conversions = map_conversions(
        &set.properties.iter().collect::<Vec<_>>(),
        &raw_map,
        "take",
        "put",
    );
    let tokens = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct #name {
            #(#fields)*
            /// Properties the catalog does not list, with their values as HubSpot sent them.
            pub #other: #raw_map,
        }

        impl TypedProperties for #name {
            const NAMES: &'static [&'static str] = &[#(#names),*];

            #conversions
        }
    };
    Item::properties(set.object.properties_type(), tokens)
}

fn writable(set: &PropertySet) -> impl Iterator<Item = &Property> {
    set.properties.iter().filter(|p| p.writable)
}

fn input_struct(set: &PropertySet) -> Item {
    let name = ident(&set.object.input_type());
    let other = ident(OTHER_FIELD);
    let string = string();
    let raw_map = map_of(string.clone());
    let docs = doc(&format!(
        "Values to write to {}'s writable properties (those of `{}` that are neither \
         calculated nor read-only).\n\n\
         Each field is an [`Update`]: `Keep` (the default) \
         leaves the property alone, `Clear` empties it, `Set` gives it a value. `{OTHER_FIELD}` \
         holds properties the catalog does not list, written as they are. Turn it into a \
         request with `from_typed` on the document's input types (e.g. \
         `SimplePublicObjectBatchInputUpsert::from_typed(&key, &input)`).",
        set.object.a_noun(),
        set.source
    ));
    let fields = writable(set).map(|p| {
        let field = ident(&p.field);
        let ty = value_ty(&p.ty);
        let docs = member_doc(&p.doc);
        quote!(#docs pub #field: Update<#ty>,)
    });
    let conversions = map_conversions(
        &writable(set).collect::<Vec<_>>(),
        &raw_map,
        "take_update",
        "put_update",
    );
    let tokens = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct #name {
            #(#fields)*
            /// Properties the catalog does not list, written as they are (`""` clears one).
            pub #other: #raw_map,
        }

        impl TypedInput for #name {
            #conversions
        }
    };
    Item::properties(set.object.input_type(), tokens)
}

/// `from_map` and `to_map` of a typed struct over the raw map `raw_map`: `from_map` takes the
/// map and moves each of `properties` out of it with `property_values::{take}`, and whatever
/// is left becomes the catch-all field; `to_map` writes them back with `{put}`. The
/// properties struct and the input struct differ only in those two functions (plain values,
/// or `Update`s).
fn map_conversions(
    properties: &[&Property],
    raw_map: &TokenStream,
    take: &str,
    put: &str,
) -> TokenStream {
    let other = ident(OTHER_FIELD);
    let take = ident(take);
    let put = ident(put);
    let takes = properties.iter().map(|p| {
        let field = ident(&p.field);
        let wire = Literal::string(&p.wire);
        quote!(#field: property_values::#take(&mut #other, #wire)?,)
    });
    let puts = properties.iter().map(|p| {
        let field = ident(&p.field);
        let wire = Literal::string(&p.wire);
        quote!(property_values::#put(&mut map, #wire, &self.#field);)
    });
    let mutability = if properties.is_empty() {
        quote!()
    } else {
        quote!(mut)
    };
    quote! {
        fn from_map(#mutability #other: #raw_map) -> Result<Self, PropertyError> {
            Ok(Self {
                #(#takes)*
                #other,
            })
        }

        fn to_map(&self) -> #raw_map {
            let mut map = self.#other.clone();
            #(#puts)*
            map
        }
    }
}

fn key_enum(set: &PropertySet) -> Item {
    let name = ident(&set.object.key_type());
    let docs = doc(&format!(
        "{} named by the value of one of its unique properties (writable properties with \
         `hasUniqueValue` in `{}`): the `idProperty` and `id` of a batch upsert or batch read, \
         without the property's name written as a string.",
        capitalized(&set.object.a_noun()),
        set.source
    ));
    let variants = set.keys.iter().map(|k| {
        let variant = ident(&k.name);
        let ty = value_ty(&k.ty);
        let docs = member_doc(&k.doc);
        quote!(#docs #variant(#ty),)
    });
    let (property_body, value_body) = if set.keys.is_empty() {
        (quote!(match *self {}), quote!(match *self {}))
    } else {
        let property_arms = set.keys.iter().map(|k| {
            let variant = ident(&k.name);
            let wire = Literal::string(&k.wire);
            quote!(Self::#variant(_) => #wire,)
        });
        let value_arms = set.keys.iter().map(|k| {
            let variant = ident(&k.name);
            quote!(Self::#variant(value) => PropertyValue::format(value),)
        });
        (
            quote!(match self { #(#property_arms)* }),
            quote!(match self { #(#value_arms)* }),
        )
    };
    let string = string();
    let tokens = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum #name {
            #(#variants)*
        }

        impl UniqueKey for #name {
            fn property(&self) -> &'static str {
                #property_body
            }

            fn value(&self) -> #string {
                #value_body
            }
        }
    };
    Item::properties(set.object.key_type(), tokens)
}

fn option_enum(e: &OptionEnum) -> Item {
    let name = ident(&e.name);
    let other = ident(&e.other);
    let string = string();
    let docs = doc(&format!(
        "{}\n\nOpen to options the catalog does not list (added in the portal later): those \
         are kept in [`{}::{}`] and written back unchanged.",
        e.doc, e.name, e.other
    ));
    let variants = e.variants.iter().map(|v| {
        let variant = ident(&v.name);
        let docs = member_doc(&v.doc);
        quote!(#docs #variant,)
    });
    let (as_str_body, from_value_body) = if e.variants.is_empty() {
        (
            quote!(let Self::#other(value) = self; value),
            quote!(Self::#other(value.to_owned())),
        )
    } else {
        let (to_str, from_str) = wire_arms(e.variants.iter().map(|v| (&*v.name, &*v.wire)));
        (
            quote!(match self { #(#to_str)* Self::#other(value) => value, }),
            quote!(match value { #(#from_str)* _ => Self::#other(value.to_owned()), }),
        )
    };
    let tokens = quote! {
        #docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[allow(clippy::enum_variant_names)]
        pub enum #name {
            #(#variants)*
            /// An option the catalog does not list, as HubSpot sent it.
            #other(#string),
        }

        impl #name {
            /// The option's internal value, as HubSpot stores it.
            pub fn as_str(&self) -> &str {
                #as_str_body
            }
        }

        impl PropertyOption for #name {
            fn from_value(value: &str) -> Self {
                #from_value_body
            }

            fn value(&self) -> &str {
                self.as_str()
            }
        }

        impl PropertyValue for #name {
            const EXPECTED: &'static str = "an option";

            fn parse(text: &str) -> Option<Self> {
                Some(<Self as PropertyOption>::from_value(text))
            }

            fn format(&self) -> #string {
                self.as_str().to_owned()
            }
        }

        impl fmt::Display for #name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    Item::properties(e.name.clone(), tokens)
}

/// `text` with its first letter in upper case.
fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
