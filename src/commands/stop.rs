//! `git agent stop <id>`: end the live run's whole process group; `failed`
//! with reason `stopped`.

use crate::cli::StopArgs;
use crate::error::{Error, Result};
use crate::repo::Repo;
use crate::session;

pub fn run(repo: &Repo, args: &StopArgs) -> Result<i32> {
    let mut session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    if !session.meta.run.as_ref().is_some_and(|r| r.is_live()) {
        return Err(Error::refused(format!(
            "session '{}' has no live run",
            session.id
        )));
    }
    crate::runs::stop_live(repo, &mut session, true)?;
    anstream::eprintln!("Stopped the run in session {}.", session.id);
    Ok(0)
}
