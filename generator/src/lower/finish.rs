//! Passes run once every type is known and named: boxing of recursion, capabilities.

use super::*;

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
        non_exhaustive: false,
    };
    let mut caps: Vec<Caps> = vec![all; api.types.len()];
    loop {
        let mut changed = false;
        for (i, t) in api.types.iter().enumerate() {
            let new = type_caps(t, &caps);
            changed |= caps[i] != new;
            caps[i] = new;
        }
        if !changed {
            break;
        }
    }
    // Every struct and enum may grow in the next version of the document (a field, a value, an
    // alternative): none can be built by a literal or matched exhaustively outside the crate.
    let grows = |c: Caps| Caps {
        non_exhaustive: true,
        ..c
    };
    for (t, &decided) in api.types.iter_mut().zip(&caps) {
        let decided = grows(decided);
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
                non_exhaustive: true,
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
                non_exhaustive: true,
                default: false,
                ..all_of(variants.iter().map(|(_, s)| match &s.ty {
                    Some(t) => ty_caps(t, &caps),
                    None => all,
                }))
            };
        }
    }
}

/// The types a request may hold: those of the operations' bodies and every type inside them.
fn request_types(api: &Api) -> BTreeSet<TypeId> {
    let mut todo: Vec<TypeId> = Vec::new();
    for op in &api.operations {
        if let Some(body) = &op.body {
            body.ty.named_into(&mut todo);
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(id) = todo.pop() {
        if !seen.insert(id) {
            continue;
        }
        if let Some(t) = api.type_def(id) {
            todo.extend(t.named());
        }
    }
    seen
}

/// Decides how a caller outside the crate builds each struct (every one is `#[non_exhaustive]`):
/// `new` taking the fields that are not `Option`s, and, on a struct a request may hold (and on
/// every struct of query parameters), one setter an `Option` field, named by
/// [`naming::setter`] clear of the struct's other methods. A struct only answers hold gets no
/// setters: its fields are public, so a test sets an optional one by assignment, and a field
/// HubSpot adds to an answer adds no code beyond the field.
pub(super) fn decide_builders(api: &mut Api) {
    let requests = request_types(api);
    let builder = |sent: bool, optional: &mut dyn Iterator<Item = &str>| {
        let mut taken: BTreeSet<String> = naming::STRUCT_METHODS
            .iter()
            .map(|m| (*m).to_owned())
            .collect();
        Builder {
            sent,
            setters: optional
                .filter(|_| sent)
                .map(|field| Setter {
                    field: field.to_owned(),
                    method: naming::setter(field, &mut taken),
                })
                .collect(),
        }
    };
    for (i, t) in api.types.iter_mut().enumerate() {
        if let TypeDef::Struct(s) = t {
            let sent = requests.contains(&TypeId(i));
            s.builder = builder(
                sent,
                &mut s
                    .fields
                    .iter()
                    .filter(|f| matches!(f.ty, Ty::Option(_)))
                    .map(|f| f.name.as_str()),
            );
        }
    }
    for op in &mut api.operations {
        if let Some(q) = &mut op.query {
            q.builder = builder(
                true,
                &mut q
                    .fields
                    .iter()
                    .filter(|f| matches!(f.ty, Ty::Option(_)))
                    .map(|f| f.name.as_str()),
            );
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
            non_exhaustive: false,
        },
        |a, b| Caps {
            non_exhaustive: false,
            eq: a.eq && b.eq,
            hash: a.hash && b.hash,
            default: a.default && b.default,
            copy: a.copy && b.copy,
        },
    )
}

fn type_caps(t: &TypeDef, caps: &[Caps]) -> Caps {
    match t {
        // An open enum keeps unknown values in a `String`.
        TypeDef::Enum(_) => Caps {
            eq: true,
            hash: true,
            default: false,
            copy: false,
            non_exhaustive: false,
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
                non_exhaustive: false,
            }
        }
    }
}

/// The capabilities of a type as a field or variant holds it.
fn ty_caps(ty: &Ty, caps: &[Caps]) -> Caps {
    let scalar = |eq: bool| Caps {
        eq,
        hash: eq,
        default: true,
        copy: true,
        non_exhaustive: false,
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
            non_exhaustive: false,
        },
        Ty::Named(id) => caps.get(id.0).copied().unwrap_or_default(),
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
pub(super) fn held_in_place(ty: &Ty) -> Option<TypeId> {
    match ty {
        Ty::Named(id) => Some(*id),
        Ty::Option(inner) | Ty::Boxed(inner) => held_in_place(inner),
        _ => None,
    }
}

/// The types a value of `t` holds in place.
pub(super) fn in_place_edges(t: &TypeDef) -> Vec<TypeId> {
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

/// The types an alias names, anywhere in its type.
fn alias_edges(t: &TypeDef) -> Vec<TypeId> {
    match t {
        TypeDef::Alias(_) => t.named(),
        _ => Vec::new(),
    }
}

pub(super) fn reaches(
    types: &[TypeDef],
    from: TypeId,
    to: TypeId,
    edges: fn(&TypeDef) -> Vec<TypeId>,
) -> bool {
    let mut stack = vec![from];
    let mut seen = BTreeSet::new();
    while let Some(id) = stack.pop() {
        if id == to {
            return true;
        }
        if !seen.insert(id) {
            continue;
        }
        if let Some(t) = types.get(id.0) {
            stack.extend(edges(t));
        }
    }
    false
}

/// Puts a `Box` where a type would contain itself (directly or through others), and refuses
/// aliases that name themselves, which Rust cannot express. `pointers` are where each type
/// is written, by id.
pub(super) fn box_recursion(types: &mut [TypeDef], pointers: &[String]) -> Result<(), Error> {
    let mut to_box: Vec<(usize, usize)> = Vec::new();
    for (ti, t) in types.iter().enumerate() {
        let me = TypeId(ti);
        if let TypeDef::Alias(a) = t
            && t.named()
                .into_iter()
                .any(|d| reaches(types, d, me, alias_edges))
        {
            return Err(Error::at(
                pointers.get(ti).cloned().unwrap_or_default(),
                format!(
                    "`{}` is defined through itself with no object in between; Rust cannot name such a type",
                    a.name
                ),
            ));
        }
        let held: Vec<Option<TypeId>> = match t {
            TypeDef::Struct(s) => s.fields.iter().map(|f| held_in_place(&f.ty)).collect(),
            TypeDef::Union(u) => u.variants.iter().map(|v| held_in_place(&v.ty)).collect(),
            _ => Vec::new(),
        };
        for (fi, target) in held.into_iter().enumerate() {
            if let Some(target) = target
                && reaches(types, target, me, in_place_edges)
            {
                to_box.push((ti, fi));
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
