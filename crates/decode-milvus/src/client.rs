//! Lines that share a Milvus process's stderr without being Milvus's own
//! formats: pymilvus client logging (milvus-lite runs inside the client
//! process), the expression parser's raw ANTLR errors, and Go panics.

use crate::textscan::{self, Class};
use sightline_decode::{DecodeOptions, Event, Outcome, Timestamp, field, helpers};
use sightline_event::action;

/// A pymilvus line: `%(asctime)s [%(levelname)s][%(funcName)s]: %(message)s (%(filename)s:%(lineno)s)`.
pub struct ClientLine<'a> {
    pub time: Option<Timestamp>,
    pub level: &'a str,
    pub function: &'a str,
    pub message: &'a str,
    pub origin: Option<(&'a str, u32)>,
}

/// Parses a pymilvus record (possibly several lines: exception texts carry
/// raw newlines).
pub fn parse<'a>(text: &'a str, opts: &DecodeOptions) -> Option<ClientLine<'a>> {
    let time = helpers::parse_local_datetime(text.get(..23)?, opts);
    let rest = text.get(24..)?.strip_prefix('[')?;
    let (level, rest) = rest.split_once("][")?;
    let (function, rest) = rest.split_once("]:")?;
    let body = rest.strip_prefix(' ').unwrap_or(rest).trim_end();
    // The trailing `(file.py:123)` names the logging call site.
    let (message, origin) = match body.rsplit_once(" (") {
        Some((m, tail)) => match tail.strip_suffix(')').and_then(|t| t.rsplit_once(':')) {
            Some((file, line)) if file.ends_with(".py") => match line.parse::<u32>() {
                Ok(n) => (m, Some((file, n))),
                Err(_) => (body, None),
            },
            _ => (body, None),
        },
        None => (body, None),
    };
    Some(ClientLine {
        time,
        level,
        function,
        message,
        origin,
    })
}

/// Fills `ev` from a pymilvus line (timestamp excluded).
pub fn fill(ev: &mut Event, c: &ClientLine<'_>) {
    ev.level = Some(helpers::normalize_level(c.level).to_owned());
    ev.message = c.message.to_owned();
    ev.set(field::SERVICE_NAME, "pymilvus");
    if !c.function.is_empty() {
        ev.label("function", c.function);
    }
    if let Some((file, line)) = c.origin {
        ev.set(field::LOG_ORIGIN_FILE, file);
        ev.set(field::LOG_ORIGIN_LINE, i64::from(line));
    }
    let failed = matches!(ev.level.as_deref(), Some("error" | "critical" | "fatal"));
    if failed {
        ev.outcome = Outcome::Failure;
    }
    rpc_error(ev, c.message);
    // `Failed to search collection: docs`
    if let Some(rest) = c.message.strip_prefix("Failed to ")
        && let Some((_, name)) = rest.split_once(" collection: ")
    {
        let name = name.split_whitespace().next().unwrap_or("");
        if !name.is_empty() {
            ev.set(field::MILVUS_COLLECTION, name);
        }
    }
}

/// `RPC error: [search], <MilvusException: (code=1100, message=invalid parameter)>, <Time:...>`
/// and `grpc RpcError: [create_user], <_InactiveRpcError: StatusCode.UNIMPLEMENTED, >, <Time:...>`.
fn rpc_error(ev: &mut Event, msg: &str) {
    let Some(i) = msg.find("rror: [") else { return };
    let rest = &msg[i + "rror: [".len()..];
    let Some((api, rest)) = rest.split_once("], <") else {
        return;
    };
    ev.label("client_method", api);
    if let Some(m) = grpc_method(api) {
        ev.set(field::MILVUS_METHOD, m);
    }
    let Some((exc, detail)) = rest.split_once(": ") else {
        return;
    };
    ev.set(field::ERROR_TYPE, exc);
    let detail = detail
        .split(">, <Time:")
        .next()
        .unwrap_or(detail)
        .trim_end_matches('>');
    let mut code = None;
    if let Some(inner) = detail.strip_prefix("(code=") {
        let (c, m) = inner.split_once(", message=").unwrap_or((inner, ""));
        code = c.trim().parse::<i64>().ok();
        ev.set(field::ERROR_MESSAGE, m.strip_suffix(')').unwrap_or(m));
    } else if let Some(status) = detail.strip_prefix("StatusCode.") {
        let status = status.split([',', ' ']).next().unwrap_or("");
        ev.set(field::ERROR_CODE, status);
        ev.set(field::ERROR_MESSAGE, detail.trim_end_matches([',', ' ']));
        match status {
            "UNAUTHENTICATED" => code = Some(1400),
            "PERMISSION_DENIED" => code = Some(1401),
            "RESOURCE_EXHAUSTED" => code = Some(8),
            _ => {}
        }
    }
    if let Some(c) = code {
        ev.set(field::MILVUS_ERROR_CODE, c);
    }
    ev.outcome = Outcome::Failure;
    let hits = textscan::scan(detail);
    if matches!(code, Some(1400 | 1800)) || hits.has(Class::AuthFailed) {
        ev.set_action(action::AUTHENTICATION_FAILED);
        ev.add_category("authentication").add_type("start");
    } else if code == Some(1401) || hits.has(Class::AuthzDenied) {
        ev.set_action(action::AUTHORIZATION_DENIED);
        ev.add_category("iam").add_type("denied");
    } else if matches!(code, Some(3 | 4 | 7 | 8 | 9 | 11 | 1807)) || hits.has(Class::Limited) {
        ev.set_action(action::RATE_LIMITED);
        ev.add_category("database").add_type("denied");
    } else {
        ev.add_category("database").add_type("error");
    }
}

/// The gRPC method behind a pymilvus API name, for the common ones.
fn grpc_method(api: &str) -> Option<&'static str> {
    Some(match api {
        "search" => "Search",
        "hybrid_search" => "HybridSearch",
        "query" | "get" => "Query",
        "insert" | "insert_rows" | "batch_insert" => "Insert",
        "upsert" | "upsert_rows" => "Upsert",
        "delete" => "Delete",
        "create_collection" => "CreateCollection",
        "drop_collection" => "DropCollection",
        "create_database" => "CreateDatabase",
        "drop_database" => "DropDatabase",
        "create_user" => "CreateCredential",
        "drop_user" | "delete_user" => "DeleteCredential",
        "update_password" | "reset_password" => "UpdateCredential",
        "list_usernames" | "list_users" => "ListCredUsers",
        "create_role" => "CreateRole",
        "drop_role" => "DropRole",
        "grant_role" | "revoke_role" | "add_user_to_role" | "remove_user_from_role" => {
            "OperateUserRole"
        }
        "grant_privilege" | "revoke_privilege" => "OperatePrivilege",
        "connect" | "_connect" => "Connect",
        _ => return None,
    })
}

/// The expression parser's message (`line 1:5 extraneous input '<' ...`):
/// a rejected filter expression.
pub fn fill_antlr(ev: &mut Event, line: &str) {
    ev.level = Some("error".into());
    ev.message = line.to_owned();
    ev.set(field::ERROR_MESSAGE, line);
    ev.set(field::ERROR_TYPE, "expression syntax error");
    ev.outcome = Outcome::Failure;
    ev.label("module", "antlr");
}

/// A Go runtime crash: `panic: <reason>` and the goroutine dump after it.
pub fn fill_panic(ev: &mut Event, text: &str) {
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    ev.level = Some("fatal".into());
    ev.message = first.to_owned();
    let reason = first
        .strip_prefix("panic: ")
        .or_else(|| first.strip_prefix("fatal error: "))
        .unwrap_or(first);
    ev.set(field::ERROR_MESSAGE, reason);
    ev.set(
        field::ERROR_TYPE,
        if first.starts_with("panic") {
            "panic"
        } else {
            "fatal error"
        },
    );
    let trace = rest.trim_matches('\n');
    if !trace.is_empty() {
        ev.set(field::ERROR_STACK_TRACE, trace);
    }
    ev.add_category("process").add_type("end");
    ev.outcome = Outcome::Failure;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pymilvus_line() {
        let o = DecodeOptions::default();
        let c = parse("2026-11-22 13:10:00,224 [ERROR][search]: Failed to search collection: docs (milvus_client.py:414)", &o).unwrap();
        assert_eq!(c.time.unwrap().to_string(), "2026-11-22T13:10:00.224Z");
        assert_eq!(
            (c.level, c.function, c.message),
            ("ERROR", "search", "Failed to search collection: docs")
        );
        assert_eq!(c.origin, Some(("milvus_client.py", 414)));
        assert!(parse("2026-11-22 13:10:00,224 garbage", &o).is_none());
        assert!(parse("short", &o).is_none());
    }
}
