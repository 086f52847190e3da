//! `git agent list`: live sessions (or all), with change counts measured now.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use anstream::println;
use anstyle::Style;

use crate::cli::ListArgs;
use crate::error::Result;
use crate::output;
use crate::repo::Repo;
use crate::session::{self, Changes, Session};
use crate::statcache::{self, Cache};
use crate::view::{self, Report};

pub fn run(repo: &Repo, args: &ListArgs) -> Result<i32> {
    let sessions: Vec<_> = session::list_settled(repo)?
        .into_iter()
        .filter(|s| args.all || s.meta.state.is_live())
        .collect();
    // Each session's state and worktree, read from disk once.
    let located: Vec<_> = sessions.iter().map(|s| s.locate(repo)).collect();
    let jobs: Vec<_> = sessions
        .iter()
        .zip(&located)
        .map(|(s, at)| view::live_path(*at).map(|p| (p.to_path_buf(), s.base)))
        .collect();
    let mut cache = Cache::load(&repo.common_dir);
    let live = count_in_parallel(&jobs, &sessions, &mut cache);
    cache.retain(&sessions.iter().map(|s| s.id.as_str()).collect::<Vec<_>>());
    cache.save(&repo.common_dir);
    let mut reports = Vec::with_capacity(sessions.len());
    for ((s, at), live) in sessions.iter().zip(located).zip(live) {
        reports.push(Report::with_live(repo, s, at, live)?);
    }
    if args.json {
        let array: Vec<_> = reports.iter().map(Report::to_json).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&array).unwrap_or_default()
        );
        return Ok(0);
    }
    if reports.is_empty() {
        anstream::eprintln!(
            "No sessions{}. Start one with: git agent new [<id>]",
            if args.all { "" } else { " live" }
        );
        return Ok(0);
    }
    let width = reports
        .iter()
        .map(|r| r.session.id.as_str().len())
        .max()
        .unwrap_or(2)
        .max(2);
    let bold = Style::new().bold();
    println!(
        "{bold}{:<width$}  {:<9}  {:>4}  {:<8}  {:>5}  {:>7}  {:>7}  {:<18}  {:>9}{bold:#}",
        "ID", "STATE", "AGE", "AGENT", "FILES", "+", "-", "REVIEW", "TOKENS"
    );
    for r in &reports {
        let style = crate::view::state_style(r.state);
        let mut flag = if r.out_of_scope.is_empty() {
            String::new()
        } else {
            format!("  ({} out of scope)", r.out_of_scope.len())
        };
        if r.session.foreign {
            flag += "  (fetched)";
        }
        println!(
            "{:<width$}  {style}{:<9}{style:#}  {:>4}  {:<8}  {:>5}  {:>7}  {:>7}  {:<18}  {:>9}{flag}",
            r.session.id.as_str(),
            r.state.as_str(),
            crate::time::age(&r.session.meta.created),
            output::quoted(r.session.meta.agent.as_deref().unwrap_or("-")),
            r.changes.files,
            format!("+{}", r.changes.insertions),
            format!("-{}", r.changes.deletions),
            review_cell(&r.review),
            tokens(r.session),
        );
    }
    let usages = reports
        .iter()
        .filter_map(|r| r.session.meta.run.as_ref()?.usage.as_ref());
    if let Some(total) = crate::usage::total(usages) {
        println!("total: {}", crate::usage::describe(&total));
    }
    Ok(0)
}

/// The REVIEW column: the latest verdict (`-` for none), marked `*` when
/// stale (the change moved on since).
fn review_cell(review: &serde_json::Value) -> String {
    match review["verdict"].as_str() {
        None => "-".into(),
        Some(v) if review["stale"] == true => format!("{v}*"),
        Some(v) => v.into(),
    }
}

/// The TOKENS cell: what the session's last run reported, or `-`.
fn tokens(session: &Session) -> String {
    session
        .meta
        .run
        .as_ref()
        .and_then(|r| r.usage.as_ref())
        .map_or("-".into(), |u| crate::usage::grouped(u.tokens))
}

/// Count every live worktree's changes, spread over the machine's cores
/// (gix in process: no git process per session), skipping worktrees whose
/// fingerprint says nothing changed since the cached count.
fn count_in_parallel(
    jobs: &[Option<(std::path::PathBuf, gix::ObjectId)>],
    sessions: &[Session],
    cache: &mut Cache,
) -> Vec<Option<Option<Changes>>> {
    let workers = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(jobs.len().max(1));
    let next = AtomicUsize::new(0);
    type Counted = (Option<Option<Changes>>, Option<u64>, bool);
    let results: Vec<Mutex<Counted>> = jobs
        .iter()
        .map(|_| Mutex::new((None, None, false)))
        .collect();
    let shared: &Cache = cache;
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = jobs.get(i) else { break };
                    let Some((path, base)) = job else { continue };
                    let id = sessions[i].id.as_str();
                    let fingerprint = statcache::fingerprint(path);
                    let cached = fingerprint.and_then(|f| shared.get(id, *base, f));
                    let fresh = cached.is_none();
                    let counted = cached.or_else(|| view::live_changes(path, *base));
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = (Some(counted), fingerprint, fresh);
                    }
                }
            });
        }
    });
    let mut out = Vec::with_capacity(jobs.len());
    for (i, slot) in results.into_iter().enumerate() {
        let (counted, fingerprint, fresh) = slot.into_inner().unwrap_or((None, None, false));
        if let (Some(Some(changes)), Some(f), true, Some((_, base))) =
            (&counted, fingerprint, fresh, &jobs[i])
        {
            cache.put(sessions[i].id.as_str(), *base, f, changes);
        }
        out.push(counted);
    }
    out
}
