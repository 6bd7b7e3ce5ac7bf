//! The bulk upsert engine: a hand-polled state machine over a [`Transport`] that sends one
//! batch and returns HubSpot's answer, which the engine reads itself.
//!
//! Written by hand rather than composed from stream adapters (`chunks`, `buffer_unordered`)
//! because HubSpot's rules cut across them: an input may not join a batch while another
//! input for the same record is unanswered, a batch rejected with a 400 for some of its
//! inputs comes back without them or split in two, a refused one comes back whole, one whose
//! answer was lost comes back in halves, and a stop must turn everything still queued into
//! outcomes. Memory stays bounded: the engine reads input only while no full batch waits
//! for a free slot and its queue of deferred inputs is below its cap.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::stream::{FuturesUnordered, Stream, StreamExt};
use futures_util::task::AtomicWaker;
use reqwest::StatusCode;
use serde_json::{Map, Value};

use super::blame::{self, Blame, Facts};
use super::rejection::plain_text;
use super::{
    BulkConfig, InputError, Outcome, OutcomeKind, Rejection, RequestError, StopReason, Summary,
    UpsertOperation,
};
use crate::codegen::{BoxFuture, Failure, Response, null_as_default};
use crate::retry::{self, Fault, Transience};
use crate::{Metrics, OBJECT_ID_PROPERTY};

/// The wire names the engine reads and writes.
const INPUTS: &str = "inputs";
const ID: &str = "id";
const ID_PROPERTY: &str = "idProperty";
const TRACE_ID: &str = "objectWriteTraceId";
const NEW: &str = "new";
const PROPERTIES: &str = "properties";

/// A success answer to one batch upsert request, as far as the engine reads it.
#[derive(Debug, Default)]
pub(crate) struct Reply {
    /// `results`, each as sent; `None` when the answer has no `results` at all (no body).
    results: Option<Vec<Value>>,
    /// `errors`.
    errors: Vec<Rejection>,
    /// Whether the status was `207 Multi-Status` (some inputs failed).
    multi_status: bool,
    /// Whether an earlier attempt of the client's may have written the records (it got no
    /// answer, or a 502, 503, 504 or 423); an attempt after a 429 repeats one HubSpot did
    /// not apply.
    maybe_applied_earlier: bool,
}

/// The body of a success answer, read leniently: the document's types are not consulted.
#[derive(serde::Deserialize)]
struct WireReply {
    #[serde(default)]
    results: Option<Vec<Value>>,
    #[serde(default, deserialize_with = "null_as_default")]
    errors: Vec<Value>,
}

/// The answer to one batch upsert request.
pub(crate) type Answer<O> = Result<Reply, RequestError<O>>;

/// Reads HubSpot's answer: a success status's body (none at all is fine) as results and
/// errors, any other status as the document's error.
fn read_answer<O: UpsertOperation>(sent: Result<Response, Failure>) -> Answer<O> {
    let response = sent?;
    let status = response.status();
    if !(200..300).contains(&status) {
        return Err(response.into_error());
    }
    let multi_status = status == 207;
    let maybe_applied_earlier = response.maybe_applied_earlier;
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Reply {
            results: None,
            errors: Vec::new(),
            multi_status,
            maybe_applied_earlier,
        });
    }
    let wire: WireReply = response.json()?;
    Ok(Reply {
        results: wire.results,
        errors: wire.errors.into_iter().map(Rejection::from_json).collect(),
        multi_status,
        maybe_applied_earlier,
    })
}

/// The flag a [`Stopper`](super::Stopper) sets, and the waker of the run's last poll, so
/// that a stop is acted on at once even while the run waits for answers.
#[derive(Debug, Default)]
pub(crate) struct StopSignal {
    stopped: AtomicBool,
    waker: AtomicWaker,
}

impl StopSignal {
    pub(crate) fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        self.waker.wake();
    }

    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }
}

/// Sends one batch upsert request and returns HubSpot's answer, whatever its status; the
/// client in production, a scripted stand-in in unit tests.
pub(crate) trait Transport: Send + Sync + 'static {
    /// Sends `body` (`{"inputs": [...]}`) as one batch upsert request.
    fn send(&self, body: Value) -> BoxFuture<'static, Result<Response, Failure>>;

    /// The sender's cumulative counters (the client's metrics), read at the start and the
    /// end of a run.
    fn metrics(&self) -> Metrics {
        Metrics::default()
    }
}

/// What makes two inputs conflict: the same record (`idProperty` and `id`; `id` alone
/// without trace ids, where only the id tells inputs apart), or the same
/// `objectWriteTraceId` (which must be unique within a request to match answers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Record(Option<String>, String),
    Trace(String),
}

/// One input on its way through the engine.
struct Item<O: UpsertOperation> {
    /// Its position in the input, from 0.
    index: u64,
    /// The input as the caller gave it, handed back untouched.
    input: O::Input,
    /// The input as sent: its JSON, with an `objectWriteTraceId` when the document has them.
    json: Value,
    /// `id`, if the input has one.
    id: Option<String>,
    /// `idProperty`, if the input names one.
    id_property: Option<String>,
    /// `objectWriteTraceId` as sent, when the document has them.
    trace: Option<String>,
    /// Its record and its trace id, computed once.
    keys: [Option<Key>; 2],
    /// The failure of an earlier request holding this input after which the write may have
    /// landed (answer lost, too large or unreadable; a retried call): it is then never
    /// reported as not attempted, and `new: false` does not prove an update.
    unconfirmed: Option<Arc<RequestError<O>>>,
}

impl<O: UpsertOperation> Item<O> {
    fn keys(&self) -> impl Iterator<Item = &Key> {
        self.keys.iter().flatten()
    }

    fn facts(&self) -> Facts<'_> {
        Facts {
            id: self.id.as_deref(),
            trace: self.trace.as_deref(),
            id_property: self.id_property.as_deref(),
            properties: self.json.get(PROPERTIES).and_then(Value::as_object),
        }
    }

    fn into_outcome(self, kind: OutcomeKind<O>) -> Outcome<O> {
        Outcome {
            index: self.index,
            input: self.input,
            kind,
        }
    }
}

/// Inputs sent (or to be sent) together.
struct Batch<O: UpsertOperation> {
    items: Vec<Item<O>>,
    /// How many times this batch (or the batch it is half of) was sent again after a
    /// failure without a verdict.
    resends: u32,
    /// Whether this batch is half of a batch rejected for an input that the error did not
    /// name: then an error that names no input is still blamed on an input.
    isolating: bool,
}

impl<O: UpsertOperation> Batch<O> {
    fn new(items: Vec<Item<O>>) -> Self {
        Batch {
            items,
            resends: 0,
            isolating: false,
        }
    }
}

/// How a failed request is handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// `400`: rejected whole, for some inputs or for the request itself ([`blame`]).
    Rejected,
    /// Refused unprocessed ([`Transience::Refused`]: a 429 other than the daily limit, a
    /// connection never made) after the client's own retries: sent again whole.
    Refused,
    /// An answer that may follow a write ([`Transience::Ambiguous`]: 502, 503, 504, 423)
    /// after the client's own retries: sent again whole; the run stops when it persists.
    Unavailable,
    /// No usable answer after sending: the connection broke or timed out, or the success
    /// answer was too large or unreadable. The write may have landed: sent again in halves
    /// (a smaller batch has a smaller, quicker answer), then reported unconfirmed.
    Lost,
    /// The account's daily limit is spent: nothing more can be sent today.
    DailyLimit,
    /// The call's deadline (the client's) passed before an answer came.
    Deadline,
    /// Anything else (authentication, a missing scope, a 500): stop.
    Fatal,
}

/// The verdict on a failed request: the transient ones by [`retry::transience`], the
/// definition the client's retries use.
fn classify<E>(error: &crate::Error<E>) -> Verdict {
    if error.is_daily_limit() {
        return Verdict::DailyLimit;
    }
    let fault = match error {
        crate::Error::Api(api) if api.status() == StatusCode::BAD_REQUEST => {
            return Verdict::Rejected;
        }
        crate::Error::Api(api) => Fault::Answer {
            status: api.status().as_u16(),
            headers: api.headers(),
            body: api.raw_body().as_bytes(),
        },
        // Nothing was sent only when the one attempt made could not connect.
        crate::Error::Transport(transport) if transport.is_connect() && error.attempts() <= 1 => {
            Fault::NotSent
        }
        crate::Error::Transport(_) | crate::Error::BodyTooLarge(_) | crate::Error::Decode(_) => {
            Fault::Ambiguous
        }
        crate::Error::DeadlineExceeded(_) => return Verdict::Deadline,
        _ => return Verdict::Fatal,
    };
    match (retry::transience(fault), fault) {
        (Transience::Refused, _) => Verdict::Refused,
        (Transience::Ambiguous, Fault::Answer { .. }) => Verdict::Unavailable,
        (Transience::Ambiguous, _) => Verdict::Lost,
        (Transience::Permanent, _) => Verdict::Fatal,
    }
}

/// `⌈log2 n⌉`: how many halvings take `n` inputs down to one.
fn halvings(n: usize) -> u64 {
    u64::from(n.max(1).next_power_of_two().trailing_zeros())
}

/// The bulk upsert state machine; [`super::BulkRun`] is its public face.
pub(crate) struct Engine<'a, O: UpsertOperation, T: Transport> {
    config: BulkConfig,
    transport: Arc<T>,
    input: Pin<Box<dyn Stream<Item = O::Input> + Send + 'a>>,
    input_done: bool,
    /// A prefix for the trace ids this run sets, unique per run.
    trace_prefix: String,
    next_index: u64,
    /// Inputs that wait for an earlier input with a common key to be answered, in input order.
    deferred: VecDeque<Item<O>>,
    /// How many deferred inputs hold each key.
    deferred_keys: HashMap<Key, usize>,
    /// Keys of the inputs in `building`, `queued` or in flight.
    active_keys: HashSet<Key>,
    /// The batch being filled.
    building: Vec<Item<O>>,
    /// Batches ready to send: split or resent ones first, then full new ones.
    queued: VecDeque<Batch<O>>,
    in_flight: FuturesUnordered<BoxFuture<'static, (Batch<O>, Answer<O>)>>,
    /// Inputs in the requests in flight.
    in_flight_inputs: usize,
    outcomes: VecDeque<Outcome<O>>,
    stop: Option<StopReason<O>>,
    signal: Arc<StopSignal>,
    /// Whether HubSpot has answered a request of this run with a success: until then one
    /// request is in flight at a time, so that a setting every request gets rejected for
    /// costs one request, not one per slot.
    confirmed: bool,
    /// Batches made from the input (not counting resends and isolating requests).
    batches: u64,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    started: Instant,
    metrics_at_start: Metrics,
    summary: Summary<O>,
    finished: bool,
}

// Nothing in the engine is pinned in place (the input stream, the deadline and the requests
// in flight are boxed), so it may move whatever the inputs and records are.
impl<O: UpsertOperation, T: Transport> Unpin for Engine<'_, O, T> {}

impl<O: UpsertOperation, T: Transport> std::fmt::Debug for Engine<'_, O, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkRun")
            .field("config", &self.config)
            .field("read", &self.next_index)
            .field("deferred", &self.deferred.len())
            .field("queued", &self.queued.len())
            .field("in_flight", &self.in_flight.len())
            .field("stop", &self.stop)
            .field("summary", &self.summary)
            .finish_non_exhaustive()
    }
}

impl<'a, O: UpsertOperation, T: Transport> Engine<'a, O, T> {
    pub(crate) fn new(
        config: BulkConfig,
        transport: Arc<T>,
        input: Pin<Box<dyn Stream<Item = O::Input> + Send + 'a>>,
    ) -> Self {
        let metrics_at_start = transport.metrics();
        let deadline = config
            .deadline
            .map(|after| Box::pin(tokio::time::sleep(after)));
        // Random enough to keep this run's trace ids apart from any other run's.
        let nonce = RandomState::new().hash_one(Instant::now());
        Engine {
            config,
            transport,
            input,
            input_done: false,
            trace_prefix: format!("bulk-{nonce:016x}"),
            next_index: 0,
            deferred: VecDeque::new(),
            deferred_keys: HashMap::new(),
            active_keys: HashSet::new(),
            building: Vec::new(),
            queued: VecDeque::new(),
            in_flight: FuturesUnordered::new(),
            in_flight_inputs: 0,
            outcomes: VecDeque::new(),
            stop: None,
            signal: Arc::new(StopSignal::default()),
            confirmed: false,
            batches: 0,
            deadline,
            started: Instant::now(),
            metrics_at_start,
            summary: Summary::default(),
            finished: false,
        }
    }

    /// The figures so far (final once the stream has ended).
    pub(crate) fn summary(&self) -> Summary<O> {
        let mut summary = self.summary.clone();
        if !self.finished {
            self.fill_live_figures(&mut summary);
        }
        summary
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    /// The flag that stops this run.
    pub(crate) fn signal(&self) -> Arc<StopSignal> {
        self.signal.clone()
    }

    /// How many requests may be in flight now.
    fn slots(&self) -> usize {
        match self.confirmed {
            true => self.config.concurrency,
            false => 1,
        }
    }

    /// The most requests the run may spend isolating rejected inputs, as of now: the
    /// configured cap, or `2·(2·⌈log2 b⌉ + 1)` plus one per batch made from the input.
    fn isolation_allowance(&self) -> u64 {
        self.config.max_isolation_requests.unwrap_or_else(|| {
            let per_input = 2 * halvings(self.config.batch_size) + 1;
            2 * per_input + self.batches
        })
    }

    /// Whether `more` isolating requests fit in the allowance; if they do, they are counted.
    fn spend_on_isolation(&mut self, more: u64) -> bool {
        let spent = self.summary.isolation_requests + more;
        let fits = spent <= self.isolation_allowance();
        if fits {
            self.summary.isolation_requests = spent;
        }
        fits
    }

    fn fill_live_figures(&self, summary: &mut Summary<O>) {
        summary.client = self.transport.metrics() - self.metrics_at_start;
        summary.elapsed = self.started.elapsed();
        summary.stop = self.stop.clone();
    }

    /// Most deferred inputs held before reading stops until answers free their keys.
    fn deferred_cap(&self) -> usize {
        self.config.batch_size * self.config.concurrency * 4
    }

    /// Numbers an input and encodes it as sent: with a trace id unique in this run when the
    /// document has trace ids and the input has none. An input that does not encode as a
    /// JSON object, or that cannot be right ([`check`]), comes with the error, and is not
    /// sent.
    fn prepare(&mut self, input: O::Input) -> (Item<O>, Option<InputError<O>>) {
        let index = self.next_index;
        self.next_index += 1;
        let mut item = Item {
            index,
            input,
            json: Value::Null,
            id: None,
            id_property: None,
            trace: None,
            keys: [None, None],
            unconfirmed: None,
        };
        let unencodable = |error| Some(InputError::Unencodable(Arc::new(error)));
        let mut fields: Map<String, Value> = match serde_json::to_value(&item.input) {
            Ok(Value::Object(fields)) => fields,
            Ok(other) => {
                let error = <serde_json::Error as serde::ser::Error>::custom(format!(
                    "a batch upsert input must serialize as a JSON object, not {other}"
                ));
                return (item, unencodable(error));
            }
            Err(error) => return (item, unencodable(error)),
        };
        if let Err(why) = check(&fields) {
            return (item, Some(InputError::Invalid(why)));
        }
        item.id = fields.get(ID).and_then(plain_text);
        item.id_property = fields
            .get(ID_PROPERTY)
            .and_then(Value::as_str)
            .map(str::to_owned);
        if O::TRACE_IDS {
            let trace = match fields.get(TRACE_ID).and_then(Value::as_str) {
                Some(trace) => trace.to_owned(),
                None => {
                    let trace = format!("{}-{index}", self.trace_prefix);
                    fields.insert(TRACE_ID.to_owned(), Value::String(trace.clone()));
                    trace
                }
            };
            item.keys[1] = Some(Key::Trace(trace.clone()));
            item.trace = Some(trace);
        }
        // Without trace ids, two inputs with one `id` under different id properties could
        // not be told apart in an answer: they conflict like inputs for one record.
        let property = item.id_property.clone().filter(|_| O::TRACE_IDS);
        item.keys[0] = item.id.clone().map(|id| Key::Record(property, id));
        item.json = Value::Object(fields);
        (item, None)
    }

    /// Puts an item into the batch being filled, queueing the batch when it is full.
    fn place(&mut self, item: Item<O>) {
        for key in item.keys() {
            self.active_keys.insert(key.clone());
        }
        self.building.push(item);
        if self.building.len() >= self.config.batch_size {
            let items = std::mem::take(&mut self.building);
            self.batches += 1;
            self.queued.push_back(Batch::new(items));
        }
    }

    /// Takes in a newly read input: into the batch, or deferred behind an earlier input
    /// with a common key.
    fn admit(&mut self, item: Item<O>) {
        let blocked = item
            .keys()
            .any(|key| self.active_keys.contains(key) || self.deferred_keys.contains_key(key));
        if blocked {
            self.defer(item);
        } else {
            self.place(item);
        }
    }

    fn defer(&mut self, item: Item<O>) {
        for key in item.keys() {
            *self.deferred_keys.entry(key.clone()).or_insert(0) += 1;
        }
        self.deferred.push_back(item);
    }

    /// Moves every deferred input that no longer waits behind another into the batch, in
    /// input order; an input stays deferred while an earlier one with a common key is active
    /// or still deferred.
    fn release_deferred(&mut self) {
        if self.deferred.is_empty() {
            return;
        }
        let mut waiting = HashSet::new();
        let mut still = VecDeque::with_capacity(self.deferred.len());
        while let Some(item) = self.deferred.pop_front() {
            let blocked = item
                .keys()
                .any(|key| self.active_keys.contains(key) || waiting.contains(key));
            if blocked {
                waiting.extend(item.keys().cloned());
                still.push_back(item);
            } else {
                for key in item.keys() {
                    if let Entry::Occupied(mut count) = self.deferred_keys.entry(key.clone()) {
                        *count.get_mut() -= 1;
                        if *count.get() == 0 {
                            count.remove();
                        }
                    }
                }
                self.place(item);
            }
        }
        self.deferred = still;
    }

    /// Frees the keys of an input that has its outcome.
    fn retire(&mut self, item: &Item<O>) {
        for key in item.keys() {
            self.active_keys.remove(key);
        }
    }

    fn emit(&mut self, item: Item<O>, kind: OutcomeKind<O>) {
        match &kind {
            OutcomeKind::Created(_) => self.summary.created += 1,
            OutcomeKind::Updated(_) => self.summary.updated += 1,
            OutcomeKind::Landed(_) => self.summary.landed += 1,
            OutcomeKind::Failed(_) => self.summary.failed += 1,
            OutcomeKind::Unconfirmed(_) => self.summary.unconfirmed += 1,
            OutcomeKind::NotAttempted(_) => self.summary.not_attempted += 1,
        }
        self.outcomes.push_back(item.into_outcome(kind));
    }

    /// Reports an input that will not be sent (again) because the run stopped: not
    /// attempted, unless an earlier request holding it may have written it.
    fn emit_unsent(&mut self, item: Item<O>, reason: &StopReason<O>) {
        self.retire(&item);
        let kind = match &item.unconfirmed {
            Some(error) => OutcomeKind::Unconfirmed(error.clone()),
            None => OutcomeKind::NotAttempted(reason.clone()),
        };
        self.emit(item, kind);
    }

    fn dispatch(&mut self, batch: Batch<O>) {
        let inputs = batch.items.iter().map(|item| item.json.clone()).collect();
        let mut body = Map::new();
        body.insert(INPUTS.to_owned(), Value::Array(inputs));
        self.summary.requests += 1;
        self.in_flight_inputs += batch.items.len();
        let send = self.transport.send(Value::Object(body));
        self.in_flight.push(Box::pin(
            async move { (batch, read_answer::<O>(send.await)) },
        ));
    }

    /// Stops sending: every input not yet sent gets `reason` as its outcome.
    fn halt(&mut self, reason: StopReason<O>) {
        if self.stop.is_none() {
            self.stop = Some(reason);
        }
        self.flush_unsent();
    }

    fn flush_unsent(&mut self) {
        let Some(reason) = self.stop.clone() else {
            return;
        };
        let mut unsent: Vec<Item<O>> = std::mem::take(&mut self.building);
        unsent.extend(self.queued.drain(..).flat_map(|batch| batch.items));
        unsent.extend(self.deferred.drain(..));
        self.deferred_keys.clear();
        unsent.sort_by_key(|item| item.index);
        for item in unsent {
            self.emit_unsent(item, &reason);
        }
    }

    /// Reads input, fills batches and sends them while there is room.
    fn fill_and_send(&mut self, cx: &mut Context<'_>) {
        loop {
            // Send what is ready.
            while self.in_flight.len() < self.slots() {
                match self.queued.pop_front() {
                    Some(batch) => self.dispatch(batch),
                    None => break,
                }
            }
            if self.stop.is_some() {
                return;
            }
            // Read while there is somewhere to put the input.
            let room = self.queued.is_empty() && self.deferred.len() < self.deferred_cap();
            let mut input_pending = false;
            if room && !self.input_done {
                match self.input.as_mut().poll_next(cx) {
                    Poll::Ready(Some(input)) => {
                        match self.prepare(input) {
                            (item, None) => self.admit(item),
                            (item, Some(error)) => self.emit(item, OutcomeKind::Failed(error)),
                        }
                        continue;
                    }
                    Poll::Ready(None) => self.input_done = true,
                    Poll::Pending => input_pending = true,
                }
            }
            // A partial batch goes out when no more input is coming, or when nothing is in
            // flight (so inputs that trickle in are not held back waiting for company).
            let idle = self.in_flight.is_empty() && self.queued.is_empty();
            let no_more = self.input_done || input_pending || !room;
            if !self.building.is_empty()
                && self.in_flight.len() < self.slots()
                && (self.input_done || (idle && no_more))
            {
                let items = std::mem::take(&mut self.building);
                self.batches += 1;
                self.dispatch(Batch::new(items));
                continue;
            }
            return;
        }
    }

    /// Reads the rest of the input after a stop, reporting each input as not attempted.
    fn drain_input(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(reason) = self.stop.clone() else {
            return false;
        };
        if self.input_done {
            return false;
        }
        match self.input.as_mut().poll_next(cx) {
            Poll::Ready(Some(input)) => {
                let kind = match self.prepare(input) {
                    (item, Some(error)) => (item, OutcomeKind::Failed(error)),
                    (item, None) => (item, OutcomeKind::NotAttempted(reason)),
                };
                self.emit(kind.0, kind.1);
                true
            }
            Poll::Ready(None) => {
                self.input_done = true;
                false
            }
            Poll::Pending => false,
        }
    }

    /// Turns the answer to one batch into outcomes, splits, resends or a stop.
    fn answer(&mut self, batch: Batch<O>, answer: Answer<O>) {
        self.in_flight_inputs = self.in_flight_inputs.saturating_sub(batch.items.len());
        match answer {
            Ok(reply) => {
                self.confirmed = true;
                self.settle(batch.items, reply);
            }
            Err(error) => self.request_failed(batch, error),
        }
        self.release_deferred();
        // After a stop, whatever the answer queued again (split halves, a resend, released
        // inputs) is not sent.
        self.flush_unsent();
    }

    fn request_failed(&mut self, mut batch: Batch<O>, error: RequestError<O>) {
        let verdict = classify(&error);
        let error = Arc::new(error);
        // The write may have landed: the answer says so, or an earlier attempt may have (a 400
        // is a verdict on the inputs: none landed). An answer tells which earlier attempts
        // may have been applied; without one, any earlier attempt counts.
        let maybe_written = match verdict {
            Verdict::Rejected => false,
            Verdict::Unavailable | Verdict::Lost => true,
            Verdict::Deadline => error.attempts() > 0,
            _ => match error.api() {
                Some(answer) => answer.maybe_applied_earlier(),
                None => error.attempts() > 1,
            },
        };
        if maybe_written {
            for item in &mut batch.items {
                item.unconfirmed = Some(error.clone());
            }
        }
        let can_resend = batch.resends < self.config.max_resends;
        match verdict {
            Verdict::Rejected => self.rejected(batch, error),
            Verdict::Refused | Verdict::Unavailable if can_resend => {
                self.summary.resends += 1;
                batch.resends += 1;
                self.queued.push_front(batch);
            }
            Verdict::Lost if can_resend => {
                self.summary.resends += 1;
                self.requeue_halves(batch.items, batch.resends + 1, batch.isolating);
            }
            Verdict::Lost => {
                // Sent every time, never answered: what became of it cannot be known.
                for item in batch.items {
                    self.retire(&item);
                    self.emit(item, OutcomeKind::Unconfirmed(error.clone()));
                }
            }
            Verdict::Refused | Verdict::Unavailable | Verdict::Fatal => {
                self.stop_with(batch, StopReason::Error(error));
            }
            Verdict::DailyLimit => self.stop_with(batch, StopReason::DailyLimit(error)),
            Verdict::Deadline => self.stop_with(batch, StopReason::RequestDeadline(error)),
        }
    }

    /// A `400` rejected the whole batch: the run stops when the error is about the request;
    /// inputs it names fail and the rest is sent again; a batch rejected for an input it does
    /// not name is split in two. Isolating stays within the run's allowance, else the run
    /// stops.
    fn rejected(&mut self, batch: Batch<O>, error: Arc<RequestError<O>>) {
        let body = error
            .api()
            .map(crate::ApiError::raw_body)
            .unwrap_or_default();
        let facts: Vec<Facts<'_>> = batch.items.iter().map(Item::facts).collect();
        let blame = blame::blame(body, &facts, batch.isolating);
        let count = batch.items.len();
        match blame {
            Blame::Request => self.stop_with(batch, StopReason::Configuration(error)),
            Blame::Inputs(named) if named.len() < count => {
                if !self.spend_on_isolation(1) {
                    return self.stop_with(batch, StopReason::IsolationBudget(error));
                }
                self.summary.bisections += 1;
                let mut rest = Vec::with_capacity(count - named.len());
                for (position, item) in batch.items.into_iter().enumerate() {
                    if named.binary_search(&position).is_ok() {
                        self.retire(&item);
                        let kind = OutcomeKind::Failed(InputError::Request(error.clone()));
                        self.emit(item, kind);
                    } else {
                        rest.push(item);
                    }
                }
                self.queued.push_front(Batch {
                    items: rest,
                    resends: 0,
                    isolating: batch.isolating,
                });
            }
            Blame::Unnamed if count > 1 => {
                if !self.spend_on_isolation(2) {
                    return self.stop_with(batch, StopReason::IsolationBudget(error));
                }
                self.summary.bisections += 1;
                self.requeue_halves(batch.items, 0, true);
            }
            Blame::Inputs(_) | Blame::Unnamed => {
                for item in batch.items {
                    self.retire(&item);
                    self.emit(
                        item,
                        OutcomeKind::Failed(InputError::Request(error.clone())),
                    );
                }
            }
        }
    }

    /// Puts `items` back at the head of the queue, split in two halves (one batch when there
    /// are fewer than two), in input order.
    fn requeue_halves(&mut self, mut items: Vec<Item<O>>, resends: u32, isolating: bool) {
        let second = (items.len() > 1).then(|| items.split_off(items.len() / 2));
        for items in second.into_iter().chain([items]) {
            self.queued.push_front(Batch {
                items,
                resends,
                isolating,
            });
        }
    }

    /// Stops the run; the failed request's inputs were not applied and are reported not
    /// attempted like the rest, unless a request holding them may have written them
    /// (then unconfirmed).
    fn stop_with(&mut self, batch: Batch<O>, reason: StopReason<O>) {
        let reason = self.stop.get_or_insert(reason).clone();
        for item in batch.items {
            self.emit_unsent(item, &reason);
        }
        self.flush_unsent();
    }

    /// Ties each result and error of a success answer to its input; every input gets
    /// exactly one outcome.
    fn settle(&mut self, items: Vec<Item<O>>, reply: Reply) {
        // The client retried after an attempt that may have written these records.
        let retried = reply.maybe_applied_earlier;
        let Some(results) = reply.results else {
            if reply.errors.is_empty() {
                // No body: a `200`/`201` says every input landed, a `207` says some failed
                // without saying which.
                for item in items {
                    let kind = match reply.multi_status {
                        true => OutcomeKind::Failed(InputError::Unanswered),
                        false => OutcomeKind::Landed(None),
                    };
                    self.retire(&item);
                    self.emit(item, kind);
                }
                return;
            }
            return self.settle_matched(items, Vec::new(), reply.errors, retried);
        };
        self.settle_matched(items, results, reply.errors, retried);
    }

    /// Ties each of `results` and `errors` to its input by trace id or id; an input with
    /// neither fails, with an error that names no input if there is one.
    fn settle_matched(
        &mut self,
        items: Vec<Item<O>>,
        results: Vec<Value>,
        errors: Vec<Rejection>,
        retried: bool,
    ) {
        let mut by_trace: HashMap<&str, usize> = HashMap::with_capacity(items.len());
        // Inputs by `id`, per `idProperty`; `None` marks an id two inputs share under
        // different id properties, which only the trace id can tell apart.
        let mut by_id: HashMap<&str, Option<usize>> = HashMap::with_capacity(items.len());
        let mut id_properties: Vec<&str> = Vec::new();
        for (position, item) in items.iter().enumerate() {
            if let Some(trace) = &item.trace {
                by_trace.insert(trace, position);
            }
            if let Some(id) = &item.id {
                by_id
                    .entry(id)
                    .and_modify(|slot| *slot = None)
                    .or_insert(Some(position));
            }
            let property = item.id_property.as_deref().unwrap_or(OBJECT_ID_PROPERTY);
            if !id_properties.contains(&property) {
                id_properties.push(property);
            }
        }
        let find = |value: &str| {
            by_trace
                .get(value)
                .copied()
                .or_else(|| by_id.get(value).copied().flatten())
        };

        let mut kinds: Vec<Option<OutcomeKind<O>>> = (0..items.len()).map(|_| None).collect();
        for result in results {
            let position = result
                .get(TRACE_ID)
                .and_then(Value::as_str)
                .and_then(|trace| by_trace.get(trace).copied())
                .or_else(|| {
                    id_properties.iter().find_map(|property| {
                        let value = if *property == OBJECT_ID_PROPERTY {
                            result.get(ID).and_then(plain_text)
                        } else {
                            result
                                .get(PROPERTIES)
                                .and_then(|map| map.get(*property))
                                .and_then(plain_text)
                        };
                        value.and_then(|value| by_id.get(value.as_str()).copied().flatten())
                    })
                });
            match position {
                Some(position) if kinds[position].is_none() => {
                    let rewritten = retried || items[position].unconfirmed.is_some();
                    kinds[position] = Some(self.result_kind(result, rewritten));
                }
                // A second result for one input, or one for no input: nothing to report
                // against an input, but counted so that a caller can notice.
                _ => self.summary.unmatched_results += 1,
            }
        }
        let mut general: Option<Arc<Rejection>> = None;
        for error in errors {
            let named: Vec<usize> = error
                .context
                .values()
                .flatten()
                .filter_map(|value| find(value))
                .collect();
            let error = Arc::new(error);
            if named.is_empty() {
                general.get_or_insert(error);
                continue;
            }
            for position in named {
                if kinds[position].is_none() {
                    kinds[position] =
                        Some(OutcomeKind::Failed(InputError::Rejected(error.clone())));
                }
            }
        }
        for (item, kind) in items.into_iter().zip(kinds) {
            let kind = kind.unwrap_or_else(|| match &general {
                Some(error) => OutcomeKind::Failed(InputError::Rejected(error.clone())),
                None => OutcomeKind::Failed(InputError::Unanswered),
            });
            self.retire(&item);
            self.emit(item, kind);
        }
    }

    /// The outcome of an input that has `result`: created or updated by its `new`, landed
    /// when it has no `new` or does not decode as a record (the write happened either way).
    /// When an earlier request or attempt may have written the input (`rewritten`),
    /// `new: false` may be this run's own record: landed, not updated.
    fn result_kind(&mut self, result: Value, rewritten: bool) -> OutcomeKind<O> {
        let new = result.get(NEW).and_then(Value::as_bool);
        let record = match serde_json::from_value::<O::Record>(result) {
            Ok(record) => Box::new(record),
            Err(_) => {
                self.summary.undecodable_results += 1;
                return OutcomeKind::Landed(None);
            }
        };
        match new {
            Some(true) => OutcomeKind::Created(record),
            Some(false) if !rewritten => OutcomeKind::Updated(record),
            Some(false) | None => OutcomeKind::Landed(Some(record)),
        }
    }

    fn all_done(&self) -> bool {
        self.input_done
            && self.deferred.is_empty()
            && self.building.is_empty()
            && self.queued.is_empty()
            && self.in_flight.is_empty()
            && self.outcomes.is_empty()
    }

    fn finish(&mut self) {
        let mut summary = self.summary.clone();
        self.fill_live_figures(&mut summary);
        self.summary = summary;
        self.finished = true;
    }

    pub(crate) fn poll_next_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Option<Outcome<O>>> {
        if self.finished {
            return Poll::Ready(None);
        }
        loop {
            // Registered before the flag is read, so that a stop between the two still wakes.
            self.signal.waker.register(cx.waker());
            if self.stop.is_none() && self.signal.is_stopped() {
                self.halt(StopReason::Stopped);
            }
            let deadline_passed = match self.deadline.as_mut() {
                Some(deadline) if self.stop.is_none() => deadline.as_mut().poll(cx).is_ready(),
                _ => false,
            };
            if deadline_passed {
                self.deadline = None;
                self.halt(StopReason::Deadline);
            }
            self.fill_and_send(cx);
            // Answers are taken in whenever they come: at most `concurrency` batches of
            // outcomes wait in the queue.
            let mut progressed = false;
            while let Poll::Ready(Some((batch, answer))) = self.in_flight.poll_next_unpin(cx) {
                self.answer(batch, answer);
                progressed = true;
            }
            if let Some(outcome) = self.outcomes.pop_front() {
                return Poll::Ready(Some(outcome));
            }
            if self.drain_input(cx) {
                continue;
            }
            if self.all_done() {
                self.finish();
                return Poll::Ready(None);
            }
            if !progressed {
                return Poll::Pending;
            }
        }
    }
}

/// Why an input cannot be right, found before anything is sent: an empty or missing `id`,
/// an empty `idProperty` or one naming the record id property (which batch upsert refuses:
/// it keys on a unique property's value), an empty property name. `Err` says which, and how
/// to fix it.
fn check(fields: &Map<String, Value>) -> Result<(), String> {
    match fields.get(ID) {
        Some(Value::String(id)) if id.trim().is_empty() => {
            return Err(
                "`id` is empty: an upsert input names its record by a non-empty value \
                        of its `idProperty`"
                    .to_owned(),
            );
        }
        Some(Value::String(_) | Value::Number(_)) => {}
        None | Some(Value::Null) => {
            return Err(
                "`id` is missing: an upsert input names its record by a value of its \
                        `idProperty`"
                    .to_owned(),
            );
        }
        Some(other) => return Err(format!("`id` is {other}: it must be a string")),
    }
    if let Some(Value::String(property)) = fields.get(ID_PROPERTY) {
        if property.trim().is_empty() {
            return Err(
                "`idProperty` is empty: name a property with unique values, or leave it out"
                    .to_owned(),
            );
        }
        if property == OBJECT_ID_PROPERTY {
            return Err(format!(
                "`idProperty` is `{OBJECT_ID_PROPERTY}`, which batch upsert refuses: it keys on \
                 a property with unique values; records are written by record id with batch \
                 update"
            ));
        }
    }
    if let Some(Value::Object(properties)) = fields.get(PROPERTIES) {
        if properties.keys().any(|name| name.trim().is_empty()) {
            return Err("a property name in `properties` is empty".to_owned());
        }
    }
    Ok(())
}

impl<O: UpsertOperation, T: Transport> Drop for Engine<'_, O, T> {
    /// A run dropped before its end cancels its requests in flight (HubSpot may apply them or
    /// not) and loses the outcomes not yet taken: say so, with the figures.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let unsent = self.building.len()
            + self.deferred.len()
            + self
                .queued
                .iter()
                .map(|batch| batch.items.len())
                .sum::<usize>();
        let untaken = self.outcomes.len();
        if self.in_flight_inputs + unsent + untaken == 0 {
            return;
        }
        tracing::warn!(
            in_flight = self.in_flight_inputs,
            unsent,
            untaken,
            read = self.next_index,
            "bulk run dropped before its end: the writes in flight may land without an outcome; \
             stop it with `BulkRun::stopper` or `BulkRun::stop_and_drain` to keep every outcome"
        );
    }
}
