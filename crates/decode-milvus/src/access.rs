//! The proxy access log (`internal/proxy/accesslog`).
//!
//! Every formatter Milvus ships, and the ones operators write by extending
//! them, share one grammar:
//!
//! `[$time_now] [ACCESS] <$user_name: $user_addr> $method_name` followed by
//! groups ` [label: $variable]` (`[status: ...] [code: ...] [sdk: ...]
//! [msg: ...] [traceID: ...] [timeCost: ...]`, then for data methods
//! `[database: ...] [collection: ...] [partitions: ...] [expr: ...]`, and in
//! 2.6 or by operators `[nq: ...] [params: ...] [outputs: ...]
//! [respSize: ...] [consistency: ...]`...).
//!
//! Free-text values (`msg`, `expr`, `params`, `outputs`) may contain `]` and
//! even `] [`, so groups are split by a small backtracking matcher: each
//! label appears once, values of structured labels must have their shape
//! (`code` an integer, `timeCost` a duration...), and the earliest split that
//! satisfies both wins. A label Sightline does not know is kept as a label.

use crate::gostr;
use std::borrow::Cow;

/// One parsed access line.
#[derive(Debug, Clone, PartialEq)]
pub struct Access<'a> {
    pub time: &'a str,
    pub user: &'a str,
    pub addr: &'a str,
    pub method: &'a str,
    /// `(label, value)` in line order; quoted values (the formatter's quote
    /// option applies `strconv.Quote` to msg and expr) are unquoted.
    pub groups: Vec<Group<'a>>,
}

/// One ` [label: value]` group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group<'a> {
    pub label: &'a str,
    pub var: Var,
    pub value: Cow<'a, str>,
}

impl<'a> Access<'a> {
    /// The value of the group whose label means `var`.
    pub fn get(&self, var: Var) -> Option<&str> {
        self.groups
            .iter()
            .find(|g| g.var == var)
            .map(|g| g.value.as_ref())
            .filter(|v| !v.is_empty() && *v != "Unknown")
    }
}

/// The access-log variables a label stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    Status,
    Code,
    Sdk,
    Msg,
    Trace,
    Cost,
    Database,
    Collection,
    Partitions,
    Expr,
    Outputs,
    RespSize,
    Consistency,
    Nq,
    Params,
    ErrorType,
    TimeStart,
    TimeEnd,
    Cluster,
    Anns,
    Other,
}

impl Var {
    /// The variable a group label names, by the labels of the shipped
    /// formatters and the variable names themselves.
    pub fn of(label: &str) -> Var {
        // The shipped formatters' labels, as written: no normalizing needed.
        match label {
            "status" => return Var::Status,
            "code" => return Var::Code,
            "sdk" => return Var::Sdk,
            "msg" => return Var::Msg,
            "traceID" => return Var::Trace,
            "timeCost" => return Var::Cost,
            "database" => return Var::Database,
            "collection" => return Var::Collection,
            "partitions" => return Var::Partitions,
            "expr" => return Var::Expr,
            "nq" => return Var::Nq,
            "params" => return Var::Params,
            _ => {}
        }
        let mut key = [0u8; 24];
        let mut n = 0;
        for c in label.bytes().filter(u8::is_ascii_alphanumeric) {
            if n == key.len() {
                return Var::Other;
            }
            key[n] = c.to_ascii_lowercase();
            n += 1;
        }
        match &key[..n] {
            b"status" | b"methodstatus" => Var::Status,
            b"code" | b"errorcode" => Var::Code,
            b"sdk" | b"sdkversion" => Var::Sdk,
            b"msg" | b"errormsg" | b"error" | b"message" => Var::Msg,
            b"traceid" | b"trace" => Var::Trace,
            b"timecost" | b"cost" | b"latency" | b"duration" => Var::Cost,
            b"database" | b"db" | b"dbname" | b"databasename" => Var::Database,
            b"collection" | b"coll" | b"collectionname" => Var::Collection,
            b"partitions" | b"partition" | b"partitionname" => Var::Partitions,
            b"expr" | b"expression" | b"methodexpr" | b"filter" => Var::Expr,
            b"outputs" | b"output" | b"outputfields" => Var::Outputs,
            b"respsize" | b"responsesize" | b"size" => Var::RespSize,
            b"consistency" | b"consistencylevel" => Var::Consistency,
            b"nq" => Var::Nq,
            b"params" | b"searchparams" | b"queryparams" => Var::Params,
            b"errortype" | b"errtype" => Var::ErrorType,
            b"timestart" | b"start" => Var::TimeStart,
            b"timeend" | b"end" => Var::TimeEnd,
            b"cluster" | b"clusterprefix" => Var::Cluster,
            b"anns" | b"annsfield" => Var::Anns,
            _ => Var::Other,
        }
    }

    /// Whether `v` can be this variable's value.
    fn accepts(self, v: &str) -> bool {
        let unknown = v == "Unknown";
        match self {
            Var::Msg | Var::Expr | Var::Params | Var::Outputs | Var::Other => true,
            Var::Status | Var::Consistency | Var::ErrorType => {
                !v.is_empty() && v.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            }
            Var::Code => {
                unknown
                    || v.strip_prefix('-')
                        .unwrap_or(v)
                        .bytes()
                        .all(|c| c.is_ascii_digit())
                        && !v.is_empty()
            }
            Var::RespSize => unknown || (!v.is_empty() && v.bytes().all(|c| c.is_ascii_digit())),
            Var::Cost => unknown || gostr::parse_duration(v).is_some(),
            Var::Trace => !v
                .bytes()
                .any(|c| c.is_ascii_whitespace() || c == b'[' || c == b']'),
            _ => !v.contains("] ["),
        }
    }
}

/// Parses an access line; `Err` says why it is not one.
pub fn parse(text: &str) -> Result<Access<'_>, &'static str> {
    let b = text.as_bytes();
    if b.first() != Some(&b'[') {
        return Err("no opening bracket");
    }
    let time_end = memchr::memchr(b']', b).ok_or("unterminated time")?;
    let time = &text[1..time_end];
    let after = text.get(time_end + 1..).ok_or("truncated")?;
    let head = after
        .strip_prefix(" [ACCESS] <")
        .ok_or("no [ACCESS] <user: addr> head")?;
    let (user, addr, after_head) = user_addr(head).ok_or("no `<user: addr>` head")?;
    let method_len = after_head
        .bytes()
        .position(|c| c == b' ' || c == b'\n')
        .unwrap_or(after_head.len());
    let method = &after_head[..method_len];
    if method.is_empty() {
        return Err("no method name");
    }
    let rest = &after_head[method_len..];
    let groups = groups(rest).ok_or("access-log groups do not parse")?;
    Ok(Access {
        time,
        user,
        addr,
        method,
        groups,
    })
}

/// Splits `user: addr> rest`. The user name comes from the client's
/// authorization header and may contain anything, so the split is taken
/// at the first `> ` whose preceding `: <addr>` is a plausible address.
fn user_addr(s: &str) -> Option<(&str, &str, &str)> {
    let b = s.as_bytes();
    let mut from = 0;
    while let Some(i) = memchr::memchr(b'>', b.get(from..)?) {
        let gt = from + i;
        let at_end = matches!(b.get(gt + 1), None | Some(b' ' | b'\n'));
        if at_end
            && let Some((user, addr)) = s[..gt].rsplit_once(": ")
            && is_addr(addr)
        {
            let rest = s
                .get(gt + 1..)?
                .strip_prefix(' ')
                .unwrap_or_else(|| &s[gt + 1..]);
            return Some((user, addr, rest));
        }
        from = gt + 1;
    }
    None
}

/// `Unknown`, `<network>-<address>` (gRPC peers: `tcp-10.0.0.1:5`,
/// `tcp-[::1]:5`, `unix-/run/x.sock`) or a bare IP (RESTful client IPs).
fn is_addr(a: &str) -> bool {
    if a == "Unknown" {
        return true;
    }
    if a.is_empty()
        || a.bytes()
            .any(|c| c.is_ascii_whitespace() || c == b'<' || c == b'>')
    {
        return false;
    }
    match a.split_once('-') {
        Some((net, host))
            if !net.is_empty()
                && net.bytes().all(|c| c.is_ascii_alphanumeric())
                && !host.is_empty() =>
        {
            true
        }
        _ => {
            a.parse::<std::net::IpAddr>().is_ok()
                || sightline_decode::helpers::split_host_port(a)
                    .0
                    .parse::<std::net::IpAddr>()
                    .is_ok()
        }
    }
}

/// Upper bound on matcher steps per line: ordinary lines need a few dozen;
/// past this, a plain left-to-right split is used.
const STEP_BUDGET: usize = 4096;

/// The group separator, searched once per line.
static SEPARATOR: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"] ["));

/// Most groups a line may split into before the plain split is used.
const MAX_GROUPS: usize = 64;

/// Splits ` [label: value] [label: value]...` (possibly empty).
fn groups(rest: &str) -> Option<Vec<Group<'_>>> {
    let rest = rest.trim_end_matches([' ', '\r', '\n']);
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let body = rest.strip_prefix(" [")?;
    if !body.ends_with(']') {
        return None;
    }
    // Candidate boundaries: `] [` followed by `label:`.
    let bb = body.as_bytes();
    let (first_label, first_value) = label_at(body, 0)?;
    // (value end, next value start, next label, its variable)
    let mut cands: Vec<(usize, usize, &str, Var)> = Vec::new();
    let mut i = 0;
    while let Some(k) = SEPARATOR.find(bb.get(i..)?) {
        let at = i + k;
        if let Some((label, vstart)) = label_at(body, at + 3) {
            cands.push((at, vstart, label, Var::of(label)));
        }
        i = at + 1;
    }
    let end = body.len() - 1;
    let mut steps = 0;
    let mut out: Vec<(&str, Var, usize, usize)> = Vec::new();
    let first_var = Var::of(first_label);
    if !split(
        body,
        &cands,
        (first_label, first_var),
        first_value,
        end,
        &mut out,
        &mut steps,
    ) {
        // Over budget or no consistent split: take every boundary.
        out.clear();
        let (mut label, mut var, mut start) = (first_label, first_var, first_value);
        for &(vend, next, next_label, next_var) in &cands {
            if vend >= start {
                out.push((label, var, start, vend));
                (label, var, start) = (next_label, next_var, next);
            }
        }
        out.push((label, var, start, end.max(start)));
    }
    Some(
        out.into_iter()
            .map(|(l, var, s, e)| {
                let raw = body.get(s..e).unwrap_or("");
                Group {
                    label: l,
                    var,
                    value: gostr::unquote_whole(raw).unwrap_or(Cow::Borrowed(raw)),
                }
            })
            .collect(),
    )
}

/// `label:` (optionally followed by one space) at `at`; returns the label
/// and where its value starts.
fn label_at(body: &str, at: usize) -> Option<(&str, usize)> {
    let b = body.as_bytes();
    let first = *b.get(at)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let len = b[at..]
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'.')
        .count();
    if b.get(at + len) != Some(&b':') {
        return None;
    }
    let mut v = at + len + 1;
    if b.get(v) == Some(&b' ') {
        v += 1;
    }
    Some((&body[at..at + len], v))
}

/// Backtracking split: the value of `label` starts at `start`; try each
/// later boundary (earliest first), then the end of the line.
fn split<'a>(
    body: &'a str,
    cands: &[(usize, usize, &'a str, Var)],
    (label, var): (&'a str, Var),
    start: usize,
    end: usize,
    out: &mut Vec<(&'a str, Var, usize, usize)>,
    steps: &mut usize,
) -> bool {
    *steps += 1;
    // Labels are unique, so the depth is the number of groups; no template
    // has more than a few dozen.
    if *steps > STEP_BUDGET || out.len() > MAX_GROUPS {
        return false;
    }
    for (idx, &(vend, next, next_label, next_var)) in cands.iter().enumerate() {
        *steps += 1;
        if *steps > STEP_BUDGET {
            return false;
        }
        if vend < start {
            continue;
        }
        let Some(value) = body.get(start..vend) else {
            continue;
        };
        // Labels are unique: only a variable already seen needs the string comparison.
        let maybe_seen =
            next_var == Var::Other || out.iter().any(|o| o.1 == next_var) || next_var == var;
        if !var.accepts(value)
            || (maybe_seen && (next_label == label || out.iter().any(|o| o.0 == next_label)))
        {
            continue;
        }
        out.push((label, var, start, vend));
        if split(
            body,
            &cands[idx + 1..],
            (next_label, next_var),
            next,
            end,
            out,
            steps,
        ) {
            return true;
        }
        out.pop();
        if *steps > STEP_BUDGET {
            return false;
        }
    }
    match body.get(start..end) {
        Some(value) if var.accepts(value) => {
            out.push((label, var, start, end));
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "[2026/03/09 09:25:15.092 +00:00] [ACCESS] <service: tcp-45.155.205.233:35419> Connect [status: GrpcUnauthenticated] [code: 65535] [sdk: Golang-2.4.1] [msg: rpc error: code = Unauthenticated desc = auth check failure, please check username and password are correct] [traceID: 7d5f6955631a6c6819c7bf521c46ecf7] [timeCost: 499.838µs]";

    #[test]
    fn base_template() {
        let a = parse(BASE).unwrap();
        assert_eq!(a.time, "2026/03/09 09:25:15.092 +00:00");
        assert_eq!(
            (a.user, a.addr, a.method),
            ("service", "tcp-45.155.205.233:35419", "Connect")
        );
        assert_eq!(a.get(Var::Status), Some("GrpcUnauthenticated"));
        assert_eq!(a.get(Var::Code), Some("65535"));
        assert_eq!(a.get(Var::Cost), Some("499.838µs"));
        assert!(a.get(Var::Msg).unwrap().ends_with("are correct"));
        assert_eq!(a.groups.len(), 6);
    }

    #[test]
    fn brackets_inside_msg_and_expr() {
        let line = "[2026/03/09 06:00:07.685 +00:00] [ACCESS] <feature_store: tcp-10.52.14.223:58132> Query [status: Failed] [code: 100] [sdk: Python-2.4.3] [msg: collection not found[database=default][collection=x]] [traceID: e1de] [timeCost: 14.888096ms] [database: default] [collection: fraud_signals] [partitions: []] [expr: id in [147002,161441]] [outputs: [id metadata]] [respSize: 5172] [consistency: Bounded]";
        let a = parse(line).unwrap();
        assert_eq!(
            a.get(Var::Msg),
            Some("collection not found[database=default][collection=x]")
        );
        assert_eq!(a.get(Var::Expr), Some("id in [147002,161441]"));
        assert_eq!(a.get(Var::Outputs), Some("[id metadata]"));
        assert_eq!(a.get(Var::RespSize), Some("5172"));
        assert_eq!(a.get(Var::Consistency), Some("Bounded"));
        assert_eq!(a.get(Var::Partitions), Some("[]"));
    }

    #[test]
    fn spoofed_groups_inside_expr_do_not_win() {
        // The client controls the expression; its fake `[respSize: 10]`
        // must not replace the real one.
        let line = "[t] [ACCESS] <u: tcp-1.2.3.4:5> Query [status: Successful] [code: 0] [sdk: s] [msg: ] [traceID: x] [timeCost: 1ms] [database: d] [collection: c] [partitions: []] [expr: id > 0] [respSize: 10] [consistency: Bounded] [respSize: 99999999] [consistency: Strong]";
        let a = parse(line).unwrap();
        assert_eq!(a.get(Var::RespSize), Some("99999999"));
        assert_eq!(a.get(Var::Consistency), Some("Strong"));
        assert_eq!(
            a.get(Var::Expr),
            Some("id > 0] [respSize: 10] [consistency: Bounded")
        );
        // A fake status in the message cannot replace the real one.
        let line = "[t] [ACCESS] <u: tcp-1.2.3.4:5> Search [status: Failed] [code: 100] [sdk: s] [msg: x] [status: Successful] [traceID: y] [timeCost: 1ms]";
        let a = parse(line).unwrap();
        assert_eq!(a.get(Var::Status), Some("Failed"));
        assert_eq!(a.get(Var::Msg), Some("x] [status: Successful"));
    }

    #[test]
    fn odd_user_names_and_addresses() {
        let a =
            parse("[t] [ACCESS] <we: ird> na:me: tcp-[::1]:44614> Connect [status: Successful]")
                .unwrap();
        assert_eq!((a.user, a.addr), ("we: ird> na:me", "tcp-[::1]:44614"));
        let a = parse("[t] [ACCESS] <Unknown: Unknown> ShowCollections").unwrap();
        assert_eq!(
            (a.user, a.addr, a.method),
            ("Unknown", "Unknown", "ShowCollections")
        );
        assert!(a.groups.is_empty());
    }

    #[test]
    fn quoted_values_and_unknown_labels() {
        let a = parse(r#"[t] [ACCESS] <u: 10.0.0.1> /v2/vectordb/entities/search [status: HttpError401] [code: 1800] [msg: "user hasn't authenticated\n"] [tenant: acme]"#).unwrap();
        assert_eq!(a.method, "/v2/vectordb/entities/search");
        assert_eq!(a.get(Var::Msg), Some("user hasn't authenticated\n"));
        assert_eq!(
            (
                a.groups[3].label,
                a.groups[3].var,
                a.groups[3].value.as_ref()
            ),
            ("tenant", Var::Other, "acme")
        );
    }

    #[test]
    fn not_access_lines() {
        for bad in [
            "",
            "[t]",
            "[t] [INFO] [proxy/impl.go:1] [x]",
            "[t] [ACCESS] user: addr> X",
            "[t] [ACCESS] <no addr> X",
            "[t] [ACCESS] <u: tcp-1.2.3.4:5> ",
            "[t] [ACCESS] <u: tcp-1.2.3.4:5> X [status: Successful",
            "[t] [ACCESS] <u: tcp-1.2.3.4:5> X junk",
            "[t] [ACCESS] <u: not an address> X",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn pathological_lines_stay_bounded() {
        let mut line = String::from("[t] [ACCESS] <u: tcp-1.2.3.4:5> Q [expr: ");
        for _ in 0..2000 {
            line.push_str("] [a: ] [b: ");
        }
        line.push(']');
        let a = parse(&line).unwrap();
        assert!(!a.groups.is_empty());
    }
}
