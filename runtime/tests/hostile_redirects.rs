//! Redirects, which HubSpot's API never sends: a 3xx is an error that names the status and
//! the `Location`, is never retried, and no request goes where it points.

mod hostile_support;

use std::time::{Duration, Instant};

use hostile_support::{RawServer, UPSERT_PATH, answer, build, builder, get, ok_json, upsert};
use hubspot_runtime::{Error, RedirectError};
use reqwest::StatusCode;

/// A server that answers every request with `status` and `Location: location`.
async fn redirecting(status: &str, location: &str) -> RawServer {
    RawServer::always(answer(status, &[("Location", location.as_bytes())], b"")).await
}

/// A server that would take what is redirected to it, and answer `200` as if all went well.
async fn target() -> RawServer {
    RawServer::always(ok_json(r#"{"status":"COMPLETE","results":[]}"#)).await
}

fn redirect_error(outcome: hostile_support::Outcome) -> RedirectError {
    match outcome {
        Err(Error::Redirect(error)) => error,
        other => panic!("expected a redirect error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_307_to_plain_http_elsewhere_is_refused_and_sends_nothing_there() {
    // A host that is not loopback, over plain http: followed, the orders (and the token)
    // would cross the network unencrypted. TEST-NET-3: nobody answers there, and a client
    // that tried would hang in connect, which the short connect timeout turns into a
    // transport error instead of the redirect error.
    let elsewhere = "http://203.0.113.7:8080/collect";
    let server = redirecting("307 Temporary Redirect", elsewhere).await;
    let client = build(builder(&server).connect_timeout(Duration::from_millis(300)));
    let started = Instant::now();
    let error = redirect_error(upsert(&client).await);
    assert_eq!(error.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(error.location(), Some(elsewhere));
    assert!(!error.was_followed());
    assert_eq!(error.method(), reqwest::Method::POST);
    assert_eq!(error.path(), UPSERT_PATH);
    // Never retried: the same request gets the same answer.
    assert_eq!(error.attempts(), 1);
    assert_eq!(server.requests().len(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    let text = error.to_string();
    assert!(text.contains("307 Temporary Redirect"), "{text}");
    assert!(text.contains(elsewhere), "{text}");
    assert!(
        text.contains("POST /crm/v3/objects/things/batch/upsert"),
        "{text}"
    );

    // The same to a listener of ours: it sees no connection at all.
    let target = target().await;
    let location = format!("{}/collect", target.url());
    let server = redirecting("307 Temporary Redirect", &location).await;
    let client = build(builder(&server));
    let error = redirect_error(upsert(&client).await);
    assert_eq!(error.location(), Some(location.as_str()));
    assert_eq!(server.requests().len(), 1);
    assert_eq!(target.connections(), 0, "the body went to the Location");
}

#[tokio::test]
async fn a_302_does_not_turn_a_batch_upsert_into_a_get_reported_as_success() {
    let target = target().await;
    let location = format!("{}{UPSERT_PATH}", target.url());
    let server = redirecting("302 Found", &location).await;
    let client = build(builder(&server));
    let error = redirect_error(upsert(&client).await);
    assert_eq!(error.status(), StatusCode::FOUND);
    assert_eq!(error.location(), Some(location.as_str()));
    assert_eq!(error.attempts(), 1);
    // The upsert reached the server once, as a POST with its body; nothing reached the
    // Location, so no GET could answer 200 in its place.
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method(), "POST");
    assert!(!requests[0].body.is_empty());
    assert_eq!(target.connections(), 0);
    // A bulk engine or a caller tells it apart from HubSpot's own refusals.
    let error: Error = Error::Redirect(error);
    assert!(error.api().is_none());
    assert_eq!(error.status(), Some(StatusCode::FOUND));
}

#[tokio::test]
async fn every_3xx_is_refused_with_or_without_a_location() {
    let target = target().await;
    let location = format!("{}/elsewhere", target.url());
    for status in [
        "300 Multiple Choices",
        "301 Moved Permanently",
        "303 See Other",
        "308 Permanent Redirect",
        "399 Unknown Redirect",
    ] {
        let server = redirecting(status, &location).await;
        let client = build(builder(&server));
        let error = redirect_error(get(&client, "1").await);
        assert_eq!(error.location(), Some(location.as_str()), "{status}");
        assert_eq!(server.requests().len(), 1, "{status}");
    }
    assert_eq!(target.connections(), 0);
    // No Location at all (a 304 never asked for, say).
    let server = RawServer::always(answer("304 Not Modified", &[], b"")).await;
    let error = redirect_error(get(&build(builder(&server)), "1").await);
    assert_eq!(error.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(error.location(), None);
    assert!(error.to_string().contains("without a Location"), "{error}");
}

#[tokio::test]
async fn a_location_that_is_not_utf8_is_reported_not_fatal() {
    let server = RawServer::always(answer(
        "302 Found",
        &[("Location", b"http://example.test/\xff\xfe")],
        b"",
    ))
    .await;
    let error = redirect_error(upsert(&build(builder(&server))).await);
    assert_eq!(
        error.location(),
        Some("http://example.test/\u{fffd}\u{fffd}")
    );
}

#[tokio::test]
async fn a_client_given_that_follows_redirects_cannot_pass_off_another_host_s_answer() {
    // reqwest's default policy follows redirects; the client cannot change a client it is
    // given, so the request does reach the target, but its 200 is not taken for success.
    let target = target().await;
    let location = format!("{}{UPSERT_PATH}", target.url());
    let server = redirecting("302 Found", &location).await;
    let following = match reqwest::Client::builder().build() {
        Ok(http) => http,
        Err(error) => panic!("{error}"),
    };
    let client = build(builder(&server).http_client(following));
    let error = redirect_error(upsert(&client).await);
    assert!(error.was_followed());
    assert_eq!(error.status(), StatusCode::OK);
    assert_eq!(error.location(), Some(location.as_str()));
    assert!(
        error.to_string().contains("redirect::Policy::none()"),
        "{error}"
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(target.requests().len(), 1);
    assert_eq!(target.requests()[0].method(), "GET");
    // A proof that the test's own plumbing answers 200 to a request that goes there.
    let direct = build(builder(&target));
    assert!(get(&direct, "1").await.is_ok());
}
