//! Authentication (CRAM-MD5 between libprocess peers), authorization and
//! the authentication/authorization set-up logged at start.

use super::{Line, mark, mark_outcome};
use crate::actions as a;
use crate::stream::StreamState;
use crate::text::{self, quoted, set_source_upid, upid};
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

pub fn classify(word: &str, line: &Line<'_>, ev: &mut Event, st: &mut StreamState) -> bool {
    let m = line.msg;
    match word {
        "Authenticating" => authenticating(m, ev, st),
        "Successfully" => successfully(m, ev, st),
        "Authentication" => authentication(m, line, ev),
        "An" => error_occurred(m, ev),
        "Failed" => failed(m, ev, st),
        "Received" => received(m, ev),
        "Refusing" => refusing(m, ev),
        "Dropping" => dropping(m, ev),
        "Ignoring" => ignoring(m, ev),
        "Queuing" => queuing(m, ev),
        "Authorizing" => authorizing(m, ev),
        "Authorization" => authorization(m, ev),
        "Setting" => setting(m, ev),
        "Initializing" | "Attempting" | "Creating" | "Using" | "Loading" | "Permissions" | "No"
        | "Only" => setup(m, line, ev),
        _ => false,
    }
}

/// The agent's own principal, named once at start, is who its later
/// authentications are for.
fn set_agent_principal(ev: &mut Event, st: &StreamState) {
    if let Some(p) = &st.agent_principal {
        ev.set(field::USER_NAME, p.as_str());
        ev.set(field::MESOS_PRINCIPAL, p.as_str());
    }
}

fn authenticating(m: &str, ev: &mut Event, st: &StreamState) -> bool {
    // Agent or scheduler driver: `Authenticating with master master@ip:port`.
    if let Some(rest) = m.strip_prefix("Authenticating with master ") {
        mark(
            ev,
            a::AUTHENTICATION_STARTED,
            &["authentication"],
            &["start"],
        );
        if let Some((u, _)) = upid(rest) {
            ev.set(field::MESOS_UPID, u.text);
            text::set_destination_addr(ev, u.addr);
        }
        set_agent_principal(ev, st);
        return true;
    }
    if m.starts_with("Authenticating with ZooKeeper") {
        mark(
            ev,
            a::AUTHENTICATION_STARTED,
            &["authentication"],
            &["start"],
        );
        ev.label("peer", "zookeeper");
        return true;
    }
    // Master: `Authenticating <pid>[; clearing previous authentication]`.
    let Some(rest) = m.strip_prefix("Authenticating ") else {
        return false;
    };
    let Some((u, _)) = upid(rest) else {
        return false;
    };
    mark(
        ev,
        a::AUTHENTICATION_STARTED,
        &["authentication"],
        &["start"],
    );
    set_source_upid(ev, &u);
    true
}

fn successfully(m: &str, ev: &mut Event, st: &StreamState) -> bool {
    if let Some(rest) = m.strip_prefix("Successfully authenticated principal ") {
        let Some((principal, rest)) = quoted(rest) else {
            return false;
        };
        mark_outcome(
            ev,
            action::AUTHENTICATION_SUCCEEDED,
            &["authentication"],
            &["start"],
            Outcome::Success,
        );
        ev.set(field::USER_NAME, principal);
        ev.set(field::MESOS_PRINCIPAL, principal);
        if let Some((u, _)) = rest.strip_prefix(" at ").and_then(upid) {
            set_source_upid(ev, &u);
        }
        return true;
    }
    if let Some(rest) = m.strip_prefix("Successfully authenticated with master ") {
        mark_outcome(
            ev,
            action::AUTHENTICATION_SUCCEEDED,
            &["authentication"],
            &["start"],
            Outcome::Success,
        );
        if let Some((u, _)) = upid(rest) {
            ev.set(field::MESOS_UPID, u.text);
            text::set_destination_addr(ev, u.addr);
        }
        set_agent_principal(ev, st);
        return true;
    }
    false
}

fn authentication(m: &str, line: &Line<'_>, ev: &mut Event) -> bool {
    // Master verdicts: `Authentication of <pid> was unsuccessful: <reason>` / `was discarded`.
    if let Some(rest) = m.strip_prefix("Authentication of ") {
        let Some((u, rest)) = upid(rest) else {
            return false;
        };
        set_source_upid(ev, &u);
        if let Some(reason) = rest.strip_prefix(" was unsuccessful") {
            mark_outcome(
                ev,
                action::AUTHENTICATION_FAILED,
                &["authentication"],
                &["start"],
                Outcome::Failure,
            );
            let reason = reason.trim_start_matches(':').trim();
            if !reason.is_empty() {
                ev.set(field::ERROR_MESSAGE, reason);
            }
        } else if rest.starts_with(" was discarded") {
            mark(
                ev,
                a::AUTHENTICATION_DISCARDED,
                &["authentication"],
                &["info"],
            );
        } else {
            mark(
                ev,
                a::AUTHENTICATION_STARTED,
                &["authentication"],
                &["info"],
            );
        }
        return true;
    }
    // SASL mechanism (authenticator.cpp on the master, authenticatee.cpp on clients).
    if let Some(reason) = m
        .strip_prefix("Authentication failure: ")
        .or_else(|| m.strip_prefix("Authentication error: "))
    {
        mark_outcome(
            ev,
            a::SASL_FAILED,
            &["authentication"],
            &["start"],
            Outcome::Failure,
        );
        ev.set(field::ERROR_MESSAGE, reason);
        return true;
    }
    if m.starts_with("Authentication failed") || m.starts_with("Authentication timed out") {
        // `Authentication failed; secret needed by CRAM-MD5 authenticatee`, timeouts.
        mark_outcome(
            ev,
            action::AUTHENTICATION_FAILED,
            &["authentication"],
            &["start"],
            Outcome::Failure,
        );
        ev.set(field::ERROR_MESSAGE, m);
        return true;
    }
    if m == "Authentication success" {
        mark_outcome(
            ev,
            a::SASL_SUCCEEDED,
            &["authentication"],
            &["start"],
            Outcome::Success,
        );
        return true;
    }
    if m.starts_with("Authentication requires more steps") {
        mark(ev, a::SASL_STEP, &["authentication"], &["info"]);
        return true;
    }
    let _ = line;
    false
}

/// `An error ocurred while attempting to authenticate <pid>: <failure>` (sic).
fn error_occurred(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m
        .strip_prefix("An error ocurred while attempting to authenticate ")
        .or_else(|| m.strip_prefix("An error occurred while attempting to authenticate "))
    else {
        return false;
    };
    mark_outcome(
        ev,
        action::AUTHENTICATION_FAILED,
        &["authentication"],
        &["start", "error"],
        Outcome::Failure,
    );
    if let Some((u, rest)) = upid(rest) {
        set_source_upid(ev, &u);
        let reason = rest.trim_start_matches(':').trim();
        if !reason.is_empty() {
            ev.set(field::ERROR_MESSAGE, reason);
        }
    }
    true
}

/// `Failed to authenticate with master <pid>: <reason>` (agent, scheduler driver).
fn failed(m: &str, ev: &mut Event, st: &StreamState) -> bool {
    let Some(rest) = m.strip_prefix("Failed to authenticate with master ") else {
        return false;
    };
    mark_outcome(
        ev,
        action::AUTHENTICATION_FAILED,
        &["authentication"],
        &["start"],
        Outcome::Failure,
    );
    if let Some((u, rest)) = upid(rest) {
        ev.set(field::MESOS_UPID, u.text);
        text::set_destination_addr(ev, u.addr);
        let reason = rest.trim_start_matches(':').trim();
        if !reason.is_empty() {
            ev.set(field::ERROR_MESSAGE, reason);
        }
    }
    set_agent_principal(ev, st);
    true
}

fn received(m: &str, ev: &mut Event) -> bool {
    if let Some(rest) = m.strip_prefix("Received authentication request from ") {
        // `... but authenticator is not loaded`
        mark_outcome(
            ev,
            action::AUTHENTICATION_FAILED,
            &["authentication"],
            &["start", "error"],
            Outcome::Failure,
        );
        if let Some((u, rest)) = upid(rest) {
            set_source_upid(ev, &u);
            ev.set(field::ERROR_MESSAGE, rest.trim());
        }
        return true;
    }
    if m.starts_with("Received SASL authentication") {
        mark(ev, a::SASL_STEP, &["authentication"], &["info"]);
        return true;
    }
    false
}

/// Admission refusals tied to authentication or authorization.
fn refusing(m: &str, ev: &mut Event) -> bool {
    // `Refusing registration of agent at <pid> because it is not authenticated`
    // `Refusing re-registration of agent at <pid> because it is not authenticated`
    if let Some(rest) = m
        .strip_prefix("Refusing registration of agent at ")
        .or_else(|| m.strip_prefix("Refusing re-registration of agent at "))
        && text::contains(rest, "because it is not authenticated")
    {
        mark_outcome(
            ev,
            a::AGENT_REGISTRATION_REFUSED,
            &["authentication", "host"],
            &["denied"],
            Outcome::Failure,
        );
        ev.set(field::ERROR_TYPE, "unauthenticated");
        ev.set(field::ERROR_MESSAGE, "agent is not authenticated");
        if let Some((u, _)) = upid(rest) {
            set_source_upid(ev, &u);
        }
        return true;
    }
    // `Refusing subscription of framework '<name>'[ at <pid>]: <reason>`
    if let Some(rest) = m.strip_prefix("Refusing subscription of framework ") {
        let (name, rest) = quoted(rest).unwrap_or(("", rest));
        if !name.is_empty() {
            ev.set(field::MESOS_FRAMEWORK_NAME, name);
        }
        let mut rest = rest;
        if let Some((u, r)) = rest.strip_prefix(" at ").and_then(upid) {
            set_source_upid(ev, &u);
            rest = r;
        }
        let reason = rest.trim_start_matches(':').trim();
        ev.set(field::ERROR_MESSAGE, reason);
        if is_denial(reason) {
            mark_outcome(
                ev,
                action::AUTHORIZATION_DENIED,
                &["iam"],
                &["denied"],
                Outcome::Failure,
            );
            ev.set(field::ERROR_TYPE, "unauthorized");
        } else {
            mark_outcome(
                ev,
                a::FRAMEWORK_SUBSCRIPTION_REFUSED,
                &["process"],
                &["denied"],
                Outcome::Failure,
            );
        }
        if let Some(roles) = text::find(reason, "with roles ").map(|i| &reason[i..]) {
            text::set_roles(ev, roles);
        }
        set_principal_of(ev, reason);
        return true;
    }
    // Registration denied by the authorizer:
    // `Refusing registration of agent at <pid> (<host>): Not authorized to register agent providing resources '<res>' with principal '<p>'`
    // `Refusing re-registration of agent <id> at <pid> (<host>): ...`
    if let Some(rest) = m
        .strip_prefix("Refusing registration of agent ")
        .or_else(|| m.strip_prefix("Refusing re-registration of agent "))
    {
        let Some((agent, rest)) = text::agent_ref(rest) else {
            return false;
        };
        text::set_agent(ev, &agent, true);
        let reason = rest.trim_start_matches(':').trim();
        ev.set(field::ERROR_MESSAGE, reason);
        if is_denial(reason) {
            mark_outcome(
                ev,
                action::AUTHORIZATION_DENIED,
                &["iam", "host"],
                &["denied"],
                Outcome::Failure,
            );
            ev.set(field::ERROR_TYPE, "unauthorized");
            set_principal_of(ev, reason);
        } else {
            mark_outcome(
                ev,
                a::AGENT_REGISTRATION_REFUSED,
                &["host"],
                &["denied"],
                Outcome::Failure,
            );
            if text::contains(reason, "`DOWN`") || text::contains(reason, "is `DOWN`") {
                ev.set(field::ERROR_TYPE, "machine-down");
            }
        }
        return true;
    }
    false
}

/// `... with principal '<p>'` or `Principal '<p>' ...` in a denial text.
fn set_principal_of(ev: &mut Event, s: &str) {
    let p = text::find(s, "with principal '")
        .and_then(|i| quoted(&s[i + "with principal ".len()..]))
        .or_else(|| {
            text::find(s, "Principal '").and_then(|i| quoted(&s[i + "Principal ".len()..]))
        });
    if let Some((p, _)) = p {
        ev.set(field::USER_NAME, p);
        ev.set(field::MESOS_PRINCIPAL, p);
    }
}

/// Authorization denial wording (`Not authorized to`, the upstream typo
/// `no authorized to`, task groups' `is not authorized to`).
pub(crate) fn is_denial(s: &str) -> bool {
    let mut rest = s;
    while let Some(i) = text::find(rest, "authorized to") {
        let before = &rest[..i];
        if before.ends_with("Not ") || before.ends_with("no ") || before.ends_with("not ") {
            return true;
        }
        rest = &rest[i + 1..];
    }
    false
}

fn dropping(m: &str, ev: &mut Event) -> bool {
    // `Dropping SUBSCRIBE call for framework '<name>'[ at <pid>]: <error>`
    if let Some(rest) = m.strip_prefix("Dropping SUBSCRIBE call for framework ") {
        let (name, mut rest) = quoted(rest).unwrap_or(("", rest));
        if !name.is_empty() {
            ev.set(field::MESOS_FRAMEWORK_NAME, name);
        }
        if let Some((u, r)) = rest.strip_prefix(" at ").and_then(upid) {
            set_source_upid(ev, &u);
            rest = r;
        }
        let reason = rest.trim_start_matches(':').trim();
        ev.set(field::ERROR_MESSAGE, reason);
        let cat = if text::contains(reason, "uthenticat") {
            "authentication"
        } else {
            "process"
        };
        mark_outcome(
            ev,
            a::FRAMEWORK_SUBSCRIPTION_REFUSED,
            &[cat],
            &["denied"],
            Outcome::Failure,
        );
        if let Some(fw) = text::framework_after(reason, "") {
            text::set_framework(ev, &fw);
        }
        // `<fw> already connected at <pid>` names the connection that stays,
        // not the caller: kept apart from `source`.
        if let Some(u) = text::upid_after(reason, "already connected at ") {
            ev.label("connected_upid", u.text);
        }
        return true;
    }
    // `Dropping message <name> from <pid>(<principal>): capacity(<n>) exceeded`
    if let Some(rest) = m.strip_prefix("Dropping message ") {
        let (name, rest) = text::token(rest);
        mark_outcome(
            ev,
            action::RATE_LIMITED,
            &["network"],
            &["denied"],
            Outcome::Failure,
        );
        ev.label("message_name", name);
        if let Some(from) = rest.strip_prefix(" from ") {
            // The principal follows the PID in parentheses, with no space.
            let (pid_text, principal) = match from.find('(') {
                Some(i) if from[..i].contains('@') => {
                    (&from[..i], text::parenthesized(&from[i..]).map(|p| p.0))
                }
                _ => (text::token(from).0, None),
            };
            if let Some((u, _)) = upid(pid_text) {
                set_source_upid(ev, &u);
            }
            if let Some(p) = principal.filter(|p| !p.is_empty()) {
                ev.set(field::USER_NAME, p);
                ev.set(field::MESOS_PRINCIPAL, p);
            }
        }
        if let Some(reason) = text::find(m, ": ").map(|i| &m[i + 2..]) {
            ev.set(field::ERROR_MESSAGE, reason);
        }
        return true;
    }
    // `Dropping <OP> operation from framework <fw>: <error>` (RESERVE, CREATE...).
    if let Some(i) = text::find(m, " operation from framework ") {
        let op = &m["Dropping ".len().min(i)..i];
        let rest = &m[i + " operation from framework ".len()..];
        ev.set(field::MESOS_OPERATION_TYPE, op);
        if let Some((fw, r)) = text::framework_ref(rest) {
            text::set_framework(ev, &fw);
            if let Some(u) = &fw.pid {
                set_source_upid(ev, u);
            }
            let reason = r.trim_start_matches(':').trim();
            ev.set(field::ERROR_MESSAGE, reason);
            if is_denial(reason) {
                mark_outcome(
                    ev,
                    action::AUTHORIZATION_DENIED,
                    &["iam"],
                    &["denied"],
                    Outcome::Failure,
                );
                set_principal_of(ev, reason);
                return true;
            }
        }
        mark_outcome(
            ev,
            a::OPERATION_DROPPED,
            &["configuration"],
            &["denied"],
            Outcome::Failure,
        );
        return true;
    }
    false
}

/// `Ignoring stale authentication result of <pid>`.
fn ignoring(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Ignoring stale authentication result of ") else {
        return false;
    };
    mark(
        ev,
        a::AUTHENTICATION_DISCARDED,
        &["authentication"],
        &["info"],
    );
    if let Some((u, _)) = upid(rest) {
        set_source_upid(ev, &u);
    }
    true
}

/// `Queuing up SUBSCRIBE call for framework '<name>' at <pid> because authentication is still in progress`.
fn queuing(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Queuing up SUBSCRIBE call for framework ") else {
        return false;
    };
    mark(
        ev,
        a::FRAMEWORK_SUBSCRIBE_RECEIVED,
        &["authentication", "process"],
        &["start"],
    );
    if let Some((name, rest)) = quoted(rest) {
        ev.set(field::MESOS_FRAMEWORK_NAME, name);
        if let Some((u, _)) = rest.strip_prefix(" at ").and_then(upid) {
            set_source_upid(ev, &u);
        }
    }
    true
}

/// `Authorizing principal '<p>' to <action>` / `Authorizing ANY principal to ...` /
/// `Authorizing task '<t>' for framework <f>` (agent).
fn authorizing(m: &str, ev: &mut Event) -> bool {
    let rest = if let Some(rest) = m.strip_prefix("Authorizing principal ") {
        let Some((p, rest)) = quoted(rest) else {
            return false;
        };
        ev.set(field::USER_NAME, p);
        ev.set(field::MESOS_PRINCIPAL, p);
        rest
    } else if let Some(rest) = m.strip_prefix("Authorizing ANY principal") {
        ev.set(field::MESOS_PRINCIPAL, "ANY");
        rest
    } else if let Some(rest) = m.strip_prefix("Authorizing task ") {
        mark(ev, a::AUTHORIZATION_CHECK, &["iam"], &["access"]);
        if let Some((t, rest)) = quoted(rest) {
            ev.set(field::MESOS_TASK_ID, t);
            if let Some(fw) = text::framework_after(rest, "framework ") {
                text::set_framework(ev, &fw);
            }
        }
        return true;
    } else {
        return false;
    };
    mark(ev, a::AUTHORIZATION_CHECK, &["iam"], &["access"]);
    let what = rest
        .trim_start()
        .strip_prefix("to ")
        .unwrap_or(rest.trim_start());
    ev.label("authorization_request", what);
    if let Some(act) = what.strip_prefix("perform action ") {
        ev.set(field::MESOS_AUTHORIZATION_ACTION, text::token(act).0);
    }
    authorization_object(what, ev);
    true
}

/// The object of an authorization request (master/authorization.cpp):
/// `launch task <t> of framework <f> under user '<u>'`, `register framework <f> with roles { r }`.
fn authorization_object(what: &str, ev: &mut Event) {
    if let Some(rest) = what.strip_prefix("launch task ")
        && let Some(i) = text::find(rest, " of framework ")
    {
        ev.set(field::MESOS_TASK_ID, &rest[..i]);
        if let Some((fw, _)) = text::framework_ref(&rest[i + " of framework ".len()..]) {
            text::set_framework(ev, &fw);
        }
    }
    if let Some(u) =
        text::find(what, "under user '").and_then(|i| quoted(&what[i + "under user ".len()..]))
    {
        ev.set(field::MESOS_TASK_USER, u.0);
    }
    if text::contains(what, "with roles ") {
        text::set_roles(ev, what);
    }
}

/// `Authorization enabled`; `Authorization failed for task '<t>' of framework <f>: <error>` (agent).
fn authorization(m: &str, ev: &mut Event) -> bool {
    if m.starts_with("Authorization enabled") {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "iam"],
            &["info"],
        );
        return true;
    }
    if let Some(rest) = m.strip_prefix("Authorization failed for task ") {
        mark_outcome(
            ev,
            action::AUTHORIZATION_DENIED,
            &["iam", "process"],
            &["denied"],
            Outcome::Failure,
        );
        if let Some((t, rest)) = quoted(rest) {
            ev.set(field::MESOS_TASK_ID, t);
            if let Some(fw) = text::framework_after(rest, "framework ") {
                text::set_framework(ev, &fw);
            }
            if let Some(i) = text::find(rest, ": ") {
                ev.set(field::ERROR_MESSAGE, &rest[i + 2..]);
            }
        }
        return true;
    }
    false
}

/// `Setting 'principal' in FrameworkInfo to '<p>' because the framework authenticated with that principal ...`.
fn setting(m: &str, ev: &mut Event) -> bool {
    let Some(rest) = m.strip_prefix("Setting 'principal' in FrameworkInfo to ") else {
        return false;
    };
    mark(ev, a::FRAMEWORK_PRINCIPAL_CHANGED, &["iam"], &["change"]);
    if let Some((p, _)) = quoted(rest) {
        ev.set(field::USER_NAME, p);
        ev.set(field::MESOS_PRINCIPAL, p);
    }
    true
}

/// Start-up lines stating how authentication and authorization are set up:
/// each gives the flag it reflects (`mesos.flags.*`), so posture rules can
/// key on them as on `Flags at startup`.
fn setup(m: &str, line: &Line<'_>, ev: &mut Event) -> bool {
    let config = |ev: &mut Event| {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "authentication"],
            &["info"],
        )
    };
    if let Some(rest) = m.strip_prefix("Creating default ") {
        // `'basic' HTTP authenticator for realm '<realm>'`, `'local' authorizer`.
        let Some((kind, rest)) = quoted(rest) else {
            return false;
        };
        if rest.starts_with(" HTTP authenticator") {
            config(ev);
            ev.label("http_authenticator", kind);
            if let Some((realm, _)) =
                text::find(rest, "realm '").and_then(|i| quoted(&rest[i + "realm ".len()..]))
            {
                ev.label("realm", realm);
            }
            return true;
        }
        if rest.starts_with(" authorizer") {
            mark(
                ev,
                action::CONFIGURATION,
                &["configuration", "iam"],
                &["info"],
            );
            ev.label("authorizer", kind);
            return true;
        }
        return false;
    }
    if m.starts_with("Creating new server SASL connection")
        || m.starts_with("Creating new client SASL connection")
        || m.starts_with("Attempting to authenticate with mechanism")
        || m.starts_with("Initializing client SASL")
    {
        mark(ev, a::SASL_STEP, &["authentication"], &["info"]);
        return true;
    }
    if m.starts_with("Initializing server SASL")
        || m.starts_with("Using default CRAM-MD5 authenticatee")
    {
        config(ev);
        return true;
    }
    if let Some(rest) = m.strip_prefix("Using default ") {
        // `Using default 'crammd5' authenticator`
        if let Some((kind, r)) = quoted(rest)
            && r.trim() == "authenticator"
        {
            config(ev);
            ev.label("authenticator", kind);
            return true;
        }
        return false;
    }
    if let Some(rest) = m.strip_prefix("Loading credentials for authentication from ") {
        config(ev);
        if let Some((p, _)) = quoted(rest) {
            ev.set(field::FILE_PATH, p);
        }
        return true;
    }
    if let Some(rest) = m.strip_prefix("Permissions on credentials file ") {
        mark(
            ev,
            action::CONFIGURATION,
            &["configuration", "authentication", "file"],
            &["info"],
        );
        ev.add_type("error");
        if let Some((p, _)) = quoted(rest) {
            ev.set(field::FILE_PATH, p);
        }
        ev.set(
            field::ERROR_MESSAGE,
            "credentials file permissions are too open",
        );
        return true;
    }
    if m.starts_with("No credentials provided") {
        config(ev);
        ev.set(field::ERROR_MESSAGE, m);
        return true;
    }
    if m.starts_with("Only non-authenticating frameworks and agents are allowed to connect") {
        config(ev);
        ev.set(
            field::MESOS_FLAGS,
            vec![
                "authenticate_frameworks=false".to_owned(),
                "authenticate_agents=false".to_owned(),
            ],
        );
        if let Some(i) = text::find(m, "Authentication is disabled: ") {
            ev.set(
                field::ERROR_MESSAGE,
                &m[i + "Authentication is disabled: ".len()..],
            );
        }
        return true;
    }
    let _ = line;
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn denial_wordings() {
        assert!(super::is_denial(
            "Not authorized to register framework  with roles { infra }"
        ));
        assert!(super::is_denial(
            "Principal 'analytics' no authorized to launch task"
        ));
        assert!(super::is_denial("Task 't' is not authorized to launch"));
        assert!(!super::is_denial("authorized"));
        assert!(!super::is_denial("Authorizing principal 'p' to"));
        assert!(super::is_denial("authorized to x; Not authorized to y"));
    }
}
