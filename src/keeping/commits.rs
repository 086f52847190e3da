//! The commits `keep --squash` and `keep --commit` make on the target's
//! HEAD, as objects only: one commit holding the whole change, or the
//! session's commits replayed (authors and messages kept) plus one for what
//! it left uncommitted. Made through [`Committer`], hooks included.

use super::{clean, clean_or};
use crate::commit::Committer;
use crate::error::{Error, Result};
use crate::git::Git;
use crate::merge::{self, Merge};
use crate::repo::Repo;
use crate::session::Session;
use crate::snapshot::parse_oid;

/// One commit on the target's HEAD holding the whole change.
pub fn squash_commit(
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
pub fn replay_commits(
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
        .map_err(|_| Error::internal(format!("cannot read commit {commit}")))?;
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
