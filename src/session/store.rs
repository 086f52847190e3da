//! Where sessions are stored: reading every session's refs in one pass,
//! compare-and-swap updates of the metadata, and the ledger of the
//! metadata blobs this clone wrote (what makes a session this clone's).

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::error::{Context, Error, IoContext, Result};
use crate::repo::Repo;

use super::claim::{busy, claimed_by_another};
use super::{Id, Meta, REF_ROOT, Reason, Run, Session, State, now};

/// Read every session as stored, sorted by id, changing nothing. One pass
/// over `refs/agents/`.
pub fn list(repo: &Repo) -> Result<Vec<Session>> {
    read_sessions(repo, REF_ROOT, REF_ROOT)
}

/// [`list`], then [`settle`] each session: what commands that show or wait
/// for runs read. This one writes (and may end an overdue agent's group).
pub fn list_settled(repo: &Repo) -> Result<Vec<Session>> {
    let mut sessions = list(repo)?;
    for session in &mut sessions {
        settle(repo, session);
    }
    Ok(sessions)
}

/// The sessions stored as `<root><id>/{meta,base,snapshot}` with refs
/// under `prefix` (`root` itself, or one session's directory). `root` is
/// [`REF_ROOT`], or where `fetch` puts what it brings before importing it.
pub fn read_sessions(repo: &Repo, root: &str, prefix: &str) -> Result<Vec<Session>> {
    #[derive(Default)]
    struct Refs {
        meta: Option<gix::ObjectId>,
        base: Option<gix::ObjectId>,
        snapshot: Option<gix::ObjectId>,
    }
    let mut by_id: BTreeMap<String, Refs> = BTreeMap::new();
    let platform = repo
        .shared
        .references()
        .context(|| "cannot read refs".to_string())?;
    let iter = platform
        .prefixed(prefix)
        .context(|| format!("cannot read {prefix}"))?;
    for reference in iter {
        let Ok(reference) = reference else { continue };
        let name = reference.name().as_bstr().to_string();
        let Some(rest) = name.strip_prefix(root) else {
            continue;
        };
        let Some((id, kind)) = rest.rsplit_once('/') else {
            continue;
        };
        let Some(target) = reference.target().try_id().map(|id| id.to_owned()) else {
            continue;
        };
        let entry = by_id.entry(id.to_owned()).or_default();
        match kind {
            "meta" => entry.meta = Some(target),
            "base" => entry.base = Some(target),
            "snapshot" => entry.snapshot = Some(target),
            _ => {}
        }
    }
    let mut sessions = Vec::with_capacity(by_id.len());
    for (id, refs) in by_id {
        let (Some(meta_blob), Some(base)) = (refs.meta, refs.base) else {
            continue;
        };
        let Ok(id) = Id::parse(&id) else { continue };
        let meta = match read_meta(repo, &id, meta_blob, root) {
            Ok(meta) => meta,
            Err(e) => {
                // One bad session (pushed by anyone) never hides the others.
                crate::output::warn(&e.message);
                if let Some(hint) = &e.hint {
                    anstream::eprintln!("hint: {hint}");
                }
                continue;
            }
        };
        let foreign = !owns(repo, &id, meta_blob);
        sessions.push(Session {
            id,
            meta,
            meta_blob,
            base,
            snapshot: refs.snapshot,
            foreign,
        });
    }
    Ok(sessions)
}

/// A `running` session whose processes are all gone (killed, machine
/// rebooted) is recorded as `failed` with reason `vanished`, so nothing
/// stays "running" forever; one past its deadline whose watcher was killed
/// has its agent's group ended and is recorded `failed`/`timeout`. Losing
/// the race to another writer is fine. Acts only on this clone's sessions.
pub fn settle(repo: &Repo, session: &mut Session) {
    if session.foreign || session.meta.state != State::Running {
        return;
    }
    // Its watcher enforced the timeout; with the watcher killed, whoever
    // reads the session does.
    let overdue = session.meta.run.as_ref().and_then(Run::overdue_orphan);
    if let Some(pid) = overdue {
        crate::process::stop_group(pid);
    } else if !session.meta.run.as_ref().is_some_and(Run::vanished) {
        return;
    }
    let mut meta = session.meta.clone();
    meta.state = State::Failed;
    if let Some(run) = meta.run.as_mut() {
        run.ended.get_or_insert_with(now);
        let reason = if overdue.is_some() {
            Reason::Timeout
        } else {
            Reason::Vanished
        };
        run.reason.get_or_insert(reason);
    }
    let _ = update(repo, session, meta, None);
}

/// Re-read a session and apply `change` to its metadata with
/// compare-and-swap, retrying when another process wrote in between.
/// Refused while another live process has claimed the session (see [`claim`]).
pub fn modify(repo: &Repo, id: &Id, mut change: impl FnMut(&mut Meta)) -> Result<Session> {
    modify_checked(repo, id, |meta| {
        change(meta);
        Ok(())
    })
}

/// [`modify`], where `change` sees the freshly read metadata and may refuse;
/// its check and the write are one compare-and-swap.
pub fn modify_checked(
    repo: &Repo,
    id: &Id,
    mut change: impl FnMut(&mut Meta) -> Result<()>,
) -> Result<Session> {
    let mut last = None;
    for _ in 0..50 {
        let mut session = resolve_exact(repo, id)?
            .ok_or_else(|| Error::refused(format!("session '{id}' is gone")))?;
        if let Some(p) = claimed_by_another(&session) {
            return Err(busy(id, p));
        }
        let mut meta = session.meta.clone();
        change(&mut meta)?;
        if meta == session.meta {
            return Ok(session);
        }
        match update(repo, &mut session, meta, None) {
            Ok(()) => return Ok(session),
            // Another writer won: read again and retry. Anything else (a
            // full disk, say) is what it is.
            Err(e) if e.is_race() => last = Some(e),
            Err(e) => return Err(e),
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err(last.unwrap_or_else(|| Error::busy(format!("session '{id}' is busy"))))
}

fn read_meta(repo: &Repo, id: &Id, blob: gix::ObjectId, root: &str) -> Result<Meta> {
    let corrupt = |why: String| {
        if root != REF_ROOT {
            // Fetched aside: it is not imported, and nothing is left to remove.
            return Error::refused(format!(
                "the fetched metadata of session '{id}' is unreadable; it was not imported: {why}"
            ));
        }
        Error::refused(format!(
            "the metadata of session '{id}' ({root}{id}/meta) is unreadable and was skipped: {why}"
        ))
        .with_hint(format!(
            "remove it with `git for-each-ref --format='delete %(refname)' {root}{id}/ | git update-ref --stdin`"
        ))
    };
    let object = repo
        .shared
        .find_object(blob)
        .map_err(|e| corrupt(e.to_string()))?;
    let text = std::str::from_utf8(&object.data).map_err(|e| corrupt(e.to_string()))?;
    toml::from_str(text).map_err(|e| corrupt(e.to_string()))
}

/// Read one session's refs afresh, as stored; `None` when it is gone.
pub fn resolve_exact(repo: &Repo, id: &Id) -> Result<Option<Session>> {
    let prefix = format!("{REF_ROOT}{id}/");
    Ok(read_sessions(repo, REF_ROOT, &prefix)?
        .into_iter()
        .find(|s| s.id == *id))
}

/// Serialize metadata, store it as a blob and record the blob as this
/// clone's (before any ref points at it, so a session this process
/// updates is never mistaken for a foreign one).
fn write_meta(repo: &Repo, id: &Id, meta: &Meta) -> Result<gix::ObjectId> {
    let text = toml::to_string(meta).context(|| "cannot encode session metadata".to_string())?;
    let blob = repo
        .shared
        .write_blob(text.as_bytes())
        .context(|| "cannot write session metadata".to_string())?
        .detach();
    record_owned(repo, id, blob)?;
    Ok(blob)
}

/// `<common dir>/agents/<id>/owned`: the metadata blobs this clone wrote
/// for session `id`, one hex id a line. It never leaves this clone.
fn ledger(repo: &Repo, id: &Id) -> PathBuf {
    repo.state().ledger(id.as_str())
}

/// Add `blob` to the session's ledger (an append of one short line, atomic
/// against concurrent writers).
pub fn record_owned(repo: &Repo, id: &Id, blob: gix::ObjectId) -> Result<()> {
    use std::io::Write;
    let path = ledger(repo, id);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).doing(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{blob}\n").as_bytes()))
        .doing(|| format!("cannot write {}", path.display()))
}

/// Did this clone write `blob` as session `id`'s metadata?
pub fn owns(repo: &Repo, id: &Id, blob: gix::ObjectId) -> bool {
    let Ok(text) = std::fs::read(ledger(repo, id)) else {
        return false;
    };
    let hex = blob.to_string();
    text.split(|b| *b == b'\n')
        .any(|line| line == hex.as_bytes())
}

/// Create a session's refs; fails if the id is taken (atomically: two
/// processes creating the same id cannot both succeed).
pub fn create(repo: &Repo, id: &Id, meta: &Meta, base: gix::ObjectId) -> Result<Session> {
    let blob = write_meta(repo, id, meta)?;
    let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
    let script = format!(
        "update {} {blob} {zero}\nupdate {} {base} {zero}\n",
        id.meta_ref(),
        id.base_ref()
    );
    repo.git()
        .run_stdin(["update-ref", "--stdin"], script.as_bytes())
        .map_err(|e| {
            e.race_as(|| {
                Error::refused(format!("a session named '{id}' already exists"))
                    .with_hint("pick another id, or omit it to get a generated one")
            })
        })?;
    Ok(Session {
        id: id.clone(),
        meta: meta.clone(),
        meta_blob: blob,
        base,
        snapshot: None,
        foreign: false,
    })
}

/// Make a fetched session one of this clone's, as `discarded`, with its
/// worktree path here: what `restore` brings back, and `discard` records.
pub fn adopt(repo: &Repo, session: &mut Session) -> Result<()> {
    if !session.foreign {
        return Ok(());
    }
    let mut meta = session.meta.clone();
    meta.clone = Some(repo.clone_id_or_create()?);
    // Nothing of where it lived elsewhere is taken: its worktree, origin
    // and branch are named here, as `new` would name them.
    meta.worktree = repo.worktree_root().join(session.id.as_str());
    meta.origin = repo.current_worktree.clone();
    meta.branch = format!("{}{}", repo.config.branch_prefix(), session.id);
    if meta.worktree.symlink_metadata().is_ok() {
        // This clone's own session of that name, overwritten by a forced
        // fetch, may still have its worktree there.
        return Err(Error::refused(format!(
            "session '{}' was fetched from elsewhere, and {} is already there; nothing was changed",
            session.id,
            meta.worktree.display()
        ))
        .with_hint(format!(
            "if that is this clone's own worktree for '{0}', its files are safe there; move them away (or the directory) before adopting the fetched session",
            session.id
        )));
    }
    if meta.state.is_live() {
        meta.state = State::Discarded;
    }
    meta.pending = None;
    if let Some(run) = meta.run.as_mut().filter(|r| r.ended.is_none()) {
        // Its process was on another machine: this clone will never see it end.
        run.ended = Some(now());
        run.reason = Some(Reason::Vanished);
    }
    update(repo, session, meta, None)?;
    session.foreign = false;
    Ok(())
}

/// Store new metadata (and optionally a new snapshot) if nobody changed the
/// session since `session` was read. On success `session` is updated.
pub fn update(
    repo: &Repo,
    session: &mut Session,
    mut meta: Meta,
    snapshot: Option<gix::ObjectId>,
) -> Result<()> {
    // The compare-and-swap below makes sure what was read is what is stored.
    if let Some(p) = claimed_by_another(session) {
        return Err(busy(&session.id, p));
    }
    meta.updated = now();
    let blob = write_meta(repo, &session.id, &meta)?;
    let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
    let mut script = format!(
        "update {} {blob} {}\n",
        session.id.meta_ref(),
        session.meta_blob
    );
    if let Some(snap) = snapshot {
        let old = session.snapshot.unwrap_or(zero);
        script.push_str(&format!(
            "update {} {snap} {old}\n",
            session.id.snapshot_ref()
        ));
    }
    repo.git()
        .run_stdin(["update-ref", "--stdin"], script.as_bytes())
        .map_err(|e| {
            e.race_as(|| {
                Error::busy(format!(
                    "session '{}' was changed by another git-agent command at the same time; nothing was changed by this one",
                    session.id
                ))
                .with_hint("run the command again")
            })
        })?;
    session.meta = meta;
    session.meta_blob = blob;
    if snapshot.is_some() {
        session.snapshot = snapshot;
    }
    Ok(())
}

/// Delete every ref of a session, each only if it still has the value read.
pub fn delete(repo: &Repo, session: &Session) -> Result<()> {
    let mut script = format!(
        "delete {} {}\ndelete {} {}\n",
        session.id.meta_ref(),
        session.meta_blob,
        session.id.base_ref(),
        session.base
    );
    if let Some(snap) = session.snapshot {
        script.push_str(&format!("delete {} {snap}\n", session.id.snapshot_ref()));
    }
    // The review history (`review::history`), when the session has one.
    let reviews = repo
        .git()
        .output(["rev-parse", "--verify", "-q", &session.id.reviews_ref()])?;
    if reviews.status.success() {
        let oid = String::from_utf8_lossy(&reviews.stdout);
        script.push_str(&format!(
            "delete {} {}\n",
            session.id.reviews_ref(),
            oid.trim()
        ));
    }
    repo.git()
        .run_stdin(["update-ref", "--stdin"], script.as_bytes())
        .map(drop)
        .map_err(|e| {
            e.race_as(|| {
                Error::busy(format!(
                    "session '{}' changed while it was being removed",
                    session.id
                ))
            })
        })
}

/// Move the session's base to `base` (after `sync` merged the branch it
/// lands on into it: what that branch had is no longer the session's
/// change), with `meta`, in one compare-and-swap of both refs.
pub fn rebase(
    repo: &Repo,
    session: &mut Session,
    mut meta: Meta,
    base: gix::ObjectId,
) -> Result<()> {
    if let Some(p) = claimed_by_another(session) {
        return Err(busy(&session.id, p));
    }
    meta.base = base.to_string();
    meta.updated = now();
    let blob = write_meta(repo, &session.id, &meta)?;
    let script = format!(
        "update {} {blob} {}\nupdate {} {base} {}\n",
        session.id.meta_ref(),
        session.meta_blob,
        session.id.base_ref(),
        session.base
    );
    repo.git()
        .run_stdin(["update-ref", "--stdin"], script.as_bytes())
        .map_err(|e| {
            e.race_as(|| {
                Error::busy(format!(
                    "session '{}' was changed by another git-agent command at the same time; its base was not moved",
                    session.id
                ))
                .with_hint("run the command again")
            })
        })?;
    session.meta = meta;
    session.meta_blob = blob;
    session.base = base;
    Ok(())
}
