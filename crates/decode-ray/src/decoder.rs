//! The per-stream decoder: multi-line assembly by file kind, dispatch of
//! each record to its format, and the context a stream carries from record
//! to record (the worker's current job/task/actor, the node and host).

use crate::fields::action as ra;
use crate::header;
use crate::layout::{FileInfo, Kind, Mode};
use crate::output::{self, Marker};
use crate::traceback::{self, TRACEBACK_START};
use crate::{cpp, events, jsonlog, python};
use sightline_decode::helpers::{normalize_level, parse_local_datetime};
use sightline_decode::{Context, Event, Record, StreamDecoder};
use sightline_event::{Outcome, action, field};

/// What started the record being assembled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Start {
    /// The first record of the stream (or one after a size cut): not seen by `continues`.
    Unknown,
    /// A C++, Python or Serve header line.
    Header,
    /// A line of raw output.
    Raw,
    /// A record that is always one line (JSON, worker markers, the entrypoint line).
    Single,
}

/// Where a traceback in the pending record stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tb {
    None,
    /// `Traceback (most recent call last):` seen.
    Started,
    /// Inside the `File "...", line N` frames.
    Frames,
    /// The exception line was read.
    Done,
    /// A chained-exception separator was read; another traceback may follow.
    Chained,
}

pub struct RayDecoder {
    info: FileInfo,
    pending: Start,
    tb: Tb,
    /// Worker output markers: later lines inherit them (ray-logs.md §4.4).
    job_id: Option<String>,
    task_name: Option<String>,
    actor_name: Option<String>,
    /// The node and host of a per-node stream, once a record names them.
    node_id: Option<String>,
    host: Option<String>,
}

fn is_header(line: &str) -> bool {
    header::is_cpp(line) || header::is_py(line) || header::is_serve(line)
}

impl RayDecoder {
    fn is_single(&self, line: &str) -> bool {
        line.starts_with('{') || output::marker(line).is_some() || self.entrypoint(line).is_some()
    }

    /// The entrypoint line; in a job driver log it may follow unterminated output.
    fn entrypoint<'a>(&self, line: &'a str) -> Option<(&'a str, &'a str, &'a str)> {
        if matches!(self.info.kind, Kind::JobDriver { .. }) {
            output::entrypoint_anywhere(line)
        } else {
            output::entrypoint(line)
        }
    }
}

impl RayDecoder {
    pub(crate) fn new(info: FileInfo) -> Self {
        RayDecoder {
            info,
            pending: Start::Unknown,
            tb: Tb::None,
            job_id: None,
            task_name: None,
            actor_name: None,
            node_id: None,
            host: None,
        }
    }

    /// Notes the start of a new record.
    fn begin(&mut self, line: &str) {
        (self.pending, self.tb) = if is_header(line) {
            (Start::Header, Tb::None)
        } else if self.is_single(line) {
            (Start::Single, Tb::None)
        } else if line.starts_with(TRACEBACK_START) {
            (Start::Raw, Tb::Started)
        } else {
            (Start::Raw, Tb::None)
        };
    }

    /// Continuation in raw output: indented lines and the parts of a Python traceback.
    fn output_continues(&mut self, line: &str) -> bool {
        if is_header(line) || self.is_single(line) {
            return false;
        }
        match self.pending {
            Start::Single => return false,
            Start::Header if self.info.mode == Mode::Mixed => return true,
            _ => {}
        }
        if line.starts_with([' ', '\t']) {
            if line.trim_start().starts_with("File \"") {
                self.tb = Tb::Frames;
            }
            return true;
        }
        if line.starts_with(TRACEBACK_START) {
            // A traceback continues a log record (`logger.exception`) or a chain.
            if self.tb == Tb::Chained || (self.pending == Start::Header && self.tb == Tb::None) {
                self.tb = Tb::Started;
                return true;
            }
            return false;
        }
        if traceback::is_chain_line(line) {
            if self.tb == Tb::Done {
                self.tb = Tb::Chained;
                return true;
            }
            return false;
        }
        if self.tb == Tb::Frames {
            // The exception line ends the traceback.
            self.tb = Tb::Done;
            return true;
        }
        false
    }

    fn header_time(&self, ev: &mut Event, ts: &str, ctx: &Context<'_>) -> bool {
        match parse_local_datetime(ts, ctx.options) {
            Some(t) => {
                ctx.stamp(ev, t);
                true
            }
            None => {
                ev.mark_parse_failure(format!("invalid timestamp {ts:?} in a Ray log header"));
                false
            }
        }
    }

    fn decode_json(&mut self, ev: &mut Event, text: &str, ctx: &Context<'_>) -> bool {
        let Ok(obj) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text)
        else {
            return false;
        };
        if events::is_event(&obj) {
            if self.info.kind == Kind::Unknown {
                ev.dataset = "ray.event".into();
            }
            events::fill(ev, &obj, ctx);
            true
        } else if jsonlog::is_log_record(&obj) {
            jsonlog::fill(ev, &obj, ctx);
            true
        } else {
            false
        }
    }

    fn decode_marker(&mut self, ev: &mut Event, m: Marker<'_>) {
        ev.add_category("process");
        match m {
            Marker::Job(j) => {
                self.job_id = (!j.is_empty()).then(|| j.to_owned());
                self.task_name = None;
                self.actor_name = None;
                ev.set_action(ra::WORKER_JOB_BOUND);
                ev.add_type("change");
            }
            Marker::Task(t) => {
                self.task_name = (!t.is_empty()).then(|| t.to_owned());
                self.actor_name = None;
                ev.set_action(ra::TASK_STARTED);
                ev.add_type("start");
            }
            Marker::Actor(a) => {
                self.actor_name = (!a.is_empty()).then(|| a.to_owned());
                self.task_name = None;
                ev.set_action(ra::ACTOR_STARTED);
                ev.add_type("start");
            }
        }
        ev.outcome = Outcome::Success;
        if self.info.kind == Kind::Unknown {
            ev.dataset = "ray.worker".into();
        }
    }

    /// Dataset of a record in a file not known by name, from its content.
    fn content_dataset(ev: &Event) -> Option<&'static str> {
        Some(match ev.get_str(field::RAY_COMPONENT) {
            Some("gcs_server") => "ray.gcs",
            Some("raylet") => "ray.raylet",
            Some(_) => return None,
            None if ev.get_str(field::LOG_ORIGIN_FILE) == Some("web_log.py") => "ray.dashboard",
            None if ev
                .get_str(field::LOG_ORIGIN_FILE)
                .is_some_and(|f| f.ends_with(".cc") || f.ends_with(".h")) =>
            {
                "ray.core_worker"
            }
            None => return None,
        })
    }

    fn decode_text(&mut self, ev: &mut Event, body: &str, ctx: &Context<'_>) {
        let (first, rest) = match body.split_once('\n') {
            Some((f, r)) => (f, Some(r)),
            None => (body, None),
        };
        if let Some(h) = header::parse_cpp(first) {
            if self.header_time(ev, h.ts, ctx) {
                cpp::fill(ev, &h, rest);
            } else {
                ev.message = body.to_owned();
            }
        } else if let Some(h) = header::parse_py(first) {
            if self.header_time(ev, h.ts, ctx) {
                python::fill(ev, &h, rest);
            } else {
                ev.message = body.to_owned();
            }
        } else if let Some(h) = header::parse_serve(first) {
            if self.header_time(ev, h.ts, ctx) {
                serve(ev, &h, rest);
            } else {
                ev.message = body.to_owned();
            }
        } else if first.starts_with('{') && self.decode_json(ev, body, ctx) {
        } else if let Some(m) = output::marker(first) {
            ev.message = body.to_owned();
            self.decode_marker(ev, m);
        } else if let Some((before, sid, cmd)) = self.entrypoint(first) {
            output::fill_entrypoint(ev, before, sid, cmd);
            if self.info.kind == Kind::Unknown {
                ev.dataset = "ray.job".into();
            }
        } else if self.info.mode == Mode::Log {
            // A record whose header came before this file began (a rotated
            // file starts mid-dump) or a runaway record cut at the size limit.
            ev.message = body.to_owned();
            ev.label("fragment", "true");
            traceback::apply(ev, body);
        } else {
            output::fill(ev, body);
        }
        if self.info.kind == Kind::Unknown
            && let Some(d) = Self::content_dataset(ev)
        {
            ev.dataset = d.into();
        }
    }

    /// `debug_state.txt`: the raylet's periodic state snapshot.
    fn decode_state(&mut self, ev: &mut Event, body: &str) {
        ev.kind = "state".into();
        ev.message = body.to_owned();
        ev.add_category("host").add_type("info");
        for line in body.lines().take(50) {
            if let Some(id) = line.strip_prefix("Node ID: ") {
                ev.set(field::RAY_NODE_ID, id.trim());
            } else if let Some(n) = line.strip_prefix("Node name: ") {
                ev.set(crate::fields::NODE_NAME, n.trim());
            }
        }
    }

    /// Context from the file name and from earlier records of the stream.
    fn finish(&mut self, ev: &mut Event) {
        if ev.get(field::SERVICE_NAME).is_none()
            && let Some(s) = &self.info.service
        {
            ev.set(field::SERVICE_NAME, s.as_str());
        }
        let set_if_absent = |ev: &mut Event, name: &'static str, v: Option<&String>| {
            if let Some(v) = v
                && ev.get(name).is_none()
            {
                ev.set(name, v.as_str());
            }
        };
        match &self.info.kind {
            Kind::Worker {
                worker_id,
                job_id,
                pid,
            } => {
                set_if_absent(ev, field::RAY_WORKER_ID, worker_id.as_ref());
                set_if_absent(
                    ev,
                    field::RAY_JOB_ID,
                    self.job_id.as_ref().or(job_id.as_ref()),
                );
                set_if_absent(ev, field::RAY_TASK_NAME, self.task_name.as_ref());
                set_if_absent(ev, field::RAY_ACTOR_NAME, self.actor_name.as_ref());
                if let Some(p) = pid
                    && ev.get(field::PROCESS_PID).is_none()
                {
                    ev.set(field::PROCESS_PID, i64::from(*p));
                }
            }
            Kind::JobDriver { submission_id } | Kind::Supervisor { submission_id } => {
                set_if_absent(ev, field::RAY_JOB_SUBMISSION_ID, Some(submission_id));
            }
            Kind::RuntimeEnvSetup { job_id } => {
                set_if_absent(ev, field::RAY_JOB_ID, job_id.as_ref())
            }
            Kind::CoreWorker {
                driver,
                worker_id,
                pid,
            } => {
                set_if_absent(ev, field::RAY_WORKER_ID, worker_id.as_ref());
                // A driver's worker id is its job id padded with `f` (§3).
                if *driver
                    && let Some(job) = worker_id.as_ref().and_then(|w| w.get(..8))
                    && ev.get(field::RAY_JOB_ID).is_none()
                {
                    ev.set(field::RAY_JOB_ID, job);
                }
                if let Some(p) = pid
                    && ev.get(field::PROCESS_PID).is_none()
                {
                    ev.set(field::PROCESS_PID, i64::from(*p));
                }
            }
            Kind::Events { source } => {
                set_if_absent(ev, field::RAY_EVENT_SOURCE_TYPE, Some(source))
            }
            _ => {}
        }
        self.learn_node(ev);
        let per_node = !matches!(
            self.info.kind,
            Kind::Gcs | Kind::Events { .. } | Kind::Unknown
        );
        if per_node {
            set_if_absent(ev, field::RAY_NODE_ID, self.node_id.clone().as_ref());
        }
        set_if_absent(ev, field::HOST_NAME, self.host.clone().as_ref());
    }

    /// Records that name the stream's own node and host.
    fn learn_node(&mut self, ev: &Event) {
        let msg = ev.message.as_str();
        let own = ev.action.as_deref() == Some(ra::NODE_STARTED)
            || msg.starts_with("Setting node ID")
            || msg.starts_with("Initializing NodeManager")
            || msg.starts_with("Initializing worker at address")
            || (matches!(self.info.kind, Kind::Gcs) && msg.starts_with("GCS node ID initialized"));
        if own {
            if let Some(n) = ev.get_str(field::RAY_NODE_ID) {
                self.node_id = Some(n.to_owned());
            }
            if let Some(h) = ev.get_str(field::HOST_NAME) {
                self.host = Some(h.to_owned());
            }
        }
    }
}

/// A Ray Serve component record.
fn serve(ev: &mut Event, h: &header::ServeLine<'_>, rest: Option<&str>) {
    ev.level = Some(normalize_level(h.level).to_owned());
    ev.set(field::LOG_ORIGIN_FILE, h.file);
    ev.set(field::LOG_ORIGIN_LINE, i64::from(h.line));
    ev.set(field::SERVICE_NAME, format!("serve_{}", h.component));
    ev.label("component_id", h.component_id);
    if !h.extra.is_empty() {
        ev.label("request", h.extra);
    }
    ev.message = match rest {
        Some(r) => format!("{}\n{}", h.msg, r),
        None => h.msg.to_owned(),
    };
    if let Some(r) = rest {
        traceback::apply(ev, r);
    }
}

impl StreamDecoder for RayDecoder {
    fn continues(&mut self, line: &str) -> bool {
        match self.info.mode {
            Mode::Whole => true,
            Mode::Json => false,
            Mode::Log => {
                let start = is_header(line) || line.starts_with("{\"");
                if start {
                    self.begin(line);
                }
                !start
            }
            Mode::Output | Mode::Mixed => {
                let c = self.output_continues(line);
                if !c {
                    self.begin(line);
                }
                c
            }
        }
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        let mut ev = ctx.new_event(record, "ray", self.info.dataset);
        let body = record.body();
        match self.info.mode {
            Mode::Whole => self.decode_state(&mut ev, body),
            Mode::Json => {
                let line = body.trim();
                if line.is_empty() {
                    ev.message = String::new();
                    ev.label("blank", "true");
                } else if !self.decode_json(&mut ev, line, ctx) {
                    ev.message = body.to_owned();
                    ev.mark_parse_failure(
                        "not a Ray event: expected one JSON object with source_type or event_data",
                    );
                }
            }
            _ => self.decode_text(&mut ev, body, ctx),
        }
        if ev.level.is_none()
            && let Some(l) = ev.get_str(crate::fields::EVENT_SEVERITY)
        {
            ev.level = Some(normalize_level(l).to_owned());
        }
        if ev.outcome == Outcome::Unknown && ev.action.as_deref() == Some(action::PROCESS_STARTED) {
            ev.outcome = Outcome::Success;
        }
        self.finish(&mut ev);
        ev
    }
}
