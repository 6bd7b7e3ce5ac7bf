//! The generator on spec/: generated/ is fresh, the output is deterministic and the same from
//! JSON as from YAML, and every generated item matches its reviewed snapshot.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn spec() -> PathBuf {
    root().join("spec/orders.yaml")
}

fn generate(path: &Path) -> generator::Generated {
    generator::generate(path).unwrap_or_else(|e| panic!("generating from {}: {e}", path.display()))
}

#[test]
fn generated_crate_is_fresh() {
    workspace_tests::assert_fresh("spec/orders.yaml", "generated");
}

#[test]
fn two_runs_give_the_same_bytes() {
    let a = generate(&spec());
    let b = generate(&spec());
    assert_eq!(a.files, b.files);
}

#[test]
fn json_rendering_of_the_spec_gives_the_same_code() {
    let text = std::fs::read_to_string(spec()).expect("reading spec/orders.yaml");
    let value: serde_json::Value = serde_yaml::from_str(&text).expect("spec/orders.yaml is YAML");
    let dir = std::env::temp_dir().join(format!("orders-json-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let json = dir.join("orders.json");
    std::fs::write(
        &json,
        serde_json::to_string_pretty(&value).expect("to JSON"),
    )
    .expect("writing JSON");
    let from_json = generate(&json);
    let from_yaml = generate(&spec());
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(from_json.files, from_yaml.files);
}

#[test]
fn every_operation_and_schema_is_generated() {
    let generated = generate(&spec());
    let methods: Vec<&str> = generated
        .api
        .operations
        .iter()
        .map(|o| o.method_name.as_str())
        .collect();
    assert_eq!(
        methods,
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
        ]
    );
    let structs = generated
        .api
        .types
        .iter()
        .filter(|t| matches!(t, generator::ir::TypeDef::Struct(_)))
        .count();
    assert_eq!(structs, 37, "one struct a schema");
}

#[test]
fn generated_items_match_snapshots() {
    let generated = generate(&spec());
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, code) in &generated.items {
            let snapshot = format!("orders__{}", name.replace('/', "__"));
            insta::assert_snapshot!(snapshot, code);
        }
    });
}

/// Every method the runtime defines on `Client`, in any `impl Client` block of
/// generated/src/runtime/*.rs, is one the naming rule keeps away from operations. Otherwise a
/// document with an operation of that name would give a crate that does not compile. Blocks
/// inside `#[cfg(test)]` modules are left out: they exist only in the runtime's own unit tests,
/// next to the orders operations, whose names `every_operation_and_schema_is_generated` pins.
#[test]
fn the_runtime_defines_no_client_method_the_naming_rule_does_not_reserve() {
    fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|a| {
            a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test")
        })
    }
    fn collect(items: &[syn::Item], file: &str, out: &mut Vec<(String, String)>) {
        for item in items {
            match item {
                syn::Item::Impl(block) if block.trait_.is_none() => {
                    let syn::Type::Path(ty) = &*block.self_ty else {
                        continue;
                    };
                    if ty.path.segments.last().is_none_or(|s| s.ident != "Client") {
                        continue;
                    }
                    for member in &block.items {
                        if let syn::ImplItem::Fn(f) = member {
                            out.push((file.to_owned(), f.sig.ident.to_string()));
                        }
                    }
                }
                syn::Item::Mod(module) if !is_cfg_test(&module.attrs) => {
                    if let Some((_, inner)) = &module.content {
                        collect(inner, file, out);
                    }
                }
                _ => {}
            }
        }
    }
    let dir = root().join("generated/src/runtime");
    let mut methods = Vec::new();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("reading generated/src/runtime")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("reading a runtime file");
        let file = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        collect(&file.items, &path.display().to_string(), &mut methods);
    }
    assert!(
        methods.iter().any(|(_, m)| m == "new"),
        "the scan found no `Client::new`: it no longer sees the runtime's methods ({methods:?})"
    );
    let unreserved: Vec<_> = methods
        .iter()
        .filter(|(_, m)| !generator::naming::RESERVED_METHODS.contains(&m.as_str()))
        .collect();
    assert!(
        unreserved.is_empty(),
        "the runtime defines methods on `Client` that an operation could also be named: {unreserved:?}; \
         add them to generator::naming::RESERVED_METHODS (and the README's naming rule), or make \
         them free functions"
    );
}
