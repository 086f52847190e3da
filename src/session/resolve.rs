//! Finding a session from what the user typed: an exact id, a unique
//! prefix, or none (the session whose worktree this is).

use crate::error::{Error, Result};
use crate::repo::Repo;

use super::{Id, Session, list, settle};

/// Find a session by exact id or unique prefix; `None` means "the session
/// whose worktree I am in". The session found is [`settle`]d: a run whose
/// processes vanished reads as ended.
pub fn resolve(repo: &Repo, wanted: Option<&str>) -> Result<Session> {
    if let Some(wanted) = wanted.filter(|w| w.is_empty()) {
        // An empty id is a prefix of every id: never a match (an unset
        // variable in `discard "$ID"` must not take a real session).
        Id::parse(wanted)?;
    }
    let mut found = find(repo, wanted)?;
    settle(repo, &mut found);
    Ok(found)
}

/// The lookup of [`resolve`], changing nothing.
fn find(repo: &Repo, wanted: Option<&str>) -> Result<Session> {
    let sessions = list(repo)?;
    let Some(wanted) = wanted else {
        return sessions
            .into_iter()
            .find(|s| {
                !s.foreign
                    && s.meta.state.is_live()
                    && crate::git::tidy(&s.meta.worktree) == repo.current_worktree
            })
            .ok_or_else(|| {
                Error::usage("no session id given, and this is not a session's worktree")
                    .with_hint("name a session; `git agent list` shows them")
            });
    };
    if let Some(found) = sessions.iter().position(|s| s.id.as_str() == wanted) {
        return Ok(sessions
            .into_iter()
            .nth(found)
            .expect("position is in range"));
    }
    let mut matches: Vec<Session> = sessions
        .iter()
        .filter(|s| s.id.as_str().starts_with(wanted))
        .cloned()
        .collect();
    match matches.len() {
        1 => Ok(matches.remove(0)),
        0 => {
            // An invalid id can never name a session: say why it is invalid.
            Id::parse(wanted)?;
            Err(Error::refused(format!("no session '{wanted}'"))
                .with_hint(candidates(wanted, &sessions)))
        }
        _ => {
            let names: Vec<&str> = matches.iter().map(|s| s.id.as_str()).collect();
            Err(Error::refused(format!(
                "session id '{wanted}' is ambiguous: it could be {}",
                names.join(", ")
            )))
        }
    }
}

/// The hint for an unknown id: the sessions there are, closest first (live
/// ones before kept and discarded at the same distance), at most ten.
fn candidates(wanted: &str, sessions: &[Session]) -> String {
    const SHOWN: usize = 10;
    if sessions.is_empty() {
        return "there are no sessions yet; `git agent new` starts one".into();
    }
    let mut ranked: Vec<(usize, bool, &Session)> = sessions
        .iter()
        .map(|s| {
            (
                strsim::levenshtein(wanted, s.id.as_str()),
                !s.meta.state.is_live(),
                s,
            )
        })
        .collect();
    ranked.sort_by(|a, b| (a.0, a.1, &a.2.id).cmp(&(b.0, b.1, &b.2.id)));
    let names: Vec<String> = ranked
        .iter()
        .take(SHOWN)
        .map(|(_, _, s)| format!("{} ({})", s.id, s.meta.state))
        .collect();
    let more = sessions.len().saturating_sub(SHOWN);
    format!(
        "{} {}{}; `git agent list --all` shows every session",
        if ranked.len() > SHOWN {
            "the closest sessions:"
        } else {
            "sessions here:"
        },
        names.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}
