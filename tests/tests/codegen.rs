//! The generator on spec/: generated/ is fresh, the output is deterministic and the same from
//! JSON as from YAML, and every generated item matches its reviewed snapshot.

use std::path::{Path, PathBuf};

use workspace_tests::workspace_root;

/// The crate generated from spec/.
const CRATE: &str = "generated";

fn generate() -> generator::Generated {
    workspace_tests::generate(CRATE)
}

fn api<'a>(generated: &'a generator::Generated, module: &str) -> &'a generator::ir::Api {
    &generated
        .document(module)
        .unwrap_or_else(|| panic!("the crate has no module `{module}`"))
        .api
}

fn methods(api: &generator::ir::Api) -> Vec<&str> {
    api.operations
        .iter()
        .map(|o| o.method_name.as_str())
        .collect()
}

#[test]
fn generated_crate_is_fresh() {
    workspace_tests::assert_fresh(CRATE);
}

#[test]
fn the_crate_holds_every_document_of_spec_as_a_module() {
    let sources = workspace_tests::sources(CRATE);
    let modules: Vec<(&str, Option<&Path>)> = sources
        .iter()
        .map(|s| (s.module.as_str(), s.catalog.as_deref()))
        .collect();
    let root = workspace_root();
    assert_eq!(
        modules,
        [
            (
                "line_items",
                Some(root.join("spec/line-items-properties.json").as_path())
            ),
            (
                "orders",
                Some(root.join("spec/orders-properties.json").as_path())
            ),
        ]
    );
}

#[test]
fn two_runs_give_the_same_bytes() {
    let a = generate();
    let b = generate();
    assert_eq!(a.files, b.files);
}

#[test]
fn json_rendering_of_the_documents_gives_the_same_code() {
    let dir = std::env::temp_dir().join(format!("hubspot-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut sources = Vec::new();
    for source in workspace_tests::sources(CRATE) {
        let text = std::fs::read_to_string(&source.spec).expect("reading a document");
        let value: serde_json::Value = serde_yaml::from_str(&text).expect("the document is YAML");
        let stem = source
            .spec
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a file name");
        let json = dir.join(format!("{stem}.json"));
        std::fs::write(
            &json,
            serde_json::to_string_pretty(&value).expect("to JSON"),
        )
        .expect("writing JSON");
        // The catalog stays where it is: it is JSON already.
        sources.push(
            generator::Source::new(&json)
                .expect("a module name")
                .with_catalog(source.catalog.clone()),
        );
    }
    let from_json = generator::generate_crate(&sources);
    std::fs::remove_dir_all(&dir).ok();
    let from_json = from_json.unwrap_or_else(|e| panic!("generating from JSON: {e}"));
    assert_eq!(from_json.files, generate().files);
}

#[test]
fn every_operation_and_schema_is_generated() {
    let generated = generate();
    let expected = [
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
    ];
    for module in ["orders", "line_items"] {
        let api = api(&generated, module);
        assert_eq!(methods(api), expected, "{module}");
        let structs = api
            .types
            .iter()
            .filter(|t| matches!(t, generator::ir::TypeDef::Struct(_)))
            .count();
        assert_eq!(structs, 37, "{module}: one struct a schema");
    }
    // The file of each module, and the shared types once.
    let paths: Vec<PathBuf> = generated.files.iter().map(|f| f.path.clone()).collect();
    for file in [
        "mod.rs",
        "common.rs",
        "orders/mod.rs",
        "orders/types.rs",
        "orders/operations.rs",
        "orders/properties.rs",
        "line_items/mod.rs",
        "line_items/types.rs",
        "line_items/operations.rs",
        "line_items/properties.rs",
    ] {
        let path = Path::new(generator::GENERATED_DIR).join(file);
        assert!(paths.contains(&path), "no {}: {paths:?}", path.display());
    }
}

/// Every item of the crate (`orders/types/Name`, `orders/operations/Name`, `orders/mod/Orders`,
/// `common/Name`, the same for `line_items`) matches its snapshot, `orders__types__Name.snap`
/// and so on. The typed properties (`orders/properties/Name`) are `properties.rs`'s.
#[test]
fn generated_items_match_snapshots() {
    let generated = generate();
    let items: Vec<&(String, String)> = generated
        .items
        .iter()
        .filter(|(name, _)| name.split('/').nth(1) != Some("properties"))
        .collect();
    for prefix in ["common/", "orders/mod/", "orders/operations/", "line_items/mod/"] {
        assert!(
            items.iter().any(|(name, _)| name.starts_with(prefix)),
            "no item {prefix}…"
        );
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, code) in items {
            let snapshot = name.replace('/', "__");
            insta::assert_snapshot!(snapshot, code);
        }
    });
}

/// The runtime's traits that a generated handle implements.
const HANDLE_TRAITS: &[(&str, &str)] = &[
    ("runtime/src/lib.rs", "Api"),
    ("runtime/src/paging.rs", "ListOperation"),
    ("runtime/src/paging.rs", "SearchOperation"),
    ("runtime/src/bulk/mod.rs", "UpsertOperation"),
];

/// Every method of the runtime's traits a generated handle implements (`Api`,
/// `paging::ListOperation`, `paging::SearchOperation`, `bulk::UpsertOperation`) is one the
/// naming rule keeps away from operations: a handle whose operation had the name of a method of
/// a trait it implements would leave callers with a method they cannot call plainly (and
/// `handle.client()` calling the operation rather than the trait). Provided methods count as
/// much as required ones.
#[test]
fn the_runtime_traits_of_a_handle_define_no_method_the_naming_rule_does_not_reserve() {
    fn collect(items: &[syn::Item], wanted: &str, out: &mut Vec<(String, String)>) {
        for item in items {
            match item {
                syn::Item::Trait(block) if block.ident == wanted => {
                    out.push((wanted.to_owned(), String::new()));
                    for member in &block.items {
                        if let syn::TraitItem::Fn(f) = member {
                            out.push((wanted.to_owned(), f.sig.ident.to_string()));
                        }
                    }
                }
                syn::Item::Mod(module) => {
                    if let Some((_, inner)) = &module.content {
                        collect(inner, wanted, out);
                    }
                }
                _ => {}
            }
        }
    }
    let root = workspace_root();
    let mut methods = Vec::new();
    for (file, name) in HANDLE_TRAITS {
        let path = root.join(file);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let parsed = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let mut found = Vec::new();
        collect(&parsed.items, name, &mut found);
        assert!(
            found.iter().any(|(_, m)| m.is_empty()),
            "no trait `{name}` in {file}: the scan no longer sees the runtime's traits"
        );
        methods.extend(found.into_iter().filter(|(_, m)| !m.is_empty()));
    }
    for (name, method) in [
        ("Api", "client"),
        ("ListOperation", "list_page"),
        ("SearchOperation", "search_page"),
    ] {
        assert!(
            methods.iter().any(|(t, m)| t == name && m == method),
            "the scan found no `{name}::{method}`: it no longer sees the traits' methods \
             ({methods:?})"
        );
    }
    let unreserved: Vec<_> = methods
        .iter()
        .filter(|(_, m)| !generator::naming::RESERVED_METHODS.contains(&m.as_str()))
        .collect();
    assert!(
        unreserved.is_empty(),
        "the runtime's traits of a handle define methods an operation could also be named: \
         {unreserved:?}; add them to generator::naming::RESERVED_METHODS (and the README's \
         naming rule)"
    );
}

/// The handle's own inherent methods, as generated, are reserved too: an operation named like
/// one would not compile.
#[test]
fn the_handle_defines_no_method_the_naming_rule_does_not_reserve() {
    let generated = generate();
    let mut own = Vec::new();
    for document in &generated.documents {
        let item = format!("{}/mod/{}", document.module, document.handle);
        let (_, code) = generated
            .items
            .iter()
            .find(|(name, _)| *name == item)
            .unwrap_or_else(|| panic!("no item {item}"));
        let file = syn::parse_file(code).unwrap_or_else(|e| panic!("{item} does not parse: {e}"));
        for item in &file.items {
            if let syn::Item::Impl(block) = item {
                for member in &block.items {
                    if let syn::ImplItem::Fn(f) = member {
                        own.push(f.sig.ident.to_string());
                    }
                }
            }
        }
    }
    assert!(own.iter().any(|m| m == "new"), "{own:?}");
    let unreserved: Vec<&String> = own
        .iter()
        .filter(|m| !generator::naming::RESERVED_METHODS.contains(&m.as_str()))
        .collect();
    assert!(unreserved.is_empty(), "{unreserved:?}");
}
