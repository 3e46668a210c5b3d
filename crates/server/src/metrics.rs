//! Counters and gauges, rendered in the Prometheus text format at `/metrics`.
//! Hand-rolled on atomics: a handful of families does not justify a metrics
//! framework, and rendering is a few lines.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    /// Per receiver (`http`, `es_bulk`, `hec`, `otlp`, `syslog_udp`...): records received.
    pub received: Labeled,
    /// Per dataset: events stored.
    pub stored: Labeled,
    /// Per receiver: records refused (bad input), with the reason in logs.
    pub failed: Labeled,
    /// Per HTTP receiver: requests answered with a refusal (token, role,
    /// rate, body, encoding, format, a busy queue or a full store).
    pub refused: Labeled,
    /// Per reason (`oversized`, `unreadable`): request bodies refused before decoding.
    pub refused_bodies: Labeled,
    /// Per dataset: events that did not parse (kept raw, tagged).
    pub parse_failures: Labeled,
    /// Per dataset: events dated beyond the future tolerance (tagged `timestamp_future`).
    pub future: Labeled,
    pub duplicates: AtomicU64,
    pub batches: AtomicU64,
    /// Requests refused because the queue was full.
    pub backpressure_rejections: AtomicU64,
    /// Time receivers spent waiting for queue room, in microseconds.
    pub backpressure_micros: AtomicU64,
    pub queue_depth: AtomicU64,
    pub queue_capacity: AtomicU64,
    /// Per rule level: alerts newly raised.
    pub alerts_raised: Labeled,
    pub rule_eval_micros: AtomicU64,
    pub store_append_micros: AtomicU64,
    pub store_errors: AtomicU64,
    pub disk_full: AtomicU64,
    pub store_bytes: AtomicU64,
    pub store_events: AtomicU64,
    /// 1 while the index lags the segments after a failure.
    pub index_lagging: AtomicU64,
    pub rate_limited: AtomicU64,
    pub auth_failures: AtomicU64,
    /// Event received → alert persisted, microseconds, as a small histogram.
    pub alert_latency: Histogram,
    pub rule_reloads: AtomicU64,
    /// Store checkpoints signed and sent (to the log, at least).
    pub checkpoints: AtomicU64,
    pub checkpoint_failures: AtomicU64,
    /// Records the last checkpoint vouches for.
    pub checkpoint_seq: AtomicU64,
    /// Per witness: checkpoints delivered / not delivered.
    pub witness_deliveries: Labeled,
    pub witness_failures: Labeled,
    /// 1 while the store cannot sign its chain head.
    pub head_fault: AtomicU64,
    /// Per stage (`append`, `detect`, `sink:NAME`): items waiting.
    pub stage_depth: Gauges,
    /// Group commits (one write and one fsync for every batch ready).
    pub group_commits: AtomicU64,
    /// Audit records that could not be stored.
    pub audit_failures: AtomicU64,
    /// Per listener (`http`, `syslog_tcp`, `syslog_tls`): connections closed
    /// at once because the listener was at its connection limit.
    pub connections_refused: Labeled,
    /// Per listener: connections closed for a TLS handshake, request headers
    /// or a first request that did not come in time, or for idling.
    pub connections_timed_out: Labeled,
    /// Open connections per listener.
    pub connections_open: Gauges,
    /// Datagrams the kernel dropped on the syslog UDP socket (its receive
    /// buffer was full).
    pub udp_kernel_drops: AtomicU64,
    /// The syslog UDP socket's receive buffer as the kernel granted it.
    pub udp_receive_buffer: AtomicU64,
}

/// Gauges by label, each going up and down.
#[derive(Default)]
pub struct Gauges(Mutex<BTreeMap<String, i64>>);

impl Gauges {
    pub fn add(&self, label: &str, delta: i64) {
        if let Ok(mut m) = self.0.lock() {
            *m.entry(label.to_owned()).or_insert(0) += delta;
        }
    }

    pub fn get(&self, label: &str) -> i64 {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(label).copied())
            .unwrap_or(0)
    }

    fn snapshot(&self) -> BTreeMap<String, i64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

#[derive(Default)]
pub struct Labeled(Mutex<BTreeMap<String, u64>>);

impl Labeled {
    pub fn add(&self, label: &str, n: u64) {
        if let Ok(mut m) = self.0.lock() {
            match m.get_mut(label) {
                Some(v) => *v += n,
                None => {
                    m.insert(label.to_owned(), n);
                }
            }
        }
    }

    pub fn get(&self, label: &str) -> u64 {
        self.0
            .lock()
            .ok()
            .and_then(|m| m.get(label).copied())
            .unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.0.lock().map(|m| m.values().sum()).unwrap_or(0)
    }

    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Cumulative buckets in seconds, as Prometheus histograms expect.
pub struct Histogram {
    bounds: &'static [f64],
    counts: Vec<AtomicU64>,
    sum_micros: AtomicU64,
    count: AtomicU64,
}

const LATENCY_BOUNDS: &[f64] = &[
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0,
];

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            bounds: LATENCY_BOUNDS,
            counts: LATENCY_BOUNDS.iter().map(|_| AtomicU64::new(0)).collect(),
            sum_micros: AtomicU64::new(0),
            count: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    pub fn observe_micros(&self, micros: u64) {
        let secs = micros as f64 / 1e6;
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            if secs <= *b {
                c.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

fn escape(label: &str) -> String {
    label
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    /// Lists a receiver in its families at 0, so a receiver that has seen
    /// no traffic yet shows as such rather than not at all.
    pub fn declare_receiver(&self, name: &str) {
        self.received.add(name, 0);
        self.failed.add(name, 0);
        self.refused.add(name, 0);
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut labeled = |name: &str, help: &str, label: &str, l: &Labeled| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (k, v) in l.snapshot() {
                let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {v}", escape(&k));
            }
        };
        labeled(
            "sightline_events_received_total",
            "Records received, per receiver.",
            "receiver",
            &self.received,
        );
        labeled(
            "sightline_events_stored_total",
            "Events stored, per dataset.",
            "dataset",
            &self.stored,
        );
        labeled(
            "sightline_events_failed_total",
            "Records refused as invalid, per receiver.",
            "receiver",
            &self.failed,
        );
        labeled(
            "sightline_requests_refused_total",
            "Requests to an HTTP receiver answered with a refusal, per receiver.",
            "receiver",
            &self.refused,
        );
        labeled(
            "sightline_bodies_refused_total",
            "Request bodies refused before decoding, per reason.",
            "reason",
            &self.refused_bodies,
        );
        labeled(
            "sightline_parse_failures_total",
            "Events kept raw because they did not parse, per dataset.",
            "dataset",
            &self.parse_failures,
        );
        labeled(
            "sightline_events_future_total",
            "Events stored with a timestamp beyond now plus decode.future_tolerance (tagged timestamp_future), per dataset.",
            "dataset",
            &self.future,
        );
        labeled(
            "sightline_alerts_raised_total",
            "Alerts newly raised, per level.",
            "level",
            &self.alerts_raised,
        );
        labeled(
            "sightline_connections_refused_total",
            "Connections closed at once because the listener was at its connection limit.",
            "listener",
            &self.connections_refused,
        );
        labeled(
            "sightline_connections_timed_out_total",
            "Connections closed for a handshake, request headers or request that did not come in time, or for idling.",
            "listener",
            &self.connections_timed_out,
        );
        let name = "sightline_connections_open";
        let _ = writeln!(
            out,
            "# HELP {name} Open connections, per listener.\n# TYPE {name} gauge"
        );
        for (k, v) in self.connections_open.snapshot() {
            let _ = writeln!(out, "{name}{{listener=\"{}\"}} {v}", escape(&k));
        }
        let name = "sightline_stage_queue_depth";
        let _ = writeln!(
            out,
            "# HELP {name} Items waiting for a pipeline stage (append, detect, sink:NAME).\n# TYPE {name} gauge"
        );
        for (k, v) in self.stage_depth.snapshot() {
            let _ = writeln!(out, "{name}{{stage=\"{}\"}} {v}", escape(&k));
        }
        let mut scalar = |name: &str, kind: &str, help: &str, v: f64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}"
            );
        };
        scalar(
            "sightline_events_duplicate_total",
            "counter",
            "Events not stored again because their id was already stored.",
            load(&self.duplicates) as f64,
        );
        scalar(
            "sightline_batches_total",
            "counter",
            "Batches written.",
            load(&self.batches) as f64,
        );
        scalar(
            "sightline_backpressure_rejections_total",
            "counter",
            "Requests refused with 503 because the queue was full.",
            load(&self.backpressure_rejections) as f64,
        );
        scalar(
            "sightline_backpressure_seconds_total",
            "counter",
            "Time receivers waited for queue room.",
            load(&self.backpressure_micros) as f64 / 1e6,
        );
        scalar(
            "sightline_queue_depth",
            "gauge",
            "Batches waiting for the writer.",
            load(&self.queue_depth) as f64,
        );
        scalar(
            "sightline_queue_capacity",
            "gauge",
            "Most batches that may wait.",
            load(&self.queue_capacity) as f64,
        );
        scalar(
            "sightline_rule_evaluation_seconds_total",
            "counter",
            "Time spent evaluating rules.",
            load(&self.rule_eval_micros) as f64 / 1e6,
        );
        scalar(
            "sightline_store_append_seconds_total",
            "counter",
            "Time spent writing (and syncing) batches.",
            load(&self.store_append_micros) as f64 / 1e6,
        );
        scalar(
            "sightline_store_errors_total",
            "counter",
            "Batches the store refused.",
            load(&self.store_errors) as f64,
        );
        scalar(
            "sightline_store_disk_full_total",
            "counter",
            "Batches refused because the disk or quota was full.",
            load(&self.disk_full) as f64,
        );
        scalar(
            "sightline_store_bytes",
            "gauge",
            "Bytes the store occupies on disk.",
            load(&self.store_bytes) as f64,
        );
        scalar(
            "sightline_store_events",
            "gauge",
            "Events in the store.",
            load(&self.store_events) as f64,
        );
        scalar(
            "sightline_store_index_lagging",
            "gauge",
            "1 while the index lags the stored events after a failure (stored, not yet searchable).",
            load(&self.index_lagging) as f64,
        );
        scalar(
            "sightline_rate_limited_total",
            "counter",
            "Requests refused by the per-token rate limit.",
            load(&self.rate_limited) as f64,
        );
        scalar(
            "sightline_auth_failures_total",
            "counter",
            "Requests with a missing or unknown token.",
            load(&self.auth_failures) as f64,
        );
        scalar(
            "sightline_rule_reloads_total",
            "counter",
            "Rule set reloads.",
            load(&self.rule_reloads) as f64,
        );
        scalar(
            "sightline_audit_failures_total",
            "counter",
            "Audit records that could not be stored.",
            load(&self.audit_failures) as f64,
        );
        scalar(
            "sightline_syslog_udp_kernel_drops_total",
            "counter",
            "Syslog datagrams the kernel dropped because the socket's receive buffer was full.",
            load(&self.udp_kernel_drops) as f64,
        );
        scalar(
            "sightline_syslog_udp_receive_buffer_bytes",
            "gauge",
            "Receive buffer of the syslog UDP socket, as the kernel granted it.",
            load(&self.udp_receive_buffer) as f64,
        );
        scalar(
            "sightline_group_commits_total",
            "counter",
            "Group commits: one write and one fsync covering every batch that was ready.",
            load(&self.group_commits) as f64,
        );
        scalar(
            "sightline_checkpoints_total",
            "counter",
            "Signed store checkpoints emitted.",
            load(&self.checkpoints) as f64,
        );
        scalar(
            "sightline_checkpoint_failures_total",
            "counter",
            "Store checkpoints that could not be signed.",
            load(&self.checkpoint_failures) as f64,
        );
        scalar(
            "sightline_checkpoint_records",
            "gauge",
            "Records the newest checkpoint vouches for.",
            load(&self.checkpoint_seq) as f64,
        );
        scalar(
            "sightline_store_head_fault",
            "gauge",
            "1 while the store cannot sign its chain head (records stored since are not vouched for).",
            load(&self.head_fault) as f64,
        );
        let mut labeled = |name: &str, help: &str, label: &str, l: &Labeled| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
            for (k, v) in l.snapshot() {
                let _ = writeln!(out, "{name}{{{label}=\"{}\"}} {v}", escape(&k));
            }
        };
        labeled(
            "sightline_witness_deliveries_total",
            "Checkpoints delivered, per witness.",
            "witness",
            &self.witness_deliveries,
        );
        labeled(
            "sightline_witness_failures_total",
            "Checkpoints not delivered, per witness.",
            "witness",
            &self.witness_failures,
        );
        let h = &self.alert_latency;
        let name = "sightline_event_to_alert_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Event received to alert persisted.\n# TYPE {name} histogram"
        );
        for (b, c) in h.bounds.iter().zip(&h.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {}", load(c));
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", load(&h.count));
        let _ = writeln!(out, "{name}_sum {}", load(&h.sum_micros) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {}", load(&h.count));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::default();
        m.received.add("hec", 3);
        m.received.add("hec", 2);
        m.stored.add("ray.\"x\"", 1);
        m.alert_latency.observe_micros(3_000);
        let text = m.render();
        assert!(
            text.contains("sightline_events_received_total{receiver=\"hec\"} 5"),
            "{text}"
        );
        assert!(
            text.contains("dataset=\"ray.\\\"x\\\"\""),
            "labels are escaped"
        );
        assert!(text.contains("sightline_event_to_alert_seconds_bucket{le=\"0.001\"} 0"));
        assert!(text.contains("sightline_event_to_alert_seconds_bucket{le=\"0.005\"} 1"));
    }

    #[test]
    fn a_declared_receiver_shows_before_its_first_request() {
        let m = Metrics::default();
        m.declare_receiver("otlp");
        m.refused.add("otlp", 2);
        m.declare_receiver("otlp");
        let text = m.render();
        assert!(text.contains("sightline_events_received_total{receiver=\"otlp\"} 0"));
        assert!(text.contains("sightline_events_failed_total{receiver=\"otlp\"} 0"));
        assert!(text.contains("sightline_requests_refused_total{receiver=\"otlp\"} 2"));
    }
}
