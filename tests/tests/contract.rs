//! Contract suite: checks our requests, our test doubles and our decoding against Stoplight Prism,
//! a validator of OpenAPI documents that nobody here wrote (see `workspace_tests::prism` for the
//! harness and the exact answers Prism gives).
//!
//! - Raw HTTP calls to `prism mock`: deliberately invalid requests must get 422 with Prism's list
//!   of violations, and valid ones a 2xx with none, so the suite cannot pass by talking to a
//!   server that accepts anything.
//! - `prism proxy --errors` in front of a `wiremock` server, as the end-to-end tests use: a canned
//!   answer that matches the document passes through unchanged, one that drifts from it is
//!   flagged, and an invalid request never reaches the double.
//!
//! Prism is installed on first use (Node.js and npm required; the tests fail, never skip, without
//! them).

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};
use workspace_tests::prism::{Answers, Prism};

const BATCH_UPSERT: &str = "/crm/v3/objects/orders/batch/upsert";
const LIST: &str = "/crm/v3/objects/orders";
const SEARCH: &str = "/crm/v3/objects/orders/search";

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
    method: reqwest::Method,
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
        reqwest::Method::POST,
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
        reqwest::Method::POST,
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
        reqwest::Method::GET,
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
    let answer = call(
        &prism.base_url(),
        reqwest::Method::POST,
        SEARCH,
        Some(&body),
        &[],
    )
    .await;
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
        reqwest::Method::POST,
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
        reqwest::Method::POST,
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

#[tokio::test]
async fn proxy_passes_a_conforming_answer_through_unchanged() {
    let upstream = MockServer::start().await;
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
    let prism = proxy(&upstream);

    let answer = call(
        &prism.base_url(),
        reqwest::Method::POST,
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
        answer.headers.get("x-canned-by").map(|v| v.as_bytes()),
        Some(&b"wiremock"[..])
    );
    assert!(answer.violations().is_empty(), "{}", answer.describe());
}

#[tokio::test]
async fn proxy_flags_a_canned_answer_that_drifts_from_the_document() {
    let upstream = MockServer::start().await;
    // A 200 without `results`, which the document requires.
    let mut drifted = conforming_upsert_answer();
    drifted.as_object_mut().unwrap().remove("results");
    Mock::given(method("POST"))
        .and(path(BATCH_UPSERT))
        .respond_with(ResponseTemplate::new(200).set_body_json(&drifted))
        .expect(1)
        .mount(&upstream)
        .await;
    let prism = proxy(&upstream);

    let answer = call(
        &prism.base_url(),
        reqwest::Method::POST,
        BATCH_UPSERT,
        Some(&valid_upsert()),
        &[],
    )
    .await;

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
}

#[tokio::test]
async fn proxy_answers_an_invalid_request_itself() {
    let upstream = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(conforming_upsert_answer()))
        .expect(0)
        .mount(&upstream)
        .await;
    let prism = proxy(&upstream);

    let body = json!({"inputs": "shop-1001"});
    let answer = call(
        &prism.base_url(),
        reqwest::Method::POST,
        BATCH_UPSERT,
        Some(&body),
        &[],
    )
    .await;

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
    // `expect(0)` above is verified when `upstream` drops: the double was never called.
}
