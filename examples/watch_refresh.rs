//! The cost of one `watch` refresh: `changed` of the repository's sessions
//! get a new file in their worktree and a new metadata blob, then
//! [`Fleet::refresh`] brings the rows up to date, as `watch` does when
//! inotify names those sessions. Prints the median in milliseconds.
//! Used by `scripts/bench-watch.sh`.
//!
//!   watch_refresh <repo dir> <changed> <runs>

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use git_agent::fleet::{Dirty, Fleet};
use git_agent::repo::Repo;
use git_agent::session;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, changed, runs] = args.as_slice() else {
        return Err("usage: watch_refresh <repo dir> <changed> <runs>".into());
    };
    let (changed, runs): (usize, usize) = (changed.parse()?, runs.parse()?);
    let repo = Repo::discover(std::path::Path::new(dir)).map_err(|e| e.message)?;
    let mut fleet = Fleet::load(&repo).map_err(|e| e.message)?;
    let ids: Vec<String> = fleet.rows.keys().take(changed).cloned().collect();
    let mut times: Vec<Duration> = Vec::new();
    for run in 0..runs {
        for id in &ids {
            let row = &fleet.rows[id];
            let file = row.session.meta.worktree.join(format!("bench-{run}.txt"));
            std::fs::write(file, "changed\n")?;
            let id = session::Id::parse(id).map_err(|e| e.message)?;
            // A new blob every run (`updated` has one-second resolution).
            let prompt = format!("bench run {run}");
            session::modify(&repo, &id, |m| m.prompt = Some(prompt.clone()))
                .map_err(|e| e.message)?;
        }
        let dirty = Dirty {
            all: false,
            refs: ids.iter().cloned().collect::<BTreeSet<_>>(),
            logs: BTreeSet::new(),
        };
        let start = Instant::now();
        let changes = fleet.refresh(&repo, &dirty).map_err(|e| e.message)?;
        times.push(start.elapsed());
        if changes.len() != ids.len() {
            return Err(format!("{} changes for {} sessions", changes.len(), ids.len()).into());
        }
    }
    times.sort();
    println!("{:.1}", times[times.len() / 2].as_secs_f64() * 1000.0);
    Ok(())
}
