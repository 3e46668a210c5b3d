//! What one stream knows about itself: which daemon wrote it, its host,
//! pid and year, and the ids of a task sandbox.

use crate::clock::YearClock;
use crate::naming::{self, SandboxPath};
use sightline_decode::{DecodeOptions, StreamInfo};

/// The component that wrote a line: the dataset it goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Master,
    Agent,
    /// A task sandbox: fetcher, executor and the task's own output.
    Task,
}

impl Role {
    pub fn dataset(self) -> &'static str {
        match self {
            Role::Master => "mesos.master",
            Role::Agent => "mesos.agent",
            Role::Task => "mesos.task",
        }
    }

    pub fn service(self) -> &'static str {
        match self {
            Role::Master => "mesos-master",
            Role::Agent => "mesos-agent",
            Role::Task => "mesos-executor",
        }
    }

    /// The component a source file belongs to, when only one has it. Files
    /// both daemons share (http.cpp, group.cpp, main.cpp...) give `None`.
    pub fn of_source_file(file: &str) -> Option<Role> {
        Some(match file {
            "master.cpp"
            | "hierarchical.cpp"
            | "registrar.cpp"
            | "authenticator.cpp"
            | "contender.cpp"
            | "quota_handler.cpp"
            | "weights_handler.cpp"
            | "registry_operations.cpp"
            | "maintenance.cpp"
            | "allocator.cpp"
            | "sorter.cpp"
            | "replica.cpp"
            | "coordinator.cpp"
            | "recover.cpp"
            | "master.hpp"
            | "framework.cpp"
            | "readonly_handler.cpp" => Role::Master,
            "slave.cpp"
            | "containerizer.cpp"
            | "status_update_manager_process.hpp"
            | "task_status_update_manager.cpp"
            | "paths.cpp"
            | "gc.cpp"
            | "launcher.cpp"
            | "linux_launcher.cpp"
            | "provisioner.cpp"
            | "authenticatee.cpp"
            | "slave.hpp"
            | "state.cpp"
            | "composing.cpp"
            | "mesos.cpp"
            | "docker.cpp"
            | "cni.cpp"
            | "cgroups.cpp"
            | "volume_gid_manager.cpp"
            | "resource_estimator.cpp"
            | "qos_controller.cpp" => Role::Agent,
            "executor.cpp" | "exec.cpp" | "fetcher.cpp" => Role::Task,
            _ if file.contains("isolator")
                || file.starts_with("cgroups")
                || file.starts_with("subsystems") =>
            {
                Role::Agent
            }
            _ => return None,
        })
    }
}

/// Per-stream state.
#[derive(Debug)]
pub struct StreamState {
    /// The component, when the path says which.
    pub fixed_role: Option<Role>,
    /// The component of the last line that told, for streams without a path.
    pub last_role: Role,
    /// `service.name`: the glog program name, when the file name gives it.
    pub program: Option<String>,
    /// From the file name or the `Running on machine:` header.
    pub host: Option<String>,
    pub pid: Option<u32>,
    pub sandbox: Option<SandboxPath>,
    pub clock: YearClock,
    /// The principal the agent authenticates as (`Agent using credential for:`).
    pub agent_principal: Option<String>,
}

impl StreamState {
    pub fn new(stream: &StreamInfo, options: &DecodeOptions) -> Self {
        let path = stream.path.as_deref();
        let name = path.and_then(|p| p.file_name()).and_then(|n| n.to_str());
        let glog_name = name.and_then(naming::parse_glog_name);
        let link = name.and_then(naming::parse_link_name);
        let sandbox = path.and_then(naming::parse_sandbox_path);
        let program = glog_name.map(|g| g.program).or(link.map(|l| l.0));
        let fixed_role = if sandbox.is_some() {
            Some(Role::Task)
        } else {
            program.and_then(naming::program_role)
        };
        let clock = match (glog_name, options.year) {
            (Some(g), _) => YearClock::created(g.year, g.month),
            (None, Some(y)) => YearClock::starting(y),
            (None, None) => {
                let reference = stream.modified.unwrap_or_else(jiff::Timestamp::now);
                let date = reference.to_zoned(options.timezone.clone()).date();
                YearClock::ending(date.year(), date.month(), date.day())
            }
        };
        StreamState {
            fixed_role,
            last_role: fixed_role.unwrap_or(Role::Master),
            program: program
                .filter(|p| naming::is_mesos_program(p))
                .map(str::to_owned),
            host: glog_name.map(|g| g.host.to_owned()),
            pid: glog_name.map(|g| g.pid),
            sandbox,
            clock,
            agent_principal: None,
        }
    }

    /// The component of a line from `file`.
    pub fn role_for(&mut self, file: &str) -> Role {
        if let Some(r) = self.fixed_role {
            return r;
        }
        if let Some(r) = Role::of_source_file(file) {
            self.last_role = r;
        }
        self.last_role
    }

    /// Whether lines are task output (no multi-line records, never a parse failure).
    pub fn is_sandbox(&self) -> bool {
        self.fixed_role == Some(Role::Task)
    }
}
