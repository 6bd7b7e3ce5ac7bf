//! Authentication: where the bearer token of each attempt comes from.
//!
//! The client asks its [`TokenProvider`] for a [`Token`] before every attempt and sends it as
//! `Authorization: Bearer <token>`. [`StaticToken`] always gives the same one (a private app's
//! access token: what [`ClientBuilder::token`](crate::ClientBuilder::token) sets up).
//! [`OAuthRefresh`] holds an OAuth app's refresh token and gets access tokens from HubSpot's
//! token endpoint as they run out.
//!
//! HubSpot asks apps to track each access token's `expires_in` and refresh ahead of it, and
//! says a 401 alone is no sign that a new token is needed. So [`OAuthRefresh`] refreshes when
//! less than a margin of the lifetime remains, and only a 401 whose category is
//! `EXPIRED_AUTHENTICATION` makes the client report the token expired
//! ([`TokenProvider::token_expired`]): then one refresh, and one more try of that attempt.
//!
//! Secrets are wrapped in [`Token`], whose `Debug` prints `Token(***)`; no error, trace or
//! `Debug` output of this crate holds one.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::future::{FutureExt, Shared};
use reqwest::header::{ACCEPT, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::Value;
use tokio::time::Instant;

use crate::client::millis;
use crate::codegen::BoxFuture;
use crate::error::{AuthError, AuthErrorKind, BuildError, BuildErrorKind, EndpointAnswer};

/// HubSpot's OAuth token endpoint, where [`OAuthRefresh`] refreshes unless
/// [`OAuthRefreshBuilder::token_url`] says otherwise.
pub const DEFAULT_TOKEN_URL: &str = "https://api.hubapi.com/oauth/v1/token";

/// The lifetime assumed when the token endpoint's `expires_in` is missing or not a positive
/// number: HubSpot's documented 30 minutes (an `EXPIRED_AUTHENTICATION` 401 corrects a wrong
/// guess).
const ASSUMED_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// The longest lifetime believed from an `expires_in`: a day, so that no figure a server
/// sends can keep a token in use for ever (or overflow an instant).
const LONGEST_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// The largest default refresh margin: HubSpot's access tokens live 30 minutes, and five
/// minutes ahead leaves room for slow networks and skewed clocks.
const LARGEST_DEFAULT_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long one request to the token endpoint may take, unless
/// [`OAuthRefreshBuilder::timeout`] says.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// How many requests one refresh makes at most when the token endpoint is unavailable (429,
/// 5xx, no answer, an unusable answer), the first included.
const TRIES: u32 = 3;

/// The wait before the second request of a refresh; it doubles for the third.
const FIRST_BACKOFF: Duration = Duration::from_millis(250);

/// After a refresh failed for a passing reason while the access token is still valid, that
/// token is used for this long before a refresh is tried again.
const HOLD_AFTER_FAILURE: Duration = Duration::from_secs(10);

/// The largest token endpoint answer read: its JSON is a few hundred bytes.
const LARGEST_ANSWER: usize = 64 * 1024;

/// The most bytes of the token endpoint's message an error keeps.
const LONGEST_MESSAGE: usize = 512;

/// A secret: an access token, a refresh token or a client secret. Its `Debug` output is
/// `Token(***)` and it has no `Display`: read it with [`secret`](Token::secret), where it is
/// meant to go.
#[derive(Clone)]
pub struct Token(Arc<str>);

impl Token {
    /// Wraps a secret, as given.
    pub fn new(secret: impl Into<String>) -> Token {
        Token(Arc::from(secret.into()))
    }

    /// The secret itself.
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// `Bearer <token>`, marked sensitive.
    pub(crate) fn authorization(&self) -> Result<HeaderValue, AuthError> {
        let mut value = HeaderValue::from_str(&format!("Bearer {}", self.secret()))
            .map_err(|_| AuthError::from(AuthErrorKind::UnsendableToken))?;
        value.set_sensitive(true);
        Ok(value)
    }

    /// Whether both hold the same secret.
    fn same(&self, other: &Token) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where a [`Client`](crate::Client) gets the bearer token of each attempt; set with
/// [`ClientBuilder::token_provider`](crate::ClientBuilder::token_provider).
///
/// [`token`](Self::token) is called before every attempt, so it should answer at once while
/// it holds a good token. Implementations are shared by every clone of the client: one that
/// fetches tokens should let one fetch serve every caller waiting for it. Its `Debug` output
/// must not show a secret.
///
/// ```
/// use hubspot_runtime::codegen::BoxFuture;
/// use hubspot_runtime::{AuthError, Token, TokenProvider};
///
/// /// The token an operator put in the environment.
/// #[derive(Debug)]
/// struct FromEnvironment;
///
/// impl TokenProvider for FromEnvironment {
///     fn token(&self) -> BoxFuture<'_, Result<Token, AuthError>> {
///         Box::pin(async {
///             std::env::var("HUBSPOT_TOKEN")
///                 .map(Token::new)
///                 .map_err(|_| AuthError::new("HUBSPOT_TOKEN is not set"))
///         })
///     }
/// }
///
/// let client = hubspot_runtime::Client::builder()
///     .token_provider(FromEnvironment)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), hubspot_runtime::BuildError>(())
/// ```
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// The token for the next attempt. An error fails the call with
    /// [`Error::Auth`](crate::Error::Auth), without sending the attempt.
    fn token(&self) -> BoxFuture<'_, Result<Token, AuthError>>;

    /// HubSpot answered an attempt made with `rejected` 401 with the category
    /// `EXPIRED_AUTHENTICATION`. Returns whether [`token`](Self::token) can give a newer one:
    /// then the client makes that attempt once more (once per call), else the 401 is the
    /// call's answer. By default `false`.
    fn token_expired(&self, rejected: &Token) -> bool {
        let _ = rejected;
        false
    }
}

impl<P: TokenProvider + ?Sized> TokenProvider for Arc<P> {
    fn token(&self) -> BoxFuture<'_, Result<Token, AuthError>> {
        (**self).token()
    }

    fn token_expired(&self, rejected: &Token) -> bool {
        (**self).token_expired(rejected)
    }
}

/// The same token for every attempt: a private app's access token (what
/// [`ClientBuilder::token`](crate::ClientBuilder::token) and
/// [`Client::new`](crate::Client::new) set up), or an OAuth access token the application
/// refreshes itself.
#[derive(Clone)]
pub struct StaticToken {
    token: Token,
}

impl StaticToken {
    /// The provider of `token`; surrounding whitespace, such as the newline at the end of a
    /// file, is dropped.
    pub fn new(token: impl Into<String>) -> StaticToken {
        let token = token.into();
        StaticToken {
            token: Token::new(token.trim()),
        }
    }
}

impl StaticToken {
    /// The token.
    pub(crate) fn get(&self) -> &Token {
        &self.token
    }
}

impl fmt::Debug for StaticToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StaticToken(***)")
    }
}

impl TokenProvider for StaticToken {
    fn token(&self) -> BoxFuture<'_, Result<Token, AuthError>> {
        let token = match self.token.secret().is_empty() {
            true => Err(AuthError::new("the static access token is empty")),
            false => Ok(self.token.clone()),
        };
        Box::pin(std::future::ready(token))
    }
}

/// What one OAuth refresh brought, as handed to [`OAuthRefreshBuilder::on_refresh`].
#[derive(Debug, Clone)]
pub struct NewTokens {
    access_token: Token,
    refresh_token: Token,
    refresh_token_changed: bool,
    expires_in: Duration,
}

impl NewTokens {
    /// The new access token.
    pub fn access_token(&self) -> &Token {
        &self.access_token
    }

    /// The refresh token to use from now on: the one the token endpoint sent, or the one
    /// used when it sent none. Store it where the application keeps its credentials.
    pub fn refresh_token(&self) -> &Token {
        &self.refresh_token
    }

    /// Whether the token endpoint sent a refresh token other than the one used.
    pub fn refresh_token_changed(&self) -> bool {
        self.refresh_token_changed
    }

    /// The access token's lifetime as the token endpoint gave it (`expires_in`; 30 minutes
    /// when it gave none that makes sense, at most a day).
    pub fn expires_in(&self) -> Duration {
        self.expires_in
    }
}

/// The callback of [`OAuthRefreshBuilder::on_refresh`].
type RefreshCallback = dyn Fn(&NewTokens) + Send + Sync;

/// One refresh, shared by every caller waiting for it.
type Refresh = Shared<BoxFuture<'static, Result<Token, AuthError>>>;

/// Access tokens from an OAuth app's refresh token, refreshed ahead of their expiry at
/// HubSpot's token endpoint (`POST /oauth/v1/token`, `grant_type=refresh_token`).
///
/// - **Ahead of expiry**: a token is refreshed once less than a margin of its lifetime
///   remains ([`OAuthRefreshBuilder::refresh_margin`]; by default the smaller of 5 minutes and
///   a tenth of the lifetime). The first call refreshes, since no access token is known yet.
/// - **One refresh at a time**: however many calls need a token while a refresh runs, they
///   all wait for that one refresh and share its outcome, success or failure.
/// - **Expired 401**: when HubSpot answers 401 `EXPIRED_AUTHENTICATION` to a token this
///   provider gave, the next call refreshes (the client tries that attempt once more).
/// - **Failures**: when the token endpoint is unavailable (429, 5xx, no answer), a refresh
///   asks it up to 3 times; if the current access token is still valid it is used meanwhile,
///   and a refresh is tried again 10 s later; otherwise the calls waiting fail with
///   [`Error::Auth`](crate::Error::Auth). When the endpoint refuses (a wrong client id or
///   secret, a revoked refresh token), every call from then on fails with that same error
///   at once: refreshing again cannot help.
/// - **Rotation**: the refresh token the endpoint sends replaces the one in use, and
///   [`OAuthRefreshBuilder::on_refresh`] hands it to the application to store.
///
/// Cheap to clone: clones share the tokens. Its `Debug` output shows the client id and the
/// token URL, never a secret.
///
/// ```no_run
/// use hubspot_runtime::{Client, OAuthRefresh};
///
/// # fn build() -> Result<(), hubspot_runtime::BuildError> {
/// let oauth = OAuthRefresh::builder("client-id", "client-secret", "stored-refresh-token")
///     .on_refresh(|tokens| {
///         // e.g. write tokens.refresh_token().secret() to the application's store
///         let _ = tokens.refresh_token_changed();
///     })
///     .build()?;
/// let client = Client::builder().token_provider(oauth).build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct OAuthRefresh {
    shared: Arc<OAuthShared>,
}

struct OAuthShared {
    client_id: String,
    client_secret: Token,
    token_url: Url,
    margin: Option<Duration>,
    timeout: Duration,
    http: reqwest::Client,
    on_refresh: Option<Arc<RefreshCallback>>,
    state: Mutex<OAuthState>,
}

/// What the provider knows now; the lock is never held across an `.await`.
struct OAuthState {
    refresh_token: Token,
    current: Option<Current>,
    /// The refresh running now, if one is.
    in_flight: Option<Refresh>,
    /// The refusal of the token endpoint, given to every call once it came.
    refused: Option<AuthError>,
    /// No refresh before this instant: one failed while the access token is still valid.
    hold_until: Option<Instant>,
    refreshes: u64,
}

/// The access token in use.
struct Current {
    token: Token,
    /// When to refresh: its lifetime less the margin, from the moment the refresh was asked.
    refresh_at: Instant,
    expires_at: Instant,
    /// HubSpot said it expired (a 401 `EXPIRED_AUTHENTICATION`).
    expired: bool,
}

impl Current {
    fn valid_at(&self, now: Instant) -> bool {
        !self.expired && now < self.expires_at
    }
}

/// What a call to [`OAuthRefresh::token`] does.
enum Step {
    Ready(Result<Token, AuthError>),
    Wait(Refresh),
}

impl OAuthRefresh {
    /// A builder for the app's `client_id` and `client_secret` and the `refresh_token` of
    /// the installation (the account) the client is to act for.
    pub fn builder(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> OAuthRefreshBuilder {
        OAuthRefreshBuilder {
            client_id: client_id.into().trim().to_owned(),
            client_secret: Token::new(client_secret.into().trim()),
            refresh_token: Token::new(refresh_token.into().trim()),
            token_url: None,
            margin: None,
            timeout: DEFAULT_TIMEOUT,
            http: None,
            on_refresh: None,
        }
    }

    /// How many refreshes succeeded so far.
    pub fn refreshes(&self) -> u64 {
        self.shared.lock().refreshes
    }
}

impl OAuthShared {
    fn lock(&self) -> MutexGuard<'_, OAuthState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current token, the refresh to wait for (started here if none runs), or the
    /// endpoint's refusal.
    fn step(self: &Arc<Self>, now: Instant) -> Step {
        let mut state = self.lock();
        if let Some(refused) = &state.refused {
            return Step::Ready(Err(refused.clone()));
        }
        if let Some(refresh) = &state.in_flight {
            return Step::Wait(refresh.clone());
        }
        if let Some(current) = state.current.as_ref().filter(|token| token.valid_at(now)) {
            let held = state.hold_until.is_some_and(|until| now < until);
            if now < current.refresh_at || held {
                return Step::Ready(Ok(current.token.clone()));
            }
        }
        let refresh = refresh(Arc::clone(self)).boxed().shared();
        state.in_flight = Some(refresh.clone());
        Step::Wait(refresh)
    }

    /// The margin for a token of `lifetime`: the configured one or the smaller of
    /// [`LARGEST_DEFAULT_MARGIN`] and a tenth of it, never more than half of it.
    fn margin(&self, lifetime: Duration) -> Duration {
        let margin = self
            .margin
            .unwrap_or_else(|| LARGEST_DEFAULT_MARGIN.min(lifetime / 10));
        margin.min(lifetime / 2)
    }

    /// One request to the token endpoint.
    async fn exchange(&self, refresh_token: &Token) -> Result<Grant, Trouble> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.secret()),
            ("refresh_token", refresh_token.secret()),
        ];
        let url = self.token_url.as_str();
        let transport = |error| Trouble::Transport(Arc::new(error));
        let mut response = self
            .http
            .post(self.token_url.clone())
            .header(ACCEPT, "application/json")
            .form(&form)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = crate::client::read_body(&mut response, LARGEST_ANSWER)
            .await
            .map_err(|error| match error {
                Some(error) => transport(error),
                None => {
                    Trouble::BadAnswer(status, format!("is larger than {LARGEST_ANSWER} bytes"))
                }
            })?;
        if !status.is_success() {
            return Err(Trouble::Answer(self.endpoint_answer(
                url,
                status,
                &body,
                refresh_token,
            )));
        }
        grant(&body).map_err(|reason| Trouble::BadAnswer(status, reason.to_owned()))
    }

    /// What an error answer of the token endpoint says, cleared of secrets.
    fn endpoint_answer(
        &self,
        url: &str,
        status: StatusCode,
        body: &[u8],
        refresh_token: &Token,
    ) -> EndpointAnswer {
        let json = serde_json::from_slice::<Value>(body).ok();
        let field = |names: &[&str]| {
            names.iter().find_map(|name| {
                json.as_ref()
                    .and_then(|json| json.get(*name))
                    .and_then(Value::as_str)
                    .filter(|text| !text.trim().is_empty())
                    .map(|text| self.scrub(text, refresh_token))
            })
        };
        // HubSpot's OAuth errors put their code in `status` (`BAD_REFRESH_TOKEN`), the
        // standard's in `error`; its API errors say `"status": "error"`, which is no code.
        let code = field(&["status", "error"]).filter(|code| code != "error");
        let message = field(&["message", "error_description"]).or_else(|| {
            let text = String::from_utf8_lossy(body);
            (json.is_none() && !text.trim().is_empty()).then(|| self.scrub(&text, refresh_token))
        });
        EndpointAnswer {
            url: url.to_owned(),
            status,
            code,
            message,
            correlation_id: field(&["correlationId"]),
        }
    }

    /// `text` without the client secret and the refresh token, shortened.
    fn scrub(&self, text: &str, refresh_token: &Token) -> String {
        let mut text = text.to_owned();
        for secret in [self.client_secret.secret(), refresh_token.secret()] {
            if !secret.is_empty() {
                text = text.replace(secret, "***");
            }
        }
        let cut = crate::error::truncate(&text, LONGEST_MESSAGE);
        match cut.len() < text.len() {
            true => format!("{cut}…"),
            false => text,
        }
    }

    /// Records what a refresh came to, and gives its callers their answer.
    fn settle(
        &self,
        outcome: Result<(Grant, Instant), AuthError>,
        used: &Token,
    ) -> Result<Token, AuthError> {
        let mut state = self.lock();
        state.in_flight = None;
        let (grant, asked_at) = match outcome {
            Ok(granted) => granted,
            Err(error) if error.is_refused() => {
                tracing::error!(error = %error, "OAuth token refresh refused");
                state.refused = Some(error.clone());
                return Err(error);
            }
            Err(error) => {
                let now = Instant::now();
                let Some(current) = state.current.as_ref().filter(|token| token.valid_at(now))
                else {
                    tracing::warn!(error = %error, "OAuth token refresh failed");
                    return Err(error);
                };
                let token = current.token.clone();
                state.hold_until = now.checked_add(HOLD_AFTER_FAILURE);
                tracing::warn!(
                    error = %error,
                    retry_in_ms = millis(HOLD_AFTER_FAILURE),
                    "OAuth token refresh failed; the access token in use is still valid"
                );
                return Ok(token);
            }
        };
        let lifetime = grant.lifetime.unwrap_or(ASSUMED_LIFETIME);
        if grant.lifetime.is_none() {
            tracing::warn!(
                assumed_s = ASSUMED_LIFETIME.as_secs(),
                "the OAuth token endpoint gave no usable expires_in"
            );
        }
        let margin = self.margin(lifetime);
        let far = |after: Duration| asked_at.checked_add(after).unwrap_or(asked_at);
        let changed = grant
            .refresh_token
            .as_ref()
            .is_some_and(|given| !given.same(used));
        if let Some(given) = grant.refresh_token.filter(|_| changed) {
            state.refresh_token = given;
        }
        state.current = Some(Current {
            token: grant.access_token.clone(),
            refresh_at: far(lifetime - margin),
            expires_at: far(lifetime),
            expired: false,
        });
        state.hold_until = None;
        state.refreshes += 1;
        let tokens = NewTokens {
            access_token: grant.access_token,
            refresh_token: state.refresh_token.clone(),
            refresh_token_changed: changed,
            expires_in: lifetime,
        };
        drop(state);
        tracing::info!(
            expires_in_ms = millis(lifetime),
            refresh_token_changed = changed,
            "OAuth access token refreshed"
        );
        if let Some(callback) = &self.on_refresh {
            if catch_unwind(AssertUnwindSafe(|| callback(&tokens))).is_err() {
                tracing::error!("the on_refresh callback of OAuthRefresh panicked");
            }
        }
        Ok(tokens.access_token)
    }
}

/// A refresh: up to [`TRIES`] requests while the endpoint is unavailable, then the outcome
/// recorded for every caller.
async fn refresh(shared: Arc<OAuthShared>) -> Result<Token, AuthError> {
    let used = shared.lock().refresh_token.clone();
    let url = shared.token_url.as_str().to_owned();
    let mut tries = 0;
    let outcome = loop {
        tries += 1;
        let asked_at = Instant::now();
        let trouble = match shared.exchange(&used).await {
            Ok(grant) => break Ok((grant, asked_at)),
            Err(trouble) => trouble,
        };
        if trouble.passing() && tries < TRIES {
            let wait = FIRST_BACKOFF * 2u32.pow(tries - 1);
            tracing::debug!(
                tries,
                wait_ms = millis(wait),
                "OAuth token refresh failed; trying again"
            );
            tokio::time::sleep(wait).await;
            continue;
        }
        break Err(trouble.into_error(url, tries));
    };
    shared.settle(outcome, &used)
}

/// What the token endpoint granted.
struct Grant {
    access_token: Token,
    refresh_token: Option<Token>,
    /// `None`: no `expires_in` that makes sense.
    lifetime: Option<Duration>,
}

/// Why one request to the token endpoint gave no token.
enum Trouble {
    Answer(EndpointAnswer),
    Transport(Arc<reqwest::Error>),
    BadAnswer(StatusCode, String),
}

impl Trouble {
    /// Whether asking again may help: 429, 5xx, no answer, an unusable success answer.
    fn passing(&self) -> bool {
        match self {
            Trouble::Answer(answer) => {
                answer.status == StatusCode::TOO_MANY_REQUESTS || answer.status.is_server_error()
            }
            Trouble::Transport(_) | Trouble::BadAnswer(..) => true,
        }
    }

    fn into_error(self, url: String, tries: u32) -> AuthError {
        let passing = self.passing();
        let kind = match self {
            Trouble::Answer(answer) if passing => AuthErrorKind::Unavailable(answer, tries),
            Trouble::Answer(answer) => AuthErrorKind::Refused(answer),
            Trouble::Transport(error) => AuthErrorKind::Transport { url, error, tries },
            Trouble::BadAnswer(status, reason) => AuthErrorKind::BadAnswer {
                url,
                status,
                reason,
                tries,
            },
        };
        AuthError::from(kind)
    }
}

/// Reads a success answer of the token endpoint: `access_token` (required, sendable in a
/// header), `refresh_token` and `expires_in` (seconds, a number or a numeric string). The
/// reason it is unusable never quotes the body, which may hold a token.
fn grant(body: &[u8]) -> Result<Grant, &'static str> {
    let json: Value = serde_json::from_slice(body).map_err(|_| "is not JSON")?;
    let text = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    };
    let access_token = text("access_token").ok_or("has no access_token")?;
    let access_token = Token::new(access_token);
    if access_token.authorization().is_err() {
        return Err("has an access_token that cannot be sent in an HTTP header");
    }
    Ok(Grant {
        access_token,
        refresh_token: text("refresh_token").map(Token::new),
        lifetime: json.get("expires_in").and_then(lifetime),
    })
}

/// An `expires_in` as a lifetime: positive seconds, as a number or a numeric string, at most
/// [`LONGEST_LIFETIME`]; `None` for anything else.
fn lifetime(value: &Value) -> Option<Duration> {
    let seconds = match value {
        Value::Number(number) => number.as_f64()?,
        Value::String(text) => text.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return None;
    }
    Some(Duration::from_secs_f64(
        seconds.min(LONGEST_LIFETIME.as_secs_f64()),
    ))
}

impl TokenProvider for OAuthRefresh {
    fn token(&self) -> BoxFuture<'_, Result<Token, AuthError>> {
        let step = self.shared.step(Instant::now());
        Box::pin(async move {
            match step {
                Step::Ready(token) => token,
                Step::Wait(refresh) => refresh.await,
            }
        })
    }

    fn token_expired(&self, rejected: &Token) -> bool {
        let mut state = self.shared.lock();
        if state.refused.is_some() {
            return false;
        }
        if let Some(current) = &mut state.current {
            if current.token.same(rejected) && !current.expired {
                tracing::info!("HubSpot says the OAuth access token expired; refreshing it");
                current.expired = true;
            }
        }
        true
    }
}

impl fmt::Debug for OAuthRefresh {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shared = &self.shared;
        f.debug_struct("OAuthRefresh")
            .field("client_id", &shared.client_id)
            .field("client_secret", &shared.client_secret)
            .field("refresh_token", &format_args!("Token(***)"))
            .field("token_url", &shared.token_url.as_str())
            .field("refresh_margin", &shared.margin)
            .field("timeout", &shared.timeout)
            .field(
                "on_refresh",
                &shared.on_refresh.as_ref().map(|_| "<callback>"),
            )
            .finish_non_exhaustive()
    }
}

/// Configures an [`OAuthRefresh`]; made by [`OAuthRefresh::builder`].
#[derive(Clone)]
pub struct OAuthRefreshBuilder {
    client_id: String,
    client_secret: Token,
    refresh_token: Token,
    token_url: Option<String>,
    margin: Option<Duration>,
    timeout: Duration,
    http: Option<reqwest::Client>,
    on_refresh: Option<Arc<RefreshCallback>>,
}

impl OAuthRefreshBuilder {
    /// The token endpoint, [`DEFAULT_TOKEN_URL`] by default (a fake HubSpot's, in tests). It
    /// must be `https`, or `http` to a loopback host: the client secret is sent there.
    #[must_use]
    pub fn token_url(mut self, url: &str) -> Self {
        self.token_url = Some(url.to_owned());
        self
    }

    /// Refresh once less than this much of an access token's lifetime remains; by default
    /// the smaller of 5 minutes and a tenth of the lifetime. Never more than half the
    /// lifetime, whatever is set.
    #[must_use]
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = Some(margin);
        self
    }

    /// The longest one request to the token endpoint may take, 30 s by default.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The reqwest client to refresh with. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: the form sent carries the client
    /// secret and the refresh token, and must go nowhere but the token URL. By default a
    /// client that follows no redirect is made.
    #[must_use]
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Called after each successful refresh with the new tokens, so that the application
    /// stores the refresh token ([`NewTokens::refresh_token`]) for its next start. Called
    /// with no lock held, on the task that awaited the refresh; keep it short. A panic in it
    /// is caught and logged.
    #[must_use]
    pub fn on_refresh<F>(mut self, callback: F) -> Self
    where
        F: Fn(&NewTokens) + Send + Sync + 'static,
    {
        self.on_refresh = Some(Arc::new(callback));
        self
    }

    /// The provider, or what is wrong with the configuration (an empty credential, an
    /// unusable token URL).
    pub fn build(self) -> Result<OAuthRefresh, BuildError> {
        for (what, value) in [
            ("client id", self.client_id.as_str()),
            ("client secret", self.client_secret.secret()),
            ("refresh token", self.refresh_token.secret()),
        ] {
            if value.is_empty() {
                return Err(BuildError::new(BuildErrorKind::MissingOAuthCredential(
                    what,
                )));
            }
        }
        let token_url = token_url(self.token_url.as_deref().unwrap_or(DEFAULT_TOKEN_URL))?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|error| BuildError::new(BuildErrorKind::HttpClient(Arc::new(error))))?,
        };
        Ok(OAuthRefresh {
            shared: Arc::new(OAuthShared {
                client_id: self.client_id,
                client_secret: self.client_secret,
                token_url,
                margin: self.margin,
                timeout: self.timeout,
                http,
                on_refresh: self.on_refresh,
                state: Mutex::new(OAuthState {
                    refresh_token: self.refresh_token,
                    current: None,
                    in_flight: None,
                    refused: None,
                    hold_until: None,
                    refreshes: 0,
                }),
            }),
        })
    }
}

impl fmt::Debug for OAuthRefreshBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OAuthRefreshBuilder")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("refresh_token", &self.refresh_token)
            .field("token_url", &self.token_url)
            .field("refresh_margin", &self.margin)
            .field("timeout", &self.timeout)
            .field(
                "on_refresh",
                &self.on_refresh.as_ref().map(|_| "<callback>"),
            )
            .finish_non_exhaustive()
    }
}

/// Checks a token URL: `https`, or `http` to a loopback host, with a host, no credentials,
/// no query or fragment.
fn token_url(text: &str) -> Result<Url, BuildError> {
    let invalid = |reason: String| BuildError::new(BuildErrorKind::InvalidTokenUrl(reason));
    let url = Url::parse(text).map_err(|error| invalid(format!("cannot parse it: {error}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "it must not contain a user name or password".to_owned(),
        ));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(invalid(format!("`{url}` has no host")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(format!(
            "`{url}` must not have a query or fragment"
        )));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if crate::client::is_loopback(&url) => Ok(url),
        _ => Err(invalid(format!(
            "`{url}` would send the client secret unencrypted: use https (or http to a \
             loopback host, for tests)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::future::join_all;
    use serde_json::json;
    use wiremock::matchers::{body_string_contains, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::client::tests::capture;
    use crate::{Client, Error, OperationInfo, RateClass, Repeat};

    const CLIENT_ID: &str = "client-id-1";
    const SECRET: &str = "client-secret-x9y8z7";
    const REFRESH: &str = "refresh-token-r0-5f5f";

    fn granted(access: &str, refresh: &str, expires_in: Value) -> ResponseTemplate {
        ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer",
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": expires_in,
        }))
    }

    fn oauth(server: &MockServer) -> OAuthRefreshBuilder {
        OAuthRefresh::builder(CLIENT_ID, SECRET, REFRESH)
            .token_url(&format!("{}/oauth/v1/token", server.uri()))
    }

    fn build(builder: OAuthRefreshBuilder) -> OAuthRefresh {
        match builder.build() {
            Ok(provider) => provider,
            Err(error) => panic!("{error}"),
        }
    }

    async fn token(provider: &OAuthRefresh) -> Token {
        match provider.token().await {
            Ok(token) => token,
            Err(error) => panic!("{error}"),
        }
    }

    async fn failure(provider: &OAuthRefresh) -> AuthError {
        match provider.token().await {
            Ok(token) => panic!("expected an error, got {token:?}"),
            Err(error) => error,
        }
    }

    async fn received(server: &MockServer) -> usize {
        server
            .received_requests()
            .await
            .map_or(0, |requests| requests.len())
    }

    #[test]
    fn the_margin_is_a_tenth_of_the_lifetime_at_most_five_minutes_and_never_over_half() {
        let default = build(OAuthRefresh::builder("id", "secret", "refresh"));
        let margin = |provider: &OAuthRefresh, lifetime| provider.shared.margin(lifetime);
        assert_eq!(
            margin(&default, Duration::from_secs(1800)),
            Duration::from_secs(180)
        );
        assert_eq!(
            margin(&default, Duration::from_secs(6 * 3600)),
            Duration::from_secs(300)
        );
        assert_eq!(
            margin(&default, Duration::from_millis(300)),
            Duration::from_millis(30)
        );
        let set = build(
            OAuthRefresh::builder("id", "secret", "refresh")
                .refresh_margin(Duration::from_secs(600)),
        );
        assert_eq!(
            margin(&set, Duration::from_secs(1800)),
            Duration::from_secs(600)
        );
        assert_eq!(
            margin(&set, Duration::from_secs(60)),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn expires_in_is_read_leniently_and_within_bounds() {
        assert_eq!(lifetime(&json!(1800)), Some(Duration::from_secs(1800)));
        assert_eq!(lifetime(&json!(0.3)), Some(Duration::from_millis(300)));
        assert_eq!(lifetime(&json!("1800")), Some(Duration::from_secs(1800)));
        assert_eq!(lifetime(&json!(1e300)), Some(LONGEST_LIFETIME));
        for nonsense in [json!(0), json!(-5), json!("soon"), json!(null), json!([1])] {
            assert_eq!(lifetime(&nonsense), None, "{nonsense}");
        }
        let Ok(granted) = grant(br#"{"access_token":" abc ","expires_in":"60"}"#) else {
            panic!("no grant")
        };
        assert_eq!(granted.access_token.secret(), "abc");
        assert!(granted.refresh_token.is_none());
        assert_eq!(granted.lifetime, Some(Duration::from_secs(60)));
        // The reasons never quote the body, which may hold a token.
        assert_eq!(
            grant(b"access_token=secret-value").err(),
            Some("is not JSON")
        );
        assert_eq!(
            grant(br#"{"access_token":5}"#).err(),
            Some("has no access_token")
        );
        assert_eq!(
            grant(b"{\"access_token\":\"bad\\nvalue\"}").err(),
            Some("has an access_token that cannot be sent in an HTTP header")
        );
    }

    #[test]
    fn build_refuses_empty_credentials_and_unsafe_token_urls() {
        let error = |builder: OAuthRefreshBuilder| match builder.build() {
            Ok(provider) => panic!("{provider:?}"),
            Err(error) => error.to_string(),
        };
        let empty = error(OAuthRefresh::builder("id", " ", "refresh"));
        assert!(empty.contains("OAuth client secret is empty"), "{empty}");
        let plain = error(OAuthRefresh::builder("id", "s", "r").token_url("http://example.com/t"));
        assert!(plain.contains("unencrypted"), "{plain}");
        let query =
            error(OAuthRefresh::builder("id", "s", "r").token_url("https://example.com/t?a=b"));
        assert!(query.contains("query"), "{query}");
        let ok = OAuthRefresh::builder("id", "s", "r").token_url("http://127.0.0.1:9/oauth");
        assert!(ok.build().is_ok());
    }

    #[tokio::test]
    async fn a_token_is_used_until_the_margin_then_refreshed() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/oauth/v1/token"))
            .respond_with(granted("access-1", REFRESH, json!(1)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/oauth/v1/token"))
            .respond_with(granted("access-2", REFRESH, json!(1)))
            .mount(&server)
            .await;
        let provider = build(oauth(&server));
        assert_eq!(token(&provider).await.secret(), "access-1");
        assert_eq!(token(&provider).await.secret(), "access-1");
        assert_eq!(received(&server).await, 1);
        // Past 0.9 s of a 1 s lifetime: a tenth is left, the margin.
        tokio::time::sleep(Duration::from_millis(950)).await;
        assert_eq!(token(&provider).await.secret(), "access-2");
        assert_eq!(received(&server).await, 2);
        assert_eq!(provider.refreshes(), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh_and_its_failure() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                granted("access-1", REFRESH, json!(1800)).set_delay(Duration::from_millis(200)),
            )
            .mount(&server)
            .await;
        let provider = build(oauth(&server));
        let tokens = join_all((0..50).map(|_| provider.token())).await;
        for result in &tokens {
            match result {
                Ok(token) => assert_eq!(token.secret(), "access-1"),
                Err(error) => panic!("{error}"),
            }
        }
        assert_eq!(received(&server).await, 1);

        let failing = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503).set_delay(Duration::from_millis(50)))
            .mount(&failing)
            .await;
        let provider = build(oauth(&failing));
        let failures = join_all((0..50).map(|_| provider.token())).await;
        let messages: Vec<String> = failures
            .iter()
            .map(|result| match result {
                Ok(token) => panic!("{token:?}"),
                Err(error) => error.to_string(),
            })
            .collect();
        assert!(messages.iter().all(|message| *message == messages[0]));
        assert!(
            messages[0].contains("503 Service Unavailable") && messages[0].contains("tried 3"),
            "{}",
            messages[0]
        );
        // One refresh of three tries for all fifty callers.
        assert_eq!(received(&failing).await, 3);
    }

    #[tokio::test]
    async fn the_refresh_token_rotates_and_on_refresh_hands_it_over() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(body_string_contains(format!("refresh_token={REFRESH}")))
            .and(body_string_contains("grant_type=refresh_token"))
            .and(body_string_contains(format!("client_id={CLIENT_ID}")))
            .and(body_string_contains(format!("client_secret={SECRET}")))
            .respond_with(granted("access-1", "refresh-r1", json!(1800)))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(body_string_contains("refresh_token=refresh-r1"))
            .respond_with(granted("access-2", "refresh-r1", json!(1800)))
            .expect(1)
            .mount(&server)
            .await;
        let stored = Arc::new(Mutex::new(Vec::new()));
        let keep = Arc::clone(&stored);
        let provider = build(oauth(&server).on_refresh(move |tokens| {
            keep.lock().unwrap_or_else(PoisonError::into_inner).push((
                tokens.refresh_token().secret().to_owned(),
                tokens.refresh_token_changed(),
            ));
        }));
        let first = token(&provider).await;
        assert_eq!(first.secret(), "access-1");
        // HubSpot said it expired: the next call refreshes, with the rotated refresh token.
        assert!(provider.token_expired(&first));
        assert_eq!(token(&provider).await.secret(), "access-2");
        // A token older than the current one changes nothing.
        assert!(provider.token_expired(&first));
        assert_eq!(token(&provider).await.secret(), "access-2");
        let stored = stored
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        assert_eq!(
            stored,
            [
                ("refresh-r1".to_owned(), true),
                ("refresh-r1".to_owned(), false)
            ]
        );
    }

    #[tokio::test]
    async fn a_panicking_callback_does_not_lose_the_token() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(granted("access-1", REFRESH, json!(1800)))
            .mount(&server)
            .await;
        let provider = build(oauth(&server).on_refresh(|_| panic!("the store is down")));
        assert_eq!(token(&provider).await.secret(), "access-1");
        assert_eq!(token(&provider).await.secret(), "access-1");
        assert_eq!(received(&server).await, 1);
    }

    #[tokio::test]
    async fn a_refused_refresh_is_final_clear_and_free_of_secrets() {
        let server = MockServer::start().await;
        // A message that echoes the credentials (no server should; this one does).
        let body = json!({
            "status": "BAD_REFRESH_TOKEN",
            "message": format!("missing or invalid refresh token {REFRESH} for {SECRET}"),
            "correlationId": "c0ffee-1",
        });
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(400).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
        let provider = build(oauth(&server));
        let error = failure(&provider).await;
        assert!(error.is_oauth() && error.is_refused());
        assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
        assert_eq!(error.code(), Some("BAD_REFRESH_TOKEN"));
        assert_eq!(error.correlation_id(), Some("c0ffee-1"));
        assert_eq!(
            error.message(),
            Some("missing or invalid refresh token *** for ***")
        );
        let text = format!("{error} {error:?}");
        assert!(text.contains("OAuth token refresh refused"), "{text}");
        assert!(
            text.contains("400 Bad Request: BAD_REFRESH_TOKEN"),
            "{text}"
        );
        assert!(!text.contains(SECRET) && !text.contains(REFRESH), "{text}");
        // Final: the same error at once, without asking again, and no point retrying.
        let again = failure(&provider).await;
        assert_eq!(again.to_string(), error.to_string());
        assert!(!provider.token_expired(&Token::new("anything")));
        assert_eq!(received(&server).await, 1);
    }

    #[tokio::test]
    async fn an_unavailable_endpoint_is_tried_three_times_and_a_valid_token_kept_meanwhile() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(granted("access-1", REFRESH, json!(2)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(502).set_body_string("<html>gateway</html>"))
            .mount(&server)
            .await;
        let provider = build(oauth(&server).refresh_margin(Duration::from_secs(1)));
        assert_eq!(token(&provider).await.secret(), "access-1");
        tokio::time::sleep(Duration::from_millis(1050)).await;
        // Due for a refresh that fails three times: the token has most of a second left.
        assert_eq!(token(&provider).await.secret(), "access-1");
        assert_eq!(received(&server).await, 4);
        // Not asked again for a while.
        assert_eq!(token(&provider).await.secret(), "access-1");
        assert_eq!(received(&server).await, 4);
        // Once HubSpot says it expired, there is no valid token to fall back on.
        assert!(provider.token_expired(&Token::new("access-1")));
        let error = failure(&provider).await;
        assert!(error.is_oauth() && !error.is_refused());
        assert_eq!(error.message(), Some("<html>gateway</html>"));
        assert!(error.to_string().contains("(tried 3 times)"), "{error}");
        assert_eq!(received(&server).await, 7);
    }

    #[tokio::test]
    async fn static_tokens_are_trimmed_and_never_shown() {
        let provider = StaticToken::new(" pat-na1-secret-static \n");
        let Ok(token) = provider.token().await else {
            panic!("no token")
        };
        assert_eq!(token.secret(), "pat-na1-secret-static");
        assert!(!provider.token_expired(&token));
        let text = format!("{provider:?} {token:?} {:?}", Arc::new(provider.clone()));
        assert_eq!(text, "StaticToken(***) Token(***) StaticToken(***)");
        let header = match token.authorization() {
            Ok(header) => header,
            Err(error) => panic!("{error}"),
        };
        assert!(header.is_sensitive());
        assert!(StaticToken::new("  ").token().await.is_err());
    }

    const GET: OperationInfo = OperationInfo::new(
        "get_thing",
        "get-thing",
        "/crm/v3/objects/things/{id}",
        Repeat::Safe,
        RateClass::Standard,
        "application/json",
    );

    async fn get(client: &Client) -> Result<Value, Error> {
        let request = crate::codegen::Request::new(
            reqwest::Method::GET,
            "/crm/v3/objects/things/1".to_owned(),
            &GET,
        );
        let response = crate::codegen::send(client, request).await?;
        match response.status() {
            200 => Ok(response.json()?),
            _ => Err(response.into_error()),
        }
    }

    #[tokio::test(flavor = "current_thread")]
    async fn traces_errors_and_debug_output_hold_no_secret() {
        let server = MockServer::start().await;
        let refreshes = Arc::new(AtomicUsize::new(0));
        Mock::given(method("POST"))
            .and(path("/oauth/v1/token"))
            .respond_with(granted("access-one-4c4c", "refresh-two-9a9a", json!(1800)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/oauth/v1/token"))
            .respond_with(granted("access-two-7b7b", "refresh-two-9a9a", json!(1800)))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/oauth/v1/token"))
            .respond_with(ResponseTemplate::new(401).set_body_json(json!({
                "status": "BAD_CLIENT_ID",
                "message": "missing or unknown client id",
            })))
            .mount(&server)
            .await;
        let expired = json!({
            "status": "error",
            "message": "The OAuth token used to make this call expired 2 minute(s) ago.",
            "category": "EXPIRED_AUTHENTICATION",
        });
        Mock::given(method("GET"))
            .and(header("authorization", "Bearer access-one-4c4c"))
            .respond_with(ResponseTemplate::new(401).set_body_json(expired))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(header("authorization", "Bearer access-two-7b7b"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "1"})))
            .mount(&server)
            .await;
        let counter = Arc::clone(&refreshes);
        let provider = build(oauth(&server).on_refresh(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        }));
        let client = match Client::builder()
            .base_url(&server.uri())
            .token_provider(provider.clone())
            .build()
        {
            Ok(client) => client,
            Err(error) => panic!("{error}"),
        };
        let recorder = capture::Recorder::default();
        let guard = tracing::subscriber::set_default(recorder.clone());
        // Refresh, a 401 for an expired token, a refresh, the attempt again: success.
        if let Err(error) = get(&client).await {
            panic!("{error}");
        }
        assert_eq!(client.metrics().requests, 2);
        // Then HubSpot ends the token again, and the refresh is refused.
        assert!(provider.token_expired(&Token::new("access-two-7b7b")));
        let error = match get(&client).await {
            Err(error) => error,
            Ok(answer) => panic!("{answer}"),
        };
        drop(guard);
        assert_eq!(refreshes.load(Ordering::Relaxed), 2);
        let Error::Auth(auth) = &error else {
            panic!("{error:?}")
        };
        assert_eq!(auth.attempts(), 0);
        assert_eq!(error.attempts(), 0);
        assert_eq!(auth.path(), Some("/crm/v3/objects/things/1"));
        assert_eq!(
            error.to_string(),
            format!(
                "no access token for GET /crm/v3/objects/things/1: OAuth token refresh \
                 refused: {}/oauth/v1/token answered 401 Unauthorized: BAD_CLIENT_ID: missing \
                 or unknown client id; not tried again: check the client id and secret, or \
                 authorize the app anew for a new refresh token",
                server.uri()
            )
        );
        let everything = format!(
            "{:?} {:?} {error} {error:?} {provider:?} {client:?}",
            recorder.spans(),
            recorder.events()
        );
        for secret in [
            SECRET,
            REFRESH,
            "refresh-two-9a9a",
            "access-one-4c4c",
            "access-two-7b7b",
        ] {
            assert!(!everything.contains(secret), "{secret} in {everything}");
        }
        // What the traces do say.
        assert!(
            everything.contains("OAuth access token refreshed"),
            "{everything}"
        );
        assert!(everything.contains("access token expired"), "{everything}");
        assert!(
            everything.contains("OAuth token refresh refused"),
            "{everything}"
        );
    }
}
