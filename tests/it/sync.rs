//! sync: the caller's branch merged into a session in its worktree (its
//! leftovers committed first); conflicts left for a person or an agent;
//! afterwards only the session's own work is diffed and landed.

use crate::common::{TestRepo, fake_agent, write};

/// Session `s` appends to a.txt (uncommitted); main then changes a.txt's
/// last line too (conflicting) or another file (`clash` false).
fn diverged(repo: &TestRepo, clash: bool) -> std::path::PathBuf {
    let wt = repo.new_session(&["s"]);
    write(&wt.join("a.txt"), "alpha\nbeta\ngamma\nfrom s\n");
    write(&wt.join("new.txt"), "new\n");
    if clash {
        repo.write("a.txt", "alpha\nbeta\ngamma\nfrom main\n");
    } else {
        repo.write("docs/guide.md", "# Guide, main\n");
    }
    repo.git(&["commit", "-qam", "main moves"]);
    wt
}

#[test]
fn a_clean_sync_commits_the_leftovers_merges_and_moves_the_base() {
    let repo = TestRepo::new();
    let wt = diverged(&repo, false);
    let main = repo.git(&["rev-parse", "HEAD"]);
    repo.agent(&["sync", "s"]).success();
    // Leftovers committed (with a note), then main merged in.
    assert_eq!(repo.git_in(&wt, &["status", "--porcelain"]), "");
    assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD^2"]), main);
    let leftovers = repo.git_in(&wt, &["rev-parse", "HEAD^1"]);
    let note = repo.git(&["notes", "--ref=refs/notes/agents", "show", &leftovers]);
    assert!(note.contains("how = \"sync\""), "{note}");
    assert_eq!(
        std::fs::read_to_string(wt.join("docs/guide.md")).unwrap(),
        "# Guide, main\n"
    );
    // Only the session's own work is its change now.
    let show = repo.json(&["show", "s", "--json"]);
    assert_eq!(show["base"], main.as_str());
    assert_eq!(
        repo.agent(&["diff", "s", "--name-only"]).success().stdout,
        "a.txt\nnew.txt\n"
    );
    // Synced again: up to date.
    repo.agent(&["sync", "s"]).success();
    repo.agent(&["land", "s"]).success();
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), main);
    assert_eq!(
        repo.git(&["diff", "--name-only", "HEAD~1", "HEAD"]),
        "a.txt\nnew.txt"
    );
    repo.fsck_clean("sync");
}

#[test]
fn a_conflicted_sync_leaves_markers_lists_the_paths_and_exits_1() {
    let repo = TestRepo::new();
    let wt = diverged(&repo, true);
    let base = repo.json(&["show", "s", "--json"])["base"].clone();
    let run = repo.agent(&["sync", "s"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "conflict s: a.txt\n");
    let text = std::fs::read_to_string(wt.join("a.txt")).unwrap();
    assert!(
        text.contains("<<<<<<< HEAD") && text.contains(">>>>>>> main"),
        "{text}"
    );
    // The base moves only once the merge is committed.
    assert_eq!(repo.json(&["show", "s", "--json"])["base"], base);
    // Asked again, it says the same without merging twice.
    let again = repo.agent(&["sync", "s"]);
    assert_eq!(
        (again.code, again.stdout.as_str()),
        (1, "conflict s: a.txt\n")
    );
}

#[test]
fn an_agent_resolves_the_conflict_and_only_the_session_s_own_change_lands() {
    let repo = TestRepo::new();
    diverged(&repo, true);
    let main = repo.git(&["rev-parse", "HEAD"]);
    let resolver = format!(
        "{} write a.txt 'alpha\nbeta\ngamma\nfrom main\nfrom s' commit resolved",
        fake_agent()
    );
    repo.git(&["config", "agent.fixer.command", &resolver]);
    let run = repo.agent(&["sync", "s", "-a", "fixer", "-m", "Be careful."]);
    assert_eq!(run.code, 0, "{run:?}");
    // The prompt named the path and asked for the merge to be committed.
    assert!(run.stdout.contains("- a.txt"), "{run:?}");
    assert!(run.stdout.contains("commit the merge"), "{run:?}");
    assert!(run.stdout.contains("Be careful."), "{run:?}");
    assert_eq!(repo.json(&["show", "s", "--json"])["base"], main.as_str());
    assert_eq!(
        repo.json(&["show", "s", "--json"])["prompt"],
        serde_json::Value::Null
    );
    // The resolver's run noted its merge, not main's commits it merged in.
    assert!(
        repo.git_out(
            &repo.root,
            &["notes", "--ref=refs/notes/agents", "show", &main]
        )
        .stdout
        .is_empty(),
        "main's commit got the session's note"
    );
    let run = repo.agent(&["land", "s"]).success();
    assert!(run.stdout.contains("landed s "), "{run:?}");
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), main);
    assert_eq!(
        repo.git(&["diff", "HEAD~1", "HEAD", "--", "a.txt"])
            .lines()
            .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
            .collect::<Vec<_>>(),
        ["+from s"]
    );
    assert_eq!(repo.read("new.txt"), "new\n");
}

#[test]
fn a_run_that_leaves_the_conflict_fails_the_sync() {
    let repo = TestRepo::new();
    diverged(&repo, true);
    let run = repo.agent(&["sync", "s", "--", "true"]).fails(1);
    assert!(run.stderr.contains("still conflicted: a.txt"), "{run:?}");
}

#[test]
fn sync_refuses_what_it_cannot_sync() {
    let repo = TestRepo::new();
    repo.agent(&["sync", "nope"]).fails(1);
    repo.new_session(&["s"]);
    repo.agent(&["discard", "s"]).success();
    let run = repo.agent(&["sync", "s"]).fails(1);
    assert!(run.stderr.contains("no worktree"), "{run:?}");
    repo.new_session(&["t"]);
    repo.agent(&["sync", "t", "-a", "no-such-agent"]).fails(1);
}

#[test]
fn a_detached_resolver_s_merge_lands_only_the_session_s_own_change() {
    let repo = TestRepo::new();
    diverged(&repo, true);
    let main = repo.git(&["rev-parse", "HEAD"]);
    let resolve = "printf 'alpha\\nbeta\\ngamma\\nfrom main\\nfrom s\\n' > a.txt && git add a.txt && git commit -q --no-edit";
    let run = repo.agent(&["sync", "s", "--detach", "--", "sh", "-c", resolve]);
    assert_eq!(run.code, 0, "{run:?}");
    repo.agent(&["wait", "s"]).success();
    // The session's task prompt (none) is still its own, not the resolver's.
    assert_eq!(
        repo.json(&["show", "s", "--json"])["prompt"],
        serde_json::Value::Null
    );
    let run = repo.agent(&["land", "s"]).success();
    assert!(run.stdout.contains("landed s "), "{run:?}");
    assert_eq!(repo.git(&["rev-parse", "HEAD~1"]), main);
    assert_eq!(
        repo.git(&["diff", "--name-only", "HEAD~1", "HEAD"]),
        "a.txt\nnew.txt"
    );
    assert_eq!(
        repo.read("a.txt"),
        "alpha\nbeta\ngamma\nfrom main\nfrom s\n"
    );
}
