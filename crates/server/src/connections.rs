//! HTTP connections: TLS, and the limits that keep hostile clients from
//! holding the server's connections.
//!
//! * At most `max_connections` are open at once; a connection beyond is
//!   closed as soon as it is accepted (counted in
//!   `sightline_connections_refused_total{listener="http"}`), so a flood
//!   costs a file descriptor for an instant, not for ever.
//! * The TLS handshake must finish, and a connection's first request arrive,
//!   within `header_timeout` of connecting; and once the first bytes of a
//!   request are in, its headers must be complete within `header_timeout`.
//!   A client that connects and sends nothing, or trickles its headers
//!   (slowloris), is closed.
//! * A kept-alive connection with no request open for `idle_timeout` is closed.
//!
//! hyper's own header timeout is not used: its timer also runs while an
//! HTTP/1.1 connection waits for its next request, which would close every
//! pooled shipper connection after `header_timeout`.
//!
//! Closed connections are counted in `sightline_connections_timed_out_total`.

use crate::metrics::Metrics;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Instant;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
}

/// The name of the HTTP listener in metrics.
const LISTENER: &str = "http";

/// Accepts connections (TLS or plain) and serves the router on each, with
/// the peer address available to handlers; stops accepting on `stop` and
/// lets open connections finish.
pub async fn serve_http(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    mut stop: tokio::sync::watch::Receiver<bool>,
    limits: Limits,
    metrics: Arc<Metrics>,
) {
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let (sock, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    // Out of file descriptors, mostly: wait for some to close.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        while conns.try_join_next().is_some() {}
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            metrics.connections_refused.add(LISTENER, 1);
            drop(sock);
            continue;
        };
        let (app, tls, stop, metrics) =
            (app.clone(), tls.clone(), stop.clone(), Arc::clone(&metrics));
        conns.spawn(async move {
            let _slot = slot;
            let _open = OpenConnection::new(&metrics, LISTENER);
            serve_connection(sock, peer, app, tls, stop, limits, &metrics).await;
        });
    }
    drop(app);
    while tokio::time::timeout(Duration::from_secs(10), conns.join_next())
        .await
        .ok()
        .flatten()
        .is_some()
    {}
}

/// Counts a connection in `sightline_connections_open` while it lives.
pub struct OpenConnection {
    metrics: Arc<Metrics>,
    listener: &'static str,
}

impl OpenConnection {
    pub fn new(metrics: &Arc<Metrics>, listener: &'static str) -> OpenConnection {
        metrics.connections_open.add(listener, 1);
        OpenConnection {
            metrics: Arc::clone(metrics),
            listener,
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.metrics.connections_open.add(self.listener, -1);
    }
}

async fn serve_connection(
    sock: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    app: axum::Router,
    tls: Option<tokio_rustls::TlsAcceptor>,
    stop: tokio::sync::watch::Receiver<bool>,
    limits: Limits,
    metrics: &Metrics,
) {
    let Some(acceptor) = tls else {
        // Plain HTTP (behind a TLS-terminating proxy): HTTP/1.1 or h2c, sniffed.
        drive(sock, Protocols::Either, peer, app, stop, limits, metrics).await;
        return;
    };
    match tokio::time::timeout(limits.header_timeout, acceptor.accept(sock)).await {
        Ok(Ok(s)) => {
            // ALPN says which protocol follows, so nothing waits to sniff it.
            let protocols = match s.get_ref().1.alpn_protocol() {
                Some(b"h2") => Protocols::Http2,
                _ => Protocols::Http1,
            };
            drive(s, protocols, peer, app, stop, limits, metrics).await;
        }
        Ok(Err(e)) => tracing::debug!("TLS handshake with {peer}: {e}"),
        Err(_) => {
            metrics.connections_timed_out.add(LISTENER, 1);
            tracing::debug!("TLS handshake with {peer} timed out");
        }
    }
}

enum Protocols {
    Http1,
    Http2,
    Either,
}

/// Serves one connection until it ends, the server stops, or it has had no
/// request open for too long.
async fn drive<IO>(
    io: IO,
    protocols: Protocols,
    peer: std::net::SocketAddr,
    app: axum::Router,
    mut stop: tokio::sync::watch::Receiver<bool>,
    limits: Limits,
    metrics: &Metrics,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    use tower::ServiceExt;
    let activity = Arc::new(Activity::new());
    // HTTP/2 clients send frames (pings, window updates) between requests:
    // bytes there do not start a request.
    let io = Watched {
        io,
        activity: Arc::clone(&activity),
        track: !matches!(protocols, Protocols::Http2),
    };
    let seen = Arc::clone(&activity);
    let service =
        hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            let open = RequestOpen::new(Arc::clone(&seen));
            let answer = app.clone().oneshot(req.map(axum::body::Body::new));
            async move {
                let r = answer.await;
                drop(open);
                r
            }
        });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let builder = match protocols {
        Protocols::Http1 => builder.http1_only(),
        Protocols::Http2 => builder.http2_only(),
        Protocols::Either => builder,
    };
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    loop {
        let deadline = activity.deadline(limits, Instant::now());
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!("connection {peer}: {e}");
                }
                return;
            }
            _ = stop.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = conn.await;
                return;
            }
            _ = tokio::time::sleep_until(deadline) => {
                if activity.expired(limits, Instant::now()) {
                    metrics.connections_timed_out.add(LISTENER, 1);
                    tracing::debug!("connection {peer}: no request within the time allowed; closed");
                    // Closed in order where the client lets us (TLS close_notify, HTTP/2
                    // GOAWAY); a client trickling headers does not, and is cut off.
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(1), conn.as_mut()).await;
                    return;
                }
            }
        }
    }
}

/// When a connection last started or finished a request, how many are
/// open, and whether the next one has begun to arrive.
struct Activity {
    base: Instant,
    open: AtomicUsize,
    served: AtomicU64,
    /// Milliseconds after `base` of the last start or end of a request.
    last: AtomicU64,
    /// 1 + milliseconds after `base` when bytes came in with no request open
    /// (a request's headers are arriving); 0 when none did.
    arriving: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            base: Instant::now(),
            open: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            last: AtomicU64::new(0),
            arriving: AtomicU64::new(0),
        }
    }

    fn ms(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.base).as_millis() as u64
    }

    fn at(&self, ms: u64) -> Instant {
        self.base + Duration::from_millis(ms)
    }

    fn bytes_arrived(&self, now: Instant) {
        if self.open.load(Ordering::Relaxed) == 0 {
            let _ = self.arriving.compare_exchange(
                0,
                self.ms(now) + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    fn request_started(&self, now: Instant) {
        self.open.fetch_add(1, Ordering::Relaxed);
        self.served.fetch_add(1, Ordering::Relaxed);
        self.arriving.store(0, Ordering::Relaxed);
        self.last.store(self.ms(now), Ordering::Relaxed);
    }

    fn request_ended(&self, now: Instant) {
        self.last.store(self.ms(now), Ordering::Relaxed);
        self.open.fetch_sub(1, Ordering::Relaxed);
    }

    /// When the connection is due to be closed if nothing happens: headers
    /// that began to arrive must be complete within the header timeout, a
    /// first request must come within it, later ones within the idle
    /// timeout. While a request is open, look again an idle timeout later.
    fn deadline(&self, limits: Limits, now: Instant) -> Instant {
        if self.open.load(Ordering::Relaxed) > 0 {
            return now + limits.idle_timeout;
        }
        let arriving = self.arriving.load(Ordering::Relaxed);
        let last = self.at(self.last.load(Ordering::Relaxed));
        if arriving > 0 {
            self.at(arriving - 1) + limits.header_timeout
        } else if self.served.load(Ordering::Relaxed) == 0 {
            last + limits.header_timeout
        } else {
            last + limits.idle_timeout
        }
    }

    fn expired(&self, limits: Limits, now: Instant) -> bool {
        self.open.load(Ordering::Relaxed) == 0 && now >= self.deadline(limits, now)
    }
}

/// One request open on a connection, from its headers to its answer.
struct RequestOpen(Arc<Activity>);

impl RequestOpen {
    fn new(activity: Arc<Activity>) -> RequestOpen {
        activity.request_started(Instant::now());
        RequestOpen(activity)
    }
}

impl Drop for RequestOpen {
    fn drop(&mut self) {
        self.0.request_ended(Instant::now());
    }
}

/// A connection's stream, noting when bytes arrive between requests.
struct Watched<IO> {
    io: IO,
    activity: Arc<Activity>,
    track: bool,
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if self.track && buf.filled().len() > before {
            self.activity.bytes_arrived(Instant::now());
        }
        polled
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_connections: 1,
        header_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
    };

    #[test]
    fn deadlines_for_silence_slow_headers_and_idling() {
        let a = Activity::new();
        let t = |secs: u64| a.base + Duration::from_secs(secs);
        // Nothing sent since connecting: the header timeout.
        assert_eq!(a.deadline(LIMITS, t(0)), t(10));
        assert!(!a.expired(LIMITS, t(9)) && a.expired(LIMITS, t(10)));
        // Headers trickling in: counted from their first byte, not the last.
        a.bytes_arrived(t(3));
        a.bytes_arrived(t(8));
        assert_eq!(a.deadline(LIMITS, t(8)), t(13));
        a.request_started(t(9));
        assert!(
            !a.expired(LIMITS, t(200)),
            "a request is open, however long it takes"
        );
        a.request_ended(t(200));
        // Between requests: the idle timeout, until bytes of the next arrive.
        assert_eq!(a.deadline(LIMITS, t(200)), t(260));
        assert!(!a.expired(LIMITS, t(259)) && a.expired(LIMITS, t(260)));
        a.bytes_arrived(t(230));
        assert_eq!(a.deadline(LIMITS, t(230)), t(240));
    }
}
