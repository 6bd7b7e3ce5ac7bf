//! Small hostile servers for the `hostile_*` test files: a TCP listener on 127.0.0.1 that
//! reads each request and answers with whatever raw bytes a test scripts (headers a real
//! HTTP library would refuse to write, bodies that never end, redirects to other hosts), and
//! counts what reached it.

#![allow(dead_code)]

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hubspot_runtime::codegen::{Method, Request, send};
use hubspot_runtime::{Client, ClientBuilder, Error, OperationInfo, RateClass, Repeat};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A token no real account has.
pub const TOKEN: &str = "pat-na1-hostile-00000000";

/// A batch upsert: a POST that is safe to repeat.
pub static UPSERT: OperationInfo = OperationInfo::new(
    "batch_upsert",
    "post-/crm/v3/objects/things/batch/upsert",
    "/crm/v3/objects/things/batch/upsert",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// A read of one record.
pub static GET: OperationInfo = OperationInfo::new(
    "get_by_id",
    "get-/crm/v3/objects/things/{thingId}",
    "/crm/v3/objects/things/{thingId}",
    Repeat::Safe,
    RateClass::Standard,
    "application/json",
);

/// The path of [`UPSERT`].
pub const UPSERT_PATH: &str = "/crm/v3/objects/things/batch/upsert";

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request line and headers, as text.
    pub head: String,
    pub body: Vec<u8>,
}

impl Received {
    /// The method of the request line.
    pub fn method(&self) -> &str {
        self.head.split(' ').next().unwrap_or_default()
    }
}

/// A listener on 127.0.0.1 that answers each request as its script says.
pub struct RawServer {
    address: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Received>>>,
    task: JoinHandle<()>,
}

impl RawServer {
    /// Starts a server; `answer(n, stream)` writes the answer to the `n`th request (from 0),
    /// after the request was read. The connection closes when `answer` returns.
    pub async fn start<F, Fut>(answer: F) -> RawServer
    where
        F: Fn(usize, TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = match TcpListener::bind("127.0.0.1:0").await {
            Ok(listener) => listener,
            Err(error) => panic!("cannot listen on 127.0.0.1: {error}"),
        };
        let address = match listener.local_addr() {
            Ok(address) => address,
            Err(error) => panic!("{error}"),
        };
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(answer);
        let task = {
            let connections = Arc::clone(&connections);
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    connections.fetch_add(1, Ordering::SeqCst);
                    let requests = Arc::clone(&requests);
                    let answer = Arc::clone(&answer);
                    tokio::spawn(async move {
                        let Some(received) = read_request(&mut stream).await else {
                            return;
                        };
                        let index = {
                            let mut requests =
                                requests.lock().unwrap_or_else(PoisonError::into_inner);
                            requests.push(received);
                            requests.len() - 1
                        };
                        answer(index, stream).await;
                    });
                }
            })
        };
        RawServer {
            address,
            connections,
            requests,
            task,
        }
    }

    /// A server that answers every request with the same bytes.
    pub async fn always(answer: Vec<u8>) -> RawServer {
        RawServer::start(move |_, stream| write_and_close(stream, answer.clone())).await
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// How many connections were opened to this server.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The requests read so far.
    pub fn requests(&self) -> Vec<Received> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request: its head up to the blank line, then `Content-Length` bytes of body.
async fn read_request(stream: &mut TcpStream) -> Option<Received> {
    let mut bytes = Vec::new();
    let mut buffer = [0u8; 4096];
    let end = loop {
        if let Some(end) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
            break end;
        }
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            return None;
        }
        bytes.extend_from_slice(&buffer[..read]);
    };
    let head = String::from_utf8_lossy(&bytes[..end]).into_owned();
    let length = head
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = bytes[end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }
    Some(Received { head, body })
}

/// Writes `bytes` and closes the connection.
pub async fn write_and_close(mut stream: TcpStream, bytes: Vec<u8>) {
    let _ = stream.write_all(&bytes).await;
    let _ = stream.shutdown().await;
}

/// An answer: the status line's code and reason, the headers (values as raw bytes, which
/// need not be UTF-8), and a body with its true `Content-Length`; the connection closes
/// after it.
pub fn answer(status: &str, headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let mut bytes = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(b": ");
        bytes.extend_from_slice(value);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    bytes.extend_from_slice(b"Connection: close\r\n\r\n");
    bytes.extend_from_slice(body);
    bytes
}

/// `200 OK` with a JSON body.
pub fn ok_json(body: &str) -> Vec<u8> {
    answer(
        "200 OK",
        &[("Content-Type", b"application/json")],
        body.as_bytes(),
    )
}

/// A client builder for `server`, with quick retries (up to two).
pub fn builder(server: &RawServer) -> ClientBuilder {
    let retries = hubspot_runtime::RetryPolicy::default()
        .max_retries(2)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(20));
    Client::builder()
        .token(TOKEN)
        .base_url(&server.url())
        .retry_policy(retries)
}

pub fn build(builder: ClientBuilder) -> Client {
    match builder.build() {
        Ok(client) => client,
        Err(error) => panic!("{error}"),
    }
}

/// What a call gave: the status and body of a 2xx answer, or the error, as generated code
/// returns it.
pub type Outcome = Result<(u16, Vec<u8>), Error<serde_json::Value>>;

/// A batch upsert of one input, as generated code sends it.
pub async fn upsert(client: &Client) -> Outcome {
    let mut request = Request::new(Method::POST, UPSERT_PATH.to_owned(), &UPSERT);
    let body = serde_json::json!({
        "inputs": [{ "id": "ext-1", "idProperty": "hs_external_order_id",
                     "properties": { "hs_order_name": "One" } }]
    });
    request.json(&body)?;
    finish(send(client, request).await?)
}

/// A read of record `id`, as generated code sends it.
pub async fn get(client: &Client, id: &str) -> Outcome {
    let path = format!(
        "/crm/v3/objects/things/{}",
        hubspot_runtime::codegen::encode_path_segment(id)
    );
    let request = Request::new(Method::GET, path, &GET);
    finish(send(client, request).await?)
}

fn finish(response: hubspot_runtime::codegen::Response) -> Outcome {
    match response.status() {
        status @ 200..=299 => Ok((status, response.bytes())),
        _ => Err(response.into_error()),
    }
}
