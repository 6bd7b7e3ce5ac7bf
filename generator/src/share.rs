//! Types that several documents of one crate define identically, written once.
//!
//! HubSpot's object documents repeat the same schemas (orders and line items share all 37):
//! each would otherwise get its own `SimplePublicObject`, and code that handles records of
//! either object could not take both. A type is shared by the documents whose definitions are
//! equal in every decided detail (fields, types, serde attributes, docs, capabilities, roles)
//! and whose types it names are shared by the same documents, so that the one definition
//! means the same in each. The shared types go into the crate's `common` module and each
//! document's `types` module re-exports them, so every path a caller writes stays the same.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, Ty, TypeDef};

/// Which of each document's types are shared, and the shared types in output order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sharing {
    /// The shared types, in the order the first document that holds each lists them.
    pub common: Vec<TypeDef>,
    /// For each document, in input order, the names of its types that are in `common`.
    pub shared: Vec<BTreeSet<String>>,
}

/// Decides which types the documents `apis` share.
pub fn share(apis: &[&Api]) -> Sharing {
    let mut by_name: BTreeMap<&str, Vec<(usize, &TypeDef)>> = BTreeMap::new();
    for (doc, api) in apis.iter().enumerate() {
        for t in &api.types {
            by_name.entry(t.name()).or_default().push((doc, t));
        }
    }
    // For each name, the largest group of documents with one definition (ties: the group of
    // the earliest document).
    let mut groups: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (name, defs) in &by_name {
        // Documents come in order, so the first largest group is the earliest document's.
        let mut best: BTreeSet<usize> = BTreeSet::new();
        for (_, def) in defs {
            let group: BTreeSet<usize> = defs
                .iter()
                .filter(|(_, other)| other == def)
                .map(|(d, _)| *d)
                .collect();
            if group.len() > best.len() {
                best = group;
            }
        }
        if best.len() >= 2 {
            groups.insert(name, best);
        }
    }
    // A type stays shared by a document only while every type it names is shared by that
    // document too.
    loop {
        let mut changed = false;
        let names: Vec<&str> = groups.keys().copied().collect();
        for name in names {
            let Some(def) = by_name.get(name).and_then(|defs| {
                let first = *groups.get(name)?.first()?;
                defs.iter().find(|(d, _)| *d == first).map(|(_, t)| *t)
            }) else {
                continue;
            };
            let mut referenced = BTreeSet::new();
            named_in(def, &mut referenced);
            let keep: BTreeSet<usize> = groups[name]
                .iter()
                .copied()
                .filter(|doc| {
                    referenced.iter().all(|r| {
                        groups
                            .get(r.as_str())
                            .is_some_and(|group| group.contains(doc))
                    })
                })
                .collect();
            if keep.len() != groups[name].len() {
                changed = true;
                if keep.len() >= 2 {
                    groups.insert(name, keep);
                } else {
                    groups.remove(name);
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut sharing = Sharing {
        common: Vec::new(),
        shared: vec![BTreeSet::new(); apis.len()],
    };
    let mut placed = BTreeSet::new();
    for (doc, api) in apis.iter().enumerate() {
        for t in &api.types {
            if groups
                .get(t.name())
                .is_some_and(|group| group.contains(&doc))
            {
                sharing.shared[doc].insert(t.name().to_owned());
                if placed.insert(t.name().to_owned()) {
                    sharing.common.push(t.clone());
                }
            }
        }
    }
    sharing
}

/// The names of the types `def` refers to.
fn named_in(def: &TypeDef, out: &mut BTreeSet<String>) {
    match def {
        TypeDef::Struct(s) => s.fields.iter().for_each(|f| names_of(&f.ty, out)),
        TypeDef::Alias(a) => names_of(&a.ty, out),
        TypeDef::Union(u) => u.variants.iter().for_each(|v| names_of(&v.ty, out)),
        TypeDef::Enum(_) => {}
    }
}

fn names_of(ty: &Ty, out: &mut BTreeSet<String>) {
    match ty {
        Ty::Named(name) => {
            out.insert(name.clone());
        }
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
            names_of(inner, out)
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AliasDef, Caps, EnumDef, Helpers};

    fn alias(name: &str, ty: Ty) -> TypeDef {
        TypeDef::Alias(AliasDef {
            name: name.to_owned(),
            doc: String::new(),
            ty,
        })
    }

    fn enumeration(name: &str, values: &[&str]) -> TypeDef {
        TypeDef::Enum(EnumDef {
            name: name.to_owned(),
            doc: String::new(),
            variants: values
                .iter()
                .map(|v| crate::ir::Variant {
                    name: v.to_uppercase(),
                    wire: (*v).to_owned(),
                })
                .collect(),
            other_variant: "Unknown".to_owned(),
            caps: Caps::default(),
        })
    }

    fn api(types: Vec<TypeDef>) -> Api {
        Api {
            title: String::new(),
            version: String::new(),
            default_base_url: String::new(),
            types,
            operations: Vec::new(),
            helpers: Helpers::default(),
        }
    }

    #[test]
    fn identical_types_are_shared_and_differing_ones_kept_apart() {
        let a = api(vec![
            enumeration("Status", &["open", "done"]),
            alias("Id", Ty::String),
        ]);
        let b = api(vec![
            enumeration("Status", &["open", "done"]),
            alias("Id", Ty::I64),
        ]);
        let sharing = share(&[&a, &b]);
        assert_eq!(
            sharing.common.iter().map(TypeDef::name).collect::<Vec<_>>(),
            ["Status"]
        );
        assert!(sharing.shared[0].contains("Status") && !sharing.shared[0].contains("Id"));
        assert!(sharing.shared[1].contains("Status") && !sharing.shared[1].contains("Id"));
    }

    #[test]
    fn a_type_naming_an_unshared_type_is_not_shared() {
        // `List` is written the same in both, but names `Status`, which differs.
        let a = api(vec![
            enumeration("Status", &["open"]),
            alias("List", Ty::Vec(Box::new(Ty::Named("Status".to_owned())))),
        ]);
        let b = api(vec![
            enumeration("Status", &["closed"]),
            alias("List", Ty::Vec(Box::new(Ty::Named("Status".to_owned())))),
        ]);
        let sharing = share(&[&a, &b]);
        assert!(sharing.common.is_empty(), "{:?}", sharing.common);
    }

    #[test]
    fn the_largest_group_of_equal_definitions_shares() {
        let open = || enumeration("Status", &["open"]);
        let docs = [
            api(vec![enumeration("Status", &["other"])]),
            api(vec![open()]),
            api(vec![open()]),
        ];
        let sharing = share(&docs.iter().collect::<Vec<_>>());
        assert_eq!(sharing.common, vec![open()]);
        assert!(sharing.shared[0].is_empty());
        assert!(sharing.shared[1].contains("Status") && sharing.shared[2].contains("Status"));
    }

    #[test]
    fn one_document_shares_nothing() {
        let a = api(vec![enumeration("Status", &["open"])]);
        assert_eq!(
            share(&[&a]),
            Sharing {
                common: Vec::new(),
                shared: vec![BTreeSet::new()],
            }
        );
    }
}
