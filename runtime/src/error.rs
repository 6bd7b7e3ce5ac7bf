//! The errors a call returns, and the opaque [`Failure`] that generated code propagates
//! with `?`.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, COOKIE, HeaderMap, PROXY_AUTHORIZATION, SET_COOKIE};
use reqwest::{Method, StatusCode};

use crate::retry;

/// The most bytes of a response body a [`DecodeError`] keeps.
pub(crate) const BODY_SNIPPET_LIMIT: usize = 1024;

/// The most bytes of a response body an error's `Display` shows.
const DISPLAY_SNIPPET_LIMIT: usize = 200;

/// The most bytes of an error body's `message`, or of a `Location`, that an error's
/// `Display` shows: HubSpot's messages are a sentence or a list of properties, and a server
/// must not be able to make every log line of a call megabytes long.
const DISPLAY_TEXT_LIMIT: usize = 2048;

/// Why a call failed.
///
/// `E` is the document's error schema (the `default` response), which HubSpot answers with
/// when a request is rejected.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E = serde_json::Value> {
    /// HubSpot answered with a status the operation does not list as a success.
    Api(ApiError<E>),
    /// No answer came: the connection failed, an attempt timed out, or the connection broke
    /// while reading the body; after as many attempts as the retry policy allowed.
    Transport(TransportError),
    /// The call's overall deadline
    /// ([`ClientBuilder::deadline`](crate::ClientBuilder::deadline)) passed, or would have
    /// passed during the next wait, before a usable answer came.
    DeadlineExceeded(DeadlineError),
    /// The answer's body was larger than the client accepts
    /// ([`ClientBuilder::max_body_size`](crate::ClientBuilder::max_body_size)).
    BodyTooLarge(BodyTooLargeError),
    /// The answer was a redirect (a 3xx status), which HubSpot's API never sends: it was not
    /// followed, so the request went nowhere else, and it is not retried.
    Redirect(RedirectError),
    /// HubSpot answered with a success status, but the body does not match the expected type.
    Decode(DecodeError),
    /// The request body could not be serialized to JSON.
    Encode(serde_json::Error),
    /// The request could not be built, so nothing was sent: the client was made by
    /// [`Client::new`](crate::Client::new) with an empty or malformed token (or its HTTP
    /// client could not be created), or a path parameter was empty, `.` or `..`.
    Build(BuildError),
    /// No access token could be had for an attempt, which was therefore not sent: an OAuth
    /// refresh failed ([`OAuthRefresh`](crate::OAuthRefresh)), or the application's
    /// [`TokenProvider`](crate::TokenProvider) did.
    Auth(AuthError),
    /// The rate limiter could not let an attempt out, which was therefore not sent: e.g. a
    /// limiter shared through Redis lost Redis and is set to fail rather than wait
    /// ([`RateLimiter::try_acquire`](crate::RateLimiter::try_acquire)).
    RateLimiter(RateLimiterError),
}

impl<E> Error<E> {
    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Api(error) => Some(error.status()),
            Error::Decode(error) => Some(error.status()),
            Error::BodyTooLarge(error) => Some(error.status()),
            Error::Redirect(error) => Some(error.status()),
            Error::Transport(_) | Error::DeadlineExceeded(_) => None,
            Error::Encode(_) | Error::Build(_) | Error::Auth(_) => None,
            Error::RateLimiter(_) => None,
        }
    }

    /// How many attempts the call made (1 when it was not retried; 0 when nothing was sent;
    /// for [`Error::Auth`], the attempts sent before the one that got no token).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Api(error) => error.attempts(),
            Error::Transport(error) => error.attempts(),
            Error::DeadlineExceeded(error) => error.attempts(),
            Error::BodyTooLarge(error) => error.attempts(),
            Error::Redirect(error) => error.attempts(),
            Error::Decode(error) => error.attempts(),
            Error::Auth(error) => error.attempts(),
            Error::RateLimiter(error) => error.attempts(),
            Error::Encode(_) | Error::Build(_) => 0,
        }
    }

    /// Whether HubSpot refused the call because the account's daily limit is spent (a 429
    /// whose `policyName` is `DAILY`). Such a call is returned at once, never retried: no
    /// wait within reason lifts the limit.
    pub fn is_daily_limit(&self) -> bool {
        self.api().is_some_and(ApiError::is_daily_limit)
    }

    /// The API error, if HubSpot rejected the request.
    pub fn api(&self) -> Option<&ApiError<E>> {
        match self {
            Error::Api(error) => Some(error),
            _ => None,
        }
    }

    /// How long HubSpot asked to wait before trying again (the `Retry-After` header, in
    /// seconds or as a date), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(ApiError::retry_after)
    }
}

impl<E> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(error) => fmt::Display::fmt(error, f),
            Error::Transport(error) => fmt::Display::fmt(error, f),
            Error::DeadlineExceeded(error) => fmt::Display::fmt(error, f),
            Error::BodyTooLarge(error) => fmt::Display::fmt(error, f),
            Error::Redirect(error) => fmt::Display::fmt(error, f),
            Error::Decode(error) => fmt::Display::fmt(error, f),
            Error::Encode(error) => write!(f, "could not serialize the request body: {error}"),
            Error::Build(error) => fmt::Display::fmt(error, f),
            Error::Auth(error) => fmt::Display::fmt(error, f),
            Error::RateLimiter(error) => fmt::Display::fmt(error, f),
        }
    }
}

/// Each variant's `Display` already includes the wrapped error's message, so `source`
/// skips that error and returns its cause, to keep error chains free of repeats.
impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api(_) | Error::Decode(_) => None,
            Error::DeadlineExceeded(_) | Error::BodyTooLarge(_) | Error::Redirect(_) => None,
            Error::Transport(error) => std::error::Error::source(error),
            Error::Encode(error) => std::error::Error::source(error),
            Error::Build(error) => std::error::Error::source(error),
            Error::Auth(error) => std::error::Error::source(error),
            Error::RateLimiter(error) => std::error::Error::source(error),
        }
    }
}

impl<E> From<Failure> for Error<E> {
    fn from(failure: Failure) -> Self {
        match failure.kind {
            FailureKind::Transport(error) => Error::Transport(error),
            FailureKind::DeadlineExceeded(error) => Error::DeadlineExceeded(error),
            FailureKind::BodyTooLarge(error) => Error::BodyTooLarge(error),
            FailureKind::Redirect(error) => Error::Redirect(error),
            FailureKind::Decode(error) => Error::Decode(error),
            FailureKind::Encode(error) => Error::Encode(error),
            FailureKind::Build(error) => Error::Build(error),
            FailureKind::Auth(error) => Error::Auth(error),
            FailureKind::RateLimiter(error) => Error::RateLimiter(error),
        }
    }
}

/// A call that failed before the operation's error type is known (no answer, an answer too
/// large, redirected or undecodable, a request that could not be encoded or built). Called
/// by generated code, which turns it into an [`Error`] with `?`; opaque on purpose: its only
/// use is that conversion.
#[derive(Debug)]
pub struct Failure {
    pub(crate) kind: FailureKind,
}

impl From<FailureKind> for Failure {
    fn from(kind: FailureKind) -> Self {
        Failure { kind }
    }
}

/// Every way a call can fail before the operation's error type is known.
#[derive(Debug)]
pub(crate) enum FailureKind {
    Transport(TransportError),
    DeadlineExceeded(DeadlineError),
    BodyTooLarge(BodyTooLargeError),
    Redirect(RedirectError),
    Decode(DecodeError),
    Encode(serde_json::Error),
    Build(BuildError),
    Auth(AuthError),
    RateLimiter(RateLimiterError),
}

/// The body of an error answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorBody<E> {
    /// The body is JSON of the document's error schema.
    Decoded(E),
    /// The body is not of the error schema (an HTML page from a proxy, an empty body, ...):
    /// its text, with invalid UTF-8 replaced.
    Raw(String),
}

impl<E> ErrorBody<E> {
    /// The decoded body, if it matched the error schema.
    pub fn decoded(&self) -> Option<&E> {
        match self {
            ErrorBody::Decoded(body) => Some(body),
            ErrorBody::Raw(_) => None,
        }
    }

    /// The raw text, if the body did not match the error schema.
    pub fn raw(&self) -> Option<&str> {
        match self {
            ErrorBody::Decoded(_) => None,
            ErrorBody::Raw(text) => Some(text),
        }
    }
}

/// HubSpot answered with a status the operation does not list as a success.
///
/// Boxed inside so that `Result<T, Error<E>>` stays small. Its `Debug` output shows the
/// headers with cookie values hidden.
#[derive(Debug)]
pub struct ApiError<E> {
    inner: Box<ApiErrorInner<E>>,
}

#[derive(Debug)]
struct ApiErrorInner<E> {
    status: StatusCode,
    method: Method,
    path: String,
    /// Cookie and authorization values are marked sensitive: `Debug` hides them.
    headers: HeaderMap,
    body: ErrorBody<E>,
    /// The body as text when it decoded (when it did not, `body` holds the text): a JSON
    /// body from something other than HubSpot (a gateway, a proxy) can decode into an
    /// all-optional error schema and say nothing through it.
    decoded_text: Option<String>,
    message: Option<String>,
    correlation_id: Option<String>,
    daily_limit: bool,
    attempts: u32,
    /// Whether an attempt before this answer may have been applied (see
    /// [`Response::maybe_applied_earlier`](crate::codegen::Response)).
    maybe_applied_earlier: bool,
}

impl<E> ApiError<E> {
    /// Builds the error from an answer: the body is `Decoded` if it parses as `E`, else `Raw`.
    pub(crate) fn new(
        status: StatusCode,
        method: Method,
        path: String,
        mut headers: HeaderMap,
        body: &[u8],
        attempts: u32,
    ) -> Self
    where
        E: serde::de::DeserializeOwned,
    {
        // HubSpot's error bodies carry `message` and `correlationId`; read them without
        // knowing `E`, so that Display can show them whatever the error schema is.
        let common = serde_json::from_slice::<serde_json::Value>(body).ok();
        let field = |name: &str| {
            common
                .as_ref()
                .and_then(|value| value.get(name))
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        };
        let message = field("message");
        let correlation_id = field("correlationId");
        let raw = String::from_utf8_lossy(body).into_owned();
        let daily_limit = status == StatusCode::TOO_MANY_REQUESTS && retry::is_daily_limit(body);
        let (body, decoded_text) = match serde_json::from_slice::<E>(body) {
            Ok(decoded) => (ErrorBody::Decoded(decoded), Some(raw)),
            Err(_) => (ErrorBody::Raw(raw), None),
        };
        hide_secrets(&mut headers);
        ApiError {
            inner: Box::new(ApiErrorInner {
                status,
                method,
                path,
                headers,
                body,
                decoded_text,
                message,
                correlation_id,
                daily_limit,
                attempts,
                maybe_applied_earlier: false,
            }),
        }
    }

    /// The same error, saying whether an attempt before this answer may have been applied.
    pub(crate) fn after_earlier_attempts(mut self, maybe_applied: bool) -> Self {
        self.inner.maybe_applied_earlier = maybe_applied;
        self
    }

    /// Whether an attempt of the call before this answer may have been applied: it got no
    /// answer, or a 502, 503, 504 or 423 (not after 429s, which HubSpot did nothing with).
    pub(crate) fn maybe_applied_earlier(&self) -> bool {
        self.inner.maybe_applied_earlier
    }

    /// How many attempts the call made; more than 1 when it was retried before this answer.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// Whether this is HubSpot's daily limit: a 429 whose `policyName` is `DAILY`.
    pub fn is_daily_limit(&self) -> bool {
        self.inner.daily_limit
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The method of the request that was rejected.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request that was rejected, relative to the base URL, without the query.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The response headers, e.g. `X-HubSpot-RateLimit-Remaining`.
    pub fn headers(&self) -> &HeaderMap {
        &self.inner.headers
    }

    /// The response body.
    pub fn body(&self) -> &ErrorBody<E> {
        &self.inner.body
    }

    /// The response body, by value.
    pub fn into_body(self) -> ErrorBody<E> {
        self.inner.body
    }

    /// The body as the server sent it (as text), whether or not it decoded.
    pub fn raw_body(&self) -> &str {
        match (&self.inner.body, &self.inner.decoded_text) {
            (ErrorBody::Raw(text), _) => text,
            (ErrorBody::Decoded(_), Some(text)) => text,
            (ErrorBody::Decoded(_), None) => "",
        }
    }

    /// The `message` field of a JSON body, whatever `E` is.
    pub fn message(&self) -> Option<&str> {
        self.inner.message.as_deref()
    }

    /// The `correlationId` field of a JSON body, whatever `E` is: quote it to HubSpot support.
    pub fn correlation_id(&self) -> Option<&str> {
        self.inner.correlation_id.as_deref()
    }

    /// How long HubSpot asked to wait before trying again (the `Retry-After` header, in
    /// seconds or as a date), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        retry::retry_after_header(&self.inner.headers)
    }
}

impl<E> fmt::Display for ApiError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(
            f,
            "HubSpot answered {} to {} {}",
            inner.status, inner.method, inner.path
        )?;
        let raw = self.raw_body();
        match &inner.message {
            Some(message) => write!(f, ": {}", shortened(message))?,
            None if raw.trim().is_empty() => f.write_str(": empty body")?,
            // No `message`: show what the body does say, decoded or not.
            None => write_snippet(f, raw)?,
        }
        if let Some(id) = &inner.correlation_id {
            write!(f, " (correlation id {id})")?;
        }
        if inner.daily_limit {
            f.write_str(" (daily limit: not retried)")?;
        }
        write_attempts(f, inner.attempts)
    }
}

impl<E: fmt::Debug> std::error::Error for ApiError<E> {}

/// HubSpot answered with a success status, but the body does not match the expected type.
///
/// Boxed inside so that `Result<T, Error<E>>` stays small.
#[derive(Debug, Clone)]
pub struct DecodeError {
    inner: Box<DecodeErrorInner>,
}

#[derive(Debug, Clone)]
struct DecodeErrorInner {
    status: StatusCode,
    method: Method,
    request_path: String,
    path: String,
    message: String,
    body: String,
    body_truncated: bool,
    attempts: u32,
}

impl DecodeError {
    pub(crate) fn new(
        status: StatusCode,
        method: Method,
        request_path: String,
        path: String,
        error: serde_json::Error,
        body: &[u8],
        attempts: u32,
    ) -> Self {
        let message = error.to_string();
        let text = String::from_utf8_lossy(body);
        let snippet = truncate(&text, BODY_SNIPPET_LIMIT);
        DecodeError {
            inner: Box::new(DecodeErrorInner {
                status,
                method,
                request_path,
                path,
                message,
                body_truncated: snippet.len() < text.len(),
                body: snippet.to_owned(),
                attempts,
            }),
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request, relative to the base URL, without the query.
    pub fn request_path(&self) -> &str {
        &self.inner.request_path
    }

    /// Where in the body decoding failed, e.g. `results[3].createdAt`; `.` is the top level.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// What was wrong there, with line and column in the body.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The start of the body: at most 1 KiB, cut at a character boundary.
    pub fn body_snippet(&self) -> &str {
        &self.inner.body
    }

    /// Whether [`body_snippet`](Self::body_snippet) is shorter than the body.
    pub fn body_truncated(&self) -> bool {
        self.inner.body_truncated
    }

    /// How many attempts the call made before this answer.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(
            f,
            "could not decode the {} answer to {} {}: ",
            inner.status, inner.method, inner.request_path
        )?;
        if inner.path == "." {
            f.write_str("at the top level")?;
        } else {
            write!(f, "at `{}`", inner.path)?;
        }
        write!(f, ": {}", inner.message)?;
        write_snippet(f, &inner.body)
    }
}

impl std::error::Error for DecodeError {}

/// No usable answer came to a call: the connection could not be opened or broke, an
/// attempt timed out, or the body could not be read.
///
/// Boxed inside so that `Result<T, Error<E>>` stays small.
#[derive(Debug)]
pub struct TransportError {
    inner: Box<TransportErrorInner>,
}

#[derive(Debug)]
struct TransportErrorInner {
    kind: TransportErrorKind,
    method: Method,
    path: String,
    attempts: u32,
}

#[derive(Debug)]
pub(crate) enum TransportErrorKind {
    /// The attempt took longer than the per-attempt timeout.
    Timeout(Duration),
    /// reqwest failed: connecting, sending, or reading the body.
    Http(reqwest::Error),
}

impl TransportError {
    pub(crate) fn new(
        kind: TransportErrorKind,
        method: Method,
        path: String,
        attempts: u32,
    ) -> Self {
        TransportError {
            inner: Box::new(TransportErrorInner {
                kind,
                method,
                path,
                attempts,
            }),
        }
    }

    /// Whether the last attempt took longer than the per-attempt timeout
    /// ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout) or the connect timeout).
    pub fn is_timeout(&self) -> bool {
        match &self.inner.kind {
            TransportErrorKind::Timeout(_) => true,
            TransportErrorKind::Http(error) => error.is_timeout(),
        }
    }

    /// Whether the last attempt could not open a connection (nothing was sent).
    pub fn is_connect(&self) -> bool {
        match &self.inner.kind {
            TransportErrorKind::Timeout(_) => false,
            TransportErrorKind::Http(error) => error.is_connect(),
        }
    }

    /// The HTTP client's error, unless the attempt timed out.
    pub fn http_error(&self) -> Option<&reqwest::Error> {
        match &self.inner.kind {
            TransportErrorKind::Timeout(_) => None,
            TransportErrorKind::Http(error) => Some(error),
        }
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request, relative to the base URL, without the query.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// How many attempts the call made.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(f, "no answer to {} {}: ", inner.method, inner.path)?;
        match &inner.kind {
            TransportErrorKind::Timeout(timeout) => {
                write!(f, "the attempt took longer than {timeout:?}")?;
            }
            TransportErrorKind::Http(error) => write!(f, "{error}")?,
        }
        write_attempts(f, inner.attempts)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.inner.kind {
            TransportErrorKind::Timeout(_) => None,
            TransportErrorKind::Http(error) => Some(error),
        }
    }
}

/// A call's overall deadline passed before a usable answer came.
#[derive(Debug, Clone)]
pub struct DeadlineError {
    inner: Box<DeadlineErrorInner>,
}

#[derive(Debug, Clone)]
struct DeadlineErrorInner {
    deadline: Duration,
    method: Method,
    path: String,
    attempts: u32,
    last_failure: Option<String>,
    waiting_for_rate_limiter: bool,
}

impl DeadlineError {
    pub(crate) fn new(
        deadline: Duration,
        method: Method,
        path: String,
        attempts: u32,
        last_failure: Option<String>,
    ) -> Self {
        DeadlineError {
            inner: Box::new(DeadlineErrorInner {
                deadline,
                method,
                path,
                attempts,
                last_failure,
                waiting_for_rate_limiter: false,
            }),
        }
    }

    /// The same error, saying that the deadline passed while the call waited for the rate
    /// limiter.
    pub(crate) fn while_paced(mut self) -> Self {
        self.inner.waiting_for_rate_limiter = true;
        self
    }

    /// Whether the deadline passed while the call waited for the rate limiter to let an
    /// attempt out (the time spent there counts against the deadline).
    pub fn waiting_for_rate_limiter(&self) -> bool {
        self.inner.waiting_for_rate_limiter
    }

    /// The deadline that passed: the longest a call may take, retries and waits included.
    pub fn deadline(&self) -> Duration {
        self.inner.deadline
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request, relative to the base URL, without the query.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// How many attempts the call made (started ones included).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// How the last finished attempt failed (`HubSpot answered 503 Service Unavailable`), if
    /// one did.
    pub fn last_failure(&self) -> Option<&str> {
        self.inner.last_failure.as_deref()
    }
}

impl fmt::Display for DeadlineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(
            f,
            "{} {} did not succeed within its deadline of {:?}",
            inner.method, inner.path, inner.deadline
        )?;
        if inner.waiting_for_rate_limiter {
            f.write_str(", waiting for the rate limiter")?;
        }
        write_attempts(f, inner.attempts)?;
        if let Some(last) = &inner.last_failure {
            write!(f, "; last failure: {last}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DeadlineError {}

/// The rate limiter could not let an attempt of a call out, so that attempt was not sent
/// ([`RateLimiter::try_acquire`](crate::RateLimiter::try_acquire) failed): e.g. a limiter
/// shared through Redis lost Redis and is set to fail rather than wait.
///
/// Boxed inside so that `Result<T, Error<E>>` stays small.
#[derive(Debug)]
pub struct RateLimiterError {
    inner: Box<RateLimiterInner>,
}

#[derive(Debug)]
struct RateLimiterInner {
    cause: crate::AcquireError,
    method: Method,
    path: String,
    attempts: u32,
}

impl RateLimiterError {
    /// Made by the client when `RateLimiter::try_acquire` fails; `attempts` are those sent
    /// before.
    pub(crate) fn new(
        cause: crate::AcquireError,
        method: Method,
        path: String,
        attempts: u32,
    ) -> Self {
        RateLimiterError {
            inner: Box::new(RateLimiterInner {
                cause,
                method,
                path,
                attempts,
            }),
        }
    }

    /// What the rate limiter said.
    pub fn cause(&self) -> &crate::AcquireError {
        &self.inner.cause
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request, relative to the base URL, without the query.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// How many attempts the call sent before the rate limiter failed (0 when it failed
    /// before the first).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
}

impl fmt::Display for RateLimiterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(
            f,
            "{} {} was not sent: the rate limiter failed: {}",
            inner.method, inner.path, inner.cause
        )?;
        if inner.attempts > 0 {
            write!(f, " (after {} attempts sent)", inner.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for RateLimiterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner.cause)
    }
}

/// An answer's body was larger than the client accepts.
#[derive(Debug, Clone)]
pub struct BodyTooLargeError {
    inner: Box<BodyTooLargeInner>,
}

#[derive(Debug, Clone)]
struct BodyTooLargeInner {
    status: StatusCode,
    method: Method,
    path: String,
    limit: usize,
    attempts: u32,
}

impl BodyTooLargeError {
    pub(crate) fn new(
        status: StatusCode,
        method: Method,
        path: String,
        limit: usize,
        attempts: u32,
    ) -> Self {
        BodyTooLargeError {
            inner: Box::new(BodyTooLargeInner {
                status,
                method,
                path,
                limit,
                attempts,
            }),
        }
    }

    /// The HTTP status of the answer.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request, relative to the base URL, without the query.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// The most bytes of body the client accepts.
    pub fn limit(&self) -> usize {
        self.inner.limit
    }

    /// How many attempts the call made.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
}

impl fmt::Display for BodyTooLargeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(
            f,
            "the {} answer to {} {} has a body larger than {} bytes, the most this client \
             accepts (ClientBuilder::max_body_size)",
            inner.status, inner.method, inner.path, inner.limit
        )
    }
}

impl std::error::Error for BodyTooLargeError {}

/// The answer was a redirect, which HubSpot's API never sends; or an HTTP client given to
/// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) followed one, and the
/// answer came from another URL than the one asked.
///
/// A redirect is not followed: the request (its body and the access token) goes to the base
/// URL's host and nowhere else, and a `303`/`302` cannot turn a write into a read whose
/// `200` would look like success. It is not retried either: the same request would get the
/// same answer. A redirect means the base URL is wrong, or something between the client and
/// HubSpot (a proxy, a captive portal) is answering in its place.
///
/// Boxed inside so that `Result<T, Error<E>>` stays small.
#[derive(Debug, Clone)]
pub struct RedirectError {
    inner: Box<RedirectInner>,
}

#[derive(Debug, Clone)]
struct RedirectInner {
    status: StatusCode,
    location: Option<String>,
    followed: bool,
    method: Method,
    path: String,
    attempts: u32,
}

impl RedirectError {
    /// A 3xx answer, not followed; `location` is its `Location` header, if it had one.
    pub(crate) fn new(
        status: StatusCode,
        location: Option<String>,
        method: Method,
        path: String,
        attempts: u32,
    ) -> Self {
        RedirectError {
            inner: Box::new(RedirectInner {
                status,
                location,
                followed: false,
                method,
                path,
                attempts,
            }),
        }
    }

    /// An answer of `status` that came from `url`, not from the URL asked: the HTTP client
    /// followed a redirect there.
    pub(crate) fn followed(
        status: StatusCode,
        url: String,
        method: Method,
        path: String,
        attempts: u32,
    ) -> Self {
        let mut error = RedirectError::new(status, Some(url), method, path, attempts);
        error.inner.followed = true;
        error
    }

    /// The status of the answer: the redirect's (`307 Temporary Redirect`), or, when the HTTP
    /// client followed it, the final answer's.
    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// Where the answer pointed: its `Location` header as sent (invalid UTF-8 replaced), if
    /// it had one; or, when the HTTP client followed it, the URL the answer came from.
    pub fn location(&self) -> Option<&str> {
        self.inner.location.as_deref()
    }

    /// Whether the HTTP client followed the redirect (only a client given to
    /// [`ClientBuilder::http_client`](crate::ClientBuilder::http_client) can): the request
    /// then reached [`location`](Self::location), and the answer from there was not used.
    pub fn was_followed(&self) -> bool {
        self.inner.followed
    }

    /// The method of the request.
    pub fn method(&self) -> &Method {
        &self.inner.method
    }

    /// The path of the request, relative to the base URL, without the query.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// How many attempts the call made.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        let location = inner.location.as_deref().map(shortened);
        if inner.followed {
            write!(
                f,
                "the answer to {} {} came from `{}` ({}): the HTTP client followed a \
                 redirect, which HubSpot's API never sends; the answer is not used \
                 (build the client given to ClientBuilder::http_client with \
                 redirect::Policy::none())",
                inner.method,
                inner.path,
                location.unwrap_or_default(),
                inner.status
            )?;
        } else {
            write!(
                f,
                "the server answered {} to {} {}, a redirect ",
                inner.status, inner.method, inner.path
            )?;
            match location {
                Some(location) => write!(f, "to `{location}`")?,
                None => f.write_str("without a Location")?,
            }
            f.write_str(
                ", which HubSpot's API never sends: not followed, not retried \
                 (is the base URL right?)",
            )?;
        }
        write_attempts(f, inner.attempts)
    }
}

impl std::error::Error for RedirectError {}

/// No access token could be had for an attempt of a call, so that attempt was not sent: an
/// OAuth refresh failed at the token endpoint, or a [`TokenProvider`](crate::TokenProvider)
/// of the application's failed.
///
/// It never holds a secret: not the access token, the refresh token nor the client secret
/// (a message from the token endpoint is cleared of them before it is kept). Cheap to clone:
/// every caller that waited for one failed refresh gets the same error.
#[derive(Debug, Clone)]
pub struct AuthError {
    kind: Arc<AuthErrorKind>,
    /// The call that needed the token, once the client has said which.
    request: Option<Arc<AuthRequest>>,
}

/// The call an [`AuthError`] stopped.
#[derive(Debug)]
struct AuthRequest {
    method: Method,
    path: String,
    /// The attempts sent before the one that got no token.
    attempts: u32,
}

/// What the token endpoint answered when it did not give a token.
#[derive(Debug)]
pub(crate) struct EndpointAnswer {
    /// The token URL, e.g. `https://api.hubapi.com/oauth/v1/token`.
    pub(crate) url: String,
    pub(crate) status: StatusCode,
    /// HubSpot's error code (`status` of its OAuth error body, e.g. `BAD_REFRESH_TOKEN`, or
    /// the `error` of the OAuth 2.0 standard's body).
    pub(crate) code: Option<String>,
    /// The body's `message` (or `error_description`), cleared of secrets and shortened.
    pub(crate) message: Option<String>,
    pub(crate) correlation_id: Option<String>,
}

/// Every way of getting no token.
#[derive(Debug)]
pub(crate) enum AuthErrorKind {
    /// The token endpoint refused the refresh (a status other than 429 and 5xx): the
    /// credentials are wrong or were revoked, and repeating cannot help.
    Refused(EndpointAnswer),
    /// The token endpoint answered 429 or 5xx, this many times.
    Unavailable(EndpointAnswer, u32),
    /// No answer from the token endpoint (connection, timeout), this many times.
    Transport {
        url: String,
        error: Arc<reqwest::Error>,
        tries: u32,
    },
    /// The token endpoint answered with a success status but no usable token (says what is
    /// wrong, never with the body's values), this many times.
    BadAnswer {
        url: String,
        status: StatusCode,
        reason: String,
        tries: u32,
    },
    /// The token a provider gave cannot be sent in an HTTP header.
    UnsendableToken,
    /// A provider of the application's failed; its message.
    Provider(String),
}

impl AuthError {
    /// An error of an application's own [`TokenProvider`](crate::TokenProvider): `message`
    /// says what went wrong (never put the token in it).
    pub fn new(message: impl Into<String>) -> AuthError {
        AuthError::from(AuthErrorKind::Provider(message.into()))
    }

    /// The same error, naming the call that needed the token and the attempts it had sent.
    pub(crate) fn during(&self, method: Method, path: String, attempts: u32) -> AuthError {
        AuthError {
            kind: Arc::clone(&self.kind),
            request: Some(Arc::new(AuthRequest {
                method,
                path,
                attempts,
            })),
        }
    }

    /// Whether an OAuth refresh failed (rather than an application's provider).
    pub fn is_oauth(&self) -> bool {
        !matches!(
            *self.kind,
            AuthErrorKind::Provider(_) | AuthErrorKind::UnsendableToken
        )
    }

    /// Whether the token endpoint refused the refresh outright (a status other than 429 and
    /// 5xx: a wrong client id or secret, a refresh token revoked when the app was
    /// uninstalled). [`OAuthRefresh`](crate::OAuthRefresh) then gives this same error to
    /// every later call without asking again: the app must be authorized anew.
    pub fn is_refused(&self) -> bool {
        matches!(*self.kind, AuthErrorKind::Refused(_))
    }

    fn answer(&self) -> Option<&EndpointAnswer> {
        match &*self.kind {
            AuthErrorKind::Refused(answer) | AuthErrorKind::Unavailable(answer, _) => Some(answer),
            _ => None,
        }
    }

    /// The status the token endpoint answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match &*self.kind {
            AuthErrorKind::BadAnswer { status, .. } => Some(*status),
            _ => self.answer().map(|answer| answer.status),
        }
    }

    /// The token endpoint's error code, e.g. `BAD_REFRESH_TOKEN`, if its answer had one.
    pub fn code(&self) -> Option<&str> {
        self.answer().and_then(|answer| answer.code.as_deref())
    }

    /// The token endpoint's message (or a provider's), if there was one.
    pub fn message(&self) -> Option<&str> {
        match &*self.kind {
            AuthErrorKind::Provider(message) => Some(message),
            _ => self.answer().and_then(|answer| answer.message.as_deref()),
        }
    }

    /// The `correlationId` of the token endpoint's answer, if it had one.
    pub fn correlation_id(&self) -> Option<&str> {
        self.answer()
            .and_then(|answer| answer.correlation_id.as_deref())
    }

    /// The method of the call that got no token, once the client has said.
    pub fn method(&self) -> Option<&Method> {
        self.request.as_ref().map(|request| &request.method)
    }

    /// The path of the call that got no token, relative to the base URL, without the query.
    pub fn path(&self) -> Option<&str> {
        self.request.as_ref().map(|request| request.path.as_str())
    }

    /// How many attempts of the call were sent before the one that got no token (0 when the
    /// call sent nothing).
    pub fn attempts(&self) -> u32 {
        self.request.as_ref().map_or(0, |request| request.attempts)
    }
}

impl From<AuthErrorKind> for AuthError {
    fn from(kind: AuthErrorKind) -> Self {
        AuthError {
            kind: Arc::new(kind),
            request: None,
        }
    }
}

/// Writes what the token endpoint answered: URL, status, code, message, correlation id.
fn write_answer(f: &mut fmt::Formatter<'_>, answer: &EndpointAnswer) -> fmt::Result {
    write!(f, "{} answered {}", answer.url, answer.status)?;
    match (&answer.code, &answer.message) {
        (Some(code), Some(message)) => write!(f, ": {code}: {message}")?,
        (Some(text), None) | (None, Some(text)) => write!(f, ": {text}")?,
        (None, None) => {}
    }
    if let Some(id) = &answer.correlation_id {
        write!(f, " (correlation id {id})")?;
    }
    Ok(())
}

/// Writes ` (tried N times)` when the token endpoint was asked more than once.
fn write_tries(f: &mut fmt::Formatter<'_>, tries: u32) -> fmt::Result {
    if tries > 1 {
        write!(f, " (tried {tries} times)")?;
    }
    Ok(())
}

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(request) = &self.request {
            write!(f, "no access token for {} {}", request.method, request.path)?;
            if request.attempts > 0 {
                write!(f, " (after {} attempts sent)", request.attempts)?;
            }
            f.write_str(": ")?;
        }
        match &*self.kind {
            AuthErrorKind::Refused(answer) => {
                f.write_str("OAuth token refresh refused: ")?;
                write_answer(f, answer)?;
                f.write_str(
                    "; not tried again: check the client id and secret, or authorize the app \
                     anew for a new refresh token",
                )
            }
            AuthErrorKind::Unavailable(answer, tries) => {
                f.write_str("OAuth token refresh failed: ")?;
                write_answer(f, answer)?;
                write_tries(f, *tries)
            }
            AuthErrorKind::Transport { url, error, tries } => {
                write!(
                    f,
                    "OAuth token refresh failed: no answer from {url}: {error}"
                )?;
                write_tries(f, *tries)
            }
            AuthErrorKind::BadAnswer {
                url,
                status,
                reason,
                tries,
            } => {
                write!(
                    f,
                    "OAuth token refresh failed: the {status} answer of {url} {reason}"
                )?;
                write_tries(f, *tries)
            }
            AuthErrorKind::UnsendableToken => f.write_str(
                "the token provider gave an access token that cannot be sent in an HTTP header",
            ),
            AuthErrorKind::Provider(message) => write!(f, "the token provider failed: {message}"),
        }
    }
}

impl std::error::Error for AuthError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            AuthErrorKind::Transport { error, .. } => Some(&**error),
            _ => None,
        }
    }
}

/// `text`, cut to [`DISPLAY_TEXT_LIMIT`] bytes with an ellipsis when it is longer.
pub(crate) fn shortened(text: &str) -> std::borrow::Cow<'_, str> {
    let cut = truncate(text, DISPLAY_TEXT_LIMIT);
    if cut.len() < text.len() {
        std::borrow::Cow::Owned(format!("{cut}…"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// Writes ` (after N attempts)` when the call was retried.
fn write_attempts(f: &mut fmt::Formatter<'_>, attempts: u32) -> fmt::Result {
    if attempts > 1 {
        write!(f, " (after {attempts} attempts)")?;
    }
    Ok(())
}

/// Marks the values of headers that can carry credentials as sensitive, so that `Debug`
/// shows `Sensitive` in their place.
pub(crate) fn hide_secrets(headers: &mut HeaderMap) {
    for name in [SET_COOKIE, COOKIE, AUTHORIZATION, PROXY_AUTHORIZATION] {
        if let reqwest::header::Entry::Occupied(mut entry) = headers.entry(name) {
            for value in entry.iter_mut() {
                value.set_sensitive(true);
            }
        }
    }
}

/// What is wrong with a client's configuration, or with a request being built.
#[derive(Debug, Clone)]
pub struct BuildError {
    kind: BuildErrorKind,
}

#[derive(Debug, Clone)]
pub(crate) enum BuildErrorKind {
    /// No token, or an empty one.
    MissingToken,
    /// The token cannot be sent in a header. Never holds the token.
    InvalidToken,
    /// The base URL is unusable; says why.
    InvalidBaseUrl(String),
    /// The user agent cannot be sent in a header; says why.
    InvalidUserAgent(String),
    /// reqwest could not create its client (TLS backend, resolver).
    HttpClient(Arc<reqwest::Error>),
    /// A path parameter made an empty, `.` or `..` segment; holds the request path.
    InvalidPathSegment(String),
    /// An OAuth credential is empty: `client id`, `client secret` or `refresh token`.
    MissingOAuthCredential(&'static str),
    /// The OAuth token URL is unusable; says why (never holds a secret: the URL has none).
    InvalidTokenUrl(String),
}

impl BuildError {
    pub(crate) fn new(kind: BuildErrorKind) -> Self {
        BuildError { kind }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BuildErrorKind::MissingToken => f.write_str(
                "no access token: set one with Client::new(token), ClientBuilder::token or \
                 ClientBuilder::token_provider",
            ),
            BuildErrorKind::InvalidToken => f.write_str(
                "the access token contains characters that cannot be sent in an HTTP header",
            ),
            BuildErrorKind::InvalidBaseUrl(reason) => write!(f, "invalid base URL: {reason}"),
            BuildErrorKind::InvalidUserAgent(reason) => write!(f, "invalid user agent: {reason}"),
            BuildErrorKind::HttpClient(error) => {
                write!(f, "could not create the HTTP client: {error}")
            }
            BuildErrorKind::InvalidPathSegment(path) => write!(
                f,
                "request path `{path}` has an empty, `.` or `..` segment: \
                 a path parameter must not be empty, `.` or `..`"
            ),
            BuildErrorKind::MissingOAuthCredential(what) => write!(
                f,
                "the OAuth {what} is empty: OAuthRefresh::builder needs the app's client id \
                 and client secret and the refresh token of the account's installation"
            ),
            BuildErrorKind::InvalidTokenUrl(reason) => {
                write!(f, "invalid OAuth token URL: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            BuildErrorKind::HttpClient(error) => std::error::Error::source(&**error),
            _ => None,
        }
    }
}

/// The longest prefix of `text` of at most `limit` bytes that ends at a character boundary.
pub(crate) fn truncate(text: &str, limit: usize) -> &str {
    if text.len() <= limit {
        return text;
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Writes `: body `<start of text>`` for an error message.
fn write_snippet(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    let snippet = truncate(text, DISPLAY_SNIPPET_LIMIT);
    let ellipsis = if snippet.len() < text.len() {
        "…"
    } else {
        ""
    };
    write!(f, "; body: `{snippet}{ellipsis}`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct HubSpotError {
        message: String,
        category: String,
    }

    fn api_error(status: u16, body: &str) -> ApiError<HubSpotError> {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT);
        ApiError::new(
            status,
            Method::POST,
            "/crm/v3/objects/things/batch/upsert".to_owned(),
            HeaderMap::new(),
            body.as_bytes(),
            1,
        )
    }

    #[test]
    fn error_body_is_decoded_when_it_matches_the_schema() {
        let error = api_error(
            400,
            r#"{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR","correlationId":"abc-123"}"#,
        );
        assert_eq!(
            error.body().decoded(),
            Some(&HubSpotError {
                message: "Property values were not valid".to_owned(),
                category: "VALIDATION_ERROR".to_owned(),
            })
        );
        assert_eq!(error.correlation_id(), Some("abc-123"));
        assert_eq!(
            error.to_string(),
            "HubSpot answered 400 Bad Request to POST /crm/v3/objects/things/batch/upsert: \
             Property values were not valid (correlation id abc-123)"
        );
    }

    #[test]
    fn a_decoded_body_without_message_still_shows_its_text() {
        // A proxy's problem+json decodes into an all-optional schema and says nothing there.
        #[derive(Debug, serde::Deserialize)]
        struct Lenient {
            #[allow(dead_code)]
            message: Option<String>,
        }
        let body = r#"{"type":"https://stoplight.io/prism/errors#VIOLATIONS","title":"Request/Response not valid"}"#;
        let error: ApiError<Lenient> = ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            Method::GET,
            "/x".to_owned(),
            HeaderMap::new(),
            body.as_bytes(),
            1,
        );
        assert!(error.body().decoded().is_some());
        assert_eq!(error.raw_body(), body);
        assert!(
            error.to_string().contains("Request/Response not valid"),
            "{error}"
        );
    }

    #[test]
    fn error_body_is_raw_when_it_does_not_match() {
        // JSON, but without the schema's required `category`: Raw, yet the message is shown.
        let error = api_error(400, r#"{"message":"nope"}"#);
        assert_eq!(error.body().raw(), Some(r#"{"message":"nope"}"#));
        assert!(error.to_string().ends_with(": nope"), "{error}");

        let error = api_error(502, "<html>Bad gateway</html>");
        assert_eq!(error.body().raw(), Some("<html>Bad gateway</html>"));
        assert!(
            error
                .to_string()
                .ends_with("; body: `<html>Bad gateway</html>`"),
            "{error}"
        );

        let error = api_error(503, "");
        assert_eq!(error.body().raw(), Some(""));
        assert!(error.to_string().ends_with(": empty body"), "{error}");
    }

    #[test]
    fn retry_after_reads_seconds() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("7"));
        let error: Error<serde_json::Value> = Error::Api(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Method::GET,
            "/x".to_owned(),
            headers,
            b"{}",
            1,
        ));
        assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
        assert!(api_error(500, "").retry_after().is_none());
    }

    #[test]
    fn debug_hides_cookies_and_the_body_is_kept_once() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "set-cookie",
            HeaderValue::from_static("__cf_bm=secret-cookie-value; HttpOnly"),
        );
        headers.append(
            "set-cookie",
            HeaderValue::from_static("other=second-secret"),
        );
        headers.insert("x-hubspot-correlation-id", HeaderValue::from_static("c-1"));
        let body = "<html>Bad gateway, unique-marker</html>";
        let error: Error<serde_json::Value> = Error::Api(ApiError::new(
            StatusCode::BAD_GATEWAY,
            Method::GET,
            "/x".to_owned(),
            headers,
            body.as_bytes(),
            3,
        ));
        let debug = format!("{error:?} {error:#?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("Sensitive"), "{debug}");
        assert!(debug.contains("c-1"), "{debug}");
        // Once in `{:?}`, once in `{:#?}`: the body is not stored twice.
        assert_eq!(debug.matches("unique-marker").count(), 2, "{debug}");
        assert_eq!(error.attempts(), 3);
        assert!(error.to_string().ends_with("(after 3 attempts)"), "{error}");
        // The values are still there for whoever reads them on purpose.
        let Error::Api(api) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(api.headers().get_all("set-cookie").iter().count(), 2);
    }

    #[test]
    fn daily_limit_is_recognised_and_said() {
        let body = r#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;
        let error: Error<serde_json::Value> = Error::Api(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            Method::GET,
            "/x".to_owned(),
            HeaderMap::new(),
            body.as_bytes(),
            1,
        ));
        assert!(error.is_daily_limit());
        assert_eq!(error.attempts(), 1);
        assert!(
            error.to_string().contains("daily limit: not retried"),
            "{error}"
        );
        let rolling = body.replace("DAILY", "TEN_SECONDLY_ROLLING");
        let error = api_error(429, &rolling);
        assert!(!error.is_daily_limit());
        // The same body with another status is not a rate limit at all.
        assert!(!api_error(400, body).is_daily_limit());
    }

    #[test]
    fn transport_deadline_and_size_errors_say_what_and_how_often() {
        let timeout = TransportError::new(
            TransportErrorKind::Timeout(Duration::from_secs(30)),
            Method::GET,
            "/crm/v3/objects/things/1".to_owned(),
            4,
        );
        assert!(timeout.is_timeout() && !timeout.is_connect());
        assert_eq!(
            timeout.to_string(),
            "no answer to GET /crm/v3/objects/things/1: the attempt took longer than 30s \
             (after 4 attempts)"
        );
        let deadline = DeadlineError::new(
            Duration::from_secs(5),
            Method::POST,
            "/crm/v3/objects/things".to_owned(),
            2,
            Some("HubSpot answered 503 Service Unavailable".to_owned()),
        );
        assert_eq!(
            deadline.to_string(),
            "POST /crm/v3/objects/things did not succeed within its deadline of 5s \
             (after 2 attempts); last failure: HubSpot answered 503 Service Unavailable"
        );
        let large: Error<serde_json::Value> = Error::BodyTooLarge(BodyTooLargeError::new(
            StatusCode::OK,
            Method::GET,
            "/x".to_owned(),
            1024,
            1,
        ));
        assert_eq!(large.status(), Some(StatusCode::OK));
        assert!(
            large.to_string().contains("larger than 1024 bytes"),
            "{large}"
        );
    }

    #[test]
    fn redirect_errors_say_the_status_the_location_and_what_to_do() {
        let refused = RedirectError::new(
            StatusCode::TEMPORARY_REDIRECT,
            Some("http://203.0.113.7/collect".to_owned()),
            Method::POST,
            "/crm/v3/objects/things/batch/upsert".to_owned(),
            1,
        );
        assert_eq!(
            refused.to_string(),
            "the server answered 307 Temporary Redirect to POST \
             /crm/v3/objects/things/batch/upsert, a redirect to `http://203.0.113.7/collect`, \
             which HubSpot's API never sends: not followed, not retried (is the base URL right?)"
        );
        let followed = RedirectError::followed(
            StatusCode::OK,
            "http://127.0.0.1:9/elsewhere".to_owned(),
            Method::POST,
            "/x".to_owned(),
            2,
        );
        assert!(followed.was_followed());
        assert_eq!(
            followed.to_string(),
            "the answer to POST /x came from `http://127.0.0.1:9/elsewhere` (200 OK): the HTTP \
             client followed a redirect, which HubSpot's API never sends; the answer is not used \
             (build the client given to ClientBuilder::http_client with \
             redirect::Policy::none()) (after 2 attempts)"
        );
        // A Location of megabytes is shortened in the message, kept whole for who asks.
        let long = format!("http://example.test/{}", "a".repeat(1 << 20));
        let error: Error = Error::Redirect(RedirectError::new(
            StatusCode::FOUND,
            Some(long.clone()),
            Method::GET,
            "/x".to_owned(),
            1,
        ));
        assert!(
            error.to_string().len() < 2 * DISPLAY_TEXT_LIMIT,
            "{}",
            error.to_string().len()
        );
        assert_eq!(error.status(), Some(StatusCode::FOUND));
        assert_eq!(error.attempts(), 1);
        let Error::Redirect(redirect) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(redirect.location(), Some(long.as_str()));
    }

    #[test]
    fn truncate_stops_at_a_char_boundary() {
        assert_eq!(truncate("abc", 10), "abc");
        assert_eq!(truncate("abcdef", 3), "abc");
        // 'é' is two bytes: a limit that falls inside it drops it whole.
        assert_eq!(truncate("aé", 2), "a");
        let long = "€".repeat(1000);
        let cut = truncate(&long, BODY_SNIPPET_LIMIT);
        assert!(cut.len() <= BODY_SNIPPET_LIMIT && cut.len() > BODY_SNIPPET_LIMIT - 3);
    }
}
