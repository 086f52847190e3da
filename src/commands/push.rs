//! `git agent push [<remote>] [<id>…]`: send sessions and their notes to a
//! remote. Live sessions are snapshotted first, so what arrives is their
//! whole state; each session's three refs replace the remote's copy, the
//! notes ref is never forced.

use crate::cli::PushArgs;
use crate::commands::discard::save;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::{self, NOTES_REF, State};

pub fn run(repo: &Repo, args: &PushArgs) -> Result<i32> {
    let remote = args.remote.as_deref().unwrap_or("origin");
    let mut sessions = if args.ids.is_empty() {
        session::list(repo)?
    } else {
        args.ids
            .iter()
            .map(|id| session::resolve(repo, Some(id)))
            .collect::<Result<_>>()?
    };
    if sessions.is_empty() {
        return Err(Error::refused("there are no sessions to push"));
    }
    let mut specs = Vec::new();
    for session in &mut sessions {
        let state = session.state(repo);
        if session.path().is_some() && state.is_live() && state != State::Broken {
            save(repo, session, "push")?;
        }
        for name in [session.id.meta_ref(), session.id.base_ref()] {
            specs.push(format!("+{name}:{name}"));
        }
        if session.snapshot.is_some() {
            let name = session.id.snapshot_ref();
            specs.push(format!("+{name}:{name}"));
        }
    }
    let notes = repo
        .shared
        .try_find_reference(NOTES_REF)
        .ok()
        .flatten()
        .is_some();
    if notes {
        specs.push(format!("{NOTES_REF}:{NOTES_REF}"));
    }
    let mut argv = vec!["push".to_owned(), "-q".into(), remote.to_owned()];
    argv.extend(specs);
    let out = repo.git().output(&argv)?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let mut error = Error::refused(format!(
            "git push to '{remote}' failed: {}",
            crate::git::one_line(&out.stderr)
        ));
        if notes && stderr.contains(NOTES_REF) {
            error = error.with_hint(format!(
                "the remote has notes this clone lacks: `git agent fetch {remote}` merges them, then push again"
            ));
        }
        return Err(error);
    }
    let ids: Vec<&str> = sessions.iter().map(|s| s.id.as_str()).collect();
    anstream::eprintln!(
        "Pushed {} session{} to {remote}{}: {}",
        ids.len(),
        if ids.len() == 1 { "" } else { "s" },
        if notes { " with notes" } else { "" },
        ids.join(", ")
    );
    Ok(0)
}
