//! What `keep` and `land` share, below the verbs: the refusals of a target
//! checkout (`checks`), the commits `--squash`/`--commit` make (`commits`),
//! the base of their three-way merges, and turning a merge into a tree or
//! a refusal that names the conflicting paths.

mod checks;
mod commits;

pub use checks::{
    check_can_commit, check_target, refuse_embedded_repositories, refuse_unresolved, target,
    unresolved,
};
pub use commits::{replay_commits, squash_commit};

use crate::error::{Error, Result};
use crate::merge::Merge;
use crate::repo::Repo;
use crate::session::{self, Session};
use crate::snapshot::parse_oid;

/// The base of keep's three-way merges: the session's base, or where the
/// session and the target's HEAD last met when that is later — after the
/// session merged (or rebased onto) the target's branch to resolve a
/// conflict, what HEAD already has is not the session's change.
pub fn meeting_point(
    repo: &Repo,
    base: gix::ObjectId,
    head: gix::ObjectId,
    worked: Option<gix::ObjectId>,
) -> Result<gix::ObjectId> {
    let Some(worked) = worked else {
        return Ok(base);
    };
    let git = repo.git();
    let out = git.output(["merge-base", &head.to_string(), &worked.to_string()])?;
    let Ok(met) = parse_oid(&String::from_utf8_lossy(&out.stdout)) else {
        return Ok(base); // unrelated histories
    };
    let later = met != base
        && git
            .output([
                "merge-base",
                "--is-ancestor",
                &base.to_string(),
                &met.to_string(),
            ])?
            .status
            .success();
    Ok(if later { met } else { base })
}

pub fn clean(session: &Session, merge: Merge) -> Result<gix::ObjectId> {
    clean_or(session, merge, |first| {
        format!(
            "see the session's side with `git agent diff {id} -- {first}`; resolve it in the session (for example merge your branch into it there) or in your checkout, then keep again — after a merge, with --squash",
            id = session.id
        )
    })
}

/// The hint for a conflict with the target's uncommitted changes, which no
/// merge in the session can resolve.
pub fn yours_in_the_way(id: &session::Id) -> impl Fn(&str) -> String + '_ {
    move |first| {
        format!(
            "see the session's side with `git agent diff {id} -- {first}`; your uncommitted changes there are in the way: commit or stash them (`git stash -u`), keep again, then `git stash pop`"
        )
    }
}

/// [`clean`], with the hint made from the first conflicting path.
pub fn clean_or(
    session: &Session,
    merge: Merge,
    hint: impl FnOnce(&str) -> String,
) -> Result<gix::ObjectId> {
    match merge {
        Merge::Clean(tree) => Ok(tree),
        Merge::Conflict(paths) => {
            let mut message = format!(
                "keeping session '{}' would conflict in {} path{}; nothing was changed:",
                session.id,
                paths.len(),
                if paths.len() == 1 { "" } else { "s" }
            );
            for p in &paths {
                message.push_str(&format!("\n    {p}"));
            }
            let first = paths.first().map(String::as_str).unwrap_or(".");
            Err(Error::refused(message).with_hint(hint(first)))
        }
    }
}
