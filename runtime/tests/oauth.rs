//! OAuth against the fake HubSpot: access tokens that expire during a sync, many callers at
//! the moment of expiry, a refresh that fails, and secrets that never show.

mod bulk_support;

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bulk_support::{Orders, assert_accounted, collect, orders};
use futures_util::StreamExt;
use futures_util::future::join_all;
use hubspot_runtime::bulk::{BulkUpsert, OutcomeKind, StopReason};
use hubspot_runtime::codegen::{Method, Request, send};
use hubspot_runtime::testing::{FAKE_TOKEN, FakeHubSpot};
use hubspot_runtime::{Error, OAuthRefresh, OperationInfo, RateClass, RateLimit, Repeat};

const CLIENT_ID: &str = "app-client-id-7";
const CLIENT_SECRET: &str = "app-client-secret-b4d5e6";
const REFRESH_TOKEN: &str = "na1-refresh-token-0123456789";

const GET_PAGE: OperationInfo = OperationInfo::new(
    "get_page",
    "get-/crm/v3/objects/orders",
    "/crm/v3/objects/orders",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

impl Orders {
    /// One page of orders: a call as any generated operation makes it.
    async fn get_page(&self) -> Result<serde_json::Value, Error> {
        let mut request = Request::new(Method::GET, "/crm/v3/objects/orders".to_owned(), &GET_PAGE);
        request.query("limit", &1)?;
        let response = send(&self.0, request).await?;
        match response.status() {
            200 => Ok(response.json()?),
            _ => Err(response.into_error()),
        }
    }
}

fn provider(fake: &FakeHubSpot) -> hubspot_runtime::OAuthRefreshBuilder {
    OAuthRefresh::builder(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN)
        .token_url(&fake.oauth_token_url())
}

fn handle(fake: &FakeHubSpot, oauth: OAuthRefresh, limit: RateLimit) -> Orders {
    match fake
        .client_builder()
        .token_provider(oauth)
        .rate_limit(limit)
        .build()
    {
        Ok(client) => Orders(client),
        Err(error) => panic!("{error}"),
    }
}

fn build(builder: hubspot_runtime::OAuthRefreshBuilder) -> OAuthRefresh {
    match builder.build() {
        Ok(oauth) => oauth,
        Err(error) => panic!("{error}"),
    }
}

/// Requests the fake answered with this status, and the token endpoint's requests.
fn answered(fake: &FakeHubSpot, status: u16) -> usize {
    fake.requests()
        .iter()
        .filter(|request| request.status == Some(status))
        .count()
}

fn token_requests(fake: &FakeHubSpot) -> usize {
    fake.requests()
        .iter()
        .filter(|request| request.path == "/oauth/v1/token")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_access_token_that_expires_mid_sync_is_refreshed_once_per_expiry() {
    let lifetime = Duration::from_millis(600);
    let margin = Duration::from_millis(250);
    let fake = FakeHubSpot::builder()
        .unlimited()
        .oauth(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, lifetime)
        .start()
        .await;
    let stored = Arc::new(Mutex::new(Vec::new()));
    let keep = Arc::clone(&stored);
    let oauth = build(
        provider(&fake)
            .refresh_margin(margin)
            .on_refresh(move |tokens| {
                keep.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push((Instant::now(), tokens.refresh_token().secret().to_owned()));
            }),
    );
    // 100 requests a second, 20 inputs each: 4,000 inputs take about 2 s, several lifetimes.
    let orders_handle = handle(
        &fake,
        oauth.clone(),
        RateLimit::new(5, Duration::from_millis(50)),
    );
    let inputs = orders(4_000);
    let started = Instant::now();
    let run = BulkUpsert::new(&orders_handle)
        .batch_size(20)
        .concurrency(4)
        .run_iter(inputs.clone());
    let (outcomes, summary) = collect(run).await;
    let elapsed = started.elapsed();

    assert_accounted(&outcomes, &summary, &inputs);
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|outcome| !outcome.is_success())
        .collect();
    assert!(
        failed.is_empty(),
        "{:?}",
        failed.first().map(|outcome| outcome.kind())
    );
    assert_eq!(fake.record_count("orders"), inputs.len());
    // Refreshed ahead of every expiry: HubSpot never saw an expired token.
    assert_eq!(answered(&fake, 401), 0);
    // One refresh per lifetime (less the margin) of the run, the first one included: at
    // least enough tokens to cover the run, and never one more than the margin calls for.
    let refreshes = fake.oauth_refreshes();
    eprintln!("{refreshes} refreshes in {elapsed:?} ({lifetime:?} tokens)");
    let least = elapsed.as_secs_f64() / lifetime.as_secs_f64();
    let most = elapsed.as_secs_f64() / (lifetime - margin).as_secs_f64() + 1.0;
    assert!(
        (least.ceil()..=most.ceil()).contains(&(refreshes as f64)),
        "{refreshes} refreshes in {elapsed:?}: expected {least:.1} to {most:.1}"
    );
    assert!(
        refreshes >= 3,
        "the run outlived only {refreshes} tokens: {elapsed:?}"
    );
    assert_eq!(oauth.refreshes(), refreshes);
    assert_eq!(token_requests(&fake) as u64, refreshes);
    // Each new refresh token reached the application's store.
    let stored = stored
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert_eq!(stored.len() as u64, refreshes);
    assert!(
        stored
            .iter()
            .all(|(_, token)| token.starts_with("fake-oauth-refresh-")),
        "{stored:?}"
    );
    // Ahead of expiry: each token was replaced once the margin was reached, well before its
    // end (not at it, and not long before the margin).
    let intervals: Vec<Duration> = stored
        .windows(2)
        .map(|pair| pair[1].0.duration_since(pair[0].0))
        .collect();
    let earliest = lifetime - margin - Duration::from_millis(50);
    let latest = lifetime - margin / 2;
    assert!(
        intervals
            .iter()
            .all(|interval| (earliest..=latest).contains(interval)),
        "refreshed after {intervals:?}: expected {earliest:?} to {latest:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_callers_at_the_moment_of_expiry_share_one_refresh() {
    let lifetime = Duration::from_millis(1000);
    let fake = FakeHubSpot::builder()
        .unlimited()
        .oauth(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, lifetime)
        .start()
        .await;
    let oauth = build(provider(&fake));
    let orders_handle = handle(&fake, oauth, RateLimit::STARTER);
    if let Err(error) = orders_handle.get_page().await {
        panic!("{error}");
    }
    assert_eq!(fake.oauth_refreshes(), 1);
    // Past the refresh point (a tenth of the lifetime before its end), before the end.
    tokio::time::sleep(Duration::from_millis(930)).await;
    let calls = (0..50).map(|_| {
        let orders_handle = orders_handle.clone();
        async move { orders_handle.get_page().await }
    });
    let results = join_all(calls).await;
    for result in &results {
        if let Err(error) = result {
            panic!("{error}");
        }
    }
    assert_eq!(fake.oauth_refreshes(), 2);
    assert_eq!(token_requests(&fake), 2);
    assert_eq!(answered(&fake, 401), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_hubspot_says_expired_is_renewed_once_and_the_attempt_made_again() {
    let fake = FakeHubSpot::builder()
        .unlimited()
        .oauth(
            CLIENT_ID,
            CLIENT_SECRET,
            REFRESH_TOKEN,
            Duration::from_secs(1800),
        )
        .start()
        .await;
    let orders_handle = handle(&fake, build(provider(&fake)), RateLimit::STARTER);
    if let Err(error) = orders_handle.get_page().await {
        panic!("{error}");
    }
    // HubSpot ends the token early (a clock off by minutes would do the same).
    fake.expire_oauth_tokens();
    let before = orders_handle.0.metrics();
    if let Err(error) = orders_handle.get_page().await {
        panic!("{error}");
    }
    assert_eq!(fake.oauth_refreshes(), 2);
    assert_eq!(answered(&fake, 401), 1);
    let expired = fake
        .requests()
        .into_iter()
        .find(|request| request.status == Some(401));
    assert!(expired.is_some());
    assert_eq!((orders_handle.0.metrics() - before).requests, 2);

    // A 401 of another kind (a token HubSpot never issued) is no sign to refresh.
    let strict = FakeHubSpot::builder()
        .token(FAKE_TOKEN)
        .oauth(
            CLIENT_ID,
            CLIENT_SECRET,
            REFRESH_TOKEN,
            Duration::from_secs(1800),
        )
        .start()
        .await;
    let wrong = match strict.client_builder().token("pat-not-this-one").build() {
        Ok(client) => Orders(client),
        Err(error) => panic!("{error}"),
    };
    match wrong.get_page().await {
        Err(error) => {
            assert_eq!(error.status().map(|status| status.as_u16()), Some(401));
            assert_eq!(error.attempts(), 1);
        }
        Ok(page) => panic!("{page}"),
    }
    // The fake with an OAuth app still takes its static token.
    let static_client = Orders(strict.client());
    if let Err(error) = static_client.get_page().await {
        panic!("{error}");
    }
    assert_eq!(strict.oauth_refreshes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_refresh_stops_the_sync_with_an_oauth_error_and_loses_nothing() {
    let lifetime = Duration::from_millis(500);
    let fake = FakeHubSpot::builder()
        .unlimited()
        .oauth(CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, lifetime)
        .start()
        .await;
    let oauth = build(provider(&fake));
    let orders_handle = handle(&fake, oauth, RateLimit::new(5, Duration::from_millis(50)));
    let inputs = orders(3_000);
    let mut run = BulkUpsert::new(&orders_handle)
        .batch_size(20)
        .concurrency(4)
        .run_iter(inputs.clone());
    let mut outcomes = Vec::new();
    // Some orders go through; then the app is uninstalled: HubSpot refuses the refresh.
    while let Some(outcome) = run.next().await {
        outcomes.push(outcome);
        if outcomes.len() == 200 {
            fake.fail_oauth_refreshes(Some(400));
        }
    }
    let summary = run.summary();
    drop(run);
    assert_accounted(&outcomes, &summary, &inputs);
    let written: Vec<_> = outcomes
        .iter()
        .filter(|outcome| outcome.is_success())
        .collect();
    let not_attempted: Vec<_> = outcomes
        .iter()
        .filter(|outcome| outcome.is_not_attempted())
        .collect();
    assert!(written.len() >= 200, "{}", written.len());
    assert!(!not_attempted.is_empty());
    assert_eq!(written.len() + not_attempted.len(), inputs.len());
    // What the run says it wrote is in HubSpot, and nothing else is.
    assert_eq!(fake.record_count("orders"), written.len());
    for outcome in &not_attempted {
        let id = &outcome.input().id;
        assert!(
            fake.record_by("orders", "hs_external_order_id", id)
                .is_none(),
            "{id}"
        );
    }
    let Some(OutcomeKind::NotAttempted(StopReason::Error(error))) =
        not_attempted.first().map(|outcome| outcome.kind())
    else {
        panic!("{:?}", not_attempted.first().map(|outcome| outcome.kind()));
    };
    let Error::Auth(auth) = &**error else {
        panic!("{error:?}");
    };
    assert!(auth.is_oauth() && auth.is_refused(), "{auth}");
    assert_eq!(auth.status().map(|status| status.as_u16()), Some(400));
    assert_eq!(auth.code(), Some("BAD_REFRESH_TOKEN"));
    assert_eq!(auth.path(), Some("/crm/v3/objects/orders/batch/upsert"));
    let text = error.to_string();
    assert!(text.contains("OAuth token refresh refused"), "{text}");
    assert!(text.contains("400 Bad Request"), "{text}");
    assert!(text.contains(&fake.oauth_token_url()), "{text}");
    // Refused is final: the endpoint was asked once after the refusal began, not per batch.
    let refusals = fake
        .requests()
        .iter()
        .filter(|request| request.path == "/oauth/v1/token" && request.status == Some(400))
        .count();
    assert_eq!(refusals, 1);
    // Refused calls never reached the API with a stale token.
    assert_eq!(answered(&fake, 401), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_show_in_debug_or_errors() {
    let fake = FakeHubSpot::builder()
        .unlimited()
        .oauth(
            CLIENT_ID,
            CLIENT_SECRET,
            REFRESH_TOKEN,
            Duration::from_secs(1800),
        )
        .start()
        .await;
    let seen = Arc::new(Mutex::new(None));
    let keep = Arc::clone(&seen);
    let builder = provider(&fake).on_refresh(move |tokens| {
        *keep.lock().unwrap_or_else(PoisonError::into_inner) = Some(tokens.clone());
    });
    let builder_debug = format!("{builder:?}");
    let oauth = build(builder);
    let orders_handle = handle(&fake, oauth.clone(), RateLimit::STARTER);
    if let Err(error) = orders_handle.get_page().await {
        panic!("{error}");
    }
    let Some(tokens) = seen.lock().unwrap_or_else(PoisonError::into_inner).clone() else {
        panic!("on_refresh was not called");
    };
    let access = tokens.access_token().secret().to_owned();
    let rotated = tokens.refresh_token().secret().to_owned();
    assert!(tokens.refresh_token_changed());
    assert_eq!(tokens.expires_in(), Duration::from_secs(1800));

    // A refused refresh whose error is on every lip.
    fake.fail_oauth_refreshes(Some(400));
    fake.expire_oauth_tokens();
    let error = match orders_handle.get_page().await {
        Err(error) => error,
        Ok(page) => panic!("{page}"),
    };
    let Error::Auth(auth) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(auth.attempts(), 1, "{auth}");
    let texts = format!(
        "{error} {error:?} {error:#?} {oauth:?} {oauth:#?} {builder_debug} {tokens:?} {:?} {:?}",
        orders_handle.0,
        hubspot_runtime::StaticToken::new(FAKE_TOKEN)
    );
    for secret in [CLIENT_SECRET, REFRESH_TOKEN, &access, &rotated, FAKE_TOKEN] {
        assert!(!texts.contains(secret), "{secret} in {texts}");
    }
    assert!(texts.contains("Token(***)"), "{texts}");
    assert!(texts.contains(CLIENT_ID), "{texts}");
    // The fake's log keeps no OAuth form either.
    let logged: Vec<u8> = fake
        .requests()
        .into_iter()
        .flat_map(|request| request.body)
        .collect();
    let logged = String::from_utf8_lossy(&logged);
    assert!(!logged.contains(CLIENT_SECRET) && !logged.contains(REFRESH_TOKEN));
}
