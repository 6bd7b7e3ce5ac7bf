//! Answers that try to stall or crash the client: bodies that never end or never stop
//! growing, a `Content-Length` that lies, headers that are not UTF-8 or too many, a
//! `Retry-After` of years, a status no one defined, an error message of megabytes.

mod hostile_support;

use std::time::{Duration, Instant};

use hostile_support::{RawServer, answer, build, builder, get, ok_json, upsert, write_and_close};
use hubspot_runtime::{Error, RateLimit};
use reqwest::StatusCode;
use tokio::io::AsyncWriteExt;

/// Writes `head`, then `chunk` every `every`, until the client hangs up.
async fn stream_forever(
    mut stream: tokio::net::TcpStream,
    head: &'static [u8],
    chunk: Vec<u8>,
    every: Duration,
) {
    if stream.write_all(head).await.is_err() {
        return;
    }
    loop {
        if stream.write_all(&chunk).await.is_err() {
            return;
        }
        if !every.is_zero() {
            tokio::time::sleep(every).await;
        }
    }
}

const CHUNKED_OK: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

/// One chunk of chunked transfer coding holding `size` bytes.
fn chunk(size: usize) -> Vec<u8> {
    let mut bytes = format!("{size:x}\r\n").into_bytes();
    bytes.extend(std::iter::repeat_n(b'x', size));
    bytes.extend_from_slice(b"\r\n");
    bytes
}

#[tokio::test]
async fn a_body_that_never_ends_fails_each_attempt_at_its_timeout() {
    // A byte every 50 ms: never over the size cap, never done.
    let server = RawServer::start(|_, stream| {
        stream_forever(stream, CHUNKED_OK, chunk(1), Duration::from_millis(50))
    })
    .await;
    let client = build(builder(&server).timeout(Duration::from_millis(300)));
    let started = Instant::now();
    match get(&client, "1").await {
        Err(Error::Transport(error)) => {
            assert!(error.is_timeout(), "{error}");
            assert_eq!(error.attempts(), 3, "{error}");
        }
        other => panic!("{other:?}"),
    }
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_secs(3), "{took:?}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_body_that_keeps_growing_is_cut_off_at_the_cap() {
    let server = RawServer::start(|_, stream| {
        stream_forever(stream, CHUNKED_OK, chunk(65_536), Duration::ZERO)
    })
    .await;
    let client = build(builder(&server).max_body_size(1024 * 1024));
    let started = Instant::now();
    match get(&client, "1").await {
        Err(error @ Error::BodyTooLarge(_)) => {
            assert_eq!(error.status(), Some(StatusCode::OK));
            // Not retried: the same request would get the same answer.
            assert_eq!(error.attempts(), 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_content_length_past_the_cap_fails_before_any_body_comes() {
    // Declares about 90 TB, sends nothing, keeps the connection open.
    let server = RawServer::start(|_, mut stream| async move {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n";
        let _ = stream.write_all(head).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let client = build(builder(&server));
    let started = Instant::now();
    match get(&client, "1").await {
        Err(error @ Error::BodyTooLarge(_)) => assert_eq!(error.attempts(), 1),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_is_no_answer() {
    // 16,000,000 bytes declared (under the 16 MiB cap), ten sent, then the connection closes.
    let server = RawServer::always(
        b"HTTP/1.1 200 OK\r\nContent-Length: 16000000\r\nConnection: close\r\n\r\n{\"id\":\"1\"}"
            .to_vec(),
    )
    .await;
    let client = build(builder(&server));
    match upsert(&client).await {
        Err(Error::Transport(error)) => {
            assert!(!error.is_timeout() && !error.is_connect(), "{error}");
            // Safe to repeat: sent again, to the same end.
            assert_eq!(error.attempts(), 3, "{error}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_content_length_shorter_than_the_body_cuts_it_there() {
    let server = RawServer::always(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}garbage".to_vec(),
    )
    .await;
    match get(&build(builder(&server)), "1").await {
        Ok((status, body)) => assert_eq!((status, body.as_slice()), (200, &b"{}"[..])),
        Err(error) => panic!("{error}"),
    }
}

#[tokio::test]
async fn two_content_lengths_that_disagree_are_no_answer() {
    let server = RawServer::always(
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}garbage".to_vec(),
    )
    .await;
    match get(&build(builder(&server)), "1").await {
        Err(Error::Transport(error)) => assert_eq!(error.attempts(), 3, "{error}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn headers_that_are_not_utf8_are_ignored_not_fatal() {
    let not_utf8: &[u8] = b"\xff\xfe1";
    let server = RawServer::start(move |index, stream| {
        let bytes = match index {
            // A 429 whose Retry-After cannot be read: the backoff applies.
            0 => answer(
                "429 Too Many Requests",
                &[
                    ("Retry-After", not_utf8),
                    ("X-HubSpot-RateLimit-Remaining", not_utf8),
                ],
                b"",
            ),
            _ => answer(
                "200 OK",
                &[
                    ("X-HubSpot-RateLimit-Max", not_utf8),
                    ("X-HubSpot-RateLimit-Interval-Milliseconds", not_utf8),
                    ("X-Something", not_utf8),
                ],
                br#"{"id":"1"}"#,
            ),
        };
        write_and_close(stream, bytes)
    })
    .await;
    let client = build(builder(&server).rate_limit(RateLimit::new(100, Duration::from_secs(1))));
    let started = Instant::now();
    if let Err(error) = get(&client, "1").await {
        panic!("{error}");
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(client.rate_limits(), None);
    assert_eq!(client.metrics().retries, 1);
}

#[tokio::test]
async fn a_retry_after_of_years_returns_the_429_at_once_and_holds_the_client_one_window() {
    for retry_after in ["999999999", "Fri, 31 Dec 9999 23:59:59 GMT"] {
        let server = RawServer::start(move |index, stream| {
            let bytes = match index {
                0 => answer(
                    "429 Too Many Requests",
                    &[("Retry-After", retry_after.as_bytes())],
                    br#"{"status":"error","policyName":"TEN_SECONDLY_ROLLING"}"#,
                ),
                _ => ok_json(r#"{"id":"1"}"#),
            };
            write_and_close(stream, bytes)
        })
        .await;
        let window = RateLimit::new(100, Duration::from_secs(1));
        let client = build(builder(&server).rate_limit(window));
        let started = Instant::now();
        match get(&client, "1").await {
            Err(error) => {
                assert_eq!(error.status(), Some(StatusCode::TOO_MANY_REQUESTS));
                assert_eq!(error.attempts(), 1, "{retry_after}");
                let asked = error.retry_after().unwrap_or_default();
                assert!(asked > Duration::from_secs(365 * 24 * 3600), "{asked:?}");
            }
            Ok(answer) => panic!("{answer:?}"),
        }
        assert!(
            started.elapsed() < Duration::from_millis(500),
            "{retry_after}"
        );
        // The limiter takes the window as full until its end, not for years: the next
        // calls go out within about a window.
        let started = Instant::now();
        let calls = async {
            for id in ["2", "3", "4", "5", "6"] {
                if let Err(error) = get(&client, id).await {
                    panic!("{error}");
                }
            }
        };
        if tokio::time::timeout(Duration::from_secs(20), calls)
            .await
            .is_err()
        {
            panic!("{retry_after}: the calls after the 429 were still waiting after 20 s");
        }
        let took = started.elapsed();
        assert!(took < Duration::from_secs(3), "{retry_after}: {took:?}");
    }
}

#[tokio::test]
async fn a_flood_of_headers_is_no_answer() {
    let mut head = b"HTTP/1.1 200 OK\r\n".to_vec();
    for n in 0..5000 {
        head.extend_from_slice(format!("X-Flood-{n}: {}\r\n", "y".repeat(100)).as_bytes());
    }
    head.extend_from_slice(b"Content-Length: 2\r\nConnection: close\r\n\r\n{}");
    let server = RawServer::always(head).await;
    let started = Instant::now();
    match get(&build(builder(&server)), "1").await {
        Err(Error::Transport(error)) => assert_eq!(error.attempts(), 3, "{error}"),
        other => panic!("{other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn a_status_no_one_defined_is_an_api_error() {
    let server = RawServer::always(answer("999 Whatever", &[], b"strange")).await;
    match get(&build(builder(&server)), "1").await {
        Err(Error::Api(error)) => {
            assert_eq!(error.status().as_u16(), 999);
            assert_eq!(error.attempts(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_error_message_of_megabytes_is_shortened_in_display() {
    let message = "m".repeat(2 * 1024 * 1024);
    let body =
        format!(r#"{{"status":"error","message":"{message}","category":"VALIDATION_ERROR"}}"#);
    let server = RawServer::always(answer("400 Bad Request", &[], body.as_bytes())).await;
    match get(&build(builder(&server)), "1").await {
        Err(Error::Api(error)) => {
            assert_eq!(error.message().map(str::len), Some(message.len()));
            let text = error.to_string();
            assert!(text.len() < 4096, "{} bytes", text.len());
            assert!(text.ends_with("m…"), "{}", &text[text.len() - 20..]);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn json_nested_past_any_reason_is_text_not_a_stack_overflow() {
    let depth = 200_000;
    let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let server = RawServer::always(answer("400 Bad Request", &[], body.as_bytes())).await;
    match get(&build(builder(&server)), "1").await {
        Err(Error::Api(error)) => assert_eq!(error.body().raw().map(str::len), Some(2 * depth)),
        other => panic!("{other:?}"),
    }
}
