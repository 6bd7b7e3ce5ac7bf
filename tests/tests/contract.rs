//! Contract suite: checks our requests, our test doubles and our decoding against Stoplight Prism,
//! a validator of OpenAPI documents that nobody here wrote (see `workspace_tests::prism` for the
//! harness and the exact answers Prism gives).
//!
//! - Raw HTTP calls to `prism mock`: deliberately invalid requests must get 422 with Prism's list
//!   of violations, and valid ones a 2xx with none, so the suite cannot pass by talking to a
//!   server that accepts anything.
//! - `prism proxy --errors` in front of a `wiremock` server, as the end-to-end tests use: canned
//!   answers that match the document pass through unchanged, one that drifts from it is flagged,
//!   and an invalid request never reaches the double.
//! - Every operation of the generated client (`client_*` tests) against two mocks of the document:
//!   [`Answers::Static`] (every documented property present) and [`Answers::Dynamic`] (random,
//!   seeded, with undocumented extra properties), plus the 207 answers via `Prefer: code=207`. A
//!   call returning `Ok` proves Prism found no violation in the request (else 422) nor in its own
//!   answer (`--errors`, else 500) and that the answer decoded into the generated types. For the
//!   static answers the decoded value, encoded again, must equal the JSON Prism sent: no documented
//!   field is lost or renamed on the way.
//!
//! Prism is installed on first use (Node.js and npm required; the tests fail, never skip, without
//! them).

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::path::PathBuf;
use std::sync::Arc;

use hubspot_orders::orders::operations::{
    BatchCreateResponse, BatchReadParams, BatchReadResponse, BatchUpdateResponse,
    BatchUpsertResponse, GetByIdParams, GetPageParams, UpdateParams,
};
use hubspot_orders::orders::types::{
    AssociationCategory, AssociationSpec, BatchInputSimplePublicObjectBatchInput,
    BatchInputSimplePublicObjectBatchInputForCreate, BatchInputSimplePublicObjectBatchInputUpsert,
    BatchInputSimplePublicObjectId, BatchReadInputSimplePublicObjectId, Filter, FilterGroup,
    Operator, PublicAssociationsForObject, PublicObjectId, PublicObjectSearchRequest,
    SimplePublicObjectBatchInput, SimplePublicObjectBatchInputForCreate,
    SimplePublicObjectBatchInputUpsert, SimplePublicObjectId, SimplePublicObjectInput,
    SimplePublicObjectInputForCreate,
};
use hubspot_orders::{Client, ClientExt};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::prism::{Answers, Prism};

const LIST: &str = "/crm/v3/objects/orders";
const BATCH_ARCHIVE: &str = "/crm/v3/objects/orders/batch/archive";
const BATCH_CREATE: &str = "/crm/v3/objects/orders/batch/create";
const BATCH_READ: &str = "/crm/v3/objects/orders/batch/read";
const BATCH_UPDATE: &str = "/crm/v3/objects/orders/batch/update";
const BATCH_UPSERT: &str = "/crm/v3/objects/orders/batch/upsert";
const SEARCH: &str = "/crm/v3/objects/orders/search";
const ORDER_ID: &str = "512";
const ONE_ORDER: &str = "/crm/v3/objects/orders/512";

fn spec() -> PathBuf {
    workspace_tests::prism::workspace_root()
        .join("spec")
        .join("orders.yaml")
}

fn mock() -> Arc<Prism> {
    Prism::shared_mock(&spec(), Answers::Static).unwrap_or_else(|e| panic!("{e}"))
}

fn proxy(upstream: &MockServer) -> Prism {
    Prism::proxy(&spec(), &upstream.uri()).unwrap_or_else(|e| panic!("{e}"))
}

/// A status, the headers and the body of one answer.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the {} answer is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Prism's violations from the `sl-violations` header (empty when absent).
    fn violations(&self) -> Vec<Value> {
        let Some(header) = self.headers.get("sl-violations") else {
            return Vec::new();
        };
        let text = header.to_str().unwrap();
        match serde_json::from_str(text) {
            Ok(Value::Array(violations)) => violations,
            other => panic!("sl-violations is not a JSON array: {other:?} from {text}"),
        }
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
    }

    fn describe(&self) -> String {
        format!(
            "{} {:?}\n{}",
            self.status,
            self.headers,
            String::from_utf8_lossy(&self.body)
        )
    }
}

/// Sends `method path` to `base` with a bearer token and, when given, a JSON body.
async fn call(
    base: &str,
    method: Method,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, format!("{base}{path}"))
        .bearer_auth("test-token");
    if let Some(body) = body {
        request = request
            .header(CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(body).unwrap());
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("no answer from {base}{path}: {e}"));
    Answer {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

fn valid_upsert() -> Value {
    json!({"inputs": [{
        "id": "shop-1001",
        "idProperty": "hs_external_order_id",
        "properties": {"hs_order_name": "Order 1001", "hs_total_price": "149.90"}
    }]})
}

/// A 200 batch upsert answer as HubSpot sends it, conforming to the document.
fn conforming_upsert_answer() -> Value {
    json!({
        "status": "COMPLETE",
        "startedAt": "2026-11-29T10:00:00.000Z",
        "completedAt": "2026-11-29T10:00:01.000Z",
        "results": [{
            "id": "512",
            "new": true,
            "archived": false,
            "createdAt": "2026-11-29T10:00:00.500Z",
            "updatedAt": "2026-11-29T10:00:00.500Z",
            "properties": {"hs_order_name": "Order 1001", "hs_total_price": "149.90"}
        }]
    })
}

/// Asserts `violations` has one at `location` with `code` whose message contains `needle`.
fn assert_violation(
    answer: &Answer,
    violations: &[Value],
    location: &[&str],
    code: &str,
    needle: &str,
) {
    let found = violations.iter().any(|violation| {
        violation["location"] == json!(location)
            && violation["code"] == json!(code)
            && violation["message"]
                .as_str()
                .is_some_and(|message| message.contains(needle))
    });
    assert!(
        found,
        "no {code} violation at {location:?} mentioning {needle:?} in {violations:#?}\nanswer: {}",
        answer.describe()
    );
}

/// Asserts a mock 422: the document's own error body, the violations in `sl-violations`.
fn assert_mock_rejected(answer: &Answer) -> Vec<Value> {
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.describe()
    );
    // Prism answers with the operation's `default` response: HubSpot's `Error` object.
    let body = answer.json();
    assert!(body["message"].is_string(), "{}", answer.describe());
    assert!(body["category"].is_string(), "{}", answer.describe());
    let violations = answer.violations();
    assert!(
        violations
            .iter()
            .all(|violation| violation["location"][0] == "request"),
        "Prism flagged its own answer: {violations:#?}"
    );
    violations
}

#[tokio::test]
async fn batch_upsert_without_inputs_gets_422() {
    let prism = mock();
    let body = json!({"input": [{"id": "shop-1001", "properties": {}}]});
    let answer = call(
        &prism.base_url(),
        Method::POST,
        BATCH_UPSERT,
        Some(&body),
        &[],
    )
    .await;
    let violations = assert_mock_rejected(&answer);
    assert_violation(
        &answer,
        &violations,
        &["request", "body"],
        "required",
        "'inputs'",
    );
}

#[tokio::test]
async fn batch_upsert_input_without_id_gets_422() {
    let prism = mock();
    let body = json!({"inputs": [{"idProperty": "hs_external_order_id", "properties": {}}]});
    let answer = call(
        &prism.base_url(),
        Method::POST,
        BATCH_UPSERT,
        Some(&body),
        &[],
    )
    .await;
    let violations = assert_mock_rejected(&answer);
    assert_violation(
        &answer,
        &violations,
        &["request", "body", "inputs", "0"],
        "required",
        "'id'",
    );
}

#[tokio::test]
async fn list_with_a_limit_that_is_not_an_integer_gets_422() {
    let prism = mock();
    let answer = call(
        &prism.base_url(),
        Method::GET,
        &format!("{LIST}?limit=ten"),
        None,
        &[],
    )
    .await;
    let violations = assert_mock_rejected(&answer);
    assert_violation(
        &answer,
        &violations,
        &["request", "query", "limit"],
        "type",
        "integer",
    );
}

#[tokio::test]
async fn search_with_wrongly_typed_properties_gets_422() {
    let prism = mock();
    let body = json!({
        "after": 20,
        "filterGroups": {"filters": []},
        "limit": "ten",
        "properties": ["hs_order_name"],
        "sorts": []
    });
    let answer = call(&prism.base_url(), Method::POST, SEARCH, Some(&body), &[]).await;
    let violations = assert_mock_rejected(&answer);
    assert_violation(
        &answer,
        &violations,
        &["request", "body", "after"],
        "type",
        "string",
    );
    assert_violation(
        &answer,
        &violations,
        &["request", "body", "filterGroups"],
        "type",
        "array",
    );
    assert_violation(
        &answer,
        &violations,
        &["request", "body", "limit"],
        "type",
        "integer",
    );
}

#[tokio::test]
async fn request_without_credentials_gets_401() {
    let prism = mock();
    let response = reqwest::Client::new()
        .post(format!("{}{BATCH_UPSERT}", prism.base_url()))
        .header(CONTENT_TYPE, "application/json")
        .body(valid_upsert().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn valid_batch_upsert_gets_200_with_no_violation() {
    let prism = mock();
    let answer = call(
        &prism.base_url(),
        Method::POST,
        BATCH_UPSERT,
        Some(&valid_upsert()),
        &[],
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.describe());
    assert!(answer.violations().is_empty(), "{}", answer.describe());
    let body = answer.json();
    assert!(body["results"].is_array(), "{}", answer.describe());
    assert!(body.get("errors").is_none(), "{}", answer.describe());
}

#[tokio::test]
async fn prefer_code_207_gets_the_partial_failure_answer() {
    let prism = mock();
    let answer = call(
        &prism.base_url(),
        Method::POST,
        BATCH_UPSERT,
        Some(&valid_upsert()),
        &[("Prefer", "code=207")],
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::MULTI_STATUS,
        "{}",
        answer.describe()
    );
    assert!(answer.violations().is_empty(), "{}", answer.describe());
    let body = answer.json();
    assert!(body["results"].is_array(), "{}", answer.describe());
    assert!(body["errors"].is_array(), "{}", answer.describe());
}

/// One proxy for all the proxy checks (each Prism start costs seconds of CPU): every check uses
/// its own operation, so the canned answers cannot mix.
#[tokio::test]
async fn proxy_checks_the_doubles_answers_against_the_document() {
    let upstream = MockServer::start().await;
    // Conforming: a 200 batch upsert, with a header of the double's own.
    let canned = serde_json::to_vec(&conforming_upsert_answer()).unwrap();
    Mock::given(method("POST"))
        .and(path(BATCH_UPSERT))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-canned-by", "wiremock")
                .set_body_raw(canned.clone(), "application/json"),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    // Conforming: HubSpot's rate-limit answer, as the retry tests need it, checked against
    // the `default` response.
    let limited = serde_json::to_vec(&json!({
        "status": "error",
        "message": "You have reached your secondly limit.",
        "errorType": "RATE_LIMIT",
        "correlationId": "c9a8b7e6-1234-4abc-9def-0123456789ab",
        "policyName": "SECONDLY",
        "category": "RATE_LIMITS"
    }))
    .unwrap();
    Mock::given(method("POST"))
        .and(path(SEARCH))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_raw(limited.clone(), "application/json"),
        )
        .expect(1)
        .mount(&upstream)
        .await;
    // Drifted: a 200 batch update without `results`, which the document requires.
    let mut drifted = conforming_upsert_answer();
    drifted.as_object_mut().unwrap().remove("results");
    Mock::given(method("POST"))
        .and(path(BATCH_UPDATE))
        .respond_with(ResponseTemplate::new(200).set_body_json(&drifted))
        .expect(1)
        .mount(&upstream)
        .await;
    // Never reached: the request below breaks the document.
    Mock::given(method("POST"))
        .and(path(BATCH_ARCHIVE))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&upstream)
        .await;
    let prism = proxy(&upstream);
    let base = prism.base_url();

    // A conforming answer passes through unchanged: status, bytes, headers.
    let answer = call(
        &base,
        Method::POST,
        BATCH_UPSERT,
        Some(&valid_upsert()),
        &[],
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{}\n{}",
        answer.describe(),
        prism.output()
    );
    assert_eq!(answer.body, canned, "{}", answer.describe());
    assert_eq!(
        answer.headers.get("x-canned-by").map(HeaderValue::as_bytes),
        Some(&b"wiremock"[..])
    );
    assert!(answer.violations().is_empty(), "{}", answer.describe());

    let search = json!({
        "after": "0",
        "filterGroups": [],
        "limit": 10,
        "properties": ["hs_order_name"],
        "sorts": []
    });
    let answer = call(&base, Method::POST, SEARCH, Some(&search), &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.describe()
    );
    assert_eq!(answer.body, limited, "{}", answer.describe());
    assert_eq!(
        answer.headers.get("retry-after").map(HeaderValue::as_bytes),
        Some(&b"1"[..])
    );
    assert!(answer.violations().is_empty(), "{}", answer.describe());

    // A drifted answer is replaced by Prism's 500 naming the violation.
    let update = json!({"inputs": [{"id": "512", "properties": {"hs_total_price": "99.00"}}]});
    let answer = call(&base, Method::POST, BATCH_UPDATE, Some(&update), &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        answer.describe()
    );
    assert_eq!(answer.content_type(), "application/problem+json");
    let problem = answer.json();
    assert_eq!(
        problem["type"],
        "https://stoplight.io/prism/errors#VIOLATIONS"
    );
    let validation = problem["validation"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_violation(
        &answer,
        &validation,
        &["response", "body"],
        "required",
        "'results'",
    );
    assert_violation(
        &answer,
        &answer.violations(),
        &["response", "body"],
        "required",
        "'results'",
    );

    // An invalid request gets Prism's own 422 and never reaches the double.
    let archive = json!({"inputs": "512"});
    let answer = call(&base, Method::POST, BATCH_ARCHIVE, Some(&archive), &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.describe()
    );
    assert_eq!(answer.content_type(), "application/problem+json");
    let problem = answer.json();
    assert_eq!(
        problem["type"],
        "https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY"
    );
    let validation = problem["validation"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // In proxy mode the locations leave out the leading "request".
    assert_violation(&answer, &validation, &["body", "inputs"], "type", "array");

    // Each mock's `expect` (1, 1, 1 and 0 calls) is verified here.
    upstream.verify().await;
}

// ---------------------------------------------------------------------------------------------
// Every operation of the generated client.

/// A mock of the document and the clients that call it.
struct Target {
    answers: Answers,
    prism: Arc<Prism>,
    client: Client,
    /// Sends `Prefer: code=207` with every request, so Prism answers the 207 response.
    client_207: Client,
}

fn targets() -> Vec<Target> {
    // Start both mocks at once (only the first test to ask waits for them).
    let mocks = std::thread::scope(|scope| {
        let starts = [Answers::Static, Answers::Dynamic]
            .map(|answers| scope.spawn(move || (answers, Prism::shared_mock(&spec(), answers))));
        starts.map(|start| start.join().expect("starting Prism panicked"))
    });
    mocks
        .into_iter()
        .map(|(answers, prism)| {
            let prism = prism.unwrap_or_else(|e| panic!("{e}"));
            let client = client_for(&prism, None);
            let client_207 = client_for(&prism, Some("code=207"));
            Target {
                answers,
                prism,
                client,
                client_207,
            }
        })
        .collect()
}

fn client_for(prism: &Prism, prefer: Option<&str>) -> Client {
    let mut builder = Client::builder()
        .token("test-token")
        .base_url(&prism.base_url())
        .max_retries(0);
    if let Some(prefer) = prefer {
        let headers = HeaderMap::from_iter([(
            reqwest::header::HeaderName::from_static("prefer"),
            HeaderValue::from_str(prefer).unwrap(),
        )]);
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap();
        builder = builder.http_client(http);
    }
    builder.build().expect("the client builds")
}

impl Target {
    /// The decoded answer, or a failure naming the error and what Prism logged.
    fn ok<T, E: Debug>(&self, what: &str, result: Result<T, E>) -> T {
        result.unwrap_or_else(|e| {
            panic!(
                "{what} against the {:?} mock failed: {e:#?}\nPrism's log:\n{}",
                self.answers,
                self.prism.output()
            )
        })
    }

    /// For static answers: `decoded`, encoded again, equals the JSON Prism sends for the same
    /// request, so every documented field was decoded under its own name. (Dynamic answers carry
    /// undocumented properties and other date spellings, so decoding them is the whole check.)
    async fn assert_faithful(
        &self,
        decoded: &impl Serialize,
        method: Method,
        path: &str,
        body: Option<&Value>,
        prefer: Option<&str>,
    ) {
        if self.answers != Answers::Static {
            return;
        }
        let headers: Vec<(&str, &str)> = prefer.map(|p| ("Prefer", p)).into_iter().collect();
        let raw = call(&self.prism.base_url(), method, path, body, &headers).await;
        assert!(raw.status.is_success(), "{}", raw.describe());
        assert!(raw.violations().is_empty(), "{}", raw.describe());
        let encoded = serde_json::to_value(decoded).unwrap();
        assert_eq!(
            encoded,
            raw.json(),
            "{path}: decoded and encoded again vs. Prism's answer"
        );
    }
}

fn to_json(value: &impl Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

fn order_properties() -> BTreeMap<String, String> {
    [
        ("hs_order_name", "Order 1001"),
        ("hs_total_price", "149.90"),
        ("hs_currency_code", "EUR"),
        ("hs_external_order_id", "shop-1001"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect()
}

fn to_contact() -> Vec<PublicAssociationsForObject> {
    vec![PublicAssociationsForObject::new(
        PublicObjectId::new("201".to_owned()),
        vec![AssociationSpec::new(
            AssociationCategory::HubspotDefined,
            507,
        )],
    )]
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| (*name).to_owned()).collect()
}

#[tokio::test]
async fn client_get_page() {
    let params = GetPageParams::new()
        .with_after("MTAw".to_owned())
        .with_archived(false)
        .with_associations(strings(&["contacts", "line_items"]))
        .with_limit(50)
        .with_properties(strings(&["hs_order_name", "hs_total_price"]))
        .with_properties_with_history(strings(&["hs_fulfillment_status"]));
    let query = "?after=MTAw&archived=false&associations=contacts&associations=line_items\
                 &limit=50&properties=hs_order_name&properties=hs_total_price\
                 &propertiesWithHistory=hs_fulfillment_status";
    for target in targets() {
        let page = target.ok("get_page", target.client.orders().get_page(&params).await);
        let path = format!("{LIST}{query}");
        target
            .assert_faithful(&page, Method::GET, &path, None, None)
            .await;
    }
}

#[tokio::test]
async fn client_create() {
    let body = SimplePublicObjectInputForCreate::new(to_contact(), order_properties());
    for target in targets() {
        let order = target.ok("create", target.client.orders().create(&body).await);
        target
            .assert_faithful(&order, Method::POST, LIST, Some(&to_json(&body)), None)
            .await;
    }
}

#[tokio::test]
async fn client_batch_archive() {
    let body = BatchInputSimplePublicObjectId::new(vec![
        SimplePublicObjectId::new("512".to_owned()),
        SimplePublicObjectId::new("513".to_owned()),
    ]);
    for target in targets() {
        target.ok(
            "batch_archive",
            target.client.orders().batch_archive(&body).await,
        );
    }
    // The raw answer is a 204 with no body.
    let answer = call(
        &mock().base_url(),
        Method::POST,
        BATCH_ARCHIVE,
        Some(&to_json(&body)),
        &[],
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::NO_CONTENT,
        "{}",
        answer.describe()
    );
}

#[tokio::test]
async fn client_batch_create() {
    let body = BatchInputSimplePublicObjectBatchInputForCreate::new(vec![
        SimplePublicObjectBatchInputForCreate::new(to_contact(), order_properties())
            .with_object_write_trace_id("shop-1001".to_owned()),
    ]);
    let json = to_json(&body);
    for target in targets() {
        let created = target.ok(
            "batch_create",
            target.client.orders().batch_create(&body).await,
        );
        let BatchCreateResponse::Created(created) = created else {
            panic!("201 expected, got {created:?}");
        };
        target
            .assert_faithful(&created, Method::POST, BATCH_CREATE, Some(&json), None)
            .await;
        let partial = target.ok(
            "batch_create (207)",
            target.client_207.orders().batch_create(&body).await,
        );
        let BatchCreateResponse::MultiStatus(partial) = partial else {
            panic!("207 expected, got {partial:?}");
        };
        target
            .assert_faithful(
                &partial,
                Method::POST,
                BATCH_CREATE,
                Some(&json),
                Some("code=207"),
            )
            .await;
    }
}

#[tokio::test]
async fn client_batch_read() {
    let body = BatchReadInputSimplePublicObjectId::new(
        vec![SimplePublicObjectId::new("shop-1001".to_owned())],
        strings(&["hs_order_name", "hs_total_price"]),
        strings(&["hs_fulfillment_status"]),
    )
    .with_id_property("hs_external_order_id".to_owned());
    let params = BatchReadParams::new().with_archived(false);
    let json = to_json(&body);
    let path = format!("{BATCH_READ}?archived=false");
    for target in targets() {
        let read = target.ok(
            "batch_read",
            target.client.orders().batch_read(&body, &params).await,
        );
        let BatchReadResponse::Ok(read) = read else {
            panic!("200 expected, got {read:?}");
        };
        target
            .assert_faithful(&read, Method::POST, &path, Some(&json), None)
            .await;
        let partial = target.ok(
            "batch_read (207)",
            target.client_207.orders().batch_read(&body, &params).await,
        );
        let BatchReadResponse::MultiStatus(partial) = partial else {
            panic!("207 expected, got {partial:?}");
        };
        target
            .assert_faithful(&partial, Method::POST, &path, Some(&json), Some("code=207"))
            .await;
    }
}

#[tokio::test]
async fn client_batch_update() {
    let body = BatchInputSimplePublicObjectBatchInput::new(vec![
        SimplePublicObjectBatchInput::new(ORDER_ID.to_owned(), order_properties())
            .with_object_write_trace_id("update-512".to_owned()),
    ]);
    let json = to_json(&body);
    for target in targets() {
        let updated = target.ok(
            "batch_update",
            target.client.orders().batch_update(&body).await,
        );
        let BatchUpdateResponse::Ok(updated) = updated else {
            panic!("200 expected, got {updated:?}");
        };
        target
            .assert_faithful(&updated, Method::POST, BATCH_UPDATE, Some(&json), None)
            .await;
        let partial = target.ok(
            "batch_update (207)",
            target.client_207.orders().batch_update(&body).await,
        );
        let BatchUpdateResponse::MultiStatus(partial) = partial else {
            panic!("207 expected, got {partial:?}");
        };
        target
            .assert_faithful(
                &partial,
                Method::POST,
                BATCH_UPDATE,
                Some(&json),
                Some("code=207"),
            )
            .await;
    }
}

#[tokio::test]
async fn client_batch_upsert() {
    let body = BatchInputSimplePublicObjectBatchInputUpsert::new(vec![
        SimplePublicObjectBatchInputUpsert::new("shop-1001".to_owned(), order_properties())
            .with_id_property("hs_external_order_id".to_owned())
            .with_object_write_trace_id("shop-1001".to_owned()),
    ]);
    let json = to_json(&body);
    for target in targets() {
        let done = target.ok(
            "batch_upsert",
            target.client.orders().batch_upsert(&body).await,
        );
        let BatchUpsertResponse::Ok(done) = done else {
            panic!("200 expected, got {done:?}");
        };
        target
            .assert_faithful(&done, Method::POST, BATCH_UPSERT, Some(&json), None)
            .await;
        let partial = target.ok(
            "batch_upsert (207)",
            target.client_207.orders().batch_upsert(&body).await,
        );
        let BatchUpsertResponse::MultiStatus(partial) = partial else {
            panic!("207 expected, got {partial:?}");
        };
        target
            .assert_faithful(
                &partial,
                Method::POST,
                BATCH_UPSERT,
                Some(&json),
                Some("code=207"),
            )
            .await;
    }
}

#[tokio::test]
async fn client_search() {
    let body = PublicObjectSearchRequest::new(
        "0".to_owned(),
        vec![FilterGroup::new(vec![
            Filter::new(Operator::Gte, "hs_total_price".to_owned()).with_value("100".to_owned()),
            Filter::new(Operator::In, "hs_currency_code".to_owned())
                .with_values(strings(&["EUR", "USD"])),
        ])],
        20,
        strings(&["hs_order_name", "hs_total_price"]),
        strings(&["hs_createdate"]),
    )
    .with_query("shop".to_owned());
    for target in targets() {
        let found = target.ok("search", target.client.orders().search(&body).await);
        target
            .assert_faithful(&found, Method::POST, SEARCH, Some(&to_json(&body)), None)
            .await;
    }
}

#[tokio::test]
async fn client_get_by_id() {
    let params = GetByIdParams::new()
        .with_archived(false)
        .with_associations(strings(&["contacts"]))
        .with_properties(strings(&["hs_order_name"]))
        .with_properties_with_history(strings(&["hs_fulfillment_status"]));
    let path = format!(
        "{ONE_ORDER}?archived=false&associations=contacts&properties=hs_order_name\
         &propertiesWithHistory=hs_fulfillment_status"
    );
    for target in targets() {
        let order = target.ok(
            "get_by_id",
            target.client.orders().get_by_id(ORDER_ID, &params).await,
        );
        target
            .assert_faithful(&order, Method::GET, &path, None, None)
            .await;
    }
}

#[tokio::test]
async fn client_archive() {
    for target in targets() {
        target.ok("archive", target.client.orders().archive(ORDER_ID).await);
    }
    let answer = call(&mock().base_url(), Method::DELETE, ONE_ORDER, None, &[]).await;
    assert_eq!(
        answer.status,
        StatusCode::NO_CONTENT,
        "{}",
        answer.describe()
    );
}

#[tokio::test]
async fn client_update() {
    let body = SimplePublicObjectInput::new(order_properties());
    let params = UpdateParams::new().with_id_property("hs_external_order_id".to_owned());
    let path = "/crm/v3/objects/orders/shop-1001?idProperty=hs_external_order_id";
    for target in targets() {
        let order = target.ok(
            "update",
            target
                .client
                .orders()
                .update("shop-1001", &body, &params)
                .await,
        );
        target
            .assert_faithful(&order, Method::PATCH, path, Some(&to_json(&body)), None)
            .await;
    }
}
