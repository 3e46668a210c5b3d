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
    let mut buf = vec![0u8; 65_536];
    let stream_base = format!("syslog-udp:{}", started_nanos());
    let mut seq: u64 = 0;
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
                let frame = sightline_receive::udp_datagram(&buf[..n]);
                let stream = format!("{stream_base}:{}", peer.ip());
                batch.push(sightline_receive::syslog_inbound(
                    &frame,
                    &peer.to_string(),
                    &stream,
                    seq,
                ));
                seq += 1;
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
    let stream = format!("{receiver}:{peer}:{}", started_nanos());
    let mut framer = SyslogFramer::default();
    let mut buf = vec![0u8; 64 * 1024];
    let mut frames: Vec<SyslogFrame> = Vec::new();
    loop {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            framer.finish(&mut frames);
        } else {
            framer.push(&buf[..n], &mut frames);
        }
        if !frames.is_empty() {
            let peer_s = peer.to_string();
            let records: Vec<Inbound> = frames
                .drain(..)
                .map(|f| f.to_inbound(&peer_s, &stream))
                .collect();
            // Not reading while we wait is the backpressure.
            if let Err(e) = ctx
                .queue
                .submit(receiver, Payload::Records(records), TCP_PATIENCE)
                .await
            {
                tracing::error!("syslog batch from {peer} not stored: {e}; closing the connection");
                return Ok(());
            }
        }
        if n == 0 {
            return Ok(());
        }
    }
}
