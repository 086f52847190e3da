//! Stress: 16 processes' worth of random session lifecycles against one
//! repository at once. Slow, so not in the default run:
//! `cargo test stress -- --ignored`.
//!
//! Besides its own sessions, every worker now and then keeps, discards,
//! restores, runs, diffs or shows one of a few shared sessions, so several
//! processes act on the same ids at once; they may be refused (exit 1 with
//! an `error:` line), never panic.
//!
//! `gc` runs now and then amid it all and must find nothing to repair.
//! Afterwards: `git fsck` is clean, no session is left `running` or
//! half-done, every change reported kept is staged in the checkout, every
//! discarded one is in its snapshot, and git's worktree list holds only
//! live sessions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use crate::common::{Run, TestRepo, fake_agent};

const WORKERS: usize = 16;
const SESSIONS_PER_WORKER: usize = 4;
/// Sessions every worker may act on.
const SHARED: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fate {
    Kept,
    Discarded,
    Live,
}

/// Retry what another process's simultaneous update refused.
fn agent_retrying(repo: &TestRepo, args: &[&str]) -> Run {
    for _ in 0..20 {
        let run = repo.agent(args);
        if !(run.code == 1
            && (run.stderr.contains("at the same time") || run.stderr.contains("busy")))
        {
            return run;
        }
    }
    panic!("{args:?} kept being refused as busy");
}

#[test]
#[ignore = "slow: cargo test stress -- --ignored"]
fn sixteen_processes_of_random_lifecycles_lose_nothing() {
    let repo = TestRepo::new();
    let fake = fake_agent();
    let fake = fake.as_str();
    let fates: Mutex<BTreeMap<String, Fate>> = Mutex::new(BTreeMap::new());
    // Shared sessions some keep of which succeeded.
    let kept_shared: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    // Per verb on shared sessions: (succeeded, refused).
    let outcomes: Mutex<BTreeMap<String, (u32, u32)>> = Mutex::new(BTreeMap::new());
    for n in 0..SHARED {
        let id = format!("pool-{n}");
        let file = format!("out/{id}.txt");
        let run = repo.agent(&["new", &id, "--", fake, "write", &file, &id]);
        assert_eq!(run.code, 0, "{id}: {run:?}");
    }
    std::thread::scope(|scope| {
        for w in 0..WORKERS {
            let (repo, fates, kept_shared, outcomes) = (&repo, &fates, &kept_shared, &outcomes);
            scope.spawn(move || {
                let mut seed = 0x9e37_79b9_u64.wrapping_mul(w as u64 + 1);
                let mut roll = |n: u64| {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (seed >> 33) % n
                };
                for k in 0..SESSIONS_PER_WORKER {
                    let id = format!("w{w}-{k}");
                    let file = format!("out/{id}.txt");
                    let detach = roll(2) == 0;
                    let mut args = vec!["new", id.as_str()];
                    if detach {
                        args.push("--detach");
                    }
                    args.extend(["--", fake, "write", file.as_str(), id.as_str()]);
                    let run = agent_retrying(repo, &args);
                    assert_eq!(run.code, 0, "{id}: {run:?}");
                    if detach {
                        let run = agent_retrying(repo, &["wait", &id, "--timeout", "60s"]);
                        assert_eq!(run.code, 0, "{id}: {run:?}");
                    }
                    let run = repo.agent(&["list", "--json"]);
                    assert_eq!(run.code, 0, "list: {run:?}");
                    let fate = match roll(3) {
                        0 => Fate::Kept,
                        1 => Fate::Discarded,
                        _ => Fate::Live,
                    };
                    let verb = match fate {
                        Fate::Kept => Some("keep"),
                        Fate::Discarded => Some("discard"),
                        Fate::Live => None,
                    };
                    if let Some(verb) = verb {
                        let run = agent_retrying(repo, &[verb, &id]);
                        assert_eq!(run.code, 0, "{verb} {id}: {run:?}");
                    }
                    if roll(4) == 0 {
                        // Nothing here is broken or vanished: a gc amid all
                        // this must see nothing to repair.
                        let run = agent_retrying(repo, &["gc"]);
                        assert_eq!(run.code, 0, "gc: {run:?}");
                        assert!(
                            !run.stdout.contains("mark-broken") && !run.stdout.contains("repair"),
                            "gc: {run:?}"
                        );
                    }
                    fates.lock().unwrap().insert(id, fate);
                    if roll(2) == 0 {
                        let id = format!("pool-{}", roll(SHARED as u64));
                        let file = format!("out/{id}.txt");
                        let args: Vec<&str> = match roll(6) {
                            0 => vec!["keep", &id],
                            1 => vec!["discard", &id],
                            2 => vec!["restore", &id],
                            3 => vec!["run", &id, "--", fake, "write", &file, &id],
                            4 => vec!["diff", &id, "--stat"],
                            _ => vec!["show", &id],
                        };
                        let run = repo.agent(&args);
                        assert!(!run.stderr.contains("panicked"), "{args:?}: {run:?}");
                        let mut counts = outcomes.lock().unwrap();
                        let count = counts.entry(args[0].to_owned()).or_default();
                        if run.code == 0 {
                            count.0 += 1;
                        } else {
                            count.1 += 1;
                            println!("refused {args:?}: {}", run.stderr.trim());
                        }
                        drop(counts);
                        match run.code {
                            0 if args[0] == "keep" => {
                                kept_shared.lock().unwrap().insert(id.clone());
                            }
                            0 => {}
                            1 => assert!(
                                run.stderr.lines().any(|l| l.starts_with("error: ")),
                                "{args:?}: {run:?}"
                            ),
                            _ => panic!("{args:?}: {run:?}"),
                        }
                    }
                }
            });
        }
    });
    let fates = fates.into_inner().unwrap();
    let kept_shared = kept_shared.into_inner().unwrap();
    println!(
        "shared sessions, verb: (succeeded, refused): {:?}",
        outcomes.into_inner().unwrap()
    );
    repo.fsck_clean("after every worker");
    let staged = repo.git(&["diff", "--cached", "--name-only"]);
    let worktrees = repo.git(&["worktree", "list", "--porcelain"]);
    let list = repo.json(&["list", "--all", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), fates.len() + SHARED);
    for s in list {
        let id = s["id"].as_str().unwrap();
        let meta = repo.git(&["cat-file", "-p", &format!("refs/agents/{id}/meta")]);
        assert!(!meta.contains("[pending]"), "{id} left half-done: {meta}");
        if id.starts_with("pool-") {
            shared_is_consistent(&repo, s, &staged, &worktrees, kept_shared.contains(id));
            continue;
        }
        let file = format!("out/{id}.txt");
        let expected = match fates[id] {
            Fate::Kept => "kept",
            Fate::Discarded => "discarded",
            Fate::Live => "done",
        };
        assert_eq!(s["state"], expected, "{s}");
        assert_eq!(
            staged.contains(&file),
            fates[id] == Fate::Kept,
            "{id} in the checkout: {staged}"
        );
        if fates[id] == Fate::Kept {
            assert_eq!(repo.read(&file), format!("{id}\n"));
        }
        assert_eq!(
            worktrees.contains(&format!(".worktrees/{id}\n")),
            fates[id] == Fate::Live,
            "{id}"
        );
        if fates[id] != Fate::Live {
            let snap = repo.git(&["rev-parse", &format!("refs/agents/{id}/snapshot")]);
            assert_eq!(repo.git(&["show", &format!("{snap}:{file}")]), id);
        }
    }
}

/// A shared session ended in some state; whatever it is, what is on disk
/// agrees, and a change once reported kept is in the checkout.
fn shared_is_consistent(
    repo: &TestRepo,
    s: &serde_json::Value,
    staged: &str,
    worktrees: &str,
    reported_kept: bool,
) {
    let id = s["id"].as_str().unwrap();
    let file = format!("out/{id}.txt");
    let state = s["state"].as_str().unwrap();
    let live = matches!(state, "active" | "done" | "failed");
    assert!(live || state == "kept" || state == "discarded", "{id}: {s}");
    let listed = worktrees.contains(&format!(".worktrees/{id}\n"));
    let branch = repo.git(&["branch", "--list", &format!("agent/{id}")]);
    assert_eq!(listed, live, "{id}: worktree record vs {state}");
    assert_eq!(!branch.is_empty(), live, "{id}: branch vs {state}");
    assert_eq!(
        repo.path(&format!(".worktrees/{id}")).exists(),
        live,
        "{id}"
    );
    if live {
        assert_eq!(
            std::fs::read_to_string(repo.path(&format!(".worktrees/{id}/{file}"))).unwrap(),
            format!("{id}\n")
        );
    } else {
        let snap = repo.git(&["rev-parse", &format!("refs/agents/{id}/snapshot")]);
        assert_eq!(repo.git(&["show", &format!("{snap}:{file}")]), id);
    }
    if reported_kept || state == "kept" {
        assert!(staged.contains(&file), "{id} reported kept: {staged}");
        assert_eq!(repo.read(&file), format!("{id}\n"));
    }
}
