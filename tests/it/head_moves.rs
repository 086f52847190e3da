//! Agents that move `HEAD` themselves — detach it, switch to a branch of
//! their own — lose nothing: discard, restore and keep follow `HEAD`, and
//! the session branch's own tip stays reachable too.

use crate::common::{TestRepo, write};

#[test]
fn a_detached_head_with_commits_survives_discard_and_restore() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["det"]);
    write(&wt.join("on-branch.txt"), "branch\n");
    repo.git_in(&wt, &["add", "on-branch.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "on the session branch"]);
    let branch_tip = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    repo.git_in(&wt, &["checkout", "-q", "--detach", "HEAD~1"]);
    write(&wt.join("detached.txt"), "detached\n");
    repo.git_in(&wt, &["add", "detached.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent work, detached"]);
    let detached = repo.git_in(&wt, &["rev-parse", "HEAD"]);

    let run = repo.agent(&["discard", "det"]).success();
    assert!(!run.stderr.contains("error"), "{}", run.stderr);
    assert_eq!(repo.json(&["show", "det", "--json"])["state"], "discarded");
    // Both lines of work are reachable from the session's refs.
    for commit in [&branch_tip, &detached] {
        let held = repo.git_out(
            &repo.root,
            &[
                "merge-base",
                "--is-ancestor",
                commit,
                "refs/agents/det/snapshot",
            ],
        );
        assert!(held.status.success(), "{commit} not kept");
    }
    assert_eq!(
        repo.git(&["rev-parse", "refs/agents/det/snapshot^1"]),
        detached
    );
    let names = repo.agent(&["diff", "det", "--name-only"]).success().stdout;
    assert_eq!(names, "detached.txt\n");

    repo.agent(&["restore", "det"]).success();
    assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD"]), detached);
    assert_eq!(
        std::fs::read_to_string(wt.join("detached.txt")).unwrap(),
        "detached\n"
    );
}

#[test]
fn keep_after_the_agent_switched_branches_keeps_its_commits_and_reports_success() {
    let repo = TestRepo::new();
    for (id, flags) in [("replay", &["--commit"][..]), ("plain", &[][..])] {
        let wt = repo.new_session(&[id]);
        let branch = format!("{id}-own");
        repo.git_in(&wt, &["checkout", "-q", "-b", &branch]);
        let file = format!("{id}.txt");
        write(&wt.join(&file), "own branch\n");
        repo.git_in(&wt, &["add", &file]);
        repo.git_in(&wt, &["commit", "-qm", &format!("{id} on its own branch")]);
        let mut args = vec!["keep", id];
        args.extend_from_slice(flags);
        let run = repo.agent(&args).success();
        assert!(!run.stderr.contains("error"), "{id}: {}", run.stderr);
        assert_eq!(repo.json(&["show", id, "--json"])["state"], "kept");
        assert_eq!(repo.read(&file), "own branch\n");
        // The session branch is gone; the agent's own branch is left alone.
        assert!(
            repo.git(&["branch", "--list", &format!("agent/{id}")])
                .is_empty()
        );
        assert!(!repo.git(&["branch", "--list", &branch]).is_empty());
    }
    assert_eq!(
        repo.git(&["log", "-1", "--format=%s"]),
        "replay on its own branch"
    );
    assert_eq!(repo.git(&["diff", "--cached", "--name-only"]), "plain.txt");
}
