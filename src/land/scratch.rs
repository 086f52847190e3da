//! `land --test <cmd>`: the command runs at the top of a scratch checkout
//! of the exact commit about to land (a detached worktree in a temporary
//! directory, removed afterwards), never in the caller's checkout.

use std::path::Path;

use crate::error::{Error, IoContext, Kind, Result};
use crate::git::Git;
use crate::repo::Repo;

/// Run `sh -c <cmd>` in a scratch checkout of `commit`; whether it passed.
/// Its output goes to stderr (stdout is for `--json`).
pub fn test(repo: &Repo, commit: gix::ObjectId, cmd: &str) -> Result<bool> {
    let dir = tempfile::Builder::new()
        .prefix("git-agent-land-")
        .tempdir()
        .doing(|| "cannot create a scratch directory for --test".to_string())?;
    let path = dir.path().join("checkout");
    // No hooks: the checkout is a scratch, not a place someone works in.
    repo.git().config("core.hooksPath=/dev/null").run([
        "worktree".as_ref(),
        "add".as_ref(),
        "--quiet".as_ref(),
        "--detach".as_ref(),
        path.as_os_str(),
        commit.to_string().as_ref(),
    ])?;
    let result = Git::new(&path).shell(cmd);
    remove(repo, &path);
    match result {
        Ok(()) => Ok(true),
        Err(Error {
            kind: Kind::Refused,
            ..
        }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Remove the scratch checkout and git's record of it.
fn remove(repo: &Repo, path: &Path) {
    let _ = repo.git().output([
        "worktree".as_ref(),
        "remove".as_ref(),
        "--force".as_ref(),
        "--force".as_ref(),
        path.as_os_str(),
    ]);
}
