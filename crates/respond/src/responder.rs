//! The responder: decides runs for alerts, keeps them in SQLite, takes
//! approvals, and executes what is due on worker threads.

use crate::config::{Action, ResponseConfig, Spec};
use crate::exec::{self, ExecParams, Outcome};
use crate::model::{
    Rendered, RunKind, RunRecord, RunState, SkipReason, Transition, VerbosityOrder,
};
use crate::render::plan;
use crate::store::{Store, StoreError};
use jiff::{SignedDuration, Timestamp};
use sightline_route::matcher::all_match;
use sightline_route::{AlertInfo, AlertState};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Duration;

/// Timeout of an undo whose action was removed from the configuration.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum RespondError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no response run {0}")]
    NotFound(i64),
    #[error("run {id} is {state:?}, not waiting for approval")]
    NotPending { id: i64, state: RunState },
    #[error("run {} waited for approval past {:?} and expired", run.id, run.expires)]
    ApprovalExpired { run: Box<RunRecord> },
    #[error("the HTTP client cannot start: {0}")]
    Client(String),
}

/// Counts the server exports as metrics.
#[derive(Debug, Default)]
pub struct Counters {
    /// Decisions not taken again: the action already has a run for that alert and target.
    pub duplicates: AtomicU64,
}

pub struct Responder {
    config: ResponseConfig,
    store: Mutex<Store>,
    client: OnceLock<reqwest::blocking::Client>,
    interrupted: Vec<RunRecord>,
    pub counters: Counters,
}

impl Responder {
    /// Opens (or creates) the store. Runs left `running` by a stop are
    /// marked `interrupted`, never re-run: see [`Responder::interrupted`].
    pub fn open(config: ResponseConfig, sqlite_path: &Path) -> Result<Responder, RespondError> {
        let mut store = Store::open(sqlite_path)?;
        let mut interrupted = Vec::new();
        let now = Timestamp::now();
        for mut run in store.in_state(RunState::Running)? {
            run.set_state(
                RunState::Interrupted,
                now,
                None,
                Some("the responder stopped while it ran; not re-run".into()),
            );
            run.finished = Some(now);
            store.update(&run)?;
            interrupted.push(run);
        }
        Ok(Responder {
            config,
            store: Mutex::new(store),
            client: OnceLock::new(),
            interrupted,
            counters: Counters::default(),
        })
    }

    /// Runs marked interrupted when the store was opened (for the audit log).
    pub fn interrupted(&self) -> &[RunRecord] {
        &self.interrupted
    }

    pub fn config(&self) -> &ResponseConfig {
        &self.config
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic elsewhere while holding the lock leaves SQLite consistent
        // (each write is one statement or transaction): keep going.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Decides a run for each action the alert triggers. Returns the new
    /// runs (skipped, dry-run, pending approval or queued); an action that
    /// already has a run for this alert and target adds nothing (counted in
    /// `counters.duplicates`). Only firing alerts trigger actions.
    pub fn on_alert(
        &self,
        alert: &AlertInfo,
        now: Timestamp,
    ) -> Result<Vec<RunRecord>, RespondError> {
        let mut out = Vec::new();
        if alert.state != AlertState::Firing {
            return Ok(out);
        }
        let mut store = self.store();
        for action in self.config.actions.iter().filter(|a| triggers(a, alert)) {
            let planned = plan(action, alert);
            let key = planned
                .as_ref()
                .ok()
                .and_then(|p| p.target.clone())
                .unwrap_or_default();
            if store.existing(&action.name, &alert.id, &key)?.is_some() {
                self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let mut run = RunRecord {
                id: 0,
                action: action.name.clone(),
                kind: RunKind::Action,
                undo_of: None,
                alert_id: alert.id.clone(),
                rule_id: alert.labels.get("rule_id").cloned(),
                target: None,
                rendered: None,
                undo: None,
                undo_after_ms: action.undo_after.map(|d| d.as_millis() as i64),
                dry_run: action.dry_run,
                state: RunState::Skipped,
                skip: None,
                reason: None,
                created: now,
                not_before: now,
                expires: None,
                approved_by: None,
                started: None,
                finished: None,
                exit_code: None,
                http_status: None,
                output: String::new(),
                transitions: Vec::new(),
            };
            let (state, note) = match planned {
                Err(refusal) => {
                    run.skip = Some(refusal.skip);
                    run.reason = Some(refusal.reason.clone());
                    (RunState::Skipped, Some(refusal.reason))
                }
                Ok(p) => {
                    run.target = p.target;
                    run.rendered = Some(p.rendered);
                    run.undo = p.undo;
                    if rate_limited(&store, action, now, true)? {
                        let why = "the action's rate_limit is used up".to_string();
                        run.skip = Some(SkipReason::RateLimited);
                        run.reason = Some(why.clone());
                        (RunState::Skipped, Some(why))
                    } else if action.dry_run {
                        run.started = Some(now);
                        run.finished = Some(now);
                        (
                            RunState::DryRun,
                            Some("dry_run: recorded, not executed".into()),
                        )
                    } else if action.require_approval {
                        run.expires =
                            Some(now.saturating_add(action.approval_timeout).unwrap_or(now));
                        (RunState::PendingApproval, None)
                    } else {
                        (RunState::Queued, None)
                    }
                }
            };
            run.state = state;
            run.transitions.push(Transition {
                at: now,
                from: None,
                to: state,
                actor: None,
                note,
            });
            store.insert(&mut run)?;
            out.push(run);
        }
        Ok(out)
    }

    /// An analyst approves a pending run: it is queued for the next
    /// `execute_due`. Past its expiry it becomes `expired` instead (error).
    pub fn approve(
        &self,
        run_id: i64,
        actor: &str,
        now: Timestamp,
    ) -> Result<RunRecord, RespondError> {
        let mut store = self.store();
        let mut run = pending(&store, run_id)?;
        if run.expires.is_some_and(|e| now >= e) {
            run.set_state(
                RunState::Expired,
                now,
                None,
                Some("approved after it expired".into()),
            );
            run.finished = Some(now);
            store.update(&run)?;
            return Err(RespondError::ApprovalExpired { run: Box::new(run) });
        }
        run.approved_by = Some(actor.to_owned());
        run.not_before = now;
        run.set_state(RunState::Queued, now, Some(actor), Some("approved".into()));
        store.update(&run)?;
        Ok(run)
    }

    /// An analyst rejects a pending run; it never runs.
    pub fn reject(
        &self,
        run_id: i64,
        actor: &str,
        reason: &str,
        now: Timestamp,
    ) -> Result<RunRecord, RespondError> {
        let mut store = self.store();
        let mut run = pending(&store, run_id)?;
        run.reason = Some(reason.to_owned());
        run.finished = Some(now);
        run.set_state(
            RunState::Rejected,
            now,
            Some(actor),
            Some(reason.to_owned()),
        );
        store.update(&run)?;
        Ok(run)
    }

    pub fn get(&self, run_id: i64) -> Result<Option<RunRecord>, RespondError> {
        Ok(self.store().get(run_id)?)
    }

    /// Newest first.
    pub fn list(&self, limit: usize) -> Result<Vec<RunRecord>, RespondError> {
        Ok(self.store().newest(limit)?)
    }

    /// Oldest first, undos included.
    pub fn runs_for_alert(&self, alert_id: &str) -> Result<Vec<RunRecord>, RespondError> {
        Ok(self.store().for_alert(alert_id)?)
    }

    /// Verbosity orders in force on `host` at `now`.
    pub fn verbosity_orders(
        &self,
        host: &str,
        now: Timestamp,
    ) -> Result<Vec<VerbosityOrder>, RespondError> {
        Ok(self.store().orders(host, now)?)
    }

    /// Expires stale approvals, then executes the queued runs that are due
    /// (at most `max_parallel`, each on its own thread with its timeout, so
    /// one hanging action does not hold the others), and schedules the undo
    /// of each success. Returns every run it changed or created. Blocks
    /// until the runs it started end (at most the longest timeout).
    pub fn execute_due(&self, now: Timestamp) -> Result<Vec<RunRecord>, RespondError> {
        let mut changed = Vec::new();
        let mut jobs = Vec::new();
        {
            let mut store = self.store();
            for mut run in store.expired_pending(now)? {
                run.set_state(
                    RunState::Expired,
                    now,
                    None,
                    Some("nobody approved it in time".into()),
                );
                run.finished = Some(now);
                store.update(&run)?;
                changed.push(run);
            }
            for mut run in store.due(now, self.config.max_parallel)? {
                let action = self.config.action(&run.action);
                if run.kind == RunKind::Action {
                    let skip = match action {
                        None => Some((
                            SkipReason::ActionRemoved,
                            "the action is no longer configured",
                        )),
                        Some(a) if rate_limited(&store, a, now, false)? => Some((
                            SkipReason::RateLimited,
                            "the action's rate_limit is used up",
                        )),
                        Some(_) => None,
                    };
                    if let Some((skip, why)) = skip {
                        run.skip = Some(skip);
                        run.reason = Some(why.into());
                        run.finished = Some(now);
                        run.set_state(RunState::Skipped, now, None, Some(why.into()));
                        store.update(&run)?;
                        changed.push(run);
                        continue;
                    }
                }
                run.started = Some(now);
                run.set_state(RunState::Running, now, None, None);
                store.update(&run)?;
                jobs.push((run, action));
            }
        }
        if jobs.is_empty() {
            return Ok(changed);
        }
        let client = self.client()?;
        let max_output = self.config.max_output_bytes;
        let outcomes: Vec<Outcome> = std::thread::scope(|s| {
            let handles: Vec<_> = jobs
                .iter()
                .map(|(run, action)| s.spawn(move || run_one(run, *action, client, max_output)))
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    // A panic in an executor is a failed run, never a silent one.
                    h.join().unwrap_or_else(|_| Outcome {
                        state: RunState::Failed,
                        exit_code: None,
                        http_status: None,
                        output: String::new(),
                        note: Some("the executor thread panicked".into()),
                        elapsed: Duration::ZERO,
                    })
                })
                .collect()
        });
        let outcomes = jobs.into_iter().map(|(run, _)| run).zip(outcomes);
        let mut store = self.store();
        for (mut run, outcome) in outcomes {
            let finished = now
                .saturating_add(SignedDuration::try_from(outcome.elapsed).unwrap_or_default())
                .unwrap_or(now);
            if let Some(Rendered::RaiseVerbosity {
                host,
                level,
                duration_ms,
                reason,
            }) = &run.rendered
            {
                let order = VerbosityOrder {
                    run_id: run.id,
                    host: host.clone(),
                    level: level.clone(),
                    from: now,
                    until: now
                        .saturating_add(SignedDuration::from_millis(*duration_ms))
                        .unwrap_or(now),
                    reason: reason.clone(),
                };
                store.add_order(&order)?;
                run.output = format!(
                    "verbosity {} on {} until {}",
                    order.level, order.host, order.until
                );
            } else {
                run.output = outcome.output;
            }
            run.exit_code = outcome.exit_code;
            run.http_status = outcome.http_status;
            run.finished = Some(finished);
            run.reason = outcome.note.clone();
            run.set_state(outcome.state, finished, None, outcome.note);
            store.update(&run)?;
            let undo = match (&run.undo, run.undo_after_ms, run.kind, outcome.state) {
                (Some(u), Some(after), RunKind::Action, RunState::Succeeded) => {
                    Some((u.clone(), after))
                }
                _ => None,
            };
            changed.push(run.clone());
            if let Some((rendered, after)) = undo {
                let mut u = undo_run(&run, rendered, finished, after);
                store.insert(&mut u)?;
                changed.push(u);
            }
        }
        Ok(changed)
    }

    fn client(&self) -> Result<&reqwest::blocking::Client, RespondError> {
        if let Some(c) = self.client.get() {
            return Ok(c);
        }
        let _ = rustls::crypto::ring::default_provider().install_default();
        let c = reqwest::blocking::Client::builder()
            // A redirect could lead past the allowlist: never follow one.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| RespondError::Client(e.to_string()))?;
        Ok(self.client.get_or_init(|| c))
    }
}

fn triggers(action: &Action, alert: &AlertInfo) -> bool {
    let rule_ok = action.rules.is_empty()
        || action
            .rules
            .iter()
            .any(|r| alert.labels.get("rule_id") == Some(r) || alert.labels.get("rule") == Some(r));
    rule_ok && all_match(&action.matchers, &alert.labels)
}

fn rate_limited(
    store: &Store,
    action: &Action,
    now: Timestamp,
    with_queued: bool,
) -> Result<bool, StoreError> {
    let Some(limit) = action.rate_limit else {
        return Ok(false);
    };
    let since = now.saturating_sub(limit.per).unwrap_or(now);
    Ok(store.used(&action.name, since, with_queued)? >= u64::from(limit.runs))
}

fn pending(store: &Store, run_id: i64) -> Result<RunRecord, RespondError> {
    let run = store.get(run_id)?.ok_or(RespondError::NotFound(run_id))?;
    if run.state != RunState::PendingApproval {
        return Err(RespondError::NotPending {
            id: run_id,
            state: run.state,
        });
    }
    Ok(run)
}

fn run_one(
    run: &RunRecord,
    action: Option<&Action>,
    client: &reqwest::blocking::Client,
    max_output: usize,
) -> Outcome {
    let (secret_file, token_file) = match action.map(|a| &a.spec) {
        Some(Spec::Webhook { secret_file, .. }) => (secret_file.as_deref(), None),
        Some(Spec::RayStopJob { token_file, .. }) => (None, token_file.as_deref()),
        _ => (None, None),
    };
    let params = ExecParams {
        timeout: action.map(|a| a.timeout).unwrap_or(DEFAULT_TIMEOUT),
        max_output,
        secret_file,
        token_file,
        run_id: run.id,
        alert_id: &run.alert_id,
        client,
    };
    match &run.rendered {
        Some(r) => exec::execute(r, &params),
        None => Outcome {
            state: RunState::Failed,
            exit_code: None,
            http_status: None,
            output: String::new(),
            note: Some("nothing was rendered for this run".into()),
            elapsed: Duration::ZERO,
        },
    }
}

fn undo_run(of: &RunRecord, rendered: Rendered, finished: Timestamp, after_ms: i64) -> RunRecord {
    let due = finished
        .saturating_add(SignedDuration::from_millis(after_ms))
        .unwrap_or(finished);
    RunRecord {
        id: 0,
        action: of.action.clone(),
        kind: RunKind::Undo,
        undo_of: Some(of.id),
        alert_id: of.alert_id.clone(),
        rule_id: of.rule_id.clone(),
        target: of.target.clone(),
        rendered: Some(rendered),
        undo: None,
        undo_after_ms: None,
        dry_run: false,
        state: RunState::Queued,
        skip: None,
        reason: None,
        created: finished,
        not_before: due,
        expires: None,
        approved_by: None,
        started: None,
        finished: None,
        exit_code: None,
        http_status: None,
        output: String::new(),
        transitions: vec![Transition {
            at: finished,
            from: None,
            to: RunState::Queued,
            actor: None,
            note: Some(format!("undo of run {} due at {due}", of.id)),
        }],
    }
}
