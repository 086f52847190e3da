//! The warm pool (`agent.pool = <n>`): spare worktrees, checked out and
//! pristine, that `new` takes instead of checking out a whole tree.
//!
//! A spare is a linked worktree at `<worktreeDir>/.pool/<name>`, detached
//! at a commit, locked with reason `git-agent pool`. Who may touch it is
//! written in its state file `<common dir>/agents/pool/<name>`, changed
//! only under the `pool` lock (an flock the kernel releases when its holder
//! dies):
//!
//! - `ready <commit>` — pristine at that commit: the only state `new` takes;
//! - `busy <pid> <started>` — a process is filling or cleaning it;
//! - `taken <pid> <started>` — a `new` claimed it and is moving it out
//!   (it removes the state file once the directory has left the pool);
//! - no state file — the directory needs cleaning (a worktree `keep` or
//!   `discard` gave back), or a process died on it.
//!
//! `busy` and `taken` of a dead process count as no state: the next filler
//! cleans such a spare (or removes it when it is not a whole worktree), and
//! drops a state file whose directory is gone. So a crash at any step
//! leaves a ready spare, one that is not handed out until cleaned, or
//! nothing; and `new` only ever takes a `ready` one, claimed under the lock,
//! so two `new`s never share a spare.

mod fill;

use std::path::{Path, PathBuf};

pub use fill::{clear, fill, finish_in_background, trim};

use crate::error::{Error, IoContext, Result};
use crate::git::Git;
use crate::repo::Repo;

/// The lock reason of every spare (`git worktree list` shows it).
pub const LOCK_REASON: &str = "git-agent pool";

/// The directory spares live in, under the worktree directory.
pub const DIR: &str = ".pool";

/// Who may touch a spare (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    Ready(gix::ObjectId),
    Busy(Owner),
    Taken(Owner),
    /// No state file: to be cleaned before anyone takes it.
    Loose,
}

/// A process working on a spare: its pid and when it started (RFC 3339),
/// so a reused pid is not taken for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub pid: u32,
    pub started: String,
}

impl Owner {
    fn me() -> Owner {
        Owner {
            pid: std::process::id(),
            started: crate::time::now(),
        }
    }

    fn alive(&self) -> bool {
        self.pid == std::process::id() || crate::process::is_alive_for(self.pid, &self.started)
    }
}

/// One spare as the pool directory and the state files show it.
#[derive(Debug, Clone)]
pub struct Spare {
    pub name: String,
    /// `<worktreeDir>/.pool/<name>`.
    pub path: PathBuf,
    pub status: Status,
    /// Is the directory there?
    pub present: bool,
}

impl Spare {
    pub fn ready(&self) -> bool {
        self.present && matches!(self.status, Status::Ready(_))
    }

    /// Is a live process working on it (filling, cleaning or taking it)?
    pub fn in_hand(&self) -> bool {
        match &self.status {
            Status::Busy(owner) | Status::Taken(owner) => owner.alive(),
            _ => false,
        }
    }

    /// The commit it is at: the ready one, or what its `HEAD` says.
    pub fn commit(&self) -> Option<gix::ObjectId> {
        if let Status::Ready(commit) = self.status {
            return Some(commit);
        }
        let record = crate::git::linked_record(&self.path)?;
        let head = std::fs::read_to_string(record.join("HEAD")).ok()?;
        gix::ObjectId::from_hex(head.trim().as_bytes()).ok()
    }
}

/// `agent.pool`: how many spares to keep (0: no pool).
pub fn size(repo: &Repo) -> Result<usize> {
    let Some(text) = repo.config.string(crate::config::POOL.name) else {
        return Ok(0);
    };
    text.trim().parse::<usize>().map_err(|_| {
        Error::refused(format!(
            "agent.pool is '{text}', which is not a number of spare worktrees"
        ))
        .with_hint("git config agent.pool 2 (or 0 for no pool)")
    })
}

/// `<worktreeDir>/.pool`.
pub fn dir(repo: &Repo) -> PathBuf {
    repo.worktree_root().join(DIR)
}

/// `<common dir>/agents/pool`.
fn state_dir(repo: &Repo) -> PathBuf {
    repo.state().root().join("pool")
}

/// The `pool` lock, under which state files change.
fn lock(repo: &Repo) -> Result<crate::repo::Lock> {
    std::fs::create_dir_all(state_dir(repo))
        .doing(|| format!("cannot create {}", state_dir(repo).display()))?;
    repo.lock("pool")
}

fn read_status(repo: &Repo, name: &str) -> Option<Status> {
    let text = std::fs::read_to_string(state_dir(repo).join(name)).ok()?;
    let mut words = text.split_whitespace();
    let kind = words.next()?;
    let first = words.next()?;
    match kind {
        "ready" => gix::ObjectId::from_hex(first.as_bytes())
            .ok()
            .map(Status::Ready),
        "busy" | "taken" => {
            let owner = Owner {
                pid: first.parse().ok()?,
                started: words.next()?.to_owned(),
            };
            Some(if kind == "busy" {
                Status::Busy(owner)
            } else {
                Status::Taken(owner)
            })
        }
        _ => None,
    }
}

/// Write (or with [`Status::Loose`], remove) a spare's state file: written
/// aside and renamed into place, so a reader never sees half of one.
fn write_status(repo: &Repo, name: &str, status: &Status) -> Result<()> {
    let file = state_dir(repo).join(name);
    let text = match status {
        Status::Ready(commit) => format!("ready {commit}\n"),
        Status::Busy(o) => format!("busy {} {}\n", o.pid, o.started),
        Status::Taken(o) => format!("taken {} {}\n", o.pid, o.started),
        Status::Loose => {
            return match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(Error::io(format!("cannot remove {}", file.display()), e))
                }
                _ => Ok(()),
            };
        }
    };
    let aside = state_dir(repo).join(format!(".{name}.{}", std::process::id()));
    std::fs::write(&aside, text).doing(|| format!("cannot write {}", aside.display()))?;
    std::fs::rename(&aside, &file).doing(|| format!("cannot write {}", file.display()))
}

/// Every spare: the directories in the pool and the state files (a state
/// file may name a directory not made yet, or one already moved out).
/// Sorted by name. Read under the `pool` lock for a consistent view.
pub fn scan(repo: &Repo) -> Vec<Spare> {
    let names = |dir: PathBuf| -> Vec<String> {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect()
    };
    let pool = dir(repo);
    let mut all: Vec<String> = names(pool.clone());
    all.extend(names(state_dir(repo)));
    all.sort();
    all.dedup();
    all.into_iter()
        .map(|name| {
            let path = pool.join(&name);
            Spare {
                status: read_status(repo, &name).unwrap_or(Status::Loose),
                present: path.symlink_metadata().is_ok(),
                path,
                name,
            }
        })
        .collect()
}

/// A fresh spare name.
fn fresh_name() -> String {
    let mut bytes = [0u8; 4];
    let _ = getrandom::fill(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("spare-{random}")
}

/// What makes a checkout's sparse-checkout settings: its git dir's
/// `info/sparse-checkout` and the sparse-checkout lines of its
/// `config.worktree`. A spare is handed only to a `new` run in a worktree
/// with the same settings, so the session gets the patterns it would get
/// from `git worktree add` there.
fn sparse_signature(git_dir: &Path) -> (Vec<u8>, Vec<String>) {
    let patterns = std::fs::read(git_dir.join("info/sparse-checkout")).unwrap_or_default();
    let mut settings: Vec<String> = std::fs::read_to_string(git_dir.join("config.worktree"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.trim().to_ascii_lowercase().replace(' ', ""))
        .filter(|l| l.contains("sparsecheckout"))
        .collect();
    settings.sort();
    (patterns, settings)
}

/// Claim a ready spare for `new` run in the current worktree and move it to
/// `dest` (its lock reason becomes `reason`). `None` when the pool is off
/// or has no ready spare that fits: `new` checks out as without a pool.
/// The spare is then detached at the returned commit, pristine.
pub fn take(repo: &Repo, dest: &Path, reason: &str) -> Result<Option<gix::ObjectId>> {
    if size(repo).unwrap_or(0) == 0 {
        return Ok(None);
    }
    let wanted = sparse_signature(repo.gix.git_dir());
    let claimed = {
        let _lock = lock(repo)?;
        let spare = scan(repo).into_iter().find(|s| {
            s.ready()
                && crate::git::linked_record(&s.path)
                    .is_some_and(|record| sparse_signature(&record) == wanted)
        });
        if let Some(spare) = &spare {
            write_status(repo, &spare.name, &Status::Taken(Owner::me()))?;
        }
        spare
    };
    let Some(spare) = claimed else {
        return Ok(None);
    };
    let Status::Ready(commit) = spare.status else {
        return Ok(None);
    };
    crate::fault::point("pool:claimed");
    relocate(&spare.path, dest)?;
    set_lock_reason(dest, reason)?;
    crate::fault::point("pool:moved");
    write_status(repo, &spare.name, &Status::Loose)?;
    Ok(Some(commit))
}

/// Move a linked worktree as `git worktree move` does (which refuses a
/// worktree with submodules): its record's `gitdir` first, then the
/// directory, so a crash in between leaves the directory where the record
/// can be pointed back at it ([`fill`] does).
fn relocate(from: &Path, to: &Path) -> Result<()> {
    let record = crate::git::linked_record(from).ok_or_else(|| {
        Error::refused(format!(
            "{} is not a worktree of this repository",
            from.display()
        ))
    })?;
    let gitdir = record.join("gitdir");
    let old = std::fs::read_to_string(&gitdir).unwrap_or_default();
    std::fs::write(&gitdir, format!("{}\n", to.join(".git").display()))
        .doing(|| format!("cannot write {}", gitdir.display()))?;
    if let Err(e) = std::fs::rename(from, to) {
        let _ = std::fs::write(&gitdir, old);
        return Err(Error::io(
            format!("cannot move {} to {}", from.display(), to.display()),
            e,
        ));
    }
    Ok(())
}

/// Set the lock reason in git's record of the worktree at `path`, as
/// `git worktree lock --reason` writes it.
fn set_lock_reason(path: &Path, reason: &str) -> Result<()> {
    let record = crate::git::linked_record(path).ok_or_else(|| {
        Error::refused(format!(
            "{} is not a worktree of this repository",
            path.display()
        ))
    })?;
    let file = record.join("locked");
    std::fs::write(&file, reason).doing(|| format!("cannot write {}", file.display()))
}

/// Put a worktree just taken from the pool on the new `branch` at `base`:
/// only the paths that differ between the spare's commit and `base` are
/// written (git's two-tree checkout). No hook runs, as with `git worktree
/// add --no-checkout` and `reset` on the path without a pool.
pub fn check_out(path: &Path, branch: &str, base: gix::ObjectId) -> Result<()> {
    Git::new(path)
        .config("core.hooksPath=/dev/null")
        .config("advice.detachedHead=false")
        .run([
            "checkout",
            "--quiet",
            "--no-track",
            "-b",
            branch,
            &base.to_string(),
        ])
        .map(drop)
}

/// Give the worktree of a session that is being kept or discarded (its
/// snapshot taken) back to the pool when it has room, else remove it as
/// without a pool ([`crate::worktree::remove`]). Given back, it is
/// detached (so its branch can be deleted) and moved into the pool at
/// once; a background process cleans it to pristine (nothing untracked or
/// ignored of the session survives) before any `new` may take it.
pub fn give_back_or_remove(repo: &Repo, path: &Path) -> Result<()> {
    match give_back(repo, path) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => crate::worktree::remove(repo, path),
    }
}

/// [`give_back_or_remove`]'s give-back; `false` when there is no room or
/// the worktree is not one to reuse.
fn give_back(repo: &Repo, path: &Path) -> Result<bool> {
    let size = size(repo).unwrap_or(0);
    if size == 0 || !crate::worktree::is_linked(repo, path) {
        return Ok(false);
    }
    let name = fresh_name();
    {
        let _lock = lock(repo)?;
        let held = scan(repo)
            .iter()
            .filter(|s| s.present || s.in_hand())
            .count();
        if held >= size {
            return Ok(false);
        }
        write_status(repo, &name, &Status::Busy(Owner::me()))?;
    }
    let dest = dir(repo).join(&name);
    let moved = std::fs::create_dir_all(dir(repo))
        .doing(|| format!("cannot create {}", dir(repo).display()))
        .and_then(|()| detach(path))
        .and_then(|()| {
            crate::fault::point("pool:detached");
            relocate(path, &dest)
        });
    if let Err(e) = moved {
        write_status(repo, &name, &Status::Loose)?;
        return Err(e);
    }
    set_lock_reason(&dest, LOCK_REASON)?;
    crate::fault::point("pool:returned");
    // Loose: the next filler cleans it; started now, in the background.
    write_status(repo, &name, &Status::Loose)?;
    finish_in_background(repo);
    Ok(true)
}

/// Detach the worktree's `HEAD` at its commit (files and index untouched),
/// so the session's branch is checked out nowhere.
fn detach(path: &Path) -> Result<()> {
    Git::new(path)
        .config("core.hooksPath=/dev/null")
        .run(["checkout", "--quiet", "--detach"])
        .map(drop)
}
