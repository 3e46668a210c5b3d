//! One case-insensitive pass over a message for every text the decoder
//! keys on (authentication failures, RBAC denials, rate-limit and quota
//! refusals, method phrases), instead of one substring search per text.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use std::sync::LazyLock;

/// What a matched text means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// An authentication failure (authentication_interceptor.go, proxy/util.go).
    AuthFailed,
    /// An RBAC check failure (privilege_interceptor.go).
    AuthzDenied,
    /// A request refused by the rate limiter or the quota center (merr
    /// codes 3, 4, 7, 8, 9, 11, 1807; ratelimitutil reasons).
    Limited,
    /// The quota center's memory protection.
    HighWater,
    /// Lower-case prose naming a security-relevant method, as coordinator
    /// lines word it ("received request to drop collection").
    Method(&'static str),
}

const PATTERNS: &[(&str, Class)] = &[
    ("fail to verify password", Class::AuthFailed),
    ("verify password failed", Class::AuthFailed),
    ("found no credential", Class::AuthFailed),
    ("fail to verify apikey", Class::AuthFailed),
    ("fail to decode the token", Class::AuthFailed),
    ("invalid token format", Class::AuthFailed),
    ("key not found in header", Class::AuthFailed),
    ("missing authorization in header", Class::AuthFailed),
    ("auth check failure", Class::AuthFailed),
    ("fail to authenticate", Class::AuthFailed),
    ("permission deny", Class::AuthzDenied),
    ("permission denied", Class::AuthzDenied),
    ("getcuruserfromcontext fail", Class::AuthzDenied),
    ("getrole fail", Class::AuthzDenied),
    ("fail to execute permit func", Class::AuthzDenied),
    ("rate limit exceeded", Class::Limited),
    ("request is rejected by", Class::Limited),
    ("ratelimiter", Class::Limited),
    ("quota exceeded", Class::Limited),
    ("request limit exceeded", Class::Limited),
    ("memory limit exceeded", Class::Limited),
    ("disk limit exceeded", Class::Limited),
    (
        "access has been disabled by the administrator",
        Class::Limited,
    ),
    ("time tick long delay", Class::Limited),
    ("force deny", Class::Limited),
    ("high water level", Class::HighWater),
    ("drop collection", Class::Method("DropCollection")),
    ("create collection", Class::Method("CreateCollection")),
    ("rename collection", Class::Method("RenameCollection")),
    ("drop database", Class::Method("DropDatabase")),
    ("create database", Class::Method("CreateDatabase")),
    ("create credential", Class::Method("CreateCredential")),
    ("create user", Class::Method("CreateCredential")),
    ("update credential", Class::Method("UpdateCredential")),
    ("update password", Class::Method("UpdateCredential")),
    ("delete credential", Class::Method("DeleteCredential")),
    ("delete user", Class::Method("DeleteCredential")),
    ("drop user", Class::Method("DeleteCredential")),
    ("create role", Class::Method("CreateRole")),
    ("drop role", Class::Method("DropRole")),
    ("operate user role", Class::Method("OperateUserRole")),
    ("add user to role", Class::Method("OperateUserRole")),
    ("remove user from role", Class::Method("OperateUserRole")),
    (
        "operate privilege group",
        Class::Method("OperatePrivilegeGroup"),
    ),
    ("operate privilege", Class::Method("OperatePrivilege")),
    ("grant privilege", Class::Method("OperatePrivilege")),
    ("revoke privilege", Class::Method("OperatePrivilege")),
    (
        "create privilege group",
        Class::Method("CreatePrivilegeGroup"),
    ),
    ("drop privilege group", Class::Method("DropPrivilegeGroup")),
];

static AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(PATTERNS.iter().map(|(p, _)| *p))
        .ok()
});

/// Texts longer than this are scanned only up to it: the texts keyed on
/// come first in every message and error Milvus writes.
const SCAN_LIMIT: usize = 4096;

/// What one text contains.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hits {
    bits: u64,
    method: Option<&'static str>,
}

impl Hits {
    pub fn has(&self, class: Class) -> bool {
        let mut bits = self.bits;
        while bits != 0 {
            let i = bits.trailing_zeros() as usize;
            if PATTERNS.get(i).is_some_and(|(_, c)| *c == class) {
                return true;
            }
            bits &= bits - 1;
        }
        false
    }

    /// The first method phrase found at word boundaries, if any.
    pub fn method(&self) -> Option<&'static str> {
        self.method
    }
}

pub fn scan(text: &str) -> Hits {
    let mut hits = Hits::default();
    let Some(ac) = AC.as_ref() else { return hits };
    let b = text.as_bytes();
    let b = &b[..b.len().min(SCAN_LIMIT)];
    for m in ac.find_overlapping_iter(b) {
        let i = m.pattern().as_usize();
        let Some((_, class)) = PATTERNS.get(i) else {
            continue;
        };
        if let Class::Method(name) = class {
            let before = m.start().checked_sub(1).and_then(|j| b.get(j));
            let after = b.get(m.end());
            let boundary = |c: Option<&u8>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
            if boundary(before) && boundary(after) && hits.method.is_none() {
                hits.method = Some(name);
            }
            continue;
        }
        if i < 64 {
            hits.bits |= 1 << i;
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_methods() {
        assert!(PATTERNS.len() <= 64);
        let h = scan("WARN fail to verify password");
        assert!(h.has(Class::AuthFailed) && !h.has(Class::Limited));
        let h = scan(
            "request is rejected by grpc RateLimiter middleware: rate limit exceeded[rate=100]",
        );
        assert!(h.has(Class::Limited));
        assert!(scan("Permission Deny").has(Class::AuthzDenied));
        assert_eq!(
            scan("received request to drop collection").method(),
            Some("DropCollection")
        );
        assert_eq!(scan("create role success").method(), Some("CreateRole"));
        assert_eq!(scan("dropped collections").method(), None);
        assert_eq!(scan("drop collections").method(), None);
        assert_eq!(scan("").method(), None);
        assert_eq!(scan("é drop role").method(), Some("DropRole"));
    }
}
