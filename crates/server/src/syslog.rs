//! Syslog listeners: UDP, TCP and TLS. Syslog carries no token, so a
//! sender's address is its credential (`syslog.allow`), and over TLS the
//! channel is encrypted. TCP reads pause while the queue is full: that is the
//! backpressure syslog senders understand (they buffer or block).
//!
//! UDP has no backpressure: what the socket's receive buffer cannot hold,
//! the kernel drops. The buffer is sized for bursts (`syslog.udp_receive_buffer`),
//! the socket is read while earlier batches are being stored, and the
//! kernel's drop count for the socket is exported
//! (`sightline_syslog_udp_kernel_drops_total`), so a loss is never silent.
//!
//! TCP and TLS listeners each take at most `syslog.max_connections`
//! connections (more are closed at once and counted), and a TLS handshake
//! must finish within `server.header_timeout`. Connections are not closed
//! for idling: syslog senders keep one open and write when they have logs.

use crate::metrics::Metrics;
use crate::pipeline::{Payload, Queue};
use sightline_receive::{Inbound, SyslogFrame, SyslogFramer};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::{TcpListener, UdpSocket};

/// Records sent to the writer in one batch at most.
const BATCH: usize = 1000;
/// How long a TCP connection may wait for queue room before we stop reading
/// (effectively forever: the sender is paused, not dropped).
const TCP_PATIENCE: Duration = Duration::from_secs(3600);

#[derive(Clone)]
pub struct SyslogContext {
    pub queue: Queue,
    pub metrics: Arc<Metrics>,
    pub allow: Arc<Vec<ipnet::IpNet>>,
    pub max_connections: usize,
    pub handshake_timeout: Duration,
}

impl SyslogContext {
    fn allowed(&self, peer: &SocketAddr) -> bool {
        self.allow.iter().any(|n| n.contains(&peer.ip()))
    }
}

fn started_nanos() -> i128 {
    jiff::Timestamp::now().as_nanosecond()
}

/// Binds the UDP socket with a receive buffer of `receive_buffer` bytes
/// asked (the kernel caps it at `net.core.rmem_max`; what it granted goes to
/// `sightline_syslog_udp_receive_buffer_bytes`, and a shortfall is logged).
pub fn bind_udp(
    addr: SocketAddr,
    receive_buffer: usize,
    metrics: &Metrics,
) -> std::io::Result<UdpSocket> {
    let std_sock = std::net::UdpSocket::bind(addr)?;
    let sock_ref = socket2::SockRef::from(&std_sock);
    if let Err(e) = sock_ref.set_recv_buffer_size(receive_buffer) {
        tracing::warn!("syslog.udp: setting the receive buffer to {receive_buffer} bytes: {e}");
    }
    // Linux reports twice what was granted (the doubled value includes its bookkeeping).
    let granted = sock_ref.recv_buffer_size().unwrap_or(0);
    metrics
        .udp_receive_buffer
        .store(granted as u64, std::sync::atomic::Ordering::Relaxed);
    if granted < receive_buffer {
        tracing::warn!(
            "syslog.udp: the kernel granted a receive buffer of {granted} bytes of the {receive_buffer} asked \
             (raise net.core.rmem_max to allow more); bursts beyond it are dropped and counted in \
             sightline_syslog_udp_kernel_drops_total"
        );
    }
    std_sock.set_nonblocking(true)?;
    UdpSocket::from_std(std_sock)
}

/// Batches of datagrams waiting to be stored while the socket is read on.
const UDP_BATCHES_IN_FLIGHT: usize = 8;

pub async fn serve_udp(socket: UdpSocket, ctx: SyslogContext) {
    declare(&ctx.metrics, "syslog_udp");
    let mut buf = vec![0u8; 65_536];
    let mut datagrams = SyslogDatagrams::new(started_nanos());
    let mut batch: Vec<Inbound> = Vec::new();
    // Storing waits for the writer; reading must not, or the buffer overflows.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Inbound>>(UDP_BATCHES_IN_FLIGHT);
    let queue = ctx.queue.clone();
    tokio::spawn(async move {
        while let Some(records) = rx.recv().await {
            if let Err(e) = queue
                .submit("syslog_udp", Payload::Records(records), TCP_PATIENCE)
                .await
            {
                tracing::error!("syslog UDP batch not stored: {e}");
            }
        }
    });
    let drops = crate::udp_drops::KernelDrops::of(&socket);
    let mut drops_read = std::time::Instant::now();
    loop {
        // Collect datagrams until a short pause or a full batch.
        let got =
            tokio::time::timeout(Duration::from_millis(100), socket.recv_from(&mut buf)).await;
        match got {
            Ok(Ok((n, peer))) => {
                if !ctx.allowed(&peer) {
                    ctx.metrics.failed.add("syslog_udp", 1);
                    tracing::warn!("syslog datagram from {peer} refused: not in syslog.allow");
                    continue;
                }
                batch.push(datagrams.record(&buf[..n], peer));
                if batch.len() < BATCH {
                    continue;
                }
            }
            Ok(Err(e)) => {
                tracing::warn!("syslog UDP receive: {e}");
                continue;
            }
            Err(_) => {}
        }
        if !batch.is_empty() && tx.send(std::mem::take(&mut batch)).await.is_err() {
            return;
        }
        if drops_read.elapsed() >= Duration::from_secs(1) {
            drops_read = std::time::Instant::now();
            if let Some(n) = drops.as_ref().and_then(|d| d.read()) {
                ctx.metrics
                    .udp_kernel_drops
                    .store(n, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}

pub async fn serve_tcp(
    listener: TcpListener,
    ctx: SyslogContext,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    let receiver: &'static str = if tls.is_some() {
        "syslog_tls"
    } else {
        "syslog_tcp"
    };
    declare(&ctx.metrics, receiver);
    let slots = Arc::new(tokio::sync::Semaphore::new(ctx.max_connections));
    loop {
        let (sock, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!("syslog accept: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        if !ctx.allowed(&peer) {
            ctx.metrics.failed.add(receiver, 1);
            tracing::warn!("syslog connection from {peer} refused: not in syslog.allow");
            continue;
        }
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            ctx.metrics.connections_refused.add(receiver, 1);
            tracing::warn!(
                "syslog connection from {peer} refused: syslog.max_connections ({}) are open",
                ctx.max_connections
            );
            continue;
        };
        let ctx = ctx.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let _open = crate::connections::OpenConnection::new(&ctx.metrics, receiver);
            let result = match tls {
                Some(acceptor) => {
                    match tokio::time::timeout(ctx.handshake_timeout, acceptor.accept(sock)).await {
                        Ok(Ok(s)) => read_stream(s, peer, receiver, ctx).await,
                        Ok(Err(e)) => {
                            tracing::warn!("syslog TLS handshake with {peer}: {e}");
                            return;
                        }
                        Err(_) => {
                            ctx.metrics.connections_timed_out.add(receiver, 1);
                            tracing::warn!(
                                "syslog TLS handshake with {peer} did not finish within server.header_timeout; closed"
                            );
                            return;
                        }
                    }
                }
                None => read_stream(sock, peer, receiver, ctx).await,
            };
            if let Err(e) = result {
                tracing::debug!("syslog connection {peer}: {e}");
            }
        });
    }
}

async fn read_stream<S: AsyncRead + Unpin>(
    mut sock: S,
    peer: SocketAddr,
    receiver: &'static str,
    ctx: SyslogContext,
) -> std::io::Result<()> {
    let mut connection = SyslogStream::new(receiver, peer, started_nanos());
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = sock.read(&mut buf).await?;
        let records = if n == 0 {
            connection.finish()
        } else {
            connection.records(&buf[..n])
        };
        // Not reading while we wait is the backpressure.
        if !records.is_empty()
            && let Err(e) = ctx
                .queue
                .submit(receiver, Payload::Records(records), TCP_PATIENCE)
                .await
        {
            tracing::error!("syslog batch from {peer} not stored: {e}; closing the connection");
            return Ok(());
        }
        if n == 0 {
            return Ok(());
        }
    }
}

/// Lists a listener in the receiver metrics at 0 from its start.
fn declare(metrics: &Metrics, receiver: &str) {
    metrics.received.add(receiver, 0);
    metrics.failed.add(receiver, 0);
}

/// The records of one TCP or TLS connection, from its bytes as they arrive:
/// the stream receivers' "bytes -> records" core, with no socket in it.
pub struct SyslogStream {
    framer: SyslogFramer,
    frames: Vec<SyslogFrame>,
    peer: String,
    /// Named after the listener, the peer and when the connection began, so
    /// each connection is a stream of its own (frame offsets restart at 0).
    stream: String,
}

impl SyslogStream {
    pub fn new(receiver: &str, peer: SocketAddr, started_nanos: i128) -> SyslogStream {
        SyslogStream {
            framer: SyslogFramer::default(),
            frames: Vec::new(),
            peer: peer.to_string(),
            stream: format!("{receiver}:{peer}:{started_nanos}"),
        }
    }

    /// The records the messages completed by `bytes` make.
    pub fn records(&mut self, bytes: &[u8]) -> Vec<Inbound> {
        self.framer.push(bytes, &mut self.frames);
        self.take()
    }

    /// At the end of the connection: the message it cut off, if any (flagged truncated).
    pub fn finish(&mut self) -> Vec<Inbound> {
        self.framer.finish(&mut self.frames);
        self.take()
    }

    fn take(&mut self) -> Vec<Inbound> {
        self.frames
            .drain(..)
            .map(|f| f.to_inbound(&self.peer, &self.stream))
            .collect()
    }
}

/// The records of the UDP socket: one per datagram, numbered in arrival order.
pub struct SyslogDatagrams {
    stream_base: String,
    seq: u64,
}

impl SyslogDatagrams {
    pub fn new(started_nanos: i128) -> SyslogDatagrams {
        SyslogDatagrams {
            stream_base: format!("syslog-udp:{started_nanos}"),
            seq: 0,
        }
    }

    /// The record of one datagram from `peer` (one stream per sender address).
    pub fn record(&mut self, datagram: &[u8], peer: SocketAddr) -> Inbound {
        let frame = sightline_receive::udp_datagram(datagram);
        let stream = format!("{}:{}", self.stream_base, peer.ip());
        let record =
            sightline_receive::syslog_inbound(&frame, &peer.to_string(), &stream, self.seq);
        self.seq += 1;
        record
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: ([u8; 4], u16) = ([192, 0, 2, 7], 5140);

    #[test]
    fn a_connections_records_do_not_depend_on_how_its_bytes_arrive() {
        let bytes = b"<13>1 2026-01-01T00:00:00Z h app - - - first\n26 <13>1 - h app - - - second\n<14>third";
        let whole = {
            let mut c = SyslogStream::new("syslog_tcp", PEER.into(), 1);
            let mut r = c.records(bytes);
            r.extend(c.finish());
            r
        };
        let lines: Vec<&str> = whole.iter().map(|r| r.line.as_str()).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].ends_with("first") && lines[2].ends_with("third"),
            "{lines:?}"
        );
        let mut c = SyslogStream::new("syslog_tcp", PEER.into(), 1);
        let mut split = Vec::new();
        for chunk in bytes.chunks(5) {
            split.extend(c.records(chunk));
        }
        split.extend(c.finish());
        assert_eq!(split, whole);
        assert!(
            whole
                .iter()
                .all(|r| r.stream == "syslog_tcp:192.0.2.7:5140:1")
        );
    }

    #[test]
    fn each_datagram_is_one_record_in_its_senders_stream() {
        let mut d = SyslogDatagrams::new(9);
        let a = d.record(b"<13>one\n", PEER.into());
        let b = d.record(b"<13>two", ([198, 51, 100, 1], 514).into());
        assert_eq!((a.line.as_str(), a.offset), ("<13>one", 0));
        assert_eq!((b.line.as_str(), b.offset), ("<13>two", 1));
        assert_eq!(a.stream, "syslog-udp:9:192.0.2.7");
        assert_eq!(a.attribute("syslog.peer"), Some("192.0.2.7:5140"));
    }
}
