//! Paging against in-memory listing and search operations.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

use futures_util::{StreamExt, TryStreamExt};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::codegen::Response;
use crate::{Client, Error};

/// An error answer, as the client returns it.
fn api_error(path: &str, message: &str) -> Error<Value> {
    Response {
        status: StatusCode::BAD_REQUEST,
        method: Method::POST,
        path: path.to_owned(),
        headers: HeaderMap::new(),
        body: json!({ "message": message }).to_string().into_bytes(),
        attempts: 1,
        maybe_applied_earlier: false,
    }
    .into_error()
}

fn client() -> Client {
    Client::new("pat-na1-test")
}

/// Shared call log.
#[derive(Debug, Default, Clone)]
struct Log<T>(Arc<Mutex<Vec<T>>>);

impl<T: Clone> Log<T> {
    fn push(&self, value: T) {
        match self.0.lock() {
            Ok(mut log) => log.push(value),
            Err(poisoned) => poisoned.into_inner().push(value),
        }
    }

    fn all(&self) -> Vec<T> {
        match self.0.lock() {
            Ok(log) => log.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

// ---- listing ----

/// A page of numbers.
struct Numbers {
    items: Vec<u32>,
    next: Option<String>,
}

impl Page for Numbers {
    type Item = u32;

    fn next_after(&self) -> Option<&str> {
        self.next.as_deref()
    }

    fn into_items(self) -> Vec<u32> {
        self.items
    }
}

#[derive(Debug, Clone)]
struct ListParams {
    limit: usize,
    after: Option<String>,
}

/// Lists `0..count` with an offset cursor.
#[derive(Debug, Clone)]
struct Listing {
    client: Client,
    count: u32,
    /// The page (from 0) that fails.
    fail_at: Option<usize>,
    /// Every page offers this cursor.
    stuck_cursor: Option<&'static str>,
    calls: Log<Option<String>>,
}

impl Listing {
    fn new(count: u32) -> Self {
        Listing {
            client: client(),
            count,
            fail_at: None,
            stuck_cursor: None,
            calls: Log::default(),
        }
    }
}

impl Api for Listing {
    fn client(&self) -> &Client {
        &self.client
    }
}

impl ListOperation for Listing {
    type Params = ListParams;
    type Page = Numbers;
    type Error = Value;

    fn list_page(
        &self,
        params: &ListParams,
        after: Option<String>,
    ) -> BoxFuture<'static, Result<Numbers, Error<Value>>> {
        let after = after.or_else(|| params.after.clone());
        let page = self.calls.all().len();
        self.calls.push(after.clone());
        let start: u32 = after.and_then(|after| after.parse().ok()).unwrap_or(0);
        let limit = u32::try_from(params.limit).unwrap_or(u32::MAX);
        let end = start.saturating_add(limit).min(self.count);
        let answer = match self.fail_at {
            Some(fail_at) if fail_at == page => Err(api_error("/list", "no")),
            _ => Ok(Numbers {
                items: (start..end).collect(),
                next: match self.stuck_cursor {
                    Some(stuck) => Some(stuck.to_owned()),
                    None => (end < self.count).then(|| end.to_string()),
                },
            }),
        };
        Box::pin(async move { answer })
    }
}

fn params(limit: usize) -> ListParams {
    ListParams { limit, after: None }
}

#[tokio::test]
async fn pages_follow_the_cursor_to_the_last_page() {
    let listing = Listing::new(23);
    let items: Vec<u32> = match pages(&listing, params(5)).try_collect().await {
        Ok(items) => items,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(items, (0..23).collect::<Vec<_>>());
    let cursors: Vec<Option<String>> = ["5", "10", "15", "20"]
        .into_iter()
        .map(|after| Some(after.to_owned()))
        .collect();
    assert_eq!(listing.calls.all()[0], None);
    assert_eq!(listing.calls.all()[1..], cursors[..]);
}

#[tokio::test]
async fn pages_start_where_the_params_say() {
    let listing = Listing::new(12);
    let params = ListParams {
        limit: 5,
        after: Some("8".to_owned()),
    };
    let items: Vec<u32> = match pages(&listing, params).try_collect().await {
        Ok(items) => items,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(items, [8, 9, 10, 11]);
}

#[tokio::test]
async fn a_cursor_that_does_not_move_ends_paging() {
    let listing = Listing {
        stuck_cursor: Some("5"),
        ..Listing::new(100)
    };
    let items: Vec<u32> = match pages(&listing, params(5)).try_collect().await {
        Ok(items) => items,
        Err(error) => panic!("{error}"),
    };
    // The first page, then the page at "5", which offers "5" again: the end.
    assert_eq!(items, (0..10).collect::<Vec<_>>());
    assert_eq!(listing.calls.all().len(), 2);
}

#[tokio::test]
async fn the_first_error_ends_the_listing() {
    let listing = Listing {
        fail_at: Some(2),
        ..Listing::new(100)
    };
    let items: Vec<Result<u32, Error<Value>>> = pages(&listing, params(10)).collect().await;
    assert_eq!(items.len(), 21);
    assert!(items[..20].iter().all(Result::is_ok));
    assert_eq!(
        items[20].as_ref().err().and_then(Error::status),
        Some(StatusCode::BAD_REQUEST)
    );
    assert_eq!(listing.calls.all().len(), 3);
}

// ---- search ----

/// A search request as the older documents type it: everything required, sorts as strings.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct OldRequest {
    after: String,
    #[serde(rename = "filterGroups")]
    filter_groups: Vec<FilterGroup>,
    limit: i32,
    properties: Vec<String>,
    sorts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct FilterGroup {
    filters: Vec<Filter>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Filter {
    #[serde(rename = "propertyName")]
    property_name: String,
    operator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
}

/// A search request as the newer documents type it: optional fields, sorts as objects.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct NewRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    after: Option<String>,
    #[serde(rename = "filterGroups", skip_serializing_if = "Option::is_none")]
    filter_groups: Option<Vec<FilterGroup>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<i32>,
    #[serde(default)]
    sorts: Vec<Sort>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Sort {
    #[serde(rename = "propertyName")]
    property_name: String,
    direction: String,
}

/// A request type that cannot be sorted by a property name.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct NumberSorts {
    sorts: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
struct Thing {
    id: String,
}

impl Record for Thing {
    fn id(&self) -> &str {
        &self.id
    }
}

struct Matches {
    items: Vec<Thing>,
    next: Option<String>,
    total: Option<u64>,
}

impl Page for Matches {
    type Item = Thing;

    fn next_after(&self) -> Option<&str> {
        self.next.as_deref()
    }

    fn into_items(self) -> Vec<Thing> {
        self.items
    }

    fn total(&self) -> Option<u64> {
        self.total
    }
}

/// Searches ids `3, 6, 9, …` (every third up to `3 * count`), honouring `hs_object_id GT`
/// and `parity EQ` filters and the sort on `hs_object_id`, with an offset cursor that fails
/// like HubSpot's past `cap` results.
#[derive(Debug)]
struct Searcher<R> {
    client: Client,
    count: u64,
    cap: u64,
    /// Whether pages carry `total`.
    with_total: bool,
    /// Whether the last page before the cap offers no cursor (else a cursor past it).
    cursor_stops_at_cap: bool,
    /// Whether `hs_object_id GT` is ignored (a restart makes no progress).
    ignore_restart_filter: bool,
    requests: Log<Value>,
    request_type: PhantomData<fn() -> R>,
}

impl<R> Clone for Searcher<R> {
    fn clone(&self) -> Self {
        Searcher {
            client: self.client.clone(),
            requests: self.requests.clone(),
            request_type: PhantomData,
            ..*self
        }
    }
}

impl<R> Searcher<R> {
    fn new(count: u64, cap: u64) -> Self {
        Searcher {
            client: client(),
            count,
            cap,
            with_total: true,
            cursor_stops_at_cap: false,
            ignore_restart_filter: false,
            requests: Log::default(),
            request_type: PhantomData,
        }
    }

    fn answer(&self, body: &Value) -> Result<Matches, Error<Value>> {
        let sorted = body["sorts"] == json!([OBJECT_ID_PROPERTY])
            || body["sorts"]
                == json!([{"propertyName": OBJECT_ID_PROPERTY, "direction": "ASCENDING"}]);
        if !sorted {
            return Err(api_error("/search", "unsorted"));
        }
        let after: u64 = match &body["after"] {
            Value::Null => 0,
            after => after
                .as_str()
                .and_then(|a| a.parse().ok())
                .unwrap_or(u64::MAX),
        };
        let limit = body["limit"].as_u64().unwrap_or(10);
        if after.saturating_add(limit) > self.cap {
            return Err(api_error("/search", "past the result cap"));
        }
        let groups = body["filterGroups"].as_array().cloned().unwrap_or_default();
        let matches = |id: u64| {
            let parity = if id % 2 == 0 { "even" } else { "odd" };
            groups.is_empty()
                || groups.iter().any(|group| {
                    group["filters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .all(|filter| {
                            let value = filter["value"].as_str().unwrap_or_default();
                            match (filter["propertyName"].as_str(), filter["operator"].as_str()) {
                                (Some(OBJECT_ID_PROPERTY), Some("GT")) => {
                                    self.ignore_restart_filter
                                        || value.parse::<u64>().is_ok_and(|v| id > v)
                                }
                                (Some("parity"), Some("EQ")) => value == parity,
                                _ => false,
                            }
                        })
                })
        };
        let all: Vec<u64> = (1..=self.count)
            .map(|n| n * 3)
            .filter(|id| matches(*id))
            .collect();
        let total = all.len() as u64;
        let items = all
            .iter()
            .skip(usize::try_from(after).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|id| Thing { id: id.to_string() })
            .collect();
        let end = after + limit;
        let last = match self.cursor_stops_at_cap {
            true => total.min(self.cap),
            false => total,
        };
        Ok(Matches {
            items,
            next: (end < last).then(|| end.to_string()),
            total: self.with_total.then_some(total),
        })
    }
}

impl<R> Api for Searcher<R>
where
    R: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    fn client(&self) -> &Client {
        &self.client
    }
}

impl<R> SearchOperation for Searcher<R>
where
    R: serde::Serialize + serde::de::DeserializeOwned + Clone + Send + Sync + 'static,
{
    type Request = R;
    type Page = Matches;
    type Error = Value;

    fn search_page(&self, request: R) -> BoxFuture<'static, Result<Matches, Error<Value>>> {
        let body = serde_json::to_value(&request).unwrap_or_default();
        self.requests.push(body.clone());
        let answer = self.answer(&body);
        Box::pin(async move { answer })
    }
}

fn old_request(groups: Vec<FilterGroup>) -> OldRequest {
    OldRequest {
        after: "0".to_owned(),
        filter_groups: groups,
        limit: 20,
        properties: vec!["parity".to_owned()],
        sorts: vec!["-hs_lastmodifieddate".to_owned()],
    }
}

fn parity(value: &str) -> FilterGroup {
    FilterGroup {
        filters: vec![Filter {
            property_name: "parity".to_owned(),
            operator: "EQ".to_owned(),
            value: Some(value.to_owned()),
        }],
    }
}

fn ids(things: &[Thing]) -> Vec<u64> {
    things.iter().filter_map(|t| t.id.parse().ok()).collect()
}

async fn collect<S: SearchOperation<Page = Matches>>(stream: SearchAll<S>) -> Vec<Thing> {
    match stream.into_stream().try_collect().await {
        Ok(things) => things,
        Err(error) => panic!("{error}"),
    }
}

/// The requests that restarted the query: those carrying the id filter at `after` 0.
fn restarts(requests: &[Value]) -> Vec<&Value> {
    requests
        .iter()
        .filter(|r| r.to_string().contains(r#""operator":"GT""#))
        .filter(|r| r["after"] == "0" || r["after"].is_null())
        .collect()
}

#[tokio::test]
async fn search_all_gets_past_the_result_cap_without_losing_or_repeating() {
    let searcher = Searcher::<OldRequest>::new(237, 50);
    let things = collect(SearchAll::new(&searcher, old_request(Vec::new())).cap(50)).await;
    assert_eq!(ids(&things), (1..=237).map(|n| n * 3).collect::<Vec<_>>());
    let requests = searcher.requests.all();
    // The caller's sort is replaced, its page size kept.
    assert!(
        requests
            .iter()
            .all(|r| r["sorts"] == json!([OBJECT_ID_PROPERTY]))
    );
    assert!(requests.iter().all(|r| r["limit"] == 20));
    // Restarts happened, each from the first page with a group of the id filter alone; the
    // type requires `after`, so a restart sets it to "0".
    let restarts = restarts(&requests);
    assert!(restarts.len() >= 4, "{requests:?}");
    for restart in restarts {
        assert_eq!(restart["after"], "0");
        assert_eq!(restart["filterGroups"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            restart["filterGroups"][0]["filters"][0]["propertyName"],
            OBJECT_ID_PROPERTY
        );
    }
}

#[tokio::test]
async fn search_all_keeps_the_callers_filters_on_every_restart() {
    let searcher = Searcher::<OldRequest>::new(400, 50);
    let request = old_request(vec![parity("even")]);
    let things = collect(SearchAll::new(&searcher, request).cap(50)).await;
    let found: BTreeSet<u64> = ids(&things).into_iter().collect();
    let expected: BTreeSet<u64> = (1..=400).map(|n| n * 3).filter(|id| id % 2 == 0).collect();
    assert_eq!(things.len(), expected.len());
    assert_eq!(found, expected);

    // Two groups (alternatives): each one gets the id filter.
    let searcher = Searcher::<OldRequest>::new(100, 50);
    let request = old_request(vec![parity("even"), parity("odd")]);
    let things = collect(SearchAll::new(&searcher, request).cap(50)).await;
    assert_eq!(ids(&things), (1..=100).map(|n| n * 3).collect::<Vec<_>>());
    let requests = searcher.requests.all();
    let restarts = restarts(&requests);
    assert!(!restarts.is_empty());
    for restart in restarts {
        for group in restart["filterGroups"].as_array().into_iter().flatten() {
            assert_eq!(group["filters"][0]["propertyName"], "parity");
            assert_eq!(group["filters"][1]["operator"], "GT");
        }
    }
}

#[tokio::test]
async fn newer_request_types_get_object_sorts_a_page_size_and_no_after_on_restart() {
    let searcher = Searcher::<NewRequest>::new(600, 250);
    let request = NewRequest {
        after: None,
        filter_groups: None,
        limit: None,
        sorts: vec![Sort {
            property_name: "createdate".to_owned(),
            direction: "DESCENDING".to_owned(),
        }],
    };
    let things = collect(SearchAll::new(&searcher, request).cap(250)).await;
    assert_eq!(ids(&things), (1..=600).map(|n| n * 3).collect::<Vec<_>>());
    let requests = searcher.requests.all();
    let sort = json!([{"propertyName": OBJECT_ID_PROPERTY, "direction": "ASCENDING"}]);
    assert!(requests.iter().all(|r| r["sorts"] == sort), "{requests:?}");
    assert!(requests.iter().all(|r| r["limit"] == 100));
    let restarts = restarts(&requests);
    assert!(!restarts.is_empty());
    assert!(restarts.iter().all(|r| r.get("after").is_none()));
    // The first request is the caller's (no cursor); then cursors, then restarts.
    assert!(requests[0].get("after").is_none());
    assert_eq!(requests[1]["after"], "100");
}

#[tokio::test]
async fn a_query_that_ends_at_the_cap_is_restarted_with_or_without_a_total() {
    for with_total in [true, false] {
        let searcher = Searcher::<OldRequest> {
            with_total,
            cursor_stops_at_cap: true,
            ..Searcher::new(237, 40)
        };
        let things = collect(SearchAll::new(&searcher, old_request(Vec::new())).cap(40)).await;
        assert_eq!(
            ids(&things),
            (1..=237).map(|n| n * 3).collect::<Vec<_>>(),
            "with total: {with_total}"
        );
    }
}

#[tokio::test]
async fn search_without_restarts_fails_at_the_cap() {
    // The server really refuses to page past its cap: a cap above the server's is an error.
    let searcher = Searcher::<OldRequest>::new(237, 50);
    let stream = SearchAll::new(&searcher, old_request(Vec::new())).into_stream();
    let items: Vec<_> = stream.collect().await;
    assert!(items.last().is_some_and(Result::is_err));
    // Pages of 20 from offsets 0 and 20; the page at offset 40 would end past 50.
    assert_eq!(items.len(), 41);
}

#[tokio::test]
async fn a_restart_that_makes_no_progress_ends_the_search() {
    let searcher = Searcher::<OldRequest> {
        ignore_restart_filter: true,
        ..Searcher::new(100, 40)
    };
    let things = collect(SearchAll::new(&searcher, old_request(Vec::new())).cap(40)).await;
    // The first query, then one restart that reads the same records: the end.
    assert_eq!(things.len(), 80);
    assert_eq!(searcher.requests.all().len(), 4);
}

#[tokio::test]
async fn a_request_type_that_cannot_be_edited_is_an_error_before_any_request() {
    let searcher = Searcher::<NumberSorts>::new(10, 50);
    let items: Vec<_> = search_all(&searcher, NumberSorts { sorts: vec![1] })
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    match &items[0] {
        Err(Error::Encode(error)) => {
            assert!(error.to_string().contains("cannot set the sort"), "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert!(searcher.requests.all().is_empty());
}
