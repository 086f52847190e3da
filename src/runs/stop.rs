//! Ending a live run from outside its watcher: `stop`, and `keep`/`discard`
//! with `--force`.

use crate::error::{Error, Result};
use crate::process::{is_alive_for, stop_group};
use crate::repo::Repo;
use crate::session::{self, Reason, Session, State};

/// Refuse while a run is live, or with `force` end it: record `stopped`
/// first (the run's watcher keeps that reason), then kill its process group.
///
/// The watcher records the child's pid by compare-and-swap, as this records
/// the end, so one of the two sees the other: if the pid is there, this
/// kills the group; if not, the watcher sees the run ended and kills (or
/// never starts) the child itself.
pub fn stop_live(repo: &Repo, session: &mut Session, force: bool) -> Result<()> {
    let Some(run) = session.meta.run.clone().filter(|r| r.is_live()) else {
        return Ok(());
    };
    if !force {
        return Err(
            Error::refused(format!("session '{}' has a live run", session.id)).with_hint(
                "wait for it (`git agent wait`), stop it (`git agent stop`), or pass --force",
            ),
        );
    }
    let started = run.started.clone();
    *session = session::modify(repo, &session.id, |meta| {
        if let Some(run) = meta
            .run
            .as_mut()
            .filter(|r| r.started == started && r.ended.is_none())
        {
            run.ended = Some(session::now());
            run.reason = Some(Reason::Stopped);
            meta.state = State::Failed;
        }
    })?;
    let pid = session
        .meta
        .run
        .as_ref()
        .filter(|r| r.started == started)
        .and_then(|r| r.pid);
    if let Some(pid) = pid {
        stop_group(pid);
    }
    // Let the watcher finish its bookkeeping (snapshot, final state).
    if let Some(sup) = run.supervisor.filter(|s| *s != std::process::id()) {
        for _ in 0..200 {
            if !is_alive_for(sup, &started) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(25));
        }
    }
    *session = session::resolve(repo, Some(session.id.as_str()))?;
    Ok(())
}
