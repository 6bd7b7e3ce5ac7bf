//! The engine against a scripted, in-memory stand-in for HubSpot's batch upsert: it keeps a
//! store, answers like HubSpot (200, 207 with errors naming ids, 400 for the whole batch,
//! 429 at the daily limit, and the variations documents allow: no body, no `new`), loses
//! answers on request, and records every request so the tests can check what was sent
//! together and when.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::engine::{Engine, Transport};
use super::{BulkConfig, InputError, Outcome, OutcomeKind, StopReason, Summary, UpsertOperation};
use crate::codegen::{BoxFuture, Failure, Response};
use crate::error::{FailureKind, TransportErrorKind};
use crate::{Api, Client, OperationInfo, RateClass, Repeat};

const ID_PROPERTY: &str = "shop_order_id";
const PATH: &str = "/crm/v3/objects/things/batch/upsert";

const BATCH_UPSERT: OperationInfo = OperationInfo::new(
    "batch_upsert",
    "post-/crm/v3/objects/things/batch/upsert",
    PATH,
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// A batch upsert input, as a generated type declares it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    id_property: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object_write_trace_id: Option<String>,
    properties: BTreeMap<String, String>,
}

/// A result, as a generated type declares it: `createdAt` is required.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    #[allow(dead_code)] // Read by Debug only.
    id: String,
    #[allow(dead_code)]
    created_at: String,
    object_write_trace_id: Option<String>,
    #[serde(default)]
    properties: BTreeMap<String, Option<String>>,
}

/// A handle of a document whose inputs have `objectWriteTraceId`.
#[derive(Debug, Clone)]
struct Things(Client);

impl Api for Things {
    fn client(&self) -> &Client {
        &self.0
    }
}

impl UpsertOperation for Things {
    type Input = Input;
    type Record = Record;
    type Error = Value;
    const OPERATION: &'static OperationInfo = &BATCH_UPSERT;
    const TRACE_IDS: bool = true;
}

/// A handle of a document whose inputs have no `objectWriteTraceId`.
#[derive(Debug, Clone)]
struct Untraced(Client);

impl Api for Untraced {
    fn client(&self) -> &Client {
        &self.0
    }
}

impl UpsertOperation for Untraced {
    type Input = Input;
    type Record = Record;
    type Error = Value;
    const OPERATION: &'static OperationInfo = &BATCH_UPSERT;
    const TRACE_IDS: bool = false;
}

/// A handle whose inputs are any JSON, to send what does not encode as an object.
#[derive(Debug, Clone)]
struct Loose(Client);

impl Api for Loose {
    fn client(&self) -> &Client {
        &self.0
    }
}

impl UpsertOperation for Loose {
    type Input = Value;
    type Record = Record;
    type Error = Value;
    const OPERATION: &'static OperationInfo = &BATCH_UPSERT;
    const TRACE_IDS: bool = true;
}

/// The stand-in's state, shared with the test.
#[derive(Default)]
struct Model {
    /// Records by id: their properties.
    store: HashMap<String, BTreeMap<String, String>>,
    /// The ids of every request, in the order they were sent.
    requests: Vec<Vec<String>>,
    /// Every input as sent.
    sent: Vec<Value>,
    /// Ids of requests sent and not yet answered.
    unanswered: HashSet<String>,
    /// Rule breaks seen: two inputs for one record in a request, or a request holding an id
    /// whose earlier request is unanswered.
    violations: Vec<String>,
    in_flight: usize,
    max_in_flight: usize,
    /// Ids that get a 207 error naming them.
    rejected: HashSet<String>,
    /// Ids that get a 207 error naming no input.
    rejected_anonymously: HashSet<String>,
    /// Answers to force, one per request in order (`None`: answer normally).
    script: VecDeque<Option<(u16, &'static str)>>,
    /// Fail the request with this number (from 0) as the client does when its per-call
    /// deadline passes.
    deadline_at: Option<usize>,
    /// Requests accepted before every later one gets the daily limit's 429.
    daily_budget: Option<usize>,
    /// Answer results in reverse order.
    reverse_results: bool,
    /// Leave `objectWriteTraceId` out of results.
    drop_trace_ids: bool,
    /// Leave `new` out of results.
    drop_new: bool,
    /// Leave `createdAt` out of results (the record type requires it).
    drop_created_at: bool,
    /// Apply every input and answer with this status and no body.
    empty_body: Option<u16>,
    /// Ids applied but left out of the answer (neither result nor error).
    omitted: HashSet<String>,
    /// Add a result that belongs to no input.
    stray_result: bool,
    /// How the 400 for an input with a `bad` property reads: naming the bad inputs in its
    /// `context` (`true`), or only the property whose value is wrong, as HubSpot's property
    /// validation errors do (`false`).
    name_bad_inputs: bool,
    /// Apply the next this many requests, then lose their answers (the connection breaks).
    lose_answers: usize,
    /// Apply requests of more inputs than this, then answer with a body over the client's
    /// cap.
    too_large_above: Option<usize>,
    /// The client's attempts each answer reports (1 when 0).
    attempts: u32,
    /// Whether those attempts before the last were refused (429s), so none of them may
    /// have been applied; otherwise they got no answer and may have.
    earlier_refused: bool,
}

#[derive(Clone)]
struct Scripted {
    model: Arc<Mutex<Model>>,
    delay: Duration,
}

impl Scripted {
    fn new(model: Model) -> Self {
        Scripted {
            model: Arc::new(Mutex::new(model)),
            delay: Duration::from_millis(1),
        }
    }

    fn model(&self) -> MutexGuard<'_, Model> {
        match self.model.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

fn answer(status: u16, body: &str) -> Result<Response, Failure> {
    answer_after(1, false, status, body)
}

/// An answer the client got at its `attempts`-th attempt, after earlier ones that may have
/// been applied or not.
fn answer_after(
    attempts: u32,
    maybe_applied_earlier: bool,
    status: u16,
    body: &str,
) -> Result<Response, Failure> {
    Ok(Response {
        status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        method: Method::POST,
        path: PATH.to_owned(),
        headers: HeaderMap::new(),
        body: body.as_bytes().to_vec(),
        attempts,
        maybe_applied_earlier,
    })
}

/// What the client returns when the connection broke after the request was sent.
fn lost_answer() -> Result<Response, Failure> {
    Err(FailureKind::Transport(crate::TransportError::new(
        TransportErrorKind::Timeout(Duration::from_secs(30)),
        Method::POST,
        PATH.to_owned(),
        1,
    ))
    .into())
}

/// What the client returns when a 200's body is over its cap.
fn too_large() -> Result<Response, Failure> {
    Err(FailureKind::BodyTooLarge(crate::BodyTooLargeError::new(
        StatusCode::OK,
        Method::POST,
        PATH.to_owned(),
        1024,
        1,
    ))
    .into())
}

fn deadline_error() -> Result<Response, Failure> {
    Err(FailureKind::DeadlineExceeded(crate::DeadlineError::new(
        Duration::from_secs(5),
        Method::POST,
        PATH.to_owned(),
        3,
        Some("503 Service Unavailable".to_owned()),
    ))
    .into())
}

const DAILY: &str = r#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;
/// HubSpot's 400 for a bad property value: the property is named, the input is not.
const INVALID: &str = concat!(
    r#"{"status":"error","message":"Property values were not valid: [{\"isValid\":false,"#,
    r#"\"message\":\"x was not a valid number\",\"error\":\"INVALID_INTEGER\","#,
    r#"\"name\":\"version\"}]","category":"VALIDATION_ERROR"}"#,
);
/// HubSpot's 400 for an `idProperty` that is not a unique property.
const NON_UNIQUE: &str = concat!(
    r#"{"status":"error","message":"Unable to perform update/upsert by non-unique 0-123 "#,
    r#"property shop_order_id in portal ID 4242","category":"VALIDATION_ERROR","#,
    r#""correlationId":"c0ffee"}"#,
);

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

impl Transport for Scripted {
    fn send(&self, body: Value) -> BoxFuture<'static, Result<Response, Failure>> {
        let this = self.clone();
        Box::pin(async move {
            let inputs = body["inputs"].as_array().cloned().unwrap_or_default();
            let ids: Vec<String> = inputs
                .iter()
                .map(|input| text(input, "id").unwrap_or_default())
                .collect();
            let forced = {
                let mut model = this.model();
                let mut seen = HashSet::new();
                for id in &ids {
                    if !seen.insert(id) {
                        model.violations.push(format!("{id} twice in one request"));
                    }
                    if model.unanswered.contains(id) {
                        model.violations.push(format!("{id} sent while unanswered"));
                    }
                }
                model.unanswered.extend(ids.iter().cloned());
                model.requests.push(ids.clone());
                model.sent.extend(inputs.iter().cloned());
                if model.deadline_at == Some(model.requests.len() - 1) {
                    return deadline_error();
                }
                model.in_flight += 1;
                model.max_in_flight = model.max_in_flight.max(model.in_flight);
                model.script.pop_front().flatten()
            };
            tokio::time::sleep(this.delay).await;
            let mut model = this.model();
            model.in_flight -= 1;
            for id in &ids {
                model.unanswered.remove(id);
            }
            if let Some((status, body)) = forced {
                return answer_after(
                    model.attempts.max(1),
                    model.attempts > 1 && !model.earlier_refused,
                    status,
                    body,
                );
            }
            if let Some(budget) = model.daily_budget.as_mut() {
                if *budget == 0 {
                    return answer(429, DAILY);
                }
                *budget -= 1;
            }
            let bad: Vec<String> = inputs
                .iter()
                .filter(|input| input["properties"].get("bad").is_some())
                .filter_map(|input| text(input, "id"))
                .collect();
            if !bad.is_empty() {
                if model.name_bad_inputs {
                    let body = json!({
                        "status": "error",
                        "message": "Property values were not valid",
                        "category": "VALIDATION_ERROR",
                        "context": {"ids": bad},
                    });
                    return answer(400, &body.to_string());
                }
                return answer(400, INVALID);
            }
            let mut results = Vec::new();
            let mut errors = Vec::new();
            for input in inputs {
                let id = text(&input, "id").unwrap_or_default();
                if model.rejected.contains(&id) {
                    errors.push(json!({
                        "status": "error",
                        "category": "VALIDATION_ERROR",
                        "message": format!("{id} is rejected"),
                        "context": {"ids": [id]},
                    }));
                    continue;
                }
                if model.rejected_anonymously.contains(&id) {
                    errors.push(json!({"message": "something went wrong"}));
                    continue;
                }
                let properties: BTreeMap<String, String> =
                    serde_json::from_value(input["properties"].clone()).unwrap_or_default();
                let new = model.store.insert(id.clone(), properties.clone()).is_none();
                let mut properties: BTreeMap<String, Value> = properties
                    .into_iter()
                    .map(|(name, value)| (name, Value::String(value)))
                    .collect();
                // The unique property the input is keyed on holds its id.
                let key = text(&input, "idProperty")
                    .unwrap_or_else(|| crate::OBJECT_ID_PROPERTY.to_owned());
                properties.insert(key, Value::String(id.clone()));
                let mut result = json!({
                    "id": format!("9{}", results.len()),
                    "archived": false,
                    "createdAt": "2026-11-29T10:00:00Z",
                    "updatedAt": "2026-11-29T10:00:00Z",
                    "properties": properties,
                    "new": new,
                });
                if let Some(trace) = input.get("objectWriteTraceId") {
                    if !model.drop_trace_ids {
                        result["objectWriteTraceId"] = trace.clone();
                    }
                }
                if let Value::Object(fields) = &mut result {
                    if model.drop_new {
                        fields.remove("new");
                    }
                    if model.drop_created_at {
                        fields.remove("createdAt");
                    }
                }
                results.push(result);
            }
            if let Some(status) = model.empty_body {
                return answer(status, "");
            }
            if model.lose_answers > 0 {
                model.lose_answers -= 1;
                return lost_answer();
            }
            if model.too_large_above.is_some_and(|most| ids.len() > most) {
                return too_large();
            }
            if model.stray_result {
                let mut stray = results[0].clone();
                stray["objectWriteTraceId"] = json!("someone-else");
                stray["properties"][ID_PROPERTY] = json!("nobody");
                results.push(stray);
            }
            let omitted = model.omitted.clone();
            results.retain(|result| {
                let id = result["properties"][ID_PROPERTY].as_str();
                !id.is_some_and(|id| omitted.contains(id))
            });
            if model.reverse_results {
                results.reverse();
            }
            let now = "2026-11-29T10:00:01Z";
            let (status, body) = if errors.is_empty() {
                let body = json!({
                    "status": "COMPLETE",
                    "results": results,
                    "startedAt": now,
                    "completedAt": now,
                });
                (200, body)
            } else {
                let body = json!({
                    "status": "COMPLETE",
                    "results": results,
                    "numErrors": errors.len(),
                    "errors": errors,
                    "startedAt": now,
                    "completedAt": now,
                });
                (207, body)
            };
            answer_after(
                model.attempts.max(1),
                model.attempts > 1 && !model.earlier_refused,
                status,
                &body.to_string(),
            )
        })
    }
}

fn order(id: &str, version: u32) -> Input {
    Input {
        id: id.to_owned(),
        id_property: Some(ID_PROPERTY.to_owned()),
        object_write_trace_id: None,
        properties: BTreeMap::from([("version".to_owned(), version.to_string())]),
    }
}

fn orders(count: usize) -> Vec<Input> {
    (0..count).map(|n| order(&format!("o{n}"), 1)).collect()
}

fn config(batch_size: usize, concurrency: usize) -> BulkConfig {
    BulkConfig {
        batch_size,
        concurrency,
        ..BulkConfig::default()
    }
}

async fn run_stream_as<O, S>(
    transport: &Scripted,
    config: BulkConfig,
    inputs: S,
) -> (Vec<Outcome<O>>, Summary<O>)
where
    O: UpsertOperation,
    S: Stream<Item = O::Input> + Send + 'static,
{
    let mut engine: Engine<'_, O, Scripted> =
        Engine::new(config, Arc::new(transport.clone()), Box::pin(inputs));
    let mut outcomes = Vec::new();
    while let Some(outcome) = std::future::poll_fn(|cx| engine.poll_next_outcome(cx)).await {
        outcomes.push(outcome);
    }
    assert!(engine.is_finished());
    (outcomes, engine.summary())
}

async fn run_stream<S>(
    transport: &Scripted,
    config: BulkConfig,
    inputs: S,
) -> (Vec<Outcome<Things>>, Summary<Things>)
where
    S: Stream<Item = Input> + Send + 'static,
{
    run_stream_as::<Things, S>(transport, config, inputs).await
}

async fn run(
    transport: &Scripted,
    config: BulkConfig,
    inputs: Vec<Input>,
) -> (Vec<Outcome<Things>>, Summary<Things>) {
    run_stream(transport, config, stream::iter(inputs)).await
}

/// Every input index from 0 to `count` has exactly one outcome, and the summary agrees.
fn assert_accounted<O: UpsertOperation>(
    outcomes: &[Outcome<O>],
    summary: &Summary<O>,
    count: usize,
) {
    let mut seen = vec![0u32; count];
    for outcome in outcomes {
        let index = usize::try_from(outcome.index()).unwrap_or(usize::MAX);
        assert!(index < count, "outcome for unknown input {index}");
        seen[index] += 1;
    }
    let wrong: Vec<(usize, u32)> = seen
        .iter()
        .enumerate()
        .filter(|(_, times)| **times != 1)
        .map(|(index, times)| (index, *times))
        .collect();
    assert!(
        wrong.is_empty(),
        "inputs without exactly one outcome: {wrong:?}"
    );
    assert_eq!(summary.total(), count as u64);
}

fn kinds<O: UpsertOperation>(outcomes: &[Outcome<O>]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for outcome in outcomes {
        let name = match outcome.kind() {
            OutcomeKind::Created(_) => "created",
            OutcomeKind::Updated(_) => "updated",
            OutcomeKind::Landed(Some(_)) => "landed with a record",
            OutcomeKind::Landed(None) => "landed",
            OutcomeKind::Failed(_) => "failed",
            OutcomeKind::Unconfirmed(_) => "unconfirmed",
            OutcomeKind::NotAttempted(_) => "not attempted",
        };
        *counts.entry(name).or_insert(0) += 1;
    }
    counts
}

fn outcome_of<'o, O>(outcomes: &'o [Outcome<O>], id: &str) -> &'o Outcome<O>
where
    O: UpsertOperation<Input = Input>,
{
    match outcomes.iter().find(|outcome| outcome.input().id == id) {
        Some(outcome) => outcome,
        None => panic!("no outcome for {id}"),
    }
}

#[tokio::test]
async fn empty_input_sends_nothing() {
    let transport = Scripted::new(Model::default());
    let (outcomes, summary) = run(&transport, config(100, 4), Vec::new()).await;
    assert!(outcomes.is_empty());
    assert_eq!(summary.requests, 0);
    assert!(transport.model().requests.is_empty());
}

#[tokio::test]
async fn one_input_is_created_and_handed_back_as_given() {
    let transport = Scripted::new(Model::default());
    let (outcomes, summary) = run(&transport, config(100, 4), orders(1)).await;
    assert_accounted(&outcomes, &summary, 1);
    assert!(matches!(outcomes[0].kind(), OutcomeKind::Created(_)));
    // The request carried a trace id the engine set; the input handed back has none.
    assert_eq!(outcomes[0].input(), &orders(1)[0]);
    let model = transport.model();
    assert_eq!(model.requests.len(), 1);
    assert!(model.sent[0]["objectWriteTraceId"].is_string());
    assert_eq!(model.sent[0]["idProperty"], ID_PROPERTY);
    assert_eq!(model.sent[0]["properties"]["version"], "1");
}

#[tokio::test]
async fn a_hundred_inputs_make_one_request_and_a_hundred_and_one_make_two() {
    for (count, sizes) in [(100, vec![100]), (101, vec![100, 1])] {
        let transport = Scripted::new(Model::default());
        let (outcomes, summary) = run(&transport, config(100, 4), orders(count)).await;
        assert_accounted(&outcomes, &summary, count);
        assert_eq!(kinds(&outcomes).get("created"), Some(&count));
        let sent: Vec<usize> = transport.model().requests.iter().map(Vec::len).collect();
        assert_eq!(sent, sizes);
        assert_eq!(summary.requests, sizes.len() as u64);
    }
}

#[tokio::test]
async fn batch_size_is_configurable() {
    let transport = Scripted::new(Model::default());
    let (outcomes, summary) = run(&transport, config(7, 2), orders(50)).await;
    assert_accounted(&outcomes, &summary, 50);
    let model = transport.model();
    assert!(model.requests.iter().all(|ids| ids.len() <= 7));
    assert_eq!(model.requests.len(), 8);
}

#[tokio::test]
async fn requests_run_concurrently_up_to_the_limit() {
    let mut transport = Scripted::new(Model::default());
    transport.delay = Duration::from_millis(20);
    let (outcomes, summary) = run(&transport, config(10, 3), orders(200)).await;
    assert_accounted(&outcomes, &summary, 200);
    assert_eq!(transport.model().max_in_flight, 3);
}

#[tokio::test]
async fn inputs_for_one_record_never_share_a_request_and_the_last_write_wins() {
    let mut transport = Scripted::new(Model::default());
    transport.delay = Duration::from_millis(5);
    // "a" five times among others, "b" twice in a row.
    let mut inputs = Vec::new();
    for n in 0..30 {
        inputs.push(order(&format!("x{n}"), 1));
        if n % 6 == 0 {
            inputs.push(order("a", n));
        }
        if n == 10 || n == 11 {
            inputs.push(order("b", n));
        }
    }
    let count = inputs.len();
    let (outcomes, summary) = run(&transport, config(100, 4), inputs).await;
    assert_accounted(&outcomes, &summary, count);
    let model = transport.model();
    assert!(model.violations.is_empty(), "{:?}", model.violations);
    assert_eq!(model.store["a"]["version"], "24");
    assert_eq!(model.store["b"]["version"], "11");
    assert_eq!(kinds(&outcomes).get("failed"), None);
    // The first write of each record creates it, the later ones update it.
    assert_eq!(kinds(&outcomes).get("updated"), Some(&5));
}

#[tokio::test]
async fn many_writes_to_one_record_keep_memory_bounded_and_order() {
    let transport = Scripted::new(Model::default());
    let inputs: Vec<Input> = (0..300).map(|n| order("same", n)).collect();
    let (outcomes, summary) = run(&transport, config(100, 4), inputs).await;
    assert_accounted(&outcomes, &summary, 300);
    let model = transport.model();
    assert!(model.violations.is_empty(), "{:?}", model.violations);
    assert_eq!(model.requests.len(), 300);
    assert_eq!(model.store["same"]["version"], "299");
}

#[tokio::test]
async fn results_are_matched_by_trace_id_whatever_their_order() {
    let transport = Scripted::new(Model {
        reverse_results: true,
        store: HashMap::from([("o3".to_owned(), BTreeMap::new())]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(10)).await;
    assert_accounted(&outcomes, &summary, 10);
    for outcome in &outcomes {
        let (OutcomeKind::Created(record) | OutcomeKind::Updated(record)) = outcome.kind() else {
            panic!("{:?}", outcome.kind());
        };
        assert_eq!(
            record.properties[ID_PROPERTY].as_deref(),
            Some(outcome.input().id.as_str())
        );
    }
    assert!(matches!(
        outcome_of(&outcomes, "o3").kind(),
        OutcomeKind::Updated(_)
    ));
}

#[tokio::test]
async fn results_without_trace_ids_are_matched_by_the_id_property() {
    let transport = Scripted::new(Model {
        reverse_results: true,
        drop_trace_ids: true,
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(10)).await;
    assert_accounted(&outcomes, &summary, 10);
    for outcome in &outcomes {
        let OutcomeKind::Created(record) = outcome.kind() else {
            panic!("{:?}", outcome.kind());
        };
        assert_eq!(
            record.properties[ID_PROPERTY].as_deref(),
            Some(outcome.input().id.as_str())
        );
    }
    assert_eq!(summary.unmatched_results, 0);
}

#[tokio::test]
async fn errors_of_a_207_fail_the_inputs_they_name_and_unnamed_ones_the_rest() {
    let transport = Scripted::new(Model {
        rejected: HashSet::from(["o2".to_owned(), "o7".to_owned()]),
        rejected_anonymously: HashSet::from(["o5".to_owned()]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(10)).await;
    assert_accounted(&outcomes, &summary, 10);
    for id in ["o2", "o7"] {
        match outcome_of(&outcomes, id).kind() {
            OutcomeKind::Failed(InputError::Rejected(error)) => {
                assert_eq!(
                    error.message.as_deref(),
                    Some(format!("{id} is rejected").as_str())
                );
                assert_eq!(error.category.as_deref(), Some("VALIDATION_ERROR"));
                assert_eq!(error.context["ids"], [id]);
                assert_eq!(error.raw["status"], "error");
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    match outcome_of(&outcomes, "o5").kind() {
        OutcomeKind::Failed(InputError::Rejected(error)) => {
            assert_eq!(error.message.as_deref(), Some("something went wrong"));
        }
        other => panic!("o5: {other:?}"),
    }
    assert_eq!(summary.created, 7);
    assert_eq!(summary.failed, 3);
}

#[tokio::test]
async fn a_batch_rejected_with_400_is_split_until_the_bad_input_stands_alone() {
    let transport = Scripted::new(Model::default());
    let mut inputs = orders(100);
    inputs[37]
        .properties
        .insert("bad".to_owned(), "x".to_owned());
    inputs[80]
        .properties
        .insert("bad".to_owned(), "y".to_owned());
    let (outcomes, summary) = run(&transport, config(100, 4), inputs).await;
    assert_accounted(&outcomes, &summary, 100);
    for id in ["o37", "o80"] {
        match outcome_of(&outcomes, id).kind() {
            OutcomeKind::Failed(InputError::Request(error)) => {
                assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    assert_eq!(summary.created, 98);
    assert_eq!(transport.model().store.len(), 98);
    // Two bad inputs in 100: at most two paths of 7 splits each, 2 requests per split.
    assert!(
        summary.requests <= 1 + 2 * 2 * 7,
        "{} requests",
        summary.requests
    );
    assert!(summary.bisections > 0);
}

#[tokio::test]
async fn a_transient_failure_is_sent_again() {
    let transport = Scripted::new(Model {
        script: VecDeque::from([Some((503, "")), Some((429, "{}")), None]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(5)).await;
    assert_accounted(&outcomes, &summary, 5);
    assert_eq!(summary.created, 5);
    assert_eq!(summary.resends, 2);
    assert_eq!(transport.model().requests.len(), 3);
}

#[tokio::test]
async fn a_transient_failure_that_outlasts_the_resends_stops_the_run() {
    let transport = Scripted::new(Model {
        script: VecDeque::from([Some((503, "")), Some((503, "")), Some((503, ""))]),
        ..Model::default()
    });
    let config = BulkConfig {
        max_resends: 2,
        ..config(10, 1)
    };
    let (outcomes, summary) = run(&transport, config, orders(30)).await;
    assert_accounted(&outcomes, &summary, 30);
    // A 503 may follow a write: the batch sent is unconfirmed, the rest not attempted.
    assert_eq!(summary.unconfirmed, 10);
    assert_eq!(summary.not_attempted, 20);
    assert!(matches!(summary.stop, Some(StopReason::Error(_))));
    assert_eq!(transport.model().requests.len(), 3);
}

#[tokio::test]
async fn the_daily_limit_stops_the_run_and_the_rest_can_be_resent() {
    let mut transport = Scripted::new(Model {
        daily_budget: Some(3),
        ..Model::default()
    });
    transport.delay = Duration::from_millis(2);
    let inputs = orders(1_000);
    let (outcomes, summary) = run(&transport, config(50, 4), inputs.clone()).await;
    assert_accounted(&outcomes, &summary, 1_000);
    assert!(matches!(summary.stop, Some(StopReason::DailyLimit(_))));
    assert_eq!(summary.created, 150);
    assert_eq!(summary.not_attempted, 850);
    // Stopped: the requests in flight finished, nothing more was sent.
    assert!(transport.model().requests.len() <= 3 + 4);
    let mut resend: Vec<Input> = outcomes
        .into_iter()
        .filter(Outcome::is_not_attempted)
        .map(Outcome::into_input)
        .collect();
    resend.sort_by(|a, b| a.id.cmp(&b.id));
    transport.model().daily_budget = None;
    let (again, summary) = run(&transport, config(50, 4), resend).await;
    assert_accounted(&again, &summary, 850);
    assert_eq!(summary.created, 850);
    let model = transport.model();
    assert_eq!(model.store.len(), 1_000);
    for input in &inputs {
        assert!(model.store.contains_key(&input.id), "{} missing", input.id);
    }
}

#[tokio::test]
async fn a_non_retryable_error_stops_the_run() {
    let transport = Scripted::new(Model {
        script: VecDeque::from([None, Some((401, r#"{"message":"bad token"}"#))]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 1), orders(100)).await;
    assert_accounted(&outcomes, &summary, 100);
    assert_eq!(summary.created, 10);
    assert_eq!(summary.not_attempted, 90);
    assert_eq!(transport.model().requests.len(), 2);
    let Some(StopReason::Error(error)) = &summary.stop else {
        panic!("{:?}", summary.stop);
    };
    assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
    // The document's error schema (here any JSON) decoded the body.
    let decoded = error.api().and_then(|api| api.body().decoded());
    assert_eq!(
        decoded.map(|body| &body["message"]),
        Some(&json!("bad token"))
    );
}

#[tokio::test]
async fn a_success_answer_that_is_not_json_is_sent_again_in_halves() {
    let transport = Scripted::new(Model {
        script: VecDeque::from([Some((200, "<html>gateway</html>"))]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 1), orders(20)).await;
    assert_accounted(&outcomes, &summary, 20);
    // The unreadable answer may follow a write: its batch went again as two halves, and
    // the run went on.
    assert_eq!(summary.created, 20, "{summary}");
    assert!(summary.stop.is_none());
    assert_eq!(summary.resends, 1);
    let sizes: Vec<usize> = transport.model().requests.iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 5, 5, 10]);
}

#[tokio::test]
async fn inputs_arriving_slower_than_answers_are_sent_without_waiting_for_a_full_batch() {
    let transport = Scripted::new(Model::default());
    let inputs = stream::iter(orders(12)).then(|input| async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        input
    });
    let (outcomes, summary) = run_stream(&transport, config(100, 4), inputs).await;
    assert_accounted(&outcomes, &summary, 12);
    assert_eq!(summary.created, 12);
    // Each input went out on its own since the previous request was answered before the
    // next input came.
    assert!(
        transport.model().requests.len() > 6,
        "{:?}",
        transport.model().requests
    );
}

#[tokio::test]
async fn outcomes_come_while_the_input_is_still_being_read() {
    // An input that never ends: outcomes must arrive anyway.
    let transport = Scripted::new(Model::default());
    let endless = stream::iter(0..).map(|n| order(&format!("o{n}"), 1));
    let mut engine: Engine<'_, Things, Scripted> = Engine::new(
        config(100, 2),
        Arc::new(transport.clone()),
        Box::pin(endless),
    );
    for _ in 0..1_000 {
        let next = std::future::poll_fn(|cx| engine.poll_next_outcome(cx)).await;
        assert!(next.is_some_and(|outcome| outcome.is_success()));
    }
    // Bounded read-ahead: a few batches per request in flight, not the whole input.
    assert!(engine.summary().requests <= 10 + 2 + 2);
}

#[tokio::test]
async fn the_deadline_stops_sending_and_reports_the_rest() {
    let transport = Scripted::new(Model::default());
    let inputs = stream::iter(orders(100)).then(|input| async move {
        tokio::time::sleep(Duration::from_millis(5)).await;
        input
    });
    let config = BulkConfig {
        deadline: Some(Duration::from_millis(100)),
        ..config(10, 2)
    };
    let (outcomes, summary) = run_stream(&transport, config, inputs).await;
    assert_accounted(&outcomes, &summary, 100);
    assert!(matches!(summary.stop, Some(StopReason::Deadline)));
    assert!(
        summary.created > 0 && summary.not_attempted > 0,
        "{summary}"
    );
    assert_eq!(transport.model().store.len() as u64, summary.created);
}

#[tokio::test]
async fn caller_trace_ids_are_kept_and_used() {
    let transport = Scripted::new(Model {
        reverse_results: true,
        ..Model::default()
    });
    let mut inputs = orders(4);
    for (n, input) in inputs.iter_mut().enumerate() {
        input.object_write_trace_id = Some(format!("mine-{n}"));
    }
    // Two inputs share a trace id: they must not share a request.
    inputs[3].object_write_trace_id = Some("mine-0".to_owned());
    let (outcomes, summary) = run(&transport, config(100, 1), inputs.clone()).await;
    assert_accounted(&outcomes, &summary, 4);
    assert_eq!(transport.model().requests.len(), 2);
    for outcome in &outcomes {
        let input = &inputs[usize::try_from(outcome.index()).unwrap_or(0)];
        assert_eq!(outcome.input(), input);
        let OutcomeKind::Created(record) = outcome.kind() else {
            panic!("{:?}", outcome.kind());
        };
        assert_eq!(record.object_write_trace_id, input.object_write_trace_id);
    }
}

#[tokio::test]
async fn a_call_past_the_clients_deadline_stops_the_run() {
    let transport = Scripted::new(Model {
        deadline_at: Some(1),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 1), orders(50)).await;
    assert_accounted(&outcomes, &summary, 50);
    assert_eq!(summary.created, 10);
    // The request past its deadline was sent: its inputs may have landed.
    assert_eq!(summary.unconfirmed, 10);
    assert_eq!(summary.not_attempted, 30);
    assert!(
        matches!(summary.stop, Some(StopReason::RequestDeadline(_))),
        "{summary}"
    );
    assert_eq!(transport.model().requests.len(), 2);
}

#[tokio::test]
async fn an_input_the_answer_forgets_fails_and_a_stray_result_is_counted() {
    let transport = Scripted::new(Model {
        omitted: HashSet::from(["o4".to_owned()]),
        stray_result: true,
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(10)).await;
    assert_accounted(&outcomes, &summary, 10);
    assert!(matches!(
        outcome_of(&outcomes, "o4").kind(),
        OutcomeKind::Failed(InputError::Unanswered)
    ));
    assert_eq!(summary.created, 9);
    assert_eq!(summary.unmatched_results, 1);
}

#[tokio::test]
async fn a_success_without_a_body_lands_every_input() {
    let transport = Scripted::new(Model {
        empty_body: Some(201),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 2), orders(25)).await;
    assert_accounted(&outcomes, &summary, 25);
    assert_eq!(kinds(&outcomes).get("landed"), Some(&25));
    assert!(outcomes.iter().all(Outcome::is_success));
    assert_eq!(summary.landed, 25);
    assert_eq!(
        (summary.created, summary.updated, summary.failed),
        (0, 0, 0)
    );
    assert!(summary.stop.is_none());
    assert_eq!(transport.model().store.len(), 25);
    assert!(
        summary.to_string().contains("25 created or updated"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_207_without_a_body_leaves_every_input_unanswered() {
    let transport = Scripted::new(Model {
        empty_body: Some(207),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 2), orders(15)).await;
    assert_accounted(&outcomes, &summary, 15);
    assert!(
        outcomes
            .iter()
            .all(|outcome| matches!(outcome.kind(), OutcomeKind::Failed(InputError::Unanswered)))
    );
    assert_eq!(summary.failed, 15);
    assert!(summary.stop.is_none());
}

#[tokio::test]
async fn results_without_new_land_with_their_record() {
    let transport = Scripted::new(Model {
        drop_new: true,
        reverse_results: true,
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(10)).await;
    assert_accounted(&outcomes, &summary, 10);
    for outcome in &outcomes {
        let OutcomeKind::Landed(Some(record)) = outcome.kind() else {
            panic!("{:?}", outcome.kind());
        };
        assert_eq!(
            record.properties[ID_PROPERTY].as_deref(),
            Some(outcome.input().id.as_str())
        );
    }
    assert_eq!(summary.landed, 10);
    assert_eq!(summary.undecodable_results, 0);
}

#[tokio::test]
async fn a_result_that_does_not_decode_lands_without_a_record() {
    let transport = Scripted::new(Model {
        drop_created_at: true,
        rejected: HashSet::from(["o1".to_owned()]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 1), orders(5)).await;
    assert_accounted(&outcomes, &summary, 5);
    for id in ["o0", "o2", "o3", "o4"] {
        assert!(
            matches!(outcome_of(&outcomes, id).kind(), OutcomeKind::Landed(None)),
            "{id}"
        );
    }
    // The rest of the answer is still read: the error still fails its input.
    assert!(matches!(
        outcome_of(&outcomes, "o1").kind(),
        OutcomeKind::Failed(InputError::Rejected(_))
    ));
    assert_eq!(summary.landed, 4);
    assert_eq!(summary.undecodable_results, 4);
    assert_eq!(summary.unmatched_results, 0);
    assert!(summary.stop.is_none());
}

#[tokio::test]
async fn without_trace_ids_inputs_go_out_as_given_and_are_matched_by_id() {
    let mut transport = Scripted::new(Model {
        reverse_results: true,
        rejected: HashSet::from(["o3".to_owned()]),
        ..Model::default()
    });
    transport.delay = Duration::from_millis(2);
    let mut inputs = orders(10);
    // One id under another id property: told apart only by request, never sharing one.
    let mut twin = order("o5", 2);
    twin.id_property = Some("other_id".to_owned());
    inputs.push(twin);
    let (outcomes, summary) =
        run_stream_as::<Untraced, _>(&transport, config(100, 2), stream::iter(inputs.clone()))
            .await;
    assert_accounted(&outcomes, &summary, 11);
    let model = transport.model();
    assert!(model.violations.is_empty(), "{:?}", model.violations);
    assert!(
        model
            .sent
            .iter()
            .all(|input| input.get("objectWriteTraceId").is_none()),
        "{:?}",
        model.sent
    );
    assert_eq!(model.requests.len(), 2);
    for outcome in &outcomes {
        let input = &inputs[usize::try_from(outcome.index()).unwrap_or(0)];
        assert_eq!(outcome.input(), input);
        if input.id == "o3" {
            assert!(matches!(
                outcome.kind(),
                OutcomeKind::Failed(InputError::Rejected(_))
            ));
            continue;
        }
        let (OutcomeKind::Created(record) | OutcomeKind::Updated(record)) = outcome.kind() else {
            panic!("{:?}", outcome.kind());
        };
        assert_eq!(
            record.properties[input.id_property.as_deref().unwrap_or_default()].as_deref(),
            Some(input.id.as_str())
        );
    }
    assert_eq!(
        (summary.created, summary.updated, summary.failed),
        (9, 1, 1)
    );
    assert_eq!(summary.unmatched_results, 0);
}

#[tokio::test]
async fn an_input_that_is_not_a_json_object_fails_unsent() {
    let transport = Scripted::new(Model::default());
    let inputs = vec![
        json!({"id": "o0", "idProperty": ID_PROPERTY, "properties": {}}),
        json!(["not", "an", "object"]),
        json!({"id": "o2", "idProperty": ID_PROPERTY, "properties": {}}),
    ];
    let (outcomes, summary) =
        run_stream_as::<Loose, _>(&transport, config(100, 1), stream::iter(inputs)).await;
    assert_accounted(&outcomes, &summary, 3);
    let failed: Vec<u64> = outcomes
        .iter()
        .filter(|outcome| {
            matches!(
                outcome.kind(),
                OutcomeKind::Failed(InputError::Unencodable(_))
            )
        })
        .map(Outcome::index)
        .collect();
    assert_eq!(failed, [1]);
    assert_eq!(summary.created, 2);
    assert_eq!(
        transport.model().requests,
        [vec!["o0".to_owned(), "o2".to_owned()]]
    );
}

/// Polls `engine` for its next outcome.
async fn next_outcome<O: UpsertOperation>(
    engine: &mut Engine<'_, O, Scripted>,
) -> Option<Outcome<O>> {
    std::future::poll_fn(|cx| engine.poll_next_outcome(cx)).await
}

#[tokio::test]
async fn a_stop_sends_nothing_new_and_reports_every_input() {
    let mut transport = Scripted::new(Model::default());
    transport.delay = Duration::from_millis(5);
    let mut engine: Engine<'_, Things, Scripted> = Engine::new(
        config(10, 4),
        Arc::new(transport.clone()),
        Box::pin(stream::iter(orders(1_000))),
    );
    let mut outcomes = Vec::new();
    while outcomes.len() < 25 {
        outcomes.extend(next_outcome(&mut engine).await);
    }
    engine.signal().stop();
    let sent_at_stop = transport.model().requests.len();
    while let Some(outcome) = next_outcome(&mut engine).await {
        outcomes.push(outcome);
    }
    let summary = engine.summary();
    assert_accounted(&outcomes, &summary, 1_000);
    let model = transport.model();
    // Nothing was sent after the stop; what was in flight finished and was reported.
    assert_eq!(model.requests.len(), sent_at_stop);
    assert_eq!(model.store.len() as u64, summary.created, "{summary}");
    assert_eq!(summary.created, 10 * sent_at_stop as u64);
    assert!(
        matches!(summary.stop, Some(StopReason::Stopped)),
        "{summary}"
    );
    assert_eq!(summary.not_attempted, 1_000 - summary.created);
    assert!(outcomes.iter().all(|outcome| match outcome.kind() {
        OutcomeKind::Created(_) => true,
        OutcomeKind::NotAttempted(reason) => matches!(reason, StopReason::Stopped),
        _ => false,
    }));
}

#[tokio::test]
async fn a_stop_before_the_first_poll_sends_nothing() {
    let transport = Scripted::new(Model::default());
    let mut engine: Engine<'_, Things, Scripted> = Engine::new(
        config(10, 4),
        Arc::new(transport.clone()),
        Box::pin(stream::iter(orders(35))),
    );
    engine.signal().stop();
    let mut outcomes = Vec::new();
    while let Some(outcome) = next_outcome(&mut engine).await {
        outcomes.push(outcome);
    }
    let summary = engine.summary();
    assert_accounted(&outcomes, &summary, 35);
    assert_eq!(summary.not_attempted, 35);
    assert!(transport.model().requests.is_empty());
}

#[tokio::test]
async fn a_stop_wakes_a_run_that_waits_for_an_answer() {
    let mut transport = Scripted::new(Model::default());
    transport.delay = Duration::from_secs(2);
    let mut engine: Engine<'_, Things, Scripted> = Engine::new(
        config(10, 1),
        Arc::new(transport.clone()),
        Box::pin(stream::iter(orders(30))),
    );
    let signal = engine.signal();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        signal.stop();
    });
    let started = std::time::Instant::now();
    // The first request is in flight for 2 s; the stop reports the inputs waiting at once.
    let first = next_outcome(&mut engine).await;
    assert!(
        first.as_ref().is_some_and(Outcome::is_not_attempted),
        "{first:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let mut outcomes: Vec<_> = first.into_iter().collect();
    while let Some(outcome) = next_outcome(&mut engine).await {
        outcomes.push(outcome);
    }
    let summary = engine.summary();
    assert_accounted(&outcomes, &summary, 30);
    assert_eq!((summary.created, summary.not_attempted), (10, 20));
}

#[tokio::test]
async fn an_id_property_hubspot_rejects_stops_the_run_after_one_request() {
    let transport = Scripted::new(Model {
        script: VecDeque::from(vec![Some((400, NON_UNIQUE)); 100]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 8), orders(1_000)).await;
    assert_accounted(&outcomes, &summary, 1_000);
    // One request: the first goes alone until HubSpot accepts one, and its 400 is about the
    // request, not an input.
    assert_eq!(transport.model().requests.len(), 1);
    assert_eq!(summary.not_attempted, 1_000);
    assert_eq!((summary.bisections, summary.isolation_requests), (0, 0));
    let Some(StopReason::Configuration(error)) = &summary.stop else {
        panic!("{summary}");
    };
    assert!(
        error
            .to_string()
            .contains("non-unique 0-123 property shop_order_id"),
        "{error}"
    );
    assert!(
        summary.to_string().contains("rejected the request itself"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_400_that_names_its_inputs_fails_them_and_sends_the_rest_once() {
    let transport = Scripted::new(Model {
        name_bad_inputs: true,
        ..Model::default()
    });
    let mut inputs = orders(100);
    for bad in [13, 61] {
        inputs[bad]
            .properties
            .insert("bad".to_owned(), "x".to_owned());
    }
    let (outcomes, summary) = run(&transport, config(100, 4), inputs).await;
    assert_accounted(&outcomes, &summary, 100);
    for id in ["o13", "o61"] {
        assert!(
            matches!(
                outcome_of(&outcomes, id).kind(),
                OutcomeKind::Failed(InputError::Request(_))
            ),
            "{id}"
        );
    }
    assert_eq!(summary.created, 98);
    // The batch, then the 98 others: no splitting.
    assert_eq!(transport.model().requests.len(), 2);
    assert_eq!((summary.bisections, summary.isolation_requests), (1, 1));
}

#[tokio::test]
async fn one_bad_input_the_400_does_not_name_costs_at_most_two_requests_per_halving() {
    let transport = Scripted::new(Model::default());
    let mut inputs = orders(1_000);
    inputs[437]
        .properties
        .insert("bad".to_owned(), "x".to_owned());
    let (outcomes, summary) = run(&transport, config(100, 4), inputs).await;
    assert_accounted(&outcomes, &summary, 1_000);
    assert_eq!(summary.failed, 1);
    assert_eq!(summary.created, 999);
    // 10 batches, and 2·⌈log2 100⌉ = 14 more to find the bad one.
    assert!(summary.requests <= 10 + 14, "{summary}");
    assert_eq!(summary.isolation_requests, summary.requests - 10);
}

#[tokio::test]
async fn isolating_stops_at_the_runs_allowance() {
    let transport = Scripted::new(Model::default());
    // Every tenth input is bad: far more isolating than the allowance.
    let mut inputs = orders(1_000);
    for input in inputs.iter_mut().step_by(10) {
        input.properties.insert("bad".to_owned(), "x".to_owned());
    }
    let capped = BulkConfig {
        max_isolation_requests: Some(20),
        ..config(100, 2)
    };
    let (outcomes, summary) = run(&transport, capped, inputs).await;
    assert_accounted(&outcomes, &summary, 1_000);
    assert!(
        matches!(summary.stop, Some(StopReason::IsolationBudget(_))),
        "{summary}"
    );
    assert!(summary.isolation_requests <= 20, "{summary}");
    // Requests made from the input, plus at most the allowance, plus those in flight.
    assert!(summary.requests <= 2 + 20 + 2, "{summary}");
    // The default allowance: 2·(2·7 + 1) = 30 plus one per batch made from the input.
    let transport = Scripted::new(Model::default());
    let mut inputs = orders(1_000);
    for input in inputs.iter_mut().step_by(10) {
        input.properties.insert("bad".to_owned(), "x".to_owned());
    }
    let (outcomes, summary) = run(&transport, config(100, 1), inputs).await;
    assert_accounted(&outcomes, &summary, 1_000);
    assert!(summary.isolation_requests <= 30 + 10, "{summary}");
    assert!(
        matches!(summary.stop, Some(StopReason::IsolationBudget(_))),
        "{summary}"
    );
}

#[tokio::test]
async fn inputs_that_cannot_be_right_fail_unsent_with_the_reason() {
    let transport = Scripted::new(Model::default());
    let mut inputs = orders(6);
    inputs[1].id = String::new();
    inputs[2].id = "  ".to_owned();
    inputs[3].id_property = Some(String::new());
    inputs[4].properties.insert(String::new(), "x".to_owned());
    inputs[5].id_property = Some(crate::OBJECT_ID_PROPERTY.to_owned());
    let (outcomes, summary) = run(&transport, config(100, 1), inputs).await;
    assert_accounted(&outcomes, &summary, 6);
    let reasons: Vec<String> = outcomes
        .iter()
        .filter_map(|outcome| match outcome.kind() {
            OutcomeKind::Failed(error @ InputError::Invalid(_)) => Some(error.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].contains("`id` is empty"), "{reasons:?}");
    assert!(reasons[2].contains("`idProperty` is empty"), "{reasons:?}");
    assert!(reasons[3].contains("property name"), "{reasons:?}");
    assert!(
        reasons[4].contains("`idProperty` is `hs_object_id`"),
        "{reasons:?}"
    );
    // Only the good input was sent.
    assert_eq!(transport.model().requests, [vec!["o0".to_owned()]]);
}

#[tokio::test]
async fn a_lost_answer_is_sent_again_in_halves_and_reported_landed_not_updated() {
    // The first answer is lost after HubSpot wrote the records.
    let transport = Scripted::new(Model {
        lose_answers: 1,
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 1), orders(30)).await;
    assert_accounted(&outcomes, &summary, 30);
    let sizes: Vec<usize> = transport.model().requests.iter().map(Vec::len).collect();
    assert_eq!(sizes, [10, 5, 5, 10, 10]);
    assert!(summary.stop.is_none());
    // The resend found the records the lost request created: `new: false`, yet not an
    // update this run can vouch for.
    for n in 0..10 {
        let outcome = outcome_of(&outcomes, &format!("o{n}"));
        assert!(
            matches!(outcome.kind(), OutcomeKind::Landed(Some(_))),
            "{n}"
        );
    }
    assert_eq!(
        (summary.landed, summary.created, summary.updated),
        (10, 20, 0)
    );
}

#[tokio::test]
async fn answers_always_too_large_end_unconfirmed_after_bounded_resends() {
    let transport = Scripted::new(Model {
        too_large_above: Some(0),
        ..Model::default()
    });
    let config = BulkConfig {
        max_resends: 2,
        ..config(8, 2)
    };
    let (outcomes, summary) = run(&transport, config, orders(16)).await;
    assert_accounted(&outcomes, &summary, 16);
    assert_eq!(summary.unconfirmed, 16);
    assert!(outcomes.iter().all(|outcome| matches!(
        outcome.kind(),
        OutcomeKind::Unconfirmed(error) if matches!(**error, crate::Error::BodyTooLarge(_))
    )));
    // Not a stop: the second batch was sent too. Each batch: 1 + 2 + 4 requests.
    assert!(summary.stop.is_none(), "{summary}");
    assert_eq!(summary.requests, 2 * 7);
    let sizes: Vec<usize> = transport.model().requests.iter().map(Vec::len).collect();
    assert_eq!(
        sizes.iter().filter(|size| **size == 2).count(),
        8,
        "{sizes:?}"
    );
    // Every record was written all the same: resending them is safe.
    assert_eq!(transport.model().store.len(), 16);
}

#[tokio::test]
async fn answers_too_large_for_a_full_batch_land_from_smaller_ones() {
    let transport = Scripted::new(Model {
        too_large_above: Some(25),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(100, 4), orders(100)).await;
    assert_accounted(&outcomes, &summary, 100);
    assert_eq!(summary.landed, 100, "{summary}");
    assert_eq!(summary.requests, 1 + 2 + 4);
}

#[tokio::test]
async fn after_retried_attempts_new_false_is_landed_unless_only_429s_were_retried() {
    // After an attempt that got no answer, the record found may be this run's own earlier
    // write: landed. After 429s, HubSpot applied none of the earlier attempts: updated. So
    // whether the call then succeeded, or the client gave up on it (a 429) and the run sent
    // the batch again.
    for given_up in [false, true] {
        for (earlier_refused, landed, updated) in [(false, 1, 0), (true, 0, 1)] {
            let transport = Scripted::new(Model {
                attempts: 3,
                earlier_refused,
                script: VecDeque::from([given_up.then_some((429, "{}"))]),
                store: HashMap::from([("o3".to_owned(), BTreeMap::new())]),
                ..Model::default()
            });
            let (outcomes, summary) = run(&transport, config(100, 1), orders(5)).await;
            let case = format!("given up: {given_up}, earlier refused: {earlier_refused}");
            assert_accounted(&outcomes, &summary, 5);
            assert_eq!(
                transport.model().requests.len(),
                1 + usize::from(given_up),
                "{case}: {summary}"
            );
            let kind = outcome_of(&outcomes, "o3").kind();
            match earlier_refused {
                false => assert!(matches!(kind, OutcomeKind::Landed(Some(_))), "{case}"),
                true => assert!(matches!(kind, OutcomeKind::Updated(_)), "{case}"),
            }
            assert_eq!(
                (summary.created, summary.landed, summary.updated),
                (4, landed, updated),
                "{case}"
            );
        }
    }
}

#[tokio::test]
async fn a_500_is_not_sent_again() {
    let transport = Scripted::new(Model {
        script: VecDeque::from([Some((500, r#"{"message":"internal error"}"#))]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 1), orders(20)).await;
    assert_accounted(&outcomes, &summary, 20);
    assert_eq!(transport.model().requests.len(), 1);
    assert_eq!(summary.resends, 0);
    assert_eq!(summary.not_attempted, 20);
    assert!(
        matches!(summary.stop, Some(StopReason::Error(_))),
        "{summary}"
    );
}

#[tokio::test]
async fn a_stop_after_a_failure_without_verdict_reports_unconfirmed_not_unattempted() {
    // A 503 (which may follow a write) then a deadline: the inputs were sent twice.
    let transport = Scripted::new(Model {
        script: VecDeque::from([Some((503, "")), Some((401, r#"{"message":"bad token"}"#))]),
        ..Model::default()
    });
    let (outcomes, summary) = run(&transport, config(10, 1), orders(20)).await;
    assert_accounted(&outcomes, &summary, 20);
    assert_eq!(
        (summary.unconfirmed, summary.not_attempted),
        (10, 10),
        "{summary}"
    );
}
