//! Pacing: how many requests a client lets out per rolling window, before HubSpot has to
//! refuse any.
//!
//! HubSpot counts an app's requests over a rolling window (ten seconds): at most `max` in
//! *any* window of that length. A token bucket or GCRA (the model of the `governor` crate)
//! does not fit that rule: it lets a full burst through and then refills continuously, so a
//! burst of `max` followed by the refill admits up to about twice `max` in one rolling
//! window, and every one beyond `max` is a 429. Hence this module keeps its own sliding-window
//! log: it remembers when each of the last `max` requests ended, and lets a new one out only
//! when fewer than `max` fall inside the window.
//!
//! A request counts from the moment it is let out until one window after its answer came back
//! (or it failed): HubSpot received it somewhere in between, so whatever the network's delay,
//! the client never sees more requests in a window than HubSpot does.
//!
//! The figures of HubSpot's `X-HubSpot-RateLimit-*` headers steer the window, but only
//! within bounds ([`check_figures`]): a server (or whatever sits between it and the client)
//! can send any number, and one answer must not be able to hold the client for a day, nor
//! make it allocate in proportion to a number it sent. The log of ended requests keeps runs
//! (an instant and how many ended then), at most [`MOST_RUNS`] of them, so its size follows
//! the requests actually made, never a figure.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::metrics::RateLimitStatus;
use crate::request::RateClass;

/// The longest window a budget may have; a longer one given to [`RateLimit::new`] is cut to
/// it, so that instants a window or two ahead are always representable.
const LONGEST_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The longest window adopted from an answer's `X-HubSpot-RateLimit-Interval-Milliseconds`:
/// HubSpot's longest rolling window (ten seconds) and a tenth more. Shorter ones are adopted:
/// they cannot make the client wait longer, and the fake HubSpot's `time_scale` sends them.
pub(crate) const LONGEST_ADOPTED_WINDOW: Duration = Duration::from_millis(11_000);

/// The largest `X-HubSpot-RateLimit-Max` adopted from an answer: four times HubSpot's largest
/// published figure (250 requests per ten seconds, with the API limit increase).
pub(crate) const LARGEST_ADOPTED_MAX: u32 = 1_000;

/// The most runs of ended requests a window keeps. Far above what a window of
/// [`LARGEST_ADOPTED_MAX`] requests needs; beyond it the two oldest runs are merged (into the
/// later instant, so that they count a little longer, never shorter).
const MOST_RUNS: usize = 4096;

/// Why the window figures of an answer (`X-HubSpot-RateLimit-Max`, `-Remaining`,
/// `-Interval-Milliseconds`) are not believed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Implausible {
    /// `Max` is 0 or above [`LARGEST_ADOPTED_MAX`].
    Max(u32),
    /// `Interval-Milliseconds` is 0 or longer than [`LONGEST_ADOPTED_WINDOW`].
    Interval(Duration),
    /// `Remaining` is more than `Max` (the answer's, or the largest adopted without one).
    Remaining {
        /// The answer's `Remaining`.
        remaining: u32,
        /// What it should not exceed.
        max: u32,
    },
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Implausible::Max(max) => write!(
                f,
                "X-HubSpot-RateLimit-Max {max} is not between 1 and {LARGEST_ADOPTED_MAX}"
            ),
            Implausible::Interval(interval) => write!(
                f,
                "X-HubSpot-RateLimit-Interval-Milliseconds {} is not between 1 and {}",
                interval.as_millis(),
                LONGEST_ADOPTED_WINDOW.as_millis()
            ),
            Implausible::Remaining { remaining, max } => write!(
                f,
                "X-HubSpot-RateLimit-Remaining {remaining} is more than the maximum, {max}"
            ),
        }
    }
}

/// Whether the window figures of one answer are within the bounds a limiter adopts: `Max`
/// from 1 to [`LARGEST_ADOPTED_MAX`], an interval from 1 ms to [`LONGEST_ADOPTED_WINDOW`],
/// `Remaining` at most `Max`. Figures the answer lacks are not judged; the daily figures are
/// not window figures and are not judged either.
pub(crate) fn check_figures(figures: &RateLimitStatus) -> Result<(), Implausible> {
    let shortest = Duration::from_millis(1);
    if let Some(max) = figures
        .max
        .filter(|max| !(1..=LARGEST_ADOPTED_MAX).contains(max))
    {
        return Err(Implausible::Max(max));
    }
    let wrong_length =
        |interval: &Duration| *interval < shortest || *interval > LONGEST_ADOPTED_WINDOW;
    if let Some(interval) = figures.interval.filter(wrong_length) {
        return Err(Implausible::Interval(interval));
    }
    let max = figures.max.unwrap_or(LARGEST_ADOPTED_MAX);
    match figures.remaining {
        Some(remaining) if remaining > max => Err(Implausible::Remaining { remaining, max }),
        _ => Ok(()),
    }
}

/// A rate budget: at most `max` requests in any rolling window of `window`.
///
/// The presets are HubSpot's per-app limits for the ten-second window; the search endpoints
/// have a limit of their own, [`RateLimit::SEARCH`].
///
/// ```
/// use std::time::Duration;
/// use hubspot_runtime::RateLimit;
///
/// assert_eq!(RateLimit::PROFESSIONAL.max(), 190);
/// let scaled = RateLimit::new(100, Duration::from_secs(1));
/// assert_eq!(scaled.window(), Duration::from_secs(1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    max: u32,
    window: Duration,
}

impl RateLimit {
    /// 100 requests per 10 s: Free and Starter accounts. The default.
    pub const STARTER: RateLimit = RateLimit::new(100, Duration::from_secs(10));
    /// 190 requests per 10 s: Professional and Enterprise accounts.
    pub const PROFESSIONAL: RateLimit = RateLimit::new(190, Duration::from_secs(10));
    /// 250 requests per 10 s: accounts with the API limit increase.
    pub const API_LIMIT_INCREASE: RateLimit = RateLimit::new(250, Duration::from_secs(10));
    /// 4 requests per second: the search endpoints' own limit.
    pub const SEARCH: RateLimit = RateLimit::new(4, Duration::from_secs(1));

    /// At most `max` requests (at least 1) in any rolling window of length `window` (at
    /// most a day).
    pub const fn new(max: u32, window: Duration) -> RateLimit {
        RateLimit {
            max: if max == 0 { 1 } else { max },
            window: if window.as_secs() > LONGEST_WINDOW.as_secs() {
                LONGEST_WINDOW
            } else {
                window
            },
        }
    }

    /// The most requests in one window.
    pub const fn max(&self) -> u32 {
        self.max
    }

    /// The length of the rolling window.
    pub const fn window(&self) -> Duration {
        self.window
    }
}

/// The future [`RateLimiter::acquire`] returns.
pub type Acquire<'a> = Pin<Box<dyn Future<Output = Permit> + Send + 'a>>;

/// The future [`RateLimiter::try_acquire`] returns.
pub type TryAcquire<'a> = Pin<Box<dyn Future<Output = Result<Permit, AcquireError>> + Send + 'a>>;

/// Why a [`RateLimiter`] could not let a request out ([`RateLimiter::try_acquire`]): the
/// store it shares with other processes is unreachable, say, and it is set to fail rather
/// than wait. The call fails with [`Error::RateLimiter`](crate::Error::RateLimiter) and
/// nothing is sent.
#[derive(Debug)]
pub struct AcquireError {
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl AcquireError {
    /// An error that says `message`: what failed, and where (never a secret: it is shown in
    /// logs).
    pub fn new(message: impl Into<String>) -> AcquireError {
        AcquireError {
            message: message.into(),
            source: None,
        }
    }

    /// The same error, caused by `source`.
    pub fn with_source(
        mut self,
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> AcquireError {
        self.source = Some(source.into());
        self
    }

    /// What failed, and where.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AcquireError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        let source = self.source.as_deref()?;
        Some(source)
    }
}

/// Decides when each request may be sent. One limiter serves a [`Client`](crate::Client)
/// and all its clones; [`SlidingWindowLimiter`] is the default.
///
/// The client calls [`try_acquire`](RateLimiter::try_acquire) (by default, `acquire`)
/// before every attempt, holds the [`Permit`] while the attempt runs and drops it when the
/// answer is read (or the attempt failed), then tells the limiter what HubSpot said with
/// [`observe`](RateLimiter::observe). The time spent waiting for a permit is counted in
/// [`Metrics::waited`](crate::Metrics::waited).
///
/// # Sharing one budget between processes
///
/// HubSpot's limit is per app, so several processes using one app share it. Such an
/// application implements this trait over a store they all reach, and passes it to
/// [`ClientBuilder::rate_limiter`](crate::ClientBuilder::rate_limiter); with the `redis`
/// feature, `RedisLimiter` is one, on Redis. A limiter whose store is unreachable decides
/// for itself: wait and retry, fall back to a local [`SlidingWindowLimiter`], or fail the
/// call from [`try_acquire`](RateLimiter::try_acquire).
///
/// The trait is object-safe; a minimal limiter that spaces requests evenly:
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use std::time::Duration;
/// use hubspot_runtime::{Acquire, Client, Permit, RateClass, RateLimiter};
///
/// #[derive(Debug)]
/// struct Spaced {
///     gap: Duration,
///     next: Mutex<tokio::time::Instant>,
/// }
///
/// impl RateLimiter for Spaced {
///     fn acquire(&self, _class: RateClass) -> Acquire<'_> {
///         Box::pin(async move {
///             let at = {
///                 let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
///                 let at = (*next).max(tokio::time::Instant::now());
///                 *next = at + self.gap;
///                 at
///             };
///             tokio::time::sleep_until(at).await;
///             Permit::new()
///         })
///     }
/// }
///
/// let limiter = Spaced {
///     gap: Duration::from_millis(100),
///     next: Mutex::new(tokio::time::Instant::now()),
/// };
/// let client = Client::builder()
///     .token("pat-na1-…")
///     .rate_limiter(Arc::new(limiter))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), hubspot_runtime::BuildError>(())
/// ```
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Waits until one request of `class` may be sent. Dropping the returned future gives
    /// up the wait (the client does so when a call's deadline passes).
    fn acquire(&self, class: RateClass) -> Acquire<'_>;

    /// Like [`acquire`](RateLimiter::acquire), for a limiter that may fail to decide (one
    /// whose shared store is unreachable, say): the client calls this one, and an error
    /// fails the call without sending anything. By default it waits for `acquire`, which
    /// cannot fail.
    fn try_acquire(&self, class: RateClass) -> TryAcquire<'_> {
        let acquire = self.acquire(class);
        Box::pin(async move { Ok(acquire.await) })
    }

    /// What HubSpot answered to a request of `class` let out by this limiter: its status, and
    /// its `X-HubSpot-RateLimit-*` figures if it carried any. Does nothing by default.
    fn observe(&self, class: RateClass, answer: &Observed) {
        let _ = (class, answer);
    }
}

/// What a [`RateLimiter`] learns from one answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Observed {
    /// The HTTP status.
    pub status: u16,
    /// The answer's rate-limit figures, if it carried any.
    pub rate_limits: Option<RateLimitStatus>,
    /// The answer's `Retry-After`, if it had one.
    pub retry_after: Option<Duration>,
    /// When the request was let out: HubSpot's figures describe a moment between then and
    /// now.
    pub sent_at: std::time::Instant,
}

/// Leave to send one request, from [`RateLimiter::acquire`]. Dropping it tells the limiter
/// that the request is over.
#[must_use = "a request counts as in flight until its permit is dropped"]
pub struct Permit {
    release: Option<Box<dyn FnOnce() + Send>>,
}

impl Permit {
    /// A permit with nothing to do when the request is over.
    pub fn new() -> Permit {
        Permit { release: None }
    }

    /// A permit that calls `release` when the request is over (when the permit is dropped).
    pub fn on_release(release: impl FnOnce() + Send + 'static) -> Permit {
        Permit {
            release: Some(Box::new(release)),
        }
    }
}

impl Default for Permit {
    fn default() -> Self {
        Permit::new()
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit")
            .field("on_release", &self.release.is_some())
            .finish()
    }
}

/// The in-process limiter: one sliding window for the standard budget and one for search,
/// each allowing at most `max` requests in any rolling window.
///
/// Waiting callers queue in order and the one at the head waits alone, on one timer, for
/// the window to free a place; the others wait behind it. So callers are let out one by one,
/// never as a herd of timers firing together.
///
/// The standard window adapts to what HubSpot reports: `X-HubSpot-RateLimit-Max` and
/// `-Interval-Milliseconds` replace the configured budget, and a `-Remaining` lower than this
/// limiter expects (other processes using the same app) makes it count the difference as
/// spent. A 429 without a `-Remaining` figure makes it treat the window as full until the
/// answer's `Retry-After` (or for a whole window without one). The search window follows
/// 429s only.
///
/// # What it believes, and how long it can wait
///
/// An answer's figures are adopted only when all of them are plausible: `Max` from 1 to
/// 1,000 (four times HubSpot's largest limit, 250 per ten seconds), an interval from 1 ms to
/// 11 s (HubSpot's windows last one or ten seconds; shorter ones cannot lengthen a wait), and
/// `Remaining` at most `Max`. Otherwise the answer counts as if it carried none, and the
/// [`Client`](crate::Client) says so once, in a `tracing` warning.
///
/// So what one answer tells it holds a request back for at most one window: the longest
/// window a server can set is 11 s, and a `Retry-After` counts only up to the end of the
/// window. A request at the head of the queue waits at most that long for a place, unless
/// every place is held by a request still in flight (each ends within the client's attempt
/// [`timeout`](crate::ClientBuilder::timeout)); the others wait behind it in turn. All of it
/// counts against the call's [`deadline`](crate::ClientBuilder::deadline). Only a budget
/// the application configures itself ([`RateLimit::new`]) can set a longer window.
///
/// Memory follows the requests made, never a number an answer sent: one entry per instant
/// at which requests ended over the last two windows, at most 4,096 entries per window.
#[derive(Debug, Clone)]
pub struct SlidingWindowLimiter {
    standard: Arc<Window>,
    search: Arc<Window>,
}

impl SlidingWindowLimiter {
    /// A limiter with these budgets for the standard and the search endpoints.
    pub fn new(standard: RateLimit, search: RateLimit) -> SlidingWindowLimiter {
        SlidingWindowLimiter {
            standard: Arc::new(Window::new(standard)),
            search: Arc::new(Window::new(search)),
        }
    }

    /// The budget currently applied to `class` (the configured one, or what HubSpot reported).
    pub fn limit(&self, class: RateClass) -> RateLimit {
        self.window(class).state().limit
    }

    fn window(&self, class: RateClass) -> &Arc<Window> {
        match class {
            RateClass::Standard => &self.standard,
            RateClass::Search => &self.search,
        }
    }
}

impl Default for SlidingWindowLimiter {
    /// [`RateLimit::STARTER`] and [`RateLimit::SEARCH`].
    fn default() -> Self {
        SlidingWindowLimiter::new(RateLimit::STARTER, RateLimit::SEARCH)
    }
}

impl RateLimiter for SlidingWindowLimiter {
    fn acquire(&self, class: RateClass) -> Acquire<'_> {
        Box::pin(Arc::clone(self.window(class)).acquire())
    }

    fn observe(&self, class: RateClass, answer: &Observed) {
        let window = self.window(class);
        let mut counted = false;
        // The client passes only plausible figures; a caller of `observe` may not.
        let figures = answer
            .rate_limits
            .filter(|figures| check_figures(figures).is_ok());
        if let (RateClass::Standard, Some(figures)) = (class, figures) {
            let sent_at = Instant::from_std(answer.sent_at);
            window.adapt(&figures, sent_at, answer.retry_after);
            counted = figures.remaining.is_some();
        }
        // A 429 that does not say how much is left: take the window as full.
        if answer.status == 429 && !counted {
            window.fill(answer.retry_after);
        }
    }
}

/// One rolling window.
#[derive(Debug)]
struct Window {
    state: Mutex<State>,
    /// Held by the caller at the head of the queue while it waits; Tokio's mutex is fair, so
    /// callers are served in the order they came.
    turn: tokio::sync::Mutex<()>,
    /// Woken when a place may have freed: a request ended or the budget changed.
    changed: Notify,
}

#[derive(Debug)]
struct State {
    limit: RateLimit,
    /// Requests let out whose permits are not dropped yet: they count until then.
    in_flight: u32,
    /// When recent requests ended, oldest first, as runs of requests that ended at the same
    /// instant; each counts until one window later, and is kept one window more, to count
    /// what HubSpot may still have counted when it answered a request sent then. At most
    /// [`MOST_RUNS`] runs.
    ended: VecDeque<Run>,
}

/// `count` requests that ended at `at` (or are taken to have).
#[derive(Debug, Clone, Copy)]
struct Run {
    at: Instant,
    count: u32,
}

impl State {
    /// Forgets the requests that no longer count, nor did a window ago.
    fn forget_old(&mut self, now: Instant) {
        let keep = self.limit.window * 2;
        while let Some(oldest) = self.ended.front() {
            if oldest.at + keep > now {
                break;
            }
            self.ended.pop_front();
        }
    }

    /// How many of the runs no longer count at `at`.
    fn expired_at(&self, at: Instant) -> usize {
        let window = self.limit.window;
        self.ended.partition_point(|run| run.at + window <= at)
    }

    /// The requests counting at `at` (or later): those in flight, and those that ended less
    /// than a window before.
    fn used_at(&self, at: Instant) -> u32 {
        let ended: u64 = self
            .ended
            .range(self.expired_at(at)..)
            .map(|run| u64::from(run.count))
            .sum();
        let ended = u32::try_from(ended).unwrap_or(u32::MAX);
        self.in_flight.saturating_add(ended)
    }

    /// When the oldest request that counts at `now` stops counting, if any does.
    fn next_free(&self, now: Instant) -> Option<Instant> {
        let oldest = self.ended.get(self.expired_at(now))?;
        Some(oldest.at + self.limit.window)
    }

    /// Records `count` requests as ended at `at`, in order.
    fn record(&mut self, at: Instant, count: u32) {
        if count == 0 {
            return;
        }
        let position = self.ended.partition_point(|run| run.at <= at);
        match position
            .checked_sub(1)
            .and_then(|last| self.ended.get_mut(last))
        {
            Some(run) if run.at == at => run.count = run.count.saturating_add(count),
            _ => self.ended.insert(position, Run { at, count }),
        }
        // Over the cap: the two oldest runs become one, at the later instant.
        while self.ended.len() > MOST_RUNS {
            let Some(oldest) = self.ended.pop_front() else {
                break;
            };
            if let Some(next) = self.ended.front_mut() {
                next.count = next.count.saturating_add(oldest.count);
            }
        }
    }

    /// Counts requests HubSpot saw (`used` at some moment since `since`) but this window did
    /// not, as ended requests that stop counting `free_in` from now (a whole window when
    /// HubSpot did not say).
    ///
    /// Compared with what counted at `since`, not now: requests that stopped counting here
    /// while the answer travelled may still have counted there, and are not someone else's.
    fn spend_up_to(&mut self, used: u32, since: Instant, free_in: Option<Duration>) {
        let now = Instant::now();
        let window = self.limit.window;
        // `free_in` comes from a header: at most a window, which is at most a day.
        let free_at = now + free_in.unwrap_or(window).min(window);
        let stamp = free_at.checked_sub(window).unwrap_or(now);
        // One run, however many: memory does not follow the figure.
        let unseen = used.min(self.limit.max).saturating_sub(self.used_at(since));
        self.record(stamp, unseen);
    }
}

impl Window {
    fn new(limit: RateLimit) -> Window {
        Window {
            state: Mutex::new(State {
                limit,
                in_flight: 0,
                ended: VecDeque::new(),
            }),
            turn: tokio::sync::Mutex::new(()),
            changed: Notify::new(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn acquire(self: Arc<Self>) -> Permit {
        let turn = self.turn.lock().await;
        loop {
            // Made before looking, so that a place freed in between is not missed.
            let changed = self.changed.notified();
            let wake_at = {
                let mut state = self.state();
                let now = Instant::now();
                state.forget_old(now);
                if state.used_at(now) < state.limit.max {
                    state.in_flight += 1;
                    break;
                }
                // Full: the oldest ended request leaves the window first. With none ended
                // (every place in flight), only a request ending frees a place.
                state.next_free(now)
            };
            match wake_at {
                Some(at) => {
                    let _ = tokio::time::timeout_at(at, changed).await;
                }
                None => changed.await,
            }
        }
        drop(turn);
        let window = Arc::clone(&self);
        Permit::on_release(move || window.release())
    }

    fn release(&self) {
        {
            let mut state = self.state();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.record(Instant::now(), 1);
        }
        self.changed.notify_one();
    }

    fn adapt(&self, figures: &RateLimitStatus, sent_at: Instant, free_in: Option<Duration>) {
        {
            let mut state = self.state();
            if let Some(max) = figures.max.filter(|&max| max > 0) {
                state.limit.max = max;
            }
            if let Some(interval) = figures.interval.filter(|interval| !interval.is_zero()) {
                state.limit.window = interval.min(LONGEST_ADOPTED_WINDOW);
            }
            if let Some(remaining) = figures.remaining {
                let used = state.limit.max.saturating_sub(remaining);
                state.spend_up_to(used, sent_at, free_in);
            }
        }
        self.changed.notify_one();
    }

    fn fill(&self, free_in: Option<Duration>) {
        let mut state = self.state();
        let max = state.limit.max;
        state.spend_up_to(max, Instant::now(), free_in);
        drop(state);
        self.changed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max: u32, window_ms: u64) -> SlidingWindowLimiter {
        let limit = RateLimit::new(max, Duration::from_millis(window_ms));
        SlidingWindowLimiter::new(limit, RateLimit::SEARCH)
    }

    fn figures(max: u32, remaining: u32, interval_ms: u64) -> Observed {
        Observed {
            status: 200,
            rate_limits: Some(RateLimitStatus {
                max: Some(max),
                remaining: Some(remaining),
                interval: Some(Duration::from_millis(interval_ms)),
                daily: None,
                daily_remaining: None,
                seen_at: std::time::Instant::now(),
            }),
            retry_after: None,
            sent_at: Instant::now().into_std(),
        }
    }

    /// Acquires and releases at once; returns when (relative to `start`) it was let out.
    async fn request(limiter: &SlidingWindowLimiter, start: Instant) -> Duration {
        let permit = limiter.acquire(RateClass::Standard).await;
        let at = start.elapsed();
        drop(permit);
        at
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_window_waits_until_its_oldest_request_is_a_window_old() {
        let limiter = limiter(3, 1000);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..7 {
            times.push(request(&limiter, start).await);
            tokio::time::advance(Duration::from_millis(100)).await;
        }
        // Three at 0, 100, 200 ms; the fourth waits until the first is 1 s old, and so on.
        let ms: Vec<u128> = times.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [0, 100, 200, 1000, 1100, 1200, 2000]);
    }

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_any_rolling_window_under_concurrency() {
        let limiter = limiter(10, 1000);
        let start = Instant::now();
        let mut tasks = Vec::new();
        for caller in 0..8u64 {
            let limiter = limiter.clone();
            tasks.push(tokio::spawn(async move {
                let mut ended = Vec::new();
                for _ in 0..10 {
                    let permit = limiter.acquire(RateClass::Standard).await;
                    let sent = start.elapsed();
                    // Answers take between 1 and 8 ms.
                    tokio::time::sleep(Duration::from_millis(1 + caller)).await;
                    drop(permit);
                    ended.push((sent, start.elapsed()));
                }
                ended
            }));
        }
        let mut requests = Vec::new();
        for task in tasks {
            match task.await {
                Ok(times) => requests.extend(times),
                Err(error) => panic!("{error}"),
            }
        }
        assert_eq!(requests.len(), 80);
        // HubSpot may receive a request anywhere between its send and its answer: even
        // counting each at both ends, no window of 1 s holds more than 10.
        requests.sort();
        for (i, &(sent, _)) in requests.iter().enumerate() {
            let later = requests[i..]
                .iter()
                .filter(|(other_sent, _)| *other_sent < sent + Duration::from_millis(1000))
                .count();
            assert!(
                later <= 10,
                "{later} requests in the window starting at {sent:?}"
            );
        }
        // And the budget is used: 80 requests at 10 a second take about 7 windows, not more.
        let last = requests.iter().map(|(_, ended)| *ended).max();
        assert!(
            last.is_some_and(|last| last < Duration::from_millis(7200)),
            "{last:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_callers_are_let_out_one_by_one_in_order() {
        let limiter = limiter(1, 1000);
        let start = Instant::now();
        let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
        let first = limiter.acquire(RateClass::Standard).await;
        for caller in 0..4 {
            let limiter = limiter.clone();
            let sender = sender.clone();
            tokio::spawn(async move {
                let permit = limiter.acquire(RateClass::Standard).await;
                let _ = sender.send((caller, start.elapsed()));
                drop(permit);
            });
            // Let each queue up before the next.
            tokio::task::yield_now().await;
        }
        drop(sender);
        tokio::time::sleep(Duration::from_millis(50)).await;
        drop(first);
        let mut order = Vec::new();
        while let Some(entry) = receiver.recv().await {
            order.push((entry.0, entry.1.as_millis()));
        }
        assert_eq!(order, [(0, 1050), (1, 2050), (2, 3050), (3, 4050)]);
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_requests_hold_their_place_until_they_end() {
        let limiter = limiter(2, 1000);
        let start = Instant::now();
        let a = limiter.acquire(RateClass::Standard).await;
        let _b = limiter.acquire(RateClass::Standard).await;
        let waiter = {
            let limiter = limiter.clone();
            tokio::spawn(async move { request(&limiter, start).await })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiter.is_finished(), "let out while two are in flight");
        drop(a); // ends at 5 s: its place frees at 6 s
        match waiter.await {
            Ok(at) => assert_eq!(at, Duration::from_secs(6)),
            Err(error) => panic!("{error}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn hubspot_figures_adapt_the_standard_budget() {
        let limiter = limiter(100, 10_000);
        // HubSpot says: 5 per second, and 3 of them already spent (by another process).
        limiter.observe(RateClass::Standard, &figures(5, 2, 1000));
        assert_eq!(
            limiter.limit(RateClass::Standard),
            RateLimit::new(5, Duration::from_secs(1))
        );
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..3 {
            times.push(request(&limiter, start).await.as_millis());
        }
        assert_eq!(times, [0, 0, 1000]);
        // The search budget is not touched by the standard figures.
        assert_eq!(limiter.limit(RateClass::Search), RateLimit::SEARCH);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_that_expired_while_the_answer_travelled_are_not_taken_for_strangers() {
        let limiter = limiter(3, 1000);
        let start = Instant::now();
        request(&limiter, start).await;
        request(&limiter, start).await;
        // Sent at 999 ms, answered at 1001 ms: HubSpot counted the two of 0 ms and this one
        // when it answered, and reports none left. All three are ours.
        tokio::time::advance(Duration::from_millis(999)).await;
        let sent = Instant::now();
        let permit = limiter.acquire(RateClass::Standard).await;
        tokio::time::advance(Duration::from_millis(2)).await;
        drop(permit);
        let mut answer = figures(3, 0, 1000);
        answer.sent_at = sent.into_std();
        limiter.observe(RateClass::Standard, &answer);
        // The places of 0 ms are free: two requests go at once. (Had the figures been
        // compared with what counts now, two strangers would have been assumed until 2001 ms.)
        assert_eq!(request(&limiter, start).await.as_millis(), 1001);
        assert_eq!(request(&limiter, start).await.as_millis(), 1001);
        assert_eq!(request(&limiter, start).await.as_millis(), 2001);
    }

    fn status(
        max: Option<u32>,
        remaining: Option<u32>,
        interval_ms: Option<u64>,
    ) -> RateLimitStatus {
        RateLimitStatus {
            max,
            remaining,
            interval: interval_ms.map(Duration::from_millis),
            daily: None,
            daily_remaining: None,
            seen_at: std::time::Instant::now(),
        }
    }

    #[test]
    fn figures_are_adopted_only_within_plausible_bounds() {
        let believed = [
            (Some(190), Some(187), Some(10_000)),
            (Some(250), Some(0), Some(10_000)),
            (Some(4), Some(4), Some(1_000)),
            (Some(1), Some(0), Some(11_000)),
            (Some(1_000), None, None),
            // The fake HubSpot's scaled windows.
            (Some(100), Some(0), Some(20)),
            (None, Some(12), None),
            (None, None, None),
        ];
        for (max, remaining, interval) in believed {
            let figures = status(max, remaining, interval);
            assert_eq!(check_figures(&figures), Ok(()), "{figures:?}");
        }
        let doubted = [
            ((Some(0), Some(0), Some(10_000)), Implausible::Max(0)),
            (
                (Some(1_001), Some(0), Some(10_000)),
                Implausible::Max(1_001),
            ),
            (
                (Some(u32::MAX), Some(0), Some(10_000)),
                Implausible::Max(u32::MAX),
            ),
            (
                (Some(1), Some(0), Some(86_400_000)),
                Implausible::Interval(Duration::from_secs(86_400)),
            ),
            (
                (Some(100), Some(0), Some(11_001)),
                Implausible::Interval(Duration::from_millis(11_001)),
            ),
            (
                (Some(100), Some(0), Some(0)),
                Implausible::Interval(Duration::ZERO),
            ),
            (
                (Some(100), Some(101), Some(10_000)),
                Implausible::Remaining {
                    remaining: 101,
                    max: 100,
                },
            ),
            (
                (None, Some(5_000), None),
                Implausible::Remaining {
                    remaining: 5_000,
                    max: 1_000,
                },
            ),
        ];
        for ((max, remaining, interval), reason) in doubted {
            let figures = status(max, remaining, interval);
            assert_eq!(check_figures(&figures), Err(reason), "{figures:?}");
        }
        assert_eq!(
            Implausible::Interval(Duration::from_secs(86_400)).to_string(),
            "X-HubSpot-RateLimit-Interval-Milliseconds 86400000 is not between 1 and 11000"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn figures_observed_directly_are_judged_too() {
        let limiter = limiter(100, 1000);
        limiter.observe(RateClass::Standard, &figures(1, 0, 86_400_000));
        assert_eq!(
            limiter.limit(RateClass::Standard),
            RateLimit::new(100, Duration::from_secs(1))
        );
        let start = Instant::now();
        assert_eq!(request(&limiter, start).await, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_budget_of_billions_is_one_entry_not_billions() {
        // A budget the application set itself (so believed), then a 429 that says nothing:
        // the window is full, which once took one log entry per place.
        let limiter = limiter(u32::MAX, 10_000);
        let rejected = Observed {
            status: 429,
            rate_limits: None,
            retry_after: None,
            sent_at: Instant::now().into_std(),
        };
        limiter.observe(RateClass::Standard, &rejected);
        // And figures that bypass the bounds (as a caller of `adapt` could) cost no more.
        let huge = status(Some(u32::MAX), Some(0), Some(10_000));
        limiter.standard.adapt(&huge, Instant::now(), None);
        let state = limiter.standard.state();
        assert_eq!(state.ended.len(), 1, "{:?}", state.ended);
        assert_eq!(state.used_at(Instant::now()), u32::MAX);
    }

    #[tokio::test(start_paused = true)]
    async fn the_log_is_capped_and_loses_no_request() {
        let limiter = limiter(1_000_000, 10_000);
        let start = Instant::now();
        let mut state = limiter.standard.state();
        for n in 0..10_000u64 {
            state.record(start + Duration::from_micros(n), 1);
        }
        assert_eq!(state.ended.len(), MOST_RUNS);
        // Every request still counts; the merged ones a little longer, never shorter.
        let last = start + Duration::from_micros(9_999);
        assert_eq!(state.used_at(last), 10_000);
        assert_eq!(state.used_at(start + Duration::from_secs(10)), 10_000);
        assert_eq!(state.used_at(last + Duration::from_secs(10)), 0);
        // Requests that end at one instant share one entry.
        state.record(last, 5);
        assert_eq!(state.ended.len(), MOST_RUNS);
        assert_eq!(state.used_at(last), 10_005);
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_fills_the_window() {
        let limiter = limiter(100, 10_000);
        let start = Instant::now();
        let rejected = Observed {
            status: 429,
            rate_limits: None,
            retry_after: None,
            sent_at: Instant::now().into_std(),
        };
        limiter.observe(RateClass::Search, &rejected);
        let permit = limiter.acquire(RateClass::Search).await;
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        drop(permit);
        limiter.observe(RateClass::Standard, &rejected);
        assert_eq!(request(&limiter, start).await, Duration::from_secs(11));
        // With a Retry-After, the window is full only until then.
        let asked = Observed {
            retry_after: Some(Duration::from_secs(3)),
            ..rejected
        };
        limiter.observe(RateClass::Standard, &asked);
        assert_eq!(request(&limiter, start).await, Duration::from_secs(14));
    }
}
