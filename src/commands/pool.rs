//! `git agent pool [--fill | --clear] [--json]`: the warm pool of spare
//! worktrees (`agent.pool`; the workings are in [`crate::pool`]).

use crate::cli::PoolArgs;
use crate::error::{Error, Result};
use crate::pool;
use crate::repo::Repo;

pub fn run(repo: &Repo, args: &PoolArgs) -> Result<i32> {
    let size = pool::size(repo)?;
    if args.fill {
        if size == 0 {
            return Err(Error::refused("agent.pool is 0: there is no pool to fill")
                .with_hint("git config agent.pool 2"));
        }
        pool::fill(repo, true)?;
    }
    if args.clear {
        pool::clear(repo)?;
    }
    let spares: Vec<pool::Spare> = pool::scan(repo).into_iter().filter(|s| s.present).collect();
    if args.json {
        let json = serde_json::json!({
            "size": size,
            "spares": spares.iter().map(|s| serde_json::json!({
                "path": crate::git::tidy(&s.path),
                "commit": s.commit().map(|c| c.to_string()),
                "ready": s.ready(),
            })).collect::<Vec<_>>(),
        });
        anstream::println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
        return Ok(0);
    }
    let ready = spares.iter().filter(|s| s.ready()).count();
    anstream::println!(
        "{ready} of {} spare worktrees ready (agent.pool = {size})",
        spares.len()
    );
    for spare in &spares {
        let commit = spare
            .commit()
            .map(|c| c.to_string()[..7].to_owned())
            .unwrap_or_else(|| "-".into());
        let state = if spare.ready() { "ready" } else { "filling" };
        anstream::println!(
            "{}\t{commit}\t{state}",
            crate::git::tidy(&spare.path).display()
        );
    }
    Ok(0)
}
