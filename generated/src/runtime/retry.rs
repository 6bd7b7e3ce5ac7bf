//! When to retry a request that HubSpot rate-limited, and how long to wait first.
//!
//! Written here rather than taken from a backoff crate because the decision rests on
//! HubSpot's own signals: the `policyName` of a 429 body (a `DAILY` limit is not worth
//! retrying today), its `Retry-After` header, and the
//! `X-HubSpot-RateLimit-Interval-Milliseconds` header. Only 429 is retried: HubSpot did not
//! process such a request, so retrying is safe for every method, while other failures
//! (5xx, timeouts) may have been processed and retrying them could, e.g., create a record twice.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// The header that gives the length of the rate limit's window, in milliseconds.
const INTERVAL_HEADER: &str = "x-hubspot-ratelimit-interval-milliseconds";

/// How a [`Client`](crate::Client) retries requests that HubSpot answers with
/// `429 Too Many Requests`.
///
/// On a 429 whose `policyName` is not `DAILY`, the client waits, then sends the request
/// again, up to `max_retries` times. The wait is the `Retry-After` header (seconds) if
/// present, else the `X-HubSpot-RateLimit-Interval-Milliseconds` header, else an exponential
/// backoff (`initial_backoff`, doubled each retry, capped at `max_backoff`). A wait longer
/// than `max_wait` is not waited: the 429 is returned at once, with
/// [`Error::retry_after`](crate::Error::retry_after) telling the caller when to come back.
/// Nothing but 429 is ever retried.
///
/// Waiting uses `tokio::time::sleep`, so the Tokio runtime must have its time driver enabled
/// (`#[tokio::main]` does).
///
/// ```
/// use std::time::Duration;
/// use hubspot_orders::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .max_retries(5)
///     .max_wait(Duration::from_secs(30));
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub(crate) max_retries: u32,
    pub(crate) initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
    pub(crate) max_wait: Duration,
    pub(crate) retry_unsafe: bool,
}

impl RetryPolicy {
    /// 3 retries, backoff from 1 s doubling up to 10 s, waits of at most 60 s.
    pub const fn new() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_wait: Duration::from_secs(60),
            retry_unsafe: false,
        }
    }

    /// No retries: every 429 is returned to the caller.
    pub const fn never() -> Self {
        RetryPolicy::new().max_retries(0)
    }

    /// How many times one request may be retried; 0 disables retries.
    #[must_use]
    pub const fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// The first backoff, used when HubSpot's answer says nothing about how long to wait.
    #[must_use]
    pub const fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The longest backoff.
    #[must_use]
    pub const fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// Whether operations that are not safe to repeat (create, batch create) are sent again
    /// after an ambiguous failure too, accepting that HubSpot may apply them twice. Off by
    /// default. A 429 is retried for every operation either way, since HubSpot did not
    /// process the request.
    #[must_use]
    pub const fn retry_unsafe(mut self, retry_unsafe: bool) -> Self {
        self.retry_unsafe = retry_unsafe;
        self
    }

    /// The longest wait before a retry; a longer one returns the 429 instead of waiting.
    #[must_use]
    pub const fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::new()
    }
}

/// How long to wait before retrying an answer, or `None` if it must not be retried.
///
/// `retries_done` counts the retries already made for this request.
pub(crate) fn retry_wait(
    policy: &RetryPolicy,
    retries_done: u32,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Duration> {
    if status != 429 || retries_done >= policy.max_retries || is_daily_limit(body) {
        return None;
    }
    let wait = retry_after_header(headers)
        .or_else(|| interval_header(headers))
        .unwrap_or_else(|| backoff(policy, retries_done));
    (wait <= policy.max_wait).then_some(wait)
}

/// The `Retry-After` header, when it is a number of seconds.
pub(crate) fn retry_after_header(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_secs)
}

fn interval_header(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(INTERVAL_HEADER)?.to_str().ok()?;
    value.trim().parse().ok().map(Duration::from_millis)
}

/// `initial_backoff * 2^retries_done`, capped at `max_backoff`.
fn backoff(policy: &RetryPolicy, retries_done: u32) -> Duration {
    let factor = 1u32.checked_shl(retries_done).unwrap_or(u32::MAX);
    policy
        .initial_backoff
        .saturating_mul(factor)
        .min(policy.max_backoff)
}

/// Whether a 429 body names HubSpot's daily limit, which no wait within reason lifts.
fn is_daily_limit(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .as_ref()
        .and_then(|value| value.get("policyName"))
        .and_then(serde_json::Value::as_str)
        .is_some_and(|name| name.eq_ignore_ascii_case("DAILY"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const TEN_SECONDLY: &[u8] = br#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
    const DAILY: &[u8] = br#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    fn wait(retries_done: u32, pairs: &[(&'static str, &'static str)]) -> Option<Duration> {
        retry_wait(
            &RetryPolicy::default(),
            retries_done,
            429,
            &headers(pairs),
            TEN_SECONDLY,
        )
    }

    #[test]
    fn retry_after_wins_over_the_interval_header() {
        let both = [
            ("Retry-After", "2"),
            ("X-HubSpot-RateLimit-Interval-Milliseconds", "10000"),
        ];
        assert_eq!(wait(0, &both), Some(Duration::from_secs(2)));
        assert_eq!(wait(0, &[("retry-after", "0")]), Some(Duration::ZERO));
    }

    #[test]
    fn interval_header_is_used_without_retry_after() {
        let interval = [("X-HubSpot-RateLimit-Interval-Milliseconds", "1500")];
        assert_eq!(wait(0, &interval), Some(Duration::from_millis(1500)));
        // An HTTP-date Retry-After is not understood: fall back to the interval.
        let date = [
            ("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
            ("X-HubSpot-RateLimit-Interval-Milliseconds", "1500"),
        ];
        assert_eq!(wait(0, &date), Some(Duration::from_millis(1500)));
    }

    #[test]
    fn backoff_doubles_from_one_second_up_to_ten() {
        let waits: Vec<_> = (0..3).map(|n| wait(n, &[])).collect();
        assert_eq!(
            waits,
            [1, 2, 4].map(|s| Some(Duration::from_secs(s))).to_vec()
        );
        let policy = RetryPolicy::default().max_retries(u32::MAX);
        let wait = |n| retry_wait(&policy, n, 429, &HeaderMap::new(), b"");
        assert_eq!(wait(4), Some(Duration::from_secs(10)));
        assert_eq!(wait(40), Some(Duration::from_secs(10)));
    }

    #[test]
    fn retries_stop_after_max_retries() {
        assert!(wait(2, &[]).is_some());
        assert_eq!(wait(3, &[]), None);
        let never = RetryPolicy::never();
        assert_eq!(retry_wait(&never, 0, 429, &HeaderMap::new(), b""), None);
    }

    #[test]
    fn daily_limit_is_never_retried() {
        let policy = RetryPolicy::default();
        let map = headers(&[("retry-after", "1")]);
        assert_eq!(retry_wait(&policy, 0, 429, &map, DAILY), None);
        let lower = br#"{"policyName":"daily"}"#;
        assert_eq!(retry_wait(&policy, 0, 429, &map, lower), None);
        // A 429 whose body is not JSON is still a rate limit: retried.
        assert_eq!(
            retry_wait(&policy, 0, 429, &map, b"<html>slow down</html>"),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn only_429_is_retried() {
        let policy = RetryPolicy::default();
        let map = headers(&[("retry-after", "0")]);
        for status in [200, 207, 400, 409, 500, 502, 503, 504] {
            assert_eq!(retry_wait(&policy, 0, status, &map, b""), None, "{status}");
        }
    }

    #[test]
    fn waits_longer_than_max_wait_are_not_waited() {
        let policy = RetryPolicy::default().max_wait(Duration::from_secs(5));
        let long = headers(&[("retry-after", "3600")]);
        assert_eq!(retry_wait(&policy, 0, 429, &long, TEN_SECONDLY), None);
        let short = headers(&[("retry-after", "5")]);
        assert_eq!(
            retry_wait(&policy, 0, 429, &short, TEN_SECONDLY),
            Some(Duration::from_secs(5))
        );
    }
}
