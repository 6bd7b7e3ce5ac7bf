//! The property catalog stage on small catalogs: the type of each catalog `type`, which
//! properties are writable and which key upserts, the naming rule on odd names, warnings,
//! and each error's message, pinned in a snapshot, with its JSON pointer.

use generator::properties::ir::{PropertySet, ValueTy};
use generator::properties::{self, Output};
use serde_json::{Value, json};

/// The object the orders document's catalog describes.
fn orders() -> properties::ir::Object {
    properties::ir::Object::of_module("orders")
}

fn generate(catalog: Value) -> Output {
    properties::generate_from_text(&catalog.to_string(), "test.json", &orders())
        .unwrap_or_else(|e| panic!("generating: {e}"))
}

fn set(catalog: Value) -> PropertySet {
    generate(catalog).set
}

fn error(text: &str) -> String {
    match properties::generate_from_text(text, "test.json", &orders()) {
        Ok(_) => panic!("generated from a bad catalog: {text}"),
        Err(e) => e.to_string(),
    }
}

fn prop(name: &str, kind: &str) -> Value {
    json!({"name": name, "label": name, "type": kind, "fieldType": "text"})
}

#[test]
fn each_catalog_type_gets_its_rust_type() {
    let mut checkbox = prop("tags", "enumeration");
    checkbox["fieldType"] = json!("checkbox");
    checkbox["options"] = json!([{"label": "A", "value": "a"}]);
    let set = set(json!({"results": [
        prop("s", "string"), prop("p", "phone_number"), prop("n", "number"),
        prop("d", "date"), prop("t", "datetime"), prop("b", "bool"),
        prop("e", "enumeration"), checkbox, prop("c", "object_coordinates"),
    ]}));
    let types: Vec<(&str, &ValueTy)> = set
        .properties
        .iter()
        .map(|p| (p.wire.as_str(), &p.ty))
        .collect();
    assert_eq!(
        types,
        [
            ("b", &ValueTy::Bool),
            ("c", &ValueTy::Text),
            ("d", &ValueTy::Date),
            ("e", &ValueTy::Enum("E".to_owned())),
            ("n", &ValueTy::Decimal),
            ("p", &ValueTy::Text),
            ("s", &ValueTy::Text),
            ("t", &ValueTy::DateTime),
            ("tags", &ValueTy::MultiEnum("Tags".to_owned())),
        ]
    );
}

#[test]
fn read_only_properties_are_not_written_and_do_not_key_upserts() {
    let set = set(json!({"results": [
        {"name": "ext_id", "type": "string", "hasUniqueValue": true},
        {"name": "hs_object_id", "type": "number", "hasUniqueValue": true,
         "modificationMetadata": {"readOnlyValue": true}},
        {"name": "margin", "type": "number", "calculated": true, "hasUniqueValue": null},
        {"name": "plain", "type": "string", "hasUniqueValue": false},
    ]}));
    let writable: Vec<(&str, bool)> = set
        .properties
        .iter()
        .map(|p| (p.wire.as_str(), p.writable))
        .collect();
    assert_eq!(
        writable,
        [
            ("ext_id", true),
            ("hs_object_id", false),
            ("margin", false),
            ("plain", true)
        ]
    );
    let keys: Vec<&str> = set.keys.iter().map(|k| k.wire.as_str()).collect();
    assert_eq!(keys, ["ext_id"]);
    let code = generate(json!({"results": [
        {"name": "ext_id", "type": "string", "hasUniqueValue": true},
        {"name": "margin", "type": "number", "calculated": true},
    ]}));
    let input = code
        .items
        .iter()
        .find(|(name, _)| name == "properties/OrderPropertiesInput")
        .map(|(_, code)| code.as_str())
        .unwrap_or_default();
    assert!(input.contains("pub ext_id: Update<String>"), "{input}");
    assert!(!input.contains("margin"), "{input}");
}

#[test]
fn odd_names_become_distinct_identifiers() {
    let set = set(json!({"results": [
        prop("2nd_Line", "string"), prop("OrderTotal", "number"), prop("order_total", "number"),
        prop("type", "string"), prop("self", "string"), prop("other", "string"),
        {"name": "vec", "type": "enumeration", "options": [
            {"label": "Same", "value": "In stock"}, {"label": "Same", "value": "50% off!"},
            {"label": "x", "value": "Unknown"}, {"label": "y", "value": ""},
            {"label": "z", "value": "1st", "hidden": true},
        ]},
    ]}));
    let fields: Vec<&str> = set.properties.iter().map(|p| p.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "_2nd_line",
            "order_total",
            "order_total_2",
            "other_2",
            "self_",
            "r#type",
            "vec"
        ]
    );
    let e = &set.enums[0];
    assert_eq!(e.name, "Vec2", "the prelude's Vec stays usable");
    let variants: Vec<&str> = e.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(variants, ["InStock", "_50Off", "Unknown2", "Value", "_1st"]);
    assert_eq!(e.variants[4].doc, "`1st`: z (hidden in HubSpot's forms)");
}

#[test]
fn faults_that_change_nothing_are_warnings_with_pointers() {
    let out = generate(json!({"results": [
        {"name": "where", "type": "object_coordinates"},
        {"name": "tags", "type": "enumeration", "fieldType": "checkbox", "options": [
            {"label": "A", "value": "a"}, {"label": "A again", "value": "a"},
            {"label": "Both", "value": "b;c"},
        ]},
    ]}));
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(warnings.join("\n"));
}

#[test]
fn the_order_of_the_catalog_does_not_matter() {
    let a = prop("alpha", "string");
    let b = prop("beta", "number");
    let forward = generate(json!({"results": [a.clone(), b.clone()]}));
    let backward = generate(json!({"results": [b, a]}));
    assert_eq!(forward.contents, backward.contents);
}

#[test]
fn a_catalog_without_unique_properties_still_has_a_key_type() {
    let out = generate(json!({"results": [prop("a", "string")]}));
    let key = out
        .items
        .iter()
        .find(|(name, _)| name == "properties/OrderUniqueKey")
        .map(|(_, code)| code.as_str())
        .unwrap_or_default();
    assert!(key.contains("pub enum OrderUniqueKey {}"), "{key}");
    assert!(key.contains("match *self {}"), "{key}");
}

#[test]
fn rejects_a_property_listed_twice() {
    insta::assert_snapshot!(error(
        &json!({"results": [prop("a", "string"), prop("b", "string"), prop("a", "number")]})
            .to_string()
    ));
}

#[test]
fn rejects_a_property_without_a_name() {
    insta::assert_snapshot!(error(&json!({"results": [prop("", "string")]}).to_string()));
}

#[test]
fn rejects_a_property_without_a_type() {
    insta::assert_snapshot!(error(
        &json!({"results": [prop("a", "string"), {"name": "b"}]}).to_string()
    ));
}

#[test]
fn rejects_an_option_without_a_value() {
    insta::assert_snapshot!(error(
        &json!({"results": [{"name": "e", "type": "enumeration",
                             "options": [{"label": "A", "value": "a"}, {"label": "B", "value": 2}]}]})
        .to_string()
    ));
}

#[test]
fn rejects_a_bare_array() {
    insta::assert_snapshot!(error(&json!([prop("a", "string")]).to_string()));
}

#[test]
fn rejects_text_that_is_not_json() {
    insta::assert_snapshot!(error("{\"results\": [\n  {\"name\": \"a\",}\n]}"));
}

#[test]
fn names_the_file_of_a_bad_catalog() {
    let dir = std::env::temp_dir().join(format!("catalog-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("orders-properties.json");
    std::fs::write(&path, json!({"results": [{"name": 3}]}).to_string()).expect("write");
    let message = properties::generate(&path, &orders())
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    std::fs::remove_dir_all(&dir).ok();
    assert!(
        message.starts_with(&format!("{} at /results/0/name: ", path.display())),
        "{message}"
    );
}

#[test]
fn the_catalog_beside_a_document_is_found_by_name() {
    let dir = std::env::temp_dir().join(format!("beside-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let spec = dir.join("orders.yaml");
    assert_eq!(properties::beside(&spec), None);
    std::fs::write(dir.join("orders-properties.json"), "{}").expect("write");
    let found = properties::beside(&spec);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(found, Some(dir.join("orders-properties.json")));
}

mod random_catalogs {
    //! Catalogs from a grammar of odd input: names of any characters (keywords, digits,
    //! unicode, collisions after case conversion, reserved words), any `type`, options with any
    //! values, flags present, absent or `null`. Generation must never panic: it gives code that
    //! parses as Rust with distinct names, or an error with a pointer.

    use std::collections::BTreeSet;

    use generator::properties::{self, ir::PropertySet};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use serde_json::{Value, json};

    fn word() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("type".to_owned()),
            Just("self".to_owned()),
            Just("other".to_owned()),
            Just("Unknown".to_owned()),
            Just("vec".to_owned()),
            Just("OrderProperties".to_owned()),
            Just("".to_owned()),
            "[a-z_]{1,8}",
            "[A-Za-z0-9 _%;/!.-]{0,10}",
            "\\PC{0,6}",
        ]
    }

    fn flag() -> impl Strategy<Value = Value> {
        prop_oneof![Just(Value::Null), Just(json!(true)), Just(json!(false))]
    }

    fn property() -> impl Strategy<Value = Value> {
        let kind = prop_oneof![
            Just("string"),
            Just("number"),
            Just("date"),
            Just("datetime"),
            Just("bool"),
            Just("enumeration"),
            Just("phone_number"),
            Just("json"),
        ];
        let field_type = prop_oneof![Just("checkbox"), Just("select"), Just("text")];
        let option = (word(), word(), any::<bool>()).prop_map(
            |(value, label, hidden)| json!({"value": value, "label": label, "hidden": hidden}),
        );
        (
            word(),
            word(),
            kind,
            field_type,
            proptest::collection::vec(option, 0..6),
            (flag(), flag(), flag()),
        )
            .prop_map(
                |(name, label, kind, field_type, options, (unique, calculated, read_only))| {
                    json!({
                        "name": name, "label": label, "type": kind, "fieldType": field_type,
                        "options": options, "hasUniqueValue": unique, "calculated": calculated,
                        "modificationMetadata": {"readOnlyValue": read_only},
                    })
                },
            )
    }

    fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> bool {
        let mut seen = BTreeSet::new();
        names
            .into_iter()
            .all(|n| seen.insert(n.strip_prefix("r#").unwrap_or(n)))
    }

    fn check(set: &PropertySet) -> Result<(), TestCaseError> {
        prop_assert!(distinct(
            set.properties
                .iter()
                .map(|p| p.field.as_str())
                .chain(["other"])
        ));
        prop_assert!(distinct(set.enums.iter().map(|e| e.name.as_str())));
        prop_assert!(distinct(set.keys.iter().map(|k| k.name.as_str())));
        for e in &set.enums {
            prop_assert!(distinct(
                e.variants
                    .iter()
                    .map(|v| v.name.as_str())
                    .chain(["Unknown"])
            ));
        }
        Ok(())
    }

    #[test]
    fn never_panic_and_give_parsing_code_or_a_pointed_error() {
        let config = Config {
            cases: 256,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let catalogs = proptest::collection::vec(property(), 0..8);
        let result = runner.run(&catalogs, |props| {
            let text = json!({"results": props}).to_string();
            match properties::generate_from_text(&text, "fuzz.json", &super::orders()) {
                // `write::format` parsed every item: the code is Rust.
                Ok(output) => check(&output.set),
                Err(e) => {
                    prop_assert!(e.pointer.is_some(), "{e}");
                    prop_assert!(!e.message.is_empty());
                    Ok(())
                }
            }
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    }
}
