//! keep's decision: every merge, and for `--squash`/`--commit` the commits,
//! computed in the object database while the target is locked and nothing
//! in it is written yet. The result is a [`Plan`].

use std::path::Path;

use gix::bstr::BString;

use super::Saved;
use crate::cli::KeepArgs;
use crate::commit::Committer;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::keeping::{
    clean, clean_or, meeting_point, replay_commits, squash_commit, yours_in_the_way,
};
use crate::merge;
use crate::repo::Repo;
use crate::session::{self, Session};
use crate::snapshot::{self, WorktreeState, parse_oid};

/// What keep will do to the target, decided before anything there is
/// written; [`super::apply`] carries it out.
pub(super) struct Plan {
    /// The target as read under its index lock: HEAD, the index, and the
    /// files at the paths the keep concerns.
    pub(super) now: WorktreeState,
    /// The tree of the target's HEAD.
    pub(super) head_tree: gix::ObjectId,
    /// The target's index after the keep.
    pub(super) index: gix::ObjectId,
    /// The target's files after the keep.
    pub(super) files: gix::ObjectId,
    /// `--squash`/`--commit`: where HEAD moves and the commits made for it
    /// (objects only, none when the change is there already).
    pub(super) commits: Option<(gix::ObjectId, Vec<gix::ObjectId>)>,
    /// How the commits were made; `post-commit` runs once HEAD moved.
    pub(super) committer: Committer,
}

/// Where keep's merges start, read from the target under its locks.
struct Ground {
    /// The merge base ([`meeting_point`]) and its tree.
    base: gix::ObjectId,
    base_tree: gix::ObjectId,
    /// The worktree's HEAD as snapshotted: the agent's commits even when it
    /// left the session branch.
    worked: Option<gix::ObjectId>,
    /// The target's HEAD and its tree.
    head: gix::ObjectId,
    head_tree: gix::ObjectId,
    /// The paths the keep may write, sorted (as bytes: a path need not be UTF-8).
    paths: Vec<BString>,
    /// The target's HEAD, index and files at `paths`.
    now: WorktreeState,
}

/// Decide the full result: every merge, and for `--squash`/`--commit` the
/// commits (hooks included), with nothing in the target written yet.
pub(super) fn decide(
    repo: &Repo,
    session: &Session,
    target: &Path,
    args: &KeepArgs,
    saved: &Saved,
) -> Result<Plan> {
    let mut ground = measure(repo, session, target, saved)?;
    let committer = Committer::new(repo, target, !args.no_verify)?;
    let (index, files, commits) = if args.squash || args.commit {
        let (tree, files, commits) =
            plan_commits(repo, session, target, args, &committer, saved, &mut ground)?;
        (tree, files, Some(commits))
    } else {
        let (index, files) = plan_staged(repo, session, target, saved, &ground)?;
        (index, files, None)
    };
    Ok(Plan {
        now: ground.now,
        head_tree: ground.head_tree,
        index,
        files,
        commits,
        committer,
    })
}

/// Read what keep's merges need from the target: its HEAD, the merge base,
/// and its index and files at the paths the session changed (only those
/// can meet the target's own work).
fn measure(repo: &Repo, session: &Session, target: &Path, saved: &Saved) -> Result<Ground> {
    let worked = repo.first_parent(saved.snap)?;
    let head = parse_oid(&Git::new(target).run(["rev-parse", "--verify", "HEAD"])?)?;
    // A carried session kept from a snapshot of its branch alone (its
    // worktree went by hand) has lost the carried changes with the
    // worktree: measuring from them would undo the caller's own copy.
    let session_base = match session.carried_onto(repo) {
        Some(onto) if session.path().is_none() => onto,
        _ => session.base,
    };
    let base = meeting_point(repo, session_base, head, worked)?;
    let base_tree = repo.resolve_tree(base)?;
    let mut paths = merge::changed_paths(repo, repo.resolve_tree(session.base)?, saved.snap_tree)?;
    if base != session.base {
        paths.extend(merge::changed_paths(repo, base_tree, saved.snap_tree)?);
    }
    paths.sort();
    paths.dedup();
    let now = read_target(repo, target, &paths, head)?;
    let head_tree = repo.resolve_tree(now.head)?;
    Ok(Ground {
        base,
        base_tree,
        worked,
        head,
        head_tree,
        paths,
        now,
    })
}

/// The target's HEAD, index and files at `paths`; refused when HEAD is no
/// longer `head`.
fn read_target(
    repo: &Repo,
    target: &Path,
    paths: &[BString],
    head: gix::ObjectId,
) -> Result<WorktreeState> {
    let now = snapshot::capture_paths(repo, target, &merge::disk_paths(target, paths)?)?;
    if now.head != head {
        return Err(Error::refused(format!(
            "HEAD in {} moved while keeping; nothing was changed",
            target.display()
        ))
        .with_hint("keep again"));
    }
    Ok(now)
}

/// `--squash`/`--commit`: the commits on the target's HEAD, and the files
/// after them. Returns the new index (the final commit's tree), the new
/// files, and the new HEAD with the commits made.
fn plan_commits(
    repo: &Repo,
    session: &Session,
    target: &Path,
    args: &KeepArgs,
    committer: &Committer,
    saved: &Saved,
    ground: &mut Ground,
) -> Result<(
    gix::ObjectId,
    gix::ObjectId,
    (gix::ObjectId, Vec<gix::ObjectId>),
)> {
    let head = (ground.now.head, ground.head_tree);
    let final_commit = if args.squash {
        squash_commit(
            repo,
            committer,
            session,
            args.message.as_deref(),
            ground.base_tree,
            saved.snap_tree,
            head,
        )?
    } else {
        replay_commits(
            repo,
            committer,
            session,
            ground.base,
            ground.worked,
            saved.snap_tree,
            head,
        )?
    };
    let final_tree = repo.resolve_tree(final_commit.0)?;
    // Every path the new commit changes is written: read all of them
    // from disk first, so no file is written over unseen.
    let changed_now = merge::changed_paths(repo, ground.head_tree, final_tree)?;
    if changed_now
        .iter()
        .any(|p| ground.paths.binary_search(p).is_err())
    {
        ground.paths.extend(changed_now);
        ground.paths.sort();
        ground.paths.dedup();
        ground.now = read_target(repo, target, &ground.paths, ground.head)?;
    }
    let files = clean_or(
        session,
        merge::trees(repo, ground.head_tree, ground.now.full_tree, final_tree)?,
        yours_in_the_way(&session.id),
    )?;
    Ok((final_tree, files, final_commit))
}

/// Without `--squash`/`--commit`: the change staged on top of the target's
/// index and files. Returns the new index and the new files.
fn plan_staged(
    repo: &Repo,
    session: &Session,
    target: &Path,
    saved: &Saved,
    ground: &Ground,
) -> Result<(gix::ObjectId, gix::ObjectId)> {
    let (now, base_tree, snap_tree) = (&ground.now, ground.base_tree, saved.snap_tree);
    // Files of the session's base that are untracked here (carried with
    // `new --carry`, say): the index side starts from the files as they
    // are, so an edit to one is staged rather than taken for a conflict
    // with its absence from the index.
    let untracked = merge::untracked_in(repo, now.index_tree, now.full_tree, base_tree)?;
    let index_ours = if untracked.is_empty() {
        now.index_tree
    } else {
        merge::with_entries(repo, now.index_tree, now.full_tree, &untracked)?
    };
    let index = clean(
        session,
        merge::trees(repo, base_tree, index_ours, snap_tree)?,
    )?;
    // The index merged cleanly: a conflict here is with the target's
    // own uncommitted work.
    let files = clean_or(
        session,
        merge::trees(repo, base_tree, now.full_tree, snap_tree)?,
        yours_in_the_way(&session.id),
    )?;
    // keep never removes a file that is untracked here: it exists
    // nowhere else in this checkout's history.
    let gone: Vec<String> = untracked
        .iter()
        .filter(|p| !merge::has_path(repo, files, p))
        .map(|p| p.to_string())
        .collect();
    if !gone.is_empty() {
        return Err(untracked_deleted(&session.id, target, &gone));
    }
    Ok((index, files))
}

/// The refusal of a result that deletes files untracked in the target.
fn untracked_deleted(id: &session::Id, target: &Path, gone: &[String]) -> Error {
    Error::refused(format!(
        "session '{}' deletes {} untracked in {}: {}; keep does not remove untracked files",
        id,
        if gone.len() == 1 {
            "a file that is"
        } else {
            "files that are"
        },
        target.display(),
        gone.join(", ")
    ))
    .with_hint("delete them yourself if you agree, or `git add` them first; nothing was changed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deleting_untracked_files_is_refused_by_name() {
        let id = session::Id::parse("fix").unwrap();
        let one = untracked_deleted(&id, Path::new("/repo"), &["notes.txt".into()]);
        assert_eq!(
            one.message,
            "session 'fix' deletes a file that is untracked in /repo: notes.txt; keep does not remove untracked files"
        );
        let two = untracked_deleted(&id, Path::new("/repo"), &["a".into(), "b".into()]);
        assert!(
            two.message
                .contains("deletes files that are untracked in /repo: a, b;")
        );
    }
}
