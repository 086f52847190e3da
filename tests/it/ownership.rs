//! A session's worktree and branch are removed only when they are what
//! git-agent made and nothing else still uses them: a worktree whose
//! `.git` link an agent deleted is still its work, and a branch checked out
//! in another worktree is never deleted from under it.

use crate::common::{TestRepo, write};

/// A session whose agent wrote a file and then ran `rm .git`.
fn unlinked(repo: &TestRepo, id: &str) -> std::path::PathBuf {
    let wt = repo.new_session(&[id]);
    write(&wt.join("work.txt"), "important\n");
    std::fs::remove_file(wt.join(".git")).unwrap();
    wt
}

#[test]
fn keep_relinks_a_worktree_whose_git_link_was_deleted() {
    let repo = TestRepo::new();
    unlinked(&repo, "s");
    let run = repo.agent(&["keep", "s"]).success();
    assert!(run.stderr.contains("lost its .git link"), "{}", run.stderr);
    assert_eq!(repo.read("work.txt"), "important\n");
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "work.txt");
}

#[test]
fn discard_relinks_a_worktree_whose_git_link_was_deleted_and_restore_brings_it_back() {
    let repo = TestRepo::new();
    let wt = unlinked(&repo, "s");
    repo.agent(&["discard", "s"]).success();
    assert!(!wt.exists());
    repo.agent(&["restore", "s"]).success();
    assert_eq!(
        std::fs::read_to_string(wt.join("work.txt")).unwrap(),
        "important\n"
    );
}

#[test]
fn gc_relinks_a_worktree_whose_git_link_was_deleted() {
    let repo = TestRepo::new();
    let wt = unlinked(&repo, "s");
    let dry = repo.agent(&["gc", "--dry-run"]).success().stdout;
    assert!(dry.contains("repair s: its worktree"), "{dry}");
    // Its directory is there: no record of it is to be pruned.
    assert!(!dry.contains("prune"), "{dry}");
    assert!(!wt.join(".git").exists());
    let out = repo.agent(&["gc"]).success().stdout;
    assert!(out.contains("lost its .git link; linked again"), "{out}");
    assert!(!out.contains("mark-broken"), "{out}");
    assert_eq!(repo.git_in(&wt, &["status", "--short"]), "?? work.txt");
    assert_eq!(
        repo.json(&["show", "s", "--json"])["state"],
        "active",
        "not broken"
    );
}

#[test]
fn a_worktree_whose_git_link_was_replaced_is_refused_and_left_whole() {
    let repo = TestRepo::new();
    let wt = unlinked(&repo, "s");
    // The agent made a repository of its own there.
    repo.git_in(&wt, &["init", "-q"]);
    assert_eq!(repo.json(&["show", "s", "--json"])["state"], "broken");
    let diff = repo.agent(&["diff", "s"]);
    assert!(!diff.stderr.contains("fatal:"), "{}", diff.stderr);
    for verb in ["keep", "discard"] {
        let run = repo.agent(&[verb, "s"]).fails(1);
        assert!(
            run.stderr.contains("no longer a git worktree"),
            "{verb}: {}",
            run.stderr
        );
        assert_eq!(
            std::fs::read_to_string(wt.join("work.txt")).unwrap(),
            "important\n"
        );
    }
    assert_eq!(repo.git(&["status", "--porcelain"]), "");
}

#[test]
fn a_session_branch_checked_out_in_another_worktree_is_not_deleted() {
    for verb in ["discard", "keep"] {
        let repo = TestRepo::new();
        let wt = repo.new_session(&["s"]);
        write(&wt.join("new.txt"), "new\n");
        // The agent moved its worktree to another branch; the user looks
        // at the session's branch in the main checkout.
        repo.git_in(&wt, &["switch", "-q", "-c", "elsewhere"]);
        repo.git(&["switch", "-q", "agent/s"]);
        let run = repo.agent(&[verb, "s"]).success();
        assert!(
            run.stderr.contains("is checked out in"),
            "{verb}: {}",
            run.stderr
        );
        assert_eq!(repo.git(&["symbolic-ref", "HEAD"]), "refs/heads/agent/s");
        repo.git(&["rev-parse", "--verify", "-q", "HEAD"]);
        repo.git(&["rev-parse", "--verify", "-q", "refs/heads/agent/s"]);
    }
}

#[test]
fn a_session_worktree_moved_by_git_keeps_its_branch_and_files() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["s"]);
    write(&wt.join("new.txt"), "new\n");
    let moved = repo.base().join("moved");
    repo.git(&["worktree", "unlock", wt.to_str().unwrap()]);
    repo.git(&[
        "worktree",
        "move",
        wt.to_str().unwrap(),
        moved.to_str().unwrap(),
    ]);
    let run = repo.agent(&["discard", "s"]).success();
    assert!(run.stderr.contains("is checked out in"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(moved.join("new.txt")).unwrap(),
        "new\n"
    );
    assert_eq!(
        repo.git_in(&moved, &["symbolic-ref", "HEAD"]),
        "refs/heads/agent/s"
    );
    repo.git_in(&moved, &["rev-parse", "--verify", "-q", "HEAD"]);
}
