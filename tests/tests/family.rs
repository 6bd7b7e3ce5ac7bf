//! The test documents under tests/family/spec/ (deals-like, contacts-like, date-versioned, and
//! one a construct HubSpot uses), each a module of the crate `family`: the crate is fresh, the
//! methods get the short names the naming rule promises, and the features these documents add
//! to the orders shape come out as the right Rust types.
//!
//! The crate itself is a workspace member, so `cargo clippy --workspace --all-targets` holds
//! its generated code to the same bar as generated/.

use generator::ir::{
    Api, BodyEncoding, Decode, Field, FormPart, Operation, Pass, QueryStyle, Success, Ty, TypeDef,
};

/// The crate the test documents are generated into.
const CRATE: &str = "tests/family";

/// The family documents: `tests/family/spec/<name>.yaml`, the module `family::<name>`.
const FAMILY: &[&str] = &["deals", "contacts", "dated"];

/// The documents of one construct HubSpot uses each, generated the same way.
const CONSTRUCTS: &[&str] = &[
    "defaults", "unions", "actors", "uploads", "exports", "params", "typeid", "timeline",
    "coverage", "catalog",
];

/// What the generator makes of the crate, once for the whole test binary.
fn crate_output() -> &'static generator::Generated {
    workspace_tests::generated(CRATE)
}

/// The IR of the document of module `name`.
fn generate(name: &str) -> &'static Api {
    &crate_output()
        .document(name)
        .unwrap_or_else(|| panic!("the family crate has no module `{name}`"))
        .api
}

fn methods(api: &Api) -> Vec<&str> {
    api.operations
        .iter()
        .map(|o| o.method_name.as_str())
        .collect()
}

fn operation<'a>(api: &'a Api, method: &str) -> &'a Operation {
    api.operations
        .iter()
        .find(|o| o.method_name == method)
        .unwrap_or_else(|| panic!("no method `{method}`"))
}

fn field<'a>(api: &'a Api, ty: &str, wire: &str) -> &'a Field {
    let TypeDef::Struct(s) = type_def(api, ty) else {
        panic!("`{ty}` is not a struct: {:?}", type_def(api, ty));
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

fn named(api: &Api, name: &str) -> Ty {
    api.named(name).unwrap_or_else(|e| panic!("{e}"))
}

fn map_of(value: Ty) -> Ty {
    Ty::Map(Box::new(value))
}

fn option(inner: Ty) -> Ty {
    Ty::Option(Box::new(inner))
}

#[test]
fn family_crate_is_fresh() {
    workspace_tests::assert_fresh(CRATE);
}

#[test]
fn every_test_document_is_a_module_of_the_family_crate() {
    let modules: Vec<&str> = crate_output()
        .documents
        .iter()
        .map(|d| d.module.as_str())
        .collect();
    for name in FAMILY.iter().chain(CONSTRUCTS) {
        assert!(modules.contains(name), "no module `{name}` in {modules:?}");
    }
    // The catalog beside `catalog.yaml` types its records' properties.
    let catalog = workspace_tests::sources(CRATE)
        .into_iter()
        .find(|s| s.module == "catalog")
        .and_then(|s| s.catalog)
        .expect("catalog.yaml has its catalog");
    assert!(catalog.ends_with("tests/family/spec/catalog-properties.json"));
}

#[test]
fn deals_methods_have_short_names() {
    let generated = generate("deals");
    assert_eq!(
        methods(generated),
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
    let page = operation(generated, "get_page");
    assert_eq!(page.operation_id, "get-/crm/v3/objects/0-3_getPage");

    let merge = operation(generated, "merge");
    assert_eq!(body(merge), &named(generated, "PublicMergeInput"));
    for wire in ["objectIdToMerge", "primaryObjectId"] {
        assert_eq!(field(generated, "PublicMergeInput", wire).ty, Ty::String);
    }
    let get_by_id = operation(generated, "get_by_id");
    assert_eq!(get_by_id.path_params.len(), 1);
    assert_eq!(get_by_id.path_params[0].name, "deal_id");
}

#[test]
fn contacts_methods_have_short_names() {
    let generated = generate("contacts");
    assert_eq!(
        methods(generated),
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
    let gdpr = operation(generated, "gdpr_delete");
    assert_eq!(body(gdpr), &named(generated, "PublicGdprDeleteInput"));
    assert_eq!(
        field(generated, "PublicGdprDeleteInput", "objectId").ty,
        Ty::String
    );
    assert_eq!(
        field(generated, "PublicGdprDeleteInput", "idProperty").ty,
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
        methods(generated),
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
        .operations
        .iter()
        .map(|o| o.operation_id.len())
        .max();
    assert!(longest > Some(100), "longest operationId: {longest:?}");

    // `{objectType}` is a path parameter of every method, first.
    for op in &generated.operations {
        assert_eq!(
            op.path_params.first().map(|p| p.name.as_str()),
            Some("object_type"),
            "{}",
            op.method_name
        );
    }
    let params = |method: &str| -> Vec<&str> {
        operation(generated, method)
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
            field(generated, ty, "properties").ty,
            map_of(option(Ty::String)),
            "{ty}"
        );
    }
    // …while the inputs, whose values the document does not make nullable, stay `String`.
    assert_eq!(
        field(generated, "SimplePublicObjectInput", "properties").ty,
        map_of(Ty::String)
    );
    // The inline array body of the association PUT is a slice of the referenced schema.
    let create = operation(generated, "create_association");
    assert_eq!(
        body(create),
        &Ty::Vec(Box::new(named(generated, "AssociationSpec")))
    );
    assert!(operation(generated, "archive_association").body.is_none());
    assert_eq!(
        field(generated, "MultiAssociatedObjectWithLabel", "toObjectId").ty,
        Ty::I64
    );
    assert_eq!(
        field(generated, "AssociationSpecWithLabel", "label").ty,
        option(Ty::String)
    );
    assert_eq!(
        field(generated, "AssociationSpecWithLabel", "category").ty,
        named(generated, "Category")
    );
}

#[test]
fn every_family_document_keeps_the_orders_quirks_readable() {
    for name in FAMILY {
        let generated = generate(name);
        // The `default` answer (a `$ref` to a `*/*` response) is the typed API error.
        for op in &generated.operations {
            assert_eq!(
                op.error_ty,
                named(generated, "Error"),
                "{name}: {}",
                op.method_name
            );
        }
        // Keyword field names become raw identifiers.
        assert_eq!(field(generated, "AssociatedId", "type").name, "r#type");
        assert_eq!(field(generated, "ErrorDetail", "in").name, "r#in");
    }
}

fn type_def<'a>(api: &'a Api, name: &str) -> &'a TypeDef {
    api.types
        .iter()
        .find(|t| t.name() == name)
        .unwrap_or_else(|| panic!("no type `{name}`"))
}

fn single(op: &Operation) -> &generator::ir::SuccessResponse {
    match &op.success {
        Success::Single(answer) => answer,
        other => panic!("`{}` has several answers: {other:?}", op.method_name),
    }
}

#[test]
fn a_default_only_answer_is_the_success_on_any_2xx() {
    let generated = generate("defaults");
    assert_eq!(methods(generated), ["get_by_id", "archive", "replace"]);
    let get = single(operation(generated, "get_by_id"));
    assert!(get.any_success);
    assert_eq!(get.ty, Some(named(generated, "Setting")));
    assert_eq!(operation(generated, "get_by_id").error_ty, Ty::Json);
    assert_eq!(single(operation(generated, "archive")).ty, None);
    // A listed error answer keeps its type.
    assert_eq!(
        operation(generated, "replace").error_ty,
        named(generated, "Problem")
    );
    // The schema is read as a success answer's (required fields stay required).
    assert_eq!(field(generated, "Setting", "name").ty, Ty::String);
}

#[test]
fn unions_beside_keywords_and_their_capabilities() {
    let generated = generate("unions");
    let TypeDef::Union(value) = type_def(generated, "Value") else {
        panic!("`Value` is a union");
    };
    let variants: Vec<&str> = value.variants.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(variants, ["Label", "Amount"]);
    assert!(value.discriminator.is_none());
    assert!(!value.caps.eq, "Amount holds an f64");
    let TypeDef::Union(choice) = type_def(generated, "Choice") else {
        panic!("`Choice` (anyOf beside properties) is a union");
    };
    assert!(choice.caps.eq && choice.caps.hash);
    // The struct that holds an untagged union of an object and a string derives `Eq` exactly
    // when the union does: the decision that once disagreed and broke the build.
    let TypeDef::Union(item) = type_def(generated, "HolderItemsItem") else {
        panic!("the items are a union");
    };
    assert!(item.caps.eq);
    let TypeDef::Struct(holder) = type_def(generated, "Holder") else {
        panic!("`Holder` is a struct");
    };
    assert!(!holder.caps.eq, "Holder holds Value, which holds an f64");
    assert_eq!(
        field(generated, "Holder", "nested").ty,
        option(named(generated, "HolderNested"))
    );
}

#[test]
fn polymorphic_variants_are_objects_told_apart_by_their_one_value_enum() {
    let generated = generate("actors");
    let TypeDef::Union(actor) = type_def(generated, "PublicActor") else {
        panic!("`PublicActor` is a union");
    };
    let discriminator = actor.discriminator.as_ref().expect("implied discriminator");
    assert_eq!(discriminator.property, "type");
    let tags: Vec<(&str, &[String])> = actor
        .variants
        .iter()
        .map(|v| (v.name.as_str(), v.tags.as_slice()))
        .collect();
    assert_eq!(
        tags,
        [
            ("AgentActor", &["AGENT".to_owned()][..]),
            ("BotActor", &["BOT".to_owned()][..]),
            ("SystemActor", &["SYSTEM".to_owned()][..]),
        ]
    );
    // The variant is its own object: the union it lists in `allOf` adds nothing.
    let TypeDef::Struct(agent) = type_def(generated, "AgentActor") else {
        panic!("`AgentActor` is a struct");
    };
    let wires: Vec<&str> = agent.fields.iter().map(|f| f.wire_name.as_str()).collect();
    assert_eq!(wires, ["type", "id", "email"]);
}

#[test]
fn polymorphic_answers_decode_by_their_tag() {
    use family::actors::types::{BotActor, PublicActor};
    let bot: PublicActor =
        serde_json::from_value(serde_json::json!({"type": "BOT", "id": "7"})).expect("decodes");
    assert!(matches!(bot, PublicActor::BotActor(BotActor { ref id, .. }) if id == "7"));
    // Same shape as an agent, but the tag says bot: the tag decides, not the first fit.
    let agent: PublicActor =
        serde_json::from_value(serde_json::json!({"type": "AGENT", "id": "1"})).expect("decodes");
    assert!(matches!(agent, PublicActor::AgentActor(_)));
    let other: PublicActor =
        serde_json::from_value(serde_json::json!({"type": "ROBOT", "id": "2"})).expect("kept");
    assert!(matches!(other, PublicActor::Other(_)));
}

#[test]
fn form_and_multipart_bodies() {
    let generated = generate("uploads");
    let import = operation(generated, "crm_v3_imports");
    let Some(BodyEncoding::Multipart(parts)) = import.body.as_ref().map(|b| &b.encoding) else {
        panic!("the import body is multipart: {:?}", import.body);
    };
    let part = |field: &str, wire: &str, file: bool, optional: bool| FormPart {
        field: field.to_owned(),
        wire_name: wire.to_owned(),
        file,
        optional,
    };
    assert_eq!(
        parts,
        &[
            part("import_request", "importRequest", false, true),
            part("files", "files", true, false),
            part("notify", "notify", false, true),
        ]
    );
    assert_eq!(
        field(generated, "CrmV3ImportsRequest", "files").ty,
        Ty::File
    );
    let token = operation(generated, "oauth_v1_token");
    assert_eq!(
        token.body.as_ref().map(|b| &b.encoding),
        Some(&BodyEncoding::Form)
    );
}

#[test]
fn non_json_answers_are_text_or_bytes() {
    let generated = generate("exports");
    let csv = operation(generated, "get_csv");
    assert_eq!(
        (single(csv).ty.clone(), single(csv).decode),
        (Some(Ty::String), Decode::Text)
    );
    assert_eq!(csv.accept, "text/csv, application/json");
    let sheet = operation(generated, "get_sheet");
    assert_eq!(
        (single(sheet).ty.clone(), single(sheet).decode),
        (Some(Ty::Bytes), Decode::Bytes)
    );
    assert_eq!(
        operation(generated, "status").accept,
        "text/plain, application/json"
    );
}

#[test]
fn enum_path_parameters_and_object_query_parameters() {
    let generated = generate("params");
    let get = operation(generated, "get_object");
    let kinds: Vec<(&str, &Ty, Pass)> = get
        .path_params
        .iter()
        .map(|p| (p.name.as_str(), &p.ty, p.pass))
        .collect();
    assert_eq!(
        kinds,
        [
            ("object_type", &named(generated, "ObjectType"), Pass::Value),
            ("object_id", &Ty::String, Pass::Str)
        ]
    );
    let query = get.query.as_ref().expect("query parameters");
    assert_eq!(query.fields[0].ty, option(named(generated, "SortOrder")));
    assert_eq!(query.fields[1].ty, option(Ty::DateTime));
    let pipeline = operation(generated, "get_pipeline");
    assert_eq!(pipeline.path_params[0].ty, named(generated, "Stage"));
    let query = pipeline.query.as_ref().expect("query parameters");
    assert_eq!(
        query.fields[0].style,
        QueryStyle::Exploded {
            template: "objectProperty.{propname}".to_owned()
        }
    );
    assert_eq!(query.fields[0].ty, option(map_of(Ty::Json)));
    assert_eq!(query.fields[1].ty, map_of(Ty::String));
}

#[test]
fn object_type_ids_and_operation_id_actions_give_the_expected_names() {
    assert_eq!(
        methods(generate("typeid")),
        [
            "get_page",
            "create",
            "get_by_id",
            "archive",
            "search",
            "get_notes"
        ]
    );
    // `get_event_templates` twice by the path rule: their operationIds' actions decide; the
    // handle's own `new` is not given away, while `metrics` (a method of the runtime's
    // `Client`, not of the handle) is an operation's name like any other.
    assert_eq!(
        methods(generate("timeline")),
        ["get_all", "get_by_id", "get_event", "metrics", "create_new"]
    );
}

mod end_to_end {
    //! The generated clients of the construct documents against a local server: what goes
    //! on the wire and how answers are read.

    use family::ClientExt;
    use wiremock::matchers::{body_string, header, method, path, query_param};
    use wiremock::{Mock, MockServer, Request, ResponseTemplate};

    async fn server() -> MockServer {
        MockServer::start().await
    }

    /// A client with a placeholder token, sending to `server`; `client(&server).uploads()`
    /// gives the handle of the module `uploads`.
    fn client(server: &MockServer) -> family::Client {
        family::Client::builder()
            .token("t")
            .base_url(&server.uri())
            .build()
            .expect("client")
    }

    #[tokio::test]
    async fn multipart_bodies_carry_text_and_file_parts() {
        use family::uploads::types::CrmV3ImportsRequest;
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/crm/v3/imports"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "9"})))
            .mount(&server)
            .await;
        let client = client(&server).uploads();
        let mut file = family::FilePart::new("orders.csv", b"id,total\n1,9.5\n".to_vec());
        file.content_type = Some("text/csv".to_owned());
        let mut body = CrmV3ImportsRequest::new(file);
        body.import_request = Some("{\"name\":\"x\"}".to_owned());
        let import = client.crm_v3_imports(&body).await.expect("imported");
        assert_eq!(import.id, "9");
        let requests = server.received_requests().await.expect("recorded");
        let request: &Request = &requests[0];
        let content_type = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            content_type.starts_with("multipart/form-data; boundary="),
            "{content_type}"
        );
        // Header names in the parts are case-insensitive.
        let text = String::from_utf8_lossy(&request.body).to_ascii_lowercase();
        assert!(
            text.contains("name=\"importrequest\"\r\n\r\n{\"name\":\"x\"}"),
            "{text}"
        );
        assert!(
            text.contains("name=\"files\"; filename=\"orders.csv\"\r\ncontent-type: text/csv\r\n\r\nid,total\n1,9.5\n"),
            "{text}"
        );
        assert!(
            !text.contains("name=\"notify\""),
            "a `None` part is left out: {text}"
        );
    }

    #[tokio::test]
    async fn multipart_bodies_are_sent_again_on_a_retry() {
        use family::uploads::types::FileUpload;
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/files/v3/files"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/files/v3/files"))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "3"})))
            .mount(&server)
            .await;
        let client = client(&server).uploads();
        let body = FileUpload::new()
            .with_file(family::FilePart::new("a.txt", b"hello".to_vec()))
            .with_folder_path("/in".to_owned());
        let stored = client
            .files_v3_files(Some(&body))
            .await
            .expect("stored after a retry");
        assert_eq!(stored.id, "3");
        let requests = server.received_requests().await.expect("recorded");
        assert_eq!(requests.len(), 2);
        for request in &requests {
            let text = String::from_utf8_lossy(&request.body);
            assert!(text.contains("hello") && text.contains("/in"), "{text}");
        }
    }

    #[tokio::test]
    async fn form_bodies_are_url_encoded() {
        use family::uploads::types::{GrantType, OauthV1TokenRequest};
        let server = server().await;
        Mock::given(method("POST"))
            .and(path("/oauth/v1/token"))
            .and(header("content-type", "application/x-www-form-urlencoded"))
            .and(body_string(
                "grant_type=refresh_token&refresh_token=r%2F1&scopes=a&scopes=b",
            ))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"access_token": "x", "expires_in": 1800})),
            )
            .mount(&server)
            .await;
        let client = client(&server).uploads();
        let mut body = OauthV1TokenRequest::new(GrantType::RefreshToken);
        body.refresh_token = Some("r/1".to_owned());
        body.scopes = Some(vec!["a".to_owned(), "b".to_owned()]);
        let token = client.oauth_v1_token(&body).await.expect("a token");
        assert_eq!(token.expires_in, 1800);
    }

    #[tokio::test]
    async fn text_and_bytes_answers_are_read_as_such_with_their_accept_header() {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/exports/5/csv"))
            .respond_with(ResponseTemplate::new(200).set_body_raw("a,b\n1,2\n", "text/csv"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/exports/5/sheet"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_raw(vec![0xD0, 0xCF, 0x11, 0xE0], "application/vnd.ms-excel"),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/exports/status"))
            .respond_with(
                ResponseTemplate::new(202).set_body_json(serde_json::json!({"percent": 40})),
            )
            .mount(&server)
            .await;
        let client = client(&server).exports();
        assert_eq!(client.get_csv(5).await.expect("csv"), "a,b\n1,2\n");
        let requests = server.received_requests().await.expect("recorded");
        let accept = requests[0]
            .headers
            .get("accept")
            .and_then(|v| v.to_str().ok());
        assert_eq!(accept, Some("text/csv, application/json"));
        assert_eq!(
            client.get_sheet(5).await.expect("sheet"),
            [0xD0, 0xCF, 0x11, 0xE0]
        );
        match client.status().await.expect("status") {
            family::exports::operations::StatusResponse::Accepted(progress) => {
                assert_eq!(progress.percent, Some(40));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_default_only_operation_succeeds_on_any_2xx_and_fails_otherwise() {
        let server = server().await;
        let setting = serde_json::json!({"name": "tz", "value": "UTC"});
        Mock::given(method("GET"))
            .and(path("/settings/v1/tz"))
            .respond_with(ResponseTemplate::new(203).set_body_json(&setting))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/settings/v1/nope"))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(serde_json::json!({"message": "no"})),
            )
            .mount(&server)
            .await;
        let client = client(&server).defaults();
        let got = client.get_by_id("tz").await.expect("any 2xx is the answer");
        assert_eq!(got.value, "UTC");
        match client.get_by_id("nope").await {
            Err(family::Error::Api(error)) => assert_eq!(error.status().as_u16(), 404),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn enum_paths_date_times_and_object_queries_go_out_as_the_server_reads_them() {
        use family::params::operations::{GetObjectParams, GetPipelineParams};
        use family::params::types::{ObjectType, SortOrder, Stage};
        let server = server().await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/companies/42"))
            .and(query_param("sort", "DESCENDING"))
            .and(query_param("since", "2026-11-29T10:00:00Z"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "42"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/pipelines/won"))
            .and(query_param("objectProperty.color", "red"))
            .and(query_param("objectProperty.size", "3"))
            .and(query_param("region", "emea"))
            .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"total": 1})))
            .mount(&server)
            .await;
        let client = client(&server).params();
        let since = "2026-11-29T10:00:00Z".parse().expect("a date-time");
        let params = GetObjectParams::new()
            .with_sort(SortOrder::Descending)
            .with_since(since);
        let got = client
            .get_object(ObjectType::Companies, "42", &params)
            .await
            .expect("matched: the enum in the path, RFC 3339 in the query");
        assert_eq!(got.id.as_deref(), Some("42"));
        let params = GetPipelineParams::new(std::collections::BTreeMap::from([(
            "region".to_owned(),
            "emea".to_owned(),
        )]))
        .with_object_property_propname(std::collections::BTreeMap::from([
            ("color".to_owned(), serde_json::json!("red")),
            ("size".to_owned(), serde_json::json!(3)),
        ]));
        let got = client
            .get_pipeline(Stage::Won, &params)
            .await
            .expect("matched: one key an entry");
        assert_eq!(got.total, Some(1));
    }

    /// `metrics` is an operation of the timeline handle, sent as such, while the client keeps
    /// its own `metrics`: the handle has no method of that name that could shadow it.
    #[tokio::test]
    async fn an_operation_may_share_a_name_with_a_client_method() {
        let server = server().await;
        Mock::given(method("GET"))
            .and(path("/integrators/timeline/v3/metrics"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/integrators/timeline/v3/new"))
            .respond_with(ResponseTemplate::new(200))
            .expect(1)
            .mount(&server)
            .await;
        let client = client(&server);
        let timeline = client.timeline();
        timeline.metrics().await.expect("the operation `metrics`");
        timeline
            .create_new()
            .await
            .expect("the operation `create_new`");
        let requests = server.received_requests().await.expect("recorded");
        assert_eq!(requests.len(), 2);
        assert_eq!(
            client.metrics().requests,
            2,
            "the handle shares the client's counters"
        );
    }
}
