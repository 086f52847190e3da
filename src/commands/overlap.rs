//! `git agent overlap`: pairs of live sessions that change the same paths,
//! and whether their two changes would merge cleanly.
//!
//! Each session's change is its full state now — read from its worktree
//! through a temporary index, so the worktree is not touched — or its
//! latest snapshot when the worktree is gone. A pair overlaps when the two
//! changes share a path; it is clean when `git merge-tree` merges the two
//! states from the merge base of the sessions' bases without a conflict.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::cli::OverlapArgs;
use crate::error::{Error, Result};
use crate::merge::{self, Merge};
use crate::repo::Repo;
use crate::session::{self, State};
use crate::snapshot;

/// One live session's change.
struct Change {
    id: String,
    base: gix::ObjectId,
    tree: gix::ObjectId,
    paths: BTreeSet<String>,
}

/// Two sessions that change the same paths.
#[derive(Serialize)]
struct Pair {
    a: String,
    b: String,
    paths: Vec<String>,
    clean: bool,
}

pub fn run(repo: &Repo, args: &OverlapArgs) -> Result<i32> {
    let changes = live_changes(repo)?;
    let pairs = overlapping_pairs(repo, &changes)?;
    if args.json {
        anstream::println!(
            "{}",
            serde_json::to_string_pretty(&pairs).unwrap_or_default()
        );
        return Ok(0);
    }
    if pairs.is_empty() {
        anstream::eprintln!(
            "No two live sessions change the same paths ({} with changes).",
            changes.len()
        );
        return Ok(0);
    }
    print_table(&pairs);
    Ok(0)
}

/// The change of every live session that has one: its worktree's state,
/// or its latest snapshot when the worktree is not here.
fn live_changes(repo: &Repo) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for session in session::list_settled(repo)? {
        let state = session.state(repo);
        if !state.is_live() || state == State::Broken {
            continue;
        }
        let tree = match session.path() {
            Some(path) => snapshot::capture(repo, path)?.full_tree,
            None => match session.snapshot {
                Some(snap) => repo.resolve_tree(snap)?,
                None => continue,
            },
        };
        let paths = changed_paths(repo, session.base, tree)?;
        if !paths.is_empty() {
            changes.push(Change {
                id: session.id.to_string(),
                base: session.base,
                tree,
                paths,
            });
        }
    }
    Ok(changes)
}

/// Every two sessions that change a path in common, and whether their
/// changes merge cleanly.
fn overlapping_pairs(repo: &Repo, changes: &[Change]) -> Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    for (i, a) in changes.iter().enumerate() {
        for b in &changes[i + 1..] {
            let paths: Vec<String> = a.paths.intersection(&b.paths).cloned().collect();
            if paths.is_empty() {
                continue;
            }
            let clean = merges_cleanly(repo, a, b)?;
            pairs.push(Pair {
                a: a.id.clone(),
                b: b.id.clone(),
                paths,
                clean,
            });
        }
    }
    Ok(pairs)
}

/// One line per pair: both ids, clean or conflict, the paths in common.
fn print_table(pairs: &[Pair]) {
    let width = |f: fn(&Pair) -> &str| pairs.iter().map(|p| f(p).len()).max().unwrap_or(0);
    let (wa, wb) = (width(|p| &p.a), width(|p| &p.b));
    let good = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Green.into()));
    let bad = anstyle::Style::new().fg_color(Some(anstyle::AnsiColor::Red.into()));
    for pair in pairs {
        let (style, word) = if pair.clean {
            (good, "clean")
        } else {
            (bad, "conflict")
        };
        anstream::println!(
            "{:<wa$}  {:<wb$}  {style}{word:<8}{style:#}  {}",
            pair.a,
            pair.b,
            pair.paths
                .iter()
                .map(|p| crate::output::quote_path(p))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}

/// The paths that differ between two trees.
fn changed_paths(repo: &Repo, from: gix::ObjectId, to: gix::ObjectId) -> Result<BTreeSet<String>> {
    if from == to {
        return Ok(BTreeSet::new());
    }
    let from = repo.resolve_tree(from)?;
    if from == to {
        return Ok(BTreeSet::new());
    }
    let out = repo.git().run_bytes([
        "diff-tree",
        "-r",
        "-z",
        "--name-only",
        "--no-renames",
        &from.to_string(),
        &to.to_string(),
    ])?;
    Ok(out
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect())
}

/// Would the two changes merge without a conflict?
fn merges_cleanly(repo: &Repo, a: &Change, b: &Change) -> Result<bool> {
    let base = if a.base == b.base {
        a.base
    } else {
        let out = repo
            .git()
            .run(["merge-base", &a.base.to_string(), &b.base.to_string()])
            .map_err(|_| {
                Error::refused(format!(
                    "sessions '{}' and '{}' share no history",
                    a.id, b.id
                ))
            })?;
        snapshot::parse_oid(&out)?
    };
    let base = repo.resolve_tree(base)?;
    Ok(matches!(
        merge::trees(repo, base, a.tree, b.tree)?,
        Merge::Clean(_)
    ))
}
