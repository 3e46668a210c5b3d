//! RFC 5424 messages over TCP (RFC 6587 octet counting) or TLS (RFC 5425),
//! reconnecting after any error. Syslog has no application-level
//! acknowledgement: a batch counts as accepted once written and flushed.
//! Before each batch the connection is checked for a close by the peer, so
//! a receiver that went away is noticed before writing, not after.

use crate::config::{Destination, Kind};
use crate::send::{Deliver, Outcome};
use rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

enum Conn {
    Tcp(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Tcp(s) => s,
            Conn::Tls(s) => &s.sock,
        }
    }

    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(b).and_then(|_| s.flush()),
            Conn::Tls(s) => s.write_all(b).and_then(|_| s.flush()),
        }
    }

    /// Whether the peer closed (or reset) the connection. Receivers send
    /// nothing, so anything readable is either the close or, over TLS,
    /// handshake messages (session tickets) that rustls consumes here.
    fn closed(&mut self) -> bool {
        if self.tcp().set_nonblocking(true).is_err() {
            return true;
        }
        let mut b = [0u8; 512];
        let closed = match self {
            Conn::Tcp(s) => match s.peek(&mut b[..1]) {
                Ok(0) => true,
                Ok(_) => false,
                Err(e) => e.kind() != std::io::ErrorKind::WouldBlock,
            },
            Conn::Tls(s) => loop {
                match s.read(&mut b) {
                    Ok(0) => break true,
                    Ok(_) => continue,
                    Err(e) => break e.kind() != std::io::ErrorKind::WouldBlock,
                }
            },
        };
        closed || self.tcp().set_nonblocking(false).is_err()
    }
}

pub struct SyslogSender {
    host: String,
    port: u16,
    timeout: Duration,
    tls: Option<(Arc<rustls::ClientConfig>, ServerName<'static>)>,
    conn: Option<Conn>,
}

impl SyslogSender {
    pub fn new(dest: &Destination) -> Result<SyslogSender, String> {
        let Kind::Syslog {
            host,
            port,
            tls,
            server_name,
            ..
        } = &dest.kind
        else {
            return Err("not a syslog destination".into());
        };
        let tls = if *tls {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(dest.ca_pem.as_deref().unwrap_or_default()) {
                let cert = cert.map_err(|e| format!("tls_ca_file: {e}"))?;
                roots.add(cert).map_err(|e| format!("tls_ca_file: {e}"))?;
            }
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let cfg = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| format!("TLS: {e}"))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            let name = ServerName::try_from(server_name.clone())
                .map_err(|e| format!("tls_server_name {server_name:?}: {e}"))?;
            Some((Arc::new(cfg), name))
        } else {
            None
        };
        Ok(SyslogSender {
            host: host.clone(),
            port: *port,
            timeout: dest.timeout,
            tls,
            conn: None,
        })
    }

    fn connect(&self) -> std::io::Result<Conn> {
        let mut last = None;
        for addr in (self.host.as_str(), self.port).to_socket_addrs()? {
            match TcpStream::connect_timeout(&addr, self.timeout) {
                Ok(s) => {
                    s.set_write_timeout(Some(self.timeout))?;
                    s.set_read_timeout(Some(self.timeout))?;
                    s.set_nodelay(true)?;
                    return match &self.tls {
                        None => Ok(Conn::Tcp(s)),
                        Some((cfg, name)) => {
                            let c = rustls::ClientConnection::new(Arc::clone(cfg), name.clone())
                                .map_err(std::io::Error::other)?;
                            let mut tls = rustls::StreamOwned::new(c, s);
                            // Handshake now, so a bad certificate is this attempt's error.
                            while tls.conn.is_handshaking() {
                                tls.conn.complete_io(&mut tls.sock)?;
                            }
                            Ok(Conn::Tls(Box::new(tls)))
                        }
                    };
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::other("the address resolves to nothing")))
    }
}

/// `LEN SP MSG` for every record.
pub fn frame(records: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.iter().map(|r| r.len() + 8).sum());
    for r in records {
        out.extend_from_slice(r.len().to_string().as_bytes());
        out.push(b' ');
        out.extend_from_slice(r);
    }
    out
}

impl Deliver for SyslogSender {
    fn send(&mut self, records: &[&[u8]]) -> Outcome {
        if self.conn.as_mut().is_some_and(Conn::closed) {
            self.conn = None;
        }
        if self.conn.is_none() {
            match self.connect() {
                Ok(c) => self.conn = Some(c),
                Err(e) => {
                    return Outcome::Retry {
                        reason: format!("connecting to {}:{}: {e}", self.host, self.port),
                        after: None,
                    };
                }
            }
        }
        let bytes = frame(records);
        let Some(conn) = self.conn.as_mut() else {
            return Outcome::Retry {
                reason: "no connection".into(),
                after: None,
            };
        };
        match conn.write_all(&bytes) {
            Ok(()) => Outcome::Accepted,
            Err(e) => {
                self.conn = None;
                Outcome::Retry {
                    reason: format!("writing to {}:{}: {e}", self.host, self.port),
                    after: None,
                }
            }
        }
    }
}
