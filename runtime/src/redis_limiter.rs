//! A [`RateLimiter`] kept in Redis, so that several processes of one HubSpot app (one
//! account, for an OAuth app) share its budget instead of each taking the whole of it.
//!
//! Each budget (the standard one and the search one) is a sorted set in Redis: one entry per
//! request let out, a random member scored with the instant at which it stops counting. A Lua
//! script lets a request out atomically when fewer than `max` entries still count, and
//! otherwise says when the next place frees; the caller sleeps until then and asks again. The
//! instants come from Redis's clock (`TIME`), so the processes need not agree on theirs.
//!
//! As in the in-process [`SlidingWindowLimiter`], a request counts from the moment it is let
//! out until one window after its answer: its entry is scored one window ahead when it is let
//! out, kept one window ahead while it is in flight (a heartbeat), and moved to one window
//! after the answer when its [`Permit`] is dropped. A process that dies stops the heartbeat,
//! so its entries stop counting at most one window later; the keys expire after two windows
//! without writes.
//!
//! Written for this crate rather than taken from a Redis rate-limiting crate: those count
//! requests when they start (fixed windows, GCRA, or a sliding log without the time a
//! request is in flight), adopt no figures from the server, and say yes or no where HubSpot's
//! rolling window needs "when".

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisError, Script};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::limiter::{
    Acquire, AcquireError, LARGEST_ADOPTED_MAX, LONGEST_ADOPTED_WINDOW, Observed, Permit,
    RateLimit, RateLimiter, SlidingWindowLimiter, TryAcquire, check_figures,
};
use crate::metrics::RateLimitStatus;
use crate::request::RateClass;

/// How long one Redis call may take, connecting included, unless the builder says otherwise.
const DEFAULT_REDIS_TIMEOUT: Duration = Duration::from_millis(500);

/// How often a limiter that lost Redis tries it again, unless the builder says otherwise.
const DEFAULT_PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// How long Redis keeps the figures adopted from HubSpot's answers after the last answer that
/// changed them: a day (then the configured budget applies until the next answer).
const ADOPTED_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The bounds of the heartbeat's period (a quarter of the shortest window).
const SHORTEST_BEAT: Duration = Duration::from_millis(10);
const LONGEST_BEAT: Duration = Duration::from_secs(1);

/// The most jobs (released permits, answers) sent to Redis in one go.
const LARGEST_BATCH: usize = 256;

/// The most request ends a limiter remembers per budget, to size its local fallback: far
/// above the requests one window of a HubSpot budget holds. Beyond it the oldest are
/// forgotten, so that memory never follows a budget the application set to billions.
const MOST_RECENT: usize = 65_536;

/// The lines every script starts with: Redis's clock in microseconds, and the budget in force
/// (the adopted figures when they are within bounds, else the configured ones).
///
/// KEYS[1] is the sorted set, KEYS[2] the hash of adopted figures and unseen requests.
/// ARGV[1] and ARGV[2] are the configured max and window (µs), ARGV[3] and ARGV[4] the
/// largest max and longest window (µs) that may be adopted.
macro_rules! prelude {
    () => {
        r#"
local function num(x) return string.format('%.0f', x) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local budget = redis.call('HMGET', KEYS[2], 'max', 'window', 'extra', 'extra_until')
local adopted = tonumber(budget[1])
if adopted and adopted >= 1 and adopted <= tonumber(ARGV[3]) then max = math.floor(adopted) end
adopted = tonumber(budget[2])
if adopted and adopted >= 1 and adopted <= tonumber(ARGV[4]) then
  window = math.floor(adopted)
end
local extra = tonumber(budget[3]) or 0
local extra_until = tonumber(budget[4]) or 0
if extra < 0 then extra = 0 end
if extra > max then extra = max end
local set_ttl = num(math.ceil(2 * window / 1000) + 1000)
"#
    };
}

/// Lets one request out if fewer than `max` count now; ARGV[5] is its member. Returns
/// `{1, 0, max, window}` when it is let out, else `{0, wait, max, window}` with the
/// microseconds until the next place frees.
///
/// Entries count while their score is ahead of now; those a window older than that are
/// dropped (kept one window more, to count what HubSpot may still have counted when it
/// answered a request sent then). `extra` requests, seen by HubSpot but not here, count
/// until `extra_until`.
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        prelude!(),
        r#"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', num(now - window))
local used = redis.call('ZCOUNT', KEYS[1], '(' .. num(now), '+inf')
if extra_until <= now then extra = 0 end
if used + extra < max then
  redis.call('ZADD', KEYS[1], num(now + window), ARGV[5])
  redis.call('PEXPIRE', KEYS[1], set_ttl)
  return {1, 0, max, window}
end
local need = used + extra - max + 1
local scores = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. num(now), '+inf', 'WITHSCORES',
  'LIMIT', 0, need)
local freed, at, i = 0, now + window, 1
while freed < need do
  local score = tonumber(scores[2 * i])
  if extra > 0 and (score == nil or extra_until <= score) then
    freed = freed + extra
    at = extra_until
    extra = 0
  elseif score ~= nil then
    freed = freed + 1
    at = score
    i = i + 1
  else
    break
  end
end
return {0, at - now, max, window}
"#
    ))
});

/// Makes the members ARGV[5..] count until one window from now (adding those that expired
/// meanwhile): the heartbeat of requests in flight, and the end of requests answered.
/// Returns `{max, window}`.
static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        prelude!(),
        r#"
local until_now = now + window
for i = 5, #ARGV do
  local score = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i]))
  if score == nil or score < until_now then
    redis.call('ZADD', KEYS[1], num(until_now), ARGV[i])
  end
end
redis.call('PEXPIRE', KEYS[1], set_ttl)
return {max, window}
"#
    ))
});

/// What one answer says: ARGV[5] a `Max` to adopt, ARGV[6] an interval (µs) to adopt,
/// ARGV[7] `Remaining`, ARGV[8] how long ago (µs) the request was sent, ARGV[9] the
/// `Retry-After` (µs), ARGV[10] `1` for a 429 that said nothing of what remains, ARGV[11]
/// how long (ms) the adopted figures are kept; empty when absent. Requests HubSpot counted
/// but this set did not (other clients of the same app) count as `extra` until the window
/// (or the `Retry-After`) is over. Returns `{max, window}`.
static OBSERVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(concat!(
        prelude!(),
        r#"
local changed = false
local adopt = tonumber(ARGV[5])
if adopt and adopt >= 1 and adopt <= tonumber(ARGV[3]) then
  max = math.floor(adopt)
  redis.call('HSET', KEYS[2], 'max', num(max))
  changed = true
end
adopt = tonumber(ARGV[6])
if adopt and adopt >= 1 and adopt <= tonumber(ARGV[4]) then
  window = math.floor(adopt)
  redis.call('HSET', KEYS[2], 'window', num(window))
  changed = true
end
local used = nil
local since = now
local remaining = tonumber(ARGV[7])
if remaining then
  used = max - remaining
  local ago = tonumber(ARGV[8]) or 0
  if ago > window then ago = window end
  if ago < 0 then ago = 0 end
  since = now - ago
elseif ARGV[10] == '1' then
  used = max
end
if used and used > 0 then
  if used > max then used = max end
  local counted = redis.call('ZCOUNT', KEYS[1], '(' .. num(since), '+inf')
  if extra_until > since then counted = counted + extra end
  local unseen = used - counted
  if unseen > 0 then
    local free_in = tonumber(ARGV[9]) or window
    if free_in > window then free_in = window end
    if free_in < 0 then free_in = 0 end
    local keep = 0
    if extra_until > now then keep = extra end
    local total = keep + unseen
    if total > max then total = max end
    local until_free = now + free_in
    if keep > 0 and extra_until > until_free then until_free = extra_until end
    redis.call('HSET', KEYS[2], 'extra', num(total), 'extra_until', num(until_free))
    changed = true
  end
end
if changed then redis.call('PEXPIRE', KEYS[2], ARGV[11]) end
return {max, window}
"#
    ))
});

/// What a [`RedisLimiter`] does when Redis stops answering mid-run (an error, or no answer
/// within the [timeout](RedisLimiterBuilder::redis_timeout)).
///
/// Either way no call hangs on Redis and none panics; the limiter tries Redis again every
/// [probe interval](RedisLimiterBuilder::probe_interval) and goes back to it when it
/// answers.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum OnRedisLoss {
    /// Calls fail with [`Error::RateLimiter`](crate::Error::RateLimiter), naming the Redis
    /// URL and the cause, until Redis answers again; nothing is sent meanwhile. The safe
    /// choice when no process may exceed the budget. The default.
    Fail,
    /// Each process goes on with an in-process [`SlidingWindowLimiter`] at `share` of the
    /// budget (between 0 and 1; `1.0 / N` for N processes keeps them within the budget
    /// together). It starts counting the requests this process let out in the last window
    /// (each until it would have stopped counting in Redis), takes its share of HubSpot's
    /// `Max` and every 429 from the answers (not `Remaining`, which all processes share),
    /// and when Redis answers again, requests are paced by both for one more window, so
    /// that what was sent locally still counts.
    Local {
        /// The share of the budget (the one last read from Redis) one process takes.
        share: f64,
    },
}

/// Configures a [`RedisLimiter`]; made by [`RedisLimiter::builder`].
#[derive(Clone)]
pub struct RedisLimiterBuilder {
    url: String,
    key: String,
    standard: RateLimit,
    search: RateLimit,
    on_loss: OnRedisLoss,
    timeout: Duration,
    probe_interval: Duration,
}

impl RedisLimiterBuilder {
    /// The budget for every endpoint but search until HubSpot's answers say otherwise,
    /// [`RateLimit::STARTER`] by default.
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.standard = limit;
        self
    }

    /// The budget for the search endpoints, [`RateLimit::SEARCH`] by default.
    #[must_use]
    pub fn search_rate_limit(mut self, limit: RateLimit) -> Self {
        self.search = limit;
        self
    }

    /// What to do when Redis is lost mid-run, [`OnRedisLoss::Fail`] by default.
    #[must_use]
    pub fn on_redis_loss(mut self, choice: OnRedisLoss) -> Self {
        self.on_loss = choice;
        self
    }

    /// The longest one Redis call may take, connecting included (500 ms by default). A
    /// call that takes longer counts as Redis lost. The time a call waits for Redis counts
    /// against the call's deadline, like any wait for the limiter.
    #[must_use]
    pub fn redis_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How often a limiter that lost Redis tries it again (1 s by default).
    #[must_use]
    pub fn probe_interval(mut self, interval: Duration) -> Self {
        self.probe_interval = interval;
        self
    }

    /// Connects to Redis and loads the limiter's scripts, within the
    /// [timeout](Self::redis_timeout).
    ///
    /// Must be called within a Tokio runtime: the limiter keeps a task there (it sends the
    /// ends of requests and HubSpot's figures to Redis, and tries Redis again after a loss),
    /// which stops when the last clone of the limiter is dropped.
    ///
    /// # Errors
    /// When the URL is not a Redis URL, Redis cannot be reached or does not answer in time,
    /// or a setting is out of range (an empty key, a share not above 0 and at most 1, a zero
    /// timeout). The error names the URL, without its password.
    pub async fn connect(self) -> Result<RedisLimiter, RedisLimiterError> {
        let shown_url = redact(&self.url);
        let fail = |kind| RedisLimiterError {
            url: shown_url.clone(),
            kind,
        };
        if self.key.is_empty() {
            return Err(fail(ConnectErrorKind::Setting(
                "the key is empty: give one per app and account, e.g. \"hubspot:myapp:123456\""
                    .to_owned(),
            )));
        }
        if let OnRedisLoss::Local { share } = self.on_loss {
            if !(share > 0.0 && share <= 1.0) {
                return Err(fail(ConnectErrorKind::Setting(format!(
                    "the share of OnRedisLoss::Local is {share}, not above 0 and at most 1"
                ))));
            }
        }
        if self.timeout.is_zero() || self.probe_interval.is_zero() {
            return Err(fail(ConnectErrorKind::Setting(
                "the Redis timeout and the probe interval must be longer than zero".to_owned(),
            )));
        }
        let client =
            redis::Client::open(self.url.as_str()).map_err(|e| fail(ConnectErrorKind::Url(e)))?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout));
        let redis = Redis {
            client,
            config,
            connection: tokio::sync::Mutex::new(None),
            timeout: self.timeout,
        };
        redis.check().await.map_err(|fault| match fault {
            Fault::Redis(error) => fail(ConnectErrorKind::Unreachable(error)),
            Fault::Timeout(after) => fail(ConnectErrorKind::TimedOut(after)),
            Fault::Reply(reply) => fail(ConnectErrorKind::Reply(reply)),
        })?;
        let (jobs, receiver) = mpsc::unbounded_channel();
        let budgets = [self.standard, self.search];
        let shared = Arc::new(Shared {
            shown_url,
            key: self.key.clone(),
            keys: [
                Keys::new(&self.key, "standard"),
                Keys::new(&self.key, "search"),
            ],
            configured: budgets,
            redis,
            on_loss: self.on_loss,
            probe_interval: self.probe_interval,
            state: Mutex::new(State {
                mode: Mode::Redis,
                known: budgets,
                in_flight: [HashSet::new(), HashSet::new()],
                recent: [Recent::default(), Recent::default()],
            }),
            jobs,
        });
        let inner = Arc::new(Inner {
            shared: Arc::clone(&shared),
            turns: [tokio::sync::Mutex::new(()), tokio::sync::Mutex::new(())],
        });
        tokio::spawn(keeper(shared, Arc::downgrade(&inner), receiver));
        Ok(RedisLimiter { inner })
    }
}

impl fmt::Debug for RedisLimiterBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisLimiterBuilder")
            .field("url", &redact(&self.url))
            .field("key", &self.key)
            .field("rate_limit", &self.standard)
            .field("search_rate_limit", &self.search)
            .field("on_redis_loss", &self.on_loss)
            .field("redis_timeout", &self.timeout)
            .field("probe_interval", &self.probe_interval)
            .finish()
    }
}

/// A [`RateLimiter`] kept in Redis: every process (and every [`Client`](crate::Client)) whose
/// limiter connects to the same Redis with the same key shares one budget, as HubSpot counts
/// it: per app, and per installing account for an OAuth app.
///
/// ```no_run
/// use std::sync::Arc;
/// use hubspot_runtime::{Client, OnRedisLoss, RateLimit, RedisLimiter};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let limiter = RedisLimiter::builder("redis://127.0.0.1:6379", "hubspot:orders-sync:123456")
///     .rate_limit(RateLimit::PROFESSIONAL)
///     .on_redis_loss(OnRedisLoss::Local { share: 0.25 }) // four processes
///     .connect()
///     .await?;
/// let client = Client::builder()
///     .token(std::env::var("HUBSPOT_TOKEN")?)
///     .rate_limiter(Arc::new(limiter))
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
///
/// # Keys
///
/// The key names one budget: give the same one to every process of one app writing to one
/// account (`hubspot:{app}:{portal}`, say), and another to another app or account, which may
/// share the Redis. The limiter keeps four keys under it: `{key}:standard` and
/// `{key}:search`, sorted sets of the requests that count, and `{key}:standard:budget` and
/// `{key}:search:budget`, hashes of the figures adopted from HubSpot's answers and of the
/// requests HubSpot reported but no limiter let out. The sets expire two windows after their
/// last write, the hashes a day after theirs. (On Redis Cluster, put a hash tag in the key,
/// `hubspot:{myapp:123456}`, so that each script's keys share a slot.) Redis 5 or later.
///
/// # What it counts, and what it believes
///
/// As [`SlidingWindowLimiter`] does: a request counts from the moment it is let out until
/// one window after its answer, and the figures of HubSpot's answers steer the budget within
/// the same bounds (`X-HubSpot-RateLimit-Max` from 1 to 1,000, an interval up to 11 s, a
/// `Remaining` lower than expected counting the difference as spent, a 429 filling the
/// window until its `Retry-After` or for a window). What one process adopts is stored in
/// Redis, so every process sees it. A process that dies holding permits stops counting them
/// at most one window later (a permit leaked by a process that lives on counts for as long
/// as the limiter lives, as in the in-process limiter).
///
/// # Waiting, and fairness
///
/// A caller that finds the budget spent sleeps until the instant the script says the next
/// place frees, then asks again: no busy loop, and each sleep lasts at most a window. Within
/// one process, callers of each budget are served in the order they came: one at a time asks
/// Redis, the others wait behind it. Between processes there is no queue: when a place
/// frees, the process whose request reaches Redis first takes it. Each process asks at the
/// same instants, so over time the places go to the processes that want them about evenly,
/// at random; a process much farther from Redis than the others loses more of those races.
///
/// # When Redis fails
///
/// Unreachable at the start: [`connect`](RedisLimiterBuilder::connect) fails, naming the
/// URL and the cause. Lost mid-run (an error, or no answer within the
/// [timeout](RedisLimiterBuilder::redis_timeout)): what [`OnRedisLoss`] says, fail the
/// calls or go on locally at a share of the budget, until Redis answers again. Every Redis
/// call is bounded by the timeout, and the time spent waiting for Redis counts against the
/// call's [`deadline`](crate::ClientBuilder::deadline).
#[derive(Clone)]
pub struct RedisLimiter {
    inner: Arc<Inner>,
}

impl RedisLimiter {
    /// A builder for a limiter on the Redis at `url` (`redis://[[user]:password@]host[:port][/db]`)
    /// for the budget named `key`.
    pub fn builder(url: impl Into<String>, key: impl Into<String>) -> RedisLimiterBuilder {
        RedisLimiterBuilder {
            url: url.into(),
            key: key.into(),
            standard: RateLimit::STARTER,
            search: RateLimit::SEARCH,
            on_loss: OnRedisLoss::Fail,
            timeout: DEFAULT_REDIS_TIMEOUT,
            probe_interval: DEFAULT_PROBE_INTERVAL,
        }
    }

    /// A limiter on the Redis at `url` for the budget named `key`, with the defaults of
    /// [`builder`](Self::builder).
    ///
    /// # Errors
    /// As [`RedisLimiterBuilder::connect`].
    pub async fn connect(
        url: impl Into<String>,
        key: impl Into<String>,
    ) -> Result<RedisLimiter, RedisLimiterError> {
        RedisLimiter::builder(url, key).connect().await
    }

    /// The budget applied to `class`, as Redis last said (the configured one, or what
    /// HubSpot reported to any process sharing it).
    pub fn limit(&self, class: RateClass) -> RateLimit {
        self.inner.shared.state().known[index(class)]
    }

    /// Whether requests are let out through Redis now: `false` while Redis is lost (calls
    /// fail, or go on locally, as [`OnRedisLoss`] says).
    pub fn is_on_redis(&self) -> bool {
        !matches!(self.inner.shared.state().mode, Mode::Lost { .. })
    }
}

impl fmt::Debug for RedisLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.inner.shared;
        f.debug_struct("RedisLimiter")
            .field("url", &shared.shown_url)
            .field("key", &shared.key)
            .field("on_redis_loss", &shared.on_loss)
            .field("on_redis", &self.is_on_redis())
            .finish_non_exhaustive()
    }
}

impl RateLimiter for RedisLimiter {
    /// Waits for a permit; while Redis is lost with [`OnRedisLoss::Fail`], waits for Redis to
    /// answer again, asking every probe interval (the client calls
    /// [`try_acquire`](RateLimiter::try_acquire), which fails instead).
    fn acquire(&self, class: RateClass) -> Acquire<'_> {
        Box::pin(async move {
            loop {
                match self.inner.try_acquire(class).await {
                    Ok(permit) => return permit,
                    Err(_) => tokio::time::sleep(self.inner.shared.probe_interval).await,
                }
            }
        })
    }

    fn try_acquire(&self, class: RateClass) -> TryAcquire<'_> {
        Box::pin(self.inner.try_acquire(class))
    }

    fn observe(&self, class: RateClass, answer: &Observed) {
        self.inner.shared.observe(class, answer);
    }
}

/// Why [`RedisLimiterBuilder::connect`] failed; it names the Redis URL, without its
/// password.
#[derive(Debug)]
pub struct RedisLimiterError {
    url: String,
    kind: ConnectErrorKind,
}

#[derive(Debug)]
enum ConnectErrorKind {
    /// A setting of the builder is out of range.
    Setting(String),
    /// The URL is not one the Redis client reads.
    Url(RedisError),
    /// Connecting or loading the scripts failed.
    Unreachable(RedisError),
    /// Redis did not answer within the timeout.
    TimedOut(Duration),
    /// Redis answered something else than expected.
    Reply(String),
}

impl RedisLimiterError {
    /// The Redis URL, with its password (if any) replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for RedisLimiterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = &self.url;
        match &self.kind {
            ConnectErrorKind::Setting(problem) => {
                write!(
                    f,
                    "cannot set up the rate limiter on Redis at {url}: {problem}"
                )
            }
            ConnectErrorKind::Url(error) => write!(f, "{url} is not a Redis URL: {error}"),
            ConnectErrorKind::Unreachable(error) => {
                write!(
                    f,
                    "cannot reach Redis at {url} for the rate limiter: {error}"
                )
            }
            ConnectErrorKind::TimedOut(after) => write!(
                f,
                "cannot reach Redis at {url} for the rate limiter: no answer within {after:?}"
            ),
            ConnectErrorKind::Reply(reply) => write!(
                f,
                "Redis at {url} did not answer the rate limiter as expected: {reply}"
            ),
        }
    }
}

impl std::error::Error for RedisLimiterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ConnectErrorKind::Url(error) | ConnectErrorKind::Unreachable(error) => Some(error),
            _ => None,
        }
    }
}

/// What the limiter and its clones share; the keeper task holds [`Shared`] and watches this
/// to know when to stop.
struct Inner {
    shared: Arc<Shared>,
    /// Held by the caller of each budget that is asking Redis; Tokio's mutex is fair, so the
    /// callers of one process are served in the order they came.
    turns: [tokio::sync::Mutex<()>; 2],
}

/// What the limiter, its permits and its keeper task share.
struct Shared {
    shown_url: String,
    key: String,
    keys: [Keys; 2],
    configured: [RateLimit; 2],
    redis: Redis,
    on_loss: OnRedisLoss,
    probe_interval: Duration,
    state: Mutex<State>,
    /// To the keeper task: released permits and answers, sent to Redis in batches.
    jobs: mpsc::UnboundedSender<Job>,
}

struct State {
    mode: Mode,
    /// Each budget as Redis last said.
    known: [RateLimit; 2],
    /// The members of this process's requests in flight, kept counting by the heartbeat.
    in_flight: [HashSet<String>; 2],
    /// This process's recent requests, to start a local fallback with.
    recent: [Recent; 2],
}

enum Mode {
    /// Redis answers.
    Redis,
    /// Redis failed; `local` is the fallback (none with [`OnRedisLoss::Fail`]).
    Lost {
        since: Instant,
        cause: String,
        local: Option<SlidingWindowLimiter>,
    },
    /// Redis answers again; until `until`, requests are paced by both Redis and `local`.
    Returning {
        until: Instant,
        local: SlidingWindowLimiter,
    },
}

/// How a caller is to get its permit, as the mode says.
enum Route {
    Redis(Option<SlidingWindowLimiter>),
    Local(SlidingWindowLimiter),
    Fail(AcquireError),
}

/// The two keys of one budget.
struct Keys {
    set: String,
    budget: String,
}

impl Keys {
    fn new(key: &str, class: &str) -> Keys {
        Keys {
            set: format!("{key}:{class}"),
            budget: format!("{key}:{class}:budget"),
        }
    }
}

/// The requests of this process that ended within the last window (those in flight are
/// `State::in_flight`'s).
#[derive(Debug, Default)]
struct Recent {
    ended: VecDeque<Instant>,
}

impl Recent {
    fn end(&mut self, at: Instant, window: Duration) {
        self.ended.push_back(at);
        self.forget_old(at, window);
        if self.ended.len() > MOST_RECENT {
            self.ended.pop_front();
        }
    }

    fn forget_old(&mut self, now: Instant, window: Duration) {
        while self.ended.front().is_some_and(|&end| end + window <= now) {
            self.ended.pop_front();
        }
    }

    /// How long each request that counts now still counts, soonest first: one window after
    /// it ended, or a window from now for the `in_flight` ones.
    fn frees(&mut self, now: Instant, window: Duration, in_flight: usize) -> Vec<Duration> {
        self.forget_old(now, window);
        let ended = self
            .ended
            .iter()
            .map(|&end| (end + window).saturating_duration_since(now));
        let in_flight = (0..in_flight).map(|_| window);
        ended.chain(in_flight).collect()
    }

    #[cfg(test)]
    fn count(&mut self, now: Instant, window: Duration, in_flight: usize) -> usize {
        self.forget_old(now, window);
        self.ended.len() + in_flight
    }
}

/// Work for the keeper task.
#[derive(Debug)]
enum Job {
    /// A request let out through Redis ended: it counts until a window from now.
    Release { class: RateClass, member: String },
    /// What an answer said, as the observe script takes it.
    Observe { class: RateClass, figures: Figures },
}

/// The figures of one answer the observe script reads.
#[derive(Debug, Default)]
struct Figures {
    max: Option<u32>,
    window: Option<Duration>,
    remaining: Option<u32>,
    /// When the request was let out (how long ago is reckoned when Redis is told).
    sent_at: Option<std::time::Instant>,
    free_in: Option<Duration>,
    fill: bool,
}

/// Why a Redis call failed.
#[derive(Debug)]
enum Fault {
    Redis(RedisError),
    Timeout(Duration),
    Reply(String),
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Redis(error) => write!(f, "{error}"),
            Fault::Timeout(after) => write!(f, "no answer within {after:?}"),
            Fault::Reply(reply) => write!(f, "an unexpected answer: {reply}"),
        }
    }
}

/// What the acquire script said.
enum Taken {
    Granted(Permit),
    Wait(Duration),
}

/// The connection to Redis: one multiplexed connection, made again after a failure.
struct Redis {
    client: redis::Client,
    config: AsyncConnectionConfig,
    connection: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    timeout: Duration,
}

impl Redis {
    /// Runs `call` on the connection (connecting first if there is none), within the
    /// timeout; after a failure, the next call connects again.
    async fn run<T, F>(&self, call: F) -> Result<T, Fault>
    where
        F: AsyncFnOnce(&mut MultiplexedConnection) -> Result<T, Fault>,
    {
        let attempt = async {
            let mut connection = self.connection().await?;
            call(&mut connection).await
        };
        let outcome = match tokio::time::timeout(self.timeout, attempt).await {
            Ok(Err(Fault::Redis(error))) if error.is_timeout() => Err(Fault::Timeout(self.timeout)),
            Ok(outcome) => outcome,
            Err(_) => Err(Fault::Timeout(self.timeout)),
        };
        if outcome.is_err() {
            *self.connection.lock().await = None;
        }
        outcome
    }

    async fn connection(&self) -> Result<MultiplexedConnection, Fault> {
        let mut slot = self.connection.lock().await;
        if let Some(connection) = &*slot {
            return Ok(connection.clone());
        }
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await
            .map_err(Fault::Redis)?;
        *slot = Some(connection.clone());
        Ok(connection)
    }

    /// Whether Redis answers and runs the limiter's scripts (loaded here, so that the first
    /// request does not pay for it).
    async fn check(&self) -> Result<(), Fault> {
        self.run(async |connection| {
            for script in [&ACQUIRE, &EXTEND, &OBSERVE] {
                script.load_async(connection).await.map_err(Fault::Redis)?;
            }
            Ok(())
        })
        .await
    }
}

fn index(class: RateClass) -> usize {
    match class {
        RateClass::Standard => 0,
        RateClass::Search => 1,
    }
}

fn micros(duration: Duration) -> u64 {
    u64::try_from(duration.as_micros()).unwrap_or(u64::MAX)
}

/// The budget Redis reports, as a [`RateLimit`] (the script returns figures within bounds;
/// anything else keeps `fallback`).
fn budget_of(max: i64, window_us: i64, fallback: RateLimit) -> RateLimit {
    let max = u32::try_from(max).ok().filter(|&max| max > 0);
    let window = u64::try_from(window_us)
        .ok()
        .filter(|&us| us > 0)
        .map(Duration::from_micros);
    RateLimit::new(
        max.unwrap_or(fallback.max()),
        window.unwrap_or(fallback.window()),
    )
}

/// `share` of a budget's `max`, at least 1.
fn share_of(limit: RateLimit, share: f64) -> RateLimit {
    RateLimit::new(scale(limit.max(), share).max(1), limit.window())
}

fn scale(n: u32, share: f64) -> u32 {
    // A float to integer `as` saturates: no overflow, whatever the product.
    (f64::from(n) * share).floor() as u32
}

impl Inner {
    async fn try_acquire(&self, class: RateClass) -> Result<Permit, AcquireError> {
        let shared = &self.shared;
        let _turn = self.turns[index(class)].lock().await;
        loop {
            match shared.route() {
                Route::Fail(error) => return Err(error),
                Route::Local(local) => return Ok(local.acquire(class).await),
                Route::Redis(returning) => {
                    // Returning from a loss: the local window's places first, so that no
                    // place in Redis is held while waiting for one here.
                    let local = match &returning {
                        Some(local) => Some(local.acquire(class).await),
                        None => None,
                    };
                    loop {
                        match shared.take(class).await {
                            Ok(Taken::Granted(permit)) => {
                                return Ok(match local {
                                    Some(local) => Permit::on_release(move || {
                                        drop(permit);
                                        drop(local);
                                    }),
                                    None => permit,
                                });
                            }
                            Ok(Taken::Wait(wait)) => tokio::time::sleep(wait).await,
                            Err(fault) => {
                                shared.lost(&fault);
                                match local {
                                    // Lost again: the local window decides alone.
                                    Some(local) if shared.local().is_some() => return Ok(local),
                                    _ => break,
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The local fallback in force, if any.
    fn local(&self) -> Option<SlidingWindowLimiter> {
        match &self.state().mode {
            Mode::Redis => None,
            Mode::Lost { local, .. } => local.clone(),
            Mode::Returning { local, .. } => Some(local.clone()),
        }
    }

    fn route(&self) -> Route {
        let mut state = self.state();
        if let Mode::Returning { until, .. } = &state.mode {
            if Instant::now() >= *until {
                tracing::info!(url = %self.shown_url, key = %self.key,
                    "the rate limiter paces by Redis alone again");
                state.mode = Mode::Redis;
            }
        }
        match &state.mode {
            Mode::Redis => Route::Redis(None),
            Mode::Returning { local, .. } => Route::Redis(Some(local.clone())),
            Mode::Lost {
                local: Some(local), ..
            } => Route::Local(local.clone()),
            Mode::Lost {
                since,
                cause,
                local: None,
            } => Route::Fail(AcquireError::new(format!(
                "Redis at {} (key {}) has not answered for {} ms: {cause}; the RedisLimiter is \
                 set to fail calls until it answers again (OnRedisLoss::Fail)",
                self.shown_url,
                self.key,
                since.elapsed().as_millis()
            ))),
        }
    }

    /// Asks Redis for a place in the budget of `class`.
    async fn take(self: &Arc<Self>, class: RateClass) -> Result<Taken, Fault> {
        let i = index(class);
        let member = format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..));
        let configured = self.configured[i];
        let keys = &self.keys[i];
        let reply: Vec<i64> = self
            .redis
            .run(async |connection| {
                let mut call = ACQUIRE.prepare_invoke();
                call.key(&keys.set).key(&keys.budget);
                script_budget(&mut call, configured);
                call.arg(&member);
                call.invoke_async(connection).await.map_err(Fault::Redis)
            })
            .await?;
        let &[granted, wait_us, max, window_us] = reply.as_slice() else {
            return Err(Fault::Reply(format!("{reply:?} from the acquire script")));
        };
        let limit = budget_of(max, window_us, configured);
        let mut state = self.state();
        state.known[i] = limit;
        if granted != 1 {
            // Each sleep at most a window, at least a millisecond: no busy loop, whatever
            // the reply.
            let wait = u64::try_from(wait_us).map_or(Duration::ZERO, Duration::from_micros);
            let wait = wait.clamp(Duration::from_millis(1), limit.window());
            return Ok(Taken::Wait(wait));
        }
        state.in_flight[i].insert(member.clone());
        drop(state);
        let shared = Arc::clone(self);
        Ok(Taken::Granted(Permit::on_release(move || {
            shared.release(class, member);
        })))
    }

    fn release(&self, class: RateClass, member: String) {
        let i = index(class);
        let mut state = self.state();
        state.in_flight[i].remove(&member);
        let window = state.known[i].window();
        state.recent[i].end(Instant::now(), window);
        let lost = matches!(state.mode, Mode::Lost { .. });
        drop(state);
        if !lost {
            // The keeper is gone only when the limiter is: then nothing is left to tell.
            let _ = self.jobs.send(Job::Release { class, member });
        }
    }

    fn observe(&self, class: RateClass, answer: &Observed) {
        let figures = answer
            .rate_limits
            .filter(|figures| check_figures(figures).is_ok());
        let (local, lost, returning) = {
            let mut state = self.state();
            if let (RateClass::Standard, Some(figures)) = (class, figures) {
                let known = state.known[0];
                state.known[0] = RateLimit::new(
                    figures.max.unwrap_or(known.max()),
                    figures.interval.unwrap_or(known.window()),
                );
            }
            match &state.mode {
                Mode::Redis => (None, false, false),
                Mode::Lost { local, .. } => (local.clone(), true, false),
                Mode::Returning { local, .. } => (Some(local.clone()), false, true),
            }
        };
        if let (Some(local), OnRedisLoss::Local { share }) = (local, self.on_loss) {
            local.observe(class, &shared_answer(answer, figures, share));
        }
        if lost {
            return;
        }
        let mut job = Figures {
            sent_at: Some(answer.sent_at),
            free_in: answer.retry_after,
            ..Figures::default()
        };
        if let (RateClass::Standard, Some(figures)) = (class, figures) {
            job.max = figures.max;
            job.window = figures.interval;
            // Back from a loss, what HubSpot counts and Redis does not is what this and the
            // other processes sent locally meanwhile: the local window paces for it, until
            // the last of it stops counting; counted in Redis too, it would stop them all for
            // a window more.
            job.remaining = figures.remaining.filter(|_| !returning);
        }
        job.fill = answer.status == 429 && job.remaining.is_none();
        if job.max.is_some() || job.window.is_some() || job.remaining.is_some() || job.fill {
            let _ = self.jobs.send(Job::Observe {
                class,
                figures: job,
            });
        }
    }

    /// Redis failed: go on as [`OnRedisLoss`] says.
    fn lost(&self, fault: &Fault) {
        let mut state = self.state();
        let local = match &state.mode {
            Mode::Lost { .. } => return,
            Mode::Returning { local, .. } => Some(local.clone()),
            Mode::Redis => None,
        };
        let local = match (self.on_loss, local) {
            (OnRedisLoss::Fail, _) => None,
            (OnRedisLoss::Local { .. }, Some(local)) => Some(local),
            (OnRedisLoss::Local { share }, None) => Some(self.fallback(&mut state, share)),
        };
        tracing::warn!(
            url = %self.shown_url,
            key = %self.key,
            cause = %fault,
            fallback = local.is_some(),
            "the rate limiter lost Redis"
        );
        state.mode = Mode::Lost {
            since: Instant::now(),
            cause: fault.to_string(),
            local,
        };
    }

    /// An in-process limiter at `share` of the budgets, which counts this process's
    /// requests of the last window as spent until they would have stopped counting in Redis
    /// (those in flight, for a window).
    fn fallback(&self, state: &mut State, share: f64) -> SlidingWindowLimiter {
        let limits = [
            share_of(state.known[0], share),
            share_of(state.known[1], share),
        ];
        let local = SlidingWindowLimiter::new(limits[0], limits[1]);
        let now = Instant::now();
        for class in [RateClass::Standard, RateClass::Search] {
            let limit = limits[index(class)];
            let i = index(class);
            let in_flight = state.in_flight[i].len();
            let frees = state.recent[i].frees(now, limit.window(), in_flight);
            tell_spent(&local, class, limit, &frees);
        }
        local
    }

    /// Redis answers again.
    fn back(&self) {
        let mut state = self.state();
        let Mode::Lost { local, .. } = &state.mode else {
            return;
        };
        let longest = state.known[0].window().max(state.known[1].window());
        tracing::info!(url = %self.shown_url, key = %self.key, "the rate limiter has Redis again");
        state.mode = match local {
            Some(local) => Mode::Returning {
                until: Instant::now() + longest,
                local: local.clone(),
            },
            None => Mode::Redis,
        };
    }

    /// Sends a batch of jobs to Redis; stops at the first failure (Redis is lost: what is
    /// left would only wait for the timeout again).
    async fn send(&self, jobs: Vec<Job>) {
        let mut released: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        let mut observed = Vec::new();
        for job in jobs {
            match job {
                Job::Release { class, member } => released[index(class)].push(member),
                Job::Observe { class, figures } => observed.push((class, figures)),
            }
        }
        for class in [RateClass::Standard, RateClass::Search] {
            let members = std::mem::take(&mut released[index(class)]);
            if let Err(fault) = self.extend(class, &members).await {
                return self.lost(&fault);
            }
        }
        for (class, figures) in observed {
            if let Err(fault) = self.tell(class, &figures).await {
                return self.lost(&fault);
            }
        }
    }

    /// Makes `members` count until a window from now.
    async fn extend(&self, class: RateClass, members: &[String]) -> Result<(), Fault> {
        if members.is_empty() {
            return Ok(());
        }
        let i = index(class);
        let configured = self.configured[i];
        let keys = &self.keys[i];
        let reply: Vec<i64> = self
            .redis
            .run(async |connection| {
                let mut call = EXTEND.prepare_invoke();
                call.key(&keys.set).key(&keys.budget);
                script_budget(&mut call, configured);
                call.arg(members);
                call.invoke_async(connection).await.map_err(Fault::Redis)
            })
            .await?;
        self.learn(i, &reply)
    }

    /// Tells Redis what an answer said.
    async fn tell(&self, class: RateClass, figures: &Figures) -> Result<(), Fault> {
        let i = index(class);
        let configured = self.configured[i];
        let keys = &self.keys[i];
        let optional = |value: Option<u64>| value.map(|v| v.to_string()).unwrap_or_default();
        let reply: Vec<i64> = self
            .redis
            .run(async |connection| {
                let mut call = OBSERVE.prepare_invoke();
                call.key(&keys.set).key(&keys.budget);
                script_budget(&mut call, configured);
                call.arg(optional(figures.max.map(u64::from)))
                    .arg(optional(figures.window.map(micros)))
                    .arg(optional(figures.remaining.map(u64::from)))
                    .arg(micros(
                        figures.sent_at.map(|at| at.elapsed()).unwrap_or_default(),
                    ))
                    .arg(optional(figures.free_in.map(micros)))
                    .arg(if figures.fill { "1" } else { "0" })
                    .arg(crate::client::millis(ADOPTED_TTL));
                call.invoke_async(connection).await.map_err(Fault::Redis)
            })
            .await?;
        self.learn(i, &reply)
    }

    /// Keeps the budget a script reported.
    fn learn(&self, i: usize, reply: &[i64]) -> Result<(), Fault> {
        let &[max, window_us] = reply else {
            return Err(Fault::Reply(format!("{reply:?} from a script")));
        };
        let mut state = self.state();
        state.known[i] = budget_of(max, window_us, self.configured[i]);
        Ok(())
    }

    /// Keeps this process's requests in flight counting for a window more.
    async fn beat(&self) {
        for class in [RateClass::Standard, RateClass::Search] {
            let members: Vec<String> = self.state().in_flight[index(class)]
                .iter()
                .cloned()
                .collect();
            if let Err(fault) = self.extend(class, &members).await {
                return self.lost(&fault);
            }
        }
    }

    /// Whether Redis answers again.
    async fn probe(&self) -> bool {
        let answer = self
            .redis
            .run(async |connection| {
                redis::cmd("PING")
                    .query_async::<String>(connection)
                    .await
                    .map_err(Fault::Redis)
            })
            .await;
        answer.is_ok()
    }

    /// How often to beat: a quarter of the shortest window.
    fn beat_period(&self) -> Duration {
        let state = self.state();
        let shortest = state.known[0].window().min(state.known[1].window());
        (shortest / 4).clamp(SHORTEST_BEAT, LONGEST_BEAT)
    }

    fn is_lost(&self) -> bool {
        matches!(self.state().mode, Mode::Lost { .. })
    }
}

/// The arguments every script takes after its keys: the configured budget and the bounds of
/// what may be adopted.
fn script_budget(call: &mut redis::ScriptInvocation<'_>, configured: RateLimit) {
    call.arg(configured.max())
        .arg(micros(configured.window()))
        .arg(LARGEST_ADOPTED_MAX)
        .arg(micros(LONGEST_ADOPTED_WINDOW));
}

/// The most answers a fallback is told to learn of the requests already spent: beyond it,
/// requests are told in groups, each counted until the last of its group frees.
const MOST_TOLD: usize = 64;

/// Makes `local` count requests it did not let out, each for as long as `frees` says
/// (soonest first), through what it learns from answers: "so many remain" (the `k`-th
/// answer says `k` groups are used, so it counts one more group, until that answer's
/// `Retry-After`). The search window learns only from 429s, as does a budget above what an
/// answer may say (`check_figures`): then it is full until the last request frees.
fn tell_spent(
    local: &SlidingWindowLimiter,
    class: RateClass,
    limit: RateLimit,
    frees: &[Duration],
) {
    let Some(&last) = frees.last() else {
        return;
    };
    // On the limiters' clock (Tokio's), which the in-process limiter reads `sent_at` on.
    let sent_at = Instant::now().into_std();
    if class == RateClass::Search || limit.max() > LARGEST_ADOPTED_MAX {
        let full = Observed {
            status: 429,
            rate_limits: None,
            retry_after: Some(last),
            sent_at,
        };
        return local.observe(class, &full);
    }
    let group = frees.len().div_ceil(MOST_TOLD);
    let mut used: u32 = 0;
    for chunk in frees.chunks(group) {
        let Some(&free_in) = chunk.last() else {
            continue;
        };
        used = used.saturating_add(u32::try_from(chunk.len()).unwrap_or(u32::MAX));
        let told = Observed {
            status: 200,
            rate_limits: Some(RateLimitStatus {
                max: Some(limit.max()),
                remaining: Some(limit.max().saturating_sub(used)),
                interval: None,
                daily: None,
                daily_remaining: None,
                seen_at: sent_at,
            }),
            retry_after: Some(free_in),
            sent_at,
        };
        local.observe(class, &told);
        if used >= limit.max() {
            break;
        }
    }
}

/// An answer as a local fallback at `share` of the budget sees it: its share of the `Max`,
/// and no `Remaining`. What remains is shared by every process: one whose requests reached
/// HubSpot after another's would take the other's for strangers' and hold back, when each
/// keeping to its share is what keeps them all within the budget. A 429 still fills the
/// window.
fn shared_answer(answer: &Observed, figures: Option<RateLimitStatus>, share: f64) -> Observed {
    let mut answer = *answer;
    answer.rate_limits = figures.map(|mut figures| {
        figures.max = figures.max.map(|max| scale(max, share).max(1));
        figures.remaining = None;
        figures
    });
    answer
}

/// The task beside a limiter: sends the ends of requests and HubSpot's figures to Redis,
/// keeps the requests in flight counting, and tries Redis again after a loss. Stops when the
/// limiter (every clone) is dropped.
async fn keeper(shared: Arc<Shared>, limiter: Weak<Inner>, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let mut next_beat = Instant::now();
    let mut next_probe = Instant::now();
    while limiter.strong_count() > 0 {
        let wake = next_beat.min(Instant::now() + LONGEST_BEAT);
        if let Ok(job) = tokio::time::timeout_at(wake, jobs.recv()).await {
            let Some(job) = job else { break };
            let mut batch = vec![job];
            while batch.len() < LARGEST_BATCH {
                match jobs.try_recv() {
                    Ok(job) => batch.push(job),
                    Err(_) => break,
                }
            }
            if !shared.is_lost() {
                shared.send(batch).await;
            }
        }
        let now = Instant::now();
        // A limiter dropped meanwhile keeps nothing counting: as when its process dies.
        if now < next_beat || limiter.strong_count() == 0 {
            continue;
        }
        next_beat = now + shared.beat_period();
        if !shared.is_lost() {
            shared.beat().await;
        } else if now >= next_probe {
            next_probe = now + shared.probe_interval;
            if shared.probe().await {
                shared.back();
                shared.beat().await;
            }
        }
    }
}

/// `url` with the password (and a `pass` or `password` query parameter) replaced by `***`.
fn redact(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut shown = match head.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    let user = match userinfo.split_once(':') {
                        Some((user, _)) => format!("{user}:***"),
                        None => "***".to_owned(),
                    };
                    format!("{scheme}://{user}@{host}{path}")
                }
                None => head.to_owned(),
            }
        }
        None => head.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if name == "pass" || name == "password" => format!("{name}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        shown.push('?');
        shown.push_str(&pairs.join("&"));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show_in_urls() {
        let cases = [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            (
                "redis://:s3cret@redis.example:6379/2",
                "redis://:***@redis.example:6379/2",
            ),
            (
                "rediss://sync:s3cret@redis.example",
                "rediss://sync:***@redis.example",
            ),
            ("redis://s3cret@host", "redis://***@host"),
            (
                "redis+unix:///run/redis.sock?db=1&pass=s3cret",
                "redis+unix:///run/redis.sock?db=1&pass=***",
            ),
            ("not a url", "not a url"),
        ];
        for (url, shown) in cases {
            assert_eq!(redact(url), shown);
        }
    }

    #[test]
    fn a_share_of_a_budget_is_at_least_one_request() {
        let limit = RateLimit::new(100, Duration::from_secs(10));
        assert_eq!(share_of(limit, 0.25).max(), 25);
        assert_eq!(share_of(limit, 0.001).max(), 1);
        assert_eq!(share_of(limit, 1.0), limit);
        assert_eq!(scale(u32::MAX, 1.0), u32::MAX);
    }

    #[test]
    fn what_redis_reports_is_read_within_bounds() {
        let fallback = RateLimit::new(100, Duration::from_secs(10));
        assert_eq!(
            budget_of(190, 10_000_000, fallback),
            RateLimit::new(190, Duration::from_secs(10))
        );
        assert_eq!(budget_of(-1, 0, fallback), fallback);
        assert_eq!(budget_of(i64::MAX, i64::MAX, fallback).max(), 100);
    }

    #[tokio::test(start_paused = true)]
    async fn a_fallback_counts_what_this_process_sent_until_it_would_have_freed() {
        let window = Duration::from_secs(1);
        let limit = RateLimit::new(4, window);
        let start = Instant::now();
        // Three in flight, two of which end.
        let mut recent = Recent::default();
        recent.end(start, window);
        tokio::time::advance(Duration::from_millis(400)).await;
        recent.end(Instant::now(), window);
        tokio::time::advance(Duration::from_millis(100)).await;
        // Ended at 0 and 400 ms, one in flight: three of four places taken, until 1000,
        // 1400 and 1500 ms.
        let local = SlidingWindowLimiter::new(limit, RateLimit::SEARCH);
        let frees = recent.frees(Instant::now(), window, 1);
        tell_spent(&local, RateClass::Standard, limit, &frees);
        let mut let_out = Vec::new();
        for _ in 0..4 {
            let permit = local.acquire(RateClass::Standard).await;
            let_out.push(start.elapsed().as_millis());
            // Held until the next acquire: they count until a window after that.
            std::mem::forget(permit);
        }
        assert_eq!(let_out, [500, 1000, 1400, 1500]);
        // Many requests are told in groups, each counted until its last frees.
        let local = SlidingWindowLimiter::new(RateLimit::new(1_000, window), RateLimit::SEARCH);
        let frees: Vec<Duration> = (1..=640).map(Duration::from_millis).collect();
        tell_spent(
            &local,
            RateClass::Standard,
            RateLimit::new(1_000, window),
            &frees,
        );
        let before = Instant::now();
        for _ in 0..361 {
            drop(local.acquire(RateClass::Standard).await);
        }
        assert_eq!(before.elapsed(), Duration::from_millis(10));
    }

    #[test]
    fn recent_requests_are_counted_for_one_window() {
        let mut recent = Recent::default();
        let window = Duration::from_secs(1);
        let start = Instant::now();
        // Three in flight, two of which end.
        recent.end(start, window);
        recent.end(start + Duration::from_millis(500), window);
        assert_eq!(
            recent.count(start + Duration::from_millis(600), window, 1),
            3
        );
        assert_eq!(
            recent.count(start + Duration::from_millis(1200), window, 1),
            2
        );
        assert_eq!(
            recent.count(start + Duration::from_millis(1500), window, 1),
            1
        );
    }
}
