//! Restoring a session: a discarded (or kept) session comes back — its
//! worktree at the path it had, its branch at the snapshot's first parent,
//! the index from the snapshot's second parent and the files from the
//! snapshot's tree, so every committed, staged, unstaged and untracked file
//! is as `discard` (or `keep`) saw it, the staged/unstaged split included.
//!
//! Order, and what a process killed after each step leaves behind:
//!
//! 1. `git worktree add --detach --no-checkout --lock --reason "git-agent <id>"`
//!    at the session's path, under the `worktree` lock (as `new` does). From
//!    here on, a worktree record at that path locked by git-agent for a
//!    session that is still kept or discarded *is* the mark of an
//!    interrupted restore: running `restore` again, or `gc`, picks it up.
//! 2. Create the branch at the snapshot's first parent — a create-only
//!    compare-and-swap; a branch that already exists is accepted only when it
//!    points at that very commit (a rerun after a kill here).
//! 3. Attach the worktree's `HEAD` to the branch (`symbolic-ref`; same commit,
//!    so index and files are not involved).
//! 4. Fill the worktree: files and index are written through a temporary
//!    index in `<common dir>/agents/`, and that index is renamed over the
//!    worktree's own index last. A kill before the rename leaves the worktree
//!    without an index, so a rerun fills again; once the index is in place
//!    the fill is never repeated (it could overwrite work done since).
//! 5. Record the state `active` (compare-and-swap of the meta ref). Then,
//!    as `new` does, copy `agent.copy` files and run `agent.postCreate`; a
//!    kill there leaves an `active` session without them, as a failing
//!    `agent.postCreate` does.
//!
//! Until step 5 the session stays kept/discarded: `keep` and `discard`
//! refuse it and `diff` reads its snapshot, so nothing ever snapshots a
//! half-filled worktree over the real snapshot. Restores and `gc` are
//! serialized by `<common dir>/agents/restore.lock`. A failure (not a kill)
//! during a first attempt rolls back what that attempt created.
//!
//! `git agent restore` (`src/commands/restore.rs`) restores one session;
//! `gc` finishes the restores a kill interrupted.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Context, Error, Result};
use crate::git::Git;
use crate::output;
use crate::repo::{Lock, Repo};
use crate::session::{self, Id, Session, State};
use crate::snapshot::{self, WorktreeState};
use crate::worktree::{self, Record};

/// How long `restore` and `gc` wait for each other.
const PATIENCE: Duration = Duration::from_secs(120);

/// The lock that serializes restores with each other and with `gc`.
pub fn lock(repo: &Repo) -> Result<Lock> {
    repo.lock_wait("restore", PATIENCE)
}

/// The lock reason of a session's worktree (`new` gives the same).
pub fn lock_reason(id: &Id) -> String {
    format!("git-agent {id}")
}

/// Was a restore of this session interrupted: is it still kept or discarded
/// while git has a worktree at its path locked by git-agent for it?
pub fn interrupted(session: &Session, records: &[Record]) -> bool {
    // A fetched session names paths of another clone's (or, crafted, of
    // this one's): whatever record is there is not its restore.
    !session.foreign && !session.meta.state.is_live() && own_record(session, records).is_some()
}

fn own_record<'a>(session: &Session, records: &'a [Record]) -> Option<&'a Record> {
    let reason = lock_reason(&session.id);
    records
        .iter()
        .find(|r| r.is_at(&session.meta.worktree) && r.locked.as_deref() == Some(&reason))
}

/// Restore `session`, or finish an interrupted restore of it. The caller
/// holds [`lock`]. On success the session is `active`.
pub fn restore(repo: &Repo, session: &mut Session) -> Result<()> {
    if session.foreign {
        return Err(Error::internal(format!(
            "session '{}' is not this clone's: it must be adopted before it is restored",
            session.id
        )));
    }
    let plan = check(repo, session)?;
    let mut made = Made::default();
    if let Err(e) = steps(repo, session, &plan, &mut made) {
        if !plan.resume {
            rollback(repo, session, &plan, &made);
        }
        return Err(e);
    }
    let mut meta = session.meta.clone();
    meta.state = State::Active;
    session::update(repo, session, meta, None)
}

/// What restoring needs, once every refusal has been checked.
struct Plan {
    /// What the snapshot recorded.
    state: WorktreeState,
    /// An interrupted restore left its locked worktree record at the path.
    resume: bool,
    /// The branch exists already (at the snapshot's first parent).
    branch_exists: bool,
}

/// What this attempt created, for the roll back of a failed first attempt.
#[derive(Default)]
struct Made {
    worktree: bool,
    branch: bool,
}

fn check(repo: &Repo, session: &Session) -> Result<Plan> {
    refuse_live(repo, session)?;
    let id = &session.id;
    let Some(snap) = session.snapshot else {
        return Err(Error::refused(format!(
            "session '{id}' has no snapshot to restore from"
        ))
        .with_hint(format!(
            "its worktree and branch were already gone when it was {}; `git agent show {id}` shows what is known",
            session.meta.state
        )));
    };
    let state = snapshot::load(repo, snap)?;
    let records = worktree::records(repo)?;
    let resume = own_record(session, &records).is_some();
    let tip = worktree::branch_tip(repo, &session.meta.branch);
    refuse_in_the_way(session, &records, resume, tip, state.head)?;
    Ok(Plan {
        state,
        resume,
        branch_exists: tip.is_some(),
    })
}

/// A session that is here already (or broken) has nothing to restore.
fn refuse_live(repo: &Repo, session: &Session) -> Result<()> {
    if !session.meta.state.is_live() {
        return Ok(());
    }
    let id = &session.id;
    let state = session.state(repo);
    let hint = if state == State::Broken {
        format!(
            "its worktree or branch is gone; `git agent discard {id}` saves what is left, then it can be restored"
        )
    } else {
        format!("it is here already: cd \"$(git agent path {id})\"")
    };
    Err(Error::refused(format!(
        "session '{id}' is {state}, not kept or discarded; there is nothing to restore"
    ))
    .with_hint(hint))
}

/// Refuse when what the restore would make is taken: its worktree left in
/// place, a branch of that name elsewhere, or something at its path
/// (unless an interrupted restore of its own is being resumed).
fn refuse_in_the_way(
    session: &Session,
    records: &[Record],
    resume: bool,
    tip: Option<gix::ObjectId>,
    head: gix::ObjectId,
) -> Result<()> {
    let id = &session.id;
    let path = &session.meta.worktree;
    let branch = &session.meta.branch;
    let full = format!("refs/heads/{branch}");
    if !resume
        && records
            .iter()
            .any(|r| r.is_at(path) && r.branch.as_deref() == Some(full.as_str()))
    {
        return Err(Error::refused(format!(
            "the worktree of session '{id}' is still at {} (it was kept with --keep-worktree)",
            path.display()
        ))
        .with_hint(format!(
            "work in it as it is, or remove it (`git worktree remove {}`) and restore again",
            path.display()
        )));
    }
    if let Some(tip) = tip.filter(|tip| *tip != head) {
        return Err(Error::refused(format!(
            "a branch named '{branch}' exists now and points at {}, not at the session's {}",
            short(tip),
            short(head)
        ))
        .with_hint(format!(
            "rename or delete that branch (`git branch -m {branch} <new-name>`), then restore again"
        )));
    }
    if let Some(other) = records
        .iter()
        .find(|r| r.branch.as_deref() == Some(full.as_str()) && !r.is_at(path))
    {
        return Err(Error::refused(format!(
            "branch '{branch}' is checked out in {}",
            other.path.display()
        ))
        .with_hint("check out something else there, then restore again"));
    }
    if !resume {
        if occupied(path) {
            return Err(Error::refused(format!(
                "{} exists now; the session would be restored there",
                path.display()
            ))
            .with_hint("move it away, then restore again"));
        }
        if records.iter().any(|r| r.is_at(path)) {
            return Err(Error::refused(format!(
                "git still has a worktree registered at {}",
                path.display()
            ))
            .with_hint("`git worktree prune` forgets it when its directory is gone"));
        }
    }
    Ok(())
}

/// Steps 1 to 4 of the module documentation; each is skipped when a
/// previous, interrupted attempt already did it.
fn steps(repo: &Repo, session: &Session, plan: &Plan, made: &mut Made) -> Result<()> {
    let path = &session.meta.worktree;
    if !path.join(".git").exists() {
        if plan.resume {
            // The add itself was interrupted: start it over.
            if occupied(path) {
                return Err(Error::refused(format!(
                    "{} is not a worktree but is not empty either; it was left as it is",
                    path.display()
                ))
                .with_hint("move it away, then restore again"));
            }
            worktree::drop_record(repo, path)?;
        }
        add_worktree(repo, session, plan.state.head)?;
        made.worktree = true;
        crate::fault::point("restore:worktree-added");
    }
    let full = format!("refs/heads/{}", session.meta.branch);
    if !plan.branch_exists {
        let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
        repo.git()
            .run([
                "update-ref",
                "-m",
                &format!("git-agent: restore {}", session.id),
                &full,
                &plan.state.head.to_string(),
                &zero.to_string(),
            ])
            .map_err(|_| {
                Error::refused(format!(
                    "branch '{}' was created by someone else while the session was being restored",
                    session.meta.branch
                ))
                .with_hint("rename or delete that branch, then restore again")
            })?;
        made.branch = true;
        crate::fault::point("restore:branch-created");
    }
    Git::new(path).run(["symbolic-ref", "HEAD", &full])?;
    crate::fault::point("restore:head-attached");
    fill(repo, path, &plan.state)?;
    crate::fault::point("restore:filled");
    for warning in
        crate::submodule::init(repo, &session.meta.origin, path, Some(plan.state.full_tree))
    {
        output::warn(&warning);
    }
    crate::fault::point("restore:submodules-initialised");
    Ok(())
}

/// Step 1: a detached, locked, empty worktree at the session's tip.
fn add_worktree(repo: &Repo, session: &Session, head: gix::ObjectId) -> Result<()> {
    let path = &session.meta.worktree;
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::refused(format!("cannot create {}: {e}", parent.display())))?;
    }
    let args: Vec<OsString> = vec![
        "worktree".into(),
        "add".into(),
        "--detach".into(),
        "--no-checkout".into(),
        "--lock".into(),
        "--reason".into(),
        lock_reason(&session.id).into(),
        path.into(),
        head.to_string().into(),
    ];
    // git copies the sparse-checkout patterns of the worktree it runs in:
    // the session's origin's, as at `new`, while that is still there.
    let origin = &session.meta.origin;
    let from = if origin.join(".git").exists() {
        origin
    } else {
        &repo.current_worktree
    };
    let _lock = repo.lock("worktree")?;
    Git::new(from).run(args).map(drop)
}

/// Step 4: write the snapshot's files and index into the worktree, unless a
/// previous attempt already did (the worktree has an index).
fn fill(repo: &Repo, path: &Path, state: &WorktreeState) -> Result<()> {
    let git = Git::new(path).config("checkout.workers=0");
    let index =
        PathBuf::from(git.run(["rev-parse", "--path-format=absolute", "--git-path", "index"])?);
    if index.exists() {
        return Ok(());
    }
    // A name no session's directory under `agents/` can have (ids never
    // start with '.'), so `gc` can recognise and remove a stale one.
    let tmp = tempfile::Builder::new()
        .prefix(crate::paths::TEMP_RESTORE)
        .tempdir_in(repo.state_dir()?)
        .context(|| "cannot create a temporary directory".into())?;
    let tmp_index = tmp.path().join("index");
    // Every file, sparse patterns or not: a change outside them must come
    // back too. The patterns are applied again once the index is in place.
    let with_tmp = git
        .clone()
        .config("core.sparseCheckout=false")
        .env("GIT_INDEX_FILE", &tmp_index);
    // Everything on disk first (untracked files included), then the index
    // as it was: what is in the tree but not in the index is untracked again.
    with_tmp.run(["read-tree", "--reset", "-u", &state.full_tree.to_string()])?;
    with_tmp.run(["read-tree", &state.index_tree.to_string()])?;
    // Fresh stat data; its exit code only says whether files differ from the index.
    with_tmp.output(["update-index", "-q", "--refresh"])?;
    crate::fault::point("restore:files-written");
    std::fs::rename(&tmp_index, &index).context(|| {
        format!(
            "cannot move the restored index into place at {}",
            index.display()
        )
    })?;
    // Hide the unchanged files outside the patterns again; git leaves
    // changed ones where they are.
    if git
        .run(["config", "--bool", "core.sparseCheckout"])
        .is_ok_and(|v| v == "true")
    {
        git.output(["sparse-checkout", "reapply"])?;
    }
    Ok(())
}

/// Undo a failed first attempt: everything it created holds nothing but
/// copies of what the snapshot keeps.
fn rollback(repo: &Repo, session: &Session, plan: &Plan, made: &Made) {
    if made.worktree {
        let _ = worktree::remove(repo, &session.meta.worktree);
    }
    if made.branch {
        let _ = worktree::delete_branch(repo, &session.meta.branch, plan.state.head);
    }
}

/// Is there anything at `path`? An empty directory does not count.
fn occupied(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
        Ok(m) if m.is_dir() => std::fs::read_dir(path).map_or(true, |mut d| d.next().is_some()),
        Ok(_) => true,
    }
}

fn short(id: gix::ObjectId) -> String {
    id.to_string()[..7].to_owned()
}
