//! HTTP connections: TLS, and the limits that keep hostile clients from
//! holding the server's connections.
//!
//! * At most `max_connections` are open at once; a connection beyond is
//!   closed as soon as it is accepted (counted in
//!   `sightline_connections_refused_total{listener="http"}`), so a flood
//!   costs a file descriptor for an instant, not for ever.
//! * The TLS handshake, and the headers of each request, must arrive within
//!   `header_timeout`: counted from connecting for the first request, from
//!   the previous answer for the next ones (HTTP/1.1 keep-alive). A client
//!   that connects and sends nothing, or trickles its headers (slowloris),
//!   is closed.
//! * A connection with no request open for `idle_timeout` is closed (HTTP/2
//!   connections, which hyper's header timeout does not cover).
//!
//! Closed connections are counted in `sightline_connections_timed_out_total`.

use crate::metrics::Metrics;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
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
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let builder = match protocols {
        Protocols::Http1 => builder.http1_only(),
        Protocols::Http2 => builder.http2_only(),
        Protocols::Either => builder,
    };
    let conn = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
    tokio::pin!(conn);
    loop {
        let deadline = activity.deadline(limits);
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    if is_header_timeout(&*e) {
                        metrics.connections_timed_out.add(LISTENER, 1);
                    }
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
                if activity.expired(limits) {
                    metrics.connections_timed_out.add(LISTENER, 1);
                    tracing::debug!("connection {peer}: no request within the time allowed; closed");
                    return;
                }
            }
        }
    }
}

fn is_header_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    e.downcast_ref::<hyper::Error>()
        .is_some_and(|h| h.is_timeout())
}

/// When a connection last started or finished a request, and how many are open.
struct Activity {
    base: Instant,
    open: AtomicUsize,
    served: AtomicU64,
    /// Milliseconds after `base` of the last start or end of a request.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Activity {
        Activity {
            base: Instant::now(),
            open: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = self.base.elapsed().as_millis() as u64;
        self.last.store(ms, Ordering::Relaxed);
    }

    /// When the connection is due to be closed if nothing happens: a first
    /// request must come within the header timeout, later ones within the
    /// idle timeout. While a request is open, look again an idle timeout later.
    fn deadline(&self, limits: Limits) -> Instant {
        let last = self.base + Duration::from_millis(self.last.load(Ordering::Relaxed));
        if self.open.load(Ordering::Relaxed) > 0 {
            return Instant::now() + limits.idle_timeout;
        }
        if self.served.load(Ordering::Relaxed) == 0 {
            last + limits.header_timeout
        } else {
            last + limits.idle_timeout
        }
    }

    fn expired(&self, limits: Limits) -> bool {
        self.open.load(Ordering::Relaxed) == 0 && Instant::now() >= self.deadline(limits)
    }
}

/// One request open on a connection, from its headers to its answer.
struct RequestOpen(Arc<Activity>);

impl RequestOpen {
    fn new(activity: Arc<Activity>) -> RequestOpen {
        activity.open.fetch_add(1, Ordering::Relaxed);
        activity.served.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        RequestOpen(activity)
    }
}

impl Drop for RequestOpen {
    fn drop(&mut self) {
        self.0.touch();
        self.0.open.fetch_sub(1, Ordering::Relaxed);
    }
}
