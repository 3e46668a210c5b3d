//! Which Milvus component wrote a line: from the log file's name
//! (`<role>-<nodeID>.log`, as `cmd/roles/roles.go` names it, or a pod's
//! container log), from the caller's package (`proxy/impl.go:174` → proxy),
//! or from a `role` field. Each component has its own dataset.

use std::path::Path;

/// The components Milvus runs (roles of `cmd/roles`), plus the datasets of
/// streams that are not a server component.
pub const COMPONENTS: &[&str] = &[
    "proxy",
    "rootcoord",
    "querycoord",
    "datacoord",
    "indexcoord",
    "mixcoord",
    "querynode",
    "datanode",
    "indexnode",
    "streamingnode",
    "streamingcoord",
    "standalone",
];

/// `milvus.<component>`, as a static string.
pub fn dataset(component: &str) -> &'static str {
    match component {
        "proxy" => "milvus.proxy",
        "rootcoord" => "milvus.rootcoord",
        "querycoord" => "milvus.querycoord",
        "datacoord" => "milvus.datacoord",
        "indexcoord" => "milvus.indexcoord",
        "mixcoord" => "milvus.mixcoord",
        "querynode" => "milvus.querynode",
        "datanode" => "milvus.datanode",
        "indexnode" => "milvus.indexnode",
        "streamingnode" => "milvus.streamingnode",
        "streamingcoord" => "milvus.streamingcoord",
        "standalone" => "milvus.standalone",
        "access" => "milvus.access",
        "lite" => "milvus.lite",
        "client" => "milvus.client",
        _ => "milvus.server",
    }
}

/// The canonical component name for a word, if it names one.
pub fn canonical(word: &str) -> Option<&'static str> {
    let w = word.to_ascii_lowercase();
    let name = match w.as_str() {
        "querycoordv2" => "querycoord",
        "querynodev2" => "querynode",
        "coordinator" => "mixcoord",
        other => other,
    };
    COMPONENTS.iter().copied().find(|c| *c == name)
}

/// What a stream's file name says about its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StreamRole {
    /// The component whose process wrote the file, if the name tells.
    pub component: Option<&'static str>,
    /// The proxy access log (`milvus_access*.log` by default).
    pub access: bool,
    /// milvus-lite output (its C++ server has no component roles).
    pub lite: bool,
}

/// Reads the role from a file name: `proxy-7.log`,
/// `proxy-7-2026-03-09T07-54-04.916.log` (a lumberjack backup),
/// `milvus-querynode-5f7c9_ns_querynode-0123.log` (a pod log),
/// `milvus_access.2026-03-09T10-14-26.085.log`, `milvus_lite_server.log`.
pub fn role_from_path(path: Option<&Path>) -> StreamRole {
    let mut role = StreamRole::default();
    let Some(name) = path.and_then(Path::file_name).and_then(|n| n.to_str()) else {
        return role;
    };
    let lower = name.to_ascii_lowercase();
    for token in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
        match token {
            "access" | "accesslog" => role.access = true,
            "lite" => role.lite = true,
            t if role.component.is_none() => role.component = canonical(t),
            _ => {}
        }
    }
    role
}

/// The component a caller (`pkg/file.go:line`, as zap's ShortCallerEncoder
/// writes it) belongs to, when its package is specific to one.
///
/// `components/<role>.go` names its role in the file. Helper packages that
/// several components share (`sessionutil`, `roles`, `paramtable`, ...) say
/// nothing, and the stream's own role applies.
pub fn from_caller(caller: &str) -> Option<&'static str> {
    let (pkg, file) = caller.split_once('/')?;
    if pkg == "components" {
        let stem = file.split(['.', ':']).next()?;
        return canonical(stem);
    }
    if let Some(c) = canonical(pkg) {
        return Some(c);
    }
    let c = match pkg {
        // internal/proxy/{accesslog,connection,privilege...}
        "accesslog" | "connection" => "proxy",
        // internal/querynodev2/{delegator,segments}
        "delegator" | "segments" => "querynode",
        // internal/datanode/{syncmgr,writebuffer,metacache,compaction} (flushcommon in 2.5)
        "syncmgr" | "writebuffer" | "metacache" | "compaction" => "datanode",
        _ => return None,
    };
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(p: &str) -> StreamRole {
        role_from_path(Some(Path::new(p)))
    }

    #[test]
    fn roles_from_file_names() {
        assert_eq!(
            role("/var/lib/milvus/logs/proxy-7.log").component,
            Some("proxy")
        );
        assert_eq!(
            role("proxy-7-2026-03-09T07-54-04.916.log").component,
            Some("proxy")
        );
        assert_eq!(role("mixcoord-2.log").component, Some("mixcoord"));
        assert_eq!(
            role("milvus-querynode-5f7c9_ns_querynode-0123.log").component,
            Some("querynode")
        );
        assert_eq!(role("standalone-1.log").component, Some("standalone"));
        let a = role("milvus_access.2026-03-09T10-14-26.085.log");
        assert!(a.access && a.component.is_none());
        let l = role("milvus_lite_server.log");
        assert!(l.lite && !l.access);
        assert_eq!(role("app.log"), StreamRole::default());
        assert_eq!(role_from_path(None), StreamRole::default());
    }

    #[test]
    fn components_from_callers() {
        assert_eq!(from_caller("proxy/impl.go:174"), Some("proxy"));
        assert_eq!(
            from_caller("querynodev2/services.go:331"),
            Some("querynode")
        );
        assert_eq!(from_caller("components/rootcoord.go:60"), Some("rootcoord"));
        assert_eq!(from_caller("delegator/delegator.go:382"), Some("querynode"));
        assert_eq!(from_caller("accesslog/writer.go:130"), Some("proxy"));
        assert_eq!(from_caller("sessionutil/session_util.go:290"), None);
        assert_eq!(from_caller("components/foo.go:1"), None);
        assert_eq!(from_caller("nocaller"), None);
    }
}
