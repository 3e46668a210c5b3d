//! The security meaning of main-log messages (milvus-logs.md §6-§8):
//! authentication failures, RBAC denials, user/role/privilege changes,
//! collection and database DDL, slow requests, rate limits and quotas.
//!
//! Keys on the verified message texts and, for the lines the spec marks as
//! recalled (`CreateCredential`, `OperatePrivilege`, `<Method> slow`...), on
//! the method name the message starts with, so wording variants still match.

use crate::mainlog::{Entry, Slots};
use crate::methods::{self, Class, Direction, act};
use crate::req::Req;
use crate::textscan::{self, Class as TextClass};
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

/// Lower-cased prefix of a text, bounded so hostile lines cost little.
pub fn lower(s: &str) -> String {
    s[..s.floor_char_boundary(1024)].to_ascii_lowercase()
}

/// Sets action, categories, types and outcome from the message, and moves
/// the slots whose meaning depends on it.
pub fn classify(ev: &mut Event, e: &Entry<'_, '_>, s: &mut Slots) {
    let hits = textscan::scan(e.message);
    let err_hits = s.error.as_deref().map(textscan::scan).unwrap_or_default();
    let warn_or_worse = matches!(
        ev.level.as_deref(),
        Some("warning" | "error" | "critical" | "fatal" | "emergency")
    );
    let caller = e.caller.unwrap_or("");

    if hits.has(TextClass::AuthFailed) {
        ev.set_action(action::AUTHENTICATION_FAILED);
        ev.add_category("authentication").add_type("start");
        ev.outcome = Outcome::Failure;
        return;
    }
    if hits.has(TextClass::AuthzDenied) {
        ev.set_action(action::AUTHORIZATION_DENIED);
        ev.add_category("iam").add_type("denied");
        ev.outcome = Outcome::Failure;
        if s.object_type.as_deref() == Some("Collection") && s.collection.is_none() {
            s.collection = s.object_name.clone();
        }
        return;
    }

    let method = methods::first_word(e.message).or_else(|| hits.method().map(|m| (m, e.message)));
    if let Some((method, phase)) = method {
        s.method.get_or_insert_with(|| method.to_owned());
        let phase = lower(phase);
        if phase.starts_with("slow") {
            ev.set_action(act::SLOW_QUERY);
            ev.add_category("database").add_type("info");
        } else if let Some(info) =
            methods::info(method).filter(|i| matches!(i.class, Class::Iam | Class::Ddl))
        {
            ev.add_category(info.category);
            for t in info.types {
                ev.add_type(t);
            }
            let dir = if info.class == Class::Iam {
                iam_details(ev, method, s)
            } else {
                None
            };
            let act = dir
                .and_then(|d| methods::directed_action(method, d))
                .or(info.action);
            if let Some(a) = act {
                ev.set_action(a);
            }
            if info.class == Class::Ddl {
                ddl_details(method, s);
            }
            ev.outcome = phase_outcome(&phase, s.error.is_some());
        } else if let Some(info) = methods::info(method) {
            // Data and read methods: the access log has one action per
            // request; the proxy's own lines about them (`DescribeCollection
            // failed to WaitToFinish`) only get their category and outcome.
            ev.add_category(info.category);
            ev.outcome = phase_outcome(&phase, s.error.is_some());
            ev.add_type(if ev.outcome == Outcome::Failure {
                "error"
            } else {
                "info"
            });
        }
    }

    if hits.has(TextClass::Limited)
        || err_hits.has(TextClass::Limited)
        || hits.has(TextClass::HighWater)
    {
        let quota_center =
            caller.contains("quota_center") || starts_with_ci(e.message, "quotacenter");
        if quota_center {
            if warn_or_worse {
                ev.set_action(act::QUOTA_EXCEEDED);
                ev.add_category("database").add_type("info");
            }
        } else {
            ev.set_action(action::RATE_LIMITED);
            ev.add_category("database").add_type("denied");
            ev.outcome = Outcome::Failure;
        }
        return;
    }
    if ev.action.is_some() {
        return;
    }

    let msg = lower(e.message);
    if msg.ends_with("successfully started") {
        ev.set_action(act::SERVICE_STARTED);
        ev.add_category("process").add_type("start");
        ev.outcome = Outcome::Success;
    } else if msg.starts_with("init access log success") || msg.starts_with("access log save to") {
        ev.set_action(action::CONFIGURATION);
        ev.add_category("configuration").add_type("info");
        ev.outcome = Outcome::Success;
    } else if msg.contains("access logger error") || msg.contains("init access log fail") {
        ev.set_action(action::CONFIGURATION);
        ev.add_category("configuration").add_type("error");
        ev.outcome = Outcome::Failure;
    } else if msg.starts_with("log level changed") {
        ev.set_action(action::CONFIGURATION);
        ev.add_category("configuration").add_type("change");
        ev.outcome = Outcome::Success;
    } else if s.error.is_some() && warn_or_worse {
        ev.outcome = Outcome::Failure;
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.as_bytes()
        .get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Outcome from the phase word that follows the method (`done`, `failed`...).
fn phase_outcome(phase: &str, has_error: bool) -> Outcome {
    if has_error || phase.contains("fail") || phase.contains("error") {
        Outcome::Failure
    } else if ["success", "succeed", "done", "finish", "complete"]
        .iter()
        .any(|w| phase.contains(w))
    {
        Outcome::Success
    } else {
        Outcome::Unknown
    }
}

/// Who and what an IAM line is about. The logged `username` of a
/// credential or user-role change is the user acted upon, not the actor.
/// Returns the grant/revoke direction when the request tells it.
fn iam_details(ev: &mut Event, method: &str, s: &mut Slots) -> Option<Direction> {
    let req = s.req.as_deref().map(Req::parse).unwrap_or_default();
    let has_req = s.req.is_some();
    let target_user = matches!(
        method,
        "CreateCredential" | "UpdateCredential" | "DeleteCredential" | "OperateUserRole"
    );
    if target_user {
        let target = s
            .user
            .take()
            .or_else(|| req.first(&["username", "user_name"]).map(str::to_owned));
        if let Some(t) = target {
            ev.set(field::USER_TARGET_NAME, t);
        }
    }
    if s.role_name.is_none() {
        s.role_name = req
            .first(&["role_name", "entity.role.name", "role.name", "entity.name"])
            .map(str::to_owned);
    }
    if let Some(r) = &s.role_name {
        ev.set(field::GROUP_NAME, r.as_str());
    }
    if matches!(method, "OperatePrivilege" | "OperatePrivilegeV2") {
        let grantor = req.first(&["entity.grantor.user.name", "grantor.user.name"]);
        if s.user.is_none() {
            s.user = grantor.map(str::to_owned);
        }
        let fill = |slot: &mut Option<String>, paths: &[&str]| {
            if slot.is_none() {
                *slot = req.first(paths).map(str::to_owned);
            }
        };
        fill(
            &mut s.privilege,
            &["entity.grantor.privilege.name", "grantor.privilege.name"],
        );
        fill(&mut s.object_type, &["entity.object.name", "object.name"]);
        fill(&mut s.object_name, &["entity.object_name", "object_name"]);
        fill(&mut s.database, &["entity.db_name", "db_name"]);
        fill(&mut s.collection, &["collection_name"]);
    }
    if !matches!(
        method,
        "OperateUserRole" | "OperatePrivilege" | "OperatePrivilegeV2"
    ) {
        return None;
    }
    match req.get("type") {
        Some("0" | "AddUserToRole" | "Grant") => Some(Direction::Grant),
        Some("1" | "RemoveUserFromRole" | "Revoke") => Some(Direction::Revoke),
        Some(_) => None,
        // Zero-valued enums are omitted from both JSON (omitempty) and
        // protobuf text: a logged request without `type` is the first
        // value, AddUserToRole / Grant.
        None if has_req => Some(Direction::Grant),
        None => None,
    }
}

/// rootcoord logs the collection (or database) of a DDL as `name`.
fn ddl_details(method: &str, s: &mut Slots) {
    let Some(name) = s.name.take() else { return };
    if method.ends_with("Database") {
        if s.database.is_none() {
            s.database = Some(name);
        } else {
            s.name = Some(name);
        }
    } else if method.ends_with("Collection") && s.collection.is_none() {
        s.collection = Some(name);
    } else {
        s.name = Some(name);
    }
}
