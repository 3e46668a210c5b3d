//! The stream decoder: glog headers, glog records (with their continuation
//! lines), link stubs, and task output in sandboxes.

use crate::msg::{self, Line};
use crate::naming;
use crate::output;
use crate::stream::StreamState;
use crate::wrapped::{self, Wrapped};
use sightline_decode::{
    Context, DecodeOptions, Event, Record, StreamDecoder, StreamInfo, field, glog, helpers,
};

#[derive(Debug)]
pub struct MesosDecoder {
    st: StreamState,
}

impl MesosDecoder {
    pub fn new(stream: &StreamInfo, options: &DecodeOptions) -> Self {
        MesosDecoder {
            st: StreamState::new(stream, options),
        }
    }
}

/// The three lines glog 0.4 writes at the top of every file (0.5+ adds a fourth).
fn header(line: &str) -> Option<Header<'_>> {
    if let Some(v) = line.strip_prefix("Log file created at: ") {
        return Some(Header::Created(v.trim()));
    }
    if let Some(v) = line.strip_prefix("Running on machine: ") {
        return Some(Header::Machine(v.trim()));
    }
    if line.starts_with("Log line format: ") || line.starts_with("Running duration (h:mm:ss): ") {
        return Some(Header::Other);
    }
    None
}

enum Header<'a> {
    Created(&'a str),
    Machine(&'a str),
    Other,
}

/// `2026/11/20 06:00:00`
fn parse_created(s: &str) -> Option<jiff::civil::DateTime> {
    let (date, time) = s.split_once(' ')?;
    let mut d = date.split('/');
    let (y, m, dd) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let mut t = time.split(':');
    let (h, mi, se) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    jiff::civil::DateTime::new(y, m, dd, h, mi, se, 0).ok()
}

impl StreamDecoder for MesosDecoder {
    fn carried_state(&self) -> Option<String> {
        Some(format!("{self:?}"))
    }
    fn continues(&mut self, line: &str) -> bool {
        // Task output is free text: one line, one event. In glog files a line
        // without a glog prefix belongs to the record before it.
        if self.st.is_sandbox() || header(line).is_some() {
            return false;
        }
        if glog::parse(line).is_some() {
            return false;
        }
        // Behind a syslog/journald prefix every line carries the prefix: a
        // Mesos daemon's line continues unless it starts a glog record;
        // another program's line never does.
        match wrapped::parse_any(line) {
            Some(w) if naming::is_mesos_program(w.program) => glog::parse(w.body).is_none(),
            Some(_) => false,
            None => true,
        }
    }

    fn decode(&mut self, record: &Record<'_>, ctx: &Context<'_>) -> Event {
        // Most records are one line: skip the scan for a line break.
        let first = if record.lines > 1 {
            record.first_line()
        } else {
            record.text
        };
        if let Some(g) = glog::parse(first) {
            return self.decode_glog(&g, None, record, ctx);
        }
        if let Some(w) = wrapped::parse(first)
            && let Some(g) = glog::parse(w.body)
        {
            return self.decode_glog(&g, Some(&w), record, ctx);
        }
        if self.st.is_sandbox() {
            let mut ev = self.start(record, ctx, crate::stream::Role::Task);
            output::decode(first, &mut ev, ctx, &mut self.st);
            return ev;
        }
        let role = self.st.last_role;
        let mut ev = self.start(record, ctx, role);
        ev.message = record.text.to_owned();
        if let Some(h) = header(first) {
            match h {
                Header::Created(v) => {
                    if let Some(dt) = parse_created(v) {
                        self.st.clock.restart(dt.year(), dt.month());
                        if let Some(ts) = ctx.options.local_to_utc(dt) {
                            ctx.stamp(&mut ev, ts);
                        }
                    }
                }
                Header::Machine(host) => {
                    if !host.is_empty() {
                        self.st.host = Some(host.to_owned());
                        if ctx.stream.host.is_none() {
                            ev.set(field::HOST_NAME, host);
                        }
                    }
                }
                Header::Other => {}
            }
            ev.label("glog_header", "true");
            return ev;
        }
        if let Some(w) = wrapped::parse_any(first) {
            // Another program's line in a journal export of a Mesos unit
            // (systemd starting or stopping it): kept, with its prefix read.
            ev.message = w.body.to_owned();
            ev.set(field::SERVICE_NAME, w.program);
            if ctx.stream.host.is_none() {
                ev.set(field::HOST_NAME, w.host);
            }
            if let Some(pid) = w.pid {
                ev.set(field::PROCESS_PID, pid);
            }
            ev.label("syslog_program", w.program);
            return ev;
        }
        if let Some(target) = stub_line(first) {
            // A symlink kept as a file holding its target's name.
            ev.label("link_target", target);
            return ev;
        }
        ev.mark_parse_failure(
            "not a glog line (expected `Lmmdd hh:mm:ss.uuuuuu thread file:line] msg`)",
        );
        ev
    }
}

/// A line that is only a glog file name (the content of a link stub).
fn stub_line(line: &str) -> Option<&str> {
    let name = line.trim();
    let base = name.rsplit('/').next()?;
    naming::parse_glog_name(base).map(|_| name)
}

impl MesosDecoder {
    /// The event with the fields every line of this stream shares.
    fn start(&self, record: &Record<'_>, ctx: &Context<'_>, role: crate::stream::Role) -> Event {
        let mut ev = ctx.new_event(record, "mesos", role.dataset());
        if ctx.stream.host.is_none()
            && let Some(h) = &self.st.host
        {
            ev.set(field::HOST_NAME, h.as_str());
        }
        match &self.st.program {
            Some(p) => ev.set(field::SERVICE_NAME, p.as_str()),
            None => ev.set(field::SERVICE_NAME, role.service()),
        };
        if let Some(pid) = self.st.pid {
            ev.set(field::PROCESS_PID, pid);
        }
        if let Some(s) = &self.st.sandbox {
            ev.set(field::MESOS_AGENT_ID, s.agent_id.as_str());
            ev.set(field::MESOS_FRAMEWORK_ID, s.framework_id.as_str());
            ev.set(field::MESOS_EXECUTOR_ID, s.executor_id.as_str());
            if let Some(c) = &s.container_id {
                ev.set(field::MESOS_CONTAINER_ID, c.as_str());
            }
            if let Some(t) = &s.task_id {
                ev.set(field::MESOS_TASK_ID, t.as_str());
            }
            ev.label("sandbox_stream", s.stream);
        }
        ev
    }

    fn decode_glog(
        &mut self,
        g: &glog::GlogLine<'_>,
        wrapper: Option<&Wrapped<'_>>,
        record: &Record<'_>,
        ctx: &Context<'_>,
    ) -> Event {
        let role = match wrapper.and_then(|w| naming::program_role(w.program)) {
            Some(r) if self.st.fixed_role.is_none() => r,
            _ => self.st.role_for(g.file),
        };
        let mut ev = self.start(record, ctx, role);
        if let Some(w) = wrapper {
            // The collector's prefix names the daemon, its host and pid.
            ev.set(field::SERVICE_NAME, w.program);
            if ctx.stream.host.is_none() {
                ev.set(field::HOST_NAME, w.host);
            }
            if let Some(pid) = w.pid {
                ev.set(field::PROCESS_PID, pid);
            }
        }
        if self.st.sandbox.is_some() || self.st.program.is_none() {
            // The fetcher and the command executor write into the sandbox.
            match g.file {
                "fetcher.cpp" => ev.set(field::SERVICE_NAME, "mesos-fetcher"),
                "executor.cpp" | "exec.cpp" => ev.set(field::SERVICE_NAME, "mesos-executor"),
                _ => &mut ev,
            };
        }
        let letter = match g.level {
            'W' => "W",
            'E' => "E",
            'F' => "F",
            _ => "I",
        };
        ev.level = Some(helpers::normalize_level(letter).to_owned());
        ev.set(field::LOG_ORIGIN_FILE, g.file);
        ev.set(field::LOG_ORIGIN_LINE, g.line);
        if let Ok(tid) = g.thread.parse::<i64>() {
            ev.set(field::PROCESS_THREAD_ID, tid);
        }
        let year = match g.year {
            Some(y) => y,
            None => self.st.clock.year_for(g.month, g.day),
        };
        match g.datetime(year).and_then(|dt| ctx.options.local_to_utc(dt)) {
            Some(ts) => ctx.stamp(&mut ev, ts),
            None => {
                ev.label("timestamp_error", "invalid glog date or time");
            }
        }
        // Continuation lines (a multi-line LOG) stay part of the message.
        let message = match (record.lines > 1).then(|| record.rest()).flatten() {
            Some(rest) if wrapper.is_some() => {
                let mut m = g.message.to_owned();
                for l in rest.split('\n') {
                    m.push('\n');
                    m.push_str(wrapped::parse(l).map_or(l, |w| w.body));
                }
                m
            }
            Some(rest) => format!("{}\n{}", g.message, rest),
            None => g.message.to_owned(),
        };
        let line = Line {
            msg: g.message,
            full: &message,
            file: g.file,
            level: g.level,
        };
        msg::classify(&line, &mut ev, &mut self.st);
        ev.message = message;
        ev
    }
}
