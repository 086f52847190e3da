//! `git agent sync <id> [-a <agent> | -- <cmd>…]`: bring a session up to
//! date with the branch of the checkout sync runs in (see
//! [`crate::land::sync`]); a conflicted merge can be handed to a run.

use std::path::PathBuf;

use crate::cli::SyncArgs;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::keeping;
use crate::land::sync::{self, Merged};
use crate::repo::Repo;
use crate::runs::{self, Request};
use crate::session::{self, Session};
use crate::snapshot::parse_oid;

pub fn run(repo: &Repo, args: &SyncArgs) -> Result<i32> {
    let mut session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    let req = Request::from_options(&args.options, &args.command, false);
    if req.wants_run() {
        // An unknown agent or program is refused before anything changes.
        runs::plan(repo, &req)?;
    }
    let path = worktree_of(repo, &session)?;
    let target = keeping::target(repo, &session)?;
    let git = Git::new(&target);
    let theirs = parse_oid(&git.run(["rev-parse", "--verify", "HEAD"])?)?;
    let name = git
        .output(["symbolic-ref", "-q", "--short", "HEAD"])
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| theirs.to_string()[..7].to_owned());
    let earlier = keeping::unresolved(&path)?;
    let merged = if earlier.is_empty() {
        sync::commit_leftovers(repo, &session, &path)?;
        crate::fault::point("sync:committed");
        sync::merge_in(&path, theirs, &name, &session)?
    } else {
        Merged::Conflict(earlier)
    };
    let id = session.id.to_string();
    let paths = match merged {
        Merged::UpToDate | Merged::Clean(_) => {
            crate::fault::point("sync:merged");
            sync::settle(repo, &mut session, theirs)?;
            anstream::eprintln!("Session {id} is up to date with {name}.");
            return Ok(0);
        }
        Merged::Conflict(paths) => paths,
    };
    for p in &paths {
        println!("conflict {id}: {}", crate::output::quote_path(p));
    }
    if !req.wants_run() {
        anstream::eprintln!(
            "Merging {name} into session {id} conflicted; the conflict markers are in {}.",
            path.display()
        );
        anstream::eprintln!(
            "hint: resolve them there and commit the merge, or `git agent sync {id} -a <agent>` to have an agent do it"
        );
        return Ok(1);
    }
    resolve_by_run(repo, &mut session, args, (theirs, &name), &paths)
}

/// The session's worktree; refused when it has none or a run is live.
fn worktree_of(repo: &Repo, session: &Session) -> Result<PathBuf> {
    if session.meta.run.as_ref().is_some_and(|r| r.is_live()) {
        return Err(
            Error::refused(format!("session '{}' has a live run", session.id)).with_hint(format!(
                "wait for it (`git agent wait {0}`), then sync again",
                session.id
            )),
        );
    }
    let state = session.state(repo);
    match session.path().filter(|_| state.is_live()) {
        Some(p) => Ok(p.to_path_buf()),
        None => Err(Error::refused(format!(
            "session '{}' is {state} and has no worktree to sync",
            session.id
        ))),
    }
}

/// Start the run that resolves the conflicts; in the foreground, exit 0
/// only if it committed the merge with no conflict left.
fn resolve_by_run(
    repo: &Repo,
    session: &mut Session,
    args: &SyncArgs,
    (theirs, name): (gix::ObjectId, &str),
    paths: &[String],
) -> Result<i32> {
    let prompt = sync::prompt(name, paths, args.options.prompt.as_deref());
    let mut req = Request::from_options(&args.options, &args.command, false);
    req.prompt = Some(&prompt);
    req.prompt_file = None;
    let plan = runs::plan(repo, &req)?;
    let task = (session.meta.prompt.clone(), session.meta.agent.clone());
    let code = runs::start(repo, session, &plan, args.options.detach)?;
    // The session's task is what its commits land under, not this run's
    // (a detached run has read its prompt once `start` returns).
    let (prompt, agent) = task;
    let mut now = session::modify(repo, &session.id, |meta| {
        meta.prompt = prompt.clone();
        meta.agent = agent.clone();
    })?;
    if args.options.detach {
        return Ok(code);
    }
    if sync::settle(repo, &mut now, theirs)? {
        anstream::eprintln!("Session {} is up to date with {name}.", now.id);
        return Ok(0);
    }
    let left = now
        .path()
        .map(keeping::unresolved)
        .transpose()?
        .unwrap_or_default();
    let mut err = Error::refused(format!(
        "the run ended (exit {code}) without committing the merge of {name} into session '{}'",
        now.id
    ));
    if !left.is_empty() {
        err.message
            .push_str(&format!("; still conflicted: {}", left.join(", ")));
    }
    Err(err.with_hint(format!(
        "resolve and commit in {}, or `git agent sync {}` with another agent",
        now.meta.worktree.display(),
        now.id
    )))
}
