//! restore: discarded and kept sessions come back byte for byte; refusals;
//! interrupted restores are finished by running restore again.

use crate::common::{TestRepo, busy_session, files, write};

#[test]
fn discard_then_restore_gives_back_every_byte_and_the_staged_split() {
    let repo = TestRepo::new();
    let wt = busy_session(&repo, "back");
    let before = repo.fingerprint(&wt);
    let files_before = files(&wt);
    let branch_before = repo.git_in(&wt, &["symbolic-ref", "HEAD"]);

    repo.agent(&["discard", "back"]).success();
    assert!(!wt.exists());
    assert_eq!(repo.git(&["branch", "--list", "agent/back"]), "");

    let run = repo.agent(&["restore", "back"]).success();
    assert_eq!(run.stdout, format!("back\t{}\n", wt.display()));
    assert_eq!(repo.fingerprint(&wt), before);
    assert_eq!(files(&wt), files_before);
    assert_eq!(repo.git_in(&wt, &["symbolic-ref", "HEAD"]), branch_before);
    let list = repo.git(&["worktree", "list", "--porcelain"]);
    assert!(list.contains("locked git-agent back"), "{list}");
    let show = repo.json(&["show", "back", "--json"]);
    assert_eq!(show["state"], "active");
    assert_eq!(show["path"], wt.display().to_string());
    let names = repo
        .agent(&["diff", "back", "--name-only"])
        .success()
        .stdout;
    assert_eq!(names.lines().count(), 10, "{names}");
    // The main checkout never noticed.
    assert_eq!(
        repo.git(&["status", "--porcelain", "--untracked-files=all"]),
        ""
    );
    // And the round trip can be repeated.
    repo.agent(&["discard", "back"]).success();
    repo.agent(&["restore", "ba"]).success();
    assert_eq!(repo.fingerprint(&wt), before);
    repo.fsck_clean("at the end");
}

#[test]
fn a_kept_session_comes_back_with_its_worktree_and_branch() {
    let repo = TestRepo::new();
    let wt = repo.new_session(&["kept"]);
    write(&wt.join("c.txt"), "c\n");
    repo.git_in(&wt, &["add", "c.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "c"]);
    let tip = repo.git_in(&wt, &["rev-parse", "HEAD"]);
    write(&wt.join("u.txt"), "u\n");
    let before = repo.fingerprint(&wt);
    repo.agent(&["keep", "kept"]).success();
    assert!(!wt.exists());
    assert_eq!(repo.json(&["show", "kept", "--json"])["state"], "kept");

    repo.agent(&["restore", "kept"]).success();
    assert_eq!(repo.fingerprint(&wt), before);
    assert_eq!(repo.git(&["rev-parse", "agent/kept"]), tip);
    assert_eq!(std::fs::read_to_string(wt.join("u.txt")).unwrap(), "u\n");
    assert_eq!(repo.json(&["show", "kept", "--json"])["state"], "active");
    // A live session again: it can be discarded like any other.
    repo.agent(&["discard", "kept"]).success();
    repo.fsck_clean("at the end");
}

#[test]
fn restore_refuses_what_it_cannot_do_and_changes_nothing() {
    let repo = TestRepo::new();
    // Unknown id, live session.
    repo.agent(&["restore", "nope"]).fails(1);
    repo.agent(&["restore"]).fails(2);
    repo.new_session(&["live"]);
    let err = repo.agent(&["restore", "live"]).fails(1).stderr;
    assert!(
        err.contains("active") && err.contains("nothing to restore"),
        "{err}"
    );

    // No snapshot: worktree and branch were gone before the discard.
    let wt = repo.new_session(&["empty"]);
    std::fs::remove_dir_all(&wt).unwrap();
    repo.git(&["update-ref", "-d", "refs/heads/agent/empty"]);
    repo.agent(&["discard", "empty"]).success();
    let err = repo.agent(&["restore", "empty"]).fails(1).stderr;
    assert!(err.contains("no snapshot"), "{err}");

    // The branch name is taken by another commit.
    let wt = repo.new_session(&["taken"]);
    write(&wt.join("t.txt"), "t\n");
    repo.git_in(&wt, &["add", "t.txt"]);
    repo.git_in(&wt, &["commit", "-qm", "t"]);
    repo.agent(&["discard", "taken"]).success();
    repo.git(&["branch", "agent/taken", "main"]);
    let refs = repo.git(&["for-each-ref"]);
    let err = repo.agent(&["restore", "taken"]).fails(1).stderr;
    assert!(
        err.contains("agent/taken") && err.contains("exists"),
        "{err}"
    );
    assert_eq!(repo.git(&["for-each-ref"]), refs);
    assert!(!wt.exists());
    assert!(!repo.git(&["worktree", "list"]).contains("taken"));
    // The same name at the session's own tip is fine.
    repo.git(&[
        "branch",
        "-f",
        "agent/taken",
        "refs/agents/taken/snapshot^1",
    ]);
    repo.agent(&["restore", "taken"]).success();
    assert_eq!(std::fs::read_to_string(wt.join("t.txt")).unwrap(), "t\n");

    // The path is taken.
    let wt = repo.new_session(&["blocked"]);
    repo.agent(&["discard", "blocked"]).success();
    write(&wt.join("mine.txt"), "not yours\n");
    let refs = repo.git(&["for-each-ref"]);
    let err = repo.agent(&["restore", "blocked"]).fails(1).stderr;
    assert!(err.contains("exists"), "{err}");
    assert_eq!(repo.git(&["for-each-ref"]), refs);
    assert_eq!(
        std::fs::read_to_string(wt.join("mine.txt")).unwrap(),
        "not yours\n"
    );
    assert_eq!(
        repo.json(&["show", "blocked", "--json"])["state"],
        "discarded"
    );
    // An empty directory there is no obstacle.
    std::fs::remove_file(wt.join("mine.txt")).unwrap();
    repo.agent(&["restore", "blocked"]).success();

    // Kept with --keep-worktree: its worktree is still there.
    repo.new_session(&["stays"]);
    repo.agent(&["keep", "stays", "--keep-worktree"]).success();
    let err = repo.agent(&["restore", "stays"]).fails(1).stderr;
    assert!(err.contains("--keep-worktree"), "{err}");
    repo.fsck_clean("at the end");
}

#[test]
fn an_interrupted_restore_is_finished_by_running_restore_again() {
    let repo = TestRepo::new();
    let wt = busy_session(&repo, "cut");
    let before = repo.fingerprint(&wt);
    let files_before = files(&wt);
    repo.agent(&["discard", "cut"]).success();

    // Killed after step 1 (the locked, empty worktree) with some files
    // written by an interrupted fill.
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        "--no-checkout",
        "--lock",
        "--reason",
        "git-agent cut",
        wt.to_str().unwrap(),
        "refs/agents/cut/snapshot^1",
    ]);
    write(&wt.join("a.txt"), "half-writ");
    assert_eq!(repo.json(&["show", "cut", "--json"])["state"], "discarded");
    repo.agent(&["discard", "cut"]).fails(1);
    repo.agent(&["restore", "cut"]).success();
    assert_eq!(repo.fingerprint(&wt), before);
    assert_eq!(files(&wt), files_before);

    // Killed after the fill, before the state was recorded: the rerun only
    // records it, and never fills over what was done in the worktree since.
    let meta = repo.git(&["rev-parse", "refs/agents/cut/meta"]);
    repo.agent(&["discard", "cut"]).success();
    let discarded = repo.git(&["rev-parse", "refs/agents/cut/meta"]);
    repo.agent(&["restore", "cut"]).success();
    assert_ne!(meta, discarded);
    repo.git(&["update-ref", "refs/agents/cut/meta", &discarded]);
    write(&wt.join("a.txt"), "edited after the fill\n");
    repo.agent(&["restore", "cut"]).success();
    assert_eq!(
        std::fs::read_to_string(wt.join("a.txt")).unwrap(),
        "edited after the fill\n"
    );
    assert_eq!(repo.json(&["show", "cut", "--json"])["state"], "active");
    repo.fsck_clean("at the end");
}

#[test]
fn a_session_inherits_the_callers_sparse_patterns_and_restore_brings_back_changes_outside_them() {
    let repo = TestRepo::new();
    repo.git(&["sparse-checkout", "set", "docs"]);
    // A linked worktree with patterns of its own (per-worktree config).
    let linked = repo.base().join("linked");
    repo.git(&["worktree", "add", "-q", linked.to_str().unwrap()]);
    repo.git_in(&linked, &["sparse-checkout", "set", "src"]);

    let wt = {
        let run = repo.agent_in(&linked, &["new", "sparse"]).success();
        std::path::PathBuf::from(
            run.stdout
                .lines()
                .next()
                .unwrap()
                .split('\t')
                .nth(1)
                .unwrap(),
        )
    };
    assert_eq!(repo.git_in(&wt, &["sparse-checkout", "list"]), "src");
    assert!(wt.join("src/lib.rs").exists());
    assert!(!wt.join("docs/guide.md").exists());

    // Changes inside the patterns and outside them (an agent may write anywhere).
    write(&wt.join("src/lib.rs"), "pub fn g() {}\n");
    write(&wt.join("src/new.rs"), "new\n");
    write(&wt.join("docs/outside.md"), "outside\n");
    let before = files(&wt);
    let status = repo.git_in(&wt, &["status", "--porcelain=v2", "--untracked-files=all"]);

    repo.agent_in(&linked, &["discard", "sparse"]).success();
    repo.agent(&["restore", "sparse"]).success();
    assert_eq!(files(&wt), before);
    assert_eq!(
        repo.git_in(&wt, &["status", "--porcelain=v2", "--untracked-files=all"]),
        status
    );
    assert_eq!(repo.git_in(&wt, &["sparse-checkout", "list"]), "src");
    // Unchanged files outside the patterns stay hidden, as before.
    assert!(!wt.join("docs/guide.md").exists());

    // And keep brings every change home into the sparse linked worktree.
    repo.agent_in(&linked, &["keep", "sparse"]).success();
    let staged = repo.git_in(&linked, &["diff", "--cached", "--name-status"]);
    assert_eq!(
        staged, "A\tdocs/outside.md\nM\tsrc/lib.rs\nA\tsrc/new.rs",
        "{staged}"
    );
}

#[test]
fn keep_into_a_sparse_checkout_merges_files_outside_its_patterns() {
    let repo = TestRepo::new();
    repo.git(&["sparse-checkout", "set", "src"]);
    assert!(!repo.path("docs/guide.md").exists());
    let wt = repo.new_session(&["outside"]);
    // The agent edits a file the checkout does not have on disk.
    write(&wt.join("docs/guide.md"), "# Guide\nmore\n");
    repo.agent(&["keep", "outside"]).success();
    assert_eq!(
        repo.git(&["diff", "--cached", "--name-status"]),
        "M\tdocs/guide.md"
    );
    assert_eq!(repo.read("docs/guide.md"), "# Guide\nmore\n");
}

#[test]
fn restore_copies_agent_copy_files_and_runs_post_create_like_new() {
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\n");
    repo.git(&["add", ".gitignore"]);
    repo.git(&["commit", "-qm", "ignore"]);
    repo.write(".env", "SECRET=1\n");
    repo.git(&["config", "--add", "agent.copy", ".env"]);
    repo.git(&[
        "config",
        "agent.postCreate",
        "echo \"$GIT_AGENT_ID\" >> post-create.log",
    ]);
    let wt = repo.new_session(&["again"]);
    write(&wt.join(".env"), "SECRET=changed by the agent\n");
    write(&wt.join("work.txt"), "work\n");
    repo.agent(&["discard", "again"]).success();
    std::fs::remove_file(repo.path(".env")).unwrap();
    repo.write(".env", "SECRET=2\n");

    repo.agent(&["restore", "again"]).success();
    // Ignored files are not in a snapshot: agent.copy brings the main
    // worktree's again; postCreate ran once at new and once at restore.
    assert_eq!(
        std::fs::read_to_string(wt.join(".env")).unwrap(),
        "SECRET=2\n"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("work.txt")).unwrap(),
        "work\n"
    );
    assert_eq!(
        std::fs::read_to_string(wt.join("post-create.log")).unwrap(),
        "again\nagain\n"
    );
}
