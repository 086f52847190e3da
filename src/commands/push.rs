//! `git agent push [<remote>] [<id>…]`: send sessions and their notes to a
//! remote. Live sessions are snapshotted first, so what arrives is their
//! whole state. A session's refs on the remote are replaced only when the
//! remote's copy is this clone's own session (or already what is pushed);
//! one made in another clone, or a fetched session changed there since it
//! was fetched, refuses the push unless `--force`. Every ref is pushed with
//! a lease on the value seen, so a push racing in between fails instead of
//! being overwritten. The notes ref is never forced.

use std::collections::HashMap;

use crate::cli::PushArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::{self, NOTES_REF, Session, State};

pub fn run(repo: &Repo, args: &PushArgs) -> Result<i32> {
    let remote = args.remote.as_deref().unwrap_or("origin");
    let mut sessions = if args.ids.is_empty() {
        session::list_settled(repo)?
    } else {
        args.ids
            .iter()
            .map(|id| session::resolve(repo, Some(id)))
            .collect::<Result<_>>()?
    };
    if sessions.is_empty() {
        return Err(Error::refused("there are no sessions to push"));
    }
    let theirs = remote_refs(repo, remote)?;
    if !args.force {
        refuse_contested(remote, &contested(repo, &sessions, &theirs))?;
    }
    let mut specs = Vec::new();
    for session in &mut sessions {
        let state = session.state(repo);
        if session.path().is_some() && state.is_live() && state != State::Broken {
            session::save(repo, session, "push")?;
        }
        specs.extend(leased_refspecs(session, &theirs));
        if crate::review::history::head(repo, &session.id)?.is_some() {
            // The review history (`refs/agents/<id>/reviews`) goes along.
            let name = session.id.reviews_ref();
            let seen = theirs.get(&name).map(String::as_str).unwrap_or("");
            specs.push(format!("--force-with-lease={name}:{seen}"));
            specs.push(format!("{name}:{name}"));
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
    let out = repo.git().output(push_args(remote, specs))?;
    if !out.status.success() {
        return Err(push_failed(remote, &out.stderr, notes));
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

/// Refuse the push when the remote holds a different session under a name
/// being pushed (see [`contested`]).
fn refuse_contested(remote: &str, contested: &[String]) -> Result<()> {
    if contested.is_empty() {
        return Ok(());
    }
    Err(Error::refused(format!(
        "'{remote}' has a different session under the name{} {}: made in another clone, or changed there since this clone fetched it; nothing was pushed",
        if contested.len() == 1 { "" } else { "s" },
        contested.join(", ")
    ))
    .with_hint(format!(
        "`git agent fetch {remote}` shows theirs; `git agent push --force {remote} {}` replaces it",
        contested.join(" ")
    )))
}

/// A session's refs to push, each with a lease on the value the remote
/// showed (nothing seen: create only).
fn leased_refspecs(session: &Session, theirs: &HashMap<String, String>) -> Vec<String> {
    let mut names = vec![session.id.meta_ref(), session.id.base_ref()];
    if session.snapshot.is_some() {
        names.push(session.id.snapshot_ref());
    }
    let mut specs = Vec::new();
    for name in names {
        // Replace exactly what was seen (nothing: create only).
        let seen = theirs.get(&name).map(String::as_str).unwrap_or("");
        specs.push(format!("--force-with-lease={name}:{seen}"));
        specs.push(format!("{name}:{name}"));
    }
    specs
}

/// `git push -q --atomic <leases…> <remote> <refspecs…>`: options before
/// the remote, refspecs after it.
fn push_args(remote: &str, specs: Vec<String>) -> Vec<String> {
    let mut argv = vec![
        "push".to_owned(),
        "-q".into(),
        "--atomic".into(),
        remote.to_owned(),
    ];
    let (leases, refspecs): (Vec<String>, Vec<String>) =
        specs.into_iter().partition(|s| s.starts_with("--"));
    argv.splice(2..2, leases);
    argv.extend(refspecs);
    argv
}

/// The error for a failed `git push`, with a hint when git says why.
fn push_failed(remote: &str, stderr: &[u8], notes: bool) -> Error {
    let said = String::from_utf8_lossy(stderr);
    let error = Error::refused(format!(
        "git push to '{remote}' failed: {}",
        crate::git::one_line(stderr)
    ));
    if said.contains("stale info") {
        error.with_hint(format!(
            "a session changed on '{remote}' while this push ran: push again"
        ))
    } else if notes && said.contains(NOTES_REF) {
        error.with_hint(format!(
            "the remote has notes this clone lacks: `git agent fetch {remote}` merges them, then push again"
        ))
    } else {
        error
    }
}

/// The remote's session refs: name → object id.
fn remote_refs(repo: &Repo, remote: &str) -> Result<HashMap<String, String>> {
    let out = repo
        .git()
        .output(["ls-remote", "--refs", remote, "refs/agents/*"])?;
    if !out.status.success() {
        return Err(Error::refused(format!(
            "cannot read the sessions on '{remote}': {}",
            crate::git::one_line(&out.stderr)
        )));
    }
    // Ref names hold no newline or tab (git check-ref-format).
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .filter(|(_, name)| name.starts_with(session::REF_ROOT))
        .map(|(oid, name)| (name.to_owned(), oid.to_owned()))
        .collect())
}

/// The sessions whose copy on the remote this push must not replace: it
/// differs from ours and its metadata blob is not one this clone wrote
/// (see [`session::owns`]): a session of the same id made in another
/// clone, or a fetched session its clone has pushed again since.
fn contested(repo: &Repo, sessions: &[Session], theirs: &HashMap<String, String>) -> Vec<String> {
    let mut contested: Vec<String> = sessions
        .iter()
        .filter(|s| {
            let Some(oid) = theirs.get(&s.id.meta_ref()) else {
                return false;
            };
            match gix::ObjectId::from_hex(oid.as_bytes()) {
                Ok(blob) => blob != s.meta_blob && !session::owns(repo, &s.id, blob),
                Err(_) => true,
            }
        })
        .map(|s| s.id.to_string())
        .collect();
    contested.sort();
    contested
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leases_go_before_the_remote_and_refspecs_after_it() {
        let specs = vec![
            "--force-with-lease=refs/agents/a/meta:".to_owned(),
            "refs/agents/a/meta:refs/agents/a/meta".to_owned(),
            format!("{NOTES_REF}:{NOTES_REF}"),
        ];
        assert_eq!(
            push_args("origin", specs),
            [
                "push",
                "-q",
                "--force-with-lease=refs/agents/a/meta:",
                "--atomic",
                "origin",
                "refs/agents/a/meta:refs/agents/a/meta",
                "refs/notes/agents:refs/notes/agents",
            ]
        );
    }
}
