//! The HTTP side of the fake: hyper on a thread and runtime of its own, and the order in
//! which a request meets authentication, the limits, the faults and the CRM objects API.
//!
//! hyper directly rather than a framework: a connection reset must close the socket without
//! an answer, which hyper does when the service returns an error, and the routing is a dozen
//! fixed paths below one object type segment.

use std::collections::{BTreeSet, VecDeque};
use std::fmt;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::faults::{self, Fault, FaultRule};
use super::limits::{Figures, Limits, Policy};
use super::log::LoggedRequest;
use super::oauth::{self, Access, Issuer};
use super::objects::{self, Answer, Ctx, PropertyRule, Recognized};
use super::store::Objects;

/// Everything the fake knows, behind one lock (never held across an `.await`).
#[derive(Debug)]
pub(crate) struct State {
    pub objects: Objects,
    pub limits: Limits,
    pub faults: Vec<FaultRule>,
    pub rejected: BTreeSet<String>,
    pub rules: Vec<PropertyRule>,
    pub rng: fastrand::Rng,
    pub log: VecDeque<LoggedRequest>,
    /// The most requests the log keeps (the oldest go first), or all when `None`.
    pub log_limit: Option<usize>,
    /// Requests received, whether or not the log still holds them.
    pub received: u64,
    /// 429 answers sent, by policy: [TEN_SECONDLY_ROLLING, SECONDLY, DAILY].
    pub rate_limited: [u64; 3],
    /// The one static token accepted, or any bearer token when `None` (the OAuth access
    /// tokens of `oauth` are judged by it first).
    pub token: Option<String>,
    pub retry_after: bool,
    /// The OAuth token endpoint and the access tokens it issued, when the fake has an app.
    pub oauth: Option<Issuer>,
}

#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<State>,
    pub started: Instant,
}

impl Shared {
    pub(crate) fn new(state: State) -> Shared {
        Shared {
            state: Mutex::new(state),
            started: Instant::now(),
        }
    }

    /// The state; a panic elsewhere while holding the lock leaves it usable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn policy_index(policy: Policy) -> usize {
    match policy {
        Policy::TenSecondlyRolling => 0,
        Policy::Secondly => 1,
        Policy::Daily => 2,
    }
}

pub(crate) fn rate_limited(state: &State, policy: Policy) -> u64 {
    state.rate_limited[policy_index(policy)]
}

/// An answer ready to send.
struct Built {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    figures: Figures,
    retry_after: Option<Duration>,
}

/// What to do with a request.
enum Outcome {
    Answer(Built, Option<Duration>),
    Close,
}

fn json_answer(answer: Answer, figures: Figures) -> Built {
    Built {
        status: answer.status,
        content_type: "application/json;charset=utf-8",
        body: answer
            .body
            .map(|body| body.to_string().into_bytes())
            .unwrap_or_default(),
        figures,
        retry_after: None,
    }
}

fn rate_limit_body(rng: &mut fastrand::Rng, policy: Policy) -> Value {
    json!({
        "status": "error",
        "message": policy.message(),
        "errorType": "RATE_LIMIT",
        "correlationId": objects::uuid(rng),
        "policyName": policy.name(),
        "category": "RATE_LIMITS",
    })
}

fn bearer(header: Option<&str>) -> Option<&str> {
    let token = header?.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then_some(token)
}

impl State {
    fn too_many(&mut self, policy: Policy, figures: Figures, retry_in: Duration) -> Built {
        self.rate_limited[policy_index(policy)] += 1;
        let body = rate_limit_body(&mut self.rng, policy);
        let mut built = json_answer(
            Answer {
                status: 429,
                body: Some(body),
            },
            figures,
        );
        built.retry_after = self.retry_after.then_some(retry_in);
        built
    }

    fn error(&mut self, status: u16, category: &str, message: &str, figures: Figures) -> Built {
        json_answer(
            Answer::error(&mut self.rng, status, category, message),
            figures,
        )
    }

    /// Decides the answer to one request and logs it.
    fn process(
        &mut self,
        started: Instant,
        method: &str,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        body: Vec<u8>,
    ) -> Outcome {
        let at = Instant::now();
        let (outcome, fault, route, object_type, body) = match &mut self.oauth {
            Some(issuer) if path == oauth::TOKEN_PATH => {
                let answer = issuer.token_request(&mut self.rng, method, &body, at);
                let built = json_answer(answer, Figures::default());
                // The form holds the client secret and a refresh token: not logged.
                (Outcome::Answer(built, None), None, None, None, Vec::new())
            }
            _ => {
                let recognized = objects::Route::recognize(method, path);
                let (route, object_type) = match &recognized {
                    Ok(found) => (Some(found.route), Some(found.object_type.clone())),
                    Err(_) => (None, None),
                };
                let (outcome, fault) =
                    self.decide(at, method, path, query, authorization, &body, recognized);
                (outcome, fault, route, object_type, body)
            }
        };
        self.received += 1;
        if self.log_limit.is_some_and(|limit| self.log.len() >= limit) {
            self.log.pop_front();
        }
        if self.log_limit == Some(0) {
            return outcome;
        }
        self.log.push_back(LoggedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            object_type,
            query: query.map(str::to_owned),
            body,
            at,
            elapsed: at.saturating_duration_since(started),
            route,
            status: match &outcome {
                Outcome::Answer(built, _) => Some(built.status),
                Outcome::Close => None,
            },
            fault,
        });
        outcome
    }

    #[allow(clippy::too_many_arguments)]
    fn decide(
        &mut self,
        at: Instant,
        method: &str,
        path: &str,
        query: Option<&str>,
        authorization: Option<&str>,
        body: &[u8],
        recognized: Result<Recognized, u16>,
    ) -> (Outcome, Option<Fault>) {
        let search = recognized
            .as_ref()
            .is_ok_and(|found| found.route.is_search());
        let found = match recognized {
            Ok(found) => found,
            Err(status) => {
                let figures = self.limits.figures(false, at);
                let (category, message) = if status == 405 {
                    (
                        "METHOD_NOT_ALLOWED",
                        format!("{method} is not allowed on {path}"),
                    )
                } else {
                    ("NOT_FOUND", format!("No operation at {method} {path}"))
                };
                return (
                    Outcome::Answer(self.error(status, category, &message, figures), None),
                    None,
                );
            }
        };
        let sent = bearer(authorization);
        let access = sent.and_then(|sent| self.oauth.as_ref()?.check(sent, at));
        if let Some(Access::Expired(ago)) = access {
            let figures = self.limits.figures(search, at);
            let body = Issuer::expired_body(&mut self.rng, ago);
            let built = json_answer(
                Answer {
                    status: 401,
                    body: Some(body),
                },
                figures,
            );
            return (Outcome::Answer(built, None), None);
        }
        let authorized = match (sent, &self.token) {
            _ if access == Some(Access::Valid) => true,
            (None, _) => false,
            (Some(sent), Some(expected)) => sent == expected,
            (Some(_), None) => true,
        };
        if !authorized {
            let figures = self.limits.figures(search, at);
            let built = self.error(
                401,
                "INVALID_AUTHENTICATION",
                "Authentication credentials not found or not valid: \
                 send `Authorization: Bearer <token>`",
                figures,
            );
            return (Outcome::Answer(built, None), None);
        }
        let figures = match self.limits.admit(search, at) {
            Ok(figures) => figures,
            Err(refusal) => {
                let built = self.too_many(refusal.policy, refusal.figures, refusal.retry_in);
                return (Outcome::Answer(built, None), None);
            }
        };
        let unique = self.objects.unique_properties(&found.object_type);
        let keys = objects::request_keys(&unique, found.path_id.as_deref(), body);
        let fault = faults::pick(
            &mut self.faults,
            &mut self.rng,
            found.route,
            &found.object_type,
            &keys,
        );
        let outcome = match &fault {
            Some(Fault::RateLimited(policy)) => {
                // As if another client had spent the budget: the headers say none is left.
                let mut figures = figures;
                if *policy == Policy::Daily {
                    figures.daily = figures.daily.map(|(budget, _)| (budget, 0));
                } else {
                    figures.window = figures.window.map(|(max, _, interval)| (max, 0, interval));
                }
                let retry_in = Duration::from_secs(1);
                Outcome::Answer(self.too_many(*policy, figures, retry_in), None)
            }
            Some(Fault::Status(status)) => {
                let message = format!("The fake HubSpot answers {status} on purpose");
                Outcome::Answer(
                    self.error(*status, "INTERNAL_ERROR", &message, figures),
                    None,
                )
            }
            Some(Fault::HtmlStatus(status)) => Outcome::Answer(
                Built {
                    status: *status,
                    content_type: "text/html",
                    body: format!("<html><body><h1>{status}</h1></body></html>").into_bytes(),
                    figures,
                    retry_after: None,
                },
                None,
            ),
            Some(Fault::Reset) => Outcome::Close,
            Some(fault) => {
                debug_assert!(fault.processes());
                let answer = self.answer(&found, query, body);
                match fault {
                    Fault::Slow(delay) => {
                        Outcome::Answer(json_answer(answer, figures), Some(*delay))
                    }
                    Fault::MalformedJson => {
                        let mut built = json_answer(answer, figures);
                        // Cut the body in the middle; an empty (204) answer becomes a 200
                        // whose body is an unfinished object.
                        if built.body.is_empty() {
                            built.status = 200;
                            built.body = b"{\"results\": [".to_vec();
                        } else {
                            built.body.truncate(built.body.len() / 2);
                        }
                        Outcome::Answer(built, None)
                    }
                    _ => Outcome::Close,
                }
            }
            None => {
                let answer = self.answer(&found, query, body);
                Outcome::Answer(json_answer(answer, figures), None)
            }
        };
        (outcome, fault)
    }

    fn answer(&mut self, found: &Recognized, query: Option<&str>, body: &[u8]) -> Answer {
        if !self.objects.serves(&found.object_type) {
            // HubSpot's wording for an object type name it does not know.
            let message = format!("Unable to infer object type from: {}", found.object_type);
            return Answer::error(&mut self.rng, 400, "VALIDATION_ERROR", &message);
        }
        let (store, ids) = self.objects.open(&found.object_type);
        let mut ctx = Ctx {
            store,
            ids,
            rules: &self.rules,
            rejected: &self.rejected,
            rng: &mut self.rng,
            now: chrono::Utc::now(),
        };
        objects::handle(&mut ctx, found.route, found.path_id.as_deref(), query, body)
    }
}

/// The error that makes hyper close a connection without answering.
#[derive(Debug)]
struct CloseConnection;

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the fake HubSpot closes this connection without answering")
    }
}

impl std::error::Error for CloseConnection {}

fn response(built: Built) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(built.body)));
    *response.status_mut() =
        StatusCode::from_u16(built.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    };
    if built.status != 204 {
        set("content-type", built.content_type.to_owned());
    }
    if let Some((max, remaining, interval)) = built.figures.window {
        set("x-hubspot-ratelimit-max", max.to_string());
        set("x-hubspot-ratelimit-remaining", remaining.to_string());
        set(
            "x-hubspot-ratelimit-interval-milliseconds",
            interval.as_millis().to_string(),
        );
    }
    if let Some((budget, remaining)) = built.figures.daily {
        set("x-hubspot-ratelimit-daily", budget.to_string());
        set("x-hubspot-ratelimit-daily-remaining", remaining.to_string());
    }
    if let Some(wait) = built.retry_after {
        // Whole seconds, rounded up, at least one: what the header can say.
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        set("retry-after", seconds.max(1).to_string());
    }
    response
}

async fn serve_request(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, CloseConnection> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => return Err(CloseConnection),
    };
    let authorization = parts
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok());
    let outcome = shared.lock().process(
        shared.started,
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        authorization,
        body,
    );
    match outcome {
        Outcome::Answer(built, delay) => {
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            Ok(response(built))
        }
        Outcome::Close => Err(CloseConnection),
    }
}

/// Serves connections from `listener` until `shutdown` fires (or its sender is dropped).
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors or similar: give the system a moment.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service =
                        service_fn(move |request| serve_request(Arc::clone(&shared), request));
                    // A closed connection (on purpose or by the client) ends here.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}
