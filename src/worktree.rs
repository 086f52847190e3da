//! Removing a session's worktree and branch — only after its content is
//! reachable from a session ref.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, IoContext, Result};
use crate::repo::Repo;

/// Remove a linked worktree: its files move at once into
/// `<common dir>/agents/trash/` (one rename) and are deleted there by a
/// detached process, and git's record of it (`<common dir>/worktrees/<name>`,
/// lock included) is removed — what `git worktree remove` does, without
/// making the caller wait for thousands of files to be unlinked. Only this
/// worktree's record is touched (a `git worktree prune` would also prune
/// the user's own worktrees on unmounted disks). Where the rename cannot be
/// done (another file system), `git worktree remove --force --force`.
///
/// A directory there that is not a linked worktree of this repository
/// (see [`is_linked`]) is refused and left as it is: whatever a session's
/// metadata says, git-agent deletes only worktrees git made for it.
pub fn remove(repo: &Repo, path: &Path) -> Result<()> {
    let record = record_of(repo, path);
    if path.symlink_metadata().is_ok() && !is_linked(repo, path) {
        return Err(Error::refused(format!(
            "{} is not a worktree of this repository; it was left as it is",
            path.display()
        ))
        .with_hint(
            "git-agent removes only the worktrees it made; move the directory away if it is not needed",
        ));
    }
    if path.symlink_metadata().is_ok() {
        repo.state_dir()?;
        let trash = repo.state().trash();
        std::fs::create_dir_all(&trash).doing(|| format!("cannot create {}", trash.display()))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let dest = trash.join(format!(
            "{name}-{}-{}",
            std::process::id(),
            crate::time::now()
        ));
        if std::fs::rename(path, &dest).is_err() {
            repo.git().run([
                "worktree".as_ref(),
                "remove".as_ref(),
                "--force".as_ref(),
                "--force".as_ref(),
                path.as_os_str(),
            ])?;
            return Ok(());
        }
        if !crate::process::purge_in_background(&trash) {
            purge(&trash);
        }
    }
    if let Some(record) = record {
        std::fs::remove_dir_all(&record).doing(|| format!("cannot remove {}", record.display()))?;
    }
    Ok(())
}

/// Is `path` a linked worktree of this repository, as git made it: a
/// directory (not a symbolic link) whose `.git` file names a record under
/// `<common dir>/worktrees/` whose `gitdir` names that `.git` file back?
pub fn is_linked(repo: &Repo, path: &Path) -> bool {
    let records = crate::git::tidy(&repo.common_dir.join("worktrees"));
    crate::git::linked_record(path)
        .is_some_and(|record| crate::git::tidy(&record).parent() == Some(records.as_path()))
}

/// Put back the `.git` link of a session worktree whose directory is
/// there without it (an agent ran `rm -rf .git`), when git's record of the
/// worktree still names it: the record holds its `HEAD` and index, so the
/// worktree is whole again and nothing on disk is taken for gone. Returns
/// whether it relinked; refuses a directory that is neither a worktree
/// nor one git's records name, since its files are in no snapshot.
pub fn relink(repo: &Repo, path: &Path) -> Result<bool> {
    if !path.symlink_metadata().is_ok_and(|m| m.is_dir()) || is_linked(repo, path) {
        return Ok(false);
    }
    let wanted = path.join(".git");
    let record = std::fs::read_dir(repo.common_dir.join("worktrees"))
        .ok()
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|record| {
            std::fs::read_to_string(record.join("gitdir"))
                .is_ok_and(|g| crate::git::tidy(Path::new(g.trim())) == crate::git::tidy(&wanted))
        });
    let broken = || {
        Error::refused(format!(
            "{} is there but is no longer a git worktree (its .git is missing or was replaced), so git-agent cannot save what is in it",
            path.display()
        ))
        .with_hint(format!(
            "move the files you want out of {}, remove the directory, and run the command again",
            path.display()
        ))
    };
    let Some(record) = record else {
        return Err(broken());
    };
    if wanted.symlink_metadata().is_ok() {
        // A `.git` of another kind (a directory, a link elsewhere): not ours to replace.
        return Err(broken());
    }
    std::fs::write(&wanted, format!("gitdir: {}\n", record.display()))
        .doing(|| format!("cannot write {}", wanted.display()))?;
    if !is_linked(repo, path) {
        return Err(broken());
    }
    crate::output::warn(&format!(
        "the worktree {} had lost its .git link; it was linked to its git record again",
        path.display()
    ));
    Ok(true)
}

/// `<common dir>/worktrees/<name>`, git's record of the worktree at `path`:
/// named by the worktree's `.git` file, or found by its `gitdir` pointing
/// back at `path` when the worktree's directory is already gone.
fn record_of(repo: &Repo, path: &Path) -> Option<std::path::PathBuf> {
    let records = repo.common_dir.join("worktrees");
    if let Ok(text) = std::fs::read_to_string(path.join(".git"))
        && let Some(dir) = text
            .strip_prefix("gitdir:")
            .map(|d| std::path::PathBuf::from(d.trim()))
        && dir.starts_with(&records)
    {
        return Some(dir);
    }
    let wanted = path.join(".git");
    std::fs::read_dir(&records)
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|record| {
            std::fs::read_to_string(record.join("gitdir"))
                .is_ok_and(|g| Path::new(g.trim()) == wanted.as_path())
        })
}

/// Delete everything under `trash` (run by the detached `__purge`).
pub fn purge(trash: &Path) {
    if let Ok(entries) = std::fs::read_dir(trash) {
        for entry in entries.flatten() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Delete `refs/heads/<branch>` only if it still points at `expected`, and
/// never while a worktree has it checked out (git refuses that too: the
/// checkout would be left on an unborn branch). Such a branch is left in
/// place with a warning; its commits are in the session's snapshot anyway.
pub fn delete_branch(repo: &Repo, branch: &str, expected: gix::ObjectId) -> Result<()> {
    let full = format!("refs/heads/{branch}");
    if let Some(record) = records(repo)?
        .into_iter()
        .find(|r| r.branch.as_deref() == Some(full.as_str()) && r.prunable.is_none())
    {
        crate::output::warn(&format!(
            "branch '{branch}' is checked out in {}, so it was left in place",
            record.path.display()
        ));
        return Ok(());
    }
    repo.git()
        .run(["update-ref", "-d", &format!("refs/heads/{branch}"), &expected.to_string()])
        .map(drop)
        .map_err(|e| {
            e.race_as(|| {
                Error::refused(format!(
                    "branch '{branch}' moved while git-agent was saving it; it was left in place so nothing is lost"
                ))
                .with_hint("run the command again")
            })
        })
}

/// The branch tip, when the branch exists.
pub fn branch_tip(repo: &Repo, branch: &str) -> Option<gix::ObjectId> {
    let mut reference = repo
        .shared
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
    // A `git worktree add` in another process makes its record in steps;
    // git fails to list a record caught half-made ("failed to read
    // .git/worktrees/<name>/commondir"). That passes in a moment.
    let mut tries = 0;
    let out = loop {
        match repo
            .git()
            .run_bytes(["worktree", "list", "--porcelain", "-z"])
        {
            Err(e)
                if tries < 100
                    && e.git_failure()
                        .is_some_and(|f| f.said().contains("failed to read")) =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            done => break done?,
        }
    };
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
/// gone — that record alone, lock included; never the directory, and never
/// another worktree's record (which a `git worktree prune` could take).
pub fn drop_record(repo: &Repo, path: &Path) -> Result<()> {
    match record_of(repo, path) {
        Some(record) => {
            std::fs::remove_dir_all(&record).doing(|| format!("cannot remove {}", record.display()))
        }
        None => Ok(()),
    }
}

/// Make sure the worktree directory (sessions and spares) never shows in
/// `git status` when it lies inside the main worktree: one line in the common dir's `info/exclude`.
pub fn exclude_root(repo: &Repo, root: &Path) -> Result<()> {
    let main = &repo.main_worktree;
    let absolute = if root.exists() {
        crate::git::tidy(root)
    } else {
        root.to_path_buf()
    };
    let Ok(relative) = absolute.strip_prefix(main) else {
        return Ok(());
    };
    if relative.as_os_str().is_empty() {
        return Ok(());
    }
    let pattern = format!("/{}/", relative.to_string_lossy().replace('\\', "/"));
    let info = repo.common_dir.join("info");
    let file = info.join("exclude");
    let existing = std::fs::read_to_string(&file).unwrap_or_default();
    if existing.lines().any(|l| l.trim() == pattern) {
        return Ok(());
    }
    std::fs::create_dir_all(&info).doing(|| format!("cannot create {}", info.display()))?;
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .doing(|| format!("cannot open {}", file.display()))?;
    let sep = if existing.is_empty() || existing.ends_with('\n') {
        ""
    } else {
        "\n"
    };
    write!(f, "{sep}# git-agent session worktrees\n{pattern}\n")
        .doing(|| format!("cannot write {}", file.display()))
}
