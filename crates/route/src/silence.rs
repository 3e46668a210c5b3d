//! Silences: matchers with a start and an end that mute matching alerts.
//!
//! A silence is never edited: it is created, and it ends (at its end time,
//! or earlier when someone expires it). Expired silences are kept for the
//! audit trail and the UI until the configured retention has passed since
//! they ended, and an expired silence stays expired: expiring writes the new
//! end time before returning, so a restart cannot bring it back
//! (alertmanager#3457), and a created silence is stored before it is
//! returned, so a restart cannot lose it (alertmanager#1673).

use crate::matcher::{Matcher, MatcherError, all_match, list_text};
use crate::model::Labels;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Silences kept at once (active, pending and expired within retention):
/// a bound so a script gone wrong cannot grow every evaluation without limit.
pub const MAX_SILENCES: usize = 10_000;

/// One silence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    /// 32 hex digits.
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at: Timestamp,
    /// Active while `starts_at <= now < ends_at`.
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
    pub created_at: Timestamp,
    /// Who ended it before its planned end, if anyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_by: Option<String>,
    /// When it was ended early.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<Timestamp>,
}

/// Where a silence is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SilenceState {
    /// Starts later.
    Pending,
    Active,
    Expired,
}

impl SilenceState {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceState::Pending => "pending",
            SilenceState::Active => "active",
            SilenceState::Expired => "expired",
        }
    }
}

impl Silence {
    pub fn state(&self, now: Timestamp) -> SilenceState {
        if now >= self.ends_at {
            SilenceState::Expired
        } else if now < self.starts_at {
            SilenceState::Pending
        } else {
            SilenceState::Active
        }
    }

    pub fn is_active(&self, now: Timestamp) -> bool {
        self.state(now) == SilenceState::Active
    }

    /// Whether the silence's matchers match (regardless of time).
    pub fn matches(&self, labels: &Labels) -> bool {
        all_match(&self.matchers, labels)
    }

    /// `3f2a9c1e (alice: "db maintenance", until 2026-11-22T14:00:00Z)`.
    pub fn describe(&self) -> String {
        format!(
            "{} [{}] by {}: {:?}, {} to {}",
            self.id,
            list_text(&self.matchers),
            self.created_by,
            self.comment,
            self.starts_at,
            self.ends_at
        )
    }
}

/// What a caller asks for (the API's and the CLI's request body).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SilenceSpec {
    /// `'host = "web1"'`, `'rule =~ "Brute.*"'`: all must match.
    pub matchers: Vec<String>,
    /// Default: now.
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    pub ends_at: Timestamp,
    pub created_by: String,
    pub comment: String,
}

/// Why a silence could not be created or expired.
#[derive(Debug, thiserror::Error)]
pub enum SilenceError {
    #[error("a silence needs at least one matcher")]
    NoMatchers,
    #[error("matchers[{index}]: {source}")]
    BadMatcher {
        index: usize,
        #[source]
        source: MatcherError,
    },
    #[error(
        "these matchers would silence every alert ({0}); add one that names a value, like rule = \"...\" or host = \"...\""
    )]
    MatchesEverything(String),
    #[error("ends_at ({ends_at}) must be after starts_at ({starts_at})")]
    EndsBeforeStart {
        starts_at: Timestamp,
        ends_at: Timestamp,
    },
    #[error("ends_at ({0}) is already past: the silence would never be active")]
    AlreadyOver(Timestamp),
    #[error("created_by must name who creates the silence")]
    NoCreator,
    #[error("comment must say why the silence is needed (it is kept for the audit trail)")]
    NoComment,
    #[error("no silence with id {0:?}")]
    Unknown(String),
    #[error("silence {id:?} already ended at {ends_at}")]
    AlreadyExpired { id: String, ends_at: Timestamp },
    #[error(
        "{0} silences are kept already; expire some, or wait for expired ones to pass routing.silence_retention"
    )]
    TooMany(usize),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Every silence kept, by id.
#[derive(Debug, Clone, Default)]
pub struct Silences {
    by_id: BTreeMap<String, Silence>,
}

impl Silences {
    pub(crate) fn from_stored(all: Vec<Silence>) -> Silences {
        Silences {
            by_id: all.into_iter().map(|s| (s.id.clone(), s)).collect(),
        }
    }

    /// Checks a request and makes the silence (not yet kept: see [`Silences::insert`]).
    pub fn build(&self, spec: &SilenceSpec, now: Timestamp) -> Result<Silence, SilenceError> {
        if self.by_id.len() >= MAX_SILENCES {
            return Err(SilenceError::TooMany(MAX_SILENCES));
        }
        if spec.matchers.is_empty() {
            return Err(SilenceError::NoMatchers);
        }
        let matchers = spec
            .matchers
            .iter()
            .enumerate()
            .map(|(index, t)| {
                Matcher::parse(t).map_err(|source| SilenceError::BadMatcher { index, source })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if matchers.iter().all(Matcher::matches_any_value) {
            return Err(SilenceError::MatchesEverything(list_text(&matchers)));
        }
        let created_by = spec.created_by.trim();
        if created_by.is_empty() {
            return Err(SilenceError::NoCreator);
        }
        let comment = spec.comment.trim();
        if comment.is_empty() {
            return Err(SilenceError::NoComment);
        }
        let starts_at = spec.starts_at.unwrap_or(now).max(now);
        if spec.ends_at <= starts_at {
            if spec.ends_at <= now {
                return Err(SilenceError::AlreadyOver(spec.ends_at));
            }
            return Err(SilenceError::EndsBeforeStart {
                starts_at,
                ends_at: spec.ends_at,
            });
        }
        let mut seq = self.by_id.len() as u64;
        let id = loop {
            let mut parts = BTreeMap::new();
            parts.insert("created_by".to_owned(), created_by.to_owned());
            parts.insert("comment".to_owned(), comment.to_owned());
            parts.insert("matchers".to_owned(), list_text(&matchers));
            parts.insert("seq".to_owned(), seq.to_string());
            let id = sightline_detect::alert::alert_id("sightline.silence", &parts, now);
            if !self.by_id.contains_key(&id) {
                break id;
            }
            seq += 1;
        };
        Ok(Silence {
            id,
            matchers,
            starts_at,
            ends_at: spec.ends_at,
            created_by: created_by.to_owned(),
            comment: comment.to_owned(),
            created_at: now,
            expired_by: None,
            expired_at: None,
        })
    }

    /// The silence as it is once expired now by `by` (not yet kept).
    pub fn build_expiry(
        &self,
        id: &str,
        by: &str,
        now: Timestamp,
    ) -> Result<Silence, SilenceError> {
        let s = self
            .by_id
            .get(id)
            .ok_or_else(|| SilenceError::Unknown(id.to_owned()))?;
        if s.state(now) == SilenceState::Expired {
            return Err(SilenceError::AlreadyExpired {
                id: id.to_owned(),
                ends_at: s.ends_at,
            });
        }
        let by = by.trim();
        if by.is_empty() {
            return Err(SilenceError::NoCreator);
        }
        let mut s = s.clone();
        s.ends_at = now;
        s.starts_at = s.starts_at.min(now);
        s.expired_by = Some(by.to_owned());
        s.expired_at = Some(now);
        Ok(s)
    }

    pub(crate) fn insert(&mut self, s: Silence) {
        self.by_id.insert(s.id.clone(), s);
    }

    pub(crate) fn remove(&mut self, id: &str) {
        self.by_id.remove(id);
    }

    pub fn get(&self, id: &str) -> Option<&Silence> {
        self.by_id.get(id)
    }

    /// Every silence kept, newest first.
    pub fn list(&self) -> Vec<&Silence> {
        let mut all: Vec<&Silence> = self.by_id.values().collect();
        all.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(a.id.cmp(&b.id)));
        all
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Active silences now.
    pub fn active(&self, now: Timestamp) -> Vec<&Silence> {
        self.by_id.values().filter(|s| s.is_active(now)).collect()
    }

    /// Ids of expired silences past retention.
    pub(crate) fn past_retention(&self, now: Timestamp, retention: SignedDuration) -> Vec<String> {
        self.by_id
            .values()
            .filter(|s| now >= s.ends_at.saturating_add(retention).unwrap_or(s.ends_at))
            .map(|s| s.id.clone())
            .collect()
    }
}

/// The first active silence matching, among `active`.
pub fn silenced_by<'a>(active: &[&'a Silence], labels: &Labels) -> Option<&'a Silence> {
    active.iter().find(|s| s.matches(labels)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn spec(matchers: &[&str], ends: &str) -> SilenceSpec {
        SilenceSpec {
            matchers: matchers.iter().map(|s| s.to_string()).collect(),
            starts_at: None,
            ends_at: t(ends),
            created_by: "alice".into(),
            comment: "db maintenance".into(),
        }
    }

    const NOW: &str = "2026-11-22T12:00:00Z";

    #[test]
    fn a_silence_is_active_from_start_to_end_only() {
        let mut all = Silences::default();
        let mut sp = spec(&["host = web1"], "2026-11-22T14:00:00Z");
        sp.starts_at = Some(t("2026-11-22T13:00:00Z"));
        let s = all.build(&sp, t(NOW)).unwrap();
        all.insert(s.clone());
        assert_eq!(s.state(t(NOW)), SilenceState::Pending);
        assert_eq!(s.state(t("2026-11-22T13:00:00Z")), SilenceState::Active);
        assert_eq!(s.state(t("2026-11-22T14:00:00Z")), SilenceState::Expired);
        assert_eq!(s.id.len(), 32);
        let labels: Labels = [("host".to_string(), "web1".to_string())].into();
        assert!(s.matches(&labels));
        assert!(silenced_by(&all.active(t("2026-11-22T13:30:00Z")), &labels).is_some());
        assert!(silenced_by(&all.active(t(NOW)), &labels).is_none());
    }

    #[test]
    fn refuses_bad_requests_with_the_reason() {
        let all = Silences::default();
        let now = t(NOW);
        let err = |sp: SilenceSpec| all.build(&sp, now).unwrap_err();
        assert!(matches!(
            err(spec(&[], "2026-11-23T00:00:00Z")),
            SilenceError::NoMatchers
        ));
        assert!(matches!(
            err(spec(&["host"], "2026-11-23T00:00:00Z")),
            SilenceError::BadMatcher { index: 0, .. }
        ));
        assert!(matches!(
            err(spec(&["host =~ .*", "rule != x"], "2026-11-23T00:00:00Z")),
            SilenceError::MatchesEverything(_)
        ));
        assert!(matches!(
            err(spec(&["host = a"], "2026-11-22T11:00:00Z")),
            SilenceError::AlreadyOver(_)
        ));
        let mut sp = spec(&["host = a"], "2026-11-22T13:00:00Z");
        sp.starts_at = Some(t("2026-11-22T13:30:00Z"));
        assert!(matches!(err(sp), SilenceError::EndsBeforeStart { .. }));
        let mut sp = spec(&["host = a"], "2026-11-23T00:00:00Z");
        sp.created_by = " ".into();
        assert!(matches!(err(sp), SilenceError::NoCreator));
        let mut sp = spec(&["host = a"], "2026-11-23T00:00:00Z");
        sp.comment = String::new();
        assert!(matches!(err(sp), SilenceError::NoComment));
    }

    #[test]
    fn expiring_ends_it_now_and_only_once() {
        let mut all = Silences::default();
        let s = all
            .build(&spec(&["host = web1"], "2026-11-23T00:00:00Z"), t(NOW))
            .unwrap();
        all.insert(s.clone());
        let later = t("2026-11-22T12:30:00Z");
        let e = all.build_expiry(&s.id, "bob", later).unwrap();
        assert_eq!(e.ends_at, later);
        assert_eq!(e.expired_by.as_deref(), Some("bob"));
        assert_eq!(e.state(later), SilenceState::Expired);
        all.insert(e);
        assert!(matches!(
            all.build_expiry(&s.id, "bob", later),
            Err(SilenceError::AlreadyExpired { .. })
        ));
        assert!(matches!(
            all.build_expiry("nope", "bob", later),
            Err(SilenceError::Unknown(_))
        ));
    }

    #[test]
    fn expired_silences_go_after_retention() {
        let mut all = Silences::default();
        let s = all
            .build(&spec(&["host = web1"], "2026-11-22T13:00:00Z"), t(NOW))
            .unwrap();
        all.insert(s.clone());
        let day = SignedDuration::from_hours(24);
        assert!(
            all.past_retention(t("2026-11-23T12:59:59Z"), day)
                .is_empty()
        );
        assert_eq!(all.past_retention(t("2026-11-23T13:00:00Z"), day), [s.id]);
    }

    #[test]
    fn ids_differ_for_identical_requests() {
        let mut all = Silences::default();
        let sp = spec(&["host = web1"], "2026-11-23T00:00:00Z");
        let a = all.build(&sp, t(NOW)).unwrap();
        all.insert(a.clone());
        let b = all.build(&sp, t(NOW)).unwrap();
        assert_ne!(a.id, b.id);
    }

    #[test]
    fn serializes_matchers_as_text() {
        let all = Silences::default();
        let s = all
            .build(
                &spec(&[r#"rule =~ "Brute.*""#], "2026-11-23T00:00:00Z"),
                t(NOW),
            )
            .unwrap();
        let json = serde_json::to_string(&s).unwrap();
        assert!(
            json.contains(r#""matchers":["rule =~ \"Brute.*\""]"#),
            "{json}"
        );
        let back: Silence = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}
