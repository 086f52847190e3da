//! The environment of the programs git-agent starts for a session: the
//! agent a run starts, and `agent.postCreate` after `new` and `restore`.
//! Each learns which session it works for, the commit the session started
//! from and its worktree.

use std::ffi::OsString;
use std::path::Path;

use crate::git::Git;
use crate::session::Id;

/// `GIT_AGENT_ID`, `GIT_AGENT_BASE` and `GIT_AGENT_WORKTREE` for the session
/// `id` that started from `base` and has its worktree at `worktree`.
pub fn vars(id: &Id, base: gix::ObjectId, worktree: &Path) -> [(&'static str, OsString); 3] {
    [
        ("GIT_AGENT_ID", id.as_str().into()),
        ("GIT_AGENT_BASE", base.to_string().into()),
        ("GIT_AGENT_WORKTREE", worktree.into()),
    ]
}

/// [`Git`] in the session's worktree with [`vars`] set, for running
/// `agent.postCreate` there (see [`Git::shell`]).
pub fn git(id: &Id, base: gix::ObjectId, worktree: &Path) -> Git {
    vars(id, base, worktree)
        .into_iter()
        .fold(Git::new(worktree), |git, (key, value)| git.env(key, value))
}
