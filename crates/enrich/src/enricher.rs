//! The enricher: asset tags and labels by host name glob, and indicator
//! lists (addresses, networks, domains, hashes) matched against the fields
//! that carry them.

use crate::lists::{self, ListError, Lists};
use serde::{Deserialize, Serialize};
use sightline_event::{Event, field};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// Tag set on events that hit an indicator list; the labels
/// `indicator.list` and `indicator.value` say which list and value.
pub const INDICATOR_TAG: &str = "indicator_match";

/// Fields holding addresses.
const IP_FIELDS: &[&str] = &[
    field::SOURCE_IP,
    field::DESTINATION_IP,
    "client.ip",
    "server.ip",
];
/// Fields holding URLs or host names (the host part is compared with the domain lists).
const HOST_FIELDS: &[&str] = &[
    field::URL_ORIGINAL,
    "url.domain",
    "destination.domain",
    field::MLX_MODEL_SOURCE,
];
/// Fields holding hashes.
const HASH_FIELDS: &[&str] = &[field::FILE_HASH_SHA256, field::MLX_MODEL_SHA256];

/// The `[enrich]` table of the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichConfig {
    /// Asset tags by host name glob.
    pub assets: Vec<AssetEntry>,
    /// A directory of indicator lists (see [`crate::lists`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indicators: Option<PathBuf>,
}

/// One `[[enrich.assets]]` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetEntry {
    /// Host name, `*` as wildcard (e.g. `ray-head-*`), compared case-insensitively.
    pub host: String,
    pub tags: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// What enriching one event did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// At least one asset entry matched the host.
    pub asset: bool,
    /// The event hit an indicator list.
    pub indicator: bool,
}

/// One list's values, sorted by kind.
#[derive(Debug, Clone, Default)]
struct IndicatorSet {
    name: String,
    nets: Vec<ipnet::IpNet>,
    domains: HashSet<String>,
    hashes: HashSet<String>,
}

/// Enriches events; cheap to share (read-only after construction).
#[derive(Debug, Clone, Default)]
pub struct Enricher {
    /// (host glob lower-cased, tags, labels)
    assets: Vec<(String, Vec<String>, BTreeMap<String, String>)>,
    lists: Vec<IndicatorSet>,
}

impl Enricher {
    /// Reads the indicator directory, if any, with the one list loader.
    pub fn new(config: &EnrichConfig) -> Result<Enricher, Vec<ListError>> {
        let lists = match &config.indicators {
            Some(dir) => lists::load_dir(dir)?,
            None => Lists::new(),
        };
        Ok(Enricher::from_lists(&config.assets, &lists))
    }

    /// From asset entries and lists already loaded.
    pub fn from_lists(assets: &[AssetEntry], lists: &Lists) -> Enricher {
        let assets = assets
            .iter()
            .map(|a| {
                (
                    a.host.to_ascii_lowercase(),
                    a.tags.clone(),
                    a.labels.clone(),
                )
            })
            .collect();
        let lists = lists
            .iter()
            .map(|(name, values)| classify(name, values))
            .collect();
        Enricher { assets, lists }
    }

    /// Whether applying it can change anything.
    pub fn is_empty(&self) -> bool {
        self.assets.is_empty() && self.lists.is_empty()
    }

    /// Adds the tags and labels of every asset entry whose glob matches
    /// `host.name`, and tags the event if it hits an indicator list.
    /// Applying it twice changes nothing more.
    pub fn apply(&self, ev: &mut Event) -> Applied {
        let mut applied = Applied::default();
        if !self.assets.is_empty()
            && let Some(host) = ev.get_str(field::HOST_NAME).map(str::to_ascii_lowercase)
        {
            for (pattern, tags, labels) in &self.assets {
                if glob(pattern, &host) {
                    applied.asset = true;
                    for t in tags {
                        ev.add_tag(t);
                    }
                    for (k, v) in labels {
                        ev.labels.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        if let Some((list, value)) = self.indicator(ev) {
            applied.indicator = true;
            ev.add_tag(INDICATOR_TAG);
            ev.label("indicator.list", list);
            ev.label("indicator.value", value);
        }
        applied
    }

    /// The first list (and value) the event hits.
    fn indicator(&self, ev: &Event) -> Option<(String, String)> {
        if self.lists.is_empty() {
            return None;
        }
        for f in IP_FIELDS {
            if let Some(ip) = ev
                .get_str(f)
                .and_then(|s| s.parse::<std::net::IpAddr>().ok())
            {
                for list in &self.lists {
                    if list.nets.iter().any(|n| n.contains(&ip)) {
                        return Some((list.name.clone(), ip.to_string()));
                    }
                }
            }
        }
        for f in HOST_FIELDS {
            if let Some(host) = ev.get_str(f).map(host_of) {
                for list in &self.lists {
                    if in_domains(&list.domains, &host) {
                        return Some((list.name.clone(), host.clone()));
                    }
                }
            }
        }
        for f in HASH_FIELDS {
            if let Some(h) = ev.get_str(f).map(str::to_ascii_lowercase) {
                for list in &self.lists {
                    if list.hashes.contains(&h) {
                        return Some((list.name.clone(), h));
                    }
                }
            }
        }
        None
    }
}

/// Sorts a list's values: addresses and networks, hashes (32 or more hex
/// digits), and everything else as a domain (`*.` prefixes dropped: a
/// domain always covers its subdomains).
fn classify(name: &str, values: &[String]) -> IndicatorSet {
    let mut set = IndicatorSet {
        name: name.to_owned(),
        ..Default::default()
    };
    for v in values {
        if let Ok(n) = v.parse::<ipnet::IpNet>() {
            set.nets.push(n);
        } else if let Ok(ip) = v.parse::<std::net::IpAddr>() {
            set.nets.push(ipnet::IpNet::from(ip));
        } else if v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
            set.hashes.insert(v.to_ascii_lowercase());
        } else {
            set.domains
                .insert(v.trim_start_matches("*.").to_ascii_lowercase());
        }
    }
    set
}

/// The domain itself or any parent domain of it is listed.
fn in_domains(domains: &HashSet<String>, host: &str) -> bool {
    if host.is_empty() {
        return false;
    }
    let mut d = host;
    loop {
        if domains.contains(d) {
            return true;
        }
        match d.split_once('.') {
            Some((_, rest)) if !rest.is_empty() => d = rest,
            _ => return false,
        }
    }
}

/// The host part of a URL, or the value itself, lower case.
fn host_of(v: &str) -> String {
    let rest = v.split_once("://").map_or(v, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or(host);
    host.to_ascii_lowercase()
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text;
    for (i, p) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(p) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(p);
        } else if let Some(pos) = rest.find(p) {
            rest = &rest[pos + p.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use sightline_event::EventId;
    use std::path::Path;

    fn event() -> Event {
        Event::new(
            EventId::derive("s", 0, b"x"),
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "ray",
            "ray.dashboard",
            "x",
        )
    }

    fn enricher(dir: &Path) -> Enricher {
        std::fs::write(
            dir.join("bad.txt"),
            "# known bad\n203.0.113.0/24\nevil.example\n*.worse.example\n",
        )
        .unwrap();
        let config = EnrichConfig {
            assets: vec![AssetEntry {
                host: "Ray-Head-*".into(),
                tags: vec!["prod".into()],
                labels: BTreeMap::from([("team".into(), "ml".into())]),
            }],
            indicators: Some(dir.to_path_buf()),
        };
        Enricher::new(&config).unwrap()
    }

    #[test]
    fn assets_and_indicators() {
        let dir = tempfile::tempdir().unwrap();
        let e = enricher(dir.path());
        let mut ev = event();
        ev.set(field::HOST_NAME, "ray-head-1");
        ev.set(field::SOURCE_IP, "203.0.113.9");
        let applied = e.apply(&mut ev);
        assert!(applied.asset && applied.indicator);
        assert!(ev.has_tag("prod") && ev.has_tag(INDICATOR_TAG));
        assert_eq!(ev.labels.get("team").map(String::as_str), Some("ml"));
        assert_eq!(
            ev.labels.get("indicator.list").map(String::as_str),
            Some("bad")
        );
        let once = ev.clone();
        e.apply(&mut ev);
        assert_eq!(ev, once, "a second pass changes nothing");

        for source in [
            "https://cdn.evil.example/m.safetensors",
            "https://a.b.worse.example/x",
        ] {
            let mut ev = event();
            ev.set(field::MLX_MODEL_SOURCE, source);
            e.apply(&mut ev);
            assert!(ev.has_tag(INDICATOR_TAG), "subdomains match: {source}");
        }

        let mut ev = event();
        ev.set(field::HOST_NAME, "mesos-a1");
        ev.set(field::SOURCE_IP, "198.51.100.1");
        ev.set(field::URL_ORIGINAL, "https://notevil.example/");
        assert_eq!(e.apply(&mut ev), Applied::default());
        assert!(!ev.has_tag("prod") && !ev.has_tag(INDICATOR_TAG));
    }

    #[test]
    fn an_empty_list_is_refused_like_for_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("later.txt"), "# to fill\n").unwrap();
        let errors = Enricher::new(&EnrichConfig {
            indicators: Some(dir.path().to_path_buf()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(
            errors[0].message.contains("`later` has no values"),
            "{errors:?}"
        );
    }

    #[test]
    fn globs() {
        assert!(glob("ray-*", "ray-head"));
        assert!(glob("*-head-*", "ray-head-1"));
        assert!(!glob("a*a", "a"));
        assert!(glob("exact", "exact") && !glob("exact", "exactly"));
    }
}
