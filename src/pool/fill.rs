//! Filling, cleaning, trimming and emptying the pool. Each run first plans
//! under the `pool` lock (marking every spare it will work on `busy` with
//! its own pid), then works outside it, then marks what it made `ready`.

use std::path::{Path, PathBuf};

use super::{LOCK_REASON, Owner, Status};
use crate::error::{Error, IoContext, Result};
use crate::git::Git;
use crate::repo::Repo;

/// A spare this far behind the main worktree's `HEAD` (in commits) is
/// trimmed by `gc`: taking it would write most of the tree anyway.
const FAR_BEHIND: u64 = 1000;

/// What a worktree's git record may hold of an operation in progress or of
/// a session's history: removed when a worktree is cleaned for reuse.
const OPERATION_FILES: &[&str] = &[
    "MERGE_HEAD",
    "MERGE_MSG",
    "MERGE_MODE",
    "MERGE_RR",
    "AUTO_MERGE",
    "CHERRY_PICK_HEAD",
    "REVERT_HEAD",
    "SQUASH_MSG",
    "COMMIT_EDITMSG",
    "ORIG_HEAD",
    "FETCH_HEAD",
    "BISECT_LOG",
    "BISECT_START",
    "BISECT_TERMS",
    "BISECT_EXPECTED_REV",
    "BISECT_ANCESTORS_OK",
    "BISECT_NAMES",
    "BISECT_RUN",
    "BISECT_FIRST_PARENT",
    "BISECT_HEAD",
    "rebase-merge",
    "rebase-apply",
    "sequencer",
    "index.lock",
    "HEAD.lock",
    "logs",
    "modules",
];

/// One piece of work a plan hands to this process.
enum Job {
    /// Add a new spare.
    Create(String),
    /// Clean a spare that was given back or left by a dead process.
    Clean(String),
    /// Remove a spare.
    Remove(String, String),
}

/// What a plan is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    /// Up to `agent.pool` ready spares.
    Fill,
    /// No spare at all.
    Clear,
}

/// Fill the pool up to `agent.pool` spares: clean the ones given back or
/// left by a dead process, add new ones. With `wait`, also wait until
/// every spare other processes are filling is ready (or their process is
/// gone), so the pool is full and ready when this returns.
pub fn fill(repo: &Repo, wait: bool) -> Result<()> {
    let size = super::size(repo)?;
    loop {
        let jobs = plan(repo, size, Goal::Fill)?;
        let worked = !jobs.is_empty();
        if work(repo, jobs) > 0 {
            return Err(
                Error::refused("the pool could not be filled (see the warnings above)").with_hint(
                    "`git agent pool --clear` empties it; `git agent gc` removes what is left",
                ),
            );
        }
        if !wait || (!worked && !others_in_hand(repo)?) {
            return Ok(());
        }
        if !worked {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Remove every spare, waiting for those other processes are filling.
pub fn clear(repo: &Repo) -> Result<()> {
    loop {
        let jobs = plan(repo, 0, Goal::Clear)?;
        let worked = !jobs.is_empty();
        if work(repo, jobs) > 0 {
            return Err(Error::refused(
                "the pool could not be emptied (see the warnings above)",
            ));
        }
        if !worked && !others_in_hand(repo)? {
            return Ok(());
        }
        if !worked {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// `gc`'s part: remove spares beyond `agent.pool`, those far behind the
/// main worktree's `HEAD`, and those a dead process left half made (a
/// filler would clean them; gc removes them). Returns what it removed
/// (with `dry_run`, would remove), one reason each.
pub fn trim(repo: &Repo, dry_run: bool) -> Result<Vec<String>> {
    let size = super::size(repo).unwrap_or(0);
    let head = repo.shared.head_id().ok().map(|id| id.detach());
    let jobs = {
        // A dry run, as gc's, takes no lock and creates nothing.
        let _lock = if dry_run {
            None
        } else {
            Some(super::lock(repo)?)
        };
        let mut ready = 0;
        let mut jobs = Vec::new();
        for spare in super::scan(repo) {
            if spare.in_hand() || !spare.present {
                continue;
            }
            let why = match spare.status {
                Status::Ready(commit) if far_behind(repo, commit, head) => {
                    format!("more than {FAR_BEHIND} commits behind HEAD")
                }
                Status::Ready(_) if ready < size => {
                    ready += 1;
                    continue;
                }
                Status::Ready(_) => format!("beyond agent.pool = {size}"),
                _ => "left unfinished by a process that is gone".to_owned(),
            };
            if !dry_run {
                super::write_status(repo, &spare.name, &Status::Busy(Owner::me()))?;
            }
            jobs.push(Job::Remove(spare.name, why));
        }
        jobs
    };
    let reasons = jobs
        .iter()
        .filter_map(|job| match job {
            Job::Remove(name, why) => Some(format!(
                "spare worktree {} ({why})",
                super::dir(repo).join(name).display()
            )),
            _ => None,
        })
        .collect();
    if !dry_run && work(repo, jobs) > 0 {
        return Err(Error::refused(
            "some spare worktrees could not be removed (see the warnings above)",
        ));
    }
    Ok(reasons)
}

/// Is `commit` more than [`FAR_BEHIND`] commits behind `head`?
fn far_behind(repo: &Repo, commit: gix::ObjectId, head: Option<gix::ObjectId>) -> bool {
    let Some(head) = head else { return false };
    repo.git()
        .run(["rev-list", "--count", &format!("{commit}..{head}")])
        .ok()
        .and_then(|n| n.trim().parse::<u64>().ok())
        .is_some_and(|n| n > FAR_BEHIND)
}

/// Are other live processes filling, cleaning or taking spares?
fn others_in_hand(repo: &Repo) -> Result<bool> {
    let _lock = super::lock(repo)?;
    Ok(super::scan(repo).iter().any(|s| {
        s.in_hand()
            && !matches!(&s.status, Status::Busy(o) | Status::Taken(o) if o.pid == std::process::id())
    }))
}

/// Decide, under the `pool` lock, what this process does: every spare it
/// takes on is marked `busy` with its pid before the lock is released.
fn plan(repo: &Repo, size: usize, goal: Goal) -> Result<Vec<Job>> {
    let _lock = super::lock(repo)?;
    let mut jobs = Vec::new();
    let mut held = 0;
    for spare in super::scan(repo) {
        if spare.in_hand() {
            held += usize::from(matches!(spare.status, Status::Busy(_)));
            continue;
        }
        if !spare.present {
            // Its directory is gone (taken, or never made): only the state file is left.
            super::write_status(repo, &spare.name, &Status::Loose)?;
            continue;
        }
        let job = match (&spare.status, goal) {
            (Status::Ready(_), Goal::Fill) => {
                held += 1;
                continue;
            }
            (_, Goal::Clear) => Job::Remove(spare.name.clone(), "cleared".into()),
            (_, Goal::Fill) => {
                held += 1;
                Job::Clean(spare.name.clone())
            }
        };
        super::write_status(repo, &spare.name, &Status::Busy(Owner::me()))?;
        jobs.push(job);
    }
    let can_fill = goal == Goal::Fill && repo.shared.head_id().is_ok();
    while can_fill && held < size {
        let name = super::fresh_name();
        super::write_status(repo, &name, &Status::Busy(Owner::me()))?;
        jobs.push(Job::Create(name));
        held += 1;
    }
    Ok(jobs)
}

/// Do the planned jobs; a spare that cannot be made or cleaned is removed
/// (with a warning), never left for `new` to take. Returns how many failed.
fn work(repo: &Repo, jobs: Vec<Job>) -> usize {
    let mut failed = 0;
    for job in jobs {
        let (name, done) = match job {
            Job::Create(name) => {
                let done = create(repo, &name);
                (name, done)
            }
            Job::Clean(name) => {
                let done = clean(repo, &name);
                (name, done)
            }
            Job::Remove(name, _) => {
                let done = destroy(repo, &name);
                (name, done)
            }
        };
        if let Err(e) = done {
            failed += 1;
            crate::output::warn(&format!("spare worktree {name}: {}", e.message));
            if let Err(e) = destroy(repo, &name) {
                crate::output::warn(&format!("spare worktree {name}: {}", e.message));
            }
        }
    }
    failed
}

/// The commit spares are made at: the main worktree's `HEAD`.
fn recent_commit(repo: &Repo) -> Result<gix::ObjectId> {
    repo.shared
        .head_id()
        .map(|id| id.detach())
        .map_err(|_| Error::refused("the main worktree's HEAD has no commit yet"))
}

/// Add a new spare: `git worktree add` (serialized with `new`'s), its
/// files written, then `ready`.
fn create(repo: &Repo, name: &str) -> Result<()> {
    let commit = recent_commit(repo)?;
    let path = super::dir(repo).join(name);
    crate::worktree::exclude_root(repo, &repo.worktree_root())?;
    std::fs::create_dir_all(super::dir(repo))
        .doing(|| format!("cannot create {}", super::dir(repo).display()))?;
    {
        let _lock = repo.lock("worktree")?;
        repo.git().run([
            "worktree".as_ref(),
            "add".as_ref(),
            "--no-checkout".as_ref(),
            "--detach".as_ref(),
            "--lock".as_ref(),
            "--reason".as_ref(),
            LOCK_REASON.as_ref(),
            path.as_os_str(),
            commit.to_string().as_ref(),
        ] as [&std::ffi::OsStr; 9])?;
    }
    crate::fault::point("pool:added");
    pristine(&path, commit)?;
    crate::fault::point("pool:cleaned");
    let _lock = super::lock(repo)?;
    super::write_status(repo, name, &Status::Ready(commit))
}

/// Clean a spare given back or left by a dead process, then `ready`.
fn clean(repo: &Repo, name: &str) -> Result<()> {
    let commit = recent_commit(repo)?;
    let path = super::dir(repo).join(name);
    relink(&path)?;
    pristine(&path, commit)?;
    crate::fault::point("pool:cleaned");
    let _lock = super::lock(repo)?;
    super::write_status(repo, name, &Status::Ready(commit))
}

/// A spare whose record was pointed at a session's path by a `new` that
/// died before moving the directory: point the record back at it.
fn relink(path: &Path) -> Result<()> {
    if crate::git::linked_record(path).is_some() {
        return Ok(());
    }
    let not_linked = || {
        Error::refused(format!(
            "{} is not a whole worktree; removed",
            path.display()
        ))
    };
    let text = std::fs::read_to_string(path.join(".git")).map_err(|_| not_linked())?;
    let record = PathBuf::from(text.strip_prefix("gitdir:").ok_or_else(not_linked)?.trim());
    let named = std::fs::read_to_string(record.join("gitdir")).map_err(|_| not_linked())?;
    if Path::new(named.trim()).exists() {
        return Err(not_linked());
    }
    std::fs::write(
        record.join("gitdir"),
        format!("{}\n", path.join(".git").display()),
    )
    .doing(|| format!("cannot write {}", record.display()))?;
    crate::git::linked_record(path)
        .map(drop)
        .ok_or_else(not_linked)
}

/// Remove a spare: the worktree as [`crate::worktree::remove`] removes
/// one, or a directory that never became a whole worktree (it is in the
/// pool directory, git-agent's own), with git's record of it; then its
/// state file.
fn destroy(repo: &Repo, name: &str) -> Result<()> {
    let path = super::dir(repo).join(name);
    if crate::git::linked_record(&path).is_some() {
        crate::worktree::remove(repo, &path)?;
    } else if path.symlink_metadata().is_ok() {
        crate::worktree::drop_record(repo, &path)?;
        std::fs::remove_dir_all(&path).doing(|| format!("cannot remove {}", path.display()))?;
    }
    let _lock = super::lock(repo)?;
    super::write_status(repo, name, &Status::Loose)
}

/// Make the worktree at `path` exactly a fresh checkout of `commit`,
/// detached: no submodule checked out, no operation in progress, no
/// untracked or ignored file, every tracked file as committed (only those
/// that differ are written), then checked with `git status`.
fn pristine(path: &Path, commit: gix::ObjectId) -> Result<()> {
    let record = crate::git::linked_record(path)
        .ok_or_else(|| Error::refused(format!("{} is not a worktree", path.display())))?;
    let git = Git::new(path)
        .config("core.hooksPath=/dev/null")
        .config("advice.detachedHead=false")
        .config("checkout.workers=0");
    empty_submodules(&git, path)?;
    for name in OPERATION_FILES {
        let file = record.join(name);
        let _ = std::fs::remove_dir_all(&file).or_else(|_| std::fs::remove_file(&file));
    }
    forget_assume_unchanged(&git)?;
    forget_worktree_config(&git, &record)?;
    git.run([
        "checkout",
        "--quiet",
        "--force",
        "--detach",
        &commit.to_string(),
    ])?;
    git.run(["clean", "-ffdxq"])?;
    let left = git.run_bytes([
        "status",
        "--porcelain",
        "-z",
        "--ignored=traditional",
        "--untracked-files=all",
    ])?;
    if !left.is_empty() {
        return Err(Error::refused(format!(
            "{} is not clean after cleaning: {}",
            path.display(),
            String::from_utf8_lossy(&left).replace('\0', " ")
        )));
    }
    super::set_lock_reason(path, LOCK_REASON)
}

/// Empty every submodule's directory (as an uninitialised submodule is);
/// their git dirs under the record go with `modules` in [`OPERATION_FILES`].
fn empty_submodules(git: &Git, path: &Path) -> Result<()> {
    let listing = git.run_bytes(["ls-files", "--stage", "-z"])?;
    for entry in listing.split(|b| *b == 0) {
        let Some(rest) = entry.strip_prefix(b"160000 ") else {
            continue;
        };
        let Some(tab) = rest.iter().position(|b| *b == b'\t') else {
            continue;
        };
        let dir = path.join(crate::git::path_from_bytes(rest[tab + 1..].to_vec()));
        if dir.symlink_metadata().is_ok_and(|m| m.is_dir()) {
            std::fs::remove_dir_all(&dir).doing(|| format!("cannot remove {}", dir.display()))?;
            std::fs::create_dir(&dir).doing(|| format!("cannot create {}", dir.display()))?;
        }
    }
    Ok(())
}

/// Clear git's "assume unchanged" bit (`git update-index
/// --assume-unchanged`) a session set: a file so marked is never compared,
/// so a changed one would survive the checkout.
fn forget_assume_unchanged(git: &Git) -> Result<()> {
    let listing = git.run_bytes(["ls-files", "-v", "-z"])?;
    let mut marked = Vec::new();
    for entry in listing.split(|b| *b == 0) {
        if entry.len() > 2 && entry[0].is_ascii_lowercase() && entry[1] == b' ' {
            marked.extend_from_slice(&entry[2..]);
            marked.push(0);
        }
    }
    if !marked.is_empty() {
        git.run_stdin_bytes(
            ["update-index", "--no-assume-unchanged", "-z", "--stdin"],
            &marked,
        )?;
    }
    Ok(())
}

/// Unset what a session set in its worktree's own configuration (`git
/// config --worktree`), but for the sparse-checkout settings `git worktree
/// add` writes there (which decide who may take the spare).
fn forget_worktree_config(git: &Git, record: &Path) -> Result<()> {
    let file = record.join("config.worktree");
    if !file.exists() {
        return Ok(());
    }
    let file = file.to_string_lossy().into_owned();
    let names = git.run(["config", "-f", &file, "--name-only", "--list"])?;
    let mut names: Vec<&str> = names
        .lines()
        .filter(|n| !n.to_ascii_lowercase().starts_with("core.sparsecheckout"))
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        git.run(["config", "-f", &file, "--unset-all", name])?;
    }
    Ok(())
}

/// Start a detached `git-agent __pool-fill` in the main worktree that fills
/// the pool and cleans spares given back; the caller never waits for it,
/// and it is not in the caller's process group (a Ctrl-C there does not
/// reach it). Fault injection is not passed on: a crash test crashes the
/// process it names, not this one.
pub fn finish_in_background(repo: &Repo) {
    use std::os::unix::process::CommandExt;
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let _ = std::process::Command::new(exe)
        .arg("__pool-fill")
        .current_dir(&repo.main_worktree)
        .env_remove("GIT_AGENT_FAULT")
        .env_remove("GIT_AGENT_PAUSE")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn();
}

#[cfg(test)]
mod tests {
    use super::super::Spare;
    use super::*;

    #[test]
    fn spares_are_listed_by_what_they_hold() {
        let spare = Spare {
            name: "spare-1".into(),
            path: PathBuf::from("/nowhere/.pool/spare-1"),
            status: Status::Busy(Owner {
                pid: std::process::id(),
                started: crate::time::now(),
            }),
            present: true,
        };
        assert!(spare.in_hand());
        assert!(!spare.ready());
        let gone = Spare {
            status: Status::Taken(Owner {
                pid: u32::MAX - 1,
                started: crate::time::now(),
            }),
            ..spare
        };
        assert!(!gone.in_hand());
    }
}
