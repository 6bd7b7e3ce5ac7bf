//! What types and operations are to the hand-written runtime's generic helpers, decided by
//! their shape once every type is known.
//!
//! The runtime names no type of any document: its bulk upsert, paging and search work through
//! small traits, and the generated code implements them where the document has an operation of
//! the shape they need. Nothing here goes by a schema's name, so an earlier or later version of
//! a document (one without batch upsert, one whose results lack `new`, one whose answer has no
//! body) gets exactly the helpers its operations support, and its crate compiles.
//!
//! | role | shape |
//! |---|---|
//! | page | `results: Vec<T>` and `paging.next.after: String` (any of the three optional) |
//! | record id | a required `id: String` |
//! | typed properties | `properties: BTreeMap<String, Option<String>>` (an answer) |
//! | from typed | `properties: BTreeMap<String, String>`, every other field empty by default but a required `id: String` and an optional `idProperty` |
//! | by keys | `inputs: Vec<{id: String}>`, `properties: Vec<String>`, an optional `idProperty`, the rest empty by default |
//! | upsert helper | `POST …/batch/upsert`, no path parameter, a JSON body `{inputs: [T]}` whose `T` has `id` and `properties` |
//! | list helper | `GET` without path parameters, an optional `after` query parameter, a single answer with the page role |
//! | search helper | `POST …/search`, no path parameter, a JSON body with `filterGroups`, `sorts` and `after`, a single answer with the page role over records with an id |

use super::*;

/// Sets [`StructDef::roles`] on every struct and [`Api::helpers`].
pub(super) fn decide_roles(api: &mut Api) {
    let roles: Vec<Roles> = api
        .types
        .iter()
        .map(|t| match t {
            TypeDef::Struct(s) => struct_roles(s, &api.types),
            _ => Roles::default(),
        })
        .collect();
    for (t, decided) in api.types.iter_mut().zip(roles) {
        if let TypeDef::Struct(s) = t {
            s.roles = decided;
        }
    }
    api.helpers = Helpers {
        upsert: api
            .operations
            .iter()
            .enumerate()
            .find_map(|(i, op)| upsert_helper(i, op, &api.types)),
        list: api
            .operations
            .iter()
            .enumerate()
            .find_map(|(i, op)| list_helper(i, op, &api.types)),
        search: api
            .operations
            .iter()
            .enumerate()
            .find_map(|(i, op)| search_helper(i, op, &api.types)),
    };
}

/// The type inside an `Option`, and whether there was one.
fn unwrap_option(ty: &Ty) -> (&Ty, bool) {
    match ty {
        Ty::Option(inner) => (inner, true),
        other => (other, false),
    }
}

/// The struct a type names, through `Option`, `Box` and aliases.
fn resolve<'a>(ty: &Ty, types: &'a [TypeDef]) -> Option<&'a StructDef> {
    let mut ty = ty;
    // Bounded: an alias chain longer than the number of types is a cycle.
    for _ in 0..=types.len() {
        match ty {
            Ty::Option(inner) | Ty::Boxed(inner) => ty = inner,
            Ty::Named(id) => match types.get(id.0)? {
                TypeDef::Struct(s) => return Some(s),
                TypeDef::Alias(a) => ty = &a.ty,
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

/// The struct a type names, through `Option`, `Box` and aliases, by id.
fn struct_id(ty: &Ty, types: &[TypeDef]) -> Option<TypeId> {
    let mut ty = ty;
    for _ in 0..=types.len() {
        match ty {
            Ty::Option(inner) | Ty::Boxed(inner) => ty = inner,
            Ty::Named(id) => match types.get(id.0)? {
                TypeDef::Struct(_) => return Some(*id),
                TypeDef::Alias(a) => ty = &a.ty,
                _ => return None,
            },
            _ => return None,
        }
    }
    None
}

fn field<'a>(s: &'a StructDef, wire: &str) -> Option<&'a Field> {
    s.fields.iter().find(|f| f.wire_name == wire)
}

fn is_string_map(ty: &Ty) -> bool {
    matches!(ty, Ty::Map(inner) if **inner == Ty::String)
}

fn is_optional_string_map(ty: &Ty) -> bool {
    matches!(ty, Ty::Map(inner) if **inner == Ty::Option(Box::new(Ty::String)))
}

fn struct_roles(s: &StructDef, types: &[TypeDef]) -> Roles {
    Roles {
        page: page_role(s, types),
        record_id: field(s, "id").is_some_and(|f| f.ty == Ty::String),
        typed_properties: field(s, "properties").is_some_and(|f| is_optional_string_map(&f.ty)),
        from_typed: from_typed(s),
        by_keys: by_keys(s, types),
    }
}

fn page_role(s: &StructDef, types: &[TypeDef]) -> Option<PageRole> {
    let item = match &field(s, "results")?.ty {
        Ty::Vec(item) => (**item).clone(),
        _ => return None,
    };
    let (paging_ty, paging_optional) = unwrap_option(&field(s, "paging")?.ty);
    let paging = resolve(paging_ty, types)?;
    let (next_ty, next_optional) = unwrap_option(&field(paging, "next")?.ty);
    let next = resolve(next_ty, types)?;
    let (after_ty, after_optional) = unwrap_option(&field(next, "after")?.ty);
    (*after_ty == Ty::String).then_some(PageRole {
        item,
        paging_optional,
        next_optional,
        after_optional,
    })
}

fn from_typed(s: &StructDef) -> Option<FromTyped> {
    if !field(s, "properties").is_some_and(|f| is_string_map(&f.ty)) {
        return None;
    }
    let id = field(s, "id");
    let id_property = field(s, "idProperty");
    let others_empty = s.fields.iter().all(|f| match f.wire_name.as_str() {
        "properties" => true,
        "id" => f.ty == Ty::String || f.ty.defaults_to_empty(),
        "idProperty" => f.ty == Ty::Option(Box::new(Ty::String)),
        _ => f.ty.defaults_to_empty(),
    });
    if !others_empty {
        return None;
    }
    Some(match (id.map(|f| &f.ty), id_property) {
        (Some(Ty::String), Some(_)) => FromTyped::Key,
        (Some(Ty::String), None) => FromTyped::Id,
        _ => FromTyped::Properties,
    })
}

fn by_keys(s: &StructDef, types: &[TypeDef]) -> Option<ByKeys> {
    let Ty::Vec(item) = &field(s, "inputs")?.ty else {
        return None;
    };
    let id_struct = resolve(item, types)?;
    let only_id = matches!(id_struct.fields.as_slice(), [f] if f.wire_name == "id" && f.name == "id" && f.ty == Ty::String);
    let id_type = struct_id(item, types)?;
    let (properties_ty, properties_optional) = unwrap_option(&field(s, "properties")?.ty);
    let id_property_ok =
        field(s, "idProperty").is_some_and(|f| f.ty == Ty::Option(Box::new(Ty::String)));
    let others_empty = s.fields.iter().all(|f| {
        matches!(f.wire_name.as_str(), "inputs" | "properties" | "idProperty")
            || f.ty.defaults_to_empty()
    });
    let names_list = *properties_ty == Ty::Vec(Box::new(Ty::String));
    (only_id && id_property_ok && others_empty && names_list).then_some(ByKeys {
        id_type,
        properties_optional,
    })
}

/// The JSON request body's type, when the operation has one and no path parameter.
fn json_body(op: &Operation) -> Option<&Ty> {
    let body = op.body.as_ref()?;
    (op.path_params.is_empty() && body.encoding == BodyEncoding::Json && body.required)
        .then_some(&body.ty)
}

/// The one success answer's body type.
fn single_answer(op: &Operation) -> Option<&Ty> {
    match &op.success {
        Success::Single(s) if s.decode == Decode::Json => s.ty.as_ref(),
        _ => None,
    }
}

fn upsert_helper(index: usize, op: &Operation, types: &[TypeDef]) -> Option<UpsertHelper> {
    if op.http_method != HttpMethod::Post || !op.path.ends_with("/batch/upsert") {
        return None;
    }
    let body = resolve(json_body(op)?, types)?;
    let Ty::Vec(input_ty) = &field(body, "inputs")?.ty else {
        return None;
    };
    let others_empty = body
        .fields
        .iter()
        .all(|f| f.wire_name == "inputs" || f.ty.defaults_to_empty());
    let input = resolve(input_ty, types)?;
    if !others_empty || field(input, "id").is_none() || field(input, "properties").is_none() {
        return None;
    }
    let answers: Vec<&SuccessResponse> = match &op.success {
        Success::Single(s) => vec![s],
        Success::Multi { variants, .. } => variants.iter().map(|(_, s)| s).collect(),
    };
    let record = answers
        .iter()
        .filter(|s| s.decode == Decode::Json)
        .filter_map(|s| resolve(s.ty.as_ref()?, types))
        .find_map(|answer| match &field(answer, "results")?.ty {
            Ty::Vec(item) => Some((**item).clone()),
            _ => None,
        })
        .unwrap_or(Ty::Json);
    Some(UpsertHelper {
        operation: index,
        input: (**input_ty).clone(),
        record,
        trace_ids: field(input, "objectWriteTraceId").is_some(),
    })
}

fn list_helper(index: usize, op: &Operation, types: &[TypeDef]) -> Option<ListHelper> {
    if op.http_method != HttpMethod::Get || !op.path_params.is_empty() || op.body.is_some() {
        return None;
    }
    let after = op
        .query
        .as_ref()?
        .fields
        .iter()
        .find(|f| f.wire_name == "after")?;
    // The first page is asked for without a cursor.
    if after.ty != Ty::Option(Box::new(Ty::String)) {
        return None;
    }
    let page = struct_id(single_answer(op)?, types)?;
    let is_page = page_role(resolve(&Ty::Named(page), types)?, types).is_some();
    is_page.then_some(ListHelper {
        operation: index,
        page,
    })
}

fn search_helper(index: usize, op: &Operation, types: &[TypeDef]) -> Option<SearchHelper> {
    if op.http_method != HttpMethod::Post || !op.path.ends_with("/search") {
        return None;
    }
    let request_ty = json_body(op)?;
    let request = resolve(request_ty, types)?;
    let request_id = struct_id(request_ty, types)?;
    if ["filterGroups", "sorts", "after"]
        .iter()
        .any(|wire| field(request, wire).is_none())
    {
        return None;
    }
    let page_id = struct_id(single_answer(op)?, types)?;
    let page = resolve(&Ty::Named(page_id), types)?;
    let item = page_role(page, types)?.item;
    let record_id =
        resolve(&item, types).is_some_and(|r| field(r, "id").is_some_and(|f| f.ty == Ty::String));
    record_id.then_some(SearchHelper {
        operation: index,
        request: request_id,
        page: page_id,
    })
}
