//! Security messages carried in syslog payloads: OpenSSH `sshd`, `sudo`,
//! `su`, and PAM modules. A deliberately small set, parsed by the wording
//! these programs have used for years (see docs/decoders/standard.md).

use sightline_decode::helpers::set_source_addr;
use sightline_decode::{Event, Outcome, field};
use sightline_event::action;

/// A PAM module reported a failed authentication. Kept apart from
/// `authentication-failed` because the calling program (sshd, su, sudo)
/// logs its own failure line for the same attempt: counting both would
/// double every attempt.
pub const PAM_AUTHENTICATION_FAILURE: &str = "pam-authentication-failure";
/// sshd was asked to log in a user that does not exist (followed by a
/// `Failed ... for invalid user` line for the attempt itself).
pub const INVALID_USER: &str = "invalid-user";

/// Adds the authentication / process fields the message carries, if it is
/// one of the known ones. `app` is the syslog APP-NAME or TAG.
pub fn enrich(ev: &mut Event, app: Option<&str>, msg: &str) {
    let msg = msg.trim();
    // rsyslog's repeated-message reduction wraps the original text.
    let msg = match repeated(msg) {
        Some((count, inner)) => {
            ev.label("syslog.repeated", count);
            inner
        }
        None => msg,
    };
    if msg.starts_with("pam_") {
        pam(ev, msg);
        return;
    }
    match app {
        // OpenSSH ≥ 9.8 logs from `sshd-session` (and `sshd-auth`).
        Some(a) if a == "sshd" || a.starts_with("sshd-") => sshd(ev, msg),
        Some("sudo") => sudo(ev, msg),
        Some("su") => su(ev, msg),
        _ => {}
    }
}

/// `message repeated 3 times: [ Failed password for root from ...]`
fn repeated(msg: &str) -> Option<(&str, &str)> {
    let rest = msg.strip_prefix("message repeated ")?;
    let (count, rest) = rest.split_once(" times: [")?;
    let inner = rest.strip_suffix(']')?;
    count
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then_some((count, inner.trim()))
}

fn auth(ev: &mut Event, act: &str, outcome: Outcome) {
    ev.set_action(act);
    ev.add_category("authentication").add_type("start");
    ev.outcome = outcome;
}

/// `{user} from {ip} port {port}[ {rest}]`: sets user and source, returns the rest.
fn user_from<'a>(ev: &mut Event, s: &'a str) -> Option<&'a str> {
    let (user, tail) = s.rsplit_once(" from ")?;
    let (ip, tail) = tail.split_once(' ').unwrap_or((tail, ""));
    ev.set(field::USER_NAME, user);
    set_source_addr(ev, ip);
    let tail = match tail.strip_prefix("port ") {
        Some(p) => {
            let (port, rest) = p.split_once(' ').unwrap_or((p, ""));
            if let Ok(port) = port.parse::<u16>() {
                ev.set(field::SOURCE_PORT, port);
            }
            rest
        }
        None => tail,
    };
    Some(tail)
}

fn sshd(ev: &mut Event, msg: &str) {
    let (act, outcome, rest) = if let Some(r) = msg.strip_prefix("Failed ") {
        (action::AUTHENTICATION_FAILED, Outcome::Failure, r)
    } else if let Some(r) = msg.strip_prefix("Accepted ") {
        (action::AUTHENTICATION_SUCCEEDED, Outcome::Success, r)
    } else if let Some(r) = msg.strip_prefix("Invalid user ") {
        if user_from(ev, r).is_some() {
            ev.set_action(INVALID_USER);
            ev.add_category("authentication").add_type("info");
            ev.outcome = Outcome::Failure;
            ev.label("ssh.invalid_user", "true");
        }
        return;
    } else {
        return;
    };
    // "{method} for [invalid user ]{user} from {ip} port {port} ssh2[: {key}]"
    let Some((method, rest)) = rest.split_once(" for ") else {
        return;
    };
    if method.is_empty() || method.contains(' ') {
        return;
    }
    let (rest, invalid) = match rest.strip_prefix("invalid user ") {
        Some(r) => (r, true),
        None => (rest, false),
    };
    let Some(tail) = user_from(ev, rest) else {
        return;
    };
    auth(ev, act, outcome);
    ev.label("ssh.method", method);
    if invalid {
        ev.label("ssh.invalid_user", "true");
    }
    // "ssh2: ED25519 SHA256:..." names the key that was offered.
    if let Some((_, key)) = tail.split_once(": ") {
        ev.label("ssh.key", key.trim());
    }
}

/// `{user} : [{problem} ; ]TTY={tty} ; PWD={dir} ; USER={runas} ; [GROUP=.. ; ][ENV=.. ; ]COMMAND={cmd}`
fn sudo(ev: &mut Event, msg: &str) {
    let Some((user, rest)) = msg.split_once(" : ") else {
        return;
    };
    let user = user.trim();
    if user.is_empty() || user.contains(' ') {
        return;
    }
    let mut problem = None;
    let mut command = None;
    let mut runas = None;
    let mut rest = rest;
    loop {
        // COMMAND is last and may itself contain " ; ".
        if let Some(cmd) = rest.strip_prefix("COMMAND=") {
            command = Some(cmd);
            break;
        }
        let (seg, next) = rest.split_once(" ; ").unwrap_or((rest, ""));
        match seg.split_once('=') {
            Some(("TTY", v)) => {
                ev.label("sudo.tty", v);
            }
            Some(("PWD", v)) => {
                ev.label("sudo.pwd", v);
            }
            Some(("USER", v)) => runas = Some(v),
            Some(("GROUP", v)) => {
                ev.set(field::GROUP_NAME, v);
            }
            Some(_) => {}
            None if problem.is_none() => problem = Some(seg),
            None => {}
        }
        if next.is_empty() {
            break;
        }
        rest = next;
    }
    // Without TTY/USER/COMMAND this is some other sudo message.
    if command.is_none() && runas.is_none() {
        return;
    }
    ev.set(field::USER_NAME, user);
    if let Some(r) = runas {
        ev.set(field::USER_TARGET_NAME, r);
    }
    if let Some(c) = command {
        ev.set(field::PROCESS_COMMAND_LINE, c);
    }
    match problem {
        None => {
            ev.set_action(action::PROCESS_STARTED);
            ev.add_category("process").add_type("start");
            ev.outcome = Outcome::Success;
        }
        Some(p) => {
            ev.label("sudo.reason", p);
            if p.contains("incorrect password attempt") {
                auth(ev, action::AUTHENTICATION_FAILED, Outcome::Failure);
            } else {
                // "user NOT in sudoers", "command not allowed", "a password is required"...
                ev.set_action(action::AUTHORIZATION_DENIED);
                ev.add_category("iam").add_type("denied");
                ev.outcome = Outcome::Failure;
            }
        }
    }
}

/// util-linux: `(to root) alice on pts/0`, `FAILED SU (to root) alice on pts/0`;
/// shadow-utils: `Successful su for root by alice`, `FAILED su for root by alice`.
fn su(ev: &mut Event, msg: &str) {
    let (failed, rest) = match msg.strip_prefix("FAILED SU ") {
        Some(r) => (true, r),
        None => (false, msg),
    };
    if let Some(r) = rest.strip_prefix("(to ") {
        let Some((target, r)) = r.split_once(") ") else {
            return;
        };
        let (user, tty) = r.split_once(" on ").unwrap_or((r, ""));
        ev.set(field::USER_TARGET_NAME, target);
        ev.set(field::USER_NAME, user);
        if !tty.is_empty() {
            ev.label("su.tty", tty);
        }
    } else {
        let (failed, r) = if let Some(r) = msg.strip_prefix("Successful su for ") {
            (false, r)
        } else if let Some(r) = msg.strip_prefix("FAILED su for ") {
            (true, r)
        } else {
            return;
        };
        let Some((target, user)) = r.split_once(" by ") else {
            return;
        };
        ev.set(field::USER_TARGET_NAME, target);
        ev.set(field::USER_NAME, user);
        return finish_su(ev, failed);
    }
    finish_su(ev, failed);
}

fn finish_su(ev: &mut Event, failed: bool) {
    if failed {
        auth(ev, action::AUTHENTICATION_FAILED, Outcome::Failure);
    } else {
        auth(ev, action::AUTHENTICATION_SUCCEEDED, Outcome::Success);
    }
}

/// `pam_unix(sshd:auth): authentication failure; logname= uid=0 ... rhost=IP  user=root`
/// `pam_unix(su:session): session opened for user root(uid=0) by alice(uid=1000)`
/// `pam_unix(sshd:session): session closed for user ubuntu`
fn pam(ev: &mut Event, msg: &str) {
    let Some((head, text)) = msg.split_once("): ") else {
        return;
    };
    let Some((module, svc)) = head.split_once('(') else {
        return;
    };
    let service = svc.split(':').next().unwrap_or_default();
    if let Some(kv) = text.strip_prefix("authentication failure;") {
        ev.label("pam.module", module).label("pam.service", service);
        for pair in kv.split_ascii_whitespace() {
            match pair.split_once('=') {
                Some(("user", u)) if !u.is_empty() => {
                    ev.set(field::USER_NAME, u);
                }
                Some(("rhost", h)) if !h.is_empty() => {
                    set_source_addr(ev, h);
                    ev.label("pam.rhost", h);
                }
                Some(("ruser", u)) if !u.is_empty() => {
                    ev.label("pam.ruser", u);
                }
                Some(("tty", t)) if !t.is_empty() => {
                    ev.label("pam.tty", t);
                }
                _ => {}
            }
        }
        ev.set_action(PAM_AUTHENTICATION_FAILURE);
        ev.add_category("authentication").add_type("info");
        ev.outcome = Outcome::Failure;
    } else if let Some(r) = text.strip_prefix("session opened for user ") {
        ev.label("pam.module", module).label("pam.service", service);
        let (target, by) = r.split_once(" by ").unwrap_or((r, ""));
        let target = strip_uid(target);
        let by = strip_uid(by);
        // "by alice(uid=1000)": alice opened a session as root (su, sudo);
        // "by (uid=0)": the session is the user's own login (sshd, login).
        if by.is_empty() || by == target {
            ev.set(field::USER_NAME, target);
        } else {
            ev.set(field::USER_NAME, by);
            ev.set(field::USER_TARGET_NAME, target);
        }
        ev.set_action(action::SESSION_OPENED);
        ev.add_category("session").add_type("start");
        ev.outcome = Outcome::Success;
    } else if let Some(r) = text.strip_prefix("session closed for user ") {
        ev.label("pam.module", module).label("pam.service", service);
        ev.set(field::USER_NAME, strip_uid(r.trim()));
        ev.set_action(action::SESSION_CLOSED);
        ev.add_category("session").add_type("end");
        ev.outcome = Outcome::Success;
    }
}

/// `root(uid=0)` → `root`.
fn strip_uid(s: &str) -> &str {
    s.split_once('(').map_or(s, |(name, _)| name).trim()
}
