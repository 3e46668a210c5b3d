//! What each Milvus API method means for security: its `event.action`,
//! ECS category and types. Method names are the gRPC names the access log
//! prints (`$method_name`, the last element of the full method) and that
//! proxy log lines start with (`DropCollection done`); RESTful paths map to
//! the same names.

use sightline_event::action;

/// Milvus-specific `event.action` values (documented in docs/decoders/milvus.md).
pub mod act {
    pub const COLLECTION_CREATED: &str = "collection-created";
    pub const COLLECTION_DELETED: &str = "collection-deleted";
    pub const COLLECTION_ALTERED: &str = "collection-altered";
    pub const COLLECTION_RENAMED: &str = "collection-renamed";
    pub const COLLECTION_TRUNCATED: &str = "collection-truncated";
    pub const DATABASE_CREATED: &str = "database-created";
    pub const DATABASE_DELETED: &str = "database-deleted";
    pub const DATABASE_ALTERED: &str = "database-altered";
    pub const PARTITION_CREATED: &str = "partition-created";
    pub const PARTITION_DELETED: &str = "partition-deleted";
    pub const INDEX_CREATED: &str = "index-created";
    pub const INDEX_DELETED: &str = "index-deleted";
    pub const ALIAS_CREATED: &str = "alias-created";
    pub const ALIAS_DELETED: &str = "alias-deleted";
    pub const ALIAS_ALTERED: &str = "alias-altered";
    pub const DATA_INSERTED: &str = "data-inserted";
    pub const DATA_UPSERTED: &str = "data-upserted";
    pub const DATA_DELETED: &str = "data-deleted";
    pub const DATA_IMPORTED: &str = "data-imported";
    pub const DATA_SEARCHED: &str = "data-searched";
    pub const DATA_QUERIED: &str = "data-queried";
    /// OperateUserRole whose direction (add/remove) the line does not tell.
    pub const USER_ROLE_CHANGED: &str = "user-role-changed";
    /// OperatePrivilege(V2) whose direction (grant/revoke) the line does not tell.
    pub const PRIVILEGE_CHANGED: &str = "privilege-changed";
    pub const PRIVILEGE_GROUP_CREATED: &str = "privilege-group-created";
    pub const PRIVILEGE_GROUP_DELETED: &str = "privilege-group-deleted";
    pub const PRIVILEGE_GROUP_CHANGED: &str = "privilege-group-changed";
    pub const RBAC_EXPORTED: &str = "rbac-exported";
    pub const RBAC_RESTORED: &str = "rbac-restored";
    /// A request exceeded `proxy.slowQuerySpanInSeconds`.
    pub const SLOW_QUERY: &str = "slow-query";
    /// The quota center found a resource over its limit and restricts requests.
    pub const QUOTA_EXCEEDED: &str = "quota-exceeded";
    /// A Milvus component finished starting.
    pub const SERVICE_STARTED: &str = "service-started";
}

/// How a method is categorized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    pub action: Option<&'static str>,
    pub category: &'static str,
    pub types: &'static [&'static str],
    pub class: Class,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `Connect`: the session handshake, where credentials are checked first.
    Connect,
    /// Users, roles, privileges (RBAC).
    Iam,
    /// Databases, collections, partitions, indexes, aliases.
    Ddl,
    /// Writes and deletes of entities.
    Dml,
    /// Searches and queries.
    Dql,
    Other,
}

const fn m(
    action: Option<&'static str>,
    category: &'static str,
    types: &'static [&'static str],
    class: Class,
) -> MethodInfo {
    MethodInfo {
        action,
        category,
        types,
        class,
    }
}

/// The meaning of a gRPC method name, if it is one Sightline knows.
pub fn info(method: &str) -> Option<MethodInfo> {
    use Class::*;
    const IAM: &str = "iam";
    const DB: &str = "database";
    let i = match method {
        "Connect" => m(None, "authentication", &["start"], Connect),
        "CreateCredential" => m(Some(action::USER_CREATED), IAM, &["user", "creation"], Iam),
        "UpdateCredential" => m(
            Some(action::CREDENTIAL_CHANGED),
            IAM,
            &["user", "change"],
            Iam,
        ),
        "DeleteCredential" => m(Some(action::USER_DELETED), IAM, &["user", "deletion"], Iam),
        "CreateRole" => m(Some(action::ROLE_CREATED), IAM, &["group", "creation"], Iam),
        "DropRole" => m(Some(action::ROLE_DELETED), IAM, &["group", "deletion"], Iam),
        "OperateUserRole" => m(Some(act::USER_ROLE_CHANGED), IAM, &["user", "change"], Iam),
        "OperatePrivilege" | "OperatePrivilegeV2" => {
            m(Some(act::PRIVILEGE_CHANGED), IAM, &["group", "change"], Iam)
        }
        "CreatePrivilegeGroup" => m(
            Some(act::PRIVILEGE_GROUP_CREATED),
            IAM,
            &["group", "creation"],
            Iam,
        ),
        "DropPrivilegeGroup" => m(
            Some(act::PRIVILEGE_GROUP_DELETED),
            IAM,
            &["group", "deletion"],
            Iam,
        ),
        "OperatePrivilegeGroup" => m(
            Some(act::PRIVILEGE_GROUP_CHANGED),
            IAM,
            &["group", "change"],
            Iam,
        ),
        "BackupRBAC" => m(Some(act::RBAC_EXPORTED), IAM, &["admin", "access"], Iam),
        "RestoreRBAC" => m(Some(act::RBAC_RESTORED), IAM, &["admin", "change"], Iam),
        "SelectUser"
        | "SelectRole"
        | "SelectGrant"
        | "ListCredUsers"
        | "ListPrivilegeGroups"
        | "DescribeUser" => m(None, IAM, &["info"], Iam),
        "CreateDatabase" => m(Some(act::DATABASE_CREATED), DB, &["creation"], Ddl),
        "DropDatabase" => m(Some(act::DATABASE_DELETED), DB, &["deletion"], Ddl),
        "AlterDatabase" => m(Some(act::DATABASE_ALTERED), DB, &["change"], Ddl),
        "CreateCollection" => m(Some(act::COLLECTION_CREATED), DB, &["creation"], Ddl),
        "DropCollection" => m(Some(act::COLLECTION_DELETED), DB, &["deletion"], Ddl),
        "AlterCollection" | "AlterCollectionField" | "AddCollectionField" => {
            m(Some(act::COLLECTION_ALTERED), DB, &["change"], Ddl)
        }
        "RenameCollection" => m(Some(act::COLLECTION_RENAMED), DB, &["change"], Ddl),
        "TruncateCollection" => m(Some(act::COLLECTION_TRUNCATED), DB, &["deletion"], Ddl),
        "CreatePartition" => m(Some(act::PARTITION_CREATED), DB, &["creation"], Ddl),
        "DropPartition" => m(Some(act::PARTITION_DELETED), DB, &["deletion"], Ddl),
        "CreateIndex" => m(Some(act::INDEX_CREATED), DB, &["creation"], Ddl),
        "DropIndex" => m(Some(act::INDEX_DELETED), DB, &["deletion"], Ddl),
        "CreateAlias" => m(Some(act::ALIAS_CREATED), DB, &["creation"], Ddl),
        "DropAlias" => m(Some(act::ALIAS_DELETED), DB, &["deletion"], Ddl),
        "AlterAlias" => m(Some(act::ALIAS_ALTERED), DB, &["change"], Ddl),
        "Insert" => m(Some(act::DATA_INSERTED), DB, &["change"], Dml),
        "Upsert" => m(Some(act::DATA_UPSERTED), DB, &["change"], Dml),
        "Delete" => m(Some(act::DATA_DELETED), DB, &["deletion"], Dml),
        "Import" | "ImportV2" => m(Some(act::DATA_IMPORTED), DB, &["change"], Dml),
        "Search" | "HybridSearch" | "SearchV2" => m(Some(act::DATA_SEARCHED), DB, &["access"], Dql),
        "Query" | "QueryV2" => m(Some(act::DATA_QUERIED), DB, &["access"], Dql),
        "DescribeCollection"
        | "HasCollection"
        | "ShowCollections"
        | "GetCollectionStatistics"
        | "ListDatabases"
        | "DescribeDatabase"
        | "ShowPartitions"
        | "HasPartition"
        | "DescribeIndex"
        | "GetIndexState"
        | "GetIndexBuildProgress"
        | "GetLoadingProgress"
        | "GetLoadState"
        | "DescribeAlias"
        | "ListAliases"
        | "GetPartitionStatistics"
        | "GetFlushState"
        | "GetImportProgress"
        | "ListImports"
        | "GetStatistics" => m(None, DB, &["info"], Other),
        "LoadCollection" | "ReleaseCollection" | "LoadPartitions" | "ReleasePartitions"
        | "Flush" | "FlushAll" | "ManualCompaction" => m(None, DB, &["change"], Other),
        _ => return None,
    };
    Some(i)
}

/// Direction of a role or privilege change, when the request tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Grant,
    Revoke,
}

/// The action of a directed IAM change.
pub fn directed_action(method: &str, dir: Direction) -> Option<&'static str> {
    match (method, dir) {
        ("OperateUserRole" | "OperatePrivilege" | "OperatePrivilegeV2", Direction::Grant) => {
            Some(action::PRIVILEGE_GRANTED)
        }
        ("OperateUserRole" | "OperatePrivilege" | "OperatePrivilegeV2", Direction::Revoke) => {
            Some(action::PRIVILEGE_REVOKED)
        }
        _ => None,
    }
}

/// Maps a RESTful path (the access log prints the path as `$method_name`
/// for HTTP calls) to the gRPC method it performs, with the direction of
/// grant/revoke endpoints.
pub fn from_rest_path(path: &str) -> Option<(&'static str, Option<Direction>)> {
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    let rest = path
        .strip_prefix("/v2/vectordb/")
        .or_else(|| path.strip_prefix("/v1/vector/"))
        .or_else(|| path.strip_prefix("/api/v1/"))?;
    let (entity, verb) = rest.rsplit_once('/').unwrap_or(("", rest));
    use Direction::*;
    let r = match (entity, verb) {
        ("collections", "create") | ("", "collections/create") => ("CreateCollection", None),
        ("collections", "drop") => ("DropCollection", None),
        ("collections", "describe") => ("DescribeCollection", None),
        ("collections", "list") | ("", "collections") => ("ShowCollections", None),
        ("collections", "has") => ("HasCollection", None),
        ("collections", "rename") => ("RenameCollection", None),
        ("collections", "load") => ("LoadCollection", None),
        ("collections", "release") => ("ReleaseCollection", None),
        ("collections", "get_stats") => ("GetCollectionStatistics", None),
        ("collections", "get_load_state") => ("GetLoadState", None),
        ("collections", "alter_properties" | "drop_properties") => ("AlterCollection", None),
        ("collections", "alter_field_properties") => ("AlterCollectionField", None),
        ("collections", "flush") => ("Flush", None),
        ("collections", "compact") => ("ManualCompaction", None),
        ("entities" | "", "search") => ("Search", None),
        ("entities", "advanced_search" | "hybrid_search") => ("HybridSearch", None),
        ("entities" | "", "query" | "get") => ("Query", None),
        ("entities" | "", "insert") => ("Insert", None),
        ("entities" | "", "upsert") => ("Upsert", None),
        ("entities" | "", "delete") => ("Delete", None),
        ("partitions", "create") => ("CreatePartition", None),
        ("partitions", "drop") => ("DropPartition", None),
        ("partitions", "list") => ("ShowPartitions", None),
        ("partitions", "has") => ("HasPartition", None),
        ("partitions", "load") => ("LoadPartitions", None),
        ("partitions", "release") => ("ReleasePartitions", None),
        ("users", "create") => ("CreateCredential", None),
        ("users", "drop") => ("DeleteCredential", None),
        ("users", "update_password") => ("UpdateCredential", None),
        ("users", "list") => ("ListCredUsers", None),
        ("users", "describe") => ("SelectUser", None),
        ("users", "grant_role") => ("OperateUserRole", Some(Grant)),
        ("users", "revoke_role") => ("OperateUserRole", Some(Revoke)),
        ("roles", "create") => ("CreateRole", None),
        ("roles", "drop") => ("DropRole", None),
        ("roles", "list") => ("SelectRole", None),
        ("roles", "describe") => ("SelectGrant", None),
        ("roles", "grant_privilege") => ("OperatePrivilege", Some(Grant)),
        ("roles", "revoke_privilege") => ("OperatePrivilege", Some(Revoke)),
        ("roles", "grant_privilege_v2") => ("OperatePrivilegeV2", Some(Grant)),
        ("roles", "revoke_privilege_v2") => ("OperatePrivilegeV2", Some(Revoke)),
        ("privilege_groups", "create") => ("CreatePrivilegeGroup", None),
        ("privilege_groups", "drop") => ("DropPrivilegeGroup", None),
        ("privilege_groups", "list") => ("ListPrivilegeGroups", None),
        ("privilege_groups", "add_privileges_to_group" | "remove_privileges_from_group") => {
            ("OperatePrivilegeGroup", None)
        }
        ("indexes", "create") => ("CreateIndex", None),
        ("indexes", "drop") => ("DropIndex", None),
        ("indexes", "list" | "describe") => ("DescribeIndex", None),
        ("aliases", "create") => ("CreateAlias", None),
        ("aliases", "drop") => ("DropAlias", None),
        ("aliases", "alter") => ("AlterAlias", None),
        ("aliases", "list") => ("ListAliases", None),
        ("aliases", "describe") => ("DescribeAlias", None),
        ("databases", "create") => ("CreateDatabase", None),
        ("databases", "drop") => ("DropDatabase", None),
        ("databases", "list") => ("ListDatabases", None),
        ("databases", "describe") => ("DescribeDatabase", None),
        ("databases", "alter") => ("AlterDatabase", None),
        ("jobs/import", "create") => ("Import", None),
        ("jobs/import", "list") => ("ListImports", None),
        ("jobs/import", "get_progress" | "describe") => ("GetImportProgress", None),
        _ => return None,
    };
    Some(r)
}

/// The method a main-log message starts with, when its first word is a
/// known method name (`DropCollection done`, `OperateUserRole success`,
/// `Search slow`), and the rest of the message (the phase: received,
/// done, slow...). Prose forms ("received request to drop collection")
/// are found by [`crate::textscan`].
pub fn first_word(msg: &str) -> Option<(&'static str, &str)> {
    let first_len = msg.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let first = &msg[..first_len];
    if first.len() > 2
        && first.as_bytes()[0].is_ascii_uppercase()
        && let Some(name) = canonical_name(first)
    {
        return Some((name, msg[first_len..].trim_start()));
    }
    None
}

/// The static name of a method Sightline knows (so events can borrow it).
fn canonical_name(name: &str) -> Option<&'static str> {
    KNOWN.iter().copied().find(|k| *k == name)
}

/// Method names with an entry in [`info`] (and a few more the proxy logs).
const KNOWN: &[&str] = &[
    "Connect",
    "CreateCredential",
    "UpdateCredential",
    "DeleteCredential",
    "CreateRole",
    "DropRole",
    "OperateUserRole",
    "OperatePrivilege",
    "OperatePrivilegeV2",
    "CreatePrivilegeGroup",
    "DropPrivilegeGroup",
    "OperatePrivilegeGroup",
    "BackupRBAC",
    "RestoreRBAC",
    "SelectUser",
    "SelectRole",
    "SelectGrant",
    "ListCredUsers",
    "ListPrivilegeGroups",
    "DescribeUser",
    "CreateDatabase",
    "DropDatabase",
    "AlterDatabase",
    "CreateCollection",
    "DropCollection",
    "AlterCollection",
    "AlterCollectionField",
    "AddCollectionField",
    "RenameCollection",
    "TruncateCollection",
    "CreatePartition",
    "DropPartition",
    "CreateIndex",
    "DropIndex",
    "CreateAlias",
    "DropAlias",
    "AlterAlias",
    "Insert",
    "Upsert",
    "Delete",
    "Import",
    "ImportV2",
    "Search",
    "HybridSearch",
    "SearchV2",
    "Query",
    "QueryV2",
    "DescribeCollection",
    "HasCollection",
    "ShowCollections",
    "GetCollectionStatistics",
    "ListDatabases",
    "DescribeDatabase",
    "ShowPartitions",
    "HasPartition",
    "DescribeIndex",
    "GetIndexState",
    "GetIndexBuildProgress",
    "GetLoadingProgress",
    "GetLoadState",
    "DescribeAlias",
    "ListAliases",
    "GetPartitionStatistics",
    "GetFlushState",
    "GetImportProgress",
    "ListImports",
    "GetStatistics",
    "LoadCollection",
    "ReleaseCollection",
    "LoadPartitions",
    "ReleasePartitions",
    "Flush",
    "FlushAll",
    "ManualCompaction",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_has_info() {
        for k in KNOWN {
            assert!(info(k).is_some(), "{k}");
        }
        assert!(info("NoSuchMethod").is_none());
    }

    #[test]
    fn message_methods() {
        assert_eq!(
            first_word("DropCollection done"),
            Some(("DropCollection", "done"))
        );
        assert_eq!(first_word("OperateUserRole"), Some(("OperateUserRole", "")));
        assert_eq!(first_word("Search slow"), Some(("Search", "slow")));
        assert_eq!(first_word("Searching"), None);
        assert_eq!(first_word("received request to drop collection"), None);
        assert_eq!(first_word(""), None);
        assert_eq!(first_word("é"), None);
    }

    #[test]
    fn rest_paths() {
        assert_eq!(
            from_rest_path("/v2/vectordb/collections/drop"),
            Some(("DropCollection", None))
        );
        assert_eq!(
            from_rest_path("/v2/vectordb/users/grant_role"),
            Some(("OperateUserRole", Some(Direction::Grant)))
        );
        assert_eq!(
            from_rest_path("/v2/vectordb/jobs/import/create"),
            Some(("Import", None))
        );
        assert_eq!(
            from_rest_path("/v2/vectordb/entities/search?x=1"),
            Some(("Search", None))
        );
        assert_eq!(from_rest_path("/v1/vector/search"), Some(("Search", None)));
        assert_eq!(from_rest_path("/healthz"), None);
    }
}
