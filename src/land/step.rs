//! One session of the queue: decided three-way against the branch as the
//! previous landings left it, committed (objects only), tested, and only
//! then written into the caller's checkout — the paths it changes, where
//! the caller has not touched them — with HEAD moved by compare-and-swap.
//! `--dry-run` runs the same decisions on a [`Virtual`] branch.

use std::path::Path;

use gix::bstr::BString;

use super::candidates::Candidate;
use super::{Outcome, Report, scratch};
use crate::commit::Committer;
use crate::error::{Error, Kind, Result};
use crate::git::Git;
use crate::keeping;
use crate::merge::{self, Merge};
use crate::repo::Repo;
use crate::session::{self, Landing, Session, State};
use crate::snapshot::{self, parse_oid};
use crate::{notes, worktree};

/// How the queue lands each session.
pub struct Options<'a> {
    /// `--commit`: replay the session's commits instead of one squash.
    pub replay: bool,
    /// `--test <cmd>`.
    pub test: Option<&'a str>,
}

/// Where a merge of the session onto the branch ends.
enum Decision {
    /// The paths, and why when it is the caller's own work in the way.
    Conflict(Vec<String>, Option<String>),
    /// The branch has the change already (an interrupted landing).
    Already,
    /// The tree the branch would have, from the merge base given.
    Clean(gix::ObjectId, gix::ObjectId),
}

const YOURS: &str = "your uncommitted changes there are in the way";

/// Merge the session's change onto a branch at `head` (for the merge base)
/// whose tree is `tip_tree`.
fn decide(
    repo: &Repo,
    cand: &Candidate,
    head: gix::ObjectId,
    tip_tree: gix::ObjectId,
) -> Result<Decision> {
    let base = keeping::meeting_point(repo, cand.session.base, head, cand.worked)?;
    let base_tree = repo.resolve_tree(base)?;
    Ok(
        match merge::trees(repo, base_tree, tip_tree, cand.snap_tree)? {
            Merge::Conflict(paths) => Decision::Conflict(paths, None),
            Merge::Clean(tree) if tree == tip_tree => Decision::Already,
            Merge::Clean(tree) => Decision::Clean(base, tree),
        },
    )
}

/// The branch of a dry run: what the real run would have made of it so far.
pub struct Virtual {
    /// The caller's HEAD (virtual landings descend from it).
    pub head: gix::ObjectId,
    pub tree: gix::ObjectId,
    /// The caller's files (HEAD's tree with the disk at the queue's paths).
    pub files: gix::ObjectId,
}

impl Virtual {
    /// Start from the caller's checkout, reading its disk at every path a
    /// candidate changes.
    pub fn start(repo: &Repo, target: &Path, cands: &[Candidate]) -> Result<Virtual> {
        let head = parse_oid(&Git::new(target).run(["rev-parse", "--verify", "HEAD"])?)?;
        let mut paths: Vec<BString> = cands.iter().flat_map(|c| c.paths.iter().cloned()).collect();
        paths.sort();
        paths.dedup();
        let now = snapshot::capture_paths(repo, target, &merge::disk_paths(target, &paths)?)?;
        Ok(Virtual {
            head,
            tree: repo.resolve_tree(head)?,
            files: now.full_tree,
        })
    }
}

/// `--dry-run`: what landing `cand` would do; `v` moves as the real branch would.
pub fn predict(repo: &Repo, cand: &Candidate, opts: &Options, v: &mut Virtual) -> Result<Report> {
    let id = cand.session.id.as_str();
    let tree = match decide(repo, cand, v.head, v.tree)? {
        Decision::Conflict(paths, why) => return Ok(conflict(id, paths, why)),
        Decision::Already => return Ok(already(id)),
        Decision::Clean(_, tree) => tree,
    };
    let files = match merge::trees(repo, v.tree, v.files, tree)? {
        Merge::Conflict(paths) => return Ok(conflict(id, paths, Some(YOURS.into()))),
        Merge::Clean(files) => files,
    };
    if let Some(cmd) = opts.test {
        let commit = Committer::new(repo, &repo.current_worktree, false)?.commit(
            repo.git(),
            tree,
            v.head,
            &format!("land --dry-run --test: session {id}"),
        )?;
        if !scratch::test(repo, commit, cmd)? {
            return Ok(Report::new(id, Outcome::TestFailed));
        }
    }
    v.tree = tree;
    v.files = files;
    Ok(Report::new(id, Outcome::Landed))
}

/// Land `cand` for real on the branch of `target`; a conflict or a failed
/// test is recorded on the session and reported, never an error.
pub fn land(
    repo: &Repo,
    target: &Path,
    mut cand: Candidate,
    opts: &Options,
    committer: &Committer,
) -> Result<Report> {
    let id = cand.session.id.to_string();
    let head = parse_oid(&Git::new(target).run(["rev-parse", "--verify", "HEAD"])?)?;
    let head_tree = repo.resolve_tree(head)?;
    let base = match decide(repo, &cand, head, head_tree)? {
        Decision::Conflict(paths, why) => {
            return Ok(record(repo, &cand.session, conflict(&id, paths, why)));
        }
        Decision::Already => {
            finish(repo, &mut cand)?;
            return Ok(already(&id));
        }
        Decision::Clean(base, _) => base,
    };
    let (new_head, made) = match commits(repo, &cand, opts, committer, base, (head, head_tree)) {
        Ok(done) => done,
        Err(report) => return Ok(record(repo, &cand.session, *report)),
    };
    crate::fault::point("land:committed");
    if let Some(cmd) = opts.test
        && !scratch::test(repo, new_head, cmd)?
    {
        return Ok(record(
            repo,
            &cand.session,
            Report::new(&id, Outcome::TestFailed),
        ));
    }
    // The note goes on the commits before the branch moves to them (a note
    // on a commit that does not land harms nothing), and before the
    // caller's index is locked, so a kill never leaves that lock behind.
    let how = if opts.replay { "land --commit" } else { "land" };
    notes::add(repo, &made, &notes::text(&cand.session, how))?;
    crate::fault::point("land:noted");
    match write(repo, target, &mut cand, (head, head_tree), new_head)? {
        Some(report) => Ok(record(repo, &cand.session, report)),
        None => {
            if !made.is_empty() {
                committer.post_commit();
            }
            finish(repo, &mut cand)?;
            Ok(Report {
                commit: Some(new_head),
                ..Report::new(&id, Outcome::Landed)
            })
        }
    }
}

/// The commits on `head`: one squash, or the session's replayed. A hook
/// that refuses, or a replay that conflicts, is the session's report.
fn commits(
    repo: &Repo,
    cand: &Candidate,
    opts: &Options,
    committer: &Committer,
    base: gix::ObjectId,
    head: (gix::ObjectId, gix::ObjectId),
) -> std::result::Result<(gix::ObjectId, Vec<gix::ObjectId>), Box<Report>> {
    let s = &cand.session;
    let made = if opts.replay {
        keeping::replay_commits(repo, committer, s, base, cand.worked, cand.snap_tree, head)
    } else {
        let base_tree = repo.resolve_tree(base);
        base_tree.and_then(|base_tree| {
            keeping::squash_commit(repo, committer, s, None, base_tree, cand.snap_tree, head)
        })
    };
    made.map_err(|e| {
        let id = s.id.as_str();
        Box::new(match e.kind {
            Kind::Refused if e.message.contains("conflict") => conflict(
                id,
                listed_paths(&e.message),
                Some(e.message.lines().next().unwrap_or("").to_owned()),
            ),
            _ => Report::skipped(id, e.message),
        })
    })
}

/// The paths a keep refusal lists, one per indented line.
fn listed_paths(message: &str) -> Vec<String> {
    message
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .map(str::to_owned)
        .collect()
}

/// Write the landing into the caller's checkout under its index lock:
/// refused again if it changed meanwhile, the files and index where the caller has not touched them, HEAD
/// compare-and-swapped. `Some(report)` when the caller's own work is in
/// the way (nothing written).
fn write(
    repo: &Repo,
    target: &Path,
    cand: &mut Candidate,
    (head, head_tree): (gix::ObjectId, gix::ObjectId),
    new_head: gix::ObjectId,
) -> Result<Option<Report>> {
    let lock = merge::IndexLock::take(target)?;
    keeping::check_target(target)?;
    keeping::check_can_commit(target)?;
    let final_tree = repo.resolve_tree(new_head)?;
    let paths = merge::changed_paths(repo, head_tree, final_tree)?;
    let now = snapshot::capture_paths(repo, target, &merge::disk_paths(target, &paths)?)?;
    if now.head != head {
        return Err(Error::refused(format!(
            "HEAD in {} moved while landing session '{}'; it was not landed",
            target.display(),
            cand.session.id
        ))
        .with_hint("run land again"));
    }
    let files = match merge::trees(repo, head_tree, now.full_tree, final_tree)? {
        Merge::Conflict(paths) => {
            return Ok(Some(conflict(
                cand.session.id.as_str(),
                paths,
                Some(YOURS.into()),
            )));
        }
        Merge::Clean(files) => files,
    };
    if let Err(e) = session::claim(repo, &mut cand.session, "land") {
        return Ok(Some(Report::skipped(cand.session.id.as_str(), e.message)));
    }
    if let Err(e) = merge::apply(
        repo,
        target,
        lock,
        (now.full_tree, files),
        (now.index_tree, final_tree),
    ) {
        session::unclaim(repo, &mut cand.session);
        return Err(e);
    }
    Git::new(target).run([
        "update-ref",
        "-m",
        &format!("git-agent: land {}", cand.session.id),
        "HEAD",
        &new_head.to_string(),
        &head.to_string(),
    ])?;
    crate::fault::point("land:head-moved");
    Ok(None)
}

/// The landed session's worktree and branch go (its snapshot holds all of
/// it) and it becomes `kept`, with no landing failure left on record.
fn finish(repo: &Repo, cand: &mut Candidate) -> Result<()> {
    let s = &mut cand.session;
    if s.meta
        .pending
        .as_ref()
        .is_none_or(|p| p.pid != std::process::id())
    {
        let _claim = session::claim(repo, s, "land")?;
    }
    let path = s.meta.worktree.clone();
    if s.path().is_some() {
        crate::submodule::preserve(&s.id, &path)?;
        // What was written there since its snapshot goes into the
        // session's refs before the worktree goes.
        session::save(repo, s, "land: before its worktree is removed")?;
        if s.snapshot
            .is_some_and(|snap| repo.resolve_tree(snap).ok() != Some(cand.snap_tree))
        {
            crate::output::warn(&format!(
                "session '{0}' changed while it was being landed; those late changes are not on the branch, but `git agent restore {0}` brings them back",
                s.id
            ));
        }
        // Like keep: back to the warm pool when it has room, else removed.
        crate::pool::give_back_or_remove(repo, &path)?;
    }
    crate::fault::point("land:worktree-removed");
    if let Some(tip) = cand.tip
        && let Err(e) = worktree::delete_branch(repo, &s.meta.branch, tip)
    {
        crate::output::warn(&format!("{}; delete it yourself when done", e.message));
    }
    *s = session::modify(repo, &s.id, |meta| {
        meta.state = State::Kept;
        meta.pending = None;
        meta.land = None;
    })?;
    Ok(())
}

/// Record why the session did not land on it (it stays live), and return
/// the report.
fn record(repo: &Repo, s: &Session, report: Report) -> Report {
    if report.outcome.failed() {
        let landing = Landing {
            result: report.outcome.as_str().to_owned(),
            paths: report.paths.clone(),
            at: session::now(),
        };
        if let Err(e) = session::modify(repo, &s.id, |meta| meta.land = Some(landing.clone())) {
            crate::output::warn(&format!(
                "cannot record the landing of '{}': {}",
                s.id, e.message
            ));
        }
    }
    report
}

fn conflict(id: &str, paths: Vec<String>, why: Option<String>) -> Report {
    Report {
        paths,
        reason: why,
        ..Report::new(id, Outcome::Conflict)
    }
}

fn already(id: &str) -> Report {
    Report {
        reason: Some("already on the branch".into()),
        ..Report::new(id, Outcome::Landed)
    }
}
