//! `git agent land [<id>…]`: bring many sessions home as commits on the
//! current branch of this checkout, in an order that lands the most (see
//! [`crate::land`]). Refused before anything lands with staged work of
//! the caller's, a detached HEAD or a merge in progress.

use std::time::Duration;

use serde_json::json;

use crate::cli::LandArgs;
use crate::commit::Committer;
use crate::error::Result;
use crate::keeping;
use crate::land::candidates::{self, Candidate};
use crate::land::step::{self, Options, Virtual};
use crate::land::{Report, order};
use crate::repo::Repo;

pub fn run(repo: &Repo, args: &LandArgs) -> Result<i32> {
    let target = repo.current_worktree.clone();
    keeping::check_target(&target)?;
    keeping::check_can_commit(&target)?;
    let _lock = if args.dry_run {
        None
    } else {
        Some(repo.lock_wait("keep", Duration::from_secs(120))?)
    };
    let (cands, mut results) = gather(repo, args, &target)?;
    let order = order::decide(repo, &cands)?;
    let ids: Vec<String> = order
        .iter()
        .map(|i| cands[*i].session.id.to_string())
        .collect();
    if !args.json {
        print_order(&ids, args.dry_run);
        for r in &results {
            println!("{}", r.line());
        }
    }
    let opts = Options {
        replay: args.commit,
        test: args.test.as_deref(),
    };
    let mut dry = if args.dry_run {
        Some(Virtual::start(repo, &target, &cands)?)
    } else {
        None
    };
    let mut slots: Vec<Option<Candidate>> = cands.into_iter().map(Some).collect();
    let committer = Committer::new(repo, &target, !args.no_verify)?;
    if dry.is_none() {
        // Ctrl-C or a kill reaches the git children, whose failure ends the
        // queue between landings (each one is all-or-nothing).
        let _ = ctrlc::set_handler(|| {});
    }
    let mut failure = None;
    for i in &order {
        let cand = slots[*i].take().expect("each candidate once");
        let report = match dry.as_mut() {
            Some(v) => step::predict(repo, &cand, &opts, v),
            None => step::land(repo, &target, cand, &opts, &committer),
        };
        let report = match report {
            Ok(report) => report,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        if !args.json {
            println!("{}", report.line());
        }
        results.push(report);
    }
    if args.json {
        // What landed before a failure is reported with it.
        let doc = json!({
            "dry_run": args.dry_run,
            "order": ids,
            "results": results.iter().map(Report::to_json).collect::<Vec<_>>(),
        });
        println!("{doc:#}");
    }
    if let Some(e) = failure {
        return Err(e);
    }
    hint(&results, args.dry_run);
    Ok(if results.iter().any(|r| r.outcome.failed()) {
        1
    } else {
        0
    })
}

/// What to do about the sessions that conflicted.
fn hint(results: &[Report], dry_run: bool) {
    let Some(first) = results
        .iter()
        .find(|r| r.outcome == crate::land::Outcome::Conflict && r.reason.is_none())
    else {
        return;
    };
    if !dry_run {
        anstream::eprintln!(
            "hint: `git agent sync {} [-a <agent>]` merges this branch into a session that conflicted (an agent resolves what conflicts); then land again",
            crate::output::quoted(&first.session)
        );
    }
}

/// The candidates, each snapshotted afresh, and the sessions skipped.
fn gather(
    repo: &Repo,
    args: &LandArgs,
    target: &std::path::Path,
) -> Result<(Vec<Candidate>, Vec<Report>)> {
    let (sessions, mut skipped) = candidates::sessions(repo, &args.ids)?;
    let mut cands: Vec<Candidate> = Vec::new();
    for (session, named) in sessions {
        match candidates::freshen(repo, session, named, args.dry_run, target)? {
            Ok(c) => cands.push(c),
            Err(report) => skipped.push(report),
        }
    }
    Ok((cands, skipped))
}

fn print_order(ids: &[String], dry_run: bool) {
    let quoted: Vec<String> = ids
        .iter()
        .map(|id| crate::output::quoted(id).into_owned())
        .collect();
    let what = if dry_run { "order (dry run)" } else { "order" };
    if quoted.is_empty() {
        println!("{what}: nothing to land");
    } else {
        println!("{what}: {}", quoted.join(" "));
    }
}
