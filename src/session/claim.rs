//! Claims: a process marking a session as having an operation under way
//! before a step that makes its worktree or branch vanish for a moment.

use crate::error::{Error, Result};
use crate::repo::Repo;

use super::{Id, Pending, Session, State, modify, modify_checked, resolve_exact};

/// Mark a session as having `op` under way in this process, before a step
/// that makes its worktree or branch vanish for a moment (so `list` and `gc`
/// do not take it for broken). Cleared by the update that finishes `op`; if
/// this process dies first, the session is `broken` until discarded again.
///
/// The check and the claim are one compare-and-swap on the metadata as
/// stored now, not as the caller read it: of two processes claiming at
/// once, one wins and the other is told who is busy with the session (or
/// that it is already kept or discarded). While the claim is live only its
/// owner may change the session ([`update`] and [`modify`] refuse others).
///
/// A claim other than `keep`'s also takes `<common dir>/agents/keep.lock`
/// and holds it while the returned [`Claim`] lives (the caller keeps it
/// until it is done with the session), so a `keep` (which holds that lock
/// from its snapshot to its own claim) is never bringing home a session
/// that a `discard` is removing.
pub fn claim(repo: &Repo, session: &mut Session, op: &str) -> Result<Claim> {
    let me = std::process::id();
    if let Some(p) = claimed_by_another(session) {
        return Err(busy(&session.id, p));
    }
    let lock = if op == "keep" || op == "land" {
        None
    } else {
        Some(repo.lock_wait("keep", std::time::Duration::from_secs(120))?)
    };
    *session = modify_checked(repo, &session.id, |meta| {
        if !meta.state.is_live() {
            return Err(finished_meanwhile(&meta.id, meta.state));
        }
        // A run that started since the caller looked (or is starting: no
        // process recorded yet) writes to the worktree about to go.
        if meta
            .run
            .as_ref()
            .is_some_and(|r| r.ended.is_none() && !r.vanished())
        {
            return Err(Error::refused(format!(
                "a run started in session '{}' meanwhile; nothing was removed",
                meta.id
            ))
            .with_hint(format!(
                "wait for it (`git agent wait {0}`) or stop it (`git agent stop {0}`), then {op} again",
                meta.id
            )));
        }
        meta.pending = Some(Pending {
            op: op.into(),
            pid: me,
        });
        Ok(())
    })?;
    Ok(Claim { _lock: lock })
}

/// What a [`claim`] holds besides the mark in the metadata: the lock that
/// keeps `keep` away, released when this is dropped.
#[must_use = "the claim's lock is released when it is dropped"]
pub struct Claim {
    _lock: Option<crate::repo::Lock>,
}

/// The session as it is now, if it is still this process's to change: not
/// claimed by another live process, and not kept or discarded by one
/// meanwhile (the error says which).
pub fn still_ours(repo: &Repo, id: &Id) -> Result<Session> {
    let now = resolve_exact(repo, id)?
        .ok_or_else(|| Error::refused(format!("session '{id}' is gone")))?;
    if let Some(p) = claimed_by_another(&now) {
        return Err(busy(id, p));
    }
    let state = now.state(repo);
    if !state.is_live() {
        return Err(finished_meanwhile(id.as_str(), state));
    }
    Ok(now)
}

fn finished_meanwhile(id: &str, state: State) -> Error {
    Error::refused(format!(
        "session '{id}' is already {state} (by another git-agent command just now)"
    ))
    .with_hint(format!("`git agent show {id}` tells what happened to it"))
}

/// Give up this process's claim on a session (a step after [`claim`]
/// failed and nothing was removed), so it does not read as `broken`.
pub fn unclaim(repo: &Repo, session: &mut Session) {
    let me = std::process::id();
    if let Ok(s) = modify(repo, &session.id, |meta| {
        if meta.pending.as_ref().is_some_and(|p| p.pid == me) {
            meta.pending = None;
        }
    }) {
        *session = s;
    }
}

/// What to do about a session whose claim's process died half-way (the
/// session reads as `broken`), naming the interrupted operation.
pub fn interrupted_hint(session: &Session) -> Option<String> {
    let p = session
        .meta
        .pending
        .as_ref()
        .filter(|p| !session.foreign && !crate::process::is_alive(p.pid))?;
    let id = &session.id;
    let what = match p.op.as_str() {
        "keep" => format!(
            "run `git agent keep {id}` again to finish it (its change may be in the checkout already; it is not applied twice)"
        ),
        "discard" => format!("run `git agent discard {id}` again to finish it"),
        _ => format!("`git agent discard {id}` saves what is left and cleans up"),
    };
    Some(format!(
        "session {id} was left half-done by a {} (pid {}) that was killed; {what}",
        p.op, p.pid
    ))
}

/// The live claim of another process on a session of this clone, if any.
pub(super) fn claimed_by_another(session: &Session) -> Option<&Pending> {
    session.meta.pending.as_ref().filter(|p| {
        !session.foreign && p.pid != std::process::id() && crate::process::is_alive(p.pid)
    })
}

/// The error for a session another live process has claimed.
pub(super) fn busy(id: &Id, p: &Pending) -> Error {
    Error::busy(format!(
        "session '{id}' is busy: {} by pid {} is in progress",
        p.op, p.pid
    ))
    .with_hint("run the command again when it is done")
}
