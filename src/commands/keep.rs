//! `git agent keep <id>`: bring a session's whole change home.
//!
//! Everything is decided in the object database before the target is
//! touched: the session is snapshotted, the target's index and files are
//! read into trees, and every three-way merge (base = the session's base) is
//! computed with `git merge-tree`. Only when all of them are clean are the
//! changed paths written ([`crate::merge::apply`]) and, for `--squash` /
//! `--commit`, the branch moved with a compare-and-swap. On any conflict
//! nothing in the target changes.
//!
//! [`run`] reads as those steps: `save` the session, decide a `Plan`
//! (`keep/plan.rs`, with the commits of `--squash`/`--commit` made in
//! `keeping/commits.rs`, shared with `land`), `apply` it, `finish` with the session, `report`.
//! Its refusals are in `keeping/checks.rs`.

mod plan;

use std::path::Path;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::cli::KeepArgs;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::keeping::{
    check_can_commit, check_target, refuse_embedded_repositories, refuse_unresolved, target,
};
use crate::merge;
use crate::repo::Repo;
use crate::runs::stop_live;
use crate::session::{self, Session, State};
use crate::snapshot;
use crate::{notes, view, worktree};
use plan::{Plan, decide};

pub fn run(repo: &Repo, args: &KeepArgs) -> Result<i32> {
    let mut session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    if session.meta.state.is_live() {
        // A worktree whose `.git` an agent deleted is still its work.
        worktree::relink(repo, &session.meta.worktree)?;
    }
    // The session's worktree is watched from here on, before its snapshot:
    // what is written there later is snapshotted again before the worktree
    // goes. Setting the watches up runs beside the checks below.
    let watching = session.path().map(|path| {
        let path = path.to_path_buf();
        std::thread::spawn(move || snapshot::Watch::start(&path))
    });
    refuse_settled(repo, &session)?;
    refuse_unresolved(&session)?;
    let target = target(repo, &session)?;
    check_target(&target)?;
    let committing = args.squash || args.commit;
    if committing {
        check_can_commit(&target)?;
    }
    stop_live(repo, &mut session, args.force)?;
    if let Some(path) = session.path().filter(|_| !args.keep_worktree) {
        crate::submodule::preserve(&session.id, path)?;
    }
    let _lock = repo.lock_wait("keep", Duration::from_secs(120))?;
    // Read it again under the lock: a discard (which takes this lock too)
    // or another keep may have finished with it while this one waited.
    session = session::still_ours(repo, &session.id)?;

    let saved = save(repo, &mut session, args, watching)?;
    if saved.snap_tree == saved.base_tree {
        finish(repo, &mut session, saved.tip, saved.leaving)?;
        let left = if args.keep_worktree {
            "were left in place"
        } else {
            "were removed"
        };
        anstream::eprintln!(
            "Session {}: nothing to keep; its worktree and branch {left}.",
            session.id
        );
        return Ok(0);
    }

    // The target's index is locked before it is read, so no git command
    // changes it between this read and its replacement.
    let index_lock = merge::IndexLock::take(&target)?;
    // Ctrl-C or a kill from here on must not leave the checkout half-written
    // with git's index lock behind: the git children it reaches fail, the
    // failed write is undone and the lock released; a signal that comes
    // between steps lets keep finish (it is all-or-nothing either way).
    let _ = ctrlc::set_handler(|| {});
    // What was checked before waiting for the locks, again under them: a
    // merge begun meanwhile, work staged meanwhile.
    check_target(&target)?;
    if committing {
        check_can_commit(&target)?;
    }
    let plan = decide(repo, &session, &target, args, &saved)?;
    apply(repo, &mut session, &target, args, index_lock, &plan)?;
    finish(repo, &mut session, saved.tip, saved.leaving)?;
    report(repo, &session, &target, args, &plan)
}

/// A kept or discarded session is kept once.
fn refuse_settled(repo: &Repo, session: &Session) -> Result<()> {
    let state = session.state(repo);
    if state.is_live() {
        return Ok(());
    }
    let hint = if session.worktree_present() {
        format!(
            "its worktree {} was left in place (--keep-worktree); a session is kept once: for more work there, `git agent new --base {}` starts a new session from its branch",
            session.meta.worktree.display(),
            session.meta.branch
        )
    } else {
        format!(
            "`git agent restore {}` brings it back to work on",
            session.id
        )
    };
    Err(Error::refused(format!("session '{}' is already {state}", session.id)).with_hint(hint))
}

/// The session as [`save`] left it in its refs, and how its worktree goes.
struct Saved {
    /// The session branch's tip, the expected value when it is deleted.
    tip: Option<gix::ObjectId>,
    /// The snapshot commit and its tree: the whole change to keep.
    snap: gix::ObjectId,
    snap_tree: gix::ObjectId,
    /// The tree of the session's base: the snapshot's tree when nothing changed.
    base_tree: gix::ObjectId,
    leaving: Leaving,
}

/// Make the session's whole state reachable from its refs, and refuse what
/// the snapshot shows keep must not bring: paths outside its scope (unless
/// `--force`), repositories of its own.
fn save(
    repo: &Repo,
    session: &mut Session,
    args: &KeepArgs,
    watching: Option<JoinHandle<snapshot::Watch>>,
) -> Result<Saved> {
    let watch = watching
        .map(|thread| thread.join())
        .transpose()
        .map_err(|_| Error::internal("the watch on the session's worktree could not be set up"))?;
    let tip = session::save(repo, session, "keep")?;
    crate::fault::point("keep:snapshotted");
    let leaving = Leaving {
        keep_worktree: args.keep_worktree,
        watch,
        // Which ignored files go with the worktree, found while keep merges.
        ignored: session
            .path()
            .filter(|_| !args.keep_worktree)
            .map(crate::copy::IgnoredListing::start),
    };
    let snap = session.snapshot.ok_or_else(|| {
        Error::refused(format!(
            "session '{}' has no worktree or branch left to keep",
            session.id
        ))
    })?;
    let snap_tree = repo.resolve_tree(snap)?;
    let base_tree = repo.resolve_tree(session.base)?;
    refuse_out_of_scope(session, args.force)?;
    refuse_embedded_repositories(repo, session, base_tree, snap_tree)?;
    Ok(Saved {
        tip,
        snap,
        snap_tree,
        base_tree,
        leaving,
    })
}

/// Paths the session changed outside its `--scope` refuse the keep unless
/// `--force`.
fn refuse_out_of_scope(session: &Session, force: bool) -> Result<()> {
    let changed = session.meta.changes.clone().unwrap_or_default();
    let outside = view::out_of_scope(&session.meta.scope, &changed.paths);
    if outside.is_empty() || force {
        return Ok(());
    }
    Err(Error::refused(format!(
        "session '{}' changed paths outside its scope ({}): {}",
        session.id,
        session.meta.scope.join(", "),
        outside.join(", ")
    ))
    .with_hint(format!(
        "review them with `git agent diff {}`, or keep anyway with --force",
        session.id
    )))
}

/// Write the plan into the target: the files and index, then for
/// `--squash`/`--commit` HEAD (compare-and-swap), the notes and
/// `post-commit`. The session is claimed first, so no run starts in it and
/// no other command takes it between here and the removal.
fn apply(
    repo: &Repo,
    session: &mut Session,
    target: &Path,
    args: &KeepArgs,
    index_lock: merge::IndexLock,
    plan: &Plan,
) -> Result<()> {
    if !args.keep_worktree {
        let _claim = session::claim(repo, session, "keep")?;
    }
    if let Err(e) = merge::apply(
        repo,
        target,
        index_lock,
        (plan.now.full_tree, plan.files),
        (plan.now.index_tree, plan.index),
    ) {
        session::unclaim(repo, session);
        return Err(e);
    }
    crate::fault::point("keep:applied");
    if let Some((head, made)) = &plan.commits {
        Git::new(target).run([
            "update-ref",
            "-m",
            &format!("git-agent: keep {}", session.id),
            "HEAD",
            &head.to_string(),
            &plan.now.head.to_string(),
        ])?;
        let how = if args.squash {
            "keep --squash"
        } else {
            "keep --commit"
        };
        crate::fault::point("keep:head-moved");
        notes::add(repo, made, &notes::text(session, how))?;
        if !made.is_empty() {
            plan.committer.post_commit();
        }
    }
    Ok(())
}

/// Say what changed in the target, which can be less than the session's
/// change when part of it was there already.
fn report(
    repo: &Repo,
    session: &Session,
    target: &Path,
    args: &KeepArgs,
    plan: &Plan,
) -> Result<i32> {
    let files = match &plan.commits {
        Some(_) => merge::count_changed(repo, plan.head_tree, plan.index)?,
        None => merge::count_changed(repo, plan.now.index_tree, plan.index)?,
    };
    anstream::eprintln!(
        "{}",
        summary(&session.id, target, plan.commits.as_ref(), files)
    );
    if !args.keep_worktree && session.meta.worktree == repo.current_worktree {
        anstream::eprintln!(
            "The session's worktree was removed; continue in {}",
            target.display()
        );
    }
    Ok(0)
}

/// The line that says what a keep did: `files` paths of the target's index
/// changed, and with `--squash`/`--commit` the new HEAD and its commits.
fn summary(
    id: &session::Id,
    target: &Path,
    commits: Option<&(gix::ObjectId, Vec<gix::ObjectId>)>,
    files: usize,
) -> String {
    match commits {
        Some((_, made)) if made.is_empty() => format!(
            "Session {}: its change is already in {}; nothing new to commit.",
            id,
            target.display()
        ),
        Some((head, made)) => format!(
            "Kept session {} into {}: {} commit{} ({} file{}), now at {}.",
            id,
            target.display(),
            made.len(),
            if made.len() == 1 { "" } else { "s" },
            files,
            if files == 1 { "" } else { "s" },
            &head.to_string()[..7]
        ),
        None if files == 0 => format!(
            "Session {}: its change is already in {}; nothing new to stage.",
            id,
            target.display()
        ),
        None => format!(
            "Kept session {} into {}: {} file{} staged; review with `git diff --cached`.",
            id,
            target.display(),
            files,
            if files == 1 { "" } else { "s" }
        ),
    }
}

/// What was written in the worktree while keep merged (by hand: runs are
/// held off by the claim) is not in the checkout; it goes into the session's
/// snapshot before the worktree is removed, so nothing is lost.
fn snapshot_late_changes(
    repo: &Repo,
    session: &mut Session,
    watch: Option<&snapshot::Watch>,
) -> Result<()> {
    let (Some(path), Some(snap)) = (session.path().map(Path::to_path_buf), session.snapshot) else {
        return Ok(());
    };
    if watch.is_some_and(|w| !w.touched()) {
        return Ok(());
    }
    let now = snapshot::capture(repo, &path)?;
    let then = snapshot::load(repo, snap)?;
    if (now.head, now.index_tree, now.full_tree) == (then.head, then.index_tree, then.full_tree) {
        return Ok(());
    }
    session::save(repo, session, "keep: changed while keeping")?;
    crate::output::warn(&format!(
        "session '{0}' changed while it was being kept; those late changes are not in your checkout, but `git agent restore {0}` brings them back",
        session.id
    ));
    Ok(())
}

/// How keep leaves the session's worktree: in place (`--keep-worktree`),
/// or removed once what was written there meanwhile is snapshotted and the
/// ignored files that go with it are named.
struct Leaving {
    keep_worktree: bool,
    watch: Option<snapshot::Watch>,
    ignored: Option<crate::copy::IgnoredListing>,
}

/// Remove worktree and branch (unless asked to keep them) and record `kept`.
fn finish(
    repo: &Repo,
    session: &mut Session,
    tip: Option<gix::ObjectId>,
    leaving: Leaving,
) -> Result<()> {
    let path = session.meta.worktree.clone();
    if leaving.keep_worktree {
        let _ = repo
            .git()
            .output(["worktree".as_ref(), "unlock".as_ref(), path.as_os_str()]);
    } else {
        if session
            .meta
            .pending
            .as_ref()
            .is_none_or(|p| p.pid != std::process::id())
        {
            let _claim = session::claim(repo, session, "keep")?;
        }
        snapshot_late_changes(repo, session, leaving.watch.as_ref())?;
        if let Some(ignored) = leaving.ignored {
            ignored.warn(repo);
        }
        crate::pool::give_back_or_remove(repo, &path)?;
        crate::fault::point("keep:worktree-removed");
        // The change is home already: a branch that cannot be deleted is
        // left behind with a warning, never reported as a failed keep.
        if let Some(tip) = tip
            && let Err(e) = worktree::delete_branch(repo, &session.meta.branch, tip)
        {
            crate::output::warn(&format!("{}; delete it yourself when done", e.message));
        }
        crate::fault::point("keep:branch-deleted");
    }
    // The change is home already: settle the record even if another
    // process wrote to it meanwhile.
    *session = session::modify(repo, &session.id, |meta| {
        meta.state = State::Kept;
        meta.pending = None;
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(hex: &str) -> gix::ObjectId {
        gix::ObjectId::from_hex(hex.repeat(40).as_bytes()).unwrap()
    }

    #[test]
    fn the_summary_says_what_the_plan_did() {
        let id = session::Id::parse("fix").unwrap();
        let target = Path::new("/repo");
        let head = oid("a");
        assert_eq!(
            summary(&id, target, None, 2),
            "Kept session fix into /repo: 2 files staged; review with `git diff --cached`."
        );
        assert_eq!(
            summary(&id, target, None, 0),
            "Session fix: its change is already in /repo; nothing new to stage."
        );
        assert_eq!(
            summary(&id, target, Some(&(head, vec![head])), 1),
            "Kept session fix into /repo: 1 commit (1 file), now at aaaaaaa."
        );
        assert_eq!(
            summary(&id, target, Some(&(head, vec![oid("b"), head])), 3),
            "Kept session fix into /repo: 2 commits (3 files), now at aaaaaaa."
        );
        assert_eq!(
            summary(&id, target, Some(&(head, Vec::new())), 0),
            "Session fix: its change is already in /repo; nothing new to commit."
        );
    }
}
