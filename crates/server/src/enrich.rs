//! Enrichment between decoding and detection: asset tags by host name, and
//! indicator lists (addresses, networks, domains, hashes) matched against the
//! fields that carry them.

use crate::config::AssetEntry;
use sightline_event::{Event, field};
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Tag set on events that hit an indicator list.
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

#[derive(Default)]
pub struct Enricher {
    assets: Vec<(String, Vec<String>, BTreeMap<String, String>)>,
    /// (list name, networks)
    nets: Vec<(String, Vec<ipnet::IpNet>)>,
    domains: Vec<(String, HashSet<String>)>,
    hashes: Vec<(String, HashSet<String>)>,
}

impl Enricher {
    /// Reads the indicator directory (`NAME.txt`, one value per line, `#` comments).
    pub fn new(assets: &[AssetEntry], indicators: Option<&Path>) -> std::io::Result<Enricher> {
        let mut e = Enricher {
            assets: assets
                .iter()
                .map(|a| {
                    (
                        a.host.to_ascii_lowercase(),
                        a.tags.clone(),
                        a.labels.clone(),
                    )
                })
                .collect(),
            ..Default::default()
        };
        let Some(dir) = indicators else { return Ok(e) };
        let mut files: Vec<_> = std::fs::read_dir(dir)?
            .flatten()
            .map(|d| d.path())
            .filter(|p| p.extension().is_some_and(|x| x == "txt"))
            .collect();
        files.sort();
        for path in files {
            let name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path)?;
            let (mut nets, mut domains, mut hashes) = (Vec::new(), HashSet::new(), HashSet::new());
            for line in text.lines() {
                let v = line.split('#').next().unwrap_or("").trim();
                if v.is_empty() {
                    continue;
                }
                if let Ok(n) = v.parse::<ipnet::IpNet>() {
                    nets.push(n);
                } else if let Ok(ip) = v.parse::<std::net::IpAddr>() {
                    nets.push(ipnet::IpNet::from(ip));
                } else if v.len() >= 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    hashes.insert(v.to_ascii_lowercase());
                } else {
                    domains.insert(v.trim_start_matches("*.").to_ascii_lowercase());
                }
            }
            e.nets.push((name.clone(), nets));
            e.domains.push((name.clone(), domains));
            e.hashes.push((name, hashes));
        }
        Ok(e)
    }

    pub fn apply(&self, ev: &mut Event) {
        if !self.assets.is_empty()
            && let Some(host) = ev.get_str(field::HOST_NAME).map(str::to_ascii_lowercase)
        {
            for (pattern, tags, labels) in &self.assets {
                if glob(pattern, &host) {
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
            ev.add_tag(INDICATOR_TAG);
            ev.label("indicator.list", list);
            ev.label("indicator.value", value);
        }
    }

    /// The first list (and value) the event hits.
    fn indicator(&self, ev: &Event) -> Option<(String, String)> {
        for f in IP_FIELDS {
            if let Some(ip) = ev
                .get_str(f)
                .and_then(|s| s.parse::<std::net::IpAddr>().ok())
            {
                for (name, nets) in &self.nets {
                    if nets.iter().any(|n| n.contains(&ip)) {
                        return Some((name.clone(), ip.to_string()));
                    }
                }
            }
        }
        for f in HOST_FIELDS {
            if let Some(host) = ev.get_str(f).map(host_of) {
                for (name, domains) in &self.domains {
                    // The domain itself or any parent of it.
                    let mut d = host.as_str();
                    loop {
                        if domains.contains(d) {
                            return Some((name.clone(), host.clone()));
                        }
                        match d.split_once('.') {
                            Some((_, rest)) if rest.contains('.') || domains.contains(rest) => {
                                d = rest
                            }
                            _ => break,
                        }
                    }
                }
            }
        }
        for f in HASH_FIELDS {
            if let Some(h) = ev.get_str(f).map(str::to_ascii_lowercase) {
                for (name, hashes) in &self.hashes {
                    if hashes.contains(&h) {
                        return Some((name.clone(), h));
                    }
                }
            }
        }
        None
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

    fn event() -> Event {
        Event::new(
            EventId::derive("s", 0, b"x"),
            "2026-01-01T00:00:00Z".parse().unwrap(),
            "ray",
            "ray.dashboard",
            "x",
        )
    }

    #[test]
    fn assets_and_indicators() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.txt"),
            "# known bad\n203.0.113.0/24\nevil.example\n",
        )
        .unwrap();
        let assets = vec![AssetEntry {
            host: "ray-head-*".into(),
            tags: vec!["prod".into()],
            labels: BTreeMap::from([("team".into(), "ml".into())]),
        }];
        let e = Enricher::new(&assets, Some(dir.path())).unwrap();
        let mut ev = event();
        ev.set(field::HOST_NAME, "ray-head-1");
        ev.set(field::SOURCE_IP, "203.0.113.9");
        e.apply(&mut ev);
        assert!(ev.has_tag("prod") && ev.has_tag(INDICATOR_TAG));
        assert_eq!(ev.labels.get("team").map(String::as_str), Some("ml"));
        assert_eq!(
            ev.labels.get("indicator.list").map(String::as_str),
            Some("bad")
        );

        let mut ev = event();
        ev.set(
            field::MLX_MODEL_SOURCE,
            "https://cdn.evil.example/m.safetensors",
        );
        e.apply(&mut ev);
        assert!(
            ev.has_tag(INDICATOR_TAG),
            "subdomains of a listed domain match"
        );

        let mut ev = event();
        ev.set(field::HOST_NAME, "mesos-a1");
        ev.set(field::SOURCE_IP, "198.51.100.1");
        e.apply(&mut ev);
        assert!(!ev.has_tag("prod") && !ev.has_tag(INDICATOR_TAG));
    }
}
