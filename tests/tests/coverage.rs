//! The module `family::coverage`, generated from tests/family/spec/coverage.yaml, which uses
//! every supported OpenAPI construct: it compiles (its crate is a workspace member, checked
//! fresh by `family.rs`), and its types behave as the generator's documentation says.

use family::coverage::types::{
    Cat, Dog, Either, Kind, Named, NewWidget, OptionType, Pet, Shape, Size, StringType, Tree,
    Widget,
};
use serde_json::json;

#[test]
fn scalars_collections_keywords_and_nulls_decode() {
    let widget: Widget = serde_json::from_value(json!({
        "id": "6f1c2a4e-0000-4000-8000-000000000000",
        "type": "gadget", "in": "stock", "self": "me", "fn": 7,
        "createdAt": "2026-11-29T10:00:00.123Z", "day": "2026-11-29",
        "small": 1, "big": 9_007_199_254_740_993_i64, "ratio": 0.5, "amount": 1.25,
        "tags": ["a"], "grid": [[1, 2], [3]],
        "labels": {"set": "x", "unset": null},
        "extra": {"anything": [1, {"b": null}]},
        "freeForm": "not even an object", "untyped": 3,
        "note": null, "fooBar": "camel", "foo_bar": "snake",
        "kind": "a_b",
        "dimensions": {"width": 2.0}
    }))
    .expect("widget decodes");
    assert_eq!(widget.r#type.as_deref(), Some("gadget"));
    assert_eq!(widget.r#in.as_deref(), Some("stock"));
    assert_eq!(widget.self_.as_deref(), Some("me"));
    assert_eq!(widget.r#fn, Some(7));
    assert_eq!(widget.big, Some(9_007_199_254_740_993));
    assert_eq!(widget.grid, Some(vec![vec![1, 2], vec![3]]));
    assert_eq!(widget.foo_bar.as_deref(), Some("camel"));
    assert_eq!(widget.foo_bar_2.as_deref(), Some("snake"));
    assert_eq!(widget.kind, Some(Kind::AB2));
    assert_eq!(widget.free_form, Some(json!("not even an object")));
    assert_eq!(widget.untyped, Some(json!(3)));
    let labels = widget.labels.as_ref().expect("labels");
    assert_eq!(labels.get("unset"), Some(&None));
    assert_eq!(widget.created_at.timestamp_subsec_millis(), 123);
    assert_eq!(
        widget.day.map(|d| d.to_string()).as_deref(),
        Some("2026-11-29")
    );
    assert_eq!(widget.dimensions.as_ref().map(|d| d.width), Some(2.0));

    // Written back under the document's names, keywords included.
    let back = serde_json::to_value(&widget).expect("encodes");
    assert_eq!(back["type"], "gadget");
    assert_eq!(back["fooBar"], "camel");
    assert_eq!(back["foo_bar"], "snake");
    assert_eq!(back["kind"], "a_b");
}

#[test]
fn enum_values_that_are_not_identifiers_round_trip() {
    for (wire, variant) in [
        ("a-b", Kind::AB),
        ("a_b", Kind::AB2),
        ("1st", Kind::_1st),
        ("", Kind::Empty),
        ("Unknown", Kind::Unknown),
        ("self", Kind::Self_),
    ] {
        assert_eq!(Kind::from(wire), variant);
        assert_eq!(
            serde_json::to_value(&variant).expect("encodes"),
            json!(wire)
        );
    }
    let new: Kind = serde_json::from_value(json!("brand-new")).expect("decodes");
    assert_eq!(new, Kind::UnknownValue("brand-new".to_owned()));
    assert_eq!(
        serde_json::to_value(&new).expect("encodes"),
        json!("brand-new")
    );
}

#[test]
fn all_of_merges_into_one_struct() {
    let widget =
        NewWidget::new("w".to_owned(), Size::Large).with_parent(Named::new("p".to_owned()));
    assert_eq!(
        serde_json::to_value(&widget).expect("encodes"),
        json!({"name": "w", "size": "LARGE", "parent": {"name": "p"}})
    );
}

#[test]
fn one_of_without_discriminator_takes_the_first_that_fits() {
    let decode = |v| serde_json::from_value::<Shape>(v).expect("shape decodes");
    assert_eq!(decode(json!("round")), Shape::String("round".to_owned()));
    assert_eq!(decode(json!(4)), Shape::Integer(4));
    assert_eq!(
        decode(json!({"name": "square"})),
        Shape::Named(Named::new("square".to_owned()))
    );
    assert!(matches!(decode(json!({"sides": 3})), Shape::ShapeVariant4(v) if v.sides == Some(3)));
    assert!(
        serde_json::from_value::<Shape>(json!(true)).is_err(),
        "no alternative fits a boolean"
    );
    let either: Either = serde_json::from_value(json!(["a", "b"])).expect("anyOf decodes");
    assert_eq!(either, Either::Array(vec!["a".to_owned(), "b".to_owned()]));
}

#[test]
fn discriminator_picks_the_alternative_and_keeps_unknown_ones() {
    let dog: Pet = serde_json::from_value(json!({"petType": "dog", "barks": true})).expect("dog");
    assert_eq!(dog, Pet::Dog(Dog::new("dog".to_owned()).with_barks(true)));
    let cat: Pet = serde_json::from_value(json!({"petType": "Cat", "lives": 9})).expect("cat");
    assert_eq!(cat, Pet::Cat(Cat::new("Cat".to_owned()).with_lives(9)));
    let bird = json!({"petType": "bird", "wings": 2});
    let other: Pet = serde_json::from_value(bird.clone()).expect("unknown kept");
    assert_eq!(other, Pet::Other(bird.clone()));
    assert_eq!(serde_json::to_value(&other).expect("encodes"), bird);
    // A known tag with a body that does not fit is an error, not a silent `Other`.
    assert!(serde_json::from_value::<Pet>(json!({"petType": "dog", "barks": "loud"})).is_err());
}

#[test]
fn recursive_schemas_are_boxed_and_decode() {
    let tree: Tree = serde_json::from_value(json!({
        "children": [{"children": []}],
        "parent": {"forest": {"first": {"children": []}}}
    }))
    .expect("tree decodes");
    let forest = tree
        .parent
        .as_ref()
        .and_then(|p| p.forest.as_ref())
        .expect("nested forest");
    assert!(forest.first.is_some());
    assert_eq!(tree.children.as_ref().map(Vec::len), Some(1));
}

#[test]
fn schemas_named_like_prelude_types_are_renamed() {
    // Answers hold these, so they have no setters: their fields are public.
    let mut some = StringType::new();
    some.value = Some("v".to_owned());
    let mut holder = OptionType::new();
    holder.some = Some(some);
    assert_eq!(
        serde_json::to_value(&holder).expect("encodes"),
        json!({"some": {"value": "v"}})
    );
    // `types::Error` and `types::Client` keep their names next to the runtime's.
    let mut error = family::coverage::types::Error::new();
    error.message = Some("m".to_owned());
    assert_eq!(error.message.as_deref(), Some("m"));
    let _client_schema = family::coverage::types::Client::new();
    let mut result_schema = family::coverage::types::Result::new();
    result_schema.ok = Some(true);
    assert_eq!(result_schema.ok, Some(true));
}
