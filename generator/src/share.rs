//! Types that several documents of one crate define identically, written once.
//!
//! HubSpot's object documents repeat the same schemas (orders and line items share all 37):
//! each would otherwise get its own `SimplePublicObject`, and code that handles records of
//! either object could not take both. A type is shared by the documents whose definitions are
//! equal in every decided detail (fields, types, serde attributes, docs, capabilities, roles)
//! and whose types it names are shared by the same documents, so that the one definition
//! means the same in each. The shared types go into the crate's `common` module and each
//! document's `types` module re-exports them, so every path a caller writes stays the same.
//!
//! Where the documents that define a name differ, the largest group of equal definitions
//! (ties: the earliest document's) stays in `common`, even a group of one, and the others get
//! their own. So when HubSpot updates one document before the others, the regenerated code
//! changes in that document's module alone: its types that now differ (and those naming them)
//! appear there, while `common` and the other documents stay as they were.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Api, Extern, Import, Imports, TypeDef, TypeId};
use crate::naming;

/// Which of each document's types are shared, and the shared types in output order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sharing {
    /// The shared types, in the order the first document that holds each lists them, each
    /// with the document it is taken from (whose ids it holds).
    pub common: Vec<(usize, TypeDef)>,
    /// For each document, in input order, the names of its types that are in `common`.
    pub shared: Vec<BTreeSet<String>>,
    /// For each document, in input order, the names of its types that another document
    /// defines too, but otherwise: the document has its own (so do the types naming them).
    pub apart: Vec<BTreeSet<String>>,
    /// What the `common` module writes by name ([`naming::importable`]).
    pub imports: Imports,
}

/// Whether `a` (of the document `in_a`) and `b` (of `in_b`) are one definition: equal in every
/// detail once `b`'s type ids are read as the types of `in_a` of the same names.
fn same(a: &TypeDef, in_a: &Api, b: &TypeDef, in_b: &Api) -> bool {
    let mut b = b.clone();
    let mut known = true;
    b.visit_ids(
        &mut |id: &mut TypeId| match in_a.type_id(in_b.type_name(*id)) {
            Some(mine) => *id = mine,
            None => known = false,
        },
    );
    known && *a == b
}

/// Decides which types the documents `apis` share.
pub fn share(apis: &[&Api]) -> Sharing {
    let mut by_name: BTreeMap<&str, Vec<(usize, &TypeDef)>> = BTreeMap::new();
    for (doc, api) in apis.iter().enumerate() {
        for t in &api.types {
            by_name.entry(t.name()).or_default().push((doc, t));
        }
    }
    // For each name more than one document defines, the largest group of documents with one
    // definition (ties: the group of the earliest document), a group of one included. A name
    // keeps its entry while its group shrinks, even to none: it is then the documents' own.
    let mut groups: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (name, defs) in &by_name {
        if defs.len() < 2 {
            continue;
        }
        // Documents come in order, so the first largest group is the earliest document's.
        let mut best: BTreeSet<usize> = BTreeSet::new();
        for (doc, def) in defs {
            let group: BTreeSet<usize> = defs
                .iter()
                .filter(|(other_doc, other)| same(def, apis[*doc], other, apis[*other_doc]))
                .map(|(d, _)| *d)
                .collect();
            if group.len() > best.len() {
                best = group;
            }
        }
        groups.insert(name, best);
    }
    // A type stays shared by a document only while every type it names is shared by that
    // document too.
    loop {
        let mut changed = false;
        let names: Vec<&str> = groups.keys().copied().collect();
        for name in names {
            let Some((first, def)) = by_name.get(name).and_then(|defs| {
                let first = *groups.get(name)?.first()?;
                defs.iter().find(|(d, _)| *d == first).copied()
            }) else {
                continue;
            };
            let referenced: BTreeSet<&str> = def
                .named()
                .into_iter()
                .map(|id| apis[first].type_name(id))
                .collect();
            let keep: BTreeSet<usize> = groups[name]
                .iter()
                .copied()
                .filter(|doc| {
                    referenced
                        .iter()
                        .all(|r| groups.get(r).is_some_and(|group| group.contains(doc)))
                })
                .collect();
            if keep.len() != groups[name].len() {
                changed = true;
                groups.insert(name, keep);
            }
        }
        if !changed {
            break;
        }
    }
    let mut sharing = Sharing {
        common: Vec::new(),
        shared: vec![BTreeSet::new(); apis.len()],
        apart: vec![BTreeSet::new(); apis.len()],
        imports: Imports::default(),
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
                    sharing.common.push((doc, t.clone()));
                }
            } else if groups.contains_key(t.name()) {
                sharing.apart[doc].insert(t.name().to_owned());
            }
        }
    }
    let names: BTreeSet<&str> = sharing.common.iter().map(|(_, t)| t.name()).collect();
    sharing.imports = naming::importable(
        &names,
        Extern::ALL.iter().map(|e| (Import::Extern(*e), e.name())),
    );
    sharing
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{AliasDef, Caps, EnumDef, Helpers, ModuleImports, Origin, Ty};

    fn alias(name: &str, ty: Ty) -> TypeDef {
        TypeDef::Alias(AliasDef {
            name: name.to_owned(),
            description: String::new(),
            origin: Origin::Component,
            ty,
        })
    }

    fn enumeration(name: &str, values: &[&str]) -> TypeDef {
        TypeDef::Enum(EnumDef {
            name: name.to_owned(),
            description: String::new(),
            origin: Origin::Component,
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
            handle: "Api".to_owned(),
            types,
            operations: Vec::new(),
            helpers: Helpers::default(),
            imports: ModuleImports::default(),
        }
    }

    #[test]
    fn identical_types_are_shared_and_a_differing_one_is_the_first_documents_in_common() {
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
            sharing
                .common
                .iter()
                .map(|(_, t)| t.name())
                .collect::<Vec<_>>(),
            ["Status", "Id"]
        );
        assert_eq!(sharing.common[1], (0, alias("Id", Ty::String)));
        assert!(sharing.shared[0].contains("Status") && sharing.shared[0].contains("Id"));
        assert!(sharing.shared[1].contains("Status") && !sharing.shared[1].contains("Id"));
        assert!(sharing.apart[0].is_empty());
        assert_eq!(sharing.apart[1], BTreeSet::from(["Id".to_owned()]));
    }

    #[test]
    fn a_type_naming_an_unshared_type_is_not_shared() {
        // `List` is written the same in both, but names `Status`, which differs: the second
        // document has its own of both.
        let a = api(vec![
            enumeration("Status", &["open"]),
            alias("List", Ty::Vec(Box::new(Ty::Named(TypeId(0))))),
        ]);
        let b = api(vec![
            enumeration("Status", &["closed"]),
            alias("List", Ty::Vec(Box::new(Ty::Named(TypeId(0))))),
        ]);
        let sharing = share(&[&a, &b]);
        assert_eq!(
            sharing.common,
            vec![(0, a.types[0].clone()), (0, a.types[1].clone())]
        );
        assert!(sharing.shared[1].is_empty(), "{:?}", sharing.shared);
        assert_eq!(
            sharing.apart[1],
            BTreeSet::from(["List".to_owned(), "Status".to_owned()])
        );
    }

    #[test]
    fn a_name_one_document_defines_stays_in_it() {
        let a = api(vec![enumeration("Status", &["open"])]);
        let b = api(vec![enumeration("State", &["open"])]);
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
        assert_eq!(sharing.common, vec![(1, open())]);
        assert!(sharing.shared[0].is_empty());
        assert!(sharing.shared[1].contains("Status") && sharing.shared[2].contains("Status"));
    }

    #[test]
    fn one_document_shares_nothing() {
        let a = api(vec![enumeration("Status", &["open"])]);
        let sharing = share(&[&a]);
        assert!(sharing.common.is_empty());
        assert_eq!(sharing.shared, vec![BTreeSet::new()]);
    }
}
