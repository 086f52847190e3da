//! Agent runs: the only place that starts agent processes.
//!
//! A run is watched by a git-agent process — the caller in the foreground,
//! a detached `git-agent __supervise` otherwise — which records `running`
//! with the child's pid, enforces the timeout, and when the child ends
//! records `done`/`failed`, commits leftovers (`agent.autoCommit`), notes
//! the run's commits and snapshots the worktree into the session's refs.
//! The child always gets its own process group, so `stop` and timeouts end
//! everything it started.

use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::git::Git;
use crate::repo::Repo;
use crate::session::{self, Id, Run, Session, State};
use plan::{in_worktree, is_executable};

mod checkout;
mod end;
pub mod env;
mod plan;
mod read_only;
mod stop;
mod supervise;
mod terminal;

pub use plan::{Capture, MAX_DURATION, PRESETS, Plan, Request, parse_duration, plan};
pub use stop::stop_live;
pub use supervise::{Background, Ready, Watched, execute, execute_watched, start_background};

/// Where a session's run output goes.
fn log_path(repo: &Repo, id: &Id) -> Result<PathBuf> {
    let log = repo.state().run_log(id.as_str());
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    Ok(log)
}

/// Record the run as started (state `running`) before any process exists, so
/// that two runs in one session cannot both start.
fn begin(repo: &Repo, session: &mut Session, plan: &Plan, log: Option<PathBuf>) -> Result<()> {
    if let Some(run) = session.meta.run.as_ref().filter(|r| r.is_live()) {
        return Err(Error::refused(format!(
            "session '{}' already has a live run (pid {})",
            session.id,
            run.pid.or(run.supervisor).unwrap_or(0)
        ))
        .with_hint(format!(
            "wait for it (`git agent wait {0}`) or stop it (`git agent stop {0}`)",
            session.id
        )));
    }
    let path = session
        .path()
        .filter(|_| session.state(repo) != State::Broken)
        .ok_or_else(|| {
            Error::refused(format!(
                "session '{}' has no worktree to run in",
                session.id
            ))
        })?
        .to_path_buf();
    let program = &plan.command[0];
    if let Some(resolved) = in_worktree(&path, program).filter(|p| !is_executable(p)) {
        return Err(Error::refused(format!(
            "cannot find the program '{program}' in the session worktree ({} is not an executable file)",
            resolved.display()
        ))
        .with_hint("a relative path names a file in the session's worktree, where the run executes"));
    }
    let head = Git::new(&path).run(["rev-parse", "HEAD"])?;
    let mut meta = session.meta.clone();
    meta.state = State::Running;
    meta.agent = plan.agent.clone();
    meta.command = Some(plan.command.clone());
    meta.prompt = plan.prompt.clone();
    meta.run = Some(Run {
        started: session::now(),
        // A foreground run (no log) is watched by this process from now on,
        // so `stop` finds it live even before the child's pid is recorded.
        supervisor: log.is_none().then(std::process::id),
        log,
        head_before: Some(head),
        deadline: plan
            .timeout
            .and_then(|t| std::time::SystemTime::now().checked_add(t))
            .map(|at| humantime::format_rfc3339_seconds(at).to_string()),
        ..Run::default()
    });
    session::update(repo, session, meta, None)
}

/// Record the run and start it, detached or in the foreground.
pub fn start(repo: &Repo, session: &mut Session, plan: &Plan, detach: bool) -> Result<i32> {
    let log = if detach {
        Some(log_path(repo, &session.id)?)
    } else {
        None
    };
    begin(repo, session, plan, log.clone())?;
    if detach {
        supervise::detach(repo, session, plan)?;
        if let Some(log) = log {
            anstream::eprintln!(
                "Started {} in session {} (detached); output: {} — `git agent wait {}` to wait for it.",
                plan.command[0],
                session.id,
                log.display(),
                session.id
            );
        }
        return Ok(0);
    }
    execute(repo, &session.id, plan, true, None)
}

/// Record a run and watch it from this process to its end (`attached`: in
/// the foreground with the terminal), for a caller that goes on after it
/// (`review`); see [`execute_watched`].
pub fn start_watched(
    repo: &Repo,
    session: &mut Session,
    plan: &Plan,
    attached: bool,
    ready: Option<Ready>,
) -> Result<Watched> {
    begin(repo, session, plan, None)?;
    execute_watched(repo, &session.id, plan, attached, ready)
}
