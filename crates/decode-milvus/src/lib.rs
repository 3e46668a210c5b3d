//! Decoder for Milvus logs (docs/decoders/milvus.md):
//!
//! - the main log of every component, zap text encoder
//!   (`[2026/03/09 06:24:24.463 +00:00] [INFO] [proxy/impl.go:174] ["msg"] [k=v]...`)
//!   or JSON encoder (`{"level":"INFO","time":"2026/03/09 ...",...}`),
//!   dataset `milvus.<component>`;
//! - the proxy access log with the shipped and operator-extended
//!   formatters, dataset `milvus.access`;
//! - the C++ core's glog lines (milvus-lite, segcore on querynodes);
//! - pymilvus client lines, ANTLR expression errors and Go panics sharing
//!   the same stderr.
//!
//! Record kinds are decided per line ([`kind`]), since with default
//! settings all of them interleave on one stdout.

mod access;
mod access_event;
mod client;
mod component;
mod fields;
mod gostr;
mod kind;
mod mainlog;
mod methods;
mod native;
mod req;
mod semantics;
mod textscan;
mod zapjson;
mod zaptext;

pub use methods::act as actions;

use component::StreamRole;
use kind::Kind;
use sightline_decode::{
    Context, DecodeOptions, Event, Record, Source, StreamDecoder, StreamInfo, field,
};
use std::borrow::Cow;
use std::path::Path;

pub struct MilvusSource;

impl Source for MilvusSource {
    fn module(&self) -> &'static str {
        "milvus"
    }

    fn detect(&self, path: Option<&Path>, sample: &[&str]) -> u8 {
        detect(path, sample)
    }

    fn open(&self, stream: &StreamInfo, _options: &DecodeOptions) -> Box<dyn StreamDecoder> {
        Box::new(MilvusDecoder {
            role: component::role_from_path(stream.path.as_deref()),
        })
    }
}

/// Scores a stream: Milvus's own line formats are specific (the access
/// head, the zap time layout inside JSON, glog with `[SERVER][...]` tags);
/// the zap text layout is shared with other pingcap-log users (TiDB), so it
/// scores a little lower unless the file name is a Milvus role's.
fn detect(path: Option<&Path>, sample: &[&str]) -> u8 {
    let role = component::role_from_path(path);
    let named = role.component.is_some() || role.access || role.lite;
    let mut lines = 0u32;
    let mut best = 0u8;
    let mut hits = 0u32;
    for l in sample
        .iter()
        .map(|l| l.trim_end())
        .filter(|l| !l.is_empty())
    {
        lines += 1;
        let score = match kind::of(l) {
            Some(Kind::Access) => 98,
            Some(Kind::ZapJson) if kind::is_milvus_json(l) => 96,
            Some(Kind::Glog) if kind::is_milvus_glog(l) => 96,
            Some(Kind::ZapText) => {
                if named {
                    95
                } else {
                    88
                }
            }
            Some(Kind::Client) => 60,
            _ => 0,
        };
        if score > 0 {
            hits += 1;
            best = best.max(score);
        }
    }
    if lines == 0 {
        return if named { 20 } else { 0 };
    }
    // A few recognized lines among many foreign ones: less sure.
    if hits * 4 < lines { best / 3 } else { best }
}

#[derive(Debug)]
struct MilvusDecoder {
    role: StreamRole,
}

impl StreamDecoder for MilvusDecoder {
    fn continues(&mut self, line: &str) -> bool {
        kind::of(line).is_none()
    }

    fn carried_state(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let first = record.first_line();
        match kind::of(first) {
            Some(Kind::Access) => self.access(record, ctx),
            Some(Kind::ZapText) => self.zap_text(record, ctx),
            Some(Kind::ZapJson) => self.zap_json(record, ctx),
            Some(Kind::Glog) => self.glog(record, ctx),
            Some(Kind::Client) => self.client(record, ctx),
            Some(Kind::Antlr) => {
                let mut ev = ctx.new_event(record, "milvus", self.core_dataset());
                client::fill_antlr(&mut ev, record.body());
                ev
            }
            Some(Kind::Panic) => {
                let mut ev = ctx.new_event(record, "milvus", self.server_dataset());
                client::fill_panic(&mut ev, record.body());
                ev
            }
            None => self.failure(
                record,
                ctx,
                "not a Milvus log line (zap text/JSON, access, glog)",
            ),
        }
    }
}

impl MilvusDecoder {
    /// Dataset for lines whose component the line itself does not tell.
    fn server_dataset(&self) -> &'static str {
        component::dataset(self.role.component.unwrap_or(""))
    }

    /// Dataset of C++ core lines: the stream's component, else milvus-lite.
    fn core_dataset(&self) -> &'static str {
        match self.role.component {
            Some(c) => component::dataset(c),
            None => component::dataset("lite"),
        }
    }

    fn failure(&self, record: &Record<'_>, ctx: &Context<'_>, reason: &str) -> Event {
        let dataset = if self.role.access {
            "milvus.access"
        } else {
            self.server_dataset()
        };
        let mut ev = ctx.new_event(record, "milvus", dataset);
        ev.message = record.first_line().to_owned();
        ev.mark_parse_failure(reason);
        ev
    }

    fn access(&self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let text = record.body();
        let parsed = access::parse(text).or_else(|e| {
            if record.lines > 1 {
                access::parse(record.first_line())
            } else {
                Err(e)
            }
        });
        let a = match parsed {
            Ok(a) => a,
            Err(reason) => return self.failure(record, ctx, reason),
        };
        let Some(ts) = gostr::parse_zap_time(a.time, ctx.options) else {
            return self.failure(
                record,
                ctx,
                "access-log time is not 2006/01/02 15:04:05.000 -07:00",
            );
        };
        let mut ev = ctx.new_event(record, "milvus", "milvus.access");
        ctx.stamp(&mut ev, ts);
        ev.message = text
            .split_once(" [ACCESS] ")
            .map_or(text, |(_, m)| m)
            .to_owned();
        access_event::fill(&mut ev, &a);
        ev
    }

    fn zap_text(&self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let z = match zaptext::parse(record.body()) {
            Ok(z) => z,
            Err(reason) => return self.failure(record, ctx, reason),
        };
        let Some(ts) = gostr::parse_zap_time(z.time, ctx.options) else {
            return self.failure(
                record,
                ctx,
                "zap time is not 2006/01/02 15:04:05.000 -07:00",
            );
        };
        let mut ev = ctx.new_event(record, "milvus", self.server_dataset());
        ctx.stamp(&mut ev, ts);
        let entry = mainlog::Entry {
            level: z.level,
            logger: z.logger.as_deref(),
            caller: z.caller,
            message: &z.message,
            fields: &z.fields,
        };
        mainlog::fill(&mut ev, &entry, &self.role);
        trailing(&mut ev, z.rest);
        ev
    }

    fn zap_json(&self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let body = record.body();
        let (z, rest) = match zapjson::parse(body) {
            Ok(z) => (z, ""),
            Err(e) => match record.rest() {
                // A JSON entry followed by raw lines (a panic dump).
                Some(rest) => match zapjson::parse(record.first_line()) {
                    Ok(z) => (z, rest),
                    Err(_) => return self.failure(record, ctx, &e),
                },
                None => return self.failure(record, ctx, &e),
            },
        };
        let Some(ts) = gostr::parse_any_time(&z.time, ctx.options) else {
            return self.failure(
                record,
                ctx,
                "zap time is not 2006/01/02 15:04:05.000 -07:00",
            );
        };
        let mut ev = ctx.new_event(record, "milvus", self.server_dataset());
        ctx.stamp(&mut ev, ts);
        let entry = mainlog::Entry {
            level: &z.level,
            logger: z.logger.as_deref(),
            caller: z.caller.as_deref(),
            message: &z.message,
            fields: &z.fields,
        };
        mainlog::fill(&mut ev, &entry, &self.role);
        trailing_lines(&mut ev, "", rest);
        ev
    }

    fn glog(&self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let body = record.body();
        let Some(g) = sightline_decode::glog::parse(body) else {
            return self.failure(record, ctx, "glog header does not parse");
        };
        let mut ev = ctx.new_event(record, "milvus", self.core_dataset());
        let year = ctx
            .options
            .year
            .or_else(|| {
                ctx.last_timestamp
                    .map(|t| t.to_zoned(ctx.options.timezone.clone()).year())
            })
            .or_else(|| {
                ctx.stream
                    .modified
                    .map(|t| t.to_zoned(ctx.options.timezone.clone()).year())
            })
            .unwrap_or_else(|| jiff::Zoned::now().year());
        if let Some(ts) = g.datetime(year).and_then(|dt| ctx.options.local_to_utc(dt)) {
            ctx.stamp(&mut ev, ts);
        }
        let comp = ev
            .dataset
            .strip_prefix("milvus.")
            .unwrap_or("lite")
            .to_owned();
        ev.set(field::MILVUS_COMPONENT, comp.as_str());
        ev.set(field::SERVICE_NAME, comp);
        native::fill(&mut ev, &g);
        ev
    }

    fn client(&self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let Some(c) = client::parse(record.body(), ctx.options) else {
            return self.failure(record, ctx, "pymilvus line does not parse");
        };
        let mut ev = ctx.new_event(
            record,
            "milvus",
            Cow::Borrowed(component::dataset("client")),
        );
        if let Some(ts) = c.time {
            ctx.stamp(&mut ev, ts);
        }
        client::fill(&mut ev, &c);
        ev
    }
}

/// Text after a zap entry's last group. On the same line it is stray
/// bytes (kept as the `trailing` label); on further lines it is what the
/// process printed raw after the entry: a stack or goroutine dump after a
/// warning, error or panic entry (`error.stack_trace`), otherwise plain
/// output such as the startup banner (the `continuation` label).
fn trailing(ev: &mut Event, rest: &str) {
    let (same_line, more) = match rest.split_once('\n') {
        Some((line, more)) => (line, more),
        None => (rest, ""),
    };
    trailing_lines(ev, same_line, more);
}

fn trailing_lines(ev: &mut Event, same_line: &str, more: &str) {
    let same_line = same_line.trim();
    if !same_line.is_empty() {
        ev.label("trailing", same_line);
    }
    let more = more.trim_matches(['\n', '\r']);
    if more.is_empty() {
        return;
    }
    let severe = matches!(
        ev.level.as_deref(),
        Some("warning" | "error" | "critical" | "fatal" | "emergency")
    );
    let stack_like = more
        .lines()
        .any(|l| l.starts_with('\t') || l.starts_with("goroutine "));
    if (severe || stack_like) && !ev.fields.contains_key(field::ERROR_STACK_TRACE) {
        ev.set(field::ERROR_STACK_TRACE, more);
    } else {
        ev.label("continuation", more);
    }
}
