//! Passes run once every type is known: renaming, boxing of recursion, capabilities.

use super::*;

pub(super) fn rename_ty(ty: &mut Ty, rename: &BTreeMap<String, String>) {
    match ty {
        Ty::Named(n) => {
            if let Some(new) = rename.get(n) {
                *n = new.clone();
            }
        }
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
            rename_ty(inner, rename)
        }
        _ => {}
    }
}

pub(super) fn rename_types(api: &mut Api, rename: &BTreeMap<String, String>) {
    for t in &mut api.types {
        match t {
            TypeDef::Struct(s) => s
                .fields
                .iter_mut()
                .for_each(|f| rename_ty(&mut f.ty, rename)),
            TypeDef::Alias(a) => rename_ty(&mut a.ty, rename),
            TypeDef::Union(u) => u
                .variants
                .iter_mut()
                .for_each(|v| rename_ty(&mut v.ty, rename)),
            TypeDef::Enum(_) => {}
        }
    }
    for op in &mut api.operations {
        op.path_params
            .iter_mut()
            .for_each(|p| rename_ty(&mut p.ty, rename));
        if let Some(q) = &mut op.query {
            q.fields
                .iter_mut()
                .for_each(|f| rename_ty(&mut f.ty, rename));
        }
        if let Some(b) = &mut op.body {
            rename_ty(&mut b.ty, rename);
        }
        rename_ty(&mut op.error_ty, rename);
        match &mut op.success {
            Success::Single(s) => s.ty.iter_mut().for_each(|t| rename_ty(t, rename)),
            Success::Multi { variants, .. } => {
                for (_, s) in variants {
                    s.ty.iter_mut().for_each(|t| rename_ty(t, rename));
                }
            }
        }
    }
}

/// Decides what every type can derive: the one place where `Eq`, `Hash`, `Default` and
/// `Copy` are chosen. A type has a capability when every type inside it has it; types that
/// hold one another are solved together, starting from "everything" and taking away until
/// nothing changes (the greatest fixed point, so a recursive type is `Eq` when all else in
/// it is).
pub(super) fn decide_caps(api: &mut Api) {
    let all = Caps {
        eq: true,
        hash: true,
        default: true,
        copy: true,
    };
    let mut caps: BTreeMap<String, Caps> = api
        .types
        .iter()
        .map(|t| (t.name().to_owned(), all))
        .collect();
    loop {
        let mut changed = false;
        for t in &api.types {
            let new = type_caps(t, &caps);
            let old = caps.insert(t.name().to_owned(), new);
            changed |= old != Some(new);
        }
        if !changed {
            break;
        }
    }
    let named = |name: &str| caps.get(name).copied().unwrap_or_default();
    for t in &mut api.types {
        let decided = named(t.name());
        match t {
            TypeDef::Struct(s) => s.caps = decided,
            TypeDef::Enum(e) => e.caps = decided,
            TypeDef::Union(u) => u.caps = decided,
            TypeDef::Alias(_) => {}
        }
    }
    for op in &mut api.operations {
        if let Some(q) = &mut op.query {
            q.caps = Caps {
                default: q.fields.iter().all(|f| !f.required),
                copy: false, // as for structs: the next version may add a string

                ..all_of(q.fields.iter().map(|f| ty_caps(&f.ty, &caps)))
            };
        }
        if let Success::Multi {
            variants, caps: c, ..
        } = &mut op.success
        {
            *c = Caps {
                default: false,
                ..all_of(variants.iter().map(|(_, s)| match &s.ty {
                    Some(t) => ty_caps(t, &caps),
                    None => all,
                }))
            };
        }
    }
}

/// The capabilities every one of `parts` has.
fn all_of(parts: impl Iterator<Item = Caps>) -> Caps {
    parts.fold(
        Caps {
            eq: true,
            hash: true,
            default: true,
            copy: true,
        },
        |a, b| Caps {
            eq: a.eq && b.eq,
            hash: a.hash && b.hash,
            default: a.default && b.default,
            copy: a.copy && b.copy,
        },
    )
}

fn type_caps(t: &TypeDef, caps: &BTreeMap<String, Caps>) -> Caps {
    match t {
        // An open enum keeps unknown values in a `String`.
        TypeDef::Enum(_) => Caps {
            eq: true,
            hash: true,
            default: false,
            copy: false,
        },
        TypeDef::Struct(s) => Caps {
            // `Default` leaves every field out: only when each one may be left out.
            default: s.fields.iter().all(|f| f.ty.defaults_to_empty()),
            // Never `Copy`: a new string field in the next version of the document would take
            // it away and break every caller that relied on it.
            copy: false,
            ..all_of(s.fields.iter().map(|f| ty_caps(&f.ty, caps)))
        },
        TypeDef::Alias(a) => ty_caps(&a.ty, caps),
        TypeDef::Union(u) => {
            let variants = all_of(u.variants.iter().map(|v| ty_caps(&v.ty, caps)));
            // With a discriminator, unknown alternatives are kept as JSON.
            let other = u.discriminator.is_some();
            Caps {
                eq: variants.eq && !other,
                hash: variants.hash && !other,
                default: false,
                copy: false, // as for structs
            }
        }
    }
}

/// The capabilities of a type as a field or variant holds it.
fn ty_caps(ty: &Ty, caps: &BTreeMap<String, Caps>) -> Caps {
    let scalar = |eq: bool| Caps {
        eq,
        hash: eq,
        default: true,
        copy: true,
    };
    match ty {
        Ty::Bool | Ty::I32 | Ty::I64 => scalar(true),
        Ty::F32 | Ty::F64 => scalar(false),
        Ty::DateTime | Ty::Date => Caps {
            default: false,
            ..scalar(true)
        },
        Ty::String => Caps {
            copy: false,
            ..scalar(true)
        },
        Ty::Json => Caps {
            eq: false,
            hash: false,
            default: true,
            copy: false,
        },
        Ty::Named(name) => caps.get(name).copied().unwrap_or_default(),
        Ty::Option(inner) => Caps {
            default: true,
            ..ty_caps(inner, caps)
        },
        Ty::Vec(inner) | Ty::Map(inner) => Caps {
            default: true,
            copy: false,
            ..ty_caps(inner, caps)
        },
        Ty::Boxed(inner) => Caps {
            copy: false,
            ..ty_caps(inner, caps)
        },
        // `Vec<u8>` and `FilePart`.
        Ty::Bytes | Ty::File => Caps {
            copy: false,
            ..scalar(true)
        },
    }
}

/// The named type a value of `ty` holds in place (through `Option` and `Box`, not through the
/// heap storage of `Vec` and maps).
pub(super) fn held_in_place(ty: &Ty) -> Option<&str> {
    match ty {
        Ty::Named(n) => Some(n),
        Ty::Option(inner) | Ty::Boxed(inner) => held_in_place(inner),
        _ => None,
    }
}

/// Every named type `ty` mentions, anywhere.
pub(super) fn mentions<'t>(ty: &'t Ty, out: &mut Vec<&'t str>) {
    match ty {
        Ty::Named(n) => out.push(n),
        Ty::Vec(inner) | Ty::Map(inner) | Ty::Option(inner) | Ty::Boxed(inner) => {
            mentions(inner, out)
        }
        _ => {}
    }
}

/// The types a value of `t` holds in place.
pub(super) fn in_place_edges(t: &TypeDef) -> Vec<&str> {
    match t {
        TypeDef::Struct(s) => s
            .fields
            .iter()
            .filter_map(|f| held_in_place(&f.ty))
            .collect(),
        TypeDef::Alias(a) => held_in_place(&a.ty).into_iter().collect(),
        TypeDef::Union(u) => u
            .variants
            .iter()
            .filter_map(|v| held_in_place(&v.ty))
            .collect(),
        TypeDef::Enum(_) => Vec::new(),
    }
}

pub(super) fn reaches(
    index: &BTreeMap<&str, &TypeDef>,
    from: &str,
    to: &str,
    edges: fn(&TypeDef) -> Vec<&str>,
) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(name) = stack.pop() {
        if name == to {
            return true;
        }
        if !seen.insert(name) {
            continue;
        }
        if let Some(t) = index.get(name) {
            stack.extend(edges(t));
        }
    }
    false
}

/// Puts a `Box` where a type would contain itself (directly or through others), and refuses
/// aliases that name themselves, which Rust cannot express.
pub(super) fn box_recursion(
    types: &mut [TypeDef],
    origins: &BTreeMap<String, String>,
) -> Result<(), Error> {
    let mut to_box: Vec<(usize, usize)> = Vec::new();
    {
        let index: BTreeMap<&str, &TypeDef> = types.iter().map(|t| (t.name(), t)).collect();
        for (ti, t) in types.iter().enumerate() {
            if let TypeDef::Alias(a) = t {
                let alias_edges: fn(&TypeDef) -> Vec<&str> = |t| match t {
                    TypeDef::Alias(a) => {
                        let mut out = Vec::new();
                        mentions(&a.ty, &mut out);
                        out
                    }
                    _ => Vec::new(),
                };
                let mut direct = Vec::new();
                mentions(&a.ty, &mut direct);
                if direct
                    .iter()
                    .any(|d| reaches(&index, d, &a.name, alias_edges))
                {
                    let pointer = origins.get(&a.name).cloned().unwrap_or_default();
                    return Err(Error::at(
                        pointer,
                        format!(
                            "`{}` is defined through itself with no object in between; Rust cannot name such a type",
                            a.name
                        ),
                    ));
                }
            }
            let held: Vec<Option<&str>> = match t {
                TypeDef::Struct(s) => s.fields.iter().map(|f| held_in_place(&f.ty)).collect(),
                TypeDef::Union(u) => u.variants.iter().map(|v| held_in_place(&v.ty)).collect(),
                _ => Vec::new(),
            };
            for (fi, target) in held.into_iter().enumerate() {
                if let Some(target) = target
                    && reaches(&index, target, t.name(), in_place_edges)
                {
                    to_box.push((ti, fi));
                }
            }
        }
    }
    for (ti, fi) in to_box {
        let ty = match &mut types[ti] {
            TypeDef::Struct(s) => &mut s.fields[fi].ty,
            TypeDef::Union(u) => &mut u.variants[fi].ty,
            _ => continue,
        };
        box_named(ty);
    }
    Ok(())
}

/// Wraps the named type held in place by `ty` in a `Box`.
pub(super) fn box_named(ty: &mut Ty) {
    match ty {
        Ty::Named(_) => {
            let named = std::mem::replace(ty, Ty::Json);
            *ty = Ty::Boxed(Box::new(named));
        }
        Ty::Option(inner) => box_named(inner),
        _ => {}
    }
}
