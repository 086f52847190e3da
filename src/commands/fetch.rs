//! `git agent fetch [<remote>]`: bring the remote's sessions and notes here.
//!
//! Everything is fetched aside first (`refs/agents-incoming/`), then each
//! session is imported with a compare-and-swap: added when new here,
//! updated when it was fetched before, never written over a session this
//! clone made. Notes are merged into `refs/notes/agents`. The aside refs
//! are deleted at the end (and at the start, after an interrupted fetch).

use crate::cli::FetchArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session::{self, NOTES_REF, Session};

const INCOMING: &str = "refs/agents-incoming/";
const INCOMING_SESSIONS: &str = "refs/agents-incoming/sessions/";
const INCOMING_NOTES: &str = "refs/agents-incoming/notes";

pub fn run(repo: &Repo, args: &FetchArgs) -> Result<i32> {
    let remote = args.remote.as_deref().unwrap_or("origin");
    let _lock = repo.lock_wait("fetch", std::time::Duration::from_secs(120))?;
    clear_incoming(repo)?;
    let out = repo.git().output([
        "fetch",
        "-q",
        "--no-write-fetch-head",
        remote,
        &format!("+refs/agents/*:{INCOMING_SESSIONS}*"),
        // A pattern, so a remote without notes is no error.
        &format!("+{NOTES_REF}*:{INCOMING_NOTES}*"),
    ])?;
    if !out.status.success() {
        clear_incoming(repo)?;
        return Err(Error::refused(format!(
            "git fetch from '{remote}' failed: {}",
            crate::git::one_line(&out.stderr)
        )));
    }
    let imported = import(repo);
    let notes = merge_notes(repo);
    clear_incoming(repo)?;
    let (added, updated) = imported?;
    notes?;
    anstream::eprintln!(
        "Fetched from {remote}: {added} new session{}, {updated} updated.",
        if added == 1 { "" } else { "s" }
    );
    Ok(0)
}

/// Import every fetched session; returns how many were added and updated.
fn import(repo: &Repo) -> Result<(usize, usize)> {
    let zero = gix::ObjectId::null(gix::hash::Kind::Sha1);
    let (mut added, mut updated) = (0, 0);
    for theirs in session::read_sessions(repo, INCOMING_SESSIONS, INCOMING_SESSIONS)? {
        let ours = session::resolve_exact(repo, &theirs.id)?;
        let old = match &ours {
            None => None,
            Some(ours) if same(ours, &theirs) => continue,
            Some(ours) if ours.foreign => Some(ours),
            Some(_) => {
                if theirs.foreign {
                    crate::output::warn(&format!(
                        "session '{}' here was made in this clone; the fetched one of the same name was skipped",
                        theirs.id
                    ));
                }
                continue;
            }
        };
        let id = &theirs.id;
        let line = |name: String, new: Option<gix::ObjectId>, old: Option<gix::ObjectId>| {
            format!(
                "update {name} {} {}\n",
                new.unwrap_or(zero),
                old.unwrap_or(zero)
            )
        };
        let mut script = line(
            id.meta_ref(),
            Some(theirs.meta_blob),
            old.map(|o| o.meta_blob),
        );
        script += &line(id.base_ref(), Some(theirs.base), old.map(|o| o.base));
        if theirs.snapshot.is_some() || old.is_some_and(|o| o.snapshot.is_some()) {
            script += &line(
                id.snapshot_ref(),
                theirs.snapshot,
                old.and_then(|o| o.snapshot),
            );
        }
        // The review history, as pushed (or gone, when theirs has none).
        let reviews = |name: &str| {
            repo.git()
                .run(["rev-parse", "--verify", "-q", name])
                .ok()
                .and_then(|o| crate::snapshot::parse_oid(&o).ok())
        };
        let their_reviews = reviews(&format!("{INCOMING_SESSIONS}{id}/reviews"));
        let our_reviews = old.and_then(|_| reviews(&id.reviews_ref()));
        if their_reviews.is_some() || our_reviews.is_some() {
            script += &line(id.reviews_ref(), their_reviews, our_reviews);
        }
        repo.git()
            .run_stdin(["update-ref", "--stdin"], script.as_bytes())
            .map_err(|_| {
                Error::busy(format!(
                    "session '{id}' was changed here while it was being fetched; run fetch again"
                ))
            })?;
        let verb = if old.is_some() { "updated" } else { "new" };
        anstream::println!("{verb}\t{id}\t{}", theirs.meta.state);
        if old.is_some() {
            updated += 1;
        } else {
            added += 1;
        }
    }
    Ok((added, updated))
}

fn same(a: &Session, b: &Session) -> bool {
    (a.meta_blob, a.base, a.snapshot) == (b.meta_blob, b.base, b.snapshot)
}

/// Merge the fetched notes into ours (`cat_sort_uniq`: both sides' notes on
/// a commit are kept).
fn merge_notes(repo: &Repo) -> Result<()> {
    let id = |name: &str| repo.git().run(["rev-parse", "--verify", "-q", name]).ok();
    let Some(theirs) = id(INCOMING_NOTES) else {
        return Ok(());
    };
    let _lock = repo.lock("notes")?;
    match id(NOTES_REF) {
        Some(ours) if ours == theirs => Ok(()),
        None => repo
            .git()
            .run(["update-ref", NOTES_REF, &theirs, &"0".repeat(40)])
            .map(drop),
        Some(_) => repo
            .git()
            .as_git_agent()
            .run([
                "notes",
                &format!("--ref={NOTES_REF}"),
                "merge",
                "-q",
                "-s",
                "cat_sort_uniq",
                INCOMING_NOTES,
            ])
            .map(drop),
    }
}

/// Delete whatever a fetch left aside.
fn clear_incoming(repo: &Repo) -> Result<()> {
    let names = repo
        .git()
        .run(["for-each-ref", "--format=delete %(refname)", INCOMING])?;
    if names.is_empty() {
        return Ok(());
    }
    repo.git()
        .run_stdin(["update-ref", "--stdin"], format!("{names}\n").as_bytes())
        .map(drop)
}
