//! The generator on small documents: each supported construct (the generated code is
//! snapshotted) and each rejected one (the error message is snapshotted).

use generator::load::Syntax;

/// A document with the given `components/schemas` and `paths` (YAML, indented by 2).
fn doc(schemas: &str, paths: &str) -> String {
    format!(
        "openapi: 3.0.1\ninfo: {{title: Test, version: v1}}\nservers: [{{url: 'https://api.example.com/'}}]\n\
         paths:\n{paths}\ncomponents:\n  schemas:\n{schemas}\n"
    )
}

/// An operation that uses `schema` as the body of a POST and of its 200 answer.
fn echo(schema: &str) -> String {
    format!(
        "  /things/echo:\n    post:\n      operationId: echo\n      requestBody:\n        required: true\n        content:\n          application/json:\n            schema: {{$ref: '#/components/schemas/{schema}'}}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {{$ref: '#/components/schemas/{schema}'}}\n"
    )
}

fn generate(text: &str) -> generator::Generated {
    generator::generate_from_text(text, Syntax::Yaml).unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn code(generated: &generator::Generated) -> String {
    generated
        .files
        .iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "rs") && !f.path.ends_with("mod.rs"))
        .map(|f| f.contents.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn error(text: &str) -> String {
    match generator::generate_from_text(text, Syntax::Yaml) {
        Ok(_) => panic!("expected an error for\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn scalar_formats_collections_and_keywords() {
    let schemas = "    Thing:
      type: object
      required: [id, type, createdAt, tags]
      properties:
        id: {type: string, format: uuid}
        type: {type: string}
        in: {type: string}
        self: {type: string}
        createdAt: {type: string, format: date-time}
        day: {type: string, format: date}
        raw: {type: string, format: byte}
        small: {type: integer, format: int32}
        big: {type: integer, format: int64}
        ratio: {type: number, format: float}
        amount: {type: number}
        flag: {type: boolean}
        tags: {type: array, items: {type: string}}
        grid: {type: array, items: {type: array, items: {type: integer, format: int32}}}
        labels: {type: object, additionalProperties: {type: string}}
        anything: {type: object, additionalProperties: true}
        freeForm: {type: object, properties: {}}
        untyped: {}
        maybe: {type: string, nullable: true}
        fooBar: {type: string}
        foo_bar: {type: string}
";
    let generated = generate(&doc(schemas, &echo("Thing")));
    insta::assert_snapshot!(code(&generated));
}

#[test]
fn inline_objects_enums_and_refs() {
    let schemas = "    Batch:
      type: object
      description: A batch.
      required: [status, owner]
      properties:
        status: {type: string, enum: [DONE, PENDING]}
        owner:
          type: object
          required: [name]
          properties:
            name: {type: string}
        next:
          $ref: '#/components/schemas/Batch'
          description: The batch after this one (a recursive reference).
    Other:
      type: object
      properties:
        status: {type: string, enum: [DONE, PENDING]}
        kind: {type: string, enum: [a-b, a_b, Unknown, '']}
    Named:
      type: string
      enum: [X, Y]
    Names:
      type: array
      items: {$ref: '#/components/schemas/Named'}
    Holder:
      type: object
      properties:
        batch: {$ref: '#/components/schemas/Batch'}
        other: {$ref: '#/components/schemas/Other'}
        names: {$ref: '#/components/schemas/Names'}
";
    let generated = generate(&doc(schemas, &echo("Holder")));
    insta::assert_snapshot!(code(&generated));
}

#[test]
fn responses_params_and_method_names() {
    let paths = "  /crm/v3/objects/things:
    parameters:
      - {$ref: '#/components/parameters/Archived'}
    get:
      operationId: list
      parameters:
        - {name: properties, in: query, style: form, explode: true, schema: {type: array, items: {type: string}}}
        - {name: limit, in: query, required: true, schema: {type: integer, format: int32}}
      responses:
        '200': {$ref: '#/components/responses/Page'}
        default: {$ref: '#/components/responses/Error', description: Something went wrong.}
  /crm/v3/objects/things/{thingId}:
    get:
      operationId: one
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string}}
      responses:
        '200': {$ref: '#/components/responses/Page'}
    delete:
      operationId: remove
      parameters:
        - {name: thingId, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: gone, content: {}}
        default: {$ref: '#/components/responses/Error'}
  /crm/v3/objects/things/batch/upsert:
    post:
      operationId: upsert
      requestBody: {$ref: '#/components/requestBodies/Upsert'}
      responses:
        '200': {$ref: '#/components/responses/Page'}
        '207': {$ref: '#/components/responses/Page'}
        default: {$ref: '#/components/responses/Error'}
  /crm/v3/objects/things/search:
    get:
      operationId: searchGet
      responses:
        '200': {$ref: '#/components/responses/Page'}
    post:
      operationId: searchPost
      responses:
        '200': {$ref: '#/components/responses/Page'}
";
    let schemas = "    Page:
      type: object
      required: [results, properties]
      properties:
        results: {type: array, items: {type: string}}
        properties: {type: object, additionalProperties: {type: string}}
    Error:
      type: object
      required: [message]
      properties:
        message: {type: string}
  parameters:
    Archived: {name: archived, in: query, schema: {type: boolean}}
  requestBodies:
    Upsert:
      required: true
      content:
        application/json:
          schema: {type: array, items: {type: string}}
  responses:
    Page:
      description: a page
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Page'}
    Error:
      description: an error
      content:
        '*/*':
          schema: {$ref: '#/components/schemas/Error'}
";
    let generated = generate(&doc(schemas, paths));
    let names: Vec<&str> = generated.documents[0]
        .api
        .operations
        .iter()
        .map(|o| o.method_name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "get_page",
            "get_by_id",
            "archive",
            "batch_upsert",
            "get_search",
            "create_search"
        ]
    );
    insta::assert_snapshot!(code(&generated));
}

/// Rejected input: each error names the place and the reason.
#[test]
fn rejections_name_the_node_and_the_reason() {
    let ok_paths = echo("Thing");
    let thing = |props: &str| format!("    Thing:\n      type: object\n      properties:\n{props}");
    let cases: Vec<(&str, String)> = vec![
        ("empty_document", String::new()),
        ("not_yaml", "openapi: [3.0.1\n".to_owned()),
        ("openapi_3_1", "openapi: 3.1.0\ninfo: {title: t, version: v}\npaths: {}\n".to_owned()),
        ("swagger_2", "swagger: '2.0'\ninfo: {title: t, version: v}\npaths: {}\n".to_owned()),
        ("no_operations", doc(&thing("        a: {type: string}\n"), "  {}")),
        ("missing_ref", doc(&thing("        a: {$ref: '#/components/schemas/Nowhere'}\n"), &ok_paths)),
        ("not", doc(&thing("        a: {not: {type: string}}\n"), &ok_paths)),
        (
            "all_of_part_not_an_object",
            doc(&thing("        a: {allOf: [{type: object, properties: {b: {type: string}}}, {type: string}]}\n"), &ok_paths),
        ),
        (
            "discriminator_with_inline_alternative",
            doc(
                &thing("        a: {oneOf: [{type: object, properties: {k: {type: string}}}], discriminator: {propertyName: k}}\n"),
                &ok_paths,
            ),
        ),
        (
            "alias_of_itself",
            doc(
                &format!("{}    Loop:\n      type: array\n      items: {{$ref: '#/components/schemas/Loop'}}\n", thing("        a: {type: string}\n")),
                &ok_paths,
            ),
        ),
        ("number_enum", doc(&thing("        a: {type: number, enum: [1.5, 2.5]}\n"), &ok_paths)),
        ("success_range", doc(&thing("        a: {type: string}\n"), &ok_paths.replace("'200':", "2XX:"))),
        ("binary", doc(&thing("        a: {type: string, format: binary}\n"), &ok_paths)),
        (
            "properties_and_additional",
            doc(&thing("        a: {type: object, properties: {b: {type: string}}, additionalProperties: {type: string}}\n"), &ok_paths),
        ),
        ("missing_operation_id", doc(&thing("        a: {type: string}\n"), &ok_paths.replace("      operationId: echo\n", ""))),
        (
            "same_method_name",
            doc(
                &thing("        a: {type: string}\n"),
                &format!("{ok_paths}{}", ok_paths.replace("/things/echo", "/things/echo/").replace("operationId: echo", "operationId: echo2")),
            ),
        ),
        (
            "header_parameter",
            doc(
                &thing("        a: {type: string}\n"),
                &ok_paths.replace("      requestBody:", "      parameters:\n        - {name: X-Trace, in: header, schema: {type: string}}\n      requestBody:"),
            ),
        ),
        (
            "undeclared_path_parameter",
            doc(&thing("        a: {type: string}\n"), &ok_paths.replace("/things/echo", "/things/{id}/echo")),
        ),
        (
            "unsupported_request_body",
            doc(&thing("        a: {type: string}\n"), &ok_paths.replace("          application/json:\n            schema", "          text/csv:\n            schema")),
        ),
        (
            "duplicate_operation_id",
            doc(
                &thing("        a: {type: string}\n"),
                &format!("{ok_paths}{}", ok_paths.replace("/things/echo", "/things/other")),
            ),
        ),
        ("ref_not_a_string", doc(&thing("        a: {$ref: 7}\n"), &ok_paths)),
        (
            "inline_enum_name_taken",
            doc(
                &format!(
                    "{}    Other:\n      type: object\n      properties:\n        status: {{type: string, enum: [b]}}\n    ThingStatus:\n      type: object\n      properties:\n        x: {{type: string}}\n",
                    thing("        status: {type: string, enum: [a]}\n")
                ),
                &ok_paths,
            ),
        ),
        (
            "union_beside_properties",
            doc(&thing("        a: {properties: {b: {type: string}}, oneOf: [{type: string}, {type: integer}]}\n"), &ok_paths),
        ),
        (
            "all_of_a_union_it_is_not_in",
            doc(
                &format!(
                    "{}    Either:\n      oneOf: [{{type: string}}, {{type: integer}}]\n",
                    thing("        a: {allOf: [{$ref: '#/components/schemas/Either'}, {type: object, properties: {b: {type: string}}}]}\n")
                ),
                &ok_paths,
            ),
        ),
    ];
    for (name, text) in cases {
        insta::assert_snapshot!(format!("rejects_{name}"), error(&text));
    }
}

#[test]
fn bad_json_names_line_and_column() {
    let err =
        generator::generate_from_text("{\"openapi\": \"3.0.1\",\n  \"info\": }", Syntax::Json)
            .expect_err("bad JSON is refused");
    assert_eq!(err.line_col.map(|(line, _)| line), Some(2), "{err}");
}

/// A declared path parameter that the path does not contain can never be sent: it is left out,
/// with a warning that names it by pointer, and the method is generated without it.
#[test]
fn a_path_parameter_the_path_lacks_is_dropped_with_a_warning() {
    let paths = echo("Thing").replace(
        "      requestBody:",
        "      parameters:\n        - {name: objectType, in: path, required: true, schema: {type: string}}\n      requestBody:",
    );
    let text = doc(
        "    Thing:\n      type: object\n      properties:\n        a: {type: string}\n",
        &paths,
    );
    let generated = generate(&text);
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "at /paths/~1things~1echo/post/parameters/0: path parameter `objectType` is not in the path `/things/echo`; it is left out"
        ]
    );
    assert!(
        generated.documents[0].api.operations[0]
            .path_params
            .is_empty()
    );
    // A document without the fault has no warning.
    assert!(
        generate(&doc(
            "    Thing:\n      type: object\n      properties:\n        a: {type: string}\n",
            &echo("Thing")
        ))
        .warnings
        .is_empty()
    );
}

/// Paths are never broken across lines, even where names are long enough to make
/// prettyplease wrap a signature (`crate\n::types::…` would still compile, but reads badly and
/// once broke a reviewer's grep).
#[test]
fn long_names_do_not_break_paths_across_lines() {
    let long = "AVeryLongSchemaNameThatKeepsGoingOnAndOnForTheSakeOfWrappingTheSignature";
    let text = doc(
        &format!("    {long}:\n      type: object\n      properties:\n        a: {{type: string}}\n"),
        &echo(long).replace("/things/echo", "/things/{thingIdentifierThatIsLong}/echo").replace(
            "      requestBody:",
            "      parameters:\n        - {name: thingIdentifierThatIsLong, in: path, required: true, schema: {type: integer}}\n        - {name: anotherQueryParameterWithALongName, in: query, schema: {type: string}}\n      requestBody:",
        ),
    );
    // spec/orders.yaml broke `crate` / `::runtime::encode_path_segment(order_id)` inside a
    // `format!` (whose arguments prettyplease cannot lay out as code).
    let orders = generate(include_str!("../../spec/orders.yaml"));
    let code = format!("{}\n{}", code(&generate(&text)), code(&orders));
    let lines: Vec<&str> = code.lines().collect();
    for pair in lines.windows(2) {
        assert!(
            !(pair[1].trim_start().starts_with("::")
                && pair[0]
                    .trim_end()
                    .ends_with(|c: char| c.is_alphanumeric() || c == '_')),
            "a path is broken across lines:\n{}\n{}",
            pair[0],
            pair[1]
        );
    }
}

#[test]
fn a_default_answer_by_a_missing_ref_is_named_by_its_pointer() {
    let paths = "  /things:\n    get:\n      operationId: list\n      responses:\n        '200':\n          description: ok\n        default:\n          $ref: '#/components/responses/Missing'\n";
    let message = error(&doc(
        "    Thing:\n      type: object\n      properties:\n        a: {type: string}\n",
        paths,
    ));
    assert!(
        message.contains("/paths/~1things/get/responses/default"),
        "{message}"
    );
    assert!(!message.contains("responses~1default"), "{message}");
}

/// The method names of the family document `tests/family/spec/<name>.yaml`, sorted.
fn family_methods(name: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/family/spec")
        .join(format!("{name}.yaml"));
    let generated = generator::generate(&path).unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<String> = generated.documents[0]
        .api
        .operations
        .iter()
        .map(|o| o.method_name.clone())
        .collect();
    names.sort();
    names
}

/// Operations the naming rule gives one name, as in HubSpot's CMS pages, automation actions
/// and webhooks documents, are told apart by what differs in their paths (rule 8); the others
/// keep their names.
#[test]
fn operations_named_alike_are_told_apart_by_their_paths() {
    assert_eq!(
        family_methods("pages"),
        [
            "get_landing_page",
            "get_site_page",
            "landing_pages_create",
            "landing_pages_get_page",
            "site_pages_create",
            "site_pages_get_page",
        ]
    );
    assert_eq!(
        family_methods("actions"),
        [
            "archive",
            "complete",
            "complete_batch",
            "create",
            "functions_get_page",
            "get_by_function_type",
            "get_by_id",
            "get_function",
            "get_page",
        ]
    );
    assert_eq!(
        family_methods("webhooks"),
        [
            "archive_webhooks_subscription",
            "clear",
            "configure",
            "create",
            "get_webhooks_subscription",
            "settings_get_all",
            "subscriptions_get_all",
            "webhooks_journal_journal_earliest",
        ]
    );
}

/// A scalar parameter whose schema also has keywords of another type (`type: integer` with a
/// string's `pattern` and `maxLength`, or with `format: date-time`) is read by its `type`; the
/// other keywords are ignored, with a warning that names them.
#[test]
fn mixed_type_keywords_are_ignored_with_a_warning() {
    let paths = "  /things:
    get:
      operationId: list
      parameters:
        - {name: portal, in: query, schema: {type: integer, format: int32, pattern: '^[0-9]+$', maxLength: 12}}
        - {name: since, in: query, schema: {type: integer, format: date-time}}
        - {name: name, in: query, schema: {type: string, minimum: 1, maxItems: 3}}
        - {name: flag, in: query, schema: {type: boolean, pattern: '^(true|false)$'}}
        - {name: plain, in: query, schema: {type: integer, minimum: 1}}
      responses:
        '200': {description: ok}
";
    let generated = generate(&doc(
        "    Thing:\n      type: object\n      properties:\n        a: {type: string}\n",
        paths,
    ));
    let warnings: Vec<String> = generated.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "at /paths/~1things/get/parameters/0/schema: `type: integer` beside keywords of another type: `pattern`, `maxLength` ignored; the value is an `i32`",
            "at /paths/~1things/get/parameters/1/schema: `type: integer` beside keywords of another type: `format: date-time` ignored; the value is an `i64`",
            "at /paths/~1things/get/parameters/2/schema: `type: string` beside keywords of another type: `minimum`, `maxItems` ignored; the value is a `String`",
            "at /paths/~1things/get/parameters/3/schema: `type: boolean` beside keywords of another type: `pattern` ignored; the value is a `bool`",
        ]
    );
    let query = generated.documents[0].api.operations[0]
        .query
        .as_ref()
        .expect("query parameters");
    let types: Vec<&generator::ir::Ty> = query.fields.iter().map(|f| &f.ty).collect();
    use generator::ir::Ty;
    let option = |t: Ty| Ty::Option(Box::new(t));
    assert_eq!(
        types,
        [
            &option(Ty::I32),
            &option(Ty::I64),
            &option(Ty::String),
            &option(Ty::Bool),
            &option(Ty::I64)
        ]
    );
    // The family document with such parameters is generated with its warnings.
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/family/spec/journal.yaml");
    let journal = generator::generate(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(journal.warnings.len(), 3, "{:?}", journal.warnings);
}
