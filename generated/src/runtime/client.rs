//! The client: configuration, authentication, and sending a request with retries.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, USER_AGENT};

use super::error::{BuildError, BuildErrorKind, Failure};
#[cfg(test)]
use super::request::{OperationInfo, RateClass, Repeat};
use super::request::{Request, Response};
use super::retry::{self, RetryPolicy};
use crate::generated::operations::DEFAULT_BASE_URL;

/// The `User-Agent` sent unless [`ClientBuilder::user_agent`] sets another.
const DEFAULT_USER_AGENT: &str = concat!(env!("CARGO_PKG_NAME"), "/", env!("CARGO_PKG_VERSION"));

/// A HubSpot API client: one method per operation of the document.
///
/// Cheap to clone (the configuration and reqwest's connection pool are shared), and
/// `Send + Sync`, so one client can serve a whole application. Its `Debug` output never
/// shows the access token.
#[derive(Clone)]
pub struct Client {
    /// `Err` only for a client made by [`Client::new`] from an unusable token: every request
    /// then fails with that error, since `new` cannot return it.
    inner: Result<Arc<Inner>, BuildError>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    /// `Bearer <token>`, marked sensitive.
    authorization: HeaderValue,
    user_agent: HeaderValue,
    timeout: Option<Duration>,
    retry: RetryPolicy,
}

impl Client {
    /// A client for the document's default server that authenticates with `token`, a
    /// private app access token or an OAuth access token.
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

    /// A builder to set the base URL, HTTP client, user agent, timeout and retries.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }
}

/// Sends a request, retrying it while HubSpot answers 429 and the retry policy allows,
/// and reads the whole body of the answer.
///
/// A free function, not a method of [`Client`], so that no operation of any document can
/// collide with it: `Client`'s method names belong to the generated operations.
pub(crate) async fn send(client: &Client, request: Request) -> Result<Response, Failure> {
    {
        let inner = client
            .inner
            .as_ref()
            .map_err(|error| Failure::Build(error.clone()))?;
        let url = request.url(&inner.base_url)?;
        let mut retries_done = 0;
        loop {
            let mut builder = inner
                .http
                .request(request.method.clone(), url.clone())
                .header(AUTHORIZATION, inner.authorization.clone())
                .header(USER_AGENT, inner.user_agent.clone())
                .header(ACCEPT, HeaderValue::from_static(request.operation.accept));
            builder = request.attach_body(builder);
            if let Some(timeout) = inner.timeout {
                builder = builder.timeout(timeout);
            }
            let response = builder.send().await.map_err(Failure::Transport)?;
            let status = response.status();
            let headers = response.headers().clone();
            let body: Vec<u8> = response.bytes().await.map_err(Failure::Transport)?.into();
            let wait =
                retry::retry_wait(&inner.retry, retries_done, status.as_u16(), &headers, &body);
            match wait {
                Some(wait) => {
                    retries_done += 1;
                    tokio::time::sleep(wait).await;
                }
                None => {
                    return Ok(Response {
                        status,
                        method: request.method,
                        path: request.path,
                        headers,
                        body,
                    });
                }
            }
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Ok(inner) => f
                .debug_struct("Client")
                .field("base_url", &inner.base_url.as_str())
                .field("token", &"<redacted>")
                .field("user_agent", &inner.user_agent)
                .field("timeout", &inner.timeout)
                .field("retry", &inner.retry)
                .finish_non_exhaustive(),
            Err(error) => f.debug_struct("Client").field("unusable", error).finish(),
        }
    }
}

/// Configures a [`Client`]; made by [`Client::builder`].
///
/// ```
/// use std::time::Duration;
///
/// let client = hubspot_orders::Client::builder()
///     .token("pat-na1-…")
///     .base_url("https://api.hubapi.com")
///     .timeout(Duration::from_secs(30))
///     .max_retries(5)
///     .build()?;
/// # let _ = client;
/// # Ok::<(), hubspot_orders::BuildError>(())
/// ```
#[derive(Clone, Default)]
pub struct ClientBuilder {
    token: Option<String>,
    base_url: Option<String>,
    http: Option<reqwest::Client>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    retry: RetryPolicy,
}

impl ClientBuilder {
    /// The access token (private app or OAuth), sent as `Authorization: Bearer <token>`.
    /// Surrounding whitespace, such as the newline at the end of a file, is ignored. Required.
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// The URL that operation paths are appended to, `https://api.hubapi.com` by default.
    /// It may end with `/` and may carry a path prefix (`http://localhost:8080/hubspot`);
    /// it must be `http` or `https`, with no query or fragment.
    #[must_use]
    pub fn base_url(mut self, base_url: &str) -> Self {
        self.base_url = Some(base_url.to_owned());
        self
    }

    /// The reqwest client to send requests with, e.g. to share a connection pool or set a
    /// proxy. By default a new one is made.
    #[must_use]
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// The `User-Agent` header, `hubspot-orders/<version>` by default.
    #[must_use]
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// The longest time one attempt may take, from sending the request to reading the whole
    /// answer. Waits between retries are not counted. By default there is no limit beyond
    /// the HTTP client's own.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How many times a rate-limited (429) request is retried, 3 by default; 0 disables
    /// retries. Shorthand for changing the [`RetryPolicy`]'s `max_retries`.
    #[must_use]
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry = self.retry.max_retries(max_retries);
        self
    }

    /// How rate-limited (429) requests are retried.
    #[must_use]
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The client, or what is wrong with the configuration.
    pub fn build(self) -> Result<Client, BuildError> {
        let token = self.token.as_deref().map(str::trim).unwrap_or_default();
        if token.is_empty() {
            return Err(BuildError::new(BuildErrorKind::MissingToken));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| BuildError::new(BuildErrorKind::InvalidToken))?;
        authorization.set_sensitive(true);
        let base_url = parse_base_url(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL))?;
        let user_agent =
            HeaderValue::from_str(self.user_agent.as_deref().unwrap_or(DEFAULT_USER_AGENT))
                .map_err(|error| {
                    BuildError::new(BuildErrorKind::InvalidUserAgent(error.to_string()))
                })?;
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .build()
                .map_err(|error| BuildError::new(BuildErrorKind::HttpClient(Arc::new(error))))?,
        };
        Ok(Client {
            inner: Ok(Arc::new(Inner {
                http,
                base_url,
                authorization,
                user_agent,
                timeout: self.timeout,
                retry: self.retry,
            })),
        })
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("http_client", &self.http.as_ref().map(|_| "<custom>"))
            .field("user_agent", &self.user_agent)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// Checks that `text` can serve as a base URL. Errors do not repeat the URL when it might
/// hold credentials.
fn parse_base_url(text: &str) -> Result<Url, BuildError> {
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
    Ok(url)
}

#[cfg(test)]
mod tests {
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
        #[serde(
            default,
            deserialize_with = "crate::runtime::serde_helpers::null_as_default"
        )]
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

    const TEST_OPERATION: OperationInfo = OperationInfo {
        name: "test",
        operation_id: "test",
        path_template: "/crm/v3/objects/things",
        repeat: Repeat::Safe,
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
            let mut request = crate::runtime::Request::new(
                reqwest::Method::POST,
                "/crm/v3/objects/things/batch/upsert".to_owned(),
                &TEST_OPERATION,
            );
            request.json(body)?;
            let response = crate::runtime::client::send(self, request).await?;
            match response.status() {
                200 => Ok(UpsertResponse::Ok(response.json()?)),
                207 => Ok(UpsertResponse::MultiStatus(response.json()?)),
                _ => Err(response.into_error()),
            }
        }

        async fn test_get(
            &self,
            id: &str,
            archived: Option<bool>,
        ) -> Result<Record, Error<ErrorSchema>> {
            let mut request = crate::runtime::Request::new(
                reqwest::Method::GET,
                format!(
                    "/crm/v3/objects/things/{}",
                    crate::runtime::encode_path_segment(id)
                ),
                &TEST_OPERATION,
            );
            request.query_opt("archived", archived.as_ref())?;
            let response = crate::runtime::client::send(self, request).await?;
            match response.status() {
                200 => Ok(response.json()?),
                _ => Err(response.into_error()),
            }
        }

        async fn test_archive(&self, id: &str) -> Result<(), Error<ErrorSchema>> {
            let request = crate::runtime::Request::new(
                reqwest::Method::DELETE,
                format!(
                    "/crm/v3/objects/things/{}",
                    crate::runtime::encode_path_segment(id)
                ),
                &TEST_OPERATION,
            );
            let response = crate::runtime::client::send(self, request).await?;
            match response.status() {
                204 => Ok(()),
                _ => Err(response.into_error()),
            }
        }
    }

    fn builder(base_url: &str) -> ClientBuilder {
        Client::builder().token(TOKEN).base_url(base_url)
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
        assert!(debug.contains("<redacted>"), "{debug}");
        assert!(debug.contains("https://api.hubapi.com"), "{debug}");

        let debug = format!("{:?}", Client::builder().token(TOKEN));
        assert!(!debug.contains(TOKEN), "{debug}");

        let debug = format!("{:?}", Client::new("bad\ntoken"));
        assert!(!debug.contains("bad"), "{debug}");
    }

    #[test]
    fn new_uses_the_default_base_url() {
        let debug = format!("{:?}", Client::new(TOKEN));
        let expected = format!("base_url: \"{}", crate::operations::DEFAULT_BASE_URL);
        assert!(debug.contains(&expected), "{debug}");
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
    fn token_whitespace_is_trimmed_and_the_header_is_sensitive() {
        let client = client(Client::builder().token(format!("{TOKEN}\n")));
        let Ok(inner) = &client.inner else {
            panic!("usable client expected")
        };
        assert_eq!(inner.authorization, format!("Bearer {TOKEN}").as_str());
        assert!(inner.authorization.is_sensitive());
    }

    #[tokio::test]
    async fn unusable_client_fails_every_request_without_sending() {
        match Client::new("").test_archive("1").await {
            Err(Error::Build(error)) => assert!(error.to_string().contains("no access token")),
            other => panic!("{other:?}"),
        }
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
    }

    #[tokio::test]
    async fn daily_limit_is_returned_not_retried() {
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
             You have reached your daily limit."
        );
    }

    #[tokio::test]
    async fn retries_give_up_after_max_retries() {
        let server = MockServer::start().await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
            .expect(3)
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()).max_retries(2));
        let result = client.test_archive("42").await;
        assert_eq!(
            result.err().and_then(|error| error.status()),
            Some(StatusCode::TOO_MANY_REQUESTS)
        );
    }

    #[tokio::test]
    async fn server_errors_are_not_retried() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(503).insert_header("Retry-After", "0"))
            .expect(1)
            .mount(&server)
            .await;
        let body = serde_json::json!({ "inputs": [] });
        match client(builder(&server.uri())).test_upsert(&body).await {
            Err(Error::Api(error)) => {
                assert_eq!(error.status(), StatusCode::SERVICE_UNAVAILABLE);
                assert_eq!(error.body().raw(), Some(""));
            }
            other => panic!("{other:?}"),
        }
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
    async fn decode_errors_and_timeouts_are_reported() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/slow"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string("{}")
                    .set_delay(Duration::from_secs(5)),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/crm/v3/objects/things/bad"))
            .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"id":7}"#))
            .mount(&server)
            .await;
        let client = client(builder(&server.uri()).timeout(Duration::from_millis(100)));
        match client.test_get("slow", None).await {
            Err(Error::Transport(error)) => assert!(error.is_timeout(), "{error}"),
            other => panic!("{other:?}"),
        }
        match client.test_get("bad", None).await {
            Err(Error::Decode(error)) => {
                assert_eq!(error.path(), "id");
                assert_eq!(error.method(), Method::GET);
                assert_eq!(error.request_path(), "/crm/v3/objects/things/bad");
            }
            other => panic!("{other:?}"),
        }
    }
}
