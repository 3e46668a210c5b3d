//! Clients that try to hold the server's resources: TLS connections that
//! send nothing or trickle their headers, more connections than allowed, a
//! syslog TLS port flooded with connections that never handshake, a burst
//! of UDP datagrams larger than the socket's buffer; and the bootstrap admin
//! token, which must not end up in a log.

use crate::support::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

type Tls = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;

/// A TLS connection to `addr` after its handshake, or None when the server
/// closed it instead (it was over the connection limit).
fn tls_open(addr: &str, config: &std::sync::Arc<rustls::ClientConfig>) -> Option<Tls> {
    let sock = TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn = rustls::ClientConnection::new(config.clone(), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return None;
        }
    }
    tls.sock
        .set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    Some(tls)
}

/// Whether the server has closed the connection (reads end or fail).
fn closed(stream: &mut impl Read) -> bool {
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            // An answer (e.g. 408) before the close: keep reading.
            Ok(_) => continue,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

/// Polls every connection (writing one more header byte to the slow ones)
/// until the server has closed them all.
fn wait_until_all_closed(idle: &mut [Tls], slow: &mut [Tls]) {
    let started = Instant::now();
    let mut open_idle: Vec<bool> = vec![true; idle.len()];
    let mut open_slow: Vec<bool> = vec![true; slow.len()];
    while open_idle.iter().chain(&open_slow).any(|o| *o) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "still open after 60 s: {} idle, {} slow",
            open_idle.iter().filter(|o| **o).count(),
            open_slow.iter().filter(|o| **o).count()
        );
        for (s, open) in idle.iter_mut().zip(open_idle.iter_mut()) {
            if *open && closed(s) {
                *open = false;
            }
        }
        for (s, open) in slow.iter_mut().zip(open_slow.iter_mut()) {
            if *open && (s.write_all(b"a").and_then(|_| s.flush()).is_err() || closed(s)) {
                *open = false;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn idle_slow_and_surplus_connections_are_closed_and_normal_clients_get_through() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_tuned(
        dir.path(),
        "max_connections = 20\nheader_timeout = \"5s\"\nidle_timeout = \"5s\"\n",
        "[syslog]\ntls = \"127.0.0.1:0\"\nmax_connections = 3\n",
    );
    let url = server.url.clone();
    let addr = url.trim_start_matches("https://").to_owned();
    let config = tls_client_config(&server.data());

    // Connections that finished TLS and send nothing, and slowloris ones.
    let mut idle: Vec<Tls> = (0..8).map(|_| tls_open(&addr, &config).unwrap()).collect();
    let mut slow: Vec<Tls> = (0..6)
        .map(|_| {
            let mut s = tls_open(&addr, &config).unwrap();
            s.write_all(b"POST /api/v1/ingest HTTP/1.1\r\nHost: localhost\r\nX-Padding: ")
                .unwrap();
            s.flush().unwrap();
            s
        })
        .collect();
    // Beside them, a normal client gets through.
    {
        let c = client(&server.data());
        assert_eq!(c.get(&format!("{url}/health"), None).status, 200);
        let r = c.post(
            &format!("{url}/api/v1/ingest"),
            Some(ADMIN),
            "ts=2026-11-22T12:00:00Z level=info msg=\"besidehostile\"\n",
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // More than the limit: the surplus is closed at once.
    let mut refused = 0;
    for _ in 0..16 {
        match tls_open(&addr, &config) {
            Some(s) => idle.push(s),
            None => refused += 1,
        }
    }
    assert!(
        refused >= 10,
        "30 connections with a limit of 20: {refused} refused"
    );
    wait_until_all_closed(&mut idle, &mut slow);

    // A fresh client for each read: the server closes connections idle for
    // idle_timeout, which the phases below outlast.
    let data = server.data();
    let m = |name: &str| metric(&client(&data), &url, ADMIN, name);
    assert_eq!(
        m("sightline_connections_refused_total{listener=\"http\"}"),
        refused as f64
    );
    let timed_out = m("sightline_connections_timed_out_total{listener=\"http\"}");
    assert!(
        timed_out >= (idle.len() + slow.len()) as f64,
        "{timed_out} timed out of {} held",
        idle.len() + slow.len()
    );

    // Syslog over TLS: connections that never handshake hold at most the
    // limit, for at most the handshake timeout.
    let syslog = server.ready["syslog_tls"].as_str().unwrap().to_owned();
    let mut plain: Vec<TcpStream> = (0..5)
        .map(|_| {
            let s = TcpStream::connect(&syslog).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
            s
        })
        .collect();
    let started = Instant::now();
    while !plain.iter_mut().all(closed) {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "syslog connections still open"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        m("sightline_connections_refused_total{listener=\"syslog_tls\"}"),
        2.0
    );
    assert_eq!(
        m("sightline_connections_timed_out_total{listener=\"syslog_tls\"}"),
        3.0
    );
    let mut sender = tls_open(&syslog, &config).expect("a real sender gets in");
    let msg = "<38>1 2026-11-22T12:00:00Z node-1 sshd 42 - - syslogafterflood";
    write!(sender, "{} {msg}", msg.len()).unwrap();
    sender.flush().unwrap();
    eventually("the syslog message", || {
        search_count(
            &client(&data),
            &url,
            ADMIN,
            "syslogafterflood AND event.module:syslog",
        ) == 1
    });
    server.stop();
}

#[test]
fn a_udp_burst_is_stored_or_counted_and_the_bootstrap_token_stays_out_of_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = Server::start_bootstrapping(
        dir.path(),
        "[syslog]\nudp = \"127.0.0.1:0\"\nudp_receive_buffer = \"4KiB\"\n",
        std::fs::File::create(&log).unwrap().into(),
    );
    // stderr is not a terminal: the token is in a 0600 file beside the data.
    let token_file = dir.path().join("data.admin-token");
    let token = std::fs::read_to_string(&token_file)
        .expect("the admin token file")
        .trim()
        .to_owned();
    assert!(token.starts_with("sl_") && token.len() > 40, "{token}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&token_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let c = client(&server.data());
    let url = server.url.clone();
    let r = c.get(&format!("{url}/api/v1/whoami"), Some(&token));
    assert_eq!((r.status, r.json()["role"].as_str()), (200, Some("admin")));

    // A burst faster than a 4 KiB socket buffer drains: every datagram is
    // stored or counted as dropped by the kernel, none lost unseen.
    let addr = server.ready["syslog_udp"].as_str().unwrap().to_owned();
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    const SENT: u64 = 3000;
    for i in 0..SENT {
        let msg = format!(
            "<14>1 2026-11-22T12:00:00Z burst-host app - - - datagram {i} of the burst udpburstmarker {}",
            "x".repeat(200)
        );
        sock.send_to(msg.as_bytes(), &addr).unwrap();
    }
    let accounted = || {
        let stored = search_count(&c, &url, &token, "udpburstmarker AND event.module:syslog");
        let dropped = metric(&c, &url, &token, "sightline_syslog_udp_kernel_drops_total ") as u64;
        (stored, dropped)
    };
    eventually("every datagram stored or counted", || {
        let (stored, dropped) = accounted();
        stored + dropped >= SENT
    });
    std::thread::sleep(Duration::from_millis(1500));
    let (stored, dropped) = accounted();
    eprintln!("udp burst of {SENT}: {stored} stored, {dropped} dropped by the kernel");
    assert_eq!(stored + dropped, SENT);
    assert!(stored > 0);
    assert!(
        metric(
            &c,
            &url,
            &token,
            "sightline_syslog_udp_receive_buffer_bytes "
        ) > 0.0
    );
    server.stop();
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(
        !logged.contains(&token),
        "the token is never in the log:\n{logged}"
    );
    assert!(
        logged.contains("data.admin-token"),
        "the log says where it is:\n{logged}"
    );
}
