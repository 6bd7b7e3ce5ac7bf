//! Bulk upsert: any number of orders, in batches, with one outcome per input.
//!
//! [`BulkUpsert`] takes the inputs as an iterator or a [`Stream`], sends them in batch upsert
//! requests of at most 100 (configurable), several at once (configurable; the client's rate
//! limiter paces them), and returns a [`BulkRun`]: a stream of [`Outcome`]s, exactly one per
//! input, followed by a [`Summary`].
//!
//! - Every answer is tied back to its inputs: the engine gives each input an
//!   `objectWriteTraceId` when it has none (and removes it again from the input it hands
//!   back), and matches results by trace id or by the `idProperty` value, and `207` errors
//!   by the ids and trace ids in their `context`. An error that names no input concerns every
//!   input of its request that has no result.
//! - Two inputs for the same record (same `idProperty` and `id`) never share a request: the
//!   later one waits until the earlier one's request is answered, so the last write wins in
//!   the order the inputs came.
//! - A request rejected whole with `400` is split in two, and again, until the inputs that
//!   HubSpot rejects stand alone: the others land, and each rejected input fails with its own
//!   error.
//! - A request that fails transiently after the client's own retries (a `429` other than the
//!   daily limit, a `5xx`, a broken connection) is sent again, up to
//!   [`BulkUpsert::max_resends`] times.
//! - At the daily limit, at the run's or a call's deadline, or on an error that no resend can fix, the
//!   run stops sending, lets the requests in flight finish, and reports every input not yet
//!   sent as [`OutcomeKind::NotAttempted`]. Upsert is idempotent, so sending exactly those
//!   inputs again later (see [`Outcome::into_input`], [`Report::not_attempted_inputs`])
//!   completes the work.
//!
//! Memory stays bounded whatever the input's length: the run reads ahead at most a few
//! batches per request in flight.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use hubspot_orders::bulk::{BulkUpsert, OutcomeKind};
//! use hubspot_orders::types::SimplePublicObjectBatchInputUpsert;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = hubspot_orders::Client::new(std::env::var("HUBSPOT_TOKEN")?);
//! let orders = (1..=10_000).map(|number| SimplePublicObjectBatchInputUpsert {
//!     id: format!("shop-{number}"),
//!     id_property: Some("hs_external_order_id".to_owned()),
//!     object_write_trace_id: None,
//!     properties: [("hs_order_name".to_owned(), format!("Order {number}"))].into(),
//! });
//! let mut run = BulkUpsert::new(&client).concurrency(4).run_iter(orders);
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
#[cfg(test)]
mod tests;

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::{self, Stream, StreamExt};

use crate::types::{SimplePublicObjectBatchInputUpsert, SimplePublicUpsertObject, StandardError};
use crate::{Client, Metrics};
use engine::{Answer, Engine, Transport};

/// One input of a bulk upsert.
pub type Input = SimplePublicObjectBatchInputUpsert;

/// The error of a whole batch upsert request.
pub type RequestError = crate::Error<crate::types::Error>;

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

/// Upserts any number of orders in batches; see the [module docs](self).
///
/// Made with [`BulkUpsert::new`], configured with its methods, started with
/// [`run`](BulkUpsert::run) or [`run_iter`](BulkUpsert::run_iter).
#[derive(Debug, Clone)]
pub struct BulkUpsert {
    client: Client,
    config: BulkConfig,
}

impl BulkUpsert {
    /// A bulk upsert through `client` (cloned: clones share the connection pool, the rate
    /// limiter and the metrics), with batches of 100 and 8 requests in flight.
    pub fn new(client: &Client) -> Self {
        BulkUpsert {
            client: client.clone(),
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
    pub fn run<'a, S>(self, inputs: S) -> BulkRun<'a>
    where
        S: Stream<Item = Input> + Send + 'a,
    {
        let transport = Arc::new(ClientTransport(self.client));
        BulkRun {
            engine: Engine::new(self.config, transport, Box::pin(inputs)),
        }
    }

    /// Starts upserting the inputs of an iterator; see [`run`](BulkUpsert::run).
    pub fn run_iter<'a, I>(self, inputs: I) -> BulkRun<'a>
    where
        I: IntoIterator<Item = Input>,
        I::IntoIter: Send + 'a,
    {
        self.run(stream::iter(inputs))
    }
}

/// Sends batches with the client's generated `batch_upsert`, and reads its metrics.
struct ClientTransport(Client);

impl Transport for ClientTransport {
    fn upsert(
        &self,
        body: crate::types::BatchInputSimplePublicObjectBatchInputUpsert,
    ) -> BoxFuture<'static, Answer> {
        let client = self.0.clone();
        Box::pin(async move { client.batch_upsert(&body).await })
    }

    fn metrics(&self) -> Metrics {
        self.0.metrics()
    }
}

/// A bulk upsert under way: a [`Stream`] of one [`Outcome`] per input, in the order answers
/// arrive, which ends when every input has its outcome.
///
/// Nothing is sent until the stream is polled. [`summary`](BulkRun::summary) gives the
/// figures at any time, final once the stream has ended.
pub struct BulkRun<'a> {
    engine: Engine<'a, ClientTransport>,
}

impl BulkRun<'_> {
    /// The figures so far; final once the stream has ended.
    pub fn summary(&self) -> Summary {
        self.engine.summary()
    }

    /// Whether every input has its outcome and the stream has ended.
    pub fn is_finished(&self) -> bool {
        self.engine.is_finished()
    }

    /// Runs to the end and collects every outcome (for inputs that fit in memory).
    pub async fn report(mut self) -> Report {
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

impl fmt::Debug for BulkRun<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.engine, f)
    }
}

impl Stream for BulkRun<'_> {
    type Item = Outcome;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Outcome>> {
        self.engine.poll_next_outcome(cx)
    }
}

/// What became of one input.
#[derive(Debug)]
pub struct Outcome {
    index: u64,
    input: Input,
    kind: OutcomeKind,
}

impl Outcome {
    /// The input's position in the run's input, from 0.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// The input as the caller gave it.
    pub fn input(&self) -> &Input {
        &self.input
    }

    /// What became of it.
    pub fn kind(&self) -> &OutcomeKind {
        &self.kind
    }

    /// Whether the order was created or updated.
    pub fn is_success(&self) -> bool {
        matches!(self.kind, OutcomeKind::Created(_) | OutcomeKind::Updated(_))
    }

    /// Whether the input was never sent (or its request has no verdict); send it again to
    /// resume.
    pub fn is_not_attempted(&self) -> bool {
        matches!(self.kind, OutcomeKind::NotAttempted(_))
    }

    /// The input, e.g. to send it again.
    pub fn into_input(self) -> Input {
        self.input
    }

    /// The input and what became of it.
    pub fn into_parts(self) -> (Input, OutcomeKind) {
        (self.input, self.kind)
    }
}

/// What became of one input.
#[derive(Debug)]
#[non_exhaustive]
pub enum OutcomeKind {
    /// HubSpot created the order (`new: true`).
    Created(Box<SimplePublicUpsertObject>),
    /// HubSpot updated an existing order (`new: false`).
    Updated(Box<SimplePublicUpsertObject>),
    /// HubSpot rejected this input.
    Failed(InputError),
    /// The input was not sent, or its request got no verdict, because the run stopped.
    /// Upsert is idempotent: sending it again is safe.
    NotAttempted(StopReason),
}

/// Why HubSpot rejected one input.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum InputError {
    /// A `207` answer lists this error for the input, or lists an error naming no input
    /// while giving this input no result.
    Rejected(Arc<StandardError>),
    /// The request holding this input alone (after splitting) was rejected with this error.
    Request(Arc<RequestError>),
    /// HubSpot's answer had neither a result nor an error for this input.
    Unanswered,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Rejected(error) => {
                f.write_str(error.message.as_deref().unwrap_or("rejected"))?;
                if let Some(category) = &error.category {
                    write!(f, " ({category})")?;
                }
                Ok(())
            }
            InputError::Request(error) => fmt::Display::fmt(error, f),
            InputError::Unanswered => {
                f.write_str("HubSpot's answer had no result and no error for this input")
            }
        }
    }
}

/// Why a run stopped sending.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum StopReason {
    /// HubSpot answered `429` with the `DAILY` policy: the account's daily limit is spent.
    DailyLimit(Arc<RequestError>),
    /// The run's [deadline](BulkUpsert::deadline) passed.
    Deadline,
    /// A request ran past the client's per-call
    /// [deadline](crate::ClientBuilder::deadline).
    RequestDeadline(Arc<RequestError>),
    /// A request failed in a way that no resend fixes (authentication, a missing scope, an
    /// answer that does not decode), or still failed transiently after every resend.
    Error(Arc<RequestError>),
}

impl fmt::Display for StopReason {
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
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Summary {
    /// Orders created.
    pub created: u64,
    /// Orders updated.
    pub updated: u64,
    /// Inputs HubSpot rejected.
    pub failed: u64,
    /// Inputs not sent because the run stopped.
    pub not_attempted: u64,
    /// Batch requests the run made (each may take several attempts, see `attempts`).
    pub requests: u64,
    /// What the client did during the run: attempts sent (retries included), retries, `429`
    /// answers, server errors, transport errors, time spent waiting. Taken from
    /// [`Client::metrics`], so calls made through the same client elsewhere at the same time
    /// count too.
    pub client: Metrics,
    /// Requests split in two after a `400`.
    pub bisections: u64,
    /// Requests sent again by the run after a transient failure outlasted the client's
    /// retries.
    pub resends: u64,
    /// Results in HubSpot's answers that matched no input (or an input a second time).
    pub unmatched_results: u64,
    /// Why the run stopped early, if it did.
    pub stop: Option<StopReason>,
    /// Time from the start of the run.
    pub elapsed: Duration,
}

impl Summary {
    /// Inputs with an outcome.
    pub fn total(&self) -> u64 {
        self.created + self.updated + self.failed + self.not_attempted
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} failed, {} not attempted; {} requests ({} attempts, \
             {} retries, {} answered 429) in {:.1?}",
            self.created,
            self.updated,
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
#[derive(Debug)]
pub struct Report {
    /// One outcome per input, in input order.
    pub outcomes: Vec<Outcome>,
    /// The run's figures.
    pub summary: Summary,
}

impl Report {
    /// The inputs that were not attempted, in input order: send them again to resume.
    pub fn not_attempted_inputs(&self) -> Vec<Input> {
        self.outcomes
            .iter()
            .filter(|outcome| outcome.is_not_attempted())
            .map(|outcome| outcome.input.clone())
            .collect()
    }

    /// The outcomes of the inputs HubSpot rejected.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes
            .iter()
            .filter(|outcome| matches!(outcome.kind, OutcomeKind::Failed(_)))
    }
}
