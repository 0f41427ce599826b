//! The accept loop: hyper's HTTP/1 connections with the limits that
//! `axum::serve` leaves unset.
//!
//! - A header-read timeout (hyper's, with tokio's timer): a client that
//!   does not finish a request's head in time, or leaves a keep-alive
//!   connection idle that long, is disconnected, so slow-header
//!   connections (slowloris) cannot pile up.
//! - A cap on connections served at once: past it the loop stops
//!   accepting and new connections wait in the kernel's listen backlog.
//! - The API's own URI-length and header-size limits, checked before any
//!   handler and answered in the API's JSON error shape; hyper's limits
//!   are set above them as a backstop.
//! - hyper answers what it cannot parse (a malformed request line, a URI
//!   over its fixed 65534 bytes, a head over its buffer) itself, before
//!   any service runs, with an empty body and no hook to change it:
//!   [`JsonRejections`] puts the API's JSON error in place of those
//!   responses on their way out.
//!
//! Shutdown stops accepting, marks the state draining, and lets the
//! connections finish the requests they are serving (idle ones are closed
//! at once), for at most [`SHUTDOWN_GRACE`](crate::SHUTDOWN_GRACE).

use std::future::Future;
use std::io;
use std::pin::{pin, Pin};
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::config::{Config, MAX_URI_BYTES_CEILING};
use crate::state::AppState;
use crate::ErrorCode;
use crate::SHUTDOWN_GRACE;

/// The request-head limits of the API.
#[derive(Debug, Clone, Copy)]
struct HeadLimits {
    max_uri_bytes: usize,
    max_header_bytes: usize,
}

impl HeadLimits {
    fn of(config: &Config) -> Self {
        Self {
            max_uri_bytes: config.max_uri_bytes,
            max_header_bytes: config.max_header_bytes,
        }
    }
}

/// Serves `state` on `listener` until `shutdown` completes, then drains.
pub(crate) async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let config = state.config().clone();
    let limits = HeadLimits::of(&config);
    let app = crate::app(state.clone()).layer(middleware::from_fn_with_state(limits, check_head));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        // Room for the longest URI hyper parses and twice the header
        // fields the API accepts, so that the API's limits, with their
        // specific errors, are what clients meet first.
        .max_buf_size(MAX_URI_BYTES_CEILING + 2 * config.max_header_bytes + 16 * 1024);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let mut shutdown = pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let io = TokioIo::new(JsonRejections::new(stream, limits));
        let connection =
            graceful.watch(http.serve_connection(io, TowerToHyperService::new(app.clone())));
        tokio::spawn(async move {
            // The errors are the client's doing (gone, too slow, not HTTP)
            // and were answered where an answer was possible.
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    state.start_draining();
    eprintln!("patsearch: shutting down (finishing requests in flight)");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => eprintln!(
            "patsearch: requests still in flight after {} s; stopping anyway",
            SHUTDOWN_GRACE.as_secs()
        ),
    }
    Ok(())
}

/// Errors of the connection being accepted are its own; others (out of
/// file descriptors, mostly) last a while, so the loop waits before
/// trying again rather than spinning.
async fn accept_failed(error: io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("accept error: {error}");
    eprintln!("patsearch: cannot accept connections: {error}; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// The ways a request's head is refused before routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    UriTooLong,
    HeadersTooLarge,
    /// Over hyper's buffer or count of header fields: which part is at
    /// fault is not known.
    HeadTooLarge,
    /// Not HTTP/1 hyper can parse.
    Malformed,
}

impl Refusal {
    fn code(self) -> ErrorCode {
        match self {
            Refusal::UriTooLong => ErrorCode::UriTooLong,
            Refusal::HeadersTooLarge | Refusal::HeadTooLarge => ErrorCode::HeadersTooLarge,
            Refusal::Malformed => ErrorCode::BadRequest,
        }
    }

    fn message(self, limits: HeadLimits) -> String {
        match self {
            Refusal::UriTooLong => format!(
                "the request target (path and query string) is longer than the server accepts ({} bytes)",
                limits.max_uri_bytes
            ),
            Refusal::HeadersTooLarge => format!(
                "the request's header fields are larger than the server accepts ({} bytes)",
                limits.max_header_bytes
            ),
            Refusal::HeadTooLarge => format!(
                "the request's head is larger than the server accepts (a request target of at most {} bytes, header fields of at most {} bytes and 100 fields)",
                limits.max_uri_bytes, limits.max_header_bytes
            ),
            Refusal::Malformed => "the request is not valid HTTP/1.1".to_string(),
        }
    }

    fn body(self, limits: HeadLimits) -> String {
        serde_json::json!({
            "error": {"code": self.code().as_str(), "message": self.message(limits)}
        })
        .to_string()
    }
}

/// The API's head limits, before routing.
async fn check_head(State(limits): State<HeadLimits>, request: Request, next: Next) -> Response {
    let refusal = if uri_bytes(request.uri()) > limits.max_uri_bytes {
        Some(Refusal::UriTooLong)
    } else if header_bytes(request.headers()) > limits.max_header_bytes {
        Some(Refusal::HeadersTooLarge)
    } else {
        None
    };
    match refusal {
        None => next.run(request).await,
        Some(refusal) => (
            refusal.code().status(),
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            refusal.body(limits),
        )
            .into_response(),
    }
}

/// The length of the request target as sent.
fn uri_bytes(uri: &Uri) -> usize {
    uri.scheme_str().map_or(0, |s| s.len() + "://".len())
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |p| p.as_str().len())
}

/// The size of the header fields as sent (`name: value\r\n` each).
fn header_bytes(headers: &axum::http::HeaderMap) -> usize {
    headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + ": \r\n".len())
        .sum()
}

/// The connection's IO, with hyper's own bodiless error responses replaced
/// by the API's JSON ones.
///
/// hyper writes those (`Server::on_error` in its `proto/h1/role.rs`) for a
/// request it cannot parse, then closes the connection. They are the only
/// 400, 414 and 431 responses with `content-length: 0`: every error of the
/// API has a JSON body. When the start of a write is such a head and
/// nothing else, the JSON response is written in its place (hyper is told
/// its bytes went out).
#[derive(Debug)]
struct JsonRejections<T> {
    inner: T,
    limits: HeadLimits,
    /// The replacement, and how much of it is written.
    pending: Vec<u8>,
    written: usize,
}

impl<T> JsonRejections<T> {
    fn new(inner: T, limits: HeadLimits) -> Self {
        Self {
            inner,
            limits,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> JsonRejections<T> {
    /// Writes what is left of a replacement.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }

    /// Takes `head` in place of a replacement when it is one of hyper's
    /// error responses.
    fn replaced(&mut self, cx: &mut Context<'_>, head: &[u8]) -> Option<Poll<io::Result<usize>>> {
        let refusal = hyper_refusal(head)?;
        let body = refusal.body(self.limits);
        let status = refusal.code().status();
        self.pending = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len(),
        )
        .into_bytes();
        self.written = 0;
        Some(match self.poll_pending(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // The rest goes out on the flush that follows.
            Poll::Ready(Ok(())) | Poll::Pending => Poll::Ready(Ok(head.len())),
        })
    }
}

/// Which refusal `head` is, when it is exactly one of hyper's canned error
/// responses (a head with `content-length: 0` and nothing after it).
fn hyper_refusal(head: &[u8]) -> Option<Refusal> {
    let refusal = if head.starts_with(b"HTTP/1.1 400 ") {
        Refusal::Malformed
    } else if head.starts_with(b"HTTP/1.1 414 ") {
        Refusal::UriTooLong
    } else if head.starts_with(b"HTTP/1.1 431 ") {
        Refusal::HeadTooLarge
    } else {
        return None;
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let empty = head[..end]
        .windows(21)
        .any(|w| w.eq_ignore_ascii_case(b"\r\ncontent-length: 0\r\n"));
    (end == head.len() && empty).then_some(refusal)
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonRejections<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonRejections<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        if let Some(done) = self.replaced(cx, buf) {
            return done;
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        ready!(self.poll_pending(cx))?;
        let mut parts = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(head), None) = (parts.next(), parts.next()) {
            if let Some(done) = self.replaced(cx, head) {
                return done;
            }
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        ready!(self.poll_pending(cx))?;
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    //! Over a real socket: what clients meet before the router. The
    //! clients are blocking `std` sockets on tokio's blocking pool.

    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpStream};
    use std::time::Instant;

    use patsearch_engine::{Indexer, IndexerOptions};
    use patsearch_record::{PatentRecord, PublicationNumber};
    use serde_json::Value;
    use tokio::sync::oneshot;
    use tokio::task::spawn_blocking;

    use super::*;
    use crate::config::Settings;

    struct Server {
        addr: SocketAddr,
        state: AppState,
        stop: Option<oneshot::Sender<()>>,
        done: tokio::task::JoinHandle<io::Result<()>>,
        _dir: tempfile::TempDir,
    }

    /// A keyword-only index of one patent, served with `settings`.
    async fn start(settings: Settings) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let index = dir.path().join("idx");
        let mut indexer = Indexer::open_or_create(&index, IndexerOptions::default()).unwrap();
        let mut record = PatentRecord::new("US1000001B2".parse::<PublicationNumber>().unwrap());
        record.title = "Wireless charging pad".into();
        record.abstract_text = "A pad charges a phone by induction.".into();
        indexer.upsert(record).unwrap();
        let engine = indexer.finish().unwrap();
        let config = Settings {
            index: Some(index),
            ..settings
        }
        .resolve()
        .unwrap();
        let state = AppState::from_engine(config, engine);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let done = tokio::spawn(serve(listener, state.clone(), async move {
            let _ = stopped.await;
        }));
        Server {
            addr,
            state,
            stop: Some(stop),
            done,
            _dir: dir,
        }
    }

    /// The status and JSON body of a response.
    fn parse(response: &[u8]) -> (u16, Value) {
        let text = String::from_utf8_lossy(response);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no response head in {text:?}"));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        let json = serde_json::from_str(body).unwrap_or(Value::Null);
        (status, json)
    }

    /// Reads to the end of the stream, or to a reset (a close with part
    /// of the request unread resets the connection, after the response).
    fn read_all(stream: &mut TcpStream) -> Vec<u8> {
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut response = Vec::new();
        let mut chunk = [0u8; 8192];
        loop {
            match stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => response.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        response
    }

    /// Sends `request` (from a thread of its own: the server may answer
    /// and close before reading it all) and reads the response.
    async fn exchange(addr: SocketAddr, request: Vec<u8>) -> (u16, Value) {
        spawn_blocking(move || {
            let mut stream = TcpStream::connect(addr).unwrap();
            let mut writer = stream.try_clone().unwrap();
            let sender = std::thread::spawn(move || {
                let _ = writer.write_all(&request);
            });
            let response = read_all(&mut stream);
            let _ = sender.join();
            parse(&response)
        })
        .await
        .unwrap()
    }

    fn get(target: &str, headers: &str) -> Vec<u8> {
        format!("GET {target} HTTP/1.1\r\nhost: localhost\r\n{headers}connection: close\r\n\r\n")
            .into_bytes()
    }

    fn assert_error(reply: &(u16, Value), status: u16, code: &str) {
        assert_eq!(reply.0, status, "{}", reply.1);
        assert_eq!(reply.1["error"]["code"], code, "{}", reply.1);
        assert!(
            reply.1["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{}",
            reply.1
        );
    }

    #[tokio::test]
    async fn oversized_and_malformed_heads_get_json_errors() {
        let server = start(Settings {
            max_uri_bytes: Some(1024),
            max_header_bytes: Some(4096),
            ..Settings::default()
        })
        .await;
        let addr = server.addr;
        let ok = exchange(addr, get("/v1/patents/US1000001B2", "")).await;
        assert_eq!(ok.0, 200, "{}", ok.1);
        // Over the API's limits: refused before routing.
        let long = format!("/v1/patents/US1000001B2?q={}", "a".repeat(2000));
        assert_error(&exchange(addr, get(&long, "")).await, 414, "uri_too_long");
        let big = format!("x-big: {}\r\n", "b".repeat(6000));
        assert_error(
            &exchange(addr, get("/healthz", &big)).await,
            431,
            "headers_too_large",
        );
        // Over hyper's own: its fixed URI limit, its buffer, its count of
        // header fields.
        let longer = format!("/healthz?q={}", "a".repeat(70_000));
        assert_error(&exchange(addr, get(&longer, "")).await, 414, "uri_too_long");
        let huge = format!("x-huge: {}\r\n", "h".repeat(300_000));
        assert_error(
            &exchange(addr, get("/healthz", &huge)).await,
            431,
            "headers_too_large",
        );
        let many: String = (0..150).map(|i| format!("x-{i}: 1\r\n")).collect();
        assert_error(
            &exchange(addr, get("/healthz", &many)).await,
            431,
            "headers_too_large",
        );
        // Not HTTP: hyper's 400, in the API's shape.
        assert_error(
            &exchange(addr, b"NOT HTTP AT ALL\r\n\r\n".to_vec()).await,
            400,
            "bad_request",
        );
        assert_error(
            &exchange(
                addr,
                b"GET /healthz HTTP/1.1\r\nbad header\r\n\r\n".to_vec(),
            )
            .await,
            400,
            "bad_request",
        );
        // The API's own errors pass untouched, 400s included.
        assert_error(
            &exchange(addr, get("/v1/patents/nonsense", "")).await,
            400,
            "bad_request",
        );
        assert_error(&exchange(addr, get("/nowhere", "")).await, 404, "not_found");
    }

    #[tokio::test]
    async fn slow_heads_are_cut_off_after_the_header_read_timeout() {
        let server = start(Settings {
            header_read_timeout_ms: Some(300),
            ..Settings::default()
        })
        .await;
        let addr = server.addr;
        let waited = spawn_blocking(move || {
            // Half a head, then nothing (slowloris); and nothing at all.
            let mut slow = TcpStream::connect(addr).unwrap();
            slow.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
                .unwrap();
            let mut idle = TcpStream::connect(addr).unwrap();
            let started = Instant::now();
            for stream in [&mut slow, &mut idle] {
                stream
                    .set_read_timeout(Some(Duration::from_secs(5)))
                    .unwrap();
                match stream.read(&mut [0u8; 64]) {
                    Ok(0) => {}
                    Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
                    other => panic!("expected the server to close the connection, got {other:?}"),
                }
            }
            started.elapsed()
        })
        .await
        .unwrap();
        assert!(waited >= Duration::from_millis(250), "{waited:?}");
        // Whole requests are still served.
        let ok = exchange(addr, get("/healthz", "")).await;
        assert_eq!(ok.0, 200, "{}", ok.1);
    }

    #[tokio::test]
    async fn connections_past_the_cap_wait_for_a_free_one() {
        let server = start(Settings {
            max_connections: Some(1),
            ..Settings::default()
        })
        .await;
        let addr = server.addr;
        let first = spawn_blocking(move || {
            let mut first = TcpStream::connect(addr).unwrap();
            first.write_all(b"GET /healthz HTTP/1.1\r\n").unwrap();
            first
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Accepted by the kernel, not served while the first holds the slot.
        let second = tokio::spawn(exchange(addr, get("/healthz", "")));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished());
        drop(first);
        let reply = tokio::time::timeout(Duration::from_secs(5), second)
            .await
            .expect("the waiting connection was not served")
            .unwrap();
        assert_eq!(reply.0, 200, "{}", reply.1);
    }

    #[tokio::test]
    async fn shutdown_finishes_requests_in_flight_and_accepts_no_more() {
        let mut server = start(Settings::default()).await;
        let addr = server.addr;
        let body = br#"{"query": "charging", "mode": "keyword"}"#;
        let head = format!(
            "POST /v1/search HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        let (mut in_flight, mut idle) = spawn_blocking(move || {
            let mut in_flight = TcpStream::connect(addr).unwrap();
            in_flight.write_all(head.as_bytes()).unwrap();
            in_flight.write_all(&body[..10]).unwrap();
            (in_flight, TcpStream::connect(addr).unwrap())
        })
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        server.stop.take().unwrap().send(()).unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(server.state.is_draining());
        assert!(!server.done.is_finished(), "did not wait for the request");
        let (in_flight, idle_rest, refused) = spawn_blocking(move || {
            // The idle connection is closed at once; no new one is accepted.
            let idle_rest = read_all(&mut idle);
            let refused = TcpStream::connect(addr).is_err();
            in_flight.write_all(&body[10..]).unwrap();
            (read_all(&mut in_flight), idle_rest, refused)
        })
        .await
        .unwrap();
        assert!(idle_rest.is_empty());
        assert!(refused, "still accepting connections");
        let (status, json) = parse(&in_flight);
        assert_eq!(status, 200, "{json}");
        assert_eq!(
            json["hits"][0]["publication_number"], "US1000001B2",
            "{json}"
        );
        tokio::time::timeout(Duration::from_secs(5), &mut server.done)
            .await
            .expect("serve did not return once the connections were done")
            .unwrap()
            .unwrap();
    }
}
