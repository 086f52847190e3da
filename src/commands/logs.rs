//! `git agent logs <id> [-f]`: the output of the session's detached runs.

use std::io::{Read, Seek, SeekFrom, Write};

use crate::cli::LogsArgs;
use crate::error::{IoContext, Result};
use crate::repo::Repo;
use crate::session;

pub fn run(repo: &Repo, args: &LogsArgs) -> Result<i32> {
    let session = session::resolve(repo, args.id.as_deref())?;
    session.ensure_local()?;
    let path = repo.state().run_log(session.id.as_str());
    if !path.exists() {
        match session.meta.run {
            None => anstream::eprintln!("Session {} has had no run, so it has no log.", session.id),
            Some(_) => anstream::eprintln!(
                "Session {} has no log: its runs were in the foreground, where the output went to the terminal (`git agent run --detach` writes a log).",
                session.id
            ),
        }
        return Ok(0);
    }
    let mut file =
        std::fs::File::open(&path).doing(|| format!("cannot read {}", path.display()))?;
    let mut out = std::io::stdout().lock();
    let mut pos = 0u64;
    loop {
        file.seek(SeekFrom::Start(pos))
            .doing(|| format!("cannot read {}", path.display()))?;
        let mut chunk = Vec::new();
        file.read_to_end(&mut chunk)
            .doing(|| format!("cannot read {}", path.display()))?;
        pos += chunk.len() as u64;
        if out.write_all(&chunk).and_then(|_| out.flush()).is_err() {
            return Ok(0); // the reader went away (a closed pipe is not an error)
        }
        if !args.follow {
            return Ok(0);
        }
        let live = session::resolve(repo, Some(session.id.as_str()))?
            .meta
            .run
            .is_some_and(|r| r.ended.is_none() && r.is_live());
        if !live && chunk.is_empty() {
            return Ok(0);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}
