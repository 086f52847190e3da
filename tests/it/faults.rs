//! Fault injection: every multi-step verb is killed after each of its steps
//! (`GIT_AGENT_FAULT=<point>`, see src/fault.rs). After each crash the
//! repository must be valid (`git fsck`), every session listable, no work
//! lost, and the next command must finish, roll back or report `broken`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{BIN, Run, TestRepo, hermetic, write};

fn crash(repo: &TestRepo, point: &str, args: &[&str]) {
    let out = hermetic(BIN, &repo.home)
        .current_dir(&repo.root)
        .env("GIT_AGENT_FAULT", point)
        .args(args)
        .output()
        .unwrap();
    let run = Run::from(out);
    assert_eq!(
        run.code, 137,
        "{point}: expected the injected crash; {run:?}"
    );
}

fn assert_valid(repo: &TestRepo, point: &str) {
    let fsck = repo.git_out(&repo.root, &["fsck", "--strict", "--no-progress"]);
    assert!(
        fsck.status.success(),
        "{point}: fsck: {}",
        String::from_utf8_lossy(&fsck.stderr)
    );
    let list = repo.agent(&["list", "--all", "--json"]);
    assert_eq!(list.code, 0, "{point}: list after the crash: {list:?}");
    assert!(!list.stderr.contains("panicked"), "{point}");
}

fn state(repo: &TestRepo, id: &str) -> String {
    repo.json(&["show", id, "--json"])["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// A session with a commit, a staged edit and an untracked file.
fn busy_session(repo: &TestRepo, id: &str) -> (std::path::PathBuf, String) {
    let wt = repo.new_session(&[id]);
    write(&wt.join("committed.txt"), "c\n");
    repo.git_in(&wt, &["add", "committed.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    let commit = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    write(&wt.join("a.txt"), "staged\n");
    repo.git_in(&wt, &["add", "a.txt"]);
    write(&wt.join("untracked.txt"), "u\n");
    (wt, commit)
}

fn assert_work_saved(repo: &TestRepo, id: &str, commit: &str, point: &str) {
    let snap = repo.git(&["rev-parse", &format!("refs/agents/{id}/snapshot")]);
    assert_eq!(
        repo.git(&["rev-parse", &format!("{snap}^1")]),
        commit,
        "{point}"
    );
    assert_eq!(
        repo.git(&["show", &format!("{snap}:untracked.txt")]),
        "u",
        "{point}"
    );
    assert_eq!(
        repo.git(&["show", &format!("{snap}:a.txt")]),
        "staged",
        "{point}"
    );
}

#[test]
fn every_crash_point_leaves_a_valid_repository_and_a_recoverable_session() {
    let mut tested = BTreeSet::new();
    for point in git_agent::fault::POINTS {
        let repo = TestRepo::new();
        match *point {
            p if p.starts_with("new:") => {
                crash(&repo, p, &["new", "s"]);
                assert_valid(&repo, p);
                assert_eq!(
                    state(&repo, "s"),
                    "broken",
                    "{p}: an interrupted new is reported broken"
                );
                assert!(
                    repo.agent(&["show", "s"])
                        .success()
                        .stderr
                        .contains("hint:"),
                    "{p}"
                );
                repo.agent(&["discard", "s"]).success();
                assert!(!repo.path(".worktrees/s").exists(), "{p}");
                assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "", "{p}");
                assert!(
                    !repo.git(&["worktree", "list"]).contains(".worktrees/s"),
                    "{p}"
                );
                // The id is free to use under another name, and new works again.
                repo.agent(&["new", "s2"]).success();
            }
            p if p.starts_with("discard:") => {
                let (wt, commit) = busy_session(&repo, "s");
                crash(&repo, p, &["discard", "s"]);
                assert_valid(&repo, p);
                assert_work_saved(&repo, "s", &commit, p);
                repo.agent(&["discard", "s"]).success();
                assert_eq!(state(&repo, "s"), "discarded", "{p}");
                assert!(!wt.exists(), "{p}");
                assert_work_saved(&repo, "s", &commit, p);
            }
            p if p == "keep:head-moved" => {
                let (_, commit) = busy_session(&repo, "s");
                let head = repo.git(&["rev-parse", "HEAD"]);
                crash(&repo, p, &["keep", "s", "--squash", "-m", "squashed"]);
                assert_valid(&repo, p);
                assert_work_saved(&repo, "s", &commit, p);
                // The commit landed; what is left is the bookkeeping.
                assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head, "{p}");
                assert_eq!(repo.git(&["status", "--porcelain"]), "", "{p}");
                // Running keep again finishes the bookkeeping without a second commit.
                let again = repo
                    .agent(&["keep", "s", "--squash", "-m", "squashed"])
                    .success();
                assert!(again.stderr.contains("already in"), "{p}: {}", again.stderr);
                assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head, "{p}");
                assert_eq!(state(&repo, "s"), "kept", "{p}");
            }
            p if p.starts_with("keep:") => {
                let (_, commit) = busy_session(&repo, "s");
                crash(&repo, p, &["keep", "s"]);
                assert_valid(&repo, p);
                assert_work_saved(&repo, "s", &commit, p);
                // Running keep again finishes the job, without applying twice.
                repo.agent(&["keep", "s"]).success();
                assert_eq!(state(&repo, "s"), "kept", "{p}");
                assert_eq!(repo.read("a.txt"), "staged\n", "{p}");
                assert_eq!(repo.read("untracked.txt"), "u\n", "{p}");
                assert_eq!(
                    repo.git(&["diff", "--cached", "--name-only"]),
                    "a.txt\ncommitted.txt\nuntracked.txt",
                    "{p}"
                );
                assert!(!Path::new(&repo.path(".worktrees/s")).exists(), "{p}");
            }
            p if p.starts_with("restore:") => {
                let (wt, commit) = busy_session(&repo, "s");
                let before = repo.fingerprint(&wt);
                repo.agent(&["discard", "s"]).success();
                crash(&repo, p, &["restore", "s"]);
                assert_valid(&repo, p);
                assert_work_saved(&repo, "s", &commit, p);
                repo.agent(&["restore", "s"]).success();
                assert_eq!(state(&repo, "s"), "active", "{p}");
                assert_eq!(repo.fingerprint(&wt), before, "{p}: restored exactly");
                assert_eq!(
                    std::fs::read_to_string(wt.join("untracked.txt")).unwrap(),
                    "u\n",
                    "{p}"
                );
            }
            p => panic!("no scenario for crash point {p}"),
        }
        tested.insert(*point);
    }
    assert_eq!(tested.len(), git_agent::fault::POINTS.len());
}
