//! The OCSF 1.8.0 classes Sightline emits, with their activity enums.
//!
//! Only the activities an ECS event can be mapped to are listed; an activity
//! that none of them fits becomes 99 Other (named after `event.action`), or
//! 0 Unknown when the event names no action at all.

/// An OCSF event class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OcsfClass {
    pub uid: u32,
    pub name: &'static str,
    pub category_uid: u32,
    pub category_name: &'static str,
    /// `activity_id` values and their captions, as the class defines them.
    pub activities: &'static [(u32, &'static str)],
}

impl OcsfClass {
    /// The caption of an activity id of this class.
    pub fn activity_caption(&self, id: u32) -> Option<&'static str> {
        match id {
            0 => Some("Unknown"),
            99 => Some("Other"),
            _ => self
                .activities
                .iter()
                .find(|(i, _)| *i == id)
                .map(|(_, c)| *c),
        }
    }
}

const IAM: (u32, &str) = (3, "Identity & Access Management");
const APPLICATION: (u32, &str) = (6, "Application Activity");

const fn class(
    uid: u32,
    name: &'static str,
    category: (u32, &'static str),
    activities: &'static [(u32, &'static str)],
) -> OcsfClass {
    OcsfClass {
        uid,
        name,
        category_uid: category.0,
        category_name: category.1,
        activities,
    }
}

pub const AUTHENTICATION: OcsfClass =
    class(3002, "Authentication", IAM, &[(1, "Logon"), (2, "Logoff")]);
pub const ACCOUNT_CHANGE: OcsfClass = class(
    3001,
    "Account Change",
    IAM,
    &[(1, "Create"), (3, "Password Change"), (6, "Delete")],
);
pub const GROUP_MANAGEMENT: OcsfClass = class(
    3006,
    "Group Management",
    IAM,
    &[
        (1, "Assign Privileges"),
        (2, "Revoke Privileges"),
        (5, "Delete"),
        (6, "Create"),
    ],
);
pub const HTTP_ACTIVITY: OcsfClass = class(
    4002,
    "HTTP Activity",
    (4, "Network Activity"),
    &[
        (1, "Connect"),
        (2, "Delete"),
        (3, "Get"),
        (4, "Head"),
        (5, "Options"),
        (6, "Post"),
        (7, "Put"),
        (8, "Trace"),
        (9, "Patch"),
    ],
);
pub const PROCESS_ACTIVITY: OcsfClass = class(
    1007,
    "Process Activity",
    (1, "System Activity"),
    &[(1, "Launch"), (2, "Terminate")],
);
pub const API_ACTIVITY: OcsfClass = class(
    6003,
    "API Activity",
    APPLICATION,
    &[(1, "Create"), (2, "Read"), (3, "Update"), (4, "Delete")],
);
pub const APPLICATION_LIFECYCLE: OcsfClass = class(
    6002,
    "Application Lifecycle",
    APPLICATION,
    &[(3, "Start"), (4, "Stop")],
);
pub const BASE_EVENT: OcsfClass = class(0, "Base Event", (0, "Uncategorized"), &[]);

/// Every class [`super::to_ocsf`] can emit.
pub const ALL: &[OcsfClass] = &[
    AUTHENTICATION,
    ACCOUNT_CHANGE,
    GROUP_MANAGEMENT,
    HTTP_ACTIVITY,
    PROCESS_ACTIVITY,
    API_ACTIVITY,
    APPLICATION_LIFECYCLE,
    BASE_EVENT,
];
