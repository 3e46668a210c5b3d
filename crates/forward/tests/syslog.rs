//! Syslog: RFC 5424 with octet counting, over TCP and TLS, reconnecting.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;

/// Reads RFC 6587 octet-counted frames (`LEN SP MSG`) until the peer closes
/// or `limit` frames were read.
fn read_frames(r: &mut impl BufRead, limit: usize, out: &mpsc::Sender<String>) -> usize {
    for n in 0..limit {
        let mut len = Vec::new();
        if r.read_until(b' ', &mut len).unwrap_or(0) == 0 {
            return n;
        }
        len.pop();
        let n: usize = std::str::from_utf8(&len)
            .unwrap()
            .parse()
            .expect("a decimal length");
        let mut msg = vec![0; n];
        r.read_exact(&mut msg).unwrap();
        out.send(String::from_utf8(msg).unwrap()).unwrap();
    }
    limit
}

fn syslog_toml(addr: std::net::SocketAddr, extra: &str) -> String {
    format!(
        "[[forward]]\nname = \"sys\"\ntype = \"syslog\"\naddress = \"{addr}\"\nfacility = \"authpriv\"\nsend = [\"events\", \"alerts\"]\n{FAST}{extra}\n"
    )
}

/// `<PRI>1 TS HOST APP - MSGID - MSG` → (pri, ts, host, app, msgid, msg).
fn parse_5424(m: &str) -> (u32, String, String, String, String, serde_json::Value) {
    let rest = m.strip_prefix('<').unwrap();
    let (pri, rest) = rest.split_once(">1 ").unwrap();
    let f: Vec<&str> = rest.splitn(7, ' ').collect();
    assert_eq!(f[3], "-", "PROCID");
    assert_eq!(f[5], "-", "no structured data");
    (
        pri.parse().unwrap(),
        f[0].into(),
        f[1].into(),
        f[2].into(),
        f[4].into(),
        serde_json::from_str(f[6]).unwrap(),
    )
}

#[test]
fn octet_counted_rfc5424_over_tcp_and_a_reconnect_after_the_receiver_closes() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    let (closed_tx, closed) = mpsc::channel();
    std::thread::spawn(move || {
        // The first connection is closed after 3 messages; later ones stay.
        let (s, _) = listener.accept().unwrap();
        read_frames(&mut BufReader::new(s), 3, &tx);
        closed_tx.send(()).unwrap();
        loop {
            let Ok((s, _)) = listener.accept() else {
                return;
            };
            read_frames(&mut BufReader::new(s), usize::MAX, &tx);
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let f = forwarders(&syslog_toml(addr, ""));
    let h = f.start(dir.path()).unwrap();
    let mut ev = event(0, "first-0");
    ev.level = Some("error".into());
    h.enqueue_events(&[ev]);
    h.enqueue_events(&events(3, "first")[1..]);
    let mut got: Vec<String> = (0..3).map(|_| next(&rx)).collect();
    let (pri, ts, host, app, msgid, msg) = parse_5424(&got[0]);
    assert_eq!(pri, 10 * 8 + 3, "authpriv.err");
    assert_eq!(ts, "2023-11-14T22:13:20.000000Z");
    assert_eq!(
        (host.as_str(), app.as_str(), msgid.as_str()),
        ("node-1", "sightline", "event")
    );
    assert_eq!(msg["message"], "first-0");
    // The receiver closed: the next batches must reconnect, nothing lost.
    closed
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the receiver closed");
    for i in 0..4 {
        h.enqueue_events(&[event(10 + i, &format!("second-{i}"))]);
    }
    while got.len() < 7 {
        got.push(next(&rx));
    }
    let msgs: Vec<String> = got
        .iter()
        .map(|m| parse_5424(m).5["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        msgs,
        [
            "first-0", "first-1", "first-2", "second-0", "second-1", "second-2", "second-3"
        ]
    );
}

fn tls_pair() -> (String, rustls::ServerConfig) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["syslog.test".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    (ca_cert.pem(), cfg)
}

/// Reads frames over TLS; the first connection is closed after `first` frames.
fn tls_server(
    cfg: rustls::ServerConfig,
    first: usize,
) -> (
    std::net::SocketAddr,
    mpsc::Receiver<String>,
    mpsc::Receiver<()>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let cfg = std::sync::Arc::new(cfg);
    let (tx, rx) = mpsc::channel();
    let (closed_tx, closed) = mpsc::channel();
    std::thread::spawn(move || {
        let mut limit = first;
        loop {
            let Ok((s, _)): std::io::Result<(TcpStream, _)> = listener.accept() else {
                return;
            };
            let conn = rustls::ServerConnection::new(cfg.clone()).unwrap();
            let tls = rustls::StreamOwned::new(conn, s);
            // Handshakes refused by a client that does not trust us read nothing.
            if read_frames(&mut BufReader::new(tls), limit, &tx) > 0 && limit != usize::MAX {
                limit = usize::MAX;
                let _ = closed_tx.send(());
            }
        }
    });
    (addr, rx, closed)
}

#[test]
fn tls_with_the_configured_ca_and_server_name_delivers_and_a_wrong_ca_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, cfg) = tls_pair();
    let (other_ca, _) = tls_pair();
    let (addr, rx, closed) = tls_server(cfg, 2);
    let good = dir.path().join("ca.pem");
    std::fs::write(&good, ca_pem).unwrap();
    let bad = dir.path().join("other.pem");
    std::fs::write(&bad, other_ca).unwrap();

    let wrong = forwarders(&syslog_toml(
        addr,
        &format!(
            "tls = true\ntls_ca_file = \"{}\"\ntls_server_name = \"syslog.test\"",
            bad.display()
        ),
    ));
    let h = wrong.start(&dir.path().join("wrong")).unwrap();
    h.enqueue_events(&events(1, "untrusted"));
    wait_until("refused handshakes", || stats_of(&h, "sys").retried >= 2);
    let st = stats_of(&h, "sys");
    assert_eq!((st.sent, st.queued), (0, 1));
    assert!(st.last_error.unwrap().contains("certificate"));
    h.shutdown();

    let right = forwarders(&syslog_toml(
        addr,
        &format!(
            "tls = true\ntls_ca_file = \"{}\"\ntls_server_name = \"syslog.test\"",
            good.display()
        ),
    ));
    let h = right.start(&dir.path().join("right")).unwrap();
    h.enqueue_events(&events(2, "tls"));
    let mut got: Vec<String> = (0..2).map(|_| next(&rx)).collect();
    // The receiver closed that connection: the next message reconnects.
    closed
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("the receiver closed");
    h.enqueue_events(&[event(5, "tls-again")]);
    got.push(next(&rx));
    let msgs: Vec<String> = got
        .iter()
        .map(|m| parse_5424(m).5["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(msgs, ["tls-0", "tls-1", "tls-again"]);
}

/// The next message, or a failure (never a hang) after a generous deadline.
fn next(rx: &mpsc::Receiver<String>) -> String {
    rx.recv_timeout(std::time::Duration::from_secs(30))
        .expect("a syslog message")
}

/// Into a real rsyslog (imtcp, octet-counted framing detected on input):
/// it must parse every header field of what we send.
#[test]
fn a_real_rsyslog_parses_our_messages() {
    let bin = std::path::Path::new("/usr/sbin/rsyslogd");
    if !bin.exists() {
        eprintln!(
            "SKIPPED: /usr/sbin/rsyslogd is not installed (scripts/test-receivers installs it)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_addr().port();
    let out = dir.path().join("out.log");
    let conf = dir.path().join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            r#"global(workDirectory="{work}")
module(load="imtcp")
template(name="fields" type="string" string="%pri%|%timereported:::date-rfc3339%|%hostname%|%app-name%|%msgid%|%msg%\n")
input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="in")
ruleset(name="in") {{ action(type="omfile" file="{out}" template="fields") }}
"#,
            work = dir.path().display(),
            out = out.display()
        ),
    )
    .unwrap();
    let mut child = std::process::Command::new(bin)
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(dir.path().join("pid"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let f = forwarders(&syslog_toml(
        std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        "",
    ));
    let h = f.start(&dir.path().join("state")).unwrap();
    let mut evs = events(3, "rsyslog");
    evs[1].level = Some("warning".into());
    h.enqueue_events(&evs);
    let lines = || {
        std::fs::read_to_string(&out)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let mut ok = true;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while lines().len() < 3 {
        if std::time::Instant::now() > deadline {
            ok = false;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    h.shutdown();
    let _ = child.kill();
    let _ = child.wait();
    assert!(ok, "rsyslog wrote {:?}", lines());
    let got = lines();
    let f: Vec<&str> = got[1].splitn(6, '|').collect();
    assert_eq!(f[0], (10 * 8 + 4).to_string(), "authpriv.warning");
    assert!(f[1].starts_with("2023-11-14T22:13:21"), "{}", f[1]);
    assert_eq!(&f[2..5], ["node-1", "sightline", "event"]);
    let doc: serde_json::Value = serde_json::from_str(f[5].trim_start()).unwrap();
    assert_eq!(doc["message"], "rsyslog-1");
}
