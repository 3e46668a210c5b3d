//! A small HTTPS client for the commands that talk to a running server
//! (`search`, `alerts`, `token`): where it is, how to trust it, which token.

use anyhow::{Context as _, bail};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Clone)]
pub struct ServerArgs {
    /// The server's URL
    #[arg(
        long,
        global = true,
        env = "SIGHTLINE_SERVER",
        default_value = "https://127.0.0.1:8443"
    )]
    pub server: String,

    /// API token (or set SIGHTLINE_TOKEN)
    #[arg(long, global = true, env = "SIGHTLINE_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// CA certificate to trust (the server's self-signed one is DATA/tls/cert.pem)
    #[arg(long, global = true, value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// Do not verify the server's certificate (tests only: anyone on the path can read the token)
    #[arg(long, global = true)]
    pub insecure: bool,
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
    runtime: tokio::runtime::Runtime,
}

impl Client {
    pub fn new(args: &ServerArgs) -> anyhow::Result<Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let Some(token) = args.token.clone() else {
            bail!(
                "no token: pass --token or set SIGHTLINE_TOKEN (the admin token is printed when the server first starts)"
            );
        };
        let mut b = reqwest::Client::builder().use_rustls_tls();
        if let Some(ca) = &args.ca {
            for cert in ca_certificates(ca)? {
                b = b.add_root_certificate(cert);
            }
        }
        if args.insecure {
            b = b.danger_accept_invalid_certs(true);
        }
        let http = b.build().context("building the HTTP client")?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the async runtime")?;
        Ok(Client {
            http,
            base: args.server.trim_end_matches('/').to_owned(),
            token,
            runtime,
        })
    }

    /// GET with query parameters; the JSON answer or the server's error message.
    pub fn get(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<serde_json::Value> {
        let req = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .query(query);
        self.send(req)
    }

    pub fn post(&self, path: &str, body: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body);
        self.send(req)
    }

    pub fn delete(&self, path: &str) -> anyhow::Result<serde_json::Value> {
        let req = self
            .http
            .delete(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        self.send(req)
    }

    fn send(&self, req: reqwest::RequestBuilder) -> anyhow::Result<serde_json::Value> {
        self.runtime.block_on(async {
            let resp = req.send().await.with_context(|| {
                format!(
                    "connecting to {} (is the server running? for its self-signed certificate pass --ca DATA/tls/cert.pem)",
                    self.base
                )
            })?;
            let status = resp.status();
            let text = resp.text().await.context("reading the server's answer")?;
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
            if !status.is_success() {
                let msg = value
                    .get("error")
                    .and_then(|e| e.as_str())
                    .map(str::to_owned)
                    .unwrap_or_else(|| value.to_string());
                bail!("the server answered {status}: {msg}");
            }
            Ok(value)
        })
    }
}

/// The certificates of a `--ca` file: at least one PEM `CERTIFICATE` block,
/// or an error naming the file and saying what it holds instead (an empty
/// file, a private key, garbage) — trusting nothing would fail later with a
/// vague TLS error, or not at all with `--insecure`.
pub fn ca_certificates(path: &std::path::Path) -> anyhow::Result<Vec<reqwest::Certificate>> {
    use rustls::pki_types::pem::{PemObject, SectionKind};
    let pem =
        std::fs::read(path).with_context(|| format!("reading the --ca file {}", path.display()))?;
    let expected = "expected PEM certificates (-----BEGIN CERTIFICATE-----), such as the server's DATA/tls/cert.pem";
    let mut certs = Vec::new();
    let mut other = Vec::new();
    for section in <(SectionKind, Vec<u8>) as PemObject>::pem_slice_iter(&pem) {
        match section {
            Ok((SectionKind::Certificate, der)) => certs
                .push(reqwest::Certificate::from_der(&der).with_context(|| {
                    format!("{}: a certificate does not parse", path.display())
                })?),
            Ok((kind, _)) => other.push(format!("{kind:?}")),
            Err(e) => bail!("{}: not readable as PEM ({e}); {expected}", path.display()),
        }
    }
    if certs.is_empty() {
        let holds = if pem.iter().all(u8::is_ascii_whitespace) {
            "is empty".to_owned()
        } else if other.iter().any(|k| k.contains("PrivateKey")) {
            "holds a private key, not a certificate (never hand the key to clients)".to_owned()
        } else if other.is_empty() {
            "holds no PEM block".to_owned()
        } else {
            format!("holds no certificate, only {}", other.join(", "))
        };
        bail!("{} {holds}; {expected}", path.display());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ca_file_without_a_certificate_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
        let cases = [
            ("empty.pem", String::new(), "is empty"),
            (
                "key.pem",
                cert.signing_key.serialize_pem(),
                "holds a private key",
            ),
            (
                "garbage.pem",
                "not a certificate at all\n".to_owned(),
                "holds no PEM block",
            ),
        ];
        for (name, text, says) in cases {
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let err = ca_certificates(&path).unwrap_err().to_string();
            assert!(err.contains(name) && err.contains(says), "{name}: {err}");
            assert!(
                err.contains("BEGIN CERTIFICATE"),
                "says what it expected: {err}"
            );
        }
        let good = dir.path().join("cert.pem");
        std::fs::write(&good, cert.cert.pem()).unwrap();
        assert_eq!(ca_certificates(&good).unwrap().len(), 1);
    }
}
