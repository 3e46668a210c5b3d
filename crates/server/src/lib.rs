//! `sightline server`: one process that receives logs (HTTP, Elasticsearch
//! `_bulk`, Splunk HEC, OTLP, syslog), decodes and enriches them, stores them
//! in the tamper-evident store, runs streaming detection and serves the API.
//!
//! Data flows one way: receivers → [`pipeline::Queue`] → the stages of
//! [`pipeline::Topology`] (prepare ×N → append → index / detect → sinks). The HTTP
//! side only reads the store and the alert database.

pub mod acting;
pub mod admission;
pub mod audit;
pub mod auth;
pub mod config;
pub mod connections;
pub mod demo;
pub mod detection;
pub mod forwarding;
pub mod http;
pub mod integrity;
pub mod metrics;
pub mod pipeline;
pub mod platform;
pub mod protocol;
pub mod responding;
pub mod structured;
pub mod syslog;
pub mod tls;
mod udp_drops;

use anyhow::{Context, bail};
use config::{Config, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// What `sightline server` was asked to do.
#[derive(Debug, Clone, Default)]
pub struct ServerOptions {
    pub config: Config,
    /// Overrides `server.listen`.
    pub listen: Option<SocketAddr>,
    /// Overrides `server.data_dir`.
    pub data_dir: Option<PathBuf>,
    /// Overrides `server.admin_token_file`.
    pub admin_token_file: Option<PathBuf>,
    /// The bootstrap admin token itself (from `SIGHTLINE_ADMIN_TOKEN`).
    pub admin_token: Option<String>,
    /// Replay this directory of logs as live traffic.
    pub demo: Option<PathBuf>,
    /// Where to write the address actually bound (for tests that bind port 0).
    pub ready_file: Option<PathBuf>,
}

/// Runs the server until Ctrl-C or SIGTERM, then drains the queue and stops.
pub fn run(mut opts: ServerOptions) -> anyhow::Result<()> {
    if let Some(d) = opts.data_dir.take() {
        opts.config.server.data_dir = d;
    }
    if let Some(f) = opts.admin_token_file.take() {
        opts.config.server.admin_token_file = Some(f);
    }
    let mut settings = opts.config.validate()?;
    if let Some(l) = opts.listen {
        settings.listen = l;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(opts, settings))
}

fn store_config(config: &Config, settings: &Settings) -> sightline_store::StoreConfig {
    let data_dir = config.server.data_dir.clone();
    let key_file = config
        .store
        .key_file
        .clone()
        .unwrap_or_else(|| default_key_file(&data_dir));
    let mut sc = sightline_store::StoreConfig::new(data_dir, key_file);
    sc.fsync = settings.fsync;
    sc.seal_epoch = settings.seal_epoch;
    sc.segment_max_bytes = settings.segment_size;
    sc.max_disk_bytes = settings.max_disk;
    sc.retention = sightline_store::RetentionPolicy {
        max_age: settings.retention_age,
        max_bytes: settings.retention_size,
        per_dataset: settings.retention_per_dataset.clone(),
    };
    sc
}

/// Where a generated admin token is written when stderr is not a terminal:
/// beside the data directory (like the signing key), so a copy of the data
/// does not carry it.
pub fn admin_token_path(data_dir: &std::path::Path) -> PathBuf {
    let key = default_key_file(data_dir);
    key.with_file_name(
        key.file_name()
            .map(|n| n.to_string_lossy().replace(".signing-key", ".admin-token"))
            .unwrap_or_else(|| "sightline-data.admin-token".into()),
    )
}

/// The signing key lives beside the data directory, not in it, so whoever
/// can rewrite the data cannot also re-sign it.
pub fn default_key_file(data_dir: &std::path::Path) -> PathBuf {
    let name = data_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "sightline-data".into());
    data_dir
        .parent()
        .unwrap_or(std::path::Path::new("."))
        .join(format!("{name}.signing-key"))
}

async fn serve(opts: ServerOptions, settings: Settings) -> anyhow::Result<()> {
    let config = &opts.config;
    let data_dir = config.server.data_dir.clone();
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating the data directory {}", data_dir.display()))?;
    let metrics = Arc::new(metrics::Metrics::default());

    // Tokens: make sure an admin can get in.
    let tokens = Arc::new(auth::Tokens::open(&data_dir, &config.tokens)?);
    bootstrap_admin(&tokens, &opts)?;

    let (store, opened) = sightline_store::Store::open(store_config(config, &settings))
        .context("opening the store")?;
    tracing::info!("store opened: {opened:?}");
    for i in &opened.incidents {
        tracing::error!(
            "store integrity: {} (recorded in the signed chain head; `sightline verify` reports it)",
            i.detail
        );
    }
    if let Some(k) = store.verification_key() {
        tracing::info!(
            "store verification key {k} (also in {}): keep a copy off this machine for `sightline verify --public-key`",
            data_dir.join("signing.pub").display()
        );
    }
    let store = Arc::new(store);
    let anchoring = Arc::new(
        integrity::Anchoring::new(&settings.witnesses, &data_dir, Arc::clone(&metrics))
            .context("preparing the integrity witnesses")?,
    );
    let alerts = Arc::new(
        sightline_alerts::AlertStore::open(data_dir.join("alerts.db"))
            .context("opening the alert database")?,
    );
    let sources = sightline_rules::Sources {
        rules: config.detect.rules.clone(),
        tuning: config.detect.tuning.clone(),
        indicators: config.detect.indicators.clone(),
    };
    let mut detection = detection::Detection::start(
        sources,
        settings.lateness_secs,
        &data_dir,
        settings.reload_interval,
    )?;
    let rules_summary = Arc::clone(&detection.summary);

    let (queue, rx) = pipeline::queue(config.server.queue_batches, Arc::clone(&metrics));
    // Rule reloads are user-visible changes: audit them.
    {
        let q = queue.clone();
        let reload_metrics = Arc::clone(&metrics);
        let handle = tokio::runtime::Handle::current();
        detection.on_reload = Box::new(move |msg, tuning_changes| {
            let mut events = vec![audit::record(
                None,
                None,
                "rules-reloaded",
                true,
                serde_json::json!({"result": msg}),
            )];
            // Each exception (with its owner, reason and expiry) on its own record.
            events.extend(tuning_changes.iter().map(|c| {
                audit::record(
                    None,
                    None,
                    &format!("tuning-{}", c.action),
                    true,
                    serde_json::json!({"rule": c.rule, "change": c.detail}),
                )
            }));
            let q = q.clone();
            let metrics = Arc::clone(&reload_metrics);
            handle.spawn(async move {
                let n = events.len() as u64;
                let submitted = q
                    .submit(
                        "audit",
                        pipeline::Payload::Audit(events),
                        Duration::from_secs(30),
                    )
                    .await;
                if let Err(e) = submitted {
                    metrics
                        .audit_failures
                        .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                    tracing::error!("the audit record of a rule reload was not stored: {e}");
                }
            });
        });
    }
    // Routing: alert changes reach it as a sink; the API shares it.
    let acting = match settings.routing.clone() {
        Some(routing) => Some(Arc::new(
            acting::Acting::open(
                routing,
                &data_dir,
                Arc::clone(&alerts),
                Arc::new(acting::LogOutbox),
                config.server.public_url.clone(),
            )
            .context("opening the routing state (DATA/routing.sqlite)")?,
        )),
        None => {
            tracing::info!("no [routing] configured: alerts are stored, nobody is notified");
            None
        }
    };
    let mut sinks: Vec<Box<dyn pipeline::Sink>> = Vec::new();
    if let Some(a) = &acting {
        sinks.push(Box::new(acting::RoutingSink::new(Arc::clone(a))));
    }
    let response_stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut response_runner = None;
    let responder = match &settings.response {
        Some(cfg) => {
            let r = Arc::new(
                sightline_respond::Responder::open(cfg.clone(), &data_dir.join("response.sqlite"))
                    .context("opening the response state (DATA/response.sqlite)")?,
            );
            let run_audit = responding::RunAudit::new(
                queue.clone(),
                tokio::runtime::Handle::current(),
                Arc::clone(&metrics),
            );
            sinks.push(Box::new(responding::ResponseSink::new(
                Arc::clone(&r),
                run_audit.clone(),
            )));
            response_runner = Some(
                responding::start_runner(Arc::clone(&r), run_audit, Arc::clone(&response_stop))
                    .context("starting the response runner")?,
            );
            Some(r)
        }
        None => None,
    };
    let forwarding = match &settings.forwarders {
        Some(f) => {
            let handle = f
                .start(&data_dir.join("forward"))
                .context("starting the forwarders (DATA/forward)")?;
            let handle = Arc::new(handle);
            sinks.push(Box::new(forwarding::ForwardSink::new(Arc::clone(&handle))));
            Some(handle)
        }
        None => None,
    };
    let parts = pipeline::Parts {
        store: Arc::clone(&store),
        alerts: Arc::clone(&alerts),
        detection,
        pipeline: Arc::clone(&settings.pipeline),
        metrics: Arc::clone(&metrics),
        retention_every: settings.retention_every,
        retention: Box::new(|store: &sightline_store::Store| {
            match store.apply_retention(jiff::Timestamp::now()) {
                Ok(r) => {
                    if r.segments_deleted > 0 {
                        tracing::info!("retention: {r:?}");
                    }
                }
                Err(e) => tracing::error!("retention: {e}"),
            }
        }),
        sinks,
        workers: config.server.prepare_workers,
    };
    let topology = pipeline::Topology::start(parts, rx).context("starting the pipeline")?;

    let tls = if config.tls.enabled {
        let setup = tls::setup(
            &data_dir,
            config.tls.cert.as_deref(),
            config.tls.key.as_deref(),
            &[settings.listen.ip().to_string()],
        )?;
        tracing::info!(
            "TLS certificate {} (SHA-256 {}){}",
            setup.cert_path.display(),
            setup.fingerprint,
            if setup.generated {
                ", generated now"
            } else {
                ""
            }
        );
        Some(tokio_rustls::TlsAcceptor::from(Arc::clone(&setup.config)))
    } else {
        tracing::warn!("TLS is off (tls.enabled = false): tokens travel in clear text");
        None
    };

    let state = Arc::new(http::AppState {
        tokens: Arc::clone(&tokens),
        limiter: auth::RateLimiter::new(config.limits.requests_per_second, config.limits.burst),
        queue: queue.clone(),
        store: Arc::clone(&store),
        alerts: Arc::clone(&alerts),
        metrics: Arc::clone(&metrics),
        rules: rules_summary,
        max_body: settings.max_body,
        denials: Arc::new(audit::Denials::default()),
        idle_timeout: settings.idle_timeout,
        acting: acting.clone(),
        forwarding: forwarding.clone(),
        responder: responder.clone(),
    });
    let denials_task = tokio::spawn(audit::store_denials(
        Arc::clone(&state.denials),
        queue.clone(),
        Arc::clone(&metrics),
    ));
    let app = http::router(state);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .with_context(|| {
            format!(
                "binding {} (is another server running there?)",
                settings.listen
            )
        })?;
    let bound = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    tracing::info!("listening on {scheme}://{bound}");

    let syslog_ctx = syslog::SyslogContext {
        queue: queue.clone(),
        metrics: Arc::clone(&metrics),
        allow: Arc::new(settings.syslog_allow.clone()),
        max_connections: settings.syslog_max_connections,
        handshake_timeout: settings.header_timeout,
    };
    let mut tasks = vec![denials_task];
    let mut syslog_addrs = serde_json::Map::new();
    if let Some(addr) = settings.syslog_udp {
        let sock = syslog::bind_udp(addr, settings.udp_receive_buffer, &metrics)
            .with_context(|| format!("binding syslog.udp {addr}"))?;
        syslog_addrs.insert("syslog_udp".into(), sock.local_addr()?.to_string().into());
        tasks.push(tokio::spawn(syslog::serve_udp(sock, syslog_ctx.clone())));
    }
    if let Some(addr) = settings.syslog_tcp {
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding syslog.tcp {addr}"))?;
        syslog_addrs.insert("syslog_tcp".into(), l.local_addr()?.to_string().into());
        tasks.push(tokio::spawn(syslog::serve_tcp(l, syslog_ctx.clone(), None)));
    }
    if let Some(addr) = settings.syslog_tls {
        let Some(acceptor) = tls.clone() else {
            bail!("syslog.tls needs tls.enabled = true");
        };
        let l = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding syslog.tls {addr}"))?;
        syslog_addrs.insert("syslog_tls".into(), l.local_addr()?.to_string().into());
        tasks.push(tokio::spawn(syslog::serve_tcp(
            l,
            syslog_ctx.clone(),
            Some(acceptor),
        )));
    }
    drop(syslog_ctx);
    if let Some(dir) = opts.demo.clone() {
        tasks.push(tokio::spawn(demo::replay(
            dir,
            queue.clone(),
            Arc::clone(&settings.pipeline),
        )));
    }
    if let Some(f) = &opts.ready_file {
        let mut info = serde_json::Map::new();
        info.insert("http".into(), format!("{scheme}://{bound}").into());
        info.extend(syslog_addrs);
        std::fs::write(f, serde_json::Value::Object(info).to_string())
            .with_context(|| format!("writing {}", f.display()))?;
    }
    drop(queue);

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let anchor_task = tokio::spawn(integrity::run(
        Arc::clone(&anchoring),
        Arc::clone(&store),
        settings.checkpoint_every,
        stop_rx.clone(),
    ));
    let limits = connections::Limits {
        max_connections: settings.max_connections,
        header_timeout: settings.header_timeout,
        idle_timeout: settings.idle_timeout,
    };
    let http_task = tokio::spawn(connections::serve_http(
        listener,
        app,
        tls,
        stop_rx,
        limits,
        Arc::clone(&metrics),
    ));
    shutdown_signal().await;
    tracing::info!("shutting down: finishing requests, draining the queue");
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), http_task).await;
    for t in tasks {
        t.abort();
        let _ = t.await;
    }
    // Requests are finished: the stages drain what is queued and stop.
    tokio::task::spawn_blocking(move || topology.stop())
        .await
        .ok();
    response_stop.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(t) = response_runner {
        let _ = tokio::task::spawn_blocking(move || t.join()).await;
    }
    // What the forwarders have not sent stays in their spools for the next start.
    if let Some(f) = forwarding {
        let _ = tokio::task::spawn_blocking(move || f.shutdown()).await;
    }
    // The last word: a checkpoint of everything stored.
    let _ = anchor_task.await;
    anchoring.emit(&store).await;
    tracing::info!("stopped");
    Ok(())
}

fn bootstrap_admin(tokens: &auth::Tokens, opts: &ServerOptions) -> anyhow::Result<()> {
    let supplied = match (&opts.admin_token, &opts.config.server.admin_token_file) {
        (Some(t), _) => Some(t.trim().to_owned()),
        (None, Some(f)) => Some(
            std::fs::read_to_string(f)
                .with_context(|| format!("reading the admin token file {}", f.display()))?
                .trim()
                .to_owned(),
        ),
        _ => None,
    };
    if let Some(token) = supplied {
        if token.len() < 16 {
            bail!("the bootstrap admin token must be at least 16 characters");
        }
        tokens.install("admin", auth::Role::Admin, &token, "bootstrap")?;
        return Ok(());
    }
    if !tokens.has_admin() {
        // Shown once, and never where logs go: only its hash is kept.
        let token = auth::new_token()?;
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() {
            eprintln!(
                "\n  Admin token (shown once, stored only as a hash):\n\n    {token}\n\n  \
                 Use it as: Authorization: Bearer <token>, or `sightline ... --token <token>`.\n"
            );
        } else {
            // Not a terminal: stderr is probably a log collector (journald,
            // docker logs). Written first, so a failure leaves no admin nobody knows.
            let path = admin_token_path(&opts.config.server.data_dir);
            auth::write_private(&path, format!("{token}\n").as_bytes())
                .with_context(|| format!("writing the admin token to {}", path.display()))?;
            tracing::warn!(
                "created the admin token; it is in {} (mode 0600), shown nowhere else: read it, then delete the file",
                path.display()
            );
        }
        tokens.install("admin", auth::Role::Admin, &token, "bootstrap")?;
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
