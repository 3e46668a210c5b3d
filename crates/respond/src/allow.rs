//! Allowlists of targets: `10.0.0.0/8` or `10.1.2.3` (addresses), globs
//! (`*.example.com`, `raysubmit_*`, `?` one character), checked against the
//! rendered target. `*` alone allows any target, written out on purpose.

use ipnet::IpNet;
use regex::Regex;
use std::net::IpAddr;

#[derive(Debug, Clone)]
enum Pattern {
    Net(IpNet),
    Glob(Regex),
}

/// The compiled `allow` list. Empty: the action's target is constant (the
/// configuration refuses an empty list for targets taken from events).
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    patterns: Vec<Pattern>,
    sources: Vec<String>,
}

impl Allowlist {
    pub fn parse(patterns: &[String]) -> Result<Allowlist, (usize, String)> {
        let mut out = Allowlist::default();
        for (i, p) in patterns.iter().enumerate() {
            let p = p.trim();
            if p.is_empty() {
                return Err((i, "an empty pattern allows nothing; remove it".into()));
            }
            let pattern = if let Ok(net) = p.parse::<IpNet>() {
                Pattern::Net(net)
            } else if let Ok(ip) = p.parse::<IpAddr>() {
                Pattern::Net(IpNet::from(ip))
            } else {
                // `(?s)`: a target with a newline is still one target to `*`.
                let mut re = String::from("(?s)^");
                for c in p.chars() {
                    match c {
                        '*' => re.push_str(".*"),
                        '?' => re.push('.'),
                        c => re.push_str(&regex::escape(&c.to_string())),
                    }
                }
                re.push('$');
                Pattern::Glob(Regex::new(&re).map_err(|e| (i, e.to_string()))?)
            };
            out.patterns.push(pattern);
            out.sources.push(p.to_owned());
        }
        Ok(out)
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The first pattern that allows the target.
    pub fn allows(&self, target: &str) -> Option<&str> {
        let ip = target.parse::<IpAddr>().ok();
        self.patterns
            .iter()
            .zip(&self.sources)
            .find(|(p, _)| match p {
                Pattern::Net(net) => ip.is_some_and(|ip| net.contains(&ip)),
                Pattern::Glob(re) => re.is_match(target),
            })
            .map(|(_, s)| s.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(p: &[&str]) -> Allowlist {
        Allowlist::parse(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn addresses_match_by_network_and_names_by_glob() {
        let l = list(&["10.0.0.0/8", "192.168.1.7", "*.lab.example", "raysubmit_?"]);
        assert_eq!(l.allows("10.2.3.4"), Some("10.0.0.0/8"));
        assert_eq!(l.allows("192.168.1.7"), Some("192.168.1.7"));
        assert_eq!(l.allows("192.168.1.8"), None);
        assert_eq!(l.allows("n1.lab.example"), Some("*.lab.example"));
        assert_eq!(l.allows("lab.example.evil"), None);
        assert_eq!(l.allows("raysubmit_a"), Some("raysubmit_?"));
        assert_eq!(l.allows("raysubmit_ab"), None);
        // A glob is literal apart from * and ?: dots and brackets are not regex.
        assert_eq!(list(&["a.b"]).allows("axb"), None);
        assert_eq!(list(&["*"]).allows("anything at all"), Some("*"));
        assert_eq!(list(&["a*"]).allows("a\nb"), Some("a*"));
    }

    #[test]
    fn an_empty_pattern_is_refused() {
        assert!(Allowlist::parse(&[" ".to_string()]).is_err());
    }
}
