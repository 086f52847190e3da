//! Fault injection: every multi-step verb is killed after each of its steps
//! (`GIT_AGENT_FAULT=<point>`, see src/fault.rs). After each crash the
//! repository must be valid (`git fsck`), every session listable, no work
//! lost, and the next command must finish, roll back or report `broken`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{BIN, Run, TestRepo, hermetic, write};

/// What a session's staged `a.txt` holds.
const A_TXT: &str = "staged\n";

fn crash(repo: &TestRepo, point: &str, args: &[&str]) {
    let run = repo.agent_env(&[("GIT_AGENT_FAULT", point)], args);
    assert_eq!(
        run.code, 137,
        "{point}: expected the injected crash; {run:?}"
    );
}

fn assert_valid(repo: &TestRepo, point: &str) {
    repo.fsck_clean(point);
    let list = repo.agent(&["list", "--all", "--json"]);
    assert_eq!(list.code, 0, "{point}: list after the crash: {list:?}");
    assert!(!list.stderr.contains("panicked"), "{point}");
}

#[test]
fn every_crash_point_leaves_a_valid_repository_and_a_recoverable_session() {
    let mut tested = BTreeSet::new();
    for point in git_agent::fault::POINTS {
        let repo = TestRepo::new();
        match *point {
            p if p == "new:recorded" => {
                // Killed after the session was complete, before agent.postCreate.
                repo.git(&["config", "agent.postCreate", "touch post-created"]);
                crash(&repo, p, &["new", "s"]);
                assert_valid(&repo, p);
                assert_eq!(repo.state("s"), "active", "{p}");
                assert!(repo.path(".worktrees/s/a.txt").exists(), "{p}");
                assert!(!repo.path(".worktrees/s/post-created").exists(), "{p}");
                repo.agent(&["discard", "s"]).success();
                assert_eq!(repo.git(&["branch", "--list", "agent/s"]), "", "{p}");
            }
            p if p.starts_with("new:") => {
                // An ignored file to copy, so that step is a real one.
                repo.git(&["config", "agent.copy", ".env"]);
                repo.write(".git/info/exclude", ".env\n");
                repo.write(".env", "SECRET=1\n");
                crash(&repo, p, &["new", "s"]);
                assert_valid(&repo, p);
                assert_eq!(
                    repo.state("s"),
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
                let (wt, commit) = repo.session_with_work("s", A_TXT);
                crash(&repo, p, &["discard", "s"]);
                assert_valid(&repo, p);
                repo.assert_work_saved("s", &commit, A_TXT, p);
                repo.agent(&["discard", "s"]).success();
                assert_eq!(repo.state("s"), "discarded", "{p}");
                assert!(!wt.exists(), "{p}");
                repo.assert_work_saved("s", &commit, A_TXT, p);
            }
            p if p == "keep:head-moved" => {
                let (_, commit) = repo.session_with_work("s", A_TXT);
                let head = repo.git(&["rev-parse", "HEAD"]);
                crash(&repo, p, &["keep", "s", "--squash", "-m", "squashed"]);
                assert_valid(&repo, p);
                repo.assert_work_saved("s", &commit, A_TXT, p);
                // The commit landed; what is left is the bookkeeping.
                assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head, "{p}");
                assert_eq!(repo.git(&["status", "--porcelain"]), "", "{p}");
                // Running keep again finishes the bookkeeping without a second commit.
                let again = repo
                    .agent(&["keep", "s", "--squash", "-m", "squashed"])
                    .success();
                assert!(again.stderr.contains("already in"), "{p}: {}", again.stderr);
                assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), head, "{p}");
                assert_eq!(repo.state("s"), "kept", "{p}");
            }
            p if p.starts_with("keep:") => {
                let (_, commit) = repo.session_with_work("s", A_TXT);
                crash(&repo, p, &["keep", "s"]);
                assert_valid(&repo, p);
                repo.assert_work_saved("s", &commit, A_TXT, p);
                // Running keep again finishes the job, without applying twice.
                repo.agent(&["keep", "s"]).success();
                assert_eq!(repo.state("s"), "kept", "{p}");
                assert_eq!(repo.read("a.txt"), "staged\n", "{p}");
                assert_eq!(repo.read("untracked.txt"), "u\n", "{p}");
                assert_eq!(
                    repo.git(&["diff", "--cached", "--name-only"]),
                    "a.txt\ncommitted.txt\nuntracked.txt",
                    "{p}"
                );
                assert!(!Path::new(&repo.path(".worktrees/s")).exists(), "{p}");
            }
            p if p == "restore:recorded" => {
                // Killed after recording `active`, before agent.copy files.
                let (wt, commit) = repo.session_with_work("s", A_TXT);
                let before = repo.fingerprint(&wt);
                repo.agent(&["discard", "s"]).success();
                crash(&repo, p, &["restore", "s"]);
                assert_valid(&repo, p);
                repo.assert_work_saved("s", &commit, A_TXT, p);
                assert_eq!(repo.state("s"), "active", "{p}");
                assert_eq!(repo.fingerprint(&wt), before, "{p}: restored exactly");
                let again = repo.agent(&["restore", "s"]).fails(1);
                assert!(again.stderr.contains("here already"), "{p}: {again:?}");
                assert_eq!(repo.agent(&["gc"]).success().stdout, "", "{p}");
            }
            p if p.starts_with("gc:") => gc_scenario(&repo, p),
            p if p.starts_with("review:") => review_scenario(&repo, p),
            p if p.starts_with("pool:") => crate::pool::crash_scenario(&repo, p),
            p if p.starts_with("restore:") => {
                let (wt, commit) = repo.session_with_work("s", A_TXT);
                let before = repo.fingerprint(&wt);
                repo.agent(&["discard", "s"]).success();
                crash(&repo, p, &["restore", "s"]);
                assert_valid(&repo, p);
                repo.assert_work_saved("s", &commit, A_TXT, p);
                repo.agent(&["restore", "s"]).success();
                assert_eq!(repo.state("s"), "active", "{p}");
                assert_eq!(repo.fingerprint(&wt), before, "{p}: restored exactly");
                assert_eq!(
                    std::fs::read_to_string(wt.join("untracked.txt")).unwrap(),
                    "u\n",
                    "{p}"
                );
            }
            p if p.starts_with("land:") => {
                // Two sessions to land; killed at the step, land again
                // lands both, once each.
                for (id, file) in [("s", "one.txt"), ("t", "two.txt")] {
                    let script = format!("echo {id} > {file}");
                    repo.agent(&["new", id, "--", "sh", "-c", &script])
                        .success();
                }
                crash(&repo, p, &["land"]);
                assert_valid(&repo, p);
                let again = repo.agent(&["land"]);
                assert_eq!(again.code, 0, "{p}: {again:?}");
                assert_eq!(repo.read("one.txt"), "s\n", "{p}");
                assert_eq!(repo.read("two.txt"), "t\n", "{p}");
                assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]), "3", "{p}");
                assert_eq!(repo.git(&["status", "--porcelain"]), "", "{p}");
                assert_eq!(repo.state("s"), "kept", "{p}");
                assert_eq!(repo.state("t"), "kept", "{p}");
                repo.fsck_clean(p);
            }
            p if p.starts_with("sync:") => {
                // The session's uncommitted edit, main moved on elsewhere.
                let wt = repo.new_session(&["s"]);
                write(&wt.join("mine.txt"), "mine\n");
                repo.write("docs/guide.md", "# Guide, main\n");
                repo.git(&["commit", "-qam", "main moves"]);
                let main = repo.git(&["rev-parse", "HEAD"]);
                crash(&repo, p, &["sync", "s"]);
                assert_valid(&repo, p);
                assert_eq!(
                    std::fs::read_to_string(wt.join("mine.txt")).unwrap(),
                    "mine\n"
                );
                repo.agent(&["land", "s"]).success();
                assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), main, "{p}");
                assert_eq!(
                    repo.git(&["diff", "--name-only", "HEAD~1", "HEAD"]),
                    "mine.txt",
                    "{p}: only the session's own work lands"
                );
                assert_eq!(repo.read("docs/guide.md"), "# Guide, main\n", "{p}");
                repo.fsck_clean(p);
            }
            p => panic!("no scenario for crash point {p}"),
        }
        tested.insert(*point);
    }
    assert_eq!(tested.len(), git_agent::fault::POINTS.len());
}

/// A review killed after its reviewer ran (and after its history entry):
/// the session is as before the review, and the next review records.
fn review_scenario(repo: &TestRepo, p: &str) {
    let wt = repo.new_session(&["s"]);
    write(&wt.join("a.txt"), "reviewed\n");
    let verdict = r#"echo '{"verdict":"approved","blocking":[],"should_fix":[],"nits":[],"scope_violations":[]}'"#;
    crash(repo, p, &["review", "s", "--", "sh", "-c", verdict]);
    assert_valid(repo, p);
    assert_eq!(repo.state("s"), "done", "{p}: the reviewer's run ended");
    let show = repo.json(&["show", "s", "--json"]);
    assert!(show["review"].is_null(), "{p}: no review recorded: {show}");
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "reviewed\n"
    );
    repo.agent(&["review", "s", "--", "sh", "-c", verdict])
        .success();
    assert_eq!(
        repo.json(&["show", "s", "--json"])["review"]["verdict"],
        "approved",
        "{p}"
    );
    let entries = repo.git(&["rev-list", "--count", "refs/agents/s/reviews"]);
    let expected = if p == "review:history-added" {
        "2"
    } else {
        "1"
    };
    assert_eq!(entries, expected, "{p}");
}

/// What each gc crash point interrupts, and how the next gc finishes it.
fn gc_scenario(repo: &TestRepo, p: &str) {
    let worktrees = || repo.git(&["worktree", "list", "--porcelain"]);
    match p {
        "gc:logs-removed" | "gc:forgotten" => {
            let (_, commit) = repo.session_with_work("s", A_TXT);
            repo.agent(&["discard", "s"]).success();
            write(&repo.path(".git/agents/s/run.log"), "a log\n");
            crash(repo, p, &["gc", "--expire", "now"]);
            assert_valid(repo, p);
            assert!(!repo.path(".git/agents/s").exists(), "{p}");
            if p == "gc:logs-removed" {
                // Still there, still restorable: only its logs went.
                assert_eq!(repo.state("s"), "discarded", "{p}");
                repo.assert_work_saved("s", &commit, A_TXT, p);
            }
            let out = repo.agent(&["gc", "--expire", "now"]).success().stdout;
            if p == "gc:logs-removed" {
                assert!(out.contains("forget s: discarded"), "{p}: {out}");
            }
            assert_eq!(repo.git(&["for-each-ref", "refs/agents/"]), "", "{p}");
            assert!(!repo.path(".git/refs/agents/s").exists(), "{p}");
            repo.agent(&["show", "s"]).fails(1);
        }
        "gc:restore-finished" => {
            let (wt, commit) = repo.session_with_work("s", A_TXT);
            let before = repo.fingerprint(&wt);
            repo.agent(&["discard", "s"]).success();
            crash(repo, "restore:worktree-added", &["restore", "s"]);
            crash(repo, p, &["gc", "--expire", "now"]);
            assert_valid(repo, p);
            repo.assert_work_saved("s", &commit, A_TXT, p);
            assert_eq!(repo.state("s"), "active", "{p}");
            assert_eq!(repo.fingerprint(&wt), before, "{p}");
            assert_eq!(repo.agent(&["gc"]).success().stdout, "", "{p}");
        }
        "gc:snapshot-saved" => {
            let (wt, commit) = repo.session_with_work("s", A_TXT);
            std::fs::remove_dir_all(&wt).unwrap();
            crash(repo, p, &["gc"]);
            assert_valid(repo, p);
            assert_eq!(repo.state("s"), "broken", "{p}");
            let tip = repo.git(&["rev-parse", "refs/agents/s/snapshot^1"]);
            assert_eq!(tip, commit, "{p}: the branch tip is saved");
            assert!(worktrees().contains(".worktrees/s"), "{p}");
            // The next gc forgets git's record of the worktree.
            let out = repo.agent(&["gc"]).success().stdout;
            assert!(
                out.contains("prune s: git's record of worktree"),
                "{p}: {out}"
            );
            assert!(!worktrees().contains(".worktrees/s"), "{p}");
            assert_eq!(repo.state("s"), "broken", "{p}");
            repo.agent(&["discard", "s"]).success();
            let tip = repo.git(&["rev-parse", "refs/agents/s/snapshot^1"]);
            assert_eq!(tip, commit, "{p}");
        }
        "gc:record-dropped" => {
            let wt = repo.new_session(&["s"]);
            std::fs::remove_dir_all(&wt).unwrap();
            repo.git(&["update-ref", "-d", "refs/heads/agent/s"]);
            // Older than gc's grace period for a `new` in progress.
            let meta = repo.git(&["cat-file", "-p", "refs/agents/s/meta"]);
            let meta = meta
                .lines()
                .map(|l| {
                    if l.starts_with("updated = ") {
                        "updated = \"2020-01-01T00:00:00Z\"".to_owned()
                    } else {
                        l.to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            crate::common::set_meta(repo, "s", &meta);
            crash(repo, p, &["gc"]);
            assert_valid(repo, p);
            assert!(!worktrees().contains(".worktrees/s"), "{p}");
            assert_eq!(repo.state("s"), "broken", "{p}: as read");
            let out = repo.agent(&["gc"]).success().stdout;
            assert!(out.contains("mark-broken s: its worktree"), "{p}: {out}");
            let stored = repo.git(&["cat-file", "-p", "refs/agents/s/meta"]);
            assert!(stored.contains("state = \"broken\""), "{p}: {stored}");
            repo.agent(&["discard", "s"]).success();
        }
        "gc:branch-recreated" => {
            let (wt, commit) = repo.session_with_work("s", A_TXT);
            let before = repo.fingerprint(&wt);
            repo.git_in(&wt, &["checkout", "-q", "--detach"]);
            repo.git(&["branch", "-D", "agent/s"]);
            crash(repo, p, &["gc"]);
            assert_valid(repo, p);
            assert_eq!(repo.git(&["rev-parse", "agent/s"]), commit, "{p}");
            // The next gc attaches HEAD to the branch again, as the killed one would have.
            let out = repo.agent(&["gc"]).success().stdout;
            assert!(out.contains("repair s: HEAD of"), "{p}: {out}");
            assert_eq!(
                repo.git_in(&wt, &["symbolic-ref", "HEAD"]),
                "refs/heads/agent/s",
                "{p}"
            );
            assert_eq!(repo.fingerprint(&wt), before, "{p}");
            assert_eq!(repo.state("s"), "active", "{p}");
            assert_eq!(repo.agent(&["gc"]).success().stdout, "", "{p}");
        }
        "gc:records-unlocked" | "gc:records-pruned" => {
            // A record git-agent locked, whose directory is gone, of no session.
            let ghost = repo.path(".worktrees/ghost");
            repo.git(&[
                "worktree",
                "add",
                "-q",
                "--detach",
                "--lock",
                "--reason",
                "git-agent ghost",
                ghost.to_str().unwrap(),
            ]);
            std::fs::remove_dir_all(&ghost).unwrap();
            // What a killed removal may leave of a discarded session's worktree.
            repo.new_session(&["gone"]);
            repo.agent(&["discard", "gone"]).success();
            std::fs::create_dir_all(repo.path(".worktrees/gone/sub")).unwrap();
            crash(repo, p, &["gc"]);
            assert_valid(repo, p);
            if p == "gc:records-pruned" {
                assert!(!worktrees().contains("ghost"), "{p}");
            }
            repo.agent(&["gc"]).success();
            assert!(!worktrees().contains("ghost"), "{p}");
            assert!(!repo.path(".worktrees/gone").exists(), "{p}");
            assert_eq!(repo.agent(&["gc"]).success().stdout, "", "{p}");
        }
        p => panic!("no gc scenario for crash point {p}"),
    }
}

/// Run git-agent with files limited to `kib` KiB, as on a nearly full disk:
/// a write past it fails with EFBIG (SIGXFSZ ignored) instead of ENOSPC.
fn out_of_space(repo: &TestRepo, kib: u32, args: &[&str]) -> Run {
    let script = format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\"");
    Run::from(
        hermetic("bash", &repo.home)
            .current_dir(&repo.root)
            .arg("-c")
            .arg(script)
            .arg(BIN)
            .args(args)
            .output()
            .unwrap(),
    )
}

#[test]
fn running_out_of_space_half_way_changes_nothing() {
    let repo = TestRepo::new();
    // new: the checkout cannot be written; nothing is left behind.
    repo.write("big.bin", &"x".repeat(300 * 1024));
    repo.git(&["add", "big.bin"]);
    repo.git(&["commit", "-qm", "big"]);
    let refs = repo.git(&["for-each-ref"]);
    let run = out_of_space(&repo, 100, &["new", "full"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert_eq!(repo.git(&["for-each-ref"]), refs);
    assert!(!repo.path(".worktrees/full").exists());
    assert_eq!(
        repo.git(&["worktree", "list", "--porcelain"])
            .lines()
            .count(),
        3
    );

    // keep: the session's small files fit, its big one (compressed well in
    // the object store) does not; the checkout must be left as it was,
    // its own uncommitted work included.
    let wt = repo.new_session(&["k"]);
    write(&wt.join("a.txt"), "session edit\n");
    write(&wt.join("new.txt"), "new\n");
    write(&wt.join("zeros.bin"), &"\0".repeat(300 * 1024));
    std::fs::remove_file(wt.join("docs/guide.md")).unwrap();
    repo.write("src/lib.rs", "pub fn mine() {}\n");
    repo.git(&["add", "src/lib.rs"]);
    repo.write("src/lib.rs", "pub fn mine_unstaged() {}\n");
    let before = repo.fingerprint(&repo.root);
    let run = out_of_space(&repo, 100, &["keep", "k"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("nothing in"), "{}", run.stderr);
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert_eq!(repo.read("a.txt"), "alpha\nbeta\ngamma\n");
    assert!(!repo.path("new.txt").exists() && !repo.path("zeros.bin").exists());
    assert_eq!(repo.read("docs/guide.md"), "# Guide\n");
    assert_eq!(repo.state("k"), "active");
    assert!(wt.join("zeros.bin").exists());

    // discard: the snapshot cannot be written, so nothing is removed.
    write(&wt.join("incompressible.bin"), &pseudo_random(300 * 1024));
    let run = out_of_space(&repo, 100, &["discard", "k"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(repo.state("k"), "active");
    assert!(wt.join("incompressible.bin").exists());

    // With room again, both work.
    std::fs::remove_file(wt.join("incompressible.bin")).unwrap();
    repo.agent(&["keep", "k"]).success();
    assert_eq!(repo.read("a.txt"), "session edit\n");
    assert_eq!(repo.read("src/lib.rs"), "pub fn mine_unstaged() {}\n");
}

/// Text that does not compress: a xorshift stream as hex.
fn pseudo_random(len: usize) -> String {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut out = String::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_str(&format!("{x:016x}"));
    }
    out.truncate(len);
    out
}
