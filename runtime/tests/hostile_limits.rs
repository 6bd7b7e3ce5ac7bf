//! Rate-limit figures no HubSpot limit has: the client must neither wait a day nor allocate
//! what a header asks for. Each server here answers the first request with hostile
//! `X-HubSpot-RateLimit-*` headers and every later one with a plain `200`.

mod hostile_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hostile_support::{RawServer, answer, build, builder, get, ok_json, write_and_close};
use hubspot_runtime::{Acquire, Error, RateClass, RateLimit, RateLimiter};

/// The longest a call after the hostile answer may take: a window of the client (1 s in
/// these tests), with room for a slow machine. The unguarded client waited a day.
const ABOUT_ONE_WINDOW: Duration = Duration::from_secs(3);

/// A server whose first answer is `first`, every later one `200 {"id":"1"}`.
async fn first_then_ok(first: Vec<u8>) -> RawServer {
    RawServer::start(move |index, stream| {
        let bytes = if index == 0 {
            first.clone()
        } else {
            ok_json(r#"{"id":"1"}"#)
        };
        write_and_close(stream, bytes)
    })
    .await
}

fn figures(status: &str, max: &str, remaining: &str, interval_ms: &str, body: &str) -> Vec<u8> {
    answer(
        status,
        &[
            ("X-HubSpot-RateLimit-Max", max.as_bytes()),
            ("X-HubSpot-RateLimit-Remaining", remaining.as_bytes()),
            (
                "X-HubSpot-RateLimit-Interval-Milliseconds",
                interval_ms.as_bytes(),
            ),
            ("Content-Type", b"application/json"),
        ],
        body.as_bytes(),
    )
}

/// Runs `call` under a time limit well past [`ABOUT_ONE_WINDOW`], so that a client that
/// waits a day fails the test instead of hanging it; returns the outcome and how long it
/// took.
async fn timed<F: std::future::Future>(call: F) -> (F::Output, Duration) {
    let started = Instant::now();
    match tokio::time::timeout(Duration::from_secs(20), call).await {
        Ok(output) => (output, started.elapsed()),
        Err(_) => panic!("the call was still waiting after 20 s"),
    }
}

const WINDOW: RateLimit = RateLimit::new(100, Duration::from_secs(1));

#[tokio::test]
async fn a_day_long_interval_does_not_hold_the_next_call() {
    let server = first_then_ok(figures("200 OK", "1", "0", "86400000", r#"{"id":"1"}"#)).await;
    let client = build(builder(&server).rate_limit(WINDOW));
    if let Err(error) = get(&client, "1").await {
        panic!("{error}");
    }
    // Believed, these figures say: one request a day, and it is spent.
    let (second, took) = timed(get(&client, "2")).await;
    if let Err(error) = second {
        panic!("{error}");
    }
    assert!(took < ABOUT_ONE_WINDOW, "the next call waited {took:?}");
    assert_eq!(server.requests().len(), 2);
    // What the server said is still there to read, as it said it.
    let figures = client.rate_limits();
    assert_eq!(figures.and_then(|figures| figures.max), Some(1));
}

#[tokio::test]
async fn a_429_with_a_day_long_interval_holds_the_retry_one_window_at_most() {
    let limited = r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
    let server = first_then_ok(figures(
        "429 Too Many Requests",
        "1",
        "0",
        "86400000",
        limited,
    ))
    .await;
    let client = build(builder(&server).rate_limit(WINDOW));
    let (outcome, took) = timed(get(&client, "1")).await;
    if let Err(error) = outcome {
        panic!("{error}");
    }
    // The figures are ignored, so the 429 counts as one that says nothing: the window (the
    // client's own, 1 s) is taken as full, once.
    assert!(
        took >= Duration::from_millis(900),
        "the retry did not wait for the window: {took:?}"
    );
    assert!(took < ABOUT_ONE_WINDOW, "the retry waited {took:?}");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(client.metrics().retries, 1);
}

#[tokio::test]
async fn a_max_of_u32_max_neither_aborts_nor_holds_the_client() {
    // The unguarded limiter took this for 4,294,967,295 requests, one log entry each: the
    // process aborted allocating 4 GiB.
    let server = first_then_ok(figures("200 OK", "4294967295", "0", "10000", "{}")).await;
    let client = build(builder(&server).rate_limit(WINDOW));
    if let Err(error) = get(&client, "1").await {
        panic!("{error}");
    }
    let (outcomes, took) = timed(async {
        let mut outcomes = Vec::new();
        for id in 2..7 {
            outcomes.push(get(&client, &id.to_string()).await);
        }
        outcomes
    })
    .await;
    for outcome in outcomes {
        if let Err(error) = outcome {
            panic!("{error}");
        }
    }
    assert!(took < ABOUT_ONE_WINDOW, "five calls took {took:?}");
    assert_eq!(server.requests().len(), 6);
}

#[tokio::test]
async fn a_zero_or_huge_max_and_remaining_above_max_are_not_believed() {
    let cases = [
        ("100", "4294967295", "10000"),
        ("0", "0", "10000"),
        ("5000", "0", "10000"),
    ];
    for (max, remaining, interval) in cases {
        let server = first_then_ok(figures("200 OK", max, remaining, interval, "{}")).await;
        let client = build(builder(&server).rate_limit(WINDOW));
        if let Err(error) = get(&client, "1").await {
            panic!("{error}");
        }
        let (outcome, took) = timed(get(&client, "2")).await;
        if let Err(error) = outcome {
            panic!("{max}/{remaining}: {error}");
        }
        assert!(
            took < ABOUT_ONE_WINDOW,
            "{max}/{remaining}: waited {took:?}"
        );
    }
}

#[tokio::test]
async fn a_window_full_for_longer_than_the_deadline_ends_the_call_at_the_deadline() {
    // Plausible figures: ten seconds, none left. The retry waits for the limiter, which the
    // call's deadline cuts short, and the error says where the time went.
    let limited = r#"{"status":"error","policyName":"TEN_SECONDLY_ROLLING"}"#;
    let server = first_then_ok(figures(
        "429 Too Many Requests",
        "100",
        "0",
        "10000",
        limited,
    ))
    .await;
    let client = build(builder(&server).deadline(Duration::from_millis(700)));
    let (outcome, took) = timed(get(&client, "1")).await;
    match outcome {
        Err(Error::DeadlineExceeded(error)) => {
            assert!(error.waiting_for_rate_limiter(), "{error}");
            // The first attempt; the second never left the limiter.
            assert_eq!(error.attempts(), 1, "{error}");
            assert!(
                error.to_string().contains("waiting for the rate limiter"),
                "{error}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(took >= Duration::from_millis(650), "{took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(server.requests().len(), 1);
}

/// A limiter that never lets a request out.
#[derive(Debug)]
struct Closed;

impl RateLimiter for Closed {
    fn acquire(&self, _class: RateClass) -> Acquire<'_> {
        Box::pin(std::future::pending())
    }
}

#[tokio::test]
async fn any_limiter_s_wait_counts_against_the_deadline() {
    let server = first_then_ok(ok_json("{}")).await;
    let client = build(
        builder(&server)
            .rate_limiter(Arc::new(Closed))
            .deadline(Duration::from_millis(300)),
    );
    let (outcome, took) = timed(get(&client, "1")).await;
    match outcome {
        Err(Error::DeadlineExceeded(error)) => {
            assert!(error.waiting_for_rate_limiter(), "{error}");
            // The attempt was never let out.
            assert_eq!(error.attempts(), 0, "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(server.connections(), 0);
}
