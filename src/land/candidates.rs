//! Which sessions `land` brings home: the named ones (any live session
//! without a running run), else every `done` one; each snapshotted afresh
//! before its review is weighed (a review of another change is stale).

use std::collections::BTreeSet;

use gix::bstr::BString;

use super::Report;
use crate::error::Result;
use crate::keeping;
use crate::merge;
use crate::repo::Repo;
use crate::review::{self, Gate};
use crate::session::{self, Session, State};
use crate::snapshot;

/// A session in the queue, with its whole change as of its fresh snapshot.
pub struct Candidate {
    pub session: Session,
    /// Named on the command line (its review does not gate it).
    pub named: bool,
    /// The snapshot commit and its tree.
    pub snap: gix::ObjectId,
    pub snap_tree: gix::ObjectId,
    /// The worktree's HEAD as snapshotted (the agent's commits).
    pub worked: Option<gix::ObjectId>,
    /// The session branch's tip, the expected value when it is deleted.
    pub tip: Option<gix::ObjectId>,
    /// The paths the session changed, against its base.
    pub paths: BTreeSet<BString>,
}

/// Sessions to consider (each with whether it was named), and the named
/// ones already skipped.
pub type Found = (Vec<(Session, bool)>, Vec<Report>);

/// The sessions to consider, in the order found, with the named ones that
/// cannot be candidates already reported as skipped. Unknown or ambiguous
/// ids are refused before anything happens.
pub fn sessions(repo: &Repo, ids: &[String]) -> Result<Found> {
    let mut skipped = Vec::new();
    if ids.is_empty() {
        let done = session::list(repo)?
            .into_iter()
            .filter(|s| !s.foreign && state(repo, s) == State::Done)
            .map(|s| (s, false))
            .collect();
        return Ok((done, skipped));
    }
    let mut named: Vec<(Session, bool)> = Vec::new();
    for id in ids {
        let s = session::resolve(repo, Some(id))?;
        if named.iter().any(|(n, _)| n.id == s.id) {
            continue;
        }
        match why_not(repo, &s) {
            Some(reason) => skipped.push(Report::skipped(s.id.as_str(), reason)),
            None => named.push((s, true)),
        }
    }
    Ok((named, skipped))
}

/// The state as `land` weighs it: a session whose landing was interrupted
/// (its claim's process died) is what it was before, so `land` finishes it.
pub fn state(repo: &Repo, s: &Session) -> State {
    let now = s.state(repo);
    let interrupted = s.meta.pending.as_ref().is_some_and(|p| {
        p.op == "land" && p.pid != std::process::id() && !crate::process::is_alive(p.pid)
    });
    if now == State::Broken && interrupted {
        s.meta.state
    } else {
        now
    }
}

/// Why a named session cannot land, if it cannot.
fn why_not(repo: &Repo, s: &Session) -> Option<String> {
    if s.foreign {
        return Some(format!(
            "fetched from another clone; `git agent restore {}` adopts it first",
            s.id
        ));
    }
    let state = state(repo, s);
    if !state.is_live() {
        return Some(format!("already {state}"));
    }
    if state == State::Broken {
        return Some(format!("broken; see `git agent show {}`", s.id));
    }
    if s.meta.run.as_ref().is_some_and(|r| r.is_live()) {
        return Some("a run is live".into());
    }
    None
}

/// Snapshot a session afresh (for `--dry-run` as objects only, its refs
/// untouched) and decide whether it is a candidate. `here` is the checkout
/// land runs in.
pub fn freshen(
    repo: &Repo,
    mut s: Session,
    named: bool,
    dry_run: bool,
    here: &std::path::Path,
) -> Result<Result<Candidate, Report>> {
    let id = s.id.to_string();
    if s.path().map(crate::git::tidy).as_deref() == Some(here) {
        return Ok(Err(Report::skipped(
            &id,
            "land runs in its worktree; run it from the checkout whose branch receives it",
        )));
    }
    if let Err(e) = keeping::refuse_unresolved(&s) {
        return Ok(Err(Report::skipped(&id, e.message)));
    }
    if !dry_run && s.meta.state.is_live() {
        // A worktree whose `.git` an agent deleted is still its work.
        crate::worktree::relink(repo, &s.meta.worktree)?;
    }
    let tip = if dry_run {
        if let Some(path) = s.path() {
            let state = snapshot::capture(repo, path)?;
            s.snapshot = Some(snapshot::commit(
                repo,
                &state,
                &format!("git-agent snapshot {id}: land --dry-run"),
            )?);
        }
        crate::worktree::branch_tip(repo, &s.meta.branch)
    } else {
        let tip = session::save(repo, &mut s, "land")?;
        crate::fault::point("land:snapshotted");
        tip
    };
    let Some(snap) = s.snapshot else {
        return Ok(Err(Report::skipped(&id, "no worktree or branch left")));
    };
    let snap_tree = repo.resolve_tree(snap)?;
    let base_tree = repo.resolve_tree(s.base)?;
    if snap_tree == base_tree {
        return Ok(Err(Report::skipped(&id, "no change to land")));
    }
    if let Some(reason) = refused(repo, &s, named, (base_tree, snap_tree))? {
        return Ok(Err(Report::skipped(&id, reason)));
    }
    let paths = merge::changed_paths(repo, base_tree, snap_tree)?
        .into_iter()
        .collect();
    Ok(Ok(Candidate {
        worked: repo.first_parent(snap)?,
        session: s,
        named,
        snap,
        snap_tree,
        tip,
        paths,
    }))
}

/// The review gate (unless named), the scope, repositories of its own.
fn refused(
    repo: &Repo,
    s: &Session,
    named: bool,
    (base_tree, snap_tree): (gix::ObjectId, gix::ObjectId),
) -> Result<Option<String>> {
    if !named && let Gate::Blocked(reason) = review::gate(repo, s) {
        return Ok(Some(format!("{reason}; name it to land it anyway")));
    }
    let changed: Vec<String> = merge::changed_paths(repo, base_tree, snap_tree)?
        .iter()
        .map(|p| p.to_string())
        .collect();
    let outside = crate::view::out_of_scope(&s.meta.scope, &changed);
    if !outside.is_empty() {
        return Ok(Some(format!(
            "changes outside its scope: {}; `git agent keep {} --force` brings it anyway",
            outside.join(", "),
            s.id
        )));
    }
    if let Err(e) = keeping::refuse_embedded_repositories(repo, s, base_tree, snap_tree) {
        return Ok(Some(e.message));
    }
    Ok(None)
}
