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

/// One linked worktree as git records it (`git worktree list --porcelain -z`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The path git recorded (absolute).
    pub path: std::path::PathBuf,
    /// The full name of the branch checked out there (`refs/heads/…`), if any.
    pub branch: Option<String>,
    /// The lock reason (empty when locked without one); `None` when unlocked.
    pub locked: Option<String>,
    /// Why git would prune this record (its directory is gone), if it would.
    pub prunable: Option<String>,
}

impl Record {
    /// Is this the record of `path` (compared in canonical form)?
    pub fn is_at(&self, path: &Path) -> bool {
        crate::git::tidy(&self.path) == crate::git::tidy(path)
    }
}

/// Every worktree git knows about, the main one first.
pub fn records(repo: &Repo) -> Result<Vec<Record>> {
    use std::os::unix::ffi::OsStrExt;
    let out = repo
        .git()
        .run_bytes(["worktree", "list", "--porcelain", "-z"])?;
    let mut records = Vec::new();
    let mut current: Option<Record> = None;
    for field in out.split(|b| *b == 0) {
        if field.is_empty() {
            records.extend(current.take());
            continue;
        }
        let (key, value) = match field.iter().position(|b| *b == b' ') {
            Some(at) => (&field[..at], &field[at + 1..]),
            None => (field, &[][..]),
        };
        let text = || String::from_utf8_lossy(value).into_owned();
        match key {
            b"worktree" => {
                records.extend(current.take());
                current = Some(Record {
                    path: std::path::PathBuf::from(std::ffi::OsStr::from_bytes(value)),
                    ..Record::default()
                });
            }
            b"branch" => {
                if let Some(r) = current.as_mut() {
                    r.branch = Some(text());
                }
            }
            b"locked" => {
                if let Some(r) = current.as_mut() {
                    r.locked = Some(text());
                }
            }
            b"prunable" => {
                if let Some(r) = current.as_mut() {
                    r.prunable = Some(text());
                }
            }
            _ => {}
        }
    }
    records.extend(current);
    Ok(records)
}

/// Forget git's record of a worktree whose directory (or its `.git`) is
/// gone: unlock it, then `git worktree prune`. Never touches the directory.
pub fn drop_record(repo: &Repo, path: &Path) -> Result<()> {
    let git = repo.git();
    // Either may find nothing to do.
    let _ = git.output(["worktree".as_ref(), "unlock".as_ref(), path.as_os_str()]);
    git.run(["worktree", "prune"]).map(drop)
}
