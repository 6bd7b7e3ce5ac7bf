//! One HTTP request as generated code builds it, and the answer it gets back.
//!
//! [`Request`], [`Response`] and [`encode_path_segment`] are called by generated code
//! (through [`crate::codegen`]); [`OperationInfo`], [`Repeat`] and [`RateClass`] are the facts
//! about an operation that the generator decides and the client acts on.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};

use crate::error::{
    ApiError, BuildError, BuildErrorKind, DecodeError, Error, Failure, FailureKind,
};

/// Every byte but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is encoded.
const NOT_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a value for use as one path segment (or one query key or value): `/`,
/// space, `?`, `#`, `%` and every non-ASCII byte are encoded. Called by generated code, for
/// every path parameter.
pub fn encode_path_segment(value: &str) -> String {
    utf8_percent_encode(value, NOT_UNRESERVED).to_string()
}

/// What the runtime knows of the operation a request belongs to, as the generator decided
/// it from the document: its name for traces, and how it may be retried and paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationInfo {
    /// The name of the generated method, e.g. `batch_upsert`.
    pub name: &'static str,
    /// The document's operationId.
    pub operation_id: &'static str,
    /// The path template as the document writes it, e.g. `/crm/v3/objects/things/{thingId}`.
    pub path_template: &'static str,
    /// Whether the request may be sent again after an ambiguous failure.
    pub repeat: Repeat,
    /// Which rate limit the request counts against.
    pub rate_class: RateClass,
    /// The `Accept` header: `application/json`, or the answer's own content types first
    /// (`text/csv, application/json`) when a success answer is not JSON.
    pub accept: &'static str,
}

impl OperationInfo {
    /// The facts about one operation, as generated code declares them in a constant:
    /// `const BATCH_UPSERT: OperationInfo = OperationInfo::new(…);`.
    pub const fn new(
        name: &'static str,
        operation_id: &'static str,
        path_template: &'static str,
        repeat: Repeat,
        rate_class: RateClass,
        accept: &'static str,
    ) -> OperationInfo {
        OperationInfo {
            name,
            operation_id,
            path_template,
            repeat,
            rate_class,
            accept,
        }
    }
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

/// One HTTP request under construction. Called by generated code: each operation builds
/// one, adds its query, body or parts, and hands it to [`send`](crate::codegen::send).
///
/// The methods that take a value encode it at once; an error (a value that serde cannot
/// encode) is a [`Failure`] that the operation returns with `?`.
#[derive(Debug)]
pub struct Request {
    /// The operation, as the generator described it.
    pub(crate) operation: &'static OperationInfo,
    pub(crate) method: Method,
    /// Starts with `/`, percent-encoded, relative to the base URL.
    pub(crate) path: String,
    /// Unencoded pairs, in the order they were added.
    query: Vec<(String, String)>,
    /// The body, kept in a form that can be sent again on every attempt.
    pub(crate) body: Option<Body>,
}

/// A request body, as encoded once and attached to every attempt.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// `application/json`.
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded`: the pairs, unencoded.
    Form(Vec<(String, String)>),
    /// `multipart/form-data`: the parts, in order.
    Multipart(Vec<(&'static str, Part)>),
}

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    Text(String),
    File(FilePart),
}

/// A file sent as one part of a `multipart/form-data` request (an import, an upload).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize)]
pub struct FilePart {
    /// The file name sent with the part, e.g. `import.csv`.
    pub file_name: String,
    /// The part's content type, e.g. `text/csv`; without one (or with one that is not a
    /// valid media type) the part goes out as `application/octet-stream`.
    pub content_type: Option<String>,
    /// The contents.
    pub bytes: Vec<u8>,
}

impl FilePart {
    /// A file part of the given name and contents, of no particular content type.
    pub fn new(file_name: impl Into<String>, bytes: impl Into<Vec<u8>>) -> FilePart {
        FilePart {
            file_name: file_name.into(),
            content_type: None,
            bytes: bytes.into(),
        }
    }
}

/// A value as one query or form value: strings as they are, numbers and booleans as JSON
/// writes them, date-times as RFC 3339 (through serde, as the server reads them), anything
/// else as its JSON text.
fn plain_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, Failure> {
    Ok(match serde_json::to_value(value).map_err(encode_failure)? {
        serde_json::Value::String(text) => text,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// A value that serde could not encode.
fn encode_failure(error: serde_json::Error) -> Failure {
    FailureKind::Encode(error).into()
}

impl Request {
    /// A request of `method` to `path` (starting with `/`, relative to the base URL, its
    /// parameters already encoded with [`encode_path_segment`]), for `operation`.
    pub fn new(method: Method, path: String, operation: &'static OperationInfo) -> Request {
        Request {
            operation,
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// Adds a required query parameter.
    pub fn query<T: serde::Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<(), Failure> {
        self.query.push((key.to_owned(), plain_value(value)?));
        Ok(())
    }

    /// Adds an optional query parameter; `None` sends nothing.
    pub fn query_opt<T: serde::Serialize>(
        &mut self,
        key: &str,
        value: Option<&T>,
    ) -> Result<(), Failure> {
        match value {
            Some(value) => self.query(key, value),
            None => Ok(()),
        }
    }

    /// Adds an array query parameter in OpenAPI's form + explode style: `key=a&key=b`.
    /// `None` or an empty slice sends nothing.
    pub fn query_each<T: serde::Serialize>(
        &mut self,
        key: &str,
        values: Option<&[T]>,
    ) -> Result<(), Failure> {
        for value in values.unwrap_or_default() {
            self.query(key, value)?;
        }
        Ok(())
    }

    /// Adds an object query parameter in form + explode style: one pair an entry. The key
    /// is `template` with its `{…}` part replaced by the entry's key (`objectProperty.{name}`
    /// sends `objectProperty.color=red`), or the entry's key alone when `template` has none.
    pub fn query_map<V: serde::Serialize>(
        &mut self,
        template: &str,
        entries: Option<&std::collections::BTreeMap<String, V>>,
    ) -> Result<(), Failure> {
        let slot = template
            .find('{')
            .and_then(|open| Some((open, open + template[open..].find('}')? + 1)));
        for (name, value) in entries.into_iter().flatten() {
            let key = match slot {
                Some((open, close)) => {
                    format!("{}{name}{}", &template[..open], &template[close..])
                }
                None => name.clone(),
            };
            self.query(&key, value)?;
        }
        Ok(())
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Failure> {
        self.body = Some(Body::Json(
            serde_json::to_vec(body).map_err(encode_failure)?,
        ));
        Ok(())
    }

    /// The `Accept` header to send: the media type the generator chose for this operation's
    /// answers.
    pub(crate) fn accept(&self) -> HeaderValue {
        HeaderValue::from_static(self.operation.accept)
    }

    /// Sets an `application/x-www-form-urlencoded` body from an object: one pair a field
    /// (arrays as repeated keys, `None` left out, nested objects as JSON text).
    pub fn form<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Failure> {
        let mut pairs = Vec::new();
        if let serde_json::Value::Object(fields) =
            serde_json::to_value(body).map_err(encode_failure)?
        {
            for (key, value) in fields {
                match value {
                    serde_json::Value::Null => {}
                    serde_json::Value::Array(items) => {
                        for item in items {
                            pairs.push((key.clone(), plain_value(&item)?));
                        }
                    }
                    other => pairs.push((key, plain_value(&other)?)),
                }
            }
        }
        self.body = Some(Body::Form(pairs));
        Ok(())
    }

    /// Adds a text part to a `multipart/form-data` body (a value through serde, as a query
    /// value; `None` adds nothing).
    pub fn part_text<T: serde::Serialize>(
        &mut self,
        name: &'static str,
        value: Option<&T>,
    ) -> Result<(), Failure> {
        if let Some(value) = value {
            let text = plain_value(value)?;
            self.push_part(name, Part::Text(text));
        }
        Ok(())
    }

    /// Adds a file part to a `multipart/form-data` body (`None` adds nothing).
    pub fn part_file(&mut self, name: &'static str, file: Option<&FilePart>) {
        if let Some(file) = file {
            self.push_part(name, Part::File(file.clone()));
        }
    }

    fn push_part(&mut self, name: &'static str, part: Part) {
        match &mut self.body {
            Some(Body::Multipart(parts)) => parts.push((name, part)),
            _ => self.body = Some(Body::Multipart(vec![(name, part)])),
        }
    }

    /// Attaches the body (and its content type) to one attempt. Called again for every
    /// retry, since a multipart form is consumed by sending it.
    pub(crate) fn attach_body(&self, builder: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.body {
            None => builder,
            Some(Body::Json(bytes)) => builder
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(bytes.clone()),
            Some(Body::Form(pairs)) => builder.form(pairs),
            Some(Body::Multipart(parts)) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, part) in parts {
                    form = match part {
                        Part::Text(text) => form.text(*name, text.clone()),
                        Part::File(file) => {
                            let part = || {
                                reqwest::multipart::Part::bytes(file.bytes.clone())
                                    .file_name(file.file_name.clone())
                            };
                            let part = match &file.content_type {
                                Some(mime) => part().mime_str(mime).unwrap_or_else(|_| part()),
                                None => part(),
                            };
                            form.part(*name, part)
                        }
                    };
                }
                builder.multipart(form)
            }
        }
    }

    /// The full URL: the base URL's path, then this request's path, then the query.
    pub(crate) fn url(&self, base: &Url) -> Result<Url, Failure> {
        // The URL parser resolves `.` and `..` segments, so an id of `..` would silently
        // address another endpoint; an empty id would address the collection. A template
        // that itself ends in `/` keeps its last, empty segment.
        let path = match self.operation.path_template.ends_with('/') {
            true => self.path.strip_suffix('/').unwrap_or(&self.path),
            false => &self.path,
        };
        let bad_segment = path
            .split('/')
            .skip(1)
            .any(|segment| matches!(segment, "" | "." | ".."));
        if bad_segment {
            return Err(
                FailureKind::Build(BuildError::new(BuildErrorKind::InvalidPathSegment(
                    self.path.clone(),
                )))
                .into(),
            );
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

/// An answer, its body read in full, whatever its status. Called by generated code, which
/// reads the status and decodes the body as that status's type, or turns the answer into an
/// [`Error::Api`] with [`into_error`](Response::into_error).
#[derive(Debug)]
pub struct Response {
    pub(crate) status: StatusCode,
    pub(crate) method: Method,
    /// The request's path, for error messages.
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// How many attempts the call made to get this answer.
    pub(crate) attempts: u32,
    /// Whether an earlier attempt of the call may have been applied: it timed out, lost its
    /// connection after sending, or got a 502, 503, 504 or 423
    /// ([`Reason::may_have_been_applied`]). Not after a 429 or a connection that never opened:
    /// HubSpot did nothing with those.
    ///
    /// [`Reason::may_have_been_applied`]: crate::retry::Reason::may_have_been_applied
    pub(crate) maybe_applied_earlier: bool,
}

impl Response {
    /// The HTTP status, e.g. `200`.
    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// Decodes the body; an error says where in the body decoding failed.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, Failure> {
        let decode_error = |path: String, error: serde_json::Error| -> Failure {
            FailureKind::Decode(DecodeError::new(
                self.status,
                self.method.clone(),
                self.path.clone(),
                path,
                error,
                &self.body,
                self.attempts,
            ))
            .into()
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

    /// The body as text (a `text/plain` or `text/csv` answer); a body that is not UTF-8 is a
    /// decode error.
    pub fn text(self) -> Result<String, Failure> {
        String::from_utf8(self.body).map_err(|error| {
            let message = format!("the answer is not UTF-8 text: {error}");
            FailureKind::Decode(DecodeError::new(
                self.status,
                self.method,
                self.path,
                ".".to_owned(),
                <serde_json::Error as serde::de::Error>::custom(message),
                error.as_bytes(),
                self.attempts,
            ))
            .into()
        })
    }

    /// The body as bytes (a spreadsheet, a file).
    pub fn bytes(self) -> Vec<u8> {
        self.body
    }

    /// The answer as an API error, its body decoded as `E` if it matches.
    pub fn into_error<E: serde::de::DeserializeOwned>(self) -> Error<E> {
        Error::Api(
            ApiError::new(
                self.status,
                self.method,
                self.path,
                self.headers,
                &self.body,
                self.attempts,
            )
            .after_earlier_attempts(self.maybe_applied_earlier),
        )
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
        path_template: "/crm/v3/objects/things/{thingId}",
        repeat: Repeat::Safe,
        rate_class: RateClass::Standard,
        accept: "application/json",
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
    fn query_repeats_keys_omits_none_and_renders_bools() -> Result<(), Failure> {
        let mut request = get("/crm/v3/objects/things");
        request.query("limit", &10)?;
        request.query_opt("archived", Some(&true))?;
        request.query_opt::<bool>("skipped", None)?;
        request.query_each("associations", Some(&["contacts", "deals"][..]))?;
        request.query_each::<String>("properties", Some(&[]))?;
        request.query_each::<String>("propertiesWithHistory", None)?;
        request.query("after", "a b&c")?;
        assert_eq!(
            url("https://api.hubapi.com", &request),
            "https://api.hubapi.com/crm/v3/objects/things?limit=10&archived=true\
             &associations=contacts&associations=deals&after=a%20b%26c"
        );
        Ok(())
    }

    #[test]
    fn date_times_go_out_as_rfc_3339() -> Result<(), Failure> {
        let mut request = get("/crm/v3/objects/things");
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 5_000_000)
            .unwrap_or_default();
        request.query("since", &at)?;
        // chrono's `Display` would give `2023-11-14 22:13:20.005 UTC`.
        assert_eq!(
            url("https://api.hubapi.com", &request),
            "https://api.hubapi.com/crm/v3/objects/things?since=2023-11-14T22%3A13%3A20.005Z"
        );
        Ok(())
    }

    #[test]
    fn object_query_parameters_are_exploded_into_keys() -> Result<(), Failure> {
        let mut request = get("/crm/v3/objects/things");
        let entries = std::collections::BTreeMap::from([
            ("color".to_owned(), "red".to_owned()),
            ("size".to_owned(), "L".to_owned()),
        ]);
        request.query_map("objectProperty.{propname}", Some(&entries))?;
        request.query_map("{name}", Some(&entries))?;
        request.query_map("filters", Some(&entries))?;
        request.query_map::<String>("none", None)?;
        assert_eq!(
            url("https://api.hubapi.com", &request),
            "https://api.hubapi.com/crm/v3/objects/things?objectProperty.color=red\
             &objectProperty.size=L&color=red&size=L&color=red&size=L"
        );
        Ok(())
    }

    #[test]
    fn a_template_that_ends_in_a_slash_is_sent_as_it_is() {
        const SLASHED: OperationInfo = OperationInfo {
            path_template: "/crm/v3/things/",
            ..TEST_OPERATION
        };
        let Ok(base) = Url::parse("https://api.hubapi.com") else {
            panic!("base URL");
        };
        let request = Request::new(Method::GET, "/crm/v3/things/".to_owned(), &SLASHED);
        assert_eq!(
            request.url(&base).map(|u| u.to_string()).ok().as_deref(),
            Some("https://api.hubapi.com/crm/v3/things/")
        );
        // Without the template's own slash, an empty last segment is still refused.
        assert!(get("/crm/v3/objects/things/").url(&base).is_err());
    }

    #[test]
    fn form_bodies_flatten_fields_and_repeat_arrays() -> Result<(), Failure> {
        let mut request = get("/oauth/v1/token");
        request.form(&serde_json::json!({
            "grant_type": "refresh_token",
            "scopes": ["a", "b"],
            "left_out": null,
            "count": 3,
        }))?;
        match &request.body {
            Some(Body::Form(pairs)) => assert_eq!(
                pairs,
                &[
                    ("grant_type".to_owned(), "refresh_token".to_owned()),
                    ("scopes".to_owned(), "a".to_owned()),
                    ("scopes".to_owned(), "b".to_owned()),
                    ("count".to_owned(), "3".to_owned()),
                ]
            ),
            other => panic!("{other:?}"),
        }
        Ok(())
    }

    #[test]
    fn multipart_parts_keep_their_order_and_skip_none() -> Result<(), Failure> {
        let mut request = get("/files/v3/files");
        request.part_text("folderPath", Some(&"/imports"))?;
        request.part_text::<String>("options", None)?;
        request.part_file("file", Some(&FilePart::new("a.csv", b"x,y".to_vec())));
        request.part_file("other", None);
        match &request.body {
            Some(Body::Multipart(parts)) => {
                let names: Vec<&str> = parts.iter().map(|(name, _)| *name).collect();
                assert_eq!(names, ["folderPath", "file"]);
            }
            other => panic!("{other:?}"),
        }
        Ok(())
    }

    #[test]
    fn no_query_means_no_question_mark() {
        assert_eq!(
            url("https://api.hubapi.com", &get("/crm/v3/objects/things")),
            "https://api.hubapi.com/crm/v3/objects/things"
        );
    }

    #[test]
    fn base_url_joins_with_or_without_trailing_slash_and_prefix() {
        let request = get("/crm/v3/objects/things/batch/upsert");
        for (base, expected) in [
            (
                "https://api.hubapi.com",
                "https://api.hubapi.com/crm/v3/objects/things/batch/upsert",
            ),
            (
                "https://api.hubapi.com/",
                "https://api.hubapi.com/crm/v3/objects/things/batch/upsert",
            ),
            (
                "http://127.0.0.1:8080/proxy/hubspot",
                "http://127.0.0.1:8080/proxy/hubspot/crm/v3/objects/things/batch/upsert",
            ),
            (
                "http://127.0.0.1:8080/proxy/hubspot/",
                "http://127.0.0.1:8080/proxy/hubspot/crm/v3/objects/things/batch/upsert",
            ),
        ] {
            assert_eq!(url(base, &request), expected, "base {base}");
        }
    }

    #[test]
    fn encoded_path_segments_survive_joining() {
        let path = format!("/crm/v3/objects/things/{}", encode_path_segment("a/b c%"));
        assert_eq!(
            url("https://api.hubapi.com", &get(&path)),
            "https://api.hubapi.com/crm/v3/objects/things/a%2Fb%20c%25"
        );
    }

    #[test]
    fn dot_and_empty_segments_are_refused() {
        let Ok(base) = Url::parse("https://api.hubapi.com") else {
            panic!("base URL");
        };
        for id in ["", ".", ".."] {
            let path = format!("/crm/v3/objects/things/{}", encode_path_segment(id));
            let result = get(&path).url(&base);
            assert!(
                matches!(
                    result,
                    Err(Failure {
                        kind: FailureKind::Build(_)
                    })
                ),
                "{id:?} gave {result:?}"
            );
        }
        assert!(get("/crm/v3/objects/things/...").url(&base).is_ok());
    }

    fn response(status: u16, body: &str) -> Response {
        Response {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::IM_A_TEAPOT),
            method: Method::POST,
            path: "/crm/v3/objects/things/batch/read".to_owned(),
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
            attempts: 1,
            maybe_applied_earlier: false,
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
            Err(Failure {
                kind: FailureKind::Decode(error),
            }) => error,
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
                "could not decode the 200 OK answer to POST /crm/v3/objects/things/batch/read: \
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
