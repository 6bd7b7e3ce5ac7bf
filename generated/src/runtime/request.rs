//! One HTTP request as generated code builds it, and the answer it gets back.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use super::error::{ApiError, BuildError, BuildErrorKind, DecodeError, Error, Failure};

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a value for use as one path segment (or one query key or value): `/`,
/// space, `?`, `#`, `%` and every non-ASCII byte are encoded.
pub(crate) fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, NOT_UNRESERVED).to_string()
}

/// What the runtime knows of the operation a request belongs to, as the generator decided
/// it from the document: its name for traces, and how it may be retried and paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The method's name on [`Client`](crate::Client), e.g. `batch_upsert`.
    pub name: &'static str,
    /// The document's operationId.
    pub operation_id: &'static str,
    /// The path template as the document writes it, e.g. `/crm/v3/objects/orders/{orderId}`.
    pub path_template: &'static str,
    /// Whether the request may be sent again after an ambiguous failure.
    pub repeat: Repeat,
    /// Which rate limit the request counts against.
    pub rate_class: RateClass,
}

/// Whether an operation may be sent again after an ambiguous failure (a timeout, a broken
/// connection, a 502, 503 or 504), when HubSpot may or may not have applied it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Repeat {
    /// Sending it twice has the effect of sending it once: reads, searches, updates,
    /// archives, and batch upsert (keyed on a unique property value).
    Safe,
    /// Sending it twice may apply it twice: create and batch create.
    Unsafe,
}

/// The HubSpot rate limit a request counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateClass {
    /// The app's rolling ten-second limit, shared by every endpoint but search.
    Standard,
    /// The search endpoints' own limit (about four requests a second).
    Search,
}

/// One HTTP request under construction.
#[derive(Debug)]
pub(crate) struct Request {
    /// The operation, as the generator described it.
    pub(crate) operation: &'static OperationInfo,
    pub(crate) method: Method,
    /// Starts with `/`, percent-encoded, relative to the base URL.
    pub(crate) path: String,
    /// Unencoded pairs, in the order they were added.
    query: Vec<(&'static str, String)>,
    /// A JSON body.
    pub(crate) body: Option<Vec<u8>>,
}

impl Request {
    pub(crate) fn new(method: Method, path: String, operation: &'static OperationInfo) -> Request {
        Request {
            operation,
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds a required query parameter.
    pub(crate) fn query<T: std::fmt::Display + ?Sized>(&mut self, key: &'static str, value: &T) {
        self.query.push((key, value.to_string()));
    }

    /// Adds an optional query parameter; `None` sends nothing.
    pub(crate) fn query_opt<T: std::fmt::Display>(&mut self, key: &'static str, value: Option<&T>) {
        if let Some(value) = value {
            self.query(key, value);
        }
    }

    /// Adds an array query parameter in OpenAPI's form + explode style: `key=a&key=b`.
    /// `None` or an empty slice sends nothing.
    pub(crate) fn query_each<T: std::fmt::Display>(
        &mut self,
        key: &'static str,
        values: Option<&[T]>,
    ) {
        for value in values.unwrap_or_default() {
            self.query(key, value);
        }
    }

    /// Sets a JSON body.
    pub(crate) fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Failure> {
        self.body = Some(serde_json::to_vec(body).map_err(Failure::Encode)?);
        Ok(())
    }

    /// The `Accept` header to send: what answer bodies this request can read.
    pub(crate) fn accept(&self) -> HeaderValue {
        HeaderValue::from_static("application/json")
    }

    /// Attaches the body, if any, and its `Content-Type` to one attempt. Called once per
    /// attempt, so a retry sends the body again from the start.
    pub(crate) fn attach_body(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.body {
            Some(body) => builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(body.clone()),
            None => builder,
        }
    }

    /// The full URL: the base URL's path, then this request's path, then the query.
    pub(crate) fn url(&self, base: &Url) -> Result<Url, Failure> {
        // The URL parser resolves `.` and `..` segments, so an id of `..` would silently
        // address another endpoint; an empty id would address the collection.
        let bad_segment = self
            .path
            .split('/')
            .skip(1)
            .any(|segment| matches!(segment, "" | "." | ".."));
        if bad_segment {
            return Err(Failure::Build(BuildError::new(
                BuildErrorKind::InvalidPathSegment(self.path.clone()),
            )));
        }
        let mut url = base.clone();
        let prefix = base.path().trim_end_matches('/');
        let separator = if self.path.starts_with('/') { "" } else { "/" };
        url.set_path(&format!("{prefix}{separator}{}", self.path));
        let query = self
            .query
            .iter()
            .map(|(key, value)| {
                format!(
                    "{}={}",
                    encode_path_segment(key),
                    encode_path_segment(value)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        url.set_query((!query.is_empty()).then_some(query.as_str()));
        Ok(url)
    }
}

/// An answer, its body read in full.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: StatusCode,
    pub(crate) method: Method,
    /// The request's path, for error messages.
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// How many attempts the call made to get this answer.
    pub(crate) attempts: u32,
}

impl Response {
    pub(crate) fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// Decodes the body; an error says where in the body decoding failed.
    pub(crate) fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Failure> {
        let decode_error = |path: String, error: serde_json::Error| {
            Failure::Decode(DecodeError::new(
                self.status,
                self.method.clone(),
                self.path.clone(),
                path,
                error,
                &self.body,
                self.attempts,
            ))
        };
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut deserializer)
            .map_err(|error| decode_error(error.path().to_string(), error.into_inner()))?;
        // Trailing non-whitespace after the value.
        deserializer
            .end()
            .map_err(|error| decode_error(".".to_owned(), error))?;
        Ok(value)
    }

    /// The answer as an API error, its body decoded as `E` if it matches.
    pub(crate) fn into_error<E: serde::de::DeserializeOwned>(self) -> Error<E> {
        Error::Api(ApiError::new(
            self.status,
            self.method,
            self.path,
            self.headers,
            &self.body,
            self.attempts,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(base: &str, request: &Request) -> String {
        let base = match Url::parse(base) {
            Ok(base) => base,
            Err(error) => panic!("{base}: {error}"),
        };
        match request.url(&base) {
            Ok(url) => url.to_string(),
            Err(error) => panic!("{}: {:?}", request.path, error),
        }
    }

    const TEST_OPERATION: OperationInfo = OperationInfo {
        name: "get_by_id",
        operation_id: "test",
        path_template: "/crm/v3/objects/orders/{orderId}",
        repeat: Repeat::Safe,
        rate_class: RateClass::Standard,
    };

    fn get(path: &str) -> Request {
        Request::new(Method::GET, path.to_owned(), &TEST_OPERATION)
    }

    #[test]
    fn encode_path_segment_keeps_only_unreserved_characters() {
        assert_eq!(encode_path_segment("abc-XYZ_0.9~"), "abc-XYZ_0.9~");
        assert_eq!(encode_path_segment("a/b"), "a%2Fb");
        assert_eq!(encode_path_segment("a b"), "a%20b");
        assert_eq!(encode_path_segment("100%"), "100%25");
        assert_eq!(encode_path_segment("?#&="), "%3F%23%26%3D");
        assert_eq!(
            encode_path_segment("Bestellung-ü€"),
            "Bestellung-%C3%BC%E2%82%AC"
        );
    }

    #[test]
    fn query_repeats_keys_omits_none_and_renders_bools() {
        let mut request = get("/crm/v3/objects/orders");
        request.query("limit", &10);
        request.query_opt("archived", Some(&true));
        request.query_opt::<bool>("skipped", None);
        request.query_each("associations", Some(&["contacts", "deals"][..]));
        request.query_each::<String>("properties", Some(&[]));
        request.query_each::<String>("propertiesWithHistory", None);
        request.query("after", "a b&c");
        assert_eq!(
            url("https://api.hubapi.com", &request),
            "https://api.hubapi.com/crm/v3/objects/orders?limit=10&archived=true\
             &associations=contacts&associations=deals&after=a%20b%26c"
        );
    }

    #[test]
    fn no_query_means_no_question_mark() {
        assert_eq!(
            url("https://api.hubapi.com", &get("/crm/v3/objects/orders")),
            "https://api.hubapi.com/crm/v3/objects/orders"
        );
    }

    #[test]
    fn base_url_joins_with_or_without_trailing_slash_and_prefix() {
        let request = get("/crm/v3/objects/orders/batch/upsert");
        for (base, expected) in [
            (
                "https://api.hubapi.com",
                "https://api.hubapi.com/crm/v3/objects/orders/batch/upsert",
            ),
            (
                "https://api.hubapi.com/",
                "https://api.hubapi.com/crm/v3/objects/orders/batch/upsert",
            ),
            (
                "http://127.0.0.1:8080/proxy/hubspot",
                "http://127.0.0.1:8080/proxy/hubspot/crm/v3/objects/orders/batch/upsert",
            ),
            (
                "http://127.0.0.1:8080/proxy/hubspot/",
                "http://127.0.0.1:8080/proxy/hubspot/crm/v3/objects/orders/batch/upsert",
            ),
        ] {
            assert_eq!(url(base, &request), expected, "base {base}");
        }
    }

    #[test]
    fn encoded_path_segments_survive_joining() {
        let path = format!("/crm/v3/objects/orders/{}", encode_path_segment("a/b c%"));
        assert_eq!(
            url("https://api.hubapi.com", &get(&path)),
            "https://api.hubapi.com/crm/v3/objects/orders/a%2Fb%20c%25"
        );
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        let Ok(base) = Url::parse("https://api.hubapi.com") else {
            panic!("base URL");
        };
        for id in ["", ".", ".."] {
            let path = format!("/crm/v3/objects/orders/{}", encode_path_segment(id));
            let result = get(&path).url(&base);
            assert!(
                matches!(result, Err(Failure::Build(_))),
                "{id:?} gave {result:?}"
            );
        }
        assert!(get("/crm/v3/objects/orders/...").url(&base).is_ok());
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            method: Method::POST,
            path: "/crm/v3/objects/orders/batch/read".to_owned(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            attempts: 1,
        }
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code)] // Fields are read by Debug only.
    struct Item {
        id: String,
        created_at: chrono::DateTime<chrono::Utc>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        results: Vec<Item>,
    }

    fn decode_error(status: u16, body: &str) -> DecodeError {
        match response(status, body).json::<Page>() {
            Err(Failure::Decode(error)) => error,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn decode_error_names_the_path_status_and_body() {
        let item = r#"{"id":"1","createdAt":"2026-01-01T00:00:00Z"}"#;
        let body = format!(r#"{{"results":[{item},{item},{item},{{"id":"4","createdAt":17}}]}}"#);
        let error = decode_error(200, &body);
        assert_eq!(error.path(), "results[3].createdAt");
        assert_eq!(error.status(), StatusCode::OK);
        assert_eq!(error.body_snippet(), body);
        assert!(!error.body_truncated());
        let text = error.to_string();
        assert!(
            text.starts_with(
                "could not decode the 200 OK answer to POST /crm/v3/objects/orders/batch/read: \
                 at `results[3].createdAt`: invalid type: integer `17`"
            ),
            "{text}"
        );
    }

    #[test]
    fn decode_error_truncates_long_bodies_and_reports_trailing_garbage() {
        let body = format!(r#"{{"results":"{}"}}"#, "é".repeat(2000));
        let error = decode_error(207, &body);
        assert_eq!(error.path(), "results");
        assert!(error.body_snippet().len() <= 1024);
        assert!(error.body_truncated());

        let error = decode_error(200, r#"{"results":[]} trailing"#);
        assert_eq!(error.path(), ".");
        assert!(
            error.message().contains("trailing characters"),
            "{}",
            error.message()
        );

        let error = decode_error(200, "");
        assert!(error.to_string().contains("at the top level"), "{error}");
    }

    #[test]
    fn into_error_decodes_or_keeps_raw_text() {
        #[derive(Debug, serde::Deserialize)]
        struct HubSpotError {
            message: String,
        }
        match response(409, r#"{"message":"conflict"}"#).into_error::<HubSpotError>() {
            Error::Api(error) => {
                assert_eq!(error.status(), StatusCode::CONFLICT);
                assert_eq!(
                    error.body().decoded().map(|body| body.message.as_str()),
                    Some("conflict")
                );
            }
            other => panic!("{other:?}"),
        }
        match response(500, "").into_error::<HubSpotError>() {
            Error::Api(error) => assert_eq!(error.body().raw(), Some("")),
            other => panic!("{other:?}"),
        }
    }
}
