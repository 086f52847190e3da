//! push and fetch: sessions travel through a plain git remote; fetched
//! ones list as pushed, never touch the worktree paths they name, and
//! become this clone's own through restore or discard.

use std::path::PathBuf;

use crate::common::{TestRepo, write};

fn show(repo: &TestRepo, dir: &std::path::Path, id: &str) -> serde_json::Value {
    let run = repo.agent_in(dir, &["show", id, "--json"]).success();
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn pushed_sessions_list_as_pushed_elsewhere_and_restore_there() {
    let repo = TestRepo::new();
    let other = repo.clone_through_origin("other");
    let wt = repo.new_session(&["live"]);
    write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n");
    repo.git_in(&wt, &["commit", "-qam", "agent commit"]);
    write(&wt.join("untracked.txt"), "untracked\n");
    let kept = repo.new_session(&["done"]);
    write(&kept.join("kept.txt"), "kept\n");
    repo.agent(&["keep", "done", "--squash", "-m", "kept change"])
        .success();
    let squash = repo.git(&["rev-parse", "HEAD"]);

    let run = repo.agent(&["push"]).success();
    assert!(run.stderr.contains("Pushed 2 sessions"), "{}", run.stderr);
    let run = repo.agent_in(&other, &["fetch"]).success();
    assert!(run.stdout.contains("new\tlive\tactive"), "{}", run.stdout);
    assert!(run.stdout.contains("new\tdone\tkept"), "{}", run.stdout);
    assert_eq!(
        repo.git_in(&other, &["for-each-ref", "refs/agents-incoming/"]),
        ""
    );

    // Listed as pushed, with no worktree here; diff reads the snapshot.
    let fetched = show(&repo, &other, "live");
    assert_eq!(fetched["state"], "active");
    assert_eq!(fetched["fetched"], true);
    assert!(fetched["path"].is_null());
    assert_eq!(fetched["changes"]["files"], 2);
    let names = repo
        .agent_in(&other, &["diff", "live", "--name-only"])
        .success();
    assert_eq!(names.stdout, "a.txt\nuntracked.txt\n");
    assert_eq!(show(&repo, &other, "done")["state"], "kept");
    let list = repo.agent_in(&other, &["list"]).success().stdout;
    assert!(list.contains("(fetched)"), "{list}");
    // Its notes came along.
    let note = repo.git_in(&other, &["notes", "--ref=agents", "show", &squash]);
    assert!(note.contains("session = \"done\""), "{note}");

    // What needs the worktree or the run here is refused; gc leaves it be.
    for verb in [&["keep", "live"][..], &["path", "live"], &["stop", "live"]] {
        let run = repo.agent_in(&other, verb).fails(1);
        assert!(
            run.stderr.contains("made in another clone"),
            "{}",
            run.stderr
        );
    }
    let gc = repo.agent_in(&other, &["gc"]).success();
    assert!(!gc.stdout.contains("live"), "{}", gc.stdout);
    assert_eq!(show(&repo, &other, "live")["state"], "active");

    // Pushed again after more work: the fetched copy is updated.
    write(&wt.join("more.txt"), "more\n");
    repo.agent(&["push", "origin", "live"]).success();
    let run = repo.agent_in(&other, &["fetch", "origin"]).success();
    assert_eq!(run.stdout, "updated\tlive\tactive\n");
    assert_eq!(show(&repo, &other, "live")["changes"]["files"], 3);

    // restore gives it a worktree in this clone, at this clone's path.
    repo.agent_in(&other, &["restore", "live"]).success();
    let here = other.join(".worktrees/live");
    assert_eq!(
        std::fs::read_to_string(here.join("untracked.txt")).unwrap(),
        "untracked\n"
    );
    assert_eq!(
        std::fs::read_to_string(here.join("a.txt")).unwrap(),
        "alpha\nBETA\ngamma\n"
    );
    assert_eq!(
        repo.git_in(&here, &["log", "-1", "--format=%s"]),
        "agent commit"
    );
    let restored = show(&repo, &other, "live");
    assert_eq!(restored["fetched"], false);
    assert_eq!(restored["state"], "active");
    // The first clone's session is untouched by all this.
    assert_eq!(
        std::fs::read_to_string(wt.join("more.txt")).unwrap(),
        "more\n"
    );
    assert_eq!(repo.json(&["show", "live", "--json"])["fetched"], false);

    // Now this clone's own: a later fetch does not write over it.
    write(&wt.join("even-more.txt"), "x\n");
    repo.agent(&["push"]).success();
    let run = repo.agent_in(&other, &["fetch"]).success();
    assert!(!run.stdout.contains("live"), "{}", run.stdout);
    assert!(
        run.stderr.contains("was made in this clone"),
        "{}",
        run.stderr
    );
    assert!(!here.join("even-more.txt").exists());
}

#[test]
fn discarding_a_fetched_session_never_touches_the_path_it_names() {
    let repo = TestRepo::new();
    let other = repo.clone_through_origin("other");
    let wt = repo.new_session(&["mine"]);
    write(&wt.join("work.txt"), "precious\n");
    repo.agent(&["push"]).success();
    repo.agent_in(&other, &["fetch"]).success();
    // The fetched session names a worktree path that exists on this machine
    // (the first clone's): discard there must not remove it.
    let run = repo.agent_in(&other, &["discard", "mine"]).success();
    assert!(run.stderr.contains("fetched"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(wt.join("work.txt")).unwrap(),
        "precious\n"
    );
    assert_eq!(repo.json(&["show", "mine", "--json"])["state"], "active");
    let there = show(&repo, &other, "mine");
    assert_eq!(there["state"], "discarded");
    assert_eq!(there["fetched"], false);
    // And it can be restored there from its snapshot.
    repo.agent_in(&other, &["restore", "mine"]).success();
    assert_eq!(
        std::fs::read_to_string(other.join(".worktrees/mine/work.txt")).unwrap(),
        "precious\n"
    );
}

#[test]
fn notes_from_both_clones_are_merged_and_push_then_succeeds() {
    let repo = TestRepo::new();
    let other = repo.clone_through_origin("other");
    for (dir, id) in [(&repo.root, "a"), (&other, "b")] {
        let run = repo.agent_in(dir, &["new", id]).success();
        let wt = PathBuf::from(
            run.stdout
                .lines()
                .next()
                .unwrap()
                .split('\t')
                .nth(1)
                .unwrap(),
        );
        write(&wt.join(format!("{id}.txt")), id);
        repo.agent_in(dir, &["keep", id, "--squash", "-m", id])
            .success();
    }
    repo.agent(&["push"]).success();
    let run = repo.agent_in(&other, &["push"]).fails(1);
    assert!(run.stderr.contains("git agent fetch"), "{}", run.stderr);
    repo.agent_in(&other, &["fetch"]).success();
    let notes = repo.git_in(&other, &["notes", "--ref=agents", "list"]);
    assert_eq!(notes.lines().count(), 2, "{notes}");
    repo.agent_in(&other, &["push"]).success();
}

/// push never replaces another clone's session of the same id on the
/// remote (nor a fetched session its clone has pushed again since) unless
/// `--force`; this clone's own sessions are created and updated.
#[test]
fn push_refuses_to_replace_another_clone_s_session_of_the_same_id() {
    let repo = TestRepo::new();
    let other = repo.clone_through_origin("other");
    let remote = repo.base().join("remote.git");
    let on_remote =
        |name: &str| repo.git_in(&remote, &["for-each-ref", "--format=%(objectname)", name]);
    let mine = repo.new_session(&["same"]);
    write(&mine.join("first.txt"), "first clone\n");
    repo.agent(&["push"]).success();
    let first = on_remote("refs/agents/same/meta");
    assert_eq!(first, repo.git(&["rev-parse", "refs/agents/same/meta"]));

    // The second clone makes its own "same": pushing it is refused, all of it.
    repo.agent_in(&other, &["new", "same"]).success();
    repo.agent_in(&other, &["new", "extra"]).success();
    let run = repo.agent_in(&other, &["push"]).fails(1);
    assert!(
        run.stderr.contains("'same'") || run.stderr.contains(" same"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(on_remote("refs/agents/same/meta"), first);
    assert_eq!(on_remote("refs/agents/extra/meta"), "");
    assert_eq!(
        repo.git_in(&other, &["for-each-ref", "refs/agents-outgoing/"]),
        ""
    );
    // --force replaces it.
    repo.agent_in(&other, &["push", "--force"]).success();
    let second = repo.git_in(&other, &["rev-parse", "refs/agents/same/meta"]);
    assert_eq!(on_remote("refs/agents/same/meta"), second);
    assert_ne!(on_remote("refs/agents/extra/meta"), "");

    // Now the first clone is refused in turn, for that one id.
    write(&mine.join("more.txt"), "more\n");
    let run = repo.agent(&["push", "origin", "same"]).fails(1);
    assert!(run.stderr.contains("same"), "{}", run.stderr);
    assert_eq!(on_remote("refs/agents/same/meta"), second);

    // Its own sessions are created, then updated as they change.
    let own = repo.new_session(&["own"]);
    repo.agent(&["push", "origin", "own"]).success();
    write(&own.join("later.txt"), "later\n");
    repo.agent(&["push", "origin", "own"]).success();
    assert_eq!(
        on_remote("refs/agents/own/snapshot"),
        repo.git(&["rev-parse", "refs/agents/own/snapshot"])
    );

    // A fetched session pushed again by its clone since: refused until
    // fetched again.
    repo.agent_in(&other, &["fetch"]).success();
    write(&own.join("newest.txt"), "newest\n");
    repo.agent(&["push", "origin", "own"]).success();
    let newest = on_remote("refs/agents/own/meta");
    let run = repo.agent_in(&other, &["push", "origin", "own"]).fails(1);
    assert!(run.stderr.contains("own"), "{}", run.stderr);
    assert_eq!(on_remote("refs/agents/own/meta"), newest);
    repo.agent_in(&other, &["fetch"]).success();
    repo.agent_in(&other, &["push", "origin", "own"]).success();
    assert_eq!(on_remote("refs/agents/own/meta"), newest);
}
