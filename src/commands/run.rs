//! `git agent run <id> -- <cmd>…` (and the run half of `new … -- <cmd>`),
//! plus the hidden `__supervise` that watches a detached run.

use crate::cli::{RunArgs, SuperviseArgs};
use crate::error::Result;
use crate::repo::Repo;
use crate::runs::{self, Plan, Request};
use crate::session::{self, Id};

pub fn run(repo: &Repo, args: &RunArgs) -> Result<i32> {
    let mut session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    let req = Request::from_options(&args.options, &args.command, args.read_only);
    if !req.wants_run() {
        return Err(crate::error::Error::usage("nothing to run")
            .with_hint("git agent run <id> -- <command>…, or -a <agent> -m <prompt>"));
    }
    runs::start(
        repo,
        &mut session,
        &runs::plan(repo, &req)?,
        args.options.detach,
    )
}

/// Watch a detached run recorded by `run --detach` / `new --detach`.
pub fn supervise(repo: &Repo, args: &SuperviseArgs) -> Result<i32> {
    let id = Id::parse(&args.id)?;
    let session = session::resolve(repo, Some(id.as_str()))?;
    let command = session.meta.command.clone().unwrap_or_default();
    if command.is_empty() {
        return Err(crate::error::Error::internal(format!(
            "session '{id}' has no command recorded"
        )));
    }
    let plan = Plan {
        command,
        agent: session.meta.agent.clone(),
        prompt: session.meta.prompt.clone(),
        timeout: args.timeout_ms.map(std::time::Duration::from_millis),
        read_only: args.read_only,
        env: Vec::new(),
        capture: None,
    };
    let ready = if args.ready_on_stdin {
        Some(runs::Ready::from_stdin()?)
    } else {
        None
    };
    runs::execute(repo, &id, &plan, false, ready)
}
