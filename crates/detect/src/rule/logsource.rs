//! `logsource` and how it maps to our events (`event.module`, `event.dataset`,
//! `event.category`). The table is documented in docs/rules.md; keep both in step.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `logsource` section of a rule or filter.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LogSource {
    pub product: Option<String>,
    pub service: Option<String>,
    pub category: Option<String>,
    pub definition: Option<String>,
    /// Our extension: match `event.module` directly.
    pub module: Option<String>,
    /// Our extension: match `event.dataset` directly.
    pub dataset: Option<String>,
    /// Other keys, kept for tools.
    pub custom: BTreeMap<String, String>,
}

/// What a log source requires of an event. Empty = every event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Target {
    pub module: Option<String>,
    pub dataset: Option<String>,
    /// `event.category` must contain this value.
    pub category: Option<String>,
    /// `event.type` must contain this value (`process_creation` is a process start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
}

/// Products whose name is our `event.module`, and synonyms.
const PRODUCTS: &[(&str, &str)] = &[
    ("ray", "ray"),
    ("mesos", "mesos"),
    ("apache_mesos", "mesos"),
    ("milvus", "milvus"),
    ("mlx", "mlx"),
    ("mlx_lm", "mlx"),
    ("linux", "syslog"),
    ("syslog", "syslog"),
    ("json", "json"),
    ("logfmt", "logfmt"),
    ("text", "text"),
];

/// Service synonyms: (module, service) → dataset suffix.
const SERVICES: &[(&str, &str, &str)] = &[
    ("ray", "jobs", "job"),
    ("ray", "job_api", "job"),
    ("ray", "events", "event"),
    ("ray", "gcs_server", "gcs"),
    ("mesos", "slave", "agent"),
    ("mesos", "tasks", "task"),
    ("mesos", "executor", "task"),
    ("milvus", "audit", "access"),
    ("mlx", "server", "inference"),
    ("mlx", "mlx_lm.server", "inference"),
];

/// Syslog datasets: the wire format, which `product: syslog, service: S` may name.
const SYSLOG_DATASETS: &[&str] = &["rfc5424", "rfc3164"];

/// Sigma categories → ECS `event.category` values our decoders set, and the
/// `event.type` some of them also need.
const CATEGORY_TYPES: &[(&str, &str)] = &[("process_creation", "start")];

/// Sigma categories → ECS `event.category` values our decoders set.
const CATEGORIES: &[(&str, &str)] = &[
    ("webserver", "web"),
    ("web", "web"),
    ("proxy", "web"),
    ("authentication", "authentication"),
    ("process_creation", "process"),
    ("process", "process"),
    ("network_connection", "network"),
    ("firewall", "network"),
    ("network", "network"),
    ("database", "database"),
    ("iam", "iam"),
    ("file_event", "file"),
    ("file_access", "file"),
    ("file", "file"),
    ("configuration", "configuration"),
    ("host", "host"),
    ("api", "api"),
    ("malware", "malware"),
];

impl LogSource {
    /// Resolves the log source to event constraints.
    ///
    /// `product: linux` names the operating system every source we read runs
    /// on: with a `category` (SigmaHQ's `process_creation`, `file_event`,
    /// `network_connection` rules) it constrains nothing but the category, so
    /// a Ray job or Mesos task command is a Linux process start; with a
    /// `service` (`auth`, `sshd`, `sudo`, `cron`, `syslog`...) or alone it is
    /// the syslog module, whose datasets are wire formats, not services.
    pub fn target(&self) -> Target {
        let linux = self.module.is_none() && self.product.as_deref() == Some("linux");
        let module = self.module.clone().or_else(|| {
            if linux && self.category.is_some() {
                return None;
            }
            self.product.as_deref().map(|p| {
                PRODUCTS
                    .iter()
                    .find(|(name, _)| *name == p)
                    .map(|(_, m)| (*m).to_owned())
                    .unwrap_or_else(|| p.to_owned())
            })
        });
        let dataset = self.dataset.clone().or_else(|| {
            let service = self.service.as_deref()?;
            let module = module.as_deref()?;
            if module == "syslog" && !SYSLOG_DATASETS.contains(&service) {
                return None;
            }
            let suffix = SERVICES
                .iter()
                .find(|(m, s, _)| *m == module && *s == service)
                .map(|(_, _, d)| *d)
                .unwrap_or(service);
            Some(format!("{module}.{suffix}"))
        });
        let category = self.category.as_deref().map(|c| {
            CATEGORIES
                .iter()
                .find(|(name, _)| *name == c)
                .map(|(_, e)| (*e).to_owned())
                .unwrap_or_else(|| c.to_owned())
        });
        let event_type = self.category.as_deref().and_then(|c| {
            CATEGORY_TYPES
                .iter()
                .find(|(name, _)| *name == c)
                .map(|(_, t)| (*t).to_owned())
        });
        Target {
            module,
            dataset,
            category,
            event_type,
        }
    }

    /// Whether a filter with this log source applies to a rule with `rule`'s:
    /// every attribute the filter names must be the rule's too.
    pub fn covers(&self, rule: &LogSource) -> bool {
        let ok = |f: &Option<String>, r: &Option<String>| f.is_none() || f == r;
        ok(&self.product, &rule.product)
            && ok(&self.service, &rule.service)
            && ok(&self.category, &rule.category)
            && ok(&self.module, &rule.module)
            && ok(&self.dataset, &rule.dataset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ls(p: Option<&str>, s: Option<&str>, c: Option<&str>) -> LogSource {
        LogSource {
            product: p.map(Into::into),
            service: s.map(Into::into),
            category: c.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn mapping_table() {
        let t = ls(Some("ray"), Some("dashboard"), None).target();
        assert_eq!(t.module.as_deref(), Some("ray"));
        assert_eq!(t.dataset.as_deref(), Some("ray.dashboard"));
        let t = ls(Some("milvus"), None, None).target();
        assert_eq!((t.module.as_deref(), t.dataset), (Some("milvus"), None));
        assert_eq!(
            ls(Some("mesos"), Some("slave"), None)
                .target()
                .dataset
                .as_deref(),
            Some("mesos.agent")
        );
        assert_eq!(
            ls(None, None, Some("webserver"))
                .target()
                .category
                .as_deref(),
            Some("web")
        );
        assert_eq!(
            ls(None, None, Some("odd")).target().category.as_deref(),
            Some("odd")
        );
        assert_eq!(ls(None, Some("sshd"), None).target(), Target::default());
        let own = LogSource {
            dataset: Some("mlx.inference".into()),
            ..Default::default()
        };
        assert_eq!(own.target().dataset.as_deref(), Some("mlx.inference"));
    }

    #[test]
    fn linux_and_process_creation() {
        // SigmaHQ's Linux process rules: any module, a process start.
        let t = ls(Some("linux"), None, Some("process_creation")).target();
        assert_eq!(
            t,
            Target {
                category: Some("process".into()),
                event_type: Some("start".into()),
                ..Default::default()
            }
        );
        let t = ls(Some("linux"), None, Some("network_connection")).target();
        assert_eq!((t.module, t.category.as_deref()), (None, Some("network")));
        // Linux services are syslog programs: the module, no dataset.
        for service in ["auth", "sshd", "sudo", "cron", "syslog", "auditd"] {
            let t = ls(Some("linux"), Some(service), None).target();
            assert_eq!((t.module.as_deref(), t.dataset), (Some("syslog"), None));
        }
        assert_eq!(
            ls(Some("linux"), None, None).target().module.as_deref(),
            Some("syslog")
        );
        // Our own syslog datasets stay addressable.
        let t = ls(Some("syslog"), Some("rfc5424"), None).target();
        assert_eq!(t.dataset.as_deref(), Some("syslog.rfc5424"));
        // Another OS is another module: nothing of ours.
        let t = ls(Some("windows"), None, Some("process_creation")).target();
        assert_eq!(t.module.as_deref(), Some("windows"));
    }

    #[test]
    fn filter_coverage() {
        let rule = ls(Some("ray"), Some("dashboard"), None);
        assert!(ls(Some("ray"), None, None).covers(&rule));
        assert!(ls(None, None, None).covers(&rule));
        assert!(!ls(Some("mesos"), None, None).covers(&rule));
        assert!(!ls(Some("ray"), Some("raylet"), None).covers(&rule));
    }
}
