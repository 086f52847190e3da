//! `git agent discard <id>`: snapshot, then remove worktree and branch.
//!
//! Order: (1) snapshot into `refs/agents/<id>/snapshot` (so every commit,
//! staged, unstaged and untracked file is reachable), (2) remove the
//! worktree, (3) delete the branch only if it still points at the
//! snapshotted tip, (4) record `discarded`. A crash between steps leaves a
//! session that is `broken` and that running discard again finishes.

use crate::cli::DiscardArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::{self, Session, State};
use crate::worktree;

pub fn run(repo: &Repo, args: &DiscardArgs) -> Result<i32> {
    let mut session = session::resolve(repo, args.id.as_deref())?;
    if session.foreign && session.meta.state.is_live() {
        // Nothing of it is here but its refs: record it discarded.
        session::adopt(repo, &mut session)?;
        anstream::eprintln!(
            "Discarded session {} (fetched; it had no worktree here); `git agent restore {}` brings it back until gc expires it.",
            session.id,
            session.id
        );
        return Ok(0);
    }
    let state = session.state(repo);
    if !state.is_live() {
        return Err(
            Error::refused(format!("session '{}' is already {state}", session.id))
                .with_hint(format!("`git agent restore {}` brings it back", session.id)),
        );
    }
    // A worktree whose `.git` an agent deleted is still its work: relinked
    // (or refused) before anything is saved or removed.
    worktree::relink(repo, &session.meta.worktree)?;
    crate::runs::stop_live(repo, &mut session, args.force)?;
    if let Some(path) = session.path() {
        crate::submodule::preserve(&session.id, path)?;
    }
    // Claimed first, so no run starts and no keep or discard takes the
    // session between the snapshot and the removal.
    let _claim = session::claim(repo, &mut session, "discard")?;
    let tip = match session::save(repo, &mut session, "discard") {
        Ok(tip) => tip,
        // Another command may have taken the session meanwhile (and its
        // worktree with it): say that, not what the snapshot tripped on.
        Err(e) => {
            session::unclaim(repo, &mut session);
            return Err(session::still_ours(repo, &session.id).err().unwrap_or(e));
        }
    };
    crate::fault::point("discard:snapshotted");
    if let Some(path) = session.path() {
        crate::copy::warn_ignored(repo, path);
    }
    if let Err(e) = remove(repo, &mut session, tip) {
        // Failed, not killed: the claim goes, so nothing reads as left
        // half-done by a dead process; running discard again finishes.
        session::unclaim(repo, &mut session);
        return Err(e);
    }
    anstream::eprintln!(
        "Discarded session {}; `git agent restore {}` brings it back until gc expires it.",
        session.id,
        session.id
    );
    Ok(0)
}

/// Remove the snapshotted session's worktree and branch, and record it
/// `discarded`.
fn remove(repo: &Repo, session: &mut Session, tip: Option<gix::ObjectId>) -> Result<()> {
    let path = session.meta.worktree.clone();
    crate::pool::give_back_or_remove(repo, &path)?;
    crate::fault::point("discard:worktree-removed");
    if let Some(tip) = tip {
        worktree::delete_branch(repo, &session.meta.branch, tip)?;
    }
    crate::fault::point("discard:branch-deleted");
    let mut meta = session.meta.clone();
    meta.state = State::Discarded;
    meta.pending = None;
    session::update(repo, session, meta, None)
}
