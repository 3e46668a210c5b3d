//! Sigma's taxonomy field names rewritten to ours when a rule compiles: the
//! processing pipeline pySigma's ECS pipelines apply before a backend, done
//! natively, so SigmaHQ's rules run unchanged.
//!
//! SigmaHQ's rules name fields the way the log sources they were written for
//! do (the taxonomy appendix of the Sigma specification): W3C names in
//! webserver and proxy rules (`cs-uri-query`, `cs-method`, `c-useragent`,
//! `sc-status`), Sysmon names in process, file and network rules (`Image`,
//! `CommandLine`, `ParentImage`, `User`). Our events carry ECS names. Each
//! [`Scope`] holds the mappings of one group of log source categories; a
//! rule gets those of its own `logsource.category` only, so `User` is
//! `user.name` in a process rule and means nothing in a webserver rule.
//!
//! A Sigma name mapped to several of ours becomes the OR of the same test on
//! each (pySigma's `FieldMappingTransformation` with a list): a selection map
//! holding such items turns into the alternatives of its combinations.
//! Names that are not in a table (ours among them) stay as written.
//! docs/rules.md section 3 has the tables; keep both in step.

use crate::modifiers::Modifier;
use crate::rule::{Detection, FieldItem, LogSource, Scalar, SearchBody};
use sightline_event::field;

/// One Sigma taxonomy field and the fields of ours it means.
#[derive(Debug, Clone, Copy)]
pub struct Mapping {
    pub sigma: &'static str,
    pub ours: &'static [&'static str],
}

/// The mappings of a group of log source categories.
#[derive(Debug, Clone, Copy)]
pub struct Scope {
    /// `logsource.category` values the mappings apply to.
    pub categories: &'static [&'static str],
    pub fields: &'static [Mapping],
}

const fn m(sigma: &'static str, ours: &'static [&'static str]) -> Mapping {
    Mapping { sigma, ours }
}

/// W3C extended log fields of webserver and proxy rules. SigmaHQ's webserver
/// rules put the whole request target (path and query) in `cs-uri-query`
/// (`cs-uri-query|contains: '/../vpns/'`, `cs-uri-query: '/ui/.../uploadova'`)
/// and a few the query proper (`cs-uri-query|startswith: 'cmd='`,
/// `cs-uri-query: null`), so it is either: `url.original`, the request target
/// as the request line has it, or `url.query`.
const WEB: &[Mapping] = &[
    m("cs-uri-query", &[field::URL_ORIGINAL, field::URL_QUERY]),
    m("cs-uri-stem", &[field::URL_PATH]),
    m("cs-uri", &[field::URL_ORIGINAL]),
    m("c-uri", &[field::URL_ORIGINAL]),
    m("c-uri-query", &[field::URL_QUERY]),
    m("c-uri-stem", &[field::URL_PATH]),
    m("c-uri-extension", &["url.extension"]),
    m("cs-method", &[field::HTTP_REQUEST_METHOD]),
    m("sc-status", &[field::HTTP_RESPONSE_STATUS_CODE]),
    m("c-useragent", &[field::USER_AGENT_ORIGINAL]),
    m("cs-user-agent", &[field::USER_AGENT_ORIGINAL]),
    m("cs-referer", &[field::HTTP_REQUEST_REFERRER]),
    m("cs-referrer", &[field::HTTP_REQUEST_REFERRER]),
    m("cs-version", &[field::HTTP_VERSION]),
    m("sc-bytes", &[field::HTTP_RESPONSE_BODY_BYTES]),
    m("cs-bytes", &[field::HTTP_REQUEST_BODY_BYTES]),
    m("cs-host", &["url.domain", "destination.domain"]),
    m("r-dns", &["url.domain", "destination.domain"]),
    m("cs-cookie", &["http.cookie"]),
    m("cs-content-type", &["http.request.mime_type"]),
    m("cs-username", &[field::USER_NAME]),
    m("c-ip", &[field::SOURCE_IP]),
    m("src_ip", &[field::SOURCE_IP]),
    m("src_port", &[field::SOURCE_PORT]),
    m("s-ip", &[field::DESTINATION_IP]),
    m("dst_ip", &[field::DESTINATION_IP]),
    m("s-port", &[field::DESTINATION_PORT]),
    m("dst_port", &[field::DESTINATION_PORT]),
    m("s-computername", &[field::HOST_NAME]),
];

/// Sysmon names of process creation rules (ECS as in pySigma's `ecs_windows`).
const PROCESS: &[Mapping] = &[
    m("CommandLine", &[field::PROCESS_COMMAND_LINE]),
    m("Image", &["process.executable"]),
    m("ProcessId", &[field::PROCESS_PID]),
    m("ProcessGuid", &["process.entity_id"]),
    m("CurrentDirectory", &["process.working_directory"]),
    m("User", &[field::USER_NAME]),
    m("ParentImage", &["process.parent.executable"]),
    m("ParentCommandLine", &["process.parent.command_line"]),
    m("ParentProcessId", &["process.parent.pid"]),
    m("ParentProcessGuid", &["process.parent.entity_id"]),
    m("OriginalFileName", &["process.pe.original_file_name"]),
    m("Description", &["process.pe.description"]),
    m("Product", &["process.pe.product"]),
    m("Company", &["process.pe.company"]),
    m("FileVersion", &["process.pe.file_version"]),
    m("md5", &["process.hash.md5"]),
    m("sha1", &["process.hash.sha1"]),
    m("sha256", &["process.hash.sha256"]),
    m("imphash", &["process.pe.imphash"]),
];

/// Sysmon names of file event rules.
const FILE: &[Mapping] = &[
    m("TargetFilename", &[field::FILE_PATH]),
    m("Image", &["process.executable"]),
    m("ProcessId", &[field::PROCESS_PID]),
    m("User", &[field::USER_NAME]),
];

/// Sysmon names of network connection rules, and the firewall category's.
const NETWORK: &[Mapping] = &[
    m("DestinationIp", &[field::DESTINATION_IP]),
    m("DestinationPort", &[field::DESTINATION_PORT]),
    m("DestinationHostname", &["destination.domain"]),
    m("SourceIp", &[field::SOURCE_IP]),
    m("SourcePort", &[field::SOURCE_PORT]),
    m("SourceHostname", &["source.domain"]),
    m("Protocol", &[field::NETWORK_TRANSPORT]),
    m("Image", &["process.executable"]),
    m("ProcessId", &[field::PROCESS_PID]),
    m("User", &[field::USER_NAME]),
    m("src_ip", &[field::SOURCE_IP]),
    m("src_port", &[field::SOURCE_PORT]),
    m("dst_ip", &[field::DESTINATION_IP]),
    m("dst_port", &[field::DESTINATION_PORT]),
    m("username", &[field::USER_NAME]),
];

/// Every scope, in the order docs/rules.md lists them.
pub const SCOPES: &[Scope] = &[
    Scope {
        categories: &["webserver", "proxy"],
        fields: WEB,
    },
    Scope {
        categories: &["process_creation"],
        fields: PROCESS,
    },
    Scope {
        categories: &["file_event", "file_access"],
        fields: FILE,
    },
    Scope {
        categories: &["network_connection", "firewall"],
        fields: NETWORK,
    },
];

/// A selection map may grow into at most this many alternatives.
const MAX_ALTERNATIVES: usize = 256;

/// The mappings that apply to a rule with `logsource`.
pub fn mappings_for(logsource: &LogSource) -> &'static [Mapping] {
    let Some(category) = logsource.category.as_deref() else {
        return &[];
    };
    SCOPES
        .iter()
        .find(|s| s.categories.contains(&category))
        .map(|s| s.fields)
        .unwrap_or(&[])
}

/// What mapping a detection did: the names it rewrote, for lint and docs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// (line, Sigma name, our names), once per name.
    pub mapped: Vec<(usize, &'static str, &'static [&'static str])>,
}

impl Applied {
    fn note(&mut self, line: usize, sigma: &'static str, ours: &'static [&'static str]) {
        if !self.mapped.iter().any(|(_, s, _)| *s == sigma) {
            self.mapped.push((line, sigma, ours));
        }
    }
}

/// Rewrites the Sigma taxonomy names of a detection to ours, for a rule with
/// `logsource`. Errors (with their line) when a selection would grow past
/// [`MAX_ALTERNATIVES`].
pub fn map_detection(
    logsource: &LogSource,
    det: &Detection,
) -> Result<(Detection, Applied), (usize, String)> {
    let table = mappings_for(logsource);
    let mut applied = Applied::default();
    if table.is_empty() {
        return Ok((det.clone(), applied));
    }
    let mut out = det.clone();
    for s in &mut out.searches {
        s.body = map_body(table, &s.body, s.line, &mut applied)?;
    }
    Ok((out, applied))
}

fn map_body(
    table: &'static [Mapping],
    body: &SearchBody,
    line: usize,
    applied: &mut Applied,
) -> Result<SearchBody, (usize, String)> {
    Ok(match body {
        SearchBody::Keywords(v) => SearchBody::Keywords(v.clone()),
        SearchBody::AnyOf(bodies) => SearchBody::AnyOf(
            bodies
                .iter()
                .map(|b| map_body(table, b, line, applied))
                .collect::<Result<_, _>>()?,
        ),
        SearchBody::Map(items) => {
            // Per item, the items it stands for (one per target field).
            let choices: Vec<Vec<FieldItem>> = items
                .iter()
                .map(|it| map_item(table, it, applied))
                .collect();
            let combinations = choices
                .iter()
                .try_fold(1usize, |n, c| n.checked_mul(c.len().max(1)))
                .unwrap_or(usize::MAX);
            if combinations == 1 {
                SearchBody::Map(choices.into_iter().flatten().collect())
            } else if combinations > MAX_ALTERNATIVES {
                return Err((
                    line,
                    format!(
                        "mapping Sigma taxonomy fields to ours makes this selection {combinations} \
                         alternatives (at most {MAX_ALTERNATIVES}); split the selection"
                    ),
                ));
            } else {
                let mut alts: Vec<Vec<FieldItem>> = vec![Vec::new()];
                for c in &choices {
                    alts = alts
                        .iter()
                        .flat_map(|a| {
                            c.iter().map(move |it| {
                                let mut a = a.clone();
                                a.push(it.clone());
                                a
                            })
                        })
                        .collect();
                }
                SearchBody::AnyOf(alts.into_iter().map(SearchBody::Map).collect())
            }
        }
    })
}

/// The items one item stands for: one per target field (the first keeps its
/// place), or the item itself when its name is not mapped.
fn map_item(table: &'static [Mapping], item: &FieldItem, applied: &mut Applied) -> Vec<FieldItem> {
    let mut item = item.clone();
    let line = item.line;
    if item.modifiers.contains(&Modifier::FieldRef) {
        // The values name fields too; several targets are alternatives of the value list.
        item.values = item
            .values
            .iter()
            .flat_map(|v| match v {
                Scalar::Str(name) => match table.iter().find(|x| x.sigma == name) {
                    Some(x) => {
                        applied.note(line, x.sigma, x.ours);
                        x.ours
                            .iter()
                            .map(|o| Scalar::Str((*o).to_owned()))
                            .collect()
                    }
                    None => vec![v.clone()],
                },
                other => vec![other.clone()],
            })
            .collect();
    }
    let Some(x) = table.iter().find(|x| x.sigma == item.field) else {
        return vec![item];
    };
    applied.note(line, x.sigma, x.ours);
    x.ours
        .iter()
        .map(|o| FieldItem {
            field: (*o).to_owned(),
            ..item.clone()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Search;

    fn ls(category: &str) -> LogSource {
        LogSource {
            category: Some(category.into()),
            ..Default::default()
        }
    }

    fn item(field: &str, mods: &[Modifier], v: &str) -> FieldItem {
        FieldItem {
            field: field.into(),
            modifiers: mods.to_vec(),
            values: vec![Scalar::Str(v.into())],
            line: 7,
        }
    }

    fn det(body: SearchBody) -> Detection {
        Detection {
            searches: vec![Search {
                name: "sel".into(),
                line: 6,
                body,
            }],
            conditions: vec![("sel".into(), 9)],
        }
    }

    fn fields(b: &SearchBody) -> Vec<Vec<String>> {
        match b {
            SearchBody::Map(items) => vec![items.iter().map(|i| i.field.clone()).collect()],
            SearchBody::AnyOf(bs) => bs.iter().flat_map(fields).collect(),
            SearchBody::Keywords(_) => vec![vec![]],
        }
    }

    #[test]
    fn no_sigma_name_is_one_of_ours() {
        // Rules already written with our names must come out unchanged.
        for scope in SCOPES {
            for x in scope.fields {
                assert!(!field::is_known(x.sigma), "{} is ours", x.sigma);
                assert!(!x.ours.is_empty(), "{} maps to nothing", x.sigma);
            }
        }
    }

    #[test]
    fn single_targets_rename_in_place() {
        let d = det(SearchBody::Map(vec![
            item("cs-method", &[], "GET"),
            item("c-useragent", &[Modifier::Contains], "sqlmap"),
            item("url.path", &[], "/x"),
        ]));
        let (out, applied) = map_detection(&ls("webserver"), &d).unwrap();
        assert_eq!(
            fields(&out.searches[0].body),
            [["http.request.method", "user_agent.original", "url.path"]]
        );
        assert_eq!(applied.mapped.len(), 2);
        assert_eq!(out.conditions, d.conditions);
    }

    #[test]
    fn several_targets_become_alternatives() {
        let d = det(SearchBody::Map(vec![
            item("cs-method", &[], "GET"),
            item("cs-uri-query", &[Modifier::Contains], "../"),
        ]));
        let (out, _) = map_detection(&ls("webserver"), &d).unwrap();
        assert_eq!(
            fields(&out.searches[0].body),
            [
                ["http.request.method", "url.original"],
                ["http.request.method", "url.query"]
            ]
        );
        // Two multi-target items: every combination.
        let d = det(SearchBody::Map(vec![
            item("cs-uri-query", &[], "a"),
            item("cs-host", &[], "b"),
        ]));
        let (out, _) = map_detection(&ls("proxy"), &d).unwrap();
        assert_eq!(fields(&out.searches[0].body).len(), 4);
    }

    #[test]
    fn mappings_follow_the_category() {
        let d = det(SearchBody::Map(vec![item("User", &[], "root")]));
        let (out, _) = map_detection(&ls("process_creation"), &d).unwrap();
        assert_eq!(fields(&out.searches[0].body), [["user.name"]]);
        // `User` means nothing to a webserver rule, and nothing is mapped without a category.
        let (out, applied) = map_detection(&ls("webserver"), &d).unwrap();
        assert_eq!(fields(&out.searches[0].body), [["User"]]);
        assert!(applied.mapped.is_empty());
        let (out, _) = map_detection(&LogSource::default(), &d).unwrap();
        assert_eq!(out, d);
    }

    #[test]
    fn fieldref_values_are_mapped() {
        let d = det(SearchBody::Map(vec![item(
            "ParentImage",
            &[Modifier::FieldRef],
            "Image",
        )]));
        let (out, _) = map_detection(&ls("process_creation"), &d).unwrap();
        let SearchBody::Map(items) = &out.searches[0].body else {
            panic!("{:?}", out.searches[0].body)
        };
        assert_eq!(items[0].field, "process.parent.executable");
        assert_eq!(items[0].values, [Scalar::Str("process.executable".into())]);
    }

    #[test]
    fn growth_is_bounded() {
        let items: Vec<FieldItem> = (0..9).map(|_| item("cs-uri-query", &[], "x")).collect();
        let e = map_detection(&ls("webserver"), &det(SearchBody::Map(items))).unwrap_err();
        assert_eq!(e.0, 6);
        assert!(e.1.contains("512 alternatives"), "{}", e.1);
    }
}
