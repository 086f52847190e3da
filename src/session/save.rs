//! The session snapshot primitive: a session's whole state made reachable
//! from its refs before anything of it is removed or sent away. `discard`,
//! `keep` and `push` save before they act; a run's watcher saves when the
//! run ends.

use crate::error::Result;
use crate::repo::Repo;
use crate::session::{self, Session};
use crate::snapshot::{self, WorktreeState};
use crate::worktree;

/// Snapshot the session's worktree (or, when that is gone, its branch tip)
/// into its refs. Returns the session branch's tip, which the snapshot
/// makes reachable (so the branch can be deleted with it as the expected
/// value), if the branch exists.
///
/// Whatever the agent did to `HEAD` — detached it, switched branches — the
/// snapshot's first parent is the worktree's `HEAD` and the session branch's
/// tip is a further parent when it differs; when the worktree is gone and a
/// new snapshot replaces the last one, the last one is a further parent too.
pub fn save(repo: &Repo, session: &mut Session, why: &str) -> Result<Option<gix::ObjectId>> {
    let tip = worktree::branch_tip(repo, &session.meta.branch);
    let previous = session.snapshot.filter(|_| session.path().is_none());
    if let Some(snap) = previous {
        // The worktree is gone (removed by an earlier, interrupted command,
        // or by hand): its last snapshot is the best record there is. Keep
        // it if it holds the branch tip; else make a new one that holds both.
        let held = match tip {
            None => true,
            Some(tip) => repo
                .git()
                .output([
                    "merge-base",
                    "--is-ancestor",
                    &tip.to_string(),
                    &snap.to_string(),
                ])?
                .status
                .success(),
        };
        if held {
            return Ok(tip);
        }
    }
    let captured = match session.path() {
        Some(path) => Some(snapshot::capture(repo, path)?),
        None => tip
            .map(|head| -> Result<WorktreeState> {
                let tree = repo.resolve_tree(head)?;
                Ok(WorktreeState {
                    head,
                    index_tree: tree,
                    full_tree: tree,
                })
            })
            .transpose()?,
    };
    let Some(state) = captured else {
        return Ok(None);
    };
    let keep: Vec<gix::ObjectId> = tip.into_iter().chain(previous).collect();
    let commit = snapshot::commit_keeping(
        repo,
        &state,
        &keep,
        &format!("git-agent snapshot {}: {why}", session.id),
    )?;
    let mut meta = session.meta.clone();
    meta.changes = Some(snapshot::changes(repo, session.base, state.full_tree)?);
    session::update(repo, session, meta, Some(commit))?;
    Ok(tip)
}
