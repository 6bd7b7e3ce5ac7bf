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
//! - Inputs that cannot be right fail before anything is sent, with the reason
//!   ([`InputError::Invalid`]): an empty or missing `id`, an empty `idProperty` or
//!   [`OBJECT_ID_PROPERTY`](crate::OBJECT_ID_PROPERTY) as `idProperty` (batch upsert keys on
//!   a property with unique values), an empty property name.
//! - Until HubSpot has answered one request of the run with a success, one request is in
//!   flight at a time: a setting that every request gets rejected for costs one request.
//! - A request rejected whole with `400` is read by its error body (`category`, `message`,
//!   `context`, `errors`; see [Rejected batches](#rejected-batches)). An error about the
//!   request (an `idProperty` that is not a unique property, a property that no input may
//!   set, a missing scope) stops the run at once with [`StopReason::Configuration`]. An
//!   error that names inputs fails those inputs and sends the rest again; one that belongs
//!   to an input it does not name splits the batch in two, and again, until the bad input
//!   stands alone. The others land either way.
//! - A request refused after the client's own retries (a `429` other than the daily limit,
//!   a connection never made) is sent again whole, up to [`BulkUpsert::max_resends`] times,
//!   and so is one answered `502`, `503`, `504` or `423`; when that persists the run stops.
//!   Which failures are transient is one definition shared with the client's retries: a
//!   `500` is not (HubSpot lists it among no answers to repeat), so it stops the run.
//! - A request whose answer was lost (the connection broke or timed out after sending), too
//!   large for the client, or a success that is not JSON, may have been applied: it is sent
//!   again in halves (smaller batches, smaller and quicker answers), up to
//!   [`BulkUpsert::max_resends`] times, so the run ends whatever the server does. An input
//!   whose every send went unanswered is [`OutcomeKind::Unconfirmed`]: sent, result unknown.
//!   The run goes on.
//! - At the daily limit, at the run's or a call's deadline, on an error that no resend can
//!   fix, or when the caller [stops it](BulkRun::stopper), the run stops sending, lets the
//!   requests in flight finish, and reports every input not yet sent as
//!   [`OutcomeKind::NotAttempted`]. Upsert is idempotent, so sending exactly those inputs
//!   (and the unconfirmed ones) again later (see [`Outcome::into_input`],
//!   [`Report::inputs_to_resend`]) completes the work.
//!
//! The engine reads any success answer leniently, whatever the document says of it: a
//! result is created or updated by its `new`; one without `new`, a success answer without a
//! body, and a result that does not decode as [`UpsertOperation::Record`] all say that the
//! write landed without saying how ([`OutcomeKind::Landed`]). So does `new: false` when an
//! earlier attempt of the same input may have written the record (the client retried the
//! call after an attempt that got no answer or a 502, 503, 504 or 423, not after a 429; or the
//! engine sent the input again after a failure without a verdict): the record
//! it finds may be the one this run created. `new: true` is believed as it is. Per-input
//! errors are read into [`Rejection`], whatever the document's error schema.
//!
//! Memory stays bounded whatever the input's length: the run reads ahead at most a few
//! batches per request in flight.
//!
//! # Stopping
//!
//! [`BulkRun::stopper`] gives a [`Stopper`] (`Clone`, `Send`, `Sync`: hand it to a Ctrl-C
//! handler); [`Stopper::stop`] ends the run gracefully. Nothing new is sent, the requests in
//! flight finish and their outcomes come as usual, and every other input (the rest of the
//! input included, which is read but not sent) comes out as
//! [`NotAttempted`](OutcomeKind::NotAttempted) with [`StopReason::Stopped`]; then the stream
//! ends. Keep polling the stream until it ends, or call [`BulkRun::stop_and_drain`]. An input
//! that never ends must end by itself after a stop (e.g. with `take_until` on the same
//! signal), since the run reads it to the end.
//!
//! Dropping a [`BulkRun`] before its stream has ended cancels the requests in flight: HubSpot
//! may or may not apply them, and no outcome will say which; outcomes produced but not yet
//! taken are lost too. The drop logs a warning with these figures. Stop and drain instead.
//!
//! # Rejected batches
//!
//! A `400` for a whole batch is blamed by its body, in this order: a missing scope
//! (`MISSING_SCOPES`) is the request's; inputs whose `id` or trace id the error names
//! (`context` values, `errors[].context`, or a word of a message) are to blame; an error
//! about duplicate inputs is split; an `idProperty` error (`non-unique`, `idProperty`,
//! `unique property`) blames the inputs whose `idProperty` it names, or the request when
//! every input of the batch uses that one; a property that does not exist
//! (`PROPERTY_DOESNT_EXIST`) blames the inputs setting it, or the request when all do; a
//! value that breaks a property's rules (`INVALID_…`, `not valid`) blames the one input that
//! sets the property named, or splits the batch. Anything else, a `VALIDATION_ERROR` naming
//! no input among them, is about the request (inside a split, about an input).
//!
//! Isolating costs requests, bounded: an error that names its inputs costs one more request
//! (the rest of the batch); one that does not costs at most `2·⌈log2 b⌉` more per bad input
//! in a batch of `b` (14 for 100). The run never spends more on isolating than
//! `2·(2·⌈log2 b⌉ + 1)` requests plus one per batch it has made from the input (so
//! isolating at most doubles a run's requests, plus 30 for batches of 100), or
//! [`BulkUpsert::max_isolation_requests`]; past that it stops with
//! [`StopReason::IsolationBudget`], since so many rejections point at the data as a whole.
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
//! # async fn ctrl_c() {}
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // `Orders` is a generated handle; `Input` its batch upsert input type.
//! let orders = Orders(Client::new(std::env::var("HUBSPOT_TOKEN")?));
//! let inputs = (1..=10_000).map(|number| Input {
//!     id: format!("shop-{number}"),
//!     id_property: Some("hs_external_order_id".to_owned()),
//!     properties: [("hs_order_name".to_owned(), format!("Order {number}"))].into(),
//! });
//! let mut run = BulkUpsert::new(&orders).concurrency(4).run_iter(inputs);
//! // Ctrl-C stops the run gracefully: the loop below still gets every outcome.
//! let stopper = run.stopper();
//! tokio::spawn(async move {
//!     ctrl_c().await; // e.g. `tokio::signal::ctrl_c`
//!     stopper.stop();
//! });
//! let mut resend = Vec::new();
//! while let Some(outcome) = run.next().await {
//!     if outcome.is_not_attempted() || outcome.is_unconfirmed() {
//!         resend.push(outcome.into_input());
//!     } else if let OutcomeKind::Failed(error) = outcome.kind() {
//!         eprintln!("{}: {error}", outcome.input().id);
//!     }
//! }
//! println!("{}", run.summary());
//! # Ok(())
//! # }
//! ```

mod blame;
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

use crate::codegen::{BoxFuture, Failure, Method, Request, Response};
use crate::metrics::Counters;
use crate::{Api, Error, Metrics, OperationInfo};
use engine::{Engine, StopSignal, Transport};
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
    pub(crate) max_isolation_requests: Option<u64>,
}

impl Default for BulkConfig {
    fn default() -> Self {
        BulkConfig {
            batch_size: MAX_BATCH_SIZE,
            concurrency: 8,
            max_resends: 3,
            deadline: None,
            max_isolation_requests: None,
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

    /// How many times a request that got no verdict (after the client's own retries) is sent
    /// again, 3 by default: a refused one or one answered `502`, `503`, `504` or `423` is sent
    /// again whole, and the run stops when it still fails; one whose answer was lost, too
    /// large or unreadable is sent again in halves, and its inputs are
    /// [`Unconfirmed`](OutcomeKind::Unconfirmed) when it still fails (so with `n` resends, a
    /// batch whose answers are always lost costs at most `2^(n+1) - 1` requests).
    #[must_use]
    pub fn max_resends(mut self, max_resends: u32) -> Self {
        self.config.max_resends = max_resends;
        self
    }

    /// The most requests the run may spend isolating the inputs of batches rejected with a
    /// `400` (resending the rest of a batch, sending its halves); past it the run stops with
    /// [`StopReason::IsolationBudget`]. By default `2·(2·⌈log2 b⌉ + 1)` plus one per batch
    /// made from the input so far, for batches of `b` (see the [module docs](self)).
    #[must_use]
    pub fn max_isolation_requests(mut self, requests: u64) -> Self {
        self.config.max_isolation_requests = Some(requests);
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
        let transport = Arc::new(ClientTransport {
            api: self.api,
            counters: Arc::default(),
        });
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

/// Sends each batch through the handle's client as the operation's request, counting the
/// attempts in the run's own counters as well as the client's.
struct ClientTransport<O> {
    api: O,
    /// What the client did for this run's requests alone.
    counters: Arc<Counters>,
}

impl<O: UpsertOperation> Transport for ClientTransport<O> {
    fn send(&self, body: serde_json::Value) -> BoxFuture<'static, Result<Response, Failure>> {
        let client = self.api.client().clone();
        let counters = self.counters.clone();
        Box::pin(async move {
            let operation = O::OPERATION;
            let mut request =
                Request::new(Method::POST, operation.path_template.to_owned(), operation);
            request.json(&body)?;
            crate::client::send_counted(&client, request, Some(&counters)).await
        })
    }

    fn metrics(&self) -> Metrics {
        self.counters.snapshot()
    }
}

/// A bulk upsert under way: a [`Stream`] of one [`Outcome`] per input, in the order answers
/// arrive, which ends when every input has its outcome.
///
/// Nothing is sent until the stream is polled. [`summary`](BulkRun::summary) gives the
/// figures at any time, final once the stream has ended.
///
/// To end it early, [stop](BulkRun::stopper) it and poll it to its end (or call
/// [`stop_and_drain`](BulkRun::stop_and_drain)): every input then has its outcome. Dropping it
/// before its end cancels the requests in flight, whose writes HubSpot may apply without any
/// outcome saying so, and loses the outcomes not yet taken; the drop logs a warning saying
/// how many.
#[must_use = "a bulk run sends nothing until its stream is polled"]
pub struct BulkRun<'a, O: UpsertOperation> {
    engine: Engine<'a, O, ClientTransport<O>>,
}

impl<O: UpsertOperation> BulkRun<'_, O> {
    /// The figures so far; final once the stream has ended.
    pub fn summary(&self) -> Summary<O> {
        self.engine.summary()
    }

    /// A handle that stops this run gracefully from anywhere (another task, a signal
    /// handler); see [`Stopper::stop`].
    pub fn stopper(&self) -> Stopper {
        Stopper {
            signal: self.engine.signal(),
        }
    }

    /// Stops the run, waits for the requests in flight, and returns every outcome not yet
    /// taken from the stream (in input order: the requests in flight, the inputs read but not
    /// sent, and the rest of the input as [`NotAttempted`](OutcomeKind::NotAttempted)) with
    /// the final summary. What to call instead of dropping a run midway.
    ///
    /// The rest of the input is read to its end (not sent), and its outcomes held in memory.
    pub async fn stop_and_drain(self) -> Report<O> {
        self.stopper().stop();
        self.report().await
    }

    /// Whether every input has its outcome and the stream has ended.
    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// Runs to the end and collects every outcome not yet taken from the stream, in input
    /// order (for inputs that fit in memory).
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

/// Stops a [`BulkRun`] gracefully: made by [`BulkRun::stopper`], cloned freely, sent to
/// any thread.
#[derive(Debug, Clone)]
pub struct Stopper {
    signal: Arc<StopSignal>,
}

impl Stopper {
    /// Stops the run: nothing new is sent; the requests in flight finish and report their
    /// inputs' outcomes; every other input is reported
    /// [`NotAttempted`](OutcomeKind::NotAttempted) with [`StopReason::Stopped`] (unless the run
    /// had already stopped for another reason, which it keeps), the rest of the input
    /// included; then the stream ends. Takes effect at once, even while the run waits for
    /// answers; calling it again does nothing more.
    pub fn stop(&self) {
        self.signal.stop();
    }

    /// Whether [`stop`](Stopper::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.signal.is_stopped()
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

    /// Whether the input was not written: not sent, or its request was refused whole; send it
    /// again to resume.
    pub fn is_not_attempted(&self) -> bool {
        matches!(self.kind, OutcomeKind::NotAttempted(_))
    }

    /// Whether the input was sent but its result is unknown; sending it again is safe
    /// (upsert is idempotent) and settles it.
    pub fn is_unconfirmed(&self) -> bool {
        matches!(self.kind, OutcomeKind::Unconfirmed(_))
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
    /// HubSpot updated an existing record (`new: false`), and no earlier attempt of this
    /// input may have created it.
    Updated(Box<O::Record>),
    /// HubSpot applied the input, but its answer did not say whether it created or updated
    /// the record: the result has no `new`, or the answer is a success other than `207`
    /// without a body or without `results` (`None`), or the result does not decode as the
    /// document's record type (`None`, and counted in [`Summary::undecodable_results`]), or
    /// it says `new: false` after an earlier attempt of this input may have written the
    /// record (the client retried the call after an attempt HubSpot may have carried out,
    /// or the run sent the input again), so the record found may be the one this run
    /// created. The write landed either way.
    Landed(Option<Box<O::Record>>),
    /// HubSpot rejected this input (or it could not be right or encoded, and was not sent).
    Failed(InputError<O>),
    /// The input was sent, but no answer tells what became of it: the answer was lost (the
    /// connection broke or timed out after sending), too large for the client, or unreadable,
    /// on every send (see [`BulkUpsert::max_resends`]), or a stop came after such a failure.
    /// It may have been written or not. Upsert is idempotent: sending it again is safe and
    /// settles it. Carries the last failure.
    Unconfirmed(Arc<RequestError<O>>),
    /// The input was not written: not sent, or its request was refused whole, because the
    /// run stopped. Upsert is idempotent: sending it again is safe.
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
            OutcomeKind::Unconfirmed(error) => f.debug_tuple("Unconfirmed").field(error).finish(),
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
    /// A `400` rejected the request holding this input with this error, which names this
    /// input, or which came when this input was alone in its request (after splitting).
    Request(Arc<RequestError<O>>),
    /// HubSpot's answer had neither a result nor an error for this input (a `207` without a
    /// body has neither for any input).
    Unanswered,
    /// The input does not serialize as a JSON object, so it was not sent.
    Unencodable(Arc<serde_json::Error>),
    /// The input cannot be right, so it was not sent: the reason (an empty `id`, an empty
    /// property name, ...; see the [module docs](self)).
    Invalid(String),
}

impl<O: UpsertOperation> Clone for InputError<O> {
    fn clone(&self) -> Self {
        match self {
            InputError::Rejected(error) => InputError::Rejected(error.clone()),
            InputError::Request(error) => InputError::Request(error.clone()),
            InputError::Unanswered => InputError::Unanswered,
            InputError::Unencodable(error) => InputError::Unencodable(error.clone()),
            InputError::Invalid(why) => InputError::Invalid(why.clone()),
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
            InputError::Invalid(why) => f.debug_tuple("Invalid").field(why).finish(),
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
            InputError::Invalid(why) => write!(f, "not sent: {why}"),
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
    /// A request failed in a way that no resend fixes (authentication, a `500`), or was
    /// still refused or answered `502`, `503`, `504` or `423` after every resend.
    Error(Arc<RequestError<O>>),
    /// The caller stopped the run ([`Stopper::stop`]).
    Stopped,
    /// HubSpot rejected a request with a `400` about the request, not its inputs (an
    /// `idProperty` that is not a unique property, a property no input may set, a missing
    /// scope): every other request would get it too. Carries HubSpot's answer; fix the
    /// setting and send the inputs not attempted again.
    Configuration(Arc<RequestError<O>>),
    /// Isolating the inputs of batches rejected with a `400` would cost more requests than
    /// the run allows ([`BulkUpsert::max_isolation_requests`]). Carries the last rejection.
    IsolationBudget(Arc<RequestError<O>>),
}

impl<O: UpsertOperation> Clone for StopReason<O> {
    fn clone(&self) -> Self {
        match self {
            StopReason::DailyLimit(error) => StopReason::DailyLimit(error.clone()),
            StopReason::Deadline => StopReason::Deadline,
            StopReason::RequestDeadline(error) => StopReason::RequestDeadline(error.clone()),
            StopReason::Error(error) => StopReason::Error(error.clone()),
            StopReason::Stopped => StopReason::Stopped,
            StopReason::Configuration(error) => StopReason::Configuration(error.clone()),
            StopReason::IsolationBudget(error) => StopReason::IsolationBudget(error.clone()),
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
            StopReason::Stopped => f.write_str("Stopped"),
            StopReason::Configuration(error) => {
                f.debug_tuple("Configuration").field(error).finish()
            }
            StopReason::IsolationBudget(error) => {
                f.debug_tuple("IsolationBudget").field(error).finish()
            }
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
            StopReason::Stopped => f.write_str("stopped by the caller"),
            StopReason::Configuration(error) => {
                write!(
                    f,
                    "HubSpot rejected the request itself, not an input: {error}"
                )
            }
            StopReason::IsolationBudget(error) => write!(
                f,
                "too many batches rejected to isolate their bad inputs within the run's \
                 allowance of requests; the last rejection: {error}"
            ),
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
    /// Inputs HubSpot rejected (or that could not be right or encoded).
    pub failed: u64,
    /// Inputs sent whose result is unknown ([`OutcomeKind::Unconfirmed`]).
    pub unconfirmed: u64,
    /// Inputs not written because the run stopped.
    pub not_attempted: u64,
    /// Batch requests the run made (each may take several attempts, see `attempts`).
    pub requests: u64,
    /// What the client did for this run's requests: attempts sent (retries included),
    /// retries, `429` answers, server errors, transport errors, time spent waiting. Counted
    /// for the run alone: calls made through the same client elsewhere at the same time (a
    /// second run, another object) count in [`Client::metrics`](crate::Client::metrics) but
    /// not here.
    pub client: Metrics,
    /// Requests split after a `400`: into the inputs it named and the rest, or in two
    /// halves when it named none.
    pub bisections: u64,
    /// Requests spent isolating the inputs of batches rejected with a `400` (the rest of a
    /// batch sent again, halves), counted against
    /// [`BulkUpsert::max_isolation_requests`].
    pub isolation_requests: u64,
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
        self.created
            + self.updated
            + self.landed
            + self.failed
            + self.unconfirmed
            + self.not_attempted
    }
}

impl<O: UpsertOperation> Default for Summary<O> {
    fn default() -> Self {
        Summary {
            created: 0,
            updated: 0,
            landed: 0,
            failed: 0,
            unconfirmed: 0,
            not_attempted: 0,
            requests: 0,
            client: Metrics::default(),
            bisections: 0,
            isolation_requests: 0,
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
            .field("unconfirmed", &self.unconfirmed)
            .field("not_attempted", &self.not_attempted)
            .field("requests", &self.requests)
            .field("client", &self.client)
            .field("bisections", &self.bisections)
            .field("isolation_requests", &self.isolation_requests)
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
        if self.unconfirmed > 0 {
            write!(f, "{} unconfirmed, ", self.unconfirmed)?;
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
    /// The inputs that were not attempted or are unconfirmed, in input order: send them again
    /// to resume (upsert is idempotent, so an unconfirmed input that did land is only
    /// written again).
    pub fn inputs_to_resend(&self) -> Vec<O::Input> {
        self.outcomes
            .iter()
            .filter(|outcome| outcome.is_not_attempted() || outcome.is_unconfirmed())
            .map(|outcome| outcome.input.clone())
            .collect()
    }

    /// The inputs that were not attempted, in input order (see also
    /// [`inputs_to_resend`](Report::inputs_to_resend)).
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
