//! Readers for the pieces Mesos prints inside messages: libprocess PIDs,
//! framework/agent/task references, quoted names, status updates, offer
//! lists. Each takes the text at the start of a slice and returns what it
//! read and the rest; none panics on any input.

use sightline_decode::{Event, field, helpers};

/// Splits at the first space: (token, rest starting at that space or empty).
pub fn token(s: &str) -> (&str, &str) {
    match memchr::memchr(b' ', s.as_bytes()) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// `'...'` at the start of `s`: the inner text and the rest after the
/// closing quote. The closing quote is the first `'` followed by the end,
/// a space or one of `:,;)`, so names holding a quote mostly survive.
pub fn quoted(s: &str) -> Option<(&str, &str)> {
    let body = s.strip_prefix('\'')?;
    let b = body.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'\'', b.get(from..)?) {
        let at = from + i;
        match b.get(at + 1) {
            None | Some(b' ' | b':' | b',' | b';' | b')') => {
                return Some((&body[..at], &body[at + 1..]));
            }
            _ => from = at + 1,
        }
    }
    None
}

/// `(...)` at the start of `s`, with nested parentheses balanced: the inner
/// text and the rest.
pub fn parenthesized(s: &str) -> Option<(&str, &str)> {
    let body = s.strip_prefix('(')?;
    let mut depth = 0usize;
    for (i, b) in body.bytes().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' if depth == 0 => return Some((&body[..i], &body[i + 1..])),
            b')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// The text between `prefix` and the next `end` (or the end of `s`).
pub fn between<'a>(s: &'a str, prefix: &str, end: &str) -> Option<&'a str> {
    let start = find(s, prefix)? + prefix.len();
    let rest = s.get(start..)?;
    Some(find(rest, end).map_or(rest, |e| &rest[..e]))
}

/// Byte position of `needle` in `s`.
///
/// Messages are short and needles are fixed phrases, so this anchors on the
/// needle's first non-space byte with `memchr` and compares in place; a
/// `memmem` finder costs more to build than such a search takes.
pub fn find(s: &str, needle: &str) -> Option<usize> {
    let (h, n) = (s.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return Some(0);
    }
    let k = n.iter().position(|&b| b != b' ').unwrap_or(0);
    let anchor = n[k];
    let mut from = k;
    while let Some(i) = memchr::memchr(anchor, h.get(from..)?) {
        let at = from + i - k;
        if h.get(at..).is_some_and(|rest| rest.starts_with(n)) {
            return Some(at);
        }
        from += i + 1;
    }
    None
}

/// Whether `s` contains `needle`.
pub fn contains(s: &str, needle: &str) -> bool {
    find(s, needle).is_some()
}

/// A libprocess PID: `<id>@<ip>:<port>` (`scheduler-<uuid>@10.0.0.5:37420`,
/// `slave(1)@10.0.0.7:5051`, `master@10.0.0.1:5050`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upid<'a> {
    pub text: &'a str,
    pub addr: &'a str,
}

/// Reads a PID token at the start of `s`, dropping punctuation that follows
/// it in prose (`...:37420:` before a reason, `...:5051;`).
pub fn upid(s: &str) -> Option<(Upid<'_>, &str)> {
    let (tok, _) = token(s);
    let text = tok.trim_end_matches(|c: char| !c.is_ascii_digit());
    let (id, addr) = text.split_once('@')?;
    if id.is_empty() || addr.is_empty() || !addr.contains(':') {
        return None;
    }
    // The punctuation trimmed off stays in the rest (`: <reason>`).
    Some((Upid { text, addr }, &s[text.len()..]))
}

/// Finds `<marker><pid>` anywhere in `s` and reads the PID.
pub fn upid_after<'a>(s: &'a str, marker: &str) -> Option<Upid<'a>> {
    let at = find(s, marker)? + marker.len();
    upid(s.get(at..)?).map(|(u, _)| u)
}

/// Sets the peer PID as the source of the event.
pub fn set_source_upid(ev: &mut Event, u: &Upid<'_>) {
    ev.set(field::MESOS_UPID, u.text);
    helpers::set_source_addr(ev, u.addr);
}

/// Sets `destination.ip`/`.port` from `ip:port` text.
pub fn set_destination_addr(ev: &mut Event, addr: &str) {
    let (host, port) = helpers::split_host_port(addr.trim());
    if host.parse::<std::net::IpAddr>().is_ok() {
        ev.set(field::DESTINATION_IP, host);
        ev.set_opt(field::DESTINATION_PORT, port);
    }
}

/// Whether a token looks like a Mesos id of the given kind: a master id
/// (UUID, or the old `20150603-103119-2046951690-5050-24382`) then `-`, the
/// kind letter (`S` agent, `O` offer, none for frameworks) and a number.
pub fn is_id(tok: &str, kind: &str) -> bool {
    let Some((master, n)) = tok.rsplit_once('-') else {
        return false;
    };
    let Some(num) = n.strip_prefix(kind) else {
        return false;
    };
    !master.is_empty()
        && master.contains('-')
        && !num.is_empty()
        && num.bytes().all(|b| b.is_ascii_digit())
        && master
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// A framework as Mesos prints it: `<id> (<name>)[ at <pid>]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FrameworkRef<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub pid: Option<Upid<'a>>,
}

/// Reads a framework reference at the start of `s`.
pub fn framework_ref(s: &str) -> Option<(FrameworkRef<'_>, &str)> {
    let (tok, mut rest) = token(s);
    let id = tok.trim_end_matches([':', ',', ';', '\'']);
    if !is_id(id, "") {
        return None;
    }
    if id.len() != tok.len() {
        rest = &s[id.len()..];
    }
    let mut fw = FrameworkRef {
        id,
        ..Default::default()
    };
    if let Some((name, r)) = rest.strip_prefix(' ').and_then(parenthesized) {
        fw.name = Some(name);
        rest = r;
    }
    if let Some((u, r)) = rest.strip_prefix(" at ").and_then(upid) {
        fw.pid = Some(u);
        rest = r;
    }
    Some((fw, rest))
}

/// Finds `<marker><framework>` anywhere in `s`.
pub fn framework_after<'a>(s: &'a str, marker: &str) -> Option<FrameworkRef<'a>> {
    if marker.is_empty() {
        return framework_ref(s).map(|r| r.0);
    }
    let mut from = 0;
    while let Some(i) = find(s.get(from..)?, marker) {
        let at = from + i + marker.len();
        if let Some((fw, _)) = framework_ref(s.get(at..)?) {
            return Some(fw);
        }
        from = at;
    }
    None
}

/// Sets the framework's id and name (not its PID: callers decide whether
/// the scheduler is the source or the destination).
pub fn set_framework(ev: &mut Event, fw: &FrameworkRef<'_>) {
    ev.set(field::MESOS_FRAMEWORK_ID, fw.id);
    if let Some(n) = fw.name {
        ev.set(field::MESOS_FRAMEWORK_NAME, n);
    }
}

/// An agent as the master prints it: `<id>[ at <pid>][ (<hostname>)]`, or
/// without an id: `at <pid> (<hostname>)`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AgentRef<'a> {
    pub id: Option<&'a str>,
    pub pid: Option<Upid<'a>>,
    pub hostname: Option<&'a str>,
}

/// Reads an agent reference at the start of `s`.
pub fn agent_ref(s: &str) -> Option<(AgentRef<'_>, &str)> {
    let mut a = AgentRef::default();
    let mut rest = s;
    let (tok, r) = token(s);
    let id = tok.trim_end_matches([':', ',', ';', '\'']);
    if is_id(id, "S") {
        a.id = Some(id);
        rest = if id.len() == tok.len() {
            r
        } else {
            &s[id.len()..]
        };
        if let Some(r) = rest.strip_prefix(" at ") {
            rest = r;
        }
    } else if let Some(r) = s.strip_prefix("at ") {
        rest = r;
    }
    if let Some((u, r)) = upid(rest) {
        a.pid = Some(u);
        rest = r;
    } else if a.id.is_none() {
        return None;
    }
    if let Some((host, r)) = rest.strip_prefix(' ').and_then(parenthesized) {
        a.hostname = Some(host);
        rest = r;
    }
    Some((a, rest))
}

/// Finds `<marker><agent>` anywhere in `s`.
pub fn agent_after<'a>(s: &'a str, marker: &str) -> Option<AgentRef<'a>> {
    if marker.is_empty() {
        return agent_ref(s).map(|r| r.0);
    }
    let mut from = 0;
    while let Some(i) = find(s.get(from..)?, marker) {
        let at = from + i + marker.len();
        if let Some((a, _)) = agent_ref(s.get(at..)?) {
            return Some(a);
        }
        from = at;
    }
    None
}

/// Sets the agent's id and hostname; its address goes to `source` when the
/// agent is the actor, else to `destination`.
pub fn set_agent(ev: &mut Event, a: &AgentRef<'_>, actor: bool) {
    if let Some(id) = a.id {
        ev.set(field::MESOS_AGENT_ID, id);
    }
    if let Some(h) = a.hostname {
        ev.set(field::MESOS_AGENT_HOSTNAME, h);
    }
    if let Some(u) = &a.pid {
        if actor {
            set_source_upid(ev, u);
        } else {
            set_destination_addr(ev, u.addr);
        }
    }
}

/// A status update: `<STATE> (Status UUID: <uuid>) for task <t> of framework <f>[ ...]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusUpdate<'a> {
    pub state: &'a str,
    pub uuid: Option<&'a str>,
    pub task: Option<&'a str>,
    pub framework: Option<&'a str>,
}

/// Reads a status update at the start of `s`; returns the rest after the framework id.
pub fn status_update(s: &str) -> Option<(StatusUpdate<'_>, &str)> {
    let (state, mut rest) = token(s);
    if !is_task_state(state) {
        return None;
    }
    let mut u = StatusUpdate {
        state,
        uuid: None,
        task: None,
        framework: None,
    };
    for marker in [" (Status UUID: ", " (UUID: "] {
        if let Some(r) = rest.strip_prefix(marker) {
            if let Some((uuid, r)) = r.split_once(')') {
                u.uuid = Some(uuid);
                rest = r;
            }
            break;
        }
    }
    if let Some(r) = rest.strip_prefix(" for task ") {
        // Task ids may hold spaces; the framework clause ends them.
        if let Some(i) = find(r, " of framework ") {
            u.task = Some(&r[..i]);
            rest = &r[i + " of framework ".len()..];
            let (fw, r) = token(rest);
            u.framework = Some(fw);
            rest = r;
        } else {
            let (t, r) = token(r);
            u.task = Some(t);
            rest = r;
        }
    }
    Some((u, rest))
}

/// Sets the fields of a status update.
pub fn set_status_update(ev: &mut Event, u: &StatusUpdate<'_>) {
    ev.set(field::MESOS_TASK_STATE, u.state);
    if let Some(x) = u.uuid {
        ev.set(field::MESOS_TASK_STATUS_UUID, x);
    }
    if let Some(x) = u.task {
        ev.set(field::MESOS_TASK_ID, x);
    }
    if let Some(x) = u.framework {
        ev.set(field::MESOS_FRAMEWORK_ID, x);
    }
}

/// `TASK_` followed by upper-case letters and underscores.
pub fn is_task_state(s: &str) -> bool {
    s.strip_prefix("TASK_")
        .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'))
}

/// The ids in `[ a, b ]` (offer lists).
pub fn id_list(s: &str) -> Vec<String> {
    let Some(inner) = between(s, "[", "]") else {
        return Vec::new();
    };
    inner
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Sets a list of ids as one string when there is one, else as a list.
pub fn set_ids(ev: &mut Event, name: &'static str, ids: Vec<String>) {
    match ids.len() {
        0 => {}
        1 => {
            if let Some(one) = ids.into_iter().next() {
                ev.set(name, one);
            }
        }
        _ => {
            ev.set(name, ids);
        }
    }
}

/// `{ a, b }` (roles) as a list; `{  }` is empty.
pub fn set_list(s: &str) -> Vec<String> {
    let Some(inner) = between(s, "{", "}") else {
        return Vec::new();
    };
    inner
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Sets `user.roles` and `mesos.role` from a `{ r1, r2 }` roles set.
pub fn set_roles(ev: &mut Event, s: &str) {
    let roles = set_list(s);
    if let Some(first) = roles.first() {
        ev.set(field::MESOS_ROLE, first.as_str());
        ev.set(field::USER_ROLES, roles);
    }
}

/// A stout `Duration` (`20.5199ms`, `47.7189us`, `1mins`, `6.99days`,
/// `15.6192secs`) in nanoseconds.
pub fn duration_nanos(s: &str) -> Option<i64> {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let n: f64 = s.get(..end)?.parse().ok()?;
    let unit = s.get(end..)?;
    let unit = unit.split(|c: char| !c.is_ascii_alphabetic()).next()?;
    let scale = match unit {
        "ns" => 1.0,
        "us" => 1e3,
        "ms" => 1e3 * 1e3,
        "secs" | "sec" | "s" => 1e9,
        "mins" | "min" => 60e9,
        "hrs" | "hr" | "h" => 3600e9,
        "days" | "day" => 86400e9,
        "weeks" | "week" => 604800e9,
        _ => return None,
    };
    let v = n * scale;
    (v.is_finite() && v < 9.0e18).then_some(v.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_anchors_on_the_first_non_space() {
        assert_eq!(find("a of framework b", " of framework "), Some(1));
        assert_eq!(find(" of framework x", " of framework "), Some(0));
        assert_eq!(find("framework", " of framework "), None);
        assert_eq!(find("abcabd", "abd"), Some(3));
        assert_eq!(find("", "x"), None);
        assert_eq!(find("x", "   "), None);
        assert_eq!(find("a b", " "), Some(1));
        assert_eq!(find("ab", ""), Some(0));
        assert_eq!(find("é of framework ", " of framework "), Some(2));
    }

    #[test]
    fn quotes_and_parens() {
        assert_eq!(quoted("'chronos' at x"), Some(("chronos", " at x")));
        assert_eq!(quoted("'it's mine': y"), Some(("it's mine", ": y")));
        assert_eq!(quoted("'open"), None);
        assert_eq!(quoted("noquote"), None);
        assert_eq!(
            parenthesized("(Spark (Pi)) at x"),
            Some(("Spark (Pi)", " at x"))
        );
        assert_eq!(parenthesized("(unclosed"), None);
    }

    #[test]
    fn pids() {
        let (u, rest) = upid("scheduler-b430@10.20.17.203:37420: Not authorized").unwrap();
        assert_eq!(
            (u.text, u.addr, rest),
            (
                "scheduler-b430@10.20.17.203:37420",
                "10.20.17.203:37420",
                ": Not authorized"
            )
        );
        let (u, rest) = upid("slave(1)@172.31.44.9:5051 because").unwrap();
        assert_eq!((u.text, rest), ("slave(1)@172.31.44.9:5051", " because"));
        assert!(upid("nobody").is_none());
        assert!(upid("@").is_none());
    }

    #[test]
    fn refs() {
        let (fw, rest) = framework_ref("c85990d2-e844-4762-939a-e232588efbce-0001 (chronos) at scheduler-3021@10.20.0.32:49035 on agent x").unwrap();
        assert_eq!(fw.id, "c85990d2-e844-4762-939a-e232588efbce-0001");
        assert_eq!(fw.name, Some("chronos"));
        assert_eq!(fw.pid.map(|p| p.addr), Some("10.20.0.32:49035"));
        assert_eq!(rest, " on agent x");
        assert!(framework_ref("Spark Pi with checkpointing").is_none());
        let (a, rest) = agent_ref(
            "c85990d2-e844-4762-939a-e232588efbce-S5 at slave(1)@10.20.1.26:5051 (gpu-a06): exited",
        )
        .unwrap();
        assert_eq!(
            (a.id, a.hostname, rest),
            (
                Some("c85990d2-e844-4762-939a-e232588efbce-S5"),
                Some("gpu-a06"),
                ": exited"
            )
        );
        let (a, _) = agent_ref("at slave(1)@172.31.44.9:5051 (ip-172-31-44-9) with id X").unwrap();
        assert_eq!(
            (a.id, a.pid.map(|p| p.addr), a.hostname),
            (None, Some("172.31.44.9:5051"), Some("ip-172-31-44-9"))
        );
        assert!(is_id("20150603-103119-2046951690-5050-24382-S1", "S"));
        assert!(!is_id("S1", "S"));
        assert!(!is_id("abc-S", "S"));
    }

    #[test]
    fn updates_and_durations() {
        let (u, rest) = status_update("TASK_FAILED (Status UUID: 44) for task ct:1:0:db-backup: of framework F-0001 from agent A").unwrap();
        assert_eq!(
            (u.state, u.uuid, u.task, u.framework),
            (
                "TASK_FAILED",
                Some("44"),
                Some("ct:1:0:db-backup:"),
                Some("F-0001")
            )
        );
        assert_eq!(rest, " from agent A");
        assert!(status_update("RUNNING for").is_none());
        assert_eq!(duration_nanos("30.9745ms"), Some(30_974_500));
        assert_eq!(duration_nanos("1mins"), Some(60_000_000_000));
        assert_eq!(duration_nanos("ms"), None);
        assert_eq!(id_list("[ a-O1, a-O2 ] to"), vec!["a-O1", "a-O2"]);
        assert!(set_list("{  }").is_empty());
        assert_eq!(set_list("{ infra, ml }"), vec!["infra", "ml"]);
    }
}
