//! End-to-end tests of the generated client (`hubspot-orders`) against a local HTTP server
//! (`wiremock` on 127.0.0.1).
//!
//! Each test checks both sides: what the client sent (method, path, query, `Authorization`
//! header, JSON body), asserted on the requests the server recorded as well as through the
//! mock's matchers, and what the client made of the answer.
//!
//! A canned answer that drifts from the document would make these tests pass against a HubSpot
//! that does not exist. So every test whose canned answer stands for a real HubSpot answer talks
//! to the double through Stoplight Prism's validating proxy ([`Prism::proxy`] with `--errors`,
//! see `workspace_tests::prism`): Prism checks the client's request against the document (a
//! violation gets Prism's 422 and never reaches the double) and the canned answer too (a
//! violation becomes Prism's 500 `…#VIOLATIONS`, see
//! `drifted_canned_answer_is_caught_by_the_proxy`). Those tests share one double and one proxy
//! ([`proxied`]), as each Prism start costs seconds of CPU; their scoped mocks match disjoint
//! requests (own path, query or body), so tests running in parallel cannot answer each other.
//! What the double records is what Prism forwarded: the client's method, raw path and headers,
//! but the JSON body and the query re-serialized from what Prism parsed, so the tests compare
//! those as values. The few tests that serve an answer off the document on purpose talk to a
//! double of their own directly, and say why.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hubspot_orders::orders::operations::{BatchUpsertResponse, GetByIdParams, GetPageParams};
use hubspot_orders::orders::types::{
    BatchInputSimplePublicObjectBatchInputUpsert, BatchInputSimplePublicObjectId,
    SimplePublicObjectBatchInputUpsert, SimplePublicObjectId, Status,
};
use hubspot_orders::{Client, ClientExt, Error, ErrorBody};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockGuard, MockServer, Request, ResponseTemplate};
use workspace_tests::prism::Prism;

const TOKEN: &str = "pat-na1-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const BEARER: &str = "Bearer pat-na1-0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const BATCH_UPSERT: &str = "/crm/v3/objects/orders/batch/upsert";

/// The test double all proxied tests share, and the validating proxy in front of it.
struct Proxied {
    server: MockServer,
    prism: Prism,
}

impl Proxied {
    /// Mounts `mock` on the shared double until the returned guard drops, which also checks
    /// the mock's `expect`. Give every mock matchers no other test's request can satisfy.
    async fn mount(&self, mock: Mock) -> MockGuard {
        self.server.register_as_scoped(mock).await
    }

    /// A client whose requests go through the proxy.
    fn client(&self) -> Client {
        client(&self.prism.base_url())
    }

    /// Why a call through the proxy failed: the error, the violations Prism found (its
    /// `sl-violations` header) and Prism's recent log.
    fn explain<E: std::fmt::Debug>(&self, error: &Error<E>) -> String {
        let violations = error
            .api()
            .and_then(|api| api.headers().get("sl-violations"))
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default();
        format!(
            "{error}\nviolations: {violations}\nPrism's log:\n{}",
            self.prism.output()
        )
    }
}

/// The shared double and proxy, started by the first test that asks.
fn proxied() -> &'static Proxied {
    static SHARED: OnceLock<Result<Proxied, String>> = OnceLock::new();
    let shared = SHARED.get_or_init(|| {
        // On a thread of its own: the caller is inside its test's runtime, which cannot block
        // on another future. wiremock serves from a thread and runtime of its own, so the
        // double outlives this runtime (and is never dropped, so its mocks are never checked
        // as a whole: each test's scoped mocks are).
        std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot build a runtime for the double: {e}"))?;
            let server = runtime.block_on(MockServer::builder().start());
            let spec = workspace_tests::prism::workspace_root()
                .join("spec")
                .join("orders.yaml");
            let prism = Prism::proxy(&spec, &server.uri())?;
            Ok(Proxied { server, prism })
        })
        .join()
        .unwrap_or_else(|_| Err("starting the double and its proxy panicked".to_owned()))
    });
    shared.as_ref().unwrap_or_else(|e| panic!("{e}"))
}

fn client(base_url: &str) -> Client {
    Client::builder()
        .token(TOKEN)
        .base_url(base_url)
        .max_retries(0)
        .build()
        .expect("the client builds")
}

/// The one request among `requests` (all a server received, or all a scoped mock matched).
fn only_request(mut requests: Vec<Request>) -> Request {
    assert_eq!(requests.len(), 1, "exactly one request: {requests:?}");
    requests.remove(0)
}

/// Every request a double of a test's own received.
async fn all_requests(server: &MockServer) -> Vec<Request> {
    server
        .received_requests()
        .await
        .expect("wiremock records requests")
}

fn header_value<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers
        .get(name)
        .map(|value| value.to_str().expect("an ASCII header value"))
}

/// Asserts method, raw (percent-encoded) path and bearer authentication of `request`.
fn assert_request(request: &Request, expected_method: &str, expected_path: &str) {
    assert_eq!(request.method.as_str(), expected_method);
    assert_eq!(request.url.path(), expected_path);
    assert_eq!(header_value(request, "authorization"), Some(BEARER));
}

/// Asserts the request carries `expected` as a JSON body.
fn assert_json_body(request: &Request, expected: &Value) {
    assert_eq!(
        header_value(request, "content-type"),
        Some("application/json")
    );
    let sent: Value = serde_json::from_slice(&request.body).expect("the body is JSON");
    assert_eq!(&sent, expected);
}

fn query_pairs(request: &Request) -> Vec<(String, String)> {
    request
        .url
        .query_pairs()
        .map(|(key, value)| (key.into_owned(), value.into_owned()))
        .collect()
}

/// The upsert body the batch upsert tests send, and its JSON form. `trace` is the first input's
/// `objectWriteTraceId`: each test on the shared double uses its own, so that its mock matches
/// only its own request.
fn upsert_body(trace: &str) -> (BatchInputSimplePublicObjectBatchInputUpsert, Value) {
    let properties = |name: &str, price: &str| -> BTreeMap<String, String> {
        [
            ("hs_order_name".to_owned(), name.to_owned()),
            ("hs_total_price".to_owned(), price.to_owned()),
        ]
        .into_iter()
        .collect()
    };
    let body = BatchInputSimplePublicObjectBatchInputUpsert::new(vec![
        SimplePublicObjectBatchInputUpsert::new(
            "shop-1001".to_owned(),
            properties("Order 1001", "149.90"),
        )
        .with_id_property("hs_external_order_id".to_owned())
        .with_object_write_trace_id(trace.to_owned()),
        SimplePublicObjectBatchInputUpsert::new(
            "shop-1002".to_owned(),
            properties("Order 1002", "20.00"),
        )
        .with_id_property("hs_external_order_id".to_owned()),
    ]);
    let json = json!({
        "inputs": [
            {
                "id": "shop-1001",
                "idProperty": "hs_external_order_id",
                "objectWriteTraceId": trace,
                "properties": {"hs_order_name": "Order 1001", "hs_total_price": "149.90"}
            },
            {
                "id": "shop-1002",
                "idProperty": "hs_external_order_id",
                "properties": {"hs_order_name": "Order 1002", "hs_total_price": "20.00"}
            }
        ]
    });
    (body, json)
}

/// A batch upsert mock that only answers one request with the right method, path, token and
/// body.
fn upsert_mock(expected_body: &Value, answer: ResponseTemplate) -> Mock {
    Mock::given(method("POST"))
        .and(path(BATCH_UPSERT))
        .and(header("authorization", BEARER))
        .and(header("content-type", "application/json"))
        .and(body_json(expected_body))
        .respond_with(answer)
        .expect(1)
}

/// One upserted order as HubSpot returns it. No property is `null` here, as the document types
/// property values as plain strings: see `null_property_values_decode_as_none`.
fn upsert_result(id: &str, new: bool, trace: Option<&str>) -> Value {
    let mut result = json!({
        "id": id,
        "properties": {
            "hs_createdate": "2024-05-14T10:20:30.123Z",
            "hs_lastmodifieddate": "2024-05-14T10:20:31.456Z",
            "hs_object_id": id,
            "hs_order_name": "Order 1001",
            "hs_total_price": "149.90"
        },
        "createdAt": "2024-05-14T10:20:30.123Z",
        "updatedAt": "2024-05-14T10:20:31.456Z",
        "archived": false,
        "new": new
    });
    if let Some(trace) = trace {
        result["objectWriteTraceId"] = json!(trace);
    }
    result
}

#[tokio::test]
async fn batch_upsert_200_decodes_every_field() {
    let proxied = proxied();
    let (body, body_json_value) = upsert_body("trace-200");
    let answer = json!({
        "status": "COMPLETE",
        "results": [
            upsert_result("395720951", true, Some("trace-200")),
            upsert_result("395720952", false, None)
        ],
        "requestedAt": "2024-05-14T10:20:29.900Z",
        "startedAt": "2024-05-14T10:20:30.001Z",
        "completedAt": "2024-05-14T10:20:31.789Z",
        "links": {}
    });
    let mock = proxied
        .mount(upsert_mock(
            &body_json_value,
            ResponseTemplate::new(200).set_body_json(&answer),
        ))
        .await;

    let response = proxied
        .client()
        .orders()
        .batch_upsert(&body)
        .await
        .unwrap_or_else(|e| panic!("a 200 decodes: {}", proxied.explain(&e)));
    assert_eq!(response.status(), 200);
    let BatchUpsertResponse::Ok(done) = response else {
        panic!("expected Ok, got {response:?}");
    };
    assert_eq!(done.status, Status::Complete);
    assert_eq!(
        done.completed_at.to_rfc3339(),
        "2024-05-14T10:20:31.789+00:00"
    );
    assert_eq!(
        done.started_at.to_rfc3339(),
        "2024-05-14T10:20:30.001+00:00"
    );
    assert_eq!(
        done.requested_at.map(|at| at.to_rfc3339()).as_deref(),
        Some("2024-05-14T10:20:29.900+00:00")
    );
    assert_eq!(done.links, Some(BTreeMap::new()));
    assert_eq!(done.results.len(), 2);

    let created = &done.results[0];
    assert_eq!(created.id, "395720951");
    assert!(created.new);
    assert!(!created.archived);
    assert_eq!(created.archived_at, None);
    assert_eq!(created.object_write_trace_id.as_deref(), Some("trace-200"));
    assert_eq!(created.created_at.timestamp_millis(), 1_715_682_030_123);
    assert_eq!(created.updated_at.timestamp_millis(), 1_715_682_031_456);
    assert_eq!(created.properties.len(), 5);
    assert_eq!(
        created.properties.get("hs_order_name"),
        Some(&Some("Order 1001".to_owned()))
    );
    assert_eq!(
        created.properties.get("hs_object_id"),
        Some(&Some("395720951".to_owned()))
    );

    let updated = &done.results[1];
    assert_eq!(updated.id, "395720952");
    assert!(!updated.new);
    assert_eq!(updated.object_write_trace_id, None);

    let request = only_request(mock.received_requests().await);
    assert_request(&request, "POST", BATCH_UPSERT);
    assert_eq!(request.url.query(), None);
    assert_json_body(&request, &body_json_value);
}

#[tokio::test]
async fn batch_upsert_207_keeps_the_errors() {
    let proxied = proxied();
    let (body, body_json_value) = upsert_body("trace-207");
    let answer = json!({
        "status": "COMPLETE",
        "results": [upsert_result("395720951", true, Some("trace-207"))],
        "numErrors": 1,
        "errors": [{
            "status": "error",
            "category": "VALIDATION_ERROR",
            "message": "Property values were not valid: hs_total_price must be a number",
            "context": {"ids": ["shop-1002"]},
            "errors": [],
            "links": {}
        }],
        "startedAt": "2024-05-14T10:20:30.001Z",
        "completedAt": "2024-05-14T10:20:31.789Z"
    });
    let mock = proxied
        .mount(upsert_mock(
            &body_json_value,
            ResponseTemplate::new(207).set_body_json(&answer),
        ))
        .await;

    let response = proxied
        .client()
        .orders()
        .batch_upsert(&body)
        .await
        .unwrap_or_else(|e| panic!("a 207 decodes: {}", proxied.explain(&e)));
    assert_eq!(response.status(), 207);
    let BatchUpsertResponse::MultiStatus(partial) = response else {
        panic!("expected MultiStatus, got {response:?}");
    };
    assert_eq!(partial.status, Status::Complete);
    assert_eq!(partial.num_errors, Some(1));
    assert_eq!(partial.results.len(), 1);
    assert_eq!(partial.results[0].id, "395720951");
    assert!(partial.results[0].new);
    assert_eq!(
        partial.results[0].properties.get("hs_total_price"),
        Some(&Some("149.90".to_owned()))
    );

    let errors = partial.errors.as_deref().expect("the 207 has errors");
    assert_eq!(errors.len(), 1);
    let error = &errors[0];
    assert_eq!(error.status.as_deref(), Some("error"));
    assert_eq!(error.category.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(
        error.message.as_deref(),
        Some("Property values were not valid: hs_total_price must be a number")
    );
    let context = error.context.as_ref().expect("the error has a context");
    assert_eq!(context["ids"], vec!["shop-1002".to_owned()]);
    assert_eq!(error.errors.as_deref(), Some(&[][..]));
    assert_eq!(error.links, Some(BTreeMap::new()));

    let request = only_request(mock.received_requests().await);
    assert_request(&request, "POST", BATCH_UPSERT);
    assert_json_body(&request, &body_json_value);
}

#[tokio::test]
async fn batch_upsert_400_decodes_the_error_body() {
    let proxied = proxied();
    let (body, body_json_value) = upsert_body("trace-400");
    let correlation_id = "4a0b3f36-1c4e-4b52-9f0e-2d5c7c0e8a11";
    let answer = json!({
        "status": "error",
        "message": "Duplicate IDs found in batch input: [shop-1001]. IDs must be unique",
        "correlationId": correlation_id,
        "category": "VALIDATION_ERROR",
        "context": {"ids": ["shop-1001"]},
        "errors": [{
            "message": "id shop-1001 appears more than once",
            "in": "inputs[1].id",
            "code": "DUPLICATE_ID"
        }],
        "links": {}
    });
    let mock = proxied
        .mount(upsert_mock(
            &body_json_value,
            ResponseTemplate::new(400).set_body_json(&answer),
        ))
        .await;

    let error = proxied
        .client()
        .orders()
        .batch_upsert(&body)
        .await
        .expect_err("a 400 is an error");
    assert_eq!(
        error.status().map(|status| status.as_u16()),
        Some(400),
        "{}",
        proxied.explain(&error)
    );
    let Error::Api(api) = &error else {
        panic!("expected Error::Api, got {error:?}");
    };
    assert_eq!(api.status().as_u16(), 400);
    assert_eq!(api.method().as_str(), "POST");
    assert_eq!(api.path(), BATCH_UPSERT);
    assert_eq!(api.correlation_id(), Some(correlation_id));
    let ErrorBody::Decoded(decoded) = api.body() else {
        panic!("expected a decoded body, got {:?}", api.body());
    };
    assert_eq!(decoded.category.as_deref(), Some("VALIDATION_ERROR"));
    assert_eq!(
        decoded.message.as_deref(),
        Some("Duplicate IDs found in batch input: [shop-1001]. IDs must be unique")
    );
    assert_eq!(decoded.correlation_id.as_deref(), Some(correlation_id));
    assert_eq!(
        decoded.context.as_ref().map(|context| &context["ids"]),
        Some(&vec!["shop-1001".to_owned()])
    );
    let details = decoded.errors.as_deref().expect("error details");
    assert_eq!(details.len(), 1);
    assert_eq!(
        details[0].message.as_deref(),
        Some("id shop-1001 appears more than once")
    );
    assert_eq!(details[0].r#in.as_deref(), Some("inputs[1].id"));
    assert_eq!(details[0].code.as_deref(), Some("DUPLICATE_ID"));
    let display = error.to_string();
    assert!(display.contains("400"), "{display}");
    assert!(display.contains("Duplicate IDs found"), "{display}");
    assert!(display.contains(correlation_id), "{display}");

    let request = only_request(mock.received_requests().await);
    assert_request(&request, "POST", BATCH_UPSERT);
    assert_json_body(&request, &body_json_value);
}

/// The guard itself: a canned answer that drifts from the document (a batch upsert result
/// without its required `id`) never reaches the client as a success. The proxy replaces it with
/// its own 500 naming the violation.
#[tokio::test]
async fn drifted_canned_answer_is_caught_by_the_proxy() {
    let proxied = proxied();
    let (body, body_json_value) = upsert_body("trace-drift");
    let mut result = upsert_result("395720951", true, Some("trace-drift"));
    result.as_object_mut().expect("an object").remove("id");
    let drifted = json!({
        "status": "COMPLETE",
        "results": [result],
        "startedAt": "2024-05-14T10:20:30.001Z",
        "completedAt": "2024-05-14T10:20:31.789Z"
    });
    let mock = proxied
        .mount(upsert_mock(
            &body_json_value,
            ResponseTemplate::new(200).set_body_json(&drifted),
        ))
        .await;

    let error = proxied
        .client()
        .orders()
        .batch_upsert(&body)
        .await
        .expect_err("a drifted answer is no success");
    let Error::Api(api) = &error else {
        panic!(
            "expected Error::Api, got {error:?}: {}",
            proxied.explain(&error)
        );
    };
    assert_eq!(api.status().as_u16(), 500, "{}", proxied.explain(&error));
    let header = |name: &str| {
        api.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    };
    assert_eq!(header("content-type"), "application/problem+json");
    // Prism's problem body, with the violations also listed in `sl-violations`.
    let raw = match api.body() {
        ErrorBody::Raw(text) => text.clone(),
        ErrorBody::Decoded(decoded) => serde_json::to_string(decoded).expect("serializes"),
    };
    let violations: Value =
        serde_json::from_str(header("sl-violations")).expect("sl-violations is JSON");
    let violations = violations.as_array().expect("a list of violations");
    assert!(
        violations.iter().any(|violation| {
            violation["location"] == json!(["response", "body", "results", "0"])
                && violation["code"] == "required"
                && violation["message"]
                    .as_str()
                    .is_some_and(|message| message.contains("'id'"))
        }),
        "{violations:?} (body {raw})"
    );

    // The double did answer: the proxy, not a missing mock, made the 500.
    let request = only_request(mock.received_requests().await);
    assert_request(&request, "POST", BATCH_UPSERT);
    assert_json_body(&request, &body_json_value);
}

/// Straight to the double, not through the proxy: the document's `Error` requires `category`
/// and `correlationId`, so Prism would replace this (real, but off-document) body with its 500.
#[tokio::test]
async fn batch_upsert_400_with_a_partial_error_body_still_decodes() {
    let server = MockServer::start().await;
    let (body, body_json_value) = upsert_body("trace-1");
    // HubSpot says to treat every error field as optional: no category, no correlationId.
    upsert_mock(
        &body_json_value,
        ResponseTemplate::new(400).set_body_json(json!({"message": "Invalid input JSON"})),
    )
    .mount(&server)
    .await;

    let error = client(&server.uri())
        .orders()
        .batch_upsert(&body)
        .await
        .expect_err("a 400 is an error");
    let Error::Api(api) = &error else {
        panic!("expected Error::Api, got {error:?}");
    };
    assert_eq!(api.status().as_u16(), 400);
    let decoded = api.body().decoded().expect("the partial body decodes");
    assert_eq!(decoded.message.as_deref(), Some("Invalid input JSON"));
    assert_eq!(decoded.category, None);
    assert_eq!(decoded.correlation_id, None);
    assert_eq!(api.correlation_id(), None);

    let request = only_request(all_requests(&server).await);
    assert_request(&request, "POST", BATCH_UPSERT);
    assert_json_body(&request, &body_json_value);
}

/// Straight to the double, not through the proxy: the document declares error bodies as JSON
/// of the `Error` schema, so Prism would replace this HTML page (as a gateway in front of
/// HubSpot may send it) with its own 500.
#[tokio::test]
async fn batch_upsert_500_keeps_a_non_json_body_raw() {
    let server = MockServer::start().await;
    let (body, body_json_value) = upsert_body("trace-1");
    let html = "<html>upstream error</html>";
    upsert_mock(
        &body_json_value,
        ResponseTemplate::new(500).set_body_raw(html, "text/html"),
    )
    .mount(&server)
    .await;

    let error = client(&server.uri())
        .orders()
        .batch_upsert(&body)
        .await
        .expect_err("a 500 is an error");
    assert_eq!(error.status().map(|status| status.as_u16()), Some(500));
    let Error::Api(api) = &error else {
        panic!("expected Error::Api, got {error:?}");
    };
    assert_eq!(api.status().as_u16(), 500);
    assert_eq!(api.body(), &ErrorBody::Raw(html.to_owned()));
    assert_eq!(api.message(), None);
    let display = error.to_string();
    assert!(display.contains("500"), "{display}");
    assert!(display.contains(html), "{display}");

    // Not retried: a 500 is no 429.
    let request = only_request(all_requests(&server).await);
    assert_request(&request, "POST", BATCH_UPSERT);
    assert_json_body(&request, &body_json_value);
}

#[tokio::test]
async fn get_page_sends_arrays_as_repeated_keys() {
    let proxied = proxied();
    let answer = json!({
        "results": [{
            "id": "395720951",
            "properties": {"a": "1", "b": "", "hs_object_id": "395720951"},
            "createdAt": "2024-05-14T10:20:30.123Z",
            "updatedAt": "2024-05-14T10:20:31.456Z",
            "archived": false,
            "associations": {
                "contacts": {"results": [{"id": "201", "type": "order_to_contact"}]}
            }
        }],
        "paging": {
            "next": {
                "after": "NTI1Cg%3D%3D",
                "link": "https://api.hubapi.com/crm/v3/objects/orders?after=NTI1Cg%3D%3D"
            }
        }
    });
    let mock = proxied
        .mount(
            Mock::given(method("GET"))
                .and(path("/crm/v3/objects/orders"))
                .and(header("authorization", BEARER))
                .and(query_param("limit", "2"))
                .and(query_param("archived", "false"))
                .and(query_param("after", "cursor"))
                .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
                .expect(1),
        )
        .await;

    let params = GetPageParams::new()
        .with_after("cursor".to_owned())
        .with_archived(false)
        .with_associations(vec!["contacts".to_owned(), "line_items".to_owned()])
        .with_limit(2)
        .with_properties(vec!["a".to_owned(), "b".to_owned()]);
    let page = proxied
        .client()
        .orders()
        .get_page(&params)
        .await
        .unwrap_or_else(|e| panic!("the page decodes: {}", proxied.explain(&e)));
    assert_eq!(page.results.len(), 1);
    let order = &page.results[0];
    assert_eq!(order.id, "395720951");
    assert_eq!(order.properties.get("a"), Some(&Some("1".to_owned())));
    assert_eq!(order.properties.get("b"), Some(&Some(String::new())));
    let contacts = &order.associations.as_ref().expect("associations")["contacts"];
    assert_eq!(contacts.results.len(), 1);
    assert_eq!(contacts.results[0].id, "201");
    assert_eq!(contacts.results[0].r#type, "order_to_contact");
    let next = page
        .paging
        .as_ref()
        .and_then(|paging| paging.next.as_ref())
        .expect("a next page");
    assert_eq!(next.after, "NTI1Cg%3D%3D");
    assert_eq!(
        next.link.as_deref(),
        Some("https://api.hubapi.com/crm/v3/objects/orders?after=NTI1Cg%3D%3D")
    );

    // Through the proxy, the double receives Prism's re-serialization of the client's query:
    // Prism parses it by the document's form + explode style (answering 422 if it breaks the
    // document) and forwards the parsed values, each key's together and in order. So these are
    // the values the document reads from what the client sent.
    let request = only_request(mock.received_requests().await);
    assert_request(&request, "GET", "/crm/v3/objects/orders");
    assert!(request.body.is_empty(), "a GET has no body");
    let pairs = query_pairs(&request);
    let values = |key: &str| -> Vec<&str> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    // form + explode: one `key=value` pair per element, in the slice's order.
    assert_eq!(values("associations"), ["contacts", "line_items"]);
    assert_eq!(values("properties"), ["a", "b"]);
    assert_eq!(values("limit"), ["2"]);
    assert_eq!(values("archived"), ["false"]);
    assert_eq!(values("after"), ["cursor"]);
    // Nothing else: no `propertiesWithHistory=`, no comma-joined or bracketed forms.
    assert_eq!(pairs.len(), 7, "{pairs:?}");
    let raw = request.url.query().expect("a query");
    assert!(
        raw.contains("associations=contacts&associations=line_items"),
        "{raw}"
    );
    assert!(raw.contains("properties=a&properties=b"), "{raw}");
    assert!(
        !raw.contains("%2C") && !raw.contains(',') && !raw.contains('['),
        "{raw}"
    );
}

#[tokio::test]
async fn get_by_id_percent_encodes_the_path_parameter() {
    let proxied = proxied();
    let encoded = "/crm/v3/objects/orders/a%2Fb%20c%3F%23%25%C3%A9";
    let answer = json!({
        "id": "395720951",
        "properties": {"hs_external_order_id": "a/b c?#%é", "hs_order_name": "Order 1001"},
        "createdAt": "2024-05-14T10:20:30.123Z",
        "updatedAt": "2024-05-14T10:20:31.456Z",
        "archived": false
    });
    let mock = proxied
        .mount(
            Mock::given(method("GET"))
                .and(path(encoded))
                .and(header("authorization", BEARER))
                .and(query_param("idProperty", "hs_external_order_id"))
                .respond_with(ResponseTemplate::new(200).set_body_json(&answer))
                .expect(1),
        )
        .await;

    let params = GetByIdParams::new().with_id_property("hs_external_order_id".to_owned());
    let order = proxied
        .client()
        .orders()
        .get_by_id("a/b c?#%é", &params)
        .await
        .unwrap_or_else(|e| panic!("the order decodes: {}", proxied.explain(&e)));
    assert_eq!(order.id, "395720951");
    assert_eq!(
        order.properties.get("hs_external_order_id"),
        Some(&Some("a/b c?#%é".to_owned()))
    );
    assert_eq!(
        order.properties.get("hs_order_name"),
        Some(&Some("Order 1001".to_owned()))
    );
    assert_eq!(order.associations, None);
    assert_eq!(order.created_at.timestamp_millis(), 1_715_682_030_123);

    let request = only_request(mock.received_requests().await);
    // The raw path as sent: one segment, nothing of the id read as a separator.
    assert_request(&request, "GET", encoded);
    assert_eq!(request.url.query(), Some("idProperty=hs_external_order_id"));
    assert_eq!(request.url.fragment(), None);
}

#[tokio::test]
async fn batch_archive_204_is_unit() {
    let proxied = proxied();
    let expected_body = json!({"inputs": [{"id": "1"}, {"id": "2"}]});
    let mock = proxied
        .mount(
            Mock::given(method("POST"))
                .and(path("/crm/v3/objects/orders/batch/archive"))
                .and(header("authorization", BEARER))
                .and(body_json(&expected_body))
                .respond_with(ResponseTemplate::new(204))
                .expect(1),
        )
        .await;

    let body = BatchInputSimplePublicObjectId::new(vec![
        SimplePublicObjectId::new("1".to_owned()),
        SimplePublicObjectId::new("2".to_owned()),
    ]);
    let result = proxied.client().orders().batch_archive(&body).await;
    if let Err(error) = &result {
        panic!("a 204 is unit: {}", proxied.explain(error));
    }

    let request = only_request(mock.received_requests().await);
    assert_request(&request, "POST", "/crm/v3/objects/orders/batch/archive");
    assert_eq!(request.url.query(), None);
    assert_json_body(&request, &expected_body);
}

/// Straight to the double, not through the proxy: HubSpot sends `null` for a requested property
/// without a value, and the document's own descriptions say so, but its schemas type property
/// values as plain strings (no `nullable: true`), so Prism flags every such answer. The client
/// decodes them anyway (map values of responses are `Option`), in each of the three record types.
#[tokio::test]
async fn null_property_values_decode_as_none() {
    let server = MockServer::start().await;
    let (body, body_json_value) = upsert_body("trace-1");
    let mut result = upsert_result("395720951", true, None);
    result["properties"]["hs_shipping_tracking_number"] = Value::Null;
    let answer = json!({
        "status": "COMPLETE",
        "results": [result],
        "startedAt": "2024-05-14T10:20:30.001Z",
        "completedAt": "2024-05-14T10:20:31.789Z"
    });
    upsert_mock(
        &body_json_value,
        ResponseTemplate::new(200).set_body_json(&answer),
    )
    .mount(&server)
    .await;
    let order = json!({
        "id": "395720951",
        "properties": {"hs_order_name": null, "hs_object_id": "395720951"},
        "createdAt": "2024-05-14T10:20:30.123Z",
        "updatedAt": "2024-05-14T10:20:31.456Z",
        "archived": false
    });
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/orders/395720951"))
        .and(header("authorization", BEARER))
        .respond_with(ResponseTemplate::new(200).set_body_json(&order))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/orders"))
        .and(header("authorization", BEARER))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"results": [order]})))
        .expect(1)
        .mount(&server)
        .await;
    let client = client(&server.uri());

    let response = client
        .orders()
        .batch_upsert(&body)
        .await
        .expect("a null property decodes");
    let BatchUpsertResponse::Ok(done) = response else {
        panic!("expected Ok, got {response:?}");
    };
    // `null` is kept as a present key with no value, not dropped and not an error.
    let properties = &done.results[0].properties;
    assert_eq!(properties.len(), 6);
    assert_eq!(properties.get("hs_shipping_tracking_number"), Some(&None));
    assert_eq!(
        properties.get("hs_total_price"),
        Some(&Some("149.90".to_owned()))
    );

    let order = client
        .orders()
        .get_by_id("395720951", &GetByIdParams::default())
        .await
        .expect("a null property decodes");
    assert_eq!(order.properties.get("hs_order_name"), Some(&None));
    assert_eq!(
        order.properties.get("hs_object_id"),
        Some(&Some("395720951".to_owned()))
    );

    let page = client
        .orders()
        .get_page(&GetPageParams::default())
        .await
        .expect("a null property decodes");
    assert_eq!(page.results[0].properties.get("hs_order_name"), Some(&None));

    assert_eq!(all_requests(&server).await.len(), 3);
}

/// Straight to the double, not through the proxy: the document's `status` enum is closed, so
/// Prism would flag `QUEUED`; the point is that the client survives a value HubSpot adds later.
#[tokio::test]
async fn unknown_enum_value_is_kept_and_written_back() {
    let server = MockServer::start().await;
    let (body, body_json_value) = upsert_body("trace-1");
    let answer = json!({
        "status": "QUEUED",
        "results": [upsert_result("395720951", true, None)],
        "startedAt": "2024-05-14T10:20:30.001Z",
        "completedAt": "2024-05-14T10:20:31.789Z"
    });
    upsert_mock(
        &body_json_value,
        ResponseTemplate::new(200).set_body_json(&answer),
    )
    .mount(&server)
    .await;

    let response = client(&server.uri())
        .orders()
        .batch_upsert(&body)
        .await
        .expect("an unknown status value decodes");
    let BatchUpsertResponse::Ok(done) = response else {
        panic!("expected Ok, got {response:?}");
    };
    assert_eq!(done.status, Status::Unknown("QUEUED".to_owned()));
    assert_eq!(done.status.as_str(), "QUEUED");
    assert_eq!(
        serde_json::to_value(&done.status).expect("serializes"),
        json!("QUEUED")
    );
    let written = serde_json::to_value(&done).expect("serializes");
    assert_eq!(written["status"], json!("QUEUED"));
    // Known values still map to their variants.
    assert_eq!(
        serde_json::from_value::<Status>(json!("PROCESSING")).expect("decodes"),
        Status::Processing
    );

    let request = only_request(all_requests(&server).await);
    assert_request(&request, "POST", BATCH_UPSERT);
}

/// Straight to the double, not through the proxy: a mistyped `results` breaks the document on
/// purpose, and Prism would replace it with its 500 before the client could fail to decode it.
#[tokio::test]
async fn mismatched_success_body_names_the_bad_field() {
    let server = MockServer::start().await;
    let (body, body_json_value) = upsert_body("trace-1");
    let answer = json!({
        "status": "COMPLETE",
        "results": "not a list",
        "startedAt": "2024-05-14T10:20:30.001Z",
        "completedAt": "2024-05-14T10:20:31.789Z"
    });
    upsert_mock(
        &body_json_value,
        ResponseTemplate::new(200).set_body_json(&answer),
    )
    .mount(&server)
    .await;

    let error = client(&server.uri())
        .orders()
        .batch_upsert(&body)
        .await
        .expect_err("a mistyped field fails to decode");
    let Error::Decode(decode) = &error else {
        panic!("expected Error::Decode, got {error:?}");
    };
    assert_eq!(decode.path(), "results");
    assert_eq!(decode.status().as_u16(), 200);
    assert_eq!(decode.method().as_str(), "POST");
    assert_eq!(decode.request_path(), BATCH_UPSERT);
    assert!(decode.body_snippet().contains("not a list"));
    let display = error.to_string();
    assert!(display.contains("`results`"), "{display}");

    let request = only_request(all_requests(&server).await);
    assert_request(&request, "POST", BATCH_UPSERT);
}

/// Straight to the double, not through the proxy: the `{"id": 7}` answer (a number where the
/// document has a string, and required fields missing) is off the document on purpose, to get a
/// decode error.
#[tokio::test]
async fn token_never_shows_in_debug_or_errors() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/crm/v3/objects/orders/42"))
        .and(header("authorization", BEARER))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "status": "error",
            "message": "Authentication credentials not found.",
            "correlationId": "0d3c2b1a-aaaa-bbbb-cccc-000000000001",
            "category": "INVALID_AUTHENTICATION"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/orders/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 7})))
        .expect(1)
        .mount(&server)
        .await;

    let client = client(&server.uri());
    let debug = format!("{client:?} {client:#?}");
    assert!(!debug.contains(TOKEN), "{debug}");
    assert!(debug.contains(&server.uri()), "{debug}");

    let api_error = client
        .orders()
        .archive("42")
        .await
        .expect_err("a 401 is an error");
    assert_eq!(api_error.status().map(|status| status.as_u16()), Some(401));
    let decode_error = client
        .orders()
        .get_by_id("7", &GetByIdParams::default())
        .await
        .expect_err("a numeric id fails to decode");
    assert!(matches!(decode_error, Error::Decode(_)), "{decode_error:?}");
    for error in [&api_error, &decode_error] {
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
    }

    // The token was sent, so its absence above means something.
    let requests = all_requests(&server).await;
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(header_value(request, "authorization"), Some(BEARER));
    }
}
