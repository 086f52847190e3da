//! `git agent fix <id>`: a corrector run on the latest review's findings —
//! the blocking items and scope violations (should_fix on request) as the
//! only things in scope — counted, so that a session going round the
//! review/fix cycle without an approval is escalated to a person.

use crate::cli::FixArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::review::{self, Verdict, prompt, wave};
use crate::runs::{self, Request};
use crate::session::{self, Session};

/// Fix runs allowed without an approved review in between.
pub const MAX_FIXES: u32 = 3;

pub fn run(repo: &Repo, args: &FixArgs) -> Result<i32> {
    if args.agent.is_some() && !args.command.is_empty() {
        return Err(Error::usage(
            "give either -a <agent> or a command after --, not both",
        ));
    }
    if let Some(t) = &args.timeout {
        runs::parse_duration(t)?;
    }
    let mut session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    let corrector_prompt = corrector_prompt(repo, &session, args)?;
    let req = Request {
        agent: args.agent.as_deref(),
        prompt: Some(&corrector_prompt),
        prompt_file: None,
        command: &args.command,
        timeout: args.timeout.as_deref(),
        read_only: false,
    };
    let plan = runs::plan(repo, &req)?;
    if let Some(run) = session.meta.run.as_ref().filter(|r| r.is_live()) {
        return Err(Error::refused(format!(
            "session '{}' already has a live run (pid {})",
            session.id,
            run.pid.or(run.supervisor).unwrap_or(0)
        ))
        .with_hint(format!("wait for it: `git agent wait {}`", session.id)));
    }
    if session.path().is_none() || session.state(repo) == crate::session::State::Broken {
        return Err(Error::refused(format!(
            "session '{}' has no worktree to fix in",
            session.id
        )));
    }
    wave::keep_task(repo, &session.id)?;
    session = session::modify(repo, &session.id, |meta| meta.fixes += 1)?;
    anstream::eprintln!(
        "Fix {} of session {} since its last approval.",
        session.meta.fixes,
        session.id
    );
    runs::start(repo, &mut session, &plan, args.detach)
}

/// The corrector's prompt, once the session's latest review has something
/// to fix and the cycle limit allows another fix.
fn corrector_prompt(repo: &Repo, session: &Session, args: &FixArgs) -> Result<String> {
    let id = &session.id;
    let Some(review) = &session.meta.review else {
        return Err(
            Error::refused(format!("session '{id}' has no review to fix"))
                .with_hint(format!("review it first: `git agent review {id}`")),
        );
    };
    if matches!(review.verdict, Verdict::Invalid | Verdict::Violation) {
        return Err(Error::refused(format!(
            "the latest review of session '{id}' is {}: it has no findings to fix",
            review.verdict
        ))
        .with_hint(format!("review it again: `git agent review {id}`")));
    }
    if !prompt::has_work(review, args.should_fix) {
        let mut err = Error::refused(format!(
            "nothing to fix: the latest review of session '{id}' ({}) has no blocking items or scope violations",
            review.verdict
        ));
        if !review.should_fix.is_empty() {
            err = err.with_hint(format!(
                "it has {} should_fix item(s): `git agent fix {id} --should-fix`",
                review.should_fix.len()
            ));
        }
        return Err(err);
    }
    if session.meta.fixes >= MAX_FIXES && !args.force {
        return Err(Error::refused(format!(
            "escalate: session '{id}' had {} fix runs without an approved review; a person should look at it",
            session.meta.fixes
        ))
        .with_hint(format!(
            "see `git agent show {id}` and `git agent diff {id}`; `git agent fix {id} --force` runs another fix anyway"
        )));
    }
    if review::is_stale(repo, session, review) {
        crate::output::warn(&format!(
            "the latest review of session '{id}' is stale (the change moved since); fixing its findings anyway"
        ));
    }
    Ok(prompt::corrector(
        session.meta.task_prompt(),
        review,
        args.should_fix,
        args.more.as_deref(),
    ))
}
