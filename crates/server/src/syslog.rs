//! Syslog listeners: UDP, TCP and TLS. Syslog carries no token, so a
//! sender's address is its credential (`syslog.allow`), and over TLS the
//! channel is encrypted. TCP reads pause while the queue is full: that is the
//! backpressure syslog senders understand (they buffer or block).

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
}

impl SyslogContext {
    fn allowed(&self, peer: &SocketAddr) -> bool {
        self.allow.iter().any(|n| n.contains(&peer.ip()))
    }
}

fn started_nanos() -> i128 {
    jiff::Timestamp::now().as_nanosecond()
}

pub async fn serve_udp(socket: UdpSocket, ctx: SyslogContext) {
    let mut buf = vec![0u8; 65_536];
    let stream_base = format!("syslog-udp:{}", started_nanos());
    let mut seq: u64 = 0;
    let mut batch: Vec<Inbound> = Vec::new();
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
        if !batch.is_empty() {
            let records = std::mem::take(&mut batch);
            if let Err(e) = ctx
                .queue
                .submit("syslog_udp", Payload::Records(records), TCP_PATIENCE)
                .await
            {
                tracing::error!("syslog UDP batch not stored: {e}");
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
        let ctx = ctx.clone();
        let tls = tls.clone();
        tokio::spawn(async move {
            let result = match tls {
                Some(acceptor) => match acceptor.accept(sock).await {
                    Ok(s) => read_stream(s, peer, receiver, ctx).await,
                    Err(e) => {
                        tracing::warn!("syslog TLS handshake with {peer}: {e}");
                        return;
                    }
                },
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
