//! Bulk upsert: any number of records, in batches, with one outcome per input, for any
//! document whose handle implements [`UpsertOperation`].
//!
//! [`BulkUpsert`] takes the inputs as an iterator or a [`Stream`], sends them in batch upsert
//! requests of at most 100 (configurable), several at once (configurable; the client's rate
//! limiter paces them), and returns a [`BulkRun`]: a stream of [`Outcome`]s, exactly one per
//! input, followed by a [`Summary`].
//!
//! - Every answer is tied back to its inputs. When the document's inputs have an
//!   `objectWriteTraceId` ([`UpsertOperation::TRACE_IDS`]), the engine gives each input one in
//!   the request when it has none (the input handed back is the caller's, untouched), and
//!   matches results by trace id or by the `idProperty` value, and `207` errors by the ids
//!   and trace ids in their `context`; without trace ids, by the `idProperty` value and the
//!   ids alone. An error that names no input concerns every input of its request that has no
//!   result.
//! - Two inputs for the same record (same `idProperty` and `id`; same `id` when there are
//!   no trace ids) never share a request: the later one waits until the earlier one's request
//!   is answered, so the last write wins in the order the inputs came.
//! - A request rejected whole with `400` is split in two, and again, until the inputs that
//!   HubSpot rejects stand alone: the others land, and each rejected input fails with its own
//!   error.
//! - A request that fails transiently after the client's own retries (a `429` other than the
//!   daily limit, a `5xx`, a broken connection) is sent again, up to
//!   [`BulkUpsert::max_resends`] times.
//! - At the daily limit, at the run's or a call's deadline, or on an error that no resend
//!   can fix, the run stops sending, lets the requests in flight finish, and reports every
//!   input not yet sent as [`OutcomeKind::NotAttempted`]. Upsert is idempotent, so sending
//!   exactly those inputs again later (see [`Outcome::into_input`],
//!   [`Report::not_attempted_inputs`]) completes the work.
//!
//! The engine reads any success answer leniently, whatever the document says of it: a
//! result is created or updated by its `new`; one without `new`, a success answer without a
//! body, and a result that does not decode as [`UpsertOperation::Record`] all say that the
//! write landed without saying how ([`OutcomeKind::Landed`]). Per-input errors are read
//! into [`Rejection`], whatever the document's error schema.
//!
//! Memory stays bounded whatever the input's length: the run reads ahead at most a few
//! batches per request in flight.
//!
//! ```no_run
//! # use std::collections::BTreeMap;
//! # use hubspot_runtime::{Api, Client, OperationInfo, RateClass, Repeat};
//! # use hubspot_runtime::bulk::UpsertOperation;
//! # #[derive(Debug, Clone, serde::Serialize)]
//! # #[serde(rename_all = "camelCase")]
//! # struct Input {
//! #     id: String,
//! #     id_property: Option<String>,
//! #     properties: BTreeMap<String, String>,
//! # }
//! # #[derive(Debug, serde::Deserialize)]
//! # struct Record {
//! #     id: String,
//! # }
//! # #[derive(Debug, Clone)]
//! # struct Orders(Client);
//! # impl Api for Orders {
//! #     fn client(&self) -> &Client {
//! #         &self.0
//! #     }
//! # }
//! # const BATCH_UPSERT: OperationInfo = OperationInfo::new(
//! #     "batch_upsert",
//! #     "post-/crm/v3/objects/orders/batch/upsert",
//! #     "/crm/v3/objects/orders/batch/upsert",
//! #     Repeat::Safe,
//! #     RateClass::Standard,
//! #     "application/json",
//! # );
//! # impl UpsertOperation for Orders {
//! #     type Input = Input;
//! #     type Record = Record;
//! #     type Error = serde_json::Value;
//! #     const OPERATION: &'static OperationInfo = &BATCH_UPSERT;
//! #     const TRACE_IDS: bool = true;
//! # }
//! use futures_util::StreamExt;
//! use hubspot_runtime::bulk::{BulkUpsert, OutcomeKind};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // `Orders` is a generated handle; `Input` its batch upsert input type.
//! let orders = Orders(Client::new(std::env::var("HUBSPOT_TOKEN")?));
//! let inputs = (1..=10_000).map(|number| Input {
//!     id: format!("shop-{number}"),
//!     id_property: Some("hs_external_order_id".to_owned()),
//!     properties: [("hs_order_name".to_owned(), format!("Order {number}"))].into(),
//! });
//! let mut run = BulkUpsert::new(&orders).concurrency(4).run_iter(inputs);
//! let mut resend = Vec::new();
//! while let Some(outcome) = run.next().await {
//!     if outcome.is_not_attempted() {
//!         resend.push(outcome.into_input());
//!     } else if let OutcomeKind::Failed(error) = outcome.kind() {
//!         eprintln!("{}: {error}", outcome.input().id);
//!     }
//! }
//! println!("{}", run.summary());
//! # Ok(())
//! # }
//! ```

mod engine;
mod rejection;
#[cfg(test)]
mod tests;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::{self, Stream, StreamExt};

use crate::codegen::{self, BoxFuture, Failure, Method, Request, Response};
use crate::{Api, Error, Metrics, OperationInfo};
use engine::{Engine, Transport};
pub use rejection::Rejection;

/// A document's batch upsert operation, as the generator implements it for the document's
/// handle: the types of its inputs, results and errors, and the operation itself.
pub trait UpsertOperation: Api {
    /// One input as the document types it, serialized to the batch upsert's wire JSON
    /// (`id`, `idProperty`, `objectWriteTraceId`, `properties`).
    type Input: serde::Serialize + Clone + Send + Sync + 'static;
    /// One result (`results[i]`), decoded from the wire JSON of that result.
    type Record: serde::de::DeserializeOwned + Send + Sync + 'static;
    /// The document's error schema, for [`Error<Self::Error>`](Error).
    type Error: serde::de::DeserializeOwned + fmt::Debug + Send + Sync + 'static;
    /// The batch upsert operation; its path is
    /// [`OPERATION.path_template`](OperationInfo::path_template) (it has no path parameters).
    const OPERATION: &'static OperationInfo;
    /// Whether the input schema has `objectWriteTraceId`; without it the engine matches
    /// results and errors by id only.
    const TRACE_IDS: bool;
}

/// The error of a whole batch upsert request.
pub type RequestError<O> = Error<<O as UpsertOperation>::Error>;

/// The most inputs HubSpot takes in one batch request.
pub const MAX_BATCH_SIZE: usize = 100;

/// Settings of a bulk run, as [`BulkUpsert`] collects them.
#[derive(Debug, Clone)]
pub(crate) struct BulkConfig {
    pub(crate) batch_size: usize,
    pub(crate) concurrency: usize,
    pub(crate) max_resends: u32,
    pub(crate) deadline: Option<Duration>,
}

impl Default for BulkConfig {
    fn default() -> Self {
        BulkConfig {
            batch_size: MAX_BATCH_SIZE,
            concurrency: 8,
            max_resends: 3,
            deadline: None,
        }
    }
}

/// Upserts any number of records in batches; see the [module docs](self).
///
/// Made with [`BulkUpsert::new`], configured with its methods, started with
/// [`run`](BulkUpsert::run) or [`run_iter`](BulkUpsert::run_iter).
pub struct BulkUpsert<O: UpsertOperation> {
    api: O,
    config: BulkConfig,
}

impl<O: UpsertOperation> BulkUpsert<O> {
    /// A bulk upsert through the handle `api` (cloned: clones share the client's connection
    /// pool, rate limiter and metrics), with batches of 100 and 8 requests in flight.
    pub fn new(api: &O) -> Self {
        BulkUpsert {
            api: api.clone(),
            config: BulkConfig::default(),
        }
    }

    /// The most inputs per request, 100 by default; values are kept between 1 and
    /// [`MAX_BATCH_SIZE`].
    #[must_use]
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.config.batch_size = batch_size.clamp(1, MAX_BATCH_SIZE);
        self
    }

    /// The most requests in flight at once, 8 by default (at least 1). Requests still wait
    /// for the client's rate limiter, so more in flight raises throughput only up to what
    /// the limit allows; but to reach that limit, the requests in flight must cover the
    /// rate times the time one request takes (25 requests a second of 400 ms each need 10 in
    /// flight).
    #[must_use]
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.config.concurrency = concurrency.max(1);
        self
    }

    /// How many times a request whose failure was transient (after the client's own
    /// retries) is sent again before the run stops, 3 by default.
    #[must_use]
    pub fn max_resends(mut self, max_resends: u32) -> Self {
        self.config.max_resends = max_resends;
        self
    }

    /// How long the run may send requests, counted from [`run`](BulkUpsert::run): once
    /// it has passed, the requests in flight finish and every other input is reported
    /// [`NotAttempted`](OutcomeKind::NotAttempted) with [`StopReason::Deadline`]. No
    /// deadline by default.
    #[must_use]
    pub fn deadline(mut self, after: Duration) -> Self {
        self.config.deadline = Some(after);
        self
    }

    /// Starts upserting the inputs of `inputs`, read as the run has room for them.
    ///
    /// Must be polled inside a Tokio runtime (the client's requests and the deadline need it).
    pub fn run<'a, S>(self, inputs: S) -> BulkRun<'a, O>
    where
        S: Stream<Item = O::Input> + Send + 'a,
    {
        let transport = Arc::new(ClientTransport(self.api));
        BulkRun {
            engine: Engine::new(self.config, transport, Box::pin(inputs)),
        }
    }

    /// Starts upserting the inputs of an iterator; see [`run`](BulkUpsert::run).
    pub fn run_iter<'a, I>(self, inputs: I) -> BulkRun<'a, O>
    where
        I: IntoIterator<Item = O::Input>,
        I::IntoIter: Send + 'a,
    {
        self.run(stream::iter(inputs))
    }
}

impl<O: UpsertOperation> Clone for BulkUpsert<O> {
    fn clone(&self) -> Self {
        BulkUpsert {
            api: self.api.clone(),
            config: self.config.clone(),
        }
    }
}

impl<O: UpsertOperation + fmt::Debug> fmt::Debug for BulkUpsert<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkUpsert")
            .field("api", &self.api)
            .field("config", &self.config)
            .finish()
    }
}

/// Sends each batch through the handle's client as the operation's request, and reads the
/// client's metrics.
struct ClientTransport<O>(O);

impl<O: UpsertOperation> Transport for ClientTransport<O> {
    fn send(&self, body: serde_json::Value) -> BoxFuture<'static, Result<Response, Failure>> {
        let client = self.0.client().clone();
        Box::pin(async move {
            let operation = O::OPERATION;
            let mut request =
                Request::new(Method::POST, operation.path_template.to_owned(), operation);
            request.json(&body)?;
            codegen::send(&client, request).await
        })
    }

    fn metrics(&self) -> Metrics {
        self.0.client().metrics()
    }
}

/// A bulk upsert under way: a [`Stream`] of one [`Outcome`] per input, in the order answers
/// arrive, which ends when every input has its outcome.
///
/// Nothing is sent until the stream is polled. [`summary`](BulkRun::summary) gives the
/// figures at any time, final once the stream has ended.
pub struct BulkRun<'a, O: UpsertOperation> {
    engine: Engine<'a, O, ClientTransport<O>>,
}

impl<O: UpsertOperation> BulkRun<'_, O> {
    /// The figures so far; final once the stream has ended.
    pub fn summary(&self) -> Summary<O> {
        self.engine.summary()
    }

    /// Whether every input has its outcome and the stream has ended.
    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// Runs to the end and collects every outcome (for inputs that fit in memory).
    pub async fn report(mut self) -> Report<O> {
        let mut outcomes = Vec::new();
        while let Some(outcome) = self.next().await {
            outcomes.push(outcome);
        }
        outcomes.sort_by_key(Outcome::index);
        Report {
            summary: self.summary(),
            outcomes,
        }
    }
}

impl<O: UpsertOperation> fmt::Debug for BulkRun<'_, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.engine, f)
    }
}

impl<O: UpsertOperation> Stream for BulkRun<'_, O> {
    type Item = Outcome<O>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outcome<O>>> {
        self.engine.poll_next_outcome(cx)
    }
}

/// What became of one input.
pub struct Outcome<O: UpsertOperation> {
    index: u64,
    input: O::Input,
    kind: OutcomeKind<O>,
}

impl<O: UpsertOperation> Outcome<O> {
    /// The input's position in the run's input, from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The input as the caller gave it.
    pub fn input(&self) -> &O::Input {
        &self.input
    }

    /// What became of it.
    pub fn kind(&self) -> &OutcomeKind<O> {
        &self.kind
    }

    /// Whether the write landed: the record was created or updated (or one of the two, when
    /// the answer did not say which).
    pub fn is_success(&self) -> bool {
        matches!(
            self.kind,
            OutcomeKind::Created(_) | OutcomeKind::Updated(_) | OutcomeKind::Landed(_)
        )
    }

    /// Whether the input was never sent (or its request has no verdict); send it again to
    /// resume.
    pub fn is_not_attempted(&self) -> bool {
        matches!(self.kind, OutcomeKind::NotAttempted(_))
    }

    /// The input, e.g. to send it again.
    pub fn into_input(self) -> O::Input {
        self.input
    }

    /// The input and what became of it.
    pub fn into_parts(self) -> (O::Input, OutcomeKind<O>) {
        (self.input, self.kind)
    }
}

impl<O: UpsertOperation> fmt::Debug for Outcome<O>
where
    O::Input: fmt::Debug,
    O::Record: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outcome")
            .field("index", &self.index)
            .field("input", &self.input)
            .field("kind", &self.kind)
            .finish()
    }
}

/// What became of one input.
#[non_exhaustive]
pub enum OutcomeKind<O: UpsertOperation> {
    /// HubSpot created the record (`new: true`).
    Created(Box<O::Record>),
    /// HubSpot updated an existing record (`new: false`).
    Updated(Box<O::Record>),
    /// HubSpot applied the input, but its answer did not say whether it created or updated
    /// the record: the result has no `new`, or the answer is a success other than `207`
    /// without a body or without `results` (`None`), or the result does not decode as the
    /// document's record type (`None`, and counted in [`Summary::undecodable_results`]). The
    /// write landed either way.
    Landed(Option<Box<O::Record>>),
    /// HubSpot rejected this input (or it could not be encoded, and was not sent).
    Failed(InputError<O>),
    /// The input was not sent, or its request got no verdict, because the run stopped.
    /// Upsert is idempotent: sending it again is safe.
    NotAttempted(StopReason<O>),
}

impl<O: UpsertOperation> fmt::Debug for OutcomeKind<O>
where
    O::Record: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutcomeKind::Created(record) => f.debug_tuple("Created").field(record).finish(),
            OutcomeKind::Updated(record) => f.debug_tuple("Updated").field(record).finish(),
            OutcomeKind::Landed(record) => f.debug_tuple("Landed").field(record).finish(),
            OutcomeKind::Failed(error) => f.debug_tuple("Failed").field(error).finish(),
            OutcomeKind::NotAttempted(reason) => {
                f.debug_tuple("NotAttempted").field(reason).finish()
            }
        }
    }
}

/// Why HubSpot rejected one input.
#[non_exhaustive]
pub enum InputError<O: UpsertOperation> {
    /// A `207` answer lists this error for the input, or lists an error naming no input
    /// while giving this input no result.
    Rejected(Arc<Rejection>),
    /// The request holding this input alone (after splitting) was rejected with this error.
    Request(Arc<RequestError<O>>),
    /// HubSpot's answer had neither a result nor an error for this input (a `207` without a
    /// body has neither for any input).
    Unanswered,
    /// The input does not serialize as a JSON object, so it was not sent.
    Unencodable(Arc<serde_json::Error>),
}

impl<O: UpsertOperation> Clone for InputError<O> {
    fn clone(&self) -> Self {
        match self {
            InputError::Rejected(error) => InputError::Rejected(error.clone()),
            InputError::Request(error) => InputError::Request(error.clone()),
            InputError::Unanswered => InputError::Unanswered,
            InputError::Unencodable(error) => InputError::Unencodable(error.clone()),
        }
    }
}

impl<O: UpsertOperation> fmt::Debug for InputError<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Rejected(error) => f.debug_tuple("Rejected").field(error).finish(),
            InputError::Request(error) => f.debug_tuple("Request").field(error).finish(),
            InputError::Unanswered => f.write_str("Unanswered"),
            InputError::Unencodable(error) => f.debug_tuple("Unencodable").field(error).finish(),
        }
    }
}

impl<O: UpsertOperation> fmt::Display for InputError<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Rejected(error) => fmt::Display::fmt(error, f),
            InputError::Request(error) => fmt::Display::fmt(error, f),
            InputError::Unanswered => {
                f.write_str("HubSpot's answer had no result and no error for this input")
            }
            InputError::Unencodable(error) => {
                write!(
                    f,
                    "the input could not be encoded, so it was not sent: {error}"
                )
            }
        }
    }
}

/// Why a run stopped sending.
#[non_exhaustive]
pub enum StopReason<O: UpsertOperation> {
    /// HubSpot answered `429` with the `DAILY` policy: the account's daily limit is spent.
    DailyLimit(Arc<RequestError<O>>),
    /// The run's [deadline](BulkUpsert::deadline) passed.
    Deadline,
    /// A request ran past the client's per-call
    /// [deadline](crate::ClientBuilder::deadline).
    RequestDeadline(Arc<RequestError<O>>),
    /// A request failed in a way that no resend fixes (authentication, a missing scope, an
    /// answer that does not decode), or still failed transiently after every resend.
    Error(Arc<RequestError<O>>),
}

impl<O: UpsertOperation> Clone for StopReason<O> {
    fn clone(&self) -> Self {
        match self {
            StopReason::DailyLimit(error) => StopReason::DailyLimit(error.clone()),
            StopReason::Deadline => StopReason::Deadline,
            StopReason::RequestDeadline(error) => StopReason::RequestDeadline(error.clone()),
            StopReason::Error(error) => StopReason::Error(error.clone()),
        }
    }
}

impl<O: UpsertOperation> fmt::Debug for StopReason<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::DailyLimit(error) => f.debug_tuple("DailyLimit").field(error).finish(),
            StopReason::Deadline => f.write_str("Deadline"),
            StopReason::RequestDeadline(error) => {
                f.debug_tuple("RequestDeadline").field(error).finish()
            }
            StopReason::Error(error) => f.debug_tuple("Error").field(error).finish(),
        }
    }
}

impl<O: UpsertOperation> fmt::Display for StopReason<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopReason::DailyLimit(error) => write!(f, "daily limit reached: {error}"),
            StopReason::Deadline => f.write_str("the run's deadline passed"),
            StopReason::RequestDeadline(error) => write!(f, "a request ran out of time: {error}"),
            StopReason::Error(error) => write!(f, "stopped by an error: {error}"),
        }
    }
}

/// The figures of a run.
#[non_exhaustive]
pub struct Summary<O: UpsertOperation> {
    /// Records created.
    pub created: u64,
    /// Records updated.
    pub updated: u64,
    /// Inputs applied without the answer saying whether they created or updated their
    /// record ([`OutcomeKind::Landed`]).
    pub landed: u64,
    /// Inputs HubSpot rejected (or that could not be encoded).
    pub failed: u64,
    /// Inputs not sent because the run stopped.
    pub not_attempted: u64,
    /// Batch requests the run made (each may take several attempts, see `attempts`).
    pub requests: u64,
    /// What the client did during the run: attempts sent (retries included), retries, `429`
    /// answers, server errors, transport errors, time spent waiting. Taken from
    /// [`Client::metrics`](crate::Client::metrics), so calls made through the same client
    /// elsewhere at the same time count too.
    pub client: Metrics,
    /// Requests split in two after a `400`.
    pub bisections: u64,
    /// Requests sent again by the run after a transient failure outlasted the client's
    /// retries.
    pub resends: u64,
    /// Results in HubSpot's answers that matched no input (or an input a second time).
    pub unmatched_results: u64,
    /// Results matched to an input that do not decode as the document's record type (their
    /// inputs are [`Landed`](OutcomeKind::Landed) with no record).
    pub undecodable_results: u64,
    /// Why the run stopped early, if it did.
    pub stop: Option<StopReason<O>>,
    /// Time from the start of the run.
    pub elapsed: Duration,
}

impl<O: UpsertOperation> Summary<O> {
    /// Inputs with an outcome.
    pub fn total(&self) -> u64 {
        self.created + self.updated + self.landed + self.failed + self.not_attempted
    }
}

impl<O: UpsertOperation> Default for Summary<O> {
    fn default() -> Self {
        Summary {
            created: 0,
            updated: 0,
            landed: 0,
            failed: 0,
            not_attempted: 0,
            requests: 0,
            client: Metrics::default(),
            bisections: 0,
            resends: 0,
            unmatched_results: 0,
            undecodable_results: 0,
            stop: None,
            elapsed: Duration::ZERO,
        }
    }
}

impl<O: UpsertOperation> Clone for Summary<O> {
    fn clone(&self) -> Self {
        Summary {
            stop: self.stop.clone(),
            ..*self
        }
    }
}

impl<O: UpsertOperation> fmt::Debug for Summary<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Summary")
            .field("created", &self.created)
            .field("updated", &self.updated)
            .field("landed", &self.landed)
            .field("failed", &self.failed)
            .field("not_attempted", &self.not_attempted)
            .field("requests", &self.requests)
            .field("client", &self.client)
            .field("bisections", &self.bisections)
            .field("resends", &self.resends)
            .field("unmatched_results", &self.unmatched_results)
            .field("undecodable_results", &self.undecodable_results)
            .field("stop", &self.stop)
            .field("elapsed", &self.elapsed)
            .finish()
    }
}

impl<O: UpsertOperation> fmt::Display for Summary<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} created, {} updated, ", self.created, self.updated)?;
        if self.landed > 0 {
            write!(f, "{} created or updated, ", self.landed)?;
        }
        write!(
            f,
            "{} failed, {} not attempted; {} requests ({} attempts, {} retries, {} answered \
             429) in {:.1?}",
            self.failed,
            self.not_attempted,
            self.requests,
            self.client.requests,
            self.client.retries,
            self.client.rate_limited,
            self.elapsed
        )?;
        if let Some(stop) = &self.stop {
            write!(f, "; stopped: {stop}")?;
        }
        Ok(())
    }
}

/// Every outcome of a finished run, in input order, and its summary.
pub struct Report<O: UpsertOperation> {
    /// One outcome per input, in input order.
    pub outcomes: Vec<Outcome<O>>,
    /// The run's figures.
    pub summary: Summary<O>,
}

impl<O: UpsertOperation> Report<O> {
    /// The inputs that were not attempted, in input order: send them again to resume.
    pub fn not_attempted_inputs(&self) -> Vec<O::Input> {
        self.outcomes
            .iter()
            .filter(|outcome| outcome.is_not_attempted())
            .map(|outcome| outcome.input.clone())
            .collect()
    }

    /// The outcomes of the inputs HubSpot rejected.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome<O>> {
        self.outcomes
            .iter()
            .filter(|outcome| matches!(outcome.kind, OutcomeKind::Failed(_)))
    }
}

impl<O: UpsertOperation> fmt::Debug for Report<O>
where
    O::Input: fmt::Debug,
    O::Record: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("outcomes", &self.outcomes)
            .field("summary", &self.summary)
            .finish()
    }
}
