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
//! [`run`] reads as those steps: [`save`] the session, [`decide`] a
//! [`Plan`], [`apply`] it, [`finish`] with the session, [`report`].

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::Duration;

use gix::bstr::BString;

use crate::cli::KeepArgs;
use crate::commands::discard::stop_live_run;
use crate::commit::Committer;
use crate::error::{Error, Result};
use crate::git::{Git, tidy};
use crate::merge::{self, Merge};
use crate::repo::Repo;
use crate::session::{self, Session, State};
use crate::snapshot::{self, WorktreeState, parse_oid};
use crate::{notes, view, worktree};

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
    let target = target(repo, &session)?;
    check_target(&target)?;
    let committing = args.squash || args.commit;
    if committing {
        check_can_commit(&target)?;
    }
    stop_live_run(repo, &mut session, args.force)?;
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
        .map_err(|_| Error::git("the watch on the session's worktree could not be set up"))?;
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

/// What keep will do to the target, decided before anything there is
/// written; [`apply`] carries it out.
struct Plan {
    /// The target as read under its index lock: HEAD, the index, and the
    /// files at the paths the keep concerns.
    now: WorktreeState,
    /// The tree of the target's HEAD.
    head_tree: gix::ObjectId,
    /// The target's index after the keep.
    index: gix::ObjectId,
    /// The target's files after the keep.
    files: gix::ObjectId,
    /// `--squash`/`--commit`: where HEAD moves and the commits made for it
    /// (objects only, none when the change is there already).
    commits: Option<(gix::ObjectId, Vec<gix::ObjectId>)>,
    /// How the commits were made; `post-commit` runs once HEAD moved.
    committer: Committer,
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
fn decide(
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

/// The base of keep's three-way merges: the session's base, or where the
/// session and the target's HEAD last met when that is later — after the
/// session merged (or rebased onto) the target's branch to resolve a
/// conflict, what HEAD already has is not the session's change.
fn meeting_point(
    repo: &Repo,
    base: gix::ObjectId,
    head: gix::ObjectId,
    worked: Option<gix::ObjectId>,
) -> Result<gix::ObjectId> {
    let Some(worked) = worked else {
        return Ok(base);
    };
    let git = repo.git();
    let out = git.output(["merge-base", &head.to_string(), &worked.to_string()])?;
    let Ok(met) = parse_oid(&String::from_utf8_lossy(&out.stdout)) else {
        return Ok(base); // unrelated histories
    };
    let later = met != base
        && git
            .output([
                "merge-base",
                "--is-ancestor",
                &base.to_string(),
                &met.to_string(),
            ])?
            .status
            .success();
    Ok(if later { met } else { base })
}

/// Refuse a session that holds a repository of its own (a directory with
/// its own `.git`, not a submodule `.gitmodules` declares): `git add -A`
/// records it as a bare commit id, so keep would bring none of its files,
/// and its commits would go with the session's worktree. As `git add`
/// warns for an embedded repository, the person decides: plain files or a
/// submodule.
fn refuse_embedded_repositories(
    repo: &Repo,
    session: &Session,
    base_tree: gix::ObjectId,
    snap_tree: gix::ObjectId,
) -> Result<()> {
    let gitlinks: Vec<String> = crate::treediff::between(&repo.shared, base_tree, snap_tree)?
        .into_iter()
        .filter(|c| c.new.is_some_and(|(mode, _)| mode.is_commit()))
        .map(|c| c.path.to_string())
        .collect();
    if gitlinks.is_empty() {
        return Ok(());
    }
    // Submodules as the session's own `.gitmodules` declares them.
    let declared = repo
        .git()
        .output([
            "config",
            "--blob",
            &format!("{snap_tree}:.gitmodules"),
            "-z",
            "--get-regexp",
            r"^submodule\..*\.path$",
        ])
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    let declared: Vec<&str> = declared
        .split('\0')
        .filter_map(|entry| entry.split_once('\n').map(|(_, path)| path))
        .collect();
    let embedded: Vec<&String> = gitlinks
        .iter()
        .filter(|p| !declared.contains(&p.as_str()))
        .collect();
    let Some(first) = embedded.first() else {
        return Ok(());
    };
    let list = embedded
        .iter()
        .map(|p| format!("{p}/"))
        .collect::<Vec<_>>()
        .join(", ");
    Err(Error::refused(format!(
        "session '{}' holds a repository of its own at {list}: git records only its commit, so keep would bring none of its files, and its commits would go with the session's worktree; nothing was changed",
        session.id
    ))
    .with_hint(format!(
        "in the session, remove {first}/.git to keep its files as plain files, or make it a submodule (`git submodule add`), then keep again"
    )))
}

/// The checkout to keep into: where keep runs, or the session's origin when
/// run inside the session's own worktree.
fn target(repo: &Repo, session: &Session) -> Result<PathBuf> {
    let here = &repo.current_worktree;
    if session.path().map(tidy).as_ref() != Some(here) {
        return Ok(here.clone());
    }
    let origin = &session.meta.origin;
    if origin.join(".git").exists() && tidy(origin) != *here {
        Ok(tidy(origin))
    } else {
        Err(Error::refused(format!(
            "session '{}' came from {}, which is no longer a checkout",
            session.id,
            origin.display()
        ))
        .with_hint("run keep from the checkout that should receive the change"))
    }
}

/// Refuse a checkout in the middle of a merge, rebase, cherry-pick or revert,
/// on a branch without commits, or with unresolved conflicts.
fn check_target(target: &Path) -> Result<()> {
    let git = Git::new(target);
    let git_dir = PathBuf::from(git.run(["rev-parse", "--absolute-git-dir"])?);
    for (marker, what) in [
        ("MERGE_HEAD", "a merge"),
        ("rebase-merge", "a rebase"),
        ("rebase-apply", "a rebase or am"),
        ("CHERRY_PICK_HEAD", "a cherry-pick"),
        ("REVERT_HEAD", "a revert"),
    ] {
        if git_dir.join(marker).exists() {
            return Err(
                Error::refused(format!("{} is in the middle of {what}", target.display()))
                    .with_hint("finish or abort it first, then keep again"),
            );
        }
    }
    if git
        .output(["rev-parse", "-q", "--verify", "HEAD"])?
        .status
        .code()
        != Some(0)
    {
        return Err(Error::refused(format!(
            "the branch in {} has no commits yet; keep merges a session's change onto a commit",
            target.display()
        ))
        .with_hint(
            "commit something on it first, or keep from a checkout whose branch has commits",
        ));
    }
    if !git.run(["ls-files", "-u"])?.is_empty() {
        return Err(
            Error::refused(format!("{} has unresolved conflicts", target.display()))
                .with_hint("resolve them first, then keep again"),
        );
    }
    Ok(())
}

/// `--squash` and `--commit` need a branch (with commits: see
/// [`check_target`]), no staged work of the target's own, and an identity
/// to commit with.
fn check_can_commit(target: &Path) -> Result<()> {
    let git = Git::new(target);
    if git.output(["symbolic-ref", "-q", "HEAD"])?.status.code() != Some(0) {
        return Err(
            Error::refused(format!("HEAD in {} is detached", target.display())).with_hint(
                "check out a branch, or keep without --squash/--commit to stage the change",
            ),
        );
    }
    if git.output(["diff", "--cached", "--quiet"])?.status.code() != Some(0) {
        return Err(Error::refused(format!(
            "{} has staged changes of its own",
            target.display()
        ))
        .with_hint(
            "commit or unstage them first, or keep without --squash/--commit to stage the change",
        ));
    }
    if git.output(["var", "GIT_COMMITTER_IDENT"])?.status.code() != Some(0) {
        return Err(
            Error::refused("git has no committer identity to make the commit with").with_hint(
                "git config user.name 'Your Name' && git config user.email you@example.com",
            ),
        );
    }
    Ok(())
}

fn clean(session: &Session, merge: Merge) -> Result<gix::ObjectId> {
    clean_or(session, merge, |first| {
        format!(
            "see the session's side with `git agent diff {id} -- {first}`; resolve it in the session (for example merge your branch into it there) or in your checkout, then keep again — after a merge, with --squash",
            id = session.id
        )
    })
}

/// The hint for a conflict with the target's uncommitted changes, which no
/// merge in the session can resolve.
fn yours_in_the_way(id: &session::Id) -> impl Fn(&str) -> String + '_ {
    move |first| {
        format!(
            "see the session's side with `git agent diff {id} -- {first}`; your uncommitted changes there are in the way: commit or stash them (`git stash -u`), keep again, then `git stash pop`"
        )
    }
}

/// [`clean`], with the hint made from the first conflicting path.
fn clean_or(
    session: &Session,
    merge: Merge,
    hint: impl FnOnce(&str) -> String,
) -> Result<gix::ObjectId> {
    match merge {
        Merge::Clean(tree) => Ok(tree),
        Merge::Conflict(paths) => {
            let mut message = format!(
                "keeping session '{}' would conflict in {} path{}; nothing was changed:",
                session.id,
                paths.len(),
                if paths.len() == 1 { "" } else { "s" }
            );
            for p in &paths {
                message.push_str(&format!("\n    {p}"));
            }
            let first = paths.first().map(String::as_str).unwrap_or(".");
            Err(Error::refused(message).with_hint(hint(first)))
        }
    }
}

/// One commit on the target's HEAD holding the whole change.
fn squash_commit(
    repo: &Repo,
    committer: &Committer,
    session: &Session,
    message: Option<&str>,
    base_tree: gix::ObjectId,
    snap_tree: gix::ObjectId,
    (head, head_tree): (gix::ObjectId, gix::ObjectId),
) -> Result<(gix::ObjectId, Vec<gix::ObjectId>)> {
    let tree = clean(
        session,
        merge::trees(repo, base_tree, head_tree, snap_tree)?,
    )?;
    if tree == head_tree {
        // Already there (for example a keep interrupted after its commit).
        return Ok((head, Vec::new()));
    }
    let message = message
        .map(str::to_owned)
        .or_else(|| session.meta.prompt.clone())
        .unwrap_or_else(|| session.id.to_string());
    committer.pre_commit(tree)?;
    let message = committer.message(&message)?;
    let commit = committer.commit(repo.git(), tree, head, &message)?;
    Ok((commit, vec![commit]))
}

/// The session's commits since `base` replayed onto HEAD (authors and
/// messages kept), plus one commit for what was left uncommitted
/// ([`commit_leftovers`]).
fn replay_commits(
    repo: &Repo,
    committer: &Committer,
    session: &Session,
    base: gix::ObjectId,
    tip: Option<gix::ObjectId>,
    snap_tree: gix::ObjectId,
    (head, head_tree): (gix::ObjectId, gix::ObjectId),
) -> Result<(gix::ObjectId, Vec<gix::ObjectId>)> {
    let git = repo.git();
    let tip = tip.unwrap_or(base);
    let list = git.run([
        "rev-list",
        "--reverse",
        "--topo-order",
        "--parents",
        &format!("{base}..{tip}"),
    ])?;
    // A carried session's first commits sit on the commit it started from,
    // but the agent worked on top of the carried changes: those are the
    // base of what the commits changed, so they are not replayed as the
    // agent's (and carried changes it did not commit are not undone).
    let carried = (base == session.base)
        .then(|| session.carried_onto(repo))
        .flatten()
        .map(|onto| -> Result<_> { Ok((onto, repo.resolve_tree(session.base)?)) })
        .transpose()?;
    let mut replay = Replay {
        parent: head,
        tree: head_tree,
        made: Vec::new(),
    };
    for line in list.lines() {
        let ids: Vec<&str> = line.split(' ').collect();
        if ids.len() != 2 {
            return Err(Error::refused(format!(
                "session '{}' has merge commits; they cannot be replayed",
                session.id
            ))
            .with_hint("keep with --squash instead"));
        }
        let (commit, original_parent) = (parse_oid(ids[0])?, parse_oid(ids[1])?);
        let since = match carried {
            Some((onto, carried_tree)) if onto == original_parent => carried_tree,
            _ => repo.resolve_tree(original_parent)?,
        };
        let merged = merge::trees(repo, since, replay.tree, repo.resolve_tree(commit)?)?;
        let merged = clean_or(session, merged, |first| {
            format!(
                "the session's commit {} conflicts when replayed; keep with --squash to bring the whole change as one commit, or see the session's side with `git agent diff {} -- {first}`",
                &commit.to_string()[..7],
                session.id
            )
        })?;
        if merged == replay.tree {
            continue; // already applied
        }
        replay.tree = merged;
        let (author, message) = authored(&git, commit)?;
        replay.parent = committer.commit(author, replay.tree, replay.parent, message.trim_end())?;
        replay.made.push(replay.parent);
    }
    commit_leftovers(
        repo,
        committer,
        session,
        snap_tree,
        (base, tip, carried),
        replay,
    )
}

/// Where a replay of the session's commits stands.
struct Replay {
    /// The last commit made (the target's HEAD before the first).
    parent: gix::ObjectId,
    /// Its tree.
    tree: gix::ObjectId,
    /// The commits made so far.
    made: Vec<gix::ObjectId>,
}

/// git run with `commit`'s author (name, email, date) for the commit that
/// replays it, and its message.
fn authored(git: &Git, commit: gix::ObjectId) -> Result<(Git, String)> {
    let info = git.run_bytes([
        "show",
        "-s",
        "--format=%an%x00%ae%x00%aI%x00%B",
        &commit.to_string(),
    ])?;
    let fields: Vec<String> = info
        .splitn(4, |b| *b == 0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    let [name, email, date, message] = <[String; 4]>::try_from(fields)
        .map_err(|_| Error::git(format!("cannot read commit {commit}")))?;
    let author = git
        .clone()
        .env("GIT_AUTHOR_NAME", name)
        .env("GIT_AUTHOR_EMAIL", email)
        .env("GIT_AUTHOR_DATE", date);
    Ok((author, message))
}

/// After the replayed commits, one commit for what the session left
/// uncommitted, if anything; returns the new HEAD and every commit made.
/// `(base, tip, carried)` are where the replay started, the session's tip,
/// and for a carried session the commit it started at with the carried tree.
fn commit_leftovers(
    repo: &Repo,
    committer: &Committer,
    session: &Session,
    snap_tree: gix::ObjectId,
    (base, tip, carried): (
        gix::ObjectId,
        gix::ObjectId,
        Option<(gix::ObjectId, gix::ObjectId)>,
    ),
    mut replay: Replay,
) -> Result<(gix::ObjectId, Vec<gix::ObjectId>)> {
    // A tip that does not descend from where the session started (the
    // agent reset or switched its branch) holds only part of the change
    // in commits: what it undid is in no commit. The leftovers are then
    // measured from the start, so the result is the session's final state
    // as with `--squash`.
    let started = carried.map_or(base, |(onto, _)| onto);
    let descends = repo
        .git()
        .output([
            "merge-base",
            "--is-ancestor",
            &started.to_string(),
            &tip.to_string(),
        ])?
        .status
        .success();
    let mut tip_tree = if descends {
        repo.resolve_tree(tip)?
    } else {
        repo.resolve_tree(base)?
    };
    if let Some((onto, carried_tree)) = carried.filter(|_| descends) {
        // What was left uncommitted is measured from the tip with the
        // carried changes on it: those are not the agent's leftovers.
        if let Merge::Clean(with_carry) =
            merge::trees(repo, repo.resolve_tree(onto)?, tip_tree, carried_tree)?
        {
            tip_tree = with_carry;
        }
    }
    let leftovers = clean(
        session,
        merge::trees(repo, tip_tree, replay.tree, snap_tree)?,
    )?;
    let leftover = snap_tree != tip_tree && leftovers != replay.tree;
    if leftover || !replay.made.is_empty() {
        committer.pre_commit(if leftover { leftovers } else { replay.tree })?;
    }
    if leftover {
        replay.tree = leftovers;
        let message = if descends {
            format!("Uncommitted changes of session {}", session.id)
        } else {
            format!(
                "Changes of session {} not in its commits\n\nIts branch no longer descends from where the session started (reset or switched), so this commit brings the rest of its final state.",
                session.id
            )
        };
        let message = committer.message(&message)?;
        replay.parent = committer.commit(repo.git(), replay.tree, replay.parent, &message)?;
        replay.made.push(replay.parent);
    }
    Ok((replay.parent, replay.made))
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
        worktree::remove(repo, &path)?;
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
