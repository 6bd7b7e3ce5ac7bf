//! `generator::diff` on pairs of small documents of our own: one pair per kind of change, each
//! with its report pinned in a snapshot, a pair that differs only in descriptions and order, and
//! two versions of an orders document that differ the way HubSpot's versions do
//! (`tests/api_diff/orders-v1.yaml`, `orders-v2.yaml`).

use generator::diff::{self, Class, Kind, Report, Surface};
use generator::load::Syntax;

/// The old document of most pairs: three operations on orders, an order with a status enum and
/// a payment union, and a coupon type that nothing refers to.
const BASE: &str = r#"openapi: 3.0.1
info: {title: Shop, version: v1}
servers: [{url: 'https://api.example.com/'}]
paths:
  /shop/v1/orders:
    get:
      operationId: list-orders
      description: Lists the orders, a page at a time.
      parameters:
        - {name: limit, in: query, description: Orders on a page., schema: {type: integer, format: int32}}
      responses:
        '200':
          description: A page of orders.
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
    post:
      operationId: create-order
      description: Creates an order.
      requestBody:
        required: true
        description: The order to create.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Order'}
      responses:
        '201':
          description: The order as stored.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
  /shop/v1/orders/{orderId}:
    get:
      operationId: get-order
      description: Reads one order.
      parameters:
        - {name: orderId, in: path, required: true, description: The order's id., schema: {type: string}}
      responses:
        '200':
          description: The order.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
components:
  schemas:
    Order:
      type: object
      description: An order placed in the shop.
      required: [id, status]
      properties:
        id: {type: string, description: Record id of the order.}
        status: {$ref: '#/components/schemas/Status'}
        total: {type: number, description: Amount to pay.}
        note: {type: string, description: Free text from the buyer.}
        payment: {$ref: '#/components/schemas/Payment'}
    Status:
      type: string
      description: Where the order stands.
      enum: [open, paid, shipped]
    Payment:
      description: How the order is paid.
      oneOf:
        - {$ref: '#/components/schemas/Card'}
        - {$ref: '#/components/schemas/Transfer'}
    Card:
      type: object
      description: A card payment.
      required: [last4]
      properties:
        last4: {type: string, description: Last digits of the card.}
    Transfer:
      type: object
      description: A bank transfer.
      required: [iban]
      properties:
        iban: {type: string, description: Account the money comes from.}
    Coupon:
      type: object
      description: A discount code.
      properties:
        code: {type: string, description: What the buyer types.}
        percent: {type: integer, format: int32, description: Discount in percent.}
"#;

/// `BASE` with each `(from, to)` replaced once; panics when `from` is not in it.
fn edit(edits: &[(&str, &str)]) -> String {
    let mut text = BASE.to_owned();
    for (from, to) in edits {
        assert!(text.contains(from), "the base document has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    text
}

fn surface(text: &str) -> Surface {
    diff::surface_of_text(text, Syntax::Yaml, "<test>")
        .unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn report(old: &str, new: &str) -> Report {
    diff::compare(&surface(old), &surface(new))
}

fn kinds(report: &Report) -> Vec<(Class, Kind, &str)> {
    report
        .changes
        .iter()
        .map(|c| (c.class, c.kind, c.item.as_str()))
        .collect()
}

#[test]
fn a_document_against_itself_reports_nothing() {
    let r = report(BASE, BASE);
    assert_eq!(r.changes, []);
    assert_eq!(r.descriptions, 0);
    assert!(!r.is_breaking());
}

#[test]
fn operation_added() {
    let r = report(
        BASE,
        &edit(&[(
            "components:\n",
            "  /shop/v1/orders/search:
    post:
      operationId: search-orders
      description: Finds orders.
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {query: {type: string}}}
      responses:
        '200':
          description: The orders found.
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
components:\n",
        )]),
    );
    assert!(!r.is_breaking());
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn operation_removed() {
    let r = report(
        BASE,
        &edit(&[(
            "  /shop/v1/orders/{orderId}:
    get:
      operationId: get-order
      description: Reads one order.
      parameters:
        - {name: orderId, in: path, required: true, description: The order's id., schema: {type: string}}
      responses:
        '200':
          description: The order.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
",
            "",
        )]),
    );
    assert_eq!(
        kinds(&r),
        [(Class::Breaking, Kind::OperationRemoved, "Client::get_by_id")]
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn operation_changed_in_parameters_body_and_answers() {
    let r = report(
        BASE,
        &edit(&[
            // A second query parameter, required.
            (
                "schema: {type: integer, format: int32}}\n",
                "schema: {type: integer, format: int32}}\n        - {name: after, in: query, required: true, description: Cursor., schema: {type: string}}\n",
            ),
            // The body becomes optional, and create answers 200 or 201.
            (
                "      requestBody:\n        required: true\n        description: The order to create.",
                "      requestBody:\n        description: The order to create.",
            ),
            (
                "      responses:\n        '201':",
                "      responses:\n        '200':\n          description: An order with this id existed.\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Order'}\n        '201':",
            ),
            // The path parameter is an integer now, under another name.
            (
                "{name: orderId, in: path, required: true, description: The order's id., schema: {type: string}}",
                "{name: orderNumber, in: path, required: true, description: The order's id., schema: {type: integer}}",
            ),
            (
                "/shop/v1/orders/{orderId}:",
                "/shop/v1/orders/{orderNumber}:",
            ),
        ]),
    );
    assert!(r.is_breaking());
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn types_added_removed_and_changed_in_kind() {
    let r = report(
        BASE,
        &edit(&[
            (
                "    Coupon:\n      type: object\n      description: A discount code.\n      properties:\n        code: {type: string, description: What the buyer types.}\n        percent: {type: integer, format: int32, description: Discount in percent.}\n",
                "    Refund:\n      type: object\n      description: Money given back.\n      properties:\n        amount: {type: number}\n",
            ),
            (
                "    Transfer:\n      type: object\n      description: A bank transfer.\n      required: [iban]\n      properties:\n        iban: {type: string, description: Account the money comes from.}\n",
                "    Transfer:\n      type: string\n      description: A bank transfer.\n",
            ),
        ]),
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn type_renamed_with_the_same_fields_and_description() {
    let r = report(BASE, &edit(&[("    Coupon:\n", "    Voucher:\n")]));
    assert_eq!(kinds(&r), [(Class::Breaking, Kind::TypeRenamed, "Coupon")]);
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn type_with_another_description_is_not_called_renamed() {
    let r = report(
        BASE,
        &edit(&[
            ("    Coupon:\n", "    Voucher:\n"),
            (
                "description: A discount code.",
                "description: A code that lowers the price.",
            ),
        ]),
    );
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::TypeRemoved, "Coupon"),
            (Class::Compatible, Kind::TypeAdded, "Voucher"),
        ]
    );
}

#[test]
fn fields_added_removed_and_renamed() {
    let r = report(
        BASE,
        &edit(&[(
            "        total: {type: number, description: Amount to pay.}\n        note: {type: string, description: Free text from the buyer.}\n",
            "        amount: {type: number, description: Amount to pay.}\n        currency: {type: string, description: ISO code of the currency.}\n",
        )]),
    );
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::FieldRenamed, "Order.total"),
            (Class::Breaking, Kind::FieldRemoved, "Order.note"),
            // Optional: `Order::with_currency`, and no literal outside the crate to break.
            (Class::Compatible, Kind::FieldAdded, "Order.currency"),
        ]
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn a_field_is_not_called_renamed_when_two_could_be_its_new_name() {
    let r = report(
        BASE,
        &edit(&[(
            "        code: {type: string, description: What the buyer types.}\n",
            "        label: {type: string, description: What the buyer types.}\n        text: {type: string, description: What the buyer types.}\n",
        )]),
    );
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::FieldRemoved, "Coupon.code"),
            (Class::Compatible, Kind::FieldAdded, "Coupon.label"),
            (Class::Compatible, Kind::FieldAdded, "Coupon.text"),
        ]
    );
}

#[test]
fn fields_changed_in_type_and_optionality() {
    let r = report(
        BASE,
        &edit(&[
            ("required: [id, status]", "required: [id, note]"),
            ("total: {type: number,", "total: {type: integer,"),
        ]),
    );
    assert_eq!(
        kinds(&r),
        [
            // `total` holds no float any more.
            (Class::Compatible, Kind::TraitAdded, "Order"),
            (Class::Breaking, Kind::FieldOptional, "Order.status"),
            (Class::Breaking, Kind::FieldChanged, "Order.total"),
            (Class::Breaking, Kind::FieldRequired, "Order.note"),
        ]
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn required_fields_in_another_order_reorder_new() {
    let r = report(
        BASE,
        &edit(&[("required: [id, status]", "required: [id, note]")]),
    );
    let reordered = edit(&[
        ("required: [id, status]", "required: [id, note]"),
        (
            "        id: {type: string, description: Record id of the order.}\n",
            "",
        ),
        (
            "        note: {type: string, description: Free text from the buyer.}\n",
            "        note: {type: string, description: Free text from the buyer.}\n        id: {type: string, description: Record id of the order.}\n",
        ),
    ]);
    assert!(r.is_breaking());
    let r = report(
        &edit(&[("required: [id, status]", "required: [id, note]")]),
        &reordered,
    );
    assert_eq!(
        kinds(&r),
        [(Class::Breaking, Kind::ConstructorChanged, "Order")]
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn enum_values_added_and_removed() {
    let r = report(
        BASE,
        &edit(&[(
            "enum: [open, paid, shipped]",
            "enum: [open, paid, refunded]",
        )]),
    );
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::ValueRemoved, "Status"),
            // `Status` is `#[non_exhaustive]`: matches have a `_` arm.
            (Class::Compatible, Kind::ValueAdded, "Status"),
        ]
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn union_alternative_added() {
    let r = report(
        BASE,
        &edit(&[(
            "        - {$ref: '#/components/schemas/Transfer'}\n",
            "        - {$ref: '#/components/schemas/Transfer'}\n        - {$ref: '#/components/schemas/Coupon'}\n",
        )]),
    );
    assert_eq!(
        kinds(&r),
        [
            // An order (a request body) may hold a coupon now, so it gains setters.
            (Class::Compatible, Kind::ConstructorChanged, "Coupon"),
            (Class::Compatible, Kind::VariantAdded, "Payment")
        ]
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn a_struct_no_request_holds_any_more_loses_its_setters() {
    let with_coupon = edit(&[(
        "        - {$ref: '#/components/schemas/Transfer'}\n",
        "        - {$ref: '#/components/schemas/Transfer'}\n        - {$ref: '#/components/schemas/Coupon'}\n",
    )]);
    let r = report(&with_coupon, BASE);
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::ConstructorChanged, "Coupon"),
            (Class::Breaking, Kind::VariantRemoved, "Payment")
        ],
        "{}",
        r.markdown()
    );
    assert!(
        r.markdown()
            .contains("set its optional fields by assignment")
    );
}

#[test]
fn changes_only_on_the_wire_are_compatible() {
    let r = report(
        BASE,
        &edit(&[
            // Every path moves to v2 (method names come from what follows the shared prefix).
            ("  /shop/v1/orders:\n", "  /shop/v2/orders:\n"),
            (
                "  /shop/v1/orders/{orderId}:\n",
                "  /shop/v2/orders/{orderId}:\n",
            ),
            // The same Rust field, another name on the wire.
            (
                "        note: {type: string,",
                "        Note: {type: string,",
            ),
            // The sole success answer of create is 200 now.
            (
                "      responses:\n        '201':",
                "      responses:\n        '200':",
            ),
            (
                "servers: [{url: 'https://api.example.com/'}]",
                "servers: [{url: 'https://eu.api.example.com/'}]",
            ),
        ]),
    );
    assert!(!r.is_breaking(), "{}", r.markdown());
    assert!(r.changes.iter().all(|c| c.class == Class::Compatible));
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn descriptions_and_order_only_report_no_api_change() {
    // The same API, written in another order with every description reworded.
    let new = r#"openapi: 3.0.1
info: {title: Shop, version: v1}
servers: [{url: 'https://api.example.com/'}]
components:
  schemas:
    Coupon:
      description: A code for a lower price.
      type: object
      properties:
        percent: {description: How many percent off., type: integer, format: int32}
        code: {description: The text to enter., type: string}
    Transfer:
      type: object
      description: Money sent from a bank account.
      required: [iban]
      properties:
        iban: {type: string, description: The paying account.}
    Status:
      type: string
      description: The stage the order is at.
      enum: [shipped, open, paid]
    Order:
      type: object
      description: One order of the shop.
      required: [status, id]
      properties:
        id: {type: string, description: The order's record id.}
        note: {type: string, description: What the buyer wrote.}
        payment: {$ref: '#/components/schemas/Payment'}
        status: {$ref: '#/components/schemas/Status'}
        total: {type: number, description: The sum due.}
    Card:
      type: object
      description: Paid by card.
      required: [last4]
      properties:
        last4: {type: string, description: The card number's end.}
    Payment:
      description: The means of payment.
      oneOf:
        - {$ref: '#/components/schemas/Card'}
        - {$ref: '#/components/schemas/Transfer'}
paths:
  /shop/v1/orders/{orderId}:
    get:
      operationId: get-order
      description: Fetches a single order.
      parameters:
        - {name: orderId, in: path, required: true, description: Which order., schema: {type: string}}
      responses:
        '200':
          description: The order asked for.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
  /shop/v1/orders:
    post:
      operationId: create-order
      description: Adds an order.
      requestBody:
        required: true
        description: The new order.
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Order'}
      responses:
        '201':
          description: What was stored.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Order'}
    get:
      operationId: list-orders
      description: Pages through the orders.
      parameters:
        - {name: limit, in: query, description: Page size., schema: {type: integer, format: int32}}
      responses:
        '200':
          description: One page.
          content:
            application/json:
              schema: {type: array, items: {$ref: '#/components/schemas/Order'}}
"#;
    let r = report(BASE, new);
    assert_eq!(r.changes, [], "{}", r.markdown());
    assert!(r.descriptions >= 20, "{}", r.descriptions);
    insta::assert_snapshot!(r.markdown());
}

/// Descriptions are compared as the document's texts, not as the composed docs: a path
/// parameter's reworded description is one change (the method's docs, which list it under
/// `# Arguments`, are not a second), and so is a new summary.
#[test]
fn descriptions_are_compared_as_facts() {
    let r = report(
        BASE,
        &edit(&[(
            "description: The order's id.",
            "description: Which order to read.",
        )]),
    );
    assert_eq!(r.changes, []);
    assert_eq!(r.descriptions, 1);
    let r = report(
        BASE,
        &edit(&[(
            "      operationId: get-order\n",
            "      operationId: get-order\n      summary: Read an order\n",
        )]),
    );
    assert_eq!(r.changes, []);
    assert_eq!(r.descriptions, 1);
}

#[test]
fn orders_update_as_hubspot_makes_them() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api_diff");
    let old = diff::surface_of_file(&dir.join("orders-v1.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let new = diff::surface_of_file(&dir.join("orders-v2.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let r = diff::compare(&old, &new);
    // Exactly the API changes made between the two, and nothing for the reworded descriptions.
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::FieldRequired, "Filter.value"),
            (Class::Compatible, Kind::ValueAdded, "Operator"),
            (
                Class::Compatible,
                Kind::FieldAdded,
                "SimplePublicObjectInput.object_write_trace_id"
            ),
        ],
        "{}",
        r.markdown()
    );
    assert!(r.descriptions >= 15, "{}", r.descriptions);
    insta::assert_snapshot!(r.markdown());
    insta::assert_snapshot!(r.to_json());
}

/// The realistic update of `spec/orders.yaml` that the evolution rules are written for, made in
/// a temporary copy: an optional field on a response struct, an optional field on a request
/// struct, an enum value, and a field made required. Only the last breaks callers.
pub const ORDERS_UPDATE: &[(&str, &str)] = &[
    // An optional response field: `SimplePublicObject.app_id`.
    (
        "      description: A record as HubSpot returns it.\n      example: null\n      properties:\n",
        "      description: A record as HubSpot returns it.\n      example: null\n      properties:\n        appId:\n          type: string\n          description: Id of the app that created the record, if one did.\n          example: null\n",
    ),
    // An optional request field: `PublicObjectSearchRequest.query_set`.
    (
        "        sorts:\n          type: array\n          description: Property names to sort the results by.\n",
        "        querySet:\n          type: string\n          description: Named set of properties the free-text query searches.\n          example: null\n        sorts:\n          type: array\n          description: Property names to sort the results by.\n",
    ),
    // An enum value: `NOT_BETWEEN` for a filter's operator.
    (
        "            - NOT_CONTAINS_TOKEN\n",
        "            - NOT_BETWEEN\n            - NOT_CONTAINS_TOKEN\n",
    ),
    // A field made required: a filter's `value`.
    (
        "        - operator\n        - propertyName\n      type: object\n      description: One condition",
        "        - operator\n        - propertyName\n        - value\n      type: object\n      description: One condition",
    ),
];

#[test]
fn a_realistic_orders_update_breaks_only_where_a_field_is_made_required() {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/orders.yaml");
    let text = std::fs::read_to_string(&spec).unwrap_or_else(|e| panic!("{}: {e}", spec.display()));
    let mut updated = text.clone();
    for (from, to) in ORDERS_UPDATE {
        assert_eq!(
            updated.matches(from).count(),
            1,
            "spec/orders.yaml has one {from:?}"
        );
        updated = updated.replacen(from, to, 1);
    }
    let dir = std::env::temp_dir().join(format!("api-diff-orders-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let copy = dir.join("orders.yaml");
    std::fs::write(&copy, &updated).unwrap_or_else(|e| panic!("{e}"));
    let old = diff::surface_of_file(&spec).unwrap_or_else(|e| panic!("{e}"));
    let new = diff::surface_of_file(&copy).unwrap_or_else(|e| panic!("{e}"));
    let _ = std::fs::remove_dir_all(&dir);
    let r = diff::compare(&old, &new);
    assert_eq!(
        kinds(&r),
        [
            (Class::Breaking, Kind::FieldRequired, "Filter.value"),
            (Class::Compatible, Kind::ValueAdded, "Operator"),
            (
                Class::Compatible,
                Kind::FieldAdded,
                "PublicObjectSearchRequest.query_set"
            ),
            (
                Class::Compatible,
                Kind::FieldAdded,
                "SimplePublicObject.app_id"
            ),
        ],
        "{}",
        r.markdown()
    );
    assert_eq!(r.breaking, 1);
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn additions_to_query_parameters_and_answers_are_compatible() {
    let r = report(
        BASE,
        &edit(&[
            // An optional query parameter.
            (
                "schema: {type: integer, format: int32}}\n",
                "schema: {type: integer, format: int32}}\n        - {name: after, in: query, description: Cursor., schema: {type: string}}\n",
            ),
        ]),
    );
    assert_eq!(
        kinds(&r),
        [(Class::Compatible, Kind::ParameterAdded, "Client::get_page")]
    );
    // A status added to an enum of answers.
    let two = "      responses:\n        '200':\n          description: An order with this id existed.\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Order'}\n        '201':";
    let old = edit(&[("      responses:\n        '201':", two)]);
    let new = old.replacen(
        "        '201':",
        "        '202':\n          description: Accepted, stored later.\n        '201':",
        1,
    );
    let r = report(&old, &new);
    assert_eq!(
        kinds(&r),
        [(Class::Compatible, Kind::AnswerAdded, "Client::create")],
        "{}",
        r.markdown()
    );
    insta::assert_snapshot!(r.markdown());
}

#[test]
fn the_manifest_reads_back_as_the_same_surface() {
    let text = BASE;
    let (raw, api) = generator::load::parse(text, Syntax::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let api = generator::lower::lower(&generator::load::Document {
        file: "<test>".into(),
        raw,
        api,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let manifest = diff::manifest(&api).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        diff::read_manifest(&manifest).unwrap_or_else(|e| panic!("{e}")),
        Surface::of(&api)
    );
    let generated =
        generator::generate_from_text(text, Syntax::Yaml).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        generated
            .files
            .iter()
            .any(|f| f.path.ends_with("api.json") && f.contents == manifest),
        "the manifest is one of the generated files"
    );
}

#[test]
fn a_manifest_of_another_format_is_refused() {
    let mut value: serde_json::Value =
        serde_json::to_value(surface(BASE)).unwrap_or_else(|e| panic!("{e}"));
    value["format"] = 99.into();
    let error = diff::read_manifest(&value.to_string()).expect_err("format 99");
    assert!(error.to_string().contains("format 99"), "{error}");
    assert!(diff::read_manifest("{}").is_err());
}

/// Lines changed under `generated/` when the first generator (commit 95e7577, orders alone)
/// regenerated after [`ORDERS_UPDATE`], as `git diff --stat` counted them: 37 added, 7 removed.
const FIRST_GENERATOR_CHANGED_LINES: usize = 44;

/// The lines a line diff of `old` and `new` removes and adds: the lines outside their longest
/// common subsequence, as `git diff --stat` counts a minimal diff.
fn changed_lines(old: &str, new: &str) -> usize {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // The common start and end cost nothing; the rest by dynamic programming, a row at a time.
    let start = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let end = a[start..]
        .iter()
        .rev()
        .zip(b[start..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a, b) = (&a[start..a.len() - end], &b[start..b.len() - end]);
    let mut row = vec![0usize; b.len() + 1];
    for x in a {
        let mut diagonal = 0;
        for (j, y) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if x == y {
                diagonal + 1
            } else {
                above.max(row[j])
            };
            diagonal = above;
        }
    }
    let common = row[b.len()];
    a.len() + b.len() - 2 * common
}

#[test]
fn changed_lines_counts_what_a_minimal_diff_adds_and_removes() {
    assert_eq!(changed_lines("a\nb\nc\n", "a\nb\nc\n"), 0);
    assert_eq!(changed_lines("a\nb\nc\n", "a\nx\nc\n"), 2);
    assert_eq!(changed_lines("a\nc\n", "a\nb\nc\nd\n"), 2);
    assert_eq!(changed_lines("", "a\nb\n"), 2);
    assert_eq!(changed_lines("a\nb\nc\nd\n", "b\nd\n"), 2);
}

/// The crate of `spec/`'s two documents (without their catalogs, which the update does not
/// touch), before and after [`ORDERS_UPDATE`] is made to the documents named in `updated`: each
/// generated file's path with its contents before and after.
fn regenerated_after_update(updated: &[&str]) -> Vec<(String, String, String)> {
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    let names = ["line-items.yaml", "orders.yaml"];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for name in names {
        let mut text = std::fs::read_to_string(spec.join(name)).unwrap_or_else(|e| panic!("{e}"));
        if updated.contains(&name) {
            for (from, to) in ORDERS_UPDATE {
                assert_eq!(text.matches(from).count(), 1, "{name} has one {from:?}");
                text = text.replacen(from, to, 1);
            }
        }
        std::fs::write(dir.path().join(name), text).unwrap_or_else(|e| panic!("{e}"));
    }
    let crate_of = |dir: &std::path::Path| {
        let sources: Vec<generator::Source> = names
            .iter()
            .map(|name| generator::Source::new(&dir.join(name)).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        let generated = generator::generate_crate(&sources).unwrap_or_else(|e| panic!("{e}"));
        generated
            .files
            .into_iter()
            .map(|f| (f.path.display().to_string(), f.contents))
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let before = crate_of(&spec);
    let after = crate_of(dir.path());
    let paths: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    paths
        .into_iter()
        .map(|p| {
            let get = |m: &std::collections::BTreeMap<String, String>| {
                m.get(p).cloned().unwrap_or_default()
            };
            (p.clone(), get(&before), get(&after))
        })
        .collect()
}

#[test]
fn the_realistic_update_changes_fewer_lines_than_under_the_first_generator() {
    // HubSpot's object documents share these schemas, and an update reaches them alike.
    let files = regenerated_after_update(&["line-items.yaml", "orders.yaml"]);
    let changed: Vec<(String, usize)> = files
        .iter()
        .map(|(path, old, new)| (path.clone(), changed_lines(old, new)))
        .filter(|(_, n)| *n > 0)
        .collect();
    let total: usize = changed.iter().map(|(_, n)| n).sum();
    assert!(
        total < FIRST_GENERATOR_CHANGED_LINES,
        "{total} lines changed: {changed:?}"
    );
    // What changed is the four edits: the shared types' module and the two manifests.
    let paths: Vec<&str> = changed.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        [
            "src/generated/common.rs",
            "src/generated/line_items/api.json",
            "src/generated/orders/api.json"
        ]
    );
}

#[test]
fn an_update_of_one_document_changes_only_its_module() {
    let files = regenerated_after_update(&["orders.yaml"]);
    let outside: Vec<&str> = files
        .iter()
        .filter(|(path, old, new)| old != new && !path.starts_with("src/generated/orders/"))
        .map(|(path, _, _)| path.as_str())
        .collect();
    assert!(outside.is_empty(), "changed outside orders/: {outside:?}");
    let types = files
        .iter()
        .find(|(path, _, _)| path == "src/generated/orders/types.rs")
        .unwrap_or_else(|| panic!("orders/types.rs is generated"));
    // Orders now has its own of the types the update changed (and of those naming them);
    // line items keeps the shared ones.
    for name in [
        "SimplePublicObject",
        "Filter",
        "Operator",
        "PublicObjectSearchRequest",
    ] {
        assert!(
            types.2.contains(&format!("pub struct {name} {{"))
                || types.2.contains(&format!("pub enum {name} {{")),
            "orders defines its own {name}"
        );
        assert!(
            types
                .1
                .contains(&format!("pub use super::super::common::{name};"))
        );
    }
}
