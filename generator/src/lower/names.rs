//! The naming pass: every type was given an id when lowering met it; here, once all are known,
//! each gets its name, inline enums of one name and the same values become one type, the
//! variants of unions are named after what they hold, and each module's imports are decided.
//!
//! Type names:
//! - a component schema: its key in UpperCamelCase ([`naming::type_name`]);
//! - an object or union written inline: its parent's name followed by the field it is written
//!   at (`Thing` + `owner` → `ThingOwner`; in an operation, the method's name in UpperCamelCase
//!   followed by the parameter, `Request`, `Ok`, `Error`…). Two that would share a name are an
//!   error that names both places;
//! - an inline enum: see the module docs of [`lower`](super) ("Enum names").

use super::*;

/// The types in output order, named, with the pointer each was written at (by id) and the
/// operations with their type ids made to match.
pub(super) type Named = (Vec<TypeDef>, Vec<String>, Vec<Operation>);

/// Names every type of `slots` (by id), puts them in `order` and makes every id in the types
/// and in `operations` the type's place in that order.
pub(super) fn name_types(
    slots: Vec<Slot>,
    order: &[TypeId],
    mut operations: Vec<Operation>,
) -> Result<Named, Error> {
    let mut names: Vec<String> = vec![String::new(); slots.len()];
    // Name → where the type that has it is written.
    let mut claimed: BTreeMap<String, String> = BTreeMap::new();
    let parent_name = |names: &[String], parent: &Parent| match parent {
        Parent::Type(id) => names.get(id.0).cloned().unwrap_or_default(),
        Parent::Operation(method) => naming::camel(naming::bare(method)),
    };
    let origin_of = |slot: &Slot| match slot.def.as_ref().map(TypeDef::origin) {
        Some(Origin::Inline { parent, field }) => Some((parent.clone(), field.clone())),
        _ => None,
    };
    // Component schemas and lifted types, in the order lowering met them: a parent always
    // before what is lifted out of it.
    for (i, slot) in slots.iter().enumerate() {
        let name = match &slot.rule {
            NameRule::Component { key } => naming::type_name(key),
            NameRule::Lifted => {
                let (parent, field) =
                    origin_of(slot).unwrap_or((Parent::Operation(String::new()), String::new()));
                let name = lifted(&parent_name(&names, &parent), &field);
                if let Some(first) = claimed.get(&name) {
                    return Err(Error::at(
                        slot.pointer.clone(),
                        format!(
                            "the inline schema here would be named `{name}`, which {first} already has"
                        ),
                    ));
                }
                name
            }
            NameRule::InlineEnum { .. } => continue,
        };
        claimed.insert(name.clone(), slot.pointer.clone());
        names[i] = name;
    }

    // Inline enums, by the name of their field; a group shares one type per distinct value
    // list, unless the field's name is taken or its enums differ: then each is `Parent` +
    // `Field`.
    let mut by_field: BTreeMap<String, Vec<InlineEnum<'_>>> = BTreeMap::new();
    for (i, slot) in slots.iter().enumerate() {
        if let NameRule::InlineEnum { values } = &slot.rule {
            let (parent, field) =
                origin_of(slot).unwrap_or((Parent::Operation(String::new()), String::new()));
            by_field
                .entry(naming::type_name(&field))
                .or_default()
                .push(InlineEnum {
                    id: i,
                    values,
                    parent,
                    field,
                });
        }
    }
    // Inline enums that are the same type as an earlier one: id → that one's id.
    let mut same_as: BTreeMap<usize, usize> = BTreeMap::new();
    for (short, group) in &by_field {
        let distinct: BTreeSet<&Vec<String>> = group.iter().map(|e| e.values).collect();
        let contested = distinct.len() > 1 || claimed.contains_key(short);
        let mut first_of: BTreeMap<(String, &Vec<String>), usize> = BTreeMap::new();
        for e in group {
            let name = if contested {
                lifted(&parent_name(&names, &e.parent), &e.field)
            } else {
                short.clone()
            };
            match first_of.get(&(name.clone(), e.values)) {
                Some(&first) => {
                    same_as.insert(e.id, first);
                }
                None => {
                    first_of.insert((name.clone(), e.values), e.id);
                }
            }
            names[e.id] = name;
        }
    }

    // Every name must now be unique.
    let kept: Vec<usize> = order
        .iter()
        .map(|id| id.0)
        .filter(|i| !same_as.contains_key(i))
        .collect();
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for &i in &kept {
        let here = slots[i].pointer.as_str();
        if let Some(first) = seen.get(names[i].as_str()) {
            return Err(Error::at(
                here.to_owned(),
                format!(
                    "the type here would be named `{}`, which {first} already has; rename one of them",
                    names[i]
                ),
            ));
        }
        seen.insert(&names[i], here);
    }

    let variant_names = union_variant_names(&slots, &names);

    // Each id becomes the type's place in the output.
    let mut place: Vec<TypeId> = vec![TypeId(0); slots.len()];
    for (position, &i) in kept.iter().enumerate() {
        place[i] = TypeId(position);
    }
    for (&i, &first) in &same_as {
        place[i] = place[first];
    }
    let mut remap = |id: &mut TypeId| {
        if let Some(new) = place.get(id.0) {
            *id = *new;
        }
    };
    let mut by_id: Vec<Option<Slot>> = slots.into_iter().map(Some).collect();
    let mut types = Vec::new();
    let mut pointers = Vec::new();
    for &i in &kept {
        let Some(Slot {
            def: Some(mut def),
            pointer,
            ..
        }) = by_id.get_mut(i).and_then(Option::take)
        else {
            continue;
        };
        let name = std::mem::take(&mut names[i]);
        match &mut def {
            TypeDef::Struct(s) => s.name = name,
            TypeDef::Enum(e) => e.name = name,
            TypeDef::Alias(a) => a.name = name,
            TypeDef::Union(u) => {
                u.name = name;
                if let Some((variants, other)) = variant_names.get(&i) {
                    for (v, n) in u.variants.iter_mut().zip(variants) {
                        v.name = n.clone();
                    }
                    if let Some(d) = &mut u.discriminator {
                        d.other_variant = other.clone();
                    }
                }
            }
        }
        def.visit_ids(&mut remap);
        types.push(def);
        pointers.push(pointer);
    }
    for op in &mut operations {
        op.visit_ids(&mut remap);
    }
    Ok((types, pointers, operations))
}

/// An inline enum waiting for its name.
struct InlineEnum<'s> {
    id: usize,
    values: &'s Vec<String>,
    parent: Parent,
    field: String,
}

/// The name of a type written at `field` of `parent`: `Parent` + `Field`.
fn lifted(parent: &str, field: &str) -> String {
    naming::type_name(&format!("{}{}", naming::bare(parent), naming::camel(field)))
}

/// The variant names of every union (by id), and the name of its variant for unclaimed
/// objects: each alternative is named after its type, or after the kind of value it is.
fn union_variant_names(slots: &[Slot], names: &[String]) -> BTreeMap<usize, (Vec<String>, String)> {
    let mut out = BTreeMap::new();
    for (i, slot) in slots.iter().enumerate() {
        let Some(TypeDef::Union(u)) = &slot.def else {
            continue;
        };
        let mut used = BTreeSet::new();
        let variants = u
            .variants
            .iter()
            .map(|v| unique_camel(variant_name(&v.ty, slots, names), &mut used))
            .collect();
        let other = unique_camel("Other".to_owned(), &mut used);
        out.insert(i, (variants, other));
    }
    out
}

/// The variant name of a union alternative: its type's name, or what kind of value it is.
fn variant_name(ty: &Ty, slots: &[Slot], names: &[String]) -> String {
    match ty {
        Ty::Named(id) => match slots.get(id.0).map(|s| &s.rule) {
            Some(NameRule::InlineEnum { .. }) => "Enum".to_owned(),
            _ => naming::bare(names.get(id.0).map_or("", String::as_str)).to_owned(),
        },
        Ty::String => "String".to_owned(),
        Ty::Bool => "Boolean".to_owned(),
        Ty::I32 | Ty::I64 => "Integer".to_owned(),
        Ty::F32 | Ty::F64 => "Number".to_owned(),
        Ty::DateTime => "DateTime".to_owned(),
        Ty::Date => "Date".to_owned(),
        Ty::Json => "Value".to_owned(),
        Ty::Vec(_) => "Array".to_owned(),
        Ty::Map(_) => "Map".to_owned(),
        Ty::Option(inner) | Ty::Boxed(inner) => variant_name(inner, slots, names),
        Ty::Bytes => "Bytes".to_owned(),
        Ty::File => "File".to_owned(),
    }
}

/// Decides, for each module of the document, which of the names it would import it writes
/// bare ([`naming::importable`]): in the `types` module every type of the document is its
/// own; in `operations` the parameters structs and answer enums are, and the handle and the
/// types its methods name come before other crates' items; in the document's module the
/// handle is, and the types and parameters structs of the helpers' traits come first.
pub fn decide_imports(api: &Api) -> ModuleImports {
    let externs = || Extern::ALL.iter().map(|e| (Import::Extern(*e), e.name()));
    let type_names: BTreeSet<&str> = api.types.iter().map(TypeDef::name).collect();
    let types = naming::importable(&type_names, externs());

    let mut op_items: BTreeSet<&str> = BTreeSet::new();
    for op in &api.operations {
        op_items.extend(op.query.as_ref().map(|q| q.name.as_str()));
        if let Success::Multi { enum_name, .. } = &op.success {
            op_items.insert(enum_name);
        }
    }
    let mut named: Vec<TypeId> = Vec::new();
    for op in &api.operations {
        for id in op.named() {
            if !named.contains(&id) {
                named.push(id);
            }
        }
    }
    let handle = [(Import::Handle, api.handle.as_str())];
    let operations = naming::importable(
        &op_items,
        handle
            .iter()
            .cloned()
            .chain(
                named
                    .iter()
                    .map(|id| (Import::Type(*id), api.type_name(*id))),
            )
            .chain(externs()),
    );

    let mut helper_types: Vec<TypeId> = Vec::new();
    let mut helper_ops: Vec<&str> = Vec::new();
    let add = |ty: &Ty, out: &mut Vec<TypeId>| {
        let mut ids = Vec::new();
        ty.named_into(&mut ids);
        for id in ids {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    };
    let helpers = &api.helpers;
    if let Some(upsert) = &helpers.upsert {
        add(&upsert.input, &mut helper_types);
        add(&upsert.record, &mut helper_types);
        if let Some(op) = api.operations.get(upsert.operation) {
            add(&op.error_ty, &mut helper_types);
        }
    }
    if let Some(list) = &helpers.list {
        add(&Ty::Named(list.page), &mut helper_types);
        if let Some(op) = api.operations.get(list.operation) {
            add(&op.error_ty, &mut helper_types);
            helper_ops.extend(op.query.as_ref().map(|q| q.name.as_str()));
        }
    }
    if let Some(search) = &helpers.search {
        add(&Ty::Named(search.request), &mut helper_types);
        add(&Ty::Named(search.page), &mut helper_types);
        if let Some(op) = api.operations.get(search.operation) {
            add(&op.error_ty, &mut helper_types);
        }
    }
    let own = BTreeSet::from([api.handle.as_str()]);
    let document = naming::importable(
        &own,
        helper_types
            .iter()
            .map(|id| (Import::Type(*id), api.type_name(*id)))
            .chain(
                helper_ops
                    .iter()
                    .map(|name| (Import::Operations((*name).to_owned()), *name)),
            )
            .chain(externs()),
    );
    ModuleImports {
        types,
        operations,
        document,
    }
}
