//! API tokens and roles.
//!
//! Tokens are random 32-byte secrets shown once at creation; only their
//! BLAKE3 hash is kept (`DATA/tokens.json`, plus any in the config file).
//! Lookups compare the presented token's hash against every stored hash with
//! `blake3::Hash`'s constant-time equality, so timing reveals neither the
//! token nor which stored token was close.

use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::RwLock;

/// What a token may do. Each role includes the ones below it except
/// `ingest`, which may only send events (for shippers and agents).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Ingest,
    Viewer,
    Analyst,
    Admin,
}

/// One kind of action, checked on every endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Send events to a receiver.
    Ingest,
    /// Search events, read alerts, rules and metrics.
    Read,
    /// Change alert states.
    Triage,
    /// Manage tokens, reload rules.
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "analyst" => Some(Role::Analyst),
            "viewer" => Some(Role::Viewer),
            "ingest" => Some(Role::Ingest),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Viewer => "viewer",
            Role::Ingest => "ingest",
        }
    }

    pub fn allows(self, p: Permission) -> bool {
        match p {
            Permission::Ingest => matches!(self, Role::Ingest | Role::Admin),
            Permission::Read => matches!(self, Role::Viewer | Role::Analyst | Role::Admin),
            Permission::Triage => matches!(self, Role::Analyst | Role::Admin),
            Permission::Admin => self == Role::Admin,
        }
    }
}

/// A stored token: never the secret itself.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenRecord {
    pub name: String,
    pub role: Role,
    /// `blake3:<hex>`.
    pub hash: String,
    pub created_at: String,
    pub created_by: String,
    /// From the config file (cannot be deleted through the API).
    #[serde(skip)]
    pub from_config: bool,
}

/// The caller a request was authenticated as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("writing {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not a valid token file: {message} (restore it from a backup or remove it to create a new admin token)"
    )]
    Corrupt { path: PathBuf, message: String },
    #[error("a token named {0:?} exists already; pick another name or delete it first")]
    Exists(String),
    #[error("no token named {0:?}")]
    Unknown(String),
    #[error("token {0:?} comes from the config file; remove it there")]
    FromConfig(String),
    #[error("the token name must be 1-64 letters, digits, '-', '_' or '.'")]
    BadName,
    #[error("the system random number generator failed")]
    Random,
}

pub fn hash_token(token: &str) -> blake3::Hash {
    blake3::hash(token.as_bytes())
}

pub fn format_token_hash(h: &blake3::Hash) -> String {
    format!("blake3:{}", h.to_hex())
}

pub fn parse_token_hash(s: &str) -> Option<blake3::Hash> {
    blake3::Hash::from_hex(s.strip_prefix("blake3:")?).ok()
}

/// A new random token: `sl_` + 64 hex digits.
pub fn new_token() -> Result<String, AuthError> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AuthError::Random)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("sl_{hex}"))
}

/// The token registry: the file's tokens plus the config's.
pub struct Tokens {
    path: PathBuf,
    records: RwLock<Vec<(blake3::Hash, TokenRecord)>>,
}

impl Tokens {
    /// Loads `DATA/tokens.json` (absent = none yet) and adds the config's tokens.
    pub fn open(
        data_dir: &Path,
        from_config: &[crate::config::TokenEntry],
    ) -> Result<Tokens, AuthError> {
        let path = data_dir.join("tokens.json");
        let mut records: Vec<(blake3::Hash, TokenRecord)> = Vec::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let list: Vec<TokenRecord> =
                    serde_json::from_str(&text).map_err(|e| AuthError::Corrupt {
                        path: path.clone(),
                        message: e.to_string(),
                    })?;
                for r in list {
                    let h = parse_token_hash(&r.hash).ok_or_else(|| AuthError::Corrupt {
                        path: path.clone(),
                        message: format!("token {:?} has an invalid hash", r.name),
                    })?;
                    records.push((h, r));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(AuthError::Io { path, source }),
        }
        for t in from_config {
            // `Config::validate` checked role and hash.
            let (Some(role), Some(h)) = (Role::parse(&t.role), parse_token_hash(&t.hash)) else {
                continue;
            };
            records.push((
                h,
                TokenRecord {
                    name: t.name.clone(),
                    role,
                    hash: t.hash.clone(),
                    created_at: String::new(),
                    created_by: "config".into(),
                    from_config: true,
                },
            ));
        }
        Ok(Tokens {
            path,
            records: RwLock::new(records),
        })
    }

    /// Who presents this token, if anyone. Constant time in the token.
    pub fn authenticate(&self, token: &str) -> Option<Principal> {
        let h = hash_token(token);
        let records = self.records.read().ok()?;
        let mut found = None;
        // Look at every record (no early return) so timing does not depend on
        // which one matched.
        for (stored, rec) in records.iter() {
            if *stored == h && found.is_none() {
                found = Some(Principal {
                    name: rec.name.clone(),
                    role: rec.role,
                });
            }
        }
        found
    }

    pub fn is_empty(&self) -> bool {
        self.records.read().map(|r| r.is_empty()).unwrap_or(true)
    }

    pub fn has_admin(&self) -> bool {
        self.records
            .read()
            .map(|r| r.iter().any(|(_, t)| t.role == Role::Admin))
            .unwrap_or(false)
    }

    pub fn list(&self) -> Vec<TokenRecord> {
        self.records
            .read()
            .map(|r| r.iter().map(|(_, t)| t.clone()).collect())
            .unwrap_or_default()
    }

    /// Creates a token and returns its secret (shown once).
    pub fn create(&self, name: &str, role: Role, by: &str) -> Result<String, AuthError> {
        let token = new_token()?;
        self.insert(name, role, hash_token(&token), by)?;
        Ok(token)
    }

    /// Registers a token whose secret the caller already has (bootstrap from
    /// `SIGHTLINE_ADMIN_TOKEN`): replaces a token of the same name.
    pub fn install(&self, name: &str, role: Role, token: &str, by: &str) -> Result<(), AuthError> {
        let _ = self.delete(name);
        self.insert(name, role, hash_token(token), by)
    }

    fn insert(&self, name: &str, role: Role, h: blake3::Hash, by: &str) -> Result<(), AuthError> {
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(AuthError::BadName);
        }
        let mut records = self.records.write().map_err(|_| AuthError::Random)?;
        if records.iter().any(|(_, r)| r.name == name) {
            return Err(AuthError::Exists(name.into()));
        }
        records.push((
            h,
            TokenRecord {
                name: name.into(),
                role,
                hash: format_token_hash(&h),
                created_at: jiff::Timestamp::now().to_string(),
                created_by: by.into(),
                from_config: false,
            },
        ));
        self.save(&records)
    }

    pub fn delete(&self, name: &str) -> Result<(), AuthError> {
        let mut records = self.records.write().map_err(|_| AuthError::Random)?;
        let Some(i) = records.iter().position(|(_, r)| r.name == name) else {
            return Err(AuthError::Unknown(name.into()));
        };
        if records[i].1.from_config {
            return Err(AuthError::FromConfig(name.into()));
        }
        records.remove(i);
        self.save(&records)
    }

    /// Writes the file atomically (temp file, fsync, rename), owner-only.
    fn save(&self, records: &[(blake3::Hash, TokenRecord)]) -> Result<(), AuthError> {
        let list: Vec<&TokenRecord> = records
            .iter()
            .map(|(_, r)| r)
            .filter(|r| !r.from_config)
            .collect();
        let text = serde_json::to_string_pretty(&list).unwrap_or_default();
        write_private(&self.path, text.as_bytes()).map_err(|source| AuthError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

/// Writes a file only its owner can read, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// A token bucket per token name.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: std::sync::Mutex<std::collections::HashMap<String, (f64, std::time::Instant)>>,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: f64) -> Self {
        RateLimiter {
            rate,
            burst,
            buckets: Default::default(),
        }
    }

    /// `Ok` when the request may go ahead, else how many seconds to wait.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let now = std::time::Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let (tokens, last) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        let elapsed = now.duration_since(*last).as_secs_f64();
        *tokens = (*tokens + elapsed * self.rate).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.rate).ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_limit_what_each_may_do() {
        use Permission::*;
        assert!(Role::Ingest.allows(Ingest));
        assert!(!Role::Ingest.allows(Read));
        assert!(!Role::Viewer.allows(Ingest));
        assert!(!Role::Viewer.allows(Triage));
        assert!(Role::Viewer.allows(Read));
        assert!(Role::Analyst.allows(Triage));
        assert!(!Role::Analyst.allows(Admin));
        assert!(Role::Admin.allows(Admin) && Role::Admin.allows(Ingest));
    }

    #[test]
    fn tokens_are_stored_hashed_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let t = Tokens::open(dir.path(), &[]).unwrap();
        let secret = t.create("shipper", Role::Ingest, "admin").unwrap();
        let file = std::fs::read_to_string(dir.path().join("tokens.json")).unwrap();
        assert!(
            !file.contains(&secret),
            "the secret itself is never written"
        );
        let t2 = Tokens::open(dir.path(), &[]).unwrap();
        assert_eq!(
            t2.authenticate(&secret),
            Some(Principal {
                name: "shipper".into(),
                role: Role::Ingest
            })
        );
        assert_eq!(t2.authenticate("sl_wrong"), None);
        assert!(matches!(
            t2.create("shipper", Role::Viewer, "a"),
            Err(AuthError::Exists(_))
        ));
        t2.delete("shipper").unwrap();
        assert_eq!(t2.authenticate(&secret), None);
    }

    #[test]
    fn rate_limit_refuses_beyond_burst() {
        let l = RateLimiter::new(1.0, 3.0);
        assert!(l.check("a").is_ok() && l.check("a").is_ok() && l.check("a").is_ok());
        assert!(l.check("a").is_err());
        assert!(l.check("b").is_ok(), "buckets are per token");
    }
}
