//! The per-stream decoder: multi-line assembly by file kind, dispatch of
//! each record to its format, and the context a stream carries from record
//! to record (the worker's current job/task/actor, the node and host).

use crate::fields::action as ra;
use crate::header;
use crate::layout::{FileInfo, Kind, Mode};
use crate::output::{self, Marker};
use crate::traceback::{self, TRACEBACK_START};
use crate::{cpp, events, jsonlog, python};
use sightline_decode::helpers::{normalize_level, parse_epoch_int, parse_local_datetime};
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

#[derive(Debug)]
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
            // (An unseen first record may be a log line too.)
            if self.tb == Tb::Chained
                || (matches!(self.pending, Start::Header | Start::Unknown) && self.tb == Tb::None)
            {
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
        // Ray's context filter appends the record time as `timestamp_ns`
        // (UTC): exact where the header's local time needs a zone (§4.8).
        if let Some(t) = ev
            .labels
            .remove("timestamp_ns")
            .and_then(|ns| ns.parse::<i64>().ok())
            .and_then(parse_epoch_int)
        {
            ctx.stamp(ev, t);
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
        // An empty header message (`autoscaler.py:408 -- `) is followed by its block.
        Some(r) if h.msg.trim().is_empty() => r.to_owned(),
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

    /// A file read as one record (a state dump) cannot be cut.
    fn carried_state(&self) -> Option<String> {
        (self.info.mode != Mode::Whole).then(|| format!("{self:?}"))
    }
}

#[cfg(test)]
mod tests {
    use crate::RaySource;
    use sightline_decode::{Assembler, DecodeOptions, Event, Source, StreamInfo, tags};
    use std::sync::Arc;

    /// Feeds `text` line by line, as the pipeline does, for a file at `path`.
    fn run(path: &str, text: &str) -> Vec<Event> {
        let stream = StreamInfo::for_path(path);
        let opts = Arc::new(DecodeOptions::default());
        let mut asm = Assembler::new(RaySource.open(&stream, &opts), stream, opts);
        let mut out = Vec::new();
        let mut offset = 0u64;
        let mut lines = 0u64;
        for l in text.split('\n') {
            lines += 1;
            out.extend(asm.push(l, offset));
            offset += l.len() as u64 + 1;
        }
        out.extend(asm.finish());
        assert_eq!(asm.emitted_lines(), lines, "a line was lost or doubled");
        out
    }

    const LOGS: &str = "/tmp/ray/session_2026-11-22_12-37-06_990969_7821/logs/";

    #[test]
    fn cpp_state_dumps_are_one_record() {
        let text = "[2026-11-22 12:37:07,035 I 7822 7822] (gcs_server) gcs_server.cc:1307: Gcs Debug state:\n\nGcsNodeManager: \n- RegisterNode request count: 0\n\tindented stat\n[2026-11-22 12:37:07,036 I 7822 7822] (gcs_server) gcs_init_data.cc:48: Loading job table data.";
        let evs = run(&format!("{LOGS}gcs_server.out"), text);
        assert_eq!(evs.len(), 2);
        assert!(evs[0].has_tag(tags::MULTILINE));
        assert!(
            evs[0]
                .message
                .starts_with("Gcs Debug state:\n\nGcsNodeManager:")
        );
        assert_eq!(evs[1].message, "Loading job table data.");
        assert_eq!(evs[0].timestamp.to_string(), "2026-11-22T12:37:07.035Z");
    }

    #[test]
    fn worker_output_markers_and_tracebacks() {
        let text = ":job_id:05000000\n:task_name:read_sensitive\n[sensitive-read] read /etc/shadow: 675 bytes\nTraceback (most recent call last):\n  File \"/srv/x.py\", line 3, in f\n    open(p)\nPermissionError: [Errno 13] Permission denied: '/root/.ssh/id_rsa'\nafter\n:actor_name:MemHog\n[memhog] allocated 100 MB";
        let evs = run(
            &format!(
                "{LOGS}worker-cd2e6bf90017ab13451acb43bb8dbb6773fd2910fc85f2b4580a5b90-05000000-15359.out"
            ),
            text,
        );
        let msgs: Vec<&str> = evs
            .iter()
            .map(|e| e.message.lines().next().unwrap_or(""))
            .collect();
        assert_eq!(
            msgs,
            [
                ":job_id:05000000",
                ":task_name:read_sensitive",
                "[sensitive-read] read /etc/shadow: 675 bytes",
                "Traceback (most recent call last):",
                "after",
                ":actor_name:MemHog",
                "[memhog] allocated 100 MB"
            ]
        );
        let tb = &evs[3];
        assert_eq!(tb.get_str("error.type"), Some("PermissionError"));
        assert_eq!(tb.get_str("ray.task.name"), Some("read_sensitive"));
        assert_eq!(evs[2].get_str("ray.job.id"), Some("05000000"));
        assert_eq!(evs[2].get_i64("process.pid"), Some(15359));
        assert_eq!(evs[6].get_str("ray.actor.name"), Some("MemHog"));
        assert_eq!(evs[6].get("ray.task.name"), None);
        assert!(
            evs.iter()
                .all(|e| e.dataset == "ray.worker" && e.is_decoded())
        );
    }

    #[test]
    fn logger_exception_in_output_keeps_its_traceback() {
        let text = "2026-11-22 12:40:00,000\tERROR worker.py:1 -- task failed\nTraceback (most recent call last):\n  File \"x.py\", line 1, in <module>\nValueError: bad\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File \"y.py\", line 2, in <module>\nRuntimeError: worse\nplain line";
        let evs = run(&format!("{LOGS}worker-aa-01000000-1.err"), text);
        assert_eq!(evs.len(), 2);
        assert_eq!(evs[0].get_str("error.type"), Some("RuntimeError"));
        assert_eq!(evs[1].message, "plain line");
    }

    #[test]
    fn job_driver_entrypoint_and_output() {
        let text = "2026-11-22 12:38:19,255\tINFO job_manager.py:581 -- Runtime env is setting up.\nburst-1\nRunning entrypoint for job burst_dev_1: echo burst-1; sleep 1";
        let evs = run(&format!("{LOGS}job-driver-burst_dev_1.log"), text);
        assert_eq!(evs.len(), 3);
        assert_eq!(evs[1].message, "burst-1");
        assert_eq!(evs[1].get_str("ray.job.submission_id"), Some("burst_dev_1"));
        assert_eq!(
            evs[2].get_str("process.command_line"),
            Some("echo burst-1; sleep 1")
        );
        assert_eq!(evs[2].timestamp.to_string(), "2026-11-22T12:38:19.255Z");
        assert!(evs[2].has_tag(tags::TIMESTAMP_INFERRED));
    }

    #[test]
    fn structured_text_context_gives_the_exact_time() {
        let text = "2026-11-22 12:38:20,985\tINFO job_supervisor.py:375 -- Submitting job with RAY_ADDRESS = 127.0.0.1:6379 job_id=02000000 actor_name=_ray_internal_job_actor_burst_dev_1 timestamp_ns=1795351100985671702";
        let evs = run(&format!("{LOGS}jobs/supervisor-burst_dev_1.log"), text);
        assert_eq!(
            evs[0].timestamp.to_string(),
            "2026-11-22T12:38:20.985671702Z"
        );
        assert_eq!(evs[0].get("labels.timestamp_ns"), None);
        assert_eq!(evs[0].get_str("ray.job.submission_id"), Some("burst_dev_1"));
    }

    #[test]
    fn events_files_are_one_object_per_line() {
        let text = "{\"event_id\": \"x\", \"source_type\": \"JOBS\", \"message\": \"Started a ray job a.\", \"timestamp\": \"1795351084\", \"severity\": \"INFO\", \"label\": \"\"}\n{not json\n[1, 2]\n\n";
        let evs = run(&format!("{LOGS}events/event_JOBS.log"), text);
        assert_eq!(evs.len(), 3);
        assert!(evs[0].is_decoded());
        assert!(evs[1].has_tag(tags::PARSE_FAILURE));
        assert!(evs[2].has_tag(tags::PARSE_FAILURE));
    }

    #[test]
    fn node_and_host_are_inherited_within_a_raylet_stream() {
        let text = "[2026-11-22 12:37:10,250 I 8138 8138] (raylet) main.cc:300: Setting node ID node_id=a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590\n[2026-11-22 12:37:12,700 I 8138 8138] (raylet) node_manager.cc:440: Raylet of id, a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590 started. node_manager address: 127.0.0.1:41565 hostname: vm\n[2026-11-22 12:37:24,245 W 8138 8148] (raylet) store.cc:366: Disconnecting client due to connection error with code 2: End of file";
        let evs = run(&format!("{LOGS}raylet.out"), text);
        assert_eq!(
            evs[2].get_str("ray.node.id"),
            Some("a18a45fcdc2fe56546c99ed6dfb8d949048d3d0ecf715a9e0027c590")
        );
        assert_eq!(evs[2].get_str("host.name"), Some("vm"));
    }

    #[test]
    fn a_rotated_file_starting_mid_record_is_a_fragment() {
        let text = "[state-dump] \tNodeManagerService.grpc_server - 1 total\n[state-dump] more\n[2026-11-22 12:37:10,250 I 8138 8138] (raylet) main.cc:300: next";
        let evs = run(&format!("{LOGS}raylet.out.1"), text);
        assert_eq!(evs.len(), 2);
        assert!(evs[0].is_decoded());
        assert_eq!(evs[0].get_str("labels.fragment"), Some("true"));
    }

    #[test]
    fn unknown_files_choose_the_dataset_by_content() {
        let text = "[2026-11-22 12:37:12,763 I 7822 7837] (gcs_server) gcs_node_manager.cc:111: Registering new node. node_id=a1\n2026-11-22 12:37:43,229\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'GET /api/jobs/ HTTP/1.1' 401 205 bytes 447 us '-' 'curl/7.88.1'\n:job_id:01000000\nhello";
        let evs = run("/var/tmp/collected.log", text);
        let ds: Vec<&str> = evs.iter().map(|e| e.dataset.as_ref()).collect();
        assert_eq!(ds, ["ray.gcs", "ray.dashboard", "ray.worker", "ray.log"]);
    }

    #[test]
    fn hostile_input_never_panics_and_keeps_every_line() {
        let long = "x".repeat(200_000);
        let cases: Vec<String> = vec![
            String::new(),
            "\n\n\n".into(),
            "[".into(),
            "[2026-11-22 12:37:07,012 I 7822 7822".into(),
            "[2026-13-45 99:99:99,999 I 1 1] a.cc:1: bad time".into(),
            "[2026-11-22 12:37:07,012 I 7822 7822] (gcs_server) gcs_é.cc:1: m é=ü".into(),
            "2026-11-22 12:37:07,85é\tINFO x.py:1 -- m".into(),
            "2026-11-22 12:37:07,858\tINFO web_log.py:229 -- é [x] 'GET /é HTTP/1.1' 200 é bytes é us 'é' 'é".into(),
            "2026-11-22 12:37:07,858\tINFO web_log.py:229 -- 1.2.3.4 [t] '".into(),
            "{\"asctime\": 1, \"levelname\": [], \"message\": {}}".into(),
            "{\"event_data\": {\"job_id\": \"@@@\", \"state_ts_ns\": {\"99\": \"x\"}}, \"source_type\": \"EXPORT_TASK\", \"event_id\": 1}".into(),
            "{\"event_data\": 5, \"source_type\": \"EXPORT_ACTOR\", \"event_id\": \"e\", \"timestamp\": -1}".into(),
            ":job_id:".into(),
            "Running entrypoint for job x: ".into(),
            "Traceback (most recent call last):\n  File \"a\"\n".into(),
            "\u{fffd}\u{fffd}\u{0}\u{1b}[31mgarbage\u{7f}".into(),
            "Killing 1 worker(s), kill details: Memory on the node (IP: , ID: ".into(),
            format!("[2026-11-22 12:37:07,012 I 1 1] a.cc:1: {long}"),
            long.clone(),
        ];
        for path in [
            format!("{LOGS}raylet.out"),
            format!("{LOGS}dashboard.log"),
            format!("{LOGS}worker-ab-01000000-1.err"),
            format!("{LOGS}job-driver-x.log"),
            format!("{LOGS}events/event_RAYLET.log"),
            format!("{LOGS}export_events/event_EXPORT_TASK_1.log"),
            format!("{LOGS}debug_state.txt"),
            "/fuzz/input.log".to_string(),
        ] {
            for c in &cases {
                for e in run(&path, c) {
                    assert!(!e.to_json().is_empty());
                }
            }
            let all = cases.join("\n");
            run(&path, &all);
        }
    }

    /// Random splices of real line shapes and random bytes, for every file
    /// kind: no panic, every line in exactly one event (checked by `run`).
    #[test]
    fn random_splices_of_real_shapes() {
        let pieces = [
            "[2026-11-22 12:37:07,012 I 7822 7822] (gcs_server) gcs_node_manager.cc:111: Registering new node. node_id=",
            "2026-11-22 12:37:43,237\tINFO web_log.py:229 -- 127.0.0.1 [22/Nov/2026:12:37:43 +0000] 'POST /api/jobs/ HTTP/1.1' 401 ",
            "{\"event_data\":{\"job_id\":\"AQAAAA==\",\"state\":\"DEAD\",\"death_cause\":{\"oom_context\":{\"error_message\":\"Selected to kill: (pid=",
            ":job_id:",
            ":task_name:",
            "Running entrypoint for job ",
            "Traceback (most recent call last):",
            "  File \"x\"",
            "ValueError: ",
            "During handling of the above exception, another exception occurred:",
            "\t",
            " ",
            "é",
            "\u{1b}[0m",
            "=",
            "'",
            "\"",
            "(",
            ")",
            "[",
            "]",
            "{",
            "}",
            ",",
            ": ",
            " -- ",
            "ld.so: object '",
            "Killing 1 worker(s), kill details: ",
        ];
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let paths = [
            format!("{LOGS}gcs_server.out"),
            format!("{LOGS}dashboard.log"),
            format!("{LOGS}worker-ab-01000000-1.out"),
            format!("{LOGS}job-driver-x.log"),
            format!("{LOGS}export_events/event_EXPORT_ACTOR.log"),
            "/fuzz/input.log".to_string(),
        ];
        for round in 0..300 {
            let mut text = String::new();
            for _ in 0..(next() % 40) {
                match next() % 4 {
                    0 => text.push('\n'),
                    1 => text.push(char::from_u32((next() % 0x3000) as u32).unwrap_or('?')),
                    _ => text.push_str(pieces[(next() % pieces.len() as u64) as usize]),
                }
            }
            run(&paths[round % paths.len()], &text);
        }
    }
}
