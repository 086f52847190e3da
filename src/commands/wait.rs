//! `git agent wait [<id>…] [--timeout <dur>] [--any]`: block until runs
//! end; exit 0 only if every one ended `done`. With `--any`: until the
//! first one ends, woken by changes to the sessions' refs (inotify), not
//! by polling.

use std::time::{Duration, Instant};

use crate::cli::WaitArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::{self, State};

pub fn run(repo: &Repo, args: &WaitArgs) -> Result<i32> {
    let deadline = match &args.timeout {
        Some(t) => Instant::now().checked_add(crate::runs::parse_duration(t)?),
        None => None,
    };
    let ids = if args.ids.is_empty() {
        running(repo)?
    } else {
        named(repo, &args.ids)?
    };
    if args.any {
        return first_to_end(repo, &ids, deadline);
    }
    loop {
        // `list_settled` records runs whose processes vanished as ended.
        let sessions = session::list_settled(repo)?;
        let watched: Vec<_> = sessions.iter().filter(|s| ids.contains(&s.id)).collect();
        if watched.iter().all(|s| !busy(repo, s)) {
            let mut ok = true;
            for s in &watched {
                anstream::eprintln!("{}: {}{}", s.id, s.meta.state, outcome(s));
                ok &= s.meta.state == State::Done;
            }
            return Ok(if ok { 0 } else { 1 });
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let running: Vec<&str> = watched
                .iter()
                .filter(|s| busy(repo, s))
                .map(|s| s.id.as_str())
                .collect();
            return Err(Error::refused(format!(
                "timed out; still running: {}",
                running.join(", ")
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `wait --any`: the first of `ids` to end (the first named, when several
/// already have); its id on stdout, exit 0 iff it ended `done`.
fn first_to_end(repo: &Repo, ids: &[session::Id], deadline: Option<Instant>) -> Result<i32> {
    if ids.is_empty() {
        return Ok(1); // Nothing ran, so nothing ended `done`; `running` said so.
    }
    let mut watcher = crate::fleet::Watcher::start(&repo.common_dir);
    loop {
        for id in ids {
            let Some(mut s) = session::resolve_exact(repo, id)? else {
                continue;
            };
            session::settle(repo, &mut s);
            if !busy(repo, &s) {
                anstream::eprintln!("{}: {}{}", s.id, s.meta.state, outcome(&s));
                println!("{}", s.id);
                return Ok(if s.meta.state == State::Done { 0 } else { 1 });
            }
        }
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        if left.is_some_and(|l| l.is_zero()) {
            return Err(Error::refused("timed out; none of them ended"));
        }
        let nap = left.map_or(crate::fleet::HEARTBEAT, |l| l.min(crate::fleet::HEARTBEAT));
        watcher.wait(&[], Some(nap));
    }
}

/// `, exit 3, timeout`: how a session's last run ended.
fn outcome(s: &session::Session) -> String {
    let run = s.meta.run.as_ref();
    let code = run
        .and_then(|r| r.exit_code)
        .map(|c| format!(", exit {c}"))
        .unwrap_or_default();
    let reason = run
        .and_then(|r| r.reason)
        .map(|r| format!(", {r}"))
        .unwrap_or_default();
    format!("{code}{reason}")
}

/// `wait` without ids: the runs going on now, this clone's; a failed run is
/// named (it is not waited for), and so is having nothing to wait for.
fn running(repo: &Repo) -> Result<Vec<session::Id>> {
    let sessions = session::list_settled(repo)?;
    let running: Vec<session::Id> = sessions
        .iter()
        .filter(|s| !s.foreign && busy(repo, s))
        .map(|s| s.id.clone())
        .collect();
    // A run that failed before `wait` started is not waited for; say so,
    // so nobody takes the exit code for "every agent did well".
    let failed: Vec<&str> = sessions
        .iter()
        .filter(|s| s.meta.state == State::Failed && !s.foreign)
        .map(|s| s.id.as_str())
        .collect();
    if !failed.is_empty() {
        crate::output::warn(&format!(
            "not waiting for {} whose last run already failed: {} (name ids to include them: `git agent wait <id>…`)",
            if failed.len() == 1 {
                "a session"
            } else {
                "sessions"
            },
            failed.join(", ")
        ));
    }
    if running.is_empty() {
        anstream::eprintln!("Nothing is running.");
    }
    Ok(running)
}

/// `wait <id>…`: the sessions named, each of this clone and with a run.
fn named(repo: &Repo, ids: &[String]) -> Result<Vec<session::Id>> {
    ids.iter()
        .map(|id| {
            let session = session::resolve(repo, Some(id))?;
            session.ensure_local()?;
            if session.meta.run.is_none() {
                return Err(Error::refused(format!(
                    "session '{}' has had no run to wait for",
                    session.id
                ))
                .with_hint(format!(
                    "start one with `git agent run {} -- <command>`",
                    session.id
                )));
            }
            Ok(session.id)
        })
        .collect::<Result<_>>()
}

/// A run is live in the session, or a review of it has not recorded its
/// verdict yet (between a reviewer's run and its retry, say).
fn busy(repo: &Repo, session: &session::Session) -> bool {
    session.meta.state == State::Running
        || (!session.foreign && crate::review::in_progress(repo, &session.id))
}
