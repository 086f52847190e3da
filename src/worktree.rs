//! Removing a session's worktree and branch — only after its content is
//! reachable from a session ref.

use std::path::Path;

use crate::error::{Error, Result};
use crate::repo::Repo;

/// Unlock and remove a linked worktree, or forget git's record of it when
/// its directory was already deleted by hand.
pub fn remove(repo: &Repo, path: &Path) -> Result<()> {
    let git = repo.git();
    if path.join(".git").exists() {
        git.run([
            "worktree".as_ref(),
            "remove".as_ref(),
            "--force".as_ref(),
            "--force".as_ref(),
            path.as_os_str(),
        ])?;
    } else {
        // A locked record is never pruned: unlock it first. Either step may
        // find nothing to do.
        let _ = git.output(["worktree".as_ref(), "unlock".as_ref(), path.as_os_str()]);
        git.run(["worktree", "prune"])?;
        if path.exists() {
            std::fs::remove_dir_all(path)
                .map_err(|e| Error::git(format!("cannot remove {}: {e}", path.display())))?;
        }
    }
    Ok(())
}

/// Delete `refs/heads/<branch>` only if it still points at `expected`.
pub fn delete_branch(repo: &Repo, branch: &str, expected: gix::ObjectId) -> Result<()> {
    repo.git()
        .run(["update-ref", "-d", &format!("refs/heads/{branch}"), &expected.to_string()])
        .map(drop)
        .map_err(|_| {
            Error::refused(format!(
                "branch '{branch}' moved while git-agent was saving it; it was left in place so nothing is lost"
            ))
            .with_hint("run the command again")
        })
}

/// The branch tip, when the branch exists.
pub fn branch_tip(repo: &Repo, branch: &str) -> Option<gix::ObjectId> {
    let mut reference = repo
        .gix
        .try_find_reference(format!("refs/heads/{branch}").as_str())
        .ok()??;
    reference.peel_to_id().ok().map(|id| id.detach())
}
