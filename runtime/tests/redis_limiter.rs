//! `RedisLimiter` against a real `redis-server` and the fake HubSpot: several clients on one
//! budget, Redis lost and back (both choices), a process that dies holding permits, Redis
//! unreachable or stalled, and figures adopted by one process seen by another.

mod redis_support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use hubspot_runtime::codegen::{Method, Request, send};
use hubspot_runtime::testing::FakeHubSpot;
use hubspot_runtime::{
    Client, Error, Observed, OnRedisLoss, OperationInfo, RateClass, RateLimit, RateLimitStatus,
    RateLimiter, RedisLimiter, Repeat, RetryPolicy,
};
use redis_support::{RedisServer, free_port, shared, unique_key};

const LIST: OperationInfo = OperationInfo::new(
    "get_page",
    "get-/crm/v3/objects/orders",
    "/crm/v3/objects/orders",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// The fake's budget in the tests: 20 requests per (scaled) second.
const BUDGET: u32 = 20;
const WINDOW: Duration = Duration::from_secs(1);

/// A fake HubSpot whose ten-second window lasts one second and holds [`BUDGET`] requests.
async fn fake() -> FakeHubSpot {
    FakeHubSpot::builder()
        .ten_second_budget(BUDGET)
        .time_scale(0.1)
        .start()
        .await
}

fn client(fake: &FakeHubSpot, limiter: &RedisLimiter) -> Client {
    let built = fake
        .client_builder()
        .rate_limiter(Arc::new(limiter.clone()))
        .retry_policy(
            RetryPolicy::default()
                .initial_backoff(Duration::from_millis(20))
                .max_backoff(Duration::from_millis(200)),
        )
        .build();
    match built {
        Ok(client) => client,
        Err(error) => panic!("cannot build the client: {error}"),
    }
}

async fn connect(server: &RedisServer, key: &str, on_loss: OnRedisLoss) -> RedisLimiter {
    let connected = RedisLimiter::builder(server.url(), key)
        .rate_limit(RateLimit::new(BUDGET, WINDOW))
        .on_redis_loss(on_loss)
        .redis_timeout(Duration::from_millis(200))
        .probe_interval(Duration::from_millis(100))
        .connect()
        .await;
    match connected {
        Ok(limiter) => limiter,
        Err(error) => panic!("{error}"),
    }
}

/// One request through the client: a page of orders.
async fn list(client: &Client) -> Result<u16, Error> {
    let request = Request::new(Method::GET, "/crm/v3/objects/orders".to_owned(), &LIST);
    Ok(send(client, request).await?.status())
}

/// The most requests the fake received in any window of `window` (those it refused too).
fn most_in_a_window(fake: &FakeHubSpot, window: Duration) -> usize {
    let mut times: Vec<Instant> = fake.requests().iter().map(|request| request.at).collect();
    times.sort();
    let mut most = 0;
    let mut first = 0;
    for (last, &at) in times.iter().enumerate() {
        while at.duration_since(times[first]) >= window {
            first += 1;
        }
        most = most.max(last + 1 - first);
    }
    most
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_on_one_redis_share_one_budget_without_a_429() {
    let server = shared();
    let fake = fake().await;
    let key = unique_key("share");
    // Two limiters with connections of their own, as two processes would have.
    let first = connect(&server, &key, OnRedisLoss::Fail).await;
    let second = connect(&server, &key, OnRedisLoss::Fail).await;
    let clients = [client(&fake, &first), client(&fake, &second)];
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in &clients {
        for _ in 0..4 {
            let client = client.clone();
            tasks.push(tokio::spawn(async move {
                for _ in 0..10 {
                    assert_eq!(list(&client).await.map_err(|e| e.to_string()), Ok(200));
                }
            }));
        }
    }
    for task in tasks {
        if let Err(error) = task.await {
            panic!("{error}");
        }
    }
    let took = started.elapsed();
    assert_eq!(fake.rate_limited_count(), 0, "the fake answered 429");
    assert_eq!(fake.requests().len(), 80);
    let most = most_in_a_window(&fake, WINDOW);
    assert!(most <= BUDGET as usize, "{most} requests in one window");
    // 80 requests at 20 a window: the first 20 at once, then three more windows.
    assert!(
        took >= Duration::from_secs(3),
        "{took:?}: faster than the budget"
    );
    assert!(
        took < Duration::from_millis(4_500),
        "{took:?}: the budget went unused"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_fail_a_lost_redis_fails_try_acquire_at_once_and_recovers() {
    let mut server = RedisServer::start();
    let key = unique_key("fail-limiter");
    let limiter = connect(&server, &key, OnRedisLoss::Fail).await;
    drop(limiter.try_acquire(RateClass::Standard).await);
    assert!(limiter.is_on_redis());
    server.kill();
    let asked = Instant::now();
    let outcome = tokio::time::timeout(
        Duration::from_secs(2),
        limiter.try_acquire(RateClass::Standard),
    )
    .await;
    let Ok(Err(error)) = outcome else {
        panic!("a permit, or a hang, while Redis is down: {outcome:?}");
    };
    assert!(
        asked.elapsed() < Duration::from_secs(1),
        "{:?}",
        asked.elapsed()
    );
    let message = error.to_string();
    assert!(message.contains(&server.url()), "{message}");
    assert!(message.contains("OnRedisLoss::Fail"), "{message}");
    assert!(!limiter.is_on_redis());
    // Later callers fail at once too, without waiting for Redis's timeout each.
    let asked = Instant::now();
    assert!(limiter.try_acquire(RateClass::Standard).await.is_err());
    assert!(asked.elapsed() < Duration::from_millis(100));
    server.restart();
    let permit = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            if let Ok(permit) = limiter.try_acquire(RateClass::Standard).await {
                return permit;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(permit.is_ok(), "Redis answers again, the limiter does not");
    assert!(limiter.is_on_redis());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_fail_a_lost_redis_fails_calls_with_an_error_not_a_hang() {
    let mut server = RedisServer::start();
    let fake = FakeHubSpot::builder().unlimited().start().await;
    let limiter = connect(&server, &unique_key("fail-client"), OnRedisLoss::Fail).await;
    // No deadline: what ends the call is the limiter's error, nothing else.
    let client = client(&fake, &limiter);
    for _ in 0..3 {
        assert_eq!(list(&client).await.map_err(|e| e.to_string()), Ok(200));
    }
    server.kill();
    let outcome = tokio::time::timeout(Duration::from_secs(3), list(&client)).await;
    let Ok(Err(Error::RateLimiter(error))) = outcome else {
        panic!("not the limiter's error while Redis is down: {outcome:?}");
    };
    assert!(error.to_string().contains(&server.url()), "{error}");
    assert_eq!(error.path(), "/crm/v3/objects/orders");
    assert_eq!(
        fake.requests().len(),
        3,
        "a request went out without the limiter's leave"
    );
    server.restart();
    let recovered = tokio::time::timeout(Duration::from_secs(3), async {
        while list(&client).await.is_err() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert!(recovered.is_ok(), "calls still fail after Redis came back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_local_a_lost_redis_goes_on_at_a_share_without_a_429_storm() {
    let mut server = RedisServer::start();
    let fake = fake().await;
    let key = unique_key("local");
    let local = OnRedisLoss::Local { share: 0.5 };
    let first = connect(&server, &key, local).await;
    let second = connect(&server, &key, local).await;
    let clients = [client(&fake, &first), client(&fake, &second)];
    let started = Instant::now();
    let mut failures = Vec::new();
    // The whole budget, through Redis.
    failures.extend(burst(&clients, 10).await);
    server.kill();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Redis is lost while the first burst still counts: each process goes on at its share,
    // counting its own requests of the last window, so these wait for them to free.
    failures.extend(burst(&clients, 10).await);
    let while_down = (first.is_on_redis(), second.is_on_redis());
    let outage = fake.requests().len() - 20;
    server.restart();
    let back = tokio::time::timeout(Duration::from_secs(2), async {
        while !(first.is_on_redis() && second.is_on_redis()) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    // Redis is back, empty, while what was sent locally still counts at HubSpot: the local
    // windows pace the next burst too, for one window.
    failures.extend(burst(&clients, 10).await);
    let took = started.elapsed();
    // Requests per tenth of a second, to read when an assertion fails.
    let mut timeline = [0u32; 40];
    for request in fake.requests() {
        let tenth = usize::try_from(request.elapsed.as_millis() / 100).unwrap_or(usize::MAX);
        if let Some(count) = timeline.get_mut(tenth) {
            *count += 1;
        }
    }
    let timeline = format!("requests per 100 ms: {timeline:?}");
    assert_eq!(failures, Vec::<String>::new(), "calls failed; {timeline}");
    assert_eq!(while_down, (false, false), "{timeline}");
    assert_eq!(
        outage, 20,
        "requests while Redis was down, 429s retried included; {timeline}"
    );
    assert!(back.is_ok(), "not back on Redis; {timeline}");
    let rejected = fake.rate_limited_count();
    assert!(rejected <= 2, "{rejected} answers were 429; {timeline}");
    let most = most_in_a_window(&fake, WINDOW);
    assert!(
        most <= BUDGET as usize + 2,
        "{most} in one window; {timeline}"
    );
    // Three budgets' worth: the second burst a window after the first, the third a window
    // after the second.
    assert!(took < Duration::from_millis(2_600), "{took:?}; {timeline}");
}

/// `per_client` calls at once on each client; returns the failed ones.
async fn burst(clients: &[Client], per_client: usize) -> Vec<String> {
    let mut tasks = Vec::new();
    for client in clients {
        for _ in 0..per_client {
            let client = client.clone();
            tasks.push(tokio::spawn(async move { list(&client).await }));
        }
    }
    let mut failures = Vec::new();
    for task in tasks {
        match task.await {
            Ok(Ok(200)) => {}
            Ok(Ok(status)) => failures.push(format!("status {status}")),
            Ok(Err(error)) => failures.push(error.to_string()),
            Err(error) => failures.push(format!("a caller panicked: {error}")),
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_killed_holding_permits_frees_the_budget_within_one_window() {
    let server = shared();
    let key = unique_key("killed");
    let dying = connect(&server, &key, OnRedisLoss::Fail).await;
    let start = Instant::now();
    for _ in 0..BUDGET {
        match dying.try_acquire(RateClass::Standard).await {
            // Never released: the process dies with its requests in flight.
            Ok(permit) => std::mem::forget(permit),
            Err(error) => panic!("{error}"),
        }
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(dying);
    let died = Instant::now();
    let survivor = connect(&server, &key, OnRedisLoss::Fail).await;
    let permit = tokio::time::timeout(
        Duration::from_secs(3),
        survivor.try_acquire(RateClass::Standard),
    )
    .await;
    assert!(matches!(permit, Ok(Ok(_))), "no permit: {permit:?}");
    let waited = died.elapsed();
    // The dead process's permits counted (it was alive and beating until it died)...
    assert!(
        start.elapsed() >= WINDOW,
        "let out after {:?}",
        start.elapsed()
    );
    // ...and stopped counting within a window of its death.
    assert!(waited <= WINDOW + Duration::from_millis(150), "{waited:?}");
    // The set expires on its own too: two windows (and a second) after its last write.
    let ttl = key_ttl(&server, &format!("{key}:standard")).await;
    assert!(
        ttl > 0 && ttl <= 3_000,
        "the set's time to live is {ttl} ms"
    );
}

/// A key's time to live in milliseconds, as Redis says (`PTTL`).
async fn key_ttl(server: &RedisServer, key: &str) -> i64 {
    let connection = async {
        let client = redis::Client::open(server.url())?;
        let mut connection = client.get_multiplexed_async_connection().await?;
        redis::cmd("PTTL")
            .arg(key)
            .query_async::<i64>(&mut connection)
            .await
    };
    match connection.await {
        Ok(ttl) => ttl,
        Err(error) => panic!("PTTL {key}: {error}"),
    }
}

#[tokio::test]
async fn an_unreachable_redis_at_start_is_an_error_naming_the_url_and_the_cause() {
    let port = free_port();
    let url = format!("redis://127.0.0.1:{port}");
    let started = Instant::now();
    let Err(error) = RedisLimiter::connect(url.clone(), "hubspot:app:1").await else {
        panic!("connected to nothing at {url}");
    };
    assert!(started.elapsed() < Duration::from_secs(2));
    let message = error.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("cannot reach Redis"), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert_eq!(error.url(), url);
    // A password in the URL stays out of the error.
    let secret = format!("redis://:hunter2@127.0.0.1:{port}");
    let Err(error) = RedisLimiter::connect(secret, "hubspot:app:1").await else {
        panic!("connected to nothing");
    };
    assert!(!error.to_string().contains("hunter2"), "{error}");
    assert!(!format!("{error:?}").contains("hunter2"), "{error:?}");
    // Nor are settings out of range taken.
    let server = shared();
    let bad_share = RedisLimiter::builder(server.url(), "hubspot:app:1")
        .on_redis_loss(OnRedisLoss::Local { share: 1.5 })
        .connect()
        .await;
    assert!(bad_share.is_err_and(|error| error.to_string().contains("share")));
    let no_key = RedisLimiter::connect(server.url(), "").await;
    assert!(no_key.is_err_and(|error| error.to_string().contains("key is empty")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_redis_is_bounded_by_the_timeout() {
    let server = RedisServer::start();
    let fail = connect(&server, &unique_key("stalled-fail"), OnRedisLoss::Fail).await;
    let local = connect(
        &server,
        &unique_key("stalled-local"),
        OnRedisLoss::Local { share: 0.5 },
    )
    .await;
    server.pause();
    // Bounded here too, so that a hang fails the test rather than stalling it.
    let bound = Duration::from_secs(3);
    let asked = Instant::now();
    let failed = tokio::time::timeout(bound, fail.try_acquire(RateClass::Standard)).await;
    let failed_after = asked.elapsed();
    let asked = Instant::now();
    let fallback = tokio::time::timeout(bound, local.try_acquire(RateClass::Standard)).await;
    let fallback_after = asked.elapsed();
    // At start too: a Redis that accepts connections but never answers.
    let asked = Instant::now();
    let at_start = RedisLimiter::builder(server.url(), "hubspot:app:1")
        .redis_timeout(Duration::from_millis(200))
        .connect();
    let at_start = tokio::time::timeout(bound, at_start).await;
    let at_start_after = asked.elapsed();
    server.resume();
    let Ok(Err(error)) = failed else {
        panic!("a permit, or a hang, from a stalled Redis: {failed:?}");
    };
    assert!(error.to_string().contains("200ms"), "{error}");
    assert!(
        failed_after < Duration::from_millis(600),
        "{failed_after:?}"
    );
    assert!(matches!(fallback, Ok(Ok(_))), "{fallback:?}");
    assert!(
        fallback_after < Duration::from_millis(600),
        "{fallback_after:?}"
    );
    let Ok(Err(error)) = at_start else {
        panic!("connected to a stalled Redis, or hung: {at_start:?}");
    };
    assert!(error.to_string().contains("no answer within"), "{error}");
    assert!(
        at_start_after < Duration::from_millis(600),
        "{at_start_after:?}"
    );
}

fn answer(status: u16, figures: Option<(u32, u32, u64)>, retry_after: Option<u64>) -> Observed {
    // `Observed` and `RateLimitStatus` cannot be built outside the runtime (non-exhaustive):
    // this starts from what a client passed its limiter for a real answer, figures changed.
    let mut observed = observed_template();
    observed.status = status;
    observed.rate_limits = figures.map(|(max, remaining, interval_ms)| {
        let mut status = status_template();
        status.max = Some(max);
        status.remaining = Some(remaining);
        status.interval = Some(Duration::from_millis(interval_ms));
        status
    });
    observed.retry_after = retry_after.map(Duration::from_millis);
    // An answer to a request sent now, not when the template was caught.
    observed.sent_at = std::time::Instant::now();
    observed
}

/// An `Observed` as the client makes one, read from a real answer of the fake.
fn observed_template() -> Observed {
    TEMPLATES.0
}

fn status_template() -> RateLimitStatus {
    TEMPLATES.1
}

static TEMPLATES: std::sync::LazyLock<(Observed, RateLimitStatus)> =
    std::sync::LazyLock::new(templates);

/// Catches what a client tells its limiter about one answer of the fake.
fn templates() -> (Observed, RateLimitStatus) {
    #[derive(Debug, Default)]
    struct Spy(std::sync::Mutex<Option<Observed>>);
    impl RateLimiter for Spy {
        fn acquire(&self, _class: RateClass) -> hubspot_runtime::Acquire<'_> {
            Box::pin(async { hubspot_runtime::Permit::new() })
        }
        fn observe(&self, _class: RateClass, answer: &Observed) {
            *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(*answer);
        }
    }
    let caught = std::thread::spawn(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let fake = FakeHubSpot::start().await;
            let spy = Arc::new(Spy::default());
            let client = fake
                .client_builder()
                .rate_limiter(spy.clone())
                .build()
                .expect("a client");
            list(&client).await.expect("an answer");
            let observed = spy.0.lock().unwrap_or_else(|e| e.into_inner()).take();
            observed.expect("observed")
        })
    })
    .join()
    .expect("the spy's thread");
    let status = caught.rate_limits.expect("figures");
    (caught, status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_one_process_adopts_are_applied_by_every_process() {
    let server = shared();
    let key = unique_key("figures");
    let first = connect(&server, &key, OnRedisLoss::Fail).await;
    let second = connect(&server, &key, OnRedisLoss::Fail).await;
    // HubSpot tells the first: 3 requests per 400 ms, all 3 left.
    first.observe(RateClass::Standard, &answer(200, Some((3, 3, 400)), None));
    // And an implausible figure, which no process adopts.
    first.observe(
        RateClass::Standard,
        &answer(200, Some((5_000, 0, 400)), None),
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    let start = Instant::now();
    let mut let_out = Vec::new();
    for _ in 0..4 {
        match second.try_acquire(RateClass::Standard).await {
            Ok(permit) => drop(permit),
            Err(error) => panic!("{error}"),
        }
        let_out.push(start.elapsed());
    }
    assert_eq!(
        second.limit(RateClass::Standard),
        RateLimit::new(3, Duration::from_millis(400))
    );
    assert!(let_out[2] < Duration::from_millis(100), "{let_out:?}");
    assert!(let_out[3] >= Duration::from_millis(390), "{let_out:?}");
    assert!(let_out[3] < Duration::from_millis(600), "{let_out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_one_process_gets_holds_every_process_until_its_retry_after() {
    let server = shared();
    let key = unique_key("retry-after");
    let first = connect(&server, &key, OnRedisLoss::Fail).await;
    let second = connect(&server, &key, OnRedisLoss::Fail).await;
    first.observe(RateClass::Standard, &answer(429, None, Some(300)));
    tokio::time::sleep(Duration::from_millis(50)).await;
    let start = Instant::now();
    match second.try_acquire(RateClass::Standard).await {
        Ok(permit) => drop(permit),
        Err(error) => panic!("{error}"),
    }
    let waited = start.elapsed();
    assert!(waited >= Duration::from_millis(200), "{waited:?}");
    assert!(waited < Duration::from_millis(450), "{waited:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_of_one_process_are_let_out_in_the_order_they_came() {
    let server = shared();
    let limiter = RedisLimiter::builder(server.url(), unique_key("order"))
        .rate_limit(RateLimit::new(1, Duration::from_millis(200)))
        .connect()
        .await;
    let limiter = match limiter {
        Ok(limiter) => limiter,
        Err(error) => panic!("{error}"),
    };
    let first = limiter.try_acquire(RateClass::Standard).await;
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel();
    for caller in 0..4 {
        let limiter = limiter.clone();
        let sender = sender.clone();
        tokio::spawn(async move {
            if let Ok(permit) = limiter.try_acquire(RateClass::Standard).await {
                let _ = sender.send(caller);
                drop(permit);
            }
        });
        // Each queues before the next comes.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(sender);
    drop(first);
    let mut order = Vec::new();
    while let Some(caller) = receiver.recv().await {
        order.push(caller);
    }
    assert_eq!(order, [0, 1, 2, 3]);
}
