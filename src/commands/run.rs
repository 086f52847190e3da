//! `git agent run <id> -- <cmd>…` (and the run half of `new … -- <cmd>`),
//! plus the hidden `__supervise` that watches a detached run.

use crate::cli::{RunArgs, RunOptions, SuperviseArgs};
use crate::error::Result;
use crate::repo::Repo;
use crate::runs::{self, Plan, Request};
use crate::session::{self, Id, Session};

pub fn run(repo: &Repo, args: &RunArgs) -> Result<i32> {
    let mut session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    let req = request(&args.options, &args.command, args.read_only);
    if !req.wants_run() {
        return Err(crate::error::Error::usage("nothing to run")
            .with_hint("git agent run <id> -- <command>…, or -a <agent> -m <prompt>"));
    }
    start(
        repo,
        &mut session,
        &runs::plan(repo, &req)?,
        args.options.detach,
    )
}

/// The run options as a [`Request`].
pub fn request<'a>(options: &'a RunOptions, command: &'a [String], read_only: bool) -> Request<'a> {
    Request {
        agent: options.agent.as_deref(),
        prompt: options.prompt.as_deref(),
        prompt_file: options.prompt_file.as_deref(),
        command,
        timeout: options.timeout.as_deref(),
        read_only,
    }
}

/// Record the run and start it, detached or in the foreground.
pub fn start(repo: &Repo, session: &mut Session, plan: &Plan, detach: bool) -> Result<i32> {
    let log = if detach {
        Some(runs::log_path(repo, &session.id)?)
    } else {
        None
    };
    runs::begin(repo, session, plan, log.clone())?;
    if detach {
        runs::detach(repo, session, plan)?;
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
    runs::execute(repo, &session.id, plan, true, None)
}

/// Watch a detached run recorded by `run --detach` / `new --detach`.
pub fn supervise(repo: &Repo, args: &SuperviseArgs) -> Result<i32> {
    let id = Id::parse(&args.id)?;
    let session = session::resolve(repo, Some(id.as_str()))?;
    let command = session.meta.command.clone().unwrap_or_default();
    if command.is_empty() {
        return Err(crate::error::Error::git(format!(
            "session '{id}' has no command recorded"
        )));
    }
    let plan = Plan {
        command,
        agent: session.meta.agent.clone(),
        prompt: session.meta.prompt.clone(),
        timeout: args.timeout_ms.map(std::time::Duration::from_millis),
        read_only: args.read_only,
    };
    let ready = if args.ready_on_stdin {
        Some(runs::Ready::from_stdin()?)
    } else {
        None
    };
    runs::execute(repo, &id, &plan, false, ready)
}
