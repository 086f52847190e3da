//! Sessions: new, list, show, path, diff, discard, storage, bad input.

use std::path::Path;

use crate::common::{TestRepo, hermetic, succeeds, write};

#[test]
fn new_makes_a_locked_worktree_on_a_branch_with_session_refs() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["fix-login"]);
    assert_eq!(wt, repo.path(".worktrees/fix-login"));
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "alpha\nbeta\ngamma\n"
    );
    assert_eq!(
        repo.git_in(&wt, &["symbolic-ref", "HEAD"]),
        "refs/heads/agent/fix-login"
    );
    let list = repo.git(&["worktree", "list", "--porcelain"]);
    assert!(list.contains("locked git-agent fix-login"), "{list}");
    let refs = repo.git(&["for-each-ref", "--format=%(refname)", "refs/agents/"]);
    assert_eq!(
        refs,
        "refs/agents/fix-login/base\nrefs/agents/fix-login/meta"
    );
    let meta = repo.git(&["cat-file", "-p", "refs/agents/fix-login/meta"]);
    assert!(meta.contains("state = \"active\""), "{meta}");
    assert_eq!(
        repo.git(&["rev-parse", "refs/agents/fix-login/base"]),
        repo.git(&["rev-parse", "HEAD"])
    );
    // Nothing shows in the main checkout.
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
}

#[test]
fn dispatches_as_a_git_subcommand_from_anywhere() {
    let repo = TestRepo::new();
    let run = |dir: &Path, args: &[&str]| {
        let out = succeeds(hermetic("git", &repo.home).current_dir(dir).args(args));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&repo.path("src"), &["agent", "new", "one"]);
    let wt = repo.path(".worktrees/one");
    assert!(run(&wt, &["agent", "list"]).contains("one"));
    assert_eq!(
        run(&wt, &["agent", "path"]).trim(),
        wt.display().to_string()
    );
    assert!(run(&wt.join("src"), &["agent", "show"]).contains("session   one"));
}

#[test]
fn base_stays_at_the_old_head_after_the_main_checkout_moves_on() {
    let repo = TestRepo::new();
    let old = repo.git(&["rev-parse", "HEAD"]);
    repo.new_session(&["s"]);
    repo.write("a.txt", "changed\n");
    repo.git(&["commit", "-qam", "second"]);
    let show = repo.json(&["show", "s", "--json"]);
    assert_eq!(show["base"], old);
    assert_eq!(show["changes"]["files"], 0);
    let diff = repo.agent(&["diff", "s"]).success();
    assert_eq!(diff.stdout, "");
}

#[test]
fn base_option_and_invalid_base() {
    let repo = TestRepo::new();
    let first = repo.git(&["rev-parse", "HEAD"]);
    repo.write("a.txt", "two\n");
    repo.git(&["commit", "-qam", "two"]);
    let wt = repo.new_session(&["old", "--base", "HEAD~1"]);
    assert_eq!(repo.git_in(&wt, &["rev-parse", "HEAD"]), first);
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "alpha\nbeta\ngamma\n"
    );
    repo.agent(&["new", "x", "--base", "no-such-rev"]).fails(1);
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/x"]), "");
}

#[test]
fn diff_shows_committed_staged_unstaged_and_untracked_without_touching_the_session() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["d"]);
    assert_eq!(
        repo.agent(&["diff", "d"]).success().stdout,
        "",
        "no change, no diff"
    );
    write(&wt.join("committed.txt"), "c\n");
    repo.git_in(&wt, &["add", "committed.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    write(&wt.join("staged.txt"), "s\n");
    repo.git_in(&wt, &["add", "staged.txt"]);
    write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n");
    write(&wt.join("new/untracked.txt"), "u\n");
    std::fs::remove_file(wt.join("docs/guide.md")).unwrap();
    // `git status` itself refreshes the index: take it first.
    let status_before = repo.git_in(&wt, &["status", "--porcelain=v2", "--untracked-files=all"]);
    let index_before = std::fs::read(repo.git_in(
        &wt,
        &["rev-parse", "--path-format=absolute", "--git-path", "index"],
    ))
    .unwrap();

    let names = repo.agent(&["diff", "d", "--name-status"]).success().stdout;
    assert_eq!(
        names,
        "M\ta.txt\nA\tcommitted.txt\nD\tdocs/guide.md\nA\tnew/untracked.txt\nA\tstaged.txt\n"
    );
    let patch = repo.agent(&["diff", "d"]).success().stdout;
    assert!(patch.contains("-beta\n+BETA"), "{patch}");
    assert!(patch.contains("+++ b/new/untracked.txt"), "{patch}");
    let stat = repo
        .agent(&["diff", "d", "--stat", "--", "new"])
        .success()
        .stdout;
    assert!(
        stat.contains("new/untracked.txt") && !stat.contains("a.txt"),
        "{stat}"
    );

    let index_path = repo.git_in(
        &wt,
        &["rev-parse", "--path-format=absolute", "--git-path", "index"],
    );
    assert_eq!(
        std::fs::read(index_path).unwrap(),
        index_before,
        "diff must not rewrite the session's index"
    );
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain=v2", "--untracked-files=all"]),
        status_before
    );
}

#[test]
fn list_and_show_count_changes_and_print_documented_json() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["counted", "--scope", "src/**"]);
    write(&wt.join("a.txt"), "alpha\nbeta\n");
    write(&wt.join("src/new.rs"), "one\ntwo\n");
    let list = repo.json(&["list", "--json"]);
    let s = &list[0];
    for field in [
        "id", "state", "branch", "path", "base", "origin", "created", "updated", "agent",
        "command", "prompt", "scope", "run", "changes",
    ] {
        assert!(s.get(field).is_some(), "missing {field}: {s}");
    }
    assert_eq!(s["id"], "counted");
    assert_eq!(s["state"], "active");
    assert_eq!(s["branch"], "agent/counted");
    assert_eq!(s["path"], wt.display().to_string());
    assert_eq!(s["origin"], repo.root.display().to_string());
    assert_eq!(s["base"].as_str().unwrap().len(), 40);
    assert!(s["run"].is_null() && s["agent"].is_null());
    assert_eq!(s["changes"]["files"], 2);
    assert_eq!(s["changes"]["insertions"], 2);
    assert_eq!(s["changes"]["deletions"], 1);
    assert_eq!(s["changes"]["out_of_scope"], serde_json::json!(["a.txt"]));
    let table = repo.agent(&["list"]).success().stdout;
    assert!(
        table.contains("counted")
            && table.contains("active")
            && table.contains("+2")
            && table.contains("-1"),
        "{table}"
    );
    assert!(table.contains("1 out of scope"), "{table}");
    let show = repo.agent(&["show", "count"]).success().stdout;
    assert!(show.contains("a.txt  (out of scope)"), "{show}");
    let diff = repo.agent(&["diff", "counted", "--stat"]).success();
    assert!(
        diff.stderr.contains("outside the session's scope") && diff.stderr.contains("a.txt"),
        "{}",
        diff.stderr
    );
    repo.agent(&["diff", "counted", "--no-such-option"])
        .fails(2);
}

/// `new --json` prints the same documented object as `show --json`: every
/// field of the spec's JSON section, absolute paths, full ids, RFC 3339 UTC.
#[test]
fn new_json_prints_the_documented_session_object() {
    let repo = TestRepo::new();
    repo.git(&["commit", "-q", "--allow-empty", "-m", "second"]);
    let head = repo.git(&["rev-parse", "HEAD"]);
    let s = repo.json(&["new", "fresh", "--scope", "docs/*", "--json"]);
    assert!(s.is_object(), "{s}");
    for field in [
        "id", "state", "branch", "path", "base", "origin", "created", "updated", "agent",
        "command", "prompt", "scope", "run", "changes",
    ] {
        assert!(s.get(field).is_some(), "missing {field}: {s}");
    }
    assert_eq!(s["id"], "fresh");
    assert_eq!(s["state"], "active");
    assert_eq!(s["branch"], "agent/fresh");
    assert_eq!(s["base"], head.as_str());
    assert_eq!(
        s["path"],
        repo.path(".worktrees/fresh").display().to_string()
    );
    assert_eq!(s["origin"], repo.root.display().to_string());
    assert_eq!(s["scope"], serde_json::json!(["docs/*"]));
    for key in ["agent", "command", "prompt", "run"] {
        assert!(s[key].is_null(), "{key}: {s}");
    }
    assert_eq!(s["changes"]["files"], 0);
    for time in ["created", "updated"] {
        let t = s[time].as_str().unwrap();
        assert!(
            t.ends_with('Z') && humantime::parse_rfc3339(t).is_ok(),
            "{time} is not RFC 3339 UTC: {t}"
        );
    }
    assert_eq!(s, {
        let mut shown = repo.json(&["show", "fresh", "--json"]);
        // `updated` may differ by nothing else than time; the rest is equal.
        shown["updated"] = s["updated"].clone();
        shown
    });
}

#[test]
fn ids_resolve_by_unique_prefix_and_ambiguity_names_candidates() {
    let repo = TestRepo::new();
    repo.new_session(&["alpha-one"]);
    repo.new_session(&["alpha-two"]);
    assert!(
        repo.agent(&["path", "alpha-o"])
            .success()
            .stdout
            .ends_with("alpha-one\n")
    );
    let err = repo.agent(&["show", "alpha"]).fails(1).stderr;
    assert!(
        err.contains("ambiguous") && err.contains("alpha-one") && err.contains("alpha-two"),
        "{err}"
    );
    repo.agent(&["show", "zzz"]).fails(1);
}

#[test]
fn generated_ids_are_distinct_and_valid() {
    let repo = TestRepo::new();
    let a = repo.agent(&["new"]).success().stdout;
    let b = repo.agent(&["new"]).success().stdout;
    assert_ne!(a, b);
    let list = repo.json(&["list", "--json"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
}

#[test]
fn worktree_dir_is_excluded_from_subdirs_and_linked_worktrees() {
    let repo = TestRepo::new();
    repo.agent_in(&repo.path("src"), &["new", "from-sub"])
        .success();
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    // The repository as a linked worktree of another checkout.
    let linked = repo.base().join("linked");
    repo.git(&["worktree", "add", "-q", linked.to_str().unwrap()]);
    repo.agent_in(&linked, &["new", "from-linked"]).success();
    assert!(repo.path(".worktrees/from-linked").is_dir());
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    assert_eq!(
        repo.git_in(&linked, &["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    let exclude = std::fs::read_to_string(repo.path(".git/info/exclude")).unwrap();
    assert_eq!(exclude.matches("/.worktrees/").count(), 1, "{exclude}");
    // origin is where new ran.
    assert_eq!(
        repo.json(&["show", "from-linked", "--json"])["origin"],
        linked.display().to_string()
    );
}

#[test]
fn configuration_from_git_config_and_git_dash_c() {
    let repo = TestRepo::new();
    repo.git(&["config", "agent.worktreeDir", "../trees"]);
    repo.git(&["config", "agent.branchPrefix", "bots/"]);
    let wt = repo.new_session(&["c1"]);
    assert_eq!(wt, repo.base().join("trees/c1"));
    assert!(
        repo.git(&["branch", "--list", "bots/c1"])
            .contains("bots/c1")
    );
    // `git -c` overrides reach git-agent through GIT_CONFIG_PARAMETERS.
    succeeds(hermetic("git", &repo.home).current_dir(&repo.root).args([
        "-c",
        "agent.worktreeDir=elsewhere",
        "-c",
        "agent.BranchPrefix=x/",
        "agent",
        "new",
        "c2",
    ]));
    assert!(repo.path("elsewhere/c2").is_dir());
    assert!(repo.git(&["branch", "--list", "x/c2"]).contains("x/c2"));
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "",
        "relative dir inside the checkout is excluded"
    );
}

#[test]
fn carry_brings_staged_unstaged_and_untracked_changes_and_leaves_the_caller_alone() {
    let repo = TestRepo::new();
    repo.write("a.txt", "staged\n");
    repo.git(&["add", "a.txt"]);
    repo.write("a.txt", "unstaged\n");
    repo.write("notes/untracked.txt", "u\n");
    let before = repo.fingerprint(&repo.root);
    let wt = repo.new_session(&["carried", "--carry"]);
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "unstaged\n"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("notes/untracked.txt")).unwrap(),
        "u\n"
    );
    assert_eq!(repo.git_in(&wt, &["show", ":a.txt"]), "staged");
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain"]),
        "MM a.txt\n?? notes/"
    );
}

/// The carried changes are the session's starting point, not its work:
/// diff, counts and keep show only what was done in the session, and the
/// caller's own changes (edited further meanwhile) stay exactly as they are.
#[test]
fn a_carried_session_s_change_is_only_what_was_done_in_it() {
    let repo = TestRepo::new();
    let head = repo.git(&["rev-parse", "HEAD"]);
    repo.write("docs/guide.md", "# Guide\nstaged\n");
    repo.git(&["add", "docs/guide.md"]);
    repo.write("a.txt", "alpha\nbeta\ngamma\nmine\n");
    repo.write("mine.txt", "untracked\n");
    let wt = repo.new_session(&["ca", "--carry"]);
    let s = repo.json(&["show", "ca", "--json"]);
    let base = s["base"].as_str().unwrap().to_owned();
    assert_eq!(repo.git(&["rev-parse", &format!("{base}^1")]), head);
    assert_eq!(
        repo.git_in(&wt, &["rev-parse", "HEAD"]),
        head,
        "the branch starts at HEAD"
    );
    assert_eq!(s["changes"]["files"], 0, "{s}");
    assert_eq!(repo.agent(&["diff", "ca"]).success().stdout, "");

    // The agent works on top of the carried state; the caller edits on.
    write(&wt.join("src/lib.rs"), "pub fn agent() {}\n");
    write(&wt.join("a.txt"), "AGENT\nbeta\ngamma\nmine\n");
    repo.write("a.txt", "alpha\nbeta\ngamma\nmine\nmore of mine\n");
    let diff = repo.agent(&["diff", "ca", "--name-only"]).success().stdout;
    assert_eq!(diff, "a.txt\nsrc/lib.rs\n");
    assert_eq!(repo.json(&["list", "--json"])[0]["changes"]["files"], 2);

    repo.agent(&["keep", "ca"]).success();
    // Staged: the agent's hunks only; the caller's unstaged and untracked
    // work stays unstaged and untracked, its staged work staged.
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "a.txt\ndocs/guide.md\nsrc/lib.rs"
    );
    assert_eq!(repo.git(&["show", ":a.txt"]), "AGENT\nbeta\ngamma");
    assert_eq!(repo.git(&["show", ":docs/guide.md"]), "# Guide\nstaged");
    assert_eq!(
        repo.read("a.txt"),
        "AGENT\nbeta\ngamma\nmine\nmore of mine\n"
    );
    assert_eq!(repo.read("mine.txt"), "untracked\n");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        "MM a.txt\nM  docs/guide.md\nM  src/lib.rs\n?? mine.txt"
    );
}

/// `keep --commit` of a carried session replays only what the agent did:
/// carried edits it committed along (`commit -a`) and carried files it left
/// are the caller's, and stay uncommitted in the caller's checkout.
#[test]
fn keep_commit_of_a_carried_session_commits_only_the_agent_s_work() {
    let repo = TestRepo::new();
    repo.write("a.txt", "MINE\nbeta\ngamma\n");
    repo.write("mine.txt", "untracked\n");
    let wt = repo.new_session(&["cc", "--carry"]);
    write(&wt.join("a.txt"), "MINE\nbeta\nAGENT\n");
    repo.git_in(&wt, &["commit", "-qam", "agent commit"]);
    write(&wt.join("left.txt"), "left\n");
    repo.agent(&["keep", "cc", "--commit"]).success();
    assert_eq!(
        repo.git(&["log", "--format=%s", "-2"]),
        "Uncommitted changes of session cc\nagent commit"
    );
    assert_eq!(
        repo.git(&["show", "HEAD~1:a.txt"]),
        "alpha\nbeta\nAGENT",
        "the agent's commit holds its own edit only"
    );
    assert_eq!(
        repo.git(&["show", "--name-only", "--format=", "HEAD"]),
        "left.txt"
    );
    assert_eq!(repo.read("a.txt"), "MINE\nbeta\nAGENT\n");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        " M a.txt\n?? mine.txt"
    );
}

/// A carried session whose worktree was deleted by hand is kept from its
/// branch: the caller's carried changes, not in that branch, stay as they are.
#[test]
fn keeping_a_carried_session_without_its_worktree_leaves_the_caller_s_changes() {
    let repo = TestRepo::new();
    repo.write("a.txt", "MINE\nbeta\ngamma\n");
    let wt = repo.new_session(&["lost", "--carry"]);
    write(&wt.join("agent.txt"), "agent\n");
    repo.git_in(&wt, &["add", "agent.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent commit"]);
    std::fs::remove_dir_all(&wt).unwrap();
    repo.agent(&["keep", "lost"]).success();
    assert_eq!(repo.read("a.txt"), "MINE\nbeta\ngamma\n");
    assert_eq!(repo.read("agent.txt"), "agent\n");
    assert_eq!(
        repo.git(&["status", "--porcelain"]),
        " M a.txt\nA  agent.txt"
    );
}

/// Carried untracked files: an agent's edit to one is staged; deleting one
/// is refused, since keep never removes a file untracked in the checkout.
#[test]
fn keep_stages_edits_to_carried_untracked_files_and_never_deletes_them() {
    let repo = TestRepo::new();
    repo.write("todo.txt", "my notes\n");
    let wt = repo.new_session(&["rm", "--carry"]);
    std::fs::remove_file(wt.join("todo.txt")).unwrap();
    let before = repo.fingerprint(&repo.root);
    let run = repo.agent(&["keep", "rm"]).fails(1);
    assert!(
        run.stderr.contains("deletes a file that is untracked"),
        "{}",
        run.stderr
    );
    assert_eq!(repo.fingerprint(&repo.root), before);
    assert_eq!(repo.read("todo.txt"), "my notes\n");
    repo.agent(&["discard", "rm"]).success();

    let wt = repo.new_session(&["ed", "--carry"]);
    write(&wt.join("todo.txt"), "my notes\nand the agent's\n");
    repo.agent(&["keep", "ed"]).success();
    assert_eq!(repo.git(&["status", "--porcelain"]), "A  todo.txt");
    assert_eq!(repo.read("todo.txt"), "my notes\nand the agent's\n");
}

/// Ignored files are not snapshotted: discard names those restore will not
/// bring back (not the ones agent.copy copies in again).
#[test]
fn discard_names_ignored_files_that_restore_will_not_bring_back() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "build/\n.env\n");
    repo.write(".env", "SECRET=1\n");
    repo.git(&["add", ".gitignore"]);
    repo.git(&["commit", "-qm", "ignore"]);
    repo.git(&["config", "agent.copy", ".env"]);
    let wt = repo.new_session(&["ig"]);
    assert!(wt.join(".env").exists());
    write(&wt.join("build/out.o"), "binary\n");
    let run = repo.agent(&["discard", "ig"]).success();
    assert!(
        run.stderr
            .contains("restore will not bring these back: build/"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(".env"), "{}", run.stderr);
    let clean = repo.new_session(&["clean"]);
    assert!(clean.join(".env").exists());
    let run = repo.agent(&["discard", "clean"]).success();
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    // keep removes the worktree too, and says the same.
    let kept = repo.new_session(&["kept"]);
    write(&kept.join("build/out.o"), "binary\n");
    write(&kept.join("src.txt"), "source\n");
    let run = repo.agent(&["keep", "kept"]).success();
    assert!(
        run.stderr
            .contains("restore will not bring these back: build/"),
        "{}",
        run.stderr
    );
}

#[test]
fn discard_snapshots_everything_then_removes_worktree_and_branch() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["gone"]);
    write(&wt.join("c.txt"), "committed\n");
    repo.git_in(&wt, &["add", "c.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "agent work"]);
    let agent_commit = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    write(&wt.join("u.txt"), "untracked\n");
    write(&wt.join("a.txt"), "edited\n");
    repo.agent(&["discard", "gone"]).success();
    assert!(!wt.exists());
    assert_eq!(repo.git(&["branch", "--list", "agent/gone"]), "");
    assert!(!repo.git(&["worktree", "list"]).contains("gone"));
    let snap = repo.git(&["rev-parse", "refs/agents/gone/snapshot"]);
    assert_eq!(
        repo.git(&["rev-parse", &format!("{snap}^1")]),
        agent_commit,
        "branch commits stay reachable"
    );
    assert_eq!(repo.git(&["show", &format!("{snap}:u.txt")]), "untracked");
    assert_eq!(repo.git(&["show", &format!("{snap}:a.txt")]), "edited");
    let show = repo.json(&["show", "gone", "--json"]);
    assert_eq!(show["state"], "discarded");
    assert!(show["path"].is_null());
    assert_eq!(show["changes"]["files"], 3);
    // Still diffable from the snapshot, listed only with --all.
    assert!(
        repo.agent(&["diff", "gone", "--name-only"])
            .success()
            .stdout
            .contains("u.txt")
    );
    assert_eq!(repo.json(&["list", "--json"]).as_array().unwrap().len(), 0);
    assert_eq!(
        repo.json(&["list", "--all", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    repo.agent(&["discard", "gone"]).fails(1);
    repo.agent(&["path", "gone"]).fails(1);
    let fsck = repo.git_out(&repo.root, &["fsck", "--no-dangling"]);
    assert!(
        fsck.status.success(),
        "{}",
        String::from_utf8_lossy(&fsck.stderr)
    );
}

#[test]
fn a_worktree_deleted_by_hand_is_broken_and_discard_still_cleans_up() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["hand"]);
    write(&wt.join("x.txt"), "x\n");
    repo.git_in(&wt, &["add", "x.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "x"]);
    std::fs::remove_dir_all(&wt).unwrap();
    assert_eq!(repo.json(&["show", "hand", "--json"])["state"], "broken");
    assert!(repo.agent(&["list"]).success().stdout.contains("broken"));
    repo.agent(&["path", "hand"]).fails(1);
    repo.agent(&["discard", "hand"]).success();
    let snap = repo.git(&["rev-parse", "refs/agents/hand/snapshot"]);
    assert_eq!(
        repo.git(&["show", &format!("{snap}:x.txt")]),
        "x",
        "the branch's commit was saved"
    );
    assert_eq!(repo.git(&["branch", "--list", "agent/hand"]), "");
    assert!(
        !repo
            .git(&["worktree", "list", "--porcelain"])
            .contains("hand")
    );
}

#[test]
fn twelve_parallel_news_give_twelve_sessions() {
    let repo = TestRepo::new();
    let repo2 = repo;
    let runs: Vec<Vec<String>> = (0..12)
        .map(|i| vec!["new".into(), format!("p{i}")])
        .collect();
    crate::common::all_at_once(&repo2, &runs);
    let list = repo2.json(&["list", "--json"]);
    let mut ids: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    for s in list.as_array().unwrap() {
        assert_eq!(s["state"], "active");
        assert!(
            Path::new(s["path"].as_str().unwrap())
                .join("a.txt")
                .exists()
        );
    }
    assert_eq!(repo2.git(&["status", "--porcelain"]), "");
}

#[test]
fn bad_input_is_an_error_line_never_a_panic() {
    let repo = TestRepo::new();
    // Not a repository.
    let outside = repo.base().join("plain");
    std::fs::create_dir_all(&outside).unwrap();
    let err = repo.agent_in(&outside, &["list"]).fails(1).stderr;
    assert!(err.contains("not a git repository"), "{err}");
    // Bare.
    let bare = repo.base().join("bare.git");
    repo.git(&["init", "-q", "--bare", bare.to_str().unwrap()]);
    assert!(
        repo.agent_in(&bare, &["list"])
            .fails(1)
            .stderr
            .contains("bare")
    );
    // No commits yet.
    let empty = repo.base().join("empty");
    repo.git(&["init", "-q", empty.to_str().unwrap()]);
    assert!(
        repo.agent_in(&empty, &["new"])
            .fails(1)
            .stderr
            .contains("no commits")
    );
    // Ids.
    repo.agent(&["new", "bad id"]).fails(1);
    repo.agent(&["new", "a..b"]).fails(1);
    repo.agent(&["new", "-leading"]).fails(2);
    repo.agent(&["show", "unknown"]).fails(1);
    repo.agent(&["diff", "unknown"]).fails(1);
    repo.agent(&["discard", "unknown"]).fails(1);
    repo.new_session(&["dup"]);
    assert!(
        repo.agent(&["new", "dup"])
            .fails(1)
            .stderr
            .contains("already exists")
    );
    // Usage.
    repo.agent(&["frobnicate"]).fails(2);
    repo.agent(&["list", "--bogus"]).fails(2);
    assert_eq!(repo.agent(&["-h"]).code, 0);
    // No id outside a session worktree.
    repo.agent(&["path"]).fails(2);
    // A branch already named like the session.
    repo.git(&["branch", "agent/taken"]);
    repo.agent(&["new", "taken"]).fails(1);
    assert_eq!(repo.git(&["for-each-ref", "refs/agents/taken"]), "");
    // agent.worktreeDir pointing at a file.
    repo.write("afile", "x");
    repo.git(&["config", "agent.worktreeDir", "afile"]);
    repo.agent(&["new", "w"]).fails(1);
}

#[test]
fn reftable_repositories_are_refused() {
    let repo = TestRepo::bare_dir();
    let out = repo.git_out(
        &repo.base(),
        &[
            "init",
            "-q",
            "--ref-format=reftable",
            repo.root.to_str().unwrap(),
        ],
    );
    if !out.status.success() {
        return; // this git cannot make reftable repositories
    }
    repo.write("f", "x");
    repo.git(&["add", "f"]);
    repo.git(&["commit", "-qm", "x"]);
    let err = repo.agent(&["list"]).fails(1).stderr;
    assert!(err.contains("reftable"), "{err}");
}

#[test]
fn a_lifecycle_leaves_fsck_clean() {
    let repo = TestRepo::new();
    for id in ["l1", "l2"] {
        let wt = repo.new_session(&[id]);
        write(&wt.join("f.txt"), id);
        repo.agent(&["diff", id, "--stat"]).success();
        repo.agent(&["list"]).success();
        repo.agent(&["discard", id]).success();
    }
    repo.git(&["gc", "-q", "--prune=now"]);
    let snap = repo.git(&["rev-parse", "refs/agents/l1/snapshot"]);
    assert_eq!(
        repo.git(&["show", &format!("{snap}:f.txt")]),
        "l1",
        "gc keeps session objects"
    );
    repo.fsck_clean("after git gc");
}

#[test]
fn a_same_size_edit_right_after_checkout_is_counted_and_snapshotted() {
    // Racy-git: the file's time can equal the index's; a copied index with a
    // fresh time would make git trust stale stat data and miss the edit.
    let repo = TestRepo::new();
    let wt = repo.new_session(&["racy"]);
    write(&wt.join("a.txt"), "ALPHA\nbeta\ngamma\n");
    let s = repo.json(&["show", "racy", "--json"]);
    assert_eq!(s["changes"]["files"], 1, "{s}");
    assert_eq!(
        repo.json(&["list", "--json"])[0]["changes"]["insertions"],
        1
    );
    repo.agent(&["discard", "racy"]).success();
    let snap = repo.git(&["rev-parse", "refs/agents/racy/snapshot"]);
    assert_eq!(
        repo.git(&["show", &format!("{snap}:a.txt")]),
        "ALPHA\nbeta\ngamma"
    );
}

#[test]
fn sha256_repositories_are_refused_clearly() {
    let repo = TestRepo::bare_dir();
    repo.git_in(
        &repo.base(),
        &[
            "init",
            "-q",
            "--object-format=sha256",
            repo.root.to_str().unwrap(),
        ],
    );
    repo.write("f", "x");
    repo.git(&["add", "f"]);
    repo.git(&["commit", "-qm", "x"]);
    let err = repo.agent(&["new", "x"]).fails(1).stderr;
    assert!(err.contains("sha256") && err.contains("SHA-1"), "{err}");
}

#[test]
fn ignored_files_named_by_agent_copy_and_worktreeinclude_are_copied() {
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\nnode_modules/\nbuild/\n");
    repo.git(&["add", ".gitignore"]);
    repo.git(&["commit", "-qm", "ignore"]);
    repo.write(".env", "SECRET=1\n");
    repo.write("node_modules/pkg/index.js", "module.exports = 1\n");
    repo.write("build/out.o", "binary\n");
    repo.write(".worktreeinclude", "# deps\nnode_modules\n");
    repo.git(&["config", "--add", "agent.copy", ".env"]);
    let wt = repo.new_session(&["cp"]);
    assert_eq!(
        std::fs::read_to_string(wt.join(".env")).unwrap(),
        "SECRET=1\n"
    );
    assert!(wt.join("node_modules/pkg/index.js").exists());
    assert!(
        !wt.join("build").exists(),
        "only what is asked for is copied"
    );
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain"]),
        "",
        "copies are ignored there too"
    );
    assert_eq!(repo.json(&["show", "cp", "--json"])["changes"]["files"], 0);
}

#[test]
fn list_counts_stay_live_through_its_cache() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["cached"]);
    let files = |repo: &TestRepo| repo.json(&["list", "--json"])[0]["changes"].clone();
    assert_eq!(files(&repo)["files"], 0);
    assert!(repo.path(".git/agents/list-cache.json").exists());
    write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n"); // same size, in place
    assert_eq!(files(&repo)["files"], 1);
    write(&wt.join("new.txt"), "n\n");
    assert_eq!(files(&repo)["files"], 2);
    repo.git_in(&wt, &["add", "-A"]);
    repo.git_in(&wt, &["commit", "-qm", "c"]);
    assert_eq!(
        files(&repo)["files"],
        2,
        "committing changes nothing in the count"
    );
    std::fs::remove_file(wt.join("new.txt")).unwrap();
    let c = files(&repo);
    assert_eq!(
        (c["files"].as_u64(), c["insertions"].as_u64()),
        (Some(1), Some(1))
    );
    std::fs::set_permissions(
        wt.join("a.txt"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    assert_eq!(files(&repo)["files"], 1);
    write(&wt.join("src/lib.rs"), "pub fn g() {}\n");
    assert_eq!(files(&repo)["files"], 2);
}

#[test]
fn a_taken_id_names_the_session_not_its_branch() {
    let repo = TestRepo::new();
    repo.new_session(&["taken"]);
    let run = repo.agent(&["new", "taken"]).fails(1);
    assert!(
        run.stderr
            .contains("a session named 'taken' already exists (state: active)"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("delete"), "{}", run.stderr);
}

#[test]
fn diff_arguments_work_as_in_git_diff() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["dx"]);
    write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n");
    write(&wt.join("src/lib.rs"), "pub fn g() {}\n");
    write(&wt.join("src/new.rs"), "new\n");
    // Inside the session, a leading `--` starts the paths.
    let run = repo
        .agent_in(&wt, &["diff", "--name-only", "--", "a.txt"])
        .success();
    assert_eq!(run.stdout, "a.txt\n");
    let run = repo.agent_in(&wt, &["diff", "--", "a.txt"]).success();
    assert!(run.stdout.contains("+BETA"), "{}", run.stdout);
    assert!(!run.stdout.contains("lib.rs"), "{}", run.stdout);
    // The id may follow options.
    let run = repo.agent(&["diff", "--name-only", "dx"]).success();
    assert_eq!(run.stdout, "a.txt\nsrc/lib.rs\nsrc/new.rs\n");
    // Paths are relative to the current directory, as in git diff.
    let run = repo
        .agent_in(
            &repo.path("src"),
            &["diff", "dx", "--name-only", "--", "new.rs"],
        )
        .success();
    assert_eq!(run.stdout, "src/new.rs\n");
    // A revision or --cached makes no sense here: usage error, exit 2.
    let run = repo.agent(&["diff", "dx", "HEAD"]).fails(2);
    assert!(run.stderr.contains("takes no revisions"), "{}", run.stderr);
    let run = repo.agent(&["diff", "dx", "--cached"]).fails(2);
    assert!(
        run.stderr.contains("--cached does not apply"),
        "{}",
        run.stderr
    );
}

/// Options whose value is the next word, and the options the issue names:
/// `-M`, `--binary`, `--word-diff`, `--name-status`, `-U`.
#[test]
fn diff_passes_git_diff_options_with_their_values() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["dv"]);
    write(&wt.join("a.txt"), "alpha\nBETA\ngamma\n");
    repo.git_in(&wt, &["mv", "docs/guide.md", "docs/manual.md"]);
    std::fs::write(wt.join("blob.bin"), [0u8, 1, 2, 3, 255]).unwrap();
    let names = |args: &[&str]| repo.agent(args).success().stdout;
    // -S <text> as two words: only the file whose count of BETA changed.
    assert_eq!(
        names(&["diff", "dv", "--name-only", "-S", "BETA"]),
        "a.txt\n"
    );
    assert_eq!(
        names(&["diff", "-S", "BETA", "--name-only", "dv"]),
        "a.txt\n"
    );
    assert_eq!(
        names(&["diff", "dv", "--diff-filter", "A", "--name-only"]),
        "blob.bin\n"
    );
    let status = names(&["diff", "dv", "-M", "--name-status"]);
    assert!(
        status.contains("R100\tdocs/guide.md\tdocs/manual.md"),
        "{status}"
    );
    let binary = names(&["diff", "dv", "--binary", "--", "blob.bin"]);
    assert!(binary.contains("GIT binary patch"), "{binary}");
    let words = names(&["diff", "dv", "--word-diff", "--", "a.txt"]);
    assert!(words.contains("[-beta-]{+BETA+}"), "{words}");
    let narrow = names(&["diff", "dv", "-U0", "--", "a.txt"]);
    assert!(
        !narrow.lines().any(|l| l.starts_with(' ')),
        "context lines: {narrow}"
    );
    // diff never writes a file, wherever --output points: refused, and
    // the refusal says so (not that it would write into the worktree).
    let elsewhere = repo.base().join("elsewhere.patch");
    let run = repo
        .agent(&["diff", "dv", &format!("--output={}", elsewhere.display())])
        .fails(2);
    assert!(run.stderr.contains("never writes a file"), "{}", run.stderr);
    assert!(!run.stderr.contains("worktree"), "{}", run.stderr);
    assert!(run.stderr.contains("redirect instead"), "{}", run.stderr);
    assert!(!elsewhere.exists());
    repo.agent(&["diff", "dv", "--output", "x.patch"]).fails(2);
    assert!(!wt.join("x.patch").exists());
    assert!(!repo.path("x.patch").exists());
    // A value is never taken for the id or a revision.
    let run = repo
        .agent(&["diff", "-S", "dv", "dv", "--name-only"])
        .success();
    assert_eq!(run.stdout, "");
}

/// A repository whose path holds a newline and a space: every verb reads
/// the paths git prints whole (`-z`, or one path per command), never line
/// by line.
#[test]
fn a_repository_path_with_a_newline_and_a_space_works_through_a_lifecycle() {
    let mut repo = TestRepo::bare_dir();
    repo.root = repo.root.join("new\nline dir");
    std::fs::create_dir_all(&repo.root).unwrap();
    repo.git(&["init", "-q", "-b", "main"]);
    repo.write("a.txt", "alpha\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "initial"]);
    let new = |id: &str| -> std::path::PathBuf {
        let json = repo.json(&["new", id, "--json"]);
        std::path::PathBuf::from(json["path"].as_str().unwrap())
    };

    let wt = new("nl");
    assert_eq!(wt, repo.root.join(".worktrees/nl"));
    write(&wt.join("a.txt"), "alpha\nmore\n");
    write(&wt.join("b.txt"), "new\n");
    let names = repo.agent(&["diff", "nl", "--name-only"]).success();
    assert_eq!(names.stdout, "a.txt\nb.txt\n");
    assert_eq!(repo.json(&["show", "nl", "--json"])["changes"]["files"], 2);
    assert!(repo.agent(&["list"]).success().stdout.contains("nl"));
    repo.agent(&["keep", "nl"]).success();
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-only"]),
        "a.txt\nb.txt"
    );
    assert!(!wt.exists());
    repo.git(&["commit", "-q", "-m", "kept nl"]);

    let wt = new("again");
    write(&wt.join("c.txt"), "c\n");
    repo.agent(&["discard", "again"]).success();
    assert!(!wt.exists());
    repo.agent(&["restore", "again"]).success();
    assert_eq!(std::fs::read_to_string(wt.join("c.txt")).unwrap(), "c\n");
    repo.agent(&["keep", "again", "--squash", "-m", "squashed"])
        .success();
    assert_eq!(repo.git(&["log", "-1", "--format=%s"]), "squashed");
    assert_eq!(repo.read("c.txt"), "c\n");

    let gone = new("gone");
    std::fs::remove_dir_all(&gone).unwrap();
    repo.agent(&["gc"]).success();
    repo.agent(&["discard", "gone"]).success();
    repo.git(&["fsck", "--no-progress"]);
}
