//! `git agent path <id>`: the worktree path alone, for `cd "$(git agent path x)"`.

use crate::cli::PathArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session;

pub fn run(repo: &Repo, args: &PathArgs) -> Result<i32> {
    let session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    let Some(path) = session.path() else {
        return Err(Error::refused(format!(
            "session '{}' has no worktree (it is {})",
            session.id,
            session.state(repo)
        )));
    };
    anstream::println!("{}", path.display());
    Ok(0)
}
