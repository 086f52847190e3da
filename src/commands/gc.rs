//! `git agent gc`: forget old kept and discarded sessions, settle what
//! crashes and hand edits left behind, prune leftovers.
//!
//! For each session:
//!
//! - kept or discarded, with an interrupted restore (see
//!   [`restore`]): finish the restore (`repair`);
//! - kept or discarded, last changed before the expiry: delete its refs with
//!   a compare-and-swap, and its run logs (`forget`);
//! - `running` with a process that is gone: `failed`, reason `vanished`
//!   (`repair`);
//! - live, worktree directory gone, branch still there: the branch tip is
//!   snapshotted into the session's refs (the snapshot it replaces stays
//!   reachable as a third parent), git's worktree record is unlocked and
//!   pruned, the state becomes `broken` (`mark-broken`); the branch stays;
//! - live, branch gone, worktree still there: the branch is re-created from
//!   the worktree's `HEAD` (its reflog when `HEAD` names the missing branch)
//!   and a detached `HEAD` attached to it (`repair`); a gc killed in between
//!   leaves `<common dir>/agents/<id>/reattach`, and the next gc attaches it;
//! - live, both gone: recorded as `broken` once it is older than a grace
//!   period (a `new` in progress looks like this for a moment).
//!
//! Then (`prune`): the records of git-agent's worktrees whose directories
//! are gone (locked by it, or at a session's path; a user's own records
//! are left to git), empty directories named after this clone's sessions
//! in the worktree directory and empty ones under `refs/agents/`, and
//! temporary files of killed git-agent processes; and spare worktrees of
//! the warm pool beyond `agent.pool`, far behind `HEAD` or left half made
//! (`crate::pool::trim`). Nothing else is deleted: never a live
//! session, never a non-empty directory, never a commit or file that is not
//! reachable from a session ref afterwards.
//!
//! `gc` holds the `restore` lock throughout (so restores and gc take turns)
//! and the `worktree` lock while it looks at and changes live sessions'
//! worktrees and while it prunes (so a `new` or `restore` adding a worktree
//! is never seen half-made). `--dry-run` takes no lock and changes nothing.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::Serialize;

use crate::cli::GcArgs;
use crate::config;
use crate::error::{Error, IoContext, Result};
use crate::git::{Git, tidy};
use crate::output;
use crate::paths::{TEMPORARY_DIRS, TEMPORARY_FILES};
use crate::repo::Repo;
use crate::restore;
use crate::session::{self, Id, Session, State};
use crate::snapshot::{self, WorktreeState};
use crate::time;
use crate::worktree::{self, Record};

/// A session with neither worktree nor branch is left alone this long: a
/// `new` that has claimed its id but not yet added its worktree looks the same.
const GRACE: Duration = Duration::from_secs(10 * 60);

/// Temporary files and directories of git-agent processes older than this
/// were left by a process that was killed.
const STALE: Duration = Duration::from_secs(24 * 60 * 60);

/// One thing gc did (or, with `--dry-run`, would do).
#[derive(Debug, Serialize)]
struct Action {
    /// The session concerned; `null` for leftovers that belong to none.
    session: Option<String>,
    action: &'static str,
    reason: String,
}

struct Gc<'a> {
    repo: &'a Repo,
    dry_run: bool,
    now: u64,
    actions: Vec<Action>,
    failed: usize,
    /// Worktree paths whose records the session pass has dealt with.
    handled: BTreeSet<PathBuf>,
    /// Sessions that exist (or existed before this gc forgot them).
    known: BTreeSet<String>,
    /// Those of them that are this clone's (not fetched): only their
    /// directories in the worktree directory are git-agent's to remove.
    ours: BTreeSet<String>,
}

pub fn run(repo: &Repo, args: &GcArgs) -> Result<i32> {
    let cutoff = cutoff(repo, args.expire.as_deref())?;
    let _lock = if args.dry_run {
        None
    } else {
        Some(restore::lock(repo)?)
    };
    let mut gc = Gc {
        repo,
        dry_run: args.dry_run,
        now: time::unix(SystemTime::now()),
        actions: Vec::new(),
        failed: 0,
        handled: BTreeSet::new(),
        known: BTreeSet::new(),
        ours: BTreeSet::new(),
    };
    let records = worktree::records(repo)?;
    for mut session in session::list(repo)? {
        gc.known.insert(session.id.to_string());
        if !session.foreign {
            gc.ours.insert(session.id.to_string());
        }
        let done = if session.meta.state.is_live() {
            gc.live(&mut session)
        } else {
            gc.settled(&mut session, &records, cutoff)
        };
        gc.check(done);
    }
    let pruned = gc.prune();
    gc.check(pruned);
    let trimmed = gc.trim_pool();
    gc.check(trimmed);
    gc.report(args.json);
    Ok(if gc.failed == 0 { 0 } else { 1 })
}

/// The expiry as a unix time: sessions last changed before it are forgotten.
/// Parsed by git itself (`git config --type=expiry-date`), so every form
/// `gc.pruneExpire` accepts works: `2.weeks.ago`, `2026-01-01`, `now` and
/// `all` (everything), `never` (nothing).
fn cutoff(repo: &Repo, expire: Option<&str>) -> Result<u64> {
    let (value, source) = match expire {
        Some(value) => (value.to_owned(), "--expire"),
        None => (repo.config.gc_expire(), config::GC_EXPIRE.name),
    };
    let out = repo
        .git()
        .config(format!("gitagent.expire={value}"))
        .output(["config", "--type=expiry-date", "gitagent.expire"])?;
    let text = String::from_utf8_lossy(&out.stdout);
    match text.trim().parse::<u64>() {
        Ok(time) if out.status.success() => Ok(time),
        // A bad `--expire` is bad usage, as any other bad flag value.
        _ if expire.is_some() => Err(Error::usage(format!(
            "{source} '{value}' is not a date git understands"
        ))
        .with_hint("for example 2.weeks.ago, 3.days.ago, 2026-01-01, now or never")),
        _ => Err(
            Error::refused(format!("{source} '{value}' is not a date git understands"))
                .with_hint("for example 2.weeks.ago, 3.days.ago, 2026-01-01, now or never"),
        ),
    }
}

impl Gc<'_> {
    /// Count and report a failed action; gc goes on with the others.
    fn check(&mut self, done: Result<()>) {
        if let Err(e) = done {
            output::report(&e);
            self.failed += 1;
        }
    }

    /// `done` for what gc did, `planned` for what a dry run would do.
    fn tense(&self, done: &'static str, planned: &'static str) -> &'static str {
        if self.dry_run { planned } else { done }
    }

    /// Record an action, carrying it out first unless this is a dry run.
    fn act(
        &mut self,
        session: Option<&Id>,
        action: &'static str,
        reason: String,
        perform: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        if !self.dry_run {
            perform()?;
        }
        self.actions.push(Action {
            session: session.map(Id::to_string),
            action,
            reason,
        });
        Ok(())
    }

    /// A kept or discarded session: finish an interrupted restore, or forget
    /// it once it is older than the expiry.
    fn settled(&mut self, session: &mut Session, records: &[Record], cutoff: u64) -> Result<()> {
        let repo = self.repo;
        if restore::interrupted(session, records) {
            self.handled.insert(tidy(&session.meta.worktree));
            let reason = format!(
                "its restore into {} was interrupted; {}",
                session.meta.worktree.display(),
                self.tense("finished it", "to be finished")
            );
            let id = session.id.clone();
            return self.act(Some(&id), "repair", reason, || {
                restore::restore(repo, session)?;
                crate::fault::point("gc:restore-finished");
                Ok(())
            });
        }
        // A hand-made or damaged `updated` falls back to when the session
        // was made, then to its latest snapshot; only with none of them
        // is it never expired.
        let Some(updated) = stored_unix(&session.meta.updated)
            .or_else(|| stored_unix(&session.meta.created))
            .or_else(|| snapshot_time(repo, session))
        else {
            return Ok(());
        };
        if updated >= cutoff {
            return Ok(());
        }
        let reason = format!(
            "{} {}",
            session.meta.state,
            time::ago(self.now.saturating_sub(updated))
        );
        let logs = repo.state().session(session.id.as_str());
        if session.foreign && logs.exists() {
            // Fetched over a session of this clone's (a forced plain fetch):
            // that session's ledger, logs and worktree are still here, and
            // forgetting the refs would orphan them for good.
            output::warn(&format!(
                "session '{}' was replaced by a fetched one of the same name; gc leaves it for you to sort out (`git agent show {0}`; this clone's worktree for it, if any, is untouched)",
                session.id
            ));
            return Ok(());
        }
        self.act(Some(&session.id), "forget", reason, || {
            // Its run logs and pid files (nothing else lives there) go first:
            // a kill in between leaves refs that the next gc forgets. A
            // fetched session has none here.
            if !session.foreign && logs.is_dir() {
                std::fs::remove_dir_all(&logs)
                    .doing(|| format!("cannot remove {}", logs.display()))?;
            }
            crate::fault::point("gc:logs-removed");
            session::delete(repo, session)?;
            crate::fault::point("gc:forgotten");
            Ok(())
        })
    }

    /// A live session: settle a vanished run, then a vanished worktree or branch.
    fn live(&mut self, session: &mut Session) -> Result<()> {
        let repo = self.repo;
        if session.foreign {
            return Ok(()); // Its worktree and run are in another clone.
        }
        let _lock = if self.dry_run {
            None
        } else {
            Some(repo.lock("worktree")?)
        };
        self.vanished_run(session)?;
        let path = session.meta.worktree.clone();
        if !session.worktree_present() && path.is_dir() {
            // Its `.git` link was deleted (by an agent, say): the directory
            // is its work, never "gone".
            let id = session.id.clone();
            let reason = format!(
                "its worktree {} had lost its .git link; {}",
                path.display(),
                self.tense("linked again", "to be linked again")
            );
            self.act(Some(&id), "repair", reason, || {
                worktree::relink(repo, &path).map(drop)
            })?;
        }
        let has_worktree = session.worktree_present() || self.dry_run && path.is_dir();
        let has_branch = repo.branch_exists(&session.meta.branch);
        if !(has_worktree && has_branch) {
            // Look again after seeing what is gone: a `keep` or `discard`
            // claims the session before removing anything, so one that was
            // under way (or finished) meanwhile shows here.
            match session::resolve_exact(repo, &session.id)? {
                Some(now) if now.meta_blob == session.meta_blob => {}
                _ => return Ok(()),
            }
        }
        if session.meta.pending.is_some() {
            // Under way in a live process, or left by a dead one: the
            // interrupted command settles it, run again.
            if let Some(hint) = session::interrupted_hint(session) {
                anstream::eprintln!("hint: {hint}");
            }
            return Ok(());
        }
        match (has_worktree, has_branch) {
            (true, true) => self.reattach(session),
            _ if session.meta.state == State::Broken => Ok(()),
            (false, true) => self.mark_broken(session),
            (true, false) => self.repair_branch(session),
            (false, false) => self.both_gone(session),
        }
    }

    /// Worktree and branch both gone: recorded as `broken` once older than
    /// [`GRACE`] (a `new` in progress looks like this for a moment).
    fn both_gone(&mut self, session: &mut Session) -> Result<()> {
        let repo = self.repo;
        let path = session.meta.worktree.clone();
        let recent = stored_unix(&session.meta.updated)
            .is_none_or(|t| self.now.saturating_sub(t) < GRACE.as_secs());
        if recent {
            return Ok(());
        }
        let reason = format!(
            "its worktree {} and branch {} are both gone; {}",
            path.display(),
            session.meta.branch,
            if session.snapshot.is_some() {
                "its latest snapshot is kept"
            } else {
                "nothing was left to save"
            }
        );
        let id = session.id.clone();
        self.handled.insert(tidy(&path));
        self.act(Some(&id), "mark-broken", reason, || {
            worktree::drop_record(repo, &path)?;
            crate::fault::point("gc:record-dropped");
            let mut meta = session.meta.clone();
            meta.state = State::Broken;
            session::update(repo, session, meta, None)
        })
    }

    /// A `running` session whose process is gone becomes `failed` (`vanished`).
    fn vanished_run(&mut self, session: &mut Session) -> Result<()> {
        let repo = self.repo;
        if session.meta.state != State::Running {
            return Ok(());
        }
        let Some(run) = session.meta.run.as_ref().filter(|r| r.vanished()) else {
            return Ok(());
        };
        let pid = run.pid.or(run.supervisor).unwrap_or_default();
        let reason = format!(
            "its run (pid {pid}) vanished; {}",
            self.tense("recorded as failed", "to be recorded as failed")
        );
        let id = session.id.clone();
        self.act(Some(&id), "repair", reason, || {
            let mut meta = session.meta.clone();
            meta.state = State::Failed;
            if let Some(run) = meta.run.as_mut() {
                run.ended.get_or_insert_with(session::now);
                run.reason = Some(session::Reason::Vanished);
            }
            session::update(repo, session, meta, None)
        })
    }

    /// Worktree gone, branch still there: save the tip, forget the worktree
    /// record, record `broken`. The branch is left where it is.
    fn mark_broken(&mut self, session: &mut Session) -> Result<()> {
        let repo = self.repo;
        let branch = session.meta.branch.clone();
        let path = session.meta.worktree.clone();
        let tip = worktree::branch_tip(repo, &branch)
            .ok_or_else(|| Error::internal(format!("cannot read branch '{branch}'")))?;
        let previous = session.snapshot;
        // A snapshot of this very tip (discard's, say) holds more than the
        // tip alone: keep it.
        let current = previous
            .and_then(|snap| snapshot::load(repo, snap).ok())
            .is_some_and(|state| state.head == tip);
        let reason = format!(
            "its worktree {} is gone; branch {branch} remains{}",
            path.display(),
            if current {
                String::new()
            } else {
                format!(
                    "; its tip {} {} in {}",
                    &tip.to_string()[..7],
                    self.tense("is saved", "to be saved"),
                    session.id.snapshot_ref()
                )
            }
        );
        let id = session.id.clone();
        self.handled.insert(tidy(&path));
        self.act(Some(&id), "mark-broken", reason, || {
            let mut meta = session.meta.clone();
            meta.state = State::Broken;
            let mut snap = None;
            if !current {
                let tree = repo.resolve_tree(tip)?;
                let state = WorktreeState {
                    head: tip,
                    index_tree: tree,
                    full_tree: tree,
                };
                let message = format!("git-agent snapshot {}: gc, worktree gone", session.id);
                snap = Some(match previous {
                    Some(previous) => snapshot::commit_replacing(repo, &state, previous, &message)?,
                    None => snapshot::commit(repo, &state, &message)?,
                });
                meta.changes = Some(snapshot::changes(repo, session.base, tree)?);
            }
            session::update(repo, session, meta, snap)?;
            crate::fault::point("gc:snapshot-saved");
            worktree::drop_record(repo, &path)
        })
    }

    /// Branch gone, worktree still there: re-create the branch where the
    /// worktree's `HEAD` was, and attach a detached `HEAD` to it again.
    fn repair_branch(&mut self, session: &mut Session) -> Result<()> {
        let repo = self.repo;
        let path = session.meta.worktree.clone();
        let branch = session.meta.branch.clone();
        let full = format!("refs/heads/{branch}");
        let wt = Git::new(&path);
        // `HEAD` names a branch (the deleted one, usually) or is detached.
        let attached = wt.run(["symbolic-ref", "-q", "HEAD"]).ok();
        let head = wt
            .run(["rev-parse", "--verify", "-q", "HEAD^{commit}"])
            .ok()
            .and_then(|hex| snapshot::parse_oid(&hex).ok());
        let reflog = || reflog_tip(repo, &wt);
        let (commit, source) = match (head, reflog()) {
            (Some(head), _) => (head, "the worktree's HEAD"),
            (None, Some(logged)) => (logged, "the worktree's HEAD reflog"),
            (None, None) => match session.snapshot.map(|s| snapshot::load(repo, s)) {
                Some(Ok(state)) => (state.head, "the session's latest snapshot"),
                // The commit it started from (with --carry, not the
                // internal commit holding the carried changes).
                _ => (
                    session.carried_onto(repo).unwrap_or(session.base),
                    "the session's base",
                ),
            },
        };
        let reason = format!(
            "branch {branch} was deleted; {} at {} from {source}",
            self.tense("re-created", "to be re-created"),
            &commit.to_string()[..7]
        );
        let id = session.id.clone();
        let marker = reattach_marker(repo, &session.id);
        self.act(Some(&id), "repair", reason, || {
            let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
            if attached.is_none() {
                // Marks the job as half-done until HEAD is attached: a gc
                // killed in between leaves it for the next gc to finish.
                write_marker(&marker, &full)?;
            }
            repo.git().run([
                "update-ref",
                "-m",
                &format!("git-agent: gc repair {}", session.id),
                &full,
                &commit.to_string(),
                &zero.to_string(),
            ])?;
            crate::fault::point("gc:branch-recreated");
            // After the branch exists: a kill in between leaves a detached
            // HEAD at the branch tip, which loses nothing (and the marker).
            if attached.is_none() {
                wt.run(["symbolic-ref", "HEAD", &full])?;
                remove_marker(&marker)?;
            }
            Ok(())
        })
    }

    /// Finish a branch repair that a killed gc left half-done: the branch
    /// is back, the worktree's `HEAD` still detached at its tip.
    fn reattach(&mut self, session: &mut Session) -> Result<()> {
        let repo = self.repo;
        let marker = reattach_marker(repo, &session.id);
        let Ok(full) = std::fs::read_to_string(&marker) else {
            return Ok(());
        };
        let full = full.trim().to_owned();
        let wt = Git::new(&session.meta.worktree);
        let detached = wt.run(["symbolic-ref", "-q", "HEAD"]).is_err();
        let head = wt
            .run(["rev-parse", "--verify", "-q", "HEAD^{commit}"])
            .ok();
        let tip = worktree::branch_tip(repo, &session.meta.branch).map(|t| t.to_string());
        let id = session.id.clone();
        if !(detached && head.is_some() && head == tip) {
            // Attached meanwhile, or moved on: nothing is left to finish.
            return if self.dry_run {
                Ok(())
            } else {
                remove_marker(&marker)
            };
        }
        let reason = format!(
            "HEAD of {} {} to branch {} again (an interrupted gc re-created it)",
            session.meta.worktree.display(),
            self.tense("attached", "to be attached"),
            session.meta.branch
        );
        self.act(Some(&id), "repair", reason, || {
            wt.run(["symbolic-ref", "HEAD", &full])?;
            remove_marker(&marker)
        })
    }

    /// git's stale worktree records, empty directories and stale temporary files.
    fn prune(&mut self) -> Result<()> {
        let repo = self.repo;
        let _lock = if self.dry_run {
            None
        } else {
            Some(repo.lock("worktree")?)
        };
        let sessions = session::list(repo)?;
        self.prune_records(&sessions)?;
        self.prune_hollow();
        self.prune_temporaries();
        Ok(())
    }

    /// Spares of the warm pool beyond `agent.pool`, far behind `HEAD`, or
    /// left half made by a killed process (see [`crate::pool::trim`]).
    /// Spares are never pruned as leftovers otherwise.
    fn trim_pool(&mut self) -> Result<()> {
        for reason in crate::pool::trim(self.repo, self.dry_run)? {
            self.actions.push(Action {
                session: None,
                action: "prune",
                reason,
            });
        }
        Ok(())
    }

    /// Records of git-agent's worktrees whose directory is gone: those it
    /// locked, and those at a session's path. A user's own worktree record
    /// is left to git (`gc.worktreePruneExpire`): its directory may be on a
    /// disk that is not mounted just now.
    fn prune_records(&mut self, sessions: &[Session]) -> Result<()> {
        let repo = self.repo;
        let owner = |path: &Path, locked: Option<&str>| -> Option<String> {
            sessions
                .iter()
                .find(|s| tidy(&s.meta.worktree) == tidy(path))
                .map(|s| s.id.to_string())
                .or_else(|| {
                    locked
                        .filter(|r| *r != crate::pool::LOCK_REASON)
                        .and_then(|r| r.strip_prefix("git-agent "))
                        .map(str::to_owned)
                })
        };
        let mut gone = Vec::new();
        for record in worktree::records(repo)?.into_iter().skip(1) {
            // A directory that is there is never pruned, with or without
            // its `.git` (the session pass relinks a session's).
            if self.handled.contains(&tidy(&record.path)) || record.path.symlink_metadata().is_ok()
            {
                continue;
            }
            let locked_by_us = record
                .locked
                .as_deref()
                .is_some_and(|r| r.starts_with("git-agent "));
            let at_session = sessions
                .iter()
                .any(|s| !s.foreign && tidy(&s.meta.worktree) == tidy(&record.path));
            if !(locked_by_us || record.locked.is_none() && at_session) {
                continue;
            }
            let reason = format!(
                "git's record of worktree {}, whose directory is gone",
                record.path.display()
            );
            let id = owner(&record.path, record.locked.as_deref());
            self.actions.push(Action {
                session: id,
                action: "prune",
                reason,
            });
            gone.push(record.path);
        }
        if !self.dry_run {
            crate::fault::point("gc:records-unlocked");
            // Each record alone, lock included (never `git worktree
            // prune`, which would take the user's records too).
            for path in &gone {
                worktree::drop_record(repo, path)?;
            }
            crate::fault::point("gc:records-pruned");
        }
        Ok(())
    }

    /// Empty directories: never a directory with anything but empty
    /// directories in it, never a mount point, and in the worktree
    /// directory (which may be shared with other things, as with
    /// `agent.worktreeDir=..`) only those named after this clone's sessions.
    fn prune_hollow(&mut self) {
        let repo = self.repo;
        let roots = [
            (repo.worktree_root(), "directory"),
            (repo.common_dir.join(session::REF_ROOT), "ref directory"),
        ];
        for (root, what) in roots {
            let worktrees = what == "directory";
            for dir in hollow_children(&root) {
                let name = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if worktrees && !self.ours.contains(&name) {
                    continue;
                }
                let id = self.known.contains(&name).then_some(name);
                let reason = format!("empty {what} {}", dir.display());
                let removed = if self.dry_run {
                    Ok(true)
                } else {
                    remove_hollow(&dir)
                };
                match removed {
                    Ok(false) => {}
                    Ok(true) => self.actions.push(Action {
                        session: id,
                        action: "prune",
                        reason,
                    }),
                    Err(e) => self.check(Err(e)),
                }
            }
        }
    }

    /// Temporary indexes and restore directories of killed processes.
    fn prune_temporaries(&mut self) {
        let repo = self.repo;
        let state = repo.state();
        for (path, is_dir) in stale_temporaries(state.root(), self.now) {
            let reason = format!("temporary {} left by a killed process", path.display());
            let removed = if self.dry_run {
                Ok(())
            } else if is_dir {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            match removed {
                Ok(()) => self.actions.push(Action {
                    session: None,
                    action: "prune",
                    reason,
                }),
                Err(e) => self.check(Err(Error::io(
                    format!("cannot remove {}", path.display()),
                    e,
                ))),
            }
        }
    }

    /// One line per action (or one JSON document), then a summary on stderr.
    fn report(&self, json: bool) {
        if json {
            let doc = serde_json::json!({
                "dry_run": self.dry_run,
                "actions": self.actions,
            });
            anstream::println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        } else {
            for a in &self.actions {
                match &a.session {
                    Some(id) => anstream::println!("{} {id}: {}", a.action, a.reason),
                    None => anstream::println!("{}: {}", a.action, a.reason),
                }
            }
        }
        let count = self.actions.len();
        match (count, self.dry_run) {
            (0, _) => anstream::eprintln!("Nothing to do."),
            (n, true) => anstream::eprintln!(
                "Dry run: {n} action{} planned, nothing was changed.",
                if n == 1 { "" } else { "s" }
            ),
            (_, false) => {}
        }
    }
}

/// `<common dir>/agents/<id>/reattach`: present while gc has re-created a
/// session's branch but not yet attached the worktree's detached `HEAD` to it.
fn reattach_marker(repo: &Repo, id: &Id) -> PathBuf {
    repo.state().reattach(id.as_str())
}

fn write_marker(marker: &Path, full: &str) -> Result<()> {
    if let Some(dir) = marker.parent() {
        std::fs::create_dir_all(dir).doing(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(marker, format!("{full}\n"))
        .doing(|| format!("cannot write {}", marker.display()))
}

fn remove_marker(marker: &Path) -> Result<()> {
    match std::fs::remove_file(marker) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(Error::io(format!("cannot remove {}", marker.display()), e))
        }
        _ => Ok(()),
    }
}

/// The newest entry of the worktree's `HEAD` reflog, when `HEAD` itself no
/// longer resolves (it names the deleted branch).
fn reflog_tip(repo: &Repo, wt: &Git) -> Option<gix::ObjectId> {
    let log = wt
        .run([
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "logs/HEAD",
        ])
        .ok()?;
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().rev().find(|l| !l.trim().is_empty())?;
    let new = snapshot::parse_oid(line.split(' ').nth(1)?).ok()?;
    (!new.is_null() && repo.shared.find_commit(new).is_ok()).then_some(new)
}

/// Directories directly under `root` holding nothing but empty directories.
/// Symbolic links are never followed.
fn hollow_children(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
        .filter(|p| is_hollow(p))
        .collect();
    found.sort();
    found
}

fn is_hollow(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    // A mount point (an empty one included) is never git-agent's.
    let device = |p: &Path| std::fs::symlink_metadata(p).map(|m| m.dev()).ok();
    if dir
        .parent()
        .and_then(device)
        .is_none_or(|d| Some(d) != device(dir))
    {
        return false;
    }
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries
        .all(|e| e.is_ok_and(|e| e.file_type().is_ok_and(|t| t.is_dir()) && is_hollow(&e.path())))
}

/// Remove a hollow directory bottom-up with `remove_dir`, which refuses
/// anything not empty: a file appearing meanwhile is never deleted.
/// Returns whether it was removed: `false` when another process put
/// something in it (or removed it) meanwhile — a ref being written, say.
fn remove_hollow(dir: &Path) -> Result<bool> {
    use std::io::ErrorKind::{DirectoryNotEmpty, NotFound};
    let fail = |e: std::io::Error| Error::io(format!("cannot remove {}", dir.display()), e);
    let entries = match std::fs::read_dir(dir) {
        Err(e) if e.kind() == NotFound => return Ok(false),
        entries => entries.map_err(fail)?,
    };
    let mut all = true;
    for entry in entries {
        let entry = entry.map_err(fail)?;
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            all &= remove_hollow(&entry.path())?;
        }
    }
    match std::fs::remove_dir(dir) {
        Ok(()) => Ok(all),
        Err(e) if matches!(e.kind(), DirectoryNotEmpty | NotFound) => Ok(false),
        Err(e) => Err(fail(e)),
    }
}

/// Temporary indexes (`index-*`, from snapshots) and restore directories
/// (`.restore-*`) in `<common dir>/agents/` older than [`STALE`]. Session
/// directories there are named by ids, which never look like these.
fn stale_temporaries(state: &Path, now: u64) -> Vec<(PathBuf, bool)> {
    let Ok(entries) = std::fs::read_dir(state) else {
        return Vec::new();
    };
    let mut found: Vec<(PathBuf, bool)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let kind = e.file_type().ok()?;
            let ours = (kind.is_file() && TEMPORARY_FILES.iter().any(|p| name.starts_with(p)))
                || (kind.is_dir() && TEMPORARY_DIRS.iter().any(|p| name.starts_with(p)));
            let modified = e.metadata().ok()?.modified().ok()?;
            let old = now.saturating_sub(time::unix(modified)) > STALE.as_secs();
            (ours && old).then(|| (e.path(), kind.is_dir()))
        })
        .collect();
    found.sort();
    found
}

/// When the session's latest snapshot was made (its committer time).
fn snapshot_time(repo: &Repo, session: &Session) -> Option<u64> {
    let commit = repo.shared.find_commit(session.snapshot?).ok()?;
    let made = commit.time().ok()?;
    u64::try_from(made.seconds).ok()
}

/// A stored RFC 3339 time as a unix time.
fn stored_unix(text: &str) -> Option<u64> {
    time::parse(text).map(time::unix)
}
