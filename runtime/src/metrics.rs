//! What a client has done so far: counters shared by its clones, and the latest rate-limit
//! figures HubSpot reported.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// A snapshot of a [`Client`](crate::Client)'s counters, cumulative since the client was
/// built and shared by all its clones; read it with
/// [`Client::metrics`](crate::Client::metrics).
///
/// Subtract two snapshots to learn what happened in between.
///
/// ```
/// let client = hubspot_runtime::Client::new("pat-na1-…");
/// let before = client.metrics();
/// // … calls …
/// let after = client.metrics();
/// println!("{} requests, {} answered 429", after.requests - before.requests,
///          after.rate_limited - before.rate_limited);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Metrics {
    /// Attempts sent: every try of every call, retries included.
    pub requests: u64,
    /// Attempts that were retries of an earlier one.
    pub retries: u64,
    /// Answers with status 429 (rate limited), the daily limit's included.
    pub rate_limited: u64,
    /// Answers with a 5xx status.
    pub server_errors: u64,
    /// Attempts that got no answer: the connection failed or broke, the attempt timed out, or
    /// the body could not be read.
    pub transport_errors: u64,
    /// The total time calls spent waiting rather than sending: for the rate limiter and
    /// between retries. Calls that wait at the same time each add their own wait.
    pub waited: Duration,
}

impl std::ops::Sub for Metrics {
    type Output = Metrics;

    /// The difference between a later snapshot and an earlier one of the same client.
    fn sub(self, earlier: Metrics) -> Metrics {
        Metrics {
            requests: self.requests.saturating_sub(earlier.requests),
            retries: self.retries.saturating_sub(earlier.retries),
            rate_limited: self.rate_limited.saturating_sub(earlier.rate_limited),
            server_errors: self.server_errors.saturating_sub(earlier.server_errors),
            transport_errors: self
                .transport_errors
                .saturating_sub(earlier.transport_errors),
            waited: self.waited.saturating_sub(earlier.waited),
        }
    }
}

/// The live counters behind [`Metrics`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    rate_limited: AtomicU64,
    server_errors: AtomicU64,
    transport_errors: AtomicU64,
    waited_nanos: AtomicU64,
    rate_limits: Mutex<Option<RateLimitStatus>>,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> Metrics {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        Metrics {
            requests: read(&self.requests),
            retries: read(&self.retries),
            rate_limited: read(&self.rate_limited),
            server_errors: read(&self.server_errors),
            transport_errors: read(&self.transport_errors),
            waited: Duration::from_nanos(read(&self.waited_nanos)),
        }
    }

    pub(crate) fn attempt(&self, retry: bool) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        if retry {
            self.retries.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn answer(&self, status: u16) {
        if status == 429 {
            self.rate_limited.fetch_add(1, Ordering::Relaxed);
        } else if (500..600).contains(&status) {
            self.server_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn transport_error(&self) {
        self.transport_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn waited(&self, wait: Duration) {
        let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
        self.waited_nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    pub(crate) fn rate_limits(&self) -> Option<RateLimitStatus> {
        *self
            .rate_limits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn set_rate_limits(&self, status: RateLimitStatus) {
        *self
            .rate_limits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(status);
    }
}

/// The `X-HubSpot-RateLimit-*` figures of one answer; the latest are read with
/// [`Client::rate_limits`](crate::Client::rate_limits).
///
/// Each figure is `None` when the answer did not carry its header, or a header that is not a
/// number of that type (the daily pair is absent for OAuth apps). They are what the server
/// sent: the rate limiter adopts the window figures only within plausible bounds (see
/// [`SlidingWindowLimiter`](crate::SlidingWindowLimiter)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitStatus {
    /// Requests allowed per interval (`X-HubSpot-RateLimit-Max`).
    pub max: Option<u32>,
    /// Requests left in the current interval (`X-HubSpot-RateLimit-Remaining`).
    pub remaining: Option<u32>,
    /// The length of the rolling interval (`X-HubSpot-RateLimit-Interval-Milliseconds`).
    pub interval: Option<Duration>,
    /// Requests allowed per day (`X-HubSpot-RateLimit-Daily`).
    pub daily: Option<u64>,
    /// Requests left today (`X-HubSpot-RateLimit-Daily-Remaining`).
    pub daily_remaining: Option<u64>,
    /// When the answer carrying these figures arrived (Tokio's clock).
    pub seen_at: Instant,
}

impl RateLimitStatus {
    /// The figures of `headers`, or `None` if they carry none of them.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<RateLimitStatus> {
        fn number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
            headers.get(name)?.to_str().ok()?.trim().parse().ok()
        }
        let status = RateLimitStatus {
            max: number(headers, "x-hubspot-ratelimit-max"),
            remaining: number(headers, "x-hubspot-ratelimit-remaining"),
            interval: number(headers, "x-hubspot-ratelimit-interval-milliseconds")
                .map(Duration::from_millis),
            daily: number(headers, "x-hubspot-ratelimit-daily"),
            daily_remaining: number(headers, "x-hubspot-ratelimit-daily-remaining"),
            seen_at: tokio::time::Instant::now().into_std(),
        };
        let any = status.max.is_some()
            || status.remaining.is_some()
            || status.interval.is_some()
            || status.daily.is_some()
            || status.daily_remaining.is_some();
        any.then_some(status)
    }

    /// The same figures without the window ones (`max`, `remaining`, `interval`); `None`
    /// when no other figure is left.
    pub(crate) fn without_window(self) -> Option<RateLimitStatus> {
        let daily = RateLimitStatus {
            max: None,
            remaining: None,
            interval: None,
            ..self
        };
        (daily.daily.is_some() || daily.daily_remaining.is_some()).then_some(daily)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn rate_limit_headers_are_read_case_insensitively_and_leniently() {
        let mut headers = HeaderMap::new();
        headers.insert("X-HubSpot-RateLimit-Max", HeaderValue::from_static("190"));
        headers.insert(
            "x-hubspot-ratelimit-remaining",
            HeaderValue::from_static(" 12 "),
        );
        headers.insert(
            "X-HubSpot-RateLimit-Interval-Milliseconds",
            HeaderValue::from_static("10000"),
        );
        headers.insert(
            "X-HubSpot-RateLimit-Daily",
            HeaderValue::from_static("not a number"),
        );
        let Some(status) = RateLimitStatus::from_headers(&headers) else {
            panic!("figures expected");
        };
        assert_eq!(status.max, Some(190));
        assert_eq!(status.remaining, Some(12));
        assert_eq!(status.interval, Some(Duration::from_secs(10)));
        assert_eq!(status.daily, None);
        assert_eq!(status.daily_remaining, None);
        assert_eq!(RateLimitStatus::from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn counters_add_up_and_snapshots_subtract() {
        let counters = Counters::default();
        counters.attempt(false);
        counters.attempt(true);
        counters.answer(429);
        counters.answer(503);
        counters.answer(200);
        counters.transport_error();
        counters.waited(Duration::from_millis(1500));
        let first = counters.snapshot();
        assert_eq!(
            first,
            Metrics {
                requests: 2,
                retries: 1,
                rate_limited: 1,
                server_errors: 1,
                transport_errors: 1,
                waited: Duration::from_millis(1500),
            }
        );
        counters.attempt(false);
        let delta = counters.snapshot() - first;
        assert_eq!(delta.requests, 1);
        assert_eq!(delta.waited, Duration::ZERO);
    }
}
