//! Paging streams against a small HTTP server that pages like HubSpot: `get_page` with an
//! `after` cursor, and search with an offset cursor that refuses to page past its cap.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::{StreamExt, TryStreamExt};
use std::time::Duration;

use hubspot_orders::orders::Orders;
use hubspot_orders::orders::operations::GetPageParams;
use hubspot_orders::orders::types::{Filter, FilterGroup, Operator, PublicObjectSearchRequest};
use hubspot_orders::paging::{self, SearchAll};
use hubspot_orders::testing::FakeHubSpot;
use hubspot_orders::{Client, ClientExt, RateLimit};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// The `parity` property of record `id`: "even" or "odd". (Written as a `match`: the
/// workspace's Rust 1.85 has no `is_multiple_of`.)
fn parity(id: u64) -> &'static str {
    match id % 2 {
        0 => "even",
        _ => "odd",
    }
}

fn record(id: u64) -> Value {
    json!({
        "id": id.to_string(),
        "properties": {"hs_object_id": id.to_string(), "parity": parity(id)},
        "createdAt": "2026-11-29T00:00:00Z",
        "updatedAt": "2026-11-29T00:00:00Z",
        "archived": false
    })
}

/// The orders handle of a client of `server`, without retries.
fn client(server: &MockServer) -> Orders {
    match Client::builder()
        .token("test-token")
        .base_url(&server.uri())
        .max_retries(0)
        .build()
    {
        Ok(client) => client.orders(),
        Err(error) => panic!("{error}"),
    }
}

/// Lists ids `1..=total` in pages, the cursor being the last id of the previous page.
struct Listing {
    total: u64,
    calls: Arc<AtomicUsize>,
    fail_at_call: Option<usize>,
}

impl Respond for Listing {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail_at_call == Some(call) {
            return ResponseTemplate::new(403).set_body_json(json!({"message": "missing scope"}));
        }
        let query = |name: &str| {
            request
                .url
                .query_pairs()
                .find(|(key, _)| key == name)
                .and_then(|(_, value)| value.parse::<u64>().ok())
        };
        let after = query("after").unwrap_or(0);
        let limit = query("limit").unwrap_or(10);
        let ids: Vec<u64> = (after + 1..=self.total).take(limit as usize).collect();
        let mut body = json!({"results": ids.iter().map(|id| record(*id)).collect::<Vec<_>>()});
        if let Some(last) = ids.last().filter(|last| **last < self.total) {
            body["paging"] = json!({"next": {"after": last.to_string(), "link": "?after"}});
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn pages_yields_every_record_once_in_order() {
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/orders"))
        .respond_with(Listing {
            total: 95,
            calls: calls.clone(),
            fail_at_call: None,
        })
        .mount(&server)
        .await;
    let params = GetPageParams::new().with_limit(10);
    let records: Vec<_> = match paging::pages(&client(&server), params).try_collect().await {
        Ok(records) => records,
        Err(error) => panic!("{error}"),
    };
    let ids: Vec<u64> = records.iter().filter_map(|r| r.id.parse().ok()).collect();
    assert_eq!(ids, (1..=95).collect::<Vec<_>>());
    assert_eq!(calls.load(Ordering::SeqCst), 10);
}

#[tokio::test]
async fn pages_yields_the_error_and_ends() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/crm/v3/objects/orders"))
        .respond_with(Listing {
            total: 95,
            calls: Arc::new(AtomicUsize::new(0)),
            fail_at_call: Some(2),
        })
        .mount(&server)
        .await;
    let params = GetPageParams::new().with_limit(10);
    let items: Vec<_> = paging::pages(&client(&server), params).collect().await;
    assert_eq!(items.len(), 21);
    assert!(items[..20].iter().all(Result::is_ok));
    match &items[20] {
        Err(error) => assert_eq!(error.status().map(|s| s.as_u16()), Some(403)),
        Ok(record) => panic!("{record:?}"),
    }
}

/// Searches ids `3, 6, 9, …` (every third up to `3 * total`), honouring `hs_object_id > x`
/// and `parity EQ` filters and the sort on `hs_object_id`, with an offset cursor that fails
/// like HubSpot's past `cap` results.
struct Search {
    total: u64,
    cap: u64,
    requests: Arc<std::sync::Mutex<Vec<Value>>>,
}

impl Respond for Search {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return ResponseTemplate::new(400);
        };
        if let Ok(mut requests) = self.requests.lock() {
            requests.push(body.clone());
        }
        if body["sorts"] != json!(["hs_object_id"]) {
            return ResponseTemplate::new(400).set_body_json(json!({"message": "unsorted"}));
        }
        let after: u64 = body["after"]
            .as_str()
            .and_then(|a| a.parse().ok())
            .unwrap_or(0);
        let limit = body["limit"].as_u64().unwrap_or(10);
        if after + limit > self.cap {
            return ResponseTemplate::new(400).set_body_json(
                json!({"message": "past the result cap", "category": "VALIDATION_ERROR"}),
            );
        }
        let groups = body["filterGroups"].as_array().cloned().unwrap_or_default();
        let matches = |id: u64| {
            let parity = parity(id);
            groups.is_empty()
                || groups.iter().any(|group| {
                    group["filters"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .all(|filter| {
                            let value = filter["value"].as_str().unwrap_or_default();
                            match (filter["propertyName"].as_str(), filter["operator"].as_str()) {
                                (Some("hs_object_id"), Some("GT")) => {
                                    value.parse::<u64>().is_ok_and(|v| id > v)
                                }
                                (Some("parity"), Some("EQ")) => value == parity,
                                _ => false,
                            }
                        })
                })
        };
        let all: Vec<u64> = (1..=self.total)
            .map(|n| n * 3)
            .filter(|id| matches(*id))
            .collect();
        let page: Vec<Value> = all
            .iter()
            .skip(after as usize)
            .take(limit as usize)
            .map(|id| record(*id))
            .collect();
        let mut answer = json!({"total": all.len(), "results": page});
        if after + limit < all.len() as u64 {
            answer["paging"] = json!({"next": {"after": (after + limit).to_string()}});
        }
        ResponseTemplate::new(200).set_body_json(answer)
    }
}

fn search_request(groups: Vec<FilterGroup>) -> PublicObjectSearchRequest {
    PublicObjectSearchRequest::new(
        "0".to_owned(),
        groups,
        20,
        vec!["parity".to_owned()],
        vec!["-hs_lastmodifieddate".to_owned()],
    )
}

async fn search_server(total: u64, cap: u64) -> (MockServer, Arc<std::sync::Mutex<Vec<Value>>>) {
    let server = MockServer::start().await;
    let requests = Arc::new(std::sync::Mutex::new(Vec::new()));
    Mock::given(method("POST"))
        .and(path("/crm/v3/objects/orders/search"))
        .respond_with(Search {
            total,
            cap,
            requests: requests.clone(),
        })
        .mount(&server)
        .await;
    (server, requests)
}

#[tokio::test]
async fn search_all_gets_past_the_result_cap_without_losing_or_repeating() {
    let (server, requests) = search_server(237, 50).await;
    let stream = SearchAll::new(&client(&server), search_request(Vec::new()))
        .cap(50)
        .into_stream();
    let records: Vec<_> = match stream.try_collect().await {
        Ok(records) => records,
        Err(error) => panic!("{error}"),
    };
    let ids: Vec<u64> = records.iter().filter_map(|r| r.id.parse().ok()).collect();
    assert_eq!(ids, (1..=237).map(|n| n * 3).collect::<Vec<_>>());
    // Restarts happened: some request carried the id filter.
    let requests = match requests.lock() {
        Ok(requests) => requests.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    };
    assert!(
        requests
            .iter()
            .any(|r| r["filterGroups"][0]["filters"][0]["operator"] == "GT")
    );
}

#[tokio::test]
async fn search_all_keeps_the_callers_filters_on_every_restart() {
    let (server, _) = search_server(400, 50).await;
    let even = FilterGroup::new(vec![
        Filter::new(Operator::Eq, "parity".to_owned()).with_value("even".to_owned()),
    ]);
    let stream = SearchAll::new(&client(&server), search_request(vec![even]))
        .cap(50)
        .into_stream();
    let records: Vec<_> = match stream.try_collect().await {
        Ok(records) => records,
        Err(error) => panic!("{error}"),
    };
    let ids: BTreeSet<u64> = records.iter().filter_map(|r| r.id.parse().ok()).collect();
    let expected: BTreeSet<u64> = (1..=400)
        .map(|n| n * 3)
        .filter(|id| parity(*id) == "even")
        .collect();
    assert_eq!(records.len(), expected.len());
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn search_without_restarts_fails_at_the_cap() {
    // The server really refuses to page past its cap: a cap above the server's is an error.
    let (server, _) = search_server(237, 50).await;
    let stream = SearchAll::new(&client(&server), search_request(Vec::new()))
        .cap(10_000)
        .into_stream();
    let items: Vec<_> = stream.collect().await;
    assert!(items.last().is_some_and(Result::is_err));
    // Pages of 20 from offsets 0 and 20; the page at offset 40 would end past 50.
    assert_eq!(items.len(), 41);
}

/// A fake holding `count` orders, and the orders handle of a client whose search pacing
/// matches the fake's.
async fn fake_with_orders(count: usize) -> (FakeHubSpot, Orders) {
    let fake = FakeHubSpot::builder().search_budget(1_000).start().await;
    for n in 0..count {
        if let Err(error) =
            fake.insert_record("orders", [("hs_external_order_id", format!("shop-{n}"))])
        {
            panic!("{error}");
        }
    }
    let client = fake
        .client_builder()
        .search_rate_limit(RateLimit::new(1_000, Duration::from_secs(1)))
        .build();
    match client {
        Ok(client) => (fake, client.orders()),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn pages_reads_every_order_of_the_fake() {
    let (fake, client) = fake_with_orders(250).await;
    let params = GetPageParams::new().with_limit(100);
    let records: Vec<_> = match paging::pages(&client, params).try_collect().await {
        Ok(records) => records,
        Err(error) => panic!("{error}"),
    };
    let ids: BTreeSet<String> = records.iter().map(|record| record.id.clone()).collect();
    assert_eq!(records.len(), 250);
    assert_eq!(
        ids,
        fake.records("orders")
            .into_iter()
            .map(|order| order.id)
            .collect()
    );
}

#[tokio::test]
async fn search_all_reads_past_ten_thousand_results_of_the_fake() {
    let (fake, client) = fake_with_orders(10_250).await;
    let request = PublicObjectSearchRequest::new(
        "0".to_owned(),
        Vec::new(),
        200,
        vec!["hs_external_order_id".to_owned()],
        Vec::new(),
    );
    let records: Vec<_> = match paging::search_all(&client, request).try_collect().await {
        Ok(records) => records,
        Err(error) => panic!("{error}"),
    };
    let ids: Vec<u64> = records
        .iter()
        .filter_map(|record| record.id.parse().ok())
        .collect();
    assert_eq!(ids.len(), 10_250);
    assert!(
        ids.windows(2).all(|pair| pair[0] < pair[1]),
        "ascending, no repeats"
    );
    let stored: BTreeSet<u64> = fake
        .records("orders")
        .iter()
        .filter_map(|order| order.id.parse().ok())
        .collect();
    assert_eq!(ids.into_iter().collect::<BTreeSet<_>>(), stored);
}
