//! `git agent restore <id>`: a discarded (or kept) session comes back, its
//! worktree, branch, index and files as `discard` (or `keep`) saw them. The
//! steps, and what a kill after each leaves, are in [`crate::restore`].

use crate::cli::RestoreArgs;
use crate::error::{Error, Result};
use crate::output;
use crate::repo::Repo;
use crate::restore::{lock, restore};
use crate::session::{self, Session};

pub fn run(repo: &Repo, args: &RestoreArgs) -> Result<i32> {
    let _lock = lock(repo)?;
    let mut session = session::resolve(repo, Some(&args.id))?;
    let was = if session.foreign {
        format!("fetched, {} when pushed", session.meta.state)
    } else {
        format!(
            "{} {} ago",
            session.meta.state,
            crate::time::age(&session.meta.updated)
        )
    };
    // A fetched session becomes this clone's (discarded, with its worktree
    // path here) and is restored like any other — once it is sure there is
    // something to restore: a refusal adopts nothing.
    if session.foreign && session.snapshot.is_none() {
        return Err(Error::refused(format!(
            "session '{}' was fetched without a snapshot, so there is nothing to restore; nothing was changed",
            session.id
        ))
        .with_hint(format!(
            "`git agent show {}` tells what was pushed; the clone that made it can push it again with its snapshot",
            session.id
        )));
    }
    session::adopt(repo, &mut session)?;
    restore(repo, &mut session)?;
    crate::fault::point("restore:recorded");
    let path = &session.meta.worktree;
    set_up_like_new(repo, &session);
    anstream::println!("{}\t{}", session.id, path.display());
    anstream::eprintln!(
        "Restored session {} ({was}) on branch {}; work in it with: cd \"$(git agent path {})\"",
        session.id,
        session.meta.branch,
        session.id
    );
    Ok(0)
}

/// What `new` does after the checkout, since a snapshot holds no ignored
/// files: `agent.copy` / `.worktreeinclude` files (never over a restored
/// one) and `agent.postCreate`. The session is back either way, so a
/// failure here is a warning.
fn set_up_like_new(repo: &Repo, session: &Session) {
    let path = &session.meta.worktree;
    if let Err(e) = crate::copy::ignored_files(repo, &crate::copy::patterns(repo), path) {
        output::warn(&format!("agent.copy: {}", e.message));
    }
    if let Err(e) = crate::copy::post_create(repo, &session.id, session.base, path) {
        output::warn(&format!("agent.postCreate failed: {}", e.message));
    }
}
