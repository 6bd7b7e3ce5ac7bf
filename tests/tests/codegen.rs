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
