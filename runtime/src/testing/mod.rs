//! A fake HubSpot for tests: the CRM objects API (`/crm/v3/objects/{objectType}…`, for
//! orders, line items, contacts or any other object type) on 127.0.0.1, with HubSpot's
//! semantics, limits and failures, in memory. Compiled with the `testing` feature.
//!
//! Start one per test; it listens on a port the OS picks and stops when dropped. It speaks
//! HTTP and JSON, so any client can talk to it: the [`Client`] of [`FakeHubSpot::client`]
//! with a generated crate's operations, or plain HTTP as here:
//!
//! ```
//! use hubspot_runtime::testing::{FAKE_TOKEN, FakeHubSpot};
//! use serde_json::{Value, json};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fake = FakeHubSpot::start().await;
//! let body = json!({"inputs": [{
//!     "id": "shop-1001",
//!     "idProperty": "hs_external_order_id",
//!     "properties": {"hs_total_price": "149.90"},
//! }]});
//! let answer = reqwest::Client::new()
//!     .post(format!("{}/crm/v3/objects/orders/batch/upsert", fake.base_url()))
//!     .bearer_auth(FAKE_TOKEN)
//!     .header("content-type", "application/json")
//!     .body(body.to_string())
//!     .send()
//!     .await?;
//! assert_eq!(answer.status(), 200);
//! let done: Value = serde_json::from_str(&answer.text().await?)?;
//! assert_eq!(done["results"][0]["new"], true);
//! let order = fake
//!     .record_by("orders", "hs_external_order_id", "shop-1001")
//!     .expect("stored");
//! assert_eq!(order.property("hs_total_price"), Some("149.90"));
//! assert_eq!(fake.record_count("line_items"), 0, "each object type has its own store");
//! assert_eq!(fake.requests().len(), 1);
//! # Ok(())
//! # }
//! ```
//!
//! # What it does like HubSpot
//!
//! - **Object types**: every path `/crm/v3/objects/{objectType}…` is served, whatever the
//!   type (`orders`, `line_items`, `p_custom`, `0-8`), unless
//!   [`FakeHubSpotBuilder::object_types`] names the only ones to serve (then another answers
//!   400 `VALIDATION_ERROR`, "Unable to infer object type from: …"). Each object type has a
//!   store of its own; record ids come from one counter for the whole fake (from 1001), so an
//!   id never names records of two types, and one type's id sent to another type's path finds
//!   nothing. What follows holds for every object type alike.
//! - **Records**: create, read, update, archive; a page of records with `limit` and `after`;
//!   batch create, read, update, upsert and archive; search. Records get decimal ids and carry
//!   `hs_object_id`, `hs_createdate` and `hs_lastmodifieddate`. Writing an empty string clears a
//!   property. Answers carry the computed properties plus those a write set or a read named
//!   (`properties`); a named property without a value is left out rather than sent as `null`.
//! - **Unique properties**, per object type: `hs_external_order_id` for `orders` by default,
//!   more with [`FakeHubSpotBuilder::unique_property_of`] (one type) and
//!   [`FakeHubSpotBuilder::unique_property`] (every type); other types have none until given
//!   one. A write may not give one a value another live record of the same type holds (409
//!   `CONFLICT`, or a 207 error per input in a batch); two types may hold the same value.
//!   Batch upsert needs `idProperty` naming one of its type's (else 400 `VALIDATION_ERROR`,
//!   as HubSpot does for `hs_object_id`); it creates or updates by that value and says so in
//!   `new`.
//! - **Batches**: at most 100 inputs (else the whole request is refused with 400); two inputs
//!   that name the same record refuse the whole request with 400; a value that breaks a
//!   property rule ([`FakeHubSpotBuilder::property_rule`] for every type,
//!   [`FakeHubSpotBuilder::property_rule_of`] for one) refuses the whole batch with a 400
//!   `VALIDATION_ERROR` naming the input and the property; so does a value its object type's
//!   property catalog ([`FakeHubSpotBuilder::catalog_of`]) refuses, as HubSpot checks
//!   values against the portal's (numbers, dates, date-times, booleans, options, unknown
//!   properties). Inputs the fake rejects (ids given
//!   to [`FakeHubSpot::reject_ids`], unknown ids of batch update, unique values taken) get a
//!   `StandardError` each, naming the input in `context` (`{"ids": [...]}`, and
//!   `objectWriteTraceId` when the input had one), in a 207 answer with `numErrors`; the
//!   unknown ids of a batch read share one `OBJECT_NOT_FOUND` error naming them all. Batch
//!   archive answers 204 whatever the ids. `objectWriteTraceId` is echoed in the results of
//!   batch writes.
//! - **Pages**: a page of records by id, 10 by default, `limit` clamped to 100, and
//!   `paging.next.after` while more remain; `archived=true` lists archived records instead.
//! - **Search**: filter groups (OR) of filters (AND) with `EQ`, `NEQ`, `IN`, `NOT_IN`,
//!   `HAS_PROPERTY`, `NOT_HAS_PROPERTY` and the numeric `GT`, `GTE`, `LT`, `LTE` (others are
//!   refused with a 400 saying so), HubSpot's bounds on groups, filters and `limit`, one sort
//!   (`"hs_object_id"`, `"-hs_object_id"` or `{"propertyName", "direction"}`; by record id
//!   by default), `after` paging, and the cap of 10,000 results: `total` counts every match,
//!   but paging stops at the cap and an `after` at or past it is refused with a 400.
//! - **Rate limits** ([`Policy`]), one set per fake whatever the object type, as HubSpot
//!   counts per app: a rolling window of 100 requests per 10 s by default
//!   ([`FakeHubSpotBuilder::ten_second_budget`]), the search endpoints' own window of 4 per
//!   second instead ([`FakeHubSpotBuilder::search_budget`]), and a daily budget
//!   ([`FakeHubSpotBuilder::daily_budget`], 250,000). Over a limit the answer is a 429 with
//!   HubSpot's JSON body (`policyName` `TEN_SECONDLY_ROLLING`, `SECONDLY` or `DAILY`, and
//!   `errorType` `RATE_LIMIT`); refused requests count against nothing.
//!   [`FakeHubSpotBuilder::time_scale`] shrinks every window (0.1 turns the 10 s window into
//!   1 s). Every answer carries `X-HubSpot-RateLimit-Max`, `-Remaining` and
//!   `-Interval-Milliseconds` for the window that applies to its route (the search window for
//!   search, in scaled milliseconds), and `X-HubSpot-RateLimit-Daily` and `-Daily-Remaining`.
//!   `Retry-After` is sent only when [`FakeHubSpotBuilder::retry_after_header`] asks for it.
//!   [`FakeHubSpot::rate_limited_count`] counts the 429s sent.
//! - **Authentication**: every request needs `Authorization: Bearer <token>` (any token,
//!   or the one given to [`FakeHubSpotBuilder::token`]), else 401.
//! - **OAuth** ([`FakeHubSpotBuilder::oauth`]): `POST /oauth/v1/token` refreshes
//!   ([`FakeHubSpot::oauth_token_url`]) with HubSpot's answer (`access_token`,
//!   `refresh_token`, `expires_in`, `token_type`) and error bodies (`BAD_REFRESH_TOKEN`, ...);
//!   each refresh brings a new refresh token, and every one issued stays valid. An access
//!   token it issued is refused once its lifetime is over with HubSpot's 401
//!   (`EXPIRED_AUTHENTICATION`, "expired … ago"); the static token is accepted as before.
//!   `expires_in` is a fraction of a second when the lifetime is (HubSpot's are whole
//!   seconds). The token endpoint counts against no limit, and its form is not logged.
//!
//! Each request meets, in order: routing (404 for a path outside the CRM objects API, 405),
//! authentication (401), the limits (429), the fault rules ([`FaultRule`]), then the CRM
//! objects API (an object type not served included).
//!
//! # What it does not do
//!
//! Associations are accepted and ignored, `propertiesWithHistory` is ignored, the property
//! catalog is open (any property name is accepted) for an object type given no catalog
//! ([`FakeHubSpotBuilder::catalog_of`]), and search's `query`
//! matches a substring of any property value. The fake does not know HubSpot's object type
//! ids: `0-123` and `orders` are two object types to it. Archived records release their
//! unique values.
//!
//! # Faults
//!
//! [`FaultRule`]s inject a [`Fault`] by route, by object type, by id, by a seeded share of
//! requests and a number of times: 429s, 5xx with a JSON or an HTML body, connection resets,
//! slow answers, malformed JSON, and a lost answer after a write was applied.
//! [`FakeHubSpot::reject_ids`] makes batch inputs fail in a 207, whatever their object type.
//! The log ([`FakeHubSpot::requests`]) records which fault each request got.

mod catalog;
mod faults;
mod limits;
mod log;
mod oauth;
mod objects;
#[cfg(feature = "redis")]
mod redis_server;
mod server;
mod store;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

pub use catalog::CatalogError;
pub use faults::{Fault, FaultRule};
pub use limits::Policy;
pub use log::LoggedRequest;
pub use objects::Route;
#[cfg(feature = "redis")]
pub use redis_server::{RedisServer, free_port};
pub use store::StoredRecord;

use crate::{Client, ClientBuilder};
use limits::{Daily, Limits, Window};
use objects::{PropertyRule, RuleKind};
use server::{Shared, State};
use store::{Objects, UniqueProperties};

/// The token [`FakeHubSpot::client`] authenticates with.
pub const FAKE_TOKEN: &str = "pat-fake-hubspot-token";

/// The fake's defaults, HubSpot's figures for a Free or Starter app.
const DEFAULT_TEN_SECOND_BUDGET: u32 = 100;
const DEFAULT_SEARCH_BUDGET: u32 = 4;
const DEFAULT_DAILY_BUDGET: u64 = 250_000;
const TEN_SECONDS: Duration = Duration::from_secs(10);
const ONE_SECOND: Duration = Duration::from_secs(1);
const ONE_DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// A fake HubSpot serving the CRM objects API, for any object type, on `127.0.0.1`; see the
/// [module docs](self).
///
/// Dropping it stops the server: open connections are closed, later requests are refused.
pub struct FakeHubSpot {
    address: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeHubSpot {
    /// Starts a fake with the default configuration.
    ///
    /// # Panics
    /// When no port can be bound on 127.0.0.1 or no thread started;
    /// [`FakeHubSpotBuilder::try_start`] returns the error instead.
    pub async fn start() -> FakeHubSpot {
        FakeHubSpot::builder().start().await
    }

    /// A builder to configure the object types, limits, unique properties, rules and faults
    /// first.
    pub fn builder() -> FakeHubSpotBuilder {
        FakeHubSpotBuilder::default()
    }

    /// The URL to point a client at, e.g. `http://127.0.0.1:41234` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address the fake listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// A client builder pointed at the fake, with [`FAKE_TOKEN`], to set retries or
    /// timeouts before building.
    pub fn client_builder(&self) -> ClientBuilder {
        Client::builder()
            .token(FAKE_TOKEN)
            .base_url(&self.base_url())
    }

    /// A client pointed at the fake, otherwise configured as [`Client::builder`] does.
    ///
    /// # Panics
    /// If the client cannot be built (the HTTP client fails to start), which no input of
    /// yours can cause.
    pub fn client(&self) -> Client {
        match self.client_builder().build() {
            Ok(client) => client,
            Err(error) => panic!("cannot build a client for the fake HubSpot: {error}"),
        }
    }

    // ---- the records -----------------------------------------------------------------------

    /// The record of `object_type` (as the path names it, e.g. `orders`) with this id,
    /// archived or not.
    pub fn record(&self, object_type: &str, id: &str) -> Option<StoredRecord> {
        let id = id.parse::<u64>().ok()?;
        let state = self.shared.lock();
        state.objects.get(object_type)?.get(id).cloned()
    }

    /// The live record of `object_type` whose property `property` has `value`: by the unique
    /// index for a unique property, else the first record (by id) with that value.
    pub fn record_by(
        &self,
        object_type: &str,
        property: &str,
        value: &str,
    ) -> Option<StoredRecord> {
        let state = self.shared.lock();
        state
            .objects
            .get(object_type)?
            .by_value(property, value)
            .cloned()
    }

    /// Every record of `object_type`, archived ones included, by id.
    pub fn records(&self, object_type: &str) -> Vec<StoredRecord> {
        let state = self.shared.lock();
        state
            .objects
            .get(object_type)
            .map(|store| store.all().map(|(_, record)| record.clone()).collect())
            .unwrap_or_default()
    }

    /// How many live (not archived) records of `object_type` the fake holds.
    pub fn record_count(&self, object_type: &str) -> usize {
        let state = self.shared.lock();
        state.objects.get(object_type).map_or(0, |store| {
            store.all().filter(|(_, record)| !record.archived()).count()
        })
    }

    /// The object types that hold records (archived ones included), in name order: what a
    /// test reads to check that nothing was written where it should not have been.
    pub fn object_types(&self) -> Vec<String> {
        let state = self.shared.lock();
        state
            .objects
            .stores()
            .filter(|store| store.all().next().is_some())
            .map(|store| store.object_type().to_owned())
            .collect()
    }

    /// Stores a record of `object_type` directly (no request, no limits, no rules), to seed a
    /// test. Its id comes from the same counter as the ids of records created by requests.
    ///
    /// # Errors
    /// When the fake does not serve `object_type` ([`FakeHubSpotBuilder::object_types`]), or
    /// a unique property's value is already held by another live record of that type.
    pub fn insert_record<I, K, V>(
        &self,
        object_type: &str,
        properties: I,
    ) -> Result<StoredRecord, String>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let properties = properties
            .into_iter()
            .map(|(name, value)| (name.into(), value.into()))
            .collect();
        let mut state = self.shared.lock();
        if !state.objects.serves(object_type) {
            return Err(format!(
                "cannot insert: the fake serves no object type \"{object_type}\""
            ));
        }
        let (store, ids) = state.objects.open(object_type);
        if let Some(conflict) = store.conflict(&properties, None) {
            return Err(format!(
                "cannot insert: {object_type} record {} already has {} = \"{}\"",
                conflict.holder, conflict.property, conflict.value
            ));
        }
        let id = store.create(ids.next(), &properties, chrono::Utc::now());
        store
            .get(id)
            .cloned()
            .ok_or_else(|| format!("{object_type} record {id} vanished"))
    }

    // ---- the log ---------------------------------------------------------------------------

    /// Every request received so far, in order of arrival (the last ones only, with
    /// [`FakeHubSpotBuilder::log_limit`]).
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// How many requests the fake received, whether or not the log still holds them.
    pub fn request_count(&self) -> u64 {
        self.shared.lock().received
    }

    /// Forgets the requests received so far.
    pub fn clear_requests(&self) {
        self.shared.lock().log.clear();
    }

    /// How many 429 answers the fake sent, whatever the policy (injected ones included).
    pub fn rate_limited_count(&self) -> u64 {
        let state = self.shared.lock();
        [Policy::TenSecondlyRolling, Policy::Secondly, Policy::Daily]
            .into_iter()
            .map(|policy| server::rate_limited(&state, policy))
            .sum()
    }

    /// How many 429 answers of one policy the fake sent.
    pub fn rate_limited_count_for(&self, policy: Policy) -> u64 {
        server::rate_limited(&self.shared.lock(), policy)
    }

    // ---- limits ----------------------------------------------------------------------------

    /// Changes the ten-second budget from now on (requests already in the window stay in
    /// it), as when an app's plan changes. Does nothing for an [`unlimited`] fake.
    ///
    /// [`unlimited`]: FakeHubSpotBuilder::unlimited
    pub fn set_ten_second_budget(&self, budget: u32) {
        if let Some(window) = &mut self.shared.lock().limits.standard {
            window.set_budget(budget);
        }
    }

    /// Changes the search budget per second from now on. Does nothing for an [`unlimited`]
    /// fake.
    ///
    /// [`unlimited`]: FakeHubSpotBuilder::unlimited
    pub fn set_search_budget(&self, budget: u32) {
        if let Some(window) = &mut self.shared.lock().limits.search {
            window.set_budget(budget);
        }
    }

    /// Changes the daily budget from now on (requests already counted today stay counted).
    /// Does nothing for an [`unlimited`] fake.
    ///
    /// [`unlimited`]: FakeHubSpotBuilder::unlimited
    pub fn set_daily_budget(&self, budget: u64) {
        if let Some(daily) = &mut self.shared.lock().limits.daily {
            daily.set_budget(budget);
        }
    }

    // ---- faults ----------------------------------------------------------------------------

    /// Adds a fault rule, after those already there.
    pub fn add_fault(&self, rule: FaultRule) {
        self.shared.lock().faults.push(rule);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Makes every input with one of these ids (or unique values) fail, whatever its object
    /// type: a `StandardError` in a batch's 207 answer, a 400 for the single-record
    /// operations. Nothing is written for it.
    pub fn reject_ids<I, S>(&self, ids: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.shared
            .lock()
            .rejected
            .extend(ids.into_iter().map(Into::into));
    }

    /// Stops rejecting inputs.
    pub fn clear_rejections(&self) {
        self.shared.lock().rejected.clear();
    }
}

impl fmt::Debug for FakeHubSpot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeHubSpot")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl Drop for FakeHubSpot {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Configures a [`FakeHubSpot`] before it starts.
#[derive(Clone)]
pub struct FakeHubSpotBuilder {
    ten_second_budget: Option<u32>,
    search_budget: Option<u32>,
    daily_budget: Option<u64>,
    time_scale: f64,
    unique: UniqueProperties,
    object_types: Option<BTreeSet<String>>,
    rules: Vec<PropertyRule>,
    faults: Vec<FaultRule>,
    rejected: BTreeSet<String>,
    seed: u64,
    token: Option<String>,
    retry_after: bool,
    first_id: u64,
    log_limit: Option<usize>,
    port: u16,
    oauth: Option<oauth::OAuthApp>,
}

impl Default for FakeHubSpotBuilder {
    fn default() -> Self {
        FakeHubSpotBuilder {
            ten_second_budget: Some(DEFAULT_TEN_SECOND_BUDGET),
            search_budget: Some(DEFAULT_SEARCH_BUDGET),
            daily_budget: Some(DEFAULT_DAILY_BUDGET),
            time_scale: 1.0,
            unique: UniqueProperties {
                every_type: BTreeSet::new(),
                by_type: BTreeMap::from([(
                    "orders".to_owned(),
                    BTreeSet::from(["hs_external_order_id".to_owned()]),
                )]),
            },
            object_types: None,
            rules: Vec::new(),
            faults: Vec::new(),
            rejected: BTreeSet::new(),
            seed: 0x5eed,
            token: None,
            retry_after: false,
            first_id: 1001,
            log_limit: None,
            port: 0,
            oauth: None,
        }
    }
}

impl fmt::Debug for FakeHubSpotBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeHubSpotBuilder")
            .field("ten_second_budget", &self.ten_second_budget)
            .field("search_budget", &self.search_budget)
            .field("daily_budget", &self.daily_budget)
            .field("time_scale", &self.time_scale)
            .field("unique", &self.unique)
            .field("object_types", &self.object_types)
            .field("rules", &self.rules)
            .field("faults", &self.faults)
            .finish_non_exhaustive()
    }
}

impl FakeHubSpotBuilder {
    /// Requests allowed in the rolling ten-second window (100 by default; HubSpot gives 100,
    /// 190 or 250 depending on the plan).
    #[must_use]
    pub fn ten_second_budget(mut self, budget: u32) -> Self {
        self.ten_second_budget = Some(budget);
        self
    }

    /// Search requests allowed per second (4 by default); search does not count against the
    /// ten-second window.
    #[must_use]
    pub fn search_budget(mut self, budget: u32) -> Self {
        self.search_budget = Some(budget);
        self
    }

    /// Requests allowed per (scaled) day, 250,000 by default.
    #[must_use]
    pub fn daily_budget(mut self, budget: u64) -> Self {
        self.daily_budget = Some(budget);
        self
    }

    /// No rate limits at all: no 429 unless a fault injects one, and no
    /// `X-HubSpot-RateLimit-*` headers.
    #[must_use]
    pub fn unlimited(mut self) -> Self {
        self.ten_second_budget = None;
        self.search_budget = None;
        self.daily_budget = None;
        self
    }

    /// Multiplies the length of every window: 0.1 makes the ten-second window last 1 s (the
    /// search one 100 ms, the day 2.4 h). The `X-HubSpot-RateLimit-Interval-Milliseconds`
    /// header gives the scaled length. Values that are not positive and finite are ignored.
    #[must_use]
    pub fn time_scale(mut self, scale: f64) -> Self {
        if scale.is_finite() && scale > 0.0 {
            self.time_scale = scale;
        }
        self
    }

    /// Serve only these object types (as paths name them, e.g. `orders`, `line_items`);
    /// a request for another is answered 400 `VALIDATION_ERROR`, as HubSpot answers a name
    /// it does not know. Every object type is served by default. Called again, it adds to
    /// the list.
    #[must_use]
    pub fn object_types<I, S>(mut self, object_types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.object_types
            .get_or_insert_with(BTreeSet::new)
            .extend(object_types.into_iter().map(Into::into));
        self
    }

    /// Declares a property with unique values for every object type (each type keeps its
    /// own index: two types may hold the same value). `orders` always has
    /// `hs_external_order_id`.
    #[must_use]
    pub fn unique_property(mut self, name: impl Into<String>) -> Self {
        self.unique.every_type.insert(name.into());
        self
    }

    /// Declares a property with unique values for one object type, e.g.
    /// `.unique_property_of("line_items", "shop_line_ref")`.
    #[must_use]
    pub fn unique_property_of(
        mut self,
        object_type: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        self.unique
            .by_type
            .entry(object_type.into())
            .or_default()
            .insert(name.into());
        self
    }

    /// A rule on the values of `property`, for every object type: a write whose value gets
    /// `Err(why)` is refused with a 400 `VALIDATION_ERROR` naming the input, the property and
    /// `why`, the whole batch when it is in one.
    ///
    /// ```
    /// use hubspot_runtime::testing::FakeHubSpot;
    ///
    /// let builder = FakeHubSpot::builder().property_rule("hs_total_price", |value| {
    ///     value.parse::<f64>().map(drop).map_err(|_| format!("{value:?} is not a number"))
    /// });
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub fn property_rule<F>(self, property: impl Into<String>, check: F) -> Self
    where
        F: Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    {
        self.add_rule(None, property.into(), Arc::new(check))
    }

    /// A rule on the values of `property` of one object type only, as
    /// [`property_rule`](Self::property_rule) does for all.
    ///
    /// ```
    /// use hubspot_runtime::testing::FakeHubSpot;
    ///
    /// // Line items need a whole quantity; an order's `quantity` property is left alone.
    /// let builder = FakeHubSpot::builder().property_rule_of("line_items", "quantity", |value| {
    ///     value.parse::<u32>().map(drop).map_err(|_| format!("{value:?} is not a count"))
    /// });
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub fn property_rule_of<F>(
        self,
        object_type: impl Into<String>,
        property: impl Into<String>,
        check: F,
    ) -> Self
    where
        F: Fn(&str) -> Result<(), String> + Send + Sync + 'static,
    {
        self.add_rule(Some(object_type.into()), property.into(), Arc::new(check))
    }

    fn add_rule(
        mut self,
        object_type: Option<String>,
        property: String,
        check: Arc<objects::Check>,
    ) -> Self {
        self.rules.push(PropertyRule {
            object_type,
            kind: RuleKind::Check { property, check },
        });
        self
    }

    /// Checks the values written to `object_type` against a property catalog, as HubSpot
    /// checks them against the portal's: `catalog_json` is what
    /// `GET /crm/v3/properties/{objectType}` answers (a `results` array of properties with
    /// `name`, `type`, `fieldType`, `options`, `hasUniqueValue`), e.g. the
    /// `spec/orders-properties.json` of this workspace.
    ///
    /// A write that sets a property the catalog does not list (`PROPERTY_DOESNT_EXIST`), a
    /// `number` that is not one (`12,50`: `INVALID_NUMBER`), a `date` that is not
    /// `YYYY-MM-DD` or the epoch milliseconds of a midnight UTC (`31/12/2025`:
    /// `INVALID_DATE`), a `datetime` that is not ISO 8601 or epoch milliseconds, a `bool` that
    /// is not `true` or `false`, or an option an `enumeration` does not list (`JPY`:
    /// `INVALID_OPTION`; each option of a multi-select `a;b`) is refused as a property rule
    /// refuses it: a 400 `VALIDATION_ERROR` whose message is `Property values were not
    /// valid:` and HubSpot's JSON list of validation results (`error`, `name`, `message`),
    /// naming the input in each message, in `context.ids` and in `errors[]`; for a batch,
    /// the whole batch, nothing written. The empty string (clearing a property) always
    /// passes, and so does any value of an enumeration whose catalog lists no options
    /// (pipelines keep theirs elsewhere). The catalog's properties with `hasUniqueValue`
    /// become unique properties of `object_type`, as with
    /// [`unique_property_of`](Self::unique_property_of). A second catalog for the same type
    /// replaces the first.
    ///
    /// ```
    /// use hubspot_runtime::testing::FakeHubSpot;
    ///
    /// let catalog = r#"{"results": [
    ///     {"name": "shop_ref", "type": "string", "hasUniqueValue": true},
    ///     {"name": "hs_total_price", "type": "number"},
    ///     {"name": "hs_currency_code", "type": "enumeration", "fieldType": "select",
    ///      "options": [{"label": "Euro", "value": "EUR"}]}
    /// ]}"#;
    /// let builder = FakeHubSpot::builder().catalog_of("orders", catalog)?;
    /// # let _ = builder;
    /// # Ok::<(), hubspot_runtime::testing::CatalogError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When `catalog_json` is not a catalog: not JSON, no `results` array, a property
    /// without a `name` or `type`, a name listed twice; the error gives the JSON pointer.
    pub fn catalog_of(
        mut self,
        object_type: impl Into<String>,
        catalog_json: &str,
    ) -> Result<Self, CatalogError> {
        let object_type = object_type.into();
        let catalog = catalog::Catalog::from_json(catalog_json)?;
        let unique: Vec<String> = catalog.unique_properties().map(str::to_owned).collect();
        for name in unique {
            self = self.unique_property_of(object_type.clone(), name);
        }
        self.rules.retain(|rule| {
            !(matches!(rule.kind, RuleKind::Catalog(_))
                && rule.object_type.as_deref() == Some(object_type.as_str()))
        });
        self.rules.push(PropertyRule {
            object_type: Some(object_type),
            kind: RuleKind::Catalog(Arc::new(catalog)),
        });
        Ok(self)
    }

    /// Adds a fault rule (see [`FaultRule`]); more can be added once started.
    #[must_use]
    pub fn fault(mut self, rule: FaultRule) -> Self {
        self.faults.push(rule);
        self
    }

    /// Rejects inputs with these ids or unique values (see [`FakeHubSpot::reject_ids`]).
    #[must_use]
    pub fn reject_ids<I, S>(mut self, ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rejected.extend(ids.into_iter().map(Into::into));
        self
    }

    /// The seed of the generator behind fault shares and correlation ids: the same seed and
    /// the same sequence of requests give the same faults.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Accept only this bearer token (by default any non-empty one). [`FakeHubSpot::client`]
    /// sends [`FAKE_TOKEN`].
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Whether 429 answers carry `Retry-After` (whole seconds until the window frees a slot,
    /// at least 1). Off by default: HubSpot does not always send it.
    #[must_use]
    pub fn retry_after_header(mut self, send: bool) -> Self {
        self.retry_after = send;
        self
    }

    /// Keep only the last `limit` requests in the log (0: log nothing), so that a long
    /// benchmark does not hold every body in memory. [`FakeHubSpot::request_count`] and
    /// [`FakeHubSpot::rate_limited_count`] count on regardless. The log keeps everything by
    /// default.
    #[must_use]
    pub fn log_limit(mut self, limit: usize) -> Self {
        self.log_limit = Some(limit);
        self
    }

    /// Listen on this port of 127.0.0.1 rather than one the OS picks (0, the default), for a
    /// fake that other programs are pointed at by hand.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Starts the fake.
    ///
    /// # Panics
    /// When no port can be bound on 127.0.0.1 or no thread started; [`Self::try_start`]
    /// returns the error instead.
    pub async fn start(self) -> FakeHubSpot {
        match self.try_start() {
            Ok(fake) => fake,
            Err(error) => panic!("cannot start the fake HubSpot: {error}"),
        }
    }

    /// Starts the fake on a thread and runtime of its own, so that it keeps its own clock
    /// whatever the test's runtime does (a paused clock included). Usable outside async code.
    ///
    /// # Errors
    /// When no port can be bound on 127.0.0.1 (or not the one [`port`](Self::port) asks
    /// for) or the thread cannot start.
    pub fn try_start(self) -> io::Result<FakeHubSpot> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, self.port))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let scaled = |length: Duration| length.mul_f64(self.time_scale);
        let now = std::time::Instant::now();
        let state = State {
            objects: Objects::new(self.unique, self.object_types, self.first_id),
            limits: Limits {
                standard: self
                    .ten_second_budget
                    .map(|budget| Window::new(budget, scaled(TEN_SECONDS))),
                search: self
                    .search_budget
                    .map(|budget| Window::new(budget, scaled(ONE_SECOND))),
                daily: self
                    .daily_budget
                    .map(|budget| Daily::new(budget, scaled(ONE_DAY), now)),
            },
            faults: self.faults,
            rejected: self.rejected,
            rules: self.rules,
            rng: fastrand::Rng::with_seed(self.seed),
            log: std::collections::VecDeque::new(),
            log_limit: self.log_limit,
            received: 0,
            rate_limited: [0; 3],
            token: self.token,
            retry_after: self.retry_after,
            oauth: self.oauth.map(oauth::Issuer::new),
        };
        let shared = Arc::new(Shared::new(state));
        let (shutdown, stop) = oneshot::channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fake-hubspot-{}", address.port()))
            .spawn(move || runtime.block_on(server::serve(listener, serving, stop)))?;
        Ok(FakeHubSpot {
            address,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }
}

// ---- OAuth ---------------------------------------------------------------------------------

impl FakeHubSpot {
    /// The URL of the fake's OAuth token endpoint (`{base_url}/oauth/v1/token`), to give
    /// [`OAuthRefreshBuilder::token_url`](crate::OAuthRefreshBuilder::token_url).
    pub fn oauth_token_url(&self) -> String {
        format!("{}/oauth/v1/token", self.base_url())
    }

    /// How many OAuth refreshes succeeded (0 without [`FakeHubSpotBuilder::oauth`]).
    pub fn oauth_refreshes(&self) -> u64 {
        self.shared
            .lock()
            .oauth
            .as_ref()
            .map_or(0, oauth::Issuer::refreshes)
    }

    /// From now on, answer every well-formed refresh with `status`: 400 with HubSpot's
    /// `BAD_REFRESH_TOKEN` body (as when the app was uninstalled), any other with an error
    /// body; `None` refreshes again. Does nothing without [`FakeHubSpotBuilder::oauth`].
    pub fn fail_oauth_refreshes(&self, status: Option<u16>) {
        if let Some(issuer) = &mut self.shared.lock().oauth {
            issuer.fail_refreshes(status);
        }
    }

    /// Makes every access token issued so far expire now, whatever its lifetime: the next
    /// request with one gets HubSpot's 401 `EXPIRED_AUTHENTICATION`.
    pub fn expire_oauth_tokens(&self) {
        if let Some(issuer) = &mut self.shared.lock().oauth {
            issuer.expire_all(std::time::Instant::now());
        }
    }
}

impl FakeHubSpotBuilder {
    /// Serves HubSpot's OAuth token endpoint for one app and installation: a refresh with
    /// this `client_id`, `client_secret` and `refresh_token` (or a refresh token issued
    /// since) gets an access token that lives `lifetime` (real time, not scaled by
    /// [`time_scale`](Self::time_scale)) and a new refresh token. The static token stays
    /// accepted.
    ///
    /// ```
    /// use std::time::Duration;
    /// use hubspot_runtime::OAuthRefresh;
    /// use hubspot_runtime::testing::FakeHubSpot;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let fake = FakeHubSpot::builder()
    ///     .oauth("app-id", "app-secret", "refresh-1", Duration::from_secs(1800))
    ///     .start()
    ///     .await;
    /// let oauth = OAuthRefresh::builder("app-id", "app-secret", "refresh-1")
    ///     .token_url(&fake.oauth_token_url())
    ///     .build()?;
    /// let client = fake.client_builder().token_provider(oauth).build()?;
    /// # let _ = client;
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn oauth(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
        lifetime: Duration,
    ) -> Self {
        self.oauth = Some(oauth::OAuthApp {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            refresh_token: refresh_token.into(),
            lifetime,
        });
        self
    }
}
