//! The bulk upsert engine: a hand-polled state machine over a [`Transport`] that sends one
//! batch and returns HubSpot's answer.
//!
//! Written by hand rather than composed from stream adapters (`chunks`, `buffer_unordered`)
//! because HubSpot's rules cut across them: an input may not join a batch while another
//! input for the same record is unanswered, a batch rejected with a 400 comes back split in
//! two, a transient failure comes back whole, and a stop must turn everything still queued
//! into outcomes. Memory stays bounded: the engine reads input only while no full batch waits
//! for a free slot and its queue of deferred inputs is below its cap.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::hash::BuildHasher;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_util::future::BoxFuture;
use futures_util::stream::{FuturesUnordered, Stream, StreamExt};
use reqwest::StatusCode;

use super::{
    BulkConfig, Input, InputError, Outcome, OutcomeKind, RequestError, StopReason, Summary,
};
use crate::Metrics;
use crate::operations::BatchUpsertResponse;
use crate::types::{BatchInputSimplePublicObjectBatchInputUpsert, StandardError};

/// The answer to one batch upsert request.
pub(crate) type Answer = Result<BatchUpsertResponse, RequestError>;

/// Sends one batch upsert request and returns HubSpot's answer; the client in production, a
/// scripted stand-in in unit tests.
pub(crate) trait Transport: Send + Sync + 'static {
    /// Sends `body` as one batch upsert request.
    fn upsert(
        &self,
        body: BatchInputSimplePublicObjectBatchInputUpsert,
    ) -> BoxFuture<'static, Answer>;

    /// The sender's cumulative counters (the client's metrics), read at the start and the
    /// end of a run.
    fn metrics(&self) -> Metrics {
        Metrics::default()
    }
}

/// What makes two inputs conflict: the same record (`idProperty` and `id`), or the same
/// `objectWriteTraceId` (which must be unique within a request to match answers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Record(Option<String>, String),
    Trace(String),
}

/// One input on its way through the engine.
#[derive(Debug)]
struct Item {
    /// Its position in the input, from 0.
    index: u64,
    /// The input as sent: with an `objectWriteTraceId`.
    input: Input,
    /// Whether the engine set the trace id (then it is removed before the input is returned).
    trace_set_here: bool,
    /// Its record and its trace id, computed once.
    keys: [Key; 2],
}

impl Item {
    fn keys(&self) -> &[Key; 2] {
        &self.keys
    }

    fn trace(&self) -> &str {
        self.input
            .object_write_trace_id
            .as_deref()
            .unwrap_or_default()
    }

    fn into_outcome(mut self, kind: OutcomeKind) -> Outcome {
        if self.trace_set_here {
            self.input.object_write_trace_id = None;
        }
        Outcome {
            index: self.index,
            input: self.input,
            kind,
        }
    }
}

/// Inputs sent (or to be sent) together.
#[derive(Debug)]
struct Batch {
    items: Vec<Item>,
    /// How many times this batch was sent again after a transient failure.
    resends: u32,
}

/// How a failed request is handled.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Not processed, worth sending again (a 429 other than the daily limit, a 5xx, a lost
    /// connection) if the runtime's own retries ran out.
    Transient,
    /// Rejected whole for its inputs' data: split until the bad inputs stand alone.
    Invalid,
    /// The account's daily limit is spent: nothing more can be sent today.
    DailyLimit,
    /// The call's deadline (the client's) passed before an answer came.
    Deadline,
    /// Anything else (authentication, a missing scope, an undecodable answer): stop.
    Fatal,
}

fn classify(error: &RequestError) -> Verdict {
    if error.is_daily_limit() {
        return Verdict::DailyLimit;
    }
    match error {
        crate::Error::Api(api) => match api.status() {
            StatusCode::BAD_REQUEST => Verdict::Invalid,
            StatusCode::TOO_MANY_REQUESTS
            | StatusCode::INTERNAL_SERVER_ERROR
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT => Verdict::Transient,
            _ => Verdict::Fatal,
        },
        crate::Error::Transport(_) => Verdict::Transient,
        crate::Error::DeadlineExceeded(_) => Verdict::Deadline,
        _ => Verdict::Fatal,
    }
}

/// The bulk upsert state machine; [`super::BulkRun`] is its public face.
pub(crate) struct Engine<'a, T: Transport> {
    config: BulkConfig,
    transport: Arc<T>,
    input: Pin<Box<dyn Stream<Item = Input> + Send + 'a>>,
    input_done: bool,
    /// A prefix for the trace ids this run sets, unique per run.
    trace_prefix: String,
    next_index: u64,
    /// Inputs that wait for an earlier input with a common key to be answered, in input order.
    deferred: VecDeque<Item>,
    /// How many deferred inputs hold each key.
    deferred_keys: HashMap<Key, usize>,
    /// Keys of the inputs in `building`, `queued` or in flight.
    active_keys: HashSet<Key>,
    /// The batch being filled.
    building: Vec<Item>,
    /// Batches ready to send: split or resent ones first, then full new ones.
    queued: VecDeque<Batch>,
    in_flight: FuturesUnordered<BoxFuture<'static, (Batch, Answer)>>,
    outcomes: VecDeque<Outcome>,
    stop: Option<StopReason>,
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
    started: Instant,
    metrics_at_start: Metrics,
    summary: Summary,
    finished: bool,
}

impl<T: Transport> std::fmt::Debug for Engine<'_, T> {
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

impl<'a, T: Transport> Engine<'a, T> {
    pub(crate) fn new(
        config: BulkConfig,
        transport: Arc<T>,
        input: Pin<Box<dyn Stream<Item = Input> + Send + 'a>>,
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
            outcomes: VecDeque::new(),
            stop: None,
            deadline,
            started: Instant::now(),
            metrics_at_start,
            summary: Summary::default(),
            finished: false,
        }
    }

    /// The figures so far (final once the stream has ended).
    pub(crate) fn summary(&self) -> Summary {
        let mut summary = self.summary.clone();
        if !self.finished {
            self.fill_live_figures(&mut summary);
        }
        summary
    }

    pub(crate) fn is_finished(&self) -> bool {
        self.finished
    }

    fn fill_live_figures(&self, summary: &mut Summary) {
        summary.client = self.transport.metrics() - self.metrics_at_start;
        summary.elapsed = self.started.elapsed();
        summary.stop = self.stop.clone();
    }

    /// Most deferred inputs held before reading stops until answers free their keys.
    fn deferred_cap(&self) -> usize {
        self.config.batch_size * self.config.concurrency * 4
    }

    /// Gives `item` a trace id unique in this run if it has none.
    fn prepare(&mut self, mut input: Input) -> Item {
        let index = self.next_index;
        self.next_index += 1;
        let trace_set_here = input.object_write_trace_id.is_none();
        if trace_set_here {
            input.object_write_trace_id = Some(format!("{}-{index}", self.trace_prefix));
        }
        let keys = [
            Key::Record(input.id_property.clone(), input.id.clone()),
            Key::Trace(input.object_write_trace_id.clone().unwrap_or_default()),
        ];
        Item {
            index,
            input,
            trace_set_here,
            keys,
        }
    }

    /// Puts an item into the batch being filled, queueing the batch when it is full.
    fn place(&mut self, item: Item) {
        for key in item.keys() {
            self.active_keys.insert(key.clone());
        }
        self.building.push(item);
        if self.building.len() >= self.config.batch_size {
            let items = std::mem::take(&mut self.building);
            self.queued.push_back(Batch { items, resends: 0 });
        }
    }

    /// Takes in a newly read input: into the batch, or deferred behind an earlier input
    /// with a common key.
    fn admit(&mut self, item: Item) {
        let blocked = item
            .keys()
            .iter()
            .any(|key| self.active_keys.contains(key) || self.deferred_keys.contains_key(key));
        if blocked {
            self.defer(item);
        } else {
            self.place(item);
        }
    }

    fn defer(&mut self, item: Item) {
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
            let keys = item.keys();
            let blocked = keys
                .iter()
                .any(|key| self.active_keys.contains(key) || waiting.contains(key));
            if blocked {
                waiting.extend(keys.iter().cloned());
                still.push_back(item);
            } else {
                for key in keys {
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
    fn retire(&mut self, item: &Item) {
        for key in item.keys() {
            self.active_keys.remove(key);
        }
    }

    fn emit(&mut self, item: Item, kind: OutcomeKind) {
        match &kind {
            OutcomeKind::Created(_) => self.summary.created += 1,
            OutcomeKind::Updated(_) => self.summary.updated += 1,
            OutcomeKind::Failed(_) => self.summary.failed += 1,
            OutcomeKind::NotAttempted(_) => self.summary.not_attempted += 1,
        }
        self.outcomes.push_back(item.into_outcome(kind));
    }

    fn dispatch(&mut self, batch: Batch) {
        let body = BatchInputSimplePublicObjectBatchInputUpsert {
            inputs: batch.items.iter().map(|item| item.input.clone()).collect(),
        };
        self.summary.requests += 1;
        let send = self.transport.upsert(body);
        self.in_flight
            .push(Box::pin(async move { (batch, send.await) }));
    }

    /// Stops sending: every input not yet sent gets `reason` as its outcome.
    fn halt(&mut self, reason: StopReason) {
        if self.stop.is_none() {
            self.stop = Some(reason);
        }
        self.flush_unsent();
    }

    fn flush_unsent(&mut self) {
        let Some(reason) = self.stop.clone() else {
            return;
        };
        let mut unsent: Vec<Item> = std::mem::take(&mut self.building);
        unsent.extend(self.queued.drain(..).flat_map(|batch| batch.items));
        unsent.extend(self.deferred.drain(..));
        self.deferred_keys.clear();
        unsent.sort_by_key(|item| item.index);
        for item in unsent {
            self.retire(&item);
            self.emit(item, OutcomeKind::NotAttempted(reason.clone()));
        }
    }

    /// Reads input, fills batches and sends them while there is room.
    fn fill_and_send(&mut self, cx: &mut Context<'_>) {
        loop {
            // Send what is ready.
            while self.in_flight.len() < self.config.concurrency {
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
                        let item = self.prepare(input);
                        self.admit(item);
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
                && self.in_flight.len() < self.config.concurrency
                && (self.input_done || (idle && no_more))
            {
                let items = std::mem::take(&mut self.building);
                self.dispatch(Batch { items, resends: 0 });
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
                let item = self.prepare(input);
                self.emit(item, OutcomeKind::NotAttempted(reason));
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
    fn answer(&mut self, batch: Batch, answer: Answer) {
        match answer {
            Ok(response) => self.settle(batch.items, response),
            Err(error) => self.request_failed(batch, error),
        }
        self.release_deferred();
        // After a stop, whatever the answer queued again (split halves, a resend, released
        // inputs) is not sent.
        self.flush_unsent();
    }

    fn request_failed(&mut self, mut batch: Batch, error: RequestError) {
        let verdict = classify(&error);
        let error = Arc::new(error);
        match verdict {
            Verdict::Invalid if batch.items.len() > 1 => {
                // Split, keep the halves at the head of the queue, in input order.
                self.summary.bisections += 1;
                let second = batch.items.split_off(batch.items.len() / 2);
                self.queued.push_front(Batch {
                    items: second,
                    resends: 0,
                });
                self.queued.push_front(Batch {
                    items: batch.items,
                    resends: 0,
                });
            }
            Verdict::Invalid => {
                for item in batch.items {
                    self.retire(&item);
                    self.emit(
                        item,
                        OutcomeKind::Failed(InputError::Request(error.clone())),
                    );
                }
            }
            Verdict::Transient if batch.resends < self.config.max_resends => {
                self.summary.resends += 1;
                batch.resends += 1;
                self.queued.push_front(batch);
            }
            Verdict::Transient | Verdict::Fatal => {
                self.stop_with(batch, StopReason::Error(error));
            }
            Verdict::DailyLimit => self.stop_with(batch, StopReason::DailyLimit(error)),
            Verdict::Deadline => self.stop_with(batch, StopReason::RequestDeadline(error)),
        }
    }

    /// Stops the run; the failed request's inputs were not applied (or, after a broken
    /// connection, may have been: upsert is idempotent, so sending them again is safe) and
    /// are reported not attempted like the rest.
    fn stop_with(&mut self, batch: Batch, reason: StopReason) {
        let reason = self.stop.get_or_insert(reason).clone();
        for item in batch.items {
            self.retire(&item);
            self.emit(item, OutcomeKind::NotAttempted(reason.clone()));
        }
        self.flush_unsent();
    }

    /// Ties each result and error of a 200 or 207 answer to its input; every input gets
    /// exactly one outcome.
    fn settle(&mut self, items: Vec<Item>, response: BatchUpsertResponse) {
        let (results, errors) = match response {
            BatchUpsertResponse::Ok(done) => (done.results, Vec::new()),
            BatchUpsertResponse::MultiStatus(partial) => {
                (partial.results, partial.errors.unwrap_or_default())
            }
        };
        let mut by_trace: HashMap<&str, usize> = HashMap::with_capacity(items.len());
        // Inputs by `id`, per `idProperty`; `None` marks an id two inputs share under
        // different id properties, which only the trace id can tell apart.
        let mut by_id: HashMap<&str, Option<usize>> = HashMap::with_capacity(items.len());
        let mut id_properties: Vec<&str> = Vec::new();
        for (position, item) in items.iter().enumerate() {
            by_trace.insert(item.trace(), position);
            by_id
                .entry(item.input.id.as_str())
                .and_modify(|slot| *slot = None)
                .or_insert(Some(position));
            let property = item.input.id_property.as_deref().unwrap_or("hs_object_id");
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

        let mut kinds: Vec<Option<OutcomeKind>> = (0..items.len()).map(|_| None).collect();
        for record in results {
            let position = record
                .object_write_trace_id
                .as_deref()
                .and_then(|trace| by_trace.get(trace).copied())
                .or_else(|| {
                    id_properties.iter().find_map(|property| {
                        let value = if *property == "hs_object_id" {
                            Some(record.id.as_str())
                        } else {
                            record.properties.get(*property).and_then(Option::as_deref)
                        };
                        value.and_then(|value| by_id.get(value).copied().flatten())
                    })
                });
            match position {
                Some(position) if kinds[position].is_none() => {
                    kinds[position] = Some(if record.new {
                        OutcomeKind::Created(Box::new(record))
                    } else {
                        OutcomeKind::Updated(Box::new(record))
                    });
                }
                // A second result for one input, or one for no input: nothing to report
                // against an input, but counted so that a caller can notice.
                _ => self.summary.unmatched_results += 1,
            }
        }
        let mut general: Option<Arc<StandardError>> = None;
        for error in errors {
            let named: Vec<usize> = error
                .context
                .iter()
                .flat_map(|context| context.values())
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

    pub(crate) fn poll_next_outcome(&mut self, cx: &mut Context<'_>) -> Poll<Option<Outcome>> {
        if self.finished {
            return Poll::Ready(None);
        }
        loop {
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
