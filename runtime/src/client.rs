//! The client: configuration, authentication, and the one path every request takes:
//! pacing (the rate limiter), a timeout per attempt, sending, reading the body under a size
//! cap, classifying the answer, deciding whether to retry, all inside a tracing span.
//!
//! What comes over the wire is not trusted: the rate-limit figures of an answer reach the
//! limiter only within plausible bounds, redirects are refused (never followed), a body is
//! read up to a cap, and every wait is bounded (by the attempt timeout, the retry policy's
//! `max_wait`, one window for the limiter, and the call's deadline over all of them).

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, LOCATION, USER_AGENT};
use reqwest::{StatusCode, Url};
use tokio::time::Instant;
use tracing::Instrument;
use tracing::field::Empty;

use crate::DEFAULT_BASE_URL;
use crate::auth::{StaticToken, Token, TokenProvider};
use crate::error::{
    BodyTooLargeError, BuildError, BuildErrorKind, DeadlineError, Failure, FailureKind,
    RateLimiterError, RedirectError, TransportError, TransportErrorKind,
};
use crate::limiter::{self, Observed, RateLimit, RateLimiter, SlidingWindowLimiter};
use crate::metrics::{Counters, Metrics, RateLimitStatus};
#[cfg(test)]
use crate::request::{OperationInfo, RateClass, Repeat};
use crate::request::{Request, Response};
use crate::retry::{self, Fault, RetryPolicy};

/// The `User-Agent` sent unless [`ClientBuilder::user_agent`] sets another.
const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// How long opening a connection may take, unless [`ClientBuilder::connect_timeout`] says.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one attempt may take, unless [`ClientBuilder::timeout`] says.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The largest answer body read, unless [`ClientBuilder::max_body_size`] says: a batch of 100
/// records with many properties is well under it.
const DEFAULT_MAX_BODY_SIZE: usize = 16 * 1024 * 1024;

/// The most bytes reserved for a body before any of it arrived, whatever its
/// `Content-Length` declares: a declared length is a claim, the bytes that come are the fact.
const LARGEST_RESERVATION: usize = 256 * 1024;

/// A HubSpot API client: the connection, the token, pacing, retries and counters that every
/// call shares.
///
/// A generated crate gives it the operations of its documents, through a handle per document
/// (e.g. `client.orders().batch_upsert(&body)`); every call of every handle goes through
/// this one client.
///
/// Cheap to clone (the configuration, the rate limiter, the counters and reqwest's
/// connection pool are shared), and `Send + Sync`, so one client can serve a whole
/// application. Its `Debug` output never shows the access token.
///
/// It has only [`new`](Client::new), [`builder`](Client::builder),
/// [`metrics`](Client::metrics) and [`rate_limits`](Client::rate_limits): every other name is
/// left to the extension traits of generated crates.
#[derive(Clone)]
pub struct Client {
    /// `Err` only for a client made by [`Client::new`] from an unusable token: every request
    /// then fails with that error, since `new` cannot return it.
    inner: Result<Arc<Inner>, BuildError>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    /// Where each attempt's bearer token comes from.
    auth: Arc<dyn TokenProvider>,
    user_agent: HeaderValue,
    /// `None`: no timeout per attempt.
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_body_size: usize,
    retry: RetryPolicy,
    limiter: Arc<dyn RateLimiter>,
    counters: Counters,
    /// Whether implausible rate-limit figures were already reported: once per client.
    implausible_reported: AtomicBool,
}

impl Inner {
    /// The figures of an answer as the limiter may see them: the window figures (`Max`,
    /// `Remaining`, `Interval-Milliseconds`) only if they are plausible together. The first
    /// implausible ones are a warning; later ones are dropped without one.
    fn believable(&self, figures: RateLimitStatus) -> Option<RateLimitStatus> {
        let Err(reason) = limiter::check_figures(&figures) else {
            return Some(figures);
        };
        if !self.implausible_reported.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                reason = %reason,
                "ignoring X-HubSpot-RateLimit figures that no HubSpot limit has \
                 (said once per client; later ones are ignored without a word)"
            );
        }
        figures.without_window()
    }
}

impl Client {
    /// A client for HubSpot's API at [`DEFAULT_BASE_URL`](crate::DEFAULT_BASE_URL) that
    /// authenticates with `token`, a private app access token or an OAuth access token, with
    /// the default settings (see [`ClientBuilder`]).
    ///
    /// This never fails: if the token is empty or cannot be sent in a header, or the HTTP
    /// client cannot be created, every request returns [`Error::Build`](crate::Error::Build).
    /// Use [`Client::builder`] to learn of such problems at once.
    pub fn new(token: impl Into<String>) -> Client {
        Client::builder()
            .token(token)
            .build()
            .unwrap_or_else(|error| Client { inner: Err(error) })
    }

    /// A builder to set the base URL, timeouts, retries, pacing and the rest.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// What this client and its clones have done since it was built: attempts sent,
    /// retries, 429s and 5xx answers received, transport failures, time spent waiting.
    pub fn metrics(&self) -> Metrics {
        match &self.inner {
            Ok(inner) => inner.counters.snapshot(),
            Err(_) => Metrics::default(),
        }
    }

    /// The `X-HubSpot-RateLimit-*` figures of the latest answer that carried them, if any did,
    /// as the server sent them (the rate limiter adopts them only within plausible bounds:
    /// see [`SlidingWindowLimiter`]).
    pub fn rate_limits(&self) -> Option<RateLimitStatus> {
        self.inner
            .as_ref()
            .ok()
            .and_then(|inner| inner.counters.rate_limits())
    }
}

/// What a call's attempts have done so far, readable after the deadline cut them short.
#[derive(Default)]
struct Progress {
    attempts: AtomicU32,
    last_failure: Mutex<Option<String>>,
    /// Whether the call is waiting for the rate limiter right now.
    pacing: AtomicBool,
}

impl Progress {
    fn attempts(&self) -> u32 {
        self.attempts.load(Ordering::Relaxed)
    }

    fn set_last_failure(&self, failure: String) {
        *self
            .last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(failure);
    }

    fn last_failure(&self) -> Option<String> {
        self.last_failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Sends a request: paced, with a timeout per attempt, retried as the retry policy and the
/// operation's safety allow, within the call's deadline if there is one. Returns the final
/// answer, whatever its status, with its body read in full. Called by generated code (and by
/// the bulk engine).
///
/// A free function, not a method of [`Client`], so that no name of any document's operations
/// can collide with it.
pub async fn send(client: &Client, request: Request) -> Result<Response, Failure> {
    send_counted(client, request, None).await
}

/// [`send`], counting the attempts in `run` too (a bulk run's own figures) besides the
/// client's [`Metrics`].
pub(crate) async fn send_counted(
    client: &Client,
    request: Request,
    run: Option<&Counters>,
) -> Result<Response, Failure> {
    let inner = client
        .inner
        .as_ref()
        .map_err(|error| Failure::from(FailureKind::Build(error.clone())))?;
    let url = request.url(&inner.base_url)?;
    let operation = request.operation;
    // The path template, not the path: ids stay out of traces, and spans group by operation.
    let span = tracing::info_span!(
        "hubspot_request",
        operation = operation.name,
        method = %request.method,
        path = operation.path_template,
        status = Empty,
        attempts = Empty,
        waited_ms = Empty,
    );
    let progress = Progress::default();
    let Some(deadline) = inner.deadline else {
        return attempts(inner, run, &request, &url, &progress, None, &span)
            .instrument(span.clone())
            .await;
    };
    let deadline_at = Instant::now().checked_add(deadline);
    let call = attempts(inner, run, &request, &url, &progress, deadline_at, &span);
    let outcome = match deadline_at {
        Some(at) => {
            tokio::time::timeout_at(at, call)
                .instrument(span.clone())
                .await
        }
        None => Ok(call.instrument(span.clone()).await),
    };
    outcome.unwrap_or_else(|_| {
        span.in_scope(|| tracing::warn!(deadline_ms = millis(deadline), "deadline passed"));
        Err(deadline_error(inner, &request, &progress))
    })
}

fn deadline_error(inner: &Inner, request: &Request, progress: &Progress) -> Failure {
    let error = DeadlineError::new(
        inner.deadline.unwrap_or_default(),
        request.method.clone(),
        request.path.clone(),
        progress.attempts(),
        progress.last_failure(),
    );
    let error = match progress.pacing.load(Ordering::Relaxed) {
        true => error.while_paced(),
        false => error,
    };
    Failure::from(FailureKind::DeadlineExceeded(error))
}

/// Where the attempts of one call are counted: the client's counters, and those of the bulk
/// run the call is part of.
#[derive(Clone, Copy)]
struct Tally<'a> {
    client: &'a Counters,
    run: Option<&'a Counters>,
}

impl Tally<'_> {
    fn each(self, count: impl Fn(&Counters)) {
        count(self.client);
        if let Some(run) = self.run {
            count(run);
        }
    }
}

/// The attempts of one call, inside its span.
async fn attempts(
    inner: &Inner,
    run: Option<&Counters>,
    request: &Request,
    url: &Url,
    progress: &Progress,
    deadline_at: Option<Instant>,
    span: &tracing::Span,
) -> Result<Response, Failure> {
    let operation = request.operation;
    let tally = Tally {
        client: &inner.counters,
        run,
    };
    let mut waited = Duration::ZERO;
    let mut attempt: u32 = 0;
    // Whether an attempt was made again with a new token after HubSpot said the token had
    // expired: once per call, and not out of the retry policy's budget.
    let mut renewed = false;
    // Whether an attempt that may have been applied was made again.
    let mut maybe_applied_earlier = false;
    loop {
        attempt = attempt.saturating_add(1);
        let asked = Instant::now();
        // The wait counts against the deadline (this whole future runs under it).
        progress.pacing.store(true, Ordering::Relaxed);
        let acquired = inner.limiter.try_acquire(operation.rate_class).await;
        progress.pacing.store(false, Ordering::Relaxed);
        // A limiter that cannot decide (a shared one that lost its store, set to fail) fails
        // the call; nothing of this attempt was sent.
        let permit = match acquired {
            Ok(permit) => permit,
            Err(cause) => {
                let path = request.path.clone();
                let error = RateLimiterError::new(cause, request.method.clone(), path, attempt - 1);
                tracing::warn!(error = %error, "the rate limiter failed");
                return Err(FailureKind::RateLimiter(error).into());
            }
        };
        // The token is asked for once the attempt may go, so that it is as fresh as can be
        // when sent (the wait for the limiter may be long); an OAuth refresh waits here.
        let (token, authorization) = match authorize(inner.auth.as_ref()).await {
            Ok(authorized) => authorized,
            Err(error) => {
                let error = error.during(request.method.clone(), request.path.clone(), attempt - 1);
                tracing::warn!(error = %error, "no access token for the attempt");
                return Err(FailureKind::Auth(error).into());
            }
        };
        let sent_at = Instant::now();
        let paced = sent_at - asked;
        tally.each(|c| c.waited(paced));
        waited += paced;
        progress.attempts.store(attempt, Ordering::Relaxed);
        tally.each(|c| c.attempt(attempt > 1));
        span.record("attempts", attempt);
        span.record("waited_ms", millis(waited));

        let attempt_span = tracing::debug_span!("attempt", attempt, status = Empty);
        let outcome = exchange(inner, request, url, authorization)
            .instrument(attempt_span.clone())
            .await;
        // The request is over: the limiter counts it from now on as ended.
        drop(permit);

        let (reason, wait, failure) = match outcome {
            Ok(answer) => {
                let status = answer.status.as_u16();
                attempt_span.record("status", status);
                span.record("status", status);
                tally.each(|c| c.answer(status));
                let rate_limits = RateLimitStatus::from_headers(&answer.headers);
                if let Some(figures) = rate_limits {
                    inner.counters.set_rate_limits(figures);
                }
                let observed = Observed {
                    status,
                    rate_limits: rate_limits.and_then(|figures| inner.believable(figures)),
                    retry_after: retry::retry_after_header(&answer.headers),
                    sent_at: sent_at.into_std(),
                };
                inner.limiter.observe(operation.rate_class, &observed);
                if let Some(error) = redirect(&answer, request, url, attempt) {
                    tracing::warn!(
                        attempt,
                        // The server wrote it: as long as the error's own text allows.
                        location = %crate::error::shortened(error.location().unwrap_or_default()),
                        followed = error.was_followed(),
                        "refused a redirect: HubSpot's API does not redirect"
                    );
                    return Err(FailureKind::Redirect(error).into());
                }
                if !renewed
                    && answer.status == StatusCode::UNAUTHORIZED
                    && says_token_expired(&answer.body)
                    && inner.auth.token_expired(&token)
                {
                    renewed = true;
                    tracing::info!(
                        attempt,
                        "HubSpot says the access token expired: trying again with a new one"
                    );
                    progress.set_last_failure(
                        "HubSpot answered 401 Unauthorized: the access token expired".to_owned(),
                    );
                    continue;
                }
                let fault = Fault::Answer {
                    status,
                    headers: &answer.headers,
                    body: &answer.body,
                };
                let decision = retry::retry_wait(
                    &inner.retry,
                    attempt - 1 - u32::from(renewed),
                    operation.repeat,
                    fault,
                    retry::full_jitter,
                );
                let Some((reason, wait)) = decision else {
                    return Ok(Response {
                        status: answer.status,
                        method: request.method.clone(),
                        path: request.path.clone(),
                        headers: answer.headers,
                        body: answer.body,
                        attempts: attempt,
                        maybe_applied_earlier,
                    });
                };
                (reason, wait, format!("HubSpot answered {}", answer.status))
            }
            Err(AttemptError::TooLarge(status)) => {
                attempt_span.record("status", status.as_u16());
                span.record("status", status.as_u16());
                tally.each(|c| c.answer(status.as_u16()));
                return Err(Failure::from(FailureKind::BodyTooLarge(
                    BodyTooLargeError::new(
                        status,
                        request.method.clone(),
                        request.path.clone(),
                        inner.max_body_size,
                        attempt,
                    ),
                )));
            }
            Err(AttemptError::Transport(kind)) => {
                tally.each(Counters::transport_error);
                let fault = match &kind {
                    TransportErrorKind::Http(error) if error.is_connect() => Fault::NotSent,
                    _ => Fault::Ambiguous,
                };
                let decision = retry::retry_wait(
                    &inner.retry,
                    attempt - 1 - u32::from(renewed),
                    operation.repeat,
                    fault,
                    retry::full_jitter,
                );
                let error = TransportError::new(
                    kind,
                    request.method.clone(),
                    request.path.clone(),
                    attempt,
                );
                let Some((reason, wait)) = decision else {
                    tracing::debug!(
                        attempt,
                        timeout = error.is_timeout(),
                        "no answer; giving up"
                    );
                    return Err(FailureKind::Transport(error).into());
                };
                (reason, wait, error.to_string())
            }
        };
        maybe_applied_earlier |= reason.may_have_been_applied();
        progress.set_last_failure(failure);
        let passes = |at: Instant| Instant::now().checked_add(wait).is_none_or(|end| end >= at);
        if deadline_at.is_some_and(passes) {
            // Waiting would take the call past its deadline: say so now, not then.
            tracing::warn!(
                attempt,
                wait_ms = millis(wait),
                "the retry would pass the deadline"
            );
            return Err(deadline_error(inner, request, progress));
        }
        tracing::info!(
            attempt,
            reason = reason.as_str(),
            wait_ms = millis(wait),
            "retrying"
        );
        tokio::time::sleep(wait).await;
        tally.each(|c| c.waited(wait));
        waited += wait;
        span.record("waited_ms", millis(waited));
    }
}

/// The provider's token for one attempt, and the header that carries it.
async fn authorize(auth: &dyn TokenProvider) -> Result<(Token, HeaderValue), crate::AuthError> {
    let token = auth.token().await?;
    let authorization = token.authorization()?;
    Ok((token, authorization))
}

/// Whether a 401's body is HubSpot's for an expired access token: category
/// `EXPIRED_AUTHENTICATION`. Any other 401 (a wrong token, a revoked one) is no sign that a
/// new token would help.
fn says_token_expired(body: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|json| {
        json.get("category").and_then(serde_json::Value::as_str) == Some("EXPIRED_AUTHENTICATION")
    })
}

/// A duration in whole milliseconds, for traces (saturating).
pub(crate) fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// An answer, its body read.
struct Answer {
    status: StatusCode,
    /// The URL the answer came from: the one asked, unless the HTTP client followed a
    /// redirect.
    url: Url,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// The error for an answer that is a redirect (any 3xx), or that came from elsewhere than
/// `url` (an HTTP client given by the application followed one); `None` for any other.
fn redirect(answer: &Answer, request: &Request, url: &Url, attempt: u32) -> Option<RedirectError> {
    let method = request.method.clone();
    let path = request.path.clone();
    if answer.url != *url {
        let from = answer.url.to_string();
        return Some(RedirectError::followed(
            answer.status,
            from,
            method,
            path,
            attempt,
        ));
    }
    if !answer.status.is_redirection() {
        return None;
    }
    let location = answer
        .headers
        .get(LOCATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    Some(RedirectError::new(
        answer.status,
        location,
        method,
        path,
        attempt,
    ))
}

/// How one attempt failed to produce an [`Answer`].
enum AttemptError {
    Transport(TransportErrorKind),
    /// The body was larger than the cap; the answer had this status.
    TooLarge(StatusCode),
}

/// One attempt: send the request and read the answer, within the per-attempt timeout.
async fn exchange(
    inner: &Inner,
    request: &Request,
    url: &Url,
    authorization: HeaderValue,
) -> Result<Answer, AttemptError> {
    let builder = inner
        .http
        .request(request.method.clone(), url.clone())
        .header(AUTHORIZATION, authorization)
        .header(USER_AGENT, inner.user_agent.clone())
        .header(ACCEPT, request.accept());
    let builder = request.attach_body(builder);
    let http_error = |error| AttemptError::Transport(TransportErrorKind::Http(error));
    let attempt = async {
        let mut response = builder.send().await.map_err(http_error)?;
        let status = response.status();
        let answered_from = response.url().clone();
        let headers = response.headers().clone();
        let body = read_body(&mut response, inner.max_body_size)
            .await
            .map_err(|error| match error {
                Some(error) => http_error(error),
                None => AttemptError::TooLarge(status),
            })?;
        Ok(Answer {
            status,
            url: answered_from,
            headers,
            body,
        })
    };
    let Some(timeout) = inner.timeout else {
        return attempt.await;
    };
    tokio::time::timeout(timeout, attempt)
        .await
        .unwrap_or(Err(AttemptError::Transport(TransportErrorKind::Timeout(
            timeout,
        ))))
}

/// Reads the whole body, or fails with `None` as soon as it is known to exceed `limit`. A
/// `Content-Length` above the limit fails at once; a lower one reserves at most
/// [`LARGEST_RESERVATION`] bytes up front, whatever it claims. A body shorter than its
/// `Content-Length` is an error of the connection (reqwest's), a longer one is cut there.
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, Option<reqwest::Error>> {
    let declared = response
        .content_length()
        .map(|length| usize::try_from(length).unwrap_or(usize::MAX));
    if declared.is_some_and(|length| length > limit) {
        return Err(None);
    }
    let mut body = Vec::with_capacity(reservation(declared));
    while let Some(chunk) = response.chunk().await.map_err(Some)? {
        if body.len() + chunk.len() > limit {
            return Err(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How many bytes to reserve for a body whose `Content-Length` is `declared` (within the
/// limit): what it declares, up to [`LARGEST_RESERVATION`].
fn reservation(declared: Option<usize>) -> usize {
    declared.unwrap_or(0).min(LARGEST_RESERVATION)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Ok(inner) => f
                .debug_struct("Client")
                .field("base_url", &inner.base_url.as_str())
                .field("auth", &inner.auth)
                .field("user_agent", &inner.user_agent)
                .field("timeout", &inner.timeout)
                .field("deadline", &inner.deadline)
                .field("max_body_size", &inner.max_body_size)
                .field("retry", &inner.retry)
                .field("limiter", &inner.limiter)
                .finish_non_exhaustive(),
            Err(error) => f.debug_struct("Client").field("unusable", error).finish(),
        }
    }
}

/// Configures a [`Client`]; made by [`Client::builder`].
///
/// Defaults: `https://api.hubapi.com`; 10 s to connect and 30 s per attempt; no deadline
/// per call; answer bodies up to 16 MiB; [`RetryPolicy::default`]; pacing at
/// [`RateLimit::STARTER`] (100 requests per 10 s) and [`RateLimit::SEARCH`], adapting to
/// the figures HubSpot sends.
///
/// ```
/// use std::time::Duration;
/// use hubspot_runtime::{RateLimit, RetryPolicy};
///
/// let client = hubspot_runtime::Client::builder()
///     .token("pat-na1-…")
///     .base_url("https://api.hubapi.com")
///     .timeout(Duration::from_secs(20))
///     .deadline(Duration::from_secs(120))
///     .rate_limit(RateLimit::PROFESSIONAL)
///     .retry_policy(RetryPolicy::default().max_retries(5))
///     .build()?;
/// # let _ = client;
/// # Ok::<(), hubspot_runtime::BuildError>(())
/// ```
#[derive(Clone)]
pub struct ClientBuilder {
    auth: Auth,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    user_agent: Option<String>,
    connect_timeout: Duration,
    timeout: Option<Duration>,
    deadline: Option<Duration>,
    max_body_size: usize,
    allow_insecure_http: bool,
    retry: RetryPolicy,
    rate_limit: RateLimit,
    search_rate_limit: RateLimit,
    limiter: Option<Arc<dyn RateLimiter>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            auth: Auth::Missing,
            base_url: None,
            http: None,
            user_agent: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: Some(DEFAULT_TIMEOUT),
            deadline: None,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            allow_insecure_http: false,
            retry: RetryPolicy::default(),
            rate_limit: RateLimit::STARTER,
            search_rate_limit: RateLimit::SEARCH,
            limiter: None,
        }
    }
}

impl ClientBuilder {
    /// The access token (private app or OAuth), sent as `Authorization: Bearer <token>`.
    /// Surrounding whitespace, such as the newline at the end of a file, is ignored. This
    /// or a [`token_provider`](Self::token_provider) is required; the last one set is used.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.auth = Auth::Token(token.into());
        self
    }

    /// Where the bearer token of each attempt comes from, instead of one
    /// [`token`](Self::token): an [`OAuthRefresh`](crate::OAuthRefresh) for an OAuth app, or
    /// a [`TokenProvider`] of the application's. The client asks it before every attempt.
    #[must_use]
    pub fn token_provider(mut self, provider: impl TokenProvider + 'static) -> Self {
        self.auth = Auth::Provider(Arc::new(provider));
        self
    }

    /// The URL that operation paths are appended to, `https://api.hubapi.com` by default.
    /// It may end with `/` and may carry a path prefix (`http://localhost:8080/hubspot`);
    /// it must be `https`, or `http` to a loopback host (`localhost`, `127.0.0.1`, `[::1]`)
    /// unless [`allow_insecure_http`](Self::allow_insecure_http) is set, with no query or
    /// fragment.
    #[must_use]
    pub fn base_url(mut self, base_url: &str) -> Self {
        self.base_url = Some(base_url.to_owned());
        self
    }

    /// Accepts an `http://` base URL to a host that is not loopback, which sends the access
    /// token unencrypted over the network. Off by default.
    #[must_use]
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The reqwest client to send requests with, e.g. to share a connection pool or set a
    /// proxy. By default a new one is made, with the
    /// [`connect_timeout`](Self::connect_timeout) and no redirects followed; a client given
    /// here keeps its own settings.
    ///
    /// Build it with `.redirect(reqwest::redirect::Policy::none())`: HubSpot's API never
    /// redirects, and reqwest's default policy follows redirects, sending a `307`'s request
    /// body to whatever host the `Location` names. The client cannot change that policy; it
    /// refuses an answer that came from elsewhere than the URL it asked
    /// ([`Error::Redirect`](crate::Error::Redirect)), but the request has gone there by then.
    #[must_use]
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The `User-Agent` header, `hubspot-runtime/<version>` by default.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The longest time opening a connection may take, 10 s by default.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest time one attempt may take, from sending the request to reading the whole
    /// answer, 30 s by default: a server that sends its headers or its body slowly, or never
    /// ends the body, fails the attempt then. Waits for the rate limiter and between retries
    /// are not counted. An attempt that takes longer fails as a timeout, which is retried for
    /// operations that are safe to repeat.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No timeout per attempt: an attempt takes as long as the server does. Against the
    /// network, prefer a long [`timeout`](Self::timeout) or a [`deadline`](Self::deadline);
    /// this is for servers under the caller's control, such as tests on Tokio's paused
    /// clock, where any pending timer makes the clock jump while the server answers.
    #[must_use]
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// The longest time one call may take, all attempts and waits included (the rate
    /// limiter's too); none by default. A call that runs out of time fails with
    /// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded), at once when a wait
    /// before a retry would end after it.
    #[must_use]
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// The largest answer body read, in bytes, 16 MiB by default. A larger one fails the
    /// call with [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) (not retried).
    #[must_use]
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// How many times a failed call is retried, 3 by default; 0 disables retries.
    /// Shorthand for changing the [`RetryPolicy`]'s `max_retries`.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry = self.retry.max_retries(max_retries);
        self
    }

    /// Which failed calls are retried, and how long to wait first.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The budget of the in-process rate limiter for every endpoint but search,
    /// [`RateLimit::STARTER`] by default. It adapts to the `X-HubSpot-RateLimit-*` figures
    /// HubSpot sends, within plausible bounds (see [`SlidingWindowLimiter`]). Not used when
    /// [`rate_limiter`](Self::rate_limiter) sets a limiter.
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = limit;
        self
    }

    /// The budget of the in-process rate limiter for the search endpoints,
    /// [`RateLimit::SEARCH`] by default. Not used when [`rate_limiter`](Self::rate_limiter)
    /// sets a limiter.
    #[must_use]
    pub fn search_rate_limit(mut self, limit: RateLimit) -> Self {
        self.search_rate_limit = limit;
        self
    }

    /// The rate limiter to pace requests with, instead of an in-process
    /// [`SlidingWindowLimiter`]: e.g. one shared by several processes using the same
    /// HubSpot app (see [`RateLimiter`]).
    #[must_use]
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The client, or what is wrong with the configuration.
    pub fn build(self) -> Result<Client, BuildError> {
        let auth: Arc<dyn TokenProvider> = match self.auth {
            Auth::Missing => return Err(BuildError::new(BuildErrorKind::MissingToken)),
            Auth::Token(token) => {
                let provider = StaticToken::new(token);
                // Checked now, so that a token that cannot be sent fails here, not each call.
                if provider.get().secret().is_empty() {
                    return Err(BuildError::new(BuildErrorKind::MissingToken));
                }
                if provider.get().authorization().is_err() {
                    return Err(BuildError::new(BuildErrorKind::InvalidToken));
                }
                Arc::new(provider)
            }
            Auth::Provider(provider) => provider,
        };
        let base_url = parse_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.allow_insecure_http,
        )?;
        let user_agent =
            HeaderValue::from_str(self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
                .map_err(|error| {
                    BuildError::new(BuildErrorKind::InvalidUserAgent(error.to_string()))
                })?;
        let http = match self.http {
            Some(http) => http,
            // HubSpot's API does not redirect: a 3xx is refused, never followed (so no body
            // goes to another host, and no POST turns into a GET).
            None => reqwest::Client::builder()
                .connect_timeout(self.connect_timeout)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|error| BuildError::new(BuildErrorKind::HttpClient(Arc::new(error))))?,
        };
        let limiter = self.limiter.unwrap_or_else(|| {
            Arc::new(SlidingWindowLimiter::new(
                self.rate_limit,
                self.search_rate_limit,
            ))
        });
        Ok(Client {
            inner: Ok(Arc::new(Inner {
                http,
                base_url,
                auth,
                user_agent,
                timeout: self.timeout,
                deadline: self.deadline,
                max_body_size: self.max_body_size,
                retry: self.retry,
                limiter,
                counters: Counters::default(),
                implausible_reported: AtomicBool::new(false),
            })),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("auth", &self.auth)
            .field("base_url", &self.base_url)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("http_client", &self.http.as_ref().map(|_| "<custom>"))
            .field("user_agent", &self.user_agent)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("deadline", &self.deadline)
            .field("max_body_size", &self.max_body_size)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("search_rate_limit", &self.search_rate_limit)
            .field("rate_limiter", &self.limiter)
            .finish()
    }
}

/// What a [`ClientBuilder`] authenticates with.
#[derive(Clone)]
enum Auth {
    Missing,
    /// [`ClientBuilder::token`]'s, as given.
    Token(String),
    Provider(Arc<dyn TokenProvider>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Missing => f.write_str("None"),
            Auth::Token(_) => f.write_str("Token(***)"),
            Auth::Provider(provider) => fmt::Debug::fmt(provider, f),
        }
    }
}

/// Checks that `text` can serve as a base URL. Errors do not repeat the URL when it might
/// hold credentials.
fn parse_base_url(text: &str, allow_insecure_http: bool) -> Result<Url, BuildError> {
    let invalid = |reason: String| BuildError::new(BuildErrorKind::InvalidBaseUrl(reason));
    let url = Url::parse(text).map_err(|error| invalid(format!("cannot parse it: {error}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not contain a user name or password".to_owned(),
        ));
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(format!("`{url}` is not an http or https URL")));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid(format!("`{url}` has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "`{url}` must not have a query or fragment"
        )));
    }
    if url.scheme() == "http" && !allow_insecure_http && !is_loopback(&url) {
        return Err(invalid(format!(
            "`{url}` would send the access token unencrypted: use https, a loopback host \
             (localhost, 127.0.0.1, [::1]), or ClientBuilder::allow_insecure_http(true)"
        )));
    }
    Ok(url)
}

/// Whether the URL's host is this machine, so that plain HTTP never leaves it.
pub(crate) fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // An IPv6 host is written in brackets.
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::Error;
    use reqwest::{Method, StatusCode};
    use wiremock::matchers::{body_json, header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "pat-na1-11111111-2222-3333-4444-555555555555";

    /// A record, as a generated response type would declare it.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Record {
        id: String,
        #[serde(default, deserialize_with = "crate::codegen::null_as_default")]
        properties: BTreeMap<String, Option<String>>,
    }

    /// The document's error schema, every field optional as HubSpot advises.
    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct ErrorSchema {
        message: Option<String>,
        category: Option<String>,
    }

    /// The answers of `upsert`, by status.
    #[derive(Debug, PartialEq)]
    enum UpsertResponse {
        Ok(serde_json::Value),
        MultiStatus(serde_json::Value),
    }

    const SAFE: OperationInfo = OperationInfo {
        name: "test_safe",
        operation_id: "test-safe",
        path_template: "/crm/v3/objects/things/{id}",
        repeat: Repeat::Safe,
        rate_class: RateClass::Standard,
        accept: "application/json",
    };

    const SEARCH: OperationInfo = OperationInfo {
        name: "test_search",
        operation_id: "test-search",
        path_template: "/crm/v3/objects/things/search",
        repeat: Repeat::Safe,
        rate_class: RateClass::Search,
        accept: "application/json",
    };

    const CREATE: OperationInfo = OperationInfo {
        name: "test_create",
        operation_id: "test-create",
        path_template: "/crm/v3/objects/things",
        repeat: Repeat::Unsafe,
        rate_class: RateClass::Standard,
        accept: "application/json",
    };

    // Operations written exactly as the generator writes them, but over test-local types,
    // so these tests hold whatever the generated code currently contains.
    impl Client {
        async fn test_upsert(
            &self,
            body: &serde_json::Value,
        ) -> Result<UpsertResponse, Error<ErrorSchema>> {
            let mut request = crate::codegen::Request::new(
                reqwest::Method::POST,
                "/crm/v3/objects/things/batch/upsert".to_owned(),
                &SAFE,
            );
            request.json(body)?;
            let response = crate::codegen::send(self, request).await?;
            match response.status() {
                200 => Ok(UpsertResponse::Ok(response.json()?)),
                207 => Ok(UpsertResponse::MultiStatus(response.json()?)),
                _ => Err(response.into_error()),
            }
        }

        async fn test_create(
            &self,
            body: &serde_json::Value,
        ) -> Result<serde_json::Value, Error<ErrorSchema>> {
            let mut request = crate::codegen::Request::new(
                reqwest::Method::POST,
                "/crm/v3/objects/things".to_owned(),
                &CREATE,
            );
            request.json(body)?;
            let response = crate::codegen::send(self, request).await?;
            match response.status() {
                201 => Ok(response.json()?),
                _ => Err(response.into_error()),
            }
        }

        async fn test_search(&self) -> Result<serde_json::Value, Error<ErrorSchema>> {
            let mut request = crate::codegen::Request::new(
                reqwest::Method::POST,
                "/crm/v3/objects/things/search".to_owned(),
                &SEARCH,
            );
            request.json(&serde_json::json!({ "limit": 10 }))?;
            let response = crate::codegen::send(self, request).await?;
            match response.status() {
                200 => Ok(response.json()?),
                _ => Err(response.into_error()),
            }
        }

        async fn test_get(
            &self,
            id: &str,
            archived: Option<bool>,
        ) -> Result<Record, Error<ErrorSchema>> {
            let mut request = crate::codegen::Request::new(
                reqwest::Method::GET,
                format!(
                    "/crm/v3/objects/things/{}",
                    crate::codegen::encode_path_segment(id)
                ),
                &SAFE,
            );
            request.query_opt("archived", archived.as_ref())?;
            let response = crate::codegen::send(self, request).await?;
            match response.status() {
                200 => Ok(response.json()?),
                _ => Err(response.into_error()),
            }
        }

        async fn test_archive(&self, id: &str) -> Result<(), Error<ErrorSchema>> {
            let request = crate::codegen::Request::new(
                reqwest::Method::DELETE,
                format!(
                    "/crm/v3/objects/things/{}",
                    crate::codegen::encode_path_segment(id)
                ),
                &SAFE,
            );
            let response = crate::codegen::send(self, request).await?;
            match response.status() {
                204 => Ok(()),
                _ => Err(response.into_error()),
            }
        }
    }

    fn builder(base_url: &str) -> ClientBuilder {
        Client::builder().token(TOKEN).base_url(base_url)
    }

    /// For tests on Tokio's paused clock: no timer may be pending while the server answers,
    /// or the clock jumps to it. So no timeout per attempt, and no idle-pool timer.
    fn paused_builder(base_url: &str) -> ClientBuilder {
        let http = match reqwest::Client::builder().pool_idle_timeout(None).build() {
            Ok(http) => http,
            Err(error) => panic!("{error}"),
        };
        builder(base_url).no_timeout().http_client(http)
    }

    /// Quick backoffs, for tests on the real clock.
    fn quick_retries(max_retries: u32) -> RetryPolicy {
        RetryPolicy::default()
            .max_retries(max_retries)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(20))
    }

    fn client(builder: ClientBuilder) -> Client {
        match builder.build() {
            Ok(client) => client,
            Err(error) => panic!("{error}"),
        }
    }

    fn build_error(builder: ClientBuilder) -> String {
        match builder.build() {
            Ok(client) => panic!("expected an error, got {client:?}"),
            Err(error) => error.to_string(),
        }
    }

    async fn received(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .map_or(0, |requests| requests.len())
    }

    #[test]
    fn client_and_errors_are_thread_safe() {
        fn assert_client<T: Clone + Send + Sync + 'static>() {}
        fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
        assert_client::<Client>();
        assert_error::<Error<serde_json::Value>>();
        assert_error::<crate::BuildError>();
    }

    #[test]
    fn debug_never_shows_the_token() {
        let client = client(builder("https://api.hubapi.com"));
        let debug = format!("{client:?} {client:#?}");
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(debug.contains("StaticToken(***)"), "{debug}");
        assert!(debug.contains("https://api.hubapi.com"), "{debug}");

        let debug = format!("{:?}", Client::builder().token(TOKEN));
        assert!(!debug.contains(TOKEN), "{debug}");
        assert!(debug.contains("Token(***)"), "{debug}");

        let debug = format!("{:?}", Client::new("bad\ntoken"));
        assert!(!debug.contains("bad"), "{debug}");

        // Nor an OAuth app's client secret or refresh token, before or after building.
        let oauth = crate::OAuthRefresh::builder("app-id", "secret-of-app", "refresh-of-account");
        let built = match oauth.clone().build() {
            Ok(oauth) => oauth,
            Err(error) => panic!("{error}"),
        };
        let with_oauth = super::tests::client(Client::builder().token_provider(built.clone()));
        let builder = Client::builder().token_provider(built.clone());
        let debug = format!("{oauth:?} {built:?} {with_oauth:?} {with_oauth:#?} {builder:?}");
        for secret in ["secret-of-app", "refresh-of-account"] {
            assert!(!debug.contains(secret), "{debug}");
        }
        assert!(debug.contains("app-id"), "{debug}");
        assert!(
            debug.contains("https://api.hubapi.com/oauth/v1/token"),
            "{debug}"
        );
    }

    #[test]
    fn new_uses_the_default_base_url_and_settings() {
        let debug = format!("{:?}", Client::new(TOKEN));
        let expected = format!("base_url: \"{}", crate::DEFAULT_BASE_URL);
        assert!(debug.contains(&expected), "{debug}");
        assert!(debug.contains("timeout: Some(30s)"), "{debug}");
        let debug = format!("{:?}", Client::builder());
        assert!(debug.contains("connect_timeout: 10s"), "{debug}");
        assert!(debug.contains("max: 100, window: 10s"), "{debug}");
    }

    #[test]
    fn build_reports_what_is_wrong() {
        let missing = build_error(Client::builder());
        assert!(missing.contains("no access token"), "{missing}");
        let blank = build_error(Client::builder().token("  \n"));
        assert!(blank.contains("no access token"), "{blank}");
        let invalid = build_error(Client::builder().token("secret\u{7}value"));
        assert!(invalid.contains("cannot be sent"), "{invalid}");
        assert!(!invalid.contains("secret"), "{invalid}");

        let unparsable = build_error(builder("not a url"));
        assert!(unparsable.contains("invalid base URL"), "{unparsable}");
        let ftp = build_error(builder("ftp://example.com"));
        assert!(ftp.contains("not an http or https URL"), "{ftp}");
        let query = build_error(builder("https://example.com/?a=b"));
        assert!(query.contains("query or fragment"), "{query}");
        let credentials = build_error(builder("https://me:pw@example.com"));
        assert!(
            credentials.contains("user name or password"),
            "{credentials}"
        );
        assert!(!credentials.contains("pw"), "{credentials}");
        let agent = build_error(builder("https://example.com").user_agent("bad\nagent"));
        assert!(agent.contains("invalid user agent"), "{agent}");
    }

    #[test]
    fn plain_http_is_for_loopback_hosts_unless_allowed() {
        for remote in [
            "http://example.com",
            "http://10.0.0.8:8080/hubspot",
            "http://localhost.example.com",
        ] {
            let refused = build_error(builder(remote));
            assert!(refused.contains("unencrypted"), "{remote}: {refused}");
            assert!(
                refused.contains("allow_insecure_http"),
                "{remote}: {refused}"
            );
            assert!(builder(remote).allow_insecure_http(true).build().is_ok());
        }
        for local in [
            "http://localhost:8080",
            "http://LOCALHOST",
            "http://127.0.0.1:4010/prefix",
            "http://127.8.9.10",
            "http://[::1]:4010",
            "https://example.com",
        ] {
            if let Err(error) = builder(local).build() {
                panic!("{local}: {error}");
            }
        }
    }

    #[tokio::test]
    async fn token_whitespace_is_trimmed_and_the_header_is_sensitive() {
        let client = client(Client::builder().token(format!("{TOKEN}\n")));
        let Ok(inner) = &client.inner else {
            panic!("usable client expected")
        };
        let (token, authorization) = match authorize(inner.auth.as_ref()).await {
            Ok(authorized) => authorized,
            Err(error) => panic!("{error}"),
        };
        assert_eq!(token.secret(), TOKEN);
        assert_eq!(authorization, format!("Bearer {TOKEN}").as_str());
        assert!(authorization.is_sensitive());
    }

    /// Gives `token-0`, then `token-1` once HubSpot said `token-0` expired, and so on; or
    /// fails when told to.
    #[derive(Debug, Default)]
    struct Generations {
        generation: Mutex<u32>,
        broken: AtomicBool,
    }

    impl TokenProvider for Generations {
        fn token(&self) -> crate::codegen::BoxFuture<'_, Result<Token, crate::AuthError>> {
            let token = match self.broken.load(Ordering::Relaxed) {
                true => Err(crate::AuthError::new("the vault is sealed")),
                false => {
                    let generation = *self
                        .generation
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    Ok(Token::new(format!("token-{generation}")))
                }
            };
            Box::pin(std::future::ready(token))
        }

        fn token_expired(&self, rejected: &Token) -> bool {
            let mut generation = self
                .generation
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if rejected.secret() == format!("token-{generation}") {
                *generation += 1;
            }
            true
        }
    }

    fn unauthorized(category: &str) -> ResponseTemplate {
        ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "status": "error",
            "message": "The OAuth token used to make this call expired 1 minute(s) ago.",
            "category": category,
        }))
    }

    #[tokio::test]
    async fn an_expired_token_is_renewed_once_per_call_and_other_401s_are_answers() {
        let server = MockServer::start().await;
        for (token, answer) in [
            ("token-0", unauthorized("EXPIRED_AUTHENTICATION")),
            (
                "token-1",
                ResponseTemplate::new(200).set_body_string(r#"{"id":"1"}"#),
            ),
            ("token-2", unauthorized("EXPIRED_AUTHENTICATION")),
            ("token-3", unauthorized("EXPIRED_AUTHENTICATION")),
            ("token-4", unauthorized("INVALID_AUTHENTICATION")),
        ] {
            Mock::given(method("GET"))
                .and(header("authorization", format!("Bearer {token}").as_str()))
                .respond_with(answer)
                .mount(&server)
                .await;
        }
        let provider = Arc::new(Generations::default());
        let client = client(
            Client::builder()
                .base_url(&server.uri())
                .token_provider(Arc::clone(&provider)),
        );
        // Expired: renewed, and the attempt made again at once.
        match client.test_get("1", None).await {
            Ok(record) => assert_eq!(record.id, "1"),
            Err(error) => panic!("{error}"),
        }
        assert_eq!(
            (client.metrics().requests, client.metrics().retries),
            (2, 1)
        );
        // Expired again with the new token: still once per call.
        provider.token_expired(&Token::new("token-1"));
        match client.test_get("1", None).await {
            Err(error) => {
                assert_eq!(error.status(), Some(StatusCode::UNAUTHORIZED));
                assert_eq!(error.attempts(), 2);
            }
            Ok(record) => panic!("{record:?}"),
        }
        // Any other 401 is the answer: no new token is asked for.
        provider.token_expired(&Token::new("token-3"));
        match client.test_get("1", None).await {
            Err(error) => assert_eq!(error.attempts(), 1, "{error}"),
            Ok(record) => panic!("{record:?}"),
        }
        assert_eq!(
            *provider
                .generation
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
            4
        );
        assert_eq!(received(&server).await, 5);

        // A provider that fails: nothing is sent, and the error says for which call.
        provider.broken.store(true, Ordering::Relaxed);
        match client.test_get("1", None).await {
            Err(Error::Auth(error)) => {
                assert_eq!(error.attempts(), 0);
                assert!(!error.is_oauth());
                assert_eq!(
                    error.to_string(),
                    "no access token for GET /crm/v3/objects/things/1: the token provider \
                     failed: the vault is sealed"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(received(&server).await, 5);
    }

    #[tokio::test]
    async fn unusable_client_fails_every_request_without_sending() {
        let client = Client::new("");
        match client.test_archive("1").await {
            Err(Error::Build(error)) => assert!(error.to_string().contains("no access token")),
            other => panic!("{other:?}"),
        }
        assert_eq!(client.metrics(), Metrics::default());
        assert_eq!(client.rate_limits(), None);
    }

    #[tokio::test]
    async fn send_authenticates_and_retries_a_rate_limited_request() {
        let server = MockServer::start().await;
        let bearer = format!("Bearer {TOKEN}");
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/a%2Fb"))
            .and(header("authorization", bearer.as_str()))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "0")
                    .set_body_string(
                        r#"{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#,
                    ),
            )
            .up_to_n_times(1)
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/a%2Fb"))
            .and(query_param("archived", "false"))
            .and(header("authorization", bearer.as_str()))
            .and(header("accept", "application/json"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(r#"{"id":"a/b","properties":{"hs_order_name":null}}"#),
            )
            .expect(1)
            .mount(&server)
            .await;

        let client = client(builder(&server.uri()));
        match client.test_get("a/b", Some(false)).await {
            Ok(record) => assert_eq!(
                record,
                Record {
                    id: "a/b".to_owned(),
                    properties: [("hs_order_name".to_owned(), None)].into_iter().collect(),
                }
            ),
            Err(error) => panic!("{error}"),
        }
        let metrics = client.metrics();
        assert_eq!((metrics.requests, metrics.retries), (2, 1));
        assert_eq!(metrics.rate_limited, 1);
    }

    #[tokio::test]
    async fn daily_limit_is_returned_at_once_as_such() {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", "0")
                    .set_body_string(
                        r#"{"status":"error","message":"You have reached your daily limit.","category":"RATE_LIMITS","policyName":"DAILY"}"#,
                    ),
            )
            .expect(1)
            .mount(&server)
            .await;
        let error = match client(builder(&server.uri())).test_archive("42").await {
            Ok(()) => panic!("expected a 429"),
            Err(error) => error,
        };
        assert!(error.is_daily_limit());
        assert_eq!(error.attempts(), 1);
        assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(error.retry_after(), Some(Duration::ZERO));
        let Error::Api(api) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            api.body()
                .decoded()
                .and_then(|body| body.category.as_deref()),
            Some("RATE_LIMITS")
        );
        assert_eq!(
            error.to_string(),
            "HubSpot answered 429 Too Many Requests to DELETE /crm/v3/objects/things/42: \
             You have reached your daily limit. (daily limit: not retried)"
        );
    }

    #[tokio::test]
    async fn retries_give_up_after_max_retries_and_say_so() {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
            .expect(3)
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()).max_retries(2));
        let error = match client.test_archive("42").await {
            Ok(()) => panic!("expected a 429"),
            Err(error) => error,
        };
        assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert_eq!(error.attempts(), 3);
        assert!(!error.is_daily_limit());
        assert!(error.to_string().ends_with("(after 3 attempts)"), "{error}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_waits_are_the_ones_hubspot_asked_for() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "3"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "5"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":"7"}"#))
            .mount(&server)
            .await;
        let client = client(paused_builder(&server.uri()));
        let start = Instant::now();
        if let Err(error) = client.test_get("7", None).await {
            panic!("{error}");
        }
        // On the paused clock, only the client's sleeps move time: exactly 3 s then 5 s.
        assert_eq!(start.elapsed(), Duration::from_secs(8));
        let metrics = client.metrics();
        assert_eq!(metrics.waited, Duration::from_secs(8));
        assert_eq!((metrics.requests, metrics.retries), (3, 2));
        assert_eq!((metrics.rate_limited, metrics.server_errors), (1, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn backoff_waits_are_jittered_within_their_ceilings() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(502))
            .mount(&server)
            .await;
        // Ceilings of 1, 2 and 4 s: each wait is drawn between zero and its ceiling.
        let policy = RetryPolicy::default()
            .max_retries(3)
            .initial_backoff(Duration::from_secs(1))
            .max_backoff(Duration::from_secs(4));
        let client = client(paused_builder(&server.uri()).retry_policy(policy));
        let mut totals = Vec::new();
        for _ in 0..5 {
            let before = client.metrics();
            let start = Instant::now();
            match client.test_get("7", None).await {
                Err(error) => assert_eq!(error.attempts(), 4, "{error}"),
                Ok(record) => panic!("{record:?}"),
            }
            let elapsed = start.elapsed();
            let waited = (client.metrics() - before).waited;
            // The client slept what it drew (Tokio's timer rounds each sleep up to the next
            // millisecond), and no more than the ceilings allow.
            assert!(
                elapsed >= waited && elapsed <= waited + Duration::from_millis(3),
                "slept {elapsed:?}, drew {waited:?}"
            );
            assert!(waited <= Duration::from_secs(7), "{waited:?}");
            totals.push(waited);
        }
        // Jitter: the draws differ from call to call, and are not all zero.
        assert!(totals.iter().any(|total| *total != totals[0]), "{totals:?}");
        assert!(totals.iter().any(|total| !total.is_zero()), "{totals:?}");
        assert_eq!(received(&server).await, 20);
    }

    #[tokio::test(start_paused = true)]
    async fn server_errors_are_retried_only_for_operations_safe_to_repeat() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "1"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/crm/v3/objects/things/batch/upsert"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"results": []})),
            )
            .mount(&server)
            .await;
        let body = serde_json::json!({ "inputs": [] });
        let upserts = client(paused_builder(&server.uri()));
        match upserts.test_upsert(&body).await {
            Ok(response) => assert!(matches!(response, UpsertResponse::Ok(_))),
            Err(error) => panic!("{error}"),
        }
        assert_eq!(received(&server).await, 2);

        // A create is not repeated: HubSpot may have made the record.
        Mock::given(method("POST"))
            .and(path("/crm/v3/objects/things"))
            .respond_with(ResponseTemplate::new(504))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/crm/v3/objects/things"))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "1"})))
            .mount(&server)
            .await;
        let creates = client(paused_builder(&server.uri()));
        match creates.test_create(&body).await {
            Err(error) => {
                assert_eq!(error.status(), Some(StatusCode::GATEWAY_TIMEOUT));
                assert_eq!(error.attempts(), 1);
            }
            Ok(created) => panic!("repeated a create: {created}"),
        }
        assert_eq!(received(&server).await, 3);
        // Unless the caller accepts the risk.
        let bold =
            paused_builder(&server.uri()).retry_policy(RetryPolicy::default().retry_unsafe(true));
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(502))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": "1"})))
            .mount(&server)
            .await;
        match client(bold).test_create(&body).await {
            Ok(created) => assert_eq!(created["id"], "1"),
            Err(error) => panic!("{error}"),
        }
        assert_eq!(received(&server).await, 2);
    }

    #[tokio::test]
    async fn an_answer_says_whether_an_earlier_attempt_may_have_been_applied() {
        // First answer, then the 200 that ends the call: only an earlier attempt that HubSpot
        // may have carried out (no answer, 502-504, 423) makes the flag; 429s and refused
        // connections do not.
        let cases: [(Option<u16>, bool); 5] = [
            (None, false),
            (Some(429), false),
            (Some(503), true),
            (Some(423), true),
            // An attempt that timed out.
            (Some(0), true),
        ];
        for (first, expected) in cases {
            let server = MockServer::start().await;
            if let Some(status) = first {
                let answer = if status == 0 {
                    ResponseTemplate::new(200).set_delay(Duration::from_secs(5))
                } else {
                    ResponseTemplate::new(status).insert_header("Retry-After", "0")
                };
                Mock::given(method("POST"))
                    .respond_with(answer)
                    .up_to_n_times(1)
                    .mount(&server)
                    .await;
            }
            Mock::given(method("POST"))
                .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
                .mount(&server)
                .await;
            let client = client(
                builder(&server.uri())
                    .timeout(Duration::from_millis(300))
                    .retry_policy(quick_retries(2)),
            );
            let mut request = crate::codegen::Request::new(
                reqwest::Method::POST,
                "/crm/v3/objects/things/batch/upsert".to_owned(),
                &SAFE,
            );
            if let Err(error) = request.json(&serde_json::json!({ "inputs": [] })) {
                panic!("{error:?}");
            }
            match crate::codegen::send(&client, request).await {
                Ok(response) => {
                    assert_eq!(response.attempts, 1 + u32::from(first.is_some()));
                    assert_eq!(response.maybe_applied_earlier, expected, "{first:?}");
                }
                Err(error) => panic!("{first:?}: {error:?}"),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn other_statuses_are_never_retried() {
        let server = MockServer::start().await;
        for status in [400u16, 404, 409, 500] {
            server.reset().await;
            Mock::given(method("GET"))
                .respond_with(ResponseTemplate::new(status))
                .mount(&server)
                .await;
            let client = client(paused_builder(&server.uri()));
            match client.test_get("1", None).await {
                Err(error) => assert_eq!(error.attempts(), 1, "{status}"),
                Ok(record) => panic!("{record:?}"),
            }
            assert_eq!(received(&server).await, 1, "{status}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_limiter_paces_calls_through_the_client() {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let limit = RateLimit::new(2, Duration::from_secs(10));
        let client = client(paused_builder(&server.uri()).rate_limit(limit));
        let start = Instant::now();
        let mut sent = Vec::new();
        for id in ["1", "2", "3", "4", "5"] {
            if let Err(error) = client.test_archive(id).await {
                panic!("{error}");
            }
            sent.push(start.elapsed().as_secs());
        }
        // Two a window: the third waits until the first is 10 s old, the fifth 20 s.
        assert_eq!(sent, [0, 0, 10, 10, 20]);
        assert_eq!(client.metrics().waited, Duration::from_secs(20));
        assert_eq!(client.metrics().retries, 0);
    }

    #[tokio::test(start_paused = true)]
    async fn search_is_paced_on_its_own_budget() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"results":[]}"#))
            .mount(&server)
            .await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        let client = client(
            paused_builder(&server.uri())
                .rate_limit(RateLimit::new(2, Duration::from_secs(10)))
                .search_rate_limit(RateLimit::new(2, Duration::from_secs(1))),
        );
        let start = Instant::now();
        let mut sent = Vec::new();
        for _ in 0..5 {
            if let Err(error) = client.test_search().await {
                panic!("{error}");
            }
            sent.push(start.elapsed().as_secs());
        }
        // Two a second for search, whatever the standard budget says...
        assert_eq!(sent, [0, 0, 1, 1, 2]);
        // ...which search did not spend.
        for id in ["1", "2"] {
            if let Err(error) = client.test_archive(id).await {
                panic!("{error}");
            }
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test]
    async fn rate_limit_figures_are_kept_and_metrics_are_shared_by_clones() {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(
                ResponseTemplate::new(204)
                    .insert_header("X-HubSpot-RateLimit-Max", "190")
                    .insert_header("X-HubSpot-RateLimit-Remaining", "187")
                    .insert_header("X-HubSpot-RateLimit-Interval-Milliseconds", "10000")
                    .insert_header("X-HubSpot-RateLimit-Daily", "625000")
                    .insert_header("X-HubSpot-RateLimit-Daily-Remaining", "600000"),
            )
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()));
        let clone = client.clone();
        assert_eq!(client.rate_limits(), None);
        if let Err(error) = clone.test_archive("1").await {
            panic!("{error}");
        }
        let Some(figures) = client.rate_limits() else {
            panic!("figures expected");
        };
        assert_eq!(figures.max, Some(190));
        assert_eq!(figures.remaining, Some(187));
        assert_eq!(figures.interval, Some(Duration::from_secs(10)));
        assert_eq!(figures.daily, Some(625_000));
        assert_eq!(figures.daily_remaining, Some(600_000));
        assert_eq!(client.metrics().requests, 1);
        // The limiter took HubSpot's word for the budget.
        let debug = format!("{client:?}");
        assert!(debug.contains("max: 190"), "{debug}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_retried_for_every_operation() {
        // A port nobody listens on any more.
        let port = match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(listener) => listener.local_addr().map(|address| address.port()),
            Err(error) => panic!("{error}"),
        };
        let Ok(port) = port else { panic!("no port") };
        let client =
            client(builder(&format!("http://127.0.0.1:{port}")).retry_policy(quick_retries(2)));
        match client.test_create(&serde_json::json!({})).await {
            Err(Error::Transport(error)) => {
                assert!(error.is_connect(), "{error}");
                assert_eq!(error.attempts(), 3);
                assert!(error.to_string().ends_with("(after 3 attempts)"), "{error}");
            }
            other => panic!("{other:?}"),
        }
        let metrics = client.metrics();
        assert_eq!((metrics.requests, metrics.transport_errors), (3, 3));
    }

    #[tokio::test]
    async fn timed_out_attempts_are_retried_only_when_safe() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
            .mount(&server)
            .await;
        let quick = |server: &MockServer| {
            builder(&server.uri())
                .timeout(Duration::from_millis(100))
                .retry_policy(quick_retries(2))
        };
        let body = serde_json::json!({ "inputs": [] });
        let started = Instant::now();
        match client(quick(&server)).test_upsert(&body).await {
            Err(Error::Transport(error)) => {
                assert!(error.is_timeout(), "{error}");
                assert_eq!(error.attempts(), 3);
                assert!(error.to_string().contains("longer than 100ms"), "{error}");
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(received(&server).await, 3);
        server.reset().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(10)))
            .mount(&server)
            .await;
        match client(quick(&server)).test_create(&body).await {
            Err(error) => assert_eq!(error.attempts(), 1, "{error}"),
            Ok(created) => panic!("{created}"),
        }
        assert_eq!(received(&server).await, 1);
    }

    #[tokio::test]
    async fn the_deadline_is_its_own_error() {
        let server = MockServer::start().await;
        // A retry would wait 2 s: past the 500 ms deadline, so the call ends at once.
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/busy"))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "2"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(10)))
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()).deadline(Duration::from_millis(500)));
        let started = Instant::now();
        match client.test_get("busy", None).await {
            Err(Error::DeadlineExceeded(error)) => {
                assert_eq!(error.attempts(), 1);
                assert_eq!(error.deadline(), Duration::from_millis(500));
                assert_eq!(
                    error.last_failure(),
                    Some("HubSpot answered 503 Service Unavailable")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_millis(500));
        // An attempt still running when the deadline passes is cut short.
        let started = Instant::now();
        match client.test_get("slow", None).await {
            Err(error @ Error::DeadlineExceeded(_)) => {
                assert_eq!(error.attempts(), 1);
                assert_eq!(
                    error.to_string(),
                    "GET /crm/v3/objects/things/slow did not succeed within its deadline \
                     of 500ms"
                );
            }
            other => panic!("{other:?}"),
        }
        let elapsed = started.elapsed();
        assert!(elapsed >= Duration::from_millis(500), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    }

    #[tokio::test]
    async fn bodies_over_the_cap_fail_clearly() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(2048)))
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()).max_body_size(1024));
        match client.test_get("1", None).await {
            Err(error @ Error::BodyTooLarge(_)) => {
                assert_eq!(error.status(), Some(StatusCode::OK));
                assert_eq!(error.attempts(), 1);
                assert!(
                    error.to_string().contains("larger than 1024 bytes"),
                    "{error}"
                );
            }
            other => panic!("{other:?}"),
        }
        let roomy = super::tests::client(builder(&server.uri()).max_body_size(2048));
        match roomy.test_get("1", None).await {
            // The whole body was read: it fails to decode, not to fit.
            Err(Error::Decode(error)) => assert_eq!(error.path(), "."),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn error_debug_shows_no_cookie_and_no_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(403)
                    .insert_header("Set-Cookie", "__cf_bm=cookie-secret; path=/; HttpOnly")
                    .set_body_string(r#"{"message":"forbidden","category":"MISSING_SCOPES"}"#),
            )
            .mount(&server)
            .await;
        let error = match client(builder(&server.uri())).test_get("1", None).await {
            Err(error) => error,
            Ok(record) => panic!("{record:?}"),
        };
        let text = format!("{error:?} {error:#?} {error}");
        assert!(!text.contains("cookie-secret"), "{text}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("MISSING_SCOPES"), "{text}");
    }

    #[tokio::test]
    async fn json_body_is_sent_under_a_path_prefix_and_207_is_told_apart() {
        let server = MockServer::start().await;
        let body = serde_json::json!({
            "inputs": [{ "id": "ext-1", "idProperty": "hs_external_order_id",
                         "properties": { "hs_order_name": "One" } }]
        });
        let answer = serde_json::json!({ "status": "COMPLETE", "results": [], "numErrors": 1 });
        Mock::given(method("POST"))
            .and(path("/prefix/crm/v3/objects/things/batch/upsert"))
            .and(header("content-type", "application/json"))
            .and(body_json(&body))
            .respond_with(ResponseTemplate::new(207).set_body_json(&answer))
            .expect(1)
            .mount(&server)
            .await;
        let base = format!("{}/prefix/", server.uri());
        match client(builder(&base)).test_upsert(&body).await {
            Ok(response) => assert_eq!(response, UpsertResponse::MultiStatus(answer)),
            Err(error) => panic!("{error}"),
        }
    }

    #[tokio::test]
    async fn decode_errors_are_reported() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/bad"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":7}"#))
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()));
        match client.test_get("bad", None).await {
            Err(Error::Decode(error)) => {
                assert_eq!(error.path(), "id");
                assert_eq!(error.method(), Method::GET);
                assert_eq!(error.request_path(), "/crm/v3/objects/things/bad");
                assert_eq!(error.attempts(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    /// Records the spans and events of the calls made while it is the default subscriber
    /// (the tests of `auth` use it too).
    pub(crate) mod capture {
        use std::fmt;
        use std::sync::{Arc, Mutex, PoisonError};

        use tracing::field::{Field, Visit};
        use tracing::span::{Attributes, Id, Record};
        use tracing::{Event, Metadata, Subscriber};

        /// A span or an event: its name and every field recorded on it, as text.
        #[derive(Debug, Clone, Default)]
        pub(crate) struct Captured {
            pub(crate) name: String,
            pub(crate) fields: Vec<(String, String)>,
        }

        impl Captured {
            pub(crate) fn get(&self, field: &str) -> Option<&str> {
                self.fields
                    .iter()
                    .rev()
                    .find(|(name, _)| name == field)
                    .map(|(_, value)| value.as_str())
            }
        }

        impl Visit for Captured {
            fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
                self.fields
                    .push((field.name().to_owned(), format!("{value:?}")));
            }

            fn record_str(&mut self, field: &Field, value: &str) {
                self.fields
                    .push((field.name().to_owned(), value.to_owned()));
            }
        }

        #[derive(Clone, Default)]
        pub(crate) struct Recorder {
            pub(crate) spans: Arc<Mutex<Vec<Captured>>>,
            pub(crate) events: Arc<Mutex<Vec<Captured>>>,
        }

        impl Recorder {
            pub(crate) fn spans(&self) -> Vec<Captured> {
                self.spans
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone()
            }

            pub(crate) fn events(&self) -> Vec<Captured> {
                self.events
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone()
            }
        }

        impl Subscriber for Recorder {
            fn enabled(&self, _: &Metadata<'_>) -> bool {
                true
            }

            fn new_span(&self, attributes: &Attributes<'_>) -> Id {
                let mut span = Captured {
                    name: attributes.metadata().name().to_owned(),
                    fields: Vec::new(),
                };
                attributes.record(&mut span);
                let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
                spans.push(span);
                Id::from_u64(spans.len() as u64)
            }

            fn record(&self, id: &Id, values: &Record<'_>) {
                let mut spans = self.spans.lock().unwrap_or_else(PoisonError::into_inner);
                let index = usize::try_from(id.into_u64()).unwrap_or(usize::MAX) - 1;
                if let Some(span) = spans.get_mut(index) {
                    values.record(span);
                }
            }

            fn record_follows_from(&self, _: &Id, _: &Id) {}

            fn event(&self, event: &Event<'_>) {
                let mut captured = Captured {
                    name: event.metadata().name().to_owned(),
                    fields: Vec::new(),
                };
                event.record(&mut captured);
                self.events
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(captured);
            }

            fn enter(&self, _: &Id) {}

            fn exit(&self, _: &Id) {}
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn each_call_is_a_span_with_its_attempts_and_never_the_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":"secret-id"}"#))
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()));
        let recorder = capture::Recorder::default();
        let guard = tracing::subscriber::set_default(recorder.clone());
        let result = client.test_get("secret-id", None).await;
        drop(guard);
        if let Err(error) = result {
            panic!("{error}");
        }

        let spans = recorder.spans();
        let calls: Vec<_> = spans
            .iter()
            .filter(|span| span.name == "hubspot_request")
            .collect();
        assert_eq!(calls.len(), 1, "{spans:?}");
        let call = calls[0];
        assert_eq!(call.get("operation"), Some("test_safe"));
        assert_eq!(call.get("method"), Some("GET"));
        assert_eq!(call.get("path"), Some("/crm/v3/objects/things/{id}"));
        assert_eq!(call.get("status"), Some("200"));
        assert_eq!(call.get("attempts"), Some("2"));
        assert_eq!(call.get("waited_ms"), Some("0"));
        let attempts: Vec<_> = spans
            .iter()
            .filter(|span| span.name == "attempt")
            .map(|span| (span.get("attempt"), span.get("status")))
            .collect();
        assert_eq!(
            attempts,
            [(Some("1"), Some("429")), (Some("2"), Some("200"))]
        );
        let events = recorder.events();
        let retry = events
            .iter()
            .find(|event| event.get("message") == Some("retrying"));
        assert_eq!(
            retry.and_then(|event| event.get("reason")),
            Some("rate limited"),
            "{events:?}"
        );
        // Neither the token nor the record id (the path template stands in for the path).
        let everything = format!("{spans:?} {events:?}");
        assert!(!everything.contains(TOKEN), "{everything}");
        assert!(!everything.contains("secret-id"), "{everything}");
    }

    #[test]
    fn a_declared_length_reserves_a_quarter_mebibyte_at_most() {
        assert_eq!(reservation(None), 0);
        assert_eq!(reservation(Some(1_000)), 1_000);
        // 16 MB declared, under the default cap: reserved only as the bytes come.
        assert_eq!(reservation(Some(16_000_000)), 256 * 1024);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn implausible_figures_are_ignored_and_reported_once_per_client() {
        let server = MockServer::start().await;
        let figures = |max: &str, remaining: &str, interval: &str| {
            ResponseTemplate::new(200)
                .insert_header("X-HubSpot-RateLimit-Max", max)
                .insert_header("X-HubSpot-RateLimit-Remaining", remaining)
                .insert_header("X-HubSpot-RateLimit-Interval-Milliseconds", interval)
                .set_body_string(r#"{"id":"1"}"#)
        };
        for (id, answer) in [
            ("day", figures("1", "0", "86400000")),
            ("huge", figures("4294967295", "0", "10000")),
            ("zero", figures("0", "0", "10000")),
        ] {
            Mock::given(method("GET"))
                .and(path(format!("/crm/v3/objects/things/{id}")))
                .respond_with(answer)
                .mount(&server)
                .await;
        }
        let client = client(builder(&server.uri()));
        let recorder = capture::Recorder::default();
        let guard = tracing::subscriber::set_default(recorder.clone());
        for id in ["day", "huge", "zero", "day", "huge"] {
            if let Err(error) = client.test_get(id, None).await {
                panic!("{id}: {error}");
            }
        }
        drop(guard);
        let warnings: Vec<_> = recorder
            .events()
            .into_iter()
            .filter(|event| {
                event
                    .get("message")
                    .is_some_and(|message| message.contains("X-HubSpot-RateLimit figures"))
            })
            .collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(
            warnings[0].get("reason"),
            Some("X-HubSpot-RateLimit-Interval-Milliseconds 86400000 is not between 1 and 11000")
        );
        // None of it reached the limiter; the figures are still there to read, as sent.
        let debug = format!("{client:?}");
        assert!(debug.contains("max: 100, window: 10s"), "{debug}");
        assert_eq!(
            client.rate_limits().and_then(|figures| figures.max),
            Some(u32::MAX)
        );
        // Another client says it again: once per client, not once per process.
        let other = super::tests::client(builder(&server.uri()));
        let recorder = capture::Recorder::default();
        let guard = tracing::subscriber::set_default(recorder.clone());
        if let Err(error) = other.test_get("zero", None).await {
            panic!("{error}");
        }
        drop(guard);
        let said = recorder.events().iter().any(|event| {
            event
                .get("message")
                .is_some_and(|message| message.contains("X-HubSpot-RateLimit figures"))
        });
        assert!(said);
    }
}
