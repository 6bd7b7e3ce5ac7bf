//! The `types` module (and the crate's `common` module): one item a type of the document.

use std::cell::RefCell;
use std::collections::BTreeSet;

use proc_macro2::{Literal, TokenStream};
use quote::quote;

use super::{
    Item, Module, ModuleCode, Place, Spell, derives, doc, ident, member_doc, or, parent_text,
    prelude, roles, wire_arms,
};
use crate::ir::*;

/// The `types` module of a document: its types but those named in `shared` (which are in the
/// crate's `common` module, and re-exported).
pub fn types_module(api: &Api, shared: &BTreeSet<String>) -> ModuleCode {
    let used = RefCell::new(BTreeSet::new());
    let spell = Spell {
        api,
        place: Place::Types,
        imports: &api.imports.types,
        used: &used,
    };
    let items = api
        .types
        .iter()
        .filter(|t| !shared.contains(t.name()))
        .map(|t| type_item(t, spell))
        .collect();
    ModuleCode {
        prelude: prelude(Some(api), Place::Types, &used.borrow()),
        items,
    }
}

/// The crate's `common` module: the types several documents define identically, each given
/// with the document it is taken from (whose names it is written with).
pub fn common_module(types: &[(&Api, &TypeDef)], imports: &Imports) -> ModuleCode {
    let used = RefCell::new(BTreeSet::new());
    let items = types
        .iter()
        .map(|(api, t)| {
            let spell = Spell {
                api,
                place: Place::Types,
                imports,
                used: &used,
            };
            type_item(t, spell)
        })
        .collect();
    ModuleCode {
        prelude: prelude(None, Place::Types, &used.borrow()),
        items,
    }
}

/// The item of one type.
fn type_item(t: &TypeDef, spell: Spell<'_>) -> Item {
    let tokens = match t {
        TypeDef::Struct(s) => struct_def(s, spell),
        TypeDef::Enum(e) => enum_def(e, spell),
        TypeDef::Alias(a) => alias_def(a, spell),
        TypeDef::Union(u) => union_def(u, spell),
    };
    Item::new(Module::Types, t.name(), tokens)
}

/// The docs of a type: the document's description, or what its origin says of it (`what`
/// is how an inline type of its kind is introduced: "The `owner` object of [`Thing`].").
fn type_doc(
    api: &Api,
    name: &str,
    description: &str,
    origin: &Origin,
    what: fn(&str, &str) -> String,
) -> String {
    or(description, || match origin {
        Origin::Component => format!("The `{name}` schema of the document."),
        Origin::Inline { parent, field } => what(field, &parent_text(api, parent)),
    })
}

fn struct_def(s: &StructDef, spell: Spell<'_>) -> TokenStream {
    let name = ident(&s.name);
    let docs = doc(&type_doc(
        spell.api,
        &s.name,
        &s.description,
        &s.origin,
        |field, parent| format!("The `{field}` object of {parent}."),
    ));
    let derives = derives(
        &s.caps,
        &[spell.ext(Extern::Serialize), spell.ext(Extern::Deserialize)],
    );
    let fields = s.fields.iter().map(|f| field(f, spell));
    let built: Vec<super::BuiltField<'_>> = s
        .fields
        .iter()
        .map(|f| super::BuiltField {
            name: &f.name,
            ty: &f.ty,
        })
        .collect();
    let constructor = super::builder(&s.name, &built, &s.builder, spell);
    let roles = roles::struct_roles(s, spell);
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

fn field(f: &Field, spell: Spell<'_>) -> TokenStream {
    let docs = member_doc(&or(&f.description, || {
        format!("The `{}` field.", f.wire_name)
    }));
    let name = ident(&f.name);
    let field_ty = spell.ty(&f.ty);
    let mut args = Vec::new();
    if f.serde.rename {
        let wire = &f.wire_name;
        args.push(quote!(rename = #wire));
    }
    if f.serde.default {
        args.push(quote!(default));
    }
    if f.serde.null_as_default {
        let function = super::compact(spell.ext(Extern::NullAsDefault));
        args.push(quote!(deserialize_with = #function));
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

fn alias_def(a: &AliasDef, spell: Spell<'_>) -> TokenStream {
    let name = ident(&a.name);
    let text = match (&a.ty, a.description.is_empty()) {
        (Ty::Named(target), true) => {
            format!("Another name for [`{}`].", spell.api.type_name(*target))
        }
        _ => type_doc(
            spell.api,
            &a.name,
            &a.description,
            &a.origin,
            |field, parent| format!("The `{field}` type of {parent}."),
        ),
    };
    let docs = doc(&text);
    let target = spell.ty(&a.ty);
    quote! {
        #docs
        pub type #name = #target;
    }
}

fn union_def(u: &UnionDef, spell: Spell<'_>) -> TokenStream {
    let name = ident(&u.name);
    let described = type_doc(
        spell.api,
        &u.name,
        &u.description,
        &u.origin,
        |field, parent| format!("The `{field}` alternatives of {parent}."),
    );
    let variants = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vty = spell.ty(&v.ty);
        let vdoc = if v.tags.is_empty() {
            member_doc(&format!("The `{}` alternative.", v.name))
        } else {
            let tags: Vec<String> = v.tags.iter().map(|t| format!("`{t}`")).collect();
            member_doc(&format!(
                "Chosen when the discriminator is {}.",
                tags.join(" or ")
            ))
        };
        quote!(#vdoc #vname(#vty),)
    });
    let serialize = spell.ext(Extern::Serialize);
    let Some(d) = &u.discriminator else {
        let docs = doc(&format!(
            "{described}\n\nDecoding tries the alternatives in order and keeps the first that fits."
        ));
        let derives = derives(&u.caps, &[serialize, spell.ext(Extern::Deserialize)]);
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
        "{described}\n\nThe `{}` property picks the alternative; an object with a value no \
         alternative claims is kept as JSON in [`{}::{}`].",
        d.property, u.name, d.other_variant
    ));
    let property = &d.property;
    let other = ident(&d.other_variant);
    let value = spell.ext(Extern::Value);
    let arms = u.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let tags = v.tags.iter().map(|t| Literal::string(t));
        quote! {
            Some(#(#tags)|*) => serde_json::from_value(value).map(Self::#vname).map_err(D::Error::custom),
        }
    });
    let derives = derives(&u.caps, &[serialize]);
    let deserialize = spell.ext(Extern::Deserialize);
    // With `Deserialize` imported its methods are in scope; else the call names the trait.
    let read_value = if spell.imports(Extern::Deserialize) {
        quote!(#value::deserialize(deserializer)?)
    } else {
        quote!(<#value as #deserialize>::deserialize(deserializer)?)
    };
    let deserializer = spell.ext(Extern::Deserializer);
    let result = spell.result(quote!(Self), quote!(D::Error));
    let other_doc = super::member_doc(
        "An object whose discriminator names no alternative this version of the document \
         lists, as the server sent it.",
    );
    quote! {
        #docs
        #derives
        #[serde(untagged)]
        pub enum #name {
            #(#variants)*
            #other_doc
            #other(#value),
        }

        impl<'de> #deserialize<'de> for #name {
            fn deserialize<D: #deserializer<'de>>(deserializer: D) -> #result {
                use serde::de::Error as _;
                let value = #read_value;
                match value.get(#property).and_then(#value::as_str) {
                    #(#arms)*
                    _ => Ok(Self::#other(value)),
                }
            }
        }
    }
}

fn enum_def(e: &EnumDef, spell: Spell<'_>) -> TokenStream {
    let name = ident(&e.name);
    let described = type_doc(
        spell.api,
        &e.name,
        &e.description,
        &e.origin,
        |field, parent| format!("Values of `{field}` in {parent}."),
    );
    let docs = doc(&format!(
        "{described}\n\nOpen to values the document does not list: those are kept in [`{}::{}`] \
         and written back unchanged.",
        e.name, e.other_variant
    ));
    let other = ident(&e.other_variant);
    let variants = e.variants.iter().map(|v| {
        let vname = ident(&v.name);
        let vdoc = member_doc(&format!("`{}`", v.wire));
        quote!(#vdoc #vname,)
    });
    let (to_str, from_str) = wire_arms(e.variants.iter().map(|v| (&*v.name, &*v.wire)));
    let derives = derives(&e.caps, &[]);
    let fmt = spell.ext(Extern::Fmt);
    let serialize = spell.ext(Extern::Serialize);
    let serializer = spell.ext(Extern::Serializer);
    let deserialize = spell.ext(Extern::Deserialize);
    let deserializer = spell.ext(Extern::Deserializer);
    let serialized = spell.result(quote!(S::Ok), quote!(S::Error));
    let read_string = if spell.imports(Extern::Deserialize) {
        quote!(String::deserialize(deserializer))
    } else {
        quote!(<String as #deserialize>::deserialize(deserializer))
    };
    let deserialized = spell.result(quote!(Self), quote!(D::Error));
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

        impl #fmt::Display for #name {
            fn fmt(&self, f: &mut #fmt::Formatter<'_>) -> #fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl #serialize for #name {
            fn serialize<S: #serializer>(&self, serializer: S) -> #serialized {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #deserialize<'de> for #name {
            fn deserialize<D: #deserializer<'de>>(deserializer: D) -> #deserialized {
                #read_string.map(Self::from)
            }
        }
    }
}
