//! The family documents under tests/family/ (deals-like, contacts-like, date-versioned): each
//! generated crate is fresh, the methods get the short names the naming rule promises, and the
//! features these documents add to the orders shape come out as the right Rust types.
//!
//! The crates themselves are workspace members, so `cargo clippy --workspace --all-targets`
//! holds their generated code to the same bar as generated/.

use std::path::{Path, PathBuf};

use generator::ir::{Field, Operation, Success, Ty, TypeDef};

/// The family documents: `tests/family/<name>/<name>.yaml`, generated into `tests/family/<name>`.
const FAMILY: &[&str] = &["deals", "contacts", "dated"];

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn spec(name: &str) -> String {
    format!("tests/family/{name}/{name}.yaml")
}

fn generate(name: &str) -> generator::Generated {
    let path = root().join(spec(name));
    generator::generate(&path).unwrap_or_else(|e| panic!("generating from {}: {e}", path.display()))
}

fn methods(generated: &generator::Generated) -> Vec<&str> {
    generated
        .api
        .operations
        .iter()
        .map(|o| o.method_name.as_str())
        .collect()
}

fn operation<'a>(generated: &'a generator::Generated, method: &str) -> &'a Operation {
    generated
        .api
        .operations
        .iter()
        .find(|o| o.method_name == method)
        .unwrap_or_else(|| panic!("no method `{method}`"))
}

fn field<'a>(generated: &'a generator::Generated, ty: &str, wire: &str) -> &'a Field {
    let def = generated
        .api
        .types
        .iter()
        .find(|t| t.name() == ty)
        .unwrap_or_else(|| panic!("no type `{ty}`"));
    let TypeDef::Struct(s) = def else {
        panic!("`{ty}` is not a struct: {def:?}");
    };
    s.fields
        .iter()
        .find(|f| f.wire_name == wire)
        .unwrap_or_else(|| panic!("`{ty}` has no field `{wire}`"))
}

fn body(op: &Operation) -> &Ty {
    &op.body
        .as_ref()
        .unwrap_or_else(|| panic!("`{}` has no body", op.method_name))
        .ty
}

fn named(name: &str) -> Ty {
    Ty::Named(name.to_owned())
}

fn map_of(value: Ty) -> Ty {
    Ty::Map(Box::new(value))
}

fn option(inner: Ty) -> Ty {
    Ty::Option(Box::new(inner))
}

#[test]
fn family_crates_are_fresh() {
    for name in FAMILY {
        workspace_tests::assert_fresh(&spec(name), &format!("tests/family/{name}"));
    }
}

#[test]
fn deals_methods_have_short_names() {
    let generated = generate("deals");
    assert_eq!(
        methods(&generated),
        [
            "get_page",
            "create",
            "batch_archive",
            "batch_create",
            "batch_read",
            "batch_update",
            "batch_upsert",
            "merge",
            "search",
            "get_by_id",
            "archive",
            "update",
        ]
    );
    // The suffixed operationIds are kept in the docs, not in the names.
    let page = operation(&generated, "get_page");
    assert_eq!(page.operation_id, "get-/crm/v3/objects/0-3_getPage");
    assert!(page.doc.contains("get-/crm/v3/objects/0-3_getPage"));

    let merge = operation(&generated, "merge");
    assert_eq!(body(merge), &named("PublicMergeInput"));
    for wire in ["objectIdToMerge", "primaryObjectId"] {
        assert_eq!(field(&generated, "PublicMergeInput", wire).ty, Ty::String);
    }
    let get_by_id = operation(&generated, "get_by_id");
    assert_eq!(get_by_id.path_params.len(), 1);
    assert_eq!(get_by_id.path_params[0].name, "deal_id");
}

#[test]
fn contacts_methods_have_short_names() {
    let generated = generate("contacts");
    assert_eq!(
        methods(&generated),
        [
            "get_page",
            "create",
            "batch_archive",
            "batch_create",
            "batch_read",
            "batch_update",
            "batch_upsert",
            "gdpr_delete",
            "search",
            "get_by_id",
            "archive",
            "update",
        ]
    );
    let gdpr = operation(&generated, "gdpr_delete");
    assert_eq!(body(gdpr), &named("PublicGdprDeleteInput"));
    assert_eq!(
        field(&generated, "PublicGdprDeleteInput", "objectId").ty,
        Ty::String
    );
    assert_eq!(
        field(&generated, "PublicGdprDeleteInput", "idProperty").ty,
        option(Ty::String)
    );
    // `204` with `content: {}`: the method returns `()`.
    let Success::Single(answer) = &gdpr.success else {
        panic!("gdpr_delete has one success answer: {:?}", gdpr.success);
    };
    assert_eq!((answer.status, &answer.ty), (204, &None));
}

#[test]
fn dated_methods_have_short_names() {
    let generated = generate("dated");
    assert_eq!(
        methods(&generated),
        [
            "get_page",
            "create",
            "batch_archive",
            "batch_create",
            "batch_read",
            "batch_update",
            "batch_upsert",
            "search",
            "get_by_id",
            "archive",
            "update",
            "get_associations",
            "create_association",
            "archive_association",
        ]
    );
    // The document's operationIds run past 100 characters; the names do not.
    let longest = generated
        .api
        .operations
        .iter()
        .map(|o| o.operation_id.len())
        .max();
    assert!(longest > Some(100), "longest operationId: {longest:?}");

    // `{objectType}` is a path parameter of every method, first.
    for op in &generated.api.operations {
        assert_eq!(
            op.path_params.first().map(|p| p.name.as_str()),
            Some("object_type"),
            "{}",
            op.method_name
        );
    }
    let params = |method: &str| -> Vec<&str> {
        operation(&generated, method)
            .path_params
            .iter()
            .map(|p| p.name.as_str())
            .collect()
    };
    assert_eq!(params("get_page"), ["object_type"]);
    assert_eq!(params("get_by_id"), ["object_type", "object_id"]);
    assert_eq!(
        params("get_associations"),
        ["object_type", "object_id", "to_object_type"]
    );
    assert_eq!(
        params("create_association"),
        ["object_type", "object_id", "to_object_type", "to_object_id"]
    );
}

#[test]
fn dated_types() {
    let generated = generate("dated");
    // `additionalProperties: {type: string, nullable: true}`: the values are `Option<String>`…
    for ty in [
        "SimplePublicObject",
        "SimplePublicObjectWithAssociations",
        "SimplePublicUpsertObject",
    ] {
        assert_eq!(
            field(&generated, ty, "properties").ty,
            map_of(option(Ty::String)),
            "{ty}"
        );
    }
    // …while the inputs, whose values the document does not make nullable, stay `String`.
    assert_eq!(
        field(&generated, "SimplePublicObjectInput", "properties").ty,
        map_of(Ty::String)
    );
    // The inline array body of the association PUT is a slice of the referenced schema.
    let create = operation(&generated, "create_association");
    assert_eq!(body(create), &Ty::Vec(Box::new(named("AssociationSpec"))));
    assert!(operation(&generated, "archive_association").body.is_none());
    assert_eq!(
        field(&generated, "MultiAssociatedObjectWithLabel", "toObjectId").ty,
        Ty::I64
    );
    assert_eq!(
        field(&generated, "AssociationSpecWithLabel", "label").ty,
        option(Ty::String)
    );
    assert_eq!(
        field(&generated, "AssociationSpecWithLabel", "category").ty,
        named("Category")
    );
}

#[test]
fn every_family_document_keeps_the_orders_quirks_readable() {
    for name in FAMILY {
        let generated = generate(name);
        // The `default` answer (a `$ref` to a `*/*` response) is the typed API error.
        for op in &generated.api.operations {
            assert_eq!(op.error_ty, named("Error"), "{name}: {}", op.method_name);
        }
        // Keyword field names become raw identifiers.
        assert_eq!(field(&generated, "AssociatedId", "type").name, "r#type");
        assert_eq!(field(&generated, "ErrorDetail", "in").name, "r#in");
    }
}
