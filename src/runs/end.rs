//! End-of-run bookkeeping: commit leftovers (`agent.autoCommit`), note the
//! run's commits, snapshot the worktree into the session's refs, and record
//! how the run ended (`done`/`failed`, exit code, reason, the tokens the
//! agent reported in its log), then run `agent.notify`.

use std::path::Path;

use crate::error::Result;
use crate::git::Git;
use crate::repo::Repo;
use crate::session::save;
use crate::session::{self, Id, Reason, State};
use crate::snapshot;

/// After the child ended: leftovers commit, notes, snapshot, final state.
///
/// The run is recorded as it ended even when saving its result fails (a
/// path git refuses, a full disk): that failure is a warning, never the
/// run's exit code or a reason.
pub(super) fn finish(
    repo: &Repo,
    id: &Id,
    started: &str,
    worktree: &Path,
    code: i32,
    reason: Option<Reason>,
) -> Result<()> {
    let failures = save_result(repo, id, worktree);
    record_end(repo, id, started, Some(code), reason)?;
    for failure in failures {
        crate::output::warn(&format!(
            "the run in session '{id}' is recorded as it ended, but {failure}"
        ));
    }
    Ok(())
}

/// Commit leftovers (`agent.autoCommit`), note the run's commits and
/// snapshot the worktree, each tried even when one before it failed; what
/// failed is returned ("the snapshot failed: …").
fn save_result(repo: &Repo, id: &Id, worktree: &Path) -> Vec<String> {
    let mut failures = Vec::new();
    if !worktree.join(".git").exists() {
        return failures;
    }
    let mut attempt = |what: &str, step: &mut dyn FnMut() -> Result<()>| {
        if let Err(e) = step() {
            failures.push(format!("{what} failed: {}", e.message));
        }
    };
    let auto_commit_on = repo
        .config
        .boolean(crate::config::AUTO_COMMIT.name)
        .ok()
        .flatten()
        == Some(true);
    if auto_commit_on {
        attempt("committing its leftovers (agent.autoCommit)", &mut || {
            auto_commit(worktree, id)
        });
    }
    attempt("noting its commits", &mut || {
        let mut session = session::resolve(repo, Some(id.as_str()))?;
        // The usage is recorded with the run's end, after this note.
        if let Some(run) = session.meta.run.as_mut().filter(|r| r.usage.is_none()) {
            run.usage = run.log.as_deref().and_then(crate::usage::from_log);
        }
        let Some(before) = session
            .meta
            .run
            .as_ref()
            .and_then(|r| r.head_before.clone())
        else {
            return Ok(());
        };
        // The run's own commits: not those a merge it made brought in (a
        // `sync` merges the caller's branch), nor any on another branch.
        let made = Git::new(worktree).run([
            "rev-list",
            "--first-parent",
            &format!("{before}..HEAD"),
            "--not",
            &format!("--exclude={}", session.meta.branch),
            "--branches",
        ])?;
        let commits: Vec<gix::ObjectId> = made
            .lines()
            .filter_map(|l| snapshot::parse_oid(l).ok())
            .collect();
        crate::notes::add(repo, &commits, &crate::notes::text(&session, "run"))
    });
    attempt("the snapshot of its worktree", &mut || {
        let mut session = session::resolve(repo, Some(id.as_str()))?;
        save(repo, &mut session, "run ended").map(drop)
    });
    failures
}

pub(super) fn record_end(
    repo: &Repo,
    id: &Id,
    started: &str,
    code: Option<i32>,
    reason: Option<Reason>,
) -> Result<()> {
    let ended = session::modify(repo, id, |meta| {
        let Some(run) = meta.run.as_mut().filter(|r| r.started == started) else {
            return;
        };
        if run.usage.is_none() {
            run.usage = run.log.as_deref().and_then(crate::usage::from_log);
        }
        // `stop` may have recorded the end (and its reason) already.
        run.ended.get_or_insert_with(session::now);
        if run.reason.is_none() {
            run.reason = reason;
        }
        run.exit_code = run.exit_code.or(code);
        let ok = run.exit_code == Some(0) && run.reason.is_none();
        if matches!(
            meta.state,
            State::Running | State::Active | State::Done | State::Failed
        ) {
            meta.state = if ok { State::Done } else { State::Failed };
        }
    })?;
    if ended
        .meta
        .run
        .as_ref()
        .is_some_and(|r| r.started == started)
    {
        crate::notify::run_ended(repo, &ended);
    }
    Ok(())
}

/// `agent.autoCommit`: commit whatever the run left uncommitted.
fn auto_commit(worktree: &Path, id: &Id) -> Result<()> {
    let git = Git::new(worktree);
    if git.run(["status", "--porcelain"])?.is_empty() {
        return Ok(());
    }
    git.run(["add", "-A", "--sparse"])?;
    let mut commit = git.clone();
    if git.output(["var", "GIT_COMMITTER_IDENT"])?.status.code() != Some(0) {
        commit = commit.as_git_agent();
    }
    commit.run([
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("git-agent: changes left by the run in session {id}"),
    ])?;
    Ok(())
}
